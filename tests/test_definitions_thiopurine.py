"""hooks.definitions.thiopurine: TPMT/NUDT15 results in words, diplotypes, numbers and flags; transfusions."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_fixtures.builders import LOINC, Chart
from hooks import valuesets
from hooks.definitions import thiopurine
from hooks.record import build_record
from tests.conftest import TODAY

SETS = valuesets.load()
TPMT_ACTIVITY = (LOINC, "21563-2", "Thiopurine methyltransferase [Enzymatic activity/volume] in Red Blood Cells")
TPMT_GENOTYPE = (LOINC, "41048-0", "TPMT Genotype")


def _record(chart: Chart):
    return build_record(chart.prefetch(), SETS, TODAY)


@pytest.mark.parametrize("text,expected", [
    ("Normal metabolizer", "normal"),
    ("Intermediate metabolizer", "intermediate"),
    ("Poor metabolizer", "poor"),
    ("TPMT deficient", "poor"),
    ("Heterozygous for TPMT*3A", "intermediate"),
    ("Homozygous variant", "poor"),
    ("*1/*1", "normal"),
    ("*1/*3A", "intermediate"),
    ("*3A/*3C", "poor"),
    ("No variants detected", "normal"),
    ("Not a poor metabolizer", "normal"),
    # a ruled-out category beside the lab's own one never makes the result normal (found by review)
    ("Poor metabolizer (not intermediate)", "poor"),
    ("Intermediate metabolizer (not a poor metabolizer)", "intermediate"),
    ("Deficient activity - not an intermediate metabolizer", "poor"),
    ("Not a poor metabolizer; activity low", "low-unspecified"),
    ("Normal (not intermediate or poor)", "normal"),
    ("Normal metabolizer - not intermediate/poor", "normal"),
    ("Normal, not poor/intermediate", "normal"),
    ("Not a normal metabolizer", "low-unspecified"),
    # below normal, in words that hold "normal" (each was read as normal)
    ("Below normal activity", "low-unspecified"),
    ("Low (below normal range)", "low-unspecified"),
    ("Not within normal limits", "low-unspecified"),
    ("Less than normal", "low-unspecified"),
    ("Activity lower than normal", "low-unspecified"),
    ("Normal activity", "normal"),
    # the gene written before each allele
    ("TPMT*3A/TPMT*3C", "poor"),
    ("TPMT *3A / TPMT *3C", "poor"),
    ("NUDT15*1/NUDT15*3", "intermediate"),
    ("Low", "low-unspecified"),
    ("High activity", "normal"),
    ("Specimen rejected", None),
    # "homozygous" for a named variant allele is a poor metabolizer (each was read as no result at all: review 407)
    ("Homozygous TPMT*3A", "poor"),
    ("homozygous for the *3A allele", "poor"),
    ("TPMT *3C homozygous", "poor"),
    ("c.415C>T homozygous", "poor"),
    ("Homozygous for NUDT15 p.Arg139Cys (c.415C>T)", "poor"),
    ("Homozygous for the variant allele", "poor"),
    # ... and for the normal allele a normal one
    ("Homozygous wild-type", "normal"),
    ("Homozygous *1/*1", "normal"),
    ("Homozygous for TPMT*1", "normal"),
    ("homozygous normal", "normal"),
    ("Homozygous wild type for c.415C>T", "normal"),
    ("Heterozygous *3A (not homozygous)", "intermediate"),
    ("Homozygous", None),
    # words that disagree read as the lower activity (the first two were read as normal: review 407)
    ("TPMT genotype normal; phenotype low", "low-unspecified"),
    ("Genotype normal (*1/*1); phenotype low activity", "poor"),
    ("*1/*1; intermediate activity", "intermediate"),
    ("Normal metabolizer; intermediate activity", "intermediate"),
    ("*1/*3A; poor metabolizer", "poor"),
    ("Intermediate activity (low)", "intermediate"),
    # "low" that is no measure of activity
    ("Normal metabolizer (low risk of myelosuppression)", "normal"),
    ("Low-normal activity", "normal"),
])
def test_words_and_diplotypes(text, expected):
    assert thiopurine.from_words(text) == expected


@pytest.mark.parametrize("value,reading", [(15.1, "normal"), (15.0, "low-unspecified")])
def test_activity_number_against_the_lower_limit(value, reading):
    chart = Chart(TODAY).observation(TPMT_ACTIVITY, -10, value=value, unit="U/mL", low=15.1)
    summary = thiopurine.summarise(_record(chart), "TPMT")
    assert summary.status == reading and summary.basis.kind == "phenotype"


def test_number_without_range_or_flag_is_unreadable():
    chart = Chart(TODAY).observation(TPMT_ACTIVITY, -10, value=14, unit="U/mL")
    summary = thiopurine.summarise(_record(chart), "TPMT")
    assert summary.status is None and summary.unreadable


def test_a_coded_value_and_a_text_that_disagree_read_as_the_lower_activity():
    chart = Chart(TODAY).observation(TPMT_ACTIVITY, -10, value_code=(LOINC, "LA-x", "Normal metabolizer"),
                                     value_string="Phenotype low")
    summary = thiopurine.summarise(_record(chart), "TPMT")
    assert summary.status == "low-unspecified" and summary.basis.shown == "Phenotype low"


def test_a_result_that_cannot_be_read_is_kept_with_its_value():
    chart = Chart(TODAY).observation(TPMT_GENOTYPE, -10, value_string="See scanned report")
    chart.observation(TPMT_ACTIVITY, -12, value=14, unit="U/mL", interpretation="X")
    summary = thiopurine.summarise(_record(chart), "TPMT")
    day, earlier = (date.fromordinal(TODAY.toordinal() - n).isoformat() for n in (10, 12))
    assert summary.status is None
    assert sorted(summary.unreadable) == sorted([f"TPMT Genotype 'See scanned report' ({day})",
                                                 f"{TPMT_ACTIVITY[2]} 14 U/mL flagged X ({earlier})"])


def test_interpretation_flag_low_without_category():
    chart = Chart(TODAY).observation(TPMT_ACTIVITY, -10, value=9, unit="U/mL", interpretation="L")
    assert thiopurine.summarise(_record(chart), "TPMT").status == "low-unspecified"


@pytest.mark.parametrize("transfused_day,valid", [(-101, True), (-99, False), (-11, False), (-9, True)])
def test_transfusion_within_90_days_before_an_activity_test(transfused_day, valid):
    chart = Chart(TODAY).procedure("Red blood cell transfusion", transfused_day)
    chart.observation(TPMT_ACTIVITY, -10, value_string="Normal activity")
    summary = thiopurine.summarise(_record(chart), "TPMT")
    assert (summary.status == "normal") is valid
    assert bool(summary.invalid) is not valid


def test_genotype_is_not_affected_by_transfusion_and_the_worse_result_wins():
    chart = Chart(TODAY).procedure("Blood transfusion", -20)
    chart.observation(TPMT_GENOTYPE, -10, value_string="*1/*3A")
    chart.observation("TPMT activity", -300, value_string="Normal")
    summary = thiopurine.summarise(_record(chart), "TPMT")
    assert summary.status == "intermediate" and summary.basis.kind == "genotype"
    assert summary.basis.when == date.fromordinal(TODAY.toordinal() - 10)


def test_nudt15_by_name_and_no_result():
    assert thiopurine.summarise(_record(Chart(TODAY)), "NUDT15").status is None
    chart = Chart(TODAY).observation("NUDT15 genotype", -5, value_code=(LOINC, "LA-x", "Poor metabolizer"))
    summary = thiopurine.summarise(_record(chart), "NUDT15")
    assert summary.status == "poor" and "Poor metabolizer" in summary.basis.describe()
