"""Kidney function: the eGFR, as the lab reported it or estimated from a serum creatinine, and whether it is below a
rule's limit.

Many charts carry a creatinine without an eGFR. The rules that avoid a drug below an eGFR (methotrexate, IVIG,
TMP/SMX) must not read "no eGFR" as "kidneys fine", so a creatinine is turned into an eGFR the way labs do:
CKD-EPI 2021 (race-free) for adults, the bedside Schwartz formula (which needs a current height) for children.
An adult whose sex is recorded as neither male nor female is estimated both ways and read on the lower eGFR (as if
female): every reader of the eGFR is more careful below a limit, so the lower one is the safe reading.

A lab may report the eGFR as a bound rather than a value: a valueQuantity with a comparator ({value 15, comparator
'<'}) or a text ('<15', '≤15', '>60', '> 90 mL/min/1.73m2'), an upper bound also with the lab's flag after it ('<15
(critical)', '<15 LL', '<15*'), which the card quotes. ``Egfr.below`` answers whether it is below a limit with yes, no
or not known ('<45' against 30): a reader must not take 'not known' as 'not below'. A lab's eGFR with a number that
cannot be read ('<15 see note', a unit not understood, '<15 mmol/L') is an ``UnreadEgfr``: not known either.

A rule asks :func:`below_limit`, which reads the results day by day, newest first (:func:`egfr_days`):
- within one day every reading is asked (the lab's, a value or a bound, and the estimate from each creatinine of that
  day): any yes makes the day's answer yes, else any not known makes it not known, else no. The safe side wins, so
  a lab's '>60' does not hide a same-day creatinine of 3.0 mg/dL, and the order of the entries does not matter;
- the newest day that settles it decides. A newer day that does not ('<45', a result that cannot be read) is named,
  and it clears no older low eGFR: '<45' allows the old 22.

A newer creatinine that gives no eGFR (:func:`unestimated_creatinine`: haemolysed, in a unit not read, a child with
no current height, no birth date) settles nothing either: a rule that counts it (``count_unestimated_creatinine``)
reads an older eGFR at or above its limit as not known, and the card names the creatinine, why it gives none and what
to do (``NoEstimate.remedy``; ``NoEstimate.order`` where an order does it: a child's height). Only an eGFR reading
stands for it: a lab's eGFR with no number ('Specimen haemolysed', 'see comment', a flag alone) is none. A creatinine
not yet reported (pending) is no result yet, and is not counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from itertools import groupby

from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.weight import dosing_height, measure_today, why_not_current
from hooks.record import (
    UPPER_BOUNDS,
    Observation,
    PatientRecord,
    Quantity,
    bound_in_text,
    falls_below,
    measured,
    per_record,
)
from hooks.rule import Action
from hooks.units import convert

EGFR_UNIT = "mL/min/1.73m2"
# comparators written in ways Observation.reported_value does not read
_COMPARATOR_SPELLINGS = {"≤": "<=", "≥": ">=", "=<": "<=", "=>": ">="}
# '<15,0': a comma before one or two final digits is a decimal comma (a thousands separator has three after it)
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
# A lab's flag at the end of a result: 'critical', H, L, HH, LL (after a space or in brackets) or '*'
_FLAG = re.compile(r"(?:\s*\*|\s*\((?:(?i:critical)|HH?|LL?)\)|\s+(?:(?i:critical)|HH?|LL?))$")


@dataclass(frozen=True, slots=True)
class Egfr:
    # mL/min/1.73 m2, as reported or estimated; with a comparator it is the bound ('<15' holds 15), not the eGFR:
    # compare it with a limit through ``below``, never ``value < limit``
    value: float
    day: date
    how: str  # for the card: "reported", or "estimated from creatinine 2.1 mg/dL, CKD-EPI 2021"
    comparator: str | None = None  # '<', '<=', '>=', '>': the lab reported a bound ('<15', '>60'), not a value
    # the lab's text when it says more than the bound (a flag: "'<15 (critical)'"), quoted beside it on the card
    written: str | None = None

    @property
    def shown(self) -> str:
        """The eGFR as the lab gave it: '45', or a bound such as '<15'."""
        return f"{self.comparator or ''}{self.value:g}"

    @property
    def named(self) -> str:
        """In a few words, beside another reading of the same day: "the lab's >60", or the estimate with its how."""
        return f"the lab's {self.written or self.shown}" if self.how == "reported" else f"{self.shown} ({self.how})"

    def below(self, limit: float) -> bool | None:
        """Whether the eGFR is below ``limit``; None when it is a bound that does not settle it ('<45' against 30:
        it may be 20 or 44). '<15' is below 30, '>60' is not. An eGFR is reported in whole numbers, so '>59' is 60
        or more: not below 60."""
        value, comparator = self.value, self.comparator
        if comparator == ">" and float(value).is_integer():
            value, comparator = value + 1, ">="
        return falls_below(value, limit, comparator)

    def __str__(self) -> str:
        said = f" (the lab's text: {self.written})" if self.written else ""
        return f"{self.shown} on {self.day.isoformat()}{said}" + ("" if self.how == "reported" else f" ({self.how})")


@dataclass(frozen=True, slots=True)
class UnreadEgfr:
    """A lab's eGFR with a number that cannot be read as one ('<15 see note', '12' as text, a unit not understood):
    whether it is below any limit is not known, and an older value does not stand in for it."""

    day: date
    written: str  # as reported, for the card: "'<15 see note'", '<0.25 mL/h'

    @property
    def shown(self) -> str:
        return self.written

    @property
    def named(self) -> str:
        return f"the lab's {self.written}, which could not be read"

    def below(self, limit: float) -> None:
        return None

    def __str__(self) -> str:
        return f"{self.written} on {self.day.isoformat()}, which could not be read"


Reading = Egfr | UnreadEgfr


@dataclass(frozen=True, slots=True)
class DayAnswer:
    """One day's answer to 'below the limit?': the reading that gives it, and that day's readings that said
    otherwise (the safe side won over them)."""

    below: bool | None
    reading: Reading
    overruled: tuple[Reading, ...] = ()

    @property
    def otherwise(self) -> str:
        """The same day's readings that said otherwise, briefly; '' when none did."""
        if not self.overruled:
            return ""
        others = " and ".join(reading.named for reading in self.overruled)
        return f" (not changed by {others} the same day: the safer reading counts)"

    def says(self, limit: float) -> str:
        """For the card: 'eGFR 22 on ... is below 30', 'eGFR reported as <45 on ...: whether it is below 30 is not
        known', 'eGFR on ... could not be read: ...; whether it is below 30 is not known'."""
        reading = self.reading
        if isinstance(reading, UnreadEgfr):
            text = (f"eGFR on {reading.day.isoformat()} could not be read: {reading.written}; whether it is below "
                    f"{limit:g} is not known")
        elif self.below is None:
            text = f"eGFR reported as {reading}: whether it is below {limit:g} is not known"
        else:
            text = f"eGFR {reading} is {'' if self.below else 'not '}below {limit:g}"
        return text + self.otherwise


@dataclass(frozen=True, slots=True)
class EgfrDay:
    """The eGFR readings of one day: the lab's results, then the estimates from that day's creatinines."""

    day: date
    readings: tuple[Reading, ...]

    def judged(self, limit: float) -> DayAnswer:
        """Any reading below ``limit`` makes the day below it, else any not known makes it not known (the safe
        side); the reading named is the lowest that gives the answer."""
        answers = [(reading.below(limit), reading) for reading in self.readings]
        given = {answer for answer, _ in answers}
        below = True if True in given else None if None in given else False
        decides = min((reading for answer, reading in answers if answer is below), key=_lowest_first)
        return DayAnswer(below, decides, tuple(reading for answer, reading in answers if answer is not below))

    def __str__(self) -> str:
        return "; ".join(map(str, self.readings))


@dataclass(frozen=True, slots=True)
class EgfrAnswer:
    """Whether the eGFR is below ``limit``, as :func:`below_limit` judges it."""

    limit: float
    decided: DayAnswer | None  # the day that decides (the newest, unless it does not settle it); None: no eGFR
    unsettled: DayAnswer | None = None  # the newest day's answer when it does not settle the limit
    # a creatinine newer than every eGFR reading that gives no eGFR, when the rule counts it: it clears no older low
    # eGFR, and leaves an older one at or above the limit not known
    unestimated: UnestimatedCreatinine | None = None

    @property
    def below(self) -> bool | None:
        """Yes, no, or not known (a bound that does not settle it, a result that cannot be read, a newer creatinine
        that gives no eGFR, or no eGFR)."""
        below = self.decided.below if self.decided is not None else None
        return None if below is False and self.unestimated is not None else below

    @property
    def may_be_below(self) -> bool:
        """Below, or not known from a result on file (an eGFR, or a creatinine that gives none): the careful side
        ("no result at all" is not this)."""
        return self.on_file and self.below is not False

    @property
    def on_file(self) -> bool:
        """Whether any kidney result was judged (an eGFR reading, or a counted creatinine that gives none)."""
        return self.decided is not None or self.unestimated is not None

    @property
    def newer_unsettled(self) -> DayAnswer | None:
        """A newer day than the deciding one that does not settle the limit (it clears no older low eGFR)."""
        return self.unsettled if self.unsettled is not self.decided else None

    @property
    def newest(self) -> DayAnswer | None:
        """The newest day's answer (the one that decides, or a newer one that does not settle it)."""
        return self.unsettled or self.decided

    def __str__(self) -> str:
        unestimated = self.unestimated
        if self.decided is None:
            return unestimated.says(self.limit) if unestimated is not None else "no eGFR"
        text = self.decided.says(self.limit)
        if (newer := self.newer_unsettled) is not None:
            text += f"; the newer result does not clear it: {newer.says(self.limit)}"
        if unestimated is not None:
            text += (f"; the newer result {'does not clear it' if self.decided.below else 'leaves it open'}: "
                     f"{unestimated.says(self.limit)}")
        return text


@per_record
def below_limit(record: PatientRecord, context: HookContext, limit: float, since: date | None = None,
                count_unestimated_creatinine: bool = True, creatinine_since: date | None = None) -> EgfrAnswer:
    """Whether the eGFR of the days from ``since`` (any age by default) is below ``limit``: the newest day that
    settles it decides; newer days that do not are named, and clear no older low eGFR. A newer creatinine that gives
    no eGFR (:func:`unestimated_creatinine`, from ``since``, or from the later ``creatinine_since``: R05 reads the
    eGFR of any age, that creatinine only while it is recent) is one of them, unless ``count_unestimated_creatinine``
    is off (R10 asks for that creatinine itself, within its lab window)."""
    if count_unestimated_creatinine:
        counted_from = max((day for day in (since, creatinine_since) if day is not None), default=None)
        return replace(below_limit(record, context, limit, since, count_unestimated_creatinine=False),
                       unestimated=unestimated_creatinine(record, context, counted_from))
    unsettled: DayAnswer | None = None
    for day in egfr_days(record, context, since):
        answer = day.judged(limit)
        if answer.below is None:
            unsettled = answer if unsettled is None else unsettled  # the newest that does not settle it is named
        elif answer.below or unsettled is None:
            return EgfrAnswer(limit, answer, unsettled)
        else:
            break  # at or above the limit, older than a result that does not settle it: not known stands
    return EgfrAnswer(limit, unsettled, unsettled)


def egfr_days(record: PatientRecord, context: HookContext, since: date | None = None) -> Iterator[EgfrDay]:
    """The eGFR readings day by day, newest day first, from ``since``: the lab's results (a value, a bound, or one
    that cannot be read) and the estimate from each creatinine. A day with neither (a creatinine no eGFR can be
    estimated from, a text with no number such as 'see comment') is left out. Lazy: a reader stops at the day it
    needs."""
    results = record.observations_in("egfr", "creatinine", since=since)
    for day, of_day in groupby((o for o in reversed(results) if o.when is not None), key=_day):
        readings = _readings(record, context, day, list(of_day))
        if readings:
            yield EgfrDay(day, readings)


@per_record
def latest_egfr(record: PatientRecord, context: HookContext, since: date | None = None) -> Egfr | None:
    """The newest eGFR that can be read, of the days from ``since``: on one day the lab's own, else the estimate.
    A rule that judges a limit asks :func:`below_limit` (this skips a result that cannot be read, and a same-day
    reading that says otherwise)."""
    return next((r for day in egfr_days(record, context, since) for r in day.readings if isinstance(r, Egfr)), None)


def latest_shown(record: PatientRecord, context: HookContext) -> str | None:
    """The latest eGFR for display: the newest day's readings ('<15 on ...', an estimate says so) and, when none of
    them can be read, the latest that can."""
    newest = next(egfr_days(record, context), None)
    if newest is None:
        return None
    readable = None if any(isinstance(r, Egfr) for r in newest.readings) else latest_egfr(record, context)
    return str(newest) + (f"; the latest that can be read: {readable}" if readable else "")


def _day(observation: Observation) -> date:
    assert observation.when is not None  # egfr_days groups dated results only
    return observation.when


def _lowest_first(reading: Reading) -> tuple[float, str]:
    return (reading.value if isinstance(reading, Egfr) else math.inf), str(reading)


def _readings(record: PatientRecord, context: HookContext, day: date,
              results: list[Observation]) -> tuple[Reading, ...]:
    reported = [r for o in results if o.in_group("egfr") and (r := _lab_reading(o, day)) is not None]
    estimated = [e for o in results if o.in_group("creatinine")
                 and isinstance(e := estimate(record, context, o), Egfr)]
    return (*sorted(reported, key=_lowest_first), *sorted(estimated, key=_lowest_first))


def _lab_reading(observation: Observation, day: date) -> Reading | None:
    """The lab's eGFR; an UnreadEgfr when its number cannot be read as one; None when it holds no number ('see
    comment', a result still pending)."""
    quantity, flagged = _as_reported(observation)
    # an eGFR has one unit (another in use, mL/s, gives values 60 times smaller: read as mL/min they err low, the
    # careful side), so a valueQuantity without a unit is in it, as a bare text bound is
    value = convert(quantity.value, quantity.unit or EGFR_UNIT, EGFR_UNIT) if quantity is not None else None
    if quantity is not None and value is not None:
        return Egfr(value, day, "reported", quantity.comparator, observation.value_label if flagged else None)
    if observation.has_measurement:
        return UnreadEgfr(day, observation.value_label)
    return None


def _as_reported(observation: Observation) -> tuple[Quantity | None, bool]:
    """The eGFR as the lab wrote it, and whether a flag was set aside to read it: a valueQuantity (with its
    comparator), or a bound written as text with a unit ('> 90 mL/min/1.73m2') or without ('<15', '≤15', '=<15',
    '<15,0'): a bare bound is in the eGFR's unit. An upper bound is read past the lab's flags after it ('<15
    (critical)', '<15 mL/min/1.73m2 LL', '<15*'): whatever they mark, the eGFR is below the bound, so the answer can
    only be 'below' or 'not known'. A lower bound with a flag ('>60 H') stays unread: 'not below' must not rest on a
    result the lab marked."""
    text = observation.value_text
    if observation.quantity is not None or not text:
        return observation.quantity, False
    text = _DECIMAL_COMMA.sub(".", text.strip())
    for spelling, comparator in _COMPARATOR_SPELLINGS.items():
        if text.startswith(spelling):
            text = comparator + text[len(spelling):]
    unflagged = text
    while flag := _FLAG.search(unflagged):
        unflagged = unflagged[:flag.start()]
    if unflagged != text and (bound := _text_bound(unflagged)) is not None and bound.comparator in UPPER_BOUNDS:
        return bound, True
    return _text_bound(text), False


def _text_bound(text: str) -> Quantity | None:
    """A bound read as record.py reads one ('<3 ng/L'); a bare one ('<15') in the eGFR's unit. A unit the text names
    stays its own: '<15 mmol/L' is no eGFR."""
    return bound_in_text(text) or bound_in_text(f"{text} {EGFR_UNIT}")


def ckd_epi_2021(creatinine_mg_dl: float, age: int, female: bool) -> float:
    """CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021), adults."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine_mg_dl / kappa
    value = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938 ** age
    return value * 1.012 if female else value


def bedside_schwartz(creatinine_mg_dl: float, height_cm: float) -> float:
    """Bedside Schwartz (Schwartz et al., JASN 2009), children: 0.413 x height / creatinine."""
    return 0.413 * height_cm / creatinine_mg_dl


# what a creatinine that gives no eGFR needs (NoEstimate.missing): the item a card lists, and what to do
_TO_ESTIMATE: dict[str, tuple[str, str]] = {
    "height": ("a current height (for eGFR)", "measure the height"),
    "age": ("a birth date (for eGFR)", "record the birth date"),
    "creatinine": ("a creatinine that can be read", "repeat the creatinine"),
}


@dataclass(frozen=True, slots=True)
class NoEstimate:
    """Why a creatinine gives no eGFR: what is missing ('height', 'age' or 'creatinine') and why, for the card."""

    missing: str
    why: str

    @property
    def needed(self) -> str:
        """What is missing, as a card lists it: 'a current height (for eGFR)'."""
        return _TO_ESTIMATE[self.missing][0]

    @property
    def remedy(self) -> str:
        """What to do for an eGFR: 'measure the height', 'record the birth date', 'repeat the creatinine'."""
        return _TO_ESTIMATE[self.missing][1]

    def order(self, context: HookContext, before: str) -> Action | None:
        """The nursing order that gives what is missing before ``before`` (the drug, for its note): a height measured
        today. None when no order gives it: a birth date is recorded, not ordered, and a creatinine that cannot be
        read is repeated with the rule's own renal labs."""
        if self.missing != "height":
            return None
        return measure_today(context, "height", f"Needed to estimate eGFR from creatinine (bedside Schwartz) before "
                                                f"{before}")


@per_record
def estimate_lacks(record: PatientRecord, context: HookContext) -> NoEstimate | None:
    """What the chart lacks for an eGFR to be estimated from any creatinine today: a child's current height (bedside
    Schwartz), or the birth date (CKD-EPI 2021 needs the age); None when a creatinine is all it takes. A card with
    no eGFR at all names it beside the creatinine it asks for: a creatinine alone would give none."""
    if is_paediatric(record, context):
        if dosing_height(record, context) is not None:
            return None
        return NoEstimate("height", "bedside Schwartz needs a current height, and there is no current height"
                          + why_not_current(record, context, "height", "cm"))
    if record.age_years is None:
        return NoEstimate("age", "CKD-EPI 2021 needs the age, and there is no birth date on file")
    return None


def estimate(record: PatientRecord, context: HookContext, creatinine: Observation) -> Egfr | NoEstimate:
    """The eGFR estimated from this creatinine, or what is missing to estimate one."""
    level, day = measured(creatinine, "creatinine", "mg/dL{creatinine}"), creatinine.when
    if level is None or day is None:
        return NoEstimate("creatinine", "it is not yet reported" if creatinine.not_yet_reported
                          else "its value cannot be read in mg/dL or umol/L")
    if (lacking := estimate_lacks(record, context)) is not None:
        return lacking
    if is_paediatric(record, context):
        height = dosing_height(record, context)
        assert height is not None  # else estimate_lacks names it
        return Egfr(round(bedside_schwartz(level, height.value)), day,
                    f"estimated from creatinine {level:.2g} mg/dL and height {height.value:g} cm, bedside Schwartz")
    age, sex = record.age_years, record.patient.sex if record.patient else None
    assert age is not None  # else estimate_lacks names it
    how = f"estimated from creatinine {level:.2g} mg/dL, CKD-EPI 2021"
    if sex in ("female", "male"):
        return Egfr(round(ckd_epi_2021(level, age, sex == "female")), day, how)
    # neither equation is hers or his: judge on the lower estimate, the conservative side
    value, lower = min((ckd_epi_2021(level, age, female), "female" if female else "male") for female in (True, False))
    return Egfr(round(value), day, f"{how}; sex on file {sex or 'none'}, so estimated as if {lower}, the lower of "
                                   "the two")


@dataclass(frozen=True, slots=True)
class UnestimatedCreatinine:
    """A creatinine that no eGFR stands for: none could be estimated from it, and no eGFR reading is on or after its
    day. Whether the eGFR is below any limit is not known from it."""

    creatinine: Observation
    reason: NoEstimate

    def says(self, limit: float) -> str:
        """For the card: 'eGFR on ... could not be estimated from creatinine 0.6 mg/dL: bedside Schwartz needs ...;
        whether it is below 30 is not known'."""
        return (f"eGFR on {_day(self.creatinine).isoformat()} could not be estimated from creatinine "
                f"{self.creatinine.shown_result}: {self.reason.why}; whether it is below {limit:g} is not known")


def gives_no_egfr(record: PatientRecord, context: HookContext,
                  creatinine: Observation) -> UnestimatedCreatinine | None:
    """The creatinine, and why, when no eGFR can be estimated from it and no eGFR reading stands for it: none on or
    after its day (:func:`egfr_days`: the lab's, a value, a bound or one that cannot be read, or an estimate from
    another creatinine of its day). A lab's eGFR with no number ('Specimen haemolysed', 'see comment') is no reading:
    it does not say the kidneys are as before."""
    day = _day(creatinine)
    if next(egfr_days(record, context, day), None) is not None:  # asked from its day only: no older result is read
        return None
    found = estimate(record, context, creatinine)
    return UnestimatedCreatinine(creatinine, found) if isinstance(found, NoEstimate) else None


@per_record
def unestimated_creatinine(record: PatientRecord, context: HookContext,
                           since: date | None = None) -> UnestimatedCreatinine | None:
    """The newest creatinine reported from ``since`` when it gives no eGFR (:func:`gives_no_egfr`). One not yet
    reported (pending) is passed over: it is no result yet, and an older one may be."""
    creatinine = max((o for o in record.observations_in("creatinine", since=since)
                      if o.when is not None and o.has_result and not o.not_yet_reported), key=_day, default=None)
    return gives_no_egfr(record, context, creatinine) if creatinine is not None else None
