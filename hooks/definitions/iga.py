"""Serum IgA before IVIG: measured, and deficient or not (IgA deficiency with anti-IgA antibodies can cause
anaphylaxis with most IVIG products). One reader for the IVIG order checks (R27) and the card that offers IVIG
(R15), so that the card never pre-selects an order against a deficiency the checks then flag at signing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hooks.record import REPORTED_STATUSES, Observation, PatientRecord, falls_below
from hooks.units import convert

# HL7 v3 interpretation codes of a result below the lab's range (low, critically low, significantly low, off scale
# low), and of one that is not
_LOW_FLAGS = frozenset({"L", "LL", "LU", "<"})
_NOT_LOW_FLAGS = frozenset({"N", "H", "HH", "HU"})
_UNDETECTABLE = re.compile(r"\b(undetect\w*|not detected|none detected|absent)\b")
MASS = "ng/mL"  # any mass concentration (hooks.units): an IgA in g/L or mg/dL and its range compare in it
IGA_ADVICE = "IgA deficiency with anti-IgA antibodies can cause anaphylaxis"
ANTI_IGA = ("With anti-IgA antibodies most IVIG products are contraindicated (anaphylaxis): check for anti-IgA "
            "antibodies before infusing; if they are present, give IVIG only as an IgA-depleted product, with "
            "immunology advice.")


@dataclass(frozen=True, slots=True)
class IgaCheck:
    """The IgA check, on the newest final IgA with a value: the card's line (None when the IgA shows no
    deficiency), whether an IgA is to be ordered (there is none to read), the result read, for the facts, and
    whether it shows a deficiency (final, or not yet final and already low)."""

    problem: str | None
    order: bool
    result: str | None = None
    deficient: bool = False


def check(record: PatientRecord, severe_below_mg_dl: float) -> IgaCheck:
    """IgA measured ever (the table's "IgA level ever"), and deficient or not: below ``severe_below_mg_dl`` (severe
    deficiency), flagged low, below the lab's lower limit, or written as undetectable. The newest final IgA that can
    be read is judged, and a newer one that cannot is named beside it (an unreadable result must not hide a known
    deficiency). A registered or preliminary IgA, or one with no value, is no result: it is named, and if it already
    reads low, that is said with the anti-IgA advice, pending the final result."""
    iga = record.observations_in("igA")
    results = [o for o in iga if o.status in REPORTED_STATUSES and o.has_result]
    read = [(o, *_iga_low(o, severe_below_mg_dl)) for o in results]
    judged = next((i for i in range(len(read) - 1, -1, -1) if read[i][1] is not None), None)  # the newest read
    if judged is None:
        if results:
            shown = shown_result(results[-1])
            return IgaCheck(f"IgA could not be read: {shown}; check it before IVIG ({IGA_ADVICE}).", True, shown)
        if not iga:
            return IgaCheck(f"IgA has never been measured: check it ({IGA_ADVICE}).", True)
        pending = iga[-1]
        not_yet = f"not a result: {shown_result(pending)}, {pending.status or 'no status'}"
        low, why = _iga_low(pending, severe_below_mg_dl) if pending.has_result else (None, "")
        if low:
            return IgaCheck(f"IgA not yet final, and low ({not_yet}: {why}). {ANTI_IGA} Check the final result.",
                            True, f"{shown_result(pending)}: {why}, not final", deficient=True)
        return IgaCheck(f"IgA has never been measured ({not_yet}): check it ({IGA_ADVICE}).", True)
    observation, low, why = read[judged]
    shown = shown_result(observation)
    newer = [shown_result(o) for o, _, _ in read[judged + 1:]]  # all newer results: none of them could be read
    beside = f" (newer, not read: {'; '.join(newer)})" if newer else ""
    if low:
        return IgaCheck(f"IgA low: {shown} ({why}){beside}. {ANTI_IGA}", bool(newer), f"{shown}: {why}",
                        deficient=True)
    if newer:
        return IgaCheck(f"IgA could not be read: {'; '.join(newer)}; the last read, {shown}, was not low: check it "
                        f"before IVIG ({IGA_ADVICE}).", True, shown)
    return IgaCheck(None, False, shown)



def shown_result(observation: Observation) -> str:
    """'IgA 2 mg/dL flagged L on 2026-10-01'; 'IgA with no value on ...' for one still registered."""
    value = observation.shown_result or "with no value"
    flags = f" flagged {'/'.join(observation.interpretation)}" if observation.interpretation and \
        observation.shown_result != "/".join(observation.interpretation) else ""
    return f"IgA {value}{flags} on {observation.when or 'an undated day'}"


def _iga_low(observation: Observation, severe_below_mg_dl: float) -> tuple[bool | None, str]:
    """(whether the IgA is low, why); None when neither its value nor a flag tells (a unit not read, a bound that
    does not settle it, a text)."""
    value, flags = observation.reported_value, set(observation.interpretation)
    level = convert(value.value, value.unit, MASS) if value is not None else None
    severe = convert(severe_below_mg_dl, "mg/dL", MASS)
    assert severe is not None  # mg/dL is a mass concentration
    below_severe = falls_below(level, severe, value.comparator) if value is not None and level is not None else None
    if below_severe:
        return True, f"below {severe_below_mg_dl:g} mg/dL: severe IgA deficiency"
    if flags & _LOW_FLAGS:
        return True, "below the lab's range"
    if observation.below_lower_limit(MASS):
        return True, f"below the lab's lower limit of {observation.ref_low}"
    if _UNDETECTABLE.search(observation.value_words):
        return True, "undetectable: severe IgA deficiency"
    if below_severe is False or (value is None and flags & _NOT_LOW_FLAGS):
        return False, ""
    return None, ""
