"""An order's status is read by its own resource type's codes (record.ORDER_STATUS): a ServiceRequest's 'revoked' or
an Immunization's 'not-done' is a code of its type, never a MedicationRequest status the order 'does not state'."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_fixtures.builders import IVIG_CVX, METHOTREXATE_2_5, MMR_CVX, ROUTE_IV, Chart, concept
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import ivig_cycles_chart, tapering_chart
from hooks.definitions import continuing
from hooks.record import ORDER_STATUS, MedicationOrder, build_record, read_order
from tests.conftest import TODAY, explained, fired, run

# What each status says: (unstated, counts as exposure, current today, a draft so written stops the order, a draft
# so written orders it, it records a dose given, it says nothing of the treatment)
UNSTATED = (True, True, False, False, True, False, False)
BEING_GIVEN = (False, True, True, False, True, False, False)
ENDED = (False, True, False, True, False, False, False)  # stopped early
COMPLETED = (False, True, False, True, False, True, False)  # given in full: a stop, and a record of it given
WITHDRAWN_OR_IN_ERROR = (False, False, False, True, False, False, False)
NOT_GIVEN = (False, False, False, False, True, False, False)
GIVEN = (False, True, False, False, False, True, False)
VOID = (False, False, False, False, False, False, True)  # an entry in error that names no order: it says nothing


def _order(kb, kind: str, status: str | None) -> MedicationOrder:
    raw: dict[str, Any] = {"resourceType": kind, "id": "o-1", "status": status}
    if kind == "Immunization":
        raw["vaccineCode"] = concept(IVIG_CVX)
    elif kind == "MedicationRequest":
        raw["medicationCodeableConcept"] = concept(METHOTREXATE_2_5)
    else:
        raw["code"] = concept(METHOTREXATE_2_5)
    return read_order(raw, kb.valuesets)


def _answers(order: MedicationOrder) -> tuple[bool, ...]:
    meaning = order.status_meaning
    return (order.status_unstated, order.counts_as_exposure, order.current_on(TODAY),
            continuing.discontinues(order), meaning.orders, meaning.records_given, meaning.says_nothing)


@pytest.mark.parametrize(("status", "says"), [
    ("active", BEING_GIVEN), ("on-hold", BEING_GIVEN), ("completed", COMPLETED), ("stopped", ENDED),
    ("cancelled", WITHDRAWN_OR_IN_ERROR), ("entered-in-error", WITHDRAWN_OR_IN_ERROR), ("draft", NOT_GIVEN),
    ("unknown", UNSTATED), ("foo", UNSTATED), (None, UNSTATED),
    ("revoked", ENDED), ("Cancelled", WITHDRAWN_OR_IN_ERROR),  # read as 'stopped' and 'cancelled' (READ_AS, case)
])
def test_a_medication_request_reads_as_it_did(kb, status, says):
    """The MedicationRequest answers are unchanged by the table (the snapshot of every fixture is byte-identical);
    'completed' now also says it records the course given (R26, R27 and R28 say what follows, not 'cancel')."""
    assert _answers(_order(kb, "MedicationRequest", status)) == says


@pytest.mark.parametrize(("status", "says"), [
    # FHIR RequestStatus: 'revoked' ends a request before its full completion, so some of it may have been given
    # (a MedicationRequest written 'revoked' is read as stopped): stated, counted as given, not current, a stop
    ("revoked", ENDED), ("Revoked", ENDED),
    ("active", BEING_GIVEN), ("Active", BEING_GIVEN), ("on-hold", BEING_GIVEN), ("completed", COMPLETED),
    ("entered-in-error", WITHDRAWN_OR_IN_ERROR), ("draft", NOT_GIVEN),
    ("unknown", UNSTATED), ("foo", UNSTATED), (None, UNSTATED),
    # a MedicationRequest's word for a stop, read as the request's own (as the type-blind list of stops read it)
    ("cancelled", ENDED), ("stopped", ENDED), ("Discontinued", ENDED),
])
def test_a_service_request_reads_by_its_own_codes(kb, status, says):
    assert _answers(_order(kb, "ServiceRequest", status)) == says


@pytest.mark.parametrize(("status", "says"), [
    ("completed", GIVEN),  # a dose given: counted, and a draft so written gives it rather than stopping anything
    ("not-done", NOT_GIVEN),  # never a vaccine given; as a draft, the planned vaccine (no stop)
    # an administration entered in error records no dose and names no order: no stop (R21 read one as "draft stops
    # ivig"), no order (read_drafts leaves it out)
    ("entered-in-error", VOID),
    ("draft", NOT_GIVEN),  # no Immunization code: the contract's planned vaccine, read as 'not-done' (READ_AS)
    ("foo", UNSTATED),
])
def test_an_immunization_among_the_drafts_reads_by_its_own_codes(kb, status, says):
    assert _answers(_order(kb, "Immunization", status)) == says


def test_every_code_of_an_order_type_says_something_but_unknown(kb):
    """Every code of the table is a stated status but 'unknown'."""
    for kind, codes in ORDER_STATUS.items():
        for status in codes:
            assert _order(kb, kind, status).status_unstated is (status == "unknown"), (kind, status)


def test_a_device_request_revoked_is_its_request_status(kb):
    assert _answers(_order(kb, "DeviceRequest", "revoked")) == ENDED


def _ivig_immunization(chart: Chart, status: str) -> Chart:
    """IVIG documented for today as an Immunization of ``status``, placed among the draft orders."""
    return chart.draft_resource({
        "resourceType": "Immunization", "id": "ivig-given", "status": status, "vaccineCode": concept(IVIG_CVX),
        "patient": {"reference": "Patient/imnm-demo"}, "occurrenceDateTime": chart.at(0),
        "doseQuantity": {"value": 70, "unit": "g"}})


@pytest.mark.parametrize("status", ["completed", "entered-in-error"])
@pytest.mark.parametrize("chart", [
    lambda today: ivig_cycles_chart(today, last_cycle=-28),
    lambda today: tapering_chart(today, taper=False).medication(IVIG_CVX, 1, "g/kg", start=-116, route=ROUTE_IV,
                                                                period=4, period_unit="wk"),
], ids=["every cycle its own order", "a current 4-weekly order"])
def test_r21_does_not_read_an_ivig_immunization_as_a_stop(kb, today, chart, status):
    """A 'completed' Immunization was read as a stopped order: R21 said 'draft stops ivig' and fired 'Hold this dose
    reduction' (cancel the IVIG just given) on an IMNM CK rise with no taper. One 'entered-in-error' still was: an
    entry in error states nothing of the IVIG course."""
    result = run(kb, _ivig_immunization(chart(today), status).request("order-sign"))
    entry = explained(result, "imnm-possible-relapse-on-taper")
    assert "imnm-possible-relapse-on-taper" not in fired(result)
    assert entry["facts"]["draft_reductions"] is None


def test_r09_reads_a_service_request_revoked_in_any_case_as_a_stop(kb, today):
    """'Revoked' is read as the ServiceRequest's 'revoked' (a stop), as a MedicationRequest's 'Stopped' is: linked to
    no chart order, it is named and read as the dose it orders."""
    chart = Chart(today, age=50).weight(70)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-60, day_of_week=["mon"], period=1, period_unit="wk")
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-1", "status": "Revoked", "intent": "order",
                          "code": concept(METHOTREXATE_2_5), "subject": {"reference": "Patient/imnm-demo"},
                          "authoredOn": chart.at(0)})
    facts = explained(run(kb, chart.request("order-sign")), "mtx-weekly-dose-range")["facts"]
    assert facts["stop_draft_unlinked"] == (f"{METHOTREXATE_2_5[2]} (ServiceRequest/sr-1): revoked, but it re-sends or "
                                            "names no order on the chart: read as the dose it orders")


@pytest.mark.parametrize("status", ["cancelled", "stopped", "revoked"])
def test_r21_reads_an_ivig_service_request_written_as_a_stop_as_one(kb, today, status):
    """Review of the status table: a ServiceRequest 'cancelled' or 'stopped' (a MedicationRequest's word) had become
    'status unstated', and R21 stopped flagging the IVIG it stops during a CK rise."""
    chart = ivig_cycles_chart(today, last_cycle=-28)
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-ivig", "status": status, "intent": "order",
                          "code": concept(IVIG_CVX), "subject": {"reference": "Patient/imnm-demo"},
                          "authoredOn": chart.at(0)})
    result = run(kb, chart.request("order-sign"))
    assert "imnm-possible-relapse-on-taper" in fired(result)
    assert "ivig" in explained(result, "imnm-possible-relapse-on-taper")["facts"]["draft_reductions"]


@pytest.mark.parametrize(("status", "stop"), [("cancelled", True), ("Revoked", True), ("entered-in-error", True),
                                              ("active", False), ("draft", False)])
def test_r28_reads_a_live_vaccine_service_request_by_its_own_codes(kb, today, status, stop):
    """A ServiceRequest MMR is read by a request's codes ('cancelled' as its 'revoked'). Written as a stop, it names
    no order on the chart (a request names none), so it stops nothing anyone can tell: it is the vaccine it orders
    (continuing.on_chart, as R26 and R27 read a stop), and the critical card stays, naming it as such (the review of
    the draft statuses: R28 went quiet for it, while the draft-status note says its dose is still checked)."""
    chart = Chart(today, age=52).medication("mycophenolate mofetil 500 MG Oral Tablet", 1000, "mg", start=-150,
                                            frequency=2)
    chart.draft_resource({"resourceType": "ServiceRequest", "id": "sr-mmr", "status": status, "intent": "order",
                          "code": concept(MMR_CVX), "subject": {"reference": "Patient/imnm-demo"},
                          "authoredOn": chart.at(0)})
    result = run(kb, chart.request("order-sign"))
    assert fired(result)["live-vaccine-while-immunosuppressed"]["indicator"] == "critical"
    unlinked = explained(result, "live-vaccine-while-immunosuppressed")["facts"]["vaccine_stop_unlinked"]
    assert (unlinked is not None) is stop


def test_r28_does_not_read_an_immunosuppressant_drafted_as_stopped_as_one_being_ordered(kb, today):
    """A methotrexate draft written 'stopped' beside an MMR draft stops methotrexate; R28 said 'Immunosuppression is
    being ordered with it'."""
    chart = Chart(today, age=40)
    chart.draft(MMR_CVX, 0.5, "mL", resource_id="draft-mmr")
    chart.draft(METHOTREXATE_2_5, 15, "mg", period=1, period_unit="wk", day_of_week=["mon"], status="stopped")
    result = run(kb, chart.request("order-sign"))
    assert "live-vaccine-while-immunosuppressed" not in fired(result)


def test_an_immunization_written_draft_on_the_chart_is_no_dose_given(kb, today):
    """'draft' is no Immunization code: it was kept as written and counted as a vaccine given. It is read as the
    service contract's planned vaccine, 'not-done' (a draft on the chart is no dose given), and named."""
    chart = Chart(today).immunization(MMR_CVX, -10, status="draft")
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert record.immunizations_in("live_vaccine") == []
    assert any(note.startswith("Immunization.status 'draft' was read as 'not-done': Immunization/")
               for note in record.warnings)
