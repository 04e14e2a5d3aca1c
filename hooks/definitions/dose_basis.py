"""Which draft orders need a body weight or a BSA, and how much drug a draft gives (section 4.2).

R33 (dosing weight missing) and the dose checks R06, R07, R09 and R32 read drafts through this module, so they
agree on which orders are weight- or BSA-based and on the dose an order gives. A dose is taken from the
structured ``doseAndRate``/``timing`` first, else from ``dosageInstruction.text``, read only in the plain forms
listed in :func:`read_text` ("60 mg PO every morning", "15 mg once weekly", "20 tablets (50 mg) weekly"). A plain
sig that gives another dose than the structured fields is read too: the higher of the two is checked and both are
named (:func:`read_instruction`). Anything else (ranges, tapers, amounts that disagree) is reported as unreadable
rather than guessed at. The weekdays a sig gives
its doses on are read here too (:func:`weekdays_named`, R08's reading, which hooks.definitions.continuing shares), and
how long a draft course runs, its count and bounds read by courses.dose_run, the one timing reader
(:func:`draft_course_length`). An action that cancels or stops an order names it with its dose as ordered here
(:func:`named_with_dose`), so that a product name ('prednisone 20 MG Oral Tablet') is not read as the dose.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import courses
from hooks.definitions import weight as body
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.immunosuppression import is_co_trimoxazole
from hooks.definitions.routes import is_local_order
from hooks.definitions.steroids import GROUP, is_intramuscular, is_intravenous, is_iv_methylprednisolone
from hooks.definitions.treatment_duration import is_cyclic_ivig
from hooks.record import Dosage, MedicationOrder, PatientRecord, Quantity, Timing, unread_newer
from hooks.units import DAYS_PER_UNIT, GREEK_MU, MICRO_SIGN, convert, to_days

ORAL_STEROIDS = ("prednisone", "prednisolone")
# Drugs whose dose check needs a weight even when written in mg (R06, R07, R12, R27, R32).
_WEIGHT_CHECKED_GROUPS = {"ivig": "IVIG is dosed per kg (R27)", "azathioprine": "azathioprine target is mg/kg (R12)"}


def written_per_kg(dosage: Dosage | None) -> bool:
    return dosing.unit_key(dosage.dose if dosage else None) in dosing.PER_KG_UNITS


def written_per_m2(dosage: Dosage | None) -> bool:
    return dosing.unit_key(dosage.dose if dosage else None) in dosing.PER_M2_UNITS


def oral_steroid(order: MedicationOrder) -> str | None:
    """'prednisone' or 'prednisolone' for a draft of either by mouth, else None: not IV, not IM, and not a local
    form (prednisolone eye drops, hooks.definitions.routes), which gives no systemic dose to check or weigh for."""
    ingredient = order.medication.concept_in(GROUP)
    if ingredient not in ORAL_STEROIDS or is_intravenous(order) or is_intramuscular(order) or is_local_order(order):
        return None
    return ingredient


def oral_steroid_label(orders: Iterable[MedicationOrder]) -> str:
    """The oral glucocorticoids of ``orders`` as a card names them together: 'Prednisone', 'Prednisolone/prednisone'."""
    return "/".join(sorted({oral_steroid(order) or "prednisone" for order in orders})).capitalize()


# Why the dose checks pass over :func:`local_steroids`, as their explanations say it
LOCAL_FORMS_NO_DOSE = "eye drops and other local forms are no systemic dose"


def local_steroids(orders: Iterable[MedicationOrder]) -> list[MedicationOrder]:
    """The prednisone or prednisolone orders in a local form (eye drops, a cream: hooks.definitions.routes), which
    :func:`oral_steroid` leaves out: R06 and R32 name them as left out, never as a dose they could not read."""
    return [o for o in orders
            if o.medication.concept_in(GROUP) in ORAL_STEROIDS and is_local_order(o)]


# ---------------------------------------------------------------- which drafts need a weight or a BSA

@dataclass(frozen=True, slots=True)
class Need:
    """A draft that cannot be dose-checked without a current weight (and, for BSA, a current height)."""

    order: MedicationOrder
    weight: bool
    height: bool
    why: str


def need(order: MedicationOrder, paediatric: bool) -> Need | None:
    """Why ``order`` needs a weight/BSA, or None. Written per m2 (or paediatric MTX) needs both."""
    dosages = order.dosages or ()
    text_unit = ""
    if dosages and dosages[0].dose is None and dosages[0].text:
        parsed = read_text(dosages[0].text)
        text_unit = dosing.unit_key(parsed.dose) if parsed else ""
    per_m2 = any(written_per_m2(d) for d in dosages) or text_unit in dosing.PER_M2_UNITS
    per_kg = any(written_per_kg(d) for d in dosages) or text_unit in dosing.PER_KG_UNITS
    if per_m2:
        return Need(order, True, True, "dose written per m2 (BSA)")
    if paediatric and order.in_group("methotrexate"):
        return Need(order, True, True, "paediatric methotrexate is checked per m2 (R32)")
    if per_kg:
        return Need(order, True, False, "dose written per kg")
    if is_iv_methylprednisolone(order) and paediatric:  # an adult pulse in mg is a fixed dose, capped at 1 g
        return Need(order, True, False, "a child's IV methylprednisolone is checked per kg (R07)")
    if oral_steroid(order):
        return Need(order, True, False, "prednis(ol)one is checked per kg (" + ("R32)" if paediatric else "R06)"))
    for group, why in _WEIGHT_CHECKED_GROUPS.items():
        if order.in_group(group):
            return Need(order, True, False, why)
    return None


def needs(record: PatientRecord, context: HookContext) -> list[Need]:
    """Every draft order in the hook call that needs a weight (or a BSA) to be dose-checked."""
    paediatric = is_paediatric(record, context)
    return [n for o in context.draft_orders if (n := need(o, paediatric)) is not None]


# ---------------------------------------------------------------- reading dosageInstruction.text

@dataclass(frozen=True, slots=True)
class TextDose:
    """What :func:`read_text` reads from a sig, immutable (it is cached): a dose, a frequency, a number of days;
    the tablets a sig counts beside its dose in mg ('20 tablets (50 mg)'), and the strength it names its tablets by
    ('1 DS tablet': 'ds', :data:`hooks.dosing.CO_TRIMOXAZOLE_TABLETS`), for the reader that knows the product to
    check them against (:func:`read_dose`)."""

    dose: Quantity | None
    frequency: TextFrequency | None
    days: int | None
    tablets: Quantity | None = None
    tablet_strength: str | None = None

    @property
    def timing(self) -> Timing | None:
        return self.frequency.timing() if self.frequency is not None else None


# A number: "2,000" (thousands), "27,5" (a decimal comma), "37.5"; a comma that is neither leaves no number, so the
# sig is not read (never "2,000 mg" as 0 mg).
_THOUSANDS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)"
_THOUSANDS_NUMBER = re.compile(_THOUSANDS)
_DECIMAL_COMMA = r"\d+,\d{1,2}(?!\d)"
# The units a sig's amount may be in: every per-kg and per-m2 spelling hooks.dosing reads (0.75 g/m2, 15000 mcg/kg,
# 2 mg/kg/day; its one table of them, so that a sig reads as the structured dose does), its plain mass units, and
# words for grams and tablets; longest first, so that 'mg/kg/day' is not read as 'mg/kg' or 'mg', each written with
# any spaces around its '/' and a Greek mu or the micro sign
_TEXT_UNITS = {"gram": "g", "grams": "g", "tablet": "{tbl}", "tablets": "{tbl}", "tab": "{tbl}", "tabs": "{tbl}"}
_UNIT_SPELLINGS = "|".join(
    re.escape(unit).replace("/", r"\s*/\s*").replace(MICRO_SIGN, f"[{MICRO_SIGN}{GREEK_MU}]")
    for unit in sorted({*dosing.PER_BODY_UNITS, *dosing.MASS_UNITS, *_TEXT_UNITS}, key=lambda u: (-len(u), u)))
_AMOUNT = re.compile(rf"(?<![\d.,])({_THOUSANDS}|{_DECIMAL_COMMA}|\d+(?:\.\d+)?)\s*({_UNIT_SPELLINGS})(?![a-z0-9])",
                     re.I)
# A tablet named by its strength ('1 DS tablet', '2 single-strength tabs'): the word goes, the count is the dose
_TABLET_STRENGTH = re.compile(r"(?<=\d)(\s+)(\w+(?:[\s-]+strength)?)\s+(?=tab)", re.I)
_RANGE = re.compile(r"\d\s*(?:-|–|to)\s*\d", re.I)
_MULTI_STEP = re.compile(r"\b(then|taper|reduce|decrease|increase|titrate|followed|alternat\w*|sliding)\b", re.I)
_TIMES = re.compile(r"\d\s*[x×*]\s*\d", re.I)
_DAYS = re.compile(r"(?:x|×|for)\s*(\d+)\s*(?:days?|d)\b", re.I)
# Numbers a plain sig may hold besides its one amount: an infusion time, a clock time, numbered days of a course
_BENIGN_NUMBERS = re.compile(r"\bover\s+\d+(?:\.\d+)?\s*(?:hours?|hrs?|h|minutes?|mins?)\b|"
                             r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b|"
                             r"\bdays?\s+\d+(?:\s*(?:,|and|&)\s*\d+)*\b", re.I)
# Any other count ("2.5 mg tablet: take 16", "2 000 mg") means the one amount found is not the dose
_STRAY_COUNT = re.compile(r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|half|double)\b", re.I)


@dataclass(frozen=True, slots=True)
class TextFrequency:
    """A frequency read from free text: ``frequency`` times every ``period`` ``unit`` (UCUM h, d, wk or mo)."""

    frequency: int
    period: int
    unit: str
    phrase: str  # as written, for the card

    @property
    def per_day(self) -> float:
        return self.frequency / (self.period * DAYS_PER_UNIT[self.unit])

    def timing(self) -> Timing:
        return Timing(frequency=self.frequency, period=self.period, period_unit=self.unit)


# The one reader of free-text frequencies (read_text for the dose checks, text_frequency for R08 and R11): general
# patterns for a count per period, "every N <unit>" and "qN<unit>", then named phrases, then named weekdays. They
# are tried in this order and a matched phrase is not read again, so "2 times a day" is not also "a day".
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "once": 1, "twice": 2, "thrice": 3,
            "other": 2, "second": 2, "third": 3}
_N = r"(\d+|one|two|three|four|five|six)"
_UNITS = {"h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h", "d": "d", "day": "d", "days": "d",
          "daily": "d", "w": "wk", "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk", "weekly": "wk",
          "month": "mo", "months": "mo", "monthly": "mo"}
# (pattern, whether its count is administrations per period rather than periods between administrations)
_COUNTED: tuple[tuple[re.Pattern[str], bool], ...] = (
    # "2 times a day", "three times weekly", "twice-daily", "3x/week", "once a month"
    (re.compile(rf"\b(?:{_N}\s*(?:times?|x)|(once|twice|thrice))[\s-]*(?:(?:a|an|per|each|every)\s+|/\s*)?"
                r"(day|daily|week|weekly|month|monthly)\b"), True),
    # "every 4 hours", "every 2 weeks", "every other day", "every day", "each week"
    (re.compile(rf"\b(?:every|each)\s+(?:{_N}|(other|second|third))?\s*(hours?|hrs?|h|days?|d|weeks?|wks?|"
                r"months?)\b"), False),
    (re.compile(r"\bq\s*(\d+)()\s*(hours?|hrs?|h|days?|d|weeks?|wks?|w)\b"), False),  # q4h, q 12 h, q7d, q2wk
)
_NAMED: tuple[tuple[re.Pattern[str], int, int, str], ...] = tuple((re.compile(p), f, n, u) for p, f, n, u in (
    (r"\b(?:in the |every )?morning and (?:in the |every |at )?(?:evening|night|bedtime)\b", 2, 1, "d"),
    (r"(?<![\w.])(?:qid|q\.i\.d\.?|qds)(?!\w)", 4, 1, "d"),
    (r"(?<![\w.])(?:tid|t\.i\.d\.?|tds)(?!\w)", 3, 1, "d"),
    (r"(?<![\w.])(?:bid|b\.i\.d\.?|bd)(?!\w)", 2, 1, "d"),
    (r"(?<![\w.])(?:qod|q\.o\.d\.?|alternate days?)(?!\w)", 1, 2, "d"),
    (r"\btiw\b", 3, 1, "wk"),
    (r"\bbiw\b", 2, 1, "wk"),
    (r"\bhourly\b", 1, 1, "h"),
    (r"\bfortnightly\b", 1, 2, "wk"),
    (r"(?<![\w.])(?:daily|everyday|a day|per day|qd|q\.d\.?|od|qam|qpm|qhs|mane|nocte|nightly|at night|"
     r"at bedtime|(?:in the|each|every) (?:morning|evening|night))(?!\w)|/\s*day\b", 1, 1, "d"),
    (r"\b(?:weekly|a week|per week|qw|q ?wk|q ?week)\b|/\s*(?:week|wk)\b", 1, 1, "wk"),
    (r"\b(?:monthly|a month|per month)\b", 1, 1, "mo"),
))

# A weekday as a whole word: its name or an abbreviation, each with a plural 's' ('mondays', 'sats', 'tues', 'weds'),
# except 'thu': Thursdays are written 'thurs', and 'thu' + 's' is the word 'thus' ('once weekly on Monday, thus 15 mg
# a week' named Monday and Thursday).
_WEEKDAY_NAMES = "monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thur|fri"


def weekday_pattern(*, weekend_abbreviations: bool = True, plural: bool = False) -> str:
    """The one pattern of a weekday's name or abbreviation as a whole word, in lower case ('monday', 'thursdays',
    'tues', 'thurs'; never inside a word, 'wedding', 'month', nor 'thus'), as a group that captures nothing. With
    ``plural`` only its plural spellings ('on Mondays' gives every Monday, 'on Monday' may be one day).
    ``weekend_abbreviations=False`` leaves out 'sat' and 'sun', ordinary words in a sig ('avoid the sun') where a
    weekday is named with no phrase that schedules it (:func:`weekdays_named`)."""
    names = f"{_WEEKDAY_NAMES}{'|sat|sun' if weekend_abbreviations else ''}"
    return rf"\b(?:(?:{names})s)\b" if plural else rf"\b(?:(?:{names})s?|thu)\b"


# Named weekdays give one administration on each: "every Friday", "on Mondays and Thursdays", "on Monday only".
_WEEKDAY = weekday_pattern()
_WEEKDAYS = weekday_pattern(plural=True)
# A weekday in any spelling, the weekend's abbreviations too
_ANY_WEEKDAY = re.compile(_WEEKDAY, re.I)
# A list's head word, which may come again after a join ('every Monday and on Thursday')
_HEAD = r"(?:(?:on|every|each)\s+)?"


def _weekday_list(joins: str) -> str:
    """Two or more weekdays joined as a list, whatever their spelling ('Tue & Sat', 'Mondays and Thursday'): by one
    of ``joins`` ('and', '&', '/'), a comma, or a comma and a join (', and'), an abbreviation's full stop before it
    ('Mon., Thu.') and the list's head word again after it allowed. A comma also ends a clause, so it joins only
    when the weekdays after it end theirs (at a clause break, the text's end, 'only' or an amount: 'every Monday,
    Thursday', 'Mon, Thu 7.5 mg'): 'every Monday, Thursday blood test' and 'on Monday, sun protection' are no list."""
    joined = rf"\.?\s*(?:{joins})\s*{_HEAD}"
    ends_its_clause = rf"{_HEAD}{_WEEKDAY}(?:{joined}{_WEEKDAY})*\.?\s*(?:$|[;,)\n]|\.(?:\s|$)|\bonly\b|\d)"
    comma = rf"\.?\s*,\s*(?:(?:{joins})\s*)?(?={ends_its_clause}){_HEAD}"
    return rf"{_WEEKDAY}(?:(?:{joined}|{comma}){_WEEKDAY})+"


# A list of the days a dose is given on: 'or' gives one of them ('on Monday or Tuesday' is once weekly)
_WEEKDAY_LIST = _weekday_list(r"\band\b|&|/")
# A weekday phrase: 'every' or 'each' and one or more weekdays; 'on' and a list of them, one plural ('on Mondays'), or
# one followed by 'only'. 'On' and one weekday alone ('start on Monday') may be one day: it schedules nothing.
_ON_WEEKDAYS = re.compile(rf"\b(?:(?:every|each)\s+(?:{_WEEKDAY_LIST}|{_WEEKDAY})|"
                          rf"on\s+(?:{_WEEKDAY_LIST}|{_WEEKDAYS}|{_WEEKDAY}(?=\s+only\b))(?:\s+only\b)?)")

# A clause runs to the next clause break (a ';', ',', '.' or line end followed by a space), a list of weekdays whole:
# the commas of 'do not take on Tuesday, Wednesday, ... Saturday or Sunday' are no break, so a negation reaches the
# end of its list
_BREAK = r"[;\n.,]+(?:\s|$)"
_CLAUSE_LIST = _weekday_list(r"\band\b|\bor\b|&|/")
_CLAUSE_BODY = rf"(?:{_CLAUSE_LIST}|(?!{_BREAK}).)"
_CLAUSE = re.compile(rf"{_CLAUSE_BODY}+", re.I | re.S)
_FOLATE = r"(?:folic acid|folic|folate|folinic acid|leucovorin)\b"
# A clause about something other than giving the drug, led by a word that says so (after the clause's weekdays, if
# any), up to where it gives the drug ('take', 'give', an amount) or its bracket closes: the weekdays it names are no
# dose days ('avoid alcohol on Saturday and Sunday', 'clinic on Tuesday and Friday', 'Thursday blood test', 'Sat/Sun
# no dose', 'Friday: folic acid'; 'avoid alcohol and take 15 mg on Monday and Thursday' still gives two)
_NOT_DOSING = (rf"(?:avoid|clinic|appointments?|review|labs?|bloods?|monitor\w*|no doses?|"
               rf"(?:do not|don't|never)(?:\s+take)?|{_FOLATE})\b")
_NO_DOSE_DAYS = re.compile(rf"(?:^|(?<=[;\n.,(]))\s*(?:(?:{_CLAUSE_LIST}|{_WEEKDAY})\s*:?\s*)?{_NOT_DOSING}"
                           rf"(?:(?!\b(?:take|give)\b|{_AMOUNT.pattern}|\)){_CLAUSE_BODY})*", re.I | re.S)


def _dose_day_text(text: str) -> str:
    """The text without the clauses about something other than giving the drug (:data:`_NO_DOSE_DAYS`), in lower
    case: where its weekdays are read."""
    return _NO_DOSE_DAYS.sub(" ; ", text.lower())


def _weekday_phrases(text: str) -> list[str]:
    """The text's weekday phrases ('every Monday', 'on Tue & Sat'), in lower case, outside the clauses about
    something other than giving the drug."""
    return [m.group(0) for m in _ON_WEEKDAYS.finditer(_dose_day_text(text))]


def _weekday_codes(text: str) -> list[str]:
    """The weekday codes ('mon', 'thu') the text names, each once, in order."""
    return list(dict.fromkeys(day[:3].lower() for day in _ANY_WEEKDAY.findall(text)))


def _frequencies(text: str) -> list[TextFrequency]:
    """Every frequency the text names, each phrase read once."""
    rest = text.lower()
    found: list[TextFrequency] = []
    for counted, per_period in _COUNTED:
        for match in counted.finditer(rest):
            count, word, unit = match.groups()
            n = int(count) if count and count.isdigit() else _NUMBERS.get(count or word or "one", 1)
            if n > 0:
                found.append(TextFrequency(n, 1, _UNITS[unit], match.group(0)) if per_period
                             else TextFrequency(1, n, _UNITS[unit], match.group(0)))
        rest = counted.sub(" ", rest)
    for named, frequency, period, unit in _NAMED:
        found += [TextFrequency(frequency, period, unit, m.group(0).strip()) for m in named.finditer(rest)]
        rest = named.sub(" ", rest)
    weekdays = [TextFrequency(len(_weekday_codes(phrase)), 1, "wk", phrase) for phrase in _weekday_phrases(rest)]
    # The days of a weekly (or longer) schedule with one dose on each ("every 2 weeks on Mondays") are not a
    # second frequency; "daily every Monday" or "weekly on Mondays and Thursdays" are.
    return found + [w for w in weekdays if not any(f.period * DAYS_PER_UNIT[f.unit] >= 7
                                                   and f.frequency == w.frequency for f in found)]


def scheduled_weekdays(text: str) -> list[str]:
    """The weekdays of the text's weekday phrases ('every Monday', 'on Mondays', 'on Monday only'), in order: the
    days the frequency above counts, not a weekday named otherwise ('if missed, take it on Tuesday')."""
    return _weekday_codes(" ".join(_weekday_phrases(text)))


# R08's reading of the days an instruction gives its doses on, which continuing's rewrite test shares: the sig
# without its folate instructions and negations (:func:`text_clauses`), then its weekdays (:func:`weekdays_named`).

# A weekday named with no phrase that schedules it: full names and the abbreviations that are no ordinary word; 'sat'
# and 'sun' (ordinary words: 'avoid the sun', 'O2 sats') only in a list of weekdays ('tues & sats', 'Mon/Sun')
_WEEKDAY_WORDS = re.compile(rf"{_WEEKDAY_LIST}|{weekday_pattern(weekend_abbreviations=False)}", re.I)
# An instruction about the folate itself, to the end of its clause: one that starts with it, is joined on by "and",
# "plus", "then" or "+", or is in brackets ("folic acid 1 mg daily", "(folate on the other days)").
_FOLATE_INSTRUCTION = re.compile(rf"(?:^\s*|\b(?:and|plus|also|then)\s+|\+\s*)(?:(?:take|give|also)\s+)*{_FOLATE}.*|"
                                 rf"\([^)]*{_FOLATE}[^)]*\)", re.I)
# "with folic acid (1 mg ...)" inside a methotrexate clause: only the folate and its own dose go.
_WITH_FOLATE = re.compile(rf"\bwith\s+{_FOLATE}(?:\s*\d+(?:\.\d+)?\s*mg\b.*)?", re.I)
# A negation in brackets, or from the negating word to the end of its clause.
_NEGATED = re.compile(r"\([^)]*\b(?:do not|don't|never|not)\b[^)]*\)|\b(?:do not|don't|never|not)\b.*", re.I)


@functools.lru_cache(maxsize=1024)  # a sig is read by R08 and by the rewrite test in one call
def text_clauses(text: str | None) -> str:
    """The instruction text without what it says about folic acid (daily by design) or what it negates ("do not
    take daily", the ISMP-recommended warning), which say nothing about how often the drug is given. Only the
    folate instruction and the negated words go: "daily with folic acid" and "every day (do not take with alcohol)"
    still say daily. A clause ends at a clause break, not inside a list of weekdays (:data:`_CLAUSE`)."""
    clauses = (_NEGATED.sub(" ", _WITH_FOLATE.sub(" ", _FOLATE_INSTRUCTION.sub(" ", c.group(0).strip())))
               for c in _CLAUSE.finditer(text or ""))
    return " ; ".join(c for c in clauses if c.strip())


def names_a_weekday(text: str | None) -> bool:
    """The text names a weekday anywhere, in any spelling ('Sat', '(Sun)', 'thurs'), scheduling it or not: a sig
    that does cannot be taken to name none (hooks.definitions.continuing)."""
    return bool(_ANY_WEEKDAY.search(text or ""))


def scheduled_days(timing: Timing, clauses: str) -> list[str]:
    """The weekdays ('mon', 'thu') an instruction schedules its doses on, in order: its timing's dayOfWeek and its
    text's weekday phrases ('every Monday', 'on Mondays': :func:`scheduled_weekdays`). ``clauses``: its text
    through :func:`text_clauses`."""
    return list(dict.fromkeys([*(d for d in timing.days_of_week if d), *scheduled_weekdays(clauses)]))


def weekdays_named(timing: Timing, clauses: str) -> list[str]:
    """The weekdays ('mon', 'thu') an instruction gives its doses on, in order: those it schedules
    (:func:`scheduled_days`); with none, a weekday its text names ('15 mg once weekly on Monday'). ``clauses``: its
    text through :func:`text_clauses`. R08's reading, shared by continuing's rewrite test."""
    return (scheduled_days(timing, clauses)
            or _weekday_codes(" ".join(m.group(0) for m in _WEEKDAY_WORDS.finditer(_dose_day_text(clauses)))))


def dose_days(dosage: Dosage, clauses: str) -> float | None:
    """Days with a dose, a day (:func:`hooks.dosing.dose_days_per_day`: a dose split over the times of one day is
    one day), from the timing, else the text (``clauses``: :func:`text_clauses`); None when neither says. R08's
    reading, shared by continuing's rewrite test."""
    per_day = dosing.dose_days_per_day(dosage.timing)
    if per_day is None and clauses and (found := text_frequency(clauses)) is not None:
        per_day = found.per_day
    return per_day


@functools.lru_cache(maxsize=1024)  # a sig is read for its dose and for its course's days, by several rules
def read_text(text: str | None) -> TextDose | None:
    """A dose, a frequency and a number of days from a plain free-text sig; None when it is not plain.

    Plain means one amount, at most one frequency, no range, taper or titration, and no other count (a tablet
    count or a split number would make the amount found not the dose). The one other amount allowed is a count of
    tablets beside a dose in mass units ('20 tablets (50 mg)', '15 mg (6 tablets)'): the dose is the mass, the
    tablets kept for :func:`read_dose` to check against the product's strength. "Weekly" wins over a "day" that
    only names the weekday ("15 mg once weekly on Monday").
    """
    if not text:
        return None
    lowered, tablet_strength = _without_tablet_strength(text.lower())
    rest = _DAYS.sub(" ", lowered)
    if _RANGE.search(rest) or _TIMES.search(rest) or _MULTI_STEP.search(lowered):
        return None
    amounts = [_text_quantity(value, unit) for value, unit in _AMOUNT.findall(lowered)]
    tablets = next((a for a in amounts if a.unit == "{tbl}"), None) if len(amounts) == 2 else None
    if tablets is not None and any(a.unit in dosing.MASS_UNITS for a in amounts):
        amounts = [a for a in amounts if a is not tablets]
    if len(amounts) != 1:
        return None
    found = _frequencies(rest)
    if len({round(f.per_day, 9) for f in found}) > 1:
        return None
    leftover = _BENIGN_NUMBERS.sub(" ", _AMOUNT.sub(" ", rest))
    for frequency in found:
        leftover = leftover.replace(frequency.phrase, " ")
    if _STRAY_COUNT.search(leftover):
        return None
    days = _DAYS.search(lowered)
    return TextDose(amounts[0], found[0] if found else None, int(days.group(1)) if days else None, tablets,
                    tablet_strength)


def _text_quantity(value: str, unit: str) -> Quantity:
    """An amount as a sig writes it, read as the structured reader reads a dose: '2,000 mg', '27,5 mg', '0.75 g /
    m2' ('g/m2'), '6 tablets' ('{tbl}')."""
    value = value.replace(",", "") if _THOUSANDS_NUMBER.fullmatch(value) else value.replace(",", ".")
    unit = dosing.unit_key(Quantity(0.0, unit))  # as the structured reader spells it: 'g / m2' is 'g/m2'
    return Quantity(float(value), _TEXT_UNITS.get(unit, unit))


def _without_tablet_strength(text: str) -> tuple[str, str | None]:
    """The sig without the strength word of its tablets ('1 DS tablet' is '1 tablet'), and that strength ('ds',
    'ss': hooks.dosing.strength_word); the sig as it is where it names its tablets by no strength word."""
    found = _TABLET_STRENGTH.search(text)
    word = dosing.strength_word(found.group(2)) if found else None
    if found is None or word is None:
        return text, None
    return text[: found.start()] + found.group(1) + text[found.end():], word


@functools.lru_cache(maxsize=1024)  # a sig is read by R08, R11 and the rewrite test in one call, some more than once
def text_frequency(text: str) -> TextFrequency | None:
    """The frequency free text gives; None if it names none. Of two different ones the most frequent is kept:
    "twice weekly" must not pass as "weekly", and "daily ... once weekly" as weekly (the dangerous reading wins)."""
    return max(_frequencies(text), key=lambda f: f.per_day, default=None)


# ---------------------------------------------------------------- how much a draft gives

# What a card says of an order whose dose could not be read, where it says how each order is given
DOSE_NOT_READ = "dose not read"


@dataclass(frozen=True, slots=True)
class DraftDose:
    """The dose one draft gives, as written and in mg, with what could not be worked out."""

    order: MedicationOrder
    written: Quantity | None  # as ordered: 60 mg, 1.5 mg/kg, 15 mg/m2, 2 {tbl}
    per_day: float | None  # administrations a day (1/7 for once weekly)
    mg: float | None  # mg per administration (None if it needs a weight/BSA that is missing)
    daily: float | None  # mg per day, averaged (concurrent dosage instructions added up)
    from_text: bool = False
    problem: str | None = None  # why the dose could not be read at all
    days_per_day: float | None = None  # days with a dose, a day (several times on one day are one day)
    kg_daily: float | None = None  # mg/kg/day of the instructions written per kg, added up as ``daily`` is
    kg_part_only: bool = False  # other instructions are in mg: ``kg_daily`` is the least the order gives
    # ``problem`` is only that the unit is not converted to mg ('1 {tbl}' of a combination tablet): the dose as
    # ordered is read
    read_as_written: bool = False
    # where the sig and the structured fields give different doses: which one is read (the higher), and the other
    disagreement: Disagreement | None = None

    @property
    def weekly(self) -> float | None:
        return None if self.daily is None else self.daily * 7

    @property
    def per_kg(self) -> bool:
        return dosing.unit_key(self.written) in dosing.PER_KG_UNITS

    @property
    def per_m2(self) -> bool:
        return dosing.unit_key(self.written) in dosing.PER_M2_UNITS

    @property
    def dose_days(self) -> float | None:
        """Days with a dose, a day (1/7 once weekly, 1/14 every 2 weeks): a split dose on one day is one day."""
        return self.days_per_day if self.days_per_day is not None else self.per_day

    @property
    def once_weekly(self) -> bool:
        """Given on one day a week (a split dose on that day included)."""
        days = self.dose_days
        return days is not None and abs(days * 7 - 1) < 1e-6

    @property
    def weekly_or_less(self) -> bool:
        """Given on one day a week or less often (every 2 weeks, every 10 days, monthly)."""
        days = self.dose_days
        return days is not None and days * 7 <= 1 + 1e-6

    @property
    def dose_day_mg(self) -> float | None:
        """mg given on a day it is given, every dose of that day added up: for once weekly, the weekly dose."""
        days = self.dose_days
        return None if self.daily is None or not days else self.daily / days

    @property
    def week_mg(self) -> float | None:
        """What the weekly limits judge: the weekly dose, or for a schedule less often than weekly the dose given
        at once (100 mg every 2 weeks is 100 mg, not 50 mg a week)."""
        return self.dose_day_mg if self.weekly_or_less and self.dose_day_mg is not None else self.weekly

    def written_per_m2_week(self) -> float | None:
        if self.written is None or self.per_day is None:
            return None
        m2_day = dosing.mg_per_body_day(self.written, self.per_day, "m2")  # mg/m2, g/m2, mcg/m2...
        return None if m2_day is None else m2_day * 7

    def describe(self, *, briefly: bool = False) -> str:
        """'60 mg once a day' / '1.5 mg/kg once a day' as ordered, for the card. ``briefly``, as an order's name
        gives it (:func:`named_with_dose`): a frequency not read and a dose read from the sig said in a few words
        after a comma, not in brackets inside its brackets. A cyclic IVIG order is named by its cycle
        (:func:`_cycle_words`), a dose in a unit that carries its own time by its doses in that time
        (:func:`_split_words`), and a single administration as given once."""
        if self.written is None:
            return "dose not given"
        amount = self._amount()
        how = _cycle_words(self.order, amount) or self._how_often(amount, briefly=briefly)
        if self.disagreement is not None:
            return how + self.disagreement.words(briefly=briefly)
        if briefly:
            return how + (", read from the free-text sig" if self.from_text else "")
        return how + (" (read from the free-text sig)" if self.from_text else "")

    def _amount(self) -> str:
        """The amount as written: '60 mg', '1.5 mg/kg', '3 tablet(s) (= 60 mg)'."""
        assert self.written is not None
        return _amount_words(self.written, self.mg)

    def _how_often(self, amount: str, *, briefly: bool) -> str:
        """``amount`` with how often it is given: once, for a single administration (a count of 1, or a one-day
        course given at most once a day; on its day where its bounds give one); split in doses where its unit carries
        a time; else at its frequency, or with why none is read."""
        dosage = next(iter(dosing.dose_instructions(self.order)), None)
        length = _instruction_length(self.order, dosage, None) if dosage is not None else None
        if dosage is not None and (dosage.timing.count == 1 or (
                length == 1 and self.per_day is not None and self.per_day <= 1)):
            return f"{amount} once" + (f", on {dosage.bounds_start.isoformat()}" if dosage.bounds_start else "")
        how = _frequency_words(self.per_day, times_a_week=briefly)
        if self.per_day is None or how is None:
            return f"{amount}, {_frequency_unread(self.order)}" if briefly else (
                f"{amount} ({dosing.why_no_frequency(self.order)})")
        given = _split_words(amount, self.written, self.per_day, how) or f"{amount} {how}"
        return given + (", for 1 day" if length == 1 else "")

    def how_given(self) -> str:
        """How an order is given, as a card names it beside its label: :meth:`describe`, or
        :data:`DOSE_NOT_READ` when its dose could not be read."""
        return DOSE_NOT_READ if self.problem else self.describe()

    def as_ordered(self) -> str:
        """The dose as ordered, as an order's name gives it (:func:`named_with_dose`): :meth:`describe` briefly,
        also where only its mg is not known (a unit not converted); :data:`DOSE_NOT_READ` where what is written
        cannot be read. A cyclic IVIG order's structured dose written per day ('0.4 g/kg/day', every 4 weeks) is
        no contradiction in its cycle, as the contract writes one and R27 reads it: its cycle is named."""
        if not self.problem or self.read_as_written:
            return self.describe(briefly=True)
        cycle = None if self.written is None or self.from_text else _cycle_words(self.order, self._amount())
        return cycle or DOSE_NOT_READ


def _amount_words(written: Quantity, mg_each: float | None) -> str:
    """An amount as written: '60 mg', '1.5 mg/kg', '3 tablet(s) (= 60 mg)'."""
    unit = written.unit
    if unit == "{tbl}":
        unit = "tablet(s)" + (f" (= {mg(mg_each)})" if mg_each is not None else "")
    return f"{written.value:g} {unit}"


def _unit_days(dose: Quantity | None) -> float | None:
    """The days a dose's unit carries ('mg/kg/d', 'mg/day': 1; 'mg/wk': 7); None for a unit that carries none ('mg',
    'mg/kg'), or less than a day (an infusion rate in mg/h)."""
    head, _, tail = dosing.unit_key(dose).rpartition("/")
    days = to_days(1, tail) if head else None
    return days if days is not None and days >= 1 else None


def _split_words(amount: str, dose: Quantity | None, per_day: float, how: str) -> str | None:
    """A dose in a unit that carries a time ('1 mg/kg/d') given more often than once in it, named as the dose checks
    read it (hooks.dosing.per_body_each_time: the day's amount shared over the day's doses), never with a frequency
    that reads as multiplying it ('1 mg/kg/d 2 times a day' read as 2 mg/kg/day): '1 mg/kg/d, split in 2 doses'.
    Given less often than once in its time, it contradicts itself (hooks.dosing.per_day_contradiction) and is said
    so. None for any other dose, or one given once in its time ('20 mg/d once a day')."""
    unit_days = _unit_days(dose)
    if unit_days is None:
        return None
    doses = per_day * unit_days
    if abs(doses - 1) < 1e-6:
        return None
    if doses < 1:
        return f"{amount}, ordered {how}: contradictory"
    whole = abs(doses - round(doses)) < 1e-6
    return f"{amount}, split in {round(doses)} doses" if whole else f"{amount}, split in doses {how}"


def _cycle_words(order: MedicationOrder, amount: str) -> str | None:
    """A cyclic IVIG order's dose named as its cycle gives it, so that the days of a cycle are not hidden ('2 g/kg
    every 28 days' for 4 g/kg a cycle): '2 g/kg a day for 2 days, every 28 days', '2 g/kg per cycle over 2 days, every
    28 days' (:func:`courses.cycle_dose_per_day`), its interval left out for a single cycle. The cycle and its days
    are read as treatment_duration reads them (``is_cyclic_ivig``, courses.order_runs). None for any other order."""
    if not is_cyclic_ivig(order):
        return None
    runs = courses.order_runs(order, cycle_gap=courses.IVIG_CYCLE_MIN_GAP_DAYS)
    if runs is None:
        return None
    dosage, run = runs.groups[0][0]
    several = f" {run.a_day:g} times a day" if run.a_day > 1 else ""
    days = courses.days_text(run.days)
    if run.unread:
        cycle = f"{amount}{several}, days of each cycle not read"
    elif run.days == 1:
        cycle = f"{amount}{several} in one day"
    else:
        per_day = courses.cycle_dose_per_day(dosage, run)
        if per_day is False:
            cycle = f"{amount} per cycle over {days}"
        elif per_day is None:
            cycle = f"{amount} a day or a cycle, not said, over {days}"
        elif _unit_days(dosage.dose) is not None:  # written per day: its doses of a day said as such
            split = _split_words(amount, dosage.dose, run.a_day, several.strip())
            cycle = f"{split}, for {days}" if split else f"{amount} for {days}"
        else:
            cycle = f"{amount}{several or ' a day'} for {days}"
    return cycle + (f", {_frequency_words(1 / run.interval_days)}" if run.interval_days else "")


def _frequency_words(per_day: float | None, *, times_a_week: bool = False) -> str | None:
    """How often a dose is given, for the card ('once weekly', 'every 14 days'); None with none read. With
    ``times_a_week``, a whole number of doses a week as such ('3 times a week', not 'every 2.33333 days')."""
    if per_day is None:
        return None
    weekly = per_day * 7
    if abs(weekly - 1) < 1e-6:
        return "once weekly"
    if abs(per_day - 1) < 1e-6:
        return "once a day"
    if per_day >= 1:
        return f"{per_day:g} times a day"
    if times_a_week and weekly > 1 and abs(weekly - round(weekly)) < 1e-6:
        return f"{round(weekly)} times a week"
    return f"every {1 / per_day:g} days"


def _frequency_unread(order: MedicationOrder) -> str:
    """A frequency not read, in a few words: one written that is not read, or none written (the two
    dosing.why_no_frequency tells apart, in full)."""
    return ("timing not read" if any(dosing.timing_written(d.timing) and dosing.periods_per_day(d.timing) is None
                                     for d in order.dosages) else "frequency not given")


# ---------------------------------------------------------------- the sig beside the structured dose

# Where an instruction's dose is read from, as a card names it
_SIG = "free-text sig"
_STRUCTURED_DOSE = "structured dose"
_STRUCTURED_TIMING = "structured timing"
_SHORT = {_SIG: "sig", _STRUCTURED_DOSE: "structured dose", _STRUCTURED_TIMING: "structured timing"}


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An instruction whose free-text sig gives a different dose from its structured fields: the dose checks read
    the higher (what is judged, ``judged_from``), and the card names the other too (``other_from`` says
    ``other``), for the clinician to correct whichever is wrong: the sig is what the patient and the nurse read."""

    judged_from: str
    other_from: str
    other: str  # the other reading: '20 mg once weekly'
    instruction: int = 1  # which of the order's instructions, counted from 1: a card describes the first

    def words(self, *, briefly: bool = False) -> str:
        """What follows the dose read in a card: ' (the free-text sig says this; the structured dose says 20 mg
        once weekly: the higher is checked)', or briefly ', as the sig says (structured dose: 20 mg once weekly)';
        of an instruction after the first, which one ('instruction 2: ...')."""
        which = f"instruction {self.instruction}: " if self.instruction > 1 else ""
        if briefly:
            return f", {which}as the {_SHORT[self.judged_from]} says ({_SHORT[self.other_from]}: {self.other})"
        return (f" ({which}the {self.judged_from} says {'so' if which else 'this'}; the {self.other_from} says "
                f"{self.other}: the higher is checked)")


@dataclass(frozen=True, slots=True)
class InstructionRead:
    """One dosage instruction as the dose checks read it (:func:`read_instruction`): its dose and timing in
    ``dosage``, whether the dose is the sig's, why it cannot be read, and where its sig and structured fields
    disagree."""

    dosage: Dosage
    from_text: bool
    problem: str | None = None
    disagreement: Disagreement | None = None


def read_instruction(order: MedicationOrder, dosage: Dosage, weight_kg: float | None = None,
                     bsa_m2: float | None = None) -> InstructionRead:
    """An instruction's dose and timing: the structured dose, else the sig's (:func:`read_text`), at the structured
    timing, else the sig's. Where a plain sig gives a dose beside the structured fields and the two give different
    amounts a day (the sig's amount or frequency in place of the structured one: 'Methotrexate 50 mg once weekly'
    typed over 20 mg weekly, '1000 mg IV twice daily' over 1 g daily), the higher is read, as a check must assume,
    and the other named (:class:`Disagreement`); where the two cannot be compared (mg beside mg/kg with no weight)
    the structured one is read. A sig that contradicts itself (tablets and mg that disagree for the product's
    strength, DS tablets of a single-strength product) is no dose: with no structured dose, the problem names both."""
    parsed = read_text(dosage.text)
    self_contradiction = _contradiction_in_sig(order, parsed) if parsed is not None else None
    if dosage.dose is None:
        if parsed is None or parsed.dose is None or self_contradiction:
            what = (f"free-text sig '{dosage.text}' {self_contradiction or 'could not be read safely'}"
                    if dosage.text else "no dose given")
            return InstructionRead(dosage, False, problem=what)
    elif self_contradiction:
        parsed = None  # as any sig not read safely beside a structured dose: the structured one is read
    # a cyclic IVIG order's sig gives the dose of a day of its cycle, its timing the cycle: no other reading of it
    if parsed is None or parsed.dose is None or (dosage.dose is not None and is_cyclic_ivig(order)):
        use = dosage
        if not _has_timing(dosage.timing) and parsed is not None and parsed.timing is not None:
            use = Dosage(dosage.dose, parsed.timing, dosage.route, dosage.text, dosage.as_needed)
        return InstructionRead(use, False)
    has_timing = _has_timing(dosage.timing)
    structured = Dosage(dosage.dose or parsed.dose,
                        dosage.timing if has_timing else (parsed.timing or Timing()),
                        dosage.route, dosage.text, dosage.as_needed)
    sig = Dosage(parsed.dose, _with_frequency(dosage.timing, parsed.timing) if parsed.timing else structured.timing,
                 dosage.route, dosage.text, dosage.as_needed)
    structured_from = _STRUCTURED_DOSE if dosage.dose is not None else _STRUCTURED_TIMING
    structured_day, sig_day = (_a_day(reading, order, weight_kg, bsa_m2) for reading in (structured, sig))
    if (structured_day is None or sig_day is None or structured_day[0] != sig_day[0]
            or abs(structured_day[1] - sig_day[1]) <= 1e-6 * max(abs(structured_day[1]), 1.0)):
        return InstructionRead(structured, dosage.dose is None)  # the same, or not to be compared
    sig_higher = sig_day[1] > structured_day[1]
    judged, other = (sig, structured) if sig_higher else (structured, sig)
    assert other.dose is not None
    amount = dosing.dose_per_administration(other, order.medication, weight_kg, bsa_m2)
    other_words = (f"{_amount_words(other.dose, amount.mg if amount else None)} "
                   f"{_frequency_words(dosing.periods_per_day(other.timing))}")
    judged_from, other_from = (_SIG, structured_from) if sig_higher else (structured_from, _SIG)
    return InstructionRead(judged, sig_higher or dosage.dose is None,
                           disagreement=Disagreement(judged_from, other_from, other_words))


def _with_frequency(timing: Timing, frequency: Timing | None) -> Timing:
    """``timing`` at the sig's frequency in place of its own (its count and bounds kept): how the sig reads it."""
    if frequency is None:
        return timing
    return replace(timing, frequency=frequency.frequency, frequency_max=None, period=frequency.period,
                   period_unit=frequency.period_unit, days_of_week=(), code=None, when=(), times_of_day=())


def _a_day(dosage: Dosage, order: MedicationOrder, weight_kg: float | None, bsa_m2: float | None
           ) -> tuple[str, float] | None:
    """What one reading of an instruction gives a day, to compare it with another: in mg where it is known, else as
    written (a dose in a unit that carries its day, 'mg/kg/day', as it is); None with no frequency read."""
    per_day = dosing.periods_per_day(dosage.timing)
    if per_day is None or dosage.dose is None:
        return None
    amount = dosing.dose_per_administration(dosage, order.medication, weight_kg, bsa_m2)
    if amount is not None:
        return "mg", amount.mg * per_day
    return dosing.unit_key(dosage.dose), dosage.dose.value * (1.0 if _unit_days(dosage.dose) else per_day)


def _contradiction_in_sig(order: MedicationOrder, parsed: TextDose) -> str | None:
    """How a sig contradicts itself for the product ordered, in words after the sig; None where it does not. Its
    tablets beside its mg must make that mg at the product's strength ('20 tablets (50 mg)' of 2.5 mg tablets), and
    co-trimoxazole tablets named by their strength must be the product's ('1 DS tablet' of the 80/400 mg one)."""
    if parsed.tablets is not None and parsed.dose is not None:
        both = f"{parsed.tablets.value:g} tablets and {parsed.dose.value:g} {parsed.dose.unit}"
        strength = dosing.strength_mg(order.medication)
        if strength is None:
            return f"gives {both}, and no tablet strength of the product is known to check one against the other"
        given = convert(parsed.dose.value, parsed.dose.unit, "mg")
        if given is None or abs(parsed.tablets.value * strength - given) > 1e-6 * max(given, 1.0):
            return (f"gives {both}, which disagree: {parsed.tablets.value:g} tablets of {mg(strength)} are "
                    f"{mg(parsed.tablets.value * strength)}")
    if parsed.tablet_strength is not None and is_co_trimoxazole(order):
        product = dosing.strength_mg(order.medication, "trimethoprim")
        named = dosing.CO_TRIMOXAZOLE_TABLETS[parsed.tablet_strength]["trimethoprim"]
        if product is not None and abs(product - named) > 1e-6:
            return (f"names {parsed.tablet_strength.upper()} tablets ({mg(named)} trimethoprim), and the product's "
                    f"are {mg(product)}")
    return None


def read_dose(order: MedicationOrder, weight_kg: float | None = None, bsa_m2: float | None = None) -> DraftDose:
    """The draft's dose: structured first, else the free-text sig; the higher where the sig gives another
    (:func:`read_instruction`); mg only when the weight/BSA it needs is known.

    Several dosage instructions with the same ``sequence`` (or none) are given together and are added up; of
    different sequences (a taper), the highest daily total counts. An instruction with nothing to count ("take
    with food", a dose-less as-needed one) is left out when another gives a dose.
    """
    if not order.dosages:
        return DraftDose(order, None, None, None, None, problem="no dosage instruction")
    # daily totals by sequence: mg/day, and mg/kg/day of the instructions written per kg
    totals: defaultdict[int | None, float] = defaultdict(float)
    kg_totals: defaultdict[int | None, float] = defaultdict(float)
    kg_unreadable = kg_part_only = unreadable = False
    first: tuple[Quantity | None, float | None, float | None, bool, float | None] | None = None
    disagreement: Disagreement | None = None
    for number, dosage in enumerate(dosing.dose_instructions(order) or order.dosages[:1], start=1):
        read = read_instruction(order, dosage, weight_kg, bsa_m2)
        if read.problem:
            return DraftDose(order, None, None, None, None, problem=read.problem)
        use, from_text = read.dosage, read.from_text
        if disagreement is None and read.disagreement is not None:  # the first named, with its instruction
            disagreement = replace(read.disagreement, instruction=number)
        per_day = dosing.periods_per_day(use.timing)
        if (contradiction := dosing.per_day_contradiction(use)) is not None:  # '15 mg/m2/d once weekly'
            return DraftDose(order, use.dose, per_day, None, None, from_text, problem=contradiction,
                             disagreement=disagreement)
        amount = dosing.dose_per_administration(use, order.medication, weight_kg, bsa_m2)
        if first is None:
            first = (use.dose, per_day, amount.mg if amount else None, from_text,
                     dosing.dose_days_per_day(use.timing))
            if use.dose is not None and amount is None and not (written_per_kg(use) or written_per_m2(use)):
                names_differ = dosing.strength_disagreement(order.medication,
                                                            per_ml=dosing.unit_key(use.dose) == "ml")
                return DraftDose(order, use.dose, per_day, None, None, from_text,
                                 problem=f"dose unit '{use.dose.unit}' could not be converted to mg"
                                 + (f" ({names_differ})" if names_differ else ""), read_as_written=True,
                                 disagreement=disagreement)
        if amount is None or per_day is None:
            unreadable = True
        else:
            totals[dosage.sequence] += amount.mg * per_day
        if not written_per_kg(use):
            kg_part_only = True
        elif (kg_day := dosing.mg_per_kg_day(use.dose, per_day)) is None:
            kg_unreadable = True
        else:
            kg_totals[dosage.sequence] += kg_day
    assert first is not None
    daily_total = None if unreadable else max(totals.values())
    kg_daily = None if kg_unreadable or not kg_totals else max(kg_totals.values())
    return DraftDose(order, first[0], first[1], first[2], daily_total, first[3], days_per_day=first[4],
                     kg_daily=kg_daily, kg_part_only=kg_part_only and kg_daily is not None, disagreement=disagreement)


# The most characters an order's name with its dose takes in an action: with the longest wording a rule puts around
# it (R26's 'Hold (cancel) ... until HBV results and plan are in place', 54), the action stays within 150
NAMED_MAX = 96
_LABEL_KEPT = 20  # of a product label cut to make room for a long dose, at least this much is kept


def named_with_dose(order: MedicationOrder) -> str:
    """How an action that cancels, stops or holds ``order`` names it: '<label> (<dose as ordered>)', as R06 and R09
    do, since a product name alone reads as the dose ('prednisone 20 MG Oral Tablet' for 60 mg a day); the label
    alone where the order writes no dose (:func:`dose_as_ordered`). Within :data:`NAMED_MAX`, the label cut with
    '...' where longer: the dose is never cut."""
    dose = dose_as_ordered(order)
    if not dose:
        return _cut(order.label, NAMED_MAX)
    return f"{_cut(order.label, max(NAMED_MAX - len(dose) - 3, _LABEL_KEPT))} ({dose})"


def _cut(text: str, most: int) -> str:
    """``text`` within ``most`` characters, cut with '...' where longer (as cards.cut_summary cuts a summary)."""
    return text if len(text) <= most else text[: most - 3].rstrip() + "..."


def dose_as_ordered(order: MedicationOrder) -> str | None:
    """The dose ``order`` writes, in few words, as an action names it (:meth:`DraftDose.as_ordered`): per kg or m2 as
    written, never a mg worked out from a weight; 'dose not read' where one is written that cannot be read safely;
    of several instructions (a taper, a split dose) the first, said to be one of them. None where it writes no dose
    at all."""
    dosing_instructions = dosing.dose_instructions(order)
    if not dosing_instructions:
        return None
    dose = read_dose(order).as_ordered()
    if len(dosing_instructions) > 1 and dose != DOSE_NOT_READ:
        dose += f", first of {len(dosing_instructions)} instructions"
    return dose


@dataclass(slots=True)
class DailyTotal:
    """What several drafts of one drug give in a day, as far as it can be read (R06 and R32 check it)."""

    mg: float = 0.0  # mg/day of the drafts whose amount is known, on the day they give the most together
    per_kg_written: float = 0.0  # mg/kg/day of drafts written per kg, when there is no weight to turn it into mg
    counted: list[DraftDose] = field(default_factory=list)
    # no frequency read (dosing.why_no_frequency says why): one dose counted, the least in a day
    per_dose_only: list[MedicationOrder] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    apart: list[str] = field(default_factory=list)  # counted, but not given on that day: not added

    @property
    def mg_read(self) -> float | None:
        """The mg a day where every dose is read in mg; None with one not read, or written per kg with no weight
        (R06 and R32 read one order's this way)."""
        return None if self.unread or self.per_kg_written else self.mg


def daily_total(doses: list[DraftDose], weight_kg: float | None, today: date) -> DailyTotal:
    """The drafts' daily dose added up over the drafts given on the same day (see :func:`most_on_one_day`). A dose
    with no frequency counts once (enough to fire on, never to pass: see ``per_dose_only``); mg/kg/day is known
    without a frequency."""
    total = DailyTotal()
    mg_day: list[tuple[MedicationOrder, float]] = []
    kg_day_written: list[tuple[MedicationOrder, float]] = []
    for d in doses:
        if d.problem:
            total.unread.append(f"{d.order.label}: {d.problem}")
        elif d.daily is not None:
            mg_day.append((d.order, d.daily))
            total.counted.append(d)
        elif d.mg is not None and d.per_day is None:
            mg_day.append((d.order, d.mg))
            total.counted.append(d)
            total.per_dose_only.append(d.order)
        elif d.per_kg and (kg_day := d.kg_daily) is not None:
            if weight_kg is not None:
                mg_day.append((d.order, kg_day * weight_kg))
            else:
                kg_day_written.append((d.order, kg_day))
            total.counted.append(d)
            if d.kg_part_only:  # at least this much: enough to fire on, not to pass
                total.unread.append(f"{d.order.label}: its instructions in mg could not be added to its mg/kg")
        else:
            total.unread.append(f"{d.order.label}: {dosing.why_no_frequency(d.order)}" if d.per_day is None
                                else f"{d.order.label}: written per kg and no current weight")
    total.mg, on_mg_day = most_on_one_day(mg_day, today)
    total.per_kg_written, on_kg_day = most_on_one_day(kg_day_written, today)
    if len(total.counted) > 1:
        judged = on_mg_day + on_kg_day
        total.apart = [d.order.label for d in left_apart(total.counted, judged)]
    return total


def left_apart(doses: Sequence[DraftDose], given: Sequence[MedicationOrder]) -> list[DraftDose]:
    """The doses whose draft is not among ``given`` (the drafts :func:`most_on_one_day` added up): given on
    other days."""
    return [d for d in doses if not any(d.order is o for o in given)]


def _has_timing(timing: Timing) -> bool:
    return dosing.periods_per_day(timing) is not None


# ---------------------------------------------------------------- how many days a course runs, and which overlap

def draft_course_length(order: MedicationOrder, start: date | None = None) -> int | None:
    """Days a draft course runs: its count or bounds as courses.dose_run reads them (a count at the timing's
    frequency, else the sig's; on named weekdays from ``start``, the longest it can be with none), never past its
    bounds (FHIR: a count within bounds ends at whichever comes first; bounds with no repeat still bound it; an end
    date with no bounds start bounds it from the order's start, as courses reads it); else the sig ('x 5 days'). A
    count with no frequency gives no length: the days of its doses are not guessed."""
    return _instruction_length(order, order.dosage, start)


def _instruction_length(order: MedicationOrder, dosage: Dosage | None, start: date | None) -> int | None:
    """Days one instruction of a draft runs, as :func:`draft_course_length` reads the draft's first."""
    if dosage is None:
        return None
    bounded = courses.order_bounded_days(order)
    bounds = max(1, bounded) if bounded is not None else None
    run = courses.dose_run(_timing_read(dosage), bounded_days=bounds, start=start)
    if bounds is not None:
        return min(run.days, bounds) if run.written else bounds
    if run.written:
        return run.days
    if dosage.text and (found := _DAYS.search(dosage.text.lower())):
        return int(found.group(1))
    return None


def _timing_read(dosage: Dosage) -> Timing:
    """The instruction's timing with the frequency :func:`read_dose` reads: the sig's when the timing gives none (a
    count of 3 with '1 g IV daily' typed is 3 days; of 3 with 'once weekly' typed, 15)."""
    if _has_timing(dosage.timing) or not dosage.text:
        return dosage.timing
    parsed = read_text(dosage.text)
    if parsed is None or parsed.timing is None:
        return dosage.timing
    typed = parsed.timing
    return replace(dosage.timing, frequency=typed.frequency, period=typed.period, period_unit=typed.period_unit)


def draft_start(order: MedicationOrder, today: date) -> date:
    """The day a draft starts: its bounds' start when that is to come, else today (a draft saved days ago, its
    start read from authoredOn, is still given from when it is signed)."""
    return max(order.start, today) if order.start is not None else today


def _days_on(first: date, days: int) -> date | None:
    """The last of ``days`` days from ``first``; None (no end) past the calendar's end."""
    try:
        return first + timedelta(days=max(days, 1) - 1)
    except OverflowError:
        return None


def draft_span(order: MedicationOrder, today: date) -> tuple[date, date | None]:
    """The first and last day a draft is given (last None: no end). A taper in steps runs to its last step's end;
    otherwise until the last of its instructions (given together) ends: each at the order's end date, else its
    course length (bounds, count or 'x N days') from its start; a count within an end date ends at whichever comes
    first (FHIR), as :func:`draft_course_length` reads it. So the draft ends before its end date only when every
    instruction has a count that does."""
    first = draft_start(order, today)
    if order.steps:  # an open last step runs on (record.py ends an order not being given at that step's first day)
        last = order.steps[-1].last
    elif len({d.sequence for d in order.dosages}) > 1:  # steps that could not be laid out: no end known
        last = None
    else:  # instructions given together: the draft runs until the last of them ends, open-ended if one is
        ends = [_instruction_end(order, dosage, first) for dosage in order.dosages or (None,)]
        last = None if None in ends else max(end for end in ends if end is not None)
    return first, (max(last, first) if last is not None else None)


def _instruction_end(order: MedicationOrder, dosage: Dosage | None, first: date) -> date | None:
    """The last day one instruction of a draft starting on ``first`` is given (None: no end): the order's end date,
    else its course length from ``first``; with a count, whichever comes first."""
    counted = dosage is not None and bool(dosage.timing.count)
    if order.end is not None and not counted:
        return order.end
    length = _instruction_length(order, dosage, first)
    return min((end for end in (order.end, _days_on(first, length) if length is not None else None)
                if end is not None), default=None)


def most_on_one_day(amounts: Sequence[tuple[MedicationOrder, float]], today: date
                    ) -> tuple[float, list[MedicationOrder]]:
    """The highest total of the drafts' ``amounts`` (mg/day, mg/week...) over the drafts given on one same day, and
    those drafts. Drafts whose date ranges do not overlap (a taper or titration written as separate orders, a
    second pulse course after the first) are not added up; drafts with no dates all start today, so they are."""
    if len(amounts) < 2:
        return (amounts[0][1], [amounts[0][0]]) if amounts else (0.0, [])
    spans = [(draft_span(order, today), order, amount) for order, amount in amounts]
    best: tuple[float, list[MedicationOrder]] = (0.0, [])
    # ranges that overlap at all overlap on the latest of their first days: trying each first day finds the most
    for day in sorted({first for (first, _), _, _ in spans}):
        on_day = [(order, amount) for (first, last), order, amount in spans
                  if first <= day and (last is None or day <= last)]
        together = sum(amount for _, amount in on_day)
        if together > best[0] or not best[1]:
            best = (together, [order for order, _ in on_day])
    return best


def back_to_back(courses: Sequence[tuple[MedicationOrder, int]], today: date
                 ) -> list[tuple[int, list[MedicationOrder]]]:
    """Runs of consecutive days covered by courses of known length (each from its start), where one starts by the
    day after another ends: each run's days and its drafts, in order. Two 3-day pulses back to back are 6 days."""
    runs: list[tuple[date, date, list[MedicationOrder]]] = []
    for first, days, order in sorted(((draft_start(o, today), d, o) for o, d in courses), key=lambda c: c[0]):
        last = _days_on(first, days) or date.max
        if runs and (first - runs[-1][1]).days <= 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], last), [*runs[-1][2], order])
        else:
            runs.append((first, last, [order]))
    return [((last - first).days + 1, orders) for first, last, orders in runs]


def mg(value: float) -> str:
    """'1,000 mg' / '37.5 mg' for card text."""
    return f"{value:,.0f} mg" if abs(value - round(value)) < 0.05 else f"{value:,.1f} mg"



def measure_facts(record: PatientRecord, context: HookContext) -> dict[str, str | None]:
    """The latest weight and height with their age in days, and whether each is current enough to dose from."""
    out: dict[str, str | None] = {}
    for name, latest, current, unit in (("weight", body.latest_weight(record), body.dosing_weight(record, context),
                                         "kg"),
                                        ("height", body.latest_height(record), body.dosing_height(record, context),
                                         "cm")):
        if latest is None:
            out[f"latest_{name}"] = None
            continue
        age = (record.today - latest.day).days
        unread = unread_newer(record, name, unit)
        # a current weight that cannot be the patient's is not used either, for its own reason (not its age)
        implausible = body.implausible_weight(record, context) if name == "weight" else None
        state = ("current" if current is not None else f"not used: a newer {name}, {unread}, cannot be read"
                 if unread else f"not used: {implausible}" if implausible else "too old to dose from")
        out[f"latest_{name}"] = f"{latest.describe(unit)} ({age} days old, {state})"
    return out
