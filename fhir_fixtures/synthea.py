"""Real-world-shaped charts: the Synthea R4 patient bundles in ../shared/data/synthea-r4 (or the folder named by
``IMNM_SYNTHEA_DIR``, for a checkout that does not sit next to it), as CDS Hooks requests."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from service.prefetch import from_bundle

SYNTHEA_DIR = Path(os.environ.get("IMNM_SYNTHEA_DIR")
                   or Path(__file__).resolve().parents[1].parent / "shared" / "data" / "synthea-r4")


def bundles(directory: Path = SYNTHEA_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def prefetch_from_bundle(bundle: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Split a patient's transaction Bundle into the service's six prefetch keys."""
    prefetch, patient_id = from_bundle(bundle)
    if patient_id is None:
        raise ValueError("bundle has no Patient")
    return patient_id, prefetch


def request(path: Path, hook: str = "patient-view") -> dict[str, Any]:
    patient_id, prefetch = prefetch_from_bundle(json.loads(path.read_text(encoding="utf-8")))
    context: dict[str, Any] = {"userId": "Practitioner/synthea", "patientId": patient_id}
    if hook == "order-sign":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": []}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, "prefetch": prefetch}
