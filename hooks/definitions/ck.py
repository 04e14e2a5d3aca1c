"""CK values in U/L, the upper limit of normal, and the CK-derived variables of section 4.2."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from hooks.context import HookContext
from hooks.definitions.notes import newest_few
from hooks.record import Observation, PatientRecord, per_record, plausible
from hooks.units import convert


@dataclass(frozen=True, slots=True)
class Span:
    """What a number known only within bounds can be, from ``least`` to ``most``: a CK the lab wrote as a bound
    ('>20,000 U/L' is above 20,000, with no ceiling), the lowest or highest of several CKs, or how many times one is
    another. The one way a CK bound is reasoned with: a question it leaves open is answered None, never guessed
    (what None then does is :func:`switches_on`'s rule)."""

    least: float
    most: float
    above_least: bool = False  # the number is above ``least``, not at it: '>' is strict
    below_most: bool = False  # below ``most``, not at it: '<' is strict

    @classmethod
    def written(cls, value: float, comparator: str | None) -> Span:
        """A result as the lab wrote it: exactly ``value``, or above or below it (a CK is above 0, below infinity)."""
        match comparator:
            case "<" | "<=":
                return cls(0.0, value, True, comparator == "<")
            case ">" | ">=":
                return cls(value, math.inf, comparator == ">", True)
        return cls(value, value)

    @classmethod
    def extreme(cls, spans: Iterable[Span], highest: bool) -> Span:
        """The largest (``highest``) or smallest of several numbers: its least is the largest (smallest) least,
        reached when the one that has it reaches it; its most the largest (smallest) most, not reached when that one
        stops short of it."""
        pick = max if highest else min
        spans = list(spans)
        low = pick(spans, key=lambda s: (s.least, s.above_least))
        high = pick(spans, key=lambda s: (s.most, not s.below_most))
        return cls(low.least, high.most, low.above_least, high.below_most)

    @property
    def exact(self) -> bool:
        return self.least == self.most

    def above(self, limit: float) -> bool | None:
        """Whether the number is above ``limit``; None when it may be on either side ('>150' against 200)."""
        if self.least > limit or (self.least == limit and self.above_least):
            return True
        return False if self.most <= limit else None

    def at_least(self, limit: float) -> bool | None:
        """Whether the number is at least ``limit``; None when it may be on either side ('<360' is not twice 180)."""
        if self.least >= limit:
            return True
        return False if self.most < limit or (self.most == limit and self.below_most) else None

    def times(self, other: Span | float) -> Span:
        """How many times ``other`` (a span, or an exact number such as a ULN) this number is."""
        by = other if isinstance(other, Span) else Span(other, other)
        return Span(self.least / by.most, self.most / by.least if by.least > 0 else math.inf,
                    self.above_least or by.below_most, self.below_most or by.above_least)

    @property
    def unknown(self) -> bool:
        """Nothing is known: from 0 to no ceiling (a CK below 100 against a nadir below 60)."""
        return self.least == 0 and self.most == math.inf

    def fact(self, digits: int) -> float | str | None:
        """For a rule's facts: a number (rounded to ``digits``) when exact, None when :attr:`unknown`, else the words
        of :meth:`__format__` ('at least 111.11'): a reader must not take a bound for a measured number."""
        if self.unknown:
            return None
        return round(self.least, digits) if self.exact else f"{self:.{digits}f}"

    def __format__(self, spec: str) -> str:
        """The number in ``spec`` ('' or '.1f'), or as far as the bounds tell it: 'at least 111.1', 'at most 0.5',
        '1.7 to 2.2', each end rounded away from the other so that it never claims more than the bounds show."""
        if self.exact:
            return format(self.least, spec)
        if self.unknown:
            return "unknown"
        if self.most == math.inf:
            return f"at least {_outward(self.least, spec, down=True)}"
        if self.least == 0:
            return f"at most {_outward(self.most, spec, down=False)}"
        return f"{_outward(self.least, spec, down=True)} to {_outward(self.most, spec, down=False)}"

    def __str__(self) -> str:
        return format(self, "")


def _outward(value: float, spec: str, *, down: bool) -> str:
    """``value`` in ``spec``, rounded down (a least) or up (a most) to the digits shown: at least 2.975 x ULN is
    'at least 2.9', never 'at least 3.0', a 3 x ULN the CK may not reach. ``spec`` is '' (as it is) or '.Nf' (N
    decimals), the only ones a Span is shown with: any other would be rounded wrongly, so it is refused."""
    assert spec == "" or (spec.startswith(".") and spec.endswith("f") and spec[1:-1].isdigit()), spec
    if not spec:
        return format(value, spec)
    scale = 10 ** int(spec.strip(".f"))
    scaled = round(value * scale, 9)  # float noise off first: 0.29 x 100 is 28.999999999999996
    return format((math.floor(scaled) if down else math.ceil(scaled)) / scale, spec)


@dataclass(frozen=True, slots=True)
class CkPoint:
    day: date
    value: float  # U/L
    uln: float  # U/L
    uln_from_lab: bool
    observation_id: str
    converted_from: str | None = None  # the unit given, when it is not U/L or an equal one (IU/L, U): ukat/L
    # '>', '>=', '<', '<=': the lab reported a bound ('>20,000 U/L', above its range), and ``value`` is the bound,
    # not the CK: compare it through ``span`` (or ``above``), never ``value > limit``
    comparator: str | None = None

    @property
    def reading(self) -> str:
        """The CK as the lab gave it, in U/L: '1,250 U/L', or a bound as written: '>20,000 U/L'."""
        return f"{self.comparator or ''}{self.value:,.0f} U/L"

    def shown(self, reached: bool | None, level: str) -> str:
        """The CK as written for a card a bound :func:`switches_on`, saying it only may be ``level`` when the bound
        leaves that open (``reached`` None): '<1,000 U/L (may be above the ULN) on 2026-11-20 (ULN 200)'."""
        assert reached is not False, "a CK the bound rules out is not shown as one that may be"
        may_be = "" if reached else f" (may be {level})"
        return f"{self.reading}{may_be} on {self.day.isoformat()} (ULN {self.uln:,.0f})"

    def __str__(self) -> str:
        return self.shown(True, "")

    @property
    def span(self) -> Span:
        """What the CK can be: a CK above 20,000 is at least 20,000, with no ceiling."""
        return Span.written(self.value, self.comparator)

    def above(self, limit: float) -> bool | None:
        """Whether the CK is above ``limit`` (U/L); None when it is a bound that does not settle it."""
        return self.span.above(limit)

    @property
    def times_uln(self) -> Span:
        """How many times its ULN the CK is: 'at least 2.5' for '>500 U/L' against 200."""
        return self.span.times(self.uln)


@dataclass(frozen=True, slots=True)
class CkExtreme:
    """The highest (peak) or lowest (nadir) CK of a window: what it can be, and the results it may be. One result
    when the bounds tell which, else every result that may be it ('180 U/L on ... or <200 U/L on ..., whichever is
    lower')."""

    span: Span
    results: list[CkPoint]  # oldest first
    word: str  # 'higher' or 'lower', to name several

    @property
    def day(self) -> date:
        """The day of the oldest result it may be: what happened since then happened since the extreme."""
        return self.results[0].day

    def __str__(self) -> str:
        if len(self.results) == 1:
            return str(self.results[0])
        return f"{' or '.join(str(p) for p in self.results)}, whichever is {self.word}"


def switches_on(reached: bool | None) -> bool:
    """Whether a CK meets a question that switches a card ON (a raised CK that makes the IMNM or ICI-myositis
    cohort, R03's CK threshold): a bound that leaves it open (None) counts, erring towards the card as a bound read
    as its number did, and the card shows the CK as written and says it may be there (:meth:`CkPoint.shown`).
    Never for a question that switches a card off or calls the patient well (an adequate response, a normal CK, no
    relapse): there a bound that leaves it open is not evaluable. Nor does an open bound start a treatment: R31
    asks the lab rather than start prednisone on a CK that only may be 3 x ULN."""
    return reached is not False


def series(record: PatientRecord, context: HookContext) -> list[CkPoint]:
    """Every dated CK with a usable value, oldest first: a valueQuantity (with its comparator), or a bound written as
    text with its unit ('>20,000 U/L'). Units other than U/L and ukat/L are skipped."""
    return _readings(record, context).points


class _Readings(NamedTuple):
    points: list[CkPoint]
    unread: list[Observation]  # dated results with a value that could not be read (text, or an unknown unit)
    newest_unread: Observation | None  # the newest dated result with a value, when it is one of ``unread``


@per_record
def _readings(record: PatientRecord, context: HookContext) -> _Readings:
    """The CK series and the results passed over, read once for the series, the warnings and the CK-age gate."""
    fallback = float(context.definition("ck_uln_fallback"))
    points, unread, newest_unread = [], [], None
    for observation in record.observations_in("ck"):
        point = _point(observation, fallback)
        if point is not None:
            points.append(point)
            newest_unread = None
        elif observation.when is not None and observation.has_measurement:
            unread.append(observation)
            newest_unread = observation
    return _Readings(points, unread, newest_unread)


def _point(observation: Observation, fallback: float) -> CkPoint | None:
    given = observation.reported_value
    if observation.when is None or given is None:
        return None
    value = convert(given.value, given.unit, "U/L")
    if value is None or not plausible("ck", "U/L", value):
        return None  # a unit not read; a CK below 1 U/L is an error
    high = observation.ref_high
    uln = convert(high.value, high.unit, "U/L") if high is not None else None
    stated = uln is not None and plausible("ck", "U/L", uln)  # else the fallback ULN, and the response says so
    converted = given.unit if given.value != value else None
    return CkPoint(observation.when, value, uln if uln is not None and stated else fallback, stated, observation.id,
                   converted, given.comparator)


def latest(points: list[CkPoint]) -> CkPoint | None:
    return points[-1] if points else None


def _extreme(window: list[CkPoint], highest: bool) -> CkExtreme | None:
    """The highest or lowest CK of ``window``, and the results it may be: when it is known exactly, the first
    result measured at it (as a chart reads it); else each one the bounds do not rule out."""
    if not window:
        return None
    span, word = Span.extreme((p.span for p in window), highest), "higher" if highest else "lower"
    if span.exact:  # a bound beside it is not it: a '>=180' beside the 180 that is the nadir
        return CkExtreme(span, [p for p in window if p.span.exact and p.value == span.least][:1], word)
    if highest:  # any result not below the peak's least (nor at it, when the peak is known to be above it)
        may_be = [p for p in window if (p.span.above if span.above_least else p.span.at_least)(span.least) is not False]
    else:  # mirrored: any result not above the nadir's most (nor at it, when the nadir is known to be below it)
        may_be = [p for p in window if (p.span.at_least if span.below_most else p.span.above)(span.most) is not True]
    return CkExtreme(span, may_be, word)


def peak(points: list[CkPoint], t_tx: date) -> CkExtreme | None:
    """Highest CK from T_tx - 90 d to T_tx + 7 d (the pre-treatment peak)."""
    first, last = t_tx - timedelta(days=90), t_tx + timedelta(days=7)
    return _extreme([p for p in points if first <= p.day <= last], highest=True)


# How long after a flare's peak the CK, re-treated with the treatment in full (before any taper began), should have
# fallen by half: a CK still above 3 x ULN this long after the peak is a flare that has not responded, judged against
# its own course, not against the remission's nadir before it (so that a rise on a later taper is not called a
# relapse "from" a nadir the flare never came back to). CK falls within weeks of effective re-induction, well before
# strength recovers; 8 weeks is a conservative wait [sign-off] [verify].
FLARE_RESPONSE_DUE_DAYS = 56


class _Course(NamedTuple):
    """The CKs of the nadir window that belong to the current course of treatment, and the CK it is a response
    from: since ``top``, the newest CK above 3 x ULN from which the CK then fell by half (a flare re-treated within
    the episode, settled or not, or the first course on its way down), or the peak of a flare that never did though
    a response was due (:func:`_unanswered_flare`), whichever is newer; the whole window when neither is found
    (``top`` None: the first course, judged from the pre-treatment peak)."""

    top: CkPoint | None
    window: list[CkPoint]


def _course(points: list[CkPoint], t_tx: date, taper_began: date | None) -> _Course | None:
    """The current course (:class:`_Course`) of the nadir window, T_tx + 14 d to (date of the latest CK - 14 d);
    None with no CK. ``taper_began``: the first step of the taper in progress, if any (:func:`_unanswered_flare`)."""
    last = latest(points)
    if last is None:
        return None
    first, until = t_tx + timedelta(days=14), last.day - timedelta(days=14)
    window = [p for p in points if first <= p.day <= until]
    tops = [i for i in (_came_down_top(window), _unanswered_flare(window, taper_began)) if i is not None]
    if not tops:
        return _Course(None, window)
    top = max(tops)
    return _Course(window[top], window[top + 1:])


def _came_down_top(window: list[CkPoint]) -> int | None:
    """The index of the newest CK of ``window`` above 3 x ULN from which a later one fell by half."""
    # newest first, with the lowest later CK (the lower its most, the larger the fall it shows), so that each CK is
    # looked at once, however long the series
    lowest: CkPoint | None = None
    for index in reversed(range(len(window))):
        top = window[index]
        if lowest is not None and top.above(3 * top.uln) is True and _fell_by_half(top, lowest):
            return index
        if lowest is None or top.span.most < lowest.span.most:
            lowest = top
    return None


def _unanswered_flare(window: list[CkPoint], taper_began: date | None) -> int | None:
    """The index of the peak of the newest flare of ``window`` that a response was due from and did not come: CKs
    above 3 x ULN in a row, after one known not above it (a flare, not the first course, which is judged from the
    pre-treatment peak), one of them still above 3 x ULN FLARE_RESPONSE_DUE_DAYS or more after the flare's highest
    and before ``taper_began`` (a CK high on a taper may be a relapse of the taper; before it, the treatment in full
    has had its time). Where it fell by half from its peak, :func:`_came_down_top` finds the same course."""
    found = None
    # the highest (the first of equals) of the CKs above 3 x ULN in a row up to the one being read; None out of a flare
    peak_at: int | None = None
    for index, point in enumerate(window):
        if point.above(3 * point.uln) is not True:
            peak_at = None
            continue
        if peak_at is None:
            if index == 0 or window[index - 1].above(3 * window[index - 1].uln) is not False:
                continue  # not after a CK known not above 3 x ULN: no flare
            peak_at = index
        elif point.span.most > window[peak_at].span.most:
            peak_at = index
        due = window[peak_at].day + timedelta(days=FLARE_RESPONSE_DUE_DAYS)
        if due <= point.day and (taper_began is None or point.day < taper_began):
            found = peak_at
    return found


def nadir(points: list[CkPoint], t_tx: date, taper_began: date | None = None) -> CkExtreme | None:
    """Lowest CK from T_tx + 14 d to (date of the latest CK - 14 d), in the current course (:func:`_course`): after
    the newest CK of that window above 3 x ULN from which the CK then fell by half. A flare re-treated within the
    episode (a relapse with no drug-free gap keeps T_tx) that settled at 250 U/L is judged against 250, not against
    the 150 of the remission before it; one that came down from 5,200 only to 900 (never below 3 x ULN) against 900
    [sign-off]. A flare still rising, or not yet down by half, is the rise being judged: the nadir is the one before
    it, unless a response from it was due and did not come (still above 3 x ULN FLARE_RESPONSE_DUE_DAYS after its
    peak, before ``taper_began``, the taper in progress's first step): it is then judged against its own course
    (5,200 to 2,800 for months is no response, not a relapse from the remission's 150). A '<200' beside a 180 may be
    the lower, so the nadir is from 0 to 180, and a ratio to it never claims more than the bounds allow."""
    course = _course(points, t_tx, taper_began)
    return None if course is None else _extreme(course.window, highest=False)


def _fell_by_half(top: CkPoint, point: CkPoint) -> bool:
    """``point`` is at most half of ``top`` (a fall of 50% or more), where the bounds settle it."""
    return point.span.times(top.span).above(0.5) is False


def _came_down_from(top: CkPoint, point: CkPoint) -> bool:
    """``point`` is what an adequate response from ``top`` is (section 4.2, :func:`inadequate_response` with ``top``
    as its peak): not above 3 x ULN and at most half of ``top``. Only where the bounds settle it: a flare is never
    taken to have responded on a bound that leaves it open."""
    return point.above(3 * point.uln) is False and _fell_by_half(top, point)


def responded(points: list[CkPoint], t_tx: date, taper_began: date | None = None) -> CkExtreme | None:
    """The nadir CK (:func:`nadir`) when the response at it was adequate: judged in the current course, from the
    flare's CK it came down from (:func:`_came_down_from`), or, in the first course, as :func:`inadequate_response`
    judges it from the pre-treatment peak (read as if the nadir were the latest CK). The CK did respond to the
    treatment, whatever it has done since: a CK above 3 x ULN now is then a rise from a response, not a treatment
    that failed. None when it was not adequate (a re-treated flare that never came below 3 x ULN), when that cannot
    be told (a bound, no peak), or with no nadir. ``taper_began`` as :func:`nadir` takes it."""
    course = _course(points, t_tx, taper_began)
    low = None if course is None else _extreme(course.window, highest=False)
    if course is None or low is None:
        return None
    if (top := course.top) is not None:
        adequate = all(_came_down_from(top, p) for p in low.results)
    else:
        at = {id(p): i for i, p in enumerate(points)}
        adequate = all(inadequate_response(points[:at[id(p)] + 1], t_tx)[0] is False for p in low.results)
    return low if adequate else None


def left_open(latest_ck: CkPoint, questions: Iterable[tuple[str, bool | None]]) -> str:
    """Why a row cannot judge a CK written as a bound: the ``questions`` (what is asked, its answer) it leaves open."""
    undecided = [what for what, told in questions if told is None]
    return (f"latest CK {latest_ck}: whether it {' and whether it '.join(undecided)} cannot be told from a result "
            f"written as a bound")


def inadequate_response(points: list[CkPoint], t_tx: date | None,
                        no_t_tx: str | None = None) -> tuple[bool | None, str]:
    """CK surrogate: latest > 3 x ULN, or less than a 50% fall from the pre-treatment peak (the latest more than
    half the peak) with the latest above the ULN: a normal CK is the aim (R22), and weakness with one routes to R23,
    never to escalation (section 4.2), so 520 -> 290 U/L (ULN 308) is no inadequate response. None when neither
    can be told: a CK above the ULN (but not 3 x) with no peak on file (or no T_tx to find it by: ``no_t_tx`` says
    why), or a result written as a bound that leaves the answer open. A bound is used only as far as it reaches: a
    latest CK above 20,000 is at least 20,000, so it can show too small a fall, never a large enough one; an
    adequate response needs a CK known not above 3 x ULN, and either a large enough fall or one known normal."""
    last = latest(points)
    if last is None:
        return None, "no CK"
    over_3x = last.above(3 * last.uln)
    if over_3x:
        return True, f"latest CK {last} is above 3 x ULN"
    above_uln = last.above(last.uln)
    if above_uln is False:  # the target reached: a fall under 50% from a modest peak is no failed treatment
        return False, f"latest CK {last} is within the normal range"
    top = peak(points, t_tx) if t_tx is not None else None
    if top is not None:
        share = last.span.times(top.span)  # of the peak; more than half is less than a 50% fall
        kept_over_half = share.above(0.5)
        if kept_over_half:
            # the fall as a chart reads it, (peak - latest) / peak; with a bound, the most it can be, rounded up
            fall = (top.span.most - last.span.least) / top.span.most
            told = f"only {fall:.0%}" if share.exact else f"at most {_outward(100 * fall, '.0f', down=False)}%"
            return True, f"latest CK {last.reading} has fallen {told} from the peak {top}"
        if kept_over_half is False and over_3x is False:
            return False, f"latest CK {last}; peak {top}"
        return None, left_open(last, [("is above 3 x ULN", over_3x),
                                      (f"has fallen by half from the peak {top}", kept_over_half)])
    why = (no_t_tx or "no T_tx to find it by") if t_tx is None else "none from 90 days before to 7 days after T_tx"
    return None, (f"latest CK {last} is {'above' if above_uln else 'a bound that may be above'} the ULN and the fall "
                  f"from the pre-treatment peak cannot be judged (no peak CK: {why})")


def newest_unreadable(record: PatientRecord, context: HookContext) -> str | None:
    """Why the latest readable CK may not be the latest CK: a newer result that cannot be read in U/L."""
    unread = _readings(record, context).newest_unread
    return None if unread is None else f"the newest CK ({unread.value_label} on {unread.when}) cannot be read in U/L"


@dataclass(frozen=True, slots=True)
class LatestCk:
    """latest_CK (section 4.2) as the rows that judge it read it: R15, R16 and R17 need it at most 30 days old, R21
    at most 14 (by default); when it is older, or missing, the row is not evaluated and R22 asks for a CK. The one
    CK-age gate, so that a row and R22 never disagree on whether the row is waiting for a CK."""

    point: CkPoint | None  # the latest readable CK
    age_days: int | None
    unreadable: str | None  # a newer result that cannot be read: judging by the older point would mislead

    def needs_current(self, max_age_days: float) -> bool:
        """No CK, or the latest more than ``max_age_days`` old: a current CK would let the row judge. Not when a
        newer result cannot be read: that holds the row back, and another CK would not be read any better."""
        return self.unreadable is None and (self.age_days is None or self.age_days > max_age_days)

    def why_not_recent(self, max_age_days: float) -> str | None:
        """Why a row that needs a CK at most ``max_age_days`` old cannot judge the latest; None when it can."""
        if self.unreadable:
            return self.unreadable
        if not self.needs_current(max_age_days):
            return None
        if self.point is None:
            return "a current CK is needed: no CK on file"
        return (f"a current CK is needed: latest CK {self.point} is {self.age_days} days old "
                f"(needs <= {max_age_days:g})")


@per_record
def latest_ck(record: PatientRecord, context: HookContext) -> LatestCk:
    """The latest CK, its age and any newer unreadable result; computed once per call (five rules ask)."""
    point = latest(series(record, context))
    return LatestCk(point, None if point is None else (record.today - point.day).days,
                    newest_unreadable(record, context))


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes on the CK results: ones read against the default ULN, converted, written as a bound, and
    passed over."""
    points, unread, _ = _readings(record, context)
    notes = []
    if any(not p.uln_from_lab for p in points):
        notes.append(f"CK without a reference range: the default upper limit of normal "
                     f"{context.definition('ck_uln_fallback'):g} U/L was used.")
    converted = [p for p in points if p.converted_from]
    if converted:
        units = ", ".join(sorted({str(p.converted_from) for p in converted}))
        notes.append(f"{len(converted)} CK result(s) given in {units} were converted to U/L (1 ukat/L = 60 U/L).")
    bounds = [f"{p.reading} on {p.day.isoformat()}" for p in points if p.comparator]
    if bounds:  # the timeline draws one at its bound: say it is no measured CK
        notes.append(f"{len(bounds)} CK result(s) written as a bound ({newest_few(bounds)}): used only as far as "
                     f"the bound reaches.")
    if unread:
        notes.append(f"{len(unread)} CK result(s) could not be read in U/L and were not used "
                     f"({newest_few([f'{o.value_label} on {o.when}' for o in unread])}).")
    return notes
