"""R24: Pneumocystis (PJP) prophylaxis missing while on >= 20 mg/day prednisone-equivalent for >= 4 weeks, and
while the dose is tapered after that down to the stop rule's threshold (about 15 mg/day)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import cut_summary
from hooks.context import HookContext
from hooks.definitions import ibm, immunosuppression, lab_orders, renal, routes, steroid_sparing, steroids, trimethoprim
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import ended_early_list, given_since, planned
from hooks.definitions.steroids import Exposure, Run, SteroidHistory
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import (
    BACTRIM_LABEL,
    EULAR_2022_INFECTIONS,
    PARK_2019,
    PJP_SLR,
    PJP_STOP_THRESHOLD,
    SEED_000,
    SEED_003,
)
from hooks.units import convert

RULE = Rule(
    id="pjp-prophylaxis-missing",
    number=24,
    title="Pneumocystis prophylaxis missing on high-dose glucocorticoids",
    hooks=("patient-view",),
    severities=("warning",),
    also_reads=("immunizations",),  # R05's decision (IVIG charted as an immunization) says whether MTX is to come
    summary="Prednisone-equivalent >= 20 mg/day for >= 28 consecutive days, up to today or tapered since to no "
            "less than 15 mg/day, with no TMP/SMX, atovaquone, dapsone or pentamidine; stronger wording with a "
            "second immunosuppressant, lymphopenia or a recent IV pulse; no TMP/SMX offered at an eGFR below 15.",
    sources=(EULAR_2022_INFECTIONS, PJP_SLR, PARK_2019, PJP_STOP_THRESHOLD, BACTRIM_LABEL, SEED_000, SEED_003),
    parameters={
        "min_peq_mg": Param(20, "mg/day", "Daily prednisone-equivalent at or above which PJP prophylaxis is due."),
        "min_days": Param(28, "days", "Consecutive days at or above min_peq_mg, ending today or followed by a "
                                      "dose at or above stop_peq_mg every day since."),
        "stop_peq_mg": Param(15, "mg/day", "The stop rule: after a run at min_peq_mg for min_days, prophylaxis stays "
                                           "due until PEQ falls below this (spec R24: below about 15 mg/day).",
                             at_most="pjp-prophylaxis-missing.min_peq_mg"),
        "tmp_smx_avoid_egfr_below": Param(
            15, "mL/min/1.73m2", "Below this eGFR TMP/SMX is not offered and atovaquone is pre-selected (label: not "
            "recommended below a creatinine clearance of 15 mL/min); one that may be below it pre-selects nothing. "
            "[verify]",
            at_most="pjp-prophylaxis-missing.tmp_smx_renal_check_egfr_below"),
        "tmp_smx_renal_check_egfr_below": Param(
            30, "mL/min/1.73m2", "Below this eGFR (or one that may be) the prophylactic TMP/SMX doses are kept with "
            "potassium and renal function checks (the label halves the dose at 15-30 mL/min). [verify]"),
        "lymphocytes_below": Param(800, "/uL", "Absolute lymphocyte count below this adds to the PJP risk."),
        "lymphocyte_max_age_days": Param(90, "days", "A lymphocyte count older than this is not used."),
        "iv_pulse_window_days": Param(90, "days", "An IV methylprednisolone pulse this recent adds to the risk."),
        "cyclophosphamide_window_days": Param(90, "days", "A cyclophosphamide pulse this recent adds to the risk."),
    },
)

# Agents that, with high-dose glucocorticoids, make PJP more likely (the table: MTX, AZA, MMF, rituximab,
# cyclophosphamide, a calcineurin inhibitor). Current courses count; rituximab and cyclophosphamide act for
# months after the last dose, so they count within their windows (rituximab's: the anti_cd20_in_use_days
# definition).
CO_AGENTS_CURRENT = ("methotrexate", "azathioprine", "mycophenolate", "tacrolimus", "cyclosporine")
TMP_SMX_SS = "sulfamethoxazole 400 MG / trimethoprim 80 MG Oral Tablet"
TMP_SMX_DS = "sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet"
TMP_SMX_SUSPENSION = "sulfamethoxazole 40 MG/ML / trimethoprim 8 MG/ML Oral Suspension"

DETAIL = """\
**Start Pneumocystis (PJP) prophylaxis.** {exposure}. No TMP/SMX, atovaquone, dapsone or pentamidine is on file
for the last {window} days.{not_counted}
{risk}
Prophylaxis is advised from about 20 mg/day prednisone-equivalent for 4 weeks or more (EULAR 2022: above
15-30 mg/day for more than 2-4 weeks). Continue it until the dose is below about 15 mg/day (the risk persists
above 12.5 mg/day) and other high-risk therapy has been reduced.

{regimen}
{mtx}{paediatric}{unreadable}"""

REGIMEN_TMP_SMX = """\
- **First choice:** {tmp_smx} Check eGFR and potassium before starting and during use. {kidney}
- **Alternatives:** atovaquone 1,500 mg by mouth daily with food; dapsone 100 mg by mouth daily after a normal
  G6PD test; pentamidine 300 mg inhaled every 4 weeks.{swallowing}"""

REGIMEN_NO_TMP_SMX = """\
- **First choice: atovaquone** 1,500 mg by mouth daily with food. {kidney}
- **Alternatives:** dapsone 100 mg by mouth daily after a normal G6PD test; pentamidine 300 mg inhaled every 4
  weeks.{swallowing}"""

TMP_SMX_TABLETS = """TMP/SMX 80/400 mg (one single-strength tablet) by mouth daily, or 160/800 mg (one
  double-strength tablet) Mon/Wed/Fri."""
TMP_SMX_AS_SUSPENSION = f"""TMP/SMX as the **oral suspension** (40/8 mg per mL): 80/400 mg (10 mL) daily, or
  160/800 mg (20 mL) Mon/Wed/Fri, {routes.ONCE_SWALLOWING_IS_SAFE}."""

# the swallow impaired: what each drug is given as
SWALLOWING = """
- **{condition} on file: no tablets.** {tmp_smx}Atovaquone is an oral suspension too; dapsone comes as tablets;
  inhaled pentamidine needs no swallowing."""

CHECK_BEFORE_STARTING = "Check eGFR and potassium before starting and during use."

MTX_NOTE = "\n**Methotrexate is active** ({names}). " + trimethoprim.PROPHYLACTIC_WITH_METHOTREXATE + "\n"

# inclusion body myositis: R02 advises stopping it, so the blood counts for the pair are not ordered as if it went on
MTX_TO_STOP_NOTE = ("\n**Methotrexate is active** ({names}), and the inclusion body myositis card (R02) advises "
                    "stopping it: no blood-count monitoring for TMP/SMX with methotrexate is pre-selected. If it is "
                    "kept (a specialist-directed trial): " + trimethoprim.PROPHYLACTIC_WITH_METHOTREXATE + "\n")

# IMNM with no steroid-sparing agent yet: R05 offers methotrexate beside this card's TMP/SMX
MTX_TO_COME_NOTE = ("\n**Methotrexate may be started** (IMNM with no steroid-sparing agent since treatment began: see "
                    "R05). " + trimethoprim.PROPHYLACTIC_WITH_METHOTREXATE + "\n")

PAEDIATRIC_NOTE = """
**Patient is under 18.** The doses above are adult doses; dose TMP/SMX (or the alternative) by weight or
body-surface area with paediatric pharmacy.
"""


@dataclass(frozen=True, slots=True)
class Kidney:
    """What the eGFR allows for TMP/SMX. ``offer``: True (pre-selected), False (below the avoid limit: not offered,
    atovaquone pre-selected) or None (a result on file may be below it: offered, nothing pre-selected). ``says``: the
    card's sentence; ``note``: the monitoring note on a TMP/SMX order."""

    offer: bool | None
    says: str
    note: str = CHECK_BEFORE_STARTING


def _kidney(record: PatientRecord, context: HookContext, params: Mapping[str, float]) -> Kidney:
    """TMP/SMX is not recommended below a creatinine clearance of 15 mL/min and its dose is halved at 15-30 (US
    label); the eGFR stands in for the clearance, read by renal.below_limit (a bound, an estimate from a creatinine;
    a result that may be below a limit is read on the careful side)."""
    avoid_below, check_below = params["tmp_smx_avoid_egfr_below"], params["tmp_smx_renal_check_egfr_below"]
    avoid = renal.below_limit(record, context, avoid_below)
    not_advised = f"TMP/SMX is not recommended below a creatinine clearance of {avoid_below:g} mL/min (US label)"
    if avoid.below:
        return Kidney(False, f"{avoid}: {not_advised}, so it is not offered.")
    if avoid.may_be_below:
        # an older eGFR that can be read does not settle it, but the prescriber weighs it ('<15 see note' after 18)
        older, newest = renal.latest_egfr(record, context), avoid.newest
        readable = (f" (the latest eGFR that can be read: {older})"
                    if older and newest and older.day < newest.reading.day else "")
        return Kidney(None, f"{avoid}{readable}. {not_advised}: confirm renal function before choosing it, or use "
                            "atovaquone (no order is pre-selected).")
    check = renal.below_limit(record, context, check_below)
    if check.may_be_below:
        monitor = "check potassium and renal function after starting and during use."
        return Kidney(True, f"{check}: the label halves treatment doses at a creatinine clearance of "
                            f"{avoid_below:g}-{check_below:g} mL/min; the prophylactic doses above are usually "
                            f"acceptable, but {monitor}", f"{check}: {monitor}")
    shown = renal.latest_shown(record, context)
    return Kidney(True, f"Latest eGFR: {shown}." if shown else "No eGFR on file.")


def _last_qualifying_run(history: SteroidHistory, min_peq: float, min_days: int) -> Run | None:
    """The latest run on the timeline of at least ``min_days`` at ``min_peq`` or more (a late refill's gap counted in,
    as for the run reaching today)."""
    for _, last, peq in reversed(list(history.levels.runs())):
        if peq >= min_peq and (run := history.run_at_or_above(min_peq, last)).days >= min_days:
            return run
    return None


def _held_at_or_above(history: SteroidHistory, threshold: float, since: date) -> bool:
    """Whether PEQ has stayed at ``threshold`` or more from ``since`` to today. A stretch of at most bridge_days with no
    glucocorticoid at all before today is a late refill, not a stop, even when the dose after it has not yet run
    bridge_days (the run count's rule for joining two courses): a taper charted as a new order a few days after the
    high-dose one ended is still a taper, and the side to err on is the PJP reminder."""
    for first, last, peq in history.levels.runs():
        if last < since or peq >= threshold:
            continue
        if peq > 0 or last >= history.today or (last - max(first, since)).days + 1 > history.bridge_days:
            return False
    return history.peq_on(history.today) >= threshold


def _run_last_day(run: Run) -> date:
    assert run.first is not None  # a run of at least one day
    return run.first + timedelta(days=run.days - 1)


def _since_qualifying_run(exposure: Exposure, run: Run, stop_peq: float) -> str:
    """The card's sentence when the run at the start threshold ended before today and the dose has stayed at or above
    the stop threshold since (a taper)."""
    assert run.first is not None
    return (f"Prednisone-equivalent {exposure.dose()}. It was at or above {exposure.threshold:g} mg/day for {run.days} "
            f"consecutive days ({run.first.isoformat()} to {_run_last_day(run).isoformat()}{run.gap_note()}) and has "
            f"stayed at or above {stop_peq:g} mg/day since: prophylaxis continues until the dose is below "
            f"{stop_peq:g} mg/day")


def _co_agents(record: PatientRecord, context: HookContext, params: Mapping[str, float]) -> list[MedicationOrder]:
    today = record.today
    found = record.medications_in(*CO_AGENTS_CURRENT, current_only=True)
    for group, window in (("rituximab", context.definition("anti_cd20_in_use_days")),
                          ("cyclophosphamide", params["cyclophosphamide_window_days"])):
        since = today - timedelta(days=int(window))
        found += given_since(record, group, since=since)
    return list({id(m): m for m in found}.values())


def _lymphocytes(record: PatientRecord, params: Mapping[str, float]) -> tuple[float, date] | None:
    since = record.today - timedelta(days=int(params["lymphocyte_max_age_days"]))
    for observation in reversed(record.observations_in("lymphocytes_absolute", since=since)):
        quantity = observation.quantity
        value = convert(quantity.value, quantity.unit, "/uL") if quantity else None
        if value is not None and observation.when is not None:
            return value, observation.when
    return None


def _pulse_risk(pulses: list[MedicationOrder], today: date) -> str:
    """'IV methylprednisolone pulse since <first day given>', 'planned from <day>' for one that starts after today
    (courses.planned: it counts, as a "given within N days" question counts it, but none of it is given yet), or
    both. A pulse with no start date is current: since today at the latest."""
    begun = [p.start or today for p in pulses if not planned(p, today)]
    to_come = [p.start for p in pulses if p.start and planned(p, today)]
    when = [f"since {min(begun).isoformat()}"] if begun else []
    if to_come:
        when.append(f"{'another ' if begun else ''}planned from {min(to_come).isoformat()}")
    return "IV methylprednisolone pulse " + ", ".join(when)


@dataclass(frozen=True, slots=True)
class TmpSmxDose:
    """One prophylactic TMP/SMX dose as ordered: the product, how much of it, and how the order and its label say
    it."""

    product: str
    amount: float
    unit: str
    given: str  # the order's words, with {when} for its schedule: '1 single-strength tablet by mouth {when}'
    short: str  # the label's: 'PO', '(10 mL oral suspension)'


def _tmp_smx_doses(swallowing_impaired: bool) -> tuple[TmpSmxDose, TmpSmxDose]:
    """The daily 80/400 mg and the Mon/Wed/Fri 160/800 mg doses: a single- and a double-strength tablet, or with the
    swallow impaired the same doses of the oral suspension (40/8 mg per mL: 10 and 20 mL), given once swallowing is
    safe or down a nasogastric tube."""
    if not swallowing_impaired:
        return (TmpSmxDose(TMP_SMX_SS, 1, "{tbl}", "1 single-strength tablet by mouth {when}", "PO"),
                TmpSmxDose(TMP_SMX_DS, 1, "{tbl}", "1 double-strength tablet by mouth {when}", "PO"))
    return _suspension(10), _suspension(20)


def _suspension(ml: float) -> TmpSmxDose:
    return TmpSmxDose(TMP_SMX_SUSPENSION, ml, "mL", f"{ml:g} mL of the oral suspension (40/8 mg per mL) {{when}}, "
                                                    f"{routes.ONCE_SWALLOWING_IS_SAFE}", f"({ml:g} mL oral suspension)")


def _suggestions(context: HookContext, cbc_with_methotrexate: bool, kidney: Kidney, swallowing_impaired: bool
                 ) -> list[Suggestion]:
    sets, pid = context.valuesets, context.patient_id
    cbc = lab_orders.CBC.request(context,
                                 note="At 1-2 and 4 weeks after starting TMP/SMX with methotrexate, then monthly.")
    daily, three_a_week = _tmp_smx_doses(swallowing_impaired)
    ss = orders.medication_request(
        pid, orders.concept(sets, "tmp_smx", daily.product), daily.amount, daily.unit,
        text=f"TMP/SMX 80/400 mg: {daily.given.format(when='once daily')} (PJP prophylaxis)", note=kidney.note)
    ds = orders.medication_request(
        pid, orders.concept(sets, "tmp_smx", three_a_week.product), three_a_week.amount, three_a_week.unit,
        day_of_week=("mon", "wed", "fri"),
        text=f"TMP/SMX 160/800 mg: {three_a_week.given.format(when='on Monday, Wednesday and Friday')} (PJP "
             "prophylaxis)",
        note=kidney.note)
    atovaquone_given = (f"(oral suspension) once daily with food, {routes.ONCE_SWALLOWING_IS_SAFE}"
                        if swallowing_impaired else "by mouth once daily with food")
    atovaquone = orders.medication_request(
        pid, orders.concept(sets, "pjp_alternative", "Atovaquone"), 1500, "mg",
        text=f"Atovaquone 1,500 mg {atovaquone_given} (PJP prophylaxis)")
    g6pd = orders.service_request(pid, orders.lab_concept(sets, "g6pd", "32546-4", text="G6PD activity"),
                                  note="Before dapsone.")
    dapsone = orders.medication_request(
        pid, orders.concept(sets, "pjp_alternative", "Dapsone"), 100, "mg",
        text="Dapsone 100 mg by mouth once daily (PJP prophylaxis), after a normal G6PD result")
    # No sourced SNOMED code for the inhaled route: the route goes as text.
    pentamidine = orders.medication_request(
        pid, orders.concept(sets, "pjp_alternative", "Pentamidine"), 300, "mg", period=4, period_unit="wk",
        route="Inhalation (nebulised)", text="Pentamidine 300 mg inhaled by nebuliser every 4 weeks (PJP prophylaxis)")
    monitor = ([Action("create", "CBC at 1-2 and 4 weeks, then monthly (with methotrexate)", resource=cbc)]
               if cbc_with_methotrexate else [])
    with_cbc = " with CBC monitoring" if cbc_with_methotrexate else ""
    tmp_smx = [
        Suggestion(f"TMP/SMX 80/400 mg {daily.short} daily{with_cbc}",
                   [Action("create", f"TMP/SMX 80/400 mg {daily.short} once daily", resource=ss), *monitor],
                   is_recommended=kidney.offer is True),
        Suggestion(f"TMP/SMX 160/800 mg {three_a_week.short} Mon/Wed/Fri{with_cbc}",
                   [Action("create", f"TMP/SMX 160/800 mg {three_a_week.short} Mon/Wed/Fri", resource=ds),
                    *monitor]),
    ]
    atovaquone_short = "daily with food" if swallowing_impaired else "PO daily with food"
    return [
        *(tmp_smx if kidney.offer is not False else []),
        Suggestion(f"Atovaquone 1,500 mg {atovaquone_short}",
                   [Action("create", f"Atovaquone 1,500 mg {atovaquone_short}", resource=atovaquone)],
                   is_recommended=kidney.offer is False),
        Suggestion("G6PD test, then dapsone 100 mg PO daily",
                   [Action("create", "G6PD activity", resource=g6pd),
                    Action("create", "Dapsone 100 mg PO daily after a normal G6PD", resource=dapsone)]),
        Suggestion("Pentamidine 300 mg inhaled every 4 weeks",
                   [Action("create", "Pentamidine 300 mg inhaled every 4 weeks", resource=pentamidine)]),
    ]


@dataclass(frozen=True, slots=True)
class MethotrexateBeside:
    """Methotrexate beside this card's TMP/SMX: the card's note on the pair, and whether its TMP/SMX orders carry
    the CBC monitoring the pair needs."""

    note: str
    cbc: bool
    facts: dict[str, str | None]


def _methotrexate_beside(record: PatientRecord, context: HookContext) -> MethotrexateBeside:
    """Methotrexate on the chart that goes on: the note and the CBC. One that R02's card advises stopping
    (inclusion body myositis: ibm.advised_to_stop): the note says so, no CBC. None on the chart but R05's
    methotrexate offered on its card (steroid_sparing.on_card, R05's own decision): the note, and the CBC where R05
    pre-selects it."""
    mtx = record.medications_in("methotrexate", current_only=True)
    stopping = ibm.advised_to_stop(record, context)
    continuing = [m for m in mtx if not any(m is s for s in stopping)]
    to_stop = [m for m in mtx if any(m is s for s in stopping)]
    facts: dict[str, str | None] = {"methotrexate_active": ", ".join(m.label for m in mtx) or None,
                                    "methotrexate_r02_advises_stopping": ", ".join(m.label for m in to_stop) or None}
    if continuing:
        return MethotrexateBeside(MTX_NOTE.format(names=", ".join(m.label for m in continuing)), True, facts)
    if to_stop:
        return MethotrexateBeside(MTX_TO_STOP_NOTE.format(names=", ".join(m.label for m in to_stop)), False, facts)
    due = steroid_sparing.on_card(record, context)
    if due is None or not due.methotrexate_offered:
        return MethotrexateBeside("", False, facts)
    pre_selected = due.methotrexate_pre_selected
    facts["methotrexate_on_r05_card"] = "pre-selected" if pre_selected else "offered"
    return MethotrexateBeside(MTX_TO_COME_NOTE, pre_selected, facts)


def _paediatric_suggestions(context: HookContext) -> list[Suggestion]:
    consult = orders.service_request(context.patient_id, orders.referral_concept(
        context.valuesets, "306362008",
        text="Paediatric pharmacy consult: PJP prophylaxis dosed by weight/BSA (TMP/SMX or alternative)"))
    return [Suggestion("Paediatric pharmacy consult for PJP prophylaxis dosing",
                       [Action("create", "Paediatric pharmacy consult (PJP prophylaxis)", resource=consult)],
                       is_recommended=True)]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    min_peq, min_days, stop_peq = float(params["min_peq_mg"]), int(params["min_days"]), float(params["stop_peq_mg"])
    history = steroids.history(record, context)
    today = record.today
    # a late refill's short gap does not restart the count; the timeline runs an order that ended before its end
    # date up to today (exposure errs late): that part of today's dose is not said to be given today
    exposure = history.exposure(min_peq)
    run, peq_today = exposure.run, exposure.peq_today
    # the spec's stop rule: after a qualifying run, prophylaxis stays due while the dose tapered from it stays at or
    # above stop_peq every day since; the run need not reach today (tapered_from). Once it has fallen below,
    # stopped_run is that run: the quiet reason names it.
    qualifying = run if run.days >= min_days else None
    tapered_from: Run | None = None
    stopped_run: Run | None = None
    last_run_ended: date | None = None
    if qualifying is None and (last_run := _last_qualifying_run(history, min_peq, min_days)) is not None:
        last_run_ended = _run_last_day(last_run)
        if _held_at_or_above(history, stop_peq, last_run_ended + timedelta(days=1)):
            tapered_from = qualifying = last_run
        else:
            stopped_run = last_run
    window_start, needed = today - timedelta(days=min_days - 1), f">= {min_peq:g} mg/day for {min_days} days"
    if last_run_ended and stopped_run and (peq_today >= stop_peq or history.unreadable_since(today)):
        # a dose that could not be read, given since that run, may have kept PEQ at stop_peq or more up to today's
        window_start = min(window_start, last_run_ended + timedelta(days=1))
        needed += f", or >= {stop_peq:g} mg/day every day since the run at >= {min_peq:g} ended on {last_run_ended}"
    unreadable = [history.unread_named(o) for o in history.unreadable_since(window_start)]
    # a treatment-dose TMP/SMX course that is over is no prophylaxis on file: named with those not counted
    prophylaxis, courses_over = trimethoprim.pjp_protection(record, context)
    not_counted = "; ".join(filter(None, (
        ended_early_list(immunosuppression.pjp_prophylaxis_not_counted(record, context)), *courses_over)))
    facts: dict[str, Any] = {
        "peq_today_mg": round(peq_today, 1),
        "peq_given_today_mg": round(history.peq_given_today(), 1),
        "stopped_on_a_day_not_given": exposure.stopped,
        "consecutive_days_at_or_above_threshold": run.days,
        "gaps_counted": run.describe_gaps(),
        "threshold": f">= {min_peq:g} mg/day for >= {min_days} days",
        "stop_threshold": f"prophylaxis due until PEQ < {stop_peq:g} mg/day",
        "qualifying_run_ended": last_run_ended,
        "pjp_prophylaxis": ", ".join(m.label for m in prophylaxis) or None,
        "pjp_prophylaxis_not_counted": not_counted or None,
        "unreadable_glucocorticoid_courses": "; ".join(unreadable) or None,
    }
    if qualifying is None:
        if unreadable:
            facts["note"] = ("the dose of a glucocorticoid course in the window could not be read "
                             "(e.g. mg/kg with no current weight); it could change the answer")
            return NotEvaluable(f"readable dose of {', '.join(unreadable)} (needed to tell whether PEQ has been "
                                f"{needed})", facts)
        reason = f"PEQ >= {min_peq:g} mg/day for {run.days} consecutive days up to today (< {min_days})"
        if stopped_run is not None:
            reason += (f"; after the last run of {stopped_run.days} days at >= {min_peq:g} mg/day (to "
                       f"{last_run_ended}) PEQ fell below {stop_peq:g} mg/day ({peq_today:g} mg/day today): by the "
                       "stop rule, prophylaxis for that course is no longer needed")
            if agents := _co_agents(record, context, params):
                reason += ("; the stop rule also asks that other high-risk therapy be reduced, which this rule does "
                           f"not judge: {', '.join(dict.fromkeys(a.label for a in agents))}")
        return Quiet(reason, facts)
    if prophylaxis:
        return Quiet(f"PJP prophylaxis on file: {facts['pjp_prophylaxis']}", facts)

    pulses = steroids.iv_pulses_since(record, today - timedelta(days=int(params["iv_pulse_window_days"])))
    agents = _co_agents(record, context, params)
    lymph = _lymphocytes(record, params)
    low_lymph = lymph is not None and lymph[0] < params["lymphocytes_below"]
    risks = []
    if agents:
        risks.append(", ".join(dict.fromkeys(a.label for a in agents)))
    if low_lymph and lymph is not None:
        risks.append(f"lymphocytes {lymph[0]:,.0f}/uL on {lymph[1].isoformat()}")
    if pulses:
        risks.append(_pulse_risk(pulses, today))
    methotrexate = _methotrexate_beside(record, context)
    swallowing = routes.swallowing_impaired(record)
    paediatric = is_paediatric(record, context)
    kidney = _kidney(record, context, params)
    facts.update({
        "exposure_since": qualifying.first,
        "co_immunosuppressants": ", ".join(a.label for a in agents) or None,
        "lymphocytes": f"{lymph[0]:,.0f}/uL on {lymph[1].isoformat()}" if lymph else None,
        "iv_pulse_within_window": ", ".join(p.label for p in pulses) or None,
        "higher_risk": bool(risks),
        **methotrexate.facts,
        "swallowing_impaired": swallowing[0].code.label if swallowing else None,
        "paediatric": paediatric,
        "latest_egfr": renal.latest_shown(record, context),
        "tmp_smx_renal": {True: "offered", False: "not offered (eGFR below the limit)",
                          None: "offered, not pre-selected (eGFR may be below the limit)"}[kidney.offer],
    })
    risk_text = ""
    if risks:
        risk_text = ("\n**Higher risk:** " + "; ".join(risks) + ". High-dose glucocorticoids combined with another "
                     "immunosuppressant, lymphopenia or pulse therapy carry the highest PJP risk; do not delay.\n")
    regimen = REGIMEN_TMP_SMX if kidney.offer is not False else REGIMEN_NO_TMP_SMX
    swallowing_text = "" if not swallowing else SWALLOWING.format(
        condition=swallowing[0].code.label,
        tmp_smx="TMP/SMX is offered as the oral suspension. " if kidney.offer is not False else "")
    detail = DETAIL.format(
        exposure=_since_qualifying_run(exposure, tapered_from, stop_peq) if tapered_from else exposure.sentence(),
        window=int(context.definition("pjp_prophylaxis_window_days")), risk=risk_text,
        not_counted=immunosuppression.pjp_not_counted_sentence(not_counted),
        regimen=regimen.format(kidney=kidney.says, swallowing=swallowing_text,
                               tmp_smx=TMP_SMX_AS_SUSPENSION if swallowing else TMP_SMX_TABLETS),
        mtx=methotrexate.note,
        paediatric=PAEDIATRIC_NOTE if paediatric else "",
        unreadable=(f"\nNote: the dose of {'; '.join(unreadable)} could not be read and was not counted.\n"
                    if unreadable else ""))
    if tapered_from:
        course = f"after {tapered_from.days} d at >= {min_peq:g} mg/day"
    else:
        course = f"for {exposure.days} d" if risks else f"for {exposure.days} days"
    if risks:
        summary = f"High PJP risk, no prophylaxis: PEQ {exposure.headline()} {course} plus {risks[0]}"
    else:
        summary = f"Start PJP prophylaxis: PEQ {exposure.headline()} {course}, none on file"
    return Fired(
        severity="warning",
        summary=cut_summary(summary),
        detail=detail,
        facts=facts,
        suggestions=(_paediatric_suggestions(context) if paediatric
                     else _suggestions(context, methotrexate.cbc, kidney, bool(swallowing))),
        selection="at-most-one",
    )
