"""R16 srp-add-rituximab-inadequate-response: the rituximab order, HBV screen handling, alternatives, gates."""

from __future__ import annotations

import copy

import pytest

from fhir_fixtures.builders import (
    ANTI_HBC,
    ANTI_HMGCR,
    CHRONIC_HBV,
    CK,
    ENTECAVIR,
    HBSAG,
    HBV_DNA,
    IMNM_SNOMED,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    TMP_SMX_SS,
    Chart,
)
from fhir_fixtures.r16_srp_add_rituximab_inadequate_response import srp_on_two_agents
from tests.conftest import explained, fired, run, with_params

RULE = "srp-add-rituximab-inadequate-response"


def _resources(suggestion):
    return [a["resource"] for a in suggestion["actions"]]


def test_rituximab_order_is_fixed_dose_days_1_and_15(kb, today):
    result = run(kb, srp_on_two_agents(today).request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "warning" and len(card["summary"]) < 140
    first = card["suggestions"][0]
    assert first["isRecommended"]
    order = _resources(first)[0]
    dosage = order["dosageInstruction"][0]
    assert order["medicationCodeableConcept"]["coding"][0]["code"] == "1657861"
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": 1000, "unit": "mg",
                                                         "system": "http://unitsofmeasure.org", "code": "mg"}
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 14, "periodUnit": "d", "count": 2}
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    assert "methylprednisolone 100 mg IV" in dosage["text"] and "acetaminophen 1 g" in dosage["text"]
    assert "Confirm with a strength examination (MMT-8)" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["subtype"] == "SRP" and facts["inadequate_response"] is True
    assert "HBsAg negative" in facts["hbv_screen"] and "anti-HBc negative" in facts["hbv_screen"]


def test_labs_are_loinc_coded_and_hbv_only_when_missing(kb, today):
    card = fired(run(kb, srp_on_two_agents(today).request("patient-view"), today))[RULE]
    codes = [r["code"].get("coding", [{}])[0].get("code") for r in _resources(card["suggestions"][1])]
    assert "2465-3" in codes and "2458-8" in codes
    assert "5196-1" not in codes and "16933-4" not in codes  # screened 40 days ago
    chart = srp_on_two_agents(today).without_observations("5196-1", "16933-4")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    codes = [r["code"].get("coding", [{}])[0].get("code") for s in card["suggestions"][1:] for r in _resources(s)]
    assert {"5196-1", "16933-4", "2465-3"} <= set(codes)
    assert not card["suggestions"][0]["isRecommended"]  # screen first
    assert "no HBsAg within 365 days" in card["detail"]
    # the site's window, not "12 months", is printed: R26's, which the screen is read by (review 425 item 3)
    site = with_params(kb, "hbv-screen-before-rituximab", hbsag_max_age_days=30)
    assert "no HBsAg within 30 days" in fired(run(site, chart.request("patient-view"), today))[RULE]["detail"]


def test_positive_anti_hbc_withholds_the_rituximab_order(kb, today):
    chart = srp_on_two_agents(today)
    chart.resources["observations"][-1]["interpretation"][0]["coding"][0]["code"] = "POS"  # anti-HBc
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    kinds = [r["resourceType"] for s in card["suggestions"] for r in _resources(s)]
    assert "MedicationRequest" not in kinds
    assert "HBV DNA" in card["detail"] and "hepatology" in card["detail"]
    hbv_dna = next(r for s in card["suggestions"] for r in _resources(s) if "HBV DNA" in r["code"]["text"])
    assert hbv_dna["code"]["coding"][0] == {"system": "http://loinc.org", "code": "42595-9", "display": (
        "Hepatitis B DNA (lab reporting name; LOINC long name not shown on source page)")}


def _hbv_card(kb, today, chart):
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    return card, [r["resourceType"] for s in card["suggestions"] for r in _resources(s)]


def test_anti_hbc_positive_once_stays_positive_after_a_later_negative(kb, today):
    """R16 read the latest anti-HBc only: positive, then negative on another assay, offered rituximab 1 g with no
    HBV DNA or hepatology, while R26 (and R10) count a marker positive once. Anti-HBc stays positive for life, and so
    does the reactivation risk under rituximab."""
    chart = srp_on_two_agents(today).observation(ANTI_HBC, -400, interpretation="POS")
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    assert (f"anti-HBc positive ({ANTI_HBC[2]} positive on {chart.at(-400)}, then negative on {chart.at(-40)}).** "
            "No HBV DNA within 365 days and no HBV antiviral active or ordered. **Check HBV DNA, refer to hepatology"
            ) in card["detail"]


def test_an_older_positive_hbsag_is_not_hidden_by_a_newer_negative(kb, today):
    """HBsAg positive 200 days ago, negative 40 days ago (anti-HBc negative): R16 judged the newest HBsAg only."""
    chart = srp_on_two_agents(today).observation(HBSAG, -200, interpretation="POS")
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    assert f"HBsAg positive ({HBSAG[2]} positive on {chart.at(-200)}, then negative on {chart.at(-40)})" \
        in card["detail"]


def test_hepatitis_b_on_the_problem_list_counts(kb, today):
    """Chronic hepatitis B on the problem list with negative markers on file: R16 did not read the problem list. The
    card says so plainly (it read "HBV infection positive (... on the problem list ...)"), and the fact has R26's
    name and content."""
    chart = srp_on_two_agents(today).condition(CHRONIC_HBV, onset=-3000)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds and "HBV DNA" in card["detail"]
    assert f"**Positive: hepatitis B on the problem list ({CHRONIC_HBV[2]}, onset {chart.at(-3000)}).**" \
        in card["detail"]
    assert "HBV infection positive" not in card["detail"]
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["facts"]["positive_markers"] == (f"hepatitis B on the problem list ({CHRONIC_HBV[2]}, onset "
                                                  f"{chart.at(-3000)})")  # as R10 and R26 state it
    assert "positive_hbv_markers" not in entry["facts"]


def _followed_up(chart: Chart, antiviral: bool = True) -> Chart:
    """HBV DNA below the limit of quantification 30 days ago, and entecavir since 60 days ago when ``antiviral``."""
    chart.observation(HBV_DNA, -30, value=10, unit="[IU]/mL", comparator="<")
    return chart.medication(ENTECAVIR, 0.5, "mg", start=-60) if antiviral else chart


def test_a_positive_marker_on_an_antiviral_with_no_replicating_virus_gets_the_rituximab_order(kb, today):
    """Anti-HBc positive, HBV DNA <10 IU/mL 30 days ago, entecavir running: R16 held the order, re-ordered HBV DNA and
    a hepatology referral and said "start antiviral prophylaxis", while R26 lets the same order pass (found by
    review). The card offers rituximab and names the DNA result and the antiviral."""
    chart = _followed_up(srp_on_two_agents(today).observation(ANTI_HBC, -400, interpretation="POS"))
    card, kinds = _hbv_card(kb, today, chart)
    assert card["suggestions"][0]["label"] == "Rituximab 1,000 mg IV on days 1 and 15"
    assert card["suggestions"][0]["isRecommended"] and "MedicationRequest" in kinds
    assert not [s for s in card["suggestions"] if "HBV DNA" in s["label"] or "epatology" in s["label"]]
    assert (f"HBV antiviral: {ENTECAVIR}; Hepatitis B DNA <10 IU/mL on {chart.at(-30)}. Keep it from before the "
            "first dose until at least 12-18 months after the last (with hepatology)") in card["detail"]
    assert "start antiviral prophylaxis" not in card["detail"]
    facts = explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]
    assert facts["antiviral_plan"] == ENTECAVIR and facts["positive_without_dna_or_antiviral"] is False


def test_an_antiviral_that_starts_later_holds_the_order_and_says_to_start_it_first(kb, today):
    """Review: entecavir ordered to start in 30 days counted as the plan, and R16 offered rituximab (given from
    signing, today) with "Keep it from before the first dose", which R26 then holds. The order waits until the
    antiviral has started, and the card says so."""
    chart = srp_on_two_agents(today).observation(ANTI_HBC, -400, interpretation="POS")
    chart.medication(ENTECAVIR, 0.5, "mg", start=30)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    assert (f"HBV antiviral: {ENTECAVIR} from {chart.at(30)}. **Start the antiviral before the first dose** (rituximab "
            "is offered once it has started, or once a recent HBV DNA shows no replicating virus), and keep it until "
            "at least 12-18 months after the last (with hepatology)") in card["detail"]
    assert any(s["label"] == "HBV DNA and hepatology referral before rituximab" for s in card["suggestions"])
    facts = explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]
    assert facts["positive_without_dna_or_antiviral"] is True


def test_no_replicating_virus_without_an_antiviral_gets_the_order_and_asks_for_prophylaxis(kb, today):
    """HBV DNA not detectable and no antiviral, anti-HBc alone: R26 lets the order pass (a warning, no hold), so R16
    offers rituximab too. Review: R16 said "agree antiviral prophylaxis or HBV DNA monitoring" where R26 (since it
    warns for prophylaxis before anti-CD20) advises prophylaxis, not monitoring alone: R16 says the same."""
    chart = _followed_up(srp_on_two_agents(today).observation(ANTI_HBC, -400, interpretation="POS"), antiviral=False)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" in kinds
    assert (f"Hepatitis B DNA <10 IU/mL on {chart.at(-30)}: no replicating virus now, but no HBV antiviral is active "
            "or ordered. Under rituximab, antiviral prophylaxis is advised rather than HBV DNA monitoring alone (R26): "
            "**refer to hepatology and start antiviral prophylaxis before the first dose**") in card["detail"]
    assert "Agree antiviral prophylaxis or HBV DNA monitoring" not in card["detail"]


def test_a_detectable_viral_load_holds_the_order_without_ordering_another(kb, today):
    """HBsAg positive with HBV DNA 2,000 IU/mL and no antiviral: the order waits, as R26 would hold it, and the
    hepatology referral is offered alone (the load is on file; R16 re-ordered HBV DNA)."""
    chart = srp_on_two_agents(today).observation(HBSAG, -60, interpretation="POS").lab(HBV_DNA, 2000, "[IU]/mL",
                                                                                        day=-20)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    referral = next(s for s in card["suggestions"] if "epatology" in s["label"])
    assert referral["isRecommended"] and [a["description"] for a in referral["actions"]] == ["Hepatology referral"]
    assert not any(a["description"] == "HBV DNA" for s in card["suggestions"] for a in s["actions"])
    assert (f"Hepatitis B DNA 2,000 IU/mL on {chart.at(-20)}: the virus is replicating, and no HBV antiviral is "
            "active or ordered. **Refer to hepatology and start antiviral prophylaxis") in card["detail"]


def test_hbsag_positive_with_hbv_dna_not_detected_holds_the_order_and_asks_for_an_antiviral(kb, today):
    """Review: HBsAg positive with HBV DNA not detected and no antiviral got the rituximab order ("agree antiviral
    prophylaxis or HBV DNA monitoring"), as R26 let it pass. HBsAg-positive disease needs an antiviral before anti-CD20
    therapy whatever the HBV DNA: the order waits (as R26 now holds it), and only the hepatology referral is offered
    (the DNA is on file)."""
    chart = _hbv_dna(_hbsag(srp_on_two_agents(today)), detectable=False)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    assert (f"Hepatitis B DNA not detected on {chart.at(-30)}: no replicating virus now, but HBsAg-positive hepatitis "
            "B needs antiviral prophylaxis before rituximab whatever the HBV DNA, and no HBV antiviral is active or "
            "ordered. **Refer to hepatology and start antiviral prophylaxis before the first dose**") in card["detail"]
    assert "Agree antiviral prophylaxis or HBV DNA monitoring" not in card["detail"]
    referral = next(s for s in card["suggestions"] if "epatology" in s["label"])
    assert referral["label"] == "Hepatology referral before rituximab: HBsAg-positive hepatitis B"
    assert referral["isRecommended"] and [a["description"] for a in referral["actions"]] == ["Hepatology referral"]
    assert not any(a["description"] == "HBV DNA" for s in card["suggestions"] for a in s["actions"])
    facts = explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]
    assert facts["positive_without_dna_or_antiviral"] is True
    assert facts["antiviral_needed_whatever_dna"].startswith(f"HBsAg positive ({HBSAG[2]} positive on {chart.at(-60)}")


def test_hbsag_positive_with_an_antiviral_starting_later_waits_for_the_antiviral_alone(kb, today):
    """The order waits for a late antiviral; with HBsAg-positive disease a recent HBV DNA would not release it, so the
    card does not say it would."""
    chart = _hbv_dna(_hbsag(srp_on_two_agents(today)), detectable=False).medication(ENTECAVIR, 0.5, "mg", start=30)
    card, kinds = _hbv_card(kb, today, chart)
    assert "MedicationRequest" not in kinds
    assert "**Start the antiviral before the first dose** (rituximab is offered once it has started), and keep" \
        in card["detail"]
    assert [s["label"] for s in card["suggestions"] if "epatology" in s["label"]] == [
        "Hepatology referral before rituximab: HBsAg-positive hepatitis B"]


def _anti_hbc(chart: Chart) -> Chart:
    return chart.observation(ANTI_HBC, -400, interpretation="POS")


def _hbsag(chart: Chart) -> Chart:
    """HBsAg positive 60 days ago (in place of the chart's negative one)."""
    return chart.without_observations(HBSAG[1]).observation(HBSAG, -60, interpretation="POS")


def _hbv_dna(chart: Chart, detectable: bool) -> Chart:
    return (chart.lab(HBV_DNA, 2000, "[IU]/mL", day=-20) if detectable
            else chart.observation(HBV_DNA, -30, interpretation="ND"))


def _entecavir(chart: Chart) -> Chart:
    return chart.medication(ENTECAVIR, 0.5, "mg", start=-60)


HBV_CHARTS = {
    "negative": lambda chart: chart,
    "positive, nothing else": _anti_hbc,
    "positive, DNA not detected": lambda chart: _hbv_dna(_anti_hbc(chart), detectable=False),
    "positive, on an antiviral": lambda chart: _entecavir(_anti_hbc(chart)),
    "positive, DNA detectable": lambda chart: _hbv_dna(_anti_hbc(chart), detectable=True),
    "positive, DNA detectable, on an antiviral": lambda chart: _entecavir(_hbv_dna(_anti_hbc(chart), True)),
    "problem list, on an antiviral": lambda chart: _entecavir(chart.condition(CHRONIC_HBV, onset=-3000)),
    # HBsAg-positive disease: an antiviral only, whatever the HBV DNA
    "HBsAg positive, DNA not detected": lambda chart: _hbv_dna(_hbsag(chart), detectable=False),
    "HBsAg positive, DNA not detected, on an antiviral": lambda chart: _entecavir(_hbv_dna(_hbsag(chart), False)),
    "problem list, DNA not detected": lambda chart: _hbv_dna(chart.condition(CHRONIC_HBV, onset=-3000), False),
    # R26 holds a rituximab order given from today when the antiviral starts only later
    "positive, antiviral ordered to start in 30 days": lambda chart: _anti_hbc(chart).medication(
        ENTECAVIR, 0.5, "mg", start=30),
}


@pytest.mark.parametrize("case", HBV_CHARTS)
def test_r16_offers_rituximab_exactly_when_r26_lets_the_order_pass(kb, today, case):
    """One chart, one answer: R16 offers the rituximab order where R26, with that order drafted, does not hold it
    (no critical card; its warning for prophylaxis with HBV DNA not detectable holds nothing)."""
    chart = HBV_CHARTS[case](srp_on_two_agents(today))
    _, kinds = _hbv_card(kb, today, chart)
    signed = copy.deepcopy(chart).draft(RITUXIMAB, 1000, "mg", route=ROUTE_IV)
    r26 = fired(run(kb, signed.request("order-sign"), today)).get("hbv-screen-before-rituximab")
    r26_holds = r26 is not None and r26["indicator"] == "critical"
    assert ("MedicationRequest" in kinds) is not r26_holds


def test_the_window_printed_is_the_sites(kb, today):
    """The card said "No rituximab in the last 12 months" whatever the site set."""
    chart = srp_on_two_agents(today)
    assert "No rituximab\nin the last 365 days (none on file)" in fired(run(kb, chart.request("patient-view"),
                                                                          today))[RULE]["detail"]
    site = with_params(kb, "definitions", anti_cd20_in_use_days=400)
    assert "No rituximab\nin the last 400 days (none on file)" in fired(run(site, chart.request("patient-view"),
                                                                            today))[RULE]["detail"]


def test_bsa_alternatives_are_computed(kb, today):
    # 165 cm, 64 kg: BSA 1.71 m2; 375 mg/m2 = 641 -> 600 mg; RIM 750 mg/m2 = 1,283 -> capped at 1,000 mg
    card = fired(run(kb, srp_on_two_agents(today).request("patient-view"), today))[RULE]
    assert ("BSA 1.71 m²: 375 mg/m² = 600 mg weekly x 4 (rounded to 100 mg); or RIM 750 mg/m² (maximum 1 g) = "
            "1,000 mg (rounded to 100 mg, capped at 1,000 mg) twice") in card["detail"]


def test_no_bsa_without_current_weight(kb, today):
    chart = srp_on_two_agents(today).without_observations("29463-7")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "need a current weight and height" in card["detail"]
    # the fixed rituximab dose does not need a weight
    assert _resources(card["suggestions"][0])[0]["resourceType"] == "MedicationRequest"


def test_pjp_prophylaxis_is_reported(kb, today):
    card = fired(run(kb, srp_on_two_agents(today).request("patient-view"), today))[RULE]
    assert "none on file" in card["detail"]
    chart = srp_on_two_agents(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-60)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "on file (sulfamethoxazole" in card["detail"]


def test_pjp_prophylaxis_that_stopped_before_its_end_date_is_named_as_not_counted(kb, today):
    """TMP/SMX from 100 days ago, stopped on a day the chart does not give (its end date is next month): protection
    errs early, so it is not read as on file, and the card names it rather than dropping it silently."""
    chart = srp_on_two_agents(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-100, end=30, status="stopped")
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert "none on file; review it with rituximab plus glucocorticoid (R24). Not counted as current prophylaxis: " \
           f"sulfamethoxazole 400 MG / trimethoprim 80 MG Oral Tablet (stopped before its end date {chart.at(30)}, " \
           "on a day the chart does not give)." in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["pjp_prophylaxis"] is None and "stopped before its end date" in facts["pjp_prophylaxis_not_counted"]


def test_rituximab_within_12_months_keeps_it_quiet(kb, today):
    chart = srp_on_two_agents(today, ttx=-400, mtx_start=-380)
    chart.medication(RITUXIMAB, 1000, "mg", start=-364, status="completed", route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result) and "rituximab given within" in explained(result, RULE)["reason"]


def test_rituximab_given_under_a_non_us_brand_name_counts(kb, today):
    """Review: MabThera 1 g given 150 days ago, sent by name only, was not read as rituximab: R16 said "No rituximab
    in the last 365 days" and advised it again."""
    chart = srp_on_two_agents(today, ttx=-300, mtx_start=-280)
    chart.medication("MabThera 1000 mg", 1000, "mg", start=-164, end=-150, status="completed", period=14,
                     route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["reason"] == "rituximab given within the last 365 days"


def test_the_rituximab_window_is_the_shared_anti_cd20_definition(kb, today):
    """R16's 'no rituximab in 12 months' is the anti_cd20_in_use_days definition R17, R24, R28 and the taper read:
    a site that lengthens it to 400 days does not advise rituximab again 380 days after the last dose, in every rule
    at once (it may not shorten it: tests/test_parameters.py)."""
    chart = srp_on_two_agents(today, ttx=-500, mtx_start=-450)
    chart.medication(RITUXIMAB, 1000, "mg", start=-394, end=-380, status="completed", period=14, route=ROUTE_IV)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))
    site = with_params(kb, "definitions", anti_cd20_in_use_days=400)
    result = run(site, chart.request("patient-view"), today)
    assert RULE not in fired(result) and "rituximab given within the last 400 days" in explained(result, RULE)["reason"]


def test_six_month_checkpoint_is_mentioned_when_passed(kb, today):
    card = fired(run(kb, srp_on_two_agents(today, ttx=-200).request("patient-view"), today))[RULE]
    assert "past the 6-month checkpoint" in card["detail"]
    card = fired(run(kb, srp_on_two_agents(today).request("patient-view"), today))[RULE]
    assert "checkpoint" not in card["detail"]


def test_stale_ck_is_not_evaluable(kb, today):
    entry = explained(run(kb, srp_on_two_agents(today, ck_day=-31).request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "a current CK is needed" in entry["reason"]


def test_dual_positive_fires_with_a_note(kb, today):
    card = fired(run(kb, srp_on_two_agents(today, hmgcr="positive").request("patient-view"), today))[RULE]
    assert "Anti-HMGCR is also positive" in card["detail"]


def test_anti_hmgcr_never_resulted_still_fires_and_asks_for_it(kb, today):
    """Anti-SRP positive, anti-HMGCR never resulted: SRP or DUAL, and both are R16's row, but R16 was quiet
    ("subtype UNKNOWN, not SRP or DUAL"; audit)."""
    result = run(kb, srp_on_two_agents(today, hmgcr=None).request("patient-view"), today)
    card = fired(result)[RULE]
    assert "Anti-SRP positive; anti-HMGCR never resulted." in card["detail"]
    assert ("**What anti-HMGCR shows is not known: R03 asks for the missing result.** Rituximab is advised whatever"
            in card["detail"])
    assert explained(result, RULE)["facts"]["antibodies_never_resulted"] == "anti-HMGCR"


def test_an_equivocal_anti_hmgcr_is_quoted_and_repeated_not_called_never_resulted(kb, today):
    """Review: anti-HMGCR resulted 'Borderline' was "never resulted: order it" on the card."""
    chart = srp_on_two_agents(today, hmgcr=None).observation(ANTI_HMGCR, -140, value_string="Borderline")
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert (f"Anti-SRP positive; anti-HMGCR resulted neither positive nor negative ('Borderline' on {chart.at(-140)})."
            in card["detail"])
    assert ("**What anti-HMGCR shows is not known: repeat anti-HMGCR by another method or at a reference lab, or ask "
            "the lab how to read the result.**") in card["detail"]
    assert "never resulted" not in card["detail"]
    assert explained(result, RULE)["facts"]["antibodies_equivocal"] == f"anti-HMGCR 'Borderline' on {chart.at(-140)}"


def test_anti_srp_never_resulted_is_not_evaluable(kb, today):
    entry = explained(run(kb, srp_on_two_agents(today, srp=None).request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("anti-SRP never resulted: the subtype may be SRP or SERONEG")
    neither = explained(run(kb, srp_on_two_agents(today, srp=None, hmgcr=None).request("patient-view"), today), RULE)
    assert neither["status"] == "not-evaluable"
    assert neither["reason"].startswith("anti-HMGCR and anti-SRP never resulted: the subtype may be HMGCR, SRP, "
                                        "DUAL or SERONEG")


def test_a_child_gets_bsa_dosing_advice_not_the_adult_fixed_dose(kb, today):
    """A 12-year-old was offered rituximab 1,000 mg with adult premedication."""
    chart = srp_on_two_agents(today)
    chart.age = 12
    request = chart.request("patient-view")
    card = fired(run(kb, request, today))[RULE]
    resources = [r for s in card["suggestions"] for r in _resources(s)]
    assert not [r for r in resources if r["resourceType"] == "MedicationRequest"]
    assert card["suggestions"][0]["label"] == "Paediatric pharmacy consult: rituximab dosed by BSA"
    assert "dose rituximab by body-surface area" in card["detail"] and "1,000 mg IV on days 1" not in card["detail"]


def test_maintenance_ivig_between_cycles_counts_toward_the_combination(kb, today):
    """Prednisone plus IVIG every 12 weeks, one completed order per cycle, the last 70 days ago: the course is on
    schedule, so the combination runs from its first cycle to today. Each order covered only its own 4 weeks, and
    R16 read 0 days on a second agent."""
    chart = Chart(today, age=47, sex="female").condition(IMNM_SNOMED, onset=-430)
    chart.antibody("anti_srp", "positive", day=-420).antibody("anti_hmgcr", "negative", day=-420)
    chart.ck(12000, day=-402).ck(3200, day=-4).weight(64, day=-7).height(165, day=-90)
    chart.hbv_markers("NEG", "NEG", day=-40)
    chart.medication(PREDNISONE_20, 60, "mg", start=-400, end=-359, status="completed")
    chart.medication(PREDNISONE_5, 20, "mg", start=-358).maintenance_ivig(-70)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result)
    assert explained(result, RULE)["facts"]["gc_plus_steroid_sparing"].startswith(f"323 days since {chart.at(-322)}")


def test_rituximab_with_an_end_date_and_no_start_is_the_last_dose(kb, today):
    """A completed rituximab order with only an end date: R16 read the last dose from orders with a start date only,
    so 100 days ago it said 'none on file' and offered rituximab again (R24, R28 and R21 counted it as in use), and
    400 days ago the card said 'none on file'."""
    chart = srp_on_two_agents(today, ttx=-700, mtx_start=-650)
    chart.medication(RITUXIMAB, 1000, "mg", start=None, end=-100, status="completed", route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["reason"] == "rituximab given within the last 365 days"
    chart = srp_on_two_agents(today, ttx=-700, mtx_start=-650)
    chart.medication(RITUXIMAB, 1000, "mg", start=None, end=-400, status="completed", route=ROUTE_IV)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert f"No rituximab\nin the last 365 days (last dose {chart.at(-400)})" in card["detail"]


@pytest.mark.parametrize("status", ["completed", "unknown"])
def test_a_rituximab_order_with_no_dates_is_not_evaluable_and_says_so(kb, today, status):
    """Given, with neither a start nor an end date: whether it was given within 12 months is not known, so R16
    does not offer rituximab on "none on file" (R28 does not judge the same order either). With an adequate response
    R16 is quiet for that reason, whatever the order."""
    chart = srp_on_two_agents(today).medication(RITUXIMAB, 1000, "mg", start=None, status=status, route=ROUTE_IV)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (
        f"when rituximab was given: {RITUXIMAB[2]} ({status}), with no start or end date. Whether it was given "
        "within the last 365 days is unknown; check it before adding rituximab")
    responded = srp_on_two_agents(today, latest_ck=500).medication(RITUXIMAB, 1000, "mg", start=None,
                                                                   status=status, route=ROUTE_IV)
    assert explained(run(kb, responded.request("patient-view"), today), RULE)["status"] == "not-fired"


def test_a_ck_above_the_analysers_range_is_read_and_shown_as_written(kb, today):
    chart = srp_on_two_agents(today).observation(CK, -1, value_string=">20,000 U/L")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "(CK >20,000 U/L)" in card["summary"]


def test_the_hbv_screen_is_pre_selected_while_rituximab_waits_for_it(kb, today):
    """Review 423 (s2): rituximab was withheld until the HBV status was known, and the HBsAg and anti-HBc orders were
    not pre-selected either: the card had no pre-selected action. The screen is what stands between the patient and
    rituximab; the baseline immunoglobulins and CBC stay offered."""
    chart = srp_on_two_agents(today).without_observations("5196-1", "16933-4")
    rituximab, screen, baseline = fired(run(kb, chart.request("patient-view"), today))[RULE]["suggestions"]
    assert not rituximab["isRecommended"] and screen["isRecommended"] and not baseline["isRecommended"]
    assert screen["label"] == "HBV screen before rituximab (HBsAg and Anti-HBc total)"
    assert [r["code"]["coding"][0]["code"] for r in _resources(screen)] == ["5196-1", "16933-4"]
    only_hbsag = srp_on_two_agents(today).without_observations("5196-1")  # anti-HBc negative is for life
    screen = fired(run(kb, only_hbsag.request("patient-view"), today))[RULE]["suggestions"][1]
    assert screen["isRecommended"] and [a["description"] for a in screen["actions"]] == ["HBsAg"]


def test_a_ck_that_responded_and_rises_on_taper_is_r21s_relapse_and_rituximab_waits(kb, today):
    """CK 12,000 -> 400 -> 3,200 since prednisone was lowered to 20 mg: R21's relapse, not an inadequate response.
    Rituximab is offered, not pre-selected, until R21's card has been followed."""
    result = run(kb, srp_on_two_agents(today).ck(400, day=-40).request("patient-view"), today)
    cards = fired(result)
    assert "imnm-possible-relapse-on-taper" in cards
    card = cards[RULE]
    assert card["summary"].endswith("rising again on taper: possible relapse, see R21 before rituximab")
    assert "the relapse card (R21) comes first.** If the relapse is confirmed, add rituximab early: its order" \
        in card["detail"]
    assert "The CK had responded: it came down to 400 U/L" in card["detail"]
    assert "has not responded" not in card["detail"]
    assert not any(s["isRecommended"] for s in card["suggestions"])


def test_a_pending_hbsag_is_awaited_not_ordered_again(kb, today):
    """Review 425 item 3: R16 read the HBV screen its own way and pre-selected a new HBsAg while one drawn on D-40
    was still pending (R19 and R29, reading hepatitis.screen_gaps, wait for it). Rituximab waits for it too."""
    chart = srp_on_two_agents(today)
    for observation in chart.resources["observations"]:
        if observation["code"]["coding"][0]["code"] == HBSAG[1]:
            observation["status"] = "registered"
            observation.pop("interpretation", None)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    rituximab, baseline = card["suggestions"]
    assert not rituximab["isRecommended"] and baseline["label"].startswith("Baseline labs")
    assert HBSAG[1] not in str(card["suggestions"])
    assert f"HBsAg pending since {chart.at(-40)}; anti-HBc negative on {chart.at(-40)}" in card["detail"]
    assert explained(result, RULE)["facts"]["hbv_screen_missing"] == f"HBsAg pending since {chart.at(-40)}"

