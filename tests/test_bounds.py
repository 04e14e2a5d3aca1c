"""Results written as text with their unit, a bound ('<20 IU/mL', '>20,000 U/L') or a number ('5000 ng/L'), read
past what a lab adds to them."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, CK, EGFR, HBV_DNA, Chart
from fhir_fixtures.r31_ici_myositis import HS_TNI
from hooks.definitions import antibodies, ck, diagnosis, hepatitis, renal
from hooks.record import Quantity, bound_in_text, result_in_text
from tests.definitions_support import record_and_context


@pytest.mark.parametrize(("text", "read"), [
    ("<20 IU/mL L", Quantity(20, "IU/mL", "<")), ("> 40 U/mL H", Quantity(40, "U/mL", ">")),
    (">50 ng/L (H)", Quantity(50, "ng/L", ">")), ("<5 mg/L(LL)", Quantity(5, "mg/L", "<")),
    ("<3 ng/L*", Quantity(3, "ng/L", "<")), (">20,000 U/L HH", Quantity(20000, "U/L", ">")),
    (">20,000 U/L", Quantity(20000, "U/L", ">")), (">1,000.5 U", Quantity(1000.5, "U", ">")),
    ("<15 mmol/L critical", Quantity(15, "mmol/L", "<")), (">2 U/mL A", Quantity(2, "U/mL", ">")),
])
def test_a_labs_flag_after_the_unit_and_grouped_thousands_are_read_past(text, read):
    """'<20 IU/mL L' was read with the unit 'IU/mL L', which no unit table knows, and '>20,000 U/L' not at all."""
    assert result_in_text(text) == read


@pytest.mark.parametrize(("text", "read"), [
    (">150 H", Quantity(150, "H", ">")),  # no unit before the flag: nothing is taken for the unit that is not there
    ("<20 L", Quantity(20, "L", "<")),  # a unit that looks like a flag stays the unit
    ("<0,010 ng/mL", None),  # a decimal comma is no thousands separator
    (">1,0000 U/L", None), ("5.2 (H)", None), (">20,000", None),
])
def test_what_is_no_flag_or_no_grouped_number_is_read_as_before(text, read):
    assert result_in_text(text) == read


def test_a_bound_in_text_is_read_as_written_and_only_a_bound():
    """The eGFR's own reading (it takes only an upper bound past a flag, and no plain number) asks for this."""
    assert bound_in_text("<20 IU/mL L") == Quantity(20, "IU/mL L", "<")
    assert bound_in_text(">20,000 U/L") is None
    assert bound_in_text("45 mL/min/1.73m2") is None


@pytest.mark.parametrize(("text", "read"), [
    ("5000 ng/L", Quantity(5000, "ng/L")), ("5,000 ng/L", Quantity(5000, "ng/L")),
    ("12.5 mg/dL", Quantity(12.5, "mg/dL")), ("5000 ng/L H", Quantity(5000, "ng/L")),
    ("5000 ng/L (H)", Quantity(5000, "ng/L")), ("12,000 U/L HH", Quantity(12000, "U/L")),
    ("  45 %  ", Quantity(45, "%")), ("20 [IU]/mL*", Quantity(20, "[IU]/mL")), ("5000ng/L", Quantity(5000, "ng/L")),
])
def test_a_number_written_as_text_with_its_unit_is_the_result(text, read):
    """Troponin I '5000 ng/L' as a valueString was no value at all: R19 could not judge a cardiac involvement."""
    assert result_in_text(text) == read


@pytest.mark.parametrize("text", [
    "72 kg (estimated)", "see comment", "5000", "5000 ng/L haemolysed", "5000 (H)", "1:160", "5/5", "120/80 mmHg",
    "2+", "5,0 ng/L", "5.2 x 10^9/L", "1" + "0" * 400 + " U/L", ">" + "9" * 400 + " U/L",
])
def test_a_number_with_other_words_no_unit_or_no_size_a_result_can_be_stays_unread(text):
    assert result_in_text(text) is None


def test_a_ck_written_as_a_number_in_text_is_in_the_series_and_not_said_unread(kb, today):
    chart = Chart(today).ck(150, day=-20).observation(CK, -2, value_string="12,000 U/L H", high=200, range_unit="U/L")
    record, context = record_and_context(kb, chart)
    assert [p.value for p in ck.series(record, context)] == [150, 12000]
    assert ck.latest_ck(record, context).unreadable is None
    assert not any("could not be read" in note for note in ck.warnings(record, context))


def test_an_egfr_lower_bound_with_a_flag_stays_unread(kb, today):
    """renal reads a flag only after an upper bound: 'not below' must not rest on a result the lab marked."""
    chart = Chart(today, age=60, sex="male").observation(EGFR, -3, value_string=">60 mL/min/1.73m2 H")
    assert renal.latest_egfr(*record_and_context(kb, chart)) is None


@pytest.mark.parametrize(("text", "expected"), [("> 40 U/mL H", "positive"), ("<10 U/mL (L)", "negative"),
                                                ("45 U/mL H", "positive"), ("5 U/mL", "negative")])
def test_a_flagged_titre_is_read_against_the_limit(kb, today, text, expected):
    chart = Chart(today).observation(ANTI_HMGCR, -5, value_string=text, high=20, range_unit="U/mL")
    record, _ = record_and_context(kb, chart)
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == expected


def test_an_hbv_dna_in_grouped_thousands_or_flagged_is_read(kb, today):
    """'>170,000,000 IU/mL' was no result at all, and '<20 IU/mL L' was described with its flag as the unit; a load
    written as a number in text ('250,000 IU/mL') was none either."""
    chart = Chart(today).observation(HBV_DNA, -20, value_string=">170,000,000 IU/mL H")
    record, _ = record_and_context(kb, chart)
    high = record.observations_in("hbv_dna")[0]
    assert hepatitis.dna_resulted(high) and hepatitis.replicating(high)
    assert hepatitis.describe(high) == f"Hepatitis B DNA >170,000,000 IU/mL on {chart.at(-20)}"
    chart = Chart(today).observation(HBV_DNA, -20, value_string="<20 IU/mL L")
    low = record_and_context(kb, chart)[0].observations_in("hbv_dna")[0]
    assert not hepatitis.replicating(low)
    assert hepatitis.describe(low) == f"Hepatitis B DNA <20 IU/mL on {chart.at(-20)}"
    chart = Chart(today).observation(HBV_DNA, -20, value_string="250,000 IU/mL")
    load = record_and_context(kb, chart)[0].observations_in("hbv_dna")[0]
    assert hepatitis.dna_resulted(load) and hepatitis.replicating(load)
    assert hepatitis.describe(load) == f"Hepatitis B DNA 250,000 IU/mL on {chart.at(-20)}"


@pytest.mark.parametrize(("text", "raised"), [(">50 ng/L (H)", True), ("<5 ng/L L", False), (">10 ng/L H", None),
                                              ("5,000 ng/L H", True), ("5 ng/L", False), ("5 ng/L see note", None)])
def test_a_flagged_troponin_is_read_against_its_upper_limit(kb, today, text, raised):
    """'>50 ng/L (H)' was read with the unit 'ng/L (H)': no troponin at all, so no sign of myocarditis."""
    chart = Chart(today).observation(HS_TNI, -1, value_string=text, high=14, range_unit="ng/L")
    troponin = record_and_context(kb, chart)[0].observations_in("troponin_i")[0]
    assert troponin.above_upper_limit(diagnosis.TROPONIN_UNIT) is raised
