"""Fixtures for R31 ici-myositis: both hooks, grades, myocardial involvement, near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ICD10,
    IMNM_SNOMED,
    LOINC,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    RXNORM,
    SNOMED,
    Chart,
)

RULE = "ici-myositis"
PEMBROLIZUMAB = (RXNORM, "1547545", "pembrolizumab")
NIVOLUMAB = (RXNORM, "1597876", "nivolumab")
HS_TNI = (LOINC, "89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method")
ECG = (SNOMED, "268400002", "12 lead ECG")
TROPONIN_T = (LOINC, "6598-7", "Troponin T.cardiac [Mass/volume] in Serum or Plasma")
WEAKNESS = (ICD10, "M62.81", "Muscle weakness (generalized)")


def on_pembrolizumab(today: date, ck: float = 4200, ck_day: int = -2) -> Chart:
    """Melanoma on pembrolizumab every 3 weeks since D-120 (given D-10), myalgia, CK high."""
    chart = Chart(today, age=64, sex="male")
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myalgia", onset=-8)
    chart.ck(ck, day=ck_day)
    return chart


def known_imnm_on_pembrolizumab(today: date, latest_ck: float = 480, hs_troponin_i: float | None = None) -> Chart:
    """Anti-HMGCR IMNM since D-1400, stable on methotrexate and prednisone 5 mg, with chronic weakness and CK
    420-470 U/L (ULN 200) and troponin T 42 ng/L (skeletal, D-120: within the 180-day baseline window) before
    pembrolizumab, started D-60 for lung cancer;
    CK ``latest_ck`` and troponin T 45 ng/L on D-3 (the reviewer's case), and hs-troponin I ``hs_troponin_i`` ng/L
    (ULN 16) that day when given (none before pembrolizumab)."""
    chart = Chart(today, age=63, sex="female")
    chart.condition(IMNM_SNOMED, onset=-1400).condition(WEAKNESS, onset=-1400)
    chart.antibody("anti_hmgcr", "positive", day=-1390).antibody("anti_srp", "negative", day=-1390)
    chart.ck(9000, day=-1395).ck(420, day=-300).ck(470, day=-120).ck(latest_ck, day=-3)
    chart.observation(TROPONIN_T, -120, value=42, unit="ng/L", high=14)
    chart.observation(TROPONIN_T, -3, value=45, unit="ng/L", high=14)
    chart.weight(70, day=-3)
    chart.medication(PREDNISONE_5, 5, "mg", start=-700)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-1370, period=1, period_unit="wk", route=ROUTE_ORAL)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-60, period=3, period_unit="wk", route=ROUTE_IV)
    if hs_troponin_i is not None:
        chart.observation(HS_TNI, -3, value=hs_troponin_i, unit="ng/L", high=16)
    return chart


@fixture("r31-quiet-known-imnm-ck-unchanged-since-before-the-ici", hook="patient-view",
         story="Anti-HMGCR IMNM with CK 420-480 U/L and troponin T 42-45 ng/L unchanged since before pembrolizumab: "
               "R31 read it as ICI myositis and pre-selected holding the ICI, never naming the IMNM (review). It now "
               "says why it is quiet: the CK was raised before the first dose and has not risen since.",
         quiet={RULE})
def known_imnm_unchanged(today: date) -> dict[str, Any]:
    return known_imnm_on_pembrolizumab(today).request("patient-view")


@fixture("r31-fires-known-imnm-ck-risen-since-the-ici", hook="patient-view",
         story="The same patient with CK 800 U/L (1.7 x the 470 U/L before pembrolizumab): ICI myositis or an IMNM "
               "flare, and the card names both.",
         fires={RULE}, indicators={RULE: "critical"})
def known_imnm_risen(today: date) -> dict[str, Any]:
    return known_imnm_on_pembrolizumab(today, latest_ck=800).request("patient-view")


@fixture("r31-fires-known-imnm-new-troponin-i", hook="patient-view",
         story="The same patient, CK unchanged, with hs-troponin I 180 ng/L (ULN 16) and none before pembrolizumab: "
               "the CK set aside as the known IMNM's took the new troponin with it and R31 went quiet (review). A "
               "troponin is read against its own pre-ICI result: the heart is involved, stop the ICI.",
         fires={RULE}, indicators={RULE: "critical"})
def known_imnm_new_troponin(today: date) -> dict[str, Any]:
    return known_imnm_on_pembrolizumab(today, hs_troponin_i=180).request("patient-view")


@fixture("r31-fires-known-imnm-new-troponin-i-after-an-old-mi", hook="patient-view",
         story="The same patient with hs-troponin I 5,000 ng/L on D-900 from an old myocardial infarction, before "
               "pembrolizumab, and 180 ng/L (ULN 16) now: the old peak was read as the troponin I's pre-ICI baseline "
               "and R31 went quiet (review). A baseline is a result within 180 days before the first dose, not an "
               "old infarct's peak.",
         fires={RULE}, indicators={RULE: "critical"})
def known_imnm_new_troponin_after_old_mi(today: date) -> dict[str, Any]:
    chart = known_imnm_on_pembrolizumab(today, hs_troponin_i=180)
    return chart.observation(HS_TNI, -900, value=5000, unit="ng/L", high=16).request("patient-view")


@fixture("r31-fires-order-sign-known-imnm-new-troponin-i", hook="order-sign",
         story="The same chart on order-sign with the next pembrolizumab dose drafted: the card cancels it.",
         fires={RULE}, indicators={RULE: "critical"})
def known_imnm_new_troponin_draft(today: date) -> dict[str, Any]:
    chart = known_imnm_on_pembrolizumab(today, hs_troponin_i=180)
    return chart.draft(PEMBROLIZUMAB, 200, "mg", route=ROUTE_IV, resource_id="next-pembro").request("order-sign")


@fixture("r31-fires-patient-view-ck-myalgia", hook="patient-view",
         story="Pembrolizumab; myalgia for a week; CK 4,200 U/L; no troponin or ECG yet, grade not documented.",
         fires={RULE}, indicators={RULE: "critical"})
def patient_view(today: date) -> dict[str, Any]:
    return on_pembrolizumab(today).weight(80).request("patient-view")


@fixture("r31-fires-order-sign-nivolumab-troponin-raised", hook="order-sign",
         story="Myositis after nivolumab; hs-troponin I raised today, ECG done; the next nivolumab dose is drafted.",
         fires={RULE}, indicators={RULE: "critical"})
def order_sign(today: date) -> dict[str, Any]:
    chart = Chart(today, age=70)
    chart.medication(NIVOLUMAB, 480, "mg", start=-60, period=4, period_unit="wk")
    chart.condition("Myositis", onset=-12)
    chart.ck(2500, day=-1).weight(72, day=-1)
    chart.observation(HS_TNI, day=0, value=85, unit="ng/L", high=14)
    chart.procedure(ECG, day=0)
    chart.draft(NIVOLUMAB, 480, "mg", resource_id="draft-nivo")
    return chart.request("order-sign")


@fixture("r31-quiet-order-sign-without-ici-draft", hook="order-sign",
         story="ICI myositis present, but the draft being signed is not an ICI: state-only part stays quiet.",
         quiet={RULE})
def other_draft(today: date) -> dict[str, Any]:
    chart = on_pembrolizumab(today)
    chart.draft((RXNORM, "617311", "atorvastatin 40 MG Oral Tablet"), 40, "mg")
    return chart.request("order-sign")


@fixture("r31-quiet-ici-normal-ck", hook="patient-view",
         story="Pembrolizumab and myalgia, but CK normal (150, ULN 200) and no myositis diagnosis.", quiet={RULE})
def normal_ck(today: date) -> dict[str, Any]:
    return on_pembrolizumab(today, ck=150).request("patient-view")


@fixture("r31-quiet-ck-high-31-days-ago", hook="patient-view",
         story="Pembrolizumab; the raised CK is 31 days old and no myositis condition: outside the 30-day window.",
         quiet={RULE})
def old_ck(today: date) -> dict[str, Any]:
    return on_pembrolizumab(today, ck_day=-31).request("patient-view")


@fixture("r31-fires-stable-myasthenia-pulse-with-its-prednisone", hook="patient-view",
         story="Pembrolizumab; myasthenia gravis since D-3000; myalgia, CK 4,200; hs-troponin I normal and ECG "
               "yesterday; no grade. The pulse, offered not pre-selected, carries the prednisone after it: no "
               "prednisone order waits alone for a pulse that may not be signed.",
         fires={RULE}, indicators={RULE: "critical"})
def stable_myasthenia(today: date) -> dict[str, Any]:
    chart = on_pembrolizumab(today).weight(70).condition("Myasthenia gravis", onset=-3000)
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)
    return chart.request("patient-view")


@fixture("r31-fires-patient-view-myasthenia-ck-troponin-raised", hook="patient-view",
         story="Pembrolizumab; myasthenia gravis charted 4 days ago, no myalgia or weakness condition; CK 4,200 U/L, "
               "hs-troponin I 300 ng/L: the myositis-myasthenia-myocarditis overlap (ICI context entered by "
               "myasthenia, not only by weakness or myalgia).",
         fires={RULE}, indicators={RULE: "critical"})
def myasthenia_overlap(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66, sex="male").weight(75, day=-1)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myasthenia gravis", onset=-4).ck(4200, day=-1)
    chart.observation(HS_TNI, day=0, value=300, unit="ng/L", high=14).procedure(ECG, day=0)
    return chart.request("patient-view")


@fixture("r31-quiet-myasthenia-normal-ck-and-troponin", hook="patient-view",
         story="Pembrolizumab and myasthenia gravis, but CK (150, ULN 200) and hs-troponin I (5 ng/L, ULN 14) "
               "normal and no myositis condition: no ICI myositis.", quiet={RULE})
def myasthenia_normal_markers(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66, sex="male")
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myasthenia gravis", onset=-4).ck(150, day=-1)
    chart.observation(HS_TNI, day=0, value=5, unit="ng/L", high=14)
    return chart.request("patient-view")


@fixture("r31-fires-order-sign-pulse-and-prednisone-drafted", hook="order-sign",
         story="Pembrolizumab; CK 4,200, dysphagia, hs-troponin I raised; prednisone 60 mg on the chart. Drafted with "
               "the next pembrolizumab: methylprednisolone 1 g IV x3 and prednisone 80 mg in place of the 60 mg. R31 "
               "names both drafts and offers no second pulse or prednisone (it did: signed, R07 saw 2,000 mg/day).",
         fires={RULE}, quiet={"ivmp-pulse-dose-cap", "prednisone-adult-dose-check"}, indicators={RULE: "critical"})
def pulse_and_prednisone_drafted(today: date) -> dict[str, Any]:
    chart = on_pembrolizumab(today).weight(80, day=-1).condition("Dysphagia", onset=-2)
    chart.observation(HS_TNI, day=-1, value=120, unit="ng/L", high=14)
    chart.medication(PREDNISONE_20, 60, "mg", start=-3, resource_id="pred-chart")
    chart.draft(PEMBROLIZUMAB, 200, "mg", route=ROUTE_IV, resource_id="d-pembro")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="d-ivmp")
    chart.draft(PREDNISONE_20, 80, "mg", route=ROUTE_ORAL, resource_id="d-pred").replacing("pred-chart")
    return chart.request("order-sign")
