"""The knowledge base, loaded once at start-up: every rule module, the value sets and the thresholds."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import hooks.rules
from hooks import parameters, valuesets
from hooks.rule import Evaluate, Rule


@dataclass(frozen=True, slots=True)
class LoadedRule:
    rule: Rule
    evaluate: Evaluate
    module: str


@dataclass(frozen=True, slots=True)
class Knowledge:
    rules: tuple[LoadedRule, ...]
    valuesets: valuesets.ValueSets
    thresholds: dict[str, dict[str, float]]
    version: str


def discover_rules() -> tuple[LoadedRule, ...]:
    """Import every module of ``hooks.rules``; each must define RULE and evaluate()."""
    found: list[LoadedRule] = []
    for info in pkgutil.iter_modules(hooks.rules.__path__):
        module: ModuleType = importlib.import_module(f"hooks.rules.{info.name}")
        rule, evaluate = getattr(module, "RULE", None), getattr(module, "evaluate", None)
        if not isinstance(rule, Rule) or not callable(evaluate):
            raise TypeError(f"hooks.rules.{info.name} must define RULE = Rule(...) and evaluate(record, context)")
        found.append(LoadedRule(rule, evaluate, module.__name__))
    ids = [r.rule.id for r in found]
    if len(ids) != len(set(ids)):
        raise ValueError("two rule modules declare the same rule id")
    return tuple(sorted(found, key=lambda r: r.rule.number))


def _version(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load(valueset_dirs: Iterable[Path | str] = (), thresholds_file: Path | str | None = None) -> Knowledge:
    rules = discover_rules()
    sets = valuesets.load(valueset_dirs)
    thresholds = parameters.load([r.rule for r in rules], thresholds_file)
    sources = [Path(p) for p in sets.files] + [Path(hooks.rules.__path__[0]) / f"{r.module.rsplit('.', 1)[1]}.py"
                                                for r in rules]
    if thresholds_file:
        sources.append(Path(thresholds_file))
    return Knowledge(rules, sets, thresholds, _version(sources))
