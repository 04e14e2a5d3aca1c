"""R03 myositis-antibody-panel-missing: which tests are suggested, the EULAR/ACR caveat, and the facts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ATORVASTATIN_40, CK, IMNM_SNOMED, Chart
from fhir_fixtures.r03_myositis_antibody_panel_missing import jdm_anti_nxp2_positive
from tests.conftest import explained, fired, run

RULE = "myositis-antibody-panel-missing"
MRI_THIGHS = ("http://loinc.org", "26235-2", "MR Thigh - bilateral")
TSH = ("http://loinc.org", "3016-3", "TSH")


def _codes(card):
    out = {}
    for suggestion in card["suggestions"]:
        for action in suggestion["actions"]:
            code = action["resource"]["code"]
            key = code["coding"][0]["code"] if "coding" in code else code["text"]
            out[key] = action["resource"]
    return out


def test_all_work_up_suggested_when_nothing_on_file(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["indicator"] == "info" and card["selectionBehavior"] == "any"
    codes = _codes(card)
    assert {"93493-5", "33921-8", "3016-3", "26235-2"} <= codes.keys()
    texts = " | ".join(codes)
    assert "antibody panel" in texts and "Electromyography" in texts and "muscle biopsy" in texts
    assert "p62" in texts
    assert all(r["resourceType"] == "ServiceRequest" and r["status"] == "draft" for r in codes.values())
    assert card["suggestions"][0]["isRecommended"] is True
    assert "EULAR/ACR" in card["detail"] and "do not score anti-HMGCR or anti-SRP" in card["detail"]
    assert "none on file, so ask" in card["detail"]


def test_only_the_missing_antibody_and_missing_studies_are_suggested(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20)
    chart.antibody("anti_srp", "negative", day=-10)
    chart.procedure(MRI_THIGHS, day=-5).observation(TSH, -89, value=2.1, unit="m[IU]/L")
    chart.medication(ATORVASTATIN_40, 40, "mg", start=-400)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    codes = _codes(card)
    assert "93493-5" in codes and "33921-8" not in codes
    assert "26235-2" not in codes and "3016-3" not in codes
    assert "Anti-SRP is negative" in card["detail"] and "atorvastatin" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["anti_srp"] == "negative" and facts["anti_hmgcr"] == "never resulted"
    assert "MRI thighs" in facts["work_up_on_file"] and "TSH" in facts["work_up_on_file"]


def test_tsh_older_than_90_days_is_suggested_again(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).observation(TSH, -91, value=2.1, unit="m[IU]/L")
    assert "3016-3" in _codes(fired(run(kb, chart.request("patient-view"), today))[RULE])


def test_pending_antibody_without_a_value_counts_as_never_resulted(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20)
    chart.observation(ANTI_HMGCR, -2)  # registered, no value yet
    chart.antibody("anti_srp", "negative", day=-2)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result) and explained(result, RULE)["facts"]["anti_hmgcr"] == "never resulted"


def test_ck_threshold_edges(kb, today):
    def chart(value, day):
        return Chart(today).condition("Proximal muscle weakness", onset=-60).ck(value, day=day)
    assert RULE in fired(run(kb, chart(1000, -30).request("patient-view"), today))
    assert RULE not in fired(run(kb, chart(999, -1).request("patient-view"), today))
    assert RULE not in fired(run(kb, chart(5000, -31).request("patient-view"), today))


def test_ck_in_ukat_is_converted(kb, today):
    # 17 ukat/L = 1,020 U/L.
    chart = Chart(today).condition("Myopathy", onset=-60).ck(17, day=-2, unit="ukat/L", uln=3.3)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result)
    assert "1,020 U/L" in explained(result, RULE)["facts"]["cohort"]


def test_high_ck_without_a_myopathy_condition_is_quiet(kb, today):
    chart = Chart(today).ck(8000, day=-2)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result) and explained(result, RULE)["facts"]["cohort"] is None


def test_not_on_order_sign(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).draft(ATORVASTATIN_40, 40, "mg")
    result = run(kb, chart.request("order-sign"), today)
    assert not any(e["rule"] == RULE for e in result.explanation)


def test_unavailable_procedures_still_fire_with_a_caveat(kb, today):
    request = Chart(today).condition(IMNM_SNOMED, onset=-20).request("patient-view")
    del request["prefetch"]["procedures"]
    result = run(kb, request, today, unavailable=("procedures",))
    assert "**Not checked:** The patient's procedures could not be fetched" in fired(result)[RULE]["detail"]
    assert explained(result, RULE)["facts"]["unavailable_prefetch"] == ["procedures"]


def test_ici_context_is_quiet(kb, today):
    """Dermatomyositis that began before pembrolizumab: ICI context all the same (R31 covers its work-up)."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-200)
    chart.medication("pembrolizumab 100 MG in 4 ML Injection", 200, "mg", start=-60)
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))
    assert "checkpoint-inhibitor" in explained(run(kb, chart.request("patient-view"), today), RULE)["reason"]


@pytest.mark.parametrize(("written", "cohort"), [
    ({"value": 1200, "comparator": "<"}, "CK <1,200 U/L (may be 1,000 U/L or more) on"),  # HEAD read it as 1,200
    ({"value_string": ">800 U/L"}, "CK >800 U/L (may be 1,000 U/L or more) on"),
    ({"value_string": ">1,000 U/L"}, "CK >1,000 U/L on"),
    ({"value": 800, "comparator": "<"}, None),  # below the threshold whatever it is
    ({"value": 1000, "comparator": "<"}, None),  # '<' is strict: short of 1,000
])
def test_a_ck_bound_that_may_reach_the_threshold_counts_and_says_may_be(kb, today, written, cohort):
    """The CK threshold switches the work-up on: a bound that leaves it open counts (ck.switches_on), as HEAD did
    reading '<1,200' as 1,200; the card shows the CK as written and that it only may reach the threshold."""
    chart = Chart(today).condition("Proximal muscle weakness", onset=-60).observation(CK, -2, unit="U/L", **written)
    result = run(kb, chart.request("patient-view"), today)
    if cohort is None:  # the weakness alone does not start the work-up
        assert RULE not in fired(result)
    else:
        assert RULE in fired(result) and cohort in explained(result, RULE)["facts"]["cohort"]


@pytest.mark.parametrize("written", [{"value_string": "Equivocal"}, {"value_string": "Borderline"},
                                     {"value_code": ("http://snomed.info/sct", "42425007", "Equivocal")}],
                         ids=["equivocal", "borderline", "coded equivocal"])
def test_an_equivocal_antibody_is_resulted_and_asked_again_by_another_method_not_ordered_as_missing(kb, today,
                                                                                                  written):
    """Anti-HMGCR resulted 'Equivocal' fired "anti-HMGCR never resulted. Order the myositis antibodies" for a test
    already done (found by clinician review). It is said to be resulted as neither, quoted with its date, and a
    repeat by another method or at a reference lab is suggested (as R04 confirms a dual positive)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).observation(ANTI_HMGCR, -10, **written)
    chart.antibody("anti_srp", "negative", day=-10)
    result = run(kb, chart.request("patient-view"), today)
    card, facts = fired(result)[RULE], explained(result, RULE)["facts"]
    shown = f"{'Equivocal' if 'value_code' in written else written['value_string']!r} on {today - timedelta(days=10)}"
    assert card["summary"] == ("Myositis work-up: anti-HMGCR resulted neither positive nor negative. Repeat by "
                               "another method or at a reference lab")
    assert "never resulted" not in card["summary"] + card["detail"]
    assert f"**Anti-HMGCR resulted neither positive nor negative ({shown}).** Anti-SRP is negative." in card["detail"]
    assert "Repeat anti-HMGCR by another method or at a reference lab, or ask the lab how to read the result" \
        in card["detail"]
    first = card["suggestions"][0]
    assert first["label"] == "Repeat anti-HMGCR (another method or reference lab) + myositis antibody panel"
    repeat = first["actions"][0]["resource"]
    assert repeat["code"]["coding"][0]["code"] == "93493-5" and "another method" in repeat["code"]["text"]
    assert repeat["note"] == [{"text": f"Previous result {shown}: neither positive nor negative"}]
    assert "33921-8" not in _codes(card)
    assert facts["anti_hmgcr"] == f"neither positive nor negative ({shown})" and facts["anti_srp"] == "negative"


def test_an_equivocal_antibody_with_the_other_never_resulted_orders_one_and_repeats_the_other(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).observation(ANTI_HMGCR, -10, value_string="Equivocal")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == ("Myositis work-up: anti-SRP never resulted; anti-HMGCR resulted neither positive nor "
                               "negative. Order the myositis antibodies")
    assert (f"**Anti-HMGCR resulted neither positive nor negative ('Equivocal' on {today - timedelta(days=10)}) and "
            "anti-SRP never resulted.**") in card["detail"]
    assert "Order anti-SRP and repeat anti-HMGCR by another method" in card["detail"]
    first = card["suggestions"][0]
    assert first["label"] == ("Order anti-SRP and repeat anti-HMGCR (another method or reference lab) + myositis "
                              "antibody panel")
    assert [a["description"] for a in first["actions"]] == ["anti-SRP antibody", "Repeat anti-HMGCR antibody",
                                                            "Myositis antibody panel"]


def test_both_antibodies_read_as_positive_or_negative_are_quiet(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).antibody("anti_hmgcr", "positive", day=-10)
    chart.antibody("anti_srp", "negative", day=-10)
    assert explained(run(kb, chart.request("patient-view"), today), RULE)["reason"] == \
        "anti-HMGCR and anti-SRP have both resulted"


def test_a_positive_myositis_specific_antibody_is_named_not_reordered_and_imnm_antibodies_are_not_preselected(
        kb, today):
    """Review (JDM, anti-NXP2 positive): R03 pre-selected anti-HMGCR/SRP and a panel that includes NXP2. Anti-NXP2
    is named as on file, the panel is asked for the antibodies with no result only, and anti-HMGCR/SRP, unlikely
    beside a myositis-specific antibody, are offered unselected, with why."""
    result = run(kb, jdm_anti_nxp2_positive(today).request("patient-view"), today)
    card, facts = fired(result)[RULE], explained(result, RULE)["facts"]
    assert card["summary"] == ("Myositis work-up: anti-HMGCR and anti-SRP never resulted (anti-NXP2 positive). Order "
                               "them if IMNM is still in question")
    assert "On file from the myositis panel: anti-NXP2 positive (2026-10-17)." in card["detail"]
    assert ("plus the myositis panel antibodies with no result on file (anti-Jo-1, anti-PL-7, anti-PL-12, anti-EJ, "
            "anti-OJ, anti-Mi-2, anti-MDA5, anti-TIF1-gamma, anti-SAE, anti-PM/Scl, anti-Ku, anti-Ro52)") \
        in card["detail"]
    assert "Anti-NXP2 is myositis-specific, and these antibodies are usually mutually exclusive" in card["detail"]
    first = card["suggestions"][0]
    assert first["isRecommended"] is False
    panel = next(a for a in first["actions"] if a["description"].startswith("Myositis antibody panel"))
    assert panel["description"] == "Myositis antibody panel (the antibodies not on file)"
    note = panel["resource"]["note"][0]["text"]
    assert note.startswith("Results wanted: anti-Jo-1, ") and "anti-NXP2" not in note.split("Already")[0]
    assert note.endswith("Already resulted, not to repeat: anti-NXP2 positive (2026-10-17).")
    assert facts["panel_on_file"] == "anti-NXP2 positive (2026-10-17)" and "anti-NXP2" not in facts["panel_missing"]


def test_a_negative_panel_antibody_is_not_reordered_and_the_rest_stays_preselected(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20).observation("Jo-1 Antibody", -10, value_string="Negative")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    first = card["suggestions"][0]
    assert first["isRecommended"] is True
    assert first["label"] == "Order anti-HMGCR and anti-SRP + myositis antibody panel"
    assert "Already resulted, not to repeat: anti-Jo-1 negative" in first["actions"][-1]["resource"]["note"][0]["text"]


def test_a_whole_panel_on_file_is_not_ordered_again(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-20)
    chart.observation("Myositis antibody panel", -10, value_string="No antibodies detected")
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    first = card["suggestions"][0]
    assert first["label"] == "Order anti-HMGCR and anti-SRP" and first["isRecommended"] is True
    assert [a["description"] for a in first["actions"]] == ["anti-HMGCR antibody", "anti-SRP antibody"]
    assert "; the myositis antibody panel is on file." in card["detail"]
    assert explained(result, RULE)["facts"]["panel_missing"] is None


def test_beside_a_positive_anti_hmgcr_only_the_antibodies_offered_are_called_unlikely(kb, today):
    """Review: anti-HMGCR positive, anti-SRP never resulted and 'Anti-Jo-1 (myositis panel)' positive: the card
    called anti-HMGCR "unlikely to be positive", against the chart, and read the member as the whole panel (the
    rest of the panel went unordered)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-40).antibody("anti_hmgcr", "positive", day=-20)
    chart.observation("Anti-Jo-1 (myositis panel)", -20, value_string="Positive")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == ("Myositis work-up: anti-SRP never resulted (anti-Jo-1 positive). Order it if the IMNM "
                               "subtype is still in question")
    assert ("Anti-Jo-1 is myositis-specific, and these antibodies are usually mutually exclusive (Betteridge et al., "
            "J Autoimmun 2019), though anti-HMGCR is positive beside it on this chart: anti-SRP is unlikely to be "
            "positive, so it is offered, not pre-selected, for when the IMNM subtype is still in question.") \
        in card["detail"]
    assert "anti-HMGCR and anti-SRP are unlikely" not in card["detail"]
    assert "On file from the myositis panel: anti-Jo-1 positive (2026-11-01)." in card["detail"]
    first = card["suggestions"][0]
    assert first["label"] == "Order anti-SRP + myositis antibody panel" and first["isRecommended"] is False


def test_the_panel_order_text_names_only_the_antibodies_ordered(kb, today):
    """Review (JDM, anti-NXP2 positive): the order's text still listed NXP2, only its note said not to repeat it."""
    card = fired(run(kb, jdm_anti_nxp2_positive(today).request("patient-view"), today))[RULE]
    panel = next(a for a in card["suggestions"][0]["actions"] if a["description"].startswith("Myositis antibody"))
    assert panel["resource"]["code"]["text"] == (
        "Myositis-specific and myositis-associated antibodies: anti-Jo-1, anti-PL-7, anti-PL-12, anti-EJ, anti-OJ, "
        "anti-Mi-2, anti-MDA5, anti-TIF1-gamma, anti-SAE, anti-PM/Scl, anti-Ku, anti-Ro52")
    whole = fired(run(kb, Chart(today).condition(IMNM_SNOMED, onset=-20).request("patient-view"), today))[RULE]
    assert "NXP2" in next(a for a in whole["suggestions"][0]["actions"]
                          if a["description"] == "Myositis antibody panel")["resource"]["code"]["text"]
