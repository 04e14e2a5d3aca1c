"""Synthetic FHIR R4 patients and ready CDS Hooks requests, each named after what it exercises.

Fixtures are small functions that build a request for a given "today", so their dates never go stale.
Each declares the rule ids that must fire and those that must stay quiet; one parametrized test runs them all,
and the sandbox offers the ones marked ``demo``. ``imnm-cds fixture NAME`` prints one as JSON.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Build = Callable[[date], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Fixture:
    name: str
    hook: str
    story: str
    build: Build
    fires: frozenset[str] = frozenset()
    quiet: frozenset[str] = frozenset()
    indicators: Mapping[str, str] = field(default_factory=dict)
    demo: bool = False

    def request(self, today: date) -> dict[str, Any]:
        return self.build(today)


_REGISTRY: dict[str, Fixture] = {}


def fixture(name: str, *, hook: str, story: str, fires: Iterable[str] = (), quiet: Iterable[str] = (),
            indicators: Mapping[str, str] | None = None, demo: bool = False) -> Callable[[Build], Build]:
    """Register a request builder under ``name`` with the cards it must and must not produce."""

    def register(build: Build) -> Build:
        if name in _REGISTRY:
            raise ValueError(f"fixture {name!r} is defined twice")
        _REGISTRY[name] = Fixture(name, hook, story, build, frozenset(fires), frozenset(quiet),
                                  dict(indicators or {}), demo)
        return build

    return register


def all_fixtures() -> dict[str, Fixture]:
    for info in pkgutil.iter_modules(__path__):
        if info.name not in ("builders", "fake_server", "synthea"):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_REGISTRY.items()))


def get(name: str) -> Fixture:
    fixtures = all_fixtures()
    if name not in fixtures:
        raise KeyError(f"no fixture named {name!r}")
    return fixtures[name]
