"""Antibody positivity in the contract's four representations, and the subtype."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ANTI_SRP, SNOMED, Chart
from hooks.definitions import antibodies
from hooks.rule import NotEvaluable, Quiet
from tests.definitions_support import record_and_context


@pytest.mark.parametrize("form", ["interpretation", "coded", "string", "quantity"])
@pytest.mark.parametrize("result", ["positive", "negative"])
def test_four_representations(kb, today, form, result):
    record, _ = record_and_context(kb, Chart(today).antibody("anti_hmgcr", result, form=form))
    assert [s for _, s in antibodies.results(record, "anti_hmgcr")] == [result]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"interpretation": "H"}, "positive"),
    ({"interpretation": "N"}, "negative"),
    ({"value_code": (SNOMED, "260385009", "Negative")}, "negative"),
    ({"value_code": ("http://example.org/local", "X", "Not detected")}, "negative"),
    ({"value_string": "POSITIVE (high titre)"}, "positive"),
    ({"value_string": "not detected"}, "negative"),
    ({"value_string": "pending"}, None),
    ({"value_string": "None detected"}, "negative"),  # "detected" inside used to read as positive
    ({"value_string": "No antibodies detected"}, "negative"),
    ({"value_string": "Not present"}, "negative"),
    ({"value_string": "Undetectable"}, "negative"),
    ({"value_string": "Non reactive"}, "negative"),
    ({"value_string": "Weakly positive"}, "positive"),
    ({"value_string": "Equivocal"}, None),
    # the first result word is the result; what it is compared with is not (all read as negative before)
    ({"value_string": "Positive (Reference: Negative)"}, "positive"),
    ({"value_string": "Positive; previously negative"}, "positive"),
    ({"value_string": "Positive, no other antibodies detected"}, "positive"),
    ({"value_string": "Reference range: negative. Result: positive"}, "positive"),
    ({"value_string": "Negative (normal: negative)"}, "negative"),
    ({"interpretation": "NEG", "value_string": "positive"}, "negative"),  # interpretation comes first
])
def test_order_of_precedence(kb, today, kwargs, expected):
    record, _ = record_and_context(kb, Chart(today).observation(ANTI_HMGCR, -5, **kwargs))
    observation = record.observations_in("anti_hmgcr")[0]
    assert antibodies.status(observation) == expected


@pytest.mark.parametrize(("hmgcr", "srp", "subtype"), [
    ("positive", "negative", "HMGCR"), ("negative", "positive", "SRP"), ("positive", "positive", "DUAL"),
    ("negative", "negative", "SERONEG"), (None, "negative", "UNKNOWN"), (None, None, "UNKNOWN"),
    ("positive", None, "UNKNOWN"),  # the rules table: either never resulted is UNKNOWN (R03 asks for it)
])
def test_subtype(kb, today, hmgcr, srp, subtype):
    chart = Chart(today)
    if hmgcr:
        chart.antibody("anti_hmgcr", hmgcr)
    if srp:
        chart.antibody("anti_srp", srp)
    record, _ = record_and_context(kb, chart)
    assert antibodies.subtype(record) == subtype


def _serology_chart(today, hmgcr, srp) -> Chart:
    chart = Chart(today)
    for group, status in (("anti_hmgcr", hmgcr), ("anti_srp", srp)):
        if status:
            chart.antibody(group, status)
    return chart


@pytest.mark.parametrize(("hmgcr", "srp", "possible"), [
    ("positive", None, ("HMGCR", "DUAL")), ("negative", None, ("SRP", "SERONEG")),
    (None, "positive", ("SRP", "DUAL")), (None, "negative", ("HMGCR", "SERONEG")),
    (None, None, ("HMGCR", "SRP", "DUAL", "SERONEG")), ("positive", "negative", ("HMGCR",)),
])
def test_the_subtypes_still_possible_are_every_completion_of_a_missing_result(kb, today, hmgcr, srp, possible):
    record, _ = record_and_context(kb, _serology_chart(today, hmgcr, srp))
    assert antibodies.serology(record).possible == possible


# (anti-HMGCR, anti-SRP, a row's subtypes, what the row is told): the subtype (fires), "quiet", or "open"
@pytest.mark.parametrize(("hmgcr", "srp", "wanted", "outcome"), [
    ("positive", None, ("HMGCR", "DUAL"), "UNKNOWN"),  # R15: either anti-SRP result satisfies the row
    ("negative", None, ("HMGCR", "DUAL"), "quiet"),  # neither does
    (None, "negative", ("HMGCR", "DUAL"), "open"),  # anti-HMGCR decides it
    ("positive", None, ("HMGCR", "SERONEG", "DUAL"), "UNKNOWN"),  # R30
    (None, "negative", ("HMGCR", "SERONEG", "DUAL"), "UNKNOWN"),  # R30: HMGCR or SERONEG, both carry the risk
    ("negative", None, ("HMGCR", "SERONEG", "DUAL"), "open"),  # R30: SERONEG or SRP
    ("negative", None, ("SERONEG",), "open"),  # R18
    (None, None, ("SRP", "DUAL"), "open"),
    ("positive", "negative", ("HMGCR", "DUAL"), "HMGCR"), ("negative", "positive", ("HMGCR", "DUAL"), "quiet"),
])
def test_a_row_fires_when_every_completion_satisfies_it_and_is_not_evaluable_when_the_result_decides(
        kb, today, hmgcr, srp, wanted, outcome):
    """Anti-HMGCR positive with anti-SRP never resulted was subtype UNKNOWN, and R15, R16, R18 and R30 read it as
    "not this subtype": quiet, though HMGCR and DUAL both satisfy R15 (audit)."""
    record, _ = record_and_context(kb, _serology_chart(today, hmgcr, srp))
    facts: dict = {}
    found = antibodies.subtype_among(record, wanted, facts)
    if outcome == "quiet":
        assert isinstance(found, Quiet)
    elif outcome == "open":
        assert isinstance(found, NotEvaluable)
        missing = " and ".join(n for n, s in (("anti-HMGCR", hmgcr), ("anti-SRP", srp)) if s is None)
        assert found.missing.startswith(f"{missing} never resulted: the subtype may be ")
    else:
        assert isinstance(found, antibodies.Serology) and found.subtype == outcome
    assert facts["subtype"] == antibodies.subtype(record)


def test_the_reasons_name_what_is_known(kb, today):
    record, _ = record_and_context(kb, _serology_chart(today, "negative", None))
    quiet = antibodies.subtype_among(record, ("HMGCR", "DUAL"), {})
    assert isinstance(quiet, Quiet)
    assert quiet.reason == ("subtype SRP or SERONEG (anti-HMGCR negative, anti-SRP never resulted), not HMGCR or "
                            "DUAL")
    facts: dict = {}
    open_ = antibodies.subtype_among(record, ("HMGCR", "SERONEG", "DUAL"), facts)
    assert isinstance(open_, NotEvaluable)
    assert open_.missing == ("anti-SRP never resulted: the subtype may be SRP or SERONEG, and only HMGCR, SERONEG or "
                             "DUAL counts here (R03 asks for the missing result)")
    assert facts == {"subtype": "UNKNOWN", "antibodies_never_resulted": "anti-SRP", "antibodies_equivocal": None}


EQUIVOCAL = {"value_string": "Equivocal"}


@pytest.mark.parametrize("written", [
    EQUIVOCAL, {"value_string": "Borderline"},
    {"value_code": (SNOMED, "42425007", "Equivocal")},
    {"interpretation": "IND"},  # the lab's flag alone: indeterminate
    {"value": 45, "unit": "[arb'U]"},  # a titre with no reference range and no interpretation
], ids=["equivocal", "borderline", "coded equivocal", "indeterminate flag", "titre without range"])
def test_an_antibody_resulted_as_neither_positive_nor_negative_is_unread_not_never_resulted(kb, today, written):
    """Anti-HMGCR resulted 'Equivocal' or 'Borderline' was "never resulted" in every rule that asks the subtype (R03,
    R15, R16, R18, R30), which told the clinician to order a test already done (found by clinician review)."""
    record, _ = record_and_context(kb, Chart(today).observation(ANTI_HMGCR, -30, **written)
                                   .antibody("anti_srp", "negative"))
    found = antibodies.serology(record)
    shown = antibodies.quoted(record.observations_in("anti_hmgcr")[0])
    assert antibodies.unread(record, "anti_hmgcr") is record.observations_in("anti_hmgcr")[0]
    assert found.subtype == "UNKNOWN" and found.possible == ("HMGCR", "SERONEG")
    assert found.never_resulted is None and found.equivocal == f"anti-HMGCR {shown}"
    assert found.describe() == f"anti-HMGCR neither positive nor negative ({shown}), anti-SRP negative"
    assert found.undecided == f"anti-HMGCR resulted neither positive nor negative ({shown})"


def test_a_pending_antibody_or_one_that_reads_is_not_unread(kb, today):
    pending = Chart(today).observation(ANTI_HMGCR, -2, value_string="Pending")
    pending.resources["observations"][-1]["status"] = "preliminary"
    record, _ = record_and_context(kb, pending)
    assert antibodies.unread(record, "anti_hmgcr") is None
    assert antibodies.serology(record).never_resulted == "anti-HMGCR and anti-SRP"
    # an equivocal result followed by a negative one: resulted negative
    settled = Chart(today).observation(ANTI_HMGCR, -60, **EQUIVOCAL).antibody("anti_hmgcr", "negative", day=-10)
    record, _ = record_and_context(kb, settled)
    assert antibodies.unread(record, "anti_hmgcr") is None and antibodies.serology(record).hmgcr == "negative"


def test_a_row_an_equivocal_result_decides_says_it_was_resulted_and_asks_for_a_repeat(kb, today):
    """Not evaluable as for a missing result, but naming the result, its date and what settles it."""
    chart = Chart(today).observation(ANTI_HMGCR, -30, **EQUIVOCAL).antibody("anti_srp", "negative")
    record, _ = record_and_context(kb, chart)
    facts: dict = {}
    found = antibodies.subtype_among(record, ("SERONEG",), facts)
    day = today.fromordinal(today.toordinal() - 30)
    assert isinstance(found, NotEvaluable)
    assert found.missing == (f"anti-HMGCR resulted neither positive nor negative ('Equivocal' on {day}): the subtype "
                             "may be HMGCR or SERONEG, and only SERONEG counts here (repeat anti-HMGCR by another "
                             "method or at a reference lab, or ask the lab how to read the result)")
    assert facts == {"subtype": "UNKNOWN", "antibodies_never_resulted": None,
                     "antibodies_equivocal": f"anti-HMGCR 'Equivocal' on {day}"}
    # with the other never resulted, both are named, and what settles each
    record, _ = record_and_context(kb, Chart(today).observation(ANTI_HMGCR, -30, **EQUIVOCAL))
    both = antibodies.subtype_among(record, ("SERONEG",), {})
    assert isinstance(both, NotEvaluable)
    assert both.missing == (f"anti-HMGCR resulted neither positive nor negative ('Equivocal' on {day}) and anti-SRP "
                            "never resulted: the subtype may be HMGCR, SRP, DUAL or SERONEG, and only SERONEG counts "
                            "here (repeat anti-HMGCR by another method or at a reference lab, or ask the lab how to "
                            "read the result; R03 asks for the missing result)")


def test_an_equivocal_result_that_cannot_change_the_row_neither_holds_it_nor_quiets_it(kb, today):
    """Anti-SRP equivocal with anti-HMGCR positive is HMGCR or DUAL: R30's row whatever a repeat shows; with anti-SRP
    positive and anti-HMGCR equivocal (SRP or DUAL), R18's seronegative row is quiet, and says why."""
    record, _ = record_and_context(kb, Chart(today).antibody("anti_hmgcr", "positive")
                                   .observation(ANTI_SRP, -30, value_string="Borderline"))
    assert isinstance(antibodies.subtype_among(record, ("HMGCR", "SERONEG", "DUAL"), {}), antibodies.Serology)
    record, _ = record_and_context(kb, Chart(today).antibody("anti_srp", "positive")
                                   .observation(ANTI_HMGCR, -30, **EQUIVOCAL))
    quiet = antibodies.subtype_among(record, ("SERONEG",), {})
    assert isinstance(quiet, Quiet) and quiet.reason.startswith(
        "subtype SRP or DUAL (anti-HMGCR neither positive nor negative ('Equivocal' on ")


def test_a_reference_range_without_a_unit_is_in_the_results_unit(kb, today):
    chart = Chart(today).observation(ANTI_HMGCR, -5, value=45, unit="{CU}", high=19)
    chart.resources["observations"][-1]["referenceRange"][0]["high"] = {"value": 19}
    record, _ = record_and_context(kb, chart)
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == "positive"


@pytest.mark.parametrize(("comparator", "value", "expected"), [
    ("<", 20, "negative"), ("<", 30, None), (">", 20, "positive"), (">=", 20, None), (None, 30, "positive")])
def test_a_titre_reported_as_a_bound_is_read_only_when_the_bound_settles_it(kb, today, comparator, value,
                                                                          expected):
    """'<30' against an upper limit of 20 once read as positive (and confirmed IMNM against an NSTI)."""
    chart = Chart(today).observation(ANTI_HMGCR, -5, value=value, unit="[arb'U]/mL", high=20, comparator=comparator)
    record, _ = record_and_context(kb, chart)
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == expected


@pytest.mark.parametrize(("value", "unit", "high", "range_unit", "expected"), [
    (15, "U/mL", 20, "U/L", "positive"),  # 15 U/mL is 15,000 U/L: the limit alone converted read it as negative
    (25, "U/mL", 20_000, "U/L", "positive"),
    (15, "U/mL", 20_000, "U/L", "negative"),
    (0.015, "U/L", 20, "U/mL", "negative"),
    (25, "U/mL", 20, "{CU}", None),  # units that do not convert are not compared
])
def test_a_titre_and_a_limit_in_different_units_are_compared_in_one(kb, today, value, unit, high, range_unit,
                                                                   expected):
    chart = Chart(today).observation(ANTI_HMGCR, -5, value=value, unit=unit, high=high, range_unit=range_unit)
    record, _ = record_and_context(kb, chart)
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == expected


@pytest.mark.parametrize(("text", "expected"), [("<20 U/mL", "negative"), ("<30 U/mL", None),
                                                ("> 40 U/mL", "positive")])
def test_a_titre_written_as_a_bound_in_text_is_read_against_the_limit(kb, today, text, expected):
    """As troponin is ('<3 ng/L'): a bound with its unit, written as text, is the result."""
    chart = Chart(today).observation(ANTI_HMGCR, -5, value_string=text, high=20, range_unit="U/mL")
    record, _ = record_and_context(kb, chart)
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("45 U/mL (ref <20)", "positive"),  # the review's result: read as neither, R14 went quiet on a statin
    ("45 U/mL (ref: <20)", "positive"),
    ("45 U/mL (<20)", "positive"),
    ("45 U/mL (Reference <20 U/mL)", "positive"),
    ("12 U/mL (ref <20)", "negative"),
    ("20 U/mL (ref <20)", "positive"),  # '<20' leaves 20 outside the range
    ("20 U/mL (ref <=20)", "negative"),  # '<=20' keeps it inside
    ("<5 U/mL (ref <20)", "negative"),
    ("<30 U/mL (ref <20)", None),  # a bound that does not settle it
    ("45 U/mL (ref <20 {CU})", None),  # units that do not compare
    ("45 (ref <20)", None),  # only a result with its unit is read
    ("45 U/mL (ref 0-19)", None),  # only an upper limit, in this shape
    ("45 U/mL (repeat <20)", None),
])
def test_a_titre_with_its_range_written_after_it_is_read_against_that_limit(kb, today, text, expected):
    """Review: anti-HMGCR sent as '45 U/mL (ref <20)' read as neither positive nor negative. The lab's inline upper
    limit is read as the range's, in this one shape only."""
    record, _ = record_and_context(kb, Chart(today).observation(ANTI_HMGCR, -5, value_string=text))
    assert antibodies.status(record.observations_in("anti_hmgcr")[0]) == expected


def test_every_result_read_as_neither_is_unreadable_whatever_the_others_read(kb, today):
    """R14 asks whether anti-HMGCR was ever positive: an older negative does not settle a newer titre with no range
    (unread, which asks the subtype, gives none once one result reads)."""
    chart = Chart(today).antibody("anti_hmgcr", "negative", day=-300).observation(ANTI_HMGCR, -20, value=45,
                                                                                   unit="U/mL")
    record, _ = record_and_context(kb, chart)
    assert antibodies.unreadable(record, "anti_hmgcr") == [record.observations_in("anti_hmgcr")[1]]
    assert antibodies.unread(record, "anti_hmgcr") is None


def test_the_results_since_the_first_positive_are_the_repeats(kb, today):
    """R04 reads what followed the first positive: a negative, a titre, a result read as neither; not what came
    before it, nor a pending one."""
    chart = (Chart(today).antibody("anti_srp", "negative", day=-300).antibody("anti_srp", "positive", day=-100)
             .observation(ANTI_SRP, -100, value_string="Negative").observation(ANTI_SRP, -20, **EQUIVOCAL)
             .observation(ANTI_SRP, -10, value=80, unit="U/mL", high=20)
             .observation(ANTI_SRP, -2, value_string="Pending"))
    chart.resources["observations"][-1]["status"] = "preliminary"
    record, _ = record_and_context(kb, chart)
    since = antibodies.since_first_positive(record, "anti_srp")
    assert [(o.when.isoformat(), s) for o, s in since] == [(chart.at(-100), "negative"), (chart.at(-20), None),
                                                           (chart.at(-10), "positive")]
    assert antibodies.since_first_positive(record, "anti_hmgcr") == []


@pytest.mark.parametrize(("name", "member"), [
    ("Anti-NXP2 antibody", "anti-NXP2"),
    ("NXP-2 (MJ) Ab, IgG", "anti-NXP2"),
    ("Jo-1 Antibody, IgG", "anti-Jo-1"),
    ("PL-12 Ab", "anti-PL-12"),
    ("TIF1-gamma antibody", "anti-TIF1-gamma"),
    ("MDA-5 Ab", "anti-MDA5"),
    ("PM/Scl-100 Ab", "anti-PM/Scl"),
    ("SSA-Ro52 antibody", "anti-Ro52"),
    ("Extended myositis line blot", "myositis antibody panel"),
    # a member named with its panel is that member's result, not the whole panel's (review: the rest went unordered)
    ("Anti-Jo-1 (myositis panel)", "anti-Jo-1"),
    ("Mi-2 alpha Ab (myositis line blot)", "anti-Mi-2"),
])
def test_a_myositis_panel_antibody_is_read_by_its_name(kb, today, name, member):
    """R03 ordered the whole panel beside an anti-NXP2 already resulted (review): no value set read its members."""
    record, _ = record_and_context(kb, Chart(today).observation(name, -10, value_string="Negative"))
    assert [(r.name, r.status) for r in antibodies.panel_results(record)] == [(member, "negative")]


def test_panel_results_are_the_latest_in_of_each_member_in_the_panels_order(kb, today):
    chart = Chart(today).observation("Anti-NXP2 antibody", -40, value_string="Negative")
    chart.observation("Anti-NXP2 antibody", -10, value_string="Positive")
    chart.observation("Ro52 antibody", -10, value_string="Borderline")
    chart.observation("Jo-1 Antibody", -10)  # ordered, no result yet: not in
    chart.observation("Influenza A antigen", -5, value_string="Negative")  # no panel member
    record, _ = record_and_context(kb, chart)
    found = antibodies.panel_results(record)
    assert [str(r) for r in found] == ["anti-NXP2 positive (2026-11-11)",
                                       "anti-Ro52 neither positive nor negative ('Borderline' on 2026-11-11)"]
    assert [r.specific_positive for r in found] == [True, False]  # Ro52 is myositis-associated only
