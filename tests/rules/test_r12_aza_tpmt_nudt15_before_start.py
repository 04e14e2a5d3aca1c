"""R12 aza-tpmt-nudt15-before-start: severity by metabolizer status, computed reduced ranges, the 3 mg/kg/day edge,
orders for only the missing tests, and the azathioprine on the chart that no draft replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import AZATHIOPRINE_50, LOINC, Chart
from fhir_fixtures.r12_aza_tpmt_nudt15_before_start import (
    NUDT15,
    TPMT_ACTIVITY,
    TPMT_GENOTYPE,
    normal_results,
    on_150_mg,
    patient,
)
from tests.conftest import deleted, explained, fired, run

RULE = "aza-tpmt-nudt15-before-start"


def _result(kb, today, chart, mg=50, unit="mg", **timing):
    chart.draft(AZATHIOPRINE_50, mg, unit, resource_id="aza", **timing)
    result = run(kb, chart.request("order-sign"), today)
    return fired(result).get(RULE), explained(result, RULE)


def _creates(card):
    return [a for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"]


@pytest.mark.parametrize("mg,fires", [(210, False), (211, True)])
def test_three_mg_per_kg_edge(kb, today, mg, fires):
    card, entry = _result(kb, today, normal_results(patient(today, kg=70)), mg=mg)
    assert (card is not None) is fires
    assert entry["facts"]["mg_per_kg_day"] == pytest.approx(mg / 70, abs=0.01)


def test_a_titration_written_as_two_orders_is_judged_by_the_step_given(kb, today):
    """50 mg daily for 2 weeks, then 150 mg daily, as two drafts, at 70 kg: at most 150 mg (2.1 mg/kg) a day. Every
    draft was added up as if all were given on one day, 200 mg/day (2.9 mg/kg/day); with 100 mg then 200 mg, 300 mg/day
    (4.3 mg/kg/day) made a false "above 3 mg/kg/day" warning."""
    chart = normal_results(patient(today, kg=70)).draft(AZATHIOPRINE_50, 50, "mg", end=13)
    card, entry = _result(kb, today, chart, mg=150, start=14)
    assert card is None
    assert entry["facts"]["mg_per_day"] == 150 and entry["facts"]["dose_basis"] == "150 mg/day"
    chart = normal_results(patient(today, kg=70)).draft(AZATHIOPRINE_50, 100, "mg", end=13)
    card, entry = _result(kb, today, chart, mg=200, start=14)
    assert card is None and entry["facts"]["mg_per_kg_day"] == pytest.approx(200 / 70, abs=0.01)


def test_a_morning_and_an_evening_order_still_add_up(kb, today):
    chart = normal_results(patient(today, kg=70)).draft(AZATHIOPRINE_50, 100, "mg")
    card, entry = _result(kb, today, chart, mg=150)
    assert entry["facts"]["mg_per_day"] == 250 and card["indicator"] == "warning"


def test_too_high_dose_is_replaced_by_50_mg_daily(kb, today):
    card, _ = _result(kb, today, normal_results(patient(today, kg=70)), mg=300)
    assert card["indicator"] == "warning" and "4.3 mg/kg/day" in card["detail"]
    replace = card["suggestions"][-1]
    assert replace["actions"][0] == {"type": "delete",
                                     "description": f"Cancel {AZATHIOPRINE_50[2]} (300 mg once a day)",
                                     "resourceId": "MedicationRequest/aza"}
    dose = replace["actions"][1]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
    assert dose == {"value": 50, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}


def test_no_replacement_when_the_dose_is_fine(kb, today):
    card, _ = _result(kb, today, patient(today), mg=50)
    assert card["indicator"] == "warning"
    assert not any(a["resource"]["resourceType"] == "MedicationRequest" for a in _creates(card))
    codes = [a["resource"]["code"] for a in _creates(card) if a["description"].startswith(("TPMT", "NUDT15"))]
    assert codes[0]["coding"][0]["code"] == "21563-2" and codes[1]["coding"][0]["code"] == "41048-0"
    assert codes[2] == {"text": "NUDT15 genotype"}


def test_blood_count_and_liver_monitoring_is_coded_as_every_card_orders_it(kb, today):
    """The row's 'CBC + LFT weekly for 4-8 weeks, then every 1-3 months' went as one uncoded order, 'CBC with
    differential and liver function tests': an EHR could neither result it nor see it beside R10's or R22's. It is now
    the CBC, ALT, AST and GGT each coded as every card orders them (hooks/definitions/lab_orders.py), with the
    schedule in each order's note."""
    card, _ = _result(kb, today, patient(today), mg=50)
    (monitoring,) = [s for s in card["suggestions"] if s["label"].startswith("CBC and liver tests")]
    assert monitoring["label"] == "CBC and liver tests weekly for 4-8 weeks, then every 1-3 months"
    resources = [a["resource"] for a in monitoring["actions"]]
    assert [r["code"]["coding"][0]["code"] for r in resources] == ["57021-8", "1742-6", "1920-8", "2324-2"]
    assert {r["note"][0]["text"] for r in resources} == {
        "Weekly for the first 4-8 weeks of azathioprine, then every 1-3 months."}
    assert [a["description"] for a in monitoring["actions"]] == ["CBC with differential", "ALT", "AST", "GGT"]


def test_only_nudt15_missing_orders_only_nudt15(kb, today):
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="*1/*1")
    card, _ = _result(kb, today, chart)
    assert card["summary"] == "Azathioprine: no NUDT15 result"
    tests = [a["description"] for a in card["suggestions"][0]["actions"]]
    assert tests == ["NUDT15 genotype"]


def test_poor_metabolizer_is_critical_and_offers_cancellation(kb, today):
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="*3A/*3A")
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"))
    assert card["indicator"] == "critical"
    assert card["suggestions"][0]["actions"] == [{"type": "delete",
                                                  "description": f"Cancel {AZATHIOPRINE_50[2]} (50 mg once a day)",
                                                  "resourceId": "MedicationRequest/aza"}]


@pytest.mark.parametrize("tpmt", ["Poor metabolizer (not intermediate)", "TPMT*3A/TPMT*3C"])
def test_poor_metabolizer_in_the_labs_own_words_is_critical(kb, today, tpmt):
    """Read as normal (a ruled-out category made the whole result normal) or as no result at all (the gene before
    each allele); either way a full dose went to a poor metabolizer without the hard stop (found by review)."""
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string=tpmt)
    card, entry = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=150)
    assert card["indicator"] == "critical"
    assert "poor" in entry["facts"]["tpmt"]


@pytest.mark.parametrize("activity", ["Below normal activity", "Not within normal limits"])
def test_r12_tpmt_activity_below_normal_in_words_is_no_full_dose_start(kb, today, activity):
    """A TPMT activity written "Below normal activity" was read as normal ("normal" stands in it): azathioprine
    150 mg went on with no card. It is low, the lab not saying how low: read as low activity is (poor not ruled out)."""
    chart = patient(today).observation(TPMT_ACTIVITY, -30, value_string=activity)
    card, entry = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=150)
    assert card["indicator"] == "critical" and entry["facts"]["tpmt"].endswith("(low unspecified)")


@pytest.mark.parametrize(("tpmt", "nudt15", "gene"), [
    ("Homozygous TPMT*3A", "*1/*1", "TPMT"),
    ("homozygous for the *3A allele", "*1/*1", "TPMT"),
    ("*1/*1", "c.415C>T homozygous", "NUDT15"),
])
def test_r12_a_variant_written_homozygous_is_a_poor_metabolizer(kb, today, tpmt, nudt15, gene):
    """"Homozygous TPMT*3A" was read as no result: a warning that advised 25-50 mg/day and ordered the test again,
    where a poor metabolizer must get the hard stop (review 407)."""
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string=tpmt)
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string=nudt15), mg=100)
    assert card["indicator"] == "critical"
    assert card["summary"] == f"Azathioprine: {gene} poor metabolizer: do not use a thiopurine"
    assert not any(a["description"].startswith(("TPMT", "NUDT15")) for a in _creates(card))


def test_r12_homozygous_for_the_normal_allele_is_a_normal_metabolizer(kb, today):
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="Homozygous wild-type")
    card, entry = _result(kb, today, chart.observation(NUDT15, -30, value_string="Homozygous *1/*1"), mg=100)
    assert card is None and entry["facts"]["tpmt"].endswith("(normal)")


@pytest.mark.parametrize("activity", ["TPMT genotype normal; phenotype low",
                                      "Genotype normal (*1/*1); phenotype low activity"])
def test_r12_one_result_saying_normal_and_low_is_read_low(kb, today, activity):
    """One text saying both "normal" and "low" was read as normal: 150 mg went on with no card. Discordant words
    are read on the safe side, as two results that disagree are (review 407)."""
    chart = patient(today).observation(TPMT_ACTIVITY, -30, value_string=activity)
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=150)
    assert card["indicator"] == "critical"


def test_r12_a_result_that_cannot_be_read_is_quoted_not_called_missing(kb, today):
    """A result on file that could not be read was headlined "no TPMT result" (review 407)."""
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="See scanned report")
    card, entry = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"))
    assert card["indicator"] == "warning" and card["summary"] == "Azathioprine: TPMT result could not be read"
    day = (today - timedelta(days=30)).isoformat()
    assert f"TPMT: result could not be read: TPMT Genotype 'See scanned report' ({day})" in card["detail"]
    assert "no TPMT result" not in card["detail"] and "Read the TPMT result in the lab report" in card["detail"]
    assert entry["facts"]["tpmt_set_aside"] == f"TPMT Genotype 'See scanned report' ({day})"
    # with a status for the other gene, what could not be read is said beside it
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="*1/*3A")
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="See scanned report"))
    assert "NUDT15 result could not be read: read it in the lab report or test it as well." in card["detail"]


def test_intermediate_range_is_computed_and_a_higher_dose_replaced(kb, today):
    chart = patient(today, kg=60).observation(TPMT_GENOTYPE, -30, value_string="*1/*3A")
    card, entry = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=175)
    assert card["indicator"] == "warning"
    assert "30-80%" in card["summary"]
    assert "**50-125 mg/day**" in card["detail"]  # 0.3 x 2 x 60 = 36 -> 50; 0.8 x 3 x 60 = 144 -> 125
    assert entry["facts"]["reduced_start"] == "30-80%"
    med = [a for a in _creates(card) if a["resource"]["resourceType"] == "MedicationRequest"]
    assert med[0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 50


def test_both_intermediate_uses_20_to_50_percent(kb, today):
    chart = patient(today, kg=70).observation(TPMT_GENOTYPE, -30, value_string="*1/*3C")
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*3"), mg=100)
    assert "20-50%" in card["summary"] and "**50-100 mg/day**" in card["detail"]


def test_no_weight_gives_mg_per_kg_only(kb, today):
    chart = normal_results(patient(today, kg=None))
    card, entry = _result(kb, today, chart, mg=3.5, unit="mg/kg")
    assert card is not None and entry["facts"]["mg_per_day"] is None
    assert "mg/day not computed: no body weight" in card["detail"]
    assert entry["facts"]["dosing_weight"] is None


def test_stale_weight_is_not_used(kb, today):
    chart = normal_results(patient(today, kg=None)).weight(50, day=-40)
    card, entry = _result(kb, today, chart, mg=200)
    assert card is None and entry["facts"]["mg_per_kg_day"] is None


def test_activity_below_range_without_category_is_critical(kb, today):
    chart = patient(today).observation(TPMT_ACTIVITY, -30, value=6, unit="U/mL", low=15.1)
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"))
    assert card["indicator"] == "critical" and "category not stated" in card["summary"]
    assert [a["description"] for a in card["suggestions"][0]["actions"]] == ["TPMT activity (RBC)", "TPMT genotype"]


def test_transfusion_means_genotype_only(kb, today):
    chart = patient(today).procedure("Blood transfusion", -45)
    chart.observation(TPMT_ACTIVITY, -30, value_string="Normal").observation(NUDT15, -30, value_string="*1/*1")
    card, entry = _result(kb, today, chart)
    assert "no valid TPMT result" in card["summary"]
    assert [a["description"] for a in card["suggestions"][0]["actions"]] == ["TPMT genotype"]
    assert "transfusion" in entry["facts"]["tpmt_set_aside"]


def test_a_dose_per_m2_goes_through_the_body_surface_area_never_as_per_kg(kb, today):
    """100 mg/m2 daily at 70 kg and 175 cm (Mosteller BSA 1.85 m2) is ~185 mg/day, 2.6 mg/kg/day: within range.
    Read as 100 mg/kg/day it would have been flagged as a gross overdose."""
    card, entry = _result(kb, today, normal_results(patient(today, kg=70)).height(175), mg=100, unit="mg/m2")
    assert card is None
    assert entry["facts"]["mg_per_day"] == pytest.approx(100 * 1.85, abs=1)
    assert entry["facts"]["mg_per_kg_day"] == pytest.approx(100 * 1.85 / 70, abs=0.02)


def test_a_dose_per_m2_without_a_height_is_not_called_within_range(kb, today):
    """200 mg/m2 (~5 mg/kg/day at 70 kg) cannot be checked without a height: the rule says so, never 'fine'."""
    card, entry = _result(kb, today, normal_results(patient(today, kg=70)), mg=200, unit="mg/m2")
    assert card is None and entry["status"] == "not-evaluable"
    assert "could not be read" in entry["reason"] and "no current weight" not in entry["reason"]
    assert entry["facts"]["mg_per_day"] is None and entry["facts"]["mg_per_kg_day"] is None


def test_without_a_weight_a_mg_dose_is_not_called_within_range(kb, today):
    _card, entry = _result(kb, today, normal_results(patient(today, kg=None)), mg=150)
    assert entry["status"] == "not-evaluable" and "no current weight" in entry["reason"]


def test_a_per_kg_per_day_dose_given_twice_a_day_is_not_doubled(kb, today):
    card, entry = _result(kb, today, normal_results(patient(today, kg=70)), mg=2, unit="mg/kg/day", frequency=2)
    assert card is None and entry["status"] == "not-fired"
    assert entry["facts"]["mg_per_kg_day"] == pytest.approx(2) and entry["facts"]["mg_per_day"] == pytest.approx(140)


def test_a_dose_in_g_per_kg_is_converted_to_mg(kb, today):
    _card, entry = _result(kb, today, normal_results(patient(today, kg=70)), mg=0.0025, unit="g/kg")
    assert entry["facts"]["mg_per_kg_day"] == pytest.approx(2.5)
    assert entry["facts"]["mg_per_day"] == pytest.approx(175)


def test_two_instructions_given_together_add_up(kb, today):
    """100 mg in the morning and 100 mg at night, as two dosage instructions, are 200 mg/day (3.3 mg/kg/day at
    60 kg): above the range. Only the first instruction used to be read (1.7 mg/kg/day, 'within range')."""
    chart = normal_results(patient(today, kg=60)).draft(AZATHIOPRINE_50, 100, "mg", resource_id="aza")
    chart.given_with()
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    assert entry["facts"]["mg_per_day"] == pytest.approx(200)
    assert fired(result).get(RULE) is not None


def test_two_azathioprine_drafts_add_up_and_both_are_replaced(kb, today):
    """A morning and an evening draft of 100 mg are 200 mg/day (3.3 mg/kg/day at 60 kg); only the first draft
    used to be read (1.7 mg/kg/day, 'within range')."""
    chart = normal_results(patient(today, kg=60)).draft(AZATHIOPRINE_50, 100, "mg", resource_id="aza-am")
    card, entry = _result(kb, today, chart, mg=100)
    assert entry["facts"]["mg_per_day"] == pytest.approx(200)
    assert card is not None and "3.3 mg/kg/day" in card["detail"]
    cancelled = {a["resourceId"] for a in card["suggestions"][-1]["actions"] if a["type"] == "delete"}
    assert cancelled == {"MedicationRequest/aza-am", "MedicationRequest/aza"}


def test_unavailable_procedures_leave_a_tpmt_activity_unverifiable(kb, today):
    """A transfusion (a Procedure) makes an activity result invalid: without the procedures R12 cannot tell."""
    chart = patient(today, kg=70).procedure("Blood transfusion", -45)
    chart.observation(TPMT_ACTIVITY, -30, value=20.5, unit="U/mL", low=15.1)
    chart.observation(NUDT15, -30, value_string="*1/*1 normal metabolizer")
    chart.draft(AZATHIOPRINE_50, 150, "mg")
    assert RULE in fired(run(kb, chart.request("order-sign"), today))
    request = chart.request("order-sign")
    del request["prefetch"]["procedures"]
    result = run(kb, request, today, unavailable=["procedures"])
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable" and "procedures" in entry["reason"]


def test_every_per_kg_instruction_counts(kb, today):
    """1.75 mg/kg morning and evening is 3.5 mg/kg/day; only the first instruction was read (1.75, quiet)."""
    chart = normal_results(patient(today, kg=None)).draft(AZATHIOPRINE_50, 1.75, "mg/kg", resource_id="aza")
    chart.given_with()
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    assert RULE in fired(result) and entry["facts"]["mg_per_kg_day"] == 3.5


def _replacement(card):
    return [a["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]
            for a in _creates(card) if a["resource"]["resourceType"] == "MedicationRequest"]


@pytest.mark.parametrize(("kg", "mg", "suggested"), [
    (12, 100, [25]),  # 3 mg/kg x 12 kg = 36 mg: 25 mg, not the adult 50 mg (4.2 mg/kg/day)
    (7, 50, []),  # 21 mg: no whole 25 mg step fits
])
def test_a_childs_replacement_never_exceeds_the_mg_per_kg_limit(kb, today, kg, mg, suggested):
    card, _ = _result(kb, today, normal_results(patient(today, kg=kg, age=6)), mg=mg)
    assert card is not None and _replacement(card) == suggested
    assert ("no whole 25 mg step fits this weight" in card["detail"]) is (not suggested)


@pytest.mark.parametrize(("kg", "age", "tpmt", "mg", "code", "amount"), [
    (70, 52, "*1/*1", 50, "197388", "1 x 50 mg tablet"),  # the usual start: its code is unchanged
    (12, 6, "*1/*1", 25, "199310", "1 x 25 mg tablet"),  # 3 mg/kg at 12 kg: was half a 50 mg tablet
    (100, 52, "*1/*3A", 75, "359229", "1 x 75 mg tablet"),  # intermediate: 75-225 mg/day; was 1.5 x 50 mg tablets
])
def test_the_replacement_names_a_tablet_that_gives_its_dose(kb, today, kg, age, tpmt, mg, code, amount):
    """Every replacement was ordered as 'azathioprine 50 MG Oral Tablet', whatever its 25 mg step; it is now the
    largest whole tablet the dose is a number of, and the order's text says how many."""
    chart = patient(today, kg=kg, age=age).observation(TPMT_GENOTYPE, -30, value_string=tpmt)
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=300)
    [create] = [a["resource"] for a in _creates(card) if a["resource"]["resourceType"] == "MedicationRequest"]
    dosage = create["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert create["medicationCodeableConcept"]["coding"][0]["code"] == code
    assert dosage["text"] == (f"Azathioprine {mg:g} mg ({amount}) by mouth once daily; titrate by 25-50 mg/day every "
                              "1-2 weeks to the blood count")


def test_a_child_with_no_weight_gets_no_replacement_dose(kb, today):
    card, _ = _result(kb, today, normal_results(patient(today, kg=None, age=6)), mg=4, unit="mg/kg")
    assert _replacement(card) == [] and "a child's dose needs a current body weight (R33)" in card["detail"]


@pytest.mark.parametrize(("kg", "says"), [(20, "**25 mg/day**"), (10, "**6-24 mg/day**")])
def test_a_reduced_range_of_one_step_is_one_dose(kb, today, kg, says):
    """20 kg, TPMT intermediate: 30-80% of 2-3 mg/kg/day is 12-48 mg, one 25 mg step (it read "25-25 mg/day");
    10 kg: no whole step fits, so the range is given to 0.1 mg."""
    chart = patient(today, kg=kg, age=8).observation(TPMT_GENOTYPE, -30, value_string="*1/*3A")
    card, _ = _result(kb, today, chart.observation(NUDT15, -30, value_string="*1/*1"), mg=100)
    assert says in card["detail"]


def test_an_extra_instruction_with_no_dose_keeps_the_card(kb, today):
    """300 mg at 70 kg (4.3 mg/kg/day) with a second 'take with food' instruction went not-evaluable."""
    chart = normal_results(patient(today, kg=70)).draft(AZATHIOPRINE_50, 300, "mg", resource_id="aza")
    chart.drafts[-1]["dosageInstruction"].append({"text": "take with food"})
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert card is not None and "4.3 mg/kg/day" in card["detail"]


PGX_EFFECT = (LOINC, "53040-2", "Genetic variation's effect on drug metabolism")


def _under_generic_code(chart: Chart, gene: str, value: str) -> Chart:
    """A pharmacogenomic result sent under LOINC 53040-2, the gene named only in its text."""
    chart.observation(PGX_EFFECT, -30, value_string=value)
    chart.resources["observations"][-1]["code"]["text"] = f"{gene} genotype"
    return chart


@pytest.mark.parametrize(("tpmt", "indicator"), [("Normal metabolizer", None), ("Poor metabolizer", "critical")])
def test_results_sent_under_a_generic_loinc_code_are_read_by_their_text(kb, today, tpmt, indicator):
    """TPMT and NUDT15 sent under 'Genetic variation's effect on drug metabolism' with the gene in the text were never
    read (a LOINC code is never matched by name): R12 asked for both tests again, and a poor metabolizer got the
    'no result' warning instead of the hard stop (from review)."""
    chart = _under_generic_code(_under_generic_code(patient(today), "TPMT", tpmt), "NUDT15", "Normal metabolizer")
    card, entry = _result(kb, today, chart)
    assert (card["indicator"] if card else None) == indicator
    assert entry["facts"]["tpmt"].startswith(f"TPMT genotype '{tpmt}'") and entry["facts"]["nudt15"] is not None


def test_another_gene_under_the_generic_code_is_no_tpmt_result(kb, today):
    chart = patient(today).observation(NUDT15, -30, value_string="*1/*1")
    chart = _under_generic_code(chart, "CYP2C19", "Poor metabolizer")
    card, _ = _result(kb, today, chart)
    assert card["summary"] == "Azathioprine: no TPMT result"


def test_azathioprine_on_the_chart_that_no_draft_replaces_adds_up_with_the_draft(kb, today):
    """150 mg daily active and 50 mg twice a day drafted with no link (another schedule, so not its renewal): 250 mg
    a day, 3.6 mg/kg/day at 70 kg. R12 read only the draft (1.4 mg/kg/day, 'within 3 mg/kg/day'; audit F1). The card
    names the chart's order and offers to cancel the draft (recommended), not a new dose (each alone is within the
    range). Keeping the draft and discontinuing the chart's order is no second suggestion: beside the monitoring one
    the card's selection is "any", and taking both would leave no azathioprine (continuing.one_way_out_each)."""
    card, entry = _result(kb, today, on_150_mg(today), mg=50, frequency=2)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Azathioprine: dose above 3 mg/kg/day with the order on the chart"
    assert ("Ordered: Azathioprine 50 MG Oral Tablet [Imuran] (100 mg/day), with the azathioprine on the chart, 250 "
            "mg/day = 3.6 mg/kg/day at 70 kg.") in card["detail"]
    assert ("Already on the chart, and going on beside the draft: Azathioprine 50 MG Oral Tablet [Imuran], 150 mg "
            "once a day.") in card["detail"]
    assert "Together with the order on the chart they give 3.6 mg/kg/day, above 3 mg/kg/day." in card["detail"]
    [cancel] = [s for s in card["suggestions"] if deleted(s)]
    assert cancel["isRecommended"] and deleted(cancel) == ["MedicationRequest/aza"]
    assert card["selectionBehavior"] == "any" and _replacement(card) == []
    assert entry["facts"]["mg_per_day"] == 250 and entry["facts"]["mg_per_kg_day"] == pytest.approx(3.57)
    assert entry["facts"]["azathioprine_on_chart"] == "Azathioprine 50 MG Oral Tablet [Imuran]: 150 mg once a day"


def test_a_draft_too_high_on_its_own_is_replaced_and_the_chart_order_stopped(kb, today):
    """250 mg twice a day beside the 150 mg order: 7.1 mg/kg/day; the 50 mg offered instead stops the chart's order
    too, or beside it the new dose would add up again."""
    card, _ = _result(kb, today, on_150_mg(today), mg=250, frequency=2)
    [replace] = [s for s in card["suggestions"] if deleted(s)]
    assert deleted(replace) == ["MedicationRequest/aza", "MedicationRequest/aza-150"] and _replacement(card) == [50]


@pytest.mark.parametrize("how", ["priorPrescription", "same id", "no link"])
def test_a_dose_change_that_replaces_the_chart_order_is_judged_alone(kb, today, how):
    """The audit's example: 150 mg daily active and 100 mg daily drafted. Linked to it (the EHR's modify), or re-sent
    as it, it replaces it: 100 mg a day, no card. With no link it is read as its dose change (the draft judged alone)
    but signing does not stop the 150 mg order: a warning that both would give 250 mg a day, 3.6 mg/kg/day, which
    offers to discontinue it (it was quiet)."""
    chart = on_150_mg(today).draft(AZATHIOPRINE_50, 100, "mg",
                                   resource_id="aza-150" if how == "same id" else "aza-draft")
    if how == "priorPrescription":
        chart.replacing("aza-150")
    result = run(kb, chart.request("order-sign"), today)
    entry, card = explained(result, RULE), fired(result).get(RULE)
    assert entry["facts"]["mg_per_day"] == 100
    assert entry["facts"]["on_chart_replaced"].startswith("Azathioprine 50 MG Oral Tablet [Imuran] "
                                                          "(MedicationRequest/aza-150)")
    if how != "no link":
        assert card is None and entry["status"] == "not-fired"
        return
    assert card["indicator"] == "warning"
    assert card["summary"] == "Azathioprine 100 mg/day draft: the 150 mg/day order on the chart is still active"
    assert ("is read as replaced by this draft, which does not link to it: discontinue it when signing, or both would "
            "be given (250 mg/day together, 3.6 mg/kg/day, above 3 mg/kg/day).") in card["detail"]
    [stop] = card["suggestions"]
    assert stop["isRecommended"] and deleted(stop) == ["MedicationRequest/aza-150"]


def test_an_order_left_active_is_named_on_a_card_given_for_another_reason(kb, today):
    """No NUDT15 result, and 100 mg daily rewriting the 150 mg order with no link: the card for the missing test
    also says the order on the chart is still active and offers to discontinue it."""
    chart = patient(today).observation(TPMT_GENOTYPE, -20, value_string="*1/*1")
    chart.medication(AZATHIOPRINE_50, 150, "mg", start=-200, resource_id="aza-150")
    card, _ = _result(kb, today, chart, mg=100)
    assert card["summary"] == "Azathioprine: no NUDT15 result"
    assert "(250 mg/day together, 3.6 mg/kg/day, above 3 mg/kg/day)" in card["detail"]
    assert deleted(card["suggestions"][-1]) == ["MedicationRequest/aza-150"]


def test_a_poor_metabolizer_stops_the_azathioprine_on_the_chart_too(kb, today):
    """TPMT poor, on 50 mg daily, and 25 mg twice a day drafted beside it: cancelling the draft alone would leave the
    chart's azathioprine, so the recommended cancellation stops both."""
    chart = patient(today).observation(TPMT_GENOTYPE, -30, value_string="*3A/*3A")
    chart.observation(NUDT15, -30, value_string="*1/*1").medication(AZATHIOPRINE_50, 50, "mg", start=-60,
                                                                      resource_id="aza-50")
    card, _ = _result(kb, today, chart, mg=25, frequency=2)
    assert card["indicator"] == "critical"
    assert deleted(card["suggestions"][0]) == ["MedicationRequest/aza", "MedicationRequest/aza-50"]


def test_a_draft_that_discontinues_the_chart_order_gives_no_dose(kb, today):
    chart = on_150_mg(today).draft(AZATHIOPRINE_50, 150, "mg", status="stopped", resource_id="aza-150")
    entry = explained(run(kb, chart.request("order-sign"), today), RULE)
    assert entry["status"] == "not-fired" and "discontinues an order gives none" in entry["reason"]


@pytest.mark.parametrize(("age", "weighed", "window"), [(9, -10, 7), (52, -31, 30)])
def test_a_missing_weight_is_said_with_the_window_that_applied(kb, today, age, weighed, window):
    """A child's dosing weight is at most 7 days old (section 4.2, as R33 says): with a weight 10 days old, the card
    said 'no body weight in the last 30 days' (the adult window), which the chart contradicts."""
    said = f"no body weight in the last {window} days (latest 30 kg on {today + timedelta(days=weighed)}, too old)"
    if age < 18:
        card = fired(run(kb, fhir_fixtures.get("r12-fires-child-weight-10-days-old").request(today), today))[RULE]
        assert f"2.0 mg/kg/day; mg/day not computed: {said}." in card["detail"]
    card, _ = _result(kb, today, patient(today, kg=None, age=age).weight(30, day=weighed), mg=100)
    assert f"100 mg/day; mg/kg/day not checked: {said}." in card["detail"]
    intermediate = patient(today, kg=None, age=age).weight(30, day=weighed)
    intermediate.observation(TPMT_GENOTYPE, -30, value_string="*1/*3A").observation(NUDT15, -30, value_string="*1/*1")
    card, _ = _result(kb, today, intermediate, mg=100)
    assert f"The mg/day range could not be computed: {said}." in card["detail"]


def test_a_newer_weight_that_cannot_be_read_is_named_not_said_missing(kb, today):
    """Review of f0ec9f8: 30 kg two days ago, then '30 g' yesterday: no dosing weight, but the card said 'no body
    weight in the last 30 days' though one 2 days old is on file. It says which one could not be read."""
    chart = patient(today, kg=None, age=52).weight(30, day=-2).weight(30, day=-1, unit="g")
    card, _ = _result(kb, today, chart, mg=100)
    assert ("not checked: no body weight in the last 30 days (the latest weight, 30 g on "
            f"{today - timedelta(days=1)}, cannot be read as a weight in kg).") in card["detail"]


def test_an_order_left_active_is_added_to_the_titration_step_given_with_it(kb, today):
    """150 mg daily on the chart, rewritten with no link by a titration drafted as two orders (50 mg for 2 weeks,
    then 100 mg): both would be given with each step, at most 250 mg a day. The line added up every step, as if all
    were given on one day: 300 mg/day (R06, R07 and R09 add up only what is given on the same day)."""
    chart = on_150_mg(today).draft(AZATHIOPRINE_50, 50, "mg", end=13)
    card, _ = _result(kb, today, chart, mg=100, start=14)
    assert ("150 mg once a day (on the chart, still active) is read as replaced by this draft, which does not link to "
            "it: discontinue it when signing, or both would be given (250 mg/day together, 3.6 mg/kg/day, above 3 "
            "mg/kg/day).") in card["detail"]


def _with_an_order_not_read(chart):
    """Beside the chart's other orders, azathioprine 'as directed' with no timing (its dose and schedule not read:
    it goes on beside the draft, as no draft can be told to write it again)."""
    resource = chart.medication_request(AZATHIOPRINE_50, None, None, start=-30, text="as directed by the clinic",
                                        resource_id="aza-sig")
    del resource["dosageInstruction"][0]["timing"]
    chart.resources["medications"].append(resource)
    return chart


def test_a_dose_above_3_mg_per_kg_is_said_though_an_order_beside_it_is_not_read(kb, today):
    """TPMT and NUDT15 normal, 250 mg daily drafted at 70 kg (3.6 mg/kg/day), beside an order whose dose is not
    read. The total was given up for that order (not evaluable, no card), though the draft alone already passes
    3 mg/kg/day: the card fires, 'at least', and names the order not counted."""
    card, entry = _result(kb, today, _with_an_order_not_read(normal_results(patient(today))), mg=250)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Azathioprine: dose above 3 mg/kg/day with the order on the chart"
    assert "with the azathioprine on the chart, at least 250 mg/day = 3.6 mg/kg/day at 70 kg." in card["detail"]
    assert ("Not read, so not counted: Azathioprine 50 MG Oral Tablet [Imuran] (on the chart): free-text sig 'as "
            "directed by the clinic' could not be read safely.") in card["detail"]
    assert "Together with the order on the chart they give at least 3.6 mg/kg/day, above 3 mg/kg/day." \
        in card["detail"]
    assert entry["facts"]["mg_per_kg_day"] == pytest.approx(3.57, abs=0.01)
    # with what is read within 3 mg/kg/day, the dose is not checked: never 'within' with an order left out
    _, entry = _result(kb, today, _with_an_order_not_read(normal_results(patient(today))), mg=100)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == ("TPMT and NUDT15 normal, but the dose could not be checked against 3 mg/kg/day "
                               "(Azathioprine 50 MG Oral Tablet [Imuran] (on the chart): free-text sig 'as directed by "
                               "the clinic' could not be read safely)")


def test_a_left_active_total_over_3_mg_per_kg_is_said_though_another_dose_is_not_read(kb, today):
    """150 mg daily rewritten as 100 mg daily with no link (250 mg a day unless it is discontinued), beside an order
    whose dose is not read: the rule gave up (not evaluable, no card) though what it read passes 3 mg/kg/day. The
    left-active warning now fires and names what it could not check; keeping the draft is offered (the one click
    that stops the 150 mg order) but not recommended, as what it gives with the order not read is not known."""
    card, _ = _result(kb, today, _with_an_order_not_read(on_150_mg(today)), mg=100)
    assert card["indicator"] == "warning"
    assert card["summary"] == "Azathioprine 100 mg/day draft: the 150 mg/day order on the chart is still active"
    assert ("both would be given (at least 250 mg/day together, 3.6 mg/kg/day, above 3 mg/kg/day; the Azathioprine "
            "50 MG Oral Tablet [Imuran] order on the chart could not be counted).") in card["detail"]
    assert "Not checked: TPMT and NUDT15 normal, but the dose could not be checked" in card["detail"]
    assert ("So what keeping the draft gives is not known (the Azathioprine 50 MG Oral Tablet [Imuran] order on the "
            "chart, dose not read, not counted in full): it is not recommended.") in card["detail"]
    [stop] = card["suggestions"]
    assert deleted(stop) == ["MedicationRequest/aza-150"] and stop["isRecommended"] is False


def test_a_draft_not_read_makes_what_the_drafts_give_at_least(kb, today):
    """150 mg daily on the chart goes on beside 50 mg twice a day drafted and a second draft 'as directed' with no
    timing (its dose not read). The card said 'Ordered: A + B (100 mg/day), with the azathioprine on the chart', as if
    100 mg were all the drafts give: it is the least they give, and the draft not read is named as the draft."""
    chart = on_150_mg(today).draft(AZATHIOPRINE_50, 50, "mg", frequency=2, resource_id="aza-draft")
    resource = chart.medication_request(AZATHIOPRINE_50, None, None, start=0, status="draft", intent="proposal",
                                        text="as directed by the clinic", resource_id="aza-sig")
    del resource["dosageInstruction"][0]["timing"]
    card = fired(run(kb, chart.draft_resource(resource).request("order-sign"), today))[RULE]
    assert card["summary"] == "Azathioprine: dose above 3 mg/kg/day with the order on the chart"
    assert ("Ordered: Azathioprine 50 MG Oral Tablet [Imuran] + Azathioprine 50 MG Oral Tablet [Imuran] (at least "
            "100 mg/day), with the azathioprine on the chart, at least 250 mg/day = 3.6 mg/kg/day at 70 kg.") \
        in card["detail"]
    assert ("Not read, so not counted: Azathioprine 50 MG Oral Tablet [Imuran]: free-text sig 'as directed by the "
            "clinic' could not be read safely.") in card["detail"]


def test_an_order_left_active_whose_dose_is_not_read_is_named_so_in_the_summary(kb, today):
    """Azathioprine 'as directed' daily on the chart, rewritten as 100 mg daily with no link: the summary named the
    chart order by why its dose was not read ("the free-text sig '...' could not be read safely order on the
    chart"); it is the order on the chart, its dose not read."""
    chart = normal_results(patient(today)).medication(AZATHIOPRINE_50, None, None, start=-30, text="as directed",
                                                      resource_id="aza-sig")
    card, _ = _result(kb, today, chart, mg=100)
    assert card["indicator"] == "warning"
    assert card["summary"] == ("Azathioprine 100 mg/day draft: the order on the chart (dose not read) is still "
                               "active")
    assert "Ordered: Azathioprine 50 MG Oral Tablet [Imuran], 100 mg/day." in card["detail"]


def _with_a_draft_not_read(chart):
    """A second azathioprine draft 'as directed' with no timing: its dose not read."""
    resource = chart.medication_request(AZATHIOPRINE_50, None, None, start=0, status="draft", intent="proposal",
                                        text="as directed by the clinic", resource_id="aza-sig")
    del resource["dosageInstruction"][0]["timing"]
    return chart.draft_resource(resource)


def test_a_draft_not_read_beside_the_chart_order_is_not_judged_within_alone(kb, today):
    """Review of 6311aa2: 150 mg daily on the chart, 50 mg twice a day drafted and a draft not read: at least
    3.6 mg/kg/day. The card offered to cancel the drafts or discontinue the chart order (the drafts alone within
    3 mg/kg/day), judged on 100 mg, only the least the drafts give; now the replacement dose that cancels every
    draft and stops the chart order."""
    chart = _with_a_draft_not_read(on_150_mg(today).draft(AZATHIOPRINE_50, 50, "mg", frequency=2,
                                                           resource_id="aza-draft"))
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    [replace] = [s for s in card["suggestions"] if s["label"].startswith("Replace with azathioprine")]
    assert deleted(replace) == ["MedicationRequest/aza-draft", "MedicationRequest/aza-sig", "MedicationRequest/aza-150"]
    assert not any(s["label"].startswith("Cancel the draft") for s in card["suggestions"])


def test_a_new_start_with_a_draft_not_read_says_at_least_once(kb, today):
    # 'a new start at at least 150 mg/day'
    chart = _with_a_draft_not_read(patient(today).draft(AZATHIOPRINE_50, 150, "mg", resource_id="aza-draft"))
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert "This is a new start of at least 150 mg/day; the usual start is 25-50 mg/day." in card["detail"]


@pytest.mark.parametrize(("case", "leaves"), [
    ("names it", "The azathioprine on the chart alone gives 250 mg/day, 3.6 mg/kg/day, above 3 mg/kg/day: cancelling "
                 "the draft would leave that."),
    ("no link", "The azathioprine on the chart alone gives 250 mg/day, 3.6 mg/kg/day, above 3 mg/kg/day: cancelling "
                "the draft would leave that."),
    ("not read", "The azathioprine on the chart alone gives at least 100 mg/day (the Azathioprine 50 MG Oral Tablet "
                 "[Imuran] order could not be counted): whether cancelling the draft would leave the chart within the "
                 "limits is not known."),
])
def test_cancelling_the_draft_is_offered_only_where_what_it_leaves_is_read_and_within(kb, today, case, leaves):
    """70 kg, on 150 mg daily (``aza-150``) and 50 mg twice a day (``aza-bid``): a 150 mg daily draft that names
    the 150 mg order as its prior prescription, or rewrites it with no link, gives 250 mg a day with the twice-daily
    order (3.6 mg/kg/day). 'Cancel the draft: the order on the chart stays active' was recommended, counting only the
    twice-daily order (found by review): cancelling leaves both, 250 mg a day. So with an order beside the draft
    whose dose is not read (the 150 mg order is then replaced by the draft, re-sent): what cancelling leaves is not
    known. The card says so, and the new dose offered instead stops every order on the chart."""
    chart = on_150_mg(today).medication(AZATHIOPRINE_50, 50, "mg", frequency=2, start=-30, resource_id="aza-bid")
    if case == "not read":
        chart.medication(AZATHIOPRINE_50, None, None, start=-30, text="as directed", resource_id="aza-sig")
    chart.draft(AZATHIOPRINE_50, 150, "mg", resource_id="aza-150" if case == "not read" else "aza-draft")
    if case == "names it":
        chart.replacing("aza-150")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["summary"] == "Azathioprine: dose above 3 mg/kg/day with the order on the chart"
    assert f"- {leaves}" in card["detail"]
    assert not any(s["label"].startswith(("Cancel the draft", "Keep the draft")) for s in card["suggestions"])
    [replace] = [s for s in card["suggestions"] if deleted(s)]
    assert replace["label"].startswith("Replace with azathioprine") and set(deleted(replace)) == {
        f"MedicationRequest/{o['id']}" for o in [*chart.drafts, *chart.resources["medications"]]}
