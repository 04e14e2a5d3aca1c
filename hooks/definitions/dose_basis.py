"""Which draft orders need a body weight or a BSA, and how much drug a draft gives (section 4.2).

R33 (dosing weight missing) and the dose checks R06, R07, R09 and R32 read drafts through this module, so they
agree on which orders are weight- or BSA-based and on the dose an order gives. A dose is taken from the
structured ``doseAndRate``/``timing`` first; only when those are absent is ``dosageInstruction.text`` read, and
only in the plain forms listed in :func:`read_text` ("60 mg PO every morning", "15 mg once weekly"). Anything
else (ranges, tapers, several amounts) is reported as unreadable rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import weight as body
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.steroids import is_intramuscular, is_intravenous, is_iv_methylprednisolone
from hooks.record import Dosage, MedicationOrder, PatientRecord, Quantity, Timing

ORAL_STEROIDS = ("prednisone", "prednisolone")
# Drugs whose dose check needs a weight even when written in mg (R06, R07, R12, R27, R32).
_WEIGHT_CHECKED_GROUPS = {"ivig": "IVIG is dosed per kg (R27)", "azathioprine": "azathioprine target is mg/kg (R12)"}


def written_per_kg(dosage: Dosage | None) -> bool:
    return dosing.unit_key(dosage.dose if dosage else None) in dosing.PER_KG_UNITS


def written_per_m2(dosage: Dosage | None) -> bool:
    return dosing.unit_key(dosage.dose if dosage else None) in dosing.PER_M2_UNITS


def oral_steroid(order: MedicationOrder) -> str | None:
    """'prednisone' or 'prednisolone' for a draft of either by mouth (not IV, not IM), else None."""
    ingredient = order.medication.concept_in("glucocorticoid_systemic")
    if ingredient not in ORAL_STEROIDS or is_intravenous(order):
        return None
    return None if is_intramuscular(order) else ingredient


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
        text_unit = (parsed.dose.unit or "").lower() if parsed and parsed.dose else ""
    per_m2 = any(written_per_m2(d) for d in dosages) or text_unit in dosing.PER_M2_UNITS
    per_kg = any(written_per_kg(d) for d in dosages) or text_unit in dosing.PER_KG_UNITS
    if per_m2:
        return Need(order, True, True, "dose written per m2 (BSA)")
    if paediatric and order.in_group("methotrexate"):
        return Need(order, True, True, "paediatric methotrexate is checked per m2 (R32)")
    if per_kg:
        return Need(order, True, False, "dose written per kg")
    if is_iv_methylprednisolone(order):
        return Need(order, True, False, "IV methylprednisolone is checked per kg (R07)")
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
    dose: Quantity | None
    timing: Timing | None
    days: int | None


# A number: "2,000" (thousands), "27,5" (a decimal comma), "37.5"; a comma that is neither leaves no number, so the
# sig is not read (never "2,000 mg" as 0 mg).
_THOUSANDS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)"
_THOUSANDS_NUMBER = re.compile(_THOUSANDS)
_DECIMAL_COMMA = r"\d+,\d{1,2}(?!\d)"
_AMOUNT = re.compile(rf"(?<![\d.,])({_THOUSANDS}|{_DECIMAL_COMMA}|\d+(?:\.\d+)?)\s*"
                     r"(mg/kg|g/kg|mg/m2|mg/m²|mg|g|grams?|tablets?|tabs?)(?![a-z0-9])", re.I)
_RANGE = re.compile(r"\d\s*(?:-|–|to)\s*\d", re.I)
_MULTI_STEP = re.compile(r"\b(then|taper|reduce|decrease|increase|titrate|followed|alternat\w*|sliding)\b", re.I)
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)s?"
_FREQUENCIES: tuple[tuple[str, str], ...] = (
    ("TIW", r"\b(?:three times (?:a |per |each )?week(?:ly)?|3 times (?:a |per )?week|tiw)\b"),
    ("BIW", r"\b(?:twice (?:a |per |each )?week(?:ly)?|2 times (?:a |per )?week|biw|twice-weekly)\b"),
    ("QID", r"\b(?:qid|q\.i\.d\.?|four times (?:a |per )?day|four times daily|q6h|every 6 hours)\b"),
    ("TID", r"\b(?:tid|t\.i\.d\.?|three times (?:a |per )?day|three times daily|q8h|every 8 hours)\b"),
    ("BID", r"\b(?:bid|b\.i\.d\.?|twice (?:a |per )?day|twice daily|q12h|every 12 hours)\b"),
    ("QOD", r"\b(?:qod|every other day|alternate days)\b"),
    ("WK", r"\b(?:every 7 days|q7d|once-weekly|"
           r"once weekly|once a week|once per week|weekly|every week|per week|a week|q ?wk|q ?week|/ ?week|"
           r"/ ?wk|every " + _WEEKDAY + r"|on " + _WEEKDAY + r" only)\b"),
    ("QD", r"\b(?:qd|od|q\.d\.|daily|once daily|once a day|every day|each day|every morning|each morning|"
           r"in the morning|qam|q24h|every 24 hours|at night|nightly|qhs|/ ?day|per day|a day)\b"),
)
_TIMES = re.compile(r"\d\s*[x×*]\s*\d", re.I)
_DAYS = re.compile(r"(?:x|×|for)\s*(\d+)\s*(?:days?|d)\b", re.I)


def read_text(text: str | None) -> TextDose | None:
    """A dose, a frequency and a number of days from a plain free-text sig; None when it is not plain.

    Plain means one amount, at most one frequency, and no range, taper or titration. "Weekly" wins over a
    "day" that only names the weekday ("15 mg once weekly on Monday").
    """
    if not text:
        return None
    lowered = text.lower()
    rest = _DAYS.sub(" ", lowered)
    if _RANGE.search(rest) or _TIMES.search(rest) or _MULTI_STEP.search(lowered):
        return None
    amounts = _AMOUNT.findall(lowered)
    if len(amounts) != 1:
        return None
    value, unit = amounts[0]
    value = value.replace(",", "") if _THOUSANDS_NUMBER.fullmatch(value) else value.replace(",", ".")
    unit = unit.replace("²", "2")
    unit = {"gram": "g", "grams": "g", "tablet": "{tbl}", "tablets": "{tbl}", "tab": "{tbl}",
            "tabs": "{tbl}"}.get(unit, unit)
    found = []
    for code, pattern in _FREQUENCIES:  # most specific first; a matched phrase is not read twice
        if re.search(pattern, rest):
            found.append(code)
            rest = re.sub(pattern, " ", rest)
    if len(found) > 1:
        return None
    days = _DAYS.search(lowered)
    return TextDose(Quantity(float(value), unit), Timing(code=found[0]) if found else None,
                    int(days.group(1)) if days else None)


# Free-text frequencies, the most frequent first; each gives administrations per day.
_TEXT_FREQUENCIES: tuple[tuple[re.Pattern[str], float, str], ...] = tuple(
    (re.compile(p, re.I), per_day, label) for p, per_day, label in (
        (r"\b(qid|q\.i\.d\.?|four times (a|per|each) day|q6h)\b", 4, "four times a day"),
        (r"\b(tid|t\.i\.d\.?|three times (a|per|each) day|q8h)\b", 3, "three times a day"),
        (r"\b(bid|b\.i\.d\.?|twice (a |per |each )?day|twice daily|two times (a|per|each) day|q12h)\b", 2,
         "twice a day"),
        (r"\b(every other day|alternate days?|qod|q\.o\.d\.?|q48h|every 2 days|every second day)\b", 0.5,
         "every other day"),
        (r"\b(three times (a |per |each )?week(ly)?|3 times (a |per )?week|tiw)\b", 3 / 7, "three times a week"),
        (r"\b(twice (a |per |each )?week(ly)?|2 times (a |per )?week|biw|twice-weekly)\b", 2 / 7, "twice a week"),
        (r"\b(daily|every day|each day|once a day|once daily|per day|a day|qd|q\.d\.?|od|nightly|every night|"
         r"every morning|every evening|at bedtime|qhs|qam|qpm|q24h|/day)\b", 1, "daily"),
        (r"\b(weekly|once (a|per|each) week|every week|each week|per week|/week|/wk|qwk|q ?week|q ?1 ?wk|"
         r"every 7 days|q7d|once-weekly)\b", 1 / 7, "once weekly"),
        (r"\b(every|each) (mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\b", 1 / 7, "once weekly"),
        (r"\bon (mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)\b", 1 / 7, "once weekly"),
    ))


def text_frequency(text: str) -> tuple[float, str] | None:
    """Administrations per day from free text; None if none is given, or if the text names two different ones."""
    found = {(per_day, label) for pattern, per_day, label in _TEXT_FREQUENCIES if pattern.search(text)}
    if not found:
        return None
    if len({p for p, _ in found}) > 1:
        # "twice weekly" also matches "weekly"; keep the most frequent reading (the dangerous one wins)
        return max(found)
    return next(iter(found))


# ---------------------------------------------------------------- how much a draft gives

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
    def once_weekly(self) -> bool:
        return self.per_day is not None and abs(self.per_day * 7 - 1) < 1e-6

    def written_per_kg_day(self) -> float | None:
        """mg/kg/day for an order written per kg (no weight needed)."""
        return dosing.mg_per_kg_day(self.written, self.per_day)

    def written_per_m2_week(self) -> float | None:
        if not self.per_m2 or self.written is None or self.per_day is None:
            return None
        return self.written.value * self.per_day * 7

    def describe(self) -> str:
        """'60 mg once a day' / '1.5 mg/kg 1x/day' as ordered, for the card."""
        if self.written is None:
            return "dose not given"
        unit = self.written.unit
        if unit == "{tbl}":
            unit = "tablet(s)" + (f" (= {mg(self.mg)})" if self.mg is not None else "")
        how = _frequency_words(self.per_day)
        return f"{self.written.value:g} {unit} {how}".strip() + (" (read from the free-text sig)"
                                                                  if self.from_text else "")


def _frequency_words(per_day: float | None) -> str:
    if per_day is None:
        return "(frequency not given)"
    if abs(per_day * 7 - 1) < 1e-6:
        return "once weekly"
    if abs(per_day - 1) < 1e-6:
        return "once a day"
    if per_day >= 1:
        return f"{per_day:g} times a day"
    return f"every {1 / per_day:g} days"


def read_dose(order: MedicationOrder, weight_kg: float | None = None, bsa_m2: float | None = None) -> DraftDose:
    """The draft's dose: structured first, else the free-text sig; mg only when the weight/BSA it needs is known.

    Several dosage instructions with the same ``sequence`` (or none) are given together and are added up; of
    different sequences (a taper), the highest daily total counts.
    """
    if not order.dosages:
        return DraftDose(order, None, None, None, None, problem="no dosage instruction")
    totals: dict[int | None, float] = {}
    unreadable = False
    first: tuple[Quantity | None, float | None, float | None, bool] | None = None
    for dosage in order.dosages:
        from_text = False
        use = dosage
        if dosage.dose is None:
            parsed = read_text(dosage.text)
            if parsed is None or parsed.dose is None:
                what = f"free-text sig '{dosage.text}' could not be read safely" if dosage.text else "no dose given"
                return DraftDose(order, None, None, None, None, problem=what)
            timing = dosage.timing if _has_timing(dosage.timing) else (parsed.timing or Timing())
            if parsed.timing is not None and _has_timing(dosage.timing) and abs(
                    (dosing.periods_per_day(parsed.timing) or 0) - (dosing.periods_per_day(dosage.timing) or 0)) > 1e-9:
                return DraftDose(order, parsed.dose, None, None, None, True,
                                 problem=f"free-text sig '{dosage.text}' and the structured timing disagree")
            use = Dosage(parsed.dose, timing, dosage.route, dosage.text, dosage.as_needed)
            from_text = True
        elif not _has_timing(dosage.timing) and dosage.text:
            parsed = read_text(dosage.text)
            if parsed is not None and parsed.timing is not None:
                use = Dosage(dosage.dose, parsed.timing, dosage.route, dosage.text, dosage.as_needed)
        amount = dosing.dose_per_administration(use, order.medication, weight_kg, bsa_m2)
        per_day = dosing.periods_per_day(use.timing)
        if first is None:
            first = (use.dose, per_day, amount.mg if amount else None, from_text)
            if use.dose is not None and amount is None and not (written_per_kg(use) or written_per_m2(use)):
                return DraftDose(order, use.dose, per_day, None, None, from_text,
                                 problem=f"dose unit '{use.dose.unit}' could not be converted to mg")
        if amount is None or per_day is None:
            unreadable = True
        else:
            totals[dosage.sequence] = totals.get(dosage.sequence, 0.0) + amount.mg * per_day
    assert first is not None
    daily_total = None if unreadable else max(totals.values())
    return DraftDose(order, first[0], first[1], first[2], daily_total, first[3])


def _has_timing(timing: Timing) -> bool:
    return dosing.periods_per_day(timing) is not None


# ---------------------------------------------------------------- how many days a course runs

def course_days(order: MedicationOrder) -> int | None:
    """Days a draft course runs: its bounds (boundsDuration or boundsPeriod), or its count; else the sig
    ('x 5 days')."""
    if order.bounds_days is not None:
        return max(1, round(order.bounds_days))
    dosage = order.dosage
    if dosage is not None and dosage.timing.count:
        per_day = dosing.periods_per_day(dosage.timing) or 1.0
        return max(1, round(dosage.timing.count / max(per_day, 1.0)))
    if dosage is not None and dosage.text and (found := _DAYS.search(dosage.text.lower())):
        return int(found.group(1))
    return None


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
        unread = body.unread_newer(record, name, unit)
        state = ("current" if current is not None else f"not used: a newer {name}, {unread}, cannot be read"
                 if unread else "too old to dose from")
        out[f"latest_{name}"] = f"{latest.describe(unit)} ({age} days old, {state})"
    return out
