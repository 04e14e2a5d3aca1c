"""Gates shared by the escalation rules (R15, R16, R17): time since T_tx and a recent enough CK.

Each returns either the value the rule needs or the early result (Quiet / NotEvaluable) the rule should give,
and records what it found in ``facts`` so every rule explains itself the same way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from hooks.context import HookContext
from hooks.definitions import ck, steroids
from hooks.record import PatientRecord
from hooks.rule import NotEvaluable, Quiet


def treatment_days(record: PatientRecord, context: HookContext,
                   facts: dict[str, Any]) -> tuple[date, int] | Quiet | NotEvaluable:
    """T_tx and the days since it; not evaluable when a glucocorticoid dose could not be read."""
    start = steroids.treatment_start(record, context)
    if start is None:
        unreadable = steroids.history(record, context).unreadable
        if unreadable:
            return NotEvaluable("T_tx unknown: the dose of " + ", ".join(o.label for o in unreadable)
                                + " could not be read", facts)
        return Quiet("no glucocorticoid course at the T_tx threshold (T_tx not reached)", facts)
    t_tx, how = start
    days = (record.today - t_tx).days
    facts.update(t_tx=t_tx, t_tx_found_by=how, days_since_ttx=days)
    return t_tx, days


def recent_ck(record: PatientRecord, context: HookContext, max_age_days: float,
              facts: dict[str, Any]) -> list[ck.CkPoint] | NotEvaluable:
    """The CK series when its latest value is at most ``max_age_days`` old; else R22 asks for a CK."""
    points = ck.series(record, context)
    latest = ck.latest(points)
    facts["latest_ck"] = str(latest) if latest else None
    if latest is None:
        return NotEvaluable("no CK on file (R22 asks for one)", facts)
    if (record.today - latest.day).days > max_age_days:
        return NotEvaluable(f"latest CK is from {latest.day.isoformat()}, more than {max_age_days:g} days ago "
                            "(R22 asks for a CK)", facts)
    return points
