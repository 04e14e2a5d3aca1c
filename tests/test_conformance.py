"""CDS Hooks 2.0 conformance: every Service SHALL row of requirements-2.0.csv mapped to the test that shows it.

The mapping names a test (``module::function``) or says why the row does not apply. A test below checks that
every Service SHALL / SHALL NOT row is mapped and that every named test exists, so the map cannot rot.
"""

from __future__ import annotations

import csv
import importlib
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import fhir_fixtures
from service.discovery import PREFETCH
from tests.api_support import make_app

REQUIREMENTS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "cds-hooks" / "requirements-2.0.csv"

DISCOVERY = "tests.test_api::test_discovery_lists_both_services_with_the_six_prefetch_keys"
CARDS_SCHEMA = "tests.test_conformance::test_every_fixture_response_satisfies_the_response_schema"
SERVICE_CALL = "tests.test_api::test_service_call_returns_cards_routed_by_id"

CONFORMANCE: dict[str, str] = {
    "1": "tests.test_api::test_wrong_content_type_is_400",
    "2": "tests.test_prefetch::test_plain_http_fhir_server_is_refused_unless_allowed",
    "3": "tests.test_conformance::test_no_null_or_empty_elements_in_responses",
    "4": DISCOVERY, "5": DISCOVERY, "6": DISCOVERY, "7": DISCOVERY, "9": DISCOVERY, "10": DISCOVERY,
    "13": DISCOVERY, "29": DISCOVERY, "36": DISCOVERY,
    "16": SERVICE_CALL,
    "54": "tests.test_api::test_missing_prefetch_without_fhir_server_is_412",
    "55": "tests.test_conformance::test_prefetch_tokens_are_well_formed",
    "56": "tests.test_conformance::test_prefetch_tokens_are_well_formed",
    "57": "tests.test_conformance::test_prefetch_tokens_are_well_formed",
    "59": "tests.test_conformance::test_prefetch_tokens_are_well_formed",
    "61": "tests.test_prefetch::test_missing_keys_are_fetched_with_the_bearer_token_and_patient_query",
    "74": SERVICE_CALL,
    "75": "n/a: systemActions is optional and this service sends none (the schema forbids an empty one)",
    "80": "tests.test_conformance::test_card_and_suggestion_uuids_are_unique",
    "83": CARDS_SCHEMA, "85": CARDS_SCHEMA, "87": CARDS_SCHEMA, "88": CARDS_SCHEMA,
    "89": "n/a: a CDS Client behaviour (display decisions)",
    "90": CARDS_SCHEMA, "92": CARDS_SCHEMA, "93": CARDS_SCHEMA, "95": CARDS_SCHEMA, "96": CARDS_SCHEMA,
    "98": CARDS_SCHEMA, "100": CARDS_SCHEMA, "103": CARDS_SCHEMA, "105": CARDS_SCHEMA, "107": CARDS_SCHEMA,
    "111": "n/a: cards carry no source.icon",
    "115": CARDS_SCHEMA, "117": CARDS_SCHEMA, "119": CARDS_SCHEMA, "121": CARDS_SCHEMA, "124": CARDS_SCHEMA,
    "125": "n/a: how a CDS Client applies a suggestion's actions (each suggestion is built as one unit)",
    "127": CARDS_SCHEMA, "128": CARDS_SCHEMA, "130": CARDS_SCHEMA,
    "131": "tests.test_conformance::test_suggested_resources_are_valid_fhir",
    "132": "n/a: the service suggests no update actions",
    "133": CARDS_SCHEMA, "134": CARDS_SCHEMA, "135": CARDS_SCHEMA, "136": CARDS_SCHEMA, "138": CARDS_SCHEMA,
    "139": CARDS_SCHEMA, "141": CARDS_SCHEMA, "142": CARDS_SCHEMA,
    "144": "n/a: links are absolute; no appContext is sent",
    "147": CARDS_SCHEMA,
    "168": "n/a: inbound TLS is terminated by the deployment's reverse proxy; outbound FHIR calls need https (row 2)",
    "176": "tests.test_security_jwt::test_forged_or_invalid_token_is_refused",
    "199": "tests.test_security_jwt::test_jwks_file",
    "201": "tests.test_security_jwt::test_forged_or_invalid_token_is_refused",
    "203": "tests.test_security_jwt::test_private_key_members_in_a_jwks_are_ignored_and_hmac_keys_unusable",
    "208": "tests.test_security_http::test_preflight_for_an_allowed_origin_needs_no_token",
    "211": "n/a: this service does not replace earlier cards",
    "213": "n/a: negotiation between deployers; the README lists both hooks and their prefetch",
    "214": "tests.test_conformance::test_extension_is_a_json_object",
    "216": CARDS_SCHEMA, "217": CARDS_SCHEMA, "218": CARDS_SCHEMA, "219": CARDS_SCHEMA, "220": CARDS_SCHEMA,
}


def _service_shall_rows() -> dict[str, str]:
    with REQUIREMENTS.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return {r[0]: r[2] for r in rows[1:] if "Service" in r[4] and r[3] in ("SHALL", "SHALL NOT")}


def test_every_service_shall_row_is_mapped():
    rows = _service_shall_rows()
    assert rows, f"no requirement rows read from {REQUIREMENTS}"
    assert sorted(set(rows) - set(CONFORMANCE), key=int) == []


def test_every_mapped_test_exists():
    for row, target in CONFORMANCE.items():
        if target.startswith(("n/a:", "pending:")):
            continue
        module, function = target.split("::")
        assert hasattr(importlib.import_module(module), function), f"row {row}: {target} does not exist"


# -- checks that apply to every response the fixtures produce

@pytest.fixture(scope="module")
def responses() -> list[dict[str, Any]]:
    client = make_app().test_client()
    out = []
    for fixture in fhir_fixtures.all_fixtures().values():
        service = "imnm-patient-view" if fixture.hook == "patient-view" else "imnm-order-sign"
        response = client.post(f"/cds-services/{service}?explain=true", json=fixture.request(date.today()))
        assert response.status_code == 200, fixture.name
        out.append(response.get_json())
    return out


def test_every_fixture_response_satisfies_the_response_schema(responses):
    from tests.conftest import assert_valid_response

    for body in responses:
        assert_valid_response(body)


def _empties(value: Any, path: str = "") -> list[str]:
    if value is None or value in ("", [], {}):
        return [path]
    if isinstance(value, dict):
        if value.get("resourceType"):
            return []  # FHIR resources follow FHIR's own rules (checked by fhir.resources)
        return [p for k, v in value.items() for p in _empties(v, f"{path}.{k}") if not (k == "cards" and v == [])]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _empties(v, f"{path}[{i}]")]
    return []


def test_no_null_or_empty_elements_in_responses(responses):
    for body in responses:
        response_without_explanation = {k: v for k, v in body.items() if k != "extension"}
        assert _empties(response_without_explanation) == []


def test_card_and_suggestion_uuids_are_unique(responses):
    ids = [c["uuid"] for body in responses for c in body["cards"]]
    ids += [s["uuid"] for body in responses for c in body["cards"] for s in c.get("suggestions", [])]
    assert len(ids) == len(set(ids)) and ids


def test_suggested_resources_are_valid_fhir(responses):
    from fhir.resources.R4B import get_fhir_model_class

    created = [a["resource"] for body in responses for c in body["cards"] for s in c.get("suggestions", [])
               for a in s["actions"] if a["type"] == "create"]
    assert created
    for resource in created:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert resource["status"] == "draft" and resource["intent"] in ("proposal", "order")


def test_extension_is_a_json_object(responses):
    extensions = [body["extension"] for body in responses if "extension" in body]
    assert extensions and all(isinstance(e, dict) and e for e in extensions)


def test_prefetch_tokens_are_well_formed():
    for template in PREFETCH.values():
        tokens = re.findall(r"\{\{(.*?)\}\}", template)
        assert tokens, template
        for token in tokens:
            assert re.fullmatch(r"context\.[A-Za-z]+", token.strip()), token
            assert token.strip() in ("context.patientId", "context.encounterId", "context.userId")
