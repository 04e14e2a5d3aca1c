"""Fixtures for R33 dosing-weight-missing: stale or absent weight/height for weight- or BSA-based drafts."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    IMNM_SNOMED,
    IVIG_CVX,
    METHYLPRED_1000,
    PREDNISONE_20,
    ROUTE_IV,
    RXNORM,
    WEIGHT,
    Chart,
)
from fhir_fixtures.r06_prednisone_adult_dose_check import PRED_EYE_DROPS

RULE = "dosing-weight-missing"
CYCLOPHOSPHAMIDE = (RXNORM, "3002", "cyclophosphamide")


@fixture("r33-fires-mg-per-kg-pulse-no-weight", hook="order-sign",
         story="IV methylprednisolone 15 mg/kg drafted; no weight was ever recorded.",
         fires={RULE, "ivmp-pulse-dose-cap"}, indicators={RULE: "warning", "ivmp-pulse-dose-cap": "critical"})
def no_weight(today: date) -> dict[str, Any]:
    chart = Chart(today, age=48).condition(IMNM_SNOMED, onset=-10)
    chart.draft(METHYLPRED_1000, 15, "mg/kg", route=ROUTE_IV, resource_id="draft-ivmp")
    return chart.request("order-sign")


@fixture("r33-fires-azathioprine-weight-40-days-old", hook="order-sign",
         story="Azathioprine 100 mg daily drafted; the latest weight is 40 days old (adult limit 30).",
         fires={RULE})
def stale(today: date) -> dict[str, Any]:
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-90).weight(68, day=-40)
    chart.draft(AZATHIOPRINE_50, 100, "mg")
    return chart.request("order-sign")


@fixture("r33-fires-child-mtx-height-old", hook="order-sign",
         story="A 10-year-old: methotrexate 15 mg/m2 SC weekly drafted; weight current but height 3 months "
               "old (child limit 30 days).", fires={RULE})
def child_height(today: date) -> dict[str, Any]:
    chart = Chart(today, age=10).condition("Juvenile dermatomyositis", onset=-30)
    chart.weight(32, day=-1).height(138, day=-90)
    chart.draft("methotrexate 25 MG/ML Prefilled Syringe", 15, "mg/m2", period=1, period_unit="wk",
                day_of_week=["fri"])
    return chart.request("order-sign")


@fixture("r33-fires-bsa-dose-in-g-per-m2", hook="order-sign",
         story="Cyclophosphamide 0.75 g/m2 IV drafted (the unit of the published tables); weight current, no height "
               "on file. Only mg/m2 was read as a BSA dose, so 750 mg/m2 fired and 0.75 g/m2 did not.", fires={RULE})
def grams_per_m2(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).weight(70, day=-1)
    chart.draft(CYCLOPHOSPHAMIDE, 0.75, "g/m2", route=ROUTE_IV)
    return chart.request("order-sign")


@fixture("r33-quiet-weight-30-days-old", hook="order-sign",
         story="Prednisone 60 mg drafted; weight exactly 30 days old is still current for an adult.",
         quiet={RULE})
def edge(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-10).weight(70, day=-30)
    chart.draft(PREDNISONE_20, 60, "mg")
    return chart.request("order-sign")


@fixture("r33-quiet-not-weight-based", hook="order-sign",
         story="Only a fixed-dose folic acid draft: nothing needs a weight.", quiet={RULE})
def fixed(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-10)
    chart.draft("Folic acid 1 mg tablet", 1, "mg")
    return chart.request("order-sign")


@fixture("r33-quiet-prednisolone-eye-drops", hook="order-sign",
         story="Prednisolone acetate eye drops drafted four times a day, no weight on file: a local form gives no "
               "systemic dose to weigh for (it was read as oral prednisolone dosed per kg).", quiet={RULE})
def eye_drops(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-10)
    chart.draft(PRED_EYE_DROPS, 1, "{drop}", frequency=4)
    return chart.request("order-sign")


@fixture("r33-fires-adult-weight-implausible-for-height", hook="order-sign",
         story="A 54-year-old with IMNM, 165 cm: the weight was typed 7 kg (meant 70), BMI 2.6. IVIG 140 g per cycle "
               "drafted: R27 read it as 20 g/kg and offered IVIG 10 g per cycle. The weight is set aside and R33 asks "
               "for a new one (review 421 item 4).", fires={RULE})
def implausible_for_height(today: date) -> dict[str, Any]:
    chart = Chart(today, age=54).condition(IMNM_SNOMED, onset=-200).weight(7, day=-5).height(165, day=-100)
    chart.draft(IVIG_CVX, 140, "g", route=ROUTE_IV, count=1)
    return chart.request("order-sign")


@fixture("r33-quiet-small-adult-with-height", hook="order-sign",
         story="An adult of 19 kg and 110 cm (BMI 15.7): below the adult floor of 20 kg, but the height on file "
               "makes it plausible. Prednisone 20 mg drafted.", quiet={RULE})
def small_adult(today: date) -> dict[str, Any]:
    chart = Chart(today, age=30).condition(IMNM_SNOMED, onset=-10).weight(19, day=-2).height(110, day=-200)
    chart.draft(PREDNISONE_20, 20, "mg")
    return chart.request("order-sign")


@fixture("r33-fires-child-weight-written-as-text", hook="order-sign",
         story="A 10-year-old with dermatomyositis: yesterday's weight was recorded as the text '30 kg'; prednisolone "
               "40 mg drafted. The card said 'No weight is on file' and gave the adult 80 mg cap (review 421 item 9).",
         fires={RULE})
def child_text_weight(today: date) -> dict[str, Any]:
    chart = Chart(today, age=10).condition("Juvenile dermatomyositis", onset=-60)
    chart.observation(WEIGHT, -1, value_string="30 kg")
    chart.draft("prednisolone 5 MG Oral Tablet", 40, "mg")
    return chart.request("order-sign")
