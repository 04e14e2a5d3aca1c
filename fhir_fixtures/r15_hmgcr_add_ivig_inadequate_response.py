"""Fixtures for R15 hmgcr-add-ivig-inadequate-response: month-6 edge, combination length, IVIG window, maintenance
IVIG between cycles, CK age; a CK rising on taper from a nadir that responded (R21's relapse) or never did."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, IVIG_CVX, METHOTREXATE_2_5, PREDNISONE_5, PREDNISONE_20, ROUTE_IV, Chart
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import NEVER_HALVED, NEVER_SETTLED, re_treated_flare_chart
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import RULE as RELAPSE

RULE = "hmgcr-add-ivig-inadequate-response"
SEVERE = "imnm-severe-disease-urgent"


def hmgcr_on_two_agents(today: date, ttx: int = -200, mtx_start: int | None = -170, ck_day: int = -5,
                        latest_ck: float = 2500, srp: str | None = "negative", peak_ck: float = 8000,
                        hmgcr: str | None = "positive") -> Chart:
    """Anti-HMGCR IMNM: prednisone 60 mg from ``ttx`` tapered to 15 mg, weekly methotrexate from ``mtx_start``
    (None: no methotrexate). An antibody given as None was never resulted."""
    chart = Chart(today, age=58, sex="male")
    chart.condition(IMNM_SNOMED, onset=ttx - 30)
    for group, status in (("anti_hmgcr", hmgcr), ("anti_srp", srp)):
        if status is not None:
            chart.antibody(group, status, day=ttx - 20)
    chart.ck(peak_ck, day=ttx - 3).ck(latest_ck, day=ck_day)
    chart.weight(75, day=-5).height(172, day=-60)
    chart.medication(PREDNISONE_20, 60, "mg", start=ttx, end=ttx + 59, status="completed")
    chart.medication(PREDNISONE_5, 15, "mg", start=ttx + 60)
    if mtx_start is not None:
        chart.medication(METHOTREXATE_2_5, 20, "mg", start=mtx_start, period=1, period_unit="wk", day_of_week=["fri"])
    return chart


@fixture("r15-fires-hmgcr-ck-high-month-7", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM 200 days after prednisone start, on methotrexate for 170 days; CK still 2,500 U/L.",
         fires={RULE}, indicators={RULE: "warning"})
def fires(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today).request("patient-view")


@fixture("r15-fires-severe-disease-ivig-on-r19-card", hook="patient-view",
         story="Month 7, CK 2,500 U/L and a new dysphagia 3 days ago: R19's critical card starts IVIG now, and R15 "
               "states its inadequate response but offers no second IVIG course (4 g/kg in the first week).",
         fires={RULE, SEVERE}, indicators={RULE: "warning", SEVERE: "critical"})
def severe(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today).condition(DYSPHAGIA, onset=-3).request("patient-view")


@fixture("r15-fires-at-exactly-180-days", hook="patient-view",
         story="T_tx exactly 180 days ago and 90 days of methotrexate (both thresholds are >=).", fires={RULE})
def edge(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, ttx=-180, mtx_start=-89).request("patient-view")


@fixture("r15-fires-last-ivig-61-days-ago", hook="patient-view",
         story="One IVIG cycle 61 days ago, outside the 60-day window.", fires={RULE})
def old_ivig(today: date) -> dict[str, Any]:
    chart = hmgcr_on_two_agents(today)
    chart.medication(IVIG_CVX, 1, "g/kg", start=-62, end=-61, status="completed", route=ROUTE_IV)
    return chart.request("patient-view")


@fixture("r15-fires-anti-srp-never-resulted", hook="patient-view",
         story="Anti-HMGCR positive, anti-SRP never resulted: HMGCR or DUAL, either way the IVIG row applies (the "
               "card asks for anti-SRP).", fires={RULE})
def srp_not_resulted(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, srp=None).request("patient-view")


@fixture("r15-quiet-anti-hmgcr-never-resulted", hook="patient-view",
         story="Anti-SRP negative, anti-HMGCR never resulted: its result decides the row, so not evaluable (R03 "
               "asks for it).", quiet={RULE})
def hmgcr_not_resulted(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, hmgcr=None).request("patient-view")


@fixture("r15-quiet-179-days", hook="patient-view", story="T_tx 179 days ago: before the month-6 checkpoint.",
         quiet={RULE})
def early(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, ttx=-179).request("patient-view")


@fixture("r15-quiet-combination-89-days", hook="patient-view",
         story="Methotrexate added only 88 days ago (89 days of combination).", quiet={RULE})
def short_combo(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, mtx_start=-88).request("patient-view")


@fixture("r15-quiet-ivig-59-days-ago", hook="patient-view",
         story="An IVIG cycle 59 days ago: IVIG is already in use.", quiet={RULE})
def recent_ivig(today: date) -> dict[str, Any]:
    chart = hmgcr_on_two_agents(today)
    chart.medication(IVIG_CVX, 1, "g/kg", start=-60, end=-59, status="completed", route=ROUTE_IV)
    return chart.request("patient-view")


def hmgcr_on_maintenance_ivig(today: date, last_cycle: int, mtx_start: int | None = -370) -> Chart:
    """Anti-HMGCR IMNM treated since D-400, on maintenance IVIG (:meth:`Chart.maintenance_ivig`), with methotrexate
    from ``mtx_start`` (None: IVIG is the only second agent)."""
    return hmgcr_on_two_agents(today, ttx=-400, mtx_start=mtx_start).maintenance_ivig(last_cycle)


@fixture("r15-quiet-maintenance-ivig-between-cycles", hook="patient-view",
         story="IVIG every 12 weeks, one order per cycle, the last 70 days ago: the next cycle is due in 14 days, so "
               "IVIG is in use although none was given in the last 60 days.", quiet={RULE})
def maintenance_between_cycles(today: date) -> dict[str, Any]:
    return hmgcr_on_maintenance_ivig(today, -70).request("patient-view")


@fixture("r15-fires-maintenance-ivig-overdue", hook="patient-view",
         story="IVIG every 12 weeks, the last cycle 92 days ago: the next cycle is 8 days overdue (more than the "
               "7-day grace), so IVIG has stopped.", fires={RULE})
def maintenance_overdue(today: date) -> dict[str, Any]:
    return hmgcr_on_maintenance_ivig(today, -92).request("patient-view")


@fixture("r15-quiet-ck-31-days-old", hook="patient-view",
         story="The latest CK is 31 days old: not evaluable until a current CK is resulted.", quiet={RULE})
def stale_ck(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, ck_day=-31).request("patient-view")


@fixture("r15-quiet-ck-responded", hook="patient-view",
         story="CK fell from 8,000 to 450 U/L (below 3 x ULN, 94% fall): adequate response.", quiet={RULE})
def responded(today: date) -> dict[str, Any]:
    return hmgcr_on_two_agents(today, latest_ck=450).request("patient-view")


@fixture("r15-quiet-anti-srp-only", hook="patient-view",
         story="Anti-SRP positive, anti-HMGCR negative: the rituximab row applies instead.", quiet={RULE})
def srp(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50)
    chart.condition(IMNM_SNOMED, onset=-230)
    chart.antibody("anti_hmgcr", "negative", day=-220).antibody("anti_srp", "positive", day=-220)
    chart.ck(9000, day=-203).ck(3000, day=-4)
    chart.medication(PREDNISONE_20, 60, "mg", start=-200)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-170, period=1, period_unit="wk")
    return chart.request("patient-view")


def hmgcr_after_a_response(today: date, nadir_ck: float = 400, latest_ck: float = 1900, taper: bool = True) -> Chart:
    """Anti-HMGCR IMNM (review 423, s1): prednisone 60 mg from D-210, then 40 mg (D-120) and 20 mg from D-60
    (``taper``; else 20 mg from D-120: no reduction within 90 days); weekly methotrexate from D-200. CK 9,000 ->
    1,500 -> ``nadir_ck`` (D-90) -> ``latest_ck`` (D-4)."""
    chart = Chart(today, age=62, sex="female").condition(IMNM_SNOMED, onset=-225)
    chart.antibody("anti_hmgcr", "positive", day=-215).antibody("anti_srp", "negative", day=-215)
    chart.ck(9000, day=-214).ck(1500, day=-150).ck(nadir_ck, day=-90).ck(latest_ck, day=-4)
    chart.weight(72, day=-4).height(160, day=-100)
    chart.medication(PREDNISONE_20, 60, "mg", start=-210, end=-121, status="completed")
    if taper:
        chart.medication(PREDNISONE_20, 40, "mg", start=-120, end=-61, status="completed")
        chart.medication(PREDNISONE_20, 20, "mg", start=-60)
    else:
        chart.medication(PREDNISONE_20, 20, "mg", start=-120)
    return chart.medication(METHOTREXATE_2_5, 20, "mg", start=-200, period=1, period_unit="wk", day_of_week=["mon"])


@fixture("r15-fires-relapse-from-a-responded-nadir", hook="patient-view",
         story="Month 7: CK 9,000 came down to 400 U/L, then rose to 1,900 after prednisone was lowered to 20 mg. The "
               "CK responded: R15 says possible relapse, not an inadequate response, gives way to R21's recheck and "
               "leaves IVIG unselected.", fires={RULE, RELAPSE}, indicators={RULE: "warning", RELAPSE: "warning"})
def relapse_from_responded_nadir(today: date) -> dict[str, Any]:
    return hmgcr_after_a_response(today).request("patient-view")


@fixture("r15-fires-never-responded-and-rising-on-taper", hook="patient-view",
         story="Month 7: CK 9,000 came down to 800 U/L at best (above 3 x ULN: never an adequate response) and rose "
               "to 1,900 on taper: an inadequate response whatever the relapse card (R21) says; IVIG stays "
               "pre-selected.", fires={RULE, RELAPSE})
def never_responded_rising(today: date) -> dict[str, Any]:
    return hmgcr_after_a_response(today, nadir_ck=800).request("patient-view")


@fixture("r15-fires-re-treated-flare-never-settled", hook="patient-view",
         story="Anti-HMGCR, remission at 150 U/L; a flare to 5,200 re-treated came down only to 900 (never below 3 x "
               "ULN), then 1,500 after a taper: true non-response of this flare, not a relapse of a CK that had "
               "responded. IVIG is pre-selected; no relapse card (1.7x this flare's nadir).",
         fires={RULE}, quiet={RELAPSE})
def re_treated_flare_never_settled(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 1500, NEVER_SETTLED, anti_hmgcr="positive", ivig=False).request("patient-view")


@fixture("r15-fires-re-treated-flare-never-halved", hook="patient-view",
         story="Anti-HMGCR, remission at 150 U/L; a flare to 5,200 re-treated for five months stayed at 3,600, 3,000 "
               "and 2,800 (never down by half) before the taper, then 3,000: a flare that has not responded, judged "
               "against its own course, not a relapse 20x the remission's 150. IVIG is pre-selected; no relapse card "
               "(1.1x this flare's nadir).",
         fires={RULE}, quiet={RELAPSE})
def re_treated_flare_never_halved(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 3000, NEVER_HALVED, anti_hmgcr="positive", ivig=False).request("patient-view")
