"""R11: methotrexate with trimethoprim (alone or in TMP/SMX): additive antifolate effect and less renal MTX
clearance have caused fatal pancytopenia. Prophylactic TMP/SMX is acceptable with CBC monitoring; a treatment
dose is to be avoided. The regimen class is computed from the TMP/SMX order itself (trimethoprim mg/day:
:mod:`hooks.definitions.trimethoprim`, with this rule's thresholds).
Methotrexate is active while an order is current, and between its weekly doses when each is charted as its own
completed order (:func:`mtx_between_doses`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import lab_orders, renal, weight
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import DueDose, between_doses
from hooks.definitions.dose_basis import named_with_dose
from hooks.definitions.immunosuppression import is_co_trimoxazole
from hooks.definitions.routes import is_local_order, systemic
from hooks.definitions.trimethoprim import chart_regimen, worst_regimen
from hooks.record import MedicationOrder, Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import CFP_2014, DRUGS_COM_MTX_TMP, KWON_2018, MEDSAFE_2022
from hooks.units import convert

RULE = Rule(
    id="mtx-tmp-smx-interaction",
    number=11,
    title="Methotrexate with trimethoprim or TMP/SMX",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    summary="A TMP/SMX or trimethoprim draft with active methotrexate (or the reverse): warning at a prophylactic "
            "dose, critical at a treatment dose.",
    sources=(MEDSAFE_2022, CFP_2014, KWON_2018, DRUGS_COM_MTX_TMP),
    parameters={
        "treatment_tmp_mg_per_day": Param(320, "mg/day", "Trimethoprim in TMP/SMX at or above this is a treatment "
                                                         "dose (160/800 mg twice daily)."),
        "treatment_tmp_mg_per_kg_day": Param(8, "mg/kg/day", "Weight-based trimethoprim at or above this is a "
                                                             "treatment dose."),
        "treatment_tmp_alone_mg_per_day": Param(200, "mg/day", "Trimethoprim alone at or above this is a treatment "
                                                               "course (100 mg twice daily for cystitis)."),
        "older_age_years": Param(65, "years", "At or above this age the interaction is more dangerous."),
        "egfr_reduced_below": Param(60, "mL/min/1.73m2", "Below this eGFR methotrexate clearance is reduced."),
        "lab_max_age_days": Param(90, "days", "eGFR and blood counts this recent describe the baseline."),
        "wbc_low": Param(4.0, "10*9/L", "WBC below this is a baseline cytopenia."),
        "platelets_low": Param(150, "10*9/L", "Platelets below this are a baseline cytopenia."),
        "hemoglobin_low": Param(10, "g/dL", "Haemoglobin below this is a baseline cytopenia."),
    },
    override_family="safety",
)

ONCE_WEEKLY_RULE = "mtx-once-weekly-hard-stop"  # whose min_interval_days says how often methotrexate may be given


def _latest(record: PatientRecord, group: str, since: Any) -> Observation | None:
    found = [o for o in record.observations_in(group, since=since) if o.quantity is not None]
    return found[-1] if found else None


def _hemoglobin_g_dl(observation: Observation) -> float | None:
    quantity = observation.quantity
    if quantity is None:
        return None
    unit = (quantity.unit or "").strip().lower()
    factor = {"g/dl": 1.0, "g/l": 0.1, "mmol/l": 1.611, "mg/dl": 0.001}.get(unit)
    return None if factor is None else quantity.value * factor


def risk_factors(record: PatientRecord, context: HookContext, params: Mapping[str, float]) -> list[str]:
    """Age, renal function and baseline counts that make the interaction more dangerous."""
    found: list[str] = []
    age = record.age_years
    if age is not None and age >= params["older_age_years"]:
        found.append(f"age {age}")
    since = record.today - timedelta(days=int(params["lab_max_age_days"]))
    kidney = renal.below_limit(record, context, params["egfr_reduced_below"], since)
    # below, or not known ('<75', a result that cannot be read, a newer creatinine that gives no eGFR): reduced
    # clearance possible
    if kidney.may_be_below:
        found.append(str(kidney))
    for group, label, limit in (("wbc", "WBC", params["wbc_low"]), ("platelets", "platelets",
                                                                     params["platelets_low"])):
        observation = _latest(record, group, since)
        count = (convert(observation.quantity.value, observation.quantity.unit, "10*9/L")
                 if observation and observation.quantity else None)
        if observation is not None and count is not None and count < limit:
            found.append(f"{label} {count:g} x10^9/L on {observation.when}")
    hemoglobin = _latest(record, "hemoglobin", since)
    hb = _hemoglobin_g_dl(hemoglobin) if hemoglobin else None
    if hemoglobin is not None and hb is not None and hb < params["hemoglobin_low"]:
        found.append(f"haemoglobin {hb:.3g} g/dL on {hemoglobin.when}")
    return found


DETAIL = """\
**Methotrexate + trimethoprim: {headline}.** {pair}
Trimethoprim adds to methotrexate's antifolate effect and reduces its renal clearance; the combination has caused
severe, sometimes fatal, pancytopenia.

TMP dose: {dose_line}
{advice}{risk_line}
Monitor a CBC at 1-2 weeks and at 4 weeks after the combination starts, then monthly while both continue."""

ADVICE = {
    "prophylactic": "At a **prophylactic** dose the combination is acceptable with CBC monitoring (a cohort showed "
                    "no excess cytopenia), or {alternative}.",
    "treatment": "At a **treatment** dose, **avoid** the combination: choose another antibiotic (for cystitis, "
                 "nitrofurantoin or fosfomycin per renal function and local guidance), or {hold}.",
    "unknown": "The TMP dose could not be read, so a treatment dose cannot be ruled out: confirm the dose. At a "
               "prophylactic dose monitor the CBC; at a treatment dose avoid the combination, or {hold}.",
}


def _chart_status(order: MedicationOrder) -> str:
    """How a current chart order stands, as the card names it: 'on hold' (suspended, FHIR expects it to resume) or
    'active' (``medications_in(current_only=True)`` gives no other status)."""
    return "on hold" if order.status == "on-hold" else "active"


def _hold_advice(mtx_on_hold: bool, tmp_name: str) -> str:
    """The treatment-dose alternative to another antibiotic: hold methotrexate for the course, or, held already,
    keep it held until the course is over and restart it after."""
    if mtx_on_hold:
        return (f"keep methotrexate on hold (it is held now) until the {tmp_name} course is over, restart it after, "
                "and monitor the CBC")
    return "hold methotrexate during the course and monitor the CBC"


def _alternative(combination: bool, child: bool) -> str:
    """The prophylactic-dose alternative: atovaquone replaces TMP/SMX for PJP, never trimethoprim alone."""
    if not combination:
        return ("choose **another agent for its indication** (trimethoprim alone is not PJP prophylaxis, so "
                "atovaquone does not replace it)")
    return "use **" + ("atovaquone, dosed by weight with paediatric pharmacy (1,500 mg daily is the adult dose)"
                       if child else "atovaquone 1,500 mg PO daily with food") + "** for PJP prophylaxis"


def _switch(context: HookContext, tmp_order: MedicationOrder, stop_tmp: Action, drafted_tmp: bool,
            combination: bool, child: bool, recommended: bool) -> Suggestion:
    """At a prophylactic dose, the way off trimethoprim: atovaquone for TMP/SMX (a child's through paediatric
    pharmacy), another agent for trimethoprim alone."""
    if not combination:
        return Suggestion(f"{'Cancel' if drafted_tmp else 'Stop'} {tmp_order.label}; choose another agent for its "
                          "indication", [stop_tmp], is_recommended=recommended)
    if child:  # 1,500 mg is the adult dose: a child's is by weight (as R24 does, a paediatric pharmacy consult);
        # TMP/SMX stays until the pharmacy has a child's atovaquone dose, so there is no gap in prophylaxis
        return Suggestion("Paediatric pharmacy consult: switch to atovaquone dosed by weight", [Action(
            "create", "Paediatric pharmacy consult: atovaquone dosed by weight", resource=orders.service_request(
                context.patient_id, orders.referral_concept(
                    context.valuesets, "306362008",
                    text="Paediatric pharmacy consult: atovaquone for PJP prophylaxis, dosed by weight")))],
            is_recommended=recommended)
    return Suggestion("Use atovaquone for PJP prophylaxis instead of TMP/SMX", [stop_tmp, Action(
        "create", "Atovaquone 1,500 mg PO daily with food", resource=orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "pjp_alternative", "atovaquone"), 1500, "mg",
            text="Atovaquone 1,500 mg by mouth once daily with food (PJP prophylaxis)", note="Take with food."))],
        is_recommended=recommended)


def _next_dose(due: DueDose, today: date) -> str:
    """'next dose due 2026-11-25', or, its day passed within the late days allowed, 'next dose overdue since
    2026-11-18 (it may have been given and not charted)'."""
    if due.due >= today:
        return f"next dose due {due.due}"
    return f"next dose overdue since {due.due} (it may have been given and not charted)"


def mtx_between_doses(record: PatientRecord, context: HookContext) -> DueDose | None:
    """The latest methotrexate order no longer current but still in use between doses: weekly doses each charted
    as a completed order (given in clinic), the last within its week plus a late dose's days (the
    dose_gap_bridge_days definition), as courses.between_doses reads it. Its next dose meets the trimethoprim."""
    found = between_doses(record, "methotrexate",
                          min_interval_days=context.thresholds.of_rule(ONCE_WEEKLY_RULE)["min_interval_days"],
                          late_days=int(context.definition("dose_gap_bridge_days")))
    return max(found, key=lambda due: due.last, default=None)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    mtx_drafts = context.drafts_in("methotrexate")
    any_tmp_drafts = context.drafts_in("tmp_smx")
    any_active_tmp = record.medications_in("tmp_smx", current_only=True)
    local = [o for o in any_tmp_drafts + any_active_tmp if is_local_order(o)]  # eye drops: no systemic interaction
    tmp_drafts = systemic(any_tmp_drafts)
    active_mtx = record.medications_in("methotrexate", current_only=True)
    between = None if active_mtx else mtx_between_doses(record, context)
    active_tmp = systemic(any_active_tmp)
    facts: dict[str, Any] = {
        "methotrexate": ", ".join(o.label for o in mtx_drafts + active_mtx) or None,
        "methotrexate_between_doses": (f"{between.order.label}: last given {between.last}, "
                                       f"{_next_dose(between, record.today)}" if between else None),
        "tmp_smx": ", ".join(o.label for o in tmp_drafts + active_tmp) or None,
        "tmp_local_forms": ", ".join(o.label for o in local) or None,
    }
    # A methotrexate draft meets every trimethoprim the patient will be on, drafted or active; the worst dose
    # decides (a prophylactic draft must not hide an active treatment course).
    tmp_orders = tmp_drafts + active_tmp if mtx_drafts else tmp_drafts
    if not tmp_orders or not (active_mtx or mtx_drafts or between):
        return Quiet("no draft bringing methotrexate and trimethoprim together"
                     + (f" (local forms do not count: {facts['tmp_local_forms']})" if local else ""), facts)

    dosing = weight.dosing_weight(record, context)
    facts["dosing_weight"] = dosing.describe("kg") if dosing else None
    child = is_paediatric(record, context)
    tmp_order, dose = worst_regimen((o, chart_regimen(record, context, o)) for o in tmp_orders)
    drafted_tmp = tmp_order in tmp_drafts
    # a current order being given first, then a draft (the next dose: it restarts one on hold), then one on hold,
    # then the order given last, between doses
    being_given = [o for o in active_mtx if _chart_status(o) == "active"]
    mtx_given = being_given or mtx_drafts or active_mtx or ([between.order] if between else [])
    mtx_order = mtx_given[0] if drafted_tmp else mtx_drafts[0]
    facts.update(regimen=dose.regimen, tmp_mg_per_day=round(dose.mg_per_day, 1) if dose.mg_per_day else None,
                 tmp_mg_per_kg_day=round(dose.mg_per_kg_day, 2) if dose.mg_per_kg_day else None,
                 tmp_basis=dose.basis)
    risks = risk_factors(record, context, params)
    facts["risk_factors"] = "; ".join(risks) or None
    # Trimethoprim alone is not PJP prophylaxis (see immunosuppression.covers_pjp): atovaquone would not replace
    # what it is given for (a urinary infection), so only TMP/SMX is offered the atovaquone switch.
    combination = is_co_trimoxazole(tmp_order)
    tmp_name = "TMP/SMX" if combination else "trimethoprim"

    severity: Severity = "warning" if dose.regimen == "prophylactic" else "critical"
    if dose.mg_per_day is not None:
        dose_line = f"{dose.mg_per_day:.0f} mg/day ({dose.basis})"
    elif dose.mg_per_kg_day is not None:
        dose_line = (f"{dose.mg_per_kg_day:g} mg/kg/day ({dose.basis}); mg/day not computed: no weight in the last "
                     f"{weight.weight_max_age_days(record, context)} days"
                     f"{weight.why_not_current(record, context, 'weight', 'kg')}")
    else:
        dose_line = f"not readable ({dose.basis})"
    if dose.mg_per_kg_day is not None and dose.mg_per_day is not None:
        dose_line += f" = {dose.mg_per_kg_day:.1f} mg/kg/day"
    tmp_state = "drafted" if drafted_tmp else _chart_status(tmp_order)
    # given between doses, each charted as a completed order: there is no order to hold, its next dose is held
    last_dose = between if between is not None and mtx_order is between.order else None
    mtx_state = ("drafted" if mtx_order in mtx_drafts else _chart_status(mtx_order) if last_dose is None
                 else f"no current order: last given {last_dose.last}, {_next_dose(last_dose, record.today)}")
    mtx_on_hold = mtx_state == "on hold"  # nothing to hold: the card says to keep it held through the course
    risk_line = ""
    if risks:
        prefer = ("prefer atovaquone over TMP/SMX" if combination
                  else "prefer another agent for trimethoprim's indication")
        risk_line = (f"\n**Higher risk here ({'; '.join(risks)}):** "
                     + (f"{prefer}, and if the combination is used check the CBC at 1 week."
                        if dose.regimen == "prophylactic" else
                        f"do not combine; if {tmp_name} is essential, "
                        f"{'keep methotrexate on hold' if mtx_on_hold else 'hold methotrexate'} and check the CBC "
                        "weekly.")
                     + "\n")
    pair = f"{tmp_order.label} ({tmp_state}) with {mtx_order.label} ({mtx_state})."
    headline = {"prophylactic": "prophylactic TMP dose, monitor the CBC", "treatment": "treatment TMP dose, avoid",
                "unknown": "TMP dose unknown"}[dose.regimen]

    cbc = lab_orders.CBC.request(
        context, note="Methotrexate with trimethoprim: CBC at 1-2 weeks and 4 weeks, then monthly while both continue.")
    monitor = Action("create", "CBC at 1-2 and 4 weeks, then monthly", resource=cbc)
    stop_tmp = Action("delete", f"{'Cancel' if drafted_tmp else 'Stop'} {named_with_dose(tmp_order)}",
                      resource_id=tmp_order.reference)
    suggestions: list[Suggestion] = []
    if dose.regimen == "prophylactic":
        suggestions.append(Suggestion(f"Keep prophylactic {tmp_name} and monitor the CBC", [monitor],
                                      is_recommended=not risks))
        suggestions.append(_switch(context, tmp_order, stop_tmp, drafted_tmp, combination, child, bool(risks)))
    elif drafted_tmp:
        # an unread dose may be prophylactic: the card cannot call it a treatment dose, only say why it is cancelled
        cancel = (f"Cancel the treatment-dose {tmp_order.label}; choose another antibiotic"
                  if dose.regimen == "treatment" else
                  f"Cancel the {tmp_name} draft: its dose could not be read, and a treatment dose interacts "
                  "dangerously with methotrexate")
        suggestions.append(Suggestion(cancel, [stop_tmp], is_recommended=True))
        if mtx_on_hold:
            suggestions.append(Suggestion(
                f"Keep {tmp_name}; keep methotrexate on hold until the course is over, restart it after, and "
                "monitor the CBC", [monitor]))
        elif mtx_state == "active":
            suggestions.append(Suggestion(
                f"Keep {tmp_name}, hold methotrexate during the course and monitor the CBC",
                [Action("delete", f"Hold {named_with_dose(mtx_order)} during the {tmp_name} course",
                        resource_id=mtx_order.reference, stops_as="on-hold"), monitor]))
        elif last_dose is not None:
            suggestions.append(Suggestion(
                f"Keep {tmp_name}, hold the next methotrexate dose and any during the course, and "
                "monitor the CBC", [monitor]))
    else:
        suggestions.append(Suggestion(
            f"Do not start methotrexate during the {tmp_name} course: cancel {mtx_order.label}",
            [Action("delete", f"Cancel {named_with_dose(mtx_order)}", resource_id=mtx_order.reference)],
            is_recommended=True))
        suggestions.append(Suggestion("Start methotrexate anyway with CBC monitoring", [monitor]))
    return Fired(
        severity=severity,
        summary=f"Methotrexate + {tmp_name}: {headline}"
                + (" (higher-risk patient)" if risks else ""),
        detail=DETAIL.format(headline=headline, pair=pair, dose_line=dose_line, risk_line=risk_line,
                             advice=ADVICE[dose.regimen].format(alternative=_alternative(combination, child),
                                                            hold=_hold_advice(mtx_on_hold, tmp_name))),
        facts=facts,
        about=[tmp_order] if drafted_tmp else [mtx_order],
        suggestions=suggestions,
        selection="at-most-one",
    )
