"""R14: no statin (or red yeast rice) for a patient with anti-HMGCR myopathy, on either hook."""

from __future__ import annotations

from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies
from hooks.definitions.courses import given_since
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, Quiet, Result, Rule, Suggestion
from hooks.sources import ENMC_224, MAMMEN_STATIN_REVIEW, SEED_001, SEED_004, TINIAKOU_2020

RULE = Rule(
    id="statin-contraindicated-anti-hmgcr",
    number=14,
    title="Statin contraindicated in anti-HMGCR myopathy",
    hooks=("patient-view", "order-sign"),
    severities=("critical",),
    summary="A statin (or red yeast rice) ordered or active in a patient with anti-HMGCR or statin-associated "
            "autoimmune myopathy.",
    sources=(MAMMEN_STATIN_REVIEW, ENMC_224, TINIAKOU_2020, SEED_001, SEED_004),
    override_family="safety",
)

STATIN_GROUPS = ("statin", "red_yeast_rice")

DETAIL = """\
**Do not start or restart statins.** {why}. Statin re-exposure can reactivate anti-HMGCR myopathy, and
avoidance is lifelong — this includes statin-naive anti-HMGCR patients and red yeast rice (monacolin K).

If lipid lowering is needed, use **ezetimibe** 10 mg daily and/or a **PCSK9 monoclonal antibody**: evolocumab
140 mg SC every 2 weeks (or 420 mg monthly) or alirocumab 75-150 mg SC every 2 weeks; refer to the lipid clinic.
Bempedoic acid has no data here: a specialist decision.
{exposure}"""


def _why(record: PatientRecord) -> str | None:
    positive = antibodies.ever_positive(record, "anti_hmgcr")
    if positive is not None:
        when = positive.when.isoformat() if positive.when else "undated"
        return f"Anti-HMGCR antibody positive ({positive.code.label}, {when})"
    condition = next(iter(record.conditions_in("statin_autoimmune_myopathy")), None)
    if condition is not None:
        return f"Condition on file: {condition.code.label}"
    return None


def _taking(record: PatientRecord, context: HookContext, group: str) -> list[MedicationOrder]:
    """Orders of ``group`` given now or signed with this call (a second order would be duplicate therapy); not a
    statin combination, which is stopped with the statin."""
    return [o for o in (*given_since(record, group, since=record.today), *context.drafts_in(group))
            if not o.in_group(*STATIN_GROUPS)]


def _pcsk9_inhibitor(context: HookContext) -> dict[str, Any]:
    """The table's PCSK9 antibody order: evolocumab 140 mg SC every 2 weeks, its alternatives in the text."""
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "pcsk9_inhibitor", "evolocumab"), 140, "mg",
        route="sc", period=2, period_unit="wk",
        text="Evolocumab 140 mg subcutaneously every 2 weeks (or 420 mg once monthly); alternative: alirocumab "
             "75-150 mg subcutaneously every 2 weeks")


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    why = _why(record)
    if context.hook == "order-sign":
        offending = context.drafts_in(*STATIN_GROUPS)
    else:
        offending = record.medications_in(*STATIN_GROUPS, current_only=True)
    facts = {"anti_hmgcr_or_statin_myopathy": why, "statins": ", ".join(o.label for o in offending) or None}
    if why is None:
        return Quiet("no positive anti-HMGCR and no statin-associated autoimmune myopathy on file", facts)
    if not offending:
        return Quiet("no statin or red yeast rice " + ("in the draft orders" if context.hook == "order-sign"
                                                        else "active"), facts)
    names = ", ".join(o.label for o in offending)
    lipid_clinic = orders.service_request(
        context.patient_id, orders.text_concept("Referral to lipid clinic (non-statin lipid lowering: "
                                                "ezetimibe, PCSK9 monoclonal antibody)"))
    verb = "Cancel" if context.hook == "order-sign" else "Discontinue"
    remove = [Action("delete", f"{verb} {o.label}", resource_id=o.reference) for o in offending]
    taking = _taking(record, context, "ezetimibe")
    if taking:
        first = Suggestion(f"{verb} the statin (ezetimibe is already ordered: {taking[-1].label})", remove,
                           is_recommended=True)
    else:
        ezetimibe = orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "ezetimibe", "ezetimibe"), 10, "mg",
            text="Ezetimibe 10 mg by mouth once daily")
        first = Suggestion(f"{verb} the statin and start ezetimibe 10 mg daily",
                           [*remove, Action("create", "Ezetimibe 10 mg PO daily", resource=ezetimibe)],
                           is_recommended=True)
    pcsk9 = [] if _taking(record, context, "pcsk9_inhibitor") else [Suggestion(
        f"{verb} the statin and start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)",
        [*remove, Action("create", "Evolocumab 140 mg SC every 2 weeks", resource=_pcsk9_inhibitor(context))])]
    return Fired(
        severity="critical",
        summary=f"Statin contraindicated: anti-HMGCR myopathy. {verb} {names}",
        detail=DETAIL.format(why=why, exposure=f"\nStatin {'ordered' if context.hook == 'order-sign' else 'active'}: "
                             f"{names}."),
        facts=facts,
        about=offending,
        suggestions=[
            first,
            *pcsk9,
            Suggestion(f"{verb} the statin and refer to the lipid clinic",
                       [*remove, Action("create", "Lipid clinic referral", resource=lipid_clinic)]),
        ],
        selection="at-most-one",
    )
