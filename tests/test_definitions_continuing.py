"""continuing: which of the chart's current orders go on beside the drafts, and which a draft replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    ROUTE_SC,
    RXNORM,
    Chart,
)
from fhir_fixtures.r09_mtx_weekly_dose_range import METHOTREXATE_10, MTX_INJECTABLE
from hooks.definitions import continuing
from hooks.definitions.dose_basis import DOSE_NOT_READ
from hooks.rule import Suggestion
from tests.conftest import fired, run
from tests.definitions_support import record_and_context

WEEKLY = {"period": 1, "period_unit": "wk"}


def _read(kb, chart, group="methotrexate"):
    record, context = record_and_context(kb, chart, "order-sign")
    return continuing.on_chart(context.drafts_in(group), continuing.current_orders(record, group), context.today,
                               group)


def _ids(orders):
    return [o.id for o in orders]


def _monday_tablets(today, **kwargs):
    """Methotrexate tablets 15 mg by mouth every Monday."""
    return Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, day_of_week=["mon"], route=ROUTE_ORAL,
                                   resource_id=kwargs.pop("resource_id", "chart"), **WEEKLY, **kwargs)


def test_nothing_is_read_without_a_draft_or_an_order(kb, today):
    assert _read(kb, _monday_tablets(today)) == continuing.OnChart()
    read = _read(kb, Chart(today).draft(METHOTREXATE_2_5, 15, "mg", resource_id="draft", **WEEKLY))
    assert read == continuing.OnChart(given=read.given) and _ids(read.given) == ["draft"]


@pytest.mark.parametrize(("link", "how"), [
    ({"reference": "MedicationRequest/chart"}, "named as its priorPrescription by"),
    ({"reference": "https://ehr.example/fhir/MedicationRequest/chart/_history/2"}, "named as its priorPrescription"),
    ({"identifier": {"system": "urn:rx", "value": "77"}}, "named as its priorPrescription (identifier 77)"),
    ({"identifier": {"value": "77"}}, "named as its priorPrescription (identifier 77)"),  # no system: the value
    ("same id", "re-sent as a draft (the same id)"),
])
def test_a_linked_draft_replaces_its_order_whatever_it_changes(kb, today, link, how):
    chart = _monday_tablets(today).draft(MTX_INJECTABLE, 25, "mg", day_of_week=["thu"], route=ROUTE_SC,
                                         resource_id="chart" if link == "same id" else "draft", **WEEKLY)
    chart.resources["medications"][-1]["identifier"] = [{"system": "urn:rx", "value": "77"}]
    if link != "same id":
        chart.drafts[-1]["priorPrescription"] = link
    read = _read(kb, chart)
    assert read.beside == () and _ids(o for o, _ in read.replaced) == ["chart"]
    assert how in read.replaced[0][1]


@pytest.mark.parametrize("identifier", [{"system": "urn:other", "value": "77"}, {"value": "78"}, "77", {}])
def test_an_identifier_of_another_order_or_malformed_is_no_link(kb, today, identifier):
    chart = _monday_tablets(today).draft(MTX_INJECTABLE, 25, "mg", day_of_week=["thu"], route=ROUTE_SC, **WEEKLY)
    chart.resources["medications"][-1]["identifier"] = [{"system": "urn:rx", "value": "77"}]
    chart.drafts[-1]["priorPrescription"] = {"identifier": identifier}
    assert _ids(_read(kb, chart).scheduled) == ["chart"]


@pytest.mark.parametrize(("draft", "replaced"), [
    ({"route": ROUTE_ORAL}, True),  # a renewal
    ({"dose": 20}, True),  # a dose change; the route stated on one only is the product's own (oral tablets)
    ({"code": METHOTREXATE_10, "dose": 20}, True),  # other tablets of the same drug
    ({"day_of_week": None, "text": "20 mg once weekly on Monday"}, True),  # the weekday in the text only
    ({"day_of_week": None, "text": "20 mg every Monday (folic acid on Tuesday)"}, True),
    ({"day_of_week": ["thu"]}, False),
    ({"day_of_week": None, "text": "20 mg once weekly on Thursday"}, False),
    ({"code": MTX_INJECTABLE}, False),  # an injectable: under the skin, not by mouth
    ({"route": ROUTE_SC}, False),  # another route
    ({"period": 2}, False),
    ({"time_of_day": ["08:00:00", "20:00:00"]}, True),  # a dose split over the day: the same dose days
    ({"day_of_week": None}, True),  # a weekday named on one side only, as often: no difference
    ({"day_of_week": None, "period": 2}, False),
])
def test_the_same_drug_route_and_schedule_written_again_replaces_the_order(kb, today, draft, replaced):
    kwargs = {"day_of_week": ["mon"], **WEEKLY, **draft}
    chart = _monday_tablets(today).draft(kwargs.pop("code", METHOTREXATE_2_5), kwargs.pop("dose", 15), "mg",
                                         **kwargs)
    read = _read(kb, chart)
    assert bool(read.replaced) is replaced and bool(read.scheduled) is not replaced
    if replaced:
        assert "the same drug, route and schedule written again" in read.replaced[0][1]


def test_a_schedule_read_from_the_text_is_compared_too(kb, today):
    chart = _monday_tablets(today)
    resource = chart.medication_request(METHOTREXATE_2_5, 20, "mg", start=0, status="draft", intent="proposal",
                                        text="20 mg once weekly every Monday")
    del resource["dosageInstruction"][0]["timing"]
    assert _read(kb, chart.draft_resource(resource)).replaced


def test_only_one_to_one_is_read_as_replaced_and_the_rest_is_said(kb, today):
    """Two orders on the chart that a draft could rewrite, or two drafts given together that could rewrite one
    order: nothing says which goes, so all go on, each said to be counted for that reason."""
    chart = _monday_tablets(today).medication(METHOTREXATE_2_5, 5, "mg", start=-30, day_of_week=["mon"], **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    read = _read(kb, chart)
    assert not read.replaced and len(read.scheduled) == 2 and len(read.unsure) == 2
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["mon"], **WEEKLY)
    read = _read(kb, chart)
    assert not read.replaced and _ids(read.scheduled) == ["chart"]
    assert read.facts()["on_chart_cannot_tell"].endswith("could be it written again: counted as going on")
    assert "(more than one draft" in read.note(read.scheduled[0])


def test_drafts_one_after_another_are_one_schedule_by_its_first_step(kb, today):
    """A titration written as two orders, the second starting after the first ends, rewrites the chart order by its
    first step; with the first step on another weekday it does not, and the two overlapping are two orders."""
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], end=27, **WEEKLY)
    chart.draft(MTX_INJECTABLE, 20, "mg", day_of_week=["mon"], route=ROUTE_SC, start=28, **WEEKLY)
    read = _read(kb, chart)
    assert _ids(o for o, _ in read.replaced) == ["chart"] and "then methotrexate 25 MG/ML" in read.replaced[0][1]
    chart.drafts[0]["dosageInstruction"][0]["timing"]["repeat"]["dayOfWeek"] = ["thu"]
    assert _ids(_read(kb, chart).scheduled) == ["chart"]
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], end=27, **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], start=27, **WEEKLY)  # both on day 27
    assert not _read(kb, chart).replaced


def test_a_step_that_could_follow_two_drafts_starts_a_schedule_of_its_own(kb, today):
    """Two drafts given together for 4 weeks, then a third: it follows either, nothing says which, so it is a
    schedule of its own, and three schedules could rewrite the chart order: none is read as replacing it."""
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["mon"], end=27, **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["mon"], end=27, **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], start=28, **WEEKLY)
    assert not _read(kb, chart).replaced


def test_as_needed_orders_take_no_part_in_the_rewrite_test(kb, today):
    """An as-needed order of the same drug on the chart does not make the draft's match two to one; an as-needed
    draft rewrites nothing; an as-needed chart order goes on beside the drafts, with no scheduled dose."""
    chart = _monday_tablets(today).medication(METHOTREXATE_2_5, 5, "mg", start=-30, day_of_week=["mon"],
                                              resource_id="prn", **WEEKLY)
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    read = _read(kb, chart)
    assert _ids(o for o, _ in read.replaced) == ["chart"] and _ids(read.as_needed) == ["prn"]
    assert read.scheduled == () and _ids(read.beside) == ["prn"]
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    chart.drafts[-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    assert _ids(_read(kb, chart).scheduled) == ["chart"]


def test_an_order_rewritten_with_no_link_is_left_active_and_a_linked_one_is_not(kb, today):
    """Replaced only by the unlinked rewrite test, nothing tells the EHR to stop the chart order: it is left active,
    with the drafts that rewrite it (a chain once, by its steps). A link (priorPrescription, the same id) is not."""
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], end=27,
                                         resource_id="step-1", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], start=28, resource_id="step-2", **WEEKLY)
    read = _read(kb, chart)
    assert [(o.id, _ids(chain)) for o, chain in read.left_active] == [("chart", ["step-1", "step-2"])]
    assert read.facts()["on_chart_left_active"] == ("methotrexate 2.5 MG Oral Tablet (MedicationRequest/chart): "
                                                    "still active, no draft links to it")
    chart.drafts[0]["priorPrescription"] = {"reference": "MedicationRequest/chart"}
    read = _read(kb, chart)
    assert _ids(o for o, _ in read.replaced) == ["chart"] and read.left_active == ()


def test_an_order_ending_before_the_draft_that_rewrites_it_starts_is_not_left_active(kb, today):
    """Monday tablets until day 10; a Thursday draft from today (another order) and a Monday draft from day 14 that
    rewrites them: they end before it starts, so they are followed, not given with it."""
    chart = _monday_tablets(today, end=10).draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["thu"], **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], start=14, **WEEKLY)
    read = _read(kb, chart)
    assert _ids(o for o, _ in read.replaced) == ["chart"] and read.left_active == ()


@pytest.mark.parametrize(("status", "said"), [("on-hold", "on hold, expected to resume"),
                                              (None, "its status does not say it has stopped")])
def test_what_the_card_says_of_an_order_left_active(kb, today, status, said):
    chart = _monday_tablets(today, status=status).draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    if status is None:
        del chart.resources["medications"][-1]["status"]
    [(order, _)] = _read(kb, chart).left_active
    assert continuing.left_active_finding([(order, "15 mg once weekly")], "35 mg/week", None) == (
        f"Methotrexate 2.5 MG Oral Tablet, 15 mg once weekly (on the chart, {said}) is read as replaced by this "
        "draft, which does not link to it: discontinue it when signing, or both would be given (35 mg/week "
        "together).")


def test_on_hold_and_unstated_go_on_stopped_or_ended_first_do_not(kb, today):
    chart = _monday_tablets(today, status="on-hold", resource_id="held")
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, day_of_week=["sat"], status="unknown",
                     resource_id="unknown", **WEEKLY)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, end=30, status="stopped", day_of_week=["tue"],
                     resource_id="stopped", **WEEKLY)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, end=6, day_of_week=["wed"], resource_id="until-6",
                     **WEEKLY)
    chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, end=-1, day_of_week=["fri"], status="unknown",
                     resource_id="ended", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", start=7, day_of_week=["thu"], **WEEKLY)
    read = _read(kb, chart)
    assert _ids(read.scheduled) == ["held", "unknown"] and _ids(read.ending_first) == ["until-6"]
    assert read.note(read.scheduled[0]) == " (on hold)"
    assert read.facts() == {
        "on_chart_replaced": None,
        "on_chart_ending_first": f"methotrexate 2.5 MG Oral Tablet (MedicationRequest/until-6), "
                                 f"ends {today + timedelta(days=6)}",
        "on_chart_as_needed": None,
        "on_chart_cannot_tell": "methotrexate 2.5 MG Oral Tablet (MedicationRequest/unknown): its status does not "
                                "say whether it is still given: counted as going on",
        "on_chart_left_active": None,
        "stop_draft_unlinked": None}


@pytest.mark.parametrize("status", ["foo", "Unknown-ish"])
def test_a_status_that_is_no_fhir_code_goes_on_as_an_unstated_one(kb, today, status):
    """A methotrexate order of status 'foo' was in no group query at all: a draft beside it was judged alone, its
    dose not added and nothing said. Like 'unknown', it now goes on, added up and named as not telling."""
    chart = _monday_tablets(today, resource_id="odd")
    chart.resources["medications"][-1]["status"] = status
    chart.draft(METHOTREXATE_2_5, 15, "mg", start=7, day_of_week=["thu"], **WEEKLY)
    read = _read(kb, chart)
    assert _ids(read.scheduled) == ["odd"]
    assert read.facts()["on_chart_cannot_tell"] == (
        "methotrexate 2.5 MG Oral Tablet (MedicationRequest/odd): its status does not say whether it is still given: "
        "counted as going on")


def test_a_taper_order_goes_on_from_the_step_being_given(kb, today):
    chart = Chart(today).taper_order(PREDNISONE_20, [(60, 14), (40, 14), (20, None)], start=-20)
    chart.draft(PREDNISONE_5, 15, "mg", frequency=2, route=ROUTE_ORAL)
    [order] = _read(kb, chart, "glucocorticoid_systemic").scheduled
    assert [d.dose.value for d in order.dosages] == [40, 20] and [s.sequence for s in order.steps] == [2, 3]


def test_what_a_replacement_must_stop(kb, today):
    """The orders going on, and those a draft replaces but does not re-send: cancelling the draft does not stop
    them."""
    chart = _monday_tablets(today, resource_id="replaced").medication(METHOTREXATE_2_5, 5, "mg", start=-30,
                                                                       day_of_week=["thu"], resource_id="beside",
                                                                       **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    chart.replacing("replaced")
    record, context = record_and_context(kb, chart, "order-sign")
    drafts = context.drafts_in("methotrexate")
    read = continuing.on_chart(drafts, continuing.current_orders(record, "methotrexate"), today, "methotrexate")
    beside = next(o for o in read.scheduled if o.id == "beside")
    assert [(o.id, how) for o, how in read.to_stop(drafts, [(beside, "5 mg")])] == [
        ("beside", "5 mg"), ("replaced", "the draft replaces it")]
    chart.drafts[-1]["id"] = "replaced"
    del chart.drafts[-1]["priorPrescription"]
    record, context = record_and_context(kb, chart, "order-sign")
    drafts = context.drafts_in("methotrexate")
    read = continuing.on_chart(drafts, continuing.current_orders(record, "methotrexate"), today, "methotrexate")
    assert [o.id for o, _ in read.to_stop(drafts, [(o, "5 mg") for o in read.scheduled])] == ["beside"]


def test_local_forms_are_not_current_systemic_orders(kb, today):
    chart = Chart(today).medication("prednisolone acetate 10 MG/ML Ophthalmic Suspension", 1, "{drop}", start=-5)
    chart.medication(PREDNISONE_20, 10, "mg", start=-5, resource_id="oral")
    record, _ = record_and_context(kb, chart)
    assert _ids(continuing.current_orders(record, "glucocorticoid_systemic")) == ["oral"]


def test_orders_with_no_id_are_told_apart(kb, today):
    """Two chart orders with no id both read as 'MedicationRequest/': keyed by it, the renewal of one replaced both
    and the other was lost from the total (found by review). They are told apart by identity."""
    chart = _monday_tablets(today).medication(MTX_INJECTABLE, 25, "mg", start=-100, day_of_week=["wed"],
                                                        route=ROUTE_SC, **WEEKLY)
    for resource in chart.resources["medications"]:
        resource["id"] = ""  # read as no id
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["mon"], **WEEKLY)
    read = _read(kb, chart)
    assert [o.label for o, _ in read.replaced] == ["methotrexate 2.5 MG Oral Tablet"]
    assert [o.label for o in read.scheduled] == ["methotrexate 25 MG/ML Injectable Solution"]


@pytest.mark.parametrize(("end", "goes_on"), [(0, False), (1, False), (2, True)])
def test_an_order_whose_last_dose_day_comes_before_the_drafts_ends_first(kb, today, end, goes_on):
    """Monday tablets ending today (a Saturday) or tomorrow gave their last dose the Monday before: the Monday
    injection drafted from today follows them (they were read as given beside it: 40 mg a week, found by review).
    Ending on Monday the 23rd, both are given that day."""
    chart = _monday_tablets(today, end=end).draft(MTX_INJECTABLE, 20, "mg", day_of_week=["mon"], route=ROUTE_SC,
                                                  **WEEKLY)
    read = _read(kb, chart)
    assert (_ids(read.scheduled) == ["chart"]) is goes_on and (_ids(read.ending_first) == ["chart"]) is not goes_on


@pytest.mark.parametrize("stop", [{"status": "stopped"}, {"status": "cancelled"}, {"status": "entered-in-error"},
                                  {"dose": 0}])
def test_a_draft_that_discontinues_the_order_replaces_it_and_gives_nothing(kb, today, stop):
    """The tablets re-sent as stopped (or with a 0 mg dose) beside a Wednesday injection: a switch with the old order
    discontinued in the same batch. It replaces the order, and is no step of a schedule (it was read as a dose given
    with the injection: twice a week, 45 mg, found by review)."""
    chart = _monday_tablets(today)
    chart.draft_resource(chart.medication_request(METHOTREXATE_2_5, stop.get("dose", 15), "mg", start=-60,
                                                  day_of_week=["mon"], route=ROUTE_ORAL, resource_id="chart",
                                                  status=stop.get("status", "draft"), **WEEKLY))
    chart.draft(MTX_INJECTABLE, 25, "mg", day_of_week=["wed"], route=ROUTE_SC, start=2, **WEEKLY)
    record, context = record_and_context(kb, chart, "order-sign")
    drafts = context.drafts_in("methotrexate")
    read = continuing.on_chart(drafts, continuing.current_orders(record, "methotrexate"), today, "methotrexate")
    assert _ids(o for o, _ in read.replaced) == ["chart"] and read.beside == ()
    assert read.replaced[0][1].startswith("discontinued by a draft (the same id, ")
    assert [d.label for d in read.given] == ["methotrexate 25 MG/ML Injectable Solution"]


def test_cancel_or_discontinue_recommends_stopping_a_chart_order_unsafe_on_its_own(kb, today):
    """A chart order that is wrong on its own (daily methotrexate) must not be the one kept: cancelling the draft is
    offered but not recommended, and says why."""
    [order] = _read(kb, _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["thu"],
                                                     **WEEKLY)).scheduled
    cancel, keep = continuing.cancel_or_discontinue([], [(order, "once daily")], chart_alone="given once daily")
    assert cancel.label == "Cancel the draft: the order on the chart stays active (given once daily)"
    assert (cancel.is_recommended, keep.is_recommended) == (False, True)
    cancel, keep = continuing.cancel_or_discontinue([], [(order, "once weekly")])
    assert (cancel.is_recommended, keep.is_recommended) == (True, False)


@pytest.mark.parametrize(("dosing", "ends_first"), [
    ({"text": "2.5 mg by mouth daily, started Monday"}, False),  # a weekday the text only mentions
    ({"text": "2.5 mg daily every Monday"}, False),  # daily, beyond the weekday named
    ({"day_of_week": ["mon"], "text": "2.5 mg by mouth daily"}, True),  # daily on Mondays: Monday only
    ({"period_unit": "wk", "text": "15 mg every Monday"}, True),
])
def test_only_an_order_given_on_named_weekdays_alone_ends_on_its_last_weekday(kb, today, dosing, ends_first):
    """Methotrexate until Sunday the 29th and a Wednesday draft from the 25th: a daily order whose text mentions
    Monday was read as Monday-only, its last dose on the 23rd, and left out as ending first (a daily methotrexate
    order silent beside the draft, found by review). Only a timing or an 'every Monday' phrase that gives doses on
    the named weekdays alone ends it early."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 2.5, "mg", start=-12, end=8, resource_id="chart", **dosing)
    chart.draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["wed"], start=4, **WEEKLY)
    read = _read(kb, chart)
    assert _ids(read.ending_first if ends_first else read.scheduled) == ["chart"]


def test_a_daily_order_mentioning_a_weekday_rewritten_after_another_draft_starts_is_left_active(kb, today):
    """Prednisone 60 mg daily 'started Monday' until the 29th, a prednisone 10 mg every-other-day draft from today
    and a 40 mg daily draft from the 25th that rewrites the order with no link: the order was read as last given on
    Monday the 23rd, before the rewrite starts, so not left active (100 mg a day unsaid). It is given to the 29th."""
    chart = Chart(today).medication(PREDNISONE_20, 60, "mg", start=-12, end=8, route=ROUTE_ORAL,
                                    text="60 mg every morning, started Monday", resource_id="chart")
    chart.draft(PREDNISONE_5, 10, "mg", period=2, route=ROUTE_ORAL)
    chart.draft(PREDNISONE_20, 40, "mg", start=4, route=ROUTE_ORAL, resource_id="step")
    read = _read(kb, chart, "glucocorticoid_systemic")
    assert [(o.id, o.end, _ids(chain)) for o, chain in read.left_active] == [
        ("chart", today + timedelta(days=8), ["step"])]


@pytest.mark.parametrize("text", ["20 mg once weekly on Sat", "20 mg weekly (Sun)", "20 mg weekly; not on Friday"])
def test_an_order_naming_a_weekday_not_read_is_no_renewal_on_another_day(kb, today, text):
    """'20 mg once weekly on Sat': 'sat' is read as a weekday only in a phrase that schedules it, so the order was
    read as naming none, and a weekday on one side only made the unlinked Monday draft its renewal (twice a week,
    40 mg, with no hard stop; found by review). An order whose text names a weekday names one: it goes on, said."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 20, "mg", start=-100, text=text, resource_id="chart", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["mon"], **WEEKLY)
    read = _read(kb, chart)
    assert not read.replaced and _ids(read.scheduled) == ["chart"]
    assert "a schedule could not be read" in read.note(read.scheduled[0])


def test_a_draft_is_a_stop_only_with_every_dosing_instruction_at_0_mg(kb, today):
    """A week held at 0 mg, then 2.5 mg daily: read as a stop by its first instruction, so daily methotrexate gave
    nothing (found by review). A 0 mg dose with an instruction that gives none ('take with food') is a stop."""
    chart = Chart(today).draft(METHOTREXATE_2_5, 0, "mg", day_of_week=["mon"], **WEEKLY)
    chart.given_with(doseAndRate=[{"doseQuantity": {"value": 2.5, "unit": "mg", "system": "http://unitsofmeasure.org",
                                                    "code": "mg"}}], timing={"repeat": {"frequency": 1, "period": 1,
                                                                                        "periodUnit": "d"}})
    for second, stops in ((chart.drafts[-1]["dosageInstruction"][1], False), ({"text": "take with food"}, True)):
        chart.drafts[-1]["dosageInstruction"][1] = second
        _, context = record_and_context(kb, chart, "order-sign")
        assert continuing.discontinues(context.drafts_in("methotrexate")[0]) is stops


@pytest.mark.parametrize("status", ["stopped", "completed", "entered-in-error"])
def test_a_stop_that_re_sends_or_names_no_chart_order_gives_its_dose_and_is_said(kb, today, status):
    """Daily methotrexate drafted with a stop status under an id no chart order has: it stopped nothing anyone can
    tell, and was dropped unsaid (found by review). It is read as the dose it orders, and named; naming the chart
    order as its priorPrescription makes it that order's discontinuation."""
    chart = _monday_tablets(today).draft(METHOTREXATE_2_5, 2.5, "mg", status=status, resource_id="other")
    read = _read(kb, chart)
    assert _ids(read.given) == ["other"] and _ids(read.stop_unlinked) == ["other"] and not read.replaced
    assert read.facts()["stop_draft_unlinked"] == (
        f"methotrexate 2.5 MG Oral Tablet (MedicationRequest/other): {status}, but it re-sends or names no order on "
        "the chart: read as the dose it orders")
    chart.replacing("chart")
    read = _read(kb, chart)
    assert read.given == () and read.facts()["stop_draft_unlinked"] is None
    assert read.replaced[0][1] == (f"discontinued by methotrexate 2.5 MG Oral Tablet, which names it as its "
                                   f"priorPrescription ({status})")


def test_drafts_are_read_as_ordered_recorded_as_given_or_discontinuing(kb, today):
    """The reading R26 and R28 share: a stop of a chart order it names discontinues it; a draft 'completed' records a
    dose given, whether it names a chart order or not; a stop naming none orders its dose, and is said."""
    chart = _monday_tablets(today).medication(METHOTREXATE_2_5, 10, "mg", start=-60, day_of_week=["wed"],
                                              route=ROUTE_ORAL, resource_id="wednesday", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 15, "mg", status="stopped", resource_id="stop-linked").replacing("chart")
    chart.draft(METHOTREXATE_2_5, 10, "mg", status="completed", resource_id="done-linked").replacing("wednesday")
    chart.draft(METHOTREXATE_2_5, 2.5, "mg", status="stopped", resource_id="stop-free")
    chart.draft(METHOTREXATE_2_5, 2.5, "mg", status="completed", resource_id="done-free")
    chart.draft(METHOTREXATE_2_5, 20, "mg", day_of_week=["fri"], resource_id="new", **WEEKLY)
    record, context = record_and_context(kb, chart, "order-sign")
    read = continuing.ordered_or_given(context.drafts_in("methotrexate"),
                                       continuing.current_orders(record, "methotrexate"), today, "methotrexate")
    assert _ids(read.ordered) == ["stop-free", "new"] and _ids(read.recorded) == ["done-linked", "done-free"]
    assert _ids(read.discontinuing) == ["stop-linked"] and _ids(read.stop_unlinked) == ["stop-free"]
    label = "methotrexate 2.5 MG Oral Tablet"
    assert read.facts("mtx", "the dose it orders") == {
        "mtx_drafts_discontinuing": f"{label} (MedicationRequest/stop-linked)",
        "mtx_stop_unlinked": f"{label} (MedicationRequest/stop-free): written as a stop, but it re-sends or names no "
                             "order on the chart: read as the dose it orders"}


@pytest.mark.parametrize(("start", "goes_on"), [(-3, False), (-2, True)])
def test_a_counted_course_with_no_end_date_ends_on_its_last_dose(kb, today, start, goes_on):
    """Prednisone 40 mg daily, 3 doses, still 'active' with no end date (as a pulse or a burst is often left): from 3
    days ago its last dose was yesterday, so a 20 mg twice-a-day draft from today follows it, and the facts say
    when; from 2 days ago it is given today too, so both are. It was read as going on for ever."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=start, count=3, route=ROUTE_ORAL,
                                    resource_id="burst")
    chart.draft(PREDNISONE_5, 20, "mg", frequency=2, route=ROUTE_ORAL)
    read = _read(kb, chart, "glucocorticoid_systemic")
    assert (_ids(read.scheduled) == ["burst"]) is goes_on and (_ids(read.ending_first) == ["burst"]) is not goes_on
    if not goes_on:
        assert read.facts()["on_chart_ending_first"] == (f"prednisone 20 MG Oral Tablet (MedicationRequest/burst), its "
                                                         f"last written dose {today - timedelta(days=1)}")
    else:  # given from the drafts' first day, it ends on its last dose
        assert read.scheduled[0].end == today


def test_a_counted_course_rewritten_with_no_link_is_left_active_only_while_it_is_given(kb, today):
    """1 g IV daily x3 from yesterday, written again as 1 g daily x3 from today: still given today and tomorrow, so
    left active; the same from 3 days ago has been given in full, so the draft follows it."""
    for start, left in ((-1, True), (-3, False)):
        chart = Chart(today).medication(METHYLPRED_1000, 1000, "mg", start=start, count=3, route=ROUTE_IV,
                                        resource_id="pulse")
        chart.draft(METHYLPRED_1000, 1000, "mg", count=3, route=ROUTE_IV)
        read = _read(kb, chart, "glucocorticoid_systemic")
        assert bool(read.left_active) is left and (_ids(read.ending_first) == ["pulse"]) is not left
        if left:
            assert continuing.last_written_dose(read.left_active[0][0]) == today + timedelta(days=1)


def test_the_last_written_dose_of_an_order_with_nothing_that_ends_it_is_none(kb, today):
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-3, route=ROUTE_ORAL, resource_id="daily")
    chart.draft(PREDNISONE_5, 20, "mg", frequency=2, route=ROUTE_ORAL)
    [order] = _read(kb, chart, "glucocorticoid_systemic").scheduled
    assert continuing.last_written_dose(order) is None


# An IVIG regimen as the service contract writes one (section 4, "Cyclic regimens"): its count, or duration, is the
# days of each cycle, repeated every period
IVIG_REGIMEN = {"period": 4, "period_unit": "wk", "route": ROUTE_IV, "resource_id": "regimen"}


@pytest.mark.parametrize("cycle", [{"count": 2}, {"text": "1 g/kg IV daily x 2 days every 4 weeks"}])
def test_a_cyclic_ivig_regimen_is_not_ended_by_the_days_of_one_cycle(kb, today, cycle):
    """IVIG 1 g/kg a day for 2 days every 4 weeks from 30 days ago, no end date: its count of 2 (or its sig's 'x 2
    days') is the days of each cycle, not the doses of the order. It was read as ended after its first cycle (ending
    first), so a draft beside it, or written again with no link, was read alone."""
    chart = Chart(today).medication(IVIG_CVX, 1, "g/kg", start=-30, **IVIG_REGIMEN, **cycle)
    chart.draft(IVIG_CVX, 0.4, "g/kg", count=5, route=ROUTE_IV)  # a daily course: no rewrite of the regimen
    read = _read(kb, chart, "ivig")
    assert _ids(read.scheduled) == ["regimen"] and not read.ending_first
    assert continuing.last_written_dose(read.scheduled[0]) is None
    chart.drafts.clear()
    chart.draft(IVIG_CVX, 1, "g/kg", start=0, count=2, period=4, period_unit="wk", route=ROUTE_IV)
    assert [order.id for order, _ in _read(kb, chart, "ivig").left_active] == ["regimen"]


def test_a_cyclic_ivig_regimen_ends_by_its_bounds_and_a_daily_ivig_course_by_its_count(kb, today):
    """The regimen's boundsPeriod.end still ends it; IVIG 1 g/kg daily x2 (no cycle interval) ends on its second
    day, as any counted course."""
    chart = Chart(today).medication(IVIG_CVX, 1, "g/kg", start=-30, end=60, count=2, **IVIG_REGIMEN)
    chart.medication(IVIG_CVX, 1, "g/kg", start=-30, count=2, route=ROUTE_IV, resource_id="course")
    chart.draft(IVIG_CVX, 0.4, "g/kg", count=5, route=ROUTE_IV)
    read = _read(kb, chart, "ivig")
    assert _ids(read.scheduled) == ["regimen"] and _ids(read.ending_first) == ["course"]
    assert continuing.last_written_dose(read.scheduled[0]) == today + timedelta(days=60)
    assert continuing.last_written_dose(read.ending_first[0]) == today - timedelta(days=29)


# A chart order with no end date ends early only on a structured count from a structured start: the sig's 'for N
# days' in a safety instruction ended these orders months ago, and their doses left the checks (review)
def _order_sign_cards(kb, chart):
    return fired(run(kb, chart.request("order-sign"), chart.today))


def test_a_weekly_methotrexate_whose_sig_says_for_3_days_still_adds_up(kb, today):
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-200).weight(70, day=-2)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", day_of_week=["mon"],
                     route=ROUTE_ORAL, resource_id="mtx-po",
                     text="20 mg by mouth once weekly on Monday. If mouth ulcers for 3 days, hold and call the clinic")
    chart.draft("methotrexate 25 MG/ML Prefilled Syringe", 25, "mg", period=1, period_unit="wk",
                day_of_week=["wed"], route=ROUTE_SC, resource_id="mtx-sc")
    cards = _order_sign_cards(kb, chart)
    assert cards["mtx-once-weekly-hard-stop"]["indicator"] == "critical"
    assert cards["mtx-weekly-dose-range"]["indicator"] == "critical"


def test_a_prednisone_order_whose_sig_says_for_5_days_then_still_adds_up(kb, today):
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-60).weight(70, day=-2)
    chart.medication(PREDNISONE_20, 40, "mg", start=-20, resource_id="pred",
                     text="40 mg by mouth daily for 5 days, then 30 mg daily until clinic review")
    chart.draft("prednisolone 5 MG Oral Tablet", 50, "mg", resource_id="predl")
    assert "prednisone-adult-dose-check" in _order_sign_cards(kb, chart)


def test_a_pulse_written_days_before_it_began_is_not_ended_by_its_authored_date(kb, today):
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-20).weight(70, day=-1)
    chart.resources["medications"].append(chart.medication_request(
        METHYLPRED_1000, 1000, "mg", start=None, authored=-4, route=ROUTE_IV, text="1 g IV daily x3 days",
        resource_id="mp-chart"))  # authored D-4, first dose yesterday: still given today and tomorrow
    chart.draft((RXNORM, "1743704", "methylprednisolone 500 MG Injection"), 1000, "mg", route=ROUTE_IV,
                text="1 g IV daily x3 days", resource_id="d")
    assert "ivmp-pulse-dose-cap" in _order_sign_cards(kb, chart)


@pytest.mark.parametrize("sig", ["1 g IV daily x 3 days", "1 g IV once daily for 3 days"])
def test_a_pulse_left_active_whose_sig_gives_only_its_length_ended_with_it(kb, today, sig):
    """A 1 g x3 pulse from D-40 left active: read as given daily to today, it gave a new pulse a false 'more than 5
    days' warning (final review). A sig whose only words of time are its length ends it."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-60).weight(70, day=-1)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-40, route=ROUTE_IV, text=sig, resource_id="mp-chart")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, text="1 g IV daily x 3 days", resource_id="d")
    assert "ivmp-pulse-dose-cap" not in _order_sign_cards(kb, chart)


def _left_with_titration(kb, today):
    """15 mg every Monday on the chart until day 8, rewritten with no link by 10 mg every Monday for 2 weeks, then
    25 mg: the chart order is left active (given with the first step only), and each order as read."""
    chart = _monday_tablets(today, end=8).draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["mon"], end=13, **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 25, "mg", day_of_week=["mon"], start=14, **WEEKLY)
    [(order, chain)] = _read(kb, chart).left_active
    return order, chain


def test_the_left_active_line_adds_up_what_is_given_on_the_same_day(kb, today):
    """15 mg with the 10 mg step (25 mg), not with the 25 mg step that starts after the chart order ends: 40 mg was
    R08's total (the chart order plus the largest step). ``named`` says the total of the orders in it, ``over``
    the limits it passes."""
    order, (first, then) = _left_with_titration(kb, today)
    line = continuing.left_active_line(
        [(order, "15 mg once weekly")], [(order, 15.0), (first, 10.0), (then, 25.0)], today, drafts=(first, then),
        named=lambda total, orders: f"{total:g} mg/week ({len(orders)} orders)",
        over=lambda total: "above 20 mg/week" if total > 20 else None)
    assert line.text.endswith("or both would be given (25 mg/week (2 orders) together, above 20 mg/week).")
    assert line.over == "above 20 mg/week"
    line = continuing.left_active_line([(order, "15 mg once weekly")], [(order, 15.0), (first, 10.0)], today,
                                       drafts=(first,), named=lambda total, _: f"{total:g} mg/week")
    assert line.text.endswith("or both would be given (25 mg/week together).") and line.over is None


def test_the_left_active_line_says_no_total_when_an_amount_is_not_read_and_the_rest_passes_no_limit(kb, today):
    """One order's amount not read (a draft, an order beside them or the one left active): a total would leave it
    out, so none is said when what the others give passes no limit."""
    order, (first, then) = _left_with_titration(kb, today)

    def never(*_):
        raise AssertionError("no total to name")

    line = continuing.left_active_line([(order, "15 mg once weekly")], [(order, 15.0), (first, None), (then, 25.0)],
                                       today, drafts=(first, then), named=never, over=lambda total: None)
    assert line.text == continuing.left_active_finding([(order, "15 mg once weekly")], None, None)
    assert line.text.endswith("discontinue it when signing, or both would be given.") and line.over is None
    line = continuing.left_active_line([(order, "15 mg once weekly")], [(order, 15.0), (first, None)], today,
                                       drafts=(first,), named=never)  # no limit to pass
    assert line.over is None and line.text.endswith("or both would be given.")


def test_the_left_active_line_says_a_limit_that_what_is_read_already_passes(kb, today):
    """Methotrexate 20 mg left active beside a 30 mg draft and an order whose dose is not read: 50 mg a week passes
    the 40 mg danger limit whatever that order adds. The line said no total, and so no limit: it now says 'at
    least' 50 mg, the limit, and the order it could not count, as the draft or as the order on the chart (a label
    alone does not say which); ``over`` is what the rule decides on."""
    order, (first, then) = _left_with_titration(kb, today)
    danger = "at or above the 40 mg/week danger limit"
    line = continuing.left_active_line(
        [(order, "20 mg once weekly")], [(order, 20.0), (first, 30.0), (then, None)], today, drafts=(first, then),
        named=lambda total, _: f"{total:g} mg/week", over=lambda total: danger if total >= 40 else None)
    assert line.over == danger
    assert line.text.endswith("or both would be given (at least 50 mg/week together, at or above the 40 mg/week "
                              "danger limit; the methotrexate 2.5 MG Oral Tablet draft could not be counted).")
    line = continuing.left_active_line(  # the order on the chart not read, beside the two drafts
        [(order, "dose not read")], [(order, None), (first, 40.0), (then, 25.0)], today, drafts=(first, then),
        named=lambda total, _: f"{total:g} mg/week", over=lambda total: danger if total >= 40 else None)
    assert line.text.endswith("or both would be given (at least 40 mg/week together, at or above the 40 mg/week "
                              "danger limit; the methotrexate 2.5 MG Oral Tablet order on the chart could not be "
                              "counted).")


def test_the_left_active_warning_names_a_dose_not_read_as_such(kb, today):
    """The summary names the drafts' dose and each order left active by its dose, or as not read: never by why it
    was not read, nor by 'dose not given' before 'order on the chart'."""
    order, (first, _) = _left_with_titration(kb, today)

    def summary(drafted, on_chart):
        return continuing.left_active_warning([(order, on_chart)], drug="Methotrexate", drafted=drafted,
                                              on_chart=[on_chart], findings=[], judged="", facts={},
                                              about=[first]).summary

    assert summary("10 mg/week", "15 mg/week") == ("Methotrexate 10 mg/week draft: the 15 mg/week order on the chart "
                                                   "is still active")
    assert summary(DOSE_NOT_READ, DOSE_NOT_READ) == ("Methotrexate (dose not read) draft: the order on the chart "
                                                     "(dose not read) is still active")


def test_cancel_or_discontinue_advised_goes_with_its_advice(kb, today):
    [order] = _read(kb, _monday_tablets(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["thu"],
                                                     **WEEKLY)).scheduled
    suggestions, advice = continuing.cancel_or_discontinue_advised([], [(order, "once weekly")])
    assert suggestions == continuing.cancel_or_discontinue([], [(order, "once weekly")])
    assert advice == ("**Cancel the draft**, or, if it is meant to replace the order on the chart, discontinue that "
                      "order when you sign it.")
    _, advice = continuing.cancel_or_discontinue_advised([], [(order, "once weekly")],
                                                         named="the methotrexate on the chart",
                                                         replacing_as=" (a taper step)")
    assert advice == ("**Cancel the draft**, or, if it is meant to replace the methotrexate on the chart (a taper "
                      "step), discontinue that order when you sign it.")


def test_what_cancelling_the_drafts_leaves_on_the_chart(kb, today):
    """Cancelling the drafts that give a dose leaves the orders going on beside them, those left active, and those a
    draft names as its prior prescription (signing would have stopped them; cancelling does not): these were not
    counted (found by review). Not one re-sent as a draft (cancelling it is that), nor one a stop that stays ends,
    nor one as needed (no scheduled dose: named instead, as cancelling leaves it)."""
    chart = Chart(today)
    for resource_id, day in (("named", "mon"), ("beside", "thu"), ("left", "wed"), ("resent", "fri"),
                             ("ended", "sat"), ("named-prn", "sun")):
        chart.medication(METHOTREXATE_2_5, 10, "mg", start=-60, day_of_week=[day], resource_id=resource_id, **WEEKLY)
    chart.resources["medications"][-1]["dosageInstruction"][0]["asNeededBoolean"] = True
    chart.draft(MTX_INJECTABLE, 15, "mg", day_of_week=["mon"], route=ROUTE_SC, **WEEKLY).replacing("named")
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["wed"], **WEEKLY)  # 'left' written again, no link
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["fri"], resource_id="resent", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["sat"], resource_id="ended", status="stopped", **WEEKLY)
    chart.draft(METHOTREXATE_2_5, 5, "mg", day_of_week=["sun"], **WEEKLY).replacing("named-prn")
    read = _read(kb, chart)
    assert _ids(read.kept_if_cancelled) == ["beside", "left", "named"]
    assert _ids(read.linked_kept) == ["named", "named-prn"]
    assert read.as_needed_line(None) == (
        "As needed on the chart, and replaced by the draft: methotrexate 2.5 MG Oral Tablet, 10 mg once weekly. "
        "Signing the draft stops it, cancelling the draft does not; no scheduled dose of it is added up: review "
        "it if you cancel.")


def test_an_order_a_draft_names_that_ends_before_the_drafts_start_is_not_kept(kb, today):
    """The step a linked draft follows, ending before it starts, is counted no more than an order ending first."""
    chart = _monday_tablets(today, end=3).draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["mon"], start=7, **WEEKLY)
    assert _read(kb, chart.replacing("chart")).kept_if_cancelled == ()
    chart = _monday_tablets(today, end=10).draft(METHOTREXATE_2_5, 10, "mg", day_of_week=["mon"], start=7, **WEEKLY)
    assert _ids(_read(kb, chart.replacing("chart")).kept_if_cancelled) == ["chart"]


def _two_weekly_orders(kb, today, *spans):
    """The chart's methotrexate orders, one a span (first day, last day or None), in that order."""
    chart = Chart(today)
    for start, end in spans:
        chart.medication(METHOTREXATE_2_5, 10, "mg", start=start, end=end, day_of_week=["mon"], **WEEKLY)
    record, _ = record_and_context(kb, chart)
    return list(record.medications_in("methotrexate"))


def _leaves(today, amounts, part_counted=()):
    return continuing.Leaves.of(amounts, today, named=lambda week, _: f"{week:g} mg/week",
                                over=lambda week: "above 25 mg/week" if week > 25 else None, part_counted=part_counted)


def test_cancelling_is_within_only_with_every_order_counted_and_no_limit_passed(kb, today):
    """What cancelling leaves is judged on the week it gives the most: two orders given in the same weeks add up
    (30 mg), a step that starts after the other ends does not (15 mg); nothing left is within."""
    assert _leaves(today, []).within and _leaves(today, []).finding() is None
    a, b = _two_weekly_orders(kb, today, (-100, None), (-100, None))
    together = _leaves(today, [(a, 15.0), (b, 15.0)])
    assert not together.within and together.total == "30 mg/week" and together.over == "above 25 mg/week"
    assert together.finding() == ("The orders on the chart alone give 30 mg/week, above 25 mg/week: cancelling the "
                                  "draft would leave that.")
    assert together.finding("The methotrexate") == ("The methotrexate on the chart alone gives 30 mg/week, above 25 "
                                                    "mg/week: cancelling the draft would leave that.")
    first, then = _two_weekly_orders(kb, today, (-100, 10), (11, None))
    assert _leaves(today, [(first, 15.0), (then, 15.0)]).within


def test_an_order_not_counted_in_full_leaves_whether_it_is_within_unknown(kb, today):
    """An amount not read, or one dose counted for an order with no frequency: what the others give is only the
    least, so cancelling is not known to be within the limits, and the card says why (``why_not``: the rule's
    reason); over the limits already, 'at least'."""
    read, unread = _two_weekly_orders(kb, today, (-100, None), (-100, None))
    leaves = _leaves(today, [(read, 15.0), (unread, None)])
    assert not leaves.within and leaves.counted.not_counted == (unread,)
    unknown = "whether cancelling the draft would leave the chart within the limits is not known."
    assert leaves.finding() == ("The orders on the chart alone give at least 15 mg/week (the methotrexate 2.5 MG Oral "
                                f"Tablet order could not be counted): {unknown}")
    assert _leaves(today, [(unread, None)]).finding(why_not=lambda _: "is given daily") == (
        f"The methotrexate 2.5 MG Oral Tablet order is given daily: {unknown}")
    one_dose = _leaves(today, [(read, 15.0)], part_counted=[read])
    assert one_dose.finding() == ("The order on the chart alone gives at least 15 mg/week (one dose was counted for "
                                  f"the methotrexate 2.5 MG Oral Tablet order, its frequency not given): {unknown}")
    assert _leaves(today, [(read, 30.0), (unread, None)]).finding() == (
        "The orders on the chart alone give at least 30 mg/week, above 25 mg/week: cancelling the draft would leave "
        "that.")


def test_a_total_with_an_order_counted_in_part_on_another_day_is_at_least(kb, today):
    """One dose counted for an order with no frequency, given in other weeks than the total's: its own weeks may
    give more, so the total is the least given (the left-active line said it as all that is given)."""
    order, (first, then) = _left_with_titration(kb, today)
    line = continuing.left_active_line([(order, "15 mg once weekly")], [(order, 15.0), (first, 10.0), (then, 5.0)],
                                       today, drafts=(first, then), named=lambda total, _: f"{total:g} mg/week",
                                       minimum=[then])
    assert line.text.endswith("or both would be given (at least 25 mg/week together).")


def test_ways_out_that_exclude_one_another_are_never_offered_together():
    """Cancel the draft, or keep it and discontinue the order on the chart: a card whose selection was "any" let a
    clinician take both, leaving a child on neither (found by review). One drug's ways: at most one is taken;
    several drugs' (one selection for the card): each drug's recommended way alone."""
    cancel = Suggestion("Cancel the draft", [], is_recommended=True)
    keep = Suggestion("Keep the draft and discontinue the order on the chart", [])
    replace = Suggestion("Replace with methotrexate 15 mg/m2", [])
    assert continuing.one_way_out_each([[cancel, keep], []]) == ([cancel, keep], "at-most-one")
    assert continuing.one_way_out_each([[cancel, keep], [replace]]) == ([cancel, replace], "any")
    assert continuing.one_way_out_each([]) == ([], "at-most-one")
    tests = Suggestion("Order TPMT/NUDT15 testing", [])  # one that stands on its own: the selection is "any"
    assert continuing.one_way_out_each([[cancel, keep]], [tests]) == ([tests, cancel], "any")
