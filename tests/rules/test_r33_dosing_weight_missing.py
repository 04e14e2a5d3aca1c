"""R33 dosing-weight-missing: age limits of weight and height (adult and child), what it asks for, facts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    METHYLPRED_1000,
    PREDNISONE_20,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r06_prednisone_adult_dose_check import PRED_EYE_DROPS
from fhir_fixtures.r33_dosing_weight_missing import (
    CYCLOPHOSPHAMIDE,
    child_text_weight,
    implausible_for_height,
    stale,
)
from tests.conftest import explained, fired, run

RULE = "dosing-weight-missing"


@pytest.mark.parametrize(("age", "weight_day", "fires"), [(50, -30, False), (50, -31, True),
                                                          (12, -7, False), (12, -8, True)])
def test_weight_age_limits_adult_and_child(kb, today, age, weight_day, fires):
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-10).weight(40, day=weight_day)
    chart.draft(PREDNISONE_20, 40, "mg")
    assert (RULE in fired(run(kb, chart.request("order-sign"), today))) is fires


@pytest.mark.parametrize(("age", "height_day", "fires"), [(50, -365, False), (50, -366, True),
                                                          (12, -30, False), (12, -31, True)])
def test_height_age_limits_for_bsa_orders(kb, today, age, height_day, fires):
    chart = Chart(today, age=age).weight(45, day=-1).height(160, day=height_day)
    chart.draft("rituximab Injectable Product", 375, "mg/m2", route=ROUTE_IV)
    assert (RULE in fired(run(kb, chart.request("order-sign"), today))) is fires


def test_height_not_needed_for_per_kg_orders(kb, today):
    chart = Chart(today, age=50).weight(70, day=-1)  # no height at all
    chart.draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV)
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))


@pytest.mark.parametrize(("drug", "dose", "unit", "missing"), [
    (CYCLOPHOSPHAMIDE, 750, "mg/m2", "weight and height"),
    (CYCLOPHOSPHAMIDE, 0.75, "g/m2", "weight and height"),  # audit F7: only mg/m2 was read as per m2
    (CYCLOPHOSPHAMIDE, 750, "mg/m²", "weight and height"),
    (CYCLOPHOSPHAMIDE, 375, "mg/m2/d", "weight and height"),
    (METHYLPRED_1000, 15_000, "mcg/kg", "weight"),
    (METHYLPRED_1000, 15_000, "\u03bcg/kg", "weight"),  # Greek mu, as often typed
    (METHYLPRED_1000, 1, "g", None),  # an adult's fixed pulse is no weight-based dose
])
def test_every_mass_unit_per_kg_or_per_m2_needs_the_measurement(kb, today, drug, dose, unit, missing):
    """A dose per kg or per m2 is one in any mass unit (g, mg, mcg), per administration or per day: 0.75 g/m2
    cyclophosphamide with no weight or height on file was 'no weight- or BSA-based draft order'."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).draft(drug, dose, unit, route=ROUTE_IV)
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert (card["summary"].startswith(f"Measure {missing} today") if missing else card is None), unit


@pytest.mark.parametrize(("drug", "sig", "missing"), [
    (CYCLOPHOSPHAMIDE, "750 mg/m2 IV once", "height"),
    (CYCLOPHOSPHAMIDE, "0.75 g/m2 IV once", "height"),  # review: quiet, the sig kept its own list of units
    (CYCLOPHOSPHAMIDE, "0.75 g/m² IV once", "height"),
    (METHYLPRED_1000, "15000 mcg/kg IV once", None),  # weighed yesterday: nothing missing (and it is read)
])
def test_a_text_only_sig_per_kg_or_per_m2_in_any_mass_unit_needs_the_measurement(kb, today, drug, sig, missing):
    """A text-only sig is read with the structured dose's units (hooks.dosing's one table): 0.75 g/m2 needs a
    height as 750 mg/m2 does."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).weight(70, day=-1)
    chart.draft(drug, None, None, route=ROUTE_IV, text=sig)
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result).get(RULE)
    assert card["summary"].startswith(f"Measure {missing} today") if missing else card is None
    assert "no weight- or BSA-based draft order" not in explained(result, RULE)["reason"]


def test_card_orders_weight_measurement_and_names_the_draft(kb, today):
    chart = Chart(today, age=60).weight(81, day=-45).draft(AZATHIOPRINE_50, 150, "mg", resource_id="draft-aza")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "warning" and len(card["summary"]) < 140
    assert "Azathioprine 50 MG Oral Tablet" in card["detail"] and "45 days old" in card["detail"]
    [action] = card["suggestions"][0]["actions"]
    resource = action["resource"]
    assert resource["resourceType"] == "ServiceRequest" and resource["status"] == "draft"
    assert resource["code"]["coding"][0]["code"] == "29463-7"
    facts = explained(result, RULE)["facts"]
    assert facts["latest_weight"].startswith("81 kg on") and "45 days old" in facts["latest_weight"]
    assert facts["latest_height"] is None


def test_both_weight_and_height_missing_gives_two_orders(kb, today):
    chart = Chart(today, age=8).draft("methotrexate 25 MG/ML Prefilled Syringe", 10, "mg", period_unit="wk")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    codes = [a["resource"]["code"]["coding"][0]["code"] for a in card["suggestions"][0]["actions"]]
    assert codes == ["29463-7", "8302-2"]
    assert "weight and height" in card["summary"]


def test_state_only_and_no_draft(kb, today):
    chart = Chart(today, age=60).medication(PREDNISONE_20, 60, "mg", start=-10)
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))
    assert explained(run(kb, chart.request("order-sign"), today), RULE)["status"] == "not-fired"


def test_a_newer_weight_that_cannot_be_read_asks_for_a_weight_and_says_why(kb, today):
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-10).weight(70, day=-20)
    chart.weight(11, day=-1, unit="[stone_av]").draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV)
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert card is not None and "a newer weight, 11 stone on" in card["detail"]


@pytest.mark.parametrize(("birth_date", "fires"), [("2008", True), ("2008-11", True), ("2008-11-01", False)])
def test_a_partial_birth_date_is_read_as_the_youngest_the_patient_may_be(kb, today, birth_date, fires):
    """Born in 2008 (or in November 2008) may still be 17 on 2026-11-21: the child's 7-day weight window applies.
    A partial birthDate was read as its first day, and a 28 kg child weighed 20 days ago was dosed as an adult."""
    chart = Chart(today, birth_date=birth_date).condition(IMNM_SNOMED, onset=-10).weight(28, day=-20)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3)
    assert (RULE in fired(run(kb, chart.request("order-sign"), today))) is fires


@pytest.mark.parametrize(("age", "unit", "dose", "fires"), [(60, "mg", 1000, False), (60, "mg/kg", 15, True),
                                                          (12, "mg", 500, True)])
def test_only_a_weight_based_iv_methylprednisolone_asks_for_a_weight(kb, today, age, unit, dose, fires):
    """An adult pulse is a fixed 500-1,000 mg, checked against 1 g/day with no weight (R07): asking to weigh the
    patient first only delays it. Written per kg, or for a child (30 mg/kg/day), it needs the weight."""
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-10).draft(METHYLPRED_1000, dose, unit,
                                                                          route=ROUTE_IV, count=3)
    assert (RULE in fired(run(kb, chart.request("order-sign"), today))) is fires


@pytest.mark.parametrize("age", [50, 10])
@pytest.mark.parametrize(("code", "route"), [(PRED_EYE_DROPS, None), ("prednisolone", {"text": "ophthalmic"})])
def test_prednisolone_eye_drops_need_no_weight(kb, today, age, code, route):
    """Prednisolone eye drops were read as an oral steroid checked per kg: with no current weight the card asked
    to weigh the patient to dose eye drops. A local form, by its name or by its route (hooks.definitions.routes),
    gives no systemic dose; beside a tablet, only the tablet is named."""
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-10)
    chart.draft(code, 1, "{drop}", frequency=4, route=route)
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result) and explained(result, RULE)["facts"]["drafts_needing_weight"] is None
    result = run(kb, chart.draft(PREDNISONE_20, 40, "mg").request("order-sign"), today)
    assert fired(result)[RULE]["summary"] == "Measure weight today: none current to dose prednisone 20 MG Oral Tablet"
    checker = "R32" if age < 18 else "R06"
    assert explained(result, RULE)["facts"]["drafts_needing_weight"] == (
        f"prednisone 20 MG Oral Tablet (prednis(ol)one is checked per kg ({checker}))")


def test_r33_a_usual_weight_is_no_measured_weight(kb, today):
    """LOINC 75292-3 "Body weight - Reported --usual" (a remembered typical weight) counted as today's weight: R33 was
    quiet and R27 dosed IVIG on it while the only measured weight was 40 days old (found by review)."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-90).height(165, day=-100).weight(58, day=-40)
    chart.observation((LOINC, "75292-3", "Body weight - Reported --usual"), -1, value=75, unit="kg")
    chart.draft(IVIG_CVX, 150, "g", route=ROUTE_IV, count=1)
    assert explained(run(kb, chart.request("order-sign"), today), RULE)["status"] == "fired"


def test_a_weight_implausible_for_the_height_is_set_aside_and_a_new_one_asked_for(kb, today):
    """Review 421 item 4: 7 kg typed for 70 at 165 cm (BMI 2.6) dosed IVIG as 20 g/kg per cycle and offered IVIG
    10 g per cycle in its place; R33 was quiet."""
    result = run(kb, implausible_for_height(today), today)
    card = fired(result)[RULE]
    assert card["summary"] == "Measure weight today: none current to dose immune globulin, intravenous"
    assert (f"The latest weight, 7 kg on {today - timedelta(days=5)}, is implausible for an adult (BMI 2.6 with "
            f"height 165 cm on {today - timedelta(days=100)}): re-weigh") in card["detail"]
    assert "or one\nimplausible for the patient, is not used" in card["detail"]
    assert explained(result, RULE)["facts"]["implausible_weight"].startswith("implausible for an adult (BMI 2.6")
    shown = str([c for c in result.cards if c is not card])
    assert "20.00 g/kg" not in shown and "IVIG 10 g" not in shown  # no dose is computed from it


def test_an_adult_weight_below_the_floor_with_no_height_asks_for_both(kb, today):
    """With no height the adult floor (20 kg) judges the weight; a height lets a real small adult's weight pass
    (r33-quiet-small-adult-with-height), so R33 asks for one too. R06 read 60 mg as 8.57 mg/kg/day and offered 5 mg."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).weight(7, day=-2).draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["summary"].startswith("Measure weight and height today")
    assert "is implausible for an adult (under 20 kg with no current height)" in card["detail"]
    codes = [a["resource"]["code"]["coding"][0]["code"] for a in card["suggestions"][0]["actions"]]
    assert codes == ["29463-7", "8302-2"]
    assert "prednisone-adult-dose-check" not in fired(result)


def test_a_weight_that_cannot_be_read_is_named_and_a_childs_caps_are_given(kb, today):
    """Review 421 item 9: a child's weight written as text yesterday ('30 kg') was 'No weight is on file', and the
    card named the adult cap (prednisone 80 mg/day) where R32 caps a child's at 60 mg/day."""
    card = fired(run(kb, child_text_weight(today), today))[RULE]
    assert f"The latest weight, '30 kg' on {today - timedelta(days=1)}, cannot be read as a weight." in card["detail"]
    assert "No weight is on file" not in card["detail"]
    assert "(prednis(ol)one 60 mg/day and methotrexate 40 mg/week for a child, IV methylprednisolone 1 g/day)" in (
        card["detail"])
    assert "80 mg" not in card["detail"]
    adult = fired(run(kb, stale(today), today))[RULE]
    assert "(prednisone 80 mg/day in adults, IV methylprednisolone 1 g/day)" in adult["detail"]
