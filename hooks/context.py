"""What the hook call says beyond the chart: which hook, which day, and the draft orders being signed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from hooks.parameters import DEFINITIONS, DEFINITIONS_SECTION
from hooks.record import MedicationOrder
from hooks.rule import Rule
from hooks.valuesets import ValueSets


@dataclass(slots=True)
class HookContext:
    hook: str
    today: date
    patient_id: str | None = None
    user_id: str | None = None
    encounter_id: str | None = None
    draft_orders: list[MedicationOrder] = field(default_factory=list)
    thresholds: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    valuesets: ValueSets = field(default_factory=ValueSets)

    def params(self, rule: Rule) -> Mapping[str, float]:
        """The rule's thresholds: the site's values where set, else the defaults declared by the rule."""
        site = self.thresholds.get(rule.id, {})
        return {name: site.get(name, p.default) for name, p in rule.parameters.items()}

    def definition(self, name: str) -> float:
        return self.thresholds.get(DEFINITIONS_SECTION, {}).get(name, DEFINITIONS[name].default)

    def drafts_in(self, *groups: str) -> list[MedicationOrder]:
        return [o for o in self.draft_orders if o.in_group(*groups)]
