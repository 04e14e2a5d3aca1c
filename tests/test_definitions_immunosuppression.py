"""Steroid-sparing agents since a date, and PJP prophylaxis present."""

from __future__ import annotations

from datetime import timedelta

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
