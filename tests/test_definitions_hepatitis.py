"""The follow-up of a positive HBV marker (R10, R26): a recent HBV DNA result, or an antiviral active or drafted."""

from __future__ import annotations

from fhir_fixtures.builders import HBV_DNA, Chart
from hooks.definitions import hepatitis
from hooks.engine import read_drafts
from tests.definitions_support import record_and_context

ENTECAVIR = "entecavir 0.5 MG Oral Tablet"


def _follow_up(kb, chart, dna_max_age_days=365):
    record, context = record_and_context(kb, chart, hook="order-sign")
    context.draft_orders = read_drafts(chart.request("order-sign")["context"], kb, [])
    return hepatitis.follow_up(record, context, dna_max_age_days)


def test_nothing_on_file_is_no_follow_up(kb, today):
    found = _follow_up(kb, Chart(today))
    assert not found.in_place and found.describe_dna() is None and found.describe_antiviral() is None


def test_an_hbv_dna_result_counts_in_any_form_within_the_window(kb, today):
    for form in ({"value": 0, "unit": "[IU]/mL"}, {"value_string": "Not detected"}, {"interpretation": "DET"}):
        found = _follow_up(kb, Chart(today).observation(HBV_DNA, -365, **form))
        assert found.in_place and found.describe_dna() == f"Hepatitis B DNA on {Chart(today).at(-365)}", form
    assert not _follow_up(kb, Chart(today).observation(HBV_DNA, -366, value_string="Not detected")).in_place
    assert not _follow_up(kb, Chart(today).observation(HBV_DNA, -200, value_string="Not detected"), 180).in_place


def test_a_pending_or_rejected_hbv_dna_test_is_no_result(kb, today):
    pending = Chart(today).observation(HBV_DNA, -1, value_string="Not detected")
    pending.resources["observations"][-1]["status"] = "preliminary"
    rejected = Chart(today).observation(HBV_DNA, -1, value_string="Specimen rejected - not tested")
    assert not _follow_up(kb, pending).in_place and not _follow_up(kb, rejected).in_place


def test_an_antiviral_active_or_drafted_is_a_plan_but_not_one_that_ended(kb, today):
    active = _follow_up(kb, Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-30))
    assert active.in_place and active.describe_antiviral() == ENTECAVIR
    assert _follow_up(kb, Chart(today).draft("tenofovir disoproxil 300 MG Oral Tablet", 300, "mg")).in_place
    ended = Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-400, end=-180, status="active")
    assert not _follow_up(kb, ended).in_place
