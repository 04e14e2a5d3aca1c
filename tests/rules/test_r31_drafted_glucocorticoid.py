"""R31 on order-sign with a glucocorticoid drafted beside the ICI dose (review 422, item 3): it is read as one on file.
A drafted pulse joins the pulses on file (no new one; the oral dose after it, unless that is drafted too); any other
drafted glucocorticoid is the grade's (or the one after the pulse), named with its dose judged against the grade's
and never ordered a second time; a new pulse is offered alone beside a drafted oral dose, and cancels a drafted lower
IV dose. The dose limits stay R06's and R07's."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import METHYLPRED_1000, PREDNISONE_20, ROUTE_IV, ROUTE_ORAL, RXNORM, Chart
from fhir_fixtures.r31_ici_myositis import ECG, HS_TNI, PEMBROLIZUMAB, on_pembrolizumab
from tests.conftest import explained, fired, run

RULE = "ici-myositis"
R06, R07 = "prednisone-adult-dose-check", "ivmp-pulse-dose-cap"
GRADE = "CTCAE grade (myositis)"
METHYLPRED_125 = (RXNORM, "1743704", "methylprednisolone 125 MG Injection")


def _glucocorticoid_orders(card: dict) -> list[dict]:
    """The glucocorticoid orders the card would create (every MedicationRequest R31 creates is one)."""
    return [a["resource"] for s in card["suggestions"] for a in s["actions"]
            if a["type"] == "create" and a["resource"]["resourceType"] == "MedicationRequest"]


def _signed(kb, chart: Chart | dict, today) -> tuple[dict[str, dict], dict]:
    """The cards and R31's explanation on signing ``chart``'s drafts (or an order-sign request)."""
    result = run(kb, chart.request("order-sign") if isinstance(chart, Chart) else chart, today)
    return fired(result), explained(result, RULE)


def _drafting(today, grade: int | None = None, heart: bool = False) -> Chart:
    """80 kg, CK 4,200 with myalgia on pembrolizumab, an ECG and hs-troponin I (raised with ``heart``) yesterday,
    the CTCAE ``grade`` if given; the next pembrolizumab drafted."""
    chart = on_pembrolizumab(today).weight(80, day=-1).procedure(ECG, day=-1)
    chart.observation(HS_TNI, day=-1, value=120 if heart else 5, unit="ng/L", high=14)
    if grade is not None:
        chart.observation(GRADE, day=-1, value=grade, unit="1")
    return chart.draft(PEMBROLIZUMAB, 200, "mg", route=ROUTE_IV, resource_id="d-pembro")


def test_a_drafted_pulse_and_prednisone_are_named_and_not_ordered_again(kb, today):
    """Review 422: with methylprednisolone 1 g x3 and prednisone 80 mg drafted, R31 pre-selected another 1 g x3
    pulse and another prednisone 80 mg; signed, R07 fired critical (2,000 mg/day) and R06 at 160 mg/day. The
    prednisone on the chart that the drafted one names as its prior prescription leaves the chart on signing: not
    named as a dose the follow-on adds to."""
    cards, entry = _signed(kb, fhir_fixtures.get("r31-fires-order-sign-pulse-and-prednisone-drafted").request(today),
                           today)
    card = cards[RULE]
    assert not _glucocorticoid_orders(card)
    assert R06 not in cards and R07 not in cards
    detail, first, after = card["detail"], today.isoformat(), (today + timedelta(days=3)).isoformat()
    assert (f"**IV methylprednisolone at a pulse dose drafted: methylprednisolone 1000 MG Injection, 1000 mg once a "
            f"day, drafted, {first} to {(today + timedelta(days=2)).isoformat()}.** No new pulse is offered") in detail
    assert ("Its follow-on is drafted (below): no other prednisone or IV methylprednisolone is offered. **Drafted "
            "with the ICI dose: prednisone 20 MG Oral Tablet, 80 mg once a day** (80 mg/day, which is prednisone "
            f"1 mg/kg/day after the pulse: 80 mg/day on 80 kg; it starts on {first}, beside the pulse: start it on "
            f"{after}, the day after the last pulse dose).") in detail
    assert "the methylprednisolone pulse drafted and the glucocorticoid drafted after it (below)" in detail
    assert "60 mg once a day" not in detail and entry["facts"]["oral_before_pulse"] is None
    assert entry["facts"]["glucocorticoid_drafted"] == "prednisone 20 MG Oral Tablet, 80 mg once a day"
    assert entry["facts"]["pulse_on_file"].endswith(f"drafted, {first} to {(today + timedelta(days=2)).isoformat()}")


def test_after_a_drafted_pulse_alone_the_oral_dose_starts_the_day_after_it(kb, today):
    """A drafted pulse is one on file to come: no second pulse, and the prednisone after it is recommended from the
    day after its third dose."""
    chart = _drafting(today, grade=3).draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="d-ivmp")
    cards, _ = _signed(kb, chart, today)
    card = cards[RULE]
    (oral,) = _glucocorticoid_orders(card)
    assert oral["dosageInstruction"][0]["route"]["coding"][0]["code"] == "26643006"
    assert oral["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] == {
        "start": (today + timedelta(days=3)).isoformat()}
    assert ("Follow it with prednisone 1 mg/kg/day (dose below) from the day after its last dose "
            f"({today + timedelta(days=3)})") in card["detail"]
    assert R07 not in cards


def test_beside_a_drafted_oral_dose_a_new_pulse_is_offered_alone(kb, today):
    """The heart calls for the pulse and prednisone 80 mg is drafted: the pulse is offered without a prednisone of
    its own (signed with the draft, that was two), and the drafted one is named as the dose after it."""
    chart = _drafting(today, heart=True).draft(PREDNISONE_20, 80, "mg", route=ROUTE_ORAL, resource_id="d-pred")
    card = _signed(kb, chart, today)[0][RULE]
    (pulse,) = [s for s in card["suggestions"] if s["label"].startswith("Methylprednisolone pulse")]
    assert pulse["label"] == ("Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement), then the drafted "
                              "prednisone")
    assert pulse["isRecommended"] is True and [a["type"] for a in pulse["actions"]] == ["create"]
    assert (f"The prednisone after it is drafted (below). **Drafted with the ICI dose: prednisone 20 MG Oral Tablet, "
            "80 mg once a day** (80 mg/day, which is prednisone 1 mg/kg/day after the pulse: 80 mg/day on 80 kg; it "
            f"starts on {today}, beside the pulse: if the pulse is ordered, start it on {today + timedelta(days=3)}, "
            "the day after the last pulse dose).") in card["detail"]


def test_a_new_pulse_cancels_a_drafted_lower_iv_dose(kb, today):
    """Methylprednisolone 80 mg IV drafted, the heart involved: the pulse replaces it (beside it R07 would count
    1,080 mg/day), so the pulse's suggestion cancels the draft, and orders the prednisone after it as usual."""
    chart = _drafting(today, heart=True).draft(METHYLPRED_125, 80, "mg", route=ROUTE_IV, resource_id="d-mp")
    card = _signed(kb, chart, today)[0][RULE]
    (pulse,) = [s for s in card["suggestions"] if s["label"].startswith("Methylprednisolone pulse")]
    cancel = next(a for a in pulse["actions"] if a["type"] == "delete")
    assert cancel == {"type": "delete", "resourceId": "MedicationRequest/d-mp", "description": (
        "Cancel the drafted methylprednisolone 125 MG Injection (80 mg once a day): the pulse replaces it")}
    assert [a["description"] for a in pulse["actions"] if a["type"] == "create"] == [
        "Methylprednisolone 1,000 mg IV daily x3", "Prednisone 80 mg PO daily after the pulse"]
    assert "(a new pulse replaces it: the pulse's suggestion cancels it)" in card["detail"]


@pytest.mark.parametrize(("grade", "drafted", "judged"), [
    (2, (PREDNISONE_20, 40, ROUTE_ORAL), "40 mg/day, which is within grade 2's prednisone 0.5-1 mg/kg/day: "
                                         "40-80 mg/day on 80 kg"),
    (2, (PREDNISONE_20, 100, ROUTE_ORAL), "100 mg/day, above grade 2's prednisone 0.5-1 mg/kg/day: 40-80 mg/day on "
                                          "80 kg; its dose limits are R06's to check"),
    (3, (PREDNISONE_20, 20, ROUTE_ORAL), "20 mg/day, below prednisone 1 mg/kg/day: 80 mg/day on 80 kg"),
    (3, (METHYLPRED_125, 80, ROUTE_IV), "80 mg/day, which is within methylprednisolone 1-2 mg/kg/day IV: "
                                        "80-160 mg/day on 80 kg"),
    (3, (METHYLPRED_125, 200, ROUTE_IV), "200 mg/day, above methylprednisolone 1-2 mg/kg/day IV: 80-160 mg/day on "
                                         "80 kg; its dose limits are R07's to check"),
    (3, (PREDNISONE_20, None, ROUTE_ORAL), "its dose could not be read; prednisone 1 mg/kg/day: 80 mg/day on 80 kg"),
], ids=["g2-within", "g2-above", "g3-below", "g3-iv-within", "g3-iv-above", "g3-dose-not-read"])
def test_the_grades_glucocorticoid_drafted_is_judged_and_not_offered_again(kb, today, grade, drafted, judged):
    """Grade 2 with CK 21 x ULN pre-selected prednisone 40 mg beside a drafted one; grade 3 IV methylprednisolone
    80 mg. The drafted dose is the grade's glucocorticoid: judged against the grade's dose, none offered beside it;
    one above it is left to R06 (oral prednisone) or R07 (IV methylprednisolone), whose check it is."""
    code, mg, route = drafted
    chart = _drafting(today, grade=grade).draft(code, mg, "mg" if mg else None, route=route, resource_id="d-gc")
    card = _signed(kb, chart, today)[0][RULE]
    assert not _glucocorticoid_orders(card)
    assert f"({judged})." in card["detail"]
    assert "No other glucocorticoid order is offered beside the drafted one." in card["detail"]


def test_a_glucocorticoid_drafted_at_grade_1_is_named_not_judged(kb, today):
    card = _signed(kb, _drafting(today, grade=1).draft(PREDNISONE_20, 20, "mg", route=ROUTE_ORAL, resource_id="d-gc"),
                   today)[0][RULE]
    assert ("**Drafted with the ICI dose: prednisone 20 MG Oral Tablet, 20 mg once a day**: not judged, as grade 1 "
            "calls for none (its dose limits are R06's, R07's and R32's to check).") in card["detail"]


def test_an_oral_dose_on_the_chart_the_drafted_follow_on_does_not_replace_is_named(kb, today):
    """Prednisone 60 mg on the chart, a pulse and prednisone 80 mg drafted with no link to it: signed, both oral
    doses are given, which the card says (R06 adds them up)."""
    chart = _drafting(today, heart=True).medication(PREDNISONE_20, 60, "mg", start=-3, route=ROUTE_ORAL)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="d-ivmp")
    chart.draft(PREDNISONE_20, 80, "mg", route=ROUTE_ORAL, resource_id="d-pred")
    card = _signed(kb, chart, today)[0][RULE]
    assert not _glucocorticoid_orders(card)
    assert (f"Also current, prednisone 20 MG Oral Tablet, 60 mg once a day, since {today - timedelta(days=3)}, still "
            "given: the drafted one adds to it unless it is discontinued.") in card["detail"]
