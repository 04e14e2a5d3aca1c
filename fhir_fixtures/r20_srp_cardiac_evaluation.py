"""Fixtures for R20 srp-cardiac-evaluation: the 12-month ECG/troponin window and the 'ever' imaging check."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, LOINC, SNOMED, Chart

RULE = "srp-cardiac-evaluation"
ECG = (SNOMED, "268400002", "12 lead ECG")
TTE = (SNOMED, "252418006", "Transthoracic echocardiography")
CARDIAC_MRI = (LOINC, "24748-6", "MR Heart")
TROPONIN_T = (LOINC, "6598-7", "Troponin T.cardiac [Mass/volume] in Serum or Plasma")
# a site's own codes, which no value set knows: recognised by their names
LOCAL = "http://example.org/local"
LOCAL_ECG = (LOCAL, "ECG12", "12-lead ECG")
LOCAL_TTE = (LOCAL, "TTE-1", "Transthoracic echo")


def srp_chart(today: date, antibody: str = "anti_srp") -> Chart:
    chart = Chart(today, age=39, sex="female")
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.antibody(antibody, "positive", day=-190)
    chart.antibody("anti_hmgcr" if antibody == "anti_srp" else "anti_srp", "negative", day=-190)
    chart.ck(2500, day=-10)
    return chart


@fixture("r20-fires-no-cardiac-screen", hook="patient-view", demo=True,
         story="Anti-SRP IMNM with no ECG, troponin, echocardiogram or cardiac MRI on file.",
         fires={RULE}, indicators={RULE: "warning"})
def nothing(today: date) -> dict[str, Any]:
    return srp_chart(today).request("patient-view")


@fixture("r20-fires-ecg-366-days-no-troponin", hook="patient-view",
         story="Echo on file, but the last ECG was 366 days ago and no troponin: the yearly screen is due.",
         fires={RULE})
def ecg_old(today: date) -> dict[str, Any]:
    return srp_chart(today).procedure(ECG, -366).procedure(TTE, -366).request("patient-view")


@fixture("r20-quiet-ecg-365-days-and-echo", hook="patient-view",
         story="ECG exactly 365 days ago and an echo on file: screened.", quiet={RULE})
def ecg_edge(today: date) -> dict[str, Any]:
    return srp_chart(today).procedure(ECG, -365).procedure(TTE, -700).request("patient-view")


@fixture("r20-fires-no-imaging-ever", hook="patient-view",
         story="ECG last month, but no echocardiogram or cardiac MRI ever.", fires={RULE})
def no_imaging(today: date) -> dict[str, Any]:
    return srp_chart(today).procedure(ECG, -30).request("patient-view")


@fixture("r20-quiet-troponin-t-and-cardiac-mri", hook="patient-view",
         story="Troponin T two months ago (counts as a troponin) and a cardiac MRI two years ago.", quiet={RULE})
def troponin_t(today: date) -> dict[str, Any]:
    chart = srp_chart(today)
    chart.lab(TROPONIN_T, 9, "ng/L", day=-60, high=14)
    return chart.procedure(CARDIAC_MRI, -730).request("patient-view")


@fixture("r20-quiet-local-codes-by-name", hook="patient-view",
         story="ECG last month and an echo on file, both sent under the site's own codes ('12-lead ECG', "
               "'Transthoracic echo'): recognised by name, screened.", quiet={RULE})
def local_codes(today: date) -> dict[str, Any]:
    return srp_chart(today).procedure(LOCAL_ECG, -30).procedure(LOCAL_TTE, -400).request("patient-view")


@fixture("r20-quiet-anti-hmgcr", hook="patient-view",
         story="Anti-HMGCR (not anti-SRP) IMNM with no cardiac tests: no R20 card.", quiet={RULE})
def hmgcr(today: date) -> dict[str, Any]:
    return srp_chart(today, antibody="anti_hmgcr").request("patient-view")
