"""Fixtures for R16 srp-add-rituximab-inadequate-response: month-3 edge, 60-day combination, 12-month window; the HBV
screen pre-selected while rituximab waits for it; a CK rising on taper from a nadir that responded (R21's relapse)."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import RULE as RELAPSE

RULE = "srp-add-rituximab-inadequate-response"


def srp_on_two_agents(today: date, ttx: int = -120, mtx_start: int = -100, ck_day: int = -4,
                      latest_ck: float = 3200, hmgcr: str | None = "negative", peak_ck: float = 12000,
                      srp: str | None = "positive") -> Chart:
    """Anti-SRP IMNM: prednisone 60 mg from ``ttx`` tapered to 20 mg; weekly methotrexate from ``mtx_start``. An
    antibody given as None was never resulted."""
    chart = Chart(today, age=47, sex="female")
    chart.condition(IMNM_SNOMED, onset=ttx - 25)
    for group, status in (("anti_srp", srp), ("anti_hmgcr", hmgcr)):
        if status is not None:
            chart.antibody(group, status, day=ttx - 15)
    chart.ck(peak_ck, day=ttx - 2).ck(latest_ck, day=ck_day)
    chart.weight(64, day=-7).height(165, day=-90)
    chart.hbv_markers("NEG", "NEG", day=-40)
    chart.medication(PREDNISONE_20, 60, "mg", start=ttx, end=ttx + 41, status="completed")
    chart.medication(PREDNISONE_5, 20, "mg", start=ttx + 42)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=mtx_start, period=1, period_unit="wk", day_of_week=["sun"])
    return chart


@fixture("r16-fires-srp-ck-high-month-4", hook="patient-view", demo=True,
         story="Anti-SRP IMNM 120 days after prednisone start, methotrexate for 100 days, CK 3,200 U/L.",
         fires={RULE}, indicators={RULE: "warning"})
def fires(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today).request("patient-view")


@fixture("r16-fires-at-exactly-90-days", hook="patient-view",
         story="T_tx exactly 90 days ago and 60 days of methotrexate (both thresholds are >=).", fires={RULE})
def edge(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, ttx=-90, mtx_start=-59).request("patient-view")


@fixture("r16-fires-rituximab-over-a-year-ago", hook="patient-view",
         story="Rituximab 1 g x 2 given 380 days ago (outside the 12-month window).", fires={RULE})
def old_rituximab(today: date) -> dict[str, Any]:
    chart = srp_on_two_agents(today, ttx=-500, mtx_start=-450)
    chart.medication(RITUXIMAB, 1000, "mg", start=-394, end=-380, status="completed", period=14, route=ROUTE_IV)
    return chart.request("patient-view")


@fixture("r16-fires-anti-hmgcr-never-resulted", hook="patient-view",
         story="Anti-SRP positive, anti-HMGCR never resulted: SRP or DUAL, either way the rituximab row applies (the "
               "card asks for anti-HMGCR).", fires={RULE})
def hmgcr_not_resulted(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, hmgcr=None).request("patient-view")


@fixture("r16-quiet-anti-srp-never-resulted", hook="patient-view",
         story="Anti-HMGCR negative, anti-SRP never resulted: its result decides the row, so not evaluable (R03 "
               "asks for it).", quiet={RULE})
def srp_not_resulted(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, srp=None).request("patient-view")


@fixture("r16-quiet-89-days", hook="patient-view", story="T_tx 89 days ago: too early.", quiet={RULE})
def early(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, ttx=-89, mtx_start=-59).request("patient-view")


@fixture("r16-quiet-combination-59-days", hook="patient-view",
         story="Methotrexate for 59 days only.", quiet={RULE})
def short_combo(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, mtx_start=-58).request("patient-view")


@fixture("r16-quiet-rituximab-within-12-months", hook="patient-view",
         story="Rituximab 1 g x 2 finished 300 days ago: already given this year.", quiet={RULE})
def recent_rituximab(today: date) -> dict[str, Any]:
    chart = srp_on_two_agents(today, ttx=-400, mtx_start=-380)
    chart.medication(RITUXIMAB, 1000, "mg", start=-314, end=-300, status="completed", period=14, route=ROUTE_IV)
    return chart.request("patient-view")


@fixture("r16-quiet-ck-responded", hook="patient-view",
         story="CK fell from 12,000 to 500 U/L: adequate response.", quiet={RULE})
def responded(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, latest_ck=500).request("patient-view")


@fixture("r16-quiet-ck-stale", hook="patient-view",
         story="Latest CK 45 days old: not evaluable until a current CK is resulted.", quiet={RULE})
def stale(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today, ck_day=-45).request("patient-view")


@fixture("r16-quiet-hmgcr-only", hook="patient-view",
         story="Anti-HMGCR positive, anti-SRP negative: the IVIG row applies instead.", quiet={RULE})
def hmgcr(today: date) -> dict[str, Any]:
    chart = Chart(today, age=61)
    chart.condition(IMNM_SNOMED, onset=-150)
    chart.antibody("anti_hmgcr", "positive", day=-140).antibody("anti_srp", "negative", day=-140)
    chart.ck(9000, day=-122).ck(3000, day=-4)
    chart.medication(PREDNISONE_20, 60, "mg", start=-120)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk")
    return chart.request("patient-view")


@fixture("r16-fires-hbv-screen-pre-selected", hook="patient-view",
         story="No HBsAg or anti-HBc on file: rituximab waits for the screen, and the screen (HBsAg, anti-HBc) is the "
               "card's pre-selected action (review 423: nothing was).", fires={RULE})
def hbv_screen_missing(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today).without_observations("5196-1", "16933-4").request("patient-view")


@fixture("r16-fires-relapse-from-a-responded-nadir", hook="patient-view",
         story="CK 12,000 came down to 400 U/L, then rose to 3,200 after prednisone was lowered to 20 mg: a possible "
               "relapse (R21), not an inadequate response; rituximab is offered, not pre-selected.",
         fires={RULE, RELAPSE})
def relapse_from_responded_nadir(today: date) -> dict[str, Any]:
    return srp_on_two_agents(today).ck(400, day=-40).request("patient-view")
