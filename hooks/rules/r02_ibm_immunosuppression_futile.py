"""R02: immunosuppression is futile in sporadic inclusion body myositis (IBM) alone; an IMNM-only rule base
would wrongly escalate it. Point the team to rehabilitation, falls and swallowing instead."""

from __future__ import annotations

from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import diagnosis, weight
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import NADDAF_2022, SCHMIDT_2018, SEED_003, UPTODATE_IBM

RULE = Rule(
    id="ibm-immunosuppression-futile",
    number=2,
    title="Immunosuppression futile in inclusion body myositis",
    hooks=("patient-view", "order-sign"),
    severities=("warning",),
    summary="Glucocorticoid >=7.5 mg PEQ/day, MTX, AZA, MMF, rituximab, IVIG, tacrolimus or cyclosporine ordered "
            "or active for inclusion body myositis with no other condition that needs immunosuppression.",
    sources=(UPTODATE_IBM, NADDAF_2022, SCHMIDT_2018, SEED_003),
    parameters={
        "min_peq_mg": Param(7.5, "mg/day", "A systemic glucocorticoid at or above this prednisone equivalent counts."),
    },
    override_family="safety",
)

AGENTS = ("methotrexate", "azathioprine", "mycophenolate", "rituximab", "ivig", "tacrolimus", "cyclosporine")
# Conditions that justify immunosuppression in their own right (RA, SLE, transplant, irAE...).
OTHER_INDICATIONS = ("other_immunosuppression_indication", "ici_adverse_effect")

DETAIL = """\
**Immunosuppression is unlikely to help inclusion body myositis (IBM).** Found: {ibm}.
{verb}: {drugs}. No other condition that needs immunosuppression is on file (such as rheumatoid arthritis,
lupus, an organ transplant or an immune-related adverse event).

Sporadic IBM is generally refractory to glucocorticoids and steroid-sparing agents: do not start or continue them
for IBM alone. A trial belongs only to atypical or overlap cases, under a neuromuscular specialist. CK falls with
immunosuppression even while weakness progresses, so do not monitor IBM by CK.

Focus instead on physiotherapy and occupational therapy, a swallow assessment (video-fluoroscopy) for dysphagia,
falls prevention, and follow-up in a neuromuscular clinic.{steroid_note}"""

STEROID_NOTE = """

A glucocorticoid taken for more than about 3 weeks must be tapered, not stopped abruptly (adrenal insufficiency)."""


def _for_other_reason(order: MedicationOrder) -> bool:
    """The order itself names another indication (e.g. reasonCode rheumatoid arthritis)."""
    return any(reason.in_group(*OTHER_INDICATIONS) for reason in order.reasons)


def _rehabilitation(context: HookContext) -> list[Action]:
    pid = context.patient_id
    referrals = (
        ("Physiotherapy and occupational therapy referral",
         "Referral to physiotherapy and occupational therapy (inclusion body myositis: strength, function, aids)"),
        ("Speech-language pathology swallow study",
         "Speech-language pathology swallow assessment with video-fluoroscopy (dysphagia in inclusion body myositis)"),
        ("Fall-risk assessment", "Fall-risk assessment (quadriceps weakness in inclusion body myositis)"),
        ("Neuromuscular clinic referral", "Referral to a neuromuscular clinic (inclusion body myositis)"),
    )
    return [Action("create", label, resource=orders.service_request(pid, orders.text_concept(text)))
            for label, text in referrals]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    ibm = record.conditions_in("ibm", active_only=True)
    others = record.conditions_in(*OTHER_INDICATIONS, active_only=True)
    order_sign = context.hook == "order-sign"
    candidates = (context.draft_orders if order_sign
                  else record.medications_in("glucocorticoid_systemic", *AGENTS, current_only=True))
    dosing = weight.dosing_weight(record, context)
    found = diagnosis.immunosuppressive_orders(
        candidates, AGENTS, min_peq_mg=float(context.params(RULE)["min_peq_mg"]),
        weight_kg=dosing.value if dosing else None, any_iv_methylprednisolone=False, unreadable_steroid_counts=True)
    flagged = [f for f in found if not _for_other_reason(f.order)]
    facts: dict[str, Any] = {
        "ibm": "; ".join(c.code.label for c in ibm) or None,
        "other_immunosuppression_indications": "; ".join(c.code.label for c in others) or None,
        "immunosuppression": "; ".join(str(f) for f in flagged) or None,
        "ordered_for_another_indication": "; ".join(str(f) for f in found if f not in flagged) or None,
    }
    if not ibm:
        return Quiet("no active inclusion body myositis", facts)
    if others:
        return Quiet("another condition that needs immunosuppression is on file", facts)
    if not flagged:
        where = "in the draft orders" if order_sign else "active"
        return Quiet(f"no immunosuppressive order {where}", facts)
    verb = "Cancel" if order_sign else "Stop"
    removable = [f for f in flagged if order_sign or not f.order.in_group("glucocorticoid_systemic")]
    remove = [Action("delete", f"{verb} {f.order.label}", resource_id=f.order.reference) for f in removable]
    rehab = _rehabilitation(context)
    suggestions = []
    if remove:
        suggestions.append(Suggestion(f"{verb} the immunosuppressive order; rehabilitation, swallow and falls work-up",
                                      [*remove, *rehab], is_recommended=True))
    suggestions.append(Suggestion("Rehabilitation, swallow and falls work-up (keep the order: specialist-directed "
                                  "trial)", rehab, is_recommended=not remove))
    has_steroid = any(f.order.in_group("glucocorticoid_systemic") for f in flagged)
    names = ", ".join(f.order.label for f in flagged)
    summary = f"Inclusion body myositis: immunosuppression is unlikely to help. Reconsider {names}"
    if len(summary) > 139:
        summary = "Inclusion body myositis: immunosuppression is unlikely to help. Reconsider the orders"
    return Fired(
        severity="warning",
        summary=summary,
        detail=DETAIL.format(ibm="; ".join(c.code.label for c in ibm), verb="Ordered" if order_sign else "Active",
                             drugs="; ".join(str(f) for f in flagged),
                             steroid_note=STEROID_NOTE if has_steroid else ""),
        facts=facts,
        about=[f.order for f in flagged],
        suggestions=suggestions,
        selection="at-most-one",
    )
