"""Steroid-sparing agents since a date, and PJP prophylaxis present."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import METHOTREXATE_2_5, TMP_SMX_SS, Chart
from hooks.definitions import immunosuppression
from tests.definitions_support import record_and_context


def test_steroid_sparing_since(kb, today):
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-200, end=-100, status="stopped",
                                    period_unit="wk")
    record, _ = record_and_context(kb, chart)
    assert immunosuppression.steroid_sparing_since(record, today - timedelta(days=150))
    assert not immunosuppression.steroid_sparing_since(record, today - timedelta(days=90))


def test_pjp_prophylaxis_within_four_weeks(kb, today):
    recent = Chart(today).medication(TMP_SMX_SS, 1, "TAB", start=-100, end=-20, status="completed")
    assert immunosuppression.pjp_prophylaxis(*record_and_context(kb, recent))
    old = Chart(today).medication(TMP_SMX_SS, 1, "TAB", start=-100, end=-40, status="completed")
    assert not immunosuppression.pjp_prophylaxis(*record_and_context(kb, old))
    by_name = Chart(today).medication("Atovaquone 750 mg/5 mL suspension", 1500, "mg", start=-10)
    assert immunosuppression.pjp_prophylaxis(*record_and_context(kb, by_name))


def test_trimethoprim_alone_is_not_pjp_prophylaxis(kb, today):
    chart = Chart(today).medication(("http://www.nlm.nih.gov/research/umls/rxnorm", "198332",
                                     "trimethoprim 100 MG Oral Tablet"), 100, "mg", start=-5)
    assert not immunosuppression.pjp_prophylaxis(*record_and_context(kb, chart))


def test_a_product_named_as_the_combination_is_co_trimoxazole(kb, today):
    """One reading of 'TMP/SMX or trimethoprim alone' for R05's note, R11 and PJP prophylaxis: a brand or the
    sulfamethoxazole in the name makes it the combination, whatever its code says."""
    chart = Chart(today).medication(("http://www.nlm.nih.gov/research/umls/rxnorm", "198332", "Bactrim DS"), 1,
                                    "TAB", start=-5)
    record, context = record_and_context(kb, chart)
    assert immunosuppression.is_co_trimoxazole(record.medications[0])
    assert immunosuppression.pjp_prophylaxis(record, context)
    other = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-5, period_unit="wk")
    assert not immunosuppression.is_co_trimoxazole(record_and_context(kb, other)[0].medications[0])


def test_a_pjp_agent_local_by_its_route_is_no_prophylaxis_but_inhaled_pentamidine_is(kb, today):
    """Dapsone gel with a 'Topical' route counted as PJP prophylaxis and silenced R24 (found by review); pentamidine
    given by an 'Inhalation' route is the one local form that prevents PJP."""
    topical = Chart(today).medication("Dapsone 7.5%", 1, "{application}", start=-20, route={"text": "Topical"})
    assert immunosuppression.pjp_prophylaxis(*record_and_context(kb, topical)) == []
    inhaled = Chart(today).medication("pentamidine isethionate 300 MG", 300, "mg", start=-20, period=4,
                                      period_unit="wk", route={"text": "Inhalation"})
    assert immunosuppression.pjp_prophylaxis(*record_and_context(kb, inhaled))


@pytest.mark.parametrize(("start", "status", "counted"), [
    (-100, "stopped", False),  # may have stopped 100 days ago: no prophylaxis known within 4 weeks
    (-100, "completed", False),
    (-20, "stopped", True),  # given on its first day, within 4 weeks
    (-100, "active", True),
])
def test_prophylaxis_that_ended_before_its_end_date_counts_only_as_far_as_it_is_known_given(kb, today, start, status,
                                                                                           counted):
    """TMP/SMX from ``start`` with its end date at D+30, ``status``: one stopped or completed before its end date
    ended on a day the chart does not give. Read up to today it counted as prophylaxis and silenced R24; protection
    errs early, so it counts only from what the chart gives (here its first day), and what is left out is named."""
    chart = Chart(today).medication(TMP_SMX_SS, 1, "TAB", start=start, end=30, status=status)
    record, context = record_and_context(kb, chart)
    assert bool(immunosuppression.pjp_prophylaxis(record, context)) is counted
    assert [o.label for o in immunosuppression.pjp_prophylaxis_not_counted(record, context)] == (
        [] if counted else [TMP_SMX_SS[2]])


def test_a_form_that_does_not_prevent_pjp_is_not_named_as_left_out(kb, today):
    chart = Chart(today).medication("Dapsone 7.5%", 1, "{application}", start=-100, end=30, status="stopped",
                                    route={"text": "Topical"})
    assert immunosuppression.pjp_prophylaxis_not_counted(*record_and_context(kb, chart)) == []
