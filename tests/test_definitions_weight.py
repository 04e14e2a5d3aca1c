"""Dosing weight and height: recent enough, in known units, else nothing."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import Chart
from hooks.definitions import weight
from tests.definitions_support import record_and_context


@pytest.mark.parametrize(("age", "day", "usable"), [(40, -30, True), (40, -31, False), (10, -7, True),
                                                    (10, -8, False)])
def test_weight_freshness_by_age(kb, today, age, day, usable):
    record, context = record_and_context(kb, Chart(today, age=age).weight(70, day=day))
    assert (weight.dosing_weight(record, context) is not None) is usable
    assert weight.latest_weight(record).value == 70


def test_pounds_and_grams(kb, today):
    record, context = record_and_context(kb, Chart(today).weight(154, day=-1, unit="[lb_av]"))
    assert weight.dosing_weight(record, context).value == pytest.approx(69.85, abs=0.01)
    record, context = record_and_context(kb, Chart(today).weight(70500, day=-1, unit="g"))
    assert weight.dosing_weight(record, context).value == 70.5


def test_bsa_needs_current_weight_and_height(kb, today):
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(180, day=-200))
    assert weight.dosing_bsa(record, context) == 2.0
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(180, day=-400))
    assert weight.dosing_bsa(record, context) is None
    record, context = record_and_context(kb, Chart(today).weight(80, day=-1).height(71, day=-3, unit="[in_i]"))
    assert weight.dosing_height(record, context).value == pytest.approx(180.34)
