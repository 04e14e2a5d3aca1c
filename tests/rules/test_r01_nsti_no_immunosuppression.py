"""R01 nsti-no-immunosuppression: which orders count, the computed vancomycin load, and the orders offered."""

from __future__ import annotations

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    ICD10,
    IMNM_SNOMED,
    LOINC,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    NEC_FASCIITIS_ICD,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    RXNORM,
    SNOMED,
    WBC,
    Chart,
)
from fhir_fixtures.r01_nsti_no_immunosuppression import (
    BLOOD_CULTURE,
    LACTATE,
    ORAL_TEMPERATURE,
    e_coli_with_mixed_flora,
    free_text_on_prednisone,
)
from tests.conftest import deleted, explained, fired, run

RULE = "nsti-no-immunosuppression"


def _chart(today, weight: float | None = 84, weight_day: int = -1, onset: int = -2):
    chart = Chart(today, age=58, sex="male").condition(NEC_FASCIITIS_ICD, onset=onset)
    if weight is not None:
        chart.weight(weight, day=weight_day)
    return chart


def _vancomycin(card):
    actions = card["suggestions"][0]["actions"]
    return next(a["resource"] for a in actions
                if a.get("resource", {}).get("medicationCodeableConcept", {}).get("text") == "Vancomycin")


@pytest.mark.parametrize(("dose", "fires"), [(20, True), (19, False)])
def test_glucocorticoid_threshold_is_20_mg_peq(kb, today, dose, fires):
    chart = _chart(today).draft(PREDNISONE_20, dose, "mg")
    result = run(kb, chart.request("order-sign"), today)
    assert (RULE in fired(result)) is fires
    flagged = explained(result, RULE)["facts"]["immunosuppression"]
    assert (flagged is not None and f"{dose} mg/day prednisone equivalent" in flagged) is fires


def test_oral_methylprednisolone_uses_peq_factor(kb, today):
    # 16 mg methylprednisolone = 20 mg PEQ (factor 1.25): counts; 15 mg = 18.75 mg PEQ: does not.
    assert RULE in fired(run(kb, _chart(today).draft("methylprednisolone 16 MG Oral Tablet", 16, "mg")
                             .request("order-sign"), today))
    assert RULE not in fired(run(kb, _chart(today).draft("methylprednisolone 4 MG Oral Tablet", 15, "mg")
                                 .request("order-sign"), today))


def test_iv_methylprednisolone_counts_at_any_dose(kb, today):
    chart = _chart(today).draft(METHYLPRED_1000, 8, "mg", route=ROUTE_IV)
    result = run(kb, chart.request("order-sign"), today)
    assert RULE in fired(result)
    assert "IV methylprednisolone" in explained(result, RULE)["facts"]["immunosuppression"]



@pytest.mark.parametrize(("name", "action"), [
    ("r01-fires-order-sign-prednisone", "Cancel prednisone 20 MG Oral Tablet (60 mg once a day)"),
    ("r01-fires-order-sign-iv-methylprednisolone-any-dose",
     "Cancel methylprednisolone 1000 MG Injection (40 mg once a day)"),
    ("r01-fires-patient-view-free-text-with-fever", "Stop methotrexate 2.5 MG Oral Tablet (15 mg once weekly)"),
])
def test_an_order_taken_away_is_named_with_its_dose_as_ordered(kb, today, name, action):
    """Clinician review: 'Cancel prednisone 20 MG Oral Tablet' for 60 mg a day read as the dose (it is the tablet's
    strength). The action names the dose as ordered, as R06 and R09 do (dose_basis.named_with_dose)."""
    card = fired(run(kb, fhir_fixtures.get(name).request(today), today))[RULE]
    assert action in [a["description"] for s in card["suggestions"] for a in s["actions"]]


@pytest.mark.parametrize(("dose", "unit", "named"), [
    (3, "{tbl}", "3 tablet(s) (= 60 mg) once a day"),
    (1, "mg/kg", "1 mg/kg once a day"),  # as written, not 84 mg from the weight the card has
])
def test_tablets_and_a_dose_per_kg_are_named_as_written(kb, today, dose, unit, named):
    chart = _chart(today).draft(PREDNISONE_20, dose, unit, resource_id="draft-pred")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["suggestions"][0]["actions"][0]["description"] == f"Cancel prednisone 20 MG Oral Tablet ({named})"


def test_card_cancels_the_draft_and_names_it(kb, today):
    chart = _chart(today).draft(AZATHIOPRINE_50, 100, "mg", resource_id="draft-aza")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["indicator"] == "critical"
    assert len(card["summary"]) < 140 and "Azathioprine 50 MG Oral Tablet" in card["summary"]
    assert card["selectionBehavior"] == "at-most-one"
    first = card["suggestions"][0]
    assert first["isRecommended"] is True
    assert first["actions"][0] == {"type": "delete",
                                   "description": "Cancel Azathioprine 50 MG Oral Tablet [Imuran] (100 mg once a day)",
                                   "resourceId": "MedicationRequest/draft-aza"}
    created = [a["resource"] for a in first["actions"] if a["type"] == "create"]
    kinds = [r["resourceType"] for r in created]
    assert kinds.count("ServiceRequest") == 3 and kinds.count("MedicationRequest") == 3
    consult = created[0]
    assert consult["priority"] == "stat" and "debridement" in consult["code"]["text"]
    cultures = created[1]
    assert cultures["code"]["coding"][0]["code"] == "600-7" and "x2" in cultures["code"]["text"]
    assert created[2]["code"]["coding"][0]["code"] == "2524-7"
    pip = next(r for r in created if r.get("medicationCodeableConcept", {}).get("text") == "Piperacillin-tazobactam")
    dose = pip["dosageInstruction"][0]
    assert dose["doseAndRate"][0]["doseQuantity"] == {"value": 4.5, "unit": "g", "system": "http://unitsofmeasure.org",
                                                      "code": "g"}
    assert dose["timing"]["repeat"]["period"] == 6 and dose["timing"]["repeat"]["periodUnit"] == "h"
    clinda = next(r for r in created if r.get("medicationCodeableConcept", {}).get("text") == "Clindamycin")
    assert clinda["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 900
    second = [a["resource"]["medicationCodeableConcept"]["text"] for a in card["suggestions"][1]["actions"]
              if a.get("resource", {}).get("resourceType") == "MedicationRequest"]
    assert "Meropenem" in second and "Piperacillin-tazobactam" not in second
    assert "Do not give immunosuppression" in card["detail"] and "IDSA" in card["detail"]


@pytest.mark.parametrize(("kg", "expected"), [(84, 2000), (54, 1250), (70, 1750), (130, 3000)])
def test_vancomycin_load_is_computed_rounded_and_capped(kb, today, kg, expected):
    chart = _chart(today, weight=kg).draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    vanc = _vancomycin(card)["dosageInstruction"][0]
    assert vanc["doseAndRate"][0]["doseQuantity"]["value"] == expected
    assert vanc["timing"]["repeat"]["count"] == 1
    assert "then pharmacy dosing" in vanc["text"]
    assert explained(result, RULE)["facts"]["vancomycin_load_mg"] == expected
    assert ("capped at 3,000 mg" in vanc["text"]) is (kg * 25 > 3000)


def _child(today, kg: float):
    chart = Chart(today, age=2, sex="female").condition(NEC_FASCIITIS_ICD, onset=-2).weight(kg, day=-1)
    return chart.draft(AZATHIOPRINE_50, 25, "mg")


@pytest.mark.parametrize(("kg", "expected"), [(15, 375), (14.9, 372.5), (12, 300), (45, 1125), (50, 1250)])
def test_a_load_under_1250_mg_is_not_rounded_to_whole_vials(kb, today, kg, expected):
    """In whole 250 mg vials a small child's load was up to a third off its 25 mg/kg: 500 mg at 15 kg (33 mg/kg,
    above the table's 25-30 mg/kg), 250 mg at 14.9 kg (17 mg/kg). Below 1,250 mg, where half a vial is more than a
    tenth of the load, it is given to 0.1 mg; from 1,250 mg (50 kg) whole vials are at most a tenth off."""
    chart = _child(today, kg) if kg < 40 else _chart(today, weight=kg).draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    vanc = _vancomycin(fired(result)[RULE])["dosageInstruction"][0]
    assert vanc["doseAndRate"][0]["doseQuantity"]["value"] == expected
    assert explained(result, RULE)["facts"]["vancomycin_load_mg"] == expected


@pytest.mark.parametrize(("kg", "dose", "how"), [
    (3.3, "82.5 mg", "below 5 whole 250 mg steps (1,250 mg), given to 0.1 mg"),  # as "below one 5 mg step, ..."
    (84, "2,000 mg", "rounded to 250 mg"),
])
def test_the_card_and_the_order_text_state_the_load_the_order_carries(kb, today, kg, dose, how):
    """At 3.3 kg the order carried 82.5 mg while its text, its label and the card said "82 mg". Below five vials the
    load is worded as every other rule words a dose below its whole steps (it said "rounded to 0.1 mg: whole 250 mg
    vials only from 1,250 mg")."""
    chart = _child(today, kg) if kg < 40 else _chart(today, weight=kg).draft(PREDNISONE_20, 60, "mg")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    label = next(a["description"] for a in card["suggestions"][0]["actions"]
                 if a.get("resource", {}).get("medicationCodeableConcept", {}).get("text") == "Vancomycin")
    assert label == f"Vancomycin IV loading dose {dose}"
    text = _vancomycin(card)["dosageInstruction"][0]["text"]
    assert text.startswith(f"Vancomycin {dose} IV once") and how in text
    assert f"vancomycin **{dose} IV** loading dose" in card["detail"] and how in card["detail"]


def test_site_can_change_the_vancomycin_mg_per_kg(kb, today):
    chart = _chart(today, weight=80).draft(PREDNISONE_20, 60, "mg")
    from dataclasses import replace
    site = replace(kb, thresholds={**kb.thresholds, RULE: {**kb.thresholds[RULE], "vancomycin_load_mg_per_kg": 30}})
    card = fired(run(site, chart.request("order-sign"), today))[RULE]
    assert _vancomycin(card)["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 2500


@pytest.mark.parametrize(("weight", "weight_day", "why"), [(None, -1, "no current body weight on file"),
                                                             (80, -31, "too old")])
def test_no_current_weight_gives_vancomycin_as_text_only(kb, today, weight, weight_day, why):
    chart = _chart(today, weight=weight, weight_day=weight_day).draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    vanc = _vancomycin(card)["dosageInstruction"][0]
    assert "doseAndRate" not in vanc
    assert "25 mg/kg" in vanc["text"] and "not computed" in vanc["text"] and why in vanc["text"]
    assert "dose not computed" in card["detail"]
    assert explained(result, RULE)["facts"]["vancomycin_load_mg"] is None


def test_weight_30_days_old_is_still_used(kb, today):
    chart = _chart(today, weight=80, weight_day=-30).draft(PREDNISONE_20, 60, "mg")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert _vancomycin(card)["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 2000


def test_onset_window_edges(kb, today):
    inside = _chart(today, onset=-30).draft(PREDNISONE_20, 60, "mg")
    outside = _chart(today, onset=-31).draft(PREDNISONE_20, 60, "mg")
    assert RULE in fired(run(kb, inside.request("order-sign"), today))
    assert RULE not in fired(run(kb, outside.request("order-sign"), today))


def test_patient_view_keeps_an_active_glucocorticoid_but_stops_methotrexate(kb, today):
    chart = _chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-60, resource_id="pred-active")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk", day_of_week=["fri"],
                     resource_id="mtx-active")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert deleted(card["suggestions"][0]) == ["MedicationRequest/mtx-active"]
    assert "adrenal crisis" in card["detail"] and "Active immunosuppression" in card["detail"]


@pytest.mark.parametrize(("active", "summary_says"), [
    ([(PREDNISONE_20, 60, None)], "Taper prednisone 60 mg/day to stress cover"),
    ([("dexamethasone 4 MG Oral Tablet", 6, None)],
     "Taper dexamethasone (PEQ 40 mg/day) to stress cover"),
    ([(PREDNISONE_20, 40, None), (METHOTREXATE_2_5, 15, "wk")],
     "Stop methotrexate; taper prednisone to stress cover")])  # by drug, to fit 140 characters
def test_patient_view_summary_tapers_an_active_glucocorticoid_at_the_dose_taken(kb, today, active, summary_says):
    """On prednisone 60 mg/day (20 mg tablets) the summary said "Stop prednisone 20 MG Oral Tablet" while the detail
    said a patient on long-term glucocorticoids must not stop them abruptly: it now says what the detail says (taper
    to stress cover), naming the drug at the dose taken, not the tablet's strength. Other drugs are still stopped."""
    chart = _chart(today)
    for drug, dose, period_unit in active:
        chart.medication(drug, dose, "mg", start=-60, **({"period": 1, "period_unit": period_unit} if period_unit
                                                         else {}))
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == (f"NSTI is a surgical emergency: no immunosuppression. {summary_says}. Surgery, "
                               "cultures, antibiotics now")
    assert "adrenal crisis" in card["detail"]


@pytest.mark.parametrize(("chart_it", "dose"), [
    (lambda c: c.taper_order(PREDNISONE_20, [(60, 28), (40, 28), (20, None)], start=-60), "20 mg/day"),
    (lambda c: c.medication(PREDNISONE_20, 40, "mg", start=-60).medication(PREDNISONE_5, 5, "mg", start=-60),
     "45 mg/day"),
])
def test_the_summary_names_the_glucocorticoid_dose_given_today(kb, today, chart_it, dose):
    """The summary named the PEQ the order is flagged at: a taper's highest step ("prednisone 60 mg/day" on day 61 of
    60 mg x28, 40 mg x28, then 20 mg), and only the order at or above 20 mg ("40 mg/day" beside a 5 mg order of the
    same drug, 45 mg taken). It names the drug's dose given today, all its orders together (review of task E)."""
    card = fired(run(kb, chart_it(_chart(today)).request("patient-view"), today))[RULE]
    assert f"Taper prednisone {dose} to stress cover" in card["summary"]


@pytest.mark.parametrize("flagged_start", [None, 3])
def test_a_flagged_order_not_on_todays_timeline_is_named_without_a_dose(kb, today, flagged_start):
    """Prednisone 40 mg daily with no start date (a reconciled home medicine) or starting in 3 days, beside 10 mg
    taken since day -60: the summary said "Taper prednisone 10 mg/day" while the card flags the 40 mg order; the
    sum leaves that order out, so the drug is named alone (review of task E2)."""
    chart = _chart(today).medication(PREDNISONE_20, 40, "mg", start=flagged_start)
    chart.medication(PREDNISONE_5, 10, "mg", start=-60)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "Taper prednisone to stress cover" in card["summary"] and "10 mg/day" not in card["summary"]


# each at 60 mg PEQ a day, but hydrocortisone at 100 (400 mg): up to 300 mg a day it is adrenal cover, not counted
IMMUNOSUPPRESSIVE_GLUCOCORTICOIDS = [
    ("prednisone 20 MG Oral Tablet", 60), ("prednisolone 5 MG Oral Tablet", 60),
    ("methylprednisolone 16 MG Oral Tablet", 48), ("dexamethasone 4 MG Oral Tablet", 9),
    ("hydrocortisone 20 MG Oral Tablet", 400), ("deflazacort 30 MG Oral Tablet", 72)]
# each drug of R01's AGENTS under each name it is read by (names.csv), as a product label
AGENT_PRODUCTS = ["methotrexate 2.5 MG Oral Tablet", "azathioprine 50 MG Oral Tablet",
                  "mycophenolate mofetil 500 MG Oral Tablet", "mycophenolic acid 360 MG Delayed Release Oral Tablet",
                  "rituximab 10 MG/ML Injectable Solution", "obinutuzumab 25 MG/ML Injectable Solution",
                  "ocrelizumab 30 MG/ML Injectable Solution", "ofatumumab 20 MG/ML Injectable Solution",
                  "ublituximab 25 MG/ML Injectable Solution", "tacrolimus 1 MG Oral Capsule",
                  "cyclosporine 100 MG Oral Capsule", "cyclophosphamide 50 MG Oral Tablet"]


def _summary_fits(card) -> None:
    summary = card["summary"]
    assert len(summary) <= 139 and "…" not in summary, summary
    assert summary.startswith("NSTI is a surgical emergency: no immunosuppression. ")
    assert summary.endswith(". Surgery, cultures, antibiotics now")


@pytest.mark.parametrize("agent", AGENT_PRODUCTS)
@pytest.mark.parametrize(("glucocorticoid", "dose"), IMMUNOSUPPRESSIVE_GLUCOCORTICOIDS)
def test_the_summary_fits_for_every_agent_beside_every_glucocorticoid(kb, today, agent, glucocorticoid, dose):
    """Mycophenolate beside prednisone (common in IMNM) gave a 161-character summary, cut mid-word by the card at
    "...Surgery, c…", losing "antibiotics now" (review of task E): each pair now fits whole, the drug to stop named."""
    chart = _chart(today).medication(glucocorticoid, dose, "mg", start=-60).medication(agent, 1, "mg", start=-60)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    _summary_fits(card)
    drug = glucocorticoid.split()[0]
    assert f"; taper {drug}" in card["summary"] and "stress cover" in card["detail"]


def test_the_summary_fits_with_every_agent_and_glucocorticoid_at_once(kb, today):
    chart = _chart(today)
    for product in AGENT_PRODUCTS:
        chart.medication(product, 1, "mg", start=-60)
    for glucocorticoid, dose in IMMUNOSUPPRESSIVE_GLUCOCORTICOIDS:
        chart.medication(glucocorticoid, dose, "mg", start=-60)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    _summary_fits(card)
    assert "Stop the other drugs; taper the glucocorticoids" in card["summary"]


@pytest.mark.parametrize(("methotrexate", "done"), [
    (False, "Taper the glucocorticoid to stress cover"),
    (True, "Taper the glucocorticoid to stress cover, stop the other immunosuppression")])
def test_suggestions_say_the_glucocorticoid_is_tapered_not_stopped(kb, today, methotrexate, done):
    """On patient-view the suggestions were labelled "Stop immunosuppression; surgery, ..." and the detail said "Stop
    the immunosuppressive drug (taper the glucocorticoid ...)" though they keep the active glucocorticoid (no delete
    action) and the summary says to taper it (review of task E)."""
    chart = _chart(today).medication(PREDNISONE_20, 60, "mg", start=-60)
    if methotrexate:
        chart.medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert f"spread. {done} and instead:" in card["detail"]
    labels = [s["label"] for s in card["suggestions"]]
    assert labels[0] == f"{done}; surgery, cultures, lactate, vancomycin + piperacillin-tazobactam + clindamycin"
    assert labels[1] == f"{done}; surgery, cultures, lactate, vancomycin + meropenem + clindamycin"
    assert labels[2:] == ([f"{done} only (surgery and antibiotics already under way)"] if methotrexate else [])


def test_order_sign_ignores_active_drugs_without_a_draft(kb, today):
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["status"] == "not-fired"


def test_unreadable_steroid_dose_counts(kb, today):
    chart = _chart(today).draft(PREDNISONE_20, None, None, text="as directed")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE in fired(result)
    assert "could not be read" in explained(result, RULE)["facts"]["immunosuppression"]


def test_no_nsti_is_quiet_with_facts(kb, today):
    chart = Chart(today).weight(70).draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired" and entry["facts"]["nsti"] is None
    assert "prednisone" in entry["facts"]["immunosuppression"]


def _antibiotic_doses(card) -> dict[str, float | None]:
    return {r["medicationCodeableConcept"]["text"]: r["dosageInstruction"][0].get("doseAndRate", [{}])[0]
            .get("doseQuantity", {}).get("value")
            for a in card["suggestions"][0]["actions"] if a["type"] == "create"
            and (r := a["resource"])["resourceType"] == "MedicationRequest"}


def test_adults_get_the_adult_antibiotic_doses_and_children_weight_based_dosing(kb, today):
    adult = fired(run(kb, _chart(today).draft(AZATHIOPRINE_50, 100, "mg").request("order-sign"), today))[RULE]
    assert _antibiotic_doses(adult)["Clindamycin"] == 900
    assert _antibiotic_doses(adult)["Piperacillin-tazobactam"] == 4.5
    child = Chart(today, age=6, sex="female").condition(NEC_FASCIITIS_ICD, onset=-2).weight(20, day=-1)
    card = fired(run(kb, child.draft(AZATHIOPRINE_50, 25, "mg").request("order-sign"), today))[RULE]
    doses = _antibiotic_doses(card)
    assert doses["Clindamycin"] is None and doses["Piperacillin-tazobactam"] is None  # 900 mg q8h is ~3x a child's
    assert "900 mg" not in card["detail"] and "dosed by weight" in card["detail"]
    assert doses["Vancomycin"] == 500  # the weight-based load still is computed: 25 mg/kg x 20 kg


def test_biopsy_proven_seronegative_imnm_on_steroids_gets_no_nsti_card(kb, today):
    """Steroids raise the white count: 'necrotizing myositis' on the problem list of a patient with biopsy-proven
    IMNM is the myopathy, not an infection, and must not stop the treatment."""
    chart = Chart(today, age=58).condition(IMNM_SNOMED, onset=-120).procedure("Muscle biopsy", day=-110)
    chart.condition("Necrotizing myositis", onset=-2).weight(84, day=-1)
    chart.observation(WBC, -1, value=16.5, unit="10*3/uL")
    chart.draft(PREDNISONE_20, 60, "mg")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert "IMNM is confirmed" in explained(result, RULE)["reason"]
    assert "muscle biopsy" in explained(result, RULE)["facts"]["imnm_confirmed_by"]


def test_confirmed_imnm_is_named_only_where_an_nsti_was_ruled_out(kb, today):
    chart = Chart(today, age=58).antibody("anti_hmgcr", "positive").draft(PREDNISONE_20, 60, "mg")
    assert explained(run(kb, chart.request("order-sign"), today), RULE)["reason"] == (
        "no necrotizing soft-tissue infection (NSTI) context")
    chart.condition("Necrotizing myositis of thigh", onset=-2)
    chart.temperature(39.1)
    result = run(kb, chart.request("order-sign"), today)
    assert "IMNM is confirmed (anti-HMGCR positive" in explained(result, RULE)["reason"]


def test_a_coded_nsti_is_an_infection_even_when_imnm_is_confirmed(kb, today):
    """Necrotizing fasciitis coded two days ago in an anti-SRP-positive patient was read as the IMNM: no R01 on an
    IV methylprednisolone draft, and on patient-view R19 offered pulses and IVIG (found by review)."""
    chart = Chart(today, age=58).antibody("anti_srp", "positive").condition(NEC_FASCIITIS_ICD, onset=-2)
    card = fired(run(kb, chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV).request("order-sign"), today))
    assert card[RULE]["indicator"] == "critical"


@pytest.mark.parametrize("text", ["Immune-mediated necrotizing myositis", "Necrotizing autoimmune myositis"])
def test_imnm_written_as_necrotizing_myositis_is_imnm_not_an_infection(kb, today, text):
    """A biopsy-proven IMNM charted as 'Immune-mediated necrotizing myositis' (M60.89) was not read as IMNM, and
    its words held the free-text NSTI phrase: a steroid leucocytosis then gave the critical 'stop prednisone,
    debride' card and held back every IMNM row (found by review)."""
    chart = Chart(today, age=52, sex="female").condition((ICD10, "M60.89", "Other myositis, multiple sites"),
                                                         onset=-60)
    chart.resources["conditions"][-1]["code"]["text"] = text
    chart.procedure("Muscle biopsy, left vastus lateralis", day=-55)
    chart.antibody("anti_hmgcr", "negative", day=-50).antibody("anti_srp", "negative", day=-50)
    chart.ck(8000, day=-58).ck(6000, day=-2).weight(70).medication(PREDNISONE_20, 60, "mg", start=-45)
    chart.lab(WBC, 16.4, "10*3/uL", day=-1)
    cards = fired(run(kb, chart.request("patient-view"), today))
    assert RULE not in cards and "imnm-add-steroid-sparing-by-month-1" in cards


@pytest.mark.parametrize("name", ["Necrotising fasciitis", "Fournier's gangrene", "Necrotizing soft tissue infection",
                                  "Necrotising soft tissue infection of the left thigh"])
def test_an_nsti_under_its_british_possessive_or_own_name_is_an_nsti(kb, today, name):
    """'Necrotising fasciitis' and "Fournier's gangrene" two days ago with prednisone 60 mg drafted gave no card: only
    the American and plain spellings were listed (audit F3)."""
    chart = Chart(today, age=60).condition(name, onset=-2).weight(80, day=-1).draft(PREDNISONE_20, 60, "mg")
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert card is not None and card["indicator"] == "critical" and name in card["detail"]


@pytest.mark.parametrize(("marker", "read_as"), [
    (lambda c: c.observation(ORAL_TEMPERATURE, -1, value=39.0, unit="Cel"), "temperature 39.0"),
    (lambda c: c.observation(LACTATE, -1, value=36, unit="mg/dL"), "lactate 4 mmol/L"),
    (lambda c: c.observation((LOINC, "627-0", "Tissue Culture"), -1, value_code=(SNOMED, "80166006", "S. pyogenes")),
     "positive culture (Tissue Culture)"),
])
def test_the_markers_the_audit_found_unread_now_give_the_card(kb, today, marker, read_as):
    """An oral temperature of 39.0 °C, a lactate of 36 mg/dL and a positive tissue culture each gave 'no NSTI
    context' beside free-text 'necrotizing myositis' and a prednisone draft (audit F3)."""
    card = fired(run(kb, marker(free_text_on_prednisone(today)).request("order-sign"), today)).get(RULE)
    assert card is not None and card["indicator"] == "critical" and read_as in card["detail"]


def test_a_marker_that_cannot_be_read_is_said_not_read_as_no_infection(kb, today):
    """A lactate in a unit not known beside free-text 'necrotizing myositis' read as no NSTI, silently: the rule is
    not evaluable and says which result it could not read; on order-sign that is a warning too."""
    chart = free_text_on_prednisone(today).observation(LACTATE, -1, value=36, unit="[iU]/L")
    result = run(kb, chart.request("order-sign"), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("NSTI not ruled out: Necrotizing myositis with infection markers that could "
                                      "not be read: Lactate [Moles/volume] in Serum or Plasma 36 IU/L on ")
    assert entry["facts"]["unreadable"] in entry["reason"]
    assert any(w.startswith("R01 (") and "could not be read" in w for w in result.warnings)


def test_an_unread_marker_without_an_immunosuppressive_order_is_quiet(kb, today):
    chart = Chart(today, age=47).condition("Necrotizing myositis", onset=-1)
    chart.observation(LACTATE, -1, value_string="4.1 mmol/L see note")
    chart.draft("acetaminophen 500 MG Oral Tablet", 1000, "mg")
    entry = explained(run(kb, chart.request("order-sign"), today), RULE)
    assert entry["status"] == "not-fired" and "'4.1 mmol/L see note'" in entry["facts"]["unreadable"]


def test_a_coded_organism_beside_mixed_flora_is_growth(kb, today):
    """Review of 8f09331: E. coli coded with the text 'Escherichia coli and mixed anaerobic flora' (the polymicrobial
    type I NSTI) read as no growth, and the critical card was lost."""
    assert fired(run(kb, e_coli_with_mixed_flora(today), today)).get(RULE, {}).get("indicator") == "critical"


@pytest.mark.parametrize("result", [{"value_string": "No gram-negative rods seen"},
                                    {"value_string": "Gram-negative rods", "interpretation": "N"}])
def test_a_gram_stain_ruled_out_or_flagged_normal_is_no_growth(kb, today, result):
    """Review of 8f09331: the Gram-stain short-cut ignored the negation and the interpretation: critical card."""
    chart = free_text_on_prednisone(today).observation(BLOOD_CULTURE, -1, **result)
    result_ = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result_) and explained(result_, RULE)["status"] == "not-fired"


def test_growth_named_in_words_gives_the_card(kb, today):
    chart = free_text_on_prednisone(today).observation(
        BLOOD_CULTURE, -1, value_string="Heavy growth of Streptococcus pyogenes")
    assert RULE in fired(run(kb, chart.request("order-sign"), today))


def test_r01_a_white_count_in_labcorps_unit_is_an_infection_marker(kb, today):
    """WBC 16 "x10E3/uL" (LabCorp's spelling) was not read: R01 was not evaluable where 16 "10*3/uL" is critical."""
    chart = free_text_on_prednisone(today).observation(WBC, -1, value=16, unit="x10E3/uL")
    assert fired(run(kb, chart.request("order-sign"), today))[RULE]["indicator"] == "critical"


DEXAMETHASONE_0_5 = (RXNORM, "197577", "dexamethasone 0.5 MG Oral Tablet")


@pytest.mark.parametrize(("drug", "dose", "timing", "given"), [
    (DEXAMETHASONE_0_5, 20, {"period": 1, "period_unit": "wk"}, "133.4 mg prednisone equivalent on each day given, "
                                                                "19.1 mg/day on average"),
    (PREDNISONE_20, 35, {"period": 2}, "35 mg prednisone equivalent on each day given, 17.5 mg/day on average"),
])
def test_r01_a_glucocorticoid_given_less_than_daily_counts_by_its_dose_on_the_day(kb, today, drug, dose, timing, given):
    """Dexamethasone 20 mg once weekly (133 mg PEQ on its day) or prednisone 35 mg every other day, drafted two days
    after necrotizing fasciitis: averaged over the week (19 mg/day) or the two days (17.5), each fell below the
    20 mg PEQ threshold and R01 said no immunosuppressive order. The dose on the days it is given counts."""
    chart = _chart(today).draft(drug, dose, "mg", **timing)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["indicator"] == "critical" and given in " ".join(card["detail"].split())


HYDROCORTISONE_100_INJ = (RXNORM, "238755", "hydrocortisone 100 MG Injection")


@pytest.mark.parametrize(("dose", "a_day", "fires"), [(50, 4, False), (100, 3, False), (100, 4, True)])
def test_r01_stress_dose_hydrocortisone_is_adrenal_cover_not_immunosuppression(kb, today, dose, a_day, fires):
    """Necrotizing fasciitis with hydrocortisone 50 mg IV every 6 h drafted for septic shock: R01's recommended
    suggestion cancelled the stress-dose hydrocortisone its own detail advises (found by review). Up to 300 mg a day
    it is adrenal cover; above, it counts by its PEQ (400 mg is 100 mg PEQ)."""
    chart = _chart(today).draft(HYDROCORTISONE_100_INJ, dose, "mg", frequency=a_day, route=ROUTE_IV)
    result = run(kb, chart.request("order-sign"), today)
    assert (RULE in fired(result)) is fires
    cover = explained(result, RULE)["facts"]["adrenal_cover"]
    assert cover is None if fires else f"{dose * a_day} mg/day hydrocortisone equivalent: adrenal cover" in cover


def test_r01_stress_cover_beside_a_low_maintenance_dose_gives_no_card(kb, today):
    """Prednisone 10 mg long-term and hydrocortisone 50 mg IV every 6 h active: the summary read 'Taper hydrocortisone
    to stress cover' about the stress cover itself (found by review)."""
    chart = _chart(today).medication(PREDNISONE_5, 10, "mg", start=-400)
    chart.medication(HYDROCORTISONE_100_INJ, 50, "mg", frequency=4, start=-1, route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["facts"]["adrenal_cover"].startswith("hydrocortisone 100 MG Injection (200 mg/day")


def test_r01_two_stress_doses_together_are_more_than_stress_cover(kb, today):
    chart = _chart(today).draft(HYDROCORTISONE_100_INJ, 50, "mg", frequency=4, route=ROUTE_IV)
    chart.draft(HYDROCORTISONE_100_INJ, 200, "mg", route=ROUTE_IV)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert sum(a["type"] == "delete" for a in card["suggestions"][0]["actions"]) == 2


def test_r01_hydrocortisone_for_adrenal_insufficiency_is_not_counted_at_any_dose(kb, today):
    chart = _chart(today).draft(HYDROCORTISONE_100_INJ, 100, "mg", frequency=4, route=ROUTE_IV,
                                reason="Adrenal insufficiency")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert "adrenal insufficiency stated as its reason" in explained(result, RULE)["facts"]["adrenal_cover"]


def test_r01_prednisone_split_over_the_day_is_judged_by_its_daily_total(kb, today):
    """NSTI with prednisone 15 mg in the morning and 10 mg in the afternoon as two orders (25 mg/day): R01 said no
    immunosuppressive order was active, each being below 20 mg PEQ (found by review)."""
    chart = _chart(today).medication(PREDNISONE_5, 15, "mg", start=-100, time_of_day=["08:00:00"])
    chart.medication(PREDNISONE_5, 10, "mg", start=-100, time_of_day=["16:00:00"])
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "Taper prednisone 25 mg/day to stress cover" in card["summary"]
    assert "25 mg/day with the other glucocorticoid order given today" in card["detail"]


@pytest.mark.parametrize(("linked", "fires"), [(False, True), (True, False)])
def test_r01_a_draft_is_added_to_the_glucocorticoid_on_the_chart_it_is_given_with(kb, today, linked, fires):
    """Prednisone 15 mg on the chart and a 15 mg evening draft (30 mg/day): R01 was quiet (found by review). A draft
    that replaces the chart's order (its priorPrescription) is not added to it."""
    chart = _chart(today).medication(PREDNISONE_5, 15, "mg", start=-100, time_of_day=["08:00:00"], resource_id="am")
    chart.draft(PREDNISONE_5, 15, "mg", time_of_day=["16:00:00"], resource_id="pm")
    if linked:
        chart.replacing("am")
    result = run(kb, chart.request("order-sign"), today)
    assert (RULE in fired(result)) is fires
    if fires:
        card = fired(result)[RULE]
        assert deleted(card["suggestions"][0]) == ["MedicationRequest/pm"]
        assert "30 mg/day with the glucocorticoid order on the chart" in card["detail"]


def test_r01_two_low_dose_drafts_given_together_are_added_up(kb, today):
    chart = _chart(today).draft(PREDNISONE_5, 10, "mg", resource_id="a").draft(PREDNISONE_5, 10, "mg", resource_id="b")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert deleted(card["suggestions"][0]) == ["MedicationRequest/a", "MedicationRequest/b"]
    assert "20 mg/day with the other glucocorticoid draft" in card["detail"]
