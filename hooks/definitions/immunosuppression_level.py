"""High- and low-level immunosuppression (section 4.2), the thresholds that decide whether a live vaccine is safe.

High level (IDSA 2013 / the live-vaccine table): PEQ >= 20 mg/day for >= 14 consecutive days (a late refill's
short gap does not break them), now or within the last 30 days; methotrexate > 0.4 mg/kg/week; azathioprine
> 3 mg/kg/day; any mycophenolate, tacrolimus, cyclosporine or cyclophosphamide; rituximab or another anti-CD20
within 12 months. Low level: glucocorticoid below that, methotrexate <= 0.4 mg/kg/week, azathioprine <= 3 mg/kg/day.
A weight-based threshold is never judged from a missing or stale weight: such an exposure is returned as
``unknown`` (the caller decides how cautious to be).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import steroids
from hooks.definitions.courses import given_since, last_dose_day
from hooks.definitions.routes import systemic
from hooks.definitions.weight import dosing_weight
from hooks.record import MedicationOrder, PatientRecord, per_record

Level = Literal["high", "low", "unknown"]
ALWAYS_HIGH = ("mycophenolate", "tacrolimus", "cyclosporine", "cyclophosphamide")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The [design] thresholds of the definition; rules pass their own Params to override them."""

    peq_mg: float = 20.0
    peq_days: int = 14
    recent_days: int = 30  # 'now or within the last 30 days' (and the CDC one-month wait after stopping)
    mtx_mg_per_kg_week: float = 0.4
    aza_mg_per_kg_day: float = 3.0
    anti_cd20_days: int = 365


@dataclass(frozen=True, slots=True)
class Exposure:
    """One immunosuppressive exposure and the level it reaches, with the words that justify it."""

    agent: str
    level: Level
    evidence: str
    order: MedicationOrder | None = None

    def __str__(self) -> str:
        return self.evidence


def _recent(record: PatientRecord, groups: tuple[str, ...], days: int) -> list[MedicationOrder]:
    """Systemic orders of ``groups`` given within ``days`` (a tacrolimus ointment suppresses no immunity)."""
    return systemic(given_since(record, *groups, since=record.today - timedelta(days=days)))


def _when(order: MedicationOrder, record: PatientRecord) -> str:
    if order.current_on(record.today):
        return "current"
    last = last_dose_day(order, record.today)
    return f"last given {last.isoformat()}" if last else "undated"


def _glucocorticoid(record: PatientRecord, context: HookContext, t: Thresholds) -> list[Exposure]:
    history = steroids.history(record, context)
    window_start = record.today - timedelta(days=t.recent_days)
    best, best_end, top = steroids.Run(None, 0), None, 0.0
    # a run is longest on the last day of a dose step (the timeline ends today), so only those days are asked
    for _, last, peq in history.levels.runs():
        if last < window_start:
            continue
        top = max(top, peq)
        run = history.run_at_or_above(t.peq_mg, last)  # a late refill's gap does not break it
        if run.days >= best.days and run.days > 0:
            best, best_end = run, last
    found: list[Exposure] = []
    if best_end is not None and best.days >= t.peq_days:
        found.append(Exposure("glucocorticoid", "high",
                              f"prednisone-equivalent >= {t.peq_mg:g} mg/day for {best.days} days "
                              f"(to {best_end.isoformat()}{best.gap_note()})"))
    elif best_end is not None:
        found.append(Exposure("glucocorticoid", "low",
                              f"prednisone-equivalent up to {top:g} mg/day, >= {t.peq_mg:g} mg/day for only "
                              f"{best.days} days (to {best_end.isoformat()}{best.gap_note()}; high-level from "
                              f"{t.peq_days} days)"))
    elif top > 0:
        found.append(Exposure("glucocorticoid", "low",
                              f"prednisone-equivalent up to {top:g} mg/day (< {t.peq_mg:g} mg/day)"))
    for order in history.unreadable_since(window_start):
        found.append(Exposure("glucocorticoid", "unknown",
                              f"{order.label} ({_when(order, record)}): dose could not be read", order))
    return found


def _per_kg(record: PatientRecord, context: HookContext, order: MedicationOrder, agent: str,
            limit: float, per: str) -> Exposure:
    weight = dosing_weight(record, context)
    daily = dosing.daily_mg(order, weight.value if weight else None)
    label = f"{order.label} ({_when(order, record)})"
    if daily is None:
        return Exposure(agent, "unknown", f"{label}: dose could not be read", order)
    amount = daily * 7 if per == "week" else daily
    if weight is None:
        return Exposure(agent, "unknown", f"{label}: {amount:g} mg/{per}, no current weight to judge "
                                          f"against {limit:g} mg/kg/{per}", order)
    per_kg = amount / weight.value
    level: Level = "high" if per_kg > limit else "low"
    sign = ">" if level == "high" else "<="
    return Exposure(agent, level, f"{label}: {amount:g} mg/{per} = {per_kg:.2f} mg/kg/{per} {sign} {limit:g} "
                                  f"(weight {weight.describe('kg')})", order)


def exposures(record: PatientRecord, context: HookContext, thresholds: Thresholds | None = None
              ) -> list[Exposure]:
    """Every immunosuppressive exposure that counts now, each with its level."""
    return _exposures(record, context, thresholds or Thresholds())


@per_record
def _exposures(record: PatientRecord, context: HookContext, t: Thresholds) -> list[Exposure]:
    found = _glucocorticoid(record, context, t)
    for order in _recent(record, ("methotrexate",), t.recent_days):
        found.append(_per_kg(record, context, order, "methotrexate", t.mtx_mg_per_kg_week, "week"))
    for order in _recent(record, ("azathioprine",), t.recent_days):
        found.append(_per_kg(record, context, order, "azathioprine", t.aza_mg_per_kg_day, "day"))
    for order in _recent(record, ALWAYS_HIGH, t.recent_days):
        agent = next(g for g in ALWAYS_HIGH if order.in_group(g))
        found.append(Exposure(agent, "high", f"{order.label} ({_when(order, record)})", order))
    for order in _recent(record, ("rituximab",), t.anti_cd20_days):
        found.append(Exposure("anti-CD20", "high", f"{order.label} ({_when(order, record)}; anti-CD20 within "
                                                   f"{t.anti_cd20_days} days)", order))
    return found


def high_level_immunosuppression(record: PatientRecord, context: HookContext,
                                 thresholds: Thresholds | None = None) -> list[Exposure]:
    """Exposures that reach high-level immunosuppression (empty list: none)."""
    return [e for e in exposures(record, context, thresholds) if e.level == "high"]


def low_level(record: PatientRecord, context: HookContext, thresholds: Thresholds | None = None) -> list[Exposure]:
    """Immunosuppressive exposures below the high-level thresholds."""
    return [e for e in exposures(record, context, thresholds) if e.level == "low"]


def unknown_level(record: PatientRecord, context: HookContext, thresholds: Thresholds | None = None
                  ) -> list[Exposure]:
    """Exposures whose level could not be judged (unreadable dose, or no current weight for a mg/kg limit)."""
    return [e for e in exposures(record, context, thresholds) if e.level == "unknown"]
