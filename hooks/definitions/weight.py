"""Dosing weight and height (section 4.2): recent enough to dose from, or not used at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.dosing import mosteller_bsa
from hooks.record import PatientRecord
from hooks.units import convert


@dataclass(frozen=True, slots=True)
class Measure:
    value: float
    day: date

    def describe(self, unit: str) -> str:
        return f"{self.value:g} {unit} on {self.day.isoformat()}"


def _latest_measure(record: PatientRecord, group: str, canonical: str) -> Measure | None:
    for observation in reversed(record.observations_in(group)):
        if observation.when is None or observation.quantity is None:
            continue
        value = convert(observation.quantity.value, observation.quantity.unit, canonical)
        if value is not None and value > 0:
            return Measure(round(value, 2), observation.when)
    return None


def latest_weight(record: PatientRecord) -> Measure | None:
    """The most recent body weight in kg, however old (for messages; dosing uses :func:`dosing_weight`)."""
    return _latest_measure(record, "weight", "kg")


def latest_height(record: PatientRecord) -> Measure | None:
    return _latest_measure(record, "height", "cm")


def dosing_weight(record: PatientRecord, context: HookContext) -> Measure | None:
    """The weight to dose from: at most 30 days old (7 for a child), else None."""
    weight = latest_weight(record)
    key = "weight_max_age_days_paediatric" if is_paediatric(record, context) else "weight_max_age_days"
    if weight is None or (record.today - weight.day).days > context.definition(key):
        return None
    return weight


def dosing_height(record: PatientRecord, context: HookContext) -> Measure | None:
    height = latest_height(record)
    key = "height_max_age_days_paediatric" if is_paediatric(record, context) else "height_max_age_days"
    if height is None or (record.today - height.day).days > context.definition(key):
        return None
    return height


def dosing_bsa(record: PatientRecord, context: HookContext) -> float | None:
    """Mosteller body-surface area from a current weight and height, else None."""
    weight, height = dosing_weight(record, context), dosing_height(record, context)
    if weight is None or height is None:
        return None
    return round(mosteller_bsa(height.value, weight.value), 2)
