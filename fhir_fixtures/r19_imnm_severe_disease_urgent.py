"""Fixtures for R19 imnm-severe-disease-urgent: each severity feature, its threshold edges, and prior treatment."""

from collections.abc import Callable
from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ICD10,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    METHYLPRED_1000,
    PREDNISONE_20,
    ROUTE_IV,
    Chart,
)

RULE = "imnm-severe-disease-urgent"
DYSPHAGIA = (ICD10, "R13.12", "Dysphagia, oropharyngeal phase")
FVC = (LOINC, "19872-1", "FVC measured/predicted")
TROPONIN_I_HS = (LOINC, "89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method")
MYOCARDITIS = (ICD10, "I40.1", "Isolated myocarditis")
CREATININE = (LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
RHABDO = (ICD10, "M62.82", "Rhabdomyolysis")


def severe_chart(today: date, srp: bool = True, weight: float | None = 72) -> Chart:
    """New IMNM (onset D-40), CK 12,000 U/L, prednisone 60 mg for 3 weeks; no pulse, no IVIG yet."""
    chart = Chart(today, age=44, sex="female")
    chart.condition(IMNM_SNOMED, onset=-40)
    chart.antibody("anti_srp", "positive" if srp else "negative", day=-30)
    chart.antibody("anti_hmgcr", "negative" if srp else "positive", day=-30)
    chart.ck(12000, day=-3)
    if weight is not None:
        chart.weight(weight, day=-3).height(165, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-21)
    return chart


def _register(name: str, story: str, build: Callable[[Chart], Any], fires: bool, **kwargs: Any) -> None:
    def request(today: date) -> dict[str, Any]:
        chart = severe_chart(today, **kwargs)
        build(chart)
        return chart.request("patient-view")

    if fires:
        fixture(name, hook="patient-view", story=story, fires={RULE}, indicators={RULE: "critical"})(request)
    else:
        fixture(name, hook="patient-view", story=story, quiet={RULE})(request)


_register("r19-fires-dysphagia-anti-srp", "Anti-SRP IMNM with oropharyngeal dysphagia recorded 5 days ago.",
          lambda c: c.condition(DYSPHAGIA, onset=-5), True)
_register("r19-fires-dysphagia-anti-srp-hbv-screen-on-file",
          "Anti-SRP IMNM with dysphagia; HBsAg and anti-HBc negative 20 days ago: rituximab early, no screen ordered.",
          lambda c: c.condition(DYSPHAGIA, onset=-5).hbv_markers("NEG", "NEG", day=-20), True)
_register("r19-fires-dysphagia-anti-srp-anti-hbc-positive",
          "Anti-SRP IMNM with dysphagia; HBsAg negative, anti-HBc positive 20 days ago, no HBV DNA or antiviral: "
          "HBV DNA, hepatology and antiviral prophylaxis before rituximab (pre-selected), not 'after HBV screening'.",
          lambda c: c.condition(DYSPHAGIA, onset=-5).hbv_markers("NEG", "POS", day=-20), True)
_register("r19-quiet-dysphagia-41-days-ago", "Dysphagia recorded 41 days ago: outside the 30-day window.",
          lambda c: c.condition(DYSPHAGIA, onset=-41), False)
_register("r19-fires-fvc-59", "FVC 59% predicted yesterday.",
          lambda c: c.observation(FVC, -1, value=59, unit="%"), True, srp=False)
_register("r19-quiet-fvc-60", "FVC exactly 60% predicted: not below the threshold.",
          lambda c: c.observation(FVC, -1, value=60, unit="%"), False, srp=False)
_register("r19-fires-nif-minus-20", "NIF -20 cmH2O (weaker than -30).",
          lambda c: c.observation("NIF", -1, value=-20, unit="cm[H2O]"), True)
_register("r19-quiet-nif-minus-30", "NIF exactly -30 cmH2O: not weaker than the threshold.",
          lambda c: c.observation("NIF", -1, value=-30, unit="cm[H2O]"), False)
_register("r19-fires-mmt8-79", "MMT-8 79/150 two days ago.",
          lambda c: c.observation("MMT-8", -2, value=79, unit="{score}"), True)
_register("r19-quiet-mmt8-80", "MMT-8 exactly 80/150: not below 80.",
          lambda c: c.observation("MMT-8", -2, value=80, unit="{score}"), False)
_register("r19-fires-cardiac", "Troponin I above the ULN with isolated myocarditis recorded this week.",
          lambda c: c.observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", high=16).condition(MYOCARDITIS, onset=-2),
          True)
_register("r19-quiet-troponin-without-heart-disease",
          "Troponin I above the ULN but no LV dysfunction or arrhythmia recorded: not cardiac involvement here.",
          lambda c: c.observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", high=16), False)
_register("r19-fires-rhabdomyolysis-aki", "Rhabdomyolysis with creatinine 1.1 -> 2.0 mg/dL within a week.",
          lambda c: c.condition(RHABDO, onset=-4).lab(CREATININE, 1.1, "mg/dL", day=-9).lab(CREATININE, 2.0,
                                                                                          "mg/dL", day=-2), True)
_register("r19-quiet-rhabdomyolysis-no-aki",
          "Rhabdomyolysis with creatinine 1.1 -> 1.6 mg/dL (< 1.5 x); the first within the lab's range (ULN 1.1).",
          lambda c: c.condition(RHABDO, onset=-4).lab(CREATININE, 1.1, "mg/dL", day=-9, high=1.1).lab(
              CREATININE, 1.6, "mg/dL", day=-2, high=1.1), False)
_register("r19-fires-rhabdomyolysis-creatinine-4-5-no-baseline",
          "Rhabdomyolysis with creatinine 4.5 mg/dL (ULN 1.1) and no earlier creatinine: AKI at KDIGO stage 3's "
          "creatinine (4.0 mg/dL) needs no baseline.",
          lambda c: c.condition(RHABDO, onset=-4).lab(CREATININE, 4.5, "mg/dL", day=-2, high=1.1), True)
_register("r19-quiet-rhabdomyolysis-creatinine-2-no-baseline",
          "Rhabdomyolysis with creatinine 2.0 mg/dL (ULN 1.1) and no earlier creatinine: AKI not excluded, not "
          "evaluable (no card).",
          lambda c: c.condition(RHABDO, onset=-4).lab(CREATININE, 2.0, "mg/dL", day=-2, high=1.1), False)
_register("r19-fires-troponin-no-range-far-above-any-uln",
          "Troponin I 5000 ng/L with no reference range or flag, and myocarditis: above 1,000 ng/L, beyond the upper "
          "limit of every troponin I assay, so cardiac involvement.",
          lambda c: c.observation(TROPONIN_I_HS, -2, value=5000, unit="ng/L").condition(MYOCARDITIS, onset=-2),
          True)
_register("r19-quiet-troponin-no-range-below-fallback",
          "Troponin I 60 ng/L with no reference range or flag, and myocarditis: it may or may not be above this "
          "assay's upper limit, cardiac involvement not excluded, not evaluable (no card).",
          lambda c: c.observation(TROPONIN_I_HS, -2, value=60, unit="ng/L").condition(MYOCARDITIS, onset=-2),
          False)
_register("r19-fires-non-ambulatory-no-weight",
          "Non-ambulatory since last week and no weight on file: fires, doses not computed.",
          lambda c: c.condition("Non-ambulatory", onset=-6), True, weight=None)
_register("r19-quiet-pulse-13-days-ago", "Dysphagia, but IV methylprednisolone pulses given 13 days ago.",
          lambda c: c.condition(DYSPHAGIA, onset=-5).medication(
              METHYLPRED_1000, 1000, "mg", start=-15, end=-13, status="completed", route=ROUTE_IV), False)
_register("r19-fires-pulse-15-days-ago", "Dysphagia; the last IV methylprednisolone pulse was 15 days ago.",
          lambda c: c.condition(DYSPHAGIA, onset=-5).medication(
              METHYLPRED_1000, 1000, "mg", start=-17, end=-15, status="completed", route=ROUTE_IV), True)
_register("r19-quiet-ivig-29-days-ago", "Dysphagia, but an IVIG cycle was given 29 days ago.",
          lambda c: c.condition(DYSPHAGIA, onset=-5).medication(
              IVIG_CVX, 30, "g", start=-33, end=-29, status="completed", route=ROUTE_IV), False)


@fixture("r19-quiet-not-severe", hook="patient-view",
         story="New IMNM, MMT-8 120/150, FVC 85%: no severe feature.", quiet={RULE})
def not_severe(today: date) -> dict[str, Any]:
    chart = severe_chart(today)
    chart.observation("MMT-8", -2, value=120, unit="{score}").observation(FVC, -2, value=85, unit="%")
    return chart.request("patient-view")
