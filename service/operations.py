"""What operations needs from every worker: request metrics, ``GET /metrics``, the log correlation id, the
feedback snooze policy, and counting cards as they are recorded.

Installed by ``create_app`` with one call, so the HTTP module stays about CDS Hooks.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from flask import Flask, Response, g, request

from service import logging_json, metrics
from service.discovery import SERVICES
from service.feedback import SnoozeRules
from service.store import CallRecord, Store

SNOOZE_POLICY = "imnm_cds_snooze_policy"


class MeteredStore:
    """Counts cards (per rule and indicator) and snoozed rules as each call is recorded, then delegates."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def ready(self) -> bool:
        return self.inner.ready()

    def snoozed(self, patient_id: str | None, rule_ids: Iterable[str], *, client: str | None,
                service_id: str) -> dict[str, str]:
        return self.inner.snoozed(patient_id, rule_ids, client=client, service_id=service_id)

    def record_call(self, record: CallRecord) -> None:
        for card in record.cards:
            metrics.CARDS.labels(card["source"]["topic"]["code"], card["indicator"]).inc()
        for entry in record.explanation:
            if entry.get("status") == "snoozed":
                metrics.SNOOZED.labels(entry["rule"]).inc()
        self.inner.record_call(record)

    def __getattr__(self, name: str) -> Any:  # record_feedback, purge, engine ... of the real store
        return getattr(self.inner, name)


def snooze_policy(app: Flask) -> SnoozeRules:
    return app.extensions[SNOOZE_POLICY]


def install(app: Flask) -> None:
    runtime = app.extensions["imnm_cds"]
    runtime.store = MeteredStore(runtime.store)
    app.extensions[SNOOZE_POLICY] = SnoozeRules(runtime.settings.feedback, runtime.knowledge)  # checks config now

    @app.before_request
    def _start() -> None:
        g.imnm_started = time.perf_counter()
        logging_json.clear()
        service = (request.view_args or {}).get("service_id")
        if service in SERVICES:
            logging_json.bind(service=service)

    @app.after_request
    def _count(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        service = (request.view_args or {}).get("service_id")
        labels = (rule, service if service in SERVICES else "", str(response.status_code))
        metrics.REQUESTS.labels(*labels).inc()
        started = g.get("imnm_started")
        if started is not None:
            metrics.LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)
