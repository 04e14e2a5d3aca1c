"""A result the lab reported as a bound ('<15', '>60 %') read against a limit from below, the way
``hooks.record.exceeds`` reads it from above: the eGFR (renal) and FRAX (bone) ask it, and one reading of the
comparator keeps them from drifting apart."""

from __future__ import annotations

from hooks.record import exceeds

UPPER_BOUNDS = frozenset({"<", "<="})  # the result is at most its value ('<15')
LOWER_BOUNDS = frozenset({">", ">="})  # at least its value ('>60')

# x < limit exactly when -x > -limit: asked on the negated values, the bound turns round
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def falls_below(value: float, limit: float, comparator: str | None = None) -> bool | None:
    """Whether a result is below ``limit`` (in its unit); None when it is a bound that does not settle it ('<45'
    against 30 may be 20 or 44). '<15' is below 30, '>=30' is not."""
    return exceeds(-value, -limit, _MIRRORED.get(comparator or ""))
