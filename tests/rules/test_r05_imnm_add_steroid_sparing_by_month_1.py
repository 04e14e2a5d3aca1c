"""R05 imnm-add-steroid-sparing-by-month-1: the card's facts, the coded orders, and agent choice by context."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    EGFR,
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    SNOMED,
    TMP_SMX_DS,
    TMP_SMX_SS,
    Chart,
)
from fhir_fixtures.r10_mtx_start_prerequisites import CREATININE
from fhir_fixtures.r11_mtx_tmp_smx_interaction import TRIMETHOPRIM_100
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA
from hooks import engine
from tests.conftest import UNREADABLE_PREDNISONE_DOSES, explained, fired, make_dose_unreadable, run, with_params

RULE = "imnm-add-steroid-sparing-by-month-1"
ILD = (SNOMED, "233703007", "Interstitial lung disease (disorder)")


def _chart(today, ttx=-45):
    chart = Chart(today, age=52)
    chart.condition(IMNM_SNOMED, onset=ttx - 20)
    chart.antibody("anti_hmgcr", "positive", day=ttx - 10)
    chart.ck(6800, day=ttx - 5).ck(2100, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=ttx)
    return chart


def _explain(result, rule=RULE):
    return explained(result, rule)


def test_card_states_ttx_and_days_and_offers_weekly_methotrexate(kb, today):
    result = run(kb, _chart(today).request("patient-view"), today)
    card = fired(result)[RULE]
    ttx = (today - timedelta(days=45)).isoformat()
    assert card["indicator"] == "warning"
    assert ttx in card["summary"] and "day 46 of treatment" in card["summary"] and len(card["summary"]) < 140
    assert "prednisone 20 MG Oral Tablet 60 mg/day PEQ" in card["detail"]
    first = card["suggestions"][0]
    assert first["isRecommended"] is True and card["selectionBehavior"] == "at-most-one"
    mtx, folic = (a["resource"] for a in first["actions"])
    tomorrow = today + timedelta(days=1)
    code = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[tomorrow.weekday()]
    dosage = mtx["dosageInstruction"][0]
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "wk", "dayOfWeek": [code]}
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert mtx["medicationCodeableConcept"]["coding"][0] == {
        "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "105585",
        "display": "methotrexate 2.5 MG Oral Tablet"}
    assert "ONCE WEEKLY" in dosage["text"] and tomorrow.strftime("%A") in dosage["text"]
    assert "coding" not in folic["medicationCodeableConcept"]  # no sourced RxNorm code: text only
    assert folic["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1
    facts = _explain(result)["facts"]
    assert facts["t_tx"] == ttx and facts["days_since_ttx"] == 45 and facts["steroid_sparing_since_ttx"] == "none"


def test_the_days_of_treatment_are_counted_as_the_other_cards_count_them(kb, today):
    """Prednisone from 30 days ago: R05 said "30 days after start" and R24, of the same course, "for 31 days". Days on
    a drug count the first day (R23, R24, R25), and R05 now counts them so: day 31."""
    cards = fired(run(kb, _chart(today, -30).request("patient-view"), today))
    started = (today - timedelta(days=30)).isoformat()
    assert cards[RULE]["summary"] == (f"IMNM on glucocorticoid alone on day 31 of treatment (started {started}): add a "
                                      "steroid-sparing agent")
    assert f"Treatment started on {started}" in cards[RULE]["detail"]
    assert "today is day 31 of treatment" in " ".join(cards[RULE]["detail"].split())
    assert "for 31 days" in cards["pjp-prophylaxis-missing"]["summary"]


def test_mycophenolate_suggestion_is_coded_and_twice_daily(kb, today):
    card = fired(run(kb, _chart(today).request("patient-view"), today))[RULE]
    mmf = card["suggestions"][1]["actions"][0]["resource"]
    assert mmf["medicationCodeableConcept"]["coding"][0]["code"] == "200060"
    assert mmf["dosageInstruction"][0]["timing"]["repeat"]["frequency"] == 2
    assert mmf["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 500


def test_ild_makes_mycophenolate_the_recommended_choice(kb, today):
    chart = _chart(today).condition(ILD, onset=-100)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["suggestions"][0]["label"].startswith("Mycophenolate") and card["suggestions"][0]["isRecommended"]
    assert not card["suggestions"][1]["isRecommended"]
    assert "Interstitial lung disease" in card["detail"]


def test_low_egfr_drops_methotrexate(kb, today):
    chart = _chart(today).lab(EGFR, 24, "mL/min/{1.73_m2}", day=-10)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    labels = [s["label"] for s in card["suggestions"]]
    assert not any("Methotrexate" in label for label in labels)
    assert "eGFR 24" in card["detail"]


def test_egfr_at_threshold_keeps_methotrexate(kb, today):
    chart = _chart(today).lab(EGFR, 30, "mL/min/{1.73_m2}", day=-10)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["suggestions"][0]["label"].startswith("Methotrexate")


def test_a_creatinine_that_gives_no_egfr_holds_methotrexate_back_with_no_egfr_on_file(kb, today):
    """The only renal result is a creatinine in a unit that is not read: R05 read 'no eGFR' and offered methotrexate
    first, as if the kidneys were known to be fine. Whether the eGFR is below 30 is not known, as for an eGFR that
    cannot be read: mycophenolate comes first, methotrexate is not offered, and the card and facts name the
    creatinine and why it gives no eGFR."""
    chart = _chart(today).lab(CREATININE, 1.1, "mEq/L", day=-3)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    said = (f"eGFR on {chart.at(-3)} could not be estimated from creatinine 1.1 mEq/L: its value cannot be read in "
            "mg/dL or umol/L; whether it is below 30 is not known")
    assert (f"{said}, so methotrexate is not offered until the eGFR is known: repeat the creatinine (or get the lab's "
            "eGFR); mycophenolate is offered first.") in card["detail"]
    assert card["suggestions"][0]["label"].startswith("Mycophenolate") and card["suggestions"][0]["isRecommended"]
    assert not any(s["label"].startswith("Methotrexate") for s in card["suggestions"])
    assert _explain(result)["facts"]["egfr"] == said


@pytest.mark.parametrize(("who", "why", "remedy"), [
    ("child", "bedside Schwartz needs a current height, and there is no current height on file",
     "measure the height"),
    ("no-birth-date", "CKD-EPI 2021 needs the age, and there is no birth date on file", "record the birth date")])
def test_a_creatinine_that_gives_no_egfr_names_what_it_needs(kb, today, who, why, remedy):
    """A child of 8 with no current height, or a patient with no birth date, and last week's creatinine: the card held
    methotrexate back "until renal function is rechecked", though a new creatinine gives no eGFR either, and told of
    a child that "mycophenolate is offered first" when no mycophenolate is offered (no adult dose for a child). It
    now says what the estimate needs, as R10 does, and says nothing of mycophenolate for a child."""
    chart = _child(today, height=False) if who == "child" else _chart(today)
    if who == "no-birth-date":
        chart.age = None
    chart.lab(CREATININE, 0.5, "mg/dL", day=-7)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    said = (f"eGFR on {chart.at(-7)} could not be estimated from creatinine 0.5 mg/dL: {why}; whether it is below 30 "
            "is not known")
    offered = "" if who == "child" else "; mycophenolate is offered first"
    assert (f"{said}, so methotrexate is not offered until the eGFR is known: {remedy} (or get the lab's "
            f"eGFR){offered}.") in card["detail"]
    assert "until renal function is rechecked" not in card["detail"]
    assert not any(s["label"].startswith("Methotrexate") for s in card["suggestions"])
    assert any(s["label"].startswith("Mycophenolate") for s in card["suggestions"]) is (who != "child")


def test_a_childs_low_egfr_does_not_say_mycophenolate_is_offered(kb, today):
    """eGFR 22 in a child: "methotrexate is not advised; mycophenolate is offered first", though a child is offered
    no mycophenolate (by body-surface area, with paediatric rheumatology)."""
    chart = _child(today).lab(EGFR, 22, "mL/min/{1.73_m2}", day=-10)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert f"eGFR 22 on {chart.at(-10)} is below 30: methotrexate is not advised." in card["detail"]
    assert "mycophenolate is offered first" not in card["detail"]
    assert not any(s["label"].startswith(("Methotrexate", "Mycophenolate")) for s in card["suggestions"])


@pytest.mark.parametrize(("day", "held_back"), [(-1460, False), (-31, False), (-30, True)])
def test_a_creatinine_that_gives_no_egfr_counts_only_while_recent(kb, today, day, held_back):
    """The only renal result a haemolysed creatinine four years ago: methotrexate was held back for it, though with no
    renal result at all it is offered (R10 asks for a creatinine within 30 days when it is ordered). One within R10's
    30-day lab window still holds it back; an older one is as no result, and an eGFR is still read at any age."""
    chart = _chart(today).observation(CREATININE, day, value_string="Specimen haemolysed - see comment")
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["suggestions"][0]["label"].startswith("Mycophenolate" if held_back else "Methotrexate")
    assert (_explain(result)["facts"]["egfr"] is None) is not held_back
    chart.lab(EGFR, 80, "mL/min/{1.73_m2}", day=-2000)
    facts = _explain(run(kb, chart.request("patient-view"), today))["facts"]
    assert facts["egfr"].startswith(f"eGFR 80 on {chart.at(-2000)} is not below 30")
    assert ("leaves it open" in facts["egfr"]) is held_back


def test_the_creatinine_window_is_a_site_parameter(kb, today):
    """A site that reads an unestimated creatinine only within 10 days offers methotrexate first beside one from 20
    days ago (a window longer than R10's lab window is refused: tests/test_parameters.py)."""
    chart = _chart(today).observation(CREATININE, -20, value_string="Specimen haemolysed - see comment")
    assert fired(run(kb, chart.request("patient-view"), today))[RULE]["suggestions"][0]["label"].startswith(
        "Mycophenolate")
    site = with_params(kb, RULE, unestimated_creatinine_max_age_days=10)
    assert fired(run(site, chart.request("patient-view"), today))[RULE]["suggestions"][0]["label"].startswith(
        "Methotrexate")


def test_active_cotrimoxazole_is_mentioned(kb, today):
    chart = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-40)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    detail = " ".join(card["detail"].split())
    assert "Co-trimoxazole is active at a prophylactic dose" in detail
    assert "acceptable with a CBC at 1-2 and 4 weeks" in detail
    assert card["suggestions"][0]["label"].startswith("Methotrexate") and card["suggestions"][0]["isRecommended"]


def _methotrexate(card):
    return next(s for s in card["suggestions"] if s["label"].startswith("Methotrexate"))


def test_methotrexate_waits_for_a_treatment_dose_tmp_smx_course(kb, today):
    """A UTI course of TMP/SMX 160/800 mg twice daily (review 423, s9 'ds'): the card pre-selected methotrexate and
    said "keep it at a prophylactic dose" though it is a treatment dose, which R11 says to avoid. Graded as R11
    grades it, methotrexate now waits until the course is over and is not pre-selected."""
    chart = _chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=-3, end=3, frequency=2)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    detail = " ".join(card["detail"].split())
    assert "at a **treatment dose**" in detail and "trimethoprim 320 mg/day" in detail
    assert "**methotrexate waits until the course is over**" in detail and chart.at(3) in detail
    assert "keep it at a prophylactic dose" not in detail
    assert _methotrexate(card)["isRecommended"] is False
    assert not any(s["isRecommended"] for s in card["suggestions"])
    assert _explain(result)["facts"]["tmp_smx_regimen"] == f"{TMP_SMX_DS[2]}: treatment"


def test_methotrexate_waits_when_the_tmp_smx_dose_cannot_be_read(kb, today):
    """An active TMP/SMX with no dose may be a treatment course (R11 treats it as one it cannot rule out)."""
    chart = _chart(today).medication(TMP_SMX_DS, None, None, start=-3)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    detail = " ".join(card["detail"].split())
    assert "dose could not be read" in detail and "methotrexate waits until the course is over" in detail
    assert _methotrexate(card)["isRecommended"] is False


def test_methotrexate_beside_no_pjp_prophylaxis_names_the_tmp_smx_combination(kb, today):
    """Prednisone 60 mg and no PJP prophylaxis (review 423, s2 'early'): R24 pre-selects TMP/SMX beside this card's
    methotrexate, and neither named the pair. This card now does, in R24's words; below R24's dose it does not."""
    card = fired(run(kb, _chart(today).request("patient-view"), today))[RULE]
    detail = " ".join(card["detail"].split())
    assert "No PJP prophylaxis is on file" in detail and "If TMP/SMX is started with methotrexate" in detail
    assert "acceptable with a CBC at 1-2 and 4 weeks, then monthly" in detail
    tapered = Chart(today, age=52)
    tapered.condition(IMNM_SNOMED, onset=-65).antibody("anti_hmgcr", "positive", day=-55)
    tapered.ck(6800, day=-50).ck(2100, day=-3)
    tapered.medication(PREDNISONE_20, 60, "mg", start=-45, end=-11, status="completed")
    tapered.medication(PREDNISONE_20, 15, "mg", start=-10)
    assert "No PJP prophylaxis" not in fired(run(kb, tapered.request("patient-view"), today))[RULE]["detail"]
    with_prophylaxis = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-40)
    assert "No PJP prophylaxis" not in fired(run(kb, with_prophylaxis.request("patient-view"), today))[RULE]["detail"]


def test_trimethoprim_alone_is_not_offered_atovaquone(kb, today):
    """Atovaquone replaces co-trimoxazole as PJP prophylaxis, not trimethoprim given for a urinary infection."""
    chart = _chart(today).medication(TRIMETHOPRIM_100, 100, "mg", start=-5, end=2, frequency=2)
    detail = fired(run(kb, chart.request("patient-view"), today))[RULE]["detail"]
    assert "Trimethoprim is active" in detail and "atovaquone" not in detail


@pytest.mark.parametrize(("name", "route"), [
    ("polymyxin B / trimethoprim ophthalmic solution", None),
    ("trimethoprim 1 mg/mL / polymyxin B 10,000 units/mL solution", {"text": "Ophthalmic"}),
])
def test_trimethoprim_eye_drops_are_not_active_cotrimoxazole(kb, today, name, route):
    """Polymyxin B/trimethoprim eye drops (local by name or by route) were read as active co-trimoxazole, and the
    card warned about combining it with methotrexate (found by review); R11 passes over the same local forms."""
    chart = _chart(today).medication(name, 1, "{drop}", start=-3, frequency=4, route=route)
    result = run(kb, chart.request("patient-view"), today)
    assert "Co-trimoxazole" not in fired(result)[RULE]["detail"]
    assert _explain(result)["facts"]["tmp_smx_active"] is None


def test_unreadable_glucocorticoid_dose_is_not_evaluable(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-100)
    chart.medication(PREDNISONE_20, None, None, start=-60)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    entry = _explain(result)
    assert entry["status"] == "not-evaluable" and "could not be read" in entry["reason"]


def test_a_course_below_30_mg_is_t_tx_by_the_weight_measured_then(kb, today):
    """48 kg, weighed 45 days ago (too old to dose from, not too old to judge a course by): 25 mg/day is 0.52
    mg/kg/day, so treatment began 60 days ago without a second agent."""
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-80).weight(48, day=-45)
    chart.medication(PREDNISONE_20, 25, "mg", start=-60)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result)
    assert "0.52 mg/kg/day at 48 kg" in _explain(result)["facts"]["t_tx_found_by"]


def test_with_no_weight_on_file_a_course_below_30_mg_is_not_guessed(kb, today):
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-80)
    chart.medication(PREDNISONE_20, 25, "mg", start=-60)
    result = run(kb, chart.request("patient-view"), today)
    entry = _explain(result)
    assert RULE not in fired(result)
    assert entry["status"] == "not-evaluable" and "50 kg or less" in entry["reason"]


def test_site_threshold_moves_the_edge(kb, today):
    request = _chart(today, ttx=-20).request("patient-view")
    assert RULE not in fired(run(kb, request, today))
    site = with_params(kb, RULE, min_days_since_ttx=14, mtx_egfr_min=30)
    result = engine.evaluate(site, request["hook"], request["context"], request["prefetch"], today=today)
    assert RULE in fired(result)


def _child(today, height: bool = True, age: int = 8, kg: float = 26, cm: float = 128) -> Chart:
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-65).antibody("anti_hmgcr", "positive", day=-55)
    chart.ck(6800, day=-50).ck(2100, day=-3).weight(kg, day=-2)
    if height:
        chart.height(cm, day=-2)
    return chart.medication(PREDNISONE_20, 50, "mg", start=-45)


def _created(card) -> list[dict]:
    return [a["resource"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"]


def _sc_methotrexate(card) -> dict:
    return next(r for r in _created(card) if r["dosageInstruction"][0]["route"].get("coding", [{}])[0].get("code")
                == "34206005" and "methotrexate" in r["medicationCodeableConcept"]["text"])


def test_a_child_is_offered_methotrexate_by_body_surface_area_and_no_adult_doses(kb, today):
    card = fired(run(kb, _child(today).request("patient-view"), today))[RULE]
    texts = {r.get("medicationCodeableConcept", {}).get("text") for r in _created(card)}
    mtx = _sc_methotrexate(card)
    # 15 mg/m2 x 0.96 m2 = 14.4 mg, to the nearest 2.5 mg as R32 gives it (not the adult 15 mg by mouth)
    assert mtx["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert mtx["medicationCodeableConcept"]["text"] == "0.6 ML methotrexate 25 MG/ML Prefilled Syringe"
    assert "mycophenolate mofetil 500 MG Oral Tablet" not in texts and "methotrexate 2.5 MG Oral Tablet" not in texts
    assert "paediatric rheumatology" in card["detail"]
    # nor in the text: the options listed 15 mg by mouth and mycophenolate 500 mg twice daily for a child too
    assert "15 mg by mouth" not in card["detail"] and "500 mg twice daily" not in card["detail"]
    assert "**Mycophenolate mofetil** by body-surface area, with paediatric rheumatology" in card["detail"]
    assert "15 mg by mouth **once weekly**" in fired(run(kb, _chart(today).request("patient-view"), today))[RULE][
        "detail"]


@pytest.mark.parametrize(("age", "kg", "cm", "mg", "code", "amount", "how"), [
    # 0.96 m2: 14.4 mg (it was 12.5 mg, rounded down, on the 25 mg/mL syringe with no volume)
    (8, 26, 128, 15, "2377343", "1 x 15 mg/0.6 mL prefilled syringe", "rounded to 2.5 mg"),
    (2, 10, 90, 7.5, "2377353", "1 x 7.5 mg/0.3 mL prefilled syringe", "rounded to 2.5 mg"),  # 0.50 m2
    # 0.36 m2: 5.4 mg, below the smallest syringe (it was 5 mg named on a syringe that holds none such)
    (1, 7, 68, 5, "1946772", "0.2 mL of 25 mg/mL injection solution", "rounded to 2.5 mg"),
    (0, 1.2, 40, 1.75, "1946772", "0.07 mL of 25 mg/mL injection solution",  # 0.12 m2: 1.8 mg, to 0.01 mL
     "1 mg steps more than 10% off, given to 0.25 mg"),
    # 0.20 m2: 3.06 mg; 2.5 mg would be 18% under, so whole mg
    (0, 3, 50, 3, "1946772", "0.12 mL of 25 mg/mL injection solution",
     "2.5 mg steps more than 10% off, rounded to 1 mg"),
    (17, 90, 185, 32.5, "1946772", "1.3 mL of 25 mg/mL injection solution", "rounded to 2.5 mg"),  # 2.15 m2
    (17, 140, 200, 40, "1946772", "1.6 mL of 25 mg/mL injection solution",  # 2.79 m2: 41.8 mg
     "rounded to 2.5 mg, capped at 40 mg"),
])
def test_a_childs_methotrexate_names_a_product_that_gives_the_dose_and_says_how_it_was_rounded(
        kb, today, age, kg, cm, mg, code, amount, how):
    """R05 named 'methotrexate 25 MG/ML Prefilled Syringe' for any dose and said nothing of its rounding. It now
    builds the order R32 builds: a syringe only where one holds exactly the dose, else the 25 mg/mL solution with
    the volume in the text; the note and the card say how the dose was rounded."""
    chart = _child(today, age=age, kg=kg, cm=cm)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    mtx = _sc_methotrexate(card)
    dosage = mtx["dosageInstruction"][0]
    weekday = (today + timedelta(days=1)).strftime("%A")
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert mtx["medicationCodeableConcept"]["coding"][0]["code"] == code
    assert dosage["text"] == f"Methotrexate {mg:g} mg ({amount}) SC ONCE WEEKLY on {weekday}s only"
    assert f", {how}. Once weekly, never daily" in mtx["note"][0]["text"]
    bsa = _explain(run(kb, chart.request("patient-view"), today))["facts"]["bsa_m2"]
    assert f"= {mg:g} mg at {bsa:g} m² ({how})" in card["detail"]


@pytest.mark.parametrize(("age", "kg", "cm"), [
    (8, 26, 128),
    (0, 4.5, 50),  # 0.25 m2: 3.75 mg; 5 mg would be a third over, so 4 mg (whole mg, 16 mg/m2)
    (1, 7, 68),
    (0, 1.2, 40),
    (17, 140, 200),  # capped at 40 mg
])
def test_a_childs_methotrexate_suggestion_passes_the_childrens_dose_check(kb, today, age, kg, cm):
    """Drafted and signed, R05's suggestion is read by R32 and found within the juvenile limits."""
    chart = _child(today, age=age, kg=kg, cm=cm)
    suggestion = fired(run(kb, chart.request("patient-view"), today))[RULE]["suggestions"][0]
    assert suggestion["label"].startswith("Methotrexate")
    for number, action in enumerate(suggestion["actions"]):
        chart.draft_resource(dict(action["resource"], status="draft", id=f"suggested-{number}"))
    result = run(kb, chart.request("order-sign"), today)
    assert "pediatric-myositis-dose-limits" not in fired(result)
    entry = _explain(result, "pediatric-myositis-dose-limits")
    assert entry["reason"] == "within the juvenile myositis limits" and entry["facts"]["mtx_mg_week"] > 0


def test_a_child_by_a_partial_birth_date_is_named_at_the_youngest_age_that_makes_them_a_child(kb, today):
    """Born in 2008 may be 17 or 18 on 2026-11-21: dosed as a child (the youngest age), so the card must not call
    them a child of 18, the oldest age."""
    chart = _child(today)
    chart.birth_date = "2008"
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "Child (17 y)" in card["detail"] and "Child (18 y)" not in card["detail"]


def test_a_child_without_a_height_gets_no_methotrexate_dose(kb, today):
    card = fired(run(kb, _child(today, height=False).request("patient-view"), today))[RULE]
    assert all("methotrexate" not in r.get("medicationCodeableConcept", {}).get("text", "") for r in _created(card))
    assert "no dose is computed" in card["detail"]


def test_a_child_with_no_dose_is_told_which_measure_is_missing(kb, today):
    """A 55 kg weight of two days ago and no height: the card said "no current weight and height", though the
    weight is current. It names the measure missing, and why an old one does not count."""
    no_height = fired(run(kb, _child(today, height=False).request("patient-view"), today))[RULE]
    assert "**no current height on file, so no dose is computed**" in no_height["detail"]
    old_weight = _child(today).without_observations("29463-7").weight(26, day=-40)
    card = fired(run(kb, old_weight.request("patient-view"), today))[RULE]
    assert (f"**no current weight (latest 26 kg on {old_weight.at(-40)}, too old), so no dose is computed**"
            in card["detail"])
    neither = _child(today, height=False).without_observations("29463-7")
    assert "**no current weight on file and no current height on file, so no dose is computed**" in fired(
        run(kb, neither.request("patient-view"), today))[RULE]["detail"]


@pytest.mark.parametrize(("stopped", "fires"), [(-8, True), (-90, True), (-91, False)])
def test_glucocorticoid_monotherapy_means_a_glucocorticoid_within_90_days(kb, today, stopped, fires):
    """A patient off prednisone for years is not on glucocorticoid monotherapy; one whose prednisone lapsed a few
    weeks ago, with no second agent ever, still is (a 7-day gate had silenced that: found by review)."""
    chart = Chart(today, age=52)
    chart.condition(IMNM_SNOMED, onset=-220)
    chart.antibody("anti_hmgcr", "positive", day=-210)
    chart.ck(6800, day=-205).ck(2100, day=-10)
    chart.medication(PREDNISONE_20, 60, "mg", start=-200, end=stopped, status="completed")
    result = run(kb, chart.request("patient-view"), today)
    assert (RULE in fired(result)) is fires
    assert _explain(result)["facts"]["glucocorticoid_last_given"] == (today + timedelta(days=stopped)).isoformat()



def test_a_course_that_is_over_is_not_said_to_be_on_its_nth_day(kb, today):
    """Prednisone from day -200, completed on day -80: the card said "on day 201 of treatment" (and "today is day 201
    of treatment"), as if it were still taken (review of task E). It says when the glucocorticoid was last given."""
    chart = Chart(today, age=52)
    chart.condition(IMNM_SNOMED, onset=-220)
    chart.antibody("anti_hmgcr", "positive", day=-210)
    chart.ck(6800, day=-205).ck(2100, day=-10)
    chart.medication(PREDNISONE_20, 60, "mg", start=-200, end=-80, status="completed")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == (f"IMNM treated with glucocorticoid alone since {chart.at(-200)}, last given "
                               f"{chart.at(-80)}: add a steroid-sparing agent")
    detail = " ".join(card["detail"].split())
    assert f"the glucocorticoid was last given on {chart.at(-80)}, 80 days ago, and no steroid-sparing" in detail
    assert "day 201" not in detail


def test_a_site_at_the_bound_never_gets_a_childs_methotrexate_its_own_dose_check_flags(kb, today):
    """A site may raise the child's figure to R32's 20 mg/m2 (its at_most bound); rounded to the nearest step, 19.2
    mg at 0.96 m2 became 20 mg, 20.8 mg/m2, and R32 flagged R05's own suggestion. The bound caps the dose."""
    site = with_params(kb, RULE, paediatric_mtx_mg_per_m2_week=20)
    chart = _child(today)
    card = fired(run(site, chart.request("patient-view"), today))[RULE]
    dose = _sc_methotrexate(card)["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]
    assert dose <= 20 * 0.96
    for number, action in enumerate(card["suggestions"][0]["actions"]):
        chart.draft_resource(dict(action["resource"], status="draft", id=f"suggested-{number}"))
    assert "pediatric-myositis-dose-limits" not in fired(run(site, chart.request("order-sign"), today))


@pytest.mark.parametrize(("end", "ago"), [(-1, "1 day ago"), (-2, "2 days ago")])
def test_a_course_over_since_yesterday_says_one_day(kb, today, end, ago):
    """'1 days ago' (review of task E2)."""
    chart = Chart(today, age=52)
    chart.condition(IMNM_SNOMED, onset=-220)
    chart.antibody("anti_hmgcr", "positive", day=-210)
    chart.ck(6800, day=-205).ck(2100, day=-10)
    chart.medication(PREDNISONE_20, 60, "mg", start=-200, end=end, status="completed")
    detail = " ".join(fired(run(kb, chart.request("patient-view"), today))[RULE]["detail"].split())
    assert f"the glucocorticoid was last given on {chart.at(end)}, {ago}, and no steroid-sparing" in detail


@pytest.mark.parametrize(("change", "why"), UNREADABLE_PREDNISONE_DOSES)
def test_r05_a_prednisone_dose_that_cannot_be_read_is_named_with_what_to_fix(kb, today, change, why):
    """Prednisone whose daily dose cannot be read leaves T_tx unknown: the reason names the order with what to fix
    (steroids.SteroidHistory.unread_named); an order whose timing writes no repeat was named with no reason."""
    chart = _chart(today)
    make_dose_unreadable(chart, change)
    entry = _explain(run(kb, chart.request("patient-view"), today))
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == f"T_tx unknown: the dose of prednisone 20 MG Oral Tablet ({why}) could not be read"


def test_r05_a_prednisone_order_with_no_start_date_is_named_with_what_to_fix(kb, today):
    """Prednisone 60 mg with no start date (no authoredOn, no bounds): it may be T_tx, so T_tx is unknown, and the
    reason says the start date is what to fix (SteroidHistory.unread_named)."""
    chart = _chart(today)
    chart.resources["medications"].pop()
    chart.medication(PREDNISONE_20, 60, "mg", start=None)
    entry = _explain(run(kb, chart.request("patient-view"), today))
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == ("T_tx unknown: the dose of prednisone 20 MG Oral Tablet (start date not read) could "
                               "not be read")


@pytest.mark.parametrize("intent", ["plan", "proposal"])
def test_r05_a_steroid_sparing_agent_only_planned_is_not_ordered(kb, today, intent):
    """Methotrexate charted with intent 'plan' or 'proposal' counted as ordered: the patient, on prednisone alone at
    day 61, got no card (found by review). A plan says nothing was prescribed."""
    chart = _chart(today, ttx=-60)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-40, period=1, period_unit="wk", intent=intent)
    assert _explain(run(kb, chart.request("patient-view"), today))["status"] == "fired"
    chart.resources["medications"][-1]["intent"] = "order"
    assert _explain(run(kb, chart.request("patient-view"), today))["status"] == "not-fired"


@pytest.mark.parametrize(("burst", "ttx", "fires"), [((-130, -126), -40, True), ((-100, -96), -20, False)])
def test_r05_a_burst_for_another_illness_before_the_onset_is_not_the_treatment_start(kb, today, burst, ttx, fires):
    """A 5-day prednisone burst over 56 days before the IMNM onset made R05 say "on day 101 of treatment (started
    <the burst>)" while R29, on the same chart, said immunosuppression started 10 days ago (clinician review). T_tx is
    the first qualifying course of this episode (clinical-rules.md section 4.2): the card counts from the course
    given for the myositis, and is quiet while that is inside its first month."""
    chart = _chart(today, ttx=ttx)  # IMNM onset 20 days before the prednisone 60 mg
    chart.medication(PREDNISONE_20, 40, "mg", start=burst[0], end=burst[1], status="completed")
    result = run(kb, chart.request("patient-view"), today)
    assert _explain(result)["facts"]["t_tx"] == chart.at(ttx)
    assert (RULE in fired(result)) is fires
    if fires:
        assert fired(result)[RULE]["summary"] == (f"IMNM on glucocorticoid alone on day {1 - ttx} of treatment "
                                                  f"(started {chart.at(ttx)}): add a steroid-sparing agent")


def test_r05_a_course_begun_before_the_diagnosis_was_charted_is_this_episodes(kb, today):
    """Patients are often started on prednisone before the diagnosis is charted: a course given through the onset is
    this episode's treatment, counted from its first day (the onset charted 25 days after it)."""
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-20).antibody("anti_hmgcr", "positive", day=-40)
    chart.ck(6800, day=-46).ck(2100, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    result = run(kb, chart.request("patient-view"), today)
    assert f"day 46 of treatment (started {chart.at(-45)})" in fired(result)[RULE]["summary"]


def test_r05_a_new_episode_counts_from_its_own_treatment_not_the_first_episodes(kb, today):
    """IMNM treated with prednisone and methotrexate years ago, resolved, then a new episode charted as a new active
    condition: the episode was dated from the first onset, so T_tx was the old prednisone course and the old
    methotrexate counted as given since it; R05 was quiet about 46 days of prednisone alone (clinical-rules.md
    section 4.2: T_tx is the first course of this episode)."""
    chart = _chart(today).condition(IMNM_SNOMED, onset=-1500, status="resolved")
    chart.medication(PREDNISONE_20, 60, "mg", start=-1480, end=-1200, status="completed")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-1450, end=-1200, status="completed", period=1,
                     period_unit="wk")
    result = run(kb, chart.request("patient-view"), today)
    assert _explain(result)["facts"]["t_tx"] == chart.at(-45)
    assert f"day 46 of treatment (started {chart.at(-45)})" in fired(result)[RULE]["summary"]


@pytest.mark.parametrize("first_episode_methotrexate", [False, True])
def test_r05_a_relapse_on_the_same_condition_after_a_drug_free_remission_counts_from_its_re_induction(
        kb, today, first_episode_methotrexate):
    """One active IMNM Condition charted years ago, prednisone from day -1500 to -1100, nothing after, 60 mg again
    from day -45 (a relapse is most often charted on the same Condition). R05 said "on day 1501 of treatment
    (started <the first course>)", and with methotrexate in the first episode, stopped 800 days ago, it was quiet:
    "given since T_tx" (clinician review). After a drug-free remission the re-induction is this episode's T_tx
    (steroids.episode_start), and only this episode's agents count since it."""
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-1520).weight(68, day=-5)
    chart.antibody("anti_hmgcr", "positive", day=-1510).ck(6800, day=-1505).ck(180, day=-400).ck(5000, day=-47)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1500, end=-1100, status="completed")
    if first_episode_methotrexate:
        chart.medication(METHOTREXATE_2_5, 20, "mg", start=-1480, end=-800, status="completed", period=1,
                         period_unit="wk", day_of_week=["mon"])
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    result = run(kb, chart.request("patient-view"), today)
    assert _explain(result)["facts"]["steroid_sparing_since_ttx"] == "none"
    assert fired(result)[RULE]["summary"] == (f"IMNM on glucocorticoid alone on day 46 of treatment (started "
                                              f"{chart.at(-45)}): add a steroid-sparing agent")


def test_r05_an_agent_stopped_since_t_tx_is_said_to_be_stopped_and_when(kb, today):
    """Methotrexate given for a week and stopped 93 days ago, prednisone alone since: the row's "no steroid-sparing
    agent active, given, or ordered since T_tx" is not met, so R05 stays quiet, but its reason said only "given or
    ordered since T_tx", as if a second agent were on (clinician review). It says the agent stopped, and when."""
    chart = _chart(today, ttx=-110)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, end=-93, status="stopped", period=1, period_unit="wk",
                     day_of_week=["mon"])
    entry = _explain(run(kb, chart.request("patient-view"), today))
    stopped = f"methotrexate 2.5 MG Oral Tablet (stopped, last given on {chart.at(-93)}, 93 days ago)"
    assert entry["status"] == "not-fired"
    assert entry["reason"] == f"steroid-sparing agent given or ordered since T_tx: {stopped}"
    assert entry["facts"]["steroid_sparing_since_ttx"] == stopped
    current = _chart(today, ttx=-110).medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk",
                                                 day_of_week=["mon"])
    assert _explain(run(kb, current.request("patient-view"), today))["reason"] == (
        "steroid-sparing agent given or ordered since T_tx: methotrexate 2.5 MG Oral Tablet")


def test_r05_ivig_charted_one_order_per_cycle_is_named_once_by_its_last_cycle(kb, today):
    """The quiet reason names each agent by its latest order: IVIG charted as one completed order per cycle is one
    agent, last given at the end of its last cycle."""
    chart = _chart(today, ttx=-200).ivig_cycles((-150, 1, 2), (-122, 1, 2), (-94, 1, 2))
    entry = _explain(run(kb, chart.request("patient-view"), today))
    assert entry["reason"] == ("steroid-sparing agent given or ordered since T_tx: immune globulin, intravenous "
                               f"(completed, last given on {chart.at(-93)}, 93 days ago)")


def test_r05_with_dysphagia_methotrexate_is_subcutaneous_at_the_same_weekly_dose(kb, today):
    """Anti-SRP IMNM with oropharyngeal dysphagia (review 423, s2 'early'): R19 asks for nil by mouth or a modified
    diet and R25 gives zoledronic acid IV for it, but this card pre-selected methotrexate tablets. With dysphagia on
    file (routes.swallowing_impaired, R25's question) it offers the same 15 mg weekly as a subcutaneous prefilled
    syringe (RxNorm 2377343, in the methotrexate value set), still pre-selected, and folic acid once swallowing is
    safe; a resolved dysphagia leaves the tablets."""
    card = fired(run(kb, _chart(today).condition(DYSPHAGIA, onset=-6).request("patient-view"), today))[RULE]
    choice = _methotrexate(card)
    mtx, folic = (a["resource"] for a in choice["actions"])
    dosage = mtx["dosageInstruction"][0]
    assert choice["isRecommended"] is True and choice["label"].startswith("Methotrexate 15 mg SC once weekly")
    assert mtx["medicationCodeableConcept"]["coding"][0]["code"] == "2377343"
    assert dosage["route"]["coding"][0]["code"] == "34206005"
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert dosage["timing"]["repeat"]["period"] == 1 and dosage["timing"]["repeat"]["periodUnit"] == "wk"
    assert "(1 x 15 mg/0.6 mL prefilled syringe) subcutaneously ONCE WEEKLY" in dosage["text"]
    assert "by mouth once swallowing is safe (or via NG tube)" in folic["dosageInstruction"][0]["text"]
    detail = " ".join(card["detail"].split())
    assert "15 mg subcutaneously **once weekly**" in detail and "15 mg by mouth" not in detail
    assert "Dysphagia, oropharyngeal phase on file: methotrexate is offered **subcutaneously**" in detail
    resolved = _chart(today).condition(DYSPHAGIA, onset=-60, status="resolved")
    tablets = _methotrexate(fired(run(kb, resolved.request("patient-view"), today))[RULE])["actions"][0]["resource"]
    assert tablets["medicationCodeableConcept"]["coding"][0]["code"] == "105585"


def _medication_orders(card) -> list[tuple[dict, dict]]:
    """Each suggested MedicationRequest with the suggestion that orders it."""
    return [(s, a["resource"]) for s in card["suggestions"] for a in s["actions"]
            if a["resource"]["resourceType"] == "MedicationRequest"]


@pytest.mark.parametrize("also", [None, "lung disease", "eGFR 25"])
def test_r05_with_dysphagia_every_order_offered_can_be_taken(kb, today, also):
    """Dysphagia with interstitial lung disease, or with an eGFR of 25 (review 424 #5, 425 #2): R05 pre-selected
    mycophenolate mofetil 500 mg tablets "by mouth" while its note promised the oral suspension, and its folic acid
    was a tablet to start today. With routes.swallowing_impaired, nothing it offers is a tablet to swallow now:
    mycophenolate is the 200 mg/mL oral suspension (RxNorm 311880, 2.5 mL), given once swallowing is safe or via NG
    tube; folic acid waits until swallowing is safe (or goes crushed down the tube). The note names methotrexate only
    where it is offered."""
    chart = _chart(today).condition(DYSPHAGIA, onset=-6)
    if also == "lung disease":
        chart.condition(ILD, onset=-100)
    elif also == "eGFR 25":
        chart.lab(EGFR, 25, "mL/min/{1.73_m2}", day=-3)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    for suggestion, order in _medication_orders(card):
        taken = order["dosageInstruction"][0]["text"]
        if "by mouth" in taken or "Tablet" in order["medicationCodeableConcept"]["text"]:
            assert "by mouth once swallowing is safe (or via NG tube)" in taken, suggestion["label"]
    mmf = next(s for s in card["suggestions"] if s["label"].startswith("Mycophenolate"))
    order = mmf["actions"][0]["resource"]
    assert mmf["isRecommended"] is (also is not None)
    assert mmf["label"] == "Mycophenolate mofetil 500 mg (2.5 mL oral suspension) twice daily"
    assert order["medicationCodeableConcept"]["coding"][0]["code"] == "311880"
    assert order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 500
    assert order["dosageInstruction"][0]["text"].startswith(
        "Mycophenolate mofetil 500 mg (2.5 mL of the 200 mg/mL oral suspension) twice daily, by mouth once swallowing "
        "is safe (or via NG tube)")
    detail = " ".join(card["detail"].split())
    assert "mycophenolate is offered as its **oral suspension** (500 mg = 2.5 mL of 200 mg/mL)" in detail
    assert ("methotrexate is offered **subcutaneously**" in detail) is (also != "eGFR 25")
    if also != "eGFR 25":
        mtx = _methotrexate(card)
        folic = mtx["actions"][1]
        assert mtx["label"].endswith("+ folic acid 1 mg daily once swallowing is safe")
        assert folic["description"] == "Folic acid 1 mg daily once swallowing is safe"
        assert "the tablet crushed for the tube" in folic["resource"]["dosageInstruction"][0]["text"]
