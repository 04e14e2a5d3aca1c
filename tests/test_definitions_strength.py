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
