"""Fixtures for R04 imnm-dual-antibody-positive: both positive (any dates, any result form), near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, Chart

RULE = "imnm-dual-antibody-positive"


@fixture("r04-fires-both-positive", hook="patient-view", demo=True,
         story="IMNM with anti-HMGCR positive and anti-SRP positive on the same line blot.", fires={RULE},
         indicators={RULE: "warning"})
def both(today: date) -> dict[str, Any]:
    chart = Chart(today, age=57)
    chart.condition(IMNM_SNOMED, onset=-100)
    chart.antibody("anti_hmgcr", "positive", day=-90)
    chart.antibody("anti_srp", "positive", day=-90)
    return chart.request("patient-view")


@fixture("r04-fires-positive-years-apart", hook="patient-view",
         story="Anti-HMGCR positive (quantity above range) 3 years ago; anti-SRP 'Detected' last month.", fires={RULE},
         indicators={RULE: "warning"})
def years_apart(today: date) -> dict[str, Any]:
    chart = Chart(today, age=62)
    chart.condition(IMNM_SNOMED, onset=-1200)
    chart.antibody("anti_hmgcr", "positive", day=-1100, form="quantity")
    chart.antibody("anti_srp", "positive", day=-30, form="string")
    return chart.request("patient-view")


@fixture("r04-quiet-srp-positive-hmgcr-negative", hook="patient-view",
         story="Anti-SRP positive, anti-HMGCR negative: a single subtype.", quiet={RULE})
def single(today: date) -> dict[str, Any]:
    chart = Chart(today, age=45)
    chart.condition(IMNM_SNOMED, onset=-100)
    chart.antibody("anti_hmgcr", "negative", day=-90)
    chart.antibody("anti_srp", "positive", day=-90)
    return chart.request("patient-view")


@fixture("r04-quiet-hmgcr-value-at-upper-limit", hook="patient-view",
         story="Anti-SRP positive; anti-HMGCR 20 units with an upper limit of 20 (not above it): negative.",
         quiet={RULE})
def at_limit(today: date) -> dict[str, Any]:
    chart = Chart(today, age=45)
    chart.condition(IMNM_SNOMED, onset=-100)
    chart.observation(("http://loinc.org", "93493-5", "HMGCR Ab"), -90, value=20, unit="[arb'U]/mL", high=20)
    chart.antibody("anti_srp", "positive", day=-90)
    return chart.request("patient-view")
