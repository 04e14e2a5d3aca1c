"""A cardiac test is pre-selected once in a response: R20 leaves the tests R19's card orders to R19 (and orders
its own when R19's card is held back), and R04 keeps its own, unselected, naming the card that orders them too."""

from __future__ import annotations

from fhir_fixtures.builders import IBM_ICD, IVIG_CVX, ROUTE_IV, Chart
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA, MYOCARDITIS, TROPONIN_I_HS, severe_chart
from fhir_fixtures.r31_ici_myositis import PEMBROLIZUMAB
from tests.conftest import explained, fired, run

R19, R20, R04 = "imnm-severe-disease-urgent", "srp-cardiac-evaluation", "imnm-dual-antibody-positive"
SCREEN = ["12-lead ECG", "High-sensitivity troponin I", "NT-proBNP", "Transthoracic echocardiogram"]


def _cards(kb, chart, today):
    result = run(kb, chart.request("patient-view"), today)
    return fired(result), result


def test_r20_leaves_the_tests_r19_orders_stat_to_r19(kb, today):
    """Severe anti-SRP IMNM with nothing on file: both cards pre-selected ECG, troponin I, NT-proBNP and echo."""
    cards, result = _cards(kb, severe_chart(today).condition(DYSPHAGIA, onset=-5), today)
    workup = next(s for s in cards[R19]["suggestions"] if s["label"].startswith("Cardiac work-up"))
    assert workup["isRecommended"] and {a["resource"]["priority"] for a in workup["actions"]} == {"stat", "urgent"}
    assert not cards[R20].get("suggestions")
    assert ("The severe-IMNM card (R19) orders 12-lead ECG, troponin I, NT-proBNP stat and transthoracic "
            "echocardiogram urgently: they are not offered again here.") in cards[R20]["detail"]
    assert explained(result, R20)["facts"]["ordered_on_severe_card"] == (
        "12-lead ECG, troponin I, NT-proBNP, transthoracic echocardiogram")


def test_r20_keeps_the_cardiac_mri_and_referral_r19_does_not_order(kb, today):
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", high=16)
    cards, _ = _cards(kb, chart.condition(MYOCARDITIS, onset=-2), today)
    (suggestion,) = cards[R20]["suggestions"]
    assert [a["description"] for a in suggestion["actions"]] == ["Cardiac MRI", "Cardiology referral"]
    assert suggestion["label"] == "Cardiac MRI, Cardiology referral"


def test_r20_orders_its_screen_when_r19_is_quiet(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).medication(
        IVIG_CVX, 30, "g", start=-33, end=-29, status="completed", route=ROUTE_IV)  # already treated: R19 quiet
    cards, _ = _cards(kb, chart, today)
    assert R19 not in cards
    assert [a["description"] for a in cards[R20]["suggestions"][0]["actions"]] == SCREEN
    assert "not offered again" not in cards[R20]["detail"]


def _ici(chart: Chart) -> Chart:
    """On pembrolizumab, with myalgia and the raised CK: the ICI gate holds R19 back."""
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    return chart.condition("Myalgia", onset=-8)


def _ibm(today) -> Chart:
    """Anti-SRP positive with a raised CK and IBM, no other myositis charted: the IBM gate holds R19 back."""
    chart = Chart(today, age=70, sex="male").condition(IBM_ICD, onset=-400).ck(1200, day=-3)
    return chart.antibody("anti_srp", "positive", day=-30).antibody("anti_hmgcr", "negative", day=-30)


def test_r20_orders_its_screen_when_the_ibm_gate_holds_r19_back(kb, today):
    cards, result = _cards(kb, _ibm(today).condition(DYSPHAGIA, onset=-5), today)
    assert explained(result, R19)["reason"].startswith("suppressed by ibm-immunosuppression-futile")
    assert [a["description"] for a in cards[R20]["suggestions"][0]["actions"]] == SCREEN
    assert "not offered again" not in cards[R20]["detail"]


def test_the_ici_card_that_holds_r19_back_orders_r20_s_screen_stat(kb, today):
    """R31 (critical) pre-selects the same four tests stat or urgently: hooks.reconcile keeps them there, and R20
    says where they are."""
    cards, result = _cards(kb, _ici(severe_chart(today)).condition(DYSPHAGIA, onset=-5), today)
    assert explained(result, R19)["reason"].startswith("suppressed by ici-myositis")
    assert not cards[R20].get("suggestions") and cards[R20]["indicator"] == "warning"
    assert ("**Ordered on another card:** 12-lead ECG, High-sensitivity troponin I, NT-proBNP and Transthoracic "
            "echocardiogram are offered on R31 (Checkpoint-inhibitor myositis: rule out myocarditis).") \
        in cards[R20]["detail"]
    assert "not offered again" not in cards[R20]["detail"]


def test_r04_keeps_its_tests_unselected_and_names_r19_s_card(kb, today):
    """R04 left its tests to R19's card: a card held back after the rules run (snoozed) then left them unoffered."""
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).antibody("anti_hmgcr", "positive", day=-20)
    cards, _ = _cards(kb, chart, today)
    _, cardiac = cards[R04]["suggestions"]
    assert cardiac["label"] == ("Cardiac evaluation: 12-lead ECG, High-sensitivity troponin I, Transthoracic "
                                "echocardiogram")
    assert cardiac["isRecommended"] is False
    assert ("Also offered on the severe-IMNM card (R19): 12-lead ECG, troponin I, transthoracic echocardiogram; "
            "order each test from one card only." in cards[R04]["detail"])


def test_r04_names_r20_s_card_when_a_gate_holds_r19_back(kb, today):
    chart = _ici(severe_chart(today)).condition(DYSPHAGIA, onset=-5).antibody("anti_hmgcr", "positive", day=-20)
    cards, _ = _cards(kb, chart, today)
    assert R19 not in cards and len(cards[R04]["suggestions"]) == 2
    assert ("Also offered on the anti-SRP cardiac screen card (R20): 12-lead ECG, troponin I, transthoracic "
            "echocardiogram; order each test from one card only.") in cards[R04]["detail"]
