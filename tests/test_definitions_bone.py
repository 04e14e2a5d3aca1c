"""Bone protection (section 4.2): what counts as calcium/vitamin D, a DXA, an osteoporosis drug, a risk finding."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_fixtures.builders import LOINC, PREDNISONE_20, RXNORM, Chart
from hooks import knowledge
from hooks.context import HookContext
from hooks.definitions import bone
from hooks.definitions.diagnosis import Done
from hooks.record import build_record

CPT_DXA = ("http://www.ama-assn.org/go/cpt", "77080", "DXA axial skeleton")
HIP_T_SCORE = (LOINC, "38264-8", "DXA Hip [T-score] Bone density")
SPINE_T_SCORE = (LOINC, "38267-1", "DXA Lumbar spine [T-score] Bone density")
CALCIUM = (RXNORM, "1897", "Calcium Carbonate")
KB = knowledge.load()


def _protection(chart: Chart, **kwargs):
    record = build_record(chart.prefetch(), KB.valuesets, chart.today)
    context = HookContext("patient-view", chart.today, thresholds=KB.thresholds, valuesets=KB.valuesets)
    return bone.bone_protection(record, context, **kwargs)


def test_nothing_on_file_is_all_missing_but_no_drug_need(today):
    found = _protection(Chart(today))
    assert found.missing == ["calcium/vitamin D", "DXA"]
    assert found.present == [] and found.risk_findings == []


def test_calcium_must_be_active(today):
    assert _protection(Chart(today).medication(CALCIUM, 500, "mg", start=-30)).calcium_vitamin_d
    stopped = Chart(today).medication(CALCIUM, 500, "mg", start=-300, end=-10, status="stopped")
    assert "calcium/vitamin D" in _protection(stopped).missing
    assert _protection(Chart(today).medication("Vitamin D3 (cholecalciferol) 1000 unit tablet", 1000, "[iU]",
                                               start=-5)).calcium_vitamin_d


def test_dxa_window_edges_procedure_and_observation(today):
    assert _protection(Chart(today).procedure(CPT_DXA, day=-730)).dxa is not None
    old = _protection(Chart(today).procedure(CPT_DXA, day=-731))
    assert old.dxa is None and old.last_dxa_any is not None and "DXA" in old.missing
    assert _protection(Chart(today).lab(HIP_T_SCORE, -1.2, "{T-score}", day=-100)).dxa is not None
    # not-done procedures never count
    assert _protection(Chart(today).procedure(CPT_DXA, day=-10, status="not-done")).last_dxa_any is None


@pytest.mark.parametrize(("label", "named"), [
    ("DXA bone density study, axial skeleton", "DXA bone density study, axial skeleton (2026-06-26)"),
    ("DEXA scan", "DEXA scan (2026-06-26)"),
    ("Dual-energy X-ray absorptiometry", "Dual-energy X-ray absorptiometry (2026-06-26)"),
    ("Bone density scan", "DXA: Bone density scan (2026-06-26)"),
])
def test_a_dxa_is_named_once(label, named):
    """Review: R25's card listed 'DXA DXA bone density study, axial skeleton' in place: 'DXA' before a name with it."""
    assert bone.dxa_named(Done(label, date(2026, 6, 26))) == named


def test_the_dxa_in_place_is_not_named_twice(today):
    present = _protection(Chart(today).procedure(CPT_DXA, day=-10)).present
    assert present == [f"DXA axial skeleton ({today - timedelta(days=10)})"]


def test_dxa_not_before_narrows_the_window(today):
    chart = Chart(today).procedure(CPT_DXA, day=-400)
    assert _protection(chart, dxa_not_before=today - timedelta(days=400)).dxa is not None
    assert _protection(chart, dxa_not_before=today - timedelta(days=399)).dxa is None


def test_risk_findings_need_a_drug(today):
    chart = Chart(today).condition("Osteoporosis", onset=-100)
    assert _protection(chart).missing[-1] == "osteoporosis drug"
    chart.medication("alendronate 70 mg tablet", 70, "mg", start=-90, period=1, period_unit="wk")
    assert "osteoporosis drug" not in _protection(chart).missing


def test_yearly_zoledronic_acid_counts_for_a_year(today):
    base = Chart(today).condition("Fragility fracture of hip", onset=-500)
    given = base.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-300, end=-300,
                            status="completed")
    assert _protection(given).osteoporosis_drugs
    late = Chart(today).condition("Fragility fracture of hip", onset=-500)
    late.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-366, end=-366, status="completed")
    assert not _protection(late).osteoporosis_drugs


def test_t_score_edge_under_40(today):
    """Under 40 ACR 2022 grades no T-score: only one in the osteoporosis range (<= -2.5) calls for a drug."""
    assert _protection(Chart(today, age=39).lab(HIP_T_SCORE, -2.5, "{T-score}", day=-30)).risk_findings == [
        f"DXA Hip [T-score] Bone density -2.5 ({today - timedelta(days=30)}), in the osteoporosis range"]
    assert not _protection(Chart(today, age=39).lab(HIP_T_SCORE, -2.4, "{T-score}", day=-30)).risk_findings


@pytest.mark.parametrize(("value", "grade"), [
    (-0.9, None), (-1.0, "moderate"), (-2.4, "moderate"), (-2.5, "high"), (-3.4, "high"), (-3.5, "very high")])
def test_from_40_a_t_score_is_graded_as_acr_2022_does(today, value, grade):
    """Review: a T-score of -1.0 to -2.4 is moderate fracture risk from 40 (ACR 2022), which calls for a drug; only
    -2.5 or below counted, so a 55-year-old with -1.2 on 60 mg/day got 'bone protection in place'."""
    found = _protection(Chart(today, age=40).lab(HIP_T_SCORE, value, "{T-score}", day=-30)).risk_findings
    assert found == ([f"DXA Hip [T-score] Bone density {value:g} ({today - timedelta(days=30)}), {grade} fracture "
                      "risk (ACR 2022)"] if grade else [])


def test_the_lowest_t_score_on_file_is_the_one_named(today):
    chart = Chart(today).lab(HIP_T_SCORE, -1.4, "{T-score}", day=-30).lab(SPINE_T_SCORE, -2.1, "{T-score}", day=-30)
    assert _protection(chart).risk_findings == [
        f"DXA Lumbar spine [T-score] Bone density -2.1 ({today - timedelta(days=30)}), moderate fracture risk "
        "(ACR 2022)"]


@pytest.mark.parametrize(("text", "value"), [("-2.9", -2.9), (" -1.2 ", -1.2), ("\u22122.6", -2.6), ("+0.4", 0.4),
                                             ("0", 0.0)])
def test_a_t_score_sent_as_a_bare_number_is_read(today, text, value):
    """Review: a T-score sent as text ('-2.9') was not read (Observation.reported_value reads a number with its unit;
    a T-score has none), so osteoporosis by T-score gave 'bone protection in place'."""
    chart = Chart(today).observation(HIP_T_SCORE, -30, value_string=text)
    record = build_record(chart.prefetch(), KB.valuesets, chart.today)
    assert bone.t_score(record.observations_in("dxa_tscore")[0]).value == value
    found = _protection(chart)
    assert bool(found.risk_findings) is (value <= -1.0) and found.t_score_unreadable == []


@pytest.mark.parametrize("text", ["-2.9 (osteoporosis)", "T -2.9", "-2,9", "-2.9 g/cm2"])
def test_a_t_score_text_that_is_not_a_bare_number_is_named_not_read(today, text):
    """Any other text with a number in it is not guessed at: it is named as not read, and until it is read whether a
    drug is needed is not known (BoneProtection.drug_need_unread), at any adult age."""
    found = _protection(Chart(today, age=30).observation(HIP_T_SCORE, -30, value_string=text))
    assert found.risk_findings == [] and found.t_score_unreadable == [
        f"DXA Hip [T-score] Bone density ({today - timedelta(days=30)}): {text!r}, not a number of standard deviations"]
    assert found.drug_need_unread(frax_applies=False)
    assert _protection(Chart(today).observation(HIP_T_SCORE, -30, value_string="osteopenia")).t_score_unreadable == []


def test_a_t_score_bound_counts_where_it_settles_the_cut_off(today):
    settles = _protection(Chart(today).lab(HIP_T_SCORE, -2.5, "{T-score}", day=-30, comparator="<"))
    assert settles.risk_findings == [
        f"DXA Hip [T-score] Bone density <-2.5 ({today - timedelta(days=30)}), high fracture risk (ACR 2022)"]
    open_bound = _protection(Chart(today).lab(HIP_T_SCORE, -3, "{T-score}", day=-30, comparator=">"))
    assert open_bound.risk_findings == [] and "a bound that does not tell" in open_bound.t_score_unreadable[0]


def _on_prednisone(today, *courses, age=55):
    """(mg/day, first day, last day) prednisone courses."""
    chart = Chart(today, age=age)
    for mg, start, end in courses:
        chart.medication(PREDNISONE_20, mg, "mg", start=start, end=end, status="active" if end is None else "completed")
    return _protection(chart).risk_findings


@pytest.mark.parametrize("age", [55, 35])
def test_high_dose_glucocorticoid_for_more_than_30_days_is_very_high_risk_at_any_adult_age(today, age):
    """Review: ACR 2022 grades prednisone-equivalent >= 30 mg/day for more than 30 days very high fracture risk (at
    40 and over, and under 40); an IMNM patient on 60 mg for 45 days with calcium, vitamin D and a DXA got 'bone
    protection in place'."""
    assert _on_prednisone(today, (60, -30, None), age=age) == [
        f"Prednisone-equivalent at or above 30 mg/day for 31 days (since {today - timedelta(days=30)}), very high "
        "fracture risk (ACR 2022)"]
    assert _on_prednisone(today, (60, -29, None), age=age) == []  # 30 days: not more than 30
    assert _on_prednisone(today, (29, -60, None), age=age) == []  # below 30 mg/day
    # a run that ended within the year counts; 60 then 30 mg/day is one run at or above 30
    assert _on_prednisone(today, (60, -200, -180), (30, -179, -160), (10, -159, None)) == [
        f"Prednisone-equivalent at or above 30 mg/day for 41 days ({today - timedelta(days=200)} to "
        f"{today - timedelta(days=160)}), very high fracture risk (ACR 2022)"]
    # only its days within the year count
    assert _on_prednisone(today, (60, -400, -340), (5, -339, None)) == []


def test_a_cumulative_5_g_within_a_year_is_very_high_risk(today):
    """ACR 2022: a cumulative prednisone-equivalent of 5 g in a year is very high fracture risk whatever the daily
    dose. 20 mg/day for 250 days is 5 g; for 249 days, 4.98 g; days before the year are not counted."""
    assert _on_prednisone(today, (20, -249, None)) == [
        "Prednisone-equivalent 5.0 g in all over the last 365 days, very high fracture risk (ACR 2022)"]
    assert _on_prednisone(today, (20, -248, None)) == []
    assert _on_prednisone(today, (20, -500, None)) == [
        "Prednisone-equivalent 7.3 g in all over the last 365 days, very high fracture risk (ACR 2022)"]


def test_frax_major_and_hip_cut_offs(today):
    assert _protection(Chart(today).lab("FRAX 10-year major osteoporotic fracture probability", 10, "%")
                       ).risk_findings
    assert not _protection(Chart(today).lab("FRAX 10-year major osteoporotic fracture probability", 9.9, "%")
                           ).risk_findings
    hip = _protection(Chart(today).lab("FRAX hip fracture probability", 1.1, "%"))
    assert hip.risk_findings and "hip fracture" in hip.risk_findings[0]
    assert not _protection(Chart(today).lab("FRAX hip fracture probability", 1.0, "%")).risk_findings
    unread = _protection(Chart(today).lab("FRAX major osteoporotic fracture", 15, "score"))
    assert unread.frax_unreadable and not unread.risk_findings


def test_an_osteoporosis_drug_that_ended_before_its_end_date_counts_only_as_far_as_it_is_known_given(today):
    """Alendronate weekly from D-500 stopped before its end date at D+30 (on a day the chart does not give) counted
    as given up to today, hiding a missing drug; protection errs early: it was given on its first day, more than a
    year ago, and is named as left out. A zoledronic acid infusion 300 days ago completed before its end date was
    given on its first day, within the year."""
    chart = Chart(today).condition("Osteoporosis", onset=-600)
    chart.medication("alendronate 70 mg tablet", 70, "mg", start=-500, end=30, status="stopped", period=1,
                     period_unit="wk")
    stopped = _protection(chart)
    assert stopped.osteoporosis_drugs == [] and "osteoporosis drug" in stopped.missing
    assert [o.label for o in stopped.osteoporosis_drugs_not_counted] == ["alendronate 70 mg tablet"]
    chart.medication("zoledronic acid 5 mg/100 mL infusion", 5, "mg", start=-300, end=60, status="completed")
    infused = _protection(chart)
    assert [o.label for o in infused.osteoporosis_drugs] == ["zoledronic acid 5 mg/100 mL infusion"]
    assert "osteoporosis drug" not in infused.missing


MAJOR_FRAX, HIP_FRAX = "FRAX 10-year major osteoporotic fracture probability", "FRAX hip fracture probability"


@pytest.mark.parametrize(("name", "value", "unit", "finding"), [
    (MAJOR_FRAX, 0.12, "1", "FRAX 10-year major osteoporotic fracture risk 12%"),  # UCUM ratio: 0.12 is 12%
    (MAJOR_FRAX, 0.1, "{ratio}", "FRAX 10-year major osteoporotic fracture risk 10%"),
    (HIP_FRAX, 0.015, "1", "FRAX 10-year hip fracture risk 1.5%"),
    (MAJOR_FRAX, 12, None, "FRAX 10-year major osteoporotic fracture risk 12%"),  # above 1 with no unit: a percent
    (MAJOR_FRAX, 0.099, "1", None),  # 9.9%: below the cut-off, and read
    (HIP_FRAX, 0.5, "%", None),  # 0.5 % is a hip FRAX as a percent, never read as a ratio (50 %)
    (MAJOR_FRAX, 0, None, None),  # 0 with no unit is 0 as a ratio or as a percent: read, not called ambiguous
])
def test_frax_is_read_as_a_percent_or_as_a_ratio(today, name, value, unit, finding):
    """A FRAX sent as a ratio (0.12 in '1' or '{ratio}') was not read ('no value in %'); it is 12%."""
    found = _protection(Chart(today).lab(name, value, unit))
    assert found.frax_unreadable == []
    assert [f.split(" (")[0] for f in found.risk_findings] == ([finding] if finding else [])


@pytest.mark.parametrize(("name", "value", "unit", "why"), [
    (MAJOR_FRAX, 0.15, None, "0.15 with no unit, either a ratio (15%) or a percent (0.15%)"),
    (HIP_FRAX, 0.5, None, "0.5 with no unit, either a ratio (50%) or a percent (0.5%)"),
    (MAJOR_FRAX, 15, "1", "15 in unit '1', above 1, so not a ratio"),
    (MAJOR_FRAX, 15, "score", "15 score, in a unit that is neither % nor a ratio"),
    (MAJOR_FRAX, 150, "%", "150 %, above 100%"),
    (HIP_FRAX, -0.2, "%", "-0.2 %, below zero"),
])
def test_a_frax_that_may_be_either_a_ratio_or_a_percent_is_not_read(today, name, value, unit, why):
    """0.15 with no unit was read as 0.15% (no risk), though as a ratio it is 15% (moderate risk): it is named as
    not read, as is a ratio above 1 or a percent outside 0-100."""
    found = _protection(Chart(today).lab(name, value, unit))
    assert found.risk_findings == []
    assert found.frax_unreadable == [f"{name} ({today - timedelta(days=5)}): {why}"]



def _frax_pair(today, major, hip, hip_day=-5):
    """The bone protection of a chart with FRAX major (value, unit[, comparator]) on day -5 and hip on ``hip_day``."""
    chart = Chart(today).lab(MAJOR_FRAX, major[0], major[1], comparator=major[2] if len(major) > 2 else None)
    return _protection(chart.lab(HIP_FRAX, hip[0], hip[1], day=hip_day, comparator=hip[2] if len(hip) > 2 else None))


MAJOR_12, HIP_3 = "FRAX 10-year major osteoporotic fracture risk 12%", "FRAX 10-year hip fracture risk 3%"


@pytest.mark.parametrize(("major", "hip", "findings", "how"), [
    # the hip 0.5 as a ratio (50%) would be above the major 12%, which holds every hip fracture: it is 0.5%
    ((12, None), (0.5, None), [MAJOR_12], None),
    ((12, "%"), (0.5, None), [MAJOR_12], None),
    ((0.12, "1"), (0.5, None), [MAJOR_12], None),
    ((8, None), (0.9, None), [], None),  # 0.9% (90% is above 8%): below both cut-offs
    ((10, None, "<"), (0.5, None), [], None),  # below 10%: the hip is still at most 10%
    # the mirror: the major 0.15 as a percent (0.15%) would be below the hip 3%: it is 15%
    ((0.15, None), (3, None), ["FRAX 10-year major osteoporotic fracture risk 15%", HIP_3],
     "0.15 with no unit, read as a ratio: the hip fracture FRAX of the same day is 3%"),
    ((0.15, None), (0.03, "1"), ["FRAX 10-year major osteoporotic fracture risk 15%", HIP_3],
     "0.15 with no unit, read as a ratio: the hip fracture FRAX of the same day is 3%"),
    ((0.15, None), (3, None, ">"), ["FRAX 10-year major osteoporotic fracture risk 15%",
                                    "FRAX 10-year hip fracture risk >3%"],
     "0.15 with no unit, read as a ratio: the hip fracture FRAX of the same day is >3%"),
])
def test_a_frax_either_a_ratio_or_a_percent_is_read_the_one_way_the_other_kind_of_that_day_allows(today, major, hip,
                                                                                                 findings, how):
    """Review of 6eaa09b: a hip FRAX of 0.5 with no unit beside a major 12% of the same day was named as unread,
    though as a ratio (50%) it would be above the major osteoporotic fracture risk, which includes hip fractures:
    only 0.5% is possible. The mirror: a major 0.15 beside a hip 3% can only be 15%, and the finding says why."""
    found = _frax_pair(today, major, hip)
    assert found.frax_unreadable == []
    assert [f.split(" (")[0] for f in found.risk_findings] == findings
    if how:
        assert found.risk_findings[0] == f"{findings[0]} ({today - timedelta(days=5)}; {how}), moderate or higher"


@pytest.mark.parametrize(("major", "hip", "hip_day", "unread"), [
    ((12, None), (0.05, None), -5, "hip"),  # 5% or 0.05%: both at most 12%
    ((12, None), (0.5, None), -30, "hip"),  # another day: another calculation
    ((12, None, ">"), (0.5, None), -5, "hip"),  # above 12%: the hip may be 50%
    ((0.15, None), (0.1, None), -5, "both"),  # both either way
    ((0.15, None), (0.1, "%"), -5, "major"),  # 15% or 0.15%: both at least 0.1%
    ((0.15, None), (1, "%", "<"), -5, "major"),  # below 1%: the major may be 0.15%
])
def test_a_frax_the_other_kind_does_not_settle_stays_unread(today, major, hip, hip_day, unread):
    found = _frax_pair(today, major, hip, hip_day)
    names = {"major": [MAJOR_FRAX], "hip": [HIP_FRAX], "both": [MAJOR_FRAX, HIP_FRAX]}[unread]
    assert [u.split(" (")[0] for u in found.frax_unreadable] == names


@pytest.mark.parametrize(("name", "value", "comparator", "finding", "why"), [
    (MAJOR_FRAX, 10, "<", None, None),  # below 10%: below the cut-off, settled
    (MAJOR_FRAX, 9, "<=", None, None),
    (MAJOR_FRAX, 25, ">", "FRAX 10-year major osteoporotic fracture risk >25%", None),
    (MAJOR_FRAX, 10, ">=", "FRAX 10-year major osteoporotic fracture risk >=10%", None),
    (MAJOR_FRAX, 12, "<", None, "<12 %, a bound that does not tell whether it is at or above 10%"),
    (MAJOR_FRAX, 10, "<=", None, "<=10 %, a bound that does not tell whether it is at or above 10%"),
    (HIP_FRAX, 1, "<=", None, None),  # at most 1%: not above it
    (HIP_FRAX, 1, ">", "FRAX 10-year hip fracture risk >1%", None),
    (HIP_FRAX, 1, ">=", None, ">=1 %, a bound that does not tell whether it is above 1%"),
    (HIP_FRAX, 3, "<", None, "<3 %, a bound that does not tell whether it is above 1%"),
])
def test_a_frax_bound_counts_only_where_it_settles_the_cut_off(today, name, value, comparator, finding, why):
    """Review of 6eaa09b: the comparator was ignored, so '<10 %' was read as 10% (moderate risk) and '<12 %' as 12%.
    A bound settles the cut-off or is named as unread."""
    found = _protection(Chart(today).lab(name, value, "%", comparator=comparator))
    assert [f.split(" (")[0] for f in found.risk_findings] == ([finding] if finding else [])
    assert found.frax_unreadable == ([f"{name} ({today - timedelta(days=5)}): {why}"] if why else [])


def _warnings(chart: Chart, kb=KB) -> list[str]:
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    return bone.warnings(record, HookContext("patient-view", chart.today, thresholds=kb.thresholds,
                                             valuesets=kb.valuesets))


def test_the_warning_reads_the_frax_alone_unless_one_is_unread(today, monkeypatch):
    """Review of 6eaa09b: bone.warnings, asked on every call, ran the whole of bone_protection (DXA, drugs, calcium)
    whenever a FRAX was on file, read or not."""
    def not_asked(*_: object) -> None:
        raise AssertionError("bone_protection was run")

    monkeypatch.setattr(bone, "bone_protection", not_asked)
    assert _warnings(Chart(today, age=60).lab(MAJOR_FRAX, 12, "%")) == []
    assert _warnings(Chart(today, age=60)) == []


def test_a_childs_t_score_is_not_read(today):
    """T-scores do not apply under 18 (section 2, definition 4): an unreadable one leaves no drug need unknown."""
    child = Chart(today, age=15).observation(HIP_T_SCORE, -30, value_string="-2.9 (low)").lab(
        SPINE_T_SCORE, -2.8, "{T-score}", day=-30)
    found = _protection(child)
    assert found.risk_findings == [] and found.t_score_unreadable == []
