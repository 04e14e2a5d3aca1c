"""Fixtures for R27 ivig-order-safety: over-dose, obesity, missing eGFR/IgA, prior VTE; clean orders."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import EGFR, IMNM_SNOMED, IVIG_CVX, LOINC, ROUTE_IV, ROUTE_SC, UCUM, Chart
from fhir_fixtures.r10_mtx_start_prerequisites import CREATININE

RULE = "ivig-order-safety"
IGA = (LOINC, "2458-8", "Immunoglobulin A")


def _ivig(chart: Chart, dose: float, unit: str, days: int = 2, period: float = 4, **kwargs: Any) -> dict[str, Any]:
    resource = chart.medication_request(IVIG_CVX, dose, unit, start=0, status="draft", intent="proposal",
                                        period=period, period_unit="wk", resource_id=kwargs.pop("rid", "draft-ivig"),
                                        **kwargs)
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": days, "durationUnit": "d"})
    return resource


def _clean_chart(today: date) -> Chart:
    chart = Chart(today, age=54, sex="female")
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.antibody("anti_hmgcr", "positive", day=-190)
    chart.weight(70, day=-5).height(165, day=-100)
    chart.lab(EGFR, 92, "mL/min/{1.73_m2}", day=-10)
    chart.lab(IGA, 2.1, "g/L", day=-150)
    return chart


@fixture("r27-fires-2-g-per-kg-per-day", hook="order-sign",
         story="IVIG 2 g/kg daily for 2 days every 4 weeks (4 g/kg per cycle; the order text says daily).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_overdose(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 2, "g/kg", text="IVIG 2 g/kg daily x 2 days every 4 weeks")
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-no-egfr-no-iga-prior-dvt", hook="order-sign",
         story="IVIG 2 g/kg over 2 days q4 weeks, but no eGFR within 30 days, IgA never measured and a past DVT.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_checks(today: date) -> dict[str, Any]:
    chart = Chart(today, age=61)
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.condition("Deep vein thrombosis of left leg", onset=-900, status="resolved")
    chart.weight(80, day=-3)
    chart.lab(EGFR, 88, "mL/min/{1.73_m2}", day=-45)
    chart.draft_resource(_ivig(chart, 2, "g/kg", text="2 g/kg total per cycle over 2 days"))
    return chart.request("order-sign")


@fixture("r27-fires-obese-actual-weight", hook="order-sign",
         story="BMI 39 (110 kg, 168 cm), IVIG written as 2 g/kg per cycle on actual weight.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_obese(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    chart.weight(110, day=-2).height(168, day=-60)
    chart.draft_resource(_ivig(chart, 2, "g/kg", text="2 g/kg per cycle over 2 days"))
    return chart.request("order-sign")


@fixture("r27-quiet-140-g-over-2-days-q4wk", hook="order-sign",
         story="70 kg, eGFR 92, IgA normal: IVIG 140 g per cycle over 2 days every 4 weeks (2 g/kg): no card.",
         quiet={RULE})
def quiet_clean(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 140, "g")
    resource["dosageInstruction"][0]["maxDosePerPeriod"] = {
        "numerator": {"value": 140, "unit": "g", "system": "http://unitsofmeasure.org", "code": "g"},
        "denominator": {"value": 4, "unit": "wk", "system": "http://unitsofmeasure.org", "code": "wk"}}
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-quiet-0-4-g-per-kg-daily-x5", hook="order-sign",
         story="IVIG 0.4 g/kg per day for 5 days (2 g/kg per cycle) every 4 weeks, all checks met: no card.",
         quiet={RULE})
def quiet_daily(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 0.4, "g/kg", days=5, text="0.4 g/kg per day for 5 days every 4 weeks")
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-period-without-unit-said", hook="order-sign",
         story="IVIG 2 g/kg per cycle over 2 days, repeated with a period of 4 and no periodUnit: the interval cannot "
               "be read (FHIR requires the unit), so it cannot be checked and the card says so (it was read as every "
               "4 days; then, for a while, only 'not evaluable', with no card).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_period_without_unit(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 2, "g/kg", text="2 g/kg per cycle over 2 days")
    del resource["dosageInstruction"][0]["timing"]["repeat"]["periodUnit"]
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-duration-in-hours-over-2-g-per-kg", hook="order-sign",
         story="IVIG 1.5 g/kg daily every 4 weeks with a duration of 48 h: the days of a cycle are not written in "
               "days, and read as 2 days the cycle is 3 g/kg; the card says both (it showed no card, only 'not "
               "evaluable').",
         fires={RULE}, indicators={RULE: "warning"})
def fires_duration_in_hours(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 1.5, "g/kg", text="1.5 g/kg daily")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 48, "durationUnit": "h"})
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-one-cycle-in-two-steps", hook="order-sign",
         story="One IVIG cycle written as two sequenced steps: 1 g/kg on day 1, then 0.5 g/kg a day on days 2-5 "
               "(3 g/kg per cycle); the steps add up, as the IVIG taper reads them too.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_two_steps(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = chart.medication_request(IVIG_CVX, None, None, start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig")
    resource["dosageInstruction"] = [
        {"sequence": number, "text": f"{dose:g} g/kg daily for {days} days",
         "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                               "boundsDuration": {"value": days, "unit": "days", "system": UCUM, "code": "d"}}},
         "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "g/kg", "system": UCUM, "code": "g/kg"}}]}
        for number, (dose, days) in enumerate([(1, 1), (0.5, 4)], 1)]
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-duration-of-1-day-against-a-count-of-5", hook="order-sign",
         story="IVIG 0.8 g/kg daily, count 5, duration 1 d: the duration gives a cycle of 1 day, the count 5 days "
               "(4 g/kg). The longer is read and the card says both lengths and the overdose (the 1-day duration "
               "had been read alone: 0.8 g/kg per cycle, no card).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_duration_against_count(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = chart.medication_request(IVIG_CVX, 0.8, "g/kg", start=0, status="draft", intent="proposal",
                                        resource_id="draft-ivig", count=5)
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 1, "durationUnit": "d"})
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-quiet-2-g-per-kg-infused-over-24-h", hook="order-sign",
         story="IVIG 2 g/kg per cycle infused over 24 h every 4 weeks: 24 h is how long the infusion runs, one day, "
               "so the cycle is read (it was called 'cycle days unread').",
         quiet={RULE})
def quiet_infused_over_24_hours(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = _ivig(chart, 2, "g/kg", text="2 g/kg per cycle over 24 hours every 4 weeks")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 24, "durationUnit": "h"})
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-fires-child-creatinine-without-height", hook="order-sign",
         story="A 12-year-old weighed 2 days ago; the only renal result a creatinine 3 days old and no height on file: "
               "the bedside Schwartz eGFR needs a height, so the card names measuring it as the remedy and offers "
               "the nursing order (it said only 'check renal function').",
         fires={RULE}, indicators={RULE: "warning"})
def fires_child_without_height(today: date) -> dict[str, Any]:
    chart = Chart(today, age=12, sex="female").condition(IMNM_SNOMED, onset=-200).weight(40, day=-2)
    chart.lab(CREATININE, 0.5, "mg/dL", day=-3).lab(IGA, 2.1, "g/L", day=-150)
    return chart.draft_resource(_ivig(chart, 2, "g/kg", text="2 g/kg per cycle over 2 days")).request("order-sign")


def _regimen_and_draft(today: date) -> Chart:
    """An active IVIG regimen (1 g/kg a day for 2 days every 4 weeks, count = the days of each cycle, as the service
    contract's cyclic regimens write one) begun 26 days ago with no end, and a draft of the same regimen from day +2,
    when the regimen's next cycle falls."""
    chart = _clean_chart(today)
    regimen = "IVIG 1 g/kg daily x 2 days every 4 weeks"
    chart.medication(IVIG_CVX, 1, "g/kg", start=-26, period=4, period_unit="wk", count=2, text=regimen,
                     resource_id="ivig-regimen")
    return chart.draft_resource(chart.medication_request(IVIG_CVX, 1, "g/kg", start=2, status="draft",
                                                         intent="proposal", period=4, period_unit="wk", count=2,
                                                         text=regimen, resource_id="draft-ivig"))


@fixture("r27-fires-regimen-left-active-beside-a-draft", hook="order-sign",
         story="IVIG 1 g/kg a day x 2 days every 4 weeks on the chart since day -26, no end, and the same regimen "
               "drafted from day +2 with no link to it: signing leaves the chart order active, and both give a cycle "
               "on day +2 (4 g/kg). R27 names it and offers to discontinue the chart order (it was quiet).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_regimen_left_active(today: date) -> dict[str, Any]:
    return _regimen_and_draft(today).request("order-sign")


@fixture("r27-quiet-draft-replaces-the-regimen", hook="order-sign",
         story="The same draft naming the chart's IVIG regimen as its priorPrescription (the EHR's renew): signing "
               "stops the chart order, one cycle of 2 g/kg: no card.",
         quiet={RULE})
def quiet_draft_replaces_regimen(today: date) -> dict[str, Any]:
    return _regimen_and_draft(today).replacing("ivig-regimen").request("order-sign")


@fixture("r27-fires-panzyga-by-brand-name-4-g-per-kg", hook="order-sign",
         story="IVIG drafted by its brand name alone, 'Panzyga', 4 g/kg per cycle over 2 days every 4 weeks: the brand "
               "is read as IVIG and the overdose named (no card before: 'no IVIG in the draft orders').",
         fires={RULE}, indicators={RULE: "warning"})
def fires_brand_name(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    resource = chart.medication_request("Panzyga", 4, "g/kg", start=0, status="draft", intent="proposal", period=4,
                                        period_unit="wk", route=ROUTE_IV, resource_id="draft-ivig",
                                        text="4 g/kg per cycle over 2 days every 4 weeks")
    resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": 2, "durationUnit": "d"})
    return chart.draft_resource(resource).request("order-sign")


@fixture("r27-quiet-scig-hizentra-weekly", hook="order-sign",
         story="Subcutaneous immunoglobulin (Hizentra) 0.2 g/kg SC once weekly: SCIG, not IVIG, so R27's 21-day "
               "interval does not apply; the explanation names it (it said 'cycles every 7 days' and offered IVIG "
               "140 g IV every 4 weeks in its place).",
         quiet={RULE})
def quiet_scig(today: date) -> dict[str, Any]:
    chart = _clean_chart(today)
    chart.draft("immune globulin subcutaneous (human) 20% [Hizentra]", 0.2, "g/kg", period=1, period_unit="wk",
                route=ROUTE_SC, resource_id="draft-scig", text="0.2 g/kg SC once weekly")
    return chart.request("order-sign")


@fixture("r27-fires-q2-weeks-keeps-the-drafted-dose", hook="order-sign",
         story="IVIG 0.4 g/kg a day for 5 days every 2 weeks (74 kg): only the interval is wrong, so the corrected "
               "order keeps 0.4 g/kg a day x 5, every 4 weeks (it offered 125 g, 2 g/kg rounded down unsaid).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_interval_only(today: date) -> dict[str, Any]:
    chart = _clean_chart(today).weight(74, day=-2)
    resource = _ivig(chart, 0.4, "g/kg", days=5, period=2, text="0.4 g/kg per day for 5 days every 2 weeks")
    return chart.draft_resource(resource).request("order-sign")
