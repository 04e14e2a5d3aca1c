"""Fixtures for R13 aza-xanthine-oxidase-interaction: azathioprine drafted with allopurinol or febuxostat active,
allopurinol drafted with azathioprine active, and the near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import AZATHIOPRINE_50, IMNM_SNOMED, RXNORM, Chart

RULE = "aza-xanthine-oxidase-interaction"
ALLOPURINOL = (RXNORM, "519", "Allopurinol")


def _chart(today: date) -> Chart:
    return Chart(today, age=67, sex="male").condition(IMNM_SNOMED, onset=-90)


@fixture("r13-fires-aza-draft-with-allopurinol", hook="order-sign", demo=True,
         story="Allopurinol 300 mg daily for gout; azathioprine 100 mg daily drafted.", fires={RULE},
         indicators={RULE: "critical"})
def aza_draft(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(ALLOPURINOL, 300, "mg", start=-700)
    return chart.draft(AZATHIOPRINE_50, 100, "mg", resource_id="aza-draft").request("order-sign")


@fixture("r13-fires-aza-draft-with-febuxostat", hook="order-sign",
         story="Febuxostat 80 mg daily (recognised by name); azathioprine 50 mg daily drafted.", fires={RULE},
         indicators={RULE: "critical"})
def febuxostat(today: date) -> dict[str, Any]:
    chart = _chart(today).medication("Febuxostat 80 mg tablet", 80, "mg", start=-300)
    return chart.draft(AZATHIOPRINE_50, 50, "mg").request("order-sign")


@fixture("r13-fires-allopurinol-draft-with-active-aza", hook="order-sign",
         story="On azathioprine 150 mg daily; allopurinol 100 mg daily drafted for a gout flare prevention.",
         fires={RULE}, indicators={RULE: "critical"})
def allopurinol_draft(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(AZATHIOPRINE_50, 150, "mg", start=-200, resource_id="aza-active")
    return chart.draft(ALLOPURINOL, 100, "mg", resource_id="allo-draft").request("order-sign")


@fixture("r13-quiet-allopurinol-stopped", hook="order-sign",
         story="Allopurinol stopped 2 months ago; azathioprine drafted.", quiet={RULE})
def stopped(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(ALLOPURINOL, 300, "mg", start=-700, end=-60, status="stopped")
    return chart.draft(AZATHIOPRINE_50, 50, "mg").request("order-sign")


@fixture("r13-quiet-patient-view", hook="patient-view",
         story="Both active on patient-view: this drug-pair card belongs to order-sign.", quiet={RULE})
def patient_view(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(ALLOPURINOL, 300, "mg", start=-700)
    return chart.medication(AZATHIOPRINE_50, 50, "mg", start=-30).request("patient-view")
