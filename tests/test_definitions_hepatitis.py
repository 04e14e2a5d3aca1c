"""The HBV markers that count as positive (R10, R16, R26), and the follow-up of a positive one: an antiviral active or
drafted, or a recent HBV DNA that shows no replicating virus; and the screen not on file, as R26 reads it (R19,
R29)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import ANTI_HBC, CHRONIC_HBV, ENTECAVIR, HBSAG, HBV_DNA, IVIG_CVX, RITUXIMAB, Chart
from fhir_fixtures.r10_mtx_start_prerequisites import HCV_AB
from hooks.definitions import hepatitis
from tests.conftest import explained, run, with_params
from tests.definitions_support import record_and_context


def _follow_up(kb, chart, dna_max_age_days=None):
    if dna_max_age_days is not None:  # a site's [definitions] override
        kb = with_params(kb, "definitions", hbv_dna_max_age_days=dna_max_age_days)
    return hepatitis.follow_up(*record_and_context(kb, chart, hook="order-sign"))


def test_nothing_on_file_is_no_follow_up(kb, today):
    found = _follow_up(kb, Chart(today))
    assert not found.in_place and found.describe_dna() is None and found.describe_antiviral() is None


@pytest.mark.parametrize(("form", "shown"), [
    ({"value": 0, "unit": "[IU]/mL"}, "0 IU/mL"),
    ({"value_string": "Not detected"}, "not detected"),
    ({"interpretation": "ND"}, "not detected"),
    ({"value": 20, "unit": "[IU]/mL", "comparator": "<"}, "<20 IU/mL"),
    ({"value_string": "<20 IU/mL"}, "<20 IU/mL"),
])
def test_hbv_dna_not_detected_or_below_quantification_is_follow_up_within_the_window(kb, today, form, shown):
    found = _follow_up(kb, Chart(today).observation(HBV_DNA, -365, **form))
    assert found.in_place and found.viraemic is None
    assert found.describe_dna() == f"Hepatitis B DNA {shown} on {Chart(today).at(-365)}"
    assert not _follow_up(kb, Chart(today).observation(HBV_DNA, -366, **form)).in_place


def test_the_dna_window_is_a_shared_definition(kb, today):
    chart = Chart(today).observation(HBV_DNA, -200, value_string="Not detected")
    assert _follow_up(kb, chart).in_place and not _follow_up(kb, chart, dna_max_age_days=180).in_place


@pytest.mark.parametrize(("form", "shown"), [
    ({"value": 250000, "unit": "[IU]/mL"}, "250,000 IU/mL"),
    ({"value": 170000000, "unit": "[IU]/mL", "comparator": ">"}, ">170,000,000 IU/mL"),
    ({"value": 35, "unit": "[IU]/mL"}, "35 IU/mL"),
    ({"interpretation": "DET"}, "detected"),
    ({"value_string": "HBV DNA detected"}, "detected"),
])
def test_a_detectable_hbv_dna_without_an_antiviral_is_no_follow_up(kb, today, form, shown):
    """HBsAg positive with 250,000 IU/mL and no antiviral counted as 'followed up' (found by review): a
    replicating virus needs hepatology and an antiviral before methotrexate or anti-CD20 therapy."""
    found = _follow_up(kb, Chart(today).observation(HBV_DNA, -20, **form))
    assert not found.in_place
    assert hepatitis.describe(found.viraemic) == f"Hepatitis B DNA {shown} on {Chart(today).at(-20)}"
    with_antiviral = Chart(today).observation(HBV_DNA, -20, **form).medication(ENTECAVIR, 0.5, "mg", start=-10)
    assert _follow_up(kb, with_antiviral).in_place


def test_the_newest_hbv_dna_decides(kb, today):
    cleared = Chart(today).lab(HBV_DNA, 250000, "[IU]/mL", day=-200).observation(HBV_DNA, -20, interpretation="ND")
    assert _follow_up(kb, cleared).in_place
    rising = Chart(today).observation(HBV_DNA, -200, interpretation="ND").lab(HBV_DNA, 2000, "[IU]/mL", day=-20)
    assert not _follow_up(kb, rising).in_place
    same_day = Chart(today).observation(HBV_DNA, -20, interpretation="ND").lab(HBV_DNA, 2000, "[IU]/mL", day=-20)
    assert not _follow_up(kb, same_day).in_place  # two results that day, one detectable: not followed up


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


# ---------------------------------------------------------------- which markers are positive (R10 and R26)

def _markers(kb, chart):
    return hepatitis.hbv_markers(record_and_context(kb, chart)[0])


def test_negative_markers_and_no_diagnosis_are_no_positive_marker(kb, today):
    assert _markers(kb, Chart(today).hbv_markers("NEG", "NEG")) == ()
    assert _markers(kb, Chart(today)) == ()


def test_a_marker_positive_once_stays_positive_after_a_later_negative(kb, today):
    """R10 read only the latest anti-HBc: positive, then negative on another assay, gave no HBV follow-up before
    methotrexate, while R26 asked for HBV DNA before rituximab. Anti-HBc stays positive for life; the later result
    is named with the positive one."""
    chart = Chart(today).hbv_markers("POS", "POS", day=-900).hbv_markers("NEG", "NEG", day=-30)
    at = Chart(today).at
    assert _markers(kb, chart) == (
        hepatitis.PositiveMarker("HBsAg", f"{HBSAG[2]} positive on {at(-900)}, then negative on {at(-30)}",
                                 cleared=True),
        hepatitis.PositiveMarker("anti-HBc", f"{ANTI_HBC[2]} positive on {at(-900)}, then negative on {at(-30)}",
                                 cleared=True))
    newest = Chart(today).observation(ANTI_HBC, -900, interpretation="POS").observation(
        ANTI_HBC, -30, interpretation="POS")
    assert _markers(kb, newest) == (hepatitis.PositiveMarker("anti-HBc", f"{ANTI_HBC[2]} positive on {at(-30)}"),)


@pytest.mark.parametrize(("status", "verification", "shown"), [
    ("active", "confirmed", "onset {onset}"),
    ("resolved", "confirmed", "onset {onset}, resolved"),  # resolved hepatitis B: anti-HBc positive for life
    ("active", "refuted", None),
])
def test_hepatitis_b_on_the_problem_list_counts_and_is_dated(kb, today, status, verification, shown):
    """R10 ignored chronic hepatitis B on the problem list (R26 counted it, but named no date)."""
    chart = Chart(today).hbv_markers("NEG", "NEG").condition(CHRONIC_HBV, onset=-3000, status=status,
                                                             verification=verification)
    entry = None if shown is None else f"{CHRONIC_HBV[2]}, " + shown.format(onset=chart.at(-3000))
    expected = () if shown is None else (hepatitis.PositiveMarker(
        "HBV infection", f"{CHRONIC_HBV[2]} on the problem list, " + shown.format(onset=chart.at(-3000)),
        problem_list_entry=entry, cleared=status != "active"),)
    assert _markers(kb, chart) == expected


def test_a_card_states_a_result_as_positive_and_the_problem_list_as_an_entry(kb, today):
    """R16's card read "HBV infection positive (Chronic type B viral hepatitis on the problem list, ...)": an entry on
    the problem list is no positive result."""
    chart = Chart(today).observation(ANTI_HBC, -30, interpretation="POS").condition(CHRONIC_HBV, onset=-3000)
    assert [marker.stated for marker in _markers(kb, chart)] == [
        f"anti-HBc positive ({ANTI_HBC[2]} positive on {chart.at(-30)})",
        f"hepatitis B on the problem list ({CHRONIC_HBV[2]}, onset {chart.at(-3000)})"]


def test_the_hbv_markers_are_read_once_per_record(kb, today):
    record, _ = record_and_context(kb, Chart(today).hbv_markers("NEG", "POS"))
    assert hepatitis.hbv_markers(record) is hepatitis.hbv_markers(record)


def test_an_hcv_antibody_reads_ever_positive_too(kb, today):
    """R10's HCV antibody: positive once, negative later, is still a positive screen (there is no HCV RNA value set
    to settle it)."""
    chart = Chart(today).observation(HCV_AB, -900, interpretation="POS").observation(HCV_AB, -30,
                                                                                   interpretation="NEG")
    record, _ = record_and_context(kb, chart)
    assert hepatitis.positive_marker(record, "hcv_ab", "HCV Ab") == hepatitis.PositiveMarker(
        "HCV Ab", f"Hep C Ab positive on {chart.at(-900)}, then negative on {chart.at(-30)}", cleared=True)
    negative, _ = record_and_context(kb, Chart(today).observation(HCV_AB, -30, interpretation="NEG"))
    assert hepatitis.positive_marker(negative, "hcv_ab", "HCV Ab") is None


# ---------------------------------------------------------------- when an antiviral covers from (R16, R26)

TDF = "tenofovir disoproxil fumarate 300 MG Oral Tablet"


def _covers(found):
    return [(cover.order.reference, cover.start, cover.drafted) for cover in found.cover]


def test_an_antiviral_covers_from_its_start_and_counts_by_a_first_dose_only_from_then(kb, today):
    """R26 counted an entecavir drafted to start in 60 days as the plan before rituximab given today: prophylaxis goes
    from before the first dose. Each antiviral covers from its start (none written, or one passed: today), and says
    whether it is a draft or an order on the chart."""
    found = _follow_up(kb, Chart(today).draft(ENTECAVIR, 0.5, "mg", start=60, resource_id="etv-late"))
    assert _covers(found) == [("MedicationRequest/etv-late", today + timedelta(days=60), True)]
    assert found.in_place  # R10 asks by no day: any plan counts
    assert not found.in_place_by(today) and found.in_place_by(today + timedelta(days=60))
    begun = _follow_up(kb, Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-30, resource_id="etv"))
    assert _covers(begun) == [("MedicationRequest/etv", today, False)] and begun.in_place_by(today)


def test_a_clear_hbv_dna_is_follow_up_by_any_first_dose(kb, today):
    chart = Chart(today).observation(HBV_DNA, -20, interpretation="ND").draft(ENTECAVIR, 0.5, "mg", start=60)
    assert _follow_up(kb, chart).in_place_by(today)


def test_a_renewal_of_the_antiviral_taken_now_covers_from_today(kb, today):
    """Guard: a renewal naming the entecavir the patient takes (its priorPrescription), written to start when the
    supply ends, is no late start: the patient is on entecavir."""
    chart = Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    chart.draft(ENTECAVIR, 0.5, "mg", start=30, resource_id="etv-2").replacing("etv")
    found = _follow_up(kb, chart)
    assert _covers(found) == [("MedicationRequest/etv-2", today, True)] and found.stopped == ()


@pytest.mark.parametrize("case", ["re-sent", "renews an order not begun", "switches drug"])
def test_a_draft_covers_from_its_own_start_unless_it_renews_the_drug_taken_now(kb, today, case):
    """Review: a draft renewing a chart order not yet begun (entecavir from +30, renewed from +60) was said to cover
    from +30, though signing ends that order and the renewal starts at +60; a switch to tenofovir from +30 named as
    the renewal of the entecavir taken now hid the gap (the EHR stops entecavir at signing). Only a renewal of the same
    drug, begun, covers from today; an order re-sent with its id is that order as it will be once signed."""
    chart = Chart(today)
    if case == "re-sent":
        chart.medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
        chart.draft(ENTECAVIR, 0.5, "mg", start=60, resource_id="etv")
        drafted = "etv"
    else:
        chart.medication(ENTECAVIR, 0.5, "mg", start=30 if case == "renews an order not begun" else -100,
                         resource_id="etv")
        drug, dose = (TDF, 300) if case == "switches drug" else (ENTECAVIR, 0.5)
        chart.draft(drug, dose, "mg", start=60, resource_id="new").replacing("etv")
        drafted = "new"
    found = _follow_up(kb, chart)
    assert _covers(found) == [(f"MedicationRequest/{drafted}", today + timedelta(days=60), True)]
    assert found.stopped == () and not found.in_place_by(today)


@pytest.mark.parametrize("how", ["re-sent", "named"])
def test_a_chart_antiviral_a_draft_stops_is_named_as_stopped(kb, today, how):
    chart = Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv")
    if how == "re-sent":
        chart.draft(ENTECAVIR, 0.5, "mg", start=-100, status="stopped", resource_id="etv")
    else:
        chart.draft(ENTECAVIR, 0.5, "mg", status="cancelled", resource_id="etv-stop").replacing("etv")
    found = _follow_up(kb, chart)
    assert found.cover == () and [o.reference for o in found.stopped] == ["MedicationRequest/etv"]
    beside = _follow_up(kb, Chart(today).medication(ENTECAVIR, 0.5, "mg", start=-100, resource_id="etv").draft(
        ENTECAVIR, 0.5, "mg", status="cancelled", resource_id="other"))
    assert beside.stopped == () and len(beside.cover) == 1  # a cancelled draft naming no order stops none


# ---------------------------------------------------------------- HBsAg-positive disease: an antiviral only

HBSAG_POSITIVE = {
    "HBsAg positive": lambda chart: chart.hbv_markers("POS", "POS"),
    "hepatitis B on the problem list": lambda chart: chart.hbv_markers("NEG", "NEG").condition(
        CHRONIC_HBV, onset=-3000),
}


@pytest.mark.parametrize("marker", HBSAG_POSITIVE)
def test_with_hbsag_positive_disease_an_undetectable_hbv_dna_is_no_follow_up(kb, today, marker):
    """Review: HBsAg positive with HBV DNA '<20 IU/mL' and no antiviral counted as followed up, and R26 let rituximab
    pass. HBsAg-positive disease has a high reactivation risk under anti-CD20 therapy whatever the HBV DNA: only an
    antiviral follows it up. The DNA is named as not enough, and the referral needs no second HBV DNA."""
    chart = HBSAG_POSITIVE[marker](Chart(today)).lab(HBV_DNA, 20, "[IU]/mL", day=-10, comparator="<")
    found = _follow_up(kb, chart)
    assert found.surface_antigen is not None and found.describe_surface_antigen() == found.surface_antigen.stated
    assert not found.in_place and not found.in_place_by(today) and found.viraemic is None
    assert hepatitis.describe(found.dna_not_enough) == f"Hepatitis B DNA <20 IU/mL on {chart.at(-10)}"
    assert found.antiviral_reason == "HBsAg-positive hepatitis B"
    on_entecavir = _follow_up(kb, chart.medication(ENTECAVIR, 0.5, "mg", start=-30))
    assert on_entecavir.in_place_by(today) and on_entecavir.dna_not_enough is not None  # the DNA itself is unchanged


@pytest.mark.parametrize("cleared", [
    lambda chart: chart.observation(HBSAG, -900, interpretation="POS").hbv_markers("NEG", "POS"),
    lambda chart: chart.hbv_markers("NEG", "POS").condition(CHRONIC_HBV, onset=-3000, status="resolved"),
], ids=["HBsAg positive once, negative later", "hepatitis B resolved on the problem list"])
def test_hbsag_positivity_the_chart_has_cleared_is_followed_up_as_anti_hbc_alone(kb, today, cleared):
    """HBsAg positive years ago and negative now, or hepatitis B resolved, was read as HBsAg-positive disease: R26's
    card opened "HBsAg-positive hepatitis B" beside a negative HBsAg (found by review). The marker still counts
    (anti-HBc stays positive), but an undetectable HBV DNA follows it up as it does anti-HBc alone."""
    chart = cleared(Chart(today)).observation(HBV_DNA, -10, interpretation="ND")
    found = _follow_up(kb, chart)
    assert _markers(kb, chart) and found.surface_antigen is None and found.in_place_by(today)


def test_with_anti_hbc_alone_an_undetectable_hbv_dna_is_still_follow_up(kb, today):
    chart = Chart(today).hbv_markers("NEG", "POS").observation(HBV_DNA, -10, interpretation="ND")
    found = _follow_up(kb, chart)
    assert found.surface_antigen is None and found.in_place_by(today)
    assert found.dna_not_enough is None and found.antiviral_reason is None
    assert hepatitis.describe(found.undetectable) == f"Hepatitis B DNA not detected on {chart.at(-10)}"


def test_the_antiviral_reason_of_a_detectable_load_comes_first(kb, today):
    chart = Chart(today).hbv_markers("POS", "POS").lab(HBV_DNA, 2000, "[IU]/mL", day=-10)
    found = _follow_up(kb, chart)
    assert found.antiviral_reason == "HBV DNA detectable" and found.dna_not_enough is None
    assert _follow_up(kb, Chart(today).hbv_markers("POS", "POS")).antiviral_reason is None  # no DNA: order one


@pytest.mark.parametrize(("kind", "surface_antigen"), [("HBsAg", True), ("HBV infection", True),
                                                       ("anti-HBc", False), ("HCV Ab", False)])
def test_which_markers_are_hbsag_positive_disease(kind, surface_antigen):
    assert hepatitis.PositiveMarker(kind, "shown").surface_antigen is surface_antigen


# ---------------------------------------------------------------- anti-CD20: HBV DNA monitoring alone (R26)

def _monitoring_only(kb, chart, first_dose):
    return hepatitis.monitoring_only(*record_and_context(kb, chart, hook="order-sign"), first_dose)


def test_anti_hbc_alone_followed_up_by_hbv_dna_only_is_named_for_anti_cd20(kb, today):
    """Review: R26 let an anti-CD20 pass for anti-HBc positive with HBV DNA '<20 IU/mL' and no antiviral. R26 reads
    that DNA as monitoring only (prophylaxis still advised); R10 and R16 keep it as follow-up (in_place_by)."""
    chart = Chart(today).hbv_markers("NEG", "POS").lab(HBV_DNA, 20, "[IU]/mL", day=-10, comparator="<")
    dna = _monitoring_only(kb, chart, today)
    assert hepatitis.describe(dna) == f"Hepatitis B DNA <20 IU/mL on {chart.at(-10)}"
    assert _follow_up(kb, chart).in_place_by(today)  # unchanged for R10 and R16
    late = _monitoring_only(kb, chart.draft(ENTECAVIR, 0.5, "mg", start=30), today)  # starts after the first dose
    assert late is not None and hepatitis.describe(late) == hepatitis.describe(dna)
    covered = Chart(today).hbv_markers("NEG", "POS").lab(HBV_DNA, 20, "[IU]/mL", day=-10, comparator="<")
    assert _monitoring_only(kb, covered.medication(ENTECAVIR, 0.5, "mg", start=-30), today) is None


@pytest.mark.parametrize("chart", [
    lambda chart: chart.hbv_markers("NEG", "NEG").observation(HBV_DNA, -10, interpretation="ND"),  # no marker
    lambda chart: chart.hbv_markers("NEG", "POS"),  # no DNA: not followed up at all (unmanaged)
    lambda chart: chart.hbv_markers("NEG", "POS").lab(HBV_DNA, 2000, "[IU]/mL", day=-10),  # replicating
    lambda chart: chart.hbv_markers("POS", "POS").observation(HBV_DNA, -10, interpretation="ND"),  # HBsAg positive
], ids=["no marker", "no dna", "dna detectable", "hbsag positive"])
def test_monitoring_only_is_none_where_the_marker_is_negative_or_not_followed_up(kb, today, chart):
    assert _monitoring_only(kb, chart(Chart(today)), today) is None


# ---------------------------------------------------------------- the screen, as R26 reads it (R19, R29 order it)

R26 = "hbv-screen-before-rituximab"


def _screen(kb, chart):
    return hepatitis.screen_gaps(*record_and_context(kb, chart))


def _pending(chart, code, day):
    chart.observation(code, day)
    chart.resources["observations"][-1]["status"] = "registered"
    return chart


def test_nothing_on_file_is_both_screening_tests_to_order(kb, today):
    gaps = _screen(kb, Chart(today))
    assert [(gap.test.code, gap.marker, gap.found, gap.awaited) for gap in gaps] == [
        ("5196-1", "HBsAg", "no HBsAg within 365 days", False),
        ("16933-4", "anti-HBc", "no anti-HBc on file", False)]


def test_hbsag_counts_within_r26s_window_and_anti_hbc_ever(kb, today):
    assert _screen(kb, Chart(today).hbv_markers("NEG", "NEG", day=-365)) == ()
    gaps = _screen(kb, Chart(today).hbv_markers("NEG", "NEG", day=-366))
    assert [gap.found for gap in gaps] == [f"no HBsAg within 365 days (last negative on {Chart(today).at(-366)})"]
    site = with_params(kb, R26, hbsag_max_age_days=180)  # R26's site setting moves every card's screen with it
    assert [gap.marker for gap in _screen(site, Chart(today).hbv_markers("NEG", "NEG", day=-200))] == ["HBsAg"]


def test_a_positive_marker_is_a_known_status_not_a_gap(kb, today):
    assert _screen(kb, Chart(today).hbv_markers("POS", "NEG")) == ()
    assert _screen(kb, Chart(today).hbv_markers("NEG", "POS")) == ()


def test_a_pending_test_is_awaited_and_an_equivocal_one_repeated(kb, today):
    chart = _pending(Chart(today), HBSAG, -2).observation(ANTI_HBC, -10, value_string="Equivocal")
    hbsag, anti_hbc = _screen(kb, chart)
    assert hbsag.awaited and hbsag.found == f"HBsAg pending since {chart.at(-2)}"
    assert not anti_hbc.awaited
    assert anti_hbc.found == f"anti-HBc 'Equivocal' on {chart.at(-10)}, neither positive nor negative"


@pytest.mark.parametrize("build", [
    lambda chart: chart,
    lambda chart: chart.hbv_markers("NEG", "NEG", day=-365),
    lambda chart: chart.hbv_markers("NEG", "NEG", day=-366),
    lambda chart: chart.observation(HBSAG, -20, interpretation="NEG"),
    lambda chart: chart.observation(ANTI_HBC, -20, interpretation="NEG").observation(HBSAG, -5, value_string="?"),
    lambda chart: _pending(chart.observation(ANTI_HBC, -900, interpretation="NEG"), HBSAG, -1),
], ids=["nothing", "365 days", "366 days", "hbsag only", "hbsag unreadable", "hbsag pending"])
def test_the_screen_is_missing_exactly_where_r26_says_so(kb, today, build):
    """A card that orders the screen before rituximab is drafted (R19) orders what R26 will ask for at signing: no
    more, no less."""
    chart = build(Chart(today))
    gaps = {gap.marker for gap in _screen(kb, chart)}
    entry = explained(run(kb, chart.draft(RITUXIMAB, 1000, "mg").request("order-sign"), today), R26)
    missing = entry["facts"]["missing"] or ""
    assert gaps == {marker for marker in ("HBsAg", "anti-HBc") if f"no {marker}" in missing}


def test_an_old_screen_result_is_named_as_r26_names_it_however_it_reads(kb, today):
    """One reading (review 425): with no HBsAg in the window, the last one on file is named, read or not, by R19 and
    R29 (``found``) and by R26 alike (it used to be the last readable one for R19 and R29, the last one for R26)."""
    chart = Chart(today).observation(HBSAG, -500, interpretation="NEG").observation(HBSAG, -400, value_string="?")
    chart.observation(ANTI_HBC, -400, interpretation="NEG")
    (gap,) = _screen(kb, chart)
    assert gap.last is not None and gap.unsettled is None and not gap.awaited
    assert gap.found == f"no HBsAg within 365 days (last '?' on {chart.at(-400)}, neither positive nor negative)"
    entry = explained(run(kb, chart.draft(RITUXIMAB, 1000, "mg").request("order-sign"), today), R26)
    assert f"(last {HBSAG[2]} '?' on {chart.at(-400)}, neither positive nor negative)" in entry["facts"]["missing"]


# ---------------------------------------------------------------- antibodies passed on by IVIG (R19, R26, R29)

def _after_ivig(kb, chart, day):
    record, context = record_and_context(kb, chart)
    drawn = next(o for o in record.observations_in("anti_hbc") if o.when == chart.today + timedelta(days=day))
    return hepatitis.drawn_after_ivig(record, context, drawn)


def test_a_result_drawn_after_ivig_names_it_and_the_days_between(kb, today):
    """IVIG carries donors' anti-HBc and anti-HBs (review 424: an anti-HBc drawn 11 days after IVIG was read as a past
    infection, without a word of it). IVIG given up to the day before the draw counts, as an order or an
    Immunization; IVIG begun the day of the draw does not (R19 asks for the sample before the first infusion)."""
    chart = Chart(today).ivig_cycles((-20, 0.4, 5)).observation(ANTI_HBC, -5, interpretation="POS")
    assert _after_ivig(kb, chart, -5) == (
        f"drawn 11 days after IVIG (immune globulin, intravenous, last given {chart.at(-16)})")
    same_day = Chart(today).ivig_cycles((-5, 0.4, 5)).observation(ANTI_HBC, -5, interpretation="POS")
    assert _after_ivig(kb, same_day, -5) is None
    shot = Chart(today).immunization(IVIG_CVX, -30, dose=140).observation(ANTI_HBC, -5, interpretation="POS")
    assert _after_ivig(kb, shot, -5) == f"drawn 25 days after IVIG ({IVIG_CVX[2]}, last given {shot.at(-30)})"


def test_ivig_counts_within_r28s_window_for_its_antibodies(kb, today):
    """How long IVIG's antibodies may still be read is R28's ivig_interference_months (11), one setting for both."""
    chart = Chart(today).ivig_cycles((-340, 0.4, 5)).observation(ANTI_HBC, -5, interpretation="POS")
    assert _after_ivig(kb, chart, -5) is not None  # last given D-336: within 11 months of D-5
    site = with_params(kb, "live-vaccine-while-immunosuppressed", ivig_interference_months=6)
    assert _after_ivig(site, chart, -5) is None


def test_a_positive_anti_hbc_drawn_after_ivig_may_be_passive_and_still_counts(kb, today):
    chart = Chart(today).ivig_cycles((-20, 0.4, 5)).hbv_markers("NEG", "POS", day=-5)
    record, context = record_and_context(kb, chart)
    assert [marker.kind for marker in hepatitis.hbv_markers(record)] == ["anti-HBc"]  # still positive
    said = hepatitis.passive_anti_hbc(record, context)
    assert said is not None and said.startswith(f"The anti-HBc positive on {chart.at(-5)} was drawn 11 days after IVIG")
    assert "may be the donors' antibody, not a past infection. It counts as positive until shown otherwise" in said
    before = Chart(today).hbv_markers("NEG", "POS", day=-25).ivig_cycles((-20, 0.4, 5))  # drawn before the IVIG
    assert hepatitis.passive_anti_hbc(*record_and_context(kb, before)) is None
    hbsag = Chart(today).ivig_cycles((-20, 0.4, 5)).hbv_markers("POS", "POS", day=-5)  # the infection is not in doubt
    assert hepatitis.passive_anti_hbc(*record_and_context(kb, hbsag)) is None


def test_an_anti_hbc_positive_before_the_ivig_as_well_is_no_passive_transfer(kb, today):
    """Review 426 (v2): anti-HBc positive on D-400, long before IVIG, and again on D-5, after it: only the newest was
    read, and the card doubted a past infection known from before the IVIG. Any positive not drawn after IVIG settles
    it; two positives each drawn after an IVIG may both be the donors'."""
    chart = Chart(today).hbv_markers("NEG", "POS", day=-400).ivig_cycles((-20, 0.4, 5))
    chart.hbv_markers("NEG", "POS", day=-5)
    assert hepatitis.passive_anti_hbc(*record_and_context(kb, chart)) is None
    both_after = Chart(today).ivig_cycles((-60, 0.4, 5)).hbv_markers("NEG", "POS", day=-50)
    both_after.ivig_cycles((-20, 0.4, 5)).hbv_markers("NEG", "POS", day=-5)
    said = hepatitis.passive_anti_hbc(*record_and_context(kb, both_after))
    assert said is not None and said.startswith(f"The anti-HBc positive on {both_after.at(-5)} was drawn 11 days after")


# ---------------------------------------------------------------- before an anti-CD20 given from today (R16, R19)

@pytest.mark.parametrize(("build", "said"), [
    (lambda c: c.hbv_markers("NEG", "POS"), "No HBV DNA within 365 days and no antiviral (entecavir or tenofovir) is "
     "active or ordered. **Check HBV DNA, refer to hepatology and start antiviral prophylaxis before the first dose**"),
    (lambda c: c.hbv_markers("NEG", "POS").lab(HBV_DNA, 2000, "[IU]/mL", day=-10), "the virus is replicating, and no "
     "antiviral"),
    (lambda c: c.hbv_markers("POS", "POS").observation(HBV_DNA, -10, interpretation="ND"), "HBsAg-positive hepatitis "
     "B needs antiviral prophylaxis before anti-CD20 therapy whatever the HBV DNA"),
    (lambda c: c.hbv_markers("NEG", "POS").observation(HBV_DNA, -10, interpretation="ND"), "antiviral prophylaxis is "
     "advised rather than HBV DNA monitoring alone"),
    (lambda c: c.hbv_markers("NEG", "POS").medication(ENTECAVIR, 0.5, "mg", start=-30), "HBV antiviral: "
     f"{ENTECAVIR}. Keep it from before the first dose"),
    (lambda c: c.hbv_markers("NEG", "POS").medication(ENTECAVIR, 0.5, "mg", start=10), "**Start the antiviral before "
     "the first dose**"),
], ids=["no follow-up", "replicating", "hbsag with dna not detected", "anti-hbc with dna only", "covered", "late"])
def test_what_a_positive_marker_asks_for_before_anti_cd20_given_today(kb, today, build, said):
    record, context = record_and_context(kb, build(Chart(today)))
    assert said in hepatitis.before_anti_cd20(context, hepatitis.follow_up(record, context))
