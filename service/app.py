"""The Flask application: CDS Hooks 2.0 discovery and service endpoints, health, and errors.

Everything clinical happens in ``hooks.engine.evaluate``; this module parses and validates the HTTP request,
resolves prefetch data, calls the engine, and shapes the CDS Hooks response.
"""

from __future__ import annotations

import gc
import logging
import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests
from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from hooks import engine, knowledge
from service import feedback, logging_json, operations, prefetch, security, validation
from service.auth import (
    Authenticator,
    Caller,
    ReplayCheckUnavailable,
    Unauthorized,
    build_authenticator,
    fhir_server_refusal,
)
from service.config import Settings
from service.discovery import PREFETCH, SERVICES
from service.errors import APIError, error_response
from service.json_writer import OrjsonProvider
from service.store import CallRecord, Store

log = logging.getLogger("imnm_cds")


@dataclass
class Runtime:
    """What a worker loads once at start-up and shares across requests."""

    settings: Settings
    knowledge: knowledge.Knowledge
    authenticator: Authenticator
    store: Store
    session: requests.Session = field(default_factory=requests.Session)
    zone: ZoneInfo = field(init=False)  # resolved once: a misspelt time zone stops start-up, not every call

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.settings.server.timezone)

    def today(self) -> date:
        return datetime.now(self.zone).date()


def tune_garbage_collector() -> None:
    """Called once per worker after start-up. First, move everything loaded so far (value sets, rules, schemas)
    out of the garbage collector's view: they live as long as the worker, and without this every full collection
    walks them again and a request that happens to trigger one waits tens of milliseconds (the benchmark's p99
    fell from about 54 to 13 ms)."""
    gc.collect()
    gc.freeze()
    # A hook call allocates tens of thousands of short-lived objects (the parsed prefetch) that reference
    # counting frees without help; at the default threshold (700) the collector would also walk them a dozen
    # times per call. Cyclic garbage is still collected, just every 50,000 allocations.
    gc.set_threshold(50_000, 20, 10)


def runtime() -> Runtime:
    return current_app.extensions["imnm_cds"]


def without_nulls(value: Any) -> Any:
    """``value`` with every null or empty member and item left out, at any depth: CDS Hooks forbids null or empty
    JSON elements, and an explanation's facts say 'not on file' as None (an entry may have no facts). A number
    that is not finite (no JSON number) is left out too."""
    if isinstance(value, dict):
        kept = ((k, without_nulls(v)) for k, v in value.items())
        return {k: v for k, v in kept if not _empty(v)}
    if isinstance(value, list):
        return [v for v in map(without_nulls, value) if not _empty(v)]
    return value


def _empty(value: Any) -> bool:
    return value is None or value in ("", {}, []) or (isinstance(value, float) and not math.isfinite(value))


def create_app(settings: Settings | None = None, kb: knowledge.Knowledge | None = None,
               store: Store | None = None, authenticator: Authenticator | None = None,
               session: requests.Session | None = None) -> Flask:
    settings = settings or Settings.load()
    kb = kb or knowledge.load(settings.clinical.valueset_dirs, settings.clinical.thresholds_file or None)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.limits.max_body_bytes
    app.json = OrjsonProvider(app)
    store = store if store is not None else open_configured_store(settings)
    # The jti replay cache lives in the shared database, so a token replayed to another worker or replica fails.
    replay = store.replay_cache() if hasattr(store, "replay_cache") else None
    app.extensions["imnm_cds"] = Runtime(settings, kb, authenticator or build_authenticator(settings, replay),
                                         store, session or requests.Session())
    for name in ("hook-request", "feedback-request"):
        validation.validator(name)  # load and check every schema now, not per request
        validation.fast_validator(name)
    validation.depth_validator(settings.limits.max_json_depth)
    app.register_error_handler(APIError, lambda e: error_response(e.status, e.message, e.field))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    security.install(app, settings)
    _routes(app)
    if settings.features.sandbox:  # off in production configuration: no /sandbox routes exist at all
        from service.sandbox import blueprint as sandbox

        app.register_blueprint(sandbox)
    operations.install(app)  # metrics, /metrics, log correlation id, snooze policy
    return app


def open_configured_store(settings: Settings) -> Store:
    """The shared database (SQLite file by default) with its schema migrated; see docs/operations.md."""
    from service.storage import open_store

    return open_store(settings.storage.url, audit_request_bodies=settings.storage.audit_request_bodies)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    messages = {404: "No such resource (unknown service id or path)", 405: "Method not allowed here",
                413: "Request body is larger than the configured limit"}
    return error_response(status, messages.get(status, error.description or error.name))


def _unexpected_error(error: Exception) -> Response:
    log.exception("unexpected error")
    return error_response(500, "Internal error; it has been logged")


def _audience() -> str:
    """The URL invoked: what a client's JWT carries as aud (CDS Hooks 2.0 "Trusting CDS Clients")."""
    base = runtime().settings.server.public_base_url.rstrip("/")
    return f"{base}{request.path}" if base else request.base_url


def _authenticate(*also_accepted: str) -> Caller:
    """The caller, from a JWT whose aud is the URL invoked or one of ``also_accepted``."""
    audience = [_audience(), *also_accepted] if also_accepted else _audience()
    try:
        caller = runtime().authenticator.authenticate(request.headers.get("Authorization"), audience)
    except Unauthorized as exc:
        log.warning("authentication failed for %s: %s", request.path, exc)
        raise APIError(401, "Unauthorized") from exc
    except ReplayCheckUnavailable as exc:
        log.error("authentication could not check the token for replay: %s", exc)
        raise APIError(503, "The token cannot be checked now; try again shortly") from exc
    g.caller = caller
    return caller


def _routes(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Response | tuple[Response, int]:
        rt = runtime()
        checks = {"rules": len(rt.knowledge.rules), "valuesets": len(rt.knowledge.valuesets.by_code),
                  "database": rt.store.ready()}
        ok = bool(checks["rules"] and checks["valuesets"] and checks["database"])
        return jsonify(status="ready" if ok else "not ready", checks=checks,
                       knowledgeVersion=rt.knowledge.version), (200 if ok else 503)

    @app.get("/cds-services")
    def discovery() -> Response:
        _authenticate()
        return jsonify(services=[s.definition() for s in SERVICES.values()])

    @app.post("/cds-services/<service_id>")
    def call(service_id: str) -> Response:
        started = time.perf_counter()
        service = SERVICES.get(service_id)
        if service is None:
            raise APIError(404, f"Unknown CDS service id {service_id!r}", "id")
        caller = _authenticate()
        rt = runtime()
        body = validation.read_json(request, rt.settings.limits)
        hook = body.get("hook") if isinstance(body, dict) else None
        # before the schema, whose context checks follow the body's hook: a mismatch is named as one
        if isinstance(hook, str) and hook != service.hook:
            raise APIError(400, f"Service {service_id} answers hook {service.hook!r}, not {hook!r}", "hook")
        validation.validate("hook-request", body)
        logging_json.bind(hook=body["hookInstance"])
        limits, fhir = rt.settings.limits, rt.settings.fhir
        context = body["context"]
        order_count = prefetch.count_entries(context.get("draftOrders"))  # refused before any FHIR call
        if order_count > limits.max_bundle_entries:
            raise APIError(413, f"{order_count} draft orders; the limit is {limits.max_bundle_entries}",
                           "context.draftOrders")
        data = prefetch.resolve(
            body, PREFETCH, needed=rt.knowledge.needed_prefetch(service.hook), session=rt.session,
            timeout=fhir.timeout_seconds, budget=fhir.budget_seconds, max_bytes=limits.max_fhir_response_bytes,
            max_pages=fhir.max_pages,
            max_entries=limits.max_bundle_entries, page_size=fhir.page_size,
            server_policy=lambda server: fhir_server_refusal(server, caller, rt.settings))
        patient_id = context.get("patientId")
        policy = operations.snooze_policy(app)
        result = engine.evaluate(
            rt.knowledge, service.hook, context, data.data, today=rt.today(), zone=rt.zone,
            unavailable=data.unavailable,
            # the current policy decides, not the one in force when the override was stored
            snoozed=lambda rule_ids: rt.store.snoozed(patient_id, [r for r in rule_ids if policy.may_snooze(r)],
                                                      client=caller.iss, service_id=service_id),
            strict=rt.settings.clinical.strict_validation)
        warnings = data.warnings + result.warnings
        if data.fetched:
            warnings.append(f"Fetched from the FHIR server (not prefetched): {', '.join(data.fetched)}.")
        response: dict[str, Any] = {"cards": result.cards}
        extension: dict[str, Any] = {}
        if warnings:
            extension["warnings"] = warnings
        if request.args.get("explain") in ("1", "true") and rt.settings.features.explain:
            extension["knowledgeVersion"] = rt.knowledge.version
            extension["explanation"] = without_nulls(result.explanation)  # CDS Hooks: no null JSON elements
        if extension:
            response["extension"] = {"imnm-cds": extension}
        record = CallRecord(
            service_id=service_id, hook_instance=body["hookInstance"], client=caller.iss,
            patient_id=patient_id, encounter_id=context.get("encounterId"), explanation=result.explanation,
            cards=result.cards, knowledge_version=rt.knowledge.version,
            latency_ms=(time.perf_counter() - started) * 1000,
            request_body=body)  # the store keeps it only if configured to, and never the token
        # Recorded before answering: feedback on these cards may arrive the moment the EHR shows them.
        rt.store.record_call(record)
        return jsonify(response)

    @app.post("/cds-services/<service_id>/feedback")
    def feedback_call(service_id: str) -> Response:
        if service_id not in SERVICES:
            raise APIError(404, f"Unknown CDS service id {service_id!r}", "id")
        # CDS clients sign feedback for the feedback URL (the endpoint invoked) or for the service's own URL
        caller = _authenticate(_audience().removesuffix("/feedback"))
        body = validation.read_json(request, runtime().settings.limits, "feedback-request")
        results = feedback.receive(runtime().store, operations.snooze_policy(app), service_id, caller.iss, body)
        return jsonify(feedback.response_body(results))  # only after the items are committed
