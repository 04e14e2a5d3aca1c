"""Unit conversion for the quantities the rules read. A unit not listed here is never guessed at."""

from __future__ import annotations

import functools
import re

_ANNOTATION = re.compile(r"\{[^}]*\}")

# Micro is typed either way; the tables spell it with the micro sign.
GREEK_MU, MICRO_SIGN = "\u03bc", "\u00b5"

# canonical unit -> {accepted unit spelling (lower case): factor to the canonical unit}
_CONVERSIONS: dict[str, dict[str, float]] = {
    "U/L": {"u/l": 1.0, "iu/l": 1.0, "u": 1.0, "iu": 1.0, "[iu]/l": 1.0, "units/l": 1.0,
            "ukat/l": 60.0, "µkat/l": 60.0},
    # antibody titres (arbitrary assay units per volume: only the volume converts)
    "U/mL": {"u/ml": 1.0, "iu/ml": 1.0, "[iu]/ml": 1.0, "u/l": 0.001, "iu/l": 0.001, "[iu]/l": 0.001},
    "kg": {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "lb": 0.45359237, "lbs": 0.45359237},
    "cm": {"cm": 1.0, "m": 100.0, "mm": 0.1, "[in_i]": 2.54, "in": 2.54},
    "mg": {"mg": 1.0, "g": 1000.0, "ug": 0.001, "µg": 0.001, "kg": 1.0e6},
    # eGFR; Nordic labs report it per second (1 mL/s = 60 mL/min)
    "mL/min/1.73m2": {"ml/min/{1.73_m2}": 1.0, "ml/min/1.73m2": 1.0, "ml/min/1.73 m2": 1.0,
                      "ml/min": 1.0, "ml/min/{1.73m2}": 1.0, "ml/s/{1.73_m2}": 60.0, "ml/s/1.73m2": 60.0,
                      "ml/s/1.73 m2": 60.0, "ml/s": 60.0, "ml/s/{1.73m2}": 60.0},
    # cell counts; a power of ten or thousands written any other way is read as these (_count_spelling)
    "/uL": {"/ul": 1.0, "/mm3": 1.0, "cells/ul": 1.0, "cells/mm3": 1.0, "10*3/ul": 1000.0, "10*9/l": 1000.0},
    "10*9/L": {"10*9/l": 1.0, "10*3/ul": 1.0, "/ul": 0.001, "/mm3": 0.001, "cells/ul": 0.001, "cells/mm3": 0.001},
    # lactate: 1 mmol/L = 9.008 mg/dL (molar mass 90.08 g/mol); US labs report it in mg/dL
    # lactate is monovalent: 1 mEq/L = 1 mmol/L
    "mmol/L{lactate}": {"mmol/l": 1.0, "meq/l": 1.0, "mg/dl": 1 / 9.008},
    "Cel": {"cel": 1.0, "°c": 1.0, "c": 1.0, "degc": 1.0, "deg c": 1.0, "[degc]": 1.0, "celsius": 1.0,
            "\u2103": 1.0},
    "mIU/L": {"miu/l": 1.0, "m[iu]/l": 1.0, "uiu/ml": 1.0, "µiu/ml": 1.0, "m[iu]/ml": 1000.0},
    "%": {"%": 1.0},
    "kg/m2": {"kg/m2": 1.0},
    "mg/dL": {"mg/dl": 1.0},
    # any mass concentration (troponin in ng/L against a range in ng/mL): the analyte does not matter
    "ng/mL": {"ng/ml": 1.0, "ng/l": 0.001, "pg/ml": 0.001, "ug/l": 1.0, "µg/l": 1.0, "ug/ml": 1000.0,
              "µg/ml": 1000.0, "mg/l": 1000.0, "mg/dl": 10_000.0, "g/l": 1.0e6, "g/dl": 1.0e7},
    # creatinine: 1 mg/dL = 88.42 umol/L (molar mass 113.12 g/mol)
    "mg/dL{creatinine}": {"mg/dl": 1.0, "umol/l": 1 / 88.42, "µmol/l": 1 / 88.42, "mmol/l": 1000 / 88.42,
                          "mg/l": 0.1},
    # pressure (NIF): 1 kPa = 10.1972 cmH2O, 1 mmHg = 1.35951 cmH2O
    "cm[H2O]": {"cm[h2o]": 1.0, "cmh2o": 1.0, "cm h2o": 1.0, "kpa": 10.1972, "mm[hg]": 1.35951, "mmhg": 1.35951},
}


# UCUM time units (FHIR Timing periods and durations) in days; a month is 30 days and a year 365 here.
DAYS_PER_UNIT: dict[str, float] = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1, "wk": 7, "mo": 30, "a": 365}


# The spellings a Duration's free-text unit may carry instead of its UCUM code.
_TIME_UNIT_WORDS = {"day": "d", "days": "d", "week": "wk", "weeks": "wk", "wks": "wk", "hour": "h", "hours": "h",
                    "hr": "h", "hrs": "h", "month": "mo", "months": "mo", "mos": "mo", "year": "a", "years": "a",
                    "yr": "a", "yrs": "a", "minute": "min", "minutes": "min", "mins": "min"}


def to_days(value: float | None, unit: str | None) -> float | None:
    """``value`` in UCUM time ``unit`` (days when none is given) as days; None when either is unknown."""
    spelled = unit.lower() if unit else "d"  # 'D', 'H', 'WK': a unit typed in capitals is the same unit
    factor = DAYS_PER_UNIT.get(_TIME_UNIT_WORDS.get(spelled, spelled))
    return None if value is None or factor is None else value * factor


def convert(value: float, unit: str | None, canonical: str) -> float | None:
    """``value`` in ``unit`` expressed in ``canonical``; None when the unit is unknown for that measure (or the
    measure itself is unknown: a lab's own reference-range unit, say, which only converts to itself)."""
    # a chart repeats a few unit spellings hundreds of times; an odd long one is not kept
    factor = (_cached_factor if unit is None or len(unit) <= 32 else _factor)(unit, canonical)
    return None if factor is None else value * factor


# Cell counts as labs write a power of ten: "x10E3/uL" (LabCorp), "10^3/µL", "x10^9/L", "10(9)/L" -> "10*3/ul"
_POWER_OF_TEN = re.compile(r"x?\s*10\s*(?:[*^ex]\s*\(?|\()([39])\)?\s*/\s*(ul|\u00b5l|mm3|l)")
_THOUSANDS = re.compile(r"(?:k|thou|thousands?)\s*/\s*(?:ul|\u00b5l|mm3)")  # "Thousand/uL" (Quest), "K/µL"


def _count_spelling(key: str) -> str:
    """A cell count's unit in the tables' spelling ('10*3/ul', '10*9/l'); any other unit as it is."""
    if _THOUSANDS.fullmatch(key):
        return "10*3/ul"
    power = _POWER_OF_TEN.fullmatch(key)
    if power is None:
        return key
    return f"10*{power[1]}/{'l' if power[2] == 'l' else 'ul'}"


def _factor(unit: str | None, canonical: str) -> float | None:
    # 'mcg' is how US labs and orders write micro-grams
    key = _count_spelling((unit or "").strip().lower().replace(GREEK_MU, MICRO_SIGN).replace("mcg", MICRO_SIGN + "g"))
    if key == canonical.lower():
        return 1.0
    factor = _CONVERSIONS.get(canonical, {}).get(key)
    if factor is None and "{" in key:  # a UCUM annotation ('U/L{37C}') does not change the unit
        plain = _ANNOTATION.sub("", key)
        return _factor(plain, canonical) if plain and plain != key else None
    return factor


_cached_factor = functools.lru_cache(maxsize=1024)(_factor)


def fahrenheit_to_celsius(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0


# ---------------------------------------------------------------- a unit as a card shows it

# UCUM writes units for machines: '[IU]/mL', 'mL/min/{1.73_m2}', '10*9/L', 'Cel'. A card shows them as people write
# them ('IU/mL', 'mL/min/1.73 m²', '×10⁹/L', '°C'); the quantity itself is read from the code, never from this.
_SYMBOLS = {"Cel": "°C", "[degF]": "°F", "[H2O]": "H₂O", "[Hg]": "Hg", "[IU]": "IU", "[iU]": "IU",
            "[log_10]": "log₁₀", "{s_co_ratio}": "S/CO"}
_SYMBOL = re.compile("|".join(re.escape(s) if s[0] in "[{" else rf"\b{s}\b" for s in _SYMBOLS))
_CUSTOMARY = re.compile(r"\[([a-z]+)_[a-z]+\]")  # '[lb_av]', '[in_i]', '[stone_av]': the unit's own name
_MICRO_PREFIX = re.compile(r"(?<![A-Za-z])u(?=g|L\b|l\b|mol|kat|m\b|IU|eq)")  # 'ug', 'uL', 'umol', 'uIU', 'ueq'
_POWER_OF_TEN_CODE = re.compile(r"10\*(-?\d+)")  # '10*9/L'
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# 'U/g{Hb}', 'mg/g{creat}', 'log{IU}/mL': what it is per (haemoglobin, creatinine) or of, kept as a word
_AFTER_A_UNIT = re.compile(r"(?<=[^\s/])\{([^}]*)\}")
_ON_ITS_OWN = re.compile(r"\{([^}]*)\}")  # '/{1.73_m2}', '{tbl}', '{cells}/uL': the annotation is the unit's name
_AREA_OR_VOLUME = re.compile(r"(?<![A-Za-z])([kcdm]?m)([23])(?![0-9])")  # 'm2', 'mm3' (not 'x10E3')


def display(unit: str | None) -> str:
    """``unit`` (a UCUM code, or a unit as the lab typed it) as a clinician writes it: '[IU]/mL' -> 'IU/mL',
    'mL/min/{1.73_m2}' -> 'mL/min/1.73 m²', '10*9/L' -> '×10⁹/L', 'umol/L' -> 'µmol/L', 'Cel' -> '°C'; the
    dimensionless '1' and no unit give ''. For text only: never read a quantity from what this returns."""
    if not unit or unit == "1":
        return ""
    shown = _SYMBOL.sub(lambda found: _SYMBOLS[found.group()], unit)
    shown = _CUSTOMARY.sub(r"\1", shown)
    shown = _MICRO_PREFIX.sub(MICRO_SIGN, shown)
    shown = _POWER_OF_TEN_CODE.sub(lambda found: "×10" + found[1].translate(_SUPERSCRIPTS), shown)
    shown = _AFTER_A_UNIT.sub(lambda found: " " + found[1].replace("_", " "), shown)
    shown = _ON_ITS_OWN.sub(lambda found: found[1].replace("_", " "), shown)
    shown = shown.replace("[", "").replace("]", "")  # any other atom in brackets: '/[HPF]'
    return _AREA_OR_VOLUME.sub(lambda found: found[1] + found[2].translate(_SUPERSCRIPTS), shown)
