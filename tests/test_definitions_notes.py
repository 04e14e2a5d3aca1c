"""How a data-quality note quotes its results: the newest few."""

from __future__ import annotations

from hooks.definitions.notes import newest_few


def test_the_newest_three_are_quoted_and_more_is_said():
    assert newest_few(["a", "b", "c", "d"]) == "b, c, d, ..."
    assert newest_few(["a", "b", "c"]) == "a, b, c"
    assert newest_few(["a"]) == "a"
