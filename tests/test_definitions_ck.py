"""CK values, ULN, peak / nadir / latest and the inadequate-response surrogate."""

from __future__ import annotations

from datetime import timedelta

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
    assert ck.peak(points, t_tx).value == 8000
    assert ck.nadir(points, t_tx).value == 400
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


def test_without_a_peak_a_ck_between_the_uln_and_3_x_uln_cannot_be_judged(kb, today):
    t_tx = today - timedelta(days=180)
    above = record_and_context(kb, Chart(today).ck(550, day=-3, uln=200))  # no CK around T_tx
    inadequate, why = ck.inadequate_response(ck.series(*above), t_tx)
    assert inadequate is None and "no peak CK" in why
    normal = record_and_context(kb, Chart(today).ck(150, day=-3, uln=200))
    assert ck.inadequate_response(ck.series(*normal), t_tx)[0] is False
    assert ck.inadequate_response(ck.series(*above), None)[0] is None


def test_a_newer_ck_that_cannot_be_read_is_named(kb, today):
    chart = Chart(today).ck(150, day=-10).observation(CK, -2, value_string=">20,000 U/L")
    record, _ = record_and_context(kb, chart)
    assert "'>20,000 U/L'" in ck.newest_unreadable(record)
    assert ck.newest_unreadable(record_and_context(kb, Chart(today).ck(150, day=-10))[0]) is None


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
