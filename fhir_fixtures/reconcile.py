"""Fixtures for hooks.reconcile: a card that advises cancelling drafts, beside dose cards that would replace them."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    NEC_FASCIITIS_ICD,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    Chart,
)

NSTI = "nsti-no-immunosuppression"
DOSE_CARDS = {"prednisone-adult-dose-check": "warning", "ivmp-pulse-dose-cap": "critical",
              "mtx-once-weekly-hard-stop": "critical"}


def dose_error_drafts(today: date, *, nsti: bool) -> Chart:
    """58-year-old man, 84 kg; drafts methotrexate 15 mg once DAILY, prednisone 120 mg and IV methylprednisolone
    2 g x3 (review 422, s5.py), with necrotizing fasciitis 2 days ago or without it."""
    chart = Chart(today, age=58, sex="male").weight(84, day=-1)
    if nsti:
        chart.condition(NEC_FASCIITIS_ICD, onset=-2)
    chart.draft(METHOTREXATE_2_5, 15, "mg", frequency=1, period=1, period_unit="d", route=ROUTE_ORAL,
                resource_id="d-mtx")
    chart.draft(PREDNISONE_20, 120, "mg", route=ROUTE_ORAL, resource_id="d-pred")
    chart.draft(METHYLPRED_1000, 2000, "mg", route=ROUTE_IV, count=3, resource_id="d-ivmp")
    return chart


@fixture("reconcile-fires-nsti-beside-dose-errors", hook="order-sign",
         story="Necrotizing fasciitis 2 days ago; methotrexate 15 mg daily, prednisone 120 mg and IV "
               "methylprednisolone 2 g drafted. R01 advises cancelling all three: the dose cards still show, with "
               "their severity, but offer no replacement dose (each says why).",
         fires={NSTI, *DOSE_CARDS}, indicators={NSTI: "critical", **DOSE_CARDS})
def nsti_beside_dose_errors(today: date) -> dict[str, Any]:
    return dose_error_drafts(today, nsti=True).request("order-sign")


@fixture("reconcile-quiet-dose-errors-alone", hook="order-sign",
         story="The same drafts with no NSTI: no card advises cancelling them, and the dose cards offer their "
               "replacement doses.",
         fires=set(DOSE_CARDS), quiet={NSTI}, indicators=DOSE_CARDS)
def dose_errors_alone(today: date) -> dict[str, Any]:
    return dose_error_drafts(today, nsti=False).request("order-sign")
