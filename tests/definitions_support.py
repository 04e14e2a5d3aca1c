"""Build a record and a hook context straight from a fixture Chart, for tests of the shared definitions."""

from __future__ import annotations

from hooks.context import HookContext
from hooks.knowledge import Knowledge
from hooks.record import PatientRecord, build_record


def record_and_context(kb: Knowledge, chart, hook: str = "patient-view") -> tuple[PatientRecord, HookContext]:
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    context = HookContext(hook=hook, today=chart.today, patient_id=chart.patient_id, thresholds=kb.thresholds,
                          valuesets=kb.valuesets)
    return record, context
