"""R13 aza-xanthine-oxidase-interaction: both directions, the computed 25-33% dose, febuxostat without one."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import AZATHIOPRINE_50, Chart
from fhir_fixtures.r13_aza_xanthine_oxidase_interaction import ALLOPURINOL
from hooks.rules.r13_aza_xanthine_oxidase_interaction import reduced_dose
from tests.conftest import explained, fired, run

RULE = "aza-xanthine-oxidase-interaction"


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


@pytest.mark.parametrize("current,expected", [(100, 25), (150, 50), (50, 12.5), (200, 62.5), (175, 50), (75, 25),
                                              (37.5, 12.5), (25, None), (70, None)])
def test_reduced_dose_is_a_quarter_to_a_third_in_half_tablets_or_none(current, expected):
    """The label's one quarter to one third, in 12.5 mg steps; never a dose outside that range (25 mg/day once
    came out as 12.5 mg, half the dose)."""
    dose = reduced_dose(current, 0.25, 1 / 3)
    assert dose == expected
    if dose is not None:
        assert 0.25 * current - 1e-9 <= dose <= current / 3 + 1e-9


def test_aza_draft_with_allopurinol_offers_cancel_or_reduced_dose(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    chart.draft(AZATHIOPRINE_50, 2, "{tbl}", frequency=1, resource_id="aza")  # 2 x 50 mg = 100 mg/day
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    cancel, reduce = card["suggestions"]
    assert cancel["isRecommended"] and cancel["actions"] == [
        {"type": "delete", "description": f"Cancel {AZATHIOPRINE_50[2]}", "resourceId": "MedicationRequest/aza"}]
    created = reduce["actions"][1]["resource"]
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 25
    assert reduce["actions"][2]["resource"]["note"][0]["text"].startswith("Weekly")
    assert "100 mg/day -> **25 mg/day**" in card["detail"]


def test_allopurinol_draft_reduces_the_active_azathioprine(kb, today):
    chart = Chart(today).medication(AZATHIOPRINE_50, 75, "mg", start=-100, frequency=2, resource_id="aza-on")
    chart.draft(ALLOPURINOL, 100, "mg", resource_id="allo")
    card = _card(kb, today, chart)
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/allo"
    stop = card["suggestions"][1]["actions"][0]
    assert stop["resourceId"] == "MedicationRequest/aza-on" and "150 mg/day" in stop["description"]
    assert card["suggestions"][1]["actions"][1]["resource"]["dosageInstruction"][0]["doseAndRate"][0][
        "doseQuantity"]["value"] == 50


def test_febuxostat_gets_no_reduced_dose(kb, today):
    chart = Chart(today).medication("Febuxostat 40 mg tablet", 40, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, 100, "mg"))
    assert "febuxostat" in card["summary"] and len(card["suggestions"]) == 1
    assert "do not give azathioprine with febuxostat" in card["detail"]


def test_unreadable_aza_dose_says_so(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, None, None))
    assert "could not be read" in card["detail"] and len(card["suggestions"]) == 1


def test_a_dose_too_small_to_reduce_in_half_tablets_offers_no_reduced_order(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, 25, "mg"))
    assert "25 mg/day -> 6.25-8.33 mg/day" in card["detail"] and "ask the pharmacy" in card["detail"]
    assert len(card["suggestions"]) == 1  # cancel only: no 12.5 mg (50%) order


def test_both_drafted_together_fire(kb, today):
    chart = Chart(today).draft(ALLOPURINOL, 100, "mg").draft(AZATHIOPRINE_50, 50, "mg")
    assert _card(kb, today, chart) is not None


def test_no_xanthine_oxidase_inhibitor_is_quiet(kb, today):
    result = run(kb, Chart(today).draft(AZATHIOPRINE_50, 50, "mg").request("order-sign"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired" and entry["facts"]["xanthine_oxidase_inhibitor"] is None


def test_split_azathioprine_orders_add_up_and_are_all_replaced(kb, today):
    """Active 100 mg + 50 mg (150 mg/day) and allopurinol drafted: the reduced dose is 25-33% of 150 mg, and
    both orders are stopped; the first order alone (50 mg -> 12.5 mg) would leave 112.5 mg/day."""
    chart = Chart(today).medication(AZATHIOPRINE_50, 50, "mg", start=-300, resource_id="aza-50")
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-300, resource_id="aza-100")
    chart.draft(ALLOPURINOL, 100, "mg", resource_id="allo")
    card = _card(kb, today, chart)
    assert "150 mg/day -> **50 mg/day**" in card["detail"]
    stopped = {a["resourceId"] for a in card["suggestions"][1]["actions"] if a["type"] == "delete"}
    assert stopped == {"MedicationRequest/aza-50", "MedicationRequest/aza-100"}


@pytest.mark.parametrize(("draft", "xoi"), [
    ("Uloric 40 mg tablet", "febuxostat"),
    ("Zyloprim 100 mg tablet", "allopurinol"),
    ("Aloprim 500 mg injection", "allopurinol"),
    ("Duzallo 200 mg/300 mg tablet", "allopurinol"),  # lesinurad/allopurinol: the allopurinol advice applies
])
def test_xanthine_oxidase_inhibitor_brands_are_recognised(kb, today, draft, xoi):
    chart = Chart(today).medication(AZATHIOPRINE_50, 100, "mg", start=-60).draft(draft, 1, "{tbl}")
    card = _card(kb, today, chart)
    assert card is not None and card["summary"].startswith(f"Azathioprine + {xoi}:")


def test_azasan_brand_is_azathioprine(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100).draft("Azasan 75 mg tablet", 75, "mg")
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical"
