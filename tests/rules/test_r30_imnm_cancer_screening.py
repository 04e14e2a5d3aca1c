"""R30 imnm-cancer-screening: windows at their edges, subtype, what imaging counts, suggested orders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ANTI_SRP, ICD10, LOINC, Chart
from fhir_fixtures.r30_imnm_cancer_screening import CT_CAP, CT_CHEST, imnm
from tests.conftest import explained, fired, run, with_params

RULE = "imnm-cancer-screening"
CT_ABDOMEN_PELVIS = (LOINC, "79103-8", "CT Abdomen W contrast IV")
PET_CT = ("http://www.ama-assn.org/go/cpt", "78815", "PET with concurrently acquired CT; skull base to mid-thigh")
NAF_PET = (LOINC, "81552-2", "PET+CT Whole body Bone W 18F-NaF IV")


def _outcome(kb, chart, today):
    result = run(kb, chart.request("patient-view"), today)
    return fired(result).get(RULE), explained(result, RULE)


def test_three_year_window_edge(kb, today):
    card, _ = _outcome(kb, imnm(today, onset=-1095), today)  # seronegative: onset is the only anchor
    assert card is not None and card["indicator"] == "warning"
    card, entry = _outcome(kb, imnm(today, onset=-1096), today)
    assert card is None and "more than 1095 days" in entry["reason"]


def test_recent_diagnosis_counts_even_if_onset_is_older(kb, today):
    # anti-HMGCR positive 10 days after an onset 1105 days ago: diagnosed 1095 days ago
    card, entry = _outcome(kb, imnm(today, "HMGCR", onset=-1105), today)
    assert card is not None and entry["facts"]["diagnosed"] == "2023-11-22"
    card, _ = _outcome(kb, imnm(today, "HMGCR", onset=-1106), today)
    assert card is None


def test_imaging_within_12_months_edge(kb, today):
    assert _outcome(kb, imnm(today).procedure(CT_CAP, day=-365), today)[0] is None
    card, entry = _outcome(kb, imnm(today).procedure(CT_CAP, day=-366), today)
    assert card is not None and entry["facts"]["screening_imaging"] is None


def test_separate_chest_and_abdomen_pelvis_ct_together_count(kb, today):
    chart = imnm(today).procedure((LOINC, "24628-0", "CT Chest W contrast IV"), day=-100)
    assert _outcome(kb, chart, today)[0] is not None
    chart.procedure((LOINC, "36813-4", "CT Abdomen and Pelvis W contrast IV"), day=-90)
    assert _outcome(kb, chart, today)[0] is None


@pytest.mark.parametrize("imaging", [
    [(LOINC, "24627-2", "CT Chest"), (LOINC, "24865-8", "CT Pelvis")],  # the abdomen never imaged
    [CT_CHEST, CT_ABDOMEN_PELVIS],  # a limited chest CT, and an abdomen CT without the pelvis
    ["Cardiac PET-CT (FDG) for myocarditis"],
    ["FDG-PET brain"],
], ids=["chest and pelvis", "limited chest and abdomen", "cardiac PET", "brain PET"])
def test_r30_imaging_that_leaves_a_region_out_is_no_complete_screen(kb, today, imaging):
    """CT chest with CT pelvis (the pelvis-only CT was labelled "CT abdomen/pelvis"), a limited CT, or a cardiac or
    brain FDG-PET counted as a complete cancer screen, and R30 was quiet (found by review)."""
    chart = imnm(today)
    for code in imaging:
        chart.procedure(code, day=-60)
    assert _outcome(kb, chart, today)[0] is not None


def test_fdg_pet_ct_counts_but_naf_bone_pet_does_not(kb, today):
    assert _outcome(kb, imnm(today).procedure(PET_CT, day=-30), today)[0] is None
    assert _outcome(kb, imnm(today).procedure(NAF_PET, day=-30), today)[0] is not None
    assert _outcome(kb, imnm(today).procedure("FDG-PET/CT whole body", day=-30), today)[0] is None


def test_a_limited_area_or_non_fdg_pet_is_not_a_complete_screen(kb, today):
    limited = ("http://www.ama-assn.org/go/cpt", "78814", "PET with concurrently acquired CT; limited area")
    card, entry = _outcome(kb, imnm(today).procedure(limited, day=-30), today)
    assert card is not None and entry["facts"]["screening_imaging"] is None
    assert _outcome(kb, imnm(today).procedure("Ga-68 PSMA PET-CT prostate", day=-30), today)[0] is not None
    assert _outcome(kb, imnm(today).procedure("PET-CT", day=-30), today)[0] is None  # tracer not named: FDG


@pytest.mark.parametrize(("subtype", "named"), [("HMGCR", "anti-HMGCR IMNM"), ("SERONEG", "seronegative IMNM"),
                                               ("DUAL", "IMNM with both antibodies")])
def test_the_summary_names_the_subtype_in_plain_words(kb, today, subtype, named):
    """The summary said "SERONEG IMNM" and "DUAL IMNM", the table's codes."""
    card, _ = _outcome(kb, imnm(today, subtype), today)
    assert card["summary"].startswith(f"Cancer screen due: {named} since ") and len(card["summary"]) < 140


def test_subtypes(kb, today):
    assert _outcome(kb, imnm(today, "DUAL"), today)[0] is not None
    assert _outcome(kb, imnm(today, "HMGCR"), today)[0] is not None
    card, entry = _outcome(kb, imnm(today, "SRP"), today)
    assert card is None and entry["facts"]["subtype"] == "SRP"
    chart = Chart(today, age=60).condition(("http://snomed.info/sct", "715863001", "Autoimmune necrotizing myopathy"),
                                           onset=-100)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["facts"]["subtype"] == "UNKNOWN" and entry["status"] == "not-evaluable"


@pytest.mark.parametrize(("subtype", "never_resulted", "label", "known"), [
    ("HMGCR", "anti_srp", "anti-HMGCR IMNM or IMNM with both antibodies",
     "anti-HMGCR positive, anti-SRP never resulted"),
    ("SERONEG", "anti_hmgcr", "anti-HMGCR IMNM or seronegative IMNM", "anti-HMGCR never resulted, anti-SRP negative")])
def test_a_missing_antibody_that_cannot_change_the_answer_does_not_hold_the_screen_back(kb, today, subtype,
                                                                                         never_resulted, label, known):
    """Anti-HMGCR positive with anti-SRP never resulted (HMGCR or DUAL), or anti-SRP negative with anti-HMGCR never
    resulted (HMGCR or SERONEG): every possible subtype carries the risk, but R30 was quiet (audit)."""
    card, entry = _outcome(kb, imnm(today, subtype, never_resulted=never_resulted), today)
    assert card["summary"].startswith(f"Cancer screen due: {label} since")
    assert f"IMNM, {known} (the screen is due whichever subtype it is; R03 asks for the missing result);" in \
        card["detail"]
    assert entry["facts"]["subtype"] == "UNKNOWN"


def test_a_missing_antibody_that_decides_the_row_makes_it_not_evaluable(kb, today):
    """Anti-HMGCR negative, anti-SRP never resulted: seronegative (the highest risk) or anti-SRP (none)."""
    card, entry = _outcome(kb, imnm(today, never_resulted="anti_srp"), today)
    assert card is None and entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("anti-SRP never resulted: the subtype may be SRP or SERONEG")
    card, entry = _outcome(kb, imnm(today, never_resulted="anti_srp").procedure(CT_CAP, day=-30), today)
    assert entry["status"] == "not-fired" and entry["reason"].startswith("cancer screening imaging")


def test_resolved_malignancy_does_not_block(kb, today):
    chart = imnm(today, "HMGCR").condition("Breast cancer", onset=-3000, status="resolved")
    assert _outcome(kb, chart, today)[0] is not None
    chart = imnm(today, "HMGCR").condition("Lung adenocarcinoma", onset=-60)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["facts"]["active_malignancy"] == "Lung adenocarcinoma"


def test_onset_at_18_is_adult(kb, today):
    # Chart(age=20) is born 20 years and 30 days before today; onset 2 years ago = age 18
    card, entry = _outcome(kb, imnm(today, age=20, onset=-730), today)
    assert card is not None and entry["facts"]["age_at_onset"] == 18


def test_r30_a_resolved_juvenile_myositis_makes_an_adult_relapse_juvenile_onset(kb, today):
    """JDM at 12 charted as resolved, now 45 with anti-HMGCR IMNM charted as a new active condition 40 days ago: only
    active conditions were read, so R30 asked for cancer screening in juvenile-onset disease."""
    jdm_at_12 = -33 * 365  # Chart(age=45) is born 45 years and 30 days before today
    chart = imnm(today, "HMGCR", onset=-40, age=45)
    chart.condition((ICD10, "M33.02", "Juvenile dermatomyositis with myopathy"), onset=jdm_at_12, status="resolved")
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["reason"] == f"juvenile onset (age 12 on {chart.at(jdm_at_12)})"


def test_suggested_orders(kb, today):
    card, _ = _outcome(kb, imnm(today, sex="female", age=50), today)
    basic, ct = card["suggestions"]
    names = [a["resource"]["code"]["text"] for a in basic["actions"]]
    assert "Serum free light chains (kappa/lambda)" in names and "Chest X-ray (PA and lateral)" in names
    assert len(names) == 8 and all(a["resource"]["resourceType"] == "ServiceRequest" for a in basic["actions"])
    coded = {a["resource"]["code"]["text"]: a["resource"]["code"]["coding"][0]["code"] for a in basic["actions"]
             if a["resource"]["code"].get("coding")}
    assert coded == {"CBC with differential": "57021-8", "Comprehensive metabolic panel (CMP)": "24323-8",
                     "Erythrocyte sedimentation rate (ESR)": "30341-2", "C-reactive protein (CRP)": "1988-5",
                     "Urinalysis": "24356-8",
                     "Chest X-ray (PA and lateral)": "399208008"}  # SPEP and free light chains have no sourced code
    code = ct["actions"][0]["resource"]["code"]["coding"][0]
    assert code == {"system": LOINC, "code": "89283-6", "display": "CT Neck+Chest+Abdomen+Pelvis W contrast IV"}
    assert "mammography" in card["detail"] and "colonoscopy" in card["detail"] and "PSA" not in card["detail"]
    assert len(card["summary"]) < 140


def test_ici_context_is_suppressed_centrally(kb, today):
    chart = imnm(today).medication("pembrolizumab 100 MG in 4 ML Injection", 200, "mg", start=-300)
    chart.ck(5000, day=-3).condition("Myalgia", onset=-10)
    _, entry = _outcome(kb, chart, today)
    assert entry["status"] == "suppressed"


def test_ici_context_without_ici_myositis_is_quiet(kb, today):
    """On a checkpoint inhibitor the cancer is known: no screening card, even when R31 does not fire (IMNM began
    before the first dose, and no CK is high)."""
    chart = imnm(today).medication("pembrolizumab 100 MG in 4 ML Injection", 200, "mg", start=-100)
    card, entry = _outcome(kb, chart, today)
    assert card is None and entry["status"] == "not-fired" and "checkpoint-inhibitor" in entry["reason"]


@pytest.mark.parametrize(("status", "counts"), [("completed", True), ("cancelled", False), ("registered", False),
                                                ("stopped", False), ("on-hold", False)])
def test_only_a_study_that_was_done_counts(kb, today, status, counts):
    """A cancelled or merely registered CT is no screening: the card must still ask for one."""
    card, _ = _outcome(kb, imnm(today).procedure(CT_CAP, day=-30, status=status), today)
    assert (card is None) is counts


def test_an_imaging_study_is_read_by_its_procedure_code_and_start(kb, today):
    chart = imnm(today)
    chart.resources["procedures"].append({
        "resourceType": "ImagingStudy", "id": "img-1", "status": "available", "started": chart.at(-30),
        "procedureCode": [{"coding": [{"system": CT_CAP[0], "code": CT_CAP[1], "display": CT_CAP[2]}]}]})
    assert _outcome(kb, chart, today)[0] is None


def test_r30_imnm_coded_g72_89_with_its_name_in_the_text_is_imnm(kb, today):
    """IMNM coded G72.89 ('Other specified myopathies', as the spec says sites code it) with the text "Immune-mediated
    necrotizing myopathy", both antibodies negative: the text was not read, so 'not IMNM' and no cancer screen for
    the seronegative subtype, which carries the highest cancer risk."""
    chart = Chart(today, age=60).condition((ICD10, "G72.89", "Other specified myopathies"), onset=-200)
    chart.resources["conditions"][-1]["code"]["text"] = "Immune-mediated necrotizing myopathy"
    chart.antibody("anti_hmgcr", "negative", day=-190).antibody("anti_srp", "negative", day=-190)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "seronegative IMNM" in card["summary"]


@pytest.mark.parametrize("cancer", [
    ("http://snomed.info/sct", "254701007", "Basal cell carcinoma of skin"),
    ("http://snomed.info/sct", "254651007", "Squamous cell carcinoma of skin"),
    (ICD10, "C44.91", "Basal cell carcinoma of skin, unspecified"),
    (ICD10, "C44.99", "Other specified malignant neoplasm of skin, unspecified"),
    "Carcinoma in situ of cervix",
    (ICD10, "D03.59", "Melanoma in situ of other part of trunk"),
], ids=["BCC", "cutaneous SCC", "C44.91", "C44.99", "CIS cervix", "melanoma in situ"])
def test_r30_skin_cancer_other_than_melanoma_or_an_in_situ_neoplasm_does_not_skip_the_screen(kb, today, cancer):
    """An active basal cell carcinoma, cutaneous SCC (ICD-10-CM C44) or carcinoma in situ made R30 quiet ("active
    malignancy on file"): the value set held C00-C96 whole and the name 'carcinoma' (found by clinician review)."""
    card, entry = _outcome(kb, imnm(today).condition(cancer, onset=-20), today)
    assert card is not None and entry["facts"]["active_malignancy"] is None
    assert entry["facts"]["skin_or_in_situ_cancer_not_counted"] == (cancer if isinstance(cancer, str) else cancer[2])


@pytest.mark.parametrize("cancer", [(ICD10, "C43.9", "Malignant melanoma of skin, unspecified"),
                                    (ICD10, "C4A.9", "Merkel cell carcinoma, unspecified"),
                                    (ICD10, "C34.90", "Malignant neoplasm of unspecified part of lung"),
                                    "Squamous cell carcinoma of lung"])
def test_r30_melanoma_merkel_cell_and_other_cancers_still_skip_the_screen(kb, today, cancer):
    card, entry = _outcome(kb, imnm(today).condition(cancer, onset=-20), today)
    assert card is None and entry["reason"].startswith("active malignancy on file")


@pytest.mark.parametrize("name", ["CT chest, abdomen and pelvis", "CT Thorax Abdomen Pelvis with contrast",
                                  "CT CHEST ABD PELVIS W CONTRAST", "CT C/A/P W IV CONTRAST", "CT TAP"])
def test_r30_a_combined_ct_named_in_its_usual_wordings_is_a_screen(kb, today, name):
    """A complete screen charted by name ('CT chest, abdomen and pelvis', 'CT C/A/P') was not recognised, and the
    warning repeated (found by clinician review). No CPT code for CT is in the terminology pack."""
    card, entry = _outcome(kb, imnm(today).procedure(name, day=-60), today)
    assert card is None and entry["facts"]["screening_imaging"].startswith(name)


def _age_sex_line(card):
    return card["detail"].split("**Age- and sex-appropriate screening** (USPSTF age bands): ")[1].split("\n")[0]


@pytest.mark.parametrize(("age", "sex", "line"), [
    (22, "female", "cervical screening as due (21-65 y)."),
    (20, "male", "none due at this age by the usual (USPSTF) age bands."),
    (60, "male", "colonoscopy (or another colorectal screen) (45-75 y); discuss PSA testing (55-69 y)."),
    (72, "male", "colonoscopy (or another colorectal screen) (45-75 y)."),
    (88, "female", "mammography: over 74, discuss individually; cervical screening as due: over 65, only if earlier "
                   "screening was not adequate; colonoscopy (or another colorectal screen): over 75, discuss "
                   "individually."),
    (50, "unknown", "mammography (40-74 y), if applicable; cervical screening as due (21-65 y), if applicable; "
                    "colonoscopy (or another colorectal screen) (45-75 y)."),
])
def test_r30_age_and_sex_appropriate_screens_keep_to_their_age_bands(kb, today, age, sex, line):
    """A woman of 22 was offered mammography, one of 88 mammography, cervical screening and colonoscopy, a man of 20
    a PSA discussion (found by clinician review): each screen now has its usual (USPSTF) age band."""
    card, _ = _outcome(kb, imnm(today, age=age, sex=sex, onset=-100), today)
    assert _age_sex_line(card) == line


def test_r30_a_site_sets_its_own_screening_age_bands(kb, today):
    """The bands are thresholds.toml parameters: a programme screening breasts from 50 to 71 says so."""
    site = with_params(kb, RULE, breast_min_age=50, breast_max_age=71)
    card, _ = _outcome(site, imnm(today, age=45, sex="female", onset=-100), today)
    assert "mammography" not in _age_sex_line(card)
    card, _ = _outcome(site, imnm(today, age=72, sex="female", onset=-100), today)
    assert _age_sex_line(card).startswith("mammography: over 71, discuss individually;")


def _equivocal(today, group: str, subtype: str, result: str = "Equivocal") -> Chart:
    """IMNM with the other antibody as in ``subtype``, and ``group`` resulted ``result`` (neither positive nor
    negative) with it."""
    return imnm(today, subtype, never_resulted=group).observation(ANTI_HMGCR if group == "anti_hmgcr" else ANTI_SRP,
                                                                  -190, value_string=result)


@pytest.mark.parametrize("result", ["Equivocal", "Borderline"])
def test_r30_an_equivocal_antibody_that_cannot_change_the_answer_is_quoted_not_called_missing(kb, today, result):
    """Anti-HMGCR 'Equivocal' with anti-SRP negative (HMGCR or SERONEG: both screened) fired with "anti-HMGCR never
    resulted ... R03 asks for it", for a test already resulted (found by clinician review)."""
    day = today - timedelta(days=190)
    card, entry = _outcome(kb, _equivocal(today, "anti_hmgcr", "SERONEG", result), today)
    assert card["summary"].startswith("Cancer screen due: anti-HMGCR IMNM or seronegative IMNM since")
    assert "never resulted" not in card["detail"]
    assert (f"IMNM, anti-HMGCR neither positive nor negative ('{result}' on {day}), anti-SRP negative (the screen is "
            "due whichever subtype it is; repeat anti-HMGCR by another method or at a reference lab, or ask the lab "
            "how to read the result);") in card["detail"]
    assert entry["facts"]["antibodies_equivocal"] == f"anti-HMGCR '{result}' on {day}"
    assert entry["facts"]["antibodies_never_resulted"] is None
    # anti-SRP equivocal with anti-HMGCR positive: HMGCR or DUAL, both screened
    card, _ = _outcome(kb, _equivocal(today, "anti_srp", "HMGCR", result), today)
    assert card["summary"].startswith("Cancer screen due: anti-HMGCR IMNM or IMNM with both antibodies since")


@pytest.mark.parametrize(("group", "subtype", "possible"), [("anti_hmgcr", "SRP", "SRP or DUAL"),
                                                           ("anti_srp", "SERONEG", "SRP or SERONEG")])
def test_r30_an_equivocal_antibody_that_decides_the_row_is_not_evaluable_and_says_it_was_resulted(kb, today, group,
                                                                                               subtype, possible):
    """Anti-HMGCR equivocal with anti-SRP positive (SRP: no screen; DUAL: screen), or anti-SRP equivocal with
    anti-HMGCR negative (SRP or SERONEG): not evaluable as before, but no longer "never resulted"."""
    name = "anti-HMGCR" if group == "anti_hmgcr" else "anti-SRP"
    card, entry = _outcome(kb, _equivocal(today, group, subtype), today)
    assert card is None and entry["status"] == "not-evaluable" and "never resulted" not in entry["reason"]
    assert entry["reason"] == (f"{name} resulted neither positive nor negative ('Equivocal' on "
                               f"{today - timedelta(days=190)}): the subtype may be {possible}, and only HMGCR, "
                               f"SERONEG or DUAL counts here (repeat {name} by another method or at a reference lab, "
                               "or ask the lab how to read the result)")
