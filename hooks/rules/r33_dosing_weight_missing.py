"""R33: a weight- or BSA-based draft with no current weight (or height), or whose latest weight cannot be the
patient's: measure before the dose is verified."""

from __future__ import annotations

from hooks.context import HookContext
from hooks.definitions import dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.steroids import IVMP_PULSE_CAP
from hooks.definitions.weight import (
    DOSING_WEIGHT_RULE,
    dosing_height,
    dosing_weight,
    height_max_age_days,
    implausible_weight,
    latest_weight,
    measure_today,
    weight_max_age_days,
)
from hooks.record import PatientRecord, unread_newer
from hooks.rule import Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import DESIGN, OCTAGAM_WEIGHT

UNITS = {"weight": "kg", "height": "cm"}  # each measure's unit, as doses read it

# The checks whose absolute caps apply with no dosing weight (the card names the ones for this patient's age)
ADULT_PREDNISONE_CHECK, CHILD_DOSE_CHECK = "prednisone-adult-dose-check", "pediatric-myositis-dose-limits"

RULE = Rule(
    id=DOSING_WEIGHT_RULE,
    number=33,
    title="Dosing weight (or height) missing or out of date",
    hooks=("order-sign",),
    severities=("warning",),
    summary="A weight- or BSA-based draft order with no body weight within 30 days (7 for a child) or, for BSA, "
            "no height within 12 months (30 days for a child).",
    sources=(DESIGN, OCTAGAM_WEIGHT),
    # read by hooks.definitions.weight.implausible_weight for every dose check: a weight outside them is not dosed
    # from, and R33 asks for a new one
    parameters={
        "implausible_bmi_below": Param(10, "kg/m2", "A current weight whose BMI with a current height is below this "
                                                    "is implausible (a typing error: 7 kg for 70): no dose is "
                                                    "computed from it and R33 asks for a new weight. A real weight "
                                                    "beyond a bound is never dosed from: severe anorexia nervosa "
                                                    "has been survived below BMI 10 [verify] [sign-off]."),
        "implausible_bmi_above": Param(150, "kg/m2", "... or above this (a height typed wrong; the heaviest people "
                                                     "recorded reached about BMI 190 [verify]) [sign-off]."),
        "implausible_bmi_from_age_years": Param(2, "years", "The BMI bounds apply from this age: an infant's BMI is "
                                                            "not judged (a preterm baby's is below 10: 1.2 kg at "
                                                            "40 cm is 7.5) [sign-off]."),
        "implausible_adult_weight_below_kg": Param(20, "kg", "With no current height, an adult's (surely 18 or "
                                                             "older) weight below this is implausible; R33 then asks "
                                                             "for a height too, by which a real one passes "
                                                             "[sign-off]."),
    },
)


DETAIL = """\
**Record a current {what} before this dose is verified.** {found}

Drafts that need it: {drafts}.

Doses of these drugs are checked per kg{bsa_note}. A weight older than {weight_days} days{height_clause}, or one
implausible for the patient, is not used: the dose checks (R06, R07, R09, R12, R27, R32) fall back to their
absolute caps ({caps}) and cannot tell whether the dose is right for this patient."""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    needs = dose_basis.needs(record, context)
    weight, height = dosing_weight(record, context), dosing_height(record, context)
    paediatric = is_paediatric(record, context)
    weight_days, height_days = weight_max_age_days(record, context), height_max_age_days(record, context)
    facts: dict[str, object] = {
        **dose_basis.measure_facts(record, context),
        "weight_max_age_days": weight_days,
        "height_max_age_days": height_days,
        "paediatric": paediatric,
        "drafts_needing_weight": "; ".join(f"{n.order.label} ({n.why})" for n in needs) or None,
        "implausible_weight": (implausible := implausible_weight(record, context)),
    }
    if not needs:
        return Quiet("no weight- or BSA-based draft order", facts)
    lacking_weight = weight is None
    bsa_needs = [n for n in needs if n.height]
    # a weight set aside as implausible with no height to judge it by: a height lets a real one (a small adult) pass
    lacking_height = bool(bsa_needs or implausible) and height is None
    if not lacking_weight and not lacking_height:
        return Quiet("a current weight" + (" and height are" if bsa_needs else " is") + " on file", facts)
    height_why = ("Needed for body-surface area (Mosteller) dosing." if bsa_needs
                  else "Needed to judge by its BMI whether the weight can be the patient's.")
    missing = [(name, limit, why) for name, lacking, limit, why in (
        ("weight", lacking_weight, weight_days, "Needed to verify a weight-based dose before it is given."),
        ("height", lacking_height, height_days, height_why)) if lacking]
    what = " and ".join(name for name, _, _ in missing)
    affected = needs if lacking_weight else bsa_needs
    found = " ".join(_found(record, context, name, facts[f"latest_{name}"], limit) for name, limit, _ in missing)
    actions = [measure_today(context, name, why, priority="asap") for name, _, why in missing]
    labels = list(dict.fromkeys(n.order.label for n in affected))
    names = labels[0][:60] + (f" and {len(labels) - 1} more" if len(labels) > 1 else "")
    return Fired(
        severity="warning",
        summary=f"Measure {what} today: none current to dose {names}",
        detail=DETAIL.format(
            what=what, found=found, drafts="; ".join(f"{n.order.label} — {n.why}" for n in affected),
            bsa_note=" or per m² of body-surface area" if bsa_needs else "", weight_days=weight_days,
            height_clause=f" (or a height older than {height_days} days for BSA)" if bsa_needs else "",
            caps=_fallback_caps(context, paediatric)),
        facts=facts,
        about=[n.order for n in affected],
        suggestions=[Suggestion(f"Nursing: measure {what} today", actions, is_recommended=True)],
    )


def _found(record: PatientRecord, context: HookContext, name: str, latest: object, limit: int) -> str:
    """What is on file instead of a current ``name``: none, only one that cannot be read or is implausible, or one too
    old (with a newer one that cannot be read, ``latest`` says so)."""
    implausible = implausible_weight(record, context) if name == "weight" else None
    if implausible and (weight := latest_weight(record)) is not None:
        return f"The latest weight, {weight.describe('kg')}, is {implausible}."
    if latest is None:
        unread = unread_newer(record, name, UNITS[name])
        return f"The latest {name}, {unread}, cannot be read as a {name}." if unread else f"No {name} is on file."
    return f"The latest {name} is {latest}; it must be at most {limit} days old."


def _fallback_caps(context: HookContext, paediatric: bool) -> str:
    """The absolute caps checked with no dosing weight, those for a child (R32) or an adult (R06), and IV
    methylprednisolone's at any age (R07), as the checks' parameters set them."""
    ivmp_g = context.thresholds.of_rule(IVMP_PULSE_CAP)["max_mg_day"] / 1000
    if paediatric:
        child = context.thresholds.of_rule(CHILD_DOSE_CHECK)
        return (f"prednis(ol)one {child['steroid_max_mg_day']:g} mg/day and methotrexate {child['mtx_max_mg_week']:g} "
                f"mg/week for a child, IV methylprednisolone {ivmp_g:g} g/day")
    adult = context.thresholds.of_rule(ADULT_PREDNISONE_CHECK)
    return f"prednisone {adult['max_mg_day']:g} mg/day in adults, IV methylprednisolone {ivmp_g:g} g/day"
