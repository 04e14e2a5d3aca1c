"""R20 srp-cardiac-evaluation: only the missing parts of the screen are suggested; abnormal results add a CMR."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ANTI_SRP, IMNM_SNOMED, LOINC, Chart
from fhir_fixtures.r19_imnm_severe_disease_urgent import MYOCARDITIS
from fhir_fixtures.r20_srp_cardiac_evaluation import (
    CARDIAC_MRI,
    ECG,
    LOCAL,
    LOCAL_ECG,
    LOCAL_TTE,
    TROPONIN_T,
    TTE,
    srp_chart,
)
from tests.conftest import explained, fired, run

RULE = "srp-cardiac-evaluation"
TNI = (LOINC, "10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma")


def _card(kb, chart):
    return fired(run(kb, chart.request("patient-view"), chart.today)).get(RULE)


def _ordered(card) -> list[str]:
    return [a["description"] for a in card["suggestions"][0]["actions"]]


def test_everything_missing_is_suggested_with_codes(kb, today):
    card = _card(kb, srp_chart(today))
    assert card["indicator"] == "warning"
    assert _ordered(card) == ["12-lead ECG", "High-sensitivity troponin I", "NT-proBNP",
                              "Transthoracic echocardiogram"]
    codes = [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in card["suggestions"][0]["actions"]]
    assert codes == ["268400002", "89579-7", "33762-6", "252418006"]
    assert "troponin T can rise" in card["detail"]


def test_only_imaging_missing(kb, today):
    chart = srp_chart(today).procedure(ECG, -30).lab(TNI, 0.01, "ng/mL", day=-30, high=0.04)
    chart.observation("NT-proBNP", -30, value=90, unit="pg/mL")
    card = _card(kb, chart)
    assert _ordered(card) == ["Transthoracic echocardiogram"]
    assert "no echocardiogram ever" in card["detail"]


def test_high_troponin_adds_cardiac_mri_and_cardiology(kb, today):
    chart = srp_chart(today).lab(TNI, 0.09, "ng/mL", day=-20, high=0.04)
    card = _card(kb, chart)
    assert "Cardiac MRI" in _ordered(card) and "Cardiology referral" in _ordered(card)
    assert "Already abnormal" in card["detail"]


def test_dual_positive_counts_and_procedures_must_be_prefetched(kb, today):
    chart = srp_chart(today)
    chart.antibody("anti_hmgcr", "positive", day=-10)
    assert _card(kb, chart) is not None
    screened = srp_chart(today).procedure(ECG, -10).procedure(TTE, -10)
    assert _card(kb, screened) is None
    request = screened.request("patient-view")
    del request["prefetch"]["procedures"]
    result = run(kb, request, today, unavailable=["procedures"])
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable"


def test_cancelled_ecg_does_not_count(kb, today):
    chart = srp_chart(today).procedure(ECG, -10, status="not-done").procedure(TTE, -10)
    assert "12-lead ECG" in _ordered(_card(kb, chart))


def test_anti_srp_positive_counts_before_anti_hmgcr_is_resulted(kb, today):
    chart = srp_chart(today)
    chart.resources["observations"] = [o for o in chart.resources["observations"]
                                       if "HMGCR" not in o["code"]["coding"][0]["display"]]
    result = run(kb, chart.request("patient-view"), today)
    entry = explained(result, RULE)
    assert RULE in fired(result) and entry["facts"]["subtype"] == "UNKNOWN"
    negative = srp_chart(today, antibody="anti_hmgcr")  # anti-HMGCR positive, anti-SRP negative
    assert _card(kb, negative) is None


def test_an_equivocal_antibody_is_quoted_not_called_never_resulted(kb, today):
    """Review: anti-HMGCR resulted 'Equivocal' was "anti-HMGCR never resulted" on the card, and an equivocal anti-SRP
    outside myositis "anti-SRP never resulted" in the explanation."""
    chart = srp_chart(today).without_observations("93493-5").observation(ANTI_HMGCR, -190, value_string="Equivocal")
    card = _card(kb, chart)
    assert (f"; anti-HMGCR resulted neither positive nor negative ('Equivocal' on {chart.at(-190)})" in card["detail"]
            and "never resulted" not in card["detail"])
    no_myositis = Chart(today, age=40).antibody("anti_hmgcr", "negative", day=-10)
    found = explained(run(kb, no_myositis.observation(ANTI_SRP, -10, value_string="Borderline")
                          .request("patient-view"), today), RULE)
    assert found["status"] == "not-fired" and found["reason"] == (
        f"anti-SRP resulted neither positive nor negative ('Borderline' on {no_myositis.at(-10)}), and no inflammatory "
        "myopathy on file (where R03 asks for it)")


def test_anti_srp_never_resulted_in_myositis_is_not_evaluable(kb, today):
    """In IMNM (or another inflammatory myopathy) anti-SRP never resulted decides the row: not evaluable, not quiet
    ("not anti-SRP positive"). Outside myositis it is no missing result, and a complete screen settles it anyway."""
    def entry(chart):
        return explained(run(kb, chart.request("patient-view"), today), RULE)
    chart = srp_chart(today).without_observations("33921-8")
    found = entry(chart)
    assert found["status"] == "not-evaluable" and found["reason"].startswith("anti-SRP never resulted")
    screened = entry(srp_chart(today).without_observations("33921-8").procedure(ECG, -30).procedure(TTE, -30))
    assert screened["status"] == "not-fired" and screened["reason"].startswith("ECG or troponin")
    no_myositis = Chart(today, age=40).antibody("anti_hmgcr", "negative", day=-10)
    found = entry(no_myositis)
    assert found["status"] == "not-fired" and found["reason"].startswith("anti-SRP never resulted, and no "
                                                                         "inflammatory myopathy")


def test_a_loinc_coded_nt_probnp_counts(kb, today):
    """LOINC 33762-6, as the Synthea charts send it: a LOINC-coded result is matched by its code, not its name."""
    chart = srp_chart(today).procedure(ECG, -30).lab(TNI, 0.01, "ng/mL", day=-30, high=0.04)
    chart.lab((LOINC, "33762-6", "NT-proBNP"), 90, "pg/mL", day=-30)
    assert _ordered(_card(kb, chart)) == ["Transthoracic echocardiogram"]


def test_ecg_and_echo_under_local_codes_are_recognised_by_name(kb, today):
    """An ECG and an echo sent only under the site's own codes were not seen, and the card asked for both again
    (found by review): like the other concepts, they are recognised by name (hooks/valuesets/names.csv)."""
    chart = srp_chart(today).procedure(LOCAL_ECG, -30).procedure(LOCAL_TTE, -400)
    result = run(kb, chart.request("patient-view"), today)
    facts = explained(result, RULE)["facts"]
    assert RULE not in fired(result)
    assert facts["last_ecg_12m"] == "2026-10-22" and facts["last_echo"] == "2025-10-17"


def test_a_local_ecg_result_and_a_local_echo_report_count(kb, today):
    """The same by name in an Observation (an ECG result) and a DiagnosticReport (the echo report)."""
    chart = srp_chart(today).observation((LOCAL, "EKG", "EKG 12 lead"), -30, value_string="Sinus rhythm")
    chart.resources["procedures"].append({
        "resourceType": "DiagnosticReport", "id": "echo-report", "status": "final",
        "code": {"coding": [{"system": LOCAL, "code": "ECHO-TTE"}], "text": "Echocardiogram, transthoracic"},
        "subject": {"reference": f"Patient/{chart.patient_id}"}, "effectiveDateTime": chart.at(-200)})
    assert _card(kb, chart) is None


def test_a_local_cardiac_mri_counts_as_imaging(kb, today):
    chart = srp_chart(today).procedure(ECG, -30).procedure((LOCAL, "CMR", "Cardiac MRI with contrast"), -500)
    assert _card(kb, chart) is None


def test_ecg_gated_ct_and_a_fetal_echo_are_not_the_screen(kb, today):
    """Names that only contain 'ECG' or 'echocardiogram' (gated imaging, the fetus's heart) are not the patient's
    ECG or echo: the card still asks for both."""
    chart = srp_chart(today).procedure((LOCAL, "CTCA", "CT coronary angiography, ECG-gated"), -30)
    chart.procedure((LOCAL, "FE", "Fetal echocardiogram"), -60)
    ordered = _ordered(_card(kb, chart))
    assert "12-lead ECG" in ordered and "Transthoracic echocardiogram" in ordered


@pytest.mark.parametrize("name", ["Heart rate (ECG)", "ECG rhythm strip", "EKG lead II"])
def test_a_monitor_reading_is_not_a_12_lead_ecg(kb, today, name):
    """A heart rate or rhythm strip read off a monitor names 'ECG' too (found by review: it had silenced the ECG
    request): the card still asks for a 12-lead ECG."""
    chart = srp_chart(today).observation((LOCAL, "HR", name), -3, value_string="72")
    assert "12-lead ECG" in _ordered(_card(kb, chart))


TNI = (LOINC, "10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma")


def _srp_with_echo(today):
    chart = Chart(today, age=45).condition(IMNM_SNOMED, onset=-400).antibody("anti_srp", "positive", day=-390)
    return chart.antibody("anti_hmgcr", "negative", day=-390).procedure(TTE, -380)


def test_r20_a_troponin_that_gave_no_value_screened_nothing(kb, today):
    """"Specimen hemolyzed - test not performed" 5 days ago counted as this year's troponin: R20 was quiet, with no
    ECG in 12 months (found by review)."""
    chart = _srp_with_echo(today).observation(TNI, -5, value_string="Specimen hemolyzed - test not performed")
    assert explained(run(kb, chart.request("patient-view"), today), RULE)["status"] == "fired"


def test_r20_a_troponin_i_with_no_range_is_not_judged_normal(kb, today):
    """Troponin I with no range or flag was read as normal: no cardiac MRI or cardiology review offered (found by
    review). As R19 and R31 read it, the heart is not excluded (0.05 ng/mL: below the fallback of 1 ng/mL)."""
    chart = srp_chart(today).observation(TNI, -5, value=0.05, unit="ng/mL")  # no echocardiogram yet: it fires
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "with no range or flag to judge it (the heart is not excluded)" in card["detail"]
    assert "Cardiology referral" in [a["description"] for s in card["suggestions"] for a in s["actions"]]


def test_r20_a_troponin_i_with_no_range_far_above_every_assays_uln_is_abnormal(kb, today):
    """Troponin I 2.3 ng/mL with no range or flag: above 1 ng/mL (1,000 ng/L) it is above every troponin I assay's
    upper limit, judged as R19 judges it; the card says the lab gave no range and what it was judged against."""
    chart = srp_chart(today).observation(TNI, -5, value=2.3, unit="ng/mL")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert ("**Already abnormal:** troponin I 2.3 ng/mL (no reference range or flag from the lab: judged against "
            "1,000 ng/L, above the upper limit of every troponin I assay) on 2026-11-16") in card["detail"]
    assert "not excluded" not in card["detail"]


def test_r20_a_raised_troponin_i_is_stated_with_its_limit(kb, today):
    chart = srp_chart(today).lab(TNI, 0.09, "ng/mL", day=-20, high=0.04)
    assert "troponin I 0.09 ng/mL (ULN 0.04 ng/mL) on 2026-11-01" in _card(kb, chart)["detail"]


@pytest.mark.parametrize(("code", "named"), [
    ((LOINC, "89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method"),
     "troponin I 2026-11-19 (85 ng/L)"),
    ((LOINC, "6598-7", "Troponin T.cardiac [Mass/volume] in Serum or Plasma"), "troponin T 2026-11-19 (85 ng/L)"),
])
def test_r20_the_troponin_on_file_is_named_once(kb, today, code, named):
    """"troponin Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method 2026-11-21": the
    lab's long name after "troponin" (found by clinician review). Named once, short, with its value."""
    card = _card(kb, srp_chart(today).lab(code, 85, "ng/L", day=-2, high=16))
    assert f"What is on file: no ECG in 12 months; {named}; no echocardiogram ever" in card["detail"]
    assert "Troponin" not in card["detail"].split("Missing")[0]


def _screened(today):
    """Anti-SRP with the row's screen complete: an ECG last month and an echocardiogram three years ago."""
    return srp_chart(today).procedure(ECG, -20).procedure(TTE, -1100)


def test_r20_a_raised_troponin_i_on_a_complete_screen_asks_for_cardiac_mri_and_cardiology(kb, today):
    """hs-troponin I 240 ng/L (ULN 16) with an ECG and an echo on file and no heart condition: R20 called the screen
    complete and R19 needs a heart condition, so no card asked for the cardiac MRI the row wants "if anything is
    abnormal" (found by clinician review). It fires for the raised result alone, without repeating the screen."""
    card = _card(kb, _screened(today).lab(TNI, 240, "ng/L", day=-10, high=16))
    assert card["indicator"] == "warning" and len(card["summary"]) < 140
    assert card["summary"] == "Anti-SRP with troponin I above the upper limit: cardiac MRI and cardiology review"
    assert _ordered(card) == ["Cardiac MRI", "Cardiology referral"]
    assert "**Already abnormal:** troponin I 240 ng/L (ULN 16 ng/L) on 2026-11-11" in card["detail"]
    assert "Missing:" not in card["detail"] and "Screen the heart" not in card["detail"]


def test_r20_a_troponin_i_with_no_range_above_every_assays_uln_on_a_complete_screen_fires(kb, today):
    """The fallback upper limit (1,000 ng/L) judges a troponin I the lab gave no range or flag for, as R19 does."""
    card = _card(kb, _screened(today).observation(TNI, -10, value=2.3, unit="ng/mL"))
    assert _ordered(card) == ["Cardiac MRI", "Cardiology referral"]
    assert "judged against 1,000 ng/L" in card["detail"]


@pytest.mark.parametrize("troponin", [
    pytest.param(lambda c: c.lab(TNI, 9, "ng/L", day=-10, high=16), id="troponin I within range"),
    pytest.param(lambda c: c.lab(TNI, 240, "ng/L", day=-366, high=16), id="troponin I raised 366 days ago"),
    pytest.param(lambda c: c.lab(TROPONIN_T, 90, "ng/L", day=-10, high=14, interpretation="H"),
                 id="troponin T raised (regenerating muscle)"),
    pytest.param(lambda c: c.observation(TNI, -10, value=0.05, unit="ng/mL"), id="troponin I with no range"),
])
def test_r20_a_complete_screen_stays_quiet_without_a_raised_troponin_i_this_year(kb, today, troponin):
    """Only troponin I above its upper limit within the 12-month window reopens a complete screen: not troponin T,
    which regenerating skeletal muscle raises, nor one older than the window. One with no range or flag, below
    the fallback, is not taken as abnormal on a complete screen [sign-off]."""
    assert _card(kb, troponin(_screened(today))) is None


def test_r20_a_cardiac_mri_since_the_raised_troponin_i_answers_it(kb, today):
    raised = _screened(today).lab(TNI, 240, "ng/L", day=-60, high=16)
    found = explained(run(kb, raised.procedure(CARDIAC_MRI, -30).request("patient-view"), today), RULE)
    assert found["status"] == "not-fired"
    assert found["reason"].endswith("the raised troponin I was followed by a cardiac MRI (2026-10-22)")
    before = _screened(today).procedure(CARDIAC_MRI, -700).lab(TNI, 240, "ng/L", day=-60, high=16)
    assert _ordered(_card(kb, before)) == ["Cardiac MRI", "Cardiology referral"]


def test_r20_beside_r19_only_the_cardiac_mri_and_cardiology_are_offered(kb, today):
    """With myocarditis R19 fires on the same raised troponin I and orders the urgent work-up; R20 adds only what
    R19 does not, and says which card orders the rest."""
    chart = _screened(today).lab(TNI, 240, "ng/L", day=-10, high=16).condition(MYOCARDITIS, onset=-5)
    cards = fired(run(kb, chart.request("patient-view"), today))
    assert "imnm-severe-disease-urgent" in cards
    assert _ordered(cards[RULE]) == ["Cardiac MRI", "Cardiology referral"]
    assert ("The severe-IMNM card (R19) orders the urgent work-up (12-lead ECG, troponin I, NT-proBNP stat and "
            "transthoracic echocardiogram urgently); the cardiac MRI and cardiology review are offered here."
            ) in cards[RULE]["detail"]


def test_r20_a_raised_troponin_i_with_anti_srp_never_resulted_is_not_evaluable(kb, today):
    """A complete screen no longer settles the row when a troponin I is raised: anti-SRP decides it."""
    chart = _screened(today).without_observations("33921-8").lab(TNI, 240, "ng/L", day=-10, high=16)
    found = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert found["status"] == "not-evaluable" and found["reason"].startswith("anti-SRP never resulted")
