"""Taper in progress and possible relapse (section 4.2): windows, pulses, charting gaps, drafts and caveats."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_fixtures.builders import (
    ANTI_HMGCR,
    AZATHIOPRINE_50,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    MMR_CVX,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    ROUTE_ORAL,
    ROUTE_SC,
    RXNORM,
    Chart,
)
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import (
    draft_in_steps,
    off_glucocorticoids_chart,
    tapering_chart,
)
from hooks import dosing, knowledge
from hooks.definitions import taper
from hooks.record import LOINC
from tests.conftest import TODAY, with_params
from tests.definitions_support import record_and_context

KB = knowledge.load()
TSH = (LOINC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma")


def _two_step(today, drop_day: int) -> Chart:
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-300, end=drop_day - 1, status="completed")
    chart.medication(PREDNISONE_5, 30, "mg", start=drop_day)
    return chart


def test_gc_reduction_inside_and_outside_90_days(today):
    steps = taper.taper_in_progress(*record_and_context(KB, _two_step(today, -90)))
    assert [s.day for s in steps] == [today - timedelta(days=90)]
    assert "40 to 30" in steps[0].what
    assert taper.taper_in_progress(*record_and_context(KB, _two_step(today, -91))) == ()


def test_gc_window_is_a_parameter(today):
    record, context = record_and_context(KB, _two_step(today, -100))
    assert taper.taper_in_progress(record, context, gc_window_days=120)
    assert not taper.taper_in_progress(record, context, gc_window_days=99)


def test_stopping_prednisone_is_a_reduction(today):
    chart = Chart(today).medication(PREDNISONE_5, 5, "mg", start=-200, end=-20, status="completed")
    steps = taper.taper_in_progress(*record_and_context(KB, chart))
    assert len(steps) == 1 and "stopped" in steps[0].what


def test_step_down_after_iv_pulse_is_not_a_taper(today):
    chart = Chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-30, end=-28, status="completed", route=ROUTE_IV)
    chart.medication(PREDNISONE_20, 60, "mg", start=-30)
    assert taper.taper_in_progress(*record_and_context(KB, chart)) == ()


def test_short_charting_gap_is_not_a_reduction(today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-200, end=-40, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-36)  # three days without a charted order
    assert taper.taper_in_progress(*record_and_context(KB, chart)) == ()


def test_the_charting_gap_bridged_is_the_shared_site_parameter(today):
    """The same three-day gap is a stop and a restart where a site bridges only two days."""
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-200, end=-40, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-36)
    steps = taper.taper_in_progress(*record_and_context(with_params(KB, "definitions", dose_gap_bridge_days=2), chart))
    assert [s.day for s in steps] == [today - timedelta(days=39)] and "stopped" in steps[0].what


def test_steroid_sparing_stop_and_reduction_within_180_days(today):
    stopped = Chart(today).medication(AZATHIOPRINE_50, 150, "mg", start=-400, end=-180, status="stopped")
    steps = taper.taper_in_progress(*record_and_context(KB, stopped))
    assert len(steps) == 1 and "azathioprine stopped" in steps[0].what
    old = Chart(today).medication(AZATHIOPRINE_50, 150, "mg", start=-400, end=-181, status="stopped")
    assert taper.taper_in_progress(*record_and_context(KB, old)) == ()
    reduced = Chart(today)
    reduced.medication(METHOTREXATE_2_5, 20, "mg", start=-300, end=-61, status="completed", period=1, period_unit="wk")
    reduced.medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk")
    steps = taper.taper_in_progress(*record_and_context(KB, reduced))
    assert len(steps) == 1 and steps[0].what == "methotrexate reduced from 20 mg/week to 15 mg/week"


@pytest.mark.parametrize("status", ["completed", "active"])
def test_a_course_that_has_ended_is_a_stop_whatever_its_status(today, status):
    """Methotrexate ended 40 days ago: 'completed', or left 'active' past its end date, it has stopped all the
    same (only status 'stopped' used to count)."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 20, "mg", start=-300, end=-40, status=status, period=1,
                                    period_unit="wk")
    steps = taper.sparing_reductions(*record_and_context(KB, chart))
    assert [s.what for s in steps] == ["methotrexate stopped (methotrexate 2.5 MG Oral Tablet)"]


MTX = "methotrexate 2.5 MG Oral Tablet"
AZA = "Azathioprine 50 MG Oral Tablet [Imuran]"


def _weekly_mtx(chart: Chart, dose: float, start: int, end: int | None = None, status: str = "active",
                **kwargs) -> Chart:
    return chart.medication(METHOTREXATE_2_5, dose, "mg", start=start, end=end, status=status, period=1,
                            period_unit="wk", **kwargs)


@pytest.mark.parametrize("status", ["stopped", "completed"])
def test_an_agent_that_ended_before_its_end_date_stopped_on_a_day_the_chart_does_not_give(today, status):
    """Methotrexate stopped (or completed) though its end date is 60 days ahead: it was read as stopping on that
    future day, so never as stopped, and R21 missed a relapse after it. It stopped by today at the latest, and the
    step says the day is not given."""
    chart = _weekly_mtx(Chart(today), 20, start=-300, end=60, status=status)
    (step,) = taper.sparing_reductions(*record_and_context(KB, chart))
    assert (step.day, step.at_the_latest) == (today, True)
    assert str(step) == (f"methotrexate stopped ({MTX}; {status} before its end date {chart.at(60)}, on a day the "
                         f"chart does not give) by {today.isoformat()} at the latest")


def test_a_chain_of_orders_each_ended_before_its_end_date_stops_at_the_last(today):
    """20 mg, then 15 mg, each stopped before its end date: the 20 mg order ran until the 15 mg one took over
    (courses.taken_over_on), a reduction on a known day; the 15 mg order stopped by today at the latest."""
    chart = _weekly_mtx(Chart(today), 20, start=-300, end=60, status="stopped")
    _weekly_mtx(chart, 15, start=-60, end=90, status="stopped")
    assert _sparing_steps(chart) == [
        f"methotrexate reduced from 20 mg/week to 15 mg/week on {chart.at(-60)}",
        f"methotrexate stopped ({MTX}; stopped before its end date {chart.at(90)}, on a day the chart does not give) "
        f"by {today.isoformat()} at the latest"]


def test_an_agent_ended_before_its_end_date_but_given_another_way_since_is_not_stopped(today):
    """Oral methotrexate stopped before its end date, subcutaneous methotrexate current since D-30: no later order
    of the same route took over, but the agent is still given today, so it has not stopped."""
    chart = _weekly_mtx(Chart(today), 20, start=-300, end=60, status="stopped", route=ROUTE_ORAL)
    _weekly_mtx(chart, 20, start=-30, route=ROUTE_SC)
    assert _sparing_steps(chart) == []


def test_an_infusion_completed_before_its_end_date_is_no_stop_but_one_stopped_is(today):
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-150, end=30, status="completed", route=ROUTE_IV,
                                    period=6, period_unit="mo")
    assert taper.sparing_reductions(*record_and_context(KB, chart)) == []
    chart.resources["medications"][0]["status"] = "stopped"
    (step,) = taper.sparing_reductions(*record_and_context(KB, chart))
    assert step.at_the_latest and step.day == today and step.what.startswith("rituximab stopped")


def test_a_glucocorticoid_ended_before_its_end_date_is_a_reduction_by_today_at_the_latest(today):
    """Prednisone 20 mg stopped though its end date is 30 days ahead: the timeline reads it up to today (the latest
    it may have been given), so its runs never showed it end and no taper was seen; with 5 mg going on, it fell
    from 25 to 5 mg/day PEQ. Taken over by a later 10 mg order, it ran until the day before that one started."""
    stopped = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-100, end=30, status="stopped")
    (step,) = taper.gc_reductions(*record_and_context(KB, stopped))
    assert str(step) == (f"glucocorticoid stopped (was 20 mg/day PEQ) (prednisone 20 MG Oral Tablet stopped before "
                         f"its end date {stopped.at(30)}, on a day the chart does not give) by {today} at the latest")
    lowered = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-100, end=30, status="stopped")
    lowered.medication(PREDNISONE_5, 5, "mg", start=-200)
    (step,) = taper.gc_reductions(*record_and_context(KB, lowered))
    assert step.at_the_latest and step.what.startswith("glucocorticoid lowered from 25 to 5 mg/day PEQ (")
    taken_over = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-100, end=30, status="completed")
    taken_over.medication(PREDNISONE_5, 10, "mg", start=-20)
    assert [str(s) for s in taper.gc_reductions(*record_and_context(KB, taken_over))] == [
        f"glucocorticoid lowered from 20 to 10 mg/day PEQ on {taken_over.at(-20)}"]


def test_a_completed_infusion_is_not_a_stop(today):
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-150, end=-150, status="completed")
    assert taper.sparing_reductions(*record_and_context(KB, chart)) == []


CYCLOPHOSPHAMIDE = "cyclophosphamide 1000 MG Injection"


def test_an_agent_given_in_cycles_is_reduced_per_dose_not_per_day(today):
    """Rituximab 1 g x2 written with a count, then 1 g every 6 months; cyclophosphamide 1 g as monthly one-day
    orders, then 1 g every 4 weeks: read per day, 'rituximab reduced from 500 mg/week to 38.8889 mg/week' and
    'cyclophosphamide reduced from 1000 mg/day to 250 mg/week', a taper for R21 and R22 that was not happening
    (review). The same dose each time is no reduction; 750 mg after 1 g is."""
    chart = Chart(today).weight(70)
    chart.medication(RITUXIMAB, 1000, "mg", start=-200, status="completed", route=ROUTE_IV, period=2, period_unit="wk",
                     count=2)
    chart.medication(RITUXIMAB, 1000, "mg", start=-20, route=ROUTE_IV, period=6, period_unit="mo")
    for day in (-150, -120, -90):
        chart.medication(CYCLOPHOSPHAMIDE, 1000, "mg", start=day, end=day, status="completed", route=ROUTE_IV)
    chart.medication(CYCLOPHOSPHAMIDE, 1000, "mg", start=-60, end=-31, route=ROUTE_IV, period=4, period_unit="wk")
    assert _sparing_steps(chart) == []
    chart.medication(CYCLOPHOSPHAMIDE, 750, "mg", start=-30, route=ROUTE_IV, period=4, period_unit="wk")
    assert _sparing_steps(chart) == [f"cyclophosphamide reduced from 1,000 mg to 750 mg (per day it is given) on "
                                     f"{chart.at(-30)}"]
    split = Chart(today).medication("cyclophosphamide 50 MG Oral Tablet", 100, "mg", start=-100, end=-41,
                                    status="completed")
    split.medication("cyclophosphamide 50 MG Oral Tablet", 50, "mg", start=-40, frequency=2)
    assert _sparing_steps(split) == []  # 100 mg a day, once or as 50 mg twice


def _ivig_cycles(today, *cycles: tuple[int, float, int]) -> Chart:
    """Prednisone 20 mg unchanged and 70 kg; IVIG cycles, each one completed order: (first day, g/kg a day, days)."""
    return Chart(today).weight(70).medication(PREDNISONE_20, 20, "mg", start=-400).ivig_cycles(*cycles)


def _steps(chart: Chart, reading) -> list[str]:
    return [str(step) for step in reading(*record_and_context(KB, chart))]


def _sparing_steps(chart: Chart) -> list[str]:
    return _steps(chart, taper.sparing_reductions)


def test_the_same_ivig_cycle_split_over_more_days_is_no_reduction(today):
    """2 g/kg every 4 weeks as 1 g/kg a day for 2 days, then as 0.4 g/kg a day for 5 days: order by order this read
    'ivig reduced from 70000 mg/day to 28000 mg/day', a taper that R21 and R22 acted on. Per cycle, nothing fell."""
    chart = _ivig_cycles(today, (-116, 1, 2), (-88, 1, 2), (-60, 0.4, 5), (-32, 0.4, 5), (-4, 0.4, 5))
    assert _sparing_steps(chart) == []


def test_a_lower_ivig_dose_per_cycle_is_a_reduction_however_it_is_split(today):
    """2 g/kg over 5 days, then 1 g/kg in one day: order by order a rise (28 to 70 g a day), per cycle halved."""
    chart = _ivig_cycles(today, (-88, 0.4, 5), (-60, 0.4, 5), (-32, 1, 1), (-4, 1, 1))
    assert _sparing_steps(chart) == [f"IVIG reduced from 140 g to 70 g per cycle on {today - timedelta(days=32)}"]


def test_ivig_spaced_out_is_a_reduction(today):
    """Cycles every 4 weeks, then every 8, each one order of the same dose: the longer interval is a reduction
    (none was seen: the orders are alike); dated by the first cycle given after the longer gap."""
    chart = _ivig_cycles(today, (-172, 1, 2), (-144, 1, 2), (-116, 1, 2), (-60, 1, 2), (-4, 1, 2))
    assert _sparing_steps(chart) == [
        f"IVIG cycles every 8 weeks instead of every 4 weeks on {today - timedelta(days=60)}"]


@pytest.mark.parametrize(("late", "spaced_out"), [(7, False), (8, True)])
def test_a_cycle_late_by_the_shared_dose_gap_is_not_spaced_out(today, late, spaced_out):
    chart = _ivig_cycles(today, (-100 - late, 1, 2), (-72 - late, 1, 2), (-44 - late, 1, 2), (-16, 1, 2))
    assert bool(_sparing_steps(chart)) is spaced_out
    site = with_params(KB, "definitions", dose_gap_bridge_days=late - 1)
    assert taper.sparing_reductions(*record_and_context(site, chart))


def test_ivig_restarted_after_a_break_is_no_reduction(today):
    """2 g/kg cycles, then 200 days without IVIG (a break that ends a course), then 1 g/kg: a new course."""
    chart = _ivig_cycles(today, (-428, 2, 1), (-400, 2, 1), (-170, 1, 1), (-142, 1, 1))
    assert _sparing_steps(chart) == []


def test_an_ivig_cycle_charted_day_by_day_adds_up(today):
    """One cycle as two one-day orders, the next as one order for the whole 2 g/kg: no reduction either way."""
    chart = _ivig_cycles(today, (-84, 1, 1), (-83, 1, 1), (-56, 2, 1), (-28, 1, 1), (-27, 1, 1))
    assert _sparing_steps(chart) == []


def test_cyclic_ivig_orders_spaced_out_read_as_a_longer_interval(today):
    """2 g/kg every 4 weeks, then every 8: the same cycle dose at a longer interval (it read as 35000 to 17500
    mg/week)."""
    chart = Chart(today).weight(70)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-200, end=-100, status="completed", route=ROUTE_IV, period=4,
                     period_unit="wk")
    chart.medication(IVIG_CVX, 2, "g/kg", start=-90, route=ROUTE_IV, period=8, period_unit="wk")
    assert _sparing_steps(chart) == [
        f"IVIG cycles every 8 weeks instead of every 4 weeks on {today - timedelta(days=90)}"]


def test_stopped_order_replaced_by_a_renewal_is_not_a_stop(today):
    chart = Chart(today)
    chart.medication(AZATHIOPRINE_50, 150, "mg", start=-300, end=-50, status="stopped")
    chart.medication(AZATHIOPRINE_50, 150, "mg", start=-49)
    assert taper.taper_in_progress(*record_and_context(KB, chart)) == ()


def _draft_reductions(chart: Chart) -> dict[str, str]:
    record, context = record_and_context(KB, chart, "order-sign")
    return {r.order.id: r.step.what for r in taper.draft_reductions(record, context, context.draft_orders)}


def test_draft_reductions(today):
    """A lower prednisone dose written again is a reduction; methotrexate at 0 mg a stop. With a second prednisone
    draft of 20 mg beside it, nothing says which of them writes the order on the chart again, so that order goes on
    beside both (continuing.on_chart, as R06 reads them): 57.5 mg a day is no reduction (each draft was judged
    alone, and the 17.5 mg read as one)."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-60)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk")
    chart.draft(PREDNISONE_5, 17.5, "mg", resource_id="d1")
    chart.draft(METHOTREXATE_2_5, 0, "mg", resource_id="d3", period=1, period_unit="wk")
    found = _draft_reductions(chart)
    assert set(found) == {"d1", "d3"}
    assert "20 to 17.5" in found["d1"] and "stops methotrexate" in found["d3"]
    assert set(_draft_reductions(chart.draft(PREDNISONE_20, 20, "mg", resource_id="d2"))) == {"d3"}


@pytest.mark.parametrize("status", ["stopped", "cancelled", "entered-in-error", "revoked", "completed"])
def test_a_draft_re_sent_with_a_status_that_ends_the_order_is_a_stop(today, status):
    """Prednisone and methotrexate re-sent as drafts that end them: a stop, as continuing.discontinues reads it for
    R06, R08 and R09. Re-sent as entered in error, the order was read as given on at its dose, no taper."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-60, resource_id="pred")
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", resource_id="mtx")
    chart.draft(PREDNISONE_20, 20, "mg", start=-60, status=status, resource_id="pred")
    chart.draft(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", status=status, resource_id="mtx")
    record, context = record_and_context(KB, chart, "order-sign")
    found = {r.order.id: r.step.what for r in taper.draft_reductions(record, context, context.draft_orders)}
    assert found == {"pred": "draft lowers the glucocorticoid from 20 to 0 mg/day PEQ (prednisone 20 MG Oral Tablet)",
                     "mtx": "draft stops methotrexate (methotrexate 2.5 MG Oral Tablet)"}


def test_a_rituximab_draft_is_compared_with_the_course_while_anti_cd20_is_in_use(today):
    """Rituximab 1 g on D-390 and D-376 (two completed orders), then 500 mg drafted: past the shared
    anti_cd20_in_use_days definition (365; R16, R17, R24, R28 read it too) the draft is a new course; a site that
    lengthens it to 420 days reads it as a reduction while the course is in use."""
    chart = Chart(today)
    for day in (-390, -376):
        chart.medication(RITUXIMAB, 1000, "mg", start=day, end=day, status="completed", route=ROUTE_IV)
    chart.draft(RITUXIMAB, 500, "mg", route=ROUTE_IV)
    site = with_params(KB, "definitions", anti_cd20_in_use_days=420)
    for kb, found in ((KB, []), (site, ["draft reduces rituximab from 1,000 mg to 500 mg (per day it is given)"])):
        record, context = record_and_context(kb, chart, "order-sign")
        assert [r.step.what for r in taper.draft_reductions(record, context, context.draft_orders)] == found


def test_possible_relapse_values(today):
    check = taper.possible_relapse(*record_and_context(KB, tapering_chart(today)))
    assert check.possible and check.missing is None
    assert check.nadir is not None and str(check.nadir).startswith("180 U/L on")
    assert check.ratio is not None and check.ratio.fact(2) == 3.33


def test_possible_relapse_needs_above_uln(today):
    # 2 x nadir but at the ULN: a higher ULN makes 360 normal
    check = taper.possible_relapse(*record_and_context(KB, tapering_chart(today, latest_ck=360, uln=360)))
    assert not check.possible and "not above the ULN" in check.reason


def test_possible_relapse_stale_ck_is_missing(today):
    check = taper.possible_relapse(*record_and_context(KB, tapering_chart(today, latest_day=-15)))
    assert check.missing and "15 days old" in check.missing
    assert taper.possible_relapse(*record_and_context(KB, tapering_chart(today, latest_day=-14))).possible


def test_possible_relapse_judges_the_taper_it_is_given(today):
    """R21 hands over the steps it gathered (a draft's included) rather than having them gathered again."""
    record, context = record_and_context(KB, tapering_chart(today, taper=False))
    assert taper.possible_relapse(record, context).reason == "no taper in progress"
    draft = taper.TaperStep(today, "draft lowers the glucocorticoid from 20 to 15 mg/day PEQ")
    check = taper.possible_relapse(record, context, taper=[draft])
    assert check.possible and check.taper == [draft]


def test_caveats_are_listed_not_excluding(today):
    chart = tapering_chart(today)
    chart.condition("Strenuous exercise (marathon)", onset=-6)
    chart.immunization(MMR_CVX, -7)
    chart.lab(TSH, 14, "mIU/L", day=-5)
    chart.medication("atorvastatin 10 MG Oral Tablet", 10, "mg", start=-20)
    check = taper.possible_relapse(*record_and_context(KB, chart))
    assert check.possible
    text = " | ".join(check.caveats)
    assert "exertion" in text and "vaccination" in text and "TSH 14" in text
    # anti-HMGCR positive: the statin is a relapse trigger, not another cause (test_a_statin_in_anti_hmgcr_...)
    assert "atorvastatin" not in text and [o.label for o, _ in check.statins] == ["atorvastatin 10 MG Oral Tablet"]


def test_caveats_outside_72_hours_are_not_listed(today):
    chart = tapering_chart(today)  # latest CK on D-5
    chart.condition("Strenuous exercise", onset=-9)
    chart.immunization(MMR_CVX, -9)
    chart.lab(TSH, 9.9, "mIU/L", day=-5)
    assert taper.possible_relapse(*record_and_context(KB, chart)).caveats == []


def test_no_taper_means_no_relapse(today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-300)
    chart.medication(PREDNISONE_20, 20, "mg", start=-200).ck(900, day=-2)
    check = taper.possible_relapse(*record_and_context(KB, chart))
    assert not check.possible and check.reason == "no taper in progress" and check.missing is None


def _on_prednisone():
    return Chart(TODAY).weight(70).medication(PREDNISONE_20, 20, "mg", start=-400)


def test_a_cyclic_order_reads_its_cycle_days_so_the_same_2_g_per_kg_split_differently_is_no_reduction():
    """Per the contract a cyclic order's count (or duration) is the days of a cycle: 0.4 g/kg x 5 every 4 weeks
    gives 2 g/kg a cycle, as 1 g/kg x 2 does. Read as one dose a cycle it was 'reduced from 140 g to 28 g' (review)."""
    one_cycle_orders = _on_prednisone()
    for start in (-116, -88, -60):
        one_cycle_orders.medication(IVIG_CVX, 0.4, "g/kg", start=start, end=start + 4, status="completed",
                                    route=ROUTE_IV)
    one_cycle_orders.medication(IVIG_CVX, 0.4, "g/kg", start=-32, route=ROUTE_IV, period=4, period_unit="wk", count=5)
    assert _sparing_steps(one_cycle_orders) == []
    cyclic = _on_prednisone().medication(IVIG_CVX, 1, "g/kg", start=-200, end=-61, status="completed",
                                         route=ROUTE_IV, period=4, period_unit="wk", count=2)
    cyclic.medication(IVIG_CVX, 0.4, "g/kg", start=-32, route=ROUTE_IV, period=4, period_unit="wk", count=5)
    assert _sparing_steps(cyclic) == []


def test_an_extra_ivig_dose_during_a_running_cyclic_order_is_no_reduction():
    """A 1 g/kg top-up 4 days ago on a current 2 g/kg every-4-weeks order was compared with it as the next cycle,
    'reduced from 140 g to 70 g', and R21 called a CK rise a relapse on taper (review)."""
    chart = _on_prednisone().medication(IVIG_CVX, 2, "g/kg", start=-200, route=ROUTE_IV, period=4, period_unit="wk")
    chart.medication(IVIG_CVX, 1, "g/kg", start=-4, end=-4, status="completed", route=ROUTE_IV)
    assert _sparing_steps(chart) == []


def test_one_late_ivig_cycle_then_one_on_time_is_not_spaced_out():
    chart = _on_prednisone()
    for start in (-120, -92, -56, -28):  # 28, then 36 (8 days late), then 28 again
        chart.medication(IVIG_CVX, 2, "g/kg", start=start, end=start, status="completed", route=ROUTE_IV)
    assert _sparing_steps(chart) == []
    held = _on_prednisone()
    for start in (-120, -92, -56, -20):  # 28, then 36, then 36: the longer interval holds
        held.medication(IVIG_CVX, 2, "g/kg", start=start, end=start, status="completed", route=ROUTE_IV)
    assert _sparing_steps(held) == ["IVIG cycles every 36 days instead of every 28 days on " + held.at(-56)]


def test_a_cyclic_ivig_order_started_while_the_last_one_runs_is_the_new_schedule():
    """2 g/kg every 4 weeks (its end date 10 days after the next order starts), then 1 g/kg every 4 weeks: the new
    order was taken for an extra dose on top of the old one's cycles, and the halved cycle dose was not seen."""
    chart = _on_prednisone().medication(IVIG_CVX, 2, "g/kg", start=-200, end=-50, status="completed", route=ROUTE_IV,
                                        period=4, period_unit="wk")
    chart.medication(IVIG_CVX, 1, "g/kg", start=-60, route=ROUTE_IV, period=4, period_unit="wk")
    assert _sparing_steps(chart) == ["IVIG reduced from 140 g to 70 g per cycle on " + chart.at(-60)]


def _ivig_drafts(chart: Chart) -> list[str]:
    record, context = record_and_context(KB, chart, "order-sign")
    return [r.step.what for r in taper.draft_reductions(record, context, context.draft_orders)]


def _every_4_weeks(last: int = -4) -> Chart:
    """IVIG 2 g/kg (1 g/kg a day for 2 days) every 4 weeks, one completed order per cycle, the last on ``last``."""
    return _on_prednisone().ivig_cycles((last - 56, 1, 2), (last - 28, 1, 2), (last, 1, 2))


def test_a_one_cycle_ivig_draft_is_compared_with_the_last_cycle():
    """The next cycle drafted for its due day (D+24) at half the dose: no IVIG order is current, and the draft was
    compared with nothing."""
    chart = _every_4_weeks().draft(IVIG_CVX, 0.5, "g/kg", start=24, end=25, route=ROUTE_IV)
    assert _ivig_drafts(chart) == ["draft: IVIG reduced from 140 g to 70 g per cycle (immune globulin, intravenous; "
                                   f"last cycle {chart.at(-4)})"]


def test_ivig_drafts_of_one_cycle_add_up():
    """The next cycle drafted day by day (1 g/kg on D+24 and on D+25) is 2 g/kg, no reduction; a one-cycle draft
    starting 4 days after a one-cycle order adds to that cycle."""
    day_by_day = _every_4_weeks().draft(IVIG_CVX, 1, "g/kg", start=24, end=24, route=ROUTE_IV)
    day_by_day.draft(IVIG_CVX, 1, "g/kg", start=25, end=25, route=ROUTE_IV)
    assert _ivig_drafts(day_by_day) == []
    assert _ivig_drafts(_every_4_weeks().draft(IVIG_CVX, 0.5, "g/kg", start=0, end=1, route=ROUTE_IV)) == []


def test_a_draft_stopping_ivig_between_cycles_is_a_stop():
    """No IVIG order is current between cycles charted one order each, but the course is: stopping it is a taper."""
    chart = _every_4_weeks().draft(IVIG_CVX, 1, "g/kg", status="stopped", route=ROUTE_IV, period=4, period_unit="wk")
    assert _ivig_drafts(chart) == ["draft stops ivig (immune globulin, intravenous)"]


def test_a_one_cycle_ivig_draft_has_no_interval_of_its_own():
    """The next 2 g/kg cycle drafted 42 days after the last of 4-weekly cycles (the same drafted day by day, too) read
    'spaced out from every 28 to every 42 days': when a cycle is drafted is no schedule. A cyclic draft's interval is
    one."""
    late = _every_4_weeks(last=-42).draft(IVIG_CVX, 1, "g/kg", start=0, end=1, route=ROUTE_IV)
    assert _ivig_drafts(late) == []
    day_by_day = _every_4_weeks(last=-42)
    for day in range(5):
        day_by_day.draft(IVIG_CVX, 0.4, "g/kg", start=day, end=day, route=ROUTE_IV)
    assert _ivig_drafts(day_by_day) == []
    cyclic = _every_4_weeks(last=-42).draft(IVIG_CVX, 1, "g/kg", route=ROUTE_IV, period=8, period_unit="wk", count=2)
    assert _ivig_drafts(cyclic) == ["draft: IVIG cycles every 8 weeks instead of every 4 weeks (immune globulin, "
                                    f"intravenous; last cycle {cyclic.at(-42)})"]


@pytest.mark.parametrize(("start", "end"), [(0, 0), (0, None), (3, 0)])
def test_an_ivig_draft_whose_cycle_dose_is_unknown_is_not_judged(start, end):
    """The next cycle due today. 1 g/kg for one day (the first of a cycle charted day by day: the second may be
    drafted at the next signing), 1 g/kg daily with no end nor count (no known number of days), or an order ending
    before it starts ('-140 g per cycle'): none says what the cycle gives (review)."""
    chart = _every_4_weeks(last=-28).draft(IVIG_CVX, 1, "g/kg", start=start, end=end, route=ROUTE_IV)
    assert _ivig_drafts(chart) == []


def test_one_day_ivig_drafts_are_judged_when_they_make_a_whole_cycle():
    """A one-day draft may be a whole cycle: 1 g/kg after cycles of 2 g/kg in one day is half. One-day drafts for
    each day of the cycle are the cycle: 0.5 g/kg a day for 2 days after 1 g/kg a day for 2 days is half."""
    one_day_cycles = _on_prednisone().ivig_cycles((-84, 2, 1), (-56, 2, 1), (-28, 2, 1))
    one_day_cycles.draft(IVIG_CVX, 1, "g/kg", start=0, end=0, route=ROUTE_IV)
    assert _ivig_drafts(one_day_cycles) == ["draft: IVIG reduced from 140 g to 70 g per cycle (immune globulin, "
                                            f"intravenous; last cycle {one_day_cycles.at(-28)})"]
    day_by_day = _every_4_weeks(last=-28)
    for day in (0, 1):
        day_by_day.draft(IVIG_CVX, 0.5, "g/kg", start=day, end=day, route=ROUTE_IV)
    assert len(_ivig_drafts(day_by_day)) == 2 and "reduced from 140 g to 70 g per cycle" in _ivig_drafts(day_by_day)[0]


@pytest.mark.parametrize("written", ["a cycle duration", "a single administration"])
def test_an_ivig_draft_whose_cycle_its_timing_gives_is_judged(written):
    """1 g/kg daily with a cycle duration of 1 day (the contract's days of a cycle), or 1 g/kg with no timing (one
    administration), after cycles of 2 g/kg in one day: the draft was taken as open-ended (no end date nor count) and
    not judged. Its cycle is read as courses.dose_run reads it: 70 g, half the last cycle."""
    chart = _on_prednisone().ivig_cycles((-84, 2, 1), (-56, 2, 1), (-28, 2, 1))
    chart.draft(IVIG_CVX, 1, "g/kg", start=0, route=ROUTE_IV)
    instruction = chart.drafts[-1]["dosageInstruction"][0]
    if written == "a cycle duration":
        instruction["timing"]["repeat"].update(duration=1, durationUnit="d")
    else:
        del instruction["timing"]
    assert _ivig_drafts(chart) == ["draft: IVIG reduced from 140 g to 70 g per cycle (immune globulin, intravenous; "
                                   f"last cycle {chart.at(-28)})"]


def _reductions(chart: Chart) -> list[taper.DraftReduction]:
    record, context = record_and_context(KB, chart, "order-sign")
    return taper.draft_reductions(record, context, context.draft_orders)


def _not_read(chart: Chart) -> list[str]:
    record, context = record_and_context(KB, chart, "order-sign")
    return taper.draft_doses_not_read(record, context, context.draft_orders)


def test_a_reduction_of_an_agent_ordered_one_cycle_at_a_time_names_its_last_cycle():
    """Review: cancelling a reduced IVIG or rituximab draft, where every cycle is its own completed order, leaves none
    ordered, so R21's 'hold' was a stop. Such a draft is read as by_cycle, with the last cycle as the chart gives it,
    for the clinician to re-order by hand (a draft rewritten at it could not be trusted: review): rituximab's last
    dose and the days since the one before (not the drafted weekly timing); IVIG's dose per cycle, per kg as
    written, and its spacing."""
    rituximab = _on_prednisone()
    for day in (-170, -156):
        rituximab.medication(RITUXIMAB, 1000, "mg", start=day, end=day, status="completed", route=ROUTE_IV)
    [reduction] = _reductions(rituximab.draft(RITUXIMAB, 500, "mg", route=ROUTE_IV, period=1, period_unit="wk",
                                              count=4))
    assert (reduction.agent, reduction.by_cycle) == ("rituximab", True)
    assert reduction.last_cycle == (f"1,000 mg a dose, the last on {rituximab.at(-156)}, 2 weeks after the dose "
                                    "before it")
    ivig = _every_4_weeks().draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, period=4, period_unit="wk", count=2)
    [reduction] = _reductions(ivig)
    assert (reduction.agent, reduction.by_cycle) == ("ivig", True)
    assert reduction.last_cycle == f"2 g/kg per cycle over 2 days, every 4 weeks, the last begun on {ivig.at(-4)}"


def test_the_last_cycle_of_a_course_ordered_as_one_order_is_read_by_its_interval():
    """Cyclophosphamide 1 g every 4 weeks as one completed order, then drafted at 500 mg: the last dose is the
    order's last, and its spacing the order's own interval (not the days since its first dose)."""
    chart = _on_prednisone().medication(CYCLOPHOSPHAMIDE, 1000, "mg", start=-90, end=-30, status="completed",
                                        route=ROUTE_IV, period=4, period_unit="wk")
    [reduction] = _reductions(chart.draft(CYCLOPHOSPHAMIDE, 500, "mg", route=ROUTE_IV, period=4, period_unit="wk"))
    assert reduction.by_cycle
    assert reduction.last_cycle.startswith("1,000 mg a dose, the last on ") and reduction.last_cycle.endswith(
        ", every 4 weeks")


@pytest.mark.parametrize(("chart", "draft", "said"), [
    (lambda: _on_prednisone().ivig_cycles((-24, 1, 2)),
     lambda chart: chart.draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, period=8, period_unit="wk", count=2),
     "2 g/kg per cycle over 2 days, its spacing not read (no cycle before it in this course), the last begun on "
     f"{TODAY - timedelta(days=24)}"),
    (lambda: _on_prednisone().ivig_cycles((-52, 1, 2), (-24, 1, 2)).medication(
        IVIG_CVX, None, None, start=-24, end=-24, status="completed", route=ROUTE_IV),
     lambda chart: chart.draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, period=8, period_unit="wk", count=2),
     f"its dose per cycle not read, every 4 weeks, the last begun on {TODAY - timedelta(days=24)}"),
    (lambda: _on_prednisone().medication(RITUXIMAB, 375, "mg/m2", start=-20, end=-20, status="completed",
                                         route=ROUTE_IV),
     lambda chart: chart.draft(RITUXIMAB, 375, "mg/m2", route=ROUTE_IV, status="stopped"),
     f"a dose of 375 mg/m\u00b2 (not read in mg), the last on {TODAY - timedelta(days=20)}, no dose before it in this "
     "course (spacing not read)"),
], ids=["one IVIG cycle on file", "a last IVIG cycle whose dose is not read", "one rituximab dose per m2"])
def test_a_last_cycle_not_read_is_said_not_guessed(chart, draft, said):
    """No spacing (one IVIG cycle on file), no dose per cycle (the last cycle has an order of no dose), a dose per m2
    (the taper reads no BSA) and no dose before it: what is not read is said, never made up."""
    reductions = _reductions(draft(chart()))
    assert reductions and all(r.by_cycle and r.last_cycle == said for r in reductions)


def test_cancelling_a_draft_beside_a_regimen_or_a_daily_drug_on_the_chart_holds_its_dose():
    """A current IVIG regimen order goes on if the draft halving it is cancelled, as a chart's methotrexate goes on if a
    draft stopping it is: neither is by_cycle (R21 offers to cancel them)."""
    regimen = _on_prednisone().medication(IVIG_CVX, 1, "g/kg", start=-116, route=ROUTE_IV, period=4, period_unit="wk",
                                          count=2)
    regimen.draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, period=4, period_unit="wk", count=2)
    methotrexate = _on_prednisone().medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk")
    methotrexate.draft(METHOTREXATE_2_5, 0, "mg", period=1, period_unit="wk")
    for chart, agent in ((regimen, "ivig"), (methotrexate, "methotrexate")):
        [reduction] = _reductions(chart)
        assert reduction.agent == agent and not reduction.by_cycle and reduction.last_cycle is None


def _weighed_long_ago() -> Chart:
    """Prednisone 20 mg unchanged; the only weight 70 kg 400 days ago: too old to dose from."""
    return Chart(TODAY).weight(70, day=-400).medication(PREDNISONE_20, 20, "mg", start=-400)


def test_doses_per_kg_are_compared_per_kg_with_no_current_weight():
    """Review: IVIG 1 g/kg a day for 2 days every 4 weeks, then 0.5 g/kg drafted, with the weight too old: no dose was
    read in g, so R21 said 'no draft lowers' of a halving readable without a weight. Every dose written per kg, they
    are compared per kg, on the chart as in a draft; so is cyclophosphamide in mg/kg."""
    ivig = _weighed_long_ago().ivig_cycles((-60, 1, 2), (-32, 1, 2), (-4, 0.5, 2))
    assert _sparing_steps(ivig) == [f"IVIG reduced from 2 g/kg to 1 g/kg per cycle on {ivig.at(-4)}"]
    drafted = _weighed_long_ago().ivig_cycles((-60, 1, 2), (-32, 1, 2), (-4, 1, 2))
    drafted.draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, period=4, period_unit="wk", count=2)
    assert _ivig_drafts(drafted) == ["draft: IVIG reduced from 2 g/kg to 1 g/kg per cycle (immune globulin, "
                                     f"intravenous; last cycle {drafted.at(-4)})"]
    cyclophosphamide = _weighed_long_ago()
    for day in (-60, -30):
        cyclophosphamide.medication(CYCLOPHOSPHAMIDE, 15, "mg/kg", start=day, end=day, status="completed",
                                    route=ROUTE_IV)
    cyclophosphamide.draft(CYCLOPHOSPHAMIDE, 7.5, "mg/kg", route=ROUTE_IV, period=4, period_unit="wk")
    assert [r.step.what for r in _reductions(cyclophosphamide)] == [
        "draft reduces cyclophosphamide from 15 mg/kg to 7.5 mg/kg (per day it is given)"]
    on_chart = _weighed_long_ago()
    on_chart.medication(CYCLOPHOSPHAMIDE, 15, "mg/kg", start=-60, end=-31, route=ROUTE_IV, period=4, period_unit="wk")
    on_chart.medication(CYCLOPHOSPHAMIDE, 7.5, "mg/kg", start=-30, route=ROUTE_IV, period=4, period_unit="wk")
    assert _sparing_steps(on_chart) == ["cyclophosphamide reduced from 15 mg/kg to 7.5 mg/kg (per day it is given) "
                                        f"on {on_chart.at(-30)}"]


def test_a_comparison_that_needs_a_weight_there_is_not_names_the_dose():
    """The same IVIG cycles per kg and a 70 g draft, or cyclophosphamide 1 g and a 10 mg/kg draft, with the weight too
    old: g and g/kg cannot be compared, and the draft was read as lowering nothing. The dose per kg is named, with
    the weight that is too old (R21: not evaluable where the CK may mean a relapse)."""
    why = f"with no current weight (latest 70 kg on {TODAY - timedelta(days=400)}, too old)"
    ivig = _weighed_long_ago().ivig_cycles((-60, 1, 2), (-32, 1, 2), (-4, 1, 2))
    ivig.draft(IVIG_CVX, 70, "g", route=ROUTE_IV, period=4, period_unit="wk", count=2)
    assert _reductions(ivig) == [] and _not_read(ivig) == [f"immune globulin, intravenous: 1 g/kg {why}"]
    cyclophosphamide = _weighed_long_ago().medication(CYCLOPHOSPHAMIDE, 1000, "mg", start=-30, end=-30,
                                                      status="completed", route=ROUTE_IV)
    cyclophosphamide.draft(CYCLOPHOSPHAMIDE, 10, "mg/kg", route=ROUTE_IV, period=4, period_unit="wk")
    assert _reductions(cyclophosphamide) == [] and _not_read(cyclophosphamide) == [
        f"{CYCLOPHOSPHAMIDE}: 10 mg/kg {why}"]


def _per_cycle_draft(grams: float, every_weeks: int, most: float) -> Chart:
    """After 2 g/kg (140 g) every 4 weeks: IVIG ``grams`` a dose over 2 days every ``every_weeks`` weeks, with at most
    ``most`` g per ``every_weeks`` weeks (maxDosePerPeriod)."""
    chart = _every_4_weeks()
    chart.draft(IVIG_CVX, grams, "g", route=ROUTE_IV, period=every_weeks, period_unit="wk")
    instruction = chart.drafts[-1]["dosageInstruction"][0]
    instruction["timing"]["repeat"].update(duration=2, durationUnit="d")
    instruction["maxDosePerPeriod"] = {"numerator": {"value": most, "unit": "g"},
                                       "denominator": {"value": every_weeks, "unit": "wk"}}
    return chart


@pytest.mark.parametrize(("grams", "every_weeks", "most", "found"), [
    (35, 8, 70, ["reduced from 140 g to 70 g per cycle", "cycles every 8 weeks instead of every 4 weeks"]),
    (140, 8, 140, ["cycles every 8 weeks instead of every 4 weeks"]),
    (100, 4, 100, ["reduced from 140 g to 100 g per cycle"]),
], ids=["35 g a day, at most 70 g", "140 g per cycle, every 8 weeks", "100 g per cycle"])
def test_a_dose_per_cycle_is_read_by_its_max_dose_per_period(grams, every_weeks, most, found):
    """Review: the contract marks a dose per cycle by its maxDosePerPeriod. 140 g with at most 140 g per 8 weeks, read
    per day over 2 days, was 280 g a cycle: only its spacing was seen, and 100 g per cycle read as 200 g lowered
    nothing. A dose written as the cycle's maximum is the cycle's; 35 g a day with at most 70 g stays per day."""
    drafts = _ivig_drafts(_per_cycle_draft(grams, every_weeks, most))
    assert [what.split(" (")[0].removeprefix("draft: IVIG ") for what in drafts] == found


def test_a_dose_its_max_dose_per_period_contradicts_is_not_read():
    """100 g a dose over 2 days with at most 150 g per 4 weeks: neither 200 g (per day, over the maximum) nor 100 g
    (per cycle, not the maximum written) is what the order says: not judged, and named."""
    chart = _per_cycle_draft(100, 4, 150)
    assert _reductions(chart) == []
    assert _not_read(chart) == ["immune globulin, intravenous: 100 g over 2 days with a maxDosePerPeriod of 150 g "
                                "per 4 wk: whether its dose is per day or per cycle is not read"]


def test_ivig_drafts_of_one_cycle_are_added_up_before_they_meet_the_cycle_on_file():
    """0.4 g/kg a day for 5 days drafted day by day, from 4 days after the last cycle began: the three days within a
    week of it were added to it, and the last two read as a cycle of their own, 'reduced from 140 g to 56 g per
    cycle' (review). The drafts are one cycle, and it adds to the cycle on file."""
    chart = _every_4_weeks()
    for day in range(5):
        chart.draft(IVIG_CVX, 0.4, "g/kg", start=day, end=day, route=ROUTE_IV)
    assert _ivig_drafts(chart) == []


HYDROCORTISONE_20 = (RXNORM, "105396", "hydrocortisone 20 MG Oral Tablet [Hydrocortone]")


@pytest.mark.parametrize("reading, drug, dose", [
    (taper.sparing_reductions, AZATHIOPRINE_50, 100),
    (taper.gc_reductions, PREDNISONE_20, 15),
    (taper.gc_reductions, PREDNISONE_20, 30),
])
def test_an_order_stopped_before_it_began_is_no_stop(today, reading, drug, dose):
    """A planned next order (from D+7 or D+14) called off before it began: it was read up to today (a span from a
    day after today) and its dose taken away from today's, so a stop or a fall that never happened was a taper
    step (R21 could fire, R22 shortened the CK interval). It gave nothing, so it stopped nothing."""
    chart = _on_prednisone()
    chart.medication(drug, dose, "mg", start=14, end=60, status="stopped")
    assert _steps(chart, reading) == []


def test_a_glucocorticoid_switched_to_another_at_the_same_dose_is_no_fall(today):
    """Prednisone 5 mg completed before its end date, then hydrocortisone 20 mg (5 mg PEQ) from D-20: both were read
    up to today (10 mg/day), so the ended order's 5 mg read as a fall from 10 to 5 mg/day. The switch kept the dose:
    the fall is measured from the dose before the new order began. A switch to a lower dose is still a fall."""
    same = Chart(today).medication(PREDNISONE_5, 5, "mg", start=-149, end=30, status="completed")
    same.medication(HYDROCORTISONE_20, 20, "mg", start=-20)
    assert _steps(same, taper.gc_reductions) == []
    lower = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-149, end=30, status="completed")
    lower.medication(HYDROCORTISONE_20, 20, "mg", start=-20)
    (step,) = _steps(lower, taper.gc_reductions)
    assert step.startswith("glucocorticoid lowered from 20 to 5 mg/day PEQ (prednisone 20 MG Oral Tablet completed "
                           "before its end date") and step.endswith(f"by {today} at the latest")


def test_an_agent_stopped_over_two_orders_both_ended_early_is_a_stop(today):
    """Azathioprine 100 mg and 50 mg as two orders, both stopped before their end dates: each was read up to today,
    so each hid the other's stop and no taper was seen. Neither is given today as the chart says: the agent stopped
    (the later order read as taking over from the earlier, courses.taken_over_on, so one stop is said)."""
    chart = _on_prednisone()
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-170, end=60, status="stopped")
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=-180, end=60, status="stopped")
    steps = _steps(chart, taper.sparing_reductions)
    assert steps and all(s.startswith("azathioprine stopped") and s.endswith("at the latest") for s in steps), steps
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=-30)  # one still given: the agent goes on, at a lower dose
    assert _steps(chart, taper.sparing_reductions) == [
        f"azathioprine reduced from 100 mg/day to 50 mg/day on {chart.at(-30)}"]


@pytest.mark.parametrize("stopped_end", [30, -2], ids=["stopped-before-its-end", "ended"])
def test_an_agent_stopped_then_planned_at_a_lower_dose_is_a_reduction_from_its_start(today, stopped_end):
    """Methotrexate 20 mg/week stopped (before its end date, or 2 days ago: within the dose gap bridge), and 15
    mg/week ordered from 4 days on: the new order was read as given today (courses.given_today) and its start after
    today let no reduction be read, so no taper was seen (R22 kept the 90-day CK interval, R21 saw no taper). The
    agent goes on (no stop) at a lower dose from the planned start."""
    chart = _on_prednisone()
    _weekly_mtx(chart, 20, start=-150, end=stopped_end, status="stopped")
    _weekly_mtx(chart, 15, start=4)
    assert _steps(chart, taper.taper_in_progress) == [
        f"methotrexate to be reduced from 20 mg/week to 15 mg/week on {chart.at(4)}"]


@pytest.mark.parametrize("end, status", [(-60, "stopped"), (-300, "stopped"), (None, "completed")],
                         ids=["stopped-60-days-ago", "stopped-300-days-ago", "completed-no-end"])
def test_a_lower_dose_planned_after_a_stop_is_a_restart_not_a_reduction(today, end, status):
    """Methotrexate stopped 60 or 300 days ago (or completed with no end date: last given on its start day), 15
    mg/week planned from 3 days on: nothing is being given, so nothing is reduced. Read as 'to be reduced from 20
    mg/week', R21 told the prescriber to hold the reduction (the restart) during a possible relapse."""
    chart = _on_prednisone()
    _weekly_mtx(chart, 20, start=-370, end=end, status=status)
    _weekly_mtx(chart, 15, start=3)
    assert not any("reduced" in step for step in _steps(chart, taper.taper_in_progress))


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_a_restart_at_a_lower_dose_long_after_a_course_ended_is_no_reduction(today, status):
    """Clinician review: methotrexate 20 mg/week ended 700 days ago, and at relapse 15 mg/week from 38 days ago: a
    new course, not a reduction from the old one's dose. Read as 'reduced from 20 to 15 mg/week', R22 said a taper
    was in progress and R21 told the prescriber to hold the taper during the re-induction."""
    chart = _on_prednisone()
    _weekly_mtx(chart, 20, start=-1480, end=-700, status=status)
    _weekly_mtx(chart, 15, start=-38)
    assert _sparing_steps(chart) == []


@pytest.mark.parametrize("restart, follows_on", [(-86, True), (-85, False)],
                         ids=["within-the-dose-interval-and-bridge", "a-day-later"])
def test_a_lower_dose_after_a_break_restarts_the_agent_and_the_stop_stands(today, restart, follows_on):
    """Weekly methotrexate last given 100 days ago: an order from day -86 (its 7-day interval plus the 7-day
    dose_gap_bridge_days later) continues it, and its lower dose is a reduction; one from a day later restarts it
    after a break, so the stop 100 days ago is the taper step (section 4.2: stopped within 180 days), not a
    reduction from a dose no longer given. Before, the restart hid the stop and was read as the reduction."""
    chart = _on_prednisone()
    _weekly_mtx(chart, 20, start=-400, end=-100, status="completed")
    _weekly_mtx(chart, 15, start=restart)
    assert _sparing_steps(chart) == (
        [f"methotrexate reduced from 20 mg/week to 15 mg/week on {chart.at(restart)}"] if follows_on
        else [f"methotrexate stopped (methotrexate 2.5 MG Oral Tablet) on {chart.at(-100)}"])


def test_the_same_dose_restarted_after_a_break_leaves_the_stop_standing(today):
    """Azathioprine 100 mg/day stopped 60 days ago and restarted at 100 mg/day 30 days ago: a restart after a break,
    as the glucocorticoid timeline reads one, so the stop within 180 days stands (section 4.2); before, the restart
    hid it."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 100, "mg", start=-300, end=-60, status="stopped")
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-30)
    assert _sparing_steps(chart) == [
        f"azathioprine stopped (Azathioprine 50 MG Oral Tablet [Imuran]) on {chart.at(-60)}"]


def test_a_glucocorticoid_restarted_long_after_a_course_ended_is_no_reduction(today):
    """Guard (clinician review): prednisone 40 mg ended two years ago, 20 mg restarted 40 days ago: the timeline
    reads nothing given between them, so the restart is a rise from none, not a fall from 40 mg."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-1000, end=-730, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-40)
    assert taper.taper_in_progress(*record_and_context(KB, chart)) == ()


def test_an_agent_stopped_then_planned_at_the_same_dose_is_neither_a_stop_nor_a_reduction(today):
    """Methotrexate 20 mg/week stopped before its end date and 20 mg/week again from 4 days on: the agent goes on at
    the same dose. Read as nothing given today, it was 'methotrexate stopped' (a withdrawn change), a taper that
    never happened."""
    chart = _on_prednisone()
    _weekly_mtx(chart, 20, start=-150, end=30, status="stopped")
    _weekly_mtx(chart, 20, start=4)
    assert _steps(chart, taper.taper_in_progress) == []


def test_a_glucocorticoid_stopped_before_a_lower_dose_planned_next_week_is_still_a_fall(today):
    """Prednisone 40 mg stopped before its end date, 30 mg planned from 7 days on: unlike a weekly agent's next dose,
    the daily glucocorticoid is not given until the planned order starts, so the fall by today stays a taper step
    (the planned order is not given today: courses.planned)."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-60, end=40, status="stopped")
    chart.medication(PREDNISONE_20, 30, "mg", start=7)
    (step,) = _steps(chart, taper.taper_in_progress)
    assert step.startswith("glucocorticoid stopped (was 40 mg/day PEQ)") and step.endswith(f"by {today} at the latest")


def test_an_order_that_never_began_is_not_what_a_planned_dose_reduces(today):
    """Methotrexate 20 mg/week given, 25 mg/week ordered from 2 days on and stopped before it began, 15 mg/week
    planned from 4 days on: the planned dose was compared with the 25 mg never given ('to be reduced from 25
    mg/week'). It reduces the latest order that began: 20 mg/week."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150)
    _weekly_mtx(chart, 25, 2, end=2, status="stopped")
    _weekly_mtx(chart, 15, 4)
    assert _sparing_steps(chart) == [
        f"methotrexate to be reduced from 20 mg/week to 15 mg/week on {chart.at(4)}"]


@pytest.mark.parametrize("dose", [20, 10], ids=["same-dose", "lower-dose"])
@pytest.mark.parametrize(("stopped", "restart", "follows"), [
    (-2, 4, True), (-3, 5, True), (-3, 11, True), (-3, 12, False), (-3, 150, False), (-60, 30, False)],
    ids=["next-week", "a-day-after-the-weekly-interval", "interval-plus-bridge", "a-day-more", "in-150-days",
         "stopped-60-days-ago"])
def test_a_planned_dose_continues_methotrexate_only_if_it_follows_without_a_break(today, stopped, restart, follows,
                                                                                 dose):
    """Methotrexate 20 mg/week stopped on ``stopped``, ``dose`` mg/week planned from ``restart``: a planned order hid
    the stop at any distance, and a lower one read 'to be reduced' where the stop was within 7 days of today (20
    mg/week stopped 3 days ago, 10 mg/week planned in 150 days: 'to be reduced ... on' day 150, and no stop; R21
    and R22 saw no taper step now). It continues the agent only where it starts within the weekly interval plus
    the 7-day bridge of the last dose (day 11 after a stop on day -3, not day 12): then no stop, and a lower dose
    is a reduction to come; else the stop stands and the planned order restarts the agent."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150, end=stopped, status="stopped")
    _weekly_mtx(chart, dose, restart)
    reduction = f"methotrexate to be reduced from 20 mg/week to 10 mg/week on {chart.at(restart)}"
    stop = f"methotrexate stopped ({MTX}) on {chart.at(stopped)}"
    expected = ([reduction] if dose < 20 else []) if follows else [stop]
    assert _sparing_steps(chart) == expected


@pytest.mark.parametrize("dose", [100, 50], ids=["same-dose", "lower-dose"])
@pytest.mark.parametrize(("restart", "follows"), [(5, True), (6, False)],
                         ids=["interval-plus-bridge", "a-day-more"])
def test_a_planned_dose_of_a_daily_agent_follows_within_a_day_and_the_bridge(today, restart, follows, dose):
    """Azathioprine 100 mg/day stopped 3 days ago, ``dose`` mg/day planned from ``restart``: a daily agent's next
    dose is due the next day, so a planned order follows on up to 1 + 7 days after its last dose."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 100, "mg", start=-150, end=-3, status="stopped")
    chart.medication(AZATHIOPRINE_50, dose, "mg", start=restart)
    reduction = f"azathioprine to be reduced from 100 mg/day to 50 mg/day on {chart.at(restart)}"
    expected = ([reduction] if dose < 100 else []) if follows else [f"azathioprine stopped ({AZA}) on {chart.at(-3)}"]
    assert _sparing_steps(chart) == expected


@pytest.mark.parametrize(("restart", "follows"), [(5, True), (6, False)],
                         ids=["a-day-plus-bridge", "a-day-more"])
def test_an_interval_that_cannot_be_read_is_read_as_daily(today, restart, follows):
    """Methotrexate 20 mg every 1 'fortnight' (a unit that cannot be read) stopped 3 days ago, 20 mg/week planned
    from ``restart``: its interval is read as a day, the shortest, so a stop is shown rather than hidden beyond 1 + 7
    days."""
    chart = _on_prednisone()
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-150, end=-3, status="stopped", period=1,
                     period_unit="fortnight")
    _weekly_mtx(chart, 20, restart)
    assert _sparing_steps(chart) == ([] if follows else [f"methotrexate stopped ({MTX}) on {chart.at(-3)}"])


@pytest.mark.parametrize(("restart", "follows"), [(14, True), (15, False)],
                         ids=["interval-plus-bridge", "a-day-more"])
def test_a_planned_dose_after_a_stop_on_an_unknown_day_follows_from_today(today, restart, follows):
    """Methotrexate 20 mg/week stopped before its end date (last given today at the latest), 10 mg/week planned
    from ``restart``: it follows on up to 7 + 7 days from today; later, the stop by today at the latest stands."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150, end=60, status="stopped")
    _weekly_mtx(chart, 10, restart)
    assert _sparing_steps(chart) == (
        [f"methotrexate to be reduced from 20 mg/week to 10 mg/week on {chart.at(restart)}"] if follows
        else [f"methotrexate stopped ({MTX}; stopped before its end date {chart.at(60)}, on a day the chart does not "
              f"give) by {today.isoformat()} at the latest"])


@pytest.mark.parametrize(("renewal", "follows"), [(4, True), (30, False)], ids=["renewal-follows", "after-a-break"])
def test_a_lower_dose_planned_after_a_planned_renewal_is_reduced_from_the_renewal(today, renewal, follows):
    """Methotrexate 20 mg/week completed 3 days ago, renewed at 20 mg/week from ``renewal`` to day 60 (planned: no
    dose given yet), 10 mg/week planned from day 61. The renewal runs until the lower dose takes over, so that is a
    reduction to come from the renewal's dose. The renewal hides the stop 3 days ago only where it follows on."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150, end=-3, status="completed")
    _weekly_mtx(chart, 20, renewal, end=60)
    _weekly_mtx(chart, 10, 61)
    stop = [] if follows else [f"methotrexate stopped ({MTX}) on {chart.at(-3)}"]
    reduction = f"methotrexate to be reduced from 20 mg/week to 10 mg/week on {chart.at(61)}"
    assert _sparing_steps(chart) == [*stop, reduction]


@pytest.mark.parametrize("dose", [20, 10], ids=["same-dose", "lower-dose"])
def test_a_planned_dose_after_an_order_on_hold_goes_on_from_it(today, dose):
    """Methotrexate 20 mg/week on hold (current on the chart: no day it was held is given, and a hold is no stop),
    ``dose`` mg/week planned in 150 days: the order on hold goes on until the planned one starts, so a lower dose is
    a reduction to come (a taper step shown, the safe side: R21 watches for a relapse during a taper), and the same
    dose is no step (as with no planned order)."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150, status="on-hold")
    _weekly_mtx(chart, dose, 150)
    assert _sparing_steps(chart) == (
        [f"methotrexate to be reduced from 20 mg/week to 10 mg/week on {chart.at(150)}"] if dose < 20 else [])


def test_a_lower_dose_planned_after_an_order_given_until_a_later_end_date_is_a_reduction_to_come(today):
    """Azathioprine 100 mg/day given now, its end date in 5 days, 50 mg/day planned from day 30: an end date after
    today is not read as a stop (it may be the prescription's validity), so the order goes on until the planned one
    starts: a reduction to come, as before (read as a break, no step at all would be shown)."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 100, "mg", start=-150, end=5)
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=30)
    assert _sparing_steps(chart) == [f"azathioprine to be reduced from 100 mg/day to 50 mg/day on {chart.at(30)}"]


@pytest.mark.parametrize("status", ["active", "completed"])
def test_an_order_that_ended_long_before_a_planned_dose_is_a_stop_then_a_restart(today, status):
    """Azathioprine 100 mg/day ended on its end date 20 days ago (``status``: left 'active' or 'completed'), 50
    mg/day planned from day 10, 30 days after, more than a day plus the 7-day bridge: a stop, then a restart (the
    planned order hid the stop, and read from today no reduction either: no taper step was seen)."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 100, "mg", start=-200, end=-20, status=status)
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=10)
    assert _sparing_steps(chart) == [f"azathioprine stopped ({AZA}) on {chart.at(-20)}"]


def test_a_cyclic_agent_planned_months_later_is_read_as_before(today):
    """Guard: rituximab is re-dosed months later by design. 1000 mg stopped 3 days ago with 1000 mg planned in 150
    days: the planned course goes on (no stop). 1000 mg x2 completed 160 days ago with 500 mg x2 planned in 20
    days: given more than 7 days ago, no reduction to come (unchanged)."""
    stopped = _on_prednisone().medication(RITUXIMAB, 1000, "mg", start=-20, end=-3, status="stopped", route=ROUTE_IV,
                                          period=14, count=2)
    stopped.medication(RITUXIMAB, 1000, "mg", start=150, route=ROUTE_IV, period=14, count=2)
    assert _sparing_steps(stopped) == []
    course = _on_prednisone().medication(RITUXIMAB, 1000, "mg", start=-174, route=ROUTE_IV, period=14, count=2,
                                         status="completed")
    course.medication(RITUXIMAB, 500, "mg", start=20, route=ROUTE_IV, period=14, count=2)
    assert _sparing_steps(course) == []


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_an_order_ended_with_no_end_date_then_a_lower_dose_is_a_reduction(today, status):
    """Guard (second review of the planned-order change): methotrexate 20 mg/week from 300 days ago, ``status`` with
    no end date, then 15 mg/week from 30 days ago: a reduction on its start, whatever day the old order was last
    given (R22 checks CK every 30 days, R21 judges it)."""
    chart = _weekly_mtx(_on_prednisone(), 20, -300, status=status)
    _weekly_mtx(chart, 15, -30)
    assert _sparing_steps(chart) == [
        f"methotrexate reduced from 20 mg/week to 15 mg/week on {chart.at(-30)}"]


def test_a_lower_dose_after_overlapping_orders_is_a_reduction(today):
    """Guard: azathioprine 100 mg/day current from 400 days ago, 150 mg/day from day -380 to -370, 50 mg/day from 10
    days ago; and methotrexate 20 mg/week current from 400 days ago, another 20 mg/week order from 300 days ago
    completed with no end date, 15 mg/week from 10 days ago: each is a reduction on its start."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 100, "mg", start=-400)
    chart.medication(AZATHIOPRINE_50, 150, "mg", start=-380, end=-370, status="completed")
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=-10)
    _weekly_mtx(chart, 20, -400)
    _weekly_mtx(chart, 20, -300, status="completed")
    _weekly_mtx(chart, 15, -10)
    assert sorted(_sparing_steps(chart)) == [
        f"azathioprine reduced from 150 mg/day to 50 mg/day on {chart.at(-10)}",
        f"methotrexate reduced from 20 mg/week to 15 mg/week on {chart.at(-10)}"]


@pytest.mark.parametrize("count", [2, 1], ids=["two-infusions", "one-infusion"])
def test_a_rituximab_course_at_a_lower_dose_months_later_is_a_reduction(today, count):
    """Guard: rituximab 1000 mg (``count`` infusions 14 days apart) from 200 days ago, then 500 mg the same way from
    10 days ago: a reduction per dosing day on the new course's start."""
    chart = _on_prednisone()
    for mg, start in ((1000, -200), (500, -10)):
        chart.medication(RITUXIMAB, mg, "mg", start=start, route=ROUTE_IV, period=14, count=count,
                         status="completed")
    assert _sparing_steps(chart) == [
        f"rituximab reduced from 1,000 mg to 500 mg (per day it is given) on {chart.at(-10)}"]


@pytest.mark.parametrize(("start", "counted"), [(170, True), (200, False)])
def test_a_planned_reduction_counts_as_far_ahead_as_a_past_one_back(today, start, counted):
    """Methotrexate 20 mg/week given, 15 mg/week planned from ``start``: a reduction counts within the 180 days
    (taper_sparing_window_days) a past one does, not 200 days ahead (R22 read a taper in progress for it)."""
    chart = _weekly_mtx(_on_prednisone(), 20, -150)
    _weekly_mtx(chart, 15, start)
    expected = [f"methotrexate to be reduced from 20 mg/week to 15 mg/week on {chart.at(start)}"] if counted else []
    assert _sparing_steps(chart) == expected


def test_an_ivig_draft_whose_days_are_only_in_its_text_is_not_judged(today):
    """1 g/kg with no timing, its text 'daily for 2 days', after 2 g/kg one-day cycles: read as one administration
    it was 'reduced from 140 g to 70 g per cycle' (R21 asked to hold the reduction). Its days are not read, so its
    cycle is not judged; with the same days written in its timing it is."""
    chart = _on_prednisone()
    chart.ivig_cycles((-84, 2, 1), (-56, 2, 1), (-28, 2, 1))
    chart.draft(IVIG_CVX, 1, "g/kg", start=0, route=ROUTE_IV)
    instruction = chart.drafts[-1]["dosageInstruction"][0]
    del instruction["timing"]
    instruction["text"] = "1 g/kg IV daily for 2 days"
    assert _ivig_drafts(chart) == []


def test_a_lower_dose_planned_after_an_order_of_a_status_that_does_not_say_is_a_reduction_to_come(today):
    """Azathioprine 150 mg/day of status 'unknown' (read as given; no stop of it is read) to day 60, 100 mg/day
    planned from day 61: read as a break, neither a stop nor a reduction was shown."""
    chart = _on_prednisone().medication(AZATHIOPRINE_50, 150, "mg", start=-300, end=60, status="unknown")
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=61)
    assert _sparing_steps(chart) == [f"azathioprine to be reduced from 150 mg/day to 100 mg/day on {chart.at(61)}"]


def test_a_planned_lower_dose_after_a_stop_another_order_hides_is_a_reduction_to_come(today):
    """Methotrexate 15 mg/week left 'active' since day -400, 25 mg/week stopped 3 days ago (its stop hidden by the
    order still given), 10 mg/week planned from day 30: the agent goes on, so the planned dose is a reduction."""
    chart = _weekly_mtx(_on_prednisone(), 15, -400)
    _weekly_mtx(chart, 25, -60, end=-3, status="stopped")
    _weekly_mtx(chart, 10, 30)
    assert _sparing_steps(chart) == [f"methotrexate to be reduced from 25 mg/week to 10 mg/week on {chart.at(30)}"]


# ---------------------------------------------------------------- orders whose timing cannot be read

def _prednisone_then(today, **odd_timing) -> Chart:
    """Prednisone 20 mg to D-61 (its timing given ``odd_timing``), then 15 mg from D-60."""
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-300, end=-61, status="completed", **odd_timing)
    chart.medication(PREDNISONE_5, 15, "mg", start=-60)
    return chart


@pytest.mark.parametrize(("odd_timing", "said"), [
    ({"period": -1}, "timing not readable (frequency 1, period -1 d)"),
    ({"frequency": -1, "period_unit": "wk"}, "timing not readable (frequency -1, period 1 wk)"),
    ({"frequency": -1, "frequency_max": 2}, None),  # read at its frequencyMax
    ({}, None),
])
def test_timing_not_read_says_what_the_timing_writes(today, odd_timing, said):
    record, _ = record_and_context(KB, _prednisone_then(today, **odd_timing))
    assert dosing.timing_not_read(record.medications[0]) == said


def test_a_step_hidden_in_an_order_whose_timing_is_not_read_is_named_not_read_as_none(today):
    """The 20 mg order's timing cannot be read: no step is read (15 mg reads as a start), and the order is named."""
    record, context = record_and_context(KB, _prednisone_then(today, period=-1))
    assert taper.taper_in_progress(record, context) == ()
    assert taper.doses_not_read(record, context) == [
        "prednisone 20 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"]


def test_an_order_whose_timing_is_not_read_last_given_before_the_window_is_not_named(today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-300, end=-91, status="completed", period=-1)
    chart.medication(PREDNISONE_5, 15, "mg", start=-90)
    assert taper.doses_not_read(*record_and_context(KB, chart)) == []


def test_a_draft_whose_timing_is_not_read_with_nothing_given_is_no_reduction_to_judge(today):
    """Nothing given to reduce from: a prednisone draft whose timing cannot be read is not named; with 20 mg given,
    it is."""
    chart = Chart(today).draft(PREDNISONE_5, 15, "mg", period=-1)
    record, context = record_and_context(KB, chart, "order-sign")
    assert taper.draft_doses_not_read(record, context, context.draft_orders) == []
    chart.medication(PREDNISONE_20, 20, "mg", start=-30)
    record, context = record_and_context(KB, chart, "order-sign")
    assert taper.draft_doses_not_read(record, context, context.draft_orders) == [
        "prednisone 5 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"]


def test_possible_relapse_with_a_step_not_read_is_missing_not_called(today):
    """With no step read but an order that may hide one, a CK that would mean a relapse is not called: it is
    said missing, with the order; a CK that means none is read as none."""
    record, context = record_and_context(KB, tapering_chart(today, taper=False))
    check = taper.possible_relapse(record, context, taper=(), unread=["prednisone: timing not readable (period -1 d)"])
    assert not check.possible
    assert check.missing is not None and check.missing.startswith(
        "a dose reduction may be hidden in an order whose daily dose is not read (prednisone: timing not readable "
        "(period -1 d)), and latest CK 600")
    calm = taper.possible_relapse(*record_and_context(KB, tapering_chart(today, taper=False, latest_ck=150)),
                                  taper=(), unread=["prednisone: timing not readable (period -1 d)"])
    assert not calm.possible and calm.missing is None and calm.reason.endswith("is not above the ULN")
    assert taper.possible_relapse(record, context, taper=()).reason == "no taper in progress"


@pytest.mark.parametrize("period", [-1, 1], ids=["timing not read", "read"])
def test_an_order_running_unchanged_since_before_the_window_hides_no_step(today, period):
    """Prednisone 10 mg a day since day -800 (after 60 mg to day -801), its period -1: nothing can change within
    the taper window, so it is not named (R21 said 'a dose reduction may be hidden' and R22 asked for a CK every 30
    days for as long as the order was active; found by review). It reads as the same chart with a readable timing."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-1500)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1480, end=-801, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-800, period=period)
    record, context = record_and_context(KB, chart)
    assert taper.doses_not_read(record, context) == []
    assert taper.taper_in_progress(record, context) == ()


READ_ONLY = "in the doses that can be read (prednisone 20 MG Oral Tablet, given then too: dose not read)"


@pytest.mark.parametrize(("unread_from", "ended", "said"), [
    (-29, None, f"glucocorticoid lowered from 20 to 0 mg/day PEQ {READ_ONLY} on D-29"),  # took over the next day
    (-200, None, f"glucocorticoid lowered from 20 to 0 mg/day PEQ {READ_ONLY} on D-29"),  # given all along
    (-200, -31, "glucocorticoid stopped (was 20 mg/day PEQ) on D-29"),  # over before the fall: no longer given
], ids=["took over", "given all along", "over before"])
def test_a_fall_beside_a_glucocorticoid_whose_dose_is_not_read_is_never_a_stop(today, unread_from, ended, said):
    """Prednisone 20 mg to D-30, and another prednisone order whose timing cannot be read: the timeline leaves it out,
    so it fell to 0 on D-29, read as 'glucocorticoid stopped' though a glucocorticoid was still given. Only the doses
    that can be read fell, and the order is named (one that began then may carry the dose on)."""
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-300, end=-30, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=unread_from, frequency=-1,
                     **({"end": ended, "status": "completed"} if ended else {}))
    record, context = record_and_context(KB, chart)
    assert [str(step) for step in taper.taper_in_progress(record, context)] == [
        said.replace("D-29", (today - timedelta(days=29)).isoformat())]


def test_an_order_ended_on_a_day_not_given_beside_one_whose_dose_is_not_read_is_no_stop(today):
    """The fall of an order that ended before its end date (by today at the latest) beside a glucocorticoid given
    today whose dose is not read: only the doses that can be read fell."""
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-199, end=30, status="stopped")
    chart.medication(PREDNISONE_20, 20, "mg", start=-250, frequency=-1)
    record, context = record_and_context(KB, chart)
    [step] = taper.taper_in_progress(record, context)
    assert step.at_the_latest and step.day == today
    assert step.what.startswith(f"glucocorticoid lowered from 20 to 0 mg/day PEQ {READ_ONLY} (prednisone 20 MG")



def _dose_not_read(chart: Chart, index: int) -> Chart:
    """The chart's ``index``-th order with a dose in a unit no mg can be read from."""
    chart.resources["medications"][index]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 2, "unit": "puff"}
    return chart


def test_an_order_whose_dose_is_not_read_may_hide_a_step_and_is_named(today):
    """Prednisone 20 mg to D-61 in a unit that cannot be read as mg, then 15 mg: it was left off the timeline, so the
    15 mg read as a start, and R21 said 'no taper in progress' (only an unreadable timing was named). Its dose is
    named as what hides the step."""
    record, context = record_and_context(KB, _dose_not_read(_prednisone_then(today), 0))
    assert taper.taper_in_progress(record, context) == ()
    assert taper.doses_not_read(record, context) == ["prednisone 20 MG Oral Tablet: dose not read in mg (2 puff)"]


@pytest.mark.parametrize("odd", ["timing", "dose"])
def test_a_first_course_whose_dose_is_not_read_lowers_nothing(today, odd):
    """Prednisone begun 20 days ago, nothing before it, its dose not read: it can hide no reduction (its start is no
    fall; it has not ended), so it is not named (R21 was not evaluable, R22 asked for a CK every 30 days). The same
    order after 20 mg given up to the day before it is named."""
    chart = Chart(today).medication(PREDNISONE_5, 15, "mg", start=-20, **({"period": -1} if odd == "timing" else {}))
    chart = _dose_not_read(chart, 0) if odd == "dose" else chart
    assert taper.doses_not_read(*record_and_context(KB, chart)) == []
    chart.medication(PREDNISONE_20, 20, "mg", start=-300, end=-21, status="completed")
    [named] = taper.doses_not_read(*record_and_context(KB, chart))
    assert named.startswith("prednisone 5 MG Oral Tablet: ")


def test_a_planned_first_course_with_no_weight_lowers_nothing(today):
    """Prednisone 1 mg/kg planned from D+5 with no weight (its dose not read): nothing is given, so it is not named;
    with 20 mg given today, it is."""
    chart = Chart(today).medication(PREDNISONE_20, 1, "mg/kg", start=5)
    assert taper.doses_not_read(*record_and_context(KB, chart)) == []
    chart.medication(PREDNISONE_20, 20, "mg", start=-60)
    assert taper.doses_not_read(*record_and_context(KB, chart)) == [
        "prednisone 20 MG Oral Tablet: 1 mg/kg with no current weight"]


def _names(today, *orders: dict) -> list[str]:
    """doses_not_read on a chart of prednisone orders given as Chart.medication keyword sets (PREDNISONE_20 unless
    ``code``); an order with ``dose=None`` has no dose, only text."""
    chart = Chart(today)
    for order in orders:
        order = dict(order)
        chart.medication(order.pop("code", PREDNISONE_20), order.pop("dose", 20), order.pop("unit", "mg"), **order)
    return taper.doses_not_read(*record_and_context(KB, chart))


def test_which_courses_whose_dose_is_not_read_may_hide_a_step(today):
    """Found by reviews. A first course that ended before its end date may hide its stop; a course after another
    whose dose is not read that ended before the window, after an old order left open or one closed with no date,
    or beside a dose that goes on may carry a dose on at a lower one; an order with no scheduled dose (text only)
    is not on the timeline either. A readable order with no start date has nothing about its dose to name."""
    for over in ({"end": 30, "status": "stopped"}, {"status": "stopped"}, {"status": "completed"}):
        # its stop may be the step, its end date given or not
        assert _names(today, {"start": -60, "period": -1, **over}) == [
            "prednisone 20 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"], over
    assert _names(today, {"start": -300, "end": -91, "status": "completed", "period": -1},
                  {"start": -88, "dose": 15, "code": PREDNISONE_5, "period": -1}) == [
        "prednisone 5 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"]
    assert _names(today, {"start": -300, "end": -61, "status": "completed", "dose": None, "unit": None,
                          "text": "as directed"}, {"start": -60, "dose": 15, "code": PREDNISONE_5}) == [
        "prednisone 20 MG Oral Tablet: no scheduled dose given"]
    for earlier in ({"start": -1199}, {"start": -1199, "status": "on-hold"}, {"start": -1199, "status": "stopped"},
                    {"start": -1199, "status": "completed"}, {"start": -300, "dose": 5, "code": PREDNISONE_5}):
        assert _names(today, earlier, {"start": -60, "dose": 15, "code": PREDNISONE_5, "period": -1}) == [
            "prednisone 5 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"], earlier
    assert _names(today, {"start": None, "dose": 10}) == []
    # a readable dose begun after it may replace it, the course left open
    assert _names(today, {"start": -60, "dose": 15, "code": PREDNISONE_5, "period": -1},
                  {"start": -10, "dose": 10}) == [
        "prednisone 5 MG Oral Tablet: timing not readable (frequency 1, period -1 d)"]
    # after IV methylprednisolone pulses, the first oral course is still a lone course (a pulse's step down is no
    # taper)
    assert _names(today, {"code": METHYLPRED_1000, "dose": 1000, "start": -25, "end": -23, "status": "completed",
                          "route": ROUTE_IV}, {"start": -22, "dose": 1, "unit": "mg/kg"}) == []


# ------------------------------------------------------------- planned glucocorticoid steps; drafts step by step

def _steps_of(chart: Chart) -> list[str]:
    return [str(step) for step in taper.taper_in_progress(*record_and_context(KB, chart))]


def test_a_planned_lower_glucocorticoid_dose_is_a_reduction_to_come(today):
    """As a steroid-sparing agent's (the planned-reduction row of docs/clinical-validation.md): a lower step of a
    taper order, or a lower order planned after the one given (after a gap too: an end date after today is no stop),
    within taper_gc_window_days ahead, is a reduction dated at its start. It was not read at all (the timeline ends
    today)."""
    on = today + timedelta(days=6)
    one_order = Chart(today).taper_order(PREDNISONE_20, [(20, 155), (15, None)], start=-149)
    assert _steps_of(one_order) == [f"glucocorticoid to be lowered from 20 to 15 mg/day PEQ on {on}"]
    for gap in (0, 3):
        chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-149, end=5 - gap)
        assert _steps_of(chart.medication(PREDNISONE_5, 15, "mg", start=6)) == [
            f"glucocorticoid to be lowered from 20 to 15 mg/day PEQ on {on}"]
    stop = Chart(today).taper_order(PREDNISONE_20, [(20, 155), (0, None)], start=-149)
    (step,) = taper.taper_in_progress(*record_and_context(KB, stop))
    assert str(step) == f"glucocorticoid to be stopped (was 20 mg/day PEQ) on {on}" and step.stop


@pytest.mark.parametrize(("end", "planned", "why"), [
    (5, lambda chart: chart.medication(PREDNISONE_5, 15, "mg", start=91), "beyond the 90-day window"),
    (5, lambda chart: chart.medication(PREDNISONE_20, 20, "mg", start=6), "the same dose"),
    (5, lambda chart: chart, "an end date alone"),
    (None, lambda chart: chart.medication(PREDNISONE_5, 5, "mg", start=6, frequency=2), "a dose added beside it"),
])
def test_a_planned_glucocorticoid_order_that_gives_no_less_is_no_step(today, end, planned, why):
    """Prednisone 20 mg given, its order ending on ``end`` (the prescription's validity, perhaps): only a dose that
    starts lower than what is given before it counts, within the window a past step counts back."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-149, end=end)
    assert _steps_of(planned(chart)) == [], why


def _on_prednisone_and_azathioprine(today) -> Chart:
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-60, resource_id="pred-20")
    return chart.medication(AZATHIOPRINE_50, 100, "mg", start=-150)


def test_drafts_are_judged_with_what_they_leave_on_the_chart(today):
    """What the patient is given if the drafts are signed (continuing.on_chart, as R06 reads it): prednisone 5 mg
    twice a day beside 20 mg once is 30 mg, and azathioprine 25 mg twice a day beside 100 mg once adds to it: no
    reduction (each draft read alone was 'from 20 to 10', 'from 100 to 50'). 15 mg, or 50 mg, written as the same
    prescription again is a reduction, as ever."""
    beside = _on_prednisone_and_azathioprine(today).draft(PREDNISONE_5, 5, "mg", frequency=2, resource_id="pred")
    assert _draft_reductions(beside.draft(AZATHIOPRINE_50, 25, "mg", frequency=2, resource_id="aza")) == {}
    again = _on_prednisone_and_azathioprine(today).draft(PREDNISONE_5, 15, "mg", resource_id="pred")
    assert _draft_reductions(again.draft(AZATHIOPRINE_50, 50, "mg", resource_id="aza")) == {
        "pred": "draft lowers the glucocorticoid from 20 to 15 mg/day PEQ (prednisone 5 MG Oral Tablet)",
        "aza": "draft reduces azathioprine from 100 mg/day to 50 mg/day"}


def _draft_in_steps(today, steps: list[tuple[float, int | None]]) -> list[taper.DraftReduction]:
    chart = draft_in_steps(_on_prednisone_and_azathioprine(today), steps, "steps")
    record, context = record_and_context(KB, chart, "order-sign")
    return taper.draft_reductions(record, context, context.draft_orders)


def test_a_draft_in_steps_is_judged_by_its_steps_with_their_dates(today):
    """A re-escalation (40, 30, 20 mg for 14 days each, then 15 mg, replacing the 20 mg) was read by its lowest step
    alone, as a reduction today. Step by step, the reduction is the first step below today's dose, dated when it
    starts, and it escalates (cancelling the draft would undo the escalation). A taper keeping today's dose for 14
    days is a reduction from day 14, which does not escalate; an escalation that stays above is none."""
    (found,) = _draft_in_steps(today, [(40, 14), (30, 14), (20, 14), (15, None)])
    assert found.escalates and found.step.day == today + timedelta(days=42)
    assert found.step.what == ("draft raises the glucocorticoid (up to 40 mg/day PEQ), then lowers it below today's "
                               "20, to 15 mg/day PEQ (prednisone 5 MG Oral Tablet)")
    (found,) = _draft_in_steps(today, [(20, 14), (15, 14), (10, None)])
    assert not found.escalates and found.step.day == today + timedelta(days=14)
    assert found.step.what == ("draft lowers the glucocorticoid from 20 to 15 mg/day PEQ (prednisone 5 MG Oral "
                               f"Tablet; 10 mg/day PEQ from {today + timedelta(days=28)})")
    assert _draft_in_steps(today, [(40, 14), (30, 14), (20, None)]) == []


def test_drafts_written_as_separate_orders_step_from_one_to_the_next(today):
    """A taper written as two drafts, 20 mg for 14 days then 15 mg from day 14: the reduction is on day 14 (the first
    draft's end is read as its step to the next), for both drafts."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-60)
    chart.draft(PREDNISONE_20, 20, "mg", end=13, resource_id="first").draft(PREDNISONE_5, 15, "mg", start=14,
                                                                            resource_id="then")
    record, context = record_and_context(KB, chart, "order-sign")
    found = taper.draft_reductions(record, context, context.draft_orders)
    assert {r.order.id for r in found} == {"first", "then"} and {r.step.day for r in found} == {
        today + timedelta(days=14)}


def test_a_draft_is_not_read_as_lowering_what_the_chart_itself_plans(today):
    """Prednisone 20 mg to day 6 and 15 mg planned from day 7 on the chart, hydrocortisone drafted beside from day 10:
    the fall to 15 is the chart's own (a reduction to come, read from the chart), not the draft's."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-60, end=6)
    chart.medication(PREDNISONE_5, 15, "mg", start=7)
    chart.draft((RXNORM, "197787", "hydrocortisone 10 MG Oral Tablet"), 10, "mg", start=10)
    assert _draft_reductions(chart) == {}
    assert _steps_of(chart) == [f"glucocorticoid to be lowered from 20 to 15 mg/day PEQ on {today + timedelta(days=7)}"]


def test_a_glucocorticoid_stopped_with_none_given_or_planned_is_named(today):
    """taper.glucocorticoid_stopped: the last stop when no glucocorticoid is given or planned (R21 then raises a
    restart rather than a hold); none with a dose given today or a restart planned."""
    chart = off_glucocorticoids_chart(today)
    record, context = record_and_context(KB, chart)
    step = taper.glucocorticoid_stopped(record, context, taper.taper_in_progress(record, context))
    assert step is not None and str(step) == (f"glucocorticoid stopped (was 5 mg/day PEQ) on "
                                              f"{today - timedelta(days=60)}")
    record, context = record_and_context(KB, off_glucocorticoids_chart(today).medication(PREDNISONE_5, 5, "mg",
                                                                                        start=3))
    assert taper.glucocorticoid_stopped(record, context, taper.taper_in_progress(record, context)) is None


def test_a_statin_is_a_cause_to_rule_out_unless_statins_are_contraindicated(today):
    """Outside anti-HMGCR (and statin-associated) myopathy a statin since the nadir is one more cause of a CK rise
    among the caveats; in it, a relapse trigger (RelapseCheck.statins), R21 says to stop it."""
    chart = tapering_chart(today).without_observations(ANTI_HMGCR[1]).antibody("anti_hmgcr", "negative", day=-205)
    chart.medication("atorvastatin 10 MG Oral Tablet", 10, "mg", start=-20)
    check = taper.possible_relapse(*record_and_context(KB, chart))
    assert check.statins == [] and any("atorvastatin" in caveat for caveat in check.caveats)


def _methotrexate_stop(today: date, reason: dict[str, object]) -> taper.TaperStep:
    """The one taper step of weekly methotrexate stopped on D-20, its order carrying ``reason`` (its statusReason)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-300)
    stopped = chart.medication_request(METHOTREXATE_2_5, 20, "mg", start=-200, end=-20, status="stopped", period=1,
                                       period_unit="wk")
    chart.resources["medications"].append({**stopped, **reason})
    (step,) = taper.sparing_reductions(*record_and_context(KB, chart))
    return step


@pytest.mark.parametrize(("status_reason", "read"), [
    ({"coding": [{"system": "http://snomed.info/sct", "code": "281647001", "display": "Adverse reaction"}],
      "text": "Stopped: methotrexate hepatotoxicity"}, "Stopped: methotrexate hepatotoxicity"),
    ({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/medicationrequest-status-reason",
                  "code": "sintol"}]}, "suspected intolerance"),  # a code alone, named
    ([{"text": "pancytopenia"}], "pancytopenia"),  # a MedicationStatement lists its reasons
    ({"text": "Drug intolerance (nausea)"}, "Drug intolerance (nausea)"),
    ({"text": "In remission, no adverse effects"}, None),  # named only to rule it out
    # review 426 item 2: a toxicity named, not only the words 'adverse', 'intolerance' or 'toxic'
    ({"text": "MTX pneumonitis"}, "MTX pneumonitis"),
    ({"text": "Raised LFTs"}, "Raised LFTs"),
    ({"text": "Elevated liver enzymes"}, "Elevated liver enzymes"),
    ({"text": "Transaminases elevated"}, "Transaminases elevated"),
    ({"text": "Mouth ulcers"}, "Mouth ulcers"),
    ({"text": "Thrombocytopenias"}, "Thrombocytopenias"),
    ({"text": "LFTs not raised; patient preference"}, None),
    ({"text": "In remission: no mouth ulcers or cytopenias"}, None),
    ({"text": "Patient preference"}, None),
    ({"coding": "not a list"}, None),  # malformed: no reason, and the order keeps its checks
    ("hepatotoxicity", None),
])
def test_a_stop_for_an_adverse_reaction_is_read_from_the_status_reason(today, status_reason, read):
    """Review 424 item 4: R21 advised restoring methotrexate stopped for hepatotoxicity; the step carries why."""
    step = _methotrexate_stop(today, {"statusReason": status_reason})
    assert step.stop and step.adverse_reaction == read


@pytest.mark.parametrize(("status_reason", "unexplained"), [
    (None, True), ({"coding": "not a list"}, True), ({"text": "In remission"}, False), ({"text": "Raised LFTs"}, False),
])
def test_a_stop_with_no_reason_on_the_chart_is_unexplained(today, status_reason, unexplained):
    """Review 426 item 2: with no statusReason R21 cannot tell a stop for toxicity from one in remission."""
    step = _methotrexate_stop(today, {} if status_reason is None else {"statusReason": status_reason})
    assert step.unexplained is unexplained
