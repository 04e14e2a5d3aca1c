"""The knowledge loader: every rule module's CK row collected at start-up (rules do not import each other), and
each rule's thresholds resolved once, read-only, with a site's values where set."""

from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

import hooks.rules
from hooks import knowledge
from hooks.context import HookContext
from tests.conftest import TODAY, with_params

RULES_DIR = Path(hooks.rules.__path__[0])
R22 = "imnm-ck-monitoring-due"


def _rule(kb: knowledge.Knowledge, rule_id: str):
    return next(loaded.rule for loaded in kb.rules if loaded.rule.id == rule_id)


# -- the rows that judge a recent CK (clinical-rules.md section 4.2, latest_CK), for R22


def test_the_loader_collects_every_ck_row_in_rule_number_order(kb):
    assert [row.rule.code for row in kb.ck_rows] == ["R15", "R16", "R17", "R21"]
    for loaded in kb.rules:
        assert loaded.ck_row is getattr(importlib.import_module(loaded.module), "CK_ROW", None)


def test_a_context_built_by_hand_has_every_ck_row(kb):
    """Tests and tools that build a HookContext without the engine still give R22 every row."""
    assert HookContext("patient-view", TODAY).ck_rows == kb.ck_rows


@pytest.mark.parametrize("path", sorted(RULES_DIR.glob("r[0-9]*.py")), ids=lambda path: path.stem[:3])
def test_no_rule_module_imports_another(path):
    """R22 imported R15, R16, R17 and R21 to read their CK rows; the loader hands them over instead, and what two
    rules share is a definition."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [f"{node.module}.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 for alias in node.names]
    assert not [name for name in imported if name.startswith("hooks.rules.")]


@pytest.mark.parametrize("hook", ["patient-view", "order-sign", "no-such-hook"])
def test_the_rules_of_a_hook_are_grouped_once_in_rule_number_order(kb, hook):
    assert kb.rules_for(hook) == tuple(r for r in kb.rules if hook in r.rule.hooks)
    assert kb.needed_prefetch(hook) == frozenset(key for r in kb.rules_for(hook) for key in r.rule.needs)


def test_a_ck_row_of_another_rule_is_refused(tmp_path, monkeypatch):
    """A module that exports another rule's CK row would have R22 cite that rule twice, or under the wrong rule."""
    name = "r99_borrowed_ck_row"
    (tmp_path / f"{name}.py").write_text(
        "from hooks.rule import Quiet, Rule\n"
        "from hooks.rules.r15_hmgcr_add_ivig_inadequate_response import CK_ROW\n"
        "RULE = Rule(id='borrowed-ck-row', number=99, title='t', hooks=('patient-view',), sources=(), summary='s',\n"
        "            severities=('info',))\n"
        "def evaluate(record, context):\n"
        "    return Quiet('never', {})\n", encoding="utf-8")
    monkeypatch.setattr(hooks.rules, "__path__", [*hooks.rules.__path__, str(tmp_path)])
    importlib.invalidate_caches()
    try:
        with pytest.raises(TypeError, match=f"hooks.rules.{name}: CK_ROW must be a CkRow of the module's own RULE"):
            knowledge.discover_rules()
    finally:
        sys.modules.pop(f"hooks.rules.{name}", None)


# -- thresholds: resolved once, read-only, the site's value where set, else the rule's default


def test_a_rules_parameters_are_resolved_once_and_read_only(kb):
    """Resolved when the knowledge is loaded: every call (about 30 per hook call) looks the same mapping up."""
    rule = _rule(kb, R22)
    params = HookContext("patient-view", TODAY, thresholds=kb.thresholds).params(rule)
    assert params is HookContext("patient-view", TODAY, thresholds=kb.thresholds).params(rule)
    assert dict(params) == {name: p.default for name, p in rule.parameters.items()}
    with pytest.raises(TypeError):
        params["interval_stable_days"] = 1  # type: ignore[index]


def test_a_sites_thresholds_file_is_resolved_at_load(tmp_path):
    site_file = tmp_path / "thresholds.toml"
    site_file.write_text(f"[definitions]\nck_uln_fallback = 250\n\n[{R22}]\ninterval_stable_days = 60\n",
                         encoding="utf-8")
    site = knowledge.load(thresholds_file=site_file)
    context = HookContext("patient-view", TODAY, thresholds=site.thresholds)
    params = context.params(_rule(site, R22))
    assert params["interval_stable_days"] == 60 and params["interval_early_days"] == 30
    assert context.definition("ck_uln_fallback") == 250 and context.definition("relapse_ck_max_age_days") == 14


def test_a_table_built_by_hand_is_resolved_against_the_defaults(kb):
    """conftest.with_params replaces the knowledge's thresholds with a plain table; a test may also hand a
    HookContext one naming only what it overrides."""
    rule = _rule(kb, R22)
    site = with_params(kb, R22, interval_stable_days=45)
    assert HookContext("patient-view", TODAY, thresholds=site.thresholds).params(rule)["interval_stable_days"] == 45
    context = HookContext("patient-view", TODAY, thresholds={R22: {"interval_early_days": 20},
                                                             "definitions": {"ck_uln_fallback": 300}})
    assert dict(context.params(rule)) == {**{name: p.default for name, p in rule.parameters.items()},
                                         "interval_early_days": 20}
    assert context.definition("ck_uln_fallback") == 300 and context.definition("relapse_ck_max_age_days") == 14
    assert HookContext("patient-view", TODAY).params(rule)["interval_early_days"] == 30


def test_a_table_built_by_hand_bounds_a_parameter_by_another_rules(kb):
    """R15's IVIG dose per cycle may not exceed R27's maximum: a table that does not name R27 reads R27's default,
    or the value it sets; the other rule is looked up among the rule modules discovered once, not on every read."""
    rule = _rule(kb, "hmgcr-add-ivig-inadequate-response")
    assert HookContext("patient-view", TODAY, thresholds={}).bound(rule, "ivig_g_per_kg") == 2.0
    site = HookContext("patient-view", TODAY, thresholds={"ivig-order-safety": {"max_g_per_kg_cycle": 1.5}})
    assert site.bound(rule, "ivig_g_per_kg") == 1.5
    assert knowledge.discovered_rules() is knowledge.discovered_rules()
    assert [loaded.rule.id for loaded in knowledge.discovered_rules()] == [loaded.rule.id for loaded in kb.rules]
