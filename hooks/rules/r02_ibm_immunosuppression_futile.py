"""R02: immunosuppression is futile in sporadic inclusion body myositis (IBM) alone; an IMNM-only rule base
would wrongly escalate it. Point the team to rehabilitation, falls and swallowing instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, diagnosis, weight
from hooks.definitions.courses import given_since
from hooks.definitions.dose_basis import named_with_dose
from hooks.record import Concept, MedicationOrder, PatientRecord
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
# What an order may name as its own indication to show it is not given for IBM: those conditions, or for a
# glucocorticoid one treated with a steroid course (a COPD burst, asthma, adrenal replacement...). The latter only
# exempts the glucocorticoid order that names it: on the problem list it does not justify immunosuppression for IBM.
GLUCOCORTICOID_REASON_GROUPS = (*OTHER_INDICATIONS, "steroid_course_indication")
# An order that names the muscle disease too is (also) given for it, and still counts
MYOSITIS = ("ibm", "imnm", "iim_other", "myopathy")

DETAIL = """\
**Immunosuppression is unlikely to help inclusion body myositis (IBM).** Found: {ibm}.
{verb}: {drugs}.{exempt} No other condition that needs immunosuppression is on file (such as rheumatoid
arthritis, lupus, an organ transplant or an immune-related adverse event).

Sporadic IBM is generally refractory to glucocorticoids and steroid-sparing agents: do not start or continue them
for IBM alone. A trial belongs only to atypical or overlap cases, under a neuromuscular specialist. CK falls with
immunosuppression even while weakness progresses, so do not monitor IBM by CK.

Focus instead on physiotherapy and occupational therapy, a swallow assessment (video-fluoroscopy) for dysphagia,
falls prevention, and follow-up in a neuromuscular clinic.{steroid_note}"""

STEROID_NOTE = """

A glucocorticoid taken for more than about 3 weeks must be tapered, not stopped abruptly (adrenal insufficiency)."""


def _other_indication(order: MedicationOrder, record: PatientRecord) -> str | None:
    """Where the order itself names another indication as its reason (reasonCode or reasonReference), unless it
    names a myositis too; a condition elsewhere on the chart says nothing of this order. Free-text instructions are
    not read: 'stop if anaphylaxis' or 'avoid adrenal crisis' name a condition the order is not given for."""
    stated = [(reason, f"reason {reason.label}") for reason in order.reasons]
    stated += _referenced_reasons(order, record)
    if any(concept.in_group(*MYOSITIS) for concept, _ in stated):
        return None
    groups = GLUCOCORTICOID_REASON_GROUPS if order.in_group("glucocorticoid_systemic") else OTHER_INDICATIONS
    return next((where for concept, where in stated if concept.in_group(*groups)), None)


def _referenced_reasons(order: MedicationOrder, record: PatientRecord) -> list[tuple[Concept, str]]:
    """The chart's Condition a reasonReference points to (by id), and the reference's own display."""
    found: list[tuple[Concept, str]] = []
    for cited in order.cited:
        found += [(c.code, f"reason {c.code.label}") for c in record.conditions
                  if cited.condition_id and c.id == cited.condition_id and c.counts]
        if cited.display is not None:
            found.append((cited.display, f"reason {cited.display.label}"))
    return found


def _rehabilitation(context: HookContext) -> list[Action]:
    pid, sets = context.patient_id, context.valuesets
    referrals = (  # (label, order text, SNOMED CT referral procedure where one names the service)
        ("Physiotherapy and occupational therapy referral",
         "Referral to physiotherapy and occupational therapy (inclusion body myositis: strength, function, aids)",
         None),
        ("Speech-language pathology swallow study",
         "Speech-language pathology swallow assessment with video-fluoroscopy (dysphagia in inclusion body myositis)",
         "308452008"),
        ("Fall-risk assessment", "Fall-risk assessment (quadriceps weakness in inclusion body myositis)", None),
        ("Neuromuscular clinic referral", "Referral to a neuromuscular clinic (inclusion body myositis)", "308474002"),
    )
    return [Action("create", label, resource=orders.service_request(pid, orders.referral_concept(
        sets, code, text=text) if code else orders.text_concept(text)))
            for label, text, code in referrals]


def _between_doses(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """IVIG given within the ivig_course_break_days definition, or rituximab within anti_cd20_in_use_days, with no
    current order: a course still in use between its cycles."""
    today = record.today
    ivig = given_since(record, "ivig", since=today - timedelta(days=int(context.definition("ivig_course_break_days"))))
    anti_cd20 = given_since(record, "rituximab",
                            since=today - timedelta(days=int(context.definition("anti_cd20_in_use_days"))))
    return [order for order in (*ivig, *anti_cd20) if not order.current_on(today)]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    ibm = cohorts.ibm_diagnosed(record)
    others = record.conditions_in(*OTHER_INDICATIONS, active_only=True)
    overlap = cohorts.overlap_myositis(record)
    order_sign = context.hook == "order-sign"
    # at patient-view, what is active: current orders, and the cyclic agents between doses (IVIG cycles, rituximab
    # courses charted as completed orders), as escalation and R28 read them
    candidates = (context.draft_orders if order_sign
                  else [*record.medications_in("glucocorticoid_systemic", *AGENTS, current_only=True),
                        *_between_doses(record, context)])
    dosing = weight.dosing_weight(record, context)
    found = diagnosis.immunosuppressive_orders(
        candidates, AGENTS, min_peq_mg=float(context.params(RULE)["min_peq_mg"]),
        weight_kg=dosing.value if dosing else None, any_iv_methylprednisolone=False, unreadable_steroid_counts=True)
    indicated = [(f, _other_indication(f.order, record)) for f in found]
    flagged = [f for f, other in indicated if other is None]
    exempt = "; ".join(f"{f}: {other}" for f, other in indicated if other)
    facts: dict[str, Any] = {
        "ibm": "; ".join(c.code.label for c in ibm) or None,
        "other_immunosuppression_indications": "; ".join(c.code.label for c in others) or None,
        "overlap_myositis": "; ".join(c.code.label for c in overlap) or None,
        "immunosuppression": "; ".join(str(f) for f in flagged) or None,
        "ordered_for_another_indication": exempt or None,
    }
    if not ibm:
        return Quiet("no active inclusion body myositis", facts)
    if overlap:
        return Quiet(f"another myositis that needs immunosuppression is on file ({facts['overlap_myositis']}): an "
                     "overlap case, where a trial belongs under a neuromuscular specialist", facts)
    if others:
        return Quiet("another condition that needs immunosuppression is on file", facts)
    if not flagged:
        where = "in the draft orders" if order_sign else "active"
        if found:
            return Quiet(f"every immunosuppressive order {where} names another indication", facts)
        return Quiet(f"no immunosuppressive order {where}", facts)
    verb = "Cancel" if order_sign else "Stop"
    # a glucocorticoid is tapered, not stopped; a cycle already given has nothing left to stop
    removable = [f for f in flagged if order_sign or (not f.order.in_group("glucocorticoid_systemic")
                                                      and f.order.current_on(context.today))]
    remove = [Action("delete", f"{verb} {named_with_dose(f.order)}", resource_id=f.order.reference) for f in removable]
    rehab = _rehabilitation(context)
    suggestions = []
    if remove:
        suggestions.append(Suggestion(f"{verb} the immunosuppressive order; rehabilitation, swallow and falls work-up",
                                      [*remove, *rehab], is_recommended=True))
    suggestions.append(Suggestion("Rehabilitation, swallow and falls work-up (keep the order: specialist-directed "
                                  "trial)", rehab, is_recommended=not remove))
    has_steroid = any(f.order.in_group("glucocorticoid_systemic") for f in flagged)
    names = ", ".join(f.order.label for f in flagged)
    summary = first_fitting([f"Inclusion body myositis: immunosuppression is unlikely to help. Reconsider {names}",
                             "Inclusion body myositis: immunosuppression is unlikely to help. Reconsider the orders"])
    return Fired(
        severity="warning",
        summary=summary,
        detail=DETAIL.format(ibm="; ".join(c.code.label for c in ibm), verb="Ordered" if order_sign else "Active",
                             drugs="; ".join(str(f) for f in flagged),
                             exempt=f" Not counted, as the order names another indication: {exempt}." if exempt else "",
                             steroid_note=STEROID_NOTE if has_steroid else ""),
        facts=facts,
        about=[f.order for f in flagged],
        suggestions=suggestions,
        selection="at-most-one",
    )
