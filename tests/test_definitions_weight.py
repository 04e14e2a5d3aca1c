"""Dosing weight and height: recent enough, in known units, else nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_fixtures.builders import HEIGHT, WEIGHT, Chart
from hooks.definitions import weight
from tests.definitions_support import record_and_context


@pytest.mark.parametrize(("age", "day", "usable"), [(40, -30, True), (40, -31, False), (10, -7, True),
                                                    (10, -8, False)])
def test_weight_freshness_by_age(kb, today, age, day, usable):
    record, context = record_and_context(kb, Chart(today, age=age).weight(70, day=day))
    assert (weight.dosing_weight(record, context) is not None) is usable
    assert weight.latest_weight(record).value == 70


@pytest.mark.parametrize(("age", "weight_days", "height_days"), [(40, 30, 365), (17, 7, 30), (18, 30, 365)])
def test_the_windows_cards_state_are_the_ones_applied(kb, today, age, weight_days, height_days):
    """Cards say how old a weight may be from the same definition the dosing weight applies (a child was told 30
    days while 7 applied: audit F8)."""
    chart = Chart(today, age=age).weight(70, day=-weight_days).height(170, day=-height_days)
    record, context = record_and_context(kb, chart)
    assert weight.weight_max_age_days(record, context) == weight_days
    assert weight.height_max_age_days(record, context) == height_days
    assert weight.dosing_weight(record, context) is not None and weight.dosing_height(record, context) is not None
    older = Chart(today, age=age).weight(70, day=-weight_days - 1).height(170, day=-height_days - 1)
    record, context = record_and_context(kb, older)
    assert weight.dosing_weight(record, context) is None and weight.dosing_height(record, context) is None


def test_pounds_and_grams(kb, today):
    record, context = record_and_context(kb, Chart(today).weight(154, day=-1, unit="[lb_av]"))
    assert weight.dosing_weight(record, context).value == pytest.approx(69.85, abs=0.01)
    record, context = record_and_context(kb, Chart(today).weight(70500, day=-1, unit="g"))
    assert weight.dosing_weight(record, context).value == 70.5


def test_a_newer_weight_in_an_unreadable_unit_stops_dosing_from_the_older_one(kb, today):
    """11 stone yesterday is not understood; the 90 kg of three weeks ago may no longer be the patient's."""
    chart = Chart(today).weight(90, day=-20).height(180, day=-20).weight(11, day=-1, unit="[stone_av]")
    record, context = record_and_context(kb, chart)
    assert weight.latest_weight(record).value == 90  # still shown, for messages
    assert weight.dosing_weight(record, context) is None
    assert weight.dosing_bsa(record, context) is None
    kg, why = weight.ivig_dosing_weight(record, context)
    assert kg is None and "11 stone on" in why and "cannot be read" in why
    readable_later = Chart(today).weight(11, day=-20, unit="[stone_av]").weight(70, day=-1)
    assert weight.dosing_weight(*record_and_context(kb, readable_later)).value == 70


def test_a_newer_weight_written_as_text_stops_dosing_from_the_older_one(kb, today):
    chart = Chart(today).weight(90, day=-20).observation(WEIGHT, -1, value_string="72 kg (estimated)")
    record, context = record_and_context(kb, chart)
    assert weight.dosing_weight(record, context) is None
    assert "'72 kg (estimated)' on" in weight.why_not_current(record, context, "weight", "kg")
    refused = Chart(today).weight(90, day=-20).observation(WEIGHT, -1, value_string="Patient refused")
    assert weight.dosing_weight(*record_and_context(kb, refused)).value == 90  # no newer measurement was made


def test_bsa_needs_current_weight_and_height(kb, today):
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(180, day=-200))
    assert weight.dosing_bsa(record, context) == 2.0
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(180, day=-400))
    assert weight.dosing_bsa(record, context) is None
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(71, day=-3, unit="[in_i]"))
    assert weight.dosing_height(record, context).value == pytest.approx(180.34)


def test_ivig_dosing_weight_uses_adjusted_weight_only_when_obese(kb, today):
    lean = record_and_context(kb, Chart(today, sex="male").weight(70, day=-1).height(175.26, day=-30))
    assert weight.ivig_dosing_weight(*lean)[0] == 70
    obese = record_and_context(kb, Chart(today, sex="male").weight(120, day=-1).height(175.26, day=-30))
    kg, why = weight.ivig_dosing_weight(*obese)
    assert kg == pytest.approx(70.7 + 0.4 * (120 - 70.7), abs=0.2) and "adjusted body weight" in why


def test_ivig_dosing_weight_refuses_to_guess(kb, today):
    no_height = record_and_context(kb, Chart(today).weight(120, day=-1))
    assert weight.ivig_dosing_weight(*no_height)[0] is None
    bmi_only = Chart(today).weight(80, day=-1).lab(("http://loinc.org", "39156-5", "BMI"), 27, "kg/m2", day=-3)
    assert weight.ivig_dosing_weight(*record_and_context(kb, bmi_only))[0] == 80
    obese_bmi_only = Chart(today).weight(120, day=-1).lab(("http://loinc.org", "39156-5", "BMI"), 41, "kg/m2", day=-3)
    kg, why = weight.ivig_dosing_weight(*record_and_context(kb, obese_bmi_only))
    assert kg is None and "no current height" in why
    stale = record_and_context(kb, Chart(today).weight(80, day=-60).height(170))
    assert weight.ivig_dosing_weight(*stale)[0] is None


@pytest.mark.parametrize(("value", "unit", "usable"), [(70, "g", False), (900, "kg", False), (0.2, "kg", False),
                                                       (0.3, "kg", True), (650, "kg", True), (1.2, "kg", True)])
def test_a_weight_no_one_can_have_is_never_dosed_from(kb, today, value, unit, usable):
    """'70 g' (meant as kg) was read as 0.07 kg: R06, R07 and R32 then offered 0 mg replacement doses. (A newborn's
    chart: an adult's floor is higher, tests/test_weight_plausibility.py.)"""
    record, context = record_and_context(kb, Chart(today, age=0).weight(value, day=-1, unit=unit))
    assert (weight.dosing_weight(record, context) is not None) is usable


def test_a_newer_implausible_weight_stops_dosing_from_the_older_one_and_says_why(kb, today):
    record, context = record_and_context(kb, Chart(today, age=40).weight(72, day=-10).weight(70, day=-1, unit="g"))
    assert weight.dosing_weight(record, context) is None
    assert weight.why_not_current(record, context, "weight", "kg") == (
        f" (the latest weight, 70 g on {today - timedelta(days=1)}, cannot be read as a weight in kg)")


@pytest.mark.parametrize(("cm", "usable"), [(1.7, False), (300, False), (170, True), (45, True)])
def test_a_height_no_one_can_have_is_never_used_for_bsa(kb, today, cm, usable):
    record, context = record_and_context(kb, Chart(today, age=40).height(cm, day=-1))
    assert (weight.dosing_height(record, context) is not None) is usable


@pytest.mark.parametrize(("measured", "says"), [
    (lambda c: c.weight(70, day=-3).height(170, day=-3), None),
    (lambda c: c.weight(70, day=-3), "no current height on file"),
    (lambda c: c.weight(70, day=-40).height(170, day=-3), "no current weight (latest 70 kg on 2026-10-12, too old)"),
    (lambda c: c, "no current weight on file and no current height on file"),
])
def test_the_missing_weight_or_height_is_named_one_by_one(kb, today, measured, says):
    """R05 (a child's BSA dose) and R27 (an adult's BMI) say which measure is missing, from this one helper: a card
    said "no current weight and height" beside a weight from 3 days ago."""
    record, context = record_and_context(kb, measured(Chart(today, age=40)))
    assert weight.missing_weight_or_height(record, context) == says


@pytest.mark.parametrize(("kind", "comparator"), [("weight", ">"), ("weight", "<"), ("height", ">="), ("height", "<=")])
def test_a_body_measurement_written_as_a_bound_is_no_measurement(kb, today, kind, comparator):
    """'>150 kg' (the scale's limit) or '<3 kg' was read as exactly 150 or 3 kg, and a weight-based dose computed
    from it; it now stops dosing from the older measurement and is named as not read."""
    chart = Chart(today).weight(90, day=-20).height(180, day=-20)
    code, value, unit = (WEIGHT, 150, "kg") if kind == "weight" else (HEIGHT, 200, "cm")
    chart.observation(code, -1, value=value, unit=unit, comparator=comparator)
    record, context = record_and_context(kb, chart)
    dosing = weight.dosing_weight if kind == "weight" else weight.dosing_height
    assert dosing(record, context) is None and weight.dosing_bsa(record, context) is None
    assert f"{comparator}{value} {unit} on" in weight.why_not_current(record, context, kind, unit)


def test_the_latest_weight_and_height_are_read_once_per_call(kb, today, monkeypatch):
    """The dosing weight, the card texts and the warnings all ask for the latest weight and height (some seventeen
    times in one W3 call): each is read from the record once, and every reader sees the same measure."""
    chart = Chart(today).weight(90, day=-40).weight(70, day=-2).height(170, day=-2)
    record, context = record_and_context(kb, chart)
    read: list[str] = []
    unmemoised = weight.measured

    def counted(observation, group, canonical):
        read.append(group)
        return unmemoised(observation, group, canonical)

    monkeypatch.setattr(weight, "measured", counted)
    for _ in range(3):
        assert weight.latest_weight(record).value == 70 and weight.latest_height(record).value == 170
        weight.missing_weight_or_height(record, context)
        weight.warnings(record, context)
    assert sorted(read) == ["height", "weight"]
    other, _ = record_and_context(kb, chart)
    assert weight.latest_weight(other) is not weight.latest_weight(record)  # another call reads its own record
    assert read.count("weight") == 2


def test_the_ivig_dosing_weight_is_said_once(kb, today):
    """'actual weight 75 kg on ... (BMI 25.4 (weight 75 kg on ..., height 172 cm on ...))': the weight twice, in
    brackets three deep on R15's order (found by clinician review)."""
    chart = Chart(today).weight(75, day=-3).height(172, day=-60)
    kg, why = weight.ivig_dosing_weight(*record_and_context(kb, chart))
    assert kg == 75
    assert why == f"actual weight 75 kg on {chart.at(-3)} (BMI 25.4, height 172 cm on {chart.at(-60)})"


@settings(max_examples=200, deadline=None)
@given(weighed=st.lists(st.tuples(st.integers(-400, 0), st.integers(40, 120)), max_size=12),
       asked=st.integers(-500, 100))
def test_the_weight_nearest_a_day_is_found_as_a_scan_of_every_weight_finds_it(kb, today, weighed, asked):
    """weight_near searches the weights by day (T_tx asks it for every step of a long taper: W2's engine took 1 ms
    more): it must find what the plain scan, newest first and the newer on a tie, finds."""
    chart = Chart(today)
    for day, kg in weighed:
        chart.weight(kg, day=day)
    record, _ = record_and_context(kb, chart)
    day = today + timedelta(days=asked)
    newest_first = list(weight._measures(record, "weight", "kg"))
    assert weight.weight_near(record, day) == min(newest_first, key=lambda m: abs((m.day - day).days), default=None)
