"""How a data-quality note quotes the results it is about: the newest few, so that a note stays short however many
results the chart holds (the CK and the antibody notes ask it)."""

from __future__ import annotations

NEWEST_SHOWN = 3


def newest_few(results: list[str]) -> str:
    """The newest NEWEST_SHOWN of ``results`` (oldest first), and ', ...' where there are more."""
    return ", ".join(results[-NEWEST_SHOWN:]) + (", ..." if len(results) > NEWEST_SHOWN else "")
