"""Prefetch resolution (CDS Hooks 2.0 section "Prefetch"; service-contract.md section 2).

Each key is either present (use it), ``null`` (known empty), an OperationOutcome (the client failed to get it:
the data is unavailable, and rules that need it say so), or missing (fetch it from ``fhirServer`` with the
``fhirAuthorization`` token, all keys in parallel, within one time budget). A present value that is not what its
query answers (an Observation search sent as a Patient, a Bundle whose ``entry`` is not an array) is unavailable
like an OperationOutcome, never read as an empty chart. If a missing key cannot be fetched, the call is answered
412 when some rule of the hook needs it; any other key is reported unavailable and the call goes on.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Collection, Mapping
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


def _unreadable(template: str, value: Mapping[str, Any]) -> str | None:
    """Why ``value`` cannot be the answer to the prefetch query ``template`` (None: it can). A search answers with a
    Bundle; a read (``Patient/{{context.patientId}}``) with the resource, or a Bundle holding it."""
    kind = value.get("resourceType")
    expected = ("Bundle",) if "?" in template else (template.split("/", 1)[0], "Bundle")
    if kind not in expected:
        return f"a {kind} where {' or '.join(f'a {e}' for e in expected)} was expected"
    if kind == "Bundle" and "entry" in value and not isinstance(value["entry"], list):
        return "a Bundle whose 'entry' is not an array"
    return None


def resolve(request: Mapping[str, Any], templates: Mapping[str, str], *, needed: Collection[str],
            session: requests.Session, timeout: float, budget: float, max_bytes: int, max_pages: int,
            max_entries: int, server_policy: ServerPolicy, page_size: int | None = None) -> Prefetched:
    """The prefetch data of a hook call; ``needed`` are the keys some rule of its hook cannot be evaluated without
    (a missing one that cannot be fetched is answered 412)."""
    result = Prefetched()
    sent = request.get("prefetch") or {}
    missing = []
    for key, template in templates.items():
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
        elif problem := _unreadable(template, value):
            result.unavailable.add(key)
            result.warnings.append(f"Prefetch '{key}' could not be read: it is {problem}. Rules that need it are "
                                   "reported as not evaluable.")
        else:
            result.data[key] = value
    if missing:
        _fetch(request, templates, missing, needed, result, session=session, timeout=timeout, budget=budget,
               max_bytes=max_bytes, max_pages=max_pages, max_entries=max_entries, server_policy=server_policy,
               page_size=page_size)
    total = sum(count_entries(v) for v in result.data.values())
    if total > max_entries:
        raise APIError(413, f"{total} resources in prefetch data; the limit is {max_entries}", "prefetch")
    return result


def _give_up(failed: Mapping[str, str], needed: Collection[str], result: Prefetched, field: str) -> None:
    """Keys that were not sent and could not be fetched (key: why): 412 if a rule of the hook needs one of them;
    otherwise each is unavailable (rules that also read it say what they could not see) and the response says so."""
    blocking: dict[str, list[str]] = {}  # why: the needed keys that failed so
    for key, why in failed.items():
        if key in needed:
            blocking.setdefault(why, []).append(key)
    if blocking:
        reasons = "; ".join(f"{', '.join(keys)}: {why}" for why, keys in blocking.items())
        raise APIError(412, f"Prefetch data this hook's rules need was not sent and could not be fetched ({reasons})",
                       field)
    for key, why in failed.items():
        result.unavailable.add(key)
        result.warnings.append(f"Prefetch '{key}' was not sent and could not be fetched ({why}); rules that read "
                               "it say what they could not see.")


def _fetch(request: Mapping[str, Any], templates: Mapping[str, str], missing: list[str], needed: Collection[str],
           result: Prefetched, *, session: requests.Session, timeout: float, budget: float, max_bytes: int,
           max_pages: int, max_entries: int, server_policy: ServerPolicy, page_size: int | None) -> None:
    server = request.get("fhirServer")
    if not server:
        _give_up(dict.fromkeys(missing, "no fhirServer was given"), needed, result, "prefetch")
        return
    refusal = server_policy(server)
    if refusal:
        _give_up(dict.fromkeys(missing, f"fhirServer cannot be used: {refusal}"), needed, result, "fhirServer")
        return
    token = (request.get("fhirAuthorization") or {}).get("access_token")
    if not token:  # CDS Hooks: a service presents the client's access token with every FHIR call; none, no call
        _give_up(dict.fromkeys(missing, "no fhirAuthorization was given to fetch it with"), needed, result,
                 "fhirAuthorization")
        return
    if not (token.isascii() and token.isprintable()):  # an HTTP header cannot carry it (RFC 6750: b64token)
        raise APIError(400, "fhirAuthorization.access_token must be printable ASCII",
                       "fhirAuthorization.access_token")
    client = FhirClient(server, token, session, timeout=timeout, deadline=time.monotonic() + budget,
                        max_bytes=max_bytes, max_pages=max_pages, page_size=page_size, max_entries=max_entries)
    context = request.get("context") or {}
    urls = {key: render(templates[key], context) for key in missing}
    failures: dict[str, str] = {}
    with ThreadPoolExecutor(max_workers=len(urls), thread_name_prefix="fhir") as pool:
        futures = {key: pool.submit(client.get, url) for key, url in urls.items()}
        for key, future in futures.items():
            try:
                value = future.result()
                if problem := _unreadable(templates[key], value):
                    raise FhirError(f"FHIR server answered {problem}")
                result.data[key] = value
                result.fetched.append(key)
                metrics.FHIR_FETCHES.labels(key).inc()
            except TooManyEntries as exc:
                raise APIError(413, f"{exc}; the limit is {max_entries} resources", "prefetch") from exc
            except FhirError as exc:
                failures[key] = str(exc)
                metrics.FHIR_FETCH_FAILURES.labels(key).inc()
    if failures:
        _give_up(failures, needed, result, "prefetch")
