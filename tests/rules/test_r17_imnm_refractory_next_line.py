"""R17 imnm-refractory-next-line: next step by subtype and by what was tried, the orders, and the gates."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    CK,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    RXNORM,
    Chart,
)
from fhir_fixtures.r17_imnm_refractory_next_line import earlier_ivig_course, on_ivig, refractory, rituximab
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import NEVER_SETTLED, re_treated_flare_chart
from tests.conftest import explained, fired, run, with_params

RULE = "imnm-refractory-next-line"
MRI_THIGHS = (LOINC, "26235-2", "MR Thigh - bilateral")
TACROLIMUS_1 = (RXNORM, "108513", "tacrolimus 1 MG Oral Capsule [Prograf]")
CYCLOPHOSPHAMIDE_50 = (RXNORM, "1437969", "cyclophosphamide 50 MG Oral Capsule")


def _card(kb, today, chart):
    return fired(run(kb, chart.request("patient-view"), today))[RULE]


def test_hmgcr_on_ivig_is_told_to_add_rituximab(kb, today):
    result = run(kb, on_ivig(refractory(today), -100).request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "info" and len(card["summary"]) < 140
    assert "**add rituximab** (the ENMC next step for anti-HMGCR" in card["detail"]
    assert "IVIG: 4 cycle(s)" in card["detail"] and "tacrolimus" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is True and facts["rituximab_tried"] is False and facts["subtype"] == "HMGCR"


def test_srp_on_rituximab_is_told_to_add_ivig(kb, today):
    card = _card(kb, today, rituximab(refractory(today, hmgcr="negative", srp="positive"), -150))
    assert "**add IVIG** (the next step for anti-SRP" in card["detail"]
    assert "Rituximab: first dose" in card["detail"]


def test_seronegative_wording(kb, today):
    card = _card(kb, today, on_ivig(refractory(today, hmgcr="negative"), -100))
    assert "seronegative; ENMC gives no subtype-specific advice: escalate by severity" in card["detail"]
    assert "**add rituximab** (the other second-line agent)" in card["detail"]


def test_both_tried_offers_tacrolimus_monitoring(kb, today):
    card = _card(kb, today, rituximab(on_ivig(refractory(today, hmgcr="negative"), -200), -160))
    assert "IVIG and rituximab have both been tried" in card["detail"]
    assert "target 5-10 ng/mL" in card["detail"]
    labels = [s["label"] for s in card["suggestions"]]
    assert any(label.startswith("Tacrolimus monitoring") for label in labels)


def test_referral_and_coded_thigh_mri(kb, today):
    card = _card(kb, today, on_ivig(refractory(today), -100))
    referral = card["suggestions"][0]["actions"][0]["resource"]
    assert referral["resourceType"] == "ServiceRequest" and "myositis centre" in referral["code"]["text"]
    mri = card["suggestions"][1]["actions"][0]["resource"]
    assert mri["code"]["coding"][0] == {"system": "http://loinc.org", "code": "26235-2",
                                        "display": "MR Thigh - bilateral"}
    assert not any(s["label"].startswith("Tacrolimus") for s in card["suggestions"])


def test_recent_thigh_mri_is_not_suggested_again(kb, today):
    chart = on_ivig(refractory(today), -100).procedure(MRI_THIGHS, day=-40)
    card = _card(kb, today, chart)
    assert not any(s["label"].startswith("MRI") for s in card["suggestions"])
    assert "Recent thigh MRI on file" in card["detail"]


def test_three_cycles_are_needed_even_after_90_days(kb, today):
    chart = refractory(today)
    chart.immunization(IVIG_CVX, day=-100).immunization(IVIG_CVX, day=-50)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    chart.immunization(IVIG_CVX, day=-2)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))


def test_stale_ck_is_not_evaluable(kb, today):
    entry = explained(run(kb, on_ivig(refractory(today, ck_day=-31), -100).request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "a current CK is needed" in entry["reason"]


def test_rituximab_older_than_a_year_is_not_current_therapy(kb, today):
    result = run(kb, rituximab(refractory(today, hmgcr="negative", srp="positive"), -400).request("patient-view"),
                 today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["facts"]["rituximab_tried"] is False


def test_rituximab_counts_as_tried_while_the_shared_anti_cd20_definition_says_it_is_in_use(kb, today):
    """R17's 'last rituximab within 12 months' is the window in which R16 does not advise rituximab again (the
    anti_cd20_in_use_days definition): one site value moves both, so no patient is both refractory to rituximab and
    due to start it. A site may lengthen it (not shorten it: tests/test_parameters.py)."""
    chart = rituximab(refractory(today, hmgcr="negative", srp="positive"), -394)  # last dose D-380
    assert explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]["rituximab_tried"] is False
    site = with_params(kb, "definitions", anti_cd20_in_use_days=400)
    result = run(site, chart.request("patient-view"), today)
    assert RULE in fired(result) and explained(result, RULE)["facts"]["rituximab_tried"] is True


def test_the_quiet_reason_gives_the_sites_values(kb, today):
    """The reason said ">= 3 cycles over >= 90 days" and "within 12 months" whatever the site set."""
    chart = rituximab(refractory(today, hmgcr="negative", srp="positive"), -100)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["reason"] == ("neither IVIG (>= 3 cycles over >= 90 days in the current course, still in use) nor "
                               "rituximab (first dose >= 120 days ago, last within 365 days) on file")
    site = with_params(with_params(kb, "definitions", anti_cd20_in_use_days=400), RULE, min_ivig_cycles=4,
                       min_ivig_days=120, min_rituximab_days=150)
    assert explained(run(site, chart.request("patient-view"), today), RULE)["reason"] == (
        "neither IVIG (>= 4 cycles over >= 120 days in the current course, still in use) nor rituximab (first dose "
        ">= 150 days ago, last within 400 days) on file")


def test_without_ttx_only_the_three_times_uln_criterion_can_be_judged(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-300)
    chart.antibody("anti_hmgcr", "positive", day=-290)
    chart.ck(700, day=-3)
    on_ivig(chart, -100)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result) and "above 3 x ULN" in explained(result, RULE)["facts"]["response"]
    chart = Chart(today).condition(IMNM_SNOMED, onset=-300)
    chart.antibody("anti_hmgcr", "positive", day=-290)
    chart.ck(600, day=-3)  # 3 x ULN, not above: only the fall from the peak could tell, and there is no T_tx
    on_ivig(chart, -100)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "no peak CK: no T_tx to find it by" in entry["reason"]


def test_an_uncertain_t_tx_anchors_no_peak_ck(kb, today):
    chart = on_ivig(refractory(today, latest_ck=600), -100).without_observations("29463-7")
    chart.medication(PREDNISONE_20, 25, "mg", start=-320, end=-301, status="completed")  # T_tx if <= 50 kg
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["facts"]["t_tx"] is None and "50 kg or less" in entry["facts"]["t_tx_unknown"]
    assert entry["status"] == "not-evaluable"
    assert "(no peak CK: T_tx unknown: prednisone 20 MG Oral Tablet 25 mg/day PEQ" in entry["reason"]


def test_unavailable_immunizations_make_ivig_cycles_unknown(kb, today):
    request = on_ivig(refractory(today), -100).request("patient-view")
    del request["prefetch"]["immunizations"]
    entry = explained(run(kb, request, today, unavailable=["immunizations"]), RULE)
    assert entry["status"] == "not-evaluable" and "immunizations" in entry["reason"]


def test_cycles_of_an_earlier_course_do_not_count(kb, today):
    """Four cycles that ended two years ago and two of a course restarted on D-30 were counted as six cycles over
    900 days, so the card called IVIG tried (found by review). ">= 3 cycles over >= 90 days" is the current
    course's."""
    result = run(kb, on_ivig(earlier_ivig_course(refractory(today)), -30).request("patient-view"), today)
    assert RULE not in fired(result)
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is False
    assert facts["ivig"].startswith("IVIG: 2 cycle(s) since 2026-10-22 (30 days)")
    assert "(not counted: 4 earlier cycle(s), 2024-06-04 to 2024-08-27, before a break of more than 180 days)" in (
        facts["ivig"])


def test_a_current_course_long_enough_counts_whatever_came_before(kb, today):
    card = _card(kb, today, on_ivig(earlier_ivig_course(refractory(today)), -100))
    assert "IVIG: 4 cycle(s) since 2026-08-13 (100 days)" in card["detail"] and "not counted: 4" in card["detail"]


@pytest.mark.parametrize(("first", "fires"), [(-361, True), (-362, False)])
def test_a_break_of_more_than_180_days_starts_a_new_course(kb, today, first, fires):
    chart = refractory(today)
    for day in (first, -181, -1):
        chart.immunization(IVIG_CVX, day=day)
    assert (RULE in fired(run(kb, chart.request("patient-view"), today))) is fires


@pytest.mark.parametrize(("every_weeks", "cycles"), [(9, 5), (10, 5), (12, 4)])
def test_maintenance_ivig_spaced_out_is_one_course(kb, today, every_weeks, cycles):
    """Active IVIG given every 9 or 10 weeks since D-290 was split at each break of more than ivig_recent_days
    (60 d) into one-cycle courses, so a refractory patient got neither R17 nor R15 (IVIG recent) (found by review).
    Maintenance intervals (8-12 weeks) are far below the break that ends a course."""
    result = run(kb, on_ivig(refractory(today), -290, every_weeks=every_weeks).request("patient-view"), today)
    assert RULE in fired(result)
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is True
    assert facts["ivig"] == (f"IVIG: {cycles} cycle(s) since 2026-02-04 (290 days), last ongoing (active order)")


def test_the_break_that_ends_a_course_is_a_site_parameter(kb, today):
    """Cycles 180 days apart are one course by default; a site that sets ivig_course_break_days to 120 splits them."""
    chart = refractory(today)
    for day in (-361, -181, -1):
        chart.immunization(IVIG_CVX, day=day)
    assert RULE in fired(run(kb, chart.request("patient-view"), today))
    site = with_params(kb, "definitions", ivig_course_break_days=120)
    result = run(site, chart.request("patient-view"), today)
    assert RULE not in fired(result)
    assert "(not counted: 2 earlier cycle(s), 2025-11-25 to 2026-05-24, before a break of more than 120 days)" in (
        explained(result, RULE)["facts"]["ivig"])


def test_maintenance_ivig_between_cycles_is_ivig_tried(kb, today):
    """IVIG every 12 weeks, one completed order per cycle, the last 70 days ago: R17 read the IVIG as stopped (last
    given more than 60 days ago) and went quiet for a refractory patient. The next cycle is due in 14 days."""
    result = run(kb, refractory(today).maintenance_ivig(-70).request("patient-view"), today)
    card = fired(result)[RULE]
    assert "**add rituximab**" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is True
    assert facts["ivig"] == ("IVIG: 5 cycle(s) since 2026-01-03 (322 days), last 2026-09-13, next cycle due "
                             "2026-12-05 (every 84 days)")


@pytest.mark.parametrize(("last_cycle", "fires"), [(-91, True), (-92, False)])
def test_maintenance_ivig_overdue_by_more_than_the_grace_has_stopped(kb, today, last_cycle, fires):
    """The next 12-weekly cycle 7 days overdue is late (still on IVIG); 8 days overdue, IVIG has stopped."""
    result = run(kb, refractory(today).maintenance_ivig(last_cycle).request("patient-view"), today)
    assert (RULE in fired(result)) is fires
    assert explained(result, RULE)["facts"]["ivig_tried"] is fires


def test_the_last_rituximab_dose_counts_an_order_with_no_start_date(kb, today):
    """A completed rituximab order with an end date 100 days ago and no start: R17 read its rituximab from orders
    with a start date only, so it said nothing of it, or gave an older course's last dose (D-380) as the last. The
    last dose is R16's; 'first dose' still needs a start date, so the order does not make rituximab tried."""
    chart = refractory(today, hmgcr="negative", srp="positive").medication(
        RITUXIMAB, 1000, "mg", start=None, end=-100, status="completed", route=ROUTE_IV)
    facts = explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]
    assert facts["rituximab"] == f"rituximab: no first dose date on file, last dose {chart.at(-100)}"
    assert facts["rituximab_tried"] is False
    rituximab(chart, -394)
    facts = explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]
    assert facts["rituximab"] == f"rituximab: first dose {chart.at(-394)}, last dose {chart.at(-100)}"


def test_a_ck_above_the_analysers_range_is_read_and_shown_as_written(kb, today):
    card = _card(kb, today, on_ivig(refractory(today), -100).observation(CK, -1, value_string=">20,000 U/L"))
    assert card["summary"].startswith("Refractory IMNM: CK >20,000 U/L despite IVIG")


def test_a_planned_pulse_anchors_no_pre_treatment_peak(kb, today):
    """Anti-HMGCR on prednisone 15 mg/day at 70 kg (not T_tx), methotrexate and 4-weekly IVIG from D-100, CK 800 at
    D-60 and 550 at D-6, and a pulse current on the chart from tomorrow (courses.planned). R17 took the pulse as T_tx
    and the 800 as the pre-treatment peak (a fall of only 31%), and fired; no dose of the pulse is given yet, so there
    is no T_tx to find a peak by, as for the same chart without the pulse, and R17 says the pulse is planned."""
    def chart(pulse: bool) -> Chart:
        c = Chart(today, age=55).condition(IMNM_SNOMED, onset=-330).antibody("anti_hmgcr", "positive", day=-320)
        c.weight(70, day=-10).ck(800, day=-60).ck(550, day=-6)
        c.medication(PREDNISONE_20, 15, "mg", start=-240)
        c.medication(METHOTREXATE_2_5, 20, "mg", start=-280, period=1, period_unit="wk")
        on_ivig(c, -100)
        return c.medication(METHYLPRED_1000, 1000, "mg", start=1, end=3, route=ROUTE_IV) if pulse else c
    with_pulse = chart(pulse=True)
    tomorrow = with_pulse.at(1)
    entry = explained(run(kb, with_pulse.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and entry["facts"]["t_tx"] is None
    assert entry["reason"].endswith(f"(no peak CK: T_tx not reached, IV methylprednisolone from {tomorrow} is "
                                    "planned)")
    assert explained(run(kb, chart(pulse=False).request("patient-view"), today), RULE)["status"] == "not-evaluable"


@pytest.mark.parametrize(("first_course", "tried"), [(-400, True), (-600, False)])
def test_r17_a_rituximab_re_dose_while_the_last_still_acts_continues_the_treatment(kb, today, first_course, tried):
    """Rituximab 1 g x2 from D-400, re-dosed from D-100: the treatment began at D-400 (the re-dose came 286 days
    after the last dose, within anti_cd20_in_use_days), so rituximab has been tried; R17 read its first dose as
    D-100 (the first course's last dose being over a year old) and, R16 quiet too, the patient got no card. After a
    break longer than that (first course from D-600) the re-dose starts a new treatment, 100 days old."""
    chart = rituximab(rituximab(refractory(today, hmgcr="negative", srp="positive"), first_course), -100)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["facts"]["rituximab_tried"] is tried
    assert (entry["status"] == "fired") is tried


def _suggestion(card, label_start):
    return next((s for s in card["suggestions"] if s["label"].startswith(label_start)), None)


def test_ivig_being_given_after_rituximab_is_in_progress_not_added(kb, today):
    """Anti-SRP, rituximab from D-150, IVIG from D-30 (2 cycles): the card said "add IVIG" (found by review). IVIG
    given but not yet for the spec's adequate trial (>= 3 cycles over >= 90 days) is in progress: the card names it,
    since when and when its trial will be adequate, and escalates no further until then."""
    chart = on_ivig(rituximab(refractory(today, hmgcr="negative", srp="positive"), -150), -30)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["summary"] == ("Refractory IMNM: CK 2,600 U/L despite rituximab; IVIG in progress: give it an "
                               "adequate trial")
    assert "add IVIG" not in card["detail"]
    assert (f"IVIG is in progress: 2 cycle(s) since {chart.at(-30)} (30 days); its trial is adequate (>= 3 cycles "
            f"over >= 90 days) from {chart.at(60)} and after 1 more cycle(s). Continue it") in card["detail"]
    assert ("Then, if still refractory after its adequate trial, consider **tacrolimus** (trough 5-10 ng/mL) or "
            "**cyclophosphamide**, and refer to a myositis centre.") in card["detail"]
    assert _suggestion(card, "Tacrolimus") is None
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is False and facts["ivig_in_progress"].startswith("IVIG is in progress")


def test_rituximab_being_given_after_ivig_is_in_progress_not_added(kb, today):
    """Anti-HMGCR on IVIG for 100 days, rituximab first given on D-20: the card said "add rituximab" (found by
    review). Its trial is adequate 120 days after the first dose."""
    chart = rituximab(on_ivig(refractory(today), -100), -20)
    card = _card(kb, today, chart)
    assert card["summary"].endswith("despite IVIG; rituximab in progress: give it an adequate trial")
    assert "add rituximab" not in card["detail"]
    assert (f"Rituximab is in progress: first dose {chart.at(-20)} (20 days ago); its trial is adequate (first dose "
            f">= 120 days ago) from {chart.at(100)}. Continue it") in card["detail"]


def test_rituximab_being_given_with_no_first_dose_date_is_not_added_again(kb, today):
    chart = on_ivig(refractory(today), -100).medication(RITUXIMAB, 1000, "mg", start=None, end=-20,
                                                        status="completed", route=ROUTE_IV)
    card = _card(kb, today, chart)
    assert "add rituximab" not in card["detail"]
    assert (f"Rituximab is being given (last dose {chart.at(-20)}) with no first dose date on file: when its trial "
            "is adequate cannot be told.") in card["detail"]


def test_tacrolimus_being_given_after_both_is_in_progress_with_monitoring_on_the_current_dose(kb, today):
    """IVIG and rituximab tried, tacrolimus for 60 days: the card said "consider tacrolimus" and ordered a trough
    "1-2 weeks after start" (found by review). Tacrolimus is the next line in progress (the spec sets it no trial
    length): the card says since when, names the step after it, and orders its trough on the current dose."""
    chart = rituximab(on_ivig(refractory(today, hmgcr="negative"), -200), -160)
    chart.medication(TACROLIMUS_1, 2, "mg", start=-60, frequency=2)
    card = _card(kb, today, chart)
    assert card["summary"].endswith("despite IVIG and rituximab; tacrolimus in progress: review with a myositis centre")
    assert "consider **tacrolimus**" not in card["detail"]
    assert (f"the next line is ordered: **tacrolimus** since {chart.at(-60)} (60 days). No adequate-trial length is "
            "set for it here") in card["detail"]
    assert "Then, if still refractory, consider **cyclophosphamide**, and refer to a myositis centre." in card["detail"]
    assert f"Tacrolimus is being given since {chart.at(-60)} (60 days): trough level on the current dose" in (
        card["detail"])
    monitoring = _suggestion(card, "Tacrolimus monitoring")
    assert monitoring["label"] == "Tacrolimus monitoring (trough, BMP, Mg, glucose, BP)"
    trough = monitoring["actions"][0]
    assert trough["description"] == "Tacrolimus trough level on the current dose"
    assert trough["resource"]["resourceType"] == "ServiceRequest"
    assert trough["resource"]["code"]["coding"][0]["code"] == "11253-2"
    assert "after start" not in trough["resource"]["code"]["text"]


def test_tacrolimus_ordered_to_start_later_keeps_the_trough_after_its_start(kb, today):
    chart = rituximab(on_ivig(refractory(today, hmgcr="negative"), -200), -160)
    chart.medication(TACROLIMUS_1, 2, "mg", start=5, frequency=2)
    card = _card(kb, today, chart)
    assert card["summary"].endswith("tacrolimus planned: review with a myositis centre")
    assert f"**tacrolimus** planned from {chart.at(5)}" in card["detail"]
    trough = _suggestion(card, "Tacrolimus monitoring")["actions"][0]["resource"]["code"]["text"]
    assert trough == "Tacrolimus trough level 1-2 weeks after start (target 5-10 ng/mL)"


def test_cyclophosphamide_being_given_after_both_is_in_progress(kb, today):
    """Cyclophosphamide under way: tacrolimus is the step after it, so its monitoring is not ordered yet."""
    chart = rituximab(on_ivig(refractory(today, hmgcr="negative"), -200), -160)
    chart.medication(CYCLOPHOSPHAMIDE_50, 100, "mg", start=-30)
    card = _card(kb, today, chart)
    assert f"**cyclophosphamide** since {chart.at(-30)} (30 days)" in card["detail"]
    assert "Then, if still refractory, consider **tacrolimus** (trough 5-10 ng/mL), and refer" in card["detail"]
    assert _suggestion(card, "Tacrolimus") is None


def test_tacrolimus_already_given_is_not_the_step_after_the_next(kb, today):
    """IVIG tried, no rituximab, tacrolimus for 60 days: add rituximab; then cyclophosphamide, not tacrolimus."""
    chart = on_ivig(refractory(today), -100).medication(TACROLIMUS_1, 2, "mg", start=-60, frequency=2)
    card = _card(kb, today, chart)
    assert "**add rituximab**" in card["detail"]
    assert "Then, if still refractory, consider **cyclophosphamide**, and refer" in card["detail"]
    assert _suggestion(card, "Tacrolimus monitoring (trough, BMP")


def test_tacrolimus_ointment_is_not_tacrolimus_therapy(kb, today):
    chart = on_ivig(refractory(today), -100).medication("tacrolimus 0.1 % Topical Ointment", None, None, start=-60)
    card = _card(kb, today, chart)
    assert _suggestion(card, "Tacrolimus") is None and "Tacrolimus is being given" not in card["detail"]


def _ivig_course(chart, start, end, status="completed"):
    """IVIG every 4 weeks from ``start`` to ``end``, one order."""
    return chart.medication(IVIG_CVX, 2, "g/kg", start=start, end=end, status=status, period=4, period_unit="wk",
                            route=ROUTE_IV)


def _srp_on_rituximab(today):
    return rituximab(refractory(today, hmgcr="negative", srp="positive"), -150)


def test_ivig_given_for_an_adequate_trial_earlier_in_this_episode_is_tried_not_added(kb, today):
    """Anti-SRP on rituximab from D-150; IVIG every 4 weeks from D-280 to D-168 (5 cycles over 112 days), completed:
    the card said "add IVIG" (found by review). IVIG was tried in this episode: the card says when and how long,
    moves to the next line, and names resuming IVIG as the alternative without judging whether it helped."""
    chart = _ivig_course(_srp_on_rituximab(today), -280, -168)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert card["summary"] == ("Refractory IMNM: CK 2,600 U/L despite rituximab and earlier IVIG; consider the next "
                               "line and a myositis centre")
    assert "add IVIG" not in card["detail"]
    assert (f"**Refractory IMNM.** IVIG: 5 cycle(s) from {chart.at(-280)} to {chart.at(-168)} (112 days), last given "
            f"{chart.at(-168)} (168 days ago), none since; rituximab: first dose") in card["detail"]
    assert ("IVIG and rituximab have both been tried: consider **tacrolimus** (trough 5-10 ng/mL) or "
            "**cyclophosphamide**, with a myositis centre. IVIG is no longer given: if the disease had responded to "
            "it, resuming it is the alternative.") in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried"] is False and facts["ivig_tried_before"] is True


def test_ivig_given_before_this_episode_is_not_counted(kb, today):
    """The same course two years before this episode's onset (D-330) belongs to another illness: add IVIG."""
    chart = _ivig_course(_srp_on_rituximab(today), -900, -788)
    result = run(kb, chart.request("patient-view"), today)
    assert "**add IVIG**" in fired(result)[RULE]["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_tried_before"] is False and facts["ivig_stopped_short"] is None
    assert facts["episode_start"] == chart.at(-330)


def test_ivig_stopped_short_of_an_adequate_trial_is_left_to_the_clinician(kb, today):
    """One IVIG cycle on D-100, none since: neither tried (the card does not call the disease refractory to it) nor
    to add as if never given: the card says what was given and leaves giving it again to the clinician."""
    chart = _srp_on_rituximab(today).ivig_cycles((-100, 1, 2))
    card = _card(kb, today, chart)
    assert card["summary"].endswith("despite rituximab; IVIG stopped short of an adequate trial: give it again or "
                                    "go on")
    assert "add IVIG" not in card["detail"] and "both been tried" not in card["detail"]
    assert (f"IVIG was stopped short of an adequate trial (>= 3 cycles over >= 90 days): 1 cycle on {chart.at(-100)}, "
            f"last given {chart.at(-99)} (99 days ago), none since. The disease is not called refractory to it: "
            "whether to give it again for an adequate trial or to go on to the next line is the clinician's "
            "decision.") in card["detail"]
    assert ("Then, if IVIG is not given again, or the disease is still refractory after its adequate trial, consider "
            "**tacrolimus**") in card["detail"]


def test_ivig_its_order_stopped_after_one_cycle_is_not_in_progress(kb, today):
    """IVIG every 4 weeks from D-20, the order stopped after its first cycle: still 'on IVIG' by the 60-day window,
    the card said "IVIG is in progress ... Continue it". Stopped short of an adequate trial, with the stop as the
    chart gives it."""
    chart = _ivig_course(_srp_on_rituximab(today), -20, 60, status="stopped")
    card = _card(kb, today, chart)
    assert "Continue it" not in card["detail"] and "in progress" not in card["summary"]
    assert (f"1 cycle on {chart.at(-20)}, stopped before its end date {chart.at(60)}, on a day the chart does not "
            "give. The disease is not called refractory to it") in card["detail"]


def test_rituximab_stopped_after_its_first_dose_is_not_in_progress(kb, today):
    """Anti-HMGCR on IVIG; rituximab 1 g x2 ordered from D-30, the order stopped (an infusion reaction): the card said
    "rituximab is in progress ... Continue it". The spec times rituximab's trial from the first dose only, so the
    card says when that would count as adequate, and leaves giving it again or going on to the clinician."""
    chart = on_ivig(refractory(today), -100).medication(RITUXIMAB, 1000, "mg", start=-30, end=-16, status="stopped",
                                                        period=14, route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert "Continue it" not in card["detail"] and "add rituximab" not in card["detail"]
    assert (f"Rituximab was stopped before an adequate trial: first dose {chart.at(-30)} (30 days ago), last dose "
            f"{chart.at(-16)}, stopped before all its doses were given; as the spec counts its trial (first dose >= "
            f"120 days ago), it is adequate from {chart.at(90)}.") in card["detail"]
    assert explained(result, RULE)["facts"]["rituximab_in_progress"] is None


@pytest.mark.parametrize(("onset", "tried_before"), [(-800, True), (-330, False)])
def test_rituximab_worn_off_counts_as_tried_only_within_this_episode(kb, today, onset, tried_before):
    """Anti-SRP on IVIG for 100 days, rituximab 1 g x2 from D-600 (no longer in use): tried in an episode that began
    at D-800 (repeating it named as the alternative); given before an episode that began at D-330, it is not."""
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=onset)
    chart.antibody("anti_hmgcr", "negative", day=onset + 10).antibody("anti_srp", "positive", day=onset + 10)
    chart.ck(9500, day=onset + 28).ck(2600, day=-6).weight(70, day=-10)
    chart.medication(PREDNISONE_20, 60, "mg", start=onset + 30)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=onset + 50, period=1, period_unit="wk")
    rituximab(on_ivig(chart, -100), -600)
    result = run(kb, chart.request("patient-view"), today)
    detail = fired(result)[RULE]["detail"]
    assert explained(result, RULE)["facts"]["rituximab_tried_before"] is tried_before
    assert ("**add rituximab**" in detail) is not tried_before
    assert ("Rituximab is no longer given: if the disease had responded to it, repeating it is the alternative."
            in detail) is tried_before


def test_a_third_line_agent_given_earlier_in_this_episode_is_not_suggested_next(kb, today):
    """IVIG and rituximab tried; tacrolimus given from D-250 to D-170: the card offered tacrolimus and its monitoring
    as the next step (found by review). It names cyclophosphamide, and tacrolimus as already given."""
    chart = rituximab(on_ivig(refractory(today, hmgcr="negative"), -200), -160)
    chart.medication(TACROLIMUS_1, 2, "mg", start=-250, end=-170, status="completed", frequency=2)
    card = _card(kb, today, chart)
    assert ("IVIG and rituximab have both been tried: consider **cyclophosphamide**, with a myositis centre. Already "
            f"given in this episode: **tacrolimus** ({chart.at(-250)} to {chart.at(-170)}).") in card["detail"]
    assert _suggestion(card, "Tacrolimus") is None


@pytest.mark.parametrize(("given", "then"), [
    ((-150, -60), "consider **tacrolimus** (trough 5-10 ng/mL), and refer to a myositis centre. Already given in this "
                  "episode: **cyclophosphamide**"),
    ((-950, -860), "consider **tacrolimus** (trough 5-10 ng/mL) or **cyclophosphamide**, and refer")])
def test_the_step_after_the_next_leaves_out_a_third_line_agent_given_in_this_episode(kb, today, given, then):
    """Anti-HMGCR on IVIG, cyclophosphamide from D-150 to D-60: 'then' named it again; one given before this
    episode (from D-950) is still named."""
    chart = on_ivig(refractory(today), -100)
    chart.medication(CYCLOPHOSPHAMIDE_50, 100, "mg", start=given[0], end=given[1], status="completed")
    card = _card(kb, today, chart)
    assert "**add rituximab**" in card["detail"] and f"Then, if still refractory, {then}" in card["detail"]


def test_a_ck_that_responded_on_ivig_and_rises_once_it_is_spaced_out_is_not_refractory(kb, today):
    """Review 423 (s3): seronegative, CK 5,200 -> 250 on 4-weekly IVIG, rising since IVIG was spaced to 8 weeks and
    prednisone lowered. R17 said "Refractory IMNM ... add rituximab" and pre-selected the referral beside R21's
    relapse card: the CK did respond; restoring what was reduced comes first."""
    result = run(kb, re_treated_flare_chart(today, 650).request("patient-view"), today)
    cards = fired(result)
    card = cards[RULE]
    assert "imnm-possible-relapse-on-taper" in cards
    assert card["summary"] == "Possible IMNM relapse, not refractory: CK 650 U/L rising again on taper; see R21"
    assert card["detail"].startswith("**A possible relapse 730 days after treatment start, not refractory disease: "
                                     "the relapse card (R21) comes first.** If the relapse is confirmed, restore what "
                                     "was reduced first: only a disease still active then is refractory.")
    assert "**The CK had responded: it came down to 250 U/L on" in card["detail"]
    assert "IVIG cycles every 8 weeks instead of every 4 weeks on" in card["detail"]
    assert "**Next step if it stays active once what was reduced is restored (seronegative" in card["detail"]
    assert "Refractory IMNM" not in card["detail"] and "has not responded" not in card["detail"]
    assert not any(s["isRecommended"] for s in card["suggestions"])
    assert explained(result, RULE)["facts"]["responded_to_nadir"].startswith("250 U/L")


def test_a_flare_re_treated_on_ivig_that_never_settled_is_refractory_not_a_relapse(kb, today):
    """Review 424 item 2 (f1, seronegative, IVIG x6): the flare to 5,200 came down only to 900 on 4-weekly IVIG,
    then 1,500 once IVIG was spaced: R17 said "Possible IMNM relapse, not refractory" from the remission's 150."""
    result = run(kb, re_treated_flare_chart(today, 1500, NEVER_SETTLED).request("patient-view"), today)
    cards = fired(result)
    card = cards[RULE]
    assert "imnm-possible-relapse-on-taper" not in cards
    assert card["summary"] == "Refractory IMNM: CK 1,500 U/L despite IVIG; consider the next line and a myositis centre"
    assert "not refractory" not in card["detail"] and "had responded" not in card["detail"]
    assert "CK has not responded: latest CK 1,500 U/L on" in card["detail"]
    assert explained(result, RULE)["facts"]["responded_to_nadir"] is None
