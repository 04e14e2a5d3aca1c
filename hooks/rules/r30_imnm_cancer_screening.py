"""R30: anti-HMGCR, seronegative or dual-positive IMNM in its first 3 years with no cross-sectional cancer screen."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, NamedTuple

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, juvenile_onset, lab_orders
from hooks.definitions.lab_orders import LabTest
from hooks.record import LOINC, SNOMED, PatientRecord, Procedure
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ALLENBACH_2016, ENMC_224, IMACS_2023_CANCER, SEED_001, SHELLY_MAYO, USPSTF_SCREENING

RULE = Rule(
    id="imnm-cancer-screening",
    number=30,
    title="Cancer screening in anti-HMGCR or seronegative IMNM",
    hooks=("patient-view",),
    severities=("warning",),
    summary="Adult anti-HMGCR, seronegative or dual-positive IMNM within 3 years of onset, no active cancer and no "
            "CT chest/abdomen/pelvis or PET-CT in 12 months.",
    sources=(ALLENBACH_2016, ENMC_224, IMACS_2023_CANCER, SHELLY_MAYO, USPSTF_SCREENING, SEED_001),
    parameters={
        "min_age": Param(18, "years", "Adults only (and not juvenile-onset disease)."),
        "window_days": Param(1095, "days", "Screen during this long after IMNM onset or diagnosis (3 years)."),
        "imaging_lookback_days": Param(365, "days", "A CT chest/abdomen/pelvis or PET-CT this recent is a screen."),
        # the usual screens' age bands (USPSTF); a site with another national programme sets its own
        "breast_min_age": Param(40, "years", "Mammography is listed from this age (USPSTF 2024: 40-74) [verify].",
                                at_most="imnm-cancer-screening.breast_max_age"),
        "breast_max_age": Param(74, "years", "... to this age; older, to be discussed individually (USPSTF: evidence "
                                             "insufficient from 75) [verify]."),
        "cervical_min_age": Param(21, "years", "Cervical screening is listed from this age (USPSTF 2018: 21-65) "
                                               "[verify].", at_most="imnm-cancer-screening.cervical_max_age"),
        "cervical_max_age": Param(65, "years", "... to this age; older, only if earlier screening was not adequate "
                                               "(USPSTF) [verify]."),
        "colorectal_min_age": Param(45, "years", "Colorectal screening is listed from this age (USPSTF 2021: 45-75) "
                                                 "[verify].", at_most="imnm-cancer-screening.colorectal_max_age"),
        "colorectal_max_age": Param(75, "years", "... to this age; older, to be discussed individually (USPSTF: "
                                                 "selectively at 76-85) [verify]."),
        "psa_min_age": Param(55, "years", "A PSA discussion is listed from this age (USPSTF 2018: 55-69) [verify].",
                             at_most="imnm-cancer-screening.psa_max_age"),
        "psa_max_age": Param(69, "years", "... to this age; older, not listed (USPSTF recommends against) [verify]."),
    },
    needs=("patient", "conditions", "observations", "medications", "procedures"),
)

SUBTYPES: dict[antibodies.Subtype, str] = {
    "HMGCR": "anti-HMGCR positive", "SERONEG": "seronegative (anti-HMGCR and anti-SRP negative)",
    "DUAL": "anti-HMGCR and anti-SRP both positive"}
# each subtype in plain words, for the summary
NAMED: dict[antibodies.Subtype, str] = {
    "HMGCR": "anti-HMGCR IMNM", "SERONEG": "seronegative IMNM", "DUAL": "IMNM with both antibodies"}
NOT_A_SCREEN = ("PET-CT bone with 18F-NaF (not FDG; member of VSAC Bone Scan value set)",)
LIMITED_PET = "PET limited area (CPT)"  # one region (head and neck, chest): a partial screen, like one CT
# A tracer named that is not FDG (PSMA, DOTATATE, NaF, choline...): not a cancer screen for myositis
_NOT_FDG = re.compile(r"\b(psma|dotatate|dotatoc|naf|fluoride|fluciclovine|choline|gallium|ga-?68|amyloid|"
                      r"florbetapir|f-?dopa|fdopa)\b", re.I)
# A PET of one organ (the heart for myocarditis or viability, the brain): no whole-body cancer screen
_ORGAN_PET = re.compile(r"\b(cardiac|heart|myocard\w*|viability|perfusion|brain|cerebral)\b", re.I)
# conditions kept out of the `malignancy` value set (ICD-10-CM C44; basal and squamous cell skin cancers and
# in-situ neoplasms by name): seen, but no reason to skip the screen
NOT_AN_ACTIVE_MALIGNANCY = ("nonmelanoma_skin_cancer", "in_situ_neoplasm")
COMBINED_CT = "CT chest/abdomen/pelvis (combined)"
# what a CT screen covers, from its name ('CT Pelvis W contrast IV'): all three make a complete screen
_CT_REGION = re.compile(r"\b(chest|abdomen|pelvis)\b")
_CT_REGIONS = frozenset(("chest", "abdomen", "pelvis"))
ENHANCED_CT_LOINC = "89283-6"  # CT Neck+Chest+Abdomen+Pelvis W contrast IV
# (what is ordered, and how it is coded: a test other cards order too, as they all order it; else its value-set
# group, code and system where the value sets hold one)
BASIC_PANEL: tuple[tuple[str, LabTest | tuple[str, str, str] | None], ...] = (
    ("Complete blood count with differential (CBC)", lab_orders.CBC),
    ("Comprehensive metabolic panel (CMP)", ("cmp", "24323-8", LOINC)),
    ("Erythrocyte sedimentation rate (ESR)", lab_orders.ESR),
    ("C-reactive protein (CRP)", lab_orders.CRP),
    ("Serum protein electrophoresis (SPEP)", None), ("Serum free light chains (kappa/lambda)", None),
    ("Urinalysis", ("urinalysis", "24356-8", LOINC)),
    ("Chest X-ray (PA and lateral)", ("chest_xray", "399208008", SNOMED)))

DETAIL = """\
**Screen for cancer.** IMNM, {subtype}; {anchor}. {imaging}

Synchronous cancer was found in 21% of seronegative and 11.5% of anti-HMGCR patients, with no excess in anti-SRP
(Allenbach 2016). The IMACS guideline screens during the first 3 years after onset:
- **Basic:** CBC, CMP, ESR and CRP, serum protein electrophoresis with free light chains, urinalysis, chest X-ray.
- **Enhanced:** CT neck, chest, abdomen and pelvis with contrast.
- **Age- and sex-appropriate screening** (USPSTF age bands): {age_sex}.
- If the risk is high and the first work-up is negative, consider FDG-PET/CT and GI endoscopy.

Repeat during the first 3 years in higher-risk patients. One Mayo cohort found no excess cancer risk, so this stays
a clinical judgement."""


def _screens(record: PatientRecord, since: date) -> tuple[list[Procedure], list[Procedure]]:
    """(complete screens, partial ones): an FDG-PET/CT of the body, a combined CT, or CTs that together image the
    chest, abdomen and pelvis by their names, versus less (a CT of the pelvis alone, a limited CT or PET). A CT of
    the chest with one of the pelvis counted before, the abdomen never imaged; and a cardiac or brain PET-CT did."""
    by_kind: dict[str | None, list[Procedure]] = {}
    regions: set[str] = set()
    for procedure in record.procedures_in("ct_chest_abdomen_pelvis", "pet_ct", since=since):
        pet = procedure.code.concept_in("pet_ct")
        words = procedure.code.words()
        if pet in NOT_A_SCREEN or _NOT_FDG.search(words) or (pet and _ORGAN_PET.search(words)):
            continue
        kind = (LIMITED_PET if pet == LIMITED_PET else "PET") if pet else \
            procedure.code.concept_in("ct_chest_abdomen_pelvis")
        by_kind.setdefault(kind, []).append(procedure)
        if not pet and "limited" not in words:
            regions.update(_CT_REGION.findall(words))
    whole = by_kind.get("PET", []) + by_kind.get(COMBINED_CT, [])
    cts = by_kind.get("CT chest", []) + by_kind.get("CT abdomen/pelvis", [])
    if whole:
        return whole, []
    if regions >= _CT_REGIONS:
        return cts, []
    return [], cts + by_kind.get(LIMITED_PET, [])


class AgeBandedScreen(NamedTuple):
    """A usual screen, listed for ``sex`` (None: either) within its age band, the parameters ``<band>_min_age`` and
    ``<band>_max_age``; above the band it is listed with ``older`` (a judgement call), or not at all (None)."""

    name: str
    sex: str | None
    band: str
    older: str | None


AGE_BANDED_SCREENS = (
    AgeBandedScreen("mammography", "female", "breast", "discuss individually"),
    AgeBandedScreen("cervical screening as due", "female", "cervical", "only if earlier screening was not adequate"),
    AgeBandedScreen("colonoscopy (or another colorectal screen)", None, "colorectal", "discuss individually"),
    AgeBandedScreen("discuss PSA testing", "male", "psa", None))


def _age_sex(age: int, sex: str | None, params: Mapping[str, float]) -> str:
    """The usual screens for this age and sex, each with its age band ('mammography (40-74 y)'); past the band, as the
    judgement call it then is ('mammography: over 74, discuss individually'). Not listed: one the patient is too
    young for, or one advised against past its band (PSA from 70). With no sex on file (or 'other', 'unknown'),
    each sex's screens are listed 'if applicable'."""
    known_sex = sex in ("female", "male")
    items = []
    for screen in AGE_BANDED_SCREENS:
        low, high = params[f"{screen.band}_min_age"], params[f"{screen.band}_max_age"]
        if (known_sex and screen.sex not in (None, sex)) or age < low:
            continue
        if_applicable = ", if applicable" if screen.sex and not known_sex else ""
        if age <= high:
            items.append(f"{screen.name} ({low:g}-{high:g} y){if_applicable}")
        elif screen.older is not None:
            items.append(f"{screen.name}{if_applicable}: over {high:g}, {screen.older}")
    return "; ".join(items) or "none due at this age by the usual (USPSTF) age bands"


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    p = context.params(RULE)
    facts: dict[str, Any] = {"age": record.age_years}
    # an antibody never resulted (or resulted as neither positive nor negative) whose result would decide it is said
    # once every other gate has passed
    serology = antibodies.subtype_among(record, tuple(SUBTYPES), facts)
    facts["imnm"] = cohorts.is_imnm(record, context)
    if not facts["imnm"]:
        return Quiet("no IMNM", facts)
    ici = cohorts.ici_exposure(record, context)
    facts["ici_context"] = ", ".join(o.label for o in ici) or None
    if ici:
        return Quiet("checkpoint-inhibitor context: the cancer is known and under oncology care", facts)
    if isinstance(serology, Quiet):
        return serology
    adult = juvenile_onset.adult_onset(record, context, facts)
    if not isinstance(adult, juvenile_onset.AdultOnset):
        return adult
    age, onset, diagnosed, first = adult
    latest_anchor = max(d for d in (onset, diagnosed) if d is not None)
    window_start = record.today - timedelta(days=int(p["window_days"]))
    if latest_anchor < window_start:
        return Quiet(f"IMNM onset/diagnosis {latest_anchor.isoformat()} is more than "
                     f"{int(p['window_days'])} days ago", facts)
    malignancy = record.conditions_in("malignancy", active_only=True)
    facts["active_malignancy"] = ", ".join(c.code.label for c in malignancy) or None
    # a basal or squamous cell skin cancer, or an in-situ neoplasm, is not the synchronous cancer screened for
    not_counted = record.conditions_in(*NOT_AN_ACTIVE_MALIGNANCY, active_only=True)
    facts["skin_or_in_situ_cancer_not_counted"] = ", ".join(c.code.label for c in not_counted) or None
    if malignancy:
        return Quiet(f"active malignancy on file ({malignancy[0].code.label})", facts)
    since = record.today - timedelta(days=int(p["imaging_lookback_days"]))
    complete, partial = _screens(record, since)
    facts["screening_imaging"] = ", ".join(f"{s.code.label} {s.when}" for s in complete) or None
    facts["partial_imaging"] = ", ".join(f"{s.code.label} {s.when}" for s in partial) or None
    if complete:
        return Quiet(f"cancer screening imaging within {int(p['imaging_lookback_days'])} days: "
                     f"{facts['screening_imaging']}", facts)
    if isinstance(serology, NotEvaluable):
        return serology
    anchor = "; ".join(f"{name} {day.isoformat()}" for name, day in (("onset", onset), ("diagnosed", diagnosed))
                       if day is not None)
    imaging = (f"No CT chest/abdomen/pelvis or PET-CT since {since.isoformat()}"
               + (f" (only {facts['partial_imaging']}, which does not cover chest, abdomen and pelvis)." if partial
                  else "."))
    # both possible subtypes carry the risk (anti-HMGCR positive, anti-SRP never resulted or equivocal: HMGCR or
    # DUAL); what settles the subtype is still said
    subtype = SUBTYPES.get(serology.subtype) or (f"{serology.describe()} (the screen is due whichever subtype it is; "
                                                 f"{serology.next_step})")
    detail = DETAIL.format(subtype=subtype, anchor=anchor, imaging=imaging,
                           age_sex=_age_sex(age, record.patient.sex if record.patient else None, p))
    return Fired(
        severity="warning",
        summary=f"Cancer screen due: {' or '.join(NAMED[s] for s in serology.possible)} since {first.isoformat()}, "
                "no CT chest/abdomen/pelvis or PET-CT in 12 months",
        detail=detail,
        facts=facts,
        suggestions=_suggestions(context),
        selection="any",
    )


def _basic_concept(context: HookContext, name: str, coded: LabTest | tuple[str, str, str] | None) -> dict[str, Any]:
    if isinstance(coded, LabTest):
        return coded.concept(context.valuesets)
    return orders.procedure_concept(context.valuesets, *coded, text=name) if coded else orders.text_concept(name)


def _suggestions(context: HookContext) -> list[Suggestion]:
    basic = [Action("create", name, resource=orders.service_request(
        context.patient_id, _basic_concept(context, name, coded), note="IMACS basic cancer screen for IMNM"))
        for name, coded in BASIC_PANEL]
    ct = orders.service_request(
        context.patient_id, orders.procedure_concept(context.valuesets, "ct_chest_abdomen_pelvis", ENHANCED_CT_LOINC,
                                                     text="CT neck, chest, abdomen and pelvis with IV contrast"),
        note="IMACS enhanced cancer screen for IMNM (check eGFR before contrast)")
    return [
        Suggestion("IMACS basic cancer screen (bloods, urinalysis, chest X-ray)", basic, is_recommended=True),
        Suggestion("CT neck/chest/abdomen/pelvis with contrast",
                   [Action("create", "CT neck/chest/abdomen/pelvis with contrast", resource=ct)], is_recommended=True),
    ]
