"""Kidney function: the reported eGFR, or one estimated from creatinine (CKD-EPI 2021, bedside Schwartz), the lower
estimate when the sex is neither male nor female, what is missing when none can be estimated, an eGFR reported as a
bound ('<15', '>60') or one that cannot be read, and whether the eGFR is below a rule's limit (renal.below_limit): the
more careful reading of a day, the newest day that settles it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_fixtures.builders import EGFR, IMNM_SNOMED, IVIG_CVX, LOINC, PREDNISONE_20, TMP_SMX_DS, Chart
from fhir_fixtures.r11_mtx_tmp_smx_interaction import on_mtx
from fhir_fixtures.r19_imnm_severe_disease_urgent import CREATININE
from hooks.definitions import renal
from tests.conftest import fired, run
from tests.definitions_support import record_and_context


def test_ckd_epi_2021_reference_values():
    assert renal.ckd_epi_2021(1.0, 50, female=True) == pytest.approx(68.6, abs=0.3)
    assert renal.ckd_epi_2021(1.2, 60, female=False) == pytest.approx(69.2, abs=0.3)
    assert renal.ckd_epi_2021(0.5, 30, female=False) > renal.ckd_epi_2021(0.9, 30, female=False)


def test_bedside_schwartz():
    assert renal.bedside_schwartz(0.5, 130) == pytest.approx(107.4, abs=0.1)


def test_a_creatinine_alone_gives_an_estimated_egfr(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 5.2, "mg/dL", day=-1)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.value < 15 and "CKD-EPI 2021" in egfr.how


def test_creatinine_in_umol_per_l_is_converted(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 106.1, "umol/L", day=-1)  # 1.2 mg/dL
    assert renal.latest_egfr(*record_and_context(kb, chart)).value == 69


def test_the_latest_readable_egfr_is_the_labs_own_on_its_day_and_the_newer_result_otherwise(kb, today):
    """What renal.latest_egfr gives (R24 shows it, through renal.latest_shown; the rules judge with below_limit)."""
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 1.2, "mg/dL", day=-1)
    chart.lab(EGFR, 55, "mL/min/{1.73_m2}", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).how == "reported"
    chart = Chart(today, age=60, sex="male").lab(EGFR, 90, "mL/min/{1.73_m2}", day=-20)
    chart.lab(CREATININE, 3.0, "mg/dL", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).below(30) is True


def test_a_child_needs_a_current_height(kb, today):
    chart = Chart(today, age=9, sex="female").lab(CREATININE, 0.5, "mg/dL", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)) is None
    chart.height(130, day=-2)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.value == 107 and "Schwartz" in egfr.how


@pytest.mark.parametrize("sex", ["unknown", "other", None])
def test_an_adult_whose_sex_is_neither_male_nor_female_is_estimated_on_the_lower_of_the_two(kb, today, sex):
    """Patient.gender unknown, other or absent: neither CKD-EPI equation applied, so a creatinine of 5.2 mg/dL gave
    no eGFR at all and every rule read 'no eGFR'. Both are now computed and the lower one (as if female) is used."""
    chart = Chart(today, age=62, sex=sex).lab(CREATININE, 2.1, "mg/dL", day=-1)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    as_female, as_male = (round(renal.ckd_epi_2021(2.1, 62, female=female)) for female in (True, False))
    assert egfr is not None and egfr.value == as_female == 26 and as_male == 35
    assert egfr.how == (f"estimated from creatinine 2.1 mg/dL, CKD-EPI 2021; sex on file {sex or 'none'}, so "
                        "estimated as if female, the lower of the two")


@pytest.mark.parametrize(("state", "missing", "why"), [
    ("child-no-height", "height", "bedside Schwartz needs a current height, and there is no current height on file"),
    ("child-height-too-old", "height", "bedside Schwartz needs a current height, and there is no current height "
                                       "(latest 130 cm on {day_100}, too old)"),
    ("no-birth-date", "age", "CKD-EPI 2021 needs the age, and there is no birth date on file"),
    ("unit-not-read", "creatinine", "its value cannot be read in mg/dL or umol/L"),
])
def test_a_creatinine_that_gives_no_egfr_says_what_is_missing(kb, today, state, missing, why):
    chart = Chart(today, age=None if state == "no-birth-date" else 9 if state.startswith("child") else 60, sex="male")
    chart.lab(CREATININE, 0.5, "mEq/L" if state == "unit-not-read" else "mg/dL", day=-1)
    if state == "child-height-too-old":
        chart.height(130, day=-100)
    record, context = record_and_context(kb, chart)
    why = why.format(day_100=chart.at(-100))
    assert renal.estimate(record, context, record.observations_in("creatinine")[-1]) == renal.NoEstimate(missing, why)
    assert renal.latest_egfr(record, context) is None
    # what any creatinine would lack, asked without one (R27 with no renal result): not the creatinine's own fault
    lacks = renal.estimate_lacks(record, context)
    assert lacks == (None if missing == "creatinine" else renal.NoEstimate(missing, why))


def _r05(today):
    chart = Chart(today, age=62).condition(IMNM_SNOMED, onset=-65)
    chart.antibody("anti_hmgcr", "positive", day=-55)
    chart.ck(6800, day=-50).ck(2100, day=-3)
    return chart.medication(PREDNISONE_20, 60, "mg", start=-45), "patient-view"


def _r11(today):
    return on_mtx(today, age=62).draft(TMP_SMX_DS, 1, "{tbl}", day_of_week=["mon", "wed", "fri"]), "order-sign"


def _r27(today):
    chart = Chart(today, age=62).condition(IMNM_SNOMED, onset=-200).weight(70, day=-5).height(165, day=-100)
    chart.lab((LOINC, "2458-8", "Immunoglobulin A"), 2.1, "g/L", day=-150)
    resource = chart.medication_request(IVIG_CVX, 2, "g/kg", start=0, status="draft", intent="proposal", period=4,
                                        period_unit="wk", text="per cycle")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 2, "durationUnit": "d"})
    return chart.draft_resource(resource), "order-sign"


READERS = {  # each rule that reads the eGFR: its chart, and what its card says of an eGFR of 26 (as if female)
    "imnm-add-steroid-sparing-by-month-1": (_r05, lambda card: "methotrexate is not advised" in card["detail"]
                                            and not card["suggestions"][0]["label"].startswith("Methotrexate")),
    "mtx-tmp-smx-interaction": (_r11, lambda card: "Higher risk here (eGFR 26 on" in card["detail"]),
    "ivig-order-safety": (_r27, lambda card: card["summary"].endswith("(eGFR < 60)")),
}


@pytest.mark.parametrize("rule", READERS)
def test_every_rule_that_reads_the_egfr_judges_the_lower_estimate(kb, today, rule):
    """The lower estimate is the safe side for each reader (each is more careful below its limit): R05 no longer
    offers methotrexate first below 30, R11 words the interaction more strongly below 60, and R27 names the eGFR
    below 60 instead of asking for one it cannot read. With sex unknown they read 'no eGFR' before."""
    build, says = READERS[rule]
    chart, hook = build(today)
    chart.sex = "unknown"
    chart.lab(CREATININE, 2.1, "mg/dL", day=-10)
    result = run(kb, chart.request(hook), today)
    card = fired(result)[rule]
    assert says(card), card
    assert "estimated as if female, the lower of the two" in card["detail"]


@pytest.mark.parametrize(("comparator", "value", "below_30"), [
    (None, 29.9, True), (None, 30, False), ("<", 15, True), ("<", 30, True), ("<=", 29, True), ("<=", 30, None),
    ("<", 45, None), (">", 60, False), (">", 30, False), (">=", 30, False), (">", 20, None), (">=", 29, None),
    (">", 29, False), (">", 29.5, None), (">=", 29.5, None)])
def test_an_egfr_bound_is_below_a_limit_only_when_every_value_it_allows_is(comparator, value, below_30):
    """'<15' is below 30 and '>60' is not; '<45' may be 20 or 44, so whether it is below 30 is not known (None).
    An eGFR is reported in whole numbers, so '>29' is 30 or more: not below 30 (it was 'not known', and '>59' made
    R11 and R27 warn about an eGFR that may be below 60); '>29.5' still allows 29.7."""
    assert renal.Egfr(value, date(2026, 11, 1), "reported", comparator).below(30) is below_30


@pytest.mark.parametrize(("written", "shown", "below_30"), [
    ({"value": 45, "comparator": "<"}, "<45", None),
    ({"value": 15, "comparator": "<"}, "<15", True),
    ({"value": 60, "comparator": ">"}, ">60", False),
    ({"value_string": "<15"}, "<15", True),
    ({"value_string": "<=15"}, "<=15", True),
    ({"value_string": ">60"}, ">60", False),
    ({"value_string": "> 90 mL/min/1.73m2"}, ">90", False),
    ({"value_string": " <45 "}, "<45", None),
    ({"value_string": "≤15"}, "<=15", True),
    ({"value_string": "=< 15"}, "<=15", True),
    ({"value_string": "≥90"}, ">=90", False),
    ({"value_string": "<15,0"}, "<15", True),
    ({"value_string": "<15,5 mL/min/1.73m2"}, "<15.5", True),
    ({"value": 15, "comparator": "<", "unit": None}, "<15", True),
    ({"value": 12, "unit": None}, "12", True),
])
def test_an_egfr_reported_as_a_bound_is_read_as_one(kb, today, written, shown, below_30):
    """The comparator of a valueQuantity was ignored ('<45' read as 45, 'not below 30') and an eGFR written as text
    ('<15', '>60', '> 90 mL/min/1.73m2') was not read at all: the rules fell back to an older value or to an estimate
    from a creatinine. Both are now read as the bound they are, and so are '≤15', '=<15' and a decimal comma. A
    valueQuantity with no unit is in the eGFR's one unit, as a bare text bound is."""
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 0.9, "mg/dL", day=-30)
    if "value" in written:
        chart.observation(EGFR, -3, **{"unit": "mL/min/{1.73_m2}", **written})
    else:
        chart.observation(EGFR, -3, **written)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.how == "reported"
    assert str(egfr) == f"{shown} on {chart.at(-3)}" and egfr.below(30) is below_30


@pytest.mark.parametrize(("written", "shown", "below_30"), [
    ("<15 (critical)", "<15", True), ("< 15 critical", "<15", True), ("<15*", "<15", True), ("<15 (L)", "<15", True),
    ("<= 15 mL/min/1.73m2 LL", "<=15", True), ("<15,0 H", "<15", True), ("<45 LL", "<45", None)])
def test_an_upper_bound_is_read_past_the_labs_flag_and_quoted_whole(kb, today, written, shown, below_30):
    """'<15 (critical)' was read as a result that cannot be read ('not known'): the flag was taken for its unit.
    Whatever a flag after an upper bound marks, the eGFR is below the bound, so it is read as the bound (yes or not
    known, never 'not below'), and the card quotes the lab's text beside it."""
    chart = Chart(today, age=60, sex="male").observation(EGFR, -3, value_string=written)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.below(30) is below_30
    assert str(egfr) == f"{shown} on {chart.at(-3)} (the lab's text: '{written}')"
    assert egfr.named == f"the lab's '{written}'"


def test_a_text_that_is_no_bound_is_still_not_read(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 0.9, "mg/dL", day=-30)
    chart.observation(EGFR, -3, value_string="see comment")
    assert renal.latest_egfr(*record_and_context(kb, chart)).how.startswith("estimated from creatinine")


UNREADABLE = [  # an eGFR result with a number that cannot be read as one, and how it is quoted
    ({"value_string": "<15 see note"}, "'<15 see note'"), ({"value_string": ">60 (see note)"}, "'>60 (see note)'"),
    ({"value_string": ">60 H"}, "'>60 H'"), ({"value_string": "<15 mmol/L"}, "'<15 mmol/L'"),
    ({"value_string": "<15 mmol/L (critical)"}, "'<15 mmol/L (critical)'"), ({"value_string": "<15L"}, "'<15L'"),
    ({"value_string": "12"}, "'12'"), ({"value_string": "<1,500"}, "'<1,500'"),
    ({"value": 15, "unit": "mmol/L", "comparator": "<"}, "<15 mmol/L"),
    ({"value": 0.25, "unit": "mL/h", "comparator": "<"}, "<0.25 mL/h"),
]


@pytest.mark.parametrize(("written", "quoted"), UNREADABLE)
def test_a_newest_egfr_that_cannot_be_read_makes_the_answer_not_known(kb, today, written, quoted):
    """eGFR 85 a week ago, then a result two days ago that cannot be read: it was skipped and the 85 answered 'not
    below 30'. The older value no longer stands in: not known, the result named. An older one is passed over."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 85, "mL/min/{1.73_m2}", day=-7)
    chart.observation(EGFR, -2, **written)
    answer = renal.below_limit(*record_and_context(kb, chart), 30)
    assert answer.below is None and answer.may_be_below
    assert str(answer) == f"eGFR on {chart.at(-2)} could not be read: {quoted}; whether it is below 30 is not known"
    chart = Chart(today, age=60, sex="male").observation(EGFR, -7, **written)
    assert renal.below_limit(*record_and_context(kb, chart.lab(EGFR, 85, "mL/min/{1.73_m2}", day=-2)), 30).below \
        is False


@pytest.mark.parametrize(("written", "below_30"), [
    ({"value": 0.25, "unit": "mL/s/{1.73_m2}", "comparator": "<"}, True), ({"value": 1.5, "unit": "mL/s"}, False),
    ({"value_string": "<0.25 mL/s/1.73m2"}, True)])
def test_an_egfr_per_second_is_read_in_ml_per_minute(kb, today, written, below_30):
    """Nordic labs report the eGFR in mL/s/1.73 m2 (1 mL/s = 60 mL/min): it was 'not known', now read."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 85, "mL/min/{1.73_m2}", day=-7)
    assert renal.below_limit(*record_and_context(kb, chart.observation(EGFR, -2, **written)), 30).below is below_30


def test_a_text_with_no_number_is_no_reading(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 0.9, "mg/dL", day=-30)
    chart.observation(EGFR, -3, value_string="see comment")
    record, context = record_and_context(kb, chart)
    assert renal.latest_egfr(record, context).how.startswith("estimated from creatinine")
    assert renal.below_limit(record, context, 30).decided.reading.day.isoformat() == chart.at(-30)


SAME_DAY = {  # the lab's eGFR and a creatinine (60-year-old man) on one day: the answer for 30, what is named
    "lab-over-60-creatinine-3.0": ((">60", 3.0), True, "eGFR 23 on {day} (estimated from creatinine 3 mg/dL, "
                                   "CKD-EPI 2021) is below 30 (not changed by the lab's >60 the same day: the safer "
                                   "reading counts)"),
    "lab-85-creatinine-3.0": (("85", 3.0), True, "eGFR 23 on {day} (estimated from creatinine 3 mg/dL, CKD-EPI 2021) "
                              "is below 30 (not changed by the lab's 85 the same day: the safer reading counts)"),
    "lab-under-45-creatinine-3.0": (("<45", 3.0), True, "eGFR 23 on {day} (estimated from creatinine 3 mg/dL, "
                                    "CKD-EPI 2021) is below 30 (not changed by the lab's <45 the same day: the safer "
                                    "reading counts)"),
    "lab-under-45-creatinine-0.9": (("<45", 0.9), None, "eGFR reported as <45 on {day}: whether it is below 30 is not "
                                    "known (not changed by 98 (estimated from creatinine 0.9 mg/dL, CKD-EPI 2021) the "
                                    "same day: the safer reading counts)"),
    "lab-unreadable-creatinine-0.9": (("<15 see note", 0.9), None, "eGFR on {day} could not be read: "
                                      "'<15 see note'; whether it is below 30 is not known (not changed by 98 "
                                      "(estimated from creatinine 0.9 mg/dL, CKD-EPI 2021) the same day: the safer "
                                      "reading counts)"),
    "lab-20-creatinine-0.9": (("20", 0.9), True, "eGFR 20 on {day} is below 30 (not changed by 98 (estimated from "
                              "creatinine 0.9 mg/dL, CKD-EPI 2021) the same day: the safer reading counts)"),
    "lab-85-creatinine-0.9": (("85", 0.9), False, "eGFR 85 on {day} is not below 30"),
}


@pytest.mark.parametrize("lab_first", [True, False])
@pytest.mark.parametrize("case", SAME_DAY)
def test_on_one_day_every_reading_is_asked_and_the_more_careful_answer_counts(kb, today, case, lab_first):
    """On one day the lab's own eGFR won over the estimate from that day's creatinine, so a lab's '>60' or 85 hid a
    creatinine of 3.0 mg/dL (an eGFR of 23). Every reading of the day is now asked: any below the limit makes it
    below, else any not known makes it not known, whatever the order of entry; the card names the reading that
    decided and the one that said otherwise."""
    (lab, creatinine), below, says = SAME_DAY[case]
    chart = Chart(today, age=60, sex="male")
    entries = [lambda: chart.observation(EGFR, -5, **({"value": float(lab), "unit": "mL/min/{1.73_m2}"}
                                                      if lab.isdigit() else {"value_string": lab})),
               lambda: chart.lab(CREATININE, creatinine, "mg/dL", day=-5)]
    for add in entries if lab_first else reversed(entries):
        add()
    answer = renal.below_limit(*record_and_context(kb, chart), 30)
    assert answer.below is below and str(answer) == says.format(day=chart.at(-5))


def test_the_newest_day_that_settles_the_limit_decides_and_a_newer_one_that_does_not_clears_nothing(kb, today):
    """A newer day at or above the limit, or below it, decides; a newer '<45' leaves an older 22 below 30 (named, and
    the '<45' with it) and an older 80 not known; no eGFR at all is neither below nor 'may be below'."""
    def answer(*entries):
        chart = Chart(today, age=60, sex="male")
        for day, written in entries:
            chart.observation(EGFR, day, **({"value_string": written} if isinstance(written, str)
                                             else {"value": written, "unit": "mL/min/{1.73_m2}"}))
        return renal.below_limit(*record_and_context(kb, chart), 30), chart

    settled, chart = answer((-300, 22), (-5, "<45"))
    assert settled.below is True and settled.unsettled is not None
    assert str(settled) == (f"eGFR 22 on {chart.at(-300)} is below 30; the newer result does not clear it: eGFR "
                            f"reported as <45 on {chart.at(-5)}: whether it is below 30 is not known")
    assert answer((-300, 22), (-5, "<45"), (-1, 40))[0].below is False
    assert answer((-300, 80), (-5, "<45"))[0].below is None
    assert answer((-300, 80), (-5, "<45"), (-1, "<15"))[0].below is True
    nothing = answer()[0]
    assert nothing.decided is None and nothing.below is None and not nothing.may_be_below


def _unestimated(chart, kind, day=-2):
    """A creatinine that gives no eGFR on ``day``, and how a card names it."""
    if kind == "haemolysed":
        chart.observation(CREATININE, day, value_string="Specimen haemolysed - see comment")
        return "creatinine Specimen haemolysed - see comment: its value cannot be read in mg/dL or umol/L"
    if kind == "unit-not-read":
        chart.lab(CREATININE, 1.1, "mEq/L", day=day)
        return "creatinine 1.1 mEq/L: its value cannot be read in mg/dL or umol/L"
    if kind == "no-birth-date":
        chart.age = None
        chart.lab(CREATININE, 1.1, "mg/dL", day=day)
        return "creatinine 1.1 mg/dL: CKD-EPI 2021 needs the age, and there is no birth date on file"
    chart.age = 9  # a child with no current height
    chart.lab(CREATININE, 0.5, "mg/dL", day=day)
    return ("creatinine 0.5 mg/dL: bedside Schwartz needs a current height, and there is no current height on "
            "file")


def _left_open(kb, chart: Chart, older: int, older_day: int, named: str):
    """The older eGFR ``older`` (not below 30) is left open by the creatinine two days ago that gives no eGFR, named;
    uncounted (R10 asks for it apart), the older eGFR answers as before. Returns the record and context."""
    record, context = record_and_context(kb, chart)
    answer = renal.below_limit(record, context, 30)
    assert answer.below is None and answer.may_be_below
    assert str(answer) == (f"eGFR {older} on {chart.at(older_day)} is not below 30; the newer result leaves it open: "
                           f"eGFR on {chart.at(-2)} could not be estimated from {named}; whether it is below 30 is not "
                           "known")
    assert renal.below_limit(record, context, 30, count_unestimated_creatinine=False).below is False
    return record, context


@pytest.mark.parametrize("kind", ["haemolysed", "unit-not-read", "no-birth-date", "child-no-height"])
def test_a_newer_creatinine_that_gives_no_egfr_leaves_an_older_egfr_not_known_when_counted(kb, today, kind):
    """eGFR 85 three weeks ago, then a creatinine two days ago that gives no eGFR (haemolysed, a unit not read, no
    birth date, a child with no current height): below_limit skipped it and the 85 answered 'not below 30', though
    the kidneys may have changed since. Counted (by default: R05, R11, R27), it makes the answer not known and is
    named; uncounted (R10 asks for it apart), the answer is as it was."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 85, "mL/min/{1.73_m2}", day=-20)
    named = _unestimated(chart, kind)
    record, context = _left_open(kb, chart, 85, -20, named)
    assert renal.unestimated_creatinine(record, context).creatinine.when.isoformat() == chart.at(-2)


def test_a_creatinine_that_gives_no_egfr_clears_no_older_low_egfr_and_alone_is_not_known(kb, today):
    """It settles nothing: an older eGFR 22 stays below 30 (the creatinine named with it), and with no eGFR on file
    at all it is not 'no result' (methotrexate offered as if nothing were known) but a result whose answer is not
    known."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 22, "mL/min/{1.73_m2}", day=-20)
    named = _unestimated(chart, "unit-not-read")
    answer = renal.below_limit(*record_and_context(kb, chart), 30)
    assert answer.below is True
    assert str(answer) == (f"eGFR 22 on {chart.at(-20)} is below 30; the newer result does not clear it: eGFR on "
                           f"{chart.at(-2)} could not be estimated from {named}; whether it is below 30 is not known")
    chart = Chart(today, age=60, sex="male")
    named = _unestimated(chart, "unit-not-read")
    alone = renal.below_limit(*record_and_context(kb, chart), 30)
    assert alone.decided is None and alone.below is None and alone.may_be_below and alone.on_file
    assert str(alone) == (f"eGFR on {chart.at(-2)} could not be estimated from {named}; whether it is below 30 is "
                          "not known")


STANDS_FOR = {  # an eGFR reading that stands for a creatinine (haemolysed, on D-2) that gives none: it is not counted
    "lab-egfr-as-text-same-day": lambda chart: chart.observation(EGFR, -2, value_string=">60"),
    "lab-egfr-later": lambda chart: chart.lab(EGFR, 85, "mL/min/{1.73_m2}", day=-1),
    "estimate-from-a-creatinine-the-same-day": lambda chart: chart.lab(CREATININE, 0.9, "mg/dL", day=-2),
}


@pytest.mark.parametrize("stands_for", STANDS_FOR)
def test_a_creatinine_an_egfr_stands_for_is_not_counted(kb, today, stands_for):
    """An eGFR reading of the lab on or after its day (a value, or a bound written as text), or an estimate from
    another creatinine of its day, is the reading of that day: the creatinine that gives none is no gap."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 85, "mL/min/{1.73_m2}", day=-20)
    _unestimated(chart, "haemolysed")
    STANDS_FOR[stands_for](chart)
    record, context = record_and_context(kb, chart)
    assert renal.unestimated_creatinine(record, context) is None
    assert renal.below_limit(record, context, 30).below is False


def test_a_creatinine_older_than_the_newest_egfr_or_before_the_window_is_not_counted(kb, today):
    """A newer eGFR at or above the limit settles it; a creatinine before the rule's window (R11: 90 days) is as old
    as an eGFR the rule does not read."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 85, "mL/min/{1.73_m2}", day=-2)
    _unestimated(chart, "unit-not-read", day=-20)
    assert renal.below_limit(*record_and_context(kb, chart), 30).below is False
    chart = Chart(today, age=60, sex="male")
    _unestimated(chart, "unit-not-read", day=-20)
    record, context = record_and_context(kb, chart)
    window = renal.below_limit(record, context, 60, today - timedelta(days=10))
    assert not window.on_file and not window.may_be_below


UNSETTLED = {  # each rule that reads the eGFR: its chart, a bound that does not settle its limit, what its card says
    "imnm-add-steroid-sparing-by-month-1": (
        _r05, 45, lambda card, day: f"eGFR reported as <45 on {day}: whether it is below 30 is not known, so "
                                    "methotrexate is not offered until renal function is rechecked" in card["detail"]
        and not any(s["label"].startswith("Methotrexate") for s in card["suggestions"])),
    "mtx-tmp-smx-interaction": (
        _r11, 75, lambda card, day: f"Higher risk here (eGFR reported as <75 on {day}: whether it is below 60 is not "
                                    "known)" in card["detail"]),
    "ivig-order-safety": (
        _r27, 75, lambda card, day: card["summary"].endswith("(eGFR < 60 not ruled out)")
        and f"eGFR reported as <75 on {day}: whether it is below 60" in card["detail"]
        and "is not known; check renal function before IVIG" in card["detail"]),
}


@pytest.mark.parametrize("form", ["comparator", "text"])
@pytest.mark.parametrize("rule", UNSETTLED)
def test_every_rule_that_reads_the_egfr_takes_a_bound_that_does_not_settle_its_limit_as_not_fine(kb, today, rule,
                                                                                                  form):
    """An eGFR reported as '<45' (R05: methotrexate below 30) or '<75' (R11, R27: below 60) may be below the limit.
    Read as 45 or 75 (the comparator ignored), or not read at all (a text), it was taken as 'not below': R05
    offered methotrexate first, R11 did not name the renal risk, R27 was quiet. Each now says it is not known and
    takes the careful side: R05 offers mycophenolate first and no methotrexate, R11 names it as a higher risk, R27
    lists it as a problem to check before IVIG."""
    build, bound, says = UNSETTLED[rule]
    chart, hook = build(today)
    if form == "comparator":
        chart.observation(EGFR, -10, value=bound, unit="mL/min/{1.73_m2}", comparator="<")
    else:
        chart.observation(EGFR, -10, value_string=f"<{bound}")
    card = fired(run(kb, chart.request(hook), today))[rule]
    assert says(card, chart.at(-10)), card


def _no_methotrexate(card):
    return not any(s["label"].startswith("Methotrexate") for s in card["suggestions"])


SAME_DAY_LOW = {  # each reader: what its card says when a day's estimate is below its limit and the lab's '>60' not
    "imnm-add-steroid-sparing-by-month-1": lambda card, named: _no_methotrexate(card) and (
        f"{named} is below 30 (not changed by the lab's >60 the same day: the safer reading counts): "
        "methotrexate is not advised" in card["detail"]),
    "mtx-tmp-smx-interaction": lambda card, named: (f"Higher risk here ({named} is below 60 (not changed by the lab's "
                                                    ">60 the same day" in card["detail"]),
    "ivig-order-safety": lambda card, named: card["summary"].endswith("(eGFR < 60)") and (
        f"{named} is below 60 (not changed by the lab's >60 the same day" in card["detail"]),
}


@pytest.mark.parametrize("rule", SAME_DAY_LOW)
def test_every_reader_takes_the_more_careful_reading_of_a_day(kb, today, rule):
    """A creatinine of 3.0 mg/dL (an eGFR of 17 at 62, as a woman) and the lab's '>60' on the same day: the lab's own
    won, so R05 offered methotrexate first, R11 named no renal risk and R27 was quiet. The estimate now counts, and
    the card says the lab's '>60' did not change it."""
    chart, hook = READERS[rule][0](today)
    chart.lab(CREATININE, 3.0, "mg/dL", day=-3).observation(EGFR, -3, value_string=">60")
    card = fired(run(kb, chart.request(hook), today)).get(rule)
    named = f"eGFR 17 on {chart.at(-3)} (estimated from creatinine 3 mg/dL, CKD-EPI 2021)"
    assert round(renal.ckd_epi_2021(3.0, 62, female=True)) == 17
    assert card is not None and SAME_DAY_LOW[rule](card, named), card


def _r05_holds_back(until):
    """R05's card when the eGFR may be below 30: no methotrexate, and until what (``said``: renal's sentence)."""
    return lambda card, said: _no_methotrexate(card) and (
        f"{said}, so methotrexate is not offered until {until}; mycophenolate is offered first." in card["detail"])


UNREAD_SAYS = {  # each reader: what its card says when the newest eGFR cannot be read (``said``: renal's sentence)
    "imnm-add-steroid-sparing-by-month-1": _r05_holds_back("renal function is rechecked"),
    "mtx-tmp-smx-interaction": lambda card, said: f"Higher risk here ({said})" in card["detail"],
    "ivig-order-safety": lambda card, said: card["summary"].endswith("(eGFR < 60 not ruled out)") and (
        f"{said}; check renal function before IVIG" in card["detail"]),
}


BELOW_SAYS = {  # each reader: what its card says when the newest eGFR is below its limit (``said``: renal's sentence)
    "imnm-add-steroid-sparing-by-month-1": lambda card, said: _no_methotrexate(card) and (
        f"{said}: methotrexate is not advised; mycophenolate is offered first." in card["detail"]),
    "mtx-tmp-smx-interaction": lambda card, said: f"Higher risk here ({said}" in card["detail"],
    "ivig-order-safety": lambda card, said: card["summary"].endswith("(eGFR < 60)") and said in card["detail"],
}


@pytest.mark.parametrize(("rule", "written", "says", "sentence"), [
    *((rule, "<15 see note", UNREAD_SAYS, "eGFR on {day} could not be read: '<15 see note'; whether it is below "
       "{limit} is not known") for rule in UNREAD_SAYS),
    *((rule, "<15 (critical)", BELOW_SAYS, "eGFR <15 on {day} (the lab's text: '<15 (critical)') is below {limit}")
      for rule in BELOW_SAYS),
])
def test_every_reader_takes_the_newest_egfr_as_the_lab_wrote_it(kb, today, rule, written, says, sentence):
    """eGFR 80 ten days ago, then a text result two days ago. '<15 see note' cannot be read: the older 80 was used,
    so R05 offered methotrexate first, R11 named no renal risk and R27 was quiet; whether the eGFR is below the limit
    is now not known, and the card names the result. '<15 (critical)' was read as one that cannot be read: it is below
    15, so below each reader's limit, quoted as the lab wrote it."""
    chart, hook = READERS[rule][0](today)
    chart.lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10).observation(EGFR, -2, value_string=written)
    card = fired(run(kb, chart.request(hook), today)).get(rule)
    limit = 30 if rule == "imnm-add-steroid-sparing-by-month-1" else 60
    assert card is not None and says[rule](card, sentence.format(day=chart.at(-2), limit=limit)), card


@pytest.mark.parametrize("rule", ["mtx-tmp-smx-interaction", "ivig-order-safety"])
def test_a_whole_number_bound_just_under_the_limit_is_not_below_it(kb, today, rule):
    """'>59' (a lab reporting whole numbers: 60 or more) read as 'may be below 60': R11 named a renal risk and R27
    warned that an eGFR below 60 was not ruled out. Neither does now."""
    chart, hook = READERS[rule][0](today)
    card = fired(run(kb, chart.observation(EGFR, -3, value_string=">59").request(hook), today)).get(rule)
    assert card is None or ("eGFR" not in card["summary"] and "Higher risk here" not in card["detail"]), card


# R05 names what a creatinine that cannot be read needs
_REPEAT_THE_CREATININE = {"imnm-add-steroid-sparing-by-month-1": _r05_holds_back(
    "the eGFR is known: repeat the creatinine (or get the lab's eGFR)")}


def _reader_says_left_open(kb, today, rule: str, chart: Chart, hook: str, named: str) -> None:
    """The rule's card says the eGFR 80 of ten days ago is left open by the creatinine two days ago, ``named``."""
    card = fired(run(kb, chart.request(hook), today)).get(rule)
    limit = 30 if rule == "imnm-add-steroid-sparing-by-month-1" else 60
    said = (f"eGFR 80 on {chart.at(-10)} is not below {limit}; the newer result leaves it open: eGFR on "
            f"{chart.at(-2)} could not be estimated from {named}; whether it is below {limit} is not known")
    says = _REPEAT_THE_CREATININE.get(rule, UNREAD_SAYS[rule])
    assert card is not None and says(card, said), card


@pytest.mark.parametrize("kind", ["haemolysed", "unit-not-read"])
@pytest.mark.parametrize("rule", UNREAD_SAYS)
def test_every_reader_takes_a_newer_creatinine_that_gives_no_egfr_as_not_known(kb, today, rule, kind):
    """eGFR 80 ten days ago, then a creatinine two days ago that gives no eGFR: R05 offered methotrexate first, R11
    named no renal risk and R27 was quiet about the kidneys, reading them as fine on the 80. Whether the eGFR is below
    the limit is now not known, as for an eGFR that cannot be read, and the card names the creatinine and why it
    gives none."""
    chart, hook = READERS[rule][0](today)
    named = _unestimated(chart.lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10), kind)
    _reader_says_left_open(kb, today, rule, chart, hook, named)


NO_NUMBER = {  # a lab's eGFR result that holds no number: a text, or a flag alone
    "specimen-haemolysed": {"value_string": "Specimen haemolysed"},
    "see-comment": {"value_string": "see comment"},
    "flag-only": {"interpretation": "L"},
}


@pytest.mark.parametrize("day", [-2, -1])
@pytest.mark.parametrize("written", NO_NUMBER)
def test_a_lab_egfr_with_no_number_does_not_stand_for_a_creatinine_that_gives_none(kb, today, written, day):
    """A haemolysed creatinine two days ago, and the lab's eGFR of that sample (or a later one) written 'Specimen
    haemolysed', 'see comment' or only flagged 'L': that eGFR 'stood for' the creatinine, so the eGFR 80 of ten days
    ago answered 'not below 30' though the newer sample gave no reading at all. Only an eGFR reading stands for it
    now: the answer is not known, and the creatinine is named. Uncounted (R10), the answer is as it was."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10)
    named = _unestimated(chart, "haemolysed")
    chart.observation(EGFR, day, **NO_NUMBER[written])
    _left_open(kb, chart, 80, -10, named)


@pytest.mark.parametrize("rule", UNREAD_SAYS)
def test_every_reader_takes_a_haemolysed_sample_with_no_egfr_number_as_not_known(kb, today, rule):
    """The lab flags the whole sample: creatinine and eGFR both 'Specimen haemolysed'. R05 offered methotrexate first,
    R11 named no renal risk and R27 was quiet, all on the eGFR of 80 from before it."""
    chart, hook = READERS[rule][0](today)
    named = _unestimated(chart.lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10), "haemolysed")
    chart.observation(EGFR, -2, value_string="Specimen haemolysed")
    _reader_says_left_open(kb, today, rule, chart, hook, named)


def _pending(chart, day, status="registered", **written):
    """A creatinine on ``day`` not yet reported: 'Pending' (or ``written``) with a pending status."""
    chart.observation(CREATININE, day, **(written or {"value_string": "Pending"}))
    chart.resources["observations"][-1]["status"] = status
    return chart


@pytest.mark.parametrize(("status", "written"), [
    ("registered", {"value_string": "Pending"}), ("preliminary", {"value_string": "Pending"}),
    ("registered", {"interpretation": "H"})])
def test_a_creatinine_not_yet_reported_is_passed_over(kb, today, status, written):
    """eGFR 80 ten days ago, then yesterday's creatinine still pending: it was read as a creatinine whose 'value
    cannot be read', and the 80 as not known. It is no result yet: the 80 answers, and an older creatinine that gives
    no eGFR is still the one counted."""
    chart = _pending(Chart(today, age=60, sex="male").lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10), -1, status,
                     **written)
    record, context = record_and_context(kb, chart)
    assert renal.unestimated_creatinine(record, context) is None
    assert renal.below_limit(record, context, 30).below is False
    pending = record.observations_in("creatinine")[-1]
    assert pending.not_yet_reported and renal.estimate(record, context, pending).why == "it is not yet reported"
    chart = Chart(today, age=60, sex="male").lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10)
    _unestimated(chart, "unit-not-read", day=-3)
    counted = renal.unestimated_creatinine(*record_and_context(kb, _pending(chart, -1, status, **written)))
    assert counted is not None and counted.creatinine.when.isoformat() == chart.at(-3)


@pytest.mark.parametrize(("status", "written", "pending"), [
    ("preliminary", {"value": 1.1, "unit": "mEq/L"}, False), ("preliminary", {"value_string": "1.2 (repeat)"}, False),
    ("final", {"value_string": "Pending"}, False), ("registered", {"value_string": "Pending"}, True)])
def test_only_a_pending_result_with_no_number_is_not_yet_reported(kb, today, status, written, pending):
    """A preliminary result with a number in it is reported, if not finally, and a final one is final whatever it
    says: each is read as any creatinine (one that cannot be read is counted)."""
    record, _ = record_and_context(kb, _pending(Chart(today, age=60, sex="male"), -1, status, **written))
    assert record.observations_in("creatinine")[-1].not_yet_reported is pending


def test_a_creatinine_shown_by_its_flag_alone_is_named_by_it(kb, today):
    """A creatinine reported only as flagged 'H' was named "creatinine ''": it is named as R10 shows a result."""
    chart = Chart(today, age=60, sex="male").lab(EGFR, 80, "mL/min/{1.73_m2}", day=-10)
    chart.observation(CREATININE, -2, interpretation="H")
    assert renal.unestimated_creatinine(*record_and_context(kb, chart)).says(30) == (
        f"eGFR on {chart.at(-2)} could not be estimated from creatinine H: its value cannot be read in mg/dL or "
        "umol/L; whether it is below 30 is not known")


def test_a_creatinine_that_gives_no_egfr_is_judged_on_the_results_from_its_day_only(kb, today, monkeypatch):
    """A child with no current height and two years of creatinines (none gives an eGFR), the newest haemolysed:
    whether an eGFR stands for it was asked of every creatinine since ``since`` (each estimated again), though only
    those from its day can. Now only the results from its day are read."""
    chart = Chart(today, age=9, sex="female")
    for day in range(-730, -1, 7):
        chart.lab(CREATININE, 0.5, "mg/dL", day=day)
    _unestimated(chart, "haemolysed", day=-1)
    record, context = record_and_context(kb, chart)
    estimated = []
    monkeypatch.setattr(renal, "estimate", lambda *args, real=renal.estimate: estimated.append(1) or real(*args))
    found = renal.unestimated_creatinine(record, context)
    assert found is not None and found.creatinine.when.isoformat() == chart.at(-1)
    assert len(estimated) == 2  # the haemolysed creatinine: in egfr_days of its day, then for why it gives none
