"""Dosing weight and height (section 4.2): recent enough to dose from, or not used at all."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from hooks import orders
from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.dosing import adjusted_body_weight, mosteller_bsa
from hooks.record import PatientRecord, measured, per_record, unread_newer
from hooks.rule import Action
from hooks.units import convert

# Body weight and body height, for the nursing order to measure them (:func:`measure_today`)
_MEASURE_LOINC = {"weight": "29463-7", "height": "8302-2"}

# The rule whose parameters bound a plausible weight (:func:`implausible_weight`): R33, which asks for a new one
DOSING_WEIGHT_RULE = "dosing-weight-missing"


@dataclass(frozen=True, slots=True)
class Measure:
    value: float
    day: date
    converted_from: str | None = None  # the result as reported, when its unit is not the one asked for ('154 [lb_av]')

    def describe(self, unit: str) -> str:
        return f"{self.value:g} {unit} on {self.day.isoformat()}"


def _measures(record: PatientRecord, group: str, canonical: str) -> Iterator[Measure]:
    """The readable measurements of ``group`` in ``canonical`` units, newest first."""
    for observation in reversed(record.observations_in(group)):
        value = measured(observation, group, canonical)
        if observation.when is not None and value is not None:
            given = observation.quantity
            converted = observation.value_label if given is not None and given.value != value else None
            yield Measure(round(value, 2), observation.when, converted)


@per_record
def _latest_measure(record: PatientRecord, group: str, canonical: str) -> Measure | None:
    """The newest readable measurement: read once per call, as the dosing weight, the card texts and the warnings
    all ask for it."""
    return next(_measures(record, group, canonical), None)


def measure_today(context: HookContext, name: str, note: str, priority: str = "routine") -> Action:
    """The nursing order to measure the body ``name`` ('weight' or 'height') today, with why in its ``note``."""
    return Action("create", f"Measure body {name} today", resource=orders.service_request(
        context.patient_id, orders.lab_concept(context.valuesets, name, _MEASURE_LOINC[name],
                                               text=f"Measure body {name} today (nursing)"),
        priority=priority, note=note))


def why_not_current(record: PatientRecord, context: HookContext, name: str, unit: str) -> str:
    """Why there is no dosing weight (``name`` 'weight') or height, asked once :func:`dosing_weight` or
    :func:`dosing_height` found none, for card text: '(latest 70 kg on ..., too old)', '(the latest weight, 7 kg on
    ..., is implausible for an adult (...): re-weigh)'."""
    unread = unread_newer(record, name, unit)
    if unread is not None:
        return f" (the latest {name}, {unread}, cannot be read as a {name} in {unit})"
    latest = _latest_measure(record, name, unit)
    implausible = implausible_weight(record, context) if name == "weight" else None
    if latest is not None and implausible:
        return f" (the latest weight, {latest.describe(unit)}, is {implausible})"
    return f" (latest {latest.describe(unit)}, too old)" if latest else " on file"


_MEASURES = (("weight", "kg"), ("height", "cm"))  # each with the unit doses read it in


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes (contract section 3): the latest weight or height (the one doses are
    computed from) was given in another unit and converted, a newer one could not be read, or the latest weight
    cannot be the patient's (:func:`implausible_weight`). A weight missing where
    a dose needs one is said on the card that needed it (R33, and each dosing rule's text)."""
    notes = [f"The latest {group}, {latest.converted_from} on {latest.day}, was converted to {latest.value:g} "
             f"{canonical}." for group, canonical in _MEASURES
             if (latest := _latest_measure(record, group, canonical)) is not None and latest.converted_from]
    notes += [f"The latest {group}, {unread}, could not be read as a {group} in {canonical}: nothing is computed "
              f"from an older one." for group, canonical in _MEASURES
              if (unread := unread_newer(record, group, canonical)) is not None]
    if (implausible := implausible_weight(record, context)) and (latest := latest_weight(record)) is not None:
        notes.append(f"The latest weight, {latest.describe('kg')}, is {implausible}; nothing is computed from it "
                     "or from an older one.")
    return notes


def latest_weight(record: PatientRecord) -> Measure | None:
    """The most recent body weight in kg, however old (for messages; dosing uses :func:`dosing_weight`)."""
    return _latest_measure(record, "weight", "kg")


def weight_near(record: PatientRecord, day: date) -> Measure | None:
    """The body weight measured nearest to ``day``, before or after it (the newer on a tie; of one day's, the last
    recorded): to judge a past course in mg/kg, never to dose from. T_tx asks it for every dose step of a long
    taper: the weights are read once per call and searched by day."""
    days, weights = _weights_by_day(record)
    first_after = bisect_left(days, day.toordinal())
    # the nearest on or after ``day`` and the nearest before it, each the last recorded of its day; the newer first,
    # so that it wins a tie
    nearest = [bisect_right(days, days[first_after]) - 1] if first_after < len(days) else []
    nearest += [first_after - 1] if first_after > 0 else []
    return min((weights[i] for i in nearest), key=lambda m: abs((m.day - day).days), default=None)


@per_record
def _weights_by_day(record: PatientRecord) -> tuple[list[int], list[Measure]]:
    """Every readable weight, oldest first (of one day's, in the order recorded), and their days as ordinals."""
    weights = list(reversed(list(_measures(record, "weight", "kg"))))
    return [m.day.toordinal() for m in weights], weights


def latest_height(record: PatientRecord) -> Measure | None:
    return _latest_measure(record, "height", "cm")


def _max_age_days(record: PatientRecord, context: HookContext, name: str) -> int:
    suffix = "_paediatric" if is_paediatric(record, context) else ""
    return int(context.definition(f"{name}_max_age_days{suffix}"))


def weight_max_age_days(record: PatientRecord, context: HookContext) -> int:
    """How old, in days, the weight doses are computed from may be for this patient: 30, or 7 for a child (section
    4.2). Cards that say a weight is missing state this window, the one :func:`dosing_weight` applies."""
    return _max_age_days(record, context, "weight")


def height_max_age_days(record: PatientRecord, context: HookContext) -> int:
    """How old, in days, a height for BSA may be for this patient: 365, or 30 for a child (section 4.2)."""
    return _max_age_days(record, context, "height")


def _current(record: PatientRecord, context: HookContext, name: str, unit: str) -> Measure | None:
    """The latest ``name`` at most its window old (:func:`_max_age_days`), and none newer that cannot be read."""
    measure = _latest_measure(record, name, unit)
    if measure is None or (record.today - measure.day).days > _max_age_days(record, context, name) \
            or unread_newer(record, name, unit):
        return None
    return measure


@per_record
def dosing_weight(record: PatientRecord, context: HookContext) -> Measure | None:
    """The weight to dose from: at most :func:`weight_max_age_days` old and plausible for the patient
    (:func:`implausible_weight`), else None."""
    return None if implausible_weight(record, context) else _current(record, context, "weight", "kg")


@per_record
def implausible_weight(record: PatientRecord, context: HookContext) -> str | None:
    """Why the latest weight, readable and current, cannot be the patient's, for card text ('implausible for an adult
    (BMI 2.6 with height 165 cm on ...): re-weigh'); None when it can be, or there is none to dose from. A weight
    typed 7 for 70 kg passes the bounds every weight is read within (record._PLAUSIBLE, 0.3-650 kg: a preterm
    baby's to the heaviest recorded) and would dose an adult tenfold low: it is read against a current height as a
    BMI (not an infant's: a preterm baby's is below any adult floor), and with none, against an adult's floor, by
    R33's parameters. Like a newer weight that cannot be read, it leaves no dosing weight, an older one included
    (the patient may have changed). Worked out once per call: :func:`dosing_weight` and :func:`why_not_current`
    both ask."""
    measure = _current(record, context, "weight", "kg")
    if measure is None:
        return None
    limits = context.thresholds.of_rule(DOSING_WEIGHT_RULE)
    adult = record.youngest_age_years is not None and not is_paediatric(record, context)
    surely_infant = record.age_years is not None and record.age_years < limits["implausible_bmi_from_age_years"]
    height = dosing_height(record, context)
    implausible = None
    if height is not None and not surely_infant:
        bmi = _bmi(measure.value, height.value)
        if not limits["implausible_bmi_below"] <= bmi <= limits["implausible_bmi_above"]:
            who = "an adult" if adult else "a child" if is_paediatric(record, context) else "this patient"
            implausible = (f"implausible for {who} (BMI {bmi:.1f} with height {height.describe('cm')}): re-weigh, "
                           "or re-measure the height if it is the one in error")
    elif adult and measure.value < (floor := limits["implausible_adult_weight_below_kg"]):
        implausible = (f"implausible for an adult (under {floor:g} kg with no current height): re-weigh, and record "
                       "a height to judge it by its BMI")
    return implausible


def dosing_height(record: PatientRecord, context: HookContext) -> Measure | None:
    return _current(record, context, "height", "cm")


def dosing_bsa(record: PatientRecord, context: HookContext) -> float | None:
    """Mosteller body-surface area from a current weight and height, else None."""
    weight, height = dosing_weight(record, context), dosing_height(record, context)
    if weight is None or height is None:
        return None
    return round(mosteller_bsa(height.value, weight.value), 2)


def missing_weight_or_height(record: PatientRecord, context: HookContext) -> str | None:
    """Which of a current weight and height (for a BSA or a BMI) is missing and why, for card text: 'no current
    height on file', 'no current weight (latest 26 kg on ..., too old) and no current height on file'; None when both
    are current. Named one by one: a card that said "no current weight and height" beside a weight from 3 days ago
    was untrue."""
    found = (("weight", "kg", dosing_weight(record, context)), ("height", "cm", dosing_height(record, context)))
    return " and ".join(f"no current {name}{why_not_current(record, context, name, unit)}"
                        for name, unit, measure in found if measure is None) or None


def current_bmi(record: PatientRecord, context: HookContext) -> tuple[float, str] | None:
    """BMI from a current weight and height, else a BMI observation as recent as a dosing weight must be."""
    weight, height = dosing_weight(record, context), dosing_height(record, context)
    if weight is not None and height is not None:
        value = _bmi(weight.value, height.value)
        return value, f"BMI {value:.1f} (weight {weight.describe('kg')}, height {height.describe('cm')})"
    since = record.today - timedelta(days=int(context.definition("weight_max_age_days")))
    for observation in reversed(record.observations_in("bmi", since=since)):
        quantity = observation.quantity
        bmi = convert(quantity.value, quantity.unit or "kg/m2", "kg/m2") if quantity else None
        if bmi is not None and observation.when is not None:
            return bmi, f"BMI {bmi:g} recorded on {observation.when.isoformat()}"
    return None


def _bmi(weight_kg: float, height_cm: float) -> float:
    return weight_kg / (height_cm / 100.0) ** 2


def ivig_dosing_weight(record: PatientRecord, context: HookContext, obesity_bmi: float = 30.0
                       ) -> tuple[float | None, str]:
    """The weight to dose IVIG from: the adjusted body weight when BMI >= 30 (Octagam; local IVIG policy), else
    the current weight; None, with the reason, when there is no current weight or obesity cannot be ruled out."""
    weight = dosing_weight(record, context)
    if weight is None:
        return None, "no current body weight" + why_not_current(record, context, "weight", "kg")
    bmi = current_bmi(record, context)
    if bmi is None:
        return None, f"no current height or BMI, so obesity (BMI >= {obesity_bmi:g}: adjusted body weight) cannot " \
                     "be checked"
    height = dosing_height(record, context)
    # the weight is said once: the BMI beside it names only the height it also comes from
    bmi_said = bmi[1] if height is None else f"BMI {bmi[0]:.1f}, height {height.describe('cm')}"
    if bmi[0] < obesity_bmi:
        return weight.value, f"actual weight {weight.describe('kg')} ({bmi_said})"
    if height is None:
        return None, f"{bmi[1]} needs the adjusted body weight, and there is no current height"
    sex = record.patient.sex if record.patient else None
    adjusted = round(adjusted_body_weight(weight.value, height.value, sex), 1)
    return adjusted, f"adjusted body weight {adjusted:g} kg (actual {weight.describe('kg')}, {bmi_said})"
