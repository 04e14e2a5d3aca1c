"""Table definitions (SQLAlchemy 2 declarative). The schema itself is created by the Alembic migrations.

Times are stored as timezone-aware UTC. Lists (rule ids, suggestion uuids) are JSON columns: they are read
back whole for the audit trail and the report, never searched inside by SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IssuedCard(Base):
    """A card the service returned: what feedback joins to (by uuid) and what the report counts as 'fired'."""

    __tablename__ = "issued_cards"

    uuid: Mapped[str] = mapped_column(String(64), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(128), index=True)
    indicator: Mapped[str] = mapped_column(String(16))
    service_id: Mapped[str] = mapped_column(String(64))
    hook_instance: Mapped[str] = mapped_column(String(256))
    patient_id: Mapped[str | None] = mapped_column(String(256))
    encounter_id: Mapped[str | None] = mapped_column(String(256))
    client: Mapped[str | None] = mapped_column(String(512))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    suggestion_uuids: Mapped[list[str]] = mapped_column(JSON, default=list)


class AuditCall(Base):
    """One service call. Never holds tokens; the request body only when a site turns that on."""

    __tablename__ = "audit_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    hook_instance: Mapped[str] = mapped_column(String(256), index=True)
    client: Mapped[str | None] = mapped_column(String(512))
    patient_id: Mapped[str | None] = mapped_column(String(256))
    encounter_id: Mapped[str | None] = mapped_column(String(256))
    fired: Mapped[list[str]] = mapped_column(JSON, default=list)
    suppressed: Mapped[list[str]] = mapped_column(JSON, default=list)
    not_evaluable: Mapped[list[str]] = mapped_column(JSON, default=list)
    snoozed: Mapped[list[str]] = mapped_column(JSON, default=list)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{uuid, rule, indicator}]
    knowledge_version: Mapped[str] = mapped_column(String(128))
    latency_ms: Mapped[float] = mapped_column(Float)
    request_body: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class Feedback(Base):
    """One CDS Hooks feedback item, joined to its card when the uuid is known (unknown ones are kept too).

    Idempotent on (card, service posted to, EHR that posted it, digest of the whole item, ``FeedbackItem.digest``):
    a retry is stored once; an item that says anything more or else, is sent again to the service that issued the
    card after going to the other one, or comes from another EHR, is stored as well."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("card_uuid", "service_id", "client_key", "item_digest",
                                       name="uq_feedback_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    card_uuid: Mapped[str] = mapped_column(String(64), index=True)
    item_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 hex
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_timestamp: Mapped[str] = mapped_column(String(64))  # as sent: the digest uses it verbatim
    outcome_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    service_id: Mapped[str] = mapped_column(String(64))
    client: Mapped[str | None] = mapped_column(String(512))
    client_key: Mapped[str] = mapped_column(String(512), server_default="")  # ``client``, '' for none: in the key
    known_card: Mapped[bool] = mapped_column(Boolean)
    rule_id: Mapped[str | None] = mapped_column(String(128), index=True)
    indicator: Mapped[str | None] = mapped_column(String(16))
    patient_id: Mapped[str | None] = mapped_column(String(256))
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    override_system: Mapped[str | None] = mapped_column(String(512))
    override_code: Mapped[str | None] = mapped_column(String(128))
    override_display: Mapped[str | None] = mapped_column(String(512))
    user_comment: Mapped[str | None] = mapped_column(Text)
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Snooze(Base):
    """A rule held back for one patient until ``until`` because a clinician overrode it with a reason: only for the
    EHR (``client``, '' with authentication off) and the CDS service that showed the card, as a patient id is unique
    only within one EHR, and an override at chart opening says nothing of an order signed later."""

    __tablename__ = "snoozes"
    __table_args__ = (Index("ix_snoozes_scope", "patient_id", "service_id", "client", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(String(512), server_default="")
    service_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str] = mapped_column(String(256))
    rule_id: Mapped[str] = mapped_column(String(128))
    reason_code: Mapped[str | None] = mapped_column(String(128))
    reason_display: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    card_uuid: Mapped[str] = mapped_column(String(64))


class JwtReplay(Base):
    """Every accepted JWT ``jti`` per issuer until its token expires: shared by all workers and replicas."""

    __tablename__ = "jwt_replay"

    iss: Mapped[str] = mapped_column(String(512), primary_key=True)
    jti: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # epoch seconds, as the authenticator gives it
