"""hooks.definitions.routes: a route by code or in words, its negations, and local forms."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ICD10, IMNM_SNOMED, METHOTREXATE_2_5, PREDNISONE_20, ROUTE_SC, Chart
from fhir_fixtures.r09_mtx_weekly_dose_range import MTX_INJECTABLE
from hooks.definitions import routes
from hooks.definitions.routes import V3_ROUTE
from hooks.record import SNOMED, Coding, Concept
from tests.conftest import fired, run
from tests.definitions_support import record_and_context


def _route(text: str | None = None, *codings: tuple[str, str]) -> Concept:
    return Concept(tuple(Coding(system, code, None) for system, code in codings), text, (), False)


@pytest.mark.parametrize(("route", "iv"), [
    (_route("IV"), True), (_route("IV piggyback"), True), (_route(None, (V3_ROUTE, "IVINF")), True),
    (_route(None, (SNOMED, "47625008")), True), (_route("IM (not IV)"), False), (_route("non-IV"), False),
    (_route("Subcutaneous (not for IV use)"), False), (_route("IM (not SC or IV)"), False),
    (_route("Subcutaneous (never IV)"), False), (_route("IV (not IM)"), True),
])
def test_a_route_says_iv_by_code_or_in_words_never_from_a_negation(route, iv):
    assert routes.route_says_iv(route) is iv


def test_local_forms_by_name():
    assert routes.is_local_form("cyclosporine 0.05 % ophthalmic emulsion")
    assert routes.is_local_form("tacrolimus 0.1 % topical ointment")
    assert not routes.is_local_form("tacrolimus 1 MG Oral Capsule")
    assert not routes.is_local_form("gelatin capsule")
    assert not routes.is_local_form("hydrocortisone 100 MG/60ML rectal enema")  # absorbed: a systemic course


@pytest.mark.parametrize(("code", "route", "expected"), [
    (METHOTREXATE_2_5, None, "oral"), (MTX_INJECTABLE, None, "sc"),
    ("methotrexate 25 MG/ML Prefilled Syringe", None, "sc"), (MTX_INJECTABLE, {"text": "IM (not SC)"}, "im"),
    (METHOTREXATE_2_5, {"text": "per G-tube"}, "oral"), ("methotrexate", None, None), ("methotrexate", ROUTE_SC, "sc"),
])
def test_the_route_by_the_order_else_by_the_products_form(kb, today, code, route, expected):
    chart = Chart(today).draft(code, 15, "mg", route=route, period=1, period_unit="wk")
    _, context = record_and_context(kb, chart, "order-sign")
    assert routes.route_of(context.draft_orders[0]) == expected


@pytest.mark.parametrize(("condition", "status", "impaired"), [
    ((ICD10, "R13.12", "Dysphagia, oropharyngeal phase"), "active", True),
    ((ICD10, "R13.12", "Dysphagia, oropharyngeal phase"), "resolved", False),
    ((ICD10, "M62.81", "Muscle weakness (generalized)"), "active", False),
])
def test_the_swallow_is_impaired_by_active_dysphagia_on_file(kb, today, condition, status, impaired):
    """R05 (subcutaneous methotrexate), R24 (TMP/SMX suspension) and R25 (zoledronic acid IV) ask this one question
    before they offer a tablet: active dysphagia on the problem list; a resolved one no longer stops a tablet."""
    record, _ = record_and_context(kb, Chart(today).condition(condition, status=status), "patient-view")
    assert bool(routes.swallowing_impaired(record)) is impaired


def test_r05_r24_and_r25_ask_the_swallow_through_this_one_question(kb, today, monkeypatch):
    """R25 read dysphagia off the problem list itself (review 425 #5) while this docstring said it asked here. With
    the question answered 'impaired' for a chart with no dysphagia, each of the three offers no tablet: R05
    subcutaneous methotrexate, R24 the TMP/SMX suspension, R25 zoledronic acid IV."""
    chart = Chart(today, age=58).condition(IMNM_SNOMED, onset=-60).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    monkeypatch.setattr(routes, "swallowing_impaired", lambda record: record.conditions_in("imnm"))
    cards = fired(run(kb, chart.request("patient-view"), today))
    assert cards["imnm-add-steroid-sparing-by-month-1"]["suggestions"][0]["label"].startswith(
        "Methotrexate 15 mg SC once weekly")
    assert cards["pjp-prophylaxis-missing"]["suggestions"][0]["label"].startswith(
        "TMP/SMX 80/400 mg (10 mL oral suspension)")
    assert cards["giop-bone-protection"]["suggestions"][-1]["label"] == "Zoledronic acid 5 mg IV yearly"
