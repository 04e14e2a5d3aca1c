"""CDS Hooks 2.0 feedback (``POST /cds-services/{id}/feedback``) and the alert-fatigue snooze policy.

The request has already passed the JSON schema (service/schemas/feedback-request.json); here each item is read
into a ``FeedbackItem`` (400 naming the item when its timestamp is not a real instant), stored in one
transaction that commits before the 200, and an override with a coded reason snoozes the same rule for the same
patient for a configured number of days. Critical cards, rules that can only be critical, and rules a site lists
in ``[feedback] never_snooze_rules`` are never snoozed; and the engine shows a critical card even when its rule
is snoozed, so a warning-level override can never hide a later critical finding. No item is dropped: one for a
card this service never issued, one posted to the other service's URL, or one from another EHR than the one the
card was returned to, is stored and named in the answer, and the latter two snooze nothing (a snooze holds a card
back only for the EHR and service that showed it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from hooks.cards import OVERRIDE_REASON_CODES, OVERRIDE_SYSTEM
from hooks.knowledge import Knowledge
from service import metrics
from service.config import FeedbackConfig
from service.errors import APIError
from service.storage.sql_store import FeedbackItem, FeedbackResult, IssuedCardInfo, SnoozePolicy

log = logging.getLogger(__name__)


class SnoozeRules:
    """How long an override snoozes a rule: per rule and reason, per rule, per reason, else the default."""

    def __init__(self, config: FeedbackConfig, kb: Knowledge) -> None:
        self.default_days = config.snooze_days
        # tables the configuration has checked and merged (service/config.py: whole days, known names)
        self.by_reason = dict(config.snooze_days_by_reason)
        self.by_rule = dict(config.snooze_days_by_rule)
        self.without_reason = config.snooze_without_reason
        self.never = set(config.never_snooze_rules)
        self.only_critical = {loaded.rule.id for loaded in kb.rules if set(loaded.rule.severities) == {"critical"}}

    def days(self, rule_id: str, reason_code: str | None) -> int:
        for key in (f"{rule_id}/{reason_code}" if reason_code else None, rule_id):
            if key and key in self.by_rule:
                return self.by_rule[key]
        if reason_code and reason_code in self.by_reason:
            return self.by_reason[reason_code]
        return self.default_days

    def may_snooze(self, rule_id: str) -> bool:
        """False for a rule that can only be critical or that the site never snoozes. Asked at every look-up too,
        not only when an override is stored: listing a rule in never_snooze_rules lifts its stored snoozes."""
        return rule_id not in self.only_critical and rule_id not in self.never

    def __call__(self, card: IssuedCardInfo, item: FeedbackItem) -> timedelta | None:
        if item.outcome != "overridden" or card.indicator == "critical" or not self.may_snooze(card.rule_id):
            return None
        reason = _our_reason(item)
        if reason is None and not self.without_reason:
            return None
        days = self.days(card.rule_id, reason)
        return timedelta(days=days) if days > 0 else None


def parse_timestamp(value: str) -> datetime:
    """RFC 3339 date-time to an aware UTC datetime (Python 3.11 reads 'Z' and fractional seconds)."""
    parsed = datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00+01:00 is in year 0 in UTC
        raise ValueError("outside the years 1-9999 in UTC") from exc


def read_items(document: Mapping[str, Any]) -> list[FeedbackItem]:
    """Items of a schema-valid body; 400 naming the first item whose values are not usable."""
    items = []
    for index, raw in enumerate(document["feedback"]):
        where = f"feedback.{index}"
        try:
            outcome_at = parse_timestamp(raw["outcomeTimestamp"])
        except ValueError as exc:
            raise APIError(400, f"{where}.outcomeTimestamp: {raw['outcomeTimestamp']!r} is not an RFC 3339 "
                           f"date-time ({exc})", f"{where}.outcomeTimestamp") from exc
        override = raw.get("overrideReason") or {}
        reason = override.get("reason") or {}
        items.append(FeedbackItem(
            card=raw["card"], outcome=raw["outcome"], outcome_timestamp=raw["outcomeTimestamp"],
            outcome_at=outcome_at,
            accepted_suggestions=tuple(s["id"] for s in raw.get("acceptedSuggestions") or []),
            override_system=reason.get("system"), override_code=reason.get("code"),
            override_display=reason.get("display"), user_comment=override.get("userComment")))
    return items


def _our_reason(item: FeedbackItem) -> str | None:
    """The override reason code, when it is one of this service's (the cards' own system, or none named)."""
    return item.override_code if item.override_system in (None, OVERRIDE_SYSTEM) else None


def _reason_label(item: FeedbackItem) -> str:
    """The metric label of an override reason: a code the cards offer, else 'other'. They are the only caller-chosen
    text a label may carry (a label per free-text code would grow /metrics, which is unauthenticated, without
    bound)."""
    if item.override_code is None:
        return "none"
    return reason if (reason := _our_reason(item)) in OVERRIDE_REASON_CODES else "other"


def receive(store: Any, policy: SnoozePolicy, service_id: str, client: str | None,
            document: Mapping[str, Any]) -> list[FeedbackResult]:
    """Store the items of one feedback request durably; the caller answers 200 only after this returns."""
    items = read_items(document)
    if not hasattr(store, "record_feedback"):
        # in-process evaluation (NullStore) only: sending it again cannot help, so not a 503 'try again'
        raise APIError(501, "Feedback is not stored by this instance (no database configured)")
    try:
        results: list[FeedbackResult] = store.record_feedback(service_id, client, items, policy)
    except SQLAlchemyError as exc:
        log.exception("feedback could not be stored")
        metrics.STORAGE_ERRORS.labels("record_feedback").inc()
        raise APIError(503, "Feedback could not be stored now; nothing was acknowledged, send it again") from exc
    for item, result in zip(items, results, strict=True):
        if not result.recorded:
            continue
        metrics.FEEDBACK.labels(item.outcome, _reason_label(item)).inc()
        if not result.known_card:
            metrics.FEEDBACK_UNKNOWN.inc()
            log.warning("feedback for unknown card %s recorded", item.card[:64])
        elif result.issued_by_other_service:
            log.warning("feedback for card %s of %s posted to %s: recorded, snoozes nothing", item.card[:64],
                        result.issued_by_other_service, service_id)
        elif result.issued_to_other_client:
            log.warning("feedback for card %s from another EHR than the one it was returned to: recorded, snoozes "
                        "nothing", item.card[:64])
        if result.snoozed_until:
            log.info("rule %s snoozed until %s after override (%s)", result.rule_id,
                     result.snoozed_until.isoformat(), item.override_code)
    return results


def response_body(results: list[FeedbackResult]) -> dict[str, Any]:
    """CDS Hooks says nothing about the body of a 200; a small summary helps an integrator check their sends."""
    return {"received": len(results), "stored": sum(r.recorded for r in results),
            "duplicates": sum(not r.recorded for r in results),
            "unknownCards": [r.card for r in results if not r.known_card],
            "otherServiceCards": [r.card for r in results if r.issued_by_other_service],
            "otherClientCards": [r.card for r in results if r.issued_to_other_client]}
