"""IMNM, IIM, IBM, NSTI, ICI context and ICI myositis, paediatric."""

from __future__ import annotations

from fhir_fixtures.builders import IBM_ICD, IMNM_SNOMED, LOINC, NEC_FASCIITIS_ICD, SNOMED, Chart
from hooks.definitions import cohorts
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
    febrile.observation(("http://loinc.org", "8310-5", "Body temperature"), -1, value=39.1, unit="Cel")
    reasons = cohorts.nsti(*record_and_context(kb, febrile))
    assert reasons and "39.1" in reasons[0]


def test_confirmed_imnm_is_never_nsti(kb, today):
    chart = Chart(today).condition(NEC_FASCIITIS_ICD, onset=-3).antibody("anti_hmgcr", "positive")
    assert not cohorts.nsti(*record_and_context(kb, chart))


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


def test_seronegative_imnm_with_a_biopsy_is_confirmed_and_never_nsti(kb, today):
    def febrile(chart):
        chart.condition("Necrotizing myositis", onset=-2)
        return chart.observation(("http://loinc.org", "8310-5", "Body temperature"), -1, value=38.9, unit="Cel")
    biopsied = febrile(Chart(today).condition(IMNM_SNOMED, onset=-200).procedure("Muscle biopsy", day=-190))
    assert cohorts.imnm_confirmation(record_and_context(kb, biopsied)[0]).startswith("Autoimmune necrotizing")
    assert not cohorts.nsti(*record_and_context(kb, biopsied))
    by_report = febrile(Chart(today).condition(IMNM_SNOMED, onset=-200))
    by_report.observation("Muscle biopsy pathology report", -190, value_string="necrotizing myopathy")
    assert not cohorts.nsti(*record_and_context(kb, by_report))
    # a biopsy alone (it may be the debridement specimen), or a diagnosis without one, confirms nothing
    biopsy_only = febrile(Chart(today).procedure("Muscle biopsy", day=-1))
    assert cohorts.nsti(*record_and_context(kb, biopsy_only))
    unbiopsied = febrile(Chart(today).condition(IMNM_SNOMED, onset=-200))
    assert cohorts.nsti(*record_and_context(kb, unbiopsied))
    not_done = febrile(Chart(today).condition(IMNM_SNOMED, onset=-200).procedure("Muscle biopsy", day=-190,
                                                                                  status="not-done"))
    assert cohorts.nsti(*record_and_context(kb, not_done))
