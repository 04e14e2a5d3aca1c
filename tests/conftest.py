"""Shared test fixtures: the knowledge base (loaded once), a fixed "today", and schema-checked evaluation."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from hooks import engine, knowledge
from hooks.engine import Evaluation

SCHEMAS = Path(__file__).resolve().parents[1] / "service" / "schemas"
TODAY = date(2026, 11, 21)
RESPONSE_VALIDATOR = Draft202012Validator(json.loads((SCHEMAS / "hook-response.json").read_text()))


def assert_valid_response(response: dict[str, Any]) -> None:
    """Every card every test emits goes through the project's CDS Hooks 2.0 response schema."""
    errors = sorted(RESPONSE_VALIDATOR.iter_errors(response), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="session")
def kb() -> knowledge.Knowledge:
    return knowledge.load()


@pytest.fixture(scope="session")
def today() -> date:
    return TODAY


def run(kb: knowledge.Knowledge, request: dict[str, Any], today: date = TODAY, **kwargs: Any) -> Evaluation:
    """Evaluate a CDS Hooks request in-process and check the cards against the response schema."""
    result = engine.evaluate(kb, request["hook"], request["context"], request.get("prefetch") or {},
                             today=today, **kwargs)
    assert_valid_response({"cards": result.cards})
    return result


def with_params(kb: knowledge.Knowledge, section: str, **values: float) -> knowledge.Knowledge:
    """The knowledge base as a site that overrides ``values`` in one thresholds.toml ``section`` loads it."""
    return replace(kb, thresholds={**kb.thresholds, section: {**kb.thresholds.get(section, {}), **values}})


def explained(result: Evaluation, rule_id: str) -> dict[str, Any]:
    """The explanation entry of one rule: its status, reason and facts."""
    return next(e for e in result.explanation if e["rule"] == rule_id)


def taken_away(action: dict[str, Any]) -> str | None:
    """The order an action takes away, by reference: a draft it deletes (cancels), or a chart order it updates to
    'stopped' or, not yet begun, 'cancelled' (discontinues: cards.build) or 'on-hold' (holds); None for any other
    action."""
    if action["type"] == "delete":
        return action["resourceId"]
    resource = action.get("resource") or {}
    return f"{resource['resourceType']}/{resource['id']}" if action["type"] == "update" and resource.get(
        "status") in ("stopped", "cancelled", "on-hold") else None


def deleted(suggestion: dict[str, Any]) -> list[str]:
    """The orders a card's suggestion takes away, by reference: the drafts it deletes (cancels) and the chart's
    orders it updates to 'stopped' (discontinues: cards.build)."""
    return [reference for a in suggestion["actions"] if (reference := taken_away(a)) is not None]


def fired(result: Evaluation) -> dict[str, dict[str, Any]]:
    """Cards by rule id (there is at most one card per rule)."""
    by_rule = {c["source"]["topic"]["code"]: c for c in result.cards}
    assert len(by_rule) == len(result.cards), "more than one card for a rule"
    return by_rule


# How a chart's last glucocorticoid order is made unreadable (make_dose_unreadable), and what a reason naming it
# says to fix (steroids.SteroidHistory.unread_named): R05, R24, R25
UNREADABLE_PREDNISONE_DOSES = [
    (("timing", {"repeat": {"frequency": -1, "period": 1, "periodUnit": "d"}}),
     "timing not readable (frequency -1, period 1 d)"),
    (("timing", {}), "frequency not given"),
    (("doseAndRate", [{"doseQuantity": {"value": 2, "unit": "puff"}}]), "dose not read in mg (2 puff)"),
    (("doseAndRate", []), "no scheduled dose given"),
    (("doseAndRate", [{"doseQuantity": {"value": 1, "unit": "mg/kg", "system": "http://unitsofmeasure.org",
                                         "code": "mg/kg"}}]), "1 mg/kg with no current weight"),
]


def make_dose_unreadable(chart: Any, change: tuple[str, Any]) -> None:
    """Sets one field of the first dosage instruction of the chart's last medication order."""
    key, value = change
    chart.resources["medications"][-1]["dosageInstruction"][0][key] = value
