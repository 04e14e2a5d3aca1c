"""Prefetch resolution (CDS Hooks 2.0 section "Prefetch"; service-contract.md section 2).

Each key is either present (use it), ``null`` (known empty), an OperationOutcome (the client failed to get it:
the data is unavailable, and rules that need it say so), or missing (fetch it from ``fhirServer`` with the
``fhirAuthorization`` token, all keys in parallel, within one time budget). If a missing key cannot be
fetched, the call is answered 412.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from service import metrics
from service.errors import APIError
from service.fhir_client import FhirClient, FhirError, TooManyEntries

_TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")


@dataclass
class Prefetched:
    data: dict[str, Any] = field(default_factory=dict)
    unavailable: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


def render(template: str, context: Mapping[str, Any]) -> str:
    def value(match: re.Match[str]) -> str:
        found = context.get(match[1])
        if not isinstance(found, str):
            raise APIError(400, f"context.{match[1]} is needed for prefetch", f"context.{match[1]}")
        return quote(found, safe="")

    return _TOKEN.sub(value, template)


# Which prefetch key each resource type of a patient Bundle belongs to (Medication resources ride with the
# MedicationRequests that reference them; reports and imaging studies are read like procedures).
_BUNDLE_KEYS = {"Condition": "conditions", "Observation": "observations", "MedicationRequest": "medications",
                "Medication": "medications", "Immunization": "immunizations", "Procedure": "procedures",
                "DiagnosticReport": "procedures", "ImagingStudy": "procedures"}


def from_bundle(bundle: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """A patient's FHIR R4 Bundle (a Synthea export, a pasted chart) split into the six prefetch keys, and the
    id of its (first) Patient, if any."""
    keyed: dict[str, list[dict[str, Any]]] = {key: [] for key in dict.fromkeys(_BUNDLE_KEYS.values())}
    data: dict[str, Any] = {}
    patient_id: str | None = None
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise APIError(400, "Bundle.entry must be an array", "entry")
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        kind = resource.get("resourceType")
        if kind == "Patient" and "patient" not in data:
            data["patient"] = resource
            patient_id = str(resource["id"]) if resource.get("id") else None
        elif kind in _BUNDLE_KEYS:
            keyed[_BUNDLE_KEYS[kind]].append(resource)
    for key, items in keyed.items():
        data[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(items),
                     "entry": [{"resource": r} for r in items]}
    return data, patient_id


def count_entries(document: Any) -> int:
    entries = document.get("entry") if isinstance(document, dict) else None
    return len(entries) if isinstance(entries, list) else 0


# The check that decides whether a fhirServer may receive this caller's token; the security layer sets it.
ServerPolicy = Callable[[str], str | None]


def resolve(request: Mapping[str, Any], templates: Mapping[str, str], *, session: requests.Session,
            timeout: float, budget: float, max_bytes: int, max_pages: int, max_entries: int,
            server_policy: ServerPolicy, page_size: int | None = None) -> Prefetched:
    result = Prefetched()
    sent = request.get("prefetch") or {}
    missing = []
    for key in templates:
        if key not in sent:
            missing.append(key)
            continue
        value = sent[key]
        if value is None:
            result.data[key] = None
        elif value.get("resourceType") == "OperationOutcome":
            result.unavailable.add(key)
            result.warnings.append(f"Prefetch '{key}' failed at the EHR (OperationOutcome); rules that need it "
                                   "are reported as not evaluable.")
        else:
            result.data[key] = value
    if missing:
        _fetch(request, templates, missing, result, session=session, timeout=timeout, budget=budget,
               max_bytes=max_bytes, max_pages=max_pages, max_entries=max_entries, server_policy=server_policy,
               page_size=page_size)
    total = sum(count_entries(v) for v in result.data.values())
    if total > max_entries:
        raise APIError(413, f"{total} resources in prefetch data; the limit is {max_entries}", "prefetch")
    return result


def _fetch(request: Mapping[str, Any], templates: Mapping[str, str], missing: list[str], result: Prefetched, *,
           session: requests.Session, timeout: float, budget: float, max_bytes: int, max_pages: int,
           max_entries: int, server_policy: ServerPolicy, page_size: int | None) -> None:
    server = request.get("fhirServer")
    if not server:
        raise APIError(412, f"Prefetch keys {', '.join(missing)} were not sent and no fhirServer was given",
                       "prefetch")
    refusal = server_policy(server)
    if refusal:
        raise APIError(412, f"Prefetch keys {', '.join(missing)} were not sent and fhirServer cannot be used: "
                       f"{refusal}", "fhirServer")
    token = (request.get("fhirAuthorization") or {}).get("access_token")
    if not token:  # CDS Hooks: a service presents the client's access token with every FHIR call; none, no call
        raise APIError(412, f"Prefetch keys {', '.join(missing)} were not sent and no fhirAuthorization was given "
                       "to fetch them with", "fhirAuthorization")
    if not (token.isascii() and token.isprintable()):  # an HTTP header cannot carry it (RFC 6750: b64token)
        raise APIError(400, "fhirAuthorization.access_token must be printable ASCII",
                       "fhirAuthorization.access_token")
    client = FhirClient(server, token, session, timeout=timeout, deadline=time.monotonic() + budget,
                        max_bytes=max_bytes, max_pages=max_pages, page_size=page_size, max_entries=max_entries)
    context = request.get("context") or {}
    urls = {key: render(templates[key], context) for key in missing}
    with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="fhir") as pool:
        futures = {key: pool.submit(client.get, url) for key, url in urls.items()}
        failures = []
        for key, future in futures.items():
            try:
                result.data[key] = future.result()
                result.fetched.append(key)
                metrics.FHIR_FETCHES.labels(key).inc()
            except TooManyEntries as exc:
                raise APIError(413, f"{exc}; the limit is {max_entries} resources", "prefetch") from exc
            except FhirError as exc:
                failures.append(f"{key}: {exc}")
                metrics.FHIR_FETCH_FAILURES.labels(key).inc()
    if failures:
        raise APIError(412, "Could not fetch needed FHIR data: " + "; ".join(failures), "prefetch")
