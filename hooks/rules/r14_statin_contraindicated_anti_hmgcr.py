"""R14: no statin (or red yeast rice) for a patient with anti-HMGCR myopathy, on either hook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts
from hooks.definitions.courses import doses_since, given_since
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

If lipid lowering is needed, use **ezetimibe** 10 mg daily and/or a **PCSK9 monoclonal antibody**: {pcsk9}
Bempedoic acid has no data here: a specialist decision.
{exposure}"""
ADULT_PCSK9 = ("evolocumab 140 mg SC every 2 weeks (or 420 mg monthly) or alirocumab 75-150 mg SC every 2 weeks; "
               "refer to the lipid clinic.")
# evolocumab is licensed from 10 years in familial hypercholesterolaemia, at doses and indications a specialist sets
CHILD_PCSK9 = ("for a child, which agent and dose is for a **paediatric lipid specialist** (the doses in the table "
               "are adult doses); refer to the paediatric lipid clinic.")
# One dose covers its dosing interval: evolocumab and alirocumab every 2 weeks or monthly, inclisiran (an siRNA
# against PCSK9) every 6 months once established. A dose within it is therapy the patient is taking.
PCSK9_DOSE_COVERS_DAYS = {"inclisiran": 183}
PCSK9_ANTIBODY_DOSE_COVERS_DAYS = 31


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


def _taking_pcsk9(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """PCSK9-directed therapy last given within its dosing interval (a dose a week ago still acts), or drafted."""
    since = record.today - timedelta(days=max(PCSK9_DOSE_COVERS_DAYS.values()))
    return [*(o for o, last in doses_since(record, "pcsk9_inhibitor", since=since)
              if last >= record.today - timedelta(days=PCSK9_DOSE_COVERS_DAYS.get(
                  o.medication.concept_in("pcsk9_inhibitor") or "", PCSK9_ANTIBODY_DOSE_COVERS_DAYS))),
            *context.drafts_in("pcsk9_inhibitor")]


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
    child = cohorts.is_paediatric(record, context)
    clinic = "paediatric lipid clinic" if child else "lipid clinic"
    lipid_clinic = orders.service_request(
        context.patient_id, orders.text_concept(f"Referral to {clinic} (non-statin lipid lowering: "
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
    # no adult fixed dose for a child, and no second PCSK9-directed drug
    pcsk9 = [] if child or _taking_pcsk9(record, context) else [Suggestion(
        f"{verb} the statin and start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)",
        [*remove, Action("create", "Evolocumab 140 mg SC every 2 weeks", resource=_pcsk9_inhibitor(context))])]
    return Fired(
        severity="critical",
        summary=f"Statin contraindicated: anti-HMGCR myopathy. {verb} {names}",
        detail=DETAIL.format(why=why, pcsk9=CHILD_PCSK9 if child else ADULT_PCSK9,
                             exposure=f"\nStatin {'ordered' if context.hook == 'order-sign' else 'active'}: {names}."),
        facts=facts,
        about=offending,
        suggestions=[
            first,
            *pcsk9,
            Suggestion(f"{verb} the statin and refer to the {clinic}",
                       [*remove, Action("create", f"{clinic.capitalize()} referral", resource=lipid_clinic)]),
        ],
        selection="at-most-one",
    )
