"""Dose arithmetic: units, frequencies, strengths from the drug name, PEQ, BSA, weights, rounding."""

from __future__ import annotations

import pytest

from hooks.definitions.paediatric_doses import PULSE_VIALS_MG, pulse_product
from hooks.dosing import (
    AZATHIOPRINE_ORAL,
    CHILD_FINER_STEPS_MG,
    METHOTREXATE_INJECTION,
    METHOTREXATE_ORAL,
    ORAL_STEROID_PRODUCTS,
    PER_KG_UNITS,
    PER_M2_UNITS,
    ProductLine,
    adjusted_body_weight,
    concentration_mg_per_ml,
    daily_mg,
    daily_share,
    dose_per_administration,
    ideal_body_weight,
    largest_given,
    mg_per_body_day,
    mg_per_kg,
    mg_per_kg_day,
    mosteller_bsa,
    oral_steroid_product,
    per_body,
    per_day_contradiction,
    periods_per_day,
    practical_dose,
    prednisone_equivalent,
    product_for,
    round_to,
    rounded_dose,
    share_step,
    strength_disagreement,
    strength_mg,
    unit_key,
    why_no_daily_mg,
    why_no_frequency,
)
from hooks.record import Coding, Concept, Dosage, MedicationOrder, Quantity, Timing
from hooks.valuesets import CodeInfo


def _concept(display: str, ingredient: str = "prednisone") -> Concept:
    return Concept((Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "1", display),), display,
                   (CodeInfo("glucocorticoid_systemic", ingredient, display),))


def _dosage(value: float, unit: str, **timing) -> Dosage:
    return Dosage(Quantity(value, unit), Timing(**timing), None, None, False)


@pytest.mark.parametrize(("timing", "per_day"), [
    ({"frequency": 1, "period": 1, "period_unit": "d"}, 1),
    ({"frequency": 2, "period": 1, "period_unit": "d"}, 2),
    ({"frequency": 1, "period": 1, "period_unit": "wk"}, 1 / 7),
    ({"frequency": 1, "period": 2, "period_unit": "d"}, 0.5),
    ({"frequency": 1, "period": 8, "period_unit": "h"}, 3),
    ({"frequency": 1, "period": 1, "period_unit": "d", "days_of_week": ("mon", "wed", "fri")}, 3 / 7),
    ({"frequency": 1, "period": 1, "period_unit": "wk", "days_of_week": ("mon",)}, 1 / 7),
    ({"code": "BID"}, 2),
    ({"code": "WK"}, 1 / 7),
    ({"code": "QOD"}, 0.5),
    ({"days_of_week": ("mon",)}, 1 / 7),
    ({"code": "SOMETIMES"}, None),
    ({"frequency": 1, "period": 1, "period_unit": "fortnight"}, None),
    ({"frequency": 2, "period": 1, "period_unit": "wk", "days_of_week": ("mon", "thu")}, 2 / 7),
    ({"frequency": 1, "period": 1, "period_unit": "wk", "days_of_week": ("mon", "thu")}, 2 / 7),  # both days count
    ({"frequency": 1, "period": 2, "period_unit": "wk", "days_of_week": ("mon", "thu")}, 2 / 14),
    ({"frequency": 1}, None),  # a frequency with no period: daily or weekly is exactly what it does not say
    ({"frequency": 1, "period": 1}, None),  # a period with no unit
    ({"code": "QW"}, 1 / 7),
    ({"code": "QWK"}, 1 / 7),
    ({"code": "Q7D"}, 1 / 7),
    ({"code": "Q2WK"}, 1 / 14),
    ({"code": "Q24H"}, 1),
    ({"code": "Q72H"}, 1 / 3),
    ({"code": "Q8H"}, 3),
    ({"code": "BED"}, 1),
    ({"code": "Q0H"}, None),
    # several times of day are that many administrations on each day given
    ({"frequency": 1, "period": 1, "period_unit": "wk", "days_of_week": ("mon",), "times_of_day": ("08:00", "20:00")},
     2 / 7),
    ({"days_of_week": ("mon",), "times_of_day": ("08:00", "20:00")}, 2 / 7),
    ({"frequency": 1, "period": 1, "period_unit": "d", "times_of_day": ("08:00", "20:00")}, 2),
    ({"frequency": 2, "period": 1, "period_unit": "d", "when": ("MORN", "EVE")}, 2),  # the same two, not four
    ({"code": "QD", "when": ("MORN", "EVE")}, 2),
    ({"code": "WK", "times_of_day": ("08:00", "20:00")}, 2 / 7),
    ({"times_of_day": ("08:00", "20:00")}, 2),
    # every 12 hours at 08:00 and 20:00 is twice a day, as Q12H at those times is (not 2 times x 2 periods)
    ({"frequency": 1, "period": 12, "period_unit": "h", "times_of_day": ("08:00", "20:00")}, 2),
    ({"frequency": 1, "period": 12, "period_unit": "h", "times_of_day": ("08:00", "14:00", "20:00")}, 3),
    ({"frequency": 1, "period": 8, "period_unit": "h", "times_of_day": ("08:00", "20:00")}, 3),
    ({"code": "Q12H", "times_of_day": ("08:00", "20:00")}, 2),
    # frequencyMax: '1-3 times a day' may be three times, as an overdose check must assume
    ({"frequency": 1, "frequency_max": 3, "period": 1, "period_unit": "d"}, 3),
    ({"frequency": 1, "frequency_max": 2, "period": 1, "period_unit": "wk"}, 2 / 7),
    ({"frequency": 2, "frequency_max": 1, "period": 1, "period_unit": "d"}, 2),  # a maximum below the frequency
    ({"frequency": 1, "period": 12, "period_unit": "h", "days_of_week": ("mon",), "times_of_day": ("08:00", "20:00")},
     2 / 7),
])
def test_periods_per_day(timing, per_day):
    result = periods_per_day(Timing(**timing))
    assert result == pytest.approx(per_day) if per_day is not None else result is None


WEEKLY_ON_MONDAY = {"frequency": 1, "period": 1, "period_unit": "wk", "days_of_week": ("mon",)}


# (timing, as the dose checks read it, as "given again and again" reads it: negative_frequency_as_once); FHIR's
# frequency and period are positive
INVALID_REPEATS = [
    # a period of 0 is read as one unit (R08 adds that it cannot be read)
    pytest.param({**WEEKLY_ON_MONDAY, "period": 0}, 1 / 7, 1 / 7, id="weekly, period 0"),
    pytest.param({"frequency": 1, "period": -1, "period_unit": "d"}, None, None, id="period -1"),
    # a negative frequency: no dose check can bound it; whether an order repeats reads it as once a period
    pytest.param({"frequency": -1, "period": 1, "period_unit": "d"}, None, 1, id="daily, frequency -1"),
    pytest.param({**WEEKLY_ON_MONDAY, "frequency": -1}, None, 1 / 7, id="weekly, frequency -1"),
    pytest.param({"frequency": -1, "frequency_max": 2, "period": 1, "period_unit": "d"}, 2, 2,
                 id="frequency -1, frequencyMax 2"),  # its maximum bounds it
    # a frequency of 0 is none stated (once a period) by every reading
    pytest.param({"frequency": 0, "period": 1, "period_unit": "d"}, 1, 1, id="daily, frequency 0"),
]


@pytest.mark.parametrize(("timing", "dose_check", "repeats"), INVALID_REPEATS)
def test_a_repeat_fhir_does_not_allow_is_read_as_each_reader_needs(timing, dose_check, repeats):
    odd = Timing(**timing)
    for reading, expected in ((periods_per_day(odd), dose_check),
                              (periods_per_day(odd, negative_frequency_as_once=True), repeats)):
        assert reading == pytest.approx(expected) if expected is not None else reading is None


@pytest.mark.parametrize(("timing", "per_day"), [
    ({**WEEKLY_ON_MONDAY, "code": "QD"}, 1),
    ({**WEEKLY_ON_MONDAY, "code": "BID"}, 2),
    ({**WEEKLY_ON_MONDAY, "code": "WK"}, 1 / 7),
    ({**WEEKLY_ON_MONDAY, "code": "Q2WK"}, 1 / 7),  # the repeat gives more: it wins
    ({"frequency": 1, "period": 1, "period_unit": "d", "code": "WK"}, 1),
])
def test_of_a_repeat_and_a_timing_code_that_disagree_the_one_giving_more_wins(timing, per_day):
    """A repeat weekly on Monday with timing.code QD or BID read as weekly: the code was ignored whenever the
    repeat had a frequency. An overdose check must assume the encoding that gives more (found by review)."""
    assert periods_per_day(Timing(**timing)) == pytest.approx(per_day)


def test_dose_units_and_weight_based_doses():
    concept = _concept("prednisone 20 MG Oral Tablet")
    assert dose_per_administration(_dosage(1, "g"), concept).mg == 1000
    assert dose_per_administration(_dosage(500, "mcg"), concept).mg == 0.5
    assert dose_per_administration(_dosage(500, "\u00b5g"), concept).mg == 0.5  # micro sign
    assert dose_per_administration(_dosage(500, "\u03bcg"), concept).mg == 0.5  # Greek mu, as often typed
    assert dose_per_administration(_dosage(1, "mg/kg"), concept) is None  # no weight: no dose
    assert dose_per_administration(_dosage(1, "mg/kg"), concept, weight_kg=72).mg == 72
    assert dose_per_administration(_dosage(2, "g/kg"), concept, weight_kg=70).mg == 140_000
    assert dose_per_administration(_dosage(15, "mg/m2"), concept, bsa_m2=1.8).mg == pytest.approx(27)
    assert dose_per_administration(_dosage(3, "TAB"), concept).mg == 60  # three 20 mg tablets
    assert dose_per_administration(_dosage(3, "furlongs"), concept) is None


def test_a_dose_in_ml_is_read_through_the_products_concentration():
    solution = _concept("prednisolone 3 MG/ML Oral Solution", "prednisolone")
    assert dose_per_administration(_dosage(40, "mL"), solution).mg == 120
    vial = _concept("pembrolizumab 100 MG in 4 ML Injection", "pembrolizumab")
    assert dose_per_administration(_dosage(8, "mL"), vial).mg == 200
    combination = _concept("sulfamethoxazole 40 MG/ML / trimethoprim 8 MG/ML Oral Suspension", "tmp_smx")
    assert dose_per_administration(_dosage(10, "mL"), combination, ingredient="trimethoprim").mg == 80
    assert dose_per_administration(_dosage(10, "mL"), combination) is None  # which ingredient is not said
    assert dose_per_administration(_dosage(5, "mL"), _concept("prednisone 20 MG Oral Tablet")) is None


def test_a_per_kg_per_day_dose_is_the_whole_days_amount():
    """2 mg/kg/day given twice a day is 1 mg/kg each time (not 2 mg/kg twice: a doubled daily dose)."""
    twice = {"frequency": 2, "period": 1, "period_unit": "d"}
    assert mg_per_kg(_dosage(2, "mg/kg/day", **twice)) == 1
    assert mg_per_kg(_dosage(2, "mg/kg", **twice)) == 2
    assert mg_per_kg(_dosage(0.002, "g/kg", **twice)) == pytest.approx(2)
    assert mg_per_kg(_dosage(2, "mg/kg/d", code="SOMETIMES")) is None  # the day's share is unknown
    assert mg_per_kg(_dosage(100, "mg/m2", **twice)) is None
    order = MedicationOrder("MedicationRequest", "x", _concept("azathioprine 50 MG Oral Tablet", "azathioprine"),
                            "active", "order", None, None, None, (_dosage(2, "mg/kg/day", **twice),))
    assert daily_mg(order, weight_kg=70) == pytest.approx(140)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


@pytest.mark.parametrize(("unit", "timing", "each"), [
    ("g/kg/day", {"frequency": 1, "period": 1, "period_unit": "d", "days_of_week": WEEKDAYS}, 400),
    ("mg/kg/day", {"frequency": 2, "period": 1, "period_unit": "d", "days_of_week": WEEKDAYS}, 0.2),
    ("mg/kg/day", {"code": "Q8H"}, 0.4 / 3),
    ("mg/kg/day", {"frequency": 1, "period": 12, "period_unit": "h"}, 0.2),
], ids=["Mon-Fri daily", "Mon-Fri twice daily", "every 8 hours", "every 12 hours"])
def test_a_per_day_dose_is_shared_over_the_administrations_of_a_day_it_is_given(unit, timing, each):
    """Review: a per-day dose was divided by the administrations per calendar day, so 0.4 g/kg/day Monday to
    Friday read as 0.56 g/kg each time (x 7/5), IVIG's cycle with it. The days named only pick the days."""
    assert mg_per_kg(_dosage(0.4, unit, **timing)) == pytest.approx(each)
    assert per_day_contradiction(_dosage(0.4, unit, **timing)) is None


@pytest.mark.parametrize(("unit", "timing", "how_often"), [
    ("mg/m2/d", {"frequency": 1, "period": 1, "period_unit": "wk"}, "once weekly"),
    ("mg/m2/day", {"frequency": 1, "period": 1, "period_unit": "mo"}, "every 30 days"),
    ("mg/kg/day", {"frequency": 1, "period": 2, "period_unit": "d"}, "every 2 days"),
    ("g/kg/day", {"code": "QW"}, "once weekly"),
    ("mg/kg/day", {"days_of_week": ("mon", "thu")}, "2 days a week"),
], ids=["weekly", "monthly", "every other day", "coded weekly", "named weekdays, no daily repeat"])
def test_a_per_day_dose_given_less_often_than_daily_is_a_contradiction_not_read(unit, timing, how_often):
    """Review: 15 mg/m2/d once weekly read as 105 mg/m2 a week (R32's confident 111 mg/week), 500 mg/m2/day
    monthly as 15,000 mg/m2 each time. Which was meant is not guessed: the order is named as contradictory."""
    dosage = _dosage(15, unit, **timing)
    concept = _concept("cyclophosphamide 500 MG Injection", "cyclophosphamide")
    assert dose_per_administration(dosage, concept, weight_kg=30, bsa_m2=1.0) is None
    assert mg_per_kg(dosage) is None
    assert f"on a schedule less often than daily ({how_often}): a contradictory order" in (
        per_day_contradiction(dosage) or "")


def test_a_per_day_dose_with_no_frequency_is_no_contradiction():
    """Its day is known (mg/kg/day with no frequency is the day's dose); only its dose each time is not."""
    dosage = _dosage(2, "mg/kg/day", code="SOMETIMES")
    assert per_day_contradiction(dosage) is None and mg_per_kg(dosage) is None
    assert per_day_contradiction(_dosage(15, "mg/m2", period=1, period_unit="wk")) is None  # not written per day


@pytest.mark.parametrize(("value", "unit", "mg", "basis", "per_day"), [
    (750, "mg/m2", 750, "m2", False),
    (0.75, "g/m2", 750, "m2", False),  # audit F7: g/m2 was no BSA dose at all
    (0.75, "G/M2", 750, "m2", False),
    (750, "mg/m²", 750, "m2", False),
    (750, "mg/[m2]", 750, "m2", False),
    (60, "mg/m2/day", 60, "m2", True),
    (15_000, "mcg/kg", 15, "kg", False),
    (15_000, "\u03bcg/kg", 15, "kg", False),  # Greek mu
    (15_000, "\u00b5g/kg", 15, "kg", False),  # micro sign
    (2, "g/kg", 2000, "kg", False),
    (2, "mg/kg/d", 2, "kg", True),
])
def test_a_dose_per_kg_or_per_m2_is_read_in_any_mass_unit(value, unit, mg, basis, per_day):
    written = per_body(Quantity(value, unit))
    assert written is not None and (written.basis, written.per_day) == (basis, per_day)
    assert written.mg == pytest.approx(mg)
    assert unit_key(Quantity(value, unit)) in (PER_KG_UNITS if basis == "kg" else PER_M2_UNITS)


@pytest.mark.parametrize("unit", ["mg", "g", "mg/kg/h", "mg/m3", "kg/m2", "furlongs/kg"])
def test_other_units_are_no_dose_per_body_size(unit):
    assert per_body(Quantity(1, unit)) is None


def test_a_dose_per_m2_in_grams_or_per_day_gives_its_mg():
    """0.75 g/m2 at 1.8 m2 is 1,350 mg (it read as 0.75 mg/m2, or not at all); 60 mg/m2/day given twice a day is
    30 mg/m2 each time, as mg/kg/day is shared."""
    concept = _concept("cyclophosphamide 500 MG Injection", "cyclophosphamide")
    grams = dose_per_administration(_dosage(0.75, "g/m2"), concept, bsa_m2=1.8)
    assert grams is not None and grams.mg == pytest.approx(1350) and grams.basis == "0.75 g/m2 x 1.80 m2"
    assert dose_per_administration(_dosage(0.75, "g/m2"), concept, weight_kg=70) is None  # a BSA dose needs a BSA
    twice = {"frequency": 2, "period": 1, "period_unit": "d"}
    assert dose_per_administration(_dosage(60, "mg/m2/day", **twice), concept, bsa_m2=1.5).mg == pytest.approx(45)
    assert dose_per_administration(_dosage(60, "mg/m2/day", code="SOMETIMES"), concept, bsa_m2=1.5) is None
    assert dose_per_administration(_dosage(15_000, "mcg/kg"), concept, weight_kg=70).mg == pytest.approx(1050)
    assert mg_per_kg_day(Quantity(500, "ug/kg"), 2) == pytest.approx(1)
    assert mg_per_body_day(Quantity(0.015, "g/m2"), 1 / 7, "m2") == pytest.approx(15 / 7)
    assert mg_per_body_day(Quantity(0.015, "g/m2"), 1 / 7, "kg") is None


def test_strength_for_combination_products_needs_the_ingredient():
    concept = _concept("sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet", "sulfamethoxazole/trimethoprim")
    assert strength_mg(concept, "trimethoprim") == 160
    assert strength_mg(concept, "sulfamethoxazole") == 800
    assert strength_mg(concept) is None  # ambiguous without the ingredient
    assert strength_mg(_concept("methotrexate 25 MG/ML Injectable Solution", "methotrexate")) is None


def test_prednisone_equivalents():
    def order(display: str, ingredient: str, dose: float) -> MedicationOrder:
        return MedicationOrder("MedicationRequest", "x", _concept(display, ingredient), "active", "order", None,
                               None, None, (_dosage(dose, "mg", frequency=1, period=1, period_unit="d"),))

    assert prednisone_equivalent(order("methylprednisolone 4 MG Oral Tablet", "methylprednisolone", 4)) == 5
    assert prednisone_equivalent(order("dexamethasone 4 MG Oral Tablet", "dexamethasone", 0.75)) == \
        pytest.approx(5, abs=0.01)
    assert prednisone_equivalent(order("hydrocortisone 20 MG Oral Tablet", "hydrocortisone", 20)) == 5
    assert prednisone_equivalent(order("prednisolone 5 MG Oral Tablet", "prednisolone", 40)) == 40


def test_body_size_formulas():
    assert mosteller_bsa(180, 80) == pytest.approx(2.0)
    assert ideal_body_weight(175.26, "male") == pytest.approx(70.7, abs=0.1)  # 5'9"
    assert adjusted_body_weight(120, 175.26, "male") == pytest.approx(70.7 + 0.4 * (120 - 70.7), abs=0.1)
    assert adjusted_body_weight(60, 175.26, "male") == 60  # below ideal: the actual weight


def test_rounding_is_half_up_to_practical_units():
    assert round_to(1125, 250) == 1250
    assert round_to(1124, 250) == 1000
    assert round_to(67.5, 5) == 70
    assert round_to(142.4, 5) == 140


def test_a_practical_dose_is_in_whole_steps_and_never_above_its_cap():
    assert practical_dose(72, 5, 80) == (70, False)  # nearest 5 mg
    assert practical_dose(83, 5, 80) == (80, True)
    assert practical_dose(81, 5, 83) == (80, False)  # a cap that is not a whole step: rounding stays under it
    assert practical_dose(84, 5, 83) == (80, True)  # 85 would pass the 83 mg cap
    assert practical_dose(651, 10, 1000, round_down=True) == (650, False)  # a per-kg maximum: never round up
    assert practical_dose(64, 2.5, 60, round_down=True) == (60, True)
    assert practical_dose(0.3 * 3 * 100, 10, 1000, round_down=True) == (90, False)  # float noise is not a step down


@pytest.mark.parametrize(("raw", "step", "cap", "round_down", "expected"), [
    (2 * 0.4, 2.5, 60, True, (0.8, False)),  # a 0.4 kg neonate's 2 mg/kg prednisolone: was 0 mg
    (30 * 0.3, 10, 1000, True, (9.0, False)),  # a 0.3 kg neonate's 30 mg/kg pulse: was 0 mg
    (25 * 3, 250, 3000, False, (75.0, False)),  # a 3 kg infant's vancomycin load: was 0 mg
    (25 * 6, 250, 3000, False, (150.0, False)),  # a 6 kg infant's: was one 250 mg vial, 42 mg/kg
    (0.1 * 3, 2.5, 60, False, (0.3, False)),  # to 0.1 mg without float noise (not 0.30000000000000004)
    (50, 25, 3 * 5, True, (15.0, True)),  # a cap below one step caps to 0.1 mg, not to 0 mg
])
def test_a_practical_dose_smaller_than_one_step_is_given_to_a_tenth_of_a_mg(raw, step, cap, round_down, expected):
    """A dose below half a step was rounded to 0 mg (and one below a whole step up to as much as twice itself): a
    suggested order of 0 mg is never right. No whole step fits such a dose, so it is given to 0.1 mg, as a day's
    share is (share_step), never above the cap."""
    assert practical_dose(raw, step, cap, round_down=round_down) == expected
    assert share_step(min(raw, cap), 1, step) == 0.1


def test_a_daily_share_never_sums_above_the_total():
    assert daily_share(194, 5, 2.5) == 37.5  # 40 x 5 = 200 would overshoot
    assert daily_share(187.5, 5, 2.5) == 37.5  # exact
    assert daily_share(144, 5, 2.5) == 27.5
    assert daily_share(6, 5, 2.5) == 1.2  # a 3 kg infant: less than a vial a day, never 0 g


def test_the_share_step_is_what_the_daily_share_rounds_to():
    assert share_step(194, 5, 2.5) == 2.5
    assert share_step(6, 5, 2.5) == 0.1  # less than a vial a day: rounded to 0.1 g
    assert share_step(12.5, 5, 2.5) == 2.5  # exactly one vial a day is a whole step


@pytest.mark.parametrize(("unit", "days"), [
    ("d", 2), ("D", 2), ("days", 2), ("wk", 14), ("WK", 14), ("wks", 14), ("h", 2 / 24), ("hr", 2 / 24),
    ("hrs", 2 / 24), ("H", 2 / 24), ("mo", 60), ("mos", 60), ("yr", 730), ("mins", 2 / 1440), (None, 2),
    ("fortnights", None)])
def test_time_units_as_written_on_orders(unit, days):
    """'4 hr' and '2 D' were not read as times (the IVIG cycle reading then called them unreadable)."""
    from hooks.units import to_days

    assert to_days(2, unit) == days


def test_unit_spellings_odd_and_long():
    from hooks.units import convert

    assert convert(5, "U/L{", "U/L") is None  # an unclosed annotation is an unknown unit, not endless recursion
    assert convert(5, "U/L{37C}", "U/L") == 5
    assert convert(5, "x" * 10_000, "U/L") is None


@pytest.mark.parametrize(("raw", "step", "cap", "round_down", "mg", "how"), [
    (72, 5, 80, False, 70, "rounded to 5 mg"),
    (95, 5, 80, False, 80, "rounded to 5 mg, capped at 80 mg"),
    (4.3, 5, 80, False, 4.3, "below one 5 mg step, given to 0.1 mg"),
    (2.47, 2.5, 60, True, 2.4, "below one 2.5 mg step, rounded down to 0.1 mg"),
    (1312, 250, 2000, False, 1250, "rounded to 250 mg"),
])
def test_a_rounded_dose_says_how_it_was_rounded(raw, step, cap, round_down, mg, how):
    dose = rounded_dose(raw, step, cap, round_down=round_down)
    assert (dose.mg, dose.how) == (mg, how)
    assert dose.capped == ("capped" in how)


@pytest.mark.parametrize(("raw", "step", "round_down", "mg", "how"), [
    # R31's 1 mg/kg prednisone at 7.5 kg: 3 x 2.5 mg (whole 5 mg tablets made it 10 mg, a third over)
    (7.5, 2.5, False, 7.5, "rounded to 2.5 mg"),
    # 0.5 mg/kg at 7.5 kg: 2.5 mg steps give 5 mg (a third over), whole mg is within a tenth
    (3.75, 2.5, False, 4, "2.5 mg steps more than 10% off, rounded to 1 mg"),
    # R32's 2 mg/kg at 12.3 kg: 22.5 mg is 8.5% under, within a tenth
    (24.6, 2.5, True, 22.5, "rounded down to 2.5 mg"),
    # at 7 kg: 12.5 mg would be 10.7% under
    (14, 2.5, True, 14, "2.5 mg steps more than 10% off, rounded down to 1 mg"),
    # at 1.2 kg: 2 mg would be 17% under
    (2.4, 2.5, True, 2.4, "1 mg steps more than 10% off, rounded down to 0.1 mg"),
    (0.8, 2.5, True, 0.8, "below one 1 mg step, rounded down to 0.1 mg"),
    # R31's 2 mg/kg methylprednisolone at 7.5 kg: 10 mg steps give 20 mg
    (15, 10, False, 15, "10 mg steps more than 10% off, rounded to 1 mg"),
    (70, 2.5, True, 60, "rounded down to 2.5 mg, capped at 60 mg"),
])
def test_a_childs_dose_is_rounded_by_at_most_a_tenth(raw, step, round_down, mg, how):
    """A child's prednisone was rounded to whole 5 mg tablets (R31: 7.5 mg at 7.5 kg became 10 mg) and R32's and
    R19's prednisolone down to 2.5 mg whatever that took off (6 mg at 3 kg became 5 mg). With the finer steps a
    child's dose takes the coarse step only within a tenth, then whole mg, then 0.1 mg; never above the cap."""
    dose = rounded_dose(raw, step, 60, round_down=round_down, finer_steps=CHILD_FINER_STEPS_MG)
    assert (dose.mg, dose.how) == (mg, how)
    assert dose.capped == ("capped" in how)


@pytest.mark.parametrize(("raw", "mg", "how"), [
    (641.25, 600, "rounded to 100 mg"),  # R16's 375 mg/m2 at 1.71 m2
    (41.25, 41.3, "below one 100 mg step, given to 0.1 mg"),
    (5000, 5000, "rounded to 100 mg"),  # no cap: never "capped"
])
def test_a_rounded_dose_may_have_no_cap(raw, mg, how):
    dose = rounded_dose(raw, 100, None)
    assert (dose.mg, dose.capped, dose.how) == (mg, False, how)


@pytest.mark.parametrize(("raw", "mg", "how"), [
    (82.5, 82.5, "below 5 whole 250 mg steps (1,250 mg), given to 0.1 mg"),
    (1125, 1125, "below 5 whole 250 mg steps (1,250 mg), given to 0.1 mg"),
    (1312, 1250, "rounded to 250 mg"),
    (4000, 3000, "rounded to 250 mg, capped at 3,000 mg"),
])
def test_whole_steps_from_a_number_of_them_say_so_as_below_one_step_does(raw, mg, how):
    """R01 gives a vancomycin load below five 250 mg vials to 0.1 mg; it said so in its own words ("rounded to 0.1
    mg: whole 250 mg vials only from 1,250 mg"), unlike every other rule's "below one 5 mg step, given to 0.1 mg"."""
    dose = rounded_dose(raw, 250, 3000, min_steps=5)
    assert (dose.mg, dose.how) == (mg, how)


@pytest.mark.parametrize(("ingredient", "mg", "display", "amount"), [
    ("prednisone", 60, "prednisone 20 MG Oral Tablet", "3 x 20 mg tablets"),
    ("prednisone", 20, "prednisone 20 MG Oral Tablet", "1 x 20 mg tablet"),
    ("prednisone", 70, "prednisone 5 MG Oral Tablet", "14 x 5 mg tablets"),
    ("prednisone", 7.5, "prednisone 2.5 MG Oral Tablet", "3 x 2.5 mg tablets"),
    ("prednisone", 3, "prednisone 1 MG Oral Tablet", "3 x 1 mg tablets"),
    ("prednisone", 2.2, "prednisone 1 MG/ML Oral Solution", "2.2 mL of 1 mg/mL oral solution"),
    ("prednisolone", 42.5, "prednisolone 2.5 MG Oral Tablet", "17 x 2.5 mg tablets"),
    ("prednisolone", 0.8, "prednisolone 1 MG/ML Oral Solution", "0.8 mL of 1 mg/mL oral solution"),
])
def test_an_oral_steroid_dose_is_ordered_as_a_product_that_gives_it(kb, ingredient, mg, display, amount):
    """R31 ordered 3 mg of prednisone as 5 mg tablets, R19 70 mg as 20 mg tablets and R32 22.5 mg of prednisolone
    as 5 mg tablets. The product is now the largest tablet the dose is a whole number of, else the 1 mg/mL oral
    solution; every one of them is an RxNorm clinical drug of the value sets, so the order carries its code."""
    product = oral_steroid_product(ingredient, mg)
    assert (product.display, product.amount) == (display, amount)
    system, _, shown = kb.valuesets.by_display[("glucocorticoid_systemic", display.lower())]
    assert system == "http://www.nlm.nih.gov/research/umls/rxnorm" and shown == display


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PRODUCT_LINES = (*ORAL_STEROID_PRODUCTS.values(), METHOTREXATE_ORAL, METHOTREXATE_INJECTION, AZATHIOPRINE_ORAL)


@pytest.mark.parametrize("line", PRODUCT_LINES, ids=lambda line: line.units[0].display)
def test_every_product_a_suggestion_can_name_is_a_coded_rxnorm_drug_of_its_group(kb, line: ProductLine):
    """No code is typed in: each product is found by its display in the value sets, and orders.concept would send
    a display it cannot find as text only."""
    displays = [unit.display for unit in line.units] + ([line.solution.display] if line.solution else [])
    for display in displays:
        system, _, shown = kb.valuesets.by_display[(line.group, display.lower())]
        assert system == RXNORM and shown.lower() == display.lower()


@pytest.mark.parametrize("display", [f"methylprednisolone {mg:g} MG Injection" for mg in PULSE_VIALS_MG])
def test_every_pulse_product_is_a_coded_rxnorm_methylprednisolone_injection(kb, display):
    """R19 named the 1 g vial for a child's 420 mg and R07 "methylprednisolone Injectable Product", a group that
    takes in the acetate suspension (never IV). Each product a pulse can name is found in the value sets."""
    system, code, shown = kb.valuesets.by_display[("glucocorticoid_systemic", display.lower())]
    assert system == RXNORM and shown == display
    assert [info.concept for info in kb.valuesets.lookup_code(system, code)] == ["methylprednisolone"]


@pytest.mark.parametrize(("mg", "display"), [
    (1000, "methylprednisolone 1000 MG Injection"),  # an adult's pulse, or a child's capped at 1 g
    (500, "methylprednisolone 500 MG Injection"),
    (420, "methylprednisolone 500 MG Injection"),  # a child's 30 mg/kg at 14 kg: the smallest vial that holds it
    (126, "methylprednisolone 500 MG Injection"),
    (125, "methylprednisolone 125 MG Injection"),
    (27, "methylprednisolone 40 MG Injection"),
])
def test_a_pulse_names_the_smallest_succinate_vial_that_holds_the_dose(mg, display):
    """Never a strength-free methylprednisolone injection concept: those take in the acetate suspension too
    (Depo-Medrol, never IV). The dose itself is the order's doseQuantity and text."""
    assert pulse_product(mg) == display


@pytest.mark.parametrize(("mg", "display", "amount"), [
    (7.5, "0.3 ML methotrexate 25 MG/ML Prefilled Syringe", "1 x 7.5 mg/0.3 mL prefilled syringe"),
    (17.5, "0.7 ML methotrexate 25 MG/ML Prefilled Syringe", "1 x 17.5 mg/0.7 mL prefilled syringe"),
    (25, "1 ML methotrexate 25 MG/ML Prefilled Syringe", "1 x 25 mg/1 mL prefilled syringe"),
    (2.5, "methotrexate 25 MG/ML Injectable Solution", "0.1 mL of 25 mg/mL injection solution"),
    (5, "methotrexate 25 MG/ML Injectable Solution", "0.2 mL of 25 mg/mL injection solution"),
    (1.75, "methotrexate 25 MG/ML Injectable Solution", "0.07 mL of 25 mg/mL injection solution"),
    (30, "methotrexate 25 MG/ML Injectable Solution", "1.2 mL of 25 mg/mL injection solution"),  # never 2 syringes
])
def test_injectable_methotrexate_is_a_syringe_of_exactly_the_dose_else_the_solution_by_volume(mg, display, amount):
    """R32 and R09 named 'methotrexate 25 MG/ML Prefilled Syringe' for any dose; the syringes hold 7.5-25 mg."""
    product = product_for(METHOTREXATE_INJECTION, mg)
    assert (product.display, product.amount) == (display, amount)


@pytest.mark.parametrize(("line", "mg", "display", "amount"), [
    (METHOTREXATE_ORAL, 15, "methotrexate 2.5 MG Oral Tablet", "6 x 2.5 mg tablets"),
    (AZATHIOPRINE_ORAL, 25, "azathioprine 25 MG Oral Tablet", "1 x 25 mg tablet"),
    (AZATHIOPRINE_ORAL, 75, "azathioprine 75 MG Oral Tablet", "1 x 75 mg tablet"),
    (AZATHIOPRINE_ORAL, 150, "azathioprine 75 MG Oral Tablet", "2 x 75 mg tablets"),
    (AZATHIOPRINE_ORAL, 125, "azathioprine 25 MG Oral Tablet", "5 x 25 mg tablets"),
])
def test_tablets_are_the_largest_the_dose_is_a_whole_number_of(line, mg, display, amount):
    product = product_for(line, mg)
    assert (product.display, product.amount) == (display, amount)


@pytest.mark.parametrize(("line", "mg"), [
    (AZATHIOPRINE_ORAL, 12.5),  # half a 25 mg tablet: never split
    (METHOTREXATE_ORAL, 16),  # 6.4 tablets; there is no oral methotrexate solution in the line
    (METHOTREXATE_INJECTION, 1.8),  # 0.072 mL: below what a 1 mL syringe measures (0.01 mL)
    (AZATHIOPRINE_ORAL, 0),
])
def test_a_dose_no_product_gives_is_refused_never_named_on_a_product(line, mg):
    with pytest.raises(ValueError, match=r"no \w+ product gives"):
        product_for(line, mg)


@pytest.mark.parametrize(("line", "ceiling", "mg"), [
    (AZATHIOPRINE_ORAL, 41.7, 25),  # a third of 125 mg: 50 mg would be above it
    (AZATHIOPRINE_ORAL, 50, 50),
    (AZATHIOPRINE_ORAL, 75 / 3, 25),  # float noise is not a step down
    (AZATHIOPRINE_ORAL, 16.7, None),  # not even one 25 mg tablet
    (METHOTREXATE_INJECTION, 1.8, 1.75),  # 0.07 mL of 25 mg/mL
    (METHOTREXATE_INJECTION, 0.2, None),
])
def test_the_largest_dose_a_product_gives_at_or_below_a_ceiling(line, ceiling, mg):
    dose = largest_given(line, ceiling)
    assert dose == mg
    if dose is not None:
        product_for(line, dose)  # and a product gives it


def test_below_one_step_a_dose_goes_to_the_least_amount_the_product_measures():
    """A child's 15 mg/m2 methotrexate at 0.115 m2 (1.73 mg) was given to 0.1 mg (1.7 mg: 0.068 mL of 25 mg/mL,
    which no syringe measures); it now goes to the solution's 0.01 mL, 0.25 mg."""
    dose = rounded_dose(1.73, 2.5, 40, finest=METHOTREXATE_INJECTION.finest_mg)
    assert (dose.mg, dose.how) == (1.75, "below one 2.5 mg step, given to 0.25 mg")
    assert product_for(METHOTREXATE_INJECTION, dose.mg).amount == "0.07 mL of 25 mg/mL injection solution"


def test_strength_from_the_value_sets_name_of_a_code_sent_with_no_name():
    coded = CodeInfo("methotrexate", "methotrexate", "methotrexate 2.5 MG Oral Tablet")
    code_only = Concept((Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "105585", None),), None, (coded,))
    assert strength_mg(code_only) == 2.5
    named_alike = Concept((Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "105585", "MTX 2.5 mg tab"),), None,
                          (coded,))
    assert strength_mg(named_alike) == 2.5
    named_otherwise = Concept((Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "105585", "MTX 10 mg tab"),),
                              None, (coded,))
    assert strength_mg(named_otherwise) is None  # 2.5 or 10 mg: neither is read
    by_name = Concept((), "methotrexate", (coded,), matched_by_name=True)
    assert strength_mg(by_name) is None  # a name row's display says nothing of what was sent
    assert strength_disagreement(named_otherwise) == "its name says 10 mg, its code 2.5 mg"
    assert strength_disagreement(named_alike) is None and strength_disagreement(code_only) is None


@pytest.mark.parametrize("name", ["sulfamethoxazole-trimethoprim 800 mg-160 mg tablet",
                                  "Sulfamethoxazole / Trimethoprim 800/160 MG Tab",
                                  "trimethoprim-sulfamethoxazole 160-800 mg tablet"])
def test_a_combination_with_joined_ingredients_and_strengths_pairs_them_by_position(name):
    concept = _concept(name, "sulfamethoxazole/trimethoprim")
    assert strength_mg(concept, "trimethoprim") == 160  # not 800: one DS tablet is 160 mg of trimethoprim
    assert strength_mg(concept, "sulfamethoxazole") == 800
    assert strength_mg(concept) is None  # which ingredient's strength is not said


@pytest.mark.parametrize(("timing", "said"), [
    ({"frequency": -1, "period": 1, "period_unit": "wk"}, "timing not readable (frequency -1, period 1 wk)"),
    ({"frequency": 1, "period": 2}, "timing not readable (frequency 1, period 2 with no unit)"),
    ({"code": "SOMETIMES"}, "timing not readable (code SOMETIMES)"),
    ({}, "frequency not given"),
    ({"times_of_day": ("08:00:00",)}, "frequency not given"),
], ids=["negative-frequency", "period-with-no-unit", "unknown-code", "nothing-written", "a-time-of-day-only"])
def test_why_no_frequency_names_what_the_timing_writes(timing, said):
    order = MedicationOrder("MedicationRequest", "x", _concept("prednisone 20 MG Oral Tablet"), "active", "order",
                            None, None, None, (_dosage(20, "mg", **timing),))
    assert why_no_frequency(order) == said


@pytest.mark.parametrize(("dosages", "said"), [
    ([_dosage(20, "mg", frequency=1, period=1, period_unit="d")], None),
    ([_dosage(20, "mg", frequency=-1, period=1, period_unit="d")], "timing not readable (frequency -1, period 1 d)"),
    ([_dosage(20, "mg")], "frequency not given"),
    ([_dosage(2, "puff", frequency=1, period=1, period_unit="d")], "dose not read in mg (2 puff)"),
    ([_dosage(1, "mg/kg", frequency=1, period=1, period_unit="d")], "1 mg/kg with no current weight"),
    ([_dosage(3, None, frequency=1, period=1, period_unit="d")], "dose not read in mg (3 with no unit)"),
    ([Dosage(Quantity(2, "puff"), Timing(), None, None, True), _dosage(20, "mg", frequency=1, period=1,
                                                                       period_unit="d")], None),  # as needed
], ids=["read", "timing", "no-frequency", "unit", "per-kg-no-weight", "no-unit", "as-needed-left-out"])
def test_why_no_daily_mg_names_the_first_instruction_not_read(dosages, said):
    order = MedicationOrder("MedicationRequest", "x", _concept("prednisone 20 MG Oral Tablet"), "active", "order",
                            None, None, None, tuple(dosages))
    assert why_no_daily_mg(order) == said
    assert (daily_mg(order) is None) == (said is not None)


def test_why_no_frequency_names_a_timing_written_after_one_that_writes_none():
    """An as-needed instruction with no timing before one at frequency -1: the timing written is named (found by
    review: 'frequency not given')."""
    as_needed = Dosage(Quantity(5, "mg"), Timing(), None, None, True)
    order = MedicationOrder("MedicationRequest", "x", _concept("prednisone 20 MG Oral Tablet"), "active", "order",
                            None, None, None, (as_needed, _dosage(20, "mg", frequency=-1, period=1, period_unit="d")))
    assert why_no_frequency(order) == "timing not readable (frequency -1, period 1 d)"


@pytest.mark.parametrize("name", ["prednisolone 15 MG/5ML Oral Solution", "prednisolone 15 mg/5 mL oral solution",
                                  "prednisolone 15 MG per 5 ML Oral Solution", "Orapred 15 mg / 5 mL"])
def test_a_concentration_written_per_several_ml_is_read_and_is_no_tablet_strength(name):
    """Review 418: 20 mL of 'prednisolone 15 mg/5 mL' was not read (only 'X MG/ML' was), so a child's 60 mg was
    never checked; and '15 MG/5ML' was read as a 15 mg strength, so '4 {tbl}' of it would have been 60 mg."""
    solution = _concept(name, "prednisolone")
    assert concentration_mg_per_ml(solution) == 3
    assert dose_per_administration(_dosage(20, "mL"), solution).mg == 60
    assert strength_mg(solution) is None


def test_a_concentration_from_the_value_sets_name_of_a_code_sent_with_no_name():
    """Review 418: RxNorm 284516 sent with no display gave no concentration, though the value set names it
    'prednisolone 3 MG/ML Oral Solution [Orapred]'; a name sent that disagrees gives none, and says why."""
    coded = CodeInfo("glucocorticoid_systemic", "prednisolone", "prednisolone 3 MG/ML Oral Solution [Orapred]")
    rxnorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
    assert concentration_mg_per_ml(Concept((Coding(rxnorm, "284516", None),), None, (coded,))) == 3
    alike = Concept((Coding(rxnorm, "284516", None),), "prednisoLONE 15 mg/5 mL oral solution", (coded,))
    assert concentration_mg_per_ml(alike) == 3
    otherwise = Concept((Coding(rxnorm, "284516", None),), "prednisolone 5 mg/5 mL oral solution", (coded,))
    assert concentration_mg_per_ml(otherwise) is None
    assert strength_disagreement(otherwise, per_ml=True) == "its name says 1 mg/mL, its code 3 mg/mL"


@pytest.mark.parametrize(("name", "trimethoprim", "sulfamethoxazole"), [
    ("Bactrim DS", 160, 800), ("sulfamethoxazole-trimethoprim DS tablet", 160, 800),
    ("Septra double strength tablet", 160, 800), ("SMX-TMP SS tab", 80, 400),
    ("sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet", 160, 800),  # its figures, as before
])
def test_co_trimoxazole_named_by_its_tablets_strength_gives_each_ingredients(name, trimethoprim, sulfamethoxazole):
    """Review 416: 'DS'/'SS' tablets of co-trimoxazole are 160/800 and 80/400 mg."""
    concept = _concept(name, "sulfamethoxazole/trimethoprim")
    assert strength_mg(concept, "trimethoprim") == trimethoprim
    assert strength_mg(concept, "sulfamethoxazole") == sulfamethoxazole
    assert strength_mg(concept) is None  # which ingredient's is not said
