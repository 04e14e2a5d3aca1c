"""Gates shared by the escalation rules (R15, R16, R17): subtype, time since T_tx (R05's gate too), combination
therapy, a recent enough CK and an inadequate response. Beside the response, R21's possible relapse: a CK that had
responded and is rising again during a taper is a relapse to recheck (R21), not a treatment that failed
(:class:`Response`).

Each returns either the value the rule needs or the early result (Quiet / NotEvaluable) the rule should give,
and records what it found in ``facts`` so every rule explains itself the same way.

The rows that judge a recent CK (R15, R16, R17 and the relapse row R21) split their gates in two: every gate
before the CK check is one function of the row (its ``before_ck``), which its evaluate starts with, and which a
:class:`CkRow` hands to R22; R22 asks for a CK when those gates pass and only the CK's age holds the row back
(clinical-rules.md section 4.2, ``latest_CK``): see :func:`awaiting_ck`. The rows and R22 read that age through
one gate, :class:`ck.LatestCk`, so they agree on when a row is waiting for a CK.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from hooks.context import HookContext
from hooks.definitions import antibodies, ck, cohorts, steroids, taper
from hooks.definitions import treatment_duration as td
from hooks.parameters import DEFINITIONS
from hooks.record import PatientRecord
from hooks.rule import NotEvaluable, Quiet, Rule


def treatment_days(record: PatientRecord, context: HookContext,
                   facts: dict[str, Any]) -> tuple[date, int] | Quiet | NotEvaluable:
    """T_tx and the days since it; not evaluable when an earlier course may be T_tx (its dose, or the weight to judge
    it by, cannot be read)."""
    start = steroids.treatment_start(record, context)
    facts["t_tx"] = None
    if unknown := steroids.why_treatment_start_unknown(record, context):
        facts["t_tx_unknown"] = unknown
        return NotEvaluable(unknown, facts)
    if start is None:
        return Quiet("no glucocorticoid course at the T_tx threshold (T_tx not reached)", facts)
    t_tx, how = start
    days = (record.today - t_tx).days
    facts.update(t_tx=t_tx, t_tx_found_by=how, days_since_ttx=days)
    return t_tx, days


def recent_ck(record: PatientRecord, context: HookContext, max_age_days: float,
              facts: dict[str, Any]) -> list[ck.CkPoint] | NotEvaluable:
    """The CK series when its latest value is at most ``max_age_days`` old (the gate of :class:`ck.LatestCk`);
    else not evaluable until a current CK is resulted. R22 asks for that CK as soon as every gate of the row
    before this check passes (see :func:`awaiting_ck`), not only once its own monitoring interval has passed."""
    latest = ck.latest_ck(record, context)
    facts["latest_ck"] = str(latest.point) if latest.point else None
    if why := latest.why_not_recent(max_age_days):
        return NotEvaluable(why, facts)
    return ck.series(record, context)


@dataclass(frozen=True, slots=True)
class Response:
    """An inadequate CK response (section 4.2: judged at the latest CK), with what the CK did before it, as the
    escalation rows word it: whether it had responded at its nadir, and whether R21's possible relapse holds."""

    why: str  # why the latest CK is an inadequate response (ck.inadequate_response)
    responded: ck.CkExtreme | None  # the nadir, when the response at it was adequate (ck.responded)
    rising: taper.RelapseCheck | None  # R21's possible relapse (taper.possible_relapse), when it holds

    @property
    def relapse(self) -> bool:
        """The CK responded and is rising again from that nadir while treatment is reduced: R21's relapse, not a
        treatment that failed. The row then says so, gives way to R21's recheck and pre-selects no escalation; a
        CK that never responded adequately is still one to escalate for, rising or not [sign-off]."""
        return self.responded is not None and self.rising is not None

    @property
    def sentence(self) -> str:
        """The row's line on the CK: never "has not responded" for a CK that did."""
        why = self.why[:1].upper() + self.why[1:]
        if self.rising is None:
            if self.responded is None:
                return f"CK has not responded: {self.why}."
            return f"The CK had responded: it came down to {self.responded}, and has risen again. {why}."
        reduced = "; ".join(str(step) for step in self.rising.taper)
        if self.responded is None:
            return (f"CK has not responded: {self.why}. At its lowest it was {self.rising.nadir}, not an adequate "
                    f"response, and it is rising again while treatment is reduced ({reduced}; R21).")
        return (f"**The CK had responded: it came down to {self.responded}. It is rising again while treatment is "
                f"reduced ({reduced}): a possible relapse (R21), not a failure to respond.** {why}.")


# The heading of an escalation row whose CK is R21's relapse (:attr:`Response.relapse`), with the days since T_tx,
# what the row would otherwise call it, and what it would do once the relapse is confirmed (the sentence's end).
# R21's card says what comes first: its recheck, or the severe-disease (R19) or ICI-myositis (R31) card that leads
RELAPSE_HEADLINE = ("**A possible relapse {days} days after treatment start, not {instead}: the relapse card (R21) "
                    "comes first.** If the relapse is confirmed, {then}")


def inadequate_response(record: PatientRecord, context: HookContext, points: list[ck.CkPoint], t_tx: date | None,
                        facts: dict[str, Any], no_t_tx: str | None = None) -> Response | Quiet | NotEvaluable:
    """The inadequate CK response, with its nadir where it had responded and R21's possible relapse where it
    holds; else quiet (adequate) or not evaluable (it cannot be judged)."""
    inadequate, why = ck.inadequate_response(points, t_tx, no_t_tx)
    facts.update(inadequate_response=inadequate, response=why)
    if inadequate is None:
        return NotEvaluable(why, facts)
    if not inadequate:
        return Quiet(f"adequate CK response: {why}", facts)
    relapse = taper.chart_relapse(record, context)  # R21's patient-view verdict, read once for every row
    found = Response(why, ck.responded(points, t_tx, taper.taper_began(relapse.taper)) if t_tx is not None else None,
                     relapse if relapse.possible else None)
    facts.update(responded_to_nadir=str(found.responded) if found.responded else None,
                 possible_relapse=relapse.reason if found.rising else None)
    return found


class Candidate(NamedTuple):
    """What an escalation rule (R15, R16) knows once every gate before its CK check has passed (a tuple, so the
    rule can unpack it)."""

    serology: antibodies.Serology  # the subtype is one of the row's (a never-resulted antibody cannot change that)
    t_tx: date
    days: int
    how: str
    combo: td.Combination
    last_agent: date | None  # the last dose of the escalation agent, if any


# Why the escalation agent is in use though not given within the window (or None), asked with the window's days
InUse = Callable[[PatientRecord, HookContext, float], str | None]


def gates_before_ck(record: PatientRecord, context: HookContext, params: Mapping[str, float],
                    facts: dict[str, Any], subtypes: tuple[antibodies.Subtype, ...], agent: str,
                    last_agent: date | None, agent_window_days: float, *,
                    in_use: InUse | None = None) -> Candidate | Quiet | NotEvaluable:
    """The gates of R15 and R16 before the CK: IMNM of one of ``subtypes``; T_tx long enough ago; glucocorticoid
    plus a steroid-sparing agent long enough; the escalation ``agent`` not given within ``agent_window_days`` nor,
    when the rule says how else it may be, otherwise in use (``in_use``: R15's maintenance IVIG between two cycles).
    Uses the rule's parameters min_days_since_ttx and min_combination_days. An antibody never resulted whose result
    would decide the subtype makes the row not evaluable once the other gates pass (antibodies.subtype_among)."""
    facts["imnm"] = cohorts.is_imnm(record, context)
    serology = antibodies.subtype_among(record, subtypes, facts)
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    if isinstance(serology, Quiet):
        return serology
    started = treatment_days(record, context, facts)
    if not isinstance(started, tuple):
        return started
    t_tx, days = started
    if days < params["min_days_since_ttx"]:
        return Quiet(f"T_tx {days} days ago (< {params['min_days_since_ttx']:g})", facts)
    combo = td.combination(record, context)
    facts["gc_plus_steroid_sparing"] = combo.describe()
    if combo.days < params["min_combination_days"]:
        return Quiet(f"glucocorticoid plus a steroid-sparing agent for {combo.days} days "
                     f"(< {params['min_combination_days']:g})", facts)
    facts[f"last_{agent.lower()}"] = last_agent
    if td.given_within(record, last_agent, int(agent_window_days)):
        return Quiet(f"{agent} given within the last {agent_window_days:g} days", facts)
    if in_use is not None and (why := in_use(record, context, agent_window_days)):
        facts[f"{agent.lower()}_in_use"] = why
        return Quiet(f"{agent} already in use: {why}", facts)
    if isinstance(serology, NotEvaluable):
        return serology
    return Candidate(serology, t_tx, days, facts["t_tx_found_by"], combo, last_agent)


@dataclass(frozen=True, slots=True)
class Escalation:
    """An escalation row (R15, R16) whose every gate has passed: the candidate, and the CK that shows why."""

    candidate: Candidate
    latest: ck.CkPoint
    response: Response


Gates = Callable[[PatientRecord, HookContext, dict[str, Any]], Candidate | Quiet | NotEvaluable]


def judge(record: PatientRecord, context: HookContext, gates: Gates, ck_max_age_days: float,
          facts: dict[str, Any]) -> Escalation | Quiet | NotEvaluable:
    """R15's and R16's whole path: the row's ``gates`` before the CK (its ``before_ck``), then a CK at most
    ``ck_max_age_days`` old (the limit its :class:`CkRow` gives R22) showing an inadequate response."""
    candidate = gates(record, context, facts)
    if not isinstance(candidate, Candidate):
        return candidate
    points = recent_ck(record, context, ck_max_age_days, facts)
    if isinstance(points, NotEvaluable):
        return points
    peak = ck.peak(points, candidate.t_tx)
    facts["peak_ck"] = str(peak) if peak else None
    judged = inadequate_response(record, context, points, candidate.t_tx, facts)
    if not isinstance(judged, Response):
        return judged
    return Escalation(candidate, points[-1], judged)


# ---------------------------------------------------------------- rows waiting for a CK (R22)

BeforeCk = Callable[[PatientRecord, HookContext, dict[str, Any]], object]


@dataclass(frozen=True, slots=True)
class CkRow:
    """A row that judges a recent CK (R15, R16, R17, R21), as R22 sees it.

    ``before_ck`` is the row's own function for its gates before the CK check (the row's evaluate starts with
    it): it returns Quiet or NotEvaluable when the row would not judge the CK now anyway, anything else when it
    would. ``max_age`` names the rule parameter, or else the shared definition (``hooks/parameters.py``), that says
    how old the latest CK may be; ``decision`` is what the CK decides, in plain words after "Deciding"
    ("whether to add IVIG")."""

    rule: Rule
    decision: str
    before_ck: BeforeCk
    max_age: str = "ck_max_age_days"

    def __post_init__(self) -> None:
        if self.max_age not in self.rule.parameters and self.max_age not in DEFINITIONS:
            raise ValueError(f"{self.rule.code}: no parameter or definition named {self.max_age!r}")

    def max_age_days(self, context: HookContext) -> float:
        if self.max_age in self.rule.parameters:
            return context.params(self.rule)[self.max_age]
        return context.definition(self.max_age)

    def ready(self, record: PatientRecord, context: HookContext) -> bool:
        """Every gate of the row before its CK check passes."""
        return not isinstance(self.before_ck(record, context, {}), Quiet | NotEvaluable)


def awaiting_ck(record: PatientRecord, context: HookContext,
                rows: Iterable[CkRow]) -> list[tuple[CkRow, float]]:
    """The rows (with the CK age each needs, in days) that would judge the CK now but for its age: every gate
    before their CK check passes, and the row's own CK-age gate (:meth:`ck.LatestCk.needs_current`) asks for a
    current CK. A newer CK that cannot be read holds the rows back for another reason: then none is waiting."""
    latest = ck.latest_ck(record, context)
    return [(row, limit) for row in rows
            if latest.needs_current(limit := row.max_age_days(context)) and row.ready(record, context)]
