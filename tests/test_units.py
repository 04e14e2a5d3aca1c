"""hooks.units: the unit spellings labs send are read, an unknown one never guessed at."""

from __future__ import annotations

import pytest

from hooks.units import convert


@pytest.mark.parametrize("unit", ["10*3/uL", "x10E3/uL", "x10^3/uL", "10^3/µL", "10*3/μL", "Thousand/uL", "K/uL",
                                  "thou/mm3", "10*9/L", "x10^9/L", "10E9/L", "10(9)/L"])
def test_a_cell_count_in_thousands_per_microlitre_however_written(unit):
    """LabCorp's "x10E3/uL", Quest's "Thousand/uL" and "x10^9/L" were not read: R01's white count and R11's
    cytopenias went unjudged."""
    assert convert(16, unit, "10*9/L") == 16 and convert(16, unit, "/uL") == 16_000


@pytest.mark.parametrize("unit", ["103/uL", "10*3/L", "10*6/uL", "cells"])
def test_a_count_unit_that_is_not_a_known_power_of_ten_is_not_guessed(unit):
    assert convert(16, unit, "10*9/L") is None
