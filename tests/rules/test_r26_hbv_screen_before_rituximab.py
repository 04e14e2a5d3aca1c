"""R26 hbv-screen-before-rituximab: the 12-month HBsAg window, anti-HBc ever, positivity forms, and the orders."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    ANTI_HBC,
    CHRONIC_HBV,
    ENTECAVIR,
    HBSAG,
    HBV_DNA,
    IMNM_SNOMED,
    LOINC,
    RITUXIMAB,
    SNOMED,
    Chart,
    concept,
)
from fhir_fixtures.r26_hbv_screen_before_rituximab import (
    fires_anti_hbc_then_negative,
    fires_chronic_hbv_listed,
)
from tests.conftest import deleted, explained, fired, run

RULE = "hbv-screen-before-rituximab"
POSITIVE = (SNOMED, "10828004", "Positive")
ANTI_HBS = (LOINC, "22322-2", "Hepatitis B virus surface Ab [Presence] in Serum")
HCV_AB = (LOINC, "16128-1", "Hepatitis C Antibody")
IGG = (LOINC, "2465-3", "Immunoglobulin G")
IGA = (LOINC, "2458-8", "Immunoglobulin A")
IGM = "IgM"  # by name: no sourced LOINC in the value sets


def _chart(today, draft=RITUXIMAB):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200)
    return chart.draft(draft, 1000, "mg", resource_id="draft-rtx")


def _run_request(kb, request, today):
    result = run(kb, request, today)
    return fired(result).get(RULE), explained(result, RULE)


def _run(kb, chart, today):
    return _run_request(kb, chart.request("order-sign"), today)


def _negatives(chart, hbsag_day=-30, anti_hbc_day=-30):
    chart.observation(HBSAG, hbsag_day, interpretation="NEG")
    return chart.observation(ANTI_HBC, anti_hbc_day, interpretation="NEG")


def test_hbsag_window_edge(kb, today):
    assert _run(kb, _negatives(_chart(today), hbsag_day=-365), today)[0] is None
    card, entry = _run(kb, _negatives(_chart(today), hbsag_day=-366), today)
    assert card["indicator"] == "critical" and card["summary"].endswith("HBsAg missing")
    assert "no HBsAg within 365 days (last Hepatitis B virus surface Ag" in entry["facts"]["missing"]


def test_anti_hbc_counts_however_old(kb, today):
    assert _run(kb, _negatives(_chart(today), anti_hbc_day=-3000), today)[0] is None


def test_nothing_on_file_card_and_orders(kb, today):
    card, _ = _run(kb, _chart(today), today)
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: HBsAg and anti-HBc missing"
    assert card["indicator"] == "critical"
    labs = card["suggestions"][0]
    assert labs["isRecommended"]
    codes = [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in labs["actions"]]
    assert codes == ["5196-1", "16933-4", "22322-2", "16128-1", "2465-3", "2458-8", "2472-9"]
    assert all(a["resource"]["status"] == "draft" for a in labs["actions"])
    assert "42595-9" not in codes  # HBV DNA only when a marker is positive
    hold = card["suggestions"][-1]["actions"][0]
    assert hold == {"type": "delete", "resourceId": "MedicationRequest/draft-rtx",
                    "description": hold["description"]}
    assert len(card["suggestions"]) == 2  # no antiviral suggestion when nothing is positive


def test_other_anti_cd20_by_name_triggers(kb, today):
    card, _ = _run(kb, _chart(today, draft="ofatumumab 20 mg/0.4 mL pen"), today)
    assert card is not None and "ofatumumab" in card["summary"]


def test_no_anti_cd20_draft_is_quiet(kb, today):
    chart = Chart(today).draft("methotrexate 2.5 mg tablet", 15, "mg", period=1, period_unit="wk")
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"


def test_positive_anti_hbc_forms_and_plan(kb, today):
    for form in ({"interpretation": "POS"}, {"value_code": POSITIVE}, {"value_string": "Reactive"},
                 {"value": 2.1, "unit": "{s_co_ratio}", "high": 1.0}):
        chart = _chart(today).observation(HBSAG, -20, interpretation="NEG").observation(ANTI_HBC, -20, **form)
        card, entry = _run(kb, chart, today)
        assert card is not None and card["summary"].startswith("anti-HBc positive: check HBV DNA"), form
        assert entry["facts"]["positive_without_dna_or_antiviral"] is True
    codes = [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in card["suggestions"][0]["actions"]]
    assert "42595-9" in codes and "5196-1" not in codes
    antiviral = card["suggestions"][1]
    assert antiviral["isRecommended"]
    entecavir = antiviral["actions"][1]["resource"]
    assert entecavir["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 0.5
    assert "hepatology" in entecavir["dosageInstruction"][0]["text"]


def _anti_hbc_positive(today):
    return _chart(today).hbv_markers("NEG", "POS", day=-20)


@pytest.mark.parametrize("form", [{"value": 0, "unit": "[IU]/mL"}, {"value_string": "Not detected"},
                                  {"value": 20, "unit": "[IU]/mL", "comparator": "<"}])
def test_positive_with_dna_not_detectable_is_quiet_but_dna_must_be_recent(kb, today, form):
    card, entry = _run(kb, _anti_hbc_positive(today).observation(HBV_DNA, -10, **form), today)
    assert card is None and entry["reason"] == ("positive HBV marker with HBV DNA not detectable or an antiviral "
                                                "plan on file")
    assert _run(kb, _anti_hbc_positive(today).observation(HBV_DNA, -400, **form), today)[0] is not None


def test_a_detectable_hbv_dna_without_an_antiviral_is_no_follow_up(kb, today):
    """HBsAg positive with HBV DNA 250,000 IU/mL and no antiviral gave no card before rituximab: any HBV DNA result
    counted, whatever the viral load. The card names the load and asks for hepatology and entecavir, not for
    another HBV DNA."""
    chart = _chart(today).hbv_markers("POS", "POS", day=-20)
    chart.observation(IGG, -30, value=9, unit="g/L").observation(IGA, -30, value=2, unit="g/L")
    chart.observation(IGM, -30, value=1, unit="g/L").observation(ANTI_HBS, -30, interpretation="NEG")
    chart.observation(HCV_AB, -30, interpretation="NEG").lab(HBV_DNA, 250000, "[IU]/mL", day=-15)
    card, entry = _run(kb, chart, today)
    assert card["indicator"] == "critical"
    assert card["summary"] == ("HBsAg/anti-HBc positive, HBV DNA detectable: hepatology and antiviral before "
                               "rituximab Injectable Product")
    detail = " ".join(card["detail"].split())
    assert "with detectable HBV DNA: refer to hepatology and start antiviral prophylaxis" in detail
    assert f"Hepatitis B DNA 250,000 [IU]/mL on {chart.at(-15)}, and no antiviral" in detail
    assert "Check HBV DNA" not in detail and "No HBV DNA result" not in detail
    assert entry["facts"]["positive_without_dna_or_antiviral"] is True
    assert entry["facts"]["hbv_dna_detectable"] == f"Hepatitis B DNA 250,000 [IU]/mL on {chart.at(-15)}"
    # every baseline lab is on file: the first suggestion is hepatology and entecavir, recommended
    antiviral = card["suggestions"][0]
    assert antiviral["isRecommended"]
    assert [a["description"] for a in antiviral["actions"]] == ["Hepatology referral",
                                                                "Entecavir 0.5 mg PO daily (per hepatology)"]
    assert card["suggestions"][-1]["label"] == ("Cancel rituximab Injectable Product until antiviral prophylaxis is "
                                                "in place")
    chart.medication("entecavir 0.5 mg tablet", 0.5, "mg", start=-7)
    assert _run(kb, chart, today)[0] is None  # an antiviral plan follows a detectable load up


def test_a_detectable_hbv_dna_orders_no_second_one(kb, today):
    card, _ = _run(kb, _anti_hbc_positive(today).observation(HBV_DNA, -10, interpretation="DET"), today)
    codes = [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in card["suggestions"][0]["actions"]]
    assert card["suggestions"][0]["label"] == "Order baseline labs" and "42595-9" not in codes
    assert card["summary"].startswith("anti-HBc positive, HBV DNA detectable")


def test_a_pending_or_rejected_hbv_dna_test_is_not_a_result(kb, today):
    def chart():
        return _chart(today).hbv_markers("NEG", "POS", day=-20)
    pending = chart().observation(HBV_DNA, -1)
    pending.resources["observations"][-1]["status"] = "registered"
    rejected = chart().observation(HBV_DNA, -1, value_string="Specimen rejected - not tested")
    for unresulted in (pending, rejected):
        card, entry = _run(kb, unresulted, today)
        assert card["indicator"] == "critical" and entry["facts"]["hbv_dna_recent"] is None
    assert _run(kb, chart().observation(HBV_DNA, -1, value_string="HBV DNA not detected"), today)[0] is None


def test_drafted_antiviral_counts_as_a_plan(kb, today):
    chart = _chart(today).hbv_markers("POS", "POS", day=-20)
    assert _run(kb, chart, today)[0] is not None
    chart.draft("entecavir 0.5 mg tablet", 0.5, "mg")
    card, entry = _run(kb, chart, today)
    assert card is None and entry["facts"]["antiviral_plan"] == "entecavir 0.5 mg tablet"


def test_missing_and_positive_together(kb, today):
    chart = _chart(today).observation(ANTI_HBC, -20, interpretation="POS")  # no HBsAg at all
    card, entry = _run(kb, chart, today)
    assert "check HBV DNA" in card["detail"] and "no HBsAg within 365 days" in card["detail"]
    assert entry["facts"]["missing"].startswith("no HBsAg")


def test_unreadable_result_counts_as_missing(kb, today):
    chart = _chart(today).observation(HBSAG, -20, value=0.2, unit="{index}").observation(
        ANTI_HBC, -20, interpretation="NEG")
    card, entry = _run(kb, chart, today)
    assert card is not None and "result not readable" in entry["facts"]["missing"]


def test_patient_view_never_fires(kb, today):
    assert RULE not in fired(run(kb, _chart(today).request("patient-view"), today))


@pytest.mark.parametrize("draft", [
    "Truxima 1000 mg IV", "Ruxience 1000 mg IV", "Riabni 1000 mg IV",  # rituximab biosimilars
    "Gazyva 1000 mg IV",  # obinutuzumab
    "Kesimpta 20 mg SC", "Arzerra 300 mg IV",  # ofatumumab
    "Ocrevus 600 mg IV",  # ocrelizumab
    "Briumvi 450 mg IV", "ublituximab 450 mg IV",
])
def test_anti_cd20_written_by_brand_name_needs_an_hbv_screen(kb, today, draft):
    card, entry = _run(kb, _chart(today, draft=draft), today)
    assert card is not None and card["summary"] == f"No HBV screen before {draft}: HBsAg and anti-HBc missing"
    assert entry["facts"]["anti_cd20_drafts"] == draft


@pytest.mark.parametrize("finding", [(SNOMED, "271511000", "Hepatitis B immune (finding)"),
                                     (SNOMED, "313234004", "Hepatitis B antibody present (finding)")])
def test_hepatitis_b_immunity_on_the_problem_list_is_not_an_infection(kb, today, finding):
    """A vaccinated patient (HBsAg and anti-HBc negative) with 'Hepatitis B immune' on the problem list got a
    critical 'HBV infection positive' card recommending entecavir."""
    chart = _negatives(_chart(today)).condition(finding, onset=-3000)
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    chronic = (SNOMED, "186639003", "Chronic viral hepatitis B without delta-agent (disorder)")
    card, _ = _run(kb, _negatives(_chart(today)).condition(chronic, onset=-3000), today)
    assert card["summary"].startswith("HBV infection positive")  # an infection on the list still counts


def test_an_antiviral_left_active_after_its_end_date_is_no_plan(kb, today):
    """An entecavir order still marked 'active' whose end date passed six months ago counted as the antiviral plan,
    and an HBsAg-positive patient got no card before rituximab."""
    chart = _chart(today).hbv_markers("POS", "POS", day=-20)
    chart.medication("entecavir 0.5 mg tablet", 0.5, "mg", start=-400, end=-180, status="active")
    card, entry = _run(kb, chart, today)
    assert card is not None and entry["facts"]["antiviral_plan"] is None


def test_a_positive_anti_hbc_is_named_with_its_date_and_the_later_negative(kb, today):
    """Anti-HBc positive, then negative on another assay: the card named only the positive result, so it read as if
    the latest result were positive. It counts (anti-HBc stays positive for life, and R10 now reads it the same
    way), and the card names both dates."""
    card, entry = _run_request(kb, fires_anti_hbc_then_negative(today), today)
    shown = f"{ANTI_HBC[2]} positive on {Chart(today).at(-900)}, then negative on {Chart(today).at(-30)}"
    assert card["summary"].startswith("anti-HBc positive: check HBV DNA")
    assert f"anti-HBc positive ({shown}). No HBV DNA result" in " ".join(card["detail"].split())
    assert entry["facts"]["positive_markers"] == f"anti-HBc positive ({shown})"


def test_hepatitis_b_on_the_problem_list_is_named_with_its_date(kb, today):
    """Chronic hepatitis B on the problem list fired the card, but the card named no date for it; a resolved entry
    counts too and says so."""
    card, entry = _run_request(kb, fires_chronic_hbv_listed(today), today)
    shown = f"hepatitis B on the problem list ({CHRONIC_HBV[2]}, onset {Chart(today).at(-3000)}"
    assert card["summary"].startswith("HBV infection positive: check HBV DNA")
    assert f"{shown}). No HBV DNA result" in " ".join(card["detail"].split())
    resolved = _negatives(_chart(today)).condition(CHRONIC_HBV, onset=-3000, status="resolved")
    card, entry = _run(kb, resolved, today)
    assert entry["facts"]["positive_markers"] == f"{shown}, resolved)" and card["indicator"] == "critical"


def _rituximab_draft(today, status, *, linked=False, kind="MedicationRequest"):
    """An IMNM chart with no HBV screen and a rituximab draft of ``status``: ``linked``, it re-sends the rituximab
    order on the chart (the same id)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200)
    if linked:
        chart.medication(RITUXIMAB, 1000, "mg", start=-14, resource_id="rtx-1")
    if kind == "MedicationRequest":
        return chart.draft(RITUXIMAB, 1000, "mg", resource_id="rtx-1", status=status)
    return chart.draft_resource({"resourceType": kind, "id": "rtx-1", "status": status, "intent": "order",
                                 "code": concept(RITUXIMAB), "subject": {"reference": "Patient/imnm-demo"},
                                 "authoredOn": chart.at(0)})


STOPS = [("MedicationRequest", "cancelled"), ("MedicationRequest", "stopped"),
         ("MedicationRequest", "entered-in-error"), ("MedicationRequest", "revoked")]


@pytest.mark.parametrize(("kind", "status"), STOPS)
def test_a_rituximab_draft_that_discontinues_the_chart_order_is_no_order_to_screen_before(kb, today, kind, status):
    """Review: R26 asked for an HBV screen before a rituximab draft that revoked, cancelled or voided the order on
    the chart: no dose is ordered. Said so, and named."""
    card, entry = _run(kb, _rituximab_draft(today, status, linked=True, kind=kind), today)
    assert card is None and entry["reason"] == "the anti-CD20 drafts only discontinue orders on the chart"
    assert entry["facts"]["anti_cd20_drafts_discontinuing"] == "rituximab Injectable Product (MedicationRequest/rtx-1)"


@pytest.mark.parametrize(("kind", "status"), [*STOPS, ("ServiceRequest", "revoked"),
                                              ("ServiceRequest", "entered-in-error")])
def test_a_rituximab_stop_naming_no_chart_order_is_read_as_the_dose_it_orders(kb, today, kind, status):
    """Review: a stop that re-sends or names no order on the chart stops nothing anyone can tell: it is read as the
    dose it orders (continuing.on_chart, as R27 and the dose checks read it), so the critical card stays (the
    previous change left R26 quiet for it)."""
    card, entry = _run(kb, _rituximab_draft(today, status, kind=kind), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: HBsAg and anti-HBc missing"
    assert entry["facts"]["anti_cd20_stop_unlinked"] == (
        f"rituximab Injectable Product ({kind}/rtx-1): written as a stop, but it re-sends or names no order on the "
        "chart: read as the dose it orders")


@pytest.mark.parametrize("status", ["draft", "active", "foo"])  # 'foo': a status that does not say, the safe side
def test_a_rituximab_draft_that_orders_it_is_asked_about(kb, today, status):
    card, entry = _run(kb, _rituximab_draft(today, status), today)
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: HBsAg and anti-HBc missing"
    assert entry["facts"]["anti_cd20_stop_unlinked"] is None


@pytest.mark.parametrize("linked", [False, True])
def test_a_rituximab_course_recorded_as_given_asks_for_the_screen_now(kb, today, linked):
    """Review: a rituximab draft 'completed' (all of it given, as R28 reads an order 'completed') is an anti-CD20
    given with no HBV screen, exactly the risk: the critical card stays, re-sending the chart order or not, and says
    what is due now rather than offering to hold a dose given."""
    card, entry = _run(kb, _rituximab_draft(today, "completed", linked=linked), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == ("No HBV screen, rituximab Injectable Product recorded as given: send HBsAg and anti-HBc "
                               "now")
    assert card["detail"].startswith("**rituximab Injectable Product is recorded as given**, among the orders being "
                                     "signed: a dose given cannot be held. HBV screening is incomplete: no HBsAg")
    assert "Send HBsAg and total anti-HBc (with anti-HBs) now" in card["detail"]
    assert "Monitor for hepatitis and HBV reactivation during and for several" in card["detail"]
    assert not any(deleted(s) for s in card["suggestions"])
    assert card["suggestions"][0]["label"] == "Order HBV screening and baseline labs"
    assert entry["facts"]["anti_cd20_recorded_given"] == "rituximab Injectable Product"


@pytest.mark.parametrize("dna", [None, 250000])
def test_a_rituximab_recorded_as_given_with_a_positive_marker_asks_for_what_is_due_now(kb, today, dna):
    chart = _rituximab_draft(today, "completed").hbv_markers("NEG", "POS", day=-30)
    if dna:
        chart.lab(HBV_DNA, dna, "[IU]/mL", day=-15)
    card, _ = _run(kb, chart, today)
    detail = " ".join(card["detail"].split())
    if dna:
        assert card["summary"] == ("anti-HBc positive, HBV DNA detectable, rituximab Injectable Product recorded as "
                                   "given: hepatology and antiviral now")
        assert f"Hepatitis B DNA 250,000 [IU]/mL on {chart.at(-15)}, and no antiviral" in detail
        assert "Refer to hepatology and start antiviral therapy now" in detail
    else:
        assert card["summary"] == ("anti-HBc positive, rituximab Injectable Product recorded as given: check HBV DNA "
                                   "and start antiviral now")
        assert "Check HBV DNA now, refer to hepatology, and start antiviral prophylaxis" in detail
    assert "Positive hepatitis B marker: anti-HBc positive" in detail
    assert [s["isRecommended"] for s in card["suggestions"]] == [True, True] and not any(
        deleted(s) for s in card["suggestions"])


def test_a_rituximab_recorded_as_given_beside_one_ordered_holds_only_the_order(kb, today):
    chart = _rituximab_draft(today, "completed").draft(RITUXIMAB, 1000, "mg", resource_id="rtx-2")
    card, _ = _run(kb, chart, today)
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: HBsAg and anti-HBc missing"
    assert [d for s in card["suggestions"] for d in deleted(s)] == ["MedicationRequest/rtx-2"]
    also = "Also among the orders, recorded as given (it cannot be held): rituximab Injectable Product."
    assert also in card["detail"]


@pytest.mark.parametrize("how", ["cancelled draft", "entered-in-error draft", "chart order stopped by a draft"])
def test_an_antiviral_cancelled_or_stopped_in_the_orders_leaves_the_card_critical(kb, today, how):
    """Anti-HBc positive with no HBV DNA: a cancelled entecavir draft silenced this critical card, as did an
    entecavir on the chart that a draft stops (continuing.in_place)."""
    chart = _anti_hbc_positive(today)
    if how == "chart order stopped by a draft":
        chart.medication(ENTECAVIR, 0.5, "mg", start=-14, resource_id="etv")
        chart.draft(ENTECAVIR, 0.5, "mg", start=-14, status="stopped", resource_id="etv")
    else:
        chart.draft(ENTECAVIR, 0.5, "mg", status=how.removesuffix(" draft"))
    card, entry = _run(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"
    assert entry["facts"]["positive_without_dna_or_antiviral"] is True


def test_an_antiviral_drafted_with_the_rituximab_is_a_plan(kb, today):
    card, entry = _run(kb, _anti_hbc_positive(today).draft(ENTECAVIR, 0.5, "mg"), today)
    assert card is None and entry["status"] == "not-fired"
