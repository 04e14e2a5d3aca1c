"""R06: an adult oral prednisone/prednisolone draft above 1.1 mg/kg/day or 80 mg/day (2 mg/kg is a JDM dose).

Oral prednisone or prednisolone already on the chart that no draft replaces goes on beside the drafts
(hooks.definitions.continuing, as R08 and R09 read methotrexate): its daily dose adds up with theirs, so two
concurrent orders are judged together. A taper step that replaces the order before it (linked to it, the same
prescription written again, alone or as the first of steps written as separate orders, or starting after it ends)
is not added. A chart order replaced only by being written again, with no link, is still on the chart once the draft
is signed: the card says what both would give together and offers to discontinue it, a warning of its own when the
draft alone is within the limits. Eye drops and other local forms (hooks.definitions.routes) are no systemic dose.
An order whose dose is not read (a draft's too) is not counted: what the others give is the least given, judged and
said as 'at least' (the fact total_mg_day_is_at_least), as is a total that counts one dose a day for a draft with no
frequency, or with no weight leaves out what is written per kg; within the limits, the check is not evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.weight import dosing_weight
from hooks.dosing import TABLET_STEP_MG, oral_steroid_product, rounded_dose
from hooks.record import MedicationOrder, PatientRecord
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
GROUP = "glucocorticoid_systemic"

DETAIL = """\
**{drug} {total} exceeds the adult starting dose.** {findings}

For adult IIM/IMNM the starting dose is prednisone **0.5-1 mg/kg/day, usually no more than {cap:g} mg/day**
(several sources cap at 60-75 mg), once each morning; start tapering after 2-4 weeks according to response.
**2 mg/kg/day is a paediatric (juvenile dermatomyositis) dose**, not an adult one: one of the seed summaries
gives adults "1-2 mg/kg/day", which is wrong.

{advice}{unread}"""


def _over_limits(day: dose_basis.DailyTotal, weight_kg: float | None,
                 p: Mapping[str, float]) -> tuple[float | None, bool, bool]:
    """mg/kg/day (on the weight, else as written per kg), and whether the daily mg and the mg/kg go over the
    limits."""
    per_kg = (day.mg / weight_kg) if weight_kg else (day.per_kg_written or None)
    return (per_kg, day.mg > p["max_mg_day"] + EPS,
            per_kg is not None and per_kg > p["max_mg_per_kg_day"] + EPS)


def _left_active_line(left: list[tuple[MedicationOrder, str]], given: list[DraftDose],
                      drafts: Sequence[MedicationOrder], weight_kg: float | None, today: date,
                      p: Mapping[str, float]) -> continuing.LeftActiveLine:
    """continuing.left_active_line in mg a day, each of ``given`` (the ``drafts``, the chart's orders going on and
    those left active) read as the daily total reads it: one not read, or per kg with no weight, is not counted (a total
    only when the others pass a limit); one with no frequency counts one dose, so the total is 'at least'."""
    days = [(d.order, dose_basis.daily_total([d], weight_kg, today)) for d in given]

    def over(total_mg: float) -> str | None:
        per_kg, over_cap, over_kg = _over_limits(dose_basis.DailyTotal(mg=total_mg), weight_kg, p)
        passed = [f"above {p['max_mg_day']:g} mg/day"] if over_cap else []
        if over_kg and per_kg is not None:
            passed.append(f"{per_kg:.2f} mg/kg/day, above {p['max_mg_per_kg_day']:g} mg/kg/day")
        return "; ".join(passed) or None

    return continuing.left_active_line(
        left, [(order, None if day.unread or day.per_kg_written else day.mg) for order, day in days], today,
        drafts=drafts, named=lambda total_mg, _: f"{mg(total_mg)}/day", over=over,
        minimum=[order for order, day in days if day.per_dose_only])


def _ingredient_label(drafts: list[DraftDose]) -> str:
    names = sorted({dose_basis.oral_steroid(d.order) or "prednisone" for d in drafts})
    return "/".join(names).capitalize()


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    age = record.age_years
    glucocorticoids = context.drafts_in(GROUP)
    sent = [o for o in glucocorticoids if dose_basis.oral_steroid(o)]  # not eye drops or other local forms
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
    # prednisolone eye drops are no systemic dose (they were read as an unreadable oral one): named, as left out
    local = dose_basis.local_steroids(glucocorticoids)
    facts["not_systemic"] = "; ".join(o.label for o in local) or None
    # the chart's current orders beside the drafts; a draft that discontinues one of them gives no dose
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, GROUP)
                                         if dose_basis.oral_steroid(o)], context.today, GROUP)
    drafts = chart.given
    if not drafts:
        return Quiet("no oral prednisone or prednisolone draft" + (
            " giving a dose (one that discontinues an order gives none)" if sent else
            f" ({dose_basis.LOCAL_FORMS_NO_DOSE})" if local else ""), facts)
    kg = weight.value if weight else None
    doses = [dose_basis.read_dose(o, kg) for o in drafts]
    facts["drafts"] = "; ".join(f"{d.order.label}: {d.describe()}" for d in doses)
    on_chart = [dose_basis.read_dose(o, kg) for o in chart.scheduled]
    left, left_kept = chart.left_active_doses(kg)  # rewritten with no link: still active
    facts["steroid_on_chart"] = "; ".join(f"{d.order.label}: {d.describe()}{chart.note(d.order)}"
                                          for d in on_chart) or None
    facts.update(chart.facts())

    # the chart's orders are added to the drafts on the days both are given; one whose dose cannot be read leaves
    # the total unknown
    read = [d for d in on_chart if not d.problem]
    day = dose_basis.daily_total([*doses, *read], kg, context.today)
    unread = [*day.unread, *(f"{d.order.label} (on the chart): {d.problem}" for d in on_chart if d.problem)]
    total_mg, per_kg_written = day.mg, day.per_kg_written
    counted, per_dose_only = day.counted, day.per_dose_only
    facts["total_mg_day"] = round(total_mg, 2) if counted else None
    # a total that leaves out part of what is given is the least given, said as 'at least': a dose not read, one dose
    # a day counted for a draft with no frequency, and with no weight, what is written per kg (not in the mg) or in
    # mg (not in the mg/kg)
    least = "at least " if unread or per_dose_only or per_kg_written else ""
    least_per_kg = "at least " if unread or (per_dose_only if weight else total_mg) else ""
    facts["total_mg_day_is_at_least"] = bool(least) if counted else None
    facts["not_given_together"] = "; ".join(day.apart) or None
    per_kg, over_cap, over_kg = _over_limits(day, kg, p)
    facts["mg_per_kg_day"] = round(per_kg, 2) if per_kg is not None else None
    facts["unreadable"] = "; ".join(unread) or None

    drafted = [d for d in doses if any(d is c for c in counted)]
    # what the drafts give alone: more with the chart's orders means they are on the day that gives the most
    alone = dose_basis.daily_total(doses, kg, context.today) if read else day
    # a draft not read, or with no frequency (one dose counted), leaves what the drafts give alone only the least
    alone_at_least = bool(alone.unread or alone.per_dose_only)
    adds = alone.mg + EPS < total_mg or alone.per_kg_written + EPS < per_kg_written
    drug = _ingredient_label(drafted or doses)
    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.how_given()}" for d in doses) + "."]
    # every order on the chart going on beside the drafts is named, and offered to be stopped, by its id
    stop = [(d.order, d.how_given()) for d in on_chart]
    if stop:
        findings.append(chart.going_on(stop))
    # everything given together, an order whose dose is not read too (said as not counted)
    left_line = _left_active_line(left_kept, [*doses, *on_chart, *left], drafts, kg, context.today, p) if left else None
    if not over_cap and not over_kg:
        not_judged = (
            "dose could not be read: " + "; ".join(unread) if unread else
            f"frequency not given for {', '.join(per_dose_only)}: one dose is within the limits but the daily dose "
            "is unknown" if per_dose_only else
            f"{', '.join(d.order.label for d in counted if d.per_kg)} is written per kg and there is no current "
            "weight: the 80 mg/day cap could not be checked" if weight is None and per_kg_written else None)
        # what was read with the orders left active passing a limit is said, whatever could not be read
        if not_judged and not (left_line and left_line.over):
            return NotEvaluable(not_judged, facts)
        within = (f"{mg(total_mg)}/day" + (f" ({per_kg:.2f} mg/kg/day)" if per_kg is not None else "")
                  + (" with the order on the chart" if adds else "") + " is within the adult limits"
                  + ("" if weight else " (no current weight: only the 80 mg cap was checked)"))
        if left_line:
            return continuing.left_active_warning(
                left_kept, drug=drug,
                drafted=continuing.least_given(f"{mg(alone.mg)}/day" if drafted else None, alone_at_least),
                on_chart=[f"{mg(d.daily)}/day" if d.daily is not None else d.how_given() for d in left],
                findings=[*findings, left_line.text], judged=within, facts=facts, about=[d.order for d in doses],
                not_read=not_judged)
        return Quiet(within, facts)

    if over_cap:
        # with a dose not read beside it, the draft alone is not all that is given
        findings.append(f"{'Together they give' if adds or unread else 'The draft gives'} {least}{mg(total_mg)}/day, "
                        f"above {p['max_mg_day']:g} mg/day.")
    if over_kg and per_kg is not None:
        basis = f"on {weight.describe('kg')}" if weight else "as written"
        findings.append(f"That is {least_per_kg}{per_kg:.2f} mg/kg/day {basis}, above {p['max_mg_per_kg_day']:g} "
                        "mg/kg/day.")
    if day.apart:
        findings.append(f"Not added up with it, as not given on the same days: {', '.join(day.apart)}.")
    findings += [left_line.text] if left_line else []
    if per_dose_only:
        findings.append(f"The frequency is not given for {', '.join(per_dose_only)}: one dose was counted a day, "
                        "so the daily dose is at least this.")
    if weight is None:
        findings.append(f"There is no body weight from the last {int(context.definition('weight_max_age_days'))} "
                        "days, so the per-kg limit could not be checked (see the dosing-weight card).")
    if age is None:
        findings.append("The patient's age is not on file: adult limits were applied.")
    ingredient = drug.split("/")[0].lower()
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in doses]
    suggestions: list[Suggestion] = []
    # what the chart's orders give alone: cancelling the draft leaves that
    chart_only = dose_basis.daily_total(read, kg, context.today) if adds else None
    chart_over = chart_only is not None and any(_over_limits(chart_only, kg, p)[1:])
    if chart_over and chart_only is not None:
        findings.append(f"The order on the chart alone gives {mg(chart_only.mg)}/day, above the limits: cancelling "
                        "the draft would leave that.")
    if adds and not chart_over and not alone_at_least and not any(_over_limits(alone, kg, p)[1:]):
        # the draft alone, and the chart's orders alone, are within the limits: it is the order beside the chart's
        # that is wrong, not a dose (never said of the least the drafts give, with one of them not all read)
        facts["suggested_mg_day"] = None
        suggestions, advice = continuing.cancel_or_discontinue_advised(delete, [*stop, *left_kept],
                                                                       replacing_as=" (a taper step)")
    elif weight is not None:
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
        # the replacement stops the chart's orders too: beside them, the new dose would add up again
        suggestions.append(Suggestion(f"Replace with {ingredient} {dose.mg:g} mg PO every morning (1 mg/kg)",
                                      [*delete, *continuing.discontinue(chart.to_stop(sent, stop)),
                                       Action("create", text, resource=resource)], is_recommended=True))
    else:
        facts["suggested_mg_day"] = None
        # no replacement to stop them: the orders left active are offered to be stopped on their own
        suggestions = [continuing.keep_and_discontinue(left_kept)] if left_kept else []
        advice = (f"No weight-based dose can be suggested without a current weight: the target is "
                  f"{p['suggested_mg_per_kg_day']:g} mg/kg/day once each morning, rounded to {TABLET_STEP_MG:g} mg, "
                  f"at most {p['max_mg_day']:g} mg/day. Weigh the patient and re-order"
                  + (", and stop the order on the chart, or the new dose adds up with it."
                     if chart.to_stop(sent, stop) else "."))
    summary_dose = (least + mg(total_mg) + "/day" if counted and total_mg else f"{least_per_kg}{per_kg:.2f} mg/kg/day")
    if over_kg and over_cap and per_kg is not None and weight is not None:
        summary_dose += f" ({per_kg:.1f} mg/kg)"
    elif over_kg and weight is not None and per_kg is not None:
        summary_dose += f" = {per_kg:.2f} mg/kg/day"
    if adds:
        summary_dose += " with the order on the chart"
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
