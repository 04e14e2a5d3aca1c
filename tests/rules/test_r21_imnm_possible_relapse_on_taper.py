"""R21 imnm-possible-relapse-on-taper: the order-sign card holds the draft; caveats; the coded CK recheck."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    ATORVASTATIN_40,
    AZATHIOPRINE_50,
    CK,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    RXNORM,
    Chart,
)
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import (
    draft_ivig,
    draft_ivig_cycle,
    ivig_cycles_chart,
    long_standing_chart,
    methotrexate_stopped_chart,
    on_checkpoint_inhibitor_chart,
    re_treated_flare_chart,
    rituximab_course_chart,
    severe_chart,
    tapering_chart,
)
from tests.conftest import explained, fired, run, with_params

RULE = "imnm-possible-relapse-on-taper"


def _result(kb, chart, hook="patient-view"):
    result = run(kb, chart.request(hook), chart.today)
    return fired(result).get(RULE), explained(result, RULE)


def test_order_sign_card_cancels_the_reducing_draft(kb, today):
    chart = tapering_chart(today).draft(PREDNISONE_5, 15, "mg", resource_id="draft-15")
    card, entry = _result(kb, chart, "order-sign")
    hold = card["suggestions"][0]
    # a recommended suggestion that only cancels the draft: what the engine reads as R21 withholding it
    assert hold["label"].startswith("Hold the taper") and hold["isRecommended"]
    assert hold["actions"] == [{"type": "delete",
                                "description": "Cancel the draft prednisone 5 MG Oral Tablet (15 mg once a day)",
                                "resourceId": "MedicationRequest/draft-15"}]
    assert "draft lowers the glucocorticoid from 20 to 15" in entry["facts"]["draft_reductions"]
    assert "Hold this dose reduction" in card["summary"]


def test_order_sign_draft_stopping_methotrexate(kb, today):
    chart = tapering_chart(today)
    chart.draft(METHOTREXATE_2_5, 20, "mg", status="stopped", resource_id="mtx-stop", period=1, period_unit="wk")
    card, _ = _result(kb, chart, "order-sign")
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/mtx-stop"


def test_order_sign_higher_dose_draft_is_quiet(kb, today):
    chart = tapering_chart(today).draft(PREDNISONE_20, 40, "mg")
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["status"] == "not-fired"


def test_patient_view_offers_coded_ck_recheck_and_no_delete(kb, today):
    card, entry = _result(kb, tapering_chart(today))
    actions = card["suggestions"][0]["actions"]
    assert all(a["type"] == "create" for s in card["suggestions"] for a in s["actions"])
    ck = actions[0]["resource"]
    assert ck["resourceType"] == "ServiceRequest" and ck["code"]["coding"][0]["code"] == "2157-6"
    assert entry["facts"]["ratio_to_nadir"] == 3.33 and "180 U/L" in entry["facts"]["nadir_ck"]


def test_caveats_shown_in_the_card_but_card_still_fires(kb, today):
    chart = tapering_chart(today).condition("Fall with thigh contusion", onset=-6)
    card, _ = _result(kb, chart)
    assert card is not None and "Other causes to rule out" in card["detail"] and "contusion" in card["detail"]


def test_azathioprine_stopped_is_a_taper(kb, today):
    chart = tapering_chart(today, taper=False)
    chart.medication(AZATHIOPRINE_50, 150, "mg", start=-300, end=-100, status="stopped")
    card, entry = _result(kb, chart)
    assert card is not None and "azathioprine stopped" in entry["facts"]["taper"]


def test_methotrexate_stopped_before_its_end_date_is_a_taper_on_a_day_not_given(kb, today):
    """Methotrexate stopped though its end date lies 60 days ahead was read as stopping on that future day, so no
    taper was seen and a CK three times its nadir went without a card. The card says when it stopped is not known:
    by today at the latest, never 'on' a day."""
    card, entry = _result(kb, tapering_chart(today, taper=False, methotrexate_stopped_early=True))
    assert card is not None
    stop = (f"methotrexate stopped (methotrexate 2.5 MG Oral Tablet; stopped before its end date "
            f"{(today + timedelta(days=60)).isoformat()}, on a day the chart does not give) by {today.isoformat()} at "
            f"the latest")
    assert entry["facts"]["taper"] == stop
    assert f"Taper: {stop}." in card["detail"] and f"on {today.isoformat()}" not in card["detail"]


def test_ivig_spaced_out_is_a_taper(kb, today):
    """IVIG every 4 weeks, then every 8, one completed order per cycle: the orders were alike, so no taper was seen
    and a CK three times its nadir went without a card."""
    chart = tapering_chart(today, taper=False).ivig_cycles((-172, 1, 2), (-144, 1, 2), (-116, 1, 2), (-60, 1, 2),
                                                           (-4, 1, 2))
    card, entry = _result(kb, chart)
    assert card is not None
    assert entry["facts"]["taper"] == (f"IVIG cycles every 8 weeks instead of every 4 weeks on "
                                       f"{today - timedelta(days=60)}")


def test_the_same_ivig_cycle_over_more_days_is_no_taper(kb, today):
    """1 g/kg a day for 2 days, then 0.4 g/kg a day for 5: the same 2 g/kg per cycle read as a reduction from 70 to
    28 g a day, and the card called a CK rise a relapse during a taper that was not happening."""
    chart = tapering_chart(today, taper=False).ivig_cycles((-116, 1, 2), (-88, 1, 2), (-60, 0.4, 5), (-32, 0.4, 5),
                                                           (-4, 0.4, 5))
    card, entry = _result(kb, chart)
    assert card is None and entry["reason"] == "no taper in progress"


@pytest.mark.parametrize(("g_per_kg_day", "days", "every_weeks", "change"), [
    (0.5, 2, 4, "reduced from 140 g to 70 g per cycle"),
    (1, 2, 8, "cycles every 8 weeks instead of every 4 weeks"),
])
def test_order_sign_ivig_draft_giving_less_than_the_last_completed_cycle(kb, today, g_per_kg_day, days, every_weeks,
                                                                        change):
    """Every cycle a completed order, so no IVIG order was current: the draft was compared with nothing and R21 said
    'no draft lowers ...' while CK stood at 3x its nadir (audit). It is read against the last cycle."""
    card, entry = _result(kb, draft_ivig(ivig_cycles_chart(today), g_per_kg_day, days, every_weeks), "order-sign")
    assert card is not None and "Keep the last cycle's dose" in card["summary"]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/draft-ivig"
    last_cycle = (today - timedelta(days=4)).isoformat()
    assert entry["facts"]["draft_reductions"] == (f"draft: IVIG {change} (immune globulin, intravenous; last cycle "
                                                  f"{last_cycle}) on {today.isoformat()}")


@pytest.mark.parametrize(("g_per_kg_day", "days"), [(1, 2), (0.4, 5)])
def test_order_sign_ivig_draft_of_the_same_cycle_is_quiet(kb, today, g_per_kg_day, days):
    card, entry = _result(kb, draft_ivig(ivig_cycles_chart(today), g_per_kg_day, days, 4), "order-sign")
    assert card is None and entry["reason"].startswith("no draft lowers")


def test_order_sign_ivig_draft_is_read_per_cycle_against_a_current_order(kb, today):
    """A current 1 g/kg x 2 every-4-weeks order, and the same 2 g/kg drafted as 0.4 g/kg x 5: compared per day it
    read 'draft reduces ivig from 17500 mg/week to 7000 mg/week' and held a draft that lowered nothing."""
    chart = tapering_chart(today, taper=False).medication(IVIG_CVX, 1, "g/kg", start=-116, route=ROUTE_IV, period=4,
                                                          period_unit="wk", count=2)
    card, entry = _result(kb, draft_ivig(chart, 0.4, 5, 4), "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None
    card, entry = _result(kb, draft_ivig(chart, 0.5, 2, 4), "order-sign")
    assert card is not None and "reduced from 140 g to 70 g per cycle" in entry["facts"]["draft_reductions"]
    # the regimen's order on the chart goes on if the draft is cancelled: cancelling holds the dose, as for prednisone
    assert card["suggestions"][0]["label"] == "Hold the taper: cancel the dose reduction"
    assert entry["facts"]["last_cycle_by_hand"] is None and "Hold this dose reduction" in card["summary"]


def test_order_sign_ivig_draft_after_the_course_break_restarts_ivig(kb, today):
    """The last cycle 256 days ago: longer than ivig_course_break_days (180), so the draft starts a new course. A site
    whose break is longer reads the same draft as halving the course's cycle dose."""
    chart = draft_ivig(ivig_cycles_chart(today, last_cycle=-256), 0.5, 2, 4)
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None
    site = with_params(kb, "definitions", ivig_course_break_days=300)
    entry = explained(run(site, chart.request("order-sign"), today), RULE)
    assert entry["status"] == "fired" and "reduced from 140 g to 70 g per cycle" in entry["facts"]["draft_reductions"]


@pytest.mark.parametrize(("first_day", "dose", "held"), [(-170, 500, True), (-170, 1000, False), (-379, 500, True),
                                                      (-380, 500, False)])
def test_order_sign_rituximab_draft_against_the_last_dose_of_the_course(kb, today, first_day, dose, held):
    """Rituximab 1 g x2 as two completed orders left no current order, so a 500 mg draft was not seen. A lower dose
    than the course's last is a reduction; 1 g again is not; more than a year (anti-CD20 in use, as the definition of
    high-level immunosuppression reads it) after the last dose is a new course."""
    chart = rituximab_course_chart(today, first_day).draft(RITUXIMAB, dose, "mg", route=ROUTE_IV, resource_id="rtx")
    card, entry = _result(kb, chart, "order-sign")
    assert (card is not None) is held
    if held:
        assert entry["facts"]["draft_reductions"] == ("draft reduces rituximab from 1,000 mg to 500 mg (per day it is "
                                                      f"given) on {today.isoformat()}")


@pytest.mark.parametrize("timing", [{"period": 2, "period_unit": "wk", "count": 2}, {"period": 6, "period_unit": "mo"}],
                         ids=["1 g x2 again", "1 g every 6 months"])
def test_order_sign_rituximab_at_the_same_dose_is_no_reduction(kb, today, timing):
    """After 1 g x2 as two one-day orders, the same 1 g drafted as a course with a count, or as maintenance every 6
    months, was compared by its average over the weeks between doses: 'draft reduces rituximab from 1000 mg/day to
    500 mg/week' (38.9 mg/week), and R21 offered to cancel the rituximab that escalates a possible relapse (review).
    Per dose it is the same 1 g."""
    chart = rituximab_course_chart(today).draft(RITUXIMAB, 1000, "mg", route=ROUTE_IV, resource_id="rtx", **timing)
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None


@pytest.mark.parametrize(("dose", "held"), [(1000, False), (750, True)])
def test_order_sign_cyclophosphamide_is_read_per_dose(kb, today, dose, held):
    """Cyclophosphamide 1 g a month as one-day completed orders, then 1 g every 4 weeks drafted: 'draft reduces
    cyclophosphamide from 1000 mg/day to 250 mg/week' (review). 750 mg every 4 weeks is a lower dose."""
    chart = tapering_chart(today, taper=False)
    for day in (-90, -60, -30):
        chart.medication("cyclophosphamide 1000 MG Injection", 1000, "mg", start=day, end=day, status="completed",
                         route=ROUTE_IV)
    chart.draft("cyclophosphamide 1000 MG Injection", dose, "mg", route=ROUTE_IV, period=4, period_unit="wk")
    card, entry = _result(kb, chart, "order-sign")
    assert (card is not None) is held
    assert entry["facts"]["draft_reductions"] == ("draft reduces cyclophosphamide from 1,000 mg to 750 mg (per day it "
                                                  f"is given) on {today.isoformat()}" if held else None)


@pytest.mark.parametrize("last_cycle", [-36, -42])
def test_order_sign_next_ivig_cycle_drafted_late_is_not_spaced_out(kb, today, last_cycle):
    """The next cycle drafted as the chart orders every cycle (1 g/kg a day for 2 days) 36 or 42 days after the last
    of 4-weekly cycles read 'spaced out from every 28 to every 36 days', and R21 offered to cancel the IVIG during a
    possible relapse (review). A one-cycle draft has no interval of its own: only a cyclic draft's is judged."""
    card, entry = _result(kb, draft_ivig_cycle(ivig_cycles_chart(today, last_cycle=last_cycle), 1, 2), "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None


@pytest.mark.parametrize(("start", "end"), [(0, 0), (0, None), (3, 0)],
                         ids=["day 1 of a cycle drafted day by day", "no end nor count", "ends before it starts"])
def test_order_sign_ivig_draft_of_unknown_cycle_dose_is_not_judged(kb, today, start, end):
    """The next cycle due today (the last 28 days ago, 1 g/kg a day for 2 days). 1 g/kg for today alone (day 2 drafted
    at the next signing) read 'reduced from 140 g to 70 g per cycle'; so did 1 g/kg daily with no end nor count, read
    as one day; one ending before it starts read '-140 g per cycle' (review). None says what the cycle gives."""
    chart = ivig_cycles_chart(today, last_cycle=-28).draft(IVIG_CVX, 1, "g/kg", route=ROUTE_IV, start=start, end=end,
                                                           resource_id="draft-ivig")
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None


def test_stale_ck_is_not_evaluable(kb, today):
    card, entry = _result(kb, tapering_chart(today, latest_day=-20))
    assert card is None and entry["status"] == "not-evaluable" and "20 days old" in entry["reason"]


def test_an_uncertain_t_tx_anchors_no_nadir(kb, today):
    chart = tapering_chart(today).without_observations("29463-7")
    chart.medication(PREDNISONE_20, 20, "mg", start=-215, end=-196, status="completed")  # T_tx if <= 40 kg
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-evaluable"
    assert "40 kg or less" in entry["reason"] and "anchors the nadir CK" in entry["reason"]


def test_a_relapse_more_than_three_years_after_t_tx_is_judged(kb, today):
    """T_tx lay before the three-year PEQ timeline, so it was never found and R21 said 'no treatment start (T_tx)
    to anchor the nadir CK': a draft lowering prednisone at 4x the nadir was not held (found by review)."""
    card, entry = _result(kb, long_standing_chart(today))
    assert card is not None and entry["facts"]["ratio_to_nadir"] == 4.0
    assert entry["facts"]["nadir_ck"].startswith("150 U/L")
    chart = long_standing_chart(today).draft(PREDNISONE_5, 10, "mg", resource_id="draft-10")
    card, _ = _result(kb, chart, "order-sign")
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/draft-10"


def test_a_taper_written_as_one_order_is_read_step_by_step(kb, today):
    card, entry = _result(kb, tapering_chart(today, one_order=True))
    assert card is not None
    # the same steps as three separate orders give, not a 'stop' where the first instruction's bounds end
    assert entry["facts"]["taper"] == _result(kb, tapering_chart(today))[1]["facts"]["taper"]
    assert "lowered from 40 to 20 mg/day PEQ" in entry["facts"]["taper"]


def test_order_sign_draft_taper_written_as_one_order_is_a_reduction(kb, today):
    """Its first step keeps today's 20 mg; the steps after it are the reduction being signed, dated when the first
    lower step starts (it was dated today, from 20 straight to its lowest step, 10). Cancelling it holds today's
    dose (the order on the chart goes on), so the hold is recommended."""
    chart = tapering_chart(today)
    draft = Chart(today).taper_order(PREDNISONE_20, [(20, 14), (15, 14), (10, None)], start=0).resources[
        "medications"][0]
    chart.draft_resource({**draft, "id": "draft-taper", "status": "draft", "intent": "proposal"})
    card, entry = _result(kb, chart, "order-sign")
    assert entry["facts"]["draft_reductions"] == (
        f"draft lowers the glucocorticoid from 20 to 15 mg/day PEQ (prednisone 20 MG Oral Tablet; 10 mg/day PEQ from "
        f"{chart.at(28)}) on {chart.at(14)}")
    assert card["summary"].endswith("Hold this dose reduction")
    assert f"**A reduction is planned on {chart.at(14)}: do not start the lower dose" in card["detail"]
    assert card["suggestions"][0]["isRecommended"]


def test_a_newer_ck_written_as_text_is_not_passed_over_for_an_older_normal_one(kb, today):
    chart = tapering_chart(today, latest_ck=150, latest_day=-12).observation(CK, -2, value_string=">20,000 (see note)")
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable" and "'>20,000 (see note)'" in entry["reason"]


def test_a_ck_above_the_analysers_range_is_read_as_at_least_its_bound(kb, today):
    """'>20,000 U/L' was not read at all (the row was held back); it is at least 111 times the nadir of 180, said
    so, never as an exact ratio."""
    chart = tapering_chart(today, latest_ck=150, latest_day=-12).observation(CK, -2, value_string=">20,000 U/L")
    card, entry = _result(kb, chart)
    assert card["summary"].startswith("Possible IMNM relapse on taper: CK >20,000 U/L, at least 111.1x nadir.")
    assert "Latest CK >20,000 U/L on" in card["detail"]
    assert "at least 111.1 times the nadir of 180 U/L" in card["detail"]
    assert entry["facts"]["ratio_to_nadir"] == "at least 111.11"


def test_a_lower_bound_that_may_be_below_twice_the_nadir_is_not_judged(kb, today):
    """A CK above 300 is above the ULN, but may or may not be twice the nadir of 180: read as exactly 300 it was
    called 'below 2 x the nadir'."""
    chart = tapering_chart(today, latest_ck=150, latest_day=-12)
    chart.observation(CK, -2, value=300, comparator=">", unit="U/L", high=200)
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-evaluable"
    assert "whether it is at least 2 x the nadir 180 U/L" in entry["reason"] and "above the ULN and" not in \
        entry["reason"]


def test_a_nadir_written_as_an_upper_bound_may_be_the_lowest(kb, today):
    """CK 300 is 1.7 times the 180 on D-40, but the '<200' on D-30 may be far lower: it was read as 200 and the
    180 taken as the nadir, so the row said 'below 2 x the nadir' where a relapse may be starting."""
    chart = tapering_chart(today, latest_ck=300).observation(CK, -30, value=200, comparator="<", unit="U/L",
                                                               high=200)
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-evaluable"
    assert (f"the nadir 180 U/L on {chart.at(-40)} (ULN 200) or <200 U/L on {chart.at(-30)} (ULN 200), whichever "
            "is lower") in entry["reason"]


def test_a_nadir_written_as_a_lower_bound_does_not_hide_a_rise(kb, today):
    """20,000 is more than twice the 180 whatever the '>150' beside it is: the '>150' was taken as the nadir, and
    the rise 'could not be told'."""
    chart = tapering_chart(today, latest_ck=20000).observation(CK, -30, value_string=">150 U/L")
    card, entry = _result(kb, chart)
    assert card["summary"].startswith("Possible IMNM relapse on taper: CK 20,000 U/L, 111.1 to 133.4x nadir.")
    assert entry["facts"]["ratio_to_nadir"] == "111.11 to 133.34"


@pytest.mark.parametrize("taper", [False, True], ids=["only-planned", "on-taper-too"])
def test_a_reduction_still_to_come_is_named_to_hold_not_read_as_taken(kb, today, taper):
    """CK 600, 3.3 times the nadir, methotrexate 15 mg/week planned from 4 days on after 20 mg/week: the card said
    'relapse on taper ... Hold the taper' though the CK rose before any reduction took effect. It names the
    reduction planned and asks to hold it; with the prednisone taper under way too, the relapse is on the taper.
    With no reduction made yet, it does not speak of 'a further reduction'."""
    chart = tapering_chart(today, taper=taper)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=4, period=1, period_unit="wk")
    card, _ = _result(kb, chart)
    when, heading = ("on taper", "during the taper") if taper else ("before a planned reduction",) * 2
    assert card["summary"] == (f"Possible IMNM relapse {when}: CK 600 U/L, 3.3x nadir. Hold the reduction planned "
                               f"{chart.at(4)}, recheck")
    assert card["detail"].startswith(f"**Possible relapse {heading}.**")
    advice = "Do not make a further reduction now." if taper else "Do not reduce now."
    assert (f"**A reduction is planned on {chart.at(4)}: do not start the lower dose until a relapse is ruled out.** "
            f"**{advice}**") in card["detail"]


def _on_prednisone_20_unchanged(today) -> Chart:
    """Anti-HMGCR IMNM on prednisone 20 mg unchanged for 200 days (after 60 mg), CK nadir 180, then 600 (day -5)."""
    chart = Chart(today, age=58, sex="female").condition(IMNM_SNOMED, onset=-400)
    chart.antibody("anti_hmgcr", "positive", day=-395).weight(70, day=-10)
    chart.ck(8000, day=-390).ck(1500, day=-300).ck(300, day=-200).ck(180, day=-40).ck(600, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=-385, end=-200, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-199)
    return chart


@pytest.mark.parametrize(("stopped", "restart"), [(-60, 3), (-3, 150)],
                         ids=["stopped-60-days-ago", "stopped-3-days-ago-restart-in-150-days"])
def test_a_restart_planned_after_a_stop_is_not_a_reduction_to_hold(kb, today, stopped, restart):
    """Methotrexate 20 mg/week stopped on ``stopped``, 15 mg/week planned from ``restart`` (not within the weekly
    interval plus the 7-day bridge of the stop), CK 600 at 3.3 times the nadir: the planned order hid the stop, and
    R21 was quiet (no taper) or, for a stop 3 days ago, asked to 'hold the reduction planned' in 150 days. The stop
    is a taper step: the relapse is on the taper, and no planned reduction is named."""
    chart = _on_prednisone_20_unchanged(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-370, end=stopped, status="stopped", period=1,
                     period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=restart, period=1, period_unit="wk")
    card, entry = _result(kb, chart)
    stop = f"methotrexate stopped (methotrexate 2.5 MG Oral Tablet) on {chart.at(stopped)}"
    assert entry["facts"]["taper"] == stop
    assert card["summary"] == "Possible IMNM relapse on taper: CK 600 U/L, 3.3x nadir. Hold the taper, recheck"
    assert card["detail"].startswith("**Possible relapse during the taper.**")
    assert f"Taper: {stop}." in card["detail"] and "**Do not make a further reduction now.**" in card["detail"]
    assert "planned" not in card["detail"] and "to be reduced" not in card["detail"], card["detail"]


def test_a_lower_dose_planned_within_the_weekly_interval_and_bridge_is_a_reduction_to_hold(kb, today):
    """Methotrexate 20 mg/week stopped 3 days ago, 15 mg/week planned from day 11 (the weekly interval plus the
    7-day bridge after the stop): the agent goes on at a lower dose, so the card names the planned reduction."""
    chart = _on_prednisone_20_unchanged(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-370, end=-3, status="stopped", period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=11, period=1, period_unit="wk")
    card, entry = _result(kb, chart)
    assert entry["facts"]["taper"] == f"methotrexate to be reduced from 20 mg/week to 15 mg/week on {chart.at(11)}"
    assert card["summary"] == (f"Possible IMNM relapse before a planned reduction: CK 600 U/L, 3.3x nadir. Hold the "
                               f"reduction planned {chart.at(11)}, recheck")


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_a_lower_dose_after_an_order_ended_with_no_end_date_is_judged_as_a_taper(kb, today, status):
    """Guard (second review of the planned-order change): anti-HMGCR IMNM on prednisone 20 mg unchanged, CK 180 then
    600; methotrexate 20 mg/week from 370 days ago, ``status`` with no end date, and 15 mg/week from 30 days ago:
    the reduction is a taper, and the CK rise on it a possible relapse."""
    chart = _on_prednisone_20_unchanged(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-370, status=status, period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-30, period=1, period_unit="wk")
    card, _ = _result(kb, chart)
    assert card["summary"] == "Possible IMNM relapse on taper: CK 600 U/L, 3.3x nadir. Hold the taper, recheck"
    assert "**Do not make a further reduction now.**" in card["detail"]


@pytest.mark.parametrize("new_condition", [False, True], ids=["same-condition", "relapse-as-a-new-condition"])
def test_a_relapse_re_induction_long_after_treatment_ended_is_no_taper(kb, today, new_condition):
    """Clinician review: anti-HMGCR IMNM in remission, prednisone and methotrexate 20 mg/week ended 700 days ago;
    relapse re-induction with prednisone 60 mg from day -40 and methotrexate 15 mg/week from day -38, CK 4,800 on
    day -3. The restart was read as methotrexate 'reduced from 20 to 15 mg/week' and R21 warned 'Hold the taper'
    (with the relapse charted as a new Condition, it named that taper too): a new course is no taper."""
    chart = Chart(today, age=58, sex="female").condition(IMNM_SNOMED, onset=-1500,
                                                        status="resolved" if new_condition else "active")
    if new_condition:
        chart.condition(IMNM_SNOMED, onset=-50)
    chart.antibody("anti_hmgcr", "positive", day=-1495).antibody("anti_srp", "negative", day=-1495).weight(70, day=-5)
    chart.ck(9000, day=-1495).ck(150, day=-800).ck(5200, day=-45).ck(4800, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1490, end=-1200, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-1199, end=-700, status="completed")
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-1480, end=-700, status="completed", period=1, period_unit="wk")
    chart.medication(PREDNISONE_20, 60, "mg", start=-40)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-38, period=1, period_unit="wk")
    card, entry = _result(kb, chart)
    assert card is None and entry["reason"] == "no taper in progress", entry
    assert not entry["facts"].get("taper")


def _odd_timing(chart, index, **repeat):
    """The chart's ``index``-th order with its timing's repeat changed (``periodUnit=None``: none written)."""
    timing = chart.resources["medications"][index]["dosageInstruction"][0]["timing"]["repeat"]
    timing.update({key: value for key, value in repeat.items() if value is not None})
    for key in [key for key, value in repeat.items() if value is None]:
        timing.pop(key)
    return chart


PREDNISONE_20_NOT_READ = "prednisone 20 MG Oral Tablet: timing not readable"
HIDDEN = "a dose reduction may be hidden in an order whose daily dose is not read"


@pytest.mark.parametrize(("repeat", "written"), [({"period": -1}, "frequency 1, period -1 d"),
                                                 ({"frequency": -1}, "frequency -1, period 1 d"),
                                                 ({"periodUnit": None}, "frequency 1, period 1 with no unit")])
def test_a_taper_step_in_an_order_whose_timing_is_not_read_is_not_evaluable(kb, today, repeat, written):
    """Prednisone 20 mg (to D-61), then 15 mg: the 20 mg order's timing cannot be read, so no dose was read from it,
    the 15 mg order read as a rise, and R21 said 'no taper in progress' with CK 4x its nadir. It is not evaluable,
    and the reason names the order, its timing and what the CK shows."""
    chart = _odd_timing(long_standing_chart(today), 1, **repeat)
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} ({PREDNISONE_20_NOT_READ} ({written})), and latest CK 600 U/L")
    assert "is above the ULN and 4.0 x the nadir 150 U/L" in entry["reason"]
    assert entry["facts"]["taper_dose_not_read"] == f"{PREDNISONE_20_NOT_READ} ({written})"


def test_with_no_taper_step_read_a_ck_that_is_no_relapse_stays_quiet(kb, today):
    """The same chart with a CK of 200 U/L two days ago (not above the ULN): whatever the order hides, no relapse."""
    chart = _odd_timing(long_standing_chart(today), 1, period=-1).ck(200, day=-2)
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-fired"
    assert entry["reason"].startswith("latest CK 200 U/L") and entry["reason"].endswith("is not above the ULN")


def test_an_order_whose_timing_is_not_read_before_the_window_is_not_named(kb, today):
    """Only orders given within the taper window can hide a step in it: the 60 mg order ended 1,200 days ago (its
    dose, not read, leaves T_tx unknown: said as such)."""
    _, entry = _result(kb, _odd_timing(long_standing_chart(today), 0, period=-1))
    assert entry["facts"]["taper_dose_not_read"] is None and entry["reason"].startswith("T_tx unknown")


@pytest.mark.parametrize("draft", [
    lambda chart: chart.draft(PREDNISONE_5, 15, "mg", period=-1),
    lambda chart: chart.draft(METHOTREXATE_2_5, 10, "mg", frequency=-1, period_unit="wk"),
])
def test_order_sign_draft_whose_timing_is_not_read_is_not_evaluable(kb, today, draft):
    """A prednisone or methotrexate draft whose timing cannot be read gave no dose, so no reduction, and R21 said no
    draft lowers the dose, with CK 3.3x its nadir. It is not evaluable and names the draft."""
    card, entry = _result(kb, draft(tapering_chart(today)), "order-sign")
    assert card is None and entry["status"] == "not-evaluable"
    assert ": timing not readable (" in entry["reason"]
    assert "), and latest CK 600 U/L" in entry["reason"]


def test_order_sign_chart_order_whose_timing_is_not_read_leaves_a_draft_unjudged(kb, today):
    """The 20 mg prednisone being given cannot be read (period -1): a 15 mg draft could not be compared with it."""
    chart = _odd_timing(tapering_chart(today), 2, period=-1).draft(PREDNISONE_5, 15, "mg")
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} ({PREDNISONE_20_NOT_READ} (frequency 1, period -1 d))")


def test_a_course_that_takes_over_with_a_timing_not_read_is_no_stop(kb, today):
    """Prednisone 20 mg to D-61, then 15 mg from D-60 whose timing cannot be read: R21 fired on 'glucocorticoid
    stopped (was 20 mg/day PEQ)', a stop the chart does not give. The card still fires on the fall that can be read
    (with CK 4x its nadir), and says that only the doses that can be read fell, naming the order."""
    card, _ = _result(kb, _odd_timing(long_standing_chart(today), 2, period=-1))
    assert card is not None and "glucocorticoid stopped" not in card["detail"]
    assert ("glucocorticoid lowered from 20 to 0 mg/day PEQ in the doses that can be read (prednisone 5 MG Oral "
            "Tablet, given then too: dose not read)") in card["detail"]


def test_a_taper_step_in_an_order_whose_dose_is_not_read_is_not_evaluable(kb, today):
    """The same chart as above with the 20 mg order's dose, not its timing, unreadable (2 puff): R21 said 'no taper
    in progress' beside CK 4x its nadir. It is not evaluable, naming the order and its dose."""
    chart = long_standing_chart(today)
    chart.resources["medications"][1]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {
        "value": 2, "unit": "puff"}
    card, entry = _result(kb, chart)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} (prednisone 20 MG Oral Tablet: dose not read in mg (2 puff)), and "
                                      "latest CK 600 U/L")


def _dose_in_puffs(resource):
    resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = {"value": 2, "unit": "puff"}


def test_order_sign_chart_order_whose_dose_is_not_read_leaves_a_draft_unjudged(kb, today):
    """The 20 mg prednisone being given has its dose, not its timing, unreadable (2 puff): today's level is not on
    the timeline, so a 15 mg draft gave no reduction and R21 said 'no draft lowers' beside CK 3.3x its nadir. It is
    not evaluable, naming the order and its dose (taper.draft_doses_not_read)."""
    chart = tapering_chart(today).draft(PREDNISONE_5, 15, "mg")
    _dose_in_puffs(chart.resources["medications"][2])
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} (prednisone 20 MG Oral Tablet: dose not read in mg (2 puff)), and "
                                      "latest CK 600 U/L")


def test_order_sign_draft_whose_dose_is_not_read_is_not_evaluable(kb, today):
    """A prednisone draft in puffs beside 20 mg given: whether it lowers the dose is not known, so R21 is not
    evaluable and names the draft (it said no draft lowers the dose). A readable 10 mg draft beside it does not
    settle it: what the patient is given is the drafts together with what they leave on the chart (it was judged
    alone, 'from 20 to 10'), and one of them is not read."""
    chart = tapering_chart(today).draft(PREDNISONE_5, 15, "mg")
    _dose_in_puffs(chart.drafts[-1])
    card, entry = _result(kb, chart, "order-sign")
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} (prednisone 5 MG Oral Tablet: dose not read in mg (2 puff)), and ")
    card, entry = _result(kb, chart.draft(PREDNISONE_5, 10, "mg"), "order-sign")
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(f"{HIDDEN} (prednisone 5 MG Oral Tablet: dose not read in mg (2 puff)), and ")


# ------------------------------------------------------------- a reduction of an agent ordered one cycle at a time

LAST_IVIG_CYCLE = "2 g/kg per cycle over 2 days, every 4 weeks, the last begun on {-4}"


@pytest.mark.parametrize(("name", "agent", "last_cycle"), [
    ("r21-fires-order-sign-rituximab-lower-dose", "rituximab",
     "1,000 mg a dose, the last on {-156}, 2 weeks after the dose before it"),
    ("r21-fires-order-sign-rituximab-weekly-after-1-g-twice", "rituximab",
     "1,000 mg a dose, the last on {-156}, 2 weeks after the dose before it"),
    ("r21-fires-order-sign-cyclophosphamide-every-2-weeks", "cyclophosphamide",
     "1,000 mg a dose, the last on {-30}, 30 days after the dose before it"),
    ("r21-fires-order-sign-ivig-cycle-halved", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-spaced-out", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-spaced-out-from-a-later-start", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-dose-per-cycle", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-regimen-as-the-service-writes-one", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-per-kg-weight-too-old", "IVIG", LAST_IVIG_CYCLE),
    ("r21-fires-order-sign-ivig-last-spacing-not-read", "IVIG",
     "2 g/kg per cycle over 2 days, its spacing not read (no cycle before it in this course), the last begun on "
     "{-24}"),
])
def test_a_per_cycle_draft_is_re_ordered_by_hand_never_rewritten(kb, today, name, agent, last_cycle):
    """Review: cancelling a lower draft of an agent ordered one cycle at a time (every earlier cycle a completed
    order) leaves none ordered, a stop; the draft rewritten at the last cycle's dose was dangerous (rituximab 1 g
    weekly x4, cyclophosphamide 1 g every 2 weeks, a dose per cycle written as half the last cycle, a start moved
    only later, the other fields left to contradict the dose). No order is created: the card says cancelling stops
    the drug, names its last cycle as the chart gives it and asks for it to be re-ordered by hand; the cancel is
    offered, not recommended and not called a hold."""
    request = fhir_fixtures.get(name).request(today)
    result = run(kb, request, today)
    card, entry = fired(result)[RULE], explained(result, RULE)
    [draft] = [e["resource"] for e in request["context"]["draftOrders"]["entry"]]
    said = last_cycle.format(**{str(day): (today + timedelta(days=day)).isoformat() for day in (-4, -24, -30, -156)})
    assert not any(a["type"] == "create" and a["resource"]["resourceType"] == "MedicationRequest"
                   for s in card["suggestions"] for a in s["actions"])
    assert card["summary"].endswith("Keep the last cycle's dose: re-order it by hand")
    assert (f"**Cancelling the draft would stop {agent}, not hold its dose:** {agent} is ordered here one cycle at a "
            f"time, the earlier cycles completed orders, so none would be left ordered. Its last effective cycle, as "
            f"the chart gives it: {said}. **Re-order that cycle by hand** if {agent} is to go on at it; no order is "
            "written for you here.") in card["detail"]
    assert entry["facts"]["last_cycle_by_hand"] == f"{agent}: {said}"
    cancel, recheck = card["suggestions"]
    assert cancel["label"] == "Cancel the draft reduction (then re-order the last cycle by hand)"
    assert not cancel["isRecommended"] and recheck["isRecommended"]
    assert [(a["type"], a["resourceId"]) for a in cancel["actions"]] == [("delete", f"MedicationRequest/{draft['id']}")]


def test_a_dose_per_cycle_the_contract_marks_is_read_per_cycle(kb, today):
    """IVIG 100 g over 2 days with at most 100 g per 4 weeks (maxDosePerPeriod): read per day it was 200 g per cycle,
    more than the last 140 g, and R21 said no draft lowers the dose (review). Per cycle it is 100 g."""
    result = run(kb, fhir_fixtures.get("r21-fires-order-sign-ivig-dose-per-cycle").request(today), today)
    assert explained(result, RULE)["facts"]["draft_reductions"] == (
        "draft: IVIG reduced from 140 g to 100 g per cycle (immune globulin, intravenous; last cycle "
        f"{(today - timedelta(days=4)).isoformat()}) on {today.isoformat()}")


def test_a_per_kg_halving_is_read_with_the_weight_too_old(kb, today):
    """The last cycles and the draft in g/kg, the weight 400 days old: no dose was read in g and R21 said no draft
    lowers the dose (review). Per kg, the halving is read."""
    result = run(kb, fhir_fixtures.get("r21-fires-order-sign-ivig-per-kg-weight-too-old").request(today), today)
    assert explained(result, RULE)["facts"]["draft_reductions"] == (
        "draft: IVIG reduced from 2 g/kg to 1 g/kg per cycle (immune globulin, intravenous; last cycle "
        f"{(today - timedelta(days=4)).isoformat()}) on {today.isoformat()}")


def test_a_comparison_that_needs_a_weight_there_is_not_is_not_evaluable(kb, today):
    """A draft in g after cycles in g/kg, the weight 400 days old: they cannot be compared, and R21 said no draft
    lowers the dose. It is not evaluable for that draft, naming the dose per kg and the weight too old."""
    result = run(kb, fhir_fixtures.get("r21-quiet-order-sign-ivig-in-g-weight-too-old").request(today), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith(
        "a dose reduction may be hidden in an order whose daily dose is not read (immune globulin, intravenous: 1 g/kg "
        f"with no current weight (latest 70 kg on {(today - timedelta(days=400)).isoformat()}, too old)), and latest "
        "CK 600 U/L")


def test_a_glucocorticoid_reduction_beside_a_per_cycle_one_is_still_held_by_cancelling(kb, today):
    """Prednisone 15 mg and half the IVIG cycle drafted together: the prednisone order on the chart goes on if its
    draft is cancelled (the hold, recommended, unchanged); the IVIG does not (its cancel offered apart, not
    recommended, its last cycle to be re-ordered by hand)."""
    chart = draft_ivig(ivig_cycles_chart(today), 0.5, 2, 4).draft(PREDNISONE_5, 15, "mg", resource_id="draft-pred-15")
    card, _ = _result(kb, chart, "order-sign")
    assert card["summary"].endswith("Hold this dose reduction; re-order the last cycle by hand")
    hold, cancel, _ = card["suggestions"]
    assert hold["label"] == "Hold the taper: cancel the dose reduction" and hold["isRecommended"]
    assert [a["resourceId"] for a in hold["actions"]] == ["MedicationRequest/draft-pred-15"]
    assert cancel["label"] == "Cancel the draft reduction (then re-order the last cycle by hand)"
    assert not cancel["isRecommended"]
    assert [a["resourceId"] for a in cancel["actions"]] == ["MedicationRequest/draft-ivig"]


# ------------------------------------------------------------- what the patient is given, step by step (review 420)

def _fixture(kb, today, name):
    result = run(kb, fhir_fixtures.get(name).request(today), today)
    return fired(result).get(RULE), explained(result, RULE)


@pytest.mark.parametrize("draft", [
    lambda chart: chart.draft(PREDNISONE_5, 5, "mg", frequency=2),
    lambda chart: chart.draft((RXNORM, "197787", "hydrocortisone 10 MG Oral Tablet"), 10, "mg", frequency=2),
    lambda chart: chart.draft(AZATHIOPRINE_50, 25, "mg", frequency=2),
], ids=["prednisone 5 mg twice a day", "hydrocortisone 10 mg twice a day", "azathioprine 25 mg twice a day"])
def test_order_sign_a_draft_beside_the_dose_on_the_chart_is_no_reduction(kb, today, draft):
    """Review: prednisone 5 mg twice a day drafted beside the 20 mg on the chart (R06 reads 30 mg a day) read 'lowers
    from 20 to 10' and R21 pre-selected cancelling it; so did hydrocortisone beside prednisone, and an extra
    azathioprine dose beside 100 mg a day. Another frequency or drug replaces nothing: the drafts add to the dose
    on the chart (continuing.on_chart, as the dose checks read them)."""
    chart = tapering_chart(today)
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-150)
    card, entry = _result(kb, draft(chart), "order-sign")
    assert card is None and entry["facts"]["draft_reductions"] is None


def test_order_sign_a_re_escalation_ending_below_today_flags_its_lower_step_and_keeps_the_escalation(kb, today):
    """Review: 40 mg x14, 30 x14, 20 x14, then 15 mg, replacing the 20 mg: read as 'lowers from 20 to 15' today, and
    R21 pre-selected cancelling the whole escalation. Judged step by step, the reduction is the 15 mg step, dated
    when it starts; the card keeps the escalation and offers no cancel (that would undo it)."""
    card, entry = _fixture(kb, today, "r21-fires-order-sign-re-escalation-ending-below-today")
    day42 = (today + timedelta(days=42)).isoformat()
    assert entry["facts"]["draft_reductions"] == (
        "draft raises the glucocorticoid (up to 40 mg/day PEQ), then lowers it below today's 20, to 15 mg/day PEQ "
        f"(prednisone 5 MG Oral Tablet) on {day42}")
    assert card["summary"].endswith(f"Keep the escalation; hold its step down on {day42}")
    assert f"lowers it below today's dose on {day42}: keep the escalation" in card["detail"]
    assert not any(a["type"] == "delete" for s in card["suggestions"] for a in s["actions"])


@pytest.mark.parametrize("separate_order", [False, True], ids=["a step of one order", "an order planned"])
def test_patient_view_a_planned_glucocorticoid_reduction_is_held(kb, today, separate_order):
    """Review: prednisone 20 mg for five months, its next step (15 mg) written into the order or as an order planned
    from day 6, CK 3.3x its nadir: 'no taper in progress', while the same planned methotrexate reduction fired. A
    planned lower glucocorticoid dose is a reduction to come, as a steroid-sparing one is."""
    if separate_order:
        chart = tapering_chart(today, taper=False)
        given = next(m for m in chart.resources["medications"]
                     if m["status"] == "active" and "prednisone" in m["medicationCodeableConcept"]["text"])
        given["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["end"] = chart.at(5)
        chart.medication(PREDNISONE_5, 15, "mg", start=6)
        card, entry = _result(kb, chart)
    else:
        card, entry = _fixture(kb, today, "r21-fires-patient-view-planned-prednisone-step")
    day6 = (today + timedelta(days=6)).isoformat()
    assert entry["facts"]["taper"] == f"glucocorticoid to be lowered from 20 to 15 mg/day PEQ on {day6}"
    assert card["summary"] == (f"Possible IMNM relapse before a planned reduction: CK 600 U/L, 3.3x nadir. Hold the "
                               f"reduction planned {day6}, recheck")


def test_patient_view_glucocorticoid_stopped_raises_restarting_not_holding(kb, today):
    """Review: prednisone stopped 61 days ago, CK 20x its nadir: 'Hold the taper ... Do not make a further reduction
    now', with nothing left to hold. The card says when it was stopped and raises restarting it."""
    card, _ = _fixture(kb, today, "r21-fires-patient-view-off-glucocorticoids")
    stopped = (today - timedelta(days=60)).isoformat()
    assert card["summary"] == ("Possible IMNM relapse off glucocorticoids: CK 3,000 U/L, 20.0x nadir. Glucocorticoid "
                               f"stopped {stopped}: consider restarting, recheck")
    assert card["detail"].startswith("**Possible relapse after the glucocorticoid was stopped.**")
    assert (f"**Glucocorticoid stopped (was 5 mg/day PEQ) on {stopped}: there is no glucocorticoid left to hold; the "
            "question is restarting it.**") in card["detail"]
    assert "Hold the taper" not in card["summary"] and "further reduction" not in card["detail"]


def test_patient_view_a_statin_in_anti_hmgcr_is_a_trigger_to_stop(kb, today):
    """Review: atorvastatin given in anti-HMGCR IMNM was listed among 'other causes to rule out'. Statin re-exposure
    can reactivate the myopathy: the card says to stop it, naming it, and points to R14's statin card, which fires
    too; stopped already, not to restart it (R14 does not fire for a statin stopped)."""
    card, entry = _fixture(kb, today, "r21-fires-patient-view-statin-in-anti-hmgcr")
    assert ("**Statin re-exposure can reactivate anti-HMGCR myopathy: a relapse trigger, not another cause to rule "
            f"out.** Stop atorvastatin 40 MG Oral Tablet (last given {today}): statins and red yeast rice are "
            "contraindicated for life (see the statin card).") in card["detail"]
    assert "Other causes to rule out" not in card["detail"] and entry["facts"]["caveats"] is None
    chart = tapering_chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-20, end=-3, status="stopped")
    card, _ = _result(kb, chart)
    assert (f"Do not restart atorvastatin 40 MG Oral Tablet (last given {chart.at(-3)}): statins and red yeast rice "
            "are contraindicated for life.") in card["detail"]


def _preselected(card):
    return [a["description"] for s in card["suggestions"] if s["isRecommended"] for a in s["actions"]]


def test_the_severe_imnm_card_comes_first(kb, today):
    """Dysphagia: R19 says admit, pulse and IVIG now, and R21 pre-selected a CK in 7-14 days and a clinic visit within
    2 weeks beside it (review 423). It says R19's card comes first and pre-selects nothing routine."""
    result = run(kb, severe_chart(today).request("patient-view"), today)
    card = fired(result)[RULE]
    assert "imnm-severe-disease-urgent" in fired(result)
    assert "the severe-IMNM card (R19)" in card["summary"] and "admit" in card["summary"]
    assert "**The severe-IMNM card (R19) comes first: admit.**" in card["detail"]
    assert "Repeat the CK and examine strength" not in card["detail"]
    assert _preselected(card) == []
    assert [a["description"] for s in card["suggestions"] for a in s["actions"]] == ["TSH"]
    assert explained(result, RULE)["facts"]["severe_card_shows"] is True


def test_the_ici_myositis_card_comes_first(kb, today):
    """Pembrolizumab with myalgia: R31's critical card leads; R21 called it an IMNM relapse ('IVIG for anti-HMGCR',
    back to the last effective dose) and pre-selected the CK R31 orders (review 423). Outside the ICI gate (section
    1) it still fires, names the checkpoint inhibitor and leaves the plan to R31's card."""
    result = run(kb, on_checkpoint_inhibitor_chart(today).request("patient-view"), today)
    card = fired(result)[RULE]
    assert "ici-myositis" in fired(result)
    assert card["summary"].startswith("Possible IMNM relapse or ICI myositis (pembrolizumab given) on taper")
    assert "R31's card first" in card["summary"] and "recheck" not in card["summary"]
    assert "**Possible relapse or checkpoint-inhibitor myositis during the taper.**" in card["detail"]
    assert "A checkpoint inhibitor is given (pembrolizumab)" in card["detail"]
    assert "The ICI-myositis card (R31) comes first" in card["detail"]
    assert "IVIG for anti-HMGCR" not in card["detail"] and "last effective glucocorticoid dose" not in card["detail"]
    assert _preselected(card) == []
    assert "with weakness or myalgia" in explained(result, RULE)["facts"]["ici_myositis"]


def test_without_a_critical_card_the_recheck_is_pre_selected(kb, today):
    card, entry = _result(kb, tapering_chart(today))
    assert _preselected(card) == ["CK in 7-14 days", "TSH", "MMT-8 within 2 weeks", "Clinic visit within 2 weeks"]
    assert entry["facts"]["severe_card_shows"] is False and entry["facts"]["ici_myositis"] is None


def test_the_nadir_is_the_current_flares_and_the_plan_restores_the_ivig_interval(kb, today):
    """Review 423 (s3): a flare re-treated within the episode came down to 250 U/L; R21 compared 650 U/L with the
    150 of the remission before it (4.3x) and said to go back to the last effective glucocorticoid dose only, while
    IVIG had been spaced from 4 to 8 weeks too."""
    card, entry = _result(kb, re_treated_flare_chart(today, 650))
    assert entry["facts"]["nadir_ck"].startswith("250 U/L") and entry["facts"]["ratio_to_nadir"] == 2.6
    assert "2.6x nadir" in card["summary"]
    assert ("If the relapse is confirmed, restore the steroid-sparing treatment that was reduced (IVIG cycles every 8 "
            "weeks instead of every 4 weeks on") in card["detail"]
    assert "go back to the last effective glucocorticoid dose, and\nescalate by subtype" in card["detail"]
    card, entry = _result(kb, re_treated_flare_chart(today, 400))  # 2.7x the remission's 150, 1.6x this flare's 250
    assert card is None and entry["reason"].startswith("latest CK 400 U/L is below 2 x the nadir 250 U/L")


def test_only_a_steroid_sparing_agent_reduced_is_what_the_plan_restores(kb, today):
    """Prednisone unchanged, IVIG spaced out: going back to the last effective glucocorticoid dose was the whole
    plan, though the glucocorticoid was never lowered."""
    card = fired(run(kb, fhir_fixtures.get("r21-fires-ivig-spaced-out").request(today), today))[RULE]
    assert "restore the steroid-sparing treatment that was reduced (IVIG cycles every 8 weeks instead of every 4 " \
           "weeks on" in card["detail"]
    assert "last effective glucocorticoid dose" not in card["detail"]
    plan = fired(run(kb, tapering_chart(today).request("patient-view"), today))[RULE]["detail"]  # prednisone only
    assert "If the relapse is confirmed, go back to the last effective glucocorticoid dose and\nescalate" in plan


def test_a_drug_stopped_for_an_adverse_reaction_is_not_what_the_plan_restores(kb, today):
    """Review 424 item 4 (t1): methotrexate stopped for hepatotoxicity (statusReason; ALT 210, toxic liver disease on
    the problem list). R21 advised "restore the steroid-sparing treatment that was reduced (methotrexate stopped
    ...)". It says why it was stopped and that another agent is needed, without naming one."""
    card, _ = _result(kb, methotrexate_stopped_chart(today))
    assert "restore the steroid-sparing treatment" not in card["detail"]
    assert ("If the relapse is confirmed, escalate by subtype (IVIG for anti-HMGCR, rituximab for anti-SRP). "
            f"**Methotrexate stopped (methotrexate 2.5 MG Oral Tablet) on {today - timedelta(days=45)} for an adverse "
            "reaction or intolerance (Stopped: methotrexate hepatotoxicity): do not restart it; another "
            "steroid-sparing agent is needed in its place.**") in card["detail"]
    # a stop the chart gives no harmful reason for is still one to restore
    card, _ = _result(kb, methotrexate_stopped_chart(today, {"text": "Stopped: in remission, no adverse effects"}))
    assert "restore the steroid-sparing treatment that was reduced (methotrexate stopped" in card["detail"]
    assert "adverse reaction or intolerance" not in card["detail"]


@pytest.mark.parametrize("reason", ["MTX pneumonitis", "Raised LFTs", "Elevated liver enzymes", "Mouth ulcers"])
def test_a_drug_stopped_for_a_named_toxicity_is_not_what_the_plan_restores(kb, today, reason):
    """Review 426 item 2 (t2): a statusReason naming the toxicity, not the word 'toxic', got "restore"."""
    card, _ = _result(kb, methotrexate_stopped_chart(today, {"text": reason}))
    assert "restore the steroid-sparing treatment" not in card["detail"]
    assert f"for an adverse reaction or intolerance ({reason}): do not restart it" in card["detail"]


def test_a_drug_stopped_with_no_reason_is_restored_unless_it_was_for_toxicity(kb, today):
    """Review 426 item 2 (t2 none): no statusReason (ALT 210, toxic liver disease on the chart) got an unconditional
    "restore": the chart does not say whether it was stopped for toxicity, so the plan says so."""
    card = fired(run(kb, fhir_fixtures.get("r21-fires-methotrexate-stopped-no-reason-restored-unless-toxicity")
                     .request(today), today))[RULE]
    assert ("restore the steroid-sparing treatment that was reduced (methotrexate stopped (methotrexate 2.5 MG Oral "
            f"Tablet) on {today - timedelta(days=45)}) unless it was stopped or lowered for toxicity (the chart gives "
            "no reason), and\nescalate by subtype") in card["detail"]


def test_a_dose_lowered_for_intolerance_is_not_raised_again(kb, today):
    """Methotrexate lowered from 20 to 10 mg weekly, the 20 mg order stopped for suspected intolerance (coded only)."""
    chart = tapering_chart(today)
    chart.resources["medications"] = [m for m in chart.resources["medications"] if "105585" not in str(m)]
    first = chart.medication_request(METHOTREXATE_2_5, 20, "mg", start=-180, end=-31, status="stopped", period=1,
                                     period_unit="wk")
    chart.resources["medications"].append({**first, "statusReason": {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/medicationrequest-status-reason", "code": "sintol",
        "display": "Suspected intolerance"}]}})
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-30, period=1, period_unit="wk")
    card, _ = _result(kb, chart)
    assert "for an adverse reaction or intolerance (Suspected intolerance): do not go back to the earlier dose; " \
           "another steroid-sparing agent is needed instead.**" in card["detail"]
    assert "restore the steroid-sparing treatment" not in card["detail"]
    assert "go back to the last effective glucocorticoid dose and\nescalate" in card["detail"]

