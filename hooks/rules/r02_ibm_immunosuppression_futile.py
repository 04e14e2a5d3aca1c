"""R02: immunosuppression is futile in sporadic inclusion body myositis (IBM) alone; an IMNM-only rule base
would wrongly escalate it. Point the team to rehabilitation, falls and swallowing instead."""

from __future__ import annotations

from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import diagnosis
from hooks.definitions import ibm as futility
from hooks.definitions.courses import last_dose_day
from hooks.definitions.dose_basis import named_with_dose
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import NADDAF_2022, SCHMIDT_2018, SEED_003, UPTODATE_IBM

RULE = Rule(
    id=futility.RULE_ID,  # with its hooks and needs, as R24 reads R02's decision (ibm.advised_to_stop)
    number=2,
    title="Immunosuppression futile in inclusion body myositis",
    hooks=futility.HOOKS,
    needs=futility.NEEDS,
    severities=("warning",),
    summary="Glucocorticoid >=7.5 mg PEQ/day, MTX, AZA, MMF, rituximab, IVIG, tacrolimus or cyclosporine ordered "
            "or active for inclusion body myositis with no other condition that needs immunosuppression.",
    sources=(UPTODATE_IBM, NADDAF_2022, SCHMIDT_2018, SEED_003),
    parameters={
        "min_peq_mg": Param(7.5, "mg/day", "A systemic glucocorticoid at or above this prednisone equivalent counts."),
        "igg_replacement_max_g_per_kg_4_weeks": Param(
            0.8, "g/kg", "IVIG at most this much per 4 weeks, with an antibody deficiency its reason or on the problem "
                         "list, is IgG replacement, not given for IBM (replacement 0.4-0.6 g/kg every 3-4 weeks, up "
                         "to 0.8; immune disease 1-2 g/kg a cycle) [verify]."),
    },
    override_family="safety",
)

DETAIL = """\
**Immunosuppression is unlikely to help inclusion body myositis (IBM).** Found: {ibm}.
{drugs}{exempt} No other condition that needs immunosuppression is on file (such as rheumatoid
arthritis, lupus, an organ transplant or an immune-related adverse event).

Sporadic IBM is generally refractory to glucocorticoids and steroid-sparing agents: do not start or continue them
for IBM alone. A trial belongs only to atypical or overlap cases, under a neuromuscular specialist. CK falls with
immunosuppression even while weakness progresses, so do not monitor IBM by CK.

Focus instead on physiotherapy and occupational therapy, a swallow assessment (video-fluoroscopy) for dysphagia,
falls prevention, and follow-up in a neuromuscular clinic.{steroid_note}"""

STEROID_NOTE = """

A glucocorticoid taken for more than about 3 weeks must be tapered, not stopped abruptly (adrenal insufficiency)."""


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


def _drug(flagged: diagnosis.Flagged) -> str:
    """The agent in a word ('rituximab', 'IVIG'), else the order's label."""
    medication = flagged.order.medication
    return "IVIG" if medication.in_group("ivig") else next(
        (drug for group in futility.AGENTS if (drug := medication.concept_in(group))), flagged.order.label)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    read = futility.assess(record, context)  # shared with R24 (no CBC for a methotrexate this card stops)
    ibm, flagged, found = read.ibm, list(read.flagged), read.found
    named, replacement = read.named, read.replacement
    order_sign = context.hook == "order-sign"
    facts: dict[str, Any] = {
        "ibm": "; ".join(c.code.label for c in ibm) or None,
        "other_immunosuppression_indications": "; ".join(c.code.label for c in read.others) or None,
        "overlap_myositis": "; ".join(c.code.label for c in read.overlap) or None,
        "immunosuppression": "; ".join(str(f) for f in flagged) or None,
        "ordered_for_another_indication": "; ".join(named) or None,
        "igg_replacement": "; ".join(replacement) or None,
        "adrenal_cover": read.adrenal_cover,
    }
    if not ibm:
        return Quiet("no active inclusion body myositis", facts)
    if read.overlap:
        return Quiet(f"another myositis that needs immunosuppression is on file ({facts['overlap_myositis']}): an "
                     "overlap case, where a trial belongs under a neuromuscular specialist", facts)
    if read.others:
        return Quiet("another condition that needs immunosuppression is on file", facts)
    if not flagged:
        where = "in the draft orders" if order_sign else "active"
        if found:
            why = " or ".join(filter(None, ("names another indication" if named else "",
                                            "is IgG replacement for an antibody deficiency" if replacement else "")))
            return Quiet(f"every immunosuppressive order {where} {why}", facts)
        return Quiet(f"no immunosuppressive order {where}", facts)
    today = context.today
    # at patient-view, a course between its doses (IVIG cycles, rituximab given as completed orders) is no active order
    current = [f for f in flagged if order_sign or f.order.current_on(today)]
    completed = [f for f in flagged if not any(f is c for c in current)]
    verb = "Cancel" if order_sign else "Stop"
    # a glucocorticoid is tapered, not stopped; a course already given has nothing left to stop
    tapered = [f for f in current if not order_sign and f.order.in_group("glucocorticoid_systemic")]
    removable = [f for f in current if not any(f is t for t in tapered)]
    remove = [Action("delete", f"{verb} {named_with_dose(f.order)}", resource_id=f.order.reference) for f in removable]
    rehab = _rehabilitation(context)
    # what the card advises for each order, said in the suggestion that goes with it
    todo = ", ".join(filter(None, (
        f"{verb} the immunosuppressive order{'s' if len(removable) > 1 else ''}" if removable else "",
        f"taper the glucocorticoid{'s' if len(tapered) > 1 else ''}" if tapered else "",
        f"no further {' or '.join(dict.fromkeys(map(_drug, completed)))}" if completed else "")))
    advised = f"{todo[:1].upper()}{todo[1:]}; rehabilitation, swallow and falls work-up"
    suggestions = [Suggestion(advised, [*remove, *rehab], is_recommended=True)]
    if remove:  # the order may be a specialist-directed trial: the referrals alone keep it
        suggestions.append(Suggestion("Rehabilitation, swallow and falls work-up (keep the order: specialist-directed "
                                      "trial)", rehab))
    listed = []
    if current:
        listed.append(f"{'Ordered' if order_sign else 'Active'}: {'; '.join(str(f) for f in current)}.")
    if completed:  # said as what it is: a course given, not an active order
        listed.append("Completed, no current order: "
                      + "; ".join(f"{f}, last given {last_dose_day(f.order, today)}" for f in completed) + ".")
    exempt = "".join(f" Not counted, as {why}: {'; '.join(orders)}." for why, orders in (
        ("the order names another indication", named), ("IgG replacement for an antibody deficiency", replacement))
        if orders)
    has_steroid = any(f.order.in_group("glucocorticoid_systemic") for f in flagged)
    names = ", ".join(dict.fromkeys(f.order.label for f in flagged))
    summary = first_fitting([f"Inclusion body myositis: immunosuppression is unlikely to help. Reconsider {names}",
                             "Inclusion body myositis: immunosuppression is unlikely to help. Reconsider the orders"])
    return Fired(
        severity="warning",
        summary=summary,
        detail=DETAIL.format(ibm="; ".join(c.code.label for c in ibm), drugs=" ".join(listed),
                             exempt=exempt, steroid_note=STEROID_NOTE if has_steroid else ""),
        facts=facts,
        about=[f.order for f in flagged],
        suggestions=suggestions,
        selection="at-most-one",
    )
