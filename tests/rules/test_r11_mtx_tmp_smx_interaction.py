"""R11 mtx-tmp-smx-interaction: the TMP mg/day computed from the order, the regimen edges, risk wording and
the orders offered."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    EGFR,
    IMNM_SNOMED,
    LOINC,
    METHOTREXATE_2_5,
    RXNORM,
    SNOMED,
    TMP_SMX_DS,
    TMP_SMX_SS,
    Chart,
)
from fhir_fixtures.r10_mtx_start_prerequisites import CREATININE
from fhir_fixtures.r11_mtx_tmp_smx_interaction import TRIMETHOPRIM_100, mtx_dose_by_dose, on_mtx
from tests.conftest import deleted, explained, fired, run, taken_away

RULE = "mtx-tmp-smx-interaction"
SUSPENSION = (RXNORM, "313134", "sulfamethoxazole 40 MG/ML / trimethoprim 8 MG/ML Oral Suspension")
PLATELETS = (LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count")


def _result(kb, today, chart):
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    return fired(result).get(RULE), entry


@pytest.mark.parametrize("mg,indicator", [(159.9, "warning"), (160, "critical")])
def test_treatment_edge_is_320_mg_tmp_per_day(kb, today, mg, indicator):
    card, entry = _result(kb, today, on_mtx(today).draft(TMP_SMX_DS, mg, "mg", frequency=2))
    assert card["indicator"] == indicator
    assert entry["facts"]["tmp_mg_per_day"] == pytest.approx(mg * 2)


@pytest.mark.parametrize("per_kg,indicator", [(3.95, "warning"), (4, "critical")])
def test_weight_based_edge_is_8_mg_per_kg_day(kb, today, per_kg, indicator):
    chart = on_mtx(today).draft(TMP_SMX_DS, per_kg, "mg/kg", frequency=2)  # no weight needed for mg/kg/day
    card, entry = _result(kb, today, chart)
    assert card["indicator"] == indicator
    assert entry["facts"]["tmp_mg_per_kg_day"] == pytest.approx(per_kg * 2)
    assert "mg/day not computed: no weight in the last 30 days on file" in card["detail"]


def test_fixed_dose_over_8_mg_per_kg_in_a_light_patient_is_treatment(kb, today):
    chart = on_mtx(today).weight(35, day=-1).draft(TMP_SMX_DS, 1, "{tbl}")  # 160 mg/day = 4.6 mg/kg/day
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["tmp_mg_per_day"] == 160 and card["indicator"] == "warning"
    chart = on_mtx(today).weight(19, day=-1).height(120).draft(TMP_SMX_DS, 1, "{tbl}")  # 8.4 mg/kg/day; BMI 13
    card, _ = _result(kb, today, chart)
    assert card["indicator"] == "critical"


def test_uk_960_mg_is_one_ds_tablet(kb, today):
    _, entry = _result(kb, today, on_mtx(today).draft(TMP_SMX_DS, 960, "mg", day_of_week=["mon", "wed", "fri"]))
    assert entry["facts"]["tmp_mg_per_day"] == pytest.approx(160 * 3 / 7, abs=0.1)
    assert entry["facts"]["regimen"] == "prophylactic"


def test_suspension_ml_dose_uses_tmp_per_ml(kb, today):
    _, entry = _result(kb, today, on_mtx(today).draft(SUSPENSION, 20, "mL", frequency=2))
    assert entry["facts"]["tmp_mg_per_day"] == 320 and entry["facts"]["regimen"] == "treatment"


def test_unreadable_dose_is_critical(kb, today):
    card, entry = _result(kb, today, on_mtx(today).draft("Bactrim", None, None))
    assert entry["facts"]["regimen"] == "unknown" and card["indicator"] == "critical"


@pytest.mark.parametrize(("product", "name"), [(TMP_SMX_DS, "TMP/SMX"), (TRIMETHOPRIM_100, "trimethoprim")])
def test_an_unread_dose_is_cancelled_without_calling_it_a_treatment_dose(kb, today, product, name):
    """A sig whose dose is not read was offered "Cancel the treatment-dose ...", which the card cannot know (found by
    review): it is cancelled because its dose could not be read, still critical and recommended."""
    chart = on_mtx(today).draft(product, None, None, frequency=2, resource_id="tmp",
                                text="as directed by the infectious diseases team")
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == "unknown" and card["indicator"] == "critical"
    cancel = card["suggestions"][0]
    assert cancel["label"] == (f"Cancel the {name} draft: its dose could not be read, and a treatment dose interacts "
                               "dangerously with methotrexate")
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/tmp"]
    assert not any("treatment-dose" in s["label"] for s in card["suggestions"])


@pytest.mark.parametrize(("product", "sig", "regimen"), [
    (TMP_SMX_DS, "1 DS tablet by mouth twice daily for 7 days", "treatment"),
    (TMP_SMX_SS, "1 SS tablet by mouth once daily", "prophylactic"),
])
def test_a_dose_given_only_in_the_sig_is_read(kb, today, product, sig, regimen):
    """A TMP/SMX draft whose dose is only in its sig was 'dose unknown' (found by review): R11 reads the sig's dose as
    the dose checks do (dose_basis.read_instruction), so DS twice daily is 320 mg/day of TMP, a treatment dose."""
    card, entry = _result(kb, today, on_mtx(today).draft(product, None, None, frequency=None, text=sig))
    assert entry["facts"]["regimen"] == regimen
    assert card["indicator"] == ("critical" if regimen == "treatment" else "warning")



@pytest.mark.parametrize(("name", "actions"), [
    ("r11-fires-treatment-ds-bid", [
        f"Cancel {TMP_SMX_DS[2]} (1 tablet(s) 2 times a day)",  # a combination tablet: no one mg to give
        "Hold methotrexate 2.5 MG Oral Tablet (20 mg once weekly) during the TMP/SMX course"]),
    ("r11-fires-mtx-draft-with-weight-based-tmp-smx", ["Cancel methotrexate 2.5 MG Oral Tablet (15 mg once weekly)"]),
    ("r11-fires-mtx-draft-with-prophylactic-ss-daily", [f"Stop {TMP_SMX_SS[2]} (1 tablet(s) once a day)"]),
    ("r11-fires-child-weight-based-tmp-smx-weight-10-days-old", [f"Cancel {TMP_SMX_SS[2]} (4 mg/kg 2 times a day)"]),
])
def test_an_order_taken_away_is_named_with_its_dose_as_ordered(kb, today, name, actions):
    """Clinician review: 'Stop methotrexate 2.5 MG Oral Tablet' for 15 mg weekly read as the dose (it is the tablet's
    strength). Each action names the dose as ordered (dose_basis.named_with_dose); per kg as written."""
    card = fired(run(kb, fhir_fixtures.get(name).request(today), today))[RULE]
    described = [a["description"] for s in card["suggestions"] for a in s["actions"]]
    assert all(action in described for action in actions)


def test_treatment_draft_offers_cancellation_or_holding_mtx(kb, today):
    card, _ = _result(kb, today, on_mtx(today).draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, resource_id="tmp"))
    first, second = card["suggestions"]
    assert first["isRecommended"] and first["actions"] == [
        {"type": "delete", "description": f"Cancel {TMP_SMX_DS[2]} (1 tablet(s) 2 times a day)",
         "resourceId": "MedicationRequest/tmp"}]
    assert taken_away(second["actions"][0]) == "MedicationRequest/mtx-active"
    # held, not stopped: the course is to resume after the TMP/SMX (it was sent as 'stopped'; found by review)
    assert second["actions"][0]["type"] == "update" and second["actions"][0]["resource"]["status"] == "on-hold"
    assert second["actions"][1]["resource"]["resourceType"] == "ServiceRequest"


def test_prophylactic_offers_cbc_and_atovaquone(kb, today):
    card, _ = _result(kb, today, on_mtx(today).draft(TMP_SMX_DS, 1, "{tbl}", day_of_week=["mon", "wed", "fri"]))
    cbc = card["suggestions"][0]["actions"][0]["resource"]
    assert "1-2 weeks and 4 weeks" in cbc["note"][0]["text"]
    atovaquone = card["suggestions"][1]["actions"][1]["resource"]
    assert atovaquone["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1500
    assert "with food" in atovaquone["dosageInstruction"][0]["text"]
    assert card["suggestions"][0]["isRecommended"] and not card["suggestions"][1]["isRecommended"]


@pytest.mark.parametrize("egfr,stronger", [(59, True), (60, False)])
def test_egfr_below_60_strengthens_the_wording(kb, today, egfr, stronger):
    chart = on_mtx(today).lab(EGFR, egfr, "mL/min/{1.73_m2}", day=-10)
    card, _ = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", day_of_week=["mon", "wed", "fri"]))
    assert ("Higher risk here" in card["detail"]) is stronger
    assert card["suggestions"][1]["isRecommended"] is stronger  # atovaquone preferred


@pytest.mark.parametrize(("day", "stronger"), [(-5, True), (-91, False)])
def test_a_childs_creatinine_with_no_current_height_leaves_the_renal_risk_open(kb, today, day, stronger):
    """A child of 9 with no current height: last week's creatinine gives no eGFR (bedside Schwartz needs the height),
    and R11 named no renal risk. Whether the eGFR is below 60 is not known: the risk line says so and names the
    creatinine. One older than the 90-day lab window is not read, as an eGFR that old is not."""
    chart = on_mtx(today, age=9).weight(30, day=-1).lab(CREATININE, 0.5, "mg/dL", day=day)
    card, entry = _result(kb, today, chart.draft(TMP_SMX_SS, 1, "{tbl}"))
    said = (f"eGFR on {chart.at(day)} could not be estimated from creatinine 0.5 mg/dL: bedside Schwartz needs a "
            "current height, and there is no current height on file; whether it is below 60 is not known")
    assert (f"Higher risk here ({said})" in card["detail"]) is stronger
    assert entry["facts"]["risk_factors"] == (said if stronger else None)


@pytest.mark.parametrize("count,stronger", [(149, True), (150, False)])
def test_baseline_thrombocytopenia_strengthens_the_wording(kb, today, count, stronger):
    chart = on_mtx(today).lab(PLATELETS, count, "10*9/L", day=-5)
    card, entry = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2))
    assert ("Higher risk here" in card["detail"]) is stronger
    assert (entry["facts"]["risk_factors"] is not None) is stronger


def test_both_drafted_together_fire(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED)
    chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"])
    chart.draft(TMP_SMX_DS, 1, "{tbl}", day_of_week=["mon", "wed", "fri"])
    card, _ = _result(kb, today, chart)
    assert card is not None and "(drafted) with methotrexate 2.5 MG Oral Tablet (drafted)" in card["detail"]


def test_a_per_kg_per_day_tmp_dose_split_twice_a_day_is_not_doubled(kb, today):
    """TMP 5 mg/kg/day BID at 60 kg is 300 mg/day, a prophylactic dose (it was read as 600 mg/day, 'treatment')."""
    card, entry = _result(kb, today, on_mtx(today).weight(60).draft(TMP_SMX_DS, 5, "mg/kg/day", frequency=2))
    assert card["indicator"] == "warning" and entry["status"] == "fired"
    assert "prophylactic" in card["summary"]


def _sig_only(chart, text):
    resource = chart.medication_request(TMP_SMX_DS, 1, "{tbl}", start=0, status="draft", intent="proposal", text=text)
    del resource["dosageInstruction"][0]["timing"]
    return chart.draft_resource(resource)


@pytest.mark.parametrize("text", ["1 tablet by mouth 2 times a day", "1 tablet by mouth 2 times daily",
                                  "1 tablet by mouth every 12 hours", "1 tablet 2x daily"])
def test_text_frequency_in_figures_or_hours_gives_the_treatment_dose(kb, today, text):
    """DS "2 times a day" is 320 mg TMP/day, a treatment dose (it was read as "a day": 160 mg, prophylactic)."""
    card, entry = _result(kb, today, _sig_only(on_mtx(today), text))
    assert entry["facts"]["tmp_mg_per_day"] == 320 and entry["facts"]["regimen"] == "treatment"
    assert card["indicator"] == "critical"


def test_weekdays_named_in_the_text_count_one_dose_each(kb, today):
    _, entry = _result(kb, today, _sig_only(on_mtx(today), "1 tablet every Monday, Wednesday and Friday"))
    assert entry["facts"]["tmp_mg_per_day"] == pytest.approx(160 * 3 / 7, abs=0.1)
    assert entry["facts"]["regimen"] == "prophylactic"


@pytest.mark.parametrize(("weighed", "regimen", "indicator"), [(-3, "treatment", "critical"),
                                                               (-10, "unknown", "critical")])
def test_a_childs_regimen_is_judged_per_kg_and_never_prophylactic_without_a_current_weight(kb, today, weighed,
                                                                                           regimen, indicator):
    """9 years, 18 kg: one single-strength tablet twice daily is 160 mg TMP a day, 8.9 mg/kg/day (a treatment
    dose). A 10-day-old weight is stale for a child; the adult 320 mg/day line used to call it prophylactic."""
    chart = on_mtx(today, age=9).weight(18, day=weighed)
    chart.draft(TMP_SMX_SS, 1, "{tbl}", frequency=2)
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == regimen and card["indicator"] == indicator


def test_instructions_given_together_add_up_to_a_treatment_dose(kb, today):
    """One DS tablet in the morning and one in the evening, written as two instructions, are 320 mg a day."""
    chart = on_mtx(today).draft(TMP_SMX_DS, 1, "{tbl}", text="1 tablet in the morning")
    chart.given_with(text="1 tablet in the evening")
    card, entry = _result(kb, today, chart)
    assert card["indicator"] == "critical" and entry["facts"]["tmp_mg_per_day"] == 320


def test_a_prophylactic_draft_does_not_hide_an_active_treatment_course(kb, today):
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-200)
    chart.medication(TMP_SMX_DS, 1, "{tbl}", frequency=2, start=-2, resource_id="tmp-treatment")
    chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"], resource_id="mtx-draft")
    chart.draft(TMP_SMX_DS, 1, "{tbl}", period_unit="wk", frequency=3, day_of_week=["mon", "wed", "fri"])
    card, entry = _result(kb, today, chart)
    assert card["indicator"] == "critical" and entry["facts"]["regimen"] == "treatment"
    assert "(active) with methotrexate" in card["detail"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/mtx-draft"


@pytest.mark.parametrize(("age", "atovaquone_order"), [(9, False), (40, True)])
def test_a_child_is_not_offered_the_adult_atovaquone_dose(kb, today, age, atovaquone_order):
    """9 years, 30 kg, prophylactic TMP/SMX: the switch offered atovaquone 1,500 mg, the adult dose."""
    chart = on_mtx(today, age=age).weight(30, day=-1)
    chart.draft(TMP_SMX_SS, 1, "{tbl}")
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == "prophylactic"
    switch = card["suggestions"][1]["actions"][-1]
    assert (switch["resource"]["resourceType"] == "MedicationRequest") is atovaquone_order
    assert ("atovaquone 1,500 mg PO daily" in card["detail"]) is atovaquone_order
    if not atovaquone_order:  # and TMP/SMX is not cancelled before the child has an alternative
        assert switch["description"].startswith("Paediatric pharmacy consult") and "dosed by weight" in card["detail"]
        assert [a["type"] for a in card["suggestions"][1]["actions"]] == ["create"]


def test_a_childs_paediatric_pharmacy_consult_is_coded_as_a_referral_to_pharmacist(kb, today):
    """The consult went as text only; it is coded as R24's is: SNOMED CT 306362008 'Referral to pharmacist'."""
    request = fhir_fixtures.get("r11-fires-child-prophylactic-pharmacy-consult").request(today)
    card = fired(run(kb, request, today))[RULE]
    consult = card["suggestions"][1]["actions"][0]["resource"]
    assert consult["resourceType"] == "ServiceRequest"
    assert consult["code"]["coding"] == [{"system": SNOMED, "code": "306362008",
                                          "display": "Referral to pharmacist (procedure)"}]
    assert consult["code"]["text"] == "Paediatric pharmacy consult: atovaquone for PJP prophylaxis, dosed by weight"


@pytest.mark.parametrize(("age", "higher_risk"), [(50, False), (70, True)])
def test_trimethoprim_alone_is_not_switched_to_atovaquone(kb, today, age, higher_risk):
    """Trimethoprim 100 mg nightly (UTI prophylaxis) is not PJP prophylaxis: the card offered to cancel it for
    atovaquone 1,500 mg (a PJP drug that does nothing for the urinary indication), recommended at age 70."""
    chart = on_mtx(today, age=age).draft(TRIMETHOPRIM_100, 100, "mg", resource_id="tmp-uti",
                                         text="100 mg at night for recurrent UTI prophylaxis")
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == "prophylactic" and card["summary"].startswith("Methotrexate + trimethoprim")
    keep, switch = card["suggestions"]
    assert keep["label"] == "Keep prophylactic trimethoprim and monitor the CBC"
    assert switch["label"] == f"Cancel {TRIMETHOPRIM_100[2]}; choose another agent for its indication"
    assert switch["actions"] == [{"type": "delete", "description": f"Cancel {TRIMETHOPRIM_100[2]} (100 mg once a day)",
                                  "resourceId": "MedicationRequest/tmp-uti"}]
    assert switch["isRecommended"] is higher_risk and keep["isRecommended"] is not higher_risk
    assert "atovaquone 1,500 mg" not in card["detail"] and "prefer atovaquone" not in card["detail"]
    assert "trimethoprim alone is not PJP prophylaxis" in card["detail"]


def test_a_child_on_trimethoprim_alone_is_not_sent_for_atovaquone(kb, today):
    chart = on_mtx(today, age=9).weight(30, day=-1).draft(TRIMETHOPRIM_100, 2, "mg/kg")  # 60 mg a day
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == "prophylactic"
    assert not any("atovaquone" in s["label"].lower() for s in card["suggestions"])


@pytest.mark.parametrize("draft", [
    (RXNORM, "1000002", "polymyxin B sulfate 10000 UNT/ML / trimethoprim 1 MG/ML Ophthalmic Solution"),
    "trimethoprim 1 mg/mL / polymyxin B eye drops",
])
def test_trimethoprim_eye_drops_do_not_interact_with_methotrexate(kb, today, draft):
    """Polymyxin B/trimethoprim eye drops four times a day raised a critical 'TMP dose unknown' card."""
    card, entry = _result(kb, today, on_mtx(today).draft(draft, 1, "{drop}", frequency=4))
    assert card is None and entry["status"] == "not-fired"
    assert "local forms do not count" in entry["reason"]


def test_trimethoprim_given_by_an_eye_route_does_not_interact(kb, today):
    chart = on_mtx(today).draft("trimethoprim 1 mg/mL / polymyxin B 10,000 units/mL solution", 1, "{drop}",
                                frequency=4, route={"text": "Ophthalmic"})
    assert _result(kb, today, chart)[0] is None
    oral = on_mtx(today).draft(TRIMETHOPRIM_100, 100, "mg", route={"text": "Oral"})
    assert _result(kb, today, oral)[0] is not None


def test_active_eye_drops_do_not_stop_a_methotrexate_draft(kb, today):
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-200)
    chart.medication("polymyxin B / trimethoprim ophthalmic solution", 1, "{drop}", start=-3, frequency=4)
    chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"])
    card, entry = _result(kb, today, chart)
    assert card is None and entry["facts"]["tmp_local_forms"] == "polymyxin B / trimethoprim ophthalmic solution"


def test_a_route_that_rules_a_local_form_out_is_systemic(kb, today):
    """'By mouth (not topical)' named a local form only to rule it out; it was read as a local route and the
    trimethoprim was passed over (routes.route_words drops ruled-out routes)."""
    chart = on_mtx(today).draft(TRIMETHOPRIM_100, 100, "mg", route={"text": "By mouth (not topical)"})
    assert _result(kb, today, chart)[0] is not None


@pytest.mark.parametrize(("age", "weighed", "window"), [(9, -10, 7), (55, -31, 30)])
def test_a_missing_weight_is_said_with_the_window_that_applied(kb, today, age, weighed, window):
    """A child's dosing weight is at most 7 days old (section 4.2, as R33 says): with a weight 10 days old, the card
    said 'no current weight (30 days)', the adult window; it also says which weight is too old."""
    if age < 18:
        request = fhir_fixtures.get("r11-fires-child-weight-based-tmp-smx-weight-10-days-old").request(today)
        card = fired(run(kb, request, today))[RULE]
        assert ("8 mg/kg/day (4 mg/kg TMP each time, 14 doses a week); mg/day not computed: no weight in the last 7 "
                f"days (latest 30 kg on {today - timedelta(days=10)}, too old)") in card["detail"]
    card, _ = _result(kb, today, on_mtx(today, age=age).weight(30, day=weighed).draft(TMP_SMX_SS, 4, "mg/kg",
                                                                                       frequency=2))
    assert (f"mg/day not computed: no weight in the last {window} days (latest 30 kg on "
            f"{today + timedelta(days=weighed)}, too old)") in card["detail"]


@pytest.mark.parametrize("code", [(RXNORM, "198335", "sulfamethoxazole-trimethoprim 800 mg-160 mg tablet"),
                                  (RXNORM, "000", "sulfamethoxazole-trimethoprim 800 mg-160 mg tablet")])
def test_a_ds_tablet_named_with_joined_strengths_is_160_mg_of_trimethoprim(kb, today, code):
    # one DS tablet Mon/Wed/Fri is prophylaxis, not '800 mg TMP' treatment (coded or by name alone)
    chart = on_mtx(today).draft(code, 1, "{tbl}", day_of_week=["mon", "wed", "fri"])
    _, entry = _result(kb, today, chart)
    assert entry["facts"]["tmp_mg_per_day"] == pytest.approx(160 * 3 / 7, abs=0.1)
    assert entry["facts"]["regimen"] == "prophylactic"


@pytest.mark.parametrize(("timing", "why"), [
    ({}, "frequency not given"),
    ({"code": {"coding": [{"code": "SOMETIMES"}]}}, "timing not readable (code SOMETIMES)"),
    ({"repeat": {"frequency": -1, "period": 1, "periodUnit": "d"}}, "timing not readable (frequency -1, period 1 d)")])
def test_r11_a_per_kg_per_day_dose_with_no_frequency_read_says_why(kb, today, timing, why):
    """TMP 5 mg/kg/day with no frequency read: its dose each time is not known, so the regimen is unknown (the
    combination's warning stands). The basis said '5 mg/kg/day with no frequency to share it over the day' whatever
    the timing wrote; it names the timing that cannot be read (dosing.why_no_rate)."""
    chart = on_mtx(today).weight(60).draft(TMP_SMX_DS, 5, "mg/kg/day", frequency=2)
    chart.drafts[-1]["dosageInstruction"][0]["timing"] = timing
    card, entry = _result(kb, today, chart)
    assert entry["facts"]["regimen"] == "unknown" and card["summary"].endswith("TMP dose unknown")
    assert entry["facts"]["tmp_basis"] == f"5 mg/kg/day with its {why}"
    assert f"TMP dose: not readable (5 mg/kg/day with its {why})" in card["detail"]


def test_weekly_methotrexate_charted_dose_by_dose_is_in_use_between_doses(kb, today):
    """Methotrexate 25 mg SC charted as a completed one-day order per weekly dose (the last 2 days ago) with a
    treatment-dose TMP/SMX draft was quiet ("no draft bringing methotrexate and trimethoprim together"): only current
    orders counted (found by review). The order given last is named with its next dose, which the card holds: there
    is no current order to discontinue."""
    chart = mtx_dose_by_dose(today, -23, -16, -9, -2).draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, resource_id="tmp")
    card, entry = _result(kb, today, chart)
    assert card["indicator"] == "critical"
    last, due = chart.at(-2), chart.at(5)
    assert (f"methotrexate 25 MG/ML Injectable Solution (no current order: last given {last}, next dose due {due})"
            in card["detail"])
    assert entry["facts"]["methotrexate_between_doses"] == (
        f"methotrexate 25 MG/ML Injectable Solution: last given {last}, next dose due {due}")
    cancel, hold = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/tmp"]
    assert "hold the next methotrexate dose" in hold["label"] and deleted(hold) == []
    assert hold["actions"][0]["resource"]["resourceType"] == "ServiceRequest"


def test_r11_a_methotrexate_dose_past_its_day_is_said_overdue_not_due(kb, today):
    """The last weekly dose 10 days ago: the next was due 3 days ago. The card said "hold the methotrexate dose due"
    on a day already past (found by review); it is overdue, and may have been given without being charted."""
    chart = mtx_dose_by_dose(today, -24, -17, -10).draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, resource_id="tmp")
    card, _ = _result(kb, today, chart)
    assert (f"next dose overdue since {chart.at(-3)} (it may have been given and not charted)"
            in " ".join(card["detail"].split()))


@pytest.mark.parametrize(("last", "period_weeks", "fires"), [
    (-14, 1, True), (-15, 1, False),  # a week, then a late dose's 7 days (dose_gap_bridge_days)
    (-21, 2, True), (-22, 2, False),  # every 2 weeks: its own interval
])
def test_methotrexate_given_last_is_in_use_until_its_next_dose_is_a_week_overdue(kb, today, last, period_weeks,
                                                                                  fires):
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-200)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=last, end=last, status="completed", period=period_weeks,
                     period_unit="wk")
    card, entry = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2))
    assert (card is not None) is fires
    assert (entry["facts"]["methotrexate_between_doses"] is not None) is fires


def test_a_weekly_order_whose_end_date_just_passed_is_still_in_use(kb, today):
    """An 'active' weekly order whose end date passed 3 days ago (a renewal not yet written) is not current, yet its
    next dose is due in days."""
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-200)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, end=-3, period_unit="wk")
    card, _ = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2))
    assert card is not None and card["indicator"] == "critical"


def test_methotrexate_stopped_days_ago_is_not_in_use(kb, today):
    """A stop says no dose follows: holding methotrexate for the course is what the card itself advises."""
    chart = mtx_dose_by_dose(today, -2, status="stopped").draft(TMP_SMX_DS, 1, "{tbl}", frequency=2)
    card, entry = _result(kb, today, chart)
    assert card is None and entry["facts"]["methotrexate_between_doses"] is None


def test_a_methotrexate_draft_is_named_before_the_dose_given_last(kb, today):
    """The next weekly dose drafted beside the TMP/SMX draft is the methotrexate the card is about."""
    chart = mtx_dose_by_dose(today, -9, -2)
    chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["fri"])
    card, _ = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2))
    assert "with methotrexate 2.5 MG Oral Tablet (drafted)" in card["detail"]


def _on_mtx_held(today, age=55):
    """Weekly methotrexate on the chart, on hold (current: FHIR expects it to resume)."""
    chart = Chart(today, age=age, sex="female").condition(IMNM_SNOMED, onset=-200)
    return chart.medication(METHOTREXATE_2_5, 20, "mg", start=-150, period_unit="wk", day_of_week=["mon"],
                            status="on-hold", resource_id="mtx-held")


@pytest.mark.parametrize(("age", "higher_risk"), [(55, False), (72, True)])
def test_methotrexate_on_hold_is_named_so_and_kept_held_not_held_again(kb, today, age, higher_risk):
    """Methotrexate on hold was named "(active)" and the card offered to hold it (found by review): it is named as
    held, and the card says to keep it held through the TMP/SMX course and restart it after, with CBC monitoring."""
    chart = _on_mtx_held(today, age).draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, count=14, resource_id="tmp")
    card, _ = _result(kb, today, chart)
    detail = " ".join(card["detail"].split())
    assert card["indicator"] == "critical"
    assert "with methotrexate 2.5 MG Oral Tablet (on hold)." in detail and "(active)" not in detail
    assert ("or keep methotrexate on hold (it is held now) until the TMP/SMX course is over, restart it after, and "
            "monitor the CBC." in detail)
    assert ("if TMP/SMX is essential, keep methotrexate on hold and check the CBC weekly" in detail) is higher_risk
    cancel, keep_held = card["suggestions"]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/tmp"]
    assert keep_held["label"] == ("Keep TMP/SMX; keep methotrexate on hold until the course is over, restart it "
                                  "after, and monitor the CBC")
    assert deleted(keep_held) == [] and not keep_held["isRecommended"]
    assert [a["resource"]["resourceType"] for a in keep_held["actions"]] == ["ServiceRequest"]


def test_a_methotrexate_draft_beside_one_on_hold_is_the_methotrexate_named(kb, today):
    """The draft is the next dose (it restarts the order on hold): the card does not say to keep methotrexate held."""
    chart = _on_mtx_held(today).draft(METHOTREXATE_2_5, 20, "mg", period_unit="wk", day_of_week=["mon"])
    card, _ = _result(kb, today, chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2))
    assert "with methotrexate 2.5 MG Oral Tablet (drafted)" in card["detail"]
    assert "keep methotrexate on hold" not in " ".join(card["detail"].split())


def test_tmp_smx_on_hold_on_the_chart_is_named_so(kb, today):
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-200)
    chart.medication(TMP_SMX_DS, 1, "{tbl}", frequency=2, start=-2, status="on-hold")
    card, _ = _result(kb, today, chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"]))
    assert f"{TMP_SMX_DS[2]} (on hold) with methotrexate 2.5 MG Oral Tablet (drafted)" in card["detail"]
