"""R25: bone protection on long-term glucocorticoids (ACR 2022 GIOP): calcium/vitamin D, DXA and an osteoporosis
drug when the risk calls for one for an adult; age-appropriate calcium and vitamin D for a child, for whom DXA, FRAX
and the adult drug thresholds do not apply (section 2, definition 4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import bone, cohorts, renal, routes, steroids
from hooks.definitions.courses import ended_early_list
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ACR_2022_GIOP, SEED_000, SEED_003

CPT = "http://www.ama-assn.org/go/cpt"

RULE = Rule(
    id="giop-bone-protection",
    number=25,
    title="Bone protection on long-term glucocorticoids",
    hooks=("patient-view",),
    severities=("warning",),
    also_reads=("procedures",),
    summary="PEQ >= 2.5 mg/day for >= 90 days (or IIM/IMNM on >= 20 mg/day now) missing calcium/vitamin D, "
            "a DXA within 24 months, or an osteoporosis drug despite osteoporosis, fragility fracture, moderate+ FRAX "
            "or T-score, or >= 30 mg/day for > 30 days (ACR 2022); for a child, calcium/vitamin D and a specialist "
            "for a fragility fracture.",
    sources=(ACR_2022_GIOP, SEED_000, SEED_003),
    parameters={
        "long_term_peq_mg": Param(2.5, "mg/day", "PEQ at or above which long-term use counts (ACR 2022 GIOP)."),
        "long_term_days": Param(90, "days", "Consecutive days at or above long_term_peq_mg, ending today."),
        "iim_high_dose_peq_mg": Param(20, "mg/day", "IIM/IMNM on at least this PEQ today: a long course is expected."),
        "dxa_window_days": Param(730, "days", "A DXA this recent counts (24 months)."),
        "dxa_before_ttx_days": Param(180, "days", "A DXA more than this long before T_tx predates the course."),
        "frax_min_age_years": Param(bone.FRAX_MIN_AGE_YEARS, "years", "FRAX is advised, and a T-score is graded "
                                    "(ACR 2022 adults >= 40), from this age."),
        "t_score_moderate": Param(-1.0, "SD", "From frax_min_age_years a T-score at or below this is moderate "
                                  "fracture risk or above (ACR 2022: -1.0 to -2.4 moderate); under it only -2.5 or "
                                  "below counts. [verify]", at_least=bone.OSTEOPOROSIS_T_SCORE),
        "high_dose_peq_mg": Param(30, "mg/day", "A run at or above this PEQ for more than high_dose_days is very "
                                  "high fracture risk at any adult age (ACR 2022). [verify]"),
        "high_dose_days": Param(30, "days", "A high-dose run longer than this (ACR 2022: '> 30 days'). [verify]"),
        "cumulative_peq_g": Param(5, "g", "A cumulative PEQ of at least this within risk_window_days is very high "
                                  "fracture risk at any adult age (ACR 2022: 5 g in a year). [verify]"),
        "risk_window_days": Param(365, "days", "The high-dose run and the cumulative PEQ are read within this "
                                  "window (ACR 2022: a year; the dose timeline reaches back 3 years)."),
        "bisphosphonate_egfr_min": Param(35, "mL/min/1.73m2", "Below this eGFR (or one that may be) alendronate and "
                                         "zoledronic acid are not offered; denosumab is (labels: CrCl < 35). [verify]"),
        "denosumab_egfr_caution": Param(30, "mL/min/1.73m2", "Below this eGFR (or one that may be) denosumab is "
                                        "offered but not pre-selected: severe hypocalcaemia in advanced CKD. [verify]"),
    },
)

DETAIL = """\
**Complete bone protection for long-term glucocorticoids.** {exposure}.

Missing: **{missing}**.{found}{present}

- **Calcium and vitamin D for everyone** on long-term glucocorticoids: total calcium intake 1,000-1,200 mg/day
  (diet plus supplement) and vitamin D 800-1,000 IU/day; check 25-OH vitamin D.
- **Fracture-risk assessment as soon as possible:** DXA of hip and spine with vertebral fracture assessment
  (or spine X-ray){frax}.
- **Osteoporosis drug for moderate, high or very-high fracture risk**, not only for densitometric
  osteoporosis: oral bisphosphonate first (alendronate 70 mg weekly); alternatives zoledronic acid 5 mg IV
  yearly or denosumab 60 mg SC every 6 months; teriparatide 20 µg SC daily for very high risk.
{unreadable}"""


DETAIL_CHILD = """\
**Bone protection for a child on long-term glucocorticoids.** {exposure}.

Missing: **{missing}**.{present}

- **Age-appropriate calcium and vitamin D** (ACR 2022: for every patient on glucocorticoids): calcium from diet
  first (breast milk or formula under 1 year: about 200-260 mg/day), about 700 mg/day aged 1-3, 1,000 mg/day
  aged 4-8 and 1,300 mg/day aged 9-18 (a dietitian can check the intake); vitamin D {vitamin_d_iu:,} IU/day;
  check 25-OH vitamin D.
- DXA T-scores, FRAX and the adult osteoporosis-drug thresholds do not apply under 18: a child's bone health on
  glucocorticoids is for the paediatric rheumatology or bone-health team.{fracture}
{unreadable}"""

CHILD_FRACTURE = """
- **{findings} on file and no osteoporosis drug:** refer to a paediatric bone-health specialist (whether to give a
  bisphosphonate to a child is a specialist decision)."""

# Daily vitamin D for a child: the IOM recommended intake, 400 IU in the first year and 600 IU from 1 to 18 years
INFANT_VITAMIN_D_IU, CHILD_VITAMIN_D_IU = 400, 600


def _exposure(record: PatientRecord, context: HookContext, params: Mapping[str, float]
              ) -> tuple[str | None, dict[str, Any]]:
    history = steroids.history(record, context)
    low, days = float(params["long_term_peq_mg"]), int(params["long_term_days"])
    exposure = history.exposure(low)  # a late refill's short gap does not restart the count
    run, peq_today = exposure.run, exposure.peq_today
    iim = cohorts.is_iim(record, context)
    facts: dict[str, Any] = {"peq_today_mg": round(peq_today, 1), f"days_at_or_above_{low:g}_mg": run.days,
                             "gaps_counted": run.describe_gaps(), "iim_or_imnm": iim}
    if run.days >= days:
        return exposure.sentence(), facts
    if iim and peq_today >= params["iim_high_dose_peq_mg"]:
        return (f"Inflammatory myopathy on prednisone-equivalent {exposure.dose()}: a long course is "
                "expected"), facts
    return None, facts


def _vitamin_d_level(context: HookContext) -> dict[str, Any]:
    return orders.service_request(context.patient_id, orders.lab_concept(
        context.valuesets, "vitamin_d_level", "62292-8", text="25-hydroxyvitamin D, serum"))


ADVANCED_CKD_DENOSUMAB = ("in advanced kidney disease denosumab can cause severe hypocalcaemia: check calcium, "
                          "phosphate, PTH and 25-OH vitamin D and agree the choice with nephrology first.")


@dataclass(frozen=True, slots=True)
class DrugChoice:
    """The osteoporosis drug offered: ``drug`` ('alendronate', 'zoledronic acid', 'denosumab'), whether it is
    pre-selected, and why the first choice was passed over (for the card)."""

    drug: str
    pre_selected: bool = True
    why: str = ""


def _drug_choice(record: PatientRecord, context: HookContext, params: Mapping[str, float]) -> DrugChoice:
    """Alendronate first (ACR 2022: an oral bisphosphonate), unless the chart holds one of its label
    contraindications: an eGFR below bisphosphonate_egfr_min, or one that may be ('<45', a result that cannot be read;
    renal.below_limit), rules out zoledronic acid too, so denosumab is offered, and pre-selected only when the eGFR is
    known not to be below denosumab_egfr_caution; active dysphagia (the tablet must be swallowed with a full glass of
    water, the patient upright for 30 minutes) with the eGFR not ruling it out makes it zoledronic acid IV. No eGFR on
    file leaves the choice as it is: each order says to check the eGFR first."""
    kidney = renal.below_limit(record, context, params["bisphosphonate_egfr_min"])
    dysphagia = routes.swallowing_impaired(record)
    swallowing = (f"{dysphagia[0].code.label} on file: alendronate must be swallowed with a full glass of water and "
                  "the patient stay upright for 30 minutes") if dysphagia else ""
    if kidney.may_be_below:
        kidney_text = f"{kidney}: alendronate and zoledronic acid are " + (
            "not advised" if kidney.below else "not offered until it is known")
        severe = renal.below_limit(record, context, params["denosumab_egfr_caution"])
        caution = (f" Denosumab is not pre-selected: {severe}; {ADVANCED_CKD_DENOSUMAB}" if severe.may_be_below
                   else "")
        return DrugChoice("denosumab", not severe.may_be_below,
                          "; ".join(filter(None, (kidney_text, swallowing))) + "." + caution)
    if dysphagia:
        return DrugChoice("zoledronic acid", why=swallowing + ".")
    return DrugChoice("alendronate")


def _drug_suggestion(context: HookContext, choice: DrugChoice, egfr_min: float) -> Suggestion:
    """The order for the osteoporosis drug chosen (:func:`_drug_choice`); a bisphosphonate's note names the eGFR
    below which it is not given (bisphosphonate_egfr_min)."""
    sets, pid = context.valuesets, context.patient_id
    if choice.drug == "denosumab":
        label = "Denosumab 60 mg SC every 6 months"
        order = orders.medication_request(
            pid, orders.concept(sets, "osteoporosis_drug", "Denosumab"), 60, "mg", route="sc", period=6,
            period_unit="mo", text="Denosumab 60 mg subcutaneously once every 6 months",
            note=("Correct calcium and 25-OH vitamin D first and check calcium before each dose. Do not stop or "
                  "delay it without a follow-on drug: vertebral fractures rebound when it wears off."
                  + ("" if choice.pre_selected else " Low eGFR: " + ADVANCED_CKD_DENOSUMAB)))
    elif choice.drug == "zoledronic acid":
        label = "Zoledronic acid 5 mg IV yearly"
        order = orders.medication_request(
            pid, orders.concept(sets, "osteoporosis_drug", "Zoledronic acid"), 5, "mg", route="iv", period=1,
            period_unit="a", text="Zoledronic acid 5 mg IV over at least 15 minutes, once yearly, well hydrated",
            note=f"Check calcium, 25-OH vitamin D and eGFR before each infusion (not if eGFR < {egfr_min:g}).")
    else:
        label = "Alendronate 70 mg PO weekly"
        order = orders.medication_request(
            pid, orders.concept(sets, "osteoporosis_drug", "Alendronate"), 70, "mg", period=1, period_unit="wk",
            text="Alendronate 70 mg by mouth once weekly, fasting, with a full glass of water; stay upright "
                 "30 minutes", note=f"Check calcium, 25-OH vitamin D and eGFR first (avoid if eGFR < {egfr_min:g}).")
    return Suggestion(label, [Action("create", label, resource=order)], is_recommended=choice.pre_selected)


def _suggestions(context: HookContext, params: Mapping[str, float], missing: list[str], drug: DrugChoice | None
                 ) -> list[Suggestion]:
    sets, pid = context.valuesets, context.patient_id
    out = []
    if "calcium/vitamin D" in missing:
        calcium = orders.medication_request(
            pid, orders.concept(sets, "calcium", "Calcium Carbonate"), 500, "mg", frequency=2,
            text="Calcium carbonate, 500 mg elemental calcium, by mouth twice daily with food "
                 "(total intake 1,000-1,200 mg/day with diet)")
        vitamin_d = orders.medication_request(
            pid, orders.concept(sets, "vitamin_d", "Cholecalciferol"), 1000, "[iU]",
            text="Cholecalciferol (vitamin D3) 1,000 IU by mouth once daily")
        level = _vitamin_d_level(context)
        out.append(Suggestion("Calcium 500 mg elemental BID, vitamin D3 1,000 IU daily, 25-OH vitamin D", [
            Action("create", "Calcium carbonate 500 mg elemental PO BID with food", resource=calcium),
            Action("create", "Cholecalciferol 1,000 IU PO daily", resource=vitamin_d),
            Action("create", "25-OH vitamin D level", resource=level)], is_recommended=True))
    if "DXA" in missing:
        dxa = orders.service_request(
            pid, orders.procedure_concept(sets, "dxa", "77085", system=CPT,
                                          text="DXA hip and spine with vertebral fracture assessment (VFA)"),
            note="Glucocorticoid-induced osteoporosis risk assessment; add GC-adjusted FRAX if age >= 40.")
        out.append(Suggestion("DXA hip/spine with vertebral fracture assessment",
                              [Action("create", "DXA hip/spine + VFA", resource=dxa)], is_recommended=True))
    if drug is not None:
        out.append(_drug_suggestion(context, drug, params["bisphosphonate_egfr_min"]))
    return out


def _child_suggestions(context: HookContext, missing: list[str], vitamin_d_iu: int) -> list[Suggestion]:
    pid = context.patient_id
    out = []
    if "calcium/vitamin D" in missing:
        vitamin_d = orders.medication_request(
            pid, orders.concept(context.valuesets, "vitamin_d", "Cholecalciferol"), vitamin_d_iu, "[iU]",
            text=f"Cholecalciferol (vitamin D3) {vitamin_d_iu:,} IU by mouth once daily")
        level = _vitamin_d_level(context)
        dietitian = orders.service_request(pid, orders.referral_concept(
            context.valuesets, "408285001",
            text="Paediatric dietitian: age-appropriate calcium intake on long-term glucocorticoids"))
        out.append(Suggestion(f"Vitamin D3 {vitamin_d_iu:,} IU daily, 25-OH vitamin D, dietitian for calcium intake", [
            Action("create", f"Cholecalciferol {vitamin_d_iu:,} IU PO daily", resource=vitamin_d),
            Action("create", "25-OH vitamin D level", resource=level),
            Action("create", "Paediatric dietitian (calcium intake)", resource=dietitian)], is_recommended=True))
    if "bone-health specialist" in missing:
        referral = orders.service_request(pid, orders.text_concept(
            "Referral to paediatric bone-health specialist: fragility fracture or osteoporosis on long-term "
            "glucocorticoids"), priority="urgent")
        out.append(Suggestion("Paediatric bone-health specialist referral", [
            Action("create", "Paediatric bone-health specialist referral", resource=referral)], is_recommended=True))
    return out


def _drugs_not_counted(protection: bone.BoneProtection, facts: dict[str, Any], drug_needed: bool) -> list[str]:
    """The osteoporosis drugs left out because they ended before their end date, on a day the chart does not give
    (bone protection errs early): in the facts, and a note for the card when a drug is needed."""
    text = ended_early_list(protection.osteoporosis_drugs_not_counted) or None
    facts["osteoporosis_drugs_not_counted"] = text
    return [f"Not counted as current osteoporosis treatment: {text}."] if text and drug_needed else []


def _child(record: PatientRecord, context: HookContext, exposure: str, protection: bone.BoneProtection,
           notes: list[str], facts: dict[str, Any]) -> Result:
    """A child: age-appropriate calcium and vitamin D, and a specialist for a fragility fracture or osteoporosis;
    no DXA or FRAX, whose adult thresholds do not apply (section 2, definition 4)."""
    fragility = protection.fragility
    missing = ["calcium/vitamin D"] if not protection.calcium_vitamin_d else []
    if fragility and not protection.osteoporosis_drugs:
        missing.append("bone-health specialist")
    vitamin_d_iu = INFANT_VITAMIN_D_IU if (record.youngest_age_years or 0) < 1 else CHILD_VITAMIN_D_IU
    facts.update(paediatric=True, calcium_vitamin_d=", ".join(o.label for o in protection.calcium_vitamin_d) or None,
                 osteoporosis_drugs=", ".join(o.label for o in protection.osteoporosis_drugs) or None,
                 fragility_findings="; ".join(fragility) or None, missing=", ".join(missing) or None)
    notes = notes + _drugs_not_counted(protection, facts, "bone-health specialist" in missing)
    if not missing:
        return Quiet("child: calcium/vitamin D in place" + (", and an osteoporosis drug" if fragility else ""), facts)
    present = protection.treatments
    fracture = CHILD_FRACTURE.format(findings="; ".join(fragility)) if "bone-health specialist" in missing else ""
    return Fired(
        severity="warning",
        summary=f"Bone protection incomplete for a child on long-term steroids: no {', no '.join(missing)}",
        detail=DETAIL_CHILD.format(exposure=exposure, missing=", ".join(missing), vitamin_d_iu=vitamin_d_iu,
                                   present=("\nIn place: " + "; ".join(present) + ".") if present else "",
                                   fracture=fracture, unreadable=("\n" + " ".join(notes) + "\n") if notes else ""),
        facts=facts,
        suggestions=_child_suggestions(context, missing, vitamin_d_iu),
    )


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    age = record.age_years
    facts: dict[str, Any] = {"age_years": age}
    if age is None:
        return NotEvaluable("patient birth date (a child's bone protection differs from an adult's)", facts)
    exposure, exposure_facts = _exposure(record, context, params)
    facts.update(exposure_facts)
    history = steroids.history(record, context)
    window_start = record.today - timedelta(days=int(params["long_term_days"]) - 1)
    unreadable = [history.unread_named(o) for o in history.unreadable_since(window_start)]
    facts["unreadable_glucocorticoid_courses"] = ", ".join(unreadable) or None
    if exposure is None:
        if unreadable:
            facts["note"] = "a glucocorticoid course whose dose could not be read could change the answer"
            return NotEvaluable(f"readable dose of {', '.join(unreadable)}", facts)
        return Quiet("no long-term glucocorticoid exposure (and not IIM on >= 20 mg/day now)", facts)
    notes = [f"The dose of {', '.join(unreadable)} could not be read and was not counted."] if unreadable else []
    if cohorts.is_paediatric(record, context):
        return _child(record, context, exposure, bone.bone_protection(record, context), notes, facts)

    treatment_start = steroids.read_treatment_start(record, context)
    ttx, unknown, latest_ttx = treatment_start.found, treatment_start.unknown_on_a_card, treatment_start.latest
    # the DXA must postdate every T_tx still possible: an unknown T_tx lies before the one found, or, with none
    # found, may be as late as the latest course that may be T_tx (erring toward asking for a DXA rather than
    # counting one that may predate it)
    not_before = latest_ttx - timedelta(days=int(params["dxa_before_ttx_days"])) if latest_ttx else None
    dxa_window_start = record.today - timedelta(days=int(params["dxa_window_days"]))
    protection = bone.bone_protection(record, context, dxa_window_days=int(params["dxa_window_days"]),
                                      dxa_not_before=not_before)
    missing = protection.missing
    facts.update({
        "t_tx": ttx[0] if ttx else None,
        **treatment_start.unknown_facts(),
        "dxa_counts_from": max(filter(None, (dxa_window_start, not_before))),
        "calcium_vitamin_d": ", ".join(o.label for o in protection.calcium_vitamin_d) or None,
        "dxa": str(protection.dxa) if protection.dxa else None,
        "last_dxa_any": str(protection.last_dxa_any) if protection.last_dxa_any else None,
        "osteoporosis_drugs": ", ".join(o.label for o in protection.osteoporosis_drugs) or None,
        "fracture_risk_findings": "; ".join(protection.risk_findings) or None,
        "frax_unreadable": "; ".join(protection.frax_unreadable) or None,
        "t_score_unreadable": "; ".join(protection.t_score_unreadable) or None,
        "missing": ", ".join(missing) or None,
    })
    notes += _drugs_not_counted(protection, facts, "osteoporosis drug" in missing)
    frax_min_age = params["frax_min_age_years"]
    frax_applies = age >= frax_min_age
    if not missing:
        if protection.drug_need_unread(frax_applies):  # it may be moderate risk or above
            return NotEvaluable(f"{protection.unread_reason(frax_applies)}. {bone.DRUG_NEED_UNKNOWN}", facts)
        return Quiet("bone protection in place: " + "; ".join(protection.present), facts)

    found = ""
    if protection.risk_findings:
        found = "\nFracture risk on file: " + "; ".join(protection.risk_findings) + "."
    last_dxa = protection.last_dxa_any
    if "DXA" in missing and last_dxa is not None and last_dxa.day is not None:
        # the reason that applies: too old, taken before the course, or both
        why = [f"more than {params['dxa_window_days']:g} days old"] if last_dxa.day < dxa_window_start else []
        if not_before and last_dxa.day < not_before:
            why.append(f"more than {params['dxa_before_ttx_days']:g} days before "
                       f"{treatment_start.latest_words(record.today)}")
        found += f"\nLast DXA on file: {last_dxa}, {' and '.join(why)}."
        if unknown and not ttx and not_before and last_dxa.day >= dxa_window_start:
            found += f" {unknown}. Until it is known, only a DXA from {not_before} on counts."
    present = ("\nIn place: " + "; ".join(protection.present) + ".") if protection.present else ""
    frax = (", plus GC-adjusted FRAX (it underestimates risk at >= 30 mg/day)"
            if frax_applies else f"; FRAX does not apply under {frax_min_age:g} (use BMD Z-score)")
    if unread_note := protection.unread_note(frax_applies):  # said also in the response's data-quality notes
        notes.append(unread_note)
    drug = _drug_choice(record, context, params) if "osteoporosis drug" in missing else None
    facts["osteoporosis_drug_offered"] = drug.drug if drug else None
    if drug is not None and drug.why:
        notes.append(f"Osteoporosis drug offered: {drug.drug}, not alendronate. {drug.why}")
    detail = DETAIL.format(exposure=exposure, missing=", ".join(missing), found=found, present=present,
                           frax=frax, unreadable=("\n" + " ".join(notes) + "\n") if notes else "")
    return Fired(
        severity="warning",
        summary=f"Bone protection incomplete on long-term steroids: no {', no '.join(missing)}",
        detail=detail,
        facts=facts,
        suggestions=_suggestions(context, params, missing, drug),
    )
