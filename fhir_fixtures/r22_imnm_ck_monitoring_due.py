"""Fixtures for R22 imnm-ck-monitoring-due: the 30-day and 90-day CK intervals and their edges."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, PREDNISONE_5, PREDNISONE_20, Chart

RULE = "imnm-ck-monitoring-due"


def early_chart(today: date, ck_day: int | None) -> Chart:
    """Anti-SRP IMNM; prednisone 60 mg from D-100 (T_tx) with methotrexate; one CK on ``ck_day``."""
    chart = Chart(today, age=49, sex="male")
    chart.condition(IMNM_SNOMED, onset=-110)
    chart.antibody("anti_srp", "positive", day=-105)
    chart.weight(80, day=-5)
    chart.ck(9000, day=-101)
    if ck_day is not None:
        chart.ck(700, day=ck_day)
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-90, period=1, period_unit="wk")
    return chart


def stable_chart(today: date, ck_day: int, tapering: bool = False) -> Chart:
    """Seronegative IMNM two years in: T_tx D-700; prednisone 5 mg unchanged since D-300 (or lowered from 7.5 mg on
    D-60). Seronegative, so no escalation row (R15, R16) asks for a CK sooner than R22's own interval."""
    chart = Chart(today, age=63, sex="female")
    chart.condition(IMNM_SNOMED, onset=-720)
    chart.antibody("anti_hmgcr", "negative", day=-715).antibody("anti_srp", "negative", day=-715)
    chart.ck(6000, day=-705).ck(150, day=ck_day)
    chart.medication(PREDNISONE_20, 60, "mg", start=-700, end=-400, status="completed")
    if tapering:
        chart.medication(PREDNISONE_5, 7.5, "mg", start=-399, end=-61, status="completed")
        chart.medication(PREDNISONE_5, 5, "mg", start=-60)
    else:
        chart.medication(PREDNISONE_5, 5, "mg", start=-399)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-690, period=1, period_unit="wk")
    return chart


@fixture("r22-fires-early-phase-ck-31-days", hook="patient-view",
         story="100 days after T_tx, last CK 31 days ago: a CK is due (30-day interval).",
         fires={RULE}, indicators={RULE: "info"})
def early_due(today: date) -> dict[str, Any]:
    return early_chart(today, -31).request("patient-view")


@fixture("r22-quiet-early-phase-ck-30-days", hook="patient-view",
         story="100 days after T_tx, last CK exactly 30 days ago: not yet due.", quiet={RULE})
def early_not_due(today: date) -> dict[str, Any]:
    return early_chart(today, -30).request("patient-view")


@fixture("r22-fires-stable-ck-91-days", hook="patient-view",
         story="Two years in, stable prednisone 5 mg and methotrexate; last CK 91 days ago: due (90-day interval).",
         fires={RULE})
def stable_due(today: date) -> dict[str, Any]:
    return stable_chart(today, -91).request("patient-view")


@fixture("r22-quiet-stable-ck-90-days", hook="patient-view",
         story="Two years in, stable treatment; last CK 90 days ago: not yet due.", quiet={RULE})
def stable_not_due(today: date) -> dict[str, Any]:
    return stable_chart(today, -90).request("patient-view")


@fixture("r22-fires-taper-ck-45-days", hook="patient-view",
         story="Two years in but prednisone lowered 7.5 -> 5 mg 60 days ago; last CK 45 days ago: due.",
         fires={RULE})
def taper_due(today: date) -> dict[str, Any]:
    return stable_chart(today, -45, tapering=True).request("patient-view")


@fixture("r22-quiet-off-treatment", hook="patient-view",
         story="IMNM in remission off all treatment (stopped a year ago), CK 200 days ago: no monitoring card.",
         quiet={RULE})
def off_treatment(today: date) -> dict[str, Any]:
    chart = Chart(today, age=70)
    chart.condition(IMNM_SNOMED, onset=-1000)
    chart.ck(120, day=-200)
    chart.medication(PREDNISONE_5, 5, "mg", start=-700, end=-365, status="completed")
    return chart.request("patient-view")


def unweighed_chart(today: date, weight_kg: float | None = None) -> Chart:
    """Anti-HMGCR IMNM (onset D-60) on prednisone 25 mg/day from D-55, last CK D-45; a body weight only if given.
    25 mg/day is T_tx (0.5 mg/kg/day) for a patient of 50 kg or less, so with no weight T_tx is unknown."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-60)
    chart.antibody("anti_hmgcr", "positive", day=-58).antibody("anti_srp", "negative", day=-58)
    chart.ck(5000, day=-58).ck(900, day=-45)
    if weight_kg is not None:
        chart.weight(weight_kg, day=-50)
    return chart.medication(PREDNISONE_20, 25, "mg", start=-55)


@fixture("r22-fires-ttx-unknown-no-weight-ck-45-days", hook="patient-view",
         story="Prednisone 25 mg/day for 55 days and no body weight on file: T_tx is unknown (T_tx below 50 kg), "
               "so the early 30-day interval applies and a CK 45 days old is due.",
         fires={RULE}, indicators={RULE: "info"})
def ttx_unknown_due(today: date) -> dict[str, Any]:
    return unweighed_chart(today).request("patient-view")


def unweighed_long_course(today: date, course_start: int) -> Chart:
    """Seronegative IMNM on prednisone 20 mg/day from ``course_start`` plus weekly methotrexate, never weighed, last CK
    D-45. 20 mg/day is T_tx (0.5 mg/kg/day) for a patient of 40 kg or less, so T_tx is unknown, but no later than
    the course's first day."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=course_start - 100)
    chart.antibody("anti_hmgcr", "negative", day=course_start - 90).antibody("anti_srp", "negative",
                                                                           day=course_start - 90)
    chart.ck(4000, day=course_start - 50).ck(150, day=-45)
    chart.medication(PREDNISONE_20, 20, "mg", start=course_start)
    return chart.medication(METHOTREXATE_2_5, 15, "mg", start=course_start + 20, period=1, period_unit="wk")


@fixture("r22-quiet-ttx-unknown-course-began-800-days-ago", hook="patient-view",
         story="Prednisone 20 mg/day for 800 days plus methotrexate, no body weight on file: T_tx is unknown (T_tx "
               "at 40 kg or less) but no later than 800 days ago, past the early phase, so a CK 45 days old is within "
               "the 90-day interval.",
         quiet={RULE})
def ttx_unknown_long_past(today: date) -> dict[str, Any]:
    return unweighed_long_course(today, -800).request("patient-view")
