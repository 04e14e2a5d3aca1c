"""High- and low-level immunosuppression (section 4.2): threshold edges on both sides, windows, missing weights."""

from __future__ import annotations

from fhir_fixtures.builders import AZATHIOPRINE_50, METHOTREXATE_2_5, PREDNISONE_5, PREDNISONE_20, RITUXIMAB, Chart
from hooks.context import HookContext
from hooks.definitions.immunosuppression_level import (
    Thresholds,
    exposures,
    high_level_immunosuppression,
    low_level,
    unknown_level,
)
from hooks.record import build_record


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
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-365, status="completed")
    assert [e.agent for e in _levels(kb, chart)[0]] == ["anti-CD20"]
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-366, status="completed")
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
