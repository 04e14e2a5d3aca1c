"""R31: checkpoint-inhibitor myositis: rule out myocarditis now, manage by grade, hold a drafted ICI dose."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import ck, cohorts, diagnosis, dose_basis
from hooks.definitions.paediatric_doses import pulse_product
from hooks.definitions.weight import dosing_weight, weight_max_age_days, why_not_current
from hooks.dosing import (
    CHILD_FINER_STEPS_MG,
    HALF_TABLET_STEP_MG,
    PULSE_STEP_MG,
    TABLET_STEP_MG,
    RoundedDose,
    oral_steroid_product,
    rounded_dose,
)
from hooks.record import SNOMED, MedicationOrder, Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ASCO_2021_CARDIAC, ASCO_2021_MYOSITIS, BSMO_TROPONIN, SEED_004, SITC_2021

RULE = Rule(
    id="ici-myositis",
    number=31,
    title="Checkpoint-inhibitor myositis: rule out myocarditis",
    hooks=("patient-view", "order-sign"),
    severities=("critical",),
    summary="ICI context with myositis (CK above ULN with weakness or myalgia, or a myositis starting after the "
            "first ICI dose): troponin/ECG, grade-based management, hold a drafted ICI dose.",
    sources=(ASCO_2021_MYOSITIS, ASCO_2021_CARDIAC, SITC_2021, BSMO_TROPONIN, SEED_004),
    parameters={
        "cardiac_test_max_hours": Param(72, "hours", "Troponin and ECG must be at most this old."),
        "troponin_lookback_days": Param(30, "days", "A raised troponin this recent means possible myocarditis."),
        "grade_max_age_days": Param(30, "days", "A documented CTCAE grade this recent is used."),
        "ck_steroid_multiple_g2": Param(3, "x ULN", "Grade 2: prednisone when CK is at or above this multiple."),
        "prednisone_cap_mg": Param(80, "mg/day", "Cap on a weight-based prednisone dose (adult absolute cap).",
                                   at_most="prednisone-adult-dose-check.max_mg_day"),
        "paediatric_prednisone_cap_mg": Param(60, "mg/day", "Cap on a child's weight-based prednisone dose.",
                                              at_most="pediatric-myositis-dose-limits.steroid_max_mg_day"),
        "methylprednisolone_cap_mg": Param(1000, "mg/day", "Cap on a weight-based IV methylprednisolone dose.",
                                           at_most="ivmp-pulse-dose-cap.max_mg_day"),
    },
    needs=("patient", "conditions", "observations", "medications", "procedures"),
    override_family="safety",
)

FEATURES = (("ptosis", "ptosis"), ("diplopia", "diplopia"), ("dysphagia", "dysphagia"), ("dyspnoea", "dyspnoea"),
            ("respiratory_failure", "respiratory failure"), ("myasthenia", "myasthenia"))
HS_TROPONIN_I = "89579-7"
ECG_LOINC = "34534-8"
TTE_SNOMED = "252418006"
ONCOLOGY_REFERRAL, NEUROLOGY_REFERRAL, CARDIOLOGY_REFERRAL = "183529009", "308474002", "308471005"  # SNOMED CT
# 'Grade 2', 'Grade: 2', 'G2', 'grade II', or a value that starts with the grade ('2', '3 (severe)'); never another
# number in the text ('CTCAE v5.0 grade 1' is grade 1)
_GRADE = re.compile(r"\b(?:grade|g)[\s:#-]*([1-5])\b|^\s*([1-5])\b(?![.,]\d)|\bgrade[\s:#-]*(iv|v|i{1,3})\b", re.I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}

DETAIL = """\
**Checkpoint-inhibitor myositis: rule out myocarditis now.** {why}. ICI: {ici}.

- CK: {ck}
- Troponin (within {hours} h): {troponin}
- ECG (within {hours} h): {ecg}
- CTCAE grade: {grade}
- Myasthenic, bulbar or respiratory features: {features}

**Now:** {plan}

How to manage (ASCO 2021): check hs-troponin I (more heart-specific than troponin T, which regenerating muscle
can raise), ECG, NT-proBNP and echo, and look for the "triple M" overlap with myasthenia (AChR antibodies,
spirometry/NIF). Hold the ICI for any troponin rise. **G1**: continue the ICI with close monitoring. **G2**: hold
the ICI; prednisone 0.5-1 mg/kg/day if CK >= 3x ULN. **G3-4**: hold the ICI; prednisone 1 mg/kg/day or
methylprednisolone 1-2 mg/kg/day IV (higher pulse for myocarditis or myasthenia); consider plasmapheresis or IVIG;
add another immunosuppressant if there is no improvement in 2 weeks. **Permanently discontinue** the ICI if the
heart is involved. Do not restart until CK is normal and symptoms have resolved.

{doses}"""


def _raised(observation: Observation) -> bool | None:
    """Troponin above the lab's upper limit (interpretation first, then value against the range); None when
    neither tells."""
    flags = set(observation.interpretation)
    if flags & diagnosis.HIGH_FLAGS or "POS" in flags:
        return True
    above = observation.above_upper_limit(diagnosis.TROPONIN_UNIT)
    return False if above is None and flags & {"N", "NEG"} else above


def _describe(observation: Observation) -> str:
    value = observation.quantity or observation.value_text or "result"
    high = f" (ULN {observation.ref_high})" if observation.ref_high else ""
    flag = {True: ", raised", False: ", normal", None: ", rise not judged (no usable reference range or flag)"}[
        _raised(observation)]
    name = observation.code.concept_in("troponin_i") or observation.code.concept_in("troponin_t") or \
        observation.code.label
    return f"{name} {value}{high} on {observation.when}{flag}"


def _grade(observation: Observation) -> int | None:
    if observation.quantity is not None and float(observation.quantity.value).is_integer():
        value = int(observation.quantity.value)
        return value if 1 <= value <= 5 else None
    match = _GRADE.search(observation.value_words)
    if match is None:
        return None
    return _ROMAN[match[3]] if match[3] else int(match[1] or match[2])


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    p = context.params(RULE)
    given = cohorts.ici_exposure(record, context)
    reasons = cohorts.ici_myositis(record, context)
    drafts = context.drafts_in("checkpoint_inhibitor") if context.hook == "order-sign" else []
    facts: dict[str, Any] = {"ici": ", ".join(m.label for m in given) or None,
                             "ici_myositis": "; ".join(reasons) or None,
                             "draft_ici": ", ".join(d.label for d in drafts) or None}
    if not reasons:
        return Quiet("no checkpoint-inhibitor myositis (ICI context with CK > ULN and weakness/myalgia, or a "
                     "myositis starting after the first ICI dose)", facts)
    if context.hook == "order-sign" and not drafts:
        return Quiet("no ICI dose in the draft orders", facts)

    hours = p["cardiac_test_max_hours"]
    certain, possible = _days_within_hours(hours)
    recent = record.today - timedelta(days=certain)
    near = record.observations_in("troponin_i", "troponin_t", since=record.today - timedelta(days=possible))
    troponins = [o for o in near if o.when is not None and o.when >= recent]
    lookback = record.today - timedelta(days=int(p["troponin_lookback_days"]))
    looked_back = record.observations_in("troponin_i", "troponin_t", since=lookback)
    raised = [o for o in looked_back if _raised(o)]
    raised_i = [o for o in raised if o.in_group("troponin_i")]
    tnt_only = [o for o in raised if not o.in_group("troponin_i")] if not raised_i else []
    near_ecgs = diagnosis.done(record, "ecg", within_days=possible)
    ecgs = [e for e in near_ecgs if e.day is not None and e.day >= recent]
    ecg_text = ", ".join(f"{e.label} {e.day}" for e in ecgs)
    # left out, and named: dated so that they may be older than the window
    old_troponin_text = [_describe(o) for o in near if o.when is not None and o.when < recent]
    old_ecg_text = [f"{e.label} {e.day}" for e in near_ecgs if e.day is not None and e.day < recent]
    myocarditis = [c for c in record.conditions_in("myocarditis_cardiomyopathy", active_only=True)
                   if c.code.concept_in("myocarditis_cardiomyopathy") == "myocarditis"]
    heart = [_describe(o) for o in raised_i] + [c.code.label for c in myocarditis]
    # a resulted troponin that cannot be read against a limit may be a rise: heart involvement is unknown, never
    # excluded, unless a later troponin was judged (a pending one with no value says nothing yet)
    last_judged = max((o.when for o in looked_back if _raised(o) is not None and o.when is not None), default=None)
    unjudged = [_describe(o) for o in looked_back if _raised(o) is None and (o.quantity or o.measured_as_text)
                and (last_judged is None or (o.when is not None and o.when > last_judged))] if not heart else []
    # the newest grade decides; one that cannot be read leaves the grade unknown (an older one may be out of date)
    graded = record.observations_in("ctcae_myositis_grade",
                                    since=record.today - timedelta(days=int(p["grade_max_age_days"])))
    grade_obs = graded[-1] if graded else None
    grade = _grade(grade_obs) if grade_obs else None
    features = [label for group, label in FEATURES if record.conditions_in(group, active_only=True)]
    points = [pt for pt in ck.series(record, context) if pt.day >= record.today - timedelta(days=30)]
    last_ck = points[-1] if points else None
    ck_multiple = last_ck.value / last_ck.uln if last_ck else None
    manage = "G3-4" if (grade or 0) >= 3 else f"G{grade}" if grade else ("G3-4" if features else None)
    facts.update({
        "troponin_within_window": "; ".join(_describe(o) for o in troponins) or None,
        "troponin_raised": "; ".join(_describe(o) for o in raised) or None,
        "troponin_t_only_raised": bool(tnt_only),
        "ecg_within_window": ecg_text or None,
        "cardiac_tests_possibly_too_old": "; ".join(old_troponin_text + old_ecg_text) or None,
        "myocardial_involvement": "; ".join(heart) or None,
        "troponin_not_judged": "; ".join(unjudged) or None,
        "ctcae_grade": grade, "grade_documented": grade_obs.when if grade_obs else None,
        "features": ", ".join(features) or None,
        "latest_ck": str(last_ck) if last_ck else None,
        "ck_x_uln": round(ck_multiple, 1) if ck_multiple else None,
        "managed_as": manage,
    })
    weight = dosing_weight(record, context)
    facts["dosing_weight"] = weight.describe("kg") if weight else None
    plan = _plan(manage, grade, heart, unjudged, troponins, ecgs, ck_multiple, p)
    if tnt_only:
        plan = (f"Troponin T is raised ({'; '.join(_describe(o) for o in tnt_only)}) but it can come from "
                "regenerating skeletal muscle: check hs-troponin I now and hold the ICI until it is known. " + plan)
    dose_text, steroid_suggestions = _steroids(record, context, manage, ck_multiple, heart, weight, p)
    grade_text = (f"G{grade} (documented {grade_obs.when})" if grade is not None and grade_obs else
                  (f"not read from {grade_obs.value_label} ({grade_obs.when})" if grade_obs else "not documented")
                  + (" (managed as G3-4 because of the features below)" if features else
                     ": grade the weakness today"))
    detail = DETAIL.format(
        why="; ".join(reasons), ici=facts["ici"], hours=f"{hours:g}",
        ck=(f"{last_ck} = {ck_multiple:.1f} x ULN" if last_ck else "none within 30 days"),
        troponin=("; ".join(_describe(o) for o in troponins) or "**none: order hs-troponin I now**")
        + _possibly_too_old(old_troponin_text, hours),
        ecg=(ecg_text or "**none: do an ECG now**") + _possibly_too_old(old_ecg_text, hours),
        grade=grade_text, features=", ".join(features) or "none recorded", plan=plan, doses=dose_text)
    summary_grade = f"G{grade}" if grade else "ungraded"
    head = "ICI dose drafted with" if drafts else "Checkpoint-inhibitor"
    summary = (f"{head} myositis ({summary_grade}"
               + (", heart involved" if heart else ", heart not excluded" if unjudged else "") + "): "
               + ("hold and permanently stop the ICI" if heart else
                  "hold the ICI until cardiac involvement is excluded" if unjudged else
                  "check troponin and ECG now" if not troponins or not ecgs else
                  "continue ICI with close monitoring" if manage == "G1" else "hold the ICI; treat by grade"))
    return Fired(
        severity="critical",
        summary=summary,
        detail=detail,
        facts=facts,
        about=drafts,
        suggestions=_suggestions(context, drafts, manage, heart, bool(tnt_only or unjudged), troponins, ecgs)
        + steroid_suggestions,
        selection="any",
    )


def _days_within_hours(hours: float) -> tuple[int, int]:
    """(certain, possible): how many days back a result known only by its date is certainly, and may be, at most
    ``hours`` old. Neither the result's time of day nor now's is known, so one dated ``k`` days ago is anywhere from
    (k - 1) x 24 h (late that day, read just after midnight) to (k + 1) x 24 h old (just after midnight, read late
    today). Certain: (k + 1) x 24 <= hours, so k <= floor(hours / 24) - 1 (72 h: today and the 2 days before; -1
    under 24 h: none). Possible: (k - 1) x 24 < hours, so k <= ceil(hours / 24) (72 h: 3 days back)."""
    return math.floor(hours / 24) - 1, math.ceil(hours / 24)


def _possibly_too_old(results: list[str], hours: float) -> str:
    if not results:
        return ""
    return f" (left out, as only the date is on file and it may be more than {hours:g} h old: {'; '.join(results)})"


def _plan(manage: str | None, grade: int | None, heart: list[str], unjudged: list[str],
          troponins: list[Observation], ecgs: list[diagnosis.Done], ck_multiple: float | None, p: Any) -> str:
    steps = []
    if heart:
        steps.append(f"heart involvement ({'; '.join(heart)}): hold the ICI and **permanently discontinue** it; "
                     "cardio-oncology today; methylprednisolone IV at pulse dose.")
    elif unjudged:
        steps.append(f"cardiac involvement **not excluded** ({'; '.join(unjudged)}): without the lab's reference "
                     "range the troponin could not be judged and may be a rise. Hold the ICI and do not continue it "
                     "until cardiac involvement is excluded (repeat hs-troponin I with its reference range, ECG, "
                     "cardio-oncology).")
    if not troponins or not ecgs:
        missing = " or ".join(n for n, have in (("hs-troponin I", troponins), ("ECG", ecgs)) if not have)
        steps.append(f"no {missing} within {p['cardiac_test_max_hours']:g} h: do it now, and hold the ICI "
                     "until myocarditis is excluded.")
    if manage == "G1":
        # continuing is only for a heart known to be spared; the steps above already say hold or discontinue
        if not heart and not unjudged:
            steps.append(("grade 1: the ICI may continue" if troponins and ecgs else
                          "grade 1: once myocarditis is excluded, the ICI may continue")
                         + " with close monitoring (CK, troponin, symptoms).")
    elif manage == "G2":
        multiple = p["ck_steroid_multiple_g2"]
        if ck_multiple is not None and ck_multiple >= multiple:
            steps.append(f"grade 2: hold the ICI; CK is {ck_multiple:.1f} x ULN (>= {multiple:g}): start "
                         "prednisone 0.5-1 mg/kg/day.")
        else:
            steps.append(f"grade 2: hold the ICI; prednisone 0.5-1 mg/kg/day if CK reaches {multiple:g} x ULN "
                         f"({'now ' + format(ck_multiple, '.1f') + ' x' if ck_multiple else 'no recent CK'}).")
    elif manage == "G3-4":
        steps.append(("grade 3-4" if grade else "ungraded but with bulbar, respiratory or myasthenic features: "
                      "manage as grade 3-4") + ": hold the ICI; prednisone 1 mg/kg/day or methylprednisolone "
                     "1-2 mg/kg/day IV; consider plasmapheresis or IVIG; neuromuscular and oncology today.")
    else:
        steps.append("grade not documented: grade the weakness (CTCAE) today and hold the next ICI dose until "
                     "graded and myocarditis is excluded.")
    return " ".join(s[0].upper() + s[1:] for s in steps)


def _prednisone(context: HookContext, mg: float) -> dict[str, Any]:
    product = oral_steroid_product("prednisone", mg)
    return orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, product), mg, "mg",
        text=f"Prednisone {mg:g} mg ({product.amount}) by mouth once daily (ICI myositis)")


def _methylprednisolone(context: HookContext, mg: float, note: str) -> dict[str, Any]:
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "glucocorticoid_systemic", pulse_product(mg)), mg,
        "mg", route="iv",
        text=f"Methylprednisolone {mg:g} mg IV once daily (ICI myositis)", note=note)


def _steroids(record: PatientRecord, context: HookContext, manage: str | None, ck_multiple: float | None,
              heart: list[str], weight: Any, p: Any) -> tuple[str, list[Suggestion]]:
    """Doses on the dosing weight, rounded (prednisone to 5 mg, methylprednisolone to 10 mg; a dose below one step
    to 0.1 mg) and capped, each saying how. A child's doses take 2.5 mg prednisone and 10 mg methylprednisolone
    steps only where these are within a tenth of the dose, else 1 mg, else 0.1 mg, as R19 and R32 round theirs."""
    g2_steroid = manage == "G2" and ck_multiple is not None and ck_multiple >= p["ck_steroid_multiple_g2"]
    if manage not in ("G3-4",) and not g2_steroid and not heart:
        return ("Glucocorticoid doses by grade: G2 prednisone 0.5-1 mg/kg/day (if CK >= 3x ULN); G3-4 prednisone "
                "1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV."), []
    if weight is None:
        return ("**Doses could not be computed:** no body weight within the last "
                f"{weight_max_age_days(record, context)} days{why_not_current(record, 'weight', 'kg')}. Record a "
                "weight; give prednisone 0.5-1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV by grade."), []
    kg = weight.value
    # a child's cap is held at or below R32's maximum, so that R32 does not flag this rule's own suggestion
    child = cohorts.is_paediatric(record, context)
    pred_cap = p["paediatric_prednisone_cap_mg" if child else "prednisone_cap_mg"]
    mp_cap = p["methylprednisolone_cap_mg"]
    pred_cap_text = f"prednisone cap {dose_basis.mg(pred_cap)}" + (" for a child" if child else "")

    finer = CHILD_FINER_STEPS_MG if child else ()

    def pred(per_kg: float) -> RoundedDose:
        return rounded_dose(per_kg * kg, HALF_TABLET_STEP_MG if child else TABLET_STEP_MG, pred_cap,
                            finer_steps=finer)

    def mp(per_kg: float) -> RoundedDose:
        return rounded_dose(per_kg * kg, PULSE_STEP_MG, mp_cap, finer_steps=finer)

    if g2_steroid and manage == "G2" and not heart:
        half, full = pred(0.5), pred(1)
        text = (f"Doses for {weight.describe('kg')}: prednisone 0.5 mg/kg = **{half.mg:g} mg/day** ({half.how}), "
                f"1 mg/kg = {full.mg:g} mg/day ({full.how}); {pred_cap_text}.")
        return text, [Suggestion(f"Prednisone {half.mg:g} mg PO daily (0.5 mg/kg)", [Action(
            "create", f"Prednisone {half.mg:g} mg PO daily", resource=_prednisone(context, half.mg))],
            is_recommended=True)]
    pred_1, mp_1, mp_2 = pred(1), mp(1), mp(2)
    text = (f"Doses for {weight.describe('kg')}: prednisone 1 mg/kg = **{pred_1.mg:g} mg/day** ({pred_1.how}); "
            f"methylprednisolone IV 1 mg/kg = **{mp_1.mg:g} mg/day** ({mp_1.how}), 2 mg/kg = {mp_2.mg:g} mg/day "
            f"({mp_2.how}); {pred_cap_text}, methylprednisolone cap {dose_basis.mg(mp_cap)}."
            + (" For myocarditis, cardio-oncology may choose a higher pulse." if heart else ""))
    note = "Up to 2 mg/kg/day; higher pulse for myocarditis or myasthenia per cardio-oncology/neurology."
    return text, [
        Suggestion(f"Methylprednisolone {mp_1.mg:g} mg IV daily (1 mg/kg)", [Action(
            "create", f"Methylprednisolone {mp_1.mg:g} mg IV daily", resource=_methylprednisolone(
                context, mp_1.mg, note))], is_recommended=bool(heart) or manage == "G3-4"),
        Suggestion(f"Prednisone {pred_1.mg:g} mg PO daily (1 mg/kg)", [Action(
            "create", f"Prednisone {pred_1.mg:g} mg PO daily", resource=_prednisone(context, pred_1.mg))]),
    ]


def _suggestions(context: HookContext, drafts: list[MedicationOrder], manage: str | None, heart: list[str],
                 troponin_unclear: bool, troponins: list[Observation], ecgs: list[diagnosis.Done]
                 ) -> list[Suggestion]:
    sets, patient = context.valuesets, context.patient_id

    def request(code: dict[str, Any], priority: str = "stat", note: str | None = None) -> dict[str, Any]:
        return orders.service_request(patient, code, priority=priority, note=note)

    workup = [
        ("hs-troponin I", request(orders.lab_concept(sets, "troponin_i", HS_TROPONIN_I))),
        ("12-lead ECG", request(orders.procedure_concept(sets, "ecg", ECG_LOINC))),
        ("NT-proBNP", request(orders.lab_concept(sets, "nt_probnp", "33762-6"))),
        ("Transthoracic echocardiogram", request(orders.procedure_concept(
            sets, "echocardiogram", TTE_SNOMED, system=SNOMED), priority="urgent")),
        ("CK", request(orders.lab_concept(sets, "ck", "2157-6"), priority="urgent")),
        ("Aldolase", request(orders.lab_concept(sets, "aldolase", "1761-6"), priority="urgent")),
        ("ESR", request(orders.lab_concept(
            sets, "esr", "30341-2", text="Erythrocyte sedimentation rate (ESR)"), priority="urgent")),
        ("CRP", request(orders.lab_concept(sets, "crp", "1988-5", text="C-reactive protein (CRP)"),
                        priority="urgent")),
        ("Urinalysis (myoglobin)", request(orders.text_concept("Urinalysis with urine myoglobin"),
                                           priority="urgent")),
        ("AChR antibodies", request(orders.lab_concept(
            sets, "achr_ab", "11034-6", text="Acetylcholine receptor (AChR) antibodies"), priority="urgent")),
        ("Anti-striational antibodies", request(orders.lab_concept(
            sets, "striational_ab", "8097-8", text="Anti-striational (striated muscle) antibodies"),
            priority="urgent")),
        ("Spirometry (FVC) and NIF", request(orders.text_concept("Spirometry (FVC) and negative inspiratory "
                                                                 "force (NIF)"), priority="urgent")),
    ]
    consults = [  # (name, text, SNOMED CT referral procedure)
        ("Oncology", "Oncology review today: ICI myositis (hold/discontinue decision)", ONCOLOGY_REFERRAL),
        ("Neuromuscular", "Neuromuscular (neurology) consult: ICI myositis, exclude myasthenia overlap",
         NEUROLOGY_REFERRAL),
        ("Cardio-oncology", "Cardio-oncology consult: exclude ICI myocarditis", CARDIOLOGY_REFERRAL),
    ]
    out = [
        Suggestion("Myocarditis and myositis work-up (troponin, ECG, NT-proBNP, echo, CK, AChR Ab, NIF)",
                   [Action("create", name, resource=resource) for name, resource in workup], is_recommended=True),
        Suggestion("Oncology, neuromuscular and cardio-oncology consults",
                   [Action("create", f"{name} consult", resource=request(orders.referral_concept(
                       sets, code, text=text), priority="urgent"))
                    for name, text, code in consults], is_recommended=True),
    ]
    if drafts:
        hold = bool(heart) or troponin_unclear or manage != "G1" or not troponins or not ecgs
        verb = "Permanently stop" if heart else "Hold"
        out.insert(0, Suggestion(f"{verb}: cancel this ICI dose",
                                 [Action("delete", f"{verb} {d.label} (cancel the draft dose)",
                                         resource_id=d.reference) for d in drafts], is_recommended=hold))
    return out

