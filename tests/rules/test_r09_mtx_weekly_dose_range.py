"""R09 mtx-weekly-dose-range: weekly dose edges, severity, new-start note, suggestions, azathioprine phrase, and the
methotrexate on the chart that no draft replaces."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import EGFR, IMNM_SNOMED, METHOTREXATE_2_5, ROUTE_SC, RXNORM, Chart
from fhir_fixtures.r09_mtx_weekly_dose_range import (
    METHOTREXATE_10,
    MTX_INJECTABLE,
    syringe_left_active_beside_tablets,
    tablets_plus_injection,
)
from tests.conftest import deleted, explained, fired, run, with_params

RULE = "mtx-weekly-dose-range"
MTX_SC = "methotrexate 25 MG/ML Prefilled Syringe"


def _chart(today, prior_day=None):
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-30).weight(70, day=-2)
    if prior_day is not None:
        chart.medication(MTX_SC, 20, "mg", start=prior_day - 60, end=prior_day, status="completed", period=1,
                         period_unit="wk", day_of_week=["fri"])
    return chart


def _weekly(chart, dose, unit="mg", code=MTX_SC, day="wed", **kwargs):
    return chart.draft(code, dose, unit, period=1, period_unit="wk", day_of_week=[day], **kwargs)


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


def _explain(kb, today, chart):
    return explained(run(kb, chart.request("order-sign"), today), RULE)


@pytest.mark.parametrize(("dose", "expected"), [(25, None), (27.5, "warning"), (37.5, "warning"),
                                                (40, "critical"), (50, "critical")])
def test_weekly_dose_edges(kb, today, dose, expected):
    card = _card(kb, today, _weekly(_chart(today, prior_day=-10), dose))
    assert (card or {}).get("indicator") == expected


def test_two_times_of_day_on_the_weekly_day_double_the_weekly_dose(kb, today):
    chart = _weekly(_chart(today, prior_day=-10), 20, resource_id="mtx", time_of_day=["08:00:00", "20:00:00"])
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "40 mg/week" in card["summary"]


def test_tablet_count_uses_the_strength(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 16, "{tbl}", code=METHOTREXATE_2_5))
    assert card["indicator"] == "critical" and "40 mg/week" in card["summary"]


def test_new_start_is_pointed_out_and_15_mg_recommended(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 30, resource_id="draft-mtx"))
    assert "new start" in card["detail"] and "above 20 mg/week is too high" in card["detail"]
    [suggestion] = card["suggestions"]
    assert suggestion["isRecommended"]
    delete, create, folic = suggestion["actions"]
    assert delete == {"type": "delete", "description": delete["description"],
                      "resourceId": "MedicationRequest/draft-mtx"}
    repeat = create["resource"]["dosageInstruction"][0]["timing"]["repeat"]
    assert repeat == {"frequency": 1, "period": 1.0, "periodUnit": "wk", "dayOfWeek": ["wed"]}
    assert create["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert create["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "105585"
    assert "titrate to 20-25 mg/wk" in create["resource"]["dosageInstruction"][0]["text"]
    assert "folic acid" in folic["resource"]["medicationCodeableConcept"]["text"].lower()


def test_prior_mtx_within_90_days_is_not_a_new_start(kb, today):
    card = _card(kb, today, _weekly(_chart(today, prior_day=-89), 30))
    assert "new start" not in card["detail"]
    assert [s["isRecommended"] for s in card["suggestions"]] == [False, True]
    assert card["suggestions"][1]["actions"][1]["resource"]["dosageInstruction"][0]["route"]["coding"][0][
        "code"] == "34206005"
    card = _card(kb, today, _weekly(_chart(today, prior_day=-91), 30))
    assert "new start" in card["detail"]


def test_each_suggested_order_names_a_product_that_gives_its_dose(kb, today):
    """The 25 mg SC order named 'methotrexate 25 MG/ML Prefilled Syringe', a concentration with no volume; it is
    now the 1 mL syringe, which holds exactly 25 mg. The oral 15 mg stays six 2.5 mg tablets."""
    card = _card(kb, today, _weekly(_chart(today, prior_day=-10), 30))
    by_dose = {s["actions"][1]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]:
               s["actions"][1]["resource"] for s in card["suggestions"]}
    assert by_dose[15]["medicationCodeableConcept"]["coding"][0]["code"] == "105585"
    assert by_dose[15]["dosageInstruction"][0]["text"].startswith("Methotrexate 15 mg (6 x 2.5 mg tablets) by mouth")
    assert by_dose[25]["medicationCodeableConcept"]["coding"][0]["code"] == "2377351"  # 1 ML ... Prefilled Syringe
    assert by_dose[25]["dosageInstruction"][0]["text"] == ("Methotrexate 25 mg (1 x 25 mg/1 mL prefilled syringe) SC "
                                                           "ONCE WEEKLY on Wednesday")


def test_folic_acid_not_duplicated(kb, today):
    chart = _weekly(_chart(today), 30).medication("Folic acid 1 mg tablet", 1, "mg", start=-20)
    actions = _card(kb, today, chart)["suggestions"][0]["actions"]
    assert [a["type"] for a in actions] == ["delete", "create"]


def test_card_disowns_the_azathioprine_phrase(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 50))
    assert "25-50 mg/week" in card["detail"] and "azathioprine" in card["detail"]
    assert "must never be used for methotrexate" in card["detail"]
    assert len(card["summary"]) < 140


def test_two_weekly_drafts_are_added(kb, today):
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 15), 15, day="wed")
    assert _card(kb, today, chart)["indicator"] == "warning"


def test_more_often_than_weekly_is_r08s_and_unreadable_is_named(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 50, "mg")  # daily
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and "R08" in entry["reason"]
    chart = _chart(today)
    resource = chart.medication_request(MTX_SC, None, None, start=0, text="methotrexate as directed",
                                        status="draft", intent="proposal")
    del resource["dosageInstruction"][0]["timing"]
    entry = _explain(kb, today, chart.draft_resource(resource))
    assert entry["status"] == "not-evaluable" and MTX_SC in entry["reason"]


def test_text_sig_weekly_is_read(kb, today):
    chart = _chart(today)
    resource = chart.medication_request(MTX_SC, None, None, start=0, text="45 mg SC once weekly on Monday",
                                        status="draft", intent="proposal")
    del resource["dosageInstruction"][0]["timing"]
    assert _card(kb, today, chart.draft_resource(resource))["indicator"] == "critical"


def test_facts(kb, today):
    facts = _explain(kb, today, _weekly(_chart(today, prior_day=-5), 30))["facts"]
    assert facts["weekly_mg"] == 30 and facts["new_start"] is False and facts["methotrexate_in_prior_days"]


def test_an_unreadable_methotrexate_dose_is_said_in_the_response_warnings(kb, today):
    """Not a card (contract section 3: data-quality notes go in the extension), but not only in ?explain either:
    the EHR saw nothing at all when a methotrexate sig could not be read."""
    chart = _chart(today).draft(METHOTREXATE_2_5, None, None, text="take 6-8 tablets weekly as directed")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert any(w.startswith("R09 (") and "was not evaluated" in w and "could not be read safely" in w
               for w in result.warnings), result.warnings


@pytest.mark.parametrize(("dose", "period", "unit", "expected"), [
    (100, 2, "wk", "critical"), (80, 10, "d", "critical"), (30, 2, "wk", "warning"), (25, 2, "wk", None),
    (50, 1, "mo", "critical")])
def test_a_schedule_less_often_than_weekly_is_judged_by_the_dose_given_at_once(kb, today, dose, period, unit,
                                                                               expected):
    """100 mg every 2 weeks is 100 mg at once, four times the adult maximum: it got no card from anyone (R08
    stops only schedules more often than weekly, and R09 kept only exactly once weekly)."""
    chart = _chart(today, prior_day=-10).draft(MTX_SC, dose, "mg", period=period, period_unit=unit,
                                               day_of_week=["mon"])
    cards = fired(run(kb, chart.request("order-sign"), today))
    assert "mtx-once-weekly-hard-stop" not in cards  # R08 unchanged: not more often than weekly
    card = cards.get(RULE)
    assert (card or {}).get("indicator") == expected
    if card:
        assert f"Methotrexate {dose} mg at once (less often than weekly)" in card["summary"]
        assert "less often than once a week: the dose given at once" in card["detail"]
        assert _explain(kb, today, chart)["facts"]["weekly_mg"] == dose


def test_a_split_dose_on_the_day_of_a_fortnightly_schedule_is_added_up(kb, today):
    chart = _chart(today, prior_day=-10).draft(MTX_SC, 15, "mg", period=2, period_unit="wk", day_of_week=["mon"],
                                               time_of_day=["08:00:00", "20:00:00"])
    assert "30 mg at once" in _card(kb, today, chart)["summary"]


def test_a_titration_written_as_two_orders_one_after_the_other_is_not_added_up(kb, today):
    """15 mg weekly for 4 weeks then 20 mg weekly, as two orders: never 35 mg in a week (it fired as 35 mg/week)."""
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 15, end=27), 20, start=28)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and entry["facts"]["weekly_mg"] == 20
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 30, end=27), 20, start=28)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "30 mg/week" in card["summary"]
    assert "not given in the same weeks" in card["detail"]
    overlapping = _weekly(_weekly(_chart(today, prior_day=-7), 15, end=28), 20, start=28)
    assert "35 mg/week" in _card(kb, today, overlapping)["summary"]


def test_a_counted_weekly_course_lasts_its_weeks(kb, today):
    """12 weekly doses run 78 days, so a second weekly draft from day 14 is given in the same weeks: 30 mg/week.
    The count was read as 12 days and the two passed as 15 mg/week each (found by review)."""
    chart = _weekly(_chart(today, prior_day=-7), 15, count=12)
    chart = _weekly(chart, 15, start=14)
    assert "30 mg/week" in _card(kb, today, chart)["summary"]


def _on_chart(today, dose=20, code=METHOTREXATE_2_5, day="mon", **kwargs):
    """An established patient on weekly methotrexate (the order ``mtx-chart``), for a draft to add to or replace."""
    return _chart(today).medication(code, dose, "mg", start=kwargs.pop("start", -100), period=1, period_unit="wk",
                                    day_of_week=[day], resource_id="mtx-chart", **kwargs)


def test_methotrexate_on_the_chart_that_no_draft_replaces_adds_up_with_the_draft(kb, today):
    """20 mg PO weekly active and an unlinked 25 mg SC weekly draft: 45 mg a week once signed. R09 read only the
    drafts and said 25 mg/week was within the range (found by audit). The card names both orders and the total,
    and offers to cancel the draft (recommended) or to discontinue the chart's order."""
    chart = tablets_plus_injection(today)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Methotrexate 45 mg/week with the order on the chart: at/above the 40 mg/week")
    assert "Ordered: methotrexate 25 MG/ML Injectable Solution, 25 mg once weekly." in card["detail"]
    assert "Already on the chart, and going on beside the draft: methotrexate 2.5 MG Oral Tablet, 20 mg once " \
           "weekly." in card["detail"]
    assert "That is 45 mg/week together" in card["detail"]
    cancel, stop = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/mtx-sc"]
    assert not stop["isRecommended"] and deleted(stop) == ["MedicationRequest/mtx-po"]
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/mtx-sc"]
    facts = _explain(kb, today, chart)["facts"]
    assert facts["weekly_mg"] == 45
    assert facts["methotrexate_on_chart"] == "methotrexate 2.5 MG Oral Tablet: 20 mg once weekly"


@pytest.mark.parametrize("link", ["priorPrescription", "same id", "identifier"])
def test_a_draft_linked_to_the_chart_order_replaces_it(kb, today, link):
    """The EHR's modify: the draft names the order as its priorPrescription, by reference or by its identifier
    (the reverted version read only a reference: 45 mg/week, critical), or is that order re-sent."""
    chart = tablets_plus_injection(today)
    if link == "same id":
        chart.drafts[-1]["id"] = "mtx-po"
    elif link == "identifier":
        chart.resources["medications"][-1]["identifier"] = [{"system": "urn:oid:2.16.840.1.113883.3.42",
                                                             "value": "RX-20931"}]
        chart.drafts[-1]["priorPrescription"] = {"identifier": {"system": "urn:oid:2.16.840.1.113883.3.42",
                                                                "value": "RX-20931"}}
    else:
        chart.replacing("mtx-po")
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and entry["facts"]["weekly_mg"] == 25
    assert "methotrexate 2.5 MG Oral Tablet (MedicationRequest/mtx-po)" in entry["facts"]["on_chart_replaced"]


@pytest.mark.parametrize(("draft", "weekly"), [
    ({}, 20),  # a renewal
    ({"dose": 25}, 25),  # a dose change
    ({"code": METHOTREXATE_10, "dose": 25}, 25),  # other tablets: the reverted version matched codes (45 mg/week)
    ({"day_of_week": None, "text": "25 mg once weekly on Monday", "dose": 25}, 25),  # the weekday in the text only
])
def test_the_same_drug_route_and_day_written_again_replaces_the_chart_order(kb, today, draft, weekly):
    """A renewal or a dose change written as a new order with no link: the same drug (whatever the tablets), route
    and weekday (in the timing or only in the text) as the one order on the chart. Read as replacing it (20 + 20 is
    no 40 mg/week), and said so. Nothing tells the EHR to stop the chart order, so the card warns that it is still
    active (it was quiet), and never critical: the draft alone is the dose intended."""
    kwargs = {"day_of_week": ["mon"], **draft}
    chart = _on_chart(today).draft(kwargs.pop("code", METHOTREXATE_2_5), kwargs.pop("dose", 20), "mg", period=1,
                                   period_unit="wk", **kwargs)
    entry = _explain(kb, today, chart)
    assert entry["facts"]["weekly_mg"] == weekly
    assert entry["facts"]["methotrexate_on_chart"] is None
    assert "the same drug, route and schedule written again" in entry["facts"]["on_chart_replaced"]
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning"
    assert card["summary"] == f"Methotrexate {weekly} mg/week draft: the 20 mg/week order on the chart is still active"
    assert f"both would be given ({20 + weekly} mg/week together, above 25 mg/week" in card["detail"]
    assert deleted(card["suggestions"][0]) == ["MedicationRequest/mtx-chart"]


def test_an_unlinked_rewrite_above_the_danger_limit_together_is_still_a_warning(kb, today):
    """20 mg weekly on the chart, rewritten as 25 mg weekly with no link: 45 mg a week if both are given, above the
    40 mg/week danger limit. The card says that total, as a warning: the draft alone (25 mg) is the dose intended
    [sign-off]."""
    chart = _on_chart(today).draft(METHOTREXATE_2_5, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"],
                                   resource_id="mtx-25")
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning"
    assert ("Methotrexate 2.5 MG Oral Tablet, 20 mg once weekly (on the chart, still active) is read as replaced by "
            "this draft, which does not link to it: discontinue it when signing, or both would be given (45 mg/week "
            "together, above 25 mg/week, at or above the 40 mg/week danger limit).") in card["detail"]
    assert "alone: 25 mg/week is within the adult range" in card["detail"]
    [keep] = card["suggestions"]
    assert keep["isRecommended"] and deleted(keep) == ["MedicationRequest/mtx-chart"]
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/mtx-25"]


def test_a_linked_rewrite_says_nothing(kb, today):
    """The same 25 mg draft naming the chart order as its priorPrescription: the EHR stops it, no card."""
    chart = _on_chart(today).draft(METHOTREXATE_2_5, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"])
    chart.replacing("mtx-chart")
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and entry["facts"]["on_chart_left_active"] is None


def test_a_draft_over_the_range_that_rewrites_the_chart_order_with_no_link_says_it_too(kb, today):
    """30 mg weekly rewriting 20 mg weekly with no link: the warning for 30 mg, as before, now also says the chart
    order is still active (50 mg/week together); the replacements discontinue it, so no suggestion is added."""
    chart = _on_chart(today).draft(METHOTREXATE_2_5, 30, "mg", period=1, period_unit="wk", day_of_week=["mon"],
                                   resource_id="mtx-30")
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and card["summary"].startswith("Methotrexate 30 mg/week: above")
    assert "both would be given (50 mg/week together, above 25 mg/week, at or above the 40 mg/week" in card["detail"]
    assert [s["label"].split(" (")[0] for s in card["suggestions"]] == [
        "Replace with methotrexate 15 mg PO once weekly", "Replace with methotrexate 25 mg SC once weekly"]
    for suggestion in card["suggestions"]:
        assert deleted(suggestion) == ["MedicationRequest/mtx-30", "MedicationRequest/mtx-chart"]


@pytest.mark.parametrize(("change", "weekly"), [("another weekday", 40), ("another route", 40),
                                                ("two such orders on the chart", 60)])
def test_a_draft_that_is_not_the_same_order_written_again_adds_up(kb, today, change, weekly):
    """Another weekday or route (a syringe to an IM injection) is another order; and with two orders on the chart
    that the draft could rewrite, nothing says which one goes: all add up, and the explanation says why."""
    chart = _on_chart(today, code=MTX_SC, day="fri", route=ROUTE_SC)
    if change == "two such orders on the chart":
        chart.medication(MTX_SC, 20, "mg", start=-50, period=1, period_unit="wk", day_of_week=["fri"], route=ROUTE_SC)
    chart.draft(MTX_SC, 20, "mg", period=1, period_unit="wk", day_of_week=["mon" if change == "another weekday"
                                                                           else "fri"],
                route=ROUTE_SC if change != "another route" else {"text": "intramuscular"})
    facts = _explain(kb, today, chart)["facts"]
    assert facts["weekly_mg"] == weekly
    assert ("could be it written again" in (facts["on_chart_cannot_tell"] or "")) is (weekly == 60)


def test_a_titration_written_as_two_drafts_rewrites_the_chart_order_as_one_schedule(kb, today):
    """20 mg weekly on the chart; 20 mg weekly for 4 weeks then 25 mg, as two unlinked drafts on 10 mg tablets.
    The two drafts follow one another: one schedule, whose first step is the chart order written again. The
    reverted version had two drafts rewriting one order, read neither as replacing it, and added the chart's 20 mg
    to them: a false critical (45 mg/week). Overlapping by a week, they are two orders given together. No link
    stops the chart order: the warning that it is still active, once (it was quiet)."""
    chart = _on_chart(today)
    chart.draft(METHOTREXATE_10, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"], end=27)
    chart.draft(METHOTREXATE_10, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"], start=28)
    entry = _explain(kb, today, chart)
    assert entry["facts"]["weekly_mg"] == 25
    assert "then methotrexate 10 MG Oral Tablet (the steps after it)" in entry["facts"]["on_chart_replaced"]
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and card["detail"].count("(on the chart, still active)") == 1
    assert "(45 mg/week together" in card["detail"]
    chart.drafts[-1]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"] = chart.at(21)
    assert _card(kb, today, chart)["indicator"] == "critical"  # 20 + 20 + 25 in the week both drafts are given


def test_an_order_on_hold_on_the_chart_adds_up(kb, today):
    """On hold, FHIR expects the order to resume: beside the new draft it would give 45 mg a week."""
    chart = _on_chart(today, status="on-hold").draft(MTX_INJECTABLE, 25, "mg", period=1, period_unit="wk",
                                                     day_of_week=["mon"], route=ROUTE_SC)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "20 mg once weekly (on hold)" in card["detail"]


def test_an_order_whose_status_does_not_say_is_counted_and_said_to_be(kb, today):
    """status 'unknown': whether it is still given cannot be told, so it is counted (the safe side), and the card
    says so rather than guessing it stopped."""
    chart = _on_chart(today, status="unknown").draft(MTX_INJECTABLE, 25, "mg", period=1, period_unit="wk",
                                                     day_of_week=["mon"], route=ROUTE_SC)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert "20 mg once weekly (its status does not say whether it is still given: counted as going on)" in \
        card["detail"]


def test_an_as_needed_order_on_the_chart_is_named_but_not_added_nor_blocks_the_rewrite(kb, today):
    """An as-needed order has no weekly dose to add; nor is it a second order the draft could rewrite (the reverted
    version read the draft as rewriting both, replaced neither, and added 20 + 25)."""
    chart = _on_chart(today)
    chart.medication(METHOTREXATE_2_5, 5, "mg", start=-30, period=1, period_unit="wk", day_of_week=["mon"],
                     resource_id="mtx-prn")
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.draft(METHOTREXATE_2_5, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"])
    entry = _explain(kb, today, chart)
    assert entry["status"] == "fired" and entry["facts"]["weekly_mg"] == 25  # rewritten with no link: was quiet
    assert "MedicationRequest/mtx-chart" in entry["facts"]["on_chart_replaced"]
    assert entry["facts"]["on_chart_as_needed"] == "methotrexate 2.5 MG Oral Tablet (MedicationRequest/mtx-prn)"


@pytest.mark.parametrize(("end", "expected"), [(6, None), (7, None), (8, None), (9, "critical")])
def test_a_chart_order_ending_before_the_draft_starts_is_not_added(kb, today, end, expected):
    """The Monday tablets end on day 6 and the SC draft starts on day 7: one after the other, 25 mg a week. Ending
    on the day the draft starts (a Saturday) or the day after, their last dose was the Monday before (it was read as
    given with the draft: 45 mg, found by review); ending on the Monday of the draft's first dose (day 9), both are
    given that day."""
    chart = _on_chart(today, end=end).draft(MTX_INJECTABLE, 25, "mg", start=7, period=1, period_unit="wk",
                                            day_of_week=["mon"], route=ROUTE_SC)
    assert (_card(kb, today, chart) or {}).get("indicator") == expected


def test_the_replacement_for_a_draft_over_the_range_also_stops_the_chart_order(kb, today):
    """The draft alone (30 mg) is over the range: the replacements cancel it and discontinue the chart's 20 mg, or
    the new order would be given beside it."""
    chart = _on_chart(today).draft(MTX_INJECTABLE, 30, "mg", period=1, period_unit="wk", day_of_week=["mon"],
                                   route=ROUTE_SC, resource_id="mtx-30")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "50 mg/week with the order on the chart" in card["summary"]
    assert [s["label"].split(" (")[0] for s in card["suggestions"]] == [
        "Replace with methotrexate 15 mg PO once weekly", "Replace with methotrexate 25 mg SC once weekly"]
    for suggestion in card["suggestions"]:
        assert deleted(suggestion) == ["MedicationRequest/mtx-30", "MedicationRequest/mtx-chart"]
    assert suggestion["actions"][1]["description"].startswith("Discontinue methotrexate 2.5 MG Oral Tablet")


def test_a_chart_order_whose_dose_cannot_be_read_makes_the_total_unknown(kb, today):
    """The weekly total is not known: not evaluable (it said the 25 mg draft was within the range)."""
    chart = _chart(today)
    resource = chart.medication_request(METHOTREXATE_2_5, None, None, start=-100, text="methotrexate as directed")
    del resource["dosageInstruction"][0]["timing"]
    chart.resources["medications"].append(resource)
    chart.draft(MTX_INJECTABLE, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"], route=ROUTE_SC)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable" and "methotrexate 2.5 MG Oral Tablet (on the chart)" in entry["reason"]


def test_a_draft_not_read_beside_a_chart_order_over_the_range_is_judged_at_least_that(kb, today):
    """30 mg weekly on the chart goes on beside a draft 'as directed' (its dose not read). The rule judged nothing
    without the draft's dose (not evaluable); but the patient gets at least the 30 mg a week already above 25 mg, as
    with any draft beside it: a warning, 'at least', the draft named and cancelled by the replacement."""
    chart = _on_chart(today, dose=30)
    chart.draft_resource(chart.medication_request(MTX_SC, None, None, start=0, text="as directed", status="draft",
                                                  intent="proposal", resource_id="draft-sig"))
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Methotrexate at least 30 mg/week with the order on the chart: above the adult "
                                      "maximum of 25 mg/week")
    assert "Ordered: methotrexate 25 MG/ML Prefilled Syringe, dose not read." in card["detail"]
    assert "That is at least 30 mg/week together: above the usual adult maximum" in card["detail"]
    assert "Not read: methotrexate 25 MG/ML Prefilled Syringe: free-text sig 'as directed'" in card["detail"]
    assert all(deleted(s)[:2] == ["MedicationRequest/draft-sig", "MedicationRequest/mtx-chart"]
               for s in card["suggestions"])
    assert _explain(kb, today, chart)["facts"]["weekly_mg"] == 30


@pytest.mark.parametrize("stop", [{"status": "stopped"}, {"status": "cancelled"}, {"dose": 0}])
def test_the_old_order_discontinued_in_the_same_batch_gives_no_dose(kb, today, stop):
    """A switch to 25 mg SC with the tablets re-sent as stopped (or 0 mg) in the same batch was 45 mg a week,
    critical, and its replacement 'cancelled' the stopped draft (found by review): that draft gives nothing."""
    chart = _on_chart(today)
    chart.draft_resource(chart.medication_request(METHOTREXATE_2_5, stop.get("dose", 20), "mg", start=-100, period=1,
                                                  period_unit="wk", day_of_week=["mon"], resource_id="mtx-chart",
                                                  status=stop.get("status", "draft")))
    _weekly(chart, 25, code=MTX_INJECTABLE, day="mon", route=ROUTE_SC)
    assert _card(kb, today, chart) is None
    assert "discontinued by a draft (the same id" in _explain(kb, today, chart)["facts"]["on_chart_replaced"]


@pytest.mark.parametrize("chart_order", [{"period": 1}, {"timing_code": "WK"},
                                         {"time_of_day": ["08:00:00", "20:00:00"], "dose": 10}])
def test_a_renewal_that_only_names_the_day_or_joins_a_split_dose_is_the_same_order(kb, today, chart_order):
    """A legacy weekly order with no weekday renewed on Monday, or 20 mg on Monday given as 10 mg twice renewed as
    one 20 mg dose: read as two orders, 40 mg a week, critical (found by review). It is the renewal: a warning that
    the order on the chart stays active."""
    kwargs = {"period_unit": "wk", "day_of_week": ["mon"] if "time_of_day" in chart_order else None, **chart_order}
    chart = _chart(today).medication(METHOTREXATE_2_5, kwargs.pop("dose", 20), "mg", start=-100,
                                     resource_id="mtx-chart", **kwargs)
    _weekly(chart, 20, code=METHOTREXATE_2_5, day="mon")
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "order on the chart is still active" in card["summary"]


def test_orders_with_no_id_on_the_chart_are_each_counted(kb, today):
    """Two chart orders with no id (Monday tablets, Wednesday injection) shared one reference: the renewal of the
    tablets replaced both, 20 mg a week and quiet (found by review). The injection goes on: 45 mg, critical."""
    chart = _on_chart(today)
    chart.medication(MTX_INJECTABLE, 25, "mg", start=-100, period=1, period_unit="wk", day_of_week=["wed"],
                     route=ROUTE_SC)
    for resource in chart.resources["medications"]:
        resource["id"] = ""  # read as no id
    _weekly(chart, 20, code=METHOTREXATE_2_5, day="mon")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and _explain(kb, today, chart)["facts"]["weekly_mg"] == 45


def test_with_the_chart_order_over_the_range_alone_cancelling_the_draft_is_not_recommended(kb, today):
    """40 mg a week on the chart and a 5 mg injection drafted: 'cancel the draft: the order on the chart stays
    active' was recommended, leaving 40 mg a week (found by review). The card says so and recommends a replacement
    that stops the chart order too."""
    chart = _weekly(_on_chart(today, dose=40), 5, code=MTX_INJECTABLE, day="mon", route=ROUTE_SC,
                    resource_id="mtx-sc")
    card = _card(kb, today, chart)
    assert "The methotrexate on the chart alone gives 40 mg/week" in card["detail"]
    assert all(s["label"].startswith("Replace with") for s in card["suggestions"])
    [recommended] = [s for s in card["suggestions"] if s.get("isRecommended")]
    assert deleted(recommended) == ["MedicationRequest/mtx-sc", "MedicationRequest/mtx-chart"]


@pytest.mark.parametrize("text", ["20 mg once weekly on Sat", "20 mg weekly (Sun)"])
def test_an_order_on_a_weekend_day_written_in_its_text_is_no_renewal_on_monday(kb, today, text):
    """'20 mg once weekly on Sat' was read as naming no weekday ('sat' is read only in a phrase that schedules it),
    so an unlinked Monday draft was taken for its renewal: a warning at 20 mg/week instead of 40 mg/week given on
    two days (found by review)."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", text=text,
                                     resource_id="mtx-chart")
    chart.draft(METHOTREXATE_2_5, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"])
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and card["summary"].startswith("Methotrexate 40 mg/week with the order")
    assert _explain(kb, today, chart)["facts"]["on_chart_left_active"] is None


def _sig_only(chart, text):
    resource = chart.medication_request(METHOTREXATE_2_5, None, None, start=0, text=text, status="draft",
                                        intent="proposal")
    del resource["dosageInstruction"][0]["timing"]
    return chart.draft_resource(resource)


@pytest.mark.parametrize("text", ["3 tablets by mouth on Mondays and Thursday",
                                  "3 tablets by mouth every Monday, and Thursday",
                                  "3 tablets by mouth every Monday and on Thursday"])
def test_a_twice_weekly_sig_is_not_judged_as_a_weekly_dose(kb, today, text):
    """These sigs give 3 tablets on two days a week: R09 read them as once weekly, '7.5 mg/week is within the
    adult range' (review of 6f85af8: the weekday list stopped at the first day). Given more often than weekly, they
    are R08's hard stop, and named as not once weekly."""
    entry = _explain(kb, today, _sig_only(_chart(today), text))
    assert entry["status"] == "not-fired" and "R08" in entry["reason"]
    assert "7.5 mg) every 3.5 days (read from the free-text sig)" in entry["facts"]["not_once_weekly"]


def test_weekly_on_two_named_days_is_no_plain_weekly_dose(kb, today):
    """'weekly on Tue & Sat' says weekly and two days a week: two frequencies, so the dose is not read (it was
    7.5 mg once weekly, within the range)."""
    entry = _explain(kb, today, _sig_only(_chart(today), "3 tablets by mouth weekly on Tue & Sat"))
    assert entry["status"] == "not-evaluable" and "could not be read safely" in entry["reason"]


@pytest.mark.parametrize("beside", ["a dose not read", "given daily"])
def test_a_chart_order_not_counted_in_the_week_leaves_the_left_active_total_at_least(kb, today, beside):
    """20 mg weekly rewritten as 30 mg weekly with no link, beside a Thursday order 'as directed' (its dose not read)
    or daily methotrexate (R08's hard stop, no weekly dose). The line once said '50 mg/week together', leaving that
    order out, then no total at all, which dropped the danger limit 50 mg already passes (the brief's example): it
    says 'at least' 50 mg, the limits and the order not counted. The draft's own total is 'at least' when a dose
    beside it is not read."""
    chart = _on_chart(today)
    if beside == "a dose not read":
        chart.medication(METHOTREXATE_2_5, None, None, start=-20, period=1, period_unit="wk", day_of_week=["thu"],
                         text="as directed")
    else:
        chart.medication(METHOTREXATE_2_5, 2.5, "mg", start=-3)
    card = _card(kb, today, chart.draft(METHOTREXATE_2_5, 30, "mg", period=1, period_unit="wk", day_of_week=["mon"]))
    least = "at least " if beside == "a dose not read" else ""
    assert card["summary"].startswith(f"Methotrexate {least}30 mg/week: above")
    assert ("20 mg once weekly (on the chart, still active) is read as replaced by this draft, which does not link to "
            "it: discontinue it when signing, or both would be given (at least 50 mg/week together, above 25 mg/week, "
            "at or above the 40 mg/week danger limit; the methotrexate 2.5 MG Oral Tablet order on the chart could "
            "not be counted). ") in card["detail"]


def test_a_left_active_total_over_the_danger_limit_is_said_though_another_dose_is_not_read(kb, today):
    """20 mg weekly rewritten as 20 mg weekly with no link (40 mg a week unless it is discontinued), beside a
    Thursday order whose dose is not read. Without that order it is the left-active warning; with it the rule gave up
    (not evaluable, no card) though what it read already reaches the 40 mg danger limit. The warning now fires and
    names what it could not read; with what is read within the range, it stays not evaluable. Keeping the draft
    was recommended, though what it gives with the order not read could not be checked: it is offered, not
    recommended, and the card says why."""
    def chart_with(draft_mg):
        chart = _on_chart(today).medication(METHOTREXATE_2_5, None, None, start=-20, period=1, period_unit="wk",
                                            day_of_week=["thu"], text="as directed")
        return chart.draft(METHOTREXATE_2_5, draft_mg, "mg", period=1, period_unit="wk", day_of_week=["mon"])

    card = _card(kb, today, chart_with(20))
    assert card["indicator"] == "warning"
    assert card["summary"] == "Methotrexate 20 mg/week draft: the 20 mg/week order on the chart is still active"
    assert ("both would be given (at least 40 mg/week together, above 25 mg/week, at or above the 40 mg/week danger "
            "limit; the methotrexate 2.5 MG Oral Tablet order on the chart could not be counted).") in card["detail"]
    assert ("Not checked: methotrexate dose could not be read: methotrexate 2.5 MG Oral Tablet (on the chart): "
            "free-text sig 'as directed' could not be read safely. So what keeping the draft gives is not known (the "
            "methotrexate 2.5 MG Oral Tablet order on the chart, dose not read, not counted in full): it is not "
            "recommended."
            ) in card["detail"]
    [stop] = card["suggestions"]
    assert deleted(stop) == ["MedicationRequest/mtx-chart"] and stop["isRecommended"] is False
    entry = _explain(kb, today, chart_with(5))  # 25 mg a week read: within, so no total and not evaluable
    assert entry["status"] == "not-evaluable" and entry["facts"]["on_chart_left_active"] is not None


def test_a_chart_order_whose_sig_names_two_weekdays_still_adds_up_with_the_draft(kb, today):
    """Review of a reading taken back: SC 20 mg weekly on Monday on the chart, its sig '20 mg SC Mon and Thu', beside
    an oral 20 mg weekly Monday draft. Reading the sig's weekday list as the chart order's frequency made R09 leave
    that order out of the weekly total (more often than weekly, R08's) while R08, which checks drafts, said nothing:
    both quiet. The chart order's structured weekly dose counts: 40 mg a week together, critical."""
    chart = _on_chart(today, code=MTX_SC, route=ROUTE_SC, text="20 mg SC Mon and Thu")
    card = _card(kb, today, chart.draft(METHOTREXATE_2_5, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"]))
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Methotrexate 40 mg/week with the order on the chart: at/above the 40 mg/week "
                                      "danger limit")


def test_a_tablet_count_coded_with_no_name_uses_the_strength_of_its_rxnorm_code(kb, today):
    # RxNorm 105585 is methotrexate 2.5 MG Oral Tablet in the value sets: 16 tablets are 40 mg
    card = _card(kb, today, _weekly(_chart(today), 16, "{tbl}", code=(RXNORM, "105585", None)))
    assert card["indicator"] == "critical" and "40 mg/week" in card["summary"]


def test_a_tablet_named_with_another_strength_than_its_code_is_not_counted_at_either(kb, today):
    # RxNorm 105586 is the 10 mg tablet: 4 tablets are 10 mg or 40 mg, and which is not known
    chart = _weekly(_chart(today), 4, "{tbl}", code=(RXNORM, "105586", "methotrexate 2.5 MG Oral Tablet"))
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable"
    assert "could not be converted to mg (its name says 2.5 mg, its code 10 mg)" in entry["reason"]


def test_a_draft_not_read_beside_a_read_one_is_named_cancelled_and_not_judged_within_alone(kb, today):
    """Review of 6311aa2: 15 mg weekly Thursday on the chart, 15 mg weekly Monday drafted (A) and an injection 'as
    directed' with no timing drafted (B). At least 30 mg a week: the card left B out of 'Ordered:', of what it is
    about and of the cancellation, and said to cancel the draft as if A alone (15 mg, only the least the drafts give)
    were all the drafts give. Now every draft is named, about and cancelled, and the replacement that stops the
    chart's order is offered instead; the weekly total is marked as the least given."""
    chart = _on_chart(today, dose=15, day="thu")
    _weekly(chart, 15, code=METHOTREXATE_2_5, day="mon", resource_id="draft-a")
    resource = chart.medication_request(MTX_INJECTABLE, None, None, start=0, text="as directed", status="draft",
                                        intent="proposal", resource_id="draft-b")
    del resource["dosageInstruction"][0]["timing"]
    card = _card(kb, today, chart.draft_resource(resource))
    assert card["summary"].startswith("Methotrexate at least 30 mg/week with the order on the chart: above")
    assert ("Ordered: methotrexate 2.5 MG Oral Tablet, 15 mg once weekly; methotrexate 25 MG/ML Injectable Solution, "
            "dose not read.") in card["detail"]
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/draft-a", "MedicationRequest/draft-b"]
    assert "**Cancel the draft**" not in card["detail"]
    every = ["MedicationRequest/draft-a", "MedicationRequest/draft-b", "MedicationRequest/mtx-chart"]
    assert all(deleted(s)[:3] == every for s in card["suggestions"])
    facts = _explain(kb, today, chart)["facts"]
    assert facts["weekly_mg"] == 30 and facts["weekly_mg_is_at_least"] is True
    all_read = _explain(kb, today, _weekly(_on_chart(today, dose=15, day="thu"), 15, code=METHOTREXATE_2_5, day="mon"))
    assert all_read["facts"]["weekly_mg_is_at_least"] is False


@pytest.mark.parametrize(("case", "leaves"), [
    ("left active over", "The methotrexate on the chart alone gives 30 mg/week, above 25 mg/week: cancelling the "
                         "draft would leave that."),
    ("linked over", "The methotrexate on the chart alone gives 30 mg/week, above 25 mg/week: cancelling the draft "
                    "would leave that."),
    ("left active not read", "The methotrexate on the chart alone gives at least 15 mg/week (the methotrexate 25 "
                             "MG/ML Prefilled Syringe order could not be counted): whether cancelling the draft would "
                             "leave the chart within the limits is not known."),
    ("beside not read", "The methotrexate on the chart alone gives at least 20 mg/week (the methotrexate 2.5 MG Oral "
                        "Tablet order could not be counted): whether cancelling the draft would leave the chart "
                        "within the limits is not known."),
])
def test_cancelling_the_draft_is_offered_only_where_what_it_leaves_is_read_and_within(kb, today, case, leaves):
    """15 mg SC weekly on Monday drafted with no link rewrites the SC order on the chart (left active) and adds to
    15 mg tablets on Monday beside it: 30 mg a week. 'Cancel the draft: the order on the chart stays active' was
    recommended, counting only the tablets (15 mg), though cancelling leaves the SC order too: 30 mg a week, or a
    dose not read (the SC order's, or a Thursday order's beside them). So it does when the draft names the SC order
    as its prior prescription (found by review): signing would stop it, cancelling does not. The card says what
    cancelling leaves, and the replacements that stop every chart order are offered instead."""
    chart = syringe_left_active_beside_tablets(today, syringe_mg={"left active not read": None,
                                                                  "beside not read": 5}.get(case, 15),
                                               linked=case == "linked over")
    if case == "beside not read":
        chart.medication(METHOTREXATE_2_5, None, None, start=-20, period=1, period_unit="wk", day_of_week=["thu"],
                         text="as directed", resource_id="mtx-thu")
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and leaves in card["detail"]
    assert "**Cancel the draft**" not in card["detail"]
    assert card["suggestions"] and all(s["label"].startswith("Replace with") for s in card["suggestions"])
    every = {"MedicationRequest/mtx-draft", *(f"MedicationRequest/{o['id']}" for o in chart.resources["medications"])}
    assert all(set(deleted(s)) == every for s in card["suggestions"])


def test_cancelling_the_draft_is_offered_where_what_it_leaves_is_within(kb, today):
    """The SC order left active at 5 mg a week: cancelling leaves 20 mg a week with the tablets, so it is
    recommended, and keeping the draft stops both."""
    card = _card(kb, today, syringe_left_active_beside_tablets(today, syringe_mg=5))
    assert card["indicator"] == "warning" and "cancelling the draft would" not in card["detail"]
    cancel, keep = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/mtx-draft"]
    assert deleted(keep) == ["MedicationRequest/mtx-po", "MedicationRequest/mtx-sc"]


def _syringe_left_active(today, draft_mg=15):
    """Methotrexate 5 mg SC weekly on Monday on the chart (``mtx-sc``), rewritten with no link by ``draft_mg`` SC
    weekly on Monday drafted (left active)."""
    chart = _chart(today, prior_day=-3).medication(MTX_SC, 5, "mg", start=-100, period=1, period_unit="wk",
                                                   day_of_week=["mon"], resource_id="mtx-sc")
    return _weekly(chart, draft_mg, day="mon", resource_id="mtx-draft")


def test_what_cancelling_leaves_is_named_as_the_most_in_one_week_with_an_order_less_often_than_weekly(kb, today):
    """30 mg by mouth every 2 weeks on the chart beside the SC order left active: cancelling the draft leaves 35 mg
    in one week. The line said '35 mg/week' while the rest of the card says 'in one week' (found by review)."""
    chart = _syringe_left_active(today).medication(METHOTREXATE_2_5, 30, "mg", start=-100, period=2, period_unit="wk",
                                                   day_of_week=["thu"], resource_id="mtx-q2w")
    card = _card(kb, today, chart)
    assert ("The methotrexate on the chart alone gives 35 mg in one week, above 25 mg/week: cancelling the draft "
            "would leave that.") in card["detail"]


def test_a_chart_order_more_often_than_weekly_left_by_cancelling_is_said_to_be_so(kb, today):
    """2.5 mg daily by mouth on the chart (R08's hard stop) is not counted in what cancelling leaves: it is said to be
    given more often than weekly, not that it could not be counted (found by review); cancelling is not offered."""
    chart = _syringe_left_active(today, draft_mg=20).medication(METHOTREXATE_10, 10, "mg", start=-100, period=1,
                                                                period_unit="wk", day_of_week=["thu"])
    chart.medication(METHOTREXATE_2_5, 2.5, "mg", start=-10, resource_id="mtx-daily")
    card = _card(kb, today, chart)
    assert ("The methotrexate on the chart alone gives at least 15 mg/week (the methotrexate 2.5 MG Oral Tablet order "
            "is given more often than weekly): whether cancelling the draft would leave the chart within the limits is "
            "not known.") in card["detail"]
    assert all(s["label"].startswith("Replace with") for s in card["suggestions"])


def test_an_as_needed_methotrexate_on_the_chart_is_named(kb, today):
    """An as-needed methotrexate order on the chart adds no scheduled dose, and no suggestion stops it: the card
    did not name it (found by review). It names it, as on the chart, as needed."""
    chart = syringe_left_active_beside_tablets(today, syringe_mg=5).medication(
        METHOTREXATE_2_5, 15, "mg", start=-10, period=1, period_unit="wk", day_of_week=["thu"], resource_id="mtx-prn")
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    card = _card(kb, today, chart)
    assert ("Also on the chart, as needed: methotrexate 2.5 MG Oral Tablet, 15 mg once weekly. No scheduled dose of "
            "it is added up, and no suggestion here stops it: review it.") in card["detail"]


def test_an_as_needed_methotrexate_a_draft_replaces_is_named_as_left_by_cancelling(kb, today):
    """15 mg SC weekly drafted naming an as-needed order as its prior prescription, beside 15 mg by mouth on Friday:
    cancelling the draft is recommended (15 mg a week is left scheduled), and it leaves the as-needed order, which
    the card never named (found by the second review). It is named, as what cancelling leaves."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-10, period=1, period_unit="wk",
                                     day_of_week=["mon"], resource_id="mtx-prn")
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk", day_of_week=["fri"],
                     resource_id="mtx-fri")
    card = _card(kb, today, _weekly(chart, 15, day="mon", resource_id="mtx-draft").replacing("mtx-prn"))
    assert ("As needed on the chart, and replaced by the draft: methotrexate 2.5 MG Oral Tablet, 15 mg once weekly. "
            "Signing the draft stops it, cancelling the draft does not; no scheduled dose of it is added up: review it "
            "if you cancel.") in card["detail"]
    cancel, _ = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/mtx-draft"]


def test_r09_a_weekly_timing_that_cannot_be_read_is_said_as_such_not_as_no_frequency(kb, today):
    """Methotrexate at frequency -1 a week was 'not evaluable: ... frequency not given': its timing writes a
    repeat, one that cannot be read, and the reason names it. 'Frequency not given' stays for a draft whose timing
    writes none. Still not evaluable either way."""
    for timing, why in (({"repeat": {"frequency": -1, "period": 1, "periodUnit": "wk", "dayOfWeek": ["wed"]}},
                         "timing not readable (frequency -1, period 1 wk)"), ({}, "frequency not given")):
        chart = _weekly(_chart(today), 15)
        chart.drafts[-1]["dosageInstruction"][0]["timing"] = timing
        entry = _explain(kb, today, chart)
        assert entry["status"] == "not-evaluable"
        assert entry["reason"] == f"methotrexate dose could not be read: {MTX_SC}: {why}"


# -- the reduced start (7.5-15 mg/week) of a new start at eGFR 30-59 or age 80 and over (spec R09 row)

def _new_start(today, dose, *, age=60, egfr=None, egfr_day=-5, code=METHOTREXATE_2_5):
    """A new start (no methotrexate on the chart) of ``dose`` mg once weekly, with an eGFR ``egfr_day`` days ago."""
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-30).weight(70, day=-2)
    if egfr is not None:
        chart.observation(EGFR, egfr_day, value=egfr, unit="mL/min/{1.73_m2}")
    return _weekly(chart, dose, code=code, day="mon", resource_id="draft-mtx")


@pytest.mark.parametrize(("age", "egfr", "named"), [
    (84, 38, ("age 84", "eGFR 38 on 2026-11-16")),  # the review's case: R09 said 'within the adult range'
    (84, 85, ("age 84",)),
    (60, 38, ("eGFR 38 on 2026-11-16",)),
    (60, 59, ("eGFR 59 on 2026-11-16",))])
def test_a_new_start_above_15_mg_at_a_reduced_start_egfr_or_age_is_a_warning(kb, today, age, egfr, named):
    """Spec R09: start 15 mg/week, 7.5-15 mg if frail or eGFR 30-59. Age 84 with eGFR 38 and a first 25 mg weekly
    was quiet ("within the adult range"). Age 80 or over stands for frailty, which has no coded reading."""
    card = _card(kb, today, _new_start(today, 25, age=age, egfr=egfr))
    assert card["indicator"] == "warning"
    assert "above the 7.5-15 mg/week reduced start" in card["summary"] and len(card["summary"]) < 140
    assert "is above the reduced start of 7.5-15 mg/week" in card["detail"]
    assert all(reason in card["summary"] and reason in card["detail"] for reason in named)
    [suggestion] = card["suggestions"]
    delete, create, _folic = suggestion["actions"]
    assert delete["resourceId"] == "MedicationRequest/draft-mtx"
    assert create["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 15


def test_a_site_lower_reduced_start_is_the_dose_offered(kb, today):
    """A site that sets the reduced start's top to 10 mg/week: a 12.5 mg start is flagged, and the replacement is 10
    mg, not the standard 15 mg the card would itself flag (found at reread)."""
    site = with_params(kb, RULE, reduced_start_max_mg_week=10)
    card = _card(site, today, _new_start(today, 12.5, age=84, egfr=38))
    assert "above the 7.5-10 mg/week reduced start" in card["summary"]
    assert "the replacement offered is 10 mg/week" in card["detail"]
    [suggestion] = card["suggestions"]
    create = suggestion["actions"][1]["resource"]
    assert create["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 10
    assert suggestion["label"].startswith("Replace with methotrexate 10 mg PO once weekly")


@pytest.mark.parametrize(("dose", "age", "egfr", "prior_day"), [
    (15, 84, 38, None),  # the reduced start itself
    (25, 79, 60, None),  # neither reason: eGFR 60 is not 30-59, 79 is not 80
    (25, 84, 38, -10),  # not a new start: titration is not judged as a start
])
def test_no_reduced_start_card_within_it_without_a_reason_or_on_a_running_course(kb, today, dose, age, egfr,
                                                                                   prior_day):
    chart = _new_start(today, dose, age=age, egfr=egfr)
    if prior_day is not None:
        chart.medication(MTX_SC, 20, "mg", start=prior_day - 60, end=prior_day, status="completed", period=1,
                         period_unit="wk", day_of_week=["fri"])
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["status"] == "not-fired"


def test_below_r10s_egfr_limit_the_start_is_r10s_critical_not_said_again(kb, today):
    """eGFR 25: R10 is critical (avoid methotrexate); R09 does not add a reduced-start card on the same eGFR."""
    cards = fired(run(kb, _new_start(today, 20, egfr=25).request("order-sign"), today))
    assert cards["mtx-start-prerequisites"]["indicator"] == "critical"
    assert RULE not in cards


@pytest.mark.parametrize(("egfr_day", "said"), [
    (None, "no eGFR within 30 days"),
    (-60, "no eGFR within 30 days (the latest, 38 on 2026-09-22, is older)")])
def test_a_missing_or_old_egfr_is_said_as_not_checked_never_read_as_normal(kb, today, egfr_day, said):
    """A new start of 20 mg/week with no eGFR in R10's 30-day window: whether the reduced start applies is not
    known, said in the response warnings (not evaluated), not 'within the adult range'."""
    chart = _new_start(today, 20, egfr=None if egfr_day is None else 38, egfr_day=egfr_day or 0)
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert "whether the reduced start of 7.5-15 mg/week" in entry["reason"] and said in entry["reason"]
    assert any(w.startswith("R09 (") and said in w for w in result.warnings)


def test_a_card_that_fires_on_age_says_the_renal_start_could_not_be_checked(kb, today):
    card = _card(kb, today, _new_start(today, 20, age=85))
    assert "With age 85, start at 7.5-15 mg/week" in card["detail"]
    assert "could not be checked: no eGFR within 30 days" in card["detail"]


def test_an_overdose_on_a_reduced_start_says_7_5_to_15_mg(kb, today):
    card = _card(kb, today, _new_start(today, 30, egfr=45))
    assert card["indicator"] == "warning" and card["summary"].endswith("new start should be 7.5-15 mg/week")
    assert "With eGFR 45 on 2026-11-16, start at 7.5-15 mg/week" in card["detail"]
    assert "start at 15 mg/week." not in card["detail"]


def test_the_new_start_is_r10s_definition(kb, today):
    """R09 reads R10's new_start_lookback_days (no copy of its own): methotrexate last given 60 days ago is a
    running course at R10's 90 days, a new start where a site sets R10's window to 30."""
    chart = _new_start(today, 25, age=84).medication(MTX_SC, 20, "mg", start=-120, end=-60, status="completed",
                                                     period=1, period_unit="wk", day_of_week=["fri"])
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))
    site = with_params(kb, "mtx-start-prerequisites", new_start_lookback_days=30)
    assert fired(run(site, chart.request("order-sign"), today))[RULE]["indicator"] == "warning"
