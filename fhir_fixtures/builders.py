"""Builders for synthetic FHIR R4 charts and CDS Hooks requests, with dates relative to "today".

A fixture reads like the chart it stands for::

    chart = Chart(today, age=54, sex="female")
    chart.condition(IMNM_SNOMED, onset=-60)
    chart.antibody("anti_hmgcr", "positive", day=-55)
    chart.ck(4200, day=-58).ck(900, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-50)
    request = chart.request("patient-view")
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
CVX = "http://hl7.org/fhir/sid/cvx"
UCUM = "http://unitsofmeasure.org"

# Codes used by the fixtures (all from the project's value-set files).
IMNM_SNOMED = (SNOMED, "715863001", "Autoimmune necrotizing myopathy")
CHRONIC_HBV = (SNOMED, "61977001", "Chronic type B viral hepatitis (disorder)")
IBM_ICD = (ICD10, "G72.41", "Inclusion body myositis [IBM]")
NEC_FASCIITIS_ICD = (ICD10, "M72.6", "Necrotizing fasciitis")
DERMATOMYOSITIS_ICD = (ICD10, "M33.90", "Dermatopolymyositis, unspecified, organ involvement unspecified")
CK = (LOINC, "2157-6", "Creatine kinase [Enzymatic activity/volume] in Serum or Plasma")
ANTI_HMGCR = (LOINC, "93493-5", "HMGCR Ab")
ANTI_SRP = (LOINC, "33921-8", "SRP Ab")
WEIGHT = (LOINC, "29463-7", "Body weight")
TEMPERATURE = (LOINC, "8310-5", "Body temperature")
WBC = (LOINC, "6690-2", "Leukocytes [#/volume] in Blood by Automated count")
HEIGHT = (LOINC, "8302-2", "Body height")
HBSAG = (LOINC, "5196-1", "Hepatitis B virus surface Ag [Presence] in Serum")
ANTI_HBC = (LOINC, "16933-4", "Hepatitis B virus core Ab [Presence] in Serum")
HBV_DNA = (LOINC, "42595-9", "Hepatitis B DNA")
ENTECAVIR = "entecavir 0.5 MG Oral Tablet"  # no sourced RxNorm code: by name
LYMPHOCYTES = (LOINC, "731-0", "Lymphocytes [#/volume] in Blood by Automated count")
EGFR = (LOINC, "98979-8", "eGFR (CKD-EPI 2021)")
PREDNISONE_20 = (RXNORM, "312615", "prednisone 20 MG Oral Tablet")
PREDNISONE_5 = (RXNORM, "312617", "prednisone 5 MG Oral Tablet")
METHYLPRED_1000 = (RXNORM, "1743726", "methylprednisolone 1000 MG Injection")
METHOTREXATE_2_5 = (RXNORM, "105585", "methotrexate 2.5 MG Oral Tablet")
ATORVASTATIN_40 = (RXNORM, "617311", "atorvastatin 40 MG Oral Tablet")
TMP_SMX_DS = (RXNORM, "198335", "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet")
TMP_SMX_SS = (RXNORM, "198334", "sulfamethoxazole 400 MG / trimethoprim 80 MG Oral Tablet")
RITUXIMAB = (RXNORM, "1157967", "rituximab Injectable Product")
IVIG_CVX = (CVX, "87", "immune globulin, intravenous")
AZATHIOPRINE_50 = (RXNORM, "105611", "Azathioprine 50 MG Oral Tablet [Imuran]")
MMR_CVX = (CVX, "03", "measles, mumps and rubella virus vaccine")

ROUTE_ORAL = {"coding": [{"system": SNOMED, "code": "26643006", "display": "Oral route"}]}
ROUTE_IV = {"coding": [{"system": SNOMED, "code": "47625008", "display": "Intravenous route"}]}
ROUTE_SC = {"coding": [{"system": SNOMED, "code": "34206005", "display": "Subcutaneous route"}]}

Code = tuple[str, str, str]
_ids = itertools.count(1)


def concept(code: Code | str) -> dict[str, Any]:
    if isinstance(code, str):
        return {"text": code}
    system, value, display = code
    return {"coding": [{"system": system, "code": value, "display": display}], "text": display}


@dataclass
class Chart:
    """A patient's chart under construction; ``day`` arguments are days relative to today (-30 = D-30)."""

    today: date
    age: int | None = 55  # None: no birth date on file (unless ``birth_date`` gives one)
    sex: str = "female"
    patient_id: str = "imnm-demo"
    birth_date: str | None = None  # as sent ('2008', '2008-11'), in place of one worked out from ``age``
    resources: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {
        "conditions": [], "observations": [], "medications": [], "immunizations": [], "procedures": []})
    drafts: list[dict[str, Any]] = field(default_factory=list)

    # -- dates
    def at(self, day: int) -> str:
        return (self.today + timedelta(days=day)).isoformat()

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(_ids)}"

    @property
    def patient(self) -> dict[str, Any]:
        patient = {"resourceType": "Patient", "id": self.patient_id, "gender": self.sex}
        if self.birth_date:
            patient["birthDate"] = self.birth_date
        elif self.age is not None:
            born = date(self.today.year - self.age, self.today.month, min(self.today.day, 28)) - timedelta(days=30)
            patient["birthDate"] = born.isoformat()
        return patient

    # -- conditions
    def condition(self, code: Code | str, onset: int | None = -30, status: str = "active",
                  verification: str = "confirmed") -> Chart:
        resource: dict[str, Any] = {
            "resourceType": "Condition", "id": self._id("cond"),
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]},
            "code": concept(code), "subject": {"reference": f"Patient/{self.patient_id}"}}
        if onset is not None:
            resource["onsetDateTime"] = self.at(onset)
        self.resources["conditions"].append(resource)
        return self

    # -- observations
    def observation(self, code: Code | str, day: int, *, value: float | None = None, unit: str | None = None,
                    high: float | None = None, low: float | None = None, interpretation: str | None = None,
                    value_string: str | None = None, value_code: Code | None = None,
                    date_field: str = "effectiveDateTime", comparator: str | None = None,
                    range_unit: str | None = None) -> Chart:
        """One result; ``range_unit`` is its reference range's unit where the lab sends one unlike the value's."""
        resource: dict[str, Any] = {"resourceType": "Observation", "id": self._id("obs"), "status": "final",
                                    "code": concept(code), "subject": {"reference": f"Patient/{self.patient_id}"}}
        if date_field == "effectivePeriod":
            resource["effectivePeriod"] = {"start": self.at(day)}
        else:
            resource[date_field] = self.at(day) + ("T09:00:00Z" if date_field == "issued" else "")
        if value is not None:
            resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
            if comparator is not None:
                resource["valueQuantity"]["comparator"] = comparator
        if value_string is not None:
            resource["valueString"] = value_string
        if value_code is not None:
            resource["valueCodeableConcept"] = concept(value_code)
        if interpretation is not None:
            resource["interpretation"] = [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                "code": interpretation}]}]
        if high is not None or low is not None:
            limits: dict[str, Any] = {}
            limit_unit = range_unit or unit
            if low is not None:
                limits["low"] = {"value": low, "unit": limit_unit, "system": UCUM, "code": limit_unit}
            if high is not None:
                limits["high"] = {"value": high, "unit": limit_unit, "system": UCUM, "code": limit_unit}
            resource["referenceRange"] = [limits]
        self.resources["observations"].append(resource)
        return self

    def without_observations(self, *codes: str) -> Chart:
        """Drop the observations coded with any of ``codes`` (e.g. a fixture's weight, to test a chart without)."""
        self.resources["observations"] = [o for o in self.resources["observations"]
                                          if o["code"].get("coding", [{}])[0].get("code") not in codes]
        return self

    def ck(self, value: float, day: int, uln: float | None = 200, unit: str = "U/L") -> Chart:
        return self.observation(CK, day, value=value, unit=unit, high=uln)

    def temperature(self, celsius: float, day: int = -1) -> Chart:
        """A body temperature: an infection marker for free-text 'necrotizing myositis' (NSTI)."""
        return self.observation(TEMPERATURE, day, value=celsius, unit="Cel")

    def weight(self, kg: float, day: int = -2, unit: str = "kg") -> Chart:
        return self.observation(WEIGHT, day, value=kg, unit=unit)

    def height(self, cm: float, day: int = -30, unit: str = "cm") -> Chart:
        return self.observation(HEIGHT, day, value=cm, unit=unit)

    def antibody(self, group: str, result: str, day: int = -60, form: str = "interpretation") -> Chart:
        """``result`` 'positive'/'negative' expressed as ``form``: interpretation, coded, string or quantity."""
        code = ANTI_HMGCR if group == "anti_hmgcr" else ANTI_SRP
        positive = result == "positive"
        if form == "interpretation":
            return self.observation(code, day, interpretation="POS" if positive else "NEG")
        if form == "coded":
            value = (SNOMED, "10828004", "Positive") if positive else (SNOMED, "260385009", "Negative")
            return self.observation(code, day, value_code=value)
        if form == "string":
            return self.observation(code, day, value_string="Detected" if positive else "Not detected")
        return self.observation(code, day, value=80 if positive else 5, unit="[arb'U]/mL", high=20)

    def hbv_markers(self, hbsag: str, anti_hbc: str, day: int = -20) -> Chart:
        """HBsAg and anti-HBc resulted on ``day``, each read by its interpretation ('POS' or 'NEG')."""
        return self.observation(HBSAG, day, interpretation=hbsag).observation(ANTI_HBC, day, interpretation=anti_hbc)

    def lab(self, code: Code | str, value: float, unit: str, day: int = -5, **kwargs: Any) -> Chart:
        return self.observation(code, day, value=value, unit=unit, **kwargs)

    # -- medications
    def medication_request(self, code: Code | str, dose: float | None, unit: str | None, *, start: int | None,
                           end: int | None = None, status: str = "active", frequency: int = 1,
                           period: float = 1, period_unit: str = "d", day_of_week: list[str] | None = None,
                           route: dict[str, Any] | None = None, timing_code: str | None = None,
                           text: str | None = None, reason: Code | None = None, resource_id: str | None = None,
                           intent: str = "order", authored: int | None = None, count: int | None = None,
                           time_of_day: list[str] | None = None, frequency_max: int | None = None
                           ) -> dict[str, Any]:
        dosage: dict[str, Any] = {}
        if text:
            dosage["text"] = text
        if timing_code:
            dosage["timing"] = {"code": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": timing_code}]}}
        else:
            repeat: dict[str, Any] = {"frequency": frequency, "period": period, "periodUnit": period_unit}
            if frequency_max is not None:
                repeat["frequencyMax"] = frequency_max
            if day_of_week:
                repeat["dayOfWeek"] = day_of_week
            if count is not None:
                repeat["count"] = count
            if time_of_day:
                repeat["timeOfDay"] = time_of_day
            bounds = {key: self.at(day) for key, day in (("start", start), ("end", end)) if day is not None}
            if bounds:
                repeat["boundsPeriod"] = bounds
            dosage["timing"] = {"repeat": repeat}
        if route:
            dosage["route"] = route
        if dose is not None:
            dosage["doseAndRate"] = [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest", "id": resource_id or self._id("med"), "status": status,
            "intent": intent, "medicationCodeableConcept": concept(code),
            "subject": {"reference": f"Patient/{self.patient_id}"}, "dosageInstruction": [dosage]}
        authored_day = authored if authored is not None else start
        if authored_day is not None:
            resource["authoredOn"] = self.at(authored_day)
        if reason is not None:
            resource["reasonCode"] = [concept(reason)]
        return resource

    def medication(self, code: Code | str, dose: float | None, unit: str | None, **kwargs: Any) -> Chart:
        self.resources["medications"].append(self.medication_request(code, dose, unit, **kwargs))
        return self

    def maintenance_ivig(self, last_cycle: int) -> Chart:
        """Five IVIG cycles spaced out from 4 to 8 to 12 weeks (84 days), the last on ``last_cycle``, each its own
        completed order (1 g/kg a day for 2 days), as charts that order every maintenance cycle separately show
        them."""
        return self.ivig_cycles(*((start, 1, 2) for start in (last_cycle - 252, last_cycle - 224, last_cycle - 168,
                                                              last_cycle - 84, last_cycle)))

    def ivig_cycles(self, *cycles: tuple[int, float, int]) -> Chart:
        """IVIG cycles charted one completed order per cycle: (first day, g/kg a day, days)."""
        for start, g_per_kg, days in cycles:
            self.medication(IVIG_CVX, g_per_kg, "g/kg", start=start, end=start + days - 1, status="completed",
                            route=ROUTE_IV)
        return self

    def taper_order(self, code: Code | str, steps: list[tuple[float, int | None]], unit: str = "mg", *,
                    start: int, status: str = "active") -> Chart:
        """One order whose numbered instructions run one after another: ``steps`` are (daily dose, days), and a
        last step of None days runs until the order ends (how EHRs often write a glucocorticoid taper)."""
        resource = self.medication_request(code, None, None, start=start, status=status)
        resource["dosageInstruction"] = []
        for number, (dose, days) in enumerate(steps, 1):
            repeat: dict[str, Any] = {"frequency": 1, "period": 1, "periodUnit": "d"}
            if days is not None:
                repeat["boundsDuration"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
            resource["dosageInstruction"].append({
                "sequence": number, "text": f"{dose:g} {unit} daily" + (f" for {days} days" if days else ""),
                "timing": {"repeat": repeat},
                "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]})
        self.resources["medications"].append(resource)
        return self

    def draft(self, code: Code | str, dose: float | None, unit: str | None, **kwargs: Any) -> Chart:
        kwargs.setdefault("start", 0)
        kwargs.setdefault("status", "draft")
        kwargs.setdefault("intent", "proposal")
        self.drafts.append(self.medication_request(code, dose, unit, **kwargs))
        return self

    def given_with(self, **changes: Any) -> Chart:
        """Give the last draft a second dosage instruction, given together with its first: a copy of the first
        with ``changes`` (e.g. ``text=`` or ``doseAndRate=``)."""
        instructions = self.drafts[-1]["dosageInstruction"]
        instructions.append({**instructions[0], **changes})
        return self

    def replacing(self, resource_id: str) -> Chart:
        """Name the chart's MedicationRequest ``resource_id`` as the last draft's priorPrescription (the draft replaces
        it: a renewal or a dose change)."""
        self.drafts[-1]["priorPrescription"] = {"reference": f"MedicationRequest/{resource_id}"}
        return self

    def draft_resource(self, resource: dict[str, Any]) -> Chart:
        self.drafts.append(resource)
        return self

    # -- immunizations and procedures
    def immunization(self, code: Code, day: int, status: str = "completed", *, dose: float | None = None) -> Chart:
        """One Immunization; ``dose`` sets its doseQuantity in grams (IVIG charted as an Immunization carries its
        dose there)."""
        resource: dict[str, Any] = {
            "resourceType": "Immunization", "id": self._id("imm"), "status": status, "vaccineCode": concept(code),
            "patient": {"reference": f"Patient/{self.patient_id}"}, "occurrenceDateTime": self.at(day)}
        if dose is not None:
            resource["doseQuantity"] = {"value": dose, "unit": "g", "system": UCUM, "code": "g"}
        self.resources["immunizations"].append(resource)
        return self

    def procedure(self, code: Code | str, day: int, status: str = "completed") -> Chart:
        self.resources["procedures"].append({
            "resourceType": "Procedure", "id": self._id("proc"), "status": status, "code": concept(code),
            "subject": {"reference": f"Patient/{self.patient_id}"}, "performedDateTime": self.at(day)})
        return self

    # -- the request
    def prefetch(self) -> dict[str, Any]:
        out: dict[str, Any] = {"patient": self.patient}
        for key, items in self.resources.items():
            out[key] = {"resourceType": "Bundle", "type": "searchset", "total": len(items),
                        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, r['id'])}",
                                   "resource": r} for r in items]}
        return out

    def request(self, hook: str = "patient-view") -> dict[str, Any]:
        context: dict[str, Any] = {"userId": "Practitioner/neuro-1", "patientId": self.patient_id,
                                   "encounterId": "enc-1"}
        if hook == "order-sign":
            context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                      "entry": [{"resource": r} for r in self.drafts]}
        return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, "prefetch": self.prefetch()}
