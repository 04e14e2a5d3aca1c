"""Trimethoprim dose classes (section 4: TMP/SMX): a TMP/SMX or trimethoprim order is *prophylactic*, *treatment* or
*unknown* by its trimethoprim mg/day (or mg/kg/day), with R11's thresholds. R11 grades the interaction with
methotrexate by it; R05 reads it before offering methotrexate beside an active course, and R24 before counting an
ended course as PJP prophylaxis. Also the one sentence on prophylactic TMP/SMX with methotrexate the cards share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from hooks.context import HookContext
from hooks.definitions import immunosuppression, weight
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import last_dose_day, not_over
from hooks.definitions.dose_basis import read_instruction, text_frequency
from hooks.definitions.immunosuppression import is_co_trimoxazole
from hooks.dosing import (
    PER_KG_UNITS,
    concentration_mg_per_ml,
    dose_per_administration,
    mg_per_kg,
    periods_per_day,
    unit_key,
    why_no_rate,
)
from hooks.record import Dosage, MedicationOrder, PatientRecord
from hooks.units import convert

THRESHOLDS_RULE = "mtx-tmp-smx-interaction"  # R11 owns the treatment-dose thresholds (site parameters)

# R24's wording on prophylactic TMP/SMX with methotrexate, shared by the cards that may start one beside the other
PROPHYLACTIC_WITH_METHOTREXATE = (
    "TMP/SMX and methotrexate together can cause severe marrow suppression, but at the prophylactic dose the "
    "combination is acceptable with a CBC at 1-2 and 4 weeks, then monthly; or use atovaquone instead (see R11).")

Regimen = Literal["prophylactic", "treatment", "unknown"]


@dataclass(frozen=True, slots=True)
class TmpDose:
    """Trimethoprim per day from a TMP/SMX or trimethoprim order, and the regimen class it gives."""

    regimen: Regimen
    mg_per_day: float | None
    mg_per_kg_day: float | None
    basis: str


REGIMEN_RANK = {"prophylactic": 0, "unknown": 1, "treatment": 2}  # the worst regimen decides


def _tmp_per_administration(order: MedicationOrder, dosage: Dosage, weight_kg: float | None
                            ) -> tuple[float | None, float | None, str]:
    """(TMP mg, TMP mg/kg, how) for one administration. A plain mg dose of a combination is read as TMP when
    <= 320 mg; 480/960/1920 mg as the whole tablet (1/6 TMP, UK convention); other larger doses as SMX (1/5)."""
    if dosage.dose is None:
        return None, None, "no dose on the order"
    dose = dosage.dose
    unit = unit_key(dose)
    if unit in PER_KG_UNITS:
        per_kg = mg_per_kg(dosage)
        if per_kg is None:
            return None, None, f"{dose} with its {why_no_rate(dosage.timing)}"  # a daily dose not shared out
        return (per_kg * weight_kg if weight_kg else None), per_kg, f"{per_kg:g} mg/kg TMP each time"
    if unit == "ml":
        concentration = concentration_mg_per_ml(order.medication, "trimethoprim")
        if concentration is None:
            return None, None, f"{dose} with no TMP strength per mL on the product"
        mg = dose.value * concentration
        return mg, (mg / weight_kg if weight_kg else None), f"{dose} x {concentration:g} mg/mL TMP"
    plain = convert(dose.value, unit, "mg")
    if plain is not None and is_co_trimoxazole(order):
        if plain <= 320:
            how, mg = f"{plain:g} mg read as TMP", plain
        elif round(plain) % 480 == 0:
            how, mg = f"{plain:g} mg read as the whole TMP/SMX tablet (TMP = 1/6)", plain / 6
        else:
            how, mg = f"{plain:g} mg read as SMX (TMP = 1/5)", plain / 5
        return mg, (mg / weight_kg if weight_kg else None), how
    amount = dose_per_administration(dosage, order.medication, ingredient="trimethoprim")
    if amount is None:
        return None, None, f"dose {dose} could not be converted to mg of trimethoprim"
    return amount.mg, (amount.mg / weight_kg if weight_kg else None), f"{amount.basis} TMP"


def _per_day(dosage: Dosage) -> float | None:
    structured = periods_per_day(dosage.timing)
    if structured is not None:
        return structured
    found = text_frequency(dosage.text or "")
    return found.per_day if found else None


def tmp_dose(order: MedicationOrder, weight_kg: float | None, params: Mapping[str, float], child: bool = False
             ) -> TmpDose:
    """The regimen class of a TMP/SMX or trimethoprim order. A child's regimen is judged per kg: without a current
    weight it is unknown (160 mg a day is prophylactic for an adult and a treatment dose for an 18 kg child).
    Instructions given together (one DS tablet in the morning, one in the evening) add up."""
    if not order.dosages:
        return TmpDose("unknown", None, None, "no dose on the order")
    by_sequence: dict[int | None, list[Dosage]] = {}
    for dosage in order.dosages:
        by_sequence.setdefault(dosage.sequence, []).append(dosage)
    graded = [_tmp_given_together(order, given, weight_kg, params, child) for given in by_sequence.values()]
    return max(graded, key=lambda dose: (REGIMEN_RANK[dose.regimen], dose.mg_per_day or 0, dose.mg_per_kg_day or 0))


def _a_day(amounts: list[float | None], rates: list[float]) -> float | None:
    """Amounts per administration times administrations a day, added up; None when one amount is unknown."""
    if any(amount is None for amount in amounts):
        return None
    return sum(amount * rate for amount, rate in zip(amounts, rates, strict=True) if amount is not None)


def _tmp_given_together(order: MedicationOrder, given: list[Dosage], weight_kg: float | None,
                        params: Mapping[str, float], child: bool) -> TmpDose:
    mgs: list[float | None] = []
    per_kgs: list[float | None] = []
    rates: list[float] = []
    hows: list[str] = []
    for instruction in given:
        # the sig's dose where the order has no structured one ('1 DS tablet twice daily'), or the higher of the two
        # where they disagree, as the dose checks read it
        read = read_instruction(order, instruction, weight_kg)
        if read.problem is not None:
            return TmpDose("unknown", None, None, read.problem)
        dosage = read.dosage
        mg, per_kg, how = _tmp_per_administration(order, dosage, weight_kg)
        per_day = _per_day(dosage)
        if per_day is None or (mg is None and per_kg is None):
            return TmpDose("unknown", None, None, how if (mg is None and per_kg is None) else "no readable frequency")
        mgs.append(mg)
        per_kgs.append(per_kg)
        rates.append(per_day)
        hows.append(how)
    mg_day, per_kg_day, doses_a_day = _a_day(mgs, rates), _a_day(per_kgs, rates), sum(rates)
    combination = is_co_trimoxazole(order)
    threshold = params["treatment_tmp_mg_per_day"] if combination else params["treatment_tmp_alone_mg_per_day"]
    basis = f"{'; '.join(dict.fromkeys(hows))}, {doses_a_day * 7:.3g} doses a week"
    treatment = ((mg_day is not None and mg_day >= threshold)
                 or (per_kg_day is not None and per_kg_day >= params["treatment_tmp_mg_per_kg_day"]))
    if child and not treatment and per_kg_day is None:
        return TmpDose("unknown", mg_day, None, f"{basis}; a child's dose is judged per kg and there is no current "
                                                "weight")
    return TmpDose("treatment" if treatment else "prophylactic", mg_day, per_kg_day, basis)



def chart_regimen(record: PatientRecord, context: HookContext, order: MedicationOrder) -> TmpDose:
    """The regimen class of a TMP/SMX or trimethoprim order as R11 grades it: R11's thresholds, the dosing weight,
    a child judged per kg."""
    dosing = weight.dosing_weight(record, context)
    return tmp_dose(order, dosing.value if dosing else None, context.thresholds.of_rule(THRESHOLDS_RULE),
                    is_paediatric(record, context))


def worst_regimen(graded: Iterable[tuple[MedicationOrder, TmpDose]]) -> tuple[MedicationOrder, TmpDose]:
    """Of orders graded by :func:`chart_regimen` (at least one), the one whose regimen decides: treatment over
    unknown over prophylactic (a prophylactic order must not hide a treatment course beside it)."""
    return max(graded, key=lambda g: REGIMEN_RANK[g[1].regimen])


def pjp_protection(record: PatientRecord, context: HookContext) -> tuple[list[MedicationOrder], list[str]]:
    """PJP prophylaxis on file (immunosuppression.pjp_prophylaxis) less a treatment-dose TMP/SMX course that is over,
    and those courses as a card names them. The 4-week window bridges a late refill of a prophylactic regimen (the
    spec: "any prophylactic regimen"); a finished antibiotic course (a week for a urinary infection) is no
    prophylaxis on file. While it is given, it protects."""
    counted: list[MedicationOrder] = []
    over: list[str] = []
    for order in immunosuppression.pjp_prophylaxis(record, context):
        if (order.in_group("tmp_smx") and not not_over(order, record.today)
                and chart_regimen(record, context, order).regimen == "treatment"):
            last = last_dose_day(order, record.today, err_early=True)
            over.append(f"{order.label} (a treatment-dose course, over"
                        + (f": last given {last.isoformat()})" if last else ")"))
        else:
            counted.append(order)
    return counted, over
