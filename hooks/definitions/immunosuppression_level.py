"""High- and low-level immunosuppression (section 4.2), the thresholds that decide whether a live vaccine is safe.

High level (IDSA 2013 / the live-vaccine table): PEQ >= 20 mg/day for >= 14 consecutive days (a late refill's
short gap does not break them), now or within the last 30 days; methotrexate > 0.4 mg/kg/week; azathioprine
> 3 mg/kg/day; any mycophenolate, tacrolimus, cyclosporine or cyclophosphamide; rituximab or another anti-CD20
still in use (the ``anti_cd20_in_use_days`` definition: 12 months). Low level: glucocorticoid below that,
methotrexate <= 0.4 mg/kg/week, azathioprine <= 3 mg/kg/day. A child's glucocorticoid is high level from 2 mg/kg/day
as well (CDC/ACIP; the 20 mg/day holds from 10 kg: :func:`paediatric_peq_limit`). A weight-based threshold is never
judged from a missing or stale weight: such an exposure is returned as ``unknown`` (the caller decides how cautious
to be).

Orders of methotrexate, or of azathioprine, given together today add up (100 mg and 50 mg azathioprine daily are
150 mg/day; 15 mg oral and 10 mg subcutaneous methotrexate weekly, 25 mg/week: :func:`_given_together`). Orders
given one after another never do: a completed order, a renewal's predecessor, one on hold, one handed over today.

An order that says it ended (stopped, completed; or whose status is unknown or missing) but not when, read as
given on its start day only, could have stopped yesterday. Such a repeating order whose open part (the whole
order, or a taper's open last step) began within ``unknown_stop_lookback_days`` is judged at its worst: as if
taken until today, or until the day before a later order of the drug began (:func:`courses.taken_over`: any later
renewal, whatever its status, so a chain of renewals is bounded by its successors and only the last may run to
today); one begun before the look-back is judged so only when a later order bounds it (its last day is then known
to the day). A stopped or completed order whose end date lies after today ended before it, on a day the chart does
not give (:func:`courses.ended_before_its_end`): it is judged so too, however long ago it began and whatever
supply, bounds or count it was written with, as it was written to run past today. The glucocorticoid timeline
already runs such an order to today (or to a maintenance order that took over): its days past its open part's
first are no more certain for that, so the PEQ is judged as the chart gives it for certain first, and at its worst
only when that is not high (:func:`_glucocorticoid`). A worst case that reaches high level is ``unknown`` (it could
not be shown to be low), unless the order was given within the window for certain (its open part began in it) and
one dose decides the level (any dose of an always-high drug or an anti-CD20; methotrexate and azathioprine by their
dose): then it is high. A low one stays low, the stop named. Such an order the chart gives no start date for, or
no timing (a dosage in text only), or begun before the look-back with no later order to bound it, cannot be
judged, nor can an anti-CD20 order given on no day the chart gives (one infusion counts for months): see
:func:`ends_not_given`. The caller must not read these as no exposure: when it was taken is not known. One begun
more than ``unknown_stop_max_age_days`` ago with no end and no later order is read as over before the look-back:
a drug still taken would have been renewed since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import steroids
from hooks.definitions import treatment_duration as td
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import ended_before_its_end, last_dose_day, open_first, repeats, taken_over
from hooks.definitions.routes import systemic
from hooks.definitions.weight import Measure, dosing_weight, why_not_current
from hooks.record import Dosage, MedicationOrder, PatientRecord, Timing, per_record

Level = Literal["high", "low", "unknown"]
ALWAYS_HIGH = ("mycophenolate", "tacrolimus", "cyclosporine", "cyclophosphamide")
# The groups whose orders may have stopped on a day the chart does not give
_WORST_CASE_GROUPS = (steroids.GROUP, "methotrexate", "azathioprine", *ALWAYS_HIGH, "rituximab")
_NO_TIMING = Timing()  # a dosage that says nothing of when it is given (its text only)
# The agent an exposure names for a group, where it is not the group's own name
_AGENTS = {steroids.GROUP: "glucocorticoid", "rituximab": "anti-CD20"}
_GLUCOCORTICOID, _ANTI_CD20 = _AGENTS[steroids.GROUP], _AGENTS["rituximab"]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The [design] thresholds of the definition; rules pass their own Params to override them. How long anti-CD20
    counts is the shared ``anti_cd20_in_use_days`` definition."""

    peq_mg: float = 20.0
    peq_days: int = 14
    # a child's PEQ is high level from this per kg as well, where that is lower (below 10 kg): CDC/ACIP altered
    # immunocompetence (>= 2 mg/kg/day, or >= 20 mg/day from 10 kg, for >= 14 days); section 4.2 gives only the
    # 20 mg/day [sign-off]; IDSA 2013 writes > 2 mg/kg/day [verify]
    paediatric_peq_mg_per_kg: float = 2.0
    recent_days: int = 30  # 'now or within the last 30 days' (and the CDC one-month wait after stopping)
    mtx_mg_per_kg_week: float = 0.4
    aza_mg_per_kg_day: float = 3.0
    unknown_stop_lookback_days: int = 365  # an order stopped on an unknown day is judged at its worst if this recent
    # begun longer ago than this (never less than the look-back), with no end and no later order, it is over
    unknown_stop_max_age_days: int = steroids.HISTORY_DAYS


@dataclass(frozen=True, slots=True)
class Exposure:
    """One immunosuppressive exposure and the level it reaches, with the words that justify it. ``orders``: the
    orders judged (several of one drug given on the same days add up); none for the PEQ timeline."""

    agent: str
    level: Level
    evidence: str
    orders: tuple[MedicationOrder, ...] = ()

    def __str__(self) -> str:
        return self.evidence


@dataclass(frozen=True, slots=True)
class UnknownStop:
    """An order that says it ended but not when, its open part (from ``first``: the order's start, or its open last
    step's first day) taken as given until ``until``: today, or, when a later order took over
    (:func:`courses.taken_over`), the day before that one started."""

    first: date
    until: date
    taken_over: bool = False
    unreached_end: date | None = None  # the end date of an order that ended before it

    def describe(self, order: MedicationOrder) -> str:
        until = f"{self.until.isoformat()}, the day before a later order of it started" if self.taken_over else "today"
        before = f" before its end date {self.unreached_end.isoformat()}" if self.unreached_end else ""
        return f"{_began(order, self.first)}, {_ended(order, before)}; judged as if taken until {until}"


@dataclass(frozen=True, slots=True)
class Unplaced:
    """An order that says it ended but not when, which cannot be judged even at its worst: ``missing`` says what the
    chart does not give (a start date, a timing); ``agent`` names its drug as an :class:`Exposure` would."""

    order: MedicationOrder
    missing: str
    agent: str

    def describe(self) -> str:
        return f"{self.order.label} ({_status(self.order)}; {self.missing})"


@dataclass(frozen=True, slots=True)
class EndsNotGiven:
    """The orders of the worst-case groups that say they ended but not when. ``stops``: those judged at their worst,
    by id() (orders of the record, which outlives the answer); ``unplaced``: those that cannot be judged (when they
    were taken is not known: never to be read as not taken); ``over``: those begun too long ago to matter, read as
    over before the look-back, each described (for an explanation to say so)."""

    stops: dict[int, UnknownStop]
    unplaced: tuple[Unplaced, ...]
    over: tuple[str, ...] = ()


def _status(order: MedicationOrder) -> str:
    """An ended order's status in words: 'stopped', 'completed', 'status unknown' or 'no status'."""
    if order.status is None:
        return "no status"
    return "status unknown" if order.status == "unknown" else order.status


def _began(order: MedicationOrder, first: date) -> str:
    """When the open part of an order began, for the evidence: its start, or its open last step's first day."""
    return f"last step from {first}" if order.steps and first != order.start else f"started {order.start}"


def _ended(order: MedicationOrder, before: str = "") -> str:
    """How the order says it ended, for the evidence: its status (``before`` its end date), and that the day is not
    given."""
    if order.status in ("stopped", "completed"):
        return f"{order.status}{before} on a day the chart does not give"
    return f"{_status(order)}, no end day given"


def _text_only(dosages: tuple[Dosage, ...]) -> bool:
    """Instructions in words only: neither when nor how much is structured (a structured dose with no timing is one
    administration)."""
    return any(d.text for d in dosages) and all(d.dose is None and d.timing == _NO_TIMING and not d.as_needed
                                                 for d in dosages)


def _open_part(order: MedicationOrder, today: date) -> tuple[date | None, tuple[Dosage, ...]] | None:
    """The part of an order whose end the chart does not give: its first day and instructions (a taper's open last
    step, else the whole order). None when an end is written: an end date, bounds, a count of administrations or a
    supply. (The record reads a non-current taper as ending on its open step's first day: no day it gave.) For an
    order that ended before its end date (:func:`courses.ended_before_its_end`) none of these ends it: all were
    written for a course it did not complete. With no start, such an order's end date places it
    (:func:`courses.last_dose_day` reads it as given at the latest today)."""
    first = open_first(order)
    if order.steps:
        step = order.steps[-1]
        if step.last is not None:
            return None
        dosages = tuple(d for d in order.dosages if d.sequence == step.sequence)
    else:
        dosages = order.dosages
    if ended_before_its_end(order, today):
        return None if first is None else (first, dosages)
    written_end = not order.steps and (
        order.end is not None or any(d.bounds_days is not None or d.bounds_end is not None for d in dosages))
    if written_end or order.supply_days or any(d.timing.count for d in dosages):
        return None
    return first, dosages


def ends_not_given(record: PatientRecord, thresholds: Thresholds | None = None) -> EndsNotGiven:
    """The systemic orders of the worst-case groups that say they ended (or name no current status) but not when."""
    t = thresholds or Thresholds()
    return _ends_not_given(record, t.unknown_stop_lookback_days, t.unknown_stop_max_age_days)


@per_record
def _ends_not_given(record: PatientRecord, lookback_days: int, max_age_days: int) -> EndsNotGiven:
    """Each such order whose open part repeats (a single administration or an as-needed order ended on its day) is
    judged until the last day it may have been given, when that part began within ``lookback_days`` (or the order
    ended before its end date, written to run past today). A later order of the drug (:func:`courses.taken_over`
    says which) bounds it: it ran at most until the day before that one started. Begun before the look-back, only
    such a later order places it (a chain of renewals each bounded by the next); with none it could have been taken
    until yesterday, and cannot be judged, unless it began more than ``max_age_days`` ago (never fewer than the
    look-back): a drug still taken would have been renewed since, so it is read as over before the look-back. An
    anti-CD20 order given on no day the chart gives (no start or end date, not current) cannot be judged, even a
    single infusion: one keeps B cells depleted for months. O(n log n)."""
    today = record.today
    earliest = today - timedelta(days=lookback_days)
    oldest = today - timedelta(days=max(max_age_days, lookback_days))
    stops: dict[int, UnknownStop] = {}
    unplaced: dict[int, Unplaced] = {}
    over: list[str] = []
    undated_anti_cd20 = {id(o) for o in td.rituximab_given(record).undated}  # R16 is not evaluable for these too
    for group in _WORST_CASE_GROUPS:
        for order in systemic(record.medications_in(group)):  # drafts, cancellations and errors never count
            if order.status_meaning.current:
                continue
            agent = _AGENTS.get(group, group)
            if group == "rituximab" and id(order) in undated_anti_cd20:
                unplaced[id(order)] = Unplaced(order, "no start or end date: when it was taken is not given", agent)
                continue
            if (part := _open_part(order, today)) is None:
                continue
            first, dosages = part
            text_only = _text_only(dosages)
            if not text_only and not repeats(dosages, negative_frequency_as_once=True):
                continue  # one administration (or as needed, or no instruction): it ended on its day
            # written to run past today: it ended on a day the chart does not give, however long ago it began
            unreached = ended_before_its_end(order, today)
            if first is None:
                unplaced[id(order)] = Unplaced(order, "no start or end date: when it was taken is not given", agent)
            elif first > today:
                continue
            elif text_only and not unreached and first >= earliest:
                unplaced[id(order)] = Unplaced(order, "dosage in text only: how long it was taken is not given" + (
                    "" if group in ALWAYS_HIGH else ", nor how much a day"), agent)
            else:
                successor = taken_over(record, order, group, first)
                if successor is None and first < earliest and not unreached:
                    if first < oldest:
                        over.append(f"{order.label} ({_status(order)}; {_began(order, first)}, more than "
                                    f"{(today - oldest).days} days ago, and no later order of it: read as over "
                                    "before the look-back)")
                    else:
                        unplaced[id(order)] = Unplaced(order, f"{_began(order, first)}, before the {lookback_days}-"
                                                              "day look-back, and no later order of it: when it "
                                                              "stopped is not given", agent)
                    continue
                until = today if successor is None else min(today, successor - timedelta(days=1))
                stops[id(order)] = UnknownStop(first, until, taken_over=until < today,
                                               unreached_end=order.end if unreached else None)
    return EndsNotGiven(stops, tuple(unplaced.values()), tuple(over))


def last_day(order: MedicationOrder, today: date, stops: Mapping[int, UnknownStop]
             ) -> tuple[UnknownStop | None, date | None]:
    """The last day ``order`` may have been given, as :func:`exposures` counts it (R28 too, for the doses the drafts
    record as given): its assumed last day when it stopped on a day the chart does not give (with that stop), else
    its last dose day; None when it never began."""
    stop = stops.get(id(order))
    return stop, (stop.until if stop else last_dose_day(order, today))


def _given(record: PatientRecord, groups: tuple[str, ...], days: int, stops: dict[int, UnknownStop]
           ) -> list[tuple[MedicationOrder, UnknownStop | None]]:
    """Systemic orders of ``groups`` given within ``days`` (a tacrolimus ointment suppresses no immunity)."""
    return _given_since(systemic(record.medications_in(*groups)), record.today,
                        record.today - timedelta(days=days), stops)


def _given_since(orders: Iterable[MedicationOrder], today: date, since: date, stops: dict[int, UnknownStop]
                 ) -> list[tuple[MedicationOrder, UnknownStop | None]]:
    """The ``orders`` given on or after ``since``, each with its unknown stop: one stopped on a day the chart does
    not give counts by the last day it may have been given."""
    found = []
    for order in orders:
        stop, last = last_day(order, today, stops)
        if last is not None and last >= since:
            found.append((order, stop))
    return found


def _at_worst(level: Level, stop_assumed: bool) -> Level:
    """A level judged as if an order ran to the last day it may have: high only if it ran that long, so it could
    not be shown to be low (unknown); low even then is low."""
    return "unknown" if stop_assumed and level == "high" else level


def _placed_by_stop(stop: UnknownStop | None, since: date) -> bool:
    """Whether only the assumed stop puts an order in the window from ``since``: its open part began before it. One
    begun within it was given within it for certain, so where one dose decides the level (an always-high drug, an
    anti-CD20, a per-kg dose) that level is known: anti-CD20 within 12 months is high by definition (section 4.2)."""
    return stop is not None and stop.first < since


def _when(order: MedicationOrder, record: PatientRecord, stop: UnknownStop | None = None) -> str:
    if stop is not None:
        return stop.describe(order)
    if order.current_on(record.today):
        return "current"
    last = last_dose_day(order, record.today)
    if last is None:
        return "undated"
    # an order that ended before its end date, on a day the chart does not give, is read as given until today
    latest = "at the latest " if ended_before_its_end(order, record.today) and last == record.today else ""
    return f"last given {latest}{last.isoformat()}"


def _peq_level(levels: steroids.DailyLevels, bridge_days: int, window_start: date, t: Thresholds
               ) -> tuple[Exposure, date] | None:
    """The glucocorticoid exposure of a PEQ timeline, and the first day its judgement reads."""
    best, best_end, top = steroids.Run(None, 0), None, 0.0
    # a run is longest on the last day of a dose step (the timeline ends today), so only those days are asked
    for _, last, peq in levels.runs():
        if last < window_start:
            continue
        top = max(top, peq)
        run = levels.run_at_or_above(t.peq_mg, last, bridge_days)  # a late refill's gap does not break it
        if run.days >= best.days and run.days > 0:
            best, best_end = run, last
    if best_end is not None:
        level: Level = "high" if best.days >= t.peq_days else "low"
        evidence = (f"prednisone-equivalent >= {t.peq_mg:g} mg/day for {best.days} days "
                    f"(to {best_end.isoformat()}{best.gap_note()})" if level == "high" else
                    f"prednisone-equivalent up to {top:g} mg/day, >= {t.peq_mg:g} mg/day for only {best.days} days "
                    f"(to {best_end.isoformat()}{best.gap_note()}; high-level from {t.peq_days} days)")
        return Exposure(_GLUCOCORTICOID, level, evidence), min(best.first or window_start, window_start)
    if top > 0:
        return (Exposure(_GLUCOCORTICOID, "low", f"prednisone-equivalent up to {top:g} mg/day (< {t.peq_mg:g} "
                                                  "mg/day)"), window_start)
    return None


# A course of the PEQ timeline (order, PEQ, first day, last day) with the stop of its order when it is that order's
# open part (else None)
_Course = tuple[MedicationOrder, float, date, date, UnknownStop | None]


def _peq_at_worst(courses: list[_Course], history: steroids.SteroidHistory, window_start: date, t: Thresholds
                  ) -> tuple[Exposure, date] | None:
    """The exposure of the PEQ timeline with each course stopped on an unknown day run to its assumed last day;
    None when no such course bears on the judgement. Only an order's open part is run on (a taper's open last step;
    its earlier steps keep their own days), so no two steps of one order are added together."""
    worst = _peq_level(steroids.daily_levels(((first, max(last, stop.until) if stop else last, peq)
                                              for _, peq, first, last, stop in courses), history.today),
                       history.bridge_days, window_start, t)
    if worst is None:
        return None
    exposure, since = worst
    assumed = [f"{order.label} {peq:g} mg/day prednisone-equivalent ({stop.describe(order)})"
               for order, peq, _, _, stop in courses if stop and stop.until >= since]
    if not assumed:
        return None
    return (Exposure(exposure.agent, _at_worst(exposure.level, True), f"{exposure.evidence}; {'; '.join(assumed)}"),
            since)


# the age below which a child with no current weight may weigh under 10 kg (the 3rd centile reaches 10 kg by about 2
# years; a 5-year-old under 10 kg is far below the 0.1st) [sign-off]
UNDER_10_KG_MAX_AGE_YEARS = 5


def paediatric_peq_limit(record: PatientRecord, context: HookContext, t: Thresholds
                         ) -> tuple[float | None, str] | None:
    """A child's high-level PEQ where it is below ``t.peq_mg`` (``t.paediatric_peq_mg_per_kg`` on a weight under
    10 kg): (mg/day, the words that say why) from the current weight; (None, the weight missing) with no current
    weight for a child young enough to weigh under 10 kg, as the per-kg arm cannot then be judged. None for an adult
    (or no age), a child of 10 kg or more, or an older child unweighed."""
    if not is_paediatric(record, context):
        return None
    weight = dosing_weight(record, context)
    if weight is None:
        # only a young child may weigh under 10 kg: an older one unweighed is judged at the 20 mg/day
        young = (record.youngest_age_years or 0) < UNDER_10_KG_MAX_AGE_YEARS
        return (None, "no current weight" + why_not_current(record, context, "weight", "kg")) if young else None
    limit = t.paediatric_peq_mg_per_kg * weight.value
    return ((round(limit, 2), f"a child's {t.paediatric_peq_mg_per_kg:g} mg/kg/day at weight {weight.describe('kg')}")
            if limit < t.peq_mg else None)


def _as_a_child(record: PatientRecord, context: HookContext, t: Thresholds, adult: Exposure,
                judged_at: Callable[[Thresholds], Exposure | None], doses: Iterable[float]) -> Exposure:
    """A child's glucocorticoid exposure, ``adult`` being low at ``t.peq_mg``: judged again from 2 mg/kg/day on the
    current weight (:func:`paediatric_peq_limit`); with no current weight, unknown when some dose was held long
    enough to be high at a small enough weight (the highest such dose is named, with that weight), else low
    whatever the weight."""
    limit = paediatric_peq_limit(record, context, t)
    if limit is None:
        return adult
    mg, why = limit
    if mg is not None:
        child = judged_at(replace(t, peq_mg=mg)) or adult
        return replace(child, evidence=f"{child.evidence}: {why}")
    held = next((dose for dose in sorted(set(doses), reverse=True)
                 if (at := judged_at(replace(t, peq_mg=dose))) is not None and at.level != "low"), None)
    if held is None:
        return adult
    per_kg = t.paediatric_peq_mg_per_kg
    return replace(adult, level="unknown", evidence=(
        f"{adult.evidence}; a child is high level from {per_kg:g} mg/kg/day for {t.peq_days} days as well: "
        f"{held:g} mg/day for that long is high at {held / per_kg:g} kg or less, and there is {why}"))


def _glucocorticoid(record: PatientRecord, context: HookContext, t: Thresholds, stops: dict[int, UnknownStop]
                    ) -> list[Exposure]:
    """The PEQ exposure as the chart gives it for certain, each course stopped on an unknown day on its open part's
    first day only: the timeline runs one that ended before its end date to today (the latest it may have been
    given), which is no more certain than a stop with no end date at all. High for certain needs no worst case;
    else, when such a course bears on it, it is judged at its worst (:func:`_peq_at_worst`), the stop named. A
    child's is judged from 2 mg/kg/day as well (:func:`_as_a_child`). With the glucocorticoids whose dose or days
    cannot be read."""
    history = steroids.history(record, context)
    window_start = record.today - timedelta(days=t.recent_days)
    courses: list[_Course] = [
        (order, peq, first, last, stop if (stop := stops.get(id(order))) and first == stop.first else None)
        for order, peq, first, last in history.courses]
    assumed = any(stop for *_, stop in courses)
    certain = (steroids.daily_levels(((first, first if stop else last, peq) for _, peq, first, last, stop in courses),
                                     record.today) if assumed else history.levels)

    def judged_at(at: Thresholds) -> Exposure | None:
        judged = _peq_level(certain, history.bridge_days, window_start, at)
        if assumed and (judged is None or judged[0].level != "high"):
            judged = _peq_at_worst(courses, history, window_start, at) or judged
        return judged[0] if judged else None

    exposure = judged_at(t)
    if exposure is not None and exposure.level == "low":
        doses = (peq for levels in (certain, history.levels) for _, last, peq in levels.runs()
                 if peq > 0 and last >= window_start)
        exposure = _as_a_child(record, context, t, exposure, judged_at, doses)
    found = [exposure] if exposure else []
    for order, stop in _given_since(history.unreadable, record.today, window_start, stops):
        unread = "no start date: its days cannot be placed" if order.start is None else "dose could not be read"
        found.append(Exposure(_GLUCOCORTICOID, "unknown", f"{order.label} ({_when(order, record, stop)}): {unread}",
                              (order,)))
    return found


def _given_together(orders: list[MedicationOrder], today: date) -> list[MedicationOrder]:
    """Of ``orders``, those given together today, whose doses add up (azathioprine 100 mg and 50 mg daily,
    150 mg/day; methotrexate 15 mg oral and 10 mg subcutaneous weekly, 25 mg/week): current, begun, not on hold, and
    neither the order another one renews or changes (its priorPrescription) nor one that ends today beside one that
    begins today (a dose change handed over). Orders given one after another (a completed one, or a renewal left
    active) are judged one by one, as the chart does not say they overlap."""
    current = [order for order in orders if order.current_on(today) and order.status != "on-hold"
               and (order.start is None or order.start <= today)]
    renewed = {order.prior for order in current if order.prior}
    begins_today = any(order.start == today for order in current)
    together = [order for order in current if order.reference not in renewed
                and not (begins_today and order.end == today and order.start != today)]
    return together if len(together) > 1 else []


def _daily_within(order: MedicationOrder, weight_kg: float | None, since: date, today: date) -> float | None:
    """The order's mg a day at its highest step given from ``since`` to ``today``: a taper written as one order is
    judged by the steps it gave in the window, not one finished before it (azathioprine 200 mg for two weeks, then
    100 mg for months, is 100 mg/day now); an order without steps, or whose steps' days are not read, at its highest
    (dosing.daily_mg). None when a dose cannot be read."""
    by_step = dosing.daily_mg_by_sequence(order, weight_kg)
    if by_step is None:
        return None
    within = [by_step.get(step.sequence, 0.0) for step in order.steps
              if step.first <= today and (step.last is None or step.last >= since)]
    return max(within or by_step.values(), default=None)


def _per_kg(record: PatientRecord, context: HookContext, agent: str, limit: float, per: str, recent_days: int,
            stops: dict[int, UnknownStop]) -> list[Exposure]:
    """The exposures of one drug judged per kg (``per`` day or week) within ``recent_days``, oldest order first: the
    orders given together today (:func:`_given_together`) as one exposure, their doses added up; each other order on
    its own, at its worst when it stopped on a day the chart does not give (:func:`_at_worst`). An order whose dose
    cannot be read, or with no current weight, is unknown on its own."""
    weight = dosing_weight(record, context)
    scale = 7 if per == "week" else 1
    since = record.today - timedelta(days=recent_days)
    read = [(order, stop, _daily_within(order, weight.value if weight else None, since, record.today))
            for order, stop in _given(record, (agent,), recent_days, stops)]
    dosed = [(o, stop, daily) for o, stop, daily in read if daily is not None]
    together = _given_together([o for o, stop, _ in dosed if stop is None], record.today) if weight else []
    found: list[Exposure] = []
    for order, stop, daily in read:
        label = f"{order.label} ({_when(order, record, stop)})"
        if daily is None:
            found.append(Exposure(agent, "unknown", f"{label}: dose could not be read", (order,)))
        elif weight is None:
            found.append(Exposure(agent, "unknown", f"{label}: {daily * scale:g} mg/{per}, no current weight to "
                                                    f"judge against {limit:g} mg/kg/{per}", (order,)))
        elif not any(order is o for o in together):
            found.append(_judged(record, agent, [(order, stop, daily)], limit, per, scale, weight, since))
        elif order is together[0]:  # the orders given together make one exposure, where the first of them stands
            found.append(_judged(record, agent, [d for d in dosed if any(d[0] is t for t in together)], limit, per,
                                 scale, weight, since))
    return found


def _judged(record: PatientRecord, agent: str, group: list[tuple[MedicationOrder, UnknownStop | None, float]],
            limit: float, per: str, scale: int, weight: Measure, since: date) -> Exposure:
    """One exposure of the orders of ``group`` (each with its assumed stop and mg a day), their doses added up;
    judged in the window from ``since``."""
    amount = sum(daily for *_, daily in group) * scale
    per_kg = amount / weight.value
    level: Level = "high" if per_kg > limit else "low"
    labels = [f"{order.label} ({_when(order, record, stop)})" for order, stop, _ in group]
    head = (f"{labels[0]}: " if len(group) == 1 else "".join(
        f"{label}: {daily * scale:g} mg/{per}; " for label, (*_, daily) in zip(labels, group, strict=True))
        + "given on the same days: ")
    evidence = (f"{head}{amount:g} mg/{per} = {per_kg:.2f} mg/kg/{per} {'>' if level == 'high' else '<='} "
                f"{limit:g} (weight {weight.describe('kg')})")
    return Exposure(agent, _at_worst(level, any(_placed_by_stop(stop, since) for _, stop, _ in group)), evidence,
                    tuple(order for order, _, _ in group))


def exposures(record: PatientRecord, context: HookContext, thresholds: Thresholds | None = None
              ) -> list[Exposure]:
    """Every immunosuppressive exposure that counts now, each with its level."""
    return _exposures(record, context, thresholds or Thresholds())


@per_record
def _exposures(record: PatientRecord, context: HookContext, t: Thresholds) -> list[Exposure]:
    stops = ends_not_given(record, t).stops
    found = _glucocorticoid(record, context, t, stops)
    found += _per_kg(record, context, "methotrexate", t.mtx_mg_per_kg_week, "week", t.recent_days, stops)
    found += _per_kg(record, context, "azathioprine", t.aza_mg_per_kg_day, "day", t.recent_days, stops)
    since = record.today - timedelta(days=t.recent_days)
    for order, stop in _given(record, ALWAYS_HIGH, t.recent_days, stops):
        agent = next(g for g in ALWAYS_HIGH if order.in_group(g))
        found.append(Exposure(agent, _at_worst("high", _placed_by_stop(stop, since)),
                              f"{order.label} ({_when(order, record, stop)})", (order,)))
    anti_cd20_days = int(context.definition("anti_cd20_in_use_days"))
    cd20_since = record.today - timedelta(days=anti_cd20_days)
    for order, stop in _given(record, ("rituximab",), anti_cd20_days, stops):
        found.append(Exposure(_ANTI_CD20, _at_worst("high", _placed_by_stop(stop, cd20_since)),
                              f"{order.label} ({_when(order, record, stop)}; anti-CD20 within {anti_cd20_days} "
                              "days)", (order,)))
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
