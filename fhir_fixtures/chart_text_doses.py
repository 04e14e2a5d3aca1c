"""Fixtures for a glucocorticoid order on the chart whose dose is written only in its sig (no doseAndRate), as many
EHR exports send it: its dose is read as a draft's is (hooks.dosing.read_schedule), so R24 and R25 count it."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, PREDNISONE_20, ROUTE_ORAL, RXNORM, Chart

PJP = "pjp-prophylaxis-missing"
BONE = "giop-bone-protection"
METHYLPRED_4 = (RXNORM, "259966", "methylprednisolone 4 MG Oral Tablet")


@fixture("r24-fires-prednisone-dose-as-text-on-chart", hook="patient-view",
         story="IMNM on prednisone for 35 days, the order on the chart written only as '40 mg by mouth daily' (no "
               "structured dose); no PJP prophylaxis on file.",
         fires={PJP}, indicators={PJP: "warning"})
def fires_pjp_text_sig(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52, sex="female").condition(IMNM_SNOMED, onset=-60).weight(70, day=-3)
    chart.medication(PREDNISONE_20, None, None, start=-35, route=ROUTE_ORAL, text="40 mg by mouth daily")
    return chart.request("patient-view")


@fixture("r25-fires-methylprednisolone-dose-as-text-on-chart", hook="patient-view",
         story="Anti-HMGCR IMNM on weekly methotrexate and oral methylprednisolone tapered 48 -> 32 -> 16 mg over 100 "
               "days, the current 16 mg order written only as '16 mg (4 tablets) by mouth every morning'; no PJP "
               "prophylaxis and no bone protection on file.",
         fires={PJP, BONE}, indicators={PJP: "warning", BONE: "warning"})
def fires_bone_text_sig(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50, sex="female").condition(IMNM_SNOMED, onset=-100).weight(66, day=-2)
    chart.medication(METHYLPRED_4, 48, "mg", start=-92, end=-41, status="completed", route=ROUTE_ORAL)
    chart.medication(METHYLPRED_4, 32, "mg", start=-40, end=-11, status="completed", route=ROUTE_ORAL)
    chart.medication(METHYLPRED_4, None, None, start=-10, route=ROUTE_ORAL,
                     text="16 mg (4 tablets) by mouth every morning")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-80, period=1, period_unit="wk", day_of_week=["mon"],
                     route=ROUTE_ORAL)
    return chart.request("patient-view")
