"""Contract section 3: suggested orders are coded (RxNorm, LOINC, SNOMED CT), except the explicit list below.

Every fixture is run and every suggested MedicationRequest / ServiceRequest is read. A concept sent as text only
must be listed here with why: either no public source gave a code (docs/clinical-validation.md: no code typed
from memory), or a sourced value-set row exists but the rule still builds a text concept. Both lists must stay
true: an entry that no fixture produces any more is stale and fails too, so the lists only shrink.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

import fhir_fixtures
from fhir_fixtures.builders import IMNM_SNOMED, LOINC, RITUXIMAB, SNOMED, Chart
from hooks.definitions import lab_orders
from tests.conftest import fired, run

NO_PACK_RXNORM = "no RxNorm code in the terminology pack (README Gaps) nor in any value set searched"
COMPOSITE = "one request for several tests or services: no single code names it"
NO_SNOMED_REFERRAL = "no SNOMED CT 'Referral to ...' code for this service in the VSAC referral value sets"

# (rule id, concept text) -> why the order goes as text: no sourced code exists.
TEXT_ONLY: dict[tuple[str, str], str] = {
    ("statin-contraindicated-anti-hmgcr", "evolocumab"): NO_PACK_RXNORM,
    ("mtx-once-weekly-hard-stop", "folic acid"): NO_PACK_RXNORM,
    ("mtx-start-prerequisites", "folic acid"): NO_PACK_RXNORM,
    ("imnm-add-steroid-sparing-by-month-1", "folic acid 1 MG Oral Tablet"): NO_PACK_RXNORM,
    ("mtx-weekly-dose-range", "folic acid 1 MG Oral Tablet"): NO_PACK_RXNORM,
    ("pediatric-myositis-dose-limits", "folic acid 1 MG Oral Tablet"): NO_PACK_RXNORM,
    ("mtx-tmp-smx-interaction", "atovaquone"): NO_PACK_RXNORM,
    ("pjp-prophylaxis-missing", "Atovaquone"): NO_PACK_RXNORM,
    ("hbv-screen-before-rituximab", "Entecavir"): NO_PACK_RXNORM,
    ("giop-bone-protection", "Zoledronic acid"): NO_PACK_RXNORM,
    ("giop-bone-protection", "Denosumab"): NO_PACK_RXNORM,
    ("aza-tpmt-nudt15-before-start", "NUDT15 genotype"): "no NUDT15 LOINC in the pack (README Gaps) or lab catalogues",
    ("imnm-add-steroid-sparing-by-month-1",
     "TPMT activity (or TPMT genotype) and NUDT15 genotype before azathioprine"): COMPOSITE,
    ("myositis-antibody-panel-missing", "Electromyography (EMG) with nerve conduction studies"):
        "no EMG code in the pack (README Gaps: the emg group is absent)",
    ("myositis-antibody-panel-missing",
     "Myositis-specific and myositis-associated antibody panel (anti-synthetases incl. Jo-1, Mi-2, MDA5, TIF1-gamma, "
     "NXP2, SAE, PM/Scl, Ku, Ro52)"): "no LOINC myositis antibody panel code (README Gaps)",
    # the members not yet resulted (fixture r03-fires-jdm-anti-nxp2-positive-offers-the-rest)
    ("myositis-antibody-panel-missing",
     "Myositis-specific and myositis-associated antibodies: anti-Jo-1, anti-PL-7, anti-PL-12, anti-EJ, anti-OJ, "
     "anti-Mi-2, anti-MDA5, anti-TIF1-gamma, anti-SAE, anti-PM/Scl, anti-Ku, anti-Ro52"):
        "no LOINC myositis antibody panel code (README Gaps)",
    ("myositis-antibody-panel-missing", "Referral for muscle biopsy (MHC-I, C5b-9 and p62 stains; guided by MRI)"):
        "no code for the biopsy procedure itself (README Gaps: only imaging-guidance LOINC codes)",
    ("seronegative-imnm-workup",
     "Muscle biopsy (referral): MHC-I, C5b-9 (MAC) and p62 staining; question seronegative IMNM"):
        "no code for the biopsy procedure itself (README Gaps: only imaging-guidance LOINC codes)",
    ("seronegative-imnm-workup", "Neuromuscular genetic panel (limb-girdle muscular dystrophies and other myopathies)"):
        "no sourced LOINC for a neuromuscular gene panel",
    ("hmgcr-add-ivig-inadequate-response", "MMT-8 manual muscle strength examination"):
        "MMT-8 has no standard code (the mmt8 group is read by name)",
    ("imnm-possible-relapse-on-taper", "Manual muscle testing (MMT-8) within 2 weeks"):
        "MMT-8 has no standard code (the mmt8 group is read by name)",
    ("ibm-immunosuppression-futile", "Fall-risk assessment (quadriceps weakness in inclusion body myositis)"):
        "no sourced SNOMED CT fall-risk assessment procedure",
    ("ibm-immunosuppression-futile",
     "Referral to physiotherapy and occupational therapy (inclusion body myositis: strength, function, aids)"):
        COMPOSITE,
    ("imnm-severe-disease-urgent",
     "Bedside FVC and NIF every 8-12 hours; call if FVC < 20 mL/kg or NIF weaker than -30 cmH2O"):
        COMPOSITE + "; NIF has no standard code (the nif group is read by name)",
    ("ici-myositis", "Spirometry (FVC) and negative inspiratory force (NIF)"):
        COMPOSITE + "; NIF has no standard code (the nif group is read by name)",
    ("ici-myositis", "Urinalysis with urine myoglobin"): COMPOSITE + "; no sourced urine myoglobin LOINC",
    ("imnm-severe-disease-urgent", "ICU and neuromuscular consults: severe IMNM (admit)"): COMPOSITE,
    ("imnm-severe-disease-urgent", "VTE prophylaxis per hospital protocol"):
        "no sourced SNOMED CT VTE prophylaxis procedure",
    ("imnm-cancer-screening", "Serum protein electrophoresis (SPEP)"):
        "lab catalogues give only component LOINC codes (albumin, globulin fractions), no order code",
    ("imnm-cancer-screening", "Serum free light chains (kappa/lambda)"):
        "lab catalogues give only component LOINC codes (kappa, lambda, ratio), no order code",
    ("mtx-start-prerequisites",
     "Referral to hepatology: HBV DNA detectable, antiviral prophylaxis before methotrexate"): NO_SNOMED_REFERRAL,
    ("mtx-start-prerequisites", "Referral to hepatology: positive hepatitis screen before methotrexate"):
        NO_SNOMED_REFERRAL,
    ("mtx-start-prerequisites",
     "Referral to hepatology: HBsAg-positive hepatitis B, antiviral prophylaxis before methotrexate"):
        NO_SNOMED_REFERRAL,
    ("hbv-screen-before-rituximab", "Referral to hepatology: HBV marker positive before anti-CD20 therapy"):
        NO_SNOMED_REFERRAL,
    ("statin-contraindicated-anti-hmgcr",
     "Referral to lipid clinic (non-statin lipid lowering: ezetimibe, PCSK9 monoclonal antibody)"): NO_SNOMED_REFERRAL,
    ("live-vaccine-while-immunosuppressed",
     "Referral to travel clinic (live vaccine contraindicated: exemption letter and non-live alternatives)"):
        NO_SNOMED_REFERRAL,
    ("imnm-refractory-next-line",
     "Referral to a myositis centre: refractory IMNM (next-line therapy, diagnosis review)"): NO_SNOMED_REFERRAL,
}

# (rule id, concept text) -> (group, system, code) of the sourced value-set row the rule should ask for: the rule
# still builds orders.text_concept(...) (a rule change, not a value-set change, codes these).
RULE_SENDS_TEXT: dict[tuple[str, str], tuple[str, str, str]] = {
    ("imnm-possible-relapse-on-taper", "Neuromuscular clinic visit within 2 weeks (possible IMNM relapse)"):
        ("referral", SNOMED, "308474002"),
}

CODED_KEYS = ("medicationCodeableConcept", "code")


def _suggested_resources(cards: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """The orders the cards create (an update stops a chart order as it was sent: not this service's coding)."""
    return [(card["source"]["topic"]["code"], action["resource"])
            for card in cards for suggestion in card.get("suggestions", [])
            for action in suggestion.get("actions", []) if action["type"] == "create"]


@pytest.fixture(scope="module")
def suggested(kb, today) -> list[tuple[str, str, dict[str, Any]]]:
    """(fixture name, rule id, resource) of every order every fixture's cards suggest (all suggestions, not only the
    recommended: a clinician may accept any)."""
    return [(name, rule_id, resource) for name, fixture in fhir_fixtures.all_fixtures().items()
            for rule_id, resource in _suggested_resources(run(kb, fixture.request(today), today).cards)]


@pytest.fixture(scope="module")
def uncoded(suggested) -> dict[tuple[str, str], set[str]]:
    """(rule id, concept text) of every suggested order with no coding -> the fixtures that produce it."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, rule_id, resource in suggested:
        for key in CODED_KEYS:
            concept = resource.get(key)
            if concept is not None and not concept.get("coding"):
                found[(rule_id, concept.get("text", ""))].add(name)
    return found


def test_every_suggested_order_is_coded_or_listed(uncoded):
    unlisted = {key: sorted(names)[0] for key, names in uncoded.items()
                if key not in TEXT_ONLY and key not in RULE_SENDS_TEXT}
    assert not unlisted, f"suggested orders with no coding (rule, text) -> a fixture: {unlisted}"


def test_the_lists_are_not_stale(uncoded):
    stale = sorted((TEXT_ONLY.keys() | RULE_SENDS_TEXT.keys()) - uncoded.keys())
    assert not stale, f"now coded or no longer suggested: remove from the lists: {stale}"
    assert not TEXT_ONLY.keys() & RULE_SENDS_TEXT.keys()


@pytest.mark.parametrize("key", sorted(RULE_SENDS_TEXT))
def test_the_code_a_rule_should_ask_for_is_in_its_group(kb, key):
    """The sourced row is there: coding the order is a one-line rule change (lab_concept/procedure_concept)."""
    group, system, code = RULE_SENDS_TEXT[key]
    assert group in {info.group for info in kb.valuesets.lookup_code(system, code)}, key


def test_a_coded_igm_result_is_a_baseline_igm(kb, today):
    """R26 re-suggested IgM before rituximab although a recent IgM was charted with its LOINC code: an unlisted LOINC
    is another test (its names are not read), and the igM group had only the name 'IgM'."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200).draft(RITUXIMAB, 1000, "mg")
    chart.observation((LOINC, "2472-9", "Immunoglobulin M"), -30, value=1.1, unit="g/L")
    card = fired(run(kb, chart.request("order-sign"), today))["hbv-screen-before-rituximab"]
    labels = [action["description"] for suggestion in card["suggestions"] for action in suggestion["actions"]]
    assert "IgG" in labels and "IgM" not in labels


# Review 422 item 7: an EHR's duplicate-order check is keyed on the code, so one test ordered by two cards under two
# codes is drawn twice. A test is known by the value-set group of its code; the results a blood count gives are all
# the one CBC (R10 ordered WBC, haemoglobin and platelets apart, others a CBC with or without a differential).
BLOOD_COUNT = frozenset(("cbc", "wbc", "hemoglobin", "platelets", "neutrophils_absolute", "lymphocytes_absolute"))
NOT_ONE_TEST = frozenset(("referral",))  # a kind of order (referrals to many services), not one test


def _test_of(kb, coding: dict[str, Any]) -> set[str]:
    groups = {info.group for info in kb.valuesets.lookup_code(coding["system"], coding["code"])}
    return {"cbc" if group in BLOOD_COUNT else group for group in groups - NOT_ONE_TEST}


@pytest.fixture(scope="module")
def codes_by_test(kb, suggested) -> dict[str, dict[tuple[str, str], set[str]]]:
    """test (value-set group) -> (system, code) of every ServiceRequest ordering it -> the rules that order it so."""
    found: dict[str, dict[tuple[str, str], set[str]]] = defaultdict(lambda: defaultdict(set))
    for _, rule_id, resource in suggested:
        if resource["resourceType"] == "ServiceRequest":
            for coding in resource["code"].get("coding", []):
                for test in _test_of(kb, coding):
                    found[test][(coding["system"], coding["code"])].add(rule_id)
    return found


def test_a_test_is_ordered_under_one_code_by_every_card(codes_by_test):
    """The ECG went as SNOMED CT 268400002 (R04), LOINC 11524-6 (R19, R20) and 34534-8 (R31), troponin I as
    10839-9 (R04) and high-sensitivity 89579-7 (R19, R20, R31); each is now one test of lab_orders."""
    several = {test: {code: sorted(rules) for code, rules in codes.items()}
               for test, codes in codes_by_test.items() if len(codes) > 1}
    assert not several, f"one test ordered under several codes: {several}"


def test_a_shared_test_is_ordered_as_its_one_definition(kb, suggested):
    """Every card that orders a test of hooks/definitions/lab_orders.py sends its code, display and text (R17's
    basic metabolic panel had its own text)."""
    by_code = {(test.system, test.code): test.concept(kb.valuesets) for test in lab_orders.SHARED}
    differing: dict[tuple[str, str], dict[str, Any]] = {}
    for _, rule_id, resource in suggested:
        concept = resource.get("code") if resource["resourceType"] == "ServiceRequest" else None
        for coding in (concept or {}).get("coding", []):
            shared = by_code.get((coding["system"], coding["code"]))
            if shared is not None and concept != shared:
                differing[(rule_id, coding["code"])] = concept
    assert not differing, differing


@pytest.mark.parametrize("test", lab_orders.SHARED, ids=lambda test: test.label)
def test_a_shared_test_is_coded_from_its_value_set(kb, test):
    coding = test.concept(kb.valuesets)["coding"][0]
    assert test.group in {info.group for info in kb.valuesets.lookup_code(test.system, test.code)}
    assert coding["display"] and (coding["system"], coding["code"]) == (test.system, test.code)


@pytest.mark.parametrize("test", lab_orders.SHARED, ids=lambda test: test.label)
def test_a_shared_test_has_one_definition(test):
    """Two definitions of one test would be two codes again (or one code under two texts)."""
    assert [other.label for other in lab_orders.SHARED if other.group == test.group] == [test.label]
