"""Fixtures for R29 vaccinate-before-immunosuppression: new myositis, vaccines missing or complete, timing edges."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import CVX, DERMATOMYOSITIS_ICD, IMNM_SNOMED, LOINC, PREDNISONE_20, Chart

RULE = "vaccinate-before-immunosuppression"
FLU = (CVX, "140", "Influenza, seasonal, injectable, preservative free")
PCV20 = (CVX, "216", "Pneumococcal conjugate vaccine 20-valent (PCV20), polysaccharide CRM197 conjugate, adjuvant, "
                     "preservative free")
PCV15 = (CVX, "215", "Pneumococcal conjugate vaccine 15-valent (PCV15), polysaccharide CRM197 conjugate, adjuvant, "
                     "preservative free")
RZV = (CVX, "187", "zoster vaccine recombinant")
COVID = (CVX, "207", "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 100 mcg/0.5mL dose")
ANTI_HBS = (LOINC, "22322-2", "Hepatitis B virus surface Ab [Presence] in Serum")


def up_to_date(chart: Chart) -> Chart:
    """Every vaccine R29 checks, current on 2026-11-21 (fixtures run with that 'today')."""
    chart.immunization(FLU, day=-30).immunization(PCV20, day=-400)
    chart.immunization(RZV, day=-500).immunization(RZV, day=-400).immunization(COVID, day=-60)
    chart.observation(ANTI_HBS, day=-40, interpretation="POS")
    return chart


@fixture("r29-fires-new-imnm-no-vaccines", hook="patient-view",
         story="IMNM diagnosed 3 weeks ago, prednisone started 10 days ago, no vaccines on file.",
         fires={RULE}, indicators={RULE: "info"})
def new_imnm(today: date) -> dict[str, Any]:
    chart = Chart(today, age=58)
    chart.condition(IMNM_SNOMED, onset=-21)
    chart.antibody("anti_hmgcr", "positive", day=-14)
    chart.medication(PREDNISONE_20, 60, "mg", start=-10)
    return chart.request("patient-view")


@fixture("r29-fires-dermatomyositis-partial-series", hook="patient-view",
         story="New dermatomyositis, untreated; PCV15 without PPSV23 and one RZV dose only.", fires={RULE})
def partial(today: date) -> dict[str, Any]:
    chart = Chart(today, age=49)
    chart.condition(DERMATOMYOSITIS_ICD, onset=-40)
    up_to_date(chart)
    chart.resources["immunizations"] = [i for i in chart.resources["immunizations"]
                                        if i["vaccineCode"]["coding"][0]["code"] not in ("216", "187")]
    chart.immunization(PCV15, day=-200).immunization(RZV, day=-50)
    return chart.request("patient-view")


@fixture("r29-fires-anti-hbs-negative-hbv-status-unknown", hook="patient-view",
         story="New IMNM, untreated; every vaccine current but anti-HBs 3 mIU/mL and no HBsAg or anti-HBc: HBsAg and "
               "anti-HBc, then the hepatitis B series.", fires={RULE}, indicators={RULE: "info"})
def non_immune(today: date) -> dict[str, Any]:
    chart = up_to_date(Chart(today, age=52).condition(IMNM_SNOMED, onset=-25)).without_observations(ANTI_HBS[1])
    return chart.observation(ANTI_HBS, day=-10, value=3, unit="m[IU]/mL").request("patient-view")


@fixture("r29-fires-anti-hbc-drawn-after-ivig", hook="patient-view",
         story="New anti-HMGCR IMNM, IVIG 2 g/kg 20 days ago, then HBsAg negative and anti-HBc positive: the vaccine "
               "is not offered, and the card says the anti-HBc may be the IVIG's (passive transfer).",
         fires={RULE}, indicators={RULE: "info"})
def anti_hbc_after_ivig(today: date) -> dict[str, Any]:
    chart = Chart(today, age=61).condition(IMNM_SNOMED, onset=-40)
    chart.antibody("anti_hmgcr", "positive", day=-35).medication(PREDNISONE_20, 60, "mg", start=-25)
    return chart.ivig_cycles((-20, 0.4, 5)).hbv_markers("NEG", "POS", day=-5).request("patient-view")


@fixture("r29-quiet-all-up-to-date", hook="patient-view",
         story="New IMNM with every recommended vaccine current and anti-HBs positive.", quiet={RULE})
def all_done(today: date) -> dict[str, Any]:
    chart = up_to_date(Chart(today, age=61).condition(IMNM_SNOMED, onset=-30))
    return chart.request("patient-view")


@fixture("r29-quiet-onset-91-days-ago", hook="patient-view",
         story="IMNM onset 91 days ago, no vaccines: past the 90-day window for this card.", quiet={RULE})
def old_onset(today: date) -> dict[str, Any]:
    return Chart(today, age=58).condition(IMNM_SNOMED, onset=-91).request("patient-view")


@fixture("r29-quiet-immunosuppression-started-31-days-ago", hook="patient-view",
         story="New IMNM (onset 60 days ago); prednisone started 31 days ago: the pre-treatment window has passed.",
         quiet={RULE})
def treated(today: date) -> dict[str, Any]:
    chart = Chart(today, age=58).condition(IMNM_SNOMED, onset=-60)
    chart.medication(PREDNISONE_20, 60, "mg", start=-31)
    return chart.request("patient-view")


@fixture("r29-fires-unrelated-burst-before-onset", hook="patient-view",
         story="New IMNM (onset 40 days ago), prednisone 60 mg started 10 days ago; a 5-day prednisone burst ended "
               "56 days before the onset (another illness): immunosuppression for the myositis started 10 days ago.",
         fires={RULE}, indicators={RULE: "info"})
def burst_before_onset(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-40)
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=-96, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-10)
    return chart.request("patient-view")


@fixture("r29-quiet-course-continued-in-a-new-order-across-the-onset", hook="patient-view",
         story="IMNM (onset 20 days ago); prednisone 60 mg from 50 days ago, completed the day before the onset and "
               "continued at 40 mg in a new order from the onset: one course, immunosuppression started 50 days ago.",
         quiet={RULE})
def course_continued_in_new_order(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).condition(IMNM_SNOMED, onset=-20)
    chart.medication(PREDNISONE_20, 60, "mg", start=-50, end=-21, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-20)
    return chart.request("patient-view")
