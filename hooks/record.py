"""The typed patient record the rules read, built from FHIR R4 resources.

Only the elements the rules read are taken, and each is type-checked as it is read: a resource whose
read elements are malformed is skipped as a whole and named in the warnings, so the rest of the chart is
still evaluated. Resources whose codes belong to no value set are dropped early and cheaply; this is why
evaluating a large chart costs little more than reading its JSON (full validation of every resource with
fhir.resources is available as ``strict`` mode, see :func:`build_record`).
"""

from __future__ import annotations

import calendar
import functools
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from operator import attrgetter
from typing import Any, Concatenate, ParamSpec, TypeVar

from hooks.units import convert, display, to_days
from hooks.valuesets import CodeInfo, ValueSets

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
CVX = "http://hl7.org/fhir/sid/cvx"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


class Malformed(ValueError):
    """An element the rules read has the wrong type or form."""


# ---------------------------------------------------------------- primitive readers

def _str(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Malformed(f"{where} must be a string")
    return value


# Beyond this no clinical quantity, count or duration makes sense, and arithmetic on it can overflow (1e308 mg x 7,
# or a 1e999 that JSON parsing turned into infinity)
_MAX_MAGNITUDE = 1e12


def _num(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Malformed(f"{where} must be a number")
    if not -_MAX_MAGNITUDE <= value <= _MAX_MAGNITUDE:  # also false for NaN
        raise Malformed(f"{where} is out of range")
    return float(value)


# A timing number closer to zero than this is no schedule: dividing by it (a period of 1e-310 days) overflowed and
# failed the rules that read it, unnamed. Zero itself is read, and judged by the rules ('a period of 0': unread).
_MIN_SCHEDULE_MAGNITUDE = 1e-3


def _schedule_num(value: Any, where: str) -> float | None:
    number = _num(value, where)
    if number and -_MIN_SCHEDULE_MAGNITUDE < number < _MIN_SCHEDULE_MAGNITUDE:
        raise Malformed(f"{where} is too close to zero to be a schedule")
    return number


def _obj(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{where} must be an object")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Malformed(f"{where} must be an array")
    return value


# A result written as text with its unit, and nothing else: a bound ('<3 ng/L', below the limit of detection; '> 0.04
# ng/mL') or a number ('5000 ng/L'). A bound's unit is whatever follows it; a number's is one word that reads as a
# unit (it begins with a letter, '%', '°', '[' or '{'), so that '72 kg (estimated)', '5000 ng/L haemolysed', a titre
# '1:160' and a bare '5000' are no result.
_RESULT = (r"^\s*(?P<comparator><=?|>=?)?\s*(?P<number>{number})\s*"
           r"(?P<unit>(?(comparator)[^\d\s,.].*?|(?:[^\W\d_]|[%°\[{{])\S*?)){flag}\s*$")
_PLAIN_NUMBER = r"\d+(?:\.\d+)?"
# what a lab adds to it: thousands grouped as it prints them ('>20,000 U/L'; never '0,010', a decimal comma), and
# a flag after the unit: H, L, HH, LL, A, AA or 'critical', after a space or in brackets ('(H)'), or '*'
_GROUPED_NUMBER = r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,])"
_FLAG_MARK = r"HH?|LL?|AA?|(?i:critical)"
_TRAILING_FLAG = rf"(?:\s+(?:{_FLAG_MARK})|\s*\((?:{_FLAG_MARK})\)|\s*\*)"
_RESULT_AS_WRITTEN = re.compile(_RESULT.format(number=_PLAIN_NUMBER, flag=""))
_LAB_RESULT = re.compile(_RESULT.format(number=f"{_GROUPED_NUMBER}|{_PLAIN_NUMBER}", flag=f"{_TRAILING_FLAG}?"))


def _result_in(pattern: re.Pattern[str], text: str | None) -> Quantity | None:
    match = pattern.match(text or "")
    if match is None:
        return None
    value = float(match["number"].replace(",", ""))
    # a number no result can be ('1' and 400 zeros reads as infinity): not read, as a valueQuantity beyond it is not
    return Quantity(value, match["unit"], match["comparator"]) if value <= _MAX_MAGNITUDE else None


def bound_in_text(text: str | None) -> Quantity | None:
    """A bound written as text with its unit, read as written ('<3 ng/L', '> 90 mL/min/1.73m2'); None for any other
    text, a number without a comparator ('45 mL/min') too. The eGFR reads a lab's flags its own way
    (hooks.definitions.renal reads only an upper bound past them) and asks for this; the others read
    :func:`result_in_text`."""
    bound = _result_in(_RESULT_AS_WRITTEN, text)
    return bound if bound is not None and bound.comparator is not None else None


def result_in_text(text: str | None) -> Quantity | None:
    """A result written as text as a lab prints it: a number or a bound, with its unit ('5000 ng/L', '<3 ng/L'), and
    nothing else; None for any other text.

    It is read past what a lab adds: its thousands grouped ('12,000 U/L', '>20,000 U/L') and a flag after the unit
    ('5000 ng/L H', '<20 IU/mL L', '>50 ng/L (H)'): whatever the flag marks, the result is the number or within its
    bound. A comma before three digits is taken for a thousands separator: '1,500' is read as 1,500, which a lab
    writing a decimal comma would have meant as 1.5 (a comma before any other count of digits, '0,010', is not read
    at all). A flag with no unit before it ('>150 H', '5000 H') stays in the unit's place: no unit converts from it."""
    return _result_in(_LAB_RESULT, text)


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


# The zone whose calendar 'today' is in (UTC unless the site configures another): a dateTime with an offset is
# read as a date in it, so that '14 days old' means the same thing for a result and for today. Set per call by
# hooks.engine.prepare; a context variable, so concurrent calls in one worker keep their own.
READING_ZONE: ContextVar[tzinfo] = ContextVar("reading_zone", default=UTC)


# A chart date before 1800 is a data error, and the rules' arithmetic (90 days before an onset) must not fall off
# year 1; 9999-12-31 stays readable: some systems write it for "no end date".
_YEARS = range(1800, 10000)


def parse_date(value: Any, where: str = "date") -> date | None:
    """A FHIR date or dateTime as a calendar date in the reading zone (partial dates take the first day)."""
    if type(value) is str and len(value) == 10 and value[4] == "-" and value[7] == "-":
        # the common YYYY-MM-DD, parsed in C without the calls below (this runs for most resources); anything
        # else, or an error, takes the careful path
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if day.year in _YEARS:
                return day
    text = _str(value, where)
    if not text:
        return None
    day = _calendar_date(text, where)
    if day.year not in _YEARS:
        raise Malformed(f"{where} is outside the years {_YEARS.start}-{_YEARS.stop - 1}")
    return day


def _calendar_date(text: str, where: str) -> date:
    if "T" in text:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise Malformed(f"{where} is not a dateTime") from exc
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(READING_ZONE.get())
            except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00 falls in year 0
                raise Malformed(f"{where} is outside the years 1-9999") from exc
        return moment.date()
    match = _DATE.fullmatch(text)
    if not match:
        raise Malformed(f"{where} is not a date")
    try:
        return date(int(match[1]), int(match[2] or 1), int(match[3] or 1))
    except ValueError as exc:
        raise Malformed(f"{where} is not a valid date") from exc


# ---------------------------------------------------------------- data types

@dataclass(frozen=True, slots=True)
class Coding:
    system: str | None
    code: str | None
    display: str | None


@dataclass(slots=True)
class Concept:
    """A CodeableConcept, with the value-set groups its codings (and, where none has a meaning of its own, its
    names) belong to."""

    codings: tuple[Coding, ...] = ()
    text: str | None = None
    matches: tuple[CodeInfo, ...] = ()
    matched_by_name: bool = False
    groups: frozenset[str] = field(init=False, repr=False, compare=False)  # read per query; concepts are cached
    _words: str | None = field(default=None, init=False, repr=False, compare=False)  # see words()

    def __post_init__(self) -> None:
        self.groups = frozenset(m.group for m in self.matches)

    @property
    def label(self) -> str:
        return self.text or next((c.display for c in self.codings if c.display), None) or next(
            (c.code for c in self.codings if c.code), "unnamed")

    def in_group(self, *groups: str) -> bool:
        return not self.groups.isdisjoint(groups)

    def concept_in(self, group: str) -> str | None:
        """The ingredient or sub-concept this concept has inside ``group`` (e.g. 'prednisone')."""
        return next((m.concept for m in self.matches if m.group == group), None)

    def has_code(self, system: str, *codes: str) -> bool:
        return any(c.system == system and c.code in codes for c in self.codings)

    def words(self) -> str:
        """The text and displays in lower case. Kept once built: a cached concept is read by many rules in every
        call, and is never changed after reading."""
        if self._words is None:
            self._words = " ".join(filter(None, [self.text, *(c.display for c in self.codings)])).lower()
        return self._words


# Concepts already matched against a value-set index are kept on it (``ValueSets.concept_cache``): a chart
# repeats the same few codes hundreds of times (every CK carries the same coding), and matching by name is the
# costliest step of reading a resource. The key is the validated content, so a cached Concept is exactly what
# matching would produce again; concepts are never mutated after reading. Bounded: cleared when full, so odd
# inputs cannot grow it without limit.
_CONCEPT_CACHE_MAX = 20_000


def _coding_parts(raw: dict[str, Any], where: str) -> tuple[tuple[Any, Any, Any], ...]:
    """(system, code, display) of each coding, type-checked; error texts are built only on error (this runs
    for every coded element of every resource)."""
    items = raw.get("coding")
    if items is None:
        return ()
    if type(items) is list and len(items) == 1 and type(item := items[0]) is dict:
        # the usual single coding of three strings, checked without the loop below
        system, code, display = item.get("system"), item.get("code"), item.get("display")
        if type(system) is str and type(code) is str and type(display) is str:
            return ((system, code, display),)
    if not isinstance(items, list):
        raise Malformed(f"{where}.coding must be an array")
    parts: list[tuple[Any, Any, Any]] = []
    for item in items:
        if item is None:
            parts.append((None, None, None))
            continue
        if not isinstance(item, dict):
            raise Malformed(f"{where}.coding must be an object")
        system, code, display = item.get("system"), item.get("code"), item.get("display")
        if system is not None and not isinstance(system, str):
            raise Malformed(f"{where}.coding.system must be a string")
        if code is not None and not isinstance(code, str):
            raise Malformed(f"{where}.coding.code must be a string")
        if display is not None and not isinstance(display, str):
            raise Malformed(f"{where}.coding.display must be a string")
        parts.append((system, code, display))
    return tuple(parts)


# The value-set group of generic codes: codes that say only what kind of thing a concept is and leave its text to
# say which (LOINC 'Genetic variation's effect on drug metabolism' for a TPMT genotype; ICD-10-CM 'Other
# inflammatory and immune myopathies, NEC' for anti-HMGCR myopathy). Such a code keeps the groups of its other
# rows and lets the concept's names be read as well; the group itself places nothing in the record.
GENERIC_CODE = "generic_code"


def read_concept(value: Any, where: str, sets: ValueSets, by_name: bool = True,
                 exact_system: str | None = None) -> Concept:
    """The concept and its value-set groups: by code, and (``by_name``) by its names unless a coding has a
    meaning of its own. A listed code has one (a misleading text must not re-read it), unless it is listed as a
    generic code; so has an unlisted code of ``exact_system`` (LOINC for a lab): it is another test, and
    'Creatine kinase.MB' is not CK. A coding without a system is a local code, read by name like an unlisted
    one."""
    raw = value if type(value) is dict else _obj(value, where)  # no call for the usual object: this runs per code
    parts = _coding_parts(raw, where)
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        raise Malformed(f"{where}.text must be a string")
    cache = sets.concept_cache
    key = (parts, text, by_name, exact_system)
    found = cache.get(key)
    if found is not None:
        return found
    codings = tuple(Coding(*p) for p in parts)
    matches: list[CodeInfo] = []
    read_names = by_name
    for coding in codings:
        listed = sets.lookup_code(coding.system, coding.code)
        if any(m.group == GENERIC_CODE for m in listed):
            matches += (m for m in listed if m.group != GENERIC_CODE)
        elif listed or (exact_system is not None and coding.system == exact_system):
            matches += listed
            read_names = False
    named = False
    if read_names:
        by_names = [m for t in (text, *(c.display for c in codings)) for m in sets.lookup_names(t)]
        named = bool(by_names)
        matches += by_names
    concept = Concept(codings, text, tuple(dict.fromkeys(matches)), named)
    if len(cache) >= _CONCEPT_CACHE_MAX:
        cache.clear()
    cache[key] = concept
    return concept


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str | None
    comparator: str | None = None  # '<', '<=', '>=', '>': the value is a bound ('<3 ng/L' below detection)

    def __str__(self) -> str:  # for text: the unit as people write it ('IU/mL', not the UCUM code '[IU]/mL')
        return f"{self.comparator or ''}{self.value:g} {display(self.unit)}".strip()


UPPER_BOUNDS = frozenset({"<", "<="})  # the result is at most its value ('<15')
LOWER_BOUNDS = frozenset({">", ">="})  # at least its value ('>60')
COMPARATORS = UPPER_BOUNDS | LOWER_BOUNDS


def exceeds(value: float, limit: float, comparator: str | None = None) -> bool | None:
    """Whether a result is above ``limit`` (in its unit); None when the result is a bound that does not settle it
    ('<50' against 14)."""
    match comparator:
        case "<" | "<=":
            return False if value <= limit else None
        case ">":
            return True if value >= limit else None
        case ">=":
            return True if value > limit else None
    return value > limit


# x < limit exactly when -x > -limit: asked on the negated values, the bound turns round
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def falls_below(value: float, limit: float, comparator: str | None = None) -> bool | None:
    """Whether a result is below ``limit`` (in its unit), read the way :func:`exceeds` reads above it; None when it
    is a bound that does not settle it ('<45' against 30 may be 20 or 44). '<15' is below 30, '>=30' is not."""
    return exceeds(-value, -limit, _MIRRORED.get(comparator or ""))


def read_quantity(value: Any, where: str) -> Quantity | None:
    if value is None:
        return None
    raw = value if type(value) is dict else _obj(value, where)  # no call for the usual object: this runs per value
    number = raw.get("value")
    if number is None:
        return None
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise Malformed(f"{where}.value must be a number")
    if not -_MAX_MAGNITUDE <= number <= _MAX_MAGNITUDE:  # inline: this runs for every value of every result
        raise Malformed(f"{where}.value is out of range")
    code = raw.get("code")
    if code is not None and not isinstance(code, str):
        raise Malformed(f"{where}.code must be a string")
    if not code:
        code = raw.get("unit")
        if code is not None and not isinstance(code, str):
            raise Malformed(f"{where}.unit must be a string")
    comparator = raw.get("comparator")
    if comparator is not None and (not isinstance(comparator, str) or comparator not in COMPARATORS):
        raise Malformed(f"{where}.comparator must be one of <, <=, >=, >")
    quantity = _new_object(Quantity)  # Quantity(float(number), code, comparator), at half the cost: see below
    _set_value(quantity, float(number))
    _set_unit(quantity, code)
    _set_comparator(quantity, comparator)
    return quantity


# A frozen dataclass's __init__ sets each field through object.__setattr__, which made up half the cost of reading
# a quantity (one per result, range limit and dose); read_quantity fills the slots directly instead (a field added
# to Quantity must be set there too: tests/test_record.py checks it)
_new_object = object.__new__
_set_value, _set_unit, _set_comparator = (getattr(Quantity, name).__set__ for name in ("value", "unit", "comparator"))


@dataclass(slots=True)
class Patient:
    id: str | None
    birth_date: date | None  # a partial birthDate ('2008') as its first day: the oldest the patient may be
    sex: str | None
    born_by: date | None = None  # ... and as its last day (2008-12-31): the youngest


@dataclass(slots=True)
class Observation:
    id: str
    code: Concept
    when: date | None
    status: str | None
    quantity: Quantity | None
    value_concept: Concept | None
    value_text: str | None
    interpretation: tuple[str, ...]
    ref_high: Quantity | None
    ref_low: Quantity | None
    components: tuple[tuple[Concept, Quantity | None], ...] = ()

    def in_group(self, *groups: str) -> bool:
        return self.code.in_group(*groups)

    @property
    def value_words(self) -> str:
        """The value in words, in lower case: its text, then its coded value's text and displays."""
        concept = self.value_concept.words() if self.value_concept else None
        return " ".join(filter(None, (self.value_text, concept))).lower()

    @property
    def _value_as_reported(self) -> str:
        """A quantity ('1.1 mEq/L'), else the text, else the coded value's label; '' with none of them."""
        if self.quantity is not None:
            return str(self.quantity)
        return self.value_text or (self.value_concept.label if self.value_concept is not None else "")

    @property
    def value_label(self) -> str:
        """The value as reported, for messages: '11 [stone_av]', or a text or coded result in quotes (cut short)."""
        text = self._value_as_reported
        if self.quantity is not None:
            return text
        return repr(text if len(text) <= 40 else text[:39] + "…")

    @property
    def reported_value(self) -> Quantity | None:
        """The result as a quantity: its valueQuantity, or a number or a bound written as text with its unit and
        nothing else (:func:`result_in_text`: '5000 ng/L', '<3 ng/L', read past the lab's marks: '>20,000 U/L H')."""
        return self.quantity if self.quantity is not None else result_in_text(self.value_text)

    def above_upper_limit(self, canonical: str) -> bool | None:
        """The value against the upper limit of its own reference range, in the same unit or both converted to
        ``canonical`` (troponin 850 ng/L against 0.04 ng/mL); None when there is no value or no limit, the units
        cannot be compared, or the value is a bound that does not settle it ('<50 ng/L' against 14 ng/L)."""
        compared = self._against(self.ref_high, canonical)
        return None if compared is None else exceeds(*compared)

    def below_lower_limit(self, canonical: str) -> bool | None:
        """The value against the lower limit of its own reference range, as :meth:`above_upper_limit` reads it."""
        compared = self._against(self.ref_low, canonical)
        return None if compared is None else falls_below(*compared)

    def _against(self, limit: Quantity | None, canonical: str) -> tuple[float, float, str | None] | None:
        """(value, limit, the value's comparator) in one unit: the same one, or both converted to ``canonical``."""
        quantity = self.reported_value
        if quantity is None or limit is None:
            return None
        same_unit = (limit.unit or "") == (quantity.unit or "")
        value = quantity.value if same_unit else convert(quantity.value, quantity.unit, canonical)
        bound = limit.value if same_unit else convert(limit.value, limit.unit, canonical)
        return None if value is None or bound is None else (value, bound, quantity.comparator)

    @property
    def measured_as_text(self) -> bool:
        """A value written as text with a number in it ('>20,000', '72 kg (estimated)', '5000 ng/L'): a measurement,
        which only :attr:`reported_value` can read, and only a number or a bound with its unit ('5000 ng/L'); the
        readers of :func:`measured` read none. Text without a digit ('refused', 'haemolysed') is no measurement."""
        return self.quantity is None and self.value_text is not None and any(c.isdigit() for c in self.value_text)

    @property
    def has_measurement(self) -> bool:
        """A value with a number in it: a quantity, or one written as text (:attr:`measured_as_text`)."""
        return self.quantity is not None or self.measured_as_text

    @property
    def has_result(self) -> bool:
        """Whether the result holds anything in any form: a quantity, a text ('>60', 'haemolysed', and 'Pending'
        too), a coded value or an interpretation. A result with none of them (a test only ordered) has none; a
        cancelled or entered-in-error one never reaches a rule. One not yet reported may still hold a text."""
        return (self.quantity is not None or self.value_text is not None or self.value_concept is not None
                or bool(self.interpretation))

    @property
    def not_yet_reported(self) -> bool:
        """A result still pending (registered or preliminary) with no number in it ('Pending', or a flag alone): not
        a value that cannot be read, but no value yet."""
        return self.status in PENDING_STATUSES and self.quantity is None and not self.measured_as_text

    @property
    def shown_result(self) -> str:
        """The result as the lab reported it, for a card: a quantity ('1.1 mEq/L'), a text, a coded value's label,
        or the interpretation flags alone ('H'); :attr:`value_label` quotes and shortens it for messages."""
        return self._value_as_reported or "/".join(self.interpretation)  # a concept's label is never ''


@dataclass(slots=True)
class Condition:
    id: str
    code: Concept
    clinical_status: str | None
    verification: str | None
    onset: date | None
    recorded: date | None
    abated: date | None

    @property
    def counts(self) -> bool:
        return self.verification not in ("refuted", "entered-in-error")

    @property
    def active(self) -> bool:
        return self.counts and (self.clinical_status in (None, "active", "recurrence", "relapse"))

    @property
    def diagnosed(self) -> bool:
        """Confirmed, or of no verification status: provisional, differential and unconfirmed are questions."""
        return self.verification in (None, "confirmed")

    @property
    def start(self) -> date | None:
        return self.onset or self.recorded


@dataclass(slots=True)
class Timing:
    frequency: float | None = None
    frequency_max: float | None = None  # timing.repeat.frequencyMax: '1-3 times a day' may be 3
    period: float | None = None
    period_unit: str | None = None
    days_of_week: tuple[str, ...] = ()
    code: str | None = None
    duration: float | None = None
    duration_unit: str | None = None
    count: int | None = None
    when: tuple[str, ...] = ()
    times_of_day: tuple[str, ...] = ()  # timing.repeat.timeOfDay: one administration at each

    @property
    def most_per_period(self) -> float:
        """Administrations in a period at most, as a dose check must assume: frequencyMax where it is given,
        else the frequency (1 when there is none)."""
        return max(self.frequency or 1, self.frequency_max or 0)


@dataclass(slots=True)
class Dosage:
    dose: Quantity | None
    timing: Timing
    route: Concept | None
    text: str | None
    as_needed: bool
    max_per_period: tuple[Quantity, Quantity] | None = None
    sequence: int | None = None  # instructions with the same sequence (or none) are given together
    bounds_start: date | None = None  # timing.repeat.boundsPeriod
    bounds_end: date | None = None
    bounds_days: float | None = None  # boundsDuration, or boundsPeriod's days


@dataclass(frozen=True, slots=True)
class StatusMeaning:
    """What an order's status says of its doses, whatever its resource type calls it: the questions the rules ask
    (:attr:`MedicationOrder.status_meaning`). One table (:data:`ORDER_STATUS`) answers them for every type an order
    may be: a ServiceRequest's 'revoked' is its own type's code, not a status the MedicationRequest codes lack."""

    given: bool  # was given, is being given, or may have been: counts as exposure
    current: bool  # being given now, unless its end date has passed
    stops: bool  # a draft written with it gives no dose: it ends, withdraws or voids the order it re-sends or names
    stated: bool = True  # False: it does not say whether the order is given (read as given, the safe side)
    recorded: bool = False  # it records what happened (done, or entered in error): no order a clinician signs

    @property
    def orders(self) -> bool:
        """A draft written with it orders the treatment (or may: a status that does not say is read as an order, the
        safe side); a stop does not, nor a record of a dose given or of an entry in error."""
        return not (self.stops or self.recorded)

    @property
    def says_nothing(self) -> bool:
        """An entry in error that voids no order: it states nothing of the treatment, neither a dose nor a stop."""
        return self.recorded and not (self.given or self.stops)

    @property
    def records_given(self) -> bool:
        """It records a dose (or a whole course) as given: a draft written with it leaves nothing to cancel, so a
        rule says what follows the dose instead (R26, R27, R28)."""
        return self.recorded and self.given

    def as_draft(self) -> str:
        """How a draft written with it is read, for the data-quality note on an unusual draft status. A stop stops
        only the order on the chart it re-sends or names; one naming none stops nothing anyone can tell, so its dose
        is still checked (hooks.definitions.continuing)."""
        if self.orders:
            return "read as an order being signed" + ("" if self.stated else " (the safe side)")
        if self.stops:
            return (("read as given in full, and " if self.records_given else "read as ")
                    + "a stop of the order on the chart it re-sends or names; with none, its dose is still checked")
        if self.given:
            return "read as a dose already given, not an order"
        return "left out, as it says nothing of the treatment"


BEING_GIVEN = StatusMeaning(given=True, current=True, stops=False)
ENDED = StatusMeaning(given=True, current=False, stops=True)  # given, and no more: stopped early
COMPLETED = StatusMeaning(given=True, current=False, stops=True, recorded=True)  # done: no more to give
WITHDRAWN = StatusMeaning(given=False, current=False, stops=True)  # withdrawn before any of it was given
IN_ERROR = StatusMeaning(given=False, current=False, stops=True, recorded=True)  # voids the order it re-sends
NOT_GIVEN = StatusMeaning(given=False, current=False, stops=False)  # a draft; a vaccine not (yet) given
GIVEN = StatusMeaning(given=True, current=False, stops=False, recorded=True)  # one administration done: no course
# an administration recorded in error: it names no order, so it voids no course (an IVIG Immunization in error
# leaves the IVIG course as it was)
VOID = StatusMeaning(given=False, current=False, stops=False, recorded=True)
UNSTATED = StatusMeaning(given=True, current=False, stops=False, stated=False)

# FHIR R4 RequestStatus, as a ServiceRequest (and CDS Hooks' other draft orders) writes it. 'revoked' ends the
# request 'prior to the known full completion of the intended actions': some of it may have been given, as of a
# stopped prescription (a MedicationRequest written 'revoked' is read as stopped too: READ_AS).
_REQUEST_TYPES = ("ServiceRequest", "DeviceRequest", "NutritionOrder")
_REQUEST_STATUS = {"draft": NOT_GIVEN, "active": BEING_GIVEN, "on-hold": BEING_GIVEN, "revoked": ENDED,
                   "completed": COMPLETED, "entered-in-error": IN_ERROR, "unknown": UNSTATED}

# The status codes of each resource type an order may be (a MedicationRequest on the chart; any of CDS Hooks'
# draft orders, and an Immunization placed among them), each with what it says. A code of no row, or none, says
# nothing (UNSTATED).
ORDER_STATUS: dict[str, dict[str, StatusMeaning]] = {
    "MedicationRequest": {"active": BEING_GIVEN, "on-hold": BEING_GIVEN, "cancelled": WITHDRAWN,
                          "completed": COMPLETED, "entered-in-error": IN_ERROR, "stopped": ENDED, "draft": NOT_GIVEN,
                          "unknown": UNSTATED},
    **{kind: _REQUEST_STATUS for kind in _REQUEST_TYPES},
    "VisionPrescription": {"active": BEING_GIVEN, "cancelled": WITHDRAWN, "draft": NOT_GIVEN,
                           "entered-in-error": IN_ERROR},
    # a vaccine (or IVIG) given, never a course that goes on; 'not-done' never counts as given, and is how an EHR
    # places a planned one among the draft orders (the service contract), so as a draft it is no stop; an entry in
    # error records no dose and names no order to stop
    "Immunization": {"completed": GIVEN, "entered-in-error": VOID, "not-done": NOT_GIVEN},
}
_NO_CODES: dict[str, StatusMeaning] = {}


def status_meaning(kind: str, status: str | None) -> StatusMeaning:
    """What ``status`` says of an order of resource type ``kind`` (:data:`ORDER_STATUS`)."""
    return ORDER_STATUS.get(kind, _NO_CODES).get(status or "", UNSTATED)


def draft_status_note(order: MedicationOrder, written: Any) -> str | None:
    """The data-quality note on a draft order's status as ``written``, with how the draft is read: a status missing,
    not a code of the order's type (or written otherwise than the code it is read as), one that does not say, or
    one that records what happened rather than an order being signed ('completed', 'entered-in-error'). None for
    a code an order being signed carries ('draft', 'active', a stop; an Immunization's 'not-done')."""
    meaning, codes = order.status_meaning, CODES.get(order.resource_type)
    if written is None:
        said = "has no status (FHIR requires one)"
    elif codes is None:
        said = f"has status {written!r}, and a {order.resource_type}'s status codes are not read"
    elif written not in codes:
        said = (f"has status {written!r}, read as {order.status!r}" if order.status in codes
                else f"has status {written!r}, which is not a code of {order.resource_type}")
    elif not meaning.stated:
        said = f"has status {written!r}, which does not say whether it is given"
    elif meaning.recorded:
        said = f"has status {written!r}, which records what happened rather than an order being signed"
    else:
        return None
    return f"Draft {order.reference} ({order.label}) {said}: {meaning.as_draft()}."


PENDING_STATUSES = ("registered", "preliminary")  # an Observation not (or not finally) resulted yet
REPORTED_STATUSES = ("final", "amended", "corrected")  # an Observation finally resulted


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a schedule written as one order: the instructions of ``sequence``, given from ``first`` to
    ``last`` (None: until the order ends)."""

    sequence: int
    first: date
    last: date | None


Identifier = tuple[str | None, str]  # (system, value); the system None when it names none


@dataclass(slots=True)
class MedicationOrder:
    """A MedicationRequest (or a draft order of another type: ServiceRequest, Immunization...)."""

    resource_type: str
    id: str
    medication: Concept
    status: str | None
    intent: str | None
    authored: date | None
    start: date | None
    end: date | None
    dosages: tuple[Dosage, ...]
    reasons: tuple[Concept, ...] = ()
    cited: tuple[CitedReason, ...] = ()  # reasonReference
    supply_days: float | None = None
    steps: tuple[Step, ...] = ()  # a taper written as sequenced instructions, laid out one after another
    notes: tuple[str, ...] = ()  # note[].text
    prior: str | None = None  # priorPrescription as 'MedicationRequest/id': the order this one changes or renews
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @property
    def dosage(self) -> Dosage | None:
        return self.dosages[0] if self.dosages else None

    @property
    def route(self) -> Concept | None:
        """The first instruction's route, as the order's: None when it has none."""
        return self.dosages[0].route if self.dosages else None

    @property
    def bounds_days(self) -> float | None:
        """The course's length as bounded: its first instruction's (for a taper in steps, the first step's)."""
        return self.dosages[0].bounds_days if self.dosages else None

    @property
    def status_meaning(self) -> StatusMeaning:
        """What the status says, read by the order's own resource type's codes (:data:`ORDER_STATUS`)."""
        return status_meaning(self.resource_type, self.status)

    def current_on(self, today: date) -> bool:
        """Being given on ``today``: a current status and no end date before it. An end date ends a course whatever
        the status says (a finished order is often left 'active')."""
        return self.status_meaning.current and (self.end is None or self.end >= today)

    @property
    def identifiers(self) -> list[Identifier]:
        """identifier[] as (system, value), leniently: only the links between orders read them, and a malformed
        one is no link (read on demand: most calls never ask)."""
        found = self.raw.get("identifier")
        return [i for i in map(_identifier, found) if i is not None] if isinstance(found, list) else []

    @property
    def prior_identifier(self) -> Identifier | None:
        """priorPrescription.identifier as (system, value), leniently as :attr:`identifiers`."""
        prior = self.raw.get("priorPrescription")
        return _identifier(prior.get("identifier")) if isinstance(prior, dict) else None

    @property
    def status_unstated(self) -> bool:
        """A status that does not say whether the order is given: none, 'unknown', or one FHIR does not list for the
        order's type ('foo', kept as written and named in the warnings). Read as given (the safe side), and said
        where it matters."""
        return not self.status_meaning.stated

    @property
    def counts_as_exposure(self) -> bool:
        """A course that was (or is being) given, or of a status that does not say (:attr:`status_unstated`):
        drafts, cancellations, errors and vaccines not done never count."""
        return self.status_meaning.given

    def in_group(self, *groups: str) -> bool:
        return self.medication.in_group(*groups)

    @property
    def label(self) -> str:
        return self.medication.label


@dataclass(frozen=True, slots=True)
class CitedReason:
    """A reasonReference: the id of the Condition it points to ('Condition/id', or a bundle's 'urn:uuid:id' as
    Synthea writes it) and its display, read as a concept."""

    condition_id: str | None
    display: Concept | None


@dataclass(slots=True)
class Procedure:
    id: str
    code: Concept
    when: date | None
    status: str | None

    def in_group(self, *groups: str) -> bool:
        return self.code.in_group(*groups)


@dataclass(slots=True)
class Immunization:
    id: str
    vaccine: Concept
    when: date | None
    status: str | None
    dose: Quantity | None = None  # doseQuantity: what IVIG recorded as an Immunization gave (R27's cycle total)

    @property
    def reference(self) -> str:
        """'Immunization/id', as a draft order re-sending it names itself (:attr:`MedicationOrder.reference`)."""
        return f"Immunization/{self.id}"

    def in_group(self, *groups: str) -> bool:
        return self.vaccine.in_group(*groups)


@dataclass(slots=True)
class PatientRecord:
    """The chart as the rules see it. Lists are sorted oldest first."""

    today: date
    patient: Patient | None = None
    conditions: list[Condition] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    medications: list[MedicationOrder] = field(default_factory=list)
    immunizations: list[Immunization] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    # (resource type, element, code as written) -> the resources that wrote a code otherwise than FHIR's
    code_notes: dict[tuple[str, str, Any], list[str]] = field(default_factory=dict, repr=False)
    # Medication resources sent alongside the orders, by reference ("Medication/id" or fullUrl): drafts use them too
    referenced_medications: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    # Derived values shared by several rules (PEQ timeline, CK series...), computed once per request: see per_record
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    # kind ("observations", "medications"...) -> group -> [(position in the list, item)] of the items that count
    # (_COUNTS), built on first query
    _group_index: dict[str, dict[str, list[tuple[int, Any]]]] = field(default_factory=dict, repr=False)
    # (kind, groups) -> members in list order: rules ask the same few questions many times per call
    _member_lists: dict[tuple[str, tuple[str, ...]], list[Any]] = field(default_factory=dict, repr=False)

    def with_medications(self, medications: list[MedicationOrder]) -> PatientRecord:
        """The same chart with other medication orders, oldest first (R28 judges the doses the drafts record as given
        with the chart's own): a record of its own, carrying nothing worked out from this one (its cache, its
        indexes)."""
        return replace(self, medications=medications, cache={}, _group_index={}, _member_lists={})

    # -- queries the rules use
    @property
    def age_years(self) -> int | None:
        """Age in years; for a partial birthDate the oldest the patient may be (age-related risks count)."""
        return self._age_on(self.patient.birth_date if self.patient else None)

    @property
    def youngest_age_years(self) -> int | None:
        """The youngest the patient may be: what the paediatric split reads, so that a partial birthDate never
        doses a possible 17-year-old by the adult checks."""
        return self._age_on(self.patient.born_by or self.patient.birth_date if self.patient else None)

    def _age_on(self, born: date | None) -> int | None:
        # not below 0: a partial birthDate of this year may end on a day still to come
        return None if born is None else max(age_on(born, self.today), 0)

    def _members(self, kind: str, groups: tuple[str, ...]) -> list[Any]:
        """Items of one list that count (:data:`_COUNTS`) and belong to any of ``groups``, in list order (shared:
        callers filter into a new list and never mutate this one)."""
        found = self._member_lists.get((kind, groups))
        if found is None:
            found = self._member_lists[(kind, groups)] = self._index_members(kind, groups)
        return found

    def _index_members(self, kind: str, groups: tuple[str, ...]) -> list[Any]:
        index = self._group_index.get(kind)
        if index is None:
            index = defaultdict(list)
            concept, counts = _CONCEPT_OF[kind], _COUNTS.get(kind)
            for position, item in enumerate(getattr(self, kind)):
                # asked once per item here, not once per item and query: a rule asks many groups of one list
                if counts is None or counts(item):
                    for group in concept(item).groups:
                        index[group].append((position, item))
            self._group_index[kind] = index
        if len(groups) == 1:
            return [item for _, item in index.get(groups[0], ())]
        merged = {position: item for g in groups for position, item in index.get(g, ())}
        return [merged[position] for position in sorted(merged)]

    def observations_in(self, *groups: str, since: date | None = None) -> list[Observation]:
        found = self._members("observations", groups)
        if since is None:
            return list(found)
        return [o for o in found if o.when is not None and o.when >= since]

    def latest(self, *groups: str) -> Observation | None:
        dated = [o for o in self.observations_in(*groups) if o.when is not None]
        return dated[-1] if dated else None

    def newest_unreadable(self, group: str, canonical: str) -> Observation | None:
        """The newest dated result of ``group`` when its value cannot be read in ``canonical`` (an unknown unit,
        or a number written as text, '>20,000'): the older readable results may no longer be the patient's."""
        for observation in reversed(self.observations_in(group)):
            if observation.when is None:
                continue
            if observation.quantity is None:
                if observation.measured_as_text:
                    return observation
                continue  # no value ('refused', or a pending result): not a measurement
            return observation if measured(observation, group, canonical) is None else None
        return None

    def conditions_in(self, *groups: str, active_only: bool = False) -> list[Condition]:
        counted = self._members("conditions", groups)
        return [c for c in counted if c.active] if active_only else list(counted)

    def medications_in(self, *groups: str, current_only: bool = False) -> list[MedicationOrder]:
        given = self._members("medications", groups)
        return [m for m in given if m.current_on(self.today)] if current_only else list(given)

    def procedures_in(self, *groups: str, since: date | None = None) -> list[Procedure]:
        done = self._members("procedures", groups)
        return list(done) if since is None else [p for p in done if p.when is not None and p.when >= since]

    def immunizations_in(self, *groups: str) -> list[Immunization]:
        return list(self._members("immunizations", groups))



def age_on(born: date, day: date) -> int:
    """Whole years from ``born`` to ``day``."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# Procedure, DiagnosticReport and ImagingStudy statuses of a study that was not (or not yet, or not fully) done
_NOT_DONE = frozenset({"entered-in-error", "not-done", "preparation", "on-hold", "stopped", "cancelled", "registered"})

# What makes an item of each list count for the rules' queries (conditions_in, medications_in...): a condition not
# refuted or in error, an order given (or of a status that does not say), a study done, an immunization given; every
# observation is indexed
_COUNTS: dict[str, Callable[[Any], bool]] = {
    "conditions": attrgetter("counts"),
    "medications": attrgetter("counts_as_exposure"),
    "procedures": lambda p: p.status not in _NOT_DONE,
    "immunizations": lambda i: i.status not in ("entered-in-error", "not-done"),
}

# Body measurements outside these bounds are data errors ('70 g' meant as kilograms, a height in metres typed as
# centimetres), never a basis for a dose: they are read as unreadable, like an unknown unit. CK assays report whole
# units: a CK (or its upper limit) below 1 U/L is a data error, and any ratio to it boundless
_PLAUSIBLE = {("weight", "kg"): (0.3, 650.0), ("height", "cm"): (20.0, 275.0), ("ck", "U/L"): (1.0, math.inf)}
_BODY_MEASURES = frozenset({"weight", "height"})


def measured(observation: Observation, group: str, canonical: str) -> float | None:
    """The result's value in ``canonical``, when its unit is read and the value can be the patient's; else None. A
    body measurement written as a bound ('>150 kg', the scale's limit) is none: no dose is computed from it."""
    if observation.quantity is None or (observation.quantity.comparator is not None and group in _BODY_MEASURES):
        return None
    value = convert(observation.quantity.value, observation.quantity.unit, canonical)
    return value if value is not None and plausible(group, canonical, value) else None


def plausible(group: str, canonical: str, value: float) -> bool:
    """A measured value that can be the patient's: positive, and for a weight or height within human bounds."""
    low, high = _PLAUSIBLE.get((group, canonical), (0.0, math.inf))
    return value > 0 and low <= value <= high


P = ParamSpec("P")
R = TypeVar("R")


def _memo_key(value: Any) -> Any:
    return value if type(value).__hash__ is not None else ("id", id(value))


def per_record(definition: Callable[Concatenate[PatientRecord, P], R]) -> Callable[Concatenate[PatientRecord, P], R]:
    """Compute ``definition(record, ...)`` once per record and arguments.

    Several rules ask the same question of one chart in one call (the PEQ history, the antibody results, T_tx);
    the answer is kept in ``record.cache``, which lives as long as the request's record. Arguments that cannot be
    hashed (the hook context) are matched by identity, and kept with the answer so that their identity stays
    theirs. Answers are shared, so callers must not mutate them.
    """
    @functools.wraps(definition)
    def memoised(record: PatientRecord, *args: P.args, **kwargs: P.kwargs) -> R:
        key = (definition, *map(_memo_key, args))
        if kwargs:
            key += tuple((k, _memo_key(v)) for k, v in kwargs.items())
        held = record.cache.get(key)
        if held is None:
            held = record.cache[key] = (definition(record, *args, **kwargs), args, kwargs)
        return held[0]

    return memoised


@per_record
def unread_newer(record: PatientRecord, group: str, canonical: str) -> str | None:
    """A measurement newer than the latest readable one that cannot be read (a unit not understood: '11 st on
    2026-11-20', a text value, or a weight no one can have). Nothing is then computed from the older value: it may
    no longer be the patient's."""
    found = record.newest_unreadable(group, canonical)
    return f"{found.value_label} on {found.when}" if found is not None else None


# ---------------------------------------------------------------- resource readers

def _read_patient(raw: dict[str, Any]) -> Patient:
    born = parse_date(raw.get("birthDate"), "Patient.birthDate")
    return Patient(_str(raw.get("id"), "Patient.id"), born, read_code(raw.get("gender"), "gender"),
                   _last_possible_day(born, raw["birthDate"]) if born is not None else None)


def _last_possible_day(first: date, text: str) -> date:
    """The last day a date written as ``text`` may be: a year ('2008') or a month ('2008-11') ends later."""
    if len(text) == 4:
        return date(first.year, 12, 31)
    if len(text) == 7:
        return date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    return first


# The codes of FHIR R4's required bindings the rules read: each resource type's status, a Condition's clinical and
# verification status, a Patient's gender. A code in another letter case or with stray spaces ('Active', 'Male') is
# read as that code; one FHIR does not list ('cancelled' for a Procedure) is kept as written, in lower case. Either
# way, and for a status missing where FHIR requires one, the record names it (:func:`_note_code`): a status decides
# whether an order is current.
CODES: dict[str, frozenset[str]] = {
    **{kind: frozenset(codes) for kind, codes in ORDER_STATUS.items()},  # an order's, with what each says
    "Observation": frozenset(("registered", "preliminary", "final", "amended", "corrected", "cancelled",
                              "entered-in-error", "unknown")),
    "Procedure": frozenset(("preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
                            "entered-in-error", "unknown")),
    "DiagnosticReport": frozenset(("registered", "partial", "preliminary", "final", "amended", "corrected",
                                   "appended", "cancelled", "entered-in-error", "unknown")),
    "ImagingStudy": frozenset(("registered", "available", "cancelled", "entered-in-error", "unknown")),
    "clinicalStatus": frozenset(("active", "recurrence", "relapse", "inactive", "remission", "resolved")),
    "verificationStatus": frozenset(("unconfirmed", "provisional", "differential", "confirmed", "refuted",
                                     "entered-in-error")),
    "gender": frozenset(("male", "female", "other", "unknown")),
}


# Words some systems write for a status, read as the FHIR code they mean (and named, as any code written
# otherwise): a statin order 'discontinued' is stopped, not a status that does not say
READ_AS: dict[str, dict[str, str]] = {
    "MedicationRequest": {"discontinued": "stopped", "revoked": "stopped"},
    # a planned vaccine, the service contract's 'draft-like' Immunization: not given, as 'not-done' (never counted
    # as a dose given, on the chart too: a draft is no dose given); among the draft orders, the vaccine ordered
    "Immunization": {"draft": "not-done"},
    # a request written with a MedicationRequest's word for a stop is a stop in its own codes, as before the table
    **{kind: {"cancelled": "revoked", "stopped": "revoked", "discontinued": "revoked"} for kind in _REQUEST_TYPES},
}


def read_code(code: Any, element: str) -> str | None:
    """A code of ``element`` (a resource type's status, or a key of :data:`CODES`), read as :data:`CODES` and
    :data:`READ_AS` say."""
    code = _str(code, element)
    allowed = CODES.get(element)
    if code is None or allowed is None or code in allowed:  # the usual case
        return code
    written = code.strip().lower()
    # a code FHIR does not list is kept, and named: a rule may still know it
    return READ_AS[element].get(written, written) if element in READ_AS else written


# FHIR's Observation.status codes: an observation's usual status is taken without read_code and _note_code
_OBSERVATION_STATUSES = CODES["Observation"]


def _binding(kind: str, element: str) -> str:
    """The key of :data:`CODES` for a resource type's ``element``: the type for its status, else the element."""
    return kind if element == "status" else element


def _note_code(record: PatientRecord, resource: dict[str, Any], element: str, written: Any,
               required: bool = False) -> None:
    """Counts a code not written as one (or missing, where ``required``) for :func:`_code_warnings`."""
    kind = resource["resourceType"]
    if written in CODES[_binding(kind, element)] or (written is None and not required):  # the usual case
        return
    record.code_notes.setdefault((kind, element, written), []).append(describe(resource))


def _code_warnings(record: PatientRecord) -> list[str]:
    """One warning per code written otherwise than FHIR's, with the resources that wrote it (a few named): an EHR
    that capitalises its statuses writes them on every resource."""
    found = []
    for (kind, element, written), references in record.code_notes.items():
        if written is None:
            said = f"{kind}.{element} is missing (FHIR requires it)"
        else:
            binding = _binding(kind, element)
            read = read_code(written, binding)
            said = (f"{kind}.{element} {written!r} was read as {read!r}" if read in CODES[binding]
                    else f"{kind}.{element} {written!r} is not a code of it")
        shown = ", ".join(references[:3]) + (f" and {len(references) - 3} more" if len(references) > 3 else "")
        found.append(f"{said}: {shown}.")
    return found


def _status_code(raw: dict[str, Any], key: str) -> str | None:
    """The code of a Condition's ``key`` status, as written."""
    concept = _obj(raw.get(key), key)
    for coding in _list(concept.get("coding"), f"{key}.coding"):
        code = _str(_obj(coding, key).get("code"), f"{key}.code")
        if code:
            return code
    return None


def _read_condition(raw: dict[str, Any], code: Concept, clinical: str | None, verification: str | None
                    ) -> Condition:
    """A Condition, with its clinical and verification status codes as written (:func:`_status_code`)."""
    abatement = raw.get("abatementDateTime") or _obj(raw.get("abatementPeriod"), "abatementPeriod").get("end")
    return Condition(
        id=_str(raw.get("id"), "id") or "",
        code=code,
        clinical_status=read_code(clinical, "clinicalStatus"),
        verification=read_code(verification, "verificationStatus"),
        onset=parse_date(raw.get("onsetDateTime")
                         or _obj(raw.get("onsetPeriod"), "onsetPeriod").get("start"), "Condition.onset"),
        recorded=parse_date(raw.get("recordedDate"), "Condition.recordedDate"),
        abated=parse_date(abatement, "Condition.abatement"),
    )


def _interpretation(raw: dict[str, Any]) -> tuple[str, ...]:
    codes: list[str] = []
    for i, concept in enumerate(_list(raw.get("interpretation"), "interpretation")):
        concept = _obj(concept, f"interpretation[{i}]")
        for coding in _list(concept.get("coding"), "interpretation.coding"):
            code = _str(_obj(coding, "interpretation.coding").get("code"), "interpretation.code")
            if code:
                codes.append(code.upper())
        text = _str(concept.get("text"), "interpretation.text")
        if text:
            codes.append(text.strip().upper())
    return tuple(codes)


# appliesTo codings that name a sex (SNOMED CT male/female, HL7 administrative gender)
_SEX_CODES = {"248153007": "male", "248152002": "female", "M": "male", "F": "female", "male": "male",
              "female": "female"}


def _range_for(ranges: list[Any], sex: str | None) -> dict[str, Any]:
    """The reference range for this patient: the one whose appliesTo names their sex, else one for everyone, else
    the first (the CK upper limit is 'the lab's range, by sex': a man's range read for a woman hides a high CK)."""
    if len(ranges) == 1 and type(only := ranges[0]) is dict and only.get("appliesTo") is None:
        return only  # the usual single range for everyone, without the checks below
    general: dict[str, Any] | None = None
    for i, item in enumerate(ranges):
        candidate = _obj(item, f"referenceRange[{i}]")
        applies = _list(candidate.get("appliesTo"), "referenceRange.appliesTo")
        if not applies:
            general = general if general is not None else candidate
            continue
        names = set()
        for concept in applies:
            concept = _obj(concept, "referenceRange.appliesTo")
            names |= {_SEX_CODES.get(str(_obj(c, "appliesTo.coding").get("code"))) for c in
                      _list(concept.get("coding"), "appliesTo.coding")}
            names.add(_SEX_CODES.get(str(concept.get("text") or "").strip().lower()))
        if sex is not None and sex in names:
            return candidate
    if general is not None:
        return general
    return _obj(ranges[0], "referenceRange") if ranges else {}


def _limit(limit: Quantity | None, result: Quantity | None) -> Quantity | None:
    """A range limit written without a unit is in the result's unit (labs often leave it out)."""
    if limit is None or limit.unit is not None or result is None:
        return limit
    return Quantity(limit.value, result.unit)


def _ratio_text(ratio: dict[str, Any]) -> str | None:
    """A valueRatio as a titre is written ('1:160'); None with no numerator or denominator value. No rule reads a
    ratio, but a result sent so is a result: it is shown as text, and the readers that cannot use it say so (an
    anti-SRP titre of 1:160 was dropped, and the antibody said never resulted)."""
    numerator = read_quantity(ratio.get("numerator"), "valueRatio.numerator")
    denominator = read_quantity(ratio.get("denominator"), "valueRatio.denominator")
    if numerator is None or denominator is None:
        return None
    return f"{numerator.value:g}:{denominator.value:g}"


def _read_observation(raw: dict[str, Any], sets: ValueSets, code: Concept, sex: str | None = None) -> Observation:
    get = raw.get
    when = (get("effectiveDateTime") or _obj(get("effectivePeriod"), "effectivePeriod").get("start")
            or get("effectiveInstant") or get("issued"))
    quantity = read_quantity(get("valueQuantity"), "Observation.valueQuantity")
    ref_high = ref_low = None
    if (ranges := get("referenceRange")) is not None:  # absent from most results: skip the work
        chosen = _range_for(_list(ranges, "referenceRange"), sex)  # the only range the rules read
        ref_high = _limit(read_quantity(chosen.get("high"), "referenceRange.high"), quantity)
        ref_low = _limit(read_quantity(chosen.get("low"), "referenceRange.low"), quantity)
    identifier, status, value_text = get("id"), get("status"), get("valueString")
    if value_text is None and (ratio := get("valueRatio")) is not None:  # a titre: named, never dropped silently
        value_text = _ratio_text(_obj(ratio, "Observation.valueRatio"))
    value_concept = get("valueCodeableConcept")
    components = get("component")
    # positional: keyword arguments more than double the cost of building a dataclass (this runs for every result);
    # the usual id, status (a string, one of FHIR's codes) and absent valueString are taken without the calls that
    # check them, anything else is checked there
    return Observation(
        identifier if type(identifier) is str else _str(identifier, "id") or "",  # id
        code,
        parse_date(when, "Observation.effective"),  # when
        status if type(status) is str and status in _OBSERVATION_STATUSES else read_code(status, "Observation"),
        quantity,
        (read_concept(value_concept, "Observation.valueCodeableConcept", sets, by_name=False)
         if value_concept is not None else None),  # value_concept
        _str(value_text, "Observation.valueString") if value_text is not None else None,  # value_text
        _interpretation(raw) if "interpretation" in raw else (),  # interpretation
        ref_high,
        ref_low,
        tuple(
            (read_concept(c.get("code"), "component.code", sets),
             read_quantity(c.get("valueQuantity"), "component.valueQuantity"))
            for c in (_obj(c, "component") for c in _list(components, "component"))) if components is not None else (),
    )


# FHIR's dayOfWeek codes; "Mon" or "monday", as some systems send them, are read as "mon", and anything else as no
# named day (the once-weekly check then asks for one)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # Monday first, as date.weekday() counts
WEEKDAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                         strict=True))  # for card text


def _read_timing(raw: dict[str, Any], repeat: dict[str, Any]) -> Timing:
    """A dosage's timing, with its ``repeat`` as the caller has read it."""
    code = None
    if (code_concept := raw.get("code")) is not None:  # most timings have no code: skip the work
        code_concept = _obj(code_concept, "timing.code")
        for coding in _list(code_concept.get("coding"), "timing.code.coding"):
            code = _str(_obj(coding, "timing.code.coding").get("code"), "timing.code.code") or code
        code = code or _str(code_concept.get("text"), "timing.code.text")
    count = _num(repeat.get("count"), "timing.repeat.count")
    if count is not None and not 0 <= count <= MAX_COURSE_DAYS * 24:
        raise Malformed("timing.repeat.count is out of range")
    days = _strings(repeat, "dayOfWeek")
    # positional, as in _read_observation (this runs for every instruction)
    return Timing(
        _schedule_num(repeat.get("frequency"), "timing.repeat.frequency"),  # frequency
        _schedule_num(repeat.get("frequencyMax"), "timing.repeat.frequencyMax"),  # frequency_max
        _schedule_num(repeat.get("period"), "timing.repeat.period"),  # period
        _str(repeat.get("periodUnit"), "timing.repeat.periodUnit"),  # period_unit
        tuple(day for d in days if (day := d.strip().lower()[:3]) in WEEKDAYS) if days else (),  # days_of_week
        code.upper() if code else None,  # code
        _schedule_num(repeat.get("duration"), "timing.repeat.duration"),  # duration
        _str(repeat.get("durationUnit"), "timing.repeat.durationUnit"),  # duration_unit
        int(count) if count is not None else None,  # count
        _strings(repeat, "when"),  # when
        _strings(repeat, "timeOfDay"),  # times_of_day
    )


def _strings(repeat: dict[str, Any], key: str) -> tuple[str, ...]:
    """A timing.repeat array of strings ('' for a null item); most timings have none, so absence is quick."""
    values = repeat.get(key)
    if values is None:
        return ()
    return tuple(_str(v, f"timing.repeat.{key}") or "" for v in _list(values, f"timing.repeat.{key}"))


def _bounds(repeat: dict[str, Any]) -> tuple[date | None, date | None, float | None]:
    """(start, end, days) of a timing's boundsPeriod or boundsDuration."""
    bounds = _obj(repeat.get("boundsPeriod"), "boundsPeriod")
    start = parse_date(bounds.get("start"), "boundsPeriod.start")
    end = parse_date(bounds.get("end"), "boundsPeriod.end")
    days = _duration_days(repeat.get("boundsDuration"), "boundsDuration")
    if days is None and start is not None and end is not None and end >= start:
        days = (end - start).days + 1
    return start, end, days


def _read_dosage(raw: dict[str, Any], sets: ValueSets, first: bool = True) -> Dosage:
    """One dosage instruction. The first instruction's bounds are the order's, so a malformed one makes the order
    malformed; a later instruction's malformed bounds only leave that instruction unbounded."""
    dose_and_rate = [d if type(d) is dict else _obj(d, "doseAndRate")
                     for d in _list(raw.get("doseAndRate"), "doseAndRate")]
    dose = None
    for item in dose_and_rate:  # the first doseQuantity given
        if (dose := read_quantity(item.get("doseQuantity"), "doseQuantity")) is not None:
            break
    if dose is None:
        dose = next((Quantity(high.value, high.unit) for d in dose_and_rate if (high := read_quantity(
            _obj(d.get("doseRange"), "doseRange").get("high"), "doseRange.high"))), None)
    timing = _obj(raw.get("timing"), "timing")
    repeat = _obj(timing.get("repeat"), "timing.repeat")
    max_period = raw.get("maxDosePerPeriod")
    numerator = denominator = None
    if max_period is not None:
        max_period = _obj(max_period, "maxDosePerPeriod")
        numerator = read_quantity(max_period.get("numerator"), "maxDosePerPeriod.numerator")
        denominator = read_quantity(max_period.get("denominator"), "maxDosePerPeriod.denominator")
    route = raw.get("route")
    sequence = raw.get("sequence")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int)):
        raise Malformed("dosage.sequence must be an integer")
    try:
        bounds_start, bounds_end, bounds_days = _bounds(repeat)
    except Malformed:
        if first:
            raise
        bounds_start = bounds_end = bounds_days = None
    # positional, as in _read_observation (this runs for every instruction)
    return Dosage(
        dose,
        _read_timing(timing, repeat),  # timing
        read_concept(route, "dosage.route", sets, by_name=False) if route is not None else None,  # route
        _str(raw.get("text"), "dosage.text"),  # text
        # as_needed: only a real true (a string "false" is not as-needed: an as-needed dose is not added up)
        raw.get("asNeededBoolean") is True or raw.get("asNeededCodeableConcept") is not None,
        (numerator, denominator) if numerator and denominator else None,  # max_per_period
        sequence,
        bounds_start,
        bounds_end,
        bounds_days,
    )




MAX_COURSE_DAYS = 100 * 365  # a course or supply longer than a century is a data error, not a regimen


def _duration_days(raw: Any, where: str) -> float | None:
    if raw is None:  # most orders give none
        return None
    quantity = _obj(raw, where)
    value = _num(quantity.get("value"), f"{where}.value")
    days = to_days(value, _str(quantity.get("code") or quantity.get("unit"), f"{where}.unit"))
    if days is not None and not 0 <= days <= MAX_COURSE_DAYS:
        raise Malformed(f"{where} is out of range")
    return days


def _medication_concept(raw: dict[str, Any], sets: ValueSets, contained: dict[str, dict[str, Any]],
                        where: str) -> Concept:
    for key in ("medicationCodeableConcept", "vaccineCode", "code", "productCodeableConcept"):
        if raw.get(key) is not None:
            return read_concept(raw[key], f"{where}.{key}", sets)
    reference = _obj(raw.get("medicationReference"), f"{where}.medicationReference")
    target = _str(reference.get("reference"), f"{where}.medicationReference.reference") or ""
    medication = contained.get(target.lstrip("#")) or contained.get(target)
    if medication is None and "/Medication/" in target:  # an absolute URL (perhaps with a _history version)
        medication = contained.get(relative_reference(target, "Medication") or "")
    if medication is not None:
        return read_concept(medication.get("code"), "Medication.code", sets)
    display = _str(reference.get("display"), f"{where}.medicationReference.display")
    return read_concept({"text": display} if display else None, f"{where}.medication", sets)


def _contained(raw: dict[str, Any], medications: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Medications a ``medicationReference`` may point to: the resource's own contained ones and the bundle's
    (those shared, not copied, when it contains none: callers only read them)."""
    own = raw.get("contained")
    if own is None:
        return medications or {}
    contained = {str(r.get("id")): r for r in _list(own, "contained") if isinstance(r, dict)}
    contained.update(medications or {})
    return contained


def read_order(raw: dict[str, Any], sets: ValueSets, medications: dict[str, dict[str, Any]] | None = None,
               medication: Concept | None = None) -> MedicationOrder:
    """A MedicationRequest, or any orderable resource a draft-order Bundle may carry (``medication``: its
    concept when the caller has read it already, see :func:`_add`)."""
    kind = _str(raw.get("resourceType"), "resourceType") or "MedicationRequest"
    if medication is None:
        medication = _medication_concept(raw, sets, _contained(raw, medications), kind)
    instructions = _list(raw.get("dosageInstruction"), "dosageInstruction")
    # the label of a malformed instruction is built only when one is (this runs for every instruction)
    dosages = tuple([_read_dosage(d if type(d) is dict else _obj(d, f"dosageInstruction[{i}]"), sets, first=i == 0)
                     for i, d in enumerate(instructions)])
    # the order's bounds are its first instruction's (a sequenced schedule's steps are laid out below)
    first = dosages[0] if dosages else None
    start, end = (first.bounds_start, first.bounds_end) if first else (None, None)
    authored = parse_date(raw.get("authoredOn") or raw.get("occurrenceDateTime"), f"{kind}.authoredOn")
    start = start or authored
    supply = _obj(raw.get("dispenseRequest"), "dispenseRequest")
    supply_days = _duration_days(supply.get("expectedSupplyDuration"), "expectedSupplyDuration")
    status = read_code(raw.get("status"), kind)
    steps = _steps(dosages, start)
    if steps:  # the order runs from its first step to its last
        start = steps[0].first
        end = steps[-1].last if steps[-1].last is not None or status_meaning(kind, status).current else steps[-1].first
    elif end is None and start is not None and first is not None and first.bounds_days is not None:
        end = _day_after(start, first.bounds_days - 1)
    reason_codes = raw.get("reasonCode")
    reasons = tuple(read_concept(r, "reasonCode", sets) for r in _list(reason_codes, "reasonCode")) \
        if reason_codes is not None else ()
    references = raw.get("reasonReference")
    # positional, as in _read_observation (this runs for every order)
    return MedicationOrder(
        kind,  # resource_type
        _str(raw.get("id"), "id") or "",  # id
        medication,
        status,
        _str(raw.get("intent"), f"{kind}.intent"),  # intent
        authored,
        start,
        end,
        dosages,
        reasons,
        _cited_reasons(references, sets) if references is not None else (),  # cited
        supply_days,
        steps,
        _note_texts(raw.get("note")),  # notes
        _prior_prescription(raw.get("priorPrescription")),  # prior
        raw,
    )


def relative_reference(target: str, kind: str) -> str | None:
    """'Kind/id' from a relative or absolute reference, with or without a _history version; None when it names
    no ``kind``."""
    if f"{kind}/" not in target:
        return None
    return f"{kind}/" + target.rsplit(f"{kind}/", 1)[1].split("/")[0]


def _cited_reasons(raw: Any, sets: ValueSets) -> tuple[CitedReason, ...]:
    """reasonReference, leniently: a reason is context for a rule's judgement, and a malformed one must not cost
    the order its checks; a reference that is neither a string nor an object is left out."""
    cited = []
    for reference in raw if isinstance(raw, list) else ():
        if not isinstance(reference, dict):
            continue
        target, display = reference.get("reference"), reference.get("display")
        condition = None
        if isinstance(target, str):
            condition = (target.removeprefix("urn:uuid:") if target.startswith("urn:uuid:")
                         else (relative_reference(target, "Condition") or "").removeprefix("Condition/") or None)
        cited.append(CitedReason(condition, read_concept({"text": display}, "reasonReference.display", sets)
                                 if isinstance(display, str) and display else None))
    return tuple(cited)


def _identifier(raw: object) -> Identifier | None:
    if not isinstance(raw, dict) or not isinstance(value := raw.get("value"), str) or not value:
        return None
    system = raw.get("system")
    return (system if isinstance(system, str) else None, value)


def _prior_prescription(raw: Any) -> str | None:
    """priorPrescription, leniently: a link the order's checks do not depend on, so a malformed one is no link."""
    target = raw.get("reference") if isinstance(raw, dict) else None
    return relative_reference(target, "MedicationRequest") if isinstance(target, str) else None


def _note_texts(raw: Any) -> tuple[str, ...]:
    """note[].text, leniently: a note is commentary, and a malformed one must not cost the order its checks."""
    if not isinstance(raw, list):  # most orders have none
        return ()
    return tuple(n["text"] for n in raw if isinstance(n, dict) and isinstance(n.get("text"), str) and n["text"])


def _day_after(day: date, days: float) -> date:
    try:
        return day + timedelta(days=max(days, 0))
    except OverflowError as exc:
        raise Malformed("boundsDuration runs past the year 9999") from exc


def _steps(dosages: tuple[Dosage, ...], start: date | None) -> tuple[Step, ...]:
    """A taper written as one order: instructions numbered by ``sequence``, each bounded by its own boundsDuration
    (or boundsPeriod), given one after another from the order's start; a step ends the day before the next one
    starts, and a step of no days is no step. Empty when the instructions are not such a schedule (fewer than two
    sequences, an unnumbered one, a step before the last of unknown length, or steps that go back in time)."""
    if len(dosages) < 2:  # most orders: one instruction is no schedule
        return ()
    by_sequence: dict[int, list[Dosage]] = defaultdict(list)
    for dosage in dosages:
        if dosage.sequence is None:
            return ()
        by_sequence[dosage.sequence].append(dosage)
    if start is None or len(by_sequence) < 2:
        return ()
    numbers = sorted(by_sequence)
    steps: list[Step] = []
    day = start
    for number in numbers:
        instructions = by_sequence[number]
        first = next((d.bounds_start for d in instructions if d.bounds_start is not None), day)
        days = next((d.bounds_days for d in instructions if d.bounds_days is not None), None)
        if steps and first <= steps[-1].first:
            return ()
        if steps and steps[-1].last is not None and steps[-1].last >= first:  # overlapping: the next one takes over
            steps[-1] = Step(steps[-1].sequence, steps[-1].first, first - timedelta(days=1))
        if days is None:
            if number != numbers[-1]:
                return ()
            steps.append(Step(number, first, None))
            break
        if days <= 0:
            continue
        last = _day_after(first, math.ceil(days) - 1)
        steps.append(Step(number, first, last))
        if number != numbers[-1]:
            day = _day_after(last, 1)
    return tuple(steps) if len(steps) > 1 else ()


def _read_immunization(raw: dict[str, Any], vaccine: Concept) -> Immunization:
    return Immunization(
        id=_str(raw.get("id"), "id") or "",
        vaccine=vaccine,
        when=parse_date(raw.get("occurrenceDateTime") or raw.get("recorded"), "Immunization.occurrence"),
        status=read_code(raw.get("status"), "Immunization"),
        dose=read_quantity(raw.get("doseQuantity"), "Immunization.doseQuantity"),
    )


def _read_procedure(raw: dict[str, Any], code: Concept) -> Procedure:
    when = (raw.get("performedDateTime") or _obj(raw.get("performedPeriod"), "performedPeriod").get("start")
            or raw.get("effectiveDateTime") or _obj(raw.get("effectivePeriod"), "effectivePeriod").get("start")
            or raw.get("started") or raw.get("issued") or raw.get("date"))  # Procedure, DiagnosticReport, ImagingStudy
    return Procedure(
        id=_str(raw.get("id"), "id") or "",
        code=code,
        when=parse_date(when, "Procedure.performed"),
        status=read_code(raw.get("status"), raw.get("resourceType", "Procedure")),
    )


# ---------------------------------------------------------------- building the record

def iter_entries(bundle_or_resource: Any) -> Iterator[tuple[Any, Any]]:
    """(fullUrl, resource) of each entry of a Bundle (or of a lone resource). An entry that is no object, or has no
    resource, is yielded as (None, that entry) and (its fullUrl, None): the caller names it as skipped, never drops
    it unseen."""
    if not isinstance(bundle_or_resource, dict):
        return
    if bundle_or_resource.get("resourceType") != "Bundle":
        yield None, bundle_or_resource
        return
    entries = bundle_or_resource.get("entry")
    for entry in entries if isinstance(entries, list) else ():  # where the schema does not hold it to an array
        if type(entry) is dict:
            yield entry.get("fullUrl"), entry.get("resource")
        else:
            yield None, entry


def iter_resources(bundle_or_resource: Any) -> Iterator[Any]:
    """The resources of a Bundle (or a lone resource)."""
    return (resource for _, resource in iter_entries(bundle_or_resource))


def medication_index(bundle_or_resource: Any) -> dict[str, dict[str, Any]]:
    """The Medication resources sent, by every way an order's medicationReference may name them: 'Medication/id'
    and, in a transaction-style bundle, the entry's fullUrl ('urn:uuid:...')."""
    index: dict[str, dict[str, Any]] = {}
    for full_url, resource in iter_entries(bundle_or_resource):
        if isinstance(resource, dict) and resource.get("resourceType") == "Medication":
            _index_medication(index, full_url, resource)
    return index


def _index_medication(index: dict[str, dict[str, Any]], full_url: Any, medication: dict[str, Any]) -> None:
    if isinstance(medication.get("id"), str):
        index[f"Medication/{medication['id']}"] = medication
    if isinstance(full_url, str):
        index[full_url] = medication


def describe(resource: Any) -> str:
    if isinstance(resource, dict):
        return f"{resource.get('resourceType', 'resource')}/{resource.get('id', '?')}"
    if resource is None:
        return "an entry with no resource"
    return f"a {type(resource).__name__} where a resource was expected"


# A reference that names a Patient by id: relative, absolute ('https://ehr/fhir/Patient/12') or versioned
_PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})(?:/_history/[^/]+)?$")


def other_patient(resource: dict[str, Any], patient_id: str | None) -> str | None:
    """The patient ``resource`` says it is about when that is not ``patient_id`` (the hook's context.patientId):
    an EHR that mixes two charts must not have one patient's results read as another's. Only a Patient's id and a
    reference naming a Patient by id are judged: a urn:uuid (a Bundle's own), contained or identifier-only
    reference, or none, says nothing here."""
    if patient_id is None:
        return None
    if resource.get("resourceType") == "Patient":
        found = resource.get("id")
        return f"Patient/{found}" if isinstance(found, str) and found != patient_id else None
    holder = resource.get("subject") or resource.get("patient")  # Immunization names its patient 'patient'
    reference = holder.get("reference") if isinstance(holder, dict) else None
    if not isinstance(reference, str) or reference == f"Patient/{patient_id}":
        return None
    named = _PATIENT_REFERENCE.search(reference)
    return reference if named is not None and named[1] != patient_id else None


def build_record(data: dict[str, Any], sets: ValueSets, today: date, unavailable: Iterable[str] = (),
                 strict: bool = False, patient_id: str | None = None) -> PatientRecord:
    """The record from prefetch-shaped data: ``{"patient": Patient, "conditions": Bundle, ...}``.

    ``strict`` validates every resource with fhir.resources first (slower; for audits and tests). ``patient_id``:
    the hook's patient; a resource about another (:func:`other_patient`) is skipped and named in the warnings.
    """
    record = PatientRecord(today=today, unavailable=set(unavailable))
    medications: dict[str, dict[str, Any]] = {}
    patients: list[tuple[str, dict[str, Any]]] = []
    others: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        for full_url, resource in iter_entries(value):
            kind = resource.get("resourceType") if isinstance(resource, dict) else None
            if not isinstance(kind, str):
                record.warnings.append(f"Skipped {describe(resource)} in '{key}': not a FHIR resource.")
            else:
                if kind == "Medication":  # what orders' medicationReference point to (strict mode validates it too)
                    _index_medication(medications, full_url, resource)
                (patients if kind == "Patient" else others).append((key, resource))
    record.referenced_medications = medications
    for key, resource in patients + others:  # the patient first: its sex picks reference ranges
        if (other := other_patient(resource, patient_id)) is not None:
            record.warnings.append(f"Skipped {describe(resource)} in '{key}': it is about {other}, not the patient "
                                   f"in context (Patient/{patient_id}).")
            continue
        try:
            if strict:
                validate_strictly(resource)
            _add(record, resource, sets, medications)
        except Malformed as exc:
            record.warnings.append(f"Skipped {describe(resource)} in '{key}': {exc}.")
    record.conditions.sort(key=_start_day)
    record.medications.sort(key=_start_day)
    record.immunizations.sort(key=_day)
    record.procedures.sort(key=_day)
    record.observations.sort(key=_day)
    record.warnings += _code_warnings(record)
    return record


# The coded concept that places an item of each record list in value-set groups
_CONCEPT_OF: dict[str, Callable[[Any], Concept]] = {
    "conditions": attrgetter("code"), "observations": attrgetter("code"), "medications": attrgetter("medication"),
    "immunizations": attrgetter("vaccine"), "procedures": attrgetter("code")}


# What each list is sorted by: its items' date, undated ones first (one attribute per class: a getattr with a
# default on an attribute a class lacks costs an exception each time)
def _day(item: Observation | Immunization | Procedure) -> date:
    return item.when or date.min


def _start_day(item: Condition | MedicationOrder) -> date:
    return item.start or date.min


def _add(record: PatientRecord, resource: dict[str, Any], sets: ValueSets,
         medications: dict[str, dict[str, Any]]) -> None:
    """Read one resource into the record. The code is read (and type-checked) first: a resource whose code
    belongs to no value set is read by no rule, so it is dropped before the rest of it is parsed."""
    kind = resource["resourceType"]
    if kind == "Patient":
        record.patient = _read_patient(resource)
        _note_code(record, resource, "gender", resource.get("gender"))
    elif kind == "Condition":
        code = read_concept(resource.get("code"), "Condition.code", sets)
        if code.matches:
            clinical = _status_code(resource, "clinicalStatus")
            verification = _status_code(resource, "verificationStatus")
            record.conditions.append(_read_condition(resource, code, clinical, verification))
            _note_code(record, resource, "clinicalStatus", clinical)
            _note_code(record, resource, "verificationStatus", verification)
    elif kind == "Observation":
        code = read_concept(resource.get("code"), "Observation.code", sets, exact_system=LOINC)
        if code.matches:
            observation = _read_observation(resource, sets, code, record.patient.sex if record.patient else None)
            if observation.status not in ("entered-in-error", "cancelled"):
                record.observations.append(observation)
                # the usual code, checked without the call; by now a string or None (read_code refused the rest)
                if (written := resource.get("status")) not in _OBSERVATION_STATUSES:
                    _note_code(record, resource, "status", written, required=True)
    elif kind == "MedicationRequest":
        medication = _medication_concept(resource, sets, _contained(resource, medications), "MedicationRequest")
        if not medication.matches and not medication.codings and not medication.text:
            reference = resource.get("medicationReference")
            target = reference.get("reference") if isinstance(reference, dict) else None
            if target:  # silence here would hide a statin or methotrexate the chart does hold
                record.warnings.append(f"{describe(resource)}: its medication {target} was not sent with the chart, "
                                       "so the drug is unknown and no rule read it.")
        if medication.matches:
            order = read_order(resource, sets, medications, medication)
            record.medications.append(order)
            _note_code(record, resource, "status", resource.get("status"), required=True)
            if order.medication.matched_by_name:
                record.warnings.append(f"{order.reference} ({order.label}) was recognised by name, not by code.")
    elif kind == "Immunization":
        vaccine = read_concept(resource.get("vaccineCode"), "Immunization.vaccineCode", sets)
        if vaccine.matches:
            record.immunizations.append(_read_immunization(resource, vaccine))
            _note_code(record, resource, "status", resource.get("status"), required=True)
    elif kind in ("Procedure", "DiagnosticReport", "ImagingStudy"):
        if kind == "ImagingStudy":  # no 'code': what was done is its procedureCode
            codes = _list(resource.get("procedureCode"), "ImagingStudy.procedureCode")
            code = read_concept(codes[0] if codes else None, "ImagingStudy.procedureCode", sets)
        else:
            code = read_concept(resource.get("code"), f"{kind}.code", sets)
        if code.matches:
            record.procedures.append(_read_procedure(resource, code))
            _note_code(record, resource, "status", resource.get("status"), required=True)


def validate_strictly(resource: dict[str, Any]) -> None:
    """Full FHIR validation with the fhir.resources R4B models."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (KeyError, ValueError, ValidationError) as exc:
        raise Malformed(f"not valid FHIR R4 ({str(exc).splitlines()[0]})") from exc
