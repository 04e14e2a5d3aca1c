"""Rules that read a timing's days and administrations through courses.dose_run (R21's IVIG taper, R24's window of
PJP prophylaxis), and the last dose day through courses.last_dose_day: the cases the reviews found."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    IMNM_SNOMED,
    IVIG_CVX,
    MMR_CVX,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    TMP_SMX_DS,
    Chart,
)
from fhir_fixtures.r16_srp_add_rituximab_inadequate_response import srp_on_two_agents
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


def test_every_reader_of_the_last_rituximab_dose_reads_an_order_with_no_start_date(kb, today):
    """Rituximab completed with an end date 100 days ago and no start: R24 (PJP risk), R28 (live vaccine) and R21
    read it through courses.last_dose_day as in use, while R16 (through treatment_duration.last_rituximab) skipped
    it, said 'none on file' and offered rituximab again. Every reader now counts it."""
    def given(chart):
        return chart.medication(RITUXIMAB, 1000, "mg", start=None, end=-100, status="completed", route=ROUTE_IV)

    r16 = _result(kb, given(srp_on_two_agents(today, ttx=-700, mtx_start=-650)),
                  "srp-add-rituximab-inadequate-response")
    assert r16[0] is None and r16[1]["reason"] == "rituximab given within the last 365 days"
    r24 = _result(kb, given(_on_high_dose_prednisone(today)), "pjp-prophylaxis-missing")
    assert RITUXIMAB[2] in r24[1]["facts"]["co_immunosuppressants"]
    chart = given(Chart(today, age=50)).draft(MMR_CVX, 0.5, "mL")
    r28 = fired(run(kb, chart.request("order-sign"), today))["live-vaccine-while-immunosuppressed"]
    assert f"{RITUXIMAB[2]} (last given {chart.at(-100)}; anti-CD20 within 365 days)" in r28["detail"]


def test_a_stopped_counted_course_written_to_run_past_today_is_read_until_today(kb, today):
    """Second review, item 3 (pinned, not changed): prednisone 40 mg daily x60 from D-30, stopped with no end date.
    Its count runs 29 days past today, so its course is read until today (courses.course_days) and it stopped on a
    day the chart does not give. So R22 reads no reduction within 90 days, no taper, and no 'R21 needs one within
    14 d'; R24 and the bone-protection rule read 31 days of 40 mg. The same order with an end date 30 days ahead
    (courses.ended_before_its_end) is one day as charted, with a taper. Reading this one so too in courses.py alone
    made R28 call the 40 mg 'low-level' immunosuppression (one day), not 'high-level': the unknown-stop worst case
    (immunosuppression_level._open_part) takes a count as a written end. Both must change together (in the report);
    until then the later reading is kept, the safe one for a live vaccine."""
    def stopped(chart):
        return chart.medication(PREDNISONE_20, 40, "mg", start=-30, status="stopped", count=60)

    chart = stopped(Chart(today, age=55).condition(IMNM_SNOMED, onset=-500).weight(70, day=-3))
    result = run(kb, chart.request("patient-view"), today)
    r22 = explained(result, "imnm-ck-monitoring-due")
    assert r22["status"] == "not-fired" and "pjp-prophylaxis-missing" in fired(result)
    chart = stopped(Chart(today, age=55).condition(IMNM_SNOMED, onset=-500).weight(70, day=-3)).draft(MMR_CVX, 0.5,
                                                                                                       "mL")
    r28 = fired(run(kb, chart.request("order-sign"), today))["live-vaccine-while-immunosuppressed"]
    assert r28["summary"].startswith("Live vaccine (MMR) with high-level immunosuppression")
