"""Glucocorticoid exposure in prednisone equivalents (PEQ): daily timeline, T_tx, sustained doses."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from hooks.context import HookContext
from hooks.definitions.cohorts import iim_onset, is_paediatric
from hooks.definitions.courses import (
    course_days,
    course_end,
    days_text,
    ended_before_its_end,
    ended_early_text,
    given_since,
    given_today,
    last_dose_day,
    not_over,
    planned,
    taken_over_on,
)
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.routes import (
    IM_ROUTE_CODES,
    ORAL_ROUTE_CODES,
    SC_ROUTE_CODES,
    V3_ROUTE,
    route_is,
    route_says_im,
    route_says_iv,
    route_words,
    systemic,
)
from hooks.definitions.weight import Measure, dosing_weight, weight_near
from hooks.dosing import prednisone_equivalent, prednisone_equivalent_by_sequence, why_no_daily_mg
from hooks.record import SNOMED, MedicationOrder, PatientRecord, per_record

HISTORY_DAYS = 3 * 365  # how far back the daily timeline reaches
GROUP = "glucocorticoid_systemic"
# Adrenal replacement, not treatment: the glucocorticoids given for adrenal insufficiency and as stress cover. No
# card replaces or stops them (stopping risks an adrenal crisis); R01 and R02 do not count them as immunosuppression
# at those doses (diagnosis.glucocorticoid_day).
ADRENAL_REPLACEMENT = ("hydrocortisone", "cortisone")
# The glucocorticoids whose whole daily dose the oral 1 mg/kg/day of prednis(ol)one after a pulse replaces, and so
# discontinues (R19, R31). Any other oral glucocorticoid (dexamethasone for brain oedema or nausea, deflazacort for
# Duchenne) is given for its own reason: named, never discontinued by a card.
REPLACED_BY_PREDNISONE = ("prednisone", "prednisolone", "methylprednisolone")
_OTHER_ROUTE_CODES = {system: (*IM_ROUTE_CODES[system], *ORAL_ROUTE_CODES[system], *SC_ROUTE_CODES[system])
                      for system in (SNOMED, V3_ROUTE)}
_OTHER_ROUTE_WORDS = ("intramuscular", "intra-articular", "intraarticular", "intralesional", "epidural",
                      "subcutaneous", "oral", "topical", " im ", " po ", " sc ")


# ... or in a product's name: an injectable, or the sodium succinate salt (Solu-Medrol) that pulses are given as
_INJECTABLE_WORDS = re.compile(r"\b(injectable|injection|intravenous|iv|ivpb|infusion|sodium succinate|"
                               r"solu[- ]?medrol)\b")


def is_intravenous(order: MedicationOrder) -> bool:
    """Given into a vein: by the route, else, when no route says otherwise, by an injectable product's name. A
    route that names another way in (a Depo-Medrol shot into a muscle or a joint) is never an IV pulse."""
    route = order.route
    if route is not None:
        words = route_words(route)
        if route_says_iv(route):
            return True
        if route_is(route, _OTHER_ROUTE_CODES) or any(w in words for w in _OTHER_ROUTE_WORDS):
            return False
    return _INJECTABLE_WORDS.search(order.medication.words()) is not None


def is_intramuscular(order: MedicationOrder) -> bool:
    """The order's route says intramuscular, by code or in words ('IM', 'intramuscular'), as every rule reads it."""
    route = order.route
    return route is not None and route_says_im(route)


def is_iv_methylprednisolone(order: MedicationOrder) -> bool:
    return order.medication.concept_in(GROUP) == "methylprednisolone" and is_intravenous(order)


def iv_pulses_since(record: PatientRecord, since: date) -> list[MedicationOrder]:
    """IV methylprednisolone courses current now or last given on or after ``since``."""
    return [m for m in given_since(record, GROUP, since=since) if is_iv_methylprednisolone(m)]


# R07's rule id: its parameters say from what daily dose IV methylprednisolone is a pulse (read, never imported)
IVMP_PULSE_CAP = "ivmp-pulse-dose-cap"


@dataclass(frozen=True, slots=True)
class PulseLevel:
    """The daily IV methylprednisolone dose from which a day is a pulse day (``mg_day``), and, where a weighed child's
    mg/kg/day set it below the adult level, that mg/kg/day (``per_kg``) and the weight (``kg``)."""

    mg_day: float
    per_kg: float | None = None
    kg: float | None = None

    def describe(self) -> str:
        """'250 mg/day', or a weighed child's '60 mg/day: 7.5 mg/kg/day at 8 kg'."""
        from hooks.definitions.dose_basis import mg  # here, not above: dose_basis imports this module

        by_weight = f": {self.per_kg:g} mg/kg/day at {self.kg:g} kg" if self.per_kg is not None else ""
        return f"{mg(self.mg_day)}/day{by_weight}"


def pulse_level(context: HookContext, child: bool, weight_kg: float | None) -> PulseLevel:
    """From what daily dose IV methylprednisolone is a pulse dose, as R07 counts pulse days and R31 names a pulse on
    file: R07's ``high_dose_mg_day`` (250 mg/day, a quarter of the adult 1 g pulse); for a child with a current weight
    the lower of that and ``paediatric_high_dose_mg_per_kg_day`` (7.5 mg/kg/day, the same quarter of the 30 mg/kg
    child pulse) x the weight, so that a small child's pulse (30 mg/kg at 8 kg: 240 mg) counts. With no weight a
    child's level cannot be computed: 250 mg/day, as for an adult."""
    p = context.thresholds.of_rule(IVMP_PULSE_CAP)
    adult = PulseLevel(p["high_dose_mg_day"])
    if not child or weight_kg is None:
        return adult
    per_kg = p["paediatric_high_dose_mg_per_kg_day"]
    level = round(per_kg * weight_kg, 6)  # 7.5 x 8.3 is 62.25000000000001: a 62.25 mg dose is at the level
    return PulseLevel(level, per_kg, weight_kg) if level < adult.mg_day else adult


@dataclass(frozen=True, slots=True)
class Run:
    """Days at or above a threshold up to a day, counted on the calendar from ``first``: the days of a bridged
    gap count, so "for ``days`` days since ``first``" stays true. ``gaps``: first and last day of each gap."""

    first: date | None
    days: int
    gaps: tuple[tuple[date, date], ...] = ()

    def describe_gaps(self) -> str | None:
        """The bridged gaps' dates, or None when the run has none."""
        if not self.gaps:
            return None
        return ", ".join(first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
                         for first, last in self.gaps)

    def gap_note(self) -> str:
        """The clause a card adds inside the parentheses after the count when a gap was bridged (else nothing)."""
        gaps = self.describe_gaps()
        return f"; a short gap on {gaps} is counted as a late refill, not a stop" if gaps else ""



@dataclass(frozen=True, slots=True)
class Exposure:
    """Today's glucocorticoid dose and its run at or above ``threshold`` up to today, as a card says them.

    ``stopped`` names the orders that ended before their end date (courses.ended_before_its_end) whose dose is part
    of today's on the timeline: that part is only the latest it may have been given, so the dose is "up to" it, and
    the run may have ended on the stop day the chart does not give: ``certain_days`` is the run without them."""

    run: Run
    threshold: float
    peq_today: float
    certain_days: int
    peq_given_today: float = 0.0
    stopped: str | None = None

    @property
    def days(self) -> str:
        """'101', or 'up to 101' when the run is that long only with the orders that ended on an unknown day."""
        return f"up to {self.run.days}" if self.certain_days < self.run.days else str(self.run.days)

    def dose(self) -> str:
        """'40 mg/day today', or 'up to 60 mg/day (40 mg/day given today; <orders that ended early>)'."""
        if self.stopped is None:
            return f"{self.peq_today:g} mg/day today"
        given = f"{self.peq_given_today:g} mg/day given today" if self.peq_given_today else "none given today"
        return f"up to {self.peq_today:g} mg/day ({given}; {self.stopped})"

    def headline(self) -> str:
        """'40 mg/day', or 'up to 60 mg/day (40 given today)': for a card's summary line."""
        if self.stopped is None:
            return f"{self.peq_today:g} mg/day"
        return f"up to {self.peq_today:g} mg/day ({self.peq_given_today:g} given today)"

    def sentence(self) -> str:
        """The card's sentence for the run reaching today."""
        since = self.run.first.isoformat() if self.run.first else "-"
        return (f"Prednisone-equivalent {self.dose()}, at or above {self.threshold:g} mg/day for {self.days} "
                f"consecutive days (since {since}{self.run.gap_note()})")


@dataclass(frozen=True, slots=True)
class DailyLevels:
    """A daily amount (mg/day PEQ) from day ``first`` to day ``last`` (ordinals) as a step function.

    ``values[i]`` holds from day ``starts[i]`` until the day before ``starts[i + 1]`` (the last run until
    ``last``); ``starts[0] == first``. Built from the courses' spans, so it costs a few steps per course however
    many years they cover, and every question (a day's dose, a run of days, the dose changes) walks runs, not days.
    """

    first: int
    last: int
    starts: tuple[int, ...]
    values: tuple[float, ...]

    @classmethod
    def from_spans(cls, spans: Iterable[tuple[date, date, float]], first: date, last: date) -> DailyLevels:
        """The sum of ``(first day, last day, mg/day)`` spans on each day from ``first`` to ``last``."""
        origin, end = first.toordinal(), last.toordinal()
        deltas: dict[int, float] = defaultdict(float)
        for span_first, span_last, level in spans:
            start, stop = max(span_first.toordinal(), origin), min(span_last.toordinal(), end)
            if start <= stop:
                deltas[start] += level
                deltas[stop + 1] -= level
        starts, values, running = [origin], [0.0], 0.0
        for day in sorted(deltas):
            if day > end:
                break
            running += deltas[day]
            value = round(running, 6)  # 0.1 + 0.2 - 0.3 is not 0: a stopped course must read as zero
            if day == origin:
                values[0] = value
            elif value != values[-1]:
                starts.append(day)
                values.append(value)
        return cls(origin, end, tuple(starts), tuple(values))

    def on(self, day: date) -> float:
        ordinal = day.toordinal()
        if not self.first <= ordinal <= self.last:
            return 0.0
        return self.values[bisect_right(self.starts, ordinal) - 1]

    def runs(self) -> Iterator[tuple[date, date, float]]:
        """(first day, last day, value) of each run of one value, oldest first."""
        ends = (*self.starts[1:], self.last + 1)
        for start, stop, value in zip(self.starts, ends, self.values, strict=True):
            yield date.fromordinal(start), date.fromordinal(stop - 1), value

    def last_rise(self, first: date, last: date) -> date:
        """The latest day after ``first``, up to ``last``, on which the level went up; ``first`` if none did."""
        start, stop = first.toordinal(), last.toordinal()
        rises = (self.starts[i] for i in range(bisect_right(self.starts, start), len(self.starts))
                 if self.starts[i] <= stop and self.values[i] > self.values[i - 1])
        return date.fromordinal(max(rises, default=start))

    def run_at_or_above(self, threshold: float, ending: date, bridge_days: int) -> Run:
        """The run of days at ``threshold`` or more that ends on ``ending``. A late refill does not end it: a
        stretch of at most ``bridge_days`` days with no glucocorticoid at all, between two stretches at the
        threshold of at least ``bridge_days`` days each; its days count. A lower dose is a step down, not a
        refill; short bursts a few days apart are separate courses; a stretch that reaches ``ending`` (a dose not
        back yet) or the timeline's first day is never bridged."""
        ordinal = ending.toordinal()
        if not self.first <= ordinal <= self.last:
            return Run(None, 0)
        index = bisect_right(self.starts, ordinal) - 1
        if self.values[index] < threshold:
            return Run(None, 0)
        run_start, segment_end, gaps = ordinal, ordinal, []
        while index >= 0:
            if self.values[index] >= threshold:
                run_start = self.starts[index]
                index -= 1
                continue
            below = index  # the stretch below the threshold is steps below + 1 .. index
            while below >= 0 and self.values[below] < threshold:
                below -= 1
            gap_first = self.starts[below + 1]
            if (below < 0 or run_start - gap_first > bridge_days
                    or any(self.values[k] > 0 for k in range(below + 1, index + 1))
                    or segment_end - run_start + 1 < bridge_days
                    or gap_first - self._stretch_start(below, threshold) < bridge_days):
                break
            gaps.append((date.fromordinal(gap_first), date.fromordinal(run_start - 1)))
            index, segment_end = below, gap_first - 1
        return Run(date.fromordinal(run_start), ordinal - run_start + 1, tuple(reversed(gaps)))

    def _stretch_start(self, index: int, threshold: float) -> int:
        """The first day of the stretch at ``threshold`` or more that step ``index`` ends."""
        while index > 0 and self.values[index - 1] >= threshold:
            index -= 1
        return self.starts[index]


def daily_levels(spans: Iterable[tuple[date, date, float]], today: date) -> DailyLevels:
    """Daily PEQ of ``(first, last, mg/day)`` spans from HISTORY_DAYS ago to today."""
    return DailyLevels.from_spans(spans, today - timedelta(days=HISTORY_DAYS), today)


@dataclass(slots=True)
class SteroidHistory:
    """Daily PEQ from HISTORY_DAYS ago to ``today``, every course with its full dates, and the courses whose dose
    could not be read. ``bridge_days``: the longest gap (a late refill) that does not break a run of days."""

    levels: DailyLevels
    today: date
    bridge_days: int
    courses: list[tuple[MedicationOrder, float, date, date]] = field(default_factory=list)
    unreadable: list[MedicationOrder] = field(default_factory=list)
    weight_kg: float | None = None  # the weight the doses were read by (mg/kg orders)

    def peq_on(self, day: date) -> float:
        return self.levels.on(day)

    def peq_given_today(self, drug: str | None = None) -> float:
        """Today's PEQ from the courses given today as the chart says: an order that ended before its end date
        (courses.ended_before_its_end) is on the timeline until today, the latest it may have been given, but it
        is over, so it gives no dose today (R23's "today ... mg/day PEQ"); nor does one that starts after today.
        With ``drug`` ('prednisone'), that drug's orders alone (R01 names each glucocorticoid's dose today)."""
        return round(sum(peq for order, peq, _, _ in self._reaching_today()
                         if (drug is None or order.medication.concept_in(GROUP) == drug)
                         and not ended_before_its_end(order, self.today)), 6)

    def given_today(self) -> bool:
        """A glucocorticoid is given today as the chart says (:meth:`peq_given_today`), one whose dose cannot be read
        included (courses.given_today)."""
        return self.peq_given_today() > 0 or any(given_today(o, self.today) for o in self.unreadable)

    def days_given(self) -> list[tuple[MedicationOrder, float | None, date, date]]:
        """Every course that gave a dose, with its PEQ (None: a dose that cannot be read, given all the same) and its
        first and last day: the days R29 joins into runs of immunosuppression."""
        given: list[tuple[MedicationOrder, float | None, date, date]] = [
            (order, peq, first, last) for order, peq, first, last in self.courses if peq > 0]
        return given + [(order, None, *span) for order in self.unreadable
                        if (span := course_days(order, self.today)) is not None]

    def _reaching_today(self) -> Iterator[tuple[MedicationOrder, float, date, date]]:
        """The courses whose days include today."""
        return (course for course in self.courses if course[2] <= self.today <= course[3])

    def over_by_today(self, *, unreadable: bool = True) -> list[MedicationOrder]:
        """The orders read as given up to today that ended before their end date: today is only the latest day
        they may have been given; with ``unreadable``, those whose dose could not be read too."""
        reach = [order for order, _, _, _ in self._reaching_today()]
        if unreadable:
            reach += self.unreadable_since(self.today)
        return list({id(o): o for o in reach if ended_before_its_end(o, self.today)}.values())

    def exposure(self, threshold: float) -> Exposure:
        """Today's dose and the run at or above ``threshold`` up to today (:class:`Exposure`): the part of today's
        dose from courses whose order ended before its end date is named, and the run is also read without them."""
        run = self.run_at_or_above(threshold, self.today)
        ended = [course for course in self._reaching_today()
                 if course[1] > 0 and ended_before_its_end(course[0], self.today)]
        if not ended:
            return Exposure(run, threshold, self.peq_on(self.today), run.days)
        gone = {id(course) for course in ended}
        without = daily_levels(((c[2], c[3], c[1]) for c in self.courses if id(c) not in gone), self.today)
        certain = without.run_at_or_above(threshold, self.today, self.bridge_days).days
        stopped = "; ".join(dict.fromkeys(ended_early_text(course[0]) for course in ended))
        return Exposure(run, threshold, self.peq_on(self.today), certain, self.peq_given_today(), stopped)

    def run_at_or_above(self, threshold: float, ending: date) -> Run:
        """The days, ending on ``ending``, with PEQ >= threshold, a late refill's gap counted in (see
        :meth:`DailyLevels.run_at_or_above`)."""
        return self.levels.run_at_or_above(threshold, ending, self.bridge_days)

    def full_levels(self) -> DailyLevels:
        """The daily PEQ from the first course's first day, for questions that reach further back than the
        timeline (T_tx); the timeline itself when no course starts before it."""
        earliest = min((first for _, _, first, _ in self.courses), default=self.today)
        if earliest.toordinal() >= self.levels.first:
            return self.levels
        return DailyLevels.from_spans(((first, last, peq) for _, peq, first, last in self.courses), earliest,
                                      self.today)

    def last_given(self) -> date | None:
        """The last day a glucocorticoid was given up to today, a course whose dose cannot be read included."""
        dosed = [last for _, last, peq in self.levels.runs() if peq > 0]
        unread = [day for o in self.unreadable if (day := last_dose_day(o, self.today)) is not None]
        return max((*dosed[-1:], *unread), default=None)

    def unreadable_since(self, day: date) -> list[MedicationOrder]:
        """Orders whose dose could not be read, last given on or after ``day``: the doses they left out of the
        timeline could change any answer about that window. When is read as courses.last_dose_day reads it (an end
        date ends a course whatever its status says; a current course without one runs to today)."""
        return [o for o in self.unreadable if (last := last_dose_day(o, self.today)) is not None and last >= day]

    def why_unread(self, order: MedicationOrder) -> str | None:
        """What to fix in an order of :attr:`unreadable` (dosing.why_no_daily_mg): 'timing not readable (frequency
        -1, period 1 d)', 'frequency not given', '1 mg/kg with no current weight', or 'start date not read'."""
        return why_no_daily_mg(order, self.weight_kg) or ("start date not read" if order.start is None else None)

    def unread_named(self, order: MedicationOrder) -> str:
        """An order of :attr:`unreadable` as a reason names it, with what to fix: 'prednisone 20 MG Oral Tablet
        (frequency not given)'."""
        why = self.why_unread(order)
        return f"{order.label} ({why})" if why else order.label


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes (contract section 3): each systemic glucocorticoid given within the timeline's reach whose
    daily dose could not be read, with what to fix. It is left off the timeline, so the rules that add doses up
    (treatment start, PJP prophylaxis, bone protection, taper) are not evaluable or judge without it; said here too,
    since a chart opened without ?explain would otherwise show only that their cards are gone."""
    found = history(record, context)
    return [f"{order.label} ({order.reference}), {found.why_unread(order) or 'daily dose not read'}: the "
            "glucocorticoid checks (treatment start, PJP prophylaxis, bone protection, taper) could not count its dose."
            for order in found.unreadable_since(record.today - timedelta(days=HISTORY_DAYS))]


def _dosed_spans(order: MedicationOrder, today: date, weight_kg: float | None, taken_over_on: date | None
                 ) -> list[tuple[date, date, float]] | None:
    """(first day, last day, PEQ) of a course, or of each step of a taper written as one order; None when a
    dose or the start cannot be read. An order that ended before its end date and was taken over by a later one
    (``taken_over_on``: courses.course_end) runs until the day before that one started."""
    if not order.steps:
        span, peq = course_days(order, today, taken_over_on), prednisone_equivalent(order, weight_kg)
        return None if span is None or peq is None else [(*span, peq)]
    peqs = prednisone_equivalent_by_sequence(order, weight_kg)
    if peqs is None:
        return None
    spans = []
    # no step runs past the order's end (an open last step: to it, or to today while it runs)
    end = min(course_end(order, today, taken_over_on) or today, today)
    for step in order.steps:
        if step.first > end:
            break
        last = min(step.last or end, end)
        spans.append((step.first, last, peqs.get(step.sequence, 0.0)))  # a dose-less step: none given
    return spans


@per_record
def systemic_glucocorticoids(record: PatientRecord) -> list[MedicationOrder]:
    """The glucocorticoid orders given systemically: a cream, eye drops or an inhaler of the same ingredient is not a
    systemic course. Read once per call, as the PEQ history and the combination-therapy count both walk them."""
    return systemic(record.medications_in(GROUP))


def orals_going_on(record: PatientRecord) -> list[MedicationOrder]:
    """The systemic glucocorticoid orders neither IV nor IM that are given now or planned (courses.not_over), and any
    with no start date whose status says it is current: what the oral dose after a pulse replaces or is given beside
    (R19, R31)."""
    today = record.today
    return [order for order in systemic_glucocorticoids(record)
            if not (is_intravenous(order) or is_intramuscular(order))
            and (not_over(order, today) or (order.start is None and order.current_on(today)))]


@per_record
def history(record: PatientRecord, context: HookContext) -> SteroidHistory:
    weight = dosing_weight(record, context)
    weight_kg = weight.value if weight else None
    courses, unreadable = [], []
    for order in systemic_glucocorticoids(record):
        spans = _dosed_spans(order, record.today, weight_kg, taken_over_on(record, order, GROUP))
        if spans is None:
            unreadable.append(order)
            continue
        courses += [(order, peq, first, last) for first, last, peq in spans]
    levels = daily_levels(((first, last, peq) for _, peq, first, last in courses), record.today)
    return SteroidHistory(levels, record.today, int(context.definition("dose_gap_bridge_days")), courses, unreadable,
                          weight_kg)


class TreatmentStart(NamedTuple):
    """T_tx as the chart tells it (:func:`read_treatment_start`), read once: a rule that errs toward a recent T_tx
    (R22, R25) needs more than the day found, and R17 the pulse still to come."""

    found: tuple[date, str] | None  # T_tx (day, how it was found): :func:`treatment_start`
    why_unknown: str | None  # why T_tx may lie earlier than found, or exist though none was found (plain words)
    # The latest day T_tx may be: the one found (an unknown T_tx lies before it); else the planned pulse's day (T_tx
    # comes by then); else, when T_tx is unknown, the latest first day of a course that may be T_tx (today only for
    # one whose dose and dates cannot be read); None when there is no T_tx
    latest: date | None
    # with none found, the first IV methylprednisolone pulse planned from a later day (courses.planned): T_tx to
    # come, not T_tx yet (day, how)
    to_come: tuple[date, str] | None

    @property
    def unknown(self) -> str | None:
        """Why T_tx is unknown, in the decision table's term, for explanations and facts: 'T_tx unknown: ...'."""
        return f"T_tx unknown: {self.why_unknown}" if self.why_unknown else None

    @property
    def unknown_on_a_card(self) -> str | None:
        """Why T_tx is unknown in a card's words ('T_tx' is the table's shorthand): 'Treatment start unknown: ...'."""
        return f"Treatment start unknown: {self.why_unknown}" if self.why_unknown else None

    def latest_words(self, today: date) -> str | None:
        """The latest day T_tx may be in a card's words, after "before" or "counted from": one wording for the rules
        that anchor on it (R22's early phase, R25's DXA window). "treatment started (d)", "the treatment planned (IV
        methylprednisolone from d)", or with T_tx unknown "the latest day treatment may have started (d, N days
        ago)" (or "(today, d)"), "... may start (d, in N days)" (a course that may be T_tx planned from a later day
        has not begun)."""
        day = self.latest
        if day is None:
            return None
        if not self.why_unknown:  # T_tx is the one found, or the pulse to come
            return f"the treatment planned ({self.to_come[1]})" if self.to_come else f"treatment started ({day})"
        since = (today - day).days
        if since == 0:
            return f"the latest day treatment may have started (today, {day})"
        if since > 0:
            return f"the latest day treatment may have started ({day}, {days_text(since)} ago)"
        how = self.to_come[1] if self.to_come else day
        return f"the latest day treatment may start ({how}, in {days_text(-since)})"

    def unknown_facts(self) -> dict[str, str | date | None]:
        """The facts of a rule that errs toward a recent T_tx on an unknown T_tx: why it may lie earlier than found
        or exist though none was (``t_tx_unknown``), and, with none found, the latest day it may be
        (``t_tx_latest_possible``)."""
        return {"t_tx_unknown": self.unknown, "t_tx_latest_possible": None if self.found else self.latest}


@per_record
def episode_start(record: PatientRecord, context: HookContext) -> date:
    """The first day of this myositis episode's treatment, as T_tx reads it: a course over before it belongs to
    another illness, or to an earlier episode. It is the onset (cohorts.iim_onset), or the first day of a run of
    courses at the T_tx level (:func:`_at_treatment_level`, IV methylprednisolone pulses given) that reaches the
    onset: given on it, or over at most ttx_episode_gap_days before it, the courses joined across gaps of at most
    that (a washout before the biopsy; patients are often treated before the diagnosis is charted). Only courses at
    the T_tx level make a run: a low maintenance dose given for years (polymyalgia, adrenal replacement) does not tie
    an old burst to this episode, nor does another agent's course. With no onset on file the episode cannot be dated:
    it reaches back HISTORY_DAYS. A drug-free remission after that day ends the episode (:func:`_after_remission`): a
    relapse re-treated at the T_tx level after it is a new one, though charted on the same Condition with its old
    onset."""
    from hooks.definitions.treatment_duration import merge  # here, not above: treatment_duration imports this module

    steroid = history(record, context)
    spans = [(first, last) for first, last, *_ in _at_treatment_level(record, context)]
    spans += [(first, last) for order, _, first, last in steroid.courses
              if is_iv_methylprednisolone(order) and not planned(order, record.today)]
    onset = iim_onset(record)
    if onset is None:
        start = record.today - timedelta(days=HISTORY_DAYS)
    else:
        gap = int(context.definition("ttx_episode_gap_days"))
        reaching = onset - timedelta(days=gap)
        start = next((first for first, last in merge(spans, gap) if first <= onset and last >= reaching), onset)
    return _after_remission(record, context, spans, start) or start


def _after_remission(record: PatientRecord, context: HookContext, treatment_level: list[tuple[date, date]],
                     since: date) -> date | None:
    """The first day of the treatment resumed after the latest drug-free remission in the episode dated from
    ``since``: a stretch of treatment (glucocorticoid days and :func:`_steroid_sparing_spans`) that follows at least
    ttx_new_episode_after_days_off days off every systemic glucocorticoid and steroid-sparing agent and holds a
    course at the T_tx level
    (``treatment_level``), when an earlier stretch holds one too, given on or after ``since`` (else T_tx is found in
    the later one anyway). The relapse's re-induction, not the first episode's course years back, is then T_tx, and
    only this episode's agents count since it (R05). None when the episode's treatment never paused that long (a low
    dose or a steroid-sparing agent given throughout keeps one episode), or when nothing at the T_tx level was given
    after the pause (a low dose resumed does not start an episode, as it makes no T_tx)."""
    from hooks.definitions.treatment_duration import merge  # here, not above: treatment_duration imports this module

    days_off = int(context.definition("ttx_new_episode_after_days_off"))

    def holding(spans: list[tuple[date, date]]) -> list[date]:
        return [first for first, last in merge(spans, days_off - 1)
                if any(start <= last and end >= max(first, since) for start, end in treatment_level)]

    glucocorticoid = [(first, last) for _, _, first, last in history(record, context).days_given()] + treatment_level
    # the steroid-sparing agents can only join stretches the glucocorticoids leave apart: with one stretch or none
    # at the T_tx level there is no pause to find, and their courses are not read (most charts)
    if len(holding(glucocorticoid)) < 2:
        return None
    found = holding(glucocorticoid + _steroid_sparing_spans(record))
    return found[-1] if len(found) > 1 else None


def _steroid_sparing_spans(record: PatientRecord) -> list[tuple[date, date]]:
    """The days a steroid-sparing agent was given or still acts (treatment_duration.coverage: until its next dose is
    due; anti-CD20 for six months), IVIG charted as immunizations too; a course planned from a later day has none."""
    from hooks.definitions.treatment_duration import coverage, ivig_immunizations  # as merge, above

    spans = [span for order in systemic(record.medications_in(*STEROID_SPARING))
             if (span := coverage(order, record.today)) is not None]
    spans += [(given.when, given.when) for given in ivig_immunizations(record) if given.when is not None]
    return [(first, last) for first, last in spans if first <= last]


@per_record
def _at_treatment_level(record: PatientRecord, context: HookContext) -> list[tuple[date, date, float, Measure | None]]:
    """Each run of one daily PEQ (oldest first) that is at the T_tx level (>= ttx_peq_mg, or >= ttx_peq_mg_per_kg
    by the weight measured nearest its first day) or may be: below the absolute level with no weight on file, high
    enough for an adult of ttx_adult_min_weight_kg (any weight for a child). With it, the weight it was judged by
    (None at the absolute level, or with no weight). Read once per call: the episode and T_tx both ask."""
    absolute, per_kg = context.definition("ttx_peq_mg"), context.definition("ttx_peq_mg_per_kg")
    # with no weight, a course can be T_tx only if the patient could have weighed peq / per_kg or less
    lightest = 0.0 if is_paediatric(record, context) else context.definition("ttx_adult_min_weight_kg")
    found = []
    for first, last, peq in history(record, context).full_levels().runs():  # a course may have begun years back
        if peq <= 0:
            continue
        weight = weight_near(record, first) if peq < absolute else None
        if peq >= absolute or peq >= per_kg * (weight.value if weight is not None else lightest):
            found.append((first, last, peq, weight))
    return found


@per_record
def read_treatment_start(record: PatientRecord, context: HookContext) -> TreatmentStart:
    """T_tx, why it may lie earlier than found (or exist though none was found), the latest day it may be, and, with
    none found, the first pulse planned from a later day (T_tx to come)."""
    steroid = history(record, context)
    absolute, per_kg = context.definition("ttx_peq_mg"), context.definition("ttx_peq_mg_per_kg")
    episode = episode_start(record, context)
    pulses = [(first, f"IV methylprednisolone from {first.isoformat()}", planned(order, record.today))
              for order, _, first, last in steroid.courses if last >= episode and is_iv_methylprednisolone(order)]
    found = [(first, how) for first, how, later in pulses if not later]
    undecided: list[tuple[date, str]] = []
    levels = steroid.full_levels()
    for first, last, peq, weight in _at_treatment_level(record, context):
        if last < episode:
            continue
        labels = [order.label for order, _, start, end in steroid.courses if start <= first <= end]
        course = f"{' + '.join(labels)} {peq:g} mg/day PEQ from {first.isoformat()}"
        if peq >= absolute:
            found.append((first, course))
            break
        if weight is None:  # below the absolute threshold, and no weight to judge it in mg/kg by
            undecided.append((first, f"{course} is the treatment start if the patient weighed {peq / per_kg:g} kg "
                                     "or less, and no body weight is on file"))
            continue
        found.append((first, f"{course} ({peq / weight.value:.2g} mg/kg/day at {weight.describe('kg')})"))
        break
    start = min(found, default=None)
    # a pulse planned from a later day is not T_tx (no dose given yet), but T_tx comes by its day: with none begun,
    # it bounds T_tx as one found does
    coming = None if start else min(((first, how) for first, how, later in pulses if later), default=None)
    anchor = start or coming
    before = anchor[0] if anchor else date.max
    possible = [day for day, _ in undecided if day < before]
    reasons = [why for day, why in undecided if day < before]
    unreadable = []
    for order in steroid.unreadable:
        span = course_days(order, record.today)
        if span is None or (span[1] >= episode and span[0] < before):
            unreadable.append(steroid.unread_named(order))
            # with no dates it may have begun today; else on its first day, or a later one of its course on which
            # the dose read beside it went up or a step of its own began
            possible.append(record.today if span is None else max(
                (levels.last_rise(*span), *(step.first for step in order.steps if step.first <= span[1]))))
    if unreadable:
        reasons.insert(0, f"the dose of {', '.join(unreadable)} could not be read")
    # T_tx is the one found (or planned) or an earlier one; with neither, the latest of the courses that may be it
    latest = anchor[0] if anchor else max(possible, default=None)
    return TreatmentStart(start, "; ".join(reasons) or None, latest, coming)


def treatment_start(record: PatientRecord, context: HookContext) -> tuple[date, str] | None:
    """T_tx: start of the first systemic GC course for this episode at >= 0.5 mg/kg/day or >= 30 mg/day PEQ,
    or any IV methylprednisolone pulse. The PEQ is the day's total, so two 20 mg orders given together count as
    40 mg, and a course below 30 mg/day is judged in mg/kg by the weight measured nearest its start. Courses over
    before the episode began (:func:`episode_start`: the onset, or the first day of a glucocorticoid run in use on
    it, or of the treatment resumed after a drug-free remission) belong to another illness or an earlier episode and
    are passed over; the others are read by their full dates, however many years back (a patient still tapering
    years after T_tx). With no onset on file the episode is taken to reach back HISTORY_DAYS. A pulse planned from a
    later day (courses.planned) is not T_tx: no dose of it is given yet (:attr:`TreatmentStart.to_come`). Rules that
    need T_tx to be certain also ask :func:`why_treatment_start_unknown`."""
    return read_treatment_start(record, context).found


def why_treatment_start_unknown(record: PatientRecord, context: HookContext) -> str | None:
    """Why T_tx may lie before the one found (or exist though none was): an earlier course of this episode whose
    dose could not be read, or one below 30 mg/day PEQ with no body weight on file to judge it in mg/kg (and high
    enough to be T_tx for an adult of 30 kg)."""
    return read_treatment_start(record, context).unknown
