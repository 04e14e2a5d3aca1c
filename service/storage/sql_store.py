"""``SqlStore``: the ``service.store.Store`` protocol on SQLAlchemy, plus feedback, snoozes, purge.

Failure policy: the database must never stop advice reaching the clinician. If the snooze look-up fails, every
card is shown (the safe direction) and the failure is logged and counted; if the audit write fails, the call is
still answered, and the failure is logged and counted (``imnm_cds_storage_errors_total``) so that monitoring
can page someone. Feedback is different: it is acknowledged (200) only after its transaction has committed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from service import metrics
from service.storage.database import (
    driver_write_transaction,
    open_engine,
    upgrade,
    write_transaction,
)
from service.storage.driver_sql import DriverSql, Insert
from service.storage.models import AuditCall, Feedback, IssuedCard, JwtReplay, Snooze
from service.storage.replay import SqlReplayCache
from service.store import CallRecord

log = logging.getLogger(__name__)

# Explanation statuses (hooks.engine) -> audit column
_STATUS_COLUMNS = {"fired": "fired", "suppressed": "suppressed", "not-evaluable": "not_evaluable",
                   "snoozed": "snoozed", "error": "errors"}


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """In UTC: SQLite hands back naive datetimes stored as UTC, PostgreSQL aware ones in the session's time zone."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _clip(value: Any, length: int) -> str | None:
    """Identifiers come from the client; a value longer than its column must not turn into a 500 on PostgreSQL."""
    if value is None:
        return None
    text_value = str(value)
    return text_value if len(text_value) <= length else text_value[:length]


@dataclass(frozen=True)
class FeedbackItem:
    """One validated CDS Hooks feedback item."""

    card: str
    outcome: str
    outcome_timestamp: str
    outcome_at: datetime | None = None
    accepted_suggestions: tuple[str, ...] = ()
    override_system: str | None = None
    override_code: str | None = None
    override_display: str | None = None
    user_comment: str | None = None

    @property
    def digest(self) -> str:
        """SHA-256 of everything the item says (``outcome_at`` is read from ``outcome_timestamp``): with the card,
        the service posted to and the EHR that posted it, the idempotency key. A retry of the same item is a
        duplicate; the same card, outcome and time sent again with a reason, a comment or other accepted suggestions
        is another record (never a lost one). Suggestions are a set. Migration 0002 gave the rows stored before it
        their digest with a frozen copy of this: changing it needs a migration."""
        content = [self.card, self.outcome, self.outcome_timestamp, sorted(self.accepted_suggestions),
                   self.override_system, self.override_code, self.override_display, self.user_comment]
        return hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()


def _client_key(client: str | None) -> str:
    """The EHR as a snooze is scoped to it: its JWT ``iss`` as stored, '' with authentication off."""
    return _clip(client, 512) or ""


@dataclass(frozen=True)
class IssuedCardInfo:
    """What the snooze policy needs to know about the card a feedback item is about."""

    uuid: str
    rule_id: str
    indicator: str
    patient_id: str | None
    service_id: str  # the CDS service that returned the card
    client: str | None  # the EHR it was returned to (None with authentication off)


@dataclass
class FeedbackResult:
    card: str
    recorded: bool  # False: an identical item was already stored (idempotent duplicate)
    known_card: bool
    rule_id: str | None = None
    snoozed_until: datetime | None = None
    issued_by_other_service: str | None = None  # the service that returned the card, when not the one posted to
    issued_to_other_client: bool = False  # the card was returned to another EHR than the one that posted this


# Given the card and the item, how long to snooze (None: not at all) and a note for the log.
SnoozePolicy = Callable[[IssuedCardInfo, FeedbackItem], timedelta | None]


@dataclass
class SqlStore:
    """The database behind one worker; every worker and replica pointing at the same URL agrees."""

    engine: Engine
    audit_request_bodies: bool = False
    clock: Callable[[], datetime] = utcnow
    _insert: Any = field(init=False, repr=False)
    _driver: DriverSql = field(init=False, repr=False)
    _insert_call: Insert = field(init=False, repr=False)
    _insert_card: Insert = field(init=False, repr=False)
    _live_snoozes: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        # The statements of every hook call, on the driver (see driver_sql): built once here.
        self._driver = driver = DriverSql(self.engine)
        self._insert_call = driver.insert(AuditCall.__table__)  # type: ignore[arg-type]
        self._insert_card = driver.insert(IssuedCard.__table__)  # type: ignore[arg-type]
        self._live_snoozes = (
            "SELECT rule_id, reason_code, reason_display, created_at, until FROM snoozes "
            f"WHERE patient_id = {driver.placeholder('patient')} AND service_id = {driver.placeholder('service')} "
            f"AND client = {driver.placeholder('client')} AND until > {driver.placeholder('now')} ORDER BY until")

    # --- Store protocol ---------------------------------------------------------------------------------

    def ready(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError as exc:
            log.warning("database not reachable: %s", exc.__class__.__name__)
            return False

    def snoozed(self, patient_id: str | None, rule_ids: Iterable[str], *, client: str | None,
                service_id: str) -> dict[str, str]:
        wanted = set(rule_ids)  # filtered here: a patient has few live snoozes, and the statement stays constant
        if not patient_id or not wanted:
            return {}
        found: dict[str, str] = {}
        read_time = self._driver.read_time
        try:
            with closing(self.engine.raw_connection()) as connection, closing(connection.cursor()) as cursor:
                cursor.execute(self._live_snoozes, {"patient": _clip(patient_id, 256), "service": service_id,
                                                    "client": _client_key(client),
                                                    "now": self._driver.write_time(self.clock())})
                rows = cursor.fetchall()
            for rule_id, code, display, created, until in rows:  # later 'until' overwrites earlier
                if rule_id in wanted:
                    found[rule_id] = (f"overridden on {aware(read_time(created)):%Y-%m-%d} with reason "
                                      f"'{display or code}'; snoozed for this patient until "
                                      f"{aware(read_time(until)):%Y-%m-%d %H:%M} UTC")
        except self._driver.errors:
            log.exception("snooze look-up failed; showing every card")
            metrics.STORAGE_ERRORS.labels("snoozed").inc()
            return {}
        return found

    def record_call(self, record: CallRecord) -> None:
        now = self.clock()
        row: dict[str, Any] = {column: [] for column in _STATUS_COLUMNS.values()}
        for entry in record.explanation:
            column = _STATUS_COLUMNS.get(entry.get("status", ""))
            if column:
                row[column].append(entry["rule"])
        body = None
        if self.audit_request_bodies and record.request_body is not None:
            # Never tokens: the FHIR access token travels in the body.
            body = {k: v for k, v in record.request_body.items() if k != "fhirAuthorization"}
        who = {"service_id": _clip(record.service_id, 64), "hook_instance": _clip(record.hook_instance, 256),
               "client": _clip(record.client, 512), "patient_id": _clip(record.patient_id, 256),
               "encounter_id": _clip(record.encounter_id, 256)}
        row.update(who, called_at=now, knowledge_version=record.knowledge_version, latency_ms=record.latency_ms,
                   request_body=body, cards=[{"uuid": c["uuid"], "rule": c["source"]["topic"]["code"],
                                              "indicator": c["indicator"]} for c in record.cards])
        issued = [{**who, "uuid": c["uuid"], "rule_id": c["source"]["topic"]["code"], "indicator": c["indicator"],
                   "issued_at": now,
                   "suggestion_uuids": [s["uuid"] for s in c.get("suggestions") or [] if s.get("uuid")]}
                  for c in record.cards]
        try:
            # Not durable against a power cut (see write_transaction): it is in every call's path.
            with driver_write_transaction(self.engine, durable=False) as cursor:
                cursor.execute(self._insert_call.sql, self._insert_call.parameters(row))
                if issued:
                    cursor.executemany(self._insert_card.sql, [self._insert_card.parameters(c) for c in issued])
        except self._driver.errors:
            log.exception("audit write failed for hookInstance %s", record.hook_instance)
            metrics.STORAGE_ERRORS.labels("record_call").inc()

    # --- feedback --------------------------------------------------------------------------------------

    def record_feedback(self, service_id: str, client: str | None, items: list[FeedbackItem],
                        policy: SnoozePolicy) -> list[FeedbackResult]:
        """Store every item in one transaction and commit before returning (the caller then answers 200).

        Raises SQLAlchemyError if the database is unavailable: the client gets an error and resends.
        """
        now = self.clock()
        results = []
        poster = _client_key(client)
        with write_transaction(self.engine, durable=True) as connection:
            uuids = sorted({item.card for item in items})
            known = {row.uuid: IssuedCardInfo(row.uuid, row.rule_id, row.indicator, row.patient_id, row.service_id,
                                              row.client)
                     for row in connection.execute(
                         select(IssuedCard.uuid, IssuedCard.rule_id, IssuedCard.indicator, IssuedCard.patient_id,
                                IssuedCard.service_id, IssuedCard.client)
                         .where(IssuedCard.uuid.in_(uuids)))}
            for item in items:
                card = known.get(item.card)
                # Feedback posted to the other service's URL is kept and reported, but snoozes nothing: the EHR
                # has mixed up its cards, and the safe direction is to go on showing them.
                other_service = card.service_id if card is not None and card.service_id != service_id else None
                # nor does feedback from another EHR than the one the card was returned to: its patients are not
                # that EHR's
                same_client = card is not None and _client_key(card.client) == poster
                snooze_for = (policy(card, item) if card is not None and card.patient_id and other_service is None
                              and same_client else None)
                until = now + snooze_for if snooze_for else None
                values = {
                    "card_uuid": _clip(item.card, 64), "item_digest": item.digest, "outcome": item.outcome,
                    "outcome_timestamp": _clip(item.outcome_timestamp, 64), "outcome_at": item.outcome_at,
                    "received_at": now, "service_id": _clip(service_id, 64), "client": _clip(client, 512),
                    "client_key": poster,
                    "known_card": card is not None, "rule_id": card.rule_id if card else None,
                    "indicator": card.indicator if card else None,
                    "patient_id": card.patient_id if card else None,
                    "accepted_suggestions": list(item.accepted_suggestions),
                    "override_system": _clip(item.override_system, 512),
                    "override_code": _clip(item.override_code, 128),
                    "override_display": _clip(item.override_display, 512), "user_comment": item.user_comment,
                    "snoozed_until": until,
                }
                # RETURNING, not rowcount: with an implicit RETURNING psycopg reports rowcount -1.
                inserted = connection.execute(
                    self._insert(Feedback).values(**values).on_conflict_do_nothing(
                        index_elements=["card_uuid", "service_id", "client_key", "item_digest"])
                    .returning(Feedback.id)).first() is not None
                if inserted and until is not None and card is not None:
                    connection.execute(self._insert(Snooze).values(
                        client=_client_key(card.client), service_id=card.service_id, patient_id=card.patient_id,
                        rule_id=card.rule_id, reason_code=_clip(item.override_code, 128),
                        reason_display=_clip(item.override_display, 512), created_at=now, until=until,
                        card_uuid=card.uuid))
                results.append(FeedbackResult(item.card, bool(inserted), card is not None,
                                              card.rule_id if card else None, until if inserted else None,
                                              other_service, card is not None and not same_client))
        return results

    # --- maintenance -----------------------------------------------------------------------------------

    def purge(self, older_than: timedelta) -> dict[str, int]:
        """Delete audit calls, issued cards and feedback older than ``older_than``, and expired snoozes/jtis."""
        now = self.clock()
        cutoff = now - older_than
        with self.engine.begin() as connection:
            counts = {
                "audit_calls": connection.execute(delete(AuditCall).where(AuditCall.called_at < cutoff)).rowcount,
                "issued_cards": connection.execute(delete(IssuedCard).where(IssuedCard.issued_at < cutoff)).rowcount,
                "feedback": connection.execute(delete(Feedback).where(Feedback.received_at < cutoff)).rowcount,
                "snoozes": connection.execute(delete(Snooze).where(Snooze.until < now)).rowcount,
                "jwt_replay": connection.execute(
                    delete(JwtReplay).where(JwtReplay.expires_at < now.timestamp())).rowcount,
            }
        return counts

    def replay_cache(self) -> SqlReplayCache:
        """The shared ``jti`` replay cache on this store's database (hand it to the JWT authenticator)."""
        return SqlReplayCache(self.engine)


def open_store(url: str, *, audit_request_bodies: bool = False, migrate: bool = True,
               clock: Callable[[], datetime] = utcnow) -> SqlStore:
    """An engine on ``url`` with the schema brought to head (unless ``migrate`` is False)."""
    engine = open_engine(url)
    if migrate:
        upgrade(engine)
    return SqlStore(engine, audit_request_bodies=audit_request_bodies, clock=clock)
