"""CK values, ULN, peak / nadir / latest and the inadequate-response surrogate."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from fhir_fixtures.builders import CK, Chart
from hooks.definitions import ck
from tests.definitions_support import record_and_context


def test_units_and_uln_fallback(kb, today):
    chart = Chart(today).ck(20, day=-10, uln=3.3, unit="ukat/L").ck(900, day=-5, uln=None, unit="IU/L")
    chart.ck(5, day=-1, unit="mg/dL")  # an impossible unit is skipped, never guessed
    record, context = record_and_context(kb, chart)
    points = ck.series(record, context)
    assert [(p.value, p.uln, p.uln_from_lab) for p in points] == [(1200, 198, True), (900, 200, False)]
    default_uln, converted, passed_over = ck.warnings(record, context)
    assert "default upper limit of normal 200 U/L" in default_uln
    assert converted == "1 CK result(s) given in ukat/L were converted to U/L (1 ukat/L = 60 U/L)."
    assert passed_over == f"1 CK result(s) could not be read in U/L and were not used (5 mg/dL on {chart.at(-1)})."


def test_a_ck_reported_as_text_is_named_and_stops_a_normal_ck_verdict_on_older_results(kb, today):
    chart = Chart(today).ck(150, day=-20).observation(CK, -2, value_string=">20,000")
    record, context = record_and_context(kb, chart)
    assert [p.value for p in ck.series(record, context)] == [150]
    assert record.newest_unreadable("ck", "U/L").value_text == ">20,000"
    assert any("'>20,000' on" in note for note in ck.warnings(record, context))
    chart = Chart(today).ck(150, day=-20).observation(CK, -2, value_string="12,500 " + "see comment " * 400)
    record, context = record_and_context(kb, chart)
    assert max(len(note) for note in ck.warnings(record, context)) < 200  # a long lab comment is cut short


def test_peak_nadir_latest_and_response(kb, today):
    chart = Chart(today).ck(8000, day=-200).ck(6000, day=-185).ck(1500, day=-120).ck(400, day=-60)
    chart.ck(1100, day=-5)
    record, context = record_and_context(kb, chart)
    points = ck.series(record, context)
    t_tx = today - timedelta(days=180)
    assert ck.peak(points, t_tx).span == ck.Span(8000, 8000)
    assert ck.nadir(points, t_tx).span == ck.Span(400, 400)
    assert ck.latest(points).value == 1100
    inadequate, why = ck.inadequate_response(points, t_tx)
    assert inadequate and "3 x ULN" in why


def test_adequate_and_small_fall_responses(kb, today):
    t_tx = today - timedelta(days=180)
    good = record_and_context(kb, Chart(today).ck(8000, day=-182).ck(500, day=-3))
    assert ck.inadequate_response(ck.series(*good), t_tx)[0] is False
    small_fall = record_and_context(kb, Chart(today).ck(1000, day=-182).ck(550, day=-3, uln=200))
    inadequate, why = ck.inadequate_response(ck.series(*small_fall), t_tx)
    assert inadequate and "fallen only 45%" in why


def test_a_normal_latest_ck_is_an_adequate_response_whatever_the_fall(kb, today):
    """520 -> 290 U/L (ULN 308) is a 44% fall from the peak: read as inadequate, R15 offered IVIG at a normal CK.
    The normal CK is the aim (section 4.2: weakness with a normal CK routes to R23); just above the ULN it counts."""
    t_tx = today - timedelta(days=180)
    normal = record_and_context(kb, Chart(today).ck(520, day=-182, uln=308).ck(290, day=-3, uln=308))
    inadequate, why = ck.inadequate_response(ck.series(*normal), t_tx)
    assert inadequate is False and why.endswith("(ULN 308) is within the normal range")
    above = record_and_context(kb, Chart(today).ck(520, day=-182, uln=308).ck(310, day=-3, uln=308))
    assert ck.inadequate_response(ck.series(*above), t_tx)[0] is True


def test_without_a_peak_a_ck_between_the_uln_and_3_x_uln_cannot_be_judged(kb, today):
    t_tx = today - timedelta(days=180)
    above = record_and_context(kb, Chart(today).ck(550, day=-3, uln=200))  # no CK around T_tx
    inadequate, why = ck.inadequate_response(ck.series(*above), t_tx)
    assert inadequate is None and "no peak CK" in why
    normal = record_and_context(kb, Chart(today).ck(150, day=-3, uln=200))
    assert ck.inadequate_response(ck.series(*normal), t_tx)[0] is False
    assert ck.inadequate_response(ck.series(*above), None)[0] is None


def test_a_newer_ck_that_cannot_be_read_is_named(kb, today):
    chart = Chart(today).ck(150, day=-10).observation(CK, -2, value_string=">20,000 (see note)")
    assert "'>20,000 (see note)'" in ck.newest_unreadable(*record_and_context(kb, chart))
    assert ck.newest_unreadable(*record_and_context(kb, Chart(today).ck(150, day=-10))) is None
    older = Chart(today).observation(CK, -10, value_string=">20,000 (see note)").ck(150, day=-2)
    assert ck.newest_unreadable(*record_and_context(kb, older)) is None


@pytest.mark.parametrize("written", [{"value_string": ">20,000 U/L"}, {"value_string": ">20,000 U/L H"},
                                     {"value": 20000, "comparator": ">"}])
def test_a_ck_written_as_a_lower_bound_is_read_as_one(kb, today, written):
    """'>20,000 U/L' as text was not read (and held back every row that judges the CK); as a valueQuantity with
    its comparator it was read as exactly 20,000. It is the bound, shown as the lab wrote it."""
    chart = Chart(today).ck(150, day=-20).observation(CK, -2, high=200, unit="U/L", **written)
    record, context = record_and_context(kb, chart)
    last = ck.latest(ck.series(record, context))
    assert last is not None and last.comparator == ">" and last.value == 20000
    assert str(last) == f">20,000 U/L on {chart.at(-2)} (ULN 200)" and last.reading == ">20,000 U/L"
    assert ck.newest_unreadable(record, context) is None
    assert last.above(200) is True and last.above(30000) is None


T_TX = timedelta(days=180)
PEAK_DAY, LATEST_DAY = -182, -3


@pytest.mark.parametrize(("peak", "latest", "verdict", "said"), [
    # a latest CK above 500 is at least 500: 37% or less below the peak of 800 is too small a fall
    ({"value": 800}, {"value": 500, "comparator": ">"}, True, "has fallen at most 38% from the peak 800 U/L"),
    # a peak above 1,000 may be far above it: a fall of 45% from 1,000 may be more than half from the peak
    ({"value": 1000, "comparator": ">"}, {"value": 550}, None, "whether it has fallen by half from the peak >1,000"),
    # ... but down to 500 from above 8,000 is a fall of more than half whatever the peak was
    ({"value": 8000, "comparator": ">"}, {"value": 500}, False, "peak >8,000 U/L"),
    ({"value": 800}, {"value": 100, "comparator": "<"}, False, "latest CK <100 U/L"),
    # below 1,000 is a fall of more than half from 8,000, but may be 900, above 3 x the ULN of 200: it was
    # called an adequate response
    ({"value": 8000}, {"value": 1000, "comparator": "<"}, None, "whether it is above 3 x ULN cannot be told"),
    ({"value": 8000}, {"value_string": "<1,000 U/L"}, None, "whether it is above 3 x ULN cannot be told"),
    ({"value": 8000}, {"value": 600, "comparator": "<="}, False, "latest CK <=600 U/L"),  # at most 3 x ULN
])
def test_a_bound_decides_the_fall_from_the_peak_only_where_it_reaches(kb, today, peak, latest, verdict, said):
    chart = Chart(today).observation(CK, PEAK_DAY, unit="U/L", high=200, **peak)
    chart.observation(CK, LATEST_DAY, unit="U/L", high=200, **latest)
    inadequate, why = ck.inadequate_response(ck.series(*record_and_context(kb, chart)), today - T_TX)
    assert inadequate is verdict and said in why


@pytest.mark.parametrize(("latest", "verdict", "said"), [
    ({"value": 150, "comparator": ">"}, None, "latest CK >150 U/L on"),  # above 150 may be above the ULN of 200
    ({"value": 300, "comparator": ">"}, None, "is above the ULN"),
    ({"value": 650, "comparator": ">"}, True, "is above 3 x ULN"),
    ({"value": 20, "comparator": "<"}, False, "within the normal range"),
])
def test_without_a_peak_a_bound_is_judged_against_the_uln_only_where_it_reaches(kb, today, latest, verdict, said):
    """A CK above 150 was read as exactly 150 and called 'within the normal range' (ULN 200)."""
    chart = Chart(today).observation(CK, LATEST_DAY, unit="U/L", high=200, **latest)
    inadequate, why = ck.inadequate_response(ck.series(*record_and_context(kb, chart)), today - T_TX)
    assert inadequate is verdict and said in why
    if verdict is None and latest["value"] < 200:
        assert "a bound that may be above the ULN" in why


def test_latest_ck_gate_at_its_edges(kb, today):
    """The one CK-age gate (section 4.2 latest_CK): at most max_age_days old is recent; older, or none, needs a
    current CK; a newer result that cannot be read holds the row back without asking for another CK."""
    latest = ck.latest_ck(*record_and_context(kb, Chart(today).ck(900, day=-30)))
    assert latest.age_days == 30 and not latest.needs_current(30) and latest.why_not_recent(30) is None
    assert latest.needs_current(29.5)
    assert latest.why_not_recent(29) == f"a current CK is needed: latest CK {latest.point} is 30 days old (needs <= 29)"
    none = ck.latest_ck(*record_and_context(kb, Chart(today)))
    assert none.point is None and none.needs_current(30)
    assert none.why_not_recent(30) == "a current CK is needed: no CK on file"
    chart = Chart(today).ck(150, day=-40).observation(CK, -2, value_string=">20,000")
    unread = ck.latest_ck(*record_and_context(kb, chart))
    assert not unread.needs_current(30) and "'>20,000'" in (unread.why_not_recent(30) or "")


@pytest.mark.parametrize(("latest", "nadir", "ratio", "at_least_2"), [
    ({"value": 600}, {"value": 180}, "3.3", True),
    ({"value": 20000, "comparator": ">"}, {"value": 180}, "at least 111.1", True),
    ({"value": 300, "comparator": ">"}, {"value": 180}, "at least 1.6", None),  # 1.67, rounded down
    ({"value": 300}, {"value": 100, "comparator": "<"}, "at least 3.0", True),
    ({"value": 100, "comparator": "<"}, {"value": 180}, "at most 0.6", False),
])
def test_a_ratio_to_the_nadir_is_told_as_far_as_the_bounds_reach(kb, today, latest, nadir, ratio, at_least_2):
    chart = Chart(today).observation(CK, -40, unit="U/L", high=200, **nadir)
    chart.observation(CK, -2, unit="U/L", high=200, **latest)
    first, last = ck.series(*record_and_context(kb, chart))
    times = last.span.times(first.span)
    assert f"{times:.1f}" == ratio and times.at_least(2) is at_least_2
    assert str(times).startswith(ratio.split(" ")[0]) and "Span(" not in str(times)  # words, not the dataclass


@pytest.mark.parametrize(("span", "limit", "above", "at_least"), [
    (ck.Span.written(200, ">"), 200, True, True), (ck.Span.written(200, ">="), 200, None, True),
    (ck.Span.written(200, "<"), 200, False, False), (ck.Span.written(200, "<="), 200, False, None),
    (ck.Span.written(200, None), 200, False, True),
    # '<360' against twice a nadir of 180 is short of it, '<=360' may reach it
    (ck.Span.written(360, "<").times(180), 2, False, False), (ck.Span.written(360, "<=").times(180), 2, False, None),
])
def test_a_strict_bound_is_not_its_limit(span, limit, above, at_least):
    assert span.above(limit) is above and span.at_least(limit) is at_least


@pytest.mark.parametrize(("span", "shown", "fact"), [
    (ck.Span.written(595, ">").times(200), "at least 2.9", "at least 2.97"),  # 2.975: never 'at least 3.0'
    (ck.Span.written(201, "<").times(200), "at most 1.1", "at most 1.01"),  # 1.005: never 'at most 1.0'
    (ck.Span.written(58, ">").times(200), "at least 0.2", "at least 0.29"),  # 0.29 x 100 is no 28.99...
    (ck.Span.written(595, None).times(200), "3.0", 2.98),  # a measured CK is rounded as before
])
def test_a_bound_is_rounded_away_from_what_it_does_not_show(span, shown, fact):
    """'>595 U/L' against 200 was 'at least 3.0 x ULN' on a card that then started no prednisone (not 3 x ULN)."""
    assert f"{span:.1f}" == shown and span.fact(2) == fact


def test_the_nadir_is_every_result_that_may_be_lowest(kb, today):
    """A '<200' beside a 180 may be far below it: read as 200, the 180 was taken as the nadir; and of '<150' and
    '<60', the nadir is below 60, not 150 (the older, looser bound was taken)."""
    chart = Chart(today).ck(8000, day=-200).ck(180, day=-40)
    chart.observation(CK, -30, value=200, comparator="<", unit="U/L", high=200).ck(300, day=-2)
    nadir = ck.nadir(ck.series(*record_and_context(kb, chart)), today - timedelta(days=195))
    assert nadir is not None and nadir.span == ck.Span(0, 180, above_least=True)
    assert str(nadir) == (f"180 U/L on {chart.at(-40)} (ULN 200) or <200 U/L on {chart.at(-30)} (ULN 200), "
                          "whichever is lower")
    chart = Chart(today).ck(8000, day=-200).observation(CK, -40, value=150, comparator="<", unit="U/L", high=200)
    chart.observation(CK, -30, value=60, comparator="<", unit="U/L", high=200).ck(250, day=-2)
    points = ck.series(*record_and_context(kb, chart))
    nadir = ck.nadir(points, today - timedelta(days=195))
    assert nadir is not None and nadir.span == ck.Span(0, 60, above_least=True, below_most=True)
    assert points[-1].span.times(nadir.span).at_least(2) is True


def test_the_peak_is_every_result_that_may_be_highest(kb, today):
    chart = Chart(today).observation(CK, -200, value=5000, comparator=">", unit="U/L", high=200).ck(8000, day=-190)
    chart.ck(3000, day=-185).ck(1000, day=-2)
    peak = ck.peak(ck.series(*record_and_context(kb, chart)), today - timedelta(days=180))
    assert peak is not None and peak.span == ck.Span(8000, math.inf, below_most=True)
    assert str(peak) == (f">5,000 U/L on {chart.at(-200)} (ULN 200) or 8,000 U/L on {chart.at(-190)} (ULN 200), "
                         "whichever is higher")


def test_a_ck_written_as_a_bound_is_named_in_the_warnings(kb, today):
    """A bound was flagged nowhere once it was read: the timeline draws '>20,000' at 20,000."""
    chart = Chart(today).ck(150, day=-20).observation(CK, -2, value_string=">20,000 U/L")
    notes = ck.warnings(*record_and_context(kb, chart))
    assert f"1 CK result(s) written as a bound (>20,000 U/L on {chart.at(-2)}): used only as far as the bound " \
           "reaches." in notes
    assert not any("bound" in note for note in ck.warnings(*record_and_context(kb, Chart(today).ck(150, day=-2))))


def test_a_bound_beside_the_extreme_it_cannot_be_is_not_named(kb, today):
    """The peak above 8,000 cannot be the 8,000 beside it ('whichever is higher' named both); a nadir of exactly 180
    is the 180, not the '>=180' beside it."""
    chart = Chart(today).observation(CK, -200, value=8000, comparator=">", unit="U/L", high=200)
    chart.ck(8000, day=-190).ck(1000, day=-2)
    peak = ck.peak(ck.series(*record_and_context(kb, chart)), today - timedelta(days=180))
    assert str(peak) == f">8,000 U/L on {chart.at(-200)} (ULN 200)"
    chart = Chart(today).ck(8000, day=-200).observation(CK, -40, value=180, comparator=">=", unit="U/L", high=200)
    chart.ck(180, day=-30).ck(600, day=-2)
    nadir = ck.nadir(ck.series(*record_and_context(kb, chart)), today - timedelta(days=195))
    assert str(nadir) == f"180 U/L on {chart.at(-30)} (ULN 200)"


def test_a_ratio_of_two_bounds_that_tells_nothing_is_unknown():
    """'<100' against a nadir '<60' may be any multiple: it was 'at least 0.00'."""
    ratio = ck.Span.written(100, "<").times(ck.Span.written(60, "<"))
    assert f"{ratio:.2f}" == "unknown" and ratio.fact(2) is None


@pytest.mark.parametrize("high", [-5, 0, 5e-324, 0.5])
def test_an_upper_limit_below_one_unit_is_no_limit_and_the_default_is_said(kb, today, high):
    """referenceRange.high -5 U/L was used as the ULN ('CK 3,000 U/L (ULN -5) = at least -600 x ULN', a false
    critical R31 card); 5e-324 gave a ratio of Infinity (invalid JSON). Below 1 U/L it is a data error: the default
    ULN is used, as for none (the contract's 200 U/L, and the response says so)."""
    chart = Chart(today).ck(3000, day=-2, uln=None)
    chart.resources["observations"][-1]["referenceRange"] = [{"high": {"value": high, "unit": "U/L"}}]
    point = ck.latest(ck.series(*record_and_context(kb, chart)))
    assert point.uln == 200 and not point.uln_from_lab


def test_a_ck_below_one_unit_is_not_read(kb, today):
    """A CK of 5e-324 U/L as the nadir made the ratio to it Infinity: it is no measurement."""
    chart = Chart(today).ck(5e-324, day=-30).ck(400, day=-2)
    assert [p.value for p in ck.series(*record_and_context(kb, chart))] == [400]


def test_the_nadir_is_the_current_flares_once_an_earlier_flare_came_down(kb, today):
    """Review 423 (s3): a flare (5,200 U/L) re-treated within the episode came down to 250; the nadir was the 150 of
    the remission before it, so a CK of 400 (1.6x the flare's nadir) read as a relapse (2.7x)."""
    t_tx = today - timedelta(days=730)
    chart = Chart(today).ck(11000, day=-736).ck(900, day=-650).ck(150, day=-500).ck(5200, day=-205)
    chart.ck(1200, day=-150).ck(250, day=-90).ck(300, day=-45).ck(400, day=-5)
    nadir = ck.nadir(ck.series(*record_and_context(kb, chart)), t_tx)
    assert nadir is not None and str(nadir) == f"250 U/L on {chart.at(-90)} (ULN 200)"
    # a flare still going (not yet down by half from its height) is the rise being judged: the nadir before it
    going = Chart(today).ck(11000, day=-736).ck(150, day=-500).ck(2000, day=-40).ck(1900, day=-20).ck(3000, day=-2)
    assert ck.nadir(ck.series(*record_and_context(kb, going)), t_tx).span == ck.Span(150, 150)
    # a flare down by half to '<1,000' has that nadir; nor is it taken to have responded on a bound that leaves it
    # open ('<1,000' may be above 600)
    bound = Chart(today).ck(11000, day=-736).ck(150, day=-500).ck(5200, day=-205)
    bound.observation(CK, -90, value=1000, comparator="<", unit="U/L", high=200).ck(800, day=-2)
    points = ck.series(*record_and_context(kb, bound))
    assert ck.nadir(points, t_tx).span.most == 1000 and ck.responded(points, t_tx) is None


def test_a_re_treated_flare_that_never_settled_is_its_own_nadir_and_no_response(kb, today):
    """Review 424 item 2 (f1): remission at 150, a flare to 5,200 re-treated down to 1,200, 1,000 and 900 (never
    below 3 x ULN), then 1,500 on a taper. The nadir fell back to the remission's 150, so the CK "had responded"
    and 1,500 was "10x nadir": R15/R17 called true non-response a relapse and pre-selected no escalation."""
    t_tx = today - timedelta(days=730)
    chart = Chart(today).ck(11000, day=-736).ck(900, day=-650).ck(150, day=-500).ck(180, day=-300)
    chart.ck(5200, day=-205).ck(1200, day=-150).ck(1000, day=-90).ck(900, day=-45).ck(1500, day=-5)
    points = ck.series(*record_and_context(kb, chart))
    nadir = ck.nadir(points, t_tx)
    assert nadir is not None and str(nadir) == f"900 U/L on {chart.at(-45)} (ULN 200)"
    assert ck.responded(points, t_tx) is None
    # the same flare once it settled (250, a 95% fall from 5,200) had responded
    settled = Chart(today).ck(11000, day=-736).ck(150, day=-500).ck(5200, day=-205).ck(1200, day=-150)
    settled.ck(250, day=-90).ck(1500, day=-5)
    found = ck.responded(ck.series(*record_and_context(kb, settled)), t_tx)
    assert found is not None and found.span == ck.Span(250, 250)


def test_a_flare_still_above_3x_uln_when_a_response_was_due_is_its_own_course(kb, today):
    """Review 426 item 3 (n1): remission at 150; a flare to 5,200 (D-205) re-treated stayed at 3,600, 3,000 and 2,800
    for five months (never down by half) before a taper on D-40, then 3,000. The nadir was the remission's 150 and the
    CK "had responded": 20x nadir, a relapse. It is a flare that did not respond: judged against its own course."""
    t_tx = today - timedelta(days=730)

    def series(after_flare):
        chart = Chart(today).ck(11000, day=-736).ck(900, day=-650).ck(150, day=-500).ck(180, day=-300)
        chart.ck(5200, day=-205)
        for value, day in zip(after_flare, (-150, -90, -45), strict=True):
            chart.ck(value, day=day)
        return chart, ck.series(*record_and_context(kb, chart.ck(3000, day=-5)))

    chart, points = series((3600, 3000, 2800))
    taper_began = today - timedelta(days=40)
    assert str(ck.nadir(points, t_tx, taper_began)) == f"2,800 U/L on {chart.at(-45)} (ULN 200)"
    assert ck.responded(points, t_tx, taper_began) is None
    # a response was not yet due before the taper (it began 7 weeks after the peak): the rise being judged
    early_taper = today - timedelta(days=157)
    assert ck.nadir(points, t_tx, early_taper).span == ck.Span(150, 150)
    assert ck.responded(points, t_tx, early_taper) is not None
    # fell by half (5,200 -> 2,400 -> 1,800, never below 3 x ULN), or responded (-> 350): unchanged
    _, points = series((2400, 2000, 1800))
    assert ck.nadir(points, t_tx, taper_began).span == ck.Span(1800, 1800)
    assert ck.responded(points, t_tx, taper_began) is None
    _, points = series((2000, 400, 350))
    assert ck.responded(points, t_tx, taper_began).span == ck.Span(350, 350)


def test_a_flares_response_is_judged_from_the_flare_not_the_pre_treatment_peak(kb, today):
    """A flare's nadir is judged against the flare it came down from: with no CK before T_tx (no pre-treatment peak)
    a flare settled at 250 could not be told to have responded."""
    t_tx = today - timedelta(days=400)
    chart = Chart(today).ck(150, day=-300).ck(5200, day=-205).ck(250, day=-90).ck(1500, day=-5)
    found = ck.responded(ck.series(*record_and_context(kb, chart)), t_tx)
    assert found is not None and found.span == ck.Span(250, 250)


def test_a_nadir_that_was_an_adequate_response_is_one_the_ck_responded_at(kb, today):
    """9,000 -> 400 (below 3 x ULN, a 96% fall) responded, whatever came after; 9,000 -> 800 did not (above 3 x
    ULN); with no peak a nadir above the ULN cannot be judged."""
    t_tx = today - timedelta(days=210)
    for nadir_ck, expected in ((400, 400), (800, None)):
        chart = Chart(today).ck(9000, day=-214).ck(1500, day=-150).ck(nadir_ck, day=-90).ck(1900, day=-4)
        found = ck.responded(ck.series(*record_and_context(kb, chart)), t_tx)
        assert (found and found.span.least) == expected
    no_peak = Chart(today).ck(400, day=-90).ck(1900, day=-4)
    assert ck.responded(ck.series(*record_and_context(kb, no_peak)), t_tx) is None
