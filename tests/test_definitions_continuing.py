"""continuing: which of the chart's current orders go on beside the drafts, and which a draft replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import METHOTREXATE_2_5, PREDNISONE_5, PREDNISONE_20, ROUTE_ORAL, ROUTE_SC, Chart
from fhir_fixtures.r09_mtx_weekly_dose_range import MTX_INJECTABLE
from hooks.definitions import continuing
from tests.definitions_support import record_and_context

WEEKLY = {"period": 1, "period_unit": "wk"}


def _read(kb, chart, group="methotrexate"):
    record, context = record_and_context(kb, chart, "order-sign")
    drafts = context.drafts_in(group)
    return continuing.on_chart(drafts, continuing.current_orders(record, group), context.today)


def _ids(orders):
    return [o.id for o in orders]


def _monday_tablets(today, **kwargs):
    """Methotrexate tablets 15 mg by mouth every Monday."""
    return Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, day_of_week=["mon"], route=ROUTE_ORAL,
                                   resource_id=kwargs.pop("resource_id", "chart"), **WEEKLY, **kwargs)


def test_nothing_is_read_without_a_draft_or_an_order(kb, today):
    assert _read(kb, _monday_tablets(today)) == continuing.OnChart()
    assert _read(kb, Chart(today).draft(METHOTREXATE_2_5, 15, "mg", **WEEKLY)) == continuing.OnChart()


@pytest.mark.parametrize(("link", "how"), [("prior", "named as its priorPrescription by"),
                                           ("id", "re-sent as a draft (the same id)")])
def test_a_linked_draft_replaces_its_order_whatever_it_changes(kb, today, link, how):
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 25, "mg", day_of_week=["thu"], route=ROUTE_SC,
                                         resource_id="chart" if link == "id" else "draft", **WEEKLY)
    if link == "prior":
        chart.drafts[-1]["priorPrescription"] = {"reference": "MedicationRequest/chart"}
    read = _read(kb, chart)
    assert read.beside == () and _ids(o for o, _ in read.replaced) == ["chart"]
    assert how in read.replaced[0][1]


@pytest.mark.parametrize(("draft", "replaced"), [
    ({"route": ROUTE_ORAL}, True),  # a renewal
    ({"dose": 20}, True),  # a dose change; the route stated on one only is the product's own
    ({"day_of_week": ["thu"]}, False),
    ({"code": MTX_INJECTABLE}, False),  # another product
    ({"route": ROUTE_SC}, False),  # another route
    ({"period": 2}, False),
])
def test_the_same_product_route_and_schedule_written_again_replaces_the_order(kb, today, draft, replaced):
    kwargs = {"day_of_week": ["mon"], **WEEKLY, **draft}
    chart = _monday_tablets(today).draft(kwargs.pop("code", METHOTREXATE_2_5), kwargs.pop("dose", 15), "mg",
                                         **kwargs)
    read = _read(kb, chart, "methotrexate")
    assert bool(read.replaced) is replaced and bool(read.scheduled) is not replaced


def test_a_schedule_read_from_the_text_is_compared_too(kb, today):
    chart = _monday_tablets(today)
    resource = chart.medication_request(METHOTREXATE_2_5, 20, "mg", start=0, status="draft", intent="proposal",
                                        text="20 mg once weekly every Monday")
    del resource["dosageInstruction"][0]["timing"]
    assert _read(kb, chart.draft_resource(resource)).replaced


def test_only_one_to_one_is_read_as_replaced(kb, today):
    """Two orders on the chart that a draft could rewrite, or two drafts that could rewrite one order: nothing says
    which goes, so all go on."""
    chart = _monday_tablets(today).medication(METHOTREXATE_2_5, 5, "mg", start=-30, day_of_week=["mon"], **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    assert not _read(kb, chart).replaced and len(_read(kb, chart).scheduled) == 2
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["mon"], **WEEKLY)
    assert not _read(kb, chart).replaced and _ids(_read(kb, chart).scheduled) == ["chart"]


def test_on_hold_goes_on_as_needed_goes_on_unscheduled_and_stopped_or_ended_first_do_not(kb, today):
    chart = _monday_tablets(today, status="on-hold", resource_id="held")
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, day_of_week=["fri"], resource_id="prn", **WEEKLY)
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, end=30, status="stopped", day_of_week=["tue"],
                     resource_id="stopped", **WEEKLY)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, end=6, day_of_week=["wed"], resource_id="until-6",
                     **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", start=7, day_of_week=["thu"], **WEEKLY)
    read = _read(kb, chart)
    assert _ids(read.scheduled) == ["held"] and _ids(read.as_needed) == ["prn"]
    assert _ids(read.ending_first) == ["until-6"] and _ids(read.beside) == ["held", "prn"]
    assert read.facts() == {"on_chart_replaced": None,
                            "on_chart_ending_first": f"methotrexate 2.5 MG Oral Tablet (MedicationRequest/until-6), "
                                                     f"ends {today + timedelta(days=6)}",
                            "on_chart_as_needed": "methotrexate 2.5 MG Oral Tablet (MedicationRequest/prn)"}


def test_a_taper_order_goes_on_from_the_step_being_given(kb, today):
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 14), (40, 14), (20, None)], start=-20)
    chart.draft(PREDNISONE_5, 30, "mg", route=ROUTE_ORAL)
    [order] = _read(kb, chart, "glucocorticoid_systemic").scheduled
    assert [d.dose.value for d in order.dosages] == [40, 20] and [s.sequence for s in order.steps] == [2, 3]


def test_local_forms_are_not_current_systemic_orders(kb, today):
    chart = Chart(today).medication("prednisolone acetate 10 MG/ML Ophthalmic Suspension", 1, "{drop}", start=-5)
    chart.medication(PREDNISONE_20, 10, "mg", start=-5, resource_id="oral")
    record, _ = record_and_context(kb, chart)
    assert _ids(continuing.current_orders(record, "glucocorticoid_systemic")) == ["oral"]
