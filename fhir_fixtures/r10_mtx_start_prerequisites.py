"""Fixtures for R10 mtx-start-prerequisites: a bare new start, a complete work-up, eGFR below 30 (recent, and 45 days
old with no newer renal result, and estimated from a creatinine when the sex is unknown), a child's creatinine with no
current height (no eGFR can be estimated) and with the lab's eGFR charted as '>60', an eGFR reported only as '<45'
(whether it is below 30 is not known), a high creatinine beside a same-day lab eGFR of '>60' (the lower counts), a
newest eGFR that cannot be read, and one charted '<15 (critical)' (below 30), stale labs, pregnancy potential
(also at a partial birth date that may be 50 or 51), a positive anti-HBc already followed up, HBsAg positive with a
detectable HBV DNA and no antiviral, and with one not detected (an antiviral is still needed), an anti-HBc positive
once and negative later, chronic hepatitis B on the problem list, and a patient already on methotrexate."""

from datetime import date, timedelta
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ANTI_HBC,
    CHRONIC_HBV,
    EGFR,
    ENTECAVIR,
    HBSAG,
    HBV_DNA,
    IMNM_SNOMED,
    LOINC,
    METHOTREXATE_2_5,
    WBC,
    Chart,
)

RULE = "mtx-start-prerequisites"
HGB = (LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood")
PLT = (LOINC, "777-3", "Platelets [#/volume] in Blood by Automated count")
ALT = (LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
AST = (LOINC, "1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
CREATININE = (LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma")
HCV_AB = (LOINC, "13955-0", "Hep C Ab")
HCG = (LOINC, "2118-8", "Choriogonadotropin (pregnancy test) [Presence] in Serum or Plasma")
ALBUMIN_TEXT = "Albumin [Mass/volume] in Serum or Plasma"


def worked_up(today: date, *, day: int = -7, egfr: float = 85, age: int | None = 62, sex: str = "male") -> Chart:
    """A chart with every prerequisite in place ``day`` days ago (screens long ago)."""
    chart = Chart(today, age=age, sex=sex).condition(IMNM_SNOMED, onset=-45)
    chart.lab(WBC, 7.1, "10*9/L", day=day).lab(HGB, 13.2, "g/dL", day=day).lab(PLT, 240, "10*9/L", day=day)
    chart.lab(ALT, 80, "U/L", day=day).lab(AST, 95, "U/L", day=day).lab(ALBUMIN_TEXT, 40, "g/L", day=day)
    chart.lab(CREATININE, 0.8, "mg/dL", day=day).lab(EGFR, egfr, "mL/min/{1.73_m2}", day=day)
    chart.hbv_markers("NEG", "NEG", day=-200)
    chart.observation(HCV_AB, -200, interpretation="NEG")
    return chart


def _with_mtx_and_folate(chart: Chart) -> dict[str, Any]:
    chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"])
    chart.draft("Folic acid 1 mg tablet", 1, "mg")
    return chart.request("order-sign")


@fixture("r10-fires-bare-new-start", hook="order-sign", demo=True,
         story="IMNM; first methotrexate 15 mg weekly drafted with no labs, no hepatitis screen, no folic acid.",
         fires={RULE}, indicators={RULE: "warning"})
def bare(today: date) -> dict[str, Any]:
    chart = Chart(today, age=62, sex="male").condition(IMNM_SNOMED, onset=-30)
    return chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"]).request("order-sign")


@fixture("r10-fires-egfr-below-30", hook="order-sign",
         story="Complete work-up, folic acid drafted, but eGFR 29: avoid methotrexate (critical).",
         fires={RULE}, indicators={RULE: "critical"})
def low_egfr(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, egfr=29))


@fixture("r10-fires-egfr-below-30-45-days-ago", hook="order-sign",
         story="Work-up last week but no creatinine or eGFR within 30 days; eGFR 22 45 days ago: the card names it, "
               "asks for a recheck and is critical (a low eGFR older than the lab window was ignored).",
         fires={RULE}, indicators={RULE: "critical"})
def old_low_egfr(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(CREATININE[1], EGFR[1])
    return _with_mtx_and_folate(chart.lab(EGFR, 22, "mL/min/{1.73_m2}", day=-45))


@fixture("r10-fires-egfr-below-30-sex-unknown", hook="order-sign",
         story="Work-up last week with a creatinine of 2.1 mg/dL and no eGFR; sex on file 'unknown', so neither "
               "CKD-EPI 2021 equation applies. The lower estimate decides: 26 as if female (35 as if male), so "
               "critical (no eGFR was estimated and the card was quiet).",
         fires={RULE}, indicators={RULE: "critical"})
def sex_unknown_low_egfr(today: date) -> dict[str, Any]:
    chart = worked_up(today, sex="unknown").without_observations(EGFR[1])
    chart.without_observations(CREATININE[1]).lab(CREATININE, 2.1, "mg/dL", day=-7)
    return _with_mtx_and_folate(chart)


@fixture("r10-fires-egfr-reported-as-a-bound-that-does-not-settle-30", hook="order-sign",
         story="Complete work-up last week, but for renal function only an eGFR the lab reported as '<45' "
               "(valueQuantity comparator '<'): it may be below 30, so the card says it is not known and asks for a "
               "creatinine (it was read as 45, 'not below 30', and the card was quiet).",
         fires={RULE}, indicators={RULE: "warning"})
def egfr_bound_unsettled(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(CREATININE[1], EGFR[1])
    return _with_mtx_and_folate(chart.observation(EGFR, -7, value=45, unit="mL/min/{1.73_m2}", comparator="<"))


@fixture("r10-fires-creatinine-high-beside-a-same-day-lab-egfr-over-60", hook="order-sign",
         story="Complete work-up last week, but that day's creatinine is 3.0 mg/dL (CKD-EPI 2021: 23) while the lab "
               "reported the eGFR as '>60' (text): on one day the lower reading counts, so critical (the lab's '>60' "
               "won and the card was quiet).",
         fires={RULE}, indicators={RULE: "critical"})
def creatinine_high_lab_egfr_normal(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(CREATININE[1], EGFR[1])
    return _with_mtx_and_folate(chart.lab(CREATININE, 3.0, "mg/dL", day=-7).observation(EGFR, -7, value_string=">60"))


@fixture("r10-fires-newest-egfr-cannot-be-read", hook="order-sign",
         story="Complete work-up last week with eGFR 85, then an eGFR two days ago charted as '<15 see note': the "
               "note may change it, so it cannot be read; whether the eGFR is below 30 is not known and the card asks "
               "for a recheck (the older 85 was used and the card was quiet).",
         fires={RULE}, indicators={RULE: "warning"})
def newest_egfr_unreadable(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today).observation(EGFR, -2, value_string="<15 see note"))


@fixture("r10-fires-egfr-below-30-flagged-critical", hook="order-sign",
         story="Complete work-up last week with eGFR 85, then an eGFR two days ago charted as '<15 (critical)': "
               "below 15 whatever the lab's flag, so critical, quoting the result (it was read as unreadable: a "
               "warning asking for a recheck).",
         fires={RULE}, indicators={RULE: "critical"})
def newest_egfr_flagged_critical(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today).observation(EGFR, -2, value_string="<15 (critical)"))


@fixture("r10-fires-child-creatinine-no-current-height", hook="order-sign",
         story="Boy aged 10, work-up last week with a creatinine but no eGFR and no height on file: bedside Schwartz "
               "cannot estimate the eGFR, so the card asks for a height (the creatinine passed as renal function).",
         fires={RULE}, indicators={RULE: "warning"})
def child_no_height(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, age=10).without_observations(EGFR[1]))


@fixture("r10-quiet-child-creatinine-with-lab-egfr-as-text", hook="order-sign",
         story="Boy aged 10 with no height on file, but the lab reported the eGFR with last week's creatinine as "
               "'>60' (text): the lab's own eGFR stands for the creatinine, and '>60' is normal.", quiet={RULE})
def child_lab_egfr_text(today: date) -> dict[str, Any]:
    chart = worked_up(today, age=10).without_observations(EGFR[1]).observation(EGFR, -7, value_string=">60")
    return _with_mtx_and_folate(chart)


@fixture("r10-fires-labs-31-days-old", hook="order-sign",
         story="Work-up done 31 days ago: the 30-day window has passed; labs are missing again.",
         fires={RULE}, indicators={RULE: "warning"})
def stale(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, day=-31))


@fixture("r10-fires-pregnancy-test-missing", hook="order-sign",
         story="Woman aged 34, complete work-up and folic acid, but no pregnancy test.", fires={RULE},
         indicators={RULE: "warning"})
def pregnancy_potential(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, age=34, sex="female"))


@fixture("r10-fires-pregnancy-test-missing-partial-birth-date", hook="order-sign",
         story="Woman whose birth date is a year only, 51 years ago: she is 50 or 51, complete work-up and folic "
               "acid, but no pregnancy test. She may be 50, so the test is asked for (read as 51, it was dropped).",
         fires={RULE}, indicators={RULE: "warning"})
def pregnancy_potential_partial_birth_date(today: date) -> dict[str, Any]:
    chart = worked_up(today, sex="female")
    # a year-only date allows two ages on every day but 31 December, when the next day's year keeps her 50
    chart.birth_date = str((today + timedelta(days=1)).year - 51)
    return _with_mtx_and_folate(chart)


@fixture("r10-fires-pregnancy-test-missing-sex-unknown", hook="order-sign",
         story="Patient aged 34 whose sex is recorded as 'unknown', complete work-up and folic acid, but no pregnancy "
               "test. Only a male sex rules pregnancy out, so the test is asked for (it was dropped).",
         fires={RULE}, indicators={RULE: "warning"})
def pregnancy_potential_sex_unknown(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, age=34, sex="unknown"))


@fixture("r10-quiet-complete-work-up", hook="order-sign",
         story="Labs 30 days old (edge), eGFR exactly 30, screens done, folic acid in the same order set.",
         quiet={RULE})
def complete(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today, day=-30, egfr=30))


@fixture("r10-quiet-woman-with-negative-pregnancy-test", hook="order-sign",
         story="Woman aged 34 with a negative serum hCG last week and the full work-up.", quiet={RULE})
def negative_hcg(today: date) -> dict[str, Any]:
    chart = worked_up(today, age=34, sex="female").observation(HCG, -5, interpretation="NEG")
    return _with_mtx_and_folate(chart)


@fixture("r10-quiet-anti-hbc-positive-followed-up", hook="order-sign",
         story="Full work-up; anti-HBc positive, with HBV DNA not detected last month and entecavir active: the "
               "positive screen is followed up (as R26 judges it before rituximab).", quiet={RULE})
def anti_hbc_followed_up(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(ANTI_HBC[1]).observation(ANTI_HBC, -200, interpretation="POS")
    chart.observation(HBV_DNA, -20, value_string="Not detected")
    chart.medication(ENTECAVIR, 0.5, "mg", start=-60)
    return _with_mtx_and_folate(chart)


@fixture("r10-fires-hbsag-positive-hbv-dna-detectable", hook="order-sign",
         story="Full work-up; HBsAg positive with HBV DNA 250,000 IU/mL last month and no antiviral: the virus is "
               "replicating, so hepatology and antiviral prophylaxis come before methotrexate.",
         fires={RULE}, indicators={RULE: "warning"})
def hbsag_viraemic(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(HBSAG[1]).observation(HBSAG, -30, interpretation="POS")
    return _with_mtx_and_folate(chart.lab(HBV_DNA, 250000, "[IU]/mL", day=-20))


@fixture("r10-fires-hbsag-positive-hbv-dna-not-detected", hook="order-sign",
         story="Full work-up; HBsAg positive with HBV DNA not detected last month and no antiviral: with "
               "HBsAg-positive disease an undetectable DNA is no follow-up, so hepatology and antiviral prophylaxis "
               "come before methotrexate (no second HBV DNA).",
         fires={RULE}, indicators={RULE: "warning"})
def hbsag_dna_not_detected(today: date) -> dict[str, Any]:
    chart = worked_up(today).without_observations(HBSAG[1]).observation(HBSAG, -30, interpretation="POS")
    return _with_mtx_and_folate(chart.observation(HBV_DNA, -20, value_string="Not detected"))


@fixture("r10-fires-anti-hbc-positive-then-negative", hook="order-sign",
         story="Full work-up; anti-HBc positive 900 days ago and negative 200 days ago (another assay). Anti-HBc "
               "stays positive for life, so the positive counts (as R26 reads it): HBV DNA and hepatology first.",
         fires={RULE}, indicators={RULE: "warning"})
def anti_hbc_positive_then_negative(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today).observation(ANTI_HBC, -900, interpretation="POS"))


@fixture("r10-fires-chronic-hepatitis-b-on-problem-list", hook="order-sign",
         story="Full work-up with HBsAg and anti-HBc read negative, but chronic hepatitis B on the problem list: "
               "the diagnosis counts (as R26 reads it), so HBV DNA and hepatology come before methotrexate.",
         fires={RULE}, indicators={RULE: "warning"})
def chronic_hbv_listed(today: date) -> dict[str, Any]:
    return _with_mtx_and_folate(worked_up(today).condition(CHRONIC_HBV, onset=-3000))


@fixture("r10-quiet-already-on-methotrexate", hook="order-sign",
         story="No recent labs, but methotrexate is already active (a renewal, not a new start).", quiet={RULE})
def renewal(today: date) -> dict[str, Any]:
    chart = Chart(today, age=62, sex="male").condition(IMNM_SNOMED, onset=-300)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-200, period_unit="wk", day_of_week=["mon"])
    return chart.draft(METHOTREXATE_2_5, 17.5, "mg", period_unit="wk", day_of_week=["mon"]).request("order-sign")
