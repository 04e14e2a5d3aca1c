"""GET /metrics (Prometheus text format), /readyz on the database, and JSON logs with the hookInstance."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import date

import pytest
from prometheus_client.parser import text_string_to_metric_families

import fhir_fixtures
from fhir_fixtures.fake_server import FakeFhir, serving
from service import logging_json
from service.store import NullStore
from tests.api_support import make_app, post

FIXTURE, RULE = "r09-fires-30-mg-weekly-established", "mtx-weekly-dose-range"


@pytest.fixture
def client(tmp_path):
    return make_app(storage={"url": f"sqlite:///{tmp_path / 'db.sqlite3'}"}).test_client()


def _samples(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_cards_and_feedback_are_counted(client):
    before = _samples(client)
    body = post(client, "imnm-order-sign", fhir_fixtures.get(FIXTURE).request(date.today())).get_json()
    card = next(c for c in body["cards"] if c["source"]["topic"]["code"] == RULE)
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
            "overrideReason": {"reason": {"system": "urn:imnm-cds:override-reason", "code": "patient-declined"}}}
    assert client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]}).status_code == 200
    unknown = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
    assert client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [unknown]}).status_code == 200
    free_text = {**item, "outcomeTimestamp": "2026-11-21T10:01:00Z",
                 "overrideReason": {"reason": {"system": "urn:other", "code": "anything-a-caller-writes"}}}
    assert client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [free_text]}).status_code == 200
    client.post("/cds-services/imnm-order-sign", json={"hook": "order-sign"})  # 400
    after = _samples(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    route = {"endpoint": "/cds-services/<service_id>", "service": "imnm-order-sign"}
    assert delta("imnm_cds_requests_total", **route, status="200") == 1
    assert delta("imnm_cds_requests_total", **route, status="400") == 1
    assert delta("imnm_cds_request_seconds_count", **route, status="200") == 1
    assert delta("imnm_cds_cards_total", rule=RULE, indicator="warning") == 1
    assert delta("imnm_cds_feedback_total", outcome="overridden", reason="patient-declined") == 1
    assert delta("imnm_cds_feedback_total", outcome="overridden", reason="other") == 1  # not the caller's text
    assert not any("anything-a-caller-writes" in str(key) for key in after)
    assert delta("imnm_cds_feedback_unknown_card_total") == 1
    assert delta("imnm_cds_requests_total", endpoint="/cds-services/<service_id>/feedback",
                 service="imnm-order-sign", status="200") == 3


def test_snoozed_cards_are_counted(client):
    body = post(client, "imnm-order-sign", fhir_fixtures.get(FIXTURE).request(date.today())).get_json()
    card = next(c for c in body["cards"] if c["source"]["topic"]["code"] == RULE)
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
            "overrideReason": {"reason": card["overrideReasons"][0]}}
    client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]})
    before = _value(_samples(client), "imnm_cds_snoozed_total", rule=RULE)
    post(client, "imnm-order-sign", fhir_fixtures.get(FIXTURE).request(date.today()))
    assert _value(_samples(client), "imnm_cds_snoozed_total", rule=RULE) == before + 1


def test_fhir_fallback_fetches_and_failures_are_counted(client):
    body = fhir_fixtures.get("r14-fires-patient-view-active-statin").request(date.today())
    data = body.pop("prefetch")
    before = _samples(client)
    with serving(FakeFhir(data, fail={"Observation"})) as fake:
        body["fhirServer"] = fake.base_url
        body["fhirAuthorization"] = {"access_token": fake.token, "token_type": "Bearer", "expires_in": 300,
                                     "scope": "patient/*.read", "subject": "cds-service"}
        assert post(client, "imnm-patient-view", body).status_code == 412
    after = _samples(client)
    assert (_value(after, "imnm_cds_fhir_fetch_failures_total", key="observations")
            - _value(before, "imnm_cds_fhir_fetch_failures_total", key="observations")) == 1
    assert (_value(after, "imnm_cds_fhir_fetches_total", key="conditions")
            - _value(before, "imnm_cds_fhir_fetches_total", key="conditions")) == 1


def test_readyz_reports_the_database(tmp_path):
    ready = make_app(storage={"url": f"sqlite:///{tmp_path / 'db.sqlite3'}"}).test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["database"] is True

    class Down(NullStore):
        def ready(self) -> bool:
            return False

    from service.app import create_app
    from service.config import Settings

    app = create_app(Settings.load(None, env={}, overrides={"auth": {"required": False}}), store=Down())
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["database"] is False


def test_json_log_lines_carry_the_hook_instance(client, monkeypatch):
    from hooks import engine

    real = engine.evaluate

    def logging_evaluate(*args, **kwargs):  # stands in for any module logging while a call is served
        logging.getLogger("hooks.engine").warning("evaluating")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", logging_evaluate)
    formatter = logging_json.JsonFormatter()
    rendered: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            rendered.append(formatter.format(record))

    handler = Keep(level=logging.INFO)
    logging.getLogger().addHandler(handler)
    try:
        request = fhir_fixtures.get("r14-fires-order-sign-antibody-coded").request(date.today())
        request["hookInstance"] = "hook-correlation-123"
        assert post(client, "imnm-order-sign", request).status_code == 200
        item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
        client.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]})
    finally:
        logging.getLogger().removeHandler(handler)
    documents = [json.loads(line) for line in rendered]
    assert all({"time", "level", "logger", "message"} <= set(d) for d in documents)
    evaluating = next(d for d in documents if d["message"] == "evaluating")
    assert evaluating["hookInstance"] == "hook-correlation-123" and evaluating["service"] == "imnm-order-sign"
    unknown = next(d for d in documents if "unknown card" in d["message"])
    assert "hookInstance" not in unknown, "the correlation id does not leak into the next request"


def test_formatter_includes_extra_fields_and_exceptions():
    formatter = logging_json.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info())
    record.rule = "r1"
    document = json.loads(formatter.format(record))
    assert document["message"] == "failed here" and document["rule"] == "r1" and "ValueError" in document["exception"]
