"""What a rule is: its metadata (id, title, hooks, sources, parameters) and the results its evaluation gives.

Every rule module in ``hooks.rules`` defines ``RULE = Rule(...)`` and a pure ``evaluate(record, context)``
that returns one of :class:`Fired`, :class:`Quiet` or :class:`NotEvaluable`. The engine finds the modules by
themselves, so adding a rule is adding a module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hooks.context import HookContext
    from hooks.record import MedicationOrder, PatientRecord

Severity = Literal["info", "warning", "critical"]
HookName = Literal["patient-view", "order-sign"]
SEVERITY_ORDER: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}


@dataclass(frozen=True, slots=True)
class Source:
    """A citation: a seed file, a guideline or a paper, with its public address where one is known. ``secondary``:
    one of the seed documents, or a page that retells other sources unreviewed (clinical-rules.md section 2 rates
    them low to moderate): cited for provenance, never the card's headline source while a primary one is cited."""

    name: str
    url: str | None = None
    secondary: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """A [design] threshold: a default from clinical-rules.md that a site may override by name.

    ``at_most`` names another parameter ('rule-id.name', or 'definitions.name') or gives a number this one may not
    exceed, and ``at_least`` one it may not fall below, whatever values a site sets (checked at start-up): a dose a
    rule offers must pass the dose check that reads the same order; the break that ends an IVIG course may not be
    shorter than the window in which IVIG given still counts as in use; a vaccine is not offered below the age its
    licence starts at. No value may have the other sign than the default's (a negative window, a positive NIF).
    """

    default: float | int
    unit: str
    doc: str
    at_most: str | float | None = None
    at_least: str | float | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    number: int
    title: str
    hooks: tuple[HookName, ...]
    sources: tuple[Source, ...]
    summary: str
    severities: tuple[Severity, ...]
    parameters: Mapping[str, Param] = field(default_factory=dict)
    # Prefetch keys whose data the rule reads; if one failed, the rule is reported as not evaluable.
    needs: tuple[str, ...] = ("patient", "conditions", "observations", "medications")
    # Keys the rule also reads but can decide without (a study or an IVIG dose already on file, for a suggestion or
    # a caveat): if one failed, the rule still runs, and its card and explanation say what was not seen.
    also_reads: tuple[str, ...] = ()
    override_family: str = "default"

    @property
    def code(self) -> str:
        return f"R{self.number:02d}"


@dataclass(slots=True)
class Action:
    """One change to the EHR's data: ``create`` a resource, or ``delete`` one by ``resourceId``. A delete that names
    a signed order on the chart is sent as an update to ``stops_as`` (cards.build): 'stopped' ('cancelled' for a
    prescription not yet begun), or 'on-hold' for a hold meant to end (methotrexate held during a TMP/SMX course)."""

    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resource_id: str | None = None
    stops_as: Literal["stopped", "on-hold"] = "stopped"


Selection = Literal["at-most-one", "any"]  # a card's selectionBehavior: how many of its suggestions may be taken


@dataclass(slots=True)
class Suggestion:
    label: str
    actions: list[Action]
    is_recommended: bool = False
    # The drafts (by reference) the suggestion relies on being signed, which it does not act on: "Keep the draft and
    # discontinue the order on the chart" (continuing.keep_and_discontinue). Not offered where another card advises
    # cancelling one of them (hooks.reconcile).
    keeps: tuple[str, ...] = ()
    # The drafts it cancels are to be written again, not withheld: R08 cancels a methotrexate draft for its schedule,
    # not for the drug, so another card's once-weekly replacement of it does not go against it (hooks.reconcile).
    rewrites: bool = False


@dataclass(slots=True)
class Fired:
    """The rule applies: the card's content, and the facts that made it fire."""

    severity: Severity
    summary: str
    detail: str
    facts: dict[str, Any] = field(default_factory=dict)
    suggestions: list[Suggestion] = field(default_factory=list)
    about: list[MedicationOrder] = field(default_factory=list)
    selection: Selection = "any"


@dataclass(slots=True)
class Quiet:
    """The rule was evaluated and does not apply."""

    reason: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NotEvaluable:
    """The rule could not be evaluated for lack of data; says what is missing instead of guessing."""

    missing: str
    facts: dict[str, Any] = field(default_factory=dict)


Result = Fired | Quiet | NotEvaluable
Evaluate = Callable[["PatientRecord", "HookContext"], Result]
