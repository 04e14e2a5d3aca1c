"""R28 live-vaccine-while-immunosuppressed: severity by level, thresholds at their edges, draft forms, suggestions."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    CVX,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    METHOTREXATE_2_5,
    MMR_CVX,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_SC,
    Chart,
    concept,
)
from fhir_fixtures.r28_live_vaccine_while_immunosuppressed import (
    dengue_cvx_56_on_mycophenolate,
    mmr_after_ivig,
    mmr_low_dose_methotrexate_stopped_unknown,
    mmr_methotrexate_stopped_long_ago,
    mmr_methotrexate_stopped_unknown,
    mmr_methotrexate_unknown_status,
    mmr_mycophenolate_stopped_undated,
    mmr_prednisone_chain_of_stopped_renewals,
    mmr_prednisone_stopped_before_its_end_date,
    mmr_prednisone_stopped_six_years_ago,
    mmr_prednisone_stopped_then_renewed_long_ago,
    mmr_stopped_taper_open_last_step,
    mmr_undated_completed_rituximab,
    stopped_methotrexate,
    stopped_renewals,
    yellow_fever_rituximab,
)
from hooks import knowledge, parameters
from tests.conftest import TODAY, deleted, explained, fired, run, with_params

RULE = "live-vaccine-while-immunosuppressed"
R29 = "vaccinate-before-immunosuppression"
VARICELLA = (CVX, "21", "varicella virus vaccine")
LAIV = (CVX, "149", "influenza, live, intranasal, quadrivalent")
RZV = (CVX, "187", "zoster vaccine recombinant")
ZOSTER_LIVE = (CVX, "121", "zoster vaccine, live")
MYCOPHENOLATE = "mycophenolate mofetil 500 MG Oral Tablet"
MTX_LEVEL = "Methotrexate [Moles/volume] in Serum or Plasma"
PREDNISOLONE_EYE_DROPS = "prednisolone acetate 10 MG/ML Ophthalmic Suspension"
WEEKLY = {"period": 1, "period_unit": "wk"}
# No non-live form of MMR exists: the summary asks to wait, not for "a non-live option"
CANCEL_MMR = "cancel it; defer until immunosuppression allows"


def _card(kb, chart, today):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


def _facts(kb, chart, today):
    result = run(kb, chart.request("order-sign"), today)
    return explained(result, RULE)


def _mtx(mg: float, weight_day: int = -3) -> Chart:
    chart = Chart(TODAY, age=50).weight(50, day=weight_day)
    return chart.medication(METHOTREXATE_2_5, mg, "mg", start=-90, period=1, period_unit="wk")


def test_methotrexate_at_the_limit_is_a_warning_and_above_it_critical(kb, today):
    card = _card(kb, _mtx(20).draft(MMR_CVX, 0.5, "mL"), today)  # 0.40 mg/kg/week
    assert card["indicator"] == "warning" and "lower-level" in card["detail"]
    card = _card(kb, _mtx(22.5).draft(MMR_CVX, 0.5, "mL"), today)  # 0.45 mg/kg/week
    assert card["indicator"] == "critical" and "0.45 mg/kg/week > 0.4" in card["detail"]


def _two_orders(kg: float, code, first: tuple[float, dict], second: tuple[float, dict]) -> Chart:
    """Two current orders of one drug from 200 days ago, each (mg, more of its order), at ``kg``; MMR drafted."""
    chart = Chart(TODAY, age=50).weight(kg, day=-3)
    for mg, more in (first, second):
        chart.medication(code, mg, "mg", start=-200, **more)
    return chart.draft(MMR_CVX, 0.5, "mL")


@pytest.mark.parametrize(("chart", "said"), [
    (lambda: _two_orders(45, AZATHIOPRINE_50, (100, {}), (50, {})),
     "given on the same days: 150 mg/day = 3.33 mg/kg/day > 3"),
    (lambda: _two_orders(60, METHOTREXATE_2_5, (15, WEEKLY), (10, WEEKLY | {"route": ROUTE_SC})),
     "given on the same days: 25 mg/week = 0.42 mg/kg/week > 0.4"),
], ids=["azathioprine 100 + 50 mg daily at 45 kg", "methotrexate 15 mg PO + 10 mg SC weekly at 60 kg"])
def test_orders_of_one_drug_given_on_the_same_days_add_up_to_high_level(kb, today, chart, said):
    """Review: each order was judged alone (2.22 and 1.11 mg/kg/day; 0.25 and 0.17 mg/kg/week), a warning; together
    they are 3.33 mg/kg/day and 0.42 mg/kg/week: high level, critical."""
    card = _card(kb, chart(), today)
    assert card["indicator"] == "critical" and "high-level immunosuppression" in card["summary"]
    assert said in card["detail"]


def test_methotrexate_without_current_weight_is_treated_as_high(kb, today):
    card = _card(kb, _mtx(20, weight_day=-40).draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert "could not be shown to be low" in card["detail"] and "no current weight" in card["detail"]


def test_prednisone_20_mg_threshold_by_duration(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-13).draft(VARICELLA, 0.5, "mL")
    assert _card(kb, chart, today)["indicator"] == "critical"
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-12).draft(VARICELLA, 0.5, "mL")
    card = _card(kb, chart, today)
    assert card["indicator"] == "warning" and "only 13 days" in card["detail"]


def test_one_month_wait_after_high_dose_steroids(kb, today):
    base = dict(start=-80, status="completed")
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", end=-30, **base).draft(MMR_CVX, 0.5, "mL")
    assert _card(kb, chart, today)["indicator"] == "critical"
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", end=-31, **base).draft(MMR_CVX, 0.5, "mL")
    assert _card(kb, chart, today) is None
    assert _facts(kb, chart, today)["status"] == "not-fired"


def test_rituximab_12_month_window(kb, today):
    """One infusion, its day written (a repeating order 'completed' with no end date could have been given since:
    test_an_order_stopped_before_the_look_back_with_no_later_order_asks_to_confirm_its_timing)."""
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-365, end=-365,
                                    status="completed")
    assert _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)["indicator"] == "critical"
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-366, end=-366,
                                    status="completed")
    assert _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today) is None


def test_rituximab_window_runs_from_the_last_infusion_of_a_counted_course(kb, today):
    """Rituximab 1 g twice, 14 days apart, started 372 days ago with no end date: the last infusion was 358 days
    ago, inside the 12 months (the window once ran from the first infusion)."""
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-372, status="completed",
                                    period=14, count=2)
    assert _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)["indicator"] == "critical"


def test_non_live_vaccine_never_fires_even_by_name(kb, today):
    chart = Chart(today).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    chart.draft(RZV, 0.5, "mL").draft("Shingrix 0.5 mL suspension", 0.5, "mL")
    assert _card(kb, chart, today) is None
    assert _facts(kb, chart, today)["reason"] == "no live vaccine in the draft orders"


def test_service_request_draft_and_card_about_it(kb, today):
    chart = Chart(today).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-laiv", "status": "draft",
                          "intent": "order", "code": concept(LAIV), "subject": {"reference": "Patient/imnm-demo"}})
    card = _card(kb, chart, today)
    assert card["indicator"] == "critical" and "(influenza, live attenuated (LAIV))" in card["summary"]
    assert len(card["summary"]) < 140
    recommended = [s for s in card["suggestions"] if s["isRecommended"]]
    assert [s["label"] for s in recommended] == [
        "Cancel the live vaccine; give inactivated influenza vaccine 0.5 mL IM"]
    delete, create = recommended[0]["actions"]
    assert delete == {"type": "delete", "description": f"Cancel {LAIV[2]}", "resourceId": "ServiceRequest/sr-laiv"}
    vaccine = create["resource"]
    assert vaccine["medicationCodeableConcept"]["coding"][0]["system"] == CVX
    assert vaccine["medicationCodeableConcept"]["coding"][0]["code"] == "140"
    dose = vaccine["dosageInstruction"][0]
    assert dose["doseAndRate"][0]["doseQuantity"]["value"] == 0.5 and dose["route"]["coding"][0]["code"] == "78421000"


def test_recombinant_zoster_is_offered_for_live_zoster_with_second_dose_note(kb, today):
    chart = Chart(today, age=66).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    chart.draft((CVX, "121", "zoster vaccine, live"), 0.65, "mL", resource_id="zvl")
    card = _card(kb, chart, today)
    best = next(s for s in card["suggestions"] if s["isRecommended"])
    rzv = best["actions"][1]["resource"]
    assert rzv["medicationCodeableConcept"]["coding"][0]["code"] == "187"
    assert "2-6 months" in rzv["note"][0]["text"]
    assert best["actions"][0]["resourceId"] == "MedicationRequest/zvl"


@pytest.mark.parametrize(("birth_date", "offered"), [("2008", False), ("2008-10", True)])
def test_recombinant_zoster_is_not_offered_to_a_possible_child(kb, today, birth_date, offered):
    """Born in 2008 may still be 17 on 2026-11-21: the paediatric split reads the youngest possible age, and
    recombinant zoster vaccine is licensed from 18. The oldest possible age (18) used to offer it."""
    chart = Chart(today, birth_date=birth_date).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    card = _card(kb, chart.draft(ZOSTER_LIVE, 0.65, "mL", resource_id="zvl"), today)
    assert _rzv_created(card) is offered


def _rzv_created(card) -> bool:
    return any(a["resource"].get("medicationCodeableConcept", {}).get("coding", [{}])[0].get("code") == "187"
               for s in card["suggestions"] for a in s["actions"] if a["type"] == "create")


def test_with_no_birth_date_recombinant_zoster_is_not_offered_and_the_card_says_why(kb, today):
    """Recombinant zoster vaccine is licensed from 18: with no birthDate it was offered (R29 did not offer it). The
    card says why it is missing, and offers no other vaccine in its place (none replaces live zoster vaccine)."""
    request = Chart(today, age=None).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2).draft(
        ZOSTER_LIVE, 0.65, "mL", resource_id="zvl").request("order-sign")
    result = run(kb, request, today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical" and not _rzv_created(card)
    assert [s["label"] for s in card["suggestions"]] == ["Cancel the live vaccine"]
    assert card["suggestions"][0]["isRecommended"]
    why = "it is licensed from 18 years and the patient's age is unknown (no birth date on file)"
    assert f"Recombinant zoster vaccine is not offered here: {why}." in card["detail"]
    assert explained(result, RULE)["facts"]["rzv_not_offered"] == why


@pytest.mark.parametrize(("patient", "paediatric_age", "offered"), [
    ({"age": 17}, 18, False),
    ({"age": 18}, 18, True),
    ({"birth_date": "2008"}, 18, False),  # 17 or 18 on 2026-11-21
    ({"age": None}, 18, False),  # no birthDate
    ({"age": 17}, 16, False),  # a site's paediatric age is not the vaccine's licence
])
def test_r28_and_r29_offer_recombinant_zoster_to_the_same_patients(kb, today, patient, paediatric_age, offered):
    """R28 read the paediatric split (a site's, and no birthDate offered it), R29 its own age of 18 (no birthDate did
    not): both read the one licence now, cohorts.below_licensed_age with definitions.rzv_min_age."""
    site = with_params(kb, "definitions", paediatric_age_years=paediatric_age)
    chart = Chart(today, **patient).condition(IMNM_SNOMED, onset=-30)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=-10, frequency=2).draft(ZOSTER_LIVE, 0.65, "mL")
    reasons = []
    for rule, hook in ((RULE, "order-sign"), (R29, "patient-view")):
        request = chart.request(hook)
        result = run(site, request, today)
        assert _rzv_created(fired(result)[rule]) is offered, rule
        reasons.append(explained(result, rule)["facts"]["rzv_not_offered"])
    assert reasons[0] == reasons[1] and (reasons[0] is None) is offered


def test_ivig_note_only_for_measles_or_varicella_vaccines(kb, today):
    chart = Chart(today).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-200, status="completed")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert "may fail" in card["detail"]
    chart = Chart(today).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-200, status="completed")
    card = _card(kb, chart.draft(LAIV, 0.2, "mL"), today)
    assert "may fail" not in card["detail"]


def test_ivig_11_month_edge(kb, today):
    # 2026-11-21 minus 11 months = 2025-12-21
    old = Chart(today).medication(IVIG_CVX, 2, "g/kg", start=-336, status="completed")  # 2025-12-20
    assert _card(kb, old.draft(MMR_CVX, 0.5, "mL"), today) is None
    recent = Chart(today).medication(IVIG_CVX, 2, "g/kg", start=-335, status="completed")  # 2025-12-21
    card = _card(kb, recent.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "warning" and "may not work" in card["detail"]


def test_ivig_alone_says_the_vaccine_may_not_work_and_offers_no_non_live_form(kb, today):
    """Review: IVIG alone before MMR said "cancel it; use a non-live option" (there is no non-live MMR), listed
    "- none" under the immunosuppression found, and offered recombinant zoster and inactivated influenza vaccines.
    The spec's note is that the vaccine may fail: defer it or check the interval."""
    card = fired(run(kb, mmr_after_ivig(today), today))[RULE]
    assert card["indicator"] == "warning"
    assert card["summary"] == "Live vaccine (MMR) with recent IVIG: it may not work; defer it or check the interval"
    detail = card["detail"]
    assert "- none" not in detail and "Immunosuppression found" not in detail and "non-live alternative" not in detail
    assert "There is no non-live form of it: **defer it** until the interval after the IVIG has passed" in detail
    assert "4 weeks before immunosuppression" not in detail
    assert [s["label"] for s in card["suggestions"]] == ["Cancel the live vaccine"]


def test_ivig_alone_cancels_only_the_vaccines_it_may_stop_working(kb, today):
    """A nasal live influenza vaccine drafted beside MMR, with IVIG and no immunosuppression: IVIG does not stop it
    working, and without immunosuppression it is safe, so only MMR is named and cancelled."""
    chart = Chart(today, age=40).medication(IVIG_CVX, 2, "g/kg", start=-120, status="completed")
    chart.draft(MMR_CVX, 0.5, "mL", resource_id="mmr").draft(LAIV, 0.2, "mL", resource_id="laiv")
    card = _card(kb, chart, today)
    assert [deleted(s) for s in card["suggestions"]] == [["MedicationRequest/mmr"]]
    assert LAIV[2] not in card["detail"]


@pytest.mark.parametrize(("draft", "options", "said", "next_step"), [
    (MMR_CVX, [], "No non-live alternative is offered for measles, mumps and rubella virus vaccine: defer it until "
                  "immunosuppression allows.", CANCEL_MMR),
    ((CVX, "56", "dengue fever tetravalent"), ["Cancel the live vaccine; refer to a travel clinic"],
     "For dengue (CYD-TDV), refer to a travel clinic (exemption letter, advice).",
     "cancel it; refer to a travel clinic"),
    (ZOSTER_LIVE, ["Cancel the live vaccine; give recombinant zoster vaccine 0.5 mL IM"],
     "Use **recombinant zoster vaccine** (non-live) instead of live zoster vaccine.",
     "cancel it; use a non-live option"),
    (LAIV, ["Cancel the live vaccine; give inactivated influenza vaccine 0.5 mL IM"],
     "Use **inactivated influenza vaccine** 0.5 mL IM instead of the nasal live vaccine.",
     "cancel it; use a non-live option"),
])
def test_a_non_live_alternative_is_offered_only_for_the_vaccine_it_replaces(kb, today, draft, options, said,
                                                                              next_step):
    """Review: recombinant zoster and inactivated influenza vaccines were offered as alternatives to a dengue (or MMR)
    vaccine, which neither replaces; the card listed every alternative whatever was drafted."""
    chart = Chart(today, age=66).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    card = _card(kb, chart.draft(draft, 0.5, "mL"), today)
    assert [s["label"] for s in card["suggestions"]] == ["Cancel the live vaccine", *options]
    assert [s["isRecommended"] for s in card["suggestions"]] == [not options, *(True for _ in options)]
    assert said in card["detail"] and card["summary"].endswith(next_step)
    for other in ("recombinant zoster vaccine", "inactivated influenza vaccine", "travel clinic"):
        assert (other in card["detail"].lower()) is (other in said.lower()), other


def test_the_dengue_fixture_offers_the_travel_clinic_only(kb, today):
    card = fired(run(kb, dengue_cvx_56_on_mycophenolate(today), today))[RULE]
    assert [s["label"] for s in card["suggestions"]] == ["Cancel the live vaccine",
                                                         "Cancel the live vaccine; refer to a travel clinic"]


def test_patient_view_never_fires(kb, today):
    chart = Chart(today).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2).draft(MMR_CVX, 0.5, "mL")
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)


def test_a_per_kg_steroid_course_with_only_a_stale_weight_is_not_called_low(kb, today):
    """0.3 mg/kg/day prednisone with only a 400-day-old weight of 45 kg: that weight made it 13.5 mg/day and the
    card a warning; with no current weight the level is unknown, and unknown is treated as high."""
    chart = Chart(TODAY, age=40).weight(45, day=-400).medication(PREDNISONE_20, 0.3, "mg/kg/day", start=-40)
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    current = Chart(TODAY, age=40).weight(45, day=-3).medication(PREDNISONE_20, 0.3, "mg/kg/day", start=-40)
    assert _card(kb, current.draft(MMR_CVX, 0.5, "mL"), today)["indicator"] == "warning"


def _on_prednisone_60(today):
    """60 mg/day prednisone for 60 days: high-level immunosuppression."""
    return Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 60, "mg", start=-60)


@pytest.mark.parametrize(("draft", "concept_shown"), [
    ("Dengue tetravalent vaccine, live", "dengue (CYD-TDV)"),
    ((CVX, "56", "dengue fever tetravalent vaccine, live"), "dengue (CYD-TDV)"),
    ("Chikungunya vaccine, live", "chikungunya, live"),
    ("Varicella virus vaccine, live", "varicella"),
    ("Measles, mumps and rubella vaccine, live", "MMR"),
    ("Live attenuated influenza vaccine (nasal)", "influenza, live attenuated (LAIV)"),
    ("ACAM2000 (Smallpox and Mpox (Vaccinia) Vaccine, Live)", "smallpox (vaccinia, live)"),  # not MVA-BN
])
def test_live_vaccines_written_out_by_name_are_critical(kb, today, draft, concept_shown):
    card = _card(kb, _on_prednisone_60(today).draft(draft, 0.5, "mL"), today)
    assert card is not None and card["indicator"] == "critical"
    assert f"Live vaccine ({concept_shown})" in card["summary"]


@pytest.mark.parametrize("draft", [
    (CVX, "206", "Vaccinia, smallpox monkeypox vaccine, live attenuated, preservative free, subcutaneous or "
                 "intradermal injection"),
    "JYNNEOS (Smallpox and Monkeypox Vaccine, Live, Non-replicating)",  # the FDA proper name
    "Vaccinia, smallpox monkeypox vaccine live, PF, SQ or ID injection",  # CVX 206's description, without the code
    "MVA-BN vaccine",
])
def test_mva_bn_jynneos_is_not_a_live_vaccine(kb, today, draft):
    """Spec 4.3 lists MVA-BN (JYNNEOS) as non-live; the generic 'vaccine, live' and 'live attenuated' names gave it
    a critical 'cancel it' card."""
    chart = _on_prednisone_60(today).draft(draft, 0.5, "mL")
    assert _card(kb, chart, today) is None
    assert _facts(kb, chart, today)["reason"] == "no live vaccine in the draft orders"


def test_any_vaccine_named_live_is_treated_as_live(kb, today):
    card = _card(kb, _on_prednisone_60(today).draft("Adenovirus type 4 and type 7 vaccine, live, oral", 1, "{tbl}"),
                 today)
    assert card is not None and card["indicator"] == "critical"


def test_dengue_by_name_recommends_the_travel_clinic(kb, today):
    card = _card(kb, _on_prednisone_60(today).draft((CVX, "56", "dengue fever tetravalent vaccine, live"), 0.5, "mL"),
                 today)
    recommended = [s["label"] for s in card["suggestions"] if s["isRecommended"]]
    assert recommended == ["Cancel the live vaccine; refer to a travel clinic"]


@pytest.mark.parametrize(("draft", "concept_shown", "recommended"), [
    ((CVX, "56", "dengue fever tetravalent"), "dengue (CYD-TDV)", "refer to a travel clinic"),
    ((CVX, "317", "Chikungunya live attenuated vaccine, 0.5 mL, PF"), "chikungunya, live", "refer to a travel clinic"),
    ((CVX, "333", "Influenza, live, trivalent, intranasal, self/caregiver admin, PF"),
     "influenza, live attenuated (LAIV)", "give inactivated influenza vaccine 0.5 mL IM"),
], ids=["dengue CYD-TDV", "chikungunya live", "LAIV self-administered"])
def test_live_vaccines_of_spec_4_3_are_read_by_their_cvx_code(kb, today, draft, concept_shown, recommended):
    """Review: CVX 56 (CYD-TDV) with its CVX description was in no vaccine value set (not evaluable); CVX 317 and 333
    were read only as 'named live', so neither the travel clinic nor inactivated influenza was recommended."""
    card = _card(kb, _on_prednisone_60(today).draft(draft, 0.5, "mL"), today)
    assert card is not None and card["indicator"] == "critical"
    assert f"Live vaccine ({concept_shown})" in card["summary"]
    recommended_labels = [s["label"] for s in card["suggestions"] if s["isRecommended"]]
    assert recommended_labels == [f"Cancel the live vaccine; {recommended}"]


def test_unclassified_vaccine_draft_on_immunosuppression_is_not_evaluable(kb, today):
    """CVX 88 (influenza, unspecified formulation) is in neither vaccine group on purpose: live or not is unknown."""
    chart = _on_prednisone_60(today)
    chart.draft_resource({"resourceType": "Immunization", "id": "flu-88", "status": "not-done",
                          "vaccineCode": concept((CVX, "88", "influenza virus vaccine, unspecified formulation")),
                          "patient": {"reference": "Patient/imnm-demo"}, "occurrenceDateTime": chart.at(0)})
    entry = _facts(kb, chart, today)
    assert entry["status"] == "not-evaluable"
    assert "whether influenza virus vaccine, unspecified formulation is a live vaccine" in entry["reason"]
    assert "high level immunosuppression found" in entry["reason"]
    chart = _on_prednisone_60(today).draft("Rabies vaccine 1 mL", 1, "mL")  # a name in no value set
    assert _facts(kb, chart, today)["status"] == "not-evaluable"
    # R28's own travel-clinic referral mentions "live vaccine" but is not a vaccine.
    chart = _on_prednisone_60(today)
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-travel", "status": "draft", "intent": "order",
                          "code": {"text": "Referral to travel clinic (live vaccine contraindicated)"},
                          "subject": {"reference": "Patient/imnm-demo"}})
    assert _facts(kb, chart, today)["reason"] == "no live vaccine in the draft orders"


def test_unclassified_vaccine_draft_without_immunosuppression_is_named_in_the_reason(kb, today):
    entry = _facts(kb, Chart(today, age=50).draft("Rabies vaccine 1 mL", 1, "mL"), today)
    assert entry["status"] == "not-fired" and "not classified as live or non-live: Rabies vaccine" in entry["reason"]
    assert entry["facts"]["unclassified_vaccine_drafts"] == "Rabies vaccine 1 mL"


def test_unclassified_vaccine_next_to_a_live_one_is_named_in_the_card(kb, today):
    chart = _on_prednisone_60(today).draft(MMR_CVX, 0.5, "mL").draft("Rabies vaccine 1 mL", 1, "mL")
    card = _card(kb, chart, today)
    assert "not recognised as live or non-live: Rabies vaccine 1 mL" in card["detail"]


def test_ivig_recorded_as_an_immunization_gives_the_may_fail_note(kb, today):
    chart = Chart(today, age=40).immunization(IVIG_CVX, day=-60).draft(MMR_CVX, 0.5, "mL")
    card = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "warning" and "may fail" in card["detail"]
    assert "immune globulin, intravenous" in card["detail"]
    old = Chart(today, age=40).immunization(IVIG_CVX, day=-336).draft(MMR_CVX, 0.5, "mL")  # 2025-12-20
    assert _card(kb, old, today) is None


def test_a_local_form_immunosuppressant_is_not_systemic_immunosuppression(kb, today):
    """Tacrolimus ointment suppresses no immunity: no critical card for MMR; oral tacrolimus does give one."""
    ointment = Chart(today).medication("tacrolimus 1 MG/ML Topical Ointment", 1, "{application}", start=-60)
    assert _card(kb, ointment.draft(MMR_CVX, 0.5, "mL"), today) is None
    oral = Chart(today).medication("tacrolimus 1 MG Oral Capsule", 2, "mg", start=-60)
    assert _card(kb, oral.draft(MMR_CVX, 0.5, "mL"), today)["indicator"] == "critical"


@pytest.mark.parametrize(("drafted", "dose", "unit", "fires"), [
    (PREDNISONE_20, 60, "mg", True),  # a high-dose course starts with the vaccine
    (PREDNISONE_20, None, None, True),  # a dose that cannot be read is not assumed low
    (MYCOPHENOLATE, 500, "mg", True),
    (PREDNISONE_20, 10, "mg", False),  # below 20 mg/day: not immunosuppressive enough to matter here
])
def test_immunosuppression_drafted_with_the_live_vaccine_is_a_warning(kb, today, drafted, dose, unit, fires):
    chart = Chart(today, age=45).weight(70, day=-3).draft(MMR_CVX, 0.5, "mL").draft(drafted, dose, unit)
    card = _card(kb, chart, today)
    assert (card is not None) is fires
    if fires:
        assert card["indicator"] == "warning" and "Immunosuppression is being ordered with it" in card["detail"]
        assert "- drafted with the vaccine: " in card["detail"]
        assert card["summary"].endswith(f"with immunosuppression drafted with it: {CANCEL_MMR}")


def test_a_drafted_course_outranks_lower_level_suppression_already_given(kb, today):
    chart = Chart(today, age=45).weight(70, day=-3).medication(PREDNISONE_20, 10, "mg", start=-60)
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL").draft(PREDNISONE_20, 60, "mg"), today)
    assert "Immunosuppression is being ordered with it" in card["detail"] and "low level: " in card["detail"]


@pytest.mark.parametrize("given", ["Truxima 1000 mg IV", "Ruxience 1000 mg IV", "Riabni 1000 mg IV",
                                   "Gazyva 1000 mg IV", "Kesimpta 20 mg SC", "Ocrevus 600 mg IV",
                                   "Briumvi 450 mg IV"])
def test_anti_cd20_charted_by_brand_name_is_high_level(kb, today, given):
    """An anti-CD20 given 6 months ago, charted by brand name only, was not seen: MMR was signed silently."""
    chart = Chart(today, age=40).medication(given, 1, "{dose}", start=-180, end=-166, status="completed")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card is not None and card["indicator"] == "critical" and "(anti-CD20)" in card["summary"]


@pytest.mark.parametrize("draft", [VARICELLA, (CVX, "94", "measles, mumps, rubella, and varicella virus vaccine")])
def test_recombinant_zoster_is_not_recommended_in_place_of_varicella_vaccine(kb, today, draft):
    """RZV does not prevent primary chickenpox: it was the recommended replacement for a live varicella (or
    MMRV) vaccine in an adult. The spec pairs RZV with live zoster vaccine only."""
    chart = Chart(today, age=35).medication(MYCOPHENOLATE, 1000, "mg", start=-60, frequency=2)
    card = _card(kb, chart.draft(draft, 0.5, "mL"), today)
    recommended = [s["label"] for s in card["suggestions"] if s["isRecommended"]]
    assert recommended == ["Cancel the live vaccine"]
    assert "instead of live zoster or varicella" not in card["detail"]
    assert "no non-live varicella vaccine" in card["detail"]



# An immunosuppressant 'stopped' (or 'completed') with nothing that says when: read as given on its start day only,
# methotrexate 25 mg weekly started 200 days ago let MMR pass with no card, though it may have stopped yesterday.
UNKNOWN_STOP = "stopped on a day the chart does not give; judged as if taken until today"


def test_methotrexate_stopped_on_an_unknown_day_high_if_taken_until_today_is_critical(kb, today):
    card = fired(run(kb, mmr_methotrexate_stopped_unknown(today), today))[RULE]
    assert card["indicator"] == "critical" and "could not be shown to be low" in card["detail"]
    started = Chart(today).at(-200)
    assert f"- unknown level: methotrexate 2.5 MG Oral Tablet (started {started}, {UNKNOWN_STOP}): 25 mg/week = " \
           "0.42 mg/kg/week > 0.4" in card["detail"]
    assert "immunosuppression of unconfirmed level (methotrexate)" in card["summary"]


def test_low_dose_methotrexate_stopped_on_an_unknown_day_is_a_warning(kb, today):
    card = fired(run(kb, mmr_low_dose_methotrexate_stopped_unknown(today), today))[RULE]
    assert card["indicator"] == "warning" and "lower-level" in card["detail"]
    assert f"{UNKNOWN_STOP}): 7.5 mg/week = 0.12 mg/kg/week <= 0.4" in card["detail"]


# The card of an immunosuppressant the chart cannot say was taken within the windows or not
TIMING_HEADLINE = "**A live vaccine may be unsafe: when immunosuppression was last taken is not known.**"
CONFIRM_TIMING = "Live vaccine (MMR) with immunosuppression of unknown timing ({}): confirm it before signing"


def test_an_order_stopped_before_the_look_back_with_no_later_order_asks_to_confirm_its_timing(kb, today):
    """Methotrexate 25 mg weekly started 400 days ago, 'stopped' on a day the chart does not give: read as given on
    its start day only, MMR passed with no card, though it may have been taken until yesterday (the same order
    started 200 days ago is critical). A warning asks to confirm when it was last taken; a site's longer look-back
    judges it at its worst (critical)."""
    request = mmr_methotrexate_stopped_long_ago(today)
    result = run(kb, request, today)
    card = fired(result)[RULE]
    named = (f"methotrexate 2.5 MG Oral Tablet (stopped; started {Chart(today).at(-400)}, before the 365-day "
             "look-back, and no later order of it: when it stopped is not given)")
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("methotrexate")
    assert card["detail"].startswith(TIMING_HEADLINE)
    assert "**Confirm when methotrexate 2.5 MG Oral Tablet was last taken before signing**" in card["detail"]
    assert f"- not judged: {named}" in card["detail"]
    assert explained(result, RULE)["facts"]["not_judged"] == named
    site = with_params(kb, RULE, unknown_stop_lookback_days=400)
    assert fired(run(site, request, today))[RULE]["indicator"] == "critical"


@pytest.mark.parametrize(("later", "indicator", "bounded"), [(-200, "warning", False), (-20, "critical", True)])
def test_an_order_begun_before_the_look_back_is_placed_by_a_later_order_that_took_over(kb, today, later, indicator,
                                                                                         bounded):
    """Prednisone 40 mg from 500 days ago, 'stopped' on a day not given, then 5 mg current: the 40 mg order ran at
    most until the day before the 5 mg one began. From 200 days ago that is outside the 30 days: the low level alone,
    no timing to confirm. From 20 days ago it is judged at its worst up to then (critical)."""
    chart = Chart(today, age=50).weight(60, day=-3).draft(MMR_CVX, 0.5, "mL")
    chart.medication(PREDNISONE_20, 40, "mg", start=-500, status="stopped").medication(PREDNISONE_5, 5, "mg",
                                                                                        start=later)
    card = _card(kb, chart, today)
    assert card["indicator"] == indicator
    assert "not judged" not in card["detail"] and "Confirm when" not in card["detail"]
    assert (f"judged as if taken until {chart.at(later - 1)}, the day before a later order of it started"
            in card["detail"]) is bounded


def test_a_repeating_anti_cd20_order_stopped_on_an_unknown_day_is_judged_at_its_worst(kb, today):
    """Rituximab every 6 months, 'stopped' on a day the chart does not give. Started 300 days ago, it was given
    within 12 months for certain: high level by definition (it was called 'unconfirmed level'). Started 400 days
    ago, a dose 40 days ago is possible: it was quiet, read by its start day; it asks to confirm when it was last
    given. A site's look-back of 400 days judges it as if given until today (unconfirmed level, critical)."""
    chart = Chart(today, age=50).medication(RITUXIMAB_1G[0], 1000, "mg", start=-300, status="stopped", period=6,
                                            period_unit="mo")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical" and "with high-level immunosuppression (anti-CD20)" in card["summary"]
    chart = Chart(today, age=50).medication(RITUXIMAB_1G[0], 1000, "mg", start=-400, status="stopped", period=6,
                                            period_unit="mo").draft(MMR_CVX, 0.5, "mL")
    card = _card(kb, chart, today)
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("anti-CD20")
    card = _card(with_params(kb, RULE, unknown_stop_lookback_days=400), chart, today)
    assert card["indicator"] == "critical" and "immunosuppression of unconfirmed level (anti-CD20)" in card["summary"]


def test_anti_cd20_within_12_months_is_called_high_level_though_its_stop_day_is_not_given(kb, today):
    """Review: rituximab started 5 months ago, 'completed' with no end date, was 'immunosuppression of unconfirmed
    level' before a yellow fever vaccine; section 4.2 makes any anti-CD20 within 12 months high level."""
    card = fired(run(kb, yellow_fever_rituximab(today), today))[RULE]
    assert card["indicator"] == "critical"
    assert card["summary"] == ("Live vaccine (yellow fever) with high-level immunosuppression (anti-CD20): cancel it; "
                               "refer to a travel clinic")
    assert "This is **high-level immunosuppression**" in card["detail"] and "unconfirmed" not in card["detail"]
    assert "- high level: rituximab Injectable Product (started " in card["detail"]


def test_a_site_may_lengthen_the_anti_cd20_window_alone_not_shorten_it(kb, today, tmp_path):
    """The look-back is not bound to the anti-CD20 window (anti-CD20 has its own worst case): a site file that
    lengthens only the window loads, and rituximab 380 days ago is then high level. The window is the shared
    anti_cd20_in_use_days definition (R16, R17, R24 and the taper read it too); below the table's 12 months it would
    let a live vaccine pass, so 180 is refused."""
    site = tmp_path / "site.toml"
    site.write_text("[definitions]\nanti_cd20_in_use_days = 400\n")
    loaded = parameters.load([r.rule for r in knowledge.discover_rules()], site)
    assert loaded["definitions"]["anti_cd20_in_use_days"] == 400
    site.write_text("[definitions]\nanti_cd20_in_use_days = 180\n")
    with pytest.raises(parameters.ParameterError, match="365"):
        parameters.load([r.rule for r in knowledge.discover_rules()], site)
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-380, end=-380,
                                    status="completed").draft(MMR_CVX, 0.5, "mL")
    entry = _facts(kb, chart, today)
    assert entry["status"] == "not-fired" and "no anti-CD20 within 365 days" in entry["reason"]
    assert _card(with_params(kb, "definitions", anti_cd20_in_use_days=400), chart, today)["indicator"] == "critical"


def _without_timing(resource):
    for dosage in resource["dosageInstruction"]:
        dosage.pop("timing", None)
    return resource


@pytest.mark.parametrize("start", [-100, None])
def test_a_single_infusion_written_without_timing_ended_on_its_day(kb, today, start):
    """IV methylprednisolone 1000 mg with a structured dose and no timing, completed: one administration, read as
    given on its day, whether dated or not (it once made R28 not evaluable as 'dosage in text only')."""
    chart = Chart(today, age=50)
    chart.resources["medications"].append(_without_timing(chart.medication_request(
        "methylprednisolone 1000 MG Injection", 1000, "mg", start=start, status="completed")))
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired" and not entry["facts"].get("not_judged")


def test_an_undated_one_off_or_as_needed_order_is_not_unjudgeable(kb, today):
    """A one-off ('ONCE') or as-needed order ended on its day: with no date it is still not a course of unknown
    length, so it does not make R28 not evaluable."""
    chart = Chart(today, age=50)
    chart.medication("methylprednisolone 1000 MG Injection", 1000, "mg", start=None, status="completed",
                     timing_code="ONCE")
    prn = chart.medication_request(PREDNISONE_20, 20, "mg", start=None, status="stopped")
    prn["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.resources["medications"].append(prn)
    entry = explained(run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today), RULE)
    assert entry["status"] == "not-fired" and not entry["facts"].get("not_judged")


def test_the_card_names_only_the_newest_orders_whose_timing_is_unknown(kb, today):
    """Monthly renewals over years, imported with no start or end date and each 'stopped' (dated renewals bound one
    another: test_a_chain_of_stopped_renewals_names_only_the_last): the card asks once to confirm when methotrexate
    was last taken, and lists three and counts the rest, rather than a page of orders."""
    chart = Chart(today, age=50).weight(60, day=-3)
    for _ in range(20):
        chart.medication(METHOTREXATE_2_5, 15, "mg", start=None, status="stopped", period=1, period_unit="wk")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    detail = fired(result)[RULE]["detail"]
    assert detail.count("- not judged: methotrexate 2.5 MG Oral Tablet (stopped; no start or end date") == 3
    assert "\n- not judged: 17 older" in detail
    assert "**Confirm when methotrexate 2.5 MG Oral Tablet was last taken before signing**" in detail
    assert explained(result, RULE)["facts"]["not_judged"].endswith("; 17 older")


@pytest.mark.parametrize(("code", "dose", "timing", "indicator"), [
    (METHOTREXATE_2_5, 25, {"period": 1, "period_unit": "wk"}, "critical"),
    (PREDNISONE_20, 40, {}, "critical"),  # 40 mg/day for 201 (or 21) days if taken until today
    (PREDNISONE_5, 5, {}, "warning"),
])
@pytest.mark.parametrize("start", [-200, -20])
def test_stopped_on_an_unknown_day_before_the_window_or_inside_it_gives_one_answer(kb, today, code, dose, timing,
                                                                                    indicator, start):
    """Started inside the 30 days, prednisone 40 mg was read as one day (a warning) and methotrexate as high: the
    order is judged by the same worst case wherever its start falls."""
    chart = Chart(today, age=50).weight(60, day=-3).draft(MMR_CVX, 0.5, "mL")
    card = _card(kb, chart.medication(code, dose, "mg", start=start, status="stopped", **timing), today)
    assert card is not None and card["indicator"] == indicator and UNKNOWN_STOP in card["detail"]


@pytest.mark.parametrize("written", [{"end": -100}, {"timing_code": "ONCE"}])
def test_a_stopped_order_with_an_end_date_or_given_once_is_read_as_before(kb, today, written):
    """An end date says when it stopped; a single administration (a one-off infusion) ended on its day."""
    chart = Chart(today, age=50).weight(60, day=-3).draft(MMR_CVX, 0.5, "mL")
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-200, status="stopped", period=1, period_unit="wk", **written)
    chart.medication("cyclophosphamide 1000 MG Injection", 1000, "mg", start=-100, status="completed",
                     timing_code="ONCE")
    assert _card(kb, chart, today) is None


def test_a_later_current_order_of_the_same_drug_is_the_one_exposure(kb, today):
    """Re-ordered 100 days ago: the stopped order ended by then, and the card lists the current one only."""
    chart = stopped_methotrexate(today, 25, start=-300)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-100, period=1, period_unit="wk")
    card = _card(kb, chart, today)
    assert card["indicator"] == "critical" and card["detail"].count("- high level: methotrexate") == 1
    assert "stopped on a day" not in card["detail"] and "unknown level" not in card["detail"]


def _rzv_order(card):
    return next((a["resource"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"
                 and a["resource"].get("medicationCodeableConcept", {}).get("coding", [{}])[0].get("code") == "187"),
                None)


@pytest.mark.parametrize(("doses", "offered"), [((), 1), ((-70,), 2), ((-400, -300), None)])
def test_r28_and_r29_number_the_recombinant_zoster_dose_alike(kb, today, doses, offered):
    """R28 always offered 'dose 1 of 2' while R29 counted the doses on file: with one on file it offered the series
    again, with two a third dose. Both read vaccines.rzv_series now."""
    chart = Chart(today, age=66).condition(IMNM_SNOMED, onset=-30)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=-10, frequency=2).draft(ZOSTER_LIVE, 0.65, "mL")
    for day in doses:
        chart.immunization(RZV, day=day)
    card = _card(kb, chart, today)
    r29 = fired(run(kb, chart.request("patient-view"), today)).get(R29)
    r29_text = [a["resource"]["dosageInstruction"][0]["text"] for s in (r29 or {}).get("suggestions", [])
                for a in s["actions"] if "zoster" in a["description"].lower()]
    rzv = _rzv_order(card)
    if offered is None:
        assert rzv is None and not r29_text
        assert [s["label"] for s in card["suggestions"] if s["isRecommended"]] == ["Cancel the live vaccine"]
        dates = ", ".join(chart.at(day) for day in doses)
        assert f"Recombinant zoster vaccine is not offered here: the 2-dose series is complete ({dates})." in \
            card["detail"]
        return
    text = f"Recombinant zoster vaccine 0.5 mL IM once (dose {offered} of 2)"
    assert rzv["dosageInstruction"][0]["text"] == text and r29_text == [text]
    best = next(s for s in card["suggestions"] if s["isRecommended"])
    assert best["actions"][1]["description"] == f"Recombinant zoster vaccine 0.5 mL IM (dose {offered} of 2)"
    if offered == 2:
        note = rzv["note"][0]["text"]
        assert note.startswith(f"Dose 1 was given {chart.at(-70)}: dose 2 is due 2-6 months after dose 1.")


def test_a_stopped_taper_with_an_open_last_step_is_critical_as_the_same_order_active(kb, today):
    """The record ends a stopped taper on the first day of its open last step: 60 mg x28 then 40 mg open, started
    60 days ago, 'stopped', gave no card. Only the open step is run on to today."""
    card = fired(run(kb, mmr_stopped_taper_open_last_step(today), today))[RULE]
    assert card["indicator"] == "critical" and "could not be shown to be low" in card["detail"]
    assert (f"prednisone 20 MG Oral Tablet 40 mg/day prednisone-equivalent (last step from {Chart(today).at(-32)}, "
            "stopped on a day the chart does not give; judged as if taken until today)") in card["detail"]


def test_an_order_of_unknown_status_is_judged_as_one_that_stopped_on_an_unknown_day(kb, today):
    card = fired(run(kb, mmr_methotrexate_unknown_status(today), today))[RULE]
    assert card["indicator"] == "critical"
    assert "status unknown, no end day given; judged as if taken until today): 25 mg/week" in card["detail"]


def test_a_stopped_order_with_no_start_date_asks_in_a_card_to_confirm_its_timing(kb, today):
    """Review: mycophenolate 'stopped' with no start or end date made R28 not evaluable, said only in a response
    warning (no card), though any mycophenolate is high level. A warning card asks to confirm when it was last
    taken before signing."""
    result = run(kb, mmr_mycophenolate_stopped_undated(today), today)
    card = fired(result)[RULE]
    named = f"{MYCOPHENOLATE} (stopped; no start or end date: when it was taken is not given)"
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("mycophenolate")
    assert card["detail"].startswith(TIMING_HEADLINE)
    assert f"**Confirm when {MYCOPHENOLATE} was last taken before signing**" in card["detail"]
    assert f"- not judged: {named}" in card["detail"]
    assert explained(result, RULE)["facts"]["not_judged"] == named
    assert not [w for w in result.warnings if w.startswith("R28")]


def test_a_glucocorticoid_stopped_before_its_end_date_reads_as_the_other_drugs_do(kb, today):
    """Review: prednisone 40 mg from D-700, 'stopped' before its D+30 end date, gave 'high level: prednisone-equivalent
    >= 20 mg/day for 701 days (to <today>)', as certain, never naming the stop; the same order of mycophenolate reads
    'unconfirmed level ... stopped before its end date ... judged as if taken until today'. The glucocorticoid now
    reads so too: high at its worst, its level is unconfirmed, critical (spec R28, section 4.2)."""
    chart = Chart(today)
    card = fired(run(kb, mmr_prednisone_stopped_before_its_end_date(today), today))[RULE]
    assert card["indicator"] == "critical"
    assert card["summary"] == ("Live vaccine (MMR) with immunosuppression of unconfirmed level (glucocorticoid): "
                               f"{CANCEL_MMR}")
    assert "could not be shown to be low" in card["detail"] and "high level:" not in card["detail"]
    assert (f"- unknown level: prednisone-equivalent >= 20 mg/day for 701 days (to {today}); prednisone 20 MG Oral "
            f"Tablet 40 mg/day prednisone-equivalent (started {chart.at(-700)}, stopped before its end date "
            f"{chart.at(30)} on a day the chart does not give; judged as if taken until today)") in card["detail"]


def test_a_glucocorticoid_stopped_before_its_end_date_low_at_its_worst_is_a_warning_naming_the_stop(kb, today):
    chart = Chart(today, age=50).medication(PREDNISONE_5, 10, "mg", start=-700, end=30, status="stopped")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "warning" and "with low-level immunosuppression (glucocorticoid)" in card["summary"]
    assert (f"- low level: prednisone-equivalent up to 10 mg/day (< 20 mg/day); prednisone 5 MG Oral Tablet 10 mg/day "
            f"prednisone-equivalent (started {chart.at(-700)}, stopped before its end date") in card["detail"]


def test_an_order_stopped_with_no_end_begun_over_3_years_ago_is_read_as_over(kb, today):
    """Review: prednisone begun 6 years ago, 'stopped', no end date, no later order: a 'confirm timing' warning on
    every live vaccine. Begun more than unknown_stop_max_age_days (3 years) ago it is read as over before the
    look-back: no card, and the explanation names it. A site that reaches further back asks to confirm it again."""
    request = mmr_prednisone_stopped_six_years_ago(today)
    result = run(kb, request, today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["facts"]["stopped_long_ago_read_as_over"] == (
        f"prednisone 20 MG Oral Tablet (stopped; started {Chart(today).at(-6 * 365)}, more than 1095 days ago, and "
        "no later order of it: read as over before the look-back)")
    site = with_params(kb, RULE, unknown_stop_max_age_days=2500)
    assert fired(run(site, request, today))[RULE]["summary"] == CONFIRM_TIMING.format("glucocorticoid")


def test_a_later_renewal_bounds_an_order_stopped_with_no_end(kb, today):
    """Prednisone 40 mg from D-1000, 'stopped' with no end, renewed at 20 mg from D-900 to D-800 ('completed'): the
    renewal did not count (only a current or early-ended later order took over), so a warning asked to confirm the
    first order's timing. The renewal bounds it: quiet."""
    assert RULE not in fired(run(kb, mmr_prednisone_stopped_then_renewed_long_ago(today), today))


def test_a_later_renewal_recorded_as_given_bounds_a_chart_order_stopped_with_no_end(kb, today):
    """Methotrexate 25 mg weekly on the chart from D-100, 'stopped' with no end, and 10 mg weekly recorded as given
    from D-60: a dose change. The 25 mg order ran at most until D-61, outside the 30 days; 10 mg weekly at 50 kg is
    low level: a warning (the two at their worst would be 35 mg a week of methotrexate)."""
    chart = Chart(today, age=50).weight(50, day=-3)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-100, period=1, period_unit="wk", status="stopped")
    chart.draft(METHOTREXATE_2_5, 10, "mg", start=-60, end=30, period=1, period_unit="wk", status="completed")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "warning" and "0.50 mg/kg/week" not in card["detail"]
    assert (f"- low level: methotrexate 2.5 MG Oral Tablet (last given {today}): 10 mg/week = 0.20 mg/kg/week <= 0.4"
            in card["detail"])


def test_a_chain_of_stopped_renewals_names_only_the_last(kb, today):
    """Prednisone 10 mg renewed every 90 days, each renewal 'stopped' with no end: each was 'no later order of it'.
    Each renewal bounds the one before: only the last, begun within 3 years, asks to be confirmed; a chain whose last
    renewal began over 3 years ago is over."""
    card = fired(run(kb, mmr_prednisone_chain_of_stopped_renewals(today), today))[RULE]
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("glucocorticoid")
    assert card["detail"].count("- not judged:") == 1
    assert (f"- not judged: prednisone 5 MG Oral Tablet (stopped; started {Chart(today).at(-600)}, before the "
            "365-day look-back, and no later order of it: when it stopped is not given)") in card["detail"]
    assert _card(kb, stopped_renewals(today, -2000, -1100), today) is None


def test_an_undated_completed_rituximab_asks_to_confirm_its_timing(kb, today):
    """Rituximab 'completed' with no start or end date: any anti-CD20 within 12 months is high level and when it was
    given is not known: a warning to confirm it, not silence (no max age applies to an order with no date)."""
    card = fired(run(kb, mmr_undated_completed_rituximab(today), today))[RULE]
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("anti-CD20")
    assert ("- not judged: rituximab Injectable Product (completed; no start or end date: when it was taken is not "
            "given)") in card["detail"]


def _text_only(chart: Chart) -> Chart:
    """The last medication order's dosage in words only: no timing, no structured dose."""
    chart.resources["medications"][-1]["dosageInstruction"] = [{"text": "1 g by mouth twice daily"}]
    return chart


def test_a_stopped_order_with_a_text_only_dosage_asks_to_confirm_its_timing(kb, today):
    """Mycophenolate 'stopped', started 200 days ago, its dosage in words only: nothing says how long it ran, and any
    dose is high level. Alone it was not evaluable (no card): a warning asks to confirm when it was last taken;
    next to a low-level exposure the card asks the same and lists it as not judged."""
    chart = Chart(today, age=50).weight(60, day=-3).draft(MMR_CVX, 0.5, "mL")
    _text_only(chart.medication(MYCOPHENOLATE, None, None, start=-200, status="stopped"))
    named = f"{MYCOPHENOLATE} (stopped; dosage in text only: how long it was taken is not given)"
    card = _card(kb, chart, today)
    assert card["indicator"] == "warning" and card["summary"] == CONFIRM_TIMING.format("mycophenolate")
    assert f"- not judged: {named}" in card["detail"]
    card = _card(kb, chart.medication(PREDNISONE_5, 5, "mg", start=-20), today)
    assert card["indicator"] == "warning" and "with low-level immunosuppression (glucocorticoid)" in card["summary"]
    assert f"- not judged: {named}" in card["detail"] and f"**Confirm when {MYCOPHENOLATE} was last" in card["detail"]
    assert _facts(kb, chart, today)["facts"]["not_judged"] == named


def test_an_order_stopped_with_no_start_date_is_named_when_an_unclassified_vaccine_is_drafted(kb, today):
    chart = Chart(today, age=50).medication(MYCOPHENOLATE, 1000, "mg", start=None, status="stopped", frequency=2)
    entry = _facts(kb, chart.draft("Mystery vaccine XYZ", 0.5, "mL"), today)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].endswith(f"(an immunosuppressant not judged: {MYCOPHENOLATE} (stopped; no start or end "
                                    "date: when it was taken is not given))")


def test_the_card_text_agrees_with_the_recombinant_zoster_dose_offered(kb, today):
    """The fixed paragraph said 'recombinant zoster vaccine 0.5 mL IM (dose 2 at 2-6 months)' whatever was offered:
    with the series complete, or with dose 2 offered."""
    chart = Chart(today, age=66).medication(MYCOPHENOLATE, 1000, "mg", start=-10, frequency=2)
    chart.draft(ZOSTER_LIVE, 0.65, "mL")
    card = _card(kb, chart, today)
    assert "(dose 2 at 2-6 months)" not in card["detail"]
    assert ("Recombinant zoster vaccine 0.5 mL IM (dose 1 of 2) is among the options. Dose 2 at 2-6 months."
            in card["detail"])
    card = _card(kb, chart.immunization(RZV, day=-70), today)
    assert "(dose 2 at 2-6 months)" not in card["detail"]
    assert (f"Recombinant zoster vaccine 0.5 mL IM (dose 2 of 2) is among the options. Dose 1 was given "
            f"{chart.at(-70)}: dose 2 is due 2-6 months after dose 1." in card["detail"])
    card = _card(kb, chart.immunization(RZV, day=-10), today)
    assert "(dose 2 at 2-6 months)" not in card["detail"] and "0.5 mL IM (dose" not in card["detail"]


@pytest.mark.parametrize(("doses", "label", "note"), [
    ((-10,), "dose 2 of 2, not before {d1+28}",
     "Dose 1 was given {d1}: give dose 2 not before {d1+28} (at least 4 weeks after the last dose); it is due 2-6 "
     "months after dose 1."),
    ((-100, -90), "dose 2 of 2",
     "Dose 1 was given {d1}; the dose of {d2} came less than 4 weeks after the dose before it and does not count: "
     "dose 2 is due 2-6 months after dose 1."),
    ((-300,), "dose 2 of 2", "Dose 1 was given {d1}, more than 6 months ago: give dose 2 now; do not restart the "
                             "series."),
])
def test_r28_and_r29_time_recombinant_zoster_dose_2_alike(kb, today, doses, label, note):
    """CDC: dose 2 at least 4 weeks after dose 1 (a dose given sooner does not count), due 2-6 months after it, and
    a late one is given without restarting the series. R28 and R29 offered dose 2 at once, and counted a dose given
    2 days after dose 1 as a complete series."""
    chart = Chart(today, age=66).condition(IMNM_SNOMED, onset=-30)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=-10, frequency=2).draft(ZOSTER_LIVE, 0.65, "mL")
    for day in doses:
        chart.immunization(RZV, day=day)
    words = {"{d1}": chart.at(doses[0]), "{d1+28}": chart.at(doses[0] + 28), "{d2}": chart.at(doses[-1])}
    for key, value in words.items():
        label, note = label.replace(key, value), note.replace(key, value)
    rzv = _rzv_order(_card(kb, chart, today))
    assert rzv["dosageInstruction"][0]["text"] == f"Recombinant zoster vaccine 0.5 mL IM once ({label})"
    assert rzv["note"][0]["text"] == f"{note} Non-live: safe on immunosuppression."
    r29 = fired(run(kb, chart.request("patient-view"), today))[R29]
    r29_rzv = next(a["resource"] for s in r29["suggestions"] for a in s["actions"] if "zoster" in a["description"])
    assert r29_rzv["dosageInstruction"][0]["text"] == rzv["dosageInstruction"][0]["text"]
    assert r29_rzv["note"][0]["text"] == note


def _recorded_given(chart: Chart, code=MMR_CVX, kind: str = "Immunization", status: str = "completed",
                    day: int | None = 0) -> Chart:
    """A live vaccine placed among the draft orders as recorded given on ``day`` (None: no date)."""
    resource = {"resourceType": kind, "id": "given-live", "status": status}
    when = {} if day is None else {"occurrenceDateTime" if kind == "Immunization" else "authoredOn": chart.at(day)}
    if kind == "Immunization":
        resource.update({"vaccineCode": concept(code), "patient": {"reference": "Patient/imnm-demo"}, **when})
    else:
        resource.update({"intent": "order", "medicationCodeableConcept": concept(code),
                         "subject": {"reference": "Patient/imnm-demo"}, **when})
    return chart.draft_resource(resource)


@pytest.mark.parametrize(("kind", "status"), [("Immunization", "completed"), ("MedicationRequest", "completed")])
def test_a_live_vaccine_recorded_as_given_is_not_offered_to_cancel(kb, today, kind, status):
    """Review: R28 said "cancel it" of an Immunization 'completed' (a dose given cannot be cancelled); a
    MedicationRequest 'completed' (all of it given) was read as a stop, and the card went quiet. Both say it was
    recorded as given and what follows: the critical card stays."""
    card = _card(kb, _recorded_given(_on_prednisone_60(today), kind=kind, status=status), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == ("Live vaccine given (MMR) with high-level immunosuppression (glucocorticoid): watch for "
                               "infection")
    assert card["detail"].startswith(f"**measles, mumps and rubella virus vaccine ({today}) is recorded as given**, "
                                     "among the orders being signed: a dose given cannot be cancelled.")
    assert "Watch for vaccine-strain infection in the weeks after it" in card["detail"]
    assert "cancel" not in card["summary"].lower() and "suggestions" not in card


def test_a_live_vaccine_given_with_immunosuppression_drafted_asks_to_start_it_later(kb, today):
    chart = _recorded_given(Chart(today, age=45).weight(70, day=-3), day=-5).draft(MYCOPHENOLATE, 500, "mg")
    card = _card(kb, chart, today)
    assert card["summary"] == ("Live vaccine given (MMR) with immunosuppression drafted with it: delay "
                               "immunosuppression 4 weeks")
    assert f"start it **at least 4 weeks after the vaccine** (from {Chart(today).at(23)})." in card["detail"]
    # 4 weeks after the vaccine, the immunosuppression drafted no longer meets it
    chart = _recorded_given(Chart(today, age=45).weight(70, day=-3), day=-28).draft(MYCOPHENOLATE, 500, "mg")
    assert _card(kb, chart, today) is None


@pytest.mark.parametrize(("vaccine_day", "ivig_day", "may_fail"), [
    (0, -60, True),  # IVIG 60 days before it, within 11 months
    (-70, -60, True),  # IVIG 10 days after it: within 14 days
    (-70, -56, True),  # 14 days after it
    (-70, -55, False),  # 15 days after it: the vaccine had taken
    (-400, -60, False),  # 340 days after it
])
def test_a_live_vaccine_given_may_need_repeating_after_ivig_around_it(kb, today, vaccine_day, ivig_day, may_fail):
    """Review: the IVIG interval was judged against today, not the day the vaccine was given: IVIG 14 days or more
    after a measles- or varicella-containing vaccine does not stop it working (CDC/ACIP timing and spacing)."""
    chart = _recorded_given(Chart(today, age=40).immunization(IVIG_CVX, day=ivig_day), day=vaccine_day)
    card = _card(kb, chart, today)
    if not may_fail:
        assert card is None
        return
    assert card["indicator"] == "warning"
    assert card["summary"] == "Live vaccine given (MMR) with IVIG around it: it may not work"
    assert REPEAT in card["detail"]
    assert "Watch for vaccine-strain infection" not in card["detail"]  # no immunosuppression found


REPEAT = ("The IVIG may have stopped it working: plan whether and when to repeat it with immunisation advice, once a "
          "live vaccine is safe again.")


@pytest.mark.parametrize("chart", [
    # high-level immunosuppression now: no date to repeat a live vaccine can be given
    lambda today: _recorded_given(_on_prednisone_60(today).immunization(IVIG_CVX, day=-60), day=-2),
    # maintenance IVIG after the vaccine's 14 days: "11 months since the last IVIG" was counted from the one before it
    lambda today: _recorded_given(Chart(today, age=40).immunization(IVIG_CVX, day=-310)
                                  .immunization(IVIG_CVX, day=-30), day=-300),
])
def test_a_live_vaccine_ivig_may_have_stopped_gives_no_date_to_repeat_it(kb, today, chart):
    """Review: the repeat date told a patient on prednisone 60 mg/day to repeat a live vaccine on a set day, and
    counted 11 months from an IVIG before the maintenance IVIG given since. No date is computed: when a live vaccine
    is safe again is for immunisation advice."""
    card = _card(kb, chart(today), today)
    assert REPEAT in card["detail"]
    assert "months have passed" not in card["detail"] and "(from 20" not in card["detail"]


def test_ivig_drafted_within_14_days_of_a_live_vaccine_given_may_stop_it_working(kb, today):
    chart = _recorded_given(Chart(today, age=40).weight(70, day=-3), day=-10).draft(IVIG_CVX, 1, "g/kg")
    card = _card(kb, chart, today)
    assert "immune globulin, intravenous, drafted from " + str(today) in card["detail"]
    chart = _recorded_given(Chart(today, age=40).weight(70, day=-3), day=-15).draft(IVIG_CVX, 1, "g/kg")
    assert _card(kb, chart, today) is None
    chart = _recorded_given(Chart(today, age=40).weight(70, day=-3), day=-10)
    chart.draft_resource({"resourceType": "Immunization", "id": "ivig-given", "status": "completed",
                          "vaccineCode": concept(IVIG_CVX), "patient": {"reference": "Patient/imnm-demo"},
                          "occurrenceDateTime": chart.at(-2)})
    card = _card(kb, chart, today)
    assert f"{IVIG_CVX[2]} ({chart.at(-2)}), recorded as given among the orders" in card["detail"]


@pytest.mark.parametrize(("vaccine_day", "fires"), [(-42, True), (-43, False), (-365, False)])
def test_a_live_vaccine_given_is_watched_only_in_the_weeks_after_it(kb, today, vaccine_day, fires):
    """Review: an MMR given a year ago, before prednisone started 60 days ago, had a critical "watch for
    vaccine-strain infection in the weeks after it". Past 42 days (given_watch_days) it is quiet, and says why."""
    result = run(kb, _recorded_given(_on_prednisone_60(today), day=vaccine_day).request("order-sign"), today)
    assert (RULE in fired(result)) is fires
    if not fires:
        entry = explained(result, RULE)
        assert entry["reason"].startswith(f"measles, mumps and rubella virus vaccine ({Chart(today).at(vaccine_day)}) "
                                          "recorded as given more than 42 days ago: outside R28's watch window (later "
                                          "vaccine-strain disease is rare but possible)")



def test_a_site_sets_the_weeks_a_live_vaccine_given_is_watched(kb, today):
    chart = _recorded_given(_on_prednisone_60(today), day=-50)
    assert _card(kb, chart, today) is None
    assert _card(with_params(kb, RULE, given_watch_days=60), chart, today)["indicator"] == "critical"


@pytest.mark.parametrize(("ended", "fires"), [(-40, True), (-61, False)])
def test_a_live_vaccine_given_is_judged_by_the_immunosuppression_around_its_day(kb, today, ended, fires):
    """Prednisone 60 mg/day that ended 40 days ago, 10 days before a vaccine given 30 days ago, is outside today's 30
    days (an MMR drafted now is quiet), but it is what the given vaccine met: judged from 30 days before the vaccine
    to now (critical). The same prednisone ending 31 days before it is not."""
    def chart():
        return Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 60, "mg", start=ended - 50, end=ended,
                                                                  status="completed")
    result = run(kb, _recorded_given(chart(), day=-30).request("order-sign"), today)
    card = fired(result).get(RULE)
    assert (card is not None) is fires
    if fires:
        assert card["indicator"] == "critical"
        assert (f"Immunosuppression found (given from {Chart(today).at(-60)}, 30 days before the vaccine, or "
                f"anti-CD20 within 365 days before it; begun before {Chart(today).at(-2)}, 4 weeks after it):"
                ) in card["detail"]
        assert explained(result, RULE)["facts"]["given_level"] == "high"
    assert _card(kb, chart().draft(MMR_CVX, 0.5, "mL"), today) is None


def test_a_live_vaccine_given_with_an_immunosuppressant_of_unknown_timing_asks_to_confirm_it(kb, today):
    """MMR recorded as given 5 days ago, mycophenolate 'stopped' with no start or end date: R28 was not evaluable
    (no card). A warning asks to confirm when it was last taken, and to watch for vaccine-strain infection."""
    chart = Chart(today, age=50).medication(MYCOPHENOLATE, 1000, "mg", start=None, status="stopped", frequency=2)
    card = _card(kb, _recorded_given(chart, day=-5), today)
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Live vaccine given (MMR) with immunosuppression of unknown timing (mycophenolate): "
                               "confirm when immunosuppression stopped")
    assert f"- not judged: {MYCOPHENOLATE} (stopped; no start or end date" in card["detail"]
    assert "Watch for vaccine-strain infection" in card["detail"]


def test_a_live_vaccine_recorded_as_given_with_no_date_is_read_as_given_today(kb, today):
    card = _card(kb, _recorded_given(_on_prednisone_60(today), kind="MedicationRequest", day=None), today)
    assert card["indicator"] == "critical"
    assert card["detail"].startswith("**measles, mumps and rubella virus vaccine (no date recorded: read as today) is "
                                     "recorded as given**")


def test_a_vaccine_of_no_known_kind_recorded_as_given_is_not_asked_about_before_signing(kb, today):
    """Review: an unclassified vaccine recorded as given still said 'check it before signing'."""
    chart = _on_prednisone_60(today)
    chart.draft_resource({"resourceType": "Immunization", "id": "flu-88", "status": "completed",
                          "vaccineCode": concept((CVX, "88", "influenza virus vaccine, unspecified formulation")),
                          "patient": {"reference": "Patient/imnm-demo"}, "occurrenceDateTime": chart.at(-3)})
    entry = _facts(kb, chart, today)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].endswith("value set; check it: it is recorded as given (high level immunosuppression "
                                    "found)")
    card = _card(kb, _recorded_given(_on_prednisone_60(today)).draft("Rabies vaccine 1 mL", 1, "mL"), today)
    assert "Also drafted, and not recognised as live or non-live: Rabies vaccine 1 mL. Check whether it is a live " \
           "vaccine before signing." in card["detail"]


def test_a_live_vaccine_drafted_beside_one_given_cancels_only_the_draft(kb, today):
    chart = _recorded_given(_on_prednisone_60(today), code=VARICELLA).draft(MMR_CVX, 0.5, "mL",
                                                                             resource_id="draft-mmr")
    card = _card(kb, chart, today)
    assert card["summary"].endswith(CANCEL_MMR)
    deleted = {a["resourceId"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "delete"}
    assert deleted == {"MedicationRequest/draft-mmr"}
    assert (f"Also among the orders, recorded as given (it cannot be cancelled): varicella virus vaccine ({today}). "
            "Watch for vaccine-strain infection") in card["detail"]
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/draft-mmr", "Immunization/given-live"]


@pytest.mark.parametrize("status", ["entered-in-error", "draft", "not-done"])
def test_a_live_vaccine_immunization_in_error_orders_nothing_and_a_planned_one_does(kb, today, status):
    """An Immunization entered in error states nothing of the vaccine (left out of the drafts); one written 'draft'
    (no Immunization code: the contract's planned vaccine, read as 'not-done') is the vaccine ordered."""
    card = _card(kb, _recorded_given(_on_prednisone_60(today), status=status), today)
    assert (card is not None) is (status != "entered-in-error")
    if card is not None:
        assert card["summary"].endswith(CANCEL_MMR)


RITUXIMAB_1G = ("rituximab Injectable Product", 1000, "mg")


@pytest.mark.parametrize(("rituximab_day", "vaccine_day", "fires"), [
    (-380, -30, True),  # 350 days before the vaccine: its B cells were depleted when it was given
    (-396, -30, False),  # 366 days before it
    (-3, -35, False),  # begun 32 days after it: the vaccine strain no longer grew
    (-8, -35, True),  # begun 27 days after it
])
def test_a_live_vaccine_given_is_judged_as_of_its_day(kb, today, rituximab_day, vaccine_day, fires):
    """Review: the anti-CD20 window ran back from today, not from the vaccine's day (rituximab 380 days ago, MMR 30
    days ago: 350 days apart, quiet), and immunosuppression begun 4 weeks or more after the vaccine gave a critical
    "watch" card, against "give a live vaccine at least 4 weeks before immunosuppression"."""
    chart = Chart(today, age=50).medication(*RITUXIMAB_1G, start=rituximab_day, end=rituximab_day, status="completed")
    result = run(kb, _recorded_given(chart, day=vaccine_day).request("order-sign"), today)
    card = fired(result).get(RULE)
    assert (card is not None) is fires
    if fires:
        assert card["indicator"] == "critical" and "(anti-CD20)" in card["summary"]
    else:
        begun = Chart(today).at(vaccine_day + 28)
        assert (f"no immunosuppression given from {Chart(today).at(vaccine_day - 30)} (30 days before it; anti-CD20 "
                f"within 365 days before it) and begun before {begun} (4 weeks after it)"
                ) in explained(result, RULE)["reason"]


@pytest.mark.parametrize(("start", "fires"), [(-8, True), (-7, False)])
def test_a_glucocorticoid_begun_4_weeks_after_a_live_vaccine_given_does_not_meet_it(kb, today, start, fires):
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 60, "mg", start=start)
    assert (_card(kb, _recorded_given(chart, day=-35), today) is not None) is fires


def _mmr_draft(today, status, *, linked=False):
    """Prednisone 60 mg/day for 60 days and an MMR MedicationRequest draft of ``status``: ``linked``, it re-sends the
    MMR order on the chart (the same id)."""
    chart = _on_prednisone_60(today)
    if linked:
        chart.medication(MMR_CVX, 0.5, "mL", start=0, resource_id="mmr-1")
    return chart.draft(MMR_CVX, 0.5, "mL", resource_id="mmr-1", status=status)


@pytest.mark.parametrize("status", ["cancelled", "stopped", "entered-in-error"])
def test_a_live_vaccine_stop_naming_no_chart_order_is_read_as_the_vaccine_it_orders(kb, today, status):
    """Review: a live vaccine drafted as a stop that re-sends or names no order on the chart left R28 quiet ("no live
    vaccine in the draft orders"), while the draft-status note says its dose is still checked. It stops nothing
    anyone can tell, so it is the vaccine it orders (continuing.on_chart, as R26 and R27 read it): the critical card
    stays, and the facts name it."""
    result = run(kb, _mmr_draft(today, status).request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical" and card["summary"].endswith(CANCEL_MMR)
    assert explained(result, RULE)["facts"]["vaccine_stop_unlinked"] == (
        "measles, mumps and rubella virus vaccine (MedicationRequest/mmr-1): written as a stop, but it re-sends or "
        "names no order on the chart: read as the vaccine it orders")


@pytest.mark.parametrize("status", ["cancelled", "stopped", "entered-in-error"])
def test_a_live_vaccine_draft_that_discontinues_the_chart_order_orders_nothing(kb, today, status):
    entry = explained(run(kb, _mmr_draft(today, status, linked=True).request("order-sign"), today), RULE)
    assert entry["status"] == "not-fired"
    assert entry["reason"] == "the vaccine drafts only discontinue orders on the chart"
    assert entry["facts"]["vaccine_drafts_discontinuing"] == (
        "measles, mumps and rubella virus vaccine (MedicationRequest/mmr-1)")


RECORDED = "- of these, recorded as given among the orders being signed: "
IV_METHYLPREDNISOLONE = "methylprednisolone 1000 MG Injection"


def _given_among_the_drafts(chart: Chart, drug, **dates) -> Chart:
    """``drug`` recorded as given among the draft orders: a MedicationRequest 'completed' (id 'given-drug')."""
    return chart.draft(*drug, status="completed", resource_id="given-drug", **dates)


@pytest.mark.parametrize(("drug", "dates", "indicator", "found", "recorded"), [
    (RITUXIMAB_1G, {"start": -2, "count": 1}, "critical",
     lambda at: f"- high level: rituximab Injectable Product (last given {at(-2)}; anti-CD20 within 365 days)",
     lambda at: f"rituximab Injectable Product (on {at(-2)})"),
    # no date: it may have been given at any time up to today (today is in every window counted back from today)
    (RITUXIMAB_1G, {"start": None, "count": 1}, "critical",
     lambda at: f"- high level: rituximab Injectable Product (last given {at(0)}; anti-CD20 within 365 days)",
     lambda at: f"rituximab Injectable Product (no date recorded: counted as given at any time up to {at(0)})"),
    # a dose recorded as given lies in no future: its date says nothing of when it was given
    (RITUXIMAB_1G, {"start": 5, "count": 1}, "critical",
     lambda at: f"- high level: rituximab Injectable Product (last given {at(0)}; anti-CD20 within 365 days)",
     lambda at: f"rituximab Injectable Product (dated {at(5)}, still to come: counted as given at any time up to "
                f"{at(0)})"),
    ((IV_METHYLPREDNISOLONE, 1000, "mg"), {"start": -3, "end": -1}, "warning",
     lambda at: f"- low level: prednisone-equivalent up to 1250 mg/day, >= 20 mg/day for only 3 days (to {at(-1)}; "
                "high-level from 14 days)",
     lambda at: f"methylprednisolone 1000 MG Injection ({at(-3)} to {at(-1)})"),
    # only an end date: how long it ran before it is not known (the steroid timeline cannot place it)
    ((PREDNISONE_20, 40, "mg"), {"start": None, "end": -2}, "critical",
     lambda at: f"- unknown level: prednisone 20 MG Oral Tablet (last given {at(-2)}): no start date: its days "
                "cannot be placed",
     lambda at: f"prednisone 20 MG Oral Tablet (to {at(-2)}, no start date recorded: counted as given at any time "
                f"up to {at(-2)})"),
])
def test_immunosuppression_recorded_as_given_among_the_drafts_is_judged_before_a_live_vaccine(
        kb, today, drug, dates, indicator, found, recorded):
    """Review: immunosuppression drafted beside a live vaccine counted only drafts that order a drug, and the chart
    holds no draft: rituximab recorded as given among the orders (an order 'completed') left an MMR draft quiet, 'no
    anti-CD20 within 365 days', where the same rituximab on the chart is critical; so did a methylprednisolone pulse.
    Given, it is exposure as the chart's is, and the card says it was recorded among the orders, not on the chart
    where one would look for it. Second review: with no start date it was read as given today only (a course recorded
    with only its end date was missed, facts saying 'read as today'), and a date still to come, or a single infusion,
    was said 'from <date>'."""
    chart = Chart(today, age=50).weight(70, day=-3).condition(IMNM_SNOMED, onset=-100)
    result = run(kb, _given_among_the_drafts(chart, drug, **dates).draft(MMR_CVX, 0.5, "mL").request("order-sign"),
                 today)
    card = fired(result)[RULE]
    assert card["indicator"] == indicator and card["summary"].endswith(CANCEL_MMR)
    assert f"\n{found(chart.at)}\n{RECORDED}{recorded(chart.at)}\n" in card["detail"]
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == recorded(chart.at)


def test_a_glucocorticoid_recorded_as_given_adds_to_the_chart_course_it_ran_before(kb, today):
    """Prednisone 40 mg on the chart for the last 10 days (low level alone) and the 5 days before it recorded as
    given among the orders: 15 days at >= 20 mg/day, high level (critical). Recorded 60 days ago, it is outside the
    30-day window: no card, and the facts name it as read."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=-10, end=-1, status="completed")
    chart.draft(PREDNISONE_20, 40, "mg", start=-15, end=-11, status="completed", resource_id="given-prednisone")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical" and "(glucocorticoid)" in card["summary"]
    assert (f"- high level: prednisone-equivalent >= 20 mg/day for 15 days (to {chart.at(-1)})\n{RECORDED}prednisone "
            f"20 MG Oral Tablet ({chart.at(-15)} to {chart.at(-11)})\n") in card["detail"]
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.draft(PREDNISONE_20, 40, "mg", start=-70, end=-60, status="completed", resource_id="given-prednisone")
    entry = _facts(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert entry["status"] == "not-fired" and entry["reason"].startswith("no immunosuppression now or within 30 days")
    assert entry["facts"]["immunosuppression_recorded_given"] == (
        f"prednisone 20 MG Oral Tablet ({chart.at(-70)} to {chart.at(-60)})")


def test_a_live_vaccine_given_meets_immunosuppression_recorded_as_given_after_it(kb, today):
    """MMR given 10 days ago and rituximab given today, both recorded among the orders: the rituximab began less than
    4 weeks after the vaccine, so it meets the vaccine strain (critical: watch for infection). It was quiet: the
    rituximab, neither on the chart nor ordered, was not seen."""
    chart = _given_among_the_drafts(Chart(today, age=50).weight(70, day=-3), RITUXIMAB_1G, start=0, count=1)
    card = _card(kb, _recorded_given(chart, day=-10), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == ("Live vaccine given (MMR) with high-level immunosuppression (anti-CD20): watch for "
                               "infection")
    assert f"\n{RECORDED}rituximab Injectable Product (on {today})\n" in card["detail"]
    assert "Watch for vaccine-strain infection in the weeks after it" in card["detail"]


@pytest.mark.parametrize("on_chart", [True, False])
def test_an_undated_dose_recorded_as_given_still_meets_a_live_vaccine_given_before_it(kb, today, on_chart):
    """Second review: rituximab recorded as given with no date was read as given today, so begun 35 days after an
    MMR given (more than 4 weeks): quiet. Re-sending the chart's order (given 40 days ago, critical on its own), it
    also took that order's place: the critical card went quiet. Its start is not known, so it meets the vaccine (the
    safe side); re-sending the chart's order, it is that order, judged by the chart's dates."""
    chart = Chart(today, age=50).weight(70, day=-3)
    if on_chart:
        chart.medication(*RITUXIMAB_1G, start=-40, count=1, status="completed", resource_id="rtx-chart")
    chart.draft(*RITUXIMAB_1G, start=None, count=1, status="completed",
                resource_id="rtx-chart" if on_chart else "rtx-given")
    result = run(kb, _recorded_given(chart, day=-35).request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical" and card["summary"].endswith("watch for infection")
    last = chart.at(-40) if on_chart else chart.at(0)
    assert f"- high level: rituximab Injectable Product (last given {last}; anti-CD20 within 365 days)\n" in (
        card["detail"])
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == (
        "rituximab Injectable Product (no date recorded: it records MedicationRequest/rtx-chart as given, counted as "
        "that order)" if on_chart else
        f"rituximab Injectable Product (no date recorded: counted as given at any time up to {chart.at(0)})")


def _prednisone_10_recorded(today, link: str) -> Chart:
    """Prednisone 10 mg daily on the chart for 30 days (pred-chart, active) and the same course recorded as given
    among the drafts, to yesterday: ``link`` says how it names the chart order (re-sent with its id, or as its
    priorPrescription by reference or by identifier)."""
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 10, "mg", start=-30,
                                                                resource_id="pred-chart")
    chart.resources["medications"][-1]["identifier"] = [{"system": "urn:ehr:orders", "value": "77"}]
    chart.draft(PREDNISONE_20, 10, "mg", start=-30, end=-1, status="completed",
                resource_id="pred-chart" if link == "re-sent" else "pred-given")
    if link == "reference":
        chart.replacing("pred-chart")
    elif link == "identifier":
        chart.drafts[-1]["priorPrescription"] = {"identifier": {"system": "urn:ehr:orders", "value": "77"}}
    return chart.draft(MMR_CVX, 0.5, "mL")


@pytest.mark.parametrize(("link", "indicator", "found", "said"), [
    ("re-sent", "warning", "- low level: prednisone-equivalent up to 10 mg/day (< 20 mg/day)",
     "it records MedicationRequest/pred-chart as given, counted as that order"),
    ("reference", "critical", "- high level: prednisone-equivalent >= 20 mg/day for 30 days",
     "it names MedicationRequest/pred-chart as its prior prescription, counted in addition to it"),
    ("identifier", "critical", "- high level: prednisone-equivalent >= 20 mg/day for 30 days",
     "it names MedicationRequest/pred-chart as its prior prescription, counted in addition to it"),
])
def test_a_course_recorded_as_given_is_that_order_only_when_it_re_sends_it(kb, today, link, indicator, found, said):
    """Prednisone 10 mg daily on the chart, and the same course recorded as given among the drafts. Re-sent (the same
    id), it is that order: counted once, at 10 mg/day. Third review: one that names the chart order as its
    priorPrescription is its successor, counted on its own days (it was dated from its predecessor's start: a
    successor recorded with no date then met no vaccine it could have met): the two add up, and the card says so."""
    result = run(kb, _prednisone_10_recorded(today, link).request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == indicator and f"\n{found}" in card["detail"]
    recorded = (f"prednisone 20 MG Oral Tablet ({Chart(today).at(-30)} to {Chart(today).at(-1)}: {said})")
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == recorded
    assert (f"{RECORDED}{recorded}\n" in card["detail"]) is (link != "re-sent")


def test_an_infusion_recorded_as_given_as_the_chart_order_it_re_sends_is_listed_once(kb, today):
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(*RITUXIMAB_1G, start=-40, count=1, status="completed", resource_id="rtx-chart")
    chart.draft(*RITUXIMAB_1G, start=-40, count=1, status="completed", resource_id="rtx-chart")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical" and card["detail"].count("- high level: rituximab") == 1


def test_a_chart_order_still_active_keeps_its_days_when_a_draft_records_it_as_given(kb, today):
    """Prednisone 20 mg daily on the chart for 14 days up to today (high level, critical), re-sent 'completed' to
    yesterday: the chart order still counts as the chart has it (13 days recorded would be low level). A recorded
    dose adds to the chart; it never takes a day away."""
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 20, "mg", start=-13,
                                                                resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 20, "mg", start=-13, end=-1, status="completed", resource_id="pred-chart")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert f"- high level: prednisone-equivalent >= 20 mg/day for 14 days (to {today})\n\n" in card["detail"]


@pytest.mark.parametrize(("on_chart", "recorded", "days"), [
    ((-60, -40), (-60, -10), 51),  # its days after the chart order's
    ((-60, -40), (-30, -10), 21),  # begun after the chart order's last day
    ((-20, -10), (-35, -10), 26),  # its days before the chart order's
    ((-25, -20), (-35, -10), 26),  # before and after
])
def test_a_course_recorded_as_given_counts_its_days_outside_the_chart_order_it_re_sends(
        kb, today, on_chart, recorded, days):
    """Prednisone 40 mg on the chart (pred-chart, completed), re-sent 'completed' over a longer span: the days the
    chart order counts are counted once, the draft's days outside them as well (high level). Third review: the days
    before the chart order's start were dropped (11 days, a warning, where the draft records 26)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=on_chart[0], end=on_chart[1], status="completed",
                     resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 40, "mg", start=recorded[0], end=recorded[1], status="completed",
                resource_id="pred-chart")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert (f"- high level: prednisone-equivalent >= 20 mg/day for {days} days (to {chart.at(-10)})\n{RECORDED}"
            f"prednisone 20 MG Oral Tablet ({chart.at(recorded[0])} to {chart.at(-10)}: it records "
            "MedicationRequest/pred-chart as given, counted as that order on its days and on its own outside them)\n"
            ) in card["detail"]


def test_an_infusion_re_sent_as_given_before_the_chart_order_keeps_its_own_day(kb, today):
    """Rituximab on the chart 40 days ago, re-sent 'completed' dated 100 days ago: a single infusion of its own day,
    not a course running up to the chart order's."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(*RITUXIMAB_1G, start=-40, count=1, status="completed", resource_id="rtx-chart")
    chart.draft(*RITUXIMAB_1G, start=-100, count=1, status="completed", resource_id="rtx-chart")
    detail = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)["detail"]
    assert f"- high level: rituximab Injectable Product (last given {chart.at(-100)}; anti-CD20" in detail


def test_a_course_re_sent_as_given_after_the_chart_order_keeps_an_end_not_given(kb, today):
    """Prednisone 40 mg on the chart from 60 to 40 days ago, re-sent 'completed' from 20 days ago with no end date:
    its days all come after the chart order's, so it is counted as written, ended on a day the chart does not give
    (judged as if taken until today: level unknown, critical), not as given on its start day alone (low level)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=-60, end=-40, status="completed", resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 40, "mg", start=-20, status="completed", resource_id="pred-chart")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert f"(started {chart.at(-20)}, completed on a day the chart does not give; judged as if taken until today)" in (
        card["detail"])


NOT_THAT_ORDER = "it re-sends MedicationRequest/chart-order, not counted as that order"


def _label(code) -> str:
    """The name a drug's code (or its text) is shown by."""
    return code if isinstance(code, str) else code[2]


@pytest.mark.parametrize(("drug", "status", "start", "found"), [
    (RITUXIMAB_1G, "cancelled", 5, "- high level: rituximab Injectable Product (last given {today}"),
    (RITUXIMAB_1G, "draft", 5, "- high level: rituximab Injectable Product (last given {today}"),
    (RITUXIMAB_1G, "entered-in-error", 5, "- high level: rituximab Injectable Product (last given {today}"),
    (RITUXIMAB_1G, "cancelled", -400, "- high level: rituximab Injectable Product (last given {today}"),
    ((PREDNISONE_20, 40, "mg"), "cancelled", 3,
     "- unknown level: prednisone 20 MG Oral Tablet (last given {today}): no start date: its days cannot be placed"),
])
def test_an_undated_dose_re_sending_an_order_never_given_is_not_dated_from_it(kb, today, drug, status, start, found):
    """Third review: a dose recorded as given with no date took its start from the chart order it re-sends, though
    that order gave no dose on it (cancelled, a draft, entered in error, or to start later): quiet, or 'counted from
    that order's start' in the future. It is counted on its own, its start not known: given at any time up to
    today (critical)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(*drug, start=start, count=1, status=status, resource_id="chart-order")
    chart.draft(*drug, start=None, count=1, status="completed", resource_id="chart-order")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical" and found.format(today=today) in card["detail"]
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == (
        f"{_label(drug[0])} (no date recorded: counted as given at any time up to {today}, {NOT_THAT_ORDER} (the "
        "chart dates no dose of it by today))")


def test_an_undated_dose_re_sending_an_order_it_ended_before_is_not_dated_from_it(kb, today):
    """Prednisone recorded as given to 25 days ago, no start date, re-sending the chart's course of 20 to 10 days ago:
    dated from that order, it would run backwards (from 20 days ago to 25 days ago). It is counted on its own, its
    start not known (critical)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=-20, end=-10, status="completed", resource_id="chart-order")
    chart.draft(PREDNISONE_20, 40, "mg", start=None, end=-25, status="completed", resource_id="chart-order")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    assert fired(result)[RULE]["indicator"] == "critical"
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == (
        f"prednisone 20 MG Oral Tablet (to {chart.at(-25)}, no start date recorded: counted as given at any time up to "
        f"{chart.at(-25)}, {NOT_THAT_ORDER} (it ends before that order began))")


def test_a_dated_dose_re_sending_a_cancelled_order_counts_on_its_own_day(kb, today):
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(*RITUXIMAB_1G, start=-40, count=1, status="cancelled", resource_id="chart-order")
    chart.draft(*RITUXIMAB_1G, start=-40, count=1, status="completed", resource_id="chart-order")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert (f"- high level: rituximab Injectable Product (last given {chart.at(-40)}; anti-CD20 within 365 days)\n"
            f"{RECORDED}rituximab Injectable Product (on {chart.at(-40)}: {NOT_THAT_ORDER} (the chart dates no dose "
            "of it by today))\n") in card["detail"]


def test_a_successor_recorded_as_given_is_never_dated_from_its_predecessor(kb, today):
    """Third review: rituximab recorded as given with no date, naming the chart's rituximab of 400 days ago as its
    priorPrescription, was dated from that order: 'no anti-CD20 within 365 days' (quiet). A successor follows its
    predecessor: it may have been given at any time up to today (critical)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(*RITUXIMAB_1G, start=-400, count=1, status="completed", resource_id="rtx-chart")
    chart.draft(*RITUXIMAB_1G, start=None, count=1, status="completed", resource_id="rtx-new").replacing("rtx-chart")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical"
    assert f"- high level: rituximab Injectable Product (last given {today}; anti-CD20 within 365 days)\n" in (
        card["detail"])
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == (
        f"rituximab Injectable Product (no date recorded: counted as given at any time up to {today}, it names "
        "MedicationRequest/rtx-chart as its prior prescription)")


@pytest.mark.parametrize(("recorded", "said"), [
    ((IV_METHYLPREDNISOLONE, 40, "mg"), f"{NOT_THAT_ORDER} (another drug or route)"),
    ((PREDNISONE_20, 40, "mg"), f"{NOT_THAT_ORDER} (another daily dose), counted in addition to it"),
])
def test_a_dose_re_sending_a_chart_order_as_another_drug_or_dose_counts_on_its_own(kb, today, recorded, said):
    """Third review: prednisone 10 mg daily on the chart; methylprednisolone 40 mg IV daily recorded as given over the
    last 20 days under its id (or naming it) was counted as that order: 'up to 10 mg/day' (a warning),
    methylprednisolone never named. Only the same drug, route and daily dose is that order; anything else is counted
    on its own, added to the chart's (critical), and named."""
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 10, "mg", start=-30,
                                                                resource_id="chart-order")
    chart.draft(*recorded, start=-20, end=-1, status="completed", resource_id="chart-order",
                route=ROUTE_IV if recorded[0] == IV_METHYLPREDNISOLONE else None)
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert (f"- high level: prednisone-equivalent >= 20 mg/day for 20 days (to {chart.at(-1)})\n{RECORDED}"
            f"{_label(recorded[0])} ({chart.at(-20)} to {chart.at(-1)}: {said})\n") in card["detail"]


def test_an_unlinked_copy_of_a_chart_course_recorded_as_given_says_it_is_counted_in_addition(kb, today):
    """Third review: prednisone 15 mg daily on the chart for 30 days, and the same 15 mg recorded as given under
    another id with no link: the two add up to 30 mg/day ('>= 20 mg/day for 30 days', critical), which the card did
    not explain. It says the recorded course is counted in addition to the chart's order of the same drug."""
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 15, "mg", start=-30,
                                                                resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 15, "mg", start=-30, end=-1, status="completed", resource_id="pred-copy")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert (f"- high level: prednisone-equivalent >= 20 mg/day for 30 days (to {chart.at(-1)})\n{RECORDED}"
            f"prednisone 20 MG Oral Tablet ({chart.at(-30)} to {chart.at(-1)}: counted in addition to prednisone 20 MG "
            "Oral Tablet (MedicationRequest/pred-chart) of the same drug (no link between them))\n") in card["detail"]


def test_a_course_recorded_as_ended_on_a_day_not_given_is_counted_to_the_last_day_it_may_have_been_given(kb, today):
    """Prednisone 40 mg daily recorded as given from 60 days ago, 'completed' on a day not given: judged as if taken
    until today (level unknown), so within the 30 days and beside the chart's prednisone from 90 to 3 days ago, which
    the card says (read from its start day alone, it would be neither). (A chart order begun after it, 10 days ago,
    would bound it: a later order of the drug renews it, test_a_later_renewal_bounds_an_order_stopped_with_no_end.)"""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 10, "mg", start=-90, end=-3, status="completed", resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 40, "mg", start=-60, status="completed", resource_id="pred-given")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert (f"judged as if taken until today)\n{RECORDED}prednisone 20 MG Oral Tablet (from {chart.at(-60)}: counted "
            "in addition to prednisone 20 MG Oral Tablet (MedicationRequest/pred-chart) of the same drug (no link "
            "between them))\n") in card["detail"]


def test_a_single_dose_recorded_with_no_timing_is_said_on_its_day(kb, today):
    """Third review: methylprednisolone 1000 mg IV recorded as given two days ago, with no timing (one
    administration), was said 'from <date>', as if it went on."""
    chart = Chart(today, age=50).weight(70, day=-3)
    given = chart.medication_request(IV_METHYLPREDNISOLONE, 1000, "mg", start=None, authored=-2, status="completed",
                                     route=ROUTE_IV, resource_id="ivmp")
    del given["dosageInstruction"][0]["timing"]
    result = run(kb, chart.draft_resource(given).draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    assert fired(result)[RULE]["indicator"] == "critical"
    assert explained(result, RULE)["facts"]["immunosuppression_recorded_given"] == (
        f"{IV_METHYLPREDNISOLONE} (on {chart.at(-2)})")


def test_immunosuppression_drafted_as_an_order_is_drafted_with_the_vaccine_not_recorded_as_given(kb, today):
    """A prednisone draft 'active' orders it: immunosuppression drafted with the vaccine, not recorded as given (the
    records_given filter of R28's drafts)."""
    chart = Chart(today, age=50).weight(70, day=-3).draft(PREDNISONE_20, 40, "mg", start=-20, resource_id="pred",
                                                          status="active")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    card = fired(result)[RULE]
    assert "\n- drafted with the vaccine: prednisone 20 MG Oral Tablet (40 mg/day prednisone-equivalent)\n" in (
        card["detail"]) and RECORDED not in card["detail"]
    assert "immunosuppression_recorded_given" not in explained(result, RULE)["facts"]


def test_a_chart_order_stopped_on_a_day_not_given_is_not_counted_twice_with_the_draft_recording_it(kb, today):
    """Prednisone 10 mg on the chart, stopped on a day the chart does not give (judged as if taken until today), and
    re-sent 'completed' to yesterday: the chart order already counts those days; 10 mg/day, not 20 (low level)."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 10, "mg", start=-20, status="stopped", resource_id="pred-chart")
    chart.draft(PREDNISONE_20, 10, "mg", start=-20, end=-1, status="completed", resource_id="pred-chart")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "warning"
    assert "- low level: prednisone-equivalent up to 10 mg/day (< 20 mg/day); prednisone" in card["detail"]


def test_a_course_recorded_with_its_end_still_to_come_does_not_cut_the_chart_order_short(kb, today):
    """Methotrexate 25 mg weekly on the chart, stopped before its end date 30 days ahead, on a day the chart does not
    give (judged as if taken until today: 0.50 mg/kg/week, level unknown, critical), and 10 mg weekly recorded as
    given from 60 days ago with an end date still to come. Read as a course that ended before its end date, it took
    over from the chart's order as a maintenance course (courses.taken_over), whose days stopped 61 days ago: the
    card fell to a warning. Read as given up to today, it takes nothing away: the chart's order, written to run past
    it, is judged at its worst, and the card stays critical. (The two are not added up: neither is current, so the
    chart does not say they were given together.) A chart order stopped with no end date is bounded by it, as by any
    later order of the drug: test_a_later_renewal_bounds_an_order_stopped_with_no_end."""
    chart = Chart(today, age=50).weight(50, day=-3)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-100, end=30, period=1, period_unit="wk", status="stopped",
                     resource_id="mtx-chart")
    chart.draft(METHOTREXATE_2_5, 10, "mg", start=-60, end=30, period=1, period_unit="wk", status="completed",
                resource_id="mtx-given")
    card = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert "25 mg/week = 0.50 mg/kg/week > 0.4" in card["detail"]
    assert (f"{RECORDED}methotrexate 2.5 MG Oral Tablet ({chart.at(-60)} to {chart.at(30)}, its end still to come: "
            "counted as given up to today, counted in addition to methotrexate 2.5 MG Oral Tablet "
            "(MedicationRequest/mtx-chart) of the same drug (no link between them))\n") in card["detail"]


def test_a_lab_order_or_a_local_form_recorded_among_the_drafts_is_no_immunosuppression(kb, today):
    """Second review: a methotrexate level (a ServiceRequest 'completed') gave a critical 'Methotrexate [Moles/volume]
    ...: dose could not be read'; prednisolone eye drops recorded as given were named as immunosuppression counted.
    Only a systemic prescription records a dose of it, as continuing.in_place reads the drafts."""
    chart = Chart(today, age=50).weight(70, day=-3)
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "mtx-level", "status": "completed",
                          "intent": "order", "code": concept((LOINC, "14836-8", MTX_LEVEL)),
                          "subject": {"reference": "Patient/imnm-demo"}, "authoredOn": chart.at(-1)})
    entry = _facts(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)
    assert entry["status"] == "not-fired" and "immunosuppression_recorded_given" not in entry["facts"]
    chart = Chart(today, age=50).weight(70, day=-3).medication(PREDNISONE_20, 40, "mg", start=-20)
    chart.draft(PREDNISOLONE_EYE_DROPS, 1, "drop", start=-5, end=-1,
                status="completed", resource_id="eye-drops")
    result = run(kb, chart.draft(MMR_CVX, 0.5, "mL").request("order-sign"), today)
    assert fired(result)[RULE]["indicator"] == "critical" and RECORDED not in fired(result)[RULE]["detail"]
    assert "immunosuppression_recorded_given" not in explained(result, RULE)["facts"]


def test_the_chart_with_the_doses_recorded_keeps_its_orders_oldest_first(kb, today):
    """The record keeps its orders oldest first, and what is read from them is listed so: methotrexate recorded as
    given from 25 days ago is listed before the chart's order begun 20 days ago."""
    chart = Chart(today, age=50).weight(50, day=-3)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-20, period=1, period_unit="wk")
    chart.draft(METHOTREXATE_2_5, 10, "mg", start=-25, end=-22, period=1, period_unit="wk", status="completed",
                resource_id="mtx-given")
    detail = _card(kb, chart.draft(MMR_CVX, 0.5, "mL"), today)["detail"]
    assert detail.index("10 mg/week") < detail.index("25 mg/week")


@pytest.mark.parametrize("replaced", [(METHOTREXATE_2_5, 15, "mg"), (PREDNISOLONE_EYE_DROPS, 1, "drop")])
def test_a_course_recorded_as_given_in_place_of_an_order_given_on_no_day_counts_in_full(kb, today, replaced):
    """Prednisone 40 mg recorded as given for the last 20 days, naming as the order it replaced the chart's
    methotrexate (another drug: low level, still active) or prednisolone eye drops (a local form: no systemic
    exposure): it records no day of that order's as R28 counts them, so it counts in full (high level)."""
    chart = Chart(today, age=50).weight(50, day=-3)
    chart.medication(*replaced, start=-90, period=1, period_unit="wk", resource_id="chart-order")
    chart.draft(PREDNISONE_20, 40, "mg", start=-20, end=-1, status="completed", resource_id="pred-given")
    card = _card(kb, chart.replacing("chart-order").draft(MMR_CVX, 0.5, "mL"), today)
    assert card["indicator"] == "critical"
    assert f"- high level: prednisone-equivalent >= 20 mg/day for 20 days (to {chart.at(-1)})\n" in card["detail"]


@pytest.mark.parametrize(("draft", "concept_shown"), [
    ("MMR II", "MMR"),
    ("MMR", "MMR"),
    ("MMRVaxPro", "MMR"),
    ("M-M-RvaxPro", "MMR"),
    ("Priorix-Tetra", "MMRV"),  # MMRV: the MMR 'Priorix' row read it as MMR
    ("Varilrix", "varicella"),
    ("Fluenz Tetra", "influenza, live attenuated (LAIV)"),
    ("RotaTeq", "rotavirus (live)"),
    ("Rotarix oral suspension", "rotavirus (live)"),
    ("rotavirus vaccine", "rotavirus (live)"),
    ("Qdenga dengue vaccine", "dengue (TAK-003)"),
    ("Imojev", "Japanese encephalitis (JE-CV, live)"),
    ("Ervebo", "Ebola (rVSV-ZEBOV, live)"),
    ("OPV", "OPV (oral polio, live)"),
    ("ZVL", "zoster, live"),
])
def test_live_vaccines_by_brand_or_short_name_are_critical(kb, today, draft, concept_shown):
    """Review (R28, item 1): on mycophenolate, 'MMR II', 'Varilrix', 'MMRVaxPro', 'Fluenz Tetra' or 'RotaTeq' gave
    no card and no warning; 'rotavirus vaccine' and 'Qdenga dengue vaccine' were only not evaluable."""
    chart = Chart(today, age=50).weight(60, day=-3).medication(MYCOPHENOLATE, 1000, "mg", start=-100, frequency=2)
    card = _card(kb, chart.draft(draft, 0.5, "mL"), today)
    assert card is not None and card["indicator"] == "critical"
    assert card["summary"].startswith(f"Live vaccine ({concept_shown[:40]}) with high-level immunosuppression")


@pytest.mark.parametrize("draft", ["Vaxigrip Tetra", "Meruvax II (rubella virus)"])
def test_a_medicine_named_like_a_vaccine_in_no_value_set_is_not_passed_in_silence(kb, today, draft):
    """A vaccine brand ('vax') or an infection a live vaccine prevents, without the word 'vaccine': whether it is
    live is asked (it was 'no live vaccine in the draft orders')."""
    entry = _facts(kb, _on_prednisone_60(today).draft(draft, 0.5, "mL"), today)
    assert entry["status"] == "not-evaluable" and f"whether {draft} is a live vaccine" in entry["reason"]


def test_a_lab_order_or_an_immune_globulin_named_for_an_infection_is_no_vaccine(kb, today):
    """Only medicines are read as vaccine-like: a measles serology, and varicella zoster immune globulin (no
    vaccine), are not asked about."""
    chart = _on_prednisone_60(today).draft("varicella zoster immune globulin", 125, "[iU]")
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-measles", "status": "draft", "intent": "order",
                          "code": {"text": "Measles IgG antibody"}, "subject": {"reference": "Patient/imnm-demo"}})
    assert _facts(kb, chart, today)["reason"] == "no live vaccine in the draft orders"


PREDNISOLONE_5 = "prednisolone 5 MG Oral Tablet"


def _infant(mg: float, days: int, weight_day: int | None = -2, kg: float = 8, age: int = 1) -> Chart:
    """A child of ``age`` (``kg`` weighed ``weight_day``, None: never) on prednisolone ``mg``/day for the last
    ``days`` days; varicella vaccine drafted."""
    chart = Chart(TODAY, age=age)
    if weight_day is not None:
        chart.weight(kg, day=weight_day)
    return chart.medication(PREDNISOLONE_5, mg, "mg", start=1 - days).draft(VARICELLA, 0.5, "mL")


def test_a_child_under_10_kg_is_high_level_from_2_mg_per_kg_day(kb, today):
    """Review (R28, item 6): 1 year, 8 kg, prednisolone 16 mg/day (2 mg/kg/day) for 30 days gave a low-level
    warning. CDC/ACIP: >= 2 mg/kg/day (>= 20 mg/day from 10 kg) for >= 14 days is high level."""
    card = _card(kb, _infant(16, 30), today)
    assert card["indicator"] == "critical" and "high-level immunosuppression (glucocorticoid)" in card["summary"]
    assert (f"- high level: prednisone-equivalent >= 16 mg/day for 30 days (to {TODAY}): a child's 2 mg/kg/day at "
            f"weight 8 kg on {_infant(16, 30).at(-2)}") in card["detail"]


@pytest.mark.parametrize(("chart", "said"), [
    (lambda: _infant(10, 30), "prednisone-equivalent up to 10 mg/day (< 16 mg/day): a child's 2 mg/kg/day"),
    (lambda: _infant(16, 13), ">= 16 mg/day for only 13 days"),
    (lambda: _infant(15, 60, kg=30, age=12), "prednisone-equivalent up to 15 mg/day (< 20 mg/day)"),  # 0.5 mg/kg
    (lambda: _infant(16, 13, weight_day=None), "prednisone-equivalent up to 16 mg/day (< 20 mg/day)"),
    (lambda: _infant(5, 60, weight_day=None, age=15), "prednisone-equivalent up to 5 mg/day (< 20 mg/day)"),
], ids=["1.25 mg/kg/day", "2 mg/kg/day for 13 days", "12 years, 30 kg: 20 mg/day", "no weight, 13 days",
        "15 years, no weight"])
def test_a_child_below_the_per_kg_arm_stays_low_level(kb, today, chart, said):
    """A 15-year-old with no current weight on 5 mg/day was 'unconfirmed' ('high at 2.5 kg or less'): only a child
    young enough to weigh under 10 kg is judged by the per-kg arm without a weight."""
    card = _card(kb, chart(), today)
    assert card["indicator"] == "warning" and said in card["detail"]
    assert "mg/kg/day for 14 days as well" not in card["detail"]


@pytest.mark.parametrize("weight_day", [None, -20])
def test_a_child_with_no_current_weight_is_not_called_low(kb, today, weight_day):
    """With no current weight (a child's is at most 7 days old) the 2 mg/kg/day arm cannot be judged: the card says
    so and at what weight the dose would be high, and treats the level as unconfirmed (as methotrexate's)."""
    card = _card(kb, _infant(16, 30, weight_day=weight_day), today)
    assert card["indicator"] == "critical" and "unconfirmed level (glucocorticoid)" in card["summary"]
    missing = "on file" if weight_day is None else f"(latest 8 kg on {TODAY.fromordinal(TODAY.toordinal() - 20)}, " \
                                                    "too old)"
    assert ("a child is high level from 2 mg/kg/day for 14 days as well: 16 mg/day for that long is high at 8 kg or "
            f"less, and there is no current weight {missing}") in card["detail"]


def test_a_steroid_drafted_at_2_mg_per_kg_for_a_small_child_is_immunosuppression_drafted_with_it(kb, today):
    """16 mg/day drafted for an 8-kg child beside MMR was below the adult 20 mg/day: no card."""
    chart = Chart(today, age=1).weight(8, day=-2).draft(MMR_CVX, 0.5, "mL").draft(PREDNISOLONE_5, 16, "mg")
    card = _card(kb, chart, today)
    assert card["indicator"] == "warning"
    assert "- drafted with the vaccine: prednisolone 5 MG Oral Tablet (16 mg/day prednisone-equivalent)" in \
        card["detail"]
