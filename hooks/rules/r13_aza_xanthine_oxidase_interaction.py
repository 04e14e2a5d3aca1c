"""R13: azathioprine with allopurinol or febuxostat. Xanthine oxidase clears 6-mercaptopurine; blocking it makes
thiopurines accumulate and causes life-threatening myelosuppression. Avoid the pair; if allopurinol cannot be
avoided, azathioprine goes down to 25-33% of its dose (computed from the current order) with weekly CBCs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import weight
from hooks.definitions.dose_basis import named_with_dose
from hooks.dosing import AZATHIOPRINE_ORAL, daily_mg, largest_given, product_for
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


def reduced_dose(current_mg: float, high_fraction: float) -> float | None:
    """The most whole azathioprine tablets give at or below ``high_fraction`` x the current daily dose (the label's
    one third): the dose is cut for the interaction, so rounding only goes down, below the range where no tablet
    dose falls in it (125 mg/day: 31-42 mg has none, so 25 mg). None where not even one 25 mg tablet fits (50
    mg/day: at most 16.7 mg); tablets are never split."""
    return largest_given(AZATHIOPRINE_ORAL, current_mg * high_fraction)


def _reduction(current: float | None, lower: float | None, params: Mapping[str, float]) -> tuple[str, str]:
    """(how the card says to cut the dose, the share the reduced order's text gives) with allopurinol."""
    share = f"{params['reduced_low_fraction'] * 100:.0f}-{params['reduced_high_fraction'] * 100:.0f}%"
    if current is None:
        return (f"{share} of the dose (the current dose could not be read, so the reduced dose is not computed)",
                share)
    low, high = current * params["reduced_low_fraction"], current * params["reduced_high_fraction"]
    if lower is None:
        return (f"{share} of the dose ({current:g} mg/day -> {low:.3g}-{high:.3g} mg/day: no whole tablet fits, as the "
                f"smallest is {AZATHIOPRINE_ORAL.finest_mg:g} mg and tablets are not split, so none is suggested; "
                "ask the pharmacy)", share)
    cut = f"{share} of the dose: {current:g} mg/day -> **{lower:g} mg/day**"
    if lower < low - 1e-6:  # no whole-tablet dose within the range: rounded down, never up, and the share said
        given = f"{lower / current:.0%} of {current:g} mg"
        return (f"{cut} ({low:.3g}-{high:.3g} mg/day has no dose in whole tablets, so it is rounded down to "
                f"{given})", f"{given}, rounded down to whole tablets")
    return cut, f"{share} of {current:g} mg"


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
        lower = reduced_dose(current, params["reduced_high_fraction"])
        facts["reduced_azathioprine_mg_per_day"] = lower
    aza_state = "drafted" if aza_drafted else "active"
    xoi_state = "active" if aza_drafted and xoi in active_xoi else "drafted"
    pair = f"{' + '.join(a.label for a in azas)} ({aza_state}) with {xoi.label} ({xoi_state})."

    cut, given_share = _reduction(current, lower, params)
    if not allopurinol:
        advice = ("Avoid the combination: do not give azathioprine with febuxostat. Consider **mycophenolate** "
                  "instead of azathioprine, or another urate-lowering plan with the rheumatologist.")
    else:
        advice = ("Avoid the combination; consider **mycophenolate** instead of azathioprine. If allopurinol is "
                  f"unavoidable, cut azathioprine to {cut}.")  # the weekly CBC: DETAIL's closing line

    cbc = orders.service_request(
        context.patient_id, orders.lab_concept(context.valuesets, "cbc", "57021-8", text="CBC with differential"),
        note="Weekly while azathioprine and allopurinol are given together.")
    cancel_drafts = [Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in drafted]
    suggestions = [Suggestion(
        "Cancel azathioprine; consider mycophenolate instead" if aza_drafted else f"Cancel {xoi.label}",
        cancel_drafts, is_recommended=True)]
    if lower is not None:
        product = product_for(AZATHIOPRINE_ORAL, lower)
        reduced = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product), lower,
            "mg", text=f"Azathioprine {lower:g} mg ({product.amount}) by mouth once daily ({given_share}: given "
                       "with allopurinol)", note="Reduced for allopurinol; CBC weekly.")
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
