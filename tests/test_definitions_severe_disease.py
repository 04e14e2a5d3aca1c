"""The severe-disease definition R19 decides through (``assess``), and that R20 and R04 read to know R19's card orders
the cardiac work-up: over every fixture, R19's card fires exactly when ``needs_urgent_treatment`` holds, so that a
gate added to R19 outside ``assess`` is caught (R20 would leave its tests to a card that does not show)."""

from __future__ import annotations

import pytest

import fhir_fixtures
from hooks import engine
from hooks.definitions import severe_disease
from tests.conftest import explained, run

PATIENT_VIEW = sorted(name for name, f in fhir_fixtures.all_fixtures().items() if f.hook == "patient-view")


@pytest.mark.parametrize("name", PATIENT_VIEW)
def test_r19_fires_exactly_when_the_definition_says_so(kb, today, name):
    request = fhir_fixtures.all_fixtures()[name].request(today)
    entry = explained(run(kb, request, today), severe_disease.RULE_ID)
    if entry["status"] == "suppressed":
        return
    record, context = engine.prepare(kb, request["hook"], request["context"], request["prefetch"], today=today)
    assert (entry["status"] == "fired") == severe_disease.needs_urgent_treatment(record, context)
