"""Rules that read a timing's days and administrations through courses.dose_run (R21's IVIG taper, R24's window of
PJP prophylaxis), and the days of an order that ended before its end date and the last rituximab dose through
courses: the cases the reviews found."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    MMR_CVX,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    TMP_SMX_DS,
    UCUM,
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


@pytest.mark.parametrize(("start", "covered"), [(-53, True), (-54, False)])
def test_prophylaxis_counted_three_times_a_week_lasts_to_its_earliest_last_dose(kb, today, start, covered):
    """TMP/SMX three times a week, 12 doses, no weekdays named, completed with no end date: the 12th dose is 25 2/3
    days after the first, on day 26 or 27 of the course. R24 asks a protection question, where erring late is the
    unsafe side: it reads the course at its fewest days (courses.course_days(err_early=True) through order_runs and
    dose_run), so from D-54 the last dose is D-29, outside its 4 weeks ('prophylaxis missing'). Review of 075557a:
    it read the longest span, D-28, and counted it; a dose check adding drafts up still reads the longest. It did
    not stop before an end date, so it is not named as stopped before one (courses.protection_since)."""
    chart = _on_high_dose_prednisone(today).medication(TMP_SMX_DS, 1, "{tbl}", start=start, status="completed",
                                                       frequency=3, period_unit="wk", count=12)
    card, entry = _result(kb, chart, "pjp-prophylaxis-missing")
    assert (card is None) is covered
    assert (entry["facts"]["pjp_prophylaxis"] is not None) is covered
    assert entry["facts"]["pjp_prophylaxis_not_counted"] is None


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


# ------------------------------------------- an order that ended before its end date: the review's scenarios
#
# A stopped or completed order whose end date lies after today ended before it, on a day the chart does not give.
# Reading it as given on its start day only (a076247, reverted) lost R24's, R25's and R28's cards; these pin the
# cards on the review's charts (its letters in the ids).

def _patient(today, age=52):
    return Chart(today, age=age).condition(IMNM_SNOMED, onset=-300).weight(70, day=-3)


@pytest.mark.parametrize("status", ["completed", "stopped"], ids=["A", "A2"])
def test_a_dose_change_charted_as_an_order_ended_early_keeps_the_pjp_card_at_the_dose_given(kb, today, status):
    """40 mg from D-200 ended before its D+30 end date, 20 mg current from D-20: >= 20 mg/day for 201 days. The end
    date had read 60 mg/day today (both orders); the later order took over, so today is its 20 mg."""
    chart = _patient(today).medication(PREDNISONE_20, 40, "mg", start=-200, end=30, status=status)
    chart.medication(PREDNISONE_20, 20, "mg", start=-20)
    card, entry = _result(kb, chart, "pjp-prophylaxis-missing")
    assert card is not None and entry["facts"]["consecutive_days_at_or_above_threshold"] == 201
    assert entry["facts"]["peq_today_mg"] == 20


def test_a_dose_change_charted_as_an_order_ended_early_keeps_the_bone_card(kb, today):
    """The review's C: 10 mg from D-200 completed before its D+30 end date, 5 mg current from D-30 (no myositis on
    the chart): >= 2.5 mg/day for 201 days, long-term exposure."""
    chart = Chart(today, age=62).weight(70, day=-3)
    chart.medication(PREDNISONE_5, 10, "mg", start=-200, end=30, status="completed")
    chart.medication(PREDNISONE_5, 5, "mg", start=-30)
    assert _result(kb, chart, "giop-bone-protection")[0] is not None


def test_a_taper_charted_as_orders_ended_early_is_a_taper(kb, today):
    """The review's D: 60, 40 and 20 mg orders, the first two completed before their D+30 end dates: each ran until
    the next started, so R21 reads the taper at its steps' dates (it read 120 mg/day today, no taper)."""
    chart = tapering_chart(today, taper=False)
    chart.resources["medications"] = [m for m in chart.resources["medications"] if "prednisone" not in str(m)]
    chart.medication(PREDNISONE_20, 60, "mg", start=-195, end=30, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-59, end=30, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-29)
    card, entry = _result(kb, chart, "imnm-possible-relapse-on-taper")
    assert card is not None and entry["facts"]["taper"] == (
        f"glucocorticoid lowered from 60 to 40 mg/day PEQ on {chart.at(-59)}; glucocorticoid lowered from 40 to 20 "
        f"mg/day PEQ on {chart.at(-29)}")


def _supplied(chart, days):
    chart.resources["medications"][-1]["dispenseRequest"] = {
        "expectedSupplyDuration": {"value": days, "unit": "days", "system": UCUM, "code": "d"},
        "numberOfRepeatsAllowed": 3}
    return chart


@pytest.mark.parametrize("order", [
    {"code": PREDNISONE_20, "dose": 40, "start": -60, "end": 30, "status": "completed", "supply": 30},
    {"code": PREDNISONE_20, "dose": 40, "start": -60, "end": 30, "status": "stopped", "supply": 30},
    {"code": METHOTREXATE_2_5, "dose": 25, "start": -100, "end": 60, "status": "stopped", "supply": 28,
     "period_unit": "wk"},
], ids=["F4", "F4b", "F5"])
def test_a_supply_does_not_end_an_order_that_ended_before_its_end_date(kb, today, order):
    """A live vaccine beside prednisone 40 mg daily (or methotrexate 25 mg weekly at 60 kg) that ended before its
    end date, with a supply: read as ended when the supply ran out, the vaccine passed with no card. It is judged at
    its worst, until today: critical."""
    chart = Chart(today, age=50).weight(60, day=-3).medication(
        order["code"], order["dose"], "mg", start=order["start"], end=order["end"], status=order["status"],
        period_unit=order.get("period_unit", "d"))
    _supplied(chart, order["supply"]).draft(MMR_CVX, 0.5, "mL")
    card = fired(run(kb, chart.request("order-sign"), today)).get("live-vaccine-while-immunosuppressed")
    assert card is not None and card["indicator"] == "critical"


def test_an_undated_rituximab_infusion_is_not_read_as_no_anti_cd20(kb, today):
    """The review's G2: rituximab completed with no dates and no timing (one infusion). R28 said 'no anti-CD20
    within 365 days' and stayed quiet while R16 is not evaluable for the same order: R28 now warns that the
    timing is unknown (a not-evaluable answer was seen only in the response's warnings)."""
    chart = Chart(today, age=50).weight(60, day=-3).medication(RITUXIMAB, 1000, "mg", start=None, status="completed",
                                                               route=ROUTE_IV)
    del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    entry = explained(result, "live-vaccine-while-immunosuppressed")
    assert entry["status"] == "fired" and fired(result)["live-vaccine-while-immunosuppressed"]["indicator"] == "warning"
    assert entry["facts"]["not_judged"] == (f"{RITUXIMAB[2]} (completed; no start or end date: when it was taken is "
                                            "not given)")


def test_every_reader_of_the_last_rituximab_dose_reads_an_order_with_no_start_date(kb, today):
    """Rituximab completed with an end date 100 days ago and no start: R24 (PJP risk) and R28 (live vaccine) read it
    through courses.last_dose_day as in use, while R16 (through treatment_duration.last_rituximab) skipped it, said
    'none on file' and offered rituximab again. Every reader now counts it."""
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


# A long order ended before its end date keeps its reading up to today beside a later order of the same drug that
# is no maintenance course taking over (courses.taken_over): a burst, a single dose, an IV pulse. Read as taken
# over, the long order ended the day before it, and R24's, R25's and R28's cards were lost (review of ac21fff: its
# letters in the ids).
_ORAL_MP = "methylprednisolone 16 MG Oral Tablet"  # 20 mg/day PEQ


@pytest.mark.parametrize("long_order, meanwhile", [
    ((PREDNISONE_20, 20), {"code": PREDNISONE_20, "dose": 40, "start": -100, "end": -96, "status": "completed"}),
    ((PREDNISONE_20, 20), {"code": PREDNISONE_20, "dose": 40, "start": -100, "count": 1, "status": "completed"}),
    ((_ORAL_MP, 16), {"code": METHYLPRED_1000, "dose": 1000, "start": -100, "count": 3, "status": "completed",
                      "route": ROUTE_IV}),
    ((PREDNISONE_20, 20), {"code": "prednisolone 5 MG Oral Tablet", "dose": 40, "start": -20, "end": -16,
                           "status": "completed"}),
], ids=["S1-burst", "S2-single-dose", "M1-iv-pulse", "P1-prednisolone-burst"])
def test_a_burst_a_single_dose_or_a_pulse_does_not_take_over_a_long_order(kb, today, long_order, meanwhile):
    """20 mg/day PEQ from D-300, completed before its D+60 end date, and a short course of the same drug given
    meanwhile: the long order is read up to today (301 days at 20 mg/day), so the PJP and bone cards fire and a
    live vaccine is critical."""
    def chart():
        code, dose = long_order
        built = Chart(today, age=52).condition(IMNM_SNOMED, onset=-400).weight(60, day=-3)
        built.medication(code, dose, "mg", start=-300, end=60, status="completed")
        return built.medication(meanwhile["code"], meanwhile["dose"], "mg", **{
            k: v for k, v in meanwhile.items() if k not in ("code", "dose")})

    card, entry = _result(kb, chart(), "pjp-prophylaxis-missing")
    assert card is not None and entry["facts"]["consecutive_days_at_or_above_threshold"] == 301
    assert _result(kb, chart(), "giop-bone-protection")[0] is not None
    vaccine = fired(run(kb, chart().draft(MMR_CVX, 0.5, "mL").request("order-sign"), today))
    assert vaccine["live-vaccine-while-immunosuppressed"]["indicator"] == "critical"


@pytest.mark.parametrize("odd", [{"frequency": -1}, {"period": 0}], ids=["frequency -1", "period 0"])
@pytest.mark.parametrize("drug, dose", [("mycophenolate mofetil 500 MG Oral Tablet", 1000), (PREDNISONE_20, 30)],
                         ids=["mycophenolate", "prednisone"])
def test_an_order_stopped_on_an_unknown_day_at_an_odd_repeat_still_counts_against_a_live_vaccine(kb, today, odd, drug,
                                                                                              dose):
    """Stopped with no end date, it may have been given until today. At a frequency of -1 it was read as given once,
    150 days ago, so R28 let an MMR draft pass; a period of 0 (read as one unit) must not do the same."""
    chart = _patient(today).medication(drug, dose, "mg", start=-150, status="stopped", **odd)
    vaccine = fired(run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today))
    assert vaccine["live-vaccine-while-immunosuppressed"]["indicator"] == "critical"


def test_a_later_order_at_a_negative_frequency_does_not_end_the_course_before_it(kb, today):
    """Prednisone 20 mg daily from day -200 (completed, end date +60), then 20 mg at a frequency of -1 from day -15:
    read as repeating, the later order took over and cut the first course short at a dose that cannot be read, so
    R24 and R25 were not evaluable (found by review). It does not take over; the first course is read to today."""
    chart = _patient(today).medication(PREDNISONE_20, 20, "mg", start=-200, end=60, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-15, frequency=-1)
    for rule in ("pjp-prophylaxis-missing", "giop-bone-protection"):
        card, entry = _result(kb, chart, rule)
        assert card is not None and card["indicator"] == "warning", entry["reason"]
