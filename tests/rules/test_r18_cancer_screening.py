"""R18 asks for cancer screening only in adult-onset disease, by the gate R30 applies: juvenile-onset disease is not
screened routinely, and R18 said "make sure cancer screening is done (R30)" while R30 stayed quiet."""

from __future__ import annotations

import pytest

from fhir_fixtures.r30_imnm_cancer_screening import CT_CAP, imnm
from tests.conftest import fired, run

RULE = "seronegative-imnm-workup"
SCREEN = "make sure cancer screening is done (R30)"


def _both(kb, chart, today) -> tuple[dict, set[str]]:
    result = fired(run(kb, chart.request("patient-view"), today))
    return result[RULE], set(result)


def test_adult_onset_points_to_the_cancer_screening_card(kb, today):
    card, cards = _both(kb, imnm(today), today)
    assert "imnm-cancer-screening" in cards
    assert f"Cancer is most often\nassociated with this subtype, so {SCREEN}." in card["detail"]


@pytest.mark.parametrize(("age", "onset", "why"), [
    (19, -730, "juvenile onset (age 17 on 2024-11-21)"),
    (12, -200, "age 12 < 18: cancer screening is not routine in juvenile IIM"),
])
def test_juvenile_onset_is_not_sent_to_screening(kb, today, age, onset, why):
    card, cards = _both(kb, imnm(today, age=age, onset=onset), today)
    assert "imnm-cancer-screening" not in cards and SCREEN not in card["detail"]
    assert f"Cancer screening (R30) does not apply: {why}." in card["detail"]


def test_a_screen_already_done_still_reminds_in_adult_onset_disease(kb, today):
    card, cards = _both(kb, imnm(today).procedure(CT_CAP, day=-60), today)
    assert "imnm-cancer-screening" not in cards and SCREEN in card["detail"]


def test_with_no_birth_date_it_says_what_r30_lacks(kb, today):
    card, cards = _both(kb, imnm(today, age=None), today)
    assert "imnm-cancer-screening" not in cards and SCREEN not in card["detail"]
    assert "Whether cancer screening is due cannot be told yet: R30 lacks the patient's birth date (age)." in \
        card["detail"]
