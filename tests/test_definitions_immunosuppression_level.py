"""High- and low-level immunosuppression (section 4.2): threshold edges on both sides, windows, missing weights."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_SC,
    Chart,
)
from hooks.context import HookContext
from hooks.definitions.immunosuppression_level import (
    Thresholds,
    ends_not_given,
    exposures,
    high_level_immunosuppression,
    low_level,
    unknown_level,
)
from hooks.record import build_record
from tests.conftest import TODAY
from tests.definitions_support import record_and_context


def _levels(kb, chart: Chart, thresholds: Thresholds | None = None):
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    context = HookContext(hook="patient-view", today=chart.today, thresholds=kb.thresholds, valuesets=kb.valuesets)
    return (high_level_immunosuppression(record, context, thresholds), low_level(record, context, thresholds),
            unknown_level(record, context, thresholds))


def test_prednisone_20_mg_for_14_days_is_high(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-13)
    high, low, _ = _levels(kb, chart)
    assert [e.agent for e in high] == ["glucocorticoid"] and not low
    assert "14 days" in high[0].evidence


def test_prednisone_20_mg_for_13_days_is_low(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-12)
    high, low, _ = _levels(kb, chart)
    assert not high and [e.agent for e in low] == ["glucocorticoid"]
    assert "only 13 days" in low[0].evidence


def test_prednisone_20_mg_renewed_a_day_late_is_high(kb, today):
    """A week, a day with no order, a week: 15 days at 20 mg/day, not two runs of 7."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-14, end=-8, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-6)
    high, low, _ = _levels(kb, chart)
    assert [e.agent for e in high] == ["glucocorticoid"] and not low
    gap = chart.at(-7)
    assert "for 15 days" in high[0].evidence and f"; a short gap on {gap} is counted" in high[0].evidence


def test_prednisone_below_20_mg_is_low_however_long(kb, today):
    chart = Chart(today).medication(PREDNISONE_5, 17.5, "mg", start=-200)
    high, low, _ = _levels(kb, chart)
    assert not high and "17.5 mg/day" in low[0].evidence


def test_high_dose_course_that_ended_within_30_days_still_counts(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-60, end=-30, status="completed")
    assert _levels(kb, chart)[0]
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-60, end=-31, status="completed")
    high, low, _ = _levels(kb, chart)
    assert not high and not low


def _mtx(chart: Chart, mg: float) -> Chart:
    return chart.medication(METHOTREXATE_2_5, mg, "mg", start=-60, period=1, period_unit="wk")


def test_methotrexate_threshold_is_per_kg_per_week(kb, today):
    high, low, _ = _levels(kb, _mtx(Chart(today).weight(50), 20))  # 0.40 mg/kg/week: not above
    assert not high and low and "0.40 mg/kg/week <= 0.4" in low[0].evidence
    high, low, _ = _levels(kb, _mtx(Chart(today).weight(50), 22.5))  # 0.45 mg/kg/week
    assert high and not low and high[0].agent == "methotrexate"


def test_methotrexate_without_current_weight_is_unknown(kb, today):
    high, low, unknown = _levels(kb, _mtx(Chart(today).weight(50, day=-31), 20))
    assert not high and not low and "no current weight" in unknown[0].evidence


def test_azathioprine_threshold_is_per_kg_per_day(kb, today):
    chart = Chart(today).weight(50).medication(AZATHIOPRINE_50, 150, "mg", start=-90)
    high, low, _ = _levels(kb, chart)
    assert not high and low[0].agent == "azathioprine"
    chart = Chart(today).weight(50).medication(AZATHIOPRINE_50, 200, "mg", start=-90)
    high, _, _ = _levels(kb, chart)
    assert high[0].agent == "azathioprine" and "4.00 mg/kg/day" in high[0].evidence


def test_mycophenolate_is_always_high(kb, today):
    chart = Chart(today).medication("mycophenolate mofetil 500 MG Oral Tablet", 500, "mg", start=-30, frequency=2)
    high, _, _ = _levels(kb, chart)
    assert [e.agent for e in high] == ["mycophenolate"]


def test_rituximab_within_12_months_is_high_and_not_after(kb, today):
    """A single infusion (a repeating order that ended on a day the chart does not give is judged at its worst)."""
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-365, status="completed", timing_code="ONCE")
    assert [e.agent for e in _levels(kb, chart)[0]] == ["anti-CD20"]
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-366, status="completed", timing_code="ONCE")
    assert not _levels(kb, chart)[0]


def test_thresholds_can_be_overridden(kb, today):
    chart = Chart(today).medication(PREDNISONE_5, 15, "mg", start=-40)
    assert not _levels(kb, chart)[0]
    assert _levels(kb, chart, Thresholds(peq_mg=15))[0]


def test_no_immunosuppression_gives_nothing(kb, today):
    chart = Chart(today).medication("ezetimibe 10 MG Oral Tablet", 10, "mg", start=-30)
    record = build_record(chart.prefetch(), kb.valuesets, today)
    context = HookContext(hook="patient-view", today=today, thresholds=kb.thresholds, valuesets=kb.valuesets)
    assert exposures(record, context) == []


def test_glucocorticoid_with_unreadable_dose_is_unknown_until_30_days_after_its_end_date(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, None, None, start=-60, end=-30, status="active")
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and [e.agent for e in unknown] == ["glucocorticoid"]
    assert "dose could not be read" in unknown[0].evidence
    chart = Chart(today).medication(PREDNISONE_20, None, None, start=-60, end=-31, status="active")  # left active
    assert _levels(kb, chart) == ([], [], [])


def test_an_order_left_active_after_its_end_is_described_by_its_last_dose(kb, today):
    """Rituximab left 'active' after its end 100 days ago was described as 'current' on the cards."""
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-114, end=-100, status="active", period=14, count=2)
    high, _, _ = _levels(kb, chart)
    assert "last given" in high[0].evidence and "current" not in high[0].evidence


# An order that says it stopped (or completed) but not when: read as given on its start day only, a methotrexate
# started 200 days ago let a live vaccine pass, though it may have stopped yesterday. It is judged at its worst.
UNKNOWN_STOP = "stopped on a day the chart does not give; judged as if taken until today"
WEEKLY = {"period": 1, "period_unit": "wk"}


def _stopped_mtx(mg: float, start: int = -200, status: str = "stopped", **kwargs) -> Chart:
    return Chart(TODAY).weight(60).medication(METHOTREXATE_2_5, mg, "mg", start=start, status=status,
                                              **(WEEKLY | kwargs))


def _as_needed(chart: Chart) -> Chart:
    """The last medication order taken as needed (PRN)."""
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    return chart


def test_methotrexate_high_if_taken_until_today_is_unknown(kb, today):
    high, low, unknown = _levels(kb, _stopped_mtx(25, -200))  # 25 mg/week at 60 kg: 0.42 mg/kg/week
    assert not high and not low and [e.agent for e in unknown] == ["methotrexate"]
    assert UNKNOWN_STOP in unknown[0].evidence and "0.42 mg/kg/week > 0.4" in unknown[0].evidence


MYCOPHENOLATE = "mycophenolate mofetil 500 MG Oral Tablet"


@pytest.mark.parametrize(("drug", "dose", "timing", "window"), [
    (METHOTREXATE_2_5, 25, WEEKLY, 30),  # 0.42 mg/kg/week at 60 kg: one dose decides
    (MYCOPHENOLATE, 1000, {"frequency": 2}, 30),  # any dose is high
    (RITUXIMAB, 1000, {"period": 6, "period_unit": "mo"}, 365),  # anti-CD20 within 12 months is high
])
def test_an_order_begun_within_the_window_and_stopped_on_an_unknown_day_is_high(kb, today, drug, dose, timing,
                                                                                 window):
    """Begun within the window, it was given within it for certain, whenever it stopped; where one dose decides
    the level, that level is known: high (it was 'unknown', could not be shown to be low). Begun before the window,
    only the assumed stop puts it in: unknown."""
    inside = Chart(today).weight(60).medication(drug, dose, "mg", start=1 - window, status="stopped", **timing)
    high, _, unknown = _levels(kb, inside)
    assert len(high) == 1 and not unknown and "judged as if taken until today" in high[0].evidence
    before = Chart(today).weight(60).medication(drug, dose, "mg", start=-1 - window, status="stopped", **timing)
    high, _, unknown = _levels(kb, before, Thresholds(unknown_stop_lookback_days=400))
    assert not high and len(unknown) == 1


@pytest.mark.parametrize("start", [-200, -20])
def test_methotrexate_low_even_if_taken_until_today_is_low(kb, today, start):
    high, low, unknown = _levels(kb, _stopped_mtx(7.5, start))
    assert not high and not unknown and UNKNOWN_STOP in low[0].evidence and "0.12 mg/kg/week <= 0.4" in low[0].evidence


@pytest.mark.parametrize("start", [-200, -20])
def test_prednisone_40_mg_stopped_on_an_unknown_day_is_unknown(kb, today, start):
    """Taken until today it is 40 mg/day for 201 (or 21) days: high, so its level could not be shown to be low.
    Started 20 days ago it was read as one day at 40 mg (low)."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=start, status="stopped")
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and [e.agent for e in unknown] == ["glucocorticoid"]
    assert f"for {1 - start} days" in unknown[0].evidence and UNKNOWN_STOP in unknown[0].evidence


def test_prednisone_5_mg_completed_on_an_unknown_day_is_low_and_says_completed(kb, today):
    """The evidence said 'stopped' for a completed order."""
    chart = Chart(today).medication(PREDNISONE_5, 5, "mg", start=-200, status="completed")
    high, low, unknown = _levels(kb, chart)
    assert not high and not unknown and "up to 5 mg/day (< 20 mg/day)" in low[0].evidence
    assert "completed on a day the chart does not give; judged as if taken until today" in low[0].evidence


def test_mycophenolate_or_an_unreadable_glucocorticoid_stopped_on_an_unknown_day_is_unknown(kb, today):
    chart = Chart(today).medication("mycophenolate mofetil 500 MG Oral Tablet", 1000, "mg", start=-200,
                                    status="stopped", frequency=2)
    chart.medication(PREDNISONE_20, None, None, start=-200, status="stopped")
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and sorted(e.agent for e in unknown) == ["glucocorticoid", "mycophenolate"]
    assert all(UNKNOWN_STOP in e.evidence for e in unknown)


@pytest.mark.parametrize("written", [{"end": -100}, {"count": 20}, {"timing_code": "ONCE"}])
def test_a_stopped_order_whose_end_is_written_or_that_does_not_repeat_is_read_as_before(kb, today, written):
    """An end date, a count of doses, or a single administration (no repeating timing) says when it ended."""
    assert _levels(kb, _stopped_mtx(25, **written)) == ([], [], [])


def test_a_stopped_order_with_a_supply_is_read_by_it(kb, today):
    chart = _stopped_mtx(25)
    chart.resources["medications"][-1]["dispenseRequest"] = {
        "expectedSupplyDuration": {"value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
    assert _levels(kb, chart) == ([], [], [])


def test_an_order_started_before_the_look_back_is_read_as_before(kb, today):
    assert _levels(kb, _stopped_mtx(25, start=-365))[2]
    assert _levels(kb, _stopped_mtx(25, start=-366)) == ([], [], [])
    assert _levels(kb, _stopped_mtx(25, start=-366), Thresholds(unknown_stop_lookback_days=400))[2]


def test_a_later_order_of_the_same_drug_took_over(kb, today):
    """Re-ordered 100 days ago and current: the earlier order ended by then, and only the current one counts."""
    chart = _stopped_mtx(25, start=-300).medication(METHOTREXATE_2_5, 25, "mg", start=-100, **WEEKLY)
    high, low, unknown = _levels(kb, chart)
    assert [e.evidence.split(": ")[0] for e in high] == ["methotrexate 2.5 MG Oral Tablet (current)"]
    assert not low and not unknown


def test_a_later_order_started_inside_the_window_leaves_the_earlier_one_in_it(kb, today):
    """Lowered to 7.5 mg 10 days ago: the 25 mg order may have run until the day before, within the 30 days."""
    chart = _stopped_mtx(25, start=-300).medication(METHOTREXATE_2_5, 7.5, "mg", start=-10, **WEEKLY)
    high, low, unknown = _levels(kb, chart)
    assert not high and "(current)" in low[0].evidence
    assert f"judged as if taken until {chart.at(-11)}, the day before a later order of it started" in \
        unknown[0].evidence


def test_a_later_order_of_another_drug_of_the_group_does_not_take_over(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-200, status="stopped")
    chart.medication("methylprednisolone 4 MG Oral Tablet", 4, "mg", start=-100)
    _, _, unknown = _levels(kb, chart)
    assert UNKNOWN_STOP in unknown[0].evidence


def test_a_taper_charted_as_successive_stopped_orders_is_read_as_one_course(kb, today):
    """60 mg, then 40 mg, each 'stopped' with no end, then 10 mg current: each ran until the next began, so 40 mg
    until 11 days ago; read as one day each, the taper looked like 10 mg for 11 days (low)."""
    chart = Chart(today).medication(PREDNISONE_20, 60, "mg", start=-60, status="stopped")
    chart.medication(PREDNISONE_20, 40, "mg", start=-40, status="stopped").medication(PREDNISONE_5, 10, "mg", start=-10)
    high, low, unknown = _levels(kb, chart)
    assert not high and not low
    assert f"for 50 days (to {chart.at(-11)})" in unknown[0].evidence


def test_a_stopped_taper_with_an_open_last_step_runs_that_step_on(kb, today):
    """60 mg for 28 days then 40 mg with no end, 'stopped' on a day the chart does not give: the record ends such an
    order on its open step's first day, so it gave no exposure in the window (the same order 'active' is high)."""
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 28), (40, None)], start=-60, status="stopped")
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and f"for 61 days (to {chart.at(0)})" in unknown[0].evidence
    assert (f"prednisone 20 MG Oral Tablet 40 mg/day prednisone-equivalent (last step from {chart.at(-32)}, "
            f"{UNKNOWN_STOP})" in unknown[0].evidence)


def test_only_the_open_last_step_of_a_stopped_taper_is_run_on(kb, today):
    """15 mg for 28 days then 10 mg open: the 10 mg step alone is run on to today (low); running the 15 mg step on
    too would add the two (25 mg/day for 33 days: high, so unknown)."""
    chart = Chart(today).taper_order(PREDNISONE_20, [(15, 28), (10, None)], start=-60, status="stopped")
    high, low, unknown = _levels(kb, chart)
    assert not high and not unknown and "up to 10 mg/day (< 20 mg/day)" in low[0].evidence


@pytest.mark.parametrize(("status", "said"), [("unknown", "status unknown"), (None, "no status")])
def test_an_order_of_unknown_or_no_status_is_read_as_ended_on_a_day_not_given(kb, today, status, said):
    """Such an order counts as given (MedicationOrder.counts_as_exposure) but not as current: it was read as given on
    its start day only."""
    chart = _stopped_mtx(25, status=status or "stopped")
    if status is None:
        del chart.resources["medications"][-1]["status"]
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and "0.42 mg/kg/week > 0.4" in unknown[0].evidence
    assert f"{said}, no end day given; judged as if taken until today" in unknown[0].evidence


def test_prednisolone_takes_over_from_prednisone(kb, today):
    """A switch between the two is common: prednisone 15 mg 'stopped' and prednisolone 15 mg current from 60 days
    ago summed to 30 mg/day (unknown)."""
    chart = Chart(today).medication(PREDNISONE_20, 15, "mg", start=-100, status="stopped")
    chart.medication("prednisolone 5 MG Oral Tablet", 15, "mg", start=-60)
    high, low, unknown = _levels(kb, chart)
    assert not high and not unknown and "up to 15 mg/day (< 20 mg/day)" in low[0].evidence


@pytest.mark.parametrize("later", [
    {"timing_code": "ONCE", "status": "completed"},  # a one-off dose
    {"as_needed": True},  # taken as needed
    {"start": -100},  # started the same day: runs alongside
    {"status": "entered-in-error"}, {"status": "draft"}, {"status": "cancelled"},  # never given
])
def test_a_later_order_that_does_not_take_over(kb, today, later):
    """Only a later order of the drug that repeats, is not taken as needed, was given, and started on a later day
    ends an order stopped on an unknown day: a one-off 60 mg dose or a PRN order cut a daily 40 mg course short."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-100, status="stopped")
    chart.medication(PREDNISONE_20, 10 if "timing_code" not in later else 60, "mg",
                     **({"start": -60} | {k: v for k, v in later.items() if k != "as_needed"}))
    if later.get("as_needed"):
        _as_needed(chart)
    _, _, unknown = _levels(kb, chart)
    assert any(UNKNOWN_STOP in e.evidence for e in unknown)


def test_a_topical_order_of_the_drug_does_not_take_over(kb, today):
    chart = Chart(today).medication("tacrolimus 1 MG Oral Capsule", 2, "mg", start=-200, status="stopped",
                                    frequency=2)
    chart.medication("tacrolimus 0.1 % Topical Ointment", 1, "g", start=-100, frequency=2)
    _, _, unknown = _levels(kb, chart)
    assert [e.agent for e in unknown] == ["tacrolimus"] and UNKNOWN_STOP in unknown[0].evidence


def test_an_as_needed_order_is_not_run_on(kb, today):
    """Taken as needed, an order ended on its day: PRN prednisone 'stopped' is not judged as if taken daily."""
    chart = _as_needed(Chart(today).medication(PREDNISONE_20, 40, "mg", start=-100, status="stopped"))
    assert _levels(kb, chart) == ([], [], [])


def test_a_later_order_is_found_whatever_order_the_record_lists_them_in(kb, today):
    """The later order was found by bisection over the record's order, assumed sorted by start."""
    chart = _stopped_mtx(25, start=-300).medication(METHOTREXATE_2_5, 25, "mg", start=-100, **WEEKLY)
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    record.medications.reverse()  # before any query: the group index is built from this order
    context = HookContext(hook="patient-view", today=chart.today, thresholds=kb.thresholds, valuesets=kb.valuesets)
    high = high_level_immunosuppression(record, context)
    assert [e.evidence.split(": ")[0] for e in high] == ["methotrexate 2.5 MG Oral Tablet (current)"]
    assert not unknown_level(record, context)


def test_an_order_with_no_start_date_or_a_text_only_dosage_cannot_be_judged(kb, today):
    """No start date: no look-back can be applied; a dosage in words only: nothing says how often it was given.
    Both were dropped without a word. Nor can a 2-year-old order with no later order of it: it was read as given on
    its start day only, though it may have been taken until yesterday."""
    chart = Chart(today).medication("mycophenolate mofetil 500 MG Oral Tablet", 1000, "mg", start=None,
                                    status="stopped", frequency=2)
    chart.medication(METHOTREXATE_2_5, None, None, start=-200, status="completed")
    chart.resources["medications"][-1]["dosageInstruction"] = [{"text": "15 mg once weekly"}]
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-730, status="stopped")
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, chart.today))
    assert sorted(u.describe() for u in ends.unplaced) == [
        f"Azathioprine 50 MG Oral Tablet [Imuran] (stopped; started {chart.at(-730)}, before the 365-day look-back, "
        "and no later order of it: when it stopped is not given)",
        "methotrexate 2.5 MG Oral Tablet (completed; dosage in text only: how long it was taken is not given, nor "
        "how much a day)",
        "mycophenolate mofetil 500 MG Oral Tablet (stopped; no start or end date: when it was taken is not given)"]
    assert sorted(u.agent for u in ends.unplaced) == ["azathioprine", "methotrexate", "mycophenolate"]
    assert not ends.stops


@pytest.mark.parametrize(("later", "until"), [(-200, -201), (None, None)])
def test_an_order_begun_before_the_look_back_is_placed_only_by_a_later_order_that_took_over(kb, today, later, until):
    """Methotrexate from 400 days ago, 'stopped' on a day not given: a later current order of it bounds it (it ran
    at most until the day before that one began, outside the 30 days: no exposure of it); with none it cannot be
    judged."""
    chart = _stopped_mtx(25, start=-400)
    if later is not None:
        chart.medication(METHOTREXATE_2_5, 10, "mg", start=later, **WEEKLY)
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, today))
    assert [stop.until.isoformat() for stop in ends.stops.values()] == ([chart.at(until)] if until else [])
    assert len(ends.unplaced) == (0 if until else 1)
    high, low, unknown = _levels(kb, chart)
    assert not high and not unknown and len(low) == (1 if later else 0)


@pytest.mark.parametrize(("start", "unplaced"), [(-1095, True), (-1096, False), (-3650, False)])
def test_an_order_begun_before_the_max_age_with_no_later_order_is_read_as_over(kb, today, start, unplaced):
    """Review: prednisone begun 6 years ago, 'stopped' with no end and no later order, asked on every live vaccine to
    confirm when it was last taken. Begun more than unknown_stop_max_age_days (3 years) ago it is read as over before
    the look-back, and said so; a site may reach further back."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=start, status="stopped")
    record = build_record(chart.prefetch(), kb.valuesets, today)
    ends = ends_not_given(record)
    assert bool(ends.unplaced) is unplaced and not ends.stops
    assert ends.over == (() if unplaced else (
        f"prednisone 20 MG Oral Tablet (stopped; started {chart.at(start)}, more than 1095 days ago, and no later "
        "order of it: read as over before the look-back)",))
    assert ends_not_given(record, Thresholds(unknown_stop_max_age_days=3650)).unplaced
    assert not ends_not_given(record, Thresholds(unknown_stop_lookback_days=3650)).unplaced  # judged at its worst


@pytest.mark.parametrize(("later", "itself_unplaced"), [
    ({"end": -1400, "status": "completed"}, False),  # a renewal that ran its course long ago
    ({"end": -1400, "status": "completed", "count": 100}, False),  # a counted one
    ({"status": "stopped"}, True),  # one stopped with no end: the last of the chain, itself not placed
    ({"status": "unknown"}, True),  # one that says nothing of its status
    ({"status": "on-hold"}, False),  # current
], ids=["completed", "counted", "stopped", "status unknown", "on hold"])
def test_any_later_renewal_of_the_drug_bounds_an_order_with_no_end(kb, today, later, itself_unplaced):
    """Review: prednisone begun 2,000 days ago, 'stopped' with no end, then renewed 1,500 days ago: only a current or
    early-ended later order took over, so one that ended 1,400 days ago (or was stopped too) left the first 'no later
    order of it' and a card asking to confirm it. Any later order of the drug bounds it: it ran at most until the
    day before that one began."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-2000, status="stopped")
    chart.medication(PREDNISONE_20, 20, "mg", start=-1500, **later)
    site = Thresholds(unknown_stop_max_age_days=3650)  # reach back to both: the first alone asked to confirm it
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, today), site)
    first = next(stop for stop in ends.stops.values() if stop.first == today - timedelta(days=2000))
    assert first.until == today - timedelta(days=1501) and first.taken_over
    assert [u.order.start for u in ends.unplaced] == ([today - timedelta(days=1500)] if itself_unplaced else [])


def test_a_chain_of_stopped_renewals_is_placed_by_its_successors_and_only_the_last_may_not_be(kb, today):
    """Monthly renewals over years, each 'stopped' with no end, were each 'no later order of it' (twelve lines on a
    card). Each ran at most until the next began; only the last, begun within 3 years, is not placed."""
    chart = Chart(today)
    starts = range(-2000, -900, 30)
    for start in starts:
        chart.medication(PREDNISONE_20, 10, "mg", start=start, status="stopped")
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, today))
    assert [u.order.start for u in ends.unplaced] == [today + timedelta(days=starts[-1])]
    assert sorted((stop.first, stop.until) for stop in ends.stops.values()) == [
        (today + timedelta(days=start), today + timedelta(days=start + 29)) for start in starts[:-1]]


def _supplied(chart: Chart, days: int) -> Chart:
    """The last order with a supply of ``days`` days and 3 refills."""
    chart.resources["medications"][-1]["dispenseRequest"] = {
        "expectedSupplyDuration": {"value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"},
        "numberOfRepeatsAllowed": 3}
    return chart


@pytest.mark.parametrize("status", ["completed", "stopped"])
@pytest.mark.parametrize(("start", "written"), [
    (-200, {}), (-3650, {}),  # within the look-back or ten years before it
    (-100, {"supply": 28}),  # a supply was written for a course it did not complete
    (-100, {"count": 52}),
], ids=["within the look-back", "ten years back", "a supply", "a count"])
def test_an_order_that_ended_before_its_end_date_is_judged_at_its_worst(kb, today, status, start, written):
    """Methotrexate 25 mg weekly with its end date 60 days ahead, 'completed' (or 'stopped'): it ended on a day the
    chart does not give, at the latest today. It was read by its end date as 'last given <today>'; read as ended on
    a day not given, it must not be cut short by the look-back, nor by a supply or count written for the course it
    did not complete (the review's F1, F5: a live vaccine passed with no card when the supply ended it)."""
    chart = _stopped_mtx(25, start=start, status=status, end=60, count=written.get("count"))
    if "supply" in written:
        _supplied(chart, written["supply"])
    high, low, unknown = _levels(kb, chart)
    assert not high and not low and [e.agent for e in unknown] == ["methotrexate"]
    assert (f"started {chart.at(start)}, {status} before its end date {chart.at(60)} on a day the chart does not "
            "give; judged as if taken until today): 25 mg/week = 0.42 mg/kg/week > 0.4") in unknown[0].evidence
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, today))
    assert not ends.unplaced


@pytest.mark.parametrize(("later", "level", "said"), [
    (-50, "low", None),  # the 25 mg order ended by D-51: outside the 30 days
    (-20, "unknown", "judged as if taken until {}, the day before a later order of it started"),
], ids=["taken over 50 days ago", "taken over 20 days ago"])
def test_a_dose_change_charted_as_an_order_ended_early_and_a_new_one(kb, today, later, level, said):
    """Methotrexate 25 mg weekly completed before its D+30 end date, then 10 mg weekly: the end date read the 25 mg
    order as given until today beside the 10 mg one. The later order took over (courses.taken_over): the 25 mg
    order ran until the day before it started."""
    chart = _stopped_mtx(25, start=-100, status="completed", end=30)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=later, **WEEKLY)
    found = {e.level: e.evidence for e in exposures(*record_and_context(kb, chart))}
    assert level in found and "high" not in found
    if said:
        assert said.format(chart.at(later - 1)) in found["unknown"]


def test_a_glucocorticoid_dose_change_charted_as_an_order_ended_early_and_a_new_one(kb, today):
    """Prednisone 40 mg from D-100 completed before its D+30 end date, 10 mg current from D-20: 50 mg/day was read
    for the last 21 days. The 40 mg order ran at most until D-21, within the 30 days: 80 days at its worst. Ended on a
    day the chart does not give, it was called high, as certain: its level is unconfirmed, as methotrexate's is
    (test_a_dose_change_charted_as_an_order_ended_early_and_a_new_one), the stop named."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-100, end=30, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-20)
    high, low, unknown = _levels(kb, chart)
    assert [e.evidence for e in unknown] == [
        f"prednisone-equivalent >= 20 mg/day for 80 days (to {chart.at(-21)}); prednisone 20 MG Oral Tablet 40 "
        f"mg/day prednisone-equivalent (started {chart.at(-100)}, completed before its end date {chart.at(30)} on a "
        f"day the chart does not give; judged as if taken until {chart.at(-21)}, the day before a later order of it "
        "started)"]
    assert not low and not high


@pytest.mark.parametrize("supply", [None, 30])
def test_a_lone_glucocorticoid_ended_early_with_a_supply_is_read_to_today(kb, today, supply):
    """Prednisone 40 mg from D-60 completed before its D+30 end date, with or without a 30-day supply: judged as if
    taken until today (the review's F4: the supply had ended it on D-31, and a live vaccine passed with no card)."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-60, end=30, status="completed")
    if supply:
        _supplied(chart, supply)
    _, _, unknown = _levels(kb, chart)
    assert [e.evidence.split("; ")[0] for e in unknown] == [
        f"prednisone-equivalent >= 20 mg/day for 61 days (to {chart.at(0)})"]


@pytest.mark.parametrize(("dose", "level"), [(40, "unknown"), (5, "low")])
def test_a_glucocorticoid_stopped_before_its_end_date_is_judged_at_its_worst_as_other_drugs_are(kb, today, dose,
                                                                                               level):
    """Review: prednisone 40 mg from D-700, 'stopped' before its D+30 end date, was 'high: >= 20 mg/day for 701 days
    (to <today>)', as certain, never saying it stopped on a day the chart does not give (the timeline runs such an
    order to today, so its worst case was never asked); the same order of mycophenolate was 'unknown', the stop
    named. High at its worst, its level is unconfirmed (section 4.2: it could not be shown to be low); low at its
    worst, low, the stop named. A current order that is high for certain stays high, with no stop to name."""
    chart = Chart(today).medication(PREDNISONE_20, dose, "mg", start=-700, end=30, status="stopped")
    found = exposures(*record_and_context(kb, chart))
    stop = (f"prednisone 20 MG Oral Tablet {dose} mg/day prednisone-equivalent (started {chart.at(-700)}, stopped "
            f"before its end date {chart.at(30)} on a day the chart does not give; judged as if taken until today)")
    assert [(e.level, e.evidence.endswith(f"; {stop}")) for e in found] == [(level, True)]
    high = exposures(*record_and_context(kb, chart.medication(PREDNISONE_20, 20, "mg", start=-20)))
    assert [(e.level, e.evidence) for e in high] == [
        ("high", f"prednisone-equivalent >= 20 mg/day for 21 days (to {chart.at(0)})")]


def test_an_order_with_no_start_that_ended_before_its_end_date_is_read_as_given_until_today(kb, today):
    """No start date, an end date 30 days ahead, 'stopped': when it began is not given, but it was given at the
    latest today, as every "given within" window reads it (not "not judged"), and the evidence says so."""
    chart = _stopped_mtx(25, start=None, end=30)
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert not ends_not_given(record).unplaced
    high, _, _ = _levels(kb, chart)
    assert f"(last given at the latest {chart.at(0)})" in high[0].evidence


@pytest.mark.parametrize("timing", [{"timing_code": "ONCE"}, {}], ids=["one infusion", "no timing"])
def test_an_anti_cd20_order_given_on_no_day_the_chart_gives_cannot_be_judged(kb, today, timing):
    """Rituximab completed with no start or end date and a single infusion: only a repeating order was listed, so
    R28 said 'no anti-CD20 within 365 days' while R16 is not evaluable for the same order. One infusion keeps B
    cells depleted for months: it is not judged, and said."""
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=None, status="completed", **timing)
    if not timing:
        del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    ends = ends_not_given(build_record(chart.prefetch(), kb.valuesets, today))
    assert [u.describe() for u in ends.unplaced] == [
        f"{RITUXIMAB[2]} (completed; no start or end date: when it was taken is not given)"]


def test_glucocorticoid_with_no_start_date_says_its_days_cannot_be_placed(kb, today):
    """Its dose is read; it is when it was given that is not: the evidence said 'dose could not be read'."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=None, status="active")
    _, _, unknown = _levels(kb, chart)
    assert [e.evidence.split(": ", 1)[1] for e in unknown] == ["no start date: its days cannot be placed"]


AZA_LABEL = f"{AZATHIOPRINE_50[2]} (current)"


def _two_aza(first: dict, second: dict) -> Chart:
    """45 kg; azathioprine 100 mg daily and 100 mg daily (2.22 mg/kg/day each: 4.44 if given on the same days)."""
    return (Chart(TODAY).weight(45).medication(AZATHIOPRINE_50, 100, "mg", **first)
            .medication(AZATHIOPRINE_50, 100, "mg", **second))


def test_azathioprine_orders_given_on_the_same_days_add_up(kb, today):
    """Review: 100 mg and 50 mg daily at 45 kg were judged one by one (2.22 and 1.11 mg/kg/day, low); together they
    are 150 mg/day, 3.33 mg/kg/day: high, one exposure naming both orders."""
    chart = Chart(today).weight(45).medication(AZATHIOPRINE_50, 100, "mg", start=-200)
    chart.medication(AZATHIOPRINE_50, 50, "mg", start=-200)
    high, low, unknown = _levels(kb, chart)
    assert not low and not unknown and len(high) == 1 and len(high[0].orders) == 2
    assert high[0].evidence.startswith(f"{AZA_LABEL}: 100 mg/day; {AZA_LABEL}: 50 mg/day; given on the same days: "
                                       "150 mg/day = 3.33 mg/kg/day > 3 (weight 45 kg")


def test_methotrexate_orders_of_two_routes_given_on_the_same_days_add_up(kb, today):
    """15 mg oral and 10 mg subcutaneous weekly at 60 kg: 25 mg/week, 0.42 mg/kg/week (0.25 and 0.17 alone)."""
    chart = Chart(today).weight(60).medication(METHOTREXATE_2_5, 15, "mg", start=-200, **WEEKLY)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-200, route=ROUTE_SC, **WEEKLY)
    high, low, _ = _levels(kb, chart)
    assert not low and [e.agent for e in high] == ["methotrexate"]
    assert "given on the same days: 25 mg/week = 0.42 mg/kg/week > 0.4" in high[0].evidence


@pytest.mark.parametrize(("first", "second"), [
    ({"start": -200, "end": -10, "status": "completed"}, {"start": -10}),  # a dose change handed over on D-10
    ({"start": -200, "end": -10, "status": "completed"}, {"start": -11}),  # ... charted with a day's overlap
    ({"start": -200, "end": 0}, {"start": 0}),  # a renewal begun today, the old order ending today
    ({"start": -200, "end": 0}, {"start": 1}),  # ... to begin tomorrow
    ({"start": -200, "resource_id": "old"}, {"start": -10, "prior": "old"}),  # a renewal naming its predecessor
    ({"start": -200, "status": "on-hold"}, {"start": -10}),  # held, and a new order begun
    ({"start": -200, "status": "stopped"}, {"start": -60}),  # stopped on a day the chart does not give
    ({"start": -200, "end": -30, "status": "completed"}, {"start": -30}),  # handed over on the window's first day
], ids=["handed over", "a day's overlap", "renewal today", "renewal tomorrow", "priorPrescription", "on hold",
        "stopped on an unknown day", "handed over at the window's edge"])
def test_orders_given_one_after_another_do_not_add_up(kb, today, first, second):
    """Two azathioprine 100 mg orders at 45 kg (2.22 mg/kg/day each, 4.44 together): a dose change, a renewal, a
    held order or one stopped on a day the chart does not give is no second dose. The review found each of these
    read as both doses (a critical R28 card) where the chart says the orders came one after another: only orders
    current together today add up (immunosuppression_level._given_together)."""
    prior = second.pop("prior", None)
    chart = _two_aza(first, second)
    if prior:
        chart.resources["medications"][-1]["priorPrescription"] = {"reference": f"MedicationRequest/{prior}"}
    high, _, _ = _levels(kb, chart)
    assert not high


def test_methotrexate_charted_dose_by_dose_is_one_weekly_dose(kb, today):
    """Weekly methotrexate 15 mg charted as nine completed orders, one a week: read as 135 mg/week (critical)."""
    chart = Chart(today).weight(60)
    for day in range(-56, 1, 7):
        chart.medication(METHOTREXATE_2_5, 15, "mg", start=day, status="completed", **WEEKLY)
    high, low, _ = _levels(kb, chart)
    assert not high and low


def test_two_current_orders_add_up_beside_one_stopped_on_an_unknown_day(kb, today):
    """Two current orders reach high level together; a third stopped on a day the chart does not give is judged on
    its own, at its worst."""
    chart = _two_aza({"start": -200}, {"start": -200}).medication(AZATHIOPRINE_50, 50, "mg", start=-200,
                                                                  status="stopped")
    high, low, unknown = _levels(kb, chart)
    assert [len(e.orders) for e in high] == [2] and "200 mg/day = 4.44 mg/kg/day" in high[0].evidence
    assert all(len(e.orders) == 1 for e in (*low, *unknown))


def test_a_taper_order_is_judged_by_the_steps_it_gave_in_the_window(kb, today):
    """Azathioprine 200 mg for 14 days from D-200, then 100 mg, written as one order, at 50 kg: judged at its highest
    step (4.00 mg/kg/day, high, a critical R28 card) though that step ended at D-187 (found by review). The step given
    within the 30 days is 100 mg: 2.00 mg/kg/day, low."""
    chart = Chart(today).weight(50).taper_order(AZATHIOPRINE_50, [(200, 14), (100, None)], start=-200)
    high, low, _ = _levels(kb, chart)
    assert not high and "100 mg/day = 2.00 mg/kg/day" in low[0].evidence
