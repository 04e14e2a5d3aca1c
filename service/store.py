"""Where issued cards, audit records, feedback and alert snoozes are kept (the seam to the database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass
class CallRecord:
    """One service call as the audit trail keeps it (never tokens; the body only if a site turns it on)."""

    service_id: str
    hook_instance: str
    client: str | None
    patient_id: str | None
    encounter_id: str | None
    explanation: list[dict[str, Any]]
    cards: list[dict[str, Any]]
    knowledge_version: str
    latency_ms: float
    request_body: Mapping[str, Any] | None = None  # as received: it carries fhirAuthorization, which no store keeps


class Store(Protocol):
    def ready(self) -> bool: ...

    def snoozed(self, patient_id: str | None, rule_ids: Iterable[str], *, client: str | None,
                service_id: str) -> dict[str, str]:
        """The rules held back for this patient by an override at this EHR (``client``) and service, with why."""
        ...

    def record_call(self, record: CallRecord) -> None: ...


class NullStore:
    """Keeps nothing: for in-process evaluation (``imnm-cds evaluate``) and tests of the protocol alone."""

    def ready(self) -> bool:
        return True

    def snoozed(self, patient_id: str | None, rule_ids: Iterable[str], *, client: str | None,
                service_id: str) -> dict[str, str]:
        return {}

    def record_call(self, record: CallRecord) -> None:
        return None
