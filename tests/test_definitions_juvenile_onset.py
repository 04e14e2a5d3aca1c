"""Adult or juvenile onset (``juvenile_onset.adult_onset``), the gate R30 screens by and R18 names the screen by: on
the juvenile-onset fixture both rules say it in the same words (R30 quiet, R18 that screening does not apply)."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import DERMATOMYOSITIS_ICD, ICD10, IMNM_SNOMED, SNOMED, Chart
from fhir_fixtures.r30_imnm_cancer_screening import imnm
from hooks.definitions import juvenile_onset
from hooks.rule import Quiet
from tests.conftest import explained, fired, run
from tests.definitions_support import record_and_context

R18, R30 = "seronegative-imnm-workup", "imnm-cancer-screening"
JUVENILE = "r30-quiet-juvenile-onset"  # now 19, IMNM began at 17


def test_r30_and_r18_word_juvenile_onset_alike(kb, today):
    result = run(kb, fhir_fixtures.all_fixtures()[JUVENILE].request(today), today)
    assert explained(result, R30)["status"] == "not-fired"
    assert explained(result, R30)["reason"] == "juvenile onset (age 17 on 2024-11-21)"
    detail = fired(result)[R18]["detail"]
    assert "Cancer screening (R30) does not apply: juvenile onset (age 17 on 2024-11-21)." in detail
    assert "make sure cancer screening is done" not in detail


JDM = (ICD10, "M33.02", "Juvenile dermatomyositis with myopathy")
AT_AGE_12 = -33 * 365  # in a 45-year-old (Chart(age=45) is born 45 years and 30 days before today)


def _adult_onset(kb, chart):
    record, context = record_and_context(kb, chart)
    return juvenile_onset.adult_onset(record, context, {})


@pytest.mark.parametrize("status", ["resolved", "inactive", "remission"])
def test_a_resolved_childhood_myositis_is_juvenile_onset_beside_an_adult_relapse(kb, today, status):
    """JDM at 12, charted as resolved, and anti-HMGCR IMNM now charted as a new active condition 40 days ago: only
    active conditions were read, so the disease read as adult-onset and R30 asked for cancer screening."""
    chart = imnm(today, "HMGCR", onset=-40, age=45).condition(JDM, onset=AT_AGE_12, status=status)
    adult = _adult_onset(kb, chart)
    assert isinstance(adult, Quiet) and adult.reason == f"juvenile onset (age 12 on {chart.at(AT_AGE_12)})"


@pytest.mark.parametrize(("verification", "juvenile"), [
    ("refuted", False), ("entered-in-error", False), ("provisional", True), ("differential", True)])
def test_a_refuted_childhood_myositis_is_no_onset_a_provisional_one_is(kb, today, verification, juvenile):
    """A childhood myositis refuted or charted in error never began; a provisional or differential one counts, as it
    does when active (the module reads every condition that is not refuted or in error)."""
    chart = imnm(today, "HMGCR", onset=-40, age=45)
    chart.condition(JDM, onset=AT_AGE_12, status="resolved", verification=verification)
    assert isinstance(_adult_onset(kb, chart), Quiet) is juvenile


def test_a_childhood_myositis_is_juvenile_onset_even_when_this_disease_is_undated(kb, today):
    """The first onset decides it: a later date of the undated IMNM could not make it adult-onset (it was 'not
    evaluable')."""
    chart = Chart(today, age=45).condition(IMNM_SNOMED, onset=None).condition(JDM, onset=AT_AGE_12, status="resolved")
    assert isinstance(_adult_onset(kb, chart), Quiet)


def test_an_earlier_adult_episode_makes_no_juvenile_onset_and_leaves_the_imnm_dates(kb, today):
    """Dermatomyositis at 35, resolved, then seronegative IMNM: adult onset, and R30's window and card still date from
    the IMNM (the first myositis only decides the age at onset)."""
    chart = imnm(today, onset=-200, age=45).condition(DERMATOMYOSITIS_ICD, onset=-10 * 365, status="resolved")
    facts: dict[str, object] = {}
    record, context = record_and_context(kb, chart)
    adult = juvenile_onset.adult_onset(record, context, facts)
    assert isinstance(adult, juvenile_onset.AdultOnset) and adult.first == today - timedelta(days=200)
    assert facts["age_at_onset"] == 35


@pytest.mark.parametrize(("status", "juvenile"), [("resolved", False), ("active", True)])
def test_a_resolved_childhood_myositis_unspecified_is_no_juvenile_onset(kb, today, status, juvenile):
    """A child's 'myositis' that resolved is most often a passing viral myositis: read as the first episode, it made
    an adult's IMNM juvenile-onset and took away its cancer screening. Still active, it is read as before."""
    chart = imnm(today, "HMGCR", onset=-40, age=45)
    chart.condition((SNOMED, "26889001", "Myositis"), onset=AT_AGE_12, status=status)
    assert isinstance(_adult_onset(kb, chart), Quiet) is juvenile
