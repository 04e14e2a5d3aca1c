"""Rules that read a timing's days and administrations through courses.dose_run (R21's IVIG taper, R24's window of
PJP prophylaxis): the cases the review of the first shared reading found."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import IMNM_SNOMED, IVIG_CVX, MMR_CVX, PREDNISONE_20, TMP_SMX_DS, Chart
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import tapering_chart
from tests.conftest import explained, fired, run


def _result(kb, chart, rule):
    result = run(kb, chart.request("patient-view"), chart.today)
    return fired(result).get(rule), explained(result, rule)


@pytest.mark.parametrize("two_steps", [-60, -4], ids=["between cycles", "the last cycle"])
def test_an_ivig_cycle_written_in_two_steps_is_its_whole_dose(kb, today, two_steps):
    """1 g/kg on day 1, then 0.25 g/kg a day on days 2-5, as one order of two sequences, is the 2 g/kg of the 1 g/kg
    x 2 day cycles around it: no IVIG taper. It was read as 5 g/kg (the highest day's dose for 5 days), so the next
    2 g/kg cycle was 'reduced'; the first shared reading read it as 1 g/kg, half, and R21 saw a reduction."""
    chart = tapering_chart(today, taper=False)
    chart.ivig_cycles(*((start, 1, 2) for start in range(-116, 0, 28) if start != two_steps))
    chart.taper_order(IVIG_CVX, [(1, 1), (0.25, 4)], unit="g/kg", start=two_steps, status="completed")
    card, entry = _result(kb, chart, "imnm-possible-relapse-on-taper")
    assert card is None and entry["reason"] == "no taper in progress"


def _on_high_dose_prednisone(today):
    return Chart(today, age=52).condition(IMNM_SNOMED, onset=-60).weight(70, day=-3).medication(
        PREDNISONE_20, 40, "mg", start=-35)


@pytest.mark.parametrize(("start", "covered"), [(-40, True), (-60, False)])
def test_prophylaxis_counted_on_named_weekdays_lasts_its_weeks(kb, today, start, covered):
    """TMP/SMX on Mondays and Thursdays, 8 doses, completed with no end date: 4 weeks of prophylaxis (the last dose
    25 days after a Monday start, 27 after a Tuesday one). The count was read as 8 consecutive days, so the course
    ended two weeks early and R24 asked for prophylaxis that was given within its 4 weeks."""
    chart = _on_high_dose_prednisone(today).medication(TMP_SMX_DS, 1, "{tbl}", start=start, status="completed",
                                                       day_of_week=["mon", "thu"], count=8)
    card, entry = _result(kb, chart, "pjp-prophylaxis-missing")
    assert (card is None) is covered
    assert (entry["facts"]["pjp_prophylaxis"] is not None) is covered


@pytest.mark.parametrize("repeat", [
    {"duration": 1e9, "durationUnit": "mo"},
    {"duration": 1e12, "durationUnit": "d"},
    {"period": 1, "periodUnit": "d", "dayOfWeek": ["mon"], "count": 876000},
], ids=["cycles of 1e9 months", "cycles of 1e12 days", "876000 doses on Mondays"])
def test_an_ivig_course_of_odd_length_ends_no_rule_in_error(kb, today, repeat):
    """Review: an IVIG order whose cycle lasts a billion months (or a count of 876,000 on Mondays) overflowed the
    date of its last dose, and every rule asking when IVIG was last given ended in 'error' (R15, R17, R19, R21, R22;
    R28 showed no live-vaccine card). The course is read as at most a century, so each rule still answers."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-300).weight(70, day=-3)
    resource = chart.medication_request(IVIG_CVX, 1, "g/kg", start=-100, status="completed", period=4,
                                        period_unit="wk")
    resource["dosageInstruction"][0]["timing"]["repeat"].update(repeat)
    chart.resources["medications"].append(resource)
    chart.draft(MMR_CVX, None, None)
    for hook in ("patient-view", "order-sign"):
        result = run(kb, chart.request(hook), today)
        assert [e["rule"] for e in result.explanation if e["status"] == "error"] == []
    assert "live-vaccine-while-immunosuppressed" in fired(result)
