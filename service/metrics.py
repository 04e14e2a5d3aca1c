"""Prometheus metrics (``GET /metrics``).

Under gunicorn each worker is its own process. When ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn's
``on_starting`` hook in service.gunicorn_conf sets it to a fresh temporary directory unless the operator chose
one), prometheus-client writes every worker's
values to files there and ``/metrics`` aggregates them, so a scrape sees the whole server, not one worker.
Without it, each worker has its own registry and a scrape sees only the worker that answered.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client import values as _values

REQUESTS = Counter("imnm_cds_requests_total", "HTTP requests by endpoint, service id and status",
                   ["endpoint", "service", "status"])
LATENCY = Histogram("imnm_cds_request_seconds", "HTTP request latency by endpoint, service id and status",
                    ["endpoint", "service", "status"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
CARDS = Counter("imnm_cds_cards_total", "Cards returned, by rule id and indicator", ["rule", "indicator"])
SNOOZED = Counter("imnm_cds_snoozed_total", "Cards held back by a clinician's earlier override, by rule", ["rule"])
FHIR_FETCHES = Counter("imnm_cds_fhir_fetches_total",
                       "Prefetch keys fetched from the FHIR server because the EHR did not send them", ["key"])
FHIR_FETCH_FAILURES = Counter("imnm_cds_fhir_fetch_failures_total",
                              "Prefetch keys the service failed to fetch from the FHIR server", ["key"])
FEEDBACK = Counter("imnm_cds_feedback_total", "Feedback items stored, by outcome and override reason code",
                   ["outcome", "reason"])
FEEDBACK_UNKNOWN = Counter("imnm_cds_feedback_unknown_card_total",
                           "Feedback items whose card uuid the service never issued (recorded anyway)")
STORAGE_ERRORS = Counter("imnm_cds_storage_errors_total",
                         "Database operations that failed (the call was still answered)", ["operation"])


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def multiprocess_active() -> bool:
    """True when this process writes its values to files (the mode is fixed when prometheus-client is imported)."""
    return _values.ValueClass is not _values.MutexValue and bool(multiprocess_dir())


def exposition() -> tuple[bytes, str]:
    """The text format of every metric: aggregated over worker processes when multiprocess mode is on."""
    if multiprocess_active():
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST


def worker_exit(pid: int) -> None:
    """gunicorn ``child_exit`` hook: let a dead worker's live gauges go (counters stay summed)."""
    if multiprocess_dir():
        _multiprocess.mark_process_dead(pid)
