"""R19: severe or life-threatening IMNM (bulbar, respiratory, cardiac, rhabdomyolysis or profound weakness)
without a recent IV methylprednisolone pulse or IVIG: admit and treat now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis, negation, steroids, strength
from hooks.definitions.courses import doses_since, last_dose_day
from hooks.definitions.dose_basis import mg
from hooks.definitions.paediatric_doses import child_pulse, pulse_order
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.definitions.weight import Measure, dosing_weight, ivig_dosing_weight
from hooks.dosing import (
    CHILD_FINER_STEPS_MG,
    HALF_TABLET_STEP_MG,
    TABLET_STEP_MG,
    RoundedDose,
    oral_steroid_product,
    rounded_dose,
)
from hooks.record import SNOMED, Condition, Observation, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import (
    ENMC_224,
    ETG,
    LANCET_2024,
    MILLER_1992,
    OCTAGAM_WEIGHT,
    SEED_000,
    SEED_001,
    SEED_003,
    SEED_004,
    SHARE_2017,
)
from hooks.units import convert

RULE = Rule(
    id="imnm-severe-disease-urgent",
    number=19,
    title="Severe IMNM: urgent IV pulse and IVIG",
    hooks=("patient-view",),
    severities=("critical",),
    also_reads=("procedures", "immunizations"),
    summary="IMNM with dysphagia/aspiration, respiratory or cardiac involvement, rhabdomyolysis with AKI, or "
            "profound weakness in the last 30 days, and no recent IV methylprednisolone or IVIG.",
    sources=(ENMC_224, ETG, LANCET_2024, MILLER_1992, OCTAGAM_WEIGHT, SEED_000, SEED_001, SEED_003, SEED_004,
             SHARE_2017),
    parameters={
        "window_days": Param(30, "days", "Severity features count when recorded this recently."),
        "fvc_percent_max": Param(60, "% predicted", "FVC below this is severe respiratory involvement."),
        "nif_cmh2o": Param(-30, "cmH2O", "NIF weaker (closer to zero) than this is severe."),
        "mmt8_min": Param(80, "points of 150", "MMT-8 below this is severe weakness."),
        "aki_creatinine_ratio": Param(1.5, "x baseline", "Creatinine rise over the 90-day baseline that counts as "
                                                         "AKI (KDIGO) when no AKI condition is recorded."),
        "iv_mp_recent_days": Param(14, "days", "An IV methylprednisolone pulse this recent means already treated."),
        "ivig_recent_days": Param(30, "days", "IVIG this recent means already treated."),
        "pulse_mg": Param(1000, "mg/day", "Adult IV methylprednisolone pulse; also the cap on a child's pulse.",
                          at_most="ivmp-pulse-dose-cap.max_mg_day"),
        "paediatric_pulse_mg_per_kg": Param(30, "mg/kg/day", "A child's IV methylprednisolone pulse (age < 18).",
                                            at_most="ivmp-pulse-dose-cap.paediatric_max_mg_per_kg_day"),
        "prednisone_mg_per_kg": Param(1, "mg/kg/day", "Prednisone after the pulses.",
                                      at_most="prednisone-adult-dose-check.max_mg_per_kg_day"),
        "prednisone_max_mg": Param(80, "mg/day", "Cap on prednisone after the pulses.",
                                   at_most="prednisone-adult-dose-check.max_mg_day"),
        "paediatric_prednisolone_mg_per_kg": Param(2, "mg/kg/day", "A child's prednisolone after the pulses.",
                                                   at_most="pediatric-myositis-dose-limits.steroid_max_mg_per_kg_day"),
        "paediatric_prednisolone_max_mg": Param(60, "mg/day", "Cap on a child's prednisolone after the pulses.",
                                                at_most="pediatric-myositis-dose-limits.steroid_max_mg_day"),
        "ivig_g_per_kg": Param(2, "g/kg/cycle", "IVIG dose per cycle.",
                               at_most="ivig-order-safety.max_g_per_kg_cycle"),
        "ivig_days": Param(5, "days", "Days the IVIG cycle is divided over (2-5)."),
    },
)

DETAIL = """\
**Severe IMNM — admit and treat now.** Found in the last {window} days:
{features}

No IV methylprednisolone pulse in the last {mp_days} days and no IVIG in the last {ivig_days} days.

- Give an **IV methylprednisolone pulse**: {pulse}
- Start **IVIG now**, whatever the antibody: {ivig}
- Continue or start methotrexate (or another steroid-sparing agent).{srp}
- Protect the airway and the swallow: speech-language pathology swallow evaluation, nil by mouth or modified
  diet until assessed, FVC and NIF every 8-12 hours; ICU review if FVC or NIF worsen.
- Work up the heart: ECG, troponin I, NT-proBNP, echocardiogram.
- VTE prophylaxis (immobility and IVIG both raise the risk).
- Plasma exchange showed no benefit in a sham-controlled trial in polymyositis/dermatomyositis: do not rely on it."""


def _recent(day: date | None, since: date) -> bool:
    return day is not None and day >= since


def _dated(condition: Condition) -> str:
    return condition.start.isoformat() if condition.start else "undated"


def _recent_conditions(record: PatientRecord, since: date, *groups: str) -> list[Condition]:
    """Active conditions of ``groups`` with onset or recorded date in the window, or with no date at all (an
    active problem is current: an undated dysphagia must not hide a severe patient)."""
    return [c for c in record.conditions_in(*groups, active_only=True)
            if _recent(c.onset, since) or _recent(c.recorded, since) or (c.onset is None and c.recorded is None)]


def _latest_value(record: PatientRecord, group: str, since: date, unit: str | None = None
                  ) -> tuple[Observation, float | None] | None:
    """The newest numeric result of ``group`` in the window, in ``unit``: its value is None when its unit cannot be
    read, and then no older result stands in for it (it may no longer be the patient's)."""
    for observation in reversed(record.observations_in(group, since=since)):
        quantity = observation.quantity
        if quantity is not None:
            return observation, quantity.value if unit is None else convert(quantity.value, quantity.unit or unit,
                                                                            unit)
    return None


_ASPIRATION = re.compile(r"\baspirat\w*")
# FVC measured/predicted (LOINC RelRto) as labs write it: a percent, under any of these units ('' with none), or a
# UCUM ratio ('1': 0.85 is 85%) no larger than RATIO_MAX. A value outside PLAUSIBLE_PERCENT once read (45 in '1' is
# 4,500%; 0.85 with no unit is a ratio or a slip) or in another unit (litres) is named as unread, never judged.
FVC_PERCENT_UNITS = frozenset(("%", "", "% predicted", "%pred", "% pred", "percent", "percent predicted"))
FVC_RATIO_UNITS = frozenset(("1", "{ratio}", "ratio"))
FVC_RATIO_MAX = 2.0
PLAUSIBLE_PERCENT = (5.0, 200.0)


def _fvc_percent(observation: Observation) -> float | None:
    """The FVC as % predicted (FVC_PERCENT_UNITS), or None when it cannot be read as one."""
    quantity = observation.quantity
    if quantity is None:
        return None
    unit = (quantity.unit or "").strip().lower()
    percent = (quantity.value if unit in FVC_PERCENT_UNITS else
               quantity.value * 100 if unit in FVC_RATIO_UNITS and quantity.value <= FVC_RATIO_MAX else None)
    return percent if percent is not None and PLAUSIBLE_PERCENT[0] <= percent <= PLAUSIBLE_PERCENT[1] else None


def _aspiration_on_swallow_study(record: PatientRecord, since: date) -> list[str]:
    found = []
    for observation in record.observations_in("swallow_study", since=since):
        aspirates = negation.states(observation.value_words, _ASPIRATION)
        pas = observation.quantity.value if observation.quantity else None
        if "penetration" in observation.code.words() and pas is not None and pas >= 6:
            aspirates = True  # Penetration-Aspiration Scale 6-8 = aspiration
        if aspirates and observation.when is not None:
            result = observation.value_text or (observation.value_concept.label if observation.value_concept
                                                else f"score {pas:g}")
            found.append(f"aspiration on {observation.code.label} ({result}, {observation.when.isoformat()})")
    return found


def _aki(record: PatientRecord, since: date, ratio: float) -> str | None:
    """An AKI condition in the window, or a creatinine >= 1.5 x the lowest value of the 90 days before it."""
    condition = next(iter(_recent_conditions(record, since, "aki")), None)
    if condition is not None:
        return f"{condition.code.label} ({_dated(condition)})"
    values = [(o.when, o.quantity, mg_dl) for o in record.observations_in("creatinine")
              if o.when is not None and o.quantity is not None
              and (mg_dl := convert(o.quantity.value, o.quantity.unit, "mg/dL{creatinine}")) is not None]
    for day, value, level in reversed(values):  # in mg/dL, so a umol/L baseline compares with a mg/dL result
        if day < since:
            break
        low = min(((d, q, m) for d, q, m in values if day - timedelta(days=90) <= d < day), key=lambda b: b[2],
                  default=None)
        if low is not None and low[2] > 0 and level >= ratio * low[2]:
            return f"creatinine {value} on {day.isoformat()} vs baseline {low[1]} on {low[0].isoformat()}"
    return None


def severity_features(record: PatientRecord, context: HookContext) -> tuple[list[str], list[str]]:
    """Each severe feature found in the window, described with its value and date; and the newest results that
    could have been one but could not be read."""
    params = context.params(RULE)
    since = record.today - timedelta(days=int(params["window_days"]))
    found: list[str] = []
    unread: list[str] = []
    for condition in _recent_conditions(record, since, "dysphagia"):
        found.append(f"dysphagia: {condition.code.label} ({_dated(condition)})")
    # a condition named for aspiration states it unless its name rules it out or names only its risk ('no
    # aspiration', 'aspiration precautions', 'at risk for aspiration')
    for condition in _recent_conditions(record, since, "aspiration"):
        if negation.states(condition.code.words(), _ASPIRATION):
            found.append(f"aspiration: {condition.code.label} ({_dated(condition)})")
    found += _aspiration_on_swallow_study(record, since)
    fvc = next((o for o in reversed(record.observations_in("fvc_percent_predicted", since=since))
                if o.quantity is not None), None)  # the newest: an older one may no longer be the patient's
    if fvc is not None:
        if (percent := _fvc_percent(fvc)) is None:
            unread.append(f"FVC {fvc.value_label} on {fvc.when} (not read as % predicted)")
        elif percent < params["fvc_percent_max"]:
            found.append(f"FVC {percent:g}% predicted on {fvc.when} (below {params['fvc_percent_max']:g}%)")
    nif = _latest_value(record, "nif", since, "cm[H2O]")
    if nif is not None and nif[1] is None:
        unread.append(f"NIF {nif[0].value_label} on {nif[0].when} (unit not read as cmH2O)")
    elif nif is not None and nif[1] is not None:
        value = -abs(nif[1])  # some charts record the magnitude only
        if value > params["nif_cmh2o"]:
            found.append(f"NIF {round(value, 1):g} cmH2O on {nif[0].when} (weaker than {params['nif_cmh2o']:g})")
    for condition in _recent_conditions(record, since, "respiratory_failure", "ventilatory_support"):
        found.append(f"ventilatory support / respiratory failure: {condition.code.label} "
                     f"({_dated(condition)})")
    for procedure in record.procedures_in("ventilatory_support", since=since):
        found.append(f"ventilatory support: {procedure.code.label} ({procedure.when})")
    troponin = [o for o in record.observations_in("troponin_i", since=since) if diagnosis.above_reference_range(o)]
    heart = _recent_conditions(record, since, "myocarditis_cardiomyopathy", "cardiac_involvement")
    if troponin and heart:
        found.append(f"cardiac involvement: troponin I {troponin[-1].quantity or 'high'} above the ULN on "
                     f"{troponin[-1].when} with {heart[0].code.label}")
    rhabdo = _recent_conditions(record, since, "rhabdomyolysis")
    if rhabdo:
        kidney = _aki(record, since, float(params["aki_creatinine_ratio"]))
        if kidney:
            found.append(f"rhabdomyolysis ({rhabdo[0].code.label}) with acute kidney injury: {kidney}")
    mmt8 = strength.mmt8_scores(record, since)
    if mmt8 and mmt8[-1].on_150 < params["mmt8_min"]:
        found.append(f"MMT-8 {mmt8[-1]} on {mmt8[-1].day} (below {params['mmt8_min']:g})")
    for condition in _recent_conditions(record, since, "non_ambulatory"):
        found.append(f"non-ambulatory: {condition.code.label} ({_dated(condition)})")
    return found, unread


def _already_treated(record: PatientRecord, context: HookContext) -> list[str]:
    params = context.params(RULE)
    mp_since = record.today - timedelta(days=int(params["iv_mp_recent_days"]))
    ivig_since = record.today - timedelta(days=int(params["ivig_recent_days"]))
    # the last dose, not the start: a 3-day pulse counted from D-16 was last given on D-14
    found = [f"IV methylprednisolone {m.label} (last {last_dose_day(m, record.today)})"
             for m in steroids.iv_pulses_since(record, mp_since)]
    found += [f"IVIG {m.label} (last {last})" for m, last in doses_since(record, "ivig", since=ivig_since)]
    found += [f"IVIG {i.vaccine.label} ({i.when})" for i in ivig_immunizations(record, since=ivig_since)]
    return found


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, object] = {}
    if not cohorts.is_imnm(record, context):
        return Quiet("not IMNM", facts)
    features, unread = severity_features(record, context)
    treated = _already_treated(record, context)
    subtype = antibodies.subtype(record)
    facts.update({"severity_features": "; ".join(features) or None, "recent_pulse_or_ivig": "; ".join(treated) or None,
                  "subtype": subtype})
    facts["unreadable"] = "; ".join(unread) or None
    if not features and unread:
        return NotEvaluable(f"no severe feature read in the window, but {'; '.join(unread)}", facts)
    if not features:
        return Quiet("no severe feature in the window", facts)
    if treated:
        return Quiet("already treated: " + "; ".join(treated), facts)

    sets, patient = context.valuesets, context.patient_id
    child = cohorts.is_paediatric(record, context)
    weight = dosing_weight(record, context)
    pulse, treat = _pulse_and_prednisone(context, params, child, weight)
    facts.update({"paediatric": child, "dosing_weight": weight.describe("kg") if weight else None})
    if weight is not None:
        basis_kg, basis = ivig_dosing_weight(record, context)
        days = int(params["ivig_days"])
        if basis_kg is not None:
            per_day = dosing.daily_share(params["ivig_g_per_kg"] * basis_kg, days, 2.5)  # whole 2.5 g vials a day
            total = per_day * days
            ivig = (f"**{total:g} g** ({params['ivig_g_per_kg']:g} g/kg on {basis}), given as {per_day:g} g "
                    f"daily for {days} days.")
            treat.append(Action("create", f"IVIG {per_day:g} g IV daily x{days} ({total:g} g)",
                                resource=orders.medication_request(
                                    patient, orders.concept(sets, "ivig", "immune globulin, intravenous"), per_day,
                                    "g", route="iv", duration_days=days, count=days,
                                    text=f"Immune globulin IV {per_day:g} g once daily for {days} days (total "
                                         f"{total:g} g, about {params['ivig_g_per_kg']:g} g/kg); infuse slowly, "
                                         "hydrate")))
            facts["ivig_total_g"] = total
        else:
            ivig = (f"{params['ivig_g_per_kg']:g} g/kg per cycle over 2-5 days — **the dose could not be computed**: "
                    f"{basis}. Record a height (or BMI) and order by weight.")
        facts["ivig_basis"] = basis
    else:
        ivig = ("2 g/kg per cycle over 2-5 days — **no current body weight, so the dose could not be computed**. "
                "Weigh the patient before ordering.")
    # anti-SRP positive is SRP or DUAL whatever anti-HMGCR shows, resulted or not
    srp = (" **Anti-SRP positive: give rituximab early** (after HBV screening, see R26)."
           if antibodies.serology(record).srp == "positive" else "")
    detail = DETAIL.format(window=int(params["window_days"]), features="\n".join(f"- {f}" for f in features),
                           mp_days=int(params["iv_mp_recent_days"]), ivig_days=int(params["ivig_recent_days"]),
                           pulse=pulse, ivig=ivig, srp=srp)
    if unread_nsti := cohorts.nsti_unread(record, context):  # the NSTI gate holds back every other IMNM card
        detail += (f"\n\n**A necrotizing soft-tissue infection is not ruled out:** {unread_nsti}. Read or repeat these "
                   "results before IV pulses (R01).")
        facts["nsti_not_ruled_out"] = unread_nsti

    def request(text: str, priority: str = "stat", concept: dict | None = None) -> dict:
        return orders.service_request(patient, concept or orders.text_concept(text), priority=priority,
                                      note=None if concept is None else text)

    swallow = "Speech-language pathology swallow evaluation; nil by mouth or modified diet until assessed"
    airway = [
        Action("create", "SLP swallow evaluation; NPO or modified diet until assessed",
               resource=request(swallow, concept=orders.referral_concept(
                   sets, "308452008", text=swallow))),
        Action("create", "FVC and NIF every 8-12 hours",
               resource=request("Bedside FVC and NIF every 8-12 hours; call if FVC < 20 mL/kg or NIF weaker than "
                                "-30 cmH2O", priority="urgent")),
    ]
    heart = [
        Action("create", "12-lead ECG", resource=request(
            "12-lead ECG", concept=orders.procedure_concept(sets, "ecg", "11524-6"))),
        Action("create", "Troponin I (high-sensitivity)", resource=request(
            "Troponin I", concept=orders.lab_concept(sets, "troponin_i", "89579-7"))),
        Action("create", "NT-proBNP", resource=request(
            "NT-proBNP", concept=orders.lab_concept(sets, "nt_probnp", "33762-6"))),
        Action("create", "Transthoracic echocardiogram", resource=request(
            "Transthoracic echocardiogram", priority="urgent", concept=orders.procedure_concept(
                sets, "echocardiogram", "252418006", system=SNOMED, text="Transthoracic echocardiogram"))),
    ]
    consults = [
        Action("create", "ICU / neuromuscular consult", resource=request(
            "ICU and neuromuscular consults: severe IMNM (admit)")),
        Action("create", "VTE prophylaxis", resource=request("VTE prophylaxis per hospital protocol",
                                                             priority="urgent")),
    ]
    return Fired(
        severity="critical",
        summary=f"Severe IMNM ({_short(features)}): admit, IV methylprednisolone pulse and IVIG now",
        detail=detail,
        facts=facts,
        suggestions=[
            *([Suggestion("; ".join(a.description for a in treat), treat, is_recommended=True)] if treat else []),
            Suggestion("Protect the airway and swallow: SLP evaluation, FVC/NIF every 8-12 h", airway,
                       is_recommended=True),
            Suggestion("Cardiac work-up: ECG, troponin I, NT-proBNP, echo", heart, is_recommended=True),
            Suggestion("ICU / neuromuscular consult and VTE prophylaxis", consults, is_recommended=True),
        ],
    )


def _pulse_and_prednisone(context: HookContext, params: Mapping[str, float], child: bool,
                          weight: Measure | None) -> tuple[str, list[Action]]:
    """The pulse and the oral glucocorticoid after it, for the card's text and as orders. Adults: a fixed 1 g
    pulse and prednisone 1 mg/kg (maximum 80 mg). Children: 30 mg/kg (maximum 1 g) and prednisolone 2 mg/kg
    (maximum 60 mg), rounded down so that R07 and R32 never flag the suggestion: the pulse order is R07's own
    (``child_pulse``), the prednisolone rounded as R32 rounds its own (2.5 mg steps only within a tenth of the
    dose); no weight, no child's dose."""
    sets, patient = context.valuesets, context.patient_id
    cap = params["pulse_mg"]
    oral_dose: RoundedDose | None
    if child:
        per_kg, oral_per_kg, oral_cap = (params["paediatric_pulse_mg_per_kg"],
                                         params["paediatric_prednisolone_mg_per_kg"],
                                         params["paediatric_prednisolone_max_mg"])
        regimen = (f"{per_kg:g} mg/kg daily (maximum {cap:,.0f} mg) for 3 days, then prednisolone {oral_per_kg:g} "
                   f"mg/kg/day (maximum {oral_cap:g} mg).")
        if weight is None:
            days = int(context.definition("weight_max_age_days_paediatric"))
            return (f"{regimen} **No body weight from the last {days} days: the child's doses could not be "
                    "computed.** Weigh the child.", [])
        pulse = child_pulse(context, per_kg, cap, weight)
        pulse_mg, pulse_request, pulse_how = pulse.dose.mg, pulse.resource, f" ({pulse.dose.how})"
        oral, oral_dose = "prednisolone", rounded_dose(oral_per_kg * weight.value, HALF_TABLET_STEP_MG, oral_cap,
                                                       round_down=True, finer_steps=CHILD_FINER_STEPS_MG)
    else:
        oral_per_kg, oral_cap = params["prednisone_mg_per_kg"], params["prednisone_max_mg"]
        regimen = (f"{cap:,.0f} mg daily for 3 days, then prednisone {oral_per_kg:g} mg/kg/day (maximum "
                   f"{oral_cap:g} mg).")
        pulse_mg, oral, pulse_how = cap, "prednisone", ""
        pulse_request = pulse_order(context, cap, "prednisone")
        oral_dose = (None if weight is None
                     else rounded_dose(oral_per_kg * weight.value, TABLET_STEP_MG, oral_cap))
    actions = [Action("create", f"Methylprednisolone {mg(pulse_mg)} IV daily x3", resource=pulse_request)]
    if oral_dose is None or weight is None:
        return (f"{regimen} **No body weight from the last {int(context.definition('weight_max_age_days'))} days: "
                f"the {oral} dose could not be computed.** Weigh the patient.", actions)
    oral_mg, product = oral_dose.mg, oral_steroid_product(oral, oral_dose.mg)
    oral_text = (f"{oral.capitalize()} {oral_mg:g} mg ({product.amount}) by mouth once daily, starting the day "
                 "after the third methylprednisolone pulse")
    oral_order = orders.medication_request(
        patient, orders.product_concept(sets, product), oral_mg, "mg", text=oral_text)
    actions.append(Action("create", f"{oral.capitalize()} {oral_mg:g} mg PO daily after the pulses",
                          resource=oral_order))
    return (f"{regimen} For {weight.describe('kg')}: **{mg(pulse_mg)} IV daily**{pulse_how}, then {oral} "
            f"**{oral_mg:g} mg daily** ({oral_dose.how}).", actions)


_KINDS = (("dysphagia", "bulbar"), ("aspiration", "bulbar"), ("FVC", "respiratory"), ("NIF", "respiratory"),
          ("ventilatory", "respiratory"), ("cardiac", "cardiac"), ("rhabdomyolysis", "rhabdomyolysis with AKI"),
          ("MMT-8", "profound weakness"), ("non-ambulatory", "profound weakness"))


def _short(features: list[str]) -> str:
    """The kinds of severity found, for the summary: 'bulbar, respiratory'."""
    kinds = [kind for f in features for prefix, kind in _KINDS if f.startswith(prefix)]
    return ", ".join(dict.fromkeys(kinds))
