"""A glucocorticoid order on the chart whose dose is written only in its sig ('20 mg by mouth daily', no doseAndRate)
is read as a draft's sig is (hooks.dosing.read_schedule, dose_basis.read_instruction), with the same safeguards.
Found by review: the order fell out of the PEQ history, so R24 and R25 became not evaluable, R21 read a taper
'from 40 to 0 mg/day' and R23 counted 61 days of glucocorticoid instead of 211."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from fhir_fixtures.builders import (
    ATORVASTATIN_40,
    EGFR,
    IMNM_SNOMED,
    LYMPHOCYTES,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    ROUTE_ORAL,
    Chart,
)
from fhir_fixtures.chart_text_doses import METHYLPRED_4
from hooks import dosing
from hooks.definitions import steroids
from hooks.engine import Evaluation
from hooks.record import build_record
from tests.conftest import explained, run
from tests.definitions_support import record_and_context

PJP, BONE = "pjp-prophylaxis-missing", "giop-bone-protection"
RELAPSE, WEAKNESS = "imnm-possible-relapse-on-taper", "weakness-with-normal-ck"


def _prednisone_taper(today, current: dict[str, Any]) -> Chart:
    """Anti-HMGCR IMNM month 7 on methotrexate, prednisone 60 -> 40 -> 20 mg/day, CK rising from its nadir; the
    current 20 mg order written as ``current`` gives it."""
    chart = Chart(today, age=62, sex="female").condition(IMNM_SNOMED, onset=-225)
    chart.antibody("anti_hmgcr", "positive", day=-215).antibody("anti_srp", "negative", day=-215)
    chart.ck(9000, day=-214).ck(1500, day=-150).ck(400, day=-90).ck(700, day=-40).ck(1900, day=-4)
    chart.weight(72, day=-4).height(160, day=-100)
    chart.lab(EGFR, 78, "mL/min/{1.73_m2}", day=-4).lab(LYMPHOCYTES, 0.9, "10*9/L", day=-4)
    chart.medication(PREDNISONE_20, 60, "mg", start=-210, end=-121, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-120, end=-61, status="completed")
    chart.medication(PREDNISONE_20, start=-60, resource_id="pred20", **current)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-200, period=1, period_unit="wk", day_of_week=["mon"],
                     route=ROUTE_ORAL)
    chart.medication(ATORVASTATIN_40, 40, "mg", start=-900)
    return chart


def _methylprednisolone_taper(today, current: dict[str, Any]) -> Chart:
    """Oral methylprednisolone 48 -> 32 -> 16 mg/day (PEQ 60 -> 40 -> 20) on methotrexate, lymphocytes 600."""
    chart = Chart(today, age=50, sex="female").condition(IMNM_SNOMED, onset=-100)
    chart.antibody("anti_hmgcr", "positive", day=-90).antibody("anti_srp", "negative", day=-90)
    chart.ck(12000, day=-96).ck(3000, day=-70).ck(900, day=-50).ck(1200, day=-20).ck(2600, day=-2)
    chart.weight(66, day=-2).height(162, day=-90).lab(LYMPHOCYTES, 0.6, "10*9/L", day=-2)
    chart.medication(METHYLPRED_4, 48, "mg", start=-92, end=-41, status="completed", route=ROUTE_ORAL)
    chart.medication(METHYLPRED_4, 32, "mg", start=-40, end=-11, status="completed", route=ROUTE_ORAL)
    chart.medication(METHYLPRED_4, start=-10, route=ROUTE_ORAL, **current)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-80, period=1, period_unit="wk", day_of_week=["mon"],
                     route=ROUTE_ORAL)
    return chart


@pytest.mark.parametrize("build, coded, sig", [
    (_prednisone_taper, {"dose": 20, "unit": "mg"}, {"dose": None, "unit": None, "text": "20 mg by mouth daily"}),
    (_methylprednisolone_taper, {"dose": 16, "unit": "mg"},
     {"dose": None, "unit": None, "text": "16 mg (4 tablets) by mouth every morning"}),
])
def test_a_chart_order_written_only_as_a_sig_reads_as_its_structured_twin(kb, today, build, coded, sig):
    """Every card and every rule's status, reason and facts are those of the same order with a structured dose."""
    with_sig, structured = (run(kb, build(today, current).request("patient-view"), today) for current in (sig, coded))
    assert _comparable(with_sig) == _comparable(structured)
    for rule in (PJP, BONE):
        assert explained(with_sig, rule)["status"] == "fired", rule


def test_the_reviewers_chart_keeps_its_taper_and_its_days_of_glucocorticoid(kb, today):
    result = run(kb, _prednisone_taper(today, {"dose": None, "unit": None, "text": "20 mg by mouth daily"})
                 .request("patient-view"), today)
    assert explained(result, RELAPSE)["facts"]["taper"].startswith("glucocorticoid lowered from 40 to 20 mg/day PEQ")
    assert explained(result, WEAKNESS)["facts"]["gc_days"] == 211
    assert not any("could not count its dose" in warning for warning in result.warnings)


def _comparable(result: Evaluation) -> str:
    """The cards, explanation and warnings, their random uuids and the ids the builder numbers left out."""
    text = json.dumps([result.cards, result.explanation, result.warnings], sort_keys=True, default=str)
    return _GENERATED.sub("", text)


_GENERATED = re.compile(r"\b[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}\b|\b[a-z]+-\d+\b")


def _history(kb, today, text: str, code=PREDNISONE_20, **order: Any) -> steroids.SteroidHistory:
    chart = Chart(today).weight(70, day=-1)
    chart.medication(code, order.pop("dose", None), order.pop("unit", None), start=-30, route=ROUTE_ORAL, text=text,
                     **order)
    record, context = record_and_context(kb, chart)
    return steroids.history(record, context)


def test_a_sig_whose_frequency_disagrees_with_the_structured_timing_is_read_at_the_higher(kb, today):
    """As a draft's (dose_basis.read_instruction): '20 mg twice daily' on a once-daily timing is 40 mg/day."""
    assert _history(kb, today, "20 mg twice daily").peq_on(today) == 40


@pytest.mark.parametrize("text, code, why", [
    ("20 mg daily then taper as directed", PREDNISONE_20,
     "free-text sig '20 mg daily then taper as directed' could not be read safely"),
    ("16 mg (3 tablets) by mouth every morning", METHYLPRED_4,
     "free-text sig '16 mg (3 tablets) by mouth every morning' gives 3 tablets and 16 mg, which disagree: 3 tablets "
     "of 4 mg are 12 mg"),
    ("as directed", PREDNISONE_20, "no scheduled dose given"),
])
def test_a_sig_not_read_safely_stays_unreadable_and_is_named(kb, today, text, code, why):
    history = _history(kb, today, text, code)
    assert history.peq_on(today - timedelta(days=1)) == 0
    (order,) = history.unreadable
    assert history.why_unread(order) == why


def test_a_structured_dose_is_read_as_it_is_and_its_sig_not_read(kb, today):
    """The structured path is unchanged and reads no text: the same instructions come back, and a sig beside a
    structured dose on the chart does not change it."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-30, text="40 mg daily")
    (order,) = build_record(chart.prefetch(), kb.valuesets, today).medications
    assert dosing.read_schedule(order) == order.dosages
    assert dosing.read_schedule(order)[0] is order.dosages[0]
    assert dosing.prednisone_equivalent(order) == 20
