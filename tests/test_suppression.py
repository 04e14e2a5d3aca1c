"""The suppression hierarchy (clinical-rules.md section 1), one test per edge, through the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    DERMATOMYOSITIS_ICD,
    IBM_ICD,
    IMNM_SNOMED,
    LOINC,
    NEC_FASCIITIS_ICD,
    PREDNISONE_20,
    Chart,
)
from hooks import engine, suppression
from hooks.definitions import cardiac_screen, ibm, severe_disease, steroid_sparing
from tests.conftest import explained, fired, run
from tests.definitions_support import record_and_context

R05 = "imnm-add-steroid-sparing-by-month-1"
R03 = "myositis-antibody-panel-missing"
R02 = "ibm-immunosuppression-futile"
PEMBROLIZUMAB = ("http://www.nlm.nih.gov/research/umls/rxnorm", "1547545", "pembrolizumab")


def _imnm_on_steroids_alone(today, onset: int = -50, diagnosis: tuple[str, str, str] | str = IMNM_SNOMED) -> Chart:
    """IMNM on prednisone 60 mg for 45 days with no second agent: R05 fires unless suppressed."""
    chart = Chart(today, age=52).weight(75, day=-3)
    chart.condition(diagnosis, onset=onset)
    chart.ck(6000, day=-47).ck(2500, day=-4)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    return chart


def _status(result, rule_id: str) -> str:
    return next(e["status"] for e in result.explanation if e["rule"] == rule_id)


def test_baseline_r05_fires(kb, today):
    assert R05 in fired(run(kb, _imnm_on_steroids_alone(today).request(), today))


@pytest.mark.parametrize(("onset", "suppressed"), [(-3, True), (-30, True), (-31, False)])
def test_nsti_gate_edges(kb, today, onset, suppressed):
    chart = _imnm_on_steroids_alone(today).condition(NEC_FASCIITIS_ICD, onset=onset)
    result = run(kb, chart.request(), today)
    assert (_status(result, R05) == "suppressed") is suppressed
    assert (R05 in fired(result)) is not suppressed


def test_nsti_gate_lifts_when_imnm_confirmed_by_antibody_explains_a_free_text_label(kb, today):
    chart = _imnm_on_steroids_alone(today).condition("Necrotizing myositis of thigh", onset=-3)
    chart.temperature(39.1)
    assert _status(run(kb, chart.request(), today), R05) == "suppressed"
    chart.antibody("anti_hmgcr", "positive", day=-40)
    assert _status(run(kb, chart.request(), today), R05) != "suppressed"


def test_a_coded_nsti_suppresses_imnm_treatment_even_with_a_positive_antibody(kb, today):
    chart = _imnm_on_steroids_alone(today).condition(NEC_FASCIITIS_ICD, onset=-3)
    chart.antibody("anti_hmgcr", "positive", day=-40)
    assert _status(run(kb, chart.request(), today), R05) == "suppressed"


def _imnm_by_antibody(today) -> Chart:
    """IMNM read from anti-HMGCR, a raised CK and a myopathy condition, with no IMNM diagnosis charted."""
    return _imnm_on_steroids_alone(today, diagnosis="Myopathy").antibody("anti_hmgcr", "positive", day=-40)


def test_baseline_r05_fires_for_imnm_read_from_the_antibody(kb, today):
    assert R05 in fired(run(kb, _imnm_by_antibody(today).request(), today))


@pytest.mark.parametrize("other", [None, "Rheumatoid arthritis"])
def test_ibm_gate_suppresses_imnm_treatment_and_antibody_workup(kb, today, other):
    """Anti-HMGCR and a raised CK do not make an IBM patient an IMNM patient (a statin history may explain both); nor
    does another condition that needs immunosuppression, such as RA, call for IMNM treatment."""
    chart = _imnm_by_antibody(today).condition(IBM_ICD, onset=-400)
    if other:
        chart.condition(other, onset=-3000)
    result = run(kb, chart.request(), today)
    assert _status(result, R05) == "suppressed" and _status(result, R03) == "suppressed"
    assert not {R05, R03} & fired(result).keys()


@pytest.mark.parametrize("myositis", [IMNM_SNOMED, DERMATOMYOSITIS_ICD])
def test_a_coded_myositis_besides_ibm_lifts_the_ibm_gate(kb, today, myositis):
    """IBM with a charted IMNM or dermatomyositis is an overlap case (found by audit: the gate silenced the IMNM rows
    while R02 said to cancel the immunosuppression). R02 stands down for the same chart: one definition for both."""
    chart = _imnm_on_steroids_alone(today, diagnosis=myositis).antibody("anti_hmgcr", "positive", day=-40)
    chart.condition(IBM_ICD, onset=-400)
    result = run(kb, chart.request(), today)
    assert "suppressed" not in {_status(result, R05), _status(result, R03), _status(result, "imnm-cancer-screening")}
    assert R05 in fired(result) and R02 not in fired(result)


def test_resolved_ibm_does_not_suppress(kb, today):
    chart = _imnm_on_steroids_alone(today).condition(IBM_ICD, onset=-400, status="resolved")
    assert _status(run(kb, chart.request(), today), R05) != "suppressed"


def test_ici_myositis_gate(kb, today):
    chart = _imnm_on_steroids_alone(today, onset=-50)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-90, period=3, period_unit="wk")
    result = run(kb, chart.request(), today)
    assert _status(result, R05) == "suppressed"
    assert "ici-myositis" in fired(result)


def test_ici_given_after_the_myositis_began_is_not_ici_myositis(kb, today):
    chart = _imnm_on_steroids_alone(today, onset=-50)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-20, period=3, period_unit="wk")
    assert _status(run(kb, chart.request(), today), R05) != "suppressed"


@pytest.mark.parametrize(("age", "adult_rule_status"), [(17, "suppressed"), (18, "fired")])
def test_paediatric_gate_replaces_adult_dose_checks(kb, today, age, adult_rule_status):
    chart = Chart(today, age=age).weight(60, day=-1).condition("Juvenile dermatomyositis", onset=-20)
    chart.draft(PREDNISONE_20, 100, "mg", resource_id="draft-pred")
    result = run(kb, chart.request("order-sign"), today)
    assert _status(result, "prednisone-adult-dose-check") == adult_rule_status
    assert ("pediatric-myositis-dose-limits" in fired(result)) is (age < 18)


def test_the_paediatric_gate_names_every_age_a_partial_birth_date_allows(kb, today):
    """Born in 2008: 17 or 18. The gate reads the youngest (17: paediatric); its reason said 'age 18 years'."""
    chart = Chart(today, birth_date="2008").weight(60, day=-1).condition("Juvenile dermatomyositis", onset=-20)
    chart.draft(PREDNISONE_20, 100, "mg", resource_id="draft-pred")
    entry = explained(run(kb, chart.request("order-sign"), today), "prednisone-adult-dose-check")
    assert entry["status"] == "suppressed" and "age 17 or 18 years" in entry["reason"]


# --- snoozes (feedback overrides), applied by the engine after the rules --------------------------------------


def test_a_snoozed_warning_is_held_back_and_explained(kb, today):
    request = _imnm_on_steroids_alone(today).request()
    result = run(kb, request, today, snoozed=lambda rule_ids: {R05: "overridden on ..."})
    assert R05 not in fired(result)
    entry = explained(result, R05)
    assert entry["status"] == "snoozed" and entry["reason"] == "overridden on ..." and "card" not in entry


def test_the_snooze_look_up_is_asked_only_about_cards_it_could_hold_back(kb, today):
    """Critical cards always show and most calls give no card: then the database is not asked at all."""
    import fhir_fixtures

    asked: list[list[str]] = []

    def look_up(rule_ids: list[str]) -> dict[str, str]:
        asked.append(rule_ids)
        return {rule_id: "snoozed" for rule_id in rule_ids}

    critical_only = fhir_fixtures.get("r14-fires-order-sign-antibody-coded").request(today)
    result = run(kb, critical_only, today, snoozed=look_up)
    assert {c["indicator"] for c in result.cards} == {"critical"} and asked == []
    result = run(kb, _imnm_on_steroids_alone(today).request(), today, snoozed=look_up)
    assert asked and R05 in asked[0] and R05 not in fired(result)
    assert all(c["indicator"] == "critical" for c in result.cards)


def _defect(*_: object) -> list[str]:
    raise ZeroDivisionError


# A gate that fails whenever it is asked (a defect in the hierarchy)
FAILING_GATE = suppression.Gate("defect", frozenset({R05}), _defect)


def test_a_defect_in_a_rule_or_in_the_hierarchy_takes_nothing_else_down(kb, today, monkeypatch):
    """One failing rule is named in the warnings and the others still run; a failing hierarchy shows every card."""
    request = fhir_fixtures.get("r14-fires-patient-view-active-statin").request(today)
    rules = tuple(replace(r, evaluate=_defect) if r.rule.id == "imnm-ck-monitoring-due" else r for r in kb.rules)
    monkeypatch.setattr(suppression, "GATES", (*suppression.GATES, FAILING_GATE))
    result = run(replace(kb, rules=rules), request, today)
    assert "statin-contraindicated-anti-hmgcr" in fired(result)
    assert any("R22 imnm-ck-monitoring-due could not be evaluated" in w for w in result.warnings)
    assert any("suppression hierarchy could not be applied" in w for w in result.warnings)


def test_an_nsti_marker_that_cannot_be_read_holds_back_imnm_treatment_and_says_so(kb, today):
    """Review of 8f09331: with free-text 'necrotizing myositis' and an organism written as text, R01 was not evaluable
    (said on order-sign only) while R05 advised adding methotrexate, and nothing was said on patient-view."""
    chart = _imnm_on_steroids_alone(today).condition("Necrotizing myositis", onset=-1)
    chart.observation((LOINC, "600-7", "Bacteria identified in Blood by Culture"), -1,
                      value_string="See scanned report")
    result = run(kb, chart.request(), today)
    assert _status(result, R05) == "suppressed"
    assert "NSTI not ruled out: Necrotizing myositis with infection markers" in explained(result, R05)["reason"]
    assert any(w.startswith("The IMNM treatment and antibody work-up cards are held back") for w in result.warnings)
    assert suppression.notes(*record_and_context(kb, chart)) == [
        "The IMNM treatment and antibody work-up cards are held back until an NSTI is ruled out (Necrotizing myositis "
        "with infection markers that could not be read: Bacteria identified in Blood by Culture 'See scanned "
        f"report' on {today - timedelta(days=1)} (neither growth nor no growth read)): read or repeat these results."]
    chart.observation((LOINC, "600-7", "Bacteria identified in Blood by Culture"), -1, value_string="No growth")
    chart.resources["observations"].pop(-2)  # read: no NSTI, nothing held back
    assert _status(run(kb, chart.request(), today), R05) != "suppressed"


def test_an_nsti_marker_that_cannot_be_read_never_holds_back_r19s_critical_card(kb, today):
    """A critical card is not held back on a reading: R19 still shows, and says the NSTI is not ruled out."""
    chart = _imnm_on_steroids_alone(today).condition("Necrotizing myositis", onset=-1).weight(70, day=-1)
    chart.condition("Oropharyngeal dysphagia", onset=-2).ck(12000, day=-1)
    chart.observation((LOINC, "600-7", "Bacteria identified in Blood by Culture"), -1,
                      value_string="See scanned report")
    result = run(kb, chart.request(), today)
    assert _status(result, R05) == "suppressed"
    card = next(c for c in result.cards if c["source"]["topic"]["code"] == "imnm-severe-disease-urgent")
    assert card["indicator"] == "critical"
    assert "**A necrotizing soft-tissue infection is not ruled out:** Necrotizing myositis with infection markers" \
        in card["detail"]


# --- whether another rule's card is in this response (suppression.engine_runs) ----------------------------------


def _engine_runs_agrees(kb, today, name: str, unavailable: tuple[str, ...] = ()) -> list[dict]:
    """Asserts that engine_runs says 'evaluated' of every rule exactly where the engine evaluates it (its hook, not
    suppressed, its prefetch there) in the fixture ``name`` and that no rule failed; the engine's explanation."""
    request = fhir_fixtures.get(name).request(today)
    explanation = run(kb, request, today, unavailable=unavailable).explanation
    entries = {e["rule"]: e for e in explanation}
    record, context = engine.prepare(kb, request["hook"], request["context"], request["prefetch"], today=today,
                                     unavailable=unavailable)
    for rule in (loaded.rule for loaded in kb.rules):
        entry = entries.get(rule.id)
        evaluated = entry is not None and entry["status"] != "suppressed" and not str(
            entry.get("reason")).startswith("prefetch data unavailable")
        assert suppression.engine_runs(record, context, rule.id, rule.hooks, rule.needs) is evaluated, (
            name, unavailable, rule.id)
    assert not [e["rule"] for e in explanation if e["status"] == "error"], (name, unavailable)
    return explanation


# Each fixture is run once, under one of these in turn: the prefetch a rule needs there or missing, the hierarchy
# working or failing
VARIANTS: tuple[tuple[tuple[str, ...], bool], ...] = (
    ((), False), (("procedures",), False), (("medications",), False), ((), True))


def test_engine_runs_says_of_every_rule_what_the_engine_does(kb, today, monkeypatch):
    """The definitions that read another rule's decision (steroid_sparing.on_card, ibm.advised_to_stop,
    severe_disease.card_shows, cardiac_screen.tests_offered) each copied the engine's gating, and advised_to_stop
    left out the gates (review 425 #4). Asked of every rule in every fixture, with prefetch missing or not and the
    hierarchy failing or not, the one helper they share says 'evaluated' exactly where the engine evaluates the
    rule."""
    for i, name in enumerate(sorted(fhir_fixtures.all_fixtures())):
        unavailable, failing = VARIANTS[i % len(VARIANTS)]
        with monkeypatch.context() as patch:
            if failing:
                patch.setattr(suppression, "GATES", (*suppression.GATES, FAILING_GATE))
            _engine_runs_agrees(kb, today, name, unavailable)


@pytest.mark.parametrize("name", [
    "r04-fires-both-positive", "r15-fires-re-treated-flare-never-settled", "r21-fires-at-exactly-2x-nadir",
    "r22-fires-early-phase-ck-31-days"])
def test_a_failing_hierarchy_holds_back_no_card_for_the_engine_nor_for_the_rules_that_ask(kb, today, monkeypatch,
                                                                                           name):
    """Review 427 #2: the engine showed every card when a gate failed, but engine_runs (and R22) asked the
    hierarchy again, so the failure was raised inside R04, R15, R20, R21, R22 and R24, which ended as 'error'."""
    monkeypatch.setattr(suppression, "GATES", (*suppression.GATES, FAILING_GATE))
    explanation = _engine_runs_agrees(kb, today, name)
    assert "suppressed" not in {e["status"] for e in explanation}


@pytest.mark.parametrize("definition", [steroid_sparing, ibm, severe_disease, cardiac_screen])
def test_a_definition_that_says_whether_a_card_shows_gates_it_as_its_rule_is_gated(kb, definition):
    """Each asks engine_runs with its rule's id, hooks and needs, and the rule is built from the same constants."""
    rule = next(loaded.rule for loaded in kb.rules if loaded.rule.id == definition.RULE_ID)
    assert (rule.hooks, rule.needs) == (definition.HOOKS, definition.NEEDS)
