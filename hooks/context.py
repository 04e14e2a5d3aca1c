"""What the hook call says beyond the chart: which hook, which day, the draft orders being signed, and what the
loaded knowledge hands every call (the resolved thresholds, the rows that judge a recent CK)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING

from hooks.parameters import DEFINITIONS, DEFINITIONS_SECTION
from hooks.record import MedicationOrder
from hooks.rule import Param, Rule
from hooks.valuesets import ValueSets

if TYPE_CHECKING:  # escalation imports this module, the loader the rules that do
    from hooks.definitions.escalation import CkRow


def _resolve(declared: Mapping[str, Param], site: Mapping[str, float]) -> Mapping[str, float]:
    """Every declared parameter: the site's value where set, else its default (read-only: it is shared by calls)."""
    return MappingProxyType({name: site.get(name, param.default) for name, param in declared.items()})


class ResolvedThresholds(Mapping[str, Mapping[str, float]]):
    """A thresholds table (``[section] name = value``, as ``hooks/parameters.py`` loads it) whose sections are
    resolved against what is declared once, not on every read: the shared definitions and every rule in ``rules``
    up front (at start-up), any other rule on its first read."""

    __slots__ = ("_definitions", "_rules", "_table")

    def __init__(self, table: Mapping[str, Mapping[str, float]] = MappingProxyType({}), rules: Iterable[Rule] = ()
                 ) -> None:
        self._table = table
        self._definitions = _resolve(DEFINITIONS, table.get(DEFINITIONS_SECTION, {}))
        self._rules: dict[str, Mapping[str, float]] = {}
        for rule in rules:
            self.params(rule)

    def __getitem__(self, section: str) -> Mapping[str, float]:
        return MappingProxyType(self._table[section])

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def params(self, rule: Rule) -> Mapping[str, float]:
        resolved = self._rules.get(rule.id)
        if resolved is None:
            resolved = self._rules[rule.id] = _resolve(rule.parameters, self._table.get(rule.id, {}))
        return resolved

    def definition(self, name: str) -> float:
        return self._definitions[name]

    def bound(self, rule: Rule, name: str) -> float | None:
        """The value that ``rule``'s ``name`` may not exceed (its ``at_most``: a number or a parameter), or None: a
        dose suggested from ``name`` is kept within the check that reads the bound (R05's child methotrexate, R32)."""
        limit = rule.parameters[name].at_most
        if not isinstance(limit, str):  # none, or a number
            return limit
        section, _, bound = limit.rpartition(".")
        if section == DEFINITIONS_SECTION:
            return self._definitions[bound]
        return self.of_rule(section)[bound]

    def of_rule(self, rule_id: str) -> Mapping[str, float]:
        """The thresholds of the rule ``rule_id``, as :meth:`params` gives them, for a reader that is not the rule (a
        shared definition must not import a rule module). A table built by hand resolves the rule on demand: its
        declared defaults, unless the site sets them."""
        resolved = self._rules.get(rule_id)
        return resolved if resolved is not None else self.params(_discovered_rule(rule_id))


def _discovered_rule(rule_id: str) -> Rule:
    """The rule ``rule_id`` of the rule modules, discovered once (a table built by hand resolves it on demand)."""
    from hooks.knowledge import discovered_rules  # here, not above: the loader imports the rules, which import this

    return next(loaded.rule for loaded in discovered_rules() if loaded.rule.id == rule_id)


def _every_ck_row() -> tuple[CkRow, ...]:
    """Every rule module's CK row, for a context built without the loaded knowledge's (a test, a tool)."""
    from hooks.knowledge import discovered_ck_rows  # here, not above: the loader imports the rules, which import this

    return discovered_ck_rows()


@dataclass(slots=True)
class HookContext:
    hook: str
    today: date
    patient_id: str | None = None
    user_id: str | None = None
    encounter_id: str | None = None
    draft_orders: list[MedicationOrder] = field(default_factory=list)
    # The loaded knowledge's; a plain table built by hand (a test's) is resolved when the context is built.
    thresholds: ResolvedThresholds = field(default_factory=ResolvedThresholds)
    valuesets: ValueSets = field(default_factory=ValueSets)
    # The rows that judge a recent CK (each rule module's CK_ROW, in rule-number order), for R22.
    ck_rows: tuple[CkRow, ...] = field(default_factory=_every_ck_row)

    def __post_init__(self) -> None:
        if not isinstance(self.thresholds, ResolvedThresholds):
            self.thresholds = ResolvedThresholds(self.thresholds)

    def params(self, rule: Rule) -> Mapping[str, float]:
        """The rule's thresholds: the site's values where set, else the defaults declared by the rule. Read-only:
        the same mapping serves every call."""
        return self.thresholds.params(rule)

    def definition(self, name: str) -> float:
        return self.thresholds.definition(name)

    def bound(self, rule: Rule, name: str) -> float | None:
        return self.thresholds.bound(rule, name)

    def drafts_in(self, *groups: str) -> list[MedicationOrder]:
        return [o for o in self.draft_orders if o.in_group(*groups)]
