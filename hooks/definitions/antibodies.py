"""Anti-HMGCR / anti-SRP positivity (contract section 4) and the IMNM subtype (section 4.1)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hooks.context import HookContext
from hooks.definitions.notes import newest_few
from hooks.record import SNOMED, Observation, PatientRecord, exceeds, falls_below, per_record, result_in_text
from hooks.rule import NotEvaluable, Quiet
from hooks.units import convert

Status = Literal["positive", "negative"]
Subtype = Literal["HMGCR", "SRP", "DUAL", "SERONEG", "UNKNOWN"]
# the subtype both results make (anti-HMGCR, anti-SRP), in the rules table's order
_SUBTYPE_OF: dict[tuple[Status, Status], Subtype] = {
    ("positive", "negative"): "HMGCR", ("negative", "positive"): "SRP", ("positive", "positive"): "DUAL",
    ("negative", "negative"): "SERONEG"}
_STATUSES: tuple[Status, ...] = ("positive", "negative")
ANTIBODIES = {"anti_hmgcr": "anti-HMGCR", "anti_srp": "anti-SRP"}  # value-set group: name; they make the subtype
ORDER_LOINC = {"anti_hmgcr": "93493-5", "anti_srp": "33921-8"}  # the code each is ordered by (R03, R04)
# what settles a result read as neither positive nor negative (as R04 confirms a dual positive)
REPEAT = "by another method or at a reference lab, or ask the lab how to read the result"

_POSITIVE_INTERPRETATION = {"POS", "H", "HH", "HU", "A", "AA", "DET", "POSITIVE", "DETECTED", "REACTIVE", "R"}
_NEGATIVE_INTERPRETATION = {"NEG", "N", "ND", "NEGATIVE", "NOT DETECTED", "NR", "NON-REACTIVE"}
# Titres in different units compare only once both are in this one (a value in U/mL against a limit in U/L)
TITRE_UNIT = "U/mL"
_POSITIVE_SNOMED = {"10828004", "260373001"}  # positive; detected
_NEGATIVE_SNOMED = {"260385009", "260415000"}  # negative; not detected
# The negative phrases come first in the alternation: at one place "not detected", "none detected" and "no
# antibodies detected" are read whole, never as the "detected" inside them
_RESULT_WORDS = re.compile(r"\b(?:(?P<negative>negative|non[- ]?reactive|absent|undetect\w*|"
                           r"not (?:detected|present|found|seen)|none|"
                           r"no\b[\w\s,-]{0,40}?\b(?:detected|present|found|seen))"
                           r"|(?P<positive>positive|detected|reactive|present))\b")
# what the result is compared with, not the result: "(reference: negative)", "normal range: not detected"
_REFERENCE = re.compile(r"\(?\b(?:ref(?:erence)?|normal|expected)\b(?: (?:range|interval|value))?\s*[:=-][^);.]*\)?")
# A titre printed with the lab's range after it, as an upper limit alone: '45 U/mL (ref <20)', '45 U/mL (ref: <20)',
# '45 U/mL (<20 U/mL)'. Only this shape is read: a result with its unit (hooks.record.result_in_text), then in brackets
# 'ref' or 'reference' (optional), '<' or '<=' and a number, with no unit or a unit of its own; any other text is not
_INLINE_UPPER_LIMIT = re.compile(r"^(?P<result>[^()]+?)\s*\(\s*(?:ref(?:erence)?(?: range)?\s*:?\s*)?"
                                 r"(?P<comparator><=?|\u2264)\s*(?P<limit>\d+(?:\.\d+)?)\s*(?P<unit>[^\s()]+)?\s*\)\s*$",
                                 re.IGNORECASE)


def _from_words(text: str | None) -> Status | None:
    """The result a text states: its first result word, what it is compared with left out. A report leads with
    its result: "Positive (Reference: Negative)" and "Positive; previously negative" are positive (they were read as
    negative whenever a negative word stood anywhere)."""
    found = _RESULT_WORDS.search(_REFERENCE.sub(" ", (text or "").strip().lower()))
    if found is None:
        return None
    return "negative" if found["negative"] else "positive"


def interpretation_status(observation: Observation) -> Status | None:
    """Positive or negative from the interpretation flags alone (POS/H/A, NEG/N/L), or None."""
    for code in observation.interpretation:
        if code in _POSITIVE_INTERPRETATION:
            return "positive"
        if code in _NEGATIVE_INTERPRETATION or code == "L":
            return "negative"
    return None


def _against_inline_limit(text: str | None) -> Status | None:
    """A titre against the upper limit printed after it (:data:`_INLINE_UPPER_LIMIT`): '(ref <20)' puts 20 outside
    the range, so 20 is positive, '(<=20)' puts it inside; None for any other text, a unit that does not compare, or
    a bound that does not settle it ('<30 U/mL (ref <20)')."""
    found = _INLINE_UPPER_LIMIT.match((text or "").strip())
    result = result_in_text(found["result"]) if found else None
    if found is None or result is None:
        return None
    limit, limit_unit = float(found["limit"]), found["unit"] or result.unit  # with no unit, the result's
    same_unit = (limit_unit or "") == (result.unit or "")
    value = result.value if same_unit else convert(result.value, result.unit, TITRE_UNIT)
    bound = limit if same_unit else convert(limit, limit_unit, TITRE_UNIT)
    if value is None or bound is None:
        return None
    if found["comparator"] == "<":  # the limit itself lies outside the range
        below = falls_below(value, bound, result.comparator)
        return None if below is None else "negative" if below else "positive"
    above = exceeds(value, bound, result.comparator)
    return None if above is None else "positive" if above else "negative"


def status(observation: Observation) -> Status | None:
    """Positive or negative, from interpretation, then a coded value, then a string, then the value (a number,
    or a number or bound written as text: '45 U/mL', '<20 U/mL') against the upper limit of its range, or of the
    range the lab printed after it in the text ('45 U/mL (ref <20)')."""
    if (flagged := interpretation_status(observation)) is not None:
        return flagged
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
    if above is None:
        return _against_inline_limit(observation.value_text)
    return "positive" if above else "negative"


@per_record
def results(record: PatientRecord, group: str) -> list[tuple[Observation, Status]]:
    return [(o, s) for o in record.observations_in(group) if (s := status(o)) is not None]


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes: anti-HMGCR or anti-SRP results that carry a value but read as neither positive nor
    negative (a titre with no reference range, a word not understood), and so decide nothing."""
    notes = []
    for group, name in (("anti_hmgcr", "Anti-HMGCR"), ("anti_srp", "Anti-SRP")):
        read = {id(o) for o, _ in results(record, group)}
        unread = [o for o in record.observations_in(group) if id(o) not in read
                  and (o.quantity is not None or o.value_text or o.value_concept is not None)]
        if unread:
            shown = newest_few([f"{o.value_label} on {o.when or 'an unknown date'}" for o in unread])
            titre = any(o.quantity is not None for o in unread)
            notes.append(f"{name} result(s) could not be read as positive or negative and were not used ({shown})"
                         + (": a titre needs an interpretation or a reference range." if titre else "."))
    return notes


def held(observation: Observation) -> bool:
    """A result is in: it holds something and is not still pending (one pending, or only ordered, is not resulted)."""
    return observation.has_result and not observation.not_yet_reported


def unreadable(record: PatientRecord, group: str) -> list[Observation]:
    """Every result of ``group`` that is in (:func:`held`) but reads as neither positive nor negative ('Equivocal',
    'Borderline', an indeterminate flag, a titre with no range), oldest first, whatever the others read: a rule asking
    whether one was *ever* positive (R14) cannot rule it out while one of them is on file."""
    return [o for o in record.observations_in(group) if held(o) and status(o) is None]


def unread(record: PatientRecord, group: str) -> Observation | None:
    """The latest result of ``group`` when none reads as positive or negative yet one holds a result (one of
    :func:`unreadable`): resulted, so not missing, but deciding nothing. None when a result reads, or when none is
    in."""
    if resulted(record, group):
        return None
    held = unreadable(record, group)
    return held[-1] if held else None


def quoted(observation: Observation) -> str:
    """The result as the lab wrote it and its date: "'Equivocal' on 2026-05-01"."""
    return f"{observation.value_label} on {observation.when or 'an unknown date'}"


def ever_positive(record: PatientRecord, group: str) -> Observation | None:
    """The first positive result of ``group`` ('anti_hmgcr' or 'anti_srp'), if any."""
    return next((o for o, s in results(record, group) if s == "positive"), None)


def since_first_positive(record: PatientRecord, group: str) -> list[tuple[Observation, Status | None]]:
    """Each result of ``group`` from the day of its first positive on, that one left out, as read (None: neither
    positive nor negative): a repeat of the test, as R04 asks for a dual positive to be confirmed. Empty when none
    is positive or none followed. A result read as positive while still pending counts, as :func:`results` counts
    it; one of the same day counts whichever was listed first."""
    first = ever_positive(record, group)
    if first is None:
        return []
    found = [o for o in record.observations_in(group) if o is first or status(o) is not None or held(o)]
    at = next(i for i, o in enumerate(found) if o is first)
    return [(o, status(o)) for i, o in enumerate(found)
            if i > at or (i < at and o.when is not None and o.when == first.when)]


def resulted(record: PatientRecord, group: str) -> bool:
    return bool(results(record, group))


def _status_of(record: PatientRecord, group: str) -> Status | None:
    """Positive when ever positive, negative when resulted and never positive, None when no result reads (never
    resulted, or only as neither positive nor negative)."""
    found = results(record, group)
    return None if not found else "positive" if any(s == "positive" for _, s in found) else "negative"


def _either(names: Collection[str]) -> str:
    """'HMGCR, SERONEG or DUAL'."""
    *rest, last = names
    return f"{', '.join(rest)} or {last}" if rest else last


@dataclass(frozen=True, slots=True)
class Serology:
    """Anti-HMGCR and anti-SRP as the chart has them (each positive, negative, or None: never resulted, or resulted
    only as neither positive nor negative, kept in ``unread``), and the subtypes they allow."""

    hmgcr: Status | None
    srp: Status | None
    unread: Mapping[str, Observation] = field(default_factory=dict)  # by name: the latest result, read as neither

    def _each(self) -> tuple[tuple[str, Status | None], ...]:
        return (ANTIBODIES["anti_hmgcr"], self.hmgcr), (ANTIBODIES["anti_srp"], self.srp)

    @property
    def subtype(self) -> Subtype:
        """The subtype of section 4.1: UNKNOWN when either antibody was never resulted (R03 asks for it), or resulted
        but read as neither positive nor negative (it is repeated or the lab asked)."""
        return "UNKNOWN" if self.hmgcr is None or self.srp is None else _SUBTYPE_OF[(self.hmgcr, self.srp)]

    @property
    def possible(self) -> tuple[Subtype, ...]:
        """Every subtype the chart still allows: the one the results make, or each one a result for an antibody
        not known could make (anti-HMGCR positive, anti-SRP never resulted or equivocal: HMGCR or DUAL)."""
        allowed = {_SUBTYPE_OF[(h, s)] for h in ((self.hmgcr,) if self.hmgcr else _STATUSES)
                   for s in ((self.srp,) if self.srp else _STATUSES)}
        return tuple(s for s in _SUBTYPE_OF.values() if s in allowed)

    @property
    def never_resulted(self) -> str | None:
        """The antibodies never resulted, in words ('anti-SRP'), or None."""
        names = [name for name, status in self._each() if status is None and name not in self.unread]
        return " and ".join(names) or None

    @property
    def equivocal(self) -> str | None:
        """The antibodies resulted as neither positive nor negative, each with its result quoted and dated
        ("anti-HMGCR 'Equivocal' on 2026-05-01"), or None."""
        return " and ".join(f"{name} {quoted(o)}" for name, o in self.unread.items()) or None

    @property
    def undecided(self) -> str | None:
        """Why the subtype is not known, in words ("anti-HMGCR resulted neither positive nor negative ('Equivocal' on
        2026-05-01) and anti-SRP never resulted"), or None when it is known."""
        parts = []
        if self.unread:
            parts.append(f"{' and '.join(self.unread)} resulted neither positive nor negative "
                         f"({'; '.join(quoted(o) for o in self.unread.values())})")
        if self.never_resulted:
            parts.append(f"{self.never_resulted} never resulted")
        return " and ".join(parts) or None

    @property
    def next_step(self) -> str | None:
        """What settles the subtype: a repeat of an antibody read as neither, or the missing result (R03)."""
        steps = [f"repeat {' and '.join(self.unread)} {REPEAT}"] if self.unread else []
        if self.never_resulted:
            steps.append("R03 asks for the missing result")
        return "; ".join(steps) or None

    @property
    def label(self) -> str:
        """The subtype, or the subtypes still possible ('HMGCR or DUAL')."""
        return self.subtype if self.subtype != "UNKNOWN" else _either(self.possible)

    def describe(self) -> str:
        """'anti-HMGCR positive, anti-SRP never resulted'; one read as neither is quoted ("anti-SRP neither positive
        nor negative ('Borderline' on 2026-05-01)")."""
        return ", ".join(f"{name} {status}" if status else
                         f"{name} neither positive nor negative ({quoted(self.unread[name])})" if name in self.unread
                         else f"{name} never resulted" for name, status in self._each())


@per_record
def serology(record: PatientRecord) -> Serology:
    return Serology(_status_of(record, "anti_hmgcr"), _status_of(record, "anti_srp"),
                    {name: found for group, name in ANTIBODIES.items() if (found := unread(record, group))})


def subtype(record: PatientRecord) -> Subtype:
    return serology(record).subtype


def subtype_among(record: PatientRecord, wanted: Collection[Subtype],
                  facts: dict[str, Any]) -> Serology | Quiet | NotEvaluable:
    """Whether the subtype is one of ``wanted`` (a row's trigger), decided from what is known. Yes (the serology)
    when every subtype the chart still allows is wanted, whatever an antibody not known would show (anti-HMGCR
    positive for 'HMGCR or DUAL'); no (Quiet) when none is; else not evaluable, naming the antibody whose result
    decides it (never resulted, or resulted as neither positive nor negative), never a guess. A rule gives that
    NotEvaluable only once its other gates have passed, so that a row quiet for a known reason stays quiet. Records
    ``subtype``, ``antibodies_never_resulted`` and ``antibodies_equivocal`` in ``facts``."""
    found = serology(record)
    facts.update(subtype=found.subtype, antibodies_never_resulted=found.never_resulted,
                 antibodies_equivocal=found.equivocal)
    if all(s in wanted for s in found.possible):
        return found
    partial = f" ({found.describe()})" if found.subtype == "UNKNOWN" else ""
    if not any(s in wanted for s in found.possible):
        return Quiet(f"subtype {found.label}{partial}, not {_either(wanted)}", facts)
    return NotEvaluable(f"{found.undecided}: the subtype may be {_either(found.possible)}, and only "
                        f"{_either(wanted)} counts here ({found.next_step})", facts)


# The myositis antibody panel R03 orders beside anti-HMGCR and anti-SRP: its members (value-set group
# 'myositis_antibody', read by name: hooks/valuesets/r03_myositis_antibodies.csv), in the order the order names
# them, each True when myositis-specific (one per patient as a rule: Betteridge et al., J Autoimmun 2019) and False
# when only myositis-associated (these come beside one); and the concept of a result for the whole panel
PANEL_GROUP = "myositis_antibody"
PANEL_MEMBERS: dict[str, bool] = {
    "anti-Jo-1": True, "anti-PL-7": True, "anti-PL-12": True, "anti-EJ": True, "anti-OJ": True, "anti-Mi-2": True,
    "anti-MDA5": True, "anti-TIF1-gamma": True, "anti-NXP2": True, "anti-SAE": True,
    "anti-PM/Scl": False, "anti-Ku": False, "anti-Ro52": False}
WHOLE_PANEL = "myositis antibody panel"


@dataclass(frozen=True, slots=True)
class PanelResult:
    """The latest result in (:func:`held`) of a panel member, or of the whole panel (``name``), as read."""

    name: str
    observation: Observation
    status: Status | None

    @property
    def specific_positive(self) -> bool:
        """A myositis-specific antibody read as positive (a positive whole panel does not say which)."""
        return self.status == "positive" and PANEL_MEMBERS.get(self.name, False)

    def __str__(self) -> str:
        """'anti-NXP2 positive (2026-10-17)'; the whole panel's result, or one read as neither, quoted."""
        if self.name == WHOLE_PANEL:
            return f"{self.name} {quoted(self.observation)}"
        if self.status is None:
            return f"{self.name} neither positive nor negative ({quoted(self.observation)})"
        return f"{self.name} {self.status} ({self.observation.when or 'undated'})"


@per_record
def panel_results(record: PatientRecord) -> list[PanelResult]:
    """The latest result in of each panel member on file, in the panel's order, then the whole panel's. A member
    named with its panel ('Anti-Jo-1 (myositis panel)') is that member's result, not the whole panel's."""
    latest: dict[str, Observation] = {}
    for observation in record.observations_in(PANEL_GROUP):  # oldest first: a later one replaces it
        if held(observation):
            named = {match.concept for match in observation.code.matches if match.group == PANEL_GROUP}
            for concept in named - {WHOLE_PANEL} or named:
                latest[concept] = observation
    return [PanelResult(name, latest[name], status(latest[name])) for name in (*PANEL_MEMBERS, WHOLE_PANEL)
            if name in latest]
