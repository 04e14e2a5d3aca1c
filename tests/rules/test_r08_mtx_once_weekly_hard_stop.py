"""R08 mtx-once-weekly-hard-stop: schedule reading, the replacement order, and the oncology exception."""

from __future__ import annotations

import re

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    ICD10,
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    ROUTE_ORAL,
    ROUTE_SC,
    RXNORM,
    SNOMED,
    UCUM,
    Chart,
)
from fhir_fixtures.r08_mtx_once_weekly_hard_stop import ONCE_WEEKLY_SIGS_NAMING_OTHER_DAYS, weekly_on_the_chart
from hooks.definitions.routes import V3_ROUTE
from tests.conftest import deleted, explained, fired, run

RULE = "mtx-once-weekly-hard-stop"


def _chart(today):
    return Chart(today, age=60, sex="male").condition(IMNM_SNOMED, onset=-30)


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


def _explain(kb, today, chart):
    result = run(kb, chart.request("order-sign"), today)
    return explained(result, RULE)


def _methotrexate_created(suggestions):
    """The methotrexate orders the suggestions create (the replacement; folic acid and others left out)."""
    return [a["resource"] for s in suggestions for a in s["actions"] if a["type"] == "create"
            and "ethotrexate" in a["resource"]["medicationCodeableConcept"]["text"]]


def test_daily_tablets_are_replaced_by_the_same_dose_once_weekly(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 6, "{tbl}", resource_id="draft-mtx")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert {r["code"] for r in card["overrideReasons"]} == {"oncologic-indication", "data-incorrect"}
    actions = card["suggestions"][0]["actions"]
    assert actions[0] == {"type": "delete", "description": actions[0]["description"],
                          "resourceId": "MedicationRequest/draft-mtx"}
    weekly = actions[1]["resource"]
    dosage = weekly["dosageInstruction"][0]
    # 6 x 2.5 mg per administration = 15 mg, never 7 x 15 = 105 mg
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 15
    repeat = dosage["timing"]["repeat"]
    assert repeat["frequency"] == 1 and repeat["period"] == 1 and repeat["periodUnit"] == "wk"
    assert len(repeat["dayOfWeek"]) == 1
    assert weekly["dispenseRequest"]["expectedSupplyDuration"]["value"] == 28
    # an order records what is to be done: a teach-back not yet held is asked for, never recorded as done
    assert "Teach-back: have the patient state the weekly day and dose." in weekly["note"][0]["text"]
    assert "done" not in weekly["note"][0]["text"]
    assert "ONCE WEEKLY" in dosage["text"]
    folic = actions[2]["resource"]
    assert "olic acid" in folic["medicationCodeableConcept"]["text"]
    assert folic["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1
    assert "6 x 2.5 mg = 15 mg" in card["detail"]
    assert len(card["summary"]) < 140


@pytest.mark.parametrize("name", [name for name in fhir_fixtures.all_fixtures() if name.startswith("r08-fires-")])
def test_each_hard_stop_summary_is_a_whole_sentence(kb, today, name):
    """Review: summaries read 'HARD STOP: methotrexate no day of the week named' and 'methotrexate the instructions
    say ...', one was cut mid-word ('... is once week…'), and the detail said 'the dose ... is 15 mg = 15 mg'."""
    card = fired(run(kb, fhir_fixtures.get(name).request(today), today))[RULE]
    summary = card["summary"]
    assert summary.startswith("HARD STOP: methotrexate is ") and summary.endswith(".") and len(summary) < 140
    assert "…" not in summary and "(s)" not in summary
    assert not re.search(r"\b(\d+(?:\.\d+)?) mg = \1 mg\b", card["detail"])
    assert "is a problem:" not in card["detail"]


def test_a_long_reason_keeps_the_summary_whole_and_drops_the_reminder_first(kb, today):
    """The twice-weekly sig's reason left no room for the reminder, which was cut mid-word: the shorter one goes in."""
    card = fired(run(kb, fhir_fixtures.get("r08-fires-twice-weekly-sig-on-a-weekly-timing").request(today),
                     today))[RULE]
    assert card["summary"] == ("HARD STOP: methotrexate is timed once weekly, but its instructions say 'on mondays and "
                               "thursday'. Give it once weekly on one named day.")


def test_weekday_from_the_start_date_when_none_is_named(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", timing_code="WK")
    card = _card(kb, today, chart)
    repeat = card["suggestions"][0]["actions"][1]["resource"]["dosageInstruction"][0]["timing"]["repeat"]
    assert repeat["dayOfWeek"] == [("mon", "tue", "wed", "thu", "fri", "sat", "sun")[today.weekday()]]
    assert "no day of the week named" in card["detail"]


def test_named_day_and_subcutaneous_route_are_kept(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 20, "mg", frequency=2, day_of_week=["thu"], route=ROUTE_SC)
    card = _card(kb, today, chart)
    dosage = card["suggestions"][0]["actions"][1]["resource"]["dosageInstruction"][0]
    assert dosage["timing"]["repeat"]["dayOfWeek"] == ["thu"]
    assert dosage["route"]["coding"][0]["code"] == "34206005"
    assert "Thursday" in card["suggestions"][0]["label"]


@pytest.mark.parametrize("period,fires", [(7, False), (6, True), (14, False)])
def test_interval_edge_with_a_named_day(kb, today, period, fires):
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", period=period, day_of_week=["mon"])
    assert (_card(kb, today, chart) is not None) is fires


@pytest.mark.parametrize("times,fires", [(["08:00:00", "20:00:00"], False), (None, True)])
def test_a_dose_split_over_times_of_the_weekly_day_is_one_day(kb, today, times, fires):
    """timeOfDay on Monday is a split weekly dose (R09 adds it up); the same two doses daily still stop."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 10, "mg", period_unit="wk" if times else "d",
                                day_of_week=["mon"] if times else None,
                                time_of_day=times or ["08:00:00", "20:00:00"])
    assert (_card(kb, today, chart) is not None) is fires


@pytest.mark.parametrize(("frequency_max", "fires"), [(None, False), (1, False), (2, True)])
def test_up_to_twice_a_week_is_more_often_than_weekly(kb, today, frequency_max, fires):
    """frequencyMax was not read: 'once or twice a week' passed as once weekly."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 20, "mg", period_unit="wk", day_of_week=["mon"],
                                frequency_max=frequency_max)
    assert (_card(kb, today, chart) is not None) is fires


def test_two_weekdays_a_week_fire(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 7.5, "mg", period_unit="wk", day_of_week=["mon", "thu"])
    card = _card(kb, today, chart)
    assert card is not None and "it is ordered on 2 named days a week" in card["detail"]


@pytest.mark.parametrize("code,fires", [("QW", False), ("Q7D", False), ("QWK", False), ("Q24H", True),
                                        ("Q72H", True), ("BED", True)])
def test_timing_codes_weekly_or_not(kb, today, code, fires):
    """A weekly code on a named day is weekly, not an unread frequency; every 24 or 72 hours, or at bedtime, is
    too often."""
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft",
                                                timing_code=code)
    resource["dosageInstruction"][0]["timing"]["repeat"] = {"dayOfWeek": ["mon"]}
    card = _card(kb, today, _chart(today).draft_resource(resource))
    assert (card is not None) is fires


def test_twice_weekly_text_is_not_read_as_weekly(kb, today):
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 7.5, "mg", start=0, status="draft",
                                                text="7.5 mg twice weekly on Monday and Thursday")
    resource["dosageInstruction"][0].pop("timing")
    card = _card(kb, today, _chart(today).draft_resource(resource))
    assert card is not None and "twice a week" in card["detail"]


def test_unreadable_dose_still_fires_and_asks_for_the_dose(kb, today):
    resource = _chart(today).medication_request(METHOTREXATE_2_5, None, None, start=0, status="draft",
                                                text="as directed", resource_id="draft-x")
    resource["dosageInstruction"][0].pop("timing")
    card = _card(kb, today, _chart(today).draft_resource(resource))
    assert "re-enter the dose" in card["detail"]
    actions = card["suggestions"][0]["actions"]
    assert actions[0]["type"] == "delete" and actions[0]["resourceId"] == "MedicationRequest/draft-x"
    assert all(a["type"] != "create" or "olic" in a["resource"]["medicationCodeableConcept"]["text"]
               for a in actions)


@pytest.mark.parametrize(("mg", "kept"), [(25, True), (25.5, False), (50, False)])
def test_a_dose_above_the_weekly_range_is_not_carried_into_the_replacement(kb, today, mg, kept):
    """The recommended replacement kept 50 mg as "50 mg once weekly", a 2-4x overdose (seed 003's phrase) that R09
    then stopped as critical: two hard stops advising different doses (found by review)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, mg, "mg", timing_code="WK", resource_id="draft-mtx")
    card = _card(kb, today, chart)
    assert bool(_methotrexate_created(card["suggestions"])) is kept
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/draft-mtx"
    if not kept:
        assert f"on the draft is {mg:g} mg, above the 25 mg/week" in card["detail"]
        assert "re-enter the weekly dose" in card["detail"]


def test_folic_acid_is_not_offered_twice(kb, today):
    chart = _chart(today).medication("Folic acid 1 mg tablet", 1, "mg", start=-10)
    chart.draft(METHOTREXATE_2_5, 10, "mg")
    actions = _card(kb, today, chart)["suggestions"][0]["actions"]
    assert len(actions) == 2 and "folic" not in str(actions[1]["resource"]).lower()


def test_folic_acid_cancelled_among_the_drafts_is_still_offered(kb, today):
    """A cancelled folic acid draft counted as folic acid on file, so the replacement came without it."""
    chart = _chart(today).draft("Folic acid 1 mg tablet", 1, "mg", status="cancelled")
    chart.draft(METHOTREXATE_2_5, 10, "mg")
    actions = _card(kb, today, chart)["suggestions"][0]["actions"]
    assert len(actions) == 3 and "olic acid" in actions[2]["resource"]["medicationCodeableConcept"]["text"]


def test_oncology_reason_is_quiet_and_explained(kb, today):
    leukaemia = (ICD10, "C91.00", "Acute lymphoblastic leukemia")
    chart = _chart(today).draft(METHOTREXATE_2_5, 20, "mg", reason=leukaemia, resource_id="onc")
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired"
    assert "Acute lymphoblastic leukemia" in entry["facts"]["onc_oncology"]


def test_non_oncology_reason_fires_despite_active_cancer(kb, today):
    chart = _chart(today).condition((ICD10, "C50.911", "Malignant neoplasm of right female breast"))
    chart.draft(METHOTREXATE_2_5, 20, "mg", reason=IMNM_SNOMED)
    assert _card(kb, today, chart) is not None


def test_a_cancer_on_the_problem_list_does_not_exempt_an_order_without_a_cancer_reason(kb, today):
    """Melanoma and a generic 'Myositis' on the problem list, daily methotrexate with no reason: it still stops,
    and the card says how to override if it is chemotherapy."""
    chart = Chart(today, age=60).condition((ICD10, "C43.9", "Malignant melanoma of skin, unspecified"))
    chart.condition("Myositis").draft(METHOTREXATE_2_5, 10, "mg")
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical" and "Malignant melanoma" in card["detail"]


def test_facts_record_the_schedule(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["sat"], resource_id="w")
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired"
    assert entry["facts"]["w_schedule"] == "once weekly; day sat"


@pytest.mark.parametrize("text", ["Take 4 tablets (10 mg) by mouth daily with folic acid",
                                  "Take 10 mg by mouth daily and folic acid 1 mg"])
def test_a_daily_text_mentioning_folic_acid_still_fires(kb, today, text):
    """Only the folate phrase is set aside: the clause was dropped whole and a daily text passed."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 10, "mg", period_unit="wk", day_of_week=["mon"], text=text)
    card = _card(kb, today, chart)
    assert card is not None and "but its instructions say 'daily'" in card["detail"]


@pytest.mark.parametrize("text", ["Take 15 mg once weekly on Monday with folic acid 1 mg daily",
                                  "Take 15 mg once weekly on Monday and folic acid 1 mg daily",
                                  "Take 15 mg once weekly on Monday + folic acid 1 mg daily"])
def test_the_folate_instruction_is_set_aside_and_the_methotrexate_schedule_kept(kb, today, text):
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft", text=text)
    resource["dosageInstruction"][0].pop("timing")
    entry = _explain(kb, today, _chart(today).draft_resource(resource))
    assert entry["status"] == "not-fired", entry.get("facts")


@pytest.mark.parametrize("text", ["Take 4 tablets every 72 hours", "Take 4 tablets every 3 days",
                                  "Take 4 tablets every 12 hours"])
def test_interval_and_numbered_texts_under_a_weekly_timing_fire(kb, today, text):
    chart = _chart(today).draft(METHOTREXATE_2_5, 10, "mg", period_unit="wk", day_of_week=["mon"], text=text)
    card = _card(kb, today, chart)
    assert card is not None and "it is timed once weekly, but its instructions say" in card["detail"]


def test_a_draft_naming_its_drug_by_a_medication_entry_of_the_draft_bundle_is_read(kb, today):
    """The draft's medicationReference points to a Medication sent as its own entry of draftOrders: it is the
    drug of the order (daily methotrexate: hard stop), and the Medication itself is no draft order."""
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft",
                                                resource_id="mtx-by-reference")
    del resource["medicationCodeableConcept"]
    resource["medicationReference"] = {"reference": "Medication/mtx-product"}
    medication = {"resourceType": "Medication", "id": "mtx-product", "code": {"coding": [
        {"system": METHOTREXATE_2_5[0], "code": METHOTREXATE_2_5[1], "display": METHOTREXATE_2_5[2]}]}}
    chart = _chart(today).draft_resource(resource).draft_resource(medication)
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical"
    assert {gone for s in card["suggestions"] for gone in deleted(s)} == {"MedicationRequest/mtx-by-reference"}


WEEKLY = {"frequency": 1, "period": 1, "period_unit": "wk"}


def _weekly_instructions(today, days: list[str], dose: float = 2.5, sequences: list[int] | None = None):
    """One draft with a once-weekly instruction per named day, given together unless ``sequences`` says not."""
    chart = _chart(today)
    draft = chart.medication_request(METHOTREXATE_2_5, dose, "mg", start=0, status="draft", intent="proposal",
                                     day_of_week=[days[0]], **WEEKLY)
    first = draft["dosageInstruction"][0]
    draft["dosageInstruction"] = [{**first, "timing": {"repeat": {**first["timing"]["repeat"], "dayOfWeek": [day]}}}
                                  for day in days]
    for instruction, sequence in zip(draft["dosageInstruction"], sequences or [], strict=False):
        instruction["sequence"] = sequence
    return chart.draft_resource(draft)


def test_weekly_instructions_given_together_on_every_weekday_are_daily(kb, today):
    card = _card(kb, today, _weekly_instructions(today, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]))
    assert card["indicator"] == "critical" and "it is ordered on 7 named days a week" in card["detail"]
    card = _card(kb, today, _weekly_instructions(today, ["mon", "thu"], dose=7.5))
    assert "it is ordered on 2 named days a week (Monday, Thursday)" in card["detail"]


def test_a_split_dose_on_one_day_or_weekly_steps_in_sequence_are_once_weekly(kb, today):
    assert _card(kb, today, _weekly_instructions(today, ["mon", "mon"], dose=7.5)) is None
    steps = _weekly_instructions(today, ["mon", "thu"], sequences=[1, 2])
    first, second = steps.drafts[-1]["dosageInstruction"]
    first["timing"]["repeat"]["boundsDuration"] = {"value": 4, "unit": "wk", "system": UCUM, "code": "wk"}
    del second["timing"]["repeat"]["boundsPeriod"]  # Mondays for 4 weeks, then Thursdays from the day after
    assert _card(kb, today, steps) is None


def test_numbered_instructions_that_no_bounds_lay_out_one_after_another_are_given_together(kb, today):
    """Sequence 1 on Monday and sequence 2 on Thursday with no bounds passed as two weekly steps: nothing says the
    second waits for the first, so it is methotrexate twice a week (found by review)."""
    card = _card(kb, today, _weekly_instructions(today, ["mon", "thu"], dose=15, sequences=[1, 2]))
    assert card is not None and "it is ordered on 2 named days a week (Monday, Thursday)" in card["detail"]


def test_a_weekly_instruction_without_a_day_adds_a_day(kb, today):
    chart = _weekly_instructions(today, ["mon", "mon"])
    del chart.drafts[-1]["dosageInstruction"][1]["timing"]["repeat"]["dayOfWeek"]
    card = _card(kb, today, chart)
    assert "given on 2 days a week in all" in card["detail"]


def test_two_drafts_signed_together_add_up(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 7.5, "mg", day_of_week=["mon"], resource_id="first", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 7.5, "mg", day_of_week=["thu"], resource_id="second", **WEEKLY)
    card = _card(kb, today, chart)
    assert "is given on 2 days a week together with the other methotrexate draft signed" in card["summary"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/first"
    same_day = _chart(today).draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["mon"], **WEEKLY)
    same_day.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["mon"], **WEEKLY)  # two strengths, one weekly dose
    assert _card(kb, today, same_day) is None


@pytest.mark.parametrize("text, stops", [
    ("Take 6 tablets (15 mg) by mouth every day (do not take with alcohol)", True),
    ("Take 6 tablets by mouth every morning - never with alcohol", True),
    ("Take 6 tablets on Monday, not daily", False),
    ("Take 6 tablets on Monday (never daily)", False),
])
def test_only_the_negated_words_are_set_aside(kb, today, text, stops):
    chart = _chart(today).draft(METHOTREXATE_2_5, 6, "{tbl}", day_of_week=["mon"], text=text, **WEEKLY)
    assert (_card(kb, today, chart) is not None) is stops


def test_a_child_gets_no_replacement_dose_the_childrens_limits_would_flag(kb, today):
    """Age 8, 25 kg: "20 mg once weekly" was recommended and R32 then flagged it at 21.5 mg/m2/week."""
    chart = Chart(today, age=8, sex="male").condition(IMNM_SNOMED, onset=-30).weight(25, day=-1).height(125, day=-1)
    card = _card(kb, today, chart.draft(METHOTREXATE_2_5, 20, "mg", resource_id="draft-mtx"))
    assert not _methotrexate_created(card["suggestions"])
    assert "In a child the weekly dose goes by body surface area" in card["detail"]


@pytest.mark.parametrize("reason", ["Cancer-associated myositis", "Dermatomyositis, malignancy screen negative",
                                    "Immune-mediated necrotizing myopathy (no cancer found on CT)",
                                    "Polymyositis; history of melanoma (resected 2015)",
                                    "Acute lymphoblastic leukemia maintenance"])
def test_a_cancer_named_only_in_the_reason_text_does_not_exempt_daily_methotrexate(kb, today, reason):
    """Any cancer word in reasonCode.text exempted the order ("cancer-associated myositis", "no cancer found"):
    only a reason coded in the oncology value set is a documented oncologic indication (found by review)."""
    card = _card(kb, today, _chart(today).draft(METHOTREXATE_2_5, 15, "mg", timing_code="QD", reason=reason))
    assert card is not None and card["indicator"] == "critical"
    assert f"The order's reason ({reason}) names a cancer only in words" in card["detail"]


@pytest.mark.parametrize(("code", "fires"), [("QD", True), ("BID", True), ("WK", False)])
def test_a_weekly_repeat_with_a_more_frequent_timing_code_stops(kb, today, code, fires):
    """timing.repeat weekly on Monday with timing.code QD or BID passed as weekly: the code was ignored whenever
    the repeat had a frequency (found by review)."""
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft",
                                                day_of_week=["mon"], **WEEKLY)
    resource["dosageInstruction"][0]["timing"]["code"] = {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": code}]}
    card = _card(kb, today, _chart(today).draft_resource(resource))
    assert (card is not None) is fires
    if fires:
        assert "daily" in card["summary"]


@pytest.mark.parametrize(("text", "days"), [
    ("15 mg every Monday and every Thursday", "Monday, Thursday"),
    ("15 mg every Monday until further notice; also 7.5 mg every Friday", "Monday, Friday"),
    ("Take 15 mg by mouth every Monday", None),
])
def test_weekdays_in_the_text_add_to_the_weekday_of_the_timing(kb, today, text, days):
    """A weekly Monday timing hid the text's "and every Thursday": the text's weekdays were read only when the
    timing named none (found by review)."""
    card = _card(kb, today, _chart(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], text=text, **WEEKLY))
    assert (card is not None) is (days is not None)
    if days:
        assert f"it is ordered on 2 named days a week ({days})" in card["detail"]


def test_an_active_weekly_order_on_another_day_adds_up_with_the_draft(kb, today):
    """Weekly methotrexate on Monday on the chart and a weekly draft on Thursday was silent, though two drafts
    signed together fire: the chart's order stays active beside the draft (found by review). The card cancels the
    draft, recommended (a new weekly order beside the chart's would still be twice a week), or keeps it and
    discontinues the order on the chart (as R06 and R09 offer), and says the order stays."""
    chart = weekly_on_the_chart(today)
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical"
    assert "together with the order already on the chart" in card["summary"]
    assert "once weekly on Monday), which stays active" in card["detail"]
    cancel, discontinue = card["suggestions"]
    assert cancel["isRecommended"] and not discontinue.get("isRecommended")
    assert cancel["label"] == "Cancel the draft: the order on the chart stays active"
    assert set(deleted(cancel)) == {"MedicationRequest/mtx-thu"}
    assert deleted(discontinue) == ["MedicationRequest/mtx-active"]
    assert not _methotrexate_created(card["suggestions"])


@pytest.mark.parametrize("link", ["same id", "MedicationRequest/mtx-active",
                                  "https://ehr.example/fhir/MedicationRequest/mtx-active/_history/3"])
def test_a_draft_that_replaces_the_chart_order_is_checked_alone(kb, today, link):
    """The chart's order does not add up with a draft that replaces it: the same order re-sent as a draft, or a
    draft naming it as its priorPrescription. Without the link the two add up (twice a week)."""
    chart = weekly_on_the_chart(today)
    assert _card(kb, today, chart) is not None
    if link == "same id":
        chart.drafts[-1]["id"] = "mtx-active"
    else:
        chart.drafts[-1]["priorPrescription"] = {"reference": link}
    assert _card(kb, today, chart) is None


def test_a_replacement_for_two_drafts_on_different_days_cancels_both(kb, today):
    """The suggestion cancelled only the first draft and recreated it, leaving the Thursday draft: methotrexate
    still twice a week once accepted (found by review)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], resource_id="mtx-mon", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["thu"], resource_id="mtx-thu", **WEEKLY)
    card = _card(kb, today, chart)
    for suggestion in card["suggestions"]:
        assert set(deleted(suggestion)) == {
            "MedicationRequest/mtx-mon", "MedicationRequest/mtx-thu"}
    created = _methotrexate_created(card["suggestions"][:1])
    assert [r["dosageInstruction"][0]["timing"]["repeat"]["dayOfWeek"] for r in created] == [["mon"]]
    assert set(card["extension"]["imnm-cds"]["draftOrders"]) == {"MedicationRequest/mtx-mon",
                                                                 "MedicationRequest/mtx-thu"}


@pytest.mark.parametrize(("product", "route", "expected"), [
    ((RXNORM, "1441407", "0.4 ML methotrexate 25 MG/ML Auto-Injector [Otrexup]"), None, ("34206005", "SC")),
    ((RXNORM, "105589", "methotrexate 100 MG/ML Injectable Solution"), None, ("34206005", "SC")),
    ("methotrexate 25 MG/ML Prefilled Syringe", None, ("34206005", "SC")),
    (METHOTREXATE_2_5, None, ("26643006", "PO")),
    ((RXNORM, "105589", "methotrexate 100 MG/ML Injectable Solution"), ROUTE_ORAL, ("26643006", "PO")),
])
def test_an_injectable_product_without_a_route_is_replaced_under_the_skin(kb, today, product, route, expected):
    """A daily auto-injector or vial with no route was replaced by "PO once weekly" on the same injectable
    product: the default route was oral whatever the dose form (found by review). A route that is given wins."""
    chart = _chart(today).draft(product, 10, "mg", timing_code="QD", route=route, resource_id="mtx-inj")
    card = _card(kb, today, chart)
    weekly = card["suggestions"][0]["actions"][1]["resource"]
    dosage = weekly["dosageInstruction"][0]
    assert dosage["route"]["coding"][0]["code"] == expected[0]
    assert f"10 mg {expected[1]} ONCE WEEKLY" in dosage["text"]
    assert f"{expected[1]} once weekly" in card["suggestions"][0]["label"]


@pytest.mark.parametrize(("end", "fires"), [(-60, False), (None, True), (30, True)])
def test_a_chart_order_whose_end_date_has_passed_does_not_add_up_though_still_active(kb, today, end, fires):
    """An order still marked 'active' whose end date passed two months ago added up with a new weekly draft on
    another day (twice a week): an end date ends a course whatever its status says (found by review)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-200, end=end, status="active",
                                     day_of_week=["fri"], resource_id="mtx-old", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], resource_id="mtx-new", **WEEKLY)
    card = _card(kb, today, chart)
    assert (card is not None) is fires
    if fires:
        assert "together with the order already on the chart" in card["summary"]


@pytest.mark.parametrize(("day_of_week", "text"), [
    (["mon"], "15 mg once weekly on Monday. If a dose is missed, take it on Tuesday"),
    (["mon"], "Take on Monday; if Monday is missed take it Tuesday or Wednesday"),
    (["mon"], "15 mg weekly, not on Tuesday"),
    ([], "15 mg once weekly on Monday. If a dose is missed, take it on Monday evening"),
    ([], "15 mg once weekly on Monday"),
])
def test_a_weekday_outside_a_frequency_phrase_is_no_day_of_the_schedule(kb, today, day_of_week, text):
    """A Monday timing with "if a dose is missed, take it on Tuesday" was a hard stop (2 days a week named): every
    weekday in the text added to the timing's (found by review). Only "every <day>" / "on <day>s" phrases add;
    with no day in the timing or such a phrase, the day the text names is the weekday ("once weekly on Monday")."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=day_of_week, text=text, **WEEKLY)
    assert _card(kb, today, chart) is None


@pytest.mark.parametrize("route", [
    {"coding": [{"system": V3_ROUTE, "code": "IVINF"}]},
    {"coding": [{"system": V3_ROUTE, "code": "IVPUSH"}]},
    {"coding": [{"system": SNOMED, "code": "255560000"}]},
])
def test_a_route_coded_intravenous_in_hl7_v3_or_snomed_is_out_of_scope(kb, today, route):
    """Daily methotrexate coded only IVINF (HL7 v3) was read as not IV and stopped, though IV methotrexate is an
    oncologic protocol outside this rule: R08 did not read the codes steroids reads (found by review). R08's row
    covers PO/SC/IM, so IV stays out of scope (a first attempt to read section 4.3's "all routes" put a hard stop on
    IV chemotherapy whose cancer is coded more finely than the oncology value set); the reason says so, where it had
    said every draft was "once weekly on a named day, or oncologic" (found by review)."""
    chart = _chart(today).draft("methotrexate 25 MG/ML Injectable Solution", 20, "mg", timing_code="QD", route=route,
                                resource_id="mtx-iv")
    assert _card(kb, today, chart) is None
    entry = _explain(kb, today, chart)
    assert entry["facts"]["mtx-iv_route"].startswith("intravenous")
    assert entry["reason"] == ("no methotrexate draft this rule checks: methotrexate 25 MG/ML Injectable Solution: "
                               "intravenous (oncologic/high-dose protocols are out of scope)")


@pytest.mark.parametrize(("code", "expected"), [("IM", ("78421000", "IM")), ("SQ", ("34206005", "SC")),
                                                ("PO", ("26643006", "PO"))])
def test_a_route_coded_in_hl7_v3_only_is_kept_in_the_replacement(kb, today, code, expected):
    """A daily methotrexate injection coded only 'IM' (HL7 v3) was replaced by an SC order: the route's lower-case
    patterns never matched the upper-case code, and the injectable default won (found by review)."""
    chart = _chart(today).draft("methotrexate 25 MG/ML Injectable Solution", 20, "mg", timing_code="QD",
                                route={"coding": [{"system": V3_ROUTE, "code": code}]}, resource_id="mtx-v3")
    card = _card(kb, today, chart)
    dosage = card["suggestions"][0]["actions"][1]["resource"]["dosageInstruction"][0]
    assert dosage["route"]["coding"][0]["code"] == expected[0]
    assert f"20 mg {expected[1]} ONCE WEEKLY" in dosage["text"]


@pytest.mark.parametrize("route_text", ["IM (not IV)", "non-IV", "subcutaneous (not IV)",
                                        "Subcutaneous (not for IV use)", "Subcutaneous - do not give IV",
                                        "Subcutaneous (never IV)"])
def test_a_route_that_says_not_iv_is_not_intravenous(kb, today, route_text):
    """R08 read a negated route as IV and left a daily methotrexate draft out of scope; it now reads routes as
    routes.route_says_iv does (found by review)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", route={"text": route_text})
    assert _card(kb, today, chart) is not None


@pytest.mark.parametrize("text", ["Take 15 mg every sat", "15 mg on sats", "15 mg every sun"])
def test_a_weekday_abbreviated_in_a_weekly_phrase_names_the_day(kb, today, text):
    """R08 read these phrases with a weekday list lacking 'sat' and 'sun' and stopped the order as naming no day,
    while the frequency reader counted them as once weekly (found by review)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", text=text)
    assert _card(kb, today, chart) is None


@pytest.mark.parametrize(("route_text", "expected"), [("IM (not SC)", ("78421000", "IM")),
                                                      ("subcutaneous, not IM", ("34206005", "SC")),
                                                      ("non-oral: SC", ("34206005", "SC"))])
def test_a_route_named_only_to_be_ruled_out_is_not_the_replacements_route(kb, today, route_text, expected):
    """'IM (not SC)' was replaced by an SC order: the words 'not SC' were read as the route. Every route read in
    words now drops what it names only to rule out (routes.route_words)."""
    chart = _chart(today).draft("methotrexate 25 MG/ML Injectable Solution", 20, "mg", timing_code="QD",
                                route={"text": route_text}, resource_id="mtx-neg")
    dosage = _card(kb, today, chart)["suggestions"][0]["actions"][1]["resource"]["dosageInstruction"][0]
    assert dosage["route"]["coding"][0]["code"] == expected[0]
    assert f"20 mg {expected[1]} ONCE WEEKLY" in dosage["text"]


@pytest.mark.parametrize(("status", "end", "fires"), [("active", 6, False), ("active", 7, True),
                                                       ("stopped", 30, False), ("on-hold", None, True)])
def test_the_chart_order_goes_on_beside_the_draft_while_current_and_not_ended_before_it_starts(kb, today, status,
                                                                                                 end, fires):
    """Saturday methotrexate and a Thursday draft from day 7 (a Saturday). An order ending on day 6 is followed by
    the draft, not given with it, and a stopped order is not given at all, whatever its end date (both were read as
    given beside the draft: twice a week). On hold, FHIR expects it to resume (hooks.definitions.continuing, as R06
    and R09)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, end=end, status=status,
                                     day_of_week=["sat"], resource_id="mtx-sat", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", start=7, day_of_week=["thu"], resource_id="mtx-thu", **WEEKLY)
    card = _card(kb, today, chart)
    assert (card is not None) is fires
    if fires:
        assert "together with the order already on the chart" in card["summary"]


def test_an_as_needed_order_on_the_chart_still_counts_its_days(kb, today):
    """Unlike the dose checks (R06, R09), which add no scheduled dose for it, an as-needed methotrexate may still be
    taken on its day: with a draft on another day, twice a week."""
    chart = weekly_on_the_chart(today)
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    card = _card(kb, today, chart)
    assert card is not None and "together with the order already on the chart" in card["summary"]
    assert _explain(kb, today, chart)["facts"]["on_chart_as_needed"]


def test_a_draft_naming_the_chart_order_by_its_identifier_replaces_it(kb, today):
    """priorPrescription may name the order by its identifier rather than by a reference: it was read as no link,
    so the Monday order and the Thursday draft meant to replace it were twice a week."""
    chart = weekly_on_the_chart(today)
    chart.resources["medications"][-1]["identifier"] = [{"system": "https://ehr.example/rx", "value": "88412"}]
    chart.drafts[-1]["priorPrescription"] = {"identifier": {"system": "https://ehr.example/rx", "value": "88412"}}
    assert _card(kb, today, chart) is None
    assert "identifier 88412" in _explain(kb, today, chart)["facts"]["on_chart_replaced"]
    chart.drafts[-1]["priorPrescription"]["identifier"]["value"] = "88413"  # another order's
    assert _card(kb, today, chart) is not None


def test_an_order_whose_status_does_not_say_is_counted_and_said_to_be(kb, today):
    """status 'unknown': whether the Monday order is still given cannot be told, so it counts beside the Thursday
    draft (the safe side) and the card says why."""
    chart = weekly_on_the_chart(today)
    chart.resources["medications"][-1]["status"] = "unknown"
    card = _card(kb, today, chart)
    assert "(its status does not say whether it is still given: counted as going on)" in card["detail"]


@pytest.mark.parametrize("linked", [False, True])
def test_a_stopped_draft_that_rewrites_the_chart_order_with_no_link_says_it_is_still_active(kb, today, linked):
    """15 mg weekly with no weekday on the chart, and a 20 mg weekly draft with no weekday either: the same schedule,
    so the draft is read as that order written again, and stopped (no day named). With no link, the order on the
    chart stays active once a corrected order is signed: the card says so (35 mg a dose together), and the
    replacement also discontinues it, by its id. Linked, nothing is said (the EHR stops the order a signed draft
    names)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, resource_id="mtx-chart", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", resource_id="mtx-draft", **WEEKLY)
    if linked:
        chart.replacing("mtx-chart")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "no day of the week named" in card["detail"]
    said = ("Methotrexate 2.5 MG Oral Tablet, once weekly (on the chart, still active) is read as replaced by this "
            "draft, which does not link to it: discontinue it when signing, or both would be given (35 mg a dose "
            "together).")
    assert (said in card["detail"]) is not linked and ("still active" in card["detail"]) is not linked
    if not linked:
        [replace] = card["suggestions"]
        assert deleted(replace) == [
            "MedicationRequest/mtx-draft", "MedicationRequest/mtx-chart"]


def test_a_draft_on_the_chart_orders_day_with_no_link_is_no_hard_stop(kb, today):
    """Monday on the chart and a Monday draft with no link: once weekly either way, so no hard stop (R08 has no
    warning to give); the dose check (R09) warns that the order on the chart is still active."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, day_of_week=["mon"],
                                     resource_id="mtx-chart", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    cards = fired(run(kb, chart.request("order-sign"), today))
    assert RULE not in cards and cards["mtx-weekly-dose-range"]["indicator"] == "warning"


def test_a_daily_order_on_the_chart_is_the_one_discontinued_not_the_weekly_draft(kb, today):
    """Daily methotrexate on the chart (a home-medication transcription error) and its correction drafted once weekly
    on Monday with no link: the only suggestion, recommended, cancelled the safe draft and kept the daily order, and
    the card said '8 days a week' (found by review). Keeping the draft and discontinuing the daily order is
    recommended; cancelling the draft is offered, saying the order left is given daily."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 2.5, "mg", start=-3, resource_id="mtx-daily")
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], resource_id="mtx-weekly", **WEEKLY)
    card = _card(kb, today, chart)
    assert "is given on 7 days a week together with the order already on the chart" in card["summary"]
    assert "On its own, the methotrexate on the chart is given once daily: **discontinue it**" in card["detail"]
    cancel, keep = card["suggestions"]
    assert cancel["label"] == "Cancel the draft: the order on the chart stays active (it is given once daily)"
    assert keep["isRecommended"] and not cancel.get("isRecommended")
    assert deleted(keep) == ["MedicationRequest/mtx-daily"]


@pytest.mark.parametrize("stop", [{"status": "stopped"}, {"status": "entered-in-error"}, {"dose": 0}])
def test_a_switch_with_the_old_order_discontinued_in_the_same_batch_is_no_hard_stop(kb, today, stop):
    """Monday tablets re-sent as stopped (or 0 mg) and a Wednesday injection from day 2: the stopped draft was read
    as a Monday dose given with the injection, a hard stop 'twice a week' (found by review)."""
    chart = weekly_on_the_chart(today)
    chart.drafts.clear()
    chart.draft_resource(chart.medication_request(METHOTREXATE_2_5, stop.get("dose", 15), "mg", start=-60,
                                                  period_unit="wk", day_of_week=["mon"], resource_id="mtx-active",
                                                  status=stop.get("status", "draft")))
    chart.draft(METHOTREXATE_2_5, 25, "mg", start=2, day_of_week=["wed"], route=ROUTE_SC, **WEEKLY)
    assert _card(kb, today, chart) is None


def test_the_replacement_for_a_draft_linked_to_the_chart_order_discontinues_it(kb, today):
    """A daily draft naming the Monday order as its prior prescription: the replacement cancels the draft, which
    signing would have stopped the Monday order by, so it discontinues that order too (it was left active: twice a
    week with the new weekly order)."""
    chart = weekly_on_the_chart(today)
    chart.drafts.clear()
    chart.draft(METHOTREXATE_2_5, 15, "mg", resource_id="mtx-daily")
    chart.replacing("mtx-active")
    [replace] = _card(kb, today, chart)["suggestions"]
    assert deleted(replace) == [
        "MedicationRequest/mtx-daily", "MedicationRequest/mtx-active"]


@pytest.mark.parametrize("legacy", [{"period": 1}, {"timing_code": "WK"}])
def test_a_legacy_weekly_order_with_no_day_renewed_on_a_named_day_is_no_hard_stop(kb, today, legacy):
    """'20 mg weekly' with no weekday on the chart, renewed as 20 mg weekly on Monday (what this rule asks for):
    read as two orders, a hard stop 'twice a week' recommending to cancel the compliant draft (found by review). A
    weekday named on one side only is no difference: the renewal, and R09 warns that the old order stays active."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 20, "mg", start=-100, resource_id="mtx-legacy",
                                     **({"period_unit": "wk"} | legacy))
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    cards = fired(run(kb, chart.request("order-sign"), today))
    assert RULE not in cards and cards["mtx-weekly-dose-range"]["indicator"] == "warning"


def test_a_daily_order_whose_text_mentions_a_weekday_is_not_read_as_ending_first(kb, today):
    """Daily methotrexate 'started Monday' until Sunday the 29th and a Wednesday draft from the 25th: the order was
    read as Monday-only, its last dose on the 23rd, so it ended before the draft and the hard stop was silent
    (found by review). It is given daily to the 29th, beside the draft."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 2.5, "mg", start=-12, end=8, resource_id="mtx-daily",
                                     text="2.5 mg by mouth daily, started Monday")
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["wed"], start=4, **WEEKLY)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "together with the order already on the chart" in card["summary"]


@pytest.mark.parametrize("text", ["20 mg once weekly on Sat", "20 mg weekly (Sun)"])
def test_a_chart_order_on_a_weekend_day_in_its_text_is_not_renewed_by_a_monday_draft(kb, today, text):
    """'Sat' and '(Sun)' were read as no weekday, so the unlinked Monday draft was that order's renewal and the hard
    stop was silent on methotrexate given on two days a week (found by review)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 20, "mg", start=-100, text=text, resource_id="mtx-chart",
                                     **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "together with the order already on the chart" in card["summary"]


def test_a_held_week_at_0_mg_then_daily_doses_is_no_stop(kb, today):
    """A first instruction at 0 mg made the draft a discontinuation, though its second gives 2.5 mg daily: no hard
    stop (found by review)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 0, "mg", day_of_week=["mon"], **WEEKLY)
    chart.given_with(doseAndRate=[{"doseQuantity": {"value": 2.5, "unit": "mg", "system": UCUM, "code": "mg"}}],
                     timing={"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}})
    assert "given once daily" in _card(kb, today, chart)["summary"]


@pytest.mark.parametrize("status", ["stopped", "completed", "entered-in-error"])
def test_a_daily_draft_with_a_stop_status_linked_to_no_chart_order_is_still_a_hard_stop(kb, today, status):
    """Daily methotrexate drafted with a stop status under an id no chart order has was dropped as a discontinuation,
    silently (found by review): nothing says what it stops, so it is read as the daily order it is, and said."""
    chart = weekly_on_the_chart(today)
    chart.drafts.clear()
    chart.draft(METHOTREXATE_2_5, 2.5, "mg", status=status, resource_id="other-id")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "given once daily" in card["summary"]
    assert _explain(kb, today, chart)["facts"]["stop_draft_unlinked"].startswith(
        f"methotrexate 2.5 MG Oral Tablet (MedicationRequest/other-id): {status}, but it re-sends or names no order")


def test_keeping_the_draft_beside_a_daily_order_also_stops_the_order_it_renews(kb, today):
    """Daily methotrexate and 20 mg every Monday on the chart, and the Monday order renewed with no link: the
    recommended 'keep the draft' stopped only the daily order, leaving the Monday one beside the draft, 40 mg on
    Mondays (found by review). It stops both; the card names the daily order as going on and the Monday one as read
    as replaced (it said no draft replaced the methotrexate on the chart)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 2.5, "mg", start=-5, resource_id="mtx-daily")
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, day_of_week=["mon"], resource_id="mtx-mon", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], resource_id="mtx-draft", **WEEKLY)
    card = _card(kb, today, chart)
    cancel, keep = card["suggestions"]
    assert keep["isRecommended"] and not cancel.get("isRecommended")
    assert deleted(keep) == ["MedicationRequest/mtx-daily",
                                                             "MedicationRequest/mtx-mon"]
    assert "Already on the chart, and going on beside the draft: methotrexate 2.5 MG Oral Tablet, once daily." in \
        card["detail"]
    assert "No draft replaces the methotrexate on the chart" not in card["detail"]


_TWICE_WEEKLY_SIGS = ["3 tablets by mouth on Mondays and Thursday", "3 tablets by mouth every Monday, and Thursday",
                      "3 tablets by mouth weekly on Tue & Sat", "3 tablets by mouth every Monday and on Thursday",
                      "3 tablets by mouth Tues & Sats", "3 tablets by mouth every Mon, Thu",
                      # a clause about something else ends where the drug is given
                      "avoid alcohol and take 3 tablets on Monday and Thursday"]


@pytest.mark.parametrize("text", _TWICE_WEEKLY_SIGS)
def test_a_twice_weekly_sig_on_a_weekly_timing_is_a_hard_stop(kb, today, text):
    """Twice-weekly methotrexate passed as once weekly (review of 6f85af8): a weekday list stopped at a singular
    after a plural, at ', and' or a repeated 'on'; 'on' with two weekdays scheduled nothing, and 'Sat' was read
    only in a weekday phrase, so one day was named. Every weekday of a list is read (dose_basis.weekdays_named)."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 3, "{tbl}", text=text, **WEEKLY)
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical"
    assert "it is ordered on 2 named days a week" in card["detail"]


@pytest.mark.parametrize("text", _TWICE_WEEKLY_SIGS)
def test_a_twice_weekly_sig_alone_is_a_hard_stop(kb, today, text):
    """The same sigs with no structured timing: read as given twice a week, or on two named days."""
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 3, "{tbl}", start=0, status="draft", text=text)
    resource["dosageInstruction"][0].pop("timing")
    card = _card(kb, today, _chart(today).draft_resource(resource))
    assert card is not None and card["indicator"] == "critical"


@pytest.mark.parametrize("text", ["15 mg by mouth once weekly on Monday; avoid the sun",
                                  "15 mg by mouth every Monday, thus once a week", "15 mg by mouth on Mondays only"])
def test_one_weekday_and_an_ordinary_word_is_still_once_weekly(kb, today, text):
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", text=text, **WEEKLY)
    assert _card(kb, today, chart) is None




@pytest.mark.parametrize("form", ["weekly", "weekly on Monday", "text alone"])
@pytest.mark.parametrize("text", ONCE_WEEKLY_SIGS_NAMING_OTHER_DAYS)
def test_a_weekday_in_a_clause_about_something_else_is_no_second_dose_day(kb, today, text, form):
    """Once-weekly methotrexate the hard stop stopped (review of 075557a): a comma, read as a clause break, joined a
    weekday list across clauses ('on Monday ; sun', 'every Monday ; Thursday'), 'on' and two weekdays scheduled doses
    in a clause about alcohol or a clinic, and a negation ended at the list's first comma. A comma joins only weekdays
    that end their clause, a clause led by a word about something else ('avoid', 'clinic', 'bloods', 'no dose', a
    folate) names no dose day, and a clause holds its list whole."""
    if form == "text alone":
        resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft", text=text)
        resource["dosageInstruction"][0].pop("timing")
        chart = _chart(today).draft_resource(resource)
    else:
        on_monday = {"day_of_week": ["mon"]} if form == "weekly on Monday" else {}
        chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", text=text, **WEEKLY, **on_monday)
    card = _card(kb, today, chart)
    assert card is None, card and card["detail"].split("\n")[1]


def test_an_order_left_active_is_added_to_the_titration_step_given_with_it(kb, today):
    """15 mg weekly (no weekday) on the chart until day 8, rewritten with no link by a titration drafted as two
    orders with no weekday: 10 mg for 2 weeks, then 25 mg. Both are given with the first step only (25 mg a dose);
    the 25 mg step comes after the chart order ends. The line added the chart order to the largest step: 40 mg."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, end=8, resource_id="mtx-chart", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 10, "mg", end=13, **WEEKLY).draft(METHOTREXATE_2_5, 25, "mg", start=14, **WEEKLY)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "no day of the week named" in card["detail"]
    assert ("once weekly (on the chart, still active) is read as replaced by this draft, which does not link to it: "
            "discontinue it when signing, or both would be given (25 mg a dose together).") in card["detail"]


def _timed(today, repeat: dict | None, code: str | None = None, text: str | None = None):
    """A methotrexate 15 mg draft with exactly this timing (``repeat``, and ``code`` as its timing code) and text."""
    resource = _chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft", text=text)
    dosage = resource["dosageInstruction"][0]
    dosage.pop("timing")
    if repeat is not None or code is not None:
        dosage["timing"] = {**({"repeat": repeat} if repeat is not None else {}),
                            **({"code": {"coding": [{"code": code}]}} if code else {})}
    return _chart(today).draft_resource(resource)


@pytest.mark.parametrize(("repeat", "code", "written"), [
    ({"frequency": -1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon"]}, None, "frequency -1, period 1 wk"),
    ({"frequency": 1, "period": 2, "dayOfWeek": ["mon"]}, None, "frequency 1, period 2 with no unit"),
    ({"dayOfWeek": ["mon"], "periodUnit": "wk", "period": -7}, "Q0D", "period -7 wk, code Q0D"),
    (None, "Q0D", "code Q0D"),
], ids=["negative-frequency", "period-with-no-unit", "negative-period-and-code", "code-not-known"])
def test_a_frequency_written_that_cannot_be_read_is_said_so_not_none_given(kb, today, repeat, code, written):
    """A timing whose frequency, period or code could not be read stopped the order as "no frequency given": the
    order gives one, which cannot be read. Still the hard stop."""
    card = _card(kb, today, _timed(today, repeat, code))
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("HARD STOP: methotrexate is ordered with a frequency that cannot be read.")
    assert f"stops: it is ordered with a frequency that cannot be read (timing: {written})" in card["detail"]
    assert "no frequency given" not in card["detail"]


def test_a_frequency_not_readable_names_the_instructions_too(kb, today):
    card = _card(kb, today, _timed(today, {"frequency": -1, "period": 1, "periodUnit": "wk"}, text="as directed"))
    assert "a frequency that cannot be read (timing: frequency -1, period 1 wk; instructions: 'as directed')" \
        in card["detail"]


@pytest.mark.parametrize("text", ["15 mg every seven days", "15 mg q.o.w.", "15 mg as directed"])
def test_instructions_with_no_frequency_read_are_quoted_not_said_to_give_none(kb, today, text):
    """A typed sig with a frequency phrase not read ('every seven days') was "no frequency given"."""
    card = _card(kb, today, _timed(today, None, text=text))
    assert card["summary"].startswith("HARD STOP: methotrexate is ordered with no frequency that could be read from "
                                      "the instructions.")
    assert f"no frequency that could be read from the instructions ('{text}')" in card["detail"]
    assert "no frequency given" not in card["detail"]


@pytest.mark.parametrize("repeat", [None, {"timeOfDay": ["08:00:00"]}], ids=["no-timing", "a-time-of-day-only"])
def test_no_frequency_given_where_nothing_is_written(kb, today, repeat):
    card = _card(kb, today, _timed(today, repeat))
    assert card["summary"].startswith("HARD STOP: methotrexate is ordered with no frequency given.")
    assert ("stops: it is ordered with no frequency given; it is ordered with no day of the week named."
            in card["detail"])


def test_a_frequency_read_from_the_text_beside_a_timing_not_readable_is_judged(kb, today):
    """The text's frequency is read where the timing's cannot be: daily stops as daily, not as unreadable."""
    card = _card(kb, today, _timed(today, {"frequency": -1, "period": 1, "periodUnit": "wk"},
                                   text="15 mg by mouth daily"))
    assert card["summary"].startswith("HARD STOP: methotrexate is given once daily.")
    assert "frequency that cannot be read" not in card["detail"]


@pytest.mark.parametrize(("timing", "said"), [
    ({"frequency": 1, "period": 0, "period_unit": "d"}, "given once daily"),
    ({"frequency": 7, "period": 0, "period_unit": "wk", "day_of_week": ["mon"]}, "given once daily"),
    ({"frequency": 1, "period": 0, "period_unit": "wk", "day_of_week": ["mon"]}, "a frequency that cannot be read"),
], ids=["1 per 0 d", "7 per 0 wk", "1 per 0 wk"])
def test_a_period_of_0_is_not_readable_and_still_read_as_one_unit(kb, today, timing, said):
    """A period of 0 bounds nothing: '1 per 0 weeks on Monday' passed as once weekly. Read as unreadable, it let
    the sig's 'once weekly on Monday' stand for a timing read as daily (found by review): it is read as one unit,
    as before, and said to be unreadable too."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", text="15 mg once weekly on Monday", **timing)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and said in card["summary"]
    assert "a frequency that cannot be read (timing: " in card["detail"]


def test_a_chart_order_every_0_days_adds_up_with_a_weekly_draft(kb, today):
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, frequency=1, period=0, period_unit="d")
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["thu"], text="15 mg once weekly on Thursday", **WEEKLY)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "7 days a week together with the order" in card["summary"]


def test_a_frequency_of_0_is_not_readable(kb, today):
    """'0 per week on Monday' (FHIR's frequency is a positive integer) was read as once weekly and passed."""
    chart = _chart(today).draft(METHOTREXATE_2_5, 15, "mg", text="15 mg once weekly on Monday", frequency=0,
                                period=1, period_unit="wk", day_of_week=["mon"])
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert "cannot be read (timing: frequency 0, period 1 wk; instructions: '15 mg once weekly on Monday')" \
        in card["detail"]


def test_a_long_sig_is_quoted_cut_short(kb, today):
    text = "take as directed " * 40
    card = _card(kb, today, _timed(today, {"frequency": -1, "period": 1, "periodUnit": "wk"}, text=text))
    assert f"instructions: '{text[:159]}…')" in card["detail"]
    assert text not in card["detail"]
