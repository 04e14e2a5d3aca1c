"""Fixtures for R17 imnm-refractory-next-line: IVIG length and cycles (maintenance between cycles), rituximab
timing, next step by subtype; a CK that responded and rises while IVIG is spaced out (R21's relapse, not refractory)."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import NEVER_SETTLED, re_treated_flare_chart
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import RULE as RELAPSE

RULE = "imnm-refractory-next-line"


def refractory(today: date, hmgcr: str = "positive", srp: str = "negative", latest_ck: float = 2600,
               ck_day: int = -6) -> Chart:
    """IMNM treated since D-300 (prednisone then methotrexate) with a CK still high."""
    chart = Chart(today, age=55, sex="female")
    chart.condition(IMNM_SNOMED, onset=-330)
    chart.antibody("anti_hmgcr", hmgcr, day=-320).antibody("anti_srp", srp, day=-320)
    chart.ck(9500, day=-302).ck(latest_ck, day=ck_day)
    chart.weight(70, day=-10).height(163, day=-100)
    chart.medication(PREDNISONE_20, 60, "mg", start=-300, end=-241, status="completed")
    chart.medication(PREDNISONE_5, 15, "mg", start=-240)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-280, period=1, period_unit="wk", day_of_week=["wed"])
    return chart


def on_ivig(chart: Chart, start: int, every_weeks: int = 4) -> Chart:
    return chart.medication(IVIG_CVX, 2, "g/kg", start=start, period=every_weeks, period_unit="wk", route=ROUTE_IV)


def rituximab(chart: Chart, start: int) -> Chart:
    return chart.medication(RITUXIMAB, 1000, "mg", start=start, end=start + 14, status="completed", period=14,
                            route=ROUTE_IV)


@fixture("r17-fires-hmgcr-after-ivig", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM on 4-weekly IVIG since D-100 (4 cycles), CK still 2,600 U/L: add rituximab.",
         fires={RULE}, indicators={RULE: "info"})
def hmgcr_ivig(today: date) -> dict[str, Any]:
    return on_ivig(refractory(today), -100).request("patient-view")


@fixture("r17-fires-srp-after-rituximab", hook="patient-view",
         story="Anti-SRP IMNM, rituximab 1 g x 2 from D-150; CK still high: add IVIG.", fires={RULE})
def srp_rituximab(today: date) -> dict[str, Any]:
    return rituximab(refractory(today, hmgcr="negative", srp="positive"), -150).request("patient-view")


@fixture("r17-fires-rituximab-exactly-120-days", hook="patient-view",
         story="Rituximab first dose exactly 120 days ago (threshold >= 120 d).", fires={RULE})
def rituximab_edge(today: date) -> dict[str, Any]:
    return rituximab(refractory(today, hmgcr="negative", srp="positive"), -120).request("patient-view")


@fixture("r17-fires-both-tried", hook="patient-view",
         story="Seronegative IMNM after IVIG and rituximab: tacrolimus or cyclophosphamide next.", fires={RULE})
def both(today: date) -> dict[str, Any]:
    chart = on_ivig(refractory(today, hmgcr="negative"), -200)
    return rituximab(chart, -160).request("patient-view")


@fixture("r17-quiet-rituximab-119-days", hook="patient-view",
         story="Rituximab first dose 119 days ago: too early to judge.", quiet={RULE})
def rituximab_early(today: date) -> dict[str, Any]:
    return rituximab(refractory(today, hmgcr="negative", srp="positive"), -119).request("patient-view")


@fixture("r17-quiet-ivig-89-days", hook="patient-view",
         story="IVIG since D-89 (4 cycles, but under 90 days).", quiet={RULE})
def ivig_short(today: date) -> dict[str, Any]:
    return on_ivig(refractory(today), -89).request("patient-view")


@fixture("r17-quiet-ivig-stopped-long-ago", hook="patient-view",
         story="Four IVIG cycles ended 90 days ago: no longer on IVIG (R15's case, not refractory).", quiet={RULE})
def ivig_stopped(today: date) -> dict[str, Any]:
    chart = refractory(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-202, end=-90, status="completed", period=4, period_unit="wk",
                     route=ROUTE_IV)
    return chart.request("patient-view")


def earlier_ivig_course(chart: Chart) -> Chart:
    """Four 4-weekly IVIG cycles two and a half years ago (D-900 to D-816), stopped: an earlier course."""
    return chart.medication(IVIG_CVX, 2, "g/kg", start=-900, end=-816, status="completed", period=4,
                            period_unit="wk", route=ROUTE_IV)


@fixture("r17-quiet-ivig-earlier-course-not-counted", hook="patient-view",
         story="IVIG restarted on D-30 (2 cycles) after four cycles that ended 2 years ago: the current course is "
               "too short to call refractory.", quiet={RULE})
def ivig_restarted(today: date) -> dict[str, Any]:
    return on_ivig(earlier_ivig_course(refractory(today)), -30).request("patient-view")


@fixture("r17-fires-maintenance-ivig-every-10-weeks", hook="patient-view",
         story="Anti-HMGCR IMNM on IVIG spaced to every 10 weeks since D-290 (5 cycles), CK still 2,600 U/L: one "
               "course, IVIG tried.", fires={RULE})
def maintenance_ivig(today: date) -> dict[str, Any]:
    return on_ivig(refractory(today), -290, every_weeks=10).request("patient-view")


@fixture("r17-fires-maintenance-ivig-between-cycles", hook="patient-view",
         story="Anti-HMGCR IMNM on IVIG every 12 weeks, one order per cycle, the last 70 days ago (the next is due "
               "in 14 days); CK still 2,600 U/L: IVIG tried, add rituximab.", fires={RULE})
def maintenance_between_cycles(today: date) -> dict[str, Any]:
    return refractory(today).maintenance_ivig(-70).request("patient-view")


@fixture("r17-quiet-maintenance-ivig-overdue", hook="patient-view",
         story="IVIG every 12 weeks, the last cycle 92 days ago: 8 days overdue (more than the 7-day grace), so IVIG "
               "has stopped (R15's case).", quiet={RULE})
def maintenance_overdue(today: date) -> dict[str, Any]:
    return refractory(today).maintenance_ivig(-92).request("patient-view")


@fixture("r17-quiet-ck-responded", hook="patient-view",
         story="On IVIG for 100 days, CK down to 400 U/L.", quiet={RULE})
def responded(today: date) -> dict[str, Any]:
    return on_ivig(refractory(today, latest_ck=400), -100).request("patient-view")


@fixture("r17-fires-relapse-on-ivig-spacing-not-refractory", hook="patient-view",
         story="Seronegative IMNM: a flare on IVIG every 4 weeks came down to 250 U/L, then IVIG was spaced to 8 weeks "
               "and prednisone lowered; CK 650 U/L. The CK responded: R17 says possible relapse, not refractory, "
               "gives way to R21 and pre-selects no referral.", fires={RULE, RELAPSE})
def relapse_on_ivig_spacing(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 650).request("patient-view")


@fixture("r17-fires-re-treated-flare-never-settled", hook="patient-view",
         story="Seronegative IMNM: remission at 150 U/L; a flare to 5,200 re-treated with IVIG every 4 weeks came down "
               "only to 900 (never below 3 x ULN), then 1,500 once IVIG was spaced and prednisone lowered: refractory, "
               "not a relapse of a CK that had responded (1.7x this flare's nadir: no relapse card).",
         fires={RULE}, quiet={RELAPSE})
def re_treated_flare_never_settled(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 1500, NEVER_SETTLED).request("patient-view")
