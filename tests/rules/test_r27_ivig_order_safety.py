"""R27 ivig-order-safety: reading the dose per cycle, each check on both sides of its threshold, the orders."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import EGFR, ICD10, IMNM_SNOMED, IVIG_CVX, LOINC, ROUTE_IV, ROUTE_SC, RXNORM, Chart
from fhir_fixtures.r10_mtx_start_prerequisites import CREATININE
from hooks.definitions.treatment_duration import ivig_cycle
from hooks.rules.r27_ivig_order_safety import MAX_DRAFTS_CHECKED
from tests.conftest import TODAY, explained, fired, run, taken_away, with_params
from tests.definitions_support import record_and_context

RULE = "ivig-order-safety"
IGA = (LOINC, "2458-8", "Immunoglobulin A")
BMI = (LOINC, "39156-5", "Body mass index (BMI) [Ratio]")
UCUM = "http://unitsofmeasure.org"


def _chart(today, weight=70.0, egfr=92.0, egfr_day=-10, iga=True, age=54):
    chart = Chart(today, age=age, sex="female").condition(IMNM_SNOMED, onset=-200)
    if weight is not None:
        chart.weight(weight, day=-5)
    chart.height(165, day=-100)
    if egfr is not None:
        chart.lab(EGFR, egfr, "mL/min/{1.73_m2}", day=egfr_day)
    if iga:
        chart.lab(IGA, 2.1, "g/L", day=-150)
    return chart


def _draft(chart, dose, unit, days=2, period=4, text=None, max_per=None, start=0):
    resource = chart.medication_request(IVIG_CVX, dose, unit, start=start, status="draft", intent="proposal",
                                        period=period, period_unit="wk", resource_id="draft-ivig", text=text)
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": days, "durationUnit": "d"})
    if max_per is not None:
        value, unit_, per, per_unit = max_per
        resource["dosageInstruction"][0]["maxDosePerPeriod"] = {
            "numerator": {"value": value, "unit": unit_, "system": UCUM, "code": unit_},
            "denominator": {"value": per, "unit": per_unit, "system": UCUM, "code": per_unit}}
    return chart.draft_resource(resource)


def _run(kb, chart, today):
    result = run(kb, chart.request("order-sign"), today)
    return fired(result).get(RULE), explained(result, RULE)


def test_g_per_kg_per_cycle_edge(kb, today):
    assert _run(kb, _draft(_chart(today), 2.0, "g/kg", text="per cycle"), today)[0] is None
    card, _ = _run(kb, _draft(_chart(today), 2.1, "g/kg", text="per cycle"), today)
    assert "2.10 g/kg per cycle" in card["detail"] and card["indicator"] == "warning"
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose > 2 g/kg)"


def test_grams_are_checked_against_the_dosing_weight_with_rounding(kb, today):
    assert _run(kb, _draft(_chart(today, weight=72), 145, "g", text="per cycle"), today)[0] is None  # 2.01 g/kg
    card, entry = _run(kb, _draft(_chart(today, weight=72), 150, "g", text="per cycle"), today)
    assert card is not None and entry["facts"]["draft-ivig_g_per_kg_cycle"] == "2.08 per cycle"


def test_max_dose_per_period_tells_per_day_from_per_cycle(kb, today):
    per_day = _draft(_chart(today), 70, "g", max_per=(140, "g", 4, "wk"))  # 70 g x 2 days = 140 g = 2 g/kg
    assert _run(kb, per_day, today)[0] is None
    per_cycle = _draft(_chart(today), 140, "g", max_per=(140, "g", 4, "wk"))
    assert _run(kb, per_cycle, today)[1]["facts"]["draft-ivig_dose"] == "140 g per cycle over 2 days"
    daily_max = _draft(_chart(today), 140, "g", max_per=(140, "g", 1, "d"))  # 140 g each day x 2 = 4 g/kg
    card, _ = _run(kb, daily_max, today)
    assert card is not None and "4.00 g/kg per cycle" in card["detail"]


def test_a_maximum_as_far_from_either_reading_leaves_the_dose_unclear(kb, today):
    """100 g over 2 days with at most 150 g per 4 weeks: 200 g a cycle (per day) and 100 g (per cycle) are as far
    from the maximum. The tie was read per cycle (1.43 g/kg, no card); now it says nothing, both readings stand and
    the per-day one (2.86 g/kg) is named (follow-up review)."""
    card, _ = _run(kb, _draft(_chart(today), 100, "g", max_per=(150, "g", 4, "wk")), today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (dose unclear)"


def test_ambiguous_dose_is_flagged_only_when_one_reading_is_too_high(kb, today):
    assert _run(kb, _draft(_chart(today), 1, "g/kg"), today)[0] is None  # 1 or 2 g/kg: both allowed
    card, _ = _run(kb, _draft(_chart(today), 2, "g/kg"), today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose unclear)"
    assert "State whether the dose is per day or per cycle" in card["detail"]


def test_cycle_interval_edge(kb, today):
    assert _run(kb, _draft(_chart(today), 2, "g/kg", period=3, text="per cycle"), today)[0] is None
    card, _ = _run(kb, _draft(_chart(today), 2, "g/kg", period=2, text="per cycle"), today)
    assert "cycles every 14 days" in card["detail"]


def test_previous_cycle_gap(kb, today):
    def chart(last_day):
        c = _chart(today)
        c.medication(IVIG_CVX, 1, "g/kg", start=last_day - 1, end=last_day, status="completed")
        return _draft(c, 2, "g/kg", text="per cycle")
    card, _ = _run(kb, chart(-20), today)
    assert "only 20 days before" in card["detail"]
    assert _run(kb, chart(-21), today)[0] is None


@pytest.mark.parametrize(("given", "draft", "total"), [
    (0.4, 1.2, None),  # the same cycle split over two orders: 0.8 g/kg given, 1.2 g/kg to come = 2 g/kg
    (1.0, 2.0, 4.0),  # a second full cycle 3 days after the first: 2 + 2 g/kg
])
def test_doses_within_7_days_add_up_to_one_cycle(kb, today, given, draft, total):
    chart = _chart(today)
    chart.medication(IVIG_CVX, given, "g/kg", start=-4, end=-3, status="completed")  # daily on days -4 and -3
    card, entry = _run(kb, _draft(chart, draft, "g/kg", text="per cycle"), today)
    assert entry["facts"]["draft-ivig_cycle_total_g_per_kg"] == (total or 2.0)
    if total is None:
        assert card is None
    else:
        assert card["summary"] == "IVIG order: 1 safety issue to check (cycle > 2 g/kg)"
        assert f"the cycle totals **{total:.2f} g/kg**" in card["detail"]


def test_ivig_recorded_as_an_immunization_adds_its_grams_to_the_cycle(kb, today):
    def chart(dose):
        c = _chart(today).immunization(IVIG_CVX, day=-3, dose=dose)  # 70 kg
        return _draft(c, 140, "g", text="per cycle")
    card, _ = _run(kb, chart(140), today)
    assert "the cycle totals **4.00 g/kg**" in card["detail"]
    card, entry = _run(kb, chart(None), today)  # no dose recorded: the cycle's total cannot be known
    assert card is None and entry["status"] == "not-evaluable"
    assert "(no dose recorded)" in entry["reason"] and "cycle's total could not be checked" in entry["reason"]


def test_egfr_edges_and_age(kb, today):
    assert _run(kb, _draft(_chart(today, egfr=60), 2, "g/kg", text="per cycle"), today)[0] is None
    card, _ = _run(kb, _draft(_chart(today, egfr=59), 2, "g/kg", text="per cycle"), today)
    assert "eGFR 59" in card["detail"] and card["summary"].endswith("(eGFR < 60)")
    card, _ = _run(kb, _draft(_chart(today, egfr_day=-31), 2, "g/kg", text="per cycle"), today)
    assert card["summary"].endswith("(no recent eGFR)")
    creatinine_only = {a["description"]: a["resource"]["code"] for s in card["suggestions"] for a in s["actions"]}
    panel = creatinine_only["Basic metabolic panel before and 3-5 days after each cycle"]
    assert panel["coding"][0]["code"] == "51990-0"


def test_a_creatinine_that_gives_no_egfr_is_named_not_said_to_be_missing(kb, today):
    """The only recent renal result a haemolysed creatinine: the card said "No eGFR within the last 30 days",
    though there is a creatinine, and the lab needs to know why it gave no eGFR."""
    chart = _chart(today, egfr=None).observation(CREATININE, -3, value_string="Specimen haemolysed - see comment")
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert "No eGFR within" not in card["detail"]
    assert (f"Renal impairment not ruled out: eGFR on {chart.at(-3)} could not be estimated from creatinine "
            in card["detail"])
    assert card["summary"].endswith("(eGFR < 60 not ruled out)")
    assert entry["facts"]["egfr"].startswith(f"eGFR on {chart.at(-3)} could not be estimated")


def test_iga_never_measured_adds_an_iga_order(kb, today):
    card, _ = _run(kb, _draft(_chart(today, iga=False), 2, "g/kg", text="per cycle"), today)
    labs = card["suggestions"][-1]
    assert labs["isRecommended"]  # the only suggestion
    iga = labs["actions"][-1]["resource"]
    assert iga["code"]["coding"][0]["code"] == "2458-8"



def _with_iga(today, status: str = "final", **result) -> Chart:
    """The usual chart, its IgA this one result (a value and unit, a text, a range or flag), 150 days ago."""
    chart = _chart(today, iga=False).observation(IGA, -150, **result)
    chart.resources["observations"][-1]["status"] = status
    return _draft(chart, 2, "g/kg", text="per cycle")


def _orders_iga(card: dict) -> bool:
    return any(a["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "2458-8"
               for s in card["suggestions"] for a in s["actions"])


SEVERE = "below 7 mg/dL: severe IgA deficiency"


@pytest.mark.parametrize(("result", "shown"), [
    ({"value": 2, "unit": "mg/dL", "interpretation": "L"}, f"2 mg/dL flagged L on 2026-06-24 ({SEVERE})"),
    ({"value": 2, "unit": "mg/dL"}, f"2 mg/dL on 2026-06-24 ({SEVERE})"),  # no range, no flag
    ({"value": 0.02, "unit": "g/L"}, f"0.02 g/L on 2026-06-24 ({SEVERE})"),
    ({"value_string": "<5 mg/dL"}, f"<5 mg/dL on 2026-06-24 ({SEVERE})"),
    ({"value_string": "Undetectable"}, "Undetectable on 2026-06-24 (undetectable: severe IgA deficiency)"),
    ({"value": 40, "unit": "mg/dL", "low": 70}, "40 mg/dL on 2026-06-24 (below the lab's lower limit of 70 mg/dL)"),
    ({"value": 0.4, "unit": "g/L", "interpretation": "L"}, "0.4 g/L flagged L on 2026-06-24 (below the lab's range)"),
])
def test_a_low_iga_is_named_with_the_anti_iga_advice(kb, today, result, shown):
    """IgA 2 mg/dL flagged L (severe deficiency) passed as "IgA ... checked: no problem": any IgA record counted
    (found by review). A low IgA is named, with the table's contraindication: IgA deficiency with anti-IgA
    antibodies."""
    card, entry = _run(kb, _with_iga(today, **result), today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (IgA low)"
    assert f"- IgA low: IgA {shown}. With anti-IgA antibodies" in card["detail"]
    assert ("With anti-IgA antibodies most IVIG products are contraindicated (anaphylaxis): check for anti-IgA "
            "antibodies before infusing; if they are present, give IVIG only as an IgA-depleted product, with "
            "immunology advice.") in card["detail"]
    assert not _orders_iga(card) and entry["facts"]["iga_measured"] is True


@pytest.mark.parametrize(("status", "result", "named"), [
    ("registered", {}, "IgA with no value on 2026-06-24, registered"),
    ("final", {"interpretation": None}, "IgA with no value on 2026-06-24, final"),
])
def test_an_iga_with_no_value_or_not_final_is_not_a_result(kb, today, status, result, named):
    """An IgA registered with no value counted as measured (found by review)."""
    card, entry = _run(kb, _with_iga(today, status, **result), today)
    assert f"- IgA has never been measured (not a result: {named}): check it" in card["detail"]
    assert card["summary"].endswith("(no IgA)") and _orders_iga(card) and entry["facts"]["iga_measured"] is False


def test_r27_a_preliminary_iga_that_reads_low_is_said_low_pending_the_final_result(kb, today):
    """A preliminary IgA 2 mg/dL flagged L was said to be "never measured", with no anti-IgA advice (found by review):
    it is no final result, so an IgA is still ordered, but its low value is said with the advice."""
    card, _ = _run(kb, _with_iga(today, "preliminary", value=2, unit="mg/dL", interpretation="L"), today)
    detail = " ".join(card["detail"].split())
    assert ("IgA not yet final, and low (not a result: IgA 2 mg/dL flagged L on 2026-06-24, preliminary: below 7 "
            "mg/dL: severe IgA deficiency). With anti-IgA antibodies") in detail
    assert "never been measured" not in detail and _orders_iga(card)


def test_r27_an_unreadable_newer_iga_does_not_hide_an_older_deficiency(kb, today):
    """IgA 2 mg/dL 300 days ago, then "see comment" 100 days ago: the card said only that the IgA could not be read,
    and the known severe deficiency and its anti-IgA advice were lost (found by review)."""
    chart = _with_iga(today, value=2, unit="mg/dL").observation(IGA, -100, value_string="see comment")
    card, _ = _run(kb, chart, today)
    detail = " ".join(card["detail"].split())
    assert "IgA low: IgA 2 mg/dL on" in detail and "(newer, not read: IgA see comment on" in detail
    assert "With anti-IgA antibodies" in detail and _orders_iga(card)


def test_a_pending_iga_does_not_hide_the_final_one_before_it(kb, today):
    chart = _with_iga(today, value=2.1, unit="g/L")
    chart.observation(IGA, -2).resources["observations"][-1]["status"] = "registered"
    assert _run(kb, chart, today)[0] is None


@pytest.mark.parametrize("result", [{"value": 150, "unit": "U/L"}, {"value_string": "see comment"},
                                    {"value_string": "<10 mg/dL"}])
def test_an_iga_that_cannot_be_read_is_asked_again(kb, today, result):
    card, entry = _run(kb, _with_iga(today, **result), today)
    assert "- IgA could not be read: IgA " in card["detail"] and card["summary"].endswith("(IgA unread)")
    assert _orders_iga(card) and entry["facts"]["iga"].startswith("IgA ")


@pytest.mark.parametrize("result", [{"value": 2.1, "unit": "g/L"}, {"value": 80, "unit": "mg/dL", "low": 70},
                                    {"value": 50, "unit": "mg/dL"}, {"value_string": ">400 mg/dL"},
                                    {"interpretation": "N"}])
def test_an_iga_not_low_passes(kb, today, result):
    """With no range, only severe deficiency (below 7 mg/dL) can be told: 50 mg/dL passes."""
    assert _run(kb, _with_iga(today, **result), today)[0] is None


def test_the_severe_iga_deficiency_limit_is_the_sites(kb, today):
    chart = _with_iga(today, value=6, unit="mg/dL")
    assert _run(kb, chart, today)[0] is not None
    assert _run(with_params(kb, RULE, iga_severe_deficiency_mg_dl=5), chart, today)[0] is None

def test_obese_actual_weight_and_corrected_order(kb, today):
    chart = _chart(today, weight=110)
    chart.height(168, day=-60)
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="2 g/kg per cycle over 2 days"), today)
    assert entry["facts"]["adjusted_body_weight_kg"] == 79.8
    replace = card["suggestions"][0]
    assert replace["isRecommended"] and replace["actions"][0] == {
        "type": "delete",  # per cycle, as the order says: its days and interval named
        "description": "Cancel immune globulin, intravenous (2 g/kg per cycle over 2 days, every 28 days)",
        "resourceId": "MedicationRequest/draft-ivig"}
    order = replace["actions"][1]["resource"]
    dosage = order["dosageInstruction"][0]
    # 2 g/kg x 79.8 kg = 159.6 g per cycle; 80 g a day on 2 days would overshoot it, so 77.5 g a day (155 g) in whole
    # 2.5 g vials, as R19 rounds (it was 75 g in 5 g steps). The dose is per day, as in every IVIG order the service
    # suggests (per dose on a daily timing would double it).
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 77.5
    assert dosage["timing"]["repeat"]["duration"] == 2 and dosage["timing"]["repeat"]["period"] == 4
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 155
    assert order["medicationCodeableConcept"]["coding"][0]["code"] == "87"
    # written on adjusted weight: not flagged
    chart2 = _chart(today, weight=110)
    chart2.height(168, day=-60)
    assert _run(kb, _draft(chart2, 2, "g/kg", text="2 g/kg adjusted body weight per cycle"), today)[0] is None


@pytest.mark.parametrize(("wording", "flagged"), [
    ("2 g/kg adjusted body weight per cycle", False), ("2 g/kg AdjBW per cycle", False),
    ("2 g/kg per cycle (unadjusted weight)", True), ("2 g/kg per cycle, not adjusted", True),
    ("2 g/kg ABW per cycle", True), ("2 g/kg non-adjusted weight", True), ("2 g/kg (un-adjusted weight)", True),
    ("2 g/kg, not weight-adjusted", True), ("2 g/kg per cycle, dose adjusted for renal function", True),
    ("2 g/kg ideal body weight", False), ("2 g/kg IBW", False)])
def test_obese_per_kg_wording_is_read_by_whole_words(kb, today, wording, flagged):
    """'unadjusted' and 'not adjusted' once read as adjusted weight, and 'ABW' (actual to many) as not actual."""
    chart = _chart(today, weight=110)
    chart.height(168, day=-60)
    card = _run(kb, _draft(chart, 2, "g/kg", text=wording), today)[0]
    assert (card is not None and "based on actual body weight" in card["detail"]) is flagged


def test_bmi_29_is_not_obese(kb, today):
    chart = _chart(today, weight=78.9)  # 165 cm: BMI 29.0
    assert _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)[0] is None


@pytest.mark.parametrize(("grams", "flagged"), [(240, True), (160, None)])
def test_obese_without_height_a_gram_dose_is_judged_against_actual_weight(kb, today, grams, flagged):
    """BMI 41 recorded, 120 kg, no height: 240 g is 2 g/kg of actual weight (flagged); 160 g may be on adjusted
    weight, which cannot be computed, so it is not called checked."""
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).weight(120, day=-3)
    chart.lab(EGFR, 90, "mL/min/{1.73_m2}", day=-5).lab(IGA, 2, "g/L", day=-50).lab(BMI, 41, "kg/m2", day=-3)
    card, entry = _run(kb, _draft(chart, grams, "g", text="per cycle"), today)
    if flagged:
        assert card["summary"] == "IVIG order: 1 safety issue to check (BMI >= 30 on actual weight)"
    else:
        assert card is None and entry["status"] == "not-evaluable" and "needs a current height" in entry["reason"]


def test_obese_by_recorded_bmi_without_height_gives_no_dose(kb, today):
    chart = Chart(today, age=50).condition(IMNM_SNOMED, onset=-100).weight(120, day=-3)
    chart.lab(EGFR, 90, "mL/min/{1.73_m2}", day=-5).lab(IGA, 2, "g/L", day=-50).lab(BMI, 41, "kg/m2", day=-3)
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert card is not None and "could not be computed without a height" in card["detail"]
    assert all(a["resource"]["resourceType"] == "ServiceRequest" for s in card["suggestions"] for a in s["actions"]
               if "resource" in a)


def test_no_weight_grams_order_is_not_evaluable_or_noted(kb, today):
    _, entry = _run(kb, _draft(_chart(today, weight=None), 140, "g", text="per cycle"), today)
    assert entry["status"] == "not-evaluable" and "body weight" in entry["reason"]
    card, _ = _run(kb, _draft(_chart(today, weight=None, iga=False), 140, "g", text="per cycle"), today)
    assert "dose per kg could not be checked" in card["detail"]


@pytest.mark.parametrize(("age", "window"), [(12, 7), (54, 30)])
def test_no_current_weight_names_the_window_that_applies(kb, today, age, window):
    """Audit F8: a 12-year-old weighed 10 days ago (a child's weight is current for 7 days) was told there was 'no
    body weight within the last 30 days'."""
    chart = _chart(today, weight=None, age=age).weight(40, day=-40 if window == 30 else -10)
    _, entry = _run(kb, _draft(chart, 80, "g", text="80 g per cycle over 2 days"), today)
    assert entry["status"] == "not-evaluable"
    assert (f"no body weight within the last {window} days (latest 40 kg on {chart.at(-40 if window == 30 else -10)}, "
            "too old), so the dose per kg could not be checked") in entry["reason"]


def test_a_weight_not_used_as_implausible_is_named_so(kb, today):
    """A current weight of 7 kg for a 54-year-old (BMI 2.6) is no dosing weight: the card said there was "no body
    weight within the last 30 days", as if none had been measured; it now says why the one on file is not used."""
    chart = _chart(today, weight=7)
    _, entry = _run(kb, _draft(chart, 80, "g", text="80 g per cycle over 2 days"), today)
    assert entry["status"] == "not-evaluable"
    assert (f"no body weight within the last 30 days (the latest weight, 7 kg on {chart.at(-5)}, is implausible for "
            "an adult (BMI 2.6") in entry["reason"]


@pytest.mark.parametrize(("dose", "unit"), [(2.0, "g/kg"), (2000, "mg/kg"), (2_000_000, "ug/kg")])
def test_a_dose_per_kg_is_read_in_any_mass_unit(kb, today, dose, unit):
    """IVIG per kg is read through the one per-kg reader (hooks.dosing.per_body): 2 g/kg in any mass unit."""
    _, entry = _run(kb, _draft(_chart(today), dose, unit, text="per cycle"), today)
    assert entry["status"] == "not-fired" and entry["facts"]["draft-ivig_g_per_kg_cycle"] == "2.00 per cycle"


@pytest.mark.parametrize(("dose", "unit", "days", "read", "fires"), [
    (0.4, "g/kg/day", 5, "2.00 per day", False),
    (400, "mg/kg/day", 5, "2.00 per day", False),
    (0.5, "g/kg/day", 5, "2.50 per day", True),
    (1, "g/kg/d", 2, "2.00 per day", False),
])
def test_a_dose_per_kg_per_day_is_read_as_treatment_duration_reads_it(kb, today, dose, unit, days, read, fires):
    """Review: R27 did not read g/kg/day ('the dose could not be read') while treatment_duration.ivig_cycle shared
    it over the calendar's days (0.4 g/kg/day for 5 days every 4 weeks was 56 g/kg a cycle). Both read it through
    hooks.dosing.per_body_each_time, over the administrations of a day of the cycle: the same g/kg a cycle."""
    chart = _draft(_chart(today), dose, unit, days=days)
    card, entry = _run(kb, chart, today)
    assert entry["facts"]["draft-ivig_g_per_kg_cycle"] == read and (card is not None) is fires
    _, context = record_and_context(kb, chart, "order-sign")
    cycle_mg = ivig_cycle(context.draft_orders[0], 70, today).mg
    assert cycle_mg is not None and f"{cycle_mg / 70_000:.2f} per day" == read


def test_prior_vte_by_name(kb, today):
    chart = _chart(today).condition("Pulmonary embolism", onset=-700, status="resolved")
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert card["summary"].endswith("(prior VTE)") and "Pulmonary embolism" in card["detail"]


def test_several_problems_listed_and_summary_short(kb, today):
    chart = _chart(today, egfr=None, iga=False).condition("Deep vein thrombosis", onset=-300)
    card, entry = _run(kb, _draft(chart, 2, "g/kg", period=2), today)
    assert entry["facts"]["problems"] == 5
    assert len(card["summary"]) < 140


def test_patient_view_never_fires(kb, today):
    chart = _draft(_chart(today, iga=False), 3, "g/kg")
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


@pytest.mark.parametrize(("dose", "repeat", "days"), [
    (2.0, {"count": 2}, 2),
    (2.0, {"count": 2, "duration": 4, "durationUnit": "h"}, 2),  # 4 h is one infusion, not the cycle
    (1.0, {"boundsDuration": {"value": 5, "unit": "d", "system": UCUM, "code": "d"}}, 5),
    (1.0, {"boundsDuration": {"value": 5, "unit": "days"}}, 5),  # a free-text unit, no UCUM code
    (1.0, {"boundsDuration": {"value": 5, "unit": "d", "system": UCUM, "code": "d"}, "authoredOn": None}, 5),
])
def test_daily_ivig_days_come_from_count_or_bounds_not_from_an_infusion_time(kb, today, dose, repeat, days):
    """These daily orders give 4-5 g/kg; they were read as a single day of 1-2 g/kg, and no card fired (a draft
    with no authoredOn lost its boundsDuration, which only set an end after a start)."""
    chart = _chart(today)
    resource = chart.medication_request(IVIG_CVX, dose, "g/kg", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig")
    timing = resource["dosageInstruction"][0]["timing"]
    if "authoredOn" in repeat:  # no start date at all
        del resource["authoredOn"], timing["repeat"]["boundsPeriod"]
    timing["repeat"].update({k: v for k, v in repeat.items() if k != "authoredOn"})
    card, entry = _run(kb, chart.draft_resource(resource), today)
    assert card is not None and "dose > 2 g/kg" in card["summary"]
    assert entry["facts"]["draft-ivig_dose"] == f"{dose:g} g/kg/day x {days} days"


@pytest.mark.parametrize(("grams_a_day", "flagged"), [(37.5, False), (40, True)])
def test_r19s_ivig_suggestion_passes_r27_for_an_obese_patient(kb, today, grams_a_day, flagged):
    """One rule's suggestion must not be flagged by another: for a man of 130 kg and 180 cm (adjusted weight
    97 kg, at most 194 g a cycle) R19 now suggests 37.5 g x 5 days, which R27 accepts; 40 g x 5 it flags."""
    chart = Chart(today, age=54, sex="male").condition(IMNM_SNOMED, onset=-200).weight(130, day=-5)
    chart.height(180, day=-2).lab(EGFR, 92.0, "mL/min/{1.73_m2}", day=-10).lab(IGA, 2.1, "g/L", day=-150)
    resource = chart.medication_request(IVIG_CVX, grams_a_day, "g", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"count": 5})
    card, _entry = _run(kb, chart.draft_resource(resource), today)
    assert (card is not None) is flagged


def _daily(chart, dose, unit, **repeat):
    """A daily IVIG draft (frequency 1 per 1 d) with ``repeat`` added to its timing."""
    resource = chart.medication_request(IVIG_CVX, dose, unit, start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig")
    resource["dosageInstruction"][0]["timing"]["repeat"].update(repeat)
    return chart.draft_resource(resource)


@pytest.mark.parametrize(("dose", "unit", "code"), [(2, "g/kg", None), (140, "g", None), (2, "g/kg", "QD")])
def test_open_ended_daily_ivig_is_flagged_as_an_unbounded_dose(kb, today, dose, unit, code):
    """Daily with no count, duration or end was read as a single day of 2 g/kg, and no card fired."""
    chart = _chart(today)
    if code:
        chart.draft(IVIG_CVX, dose, unit, resource_id="draft-ivig", timing_code=code)
    else:
        _daily(chart, dose, unit)
    card, entry = _run(kb, chart, today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (daily, no end)"
    assert "daily with no end (no count, duration or end date), so the total dose is unbounded" in card["detail"]
    assert entry["facts"]["draft-ivig_dose"] == f"{dose:g} {unit}/day with no end"
    assert card["suggestions"][0]["label"].startswith("Replace with IVIG 140 g per cycle over 2 days")


def test_daily_ivig_ended_by_an_end_date_alone_counts_its_days(kb, today):
    """boundsPeriod with an end but no start (the start is authoredOn) bounds the order to 5 days: 5 g/kg."""
    chart = _chart(today)
    card, entry = _run(kb, _daily(chart, 1, "g/kg", boundsPeriod={"end": chart.at(4)}), today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (dose > 2 g/kg)"
    assert entry["facts"]["draft-ivig_dose"] == "1 g/kg/day x 5 days"


@pytest.mark.parametrize(("timing", "every"), [
    ({"period": 2, "period_unit": "d"}, 2),  # open-ended
    ({"period": 3, "period_unit": "d", "end": 14}, 3),  # five doses of 2 g/kg within 15 days
    ({"timing_code": "Q2W"}, 14),  # a coded timing had no interval at all
])
def test_repeat_gaps_under_21_days_are_an_interval_problem(kb, today, timing, every):
    """Gaps of 2-6 days were neither a cycle interval nor one cycle's days: 2 g/kg every 2-3 days passed."""
    chart = _chart(today)
    chart.draft(IVIG_CVX, 2, "g/kg", resource_id="draft-ivig", text="per cycle", **timing)
    card, entry = _run(kb, chart, today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (interval < 21 d)"
    assert f"cycles every {every:g} days, closer than 21 days" in card["detail"]
    assert entry["facts"]["draft-ivig_interval_days"] == every
    # control: one 2 g/kg cycle split daily over its counted days is not a repeat
    assert _run(kb, _daily(_chart(today), 1, "g/kg", count=2), today)[0] is None


def test_a_repeat_period_longer_than_the_bounds_is_a_single_cycle(kb, today):
    """q2wk bounded to 5 days gives one dose: no second cycle, so no interval problem (it was flagged)."""
    chart = _chart(today)
    chart.draft(IVIG_CVX, 2, "g/kg", period=2, period_unit="wk", end=4, resource_id="draft-ivig", text="per cycle")
    card, entry = _run(kb, chart, today)
    assert card is None and entry["facts"]["draft-ivig_interval_days"] is None


@pytest.mark.parametrize(("start", "period_weeks", "gap"), [
    (-10, 4, 10),  # the only cycle so far began 10 days ago
    (-40, 3, 19),  # cycles on day -40 and day -19
])
def test_previous_gap_counts_the_last_cycle_of_a_current_order(kb, today, start, period_weeks, gap):
    """A current IVIG order was skipped: a new cycle 10 days after one was passed unless that order was completed.
    The draft renews it (its priorPrescription): unlinked, the order would also be named as left active."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=start, period=period_weeks, period_unit="wk",
                     resource_id="current-ivig")
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="per cycle").replacing("current-ivig"), today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (interval < 21 d)"
    assert f"only {gap} days before this cycle starts" in card["detail"]
    assert entry["facts"]["last_ivig_before_draft"].endswith(f"({gap} days before)")


@pytest.mark.parametrize(("start", "draft_start", "last", "gap"), [
    (-10, 0, -10, 10),  # held some time after it began: its one cycle so far may not have been given
    (-60, 3, -4, 7),  # review 421 item 8: its schedule's cycle on day -4 may have come after the hold
])
def test_an_ivig_order_on_hold_is_said_as_possibly_given(kb, today, start, draft_start, last, gap):
    """Review 421 item 8: an IVIG order on hold (q4 weeks from day -60, 1 g/kg) and a draft from day +3: the card
    said as a fact "the last IVIG was given on <day -4>, only 7 days before". When it was held is not recorded, so
    its schedule's last cycle may or may not have been given: said as possible, as for an order with no start date,
    and not counted as given in the cycle's total."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 1, "g/kg", start=start, period=4, period_unit="wk", status="on-hold",
                     resource_id="held-ivig")
    card, entry = _run(kb, _draft(chart, 1, "g/kg", text="per cycle", start=draft_start).replacing("held-ivig"),
                       today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (interval may be < 21 d)"
    assert (f"- immune globulin, intravenous: immune globulin, intravenous on the chart is on hold and may have been "
            f"given as late as {chart.at(last)}, only {gap} days before this cycle starts (minimum 21 days): check "
            "when it was last given.\n") in card["detail"]
    assert "last_ivig_before_draft" not in entry["facts"]
    assert entry["facts"]["ivig_possibly_given_before_draft"] == (
        f"immune globulin, intravenous, on hold: may have been given as late as {chart.at(last)} ({gap} days before)")


def test_previous_gap_of_a_current_order_is_quiet_from_21_days(kb, today):
    chart = _chart(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-21, period=4, period_unit="wk", resource_id="current-ivig")
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="per cycle").replacing("current-ivig"), today)
    assert card is None and entry["facts"]["last_ivig_before_draft"].endswith("(21 days before)")


def test_ivig_drafts_signed_together_add_up_to_one_cycle(kb, today):
    chart = _chart(today).draft(IVIG_CVX, 1.5, "g/kg", start=0, end=0, text="per cycle", resource_id="day-1")
    chart.draft(IVIG_CVX, 1.5, "g/kg", start=1, end=1, text="per cycle", resource_id="day-2")
    card, entry = _run(kb, chart, today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (cycle > 2 g/kg)"
    assert entry["facts"]["day-2_cycle_total_g_per_kg"] == 3.0 and "day-1_cycle_total_g_per_kg" not in entry["facts"]


def test_an_ivig_dose_charted_as_an_order_and_as_an_immunization_counts_once(kb, today):
    chart = _chart(today).medication(IVIG_CVX, 1, "g/kg", start=-1, end=-1, status="completed")
    chart.immunization(IVIG_CVX, day=-1, dose=70)
    card, entry = _run(kb, _draft(chart, 1, "g/kg", days=1, text="per cycle"), today)
    assert card is None and entry["facts"]["draft-ivig_cycle_total_g_per_kg"] == 2.0


@pytest.mark.parametrize(("day", "dose"), [
    (5, None),  # would be the last cycle, 15 days before the draft's: an interval under 21 days
    (17, 140),  # would be earlier in the draft's cycle: 2 + 2 g/kg
])
def test_a_future_dated_ivig_immunization_is_not_ivig_already_given(kb, today, day, dose):
    """An IVIG Immunization dated after today has not been given yet: it set the interval before, or added to the
    cycle total of, a draft starting on day 20 (found by review; the other IVIG rules already left it out)."""
    chart = _chart(today).immunization(IVIG_CVX, day=day, dose=dose)
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="per cycle", start=20), today)
    assert card is None and entry["status"] == "not-fired"
    assert "last_ivig_before_draft" not in entry["facts"] and "draft-ivig_cycle_total_g_per_kg" not in entry["facts"]


def test_without_immunizations_an_otherwise_clean_order_is_not_called_checked(kb, today):
    request = _draft(_chart(today), 2, "g/kg", text="per cycle").request("order-sign")
    del request["prefetch"]["immunizations"]
    result = run(kb, request, today, unavailable=("immunizations",))
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert "IVIG charted as an Immunization is missing" in entry["reason"]


@pytest.mark.parametrize(("dose", "repeat", "flagged", "how"), [
    # count: doses (4 doses 12 h apart may fall on 3 calendar days: said as doses, as an odd count is)
    (1.0, {"period": 12, "periodUnit": "h", "count": 4}, True, "1 g/kg x 4 doses"),
    (0.5, {"period": 12, "periodUnit": "h", "count": 4}, False, "0.5 g/kg x 4 doses"),
    (1.0, {"period": 12, "periodUnit": "h", "count": 3}, True, "1 g/kg x 3 doses"),
    (1.0, {"period": 12, "periodUnit": "h", "duration": 2, "durationUnit": "d"}, True, "1 g/kg x 2 a day x 2 days"),
    # once a day at two times of day: 4 doses, over the 4 days the frequency gives (a count is never cut short, as
    # every reader of a timing reads it: courses.dose_run); it was read as 2 days, with the same 4 g/kg
    (1.0, {"count": 4, "timeOfDay": ["08:00:00", "20:00:00"]}, True, "1 g/kg x 4 doses"),
    (0.5, {"duration": 2, "durationUnit": "d", "timeOfDay": ["08:00:00", "20:00:00"]}, False,
     "0.5 g/kg x 2 a day x 2 days"),
    # 1-2 a day: each dose counts at the most a day, but 4 doses may take 4 days (was read as 2 days)
    (0.5, {"count": 4, "frequencyMax": 2}, False, "0.5 g/kg x 4 doses"),
])
def test_several_administrations_a_day_each_give_the_dose(kb, today, dose, repeat, flagged, how):
    """1 g/kg every 12 hours for 2 days is 4 g/kg a cycle; it was read as 1 g/kg a day, 2 g/kg, and passed."""
    chart = _chart(today)
    card, entry = _run(kb, _daily(chart, dose, "g/kg", **repeat), today)
    assert (card is not None) is flagged and entry["facts"]["draft-ivig_dose"] == how
    if flagged:
        assert card["summary"] == "IVIG order: 1 safety issue to check (dose > 2 g/kg)"


def _instructions(chart, *steps):
    """An IVIG draft whose dosage instructions are ``steps``: (dose g/kg, sequence, extra timing.repeat)."""
    resource = chart.medication_request(IVIG_CVX, steps[0][0], "g/kg", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig", text="per cycle")
    template = resource["dosageInstruction"][0]
    resource["dosageInstruction"] = []
    for dose, sequence, repeat in steps:
        instruction = {**template, "sequence": sequence, "timing": {"repeat": dict(repeat)},
                       "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "g/kg", "system": UCUM,
                                                         "code": "g/kg"}}]}
        resource["dosageInstruction"].append(instruction)
    return chart.draft_resource(resource)


ONE_DAY = {"count": 1}
Q4_WEEKS = {"frequency": 1, "period": 4, "periodUnit": "wk"}


@pytest.mark.parametrize(("steps", "flagged", "total"), [
    ([(1.0, 1, ONE_DAY), (1.5, 2, ONE_DAY)], True, 2.5),  # day 1 then day 2 of one cycle: they add up
    ([(1.0, 1, ONE_DAY), (1.0, 2, ONE_DAY)], False, 2.0),
    ([(1.0, 1, ONE_DAY), (1.5, 1, ONE_DAY)], True, 2.5),  # the same sequence is given together
    ([(2.0, 1, Q4_WEEKS), (2.0, 2, {**Q4_WEEKS, "period": 6})], False, 2.0),  # phases: q4 then q6 weeks
])
def test_every_dosage_instruction_counts_toward_the_cycle(kb, today, steps, flagged, total):
    """Only the first instruction was read: 1 g/kg on day 1 then 1.5 g/kg on day 2 (2.5 g/kg) passed."""
    card, entry = _run(kb, _instructions(_chart(today), *steps), today)
    assert (card is not None) is flagged
    assert entry["facts"]["draft-ivig_g_per_kg_cycle"] == f"{total:.2f} per cycle"


def test_phases_keep_the_shortest_interval(kb, today):
    steps = [(2.0, 1, Q4_WEEKS), (2.0, 2, {**Q4_WEEKS, "period": 2})]
    card, entry = _run(kb, _instructions(_chart(today), *steps), today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (interval < 21 d)"
    assert entry["facts"]["draft-ivig_interval_days"] == 14


def test_grams_and_grams_per_kg_in_one_order_are_unreadable(kb, today):
    chart = _chart(today)
    resource = _instructions(chart, (1.0, 1, ONE_DAY), (1.0, 2, ONE_DAY)).drafts[-1]
    resource["dosageInstruction"][1]["doseAndRate"][0]["doseQuantity"].update(value=70, unit="g", code="g")
    card, _ = _run(kb, chart, today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose unreadable)"


@pytest.mark.parametrize(("grams", "flagged"), [(20.5, False), (22, True)])
def test_bottle_rounding_allows_at_most_5_percent_over(kb, today, grams, flagged):
    """A 10 kg child: 22 g is 2.2 g/kg; half a 5 g bottle of slack (2.25 g/kg, 12% over) let it pass."""
    chart = _draft(_chart(today, weight=10, age=6), grams, "g", text="per cycle")
    card, entry = _run(kb, chart, today)
    assert (card is not None and "dose > 2 g/kg" in card["summary"]) is flagged
    assert entry["facts"]["draft-ivig_g_per_kg_cycle"] == f"{grams / 10:.2f} per cycle"


@pytest.mark.parametrize(("repeat", "dose", "summary"), [
    # daily with both a duration and a count: 1.5 g/kg x 2 days is 3 g/kg (read as one day of 1.5)
    ({"count": 2, "duration": 2, "durationUnit": "d"}, 1.5, "dose > 2 g/kg"),
    # two times of day on a two-weekly order still repeat every 14 days (the interval was lost)
    ({"period": 2, "periodUnit": "wk", "count": 2, "timeOfDay": ["08:00:00", "20:00:00"]}, 0.5, "interval < 21 d"),
])
def test_a_count_or_times_of_day_do_not_hide_the_cycle(kb, today, repeat, dose, summary):
    card, _ = _run(kb, _daily(_chart(today), dose, "g/kg", **repeat), today)
    assert card is not None and card["summary"] == f"IVIG order: 1 safety issue to check ({summary})"


def test_a_dose_written_in_words_beside_a_coded_one_is_unreadable_and_a_prn_one_is_left_out(kb, today):
    chart = _chart(today)
    resource = _instructions(chart, (1.0, 1, ONE_DAY), (1.0, 2, ONE_DAY)).drafts[-1]
    second = resource["dosageInstruction"][1]
    del second["doseAndRate"]
    second["text"] = "1.5 g/kg on day 2"
    card, _ = _run(kb, chart, today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose unreadable)"
    second.update(asNeededBoolean=True, doseAndRate=[{"doseQuantity": {"value": 2, "unit": "g/kg"}}])
    assert _run(kb, chart, today)[0] is None  # as needed: not part of the cycle (1 g/kg)


def _obese_chart(today, height_day=None):
    """130 kg; 165 cm (BMI 47.8) only if ``height_day`` is given; eGFR and IgA in order."""
    chart = Chart(today, age=54, sex="female").condition(IMNM_SNOMED, onset=-200).weight(130, day=-5)
    if height_day is not None:
        chart.height(165, day=height_day)
    return chart.lab(EGFR, 92, "mL/min/{1.73_m2}", day=-10).lab(IGA, 2.1, "g/L", day=-150)


@pytest.mark.parametrize(("height_day", "why"), [(None, "no current height on file"),
                                                 (-400, "no current height (latest 165 cm on ")])
@pytest.mark.parametrize(("dose", "unit"), [(2, "g/kg"), (260, "g")])
def test_without_a_current_height_obesity_is_not_called_checked(kb, today, height_day, why, dose, unit):
    """130 kg with no height, or one over 12 months old: there was no BMI, so the obesity check passed unseen."""
    card, entry = _run(kb, _draft(_obese_chart(today, height_day), dose, unit, text="per cycle"), today)
    assert card is None and entry["status"] == "not-evaluable"
    assert why in entry["reason"]
    assert "so obesity (BMI >= 30: dose on adjusted body weight) could not be checked" in entry["reason"]


def test_without_a_current_height_the_card_says_obesity_was_not_checked_and_offers_no_grams(kb, today):
    """A card for another problem (cycles every 14 days) says so, and does not offer 2 g/kg of actual weight."""
    card, _ = _run(kb, _draft(_obese_chart(today), 2, "g/kg", period=2, text="per cycle"), today)
    assert "obesity (BMI >= 30: dose on adjusted body weight) could not be checked" in card["detail"]
    # the summary names the unchecked dose, never "BMI >= 30 on actual weight": the BMI is unknown
    assert card["summary"] == "IVIG order: 2 safety issues to check (interval < 21 d; dose unchecked)"
    assert "of adjusted body weight if BMI >= 30" in card["detail"]
    assert all(a["resource"]["resourceType"] == "ServiceRequest" for s in card["suggestions"] for a in s["actions"]
               if "resource" in a)
    # a dose stated on adjusted weight needs no BMI to pass
    adjusted = _draft(_obese_chart(today), 2, "g/kg", text="2 g/kg adjusted body weight per cycle")
    assert _run(kb, adjusted, today)[1]["status"] == "not-fired"


@pytest.mark.parametrize("code", [
    (ICD10, "O22.31", "Deep phlebothrombosis in pregnancy, first trimester"),  # a pack code: its name was not read
    (ICD10, "O88.219", "Thromboembolism in pregnancy, unspecified trimester"),
    (ICD10, "I82.402", "Acute embolism and thrombosis of unspecified deep veins of left lower extremity"),
    (ICD10, "Z86.718", "Personal history of other venous thrombosis and embolism"),
    (ICD10, "I26.92", "Saddle embolus of pulmonary artery without acute cor pulmonale"),
])
def test_prior_vte_in_icd_10_cm(kb, today, code):
    chart = _chart(today).condition(code, onset=-400, status="resolved")
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert card["summary"].endswith("(prior VTE)") and code[2] in card["detail"]


def test_superficial_thrombophlebitis_is_not_a_prior_vte(kb, today):
    chart = _chart(today).condition((ICD10, "O22.21", "Superficial thrombophlebitis in pregnancy, first trimester"))
    assert _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)[0] is None


@pytest.mark.parametrize("name", ["Superficial venous thrombosis", "Chronic venous insufficiency of deep veins",
                                  "Deep vein reflux"])
def test_a_vein_condition_that_is_not_a_vte_is_not_called_one(kb, today, name):
    """Broad names ('venous thrombosis', 'deep veins') called these a prior VTE on the card (found by review)."""
    chart = _chart(today).condition(name, onset=-400)
    assert _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)[0] is None


@pytest.mark.parametrize(("repeat", "unread"), [
    ({"period": 14, "periodUnit": None, "count": 2}, "a period of 14 with no unit"),
    ({"period": 4, "periodUnit": "wk", "duration": 48, "durationUnit": "h"},
     "a duration of 48 h (how long an infusion runs, not the days of a cycle)"),
    ({"period": 4, "periodUnit": "wk", "duration": 2}, "a duration of 2 with no unit"),
    # review: a period of 0 was read as daily, a duration below zero as one day
    ({"period": 0, "periodUnit": "wk", "count": 2}, "a period of 0 wk"),
    ({"period": 4, "periodUnit": "wk", "duration": -2, "durationUnit": "d"}, "a duration of -2 d (below zero)"),
])
def test_a_timing_not_written_in_days_is_said_on_the_card(kb, today, repeat, unread):
    """A period with no unit was read in days (cycles every 14 days), although hooks.dosing reads no step from it;
    a duration in hours, or with no unit, was read as the days of a cycle (48 h as 2 days). FHIR requires the unit
    and the contract writes a cycle's days in days: R27 says what it could not read rather than guess. Review: it
    said so only as 'not evaluable', with no card, so an interval or a cycle it could not check went unseen; like a
    dose that cannot be read, it is now a problem on the card."""
    chart = _chart(today)
    resource = chart.medication_request(IVIG_CVX, 1, "g/kg", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig", text="per cycle")
    timing = resource["dosageInstruction"][0]["timing"]
    timing["repeat"] = {key: value for key, value in {**timing["repeat"], **repeat}.items() if value is not None}
    card, entry = _run(kb, chart.draft_resource(resource), today)
    assert card is not None and entry["status"] == "fired"
    assert card["summary"] == "IVIG order: 1 safety issue to check (cycle days unread)"
    assert (f"- immune globulin, intravenous: {unread} cannot be read as days, so the days of a cycle and the "
            "interval between cycles could not be checked (read as ") in card["detail"]


@pytest.mark.parametrize("duration", [{"duration": 48, "durationUnit": "h"}, {"duration": 2}],
                         ids=["48 h", "2 with no unit"])
def test_an_unread_cycle_length_that_read_as_days_is_an_overdose_is_shown(kb, today, duration):
    """Review: 1.5 g/kg daily every 4 weeks over 48 h (or a duration of 2 with no unit) was flagged as 3 g/kg per
    cycle before the shared reading (48 h read as 2 days); then the duration was said, not read, and R27 showed no
    card at all. Read as days it is above the limit: the card says both, as it does for 'per day or per cycle'."""
    chart = _chart(today)
    resource = chart.medication_request(IVIG_CVX, 1.5, "g/kg", start=0, status="draft", intent="proposal",
                                        period=4, period_unit="wk", resource_id="draft-ivig", text="1.5 g/kg daily")
    resource["dosageInstruction"][0]["timing"]["repeat"].update(duration)
    card, entry = _run(kb, chart.draft_resource(resource), today)
    assert card is not None
    assert card["summary"] == "IVIG order: 2 safety issues to check (cycle days unread; dose > 2 g/kg)"
    assert ("1.5 g/kg in one day. Read per cycle it is 1.50 g/kg; read as 2 days it is **3.00 g/kg per cycle**, "
            "above 2 g/kg.") in card["detail"]
    assert entry["facts"]["draft-ivig_g_per_kg_cycle"] == "1.50 per cycle, 3.00 as 2 days"
    assert any(s["label"].startswith("Replace with IVIG 140 g per cycle") for s in card["suggestions"])


def test_an_unread_cycle_length_within_the_limit_read_as_days_is_not_called_an_overdose(kb, today):
    """1 g/kg over 48 h is 2 g/kg read as 2 days: the length is still said, but no dose problem is made up."""
    chart = _chart(today)
    resource = chart.medication_request(IVIG_CVX, 1, "g/kg", start=0, status="draft", intent="proposal",
                                        period=4, period_unit="wk", resource_id="draft-ivig", text="1 g/kg daily")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 48, "durationUnit": "h"})
    card, _ = _run(kb, chart.draft_resource(resource), today)
    assert card is not None and card["summary"] == "IVIG order: 1 safety issue to check (cycle days unread)"


def _timed(chart, dose, repeat, text=None):
    """An IVIG draft of ``dose`` g/kg, daily, with timing.repeat changed by ``repeat`` (None removes a key)."""
    resource = chart.medication_request(IVIG_CVX, dose, "g/kg", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig", text=text)
    timing = resource["dosageInstruction"][0]["timing"]
    timing["repeat"] = {key: value for key, value in {**timing["repeat"], **repeat}.items() if value is not None}
    return chart.draft_resource(resource)


_BOUNDS_3_DAYS = {"boundsDuration": {"value": 3, "unit": "d", "system": UCUM, "code": "d"}}


@pytest.mark.parametrize(("dose", "repeat", "summary", "how"), [
    # infusion time, as 12 h is: the count gives the 2 days (it was read as 1.5 g/kg in one day, no card)
    (1.5, {"count": 2, "duration": 0.5, "durationUnit": "d"}, "1 safety issue to check (dose > 2 g/kg)",
     "1.5 g/kg/day x 2 days"),
    # the duration's 1 day against the count's 5 (it was read as 0.8 g/kg per cycle, no card)
    (0.8, {"count": 5, "duration": 1, "durationUnit": "d"},
     "2 safety issues to check (cycle days disagree; dose > 2 g/kg)", "0.8 g/kg/day x 5 days"),
    # against 3-day bounds (it was read as 1 g/kg per cycle, no card)
    (1.0, {"duration": 1, "durationUnit": "d", **_BOUNDS_3_DAYS},
     "2 safety issues to check (cycle days disagree; dose > 2 g/kg)", "1 g/kg/day x 3 days"),
    (0.4, {"count": 5, "duration": 1, "durationUnit": "d"}, "1 safety issue to check (cycle days disagree)",
     "0.4 g/kg/day x 5 days"),
])
def test_a_duration_of_a_day_or_less_never_shortens_a_cycle_its_count_or_bounds_give(kb, today, dose, repeat,
                                                                                      summary, how):
    """Review: a duration of 1 day or less (read as one day) overrode the count or bounds, so 1.5 g/kg daily x2 over
    0.5 d (3 g/kg) and 0.8 g/kg daily x5 over 1 d (4 g/kg) passed as one day's dose. Under a day it is how long an
    infusion runs; a day or more that disagrees with the count or bounds is read as the longer, and said."""
    card, entry = _run(kb, _timed(_chart(today), dose, repeat), today)
    assert card is not None and card["summary"] == f"IVIG order: {summary}"
    assert entry["facts"]["draft-ivig_dose"] == how
    if "disagree" in summary:
        written = "a count of 5 (5 days)" if "count" in repeat else "its bounds (3 days)"
        assert (f"- immune globulin, intravenous: a duration of 1 d (1 day) and {written} disagree on the days of a "
                f"cycle; read as the longer ({how}). Write the days of a cycle once.") in card["detail"]


_ONCE = {"frequency": None, "period": None, "periodUnit": None}


@pytest.mark.parametrize("repeat", [
    {**_ONCE, "duration": 24, "durationUnit": "h"},
    {**_ONCE, "duration": 1440, "durationUnit": "min"},
    {"period": 4, "periodUnit": "wk", "duration": 24, "durationUnit": "h"},
    {"frequency": 1, "period": 4, "periodUnit": "wk", "duration": 1, "durationUnit": "D"},
], ids=["once over 24 h", "once over 1440 min", "q4wk over 24 h", "q4wk over 1 D"])
def test_an_infusion_of_24_hours_is_one_day_not_an_unread_cycle(kb, today, repeat):
    """Review: 2 g/kg over 24 h (or 1440 min) was 'cycle days unread', although 24 h read as days is the one day
    read anyway: hours are how long an infusion runs, up to a day."""
    card, entry = _run(kb, _timed(_chart(today), 2, repeat, text="2 g/kg per cycle"), today)
    assert card is None and entry["status"] == "not-fired"


def test_a_count_that_gives_the_days_is_read_beside_an_infusion_of_24_hours(kb, today):
    """Review: 0.4 g/kg daily x5 over 24 h warned 'cycle days unread' and said the cycle 'could not be checked
    (read as 0.4 g/kg/day x 5 days)': the count gives the days, and 24 h is one infusion's."""
    card, entry = _run(kb, _timed(_chart(today), 0.4, {"count": 5, "duration": 24, "durationUnit": "h"}), today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["facts"]["draft-ivig_dose"] == "0.4 g/kg/day x 5 days"


def test_an_unread_duration_shorter_than_the_count_is_unchecked_not_a_problem(kb, today):
    """0.4 g/kg daily x5 over 48 h: the count gives 5 days, more than the 2 the hours give read as days, so the
    cycle is read from the count and the hours are said as not checked (no card of their own; on the card when
    another problem fires it), not as 'cycle days unread'."""
    repeat = {"count": 5, "duration": 48, "durationUnit": "h"}
    aside = ("immune globulin, intravenous: a duration of 48 h (how long an infusion runs, not the days of a cycle) "
             "cannot be read as days; the days of a cycle were read from its count or bounds alone (0.4 g/kg/day x 5 "
             "days)")
    card, entry = _run(kb, _timed(_chart(today), 0.4, repeat), today)
    assert card is None and entry["status"] == "not-evaluable" and entry["reason"] == aside
    card, entry = _run(kb, _timed(_chart(today, iga=False), 0.4, repeat), today)
    assert card["summary"] == "IVIG order: 2 safety issues to check (no IgA; dose unchecked)"
    assert f"- Dose not checked: {aside}." in card["detail"]


def _child_with_creatinine(today, height_day=None):
    """A 12-year-old weighed 2 days ago, whose only renal result is a creatinine of 0.5 mg/dL 3 days ago; a height
    only if ``height_day`` is given (a child's is current for 30 days)."""
    chart = Chart(today, age=12, sex="female").condition(IMNM_SNOMED, onset=-200).weight(40, day=-2)
    chart.lab(CREATININE, 0.5, "mg/dL", day=-3).lab(IGA, 2.1, "g/L", day=-150)
    if height_day is not None:
        chart.height(150, day=height_day)
    return _draft(chart, 2, "g/kg", text="per cycle")


def _measure_height(card):
    return next((a for s in card["suggestions"] for a in s["actions"]
                 if a["description"] == "Measure body height today"), None)


@pytest.mark.parametrize("height_day", [None, -45])
def test_a_childs_creatinine_without_a_current_height_names_measuring_it(kb, today, height_day):
    """A child's creatinine with no current height gives no eGFR (bedside Schwartz needs the height). The card said
    only 'check renal function before IVIG': a repeat creatinine would give no eGFR either. It names the height as
    the remedy, and offers the nursing order (as R10 and R33 write it)."""
    card, _ = _run(kb, _child_with_creatinine(today, height_day), today)
    assert ("bedside Schwartz needs a current height" in card["detail"]
            and "is not known; check renal function before IVIG (renal failure risk; for an eGFR, measure the height "
                "or get the lab's eGFR)" in card["detail"])
    measure = _measure_height(card)
    assert measure is not None and measure["resource"]["code"]["coding"][0]["code"] == "8302-2"
    assert measure["resource"]["code"]["text"] == "Measure body height today (nursing)"
    assert measure["resource"]["note"] == [
        {"text": "Needed to estimate eGFR from creatinine (bedside Schwartz) before IVIG"}]
    labs = card["suggestions"][-1]
    assert labs["label"] == "IVIG safety labs: BMP before and 3-5 days after, CBC; measure the height (for eGFR)"
    assert measure in labs["actions"]


def test_a_childs_creatinine_with_a_current_height_gives_an_egfr_and_no_height_order(kb, today):
    card, entry = _run(kb, _child_with_creatinine(today, height_day=-10), today)
    assert card is None and "bedside Schwartz" in entry["facts"]["egfr"]  # 0.413 x 150 / 0.5 = 124


def test_an_unreadable_creatinine_names_a_repeat_and_orders_no_height(kb, today):
    chart = _chart(today, egfr=None).observation(CREATININE, -3, value_string="Specimen haemolysed - see comment")
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert "(renal failure risk; for an eGFR, repeat the creatinine or get the lab's eGFR)" in card["detail"]
    assert _measure_height(card) is None


def _child_without_renal_result(today, height_day=None):
    """A 12-year-old weighed 2 days ago with no renal result at all; a height only if ``height_day`` is given."""
    chart = Chart(today, age=12, sex="female").condition(IMNM_SNOMED, onset=-200).weight(40, day=-2)
    chart.lab(IGA, 2.1, "g/L", day=-150)
    if height_day is not None:
        chart.height(150, day=height_day)
    return _draft(chart, 2, "g/kg", text="per cycle")


@pytest.mark.parametrize(("height_day", "why"), [
    (None, "no current height on file"),
    (-45, f"no current height (latest 150 cm on {TODAY - timedelta(days=45)}, too old)"),
])
def test_a_child_with_no_egfr_and_no_current_height_is_told_a_creatinine_alone_gives_none(kb, today, height_day, why):
    """A child with no eGFR within 30 days was told only 'check renal function before IVIG': the creatinine the
    card orders gives a child no eGFR without a current height (bedside Schwartz). The card names the height and
    offers the nursing order, as it does for a creatinine on file."""
    card, _ = _run(kb, _child_without_renal_result(today, height_day), today)
    assert ("- No eGFR within the last 30 days: check renal function before IVIG (renal failure risk). A creatinine "
            f"alone gives no eGFR: bedside Schwartz needs a current height, and there is {why}; for an eGFR, "
            "measure the height or get the lab's eGFR." in card["detail"])
    assert card["suggestions"][-1]["label"] == ("IVIG safety labs: BMP before and 3-5 days after, CBC; measure the "
                                                "height (for eGFR)")
    assert _measure_height(card) in card["suggestions"][-1]["actions"]


def test_a_child_with_no_egfr_and_a_current_height_is_only_asked_for_renal_function(kb, today):
    card, _ = _run(kb, _child_without_renal_result(today, height_day=-10), today)
    assert ("- No eGFR within the last 30 days: check renal function before IVIG (renal failure risk).\n"
            in card["detail"]) and _measure_height(card) is None


def test_an_adult_with_no_egfr_and_no_birth_date_is_told_a_creatinine_alone_gives_none(kb, today):
    """With no birth date CKD-EPI 2021 has no age: the creatinine the card asks for would give no eGFR either. A
    birth date is recorded, not ordered: no height order."""
    card, _ = _run(kb, _draft(_chart(today, egfr=None, age=None), 2, "g/kg", text="per cycle"), today)
    assert ("- No eGFR within the last 30 days: check renal function before IVIG (renal failure risk). A creatinine "
            "alone gives no eGFR: CKD-EPI 2021 needs the age, and there is no birth date on file; for an eGFR, record "
            "the birth date or get the lab's eGFR." in card["detail"])
    assert _measure_height(card) is None


def _standing_ivig_without_start(today):
    """The anti-IVIG chart with a current IVIG order of 2 g/kg over 2 days every 4 weeks and no start date, id
    'standing-ivig': it may be being given now, or have been given on any day before."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=None, period=4, period_unit="wk", text="per cycle",
                     resource_id="standing-ivig")
    chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]["repeat"].update(
        {"duration": 2, "durationUnit": "d"})
    return chart


def _stop_standing_ivig(chart):
    """Re-send the chart's 'standing-ivig' order as a draft with status 'stopped': it discontinues the order."""
    stop = copy.deepcopy(next(m for m in chart.resources["medications"] if m["id"] == "standing-ivig"))
    stop["status"] = "stopped"
    return chart.draft_resource(stop)


def _replace_with(card):
    return [s["label"] for s in card["suggestions"] if s["label"].startswith("Replace with")]


@pytest.mark.parametrize("stopped", [False, True])
@pytest.mark.parametrize(("draft_start", "summary", "problem"), [
    (10, "interval may be < 21 d",
     "immune globulin, intravenous on the chart has no start date and may have been given as late as {today}, only "
     "10 days before this cycle starts (minimum 21 days): check when it was last given."),
    (0, "cycle may be > 2 g/kg",
     "if the IVIG on the chart with no start date was given in this cycle (immune globulin, intravenous, 2 g/kg per "
     "cycle over 2 days, no start date: may have been given as late as {today}), the cycle totals **4.00 g/kg**, "
     "above 2 g/kg: check when it was last given."),
])
def test_a_current_ivig_order_with_no_start_date_may_have_been_given_up_to_today(kb, today, draft_start, summary,
                                                                                 problem, stopped):
    """A current IVIG order with no start date was left out of the IVIG given, so a cycle 10 days on (or a second
    2 g/kg today) passed, though it may be being given now (courses.last_dose_day reads it so). Review of 6eaa09b:
    it then counted as given today, and the card said so as a fact ("the last IVIG was given on <today>", "the cycle
    totals 4.00 g/kg") and offered to replace the draft with the same dose. It may have been given as late as today:
    the card says so, asks when it was last given, adds nothing to the cycle's total as given, and offers no
    corrected order (the draft's own dose is right).

    Review of 6bbe0be: the order re-sent as a draft with status 'stopped' beside the new draft was read as continued
    (every chart order a draft re-sends was), so the card went quiet ("checked: no problem"); stopping the order does
    not undo what it may have given. The stop is no dose to check, nor IVIG drafted with the new one.

    Not stopped, the order is the draft's regimen with no link: it stays active beside it, and is named so."""
    chart = _standing_ivig_without_start(today)
    if stopped:
        _stop_standing_ivig(chart)
    card, entry = _run(kb, _draft(chart, 2, "g/kg", text="per cycle", start=draft_start), today)
    assert card["summary"] == ("IVIG order: 1 safety issue to check ({})" if stopped else
                               "IVIG order: 2 safety issues to check ({}; chart order left active)").format(summary)
    assert entry["facts"]["ivig_drafts_discontinuing"] == (
        "immune globulin, intravenous (MedicationRequest/standing-ivig)" if stopped else None)
    assert "standing-ivig_dose" not in entry["facts"]
    assert f"- immune globulin, intravenous: {problem.format(today=today.isoformat())}\n" in card["detail"]
    assert _replace_with(card) == [] and "(for this patient:" not in card["detail"]
    assert "draft-ivig_cycle_total_g_per_kg" not in entry["facts"]
    assert entry["facts"]["ivig_continued_by_draft"] is None


@pytest.mark.parametrize("link", ["re-sent", "priorPrescription", "identifier"])
@pytest.mark.parametrize("draft_start", [0, 10])
def test_a_draft_that_continues_an_ivig_order_with_no_start_date_is_not_checked_against_it(kb, today, link,
                                                                                           draft_start):
    """Review of 6eaa09b: a renewal of (or change to) a standing IVIG order with no start date, re-sending it or
    naming it as its priorPrescription (continuing.on_chart), made a card on every signing in the next 0-20 days
    ("the cycle totals 4.00 g/kg", and "Replace with" the same dose). The draft continues that order: its own dates
    are checked, the order's guess of 'up to today' is left out."""
    chart = _standing_ivig_without_start(today)
    if link == "identifier":
        chart.resources["medications"][-1]["identifier"] = [{"system": "urn:ehr:orders", "value": "77"}]
    _draft(chart, 2, "g/kg", text="per cycle", start=draft_start)
    if link == "re-sent":
        chart.drafts[-1]["id"] = "standing-ivig"
    elif link == "priorPrescription":
        chart.replacing("standing-ivig")
    else:
        chart.drafts[-1]["priorPrescription"] = {"identifier": {"system": "urn:ehr:orders", "value": "77"}}
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"] == _UNDATED.format(within=28)
    assert entry["facts"]["ivig_continued_by_draft"].startswith(
        "immune globulin, intravenous (MedicationRequest/standing-ivig): ")
    assert entry["facts"]["ivig_continued_by_draft"].endswith(", no start date: left out of the IVIG given")


_UNDATED = ("the last cycle of immune globulin, intravenous (MedicationRequest/standing-ivig), which a draft "
             "continues, is not dated (no start date, and no IVIG Immunization within {within} days): the interval "
             "before the draft could not be checked")


@pytest.mark.parametrize(("immunization_day", "status"), [(-28, "not-fired"), (-29, "not-evaluable")])
def test_a_continued_ivig_order_with_no_start_date_is_dated_only_by_an_immunization_within_its_interval(
        kb, today, immunization_day, status):
    """Review of 6bbe0be: a renewal of a standing q4-week IVIG order with no start date was quiet, "interval ...
    checked: no problem", though nothing dates that order's last cycle. An IVIG Immunization within its 28-day
    interval does (its last cycle, if it is being given, falls there); an older one does not."""
    chart = _standing_ivig_without_start(today).immunization(IVIG_CVX, immunization_day, dose=140)
    _draft(chart, 2, "g/kg", text="per cycle").replacing("standing-ivig")
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == status
    if status == "not-fired":
        assert entry["reason"].endswith("checked: no problem")
    else:
        assert entry["reason"] == _UNDATED.format(within=28)


def test_an_ivig_order_with_no_start_date_and_no_dose_to_read_is_said_as_possibly_given(kb, today):
    """Review of 6bbe0be: a standing IVIG order with no start date whose dose cannot be read (in mL) was named as
    "the IVIG earlier in this cycle", as if given; it only may have been. The draft writes it again with no link, so
    it stays active beside it: that is the card's finding, and what could not be checked is said on it."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 100, "mL", start=None, period=4, period_unit="wk", resource_id="standing-ivig")
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert card["summary"] == "IVIG order: 2 safety issues to check (chart order left active; dose unchecked)"
    assert (
        "Dose not checked: immune globulin, intravenous: the IVIG on the chart with no start date that may have been "
        "given earlier in this cycle has no dose in g or g/kg to read (immune globulin, intravenous, dose unreadable, "
        f"no start date: may have been given as late as {today.isoformat()}), so the cycle's total could not be "
        "checked.") in card["detail"]


@pytest.mark.parametrize(("given_day", "problem"), [
    (-2, "the cycle totals **4.00 g/kg**, above 2 g/kg."),
    (-10, "the last IVIG was given on {day}, only 9 days before this cycle starts (minimum 21 days)."),
])
def test_no_corrected_order_is_offered_when_only_the_ivig_given_before_makes_the_problem(kb, today, given_day,
                                                                                          problem):
    """Review of 6eaa09b: with 2 g/kg given 2 days ago (or 9 days ago), a draft of 2 g/kg per cycle was offered
    "Replace with IVIG 140 g per cycle over 2 days every 4 weeks": the same dose, which changes neither the cycle's
    total nor the interval."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 1, "g/kg", start=given_day, end=given_day + 1, status="completed")
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert problem.format(day=chart.at(given_day + 1)) in card["detail"]
    assert _replace_with(card) == [] and "(for this patient:" not in card["detail"]
    assert card["suggestions"][-1]["isRecommended"]  # the safety labs, then the only suggestion


IVIG_10_PERCENT = "immune globulin 100 MG/ML Injectable Solution"


def _ivig_vaccine_code(text: str | None, display: str = IVIG_CVX[2]) -> dict:
    code = {"coding": [{"system": IVIG_CVX[0], "code": IVIG_CVX[1], "display": display}]}
    return {**code, "text": text} if text else code


def _immunization_draft(chart, dose, unit, text=None, status="not-done", display=IVIG_CVX[2]):
    """IVIG placed among the draft orders as an Immunization (the contract's planned one: 'not-done')."""
    resource = {"resourceType": "Immunization", "id": "ivig-imm", "status": status,
                "vaccineCode": _ivig_vaccine_code(text, display), "patient": {"reference": "Patient/imnm-demo"},
                "occurrenceDateTime": chart.at(0)}
    if dose is not None:
        resource["doseQuantity"] = {"value": dose, "unit": unit, "system": UCUM, "code": unit}
    return chart.draft_resource(resource)


@pytest.mark.parametrize(("dose", "unit", "text", "dose_problem"), [
    (140, "g", None, None), (140_000, "mg", None, None), (2, "g/kg", None, None),
    (1400, "mL", IVIG_10_PERCENT, None),  # 100 mg/mL in its name: 140 g
    (150, "g", None, "2.14 g/kg per cycle"),
    (1600, "mL", IVIG_10_PERCENT, "2.29 g/kg per cycle"),
    (1400, "mL", None, "the dose could not be read (its dose of 1400 mL cannot be read in g: a volume needs the "
                       "concentration in its code or name)"),
    (1, "{vial}", None, "the dose could not be read (its dose of 1 vial cannot be read in g)"),
    (None, None, None, "the dose could not be read (no dose recorded in its doseQuantity)"),
])
def test_an_ivig_immunization_draft_is_checked_by_the_dose_it_records(kb, today, dose, unit, text, dose_problem):
    """Review: R27 read no Immunization.doseQuantity, so an IVIG Immunization among the drafts was always "dose could
    not be read", and 3 g/kg passed unseen. Its dose is read as a charted one's (g, mg, g/kg; mL only at a
    concentration its code or name states), and the same checks apply as to a MedicationRequest (70 kg here)."""
    card, entry = _run(kb, _immunization_draft(_chart(today), dose, unit, text), today)
    if dose_problem is None:
        assert card is None and entry["status"] == "not-fired"
        assert entry["facts"]["ivig-imm_g_per_kg_cycle"] == "2.00 per cycle"
    else:
        assert dose_problem in card["detail"]


def test_an_ivig_immunization_on_the_chart_in_ml_counts_at_the_concentration_its_name_states(kb, today):
    """The chart's IVIG Immunization read in mL at the concentration its name states (one reader with the drafts'):
    1000 mL of 10% IVIG three days ago and 70 g drafted make 2.43 g/kg in one cycle. With no concentration named,
    the total is said not checked."""
    for text in (IVIG_10_PERCENT, None):
        chart = _chart(today)
        chart.resources["immunizations"].append({
            "resourceType": "Immunization", "id": "imm-ml", "status": "completed",
            "vaccineCode": _ivig_vaccine_code(text), "patient": {"reference": "Patient/imnm-demo"},
            "occurrenceDateTime": chart.at(-3), "doseQuantity": {"value": 1000, "unit": "mL", "system": UCUM,
                                                                 "code": "mL"}})
        card, entry = _run(kb, _draft(chart, 70, "g", days=1, text="per cycle"), today)
        if text:
            assert "the cycle totals **2.43 g/kg**" in card["detail"]
        else:
            assert card is None and "has no dose in g or g/kg to read" in entry["reason"]
            assert f"1000 mL on {chart.at(-3)}: a volume needs the concentration in its code or name" in entry["reason"]


def _ivig_2000_ml_drafted(kb, today, display: str, text: str):
    """The card for an IVIG Immunization 'not-done' of 2000 mL among the drafts, named ``display`` and ``text``."""
    return _run(kb, _immunization_draft(_chart(today), 2000, "mL", text, display=display), today)[0]


@pytest.mark.parametrize(("display", "text"), [
    ("immune globulin 50 MG/ML Injectable Solution", "immune globulin 100 MG/ML (Privigen 10%)"),
    ("immune globulin 100 MG/ML Injectable Solution", "immune globulin 50 MG/ML (Octagam 5%)"),
])
def test_a_volume_is_not_read_when_the_product_names_state_two_concentrations(kb, today, display, text):
    """Review: the first name stating a concentration was taken and the others never read. 2000 mL read at 100 mg/mL
    (200 g, 2.86 g/kg at 70 kg) or at 50 mg/mL (100 g: quiet) is a guess either way; the card quoted '50 MG/ML' and
    then read 200 g. The dose is not read, and the card says why."""
    card = _ivig_2000_ml_drafted(kb, today, display, text)
    assert (f"{text}: the dose could not be read (its dose of 2000 mL cannot be read in g: its names state 50 and "
            "100 mg/mL); state it in g/kg or g per cycle.") in card["detail"]
    assert "g/kg per cycle**" not in card["detail"]


def test_an_ivig_immunization_both_drafted_and_on_the_chart_counts_once(kb, today):
    """Review: the same Immunization (140 g today, 2 g/kg at 70 kg) sent on the chart and among the drafts was added
    to itself: 'the cycle totals 4.00 g/kg'. The chart's copy is the draft's, checked once."""
    chart = _chart(today).immunization(IVIG_CVX, 0, dose=140)
    chart.draft_resource(copy.deepcopy(chart.resources["immunizations"][-1]))
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    assert f"{chart.resources['immunizations'][-1]['id']}_cycle_total_g_per_kg" not in entry["facts"]


@pytest.mark.parametrize(("kind", "dose", "problem"), [
    ("Immunization", 210, "immune globulin, intravenous (recorded as given): 210 g in one day (recorded as 210 g) = "
                          "**3.00 g/kg per cycle**, above 2 g/kg."),
    ("Immunization", None, "immune globulin, intravenous (recorded as given): the dose could not be read (no dose "
                           "recorded in its doseQuantity); record the dose given in g or g/kg."),
    ("MedicationRequest", 210, "immune globulin, intravenous (recorded as given): 210 g in one day = **3.00 g/kg per "
                               "cycle**, above 2 g/kg."),
])
def test_ivig_recorded_as_given_is_not_offered_to_cancel_or_replace(kb, today, kind, dose, problem):
    """Review: an IVIG Immunization 'completed' among the drafts (a dose given) was 'this IVIG order': 'state it in g/kg
    or g per cycle', and the recommended 'Replace with IVIG 140 g' cancelled it. An order 'completed' naming no
    order on the chart (all of it given) is the same. The card says it was recorded as given, keeps the safety labs
    (creatinine 3-5 days after, CBC for haemolysis) and offers nothing to cancel."""
    chart = _chart(today)
    if kind == "Immunization":
        _immunization_draft(chart, dose, "g", status="completed")
    else:
        resource = chart.medication_request(IVIG_CVX, dose, "g", start=0, status="completed", resource_id="ivig-mr",
                                            count=1)
        chart.draft_resource(resource)
    card, _ = _run(kb, chart, today)
    assert card["summary"].startswith("IVIG recorded as given: 1 safety issue to check (")
    assert card["detail"].startswith("**Check this IVIG recorded as given (immune globulin, intravenous).** A dose "
                                     "given cannot be cancelled: check creatinine 3-5 days after it")
    assert f"- {problem}" in card["detail"] and "(for this patient:" not in card["detail"]
    assert [s["label"] for s in card["suggestions"]] == ["IVIG safety labs: BMP before and 3-5 days after, CBC"]
    assert card["suggestions"][0]["isRecommended"]
    assert not any(a["type"] == "delete" for s in card["suggestions"] for a in s["actions"])


def test_ivig_recorded_as_given_beside_an_order_replaces_only_the_order(kb, today):
    chart = _draft(_immunization_draft(_chart(today), 70, "g", status="completed"), 3, "g/kg", text="per cycle")
    card, _ = _run(kb, chart, today)
    assert card["detail"].startswith("**Check this IVIG order (immune globulin, intravenous).** Also among the "
                                     "orders, recorded as given (it cannot be cancelled): immune globulin, "
                                     "intravenous.")
    [replace] = [s for s in card["suggestions"] if s["label"].startswith("Replace with")]
    assert [a["resourceId"] for a in replace["actions"] if a["type"] == "delete"] == ["MedicationRequest/draft-ivig"]


@pytest.mark.parametrize(("display", "text", "problem"), [
    ("immune globulin 50 MG/ML Injectable Solution", "Privigen 10% (immune globulin)",
     "the dose could not be read (its dose of 2000 mL cannot be read in g: its names state 50 and 100 mg/mL)"),
    ("immune globulin 100 MG/ML Injectable Solution", "Octagam 5% (immune globulin)",
     "the dose could not be read (its dose of 2000 mL cannot be read in g: its names state 50 and 100 mg/mL)"),
    (IVIG_CVX[2], "Privigen 10% (immune globulin)", "2.86 g/kg per cycle"),  # 10%: 200 g
])
def test_a_strength_named_as_a_percentage_is_read_as_one(kb, today, display, text, problem):
    """Review: a name giving the strength as a percentage was not read, so 2000 mL displayed as '50 MG/ML' and
    written 'Privigen 10%' was read at 50 mg/mL (100 g, quiet): at 10% it is 200 g, 2.86 g/kg at 70 kg. N % is N x 10
    mg/mL (w/v): a name that disagrees gives no dose, and one that states it alone gives the grams."""
    card = _ivig_2000_ml_drafted(kb, today, display, text)
    assert problem in card["detail"]


@pytest.mark.parametrize(("egfr", "egfr_day", "problem"), [
    (None, -10, "No eGFR within the last 30 days: check renal function after it (renal failure risk)."),
    (45, -10, "eGFR 45 on {day} is below 60: risk of IVIG-related acute kidney injury; check creatinine 3-5 days "
              "after it."),
])
def test_renal_function_is_asked_after_an_ivig_recorded_as_given(kb, today, egfr, egfr_day, problem):
    """Review: an IVIG recorded as given still said "check renal function before IVIG" (and "infuse slowly"): with
    every IVIG draft given, renal function is checked after it. Beside an IVIG order, before it, as before."""
    chart = _immunization_draft(_chart(today, egfr=egfr, egfr_day=egfr_day), 140, "g", status="completed")
    card, _ = _run(kb, chart, today)
    assert [line for line in card["detail"].splitlines() if line.startswith("- ")] == [
        f"- {problem.format(day=chart.at(egfr_day))}"]
    card, _ = _run(kb, _draft(chart, 2, "g/kg", text="per cycle"), today)
    assert ("check renal function before IVIG (renal failure risk)." if egfr is None
            else "avoid sucrose-containing products, hydrate, infuse slowly.") in card["detail"]


def test_r27_more_ivig_drafts_than_a_month_of_daily_orders_are_not_read_one_against_another(kb, today):
    """1,280 copies of an IVIG draft held a worker for 22 s (each draft's cycle was added up with every draft before
    it). More than MAX_DRAFTS_CHECKED (31: a cycle drafted one order a day for a month) is no real signing: R27 says
    it was not checked. A month of daily drafts is still read."""
    request = fhir_fixtures.get("r27-fires-one-cycle-in-two-steps").request(today)
    draft = request["context"]["draftOrders"]["entry"][0]["resource"]
    for count, status in ((MAX_DRAFTS_CHECKED, "fired"), (MAX_DRAFTS_CHECKED + 1, "not-evaluable")):
        request["context"]["draftOrders"]["entry"] = [{"resource": {**draft, "id": f"ivig-{i}"}} for i in range(count)]
        entry = explained(run(kb, request, today), RULE)
        assert entry["status"] == status
    assert entry["reason"].endswith("(32 were sent): check the cycle by hand")


def _regimen_on_chart(today, start=-26, end=None):
    """An active IVIG regimen, 1 g/kg a day x 2 days every 4 weeks (count = the days of each cycle), id 'ivig-regimen',
    and a draft of the same regimen from day +2 with no link to it."""
    chart = _chart(today)
    chart.medication(IVIG_CVX, 1, "g/kg", start=start, end=end, period=4, period_unit="wk", count=2,
                     resource_id="ivig-regimen")
    return chart.draft_resource(chart.medication_request(IVIG_CVX, 1, "g/kg", start=2, status="draft",
                                                         intent="proposal", period=4, period_unit="wk", count=2,
                                                         resource_id="draft-ivig"))


def test_r27_an_ivig_regimen_left_active_beside_its_draft_is_named_and_offered_to_discontinue(kb, today):
    """Follow-up review: the chart's regimen, due again on day +2, and the same regimen drafted from day +2 with no
    link: signing leaves both, a 4 g/kg cycle. R27 was quiet; it names the order left active (continuing.on_chart),
    with the days they share, and offers to keep the draft and discontinue it, beside the labs."""
    request = fhir_fixtures.get("r27-fires-regimen-left-active-beside-a-draft").request(today)
    result = run(kb, request, today)
    card = fired(result)[RULE]
    day = (today + timedelta(days=2)).isoformat()
    assert card["indicator"] == "warning"
    assert card["summary"] == "IVIG order: 1 safety issue to check (chart order left active)"
    assert ("- An IVIG order on the chart, immune globulin, intravenous (1 g/kg a day for 2 days, every 28 days), "
            f"stays active beside this draft: both would give IVIG (its cycle on {day} to "
            f"{(today + timedelta(days=3)).isoformat()}, in this draft's cycle from {day}: at least 4.00 g/kg in one "
            "cycle, above 2 g/kg). Discontinue it when signing") in card["detail"]
    keep = card["suggestions"][-1]
    assert keep["label"] == "Keep the draft and discontinue the order on the chart" and keep["isRecommended"]
    assert [taken_away(a) for a in keep["actions"]] == ["MedicationRequest/ivig-regimen"]
    assert card["selectionBehavior"] == "any"  # the labs stand beside it
    assert explained(result, RULE)["facts"]["on_chart_left_active"].startswith(
        "immune globulin, intravenous (MedicationRequest/ivig-regimen): still active")


def test_r27_a_regimen_left_active_with_its_next_cycle_apart_names_that_cycle(kb, today):
    """The chart's regimen begun 14 days ago is due again on day +14: 12 days after the draft's cycle, not in it."""
    card, _ = _run(kb, _regimen_on_chart(today, start=-14), today)
    assert (f"both would give IVIG (its next cycle on {(today + timedelta(days=14)).isoformat()} to "
            f"{(today + timedelta(days=15)).isoformat()}, 12 days after this draft's starts)") in card["detail"]


@pytest.mark.parametrize("how", ["priorPrescription", "re-sent", "ends first"])
def test_r27_quiet_when_the_draft_replaces_the_regimen_or_it_ends_first(kb, today, how):
    """Linked (priorPrescription, or re-sent with its id), signing stops the chart order; one whose bounds end
    before the draft starts gives no more cycles: no card."""
    if how == "priorPrescription":
        request = fhir_fixtures.get("r27-quiet-draft-replaces-the-regimen").request(today)
        result = run(kb, request, today)
        card, entry = fired(result).get(RULE), explained(result, RULE)
    else:
        chart = _regimen_on_chart(today, end=1 if how == "ends first" else None)
        if how == "re-sent":
            chart.drafts[-1]["id"] = "ivig-regimen"
        card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["facts"]["on_chart_left_active"] is None


def test_r27_a_corrected_order_offered_discontinues_the_regimen_left_active_too(kb, today):
    """With the draft's own dose over the limit, the corrected order offered cancels it and discontinues the chart's
    regimen (else that too would go on beside it); keeping the draft is not offered beside it: one cancels what the
    other keeps."""
    chart = _regimen_on_chart(today)
    chart.drafts[-1]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 1.5
    card, _ = _run(kb, chart, today)
    labels = [s["label"] for s in card["suggestions"]]
    assert labels[0].startswith("Replace with")
    assert "Keep the draft and discontinue the order on the chart" not in labels
    assert [taken_away(a) for a in card["suggestions"][0]["actions"] if taken_away(a)] == [
        "MedicationRequest/draft-ivig", "MedicationRequest/ivig-regimen"]


def test_r27_a_regimen_left_active_with_no_start_date_says_its_cycles_are_not_dated(kb, today):
    """The chart's regimen with no start date: when its cycles fall is not known, and that is said, not guessed."""
    card, _ = _run(kb, _draft(_standing_ivig_without_start(today), 2, "g/kg", text="per cycle"), today)
    assert "both would give IVIG (when its cycles fall is not known: it has no start date)" in card["detail"]


def _product(chart, product, dose, unit, *, route=None, period=4, days=2, text="per cycle"):
    """A drafted immune globulin named ``product`` (a name, or a (system, code, display) coding), every ``period``
    weeks over ``days`` days."""
    resource = chart.medication_request(product, dose, unit, start=0, status="draft", intent="proposal",
                                        period=period, period_unit="wk", route=route, resource_id="draft-ig",
                                        text=text)
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": days, "durationUnit": "d"})
    return chart.draft_resource(resource)


@pytest.mark.parametrize("product", [
    "Panzyga", "Kiovig", "Flebogamma DIF", "Intratect", "Bivigam", "Gammaplex 10%", "Asceniv", "Gammaked", "Yimmugo",
    "Alyglo", (RXNORM, "1658719", "Panzyga 100 MG/ML Injectable Solution")])
def test_ivig_brands_are_checked(kb, today, product):
    """Review 421 item 2: IVIG drafted by these brand names alone (or an RxNorm code the value sets lack, displayed
    with the brand) at 4 g/kg per cycle gave no card: "no IVIG in the draft orders". The pack has no RxNorm IVIG
    code (terminology README, Gaps), so the brands are name rows."""
    card, _ = _run(kb, _product(_chart(today), product, 4, "g/kg", route=ROUTE_IV), today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose > 2 g/kg)"


@pytest.mark.parametrize(("product", "route", "why"), [
    ("immune globulin subcutaneous (human) 20% [Hizentra]", ROUTE_SC, ": route subcutaneous"),
    ("Hizentra 20% subcutaneous immune globulin", None, ", by its name"),
    ("Cuvitru", None, ", by its name"),
    ("HyQvia", None, ", by its name"),
    ("Gamunex-C", ROUTE_SC, ": route subcutaneous"),  # given by either route: its route tells
    ("immune globulin", {"text": "subcut"}, ": route subcutaneous"),
])
def test_subcutaneous_immunoglobulin_is_not_checked_as_ivig_and_says_so(kb, today, product, route, why):
    """Review 421 item 3: Hizentra 0.2 g/kg SC weekly was called "cycles every 7 days, closer than 21 days", and the
    recommended suggestion cancelled it for IVIG 140 g IV every 4 weeks. Weekly SCIG is a valid regimen: R27's IVIG
    checks are not applied to it, and the explanation names it instead of staying silent."""
    chart = _product(_chart(today), product, 0.2, "g/kg", route=route, period=1, days=1, text="once weekly")
    card, entry = _run(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"
    assert entry["reason"].startswith("no IVIG in the draft orders; not checked as IVIG, whose 2 g/kg per cycle and "
                                      "21 days between cycles do not apply to it: ")
    assert entry["facts"]["not_ivig_drafts"] == f"{product} (subcutaneous immunoglobulin, SCIG{why})"


def test_subcutaneous_names_still_count_as_an_immune_globulin_for_the_other_rules(kb):
    """The SCIG name rows are read whole (the scig group), and the generic ones stay in ivig, as 'immune globulin'
    read them before: R05, R15, R17, R19 and R28 still see them; a brand alone was never ivig and is not."""
    assert {m.group for m in kb.valuesets.lookup_names("immune globulin subcutaneous (human) 20% [Hizentra]")} == {
        "ivig", "scig"}
    assert {m.group for m in kb.valuesets.lookup_names("Hizentra")} == {"scig"}


def test_a_dual_route_brand_given_iv_weekly_is_still_checked_as_ivig(kb, today):
    card, entry = _run(kb, _product(_chart(today), "Gamunex-C", 0.2, "g/kg", route=ROUTE_IV, period=1, days=1),
                       today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (interval < 21 d)"
    assert entry["facts"]["not_ivig_drafts"] is None


def test_scig_drafted_beside_ivig_is_named_and_the_ivig_checked(kb, today):
    chart = _product(_draft(_chart(today), 4, "g/kg", text="per cycle"), "Hizentra", 0.2, "g/kg", period=1, days=1)
    card, entry = _run(kb, chart, today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (dose > 2 g/kg)"
    assert entry["facts"]["not_ivig_drafts"] == "Hizentra (subcutaneous immunoglobulin, SCIG, by its name)"


def _signed(kb, today, chart, card):
    """R27's entry for the corrected order ``card`` recommends, drafted alone on ``chart``'s record."""
    chart.drafts.clear()
    chart.draft_resource(card["suggestions"][0]["actions"][-1]["resource"])
    return _run(kb, chart, today)


@pytest.mark.parametrize(("dose", "unit", "days", "text", "per_day", "label", "how"), [
    # review 421 item 5: 0.4 g/kg a day x 5 every 2 weeks became 125 g (1.69 g/kg at 74 kg)
    (0.4, "g/kg", 5, "0.4 g/kg per day for 5 days every 2 weeks", 0.4, "2 g/kg per cycle over 5 days",
     "the drafted dose kept (0.4 g/kg/day x 5 days); only the interval changes"),
    (140, "g", 3, "140 g per cycle", 46.66, "140 g per cycle over 3 days",
     "the drafted dose kept (140 g per cycle over 3 days); 46.66 g a day, rounded down to 0.01 g; only the interval "
     "changes"),
    (1, "g/kg", 1, "1 g/kg per cycle", 1, "1 g/kg per cycle over 1 day",
     "the drafted dose kept (1 g/kg in one day); only the interval changes"),
])
def test_a_draft_wrong_only_in_its_interval_is_replaced_with_its_own_dose(kb, today, dose, unit, days, text, per_day,
                                                                        label, how):
    """Review 421 item 5: only the interval wrong, the corrected order gave 2 g/kg on the weight, each day's share
    rounded down to 5 g unsaid. It now keeps the draft's dose and days, every 4 weeks, and signed it passes R27."""
    chart = _chart(today, weight=74)
    card, _ = _run(kb, _draft(chart, dose, unit, days=days, period=2, text=text), today)
    assert card["summary"] == "IVIG order: 1 safety issue to check (interval < 21 d)"
    replace = card["suggestions"][0]
    assert replace["isRecommended"] and replace["label"] == f"Replace with IVIG {label} every 4 weeks"
    assert f"every 4 weeks** (this order: {how})." in card["detail"]
    dosage = replace["actions"][-1]["resource"]["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"] == {"value": per_day, "unit": unit, "system": UCUM, "code": unit}
    assert dosage["timing"]["repeat"]["duration"] == days and dosage["timing"]["repeat"]["period"] == 4
    assert _signed(kb, today, chart, card)[1]["status"] == "not-fired"


def test_a_kept_dose_on_adjusted_weight_names_it_in_the_corrected_order(kb, today):
    """An obese patient's 1 g/kg a day x 2 on adjusted body weight every 2 weeks: the corrected order keeps the
    dose and says its weight, so that the obesity check reads it as the draft (not as actual-weight dosing)."""
    chart = _chart(today, weight=110).height(168, day=-60)
    card, _ = _run(kb, _draft(chart, 1, "g/kg", period=2, text="1 g/kg/day adjusted body weight x 2 days"), today)
    dosage = card["suggestions"][0]["actions"][-1]["resource"]["dosageInstruction"][0]
    assert dosage["text"].startswith("IVIG 2 g/kg per cycle (1 g/kg (adjusted body weight) IV daily on 2 "
                                     "consecutive days), every 4 weeks; ")
    assert _signed(kb, today, chart, card)[1]["status"] == "not-fired"


def test_a_computed_replacement_states_its_rounding_in_2_5_g_vials(kb, today):
    """Review 421 item 5 (fixture r27-fires-one-cycle-in-two-steps): 3 g/kg at 70 kg over 5 days was replaced with
    125 g ("2 g/kg x 70.0 kg = 125 g"): each day's share rounded down to 5 g, unsaid. In 2.5 g vials a day, as R19
    rounds, it is 137.5 g, and the card and the order say how."""
    request = fhir_fixtures.get("r27-fires-one-cycle-in-two-steps").request(today)
    result = run(kb, request, today)
    card, entry = fired(result)[RULE], explained(result, RULE)
    how = ("2 g/kg x 70.0 kg body weight = 140 g per cycle; given as 27.5 g/day x 5 = 137.5 g (rounded down to 2.5 g "
           "a day)")
    assert f"(for this patient: {how})" in card["detail"]
    assert card["suggestions"][0]["label"] == "Replace with IVIG 137.5 g per cycle over 5 days every 4 weeks"
    assert card["suggestions"][0]["actions"][-1]["resource"]["dosageInstruction"][0]["text"] == (
        f"IVIG 137.5 g per cycle (27.5 g IV daily on 5 consecutive days), every 4 weeks; {how}")
    assert entry["facts"]["suggested_per_cycle"] == f"137.5 g per cycle: {how}"


@pytest.mark.parametrize(("grams", "summary"), [
    (150, "1 safety issue to check (dose unclear)"),  # review 421 item 7: within the adjusted-weight dose per cycle
    (220, "2 safety issues to check (dose unclear; BMI >= 30 on actual weight)"),  # read either way 2 g/kg actual
])
def test_obesity_is_called_actual_weight_dosing_only_when_every_reading_is(kb, today, grams, summary):
    """Review 421 item 7: 110 kg, 168 cm, 150 g over 2 days, per day or per cycle unsaid, was also told "the dose is
    based on actual body weight; use adjusted body weight (79.8 kg)": the per-day reading (300 g) is an overdose,
    said as one, not obesity dosing; read per cycle it is within the adjusted-weight dose."""
    chart = _chart(today, weight=110).height(168, day=-60)
    card, _ = _run(kb, _draft(chart, grams, "g"), today)
    assert card["summary"] == f"IVIG order: {summary}"
    assert ("based on actual body weight" in card["detail"]) is ("BMI" in summary)
