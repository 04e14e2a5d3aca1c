"""A weight that cannot be the patient's (7 kg typed for an adult's 70) is no dosing weight: judged by its BMI
against a current height (not an infant's), else by an adult's floor, with R33's site parameters."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import Chart
from hooks import knowledge
from hooks.definitions import weight
from tests.definitions_support import record_and_context


def _chart(today, age: int | None, kg: float, cm: float | None = None, height_day: int = -5) -> Chart:
    chart = Chart(today, age=age).weight(kg, day=-5)
    return chart.height(cm, day=height_day) if cm is not None else chart


@pytest.mark.parametrize(("age", "kg", "cm", "says"), [
    (54, 7, 165, "implausible for an adult (BMI 2.6 with height 165 cm on"),  # review 421 item 4: dosed 20 g/kg IVIG
    (54, 70, 60, "implausible for an adult (BMI 194.4 with height 60 cm on"),  # the height typed wrong
    (54, 7, None, "implausible for an adult (under 20 kg with no current height)"),
    (10, 3, 140, "implausible for a child (BMI 1.5 with height 140 cm on"),  # 30 kg typed 3
    (None, 7, 165, "implausible for this patient (BMI 2.6"),  # no birth date: the BMI still tells
])
def test_an_implausible_weight_is_not_dosed_from_and_says_why(kb, today, age, kg, cm, says):
    record, context = record_and_context(kb, _chart(today, age, kg, cm))
    assert weight.dosing_weight(record, context) is None
    assert weight.dosing_bsa(record, context) is None and weight.ivig_dosing_weight(record, context)[0] is None
    implausible = weight.implausible_weight(record, context)
    assert implausible is not None and implausible.startswith(says) and "re-weigh" in implausible
    assert weight.why_not_current(record, context, "weight", "kg").startswith(f" (the latest weight, {kg:g} kg on ")
    assert says in weight.why_not_current(record, context, "weight", "kg")
    assert any(note.startswith(f"The latest weight, {kg:g} kg on ") and says in note
               for note in weight.warnings(record, context))


@pytest.mark.parametrize(("age", "kg", "cm"), [
    (54, 70, 165),
    (40, 19, 110),  # a small adult whose height is on file: BMI 15.7
    (10, 3, None),  # a child: no floor without a height
    (0, 1.2, 40),  # a preterm baby: BMI 7.5, an infant's BMI is not judged
    (1, 7, 68),
    (None, 7, None),  # no birth date: not surely an adult
    (17, 140, 200),
])
def test_a_plausible_weight_is_dosed_from(kb, today, age, kg, cm):
    record, context = record_and_context(kb, _chart(today, age, kg, cm))
    assert weight.dosing_weight(record, context).value == kg and weight.implausible_weight(record, context) is None
    assert not any("implausible" in note for note in weight.warnings(record, context))


def test_a_stale_height_is_no_height_to_judge_by(kb, today):
    """The BMI is read against a height within its window (a year for an adult); with none, the adult floor."""
    record, context = record_and_context(kb, _chart(today, 54, 7, 165, height_day=-400))
    assert "under 20 kg with no current height" in weight.implausible_weight(record, context)
    record, context = record_and_context(kb, _chart(today, 54, 25, 165, height_day=-400))
    assert weight.dosing_weight(record, context).value == 25  # BMI 9.2 with the old height: not read


def test_a_newer_implausible_weight_stops_dosing_from_an_older_one(kb, today):
    """As a newer weight that cannot be read does: the 70 kg of three weeks ago may no longer be the patient's."""
    chart = Chart(today, age=54).weight(70, day=-20).height(165, day=-20).weight(7, day=-1)
    record, context = record_and_context(kb, chart)
    assert weight.dosing_weight(record, context) is None and weight.latest_weight(record).value == 7


def test_a_stale_implausible_weight_is_only_too_old(kb, today):
    record, context = record_and_context(kb, Chart(today, age=54).weight(7, day=-40))
    assert weight.implausible_weight(record, context) is None
    assert weight.dosing_weight(record, context) is None
    assert weight.why_not_current(record, context, "weight", "kg").endswith("too old)")


def test_the_bounds_are_site_parameters(tmp_path, today):
    site_file = tmp_path / "thresholds.toml"
    site_file.write_text('[dosing-weight-missing]\nimplausible_bmi_below = 2\nimplausible_adult_weight_below_kg = 5\n')
    site = knowledge.load(thresholds_file=site_file)
    assert weight.dosing_weight(*record_and_context(site, _chart(today, 54, 7, 165))).value == 7
    assert weight.dosing_weight(*record_and_context(site, _chart(today, 54, 7))).value == 7
    assert weight.dosing_weight(*record_and_context(site, _chart(today, 54, 4))) is None
