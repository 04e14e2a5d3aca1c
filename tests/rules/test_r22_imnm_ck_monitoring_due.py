"""R22 imnm-ck-monitoring-due: what counts as immunotherapy, the never-measured case, the coded orders."""

from __future__ import annotations

from fhir_fixtures.builders import IMNM_SNOMED, IVIG_CVX, RITUXIMAB, ROUTE_IV, Chart
from fhir_fixtures.r22_imnm_ck_monitoring_due import early_chart
from tests.conftest import fired, run

RULE = "imnm-ck-monitoring-due"


def _result(kb, chart):
    result = run(kb, chart.request("patient-view"), chart.today)
    return fired(result).get(RULE), next(e for e in result.explanation if e["rule"] == RULE)


def test_ck_never_measured_after_treatment_start(kb, today):
    chart = early_chart(today, None)
    chart.resources["observations"] = [o for o in chart.resources["observations"]
                                       if o["code"]["coding"][0]["code"] != "2157-6"]
    card, entry = _result(kb, chart)
    assert "never measured" in card["summary"] and entry["facts"]["latest_ck"] is None


def test_orders_are_loinc_coded(kb, today):
    card, _ = _result(kb, early_chart(today, -40))
    codes = [a["resource"]["code"]["coding"][0]["code"] for a in card["suggestions"][0]["actions"]]
    assert codes == ["2157-6", "1742-6", "1920-8", "2324-2"]
    assert "40 days ago" in card["detail"] and "every 30 days" in card["detail"]


def _rituximab_only(today, given_day: int) -> Chart:
    chart = Chart(today).condition(IMNM_SNOMED, onset=-900).ck(300, day=-100)
    chart.medication(RITUXIMAB, 1000, "mg", start=given_day, end=given_day, status="completed", route=ROUTE_IV)
    return chart


def test_recent_rituximab_counts_as_immunotherapy(kb, today):
    card, entry = _result(kb, _rituximab_only(today, -150))
    assert card is not None and entry["facts"]["interval_days"] == 90
    card, entry = _result(kb, _rituximab_only(today, -200))
    assert card is None and entry["reason"] == "no current glucocorticoid or steroid-sparing therapy"


def test_ivig_charted_as_an_immunization_counts_as_immunotherapy(kb, today):
    """IVIG monotherapy recorded as Immunization (CVX 87), as R15, R17 and R19 already read it: R22 saw no
    immunotherapy and never asked for the CK (found by review)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-900).ck(300, day=-120)
    chart.immunization(IVIG_CVX, day=-20)
    card, entry = _result(kb, chart)
    assert card is not None and "immune globulin" in entry["facts"]["immunotherapy"]
    chart = Chart(today).condition(IMNM_SNOMED, onset=-900).ck(300, day=-120)
    card, entry = _result(kb, chart.immunization(IVIG_CVX, day=-61))
    assert card is None and entry["reason"] == "no current glucocorticoid or steroid-sparing therapy"


def test_unavailable_immunizations_make_current_ivig_unknown(kb, today):
    request = early_chart(today, ck_day=-45).request("patient-view")
    del request["prefetch"]["immunizations"]
    result = run(kb, request, today, unavailable=["immunizations"])
    entry = next(e for e in result.explanation if e["rule"] == RULE)
    assert entry["status"] == "not-evaluable" and "immunizations" in entry["reason"]
