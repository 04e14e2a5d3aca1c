"""Demo patient stories: whole charts on which several rules meet, as a clinician would meet them.

The single-rule fixtures (``r01_*`` ... ``r33_*``) each isolate one row of the rule table. These stories are
the opposite: a realistic chart where several cards fire together and others must stay quiet, so they test the
rules' interplay (suppression gates, subtype routing, order-sign next to patient-view) and are what the sandbox
page offers first. Each declares the whole outcome for its hook: every rule id is in ``fires`` or ``quiet``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ANTI_HBC,
    ATORVASTATIN_40,
    HBSAG,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    NEC_FASCIITIS_ICD,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    TMP_SMX_DS,
    TMP_SMX_SS,
    Chart,
)
from fhir_fixtures.r25_giop_bone_protection import ALENDRONATE, CALCIUM, CPT_DXA_AXIAL, VITAMIN_D3
from hooks.knowledge import discover_rules

# Rule ids by number (clinical-rules.md section 5), so each story's outcome reads against the table.
R01 = "nsti-no-immunosuppression"
R02 = "ibm-immunosuppression-futile"
R03 = "myositis-antibody-panel-missing"
R04 = "imnm-dual-antibody-positive"
R05 = "imnm-add-steroid-sparing-by-month-1"
R06 = "prednisone-adult-dose-check"
R07 = "ivmp-pulse-dose-cap"
R08 = "mtx-once-weekly-hard-stop"
R09 = "mtx-weekly-dose-range"
R10 = "mtx-start-prerequisites"
R11 = "mtx-tmp-smx-interaction"
R12 = "aza-tpmt-nudt15-before-start"
R13 = "aza-xanthine-oxidase-interaction"
R14 = "statin-contraindicated-anti-hmgcr"
R15 = "hmgcr-add-ivig-inadequate-response"
R16 = "srp-add-rituximab-inadequate-response"
R17 = "imnm-refractory-next-line"
R18 = "seronegative-imnm-workup"
R19 = "imnm-severe-disease-urgent"
R20 = "srp-cardiac-evaluation"
R21 = "imnm-possible-relapse-on-taper"
R22 = "imnm-ck-monitoring-due"
R23 = "weakness-with-normal-ck"
R24 = "pjp-prophylaxis-missing"
R25 = "giop-bone-protection"
R26 = "hbv-screen-before-rituximab"
R27 = "ivig-order-safety"
R28 = "live-vaccine-while-immunosuppressed"
R29 = "vaccinate-before-immunosuppression"
R30 = "imnm-cancer-screening"
R31 = "ici-myositis"
R32 = "pediatric-myositis-dose-limits"
R33 = "dosing-weight-missing"

# Which rules listen to which hook, as the rules declare it, so a story's quiet set is "all the others".
_RULES = [loaded.rule for loaded in discover_rules()]
PATIENT_VIEW = frozenset(r.id for r in _RULES if "patient-view" in r.hooks)
ORDER_SIGN = frozenset(r.id for r in _RULES if "order-sign" in r.hooks)

CT_CAP = ("http://loinc.org", "72253-8", "CT Chest and Abdomen and Pelvis WO contrast")
JDM = "Juvenile dermatomyositis"
PREDNISOLONE_5 = "prednisolone 5 MG Oral Tablet"


def _quiet(hook: str, fires: set[str]) -> frozenset[str]:
    return (PATIENT_VIEW if hook == "patient-view" else ORDER_SIGN) - fires


def _adult_imnm(today: date, *, age: int, sex: str, onset: int, kg: float, cm: float) -> Chart:
    """An adult with coded IMNM, a current weight and height, and a negative HBV screen."""
    chart = Chart(today, age=age, sex=sex, patient_id=f"story-{age}{sex[0]}")
    chart.condition(IMNM_SNOMED, onset=onset)
    chart.weight(kg, day=-4).height(cm, day=-60)
    chart.observation(HBSAG, onset + 10, interpretation="NEG")
    chart.observation(ANTI_HBC, onset + 10, interpretation="NEG")
    return chart


def _bone_protection(chart: Chart, start: int, dxa: int) -> None:
    """Calcium, vitamin D and weekly alendronate from ``start`` and a DXA on ``dxa``: what quiets the bone-protection
    card (R25; an induction course of 30 mg/day or more for over 30 days is very high fracture risk, ACR 2022)."""
    chart.medication(CALCIUM, 600, "mg", start=start)
    chart.medication(VITAMIN_D3, 1000, "[IU]", start=start)
    chart.medication(ALENDRONATE, 70, "mg", start=start, period=1, period_unit="wk")
    chart.procedure(CPT_DXA_AXIAL, day=dxa)


# ------------------------------------------------------------------------------------------------ HMGCR, month 7

HMGCR_FIRES = {R14, R15, R24, R25, R30}


@fixture("story-hmgcr-month-7-ck-high-statin-still-listed", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM, month 7 of prednisone + weekly methotrexate, CK still 2,600 U/L; atorvastatin "
               "is still on the medication list.",
         fires=HMGCR_FIRES, quiet=_quiet("patient-view", HMGCR_FIRES),
         indicators={R14: "critical", R15: "warning"})
def hmgcr_month_7(today: date) -> dict[str, Any]:
    """Escalation (R15) and lifelong statin avoidance (R14) meet; the month-1 rule (R05) is satisfied by MTX."""
    chart = _adult_imnm(today, age=61, sex="male", onset=-240, kg=82, cm=176)
    chart.antibody("anti_hmgcr", "positive", day=-228).antibody("anti_srp", "negative", day=-228)
    chart.ck(11800, day=-214).ck(7400, day=-180).ck(4100, day=-120).ck(3100, day=-60).ck(2600, day=-6)
    chart.medication(ATORVASTATIN_40, 1, "{tbl}", start=-900)
    chart.medication(PREDNISONE_20, 60, "mg", start=-210, end=-150, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-149, end=-90, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-89)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-190, period=1, period_unit="wk", day_of_week=["fri"])
    return chart.request("patient-view")


# ------------------------------------------------------------------------------------------------ SRP, month 4

SRP_FIRES = {R16, R20, R24, R25}


@fixture("story-srp-month-4-no-rituximab", hook="patient-view", demo=True,
         story="Anti-SRP IMNM at month 4 on prednisone + methotrexate, CK 3,400 U/L, rituximab never given, "
               "no cardiac work-up.",
         fires=SRP_FIRES, quiet=_quiet("patient-view", SRP_FIRES), indicators={R16: "warning"})
def srp_month_4(today: date) -> dict[str, Any]:
    """Rituximab escalation (R16) with the SRP cardiac screen (R20); no cancer screening card for SRP (R30)."""
    chart = _adult_imnm(today, age=44, sex="female", onset=-140, kg=63, cm=164)
    chart.antibody("anti_srp", "positive", day=-132).antibody("anti_hmgcr", "negative", day=-132)
    chart.ck(14500, day=-124).ck(8200, day=-90).ck(5100, day=-45).ck(3400, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-122, end=-70, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-69)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-110, period=1, period_unit="wk", day_of_week=["sun"])
    return chart.request("patient-view")


# ------------------------------------------------------------------------------------------------ seronegative

SERONEG_FIRES = {R05, R18, R24, R25, R30}


@fixture("story-seronegative-no-biopsy", hook="patient-view", demo=True,
         story="Antibody-negative necrotizing myopathy, 6 weeks on prednisone alone, no muscle biopsy and no "
               "cancer screening on file.",
         fires=SERONEG_FIRES, quiet=_quiet("patient-view", SERONEG_FIRES))
def seronegative(today: date) -> dict[str, Any]:
    """Biopsy and mimics (R18), the highest cancer risk (R30), and no steroid-sparing agent yet (R05)."""
    chart = _adult_imnm(today, age=67, sex="female", onset=-60, kg=70, cm=160)
    chart.antibody("anti_hmgcr", "negative", day=-55).antibody("anti_srp", "negative", day=-55)
    chart.ck(6200, day=-50).ck(3900, day=-20).ck(2100, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    return chart.request("patient-view")


# ------------------------------------------------------------------------------------------------ relapse on taper

RELAPSE_FIRES = {R21}


@fixture("story-relapse-on-taper-after-ivig", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM in remission after IVIG; prednisone tapered to 7.5 mg and CK back up to 550 U/L "
               "from a nadir of 160.",
         fires=RELAPSE_FIRES, quiet=_quiet("patient-view", RELAPSE_FIRES), indicators={R21: "warning"})
def relapse(today: date) -> dict[str, Any]:
    """Possible relapse (R21) during a taper; bone protection and screening are documented so they stay quiet."""
    chart = _adult_imnm(today, age=56, sex="female", onset=-420, kg=68, cm=168)
    chart.antibody("anti_hmgcr", "positive", day=-410).antibody("anti_srp", "negative", day=-410)
    for value, day in ((9400, -400), (6900, -360), (3800, -300), (1200, -240), (450, -180), (220, -120),
                       (160, -60), (550, -6)):
        chart.ck(value, day=day)
    chart.medication(PREDNISONE_20, 60, "mg", start=-395, end=-300, status="completed")
    chart.medication(PREDNISONE_20, 30, "mg", start=-299, end=-200, status="completed")
    chart.medication(PREDNISONE_20, 15, "mg", start=-199, end=-80, status="completed")
    chart.medication(PREDNISONE_5, 7.5, "mg", start=-79)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-380, period=1, period_unit="wk", day_of_week=["mon"])
    for start in (-300, -272, -244, -216, -188, -160):
        chart.medication(IVIG_CVX, 1, "g/kg", start=start, end=start + 1, status="completed", route=ROUTE_IV)
    _bone_protection(chart, start=-390, dxa=-380)
    chart.procedure(CT_CAP, day=-200)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=-390)
    return chart.request("patient-view")


# ------------------------------------------------------------------------------------------------ order-sign MTX

MTX_FIRES = {R08, R10, R11}


@fixture("story-order-sign-daily-methotrexate-with-tmp-smx", hook="order-sign", demo=True,
         story="New IMNM; methotrexate 15 mg DAILY and TMP/SMX DS twice daily drafted together, no baseline labs.",
         fires=MTX_FIRES, quiet=_quiet("order-sign", MTX_FIRES), indicators={R08: "critical", R11: "critical"})
def daily_mtx(today: date) -> dict[str, Any]:
    """The hard stop (R08), the antifolate interaction at a treatment dose (R11) and missing prerequisites (R10)."""
    chart = _adult_imnm(today, age=52, sex="male", onset=-25, kg=90, cm=181)
    chart.antibody("anti_hmgcr", "positive", day=-20).antibody("anti_srp", "negative", day=-20)
    chart.ck(7800, day=-21).ck(5200, day=-2)
    chart.medication(PREDNISONE_20, 60, "mg", start=-18)
    chart.draft(METHOTREXATE_2_5, 15, "mg", resource_id="draft-mtx-daily")
    chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, resource_id="draft-tmp-smx")
    return chart.request("order-sign")


# ------------------------------------------------------------------------------------------------ NSTI gate

NSTI_FIRES = {R01}


@fixture("story-nsti-on-prednisone-labelled-myositis", hook="patient-view", demo=True,
         story="Necrotizing fasciitis 3 days ago, charted next to 'necrotizing myopathy' and on prednisone 60 mg: "
               "the infection gate silences IMNM escalation.",
         fires=NSTI_FIRES, quiet=_quiet("patient-view", NSTI_FIRES), indicators={R01: "critical"})
def nsti(today: date) -> dict[str, Any]:
    """R01 fires and holds back R05 (add a steroid-sparing agent), which the IMNM code alone would trigger."""
    chart = Chart(today, age=49, sex="male", patient_id="story-nsti")
    chart.condition(NEC_FASCIITIS_ICD, onset=-3)
    chart.condition(IMNM_SNOMED, onset=-50)
    chart.weight(95, day=-1).height(183, day=-40)
    chart.ck(9800, day=-2).ck(14200, day=-1)
    chart.medication(PREDNISONE_20, 60, "mg", start=-40)
    _bone_protection(chart, start=-40, dxa=-30)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=-40)
    return chart.request("patient-view")


# ------------------------------------------------------------------------------------------------ a child

CHILD_FIRES = {R32}


@fixture("story-child-jdm-adult-prednisone-dose", hook="order-sign", demo=True,
         story="A 10-year-old, 28 kg, with juvenile dermatomyositis: prednisolone 80 mg daily drafted (2.9 mg/kg, "
               "above the 60 mg paediatric maximum).",
         fires=CHILD_FIRES, quiet=_quiet("order-sign", CHILD_FIRES), indicators={R32: "warning"})
def child(today: date) -> dict[str, Any]:
    """The paediatric limits (R32) apply; the adult checks (R06 prednisone, R09 MTX) are gated off by age."""
    chart = Chart(today, age=10, sex="female", patient_id="story-child")
    chart.condition(JDM, onset=-14)
    chart.weight(28, day=-1).height(134, day=-5)
    chart.ck(2400, day=-12).ck(1900, day=-1)
    chart.draft(PREDNISOLONE_5, 80, "mg", resource_id="draft-prednisolone")
    return chart.request("order-sign")
