"""Kidney function: the reported eGFR, or one estimated from creatinine (CKD-EPI 2021, bedside Schwartz), the lower
estimate when the sex is neither male nor female, what is missing when none can be estimated, and an eGFR reported as
a bound ('<15', '>60'): below a limit, not below it, or not known."""

from __future__ import annotations

from datetime import date

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


def test_the_reported_egfr_wins_on_the_same_day_and_the_newer_result_otherwise(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 1.2, "mg/dL", day=-1)
    chart.lab(EGFR, 55, "mL/min/{1.73_m2}", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).how == "reported"
    chart = Chart(today, age=60, sex="male").lab(EGFR, 90, "mL/min/{1.73_m2}", day=-20)
    chart.lab(CREATININE, 3.0, "mg/dL", day=-1)
    assert renal.latest_egfr(*record_and_context(kb, chart)).value < 30


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
    ("<", 45, None), (">", 60, False), (">", 30, False), (">=", 30, False), (">", 20, None), (">=", 29, None)])
def test_an_egfr_bound_is_below_a_limit_only_when_every_value_it_allows_is(comparator, value, below_30):
    """'<15' is below 30 and '>60' is not; '<45' may be 20 or 44, so whether it is below 30 is not known (None)."""
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
])
def test_an_egfr_reported_as_a_bound_is_read_as_one(kb, today, written, shown, below_30):
    """The comparator of a valueQuantity was ignored ('<45' read as 45, 'not below 30') and an eGFR written as text
    ('<15', '>60', '> 90 mL/min/1.73m2') was not read at all: the rules fell back to an older value or to an estimate
    from a creatinine. Both are now read as the bound they are."""
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 0.9, "mg/dL", day=-30)
    if "value" in written:
        chart.observation(EGFR, -3, unit="mL/min/{1.73_m2}", **written)
    else:
        chart.observation(EGFR, -3, **written)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr is not None and egfr.how == "reported"
    assert str(egfr) == f"{shown} on {chart.at(-3)}" and egfr.below(30) is below_30


def test_a_text_that_is_no_bound_is_still_not_read(kb, today):
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 0.9, "mg/dL", day=-30)
    chart.observation(EGFR, -3, value_string="see comment")
    assert renal.latest_egfr(*record_and_context(kb, chart)).how.startswith("estimated from creatinine")


def test_an_egfr_bound_keeps_the_precedence_of_the_labs_own_and_the_newer(kb, today):
    """On the creatinine's day the lab's own eGFR wins, bound or not; a newer creatinine's estimate wins over it."""
    chart = Chart(today, age=60, sex="male").lab(CREATININE, 3.0, "mg/dL", day=-5)
    chart.observation(EGFR, -5, value_string="<45")
    assert renal.latest_egfr(*record_and_context(kb, chart)).shown == "<45"
    chart.lab(CREATININE, 3.0, "mg/dL", day=-1)
    egfr = renal.latest_egfr(*record_and_context(kb, chart))
    assert egfr.comparator is None and egfr.below(30) is True and egfr.day.isoformat() == chart.at(-1)
    earlier = renal.latest_egfr(*record_and_context(kb, chart), before=egfr.day)
    assert earlier is not None and earlier.shown == "<45"


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
        and f"eGFR reported as <75 on {day}: whether it is below 60 mL/min/1.73m2 is not known; check renal "
            "function before IVIG" in card["detail"]),
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
