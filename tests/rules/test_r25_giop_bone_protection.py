"""R25 giop-bone-protection: exposure edges, the DXA window anchored on T_tx, and only-what-is-missing orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    EGFR,
    ICD10,
    IMNM_SNOMED,
    LOINC,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    RXNORM,
    Chart,
)
from fhir_fixtures.r25_giop_bone_protection import unweighed_chart
from tests.conftest import TODAY, UNREADABLE_PREDNISONE_DOSES, explained, fired, make_dose_unreadable, run, with_params

RULE = "giop-bone-protection"
CPT = "http://www.ama-assn.org/go/cpt"
CPT_DXA = (CPT, "77080", "DXA axial skeleton")
CALCIUM = (RXNORM, "1897", "Calcium Carbonate")
VITAMIN_D3 = (RXNORM, "2418", "Cholecalciferol")
HIP_T_SCORE = (LOINC, "38264-8", "DXA Hip [T-score] Bone density")
SPINE_T_SCORE = (LOINC, "38267-1", "DXA Lumbar spine [T-score] Bone density")
DYSPHAGIA = (ICD10, "R13.12", "Dysphagia, oropharyngeal phase")
ALENDRONATE = (RXNORM, "46041", "Alendronate")


def _card(kb, chart, today):
    return fired(run(kb, chart.request("patient-view"), today)).get(RULE)


def _entry(kb, chart, today):
    result = run(kb, chart.request("patient-view"), today)
    return explained(result, RULE)


def _low_dose(today, dose=5.0, start=-89, age=63):
    return Chart(today, age=age).medication(PREDNISONE_5, dose, "mg", start=start)


def _on_alendronate(chart):
    """``chart`` with weekly alendronate current: its glucocorticoid dose (>= 30 mg/day for more than 30 days, or 5 g
    in a year: very high fracture risk) calls for a drug, so the DXA alone is asked about."""
    return chart.medication(ALENDRONATE, 70, "mg", start=-20, period=1, period_unit="wk")


def test_long_term_edges(kb, today):
    assert _card(kb, _low_dose(today, start=-89), today) is not None  # 90 days
    assert _card(kb, _low_dose(today, start=-88), today) is None  # 89 days
    assert _card(kb, _low_dose(today, dose=2.5), today) is not None
    assert _card(kb, _low_dose(today, dose=2.4, start=-300), today) is None


def test_a_renewal_a_few_days_late_does_not_restart_the_90_days(kb, today):
    """5 mg/day for 120 days with three days between the first order's end and the renewal: long-term use."""
    chart = _low_dose(today, start=-57).medication(PREDNISONE_5, 5, "mg", start=-119, end=-61, status="completed")
    entry = _entry(kb, chart, today)
    assert entry["status"] == "fired" and entry["facts"]["days_at_or_above_2.5_mg"] == 120
    assert entry["facts"]["gaps_counted"] == f"{chart.at(-60)} to {chart.at(-58)}"


def test_iim_on_high_dose_now_fires_early_only_for_myositis(kb, today):
    iim = Chart(today).condition(IMNM_SNOMED, onset=-20).medication(PREDNISONE_20, 20, "mg", start=-10)
    assert _card(kb, iim, today) is not None
    below = Chart(today).condition(IMNM_SNOMED, onset=-20).medication(PREDNISONE_20, 19, "mg", start=-10)
    assert _card(kb, below, today) is None
    no_myositis = Chart(today).medication(PREDNISONE_20, 60, "mg", start=-10)
    assert _card(kb, no_myositis, today) is None


def test_adult_age_edge_and_missing_birth_date(kb, today):
    adult, child = _card(kb, _low_dose(today, age=18), today), _card(kb, _low_dose(today, age=17), today)
    assert adult["summary"] == "Bone protection incomplete on long-term steroids: no calcium/vitamin D, no DXA"
    assert child["summary"] == "Bone protection incomplete for a child on long-term steroids: no calcium/vitamin D"
    result = run(kb, _low_dose(today, age=None).request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable" and "birth date" in entry["reason"]


def test_suggests_only_what_is_missing(kb, today):
    chart = _low_dose(today).medication(CALCIUM, 500, "mg", start=-80, frequency=2)
    chart.medication(VITAMIN_D3, 1000, "[iU]", start=-80)
    card = _card(kb, chart, today)
    assert card["summary"] == "Bone protection incomplete on long-term steroids: no DXA"
    assert [s["label"] for s in card["suggestions"]] == ["DXA hip/spine with vertebral fracture assessment"]
    dxa = card["suggestions"][0]["actions"][0]["resource"]
    assert dxa["resourceType"] == "ServiceRequest"
    assert dxa["code"]["coding"][0] == {"system": CPT, "code": "77085", "display": dxa["code"]["coding"][0][
        "display"]}
    assert "vertebral fracture assessment" in dxa["code"]["text"]


def test_calcium_vitamin_d_orders(kb, today):
    chart = _low_dose(today).procedure(CPT_DXA, day=-60)
    card = _card(kb, chart, today)
    assert card["summary"].endswith("no calcium/vitamin D")
    calcium, vitamin_d, level = (a["resource"] for a in card["suggestions"][0]["actions"])
    assert calcium["medicationCodeableConcept"]["coding"][0]["code"] == "1897"
    assert calcium["dosageInstruction"][0]["timing"]["repeat"]["frequency"] == 2
    assert calcium["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 500
    assert vitamin_d["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1000
    assert level["code"]["text"].startswith("25-hydroxyvitamin D")


def test_dxa_must_not_predate_the_course_by_more_than_six_months(kb, today):
    def chart(dxa_day):
        c = Chart(today).condition(IMNM_SNOMED, onset=-40)
        c.medication(PREDNISONE_20, 60, "mg", start=-30)  # T_tx = D-30
        c.medication(CALCIUM, 500, "mg", start=-30, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-30)
        return _on_alendronate(c.procedure(CPT_DXA, day=dxa_day))
    assert _card(kb, chart(-210), today) is None  # T_tx - 180 d: counts
    late = _entry(kb, chart(-211), today)
    assert late["status"] == "fired"
    assert late["facts"]["dxa_counts_from"] == (today - timedelta(days=210)).isoformat()


def test_with_t_tx_unknown_a_dxa_counts_only_if_it_postdates_every_possible_t_tx(kb, today):
    """Prednisone 25 mg/day for a year and no body weight: T_tx is unknown (the course is T_tx at 50 kg or less).
    R25 read that as 'no T_tx' and counted a DXA 600 days old that predates the course by 8 months, while the same
    chart with a 45 kg weight asked for a DXA (audit F5). T_tx may be as late as the course's first day (not today:
    review), so a DXA counts only from 180 days before it; a weight that settles T_tx settles the DXA too."""
    def unweighed(dxa_day, weight_kg=None):
        return _on_alendronate(unweighed_chart(today, dxa_day=dxa_day, weight_kg=weight_kg))
    card = _card(kb, unweighed(-600), today)
    entry = _entry(kb, unweighed(-600), today)
    assert card["summary"] == "Bone protection incomplete on long-term steroids: no DXA"
    assert entry["facts"]["t_tx"] is None and "50 kg or less" in entry["facts"]["t_tx_unknown"]
    assert entry["facts"]["dxa_counts_from"] == (today - timedelta(days=545)).isoformat()
    said = entry["facts"]["t_tx_unknown"].replace("T_tx unknown: ", "Treatment start unknown: ")
    assert (f"more than 180 days before the latest day treatment may have started ({today - timedelta(days=365)}, "
            f"365 days ago). {said}. Until it is known, only a DXA from {today - timedelta(days=545)} on counts."
            ) in card["detail"]
    assert "T_tx" not in card["detail"]  # the table's shorthand, not a card's words (review of task E)
    assert _card(kb, unweighed(-545), today) is None
    assert _card(kb, unweighed(-546), today) is not None
    assert _card(kb, unweighed(-600, weight_kg=45), today) is not None  # T_tx D-365
    known = _entry(kb, unweighed(-600, weight_kg=90), today)  # no T_tx: 24 months
    assert known["status"] == "not-fired" and known["facts"]["t_tx_unknown"] is None
    assert entry["facts"]["t_tx_latest_possible"] == (today - timedelta(days=365)).isoformat()


def test_with_t_tx_unknown_a_dxa_after_the_course_began_counts(kb, today):
    """Prednisone 25 mg/day for 800 days, never weighed, and a DXA 400 days ago, well after the course began: R25
    took T_tx to be possibly today and asked for a DXA 'from before this glucocorticoid course' (review). Whichever
    day T_tx is, it is no later than the course's first day."""
    entry = _entry(kb, _on_alendronate(unweighed_chart(today, dxa_day=-400, course_start=-800)), today)
    assert entry["status"] == "not-fired" and entry["facts"]["t_tx_unknown"] is not None
    assert entry["facts"]["dxa"].endswith(f"({today - timedelta(days=400)})")


def test_a_dxa_older_than_24_months_is_not_explained_by_an_unknown_t_tx(kb, today):
    card = _card(kb, unweighed_chart(today, dxa_day=-800), today)
    assert (f"({today - timedelta(days=800)}), more than 730 days old and more than 180 days before the latest day "
            f"treatment may have started ({today - timedelta(days=365)}, 365 days ago).") in card["detail"]
    assert "Until it is known" not in card["detail"]


@pytest.mark.parametrize(("weight_kg", "before"), [
    (None, "the latest day treatment may start (IV methylprednisolone from 2026-11-22, in 1 day)"),
    (90, "the treatment planned (IV methylprednisolone from 2026-11-22)")])
def test_a_planned_pulse_is_not_said_to_have_started(kb, today, weight_kg, before):
    """Prednisone 25 mg/day for a year, a DXA 300 days ago, and a pulse current on the chart from tomorrow
    (courses.planned): T_tx comes by the pulse, so only a DXA from 180 days before it counts (as before). The card said
    "treatment may have started as late as 2026-11-22" and "before treatment started (2026-11-22)", a day to come; it
    says the pulse is planned, in the one wording of the latest day T_tx may be (TreatmentStart.latest_words)."""
    chart = _on_alendronate(unweighed_chart(today, dxa_day=-300, weight_kg=weight_kg))
    card = _card(kb, chart.medication(METHYLPRED_1000, 1000, "mg", start=1, end=3, route=ROUTE_IV), today)
    assert card["summary"] == "Bone protection incomplete on long-term steroids: no DXA"
    assert f"(2026-01-25), more than 180 days before {before}." in card["detail"]
    assert "started (2026-11-22)" not in card["detail"] and "may have started" not in card["detail"]
    assert ("Until it is known, only a DXA from 2026-05-26 on counts." in card["detail"]) is (weight_kg is None)


def test_the_card_gives_the_reason_a_dxa_does_not_count(kb, today):
    """A DXA 23 months old that predates the course (T_tx 30 days ago) read "older than 24 months or from before this
    glucocorticoid course": the card now gives the reason that applies, or both."""
    def chart(dxa_day, course_start=-30):
        c = Chart(today).condition(IMNM_SNOMED, onset=-40).medication(PREDNISONE_20, 60, "mg", start=course_start)
        c.medication(CALCIUM, 500, "mg", start=-30, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-30)
        return c.procedure(CPT_DXA, day=dxa_day)
    started = today - timedelta(days=30)
    reasons = {-700: f"more than 180 days before treatment started ({started})",
               -800: f"more than 730 days old and more than 180 days before treatment started ({started})"}
    for dxa_day, reason in reasons.items():
        assert f"({today - timedelta(days=-dxa_day)}), {reason}." in _card(kb, chart(dxa_day), today)["detail"]
    old_only = _low_dose(today).medication(CALCIUM, 500, "mg", start=-80, frequency=2).procedure(CPT_DXA, day=-800)
    assert f"({today - timedelta(days=800)}), more than 730 days old." in _card(kb, old_only, today)["detail"]


def test_fracture_risk_without_drug_suggests_alendronate(kb, today):
    chart = _low_dose(today, age=35).procedure(CPT_DXA, day=-60).condition("Vertebral compression fracture",
                                                                             onset=-200)
    chart.medication(CALCIUM, 500, "mg", start=-80, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-80)
    card = _card(kb, chart, today)
    assert card["summary"].endswith("no osteoporosis drug")
    assert "Vertebral compression fracture" in card["detail"]
    assert "FRAX does not apply under 40" in card["detail"]
    alendronate = card["suggestions"][0]["actions"][0]["resource"]
    assert alendronate["medicationCodeableConcept"]["coding"][0]["code"] == "46041"
    repeat = alendronate["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (1, "wk")


def test_complete_protection_is_quiet_with_facts(kb, today):
    chart = _low_dose(today).procedure(CPT_DXA, day=-60)
    chart.medication(CALCIUM, 500, "mg", start=-80, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-80)
    entry = _entry(kb, chart, today)
    assert entry["status"] == "not-fired" and entry["facts"]["missing"] is None
    assert entry["facts"]["dxa"].startswith("DXA axial skeleton")


def test_order_sign_never_fires(kb, today):
    chart = _low_dose(today).draft(PREDNISONE_5, 5, "mg")
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))


def _unreadable(today, end, start=-400, status="active"):
    """An adult whose only glucocorticoid order has no dose and ends on day ``end``."""
    return Chart(today, age=63).medication(PREDNISONE_20, None, None, start=start, end=end, status=status)


def test_an_unreadable_course_counts_until_its_end_date_whatever_its_status_says(kb, today):
    """An order left 'active' after its end date counted as given in the 90-day window whenever it ended, so its
    unreadable dose kept R25 'not evaluable' for good (found by review)."""
    on_first_day = _entry(kb, _unreadable(today, end=-89), today)  # last given on the window's first day
    assert on_first_day["status"] == "not-evaluable"
    assert on_first_day["facts"]["unreadable_glucocorticoid_courses"] == f"{PREDNISONE_20[2]} (no scheduled dose given)"
    before = _entry(kb, _unreadable(today, end=-90), today)
    assert before["status"] == "not-fired" and before["facts"]["unreadable_glucocorticoid_courses"] is None
    assert before["reason"].startswith("no long-term glucocorticoid exposure")


def test_an_undated_unreadable_course_counts_until_its_end_date(kb, today):
    """With no start date the end date still says when it was last given: such an order counted if and only if
    its status said current, however recently or long ago it ended."""
    ended_in_window = _unreadable(today, end=-89, start=None, status="completed")
    assert _entry(kb, ended_in_window, today)["status"] == "not-evaluable"
    ended_before = _unreadable(today, end=-90, start=None, status="active")
    assert _entry(kb, ended_before, today)["status"] == "not-fired"


def test_a_child_gets_age_appropriate_calcium_and_vitamin_d_and_no_dxa_or_adult_doses(kb, today):
    """Section 2, definition 4: under 18 the DXA/FRAX part of R25 does not apply, but ACR 2022 advises
    age-appropriate calcium and vitamin D for every patient on glucocorticoids. A 17-year-old on 30 mg/day for four
    months used to get nothing ('adult-only rule')."""
    chart = Chart(today, age=17).condition(IMNM_SNOMED, onset=-150).medication(PREDNISONE_20, 30, "mg", start=-120)
    entry = _entry(kb, chart, today)
    assert entry["status"] == "fired" and entry["facts"]["paediatric"] is True
    card = _card(kb, chart, today)
    assert "DXA" not in card["summary"] and "alendronate" not in card["detail"].lower()
    assert "1,300 mg/day aged 9-18" in card["detail"] and "vitamin D 600 IU/day" in card["detail"]
    [suggestion] = card["suggestions"]
    vitamin_d, level, dietitian = (a["resource"] for a in suggestion["actions"])
    assert vitamin_d["medicationCodeableConcept"]["coding"][0]["code"] == "2418"
    assert vitamin_d["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 600, "unit": "[iU]", "system": "http://unitsofmeasure.org", "code": "[iU]"}
    assert level["code"]["text"].startswith("25-hydroxyvitamin D")
    assert dietitian["code"]["text"].startswith("Paediatric dietitian")


def test_an_infant_is_offered_400_iu(kb, today):
    card = _card(kb, _low_dose(today, age=0, dose=2.5), today)
    dose = card["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]
    assert dose["doseQuantity"]["value"] == 400 and "vitamin D 400 IU/day" in card["detail"]


def test_a_child_with_vitamin_d_is_quiet_without_a_dxa(kb, today):
    chart = _low_dose(today, age=12).medication(VITAMIN_D3, 600, "[iU]", start=-80)
    entry = _entry(kb, chart, today)
    assert entry["status"] == "not-fired" and entry["reason"] == "child: calcium/vitamin D in place"


def test_a_child_with_a_fragility_fracture_is_referred_not_given_an_adult_drug(kb, today):
    chart = _low_dose(today, age=12).medication(VITAMIN_D3, 600, "[iU]", start=-80)
    chart.condition("Vertebral compression fracture", onset=-30)
    card = _card(kb, chart, today)
    assert card["summary"] == ("Bone protection incomplete for a child on long-term steroids: no bone-health "
                               "specialist")
    assert "Vertebral compression fracture" in card["detail"]
    [suggestion] = card["suggestions"]
    [referral] = (a["resource"] for a in suggestion["actions"])
    assert referral["resourceType"] == "ServiceRequest" and referral["priority"] == "urgent"
    assert "paediatric bone-health specialist" in referral["code"]["text"]


def test_a_partial_birth_date_that_may_be_a_childs_gets_the_childs_doses(kb, today):
    """Born in 2008 may still be 17 on 2026-11-21: the paediatric split reads the youngest possible age, as the
    dosing rules do, so no adult calcium dose or DXA is ordered for a possible child."""
    chart = Chart(today, birth_date="2008").medication(PREDNISONE_5, 5, "mg", start=-89)
    card = _card(kb, chart, today)
    assert card["summary"].startswith("Bone protection incomplete for a child")


ALENDRONATE = (RXNORM, "46041", "Alendronate")


def test_a_childs_card_names_a_past_osteoporosis_drug_as_given_not_active(kb, today):
    """A weekly bisphosphonate counts as protection for its interval and a month late after its last dose (not a
    year: bone._in_use), but the card must not call a completed course 'active' (the adult card's wording, one list
    for both)."""
    chart = _low_dose(today, age=12).condition("Vertebral compression fracture", onset=-300)
    chart.medication(ALENDRONATE, 70, "mg", start=-250, end=-20, status="completed", period=1, period_unit="wk")
    card = _card(kb, chart, today)
    assert "In place: Alendronate." in card["detail"]
    assert "Alendronate (active)" not in card["detail"]


def test_an_infants_calcium_is_from_breast_milk_or_formula(kb, today):
    card = _card(kb, _low_dose(today, age=0, dose=2.5), today)
    assert "breast milk or formula under 1 year: about 200-260 mg/day" in card["detail"]


def test_a_childs_card_does_not_list_a_dxa_as_protection_in_place(kb, today):
    """DXA does not apply under 18 (the card says so): a child's 'In place' list names treatments only."""
    chart = _low_dose(today, age=12).procedure(CPT_DXA, day=-100)
    card = _card(kb, chart, today)
    assert "In place:" not in card["detail"] and "DXA axial skeleton" not in card["detail"]


def test_the_dxa_in_place_is_named_once(kb, today):
    """Review: 'In place: ...; DXA DXA bone density study, axial skeleton (...)'."""
    card = fired(run(kb, fhir_fixtures.get("r25-fires-alendronate-stopped-before-its-end-date").request(today),
                     today))[RULE]
    assert "DXA DXA" not in card["detail"] and "; DXA bone density study, axial skeleton (" in card["detail"]


def _fracture_with_alendronate(today, age, status, start=-400):
    """Long-term prednisone 5 mg/day, calcium, vitamin D and a DXA in place, a vertebral fracture on file, and weekly
    alendronate from ``start`` with its end date at D+30, ``status``."""
    chart = _low_dose(today, age=age).procedure(CPT_DXA, day=-60).condition("Vertebral compression fracture",
                                                                             onset=-500)
    chart.medication(CALCIUM, 500, "mg", start=-80, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-80)
    chart.medication(ALENDRONATE, 70, "mg", start=start, end=30, status=status, period=1, period_unit="wk")
    return chart


@pytest.mark.parametrize(("age", "missing"), [(63, "osteoporosis drug"), (12, "bone-health specialist")])
def test_an_osteoporosis_drug_that_ended_before_its_end_date_is_named_and_not_counted(kb, today, age, missing):
    """Alendronate from D-400 stopped before its end date at D+30, on a day the chart does not give, was read as
    given up to today and hid the missing drug. Bone protection errs early: it was given on its first day, more than
    a year ago, so the drug is missing and the card names the one not counted. The same order active is in place."""
    chart = _fracture_with_alendronate(today, age, "stopped")
    card, entry = _card(kb, chart, today), _entry(kb, chart, today)
    named = f"Alendronate (stopped before its end date {chart.at(30)}, on a day the chart does not give)"
    assert card is not None and card["summary"].endswith(f"no {missing}")
    assert entry["facts"]["osteoporosis_drugs"] is None and entry["facts"]["osteoporosis_drugs_not_counted"] == named
    assert f"Not counted as current osteoporosis treatment: {named}." in " ".join(card["detail"].split())
    assert _card(kb, _fracture_with_alendronate(today, age, "active"), today) is None
    recent = _fracture_with_alendronate(today, age, "stopped", start=-200)  # given on its first day, within the year
    assert _card(kb, recent, today) is None


def _protected_with_frax(today, value, unit, age=63):
    """Long-term prednisone 5 mg/day with calcium, vitamin D and a recent DXA: only a FRAX can make a drug needed."""
    chart = _low_dose(today, age=age).procedure(CPT_DXA, day=-60).lab(
        "FRAX 10-year major osteoporotic fracture probability", value, unit, day=-60)
    return chart.medication(CALCIUM, 500, "mg", start=-80, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-80)


def test_a_frax_sent_as_a_ratio_asks_for_an_osteoporosis_drug(kb, today):
    """A major-fracture FRAX of 0.15 in UCUM '1' is 15% (moderate risk): it was not read, and R25 stayed quiet."""
    card = _card(kb, _protected_with_frax(today, 0.15, "1"), today)
    assert card["summary"] == "Bone protection incomplete on long-term steroids: no osteoporosis drug"
    assert (f"FRAX 10-year major osteoporotic fracture risk 15% ({today - timedelta(days=60)}), moderate or higher"
            in card["detail"])


def test_a_frax_that_may_be_a_ratio_or_a_percent_is_said_not_read(kb, today):
    """0.15 with no unit was read as 0.15% and the rule said 'bone protection in place', though as a ratio it is
    15%, moderate risk. Neither reading is safe to guess: the rule says it is not evaluable and why; with a card for
    another reason, the card names it."""
    why = (f"FRAX 10-year major osteoporotic fracture probability ({today - timedelta(days=60)}): 0.15 with no unit, "
           "either a ratio (15%) or a percent (0.15%)")
    entry = _entry(kb, _protected_with_frax(today, 0.15, None), today)
    assert entry["status"] == "not-evaluable" and entry["facts"]["frax_unreadable"] == why
    assert entry["reason"] == (f"a readable FRAX result ({why}). Whether an osteoporosis drug is needed is not known "
                               "until it is read.")
    on_drug = _protected_with_frax(today, 0.15, None).medication(ALENDRONATE, 70, "mg", start=-90, period=1,
                                                                 period_unit="wk")
    assert _entry(kb, on_drug, today)["status"] == "not-fired"  # a drug in place: the FRAX changes nothing


FRAX_UNREAD = ("FRAX result not read: FRAX 10-year major osteoporotic fracture probability "
               f"({TODAY - timedelta(days=60)}): 0.15 with no unit, either a ratio (15%) or a percent (0.15%).")
DRUG_NEED_UNKNOWN = "Whether an osteoporosis drug is needed is not known until it is read."


def test_an_unread_frax_reaches_the_clinician_in_the_response_warnings(kb, today):
    """R25 runs on patient-view, where a rule that cannot decide is seen only with ?explain: an unread FRAX with
    bone protection otherwise in place gave no card and no warning. The response's data-quality notes name it."""
    result = run(kb, _protected_with_frax(today, 0.15, None).request("patient-view"), today)
    assert RULE not in fired(result) and explained(result, RULE)["status"] == "not-evaluable"
    assert f"{FRAX_UNREAD} {DRUG_NEED_UNKNOWN}" in result.warnings
    # a drug on file: the FRAX is still named as unread, but a drug's need is not in question
    on_drug = _protected_with_frax(today, 0.15, None).medication(ALENDRONATE, 70, "mg", start=-90, period=1,
                                                                 period_unit="wk")
    assert FRAX_UNREAD in run(kb, on_drug.request("patient-view"), today).warnings


def test_a_card_for_another_reason_says_a_drug_need_waits_on_the_unread_frax(kb, today):
    """With no DXA the card fired and named the unread FRAX, but not that whether a drug is needed is unknown."""
    no_dxa = _protected_with_frax(today, 0.15, None)
    no_dxa.resources["procedures"].clear()
    card = _card(kb, no_dxa, today)
    assert card["summary"].endswith("no DXA") and f"{FRAX_UNREAD} {DRUG_NEED_UNKNOWN}" in " ".join(
        card["detail"].split())
    # osteoporosis by T-score already calls for a drug: its need is known, the FRAX is only named
    osteoporosis = _protected_with_frax(today, 0.15, None).lab(HIP_T_SCORE, -2.7, "{T-score}", day=-60)
    card = _card(kb, osteoporosis, today)
    detail = " ".join(card["detail"].split())
    assert card["summary"].endswith("no osteoporosis drug") and FRAX_UNREAD in detail
    assert DRUG_NEED_UNKNOWN not in detail


def test_under_40_an_unread_frax_does_not_leave_the_rule_undecided(kb, today):
    """FRAX does not apply under 40 (frax_min_age_years): at 30, an unread FRAX made R25 not evaluable."""
    result = run(kb, _protected_with_frax(today, 0.15, None, age=30).request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired" and entry["reason"].startswith("bone protection in place")
    assert FRAX_UNREAD in result.warnings and not any(DRUG_NEED_UNKNOWN in w for w in result.warnings)


def test_the_warning_reads_the_sites_frax_age_as_the_rule_does(kb, today):
    """Review of 6eaa09b: the data-quality note used FRAX's own 40 while R25 used the site's frax_min_age_years: at
    45, with the site's age 50, the note said a drug's need was unknown though R25 said protection was in place. The
    card for a patient under it names the site's age."""
    site = with_params(kb, RULE, frax_min_age_years=50)
    result = run(site, _protected_with_frax(today, 0.15, None, age=45).request("patient-view"), today)
    assert explained(result, RULE)["reason"].startswith("bone protection in place")
    assert FRAX_UNREAD in result.warnings and not any(DRUG_NEED_UNKNOWN in w for w in result.warnings)
    assert f"{FRAX_UNREAD} {DRUG_NEED_UNKNOWN}" in run(
        kb, _protected_with_frax(today, 0.15, None, age=45).request("patient-view"), today).warnings
    no_dxa = _protected_with_frax(today, 0.15, None, age=45)
    no_dxa.resources["procedures"].clear()
    card = fired(run(site, no_dxa.request("patient-view"), today))[RULE]
    assert "FRAX does not apply under 50 (use BMD Z-score)" in " ".join(card["detail"].split())


@pytest.mark.parametrize(("change", "why"), UNREADABLE_PREDNISONE_DOSES)
def test_r25_a_prednisone_dose_that_cannot_be_read_is_named_with_what_to_fix(kb, today, change, why):
    """Prednisone whose daily dose cannot be read: not evaluable, and the reason names the order with what to fix
    (steroids.SteroidHistory.unread_named); an order whose timing writes no repeat was named with no reason."""
    chart = _low_dose(today, start=-120)
    make_dose_unreadable(chart, change)
    entry = _entry(kb, chart, today)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == f"readable dose of prednisone 5 MG Oral Tablet ({why})"


def test_r25_calcium_in_another_drugs_salt_name_is_no_supplement(kb, today):
    """Leucovorin calcium (folinic acid) on the chart dropped "no calcium/vitamin D" from the card: its name was read
    as the calcium supplement. It is read whole (folic acid), as atorvastatin calcium is a statin."""
    chart = _low_dose(today, start=-119).medication((None, None, "leucovorin calcium 5 MG Oral Tablet"), 5, "mg",
                                                     start=-100)
    assert "no calcium/vitamin D" in _card(kb, chart, today)["summary"]


@pytest.mark.parametrize(("drug", "dose", "last", "counted"), [
    (ALENDRONATE, 70, -330, False), (ALENDRONATE, 70, -40, True),  # weekly: 45 days
    ((None, None, "denosumab 60 MG/ML Prefilled Syringe"), 60, -300, False),  # 6-monthly, 4 months overdue
    ((None, None, "denosumab 60 MG/ML Prefilled Syringe"), 60, -200, True),
    ((None, None, "zoledronic acid 5 MG/100ML Injection"), 5, -360, True),  # yearly
])
def test_r25_an_osteoporosis_drug_counts_for_its_own_interval(kb, today, drug, dose, last, counted):
    """Alendronate stopped 11 months ago, or denosumab last given 10 months ago (its 6-monthly dose overdue, with a
    rebound-fracture risk), counted as bone protection in place for a year whatever the drug (found by review)."""
    chart = _low_dose(today, start=-380).condition("Osteoporosis", onset=-400)
    chart.medication(drug, dose, "mg", start=last - 1, end=last, status="completed", count=1)
    card = _card(kb, chart, today)
    assert (card is None or "no osteoporosis drug" not in card["summary"]) is counted


def _imnm_protected(today, age=55, t_score=-1.2, dose=60, start=-45):
    """Review case: IMNM on prednisone ``dose`` mg/day from ``start``, calcium, vitamin D and a DXA with a lumbar
    T-score of ``t_score`` 40 days ago (a number, or text as sent)."""
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-70).medication(PREDNISONE_20, dose, "mg", start=start)
    chart.medication(CALCIUM, 500, "mg", start=-50, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-50)
    chart.procedure(CPT_DXA, day=-40)
    if isinstance(t_score, str):
        return chart.observation(SPINE_T_SCORE, -40, value_string=t_score)
    return chart.lab(SPINE_T_SCORE, t_score, "{T-score}", day=-40)


@pytest.mark.parametrize(("age", "t_score", "finding"), [
    (55, -1.2, "at or above 30 mg/day for 46 days"), (35, -0.5, "at or above 30 mg/day for 46 days")])
def test_high_dose_glucocorticoid_calls_for_an_osteoporosis_drug_at_any_adult_age(kb, today, age, t_score, finding):
    """Review (p25 cases 1-2): an IMNM patient on 60 mg/day for 45 days with calcium, vitamin D and a DXA got 'bone
    protection in place', at 55 with a T-score of -1.2 and at 35: ACR 2022 grades >= 30 mg/day for more than 30 days
    very high fracture risk, and a T-score of -1.0 to -2.4 moderate from 40."""
    chart = _imnm_protected(today, age=age, t_score=t_score)
    card, entry = _card(kb, chart, today), _entry(kb, chart, today)
    assert card["summary"] == "Bone protection incomplete on long-term steroids: no osteoporosis drug"
    assert finding in card["detail"] and "very high fracture risk (ACR 2022)" in card["detail"]
    assert ("T-score] Bone density -1.2" in entry["facts"]["fracture_risk_findings"]) is (age >= 40)
    assert card["suggestions"][-1]["label"] == "Alendronate 70 mg PO weekly"
    # 30 mg/day for 30 days: no drug is called for by the dose alone
    assert _card(kb, _imnm_protected(today, age=age, t_score=-0.5, dose=30, start=-29), today) is None


def test_a_t_score_sent_as_text_is_read(kb, today):
    """Review (p25 case 3): a T-score sent as the text '-2.9' was not read; on 20 mg/day for 100 days with calcium,
    vitamin D and the DXA, R25 said 'bone protection in place'."""
    card = _card(kb, _imnm_protected(today, t_score="-2.9", dose=20, start=-99), today)
    assert card["summary"].endswith("no osteoporosis drug")
    assert f"DXA Lumbar spine [T-score] Bone density -2.9 ({today - timedelta(days=40)}), high fracture risk" in (
        card["detail"])


def test_a_t_score_that_cannot_be_read_leaves_the_drug_need_unknown_and_says_so(kb, today):
    chart = _imnm_protected(today, t_score="-2.9 (osteoporosis)", dose=5, start=-99)
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    unread = (f"DXA Lumbar spine [T-score] Bone density ({today - timedelta(days=40)}): '-2.9 (osteoporosis)', not a "
              "number of standard deviations")
    assert entry["status"] == "not-evaluable" and entry["facts"]["t_score_unreadable"] == unread
    assert entry["reason"] == f"a readable T-score ({unread}). {DRUG_NEED_UNKNOWN}"
    assert f"T-score not read: {unread}. {DRUG_NEED_UNKNOWN}" in result.warnings


def _needs_a_drug(today, egfr=None, dysphagia=None, **egfr_kwargs):
    """Long-term prednisone 5 mg/day, calcium, vitamin D, a DXA and osteoporosis: only the drug is missing. An eGFR
    3 days ago and oropharyngeal dysphagia (``dysphagia``: its clinical status) when given."""
    chart = _low_dose(today, start=-120).condition("Osteoporosis", onset=-400).procedure(CPT_DXA, day=-60)
    chart.medication(CALCIUM, 500, "mg", start=-80, frequency=2).medication(VITAMIN_D3, 1000, "[iU]", start=-80)
    if egfr is not None:
        chart.lab(EGFR, egfr, "mL/min/{1.73_m2}", day=-3, **egfr_kwargs)
    if dysphagia is not None:
        chart.condition(DYSPHAGIA, onset=-10, status=dysphagia)
    return chart


def _drug_offered(kb, today, chart):
    card = _card(kb, chart, today)
    suggestion = card["suggestions"][-1]
    return suggestion["label"], suggestion["isRecommended"], " ".join(card["detail"].split())


@pytest.mark.parametrize(("egfr", "dysphagia", "label", "pre_selected", "why"), [
    (None, None, "Alendronate 70 mg PO weekly", True, None),
    (60, None, "Alendronate 70 mg PO weekly", True, None),
    (60, "resolved", "Alendronate 70 mg PO weekly", True, None),
    (None, "active", "Zoledronic acid 5 mg IV yearly", True,
     "Osteoporosis drug offered: zoledronic acid, not alendronate. Dysphagia, oropharyngeal phase on file: alendronate "
     "must be swallowed with a full glass of water and the patient stay upright for 30 minutes."),
    (60, "active", "Zoledronic acid 5 mg IV yearly", True, "Dysphagia, oropharyngeal phase on file"),
    (34, None, "Denosumab 60 mg SC every 6 months", True,
     f"Osteoporosis drug offered: denosumab, not alendronate. eGFR 34 on {TODAY - timedelta(days=3)} is below 35: "
     "alendronate and zoledronic acid are not advised."),
    (25, "active", "Denosumab 60 mg SC every 6 months", False,
     f"eGFR 25 on {TODAY - timedelta(days=3)} is below 35: alendronate and zoledronic acid are not advised; "
     "Dysphagia, oropharyngeal phase on file: alendronate must be swallowed with a full glass of water and the "
     f"patient stay upright for 30 minutes. Denosumab is not pre-selected: eGFR 25 on {TODAY - timedelta(days=3)} is "
     "below 30; in advanced kidney disease denosumab can cause severe hypocalcaemia"),
])
def test_a_contraindication_on_file_changes_the_osteoporosis_drug_offered(kb, today, egfr, dysphagia, label,
                                                                          pre_selected, why):
    """Review (p25 case 4): with eGFR 25 and oropharyngeal dysphagia on file, alendronate (label: not below CrCl 35;
    not for oesophageal disorders or a patient unable to stay upright) was the only drug offered, pre-selected; only
    its note said 'avoid if eGFR < 35'. Dysphagia alone: zoledronic acid IV; an eGFR below 35 rules out both
    bisphosphonates: denosumab, not pre-selected below 30 (severe hypocalcaemia in advanced kidney disease)."""
    offered, recommended, detail = _drug_offered(kb, today, _needs_a_drug(today, egfr, dysphagia))
    assert (offered, recommended) == (label, pre_selected)
    assert (why in detail) if why else "Osteoporosis drug offered" not in detail


def test_an_egfr_bound_that_may_be_below_35_is_read_as_ruling_out_bisphosphonates(kb, today):
    chart = _needs_a_drug(today, 45, comparator="<")
    offered, recommended, detail = _drug_offered(kb, today, chart)
    assert offered == "Denosumab 60 mg SC every 6 months" and recommended is False
    assert "whether it is below 35 is not known: alendronate and zoledronic acid are not offered until it is known" in (
        detail)


def test_the_osteoporosis_drug_orders_are_well_formed(kb, today):
    for chart, route, period in ((_needs_a_drug(today, 25), "34206005", (6, "mo")),
                                 (_needs_a_drug(today, 60, "active"), "47625008", (1, "a"))):
        order = _card(kb, chart, today)["suggestions"][-1]["actions"][0]["resource"]
        dosage = order["dosageInstruction"][0]
        assert dosage["route"]["coding"][0]["code"] == route
        assert (dosage["timing"]["repeat"]["period"], dosage["timing"]["repeat"]["periodUnit"]) == period
