"""Bone protection (section 4.2): what counts as calcium/vitamin D, a DXA, an osteoporosis drug, a risk finding."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import LOINC, RXNORM, Chart
from hooks import knowledge
from hooks.context import HookContext
from hooks.definitions import bone
from hooks.record import build_record

CPT_DXA = ("http://www.ama-assn.org/go/cpt", "77080", "DXA axial skeleton")
HIP_T_SCORE = (LOINC, "38264-8", "DXA Hip [T-score] Bone density")
CALCIUM = (RXNORM, "1897", "Calcium Carbonate")
KB = knowledge.load()


def _protection(chart: Chart, **kwargs):
    record = build_record(chart.prefetch(), KB.valuesets, chart.today)
    context = HookContext("patient-view", chart.today, thresholds=KB.thresholds, valuesets=KB.valuesets)
    return bone.bone_protection(record, context, **kwargs)


def test_nothing_on_file_is_all_missing_but_no_drug_need(today):
    found = _protection(Chart(today))
    assert found.missing == ["calcium/vitamin D", "DXA"]
    assert found.present == [] and found.risk_findings == []


def test_calcium_must_be_active(today):
    assert _protection(Chart(today).medication(CALCIUM, 500, "mg", start=-30)).calcium_vitamin_d
    stopped = Chart(today).medication(CALCIUM, 500, "mg", start=-300, end=-10, status="stopped")
    assert "calcium/vitamin D" in _protection(stopped).missing
    assert _protection(Chart(today).medication("Vitamin D3 (cholecalciferol) 1000 unit tablet", 1000, "[iU]",
                                               start=-5)).calcium_vitamin_d


def test_dxa_window_edges_procedure_and_observation(today):
    assert _protection(Chart(today).procedure(CPT_DXA, day=-730)).dxa is not None
    old = _protection(Chart(today).procedure(CPT_DXA, day=-731))
    assert old.dxa is None and old.last_dxa_any is not None and "DXA" in old.missing
    assert _protection(Chart(today).lab(HIP_T_SCORE, -1.2, "{T-score}", day=-100)).dxa is not None
    # not-done procedures never count
    assert _protection(Chart(today).procedure(CPT_DXA, day=-10, status="not-done")).last_dxa_any is None


def test_dxa_not_before_narrows_the_window(today):
    chart = Chart(today).procedure(CPT_DXA, day=-400)
    assert _protection(chart, dxa_not_before=today - timedelta(days=400)).dxa is not None
    assert _protection(chart, dxa_not_before=today - timedelta(days=399)).dxa is None


def test_risk_findings_need_a_drug(today):
    chart = Chart(today).condition("Osteoporosis", onset=-100)
    assert _protection(chart).missing[-1] == "osteoporosis drug"
    chart.medication("alendronate 70 mg tablet", 70, "mg", start=-90, period=1, period_unit="wk")
    assert "osteoporosis drug" not in _protection(chart).missing


def test_yearly_zoledronic_acid_counts_for_a_year(today):
    base = Chart(today).condition("Fragility fracture of hip", onset=-500)
    given = base.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-300, end=-300,
                            status="completed")
    assert _protection(given).osteoporosis_drugs
    late = Chart(today).condition("Fragility fracture of hip", onset=-500)
    late.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-366, end=-366, status="completed")
    assert not _protection(late).osteoporosis_drugs


def test_t_score_edge(today):
    assert _protection(Chart(today).lab(HIP_T_SCORE, -2.5, "{T-score}", day=-30)).risk_findings
    assert not _protection(Chart(today).lab(HIP_T_SCORE, -2.4, "{T-score}", day=-30)).risk_findings


def test_frax_major_and_hip_cut_offs(today):
    assert _protection(Chart(today).lab("FRAX 10-year major osteoporotic fracture probability", 10, "%")
                       ).risk_findings
    assert not _protection(Chart(today).lab("FRAX 10-year major osteoporotic fracture probability", 9.9, "%")
                           ).risk_findings
    hip = _protection(Chart(today).lab("FRAX hip fracture probability", 1.1, "%"))
    assert hip.risk_findings and "hip fracture" in hip.risk_findings[0]
    assert not _protection(Chart(today).lab("FRAX hip fracture probability", 1.0, "%")).risk_findings
    unread = _protection(Chart(today).lab("FRAX major osteoporotic fracture", 15, "score"))
    assert unread.frax_unreadable and not unread.risk_findings


def test_an_osteoporosis_drug_that_ended_before_its_end_date_counts_only_as_far_as_it_is_known_given(today):
    """Alendronate weekly from D-500 stopped before its end date at D+30 (on a day the chart does not give) counted
    as given up to today, hiding a missing drug; protection errs early: it was given on its first day, more than a
    year ago, and is named as left out. A zoledronic acid infusion 300 days ago completed before its end date was
    given on its first day, within the year."""
    chart = Chart(today).condition("Osteoporosis", onset=-600)
    chart.medication("alendronate 70 mg tablet", 70, "mg", start=-500, end=30, status="stopped", period=1,
                     period_unit="wk")
    stopped = _protection(chart)
    assert stopped.osteoporosis_drugs == [] and "osteoporosis drug" in stopped.missing
    assert [o.label for o in stopped.osteoporosis_drugs_not_counted] == ["alendronate 70 mg tablet"]
    chart.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-300, end=60, status="completed")
    infused = _protection(chart)
    assert [o.label for o in infused.osteoporosis_drugs] == ["zoledronic acid 5 mg/100 mL infusion"]
    assert "osteoporosis drug" not in infused.missing


MAJOR_FRAX, HIP_FRAX = "FRAX 10-year major osteoporotic fracture probability", "FRAX hip fracture probability"


@pytest.mark.parametrize(("name", "value", "unit", "finding"), [
    (MAJOR_FRAX, 0.12, "1", "FRAX 10-year major osteoporotic fracture risk 12%"),  # UCUM ratio: 0.12 is 12%
    (MAJOR_FRAX, 0.1, "{ratio}", "FRAX 10-year major osteoporotic fracture risk 10%"),
    (HIP_FRAX, 0.015, "1", "FRAX 10-year hip fracture risk 1.5%"),
    (MAJOR_FRAX, 12, None, "FRAX 10-year major osteoporotic fracture risk 12%"),  # above 1 with no unit: a percent
    (MAJOR_FRAX, 0.099, "1", None),  # 9.9%: below the cut-off, and read
    (HIP_FRAX, 0.5, "%", None),  # 0.5 % is a hip FRAX as a percent, never read as a ratio (50 %)
    (MAJOR_FRAX, 0, None, None),  # 0 with no unit is 0 as a ratio or as a percent: read, not called ambiguous
])
def test_frax_is_read_as_a_percent_or_as_a_ratio(today, name, value, unit, finding):
    """A FRAX sent as a ratio (0.12 in '1' or '{ratio}') was not read ('no value in %'); it is 12%."""
    found = _protection(Chart(today).lab(name, value, unit))
    assert found.frax_unreadable == []
    assert [f.split(" (")[0] for f in found.risk_findings] == ([finding] if finding else [])


@pytest.mark.parametrize(("name", "value", "unit", "why"), [
    (MAJOR_FRAX, 0.15, None, "0.15 with no unit, either a ratio (15%) or a percent (0.15%)"),
    (HIP_FRAX, 0.5, None, "0.5 with no unit, either a ratio (50%) or a percent (0.5%)"),
    (MAJOR_FRAX, 15, "1", "15 in unit '1', above 1, so not a ratio"),
    (MAJOR_FRAX, 15, "score", "15 score, in a unit that is neither % nor a ratio"),
    (MAJOR_FRAX, 150, "%", "150 %, above 100%"),
    (HIP_FRAX, -0.2, "%", "-0.2 %, below zero"),
])
def test_a_frax_that_may_be_either_a_ratio_or_a_percent_is_not_read(today, name, value, unit, why):
    """0.15 with no unit was read as 0.15% (no risk), though as a ratio it is 15% (moderate risk): it is named as
    not read, as is a ratio above 1 or a percent outside 0-100."""
    found = _protection(Chart(today).lab(name, value, unit))
    assert found.risk_findings == []
    assert found.frax_unreadable == [f"{name} ({today - timedelta(days=5)}): {why}"]
