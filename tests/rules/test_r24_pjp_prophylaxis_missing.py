"""R24 pjp-prophylaxis-missing: exposure edges, what counts as prophylaxis, risk wording and suggested orders."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from fhir_fixtures.builders import (
    EGFR,
    IBM_ICD,
    IMNM_SNOMED,
    LYMPHOCYTES,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    ROUTE_ORAL,
    RXNORM,
    SNOMED,
    TMP_SMX_DS,
    TMP_SMX_SS,
    UCUM,
    Chart,
)
from fhir_fixtures.r10_mtx_start_prerequisites import CREATININE
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA
from hooks import suppression
from tests.conftest import UNREADABLE_PREDNISONE_DOSES, explained, fired, make_dose_unreadable, run, with_params

RULE = "pjp-prophylaxis-missing"


def _chart(today, dose=40, start=-35, unit="mg", age=52, weight=True, imnm=True):
    """Prednisone from ``start``; IMNM (with no steroid-sparing agent: R05's methotrexate, whose CBC this card orders
    beside its TMP/SMX) unless ``imnm`` is off."""
    chart = Chart(today, age=age)
    if imnm:
        chart.condition(IMNM_SNOMED, onset=-60)
    if weight:
        chart.weight(70, day=-3)
    chart.medication(PREDNISONE_20, dose, unit, start=start)
    return chart


def _card(kb, chart, today):
    return fired(run(kb, chart.request("patient-view"), today)).get(RULE)


def test_threshold_edges_dose_and_days(kb, today):
    assert _card(kb, _chart(today, dose=20, start=-27), today) is not None  # 28 days at exactly 20 mg
    assert _card(kb, _chart(today, dose=20, start=-26), today) is None  # 27 days
    assert _card(kb, _chart(today, dose=19.5, start=-100), today) is None  # below 20 mg/day


def test_facts_on_quiet_and_fired(kb, today):
    quiet = explained(run(kb, _chart(today, start=-26).request("patient-view"), today), RULE)
    assert quiet["status"] == "not-fired"
    assert quiet["facts"]["consecutive_days_at_or_above_threshold"] == 27
    fired_entry = explained(run(kb, _chart(today, start=-40).request("patient-view"), today), RULE)
    assert fired_entry["facts"]["consecutive_days_at_or_above_threshold"] == 41
    assert fired_entry["facts"]["peq_today_mg"] == 40


@pytest.mark.parametrize(("renewal", "days"), [(-19, 71), (-13, 71), (-12, 13)])
def test_a_renewal_up_to_a_week_late_does_not_restart_the_count(kb, today, renewal, days):
    """Forty days on 40 mg/day, then the renewal 1, 7 or 8 days after the first order ended: a gap of a week or
    less is a late refill (its days count, and the card says so); a longer one restarts the count."""
    chart = _chart(today, start=renewal).medication(PREDNISONE_20, 40, "mg", start=-70, end=-21, status="completed")
    result = run(kb, chart.request("patient-view"), today)
    entry, card = explained(result, RULE), fired(result).get(RULE)
    assert entry["facts"]["consecutive_days_at_or_above_threshold"] == days
    bridged = days > 28
    assert (card is not None) is bridged
    gap = f"{chart.at(-20)} to {chart.at(renewal - 1)}" if renewal - 1 > -20 else chart.at(-20)
    assert entry["facts"]["gaps_counted"] == (gap if bridged else None)
    if bridged:
        assert f"; a short gap on {gap} is counted as a late refill" in card["detail"]
        assert entry["facts"]["exposure_since"] == chart.at(-70)


def test_methylprednisolone_counts_in_prednisone_equivalents(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-60)
    chart.medication((RXNORM, "6902", "methylprednisolone"), 16, "mg", start=-30)  # 16 mg MP = 20 mg PEQ
    card = _card(kb, chart, today)
    assert card is not None and "20 mg/day" in card["summary"]


def test_course_that_ended_yesterday_is_not_current_exposure(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-90)
    chart.medication(PREDNISONE_20, 40, "mg", start=-80, end=-1, status="completed")
    assert _card(kb, chart, today) is None


def _for_28_days(chart, code, dose, unit, start, how):
    """A completed order whose 28 days are written as a duration (boundsDuration, or a 28-day supply), not as an
    end date."""
    resource = chart.medication_request(code, dose, unit, start=start, status="completed")
    days = {"value": 28, "unit": "days", "system": UCUM, "code": "d"}
    if how == "boundsDuration":
        repeat = resource["dosageInstruction"][0]["timing"]["repeat"]
        repeat.pop("boundsPeriod")
        repeat["boundsDuration"] = days
    else:
        resource["dispenseRequest"] = {"expectedSupplyDuration": days}
    chart.resources["medications"].append(resource)
    return chart


@pytest.mark.parametrize("how", ["boundsDuration", "expectedSupplyDuration"])
def test_a_course_of_28_days_counts_28_days_up_to_its_last_day(kb, today, how):
    """An older note read a course that ended yesterday as lasting 0 days (an off-by-one in counting a duration). A
    course of 28 days counts 28 days to its last: started D-27 it reaches today, 28 days of exposure; started D-28 it
    ended yesterday, no exposure today (as with an end date of yesterday, above); prophylaxis that ended yesterday is
    on file."""
    condition = Chart(today).condition(IMNM_SNOMED, onset=-90)
    ends_today = _for_28_days(copy.deepcopy(condition), PREDNISONE_20, 40, "mg", -27, how)
    entry = explained(run(kb, ends_today.request("patient-view"), today), RULE)
    assert entry["status"] == "fired" and entry["facts"]["consecutive_days_at_or_above_threshold"] == 28
    ended = _for_28_days(copy.deepcopy(condition), PREDNISONE_20, 40, "mg", -28, how)
    assert explained(run(kb, ended.request("patient-view"), today), RULE)["facts"][
        "consecutive_days_at_or_above_threshold"] == 0
    prophylaxis = _for_28_days(_chart(today), TMP_SMX_SS, 1, "{tbl}", -28, how)
    assert _card(kb, prophylaxis, today) is None


def test_trimethoprim_alone_is_not_pjp_prophylaxis(kb, today):
    chart = _chart(today).medication((RXNORM, "198332", "trimethoprim 100 MG Oral Tablet"), 100, "mg", start=-10)
    assert _card(kb, chart, today) is not None
    chart = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-10)
    assert _card(kb, chart, today) is None


def test_recently_stopped_alternative_counts_within_four_weeks(kb, today):
    recent = _chart(today).medication("atovaquone 750 mg/5 mL suspension", 1500, "mg", start=-60, end=-20,
                                      status="stopped")
    assert _card(kb, recent, today) is None
    old = _chart(today).medication("atovaquone 750 mg/5 mL suspension", 1500, "mg", start=-90, end=-40,
                                   status="stopped")
    assert _card(kb, old, today) is not None


def test_unreadable_mg_per_kg_course_without_weight_is_not_evaluable(kb, today):
    chart = _chart(today, dose=0.5, unit="mg/kg", weight=False)
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable"
    assert "prednisone 20 MG Oral Tablet" in entry["facts"]["unreadable_glucocorticoid_courses"]
    assert "could change the answer" in entry["facts"]["note"]
    # With a current weight, 0.5 mg/kg x 70 kg = 35 mg/day: fires.
    assert _card(kb, _chart(today, dose=0.5, unit="mg/kg"), today) is not None


def test_plain_card_has_no_higher_risk_and_no_cbc(kb, today):
    card = _card(kb, _chart(today, imnm=False), today)
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Start PJP prophylaxis: PEQ 40 mg/day for 36 days")
    assert "Higher risk" not in card["detail"] and "Methotrexate is active" not in card["detail"]
    first = card["suggestions"][0]
    assert first["isRecommended"] and len(first["actions"]) == 1


def test_lymphocyte_edge_and_units(kb, today):
    at = _chart(today).lab(LYMPHOCYTES, 800, "/uL", day=-5)
    assert "Higher risk" not in _card(kb, at, today)["detail"]
    below = _chart(today).lab(LYMPHOCYTES, 0.79, "10*9/L", day=-5)
    card = _card(kb, below, today)
    assert "lymphocytes 790/uL" in card["detail"] and card["summary"].startswith("High PJP risk")
    stale = _chart(today).lab(LYMPHOCYTES, 0.3, "10*9/L", day=-120)
    assert "Higher risk" not in _card(kb, stale, today)["detail"]


def test_iv_pulse_and_rituximab_windows(kb, today):
    pulse = _chart(today).medication(METHYLPRED_1000, 1000, "mg", start=-34, end=-32, route=ROUTE_IV,
                                      status="completed")
    result = run(kb, pulse.request("patient-view"), today)
    assert explained(result, RULE)["facts"]["iv_pulse_within_window"] == "methylprednisolone 1000 MG Injection"
    recent = _chart(today).medication(RITUXIMAB, 1000, "mg", start=-200, end=-186, status="completed")
    assert "rituximab" in _card(kb, recent, today)["detail"]
    old = _chart(today).medication(RITUXIMAB, 1000, "mg", start=-420, end=-400, status="completed")
    assert "Higher risk" not in _card(kb, old, today)["detail"]


def test_a_planned_pulse_is_named_as_planned(kb, today):
    """A pulse current on the chart but starting tomorrow (courses.planned) still adds to the risk (prophylaxis
    should be in place before it), but the card said "IV methylprednisolone pulse since" tomorrow: it is planned.
    With one given as well, both are named."""
    tomorrow, given = (today + timedelta(days=1)).isoformat(), (today - timedelta(days=34)).isoformat()
    planned = _chart(today).medication(METHYLPRED_1000, 1000, "mg", start=1, end=3, route=ROUTE_IV)
    card = _card(kb, planned, today)
    assert card["summary"].endswith(f"plus IV methylprednisolone pulse planned from {tomorrow}")
    assert f"**Higher risk:** IV methylprednisolone pulse planned from {tomorrow}." in card["detail"]
    planned.medication(METHYLPRED_1000, 1000, "mg", start=-34, end=-32, route=ROUTE_IV, status="completed")
    assert (f"IV methylprednisolone pulse since {given}, another planned from {tomorrow}."
            in _card(kb, planned, today)["detail"])


def test_the_rituximab_window_is_the_shared_anti_cd20_definition(kb, today):
    older = _chart(today).medication(RITUXIMAB, 1000, "mg", start=-394, end=-380, status="completed")
    assert "Higher risk" not in _card(kb, older, today)["detail"]
    site = with_params(kb, "definitions", anti_cd20_in_use_days=400)
    assert "rituximab" in _card(site, older, today)["detail"]


def test_methotrexate_card_and_suggested_orders(kb, today):
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-30, period=1, period_unit="wk")
    card = _card(kb, chart, today)
    assert "Methotrexate is active" in card["detail"] and "R11" in card["detail"]
    assert card["selectionBehavior"] == "at-most-one"
    daily, mwf, atovaquone, dapsone, pentamidine = card["suggestions"]
    ss = daily["actions"][0]["resource"]
    assert ss["medicationCodeableConcept"]["coding"][0]["code"] == "198334"
    assert ss["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 1
    assert ss["dosageInstruction"][0]["timing"]["repeat"]["period"] == 1
    assert daily["actions"][1]["resource"]["code"]["text"] == "CBC with differential"
    assert daily["actions"][1]["resource"]["code"]["coding"][0]["code"] == "57021-8"
    ds = mwf["actions"][0]["resource"]
    assert ds["medicationCodeableConcept"]["coding"][0]["code"] == "198335"
    assert ds["dosageInstruction"][0]["timing"]["repeat"]["dayOfWeek"] == ["mon", "wed", "fri"]
    assert atovaquone["actions"][0]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"][
        "value"] == 1500
    assert dapsone["actions"][0]["resource"]["resourceType"] == "ServiceRequest"
    assert dapsone["actions"][1]["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "3108"
    inhaled = pentamidine["actions"][0]["resource"]["dosageInstruction"][0]
    assert inhaled["route"] == {"text": "Inhalation (nebulised)"}
    assert inhaled["timing"]["repeat"]["period"] == 4 and inhaled["timing"]["repeat"]["periodUnit"] == "wk"


def test_paediatric_patient_gets_no_adult_fixed_doses(kb, today):
    card = _card(kb, _chart(today, age=12), today)
    assert card is not None and "under 18" in card["detail"]
    assert [a["resource"]["resourceType"] for s in card["suggestions"] for a in s["actions"]] == ["ServiceRequest"]


def test_order_sign_never_fires(kb, today):
    chart = _chart(today).draft(PREDNISONE_20, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))


def test_a_split_daily_dose_in_two_instructions_adds_up(kb, today):
    """Prednisone 15 mg in the morning and 10 mg in the evening for 40 days is 25 mg/day: PJP prophylaxis is
    due. Only the first instruction used to be read (15 mg/day), and the card was missed."""
    chart = _chart(today, dose=15, start=-40)
    instructions = chart.resources["medications"][-1]["dosageInstruction"]
    evening = copy.deepcopy(instructions[0])
    evening["doseAndRate"][0]["doseQuantity"]["value"] = 10
    instructions.append(evening)
    assert _card(kb, chart, today) is not None
    assert _card(kb, _chart(today, dose=15, start=-40), today) is None


@pytest.mark.parametrize("drug, covers", [
    ("dapsone 75 MG/ML Topical Gel", False),  # acne
    ("atovaquone 250 MG / proguanil hydrochloride 100 MG Oral Tablet", False),  # malaria tablets
    ("dapsone 100 MG Oral Tablet", True),
    ("pentamidine isethionate 300 MG Inhalation Solution", True),  # the one local form that prevents PJP
])
def test_only_forms_that_prevent_pjp_count_as_prophylaxis(kb, today, drug, covers):
    chart = _chart(today, start=-61).medication(drug, 1, "{tbl}", start=-10)
    assert (_card(kb, chart, today) is None) is covers


def test_an_undated_unreadable_course_counts_until_its_end_date(kb, today):
    """A glucocorticoid order with no dose, no start date and an end date was last given on that end date, as
    courses.last_dose_day reads it. It counted if and only if its status said current, so one that ended within
    the 28 days was passed over and one left 'active' long after its end held R24 at 'not evaluable'."""
    def undated(end, status):
        chart = Chart(today).condition(IMNM_SNOMED, onset=-60)
        chart.medication(PREDNISONE_20, None, None, start=None, end=end, status=status)
        return explained(run(kb, chart.request("patient-view"), today), RULE)
    ended_in_window = undated(-27, "completed")  # last given on the window's first day
    assert ended_in_window["status"] == "not-evaluable"
    assert ended_in_window["facts"]["unreadable_glucocorticoid_courses"].startswith("prednisone 20 MG Oral Tablet")
    assert undated(-28, "active")["status"] == "not-fired"


AVOID = "TMP/SMX is not recommended below a creatinine clearance of 15 mL/min (US label)"
CHECK_K = ("the label halves treatment doses at a creatinine clearance of 15-30 mL/min; the prophylactic doses above "
           "are usually acceptable, but check potassium and renal function after starting and during use.")
# renal results, what the card says of the eGFR ({d3}, {d20}: D-3, D-20), and the suggestion pre-selected
EGFR_SHOWN = {
    "none": (lambda c: c, "No eGFR on file.", "TMP/SMX 80/400 mg PO daily"),
    "normal": (lambda c: c.lab(EGFR, 75, "mL/min/{1.73_m2}", day=-3), "Latest eGFR: 75 on {d3}.",
               "TMP/SMX 80/400 mg PO daily"),
    "estimated": (lambda c: c.lab(CREATININE, 3.0, "mg/dL", day=-3),
                  "eGFR 18 on {d3} (estimated from creatinine 3 mg/dL, CKD-EPI 2021) is below 30: " + CHECK_K,
                  "TMP/SMX 80/400 mg PO daily"),
    "newer-text-without-a-number": (lambda c: c.lab(EGFR, 18, "mL/min/{1.73_m2}", day=-20).observation(
        EGFR, -3, value_string="see comment"), "eGFR 18 on {d20} is below 30: " + CHECK_K,
        "TMP/SMX 80/400 mg PO daily"),
    "below-15": (lambda c: c.lab(EGFR, 12, "mL/min/{1.73_m2}", day=-3),
                 f"**First choice: atovaquone** 1,500 mg by mouth daily with food. eGFR 12 on {{d3}} is below 15: "
                 f"{AVOID}, so it is not offered.", "Atovaquone 1,500 mg PO daily with food"),
    "text-bound": (lambda c: c.observation(EGFR, -3, value_string="<15"),
                   f"eGFR <15 on {{d3}} is below 15: {AVOID}, so it is not offered.",
                   "Atovaquone 1,500 mg PO daily with food"),
    "text-bound-flagged": (lambda c: c.lab(EGFR, 18, "mL/min/{1.73_m2}", day=-20).observation(
        EGFR, -3, value_string="<15 (critical)"),
        f"eGFR <15 on {{d3}} (the lab's text: '<15 (critical)') is below 15: {AVOID}, so it is not offered.",
        "Atovaquone 1,500 mg PO daily with food"),
    "newer-unreadable": (lambda c: c.lab(EGFR, 18, "mL/min/{1.73_m2}", day=-20).observation(
        EGFR, -3, value_string="<15 see note"),
        "eGFR on {d3} could not be read: '<15 see note'; whether it is below 15 is not known (the latest eGFR that "
        f"can be read: 18 on {{d20}}). {AVOID}: confirm renal function before choosing it, or use atovaquone (no "
        "order is pre-selected).", None),
    "bound-that-does-not-settle-15": (lambda c: c.observation(EGFR, -3, value_string="<45"),
                                      "eGFR reported as <45 on {d3}: whether it is below 15 is not known. " + AVOID,
                                      None),
}


@pytest.mark.parametrize("state", EGFR_SHOWN)
def test_the_egfr_decides_whether_tmp_smx_is_offered_and_pre_selected(kb, today, state):
    """TMP/SMX is not recommended below a creatinine clearance of 15 mL/min (US label): with eGFR 12 the card
    pre-selected daily TMP/SMX and gave no renal advice (review). Below 15 it is not offered and atovaquone is
    pre-selected; one that may be below 15 (a bound, a result that cannot be read) pre-selects nothing; at 15-30 the
    prophylactic doses are kept with potassium and renal checks. The eGFR is read as the rules read it
    (renal.below_limit: a text bound, an estimate from a creatinine, an older result behind one that cannot be read)."""
    add, says, recommended = EGFR_SHOWN[state]
    chart = _chart(today, imnm=False)  # no methotrexate from R05, whose CBC would join the TMP/SMX
    add(chart)
    card = _card(kb, chart, today)
    assert says.format(d3=chart.at(-3), d20=chart.at(-20)) in " ".join(card["detail"].split())
    labels = [s["label"] for s in card["suggestions"]]
    assert [s["label"] for s in card["suggestions"] if s.get("isRecommended")] == ([recommended] if recommended else [])
    assert ("TMP/SMX 80/400 mg PO daily" in labels) is (recommended != "Atovaquone 1,500 mg PO daily with food")


def test_between_15_and_30_the_tmp_smx_orders_say_to_check_potassium(kb, today):
    chart = _chart(today).lab(EGFR, 22, "mL/min/{1.73_m2}", day=-3)
    card = _card(kb, chart, today)
    daily, mwf = card["suggestions"][:2]
    for suggestion in (daily, mwf):
        assert suggestion["actions"][0]["resource"]["note"] == [
            {"text": f"eGFR 22 on {chart.at(-3)} is below 30: check potassium and renal function after starting and "
                     "during use."}]
    assert explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]["tmp_smx_renal"] == "offered"


def test_the_egfr_limits_are_site_parameters(kb, today):
    chart = _chart(today).lab(EGFR, 18, "mL/min/{1.73_m2}", day=-3)
    assert _card(kb, chart, today)["suggestions"][0]["label"] == "TMP/SMX 80/400 mg PO daily"
    site = with_params(kb, RULE, tmp_smx_avoid_egfr_below=20)
    assert [s["label"] for s in _card(site, chart, today)["suggestions"] if s.get("isRecommended")] == [
        "Atovaquone 1,500 mg PO daily with food"]


def _tapered(today, high_mg=60, high_days=70, gap=0, low_mg=17.5, low_from=-10):
    """Prednisone ``high_mg`` for ``high_days`` up to D-11 (completed), then ``low_mg`` from ``low_from`` (``gap``:
    days with none in between, read from ``low_from``)."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-120).weight(70, day=-3)
    chart.medication(PREDNISONE_20, high_mg, "mg", start=-10 - high_days, end=-11, status="completed")
    chart.medication(PREDNISONE_20, low_mg, "mg", start=low_from)
    return chart


@pytest.mark.parametrize(("low_mg", "low_from", "fires"), [
    (17.5, -10, True),  # review case 1: tapered 10 days ago
    (19, -3, True),  # review case 1b: a week with none charted between (a taper charted late), then 19 mg
    (15, -10, True),  # at the stop threshold: still at or above it
    (14, -10, False),  # below about 15 mg/day: the stop rule is met
])
def test_a_taper_below_20_mg_keeps_the_card_until_the_stop_threshold(kb, today, low_mg, low_from, fires):
    """60 mg/day for 70 days then 17.5 or 19 mg/day, never given prophylaxis: the card went quiet because the run at
    >= 20 mg/day had to reach today. The spec's trigger does not say so, and its stop rule continues prophylaxis until
    the dose is below about 15 mg/day: the card stays while PEQ has stayed at or above 15 since the run."""
    chart = _tapered(today, low_mg=low_mg, low_from=low_from)
    result = run(kb, chart.request("patient-view"), today)
    card, entry = fired(result).get(RULE), explained(result, RULE)
    assert entry["facts"]["qualifying_run_ended"] == chart.at(-11)
    if not fires:
        assert card is None
        assert entry["reason"] == (
            f"PEQ >= 20 mg/day for 0 consecutive days up to today (< 28); after the last run of 70 days at >= 20 "
            f"mg/day (to {chart.at(-11)}) PEQ fell below 15 mg/day ({low_mg:g} mg/day today): by the stop rule, "
            "prophylaxis for that course is no longer needed")
        return
    assert card["summary"] == f"Start PJP prophylaxis: PEQ {low_mg:g} mg/day after 70 d at >= 20 mg/day, none on file"
    assert (f"Prednisone-equivalent {low_mg:g} mg/day today. It was at or above 20 mg/day for 70 consecutive days "
            f"({chart.at(-80)} to {chart.at(-11)}) and has stayed at or above 15 mg/day since: prophylaxis continues "
            "until the dose is below 15 mg/day.") in " ".join(card["detail"].split())
    assert entry["facts"]["exposure_since"] == chart.at(-80)
    with_tmp_smx = _tapered(today, low_mg=low_mg, low_from=low_from).medication(TMP_SMX_SS, 1, "{tbl}", start=-60)
    assert _card(kb, with_tmp_smx, today) is None


def test_after_the_stop_threshold_is_reached_a_later_rise_is_a_new_course(kb, today):
    """60 mg/day for 70 days, 10 mg/day for two weeks (the stop rule met), then 17.5 mg/day: no card until 20 mg/day
    for 28 days again. A course too short to qualify does not count either."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-120).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-94, end=-25, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-24, end=-11, status="completed")
    chart.medication(PREDNISONE_20, 17.5, "mg", start=-10)
    assert _card(kb, chart, today) is None
    short = _tapered(today, high_days=20)
    entry = explained(run(kb, short.request("patient-view"), today), RULE)
    assert entry["status"] == "not-fired" and entry["facts"]["qualifying_run_ended"] is None


def test_the_stop_threshold_is_a_site_parameter(kb, today):
    chart = _tapered(today, low_mg=14)
    assert _card(kb, chart, today) is None
    assert _card(with_params(kb, RULE, stop_peq_mg=12.5), chart, today) is not None


def test_below_the_stop_threshold_other_high_risk_therapy_is_named(kb, today):
    """The stop rule also asks that other high-risk therapy be reduced: the quiet reason names what is current,
    without judging it."""
    chart = _tapered(today, low_mg=10).medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk")
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-fired"
    assert entry["reason"].endswith("; the stop rule also asks that other high-risk therapy be reduced, which this "
                                    "rule does not judge: methotrexate 2.5 MG Oral Tablet")


def test_an_unreadable_dose_since_the_run_leaves_the_taper_not_evaluable(kb, today):
    """60 mg/day up to D-100, a prednisone order whose dose cannot be read from D-99 to D-40, then 17.5 mg/day: that
    order may have kept the dose at 15 mg/day or more, so whether the stop rule was met is not known. With 10 mg/day
    today it was met whatever that order gave."""
    def chart_with(low_mg):
        chart = Chart(today).condition(IMNM_SNOMED, onset=-300).weight(70, day=-3)
        chart.medication(PREDNISONE_20, 60, "mg", start=-200, end=-100, status="completed")
        chart.medication(PREDNISONE_20, None, None, start=-99, end=-40, status="completed")
        chart.medication(PREDNISONE_20, low_mg, "mg", start=-39)
        return explained(run(kb, chart.request("patient-view"), today), RULE)
    unknown = chart_with(17.5)
    assert unknown["status"] == "not-evaluable"
    assert unknown["reason"].endswith(f"or >= 15 mg/day every day since the run at >= 20 ended on "
                                      f"{today - timedelta(days=100)})")
    assert chart_with(10)["status"] == "not-fired"


@pytest.mark.parametrize("status", ["stopped", "completed"])
def test_prophylaxis_that_ended_before_its_end_date_is_named_and_not_counted(kb, today, status):
    """TMP/SMX from D-100 with its end date at D+30, stopped (or completed) on a day the chart does not give: it was
    read as given up to today, within the 4 weeks, and R24 stayed quiet though it may have stopped 100 days ago.
    Protection errs early: it is not counted, and the card names it. The same order active is prophylaxis."""
    chart = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-100, end=30, status=status)
    result = run(kb, chart.request("patient-view"), today)
    card, entry = fired(result).get(RULE), explained(result, RULE)
    named = f"{TMP_SMX_SS[2]} ({status} before its end date {chart.at(30)}, on a day the chart does not give)"
    assert card is not None and entry["facts"]["pjp_prophylaxis"] is None
    assert entry["facts"]["pjp_prophylaxis_not_counted"] == named
    assert f"Not counted as current prophylaxis: {named}." in " ".join(card["detail"].split())
    active = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-100, end=30)
    assert _card(kb, active, today) is None
    started_recently = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-20, end=30, status=status)
    assert _card(kb, started_recently, today) is None  # given on its first day, within the 4 weeks


def _ended_early(today, current=None):
    """Prednisone 40 mg/day from D-100, completed before its end date at D+30; with a ``current`` (code, mg) order
    from D-40."""
    chart = _chart(today, start=-100)
    chart.resources["medications"].clear()
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=30, status="completed")
    if current is not None:
        chart.medication(current[0], current[1], "mg", start=-40)
    return chart


@pytest.mark.parametrize(("current", "given"), [
    (None, "none given today"),
    (((RXNORM, "6902", "methylprednisolone"), 16),  # 20 mg/day PEQ, another drug: it does not take over
     "20 mg/day given today"),
], ids=["alone", "beside a current order"])
def test_a_dose_from_an_order_that_ended_before_its_end_date_is_not_said_as_given_today(kb, today, current, given):
    """The timeline reads prednisone completed before its end date as given up to today (exposure errs late), and
    the card said 'Prednisone-equivalent 40 mg/day today'. It ended on a day the chart does not give: the card still
    shows (the run may well have reached 28 days), saying the dose is up to what it was and the run up to 101 days
    (without that order it is shorter), as R23 does."""
    chart = _ended_early(today, current)
    result = run(kb, chart.request("patient-view"), today)
    card, entry = fired(result).get(RULE), explained(result, RULE)
    peq = 40 + (20 if current else 0)
    stopped = f"{PREDNISONE_20[2]} (completed before its end date {chart.at(30)}, on a day the chart does not give)"
    assert card is not None and entry["facts"]["stopped_on_a_day_not_given"] == stopped
    assert entry["facts"]["peq_given_today_mg"] == peq - 40
    detail = " ".join(card["detail"].split())
    assert (f"Prednisone-equivalent up to {peq} mg/day ({given}; {stopped}), at or above 20 mg/day for up to 101 "
            f"consecutive days (since {chart.at(-100)})") in detail
    assert "mg/day today" not in detail
    assert card["summary"] == (f"Start PJP prophylaxis: PEQ up to {peq} mg/day ({peq - 40} given today) for up to 101 "
                               "days, none on file")


def test_a_current_order_with_an_end_date_says_todays_dose(kb, today):
    chart = _chart(today, start=-100)
    chart.resources["medications"].clear()
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=30)
    result = run(kb, chart.request("patient-view"), today)
    card, entry = fired(result).get(RULE), explained(result, RULE)
    assert entry["facts"]["stopped_on_a_day_not_given"] is None
    assert "Prednisone-equivalent 40 mg/day today, at or above 20 mg/day for 101 consecutive days" in " ".join(
        card["detail"].split())


def test_prophylaxis_stopped_before_it_began_is_no_protection(kb, today):
    """TMP/SMX ordered from D+5 and stopped before it began (end date D+30): read early it was 'given' up to today
    (a span from a day after today), so R24 said prophylaxis was on file. It was given on no day: R24 fires and
    names it as not counted."""
    chart = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=5, end=30, status="stopped")
    result = run(kb, chart.request("patient-view"), today)
    assert fired(result).get(RULE) is not None
    assert "stopped before its end date" in explained(result, RULE)["facts"]["pjp_prophylaxis_not_counted"]


@pytest.mark.parametrize("later_mg", [60, 10])
def test_an_order_starting_after_today_is_not_said_given_today(kb, today, later_mg):
    """Prednisone 40 mg completed before its D+30 end date, and a new order starting in 3 days: that order was
    counted as given today (60 mg: more than 40, so the card said '40 mg/day today' from the order that is over;
    10 mg: '10 mg/day given today'). None is given today."""
    chart = _ended_early(today)
    chart.medication(PREDNISONE_20, later_mg, "mg", start=3)
    result = run(kb, chart.request("patient-view"), today)
    detail = " ".join(fired(result)[RULE]["detail"].split())
    assert "Prednisone-equivalent up to 40 mg/day (none given today; prednisone 20 MG Oral Tablet (completed" in detail
    assert explained(result, RULE)["facts"]["peq_given_today_mg"] == 0


def test_a_run_certain_without_the_order_that_ended_early_is_not_hedged(kb, today):
    """Prednisone 40 mg current since D-100 and methylprednisolone 16 mg (20 mg PEQ) from D-50 completed before its
    end date: the headline said 'PEQ 60 mg/day for up to 101 days'. Prednisone alone makes the 101 days certain;
    only the dose is 'up to'."""
    chart = _chart(today, start=-100)
    chart.medication((RXNORM, "6902", "methylprednisolone"), 16, "mg", start=-50, end=30, status="completed")
    card = _card(kb, chart, today)
    assert card["summary"] == "Start PJP prophylaxis: PEQ up to 60 mg/day (40 given today) for 101 days, none on file"


@pytest.mark.parametrize(("change", "why"), UNREADABLE_PREDNISONE_DOSES)
def test_r24_a_prednisone_dose_that_cannot_be_read_is_named_with_what_to_fix(kb, today, change, why):
    """Prednisone 40 mg whose daily dose cannot be read: not evaluable, and the reason says what to fix
    (steroids.SteroidHistory.unread_named, dosing.why_no_daily_mg). It said '(dose not readable)' for an order with
    no timing, where 'frequency not given' tells the clinician what is missing."""
    chart = _chart(today, weight=False)
    make_dose_unreadable(chart, change)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"] == (f"readable dose of prednisone 20 MG Oral Tablet ({why}) (needed to tell whether "
                               "PEQ has been >= 20 mg/day for 28 days)")


def test_a_treatment_course_of_tmp_smx_that_is_over_is_not_prophylaxis_on_file(kb, today):
    """A UTI course of TMP/SMX 160/800 mg twice daily, D-9 to D-2, completed (review 423, s9b): it fell within the
    4-week window and R24 stayed quiet ("prophylaxis on file") at 40 mg/day. A finished treatment course is not a
    prophylactic regimen: the card shows and names it. While the course runs it protects; a prophylactic order
    that ended within the window still counts."""
    course = _chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=-9, end=-2, frequency=2, route=ROUTE_ORAL,
                                      status="completed")
    result = run(kb, course.request("patient-view"), today)
    card, entry = fired(result).get(RULE), explained(result, RULE)
    named = f"{TMP_SMX_DS[2]} (a treatment-dose course, over: last given {course.at(-2)})"
    assert card is not None and entry["facts"]["pjp_prophylaxis"] is None
    assert entry["facts"]["pjp_prophylaxis_not_counted"] == named
    assert f"Not counted as current prophylaxis: {named}." in " ".join(card["detail"].split())
    running = _chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=-3, end=3, frequency=2, route=ROUTE_ORAL)
    assert _card(kb, running, today) is None
    prophylactic = _chart(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-30, end=-2, status="completed")
    assert _card(kb, prophylactic, today) is None


def test_methotrexate_still_to_come_is_named_beside_tmp_smx(kb, today):
    """IMNM with no steroid-sparing agent yet (review 423, s2 'early'): R05 pre-selects methotrexate beside this
    card's TMP/SMX. The card names the pair in the words it uses for methotrexate on the chart; not once a
    steroid-sparing agent is on file, nor outside IMNM."""
    detail = " ".join(_card(kb, _chart(today), today)["detail"].split())
    assert "**Methotrexate may be started** (IMNM with no steroid-sparing agent" in detail
    assert "acceptable with a CBC at 1-2 and 4 weeks, then monthly" in detail
    on_mmf = _chart(today).medication("mycophenolate mofetil 500 MG Oral Tablet", 500, "mg", start=-20, frequency=2)
    assert "may be started" not in _card(kb, on_mmf, today)["detail"]
    not_imnm = Chart(today, age=52).weight(70, day=-3).medication(PREDNISONE_20, 40, "mg", start=-35)
    assert "may be started" not in _card(kb, not_imnm, today)["detail"]


def test_with_dysphagia_tmp_smx_is_the_oral_suspension(kb, today):
    """Oropharyngeal dysphagia on file (review 423, s2 'early' and s5): the card pre-selected TMP/SMX tablets beside
    R19's nil by mouth. It now offers the same doses as the oral suspension (RxNorm 313134, 40/8 mg per mL: 10 mL
    daily, 20 mL Mon/Wed/Fri), given once swallowing is safe or by NG tube, still pre-selected; atovaquone as its
    suspension. Signed, the suspension is read as prophylaxis (trimethoprim 80 mg/day), so the card goes quiet."""
    chart = _chart(today, imnm=False).condition(DYSPHAGIA, onset=-6)
    card = _card(kb, chart, today)
    daily, mwf, atovaquone = card["suggestions"][:3]
    assert daily["isRecommended"] is True and daily["label"] == "TMP/SMX 80/400 mg (10 mL oral suspension) daily"
    for suggestion, ml in ((daily, 10), (mwf, 20)):
        order = suggestion["actions"][0]["resource"]
        assert order["medicationCodeableConcept"]["coding"][0]["code"] == "313134"
        dosage = order["dosageInstruction"][0]
        assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": ml, "unit": "mL", "system": UCUM, "code": "mL"}
        assert "by mouth once swallowing is safe (or via NG tube)" in dosage["text"]
    assert "tablet" not in " ".join(a["resource"]["dosageInstruction"][0]["text"]
                                    for s in (daily, mwf) for a in s["actions"])
    assert "(oral suspension)" in atovaquone["actions"][0]["resource"]["dosageInstruction"][0]["text"]
    detail = " ".join(card["detail"].split())
    assert "TMP/SMX as the **oral suspension** (40/8 mg per mL): 80/400 mg (10 mL) daily" in detail
    assert "**Dysphagia, oropharyngeal phase on file: no tablets.**" in detail
    assert explained(run(kb, chart.request("patient-view"), today), RULE)["facts"]["swallowing_impaired"] == (
        "Dysphagia, oropharyngeal phase")
    signed = copy.deepcopy(daily["actions"][0]["resource"])
    signed.update(id="signed-suspension", status="active", intent="order", authoredOn=today.isoformat())
    chart.resources["medications"].append(signed)
    assert _card(kb, chart, today) is None


def _cbc_ordered(card):
    return [a["resource"]["code"]["coding"][0]["code"] for a in card["suggestions"][0]["actions"][1:]] == ["57021-8"]


def test_methotrexate_pre_selected_on_r05s_card_brings_the_cbc(kb, today):
    """IMNM on prednisone alone (review 423, s2 'early', s9b): R05 pre-selects methotrexate and this card
    pre-selected TMP/SMX without the CBC it orders for methotrexate on the chart. Read from R05's own decision
    (steroid_sparing.on_card), the TMP/SMX now comes with the CBC. Where R05 offers
    methotrexate without pre-selecting it (interstitial lung disease: mycophenolate first) the note stays and no CBC
    is added; where R05 offers none (eGFR 24) or is held back (inclusion body myositis), neither."""
    card = _card(kb, _chart(today), today)
    assert _cbc_ordered(card) and card["suggestions"][0]["label"] == "TMP/SMX 80/400 mg PO daily with CBC monitoring"
    assert explained(run(kb, _chart(today).request("patient-view"), today), RULE)["facts"][
        "methotrexate_on_r05_card"] == "pre-selected"
    ild = _chart(today).condition((SNOMED, "233703007", "Interstitial lung disease (disorder)"), onset=-100)
    card = _card(kb, ild, today)
    assert "**Methotrexate may be started**" in card["detail"] and not _cbc_ordered(card)
    low_egfr = _chart(today).lab(EGFR, 24, "mL/min/{1.73_m2}", day=-3)
    card = _card(kb, low_egfr, today)
    assert "may be started" not in card["detail"] and not _cbc_ordered(card)
    # anti-HMGCR and a raised CK, no IMNM diagnosis, inclusion body myositis: the IBM gate holds R05 back
    ibm = _chart(today, imnm=False).condition("Myopathy", onset=-120).condition(IBM_ICD, onset=-400)
    ibm.antibody("anti_hmgcr", "positive", day=-100).ck(6800, day=-95).ck(2100, day=-3)
    result = run(kb, ibm.request("patient-view"), today)
    assert explained(result, "imnm-add-steroid-sparing-by-month-1")["status"] == "suppressed"
    card = fired(result)[RULE]
    assert "may be started" not in card["detail"] and not _cbc_ordered(card)


def test_methotrexate_that_r02_advises_stopping_is_not_monitored_as_if_it_went_on(kb, today):
    """Inclusion body myositis on prednisone 30 mg and methotrexate (review 423, s5): R02 advises stopping the
    methotrexate while this card pre-selected "CBC monitoring with methotrexate". Read from R02's decision
    (ibm.advised_to_stop), the card says so and orders no CBC for the pair, keeping its advice for a kept
    methotrexate in words. With another indication on file (R02 quiet: the methotrexate goes on) the CBC stays."""
    chart = _chart(today, dose=30, imnm=False).condition(IBM_ICD, onset=-900)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk", day_of_week=["wed"])
    result = run(kb, chart.request("patient-view"), today)
    assert "ibm-immunosuppression-futile" in fired(result)
    card, facts = fired(result)[RULE], explained(result, RULE)["facts"]
    detail = " ".join(card["detail"].split())
    assert "and the inclusion body myositis card (R02) advises stopping it" in detail
    assert "If it is kept (a specialist-directed trial): TMP/SMX and methotrexate together" in detail
    assert not _cbc_ordered(card) and card["suggestions"][0]["label"] == "TMP/SMX 80/400 mg PO daily"
    assert facts["methotrexate_r02_advises_stopping"] == METHOTREXATE_2_5[2]
    chart.condition("Systemic lupus erythematosus", onset=-1000)
    result = run(kb, chart.request("patient-view"), today)
    assert "ibm-immunosuppression-futile" not in fired(result)
    card = fired(result)[RULE]
    assert _cbc_ordered(card) and "**Methotrexate is active** (" in card["detail"]
    assert "R02" not in card["detail"]


def test_methotrexate_is_read_as_stopped_only_where_r02s_card_can_show(kb, today, monkeypatch):
    """ibm.advised_to_stop asked for R02's hook and prefetch but not the suppression gates (review 425 #4): a gate
    holding R02 back would leave this card saying that R02 advises stopping the methotrexate, with no CBC, and no
    R02 card in the response. Asked through suppression.engine_runs, R02 held back leaves the methotrexate going on:
    the CBC is ordered beside the TMP/SMX."""
    chart = _chart(today, dose=30, imnm=False).condition(IBM_ICD, onset=-900)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk", day_of_week=["wed"])
    holds_r02 = suppression.Gate("test-gate", frozenset({"ibm-immunosuppression-futile"}),
                                 lambda record, context: ["a test gate"])
    monkeypatch.setattr(suppression, "GATES", (*suppression.GATES, holds_r02))
    result = run(kb, chart.request("patient-view"), today)
    assert explained(result, "ibm-immunosuppression-futile")["status"] == "suppressed"
    card = fired(result)[RULE]
    assert _cbc_ordered(card) and "R02" not in card["detail"]
    assert explained(result, RULE)["facts"]["methotrexate_r02_advises_stopping"] is None
