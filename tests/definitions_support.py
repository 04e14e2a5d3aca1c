"""Build a record and a hook context straight from a fixture Chart, for tests of the shared definitions."""

from __future__ import annotations

from hooks.context import HookContext
from hooks.engine import read_drafts
from hooks.knowledge import Knowledge
from hooks.record import PatientRecord, build_record


def record_and_context(kb: Knowledge, chart, hook: str = "patient-view") -> tuple[PatientRecord, HookContext]:
    """The chart's record, and a context for ``hook`` (with the chart's draft orders for order-sign)."""
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    drafts = read_drafts(chart.request(hook)["context"], kb, []) if hook == "order-sign" else []
    context = HookContext(hook=hook, today=chart.today, patient_id=chart.patient_id, draft_orders=drafts,
                          thresholds=kb.thresholds, valuesets=kb.valuesets)
    return record, context
