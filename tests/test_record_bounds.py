"""A bound read against a limit from below (hooks.record.falls_below): the eGFR's and the FRAX's one reading of a
comparator, and the upper and lower bounds the comparators split into."""

from __future__ import annotations

import pytest

from hooks.record import COMPARATORS, LOWER_BOUNDS, UPPER_BOUNDS, exceeds, falls_below


@pytest.mark.parametrize(("value", "comparator", "below_30"), [
    (22, None, True), (30, None, False), (45, None, False),
    (15, "<", True), (30, "<", True), (45, "<", None),  # '<30' is below 30; '<45' may be 20 or 44
    (29, "<=", True), (30, "<=", None), (45, "<=", None),  # '<=30' may be 30 itself
    (30, ">=", False), (60, ">", False), (29, ">", None), (29, ">=", None),
    (30, ">", False),  # above 30: not below it
])
def test_a_bound_is_below_a_limit_only_when_it_settles_it(value, comparator, below_30):
    assert falls_below(value, 30, comparator) is below_30


@pytest.mark.parametrize("comparator", [None, *sorted(COMPARATORS)])
@pytest.mark.parametrize("value", [10, 29.5, 30, 30.5, 50])
def test_below_and_above_never_both_hold(value, comparator):
    """A result is never read as both below and above one limit."""
    assert not (falls_below(value, 30, comparator) and exceeds(value, 30, comparator))


def test_upper_and_lower_bounds_are_every_comparator_once():
    assert UPPER_BOUNDS | LOWER_BOUNDS == COMPARATORS and not UPPER_BOUNDS & LOWER_BOUNDS
