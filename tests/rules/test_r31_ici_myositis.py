"""R31 ici-myositis: grade-based plan, computed glucocorticoid doses, cardiac tests at their edges, the ICI hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    CK,
    LOINC,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    RXNORM,
    SNOMED,
    Chart,
)
from fhir_fixtures.r20_srp_cardiac_evaluation import LOCAL_ECG
from fhir_fixtures.r31_ici_myositis import (
    ECG,
    HS_TNI,
    NIVOLUMAB,
    PEMBROLIZUMAB,
    known_imnm_on_pembrolizumab,
    on_pembrolizumab,
)
from tests.conftest import deleted, explained, fired, run, with_params

RULE = "ici-myositis"
HOLD = "Hold: cancel this ICI dose and put pembrolizumab on hold on the chart"
GRADE = "CTCAE grade (myositis)"
TNT = (LOINC, "6598-7", "Troponin T.cardiac [Mass/volume] in Serum or Plasma")
TNI = (LOINC, "10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma")


def _card(kb, chart, today, hook="patient-view"):
    result = run(kb, chart.request(hook), today)
    return fired(result).get(RULE), explained(result, RULE)


def _graded(today, grade: int | str, ck: float = 4200, weight: float | None = 70) -> Chart:
    chart = on_pembrolizumab(today, ck=ck)
    if weight is not None:
        chart.weight(weight)
    if isinstance(grade, int):
        chart.observation(GRADE, day=-1, value=grade, unit="1")
    else:
        chart.observation(GRADE, day=-1, value_string=grade)
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)
    return chart


def _steroid_orders(card):
    """The orders the card creates (the ICI hold updates the chart's ICI order: no glucocorticoid)."""
    return [a["resource"] for s in card["suggestions"] for a in s["actions"]
            if a["type"] == "create" and a["resource"]["resourceType"] == "MedicationRequest"]


def test_grade_1_may_continue_and_hold_is_not_recommended(kb, today):
    chart = _graded(today, 1).draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro")
    card, entry = _card(kb, chart, today, "order-sign")
    assert card["indicator"] == "critical" and "continue ICI with close monitoring" in card["summary"]
    hold = card["suggestions"][0]
    cancel, on_hold = hold["actions"]
    assert cancel == {"type": "delete", "description": "Hold pembrolizumab (200 mg once a day): cancel the draft dose",
                      "resourceId": "MedicationRequest/next-pembro"}
    assert on_hold["type"] == "update" and on_hold["resource"]["status"] == "on-hold"
    assert hold["label"] == HOLD and hold["isRecommended"] is False and not _steroid_orders(card)
    assert card["source"]["topic"]["code"] == RULE and entry["facts"]["managed_as"] == "G1"


def test_grade_2_prednisone_from_3x_uln(kb, today):
    card, _ = _card(kb, _graded(today, 2, ck=600), today)  # exactly 3 x ULN 200
    (pred,) = _steroid_orders(card)
    assert pred["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 35  # 0.5 mg/kg x 70 kg
    assert "prednisone 0.5 mg/kg = **35 mg/day**" in card["detail"]
    card, _ = _card(kb, _graded(today, 2, ck=590), today)
    assert not _steroid_orders(card) and "if CK reaches 3 x ULN (now 3.0 x)" in card["detail"]


def test_grade_3_doses_on_dosing_weight_with_cap(kb, today):
    """IV methylprednisolone 1 mg/kg is the one glucocorticoid order offered: prednisone 1 mg/kg was offered beside
    it, and the card's selection "any" let both be signed (test_r31_pulse: one glucocorticoid way)."""
    card, entry = _card(kb, _graded(today, "Grade 3", weight=95), today)
    assert entry["facts"]["ctcae_grade"] == 3
    doses = {r["dosageInstruction"][0]["route"]["coding"][0]["code"]:
             r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] for r in _steroid_orders(card)}
    assert doses == {"47625008": 100}  # MP 1 mg/kg = 95 -> 100 mg
    assert "prednisone 1 mg/kg = **80 mg/day** (rounded to 5 mg, capped at 80 mg)" in card["detail"]
    assert "2 mg/kg = 190 mg/day" in card["detail"]
    mp = next(r for r in _steroid_orders(card) if "methylprednisolone" in r["medicationCodeableConcept"]["text"])
    assert mp["medicationCodeableConcept"]["coding"][0]["code"] == "1743704"  # 125 mg vial


def test_no_current_weight_gives_mg_per_kg_only(kb, today):
    chart = _graded(today, 3, weight=None).weight(70, day=-45)
    card, entry = _card(kb, chart, today)
    assert "Doses could not be computed" in card["detail"] and "70 kg on 2026-10-07" in card["detail"]
    assert not _steroid_orders(card) and entry["facts"]["dosing_weight"] is None


@pytest.mark.parametrize(("hours", "counted", "named"), [
    (72, {0, -1, -2}, {-3}),  # D-2 is at most 72 h old; D-3 is 48-96 h old; D-4 is over 72 h
    (48, {0, -1}, {-2}),
    (60, {0, -1}, {-2, -3}),
    (12, set(), {0, -1}),  # even a result dated today may be over 12 h old
])
def test_troponin_and_ecg_count_only_when_certainly_within_the_window(kb, today, hours, counted, named):
    """Only the date of a result is kept, so one dated k days ago is (k - 1) x 24 to (k + 1) x 24 h old. It counts
    only when it is within the window whatever its time of day; one that may be older is left out and named. D-3
    counted as 'within 72 h', though a result at 00:30 on D-3 is over 72 h old all of today (audit F4)."""
    site = with_params(kb, RULE, cardiac_test_max_hours=hours)
    for day in range(0, -5, -1):
        chart = on_pembrolizumab(today).observation(HS_TNI, day=day, value=5, unit="ng/L", high=14)
        card, entry = _card(site, chart.procedure(ECG, day=day), today)
        facts = entry["facts"]
        assert bool(facts["troponin_within_window"]) is bool(facts["ecg_within_window"]) is (day in counted), day
        assert bool(facts["cardiac_tests_possibly_too_old"]) is (day in named), day
        assert ("none: order hs-troponin I now" in card["detail"]) is (day not in counted), day
        assert (f"may be more than {hours} h old" in card["detail"]) is (day in named), day


def test_a_grade_1_ici_dose_is_held_when_its_cardiac_tests_may_be_over_72_hours_old(kb, today):
    """Audit F4: a normal hs-troponin I and an ECG at 00:30 three days ago (over 72 h old all of today), G1, the
    next pembrolizumab drafted: the card said 'Troponin (within 72 h): ... normal' and 'the ICI may continue', and
    did not recommend holding the dose."""
    three_days_ago = (today - timedelta(days=3)).isoformat()
    chart = on_pembrolizumab(today).weight(70).observation(GRADE, day=-1, value=1, unit="1")
    chart.observation(HS_TNI, day=-3, value=5, unit="ng/L", high=14).procedure(ECG, day=-3)
    chart.resources["observations"][-1]["effectiveDateTime"] = f"{three_days_ago}T00:30:00Z"
    chart.resources["procedures"][-1]["performedDateTime"] = f"{three_days_ago}T00:40:00Z"
    card, entry = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro"), today, "order-sign")
    assert "check troponin and ECG now" in card["summary"] and "Grade 1: the ICI may continue" not in card["detail"]
    assert "No hs-troponin I or ECG within 72 h: do it now, and hold the ICI" in card["detail"]
    assert f"(left out, as only the date is on file and it may be more than 72 h old: 12 lead ECG {three_days_ago})" \
        in card["detail"]
    assert f"5 ng/L (ULN 14 ng/L) on {three_days_ago}, normal" in entry["facts"]["cardiac_tests_possibly_too_old"]
    hold = card["suggestions"][0]
    assert hold["label"] == HOLD and hold["isRecommended"] is True


@pytest.mark.parametrize(("age", "weighed", "window"), [(16, -10, 7), (64, -45, 30)])
def test_no_current_weight_names_the_window_that_applies(kb, today, age, weighed, window):
    """Audit F8: a 16-year-old weighed 10 days ago (a child's weight is current for 7 days) was told 'no body
    weight within 30 days (latest 50 kg on ...)', which contradicts itself."""
    chart = Chart(today, age=age).weight(50, day=weighed).ck(4200, day=-2).condition("Myalgia", onset=-8)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    card, _ = _card(kb, chart.observation(GRADE, day=-1, value=3, unit="1"), today)
    latest = (today + timedelta(days=weighed)).isoformat()
    assert (f"no body weight within the last {window} days (latest 50 kg on {latest}, too old)"
            in card["detail"])


def test_raised_troponin_i_means_permanent_discontinuation(kb, today):
    chart = _graded(today, 1).observation(HS_TNI, day=0, value=60, unit="ng/L", high=14)
    chart.draft(PEMBROLIZUMAB, 200, "mg")
    card, _ = _card(kb, chart, today, "order-sign")
    assert "permanently stop" in card["summary"] and "**permanently discontinue**" in card["detail"]
    stop = card["suggestions"][0]
    assert stop["label"] == "Permanently stop: cancel this ICI dose and stop pembrolizumab on the chart"
    assert stop["isRecommended"] is True and stop["actions"][1]["resource"]["status"] == "stopped"


@pytest.mark.parametrize(("value", "stops"), [(5000, True), (900, False)])
def test_a_troponin_i_with_no_range_far_above_any_assays_limit_is_myocardial_involvement(kb, today, value, stops):
    """With no range or flag, 5000 ng/L is above every troponin I assay's upper limit (the definition's 1,000 ng/L
    fallback, as R19 and R20 judge it): R31 said 'rise not judged' and only held the ICI."""
    chart = _graded(today, 1).observation(HS_TNI, day=0, value=value, unit="ng/L").draft(PEMBROLIZUMAB, 200, "mg")
    card, entry = _card(kb, chart, today, "order-sign")
    assert ("permanently stop" in card["summary"]) is stops
    if stops:
        assert "judged against 1,000 ng/L" in entry["facts"]["troponin_raised"]
    else:
        assert "rise not judged" in card["detail"]


def test_raised_troponin_t_alone_asks_for_troponin_i(kb, today):
    chart = _graded(today, 1).without_observations(HS_TNI[1])
    chart.observation(TNT, day=0, value=0.08, unit="ng/mL", high=0.01).draft(PEMBROLIZUMAB, 200, "mg")
    card, entry = _card(kb, chart, today, "order-sign")
    assert entry["facts"]["troponin_t_only_raised"] is True and entry["facts"]["myocardial_involvement"] is None
    assert "regenerating skeletal muscle" in card["detail"]
    assert card["suggestions"][0]["label"] == HOLD and card["suggestions"][0]["isRecommended"]


def test_bulbar_features_without_grade_are_managed_as_grade_3_4(kb, today):
    chart = on_pembrolizumab(today).weight(70).condition("Dysphagia", onset=-3).condition("Ptosis", onset=-2)
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["managed_as"] == "G3-4" and entry["facts"]["features"] == "ptosis, dysphagia"
    assert "manage as grade 3-4" in card["detail"]
    assert [r["medicationCodeableConcept"]["text"] for r in _steroid_orders(card)] == [
        "methylprednisolone 125 MG Injection"]  # IV 1 mg/kg, the one glucocorticoid order (test_r31_pulse)


def test_old_grade_is_not_used(kb, today):
    chart = on_pembrolizumab(today).observation(GRADE, day=-31, value=3, unit="1")
    _, entry = _card(kb, chart, today)
    assert entry["facts"]["ctcae_grade"] is None


def test_myositis_condition_after_first_dose_fires_without_ck(kb, today):
    chart = Chart(today).medication(NIVOLUMAB, 480, "mg", start=-60, period=4, period_unit="wk")
    chart.condition((SNOMED, "715863001", "Autoimmune necrotizing myopathy"), onset=-10)
    card, _ = _card(kb, chart, today)
    assert card is not None and "CK: none within 30 days" in card["detail"]
    chart = Chart(today).medication(NIVOLUMAB, 480, "mg", start=-60, period=4, period_unit="wk")
    chart.condition((SNOMED, "715863001", "Autoimmune necrotizing myopathy"), onset=-61)
    assert _card(kb, chart, today)[0] is None


def test_workup_orders_are_coded_where_sourced(kb, today):
    card, _ = _card(kb, on_pembrolizumab(today), today)
    workup = next(s for s in card["suggestions"] if s["label"].startswith("Myocarditis and myositis work-up"))
    first = workup["actions"][0]["resource"]
    assert first["code"]["coding"][0]["code"] == "89579-7" and first["priority"] == "stat"
    assert len(workup["actions"]) == 12 and len(card["summary"]) < 140


def test_the_heart_work_up_is_coded_as_r04_r19_and_r20_order_it(kb, today):
    """The ECG went as LOINC 34534-8 'EKG 12 channel panel' here, as SNOMED CT 268400002 on R04's card and LOINC
    11524-6 on R19's and R20's: an EHR's duplicate check, keyed on the code, saw three tests. One code each now
    (hooks/definitions/lab_orders.py), at this card's priorities."""
    card, _ = _card(kb, on_pembrolizumab(today), today)
    workup = next(s for s in card["suggestions"] if s["label"].startswith("Myocarditis and myositis work-up"))
    heart = [(a["resource"]["code"]["coding"][0]["system"], a["resource"]["code"]["coding"][0]["code"],
              a["resource"]["code"]["text"], a["resource"]["priority"]) for a in workup["actions"][:4]]
    assert heart == [
        (LOINC, "89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method", "stat"),
        (SNOMED, "268400002", "12-lead ECG", "stat"),
        (LOINC, "33762-6", "NT-proBNP", "stat"),
        (SNOMED, "252418006", "Transthoracic echocardiogram", "urgent")]


def test_patient_view_is_not_about_a_draft(kb, today):
    """At patient-view a draft is not the card's to cancel: the hold acts on the chart's order only."""
    card, _ = _card(kb, on_pembrolizumab(today).draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro"), today)
    hold = card["suggestions"][0]
    assert hold["label"] == "Hold the ICI: put pembrolizumab on hold on the chart"
    assert [a["type"] for a in hold["actions"]] == ["update"]


def test_documented_weakness_counts_like_myalgia(kb, today):
    """ICI and a high CK with a plain 'Weakness' (R53.1) on the problem list: the critical card must show."""
    chart = Chart(today, age=64, sex="male").ck(4000, day=-1)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
    chart.condition(("http://hl7.org/fhir/sid/icd-10-cm", "R53.1", "Weakness"), onset=-3)
    card, _ = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"


def test_the_first_ici_dose_is_the_first_ever_not_the_first_of_the_last_year(kb, today):
    """Pembrolizumab D-700 to D-400, resumed from D-200; IMNM from D-300: after the first dose, so ICI myositis."""
    chart = Chart(today, age=64, sex="male").condition("Immune-mediated necrotizing myopathy", onset=-300)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-700, end=-400, status="completed", period=3, period_unit="wk")
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-200, period=3, period_unit="wk")
    card, _ = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"


def test_troponin_in_ng_per_l_against_a_range_in_ng_per_ml_is_compared(kb, today):
    """hs-troponin is reported in ng/L; a lab may still send its limit in ng/mL: 850 ng/L is above 0.04 ng/mL."""
    chart = _graded(today, 1).observation(HS_TNI, day=0, value=850, unit="ng/L", high=0.04, range_unit="ng/mL")
    card, entry = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg"), today, "order-sign")
    assert "850 ng/L" in entry["facts"]["troponin_raised"] and ", raised" in entry["facts"]["troponin_raised"]
    assert entry["facts"]["myocardial_involvement"] and "permanently stop" in card["summary"]
    chart.resources["observations"][-1]["valueQuantity"]["value"] = 30  # 30 ng/L = 0.03 ng/mL: within range
    _, entry = _card(kb, chart, today, "order-sign")
    assert entry["facts"]["troponin_raised"] is None and "30 ng/L" in entry["facts"]["troponin_within_window"]
    assert ", normal" in entry["facts"]["troponin_within_window"]


def test_troponin_without_range_or_flag_never_leads_to_continue(kb, today):
    """hs-troponin I 850 ng/L with no reference range and no flag: the rise cannot be judged, so the heart is not
    excluded and the ICI is held, not continued (spec: hold the ICI for any troponin rise)."""
    chart = _graded(today, 1).without_observations(HS_TNI[1])
    chart.observation(HS_TNI, day=0, value=850, unit="ng/L").draft(PEMBROLIZUMAB, 200, "mg")
    card, entry = _card(kb, chart, today, "order-sign")
    assert "continue" not in card["summary"] and "hold the ICI until cardiac involvement is excluded" in \
        card["summary"]
    assert "without the lab's reference range the troponin could not be judged" in card["detail"]
    assert "may continue" not in card["detail"] and "850 ng/L" in entry["facts"]["troponin_not_judged"]
    hold = card["suggestions"][0]
    assert hold["label"] == HOLD and hold["isRecommended"] is True
    assert card["indicator"] == "critical" and entry["facts"]["myocardial_involvement"] is None


def test_grade_1_continue_line_only_when_the_heart_is_spared(kb, today):
    card, _ = _card(kb, _graded(today, 1), today)
    assert "Grade 1: the ICI may continue" in card["detail"]
    card, _ = _card(kb, _graded(today, 1).observation(HS_TNI, day=0, value=60, unit="ng/L", high=14), today)
    assert "**permanently discontinue**" in card["detail"] and "may continue" not in card["detail"]


def test_child_prednisolone_is_held_to_the_child_maximum_and_r32_stays_quiet(kb, today):
    """16 years, 78 kg, managed as G3-4, the heart involved: the prednisolone 1 mg/kg after the pulse is capped at
    R32's 60 mg/day, not the adult 80 mg."""
    def chart() -> Chart:
        child = Chart(today, age=16, sex="male").ck(6000, day=-1).weight(78, day=-1).height(180, day=-1)
        child.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk")
        child.observation(HS_TNI, day=0, value=85, unit="ng/L", high=14)
        return child.condition("Myalgia", onset=-8).condition("Dysphagia", onset=-3)

    card, _ = _card(kb, chart(), today)
    pred = next(r for r in _steroid_orders(card) if r["dosageInstruction"][0]["route"]["coding"][0]["code"] ==
                "26643006")
    assert pred["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 60
    assert "cap 60 mg for a child" in card["detail"]
    signed = chart().draft_resource({**pred, "id": "draft-pred", "status": "draft"})
    assert "pediatric-myositis-dose-limits" not in fired(run(kb, signed.request("order-sign"), today))


def _young_child(today, kg: float, grade: int, ck: float = 4200, age: int = 3) -> Chart:
    """A 3-year-old (or ``age``: 0 is a month old) on pembrolizumab, weighed yesterday, with the CTCAE grade and
    cardiac tests from yesterday."""
    chart = Chart(today, age=age, sex="female").ck(ck, day=-1).weight(kg, day=-1)
    chart.medication(PEMBROLIZUMAB, 2 * kg, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myalgia", onset=-8).observation(GRADE, day=-1, value=grade, unit="1")
    return chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)


def _by_route(card) -> dict[str, dict]:
    return {r["dosageInstruction"][0]["route"]["coding"][0]["code"]: r for r in _steroid_orders(card)}


ORAL, IV = "26643006", "47625008"


def test_a_young_childs_prednisolone_is_not_rounded_up_to_whole_5_mg_tablets(kb, today):
    """7.5 kg, G3: prednisolone 1 mg/kg is 7.5 mg, but in whole 5 mg tablets it was ordered as 10 mg (a third over,
    1.33 mg/kg), and 2 mg/kg methylprednisolone (15 mg) in 10 mg steps as 20 mg. A child's dose takes the coarse
    step only within a tenth of itself, then whole mg (R19's and R32's prednisolone round the same way)."""
    card, _ = _card(kb, _young_child(today, 7.5, 3), today)
    methylpred = _by_route(card)[IV]
    assert methylpred["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 8
    # the prednisolone order: after the pulse, with the heart involved (IV 1 mg/kg is the one order offered without)
    pulsed, _ = _card(kb, _young_child(today, 7.5, 3).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14),
                      today)
    pred = _by_route(pulsed)[ORAL]
    assert pred["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 7.5
    assert pred["medicationCodeableConcept"]["coding"][0]["code"] == "105411"  # prednisolone 2.5 MG Oral Tablet
    assert pred["dosageInstruction"][0]["text"] == "Prednisolone 7.5 mg (3 x 2.5 mg tablets) by mouth once daily, " \
        f"starting the day after the last IV methylprednisolone dose ({today + timedelta(days=3)}) (ICI myositis)"
    assert ("prednisolone 1 mg/kg = **7.5 mg/day** (rounded to 2.5 mg); methylprednisolone IV 1 mg/kg = **8 mg/day** "
            "(below one 10 mg step, rounded to 1 mg), 2 mg/kg = 15 mg/day (10 mg steps more than 10% off, rounded "
            "to 1 mg); prednisolone cap 60 mg for a child") in card["detail"]


@pytest.mark.parametrize(("kg", "mg", "code", "amount", "how"), [
    # 0.5 mg/kg: 3.75 mg; 2.5 mg steps give 5 mg (a third over)
    (7.5, 4, "199343", "4 x 1 mg tablets", "2.5 mg steps more than 10% off, rounded to 1 mg"),
    # 0.5 mg/kg: 2.2 mg; whole mg give 2 mg (9% under), within a tenth
    (4.4, 2, "199343", "2 x 1 mg tablets", "below one 2.5 mg step, rounded to 1 mg"),
    # 0.5 mg/kg: 1.4 mg; 1 mg is 29% under
    (2.8, 1.4, "312614", "1.4 mL of 1 mg/mL oral solution", "1 mg steps more than 10% off, given to 0.1 mg"),
    (30, 15, "198142", "3 x 5 mg tablets", "rounded to 2.5 mg"),
])
def test_a_childs_grade_2_prednisolone_and_the_product_that_gives_it(kb, today, kg, mg, code, amount, how):
    """G2 with CK >= 3 x ULN: the child's 0.5 mg/kg went to whole 5 mg (3.75 mg became 5 mg) on a 5 mg tablet,
    and below one 5 mg step (2.2 mg) on the same 5 mg tablet, which cannot give it. A child's is prednisolone."""
    card, _ = _card(kb, _young_child(today, kg, 2), today)
    (pred,) = _steroid_orders(card)
    assert pred["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert pred["medicationCodeableConcept"]["coding"][0]["code"] == code
    assert f"({amount}) by mouth" in pred["dosageInstruction"][0]["text"]
    assert f"prednisolone 0.5 mg/kg = **{mg:g} mg/day** ({how})" in card["detail"]


# A small body is an infant's: an adult under 20 kg (with no height) is an implausible weight that doses nothing
# (weight.implausible_weight), so the doses below one 5 mg tablet are a month-old's prednisolone
def _one_month_old(today, kg: float, grade: int) -> Chart:
    return _young_child(today, kg, grade, age=0)


@pytest.mark.parametrize(("chart", "mg", "code"), [
    (lambda today: _one_month_old(today, 3, 3), 3, "199343"),  # prednisolone 1 MG Oral Tablet: not a 5 mg one
    # prednisolone 1 MG/ML Oral Solution: 3.5 mg is no whole number of tablets
    (lambda today: _one_month_old(today, 3.5, 3), 3.5, "312614"),
    (lambda today: _graded(today, 3, weight=70), 70, "312617"),  # prednisone 5 MG Oral Tablet
    (lambda today: _graded(today, 3, weight=95), 80, "312615"),  # prednisone 20 MG Oral Tablet
], ids=["1-month-old-3-kg", "1-month-old-3.5-kg", "adult-70-kg", "adult-95-kg"])
def test_the_oral_glucocorticoid_order_names_a_product_that_gives_its_dose(kb, today, chart, mg, code):
    """At grade 3 the oral order is the one after the pulse the heart calls for (hs-troponin I raised today)."""
    card, _ = _card(kb, chart(today).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14), today)
    oral = _by_route(card)[ORAL]
    assert oral["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert oral["medicationCodeableConcept"]["coding"][0]["code"] == code


def test_an_adult_weighed_3_kg_is_given_no_dose(kb, today):
    """The adult at 3 kg that was ordered 3 mg of prednisone: the weight is implausible, and the card computes
    nothing from it."""
    card, entry = _card(kb, _graded(today, 3, weight=3), today)
    assert "**Doses could not be computed:**" in card["detail"] and "implausible for an adult" in card["detail"]
    assert not _steroid_orders(card) and entry["facts"]["dosing_weight"] is None


def test_an_unjudged_troponin_is_cleared_by_a_later_judged_one(kb, today):
    """An old troponin without a range kept the ICI on hold after a normal repeat with its range (found by review)."""
    chart = _graded(today, 1).without_observations(HS_TNI[1])
    chart.observation(HS_TNI, day=-20, value=12, unit="ng/L").observation(HS_TNI, day=0, value=5, unit="ng/L", high=14)
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["troponin_not_judged"] is None and "may continue" in card["detail"]


def test_a_troponin_reported_as_a_bound_is_judged_when_the_bound_settles_it(kb, today):
    """'<3 ng/L' (below detection) against a limit of 14 ng/L is normal, and no longer holds the ICI as 'not
    judged'; '>0.04 ng/mL' against 0.04 ng/mL is a rise; '<50 ng/L' against 14 ng/L settles nothing."""
    def graded_with(**troponin) -> Chart:
        chart = _graded(today, 1).without_observations(HS_TNI[1])
        return chart.observation(HS_TNI, day=-1, **troponin)
    card, entry = _card(kb, graded_with(value_string="<3 ng/L", unit="ng/L", high=14), today)
    assert entry["facts"]["troponin_not_judged"] is None and "may continue" in card["detail"]
    assert "<3 ng/L" in entry["facts"]["troponin_within_window"]

    card, entry = _card(kb, graded_with(value=0.04, unit="ng/mL", high=0.04, comparator=">"), today)
    assert "**permanently discontinue**" in card["detail"] and ">0.04 ng/mL" in entry["facts"]["troponin_raised"]

    card, entry = _card(kb, graded_with(value_string="<50 ng/L", unit="ng/L", high=14), today)
    assert "<50 ng/L" in entry["facts"]["troponin_not_judged"] and "may continue" not in card["detail"]


def test_grade_1_without_troponin_never_says_continue_before_myocarditis_is_excluded(kb, today):
    """'Hold the ICI until myocarditis is excluded' and 'the ICI may continue' once stood side by side."""
    card, _ = _card(kb, _graded(today, 1).without_observations(HS_TNI[1]), today)
    assert "hold the ICI until myocarditis is excluded" in card["detail"]
    assert "Grade 1: once myocarditis is excluded, the ICI may continue" in card["detail"]
    assert "Grade 1: the ICI may continue" not in card["detail"]


@pytest.mark.parametrize(("text", "grade"), [("CTCAE v5.0 grade 1", 1), ("G2 (CTCAE 5)", 2), ("3", 3),
                                             ("Grade 1, CK 4,200", 1), ("Grade: 3", 3), ("3 (severe)", 3),
                                             ("grade-2", 2), ("CTCAE grade III", 3)])
def test_the_grade_is_read_from_its_own_words_not_another_number(kb, today, text, grade):
    """'CTCAE v5.0 grade 1' was read as grade 5 (the version's 5), and a G1 myositis was managed as G3-4: hold the
    ICI and give IV methylprednisolone (found by review)."""
    _, entry = _card(kb, _graded(today, text), today)
    assert entry["facts"]["ctcae_grade"] == grade


def test_an_ecg_charted_as_a_result_counts(kb, today):
    """A normal ECG sent as an Observation (LOINC 11524-6) was not seen: a G1 card said 'no ECG: do one now' and
    recommended holding the ICI (found by review). R04 and R20 already read both forms."""
    chart = on_pembrolizumab(today, ck=4200).weight(70).observation(GRADE, day=-1, value=1, unit="1")
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14)
    chart.observation((LOINC, "11524-6", "EKG study"), -1, value_string="Normal sinus rhythm")
    card, entry = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg"), today, "order-sign")
    assert entry["facts"]["ecg_within_window"] is not None
    assert "continue ICI with close monitoring" in card["summary"]


def test_a_newest_grade_that_cannot_be_read_is_not_replaced_by_an_older_one(kb, today):
    """G1 five days ago, then a grade the reader cannot read: the older G1 stood in, and the card said "continue the
    ICI" (found by review). The grade is now unknown, and the card says which result was not read."""
    chart = on_pembrolizumab(today, ck=4200).weight(70).observation(GRADE, day=-5, value=1, unit="1")
    chart.observation(GRADE, day=-1, value_string="worse since Monday")
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14).procedure(ECG, day=-1)
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["ctcae_grade"] is None and "not read from" in card["detail"]


def test_an_ecg_under_a_local_code_counts_by_its_name(kb, today):
    """An ECG sent under the site's own code ('12-lead ECG') was not seen: the card asked for an ECG and to hold
    the ICI. R31 finds its ECGs as R20 does (hooks.definitions.diagnosis.done), names included."""
    chart = on_pembrolizumab(today, ck=4200).weight(70).observation(GRADE, day=-1, value=1, unit="1")
    chart.observation(HS_TNI, day=-1, value=5, unit="ng/L", high=14)
    chart.observation(LOCAL_ECG, -1, value_string="Sinus rhythm")
    chart.procedure(ECG, day=-2)
    card, entry = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg"), today, "order-sign")
    assert entry["facts"]["ecg_within_window"] == "12 lead ECG 2026-11-19, 12-lead ECG 2026-11-20"
    assert "continue ICI with close monitoring" in card["summary"]


@pytest.mark.parametrize(("chart", "said", "not_said"), [
    (lambda today: _one_month_old(today, 3.5, 3),
     "prednisolone 1 mg/kg = **3.5 mg/day** (1 mg steps more than 10% off, given to 0.1 mg); methylprednisolone IV "
     "1 mg/kg = **3.5 mg/day** (1 mg steps more than 10% off, given to 0.1 mg), 2 mg/kg = 7 mg/day (below one 10 mg "
     "step, rounded to 1 mg)", "capped"),
    (lambda today: _one_month_old(today, 4.4, 2),
     "prednisolone 0.5 mg/kg = **2 mg/day** (below one 2.5 mg step, rounded to 1 mg), 1 mg/kg = 4 mg/day (2.5 mg "
     "steps more than 10% off, rounded to 1 mg); prednisolone cap 60 mg for a child.", "capped"),
    (lambda today: _graded(today, 3, weight=70),
     "prednisone 1 mg/kg = **70 mg/day** (rounded to 5 mg); methylprednisolone IV 1 mg/kg = **70 mg/day** (rounded to "
     "10 mg), 2 mg/kg = 140 mg/day (rounded to 10 mg); prednisone cap 80 mg, methylprednisolone cap 1,000 mg.",
     "capped"),
    (lambda today: _graded(today, 3, weight=95),
     "prednisone 1 mg/kg = **80 mg/day** (rounded to 5 mg, capped at 80 mg)", "0.1 mg"),
], ids=["1-month-old-3.5-kg-grade-3", "1-month-old-4.4-kg-grade-2", "adult-70-kg", "adult-95-kg"])
def test_each_dose_says_how_it_was_rounded_and_only_a_capped_one_is_capped(kb, today, chart, said, not_said):
    """At 2.5-5 kg the 1 mg/kg prednisone (given to 0.1 mg below one 5 mg step) was marked "(capped)", and every
    dose below one step was said to be "rounded to 5 mg" or "to 10 mg". A body that small is an infant's (an adult's
    is an implausible weight), whose doses take the finer steps too."""
    card, _ = _card(kb, chart(today), today)
    assert said in card["detail"] and not_said not in card["detail"]


@pytest.mark.parametrize("brand", ["Keytruda", "Opdivo", "Yervoy", "Tecentriq", "Imfinzi", "Imjudo", "Bavencio",
                                   "Libtayo", "Jemperli", "Opdualag", "Zynyz", "Tevimbra", "Loqtorzi"])
def test_a_checkpoint_inhibitor_charted_by_its_brand_name_is_ici_context(kb, today, brand):
    """'Keytruda 200 mg IV every 3 weeks' with myalgia and CK 4,200 gave no card: the ICIs were listed by ingredient
    only, while other drugs had their brand names (audit_rulesB F9)."""
    chart = Chart(today, age=64, sex="male").condition("Myalgia", onset=-8).ck(4200, day=-2).weight(80)
    chart.medication(f"{brand} IV infusion", 200, "mg", start=-120, period=3, period_unit="wk")
    card, _ = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"


@pytest.mark.parametrize("name", ["Anti-SRP myopathy", "Statin-induced necrotizing autoimmune myopathy"])
def test_a_named_imnm_is_a_myopathy_with_a_raised_ck(kb, today, name):
    """Review of 8f09331: 'Anti-SRP myopathy' became an IMNM name that swallowed the 'myopathy' in it, so an IMNM
    patient on pembrolizumab with CK 4,200 lost the critical card."""
    chart = Chart(today, age=64).condition(name, onset=-400).medication(
        "pembrolizumab 25 MG/ML Injectable Solution", 200, "mg", start=-60, period=3, period_unit="wk").ck(4200, day=-2)
    card, _ = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"


@pytest.mark.parametrize(("written", "steroid", "said", "times"), [
    (">500 U/L", False, "CK >500 U/L may be 3 x ULN or more: ask the lab for the diluted result", "2.5"),
    # 2.975 x ULN: 'at least 3.0 x' beside no prednisone, and 'if CK reaches 3 x ULN (now at least 3.0 x)'
    (">595 U/L", False, "CK >595 U/L may be 3 x ULN or more: ask the lab for the diluted result", "2.9"),
    (">700 U/L", True, "CK is at least 3.5 x ULN (>= 3): start prednisone", "3.5"),
])
def test_a_ck_written_as_a_bound_is_as_many_times_the_uln_as_it_shows(kb, today, written, steroid, said, times):
    """A CK above the analyser's range is at least so many times the ULN, never exactly: above 500 may or may not
    be 3 x a ULN of 200, so grade 2 asks the lab for the result; above 700 is past it whatever the CK is."""
    chart = _graded(today, 2, ck=150).observation(CK, -1, value_string=written, high=200, range_unit="U/L")
    card, entry = _card(kb, chart, today)
    assert bool(_steroid_orders(card)) is steroid and said in card["detail"]
    assert f"{written} on {chart.at(-1)} (ULN 200) = at least {times} x ULN" in card["detail"]
    assert entry["facts"]["ck_x_uln"].startswith(f"at least {times}")
    assert "if CK reaches" not in card["detail"]


def test_a_ck_below_a_bound_short_of_3_x_uln_waits_for_it(kb, today):
    chart = _graded(today, 2).observation(CK, -1, value_string="<500 U/L", high=200, range_unit="U/L")
    card, _ = _card(kb, chart, today)
    assert not _steroid_orders(card) and "if CK reaches 3 x ULN (now at most 2.5 x)" in card["detail"]


@pytest.mark.parametrize(("written", "ask"), [
    ({"value": 1000, "comparator": "<"}, "ask the lab for the measured value (or repeat the CK)"),
    ({"value": 600, "comparator": "<="}, "ask the lab for the measured value (or repeat the CK)"),
    ({"value_string": ">500 U/L", "range_unit": "U/L"}, "ask the lab for the diluted result"),
])
def test_a_ck_bound_that_may_be_raised_fires_and_asks_the_lab_before_prednisone(kb, today, written, ask):
    """'<1,000 U/L' against 200 (HEAD: read as 1,000, a critical card with prednisone) may be 900: the card still
    fires, says the CK only may be raised, and asks the lab, by how the bound is written, instead of starting
    prednisone on a CK that only may be 3 x ULN; a diluted result is no answer to an upper bound."""
    chart = _graded(today, 2, ck=150).observation(CK, -1, high=200, **({"unit": "U/L"} | written))
    card, _ = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical" and not _steroid_orders(card)
    assert f"may be 3 x ULN or more: {ask}, and start prednisone" in card["detail"]
    if "comparator" in written:
        assert f"CK {written['comparator']}{written['value']:,} U/L (may be above the ULN) on" in card["detail"]


def test_a_ck_bound_below_the_uln_is_no_ici_myositis(kb, today):
    chart = _graded(today, 2, ck=150).observation(CK, -1, value=20, comparator="<", unit="U/L", high=200)
    card, entry = _card(kb, chart, today)
    assert card is None and entry["status"] == "not-fired"


def _glucocorticoids_taken_away(card) -> list[str]:
    """The orders the card's suggestions take away, besides the ICI the hold stops (or holds)."""
    return [ref for s in card["suggestions"] if not s["label"].startswith(("Hold", "Permanently stop"))
            for ref in deleted(s)]


def _labelled(card, label: str) -> dict:
    """The card's suggestion with this label."""
    return next(s for s in card["suggestions"] if s["label"] == label)


def _pulse_on_file(chart: Chart, mg: float, start: int, end: int, **kwargs) -> Chart:
    """IV methylprednisolone ``mg`` once daily from ``start`` to ``end`` (3 doses)."""
    return chart.medication(METHYLPRED_1000, mg, "mg", count=3, route=ROUTE_IV, start=start, end=end, **kwargs)


def _heart_pulsed(today, start: int, end: int, **kwargs) -> Chart:
    """72 kg, hs-troponin I 85 ng/L (ULN 14) the day before a 1 g pulse from ``start`` to ``end``."""
    chart = on_pembrolizumab(today).weight(72).observation(HS_TNI, day=start - 1, value=85, unit="ng/L", high=14)
    return _pulse_on_file(chart, 1000, start, end, **kwargs)


@pytest.mark.parametrize(("pulse", "maintenance", "said"), [
    ({"start": -3, "end": -1, "status": "completed"}, {"dose": 10, "start": -200},
     "Its last dose was on 2026-11-20 and no oral glucocorticoid started since is current: start prednisone "
     "1 mg/kg/day (dose below). It replaces, not adds to, the oral glucocorticoid on file from before the pulse: "
     "prednisone 20 MG Oral Tablet, 10 mg once a day, since 2026-05-05, still given: the suggested prednisone "
     "discontinues it; if that was a maintenance dose from before the myositis, the taper ends at it, not at zero."),
    ({"start": -1, "end": 1}, {"dose": 40, "start": -10},
     "Follow it with prednisone 1 mg/kg/day (dose below) from the day after its last dose (2026-11-23). It "
     "replaces, not adds to, the oral glucocorticoid on file from before the pulse: prednisone 20 MG Oral Tablet, "
     "40 mg once a day, since 2026-11-11, still given: the suggested prednisone discontinues it;"),
], ids=["pulse-over", "pulse-running"])
def test_an_oral_glucocorticoid_from_before_the_pulse_is_named_and_the_follow_on_replaces_it(
        kb, today, pulse, maintenance, said):
    """Prednisone taken since before a pulse on file was named nowhere: the card said only "start prednisone
    1 mg/kg/day" (or "follow it with prednisone"), as if the patient had no glucocorticoid, inviting the 70 mg on top
    of the dose already taken; the pre-selected follow-on now discontinues it, or accepting it left both active."""
    chart = _heart_pulsed(today, **pulse).medication(PREDNISONE_20, maintenance["dose"], "mg",
                                                      start=maintenance["start"], route=ROUTE_ORAL, resource_id="pred")
    card, entry = _card(kb, chart, today)
    assert said in card["detail"]
    # the label says what accepting it discontinues
    follow_on = _labelled(card, "Prednisone 70 mg PO daily (1 mg/kg), replacing prednisone 20 MG Oral Tablet")
    assert follow_on["isRecommended"] is True and deleted(follow_on) == ["MedicationRequest/pred"]
    assert follow_on["actions"][-1]["description"] == \
        f"Discontinue prednisone 20 MG Oral Tablet ({maintenance['dose']} mg once a day) on the chart"
    assert ("cardio-oncology today; the methylprednisolone pulse on file, then oral prednisone in place of the oral "
            "glucocorticoid on file from before it (below).") in card["detail"]
    assert entry["facts"]["oral_before_pulse"].startswith(f"prednisone 20 MG Oral Tablet, {maintenance['dose']} mg")
    assert entry["facts"]["oral_follow_on"] is None and "(R07 checks any pulse ordered)" in card["detail"]


def test_an_oral_glucocorticoid_from_before_the_pulse_is_named_beside_the_follow_on(kb, today):
    chart = _heart_pulsed(today, start=-25, end=-23, status="completed")
    chart.medication(PREDNISONE_20, 60, "mg", start=-22, route=ROUTE_ORAL)
    chart.medication(PREDNISONE_5, 5, "mg", start=-300, route=ROUTE_ORAL)
    card, _ = _card(kb, chart, today)
    assert ("**Its oral follow-on is on file: prednisone 20 MG Oral Tablet, 60 mg once a day, since 2026-10-30, still "
            "given**; no new prednisone is pre-selected. Also current, the oral glucocorticoid on file from before the "
            "pulse: prednisone 5 MG Oral Tablet, 5 mg once a day, since 2026-01-25, still given.") in card["detail"]
    assert "the methylprednisolone pulse on file and the oral glucocorticoid on file after it (below)" in card["detail"]
    # the card only names the earlier one: no suggestion discontinues anything beside a follow-on on file
    assert _glucocorticoids_taken_away(card) == []


def test_a_childs_card_names_the_prednisolone_it_orders(kb, today):
    """A child's pulse said "then prednisolone 1 mg/kg/day" (its order's note too) while the card's doses and its
    suggested order were prednisone: the card now names one drug, prednisolone, as R19 and R32 order a child's."""
    chart = Chart(today, age=12, sex="female").ck(6000, day=-1).weight(20, day=-1)
    chart.medication(PEMBROLIZUMAB, 40, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myalgia", onset=-8).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14).procedure(ECG, 0)
    card, _ = _card(kb, chart, today)
    oral = _by_route(card)[ORAL]
    assert oral["medicationCodeableConcept"]["text"] == "prednisolone 20 MG Oral Tablet"
    assert oral["dosageInstruction"][0]["text"] == "Prednisolone 20 mg (1 x 20 mg tablet) by mouth once daily, " \
        f"starting the day after the last IV methylprednisolone dose ({today + timedelta(days=3)}) (ICI myositis)"
    assert "Methylprednisolone pulse 600 mg IV daily x3 (heart involvement), then prednisolone 20 mg PO daily " \
        "(1 mg/kg)" in [s["label"] for s in card["suggestions"]]
    assert "then prednisolone 1 mg/kg/day" in card["detail"] and "prednisolone 1 mg/kg = **20 mg/day**" in \
        card["detail"]
    # ASCO's own words stay prednisone, with what a child is given; the rest of the card names prednisolone
    assert "the ICI; prednisone (prednisolone for a child, mg for mg) 0.5-1 mg/kg/day" in card["detail"]
    asco = card["detail"].index("How to manage (ASCO 2021)")
    assert "prednisone" not in (card["detail"][:asco] + card["detail"][card["detail"].index("\n\n", asco):]).lower()
    adult, _ = _card(kb, _graded(today, 3), today)
    assert "prednisolone" not in adult["detail"].replace("methylprednisolone", "")
    assert "the ICI; prednisone 0.5-1 mg/kg/day" in adult["detail"]


@pytest.mark.parametrize(("mg", "pulse"), [(240, True), (60, True), (50, False), (16, False)])
def test_a_childs_pulse_below_250_mg_is_a_pulse_by_weight(kb, today, mg, pulse):
    """8 kg: a 30 mg/kg pulse is 240 mg, below R07's 250 mg/day, so R31 did not see it and pre-selected a second
    240 mg pulse beside the one running. A child's pulse dose is also the same share of R07's 30 mg/kg/day as 250 mg
    is of its 1 g (7.5 mg/kg/day: 60 mg at 8 kg); R31's own 2 mg/kg/day (16 mg) is not one."""
    chart = _young_child(today, 8, 3).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14)
    card, entry = _card(kb, _pulse_on_file(chart, mg, -1, 1), today)
    labels = {s["label"]: s["isRecommended"] for s in card["suggestions"]}
    assert (not [label for label in labels if label.startswith(
        "Methylprednisolone pulse 240 mg IV daily x3 (heart involvement)")]) is pulse
    assert bool(entry["facts"]["pulse_on_file"]) is pulse
    if pulse:
        assert labels["Prednisolone 7.5 mg PO daily (1 mg/kg)"] is True
        assert not [label for label in labels if label.startswith("Methylprednisolone")]
        assert f"**IV methylprednisolone at a pulse dose on file: methylprednisolone 1000 MG Injection, {mg} mg " \
            "once a day, since 2026-11-20, still given (to 2026-11-22).** No new pulse is offered" in card["detail"]
        # R07 counts a weighed child's pulse days from the same level (steroids.pulse_level), said with its basis
        assert "(R07 checks its mg/kg, and its days only from 60 mg/day: 7.5 mg/kg/day at 8 kg)" in card["detail"]


def test_an_adults_iv_dose_below_250_mg_is_still_no_pulse(kb, today):
    chart = _heart_pulsed(today, start=-1, end=1)
    chart.resources["medications"][-1]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 240
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["pulse_on_file"] is None
    assert _labelled(card, "Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement), then prednisone 70 mg "
                           "PO daily (1 mg/kg)")["isRecommended"]


def test_the_follow_on_names_by_hand_an_oral_glucocorticoid_it_cannot_discontinue(kb, today):
    """An order with no FHIR id cannot be deleted by a suggestion (hooks.cards drops the whole suggestion): the card
    says to discontinue it by hand, and the pre-selected follow-on still comes."""
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-200, route=ROUTE_ORAL, resource_id="x y")
    card, _ = _card(kb, chart, today)
    assert ("still given: discontinue prednisone 20 MG Oral Tablet by hand (no id the card can act on);"
            in card["detail"])
    follow_on = _labelled(card, "Prednisone 70 mg PO daily (1 mg/kg)")
    assert follow_on["isRecommended"] is True and not deleted(follow_on)
    card, _ = _card(kb, chart.medication(PREDNISONE_5, 5, "mg", start=-100, route=ROUTE_ORAL, resource_id="p5"), today)
    assert ("still given: the suggested prednisone discontinues those with an id; discontinue prednisone 20 MG Oral "
            "Tablet by hand (no id the card can act on);") in card["detail"]
    follow_on = _labelled(card, "Prednisone 70 mg PO daily (1 mg/kg), replacing prednisone 5 MG Oral Tablet")
    assert deleted(follow_on) == ["MedicationRequest/p5"]


HYDROCORTISONE_10 = (RXNORM, "197782", "hydrocortisone 10 MG Oral Tablet")


def test_hydrocortisone_from_before_the_pulse_is_adrenal_replacement_kept_not_replaced(kb, today):
    """Hydrocortisone 20 mg/day (adrenal replacement, common after ICI hypophysitis) was told the follow-on
    "replaces, not adds to" it: stopped, the patient risks adrenal crisis when the taper falls. It is named apart and
    kept; the follow-on discontinues only the prednisone."""
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication(HYDROCORTISONE_10, 10, "mg", frequency=2, start=-300, route=ROUTE_ORAL, resource_id="hc")
    chart.medication(PREDNISONE_5, 5, "mg", start=-200, route=ROUTE_ORAL, resource_id="pred")
    card, entry = _card(kb, chart, today)
    assert ("not at zero. Also current, **hydrocortisone 10 MG Oral Tablet, 10 mg 2 times a day, since 2026-01-25, "
            "still given: adrenal replacement: keep it** (stress dosing per endocrinology) and do not taper the "
            "follow-on below the physiological dose.") in card["detail"]
    assert "It replaces, not adds to, the oral glucocorticoid on file from before the pulse: prednisone 5 MG" in \
        card["detail"] and "hydrocortisone" not in entry["facts"]["oral_before_pulse"]
    follow_on = _labelled(card, "Prednisone 70 mg PO daily (1 mg/kg), replacing prednisone 5 MG Oral Tablet")
    assert deleted(follow_on) == ["MedicationRequest/pred"]
    assert entry["facts"]["adrenal_replacement_before_pulse"].startswith("hydrocortisone 10 MG Oral Tablet")


@pytest.mark.parametrize("ended", [
    {"status": "stopped", "end": -5}, {"status": "completed", "end": -5}])
def test_a_prednisone_ended_before_the_pulse_is_not_replaced(kb, today, ended):
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-200, route=ROUTE_ORAL, **ended)
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["oral_before_pulse"] is None and "It replaces" not in card["detail"]
    assert not deleted(_labelled(card, "Prednisone 70 mg PO daily (1 mg/kg)"))


@pytest.mark.parametrize(("mg", "pulse"), [(260, True), (240, False)])
def test_a_heavier_childs_pulse_dose_is_still_at_most_250_mg(kb, today, mg, pulse):
    """40 kg: 7.5 mg/kg is 300 mg, above R07's 250 mg/day, which still makes a pulse: 260 mg is one, 240 mg not."""
    chart = _young_child(today, 40, 3).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14)
    _, entry = _card(kb, _pulse_on_file(chart, mg, -1, 1), today)
    assert bool(entry["facts"]["pulse_on_file"]) is pulse


def _unweighed_child(today) -> Chart:
    """3 years, no weight on file, G3 with a raised hs-troponin I."""
    chart = Chart(today, age=3, sex="female").ck(4200, day=-1)
    chart.medication(PEMBROLIZUMAB, 16, "mg", start=-120, period=3, period_unit="wk")
    chart.condition("Myalgia", onset=-8).observation(GRADE, day=-1, value=3, unit="1")
    return chart.observation(HS_TNI, day=0, value=85, unit="ng/L", high=14).procedure(ECG, day=-1)


def test_a_child_with_no_weight_keeps_250_mg_as_the_pulse_dose(kb, today):
    chart = _unweighed_child(today)
    card, entry = _card(kb, _pulse_on_file(chart, 240, -1, 1), today)
    assert entry["facts"]["pulse_on_file"] is None and entry["facts"]["dosing_weight"] is None
    # the child's texts name prednisolone, as it would be ordered
    assert "give prednisolone 1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV (grade 3-4)" in card["detail"]
    assert "give prednisone" not in card["detail"]


def test_a_grade_1_childs_doses_by_grade_name_prednisolone(kb, today):
    card, _ = _card(kb, _young_child(today, 12, 1), today)
    doses = card["detail"].split("Glucocorticoid doses by grade: ")[1]
    assert doses.startswith("G2 prednisolone 0.5-1 mg/kg/day (if CK >= 3x ULN); G3-4 prednisolone 1 mg/kg/day")
    assert "prednisone" not in doses


def test_the_childs_pulse_dose_per_kg_is_a_site_parameter(kb, today):
    """8 kg: 50 mg is no pulse at R07's default 7.5 mg/kg/day (60 mg), and is one where a site sets 6 (48 mg)."""
    chart = _pulse_on_file(_young_child(today, 8, 3).observation(HS_TNI, day=0, value=85, unit="ng/L", high=14),
                           50, -1, 1)
    _, entry = _card(with_params(kb, "ivmp-pulse-dose-cap", paediatric_high_dose_mg_per_kg_day=6), chart, today)
    assert entry["facts"]["pulse_on_file"] is not None


def test_with_no_weight_the_card_says_to_discontinue_the_earlier_prednisone_when_the_follow_on_is_ordered(kb, today):
    """No weight, so no follow-on is suggested: the card said "the suggested prednisone discontinues it", untrue."""
    chart = on_pembrolizumab(today).observation(HS_TNI, day=-4, value=85, unit="ng/L", high=14)
    _pulse_on_file(chart, 1000, -3, -1, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-200, route=ROUTE_ORAL, resource_id="pred")
    card, entry = _card(kb, chart, today)
    assert entry["facts"]["dosing_weight"] is None
    assert ("It replaces, not adds to, the oral glucocorticoid on file from before the pulse: prednisone 20 MG Oral "
            "Tablet, 10 mg once a day, since 2026-05-05, still given: discontinue it when the follow-on is ordered; "
            "if that was") in card["detail"]
    assert "the suggested prednisone" not in card["detail"]
    assert _glucocorticoids_taken_away(card) == []


def test_an_earlier_prednisone_on_hold_is_said_to_be_on_hold(kb, today):
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication(PREDNISONE_20, 10, "mg", start=-200, route=ROUTE_ORAL, status="on-hold", resource_id="pred")
    card, _ = _card(kb, chart, today)
    assert ("from before the pulse: prednisone 20 MG Oral Tablet, 10 mg once a day, since 2026-05-05, on hold: the "
            "suggested prednisone discontinues it;") in card["detail"]


DEXAMETHASONE_4 = (RXNORM, "197582", "dexamethasone 4 MG Oral Tablet")
DEFLAZACORT_6 = (RXNORM, "153098", "deflazacort 6 MG Oral Tablet")


@pytest.mark.parametrize(("drug", "mg"), [(DEXAMETHASONE_4, 4), (DEFLAZACORT_6, 6)],
                         ids=["dexamethasone", "deflazacort"])
def test_an_earlier_glucocorticoid_given_for_its_own_reason_is_named_not_discontinued(kb, today, drug, mg):
    """The follow-on discontinued every earlier oral glucocorticoid but hydrocortisone and cortisone: dexamethasone
    for brain-metastasis oedema or nausea, deflazacort for Duchenne. Only prednisone, prednisolone and
    methylprednisolone are replaced; the others are named, to stop only if the follow-on covers their reason."""
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication(drug, mg, "mg", start=-30, route=ROUTE_ORAL, resource_id="other")
    card, entry = _card(kb, chart, today)
    named = f"{drug[2]}, {mg} mg once a day, since 2026-10-22, still given"
    assert (f"start prednisone 1 mg/kg/day (dose below). Also current, {named}: stop it only if the follow-on covers "
            "what it was given for.") in card["detail"]
    assert "It replaces" not in card["detail"] and entry["facts"]["other_oral_before_pulse"] == named
    assert entry["facts"]["oral_before_pulse"] is None
    assert not deleted(_labelled(card, "Prednisone 70 mg PO daily (1 mg/kg)"))
    # beside a prednisone it replaces, only the prednisone is discontinued
    card, _ = _card(kb, chart.medication(PREDNISONE_5, 5, "mg", start=-200, route=ROUTE_ORAL, resource_id="pred"),
                    today)
    assert deleted(_labelled(card, "Prednisone 70 mg PO daily (1 mg/kg), replacing prednisone 5 MG Oral Tablet")) \
        == ["MedicationRequest/pred"]


def test_cortisone_from_before_the_pulse_is_adrenal_replacement_kept(kb, today):
    chart = _heart_pulsed(today, start=-3, end=-1, status="completed")
    chart.medication((RXNORM, "828248", "cortisone acetate 25 MG Oral Tablet"), 25, "mg", start=-300,
                     route=ROUTE_ORAL, resource_id="cortisone")
    card, entry = _card(kb, chart, today)
    assert ("Also current, **cortisone acetate 25 MG Oral Tablet, 25 mg once a day, since 2026-01-25, still given: "
            "adrenal replacement: keep it**") in card["detail"]
    assert entry["facts"]["oral_before_pulse"] is None and "It replaces" not in card["detail"]
    assert not deleted(_labelled(card, "Prednisone 70 mg PO daily (1 mg/kg)"))


def test_a_childs_pulse_with_no_weight_is_checked_by_r07_for_its_days_only(kb, today):
    """R07 cannot check a child's mg/kg without a current weight: the card said "R07 checks its mg/kg"."""
    chart = _unweighed_child(today)
    card, entry = _card(kb, _pulse_on_file(chart, 300, -1, 1), today)
    assert entry["facts"]["pulse_on_file"] is not None
    assert "(R07 checks its days from 250 mg/day; its mg/kg needs a current weight)" in card["detail"]


# ---- the oral glucocorticoid on the chart beside a new pulse (clinician review)

NEW_PULSE = ("Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement), then prednisone 70 mg PO daily "
             "(1 mg/kg)")


def _heart_on_prednisone(today, mg: float, **kwargs) -> Chart:
    """70 kg, hs-troponin I 500 ng/L (ULN 14) yesterday, no pulse on file, oral prednisone ``mg`` since 5 days."""
    chart = on_pembrolizumab(today).weight(70).observation(HS_TNI, day=-1, value=500, unit="ng/L", high=14)
    return chart.procedure(ECG, day=-1).medication(PREDNISONE_20, mg, "mg", start=-5, route=ROUTE_ORAL, **kwargs)


def test_the_prednisone_after_a_new_pulse_replaces_the_one_on_the_chart(kb, today):
    """Prednisone 60 mg on the chart and no pulse on file: the new pulse's suggestion ordered prednisone 70 mg after
    it without stopping the 60 mg, and the card named it nowhere, so that signed, the patient took 130 mg a day once
    the pulse ended (found by clinician review). As R19's, it now discontinues it and the card says so."""
    card, entry = _card(kb, _heart_on_prednisone(today, 60, resource_id="pred-60"), today)
    pulse = _labelled(card, f"{NEW_PULSE}, replacing prednisone 20 MG Oral Tablet")
    assert pulse["isRecommended"] is True and deleted(pulse) == ["MedicationRequest/pred-60"]
    assert pulse["actions"][-1]["description"] == \
        "Discontinue prednisone 20 MG Oral Tablet (60 mg once a day) on the chart"
    assert ("**It replaces, not adds to, the oral glucocorticoid on the chart: prednisone 20 MG Oral Tablet, 60 mg "
            "once a day**: the suggested order discontinues it, so that the two are never given together.") in \
        card["detail"]
    assert entry["facts"]["oral_glucocorticoid_on_chart"] == "prednisone 20 MG Oral Tablet, 60 mg once a day"


def test_a_prednisone_on_the_chart_at_the_dose_after_a_new_pulse_is_kept(kb, today):
    card, _ = _card(kb, _heart_on_prednisone(today, 70, resource_id="pred-70"), today)
    pulse = _labelled(card, "Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement), then the prednisone "
                            "70 mg daily on the chart (kept)")
    assert [a["description"] for a in pulse["actions"]] == ["Methylprednisolone 1,000 mg IV daily x3"]
    assert ("decide on days 4-5. **On the chart, prednisone 20 MG Oral Tablet, 70 mg once a day, is already the dose "
            "after the pulses: keep it** (no new order; give it by mouth).") in card["detail"]


def test_beside_a_new_pulse_a_chart_prednisone_it_cannot_act_on_is_to_be_stopped_by_hand(kb, today):
    """With no id to act on (the suggestion keeps it), or no weight (no prednisone ordered with an adult's pulse),
    the card says to discontinue it by hand; adrenal replacement is kept."""
    no_id = _heart_on_prednisone(today, 60, resource_id="x y")
    no_id.medication(HYDROCORTISONE_10, 10, "mg", frequency=2, start=-300, route=ROUTE_ORAL, resource_id="hc")
    card, _ = _card(kb, no_id, today)
    assert not deleted(_labelled(card, NEW_PULSE))
    assert ("60 mg once a day**: discontinue prednisone 20 MG Oral Tablet by hand (no id the card can act on), so "
            "that the two are never given together. Also current, **hydrocortisone 10 MG Oral Tablet, 10 mg 2 times "
            "a day: adrenal replacement: keep it**") in card["detail"]
    unweighed = on_pembrolizumab(today).observation(HS_TNI, day=-1, value=500, unit="ng/L", high=14)
    unweighed.procedure(ECG, day=-1).medication(PREDNISONE_20, 60, "mg", start=-5, route=ROUTE_ORAL, resource_id="p")
    card, _ = _card(kb, unweighed, today)
    pulse = _labelled(card, "Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement)")
    assert not deleted(pulse) and len(pulse["actions"]) == 1
    assert "discontinue prednisone 20 MG Oral Tablet by hand when the prednisone is ordered" in card["detail"]


# --- Review 420: the cohort entered by the neuromuscular features and myocarditis; the ICI order on the chart held
# or stopped; no repeat of a troponin or ECG already resulted; grade-specific doses without a weight

def _on_ici(today, ck: float | None = 4200) -> Chart:
    """Pembrolizumab every 3 weeks since D-120, weighed yesterday, no myalgia or weakness condition."""
    chart = Chart(today, age=66, sex="male").weight(75, day=-1)
    chart.medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk", resource_id="pembro")
    return chart.ck(ck, day=-1) if ck is not None else chart


@pytest.mark.parametrize(("conditions", "said"), [
    (["Myasthenia gravis"], "myasthenia"),
    (["Ptosis", "Diplopia"], "ptosis, diplopia"),
    (["Dysphagia", "Dyspnoea"], "dysphagia, dyspnoea"),
    (["Myocarditis"], "myocarditis"),
])
def test_a_raised_ck_with_a_neuromuscular_feature_or_myocarditis_is_ici_myositis(kb, today, conditions, said):
    """Review 420 item 1: pembrolizumab, CK 4,200 (21 x ULN) and myasthenia, ptosis and diplopia, dysphagia and
    dyspnoea, or myocarditis, but no myalgia or weakness condition: no card on either hook. These are the weakness
    (ocular, bulbar, respiratory) the spec's "CK > ULN with weakness" means, and the overlap that kills."""
    chart = _on_ici(today)
    for name in conditions:
        chart.condition(name, onset=-4)
    card, entry = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"
    assert entry["facts"]["ici_myositis"] == f"CK 4,200 U/L on {today - timedelta(days=1)} (ULN 200) with {said}"
    card, _ = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro"), today, "order-sign")
    assert card is not None and card["indicator"] == "critical"


def test_myasthenia_with_a_raised_troponin_is_the_deadly_overlap(kb, today):
    """s31d: myasthenia 4 days ago, CK 4,200, hs-troponin I 300 ng/L, the next pembrolizumab drafted: the heart is
    involved, so the ICI is stopped for good (the draft cancelled, the order on the chart stopped) and the pulse is
    pre-selected."""
    chart = _on_ici(today).condition("Myasthenia gravis", onset=-4)
    chart.observation(HS_TNI, day=0, value=300, unit="ng/L", high=14).procedure(ECG, day=0)
    card, _ = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro"), today, "order-sign")
    assert card["indicator"] == "critical" and "heart involved" in card["summary"]
    stop = card["suggestions"][0]
    assert stop["label"] == "Permanently stop: cancel this ICI dose and stop pembrolizumab on the chart"
    assert deleted(stop) == ["MedicationRequest/next-pembro", "MedicationRequest/pembro"]
    assert stop["actions"][1]["resource"]["status"] == "stopped" and stop["isRecommended"] is True
    assert _labelled(card, "Methylprednisolone pulse 1,000 mg IV daily x3 (heart involvement and myasthenia), then "
                           "prednisone 75 mg PO daily (1 mg/kg)")["isRecommended"] is True


@pytest.mark.parametrize("feature", ["Myasthenia gravis", "Myocarditis"])
def test_a_raised_troponin_with_no_ck_on_file_makes_the_overlap_too(kb, today, feature):
    """**[sign-off]** Myasthenia or myocarditis on an ICI with a raised troponin and no CK within 30 days: the card
    fires (a spec extension: the row gates on CK), naming the troponin."""
    chart = _on_ici(today, ck=None).condition(feature, onset=-4)
    chart.observation(HS_TNI, day=0, value=300, unit="ng/L", high=14)
    card, entry = _card(kb, chart, today)
    assert card is not None and "CK: none within 30 days" in card["detail"]
    assert entry["facts"]["ici_myositis"].endswith(f"300 ng/L on {today}, raised with {feature.split()[0].lower()}")


@pytest.mark.parametrize(("ck", "troponin"), [(150, 5), (None, None)])
def test_myasthenia_or_myocarditis_without_a_raised_ck_or_troponin_is_no_ici_myositis(kb, today, ck, troponin):
    """Myasthenia alone (it may be long-standing) or myocarditis alone makes no ICI myositis: a CK or troponin above
    its ULN is needed, as the row's "CK > ULN"; nor the features without an ICI."""
    for feature in ("Myasthenia gravis", "Myocarditis"):
        chart = _on_ici(today, ck=ck).condition(feature, onset=-4)
        if troponin is not None:
            chart.observation(HS_TNI, day=0, value=troponin, unit="ng/L", high=14)
        card, entry = _card(kb, chart, today)
        assert card is None and entry["status"] == "not-fired"
    no_ici = Chart(today, age=66).ck(4200, day=-1).condition("Myasthenia gravis", onset=-4)
    assert _card(kb, no_ici, today)[0] is None


def test_permanently_stop_stops_the_standing_ici_order_too(kb, today):
    """Review 420 item 4 (fixture r31-fires-order-sign-nivolumab-troponin-raised): "Permanently stop: cancel this ICI
    dose" deleted the draft only; nivolumab every 4 weeks stayed active on the chart."""
    request = fhir_fixtures.get("r31-fires-order-sign-nivolumab-troponin-raised").request(today)
    card = fired(run(kb, request, today))[RULE]
    stop = card["suggestions"][0]
    assert stop["label"] == "Permanently stop: cancel this ICI dose and stop nivolumab on the chart"
    cancel, chart_order = stop["actions"]
    assert cancel == {"type": "delete", "description": "Permanently stop nivolumab (480 mg once a day): cancel the "
                      "draft dose", "resourceId": "MedicationRequest/draft-nivo"}
    assert chart_order["type"] == "update" and chart_order["resource"]["status"] == "stopped"
    assert chart_order["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == NIVOLUMAB[1]


def test_at_patient_view_the_hold_puts_the_chart_ici_order_on_hold(kb, today):
    """Review 420 item 4 (fixture r31-fires-patient-view-ck-myalgia): no action on the active pembrolizumab order.
    Without heart involvement the ICI is held, not stopped: the order is set on hold, as R11 holds methotrexate."""
    request = fhir_fixtures.get("r31-fires-patient-view-ck-myalgia").request(today)
    card = fired(run(kb, request, today))[RULE]
    hold = card["suggestions"][0]
    assert hold["label"] == "Hold the ICI: put pembrolizumab on hold on the chart" and hold["isRecommended"] is True
    (action,) = hold["actions"]
    assert action["type"] == "update" and action["resource"]["status"] == "on-hold"


def test_an_ici_order_not_yet_begun_is_cancelled_and_one_on_hold_is_left_so(kb, today):
    """The chart's next cycle, ordered from D+5, is withdrawn ('cancelled', cards.ChartOrder) when the heart is
    involved; an order already on hold needs no hold: with nothing to act on, no hold is offered."""
    chart = Chart(today, age=66).weight(75, day=-1).ck(4200, day=-1).condition("Myalgia", onset=-8)
    chart.medication(NIVOLUMAB, 480, "mg", start=5, period=4, period_unit="wk", resource_id="next-cycle")
    chart.observation(HS_TNI, day=0, value=300, unit="ng/L", high=14).procedure(ECG, day=0)
    chart.medication(NIVOLUMAB, 480, "mg", start=-60, end=-1, status="completed")
    card, _ = _card(kb, chart, today)
    stop = card["suggestions"][0]
    assert stop["label"] == "Permanently stop the ICI: stop nivolumab on the chart"
    assert [a["resource"]["status"] for a in stop["actions"]] == ["cancelled"]
    held = on_pembrolizumab(today).weight(70)
    held.resources["medications"][0]["status"] = "on-hold"
    card, entry = _card(kb, held, today)
    assert entry["facts"]["ici_order_on_chart"] == "pembrolizumab (on-hold)"
    assert not any(s["label"].startswith("Hold") for s in card["suggestions"])


def test_a_chart_ici_order_with_no_id_is_named_and_the_draft_is_still_cancelled(kb, today):
    """A delete the EHR cannot resolve would drop the whole suggestion (cards.build), the draft's cancel too: the
    chart order is named, to hold by hand."""
    chart = on_pembrolizumab(today).weight(70)
    chart.resources["medications"][0]["id"] = "x y"
    card, _ = _card(kb, chart.draft(PEMBROLIZUMAB, 200, "mg", resource_id="next-pembro"), today, "order-sign")
    hold = card["suggestions"][0]
    assert hold["label"] == "Hold: cancel this ICI dose" and deleted(hold) == ["MedicationRequest/next-pembro"]
    assert ("On the chart, pembrolizumab cannot be changed from this card (no id it can act on): put it on hold by "
            "hand.") in card["detail"]


def test_a_troponin_and_ecg_resulted_today_are_not_ordered_again(kb, today):
    """Review 420 item 7 (s31b): a normal hs-troponin I and an ECG today, G1: the pre-selected work-up still ordered
    a stat troponin and ECG. A raised troponin is still rechecked (ASCO's cardiac table)."""
    card, _ = _card(kb, _graded(today, 1).observation(HS_TNI, day=0, value=5, unit="ng/L", high=14)
                    .procedure(ECG, day=0), today)
    workup = next(s for s in card["suggestions"] if s["label"].startswith("Myocarditis and myositis work-up"))
    assert workup["label"] == ("Myocarditis and myositis work-up (NT-proBNP, echo, CK, AChR Ab, NIF; troponin and "
                               "ECG on file, not repeated)")
    assert [a["description"] for a in workup["actions"]][:2] == ["NT-proBNP", "Transthoracic echocardiogram"]
    card, _ = _card(kb, _graded(today, 1).observation(HS_TNI, day=0, value=60, unit="ng/L", high=14), today)
    workup = next(s for s in card["suggestions"] if s["label"].startswith("Myocarditis and myositis work-up"))
    assert workup["actions"][0]["description"] == "hs-troponin I" and "ECG on file" in workup["label"]


@pytest.mark.parametrize(("grade", "ck", "said"), [
    (3, 4200, "give prednisone 1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV (grade 3-4)."),
    (2, 4200, "give prednisone 0.5-1 mg/kg/day (grade 2, CK >= 3x ULN)."),
])
def test_without_a_weight_the_doses_said_are_the_grades_own(kb, today, grade, ck, said):
    """Review 420 item 7 (s31c): grade 3 with no weight said "give prednisone 0.5-1 mg/kg/day or
    methylprednisolone 1-2 mg/kg/day IV by grade"; grade 3 calls for 1 mg/kg."""
    card, _ = _card(kb, _graded(today, grade, ck=ck, weight=None), today)
    assert said in card["detail"] and "by grade." not in card["detail"]


def test_a_known_imnm_whose_ck_has_not_risen_since_the_ici_is_quiet_and_says_why(kb, today):
    """Review: CK 420-480 and troponin T 42-45 unchanged since before pembrolizumab; R31 (critical) pre-selected
    holding the ICI and never named the IMNM or the pre-ICI baseline. Quiet now, saying why, and the IMNM rows it
    suppressed are judged again."""
    result = run(kb, known_imnm_on_pembrolizumab(today).request("patient-view"), today)
    assert RULE not in fired(result)
    quiet = explained(result, RULE)
    assert quiet["reason"].startswith("no checkpoint-inhibitor myositis read: CK 480 U/L on 2026-11-18 (ULN 200) "
                                      "with weakness or myalgia charted before the first ICI dose is no evidence of "
                                      "ICI myositis: the CK was already raised and has not risen to 1.5 x its "
                                      "pre-ICI baseline since (CK 470 U/L on 2026-07-24 (ULN 200) before the first "
                                      "ICI dose on 2026-09-22; since: 480 U/L, none at 1.5 x the baseline or the "
                                      "lowest CK before it)")
    assert ("myositis known before the ICI: Autoimmune necrotizing myopathy (onset 2023-01-21); anti-HMGCR "
            "positive (2023-01-31)") in quiet["reason"]
    assert quiet["facts"]["ck_set_aside"] in quiet["reason"]
    assert explained(result, "hmgcr-add-ivig-inadequate-response")["status"] != "suppressed"


def test_a_known_imnm_whose_ck_has_risen_since_the_ici_names_both_and_the_baseline(kb, today):
    card, explanation = _card(kb, known_imnm_on_pembrolizumab(today, latest_ck=800), today)
    assert card is not None and card["indicator"] == "critical"
    assert card["summary"] == ("Checkpoint-inhibitor myositis or flare of known IMNM (ungraded): check troponin and "
                               "ECG now")
    assert ("**Myositis known before the ICI: Autoimmune necrotizing myopathy (onset 2023-01-21); anti-HMGCR "
            "positive (2023-01-31).** This may be a flare of it as well as, or rather than, ICI myositis") \
        in card["detail"]
    assert ("- CK: 800 U/L on 2026-11-18 (ULN 200) = 4.0 x ULN; 470 U/L on 2026-07-24 (ULN 200) before the first ICI "
            "dose on 2026-09-22; 800 U/L on 2026-11-18 is 1.7 x 470 U/L on 2026-07-24, the lowest from the baseline "
            "on (a new rise is 1.5 x)") in card["detail"]
    assert ("it was raised before the first ICI dose too: troponin T (cardiac) 42 ng/L (ULN 14 ng/L) on 2026-07-24, "
            "raised") in card["detail"]
    assert explanation["facts"]["myositis_before_ici"].startswith("Autoimmune necrotizing myopathy")


def test_an_ici_myositis_with_no_myositis_before_the_ici_names_none(kb, today):
    card, explanation = _card(kb, on_pembrolizumab(today).weight(80), today)
    assert "known" not in card["summary"] and "Myositis known before" not in card["detail"]
    assert explanation["facts"]["myositis_before_ici"] is None and explanation["facts"]["ck_before_ici"] is None


@pytest.mark.parametrize("hook", ["patient-view", "order-sign"])
def test_a_new_troponin_i_in_a_known_imnm_whose_ck_has_not_risen_stops_the_ici(kb, today, hook):
    """Review (regression from setting aside the pre-ICI CK): hs-troponin I 180 ng/L (ULN 16), none before
    pembrolizumab, in anti-HMGCR IMNM with CK 470 -> 480: no card on either hook. The spec holds the ICI for any
    troponin rise: the troponin is read against its own pre-ICI result, not set aside with the CK."""
    chart = known_imnm_on_pembrolizumab(today, hs_troponin_i=180)
    if hook == "order-sign":
        chart.draft(PEMBROLIZUMAB, 200, "mg", route=ROUTE_IV, resource_id="next-pembro")
    card, explanation = _card(kb, chart, today, hook)
    assert card is not None and card["indicator"] == "critical"
    assert card["summary"].endswith("myositis or flare of known IMNM (ungraded, heart involved): hold and "
                                    "permanently stop the ICI")
    assert explanation["facts"]["ici_myositis"] == (
        "troponin I (cardiac) high-sensitivity 180 ng/L on 2026-11-18, raised, since the first ICI dose on "
        "2026-09-22 (no troponin I resulted in the 180 days before it): a new troponin "
        "rise, with weakness or myalgia and CK 480 U/L on 2026-11-18 (ULN 200), a CK unchanged since before the ICI")
    stop = card["suggestions"][0]
    assert stop["isRecommended"] is True and stop["label"].startswith("Permanently stop")
    if hook == "order-sign":
        assert "MedicationRequest/next-pembro" in deleted(stop)


@pytest.mark.parametrize(("code", "value", "unit", "high"), [(HS_TNI, 5000, "ng/L", 16), (TNI, 2.5, "ng/mL", 0.04)],
                         ids=["hs-troponin-i-ng/L", "conventional-troponin-i-ng/mL"])
def test_a_new_troponin_i_after_an_old_mi_is_not_set_aside_by_the_old_peak(kb, today, code, value, unit, high):
    """Review 426: a troponin I from an old myocardial infarction (D-900, before pembrolizumab) was read as the new
    hs-troponin I's pre-ICI baseline: 180 ng/L (ULN 16) now was 'only 0.0 x 5000 ng/L' and R31 went quiet. Troponin I
    does not come from regenerating muscle: any raised since the first dose is new, and the heart is involved."""
    chart = known_imnm_on_pembrolizumab(today, hs_troponin_i=180)
    chart.observation(code, -900, value=value, unit=unit, high=high)
    card, explanation = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"
    assert card["summary"].endswith("(ungraded, heart involved): hold and permanently stop the ICI")
    assert explanation["facts"]["myocardial_involvement"] == ("troponin I (cardiac) high-sensitivity 180 ng/L (ULN 16 "
                                                              "ng/L) on 2026-11-18, raised")
    assert "no troponin I resulted in the 180 days before it" in explanation["facts"]["ici_myositis"]


def test_a_troponin_t_baseline_older_than_the_ck_window_sets_no_new_rise_aside(kb, today):
    """Review 426: the troponin T baseline of a myositis known before the ICI is the last one at most 180 days before
    the first dose, as the CK's; one 240 days before it (D-300) is no baseline, and troponin T 45 ng/L now is a rise
    to check (troponin I asked for, the ICI held)."""
    chart = known_imnm_on_pembrolizumab(today).without_observations(TNT[1])
    chart.observation(TNT, -300, value=42, unit="ng/L", high=14)
    chart.observation(TNT, -3, value=45, unit="ng/L", high=14)
    card, explanation = _card(kb, chart, today)
    assert card is not None and card["indicator"] == "critical"
    assert explanation["facts"]["troponin_t_only_raised"] is True
    assert ("troponin T (cardiac) 45 ng/L on 2026-11-18, raised, since the first ICI dose on 2026-09-22 (no troponin "
            "T resulted in the 180 days before it): a new troponin rise") in explanation["facts"]["ici_myositis"]
    assert "it was raised before the first ICI dose too" not in card["detail"]


def test_the_set_aside_names_the_troponin_t_it_reads_as_the_known_myositis(kb, today):
    """Troponin T 42 -> 45 ng/L since before pembrolizumab is no new rise (1.1 x, below 1.2 x): said, not dropped."""
    quiet = explained(run(kb, known_imnm_on_pembrolizumab(today).request("patient-view"), today), RULE)
    assert ("; no new troponin rise either: troponin T (cardiac) 45 ng/L on 2026-11-18, raised, since the first ICI "
            "dose on 2026-09-22 (only 1.1 x 42 ng/L on 2026-07-24, the lowest troponin T from the last before that "
            "dose on; a new rise is 1.2 x)") in quiet["reason"]


def test_the_myositis_known_before_the_ici_is_read_only_where_it_is_said(kb, today, monkeypatch):
    """Review (cost): R31 read cohorts.myositis_before_ici for every patient in ICI context, quiet or not. It is
    read for the card and the set-aside's reason only."""
    from hooks.definitions import cohorts
    asked = []
    real = cohorts.myositis_before_ici
    monkeypatch.setattr(cohorts, "myositis_before_ici", lambda *args: asked.append(1) or real(*args))
    no_myositis = Chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-60, period=3, period_unit="wk")
    for request in (no_myositis.request("patient-view"), on_pembrolizumab(today).request("order-sign")):
        result = run(kb, request, today)
        assert RULE not in fired(result) and "myositis_before_ici" not in explained(result, RULE)["facts"]
    assert not asked
    run(kb, known_imnm_on_pembrolizumab(today).request("patient-view"), today)
    assert asked
