"""Taper in progress and possible relapse during the taper (clinical-rules.md section 4.2) [design].

About half of IMNM patients relapse while glucocorticoids or steroid-sparing agents are being reduced, and no
validated CK definition of relapse exists. These definitions give the CDS's working ones, with the evidence
behind them, so R21 (relapse card), R22 (CK monitoring interval) and others read one answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import ck, steroids
from hooks.definitions import treatment_duration as td
from hooks.definitions.courses import course_days, doses_since, last_dose_day
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.weight import dosing_weight
from hooks.record import MedicationOrder, PatientRecord, per_record
from hooks.units import convert

# Defaults of the [design] thresholds; rules that expose them as Params pass their values in.
CAVEAT_WINDOW_HOURS = 72
TSH_CAVEAT_MIU_L = 10.0

_TOLERANCE_MG = 0.01
CYCLIC_AGENTS = ("ivig", "rituximab", "cyclophosphamide")  # given in cycles of infusions
# Anti-CD20 maintenance is 0.5-1 g every 6-9 months (clinical-rules.md, dosing references), and the table reads
# anti-CD20 given within 12 months as still in use: a dose this soon after the last continues the course [design]
RITUXIMAB_COURSE_DAYS = 365
_CAVEAT_GROUPS = {"exertion": "exertion", "im_injection": "IM injection", "trauma": "trauma",
                  "emg": "needle EMG", "muscle_biopsy": "muscle biopsy"}


@dataclass(frozen=True, slots=True)
class TaperStep:
    """One dose reduction or stop, with the day it took effect."""

    day: date
    what: str

    def __str__(self) -> str:
        return f"{self.what} on {self.day.isoformat()}"


def _weight(record: PatientRecord, context: HookContext) -> float | None:
    measure = dosing_weight(record, context)
    return measure.value if measure else None


@per_record
def oral_peq_timeline(record: PatientRecord, context: HookContext) -> steroids.DailyLevels:
    """Daily PEQ without IV methylprednisolone pulses (the step down after a pulse is not a taper)."""
    courses = steroids.history(record, context).courses
    return steroids.daily_levels(
        ((first, last, peq) for order, peq, first, last in courses if not steroids.is_iv_methylprednisolone(order)),
        record.today)


def gc_reductions(record: PatientRecord, context: HookContext,
                  window_days: int | None = None) -> list[TaperStep]:
    """Days in the window on which the daily PEQ fell and did not come back within the dose_gap_bridge_days that
    a late refill or a charting gap may take."""
    if window_days is None:
        window_days = int(context.definition("taper_gc_window_days"))
    return _gc_reductions(record, context, window_days)


@per_record
def _gc_reductions(record: PatientRecord, context: HookContext, window_days: int) -> list[TaperStep]:
    runs = list(oral_peq_timeline(record, context).runs())
    since = record.today - timedelta(days=window_days)
    bridge = timedelta(days=int(context.definition("dose_gap_bridge_days")))
    steps = []
    for index in range(1, len(runs)):  # each run after the first starts with a change of dose
        day, _, now = runs[index]
        before = runs[index - 1][2]
        if day < since or now >= before - _TOLERANCE_MG:
            continue
        bridge_end = min(day + bridge, record.today)
        came_back = any(level >= before - _TOLERANCE_MG for first, _, level in runs[index + 1:] if first <= bridge_end)
        if not came_back:
            what = (f"glucocorticoid stopped (was {before:g} mg/day PEQ)" if now <= _TOLERANCE_MG
                    else f"glucocorticoid lowered from {before:g} to {now:g} mg/day PEQ")
            steps.append(TaperStep(day, what))
    return steps


def sparing_reductions(record: PatientRecord, context: HookContext,
                       window_days: int | None = None) -> list[TaperStep]:
    """Steroid-sparing agents stopped (nothing given since) or re-ordered at a lower dose. Stopped: status
    'stopped', or, for an agent taken continuously, a course that has ended ('completed', or past its end date).
    IVIG is reduced cycle by cycle (:func:`_ivig_reductions`), not order by order."""
    if window_days is None:
        window_days = int(context.definition("taper_sparing_window_days"))
    since = record.today - timedelta(days=window_days)
    weight = _weight(record, context)
    steps = []
    for group in STEROID_SPARING:
        orders = sorted(record.medications_in(group), key=lambda o: o.start or date.min)
        # the two latest last doses: whether another order was given after one ended, in one pass
        latest_two = sorted(((day, i) for i, o in enumerate(orders)
                             if (day := last_dose_day(o, record.today)) is not None), reverse=True)[:2]
        for position, order in enumerate(orders):
            if order.status == "stopped":
                end = order.end or order.start
            elif group in CYCLIC_AGENTS:  # an infusion order completes every cycle: only 'stopped' stops it
                continue
            elif order.status == "completed":
                end = order.end or last_dose_day(order, record.today)
            elif order.end is not None and order.end < record.today and order.counts_as_exposure:
                end = order.end
            else:
                continue
            if end is None or not since <= end <= record.today:
                continue
            given_later = any(day > end for day, i in latest_two if i != position)
            if not given_later:
                steps.append(TaperStep(end, f"{group} stopped ({order.label})"))
        if group == "ivig":
            steps += _ivig_reductions(record, context, weight, since)
            continue
        for previous, following in pairwise(orders):
            if following.start is None or not since <= following.start <= record.today:
                continue
            old, new = dosing.daily_mg(previous, weight), dosing.daily_mg(following, weight)
            if old is not None and new is not None and new < old - _TOLERANCE_MG:
                steps.append(TaperStep(following.start, f"{group} reduced from {_per_week(previous, old)} to "
                                                         f"{_per_week(following, new)}"))
    return sorted(steps, key=lambda s: s.day)


def _ivig_reductions(record: PatientRecord, context: HookContext, weight: float | None,
                     since: date) -> list[TaperStep]:
    """IVIG given less from a cycle on (:func:`_ivig_given_less`), cycle by cycle (:func:`td.ivig_doses`)."""
    late = int(context.definition("dose_gap_bridge_days"))
    doses = td.ivig_doses(record, context, weight)
    steps = []
    for index, (previous, following) in enumerate(pairwise(doses), 1):
        if not since <= following.start <= record.today:
            continue
        later = doses[index + 1] if index + 1 < len(doses) else None
        steps += [TaperStep(following.start, f"ivig {change}")
                  for change in _ivig_given_less(previous, following, later, late)]
    return steps


def _ivig_given_less(previous: td.IvigDose, following: td.IvigDose, later: td.IvigDose | None,
                     late: int) -> list[str]:
    """How ``following`` gives less IVIG than the cycle before it: a lower dose per cycle (per kg, at today's
    dosing weight), or a longer interval by more than the ``late`` days (dose_gap_bridge_days) a late cycle may
    take, unless the cycle after it (``later``) is back on time. The same cycle dose split over other days (1 g/kg
    a day for 2 days, then 0.4 g/kg a day for 5) is no reduction, nor is a cycle that restarts IVIG after a break
    that ends a course (:func:`td.ivig_doses`)."""
    if following.restart:
        return []
    changes = []
    # a one-cycle dose given while a cyclic order still runs is added on top of its cycles; a cyclic order that
    # starts then is the new schedule
    extra = (not following.cyclic and previous.cyclic and previous.last is not None
             and following.start <= previous.last)
    if not extra and previous.mg is not None and following.mg is not None \
            and following.mg < previous.mg - _TOLERANCE_MG:
        changes.append(f"reduced from {previous.mg / 1000:g} g to {following.mg / 1000:g} g per cycle")
    spaced_out = (previous.spacing is not None and following.spacing is not None
                  and following.spacing > previous.spacing + late)
    # ... only when the longer interval holds: a single late cycle, then one on time again, is no taper
    back_on_time = (later is not None and not later.restart and later.spacing is not None
                    and previous.spacing is not None and later.spacing <= previous.spacing + late)
    if spaced_out and not back_on_time:
        changes.append(f"spaced out from every {previous.spacing} to every {following.spacing} days")
    return changes


def _per_week(order: MedicationOrder, daily: float) -> str:
    per_day = dosing.periods_per_day(order.dosage.timing) if order.dosage else None
    if per_day is not None and per_day < 1:
        return f"{daily * 7:g} mg/week"
    return f"{daily:g} mg/day"


@per_record
def taper_in_progress(record: PatientRecord, context: HookContext, gc_window_days: int | None = None,
                      sparing_window_days: int | None = None) -> tuple[TaperStep, ...]:
    """The evidence that a taper is in progress (empty: no taper): a PEQ reduction within 90 days, or a
    steroid-sparing agent stopped or reduced within 180 days. Computed once per call: R21 and R22 both ask."""
    return tuple(sorted(gc_reductions(record, context, gc_window_days)
                        + sparing_reductions(record, context, sparing_window_days), key=lambda s: s.day))


# ---------------------------------------------------------------- drafts that would taper

def current_peq(record: PatientRecord, context: HookContext) -> float:
    """Today's daily PEQ from the glucocorticoid timeline (IV pulses excluded)."""
    return oral_peq_timeline(record, context).on(record.today)


_STOP_STATUSES = ("stopped", "cancelled", "revoked", "completed")


def _is_stop(order: MedicationOrder) -> bool:
    dose = order.dosage.dose if order.dosage else None
    return order.status in _STOP_STATUSES or (dose is not None and dose.value == 0)


def _lowest_peq(order: MedicationOrder, weight: float | None) -> float | None:
    """The daily PEQ a draft leads to: for a taper written as one order, its lowest dosed step."""
    steps = dosing.prednisone_equivalent_by_sequence(order, weight)
    return None if steps is None else min(steps.values(), default=None)


def draft_reductions(record: PatientRecord, context: HookContext,
                     drafts: Sequence[MedicationOrder]) -> list[tuple[MedicationOrder, TaperStep]]:
    """Draft orders that lower today's daily PEQ or stop/reduce a steroid-sparing agent being given
    (:func:`_being_given`). IVIG drafts are read cycle by cycle (:func:`_ivig_draft_reductions`)."""
    weight = _weight(record, context)
    found = []
    now = current_peq(record, context)
    ivig = _ivig_draft_reductions(record, context, weight,
                                  [d for d in drafts if d.in_group("ivig") and not _is_stop(d)])
    for order in drafts:
        if order.in_group("glucocorticoid_systemic") and not steroids.is_iv_methylprednisolone(order):
            if now <= _TOLERANCE_MG:
                continue
            peq = 0.0 if _is_stop(order) else _lowest_peq(order, weight)
            if peq is not None and peq < now - _TOLERANCE_MG:
                found.append((order, TaperStep(record.today, f"draft lowers the glucocorticoid from {now:g} to "
                                                             f"{peq:g} mg/day PEQ ({order.label})")))
            continue
        group = next((g for g in STEROID_SPARING if order.in_group(g)), None)
        if group is None:
            continue
        if group == "ivig" and not _is_stop(order):
            found += [(o, step) for o, step in ivig if o is order]
            continue
        given = _being_given(record, context, group)
        if not given:
            continue
        if _is_stop(order):
            found.append((order, TaperStep(record.today, f"draft stops {group} ({order.label})")))
            continue
        old = max((d for m in given if (d := dosing.daily_mg(m, weight)) is not None), default=None)
        new = dosing.daily_mg(order, weight)
        if old is not None and new is not None and new < old - _TOLERANCE_MG:
            found.append((order, TaperStep(record.today, f"draft reduces {group} from {_per_week(given[0], old)} "
                                                         f"to {_per_week(order, new)}")))
    return found


def _being_given(record: PatientRecord, context: HookContext, group: str) -> list[MedicationOrder]:
    """The orders of ``group`` a draft changes: the current ones; for a cyclic agent with none, the order that gave
    its last dose, when that was within its course (RITUXIMAB_COURSE_DAYS for anti-CD20, else the
    ivig_course_break_days definition): charts that order every cycle separately (rituximab 1 g x2 as two completed
    orders) leave no current order between cycles. After a longer break the course has ended: a draft restarts it."""
    current = record.medications_in(group, current_only=True)
    if current or group not in CYCLIC_AGENTS:
        return current
    given = [(day, order) for order in record.medications_in(group)
             if (day := last_dose_day(order, record.today)) is not None]
    if not given:
        return []
    last_day, last_order = max(given, key=lambda item: item[0])
    course_length = RITUXIMAB_COURSE_DAYS if group == "rituximab" else context.definition("ivig_course_break_days")
    return [last_order] if (record.today - last_day).days <= course_length else []


def _ivig_draft_reductions(record: PatientRecord, context: HookContext, weight: float | None,
                           drafts: Sequence[MedicationOrder]) -> list[tuple[MedicationOrder, TaperStep]]:
    """IVIG drafts that give less than the last cycle on the chart, read as :func:`_ivig_reductions` reads two
    charted cycles (:func:`_ivig_given_less`), whether or not an order is current: a chart that orders every cycle
    separately has none between cycles. Each draft is the cycle it would add (:func:`td.ivig_doses`): a cyclic
    draft, its own dose per cycle and interval; one-cycle drafts starting less than IVIG_CYCLE_MIN_GAP_DAYS apart
    are one cycle and add up, spaced from the chart's last cycle, and one starting that soon after a one-cycle order
    on the chart adds to that cycle. A draft more than ivig_course_break_days after the last cycle restarts IVIG."""
    doses = td.ivig_doses(record, context, weight) if drafts else []
    cycles = td.ivig_course(record, context).cycles if doses else ()
    if not doses or not cycles:
        return []
    previous, last_cycle = doses[-1], cycles[-1]
    break_days = context.definition("ivig_course_break_days")
    late = int(context.definition("dose_gap_bridge_days"))
    drafted: list[tuple[list[MedicationOrder], td.IvigDose]] = []
    for order in sorted(drafts, key=lambda o: o.start or record.today):
        start = order.start or record.today
        # read as planned, to its last day: a draft's cycle is not cut short at today
        mg = td.ivig_cycle_mg(order, weight, date.max)
        step = td.stated_interval(order)
        if step is None and drafted and not drafted[-1][1].cyclic \
                and (start - drafted[-1][1].start).days < td.IVIG_CYCLE_MIN_GAP_DAYS:
            orders, cycle = drafted[-1]
            added = None if mg is None or cycle.mg is None else cycle.mg + mg
            drafted[-1] = ([*orders, order], replace(cycle, mg=added))
            continue
        if step is None and not previous.cyclic and (start - previous.start).days < td.IVIG_CYCLE_MIN_GAP_DAYS:
            continue  # part of the cycle on file: it adds to it
        since = (start - last_cycle).days
        drafted.append(([order], td.IvigDose(start, mg, round(step) if step is not None else since,
                                             since > break_days, step is not None, None)))
    return [(order, TaperStep(record.today, f"draft: ivig {change} ({order.label}; last cycle "
                                            f"{last_cycle.isoformat()})"))
            for orders, cycle in drafted for change in _ivig_given_less(previous, cycle, None, late)
            for order in orders]


# ---------------------------------------------------------------- possible relapse

@dataclass(slots=True)
class RelapseCheck:
    """The possible_relapse verdict; ``missing`` says what prevented an answer (then ``possible`` is False)."""

    taper: Sequence[TaperStep]
    latest: ck.CkPoint | None = None
    nadir: ck.CkPoint | None = None
    possible: bool = False
    reason: str = ""
    missing: str | None = None
    caveats: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.latest is None or self.nadir is None or self.nadir.value <= 0:
            return None
        return self.latest.value / self.nadir.value


def possible_relapse(record: PatientRecord, context: HookContext, *,
                     taper: Sequence[TaperStep] | None = None) -> RelapseCheck:
    """Taper in progress and latest CK (<= 14 d old) > ULN and >= 2 x nadir CK; caveats are shown, never used
    to exclude. ``taper``: the steps the caller has already gathered (with a draft's reductions when one is being
    signed); by default the chart's :func:`taper_in_progress`."""
    nadir_multiple = float(context.definition("relapse_nadir_multiple"))
    check = RelapseCheck(taper=taper_in_progress(record, context) if taper is None else taper)
    if not check.taper:
        check.reason = "no taper in progress"
        return check
    latest = ck.latest_ck(record, context)
    check.latest = latest.point
    if why := latest.why_not_recent(context.definition("relapse_ck_max_age_days")):
        check.missing = why
        return check
    assert check.latest is not None  # a recent enough CK is on file
    points = ck.series(record, context)
    start = steroids.treatment_start(record, context)
    if unknown := steroids.why_treatment_start_unknown(record, context):
        check.missing = f"{unknown} (it anchors the nadir CK)"
        return check
    if start is None:
        check.missing = "no treatment start (T_tx) to anchor the nadir CK"
        return check
    check.nadir = ck.nadir(points, start[0])
    if check.nadir is None:
        check.missing = (f"no nadir CK: no CK between T_tx + 14 d ({(start[0] + timedelta(days=14)).isoformat()})"
                         f" and 14 d before the latest CK")
        return check
    check.caveats = caveats(record, context, check.latest, check.nadir)
    above_uln = check.latest.value > check.latest.uln
    risen = check.latest.value >= nadir_multiple * check.nadir.value
    check.possible = above_uln and risen
    if not above_uln:
        check.reason = f"latest CK {check.latest} is not above the ULN"
    elif not risen:
        check.reason = (f"latest CK {check.latest.value:,.0f} U/L is below {nadir_multiple:g} x the nadir "
                        f"{check.nadir}")
    else:
        check.reason = (f"latest CK {check.latest} is above the ULN and {check.ratio:.1f} x the nadir "
                        f"{check.nadir}")
    return check


def _in_window(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def caveats(record: PatientRecord, context: HookContext, latest: ck.CkPoint,
            nadir: ck.CkPoint | None = None, window_hours: int = CAVEAT_WINDOW_HOURS,
            tsh_limit: float = TSH_CAVEAT_MIU_L) -> list[str]:
    """Other explanations of a CK rise: exertion, IM injection or trauma within 72 h of the CK, TSH > 10 mIU/L,
    statin or red yeast rice since the nadir, documented missed doses."""
    first, last = latest.day - timedelta(days=max(window_hours // 24, 1)), latest.day
    found: list[str] = []
    for group, label in _CAVEAT_GROUPS.items():
        for condition in record.conditions_in(group):
            if _in_window(condition.onset, first, last) or _in_window(condition.recorded, first, last):
                found.append(f"{label}: {condition.code.label} ({(condition.start or last).isoformat()})")
        for procedure in record.procedures_in(group, since=first):
            if procedure.when is not None and procedure.when <= last:
                found.append(f"{label}: {procedure.code.label} ({procedure.when.isoformat()})")
    for immunization in record.immunizations:
        given = immunization.when
        if immunization.status not in ("entered-in-error", "not-done") and given and first <= given <= last:
            found.append(f"IM injection: vaccination {immunization.vaccine.label} ({given.isoformat()})")
    for order in record.medications:
        if not steroids.is_intramuscular(order):
            continue
        span = course_days(order, record.today)
        if order.counts_as_exposure and span is not None and span[0] <= last and span[1] >= first:
            found.append(f"IM injection: {order.label} (course from {span[0].isoformat()})")
    tsh = next((o for o in reversed(record.observations_in("tsh")) if o.when and o.quantity), None)
    if tsh is not None and tsh.when is not None and tsh.quantity is not None \
            and (latest.day - tsh.when).days <= 180:
        value = convert(tsh.quantity.value, tsh.quantity.unit, "mIU/L")
        if value is not None and value > tsh_limit:
            found.append(f"TSH {value:g} mIU/L on {tsh.when.isoformat()} (hypothyroidism raises CK)")
    since = nadir.day if nadir is not None else latest.day - timedelta(days=90)
    for order, given in doses_since(record, "statin", "red_yeast_rice", since=since):
        found.append(f"statin or red yeast rice exposure: {order.label} (last {given.isoformat()})")
    for condition in record.conditions_in("nonadherence"):
        if condition.start is None or condition.start >= record.today - timedelta(days=90):
            found.append(f"missed doses documented: {condition.code.label}")
    return found
