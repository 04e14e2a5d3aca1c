"""Taper in progress and possible relapse during the taper (clinical-rules.md section 4.2) [design].

About half of IMNM patients relapse while glucocorticoids or steroid-sparing agents are being reduced, and no
validated CK definition of relapse exists. These definitions give the CDS's working ones, with the evidence
behind them, so R21 (relapse card), R22 (CK monitoring interval) and others read one answer.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise
from typing import NamedTuple

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import antibodies, ck, negation, steroids
from hooks.definitions import treatment_duration as td
from hooks.definitions.continuing import OnChart, current_orders, discontinues, on_chart
from hooks.definitions.courses import (
    IVIG_CYCLE_MIN_GAP_DAYS,
    OrderRuns,
    course_days,
    cycle_dose_per_day,
    doses_since,
    ended_before_its_end,
    ended_early_how,
    given_today,
    last_dose_day,
    mass_or_per_kg,
    never_began,
    not_over,
    open_first,
    order_runs,
    planned,
    taken_over_on,
)
from hooks.definitions.dose_basis import draft_span, draft_start
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.routes import systemic
from hooks.definitions.weight import dosing_weight, why_not_current
from hooks.record import Concept, Malformed, MedicationOrder, PatientRecord, Quantity, per_record, read_concept
from hooks.units import convert
from hooks.valuesets import ValueSets

# Defaults of the [design] thresholds; rules that expose them as Params pass their values in.
CAVEAT_WINDOW_HOURS = 72
TSH_CAVEAT_MIU_L = 10.0

_TOLERANCE_MG = 0.01
GLUCOCORTICOID = "glucocorticoid"  # TaperStep.agent of a step of the oral glucocorticoid dose
CYCLIC_AGENTS = ("ivig", "rituximab", "cyclophosphamide")  # given in cycles of infusions
_CAVEAT_GROUPS = {"exertion": "exertion", "im_injection": "IM injection", "trauma": "trauma",
                  "emg": "needle EMG", "muscle_biopsy": "muscle biopsy"}


@dataclass(frozen=True, slots=True)
class TaperStep:
    """One dose reduction or stop, with the day it took effect; ``at_the_latest``: the chart does not give that day
    (an order that ended before its end date), ``day`` is the latest it can have been, and is said so. ``agent``:
    what it lowers (GLUCOCORTICOID, or a steroid-sparing group); ``stop``: it stops it, nothing of it given after.
    ``adverse_reaction``: why it was stopped or lowered, where the chart says it was for harm (:func:`_harm_named`):
    not a dose to go back to. ``unexplained``: an order stopped or lowered with no reason on the chart (no
    statusReason): it may have been for harm, which the chart does not say."""

    day: date
    what: str
    at_the_latest: bool = False
    agent: str | None = None
    stop: bool = False
    adverse_reaction: str | None = None
    unexplained: bool = False

    def __str__(self) -> str:
        when = f"by {self.day.isoformat()} at the latest" if self.at_the_latest else f"on {self.day.isoformat()}"
        return f"{self.what} {when}"


def _weight(record: PatientRecord, context: HookContext) -> float | None:
    measure = dosing_weight(record, context)
    return measure.value if measure else None


def _read_with(weight: float | None, orders: Iterable[MedicationOrder]) -> tuple[float | None, str]:
    """The weight the doses of ``orders`` are read in mg with, to be compared, and the unit they are then per:
    today's dosing weight ('': in mg); with none, 1 kg where every dose of them is written per kg ('/kg': compared
    per kg, as a halving of 1 g/kg to 0.5 g/kg is read without a weight); else None (a dose per kg is not read, and
    a draft it hides a reduction in is named: :func:`draft_doses_not_read`)."""
    if weight is not None:
        return weight, ""
    doses = [dosage.dose for order in orders for dosage in order.dosages if dosage.dose is not None]
    per_kg = [dosing.per_body(dose) for dose in doses]
    if doses and all(body is not None and body.basis == "kg" for body in per_kg):
        return 1.0, "/kg"
    return None, ""


def _needs_a_weight(record: PatientRecord, context: HookContext, order: MedicationOrder) -> str | None:
    """'0.5 g/kg with no current weight (latest 70 kg on ..., too old)' for an order with a dose per kg, read
    where no weight compares it (:func:`_read_with`); None for one with none."""
    dose = next((d.dose for d in order.dosages
                 if d.dose is not None and dosing.unit_key(d.dose) in dosing.PER_KG_UNITS), None)
    return None if dose is None else f"{dose} with no current weight{why_not_current(record, context, 'weight', 'kg')}"


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
    a late refill or a charting gap may take; and the lower doses the chart plans within as many days ahead
    (:func:`_planned_gc_reductions`)."""
    if window_days is None:
        window_days = int(context.definition("taper_gc_window_days"))
    return _gc_reductions(record, context, window_days)


def _gc_step(day: date, before: float, now: float, unread: Sequence[MedicationOrder] = (), *,
             to_come: bool = False, at_the_latest: bool = False, said: str = "") -> TaperStep:
    """The step of the glucocorticoid dose from ``before`` to ``now`` mg/day PEQ on ``day``, in words (``to_come``:
    planned after today; ``said``: added in brackets). With ``unread``, glucocorticoids given that day whose dose is
    not read (left out of the timeline), only the doses that can be read fell: never 'stopped', and the orders are
    named (one that began then may carry the dose on, so the step is evidence, not certainty)."""
    to_be = "to be " if to_come else ""
    stop = now <= _TOLERANCE_MG and not unread
    if unread:
        labels = ", ".join(dict.fromkeys(order.label for order in unread))
        what = (f"glucocorticoid {to_be}lowered from {before:g} to {now:g} mg/day PEQ in the doses that can be read "
                f"({labels}, given then too: dose not read)")
    else:
        what = (f"glucocorticoid {to_be}stopped (was {before:g} mg/day PEQ)" if stop
                else f"glucocorticoid {to_be}lowered from {before:g} to {now:g} mg/day PEQ")
    return TaperStep(day, f"{what} ({said})" if said else what, at_the_latest, GLUCOCORTICOID, stop)


@per_record
def _given_unread(record: PatientRecord, context: HookContext) -> list[tuple[MedicationOrder, date, date]]:
    """(order, first day, last day) of each glucocorticoid (not an IV pulse) whose dose is not read but whose days
    are: the timeline leaves it out, so a fall on one of its days is a fall only of the doses that can be read."""
    return [(order, *span) for order in steroids.history(record, context).unreadable
            if not steroids.is_iv_methylprednisolone(order) and (span := course_days(order, record.today)) is not None]


def _given_unread_on(record: PatientRecord, context: HookContext, day: date) -> list[MedicationOrder]:
    return [order for order, first, last in _given_unread(record, context) if first <= day <= last]


@per_record
def _gc_reductions(record: PatientRecord, context: HookContext, window_days: int) -> list[TaperStep]:
    timeline = oral_peq_timeline(record, context)
    runs = list(timeline.runs())
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
            steps.append(_gc_step(day, before, now, _given_unread_on(record, context, day)))
    return steps + _gc_ended_on_an_unknown_day(record, context, timeline) + _planned_gc_reductions(record, context,
                                                                                                   window_days)


def _gc_ended_on_an_unknown_day(record: PatientRecord, context: HookContext,
                                timeline: steroids.DailyLevels) -> list[TaperStep]:
    """The fall in PEQ that oral orders which ended before their end date (courses.ended_before_its_end) make: the
    timeline reads them up to today, the latest they may have been given, so its runs never show them end. A
    reduction on a day the chart does not give, by today at the latest. An order that never began (its start after
    today) makes none. The fall is measured from the dose before another glucocorticoid given today began after
    the ended order's last part: a switch (prednisone to methylprednisolone at the same dose) read up to today
    beside the new order is two doses on the timeline, not one to fall from."""
    today = record.today
    courses = [(order, peq, first, last) for order, peq, first, last in steroids.history(record, context).courses
               if not steroids.is_iv_methylprednisolone(order)]
    ended = [(order, peq) for order, peq, first, last in courses
             if first <= today <= last and ended_before_its_end(order, today)]
    if not ended:
        return []
    opened = min(open_first(order) or today for order, _ in ended)
    switched = [order.start for order, _, _, _ in courses
                if order.start is not None and opened < order.start <= today and given_today(order, today)]
    before = timeline.on(max(switched) - timedelta(days=1)) if switched else timeline.on(today)
    now = timeline.on(today) - sum(peq for _, peq in ended)
    if now >= before - _TOLERANCE_MG:
        return []
    orders = {id(order): order for order, _ in ended}.values()  # a taper written as one order: its last step
    said = "; ".join(f"{order.label} {ended_early_how(order)}" for order in orders)
    unread = _given_unread_on(record, context, today)
    return [_gc_step(today, before, max(now, 0.0), unread, at_the_latest=True, said=said)]


@dataclass(frozen=True, slots=True)
class _Dose:
    """A daily PEQ an order writes, from ``first`` to ``last`` (None: no end written)."""

    first: date
    last: date | None
    peq: float


def _written_doses(order: MedicationOrder, weight: float | None, start: date, end: date | None
                   ) -> list[_Dose] | None:
    """The daily PEQ ``order`` writes from ``start`` (a chart order's own start; a draft's as it is given, its steps
    moved with it) to ``end``: each step of a taper written as one order to its own last day, the last to ``end``.
    None where a dose is not read."""
    if not order.steps:
        peq = dosing.prednisone_equivalent(order, weight)
        return None if peq is None else [_Dose(start, end, peq)]
    peqs = dosing.prednisone_equivalent_by_sequence(order, weight)
    if peqs is None:
        return None
    shift = start - (order.start or start)  # a chart order's steps as written; a draft's from when it is given
    return [_Dose(step.first + shift, None if step.last is None else step.last + shift, peqs.get(step.sequence, 0.0))
            for step in order.steps]


def _peq_on(doses: Iterable[_Dose], day: date) -> float:
    return sum(dose.peq for dose in doses if dose.first <= day and (dose.last is None or day <= dose.last))


def _going_on(doses: Sequence[_Dose], day: date, since: date) -> float:
    """The daily PEQ ``doses`` give on ``day``, or where they give none then, on the last day from ``since`` that
    they gave any: an end date after today is no stop (it may be the prescription's validity), so what was given
    goes on until a later dose starts, as a steroid-sparing agent's order does (:func:`sparing_reductions`)."""
    ends = sorted({dose.last for dose in doses if dose.last is not None and since <= dose.last < day}, reverse=True)
    return next((level for candidate in (day, *ends) if (level := _peq_on(doses, candidate)) > _TOLERANCE_MG), 0.0)


def _chart_doses(orders: Iterable[MedicationOrder], weight: float | None
                 ) -> tuple[list[_Dose], list[MedicationOrder]]:
    """The doses the chart's ``orders`` write (:func:`_written_doses`, each to its end date), and the orders whose
    dose (or start) is not read."""
    doses: list[_Dose] = []
    unread: list[MedicationOrder] = []
    for order in orders:
        written = None if order.start is None else _written_doses(order, weight, order.start, order.end)
        if written is None:
            unread.append(order)
        else:
            doses += written
    return doses, unread


def _oral_going_on(record: PatientRecord) -> list[MedicationOrder]:
    """The glucocorticoid orders (not an IV pulse) given today or planned (courses.not_over)."""
    return [order for order in steroids.systemic_glucocorticoids(record)
            if not steroids.is_iv_methylprednisolone(order) and not_over(order, record.today)]


def _planned_gc_reductions(record: PatientRecord, context: HookContext, window_days: int) -> list[TaperStep]:
    """Lower glucocorticoid doses the chart plans within ``window_days`` after today (as far as a past step counts
    back), as a planned lower dose of a steroid-sparing agent is one (:func:`sparing_reductions`): a step of a taper
    written as one order, or an order planned after today, that starts a daily PEQ below the one given before it
    (:func:`_going_on`: an end date after today is no stop, so a lower dose that starts after a gap still follows
    it). Read from the orders given today or planned (courses.not_over), each dose on the days its order writes;
    only the days a dose starts are judged, so an order's end date alone is never a step. Each is a reduction to
    come, dated at its start."""
    today = record.today
    horizon = today + timedelta(days=window_days)
    doses, unread = _chart_doses(_oral_going_on(record), _weight(record, context))
    steps = []
    for day in sorted({dose.first for dose in doses if today < dose.first <= horizon}):
        before, now = _going_on(doses, day - timedelta(days=1), today), _peq_on(doses, day)
        if now < before - _TOLERANCE_MG:
            given_unread = [order for order in unread if order.start is None or order.start <= day]
            steps.append(_gc_step(day, before, now, given_unread, to_come=True))
    return steps


# MedicationRequest.statusReason codes that stop a drug for the harm it does (FHIR R4 medicationrequest-status-reason;
# SNOMED CT [verify]), named for a reason that gives only the code; else the reason's words say so
_STATUS_REASON = "http://terminology.hl7.org/CodeSystem/medicationrequest-status-reason"
_HARM_CODES = {(_STATUS_REASON, "sintol"): "suspected intolerance", (_STATUS_REASON, "salg"): "suspected allergy",
               (_STATUS_REASON, "drughigh"): "drug level too high",
               ("http://snomed.info/sct", "281647001"): "adverse reaction",
               ("http://snomed.info/sct", "62014003"): "adverse reaction to drug",
               ("http://snomed.info/sct", "59037007"): "drug intolerance",
               ("http://snomed.info/sct", "416098002"): "drug allergy"}
# Words that state harm done by the drug: an adverse reaction or intolerance in general, or a toxicity that stops or
# lowers a steroid-sparing agent (pneumonitis, raised liver enzymes, mucositis, cytopenias, pancreatitis, renal
# injury); a negation ('no adverse effects', 'LFTs not raised') is not read as one (negation.states)
_LIVER_TESTS = r"(?:lfts?|liver (?:enzymes?|function(?: tests?)?|tests?)|transaminases?|alt|ast|ggt)"
_RAISED = r"(?:raised|elevated|high|increased|rising|abnormal|deranged)"
_HARM_WORDS = re.compile(
    r"\b(?:adverse|side[- ]effects?|intoleran\w*|allerg\w*|\w*toxic\w*|"
    r"pneumonitis|alveolitis|"  # methotrexate lung
    rf"{_RAISED}\s+(?:\w+\s+)?{_LIVER_TESTS}|{_LIVER_TESTS}\s+(?:(?:was|were|is|are)\s+)?{_RAISED}|transaminitis|"
    r"(?:drug[- ]induced\s+)?(?:liver|hepatic)\s+(?:injury|damage|failure)|dili|"
    r"(?:mouth|oral)\s+ulcers?|(?:mouth|oral)\s+ulceration|mucositis|stomatitis|"
    r"\w*cytopenias?|neutropenias?|leu[ck]openias?|agranulocytosis|an(?:a)?emia|(?:bone\s+)?marrow\s+suppression|"
    r"myelosuppression|pancreatitis|(?:acute\s+)?kidney\s+injury|aki)\b")


def _status_reasons(order: MedicationOrder, sets: ValueSets) -> list[Concept]:
    """The statusReasons of ``order`` that read and say something (a code or words). Read leniently: a malformed
    reason is no reason, and costs the order none of its checks."""
    raw = order.raw.get("statusReason")
    reasons = []
    for given in raw if isinstance(raw, list) else [raw]:  # a MedicationStatement lists its reasons
        if not isinstance(given, dict):
            continue
        try:
            reason = read_concept(given, "statusReason", sets, by_name=False)
        except Malformed:
            continue
        if reason.text or reason.codings:
            reasons.append(reason)
    return reasons


def _harm_named(reasons: Iterable[Concept]) -> str | None:
    """Why an order was stopped, where one of its statusReasons (:func:`_status_reasons`) says it was for an adverse
    reaction, intolerance or toxicity ('Stopped: methotrexate hepatotoxicity', 'MTX pneumonitis', 'Raised LFTs'), by
    code or in words that state it (not 'no adverse effects'); None otherwise."""
    for reason in reasons:
        coded = next((name for c in reason.codings if (name := _HARM_CODES.get((c.system or "", c.code or "")))),
                     None)
        named = reason.text or next((c.display for c in reason.codings if c.display), None)
        if coded or (named and negation.states(reason.words(), _HARM_WORDS)):
            return named or coded
    return None


def _stopped_step(order: MedicationOrder, sets: ValueSets, day: date, what: str, agent: str, *, stop: bool = False,
                  at_the_latest: bool = False) -> TaperStep:
    """The TaperStep of ``order`` stopped or lowered on ``day``: why, where its statusReason says it was for harm
    (:func:`_harm_named`), or that it gives no reason at all."""
    reasons = _status_reasons(order, sets)
    return TaperStep(day, what, at_the_latest, agent, stop, _harm_named(reasons), unexplained=not reasons)


def sparing_reductions(record: PatientRecord, context: HookContext,
                       window_days: int | None = None) -> list[TaperStep]:
    """Steroid-sparing agents stopped (nothing given since that continues them) or re-ordered at a lower dose
    (:func:`_dose`). Stopped: status 'stopped', or, for an agent taken continuously or an IVIG regimen written as one
    order (every 4 weeks), a course that has ended ('completed', or past its end date).
    One that ended before its end date (courses.ended_before_its_end) stopped on a day the chart does not give: read at
    the latest it may have been given (today, or the day before a later order of the same drug and route took over:
    courses.taken_over_on), and said so. A later order of an agent taken continuously continues it only where it
    follows an order before it without a break (:func:`_continues_until`: it starts within that order's dose interval
    plus dose_gap_bridge_days of its last dose, or that order is current on the chart: given today, on hold or
    planned). Then no stop of that order is read, and a lower dose is a reduction, dated at its start; an order planned
    after today (courses.planned), which gives nothing yet, is a reduction to come, counted up to ``window_days`` ahead
    (as far as a past one counts back). Otherwise the later order restarts the agent after a break, given or planned:
    a new course, no reduction from the dose of the course before it (methotrexate 20 mg/week ended two years ago,
    15 mg/week since last month), and the stop of that course stands (dated within the window, it is a taper step), as
    the glucocorticoid timeline reads a stop and a restart (:func:`gc_reductions`). A cyclic agent (CYCLIC_AGENTS) is
    re-dosed months later by design: any later order of it continues it, and a planned one is a reduction where the
    order before it was given within the last dose_gap_bridge_days. An order is reduced from the one before it that
    began (courses.never_began: one stopped before its start gave no dose to reduce from). IVIG is reduced cycle by
    cycle (:func:`_ivig_reductions`: a cycle after a break that ends a course restarts it), not order by order."""
    if window_days is None:
        window_days = int(context.definition("taper_sparing_window_days"))
    since, horizon = record.today - timedelta(days=window_days), record.today + timedelta(days=window_days)
    bridge = int(context.definition("dose_gap_bridge_days"))
    weight = _weight(record, context)
    steps = []
    for group in STEROID_SPARING:
        cyclic = group in CYCLIC_AGENTS
        orders = sorted(record.medications_in(group), key=lambda o: o.start or date.min)
        starts = [(order.start or date.min).toordinal() for order in orders]
        # planned orders, which go on after a stop only if they follow it (_continues_until); a cyclic agent's are
        # read as given today (its next course comes months later by design), so any of them goes on
        waiting = [] if cyclic else [i for i, order in enumerate(orders) if planned(order, record.today)]
        # an order that ended before its end date and that a later one took over was last given the day before
        last_given = [last_dose_day(order, record.today, taken_over_on(record, order, group)) for order in orders]
        # the last day a later order may start and continue each order (_continues_until); any, for a cyclic agent
        reach = [_Reach(math.inf, math.inf) if cyclic else _continues_until(order, last, record.today, bridge)
                 for order, last in zip(orders, last_given, strict=True)]
        latest_two = _latest_two_by_start(last_given, set(waiting))
        # given today as the chart says (an order that ended before its end date is not, though read up to today),
        # and a cyclic agent's planned orders
        going_on = [i for i, order in enumerate(orders) if not_over(order, record.today) and i not in waiting][:2]
        for position, order in enumerate(orders):
            unknown_day = ended_on_an_unknown_day(order, group, record.today)
            if unknown_day:
                end = last_given[position]  # None for one stopped before it began: no stop of anything given
            elif order.status == "stopped":
                end = order.end or order.start
            elif cyclic and not (group == "ivig" and td.stated_interval(order)):
                # an order for one cycle or course completes every cycle: only 'stopped' stops it; an IVIG regimen
                # written as one order (every 4 weeks) that has ended ends IVIG, unless another is given after it
                continue
            elif order.status == "completed":
                end = order.end or last_dose_day(order, record.today)
            elif order.end is not None and order.end < record.today and order.counts_as_exposure:
                end = order.end
            else:
                continue
            if end is None or not since <= end <= record.today:
                continue
            # another order that continues it was given after it (one that began after a break restarts the agent:
            # the stop stands); a stop on an unknown day is read on the latest day it can have been: another order
            # given that day as the chart says was given after it (two orders both ended early hide neither's stop)
            continued_by = latest_two[bisect_right(starts, reach[position].given)]
            given_later = (any(day > end for day, i in continued_by if i != position)
                           or (unknown_day and any(i != position for i in going_on))
                           or any(starts[i] <= reach[position].planned for i in waiting))
            if given_later:
                continue
            how = f"; {ended_early_how(order)}" if unknown_day else ""
            steps.append(_stopped_step(order, context.valuesets, end, f"{group} stopped ({order.label}{how})", group,
                                       stop=True, at_the_latest=unknown_day))
        if group == "ivig":
            steps += _ivig_reductions(record, context, weight, since)
            continue
        began = [i for i, order in enumerate(orders) if not never_began(order, record.today)]
        reached = _Reach(-math.inf, -math.inf)  # the last day an order may start and continue one before it
        for i, j in pairwise(began):
            reached = reached.widest(reach[i])
            previous, following = orders[i], orders[j]
            to_come = planned(following, record.today)
            if following.start is None or not since <= following.start <= (horizon if to_come else record.today):
                continue
            if starts[j] > (reached.planned if to_come else reached.given) \
                    or (to_come and cyclic and not _given_lately(previous, record.today, bridge)):
                continue  # a restart after a break, not a reduction of a dose being given
            read_with, per = _read_with(weight, (previous, following))
            old, new = _dose(group, previous, read_with, per), _dose(group, following, read_with, per)
            if old is not None and new is not None and new.mg < old.mg - _TOLERANCE_MG:
                reduced = "to be reduced" if to_come else "reduced"
                # the order lowered from says why it was changed
                steps.append(_stopped_step(previous, context.valuesets, following.start,
                                           f"{group} {reduced} {_from_to(group, old, new)}", group))
    return sorted(steps, key=lambda s: s.day)


def _latest_two_by_start(last_given: Sequence[date | None], waiting: set[int]) -> list[list[tuple[date, int]]]:
    """For each k, the two latest last doses (day, position) of the first k orders by start, planned ones
    (``waiting``) left out: whether an order that continues another (its start within that one's reach) was given
    after it ended, in one pass over the orders, not every order for every order (a chart may hold hundreds)."""
    prefixes: list[list[tuple[date, int]]] = [[]]
    for position, day in enumerate(last_given):
        latest = prefixes[-1]
        if day is not None and position not in waiting:
            latest = sorted([*latest, (day, position)], reverse=True)[:2]
        prefixes.append(latest)
    return prefixes


def _given_lately(order: MedicationOrder, today: date, bridge_days: int) -> bool:
    """A cyclic agent's planned order continues ``order``, the one before it, where that was given within the last
    ``bridge_days`` of today."""
    last = last_dose_day(order, today)
    return last is not None and last >= today - timedelta(days=bridge_days)


class _Reach(NamedTuple):
    """The last day (an ordinal) on which a later order may start and continue an order without a break: an order
    planned after today, and one given since (:func:`_continues_until`)."""

    planned: float
    given: float

    def widest(self, other: _Reach) -> _Reach:
        """The later of the two days each: where an order may start and continue either."""
        return _Reach(max(self.planned, other.planned), max(self.given, other.given))


def _continues_until(order: MedicationOrder, last: date | None, today: date, bridge_days: int) -> _Reach:
    """The last day (an ordinal) on which a later order of an agent taken continuously may start and follow ``order``
    without a break: ``order``'s dose interval (:func:`_dose_interval_days`) plus ``bridge_days``
    (dose_gap_bridge_days: a late dose or refill) after ``last``, its last dose day as the chart gives it
    (courses.last_dose_day, up to the day before a later order took over: courses.taken_over_on). Weekly
    methotrexate stopped on day 0 is followed by an order from day 14 at the latest, a daily agent's by one from
    day 8; one that starts later restarts the agent after a break (a new course). One of which no stop is read
    (:func:`_read_as_over`: given today, on hold: the chart gives no day it was held, planned, or of a status that
    does not say) goes on until a later order starts, however far ahead: an end date after today is never read as a
    stop (it may be the prescription's validity), and read as a break it would leave neither a stop nor a
    reduction. One that says it stopped but not when (no end date) is read as last given on the day the chart gives
    (courses.last_dose_day: its start, for an order of no count or supply); an order given since may have taken over
    from it on any day up to its start (a renewal places the older order, as immunosuppression_level.ends_not_given
    reads it), so it follows on whenever it starts. One with no last dose (never given) is followed by none."""
    if not _read_as_over(order, today):
        return _Reach(math.inf, math.inf)
    by_last_dose = -math.inf if last is None else last.toordinal() + _dose_interval_days(order) + bridge_days
    return _Reach(by_last_dose, math.inf if order.end is None else by_last_dose)


def _read_as_over(order: MedicationOrder, today: date) -> bool:
    """A stop of ``order`` (of an agent taken continuously) is read (:func:`sparing_reductions`): 'stopped' or
    'completed', or its end date has passed. One that is not (given today, on hold, planned, or of a status that does
    not say, read as given: the safe side) goes on until a later order starts."""
    return order.status in ("stopped", "completed") or (order.end is not None and order.end < today)


def _dose_interval_days(order: MedicationOrder) -> float:
    """Days from one dose of ``order`` to the next (dosing.interval_days), the shortest of its instructions': 7 for
    weekly methotrexate, 1 for a daily agent or one given more often (its next dose falls on the next day). An
    instruction whose interval cannot be read (no timing, a period with no unit, not finite) is read as daily, the
    shortest: a later order must then start sooner to follow on, so a stop is shown rather than hidden (a taper
    step shown is the safe side: R21 watches for a relapse during a taper)."""
    steps = (dosing.interval_days(d.timing) for d in order.dosages)
    return max(min((s if s is not None and math.isfinite(s) else 1.0 for s in steps), default=1.0), 1.0)


def ended_on_an_unknown_day(order: MedicationOrder, group: str, today: date) -> bool:
    """The order ended before its end date (courses.ended_before_its_end), on a day the chart does not give; an
    infusion order's 'completed' never says so (it completes every cycle: only 'stopped' stops it)."""
    return ended_before_its_end(order, today) and (order.status == "stopped" or group not in CYCLIC_AGENTS)


def _ivig_reductions(record: PatientRecord, context: HookContext, weight: float | None,
                     since: date) -> list[TaperStep]:
    """IVIG given less from a cycle on (:func:`_ivig_given_less`), cycle by cycle (:func:`td.ivig_doses`), per kg
    where no weight reads the doses in g (:func:`_read_with`)."""
    late = int(context.definition("dose_gap_bridge_days"))
    read_with, per = _read_with(weight, record.medications_in("ivig"))
    doses = td.ivig_doses(record, context, read_with)
    steps = []
    for index, (previous, following) in enumerate(pairwise(doses), 1):
        if not since <= following.start <= record.today:
            continue
        later = doses[index + 1] if index + 1 < len(doses) else None
        steps += [TaperStep(following.start, f"IVIG {change}", agent="ivig")
                  for change in _ivig_given_less(previous, following, later, late, per)]
    return steps


def _ivig_given_less(previous: td.IvigDose, following: td.IvigDose, later: td.IvigDose | None,
                     late: int, per: str = "") -> list[str]:
    """How ``following`` gives less IVIG than the cycle before it: a lower dose per cycle (per kg, at today's
    dosing weight, or with ``per`` '/kg' read per kg: :func:`_read_with`), or a longer interval (where both have
    one) by more than the ``late`` days (dose_gap_bridge_days) a late cycle may take, unless the cycle after it
    (``later``) is back on time. The same cycle dose split over other days (1 g/kg a day for 2 days, then 0.4 g/kg a
    day for 5) is no reduction, nor is a cycle that restarts IVIG after a break that ends a course
    (:func:`td.ivig_doses`)."""
    if following.restart:
        return []
    changes = []
    # a one-cycle dose given while a cyclic order still runs is added on top of its cycles; a cyclic order that
    # starts then is the new schedule
    extra = (not following.cyclic and previous.cyclic and previous.last is not None
             and following.start <= previous.last)
    if not extra and previous.mg is not None and following.mg is not None \
            and following.mg < previous.mg - _TOLERANCE_MG:
        changes.append(f"reduced from {previous.mg / 1000:g} g{per} to {following.mg / 1000:g} g{per} per cycle")
    spaced_out = (previous.spacing is not None and following.spacing is not None
                  and following.spacing > previous.spacing + late)
    # ... only when the longer interval holds: a single late cycle, then one on time again, is no taper
    back_on_time = (later is not None and not later.restart and later.spacing is not None
                    and previous.spacing is not None and later.spacing <= previous.spacing + late)
    if spaced_out and not back_on_time:
        assert previous.spacing is not None and following.spacing is not None  # spaced_out reads both: for mypy
        before, now = _intervals(previous.spacing, following.spacing)
        changes.append(f"cycles every {now} instead of every {before}")
    return changes


def _intervals(*days: int) -> list[str]:
    """Intervals between cycles as a prescriber writes them: in weeks where all of them are whole weeks ('4 weeks',
    '8 weeks'), else all in days ('28 days', '36 days'), so that two are compared in one unit."""
    if all(d % 7 == 0 for d in days):
        return [f"{d // 7} week{'s' if d != 7 else ''}" for d in days]
    return [f"{d} day{'s' if d != 1 else ''}" for d in days]


def _from_to(group: str, old: dosing.Amount, new: dosing.Amount) -> str:
    """'from 20 mg/week to 15 mg/week'; for an agent given in cycles, whose amounts are the mg on each day it is
    given (:func:`_dose`), 'from 1,000 mg to 500 mg (per day it is given)'."""
    per_day_given = " (per day it is given)" if group in CYCLIC_AGENTS else ""
    return f"from {old.basis} to {new.basis}{per_day_given}"


def _dose(group: str, order: MedicationOrder, weight: float | None, per: str = "") -> dosing.Amount | None:
    """What a reduction of ``group`` is read from: the average daily mg (a weekly one read per week), but for an
    agent given in cycles (rituximab, cyclophosphamide) the mg on each day it is given, since its average over the
    days between doses says nothing of the dose: 1 g twice 2 weeks apart, or 1 g every 6 months, is the same 1 g
    again as a one-day 1 g order (and 50 mg twice a day the same as 100 mg once). ``per`` '/kg': read per kg
    (:func:`_read_with`). None when it cannot be read."""
    daily = dosing.daily_mg(order, weight)
    timing = order.dosage.timing if order.dosage else None
    if daily is None or timing is None:
        return None
    if group in CYCLIC_AGENTS:
        dose_days = dosing.dose_days_per_day(timing)
        if not dose_days:
            return None
        given = daily / min(dose_days, 1)  # several doses a day are one dosing day
        return dosing.Amount(given, f"{given:,g} mg{per}")  # per day it is given: :func:`_from_to` says so
    return _per_day_or_week(daily, _weekly(order), per)


def _weekly(order: MedicationOrder) -> bool:
    """Given less than once a day (weekly methotrexate): its dose is said per week."""
    per_day = dosing.periods_per_day(order.dosage.timing) if order.dosage else None
    return per_day is not None and per_day < 1


def _per_day_or_week(daily: float, weekly: bool, per: str) -> dosing.Amount:
    return dosing.Amount(daily, f"{daily * 7:g} mg{per}/week" if weekly else f"{daily:g} mg{per}/day")


def _given_together(group: str, orders: Sequence[MedicationOrder], weight: float | None,
                    per: str) -> dosing.Amount | None:
    """What ``orders`` of an agent taken continuously give together (:func:`_dose` of each, added up; per week
    where every one is given weekly); None where a dose of one is not read."""
    doses = [_dose(group, order, weight, per) for order in orders]
    if any(dose is None for dose in doses):
        return None
    return _per_day_or_week(sum(dose.mg for dose in doses if dose is not None),
                            bool(orders) and all(_weekly(order) for order in orders), per)


@per_record
def taper_in_progress(record: PatientRecord, context: HookContext, gc_window_days: int | None = None,
                      sparing_window_days: int | None = None) -> tuple[TaperStep, ...]:
    """The evidence that a taper is in progress (empty: no taper): a PEQ reduction within 90 days, or a
    steroid-sparing agent stopped or reduced within 180 days. Computed once per call: R21 and R22 both ask."""
    return tuple(sorted(gc_reductions(record, context, gc_window_days)
                        + sparing_reductions(record, context, sparing_window_days), key=lambda s: s.day))


# ---------------------------------------------------------------- orders whose daily dose cannot be read

def _named(orders: Sequence[tuple[MedicationOrder, str | None]]) -> list[str]:
    """'label: why' ('prednisone 20 MG Oral Tablet: timing not readable (...)') for each order with a reason its
    dose is not read, once each."""
    unique = {id(order): (order, why) for order, why in orders if why}.values()
    return [f"{order.label}: {why}" for order, why in unique]


def _why_not_read(orders: Iterable[MedicationOrder], weight: float | None
                  ) -> list[tuple[MedicationOrder, str | None]]:
    """Why each order's dose, as a taper step is read from it, is not read: a glucocorticoid's daily dose, for its
    dose or its timing (dosing.why_no_daily_mg); a steroid-sparing agent's timing (dosing.timing_not_read)."""
    return [(order, dosing.why_no_daily_mg(order, weight) if order.in_group("glucocorticoid_systemic")
             else dosing.timing_not_read(order)) for order in orders]


@per_record
def doses_not_read(record: PatientRecord, context: HookContext) -> list[str]:
    """The chart's orders a taper step may be hidden in: a glucocorticoid (not an IV pulse) given within
    taper_gc_window_days whose daily dose is not read, for its timing or its dose (it is not on the PEQ timeline:
    dosing.why_no_daily_mg), or a steroid-sparing agent given within taper_sparing_window_days or planned whose
    timing is not read (dosing.timing_not_read). With no step read (:func:`taper_in_progress`), R21 and R22 say so
    rather than read no taper."""
    today = record.today
    gc_since = today - timedelta(days=int(context.definition("taper_gc_window_days")))
    sparing_since = today - timedelta(days=int(context.definition("taper_sparing_window_days")))
    # each order asked about is one of these: beside another, it is no lone course
    lone = sum(not steroids.is_iv_methylprednisolone(o) for o in steroids.systemic_glucocorticoids(record)) == 1
    glucocorticoids = [o for o in steroids.history(record, context).unreadable_since(gc_since)
                       if not steroids.is_iv_methylprednisolone(o) and _may_hide_a_step(o, today, gc_since)
                       and _may_lower_a_dose(o, lone, today)]
    sparing = [o for o in record.medications_in(*STEROID_SPARING)
               if planned(o, today) or ((last := last_dose_day(o, today)) is not None and last >= sparing_since)]
    return _named(_why_not_read([*glucocorticoids, *(o for o in sparing if _may_hide_a_step(o, today, sparing_since))],
                                _weight(record, context)))


def _may_lower_a_dose(order: MedicationOrder, lone: bool, today: date) -> bool:
    """A glucocorticoid whose dose is not read may hide a fall by its steps or its end (one that ended before its
    end date, or whose status says it is over with no end date, too), and beside any other oral glucocorticoid
    order (of any status, however long ago): it may carry one on at a lower dose, or another may replace it, charts
    often leaving the replaced order open or closing it with no date. Only a lone course, not over, lowers nothing
    (prednisone 1 mg/kg from next week with no weight to read it by, after IV pulses or none: a pulse's step down is
    no taper). ``lone``: the only oral glucocorticoid order on the chart."""
    return (_changes_itself(order, today) or ended_before_its_end(order, today) or not order.current_on(today)
            or not lone)


def _may_hide_a_step(order: MedicationOrder, today: date, since: date) -> bool:
    """An order whose dose is not read may hide a taper step within the window from ``since``: it has steps
    (several sequences), is planned, began within the window, or ended before today. One running unchanged since
    before the window, with nothing after it, has no step to hide (prednisone 10 mg on and on for two years)."""
    if _changes_itself(order, today) or planned(order, today):
        return True
    span = course_days(order, today)
    return span is not None and span[0] >= since


def _changes_itself(order: MedicationOrder, today: date) -> bool:
    """The order's own dose changes, as far as the chart tells: it has steps (several sequences), it ended before
    today, or its days cannot be read."""
    span = course_days(order, today)
    return len({d.sequence for d in order.dosages}) > 1 or span is None or span[1] < today


def draft_doses_not_read(record: PatientRecord, context: HookContext,
                           drafts: Sequence[MedicationOrder]) -> list[str]:
    """Drafts :func:`draft_reductions` cannot judge, their dose or that of the orders they are compared with not
    read: a glucocorticoid draft (not an IV pulse) beside a glucocorticoid given today, and the glucocorticoids
    given today whose dose is not read (prednisone 1 mg/kg with no current weight: today's dose, 0 on the timeline,
    is no level to lower), for their daily dose (:func:`_why_not_read`); a steroid-sparing draft and the orders of
    its agent being given (:func:`_being_given`), as :func:`_why_not_compared` says. A draft that discontinues is
    read as a stop whatever its dose."""
    today, weight = record.today, _weight(record, context)
    named: list[tuple[MedicationOrder, str | None]] = []
    for order in drafts:
        if discontinues(order):
            continue
        if order.in_group("glucocorticoid_systemic") and not steroids.is_iv_methylprednisolone(order):
            unread_today = [o for o in steroids.history(record, context).unreadable
                            if given_today(o, today) and not steroids.is_iv_methylprednisolone(o)]
            if current_peq(record, context) > _TOLERANCE_MG or unread_today:
                named += _why_not_read([order, *unread_today], weight)
        elif (group := next((g for g in STEROID_SPARING if order.in_group(g)), None)) is not None \
                and (given := _being_given(record, context, group)):
            named += _why_not_compared(record, context, group, order, given, drafts, weight)
    return _named(named)


def _why_not_compared(record: PatientRecord, context: HookContext, group: str, draft: MedicationOrder,
                      given: Sequence[MedicationOrder], drafts: Sequence[MedicationOrder], weight: float | None
                      ) -> list[tuple[MedicationOrder, str | None]]:
    """Why a steroid-sparing ``draft`` and the orders of its agent being given (``given``) are not compared, each
    order with its reason: a timing not read (dosing.timing_not_read); a dose per kg where no weight compares them,
    read as :func:`draft_reductions` reads them (:func:`_read_with`); for IVIG, a drafted cycle its
    maxDosePerPeriod leaves unread (:func:`_cycle_mg_by_its_maximum`)."""
    compared = [draft, *given]
    read_with, per = _read_with(weight, _ivig_compared(record, drafts) if group == "ivig" else compared)
    named = [(order, dosing.timing_not_read(order) or (None if read_with is not None
                                                          else _needs_a_weight(record, context, order)))
             for order in compared]
    if group == "ivig" and read_with is not None:
        named.append((draft, _drafted_cycle(draft, read_with, per)[2]))
    return named


# ---------------------------------------------------------------- drafts that would taper

def current_peq(record: PatientRecord, context: HookContext) -> float:
    """Today's daily PEQ from the glucocorticoid timeline (IV pulses excluded)."""
    return oral_peq_timeline(record, context).on(record.today)


@dataclass(frozen=True, slots=True)
class DraftReduction:
    """A draft that lowers a dose being given (:func:`draft_reductions`). ``agent``: its steroid-sparing group (None
    for a glucocorticoid). ``by_cycle``: an agent given in cycles (CYCLIC_AGENTS) of which cancelling the drafts
    leaves no order on the chart (:func:`_cancelling_leaves_none`: each cycle its own order, the earlier ones
    completed), so cancelling stops it rather than holding its dose; ``last_cycle`` then says its last effective
    cycle as the chart gives it (:func:`_last_cycle`), for the clinician to re-order by hand. No order is written
    for them: a draft rewritten at another dose and spacing could not be trusted (clinician review).
    ``escalates``: the drafts also raise the dose above today's (a re-escalation whose later steps end below it), so
    cancelling them would undo the escalation, not hold the taper: only their lower step is the reduction."""

    order: MedicationOrder
    step: TaperStep
    agent: str | None = None
    by_cycle: bool = False
    last_cycle: str | None = None
    escalates: bool = False


def draft_reductions(record: PatientRecord, context: HookContext,
                     drafts: Sequence[MedicationOrder]) -> list[DraftReduction]:
    """Draft orders that, signed, lower the daily PEQ below today's (:func:`_gc_draft_reductions`) or stop/reduce
    a steroid-sparing agent being given (:func:`_being_given`). What the patient will be given is read as the dose
    checks read it (continuing.on_chart): the drafts added to the chart's orders they do not replace, so a draft
    beside the dose on the chart (prednisone 5 mg twice a day beside 20 mg once) adds to it. A draft that
    discontinues (:func:`continuing.discontinues`: a stop in its own type's status codes, or 0 mg) is a stop. Doses
    per kg are compared per kg where no weight reads them in mg (:func:`_read_with`). IVIG drafts are read cycle by
    cycle (:func:`_ivig_draft_reductions`), rituximab and cyclophosphamide per dose against the course
    (:func:`_cyclic_draft_reductions`). Each says whether cancelling it would stop its agent, and then the agent's
    last cycle (:class:`DraftReduction`)."""
    weight = _weight(record, context)
    found = _gc_draft_reductions(record, context, drafts, weight)
    ivig = _ivig_draft_reductions(record, context, weight, _ivig_drafts(drafts))
    for group in STEROID_SPARING:
        of_group = [d for d in drafts if d.in_group(group)]
        if not of_group:
            continue
        if group == "ivig":
            found += [r for r in ivig if any(r.order is d for d in of_group)]
            of_group = [d for d in of_group if discontinues(d)]  # a stop is read as for any agent
        given = _being_given(record, context, group)
        if not given or not of_group:
            continue
        if group in CYCLIC_AGENTS:
            found += _cyclic_draft_reductions(group, of_group, given, weight, record.today)
        else:
            found += _daily_draft_reductions(record, group, of_group, given, weight)
    cyclic = {r.agent for r in found if r.agent in CYCLIC_AGENTS}
    last_cycles = {agent: _last_cycle(record, context, agent, weight) for agent in cyclic if agent is not None
                   and _cancelling_leaves_none(record, agent, [d for d in drafts if d.in_group(agent)])}
    return [replace(r, by_cycle=True, last_cycle=said) if (said := last_cycles.get(r.agent or "")) else r
            for r in found]


def _drafted_stop(draft: MedicationOrder, group: str, today: date) -> DraftReduction:
    return DraftReduction(draft, TaperStep(today, f"draft stops {group} ({draft.label})", agent=group, stop=True),
                          group)


def _cyclic_draft_reductions(group: str, drafts: Sequence[MedicationOrder], given: Sequence[MedicationOrder],
                             weight: float | None, today: date) -> list[DraftReduction]:
    """Drafts of an agent given in cycles (rituximab, cyclophosphamide; IVIG's stops) that stop it, or give less per
    dose (:func:`_dose`) than the most of the orders that gave its course (:func:`_being_given`): each draft is the
    next dose, not one added to a dose being given."""
    found = []
    for order in drafts:
        if discontinues(order):
            found.append(_drafted_stop(order, group, draft_start(order, today)))
            continue
        read_with, per = _read_with(weight, [*given, order])
        old = max((d for m in given if (d := _dose(group, m, read_with, per)) is not None), key=lambda d: d.mg,
                  default=None)
        new = _dose(group, order, read_with, per)
        if old is not None and new is not None and new.mg < old.mg - _TOLERANCE_MG:
            found.append(DraftReduction(order, TaperStep(draft_start(order, today), f"draft reduces {group} "
                                                                                     f"{_from_to(group, old, new)}",
                                                         agent=group), group))
    return found


def _daily_draft_reductions(record: PatientRecord, group: str, drafts: Sequence[MedicationOrder],
                            given: Sequence[MedicationOrder], weight: float | None) -> list[DraftReduction]:
    """Drafts of an agent taken continuously (methotrexate, azathioprine...) that, signed, stop it or lower what is
    given of it: the drafts and the orders being given (``given``) that no draft replaces, added up, against what
    those orders give now (:func:`_given_together`), as continuing.on_chart reads them for the dose checks. Drafts
    that replace none add to the orders on the chart (an extra evening dose written as another frequency): no
    reduction. A stop that re-sends or names no order is read as a stop, as ever (it says what it means: nothing
    on the chart tells what else it could stop). Dated on the day the drafts start."""
    today = record.today
    stops, read = _beside_the_chart(drafts, given, today, group)
    found = [_drafted_stop(draft, group, draft_start(draft, today)) for draft in stops]
    changing = [d for d in drafts if not any(d is stop for stop in stops)]
    if not changing or not read.replaced:
        return found
    after = [*read.given, *read.scheduled]
    read_with, per = _read_with(weight, [*given, *read.given])
    old, new = _given_together(group, given, read_with, per), _given_together(group, after, read_with, per)
    if old is None or new is None or new.mg >= old.mg - _TOLERANCE_MG:
        return found  # a dose not read: named by draft_doses_not_read
    labels = "; ".join(dict.fromkeys(d.label for d in changing))
    step = TaperStep(min(draft_start(d, today) for d in changing),
                     f"draft reduces {group} {_from_to(group, old, new)}" if after
                     else f"draft stops {group} ({labels})", agent=group, stop=not after)
    return found + [DraftReduction(draft, step, group) for draft in changing]


def _beside_the_chart(drafts: Sequence[MedicationOrder], chart: Sequence[MedicationOrder], today: date,
                      group: str) -> tuple[tuple[MedicationOrder, ...], OnChart]:
    """The drafts written as a stop that re-send or name no order on the chart (continuing.OnChart.stop_unlinked:
    read as stops here, as they say), and the others read against ``chart`` (continuing.on_chart): which orders
    they replace and which go on beside them."""
    read = on_chart(drafts, chart, today, group)
    stops = read.stop_unlinked
    if stops:
        read = on_chart([d for d in drafts if not any(d is stop for stop in stops)], chart, today, group)
    return stops, read


def _gc_draft_reductions(record: PatientRecord, context: HookContext, drafts: Sequence[MedicationOrder],
                         weight: float | None) -> list[DraftReduction]:
    """The glucocorticoid drafts (not IV pulses) that, signed, lower the daily PEQ below today's
    (:func:`current_peq`): the drafts added to the chart's orders they do not replace (continuing.on_chart, as R06
    reads them: a draft beside the dose on the chart adds to it), judged on each day a draft, or a step of one,
    starts (:func:`_judged_days`). The reduction is the first of those days that gives less than today's dose and
    less than the chart's own orders would (a lower dose the chart itself plans is :func:`_planned_gc_reductions`'),
    dated on it: a re-escalation that ends below today's dose is a reduction from its lower step on, and it
    ``escalates`` (:class:`DraftReduction`). One step for all the drafts, which cancelled together leave the chart as
    it is. A draft written as a stop that re-sends or names no order is read as a stop (0 mg), as ever. Not judged
    where a dose added up is not read (draft_doses_not_read names it)."""
    today = record.today
    now = current_peq(record, context)
    sent = [d for d in systemic(list(drafts))
            if d.in_group(steroids.GROUP) and not steroids.is_iv_methylprednisolone(d)]
    if now <= _TOLERANCE_MG or not sent:
        return []
    stops, read = _beside_the_chart(sent, [o for o in current_orders(record, steroids.GROUP)
                                           if not steroids.is_iv_methylprednisolone(o)], today, steroids.GROUP)
    found = [DraftReduction(d, TaperStep(today, f"draft lowers the glucocorticoid from {now:g} to 0 mg/day PEQ "
                                                f"({d.label})", agent=GLUCOCORTICOID, stop=True)) for d in stops]
    changing = [d for d in sent if not any(d is stop for stop in stops)]
    drafted = _drafted_doses(read.given, weight, today)
    beside, beside_unread = _chart_doses(read.scheduled, weight)
    chart_alone, _ = _chart_doses(_oral_going_on(record), weight)
    if not changing or drafted is None or beside_unread:
        return found
    judged = [(day, _peq_on(drafted, day) + _going_on(beside, day, today))
              for day in _judged_days(changing, drafted, today)]
    lower = next(((day, level) for day, level in judged if level < now - _TOLERANCE_MG
                  and level < _going_on(chart_alone, day, today) - _TOLERANCE_MG), None)
    if lower is None:
        return found
    day, level = lower
    highest = max(given for _, given in judged)
    lowest_day, lowest = min((item for item in judged if item[0] >= day), key=lambda item: item[1])
    said = "; ".join(dict.fromkeys(d.label for d in changing))
    if lowest < level - _TOLERANCE_MG:
        said += f"; {lowest:g} mg/day PEQ from {lowest_day.isoformat()}"
    escalates = highest > now + _TOLERANCE_MG
    what = (f"draft raises the glucocorticoid (up to {highest:g} mg/day PEQ), then lowers it below today's {now:g}, "
            f"to {level:g} mg/day PEQ ({said})" if escalates
            else f"draft lowers the glucocorticoid from {now:g} to {level:g} mg/day PEQ ({said})")
    step = TaperStep(day, what, agent=GLUCOCORTICOID, stop=level <= _TOLERANCE_MG)
    return found + [DraftReduction(draft, step, escalates=escalates) for draft in changing]


def _drafted_doses(drafts: Sequence[MedicationOrder], weight: float | None, today: date) -> list[_Dose] | None:
    """The doses glucocorticoid drafts write (:func:`_written_doses`), each from the day it is given
    (dose_basis.draft_start) to its last (dose_basis.draft_span: a taper written as separate orders steps from one
    to the next); None where one is not read."""
    doses: list[_Dose] = []
    for draft in drafts:
        first, last = draft_span(draft, today)
        written = _written_doses(draft, weight, first, last)
        if written is None:
            return None
        doses += written
    return doses


def _judged_days(sent: Sequence[MedicationOrder], drafted: Sequence[_Dose], today: date) -> list[date]:
    """The days a glucocorticoid draft changes what is given: the first day any of them (``sent``, one that stops
    an order too) is given, and each day a drafted dose starts after it. An end alone is no step (a draft's end
    may be its validity, as an order's)."""
    first = min(draft_start(d, today) for d in sent)
    return sorted({first, *(dose.first for dose in drafted if dose.first > first)})


def _cancelling_leaves_none(record: PatientRecord, agent: str, drafts: Sequence[MedicationOrder]) -> bool:
    """Cancelling the ``drafts`` of ``agent`` leaves none of it ordered: no current order of it on the chart
    (continuing.current_orders) goes on, as with an agent given in cycles ordered one cycle at a time, the earlier
    cycles completed orders. A regimen ordered as one current order goes on, as a daily drug's order does, unless a
    draft re-sends it (the same id: cancelling that draft stops it). Its status and end date say it goes on, not
    its count, which for IVIG is the days of a cycle (service contract section 4), not the doses of the order."""
    resent = {draft.reference for draft in drafts if draft.id}
    return all(order.reference in resent for order in current_orders(record, agent))


def _last_cycle(record: PatientRecord, context: HookContext, agent: str, weight: float | None) -> str:
    """The last effective cycle of ``agent`` as the chart gives it, for a card that asks for it to be re-ordered by
    hand: IVIG's dose per cycle and the spacing of its cycles (:func:`_last_ivig_cycle`), another agent's dose and
    the days between its last doses (:func:`_last_doses`). Per kg as written where every dose read is (never a dose
    worked out from a weight), else in mg at today's ``weight``. What is not read is said so, never filled in."""
    return _last_ivig_cycle(record, context, weight) if agent == "ivig" else _last_doses(record, context, agent,
                                                                                          weight)


def _as_written(weight: float | None, orders: Iterable[MedicationOrder]) -> tuple[float | None, str]:
    """The weight and unit :func:`_last_cycle` reads the doses of ``orders`` with: per kg where every one is
    written per kg (:func:`_read_with` with no weight), else in mg at ``weight``."""
    per_kg = _read_with(None, orders)
    return per_kg if per_kg[0] is not None else (weight, "")


def _last_ivig_cycle(record: PatientRecord, context: HookContext, weight: float | None) -> str:
    """'2 g/kg per cycle over 2 days, every 4 weeks, the last begun on ...': the last cycle
    :func:`_ivig_draft_reductions` compares a draft with."""
    read_with, per = _as_written(weight, record.medications_in("ivig"))
    doses = td.ivig_doses(record, context, read_with)
    cycles = td.ivig_course(record, context).cycles
    if not doses or not cycles:
        return "not read from the chart"
    last = doses[-1]
    over = f" over {last.days:g} day{'s' if last.days != 1 else ''}" if last.days else ""
    dose = f"{last.mg / 1000:g} g{per} per cycle{over}" if last.mg is not None else "its dose per cycle not read"
    spacing = (f"every {_intervals(last.spacing)[0]}" if last.spacing is not None
               else "its spacing not read (no cycle before it in this course)")
    return f"{dose}, {spacing}, the last begun on {cycles[-1].isoformat()}"


def _last_doses(record: PatientRecord, context: HookContext, agent: str, weight: float | None) -> str:
    """'1,000 mg a dose, the last on ..., 2 weeks after the dose before it': the last dose of ``agent`` within its
    course (:func:`_course_doses`) on each day it is given (:func:`_dose`, as a draft is compared with it), and the
    interval of the order that gave it where it gave several, else the days since the dose before it."""
    given = sorted(_course_doses(record, context, agent), key=lambda item: item[1])
    if not given:
        return "not read from the chart"
    order, last = given[-1]
    dose = _dose(agent, order, *_as_written(weight, [order]))
    written = next((d.dose for d in order.dosages if d.dose is not None), None)
    before = max((day for _, day in given[:-1] if day < last), default=None)
    if order.start is not None and order.start < last:  # the order gave several doses: its own interval
        step = dosing.interval_days(order.dosage.timing) if order.dosage else None
        spacing = (f"every {_intervals(round(step))[0]}" if step is not None and math.isfinite(step) and step >= 1
                   else "the interval of its order not read")
    elif before is not None:
        spacing = f"{_intervals((last - before).days)[0]} after the dose before it"
    else:
        spacing = "no dose before it in this course (spacing not read)"
    said = (f"{dose.basis} a dose" if dose is not None else f"a dose of {written} (not read in mg)" if written
            else "no dose written")
    return f"{said}, the last on {last.isoformat()}, {spacing}"


def _course_doses(record: PatientRecord, context: HookContext, group: str) -> list[tuple[MedicationOrder, date]]:
    """(order, last day given) of the orders of a cyclic agent given within its course: the anti_cd20_in_use_days
    definition back from today for anti-CD20, else the ivig_course_break_days definition."""
    course_length = context.definition("anti_cd20_in_use_days" if group == "rituximab" else "ivig_course_break_days")
    return doses_since(record, group, since=record.today - timedelta(days=int(course_length)))


def _being_given(record: PatientRecord, context: HookContext, group: str) -> list[MedicationOrder]:
    """The orders of ``group`` a draft changes: the current ones; for a cyclic agent with none, the order that gave
    its last dose, when that was within its course (:func:`_course_doses`): charts that order every cycle
    separately (rituximab 1 g x2 as two completed orders) leave no current order between cycles. After a longer
    break the course has ended: a draft restarts it."""
    current = record.medications_in(group, current_only=True)
    if current or group not in CYCLIC_AGENTS:
        return current
    given = _course_doses(record, context, group)
    return [max(given, key=lambda item: item[1])[0]] if given else []


def _ivig_drafts(drafts: Sequence[MedicationOrder]) -> list[MedicationOrder]:
    """The IVIG drafts read cycle by cycle: those that do not discontinue (a stop is read as one)."""
    return [d for d in drafts if d.in_group("ivig") and not discontinues(d)]


def _ivig_compared(record: PatientRecord, drafts: Sequence[MedicationOrder]) -> list[MedicationOrder]:
    """The IVIG orders whose doses :func:`_ivig_draft_reductions` reads together (:func:`_read_with`): the chart's
    and the drafts read cycle by cycle."""
    return [*record.medications_in("ivig"), *_ivig_drafts(drafts)]


def _ivig_draft_reductions(record: PatientRecord, context: HookContext, weight: float | None,
                           drafts: Sequence[MedicationOrder]) -> list[DraftReduction]:
    """IVIG drafts that give less than the last cycle on the chart, read as :func:`_ivig_reductions` reads two
    charted cycles (:func:`_ivig_given_less`), whether or not an order is current: a chart that orders every cycle
    separately has none between cycles. Each drafted cycle (:func:`_drafted_ivig_cycles`) is compared, except one
    that adds to the cycle on file (one-cycle drafts starting less than IVIG_CYCLE_MIN_GAP_DAYS after a one-cycle
    order) and one more than ivig_course_break_days after the last cycle (a restart). A cycle drafted as one-day
    orders over fewer days than the last cycle may be its first days only (the rest drafted at a later signing):
    its dose is not judged. Doses per kg are compared per kg where no weight reads them in g
    (:func:`_read_with`)."""
    read_with, per = _read_with(weight, _ivig_compared(record, drafts))
    doses = td.ivig_doses(record, context, read_with) if drafts else []
    cycles = td.ivig_course(record, context).cycles if doses else ()
    if not doses or not cycles:
        return []
    previous, last_cycle = doses[-1], cycles[-1]
    late = int(context.definition("dose_gap_bridge_days"))
    found = []
    for orders, cycle in _drafted_ivig_cycles(drafts, read_with, per, record.today, last_cycle,
                                              context.definition("ivig_course_break_days")):
        if previous.takes_in(cycle.start, cycle.cyclic):
            continue  # part of the cycle on file: it adds to it
        day_by_day = not cycle.cyclic and cycle.days == len(orders)  # every draft one day long
        if day_by_day and cycle.days is not None and previous.days is not None and cycle.days < previous.days:
            continue  # perhaps the cycle's first days only
        found += [DraftReduction(order, TaperStep(record.today, f"draft: IVIG {change} ({order.label}; last cycle "
                                                                f"{last_cycle.isoformat()})"), "ivig")
                  for change in _ivig_given_less(previous, cycle, None, late, per) for order in orders]
    return found


def _drafted_ivig_cycles(drafts: Sequence[MedicationOrder], weight: float | None, per: str, today: date,
                         last_cycle: date, break_days: float) -> list[tuple[list[MedicationOrder], td.IvigDose]]:
    """The IVIG cycles drafts would give (:func:`_drafted_cycle`, with ``weight`` and ``per`` as :func:`_read_with`
    gives them): a cyclic draft, its own dose per cycle and interval; one-cycle drafts starting less than
    IVIG_CYCLE_MIN_GAP_DAYS apart, one cycle that adds up. A one-cycle draft has no interval of its own (how long
    after the last cycle it is drafted is no schedule). A cycle more than ``break_days`` after ``last_cycle``
    restarts IVIG."""
    drafted: list[tuple[list[MedicationOrder], td.IvigDose]] = []
    for order in sorted(drafts, key=lambda o: o.start or today):
        start = order.start or today
        step = td.stated_interval(order)
        mg, days, _ = _drafted_cycle(order, weight, per)
        if drafted and drafted[-1][1].takes_in(start, step is not None):
            orders, cycle = drafted[-1]
            drafted[-1] = ([*orders, order], cycle.adding(mg, days))
            continue
        drafted.append(([order], td.IvigDose(start, mg, round(step) if step is not None else None,
                                             (start - last_cycle).days > break_days, step is not None, None, days)))
    return drafted


def _drafted_cycle(order: MedicationOrder, weight: float | None, per: str
                   ) -> tuple[float | None, float | None, str | None]:
    """(mg, days, why its mg is not read) of one cycle of an IVIG draft, read as :func:`td.ivig_doses` reads orders
    but as planned (to its last day, not cut short at today), its dose per cycle as its maxDosePerPeriod lets it be
    read (:func:`_cycle_mg_by_its_maximum`). None for both when it repeats with nothing written that ends it
    (courses.dose_run's ``open_ended``: no count, bounds, end date nor cycle duration) and no supply (a daily draft
    with no end is no known number of days), or writes its days only in its text."""
    runs = order_runs(order, cycle_gap=IVIG_CYCLE_MIN_GAP_DAYS)
    # read as planned, an open-ended run would be its start day alone (its supply, if any, ends it)
    open_ended = runs is not None and any(run.open_ended for run in runs.runs) and not order.supply_days
    if open_ended or _days_only_in_text(order):
        return None, None, None
    mg, days = td.ivig_cycle(order, weight, date.max)
    per_cycle, why = _cycle_mg_by_its_maximum(order, weight, per, mg, days, runs)
    return per_cycle, days, why


def _cycle_mg_by_its_maximum(order: MedicationOrder, weight: float | None, per: str, read_mg: float | None,
                             days: float | None, runs: OrderRuns | None) -> tuple[float | None, str | None]:
    """An IVIG draft's mg per cycle where its maxDosePerPeriod (the service contract's marker of a dose per cycle,
    section 4 'Cyclic regimens') decides how it is read, and why not: ``read_mg``, its dose read per day over the
    cycle's ``days`` (td.ivig_cycle), unless the one reader of per day or per cycle (courses.cycle_dose_per_day,
    R27's) finds the dose is the cycle's; where the maximum leaves it open it is not read: whether a dose is per day
    or per cycle is never guessed. One instruction only; ``weight`` and ``per`` as :func:`_read_with` gives them."""
    instructions = dosing.dose_instructions(order)
    if read_mg is None or days is None or runs is None or len(instructions) != 1 \
            or instructions[0].max_per_period is None or instructions[0].dose is None:
        return read_mg, None
    per_day = cycle_dose_per_day(*runs.groups[0][0])
    if per_day is True:
        return read_mg, None
    if per_day is False:
        return _mg_in(instructions[0].dose, weight, per), None
    numerator, denominator = instructions[0].max_per_period
    return None, (f"{instructions[0].dose} over {days:g} days with a maxDosePerPeriod of {numerator} per "
                  f"{denominator}: whether its dose is per day or per cycle is not read")


def _mg_in(quantity: Quantity, weight: float | None, per: str) -> float | None:
    """``quantity`` in mg as :func:`_read_with` reads doses (courses.mass_or_per_kg): a mass, or a dose per kg at
    ``weight``; per kg alone where ``per`` is '/kg' (``weight`` 1). None for any other."""
    read = mass_or_per_kg(quantity, None)
    if read is None:
        return None
    amount, per_kg = read
    if not per_kg:
        return None if per else amount
    return amount * weight if weight else None


def _days_only_in_text(order: MedicationOrder) -> bool:
    """A draft whose timing writes nothing (no repeat, count or duration), nor its end or supply, but whose text
    may ("1 g/kg IV daily for 2 days"): read as one administration its cycle could be half what it is, so it is
    not judged."""
    return (order.end is None and not order.supply_days and any(d.text for d in order.dosages)
            and not any(dosing.periods_per_day(d.timing) is not None or d.timing.count or d.timing.duration
                        for d in order.dosages))


# ---------------------------------------------------------------- possible relapse

@dataclass(slots=True)
class RelapseCheck:
    """The possible_relapse verdict; ``missing`` says what prevented an answer (then ``possible`` is False).
    ``statins``: in anti-HMGCR myopathy, the statins (or red yeast rice) given since the nadir, each with its last
    day given (:func:`statin_reexposure`): a relapse trigger, not one of the ``caveats``."""

    taper: Sequence[TaperStep]
    latest: ck.CkPoint | None = None
    nadir: ck.CkExtreme | None = None
    possible: bool = False
    reason: str = ""
    missing: str | None = None
    caveats: list[str] = field(default_factory=list)
    statins: list[tuple[MedicationOrder, date]] = field(default_factory=list)

    @property
    def ratio(self) -> ck.Span | None:
        """How many times the nadir the latest CK is ('at least 111.1' when the latest is written '>20,000')."""
        return None if self.latest is None or self.nadir is None else self.latest.span.times(self.nadir.span)


def possible_relapse(record: PatientRecord, context: HookContext, *, taper: Sequence[TaperStep] | None = None,
                     unread: Sequence[str] = ()) -> RelapseCheck:
    """Taper in progress and latest CK (<= 14 d old) > ULN and >= 2 x nadir CK; caveats are shown, never used
    to exclude. ``taper``: the steps the caller has already gathered (with a draft's reductions when one is being
    signed); by default the chart's :func:`taper_in_progress`. ``unread``: orders whose daily dose is not read
    (:func:`doses_not_read`, :func:`draft_doses_not_read`), in which the step asked about may be hidden: the CK is
    judged without a step, and a possible relapse (or a CK check left open) is then not called but ``missing``."""
    check = RelapseCheck(taper=taper_in_progress(record, context) if taper is None else taper)
    if not check.taper and not unread:
        check.reason = "no taper in progress"
        return check
    _judge_ck(record, context, check)
    if unread and (check.possible or check.missing):
        check.missing = (f"a dose reduction may be hidden in an order whose daily dose is not read "
                         f"({'; '.join(unread)}), and {check.reason if check.possible else check.missing}")
        check.possible = False
    return check


@per_record
def chart_relapse(record: PatientRecord, context: HookContext) -> RelapseCheck:
    """:func:`possible_relapse` as the chart alone gives it (patient-view, no draft): the chart's taper in progress,
    or with none read the orders whose daily dose is not read that may hide one. Read once per call: R21's
    patient-view card and the escalation rows (R15, R16, R17) ask."""
    steps = taper_in_progress(record, context)
    return possible_relapse(record, context, taper=steps, unread=() if steps else doses_not_read(record, context))


def taper_began(steps: Sequence[TaperStep]) -> date | None:
    """The day of the first of ``steps``: before it the treatment was given in full (ck.nadir asks when a flare had
    had its time to respond)."""
    return min((step.day for step in steps), default=None)


def _judge_ck(record: PatientRecord, context: HookContext, check: RelapseCheck) -> None:
    """The CK part of :func:`possible_relapse`, filled into ``check``."""
    nadir_multiple = float(context.definition("relapse_nadir_multiple"))
    latest = ck.latest_ck(record, context)
    check.latest = latest.point
    if why := latest.why_not_recent(context.definition("relapse_ck_max_age_days")):
        check.missing = why
        return
    assert check.latest is not None  # a recent enough CK is on file
    points = ck.series(record, context)
    start = steroids.treatment_start(record, context)
    if unknown := steroids.why_treatment_start_unknown(record, context):
        check.missing = f"{unknown} (it anchors the nadir CK)"
        return
    if start is None:
        check.missing = "no treatment start (T_tx) to anchor the nadir CK"
        return
    check.nadir = ck.nadir(points, start[0], taper_began(check.taper))
    if check.nadir is None:
        check.missing = (f"no nadir CK: no CK between T_tx + 14 d ({(start[0] + timedelta(days=14)).isoformat()})"
                         f" and 14 d before the latest CK")
        return
    check.caveats = caveats(record, context, check.latest, check.nadir)
    check.statins = statin_reexposure(record, check.latest, check.nadir) if statin_contraindicated(record) else []
    above_uln = check.latest.above(check.latest.uln)
    ratio = check.ratio
    assert ratio is not None  # the latest CK and the nadir are both on file
    risen = ratio.at_least(nadir_multiple)
    if above_uln is False:
        check.reason = f"latest CK {check.latest} is not above the ULN"
    elif risen is False:
        check.reason = (f"latest CK {check.latest.reading} is below {nadir_multiple:g} x the nadir "
                        f"{check.nadir}")
    elif above_uln is None or risen is None:  # a bound is used only as far as it reaches: no guess either way
        check.missing = ck.left_open(check.latest, [
            ("is above the ULN", above_uln), (f"is at least {nadir_multiple:g} x the nadir {check.nadir}", risen)])
    else:
        check.possible = True
        check.reason = (f"latest CK {check.latest} is above the ULN and {ratio:.1f} x the nadir "
                        f"{check.nadir}")


def _in_window(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def caveats(record: PatientRecord, context: HookContext, latest: ck.CkPoint,
            nadir: ck.CkExtreme | None = None, window_hours: int = CAVEAT_WINDOW_HOURS,
            tsh_limit: float = TSH_CAVEAT_MIU_L) -> list[str]:
    """Other explanations of a CK rise: exertion, IM injection or trauma within 72 h of the CK, TSH > 10 mIU/L,
    statin or red yeast rice since the nadir (unless statins are contraindicated, :func:`statin_contraindicated`:
    then it is a relapse trigger, :func:`statin_reexposure`), documented missed doses."""
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
    if not statin_contraindicated(record):
        found += [f"statin or red yeast rice exposure: {order.label} (last {given.isoformat()})"
                  for order, given in statin_reexposure(record, latest, nadir)]
    for condition in record.conditions_in("nonadherence"):
        if condition.start is None or condition.start >= record.today - timedelta(days=90):
            found.append(f"missed doses documented: {condition.code.label}")
    return found


def statin_contraindicated(record: PatientRecord) -> bool:
    """Anti-HMGCR positive at any time, or statin-associated autoimmune myopathy on file: as R14 reads it, a statin
    (or red yeast rice) is contraindicated for life, and re-exposure can reactivate the myopathy."""
    return (antibodies.ever_positive(record, "anti_hmgcr") is not None
            or bool(record.conditions_in("statin_autoimmune_myopathy")))


def statin_reexposure(record: PatientRecord, latest: ck.CkPoint,
                      nadir: ck.CkExtreme | None) -> list[tuple[MedicationOrder, date]]:
    """The statins (or red yeast rice) given since the nadir (or in the 90 days before the latest CK), each with the
    last day given (courses.doses_since)."""
    since = nadir.day if nadir is not None else latest.day - timedelta(days=90)
    return doses_since(record, "statin", "red_yeast_rice", since=since)


def glucocorticoid_stopped(record: PatientRecord, context: HookContext,
                           steps: Sequence[TaperStep]) -> TaperStep | None:
    """The last of ``steps`` (up to today) that stopped the glucocorticoid, where none is given today or planned
    (:func:`_oral_going_on`, steroids.SteroidHistory.given_today: an order whose dose is not read, or an IV pulse,
    counts as given): nothing of it is left to hold, and a relapse raises restarting it. None otherwise."""
    if _oral_going_on(record) or steroids.history(record, context).given_today():
        return None
    return max((step for step in steps if step.agent == GLUCOCORTICOID and step.stop and step.day <= record.today),
               key=lambda step: step.day, default=None)
