"""A child's suggested orders worked out from body size, built in one place for every rule that offers them, so that
the dose, its rounding, the product and the order's words cannot drift apart between rules: weekly SC methotrexate
by body-surface area (R05, R32) and the IV methylprednisolone pulse by weight (R07, R19, R31). The 3-day pulse
order itself (text, timing, note) is the same for adults (R07, R19, R31), whose fixed doses need no rounding."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions.dose_basis import mg
from hooks.definitions.weight import Measure, dosing_bsa, dosing_height, dosing_weight
from hooks.dosing import (
    CHILD_FINER_STEPS_MG,
    METHOTREXATE_INJECTION,
    MTX_SYRINGE_STEP_MG,
    PULSE_STEP_MG,
    RoundedDose,
    product_for,
    rounded_dose,
)
from hooks.record import WEEKDAY_NAMES, PatientRecord

PULSE_DAYS = 3
# Methylprednisolone sodium succinate for injection (the IV form): the single-dose vials the value sets code. Never
# the strength-free "methylprednisolone Injection" or "Injectable Product", which also take in the acetate
# suspension (Depo-Medrol) that is never given IV.
PULSE_VIALS_MG = (40.0, 125.0, 500.0, 1000.0)


@dataclass(frozen=True, slots=True)
class ChildOrder:
    """A child's suggested order: the dose with how it was rounded, the order's text and the MedicationRequest."""

    dose: RoundedDose
    resource: dict[str, Any]

    @property
    def text(self) -> str:
        """The order's own text (its dosage instruction's), for an action's description."""
        text: str = self.resource["dosageInstruction"][0]["text"]
        return text


def pulse_product(dose_mg: float) -> str:
    """The product a dose of IV methylprednisolone is ordered as: the smallest vial that holds it (1 g for an
    adult's 1 g, the 500 mg vial for a child's 420 mg); the dose itself is the order's doseQuantity and text."""
    vial = next((v for v in PULSE_VIALS_MG if dose_mg <= v + 1e-6), PULSE_VIALS_MG[-1])
    return f"methylprednisolone {vial:g} MG Injection"


def oral_after_pulse(child: bool) -> str:
    """The oral glucocorticoid to go on with after an IV methylprednisolone pulse, one name for the pulse's order
    note and every card that advises it, so that they cannot differ: prednisolone for a child, the one R19, R31 and
    R32 dose and order for a child; prednisone for an adult."""
    return "prednisolone" if child else "prednisone"


def pulse_order(context: HookContext, dose_mg: float, oral: str, basis: str = "") -> dict[str, Any]:
    """The 3-day IV methylprednisolone pulse as R07, R19 and R31 suggest it, for an adult's fixed dose or a child's
    weight-based one (``basis``: how it was worked out), followed by oral ``oral`` (:func:`oral_after_pulse`)."""
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "glucocorticoid_systemic", pulse_product(dose_mg)),
        dose_mg, "mg",
        text=f"Methylprednisolone {mg(dose_mg)} IV over at least 60 minutes once daily for {PULSE_DAYS} days",
        route="iv", duration_days=PULSE_DAYS, count=PULSE_DAYS,
        note=(f"{basis}. " if basis else "") + f"Infuse over at least 60 minutes; then oral {oral}. Consider a "
                                                "proton-pump inhibitor.")


def child_pulse(context: HookContext, per_kg: float, cap_mg: float, weight: Measure) -> ChildOrder:
    """A child's pulse, ``per_kg`` mg/kg/day (at most ``cap_mg``): rounded down, as the per-kg figure is a maximum
    (R07 checks it), to 10 mg where that takes off at most a tenth of the dose, else to 1 mg, else to 0.1 mg."""
    dose = rounded_dose(per_kg * weight.value, PULSE_STEP_MG, cap_mg, round_down=True,
                        finer_steps=CHILD_FINER_STEPS_MG)
    resource = pulse_order(context, dose.mg, oral_after_pulse(child=True),
                           f"{per_kg:g} mg/kg/day (maximum {mg(cap_mg)}) x {weight.describe('kg')}: {dose.how}")
    return ChildOrder(dose, resource)


def child_weekly_methotrexate(record: PatientRecord, context: HookContext, per_m2: float, cap_mg: float,
                              day: str, limit_mg_per_m2: float | None) -> ChildOrder | None:
    """A child's methotrexate ``per_m2`` mg/m2 (at most ``cap_mg``, and at most ``limit_mg_per_m2``, the most R32
    allows) SC once weekly on ``day`` (a FHIR weekday code), by Mosteller BSA; None without a current weight and
    height.

    The dose goes to the nearest 2.5 mg (the prefilled syringes' sizes) where that moves it by at most a tenth, as
    every child's dose is rounded (``CHILD_FINER_STEPS_MG``), else to whole mg, else to what the 25 mg/mL solution
    measures (0.25 mg). Nearest, not down: 15 mg/m2 is the start of SHARE's 15-20 mg/m2 range, not a maximum; the
    limit keeps a site's higher figure from rounding past R32's check."""
    weight, height, bsa = dosing_weight(record, context), dosing_height(record, context), dosing_bsa(record, context)
    if weight is None or height is None or bsa is None:
        return None
    if limit_mg_per_m2 is not None:
        cap_mg = min(cap_mg, limit_mg_per_m2 * bsa)
    dose = rounded_dose(per_m2 * bsa, MTX_SYRINGE_STEP_MG, cap_mg, finer_steps=CHILD_FINER_STEPS_MG,
                        finest=METHOTREXATE_INJECTION.finest_mg)
    product = product_for(METHOTREXATE_INJECTION, dose.mg)
    text = f"Methotrexate {dose.mg:g} mg ({product.amount}) SC ONCE WEEKLY on {WEEKDAY_NAMES[day]}s only"
    resource = orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, product), dose.mg, "mg", text=text,
        route="sc", frequency=1, period=1, period_unit="wk", day_of_week=day,
        note=f"{per_m2:g} mg/m2 x BSA {bsa:.2f} m2 (Mosteller: {height.describe('cm')}, {weight.describe('kg')}), "
             f"{dose.how}. Once weekly, never daily; folic acid 1 mg daily alongside.")
    return ChildOrder(dose, resource)
