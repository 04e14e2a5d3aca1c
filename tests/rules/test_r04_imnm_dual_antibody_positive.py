"""R04 imnm-dual-antibody-positive: confirmation orders, and cardiac tests suggested only when missing."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ANTI_SRP, IMNM_SNOMED, SNOMED, Chart
from tests.conftest import explained, fired, run

RULE = "imnm-dual-antibody-positive"
ECG = (SNOMED, "268400002", "12 lead ECG")
ECHO = (SNOMED, "252418006", "Transthoracic echocardiography")
CARDIAC_MRI = ("http://loinc.org", "24748-6", "MR Heart")
TROPONIN_I = ("http://loinc.org", "10839-9", "Troponin I.cardiac")
HS_TROPONIN_I = ("http://loinc.org", "89579-7", "Troponin I.cardiac by High sensitivity method")
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
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["268400002", "89579-7", "252418006"]
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
    assert [r["code"]["coding"][0]["code"] for r in cardiac] == ["268400002", "89579-7"]
    assert all(r["resourceType"] == "ServiceRequest" and r["status"] == "draft" for r in cardiac)


@pytest.mark.parametrize("study", [ECHO, CARDIAC_MRI])
def test_no_cardiac_suggestion_when_everything_is_done(kb, today, study):
    chart = _dual(today).procedure(ECG, day=-30).lab(TROPONIN_I, 4, "ng/L", day=-30).procedure(study, day=-2000)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert len(card["suggestions"]) == 1


@pytest.mark.parametrize("troponin", [TROPONIN_I, HS_TROPONIN_I], ids=["troponin I", "hs-troponin I"])
def test_either_troponin_i_assay_on_file_counts_and_the_high_sensitivity_one_is_ordered(kb, today, troponin):
    """R04 ordered troponin I as 10839-9 and R19, R20 and R31 the high-sensitivity assay, 89579-7: one test under two
    codes. All now order 89579-7; a result of either assay still counts as the troponin I done."""
    chart = _dual(today).procedure(ECHO, day=-50)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    (troponin_order,) = [r for r in _created(card, 1) if r["code"]["coding"][0]["code"] == "89579-7"]
    assert troponin_order["code"]["text"] == ("Troponin I.cardiac [Mass/volume] in Serum or Plasma by High "
                                              "sensitivity method")
    card = fired(run(kb, chart.lab(troponin, 4, "ng/L", day=-10).request("patient-view"), today))[RULE]
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["268400002"]


def test_old_ecg_and_troponin_t_do_not_count(kb, today):
    chart = _dual(today).procedure(ECG, day=-366).lab(TROPONIN_T, 30, "ng/L", day=-3).procedure(ECHO, day=-50)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert [r["code"]["coding"][0]["code"] for r in _created(card, 1)] == ["268400002", "89579-7"]
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


SRP_BY_IP = ("http://loinc.org", "33921-8", "SRP Ab by immunoprecipitation")


def _confirmations(card):
    """The antibody tests the card orders, by LOINC."""
    return [a["resource"]["code"]["coding"][0]["code"] for s in card.get("suggestions", []) for a in s["actions"]
            if a["resource"]["code"]["coding"][0]["code"] in ("33921-8", "93493-5")]


def _repeated(today, srp_repeat=None, hmgcr_repeat=None):
    """Both positive 100 days ago; anti-SRP repeated by immunoprecipitation and anti-HMGCR by ELISA 20 days ago (each
    as given, or not repeated); the cardiac work-up done."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-120).procedure(ECG, day=-30).procedure(ECHO, day=-30)
    chart.lab(TROPONIN_I, 5, "ng/L", day=-30, high=14)
    chart.observation(ANTI_SRP, -100, value_string="Positive (weak, line blot)")
    chart.observation(ANTI_HMGCR, -100, interpretation="POS")
    if srp_repeat:
        chart.observation(SRP_BY_IP, -20, **srp_repeat)
    if hmgcr_repeat:
        chart.observation(ANTI_HMGCR, -20, **hmgcr_repeat)
    return chart


def test_a_later_negative_makes_the_pair_discordant_and_no_test_is_ordered_again(kb, today):
    """Review: anti-SRP repeated by a second method (negative) and anti-HMGCR by ELISA (180 U/mL): the card still
    said "both positive", showed the first two results only and pre-selected the same confirmation tests again. The
    later results are read: discordant, said so; until the specialist decides, both subtypes' rules apply (the row)."""
    chart = _repeated(today, {"value_string": "Negative"}, {"value": 180, "unit": "U/mL", "high": 20})
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["summary"].startswith("Dual antibody result discordant: anti-SRP negative after the first positive")
    assert "both positive" not in card["summary"]
    assert card["detail"].startswith(
        f"**Anti-HMGCR and anti-SRP: discordant results, not a confirmed dual positive.** anti-HMGCR positive on "
        f"{chart.at(-100)} (HMGCR Ab), then positive (180 U/mL) on {chart.at(-20)} (HMGCR Ab); anti-SRP positive on "
        f"{chart.at(-100)} (SRP Ab), then negative on {chart.at(-20)} (SRP Ab by immunoprecipitation).")
    assert "**Discordant:** anti-SRP positive, then negative on a later result." in card["detail"]
    assert "Until the specialist decides which result stands, apply **both** sets of subtype rules" in card["detail"]
    assert _confirmations(card) == [] and "suggestions" not in card
    assert explained(result, RULE)["facts"]["discordant"] == "anti-SRP"


def test_only_the_antibody_not_yet_repeated_is_offered(kb, today):
    chart = _repeated(today, hmgcr_repeat={"value": 180, "unit": "U/mL", "high": 20})
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert _confirmations(card) == ["33921-8"]
    assert card["suggestions"][0]["label"] == "Confirm: repeat anti-SRP by a second method"
    assert card["suggestions"][0]["isRecommended"] is True
    assert ("Confirm with a second method or a reference laboratory: repeat anti-SRP by another assay. Anti-HMGCR was "
            "repeated after the first positive: not offered again.") in card["detail"]


def test_both_confirmed_on_repeat_is_a_dual_positive_with_nothing_to_repeat(kb, today):
    chart = _repeated(today, {"value_string": "Positive"}, {"value": 180, "unit": "U/mL", "high": 20})
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == ("Anti-HMGCR and anti-SRP both positive, confirmed on repeat (rare): apply both "
                               "subtypes' rules")
    assert card["detail"].startswith("**Anti-HMGCR and anti-SRP are both positive, each confirmed on repeat:**")
    assert "Apply **both** sets of subtype rules" in card["detail"] and _confirmations(card) == []


def test_a_repeat_read_as_neither_is_not_ordered_again_and_the_lab_is_asked(kb, today):
    chart = _repeated(today, {"value_string": "Equivocal"}, {"value": 180, "unit": "U/mL", "high": 20})
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "a repeat is unclear" in card["summary"] and _confirmations(card) == []
    assert (f"then neither positive nor negative (Equivocal) on {chart.at(-20)} (SRP Ab by immunoprecipitation)"
            in card["detail"])
    assert ("The repeat of anti-SRP reads as neither positive nor negative: ask the lab how to read it, or send it to "
            "a reference laboratory.") in card["detail"]
