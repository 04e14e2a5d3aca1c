"""The suppression hierarchy of clinical-rules.md section 1, applied centrally by the engine.

When a higher-priority context is present, lower rules are not evaluated, so that the service never gives
contradictory advice (e.g. "add methotrexate" to a patient with necrotizing fasciitis).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from hooks.context import HookContext
from hooks.definitions import cohorts
from hooks.record import PatientRecord, per_record

log = logging.getLogger(__name__)

IMNM_TREATMENT = frozenset({
    "imnm-add-steroid-sparing-by-month-1", "hmgcr-add-ivig-inadequate-response",
    "srp-add-rituximab-inadequate-response", "imnm-refractory-next-line", "seronegative-imnm-workup",
    "imnm-severe-disease-urgent", "imnm-possible-relapse-on-taper"})


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    suppresses: frozenset[str]
    reasons: Callable[[PatientRecord, HookContext], list[str]]


def _ibm(record: PatientRecord, context: HookContext) -> list[str]:
    """IBM alone: with an overlap myositis (above), the IMNM rows apply to it."""
    ibm = cohorts.ibm_diagnosed(record)
    return [] if not ibm or cohorts.overlap_myositis(record) else [c.code.label for c in ibm]


def _nsti_unread_only(record: PatientRecord, context: HookContext) -> str | None:
    """The infection markers that could not be read when they alone leave an NSTI not ruled out (R01 is then not
    evaluable); None when an NSTI is found (the NSTI gate holds the cards) or nothing is unread."""
    return None if cohorts.nsti(record, context) else cohorts.nsti_unread(record, context)


def _nsti_not_ruled_out(record: PatientRecord, context: HookContext) -> list[str]:
    """The advice to start or add immunosuppression waits until the markers are read, as it would for an NSTI
    (section 6 #8: an NSTI patient is never routed to immunosuppression); ``notes`` says so in every response.
    R19's critical card is not held back on a reading: it says so itself."""
    unread = _nsti_unread_only(record, context)
    return [f"NSTI not ruled out: {unread}"] if unread else []


def notes(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes for the response: the IMNM treatment advice held back only because an NSTI marker could
    not be read (a card held back on a reading, not on a finding, is never held back unsaid)."""
    if (unread := _nsti_unread_only(record, context)) is None:
        return []
    return [f"The IMNM treatment and antibody work-up cards are held back until an NSTI is ruled out ({unread}): "
            "read or repeat these results."]


def _paediatric(record: PatientRecord, context: HookContext) -> list[str]:
    return [f"age {cohorts.describe_age(record)} years"] if cohorts.is_paediatric(record, context) else []


GATES: tuple[Gate, ...] = (
    # R03's own row also excludes NSTI context (section 1 lists only the treatment rows).
    Gate("nsti-no-immunosuppression", IMNM_TREATMENT | {"myositis-antibody-panel-missing"}, cohorts.nsti),
    Gate("nsti-no-immunosuppression", (IMNM_TREATMENT - {"imnm-severe-disease-urgent"})
         | {"myositis-antibody-panel-missing"}, _nsti_not_ruled_out),
    Gate("ibm-immunosuppression-futile",
         IMNM_TREATMENT | {"myositis-antibody-panel-missing", "imnm-cancer-screening"}, _ibm),
    Gate("ici-myositis",
         (IMNM_TREATMENT - {"imnm-possible-relapse-on-taper"})
         | {"myositis-antibody-panel-missing", "imnm-cancer-screening"}, cohorts.ici_myositis),
    Gate("paediatric", frozenset({"prednisone-adult-dose-check", "mtx-weekly-dose-range",
                                  "imnm-cancer-screening"}), _paediatric),
)


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """The hierarchy as applied in one call: rule id -> why it is held back, and the notes that say so. ``failed``:
    it could not be worked out, and nothing is held back (showing every card is the safe side)."""

    held: Mapping[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failed: bool = False


def _held(record: PatientRecord, context: HookContext) -> dict[str, str]:
    """Rule id -> why it is suppressed, for every gate whose context is present."""
    out: dict[str, str] = {}
    for gate in GATES:
        reasons = gate.reasons(record, context)
        if reasons:
            for rule_id in gate.suppresses:
                out.setdefault(rule_id, f"suppressed by {gate.name}: {'; '.join(reasons)}")
    return out


@per_record
def applied(record: PatientRecord, context: HookContext) -> Hierarchy:
    """The hierarchy for this call, worked out once (the engine, R22 and the definitions that read another rule's
    decision all ask), so that all of them hold back the same rules, also when a gate fails."""
    try:
        return Hierarchy(_held(record, context), notes(record, context))
    except Exception:  # a defect in the hierarchy must not take the call down, nor any rule that asks of it
        log.exception("suppression hierarchy failed")
        return Hierarchy(failed=True)


def held_back(record: PatientRecord, context: HookContext, rule_id: str) -> str | None:
    """Why the hierarchy holds back the rule in this call, or None when no gate holds it (also when the hierarchy
    failed: every card is then shown)."""
    return applied(record, context).held.get(rule_id)


def engine_runs(record: PatientRecord, context: HookContext, rule_id: str, hooks: Iterable[str],
                needs: Iterable[str]) -> bool:
    """Whether the engine evaluates the rule in this call, as ``engine.evaluate`` decides it: the hook is one it
    listens to, no gate holds it (:func:`held_back`), and none of the prefetch it needs is unavailable. A definition
    that tells one rule whether another's card is in this response asks this before that rule's own decision (a
    non-critical card snoozed after the rules run is not known here)."""
    return (context.hook in hooks and held_back(record, context, rule_id) is None
            and not any(key in record.unavailable for key in needs))
