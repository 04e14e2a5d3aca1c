"""Fixtures for R03 myositis-antibody-panel-missing: who needs the antibodies, and near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    DERMATOMYOSITIS_ICD,
    IBM_ICD,
    ICD10,
    IMNM_SNOMED,
    NEC_FASCIITIS_ICD,
    ROUTE_IV,
    Chart,
)

RULE = "myositis-antibody-panel-missing"
JDM_ICD = (ICD10, "M33.00", "Juvenile dermatomyositis, organ involvement unspecified")


@fixture("r03-fires-imnm-without-antibodies", hook="patient-view", demo=True,
         story="IMNM on the problem list, CK 6,200 U/L, neither anti-HMGCR nor anti-SRP ever resulted.",
         fires={RULE}, indicators={RULE: "info"})
def imnm(today: date) -> dict[str, Any]:
    chart = Chart(today, age=59)
    chart.condition(IMNM_SNOMED, onset=-25)
    chart.ck(6200, day=-20)
    return chart.request("patient-view")


def jdm_anti_nxp2_positive(today: date) -> Chart:
    """Juvenile dermatomyositis since D-45 in an 11-year-old, anti-NXP2 positive (by name, D-35), CK 4,800 -> 900;
    no anti-HMGCR, anti-SRP or other panel result on file (the reviewer's case)."""
    chart = Chart(today, age=11, sex="female")
    chart.condition(JDM_ICD, onset=-45)
    chart.observation("Anti-NXP2 antibody", -35, value_string="Positive")
    chart.ck(4800, day=-40, uln=170).ck(900, day=-2, uln=170)
    return chart


@fixture("r03-fires-jdm-anti-nxp2-positive-offers-the-rest", hook="patient-view",
         story="JDM with anti-NXP2 positive: R03 pre-selected anti-HMGCR/SRP and a panel that includes NXP2 "
               "(review). It now names anti-NXP2 as on file, orders the panel for the antibodies with no result, "
               "and offers anti-HMGCR/SRP unselected (myositis-specific antibodies are usually exclusive).",
         fires={RULE}, indicators={RULE: "info"})
def jdm_nxp2(today: date) -> dict[str, Any]:
    return jdm_anti_nxp2_positive(today).request("patient-view")


@fixture("r03-fires-ck-1000-with-proximal-weakness", hook="patient-view",
         story="No myositis diagnosis yet: proximal weakness and CK exactly 1,000 U/L 30 days ago.",
         fires={RULE}, indicators={RULE: "info"})
def ck_edge(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66)
    chart.condition("Proximal muscle weakness", onset=-40)
    chart.ck(1000, day=-30)
    return chart.request("patient-view")


@fixture("r03-fires-provisional-suspected-myopathy", hook="patient-view",
         story="'Suspected inflammatory myopathy' (provisional); anti-HMGCR negative, anti-SRP never resulted.",
         fires={RULE})
def provisional(today: date) -> dict[str, Any]:
    chart = Chart(today, age=44)
    chart.condition("Suspected inflammatory myopathy", onset=-10, verification="provisional")
    chart.antibody("anti_hmgcr", "negative", day=-5)
    return chart.request("patient-view")


@fixture("r03-quiet-ck-999", hook="patient-view",
         story="Proximal weakness with CK 999 U/L (below 1,000) and no myositis diagnosis.", quiet={RULE})
def ck_below(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66)
    chart.condition("Proximal muscle weakness", onset=-40)
    chart.ck(999, day=-3)
    return chart.request("patient-view")


@fixture("r03-quiet-ck-1000-31-days-ago", hook="patient-view",
         story="Proximal weakness; CK 4,000 U/L 31 days ago (outside the 30-day window).", quiet={RULE})
def ck_old(today: date) -> dict[str, Any]:
    chart = Chart(today, age=66)
    chart.condition("Proximal muscle weakness", onset=-60)
    chart.ck(4000, day=-31)
    return chart.request("patient-view")


@fixture("r03-quiet-both-antibodies-resulted", hook="patient-view",
         story="Dermatomyositis with anti-HMGCR and anti-SRP both resulted negative.", quiet={RULE})
def both_resulted(today: date) -> dict[str, Any]:
    chart = Chart(today, age=51)
    chart.condition(DERMATOMYOSITIS_ICD, onset=-90)
    chart.antibody("anti_hmgcr", "negative", day=-80, form="string")
    chart.antibody("anti_srp", "negative", day=-80, form="quantity")
    return chart.request("patient-view")


@fixture("r03-quiet-inclusion-body-myositis", hook="patient-view",
         story="Inclusion body myositis with proximal weakness and CK 1,200 U/L: suppressed in IBM context.",
         quiet={RULE})
def ibm(today: date) -> dict[str, Any]:
    chart = Chart(today, age=73)
    chart.condition(IBM_ICD, onset=-800)
    chart.condition("Proximal muscle weakness", onset=-800)
    chart.ck(1200, day=-10)
    return chart.request("patient-view")


@fixture("r03-quiet-necrotizing-fasciitis", hook="patient-view",
         story="Necrotizing fasciitis 3 days ago with myositis and CK 9,000 U/L: an infection, not a myositis work-up.",
         quiet={RULE})
def nsti(today: date) -> dict[str, Any]:
    chart = Chart(today, age=48)
    chart.condition(NEC_FASCIITIS_ICD, onset=-3)
    chart.condition("Myositis", onset=-3)
    chart.ck(9000, day=-1)
    return chart.request("patient-view")


@fixture("r03-quiet-checkpoint-inhibitor-myositis", hook="patient-view",
         story="Myositis starting after pembrolizumab: ICI myositis (R31) carries its own work-up.", quiet={RULE})
def ici(today: date) -> dict[str, Any]:
    chart = Chart(today, age=67)
    chart.medication("pembrolizumab 100 MG in 4 ML Injection", 200, "mg", start=-60, period=3, period_unit="wk",
                     route=ROUTE_IV)
    chart.condition("Myositis", onset=-7)
    chart.ck(3000, day=-2)
    return chart.request("patient-view")
