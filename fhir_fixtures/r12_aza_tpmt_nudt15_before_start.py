"""Fixtures for R12 aza-tpmt-nudt15-before-start: no result, poor and intermediate metabolizers (text, genotype,
activity number), a transfusion that invalidates the activity, a dose above 3 mg/kg/day (with the azathioprine on the
chart that a draft does not replace, or rewrites with no link), a child's weight too old to dose from, and the near
misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import AZATHIOPRINE_50, IMNM_SNOMED, LOINC, Chart

RULE = "aza-tpmt-nudt15-before-start"
TPMT_ACTIVITY = (LOINC, "21563-2", "Thiopurine methyltransferase [Enzymatic activity/volume] in Red Blood Cells")
TPMT_GENOTYPE = (LOINC, "41048-0", "TPMT Genotype")
NUDT15 = "NUDT15 genotype"


def patient(today: date, kg: float | None = 70, age: int = 52) -> Chart:
    chart = Chart(today, age=age, sex="male").condition(IMNM_SNOMED, onset=-60)
    if kg is not None:
        chart.weight(kg, day=-3)
    return chart


def normal_results(chart: Chart) -> Chart:
    chart.observation(TPMT_GENOTYPE, -20, value_string="*1/*1 (normal metabolizer)")
    return chart.observation(NUDT15, -20, value_string="*1/*1 normal metabolizer")


def _aza(chart: Chart, mg: float = 50, unit: str = "mg") -> dict[str, Any]:
    return chart.draft(AZATHIOPRINE_50, mg, unit, resource_id="aza-draft").request("order-sign")


@fixture("r12-fires-no-result", hook="order-sign", demo=True,
         story="IMNM; azathioprine 50 mg daily drafted; no TPMT and no NUDT15 result.", fires={RULE},
         indicators={RULE: "warning"})
def no_result(today: date) -> dict[str, Any]:
    return _aza(patient(today))


@fixture("r12-fires-tpmt-poor-text", hook="order-sign",
         story="TPMT reported as 'Poor metabolizer' (text); NUDT15 normal; azathioprine drafted.", fires={RULE},
         indicators={RULE: "critical"})
def tpmt_poor(today: date) -> dict[str, Any]:
    chart = patient(today).observation(TPMT_ACTIVITY, -40, value_string="Poor metabolizer (deficient activity)")
    return _aza(chart.observation(NUDT15, -40, value_string="*1/*1"))


@fixture("r12-fires-nudt15-poor-genotype", hook="order-sign",
         story="TPMT normal; NUDT15 genotype *3/*3 (poor); azathioprine drafted.", fires={RULE},
         indicators={RULE: "critical"})
def nudt15_poor(today: date) -> dict[str, Any]:
    chart = patient(today).observation(TPMT_GENOTYPE, -40, value_string="*1/*1")
    return _aza(chart.observation(NUDT15, -40, value_string="*3/*3"))


@fixture("r12-fires-tpmt-intermediate-activity-flag", hook="order-sign",
         story="TPMT activity reported as 'Intermediate activity'; NUDT15 normal; 150 mg/day drafted for 70 kg.",
         fires={RULE}, indicators={RULE: "warning"})
def tpmt_intermediate(today: date) -> dict[str, Any]:
    chart = patient(today).observation(TPMT_ACTIVITY, -30, value=11.2, unit="U/mL", low=15.1,
                                       value_code=None, interpretation=None)
    chart.resources["observations"][-1]["valueCodeableConcept"] = {"text": "Intermediate activity"}
    return _aza(chart.observation(NUDT15, -30, value_string="*1/*1"), mg=150)


@fixture("r12-fires-dose-above-3-mg-per-kg", hook="order-sign",
         story="Both genes normal; azathioprine 250 mg daily for 70 kg (3.6 mg/kg/day).", fires={RULE},
         indicators={RULE: "warning"})
def too_high(today: date) -> dict[str, Any]:
    return _aza(normal_results(patient(today)), mg=250)


@fixture("r12-fires-activity-after-transfusion", hook="order-sign",
         story="Normal TPMT activity measured 30 days after a red-cell transfusion (not valid); NUDT15 normal.",
         fires={RULE}, indicators={RULE: "warning"})
def after_transfusion(today: date) -> dict[str, Any]:
    chart = patient(today).procedure("Transfusion of packed red blood cells", -60)
    chart.observation(TPMT_ACTIVITY, -30, value=20.5, unit="U/mL", low=15.1)
    return _aza(chart.observation(NUDT15, -30, value_string="Normal metabolizer"))


@fixture("r12-quiet-both-normal-dose-ok", hook="order-sign",
         story="TPMT and NUDT15 normal; azathioprine 210 mg daily for 70 kg (exactly 3 mg/kg/day).", quiet={RULE})
def normal(today: date) -> dict[str, Any]:
    return _aza(normal_results(patient(today)), mg=210)


@fixture("r12-quiet-normal-activity-number", hook="order-sign",
         story="TPMT activity 18 U/mL (range from 15.1), no transfusion; NUDT15 'no variants detected'.",
         quiet={RULE})
def normal_number(today: date) -> dict[str, Any]:
    chart = patient(today).observation(TPMT_ACTIVITY, -200, value=18, unit="U/mL", low=15.1)
    return _aza(chart.observation(NUDT15, -200, value_string="No variants detected"))


@fixture("r12-quiet-patient-view", hook="patient-view", story="No TPMT result, azathioprine active: order-sign only.",
         quiet={RULE})
def patient_view(today: date) -> dict[str, Any]:
    return patient(today).medication(AZATHIOPRINE_50, 100, "mg", start=-100).request("patient-view")


def on_150_mg(today: date) -> Chart:
    """A 70 kg adult, both genes normal, on azathioprine 150 mg daily for 200 days (the order ``aza-150``)."""
    return normal_results(patient(today)).medication(AZATHIOPRINE_50, 150, "mg", start=-200, resource_id="aza-150")


@fixture("r12-fires-active-order-plus-unlinked-draft", hook="order-sign",
         story="On azathioprine 150 mg daily; 50 mg twice a day drafted with no link to it (another schedule): "
               "signed, 250 mg a day, 3.6 mg/kg/day at 70 kg (the draft alone is 1.4 mg/kg/day).",
         fires={RULE}, indicators={RULE: "warning"})
def active_plus_unlinked_draft(today: date) -> dict[str, Any]:
    return on_150_mg(today).draft(AZATHIOPRINE_50, 50, "mg", frequency=2, resource_id="aza-draft").request(
        "order-sign")


@fixture("r12-quiet-dose-change-replacing-the-active-order", hook="order-sign",
         story="On azathioprine 150 mg daily; 200 mg daily drafted naming it as its priorPrescription (the EHR's "
               "modify): it replaces it, so 2.9 mg/kg/day.", quiet={RULE})
def dose_change_replacing_active(today: date) -> dict[str, Any]:
    chart = on_150_mg(today).draft(AZATHIOPRINE_50, 200, "mg", resource_id="aza-draft")
    chart.replacing("aza-150")
    return chart.request("order-sign")


@fixture("r12-warns-unlinked-rewrite-leaves-chart-order-active", hook="order-sign",
         story="On azathioprine 150 mg daily; 100 mg daily drafted with no link to it: read as a dose change "
               "(1.4 mg/kg/day), but signing does not stop the 150 mg order, so the card warns that both would give "
               "250 mg a day (3.6 mg/kg/day) and offers to discontinue it.", fires={RULE},
         indicators={RULE: "warning"})
def unlinked_rewrite(today: date) -> dict[str, Any]:
    return _aza(on_150_mg(today), mg=100)


@fixture("r12-fires-child-weight-10-days-old", hook="order-sign",
         story="Boy aged 9, weighed 10 days ago (a child's dosing weight is at most 7 days old), no TPMT or NUDT15 "
               "result; azathioprine 2 mg/kg/day drafted: the mg/day is not computed, and the card says the window "
               "that applied, 7 days (it said 30, the adult one).", fires={RULE}, indicators={RULE: "warning"})
def child_weight_10_days_old(today: date) -> dict[str, Any]:
    return _aza(patient(today, kg=None, age=9).weight(30, day=-10), mg=2, unit="mg/kg")
