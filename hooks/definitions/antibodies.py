"""Anti-HMGCR / anti-SRP positivity (contract section 4) and the IMNM subtype (section 4.1)."""

from __future__ import annotations

import re
from typing import Literal

from hooks.context import HookContext
from hooks.record import SNOMED, Observation, PatientRecord, per_record

Status = Literal["positive", "negative"]
Subtype = Literal["HMGCR", "SRP", "DUAL", "SERONEG", "UNKNOWN"]

_POSITIVE_INTERPRETATION = {"POS", "H", "HH", "HU", "A", "AA", "DET", "POSITIVE", "DETECTED", "REACTIVE", "R"}
_NEGATIVE_INTERPRETATION = {"NEG", "N", "ND", "NEGATIVE", "NOT DETECTED", "NR", "NON-REACTIVE"}
# Titres in different units compare only once both are in this one (a value in U/mL against a limit in U/L)
TITRE_UNIT = "U/mL"
_POSITIVE_SNOMED = {"10828004", "260373001"}  # positive; detected
_NEGATIVE_SNOMED = {"260385009", "260415000"}  # negative; not detected
# Checked first: "not detected", "none detected" and "no antibodies detected" all contain "detected"
_NEGATIVE_WORDS = re.compile(r"\b(?:negative|non[- ]?reactive|absent|undetect\w*|not (?:detected|present|found|seen)|"
                             r"none|no\b[\w\s,-]{0,40}?\b(?:detected|present|found|seen))\b")
_POSITIVE_WORDS = re.compile(r"\b(?:positive|detected|reactive|present)\b")


def _from_words(text: str | None) -> Status | None:
    words = (text or "").strip().lower()
    if _NEGATIVE_WORDS.search(words):
        return "negative"
    if _POSITIVE_WORDS.search(words):
        return "positive"
    return None


def status(observation: Observation) -> Status | None:
    """Positive or negative, from interpretation, then a coded value, then a string, then the value (a number,
    or a bound written as text: '<20 U/mL') against the upper limit of its range."""
    for code in observation.interpretation:
        if code in _POSITIVE_INTERPRETATION:
            return "positive"
        if code in _NEGATIVE_INTERPRETATION or code == "L":
            return "negative"
    if observation.value_concept is not None:
        concept = observation.value_concept
        if concept.has_code(SNOMED, *_POSITIVE_SNOMED):
            return "positive"
        if concept.has_code(SNOMED, *_NEGATIVE_SNOMED):
            return "negative"
        found = _from_words(concept.words())
        if found:
            return found
    if observation.value_text is not None:
        found = _from_words(observation.value_text)
        if found:
            return found
    above = observation.above_upper_limit(TITRE_UNIT)
    return None if above is None else "positive" if above else "negative"


@per_record
def results(record: PatientRecord, group: str) -> list[tuple[Observation, Status]]:
    return [(o, s) for o in record.observations_in(group) if (s := status(o)) is not None]


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes: anti-HMGCR or anti-SRP results that carry a value but read as neither positive nor
    negative (a titre with no reference range, a word not understood), and so count as not resulted."""
    notes = []
    for group, name in (("anti_hmgcr", "Anti-HMGCR"), ("anti_srp", "Anti-SRP")):
        read = {id(o) for o, _ in results(record, group)}
        unread = [o for o in record.observations_in(group) if id(o) not in read
                  and (o.quantity is not None or o.value_text or o.value_concept is not None)]
        if unread:
            shown = ", ".join(f"{o.value_label} on {o.when or 'an unknown date'}" for o in unread[-3:])
            titre = any(o.quantity is not None for o in unread)
            notes.append(f"{name} result(s) could not be read as positive or negative and were not used ({shown}"
                         f"{', ...' if len(unread) > 3 else ''})"
                         + (": a titre needs an interpretation or a reference range." if titre else "."))
    return notes


def ever_positive(record: PatientRecord, group: str) -> Observation | None:
    """The first positive result of ``group`` ('anti_hmgcr' or 'anti_srp'), if any."""
    return next((o for o, s in results(record, group) if s == "positive"), None)


def resulted(record: PatientRecord, group: str) -> bool:
    return bool(results(record, group))


def subtype(record: PatientRecord) -> Subtype:
    hmgcr, srp = results(record, "anti_hmgcr"), results(record, "anti_srp")
    hmgcr_pos = any(s == "positive" for _, s in hmgcr)
    srp_pos = any(s == "positive" for _, s in srp)
    if hmgcr_pos and srp_pos:
        return "DUAL"
    if hmgcr_pos and srp:
        return "HMGCR"
    if srp_pos and hmgcr:
        return "SRP"
    if hmgcr and srp:
        return "SERONEG"
    return "UNKNOWN"  # either never resulted (the rules table); R03 asks for the missing one
