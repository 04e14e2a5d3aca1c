"""The knowledge base, loaded once at start-up: every rule module, the value sets and the thresholds (each rule's
resolved up front), and the rows that judge a recent CK, which R22 reads through the hook context."""

from __future__ import annotations

import functools
import hashlib
import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import hooks.rules
from hooks import parameters, valuesets
from hooks.context import ResolvedThresholds
from hooks.definitions.escalation import CkRow
from hooks.rule import Evaluate, Rule


@dataclass(frozen=True, slots=True)
class LoadedRule:
    rule: Rule
    evaluate: Evaluate
    module: str
    ck_row: CkRow | None = None  # the module's CK_ROW, when the rule judges a recent CK (R22 asks for that CK)


def _ck_rows(rules: Iterable[LoadedRule]) -> tuple[CkRow, ...]:
    return tuple(loaded.ck_row for loaded in rules if loaded.ck_row is not None)


@dataclass(frozen=True, slots=True)
class Knowledge:
    """What every hook call reads. A plain thresholds table (a test's site override, in a copy made with
    :func:`dataclasses.replace`) is resolved for ``rules`` here, and ``ck_rows`` is taken from ``rules``: in such a
    copy too."""

    rules: tuple[LoadedRule, ...]
    valuesets: valuesets.ValueSets
    thresholds: ResolvedThresholds
    version: str
    ck_rows: tuple[CkRow, ...] = field(init=False)
    # per hook, the rules listening to it (in rule-number order) and the prefetch keys one of them needs
    # (Rule.needs), worked out once
    rules_by_hook: Mapping[str, tuple[LoadedRule, ...]] = field(init=False)
    prefetch_needs: Mapping[str, frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.thresholds, ResolvedThresholds):
            object.__setattr__(self, "thresholds", ResolvedThresholds(self.thresholds, [r.rule for r in self.rules]))
        object.__setattr__(self, "ck_rows", _ck_rows(self.rules))
        by_hook: dict[str, list[LoadedRule]] = {}
        for loaded in self.rules:
            for hook in loaded.rule.hooks:
                by_hook.setdefault(hook, []).append(loaded)
        object.__setattr__(self, "rules_by_hook", {hook: tuple(rules) for hook, rules in by_hook.items()})
        object.__setattr__(self, "prefetch_needs", {hook: frozenset(key for r in rules for key in r.rule.needs)
                                                    for hook, rules in by_hook.items()})

    def rules_for(self, hook: str) -> tuple[LoadedRule, ...]:
        """The rules listening to ``hook``, in rule-number order."""
        return self.rules_by_hook.get(hook, ())

    def needed_prefetch(self, hook: str) -> frozenset[str]:
        """The prefetch keys without which some rule of ``hook`` cannot be evaluated (the HTTP layer answers 412
        when one of them is neither sent nor fetchable; any other key is only reported as unavailable)."""
        return self.prefetch_needs.get(hook, frozenset())


def discover_rules() -> tuple[LoadedRule, ...]:
    """Import every module of ``hooks.rules``, in rule-number order; each must define RULE and evaluate(), and may
    define CK_ROW (a :class:`CkRow` of its own RULE)."""
    found: list[LoadedRule] = []
    for info in pkgutil.iter_modules(hooks.rules.__path__):
        module: ModuleType = importlib.import_module(f"hooks.rules.{info.name}")
        rule, evaluate = getattr(module, "RULE", None), getattr(module, "evaluate", None)
        if not isinstance(rule, Rule) or not callable(evaluate):
            raise TypeError(f"hooks.rules.{info.name} must define RULE = Rule(...) and evaluate(record, context)")
        ck_row = getattr(module, "CK_ROW", None)
        if ck_row is not None and not (isinstance(ck_row, CkRow) and ck_row.rule is rule):
            raise TypeError(f"hooks.rules.{info.name}: CK_ROW must be a CkRow of the module's own RULE")
        found.append(LoadedRule(rule, evaluate, module.__name__, ck_row))
    ids = [r.rule.id for r in found]
    if len(ids) != len(set(ids)):
        raise ValueError("two rule modules declare the same rule id")
    return tuple(sorted(found, key=lambda r: r.rule.number))


@functools.cache
def discovered_rules() -> tuple[LoadedRule, ...]:
    """Every rule module, discovered once, for a hook context built by hand (a test's, a tool's): its CK rows, and
    the rule another rule's parameter is bounded by."""
    return discover_rules()


@functools.cache
def discovered_ck_rows() -> tuple[CkRow, ...]:
    """Every rule module's CK row, in rule-number order (the default of a hook context built by hand)."""
    return _ck_rows(discovered_rules())


def _version(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load(valueset_dirs: Iterable[Path | str] = (), thresholds_file: Path | str | None = None) -> Knowledge:
    rules = discover_rules()
    sets = valuesets.load(valueset_dirs)
    declared = [r.rule for r in rules]
    thresholds = ResolvedThresholds(parameters.load(declared, thresholds_file), declared)
    sources = [Path(p) for p in sets.files] + [Path(hooks.rules.__path__[0]) / f"{r.module.rsplit('.', 1)[1]}.py"
                                                for r in rules]
    if thresholds_file:
        sources.append(Path(thresholds_file))
    return Knowledge(rules, sets, thresholds, _version(sources))
