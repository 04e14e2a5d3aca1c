"""Evaluates every rule that listens to a hook, applies the suppression hierarchy, and builds the cards, without the
suggestions that give a draft order another card advises not giving (hooks.reconcile).

This is the only entry point the HTTP layer uses: plain data in (hook, context, prefetch-shaped resources),
plain data out (cards, data-quality warnings, and a per-rule explanation of why each card did or did not fire).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, tzinfo
from typing import Any

from hooks import cards, suppression
from hooks.context import HookContext
from hooks.definitions import antibodies, bone, ck, steroids, weight
from hooks.knowledge import Knowledge
from hooks.reconcile import Reconciled, reconcile
from hooks.record import (
    READING_ZONE,
    Malformed,
    MedicationOrder,
    PatientRecord,
    build_record,
    describe,
    draft_status_note,
    iter_resources,
    medication_index,
    other_patient,
    read_order,
)
from hooks.rule import SEVERITY_ORDER, Fired, NotEvaluable, Quiet, Rule

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Evaluation:
    cards: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    explanation: list[dict[str, Any]] = field(default_factory=list)


def patient_in(context: Mapping[str, Any]) -> str | None:
    """The hook's context.patientId, the patient every resource and draft must be about (None if not a string)."""
    patient_id = context.get("patientId")
    return patient_id if isinstance(patient_id, str) else None


def read_drafts(context: Mapping[str, Any], knowledge: Knowledge, warnings: list[str],
                chart_medications: Mapping[str, dict[str, Any]] | None = None) -> list[MedicationOrder]:
    # a Medication sent as its own entry (or with the chart) is what a draft's medicationReference points to
    medications = {**(chart_medications or {}), **medication_index(context.get("draftOrders"))}
    drafts = []
    for resource in iter_resources(context.get("draftOrders")):
        if isinstance(resource, dict) and resource.get("resourceType") == "Medication":
            continue
        try:
            if not isinstance(resource, dict):
                raise Malformed("not a FHIR resource")
            order = read_order(resource, knowledge.valuesets, medications)
        except Malformed as exc:
            warnings.append(f"Skipped draft order {describe(resource)}: {exc}.")
            continue
        if (other := other_patient(resource, patient_in(context))) is not None:
            # about to be signed in this patient's chart: checked against it all the same (a hard stop must not be
            # lost to a mismatched reference), and named
            warnings.append(f"Draft {order.reference} ({order.label}) names {other}, not the patient in context "
                            f"(Patient/{patient_in(context)}): it was checked as this patient's order.")
        if order.medication.matched_by_name:
            warnings.append(f"Draft {order.reference} ({order.label}) was recognised by name, not by code.")
        # a draft's status decides whether a rule reads it as an order, a stop or neither: an unusual one is named
        if (note := draft_status_note(order, resource.get("status"))) is not None:
            warnings.append(note)
        if not order.status_meaning.says_nothing:  # an entry in error (an Immunization) orders and stops nothing
            drafts.append(order)
    return drafts


def _facts(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v if isinstance(v, (int, float, bool)) or v is None
                else str(v)) for k, v in values.items()}


def _with_not_seen(reason: str, unseen: list[str]) -> str:
    """A rule's reason for staying quiet (or not deciding), and what it could not see."""
    return f"{reason}. {cards.not_seen(unseen)}" if unseen else reason


def prepare(knowledge: Knowledge, hook: str, context: Mapping[str, Any], data: Mapping[str, Any], *, today: date,
            zone: tzinfo = UTC, unavailable: Iterable[str] = (), strict: bool = False,
            warnings: list[str] | None = None) -> tuple[PatientRecord, HookContext]:
    """The typed record and hook context every reader of a hook call works from (the rules, the CK chart);
    data-quality notes are appended to ``warnings``. ``zone`` is the one ``today`` is a date in: dateTimes are
    read as dates there too."""
    reading = READING_ZONE.set(zone)
    try:
        record = build_record(dict(data), knowledge.valuesets, today, unavailable, strict=strict,
                              patient_id=patient_in(context))
        notes = warnings if warnings is not None else []
        notes.extend(record.warnings)
        drafts = read_drafts(context, knowledge, notes, record.referenced_medications)
    finally:
        READING_ZONE.reset(reading)
    hook_context = HookContext(
        hook=hook, today=today, patient_id=context.get("patientId"), user_id=context.get("userId"),
        encounter_id=context.get("encounterId"), draft_orders=drafts, thresholds=knowledge.thresholds,
        valuesets=knowledge.valuesets, ck_rows=knowledge.ck_rows)
    return record, hook_context


# Notes on the chart's data that are not advice (contract section 3): results read against a default, converted
# from another unit, or passed over because they could not be read
DATA_QUALITY_NOTES: tuple[Callable[[PatientRecord, HookContext], list[str]], ...] = (
    ck.warnings, antibodies.warnings, weight.warnings, bone.warnings, steroids.warnings)


# Asked, with the ids of the rules whose card could be held back, which of them a clinician's recent override
# snoozes and why; most calls have no such card, and then it is not asked at all (it reads the database).
SnoozeLookup = Callable[[list[str]], Mapping[str, str]]


def evaluate(knowledge: Knowledge, hook: str, context: Mapping[str, Any], data: Mapping[str, Any], *,
             today: date, zone: tzinfo = UTC, unavailable: Iterable[str] = (), snoozed: SnoozeLookup | None = None,
             strict: bool = False) -> Evaluation:
    """Cards for one hook call.

    Every rule runs first; then snoozed rules' cards are held back unless critical (critical cards always show,
    and snoozed rules are still explained), the cards shown are put in the order they are shown (the most severe
    first, then in rule order), their suggestions are reconciled (hooks.reconcile), and the cards are built.
    """
    result = Evaluation()
    record, hook_context = prepare(knowledge, hook, context, data, today=today, zone=zone, unavailable=unavailable,
                                   strict=strict, warnings=result.warnings)
    hierarchy = suppression.applied(record, hook_context)  # its notes are said after the chart's data-quality notes
    if hierarchy.failed:
        result.warnings.append("The suppression hierarchy could not be applied (internal error logged): every card "
                               "is shown.")
    fired: list[_FiredRule] = []
    for loaded in knowledge.rules_for(hook):
        rule = loaded.rule
        entry: dict[str, Any] = {"rule": rule.id, "number": rule.code, "title": rule.title}
        missing = [key for key in rule.needs if key in record.unavailable]
        if (why_held := suppression.held_back(record, hook_context, rule.id)) is not None:
            entry.update(status="suppressed", reason=why_held)
        elif missing:
            entry.update(status="not-evaluable", reason=f"prefetch data unavailable: {', '.join(missing)}")
        else:
            try:
                outcome = loaded.evaluate(record, hook_context)
            except Exception:  # a defect in one rule must not take the others (or the EHR's call) down
                log.exception("rule %s failed", rule.id)
                result.warnings.append(f"{rule.code} {rule.id} could not be evaluated (internal error logged).")
                entry.update(status="error", reason="internal error; see the service log")
                result.explanation.append(entry)
                continue
            entry["facts"] = _facts(outcome.facts)
            unseen = [key for key in rule.also_reads if key in record.unavailable]
            if unseen:
                entry["facts"]["unavailable_prefetch"] = unseen
            if isinstance(outcome, Fired):
                entry.update(status="fired", indicator=outcome.severity, reason=outcome.summary)
                fired.append(_FiredRule(rule, outcome, unseen, entry))
            elif isinstance(outcome, NotEvaluable):
                entry.update(status="not-evaluable", reason=_with_not_seen(outcome.missing, unseen))
                # said without ?explain: a safety check on the drafts that did not run, and a rule whose card can be
                # critical (a critical card is never withheld silently)
                if hook == "order-sign" or "critical" in rule.severities:
                    result.warnings.append(f"{rule.code} ({rule.title}) was not evaluated: {outcome.missing}")
            elif isinstance(outcome, Quiet):
                entry.update(status="not-fired", reason=_with_not_seen(outcome.reason, unseen))
        result.explanation.append(entry)
    if snoozed is not None:
        held_back = _hold_snoozed(result, [f.entry for f in fired], snoozed)
        fired = [f for f in fired if f.rule.id not in held_back]
    # as the cards are shown: the most severe first, then in rule order (sort is stable); hooks.reconcile reads
    # which card the clinician sees first from this order
    fired.sort(key=lambda f: -SEVERITY_ORDER[f.outcome.severity])
    _build_cards(result, fired, record, hook_context)
    for notes in DATA_QUALITY_NOTES:
        try:
            result.warnings.extend(notes(record, hook_context))
        except Exception:  # a defect in a note must not take the cards (or the other notes) down, as for a rule
            log.exception("data-quality note %s.%s failed", notes.__module__, notes.__qualname__)
            result.warnings.append(f"The data-quality notes of {notes.__module__.rpartition('.')[2]} could not be "
                                   "made (internal error logged).")
    result.warnings.extend(hierarchy.notes)
    return result


def _chart_order(order: MedicationOrder, today: date) -> cards.ChartOrder:
    """A signed order as a card may stop it: only a MedicationRequest has FHIR's 'cancelled' (a statement records
    what was taken, and is stopped)."""
    not_begun = order.resource_type == "MedicationRequest" and order.start is not None and order.start > today
    return cards.ChartOrder(order.raw, not_begun)


@dataclass(slots=True)
class _FiredRule:
    """A rule that fired, before its card is built: what it found, the prefetch keys it also reads that could not be
    fetched (its card says so), and its explanation entry."""

    rule: Rule
    outcome: Fired
    unseen: list[str]
    entry: dict[str, Any]


def _build_cards(result: Evaluation, fired: list[_FiredRule], record: PatientRecord, context: HookContext) -> None:
    """The cards of the rules that fired, with the suggestions another card's advice rules out taken away and the
    tests another card orders left to it (hooks.reconcile); their explanation names the card and what was not
    offered."""
    if not fired:
        return
    try:
        reconciled = reconcile([(f.rule, f.outcome) for f in fired], context.draft_orders, context.valuesets)
    except Exception:  # a defect here must not take the call down; every card as its rule gave it is the safe side
        log.exception("reconciling the cards' suggestions failed")
        result.warnings.append("The cards' suggestions could not be reconciled (internal error logged): each card is "
                               "shown as its rule gave it, and two may advise differently about one draft order.")
        reconciled = [Reconciled(f.outcome) for f in fired]
    drafted = {order.reference for order in context.draft_orders}
    on_chart = {o.reference: _chart_order(o, context.today) for o in record.medications if o.reference not in drafted}
    for each, outcome in zip(fired, reconciled, strict=True):
        card = cards.build(each.rule, outcome.fired, each.unseen, on_chart)
        result.cards.append(card)
        each.entry["card"] = card["uuid"]
        if outcome.not_offered:
            each.entry["facts"]["not_offered"] = list(outcome.not_offered)


def _hold_snoozed(result: Evaluation, entries: list[dict[str, Any]], snoozed: SnoozeLookup) -> set[str]:
    """The ids of the rules whose card a clinician's recent override snoozes: held back unless critical, before the
    cards are built (a card not shown rules out no other card's suggestion); their explanation says why."""
    candidates = [entry for entry in entries if entry["indicator"] != "critical"]
    if not candidates:
        return set()
    reasons = snoozed([e["rule"] for e in candidates])
    held = set()
    for entry in candidates:
        if entry["rule"] in reasons:
            held.add(entry["rule"])
            entry.update(status="snoozed", reason=reasons[entry["rule"]])
            # said in every response, not only with ?explain: a card that is not shown must not vanish unexplained
            result.warnings.append(f"{entry['number']} ({entry['title']}) is not shown: {entry['reason']}.")
    return held
