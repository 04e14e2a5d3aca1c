"""Fixtures for R18 seronegative-imnm-workup: biopsy on file (by code or name), antibody status, cohort."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import DERMATOMYOSITIS_ICD, IMNM_SNOMED, LOINC, PREDNISONE_20, Chart

RULE = "seronegative-imnm-workup"
MR_GUIDED_MUSCLE_BIOPSY = (LOINC, "69198-0", "MR Guidance for biopsy of Muscle")


def seronegative(today: date) -> Chart:
    chart = Chart(today, age=63, sex="male")
    chart.condition(IMNM_SNOMED, onset=-80)
    chart.antibody("anti_hmgcr", "negative", day=-70).antibody("anti_srp", "negative", day=-70, form="string")
    chart.ck(7400, day=-72).ck(3100, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=-60)
    return chart


@fixture("r18-fires-seronegative-no-biopsy", hook="patient-view", demo=True,
         story="IMNM on the problem list, anti-HMGCR and anti-SRP both negative, no biopsy on file.",
         fires={RULE}, indicators={RULE: "info"})
def fires(today: date) -> dict[str, Any]:
    return seronegative(today).request("patient-view")


@fixture("r18-quiet-biopsy-by-name", hook="patient-view",
         story="A Procedure named 'Muscle biopsy, left vastus lateralis' is on file.", quiet={RULE})
def biopsy_by_name(today: date) -> dict[str, Any]:
    return seronegative(today).procedure("Muscle biopsy, left vastus lateralis", day=-50).request("patient-view")


@fixture("r18-quiet-biopsy-coded", hook="patient-view",
         story="An MR-guided muscle biopsy (LOINC 69198-0) is on file.", quiet={RULE})
def biopsy_coded(today: date) -> dict[str, Any]:
    return seronegative(today).procedure(MR_GUIDED_MUSCLE_BIOPSY, day=-50).request("patient-view")


@fixture("r18-quiet-anti-hmgcr-positive", hook="patient-view",
         story="Anti-HMGCR positive: not seronegative.", quiet={RULE})
def hmgcr(today: date) -> dict[str, Any]:
    chart = Chart(today, age=63)
    chart.condition(IMNM_SNOMED, onset=-80)
    chart.antibody("anti_hmgcr", "positive", day=-70).antibody("anti_srp", "negative", day=-70)
    return chart.request("patient-view")


@fixture("r18-quiet-anti-srp-not-resulted", hook="patient-view",
         story="Anti-HMGCR negative, anti-SRP never resulted: seronegative or anti-SRP, so not evaluable until "
               "anti-SRP is resulted (R03 asks for it).",
         quiet={RULE})
def unknown(today: date) -> dict[str, Any]:
    chart = Chart(today, age=63)
    chart.condition(IMNM_SNOMED, onset=-80)
    chart.antibody("anti_hmgcr", "negative", day=-70)
    return chart.request("patient-view")


@fixture("r18-quiet-dermatomyositis", hook="patient-view",
         story="Dermatomyositis with both IMNM antibodies negative: not IMNM.", quiet={RULE})
def dermatomyositis(today: date) -> dict[str, Any]:
    chart = Chart(today, age=45)
    chart.condition(DERMATOMYOSITIS_ICD, onset=-80)
    chart.antibody("anti_hmgcr", "negative", day=-70).antibody("anti_srp", "negative", day=-70)
    return chart.request("patient-view")
