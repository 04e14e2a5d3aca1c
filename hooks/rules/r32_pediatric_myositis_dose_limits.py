"""R32: a child's prednis(ol)one or methotrexate draft above the juvenile myositis (SHARE) limits.

For age < 18 this replaces the adult checks R06 and R09 (the suppression gate holds those back). IV
methylprednisolone in children is R07's. Eye drops and other local forms (hooks.definitions.routes) are no systemic
dose: left out, and named as left out (dose_basis.local_steroids, as R06 names them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.paediatric_doses import child_weekly_methotrexate
from hooks.definitions.weight import Measure, dosing_bsa, dosing_weight
from hooks.dosing import CHILD_FINER_STEPS_MG, HALF_TABLET_STEP_MG, oral_steroid_product, rounded_dose, why_no_frequency
from hooks.record import WEEKDAYS, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import IMACS_2023_CANCER, IMACS_CORE_SET, SEED_003, SHARE_2017

RULE = Rule(
    id="pediatric-myositis-dose-limits",
    number=32,
    title="Paediatric myositis dose limits (prednis(ol)one, methotrexate)",
    hooks=("order-sign",),
    severities=("warning",),
    summary="Age < 18: prednis(ol)one above 2 mg/kg/day or 60 mg/day, or methotrexate above 20 mg/m2/week or "
            "40 mg/week.",
    # IMACS 2023: no routine cancer screening in juvenile-onset IIM (the card says so)
    sources=(SHARE_2017, SEED_003, IMACS_CORE_SET, IMACS_2023_CANCER),
    parameters={
        "steroid_max_mg_per_kg_day": Param(2, "mg/kg/day", "Prednis(ol)one above this in a child fires."),
        "steroid_max_mg_day": Param(60, "mg/day", "Prednis(ol)one above this absolute daily dose fires."),
        "mtx_max_mg_per_m2_week": Param(20, "mg/m2/week", "Methotrexate above this in a child fires."),
        "mtx_max_mg_week": Param(40, "mg/week", "Methotrexate above this absolute weekly dose fires."),
        "mtx_suggested_mg_per_m2_week": Param(15, "mg/m2/week", "The methotrexate dose offered instead (SC).",
                                              at_most="pediatric-myositis-dose-limits.mtx_max_mg_per_m2_week"),
    },
    override_family="safety",
)

EPS = 1e-9

DETAIL = """\
**Above the juvenile myositis dose limits.** {findings}

Juvenile IIM/JDM (SHARE): prednis(ol)one **2 mg/kg/day, maximum 60 mg**; methotrexate **15-20 mg/m²/week SC,
maximum 40 mg/week**, with folic acid; IV methylprednisolone 30 mg/kg/day (maximum 1 g) for 3 days if severe.
Adult doses and adult checks do not apply to children. Involve paediatric rheumatology. Routine cancer
screening is not indicated in juvenile-onset IIM.

{advice}{unread}"""


def _steroid_findings(doses: list[DraftDose], weight: Measure | None, p: Mapping[str, float], today: date,
                      unread: list[str], unchecked: list[str]) -> tuple[list[str], float | None, float | None]:
    day = dose_basis.daily_total(doses, weight.value if weight else None, today)
    unread += day.unread
    # one dose within the limits says nothing about the day's total: not checked, never "within limits"
    unchecked += [f"{order.label}: {why_no_frequency(order)}, one dose counted" for order in day.per_dose_only]
    total, counted = day.mg, any(d.daily is not None or d.mg is not None for d in day.counted) or day.mg > 0
    per_kg = total / weight.value if weight and counted else (day.per_kg_written or None)
    found = []
    label = "/".join(sorted({dose_basis.oral_steroid(d.order) or "prednisone" for d in doses})).capitalize()
    if total > p["steroid_max_mg_day"] + EPS:
        found.append(f"{label} {mg(total)}/day is above the {p['steroid_max_mg_day']:g} mg/day maximum.")
    if per_kg is not None and per_kg > p["steroid_max_mg_per_kg_day"] + EPS:
        basis = f"on {weight.describe('kg')}" if weight else "as written"
        found.append(f"{label} {per_kg:.2f} mg/kg/day ({basis}) is above {p['steroid_max_mg_per_kg_day']:g} "
                     "mg/kg/day.")
    if weight is None and counted:
        unchecked.append(f"{label}: no current weight, so the {p['steroid_max_mg_per_kg_day']:g} mg/kg/day limit "
                         "could not be checked")
    return found, (total if counted else None), per_kg


def _mtx_findings(doses: list[DraftDose], bsa: float | None, p: Mapping[str, float], today: date,
                  unread: list[str], unchecked: list[str]) -> tuple[list[str], float | None, float | None]:
    weekly: list[tuple[MedicationOrder, float]] = []
    per_m2_written: list[tuple[MedicationOrder, float]] = []
    for d in doses:
        if d.problem:
            unread.append(f"{d.order.label}: {d.problem}")
        elif d.week_mg is not None:  # less often than weekly: the dose given at once, as R09 judges it
            weekly.append((d.order, d.week_mg))
        elif d.per_m2 and (m2_week := d.written_per_m2_week()) is not None:
            per_m2_written.append((d.order, m2_week))
        else:
            unread.append(f"{d.order.label}: {why_no_frequency(d.order)}" if d.per_day is None
                          else f"{d.order.label}: needs a current weight and height")
    # drafts not given in the same weeks (a titration written as two orders) are not added up
    total, counted = dose_basis.most_on_one_day(weekly, today)[0], bool(weekly)
    per_m2 = total / bsa if bsa and counted else (dose_basis.most_on_one_day(per_m2_written, today)[0] or None)
    found = []
    if total > p["mtx_max_mg_week"] + EPS:
        found.append(f"Methotrexate {mg(total)}/week is above the {p['mtx_max_mg_week']:g} mg/week maximum.")
    if per_m2 is not None and per_m2 > p["mtx_max_mg_per_m2_week"] + EPS:
        basis = f"on a BSA of {bsa:.2f} m²" if bsa else "as written"
        found.append(f"Methotrexate {per_m2:.1f} mg/m²/week ({basis}) is above {p['mtx_max_mg_per_m2_week']:g} "
                     "mg/m²/week.")
    if bsa is None and counted:
        unchecked.append(f"methotrexate: no current weight and height, so the {p['mtx_max_mg_per_m2_week']:g} "
                         "mg/m²/week limit could not be checked")
    return found, (total if counted else None), per_m2


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    facts: dict[str, Any] = {"age_years": record.age_years, **dose_basis.measure_facts(record, context)}
    if not is_paediatric(record, context):
        return Quiet("not a child (age >= 18 or unknown): R06/R09 apply", facts)
    steroids = [o for o in context.draft_orders if dose_basis.oral_steroid(o)]
    # prednisolone eye drops are no systemic dose: named as left out, as R06 names them
    local = dose_basis.local_steroids(context.draft_orders)
    facts["not_systemic"] = "; ".join(o.label for o in local) or None
    mtx = context.drafts_in("methotrexate")
    if not steroids and not mtx:
        return Quiet("no oral prednis(ol)one draft and no methotrexate draft"
                     + (f" ({dose_basis.LOCAL_FORMS_NO_DOSE})" if local else ""), facts)
    weight = dosing_weight(record, context)
    bsa = dosing_bsa(record, context)
    facts.update(dosing_weight_kg=weight.value if weight else None, bsa_m2=bsa)
    unread: list[str] = []
    unchecked: list[str] = []
    steroid_doses = [dose_basis.read_dose(o, weight.value if weight else None) for o in steroids]
    mtx_doses = [dose_basis.read_dose(o, weight.value if weight else None, bsa) for o in mtx]
    steroid_found, steroid_day, steroid_kg = _steroid_findings(steroid_doses, weight, p, context.today, unread,
                                                               unchecked)
    mtx_found, mtx_week, mtx_m2 = _mtx_findings(mtx_doses, bsa, p, context.today, unread, unchecked)
    facts.update(steroid_mg_day=steroid_day, steroid_mg_per_kg_day=round(steroid_kg, 2) if steroid_kg else None,
                 mtx_mg_week=mtx_week, mtx_mg_per_m2_week=round(mtx_m2, 2) if mtx_m2 else None,
                 drafts="; ".join(f"{d.order.label}: {d.describe()}" for d in steroid_doses + mtx_doses),
                 not_checked="; ".join(unread + unchecked) or None)
    if not steroid_found and not mtx_found:
        if unread or unchecked:
            return NotEvaluable("; ".join(unread + unchecked), facts)
        return Quiet("within the juvenile myositis limits", facts)

    suggestions: list[Suggestion] = []
    advice: list[str] = []
    if steroid_found:
        suggestion, text = _steroid_suggestion(context, p, steroid_doses, weight)
        advice.append(text)
        suggestions += suggestion
    if mtx_found:
        suggestion, text = _mtx_suggestion(record, context, p, mtx_doses, bsa)
        advice.append(text)
        suggestions += suggestion
    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.describe()}" for d in steroid_doses + mtx_doses
                                        if d.problem is None) + f" (age {record.youngest_age_years})."]
    findings += steroid_found + mtx_found
    what = " and ".join(w for w, hit in (("prednis(ol)one", steroid_found), ("methotrexate", mtx_found)) if hit)
    top = (steroid_found + mtx_found)[0].rstrip(".")
    return Fired(
        severity="warning",
        summary=f"Child {record.youngest_age_years} y: {top}"[:139] if len(steroid_found + mtx_found) == 1
        else f"Child {record.youngest_age_years} y: {what} above the juvenile myositis limits",
        detail=DETAIL.format(findings=" ".join(findings), advice="\n\n".join(advice),
                             unread=("\n\nNot checked: " + "; ".join(unread + unchecked) + ".")
                             if unread or unchecked else ""),
        facts=facts,
        about=[d.order for d in steroid_doses + mtx_doses],
        suggestions=suggestions,
    )


def _steroid_suggestion(context: HookContext, p: Mapping[str, float], doses: list[DraftDose],
                        weight: Measure | None) -> tuple[list[Suggestion], str]:
    if weight is None:
        return [], (f"No current weight (within {int(context.definition('weight_max_age_days_paediatric'))} days), "
                    f"so no dose is computed: prednisolone {p['steroid_max_mg_per_kg_day']:g} mg/kg/day, at most "
                    f"{p['steroid_max_mg_day']:g} mg/day. Weigh the child and re-order.")
    dose = rounded_dose(p["steroid_max_mg_per_kg_day"] * weight.value, HALF_TABLET_STEP_MG, p["steroid_max_mg_day"],
                        round_down=True, finer_steps=CHILD_FINER_STEPS_MG)
    product = oral_steroid_product("prednisolone", dose.mg)
    text = f"Prednisolone {dose.mg:g} mg ({product.amount}) by mouth once daily"
    resource = orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, product),
        dose.mg, "mg", text=text,
        note=f"{p['steroid_max_mg_per_kg_day']:g} mg/kg/day x {weight.value:g} kg ({weight.day.isoformat()}), "
             f"{dose.how}. Liquid formulation if needed.")
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in doses]
    return ([Suggestion(f"Replace with prednisolone {dose.mg:g} mg PO daily (2 mg/kg, max 60 mg)",
                        [*delete, Action("create", text, resource=resource)], is_recommended=True)],
            f"Suggested: **prednisolone {dose.mg:g} mg by mouth daily** ({p['steroid_max_mg_per_kg_day']:g} mg/kg "
            f"on {weight.describe('kg')}, {dose.how}).")


def _mtx_suggestion(record: PatientRecord, context: HookContext, p: Mapping[str, float], doses: list[DraftDose],
                    bsa: float | None) -> tuple[list[Suggestion], str]:
    per_m2 = p["mtx_suggested_mg_per_m2_week"]
    days = doses[0].order.dosage.timing.days_of_week if doses[0].order.dosage else ()
    day = days[0] if days and days[0] in WEEKDAYS else "mon"
    suggested = child_weekly_methotrexate(record, context, per_m2, p["mtx_max_mg_week"], day,
                                          p["mtx_max_mg_per_m2_week"])
    if suggested is None:  # no current weight and height, so no BSA
        return [], (f"No current weight and height, so no BSA dose is computed: methotrexate {per_m2:g} mg/m² SC "
                    f"once weekly, at most {p['mtx_max_mg_week']:g} mg/week. Measure the child and re-order.")
    dose = suggested.dose
    actions = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
               for d in doses]
    actions.append(Action("create", suggested.text, resource=suggested.resource))
    if not continuing.in_place(record, context, "folic_acid"):
        actions.append(Action("create", "Folic acid 1 mg PO daily", resource=orders.medication_request(
            context.patient_id, orders.text_concept("folic acid 1 MG Oral Tablet"), 1, "mg",
            text="Folic acid 1 mg by mouth once daily")))
    return ([Suggestion(f"Replace with methotrexate {dose.mg:g} mg SC once weekly ({per_m2:g} mg/m2, max 40 mg)",
                        actions, is_recommended=True)],
            f"Suggested: **methotrexate {dose.mg:g} mg SC once weekly** ({per_m2:g} mg/m² x {bsa:.2f} m², "
            f"{dose.how}) with folic acid.")
