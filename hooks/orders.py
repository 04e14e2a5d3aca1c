"""Suggested orders as valid FHIR R4 resources (built and validated with fhir.resources R4B models).

Codes come from the project's value sets where the terminology pack has them (an RxNorm clinical drug, a
LOINC test); where it has none, the concept is sent as text only rather than with a code typed from memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from hooks.definitions.routes import IM_ROUTE_CODES, IV_ROUTE_CODES, ORAL_ROUTE_CODES, SC_ROUTE_CODES
from hooks.dosing import ProductDose
from hooks.record import LOINC, SNOMED, Concept
from hooks.valuesets import ValueSets

UCUM = "http://unitsofmeasure.org"
_SUBJECT_PLACEHOLDER = {"reference": "Patient/subject"}
_VALIDATED: dict[str, str] = {}  # repr of a resource -> its validated JSON
_VALIDATED_MAX = 4096
ROUTES: dict[str, tuple[str, str]] = {  # the first SNOMED CT code of each route the readers recognise
    "oral": (ORAL_ROUTE_CODES[SNOMED][0], "Oral route"),
    "iv": (IV_ROUTE_CODES[SNOMED][0], "Intravenous route"),
    "sc": (SC_ROUTE_CODES[SNOMED][0], "Subcutaneous route"),
    "im": (IM_ROUTE_CODES[SNOMED][0], "Intramuscular route"),
}


def concept(sets: ValueSets, group: str, display: str) -> dict[str, Any]:
    """A CodeableConcept for ``display``: with its code when a row of ``group`` has exactly that display."""
    found = sets.by_display.get((group, display.lower()))
    if found is None:
        return {"text": display}
    system, code, shown = found
    return {"coding": [{"system": system, "code": code, "display": shown}], "text": display}


def product_concept(sets: ValueSets, product: ProductDose) -> dict[str, Any]:
    """The coded CodeableConcept of the product a suggested dose is given as (:func:`hooks.dosing.product_for`)."""
    return concept(sets, product.group, product.display)


def lab_concept(sets: ValueSets, group: str, loinc: str | None = None, text: str | None = None) -> dict[str, Any]:
    """A LOINC-coded test from an observation group (``loinc`` picks the member; it must be one)."""
    if loinc is not None:
        for info in sets.lookup_code(LOINC, loinc):
            if info.group == group:
                return {"coding": [{"system": LOINC, "code": loinc, "display": info.display}],
                        "text": text or info.display}
        raise KeyError(f"LOINC {loinc} is not in value set {group!r}")
    return {"text": text or group}


def procedure_concept(sets: ValueSets, group: str, code: str, system: str = LOINC,
                      text: str | None = None) -> dict[str, Any]:
    for info in sets.lookup_code(system, code):
        if info.group == group:
            return {"coding": [{"system": system, "code": code, "display": info.display}],
                    "text": text or info.display}
    raise KeyError(f"{system}|{code} is not in value set {group!r}")


def referral_concept(sets: ValueSets, code: str, text: str) -> dict[str, Any]:
    """A referral or consult, coded with its SNOMED CT "Referral to <specialist>" (value set ``referral``)."""
    return procedure_concept(sets, "referral", code, system=SNOMED, text=text)


def _timing(frequency: int, period: float, period_unit: str, day_of_week: str | Sequence[str] | None,
            when: Sequence[str] | None, duration_days: int | None, count: int | None,
            starts: date | None) -> dict[str, Any]:
    if starts is not None and duration_days is not None:
        raise ValueError("timing.repeat has one bounds: a start day or a duration")
    repeat: dict[str, Any] = {"frequency": frequency, "period": period, "periodUnit": period_unit}
    if starts is not None:
        repeat["boundsPeriod"] = {"start": starts.isoformat()}
    if day_of_week:
        repeat["dayOfWeek"] = [day_of_week] if isinstance(day_of_week, str) else list(day_of_week)
    if when:
        repeat["when"] = list(when)
    if duration_days is not None:
        repeat["boundsDuration"] = {"value": duration_days, "unit": "days", "system": UCUM, "code": "d"}
    if count is not None:
        repeat["count"] = count
    return {"repeat": repeat}


def medication_request(patient_id: str | None, medication: dict[str, Any], dose: float | None, unit: str | None,
                       *, text: str, route: str = "oral", frequency: int = 1, period: float = 1,
                       period_unit: str = "d", day_of_week: str | Sequence[str] | None = None,
                       when: Sequence[str] | None = None, duration_days: int | None = None,
                       count: int | None = None, intent: str = "proposal", note: str | None = None,
                       supply_days: int | None = None, starts: date | None = None) -> dict[str, Any]:
    """A draft MedicationRequest with a structured dose (doseAndRate.doseQuantity) and timing.repeat.

    ``route`` is a key of ROUTES (coded in SNOMED CT) or, for a route with no sourced code, its text. ``dose``
    None leaves the dose to the text: only for a weight-based dose that could not be computed. ``starts``: the
    first day (timing.repeat.boundsPeriod.start), for an order that must not begin on signing (oral steroid after a
    pulse)."""
    instruction: dict[str, Any] = {
        "text": text,
        "timing": _timing(frequency, period, period_unit, day_of_week, when, duration_days, count, starts),
        "route": ({"coding": [{"system": SNOMED, "code": ROUTES[route][0], "display": ROUTES[route][1]}]}
                  if route in ROUTES else {"text": route}),
    }
    if dose is not None and unit is not None:
        instruction["doseAndRate"] = [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": intent,
        "medicationCodeableConcept": medication,
        "subject": {"reference": f"Patient/{patient_id or 'unknown'}"},
        "dosageInstruction": [instruction],
    }
    if note:
        resource["note"] = [{"text": note}]
    if supply_days:
        resource["dispenseRequest"] = {"expectedSupplyDuration": {
            "value": supply_days, "unit": "days", "system": UCUM, "code": "d"}}
    return validated(resource)


def infusion_cycles(patient_id: str | None, medication: dict[str, Any], per_day: float, unit: str, *,
                    days: int, every_weeks: int, cycles: int, text: str, note: str | None = None) -> dict[str, Any]:
    """A cyclic IV regimen (IVIG) as the contract reads one: the dose per day in doseQuantity, ``duration`` =
    days of each cycle, ``period`` = the cycle interval, ``maxDosePerPeriod`` = the whole cycle, and
    ``boundsDuration`` = the cycles ordered before reassessment."""
    resource = medication_request(patient_id, medication, per_day, unit, text=text, route="iv", period=every_weeks,
                                  period_unit="wk", duration_days=every_weeks * 7 * cycles, note=note)
    dosage = resource["dosageInstruction"][0]
    dosage["timing"]["repeat"].update(duration=days, durationUnit="d")
    dosage["maxDosePerPeriod"] = {
        "numerator": {"value": per_day * days, "unit": unit, "system": UCUM, "code": unit},
        "denominator": {"value": every_weeks, "unit": "wk", "system": UCUM, "code": "wk"}}
    return validated(resource)


def service_request(patient_id: str | None, code: dict[str, Any], *, note: str | None = None,
                    priority: str = "routine", intent: str = "proposal") -> dict[str, Any]:
    """A draft ServiceRequest (a lab, an imaging study, a referral, a nursing task)."""
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": intent,
        "priority": priority,
        "code": code,
        "subject": {"reference": f"Patient/{patient_id or 'unknown'}"},
    }
    if note:
        resource["note"] = [{"text": note}]
    return validated(resource)


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` validated against its FHIR R4 model (fhir.resources), as plain JSON data.

    The same order is suggested to many patients, so each distinct resource (with the subject set aside) is
    validated once per process and remembered; the patient's own reference is put back afterwards.
    """
    subject = resource.get("subject")
    generic = {**resource, "subject": _SUBJECT_PLACEHOLDER} if subject is not None else resource
    key = repr(generic)  # unambiguous for JSON data, and half the cost of a sorted dump (this runs per suggestion)
    checked = _VALIDATED.get(key)
    if checked is None:
        model = get_fhir_model_class(generic["resourceType"])
        checked = json.dumps(model.model_validate(generic).model_dump(mode="json", exclude_none=True))
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        _VALIDATED[key] = checked
    out: dict[str, Any] = json.loads(checked)
    if subject is not None:
        if not (isinstance(subject, dict) and set(subject) == {"reference"} and isinstance(subject["reference"], str)):
            raise ValueError("subject must be a plain reference")
        out["subject"] = {"reference": subject["reference"]}
    return out


def text_concept(text: str) -> dict[str, Any]:
    return {"text": text}


def concept_of(concept: Concept, text: str) -> dict[str, Any]:
    """A valid CodeableConcept from a concept read off the chart: its codings with a system and a code, trimmed."""
    codings = []
    for coding in concept.codings:
        system, code, display = ((v or "").strip() for v in (coding.system, coding.code, coding.display))
        if system and code:
            codings.append({"system": system, "code": code, **({"display": display} if display else {})})
    return {"coding": codings, "text": text} if codings else {"text": text}

