"""IMNM, IIM, IBM, NSTI, ICI context and ICI myositis, paediatric."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import IBM_ICD, ICD10, IMNM_SNOMED, LOINC, NEC_FASCIITIS_ICD, PREDNISONE_20, SNOMED, Chart
from hooks.definitions import cohorts, steroids
from hooks.record import build_record
from tests.conftest import with_params
from tests.definitions_support import record_and_context

PEMBROLIZUMAB = ("http://www.nlm.nih.gov/research/umls/rxnorm", "1547545", "pembrolizumab")


def test_imnm_by_condition_or_by_antibody_with_ck_and_myopathy(kb, today):
    assert cohorts.is_imnm(*record_and_context(kb, Chart(today).condition(IMNM_SNOMED)))
    chart = Chart(today).antibody("anti_srp", "positive").ck(3000, day=-5).condition("Proximal muscle weakness")
    assert cohorts.is_imnm(*record_and_context(kb, chart))
    no_myopathy = Chart(today).antibody("anti_srp", "positive").ck(3000, day=-5)
    assert not cohorts.is_imnm(*record_and_context(kb, no_myopathy))
    normal_ck = Chart(today).antibody("anti_srp", "positive").ck(150, day=-5).condition("Myopathy")
    assert not cohorts.is_imnm(*record_and_context(kb, normal_ck))


def test_nsti_recent_coded_condition(kb, today):
    assert cohorts.nsti(*record_and_context(kb, Chart(today).condition(NEC_FASCIITIS_ICD, onset=-3)))
    assert not cohorts.nsti(*record_and_context(kb, Chart(today).condition(NEC_FASCIITIS_ICD, onset=-45)))
    resolved = Chart(today).condition(NEC_FASCIITIS_ICD, onset=-3, status="resolved")
    assert not cohorts.nsti(*record_and_context(kb, resolved))


def test_free_text_necrotizing_myositis_needs_infection_markers(kb, today):
    bare = Chart(today).condition("Necrotizing myositis of thigh", onset=-2)
    assert not cohorts.nsti(*record_and_context(kb, bare))
    febrile = Chart(today).condition("Necrotizing myositis of thigh", onset=-2)
    febrile.temperature(39.1)
    reasons = cohorts.nsti(*record_and_context(kb, febrile))
    assert reasons and "39.1" in reasons[0]


def test_confirmed_imnm_rules_out_only_a_free_text_necrotizing_myositis(kb, today):
    """Confirmed IMNM makes free-text 'necrotizing myositis' the IMNM's label; a coded necrotizing fasciitis stays
    an infection (an anti-HMGCR-positive patient on treatment is at risk of one, and was offered IV pulses)."""
    coded = Chart(today).condition(NEC_FASCIITIS_ICD, onset=-3).antibody("anti_hmgcr", "positive")
    assert cohorts.nsti(*record_and_context(kb, coded))
    free_text = Chart(today).condition("Necrotizing myositis of thigh", onset=-2).antibody("anti_hmgcr", "positive")
    free_text.temperature(39.1)
    assert not cohorts.nsti(*record_and_context(kb, free_text))


def test_ici_myositis_needs_recent_ici_and_myositis_after_it(kb, today):
    chart = Chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-60, status="active", period=3,
                                    period_unit="wk")
    chart.condition("Myositis", onset=-10)
    assert cohorts.ici_myositis(*record_and_context(kb, chart))
    before = Chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-60, period=3, period_unit="wk")
    before.condition("Myositis", onset=-400)
    assert not cohorts.ici_myositis(*record_and_context(kb, before))
    long_ago = Chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-700, end=-500, status="completed")
    long_ago.condition("Myositis", onset=-10)
    assert not cohorts.ici_myositis(*record_and_context(kb, long_ago))


def test_ibm_and_paediatric(kb, today):
    assert cohorts.is_ibm(record_and_context(kb, Chart(today).condition(IBM_ICD))[0])
    assert cohorts.is_paediatric(*record_and_context(kb, Chart(today, age=17)))
    assert not cohorts.is_paediatric(*record_and_context(kb, Chart(today, age=18)))


def _record(kb, today, birth_date: str | None):
    """The record of a chart whose birthDate is as sent (None: none on file)."""
    return build_record(Chart(today, age=None, birth_date=birth_date).prefetch(), kb.valuesets, today)


@pytest.mark.parametrize(("birth_date", "described", "twelve_to_fifty"), [
    ("1976", "49 or 50", True),
    ("1975", "50 or 51", True),  # may be 50
    ("1975-11", "50 or 51", True),
    ("1975-10", "51", False),
    ("2014", "11 or 12", True),  # may be 12
    ("2014-12", "11", False),
    ("1990-06-15", "36", True),
    (None, "unknown (no birth date on file)", True),  # any age may be
])
def test_may_be_aged_reads_every_age_a_birth_date_allows(kb, today, birth_date, described, twelve_to_fifty):
    record = _record(kb, today, birth_date)
    assert cohorts.describe_age(record) == described
    assert cohorts.may_be_aged(record, 12, 50) is twelve_to_fifty


@pytest.mark.parametrize(("birth_date", "why_not"), [
    ("2008-10", None),
    ("2008", "it is licensed from 18 years and the patient's age is 17 or 18"),
    ("2009-01", "it is licensed from 18 years and the patient's age is 17"),
    (None, "it is licensed from 18 years and the patient's age is unknown (no birth date on file)"),
])
def test_recombinant_zoster_needs_the_patient_surely_18(kb, today, birth_date, why_not):
    record = _record(kb, today, birth_date)
    _, context = record_and_context(kb, Chart(today))
    assert cohorts.below_licensed_age(record, context, "rzv_min_age") == why_not


def test_a_sites_paediatric_age_does_not_move_the_recombinant_zoster_licence(kb, today):
    """A site that makes 16 its paediatric age treats a 17-year-old as an adult, but the vaccine's licence is 18."""
    site = with_params(kb, "definitions", paediatric_age_years=16)
    record, context = record_and_context(site, Chart(today, age=17))
    assert not cohorts.is_paediatric(record, context)
    assert (cohorts.below_licensed_age(record, context, "rzv_min_age")
            == "it is licensed from 18 years and the patient's age is 17")
    assert cohorts.below_licensed_age(*record_and_context(site, Chart(today, age=18)), "rzv_min_age") is None


def test_weakness_alone_after_ici_is_not_ici_myositis(kb, today):
    chart = Chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-60, period=3, period_unit="wk")
    chart.condition("Muscle weakness", onset=-10)
    assert not cohorts.ici_myositis(*record_and_context(kb, chart))


BLOOD_CULTURE = (LOINC, "600-7", "Bacteria identified in Blood by Culture")


def test_a_culture_reported_as_its_organism_is_a_positive_infection_marker(kb, today):
    def nsti(**result):
        chart = Chart(today).condition("Necrotizing myositis", onset=-2).observation(BLOOD_CULTURE, -1, **result)
        return cohorts.nsti(*record_and_context(kb, chart))
    assert "positive culture" in nsti(value_code=(SNOMED, "80166006", "Streptococcus pyogenes (organism)"))[0]
    assert nsti(value_code=(SNOMED, "264868006", "No growth")) == []
    assert nsti(value_string="Pending") == []


def _febrile_necrotizing_myositis(chart: Chart) -> Chart:
    chart.condition("Necrotizing myositis", onset=-400)  # the problem list's old label for the myopathy
    return chart.temperature(38.9)


def test_seronegative_imnm_with_a_biopsy_is_confirmed_and_never_nsti(kb, today):
    biopsied = _febrile_necrotizing_myositis(Chart(today).condition(IMNM_SNOMED, onset=-400))
    biopsied.procedure("Muscle biopsy", day=-390)
    record, context = record_and_context(kb, biopsied)
    assert not cohorts.nsti(record, context)
    assert cohorts.nsti_ruled_out_by(record, context).startswith("Autoimmune necrotizing myopathy with a muscle")
    by_report = _febrile_necrotizing_myositis(Chart(today).condition(IMNM_SNOMED, onset=-400))
    by_report.observation("Muscle biopsy pathology report", -390, value_string="Necrotizing myopathy, MHC-I+")
    assert not cohorts.nsti(*record_and_context(kb, by_report))


@pytest.mark.parametrize("case", ["no biopsy", "biopsy only", "biopsy not done", "biopsy in progress",
                                  "biopsy since the infection began", "diagnosis only provisional",
                                  "report reads as infection", "report not final"])
def test_what_does_not_confirm_imnm_against_an_nsti(kb, today, case):
    """Found by review: any biopsy (of any day or result) with any 'active' IMNM entry once ruled an NSTI out."""
    chart = Chart(today)
    if case != "biopsy only":
        chart.condition(IMNM_SNOMED, onset=-400,
                        verification="provisional" if case == "diagnosis only provisional" else "confirmed")
    _febrile_necrotizing_myositis(chart)
    if case in ("biopsy only", "diagnosis only provisional"):
        chart.procedure("Muscle biopsy", day=-390)
    elif case in ("biopsy not done", "biopsy in progress"):
        chart.procedure("Muscle biopsy", day=-390, status="not-done" if case == "biopsy not done" else "in-progress")
    elif case == "biopsy since the infection began":
        chart.procedure("Muscle biopsy", day=-1)
    elif case in ("report reads as infection", "report not final"):
        chart.observation("Muscle biopsy pathology report", -390,
                          value_string="Suppurative myositis, gram-positive cocci" if case.endswith("infection")
                          else "Necrotizing myopathy")
        if case == "report not final":
            chart.resources["observations"][-1]["status"] = "preliminary"
    record, context = record_and_context(kb, chart)
    assert cohorts.nsti(record, context) and cohorts.nsti_ruled_out_by(record, context) is None


def test_imnm_recognised_by_its_antibody_dates_from_its_myopathy_condition(kb, today):
    """Anti-HMGCR positive with G72.0 (how sites code statin-associated IMNM) had no onset: R29 was not evaluable,
    and T_tx reached back over the whole history, so a COPD burst 300 days ago made R05 fire on day 10 (found by
    review)."""
    chart = Chart(today, age=64).condition((ICD10, "G72.0", "Drug-induced myopathy"), onset=-20)
    chart.antibody("anti_hmgcr", "positive", day=-15).ck(9000, day=-20).ck(7000, day=-2).weight(80)
    assert cohorts.iim_onset(record_and_context(kb, chart)[0]) == today - timedelta(days=20)
    chart.medication(PREDNISONE_20, 60, "mg", start=-10).medication(PREDNISONE_20, 40, "mg", start=-300, end=-296,
                                                                    status="completed")
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=10)
    negative = Chart(today).condition((ICD10, "G72.0", "Drug-induced myopathy"), onset=-20)
    assert cohorts.iim_onset(record_and_context(kb, negative.antibody("anti_hmgcr", "negative"))[0]) is None


def test_imnm_recognised_by_its_antibody_dates_from_the_myopathy_nearest_before_it(kb, today):
    """An old statin myalgia (M79.10, 900 days ago) is another episode: the onset is the G72.0 of 20 days ago, the
    myopathy condition nearest before the first positive antibody (found by the whole-change review)."""
    chart = Chart(today).condition((ICD10, "M79.10", "Myalgia, unspecified site"), onset=-900)
    chart.condition((ICD10, "G72.0", "Drug-induced myopathy"), onset=-20).antibody("anti_hmgcr", "positive", day=-15)
    assert cohorts.iim_onset(record_and_context(kb, chart)[0]) == today - timedelta(days=20)


def test_an_undated_coded_nsti_yields_to_confirmed_imnm(kb, today):
    """An undated, never-resolved fasciitis on the problem list may be years old: unlike one coded within 30 days, it
    does not outweigh a positive antibody (found by the whole-change review)."""
    chart = Chart(today).condition(NEC_FASCIITIS_ICD, onset=None).antibody("anti_srp", "positive")
    assert not cohorts.nsti(*record_and_context(kb, chart))
    assert cohorts.nsti(*record_and_context(kb, Chart(today).condition(NEC_FASCIITIS_ICD, onset=None)))


def test_a_biopsy_that_rules_necrotizing_myopathy_out_does_not_confirm_imnm(kb, today):
    """'No evidence of necrotizing myopathy. Suppurative myositis.' confirmed IMNM and ruled out a febrile free-text
    'necrotizing myositis' (found by the whole-change review): the report is read with its negations."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-400).condition("Necrotizing myositis", onset=-2)
    chart.temperature(39.2)
    chart.observation("Muscle biopsy", -100, value_string="No evidence of necrotizing myopathy. Suppurative myositis.")
    assert cohorts.nsti(*record_and_context(kb, chart))


@pytest.mark.parametrize("myopathy", [(ICD10, "G72.89", "Other specified myopathies"), (ICD10, "G72.89", None)])
def test_anti_hmgcr_with_a_raised_ck_and_g72_89_is_imnm(kb, today, myopathy):
    """Section 4.1: with no ICD-10-CM code for IMNM, sites use G72.89 ('Other specified myopathies')."""
    chart = Chart(today).antibody("anti_hmgcr", "positive").ck(2400, day=-5).condition(myopathy, onset=-60)
    assert cohorts.is_imnm(*record_and_context(kb, chart))
    assert not cohorts.is_imnm(*record_and_context(kb, Chart(today).ck(2400, day=-5).condition(myopathy)))
