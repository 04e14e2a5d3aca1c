"""Benchmark workloads: CDS Hooks requests of known shape and size, generated reproducibly.

Every chart is built with :class:`fhir_fixtures.builders.Chart` from a seeded random generator, with dates
relative to "today", so the same seed gives the same chart (apart from the dates, which move with today) and
the charts never go stale. The sizes follow issue 6:

- W1: a typical anti-HMGCR IMNM chart for patient-view, about 150 resources over two years;
- W2: a heavy chart, about 1,500 resources over ten years of frequent labs and orders;
- W3: W1 for order-sign with three draft orders that trigger dose and interaction rules;
- W4: each Synthea R4 bundle in ../shared/data/synthea-r4 sent as prefetch (real-world shape, no myositis).
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fhir_fixtures import synthea
from fhir_fixtures.builders import (
    ANTI_HBC,
    ATORVASTATIN_40,
    CVX,
    EGFR,
    HBSAG,
    ICD10,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    LYMPHOCYTES,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    RXNORM,
    SNOMED,
    TMP_SMX_DS,
    TMP_SMX_SS,
    WBC,
    Chart,
)

HCV_AB = (LOINC, "13955-0", "Hep C Ab")
ALT = (LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
AST = (LOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
CREATININE = (LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
HEMOGLOBIN = (LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood")
PLATELETS = (LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count")
# Labs a real chart carries that no rule reads: they cost parsing, then are dropped by value-set matching.
SODIUM = (LOINC, "2951-2", "Sodium [Moles/volume] in Serum or Plasma")
POTASSIUM = (LOINC, "2823-3", "Potassium [Moles/volume] in Serum or Plasma")
GLUCOSE = (LOINC, "2345-7", "Glucose [Mass/volume] in Serum or Plasma")
CHOLESTEROL = (LOINC, "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma")
CALCIUM = (RXNORM, "1897", "Calcium Carbonate")
VITAMIN_D = (RXNORM, "2418", "Cholecalciferol")
ALENDRONATE = (RXNORM, "46041", "Alendronate")
FOLIC_ACID = "folic acid 1 mg tablet"
OMEPRAZOLE = (RXNORM, "7646", "omeprazole")
METFORMIN = (RXNORM, "6809", "metformin")
LISINOPRIL = (RXNORM, "29046", "lisinopril")
FLU_CVX = (CVX, "140", "Influenza, seasonal, injectable, preservative free")
COVID_CVX = (CVX, "207", "SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, "
                         "100 mcg/0.5mL dose")
ZOSTER_RECOMBINANT = (CVX, "187", "zoster vaccine recombinant")
PCV20 = (CVX, "216", "Pneumococcal conjugate PCV20, polysaccharide CRM197 conjugate, adjuvant, PF")
DYSPHAGIA_ICD = (ICD10, "R13.12", "Dysphagia, oropharyngeal phase")
HYPERTENSION = (SNOMED, "38341003", "Hypertensive disorder")
DIABETES = (SNOMED, "44054006", "Diabetes mellitus type 2")
HYPERLIPIDEMIA = (SNOMED, "55822004", "Hyperlipidemia")
GERD = (SNOMED, "235595009", "Gastroesophageal reflux disease")
OBESITY = (SNOMED, "414916001", "Obesity")
STATIN_MYOPATHY = "Statin-associated autoimmune myopathy"
ECHO = (SNOMED, "252418006", "Transthoracic echocardiography")
ECG = (SNOMED, "268400002", "12 lead ECG")
MRI_THIGH = (LOINC, "24702-3", "MR Thigh")
CT_CAP = (LOINC, "72254-6", "CT Chest and Abdomen and Pelvis W contrast IV")
MUSCLE_BIOPSY = "Muscle biopsy, quadriceps"

_NOISE_LABS = (SODIUM, POTASSIUM, GLUCOSE, CHOLESTEROL)
_PANEL = ((ALT, 20, 8, "U/L"), (AST, 22, 8, "U/L"), (CREATININE, 0.8, 0.15, "mg/dL"),
          (EGFR, 90, 10, "mL/min/{1.73_m2}"), (HEMOGLOBIN, 13, 1, "g/dL"), (WBC, 8, 2, "10*3/uL"),
          (PLATELETS, 250, 40, "10*3/uL"), (LYMPHOCYTES, 1.6, 0.4, "10*3/uL"))


@dataclass
class BenchChart(Chart):
    """A Chart whose resource ids count from 1 for each chart, so a workload is the same whoever built charts
    before it (the builders' shared counter would otherwise make ids depend on the order of construction)."""

    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def _id(self, prefix: str) -> str:
        return f"{prefix}-{next(self.counter)}"


@dataclass(frozen=True)
class Workload:
    """One request to benchmark: its name, service id, body and the number of FHIR resources it carries."""

    name: str
    service: str
    body: dict[str, Any]
    resources: int
    story: str


def count_resources(body: dict[str, Any]) -> int:
    """FHIR resources in the prefetch (a lone resource counts 1, a Bundle its entries) plus draft orders."""
    total = 0
    for value in (body.get("prefetch") or {}).values():
        if isinstance(value, dict):
            total += len(value.get("entry") or []) if value.get("resourceType") == "Bundle" else 1
    drafts = (body.get("context") or {}).get("draftOrders") or {}
    return total + len(drafts.get("entry") or [])


def _finish(chart: Chart, hook: str, seed: int) -> dict[str, Any]:
    body = chart.request(hook)
    body["hookInstance"] = str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
    return body


def _steroid_taper(chart: Chart, start: int, rng: random.Random) -> None:
    """An IV pulse, then prednisone 60 mg tapered month by month to 5 mg, one MedicationRequest per step."""
    chart.medication(METHYLPRED_1000, 1000, "mg", start=start, end=start + 2, status="completed", route=ROUTE_IV)
    day, steps = start + 3, (60, 50, 40, 30, 25, 20, 17.5, 15, 12.5, 10, 7.5, 5)
    for i, dose in enumerate(steps):
        length = 28 + rng.randint(0, 10)
        last = i == len(steps) - 1
        product = PREDNISONE_20 if dose >= 20 else PREDNISONE_5
        chart.medication(product, dose, "mg", start=day, end=None if last else day + length - 1,
                         status="active" if last else "completed", route=ROUTE_ORAL)
        day += length


def _typical(today: date, seed: int, years: int, ck_every: int, panel_every: int, weight_every: int,
             noise_every: int, refills: int) -> BenchChart:
    rng = random.Random(seed)
    span = 365 * years
    chart = BenchChart(today, age=54, sex="female", patient_id="bench-imnm")
    onset = -min(span, 700)
    chart.condition(IMNM_SNOMED, onset=onset)
    chart.condition(STATIN_MYOPATHY, onset=onset)
    chart.condition(DYSPHAGIA_ICD, onset=onset + 5, status="resolved")
    for code in (HYPERTENSION, DIABETES, HYPERLIPIDEMIA, GERD, OBESITY):
        chart.condition(code, onset=onset - rng.randint(400, 3000))
    chart.condition("Vitamin D deficiency", onset=onset + 60)
    chart.condition("Osteopenia", onset=onset + 200)
    # CK: high at onset, falling with treatment, every ck_every days (with the lab's reference range)
    for day in range(-span, 0, ck_every):
        since = day - onset
        level = 8000 if since < 0 else max(150.0, 8000 * 0.93 ** (since / 7))
        chart.ck(round(level * rng.uniform(0.85, 1.15)), day=day)
    chart.antibody("anti_hmgcr", "positive", day=onset + 3)
    chart.antibody("anti_srp", "negative", day=onset + 3)
    chart.antibody("anti_hmgcr", "positive", day=onset + 3, form="quantity")
    for day in range(-span, 0, weight_every):
        chart.weight(round(78 + rng.uniform(-3, 3), 1), day=day)
    chart.height(165, day=onset)
    for day in range(-span, 0, panel_every):
        for code, mean, sd, unit in _PANEL:
            chart.lab(code, round(max(0.1, rng.gauss(mean, sd)), 2), unit, day=day)
    for day in range(-span, 0, noise_every):
        code = rng.choice(_NOISE_LABS)
        chart.lab(code, round(rng.uniform(3, 140), 1), "mmol/L", day=day)
    chart.observation(HBSAG, onset + 10, value_code=(SNOMED, "260385009", "Negative"))
    chart.observation(ANTI_HBC, onset + 10, value_code=(SNOMED, "260385009", "Negative"))
    chart.observation(HCV_AB, onset + 10, value_code=(SNOMED, "260385009", "Negative"))
    # treatment: a taper from onset, steroid-sparing agents, prophylaxis, bone protection, other drugs
    _steroid_taper(chart, onset + 2, rng)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=onset + 20, end=onset + 200, status="stopped",
                     period_unit="wk", day_of_week=["mon"])
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=onset + 201, period_unit="wk", day_of_week=["mon"],
                     resource_id="mtx-active")
    chart.medication(FOLIC_ACID, 1, "mg", start=onset + 20)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=onset + 3, end=onset + 300, status="completed")
    chart.medication(CALCIUM, 500, "mg", start=onset + 3, frequency=2)
    chart.medication(VITAMIN_D, 1000, "[IU]", start=onset + 3)
    chart.medication(ALENDRONATE, 70, "mg", start=onset + 10, period_unit="wk", day_of_week=["sun"])
    for month in range(4):  # monthly IVIG courses early on
        chart.medication("immune globulin intravenous 2 g/kg", 2, "g/kg", start=onset + 30 + 28 * month,
                         end=onset + 34 + 28 * month, status="completed", route=ROUTE_IV)
    for refill in range(refills):  # chronic, unrelated medicines renewed every few months
        drug = (OMEPRAZOLE, METFORMIN, LISINOPRIL)[refill % 3]
        first = -span + refill * (span // max(refills, 1))
        chart.medication(drug, rng.choice((10, 20, 500)), "mg", start=first, end=first + 89, status="completed")
    chart.immunization(IVIG_CVX, day=onset + 30)
    for year in range(years):
        chart.immunization(FLU_CVX, day=-300 - 365 * year)
    chart.immunization(COVID_CVX, day=onset - 100)
    chart.immunization(ZOSTER_RECOMBINANT, day=onset - 20)
    chart.immunization(PCV20, day=onset - 15)
    chart.procedure(MUSCLE_BIOPSY, day=onset + 4)
    chart.procedure(MRI_THIGH, day=onset + 2)
    chart.procedure(ECHO, day=onset + 6)
    chart.procedure(ECG, day=onset + 1)
    chart.procedure(CT_CAP, day=onset + 12)
    return chart


# W1's chart, which W3 signs orders on
_W1_CHART = {"years": 2, "ck_every": 21, "panel_every": 150, "weight_every": 60, "noise_every": 90, "refills": 4}


def w1(today: date, seed: int = 1) -> Workload:
    """Typical chart: ~150 resources, two years, CK about every three weeks, a taper, ~30 orders."""
    chart = _typical(today, seed, **_W1_CHART)
    body = _finish(chart, "patient-view", seed)
    return Workload("W1", "imnm-patient-view", body, count_resources(body),
                    "typical anti-HMGCR IMNM chart, 2 years, patient-view")


def w2(today: date, seed: int = 2) -> Workload:
    """Heavy chart: ~1,500 resources, ten years of frequent labs and orders."""
    chart = _typical(today, seed, years=10, ck_every=14, panel_every=45, weight_every=30, noise_every=10,
                     refills=60)
    body = _finish(chart, "patient-view", seed)
    return Workload("W2", "imnm-patient-view", body, count_resources(body),
                    "heavy chart, 10 years of frequent labs and orders, patient-view")


def w3(today: date, seed: int = 1) -> Workload:
    """W1's chart for order-sign, with three drafts that trigger dose and interaction rules."""
    chart = _typical(today, seed, **_W1_CHART)
    chart.draft(METHOTREXATE_2_5, 15, "mg", frequency=1, period=1, period_unit="d")  # daily MTX: hard stop
    chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2)  # treatment-dose TMP/SMX with MTX active
    chart.draft(ATORVASTATIN_40, 40, "mg")  # a statin with anti-HMGCR
    body = _finish(chart, "order-sign", seed)
    return Workload("W3", "imnm-order-sign", body, count_resources(body),
                    "W1 + 3 drafts (MTX 15 mg daily, TMP/SMX DS BID, atorvastatin), order-sign")


def w4(directory: Path | None = None) -> list[Workload]:
    """Each Synthea R4 bundle as a patient-view request (real-world shape, no myositis). A folder with none is an
    error: a run that silently left out W4 would read as complete."""
    directory = directory or synthea.SYNTHEA_DIR
    paths = synthea.bundles(directory)
    if not paths:
        raise FileNotFoundError(f"no Synthea bundles in {directory}: set IMNM_SYNTHEA_DIR to the synthea-r4 folder")
    out = []
    for path in paths:
        body = synthea.request(path)
        body["hookInstance"] = str(uuid.uuid5(uuid.NAMESPACE_URL, path.name))
        out.append(Workload(f"W4:{path.stem.split('_')[0]}", "imnm-patient-view", body, count_resources(body),
                            f"Synthea {path.stem}"))
    return out


def all_workloads(today: date, synthea_dir: Path | None = None) -> list[Workload]:
    return [w1(today), w2(today), w3(today), *w4(synthea_dir)]

