"""R13: azathioprine with allopurinol or febuxostat. Xanthine oxidase clears 6-mercaptopurine; blocking it makes
thiopurines accumulate and causes life-threatening myelosuppression. Avoid the pair; if allopurinol cannot be
avoided, azathioprine goes down to 25-33% of its dose (computed from the current order) with weekly CBCs."""

from __future__ import annotations

import math
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import weight
from hooks.dosing import daily_mg
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import AZA_ALLOPURINOL, AZA_LABEL

RULE = Rule(
    id="aza-xanthine-oxidase-interaction",
    number=13,
    title="Azathioprine with allopurinol or febuxostat",
    hooks=("order-sign",),
    severities=("critical",),
    summary="An azathioprine draft with active allopurinol or febuxostat, or the reverse: life-threatening "
            "myelosuppression.",
    sources=(AZA_LABEL, AZA_ALLOPURINOL),
    parameters={
        "reduced_low_fraction": Param(0.25, "fraction", "If allopurinol is unavoidable: azathioprine at least this "
                                                        "share of its dose..."),
        "reduced_high_fraction": Param(1 / 3, "fraction", "... and at most this share (the label's one third)."),
    },
    override_family="safety",
)

STEP_MG = 12.5  # half a 25 mg tablet


def reduced_dose(current_mg: float, low_fraction: float, high_fraction: float) -> float | None:
    """The largest half-tablet step (12.5 mg) within low-high x the current daily dose; None when no step falls
    in that range (25 mg/day: 6.25-8.3 mg; 70 mg/day: 17.5-23.3 mg). Never a dose outside the range."""
    slack = current_mg * 1e-6  # 75 mg x 1/3 is 25 mg, not 24.999...
    dose = math.floor((current_mg * high_fraction + slack) / STEP_MG) * STEP_MG
    return dose if dose > 0 and dose >= current_mg * low_fraction - slack else None


DETAIL = """\
**Do not combine azathioprine with {xoi_name}.** {pair}
Allopurinol and febuxostat block xanthine oxidase, which clears azathioprine's active metabolite; thiopurines then
accumulate and can cause life-threatening bone-marrow suppression.

{advice}
If the two are given together, check a CBC every week."""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    aza_drafts = [o for o in context.drafts_in("azathioprine") if o.resource_type == "MedicationRequest"]
    xoi_drafts = [o for o in context.drafts_in("xanthine_oxidase_inhibitor") if o.resource_type == "MedicationRequest"]
    active_aza = record.medications_in("azathioprine", current_only=True)
    active_xoi = record.medications_in("xanthine_oxidase_inhibitor", current_only=True)
    facts: dict[str, Any] = {
        "azathioprine": ", ".join(f"{o.label} ({o.status})" for o in aza_drafts + active_aza) or None,
        "xanthine_oxidase_inhibitor": ", ".join(f"{o.label} ({o.status})" for o in xoi_drafts + active_xoi) or None,
    }
    # every azathioprine order counts (75 mg + 75 mg is 150 mg/day); the drafts are what signing would add
    if aza_drafts and (active_xoi or xoi_drafts):
        drafted, azas, xoi = aza_drafts, aza_drafts, (active_xoi or xoi_drafts)[0]
    elif xoi_drafts and active_aza:
        drafted, azas, xoi = xoi_drafts, active_aza, xoi_drafts[0]
    else:
        return Quiet("no draft that brings azathioprine and a xanthine-oxidase inhibitor together", facts)
    aza_drafted = azas is drafted

    xoi_name = xoi.medication.concept_in("xanthine_oxidase_inhibitor") or "a xanthine-oxidase inhibitor"
    allopurinol = xoi_name == "allopurinol"
    dosing = weight.dosing_weight(record, context)
    doses = [daily_mg(aza, dosing.value if dosing else None) for aza in azas]
    current = None if None in doses else sum(d for d in doses if d is not None)
    facts.update(xoi=xoi_name, azathioprine_mg_per_day=current,
                 dosing_weight=dosing.describe("kg") if dosing else None)
    lower = None
    if allopurinol and current is not None:
        lower = reduced_dose(current, params["reduced_low_fraction"], params["reduced_high_fraction"])
        facts["reduced_azathioprine_mg_per_day"] = lower
    aza_state = "drafted" if aza_drafted else "active"
    xoi_state = "active" if aza_drafted and xoi in active_xoi else "drafted"
    pair = f"{' + '.join(a.label for a in azas)} ({aza_state}) with {xoi.label} ({xoi_state})."

    share = f"{params['reduced_low_fraction'] * 100:.0f}-{params['reduced_high_fraction'] * 100:.0f}%"
    if not allopurinol:
        advice = ("Avoid the combination: do not give azathioprine with febuxostat. Consider **mycophenolate** "
                  "instead of azathioprine, or another urate-lowering plan with the rheumatologist.")
    elif lower is not None:
        advice = (f"Avoid the combination; consider **mycophenolate** instead of azathioprine. If allopurinol is "
                  f"unavoidable, cut azathioprine to {share} of the dose: {current:g} mg/day -> **{lower:g} mg/day**, "
                  "and check a CBC every week.")
    else:
        why = ("the current dose could not be read, so the reduced dose is not computed" if current is None else
               f"{current:g} mg/day -> {current * params['reduced_low_fraction']:.3g}-"
               f"{current * params['reduced_high_fraction']:.3g} mg/day: no dose in half tablets of 12.5 mg falls in "
               "that range, so none is suggested; ask the pharmacy")
        advice = (f"Avoid the combination; consider **mycophenolate** instead of azathioprine. If allopurinol is "
                  f"unavoidable, cut azathioprine to {share} of the dose ({why}) and check a CBC every week.")

    cbc = orders.service_request(context.patient_id, orders.text_concept("CBC with differential"),
                                 note="Weekly while azathioprine and allopurinol are given together.")
    cancel_drafts = [Action("delete", f"Cancel {o.label}", resource_id=o.reference) for o in drafted]
    suggestions = [Suggestion(
        "Cancel azathioprine; consider mycophenolate instead" if aza_drafted else f"Cancel {xoi.label}",
        cancel_drafts, is_recommended=True)]
    if lower is not None:
        reduced = orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "azathioprine", "azathioprine 25 MG Oral Tablet"),
            lower, "mg", text=f"Azathioprine {lower:g} mg by mouth once daily ({share} of {current:g} mg: "
                              "given with allopurinol)", note="Reduced for allopurinol; CBC weekly.")
        replace_aza = [Action("delete", f"{'Cancel' if aza_drafted else 'Stop'} {aza.label} ({dose:g} mg/day)",
                              resource_id=aza.reference) for aza, dose in zip(azas, doses, strict=True)]
        suggestions.append(Suggestion(
            f"If allopurinol is unavoidable: azathioprine {lower:g} mg daily with weekly CBC",
            [*replace_aza, Action("create", f"Azathioprine {lower:g} mg PO daily", resource=reduced),
             Action("create", "CBC weekly", resource=cbc)]))
    return Fired(
        severity="critical",
        summary=f"Azathioprine + {xoi_name}: risk of life-threatening myelosuppression. Avoid the combination",
        detail=DETAIL.format(xoi_name=xoi_name, pair=pair, advice=advice),
        facts=facts,
        about=drafted,
        suggestions=suggestions,
        selection="at-most-one",
    )
