"""Adult or juvenile onset (``juvenile_onset.adult_onset``), the gate R30 screens by and R18 names the screen by: on
the juvenile-onset fixture both rules say it in the same words (R30 quiet, R18 that screening does not apply)."""

from __future__ import annotations

import fhir_fixtures
from tests.conftest import explained, fired, run

R18, R30 = "seronegative-imnm-workup", "imnm-cancer-screening"
JUVENILE = "r30-quiet-juvenile-onset"  # now 19, IMNM began at 17


def test_r30_and_r18_word_juvenile_onset_alike(kb, today):
    result = run(kb, fhir_fixtures.all_fixtures()[JUVENILE].request(today), today)
    assert explained(result, R30)["status"] == "not-fired"
    assert explained(result, R30)["reason"] == "juvenile onset (age 17 on 2024-11-21)"
    detail = fired(result)[R18]["detail"]
    assert "Cancer screening (R30) does not apply: juvenile onset (age 17 on 2024-11-21)." in detail
    assert "make sure cancer screening is done" not in detail
