"""Gates shared by the escalation rules (R15, R16, R17): subtype, time since T_tx (R05's gate too), combination
therapy, a recent enough CK and an inadequate response.

Each returns either the value the rule needs or the early result (Quiet / NotEvaluable) the rule should give,
and records what it found in ``facts`` so every rule explains itself the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hooks.context import HookContext
from hooks.definitions import antibodies, ck, cohorts, steroids
from hooks.definitions import treatment_duration as td
from hooks.record import PatientRecord
from hooks.rule import NotEvaluable, Quiet


def treatment_days(record: PatientRecord, context: HookContext,
                   facts: dict[str, Any]) -> tuple[date, int] | Quiet | NotEvaluable:
    """T_tx and the days since it; not evaluable when an earlier course may be T_tx (its dose, or the weight to judge
    it by, cannot be read)."""
    start = steroids.treatment_start(record, context)
    facts["t_tx"] = None
    if unknown := steroids.why_treatment_start_unknown(record, context):
        facts["t_tx_unknown"] = unknown
        return NotEvaluable(unknown, facts)
    if start is None:
        return Quiet("no glucocorticoid course at the T_tx threshold (T_tx not reached)", facts)
    t_tx, how = start
    days = (record.today - t_tx).days
    facts.update(t_tx=t_tx, t_tx_found_by=how, days_since_ttx=days)
    return t_tx, days


def recent_ck(record: PatientRecord, context: HookContext, max_age_days: float,
              facts: dict[str, Any]) -> list[ck.CkPoint] | NotEvaluable:
    """The CK series when its latest value is at most ``max_age_days`` old; else not evaluable until a current CK
    is resulted (R22 asks for one only once its own monitoring interval has passed)."""
    points = ck.series(record, context)
    latest = ck.latest(points)
    facts["latest_ck"] = str(latest) if latest else None
    if unread := ck.newest_unreadable(record):
        return NotEvaluable(unread, facts)
    if latest is None:
        return NotEvaluable("no CK on file: a current CK is needed to judge the response", facts)
    if (record.today - latest.day).days > max_age_days:
        return NotEvaluable(f"latest CK is from {latest.day.isoformat()}, more than {max_age_days:g} days ago "
                            "(a current CK is needed to judge the response)", facts)
    return points


def inadequate_response(points: list[ck.CkPoint], t_tx: date | None, facts: dict[str, Any],
                        no_t_tx: str | None = None) -> str | Quiet | NotEvaluable:
    """Why the CK response is inadequate; else quiet (adequate) or not evaluable (it cannot be judged)."""
    inadequate, why = ck.inadequate_response(points, t_tx, no_t_tx)
    facts.update(inadequate_response=inadequate, response=why)
    if inadequate is None:
        return NotEvaluable(why, facts)
    if not inadequate:
        return Quiet(f"adequate CK response: {why}", facts)
    return why


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What an escalation rule knows once every gate before the advice has passed."""

    subtype: str
    t_tx: date
    days: int
    how: str
    combo: td.Combination
    points: list[ck.CkPoint]
    latest: ck.CkPoint
    why: str


def inadequate_response_checkpoint(record: PatientRecord, context: HookContext, params: Mapping[str, float],
                                   facts: dict[str, Any], subtypes: tuple[str, ...], agent: str,
                                   last_agent: date | None, agent_window_days: float
                                   ) -> Checkpoint | Quiet | NotEvaluable:
    """The common path of R15 and R16: IMNM of one of ``subtypes``; T_tx long enough ago; glucocorticoid plus a
    steroid-sparing agent long enough; the escalation ``agent`` not given recently; a recent CK showing an
    inadequate response. Uses the rule's parameters min_days_since_ttx, min_combination_days, ck_max_age_days."""
    subtype = antibodies.subtype(record)
    facts.update(imnm=cohorts.is_imnm(record, context), subtype=subtype)
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    if subtype not in subtypes:
        return Quiet(f"subtype {subtype}, not {' or '.join(subtypes)}", facts)
    started = treatment_days(record, context, facts)
    if not isinstance(started, tuple):
        return started
    t_tx, days = started
    if days < params["min_days_since_ttx"]:
        return Quiet(f"T_tx {days} days ago (< {params['min_days_since_ttx']:g})", facts)
    combo = td.combination(record, context)
    facts["gc_plus_steroid_sparing"] = combo.describe()
    if combo.days < params["min_combination_days"]:
        return Quiet(f"glucocorticoid plus a steroid-sparing agent for {combo.days} days "
                     f"(< {params['min_combination_days']:g})", facts)
    facts[f"last_{agent.lower()}"] = last_agent
    if td.given_within(record, last_agent, int(agent_window_days)):
        return Quiet(f"{agent} given within the last {agent_window_days:g} days", facts)
    points = recent_ck(record, context, params["ck_max_age_days"], facts)
    if isinstance(points, NotEvaluable):
        return points
    peak = ck.peak(points, t_tx)
    facts["peak_ck"] = str(peak) if peak else None
    judged = inadequate_response(points, t_tx, facts)
    if not isinstance(judged, str):
        return judged
    return Checkpoint(subtype, t_tx, days, facts["t_tx_found_by"], combo, points, points[-1], judged)
