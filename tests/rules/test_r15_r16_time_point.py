"""R15 and R16 head their card with the time point actually reached, and resume IVIG or repeat rituximab given
before: "inadequate around month 6: add IVIG" at day 400 after IVIG, "add rituximab early" at day 500 after a
course."""

from __future__ import annotations

from fhir_fixtures.builders import IVIG_CVX, ROUTE_IV
from fhir_fixtures.r15_hmgcr_add_ivig_inadequate_response import hmgcr_on_maintenance_ivig, hmgcr_on_two_agents
from fhir_fixtures.r16_srp_add_rituximab_inadequate_response import RITUXIMAB, srp_on_two_agents
from tests.conftest import fired, run

R15, R16 = "hmgcr-add-ivig-inadequate-response", "srp-add-rituximab-inadequate-response"


def _card(kb, chart, today, rule) -> dict:
    return fired(run(kb, chart.request("patient-view"), today))[rule]


def test_r15_adds_ivig_at_the_time_point_reached(kb, today):
    card = _card(kb, hmgcr_on_two_agents(today), today, R15)
    assert card["detail"].startswith("**The response is inadequate 200 days after treatment start: add IVIG.**")
    assert "around month 6" not in card["detail"] and card["summary"].endswith("consider adding IVIG")


def test_r15_resumes_ivig_given_before(kb, today):
    card = _card(kb, hmgcr_on_maintenance_ivig(today, -92), today, R15)
    assert card["detail"].startswith("**The response is inadequate 400 days after treatment start: resume IVIG.**")
    assert card["summary"].endswith("consider resuming IVIG")
    chart = hmgcr_on_two_agents(today).medication(IVIG_CVX, 1, "g/kg", start=-62, end=-61, status="completed",
                                                   route=ROUTE_IV)
    assert "200 days after treatment start: resume IVIG" in _card(kb, chart, today, R15)["detail"]


def test_r16_adds_rituximab_early_only_before_the_6_month_checkpoint(kb, today):
    card = _card(kb, srp_on_two_agents(today), today, R16)
    assert card["detail"].startswith("**The response is inadequate 120 days after treatment start: add rituximab "
                                     "early.**")
    card = _card(kb, srp_on_two_agents(today, ttx=-200, mtx_start=-150), today, R16)
    assert card["detail"].startswith("**The response is inadequate 200 days after treatment start (past the 6-month "
                                     "checkpoint): add rituximab.**")
    assert card["summary"].endswith("consider adding rituximab")


def test_r16_repeats_a_course_given_more_than_a_year_ago(kb, today):
    chart = srp_on_two_agents(today, ttx=-500, mtx_start=-450)
    chart.medication(RITUXIMAB, 1000, "mg", start=-394, end=-380, status="completed", period=14, route=ROUTE_IV)
    card = _card(kb, chart, today, R16)
    assert card["detail"].startswith("**The response is inadequate 500 days after treatment start (past the 6-month "
                                     "checkpoint): repeat rituximab.**")
    assert "early" not in card["detail"].split("\n")[0] and card["summary"].endswith("consider repeating rituximab")


def test_r16_a_normal_latest_ck_is_no_inadequate_response(kb, today):
    """Anti-SRP, peak 380, latest 195 U/L (ULN 200): R16 offered rituximab for a 49% fall to a normal CK."""
    result = run(kb, srp_on_two_agents(today, peak_ck=380, latest_ck=195).request("patient-view"), today)
    assert "srp-add-rituximab-inadequate-response" not in fired(result)
