"""Prednisone-equivalent exposure over time, IV pulses and T_tx."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    RXNORM,
    SNOMED,
    Chart,
)
from hooks.definitions import courses, steroids
from hooks.definitions.routes import V3_ROUTE
from tests.conftest import with_params
from tests.definitions_support import record_and_context


def test_daily_timeline_and_consecutive_days(kb, today):
    chart = Chart(today).weight(70, day=-1)
    chart.medication(PREDNISONE_20, 60, "mg", start=-60, end=-31, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-30)
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert history.peq_on(today - timedelta(days=45)) == 60
    assert history.peq_on(today) == 40
    assert history.run_at_or_above(20, today).days == 61
    assert history.run_at_or_above(50, today).days == 0


def test_a_taper_written_as_one_order_gives_each_step_its_own_dose(kb, today):
    chart = Chart(today).weight(70, day=-1).taper_order(PREDNISONE_20, [(60, 14), (40, 14), (30, 28), (20, 28)],
                                                        start=-40)
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert [history.peq_on(today - timedelta(days=d)) for d in (40, 27, 26, 13, 12, 0)] == [60, 60, 40, 40, 30, 30]
    assert history.run_at_or_above(20, today).days == 41
    assert not history.unreadable


def test_a_step_whose_dose_cannot_be_read_makes_the_order_unreadable(kb, today):
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 14), (1, 14)], start=-20)
    chart.resources["medications"][0]["dosageInstruction"][1]["doseAndRate"][0]["doseQuantity"].update(
        unit="mg/kg", code="mg/kg")  # and no weight on file
    record, context = record_and_context(kb, chart)
    assert steroids.history(record, context).unreadable == record.medications


def test_iv_methylprednisolone_counts_as_peq_and_as_a_pulse(kb, today):
    chart = Chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, end=-1, status="completed", route=ROUTE_IV)
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert history.peq_on(today - timedelta(days=2)) == 1250
    assert steroids.is_iv_methylprednisolone(record.medications[0])


@pytest.mark.parametrize(("route", "pulse"), [
    (ROUTE_IV, True),
    (None, True),  # no route: the injectable product's name decides
    ({"coding": [{"system": "http://snomed.info/sct", "code": "78421000", "display": "Intramuscular route"}]}, False),
    ({"text": "intra-articular (left knee)"}, False),
    ({"text": "as per protocol"}, True),  # a route that names no other way in leaves the product name to decide
    ({"text": "IM (not IV)"}, False),
    ({"text": "IM (non-IV)"}, False),
    ({"text": "IM (non IV)"}, False),
    ({"text": "IV push"}, True),
])
def test_a_route_other_than_intravenous_is_never_an_iv_pulse(kb, today, route, pulse):
    """A Depo-Medrol shot into a muscle or a joint is not a pulse: it must not set T_tx or count as R19's
    'already treated'."""
    chart = Chart(today).medication(METHYLPRED_1000, 40, "mg", start=-6, end=-6, status="completed", route=route)
    record, _ = record_and_context(kb, chart)
    assert steroids.is_iv_methylprednisolone(record.medications[0]) is pulse


@pytest.mark.parametrize(("system", "code", "iv"), [
    (V3_ROUTE, "IVINJ", True), (V3_ROUTE, "IVINF", True), (V3_ROUTE, "IVPUSH", True),
    (SNOMED, "255560000", True), (SNOMED, "47625008", True),
    (V3_ROUTE, "PO", False), (V3_ROUTE, "IM", False), (V3_ROUTE, "SQ", False),
])
def test_a_route_coded_without_words_is_read_by_its_code(kb, today, system, code, iv):
    """Ingredient-level methylprednisolone (RxNorm 6902, no form in its name) with only a route code: an HL7 v3 or
    SNOMED CT intravenous code other than 47625008 was not read as IV, so R07 passed 2 g a day unchecked."""
    chart = Chart(today).medication((RXNORM, "6902", "methylprednisolone"), 1000, "mg", start=-3, end=-1,
                                    status="completed", route={"coding": [{"system": system, "code": code}]})
    record, _ = record_and_context(kb, chart)
    assert steroids.is_iv_methylprednisolone(record.medications[0]) is iv


@pytest.mark.parametrize(("onset", "courses", "ttx_day", "why"), [
    # years earlier (asthma); then below 0.5 mg/kg and 30 mg; then 60 mg: the first qualifying course of this episode
    (-100, [(PREDNISONE_20, 40, -900, -880), (PREDNISONE_5, 10, -95, -91), (PREDNISONE_20, 60, -90, None)], -90,
     "60 mg/day PEQ"),
    # 20 mg + 20 mg as two orders is 40 mg/day (>= 30 mg): from the day both are given
    (-100, [(PREDNISONE_20, 20, -80, None), (PREDNISONE_20, 20, -60, None)], -60, "40 mg/day PEQ"),
    # a course that began before the three-year timeline: its own start
    (-1300, [(PREDNISONE_20, 40, -1250, None)], -1250, "40 mg/day PEQ"),
    # T_tx's course ended before the timeline reaches back, the taper goes on: courses are read by their dates
    (-1500, [(PREDNISONE_20, 60, -1480, -1200), (PREDNISONE_20, 20, -1199, -61), (PREDNISONE_5, 15, -60, None)],
     -1480, "60 mg/day PEQ"),
    # ... and a re-escalation within the timeline is not mistaken for the episode's first course
    (-1500, [(PREDNISONE_20, 60, -1480, -1200), (PREDNISONE_20, 20, -1199, -301), (PREDNISONE_20, 40, -300, None)],
     -1480, "60 mg/day PEQ"),
])
def test_ttx_is_the_first_day_this_episodes_daily_peq_qualifies(kb, today, onset, courses, ttx_day, why):
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=onset)
    for product, mg, start, end in courses:
        chart.medication(product, mg, "mg", start=start, end=end, status="completed" if end else "active")
    start, reason = steroids.treatment_start(*record_and_context(kb, chart))
    assert start == today + timedelta(days=ttx_day) and why in reason


@pytest.mark.parametrize(("onset", "courses", "ttx_day"), [
    # a 5-day burst over 56 days before the onset (another illness) is not this episode's: T_tx is the course after
    (-40, [(40, -100, -96), (60, -10, None)], -10),
    # started before the diagnosis was charted and given through the onset: this episode's
    (-20, [(60, -45, None)], -45),
    # ... also when continued at a lower dose in a new order from the onset (R29 reads one run)
    (-20, [(60, -50, -21), (20, -20, None)], -50),
    # ... or renewed after a gap across the onset (a washout before the biopsy: up to ttx_episode_gap_days, 30)
    (-20, [(60, -50, -25), (60, -17, None)], -50),
    (-20, [(60, -60, -30), (60, -14, None)], -60),
    # ... or over at most 30 days before the onset, a course begun before the diagnosis was charted
    (-20, [(60, -50, -31), (None, -30, None)], -50),
    # a course at the T_tx level over 31 days before the onset, then none at it until after: another illness's
    (-20, [(60, -80, -51), (60, -10, None)], -10),
    # a low maintenance dose given through the onset for years does not tie an old burst to this episode
    (-20, [(5, -1000, None), (40, -700, -690), (60, -15, None)], -15),
])
def test_ttx_is_a_course_of_this_episode_not_one_over_before_the_onset(kb, today, onset, courses, ttx_day):
    """A burst ending 56 days before the onset was T_tx (courses ending up to 90 days before it counted), so R05
    dated treatment from it while R29 said immunosuppression started 10 days ago (clinician review). A course
    belongs to this episode when it is given on or after the onset, or is part of a run of courses at the T_tx level
    that reaches the onset (steroids.episode_start). A first version (any glucocorticoid run through the onset, gaps
    of 7 days) made a burst two years back T_tx beside a 5 mg maintenance dose, and dropped a course stopped for a
    biopsy washout (follow-up review)."""
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=onset)
    for mg, start, end in courses:
        chart.medication(PREDNISONE_20, mg, "mg" if mg else None, start=start, end=end,
                         status="completed" if end else "active")
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today + timedelta(days=ttx_day)
    assert steroids.why_treatment_start_unknown(record, context) is None


def test_another_agents_days_do_not_tie_an_earlier_burst_to_this_episode(kb, today):
    """Methotrexate for arthritis given through the onset makes R29's immunosuppression one run, but T_tx asks about
    glucocorticoid courses: a prednisone burst during it, over before the onset, is not this episode's."""
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=-40)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-400, period=1, period_unit="wk")
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=-96, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-10)
    record, context = record_and_context(kb, chart)
    assert steroids.episode_start(record, context) == today - timedelta(days=40)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=10)


_FIRST_EPISODE = (PREDNISONE_20, 60, -1500, -1100)  # IMNM since day -1520, its first course


@pytest.mark.parametrize(("courses", "ttx_day", "episode_day"), [
    # re-induction at relapse after years off every treatment: this episode's T_tx, not the first course
    ([_FIRST_EPISODE, (PREDNISONE_20, 60, -45, None)], -45, -45),
    # ... also when the first episode's methotrexate went on for a while after the prednisone
    ([_FIRST_EPISODE, (METHOTREXATE_2_5, 20, -1480, -800), (PREDNISONE_20, 60, -45, None)], -45, -45),
    # ... or the re-induction began with IV methylprednisolone pulses
    ([_FIRST_EPISODE, (METHYLPRED_1000, 1000, -50, -48), (PREDNISONE_20, 60, -47, None)], -50, -50),
    # ... or after a week of a low dose: the episode from it, T_tx the first course at the T_tx level
    ([_FIRST_EPISODE, (PREDNISONE_5, 5, -52, -46), (PREDNISONE_20, 60, -45, None)], -45, -52),
    # a relapse treated and over, nothing since: the latest episode is still the relapse's
    ([_FIRST_EPISODE, (PREDNISONE_20, 60, -500, -300)], -500, -500),
    # a low maintenance dose given throughout: one episode, never paused
    ([_FIRST_EPISODE, (PREDNISONE_5, 5, -1099, -46), (PREDNISONE_20, 60, -45, None)], -1500, -1520),
    # ... or methotrexate given throughout: a relapse on maintenance therapy is the same episode's
    ([_FIRST_EPISODE, (METHOTREXATE_2_5, 20, -1480, None), (PREDNISONE_20, 60, -45, None)], -1500, -1520),
    # tapered off, then a flare 60 days later: the same episode
    ([(PREDNISONE_20, 60, -400, -106), (PREDNISONE_20, 60, -45, None)], -400, -1520),
    # the pause that ends an episode: 180 days off (ttx_new_episode_after_days_off), not 179
    ([(PREDNISONE_20, 60, -400, -225), (PREDNISONE_20, 60, -45, None)], -400, -1520),
    ([(PREDNISONE_20, 60, -400, -226), (PREDNISONE_20, 60, -45, None)], -45, -45),
    # a low dose resumed after the pause makes no T_tx, so no new episode: T_tx is the first course's
    ([_FIRST_EPISODE, (PREDNISONE_5, 10, -45, None)], -1500, -1520),
])
def test_a_relapse_retreated_after_a_drug_free_remission_is_a_new_episode(kb, today, courses, ttx_day, episode_day):
    """One active IMNM Condition (onset day -1520), prednisone 60 mg from day -1500 to -1100, nothing after, 60 mg
    again from day -45: T_tx stayed the first episode's course, so R05 said "day 1501 of treatment", and the first
    episode's methotrexate, stopped 800 days ago, counted as given since T_tx (R05 quiet on prednisone alone); R22
    used the stable 90-day CK interval during the re-induction (clinician review). A relapse is most often charted on
    the same Condition: after ttx_new_episode_after_days_off days off every systemic glucocorticoid and steroid-sparing
    agent, treatment at the T_tx level begins a new episode (steroids.episode_start)."""
    chart = Chart(today).weight(70, day=-2).condition(IMNM_SNOMED, onset=-1520)
    for product, mg, start, end in courses:
        weekly = {"period": 1, "period_unit": "wk"} if product == METHOTREXATE_2_5 else {}
        iv = {"route": ROUTE_IV} if product == METHYLPRED_1000 else {}
        chart.medication(product, mg, "mg", start=start, end=end, status="completed" if end else "active", **weekly,
                         **iv)
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today + timedelta(days=ttx_day)
    assert steroids.episode_start(record, context) == today + timedelta(days=episode_day)
    assert steroids.why_treatment_start_unknown(record, context) is None


def test_anti_cd20_still_acting_keeps_the_episode_and_the_onset_charted_after_the_restart_dates_it(kb, today):
    """Rituximab given as the prednisone ended still acts for about six months (B cells depleted,
    treatment_duration.coverage): 255 days off prednisone are no drug-free remission, one episode. A relapse's onset
    charted after its re-induction began dates the episode as before."""
    chart = Chart(today).weight(70, day=-2).condition(IMNM_SNOMED, onset=-720)
    chart.medication(PREDNISONE_20, 60, "mg", start=-700, end=-300, status="completed")
    chart.medication(RITUXIMAB, 1000, "mg", start=-330, end=-316, status="completed", route=ROUTE_IV, period=14,
                     count=2)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=700)
    charted_late = Chart(today).weight(70, day=-2).condition(IMNM_SNOMED, onset=-20)
    charted_late.medication(PREDNISONE_20, 60, "mg", start=-1500, end=-1100, status="completed")
    charted_late.medication(PREDNISONE_20, 60, "mg", start=-45)
    assert steroids.treatment_start(*record_and_context(kb, charted_late))[0] == today - timedelta(days=45)


def test_with_no_onset_on_file_a_burst_within_the_timeline_is_still_ttx(kb, today):
    """With no onset (nor recorded date) the episode cannot be dated: it reaches back HISTORY_DAYS, as before, so
    an earlier burst is T_tx (the rows that count from T_tx err early for such a chart)."""
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=None)
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=-96, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-10)
    record, context = record_and_context(kb, chart)
    assert steroids.episode_start(record, context) == today - timedelta(days=steroids.HISTORY_DAYS)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=100)


def test_ttx_reaching_back_years_leaves_the_daily_timeline_as_long_as_it_was(kb, today):
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=-1500)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1480, end=-1200, status="completed")
    chart.medication(PREDNISONE_5, 15, "mg", start=-60)
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=1480)
    history = steroids.history(record, context)
    assert history.levels.first == (today - timedelta(days=steroids.HISTORY_DAYS)).toordinal()


def test_with_no_onset_on_file_the_episode_reaches_back_as_far_as_the_timeline(kb, today):
    """An IV pulse five years ago was T_tx when no onset was on file, while an oral course as old was not: both
    are now judged within HISTORY_DAYS."""
    chart = Chart(today).weight(80, day=-2).condition(IMNM_SNOMED, onset=None)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-1800, end=-1798, status="completed", route=ROUTE_IV)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1790, end=-1500, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    start, reason = steroids.treatment_start(*record_and_context(kb, chart))
    assert start == today - timedelta(days=100) and "60 mg/day PEQ" in reason


@pytest.mark.parametrize(("gap_days", "run_days"), [(1, 71), (7, 71), (8, 12)])
def test_a_refill_up_to_a_week_late_does_not_break_the_run_and_its_days_count(kb, today, gap_days, run_days):
    """40 mg/day for ten weeks, renewed a day late, read as 20 days: R24's 28 days were never reached. A gap of
    up to dose_gap_bridge_days (7) after which the dose is back is a late refill; its days count, so 'N days since
    the first' stays true."""
    chart = Chart(today).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=-70, end=-20, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-20 + gap_days + 1)
    record, context = record_and_context(kb, chart)
    run = steroids.history(record, context).run_at_or_above(20, today)
    assert run.days == run_days and run.first == today - timedelta(days=run_days - 1)
    gap = (today - timedelta(days=19), today - timedelta(days=20 - gap_days))
    assert run.gaps == ((gap,) if gap_days <= 7 else ())
    assert (gap[0].isoformat() in run.gap_note()) is (gap_days <= 7)


@pytest.mark.parametrize(("courses", "run_days"), [
    ([(-32, -30), (-25, -23), (-18, -16), (-11, -9), (-4, 0)], 5),  # 3-day bursts a week apart: separate courses
    ([(-60, -20), (-18, 0)], 61),  # long courses a day apart: a late refill
    ([(-60, -20), (-18, -14), (-12, 0)], 13),  # a 5-day course between two gaps is a burst, not a refill
])
def test_only_a_gap_between_two_courses_of_a_week_or_more_is_a_late_refill(kb, today, courses, run_days):
    """Short bursts a few days apart had counted as one long run (four 3-day bursts as 33 days: found by review)."""
    chart = Chart(today)
    for start, end in courses:
        chart.medication(PREDNISONE_20, 40, "mg", start=start, end=end, status="completed" if end < 0 else "active")
    assert steroids.history(*record_and_context(kb, chart)).run_at_or_above(20, today).days == run_days


def test_a_lower_dose_for_a_few_days_is_a_step_down_not_a_refill(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-60, end=-11, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-10, end=-6, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-5)
    assert steroids.history(*record_and_context(kb, chart)).run_at_or_above(20, today).days == 6


def test_a_gap_not_closed_yet_is_no_refill(kb, today):
    """A course that ended two days ago may be renewed tomorrow, or not: nothing is counted today."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-70, end=-2, status="completed")
    record, context = record_and_context(kb, chart)
    assert steroids.history(record, context).run_at_or_above(20, today).days == 0


def test_the_gap_bridged_is_the_site_parameter(kb, today):
    chart = Chart(today).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 40, "mg", start=-70, end=-20, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-18)
    site = with_params(kb, "definitions", dose_gap_bridge_days=0)
    assert steroids.history(*record_and_context(site, chart)).run_at_or_above(20, today).days == 19


@pytest.mark.parametrize(("weights", "ttx_day", "why"), [
    # 48 kg, measured 45 days ago (too old to dose from): 25 mg/day is 0.52 mg/kg/day, so T_tx
    ([(48, -45)], -200, "0.52 mg/kg/day at 48 kg"),
    # the weight nearest the course's start judges it: 80 kg then (0.31 mg/kg/day), however light the patient now
    ([(80, -205), (45, -2)], -100, "60 mg/day PEQ"),
])
def test_a_course_below_30_mg_is_judged_by_the_weight_measured_nearest_its_start(kb, today, weights, ttx_day, why):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-220)
    for kg, day in weights:
        chart.weight(kg, day=day)
    chart.medication(PREDNISONE_20, 25, "mg", start=-200, end=-101, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    record, context = record_and_context(kb, chart)
    start, reason = steroids.treatment_start(record, context)
    assert start == today + timedelta(days=ttx_day) and why in reason
    assert steroids.why_treatment_start_unknown(record, context) is None


def test_with_no_weight_on_file_a_course_below_30_mg_leaves_ttx_unknown(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-220)
    chart.medication(PREDNISONE_20, 25, "mg", start=-200, end=-101, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=100)  # the first certain one
    unknown = steroids.why_treatment_start_unknown(record, context)
    assert "25 mg/day PEQ from " + (today - timedelta(days=200)).isoformat() in unknown
    assert "50 kg or less" in unknown


@pytest.mark.parametrize(("age", "unknown"), [(52, False), (9, True)])
def test_with_no_weight_a_low_dose_leaves_ttx_unknown_only_if_the_patient_could_be_that_light(kb, today, age,
                                                                                              unknown):
    """5 mg/day is T_tx only at 10 kg or less: not for an adult (taken to weigh at least 30 kg), maybe for a
    child."""
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-220)
    chart.medication(PREDNISONE_5, 5, "mg", start=-400, end=-101, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=100)
    assert (steroids.why_treatment_start_unknown(record, context) is not None) is unknown


def test_an_unreadable_course_before_ttx_leaves_it_unknown_and_one_after_does_not(kb, today):
    chart = Chart(today).weight(70, day=-200).condition(IMNM_SNOMED, onset=-220)
    chart.medication(PREDNISONE_20, 60, "mg", start=-100)
    chart.medication(PREDNISONE_5, 1, "mg/kg", start=-20)  # no current weight: unreadable, but after T_tx
    record, context = record_and_context(kb, chart)
    assert steroids.why_treatment_start_unknown(record, context) is None
    chart.medication(PREDNISONE_5, None, None, start=-100)  # no dose, started with T_tx: it cannot move T_tx
    record, context = record_and_context(kb, chart)
    assert steroids.why_treatment_start_unknown(record, context) is None
    chart.medication(PREDNISONE_20, 1, "mg/kg", start=-150, end=-120, status="completed")
    record, context = record_and_context(kb, chart)
    assert steroids.treatment_start(record, context)[0] == today - timedelta(days=100)
    assert "could not be read" in steroids.why_treatment_start_unknown(record, context)


def _latest_ttx(kb, chart):
    return steroids.read_treatment_start(*record_and_context(kb, chart)).latest


def test_the_latest_possible_ttx_is_the_one_found_or_the_last_course_that_may_be_it(kb, today):
    """R22 and R25 took an unknown T_tx with none found to be possibly today, though every course that may be T_tx
    began long ago (review): T_tx is the one found or lies before it, else it is the first day of one of the courses
    that may be it, so no later than the latest of them."""
    def chart(weight_kg=None):
        c = Chart(today).condition(IMNM_SNOMED, onset=-500)
        if weight_kg is not None:
            c.weight(weight_kg, day=-400)
        c.medication(PREDNISONE_20, 25, "mg", start=-400, end=-201, status="completed")
        return c.medication(PREDNISONE_20, 20, "mg", start=-200)  # T_tx at 40 kg or less
    assert _latest_ttx(kb, chart()) == today - timedelta(days=200)
    assert _latest_ttx(kb, chart(weight_kg=90)) is None  # no T_tx at all
    # 60 mg/day from D-100 is T_tx, or an earlier course is: no later than D-100
    found = chart().medication(PREDNISONE_20, 40, "mg", start=-100)
    assert _latest_ttx(kb, found) == today - timedelta(days=100)
    assert steroids.why_treatment_start_unknown(*record_and_context(kb, found)) is not None


def test_a_planned_pulse_is_not_ttx_yet_but_bounds_it(kb, today):
    """An IV methylprednisolone pulse current on the chart but starting tomorrow (courses.planned) was read as T_tx,
    dated tomorrow: R22 said "Treatment started -1 days ago". No dose of it is given yet, so it is not T_tx; with none
    begun it is T_tx to come, and the latest day T_tx may be (R22's early phase, R25's DXA window keep it). A begun
    T_tx is T_tx whatever is planned."""
    chart = Chart(today).weight(80, day=-5).condition(IMNM_SNOMED, onset=-20)
    chart.medication(PREDNISONE_20, 20, "mg", start=-10)  # 0.25 mg/kg/day: not T_tx
    chart.medication(METHYLPRED_1000, 1000, "mg", start=1, end=3, route=ROUTE_IV)
    ttx = steroids.read_treatment_start(*record_and_context(kb, chart))
    tomorrow = today + timedelta(days=1)
    assert ttx.found is None and ttx.why_unknown is None
    assert ttx.to_come == (tomorrow, f"IV methylprednisolone from {tomorrow}") and ttx.latest == tomorrow
    chart.medication(PREDNISONE_20, 60, "mg", start=-100, end=-11, status="completed")  # tapered to 20 mg on D-10
    ttx = steroids.read_treatment_start(*record_and_context(kb, chart))
    assert ttx.found is not None and ttx.found[0] == today - timedelta(days=100) and ttx.to_come is None
    assert ttx.latest == today - timedelta(days=100)


def test_the_latest_possible_ttx_today_is_said_today_not_0_days_ago(kb, today):
    """An undated glucocorticoid may make T_tx today: its wording (R22, R25) said "(<today>, 0 days ago)"."""
    undated = Chart(today).condition(IMNM_SNOMED, onset=-350).medication(PREDNISONE_5, None, None, start=None)
    ttx = steroids.read_treatment_start(*record_and_context(kb, undated))
    assert ttx.latest_words(today) == f"the latest day treatment may have started (today, {today})"
    assert ttx.latest_words(today + timedelta(days=3)) == (f"the latest day treatment may have started ({today}, "
                                                           "3 days ago)")


def test_an_unreadable_course_may_be_ttx_up_to_the_last_day_its_total_went_up(kb, today):
    """A glucocorticoid whose dose cannot be read may make T_tx its first day, or a later day of its course on which
    the dose read beside it went up; one with no dates, today."""
    def chart(step_up):
        c = Chart(today).weight(90, day=-310).condition(IMNM_SNOMED, onset=-350)
        c.medication(PREDNISONE_5, None, None, start=-300)  # no dose
        c.medication(PREDNISONE_5, 10, "mg", start=-300, end=-51, status="completed")
        return c.medication(PREDNISONE_5, 15 if step_up else 10, "mg", start=-50)
    assert _latest_ttx(kb, chart(step_up=False)) == today - timedelta(days=300)
    assert _latest_ttx(kb, chart(step_up=True)) == today - timedelta(days=50)
    undated = Chart(today).condition(IMNM_SNOMED, onset=-350).medication(PREDNISONE_5, None, None, start=None)
    assert _latest_ttx(kb, undated) == today


def test_unreadable_courses_are_reported_not_guessed(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 1, "mg/kg", start=-10)  # no weight on file
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert history.peq_on(today) == 0 and len(history.unreadable) == 1


def test_counted_course_spans_its_intervals(kb, today):
    chart = Chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-20, status="completed", route=ROUTE_IV, period=7, count=3)
    record, _ = record_and_context(kb, chart)
    first, last = courses.course_days(record.medications[0], today)
    assert (last - first).days == 14  # three weekly pulses: days 0, 7 and 14


def _run_day_by_day(daily: list[float], index: int, threshold: float, bridge: int) -> int:
    """Days at or above ``threshold`` ending on ``daily[index]``, walking back one day at a time; a stretch of at
    most ``bridge`` days with no dose at all, between two stretches at the threshold of at least ``bridge`` days
    each, is counted in."""
    if daily[index] < threshold:
        return 0
    start, segment_end, back = index, index, index - 1
    while back >= 0:
        if daily[back] >= threshold:
            start, back = back, back - 1
            continue
        gap, none_given = 0, True
        while back >= 0 and daily[back] < threshold:
            gap, none_given, back = gap + 1, none_given and daily[back] == 0, back - 1
        before = 0
        while back - before >= 0 and daily[back - before] >= threshold:
            before += 1
        if back < 0 or gap > bridge or not none_given or segment_end - start + 1 < bridge or before < bridge:
            break
        segment_end = back
    return index - start + 1


def test_daily_levels_agree_with_a_day_by_day_sum(today):
    """The step function against the obvious per-day sum, on random overlapping courses (some reaching before
    the window or past today, some renewed a few days late), including doses like 0.1 + 0.2 that must cancel to
    exactly zero; the runs at or above a threshold with and without short gaps bridged."""
    import random

    rng = random.Random(6)
    first, last = today - timedelta(days=400), today
    for _ in range(50):
        spans = []
        for _ in range(rng.randint(0, 8)):
            start = today + timedelta(days=rng.randint(-500, 30))
            end, dose = start + timedelta(days=rng.randint(0, 200)), rng.choice([0.1, 0.2, 2.5, 5, 40, 60])
            spans.append((start, end, dose))
            if rng.random() < 0.5:  # renewed 1 to 9 days late
                renewal = end + timedelta(days=rng.randint(2, 10))
                spans.append((renewal, renewal + timedelta(days=rng.randint(0, 60)), dose))
        levels = steroids.DailyLevels.from_spans(spans, first, last)
        daily = [round(sum(level for a, b, level in spans if a <= first + timedelta(days=i) <= b), 6)
                 for i in range((last - first).days + 1)]
        for index in range(0, len(daily), 37):
            day = first + timedelta(days=index)
            assert levels.on(day) == daily[index], (day, spans)
            for threshold in (0.01, 5, 40):
                for bridge in (0, 3, 7):
                    run = levels.run_at_or_above(threshold, day, bridge)
                    assert run.days == _run_day_by_day(daily, index, threshold, bridge), (day, threshold, bridge)
                    assert run.first == (day - timedelta(days=run.days - 1) if run.days else None)
                    assert all(daily[(a - first).days] == 0 and b - a < timedelta(days=bridge)
                               for a, b in run.gaps)
        assert levels.on(last + timedelta(days=1)) == 0 and levels.on(first - timedelta(days=1)) == 0
        assert sum((b - a).days + 1 for a, b, _ in levels.runs()) == (last - first).days + 1


def test_unreadable_since_reads_when_a_course_was_last_given_from_its_end_date_not_its_status(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, None, None, start=-60, end=-30, status="active", resource_id="left-active")
    chart.medication(PREDNISONE_5, None, None, start=-10, resource_id="current")  # no end: given today
    chart.medication(PREDNISONE_20, None, None, start=None, resource_id="undated-current")  # given today
    chart.medication(PREDNISONE_20, None, None, start=None, status="completed", resource_id="undated-over")
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert len(history.unreadable) == 4

    def since(days_ago: int) -> set[str]:
        return {o.id for o in history.unreadable_since(today - timedelta(days=days_ago))}
    assert since(30) == {"left-active", "current", "undated-current"}  # never "undated-over": not placed in time
    assert since(29) == {"current", "undated-current"}
    assert since(-1) == set()


@pytest.mark.parametrize(("product", "route"), [("hydrocortisone 1 % topical cream", None),
                                                ("prednisolone acetate 1 % ophthalmic suspension", None),
                                                ("hydrocortisone 1 %", {"text": "Topical"})])
def test_a_local_form_is_no_glucocorticoid_course(kb, today, product, route):
    """A cream or eye drops of a systemic ingredient (by name or by route) was read as a systemic course with an
    unreadable dose: T_tx became 'unknown' (R21 not evaluable), R29 took eye drops for immunosuppression started,
    and R23 counted 'glucocorticoids for 61 days' (found by review). A rectal enema stays systemic (absorbed)."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-20)
    chart.medication(product, None, None, start=-60, frequency=2, route=route, text="Apply twice daily")
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert not history.courses and not history.unreadable
    assert steroids.why_treatment_start_unknown(record, context) is None


@pytest.mark.parametrize(("route", "intramuscular"), [
    ({"text": "IM"}, True),  # the abbreviation alone, as R08 and every other reader of a route take it
    ({"text": "intramuscular"}, True),
    ({"coding": [{"system": V3_ROUTE, "code": "IM"}]}, True),
    ({"text": "IV (not IM)"}, False),
    ({"text": "by mouth"}, False),
    (None, False),
])
def test_an_intramuscular_route_is_read_as_every_route_is(kb, today, route, intramuscular):
    """An IM depot shot raises CK (taper's confounders) and is not an oral dose (R06): a route written 'IM' was read
    as neither before."""
    chart = Chart(today).medication(METHYLPRED_1000, 40, "mg", start=-6, end=-6, status="completed", route=route)
    record, _ = record_and_context(kb, chart)
    assert steroids.is_intramuscular(record.medications[0]) is intramuscular


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_a_dose_change_charted_as_an_order_ended_early_and_a_new_one_is_not_added_up(kb, today, status):
    """Prednisone 40 mg from D-200 'completed' (or 'stopped') before its D+30 end date, then 20 mg current from D-20:
    the end date ran the 40 mg order to today, so the timeline read 60 mg/day for the last 21 days. The later order
    took over (courses.taken_over): 40 mg until D-21, then 20 mg, still >= 20 mg/day for 201 days (R24, R25 and
    R28 read the same days as before, at the dose given)."""
    chart = Chart(today).weight(70, day=-1)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200, end=30, status=status)
    chart.medication(PREDNISONE_20, 20, "mg", start=-20)
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert history.peq_on(today - timedelta(days=21)) == 40 and history.peq_on(today) == 20
    assert history.run_at_or_above(20, today).days == 201
    assert history.peq_given_today() == 20 and history.given_today()


def test_a_taper_ended_early_ends_its_last_step_when_a_later_order_took_over(kb, today):
    """A taper written as one order (60 mg for 14 days, then 40 mg for 90 days, to D+43), completed before its end,
    and prednisolone 20 mg from D-10 (one drug for a takeover): the 40 mg step ran until D-11, not beside the
    20 mg to today."""
    chart = Chart(today).weight(70, day=-1).taper_order(PREDNISONE_20, [(60, 14), (40, 90)], start=-60,
                                                        status="completed")
    chart.medication("prednisolone 5 MG Oral Tablet", 20, "mg", start=-10)
    record, context = record_and_context(kb, chart)
    assert record.medications[0].end == today + timedelta(days=43)
    history = steroids.history(record, context)
    assert [(first, last, peq) for _, peq, first, last in history.courses] == [
        (today - timedelta(days=60), today - timedelta(days=47), 60),
        (today - timedelta(days=46), today - timedelta(days=11), 40),
        (today - timedelta(days=10), today, 20)]


@pytest.mark.parametrize("dose", [40, None], ids=["readable", "unreadable"])
def test_a_lone_order_ended_before_its_end_date_is_read_to_today_but_not_given_today(kb, today, dose):
    """No later order took over: its days run to today, the latest it may have been given (an exposure window
    never reads them shorter), but it is over, so no dose is given today (R23's 'today ... mg/day PEQ')."""
    chart = Chart(today).weight(70, day=-1).medication(PREDNISONE_20, dose, "mg" if dose else None, start=-100,
                                                       end=30, status="completed")
    record, context = record_and_context(kb, chart)
    history = steroids.history(record, context)
    assert history.peq_on(today) == (dose or 0) and history.peq_given_today() == 0
    assert not history.given_today()
    assert [o.label for o in history.over_by_today()] == [PREDNISONE_20[2]]
    assert [o.label for o in history.unreadable_since(today)] == ([] if dose else [PREDNISONE_20[2]])
