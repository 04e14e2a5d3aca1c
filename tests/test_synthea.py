"""Real Synthea charts (no myositis) evaluate without errors and without any myositis card."""

from __future__ import annotations

import pytest

from fhir_fixtures import synthea
from tests.api_support import make_app
from tests.conftest import assert_valid_response

BUNDLES = synthea.bundles()
MYOSITIS_RULES_THAT_NEED_MYOSITIS = {
    "nsti-no-immunosuppression", "ibm-immunosuppression-futile", "myositis-antibody-panel-missing",
    "imnm-dual-antibody-positive", "imnm-add-steroid-sparing-by-month-1", "statin-contraindicated-anti-hmgcr",
    "hmgcr-add-ivig-inadequate-response", "srp-add-rituximab-inadequate-response", "imnm-refractory-next-line",
    "seronegative-imnm-workup", "imnm-severe-disease-urgent", "srp-cardiac-evaluation",
    "imnm-possible-relapse-on-taper", "imnm-ck-monitoring-due", "weakness-with-normal-ck",
    "vaccinate-before-immunosuppression", "imnm-cancer-screening", "ici-myositis"}


@pytest.fixture(scope="module")
def client():
    return make_app(limits={"max_body_bytes": 50 * 1024 * 1024}).test_client()


def test_the_synthea_data_is_present():
    assert BUNDLES, f"no Synthea bundles found in {synthea.SYNTHEA_DIR}"


@pytest.mark.parametrize("path", BUNDLES, ids=[p.name.split("_")[0] for p in BUNDLES])
@pytest.mark.parametrize("hook", ["patient-view", "order-sign"])
def test_synthea_chart_evaluates_cleanly(client, path, hook):
    service = "imnm-patient-view" if hook == "patient-view" else "imnm-order-sign"
    response = client.post(f"/cds-services/{service}?explain=true", json=synthea.request(path, hook))
    assert response.status_code == 200
    body = response.get_json()
    codes = {c["source"]["topic"]["code"] for c in body["cards"]}
    assert not codes & MYOSITIS_RULES_THAT_NEED_MYOSITIS, codes
    explanation = body.get("extension", {}).get("imnm-cds", {}).get("explanation", [])
    assert not [e for e in explanation if e["status"] == "error"]
    warnings = body.get("extension", {}).get("imnm-cds", {}).get("warnings", [])
    assert not [w for w in warnings if "internal error" in w]
    assert_valid_response(body)
