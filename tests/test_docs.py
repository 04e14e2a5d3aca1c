"""Generated documentation stays current: the README rule catalogue, the config table and the thresholds file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from hooks import knowledge, parameters
from hooks.catalogue import BEGIN, END, markdown
from service.config import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rule_catalogue_is_current():
    assert README.count(BEGIN) == README.count(END) == 1, "one catalogue, between one pair of markers"
    start, end = README.index(BEGIN), README.index(END) + len(END)
    assert README[start:end] == markdown(), "run: imnm-cds catalogue, and paste it into README.md"


def test_catalogue_lists_every_rule_once():
    rules = knowledge.discover_rules()
    table = markdown()
    for loaded in rules:
        assert table.count(f"`{loaded.rule.id}`") == 1


def test_readme_config_table_names_every_setting():
    settings = Settings()
    for section in dataclasses.fields(settings):
        if section.name == "source":
            continue
        for key in dataclasses.fields(getattr(settings, section.name)):
            assert f"{section.name}.{key.name}" in README, f"{section.name}.{key.name} missing from README"


def test_thresholds_file_is_current():
    rules = [r.rule for r in knowledge.discover_rules()]
    expected = parameters.render_toml(rules)
    assert (ROOT / "hooks" / "thresholds.toml").read_text(encoding="utf-8").strip() == expected.strip(), \
        "run: imnm-cds thresholds > hooks/thresholds.toml"


def test_thresholds_file_overrides_and_rejects_unknown_names(tmp_path):
    rules = [r.rule for r in knowledge.discover_rules()]
    site = tmp_path / "site.toml"
    site.write_text("[definitions]\nck_uln_fallback = 180\n")
    assert parameters.load(rules, site)["definitions"]["ck_uln_fallback"] == 180
    site.write_text("[definitions]\nck_uln_fallbak = 180\n")
    try:
        parameters.load(rules, site)
    except parameters.ParameterError as exc:
        assert "ck_uln_fallbak" in str(exc)
    else:
        raise AssertionError("a misspelt threshold must be refused")


def test_a_dose_offered_may_not_exceed_the_check_on_the_same_order(tmp_path):
    """Lowering R32's cap for a child's prednisolone alone would have R19 offer a dose R32 flags: refused."""
    rules = [r.rule for r in knowledge.discover_rules()]
    site = tmp_path / "site.toml"
    site.write_text("[pediatric-myositis-dose-limits]\nsteroid_max_mg_day = 50\n")
    with pytest.raises(parameters.ParameterError) as refused:
        parameters.load(rules, site)
    assert ("imnm-severe-disease-urgent.paediatric_prednisolone_max_mg = 60 may not exceed "
            "pediatric-myositis-dose-limits.steroid_max_mg_day = 50") in str(refused.value)
    site.write_text("[pediatric-myositis-dose-limits]\nsteroid_max_mg_day = 50\n"
                    "[imnm-severe-disease-urgent]\npaediatric_prednisolone_max_mg = 50\n")
    with pytest.raises(parameters.ParameterError, match=r"ici-myositis\.paediatric_prednisone_cap_mg = 60"):
        parameters.load(rules, site)  # R31 offers a child's prednisone too
    site.write_text("[pediatric-myositis-dose-limits]\nsteroid_max_mg_day = 50\n"
                    "[imnm-severe-disease-urgent]\npaediatric_prednisolone_max_mg = 50\n"
                    "[ici-myositis]\npaediatric_prednisone_cap_mg = 50\n")
    assert parameters.load(rules, site)["imnm-severe-disease-urgent"]["paediatric_prednisolone_max_mg"] == 50


def test_every_at_most_names_a_parameter_the_defaults_hold():
    rules = [r.rule for r in knowledge.discover_rules()]
    limits = [(rule.id, name, p.at_most) for rule in rules for name, p in rule.parameters.items() if p.at_most]
    assert len(limits) >= 15
    table = parameters.load(rules)  # raises on a dangling name or a default above its limit
    for section, name, limit in limits:
        limit_section, _, limit_name = limit.rpartition(".")
        assert table[section][name] <= table[limit_section][limit_name]
