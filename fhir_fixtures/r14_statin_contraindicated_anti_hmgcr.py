"""Fixtures for R14 statin-contraindicated-anti-hmgcr: antibody positivity four ways, both hooks."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import ATORVASTATIN_40, IMNM_SNOMED, Chart

RULE = "statin-contraindicated-anti-hmgcr"


def _hmgcr_chart(today: date, form: str = "interpretation") -> Chart:
    chart = Chart(today, age=61, sex="male")
    chart.condition(IMNM_SNOMED, onset=-120)
    chart.antibody("anti_hmgcr", "positive", day=-110, form=form)
    chart.antibody("anti_srp", "negative", day=-110)
    return chart


for _form in ("interpretation", "coded", "string", "quantity"):
    def _build(today: date, form: str = _form) -> dict[str, Any]:
        chart = _hmgcr_chart(today, form)
        chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva")
        return chart.request("order-sign")

    fixture(f"r14-fires-order-sign-antibody-{_form}", hook="order-sign",
            story=f"Anti-HMGCR positive (as {_form}); atorvastatin 40 mg drafted.",
            fires={RULE}, indicators={RULE: "critical"})(_build)


@fixture("r14-fires-patient-view-active-statin", hook="patient-view",
         story="Anti-HMGCR myopathy with simvastatin still active on the medication list.",
         fires={RULE}, indicators={RULE: "critical"})
def active_statin(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today)
    chart.medication("simvastatin 20 mg tablet", 20, "mg", start=-400)
    return chart.request("patient-view")


@fixture("r14-fires-red-yeast-rice-statin-associated", hook="order-sign",
         story="Statin-associated autoimmune myopathy on the problem list; red yeast rice drafted.",
         fires={RULE})
def red_yeast_rice(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66)
    chart.condition("Statin-associated autoimmune myopathy", onset=-300)
    chart.draft("Red yeast rice 600 mg capsule", 1200, "mg")
    return chart.request("order-sign")


@fixture("r14-quiet-anti-hmgcr-negative", hook="order-sign",
         story="Anti-HMGCR negative (anti-SRP positive); a statin is drafted: no R14 card.", quiet={RULE})
def negative(today: date) -> dict[str, Any]:
    chart = Chart(today, age=58)
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.antibody("anti_hmgcr", "negative", day=-190)
    chart.antibody("anti_srp", "positive", day=-190)
    chart.draft(ATORVASTATIN_40, 40, "mg")
    return chart.request("order-sign")


@fixture("r14-quiet-statin-stopped", hook="patient-view",
         story="Anti-HMGCR positive; the statin was stopped a year ago: nothing to stop now.", quiet={RULE})
def stopped(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today)
    chart.medication(ATORVASTATIN_40, 40, "mg", start=-800, end=-365, status="stopped")
    return chart.request("patient-view")


@fixture("r14-fires-condition-under-local-code", hook="order-sign",
         story="Anti-HMGCR myopathy charted under a local code that names no system (no antibody result on file); "
               "atorvastatin 40 mg drafted.", fires={RULE}, indicators={RULE: "critical"})
def local_code(today: date) -> dict[str, Any]:
    chart = Chart(today, age=59)
    chart.condition("Anti-HMGCR myopathy", onset=-200)
    chart.resources["conditions"][-1]["code"]["coding"] = [{"code": "MYO-HMGCR"}]
    return chart.draft(ATORVASTATIN_40, 40, "mg").request("order-sign")


@fixture("r14-fires-statin-induced-necrotizing-autoimmune-myopathy", hook="order-sign",
         story="'Statin-induced necrotizing autoimmune myopathy' on the problem list (no antibody result on file); "
               "atorvastatin 40 mg drafted.", fires={RULE}, indicators={RULE: "critical"})
def statin_induced(today: date) -> dict[str, Any]:
    chart = Chart(today, age=68).condition("Statin-induced necrotizing autoimmune myopathy", onset=-400)
    return chart.draft(ATORVASTATIN_40, 40, "mg").request("order-sign")


@fixture("r14-fires-patient-view-statin-status-unreadable", hook="patient-view",
         story="Anti-HMGCR myopathy; atorvastatin on the chart with a status that is no FHIR code ('foo'), its dates "
               "open: counted as possibly active, and the card says its status could not be read.",
         fires={RULE}, indicators={RULE: "critical"})
def status_unreadable(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today)
    return chart.medication(ATORVASTATIN_40, 40, "mg", start=-200, status="foo").request("patient-view")


@fixture("r14-fires-pcsk9-antibody-still-acting", hook="order-sign",
         story="Anti-HMGCR myopathy; alirocumab completed, its last dose 20 days ago (within the label's dosing "
               "window); atorvastatin drafted: no second PCSK9 antibody is offered, and the card says why.",
         fires={RULE}, indicators={RULE: "critical"})
def pcsk9_still_acting(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today)
    chart.medication("Praluent 150 mg/mL pen", 150, "mg", start=-20, end=-20, status="completed",
                     resource_id="alirocumab-1")
    return chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva").request("order-sign")


def _with_supply(chart: Chart, days: int) -> Chart:
    """The chart's last order given a dispensed supply of ``days`` days (dispenseRequest.expectedSupplyDuration)."""
    chart.resources["medications"][-1]["dispenseRequest"] = {"expectedSupplyDuration": {
        "value": days, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}}
    return chart


@fixture("r14-fires-patient-view-statin-completed-supply-running", hook="patient-view",
         story="Anti-HMGCR myopathy; simvastatin's order completed, but the 90-day supply dispensed 60 days ago runs "
               "to D+29 and no other statin is active: it may still be taken, so the card fires, says the order ended "
               "and asks to check, and offers nothing to discontinue.",
         fires={RULE}, indicators={RULE: "critical"})
def completed_supply_running(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today).medication("simvastatin 20 mg tablet", 20, "mg", start=-60, status="completed",
                                           resource_id="simva-1")
    return _with_supply(chart, 90).request("patient-view")


@fixture("r14-quiet-statin-stopped-today", hook="patient-view",
         story="Anti-HMGCR positive; atorvastatin stopped today (the EHR writes the day of the stop as its end date), "
               "its 90-day supply from 60 days ago still running, and no other statin: a stop is what the card asks "
               "for, so it never fires the card alone; the explanation names it, to check.", quiet={RULE})
def stopped_today(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-60, end=0, status="stopped")
    return _with_supply(chart, 90).request("patient-view")


@fixture("r14-fires-order-sign-statin-also-on-chart", hook="order-sign",
         story="Anti-HMGCR myopathy; simvastatin active on the chart and atorvastatin drafted: the card names the "
               "simvastatin, which cancelling the draft leaves on, and every suggestion discontinues it.",
         fires={RULE}, indicators={RULE: "critical"})
def statin_also_on_chart(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today).medication("simvastatin 20 mg tablet", 20, "mg", start=-400, resource_id="simva-1")
    return chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva").request("order-sign")


@fixture("r14-quiet-order-sign-statin-stop-drafted", hook="order-sign",
         story="Anti-HMGCR myopathy; the atorvastatin on the chart re-sent as a draft written 'stopped': it orders no "
               "statin, it discontinues one, so no card (it offered to cancel the stop).", quiet={RULE})
def statin_stop_drafted(today: date) -> dict[str, Any]:
    chart = _hmgcr_chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-400, resource_id="atorva-1")
    return chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="atorva-1", status="stopped").request("order-sign")
