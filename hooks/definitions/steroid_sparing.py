"""IMNM on glucocorticoid alone a month after T_tx (clinical-rules.md R05), and whether methotrexate is the agent to
pre-select for it.

R05 decides its card here, once per call (:func:`assess`); a card that starts a drug beside R05's methotrexate reads
the same decision (:func:`on_card`), so that the two cannot disagree: R24 orders the blood
counts that TMP/SMX with methotrexate needs when R05's card pre-selects methotrexate, as it does for methotrexate on
the chart. A rule cannot do this by importing R05 (rules share definitions, not modules). The thresholds are R05's
(``[imnm-add-steroid-sparing-by-month-1]``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from hooks.context import HookContext
from hooks.definitions import cohorts, escalation, immunosuppression, renal, routes, steroids, trimethoprim
from hooks.definitions import treatment_duration as td
from hooks.definitions.courses import (
    days_text,
    ended_before_its_end,
    ended_early_text,
    given_today,
    last_dose_day,
    not_over,
    planned,
)
from hooks.definitions.trimethoprim import TmpDose
from hooks.definitions.weight import dosing_bsa
from hooks.record import Condition, MedicationOrder, PatientRecord, per_record
from hooks.rule import HookName, NotEvaluable, Quiet
from hooks.suppression import engine_runs

RULE_ID = "imnm-add-steroid-sparing-by-month-1"
HOOKS: tuple[HookName, ...] = ("patient-view",)  # R05's: its card is in no other hook's response
# what R05 reads (the rule's ``needs``): without one of these the engine does not evaluate it
NEEDS = ("patient", "conditions", "observations", "medications")


@dataclass(frozen=True, slots=True)
class Due:
    """R05's finding: IMNM on glucocorticoid alone ``days`` after T_tx, with what decides the agent to pre-select.
    ``facts``: what was read (shared by every reader of :func:`assess`: copied, never changed)."""

    t_tx: date
    days: int
    last_glucocorticoid: date
    child: bool
    ild: tuple[Condition, ...]
    kidney: renal.EgfrAnswer  # the eGFR against R05's mtx_egfr_min
    tmp_smx: tuple[MedicationOrder, ...]  # systemic TMP/SMX or trimethoprim given now
    # the active TMP/SMX or trimethoprim order at a treatment dose, or one that cannot be read (R11's classes):
    # methotrexate waits until it is over
    tmp_course: tuple[MedicationOrder, TmpDose] | None
    bsa_m2: float | None  # a child's methotrexate is dosed by it: none, no dose
    facts: Mapping[str, object]

    @property
    def prefer_mycophenolate(self) -> bool:
        """Interstitial lung disease, or an eGFR that may be below the limit: mycophenolate comes first."""
        return bool(self.ild) or self.kidney.may_be_below

    @property
    def methotrexate_offered(self) -> bool:
        """A methotrexate order is suggested: the eGFR is not possibly low, and a child's dose can be worked out."""
        return not self.kidney.may_be_below and (not self.child or self.bsa_m2 is not None)

    @property
    def methotrexate_pre_selected(self) -> bool:
        return self.methotrexate_offered and not self.prefer_mycophenolate and self.tmp_course is None


def _as_given(agents: list[MedicationOrder], today: date) -> list[str]:
    """The steroid-sparing agents as the quiet reason names them, each by its latest order (IVIG is often charted one
    order per cycle): one given now by its name; one ordered from a later day with that day; one no longer given
    with how it ended and when it was last given, so that an agent stopped after a week, the patient on glucocorticoid
    alone since, is not read as a current second agent."""
    latest: dict[str, tuple[date, MedicationOrder]] = {}
    for order in agents:
        last = today if not_over(order, today) else last_dose_day(order, today) or date.min
        if order.label not in latest or last >= latest[order.label][0]:
            latest[order.label] = (last, order)
    return [_named(order, today) for _, order in latest.values()]


def _named(order: MedicationOrder, today: date) -> str:
    """One agent's order as :func:`_as_given` names it."""
    if planned(order, today) and order.start is not None:
        return f"{order.label} (ordered from {order.start.isoformat()})"
    if given_today(order, today):  # on hold, it is named so
        return order.label if order.status == "active" else f"{order.label} ({order.status})"
    if ended_before_its_end(order, today):
        return ended_early_text(order)
    last = last_dose_day(order, today)
    if last is None:
        return f"{order.label} ({order.status})"
    return f"{order.label} ({order.status}, last given on {last.isoformat()}, {days_text((today - last).days)} ago)"


def _tmp_course(record: PatientRecord, context: HookContext, tmp_smx: list[MedicationOrder],
                facts: dict[str, object]) -> tuple[MedicationOrder, TmpDose] | None:
    """The active order at a treatment dose, or at one that cannot be read (the worst of them); None when every
    active order is prophylactic."""
    graded = [(order, trimethoprim.chart_regimen(record, context, order)) for order in tmp_smx]
    facts["tmp_smx_regimen"] = "; ".join(f"{o.label}: {dose.regimen}" for o, dose in graded) or None
    if not graded:
        return None
    worst = trimethoprim.worst_regimen(graded)
    return None if worst[1].regimen == "prophylactic" else worst


@per_record
def assess(record: PatientRecord, context: HookContext) -> Due | Quiet | NotEvaluable:
    """R05's decision, made once per call: IMNM, T_tx at least min_days_since_ttx ago, no steroid-sparing agent (or
    IVIG) given or ordered since, a glucocorticoid within max_days_off_glucocorticoid; then what the choice of agent
    turns on (interstitial lung disease, the eGFR, a TMP/SMX course, a child's body-surface area)."""
    params = context.thresholds.of_rule(RULE_ID)
    facts: dict[str, object] = {"imnm": cohorts.is_imnm(record, context)}
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    start = escalation.treatment_days(record, context, facts)
    if not isinstance(start, tuple):
        return start
    t_tx, days = start
    if days < params["min_days_since_ttx"]:
        return Quiet(f"T_tx {days} days ago (< {params['min_days_since_ttx']:g})", facts)
    agents = routes.systemic(immunosuppression.steroid_sparing_since(record, t_tx))
    ivig = td.last_ivig(record)
    labels = _as_given(agents, record.today) + (
        [f"IVIG on {ivig.isoformat()}"] if ivig and ivig >= t_tx and not any(a.in_group("ivig") for a in agents)
        else [])
    facts["steroid_sparing_since_ttx"] = "; ".join(labels) or "none"
    if labels:
        # the spec's "given since T_tx" is met by a week of methotrexate stopped months ago: the reason says so
        return Quiet(f"steroid-sparing agent given or ordered since T_tx: {'; '.join(labels)}", facts)
    # the row's case is glucocorticoid monotherapy: years after T_tx, off every treatment, is not it
    last_gc = steroids.history(record, context).last_given()
    facts["glucocorticoid_last_given"] = last_gc.isoformat() if last_gc else None
    if last_gc is None or (record.today - last_gc).days > params["max_days_off_glucocorticoid"]:
        return Quiet(f"no glucocorticoid within {params['max_days_off_glucocorticoid']:g} days: not glucocorticoid "
                     "monotherapy now", facts)
    ild = record.conditions_in("ild", active_only=True)
    kidney = renal.below_limit(record, context, params["mtx_egfr_min"], creatinine_since=record.today - timedelta(
        days=params["unestimated_creatinine_max_age_days"]))
    tmp_smx = routes.systemic(record.medications_in("tmp_smx", current_only=True))  # eye drops do not meet methotrexate
    child = cohorts.is_paediatric(record, context)
    facts.update(ild=ild[0].code.label if ild else None, egfr=str(kidney) if kidney.on_file else None,
                 tmp_smx_active=", ".join(o.label for o in tmp_smx) or None)
    return Due(t_tx, days, last_gc, child, tuple(ild), kidney, tuple(tmp_smx),
               _tmp_course(record, context, tmp_smx, facts), dosing_bsa(record, context) if child else None,
               MappingProxyType(facts))


def on_card(record: PatientRecord, context: HookContext) -> Due | None:
    """R05's finding when its card is in this response: the engine evaluates R05 (``suppression.engine_runs``) and
    :func:`assess` finds it due; else None. A card snoozed after the rules run is not known here: a reader errs
    towards what goes with methotrexate (R24: the blood counts)."""
    if not engine_runs(record, context, RULE_ID, HOOKS, NEEDS):
        return None
    due = assess(record, context)
    return due if isinstance(due, Due) else None
