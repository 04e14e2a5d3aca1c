"""R23 weakness-with-normal-ck: the MMT-8 comparison window, documented weakness age, and the suggested work-up."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import CK, PREDNISONE_20
from fhir_fixtures.r23_weakness_with_normal_ck import weak_chart
from tests.conftest import explained, fired, run

RULE = "weakness-with-normal-ck"


def _result(kb, chart):
    result = run(kb, chart.request("patient-view"), chart.today)
    return fired(result).get(RULE), explained(result, RULE)


def test_card_content_and_orders(kb, today):
    card, entry = _result(kb, weak_chart(today))
    assert card["indicator"] == "info" and "steroid myopathy" in card["detail"]
    assert "MMT-8 fell from 130" in entry["facts"]["weakness"] and "down 10%" in entry["facts"]["weakness"]
    actions = card["suggestions"][0]["actions"]
    assert actions[0]["resource"]["code"]["coding"][0]["code"] == "26235-2"
    assert "STIR" in actions[0]["resource"]["code"]["text"]
    assert [a["description"] for a in actions[1:]] == ["Potassium", "TSH", "Physiotherapy referral"]


def test_earlier_mmt8_outside_120_days_does_not_count(kb, today):
    chart = weak_chart(today)
    chart.resources["observations"][-2]["effectiveDateTime"] = chart.at(-121)
    card, entry = _result(kb, chart)
    assert card is None and entry["facts"]["weakness"] is None


def test_old_low_mmt8_is_not_new_weakness(kb, today):
    chart = weak_chart(today)
    chart.resources["observations"][-1]["effectiveDateTime"] = chart.at(-31)
    assert _result(kb, chart)[0] is None


def test_weakness_documented_31_days_ago_does_not_count(kb, today):
    chart = weak_chart(today, mmt8_now=None).condition("Muscle weakness", onset=-31)
    assert _result(kb, chart)[0] is None
    chart = weak_chart(today, mmt8_now=None).condition("Muscle weakness", onset=-30)
    assert _result(kb, chart)[0] is not None


def test_a_newer_ck_in_an_unreadable_unit_is_not_passed_over_for_an_older_normal_one(kb, today):
    """CK 150 ten days ago, then CK 6,000 in 'IU/mL' (not a unit we read) two days ago: 'the CK is normal, do not
    escalate' would rest on the older result."""
    card, entry = _result(kb, weak_chart(today).ck(6000, day=-2, unit="IU/mL"))
    assert card is None and entry["status"] == "not-evaluable" and "IU/mL" in entry["reason"]


def test_a_newer_ck_reported_as_text_is_not_passed_over_either(kb, today):
    card, entry = _result(kb, weak_chart(today).observation(CK, -2, value_string=">20,000 (see note)"))
    assert card is None and entry["status"] == "not-evaluable" and "'>20,000 (see note)'" in entry["reason"]


def test_a_ck_written_above_the_analysers_range_is_no_normal_ck(kb, today):
    card, entry = _result(kb, weak_chart(today).observation(CK, -2, value_string=">20,000 U/L"))
    assert card is None and entry["status"] == "not-fired" and "latest CK >20,000 U/L on" in entry["reason"]


@pytest.mark.parametrize("written", [{"value": 150, "comparator": ">", "unit": "U/L"},
                                     {"value_string": ">150 U/L"}])
def test_a_ck_bound_that_may_be_above_the_uln_is_not_called_normal(kb, today, written):
    """'>150 U/L' against a ULN of 200: as a valueQuantity it was read as exactly 150 and the card said 'normal
    CK (150 U/L)'."""
    card, entry = _result(kb, weak_chart(today).observation(CK, -2, high=200, range_unit="U/L", **written))
    assert card is None and entry["status"] == "not-evaluable"
    assert "latest CK >150 U/L on" in entry["reason"] and "does not tell whether the CK is normal" in entry["reason"]


def test_a_ck_below_a_bound_within_the_normal_range_is_shown_as_written(kb, today):
    card, _ = _result(kb, weak_chart(today).observation(CK, -2, value=20, comparator="<", unit="U/L", high=200))
    assert card["summary"].startswith("Weakness with a normal CK (<20 U/L)")


def test_a_ucum_annotation_does_not_make_a_ck_unreadable(kb, today):
    card, entry = _result(kb, weak_chart(today).ck(6000, day=-2, unit="U/L{37C}"))
    assert card is None and entry["status"] == "not-fired" and "6,000 U/L" in entry["reason"]


@pytest.mark.parametrize(("now", "fires"), [(76, False), (60, True)])
def test_a_score_on_the_0_80_scale_is_compared_on_the_0_150_scale(kb, today, now, fires):
    """145/150 then 76/80 (about 143/150) is no fall; 60/80 (about 113/150) is a fall of 22%."""
    chart = weak_chart(today, mmt8_now=None)
    chart.resources["observations"][-1]["valueQuantity"]["value"] = 145
    chart.observation("MMT-8 total score (0-80 scale)", -5, value=now, unit="{score}", low=0, high=80)
    card, entry = _result(kb, chart)
    assert (card is not None) is fires
    if fires:
        assert entry["facts"]["weakness"].startswith("MMT-8 fell from 145/150") and "down 22%" in card["detail"]


@pytest.mark.parametrize(("end", "fires"), [(None, True), (0, True), (-1, False), (-100, False)])
def test_an_unreadable_course_counts_its_days_only_while_it_is_given(kb, today, end, fires):
    """27 days of readable prednisone, and an order with no dose from 300 days ago: it counts in the days on
    glucocorticoids while it runs, but an order left 'active' after its end date is no longer given."""
    chart = weak_chart(today, gc_start=-26).medication(PREDNISONE_20, None, None, start=-300, end=end)
    card, entry = _result(kb, chart)
    assert (card is not None) is fires
    assert entry["facts"]["gc_days"] == (301 if fires else 27)


def test_a_renewal_a_day_late_does_not_restart_the_days_on_glucocorticoids(kb, today):
    """Prednisone for 61 days, renewed a day late 20 days ago: 61 days (>= 28), not 20."""
    chart = weak_chart(today, gc_start=-19).medication(PREDNISONE_20, 15, "mg", start=-60, end=-21,
                                                       status="completed")
    card, entry = _result(kb, chart)
    assert entry["facts"]["gc_days"] == 61 and entry["facts"]["gaps_counted"] == chart.at(-20)
    assert card is not None and f"mg/day PEQ; a short gap on {chart.at(-20)} is counted" in card["detail"]


def test_a_ck_more_than_30_days_old_is_not_judged_and_says_so(kb, today):
    assert _result(kb, weak_chart(today, ck_day=-30))[0] is not None
    card, entry = _result(kb, weak_chart(today, ck_day=-31))
    assert card is None and entry["status"] == "not-evaluable"
    assert "is 31 days old (needs <= 30), to tell weakness with a normal CK" in entry["reason"]


@pytest.mark.parametrize("status", ["completed", "stopped"])
@pytest.mark.parametrize("dose", [20, None], ids=["readable", "unreadable dose"])
def test_an_order_that_ended_before_its_end_date_is_not_given_today(kb, today, status, dose):
    """Prednisone from D-100 with its end date at D+30, 'completed': the order says it is over, on a day the chart
    does not give. R23 read the end date over the status and wrote 'today 20 mg/day PEQ'. Its days still count
    (at the latest to today, as every exposure window reads them), and the card still shows (it may have stopped
    yesterday, and steroid myopathy outlasts the last dose), saying no glucocorticoid is given today. The same order
    'active' fires with today's dose."""
    ended = weak_chart(today)
    ended.resources["medications"].clear()
    ended.medication(PREDNISONE_20, dose, "mg" if dose else None, start=-100, end=30, status=status)
    card, entry = _result(kb, ended)
    assert card is not None and entry["facts"]["gc_days"] == 101
    stopped = f"{PREDNISONE_20[2]} ({status} before its end date {ended.at(30)}, on a day the chart does not give)"
    assert entry["facts"]["stopped_on_a_day_not_given"] == stopped
    assert (f"(today none given: {stopped})"
            in " ".join(card["detail"].split())) and "mg/day PEQ" not in card["detail"]
    active = weak_chart(today)
    active.resources["medications"].clear()
    active.medication(PREDNISONE_20, dose, "mg" if dose else None, start=-100, end=30)
    card, entry = _result(kb, active)
    assert card is not None and entry["facts"]["gc_days"] == 101


def test_a_dose_change_charted_as_an_order_ended_early_and_a_new_one(kb, today):
    """15 mg current from D-20 after a 20 mg order from D-100 completed before its D+30 end date: 101 days on
    glucocorticoids, today the current order's 15 mg (it read 35 mg, both orders to today). The review's scenario
    E: reading the old order as given on its start day only had left 21 days (< 28) and no card."""
    chart = weak_chart(today, gc_start=-20).medication(PREDNISONE_20, 20, "mg", start=-100, end=30,
                                                       status="completed")
    card, entry = _result(kb, chart)
    assert entry["facts"]["gc_days"] == 101
    assert "Glucocorticoids for 101 days\n(today 15 mg/day PEQ)" in card["detail"]


def test_a_fall_from_a_score_before_the_glucocorticoid_says_so(kb, today):
    """MMT-8 130 at D-90, prednisone since D-40, 117 now: the card said "MMT-8 fell from 130/150" and went on to
    steroid myopathy, though the 130 was scored before the prednisone began. The fall still counts (the table's
    120-day window), and the card says the score predates the glucocorticoid."""
    chart = weak_chart(today, gc_start=-40)
    card, entry = _result(kb, chart)
    assert entry["facts"]["weakness"] == (f"MMT-8 fell from 130/150 ({chart.at(-90)}, before this glucocorticoid "
                                          f"course began on {chart.at(-40)}) to 117/150 ({chart.at(-5)}), down 10%")
    assert entry["facts"]["weakness"] in card["detail"]


def test_a_score_on_an_earlier_course_is_not_said_to_predate_the_glucocorticoid(kb, today):
    """Prednisone from D-200 to D-60, then again from D-40: the card said the D-90 score was taken "before the
    glucocorticoid began on" D-40, though it was taken on the earlier course (review of task E). It names the course."""
    chart = weak_chart(today, gc_start=-40).medication(PREDNISONE_20, 20, "mg", start=-200, end=-60,
                                                       status="completed")
    _, entry = _result(kb, chart)
    assert entry["facts"]["weakness"] == (f"MMT-8 fell from 130/150 ({chart.at(-90)}, on an earlier glucocorticoid "
                                          f"course, before this one began on {chart.at(-40)}) to 117/150 "
                                          f"({chart.at(-5)}), down 10%")


def test_a_fall_on_the_glucocorticoid_is_named_before_one_from_a_score_before_it(kb, today):
    """A higher score before the prednisone (140 at D-100) and one on it (130 at D-90, prednisone since D-95), both
    10% or more above today's 117: the fall on the glucocorticoid is the one steroid myopathy would explain, so it is
    named; the best score overall was named before."""
    chart = weak_chart(today, gc_start=-95).observation("MMT-8", -100, value=140, unit="{score}")
    _, entry = _result(kb, chart)
    assert entry["facts"]["weakness"] == (f"MMT-8 fell from 130/150 ({chart.at(-90)}) to 117/150 ({chart.at(-5)}), "
                                          "down 10%")
