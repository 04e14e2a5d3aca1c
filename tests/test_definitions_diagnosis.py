"""hooks.definitions.diagnosis: tests found as observations or procedures, and immunosuppressive orders."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_fixtures.builders import (
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r19_imnm_severe_disease_urgent import TROPONIN_I_HS, severe_chart
from fhir_fixtures.r20_srp_cardiac_evaluation import LOCAL, LOCAL_ECG, LOCAL_TTE
from hooks import engine, knowledge
from hooks.definitions import diagnosis
from hooks.engine import read_drafts
from hooks.record import build_record
from tests.definitions_support import record_and_context

ECG_SNOMED = ("http://snomed.info/sct", "164847006", "Standard ECG")
ECG_LOINC = ("http://loinc.org", "11524-6", "EKG study")
KB = knowledge.load()


def _record(chart: Chart, today: date):
    return build_record(chart.prefetch(), KB.valuesets, today)


def _drafts(chart: Chart):
    return read_drafts(chart.request("order-sign")["context"], KB, [])


def test_last_done_looks_in_observations_and_procedures(today):
    chart = Chart(today).procedure(ECG_SNOMED, day=-400).observation(ECG_LOINC, -100)
    record = _record(chart, today)
    found = diagnosis.last_done(record, "ecg")
    assert found is not None and found.day == date(2026, 8, 13) and "EKG" in found.label


def test_last_done_window_edges(today):
    record = _record(Chart(today).procedure(ECG_SNOMED, day=-365), today)
    assert diagnosis.last_done(record, "ecg", within_days=365) is not None
    assert diagnosis.last_done(record, "ecg", within_days=364) is None


def test_done_lists_every_study_oldest_first_within_the_window(today):
    chart = Chart(today).observation(ECG_LOINC, -2).procedure(ECG_SNOMED, day=-3).procedure(ECG_SNOMED, day=-9)
    record = _record(chart, today)
    assert [(d.label, d.day) for d in diagnosis.done(record, "ecg", within_days=3)] == [
        ("Standard ECG", date(2026, 11, 18)), ("EKG study", date(2026, 11, 19))]
    assert len(diagnosis.done(record, "ecg")) == 3 and diagnosis.done(record, "echocardiogram") == []


def test_a_study_under_a_local_code_is_found_by_its_name(today):
    chart = Chart(today).procedure(LOCAL_TTE, day=-20)
    chart.observation(LOCAL_ECG, -5, value_string="Sinus rhythm")
    record = _record(chart, today)
    assert str(diagnosis.last_done(record, "echocardiogram")) == "Transthoracic echo (2026-11-01)"
    assert str(diagnosis.last_done(record, "ecg")) == "12-lead ECG (2026-11-16)"


def test_a_name_that_only_contains_ecg_is_no_ecg(today):
    chart = Chart(today).procedure((LOCAL, "CTCA", "CT coronary angiography (ECG-gated)"), day=-20)
    chart.procedure((LOCAL, "TELE", "ECG monitoring"), day=-2)
    assert diagnosis.last_done(_record(chart, today), "ecg") is None


def test_not_done_procedure_does_not_count(today):
    record = _record(Chart(today).procedure(ECG_SNOMED, day=-10, status="not-done"), today)
    assert diagnosis.last_done(record, "ecg") is None


def test_immunosuppressive_orders_thresholds_and_agents(today):
    chart = Chart(today)
    chart.draft(PREDNISONE_20, 20, "mg").draft(PREDNISONE_20, 7.5, "mg")
    chart.draft(METHYLPRED_1000, 8, "mg", route=ROUTE_IV).draft(METHOTREXATE_2_5, 15, "mg", period=1, period_unit="wk")
    chart.draft(IVIG_CVX, 2, "g/kg", route=ROUTE_IV).draft(PREDNISONE_20, None, None)
    drafts = _drafts(chart)

    strict = diagnosis.immunosuppressive_orders(drafts, ("methotrexate",), min_peq_mg=20, weight_kg=None,
                                                any_iv_methylprednisolone=True, unreadable_steroid_counts=True)
    whys = [f.why for f in strict]
    assert whys == ["20 mg/day prednisone equivalent", "IV methylprednisolone, 10 mg/day PEQ", "methotrexate",
                    "glucocorticoid; daily dose could not be read"]

    lenient = diagnosis.immunosuppressive_orders(drafts, ("methotrexate", "ivig"), min_peq_mg=7.5, weight_kg=None,
                                                 any_iv_methylprednisolone=False, unreadable_steroid_counts=False)
    assert [f.why for f in lenient] == ["20 mg/day prednisone equivalent", "7.5 mg/day prednisone equivalent",
                                        "10 mg/day prednisone equivalent", "methotrexate",
                                        "immune globulin, intravenous"]


def test_an_order_local_by_its_route_is_not_flagged_as_immunosuppression(today):
    """Tacrolimus ointment named only 'tacrolimus 0.1 %' with a 'Topical' route was flagged for R01/R02/R28; a route
    that rules a local form out ('by mouth (not topical)') is systemic."""
    chart = Chart(today).draft("tacrolimus 0.1 %", 1, "{application}", route={"text": "Topical"})
    chart.draft("tacrolimus 1 MG", 1, "mg", route={"text": "By mouth (not topical)"})
    flagged = diagnosis.immunosuppressive_orders(_drafts(chart), ("tacrolimus",), min_peq_mg=20, weight_kg=None,
                                                 any_iv_methylprednisolone=True, unreadable_steroid_counts=True)
    assert [f.order.label for f in flagged] == ["tacrolimus 1 MG"]


def _day_flagged(chart: Chart, hook: str, min_peq_mg: float) -> tuple[diagnosis.GlucocorticoidDay, list[str]]:
    record, context = record_and_context(KB, chart, hook)
    day = diagnosis.glucocorticoid_day(record, context)
    orders = context.draft_orders if hook == "order-sign" else record.medications_in("glucocorticoid_systemic")
    flagged = diagnosis.immunosuppressive_orders(orders, (), min_peq_mg=min_peq_mg, weight_kg=None,
                                                 any_iv_methylprednisolone=True, unreadable_steroid_counts=True,
                                                 day=day)
    return day, [f.why for f in flagged]


def test_glucocorticoids_below_the_threshold_count_by_the_days_total(today):
    chart = Chart(today).medication(PREDNISONE_5, 15, "mg", start=-30).medication(PREDNISONE_5, 10, "mg", start=-30)
    day, whys = _day_flagged(chart, "patient-view", 20)
    assert day.peq_mg == 25 and len(day.orders) == 2
    assert whys == ["15 mg/day prednisone equivalent, 25 mg/day with the other glucocorticoid order given today",
                    "10 mg/day prednisone equivalent, 25 mg/day with the other glucocorticoid order given today"]
    assert _day_flagged(chart, "patient-view", 30)[1] == []


def test_a_draft_after_the_chart_order_ends_is_not_added_to_it(today):
    """A taper step written as its own order, starting the day after the chart's order ends: one after the other."""
    chart = Chart(today).medication(PREDNISONE_5, 15, "mg", start=-30, end=2)
    chart.draft(PREDNISONE_5, 10, "mg", start=3)
    day, whys = _day_flagged(chart, "order-sign", 20)
    assert whys == [] and day.peq_mg == 10  # the draft's day: the chart's order is over by then


def test_hydrocortisone_is_adrenal_cover_up_to_the_stress_ceiling_all_orders_together(today):
    chart = Chart(today).medication("hydrocortisone 10 MG Oral Tablet", 20, "mg", start=-300)
    chart.medication("hydrocortisone 100 MG Injection", 50, "mg", frequency=4, start=-1, route=ROUTE_IV)
    day, whys = _day_flagged(chart, "patient-view", 20)
    assert len(day.cover) == 2 and whys == [] and day.peq_mg == 0
    chart.medication("hydrocortisone 100 MG Injection", 100, "mg", start=-1, route=ROUTE_IV)  # 320 mg in all
    day, whys = _day_flagged(chart, "patient-view", 20)
    assert day.cover == () and day.peq_mg == 80 and len(whys) == 3


def test_without_a_day_stress_dose_hydrocortisone_counts_as_its_dose(today):
    """R28 reads no day: for a live vaccine, 200 mg of hydrocortisone a day is 50 mg PEQ of immunosuppression."""
    chart = Chart(today).draft("hydrocortisone 100 MG Injection", 50, "mg", frequency=4, route=ROUTE_IV)
    flagged = diagnosis.immunosuppressive_orders(_drafts(chart), (), min_peq_mg=20, weight_kg=None,
                                                 any_iv_methylprednisolone=False, unreadable_steroid_counts=True)
    assert [f.why for f in flagged] == ["50 mg/day prednisone equivalent"]


@pytest.mark.parametrize(("value", "unit", "above"), [
    (1.5, "\u00b5g/L", True), (1.5, "\u03bcg/L", True), (1500, "pg/mL", True), (1.001, "ng/mL", True),
    (0.9, "\u00b5g/L", None), (1000, "ng/L", None), (1500, "ng/dL{made-up}", None), (1500, "mmol/L", None),
])
def test_a_troponin_i_with_no_range_or_flag_is_judged_against_the_fallback_in_its_own_unit(kb, today, value, unit,
                                                                                           above):
    """Above 1,000 ng/L (the fallback beyond every troponin I assay's upper limit), in any unit read as a mass
    concentration, is above the ULN; at or below it, or in a unit not read, nothing tells (None, never normal)."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=value, unit=unit)
    request = chart.request("patient-view")
    record, context = engine.prepare(kb, request["hook"], request["context"], request["prefetch"], today=today)
    (troponin,) = record.observations_in("troponin_i")
    assert diagnosis.troponin_i_above_uln(troponin, context) is above
