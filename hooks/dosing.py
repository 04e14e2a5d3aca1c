"""Dose arithmetic: how much drug an order gives, per administration, per day and per week.

Every function returns None rather than a guess when the order does not say enough (an unknown unit, a
weight-based dose with no usable weight, a tablet count with no strength). Callers turn that None into a
"could not be checked" note; they never substitute a default.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from hooks.record import Concept, Dosage, MedicationOrder, Quantity, Timing
from hooks.units import GREEK_MU, MICRO_SIGN, convert, to_days

# Prednisone-equivalent factors (clinical-rules.md section 1): mg of prednisone per mg of the drug.
PEQ_FACTORS: dict[str, float] = {
    "prednisone": 1.0,
    "prednisolone": 1.0,
    "methylprednisolone": 1.25,
    "dexamethasone": 6.67,
    "hydrocortisone": 0.25,
    "deflazacort": 0.83,
    "cortisone": 0.2,
}

# Administrations per day for the common timing codes (HL7 TimingAbbreviation and usual EHR spellings).
_CODES_PER_DAY: dict[str, float] = {
    "QD": 1, "DAILY": 1, "OD": 1, "QAM": 1, "QPM": 1, "AM": 1, "PM": 1, "QHS": 1, "HS": 1, "NOCTE": 1,
    "BED": 1, "BID": 2, "TID": 3, "QID": 4, "QOD": 0.5, "WK": 1 / 7, "QW": 1 / 7, "QWK": 1 / 7, "WEEKLY": 1 / 7,
    "BIW": 2 / 7, "TIW": 3 / 7, "MO": 1 / 30, "QMO": 1 / 30,
}
# Every n hours, days, weeks or months: Q8H, Q24H, Q72H, Q7D, Q2WK, Q1W, Q4MO...
_EVERY_N = re.compile(r"Q(\d+)(H|D|WK|W|MO)")
_EVERY_N_UNIT = {"W": "wk"}  # the others are UCUM codes in capitals, which units.to_days reads
_DOSE_FORMS = ("{tbl}", "tab", "tabs", "tablet", "tablets", "{tablet}", "cap", "caps", "capsule", "capsules",
               "{capsule}", "{cap}", "1", "{unit}", "{dose}", "vial", "{vial}", "ampule", "{ampule}", "each",
               "ea", "{each}", "pill", "{pill}")
# A strength, never the amount of a concentration ('15 MG/5ML', '15 mg per 5 mL', '25 MG/ML') or a rate
_STRENGTH = re.compile(
    r"([a-z][a-z ,\-]*?)\s*([\d.]+)\s*(mg|g|mcg|ug)\b(?!\s*(?:/|per\b)\s*(?:[\d.]+\s*)?(?:ml|actuat|hr))", re.I)
# A combination's ingredients and strengths each joined by '-' or '/', to be paired by position:
# 'sulfamethoxazole-trimethoprim 800 mg-160 mg', 'trimethoprim/sulfamethoxazole 160/800 MG'
_JOINED_COMBINATION = re.compile(
    r"([a-z]+)\s*[-/]\s*([a-z]+)\s+([\d.]+)\s*(mg|g|mcg|ug)?\s*[-/]\s*([\d.]+)\s*(mg|g|mcg|ug)\b", re.I)
# '3 MG/ML', '15 mg/5 mL', '15 MG per 5 ML' or '100 MG in 4 ML' in a clinical-drug name: the concentration of a
# solution, its volume when it is written
_CONCENTRATION = re.compile(
    r"([a-z][a-z ,\-]*?)\s*([\d.]+)\s*(mg|g|mcg|ug)\s*(?:(?:/|per\b)\s*|in\s+(?=[\d.]))([\d.]+)?\s*ml\b", re.I)
# Co-trimoxazole's tablets named by their strength, not its figures ('Bactrim DS', 'SMX-TMP single strength tablet'):
# mg of each ingredient in one tablet (double strength 160/800 mg, single strength 80/400 mg)
CO_TRIMOXAZOLE_TABLETS: dict[str, dict[str, float]] = {
    "ds": {"trimethoprim": 160.0, "sulfamethoxazole": 800.0},
    "ss": {"trimethoprim": 80.0, "sulfamethoxazole": 400.0},
}
_STRENGTH_WORD = re.compile(r"\b(?:(ds|ss)|(double|single)[\s-]*strength)\b", re.I)


def strength_word(text: str | None) -> str | None:
    """'ds' or 'ss' where ``text`` names co-trimoxazole's double- or single-strength tablet ('Bactrim DS', '1 double
    strength tablet'); None where it names neither, or both."""
    found = {(word or f"{size[0]}s").lower() for word, size in _STRENGTH_WORD.findall(text or "")}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of drug in mg, and how it was worked out (for the card and the explanation)."""

    mg: float
    basis: str


def periods_per_day(timing: Timing, *, at_most: bool = True, negative_frequency_as_once: bool = False
                    ) -> float | None:
    """How many administrations a day the timing gives (a weekly timing gives 1/7); with ``at_most`` a frequency
    range (frequencyMax) counts at its maximum, as a dose check must assume, else at its frequency, as a course's
    length must read it (never cut short). Several times of day
    (``timeOfDay`` 08:00 and 20:00, or ``when`` MORN and EVE) are that many administrations on each day the
    timing gives any: where the frequency says less, the times win, as an overdose check must assume. Where the
    repeat and the code disagree (weekly on Monday, coded QD), the one that gives more wins for the same reason.

    A repeat FHIR does not allow (its frequency and period are positive): a negative period, or a negative frequency
    with no frequencyMax to bound it, gives None; a frequency of 0 is read as none stated (once a period), and so is a
    negative one with ``negative_frequency_as_once`` (whether an order is given again and again: it is). A period of 0
    is read as one unit, as the dose checks have always read it (several read a timing they cannot read as no dose;
    R08 adds that it is not readable)."""
    at_times = max(len(timing.times_of_day), len(timing.when), 1)
    rate: float | None = None
    if timing.frequency is not None or timing.period is not None:
        if timing.period_unit is None:
            return None  # FHIR requires a unit with a period, and a period with a frequency: never guess "a day"
        period = timing.period or 1
        per_period = timing.most_per_period if at_most else timing.frequency or 1
        if per_period <= 0 and negative_frequency_as_once:  # a negative frequency (0 is read as 1)
            per_period = 1
        days = to_days(period, timing.period_unit)
        if days is None or period <= 0 or per_period <= 0:
            # an unreadable repeat (a period below none, a frequency below none): a code cannot say the timing gives
            # no more than it
            return None
        if days <= 1:  # every day has doses; its times of day are the day's doses (Q12H at 08:00 and 20:00: 2)
            rate = max(per_period / days, at_times)
            if timing.days_of_week:  # a daily timing restricted to named weekdays (e.g. Mon/Wed/Fri)
                rate *= len(timing.days_of_week) / 7
        else:  # a weekly (or longer) period, on named weekdays at least one administration on each of them
            rate = max(per_period / days, len(timing.days_of_week) / max(days, 7)) * at_times
    elif timing.days_of_week:  # named weekdays with no repeat frequency (and perhaps a code: Q24H on Mondays)
        rate = len(timing.days_of_week) / 7 * at_times
    if timing.code and (coded := _code_per_day(timing.code.replace(" ", "").replace(".", ""))) is not None:
        coded = max(coded, at_times) if coded >= 1 else coded * at_times
        rate = coded if rate is None else max(rate, coded)
    if rate is None and at_times > 1:
        return at_times  # times of day and nothing else: each day
    return rate


def dose_days_per_day(timing: Timing) -> float | None:
    """How many days a day the timing gives a dose on (1/7 for once weekly): several times of day are one day,
    as a split dose on the weekly day is (methotrexate's once-weekly rule counts days; the dose counts all)."""
    return periods_per_day(replace(timing, times_of_day=(), when=()))


def timing_written(timing: Timing) -> str:
    """What the timing writes of how often, in FHIR's words ('frequency -1, period 1 wk', 'period 2 with no unit',
    'code Q0D'); empty when it writes none of it."""
    parts = [f"{name} {value:g}" for name, value in (("frequency", timing.frequency),
                                                      ("frequencyMax", timing.frequency_max)) if value is not None]
    if timing.period is not None:
        parts.append(f"period {timing.period:g} {timing.period_unit}" if timing.period_unit
                     else f"period {timing.period:g} with no unit")
    elif timing.period_unit:
        parts.append(f"periodUnit {timing.period_unit}")
    if timing.code:
        parts.append(f"code {timing.code}")
    return ", ".join(parts)


def timing_not_read(order: MedicationOrder) -> str | None:
    """'timing not readable (frequency -1, period 1 d)' where an instruction of ``order`` writes a repeat that
    :func:`periods_per_day` cannot read (a negative period or frequency, a period with no unit): no daily dose is
    read from it, so the rules that add doses up (R07's pulse days, the taper) say so; None where every
    instruction's is read or writes none."""
    return next((why_no_rate(d.timing) for d in order.dosages
                 if (d.timing.frequency is not None or d.timing.period is not None)
                 and periods_per_day(d.timing) is None), None)


def why_no_frequency(order: MedicationOrder) -> str:
    """Why no frequency a day is read from ``order``, as the dose checks say it where they count one dose of it, or
    none: 'timing not readable (frequency -1, period 1 wk)' where a timing writes a repeat that cannot be read or
    only a code not known ('code SOMETIMES'), 'frequency not given' only where none writes any (a clinician fixes
    the two apart)."""
    not_read = [d.timing for d in order.dosages if periods_per_day(d.timing) is None]
    return next((why_no_rate(timing) for timing in not_read if timing_written(timing)), "frequency not given")


def why_no_rate(timing: Timing) -> str:
    """Why a timing gives no rate a day: what it writes that cannot be read, or that it writes none."""
    written = timing_written(timing)
    return f"timing not readable ({written})" if written else "frequency not given"


def why_no_daily_mg(order: MedicationOrder, weight_kg: float | None = None) -> str | None:
    """Why no daily dose is read from ``order`` (:func:`daily_mg_by_sequence`, and a daily total of none), in words
    for a card: its first scheduled instruction that cannot be read, for its timing (:func:`why_no_frequency`'s
    words) or its dose ('dose not read in mg (2 tablet)'), or 'no scheduled dose given'; None where it is read."""
    scheduled = read_schedule(order, weight_kg)
    if isinstance(scheduled, str):  # a sig that may give a dose, not read safely: named as a draft's is
        return scheduled
    for dosage in scheduled:
        dose = dosage.dose
        assert dose is not None
        if periods_per_day(dosage.timing) is None:
            return why_no_rate(dosage.timing)
        if dose_per_administration(dosage, order.medication, weight_kg) is None:
            if weight_kg is None and unit_key(dose) in PER_KG_UNITS:
                return f"{dose} with no current weight"
            return f"dose not read in mg ({dose}{'' if dose.unit else ' with no unit'})"
    return None if scheduled else "no scheduled dose given"


def _code_per_day(code: str) -> float | None:
    if code in _CODES_PER_DAY:
        return _CODES_PER_DAY[code]
    every = _EVERY_N.fullmatch(code)
    if every is None or int(every[1]) == 0:
        return None
    days = to_days(int(every[1]), _EVERY_N_UNIT.get(every[2], every[2]))
    return None if days is None else 1 / days


def interval_days(timing: Timing) -> float | None:
    """Days between administrations (or between cycles for a cyclic regimen). It sets how long a counted course
    lasts, so a frequency range is read at its frequency, not its maximum: a course is never cut short."""
    if timing.period is not None:
        days = to_days(timing.period, timing.period_unit) if timing.period_unit else None
        return None if days is None else days / (timing.frequency or 1)
    per_day = periods_per_day(timing)
    return None if not per_day else 1 / per_day


def _names_sent(medication: Concept) -> tuple[str | None, ...]:
    return (*(c.display for c in medication.codings), medication.text)


def _names_of_codes(medication: Concept) -> tuple[str | None, ...]:
    """The clinical-drug names the value sets give the concept's codes ('methotrexate 2.5 MG Oral Tablet' for RxNorm
    105585): the name of a code sent without one. None for a concept recognised by its name only."""
    return () if medication.matched_by_name else tuple(m.display for m in medication.matches)


def _from_name(medication: Concept, pattern: re.Pattern[str], ingredient: str | None,
               names: Callable[[Concept], tuple[str | None, ...]] = _names_sent) -> Iterator[tuple[str, ...]]:
    """The one figure ``pattern`` finds in each clinical-drug name (by default the names sent: display, then text);
    of a combination's several, the one for ``ingredient`` (:func:`_figure_in`)."""
    for name in filter(None, names(medication)):
        yield from _figure_in(name, pattern, ingredient)


@functools.lru_cache(maxsize=4096)
def _figure_in(name: str, pattern: re.Pattern[str], ingredient: str | None) -> tuple[tuple[str, ...], ...]:
    """The one figure ``pattern`` finds in ``name`` (none, or one), cached: the same product names come with every
    call, and their regular expressions cost ~100 us a combination tablet. A name with no single answer gives none,
    and so does a combination named with its ingredients and its strengths each joined ('sulfamethoxazole-
    trimethoprim 800 mg-160 mg'), but for the strength of ``ingredient``, paired by position."""
    if (joined := _JOINED_COMBINATION.search(name)) is not None:
        if pattern is _STRENGTH and ingredient is not None and (strength := _joined_strength(joined, ingredient)):
            return (strength,)
        return ()
    found = pattern.findall(name)
    if ingredient is not None:
        found = [f for f in found if ingredient.lower() in f[0].lower()] or (found if len(found) == 1 else [])
    return (found[0],) if len(found) == 1 else ()


def _joined_strength(joined: re.Match[str], ingredient: str) -> tuple[str, str, str] | None:
    """(ingredient, amount, unit) of ``ingredient`` in a combination whose ingredients and strengths are each joined
    (:data:`_JOINED_COMBINATION`), paired by position: '160/800 MG' gives the first its second's unit. None when
    ``ingredient`` is neither."""
    first, second, first_mg, first_unit, second_mg, second_unit = joined.groups()
    paired = {first.lower(): (first_mg, first_unit or second_unit), second.lower(): (second_mg, second_unit)}
    strength = paired.get(ingredient.lower())
    return None if strength is None else (ingredient, *strength)


def concentration_mg_per_ml(medication: Concept, ingredient: str | None = None) -> float | None:
    """mg per mL of a solution from the clinical-drug name ('prednisolone 3 MG/ML Oral Solution', 'methotrexate
    25 MG/ML', 'prednisolone 15 mg/5 mL', '... 100 MG in 4 ML'): the name sent, or, for a code sent with no name that
    gives one, the name the value sets give that code; None where they disagree, as :func:`strength_mg` reads a
    strength. ``ingredient`` picks one of a combination's. None if no name gives one."""
    return _agreed(*_named(medication, ingredient, _mg_per_ml))


def strength_mg(medication: Concept, ingredient: str | None = None) -> float | None:
    """Strength of one dose form (tablet, vial...) from the clinical-drug name, e.g. '... 5 MG Oral Tablet': the
    name sent, or, for a code sent with no name that gives one, the name the value sets give that code.

    None when the names disagree (:func:`strength_disagreement`: a 2.5 mg tablet coded as the 10 mg one): which one
    is given is not known, and a count of tablets must not be read at either. For combinations
    ('sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet', 'Bactrim DS') ``ingredient`` picks one.
    """
    return _agreed(*_named(medication, ingredient, _mg_strengths))


def strength_disagreement(medication: Concept, ingredient: str | None = None, *, per_ml: bool = False
                          ) -> str | None:
    """Why :func:`strength_mg` (with ``per_ml``, :func:`concentration_mg_per_ml`) reads none where names give one:
    'its name says 2.5 mg, its code 10 mg'. None when they agree (or give none)."""
    sent, coded = _named(medication, ingredient, _mg_per_ml if per_ml else _mg_strengths)
    unit = " mg/mL" if per_ml else " mg"
    named = " or ".join(f"{mg:g}{unit}" for mg in sorted(coded))
    if sent is not None and coded and coded != {sent}:
        return f"its name says {sent:g}{unit}, its code {named}"
    return f"its codes name {named}" if sent is None and len(coded) > 1 else None


def _agreed(sent: float | None, coded: set[float]) -> float | None:
    """The figure the names sent give where the names of its codes give none or the same, else the one its codes
    give; None where they disagree."""
    if sent is not None:
        return sent if not coded or coded == {sent} else None
    return next(iter(coded)) if len(coded) == 1 else None


_Figures = Callable[[Concept, str | None, Callable[[Concept], tuple[str | None, ...]]], Iterator[float]]


def _named(medication: Concept, ingredient: str | None, figures: _Figures) -> tuple[float | None, set[float]]:
    """The figure the names sent give (the first that gives one), and those the names of its codes give."""
    return (next(figures(medication, ingredient, _names_sent), None),
            set(figures(medication, ingredient, _names_of_codes)))


def _mg_strengths(medication: Concept, ingredient: str | None,
                  names: Callable[[Concept], tuple[str | None, ...]]) -> Iterator[float]:
    """The strength in mg each name gives: its figure, or for co-trimoxazole's ingredient a tablet named by its
    strength ('Bactrim DS') where the name gives no figure."""
    for name in filter(None, names(medication)):
        figures = [mg for _, amount, unit in _figure_in(name, _STRENGTH, ingredient)
                   if (mg := _mg(amount, unit)) is not None]
        word = strength_word(name) if not figures and ingredient else None
        yield from figures or ([CO_TRIMOXAZOLE_TABLETS[word][ingredient.lower()]]
                               if word and ingredient and ingredient.lower() in CO_TRIMOXAZOLE_TABLETS[word] else [])


def _mg_per_ml(medication: Concept, ingredient: str | None,
               names: Callable[[Concept], tuple[str | None, ...]]) -> Iterator[float]:
    """The concentration in mg/mL each name gives ('15 mg/5 mL' is 3)."""
    for _, amount, unit, volume in _from_name(medication, _CONCENTRATION, ingredient, names):
        mg = _mg(amount, unit)
        if mg is not None and (not volume or float(volume) > 0):
            yield round(mg / (float(volume) if volume else 1.0), 6)


def _mg(amount: str, unit: str) -> float | None:
    return convert(float(amount), unit, "mg")


def dose_instructions(order: MedicationOrder) -> list[Dosage]:
    """The instructions of ``order`` that give a dose (one with nothing to count, 'take with food', left out), in
    order."""
    return [dosage for dosage in order.dosages if not adds_no_dose(dosage)]


def adds_no_dose(dosage: Dosage) -> bool:
    """An instruction with nothing to count toward the dose: no dose, and as needed or a text with no figure in it
    ("take with food"). A dose-less instruction whose text has a figure ("1.5 g/kg on day 2") may be a dose."""
    return dosage.dose is None and (dosage.as_needed or not _FIGURE.search(dosage.text or ""))


_FIGURE = re.compile(r"\d")


def dose_per_administration(dosage: Dosage, medication: Concept, weight_kg: float | None = None,
                            bsa_m2: float | None = None, ingredient: str | None = None, *,
                            a_day: float | None = None) -> Amount | None:
    """mg given each time; None if the unit is unknown or a needed weight/BSA is missing. A per-day dose is shared
    over ``a_day`` administrations where the caller reads them (:func:`per_body_each_time`), else over those of a
    day of its timing."""
    dose = dosage.dose
    if dose is None or dose.value < 0:  # a negative dose is no amount given: not read, never subtracted
        return None
    unit = unit_key(dose)
    plain = convert(dose.value, unit, "mg")
    if plain is not None:
        return Amount(plain, f"{dose.value:g} {dose.unit}")
    body_based = per_body_each_time(
        dosage.dose, a_day if a_day is not None else administrations_per_dose_day(dosage.timing))
    if body_based is not None:
        written, mg_each = body_based
        size = weight_kg if written.basis == "kg" else bsa_m2
        if mg_each is None or size is None:
            return None
        measured = f"{size:g} kg" if written.basis == "kg" else f"{size:.2f} m2"
        return Amount(mg_each * size, f"{dose.value:g} {dose.unit} x {measured}")
    if unit in _DOSE_FORMS:
        strength = strength_mg(medication, ingredient)
        if strength is None:
            return None
        return Amount(dose.value * strength, f"{dose.value:g} x {strength:g} mg")
    if unit == "ml":
        concentration = concentration_mg_per_ml(medication, ingredient)
        if concentration is None:
            return None
        return Amount(dose.value * concentration, f"{dose.value:g} mL x {concentration:g} mg/mL")
    return None


@dataclass(frozen=True, slots=True)
class PerBody:
    """A dose written per kg of body weight or per m2 of body-surface area."""

    mg: float  # mg per kg (or per m2) as written: 0.75 g/m2 is 750
    basis: str  # "kg" or "m2"
    per_day: bool  # written per day ('mg/kg/day'): the day's amount, shared over its administrations


# Every spelling of a per-kg or per-m2 dose: a mass unit (factor from hooks.units), per kg or m2, optionally per day.
# The one source of these spellings: the free-text sig reader (hooks.definitions.dose_basis) matches these too.
MASS_UNITS = ("mg", "g", "mcg", "ug", "µg")
_BODY = {"kg": "kg", "m2": "m2", "m^2": "m2", "[m2]": "m2", "m²": "m2"}
_PER_DAY = {"": False, "/d": True, "/day": True}
_PER_BODY: dict[str, tuple[float, str, bool]] = {
    f"{mass}/{body}{day}": (factor, basis, per_day)
    for mass in MASS_UNITS if (factor := convert(1.0, mass, "mg")) is not None
    for body, basis in _BODY.items() for day, per_day in _PER_DAY.items()}
PER_BODY_UNITS = frozenset(_PER_BODY)
PER_KG_UNITS = frozenset(unit for unit, (_, basis, _) in _PER_BODY.items() if basis == "kg")
PER_M2_UNITS = frozenset(unit for unit, (_, basis, _) in _PER_BODY.items() if basis == "m2")


def unit_key(dose: Quantity | None) -> str:
    """A dose's unit as the tables here spell it: lower case, no spaces, the micro sign for a Greek mu ('mg/kg',
    '{tbl}', 'µg/kg')."""
    return ((dose.unit if dose else "") or "").strip().lower().replace(" ", "").replace(GREEK_MU, MICRO_SIGN)


def per_body(dose: Quantity | None) -> PerBody | None:
    """A dose written per kg or per m2, in mg (g/m2 and mcg/kg converted); None for any other unit."""
    found = _PER_BODY.get(unit_key(dose))
    if dose is None or found is None:
        return None
    factor, basis, per_day = found
    return PerBody(dose.value * factor, basis, per_day)


def administrations_per_dose_day(timing: Timing) -> float | None:
    """Administrations on each day the timing gives a dose, for a timing that gives doses every day of its repeat
    (daily, twice daily, every 8 hours; named weekdays of a daily repeat, Mon-Fri, only pick the days). None for a
    timing that gives them less often than daily (weekly, every other day, monthly) or does not say how often:
    a day's dose cannot be shared over the administrations of such a day."""
    every_day = periods_per_day(replace(timing, days_of_week=()))
    return every_day if every_day is not None and every_day >= 1 - 1e-9 else None


def per_day_contradiction(dosage: Dosage) -> str | None:
    """Why a dose written per day ('0.4 g/kg/day', '15 mg/m2/d') on a timing that gives doses less often than daily
    (once weekly, every other day, monthly) is not read, for the card; else None. Such an order contradicts itself:
    it is named, never read as the day's dose given each time nor shared over the calendar's days (15 mg/m2/d once
    weekly is not 105 mg/m2 a week). A per-day dose with no frequency is no contradiction: its day is known."""
    dose, written, per_day = dosage.dose, per_body(dosage.dose), periods_per_day(dosage.timing)
    if (dose is None or written is None or not written.per_day or per_day is None
            or administrations_per_dose_day(dosage.timing) is not None):
        return None
    apart = 1 / per_day
    how_often = ("once weekly" if abs(apart - 7) < 1e-9 else f"every {round(apart)} days"
                 if abs(apart - round(apart)) < 1e-9 else f"{per_day * 7:.3g} days a week")
    return (f"dose written per day ({dose.value:g} {dose.unit}) on a schedule less often than daily ({how_often}): "
            "a contradictory order, not read; write the dose given each time")


def per_body_each_time(dose: Quantity | None, a_day: float | None) -> tuple[PerBody, float | None] | None:
    """A dose written per kg or m2 and its mg per kg (or m2) given each time: a per-day dose shared over ``a_day``,
    the administrations of a day it is given ("2 mg/kg/day twice daily" is 1 mg/kg each time, "0.4 g/kg/day Mon-Fri"
    0.4 g/kg): :func:`administrations_per_dose_day` of its timing, or for a cyclic IVIG order the administrations
    of a day of its cycle (courses.dose_run's ``a_day``: 0.4 g/kg/day for 5 days every 4 weeks). None each time
    where ``a_day`` is None (no frequency, or given less often than daily: :func:`per_day_contradiction`). The one
    reader of a per-body dose each time: the dose checks, R27 and treatment_duration's IVIG cycle read it here."""
    written = per_body(dose)
    if written is None:
        return None
    if not written.per_day:
        return written, written.mg
    return written, (written.mg / a_day if a_day else None)


def mg_per_body_day(dose: Quantity | None, per_day: float | None, basis: str) -> float | None:
    """mg per kg (``basis`` 'kg') or per m2 ('m2') on a day, of a dose ordered per that: per dose x ``per_day``, or
    the amount per day as written; None for a dose not ordered per ``basis``. A per-day dose on a timing less
    often than daily is the caller's to refuse (:func:`per_day_contradiction`; dose_basis.read_dose does)."""
    written = per_body(dose)
    if written is None or written.basis != basis:
        return None
    if written.per_day:
        return written.mg
    return written.mg * per_day if per_day is not None else None


def mg_per_kg_day(dose: Quantity | None, per_day: float | None) -> float | None:
    """mg/kg on a day of a dose ordered per kg: per dose x ``per_day``, or the mg/kg/day as written."""
    return mg_per_body_day(dose, per_day, "kg")


def mg_per_kg(dosage: Dosage) -> float | None:
    """mg per kg of body weight given each time, for a dose ordered per kg (g/kg and mcg/kg converted; a mg/kg/day
    dose is shared over the day's administrations, so "2 mg/kg/day twice daily" is 1 mg/kg each time)."""
    found = per_body_each_time(dosage.dose, administrations_per_dose_day(dosage.timing))
    return found[1] if found is not None and found[0].basis == "kg" else None


def daily_mg(order: MedicationOrder, weight_kg: float | None = None, bsa_m2: float | None = None,
             ingredient: str | None = None) -> float | None:
    """Average mg per day (a weekly 15 mg gives about 2.14).

    Instructions with the same ``sequence`` (or none) are given together and add up (15 mg in the morning and
    10 mg at night are 25 mg a day); of different sequences (the steps of a taper) the highest total counts.
    As-needed and dose-less instructions are left out; None when no dose is left or one cannot be read.
    """
    totals = daily_mg_by_sequence(order, weight_kg, bsa_m2, ingredient)
    return None if totals is None else max(totals.values(), default=None)


def daily_mg_by_sequence(order: MedicationOrder, weight_kg: float | None = None, bsa_m2: float | None = None,
                         ingredient: str | None = None) -> dict[int | None, float] | None:
    """The daily mg of each ``sequence`` (each step of a taper), a dose written only in the sig read as
    :func:`read_schedule` reads it; None when a dose cannot be read."""
    scheduled = read_schedule(order, weight_kg, bsa_m2)
    if isinstance(scheduled, str):
        return None
    totals: dict[int | None, float] = {}
    for dosage in scheduled:
        amount = dose_per_administration(dosage, order.medication, weight_kg, bsa_m2, ingredient)
        per_day = periods_per_day(dosage.timing)
        if amount is None or per_day is None:
            return None
        totals[dosage.sequence] = totals.get(dosage.sequence, 0.0) + amount.mg * per_day
    return totals


def read_schedule(order: MedicationOrder, weight_kg: float | None = None, bsa_m2: float | None = None
                  ) -> tuple[Dosage, ...] | str:
    """The scheduled instructions of ``order`` with the dose each gives (as-needed ones and those with nothing to
    count, 'take with food', left out): a structured dose as it is; an instruction with none whose sig may give one
    (a chart's '20 mg by mouth daily' with no doseAndRate) read by the drafts' reader,
    dose_basis.read_instruction, with its safeguards: a sig whose frequency disagrees with the structured timing is
    read at the higher, one that contradicts itself or cannot be read safely is not read, and its words are
    returned for the card ("free-text sig '...' could not be read safely"). The structured path reads no text."""
    scheduled: list[Dosage] = []
    for dosage in order.dosages:
        if dosage.as_needed or adds_no_dose(dosage):
            continue
        if dosage.dose is None:
            from hooks.definitions.dose_basis import read_instruction  # here, not above: it imports this module

            read = read_instruction(order, dosage, weight_kg, bsa_m2)
            if read.problem:
                return read.problem
            dosage = replace(dosage, dose=read.dosage.dose, timing=read.dosage.timing)
        scheduled.append(dosage)
    return tuple(scheduled)


def prednisone_equivalent(order: MedicationOrder, weight_kg: float | None = None) -> float | None:
    """Daily prednisone-equivalent mg of a glucocorticoid order (IV pulses included; a taper's highest step)."""
    steps = prednisone_equivalent_by_sequence(order, weight_kg)
    return None if steps is None else max(steps.values(), default=None)


def prednisone_equivalent_by_sequence(order: MedicationOrder,
                                      weight_kg: float | None = None) -> dict[int | None, float] | None:
    """Daily prednisone-equivalent mg of each step (``sequence``) of a glucocorticoid order; None when the
    drug or a dose cannot be read."""
    factor = PEQ_FACTORS.get(order.medication.concept_in("glucocorticoid_systemic") or "")
    if factor is None:
        return None
    totals = daily_mg_by_sequence(order, weight_kg)
    return None if totals is None else {step: mg * factor for step, mg in totals.items()}


def prednisone_equivalent_on_a_dose_day(order: MedicationOrder, weight_kg: float | None = None) -> float | None:
    """Prednisone-equivalent mg given on a day a dose is given: a step given less often than daily (every other day,
    weekly) counts its daily average over the days it is given (dexamethasone 20 mg weekly is 133 mg PEQ on its day,
    19 mg/day on average). Of several instructions in a step the least often given decides, so the day is never
    under-read. None when a dose cannot be read (:func:`prednisone_equivalent_by_sequence`)."""
    steps = prednisone_equivalent_by_sequence(order, weight_kg)
    scheduled = read_schedule(order, weight_kg)
    if steps is None or isinstance(scheduled, str):
        return None

    def share_of_days(sequence: int | None) -> float:  # of the days, those the step gives a dose on (1 at most)
        shares = [dose_days_per_day(d.timing) or 1.0 for d in scheduled if d.sequence == sequence]
        return min(min(shares, default=1.0), 1.0)

    return max((peq / share_of_days(sequence) for sequence, peq in steps.items()), default=None)


def mosteller_bsa(height_cm: float, weight_kg: float) -> float:
    """Body-surface area in m2 (Mosteller): sqrt(height cm x weight kg / 3600)."""
    return math.sqrt(height_cm * weight_kg / 3600.0)


def ideal_body_weight(height_cm: float, sex: str | None) -> float:
    """Devine ideal body weight in kg (50 kg men / 45.5 kg women + 2.3 kg per inch over 5 feet)."""
    inches_over_five_feet = max(height_cm / 2.54 - 60.0, 0.0)
    return (50.0 if sex == "male" else 45.5) + 2.3 * inches_over_five_feet


def adjusted_body_weight(actual_kg: float, height_cm: float, sex: str | None) -> float:
    """Adjusted body weight: IBW + 0.4 x (actual - IBW); the actual weight when below the ideal."""
    ideal = ideal_body_weight(height_cm, sex)
    return actual_kg if actual_kg <= ideal else ideal + 0.4 * (actual_kg - ideal)


def round_to(value: float, step: float) -> float:
    """Round to the nearest practical unit (5 mg tablets, 250 mg vials, 5 g IVIG bottles...)."""
    return math.floor(value / step + 0.5) * step  # half up: 1,125 mg in 250 mg steps is 1,250, not 1,000


def share_step(total: float, days: int, step: float) -> float:
    """The unit :func:`daily_share` rounds to: ``step``, or 0.1
    when a day's share is smaller than one step (a small child), for card text that says what the dose was
    rounded to."""
    return step if total / days >= step else 0.1


# Each day's share of a suggested IVIG cycle is rounded down to whole 2.5 g vials (R19, R27; 5 g steps took up to 5 g
# a day off: 2 g/kg at 74 kg over 5 days was 125 g, 16% under)
IVIG_DAILY_STEP_G = 2.5


def daily_share(total: float, days: int, step: float) -> float:
    """A dose per day in whole ``step`` units for ``days`` days whose sum stays within ``total``: the nearest
    step, one step lower when that would overshoot (40 g x 5 days is 200 g, above a 194 g cycle maximum). A share
    smaller than one step (a small child) is given to 0.1 unit instead."""
    exact = total / days
    if share_step(total, days, step) != step:
        return math.floor(exact * 10) / 10
    per_day = round_to(exact, step)
    return per_day - step if per_day * days > total + 1e-9 else per_day


# The practical steps suggested doses are rounded to (one place, so the rules that suggest and the rules that
# check a dose agree on them)
TABLET_STEP_MG = 5.0  # prednis(ol)one 5 mg tablets
HALF_TABLET_STEP_MG = 2.5  # a 2.5 mg tablet or half a 5 mg one: a child's prednis(ol)one
MTX_SYRINGE_STEP_MG = 2.5  # methotrexate: the prefilled syringes' sizes, and 0.1 mL of the 25 mg/mL solution
PULSE_STEP_MG = 10.0  # IV methylprednisolone: a child's pulse, R31's 1-2 mg/kg


def practical_dose(raw: float, step: float, cap: float, *, round_down: bool = False) -> tuple[float, bool]:
    """``raw`` in whole ``step`` units, never above ``cap`` (itself taken down to a whole step), and whether the
    cap applied. ``round_down`` where the per-kg figure is itself a maximum (R12's azathioprine mg/kg ceiling):
    rounding up would put the suggestion above the limit the dose checks apply. A dose or cap smaller than one
    step (a small child) is given to 0.1 mg instead (:func:`share_step`): in whole steps it would be 0 mg, or one
    step of up to twice the dose. :func:`rounded_dose` with its defaults, for callers that need no words."""
    dose = rounded_dose(raw, step, cap, round_down=round_down)
    return dose.mg, dose.capped


def _in_units(raw: float, unit: float, cap: float | None, round_down: bool) -> tuple[float, bool]:
    """``raw`` in whole ``unit``s (down, or to the nearest), never above ``cap`` taken down to a whole unit."""
    stepped = math.floor(raw / unit + 1e-9) * unit if round_down else round_to(raw, unit)
    ceiling = math.inf if cap is None else math.floor(cap / unit + 1e-9) * unit
    dose, capped = (ceiling, True) if stepped > ceiling else (stepped, False)
    return round(dose, 6), capped  # 3 x 0.1 mg is 0.3 mg, not 0.30000000000000004


# A child's dose is rounded to a coarse step (2.5 mg tablets, 10 mg of methylprednisolone) only where that moves it
# by at most a tenth; else to whole mg (1 mg tablets, 1 mg/mL solution), else to 0.1 mg: at 3.75 mg, 2.5 mg steps
# give 2.5 or 5 mg, a third off
CHILD_FINER_STEPS_MG = (1.0,)
ROUNDING_TOLERANCE = 0.1


@dataclass(frozen=True, slots=True)
class RoundedDose:
    """A suggested dose as :func:`rounded_dose` gives it, with the words for how it was rounded, so that a card's
    text and its order's note say what was done (R01, R05, R06, R07, R16, R19, R31 and R32 word their doses with
    it)."""

    mg: float
    capped: bool
    how: str  # 'rounded to 5 mg' or 'below one 5 mg step, given to 0.1 mg', then ', capped at 80 mg' if it applied


def rounded_dose(raw: float, step: float, cap: float | None, *, round_down: bool = False, min_steps: int = 1,
                 finer_steps: tuple[float, ...] = (), finest: float = 0.1) -> RoundedDose:
    """``raw`` mg in whole ``step`` units (``round_down`` as practical_dose takes it), never above ``cap`` (None: no
    cap). Whole steps are used from ``min_steps`` of them (R01: five vials, where half a vial is at most a tenth of
    the dose); a smaller dose is given to ``finest`` mg and says so, never "rounded to 5 mg" for a 4 mg dose.
    ``finest`` is the least amount the product measures: 0.1 mg (0.1 mL of a 1 mg/mL solution), or a product
    line's :attr:`ProductLine.finest_mg` (0.25 mg of methotrexate 25 mg/mL, 0.01 mL).

    With ``finer_steps`` (a child's dose: :data:`CHILD_FINER_STEPS_MG`) a step is used only where it moves the dose
    by at most :data:`ROUNDING_TOLERANCE`; the next finer one is tried where it does not, and ``finest`` after the
    last. A capped dose is the cap in whole steps, whatever it moves."""
    verb = "rounded down" if round_down else "rounded"
    capped_words = f", capped at {cap:,g} mg" if cap is not None else ""
    target = raw if cap is None else min(raw, cap)
    why = ""
    for unit in (step, *finer_steps):
        if target < min_steps * unit:
            why = (f"below one {unit:,g} mg step" if min_steps == 1 else
                   f"below {min_steps} whole {unit:,g} mg steps ({min_steps * unit:,g} mg)")
            continue
        dose, capped = _in_units(raw, unit, cap, round_down)
        if not finer_steps or capped or abs(dose - raw) <= ROUNDING_TOLERANCE * raw + 1e-9:
            return RoundedDose(dose, capped, (f"{why}, " if why else "") + f"{verb} to {unit:,g} mg"
                               + (capped_words if capped else ""))
        why = f"{unit:,g} mg steps more than {ROUNDING_TOLERANCE:.0%} off"
    dose, capped = _in_units(raw, finest, cap, round_down)
    return RoundedDose(dose, capped, f"{why}, {'rounded down' if round_down else 'given'} to {finest:g} mg"
                       + (capped_words if capped else ""))


@dataclass(frozen=True, slots=True)
class Unit:
    """One whole unit of a product a dose is given in: a tablet, or a prefilled syringe given whole."""

    display: str  # the RxNorm clinical drug as the value sets name it: '0.4 ML methotrexate 25 MG/ML Prefilled Syringe'
    mg: float
    form: str  # 'tablet', 'prefilled syringe'
    one_per_dose: bool = False  # a prefilled syringe is one injection of all it holds: never two, never part of one
    volume_ml: float | None = None  # a prefilled syringe's volume, for its label: '10 mg/0.4 mL'


@dataclass(frozen=True, slots=True)
class Solution:
    """A solution the dose is measured out of, to ``least_ml`` (the smallest volume its syringe measures)."""

    display: str
    mg_per_ml: float
    least_ml: float
    form: str  # 'oral solution', 'injection solution'


@dataclass(frozen=True, slots=True)
class ProductLine:
    """The products a suggested dose of one drug by one route may be ordered as, in the order they are preferred:
    whole units (largest tablet first: fewest tablets), then a solution measured out. Every display is a coded
    RxNorm clinical drug of value-set ``group`` (tests/test_dosing.py checks each one)."""

    group: str
    units: tuple[Unit, ...]
    solution: Solution | None = None

    @property
    def finest_mg(self) -> float:
        """The smallest amount the line gives a dose in: the solution's measured volume, else the smallest unit
        (``rounded_dose(..., finest=...)`` goes to it below one step, so that some product gives the dose)."""
        if self.solution is not None:
            return round(self.solution.least_ml * self.solution.mg_per_ml, 6)
        return min(unit.mg for unit in self.units)


@dataclass(frozen=True, slots=True)
class ProductDose:
    """The product a suggested dose is ordered as, and the dose in its units for the order's text."""

    display: str  # the RxNorm clinical drug as the value sets name it: 'prednisone 5 MG Oral Tablet'
    amount: str  # '3 x 2.5 mg tablets', '1 x 10 mg/0.4 mL prefilled syringe', '3.7 mL of 1 mg/mL oral solution'
    group: str  # the value-set group its display is coded in (its line's)


def _whole(count: float) -> int | None:
    """``count`` as a whole number of at least one (float noise allowed), else None."""
    nearest = round(count)
    return nearest if nearest >= 1 and abs(count - nearest) < 1e-6 else None


def product_for(line: ProductLine, dose_mg: float) -> ProductDose:
    """The product of ``line`` that gives ``dose_mg`` as it is: the first unit the dose is a whole number of (exactly
    one of a unit given whole), else the solution where the dose is a whole number of its measured volume. An order
    never names a 5 mg tablet for 3 mg, nor a 25 mg syringe for 30 mg.

    Callers round the dose to what the line gives first (``rounded_dose(..., finest=line.finest_mg)`` or
    :func:`largest_given`); a dose no product gives is a defect in the caller, so it raises ValueError."""
    for unit in line.units:
        count = _whole(dose_mg / unit.mg)
        if count is not None and (count == 1 or not unit.one_per_dose):
            volume = f"/{unit.volume_ml:g} mL" if unit.volume_ml else ""
            return ProductDose(unit.display, f"{count} x {unit.mg:g} mg{volume} {unit.form}{'s' if count > 1 else ''}",
                               line.group)
    solution = line.solution
    if solution is not None and _whole(dose_mg / solution.mg_per_ml / solution.least_ml) is not None:
        return ProductDose(solution.display, f"{round(dose_mg / solution.mg_per_ml, 6):g} mL of "
                                             f"{solution.mg_per_ml:g} mg/mL {solution.form}", line.group)
    raise ValueError(f"no {line.group} product gives {dose_mg:g} mg")


def largest_given(line: ProductLine, ceiling_mg: float) -> float | None:
    """The largest dose at or below ``ceiling_mg`` that a product of ``line`` gives: rounding that only goes down,
    for a dose cut for safety (R13). None where not even the smallest one does."""
    given = [unit.mg if unit.one_per_dose else math.floor(ceiling_mg / unit.mg + 1e-6) * unit.mg
             for unit in line.units if unit.mg <= ceiling_mg * (1 + 1e-6)]
    if line.solution is not None:
        step = line.finest_mg
        given.append(math.floor(ceiling_mg / step + 1e-6) * step)
    best = round(max(given, default=0.0), 6)
    return best if best > 0 else None


def _tablets(ingredient: str, strengths_mg: tuple[float, ...]) -> tuple[Unit, ...]:
    return tuple(Unit(f"{ingredient} {mg:g} MG Oral Tablet", mg, "tablet") for mg in strengths_mg)


# Prednis(ol)one: 20, 5, 2.5 and 1 mg tablets, else the 1 mg/mL oral solution measured to 0.1 mL (0.1 mg)
ORAL_STEROID_PRODUCTS: dict[str, ProductLine] = {
    ingredient: ProductLine("glucocorticoid_systemic", _tablets(ingredient, (20.0, 5.0, 2.5, 1.0)),
                            Solution(f"{ingredient} 1 MG/ML Oral Solution", 1.0, 0.1, "oral solution"))
    for ingredient in ("prednisone", "prednisolone")
}
# Oral methotrexate in 2.5 mg tablets only: one strength, as mixed strengths invite tablet-count errors
METHOTREXATE_ORAL = ProductLine("methotrexate", _tablets("methotrexate", (2.5,)))
# Injectable methotrexate 25 mg/mL: a prefilled syringe where one holds exactly the dose (0.3-1 mL: 7.5-25 mg),
# else the solution from a vial, measured to 0.01 mL (0.25 mg) in a 1 mL syringe
METHOTREXATE_INJECTION = ProductLine(
    "methotrexate",
    tuple(Unit(f"{ml:g} ML methotrexate 25 MG/ML Prefilled Syringe", round(25 * ml, 6), "prefilled syringe",
               one_per_dose=True, volume_ml=ml)
          for ml in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3)),
    Solution("methotrexate 25 MG/ML Injectable Solution", 25.0, 0.01, "injection solution"))
# Azathioprine 100, 75, 50 and 25 mg tablets, never split (the value sets code no oral liquid)
AZATHIOPRINE_ORAL = ProductLine("azathioprine", _tablets("azathioprine", (100.0, 75.0, 50.0, 25.0)))


def oral_steroid_product(ingredient: str, dose_mg: float) -> ProductDose:
    """The product that gives ``dose_mg`` of ``ingredient`` (prednisone or prednisolone) as it is: the largest
    tablet it is a whole number of, else the oral solution."""
    return product_for(ORAL_STEROID_PRODUCTS[ingredient], dose_mg)
