"""R07 ivmp-pulse-dose-cap: each severity condition and its edge, computed child dose, suggestions, facts, and the
IV methylprednisolone on the chart that no draft replaces, or that was given in the days before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import IMNM_SNOMED, METHYLPRED_1000, PREDNISONE_20, ROUTE_IV, Chart
from fhir_fixtures.r07_ivmp_pulse_dose_cap import pulse_and_twice_daily_on_the_chart, pulse_on_the_chart
from tests.conftest import deleted, explained, fired, run

RULE = "ivmp-pulse-dose-cap"
MP_500 = "methylprednisolone 500 MG Injection"


def _chart(today, age=50, weight=70, weight_day=-2):
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-10)
    if weight is not None:
        chart.weight(weight, day=weight_day)
    return chart


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


def _explain(kb, today, chart):
    return explained(run(kb, chart.request("order-sign"), today), RULE)


@pytest.mark.parametrize(("dose", "expected"), [(1000, None), (1001, "critical"), (1250, "critical")])
def test_one_gram_cap_any_age(kb, today, dose, expected):
    card = _card(kb, today, _chart(today).draft(METHYLPRED_1000, dose, "mg", route=ROUTE_IV, end=2))
    assert (card or {}).get("indicator") == expected


@pytest.mark.parametrize("name", [
    "methylPREDNISolone sodium succinate (SOLU-MEDROL) 1,000 mg in sodium chloride 0.9 % 100 mL IVPB",
    "Solu-Medrol 1,000 mg infusion",
    "Solu Medrol 1,500 mg",
    "methylprednisolone sodium succinate 1,000 mg",
])
def test_an_iv_product_named_without_a_route_is_checked(kb, today, name):
    """Named as an IV piggyback or by its IV salt, with no route element: 1.5 g a day got no card at all
    (found by review)."""
    card = _card(kb, today, _chart(today).draft(name, 1500, "mg"))
    assert card is not None and card["indicator"] == "critical"


def test_500_mg_twice_a_day_is_1_g_a_day_and_600_twice_is_over(kb, today):
    assert _card(kb, today, _chart(today).draft(MP_500, 500, "mg", route=ROUTE_IV, frequency=2, end=2)) is None
    card = _card(kb, today, _chart(today).draft(MP_500, 600, "mg", route=ROUTE_IV, frequency=2, end=2))
    assert card["indicator"] == "critical" and "1,200 mg/day" in card["summary"]


def test_instructions_given_together_add_up_to_the_day(kb, today):
    chart = _chart(today).draft(MP_500, 600, "mg", route=ROUTE_IV, end=2)
    chart.given_with(text="600 mg in the evening")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "1,200 mg/day" in card["summary"]


def test_per_kg_instructions_given_together_add_up_for_a_child_without_a_weight(kb, today):
    """20 mg/kg morning and evening is 40 mg/kg/day, above the child's 30: only the first instruction was read."""
    chart = _chart(today, age=10, weight=None).draft(METHYLPRED_1000, 20, "mg/kg", route=ROUTE_IV, end=2)
    chart.given_with(text="20 mg/kg in the evening")
    card = _card(kb, today, chart)
    assert card["summary"] == "IV methylprednisolone: 40.0 mg/kg/day in a child, above 30 mg/kg/day (max 1 g)"


def test_drafts_signed_together_add_up_to_the_day(kb, today):
    chart = _chart(today).draft(METHYLPRED_1000, 750, "mg", route=ROUTE_IV, end=2)
    chart.draft(MP_500, 750, "mg", route=ROUTE_IV, end=2)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "1,500 mg/day across 2 drafts" in card["summary"]
    assert _card(kb, today, _chart(today).draft(MP_500, 500, "mg", route=ROUTE_IV, end=2)
                 .draft(MP_500, 500, "mg", route=ROUTE_IV, end=2)) is None
    child = _chart(today, age=10, weight=30).draft(MP_500, 500, "mg", route=ROUTE_IV, end=2)
    child.draft(MP_500, 500, "mg", route=ROUTE_IV, end=2)  # 1,000 mg is 33 mg/kg for 30 kg
    card = _card(kb, today, child)
    assert card["indicator"] == "critical" and "33.3 mg/kg/day across 2 drafts in a child" in card["summary"]


@pytest.mark.parametrize(("weight", "expected"), [(70, "warning"), (100, "warning"), (101, "critical")])
def test_adult_mg_per_kg_critical_only_when_over_1_g(kb, today, weight, expected):
    card = _card(kb, today, _chart(today, weight=weight).draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV, end=2))
    assert card["indicator"] == expected


def test_adult_mg_per_kg_warning_suggests_fixed_dose_nearest_intended(kb, today):
    card = _card(kb, today, _chart(today, weight=60).draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV, end=2))
    assert "fixed" in card["summary"]
    recommended = [s for s in card["suggestions"] if s["isRecommended"]]
    assert [s["label"] for s in recommended] == ["Replace with methylprednisolone 500 mg IV daily x3"]


def test_mg_per_kg_with_stale_weight_is_critical(kb, today):
    chart = _chart(today, weight=70, weight_day=-31).draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV)
    result = run(kb, chart.request("order-sign"), today)
    cards = fired(result)
    assert cards[RULE]["indicator"] == "critical" and "no current weight" in cards[RULE]["summary"]
    assert "dosing-weight-missing" in cards


@pytest.mark.parametrize(("dose", "expected"), [(750, None), (760, "critical")])
def test_child_30_mg_per_kg_edge(kb, today, dose, expected):
    chart = _chart(today, age=10, weight=25, weight_day=-1).draft(METHYLPRED_1000, dose, "mg", route=ROUTE_IV, end=2)
    assert ((_card(kb, today, chart)) or {}).get("indicator") == expected


def test_child_suggestion_is_computed_and_capped(kb, today):
    chart = _chart(today, age=10, weight=23, weight_day=-1).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV)
    card = _card(kb, today, chart)
    [suggestion] = card["suggestions"]
    resource = suggestion["actions"][1]["resource"]
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 690
    assert resource["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"]["value"] == 3
    heavy = _chart(today, age=16, weight=40, weight_day=-1).draft(METHYLPRED_1000, 45, "mg/kg", route=ROUTE_IV)
    resource = _card(kb, today, heavy)["suggestions"][0]["actions"][1]["resource"]
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1000


@pytest.mark.parametrize(("kg", "mg", "code", "how"), [
    (23, 690, "1743726", "rounded down to 10 mg"),
    (2.5, 70, "1743704", "rounded down to 10 mg"),  # 75 mg: 70 mg is 7% under, within a tenth
    (1.5, 45, "1743704", "10 mg steps more than 10% off, rounded down to 1 mg"),  # 40 mg would be 11% under
    (0.9, 27, "311659", "10 mg steps more than 10% off, rounded down to 1 mg"),  # it was 20 mg, 26% under
    (40, 1000, "1743726", "rounded down to 10 mg, capped at 1,000 mg"),  # the 1 g vial holds exactly the dose
])
def test_a_childs_pulse_is_rounded_down_by_at_most_a_tenth_and_says_how(kb, today, kg, mg, code, how):
    """A child's 30 mg/kg was rounded down to 10 mg whatever that took off (0.9 kg: 27 mg became 20 mg), and the
    note said "rounded down to 10 mg" even where it was not. It now takes 10 mg steps only within a tenth of the
    dose, else whole mg, as R19 and R31 round a child's methylprednisolone; the note and the card say which. A
    dose no vial holds exactly is ordered as methylprednisolone Injection with no strength."""
    chart = _chart(today, age=0 if kg < 10 else 12, weight=kg).draft(METHYLPRED_1000, 45, "mg/kg", route=ROUTE_IV,
                                                                     end=2)
    card = _card(kb, today, chart)
    pulse = card["suggestions"][0]["actions"][1]["resource"]
    dosage = pulse["dosageInstruction"][0]
    weighed = f"{kg:g} kg on 2026-11-19"
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert pulse["medicationCodeableConcept"]["coding"][0]["code"] == code
    assert dosage["text"] == f"Methylprednisolone {mg:,g} mg IV over at least 60 minutes once daily for 3 days"
    assert pulse["note"][0]["text"].startswith(f"30 mg/kg/day (maximum 1,000 mg) x {weighed}: {how}. ")
    assert (f"30 mg/kg/day (maximum 1,000 mg) = {mg:,g} mg** IV daily for 3 days (on {weighed}, {how})"
            in card["detail"])


def test_child_mg_order_without_weight_is_not_evaluable_under_1_g(kb, today):
    chart = _chart(today, age=10, weight=None).draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, end=2)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable" and "30 mg/kg/day" in entry["reason"]


@pytest.mark.parametrize(("end", "expected"), [(4, None), (5, "warning")])
def test_pulse_longer_than_5_days(kb, today, end, expected):
    chart = _chart(today).draft(MP_500, 250, "mg", route=ROUTE_IV, end=end)
    assert ((_card(kb, today, chart)) or {}).get("indicator") == expected


def test_days_from_count_and_bounds_duration(kb, today):
    chart = _chart(today)
    chart.draft(MP_500, 500, "mg", start=None, route=ROUTE_IV, count=6)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "6 consecutive days" in card["detail"]
    chart = _chart(today)
    resource = chart.medication_request(MP_500, 240, "mg", start=None, route=ROUTE_IV, status="draft",
                                        intent="proposal")
    resource["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"] = {"value": 10, "code": "d"}
    assert _card(kb, today, chart.draft_resource(resource)) is None  # below 250 mg/day


def test_suggestion_replaces_draft_with_coded_1_g_pulse_and_monitoring(kb, today):
    chart = _chart(today).draft(METHYLPRED_1000, 2000, "mg", route=ROUTE_IV, resource_id="draft-mp")
    card = _card(kb, today, chart)
    first = card["suggestions"][0]
    assert first["isRecommended"] and card["selectionBehavior"] == "at-most-one"
    assert first["actions"][0] == {"type": "delete",
                                   "description": "Cancel methylprednisolone 1000 MG Injection (2000 mg once a day)",
                                   "resourceId": "MedicationRequest/draft-mp"}
    pulse = first["actions"][1]["resource"]
    assert pulse["medicationCodeableConcept"]["coding"][0]["code"] == "1743726"
    assert pulse["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1000
    assert pulse["dosageInstruction"][0]["route"]["coding"][0]["code"] == "47625008"
    assert "60 minutes" in pulse["dosageInstruction"][0]["text"]
    texts = [a["resource"]["code"]["text"] for a in first["actions"][2:]]
    assert any("glucose" in t for t in texts)
    assert "2.1 g" in card["detail"] and len(card["summary"]) < 140


def test_text_only_pulse_is_read_and_unreadable_is_named(kb, today):
    chart = _chart(today)
    resource = chart.medication_request(METHYLPRED_1000, None, None, start=0, route=ROUTE_IV, status="draft",
                                        intent="proposal", text="2 g IV daily x 3 days")
    del resource["dosageInstruction"][0]["timing"]
    assert _card(kb, today, chart.draft_resource(resource))["indicator"] == "critical"
    chart = _chart(today)
    resource = chart.medication_request(METHYLPRED_1000, None, None, start=0, route=ROUTE_IV, status="draft",
                                        intent="proposal", text="pulse per protocol")
    del resource["dosageInstruction"][0]["timing"]
    entry = _explain(kb, today, chart.draft_resource(resource))
    assert entry["status"] == "not-evaluable" and "methylprednisolone 1000 MG Injection" in entry["reason"]


def test_oral_steroids_are_not_r07s(kb, today):
    assert _card(kb, today, _chart(today).draft(PREDNISONE_20, 1200, "mg")) is None


def test_facts(kb, today):
    facts = _explain(kb, today, _chart(today).draft(METHYLPRED_1000, 30, "mg/kg", route=ROUTE_IV, end=2))["facts"]
    assert facts["dosing_weight_kg"] == 70 and "2,100 mg/day" in facts["findings"]


def test_weekly_pulses_over_weeks_are_not_consecutive_days(kb, today):
    chart = _chart(today).draft(MP_500, 500, "mg", route=ROUTE_IV, period=1, period_unit="wk", end=60)
    assert _card(kb, today, chart) is None


def test_a_free_text_pulse_with_a_thousands_comma_is_read_in_full(kb, today):
    """"2,000 mg" in a sig-only order is 2,000 mg (it was read as 0 mg, and a double pulse passed)."""
    sig = "Methylprednisolone 2,000 mg IV once daily x 3 days"
    card = _card(kb, today, _chart(today).draft(METHYLPRED_1000, None, None, route=ROUTE_IV, text=sig))
    assert card is not None and card["indicator"] == "critical"


def test_a_child_per_kg_per_day_dose_given_q12h_is_not_doubled(kb, today):
    """20 mg/kg/day in two doses for a 20 kg child is 400 mg/day (it was read as 40 mg/kg/day, a critical card)."""
    chart = _chart(today, age=8, weight=20).draft(METHYLPRED_1000, 20, "mg/kg/day", frequency=2, route=ROUTE_IV,
                                                  end=2)
    assert _card(kb, today, chart) is None
    assert _explain(kb, today, chart)["status"] == "not-fired"


def _sig_only(chart, text, dose=None, unit="mg"):
    resource = chart.medication_request(METHYLPRED_1000, dose, unit if dose else None, start=0, route=ROUTE_IV,
                                        status="draft", intent="proposal", text=text)
    del resource["dosageInstruction"][0]["timing"]
    return chart.draft_resource(resource)


@pytest.mark.parametrize(("sig", "per_day"), [("750 mg IV 2 times a day for 3 days", "1,500"),
                                              ("300 mg IV every 4 hours x 3 days", "1,800"),
                                              ("250 mg IV q4h x 3 days", "1,500")])
def test_sig_frequency_written_in_figures_or_hours_is_counted(kb, today, sig, per_day):
    """"750 mg IV 2 times a day" is 1,500 mg/day (it was read as "a day", 750 mg/day, within the limits)."""
    card = _card(kb, today, _sig_only(_chart(today), sig))
    assert card["indicator"] == "critical" and f"{per_day} mg/day" in card["summary"]


def test_structured_dose_given_q4h_in_the_sig_is_counted(kb, today):
    card = _card(kb, today, _sig_only(_chart(today), "600 mg IV q4h x 3 days", dose=600))
    assert card["indicator"] == "critical" and "3,600 mg/day" in card["summary"]


@pytest.mark.parametrize("sig", ["600 mg IV as directed", None])
def test_a_dose_with_no_readable_frequency_is_not_evaluable_not_within_limits(kb, today, sig):
    entry = _explain(kb, today, _sig_only(_chart(today), sig, dose=600))
    assert entry["status"] == "not-evaluable" and "frequency not given" in entry["reason"]


def test_an_adult_per_kg_per_day_dose_with_no_frequency_is_checked_on_the_weight(kb, today):
    """50 mg/kg/day with no timing on 70 kg is 3,500 mg/day (it could not be put in mg and was not checked)."""
    card = _card(kb, today, _sig_only(_chart(today), None, dose=50, unit="mg/kg/day"))
    assert card["indicator"] == "critical" and "3,500 mg/day" in card["summary"]


def test_a_pulse_then_a_lower_step_in_one_order_is_a_3_day_pulse(kb, today):
    """1 g for 3 days then 40 mg for 14 days, written as one order of two steps: the pulse lasts 3 days."""
    order = Chart(today).taper_order(MP_500, [(1000, 3), (40, 14)], start=0).resources["medications"][0]
    for instruction in order["dosageInstruction"]:
        instruction["route"] = ROUTE_IV
    chart = _chart(today).draft_resource({**order, "status": "draft", "intent": "proposal"})
    assert _card(kb, today, chart) is None


def test_two_pulse_courses_back_to_back_are_six_consecutive_days_not_2_g_a_day(kb, today):
    """1 g days 0-2 and 1 g days 3-5: never 2 g on one day, but 6 days in a row at >= 250 mg/day (it was a false
    critical "2,000 mg/day" and the long pulse was not named)."""
    chart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, start=3, end=5)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "more than 5 days" in card["summary"]
    assert "2 drafts given back to back give up to 1,000 mg/day for 6 consecutive days" in card["detail"]
    assert "2,000" not in card["detail"]
    apart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    apart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, start=5, end=7)  # two days off between: 3 + 3 days
    assert _card(kb, today, apart) is None
    overlapping = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    overlapping.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, start=2, end=4)  # day 2: both
    card = _card(kb, today, overlapping)
    assert card["indicator"] == "critical" and "2,000 mg/day across 2 drafts" in card["summary"]


def test_a_daily_pulse_with_no_course_length_says_its_length_was_not_checked(kb, today):
    """1 g daily with no end, duration or number of doses runs until someone stops it: within 1 g/day, but the
    5-day limit could not be checked (it read as "within the pulse limits"). A once-weekly pulse needs no length."""
    entry = _explain(kb, today, _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV))
    assert entry["status"] == "not-evaluable" and "5-day limit could not be checked" in entry["reason"]
    weekly = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, period=1, period_unit="wk")
    assert _explain(kb, today, weekly)["status"] == "not-fired"
    over = _card(kb, today, _chart(today).draft(METHYLPRED_1000, 1500, "mg", route=ROUTE_IV))
    assert over["indicator"] == "critical" and "5-day limit could not be checked" in over["detail"]


def test_a_counted_pulse_lasts_its_doses_within_its_bounds_as_courses_reads_them(kb, today):
    """1 g daily, 3 doses, to be given within a week: a 3-day pulse (the week's bounds were read as its length, a
    false '7 consecutive days' warning). 250 mg every 6 hours, 21 doses: the last on day 6 (21 / 4 = 5.25 was
    rounded to 5 days, and the long pulse passed). The count is read by courses.dose_run, the one timing reader."""
    within_a_week = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=6, count=3)
    entry = _explain(kb, today, within_a_week)
    assert entry["status"] == "not-fired" and "for 3 days" in entry["facts"]["drafts"]
    q6h = _chart(today).draft(MP_500, 250, "mg", start=None, route=ROUTE_IV, frequency=4, count=21)
    card = _card(kb, today, q6h)
    assert card["indicator"] == "warning" and "1,000 mg/day for 6 consecutive days" in card["detail"]


@pytest.mark.parametrize(("frequency", "count", "second_from"), [(3, 3, 5), (2, 2, 4)])
def test_a_counted_pulse_not_given_daily_is_added_to_a_draft_on_its_last_days(kb, today, frequency, count,
                                                                               second_from):
    """1 g three times a week, 3 doses (the last 4 2/3 days after the first: on day 5 or 6 of the course), and 500 mg
    daily from day 5 (the course's sixth): up to 1,500 mg on one day. Read through courses.dose_run its span was
    rounded down to 5 days, so the drafts did not overlap and the critical card was lost (review of 6f85af8). Twice
    a week, 2 doses (3 1/2 days apart), and 500 mg from day 4, likewise."""
    chart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", start=None, route=ROUTE_IV, frequency=frequency,
                                period=1, period_unit="wk", count=count)
    chart.draft(MP_500, 500, "mg", route=ROUTE_IV, start=second_from, end=second_from + 2)
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "1,500 mg/day across 2 drafts" in card["summary"]


def test_a_counted_pulse_ending_before_its_end_date_is_not_added_to_a_later_draft(kb, today):
    """1 g daily, 3 doses within a week (days 0-2, '3 days' in the facts), then 500 mg on days 4-6: never given on
    one day. The first was added up as running to its end date (critical 1,500 mg/day; review of 6f85af8)."""
    chart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=6, count=3)
    chart.draft(MP_500, 500, "mg", route=ROUTE_IV, start=4, end=6)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and "1000 mg once a day for 3 days" in entry["facts"]["drafts"]
    assert entry["facts"]["findings"] is None


def test_an_end_date_with_no_bounds_start_is_the_pulses_length(kb, today):
    """1 g daily to an end date 6 days away with no bounds start (the draft authored today): 7 days at a pulse dose.
    The end date was not read: 'no end date, duration or number of doses' (review of 6f85af8)."""
    card = _card(kb, today, _chart(today).draft(METHYLPRED_1000, 1000, "mg", start=None, authored=0,
                                                route=ROUTE_IV, end=6))
    assert card["indicator"] == "warning" and "1,000 mg/day for 7 consecutive days" in card["detail"]
    assert "no end date" not in card["detail"]


def test_a_count_with_no_frequency_is_said_as_such(kb, today):
    """A count of 3 with no frequency was reported as 'course_length: not given in the order' (review of
    6f85af8): the count is given, its days are not read."""
    chart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV)
    chart.drafts[-1]["dosageInstruction"][0]["timing"] = {"repeat": {"count": 3}}
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["facts"]["course_length"] == "a count of 3 doses, frequency not given: its days are not read"
    no_length = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV)
    no_length.drafts[-1]["dosageInstruction"][0]["timing"] = {}
    assert _explain(kb, today, no_length)["facts"]["course_length"] == "not given in the order"


def test_a_pulse_on_the_chart_that_no_draft_replaces_adds_up_with_the_draft(kb, today):
    """1 g IV daily x3 active since yesterday, and 500 mg IV twice a day for 3 days drafted with no link (another
    schedule, so not its renewal): 2,000 mg on today and tomorrow. R07 read only the draft (1 g a day, 'within the
    pulse limits'; audit F1). The card names the chart's order and offers to cancel the draft (recommended) or to
    discontinue that order."""
    chart = pulse_on_the_chart(today).draft(MP_500, 500, "mg", route=ROUTE_IV, frequency=2, end=2,
                                            resource_id="draft-bid")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert card["summary"] == ("IV methylprednisolone: 2,000 mg/day with the order on the chart, above the 1,000 "
                               "mg/day maximum")
    assert "Together with the order on the chart, the draft gives up to 2,000 mg on a day" in card["detail"]
    assert ("Already on the chart, and going on beside the draft: methylprednisolone 1000 MG Injection, 1000 mg once "
            "a day.") in card["detail"]
    cancel, stop = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/draft-bid"]
    assert deleted(stop) == ["MedicationRequest/ivmp-active"]
    facts = _explain(kb, today, chart)["facts"]
    assert facts["ivmp_on_chart"] == "methylprednisolone 1000 MG Injection: 1000 mg once a day"


def test_a_draft_over_the_cap_beside_a_chart_pulse_is_replaced_and_the_chart_pulse_stopped(kb, today):
    """A 1,500 mg draft is over the cap on its own: the 1 g pulse offered instead stops the chart's pulse too, or
    beside it the new pulse would add up again."""
    chart = pulse_on_the_chart(today).draft(MP_500, 750, "mg", route=ROUTE_IV, frequency=2, end=2,
                                            resource_id="draft-bid")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    assert all(deleted(s) == ["MedicationRequest/draft-bid", "MedicationRequest/ivmp-active"]
               for s in card["suggestions"])


@pytest.mark.parametrize("how", ["priorPrescription", "same id", "no link"])
def test_a_draft_that_replaces_the_chart_pulse_is_judged_alone(kb, today, how):
    """The audit's example: 1 g IV daily x3 active since yesterday, and 1 g IV daily x3 drafted. Linked to it (the
    EHR's modify or renew) it replaces it: 1 g a day, no card. With no link it is read as its renewal (the draft is
    judged alone) but signing does not stop the chart's pulse: a warning that both would give 2,000 mg a day, which
    offers to discontinue it (it was quiet)."""
    chart = pulse_on_the_chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3,
                                            resource_id="ivmp-active" if how == "same id" else "draft-ivmp")
    if how == "priorPrescription":
        chart.replacing("ivmp-active")
    entry = _explain(kb, today, chart)
    assert entry["facts"]["on_chart_replaced"].startswith("methylprednisolone 1000 MG Injection "
                                                          "(MedicationRequest/ivmp-active)")
    if how != "no link":
        assert entry["status"] == "not-fired" and entry["facts"]["on_chart_left_active"] is None
        return
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Methylprednisolone 1,000 mg/day draft: the 1,000 mg/day order on the chart is still "
                               "active")
    assert ("Methylprednisolone 1000 MG Injection, 1000 mg once a day (on the chart, still active) is read as replaced "
            "by this draft, which does not link to it: discontinue it when signing, or both would be given (2,000 "
            "mg/day together, above 1,000 mg/day).") in card["detail"]
    [stop] = card["suggestions"]
    assert stop["isRecommended"] and deleted(stop) == ["MedicationRequest/ivmp-active"]


def test_a_counted_pulse_left_active_once_given_is_not_added(kb, today):
    """1 g IV daily, 3 doses from 5 days ago, still 'active' with no end date: its last dose was 3 days ago, so a new
    3-day pulse is neither 2 g a day nor 6 days in a row (the count is read as the course's end)."""
    chart = _chart(today).medication(METHYLPRED_1000, 1000, "mg", start=-5, count=3, route=ROUTE_IV,
                                     resource_id="old-ivmp")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and entry["facts"]["on_chart_left_active"] is None
    assert entry["facts"]["on_chart_ending_first"] == ("methylprednisolone 1000 MG Injection "
                                                       "(MedicationRequest/old-ivmp), its last written dose 2026-11-18")


@pytest.mark.parametrize(("given", "expected"), [
    ((-3, -1), "warning"),  # 3 days given + 3 drafted: 6 in a row
    ((-2, -1), None),  # 2 + 3: 5 days, within the limit
    ((-4, -2), None),  # a day off before the draft: two courses
])
def test_pulse_days_already_given_count_towards_the_5_day_limit(kb, today, given, expected):
    """1 g IV daily given on the chart (a completed order) just before a 3-day pulse is drafted: the audit's 6
    consecutive days at a pulse dose were not seen, as only the drafts' days were counted."""
    chart = _chart(today).medication(METHYLPRED_1000, 1000, "mg", start=given[0], end=given[1], status="completed",
                                     route=ROUTE_IV)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")
    card = _card(kb, today, chart)
    assert (card or {}).get("indicator") == expected
    if expected:
        assert card["summary"] == ("IV methylprednisolone >= 250 mg/day for more than 5 days with the pulse on the "
                                   "chart: pulses run 3-5 days")
        assert ("methylprednisolone 1000 MG Injection, after 3 days at a pulse dose on the chart from 2026-11-18 "
                "(methylprednisolone 1000 MG Injection): up to 1,000 mg/day for 6 consecutive days") in card["detail"]
        [cancel] = card["suggestions"]  # a new 3-day pulse would be as long: the draft is cancelled
        assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/draft-ivmp"]
        assert not [a for a in cancel["actions"] if a["type"] == "create"]
        facts = _explain(kb, today, chart)["facts"]
        assert facts["pulse_days_on_chart"] == ("methylprednisolone 1000 MG Injection: 1,000 mg/day, 2026-11-18 to "
                                                "2026-11-20")


def test_a_chart_pulse_ending_before_the_draft_starts_runs_up_to_it(kb, today):
    """500 mg IV twice a day from 2 days ago to tomorrow, and 1 g daily drafted from the day after for 3 days: never
    given on one day (the chart's order ends first), but 7 days in a row at a pulse dose."""
    chart = _chart(today).medication(MP_500, 500, "mg", start=-2, end=1, frequency=2, route=ROUTE_IV)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, start=2, count=3)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "for 7 consecutive days" in card["detail"]
    assert "after 4 days at a pulse dose on the chart from 2026-11-19" in card["detail"]


def test_a_weekly_pulse_given_on_the_chart_is_no_run_of_days(kb, today):
    """Weekly pulses for 3 weeks up to yesterday, then 5 daily days drafted: the weeks are no days in a row."""
    chart = _chart(today).medication(METHYLPRED_1000, 1000, "mg", start=-21, end=-1, status="completed", period=1,
                                     period_unit="wk", route=ROUTE_IV)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=5)
    assert _card(kb, today, chart) is None


def test_a_chart_pulse_whose_dose_is_not_read_leaves_the_days_unchecked(kb, today):
    """Given the last 3 days with a dose that cannot be read: whether a 3-day draft makes more than 5 days in a row
    is not known, so the rule says so rather than 'within the pulse limits'."""
    chart = _chart(today).medication(METHYLPRED_1000, None, None, start=-3, end=-1, status="completed",
                                     route=ROUTE_IV, text="pulse per protocol")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert "(on the chart, given until 2026-11-20): dose not read, so its days could not be counted" in entry["reason"]


def _with_an_order_not_read(chart):
    """Beside the chart's other orders, a twice-daily order 'per protocol' (its dose not read)."""
    return chart.medication(METHYLPRED_1000, None, None, frequency=2, start=-1, route=ROUTE_IV, text="per protocol",
                            resource_id="ivmp-sig")


def test_an_order_not_read_beside_a_left_active_total_over_the_cap_leaves_it_at_least(kb, today):
    """The chart's 1 g pulse rewritten as 1,200 mg daily with no link, beside an order whose dose is not read. The
    line once said '2,200 mg/day together', leaving that order out, then no total at all, which dropped the 1 g cap
    2,200 mg already passes: it says 'at least', the cap and the order not counted."""
    card = _card(kb, today, _with_an_order_not_read(pulse_on_the_chart(today)).draft(METHYLPRED_1000, 1200, "mg",
                                                                                      route=ROUTE_IV, count=3))
    assert card["indicator"] == "critical"
    assert ("1000 mg once a day (on the chart, still active) is read as replaced by this draft, which does not link "
            "to it: discontinue it when signing, or both would be given (at least 2,200 mg/day together, above "
            "1,000 mg/day; the methylprednisolone 1000 MG Injection order on the chart could not be counted).") \
        in card["detail"]
    assert "Not read: methylprednisolone 1000 MG Injection (on the chart): free-text sig 'per protocol'" \
        in card["detail"]


def test_a_left_active_total_over_the_cap_is_said_though_another_dose_is_not_read(kb, today):
    """The chart's 1 g pulse rewritten as 1 g daily x3 with no link (2 g a day unless it is discontinued), beside an
    order whose dose is not read. Without that order it is the left-active warning; with it the rule gave up (not
    evaluable, no card) though what it read already passes 1 g a day. The warning now fires and names what it could
    not read; keeping the draft is offered but not recommended, as what it gives with that order is not known, and
    the warning names that order (R07 did not pass the orders not counted to continuing.left_active_warning, as R06,
    R09 and R12 do)."""
    chart = _with_an_order_not_read(pulse_on_the_chart(today)).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV,
                                                                     count=3)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Methylprednisolone 1,000 mg/day draft: the 1,000 mg/day order on the chart is still "
                               "active")
    assert ("both would be given (at least 2,000 mg/day together, above 1,000 mg/day; the methylprednisolone 1000 MG "
            "Injection order on the chart could not be counted).") in card["detail"]
    assert ("Not checked: methylprednisolone 1000 MG Injection (on the chart): free-text sig 'per protocol' could "
            "not be read safely.") in card["detail"]
    [stop] = card["suggestions"]
    assert deleted(stop) == ["MedicationRequest/ivmp-active"]
    assert not stop.get("isRecommended")
    assert ("So what keeping the draft gives is not known (the methylprednisolone 1000 MG Injection order on the "
            "chart, dose not read, not counted in full): it is not recommended.") in card["detail"]


def test_a_left_active_order_with_a_dose_problem_is_not_read(kb, today):
    """Review: R07 read an order left active by its mg a day even when its dose had a problem (R06 and R09 read it
    as not read). '30 mg/kg/day' once weekly contradicts itself (dose_basis never reads it as a dose given each
    time); R07 read it as 2,100 mg on its day and said 2,600 mg/day with a 500 mg weekly draft. It is now an order
    whose dose is not read, as in R06 and R09: no total, and the summary says so."""
    chart = _chart(today).medication(METHYLPRED_1000, 30, "mg/kg/d", start=-10, route=ROUTE_IV, period=1,
                                     period_unit="wk", resource_id="mp-kg")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, period=1, period_unit="wk",
                                        count=3))
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Methylprednisolone 500 mg/day draft: the order on the chart (dose not read) is still "
                               "active")
    assert ("Methylprednisolone 1000 MG Injection, dose not read (on the chart, still active) is read as replaced by "
            "this draft, which does not link to it: discontinue it when signing, or both would be given.\n") \
        in card["detail"]
    assert "2,100" not in card["detail"] and "2,600" not in card["detail"]


def test_a_draft_not_read_beside_a_chart_pulse_over_the_cap_is_judged_at_least_that(kb, today):
    """1,200 mg IV daily on the chart goes on beside a draft 'pulse per protocol' with no timing (its dose and
    schedule not read). With no second dose read nothing was added up (not evaluable); the patient gets at least the
    1,200 mg a day already over the 1 g cap, as with any draft beside it: critical, 'at least', the draft named as
    not read."""
    chart = _chart(today).medication(METHYLPRED_1000, 1200, "mg", start=-1, count=3, route=ROUTE_IV,
                                     resource_id="ivmp-1200")
    resource = chart.medication_request(METHYLPRED_1000, None, None, start=0, status="draft", intent="proposal",
                                        route=ROUTE_IV, text="pulse per protocol")
    del resource["dosageInstruction"][0]["timing"]
    card = _card(kb, today, chart.draft_resource(resource))
    assert card["indicator"] == "critical"
    assert card["summary"] == ("IV methylprednisolone: at least 1,200 mg/day with the order on the chart, above the "
                               "1,000 mg/day maximum")
    assert ("Together with the order on the chart, the draft gives at least 1,200 mg on a day they are all given (not "
            "counting what could not be read), above 1,000 mg/day.") in card["detail"]
    assert "Not read: methylprednisolone 1000 MG Injection: free-text sig 'pulse per protocol'" in card["detail"]


def test_an_order_with_no_frequency_makes_the_left_active_total_a_minimum(kb, today):
    """Review of f0ec9f8: beside the rewritten pulse, 250 mg IV with no timing counts one dose for its day, so what
    all give together is at least 2,450 mg/day; the line said '2,450 mg/day together' as if it were all (R06 says
    'at least' for the same case)."""
    chart = pulse_on_the_chart(today).medication(METHYLPRED_1000, 250, "mg", start=-1, route=ROUTE_IV,
                                                 resource_id="no-timing")
    del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 1200, "mg", route=ROUTE_IV, count=3))
    assert "(at least 2,450 mg/day together, above 1,000 mg/day)" in card["detail"]


def _with_a_draft_of_one_dose(chart):
    """A 250 mg IV draft with no timing: one dose counted for its day, so what the drafts give is the least."""
    chart.draft(METHYLPRED_1000, 250, "mg", route=ROUTE_IV, resource_id="draft-250")
    del chart.drafts[-1]["dosageInstruction"][0]["timing"]
    return chart


def test_a_draft_with_no_frequency_beside_a_left_active_order_makes_the_drafts_at_least(kb, today):
    """Review of 6311aa2: the chart's 1 g pulse rewritten as 500 mg daily x3 with no link, and a 250 mg draft with no
    timing: the summary said 'Methylprednisolone 750 mg/day draft', as if 750 mg were all the drafts give."""
    chart = _with_a_draft_of_one_dose(pulse_on_the_chart(today).draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV,
                                                                      count=3))
    card = _card(kb, today, chart)
    assert card["summary"].startswith("Methylprednisolone at least 750 mg/day draft: the 1,000 mg/day order on the "
                                      "chart is still active")


def test_a_draft_not_all_read_beside_a_chart_pulse_is_not_judged_within_alone(kb, today):
    """Review of 6311aa2: 300 mg twice a day for 3 days on the chart goes on beside 500 mg daily x3 drafted and a
    250 mg draft with no timing: at least 1,350 mg a day. The card advised 'Cancel the draft, or ... discontinue the
    order on the chart' as if the drafts alone (at least 750 mg) were known to be within the cap; now it offers the
    fixed pulse that cancels every draft and stops the chart's order."""
    chart = _chart(today).medication(METHYLPRED_1000, 300, "mg", frequency=2, start=-1, count=6, route=ROUTE_IV,
                                     resource_id="ivmp-600")
    chart.draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, count=3, resource_id="draft-500")
    card = _card(kb, today, _with_a_draft_of_one_dose(chart))
    assert card["indicator"] == "critical" and "**Cancel the draft**" not in card["detail"]
    # the draft with no frequency counts one dose: the total is the least given, not 'up to'
    assert card["summary"] == ("IV methylprednisolone: at least 1,350 mg/day with the order on the chart, above the "
                               "1,000 mg/day maximum")
    assert ("the drafts give at least 1,350 mg on a day they are all given (one dose counted for methylprednisolone "
            "1000 MG Injection, its frequency not given), above 1,000 mg/day.") in card["detail"]
    assert all(deleted(s)[:3] == ["MedicationRequest/draft-500", "MedicationRequest/draft-250",
                                  "MedicationRequest/ivmp-600"] for s in card["suggestions"])


EVERY_ORDER = ["MedicationRequest/draft-ivmp-600", "MedicationRequest/ivmp-bid", "MedicationRequest/ivmp-active"]


def _with_one_dose_on_the_chart(chart):
    """Beside the chart's orders, 100 mg IV with no timing (``ivmp-one``): one dose counted for its day."""
    chart.medication(METHYLPRED_1000, 100, "mg", start=-1, route=ROUTE_IV, resource_id="ivmp-one")
    del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    return chart


@pytest.mark.parametrize(("case", "leaves"), [
    ("left active over", "The orders on the chart alone give 1,500 mg/day, above 1,000 mg/day: cancelling the draft "
                         "would leave that."),
    ("linked over", "The orders on the chart alone give 1,500 mg/day, above 1,000 mg/day: cancelling the draft would "
                    "leave that."),
    ("left active not read", "The orders on the chart alone give at least 500 mg/day (the methylprednisolone 1000 MG "
                             "Injection order could not be counted): whether cancelling the draft would leave the "
                             "chart within the limits is not known."),
    ("beside not read", "The orders on the chart alone give at least 600 mg/day (the methylprednisolone 1000 MG "
                        "Injection order could not be counted): whether cancelling the draft would leave the chart "
                        "within the limits is not known."),
    ("one dose counted", "The orders on the chart alone give at least 700 mg/day (one dose was counted for the "
                         "methylprednisolone 1000 MG Injection order, its frequency not given): whether cancelling "
                         "the draft would leave the chart within the limits is not known."),
])
def test_cancelling_the_draft_is_offered_only_where_what_it_leaves_is_read_and_within(kb, today, case, leaves):
    """600 mg daily x3 drafted with no link rewrites the chart's pulse (left active) and adds to 250 mg twice a day
    beside it: 1,100 mg a day. 'Cancel the draft: the order on the chart stays active' was recommended, counting only
    the twice-daily order (500 mg a day), though cancelling leaves the pulse too: 1,500 mg a day, or a dose not read
    (the pulse's, or another order's beside it), or an order counted at one dose a day. So it does when the draft
    names the pulse as its prior prescription (found by review): signing would stop it, cancelling does not. The card
    says what cancelling leaves, and the fixed pulse that stops every chart order is offered instead."""
    chart = {
        "left active over": lambda: pulse_and_twice_daily_on_the_chart(today),
        "linked over": lambda: pulse_and_twice_daily_on_the_chart(today, linked=True),
        "left active not read": lambda: pulse_and_twice_daily_on_the_chart(today, pulse_mg=None),
        "beside not read": lambda: _with_an_order_not_read(pulse_and_twice_daily_on_the_chart(today, pulse_mg=100)),
        "one dose counted": lambda: _with_one_dose_on_the_chart(pulse_and_twice_daily_on_the_chart(today,
                                                                                                  pulse_mg=100)),
    }[case]()
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and leaves in card["detail"]
    assert "**Cancel the draft**" not in card["detail"]
    assert card["suggestions"] and all(s["label"].startswith("Replace with") for s in card["suggestions"])
    every = {*EVERY_ORDER, *(f"MedicationRequest/{o['id']}" for o in chart.resources["medications"])}
    assert all(set(deleted(s)) == every for s in card["suggestions"])


def test_cancelling_the_draft_is_offered_where_what_it_leaves_is_within(kb, today):
    """The same, the pulse left active at 100 mg a day, and an as-needed order beside it (no scheduled dose):
    cancelling leaves 600 mg a day, so it is recommended, and keeping the draft stops both scheduled orders. The
    as-needed order, which no suggestion stops, was never named (found by the second review): it is."""
    chart = pulse_and_twice_daily_on_the_chart(today, pulse_mg=100)
    chart.medication(METHYLPRED_1000, 500, "mg", start=-1, route=ROUTE_IV, resource_id="ivmp-prn")
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "cancelling the draft would" not in card["detail"]
    assert ("Also on the chart, as needed: methylprednisolone 1000 MG Injection, 500 mg once a day. No scheduled dose "
            "of it is added up, and no suggestion here stops it: review it.") in card["detail"]
    cancel, keep = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/draft-ivmp-600"]
    assert deleted(keep) == ["MedicationRequest/ivmp-bid", "MedicationRequest/ivmp-active"]


def _child_with_no_weight(today, draft_mg, beside=True, pulse=True):
    """A 10-year-old with no weight, the chart's pulse left active by an unlinked draft of ``draft_mg`` a day (or no
    pulse), with or without 250 mg twice a day beside it."""
    chart = _chart(today, age=10, weight=None)
    if pulse:
        chart.medication(METHYLPRED_1000, 1000, "mg", start=-1, count=3, route=ROUTE_IV, resource_id="ivmp-active")
    if beside:
        chart.medication(MP_500, 250, "mg", start=-1, frequency=2, count=6, route=ROUTE_IV, resource_id="ivmp-bid")
    return chart.draft(METHYLPRED_1000, draft_mg, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")


def test_a_child_with_no_weight_is_never_offered_to_keep_a_draft_over_the_cap(kb, today):
    """No child dose can be computed with no weight, so nothing replaces the draft. 'Keep the draft and discontinue
    the order on the chart' was offered for a 1,500 mg draft (above 1 g at any age), stopping only the pulse it left
    active: nothing is offered now."""
    card = _card(kb, today, _child_with_no_weight(today, 1500, beside=False))
    assert card["indicator"] == "critical" and "suggestions" not in card


@pytest.mark.parametrize("left_active", [True, False])
def test_a_child_with_no_weight_is_offered_neither_to_keep_nor_to_cancel_the_draft(kb, today, left_active):
    """A 600 mg draft within the 1 g cap adds to 250 mg twice a day beside it (with the pulse left active, or not).
    With no weight only the 1 g cap was checked: neither the draft alone nor what cancelling it leaves is known to
    be within 30 mg/kg/day (600 mg is 60 mg/kg at 10 kg). 'Keep the draft and discontinue the order on the chart'
    (and, with nothing left active, 'Cancel the draft', recommended) was offered on the 1 g cap alone (found by
    review): nothing is offered, and the card says to weigh the patient and re-order."""
    card = _card(kb, today, _child_with_no_weight(today, 600, pulse=left_active))
    assert card["indicator"] == "critical" and "suggestions" not in card
    assert "Weigh the patient and re-order" in card["detail"] and "**Cancel the draft**" not in card["detail"]


@pytest.mark.parametrize("draft_mg", [600, 900])
def test_a_child_with_no_weight_is_not_offered_to_keep_a_draft_that_leaves_a_pulse_active(kb, today, draft_mg):
    """The chart's pulse alone is left active by the draft (nothing beside it): the draft alone is within 1 g, so the
    warning for the order left active fires, and it recommended 'Keep the draft and discontinue the order on the
    chart', keeping 900 mg a day (90 mg/kg at 10 kg) on the strength of the 1 g cap alone (found by the second
    review). Nothing is offered, and the card says to weigh the patient and re-order."""
    card = _card(kb, today, _child_with_no_weight(today, draft_mg, beside=False))
    assert card["indicator"] == "warning" and "suggestions" not in card
    assert "Weigh the patient and re-order" in card["detail"]


def test_a_weighed_child_is_not_offered_to_cancel_where_it_leaves_more_than_30_mg_per_kg(kb, today):
    """25 kg, 10 years old: a 300 mg pulse left active by an unlinked 600 mg draft (24 mg/kg), beside 250 mg twice a
    day (1,100 mg a day together). Cancelling leaves 800 mg a day: within 1 g, but 32 mg/kg a day, so it is not
    offered; the child's pulse offered instead stops both chart orders."""
    chart = _chart(today, age=10, weight=25)
    chart.medication(METHYLPRED_1000, 300, "mg", start=-1, count=3, route=ROUTE_IV, resource_id="ivmp-active")
    chart.medication(MP_500, 250, "mg", start=-1, frequency=2, count=6, route=ROUTE_IV, resource_id="ivmp-bid")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 600, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp"))
    assert card["indicator"] == "critical"
    assert ("The orders on the chart alone give 800 mg/day, 32.0 mg/kg/day in a child, above 30 mg/kg/day: "
            "cancelling the draft would leave that.") in card["detail"]
    [replace] = card["suggestions"]
    assert replace["label"].startswith("Replace with methylprednisolone 750 mg")
    assert deleted(replace) == ["MedicationRequest/draft-ivmp", "MedicationRequest/ivmp-bid",
                                "MedicationRequest/ivmp-active"]


def test_what_cancelling_leaves_is_not_said_where_the_draft_alone_is_over_the_cap(kb, today):
    """A 1,500 mg draft rewrites a chart pulse 'per protocol' with no link: cancelling the draft is never the way
    out, the draft alone being above 1 g, yet the card said whether cancelling would leave the chart within the
    limits, beside the left-active line that says the same order could not be counted (found by review)."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, None, None, start=-1, count=3, route=ROUTE_IV, resource_id="ivmp-active",
                     text="per protocol")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 1500, "mg", route=ROUTE_IV, count=3, resource_id="draft"))
    assert card["indicator"] == "critical" and "cancelling the draft would" not in card["detail"]
    assert all(deleted(s) == ["MedicationRequest/draft", "MedicationRequest/ivmp-active"]
               for s in card["suggestions"])


def _pulse_given_for_3_days(today, on_chart, how, draft_days=3):
    """1 g IV daily given from 3 days ago, the chart's order ``ivmp-A`` written for 10 doses ('ten doses'), for 10
    doses with no start date but its authoredOn ('no start date'), or with no end and no count ('open-ended'); or
    given up to yesterday and completed, ``ivmp-A`` then 100 mg IV daily x3 from yesterday ('100 mg after it': within
    every limit). A 1 g draft for ``draft_days`` days from today names ivmp-A as its prior prescription ('linked') or
    rewrites it with no link."""
    chart = _chart(today)
    if on_chart == "100 mg after it":
        chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, end=-1, status="completed", route=ROUTE_IV)
        chart.medication(METHYLPRED_1000, 100, "mg", start=-1, count=3, route=ROUTE_IV, resource_id="ivmp-A")
    elif on_chart == "no start date":
        chart.resources["medications"].append(chart.medication_request(
            METHYLPRED_1000, 1000, "mg", start=None, authored=-3, count=10, route=ROUTE_IV, resource_id="ivmp-A"))
    else:
        chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, count=10 if on_chart == "ten doses" else None,
                         route=ROUTE_IV, resource_id="ivmp-A")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=draft_days, resource_id="draft-ivmp")
    return chart.replacing("ivmp-A") if how == "linked" else chart


def _the_pulse(start=None, day="1,000 mg/day"):
    """How the card names a pulse of the 1 g product on the chart (``day`` a day), with its written start (none: no
    boundsPeriod.start)."""
    since = f", from {start}" if start else ""
    return f"The pulse on the chart (methylprednisolone 1000 MG Injection, {day}{since})"


def _runs(days, start="2026-11-18", before="", day="1,000 mg/day"):
    return f"{_the_pulse(start, day)}{before} runs up to {days} days: cancelling the draft would leave that."


NO_LAST_DOSE = ("has no last dose that can be read (no end date, or a count or duration with no start date): "
                "cancelling the draft would leave it running.")
LEAVES = {"ten doses": _runs(10), "open-ended": f"{_the_pulse('2026-11-18')} {NO_LAST_DOSE}",
          "no start date": f"{_the_pulse()} {NO_LAST_DOSE}"}
CANCEL_AND_STOP_THE_PULSE = "Cancel the draft and discontinue the pulse on the chart: the pulse already given counts"
GIVEN_FOR_3_DAYS = "The pulse days already given count (3 days from 2026-11-18): **cancel the draft**"


def _cancelled_and_stopped(card, *stopped, label=CANCEL_AND_STOP_THE_PULSE):
    """The card's one suggestion, recommended: the draft cancelled and ``stopped`` discontinued, no pulse created."""
    [cancel] = card["suggestions"]
    assert cancel["label"] == label and cancel["isRecommended"]
    assert deleted(cancel) == ["MedicationRequest/draft-ivmp", *stopped]
    assert not [a for a in cancel["actions"] if a["type"] == "create"]


@pytest.mark.parametrize("how", ["linked", "no link"])
@pytest.mark.parametrize("on_chart", ["ten doses", "open-ended", "no start date"])
def test_cancelling_is_not_within_where_it_leaves_a_pulse_running_too_long(kb, today, how, on_chart):
    """3 pulse days given and 3 drafted are 6. Where the draft names the 10-dose pulse as its prior prescription,
    'Cancel the draft: the pulse already given counts ... go on with oral prednisone' was recommended, though
    cancelling leaves that pulse running (its daily dose alone was judged); with no link, 'Keep the draft and
    discontinue the order on the chart' gives the 6 days the warning fired on. A pulse with no last dose that can be
    read (no end and no count; or a count with no start date: found by review) is not within the 5 days either. The
    card names the pulse and what cancelling leaves, and the draft is cancelled with that pulse stopped; never kept."""
    card = _card(kb, today, _pulse_given_for_3_days(today, on_chart, how))
    assert card["indicator"] == "warning" and "for 6 consecutive days" in card["detail"]
    assert LEAVES[on_chart] in card["detail"]
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-A")
    assert f"{GIVEN_FOR_3_DAYS}, discontinue the pulse on the chart and go on with oral prednisone" in card["detail"]


def test_an_open_ended_pulse_is_said_once_as_having_no_last_dose(kb, today):
    """1 g IV daily from 6 days ago with no end, named by a 1 g x3 draft: the card also said it 'runs up to 7 days'
    (its days up to today), a limit the order does not have (found by review). One line, no limit."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-6, route=ROUTE_IV, resource_id="ivmp-A")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")
    card = _card(kb, today, chart.replacing("ivmp-A"))
    assert f"{_the_pulse('2026-11-15')} {NO_LAST_DOSE}" in card["detail"]
    assert card["detail"].count(_the_pulse("2026-11-15")) == 1
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-A")


@pytest.mark.parametrize(("how", "draft_days"), [("linked", 7), ("no link", 7), ("no link", 3)])
def test_a_chart_order_within_the_limits_is_left_when_the_draft_is_cancelled(kb, today, how, draft_days):
    """1 g given for 3 days up to yesterday, then 100 mg daily x3 on the chart: within every limit. A 1 g draft for 7
    days (too long on its own) was replaced by a new 3-day pulse (6 days after those given), and a first fix
    stopped the 100 mg order too, as it did whenever the draft alone was over a limit (found by review); for 3 days
    with no link, 'Keep the draft and discontinue the order on the chart' was offered (6 days). Only the draft is
    cancelled, and the card says the order on the chart stays."""
    card = _card(kb, today, _pulse_given_for_3_days(today, "100 mg after it", how, draft_days))
    assert card["indicator"] == "warning" and "cancelling the draft would" not in card["detail"]
    _cancelled_and_stopped(card, label="Cancel the draft: the pulse already given counts")
    assert f"{GIVEN_FOR_3_DAYS} (the order on the chart stays active) and go on with oral prednisone" in card["detail"]


def _twice_daily_pulse_from_3_days_ago(today, draft_mg, draft_days, count=None, age=50, weight=70):
    """500 mg IV twice daily (1 g a day) from 3 days ago, ``ivmp-A``, with no end (or ``count`` doses), not linked,
    beside a draft of ``draft_mg`` IV daily for ``draft_days`` days from today (review, finding 1)."""
    chart = _chart(today, age=age, weight=weight)
    chart.medication(METHYLPRED_1000, 500, "mg", start=-3, frequency=2, count=count, route=ROUTE_IV,
                     resource_id="ivmp-A")
    return chart.draft(METHYLPRED_1000, draft_mg, "mg", route=ROUTE_IV, count=draft_days, resource_id="draft-ivmp")


@pytest.mark.parametrize(("draft_mg", "draft_days", "count", "age", "weight"), [
    (200, 3, None, 50, 70), (1000, 1, None, 50, 70), (200, 3, 20, 50, 70), (200, 3, None, 10, 40)])
def test_no_new_pulse_is_offered_after_pulse_days_already_given(kb, today, draft_mg, draft_days, count, age, weight):
    """Review (high): a draft below 250 mg a day or of one day is no pulse of its own, so no run of the drafts
    counted the 3 days given on the chart; cancelling leaves the chart's pulse running (no last dose that can be
    read, or 10 days), so 'Replace with methylprednisolone 500 mg IV daily x3' was recommended: a 4th to 6th pulse
    day on top of those given, never said. The draft is now cancelled and the chart's pulse stopped, the days given
    said; no new pulse, in an adult or a child with a weight. The child goes on with prednisolone, as R19, R31 and R32
    name it (the card said prednisone for a child too)."""
    card = _card(kb, today, _twice_daily_pulse_from_3_days_ago(today, draft_mg, draft_days, count, age, weight))
    assert card["indicator"] == "critical"
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-A")
    oral = "prednisolone" if age < 18 else "prednisone"
    assert (f"{GIVEN_FOR_3_DAYS}, discontinue the pulse on the chart and go on with oral {oral}, or keep the whole "
            "pulse within 5 days.") in card["detail"]


def test_a_child_with_no_weight_after_pulse_days_given_is_offered_nothing(kb, today):
    """A child with no weight: neither the draft nor what cancelling leaves is known within 30 mg/kg/day, so nothing
    is offered (as before), and no pulse is created."""
    card = _card(kb, today, _twice_daily_pulse_from_3_days_ago(today, 200, 3, age=10, weight=None))
    assert card["indicator"] == "critical" and not card.get("suggestions")


def test_a_chart_order_within_the_limits_beside_a_pulse_running_too_long_stays(kb, today):
    """Review (finding 2): 500 mg IV daily x10 from 3 days ago, named by a 500 mg x3 draft as its prior
    prescription, beside 20 mg IV twice daily for a month. Cancelling leaves 540 mg a day (within), but the pulse
    runs 10 days: every chart order was discontinued, the 20 mg order too. Only the pulse is stopped now."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 500, "mg", start=-3, count=10, route=ROUTE_IV, resource_id="ivmp-A")
    chart.medication(METHYLPRED_1000, 20, "mg", start=-30, frequency=2, route=ROUTE_IV, resource_id="ivmp-low")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, count=3,
                                        resource_id="draft-ivmp").replacing("ivmp-A"))
    assert _runs(10, day="500 mg/day") in card["detail"]
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-A")


@pytest.mark.parametrize("case", ["1 g x7 beside 1 g a day x10", "1.5 g x3 naming a 10-dose 1 g pulse"])
def test_a_draft_over_a_limit_after_pulse_days_given_gets_no_new_pulse(kb, today, case):
    """Review (finding 3): a draft above a daily maximum, or too long, after 3 pulse days given: a new 1 g x3 pulse
    was recommended (up to 6 days, the chart's pulse stopped). The draft is cancelled and the chart's pulse, running
    10 days (twice daily, 20 doses: up to 11), stopped; no new pulse. What cancelling would leave is said though the
    draft alone is over a limit: it is why the pulse on the chart is stopped too."""
    if case.startswith("1 g x7"):
        chart = _twice_daily_pulse_from_3_days_ago(today, 1000, 7, count=20)
        leaves = _runs(11)
        assert "11 consecutive days" in _card(kb, today, chart)["detail"]
    else:
        leaves = _runs(10)
        chart = _chart(today)
        chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, count=10, route=ROUTE_IV, resource_id="ivmp-A")
        chart.draft(METHYLPRED_1000, 1500, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")
        chart.replacing("ivmp-A")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and leaves in card["detail"]
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-A")


def test_a_pulse_to_start_tomorrow_is_stopped_by_the_pulse_offered_instead(kb, today):
    """No pulse day given yet: 500 mg IV twice daily, 20 doses (1 g a day, up to 11 days), from tomorrow on the chart
    beside a 1 g x3 draft (12 days in a row). Cancelling would leave that pulse (it was recommended), so the 3-day
    pulse is offered instead, and it stops the chart's pulse."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 500, "mg", start=1, frequency=2, count=20, route=ROUTE_IV, resource_id="ivmp-A")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3,
                                        resource_id="draft-ivmp"))
    assert _runs(11, "2026-11-22") in card["detail"]
    assert card["suggestions"][0]["label"] == "Replace with methylprednisolone 1,000 mg IV daily x3"
    assert all(deleted(s) == ["MedicationRequest/draft-ivmp", "MedicationRequest/ivmp-A"]
               for s in card["suggestions"])


def test_every_chart_order_is_stopped_after_pulse_days_given_where_what_cancelling_leaves_is_not_known(kb, today):
    """A 1 g x3 draft naming the 10-dose 1 g pulse (3 days given), beside an order 'per protocol' whose dose is not
    read: what cancelling leaves is not known within 1 g a day, so the draft is cancelled and every IV
    methylprednisolone order on the chart stopped, the one not read too; what cancelling would leave is said."""
    card = _card(kb, today, _with_an_order_not_read(_pulse_given_for_3_days(today, "ten doses", "linked")))
    assert _runs(10) in card["detail"]
    _cancelled_and_stopped(card, "MedicationRequest/ivmp-sig", "MedicationRequest/ivmp-A",
                           label="Cancel the draft and discontinue the IV methylprednisolone on the chart: the pulse "
                                 "already given counts")
    assert (f"{GIVEN_FOR_3_DAYS}, discontinue the IV methylprednisolone on the chart and go on with oral prednisone"
            in card["detail"])


@pytest.mark.parametrize("draft_mg", [1000, 1500])
def test_pulse_days_on_the_chart_not_yet_given_are_not_said_as_given(kb, today, draft_mg):
    """Review: 1 g IV daily x3 on the chart from tomorrow, then a draft from day 4 (6 days in a row). The card said
    'the pulse already given counts' though no day had been given; it says the days on the chart it counted."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=1, count=3, route=ROUTE_IV, resource_id="ivmp-A")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, draft_mg, "mg", route=ROUTE_IV, start=4, count=3,
                                        resource_id="draft-ivmp"))
    assert "already given" not in card["detail"]
    _cancelled_and_stopped(card, label="Cancel the draft: the pulse on the chart counts")
    assert ("The pulse days on the chart count (3 days from 2026-11-22, none given before today): **cancel the draft** "
            "and go on with oral prednisone") in card["detail"]


@pytest.mark.parametrize("both_too_long", [False, True])
def test_each_pulse_left_is_named_with_its_start(kb, today, both_too_long):
    """1 g IV daily on the chart: ivmp-A from 3 days ago, named by the 1 g x3 draft as its prior prescription, and
    ivmp-B of the same label. Review: with ivmp-A for 5 doses and ivmp-B for 3 from day 2, the lines read alike and
    ivmp-B 'ran 8 days' (ivmp-A's days with it, unsaid); and 'discontinue the pulse on the chart' stopped two. Each
    is named with its start and the days before it said; with ivmp-A for 10 doses and ivmp-B for 10 from day 10,
    both run too long and both are stopped, said as two."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, count=10 if both_too_long else 5, route=ROUTE_IV,
                     resource_id="ivmp-A")
    chart.medication(METHYLPRED_1000, 1000, "mg", start=10 if both_too_long else 2, count=10 if both_too_long else 3,
                     route=ROUTE_IV, resource_id="ivmp-B")
    card = _card(kb, today, chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3,
                                        resource_id="draft-ivmp").replacing("ivmp-A"))
    if both_too_long:
        assert _runs(10) in card["detail"] and _runs(10, "2026-12-01") in card["detail"]
        _cancelled_and_stopped(card, "MedicationRequest/ivmp-B", "MedicationRequest/ivmp-A",
                               label="Cancel the draft and discontinue the pulses on the chart: the pulse already "
                                     "given counts")
    else:
        assert _runs(8, "2026-11-23", " with the days before it") in card["detail"]
        assert "1,000 mg/day, from 2026-11-18) runs" not in card["detail"]
        _cancelled_and_stopped(card, "MedicationRequest/ivmp-B")


def _given_for_3_days_and_3_drafted(today, day_mg, age=1, weight=8, draft_mg=None):
    """``day_mg`` IV daily given from 3 days ago to yesterday (completed, ``ivmp-A``), and a draft of ``draft_mg``
    (default ``day_mg``) IV daily for 3 days from today: six days in a row."""
    chart = _chart(today, age=age, weight=weight)
    chart.medication(METHYLPRED_1000, day_mg, "mg", start=-3, end=-1, status="completed", route=ROUTE_IV,
                     resource_id="ivmp-A")
    return chart.draft(METHYLPRED_1000, day_mg if draft_mg is None else draft_mg, "mg", route=ROUTE_IV, count=3,
                       resource_id="draft-ivmp")


def test_a_small_childs_pulse_below_250_mg_counts_its_days(kb, today):
    """8 kg: 240 mg a day (30 mg/kg, the child's pulse) given for 3 days and 3 more drafted are 6 pulse days, but
    R07 counted pulse days only from 250 mg/day and said nothing (an adult's 250 mg the same way is "more than 5
    days"). A weighed child's count from the lower of 250 mg/day and 7.5 mg/kg/day (steroids.pulse_level, the level
    R31 names a pulse on file from), and the card says the level it used."""
    card = _card(kb, today, _given_for_3_days_and_3_drafted(today, 240))
    assert card["indicator"] == "warning"
    assert card["summary"] == ("IV methylprednisolone >= 60 mg/day for more than 5 days with the pulse on the chart: "
                               "pulses run 3-5 days")
    assert ("up to 240 mg/day for 6 consecutive days (more than 5 days at >= 60 mg/day: 7.5 mg/kg/day at 8 kg)."
            in card["detail"])
    _cancelled_and_stopped(card, label="Cancel the draft: the pulse already given counts")


def test_a_childs_dose_exactly_at_the_pulse_level_counts(kb, today):
    """8.3 kg: 7.5 mg/kg/day is 62.25 mg/day, but 7.5 x 8.3 computes as 62.25000000000001, so 62.25 mg a day on the
    chart was no pulse day (found by review). The level is rounded: six days at it warn."""
    card = _card(kb, today, _given_for_3_days_and_3_drafted(today, 62.25, weight=8.3))
    assert card["indicator"] == "warning"
    assert "for 6 consecutive days" in card["detail"]


def test_no_new_pulse_is_offered_to_a_small_child_after_pulse_days_below_250_mg(kb, today):
    """8 kg: 240 mg a day given for 3 days, then 300 mg drafted (37.5 mg/kg, critical). The days given were no pulse
    days, so a new 240 mg x3 pulse was recommended: 6 days in a row. They count now: the draft is cancelled, no new
    pulse."""
    card = _card(kb, today, _given_for_3_days_and_3_drafted(today, 240, draft_mg=300))
    assert card["indicator"] == "critical"
    _cancelled_and_stopped(card, label="Cancel the draft: the pulse already given counts")
    assert f"{GIVEN_FOR_3_DAYS} and go on with oral prednisolone," in card["detail"]
    assert "oral prednisone," not in card["detail"]


@pytest.mark.parametrize(("age", "weight", "day_mg"), [(50, 70, 240), (12, 40, 240), (1, None, 240)])
def test_below_250_mg_an_adult_a_heavier_child_or_a_child_with_no_weight_has_no_pulse_days(kb, today, age, weight,
                                                                                            day_mg):
    """Unchanged: 6 days of 240 mg are no pulse days for an adult, for a 40 kg child (7.5 mg/kg/day is 300 mg, above
    250 mg/day), or for a child with no weight (no mg/kg level: 250 mg/day); the child with no weight is still not
    evaluable for the 30 mg/kg/day limit alone."""
    result = run(kb, _given_for_3_days_and_3_drafted(today, day_mg, age, weight).request("order-sign"), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result)
    assert entry["reason"] == ("methylprednisolone 1000 MG Injection: no current weight, so the 30 mg/kg/day limit "
                               "could not be checked" if weight is None else
                               "IV methylprednisolone within the pulse limits")


def test_an_adults_pulse_days_still_count_from_250_mg(kb, today):
    card = _card(kb, today, _given_for_3_days_and_3_drafted(today, 250, age=50, weight=70))
    assert card["summary"].startswith("IV methylprednisolone >= 250 mg/day for more than 5 days")
    assert "up to 250 mg/day for 6 consecutive days (more than 5 days at >= 250 mg/day)." in card["detail"]


OPEN_ENDED = ("methylprednisolone 1000 MG Injection: no end date, duration or number of doses, so the 5-day limit "
              "could not be checked")
NO_WEIGHT = "methylprednisolone 1000 MG Injection: no current weight, so the 30 mg/kg/day limit could not be checked; "


@pytest.mark.parametrize(("age", "weight", "day_mg", "reason"), [
    (1, 8, 240, f"{OPEN_ENDED} (more than 5 days at >= 60 mg/day: 7.5 mg/kg/day at 8 kg)"),
    (12, 40, 300, f"{OPEN_ENDED} (more than 5 days at >= 250 mg/day)"),
    (50, 70, 300, f"{OPEN_ENDED} (more than 5 days at >= 250 mg/day)"),
    (5, None, 300, f"{NO_WEIGHT}{OPEN_ENDED} (more than 5 days at >= the lower of 250 mg/day and 7.5 mg/kg/day)"),
])
def test_an_open_ended_pulse_is_not_evaluable_for_its_days_and_names_the_level(kb, today, age, weight, day_mg,
                                                                               reason):
    """IV methylprednisolone daily at a pulse dose with no end, duration or count has no last day: its 5-day limit
    could not be checked (240 mg at 8 kg was 'within the pulse limits'). The reason names the level the days count
    from, as the card does (it named none, which reads as 250 mg/day: a small child's is lower). 300 mg for a 40 kg
    child or an adult counts from 250 mg/day; a child with no weight, from the lower of 250 mg/day and 7.5 mg/kg/day,
    which the weight would tell."""
    chart = _chart(today, age=age, weight=weight).draft(METHYLPRED_1000, day_mg, "mg", route=ROUTE_IV)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == reason


def test_a_child_with_no_weight_and_an_open_ended_dose_below_250_mg_has_its_days_unchecked(kb, today):
    """5 years, no weight: 200 mg IV daily with no end is a pulse dose at 26.7 kg or less (7.5 mg/kg/day), which only
    the weight would tell. The reason named only the 30 mg/kg/day limit, as if the 5-day limit had been checked."""
    chart = _chart(today, age=5, weight=None).draft(METHYLPRED_1000, 200, "mg", route=ROUTE_IV)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (f"{NO_WEIGHT}{OPEN_ENDED} (more than 5 days at >= the lower of 250 mg/day and "
                               "7.5 mg/kg/day)")
    assert entry["facts"]["course_length"] == "not given in the order"


def test_a_child_with_no_weight_and_7_days_below_250_mg_has_its_days_unchecked(kb, today):
    """5 years, no weight: 200 mg IV daily for 7 days is 7 pulse days at 26.7 kg or less. The reason named only the
    30 mg/kg/day limit, as if the 5-day limit had been checked; 5 days at that dose leave nothing unchecked."""
    chart = _chart(today, age=5, weight=None).draft(METHYLPRED_1000, 200, "mg", route=ROUTE_IV, end=6)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (f"{NO_WEIGHT}methylprednisolone 1000 MG Injection: 7 days and no current weight, "
                               "so the 5-day limit could not be checked (more than 5 days at >= the lower of "
                               "250 mg/day and 7.5 mg/kg/day)")
    five_days = _explain(kb, today, _chart(today, age=5, weight=None).draft(
        METHYLPRED_1000, 200, "mg", route=ROUTE_IV, end=4))
    assert five_days["reason"] == NO_WEIGHT.removesuffix("; ")


def test_an_open_ended_pulse_on_a_card_names_the_level(kb, today):
    """300 mg at 8 kg (37.5 mg/kg/day) fires for its dose: the card's 'Not read:' line says the 5-day limit was not
    checked, and from what level (it named none)."""
    card = _card(kb, today, _chart(today, age=1, weight=8).draft(METHYLPRED_1000, 300, "mg", route=ROUTE_IV))
    assert card["indicator"] == "critical"
    assert f"\n\nNot read: {OPEN_ENDED} (more than 5 days at >= 60 mg/day: 7.5 mg/kg/day at 8 kg).\n" in card["detail"]


@pytest.mark.parametrize(("repeat", "written"), [({"period": -1}, "frequency 1, period -1 d"),
                                                 ({"frequency": -1}, "frequency -1, period 1 d"),
                                                 ({"periodUnit": None}, "frequency 1, period 1 with no unit")])
def test_pulse_days_on_the_chart_whose_timing_is_not_read_are_said(kb, today, repeat, written):
    """1 g given for the last 3 days, its timing not readable (a negative period or frequency, a period with no
    unit), and 3 more days drafted: its days were dropped as not given daily, and the check passed ('within the
    pulse limits'). It is not evaluated, and the reason names the order and its timing."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, end=-1, status="completed", route=ROUTE_IV)
    chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]["repeat"].update(repeat)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (f"methylprednisolone 1000 MG Injection (on the chart, given until "
                               f"{today - timedelta(days=1)}): timing not readable ({written}), so its days could "
                               "not be counted towards the 5-day limit")


def test_a_draft_whose_timing_is_not_read_names_it_and_the_days_left_unchecked(kb, today):
    """500 mg IV for 7 days at frequency -1: the reason said 'frequency not given' and only the daily dose unchecked;
    it names the timing written, and the 5-day limit it leaves unchecked too."""
    chart = _chart(today).draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, end=6, frequency=-1)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == ("methylprednisolone 1000 MG Injection: timing not readable (frequency -1, period 1 d), "
                               "so neither the daily dose against 1,000 mg/day nor the 5-day limit could be checked")


ODD_REPEAT = {"frequency": -1, "period": 1, "periodUnit": "d"}


def _drafted_at(chart, repeat, dose, **extra):
    """An IV methylprednisolone draft of ``dose`` mg whose timing repeats as ``repeat`` (and ``extra``)."""
    chart.draft(METHYLPRED_1000, dose, "mg", route=ROUTE_IV)
    chart.drafts[-1]["dosageInstruction"][0]["timing"] = {"repeat": {**repeat, **extra}}
    return chart


def test_r07_a_dose_counted_once_for_a_timing_that_cannot_be_read_names_the_timing(kb, today):
    """A draft at frequency -1 was said to have its 'frequency not given' where one dose of it was counted (over the
    cap on its own, with another draft, and in a count of doses with no days): its timing writes a repeat, one that
    cannot be read, and that is named. 'Frequency not given' stays for a draft whose timing writes none. The cards
    fire as before."""
    for repeat, why in ((ODD_REPEAT, "timing not readable (frequency -1, period 1 d)"), ({}, "frequency not given")):
        card = _card(kb, today, _drafted_at(_chart(today), repeat, 1200))
        assert card["indicator"] == "critical"
        assert f"gives 1,200 mg/day ({why}: checked per dose), above 1,000 mg/day." in card["detail"]
        two = _drafted_at(_chart(today), repeat, 600).draft(METHYLPRED_1000, 600, "mg", route=ROUTE_IV, end=2)
        card = _card(kb, today, two)
        assert card["indicator"] == "critical"
        assert (f"at least 1,200 mg on a day they are all given (one dose counted for methylprednisolone 1000 MG "
                f"Injection, its {why}), above 1,000 mg/day.") in card["detail"]
        entry = _explain(kb, today, _drafted_at(_chart(today), repeat, 500, count=3))
        assert entry["facts"]["course_length"] == f"a count of 3 doses, {why}: its days are not read"


@pytest.mark.parametrize(("timing", "why"), [({}, "frequency not given"),
                                             ({"code": {"coding": [{"code": "SOMETIMES"}]}},
                                              "timing not readable (code SOMETIMES)")])
def test_r07_a_draft_whose_daily_dose_cannot_be_checked_says_why(kb, today, timing, why):
    """A 500 mg draft with no frequency read is not evaluable against the 1 g/day cap. An unknown timing code was
    said to be 'frequency not given' (the order writes one, which cannot be read): dosing.why_no_frequency."""
    chart = _chart(today).draft(METHYLPRED_1000, 500, "mg", route=ROUTE_IV, end=2)
    chart.drafts[-1]["dosageInstruction"][0]["timing"] = timing
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (f"methylprednisolone 1000 MG Injection: {why}, so the daily dose could not be checked "
                               "against 1,000 mg/day")


def test_a_sig_giving_a_higher_frequency_than_the_structured_timing_is_judged_and_both_are_named(kb, today):
    """Review 416: 1 g daily x 3 structured with '1000 mg IV twice daily x 3 days' typed was within the cap: the
    higher reading (2 g a day) is judged, and the card names both."""
    chart = _chart(today).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3,
                                text="1000 mg IV twice daily x 3 days")
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "2,000 mg/day" in card["summary"]
    cancel = card["suggestions"][0]["actions"][0]
    assert cancel["type"] == "delete" and cancel["description"].endswith(
        "(1000 mg 2 times a day, as the sig says (structured dose: 1000 mg once a day))")
    assert ("1000 mg 2 times a day (the free-text sig says this; the structured dose says 1000 mg once a day: the "
            "higher is checked)") in _explain(kb, today, chart)["facts"]["drafts"]
