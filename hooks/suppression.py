"""The suppression hierarchy of clinical-rules.md section 1, applied centrally by the engine.

When a higher-priority context is present, lower rules are not evaluated, so that the service never gives
contradictory advice (e.g. "add methotrexate" to a patient with necrotizing fasciitis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hooks.context import HookContext
from hooks.definitions import cohorts
from hooks.record import Condition, PatientRecord, per_record

IMNM_TREATMENT = frozenset({
    "imnm-add-steroid-sparing-by-month-1", "hmgcr-add-ivig-inadequate-response",
    "srp-add-rituximab-inadequate-response", "imnm-refractory-next-line", "seronegative-imnm-workup",
    "imnm-severe-disease-urgent", "imnm-possible-relapse-on-taper"})


@dataclass(frozen=True, slots=True)
class Gate:
    name: str
    suppresses: frozenset[str]
    reasons: Callable[[PatientRecord, HookContext], list[str]]


INFLAMMATORY_MYOPATHY = ("imnm", "statin_autoimmune_myopathy", "iim_other")
# Labels of those groups that IBM itself may carry (it is an idiopathic inflammatory myopathy too): beside IBM they
# name no second disease. G72.49 is the catch-all "other inflammatory and immune myopathies" (IBM was coded there
# before G72.41 existed)
IBM_MAY_BE_CALLED = frozenset({"suspected inflammatory myopathy", "myositis, unspecified", "inflammatory myopathy",
                               "idiopathic inflammatory myopathy", "autoimmune myopathy (broader parent concept)",
                               "immune-mediated necrotizing myopathy (no specific ICD-10-CM code; G72.49 is the "
                               "closest fit)"})


@per_record
def overlap_myositis(record: PatientRecord) -> list[Condition]:
    """Active coded myositis besides IBM that needs immunosuppression in its own right (IMNM, dermatomyositis,
    polymyositis, antisynthetase syndrome, overlap myositis): IBM with one is an overlap case, where a trial belongs
    under a neuromuscular specialist. R02 and the IBM gate both ask this. Only a charted diagnosis counts, not IMNM
    read from anti-HMGCR and a raised CK: an IBM patient with a statin history may carry both; and only a confirmed
    one (or one with no verification status): polymyositis is the usual working diagnosis before a biopsy shows
    IBM."""
    return [c for c in record.conditions_in(*INFLAMMATORY_MYOPATHY, active_only=True)
            if c.verification in (None, "confirmed") and not c.code.in_group("ibm")
            and any(m.group in INFLAMMATORY_MYOPATHY and m.concept not in IBM_MAY_BE_CALLED for m in c.code.matches)]


def _ibm(record: PatientRecord, context: HookContext) -> list[str]:
    """IBM alone: with an overlap myositis (above), the IMNM rows apply to it."""
    ibm = record.conditions_in("ibm", active_only=True)
    return [] if not ibm or overlap_myositis(record) else [c.code.label for c in ibm]


def _paediatric(record: PatientRecord, context: HookContext) -> list[str]:
    return [f"age {cohorts.describe_age(record)} years"] if cohorts.is_paediatric(record, context) else []


GATES: tuple[Gate, ...] = (
    # R03's own row also excludes NSTI context (section 1 lists only the treatment rows).
    Gate("nsti-no-immunosuppression", IMNM_TREATMENT | {"myositis-antibody-panel-missing"}, cohorts.nsti),
    Gate("ibm-immunosuppression-futile",
         IMNM_TREATMENT | {"myositis-antibody-panel-missing", "imnm-cancer-screening"}, _ibm),
    Gate("ici-myositis",
         (IMNM_TREATMENT - {"imnm-possible-relapse-on-taper"})
         | {"myositis-antibody-panel-missing", "imnm-cancer-screening"}, cohorts.ici_myositis),
    Gate("paediatric", frozenset({"prednisone-adult-dose-check", "mtx-weekly-dose-range",
                                  "imnm-cancer-screening"}), _paediatric),
)


@per_record
def suppressed(record: PatientRecord, context: HookContext) -> dict[str, str]:
    """Rule id -> why it is suppressed, for every gate whose context is present (worked out once per call: the
    engine and R22 both ask; callers only read it)."""
    out: dict[str, str] = {}
    for gate in GATES:
        reasons = gate.reasons(record, context)
        if reasons:
            for rule_id in gate.suppresses:
                out.setdefault(rule_id, f"suppressed by {gate.name}: {'; '.join(reasons)}")
    return out
