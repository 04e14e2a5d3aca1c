"""R04 imnm-dual-antibody-positive: confirmation orders, and cardiac tests suggested only when missing."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, IMNM_SNOMED, SNOMED, Chart
from tests.conftest import explained, fired, run

RULE = "imnm-dual-antibody-positive"
ECG = (SNOMED, "268400002", "12 lead ECG")
ECHO = (SNOMED, "252418006", "Transthoracic echocardiography")
CARDIAC_MRI = ("http://loinc.org", "24748-6", "MR Heart")
TROPONIN_I = ("http://loinc.org", "10839-9", "Troponin I.cardiac")
TROPONIN_T = ("http://loinc.org", "6598-7", "Troponin T.cardiac")


def _dual(today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-100)
    return chart.antibody("anti_hmgcr", "positive", day=-90).antibody("anti_srp", "positive", day=-80)


def _created(card, index):
    return [a["resource"] for a in card["suggestions"][index]["actions"]]


def test_card_confirms_both_antibodies_and_names_them(kb, today):
    card = fired(run(kb, _dual(today).request("patient-view"), today))[RULE]
    assert card["indicator"] == "warning" and len(card["summary"]) < 140
    confirm = _created(card, 0)
    assert [r["code"]["coding"][0]["code"] for r in confirm] == ["33921-8", "93493-5"]
    assert "second method" in confirm[0]["code"]["text"] and "ELISA" in confirm[1]["code"]["text"]
    assert card["suggestions"][0]["isRecommended"] is True
    assert "anti-HMGCR positive on 2026-08-23" in card["detail"] and "anti-SRP positive on 2026-09-02" in card["detail"]
    for rule in ("R14", "R30", "R20", "rituximab"):
        assert rule in card["detail"]


def test_cardiac_tests_r20_orders_too_are_kept_unselected_and_its_card_named(kb, today):
    """R04 and R20 both offered ECG, troponin I and echo in one response. R04 keeps its own, unselected (R20's card
    may be held back after the rules run: snoozed), and names R20's card; only R20's are pre-selected."""
    result = run(kb, _dual(today).request("patient-view"), today)
    card, screen = fired(result)[RULE], fired(result)["srp-cardiac-evaluation"]
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["268400002", "10839-9", "252418006"]
    assert card["suggestions"][1]["isRecommended"] is False and screen["suggestions"][0]["isRecommended"] is True
    assert ("Also offered on the anti-SRP cardiac screen card (R20): 12-lead ECG, troponin I, transthoracic "
            "echocardiogram; order each test from one card only.") in card["detail"]
    assert explained(result, RULE)["facts"]["cardiac_tests_on_other_cards"] == (
        "12-lead ECG, troponin I, transthoracic echocardiogram: the anti-SRP cardiac screen card (R20)")


def test_only_missing_cardiac_tests_are_offered_and_named_with_r20(kb, today):
    chart = _dual(today).procedure(ECG, day=-365).lab(TROPONIN_I, 4, "ng/L", day=-10)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["252418006"]
    assert ("Also offered on the anti-SRP cardiac screen card (R20): transthoracic echocardiogram; order each test "
            "from one card only.") in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert "2025-11-21" in facts["ECG_on_file"] and facts["echocardiogram_or_cardiac_MRI_on_file"] is None


def test_cardiac_tests_are_offered_when_no_other_card_orders_them(kb, today):
    """R20 is quiet with a troponin T this year and an echo on file; R04 still asks for an ECG and troponin I."""
    chart = _dual(today).lab(TROPONIN_T, 30, "ng/L", day=-3).procedure(ECHO, day=-50)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert "srp-cardiac-evaluation" not in fired(result) and "Also offered" not in card["detail"]
    cardiac = _created(card, 1)
    assert [r["code"]["coding"][0]["code"] for r in cardiac] == ["268400002", "10839-9"]
    assert all(r["resourceType"] == "ServiceRequest" and r["status"] == "draft" for r in cardiac)


@pytest.mark.parametrize("study", [ECHO, CARDIAC_MRI])
def test_no_cardiac_suggestion_when_everything_is_done(kb, today, study):
    chart = _dual(today).procedure(ECG, day=-30).lab(TROPONIN_I, 4, "ng/L", day=-30).procedure(study, day=-2000)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert len(card["suggestions"]) == 1


def test_old_ecg_and_troponin_t_do_not_count(kb, today):
    chart = _dual(today).procedure(ECG, day=-366).lab(TROPONIN_T, 30, "ng/L", day=-3).procedure(ECHO, day=-50)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["268400002", "10839-9"]
    assert "none in the last 365 days" in card["detail"]


def test_one_positive_among_several_results_is_enough(kb, today):
    chart = Chart(today).antibody("anti_hmgcr", "negative", day=-300).observation(ANTI_HMGCR, -30, interpretation="H")
    chart.antibody("anti_srp", "positive", day=-300)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))


def test_single_positive_is_quiet_with_facts(kb, today):
    chart = Chart(today).antibody("anti_hmgcr", "positive", day=-30).antibody("anti_srp", "negative", day=-30)
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired"
    assert entry["facts"]["anti_hmgcr_positive"] is not None and entry["facts"]["anti_srp_positive"] is None


def test_unavailable_procedures_still_fire_with_a_caveat(kb, today):
    request = _dual(today).request("patient-view")
    del request["prefetch"]["procedures"]
    result = run(kb, request, today, unavailable=("procedures",))
    card = fired(result)[RULE]
    assert "**Not checked:** The patient's procedures could not be fetched" in card["detail"]
    assert explained(result, RULE)["facts"]["unavailable_prefetch"] == ["procedures"]
