"""Fixtures for R26 hbv-screen-before-rituximab: no screen, stale HBsAg, positive anti-HBc with and without a plan,
HBsAg positive with a detectable HBV DNA and no antiviral, anti-HBc positive with HBV DNA below quantification and no
antiviral (a warning: prophylaxis rather than monitoring; HBsAg positive with it: critical), anti-HBc positive once and
negative later, and chronic hepatitis B on the problem list with negative markers."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ANTI_HBC,
    CHRONIC_HBV,
    ENTECAVIR,
    HBSAG,
    HBV_DNA,
    IMNM_SNOMED,
    RITUXIMAB,
    SNOMED,
    Chart,
)

RULE = "hbv-screen-before-rituximab"
NEGATIVE = (SNOMED, "260385009", "Negative")


def _chart(today: date) -> Chart:
    chart = Chart(today, age=47)
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.antibody("anti_srp", "positive", day=-190)
    chart.draft(RITUXIMAB, 1000, "mg", resource_id="draft-rtx")
    return chart


@fixture("r26-fires-no-hbv-screen", hook="order-sign",
         story="Anti-SRP IMNM; rituximab 1 g drafted with no HBsAg or anti-HBc ever resulted.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_none(today: date) -> dict[str, Any]:
    return _chart(today).request("order-sign")


@fixture("r26-fires-hbsag-13-months-old", hook="order-sign",
         story="HBsAg negative 13 months ago, anti-HBc negative: HBsAg must be repeated before rituximab.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_stale(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.observation(HBSAG, -396, value_code=NEGATIVE)
    chart.observation(ANTI_HBC, -396, value_string="Non-reactive")
    return chart.request("order-sign")


@fixture("r26-fires-anti-hbc-positive-no-dna", hook="order-sign",
         story="HBsAg negative, anti-HBc reactive, no HBV DNA and no antiviral; rituximab drafted.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_positive(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("NEG", "POS", day=-20)
    return chart.request("order-sign")


@fixture("r26-fires-hbsag-positive-hbv-dna-detectable", hook="order-sign",
         story="HBsAg and anti-HBc positive, HBV DNA 250,000 IU/mL last month, no antiviral: a result on file, but "
               "the virus is replicating; hepatology and entecavir before rituximab.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_viraemic(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("POS", "POS", day=-30)
    chart.lab(HBV_DNA, 250000, "[IU]/mL", day=-20)
    return chart.request("order-sign")


@fixture("r26-fires-hbsag-positive-hbv-dna-below-quantification", hook="order-sign",
         story="HBsAg and anti-HBc positive, HBV DNA '<20 IU/mL' (below quantification) last month, no antiviral: with "
               "HBsAg-positive disease the reactivation risk under rituximab is high whatever the HBV DNA; hepatology "
               "and entecavir before the first dose.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_hbsag_positive_dna_below_quantification(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("POS", "POS", day=-30)
    chart.lab(HBV_DNA, 20, "[IU]/mL", day=-20, comparator="<")
    return chart.request("order-sign")


@fixture("r26-fires-anti-hbc-positive-then-negative", hook="order-sign",
         story="Anti-HBc positive 900 days ago, then HBsAg and anti-HBc negative last month (another assay): "
               "anti-HBc stays positive for life; the card names both results and asks for HBV DNA.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_anti_hbc_then_negative(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.observation(ANTI_HBC, -900, interpretation="POS")
    chart.hbv_markers("NEG", "NEG", day=-30)
    return chart.request("order-sign")


@fixture("r26-fires-chronic-hepatitis-b-on-problem-list", hook="order-sign",
         story="HBsAg and anti-HBc negative last month, but chronic hepatitis B on the problem list for 8 years: the "
               "diagnosis counts; the card names it with its onset and asks for HBV DNA.",
         fires={RULE}, indicators={RULE: "critical"})
def fires_chronic_hbv_listed(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("NEG", "NEG", day=-30)
    chart.condition(CHRONIC_HBV, onset=-3000)
    return chart.request("order-sign")


@fixture("r26-quiet-screened-negative", hook="order-sign",
         story="HBsAg negative 11 months ago and anti-HBc negative: screened; rituximab may be signed.",
         quiet={RULE})
def quiet_negative(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.observation(HBSAG, -335, value_code=NEGATIVE)
    chart.observation(ANTI_HBC, -700, interpretation="NEG")
    return chart.request("order-sign")


@fixture("r26-quiet-anti-hbc-positive-on-entecavir", hook="order-sign",
         story="Anti-HBc positive with entecavir already active and HBsAg negative this year: plan in place.",
         quiet={RULE})
def quiet_plan(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("NEG", "POS", day=-30)
    chart.medication(ENTECAVIR, 0.5, "mg", start=-14)
    return chart.request("order-sign")


@fixture("r26-fires-anti-hbc-positive-hbv-dna-below-quantification", hook="order-sign",
         story="HBsAg negative, anti-HBc positive, HBV DNA '<20 IU/mL' (below quantification) last month, no "
               "antiviral: no replicating virus, but anti-CD20 therapy puts resolved hepatitis B at high risk of "
               "reactivation; a warning for hepatology and antiviral prophylaxis rather than HBV DNA monitoring.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_anti_hbc_dna_below_quantification(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.hbv_markers("NEG", "POS", day=-30)
    chart.lab(HBV_DNA, 20, "[IU]/mL", day=-20, comparator="<")
    return chart.request("order-sign")
