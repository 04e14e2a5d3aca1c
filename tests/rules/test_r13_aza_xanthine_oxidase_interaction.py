"""R13 aza-xanthine-oxidase-interaction: both directions, the computed 25-33% dose in whole tablets, febuxostat
without one."""

from __future__ import annotations

import copy

import pytest

import fhir_fixtures
from fhir_fixtures.builders import AZATHIOPRINE_50, Chart
from fhir_fixtures.r13_aza_xanthine_oxidase_interaction import ALLOPURINOL
from hooks.rules.r13_aza_xanthine_oxidase_interaction import reduced_dose
from tests.conftest import deleted, explained, fired, run, taken_away

RULE = "aza-xanthine-oxidase-interaction"


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


@pytest.mark.parametrize("current,expected", [(100, 25), (150, 50), (200, 50), (175, 50), (75, 25), (225, 75),
                                              (300, 100), (125, 25), (50, None), (37.5, None), (25, None), (70, None)])
def test_reduced_dose_is_whole_tablets_at_most_a_third_rounded_down(current, expected):
    """The label's one quarter to one third, in whole 25, 50, 75 or 100 mg tablets: 12.5 mg steps (50 mg/day ->
    12.5 mg, 200 -> 62.5) were split tablets no order can name. Never above a third (25 mg/day once came out as
    12.5 mg, half the dose); where no whole-tablet dose falls in the range it is rounded down (125 mg/day: 25 mg,
    not 37.5 mg), and None where not even one tablet fits."""
    dose = reduced_dose(current, 1 / 3)
    assert dose == expected
    if dose is not None:
        assert dose <= current / 3 + 1e-9 and dose % 25 == 0


def test_aza_draft_with_allopurinol_offers_cancel_or_reduced_dose(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    chart.draft(AZATHIOPRINE_50, 2, "{tbl}", frequency=1, resource_id="aza")  # 2 x 50 mg = 100 mg/day
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical"
    cancel, reduce = card["suggestions"]
    assert cancel["isRecommended"] and cancel["actions"] == [
        {"type": "delete", "description": f"Cancel {AZATHIOPRINE_50[2]} (2 tablet(s) (= 100 mg) once a day)",
         "resourceId": "MedicationRequest/aza"}]
    # the dose it says once: its own mg/day, not that and the dose as ordered
    assert reduce["actions"][0]["description"] == f"Cancel {AZATHIOPRINE_50[2]} (100 mg/day)"
    created = reduce["actions"][1]["resource"]
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 25
    assert created["medicationCodeableConcept"]["coding"][0]["code"] == "199310"  # azathioprine 25 MG Oral Tablet
    assert created["dosageInstruction"][0]["text"] == ("Azathioprine 25 mg (1 x 25 mg tablet) by mouth once daily "
                                                       "(25-33% of 100 mg: given with allopurinol)")
    assert reduce["actions"][2]["resource"]["note"][0]["text"].startswith("Weekly")
    assert "100 mg/day -> **25 mg/day**" in card["detail"]


def test_allopurinol_draft_reduces_the_active_azathioprine(kb, today):
    chart = Chart(today).medication(AZATHIOPRINE_50, 75, "mg", start=-100, frequency=2, resource_id="aza-on")
    chart.draft(ALLOPURINOL, 100, "mg", resource_id="allo")
    card = _card(kb, today, chart)
    assert card["suggestions"][0]["actions"][0] == {"type": "delete",
                                                    "description": "Cancel Allopurinol (100 mg once a day)",
                                                    "resourceId": "MedicationRequest/allo"}
    stop = card["suggestions"][1]["actions"][0]
    assert taken_away(stop) == "MedicationRequest/aza-on" and "150 mg/day" in stop["description"]
    created = card["suggestions"][1]["actions"][1]["resource"]
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 50
    # one 50 mg tablet, not the 25 mg tablet every reduced order named
    assert created["medicationCodeableConcept"]["coding"][0]["code"] == "197388"
    assert created["dosageInstruction"][0]["text"].startswith("Azathioprine 50 mg (1 x 50 mg tablet) by mouth")


def test_febuxostat_gets_no_reduced_dose(kb, today):
    chart = Chart(today).medication("Febuxostat 40 mg tablet", 40, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, 100, "mg"))
    assert "febuxostat" in card["summary"] and len(card["suggestions"]) == 1
    assert "do not give azathioprine with febuxostat" in card["detail"]


def test_unreadable_aza_dose_says_so(kb, today):
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, None, None))
    assert "could not be read" in card["detail"] and len(card["suggestions"]) == 1


@pytest.mark.parametrize("current", [25, 50])
def test_a_dose_too_small_to_reduce_in_whole_tablets_offers_no_reduced_order(kb, today, current):
    """50 mg/day was reduced to 12.5 mg ordered as 25 mg tablets: half a tablet. No whole tablet is at most a third
    of it, so the card says so and offers no reduced order (25 mg/day: no 12.5 mg (50%) order either)."""
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, current, "mg"))
    low, high = f"{current / 4:.3g}", f"{current / 3:.3g}"
    assert (f"{current} mg/day -> {low}-{high} mg/day: no whole tablet fits, as the smallest is 25 mg and tablets "
            "are not split, so none is suggested; ask the pharmacy") in card["detail"]
    assert len(card["suggestions"]) == 1  # cancel only


def test_no_whole_tablet_dose_in_the_range_rounds_down_and_says_so(kb, today):
    """125 mg/day: a quarter to a third is 31.25-41.7 mg, which no whole tablet gives (it was 37.5 mg, one and a half
    25 mg tablets). It is rounded down to 25 mg (20%), never up to 50 mg (40%), and the card and order say so."""
    chart = Chart(today).medication(ALLOPURINOL, 300, "mg", start=-100)
    card = _card(kb, today, chart.draft(AZATHIOPRINE_50, 125, "mg"))
    assert ("125 mg/day -> **25 mg/day** (31.2-41.7 mg/day has no dose in whole tablets, so it is rounded down to "
            "20% of 125 mg).") in card["detail"]
    created = card["suggestions"][1]["actions"][1]["resource"]
    assert created["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 25
    assert created["medicationCodeableConcept"]["coding"][0]["code"] == "199310"
    assert created["dosageInstruction"][0]["text"] == ("Azathioprine 25 mg (1 x 25 mg tablet) by mouth once daily "
                                                       "(20% of 125 mg, rounded down to whole tablets: given with "
                                                       "allopurinol)")


@pytest.mark.parametrize("name", ["r13-fires-allopurinol-draft-with-active-aza", "r13-fires-aza-draft-with-allopurinol",
                                  "r13-fires-aza-draft-with-febuxostat"])
def test_the_weekly_cbc_is_said_once(kb, today, name):
    """Review: the allopurinol advice ended '..., and check a CBC every week.' right before 'If the two are given
    together, check a CBC every week.'"""
    card = fired(run(kb, fhir_fixtures.get(name).request(today), today))[RULE]
    assert card["detail"].count("check a CBC every week") == 1


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
    stopped = set(deleted(card["suggestions"][1]))
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


@pytest.mark.parametrize("stopped", ["aza-150", "allo-1"])
def test_a_draft_that_stops_either_drug_is_quiet(kb, today, stopped):
    """Review: the azathioprine (or the allopurinol) re-sent as 'stopped' fired 'Do not combine', and the recommended
    'Cancel' deleted the stop draft. Signing the stop ends the pair: the drafts are read as R12 reads them
    (continuing.on_chart), so a stop gives no dose and ends the order it re-sends."""
    chart = Chart(today).medication(AZATHIOPRINE_50, 150, "mg", start=-200, resource_id="aza-150")
    chart.medication(ALLOPURINOL, 300, "mg", start=-10, resource_id="allo-1")
    stop = copy.deepcopy(next(m for m in chart.resources["medications"] if m.get("id") == stopped))
    stop["status"] = "stopped"
    result = run(kb, chart.draft_resource(stop).request("order-sign"), today)
    assert RULE not in fired(result) and explained(result, RULE)["status"] == "not-fired"


def test_the_cut_is_of_the_dose_on_the_chart_and_cancelling_stops_it(kb, today):
    """Review: the 25-33% was of the draft's dose. A 50 mg draft replacing 150 mg (its priorPrescription) was told to
    go to 12.5-16.7 mg, though already a third, and 'Cancel azathioprine' left the 150 mg with allopurinol; an
    unlinked 50 mg draft beside 100 mg on the chart was cut from 50 mg, and cancelling it left the 100 mg unsaid.
    The share is of the dose on the chart, and the ways out discontinue the chart's order too."""
    chart = Chart(today).medication(AZATHIOPRINE_50, 150, "mg", start=-200, resource_id="aza-150")
    chart.medication(ALLOPURINOL, 300, "mg", start=-10)
    chart.draft(AZATHIOPRINE_50, 50, "mg", resource_id="aza-draft").replacing("aza-150")
    card = _card(kb, today, chart)
    assert "already cut: 50 mg/day is 33% of the 150 mg/day on the chart now" in card["detail"]
    stop_all, keep = card["suggestions"]
    assert stop_all["isRecommended"] and set(deleted(stop_all)) == {"MedicationRequest/aza-draft",
                                                                     "MedicationRequest/aza-150"}
    assert [a["type"] for a in keep["actions"]] == ["create"]  # the CBC: no other dose

    chart = Chart(today).medication(AZATHIOPRINE_50, 100, "mg", start=-200, resource_id="aza-100")
    chart.medication(ALLOPURINOL, 300, "mg", start=-10)
    chart.draft(AZATHIOPRINE_50, 50, "mg", frequency=1, time_of_day=["20:00:00"], resource_id="aza-draft")
    card = _card(kb, today, chart)
    assert "100 mg/day -> **25 mg/day**" in card["detail"]
    assert "on the chart, still active" in card["detail"] and "150 mg/day together" in card["detail"]
    stop_all, reduce = card["suggestions"]
    assert set(deleted(stop_all)) == set(deleted(reduce)) == {"MedicationRequest/aza-draft",
                                                              "MedicationRequest/aza-100"}


@pytest.mark.parametrize("unknown", ["azathioprine", "allopurinol"])
def test_an_order_of_unknown_status_counts_and_is_said(kb, today, unknown):
    """Review: allopurinol (or azathioprine) on the chart with status 'unknown' gave no card. It may be given, so it
    counts (the safe side, as continuing.current_orders reads it), and the card says its status is unknown."""
    chart = Chart(today)
    if unknown == "allopurinol":
        chart.medication(ALLOPURINOL, 300, "mg", start=-100, status="unknown").draft(AZATHIOPRINE_50, 100, "mg")
    else:
        chart.medication(AZATHIOPRINE_50, 150, "mg", start=-100, status="unknown").draft(ALLOPURINOL, 100, "mg")
    card = _card(kb, today, chart)
    assert card is not None and card["indicator"] == "critical"
    assert "status 'unknown': not known to have stopped, so counted as going on" in card["detail"]
