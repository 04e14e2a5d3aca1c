"""R31: with the heart involved (or myasthenia managed as grade 3-4) the recommended glucocorticoid is a
methylprednisolone pulse (adult ``pulse_mg``, 1 g; a child 30 mg/kg up to it), built as R07 and R19 build theirs,
in one suggestion with the oral dose after it; 1-2 mg/kg stays in the card's doses. The glucocorticoid ways exclude
one another, so the card offers one. A pulse already on file is named, and its oral follow-on recommended instead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import METHYLPRED_1000, ROUTE_IV, Chart
from fhir_fixtures.r31_ici_myositis import ECG, HS_TNI, PEMBROLIZUMAB, on_pembrolizumab
from hooks import parameters
from tests.conftest import explained, fired, run, with_params

RULE = "ici-myositis"
R07 = "ivmp-pulse-dose-cap"
GRADE = "CTCAE grade (myositis)"
IV = "47625008"
MG_CAUTION = ("**Myasthenia: high-dose glucocorticoids can transiently worsen it.** Start a pulse only on admission, "
              "with FVC and NIF monitoring, and give IVIG or plasma exchange with it")


def _card(kb, chart: Chart, today) -> dict:
    return fired(run(kb, chart.request("patient-view"), today))[RULE]


def _steroids(card: dict) -> list[dict]:
    """The glucocorticoid suggestions (label, recommended, the order)."""
    return [s for s in card["suggestions"] if s["actions"][0]["type"] == "create"
            and s["actions"][0]["resource"]["resourceType"] == "MedicationRequest"]


def _pulse_label(mg: str, why: str, oral_mg: int = 70) -> str:
    return f"Methylprednisolone pulse {mg} mg IV daily x3 ({why}), then prednisone {oral_mg} mg PO daily (1 mg/kg)"


def _dose(suggestion: dict) -> float:
    return suggestion["actions"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]


def _heart(chart: Chart, day: int = 0) -> Chart:
    """hs-troponin I 85 ng/L (ULN 14) on ``day``, with an ECG today: the heart is involved."""
    return chart.observation(HS_TNI, day=day, value=85, unit="ng/L", high=14).procedure(ECG, day=0)


def _myasthenia(today, grade: int | None, ck: float = 4200) -> Chart:
    """Myasthenia gravis on file, the heart spared (troponin normal, ECG done), CTCAE ``grade`` if given."""
    chart = on_pembrolizumab(today, ck=ck).weight(70).condition("Myasthenia gravis", onset=-2)
    if grade is not None:
        chart.observation(GRADE, day=-1, value=grade, unit="1")
    return chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)


def _child(today, kg: float, weighed: int = -1) -> Chart:
    chart = Chart(today, age=12, sex="female").ck(6000, day=-1).weight(kg, day=weighed)
    chart.medication(PEMBROLIZUMAB, 2 * kg, "mg", start=-120, period=3, period_unit="wk")
    return _heart(chart.condition("Myalgia", onset=-8))


def test_heart_involvement_recommends_the_pulse_not_1_mg_per_kg(kb, today):
    """The card said "methylprednisolone IV at pulse dose" while it pre-selected methylprednisolone 70 mg (1 mg/kg)."""
    card = _card(kb, _heart(on_pembrolizumab(today).weight(72)), today)
    (pulse,) = _steroids(card)
    assert pulse["label"] == _pulse_label("1,000", "heart involvement")
    assert pulse["isRecommended"] is True and _dose(pulse) == 1000
    order = pulse["actions"][0]["resource"]
    assert order["dosageInstruction"][0]["text"] == ("Methylprednisolone 1,000 mg IV over at least 60 minutes once "
                                                     "daily for 3 days")
    assert order["medicationCodeableConcept"]["text"] == "methylprednisolone 1000 MG Injection"
    assert order["dosageInstruction"][0]["route"]["coding"][0]["code"] == IV
    # no 1 mg/kg IV beside the pulse, and the oral dose starts after it: taken together (the card's selection is
    # "any") they gave a pulse, 70 mg IV and 70 mg oral at once (found by review); the oral is the pulse's own
    oral = pulse["actions"][1]
    oral_dosage = oral["resource"]["dosageInstruction"][0]
    assert oral["description"] == "Prednisone 70 mg PO daily after the pulse"
    assert "starting the day after the last IV methylprednisolone dose" in oral_dosage["text"]
    assert oral_dosage["timing"]["repeat"]["boundsPeriod"]["start"] == (today + timedelta(days=3)).isoformat()
    assert "**Heart involvement: methylprednisolone pulse 1,000 mg IV daily for 3-5 days**" in card["detail"]
    assert ("The order is for 3 days; cardio-oncology or neurology decide on days 4-5, and its prednisone starts the "
            "day after the third dose: move that start if they are given.") in card["detail"]
    assert "a methylprednisolone IV pulse (dose below)" in card["detail"]
    assert "may choose a higher pulse" not in card["detail"] and MG_CAUTION not in card["detail"]


def test_the_pulse_is_credited_to_asco_s_own_list_and_myasthenia_to_the_decision_table(kb, today):
    """The card credited ASCO with "a higher-dose bolus for severe compromise such as myocarditis or myasthenia";
    ASCO's myositis table lists mobility, cardiac, respiratory and dysphagia, and the decision table adds MG."""
    detail = _card(kb, _heart(on_pembrolizumab(today).weight(72)), today)["detail"]
    assert ("(ASCO 2021, myositis: methylprednisolone 1-2 mg/kg/day IV, or a higher-dose bolus for severe compromise "
            "(weakness severely limiting mobility, cardiac, respiratory, dysphagia); the decision table: \"higher "
            "pulse if myocarditis or MG\")") in detail
    assert "such as myocarditis or myasthenia" not in detail


@pytest.mark.parametrize(("chart", "mg"), [
    (lambda today: _heart(on_pembrolizumab(today).weight(72)), 1000),
    (lambda today: _child(today, 21.7), 650),  # 30 mg/kg x 21.7 kg = 651, rounded down: 29.95 mg/kg
], ids=["adult", "child"])
def test_the_pulse_signed_is_within_r07s_limits(kb, today, chart, mg):
    built = chart(today)
    (pulse, *_) = _steroids(_card(kb, built, today))
    assert _dose(pulse) == mg
    built.draft_resource(dict(pulse["actions"][0]["resource"], status="draft", id="suggested-pulse"))
    result = run(kb, built.request("order-sign"), today)
    assert R07 not in fired(result)
    assert explained(result, R07)["reason"] == "IV methylprednisolone within the pulse limits"


def test_an_adult_gets_the_fixed_pulse_without_a_current_weight(kb, today):
    card = _card(kb, _heart(on_pembrolizumab(today).weight(72, day=-45)), today)
    (pulse,) = _steroids(card)
    assert pulse["isRecommended"] is True and _dose(pulse) == 1000
    assert "**Doses could not be computed:** no body weight" in card["detail"]


@pytest.mark.parametrize(("kg", "mg", "how"), [(20, 600, "30 mg/kg, rounded down to 10 mg"),
                                               (45, 1000, "30 mg/kg, rounded down to 10 mg, capped at 1,000 mg")])
def test_a_child_gets_30_mg_per_kg_up_to_1_g_as_r07_and_r19_order_it(kb, today, kg, mg, how):
    card = _card(kb, _child(today, kg), today)
    pulse = _steroids(card)[0]
    assert pulse["isRecommended"] is True and _dose(pulse) == mg
    assert f"methylprednisolone pulse {mg:,} mg IV daily for 3-5 days** ({how})" in card["detail"]
    assert "then oral prednisolone" in pulse["actions"][0]["resource"]["note"][0]["text"]


def test_a_child_without_a_current_weight_gets_no_pulse_order(kb, today):
    card = _card(kb, _child(today, 30, weighed=-10), today)
    assert not _steroids(card)
    assert "30 mg/kg/day (maximum 1,000 mg) for 3-5 days; the child's dose could not be computed" in card["detail"]


def test_the_pulse_is_its_own_parameter_not_the_1_to_2_mg_per_kg_cap(kb, today):
    """The adult pulse was the cap on a weight-based dose: a site lowering that cap to 160 mg got "a pulse 160 mg"."""
    chart = _heart(on_pembrolizumab(today).weight(72))
    capped = fired(run(with_params(kb, RULE, methylprednisolone_cap_mg=160), chart.request("patient-view"), today))
    assert _dose(_steroids(capped[RULE])[0]) == 1000
    lower = fired(run(with_params(kb, RULE, pulse_mg=500), chart.request("patient-view"), today))
    pulse = _steroids(lower[RULE])[0]
    assert pulse["label"] == _pulse_label("500", "heart involvement") and _dose(pulse) == 500


def test_a_site_may_not_set_the_pulse_above_r07s_maximum(kb, tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("[ici-myositis]\npulse_mg = 1500\n")
    with pytest.raises(parameters.ParameterError, match=r"ici-myositis\.pulse_mg = 1500 may not exceed"):
        parameters.load([loaded.rule for loaded in kb.rules], site)


@pytest.mark.parametrize(("given", "days", "starts"), [
    ({"start": -1, "end": 1}, "since 2026-11-20, still given (to 2026-11-22)", ", starting the day after the last IV "
                                                                               "methylprednisolone dose (2026-11-23)"),
    ({"start": -3, "end": -1, "status": "completed"}, "2026-11-18 to 2026-11-20", ""),
], ids=["running", "just-finished"])
def test_a_pulse_on_file_is_named_and_followed_by_prednisone_not_another(kb, today, given, days, starts):
    """R31 pre-selected another 1 g pulse beside one running (R07: "the 1,000 mg/day order on the chart is still
    active") or just given (R07: ">= 250 mg/day for more than 5 days")."""
    chart = _heart(on_pembrolizumab(today).weight(72), day=-1)
    chart.medication(METHYLPRED_1000, 1000, "mg", count=3, route=ROUTE_IV, **given)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    *per_kg, oral = _steroids(card)
    assert not any(s["label"].startswith("Methylprednisolone pulse") for s in card["suggestions"])
    assert all(s["isRecommended"] is False for s in per_kg)  # and none beside a running pulse (test_r31_follow_on)
    assert oral["label"] == "Prednisone 70 mg PO daily (1 mg/kg)" and oral["isRecommended"] is True
    assert oral["actions"][0]["resource"]["dosageInstruction"][0]["text"] == (
        f"Prednisone 70 mg (14 x 5 mg tablets) by mouth once daily{starts} (ICI myositis)")
    on_file = f"methylprednisolone 1000 MG Injection, 1000 mg once a day, {days}"
    assert f"**IV methylprednisolone at a pulse dose on file: {on_file}.** No new pulse is offered" in card["detail"]
    assert "cardio-oncology today; the methylprednisolone pulse on file, then oral prednisone (below)." in \
        card["detail"]
    assert explained(result, RULE)["facts"]["pulse_on_file"] == on_file


def test_a_pulse_on_file_at_grade_3_4_is_followed_by_prednisone_not_iv_1_mg_per_kg(kb, today):
    """Dysphagia (managed as G3-4), the heart spared, a 1 g pulse given days -3 to -1: IV methylprednisolone 1 mg/kg
    was pre-selected on top of it."""
    chart = on_pembrolizumab(today).weight(70).condition("Dysphagia", onset=-3)
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, end=-1, count=3, route=ROUTE_IV, status="completed")
    card = _card(kb, chart, today)
    (oral,) = _steroids(card)  # IV 1 mg/kg, not recommended, is no longer offered beside the recommended follow-on
    assert oral["label"] == "Prednisone 70 mg PO daily (1 mg/kg)" and oral["isRecommended"] is True
    assert "manage as grade 3-4: hold the ICI; the methylprednisolone pulse on file, then oral prednisone (below)" in \
        card["detail"]
    assert "No new pulse is offered" not in card["detail"]  # none was called for


def test_a_lower_iv_dose_on_file_still_gets_the_pulse(kb, today):
    """Methylprednisolone 70 mg IV (1 mg/kg) is not a pulse dose (R07's 250 mg/day): the pulse escalates it."""
    chart = _heart(on_pembrolizumab(today).weight(72), day=-1)
    chart.medication(METHYLPRED_1000, 70, "mg", start=-4, route=ROUTE_IV)
    pulse = _steroids(_card(kb, chart, today))[0]
    assert pulse["label"].startswith("Methylprednisolone pulse 1,000 mg") and pulse["isRecommended"] is True


def test_grade_2_with_the_heart_involved_names_the_pulse_not_prednisone(kb, today):
    """The plan said "Grade 2: ... start prednisone 0.5-1 mg/kg/day" while the pulse was pre-selected."""
    chart = _heart(on_pembrolizumab(today).weight(72)).observation(GRADE, day=-1, value=2, unit="1")
    card = _card(kb, chart, today)
    assert "Grade 2: hold the ICI; a methylprednisolone IV pulse (dose below)." in card["detail"]
    assert "start prednisone 0.5-1 mg/kg/day" not in card["detail"]
    assert _steroids(card)[0]["isRecommended"] is True


@pytest.mark.parametrize("grade", [1, 2])
def test_myasthenia_below_grade_3_holds_the_ici_and_offers_the_pulse_unselected(kb, today, grade):
    """The pulse was pre-selected for any myasthenia at any grade; the decision table gives it in the G3-4 line, and
    high-dose glucocorticoids can transiently worsen myasthenia. CK 2.5 x ULN: grade 2 starts no prednisone."""
    chart = _myasthenia(today, grade, ck=500)
    chart.draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    hold = card["suggestions"][0]
    assert hold["label"] == "Hold: cancel this ICI dose and put pembrolizumab on hold on the chart"
    assert hold["isRecommended"] is True
    (pulse,) = _steroids(card)
    assert pulse["label"] == _pulse_label("1,000", "myasthenia")
    assert pulse["isRecommended"] is False
    assert "(offered, not pre-selected: the decision table's higher pulse for myasthenia is a grade 3-4 step)" in \
        card["detail"]
    assert MG_CAUTION in card["detail"]
    assert ("Myasthenia on file: hold the ICI; neurology today; a methylprednisolone pulse is offered below, not "
            "pre-selected below grade 3-4.") in card["detail"]
    assert "may continue" not in card["detail"]
    assert card["summary"].endswith("hold the ICI; neurology today for the myasthenia")


def test_myasthenia_at_grade_2_with_ck_3_x_uln_gets_its_prednisone_not_the_pulse_beside_it(kb, today):
    """Grade 2, CK 21 x ULN: prednisone 0.5 mg/kg (recommended, from today) was offered beside the unselected pulse,
    and both could be signed. The card offers one glucocorticoid way: the recommended prednisone, and names the
    pulse as a grade 3-4 step."""
    card = _card(kb, _myasthenia(today, 2), today)
    (oral,) = _steroids(card)
    assert oral["label"] == "Prednisone 35 mg PO daily (0.5 mg/kg)" and oral["isRecommended"] is True
    assert "boundsPeriod" not in oral["actions"][0]["resource"]["dosageInstruction"][0]["timing"]["repeat"]
    assert "Myasthenia on file: hold the ICI; neurology today; no methylprednisolone pulse below grade 3-4." in \
        card["detail"]
    assert ("**Myasthenia: methylprednisolone pulse 1,000 mg IV daily for 3-5 days** (not offered beside the grade 2 "
            "prednisone: the decision table's higher pulse for myasthenia is a grade 3-4 step), then prednisone "
            "1 mg/kg/day") in card["detail"]
    assert "The order is for 3 days" not in card["detail"] and MG_CAUTION in card["detail"]


@pytest.mark.parametrize("grade", [3, None], ids=["grade-3", "ungraded-with-dysphagia"])
def test_myasthenia_managed_as_grade_3_4_recommends_the_pulse_with_its_caution(kb, today, grade):
    """A documented G3-4, or no grade with a bulbar or respiratory feature (myasthenia alone: test_r31_follow_on)."""
    chart = _myasthenia(today, grade)
    if grade is None:
        chart.condition("Dysphagia", onset=-2)
    card = _card(kb, chart, today)
    (pulse,) = _steroids(card)
    assert pulse["label"] == _pulse_label("1,000", "myasthenia") and pulse["isRecommended"]
    assert MG_CAUTION in card["detail"] and "not pre-selected" not in card["detail"]
    assert "Myasthenia on file: hold the ICI; neurology today; a methylprednisolone IV pulse (dose below)." in \
        card["detail"]
    assert card["summary"].endswith("hold the ICI; methylprednisolone pulse for the myasthenia")


def test_bulbar_features_without_myasthenia_keep_1_mg_per_kg_recommended(kb, today):
    """IV 1 mg/kg alone: prednisone 1 mg/kg, offered beside it, could be signed with it, giving both."""
    chart = on_pembrolizumab(today).weight(70).condition("Dysphagia", onset=-3)
    card = _card(kb, chart, today)
    (per_kg,) = _steroids(card)
    assert per_kg["label"] == "Methylprednisolone 70 mg IV daily (1 mg/kg)" and per_kg["isRecommended"] is True
    assert ("prednisone 1 mg/kg = **70 mg/day** (rounded to 5 mg); methylprednisolone IV 1 mg/kg = **70 mg/day** "
            "(rounded to 10 mg), 2 mg/kg = 140 mg/day (rounded to 10 mg); prednisone cap 80 mg, methylprednisolone cap "
            "1,000 mg. One glucocorticoid order is offered below, as two signed together would both be given: to give "
            "another of these instead, order it by hand.") in card["detail"]


def test_myasthenia_keeps_an_unjudged_troponin_on_the_card(kb, today):
    chart = on_pembrolizumab(today).weight(70).condition("Myasthenia gravis", onset=-2)
    chart.observation(HS_TNI, day=0, value=850, unit="ng/L").procedure(ECG, day=0)  # no range, no flag
    card = _card(kb, chart, today)
    assert "Cardiac involvement **not excluded**" in card["detail"]
    assert "Myasthenia on file: hold the ICI; neurology today; a methylprednisolone pulse is offered" in card["detail"]
