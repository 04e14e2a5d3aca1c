"""R19 and the kidneys: IVIG with the boxed warning's renal precautions when the kidneys are at risk (AKI, or an eGFR
below R27's 60), methotrexate held during AKI or below R10's eGFR of 30; and the raised troponin stated with its
limit."""

from __future__ import annotations

from fhir_fixtures.builders import ICD10, Chart
from fhir_fixtures.r19_imnm_severe_disease_urgent import (
    CREATININE,
    DYSPHAGIA,
    MYOCARDITIS,
    RHABDO,
    TROPONIN_I_HS,
    severe_chart,
)
from tests.conftest import explained, fired, run

RULE = "imnm-severe-disease-urgent"
CONTINUE_MTX = "- Continue or start methotrexate (or another steroid-sparing agent)."
HOLD_MTX = "**Do not start methotrexate, and hold it if it is given, while "
BOXED = ("IVIG can cause acute renal failure (boxed warning): give a sucrose-free product at the minimum dose, "
         "concentration and infusion rate practicable, hydrate first")


def _result(kb, chart: Chart, today) -> tuple[dict, dict]:
    result = run(kb, chart.request("patient-view"), today)
    return fired(result)[RULE], explained(result, RULE)


def _ivig_order(card: dict) -> dict:
    return next(a["resource"] for a in card["suggestions"][0]["actions"] if a["description"].startswith("IVIG"))


def test_rhabdomyolysis_with_aki_gives_ivig_with_renal_care_and_holds_methotrexate(kb, today):
    """Creatinine 1.1 -> 2.0 mg/dL (eGFR 31): the card said "Start IVIG now" and "Continue or start methotrexate"."""
    chart = severe_chart(today).condition(RHABDO, onset=-4)
    chart.lab(CREATININE, 1.1, "mg/dL", day=-9).lab(CREATININE, 2.0, "mg/dL", day=-2)
    card, entry = _result(kb, chart, today)
    aki = "acute kidney injury (creatinine 2 mg/dL on 2026-11-19 vs baseline 1.1 mg/dL on 2026-11-12)"
    assert f"**Kidneys at risk:** {aki}; eGFR 31 on 2026-11-19" in card["detail"] and "is below 60" in card["detail"]
    assert BOXED in card["detail"] and _ivig_order(card)["note"][0]["text"].startswith(f"Kidneys at risk: {aki}")
    assert f"{HOLD_MTX}there is {aki}**" in card["detail"] and CONTINUE_MTX not in card["detail"]
    assert "Mycophenolate mofetil is the steroid-sparing choice when methotrexate is contraindicated" in card["detail"]
    assert entry["facts"]["kidney_at_risk"].startswith(aki)


def test_the_renal_care_asks_for_the_minimum_dose_as_the_boxed_warning_does(kb, today):
    """The boxed warning: "administer at the minimum dose and infusion rate practicable"; the card left out the dose."""
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).lab(CREATININE, 1.4, "mg/dL", day=-2)  # eGFR 48
    card, _ = _result(kb, chart, today)
    care = "at the minimum dose, concentration and infusion rate practicable"
    assert care in card["detail"] and care in _ivig_order(card)["note"][0]["text"]


def test_an_aki_the_creatinine_is_back_from_is_worded_as_past_and_does_not_hold_methotrexate(kb, today):
    """Creatinine 0.8 -> 1.6 (day -20) -> 0.8 (day -2): the card said "Do not start methotrexate ... while there is
    acute kidney injury"."""
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5)
    chart.lab(CREATININE, 0.8, "mg/dL", day=-40).lab(CREATININE, 1.6, "mg/dL", day=-20).lab(CREATININE, 0.8, "mg/dL",
                                                                                            day=-2)
    card, entry = _result(kb, chart, today)
    past = ("recent acute kidney injury (creatinine 1.6 mg/dL on 2026-11-01 vs baseline 0.8 mg/dL on 2026-10-12; "
            "creatinine now 0.8 mg/dL on 2026-11-19)")
    assert f"**Kidneys at risk:** {past}. {BOXED}" in card["detail"]
    assert "while there is acute kidney injury" not in card["detail"] and HOLD_MTX not in card["detail"]
    assert CONTINUE_MTX in card["detail"] and entry["facts"]["kidney_at_risk"] == past


def test_rhabdomyolysis_with_an_aki_now_past_still_counts_and_says_the_creatinine_now(kb, today):
    chart = severe_chart(today).condition(RHABDO, onset=-20)
    chart.lab(CREATININE, 0.8, "mg/dL", day=-40).lab(CREATININE, 1.6, "mg/dL", day=-19).lab(CREATININE, 0.9, "mg/dL",
                                                                                            day=-2)
    card, _ = _result(kb, chart, today)
    assert ("with acute kidney injury: creatinine 1.6 mg/dL on 2026-11-02 vs baseline 0.8 mg/dL on 2026-10-12; "
            "creatinine now 0.9 mg/dL on 2026-11-19") in card["detail"]
    assert HOLD_MTX not in card["detail"]


def test_an_aki_condition_holds_methotrexate_whatever_the_severe_feature(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).condition((ICD10, "N17.9", "Acute kidney failure"),
                                                                          onset=-3)
    card, _ = _result(kb, chart, today)
    assert f"{HOLD_MTX}there is acute kidney injury (Acute kidney failure" in card["detail"]
    assert BOXED in card["detail"]


def test_an_egfr_below_30_without_aki_holds_methotrexate(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5)
    chart.lab(CREATININE, 2.2, "mg/dL", day=-60).lab(CREATININE, 2.2, "mg/dL", day=-2)  # stable: eGFR 28
    card, _ = _result(kb, chart, today)
    assert f"{HOLD_MTX}eGFR 28 on 2026-11-19" in card["detail"] and "is below 30**" in card["detail"]
    assert "there is acute kidney injury" not in card["detail"] and BOXED in card["detail"]


def test_an_egfr_between_30_and_60_asks_for_renal_care_with_ivig_only(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).lab(CREATININE, 1.4, "mg/dL", day=-2)  # eGFR 48
    card, _ = _result(kb, chart, today)
    assert "**Kidneys at risk:** eGFR 48 on 2026-11-19" in card["detail"]
    assert BOXED in card["detail"] and CONTINUE_MTX in card["detail"] and HOLD_MTX not in card["detail"]


def test_normal_kidneys_keep_the_rows_advice(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5).lab(CREATININE, 0.7, "mg/dL", day=-2)
    card, entry = _result(kb, chart, today)
    assert CONTINUE_MTX in card["detail"] and "Kidneys at risk" not in card["detail"]
    assert "note" not in _ivig_order(card) and "kidney_at_risk" not in entry["facts"]


def test_a_raised_troponin_is_stated_with_its_limit(kb, today):
    """"troponin I 85 ng/L above the ULN" read as 85 ng/L over the limit."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", high=16)
    card, _ = _result(kb, chart.condition(MYOCARDITIS, onset=-2), today)
    assert "cardiac involvement: troponin I 85 ng/L (ULN 16 ng/L) on 2026-11-19 with Isolated myocarditis" in \
        card["detail"]
    assert "above the ULN" not in card["detail"]


def test_a_troponin_raised_by_its_flag_alone_says_so(kb, today):
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", interpretation="H")
    card, _ = _result(kb, chart.condition(MYOCARDITIS, onset=-2), today)
    assert "troponin I 85 ng/L (flagged H by the lab) on 2026-11-19" in card["detail"]


def test_an_aki_is_not_called_past_when_a_newer_creatinine_cannot_be_read(kb, today):
    """Creatinine 0.8 -> 1.6 (day -20) -> 0.8 (day -5), then one on day -2 in a unit not read: the card called the
    injury past on the day -5 value, and did not hold methotrexate."""
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-5)
    chart.lab(CREATININE, 0.8, "mg/dL", day=-40).lab(CREATININE, 1.6, "mg/dL", day=-20)
    chart.lab(CREATININE, 0.8, "mg/dL", day=-5).lab(CREATININE, 1.9, "U/L", day=-2)
    card, entry = _result(kb, chart, today)
    current = ("acute kidney injury (creatinine 1.6 mg/dL on 2026-11-01 vs baseline 0.8 mg/dL on 2026-10-12; the "
               "newest creatinine (1.9 U/L on 2026-11-19) could not be read)")
    assert f"**Kidneys at risk:** {current}" in card["detail"]
    assert f"{HOLD_MTX}there is {current}" in card["detail"]
    assert "recent acute kidney injury" not in card["detail"] and "creatinine now" not in card["detail"]
    assert entry["facts"]["kidney_at_risk"].startswith(current)
