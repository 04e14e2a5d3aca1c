"""R18 seronegative-imnm-workup: the card's findings, the orders, TSH de-duplication and prefetch needs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, LOINC
from fhir_fixtures.r18_seronegative_imnm_workup import seronegative, unknown
from tests.conftest import explained, fired, run

RULE = "seronegative-imnm-workup"
TSH = (LOINC, "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma")


def test_card_names_both_negative_results_and_offers_biopsy_first(kb, today):
    result = run(kb, seronegative(today).request("patient-view"), today)
    card = fired(result)[RULE]
    day = (today - timedelta(days=70)).isoformat()
    assert f"Anti-HMGCR negative ({day}); anti-SRP negative ({day})" in card["detail"]
    assert card["indicator"] == "info" and len(card["summary"]) < 140
    first = card["suggestions"][0]
    assert first["isRecommended"] and "p62" in first["actions"][0]["resource"]["code"]["text"]
    tsh = card["suggestions"][1]["actions"][0]["resource"]
    assert tsh["code"]["coding"][0]["code"] == "3016-3"
    assert "genetic panel" in card["suggestions"][2]["label"]
    assert "R30" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["subtype"] == "SERONEG" and facts["muscle_biopsy"] is None


def test_recent_tsh_is_not_ordered_again(kb, today):
    chart = seronegative(today).lab(TSH, 2.1, "mIU/L", day=-30)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert not any(s["label"] == "TSH" for s in card["suggestions"])
    assert "TSH on file" in card["detail"]


def test_old_tsh_is_ordered_again(kb, today):
    chart = seronegative(today).lab(TSH, 2.1, "mIU/L", day=-181)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert any(s["label"] == "TSH" for s in card["suggestions"])


def test_biopsy_report_as_an_observation_counts(kb, today):
    chart = seronegative(today).observation("Muscle biopsy pathology report", -40, value_string="necrotizing")
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result) and "Muscle biopsy" in explained(result, RULE)["reason"]


def test_cancelled_biopsy_does_not_count(kb, today):
    chart = seronegative(today).procedure("Muscle biopsy", day=-10, status="not-done")
    assert RULE in fired(run(kb, chart.request("patient-view"), today))


def test_missing_procedures_prefetch_is_not_evaluable(kb, today):
    result = run(kb, seronegative(today).request("patient-view"), today, unavailable=["procedures"])
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"


@pytest.mark.parametrize("code", [("http://www.ama-assn.org/go/cpt", "20205", "Biopsy, muscle; deep"),
                                  "Biopsy of muscle, left vastus lateralis", "Muscle bx (deltoid)"])
def test_a_biopsy_named_in_its_usual_wordings_is_on_file(kb, today, code):
    """A biopsy charted under its CPT descriptor ('Biopsy, muscle; deep') or as 'Biopsy of muscle' was not seen,
    and R18 asked for one already done (found by review). The pack has no procedure code for it: read by name."""
    chart = seronegative(today).procedure(code, day=-50)
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_anti_hmgcr_negative_with_anti_srp_never_resulted_is_not_evaluable(kb, today):
    """Seronegative or anti-SRP: the missing anti-SRP decides the row, which was quiet ("subtype UNKNOWN, not
    seronegative"; audit). A biopsy on file settles it either way."""
    result = run(kb, unknown(today), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("anti-SRP never resulted: the subtype may be SRP or SERONEG")
    chart = seronegative(today).without_observations("33921-8").procedure("Muscle biopsy", day=-50)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-fired" and entry["reason"].startswith("muscle biopsy on file")


@pytest.mark.parametrize("name", ["Biopsy of left deltoid muscle", "Needle biopsy of skeletal muscle",
                                  "Quadriceps biopsy", "Open biopsy, vastus lateralis"])
def test_r18_a_biopsy_of_a_named_muscle_is_on_file(kb, today, name):
    """A biopsy charted by the muscle it took ('Biopsy of left deltoid muscle', 'Quadriceps biopsy') was not seen, and
    the card asked for a biopsy already done (found by clinician review)."""
    entry = explained(run(kb, seronegative(today).procedure(name, day=-40).request("patient-view"), today), RULE)
    assert entry["status"] == "not-fired"
    assert entry["reason"] == f"muscle biopsy on file: {name} ({today - timedelta(days=40)})"


def test_r18_a_skin_biopsy_placed_by_the_deltoid_is_no_muscle_biopsy(kb, today):
    chart = seronegative(today).procedure("Punch biopsy, left deltoid", day=-40)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))


@pytest.mark.parametrize("result", ["Equivocal", "Borderline"])
def test_r18_an_equivocal_anti_hmgcr_is_said_to_be_equivocal_not_never_resulted(kb, today, result):
    """Anti-HMGCR resulted 'Equivocal' was explained as "anti-HMGCR never resulted ... R03 asks for the missing
    result" (found by clinician review). Seronegative needs both negative (section 4.1): not evaluable, and why."""
    chart = seronegative(today).without_observations(ANTI_HMGCR[1]).observation(ANTI_HMGCR, -70, value_string=result)
    result_day = today - timedelta(days=70)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "never resulted" not in entry["reason"]
    assert entry["reason"] == (f"anti-HMGCR resulted neither positive nor negative ('{result}' on {result_day}): the "
                               "subtype may be HMGCR or SERONEG, and only SERONEG counts here (repeat anti-HMGCR by "
                               "another method or at a reference lab, or ask the lab how to read the result)")
    assert entry["facts"]["antibodies_equivocal"] == f"anti-HMGCR '{result}' on {result_day}"
    assert entry["facts"].get("antibodies_never_resulted") is None
