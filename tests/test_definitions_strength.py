"""MMT-8 scores read on the 0-150 scale, whichever scale they were recorded on."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import Chart
from hooks.definitions import strength
from tests.definitions_support import record_and_context


@pytest.mark.parametrize(("name", "value", "high", "scale", "text"), [
    ("MMT-8 total score", 60, 150, 150, "60/150"),
    ("MMT-8 total score", 60, None, 150, "60/150"),  # no range, no name: the IMACS total
    ("MMT-8 total score", 60, 80, 80, "60/80, about 112/150"),  # the range says 0-80
    ("MMT-8 (0-80)", 60, None, 80, "60/80, about 112/150"),
    ("MMT-8 score /80", 60, None, 80, "60/80, about 112/150"),
    ("Manual muscle testing 80-point total", 60, None, 80, "60/80, about 112/150"),
    ("MMT-8 total score", 120, 80, 150, "120/150"),  # above 80: the 0-80 label cannot be right
])
def test_the_scale_comes_from_the_range_or_the_name(kb, today, name, value, high, scale, text):
    chart = Chart(today).observation(name, -3, value=value, unit="{score}", low=0 if high else None, high=high)
    record, _ = record_and_context(kb, chart)
    (score,) = strength.mmt8_scores(record)
    assert score.scale == scale and str(score) == text and score.on_150 == value * 150 / scale


def test_only_dated_numeric_scores_from_since_oldest_first(kb, today):
    chart = Chart(today).observation("MMT-8", -40, value=100, unit="{score}")
    chart.observation("MMT-8", -20, value_string="not done (pain)").observation("MMT-8", -5, value=110, unit="{score}")
    record, _ = record_and_context(kb, chart)
    assert [s.score for s in strength.mmt8_scores(record)] == [100, 110]
    assert [s.score for s in strength.mmt8_scores(record, today.replace(day=1))] == [110]


@pytest.mark.parametrize(("written", "name", "high", "text"), [
    ("62/150", "MMT-8 total score", None, "62/150"),
    ("62 / 150", "MMT-8 (0-80)", 80, "62/150"),  # the score's own maximum decides over the name and the range
    ("40/80", "MMT-8 total score", None, "40/80, about 75/150"),
    ("62 {score}", "MMT-8 total score", None, "62/150"),  # a number with its unit, as a lab prints it
])
def test_a_score_sent_as_text_is_read_on_the_scale_it_names(kb, today, written, name, high, text):
    chart = Chart(today).observation(name, -3, value_string=written, low=0 if high else None, high=high)
    record, _ = record_and_context(kb, chart)
    (score,) = strength.mmt8_scores(record)
    assert str(score) == text


@pytest.mark.parametrize("result", [
    {"value_string": "62"},  # a bare number: no scale, no unit
    {"value_string": "90/80"}, {"value_string": "62/100"},  # beyond its scale; no MMT-8 scale
    {"value_string": "<80 {score}"},  # a bound
    {"value": 790, "unit": "{score}"}, {"value": -5, "unit": "{score}"},  # no score on either scale
])
def test_a_score_that_cannot_be_read_is_none(kb, today, result):
    record, _ = record_and_context(kb, Chart(today).observation("MMT-8 total score", -3, **result))
    (observation,) = record.observations_in("mmt8")
    assert strength.mmt8_score(observation) is None and strength.mmt8_scores(record) == []
