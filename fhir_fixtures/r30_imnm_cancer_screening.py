"""Fixtures for R30 imnm-cancer-screening: subtype, 3-year window, imaging within 12 months, active cancer."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, LOINC, SNOMED, Chart

RULE = "imnm-cancer-screening"
CT_CAP = (LOINC, "72254-6", "CT Chest and Abdomen and Pelvis W contrast IV")
CT_CHEST = (LOINC, "69096-6", "CT Chest limited W contrast IV")
MALIGNANCY = (SNOMED, "363346000", "Malignant neoplastic disease (disorder)")


def imnm(today: date, subtype: str = "SERONEG", onset: int = -200, age: int = 62, sex: str = "female",
         never_resulted: str | None = None) -> Chart:
    """IMNM of ``subtype``, but with the antibody group ``never_resulted`` ('anti_srp') left off the chart."""
    chart = Chart(today, age=age, sex=sex)
    chart.condition(IMNM_SNOMED, onset=onset)
    statuses = {"anti_hmgcr": "positive" if subtype in ("HMGCR", "DUAL") else "negative",
                "anti_srp": "positive" if subtype in ("SRP", "DUAL") else "negative"}
    for group, status in statuses.items():
        if group != never_resulted:
            chart.antibody(group, status, day=onset + 10)
    return chart


@fixture("r30-fires-seronegative-imnm-no-imaging", hook="patient-view",
         story="Seronegative IMNM 7 months from onset, no CT or PET-CT on file.",
         fires={RULE}, indicators={RULE: "warning"})
def seronegative(today: date) -> dict[str, Any]:
    return imnm(today).request("patient-view")


@fixture("r30-fires-hmgcr-ct-chest-only", hook="patient-view",
         story="Anti-HMGCR IMNM; only a CT chest 3 months ago (abdomen and pelvis not imaged).", fires={RULE})
def chest_only(today: date) -> dict[str, Any]:
    return imnm(today, "HMGCR", sex="male").procedure(CT_CHEST, day=-90).request("patient-view")


@fixture("r30-fires-hmgcr-anti-srp-never-resulted", hook="patient-view",
         story="Anti-HMGCR positive, anti-SRP never resulted: HMGCR or DUAL, both carry the cancer risk.",
         fires={RULE})
def srp_not_resulted(today: date) -> dict[str, Any]:
    return imnm(today, "HMGCR", never_resulted="anti_srp").request("patient-view")


@fixture("r30-quiet-anti-hmgcr-negative-anti-srp-never-resulted", hook="patient-view",
         story="Anti-HMGCR negative, anti-SRP never resulted: seronegative (a risk) or anti-SRP (none), so not "
               "evaluable until anti-SRP is resulted (R03 asks for it).", quiet={RULE})
def seronegative_or_srp(today: date) -> dict[str, Any]:
    return imnm(today, never_resulted="anti_srp").request("patient-view")


@fixture("r30-quiet-srp-only", hook="patient-view",
         story="Anti-SRP IMNM: no excess cancer risk, no card.", quiet={RULE})
def srp(today: date) -> dict[str, Any]:
    return imnm(today, "SRP").request("patient-view")


@fixture("r30-quiet-ct-cap-within-12-months", hook="patient-view",
         story="Seronegative IMNM; CT chest/abdomen/pelvis 10 months ago.", quiet={RULE})
def screened(today: date) -> dict[str, Any]:
    return imnm(today).procedure(CT_CAP, day=-300).request("patient-view")


@fixture("r30-quiet-active-malignancy", hook="patient-view",
         story="Anti-HMGCR IMNM with an active malignancy already on the problem list.", quiet={RULE})
def known_cancer(today: date) -> dict[str, Any]:
    return imnm(today, "HMGCR").condition(MALIGNANCY, onset=-100).request("patient-view")


@fixture("r30-quiet-juvenile-onset", hook="patient-view",
         story="Now 19, IMNM began 2 years ago at 17: juvenile onset, screening not routine.", quiet={RULE})
def juvenile(today: date) -> dict[str, Any]:
    return imnm(today, age=19, onset=-730).request("patient-view")
