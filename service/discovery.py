"""The two CDS services this product offers (service-contract.md sections 1 and 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    # a medication sent by reference comes with its order (a rule reads its code and strength)
    "medications": "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication",
    "immunizations": "Immunization?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
}

USAGE = ("Prefetch all six keys (all clinical and verification statuses; full observation and medication "
         "history), or send fhirServer with an fhirAuthorization token allowing read of Patient, Condition, "
         "Observation, MedicationRequest, Immunization and Procedure for the patient.")


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str

    def definition(self) -> dict[str, Any]:
        return {"id": self.id, "hook": self.hook, "title": self.title, "description": self.description,
                "prefetch": dict(PREFETCH), "usageRequirements": USAGE}


SERVICES: dict[str, Service] = {s.id: s for s in (
    Service("imnm-patient-view", "patient-view", "IMNM and inflammatory myopathy chart review",
            "Looks at the whole chart when it is opened: diagnosis work-up, first-line therapy, subtype "
            "escalation, relapse, monitoring, prophylaxis and screening for immune-mediated necrotizing "
            "myopathy and the other inflammatory myopathies."),
    Service("imnm-order-sign", "order-sign", "IMNM and inflammatory myopathy order safety",
            "Looks at the draft orders about to be signed, against the chart: dose and frequency checks, "
            "contraindications, interactions and missing prerequisites for myositis therapy."),
)}
SERVICE_FOR_HOOK: dict[str, str] = {s.hook: s.id for s in SERVICES.values()}
