"""Each rule declares the optional prefetch data it reads (``Rule.needs`` or ``Rule.also_reads``), so that when the
EHR could not send it the rule says so instead of deciding as if the chart held none."""

from __future__ import annotations

import copy

import pytest

import fhir_fixtures
from hooks import cards
from service.discovery import PREFETCH
from tests.conftest import fired, run

FIXTURES = fhir_fixtures.all_fixtures()
OPTIONAL_KEYS = ("procedures", "immunizations")


def _outcomes(result):
    """Each rule's own outcome. What the engine's reconciliation took off a card because of another card
    (facts["not_offered"]) follows the other rule's data, not this one's."""
    return {e["rule"]: (e["status"], e.get("reason"),
                        {k: v for k, v in (e.get("facts") or {}).items() if k != "not_offered"})
            for e in result.explanation}


def test_declared_keys_are_prefetch_keys(kb):
    for loaded in kb.rules:
        assert set(loaded.rule.needs) | set(loaded.rule.also_reads) <= PREFETCH.keys(), loaded.rule.id


@pytest.mark.parametrize("key", OPTIONAL_KEYS)
def test_a_rule_whose_outcome_depends_on_a_key_declares_it(kb, today, key):
    """Emptying a key's Bundle in every fixture changes only the rules that declare they read it."""
    declared = {r.rule.id for r in kb.rules if key in r.rule.needs or key in r.rule.also_reads}
    readers: set[str] = set()
    for name in sorted(FIXTURES):
        request = FIXTURES[name].request(today)
        bundle = request["prefetch"].get(key)
        if not bundle or not bundle.get("entry"):
            continue
        emptied = copy.deepcopy(request)
        emptied["prefetch"][key]["entry"] = []
        before, after = _outcomes(run(kb, request, today)), _outcomes(run(kb, emptied, today))
        changed = {rule for rule in before if before[rule] != after.get(rule)}
        assert changed <= declared, f"{name}: {sorted(changed - declared)} read '{key}' without declaring it"
        readers |= changed
    assert readers, f"no fixture exercises a rule that reads '{key}'"  # the check above must have had work to do


def test_a_rule_that_also_reads_a_missing_key_fires_with_a_caveat_and_explains_a_quiet(kb, today):
    """R19 (critical) still fires when immunizations could not be fetched, and says an IVIG given may be unseen;
    R05's quiet explanation says the same."""
    request = fhir_fixtures.get("r19-fires-dysphagia-anti-srp").request(today)
    del request["prefetch"]["immunizations"]
    result = run(kb, request, today, unavailable=("immunizations",))
    card = fired(result)["imnm-severe-disease-urgent"]
    assert "**Not checked:** The patient's immunizations could not be fetched" in card["detail"]
    entries = {e["rule"]: e for e in result.explanation}
    assert entries["imnm-severe-disease-urgent"]["facts"]["unavailable_prefetch"] == ["immunizations"]
    r05 = entries["imnm-add-steroid-sparing-by-month-1"]
    assert r05["status"] == "not-fired" and r05["reason"].startswith("T_tx 21 days ago (< 30). The patient's "
                                                                     "immunizations could not be fetched")


def test_a_rule_that_cannot_decide_also_says_what_it_could_not_see(kb, today):
    """R21 (which also reads procedures) is not evaluable for a stale CK; its reason adds that procedures were
    not fetched, so the explanation does not read as if that were the only gap."""
    request = fhir_fixtures.get("r21-quiet-ck-too-old").request(today)
    del request["prefetch"]["procedures"]
    entry = {e["rule"]: e for e in run(kb, request, today, unavailable=("procedures",)).explanation}[
        "imnm-possible-relapse-on-taper"]
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].endswith("(needs <= 14). " + cards.not_seen(["procedures"]))
    assert entry["facts"]["unavailable_prefetch"] == ["procedures"]
