"""R07: IV methylprednisolone pulse above 1 g/day (or 30 mg/kg/day in a child), mg/kg adult orders, long pulses."""

from __future__ import annotations

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.paediatric_doses import ChildOrder, child_pulse, pulse_order
from hooks.definitions.steroids import is_iv_methylprednisolone
from hooks.definitions.weight import dosing_weight
from hooks.dosing import mg_per_kg_day
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import ETG, LANCET_2024, SEED_001, SHARE_2017

RULE = Rule(
    id="ivmp-pulse-dose-cap",
    number=7,
    title="IV methylprednisolone pulse dose cap",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    summary="IV methylprednisolone above 1 g/day (or 30 mg/kg/day in a child), an adult pulse written in mg/kg, "
            "or >= 250 mg/day for more than 5 days.",
    sources=(ETG, LANCET_2024, SHARE_2017, SEED_001),
    parameters={
        "max_mg_day": Param(1000, "mg/day", "Any age: above this daily dose the draft is critical."),
        "paediatric_max_mg_per_kg_day": Param(30, "mg/kg/day", "Age < 18: above this the draft is critical."),
        "high_dose_mg_day": Param(250, "mg/day", "A daily dose at or above this is a pulse dose ..."),
        "max_pulse_days": Param(5, "days", "... and given for more than this many consecutive days: warning."),
    },
    override_family="safety",
)

EPS = 1e-9

DETAIL = """\
**{headline}** {findings}

Adult pulse: **500-1,000 mg IV once daily for 3 (at most 5) days**, each dose over at least 60 minutes, then oral
prednisone. Child: **30 mg/kg/day (maximum 1 g) for 3 days**. Never more than 1 g a day. A seed summary gives
"15-30 mg/kg/dose" with no maximum: that is the juvenile dermatomyositis dose, and in a 70 kg adult it means
2.1 g a day.

{advice}

During pulses: capillary glucose four times a day, blood pressure, and consider a proton-pump inhibitor.{unread}"""


def _days_text(days: int | None) -> str:
    return f" for {days} days" if days else ""


def _no_length(order: MedicationOrder) -> str:
    """Why a draft's course length is not known, as its facts say it: a count with no frequency to spread it over
    is given, but its days are not read (dose_basis.draft_course_length)."""
    count = order.dosage.timing.count if order.dosage else None
    return (f"a count of {count} doses with no frequency: its days are not read" if count
            else "not given in the order")


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    drafts = [o for o in context.draft_orders if is_iv_methylprednisolone(o)]
    weight = dosing_weight(record, context)
    child = is_paediatric(record, context)
    facts: dict[str, object] = {
        "age_years": record.age_years,
        "paediatric": child,
        **dose_basis.measure_facts(record, context),
        "dosing_weight_kg": weight.value if weight else None,
        "max_mg_day": p["max_mg_day"],
    }
    if not drafts:
        return Quiet("no IV methylprednisolone draft", facts)
    critical: list[str] = []
    warning: list[str] = []
    short: list[str] = []  # the first critical (else warning) finding, for the summary
    unread: list[str] = []
    unchecked: list[str] = []
    mg_per_kg_adult_ok: list[DraftDose] = []
    intended: list[tuple[MedicationOrder, float]] = []  # mg on a day each draft is given
    pulses: list[tuple[MedicationOrder, int]] = []  # daily drafts at >= high_dose_mg_day, with their days
    described: list[str] = []
    over_on_its_own = False  # a single draft is above a daily maximum
    for order in drafts:
        dose = dose_basis.read_dose(order, weight.value if weight else None)
        days = dose_basis.draft_course_length(order)
        label = order.label
        described.append(f"{label}: {dose.describe()}{_days_text(days)}")
        if dose.problem:
            unread.append(f"{label}: {dose.problem}")
            continue
        critical_before = len(critical)
        # mg on any day it is given: per dose x doses a day (at least one dose on the day given)
        per_day = max(dose.per_day, 1.0) if dose.per_day is not None else 1.0
        written_kg_day = None
        if dose.per_kg:  # the first instruction on a day it is given, or all of them added up, whichever is more
            written_kg_day = max(filter(None, (mg_per_kg_day(dose.written, per_day), dose.kg_daily)), default=None)
        if dose.mg is not None:  # concurrent instructions (600 mg morning + 600 mg evening) add up in ``daily``
            day_mg: float | None = max(dose.mg * per_day, dose.daily or 0.0)
        else:  # mg/kg/day with no frequency: the day's dose is known, the dose per administration is not
            day_mg = written_kg_day * weight.value if written_kg_day is not None and weight else None
        kg_day = written_kg_day if dose.per_kg else (day_mg / weight.value if day_mg is not None and weight else None)
        per_dose = dose.per_day is None and dose.mg is not None
        frequency_note = " (frequency not given: checked per dose)" if per_dose else ""
        if day_mg is not None:
            intended.append((order, day_mg))
        if day_mg is not None and day_mg > p["max_mg_day"] + EPS:
            over_on_its_own = True
            basis = f" ({dose.describe()} x {weight.value:g} kg)" if dose.per_kg and weight else ""
            critical.append(f"{label} gives {mg(day_mg)}/day{basis}{frequency_note}, above "
                            f"{mg(p['max_mg_day'])}/day.")
            short.append(f"{mg(day_mg)}/day ordered, above the {mg(p['max_mg_day'])}/day maximum")
        if child and kg_day is not None and kg_day > p["paediatric_max_mg_per_kg_day"] + EPS:
            over_on_its_own = True
            critical.append(f"{label} is {kg_day:.1f} mg/kg/day in a child, above "
                            f"{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day.")
            short.append(f"{kg_day:.1f} mg/kg/day in a child, above "
                         f"{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day (max 1 g)")
        if dose.per_kg and weight is None:
            critical.append(f"{label} is written per kg ({dose.describe()}) and there is no current weight, so "
                            "the dose in mg is unknown.")
            short.append(f"{dose.describe()} with no current weight: the dose in mg is unknown (max 1 g/day)")
        elif dose.per_kg and not child and day_mg is not None and day_mg <= p["max_mg_day"] + EPS:
            mg_per_kg_adult_ok.append(dose)
            warning.append(f"{label} is written per kg ({dose.describe()} = {mg(day_mg)}/day on "
                           f"{weight.describe('kg') if weight else 'the dosing weight'}): adult pulses are "
                           "ordered as a fixed dose.")
        if child and not dose.per_kg and weight is None:
            unchecked.append(f"{label}: no current weight, so the {p['paediatric_max_mg_per_kg_day']:g} mg/kg/day "
                             "limit could not be checked")
        if dose.per_day is None and len(critical) == critical_before:
            # one dose within the cap says nothing about the day's total
            unchecked.append(f"{label}: frequency not given, so the daily dose could not be checked against "
                             f"{mg(p['max_mg_day'])}/day")
        daily_schedule = dose.per_day is not None and dose.per_day >= 1 - EPS  # weekly/monthly pulses are not
        if day_mg is not None and day_mg >= p["high_dose_mg_day"] - EPS:
            if days is None:
                facts["course_length"] = _no_length(order)
            if daily_schedule and days is not None:
                pulses.append((order, days))
            elif daily_schedule:  # given daily until someone stops it: the length limit cannot be checked
                unchecked.append(f"{label}: no end date, duration or number of doses, so the "
                                 f"{p['max_pulse_days']:g}-day limit could not be checked")
    # consecutive days at a pulse dose, across drafts given back to back (two 3-day courses are 6 days)
    for days, run in dose_basis.back_to_back(pulses, context.today):
        if days > p["max_pulse_days"]:
            high = max(day_mg for order, day_mg in intended if any(order is o for o in run))
            who = f"{run[0].label}:" if len(run) == 1 else f"{len(run)} drafts given back to back give up to"
            warning.append(f"{who} {mg(high)}/day for {days} consecutive days (more than "
                           f"{p['max_pulse_days']:g} days at >= {mg(p['high_dose_mg_day'])}/day).")
    if len(intended) > 1 and not over_on_its_own:
        # drafts given on different days (a second course after the first) are not added up
        together, given = dose_basis.most_on_one_day(intended, context.today)
        if together > p["max_mg_day"] + EPS:
            critical.append(f"Together the drafts give up to {mg(together)} on a day they are all given, above "
                            f"{mg(p['max_mg_day'])}/day.")
            short.append(f"{mg(together)}/day across {len(given)} drafts, above the {mg(p['max_mg_day'])}/day "
                         "maximum")
        elif child and weight and together / weight.value > p["paediatric_max_mg_per_kg_day"] + EPS:
            together_kg = together / weight.value
            critical.append(f"Together the drafts give up to {together_kg:.1f} mg/kg on a day they are all given "
                            f"in a child, above {p['paediatric_max_mg_per_kg_day']:g} mg/kg/day.")
            short.append(f"{together_kg:.1f} mg/kg/day across {len(given)} drafts in a child, above "
                         f"{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day")
    facts["drafts"] = "; ".join(described)
    facts["unreadable"] = "; ".join(unread) or None
    facts["findings"] = " ".join(critical + warning) or None
    if not critical and not warning:
        if unread or unchecked:
            return NotEvaluable("; ".join(unread + unchecked), facts)
        return Quiet("IV methylprednisolone within the pulse limits", facts)

    severity: Severity = "critical" if critical else "warning"
    findings = critical + warning
    pulse = (child_pulse(context, p["paediatric_max_mg_per_kg_day"], p["max_mg_day"], weight)
             if child and weight is not None else None)
    suggestions = _suggestions(context, drafts, child, pulse, max((day_mg for _, day_mg in intended), default=None))
    if pulse is not None and weight is not None:
        advice = (f"Suggested instead: methylprednisolone **{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day (maximum "
                  f"{mg(p['max_mg_day'])}) = {mg(pulse.dose.mg)}** IV daily for 3 days (on {weight.describe('kg')}, "
                  f"{pulse.dose.how}).")
    elif child:
        advice = ("No current weight, so no child dose can be computed: the dose is 30 mg/kg/day (maximum 1 g) "
                  "for 3 days. Weigh the patient and re-order (see the dosing-weight card).")
    else:
        advice = "Suggested instead: methylprednisolone **1,000 mg (or 500 mg) IV once daily for 3 days**."
    if critical:
        over = any("no current weight" not in c for c in critical)
        headline = ("IV methylprednisolone above the maximum pulse dose." if over else
                    "IV methylprednisolone written per kg with no current weight: the dose cannot be checked.")
        summary = f"IV methylprednisolone: {short[0]}"
    else:
        headline = "IV methylprednisolone pulse to review."
        summary = ("IV methylprednisolone ordered per kg in an adult: use a fixed 500-1,000 mg dose"
                   if mg_per_kg_adult_ok else "IV methylprednisolone >= 250 mg/day for more than 5 days: "
                                              "pulses run 3-5 days")
    return Fired(
        severity=severity,
        summary=summary[:139],
        detail=DETAIL.format(headline=headline, findings=" ".join(findings), advice=advice,
                             unread=("\n\nNot read: " + "; ".join(unread + unchecked) + ".")
                             if unread or unchecked else ""),
        facts=facts,
        about=drafts,
        suggestions=suggestions,
        selection="at-most-one",
    )


def _monitoring(context: HookContext) -> list[Action]:
    glucose = orders.service_request(context.patient_id, orders.lab_concept(
        context.valuesets, "glucose_capillary", "41653-7",
        text="Capillary blood glucose four times a day during methylprednisolone pulses"))
    bp = orders.service_request(context.patient_id, orders.procedure_concept(
        context.valuesets, "blood_pressure", "85354-9",
        text="Blood pressure before and after each methylprednisolone infusion"))
    return [Action("create", "Capillary glucose QID during pulses", resource=glucose),
            Action("create", "Blood pressure with each infusion", resource=bp)]


def _suggestions(context: HookContext, drafts: list[MedicationOrder], child: bool, pulse: ChildOrder | None,
                 intended: float | None) -> list[Suggestion]:
    delete = [Action("delete", f"Cancel {o.label}", resource_id=o.reference) for o in drafts]
    if child:
        if pulse is None:  # no current weight: no child's dose
            return []
        dose = mg(pulse.dose.mg)
        return [Suggestion(f"Replace with methylprednisolone {dose} IV daily x3 (by weight, {pulse.dose.how})",
                           [*delete, Action("create", f"Methylprednisolone {dose} IV daily x3",
                                            resource=pulse.resource), *_monitoring(context)], is_recommended=True)]

    def fixed(dose: int, recommended: bool) -> Suggestion:
        return Suggestion(f"Replace with methylprednisolone {mg(dose)} IV daily x3",
                          [*delete, Action("create", f"Methylprednisolone {mg(dose)} IV daily x3",
                                           resource=pulse_order(context, dose, "prednisone")),
                           *_monitoring(context)], is_recommended=recommended)

    prefer_500 = intended is not None and intended <= 750
    return [fixed(1000, not prefer_500), fixed(500, prefer_500)]
