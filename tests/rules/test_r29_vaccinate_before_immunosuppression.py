"""R29 vaccinate-before-immunosuppression: windows at their edges, what counts as each vaccine, suggestions."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    ANTI_HBC,
    CHRONIC_HBV,
    CVX,
    HBSAG,
    ICD10,
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r29_vaccinate_before_immunosuppression import (
    ANTI_HBS,
    COVID,
    FLU,
    PCV15,
    PCV20,
    RZV,
    up_to_date,
)
from tests.conftest import explained, fired, run, with_params

RULE = "vaccinate-before-immunosuppression"


def _outcome(kb, chart, today):
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    return fired(result).get(RULE), entry


def _new(today, onset=-30, age=55):
    return Chart(today, age=age).condition(IMNM_SNOMED, onset=onset)


def _without(chart, code):
    chart.resources["immunizations"] = [i for i in chart.resources["immunizations"]
                                        if i["vaccineCode"]["coding"][0]["code"] != code]
    return chart


def _with_anti_hbs(today, value, unit):
    """An up-to-date chart whose only anti-HBs result is ``value`` ``unit`` from 20 days ago."""
    chart = up_to_date(_new(today)).without_observations(ANTI_HBS[1])
    return chart.observation(ANTI_HBS, day=-20, value=value, unit=unit)


def test_onset_window_edge(kb, today):
    card, _ = _outcome(kb, _new(today, onset=-90), today)
    assert card is not None and "90 days ago" in card["detail"]
    card, entry = _outcome(kb, _new(today, onset=-91), today)
    assert card is None and "more than 90 days" in entry["reason"]


def test_immunosuppression_start_window_edge(kb, today):
    card, _ = _outcome(kb, _new(today, onset=-60).medication(PREDNISONE_20, 60, "mg", start=-30), today)
    assert card is not None and "started 2026-10-22" in card["detail"]
    card, entry = _outcome(kb, _new(today, onset=-60).medication(PREDNISONE_20, 60, "mg", start=-31), today)
    assert card is None and entry["facts"]["immunosuppression_start"].endswith("2026-10-21")


def test_steroid_sparing_agent_counts_as_start(kb, today):
    chart = _new(today).medication(METHOTREXATE_2_5, 15, "mg", start=-40, period=1, period_unit="wk")
    card, entry = _outcome(kb, chart, today)
    assert card is None and "methotrexate" in entry["facts"]["immunosuppression_start"]


def test_influenza_season_starts_on_1_august(kb, today):
    chart = _without(up_to_date(_new(today)), "140").immunization(FLU, day=-112)  # 2026-08-01
    assert _outcome(kb, chart, today)[0] is None
    chart = _without(up_to_date(_new(today)), "140").immunization(FLU, day=-113)  # 2026-07-31
    card, _ = _outcome(kb, chart, today)
    assert "Influenza: no dose this season (since 2026-08-01)" in card["detail"]
    resource = card["suggestions"][0]["actions"][0]["resource"]
    assert resource["medicationCodeableConcept"]["coding"][0]["code"] == "140"
    assert resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] == {
        "value": 0.5, "unit": "mL", "system": "http://unitsofmeasure.org", "code": "mL"}


def test_covid_dose_within_12_months(kb, today):
    chart = _without(up_to_date(_new(today)), "207").immunization(COVID, day=-365)
    assert _outcome(kb, chart, today)[0] is None
    chart = _without(up_to_date(_new(today)), "207").immunization(COVID, day=-366)
    card, _ = _outcome(kb, chart, today)
    assert card["summary"].endswith("Missing: COVID-19")


def test_pneumococcal_pcv15_needs_ppsv23_and_pcv20_alone_is_enough(kb, today):
    chart = _without(up_to_date(_new(today)), "216").immunization(PCV15, day=-100)
    card, _ = _outcome(kb, chart, today)
    assert card["summary"].endswith("Missing: PPSV23")
    assert card["suggestions"][0]["actions"][0]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "33"
    chart.immunization(("http://hl7.org/fhir/sid/cvx", "33", "pneumococcal polysaccharide vaccine, 23 valent"), -20)
    assert _outcome(kb, chart, today)[0] is None
    chart = _without(up_to_date(_new(today)), "216").immunization("Capvaxive (PCV21)", day=-100)
    assert _outcome(kb, chart, today)[0] is None


def test_rzv_needs_two_doses_and_only_adults(kb, today):
    chart = _without(up_to_date(_new(today)), "187").immunization(RZV, day=-70)
    card, entry = _outcome(kb, chart, today)
    assert entry["facts"]["rzv_doses"] == 1 and "dose 2" in card["suggestions"][0]["label"]
    chart = _without(up_to_date(_new(today, age=17)), "187")
    assert _outcome(kb, chart, today)[0] is None


def test_hepatitis_b_by_anti_hbs(kb, today):
    chart = _with_anti_hbs(today, 8, "m[IU]/mL")
    card, _ = _outcome(kb, chart, today)
    assert "anti-HBs negative on 2026-11-01" in card["detail"]
    hbv = _hbv_vaccine(card)
    assert hbv["isRecommended"]  # non-immune: the series is due (the row's "HBV series if anti-HBs negative")
    assert [a["description"] for a in hbv["actions"]] == [CPG_DOSE_1]
    assert hbv["actions"][0]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "189"
    chart.observation(ANTI_HBS, day=-10, value=12, unit="m[IU]/mL")
    assert _outcome(kb, chart, today)[0] is None


def test_anti_hbs_in_an_unknown_unit_is_judged_by_the_lab_not_an_error(kb, today):
    """units.convert answered a KeyError for a measure it has no table for: R29 ended as 'error' (found in review)."""
    chart = _with_anti_hbs(today, 0.5, "IU/mL")
    _, entry = _outcome(kb, chart, today)
    assert entry["status"] != "error"


def test_unknown_anti_hbs_asks_for_the_test_too(kb, today):
    chart = _new(today)
    for code, day in ((FLU, -10), (PCV20, -300), (RZV, -300), (RZV, -200), (COVID, -20)):
        chart.immunization(code, day=day)
    card, entry = _outcome(kb, chart, today)
    assert entry["facts"]["anti_hbs"] == "not on file"
    assert card["suggestions"][0]["actions"][0]["description"] == "Anti-HBs"


def test_no_myositis_no_card(kb, today):
    card, entry = _outcome(kb, Chart(today), today)
    assert card is None and entry["reason"] == "no IIM/IMNM (confirmed or provisional)"


def test_undated_myositis_is_not_evaluable(kb, today):
    card, entry = _outcome(kb, Chart(today).condition(IMNM_SNOMED, onset=None), today)
    assert card is None and entry["status"] == "not-evaluable"


def _hbv_action(card):
    return next(a for s in card["suggestions"] for a in s["actions"] if a["description"].startswith("Hepatitis B"))


def _hbv_vaccine(card):
    return next(s for s in card["suggestions"] if s["label"].startswith("Hepatitis B vaccine"))


def _serology(card):
    return next((s for s in card["suggestions"] if s["label"].startswith("Hepatitis B serology")), None)


def _note(suggestion):
    return suggestion["actions"][0]["resource"]["note"][0]["text"]


CPG_DOSE_1 = "Hepatitis B vaccine (CpG-adjuvanted) 0.5 mL IM (dose 1 of 2)"
AFTER_DRAW = "After the blood for the hepatitis B serology is drawn."


def test_children_get_the_paediatric_hepatitis_b_series_not_the_adult_only_cpg_vaccine(kb, today):
    """The CpG-adjuvanted vaccine (CVX 189) is licensed from 18 only; a 9-year-old gets CVX 08, 3 doses."""
    card, _ = _outcome(kb, _new(today, age=9), today)
    action = _hbv_action(card)
    assert action["description"] == "Hepatitis B vaccine (paediatric dosage) 0.5 mL IM (dose 1 of 3)"
    assert action["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "08"
    assert "CpG" not in str(card)
    card, _ = _outcome(kb, _new(today, age=17), today)
    assert _hbv_action(card)["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "08"
    card, _ = _outcome(kb, _new(today, age=18), today)
    assert _hbv_action(card)["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "189"


def test_live_attenuated_influenza_by_name_counts_as_this_seasons_dose(kb, today):
    chart = _without(up_to_date(_new(today)), "140").immunization("Live attenuated influenza vaccine (nasal)", day=-30)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["facts"]["influenza_this_season"]


def test_a_glucocorticoid_whose_dose_cannot_be_read_still_started_immunosuppression(kb, today):
    chart = _new(today).medication(PREDNISONE_20, None, None, start=-45)  # no dose: 45 days of treatment all the same
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["facts"]["immunosuppression_start"].endswith(f"(dose unreadable) from {chart.at(-45)}")


def test_an_unreadable_glucocorticoid_ended_before_the_onset_did_not_start_immunosuppression(kb, today):
    """Onset 30 days ago: a course last given before it was for another illness, even one still marked active,
    since its end date ends it; one still given on the onset day was current then."""
    def outcome(end):
        return _outcome(kb, _new(today).medication(PREDNISONE_20, None, None, start=-400, end=end, status="active"),
                        today)
    card, entry = outcome(-31)
    assert card is not None and entry["facts"]["immunosuppression_start"] is None
    card, entry = outcome(-30)  # the onset day
    assert card is None and entry["facts"]["immunosuppression_start"] == (
        f"prednisone 20 MG Oral Tablet (dose unreadable) from {_new(today).at(-400)}")


def test_a_course_over_before_the_onset_did_not_start_immunosuppression(kb, today):
    """Onset 40 days ago. A 5-day prednisone burst that ended 56 days before it counted as 'immunosuppression
    started' more than 30 days ago, which silenced the card for prednisone started 10 days ago (audit F6). Only
    immunosuppression still in use on or after the onset is of this episode."""
    chart = _new(today, onset=-40).medication(PREDNISONE_20, 40, "mg", start=-100, end=-96, status="completed")
    card, entry = _outcome(kb, chart, today)
    assert card is not None and "immunosuppression not started yet" in card["detail"]
    assert entry["facts"]["immunosuppression_start"] is None
    card, entry = _outcome(kb, chart.medication(PREDNISONE_20, 60, "mg", start=-10), today)
    assert card is not None and f"immunosuppression started {chart.at(-10)}" in card["detail"]


def _prior(chart, resource_id):
    """Link the chart's last order to the order ``resource_id`` as its priorPrescription."""
    chart.resources["medications"][-1]["priorPrescription"] = {"reference": f"MedicationRequest/{resource_id}"}
    return chart


SPLIT = {
    "prednisone": lambda c: c.medication(PREDNISONE_20, 60, "mg", start=-50, end=-21, status="completed",
                                         resource_id="first").medication(PREDNISONE_20, 40, "mg", start=-20),
    "prednisone linked": lambda c: _prior(c.medication(PREDNISONE_20, 60, "mg", start=-50, end=-21,
                                                       status="completed", resource_id="first")
                                          .medication(PREDNISONE_20, 40, "mg", start=-20), "first"),
    "prednisone refilled late": lambda c: c.medication(PREDNISONE_20, 60, "mg", start=-50, end=-24,
                                                       status="completed").medication(PREDNISONE_20, 40, "mg",
                                                                                      start=-17),
    "methotrexate": lambda c: c.medication(METHOTREXATE_2_5, 15, "mg", start=-50, end=-22, status="completed",
                                           period=1, period_unit="wk").medication(
        METHOTREXATE_2_5, 20, "mg", start=-20, period=1, period_unit="wk"),
}


@pytest.mark.parametrize("course", SPLIT)
def test_a_course_continued_in_a_new_order_across_the_onset_started_with_its_first_order(kb, today, course):
    """Onset 20 days ago; a course given since 50 days ago, its order completed before the onset and continued
    (a new dose, a link to the order before, a refill a few days late) in a new one: R29 said immunosuppression
    started on the new order's day, 20 days ago, and asked for vaccines 'before immunosuppression' of a patient on
    it for 50 days (review). The run of days on it started with the first order."""
    chart = SPLIT[course](_new(today, onset=-20))
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["reason"] == f"immunosuppression started {chart.at(-50)}, more than 30 days ago"


@pytest.mark.parametrize(("infusions", "onset", "start"), [((-35, -21), -20, -35), ((-25,), -20, -25),
                                                            ((-50,), -40, -50)])
def test_anti_cd20_given_before_the_onset_and_still_in_use_is_immunosuppression(kb, today, infusions, onset, start):
    """Rituximab 1 g on D-35 and D-21 and myositis onset charted on D-20 made 'immunosuppression not started yet'
    (review): B cells stay depleted for months after the last dose (the anti_cd20_in_use_days definition), so
    immunosuppression began with the first infusion, and is named."""
    chart = _new(today, onset=onset)
    chart.medication(RITUXIMAB, 1000, "mg", start=infusions[0], end=infusions[-1], status="completed",
                     route=ROUTE_IV, period=14, count=len(infusions))
    card, entry = _outcome(kb, chart, today)
    assert entry["facts"]["immunosuppression_start"].startswith("rituximab")
    assert entry["facts"]["immunosuppression_start"].endswith(f"from {chart.at(start)}")
    if start < -30:
        assert card is None and entry["reason"] == f"immunosuppression started {chart.at(start)}, more than 30 days ago"
    else:
        assert f"immunosuppression started {chart.at(start)} (rituximab" in card["detail"]


def test_anti_cd20_no_longer_in_use_at_the_onset_did_not_start_immunosuppression(kb, today):
    chart = _new(today, onset=-20).medication(RITUXIMAB, 1000, "mg", start=-386, end=-386, status="completed",
                                              route=ROUTE_IV)
    card, entry = _outcome(kb, chart, today)
    assert card is not None and "immunosuppression not started yet" in card["detail"]
    site = with_params(kb, "definitions", anti_cd20_in_use_days=366)
    card, entry = _outcome(site, chart, today)
    assert card is None and entry["facts"]["immunosuppression_start"].endswith(f"from {chart.at(-386)}")


def test_a_course_still_given_at_the_onset_counts_from_its_first_day(kb, today):
    """A course current at the onset started immunosuppression when it began, before the onset, all its dose steps
    together: a taper order whose first step ended before the onset still began then."""
    chart = _new(today, onset=-20).taper_order(PREDNISONE_20, [(60, 10), (40, None)], start=-35)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["reason"] == f"immunosuppression started {chart.at(-35)}, more than 30 days ago"
    methotrexate = _new(today, onset=-20).medication(METHOTREXATE_2_5, 15, "mg", start=-400, period=1,
                                                     period_unit="wk")
    card, entry = _outcome(kb, methotrexate, today)
    assert card is None and entry["facts"]["immunosuppression_start"].endswith(f"from {methotrexate.at(-400)}")


def test_imnm_recognised_by_its_antibody_is_dated_by_its_myopathy_condition(kb, today):
    """New anti-HMGCR IMNM charted as G72.0 (40 days ago) with no treatment yet was not evaluable: no onset was read
    from the myopathy condition the IMNM rests on (found by review)."""
    chart = Chart(today, age=62).condition((ICD10, "G72.0", "Drug-induced myopathy"),
                                           onset=-40)
    chart.antibody("anti_hmgcr", "positive", day=-35).antibody("anti_srp", "negative", day=-35).ck(6500, day=-35)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))


UNDATED = {"methotrexate": (METHOTREXATE_2_5, 15, "mg", {"period": 1, "period_unit": "wk"}),
           "prednisone": (PREDNISONE_20, 60, "mg", {})}


@pytest.mark.parametrize("drug", UNDATED)
def test_an_active_immunosuppressant_with_no_start_date_is_not_evaluable(kb, today, drug):
    """An active methotrexate (or prednisone) order with no date counted as 'immunosuppression not started yet'
    (found by review). It has started; whether within the 30-day window or before it only its date can tell."""
    code, dose, unit, timing = UNDATED[drug]
    chart = _new(today).medication(code, dose, unit, start=None, **timing)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"start date of {code[2]}: immunosuppression of this episode with no start")
    assert entry["facts"]["immunosuppression_undated"] == code[2]


def test_an_undated_immunosuppressant_does_not_hide_a_dated_start_before_the_window(kb, today):
    """A dated course that began more than 30 days ago decides whatever the undated order's start: the earliest
    start is at least that old. One that began within the window does not: the undated one may be older."""
    def outcome(prednisone_start):
        chart = _new(today, onset=-60).medication(PREDNISONE_20, 60, "mg", start=prednisone_start)
        return _outcome(kb, chart.medication(METHOTREXATE_2_5, 15, "mg", start=None, period=1, period_unit="wk"),
                        today)
    card, entry = outcome(-31)
    assert card is None and entry["status"] == "not-fired" and "more than 30 days ago" in entry["reason"]
    card, entry = outcome(-10)
    assert card is None and entry["status"] == "not-evaluable"


@pytest.mark.parametrize(("name", "unit"), [("tacrolimus 0.1% ointment", "{application}"),
                                            ("cyclosporine 0.05% ophthalmic emulsion", "{drop}")])
def test_a_local_form_of_a_steroid_sparing_agent_did_not_start_immunosuppression(kb, today, name, unit):
    """Tacrolimus ointment or ciclosporin eye drops used for 200 days made new IMNM 'immunosuppression started more
    than 30 days ago', and no vaccines were offered (local forms leave out local glucocorticoids already)."""
    card, entry = _outcome(kb, _new(today).medication(name, 1, unit, start=-200, frequency=2), today)
    assert card is not None and "immunosuppression not started yet" in card["detail"]
    assert entry["facts"]["immunosuppression_start"] is None


@pytest.mark.parametrize(("birth_date", "offered"), [("2008", False), ("2008-10", True)])
def test_recombinant_zoster_waits_until_the_patient_is_surely_18(kb, today, birth_date, offered):
    """Born in 2008 may still be 17 on 2026-11-21, and recombinant zoster vaccine is licensed from 18: the oldest
    possible age (18) offered it (review)."""
    chart = _without(up_to_date(_new(today)), "187")
    chart.birth_date = birth_date
    card, _ = _outcome(kb, chart, today)
    labels = [a["description"] for s in (card or {}).get("suggestions", []) for a in s["actions"]]
    assert any("zoster" in label.lower() for label in labels) is offered


def test_with_no_birth_date_recombinant_zoster_is_not_evaluable_not_up_to_date(kb, today):
    """No birthDate: whether recombinant zoster vaccine (licensed from 18) is due only the age can tell. The rule
    said every vaccine, zoster included, was up to date; a card for the others says why it is not offered."""
    why = "it is licensed from 18 years and the patient's age is unknown (no birth date on file)"
    card, entry = _outcome(kb, _without(up_to_date(_new(today, age=None)), "187"), today)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"birth date: recombinant zoster vaccine is not offered ({why})")
    card, _ = _outcome(kb, _without(_without(up_to_date(_new(today, age=None)), "140"), "187"), today)
    assert f"Recombinant zoster vaccine is not offered: {why}." in card["detail"]
    assert card["summary"].endswith("Missing: influenza")


def test_a_child_up_to_date_is_not_told_zoster_is_up_to_date(kb, today):
    _, entry = _outcome(kb, _without(up_to_date(_new(today, age=17)), "187"), today)
    assert entry["status"] == "not-fired" and entry["reason"] == (
        "influenza, pneumococcal, COVID-19 and hepatitis B vaccination up to date; recombinant zoster vaccine not "
        "offered (it is licensed from 18 years and the patient's age is 17)")


@pytest.mark.parametrize(("birth_date", "cvx"), [("2008", "08"), ("2008-10", "189")])
def test_the_cpg_hepatitis_b_vaccine_waits_until_the_patient_is_surely_18(kb, today, birth_date, cvx):
    """Born in 2008 may still be 17: the adult-only CpG-adjuvanted vaccine (CVX 189) waits for a surely-18 patient;
    until then the paediatric/adolescent series (CVX 08, licensed to 19 years)."""
    chart = _new(today)
    chart.birth_date = birth_date
    card, entry = _outcome(kb, chart, today)
    assert _hbv_action(card)["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == cvx
    assert (entry["facts"]["hepatitis_b_cpg_not_offered"] is None) is (cvx == "189")


def test_a_sites_paediatric_age_does_not_move_the_cpg_hepatitis_b_licence(kb, today):
    """A site whose paediatric age is 16 treats a 17-year-old as an adult; the vaccine's licence is still 18."""
    site = with_params(kb, "definitions", paediatric_age_years=16)
    card, _ = _outcome(site, _new(today, age=17), today)
    assert _hbv_action(card)["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "08"


def test_with_no_birth_date_no_hepatitis_b_product_is_chosen(kb, today):
    """The product and its dose go by age (a paediatric dose is half an adult's): no age, a request to choose."""
    card, _ = _outcome(kb, _new(today, age=None), today)
    action = _hbv_action(card)
    assert action["resource"]["resourceType"] == "ServiceRequest"
    assert "no birth date on file" in action["resource"]["code"]["text"]
    assert "CpG" not in str(card["suggestions"])


@pytest.mark.parametrize("age", [None, 17])
def test_a_complete_recombinant_zoster_series_is_done_at_any_age(kb, today, age):
    """Two doses on file: the series is complete, so age (unknown, or below the licence) no longer decides it. With
    no birth date R29 was not evaluable ('birth date: recombinant zoster vaccine is not offered')."""
    card, entry = _outcome(kb, up_to_date(_new(today, age=age)), today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["reason"] == "influenza, pneumococcal, zoster, COVID-19 and hepatitis B vaccination up to date"
    assert entry["facts"]["rzv_doses"] == 2 and entry["facts"]["rzv_not_offered"] is None


def test_a_recombinant_zoster_dose_given_less_than_4_weeks_after_the_one_before_does_not_count(kb, today):
    """CDC: the minimum interval is 4 weeks, and a dose given sooner is repeated. Doses 500 and 480 days ago were
    counted as a complete series."""
    chart = _without(up_to_date(_new(today)), "187").immunization(RZV, day=-500).immunization(RZV, day=-480)
    card, entry = _outcome(kb, chart, today)
    assert entry["facts"]["rzv_doses"] == 1 and entry["facts"]["rzv_too_soon"] == chart.at(-480)
    assert card["summary"].endswith("Missing: RZV")
    note = (f"Dose 1 was given {chart.at(-500)}, more than 6 months ago; the dose of {chart.at(-480)} came less than "
            "4 weeks after the dose before it and does not count: give dose 2 now; do not restart the series.")
    assert f"- Recombinant zoster (RZV): 1 of 2 doses. {note[:-1]}\n" in card["detail"]
    action = card["suggestions"][0]["actions"][0]
    assert action["description"] == "Recombinant zoster vaccine 0.5 mL IM (dose 2 of 2)"
    assert action["resource"]["note"][0]["text"] == note


def test_recombinant_zoster_dose_2_is_not_offered_before_4_weeks_after_dose_1(kb, today):
    chart = _without(up_to_date(_new(today)), "187").immunization(RZV, day=-20)
    card, _ = _outcome(kb, chart, today)
    action = card["suggestions"][0]["actions"][0]
    assert action["description"] == f"Recombinant zoster vaccine 0.5 mL IM (dose 2 of 2, not before {chart.at(8)})"
    assert action["resource"]["dosageInstruction"][0]["text"].endswith(f"(dose 2 of 2, not before {chart.at(8)})")


@pytest.mark.parametrize("vaccine", [(CVX, "300", "COVID-19 vaccine, mRNA, 2023-2024 formula"),
                                     (CVX, "229", "Moderna COVID-19 Vaccine, Bivalent"),
                                     (CVX, "999", "Comirnaty 2025-2026 formula")])
def test_r29_a_covid_19_vaccine_of_a_later_formula_is_a_covid_19_dose(kb, today, vaccine):
    """A 2023-2024 formula (CVX 300), a bivalent dose (229) or a brand name with a code the pack does not list was no
    COVID-19 dose: R29 said "COVID-19: no dose since" and offered another (found by review). The vaccine is read by
    its name."""
    chart = _without(up_to_date(_new(today)), "207").immunization(vaccine, day=-20)
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_r29_a_hepatitis_b_series_on_file_with_no_titre_asks_for_the_serology_not_a_new_series(kb, today):
    """Three Engerix-B doses (CVX 43) on file, no anti-HBs: the suggestion created the anti-HBs test and dose 1 of a
    new series at once (found by review). The titre decides: revaccinate only if it is below 10 mIU/mL. With the HBV
    status unknown, HBsAg and anti-HBc go with it."""
    chart = up_to_date(_new(today)).without_observations(ANTI_HBS[1])
    for day in (-900, -870, -720):
        chart.immunization((CVX, "43", "hepatitis B vaccine, adult dosage"), day=day)
    card, _ = _outcome(kb, chart, today)
    [hbv] = [s for s in card["suggestions"] if "Anti-HBs" in s["label"]]
    assert hbv["label"] == ("Hepatitis B serology: Anti-HBs, HBsAg, Anti-HBc total (a hepatitis B series is on file: "
                            "revaccinate only if anti-HBs is below 10 mIU/mL)")
    assert [a["description"] for a in hbv["actions"]] == ["Anti-HBs", "HBsAg", "Anti-HBc total"]
    assert not any(a["description"].startswith("Hepatitis B vaccine") for s in card["suggestions"]
                   for a in s["actions"])


@pytest.mark.parametrize("status", ["resolved", "inactive", "remission"])
def test_r29_a_new_episode_after_a_resolved_one_dates_from_its_own_onset(kb, today, status):
    """IMNM resolved years ago, then a new episode charted as a new active condition 40 days ago: the onset was read
    from the first episode (the earliest of any status), so R29 was quiet ("more than 90 days ago") for a patient
    about to start immunosuppression again."""
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-2000, status=status)
    card, entry = _outcome(kb, chart.condition(IMNM_SNOMED, onset=-40), today)
    assert card is not None and "40 days ago" in card["detail"]
    assert entry["facts"]["onset"] == chart.at(-40)


HBV_PROBLEM = ("hepatitis B on the problem list (Chronic type B viral hepatitis (disorder), onset {onset}): a past or "
               "present hepatitis B infection, which the vaccine cannot help; its reactivation risk under "
               "immunosuppression is for HBV DNA and hepatology to judge")


def _hepatitis_b_offered(card):
    return any(a["description"].startswith(("Hepatitis B", "Anti-HBs")) for s in card["suggestions"]
               for a in s["actions"])


def test_r29_chronic_hepatitis_b_on_the_problem_list_gets_no_hepatitis_b_vaccine(kb, today):
    """Chronic hepatitis B on the problem list, no HBV labs: R29 read only HBsAg and anti-HBc results, said
    "Hepatitis B: anti-HBs not on file" and offered the titre and a vaccine series to a carrier (clinician review).
    The problem list counts as it does for R10, R16 and R26 (hepatitis.hbv_markers), and the card says why."""
    chart = _new(today).condition(CHRONIC_HBV, onset=-3000)
    card, entry = _outcome(kb, chart, today)
    why = HBV_PROBLEM.format(onset=chart.at(-3000))
    assert not _hepatitis_b_offered(card) and "hepatitis B" not in card["summary"]
    assert "- Hepatitis B" not in card["detail"] and f"\nHepatitis B vaccine is not offered: {why}.\n" in card["detail"]
    assert entry["facts"]["hepatitis_b_not_offered"] == why


@pytest.mark.parametrize("marker", ["problem list, resolved", "anti-HBc", "HBsAg"])
def test_r29_a_past_or_present_hepatitis_b_infection_is_not_hepatitis_b_vaccination_up_to_date(kb, today, marker):
    """Every other vaccine current, no anti-HBs, and hepatitis B shown by the chart: quiet, saying the vaccine is
    not offered and why, not "hepatitis B vaccination up to date" (a positive anti-HBc gave that reason)."""
    chart = up_to_date(_new(today)).without_observations(ANTI_HBS[1])
    if marker == "anti-HBc":
        chart.observation(ANTI_HBC, day=-50, interpretation="POS")
    elif marker == "HBsAg":
        chart.observation(HBSAG, day=-50, interpretation="POS")
    else:
        chart.condition(CHRONIC_HBV, onset=-3000, status="resolved")
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["reason"].startswith("influenza, pneumococcal, zoster and COVID-19 vaccination up to date; "
                                      "hepatitis B vaccine not offered (")
    assert "a past or present hepatitis B infection" in entry["reason"]


@pytest.mark.parametrize(("text", "immune"), [("850 mIU/mL", True), ("<3.0 mIU/mL", False), (">1000 mIU/mL", True),
                                              ("10 mIU/mL", True), ("9.9 m[IU]/mL", False), ("12 IU/L", True)])
def test_r29_an_anti_hbs_titre_written_as_text_is_read(kb, today, text, immune):
    """Anti-HBs sent as text ('850 mIU/mL', '<3.0 mIU/mL') was "not on file": the titre was ordered again beside a
    new series, even for a patient immune at 850 (clinician review). A number or bound with its unit is read
    (Observation.reported_value) and judged against 10 mIU/mL."""
    chart = up_to_date(_new(today)).without_observations(ANTI_HBS[1])
    card, entry = _outcome(kb, chart.observation(ANTI_HBS, day=-20, value_string=text), today)
    assert entry["facts"]["anti_hbs"] == f"{'immune' if immune else 'non-immune'} ({chart.at(-20)})"
    if immune:
        assert card is None
    else:
        assert card["summary"].endswith("Missing: hepatitis B")
        assert [a["description"] for a in _hbv_vaccine(card)["actions"]] == [
            "Hepatitis B vaccine (CpG-adjuvanted) 0.5 mL IM (dose 1 of 2)"]


def test_r29_a_titre_bound_that_does_not_settle_immunity_is_judged_by_the_lab(kb, today):
    """'<15 mIU/mL' may be above or below 10: the valueQuantity's comparator was ignored and 15 read as immune."""
    chart = up_to_date(_new(today)).without_observations(ANTI_HBS[1])
    chart.observation(ANTI_HBS, day=-20, value=15, unit="m[IU]/mL", comparator="<", interpretation="NEG")
    _, entry = _outcome(kb, chart, today)
    assert entry["facts"]["anti_hbs"] == f"non-immune ({chart.at(-20)})"


PPSV23 = (CVX, "33", "pneumococcal polysaccharide vaccine, 23 valent")


def test_r29_pcv20_is_not_offered_within_12_months_of_ppsv23(kb, today):
    """PPSV23 60 days ago: PCV20 was offered now, with no interval (clinician review). CDC: a conjugate vaccine at
    least 1 year after PPSV23. The card says when instead; with all else current R29 is quiet and says it."""
    chart = _new(today).immunization(PPSV23, day=-60)
    why = (f"PPSV23 was given on {chart.at(-60)}, and PCV20 follows at least 12 months later, on 2027-09-22 at the "
           "earliest")
    card, entry = _outcome(kb, chart, today)
    assert "pneumococcal" not in card["summary"] and "PCV20 0.5 mL IM" not in [s["label"] for s in card["suggestions"]]
    assert f"\nPneumococcal conjugate vaccine (PCV20/PCV21) is not offered: {why}.\n" in card["detail"]
    assert entry["facts"]["pcv_not_offered"] == why
    _, entry = _outcome(kb, _without(up_to_date(_new(today)), "216").immunization(PPSV23, day=-60), today)
    assert entry["status"] == "not-fired" and entry["reason"] == (
        "influenza, zoster, COVID-19 and hepatitis B vaccination up to date; pneumococcal conjugate vaccine "
        f"(PCV20/PCV21) not offered ({why})")


@pytest.mark.parametrize(("day", "earliest"), [(-365, "2026-11-21"), (-400, "2026-10-17")])
def test_r29_pcv20_after_ppsv23_names_the_earliest_date(kb, today, day, earliest):
    chart = _without(up_to_date(_new(today)), "216").immunization(PPSV23, day=day)
    card, entry = _outcome(kb, chart, today)
    said = (f"PPSV23 was given on {chart.at(day)}, and PCV20 follows at least 12 months later, on {earliest} at the "
            "earliest")
    assert f"- Pneumococcal conjugate: no PCV20/PCV21 (or PCV15 + PPSV23) on file. {said}\n" in card["detail"]
    assert card["suggestions"][0]["actions"][0]["resource"]["note"] == [{"text": f"{said}."}]
    assert entry["facts"]["pcv_not_offered"] is None


def test_r29_an_undated_ppsv23_leaves_pcv20_offered_with_the_interval(kb, today):
    chart = _without(up_to_date(_new(today)), "216")
    chart.immunization(PPSV23, day=-60)
    chart.resources["immunizations"][-1].pop("occurrenceDateTime")
    card, _ = _outcome(kb, chart, today)
    assert card["suggestions"][0]["actions"][0]["resource"]["note"] == [
        {"text": "A PPSV23 dose on file has no date, and PCV20 follows the last at least 12 months later."}]


def test_r29_a_site_sets_the_interval_after_ppsv23(kb, today):
    site = with_params(kb, RULE, pcv_after_ppsv23_min_months=1)
    card, _ = _outcome(site, _without(up_to_date(_new(today)), "216").immunization(PPSV23, day=-60), today)
    assert card["suggestions"][0]["label"] == "PCV20 0.5 mL IM"


# ---------------------------------------------------------------- hepatitis B: the serology first (clinician review)

def test_r29_with_no_titre_the_serology_is_preselected_and_the_vaccine_is_not(kb, today):
    """Anti-HBs and dose 1 of the vaccine were pre-selected together under "check anti-HBs first", with no HBsAg or
    anti-HBc before immunosuppression (clinician review). The serology is pre-selected (anti-HBs, and HBsAg and
    anti-HBc, whose status is unknown); the vaccine is offered beside it, not pre-selected, to give after the blood is
    drawn if anti-HBs is below 10 mIU/mL."""
    card, entry = _outcome(kb, _new(today), today)
    serology, vaccine = _serology(card), _hbv_vaccine(card)
    assert serology["isRecommended"] and not vaccine["isRecommended"]
    assert [a["resource"]["code"]["coding"][0]["code"] for a in serology["actions"]] == ["22322-2", "5196-1",
                                                                                         "16933-4"]
    assert vaccine["label"] == f"{CPG_DOSE_1}, if anti-HBs is below 10 mIU/mL"
    assert _note(vaccine).startswith(AFTER_DRAW)
    assert ("Serology first: HBV status is to be known before immunosuppression (EULAR 2022) and the vaccine is due "
            "only if anti-HBs is below 10 mIU/mL. A dose given the same day goes after the blood is drawn: it can make "
            "HBsAg transiently positive.") in card["detail"]
    assert entry["facts"]["hbv_screen_missing"] == "no HBsAg within 365 days; no anti-HBc on file"
    assert any(link["label"].startswith("EULAR 2022") for link in card["links"])


def test_r29_non_immune_with_hbv_status_unknown_preselects_the_screen_and_the_vaccine(kb, today):
    chart = _new(today).observation(ANTI_HBS, -10, value=3, unit="m[IU]/mL")
    card, _ = _outcome(kb, chart, today)
    assert [a["description"] for a in _serology(card)["actions"]] == ["HBsAg", "Anti-HBc total"]
    vaccine = _hbv_vaccine(card)
    assert vaccine["isRecommended"] and vaccine["label"] == CPG_DOSE_1 and _note(vaccine).startswith(AFTER_DRAW)


def test_r29_a_known_hbv_status_is_not_ordered_again(kb, today):
    chart = _new(today).hbv_markers("NEG", "NEG", day=-30)
    card, entry = _outcome(kb, chart, today)
    assert [a["description"] for a in _serology(card)["actions"]] == ["Anti-HBs"]
    assert "HBV status is to be known" not in card["detail"] and entry["facts"]["hbv_screen_missing"] is None
    card, _ = _outcome(kb, chart.observation(ANTI_HBS, -10, value=3, unit="m[IU]/mL"), today)
    assert _serology(card) is None and _hbv_vaccine(card)["isRecommended"]
    assert AFTER_DRAW not in _note(_hbv_vaccine(card))


def test_r29_a_pending_anti_hbs_is_awaited_not_ordered_again(kb, today):
    chart = _new(today).hbv_markers("NEG", "NEG", day=-30).observation(ANTI_HBS, -1)
    chart.resources["observations"][-1]["status"] = "registered"
    card, _ = _outcome(kb, chart, today)
    assert _serology(card) is None and not _hbv_vaccine(card)["isRecommended"]
    assert f"- Hepatitis B: anti-HBs pending since {chart.at(-1)}.\n" in card["detail"]



# ---------------------------------------------------------------- serology drawn after IVIG (passive transfer)

def _after_ivig(today):
    """New IMNM, prednisone from D-25, IVIG 2 g/kg D-20..D-16; hepatitis B serology drawn D-5 (review 424, v1)."""
    chart = _new(today, onset=-40).medication(PREDNISONE_20, 60, "mg", start=-25)
    return chart.ivig_cycles((-20, 0.4, 5))


def test_r29_an_anti_hbc_drawn_after_ivig_may_be_the_ivigs(kb, today):
    """Review 424: an anti-HBc drawn 11 days after IVIG was read as a past infection, with no warning that IVIG passes
    the antibody on. It still keeps the vaccine back (the marker counts as positive), and the card says why it may be
    the IVIG's and what tells the two apart."""
    chart = _after_ivig(today).observation(ANTI_HBS, -5, value=40, unit="m[IU]/mL").hbv_markers("NEG", "POS", day=-5)
    card, entry = _outcome(kb, chart, today)
    assert not any(s["label"].startswith(("Hepatitis B vaccine", "Hepatitis B serology")) for s in card["suggestions"])
    detail = " ".join(card["detail"].split())
    assert ("Hepatitis B vaccine is not offered: anti-HBc positive" in detail
            and f"The anti-HBc positive on {chart.at(-5)} was drawn 11 days after IVIG (immune globulin, intravenous, "
                f"last given {chart.at(-16)})" in detail
            and "If it was the IVIG's, the vaccine is due once anti-HBc reads negative." in detail)
    assert "drawn 11 days after IVIG" in entry["facts"]["hepatitis_b_not_offered"]


def test_r29_an_anti_hbc_positive_before_the_ivig_too_is_a_known_past_infection(kb, today):
    """Review 426 (v2): anti-HBc positive on D-400, before any IVIG, and again on D-5, after it. The infection is known
    from before the IVIG: no word that the antibody may be the donors', nor that the vaccine is due once it reads
    negative."""
    chart = _after_ivig(today).observation(ANTI_HBS, -5, value=40, unit="m[IU]/mL").hbv_markers("NEG", "POS", day=-5)
    card, entry = _outcome(kb, chart.hbv_markers("NEG", "POS", day=-400), today)
    detail = " ".join(card["detail"].split())
    assert "Hepatitis B vaccine is not offered: anti-HBc positive" in detail
    assert "donors' antibody" not in detail and "the vaccine is due once anti-HBc reads negative" not in detail
    assert "IVIG" not in entry["facts"]["hepatitis_b_not_offered"]


def test_r29_an_immune_anti_hbs_drawn_after_ivig_may_be_the_ivigs(kb, today):
    chart = _after_ivig(today).observation(ANTI_HBS, -5, value=40, unit="m[IU]/mL").hbv_markers("NEG", "NEG", day=-5)
    card, entry = _outcome(kb, chart, today)
    detail = " ".join(card["detail"].split())
    assert (f"hepatitis B immune (anti-HBs {chart.at(-5)}), though the titre was drawn 11 days after IVIG" in detail
            and "not the patient's immunity: repeat it once the IVIG has cleared before relying on it" in detail)
    assert entry["facts"]["anti_hbs_after_ivig"].startswith("drawn 11 days after IVIG")
    before = _new(today, onset=-40).observation(ANTI_HBS, -30, value=40, unit="m[IU]/mL").ivig_cycles((-20, 0.4, 5))
    _, entry = _outcome(kb, before.hbv_markers("NEG", "NEG", day=-30), today)
    assert entry["facts"]["anti_hbs"] == f"immune ({before.at(-30)})" and entry["facts"]["anti_hbs_after_ivig"] is None


def test_r29_a_quantitative_anti_hbs_code_missing_from_the_value_set_is_not_read(kb, today):
    """Review 424: anti-HBs 40 mIU/mL under LOINC 16935-9 (or 5193-8) was read as "not on file". Neither code is in
    the sourced terminology pack (its anti-HBs group is VSAC's presence codes only), so neither is in the value set:
    the card keeps saying "not on file" and asking for the serology, the safe side, until a sourced row adds them."""
    for code in ("16935-9", "5193-8"):
        chart = _new(today).hbv_markers("NEG", "NEG", day=-30)
        chart.observation(("http://loinc.org", code, "Hepatitis B virus surface Ab"), -5, value=40, unit="m[IU]/mL")
        card, entry = _outcome(kb, chart, today)
        assert entry["facts"]["anti_hbs"] == "not on file"
        assert [a["description"] for a in _serology(card)["actions"]] == ["Anti-HBs"]
