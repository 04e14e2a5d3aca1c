"""R26 hbv-screen-before-rituximab: the 12-month HBsAg window, anti-HBc ever, positivity forms, and the orders."""

from __future__ import annotations

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    ANTI_HBC,
    CHRONIC_HBV,
    ENTECAVIR,
    HBSAG,
    HBV_DNA,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    RITUXIMAB,
    ROUTE_ORAL,
    SNOMED,
    Chart,
    concept,
)
from fhir_fixtures.r26_hbv_screen_before_rituximab import (
    fires_anti_hbc_dna_below_quantification,
    fires_anti_hbc_then_negative,
    fires_chronic_hbv_listed,
    fires_hbsag_positive_dna_below_quantification,
)
from hooks.rules.r26_hbv_screen_before_rituximab import RULE as R26
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
    assert codes == ["5196-1", "16933-4", "22322-2", "13955-0", "2465-3", "2458-8", "2472-9"]
    assert all(a["resource"]["status"] == "draft" for a in labs["actions"])
    assert "42595-9" not in codes  # HBV DNA only when a marker is positive
    hold = card["suggestions"][-1]["actions"][0]
    assert hold == {"type": "delete", "resourceId": "MedicationRequest/draft-rtx",
                    "description": hold["description"]}
    assert len(card["suggestions"]) == 2  # no antiviral suggestion when nothing is positive


def test_each_order_gives_its_own_reason(kb, today):
    """Review 422 item 7: the notes of IgG, IgA and HCV antibody said "(HBV reactivation risk)", the reason of none."""
    card, _ = _run(kb, _chart(today), today)
    notes = {a["description"]: a["resource"]["note"][0]["text"] for a in card["suggestions"][0]["actions"]}
    assert all("HBV" in notes[label] for label in ("HBsAg", "Anti-HBc total", "Anti-HBs"))
    assert "hepatitis C" in notes["HCV antibody"]
    for label in ("IgG", "IgA", "IgM"):
        assert "HBV" not in notes[label] and "hypogammaglobulinaemia" in notes[label]
    assert "HBV" not in notes["HCV antibody"]


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
def test_anti_hbc_with_dna_not_detectable_is_a_warning_for_prophylaxis_and_dna_must_be_recent(kb, today, form):
    """Anti-HBc alone with a recent HBV DNA not detectable and no antiviral was quiet (the DNA was follow-up): a
    warning now advises prophylaxis. A DNA older than the window is no follow-up at all: critical, as before."""
    card, entry = _run(kb, _anti_hbc_positive(today).observation(HBV_DNA, -10, **form), today)
    assert card["indicator"] == "warning" and "not HBV DNA monitoring alone" in card["summary"]
    assert entry["facts"]["positive_without_dna_or_antiviral"] is False
    stale, _ = _run(kb, _anti_hbc_positive(today).observation(HBV_DNA, -400, **form), today)
    assert stale["indicator"] == "critical" and stale["summary"].startswith("anti-HBc positive: check HBV DNA")


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
    assert f"Hepatitis B DNA 250,000 IU/mL on {chart.at(-15)}, and no antiviral" in detail
    assert "Check HBV DNA" not in detail and "No HBV DNA result" not in detail
    assert entry["facts"]["positive_without_dna_or_antiviral"] is True
    assert entry["facts"]["hbv_dna_detectable"] == f"Hepatitis B DNA 250,000 IU/mL on {chart.at(-15)}"
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
    resulted, _ = _run(kb, chart().observation(HBV_DNA, -1, value_string="HBV DNA not detected"), today)
    assert resulted["indicator"] == "warning"  # a result: prophylaxis advised (not critical)


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
    assert card["indicator"] == "critical" and card["summary"].endswith("HBsAg '0.2 index'")
    assert entry["facts"]["missing"] == (
        f"no HBsAg within 365 days read as positive or negative ({HBSAG[2]} '0.2 index' on "
        f"{Chart(today).at(-20)}: repeat it, or ask the lab how to read it)")


def test_patient_view_never_fires(kb, today):
    assert RULE not in fired(run(kb, _chart(today).request("patient-view"), today))


@pytest.mark.parametrize("draft", [
    "Truxima 1000 mg IV", "Ruxience 1000 mg IV", "Riabni 1000 mg IV",  # rituximab biosimilars
    "Gazyva 1000 mg IV",  # obinutuzumab
    "Kesimpta 20 mg SC", "Arzerra 300 mg IV",  # ofatumumab
    "Ocrevus 600 mg IV",  # ocrelizumab
    "Briumvi 450 mg IV", "ublituximab 450 mg IV",
    # rituximab outside the US (review: a text-only "MabThera 1 g IV" got no card)
    "MabThera 1 g IV", "Rixathon 500 mg/50 mL", "Riximyo 500 mg", "Blitzima 500 mg", "Ritemvia 500 mg",
    "Zytux 500 mg", "Reditux 500 mg",
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
    assert card["summary"].startswith("hepatitis B on the problem list:")  # an infection on the list still counts


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
    assert card["summary"].startswith("hepatitis B on the problem list: check HBV DNA")
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
        assert f"Hepatitis B DNA 250,000 IU/mL on {chart.at(-15)}, and no antiviral" in detail
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


def _flat(card):
    return " ".join(card["detail"].split())


TDF = "tenofovir disoproxil fumarate 300 MG Oral Tablet"


def _suggestion(card, label_start):
    return next(s for s in card["suggestions"] if s["label"].startswith(label_start))


def test_an_antiviral_drafted_to_start_after_the_first_dose_is_no_plan(kb, today):
    """Review of the antivirals in place: entecavir drafted to start in 60 days, beside rituximab from today, left R26
    quiet, though the card's own advice is prophylaxis from before the first dose. The card stays critical, names the
    late start, and offers that entecavir from today (and the hold)."""
    chart = _anti_hbc_positive(today).draft(ENTECAVIR, 0.5, "mg", start=60, resource_id="etv-late")
    card, entry = _run(kb, chart, today)
    assert card["indicator"] == "critical"
    assert card["summary"] == "anti-HBc positive: check HBV DNA and start antiviral before rituximab Injectable Product"
    assert card["detail"].startswith("**Positive hepatitis B marker: check HBV DNA and start antiviral prophylaxis "
                                     "before rituximab Injectable Product.**")
    assert (f"No HBV DNA result within 365 days and {ENTECAVIR} is drafted to start {chart.at(60)}, after rituximab "
            f"Injectable Product on {chart.at(0)}: start it before the first dose.") in _flat(card)
    assert entry["facts"]["antiviral_starts_after_first_dose"] == (
        f"{ENTECAVIR} (MedicationRequest/etv-late) from {chart.at(60)}, after rituximab Injectable Product on "
        f"{chart.at(0)}")
    now = _suggestion(card, "Start")
    assert now["label"] == f"Start {ENTECAVIR} today, as drafted (not from {chart.at(60)})" and now["isRecommended"]
    assert deleted(now) == ["MedicationRequest/etv-late"]
    assert now["actions"][0]["description"] == (f"Cancel {ENTECAVIR} (0.5 mg once a day), drafted to start "
                                                 f"{chart.at(60)}")
    assert not any("ntecavir 0.5 mg PO daily" in s["label"] for s in card["suggestions"])  # no second antiviral
    assert not _suggestion(card, "Hepatology referral")["isRecommended"]  # no detectable HBV DNA on file
    assert card["suggestions"][-1]["label"] == "Cancel rituximab Injectable Product until HBV status is known"
    assert deleted(card["suggestions"][-1]) == ["MedicationRequest/draft-rtx"]


@pytest.mark.parametrize(("drug", "dose", "period"), [(TDF, 300, 1), (ENTECAVIR, 0.5, 3)])
def test_a_late_antiviral_is_offered_from_today_as_the_prescriber_wrote_it(kb, today, drug, dose, period):
    """Review: the late antiviral was replaced by entecavir 0.5 mg daily: tenofovir chosen on purpose (pregnancy,
    lamivudine exposure) was swapped, and a renally adjusted entecavir every 72 hours tripled. The order offered is
    the late one itself (drug, dose, schedule, route), only its start taken out."""
    chart = _anti_hbc_positive(today).draft(drug, dose, "mg", start=30, period=period, route=ROUTE_ORAL,
                                            resource_id="late")
    card, _ = _run(kb, chart, today)
    now = _suggestion(card, "Start")
    assert now["label"] == f"Start {drug} today, as drafted (not from {chart.at(30)})"
    created = now["actions"][1]["resource"]
    assert created["medicationCodeableConcept"]["text"] == drug and created["status"] == "draft"
    instruction, = created["dosageInstruction"]
    assert instruction["doseAndRate"][0]["doseQuantity"]["value"] == dose
    assert instruction["timing"]["repeat"] == {"frequency": 1, "period": period, "periodUnit": "d"}  # no start
    assert instruction["route"] == ROUTE_ORAL


def test_the_late_antivirals_copy_says_its_new_start_and_keeps_its_end(kb, today):
    """Second review: the copy kept a dosage text and patient instruction naming the old start ('starting
    2026-12-21'), so the order offered from today said to begin in a month. Both now lead with the new start; the
    course end is kept."""
    chart = _anti_hbc_positive(today).draft(ENTECAVIR, 0.5, "mg", start=30, end=400)
    chart.drafts[-1]["dosageInstruction"][0].update(text=f"0.5 mg once daily starting {chart.at(30)}",
                                                     patientInstruction="Begin on 21 December")
    card, _ = _run(kb, chart, today)
    instruction, = _suggestion(card, "Start")["actions"][1]["resource"]["dosageInstruction"]
    assert instruction["text"] == (f"Start today (was from {chart.at(30)}). 0.5 mg once daily starting "
                                   f"{chart.at(30)}")
    assert instruction["patientInstruction"] == f"Start today (was from {chart.at(30)}). Begin on 21 December"
    assert instruction["timing"]["repeat"]["boundsPeriod"] == {"end": chart.at(400)}


def _steps(chart):
    """The last draft as two steps: its dose from its start for 30 days, then 1 mg (a stepped order)."""
    first, = chart.drafts[-1]["dosageInstruction"]
    second = {**first, "sequence": 2, "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "mg"}}],
              "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                    "boundsPeriod": {"start": chart.at(60)}}}}
    first["sequence"] = 1
    first["timing"]["repeat"]["boundsPeriod"]["end"] = chart.at(59)
    chart.drafts[-1]["dosageInstruction"].append(second)
    return chart


@pytest.mark.parametrize("written", ["dose in words", "a field FHIR R4 does not have", "steps", "given together",
                                     "a timing event"])
def test_a_late_antiviral_that_cannot_be_copied_is_named_but_not_copied(kb, today, written):
    """A suggested order has a structured dose and is valid FHIR: an antiviral drafted with its dose in words only, or
    with a field FHIR R4 does not have (a vendor's), is named as late, and the card offers the hold, but no copy of it
    (and no other antiviral in its place); the critical card is not lost to an invalid copy. Second review: nor one
    with several instructions (steps from today would run together: 0.5 mg then 1 mg became 1.5 mg a day), or with
    timing events (dates of their own, the old ones)."""
    chart = _anti_hbc_positive(today)
    if written == "dose in words":
        chart.draft(ENTECAVIR, None, None, start=30, text="one tablet daily")
    elif written == "a field FHIR R4 does not have":
        chart.draft(ENTECAVIR, 0.5, "mg", start=30).drafts[-1]["dosageInstruction"][0]["vendorField"] = 1
    elif written == "steps":
        _steps(chart.draft(ENTECAVIR, 0.5, "mg", start=30))
    elif written == "given together":
        chart.draft(ENTECAVIR, 0.5, "mg", start=30).given_with(text="and 0.5 mg at night")
    else:
        chart.draft(ENTECAVIR, 0.5, "mg", start=30).drafts[-1]["dosageInstruction"][0]["timing"]["event"] = [
            chart.at(30), chart.at(31)]
    card, _ = _run(kb, chart, today)
    assert f"{ENTECAVIR} is drafted to start {chart.at(30)}" in _flat(card)
    assert [s["label"] for s in card["suggestions"]] == [
        "Order HBV DNA and labs", "Hepatology referral",
        "Cancel rituximab Injectable Product until HBV status is known"]


@pytest.mark.parametrize(("rituximab_day", "entecavir_day"), [(0, 0), (90, 60), (60, 60)])
def test_an_antiviral_starting_by_the_first_anti_cd20_dose_is_a_plan(kb, today, rituximab_day, entecavir_day):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200).hbv_markers("NEG", "POS", day=-20)
    chart.draft(RITUXIMAB, 1000, "mg", start=rituximab_day).draft(ENTECAVIR, 0.5, "mg", start=entecavir_day)
    card, entry = _run(kb, chart, today)
    assert card is None and "antiviral_starts_after_first_dose" not in entry["facts"]


def test_the_earliest_anti_cd20_draft_sets_the_first_dose(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200).hbv_markers("NEG", "POS", day=-20)
    chart.draft(RITUXIMAB, 1000, "mg", start=90).draft(RITUXIMAB, 1000, "mg", start=14)
    chart.draft(ENTECAVIR, 0.5, "mg", start=60)
    card, _ = _run(kb, chart, today)
    assert f"is drafted to start {chart.at(60)}, after rituximab Injectable Product on {chart.at(14)}" in _flat(card)


def test_an_anti_cd20_course_begun_on_the_chart_makes_the_antiviral_due_now(kb, today):
    """Review: rituximab on the chart since 30 days ago and its next dose drafted for +150, with entecavir drafted for
    +30, was quiet (HEAD too): mid-course, without prophylaxis until +30. A course begun is past its first dose."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200).hbv_markers("NEG", "POS", day=-20)
    chart.medication(RITUXIMAB, 1000, "mg", start=-30).draft(RITUXIMAB, 1000, "mg", start=150)
    chart.draft(ENTECAVIR, 0.5, "mg", start=30)
    card, _ = _run(kb, chart, today)
    assert card["indicator"] == "critical"
    assert (f"{ENTECAVIR} is drafted to start {chart.at(30)}, after rituximab Injectable Product on the chart since "
            f"{chart.at(-30)}: start it now.") in _flat(card)
    not_begun = Chart(today).condition(IMNM_SNOMED, onset=-200).hbv_markers("NEG", "POS", day=-20)
    not_begun.medication(RITUXIMAB, 1000, "mg", start=100).draft(RITUXIMAB, 1000, "mg", start=150)
    assert _run(kb, not_begun.draft(ENTECAVIR, 0.5, "mg", start=30), today)[0] is None


def test_a_late_antiviral_with_detectable_hbv_dna_keeps_the_referral(kb, today):
    """Review: the card said "Refer to hepatology" but offered no referral when the antiviral started late."""
    chart = _anti_hbc_positive(today).lab(HBV_DNA, 250000, "[IU]/mL", day=-15)
    chart.medication(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv")
    card, _ = _run(kb, chart, today)
    assert card["summary"].startswith("anti-HBc positive, HBV DNA detectable: hepatology and antiviral before")
    assert (f"Hepatitis B DNA 250,000 IU/mL on {chart.at(-15)}, and {ENTECAVIR} is ordered to start {chart.at(30)}, "
            f"after rituximab Injectable Product on {chart.at(0)}: start it before the first dose.") in _flat(card)
    now = _suggestion(card, "Start")
    assert now["label"] == f"Start {ENTECAVIR} today, as ordered (not from {chart.at(30)})"
    assert deleted(now) == ["MedicationRequest/etv"]
    assert now["actions"][0]["description"] == (f"Discontinue {ENTECAVIR} (0.5 mg once a day) on the chart, ordered to "
                                                 f"start {chart.at(30)}")
    # the copy names the chart order it replaces (read as ended at signing, whether or not the delete is acted on)
    moved = now["actions"][1]["resource"]
    assert moved["priorPrescription"] == {"reference": "MedicationRequest/etv"}
    assert moved["note"][0]["text"] == (f"Moved to start when signed (ordered to start {chart.at(30)}, after rituximab "
                                        f"Injectable Product on {chart.at(0)}): HBV prophylaxis goes from before the "
                                        "first anti-CD20 dose.")
    referral = _suggestion(card, "Hepatology referral")
    assert referral["isRecommended"] and [a["description"] for a in referral["actions"]] == ["Hepatology referral"]


def test_a_renewal_of_an_order_not_begun_is_late_from_its_own_start_and_moved_as_a_renewal(kb, today):
    """Review: entecavir ordered from +30 and its renewal drafted from +60 (naming it) was said to start at +30, and
    cancelling the renewal left the +30 order beside the new entecavir. The renewal's own start is named, and the
    order offered still names the order it renews, so signing it stops that one."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=60, resource_id="etv-2").replacing("etv")
    card, _ = _run(kb, chart, today)
    assert f"{ENTECAVIR} is drafted to start {chart.at(60)}, after rituximab" in _flat(card)
    now = _suggestion(card, "Start")
    assert deleted(now) == ["MedicationRequest/etv-2"]
    assert now["actions"][1]["resource"]["priorPrescription"] == {"reference": "MedicationRequest/etv"}


def test_a_switch_named_as_a_renewal_that_starts_late_is_a_gap(kb, today):
    """Review: entecavir taken since -100, and tenofovir drafted from +30 naming it as its prior prescription, was
    quiet, but signing stops the entecavir and the tenofovir starts after the first rituximab dose."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    chart.draft(TDF, 300, "mg", start=30, resource_id="tdf").replacing("etv")
    card, _ = _run(kb, chart, today)
    assert card["indicator"] == "critical"
    assert f"{TDF} is drafted to start {chart.at(30)}, after rituximab" in _flat(card)


def test_a_renewal_of_the_entecavir_taken_now_starting_later_is_no_late_start(kb, today):
    """Guard: the patient takes entecavir; its renewal (naming it) written to start in 30 days is no late start."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv-2").replacing("etv")
    assert _run(kb, chart, today)[0] is None


def test_two_late_antivirals_are_named_each_and_offered_each_none_recommended(kb, today):
    """Second review: both copies were recommended, and accepting both gives two antivirals."""
    chart = _anti_hbc_positive(today).draft(ENTECAVIR, 0.5, "mg", start=30).draft(TDF, 300, "mg", start=40)
    card, _ = _run(kb, chart, today)
    assert (f"{ENTECAVIR} is drafted to start {chart.at(30)} and {TDF} is drafted to start {chart.at(40)}, after "
            f"rituximab Injectable Product on {chart.at(0)}: start one of them before the first dose and cancel the "
            "other.") in _flat(card)
    starts = [s for s in card["suggestions"] if s["label"].startswith("Start")]
    assert [s["label"] for s in starts] == [f"Start {ENTECAVIR} today, as drafted (not from {chart.at(30)})",
                                            f"Start {TDF} today, as drafted (not from {chart.at(40)})"]
    assert not any(s["isRecommended"] for s in starts)
    moved = starts[0]["actions"][1]["resource"]
    assert "priorPrescription" not in moved  # a plain draft's copy replaces the draft cancelled beside it, no order
    assert moved["note"][0]["text"] == (f"Moved to start when signed (drafted to start {chart.at(30)}, after rituximab "
                                        f"Injectable Product on {chart.at(0)}): HBV prophylaxis goes from before the "
                                        "first anti-CD20 dose.")


def test_a_chart_order_re_sent_to_start_later_is_replaced_by_its_copy(kb, today):
    """Second review: entecavir taken since -100, re-sent (the same id) to start at +30: the copy offered from today
    named no order, so cancelling the re-send left the chart's entecavir running beside it (two orders). The copy
    names it as its prior prescription, so signing it replaces that order."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=30, status="active", intent="order", resource_id="etv")
    card, _ = _run(kb, chart, today)
    now = _suggestion(card, "Start")
    assert deleted(now) == ["MedicationRequest/etv"]
    assert now["actions"][1]["resource"]["priorPrescription"] == {"reference": "MedicationRequest/etv"}


def test_an_antiviral_starting_after_a_dose_recorded_as_given_is_to_start_now(kb, today):
    chart = _rituximab_draft(today, "completed").hbv_markers("NEG", "POS", day=-30)
    chart.draft(ENTECAVIR, 0.5, "mg", start=10, resource_id="etv-late")
    card, entry = _run(kb, chart, today)
    assert card["summary"] == ("anti-HBc positive, rituximab Injectable Product recorded as given: check HBV DNA and "
                               "start antiviral now")
    assert (f"no HBV DNA result within 365 days and {ENTECAVIR} is drafted to start {chart.at(10)}, after rituximab "
            "Injectable Product, recorded as given: start it now.") in _flat(card)
    assert entry["facts"]["antiviral_starts_after_first_dose"] == (
        f"{ENTECAVIR} (MedicationRequest/etv-late) from {chart.at(10)}, after rituximab Injectable Product, recorded "
        "as given")
    assert [d for s in card["suggestions"] for d in deleted(s)] == ["MedicationRequest/etv-late"]
    note = _suggestion(card, "Start")["actions"][1]["resource"]["note"][0]["text"]
    assert "after rituximab Injectable Product, recorded as given" in note  # not "before the first dose": it was given
    given_today = _rituximab_draft(today, "completed").hbv_markers("NEG", "POS", day=-30)
    assert _run(kb, given_today.draft(ENTECAVIR, 0.5, "mg"), today)[0] is None


def test_an_antiviral_the_orders_stop_is_said_to_stop_once_signed(kb, today):
    """Review: 'no antiviral is active or ordered' was untrue where a draft stops the chart's entecavir: it is active
    until the orders are signed. The card names the one stopped; with none on the chart the text is as it was."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=-14, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=-14, status="stopped", resource_id="etv")
    card, entry = _run(kb, chart, today)
    assert ("no antiviral (entecavir or tenofovir) is active or ordered once these orders are signed: they stop "
            f"{ENTECAVIR} on the chart.") in _flat(card)
    assert entry["facts"]["antiviral_stopped_by_drafts"] == f"{ENTECAVIR} (MedicationRequest/etv)"
    card, entry = _run(kb, _anti_hbc_positive(today).draft(ENTECAVIR, 0.5, "mg", status="cancelled"), today)
    assert "days and no antiviral (entecavir or tenofovir) is active or ordered.\n" in card["detail"]
    assert "antiviral_stopped_by_drafts" not in entry["facts"]


def test_a_late_antiviral_beside_a_stopped_one_names_the_stop_too(kb, today):
    """Review: entecavir on the chart re-sent as stopped and tenofovir drafted from +14: the card named only the late
    tenofovir; the stop was in the facts alone."""
    chart = _anti_hbc_positive(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=-100, status="stopped", resource_id="etv")
    chart.draft(TDF, 300, "mg", start=14)
    card, _ = _run(kb, chart, today)
    assert (f"{TDF} is drafted to start {chart.at(14)}, after rituximab Injectable Product on {chart.at(0)}: start it "
            f"before the first dose; the orders also stop {ENTECAVIR} on the chart.") in _flat(card)


def _codes(suggestion):
    return [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in suggestion["actions"]
            if a.get("resource", {}).get("resourceType") == "ServiceRequest"]


def _assert_prophylaxis_offered(card, dna_day):
    """HBV DNA '<20 IU/mL' on ``dna_day`` named with no antiviral, and the card's three suggestions: baseline labs
    with no second HBV DNA, hepatology and entecavir (recommended), and the hold, which is returned."""
    assert (f"Hepatitis B DNA <20 IU/mL on {dna_day}: no replicating virus now, but no antiviral (entecavir or "
            "tenofovir) is active or ordered.") in _flat(card)
    labs, antiviral, hold = card["suggestions"]
    assert labs["label"] == "Order baseline labs" and "42595-9" not in _codes(labs)
    assert antiviral["isRecommended"] and [a["description"] for a in antiviral["actions"]] == [
        "Hepatology referral", "Entecavir 0.5 mg PO daily (per hepatology)"]
    assert hold["label"] == "Cancel rituximab Injectable Product until antiviral prophylaxis is in place"
    return hold


def test_hbsag_positive_with_hbv_dna_below_quantification_still_needs_an_antiviral(kb, today):
    """Review: HBsAg positive with HBV DNA '<20 IU/mL' and no antiviral was quiet ("HBV DNA not detectable or an
    antiviral plan on file"). HBsAg-positive disease has a high reactivation risk under anti-CD20 therapy whatever the
    HBV DNA: the card says so, names the DNA, and offers hepatology and entecavir, not a second HBV DNA."""
    card, entry = _run_request(kb, fires_hbsag_positive_dna_below_quantification(today), today)
    at = Chart(today).at
    assert card["indicator"] == "critical"
    assert card["summary"] == ("HBsAg/anti-HBc positive: antiviral prophylaxis before rituximab Injectable Product, "
                               f"whatever the HBV DNA (<20 IU/mL on {at(-20)})")
    assert _flat(card).startswith("**HBsAg-positive hepatitis B: antiviral prophylaxis is needed before rituximab "
                                  "Injectable Product, whatever the HBV DNA.** HBsAg positive (")
    _assert_prophylaxis_offered(card, at(-20))
    assert "an undetectable viral load does not replace prophylaxis" in _flat(card)
    assert "Check HBV DNA" not in _flat(card) and "No HBV DNA result" not in _flat(card)
    assert entry["facts"]["positive_without_dna_or_antiviral"] is True
    assert entry["facts"]["antiviral_needed_whatever_dna"].startswith("HBsAg positive (")


@pytest.mark.parametrize("dna", [{"value": 0, "unit": "[IU]/mL"}, {"value_string": "Not detected"},
                                 {"interpretation": "ND"}])
@pytest.mark.parametrize("marker", ["HBsAg", "problem list"])
def test_hbsag_positive_disease_is_followed_up_by_an_antiviral_only(kb, today, dna, marker):
    """HBsAg positive, or chronic hepatitis B on the problem list (HBsAg-positive disease), with any HBV DNA that is
    not detectable: critical until an antiviral covers from the first dose. Anti-HBc alone with the same DNA meets
    R26's row (HBV DNA or an antiviral plan), so only a warning advises prophylaxis."""
    chart = (_chart(today).hbv_markers("POS", "NEG") if marker == "HBsAg"
             else _negatives(_chart(today)).condition(CHRONIC_HBV, onset=-3000)).observation(HBV_DNA, -10, **dna)
    card, _ = _run(kb, chart, today)
    assert card["indicator"] == "critical" and "whatever the HBV DNA" in card["summary"]
    assert _run(kb, chart.draft(ENTECAVIR, 0.5, "mg"), today)[0] is None
    anti_hbc_only = _anti_hbc_positive(today).observation(HBV_DNA, -10, **dna)
    assert _run(kb, anti_hbc_only, today)[0]["indicator"] == "warning"


def test_hbsag_positive_with_an_antiviral_starting_late_is_offered_from_today_with_the_referral(kb, today):
    chart = _chart(today).hbv_markers("POS", "POS").observation(HBV_DNA, -10, interpretation="ND")
    chart.draft(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv-late")
    card, _ = _run(kb, chart, today)
    assert (f"Hepatitis B DNA not detected on {chart.at(-10)}: no replicating virus now, but {ENTECAVIR} is drafted "
            f"to start {chart.at(30)}, after rituximab Injectable Product on {chart.at(0)}: start it before the first "
            "dose.") in _flat(card)
    assert deleted(_suggestion(card, "Start")) == ["MedicationRequest/etv-late"]
    assert _suggestion(card, "Hepatology referral")["isRecommended"]
    assert not any("42595-9" in _codes(s) for s in card["suggestions"])


def test_hbsag_positive_with_rituximab_recorded_as_given_asks_for_the_antiviral_now(kb, today):
    chart = _rituximab_draft(today, "completed").hbv_markers("POS", "POS", day=-30)
    card, _ = _run(kb, chart.observation(HBV_DNA, -10, interpretation="ND"), today)
    assert card["summary"] == ("HBsAg/anti-HBc positive, rituximab Injectable Product recorded as given: hepatology "
                               "and antiviral now, whatever the HBV DNA")
    assert (f"Hepatitis B DNA not detected on {chart.at(-10)}, and no antiviral (entecavir or tenofovir) is active or "
            "ordered.") in _flat(card)
    assert ("HBsAg-positive disease needs antiviral prophylaxis whatever the HBV DNA: refer to hepatology and start "
            "antiviral therapy now") in _flat(card)
    assert [s["isRecommended"] for s in card["suggestions"]] == [True, True] and not any(
        deleted(s) for s in card["suggestions"])


def test_a_recent_hbv_dna_is_not_ordered_again_when_the_screen_is_incomplete(kb, today):
    """Anti-HBc positive with HBV DNA not detected last week, but HBsAg 400 days old: the card asks for HBsAg, and
    asked for another HBV DNA too."""
    chart = _chart(today).observation(HBSAG, -400, interpretation="NEG").observation(ANTI_HBC, -20,
                                                                                      interpretation="POS")
    card, _ = _run(kb, chart.observation(HBV_DNA, -7, interpretation="ND"), today)
    labs = card["suggestions"][0]
    assert labs["label"] == "Order HBV screening and baseline labs"
    assert "5196-1" in _codes(labs) and "42595-9" not in _codes(labs)


# ---------------------------------------------------------------- anti-HBc alone, HBV DNA not detectable, no antiviral

def test_anti_hbc_with_hbv_dna_below_quantification_gets_a_warning_for_prophylaxis(kb, today):
    """Review: anti-HBc positive, HBsAg negative, HBV DNA '<20 IU/mL' and no antiviral was quiet before rituximab.
    The spec's recommendation (and AASLD 2018 / EASL 2017 for anti-CD20) is prophylaxis, not monitoring: a warning
    (the spec's critical trigger, no DNA and no plan, is not met) that offers hepatology and entecavir, recommended,
    orders no second HBV DNA, and names the DNA in the summary and the facts."""
    card, entry = _run_request(kb, fires_anti_hbc_dna_below_quantification(today), today)
    at = Chart(today).at
    assert card["indicator"] == "warning"
    assert card["summary"] == ("anti-HBc positive: antiviral prophylaxis before rituximab Injectable Product, not HBV "
                               f"DNA monitoring alone (<20 IU/mL on {at(-20)})")
    assert _flat(card).startswith("**Positive hepatitis B marker: antiviral prophylaxis is advised before rituximab "
                                  "Injectable Product, not HBV DNA monitoring alone.** anti-HBc positive (")
    assert ("give antiviral prophylaxis (entecavir 0.5 mg daily, or tenofovir) from before the first dose until at "
            "least 12-18 months after the last") in _flat(card)
    assert not _assert_prophylaxis_offered(card, at(-20))["isRecommended"]
    assert entry["facts"]["positive_without_dna_or_antiviral"] is False  # the spec's trigger: R10/R16 read it so
    assert entry["facts"]["hbv_dna_without_prophylaxis"] == f"Hepatitis B DNA <20 IU/mL on {at(-20)}"


def test_anti_hbc_with_hbv_dna_not_detected_is_quiet_once_an_antiviral_covers_the_first_dose(kb, today):
    chart = _anti_hbc_positive(today).observation(HBV_DNA, -10, interpretation="ND")
    card, entry = _run(kb, chart.medication(ENTECAVIR, 0.5, "mg", start=-7), today)
    assert card is None
    assert entry["reason"] == "positive HBV marker with an antiviral plan from the first anti-CD20 dose on file"
    assert entry["facts"]["hbv_dna_without_prophylaxis"] is None


def test_anti_hbc_with_hbv_dna_not_detected_and_a_late_antiviral_offers_it_from_today(kb, today):
    """The DNA quieted the rule whatever the antiviral's start: entecavir drafted to start in 30 days beside rituximab
    today passed. Now a warning names the late start and offers the prescriber's own order from today, and the
    referral, both recommended."""
    chart = _anti_hbc_positive(today).observation(HBV_DNA, -10, interpretation="ND")
    card, entry = _run(kb, chart.draft(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv-late"), today)
    assert card["indicator"] == "warning"
    assert (f"Hepatitis B DNA not detected on {chart.at(-10)}: no replicating virus now, but {ENTECAVIR} is drafted "
            f"to start {chart.at(30)}, after rituximab Injectable Product on {chart.at(0)}: start it before the first "
            "dose.") in _flat(card)
    start = _suggestion(card, "Start")
    assert start["isRecommended"] and deleted(start) == ["MedicationRequest/etv-late"]
    assert _suggestion(card, "Hepatology referral")["isRecommended"]
    assert entry["facts"]["antiviral_starts_after_first_dose"].startswith(f"{ENTECAVIR} (MedicationRequest/etv-late)")


def test_anti_hbc_with_hbv_dna_not_detected_and_rituximab_recorded_as_given_asks_for_prophylaxis_now(kb, today):
    chart = _rituximab_draft(today, "completed").hbv_markers("NEG", "POS", day=-30)
    card, _ = _run(kb, chart.observation(HBV_DNA, -10, interpretation="ND"), today)
    assert card["indicator"] == "warning"
    assert card["summary"] == ("anti-HBc positive, rituximab Injectable Product recorded as given: hepatology and "
                               "antiviral prophylaxis now, not HBV DNA monitoring alone")
    assert (f"Hepatitis B DNA not detected on {chart.at(-10)}: no replicating virus now, but no antiviral (entecavir "
            "or tenofovir) is active or ordered.") in _flat(card)
    assert ("HBV DNA monitoring alone is not enough: refer to hepatology and start antiviral prophylaxis now"
            in _flat(card))
    assert not any(deleted(s) for s in card["suggestions"])


def test_anti_hbc_with_hbv_dna_not_detected_and_the_screen_incomplete_stays_critical_and_says_both(kb, today):
    chart = _chart(today).observation(HBSAG, -400, interpretation="NEG").observation(ANTI_HBC, -20,
                                                                                      interpretation="POS")
    card, _ = _run(kb, chart.observation(HBV_DNA, -7, interpretation="ND"), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: HBsAg missing"
    assert "not HBV DNA monitoring alone" in _flat(card) and "no HBsAg within 365 days" in _flat(card)
    assert card["suggestions"][-1]["label"] == "Cancel rituximab Injectable Product until HBV status is known"


def test_a_warning_is_among_the_rules_severities():
    assert R26.severities == ("critical", "warning")


# ---------------------------------------------------------------- a screen read as neither positive nor negative

@pytest.mark.parametrize("word", ["Equivocal", "Indeterminate"])
def test_an_equivocal_anti_hbc_is_said_so_and_is_repeated(kb, today, word):
    """Review: an 'Equivocal' anti-HBc was "result not readable". The card quotes the lab's word, asks for the test
    again, and stays critical (the safe side: no screen on file until it reads)."""
    chart = _chart(today).observation(HBSAG, -20, value_string="Negative").observation(ANTI_HBC, -20,
                                                                                       value_string=word)
    card, entry = _run(kb, chart, today)
    assert card["indicator"] == "critical"
    assert card["summary"] == f"No HBV screen before rituximab Injectable Product: anti-HBc '{word}'"
    assert entry["facts"]["missing"] == (f"no anti-HBc total result read as positive or negative ({ANTI_HBC[2]} "
                                         f"'{word}' on {chart.at(-20)}: repeat it, or ask the lab how to read it)")
    assert "result not readable" not in _flat(card)
    assert "16933-4" in _codes(card["suggestions"][0])
    assert entry["facts"]["anti_hbc_total"] is None


def test_a_pending_anti_hbc_is_said_to_be_pending(kb, today):
    chart = _chart(today).observation(HBSAG, -20, interpretation="NEG").observation(ANTI_HBC, -1)
    chart.resources["observations"][-1]["status"] = "registered"
    card, entry = _run(kb, chart, today)
    assert card["summary"] == "No HBV screen before rituximab Injectable Product: anti-HBc pending"
    assert entry["facts"]["missing"] == (f"no anti-HBc total result read as positive or negative ({ANTI_HBC[2]} "
                                         f"pending on {chart.at(-1)}: wait for it)")


# ---------------------------------------------------------------- an anti-HBc drawn after IVIG (passive transfer)

def test_an_anti_hbc_drawn_after_ivig_is_said_to_be_possibly_the_ivigs_and_still_holds_the_order(kb, today):
    """Review 424: an anti-HBc drawn 11 days after IVIG was read as past infection with no word that IVIG passes the
    antibody on (R19 warns of it). R26 says so, and still reads it as positive: critical, HBV DNA and hepatology."""
    chart = _chart(today).medication(IVIG_CVX, 0.4, "g/kg", start=-20, end=-16, status="completed")
    card, entry = _run(kb, chart.hbv_markers("NEG", "POS", day=-5), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == "anti-HBc positive: check HBV DNA and plan antiviral before rituximab Injectable Product"
    assert (f"The anti-HBc positive on {chart.at(-5)} was drawn 11 days after IVIG (immune globulin, intravenous, last "
            f"given {chart.at(-16)}): IVIG carries anti-HBc and anti-HBs") in _flat(card)
    assert entry["facts"]["anti_hbc_after_ivig"] is not None
    assert "42595-9" in _codes(card["suggestions"][0])
    before = _chart(today).hbv_markers("NEG", "POS", day=-30).medication(IVIG_CVX, 0.4, "g/kg", start=-20, end=-16,
                                                                        status="completed")
    card, entry = _run(kb, before, today)  # drawn before the IVIG: nothing to say of it
    assert "IVIG" not in _flat(card) and entry["facts"]["anti_hbc_after_ivig"] is None


def test_an_anti_hbc_positive_before_the_ivig_too_is_not_said_to_be_the_ivigs(kb, today):
    """Review 426 (v2 rtx): anti-HBc positive on D-400, before any IVIG, and again on D-5, after it: a past infection
    known from before the IVIG. Still critical (HBV DNA, hepatology), with no word that it may be the donors'."""
    chart = _chart(today).hbv_markers("NEG", "POS", day=-400).medication(IVIG_CVX, 0.4, "g/kg", start=-20, end=-16,
                                                                         status="completed")
    card, entry = _run(kb, chart.hbv_markers("NEG", "POS", day=-5), today)
    assert card["indicator"] == "critical"
    assert card["summary"] == "anti-HBc positive: check HBV DNA and plan antiviral before rituximab Injectable Product"
    assert "donors' antibody" not in _flat(card) and entry["facts"]["anti_hbc_after_ivig"] is None


def test_a_rituximab_recorded_as_given_says_the_anti_hbc_may_be_the_ivigs_too(kb, today):
    chart = _rituximab_draft(today, "completed").medication(IVIG_CVX, 0.4, "g/kg", start=-20, end=-16,
                                                            status="completed")
    card, _ = _run(kb, chart.hbv_markers("NEG", "POS", day=-10), today)
    assert (f"and no antiviral (entecavir or tenofovir) is active or ordered. The anti-HBc positive on {chart.at(-10)} "
            "was drawn 6 days after IVIG") in _flat(card)


def test_immunizations_not_fetched_are_named(kb, today):
    """Review 427: R26 reads the IVIG given (an anti-HBc drawn after it may be the donors'), IVIG charted as an
    immunization included, so with the immunizations not fetched its card says so."""
    request = fhir_fixtures.get("r26-fires-no-hbv-screen").request(today)
    del request["prefetch"]["immunizations"]
    result = run(kb, request, today, unavailable=("immunizations",))
    assert "**Not checked:** The patient's immunizations could not be fetched" in fired(result)[RULE]["detail"]
    assert explained(result, RULE)["facts"]["unavailable_prefetch"] == ["immunizations"]
