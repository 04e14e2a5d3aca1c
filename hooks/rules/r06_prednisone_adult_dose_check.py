"""R06: an adult oral prednisone/prednisolone draft above 1.1 mg/kg/day or 80 mg/day (2 mg/kg is a JDM dose)."""

from __future__ import annotations

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.weight import dosing_weight
from hooks.dosing import TABLET_STEP_MG, oral_steroid_product, rounded_dose
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ETG, LANCET_2024, SEED_001, SEED_003, SEED_004

RULE = Rule(
    id="prednisone-adult-dose-check",
    number=6,
    title="Adult prednisone dose above 1 mg/kg/day or 80 mg/day",
    hooks=("order-sign",),
    severities=("warning",),
    summary="An adult oral prednisone or prednisolone draft above 1.1 mg/kg/day or 80 mg/day "
            "(2 mg/kg/day is a paediatric dose).",
    sources=(SEED_003, SEED_004, ETG, LANCET_2024, SEED_001),
    parameters={
        "max_mg_per_kg_day": Param(1.1, "mg/kg/day", "Above this the draft fires (1 mg/kg plus 10% for rounding)."),
        "max_mg_day": Param(80, "mg/day", "Above this absolute daily dose the draft fires (the only check "
                                          "without a current weight)."),
        "suggested_mg_per_kg_day": Param(1, "mg/kg/day", "The starting dose offered instead, on the dosing "
                                                          "weight, rounded to 5 mg and capped at max_mg_day.",
                                         at_most="prednisone-adult-dose-check.max_mg_per_kg_day"),
    },
    override_family="safety",
)

EPS = 1e-9

DETAIL = """\
**{drug} {total} exceeds the adult starting dose.** {findings}

For adult IIM/IMNM the starting dose is prednisone **0.5-1 mg/kg/day, usually no more than {cap:g} mg/day**
(several sources cap at 60-75 mg), once each morning; start tapering after 2-4 weeks according to response.
**2 mg/kg/day is a paediatric (juvenile dermatomyositis) dose**, not an adult one: one of the seed summaries
gives adults "1-2 mg/kg/day", which is wrong.

{advice}{unread}"""


def _ingredient_label(drafts: list[DraftDose]) -> str:
    names = sorted({dose_basis.oral_steroid(d.order) or "prednisone" for d in drafts})
    return "/".join(names).capitalize()


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    age = record.age_years
    drafts = [o for o in context.drafts_in("glucocorticoid_systemic") if dose_basis.oral_steroid(o)]
    weight = dosing_weight(record, context)
    facts: dict[str, object] = {
        "age_years": age,
        **dose_basis.measure_facts(record, context),
        "dosing_weight_kg": weight.value if weight else None,
        "max_mg_per_kg_day": p["max_mg_per_kg_day"],
        "max_mg_day": p["max_mg_day"],
    }
    if is_paediatric(record, context):
        return Quiet("paediatric patient: R32 checks the dose", facts)
    if not drafts:
        return Quiet("no oral prednisone or prednisolone draft", facts)
    doses = [dose_basis.read_dose(o, weight.value if weight else None) for o in drafts]
    facts["drafts"] = "; ".join(f"{d.order.label}: {d.describe()}" for d in doses)

    day = dose_basis.daily_total(doses, weight.value if weight else None, context.today)
    unread, total_mg, per_kg_written = day.unread, day.mg, day.per_kg_written
    counted, per_dose_only = day.counted, day.per_dose_only
    facts["total_mg_day"] = round(total_mg, 2) if counted else None
    facts["not_given_together"] = "; ".join(day.apart) or None
    per_kg = (total_mg / weight.value) if weight else (per_kg_written or None)
    facts["mg_per_kg_day"] = round(per_kg, 2) if per_kg is not None else None
    facts["unreadable"] = "; ".join(unread) or None

    over_cap = total_mg > p["max_mg_day"] + EPS
    over_kg = per_kg is not None and per_kg > p["max_mg_per_kg_day"] + EPS
    if not over_cap and not over_kg:
        if unread:
            return NotEvaluable("dose could not be read: " + "; ".join(unread), facts)
        if per_dose_only:
            return NotEvaluable(f"frequency not given for {', '.join(per_dose_only)}: one dose is within the "
                                "limits but the daily dose is unknown", facts)
        if weight is None and per_kg_written:
            return NotEvaluable(f"{', '.join(d.order.label for d in counted if d.per_kg)} is written per kg and "
                                "there is no current weight: the 80 mg/day cap could not be checked", facts)
        why = f"{mg(total_mg)}/day" + (f" ({per_kg:.2f} mg/kg/day)" if per_kg is not None else "")
        return Quiet(f"{why} is within the adult limits" + ("" if weight else " (no current weight: only "
                                                                              "the 80 mg cap was checked)"), facts)

    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.describe()}" for d in counted) + "."]
    if over_cap:
        findings.append(f"The draft gives {mg(total_mg)}/day, above {p['max_mg_day']:g} mg/day.")
    if over_kg and per_kg is not None:
        basis = f"on {weight.describe('kg')}" if weight else "as written"
        findings.append(f"That is {per_kg:.2f} mg/kg/day {basis}, above {p['max_mg_per_kg_day']:g} mg/kg/day.")
    if day.apart:
        findings.append(f"Not added up with it, as not given on the same days: {', '.join(day.apart)}.")
    if per_dose_only:
        findings.append(f"The frequency is not given for {', '.join(per_dose_only)}: one dose was counted a day, "
                        "so the daily dose is at least this.")
    if weight is None:
        findings.append(f"There is no body weight from the last {int(context.definition('weight_max_age_days'))} "
                        "days, so the per-kg limit could not be checked (see the dosing-weight card).")
    if age is None:
        findings.append("The patient's age is not on file: adult limits were applied.")
    drug = _ingredient_label(counted or doses)
    ingredient = drug.split("/")[0].lower()
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in doses]
    suggestions: list[Suggestion] = []
    if weight is not None:
        dose = rounded_dose(p["suggested_mg_per_kg_day"] * weight.value, TABLET_STEP_MG, p["max_mg_day"])
        product = oral_steroid_product(ingredient, dose.mg)
        text = f"{ingredient.capitalize()} {dose.mg:g} mg ({product.amount}) by mouth once every morning"
        resource = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product),
            dose.mg, "mg", text=text, route="oral", when=["MORN"],
            note=f"{p['suggested_mg_per_kg_day']:g} mg/kg x {weight.value:g} kg ({weight.day.isoformat()}), "
                 f"{dose.how}; review for taper after 2-4 weeks.")
        facts["suggested_mg_day"] = dose.mg
        advice = (f"Suggested instead: **{ingredient} {dose.mg:g} mg by mouth every morning** "
                  f"({p['suggested_mg_per_kg_day']:g} mg/kg on {weight.describe('kg')}, {dose.how}).")
        suggestions.append(Suggestion(f"Replace with {ingredient} {dose.mg:g} mg PO every morning (1 mg/kg)",
                                      [*delete, Action("create", text, resource=resource)], is_recommended=True))
    else:
        facts["suggested_mg_day"] = None
        advice = (f"No weight-based dose can be suggested without a current weight: the target is "
                  f"{p['suggested_mg_per_kg_day']:g} mg/kg/day once each morning, rounded to {TABLET_STEP_MG:g} mg, "
                  f"at most {p['max_mg_day']:g} mg/day. Weigh the patient and re-order.")
    summary_dose = mg(total_mg) + "/day" if counted and total_mg else f"{per_kg:.2f} mg/kg/day"
    if over_kg and over_cap and per_kg is not None and weight is not None:
        summary_dose += f" ({per_kg:.1f} mg/kg)"
    elif over_kg and weight is not None and per_kg is not None:
        summary_dose += f" = {per_kg:.2f} mg/kg/day"
    limit = f"{p['max_mg_day']:g} mg/day" if over_cap else f"{p['max_mg_per_kg_day']:g} mg/kg/day"
    return Fired(
        severity="warning",
        summary=f"{drug} {summary_dose} exceeds the adult limit ({limit}); 1 mg/kg/day is usual",
        detail=DETAIL.format(drug=drug, total=summary_dose, findings=" ".join(findings), cap=p["max_mg_day"],
                             advice=advice,
                             unread=("\n\nNot read: " + "; ".join(unread) + ".") if unread else ""),
        facts=facts,
        about=[d.order for d in doses],
        suggestions=suggestions,
    )
