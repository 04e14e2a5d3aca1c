"""Site thresholds: cross-parameter bounds (``Param.at_least``, next to ``at_most`` in tests/test_docs.py)."""

from __future__ import annotations

import tomllib

import pytest

from hooks import knowledge, parameters
from hooks.context import ResolvedThresholds
from hooks.rule import Param, Rule

RULES = [r.rule for r in knowledge.discover_rules()]


def _refused(tmp_path, site_text: str, rules=RULES) -> str:
    """Why a site thresholds file with ``site_text`` is refused at start-up."""
    site = tmp_path / "site.toml"
    site.write_text(site_text)
    with pytest.raises(parameters.ParameterError) as refused:
        parameters.load(rules, site)
    return str(refused.value)


def test_an_ivig_course_may_not_break_while_ivig_is_still_recent(tmp_path):
    """A break that ends an IVIG course shorter than R17's window for recent IVIG would end a course while IVIG is
    still recent: refused at start-up, naming both keys, whichever of the two the site set."""
    assert ("definitions.ivig_course_break_days = 50 may not be below imnm-refractory-next-line.ivig_recent_days "
            "= 60") in _refused(tmp_path, "[definitions]\nivig_course_break_days = 50\n")
    assert ("ivig_course_break_days = 180 may not be below imnm-refractory-next-line.ivig_recent_days = 200"
            in _refused(tmp_path, "[imnm-refractory-next-line]\nivig_recent_days = 200\n"))
    site = tmp_path / "site.toml"
    site.write_text("[definitions]\nivig_course_break_days = 84\n[imnm-refractory-next-line]\nivig_recent_days = 84\n")
    assert parameters.load(RULES, site)["definitions"]["ivig_course_break_days"] == 84  # equal is allowed


def test_a_maintenance_interval_may_not_be_longer_than_a_course_break(tmp_path):
    assert ("definitions.ivig_maintenance_max_interval_days = 181 may not exceed definitions.ivig_course_break_days "
            "= 180") in _refused(tmp_path, "[definitions]\nivig_maintenance_max_interval_days = 181\n")


@pytest.mark.parametrize(("section", "name", "new_name", "new_section"), [
    ("imnm-refractory-next-line", "ivig_course_break_days", "ivig_course_break_days", "definitions"),
    ("giop-bone-protection", "adult_age_years", "paediatric_age_years", "definitions"),
    ("vaccinate-before-immunosuppression", "rzv_min_age", "rzv_min_age", "definitions"),
    ("srp-add-rituximab-inadequate-response", "rituximab_window_days", "anti_cd20_in_use_days", "definitions"),
    ("imnm-refractory-next-line", "rituximab_recent_days", "anti_cd20_in_use_days", "definitions"),
    ("pjp-prophylaxis-missing", "anti_cd20_window_days", "anti_cd20_in_use_days", "definitions"),
    ("live-vaccine-while-immunosuppressed", "anti_cd20_days", "anti_cd20_in_use_days", "definitions"),
    ("mtx-weekly-dose-range", "naive_lookback_days", "new_start_lookback_days", "mtx-start-prerequisites"),
    ("srp-add-rituximab-inadequate-response", "hbsag_max_age_days", "hbsag_max_age_days",
     "hbv-screen-before-rituximab"),
])
def test_a_parameter_that_moved_is_refused_with_its_new_place_named(tmp_path, section, name, new_name, new_section):
    """A site file written before a rule's parameter became a shared definition (or another rule's, which both read)
    must not start with the site's value silently dropped."""
    assert (f"unknown parameter {section}.{name} (it has moved: set {new_name} under [{new_section}])"
            in _refused(tmp_path, f"[{section}]\n{name} = 16\n"))


ANTI_CD20_OLD_NAMES = {"srp-add-rituximab-inadequate-response": "rituximab_window_days",
                       "imnm-refractory-next-line": "rituximab_recent_days",
                       "pjp-prophylaxis-missing": "anti_cd20_window_days",
                       "live-vaccine-while-immunosuppressed": "anti_cd20_days"}


@pytest.mark.parametrize(("section", "name"), ANTI_CD20_OLD_NAMES.items())
def test_a_moved_name_says_what_the_new_place_drives_and_its_bounds(tmp_path, section, name):
    """R16's old rituximab_window_days = 180 was answered "set anti_cd20_in_use_days under [definitions]", and
    nothing said that the definition also decides R28's live-vaccine block, R24's PJP risk and R21's draft reading:
    the message names every rule it drives and its floor."""
    refused = _refused(tmp_path, f"[{section}]\n{name} = 180\n")
    meaning = refused.split("definitions.anti_cd20_in_use_days: ", 1)[1]
    assert all(code in meaning for code in ("R16", "R17", "R21", "R22", "R24", "R28"))
    assert meaning.endswith("still depleted. At least 365.")


def _toml(table: dict[str, dict[str, float]]) -> str:
    return "".join(f"[{section}]\n" + "".join(f"{name} = {value!r}\n" for name, value in values.items())
                   for section, values in table.items())


def test_every_moved_name_of_a_site_file_is_refused_at_once(tmp_path):
    """A full copy of the previous release's thresholds file (as the header tells a site to make) took four start-ups
    to mend, one moved name each. Every problem of the file now comes in one error."""
    old_copy = tomllib.loads(parameters.render_toml(RULES))
    for section, name in ANTI_CD20_OLD_NAMES.items():
        old_copy[section][name] = 365
    refused = _refused(tmp_path, _toml(old_copy) + "[definitions-typo]\nx = 1\n")
    assert refused.count("\n") == 1  # two problems, one line each
    assert "unknown section [definitions-typo]" in refused
    old_names = [f"{section}.{name}" for section, name in ANTI_CD20_OLD_NAMES.items()]
    assert (f"unknown parameters {', '.join(old_names[:3])} and {old_names[3]} (they have moved: set "
            "anti_cd20_in_use_days under [definitions], one value for all)") in refused


def test_the_anti_cd20_window_may_be_lengthened_not_shortened(tmp_path):
    """Section 4.2 reads anti-CD20 within 12 months as high-level immunosuppression. A site that had shortened R16's
    re-treatment window to 180 days, told to set the shared definition instead, would have silently let an MMR
    draft pass 200 days after rituximab (R28), and dropped it from R24's PJP risk and R21's draft reading."""
    assert "definitions.anti_cd20_in_use_days = 180 may not be below 365" in _refused(
        tmp_path, "[definitions]\nanti_cd20_in_use_days = 180\n")
    site = tmp_path / "site.toml"
    site.write_text("[definitions]\nanti_cd20_in_use_days = 400\n")
    assert parameters.load(RULES, site)["definitions"]["anti_cd20_in_use_days"] == 400


def test_r15_window_for_recent_ivig_may_not_exceed_the_course_break(tmp_path):
    assert ("hmgcr-add-ivig-inadequate-response.ivig_window_days = 181 may not exceed "
            "definitions.ivig_course_break_days" in _refused(
                tmp_path, "[hmgcr-add-ivig-inadequate-response]\nivig_window_days = 181\n"))


def test_at_least_must_name_a_parameter():
    rule = Rule(id="made-up", number=99, title="t", hooks=("patient-view",), sources=(), summary="s",
                severities=("info",), parameters={"low": Param(1, "days", "d", at_least="made-up.nowhere")})
    with pytest.raises(parameters.ParameterError, match=r"made-up\.low: at_least names no parameter"):
        parameters.load([*RULES, rule])


def test_the_thresholds_file_documents_both_bounds():
    text = parameters.render_toml(RULES)
    assert "Longer than any maintenance interval (IVIG spaced to every 8-12 weeks). At least " \
           "imnm-refractory-next-line.ivig_recent_days." in text
    assert "At most definitions.ivig_course_break_days." in text


@pytest.mark.parametrize("name", ["rzv_min_age", "hepb_cpg_min_age"])
def test_a_vaccine_is_not_offered_below_the_age_its_licence_starts_at(tmp_path, name):
    """RZV and the CpG-adjuvanted hepatitis B vaccine are licensed from 18: a site may raise the age, never lower it."""
    assert f"definitions.{name} = 16 may not be below 18" in _refused(tmp_path, f"[definitions]\n{name} = 16\n")
    site = tmp_path / "site.toml"
    site.write_text(f"[definitions]\n{name} = 50\n")
    assert parameters.load(RULES, site)["definitions"][name] == 50
    assert "At least 18." in parameters.render_toml(RULES).split(f"\n{name} = ")[1].split("\n")[0]


@pytest.mark.parametrize(("value", "why"), [("-1", "= -1 has the wrong sign (its default is 30)"),
                                            ("-0.5", "= -0.5 has the wrong sign"), ("nan", "must be a number"),
                                            ("true", "must be a number"), ('"30"', "must be a number")])
def test_a_parameter_is_a_number_of_its_defaults_sign(tmp_path, value, why):
    """A negative window or dose (a typo) is refused, not read as 'never recent' or 'always stale'."""
    site_text = f"[definitions]\nweight_max_age_days = {value}\n"
    assert f"definitions.weight_max_age_days {why}" in _refused(tmp_path, site_text)


def test_a_nif_threshold_stays_negative(tmp_path):
    """R19's NIF threshold is negative by nature (-30 cmH2O): a site may move it, never flip its sign."""
    site = tmp_path / "site.toml"
    site.write_text("[imnm-severe-disease-urgent]\nnif_cmh2o = -40\n")
    assert parameters.load(RULES, site)["imnm-severe-disease-urgent"]["nif_cmh2o"] == -40
    assert "nif_cmh2o = 30 has the wrong sign (its default is -30)" in _refused(
        tmp_path, "[imnm-severe-disease-urgent]\nnif_cmh2o = 30\n")


def test_an_unchanged_copy_of_the_thresholds_file_loads(tmp_path):
    """The documented workflow: copy hooks/thresholds.toml, then edit it. The copy as it stands must start."""
    site = tmp_path / "site.toml"
    site.write_text(parameters.render_toml(RULES))
    assert parameters.load(RULES, site) == parameters.load(RULES)


def test_zero_is_a_value_a_site_may_choose(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("[definitions]\ndose_gap_bridge_days = 0\n")
    assert parameters.load(RULES, site)["definitions"]["dose_gap_bridge_days"] == 0


def test_a_number_as_at_most_is_the_bound_a_suggested_dose_is_kept_within(tmp_path):
    rule = Rule(id="made-up", number=99, title="t", hooks=("patient-view",), sources=(), summary="s",
                severities=("info",),
                parameters={"dose": Param(10, "mg", "d", at_most=12), "free": Param(1, "mg", "d")})
    thresholds = ResolvedThresholds(parameters.load([*RULES, rule]), [*RULES, rule])
    assert thresholds.bound(rule, "dose") == 12
    assert thresholds.bound(rule, "free") is None
    assert "made-up.dose = 13 may not exceed 12" in _refused(tmp_path, "[made-up]\ndose = 13\n", [*RULES, rule])


def test_r05_reads_no_unestimated_creatinine_older_than_r10s_lab_window(tmp_path):
    """R05 holds methotrexate back for a creatinine that gives no eGFR; one older than R10 checks before methotrexate
    starts tells no more than none, so the window may not exceed R10's, whichever of the two the site set."""
    assert ("imnm-add-steroid-sparing-by-month-1.unestimated_creatinine_max_age_days = 45 may not exceed "
            "mtx-start-prerequisites.lab_max_age_days = 30") in _refused(
        tmp_path, "[imnm-add-steroid-sparing-by-month-1]\nunestimated_creatinine_max_age_days = 45\n")
    assert "may not exceed mtx-start-prerequisites.lab_max_age_days = 14" in _refused(
        tmp_path, "[mtx-start-prerequisites]\nlab_max_age_days = 14\n")
