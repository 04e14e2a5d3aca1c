"""Fixtures for R23 weakness-with-normal-ck: MMT-8 fall edges, documented weakness, CK and GC-duration gates."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, PREDNISONE_5, PREDNISONE_20, Chart

RULE = "weakness-with-normal-ck"


def weak_chart(today: date, mmt8_now: float | None = 117, ck_now: float = 150, ck_day: int = -10,
               gc_start: int = -200) -> Chart:
    """Anti-HMGCR IMNM on prednisone 15 mg (from ``gc_start``); MMT-8 130 at D-90; CK normalised."""
    chart = Chart(today, age=66, sex="male")
    chart.condition(IMNM_SNOMED, onset=-260)
    chart.antibody("anti_hmgcr", "positive", day=-250)
    chart.ck(7000, day=-240).ck(ck_now, day=ck_day)
    chart.medication(PREDNISONE_5, 15, "mg", start=gc_start)
    chart.observation("MMT-8", -90, value=130, unit="{score}")
    if mmt8_now is not None:
        chart.observation("MMT-8", -5, value=mmt8_now, unit="{score}")
    return chart


@fixture("r23-fires-mmt8-down-10-percent", hook="patient-view", demo=True,
         story="MMT-8 130 -> 117 (exactly 10% down) with CK 150 U/L (ULN 200) after 200 days of prednisone.",
         fires={RULE}, indicators={RULE: "info"})
def fires_edge(today: date) -> dict[str, Any]:
    return weak_chart(today).request("patient-view")


@fixture("r23-quiet-mmt8-down-9-percent", hook="patient-view",
         story="MMT-8 130 -> 118 (9% down): not a significant fall.", quiet={RULE})
def small_drop(today: date) -> dict[str, Any]:
    return weak_chart(today, mmt8_now=118).request("patient-view")


@fixture("r23-fires-documented-weakness", hook="patient-view",
         story="No new MMT-8, but 'worsening proximal weakness' recorded 7 days ago; CK normal.", fires={RULE})
def documented(today: date) -> dict[str, Any]:
    chart = weak_chart(today, mmt8_now=None)
    chart.condition("Worsening weakness of hip flexors", onset=-7)
    return chart.request("patient-view")


@fixture("r23-quiet-ck-above-uln", hook="patient-view",
         story="MMT-8 down 10% but CK 201 U/L (ULN 200): not weakness with a normal CK.", quiet={RULE})
def high_ck(today: date) -> dict[str, Any]:
    return weak_chart(today, ck_now=201).request("patient-view")


@fixture("r23-quiet-gc-27-days", hook="patient-view",
         story="MMT-8 down with a normal CK, but glucocorticoids for only 27 days.", quiet={RULE})
def short_gc(today: date) -> dict[str, Any]:
    chart = weak_chart(today, gc_start=-26)
    return chart.request("patient-view")


@fixture("r23-quiet-ck-31-days-old", hook="patient-view",
         story="MMT-8 down 10%, CK normal but 31 days old: not evaluated.", quiet={RULE})
def stale_ck(today: date) -> dict[str, Any]:
    return weak_chart(today, ck_day=-31).request("patient-view")


@fixture("r23-fires-ck-at-uln-28-days-gc", hook="patient-view",
         story="CK exactly at the ULN (200) and prednisone 60 mg for exactly 28 days, MMT-8 down 12%.",
         fires={RULE})
def edges(today: date) -> dict[str, Any]:
    chart = Chart(today, age=51)
    chart.condition(IMNM_SNOMED, onset=-60)
    chart.ck(5000, day=-40).ck(200, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-27)
    chart.observation("MMT-8", -100, value=125, unit="{score}").observation("MMT-8", -2, value=110, unit="{score}")
    return chart.request("patient-view")
