"""Kidney function: the reported eGFR, or one estimated from creatinine (CKD-EPI 2021, bedside Schwartz)."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import EGFR, Chart
from fhir_fixtures.r19_imnm_severe_disease_urgent import CREATININE
from hooks.definitions import renal
from tests.definitions_support import record_and_context


def test_ckd_epi_2021_reference_values():
    assert renal.ckd_epi_2021(1.0, 50, female=True) == pytest.approx(68.6, abs=0.3)
    assert renal.ckd_epi_2021(1.2, 60, female=False) == pytest.approx(69.2, abs=0.3)
    assert renal.ckd_epi_2021(0.5, 30, female=False) > renal.ckd_epi_2021(0.9, 30, female=False)


def test_bedside_schwartz():
    assert renal.bedside_schwartz(0.5, 130) == pytest.approx(107.4, abs=0.1)


def test_a_creatinine_alone_gives_an_estimated_egfr(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 5.2, "mg/dL", day=-1)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.value < 15 and "CKD-EPI 2021" in egfr.how


def test_creatinine_in_umol_per_l_is_converted(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 106.1, "umol/L", day=-1)  # 1.2 mg/dL
    assert renal.latest_egfr(*record_and_context(kb, chart)).value == 69


def test_the_reported_egfr_wins_on_the_same_day_and_the_newer_result_otherwise(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 1.2, "mg/dL", day=-1)
    chart.lab(EGFR, 55, "mL/min/{1.73_m2}", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).how == "reported"
    chart = Chart(today, age=60, sex="male").lab(EGFR, 90, "mL/min/{1.73_m2}", day=-20)
    chart.lab(CREATININE, 3.0, "mg/dL", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).value < 30


def test_a_child_needs_a_current_height(kb, today):
    chart = Chart(today, age=9, sex="female").lab(CREATININE, 0.5, "mg/dL", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)) is None
    chart.height(130, day=-2)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.value == 107 and "Schwartz" in egfr.how
