"""Steroid-sparing agents and PJP prophylaxis (section 4.2)."""

from __future__ import annotations

from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions.cohorts import given_since, last_given
from hooks.record import MedicationOrder, PatientRecord

STEROID_SPARING = ("methotrexate", "azathioprine", "mycophenolate", "ivig", "rituximab", "tacrolimus",
                   "cyclosporine", "cyclophosphamide")
PJP_PROPHYLAXIS = ("tmp_smx", "pjp_alternative")


def steroid_sparing_since(record: PatientRecord, since: date) -> list[MedicationOrder]:
    """Steroid-sparing agents active, given or ordered on or after ``since``."""
    return given_since(record, *STEROID_SPARING, since=since)


def pjp_prophylaxis(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """Active TMP/SMX, atovaquone, dapsone or pentamidine, or one given within the last 4 weeks."""
    since = record.today - timedelta(days=int(context.definition("pjp_prophylaxis_window_days")))
    return [m for m in record.medications_in(*PJP_PROPHYLAXIS)
            if m.medication.concept_in("tmp_smx") != "trimethoprim"  # trimethoprim alone does not cover PJP
            and (last := last_given(m, record.today)) is not None and last >= since]
