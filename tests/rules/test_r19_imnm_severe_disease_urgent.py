"""R19 imnm-severe-disease-urgent: computed pulse/prednisone/IVIG doses, caps, obesity, and what the card says."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import (
    ANTI_HBC,
    ENTECAVIR,
    HBV_DNA,
    ICD10,
    IMNM_SNOMED,
    IVIG_CVX,
    METHYLPRED_1000,
    ROUTE_IV,
    Chart,
)
from fhir_fixtures.r19_imnm_severe_disease_urgent import (
    CREATININE,
    DYSPHAGIA,
    FVC,
    MYOCARDITIS,
    RHABDO,
    TROPONIN_I_HS,
    severe_chart,
)
from tests.conftest import deleted, explained, fired, run, with_params

RULE = "imnm-severe-disease-urgent"


def _card(kb, chart: Chart):
    return fired(run(kb, chart.request("patient-view"), chart.today)).get(RULE)


def _explain(kb, chart: Chart):
    result = run(kb, chart.request("patient-view"), chart.today)
    return explained(result, RULE)


def _dysphagic(today, **kwargs) -> Chart:
    return severe_chart(today, **kwargs).condition(DYSPHAGIA, onset=-3)


def _doses(card) -> dict[str, float]:
    """The doses the treatment suggestion orders (not the chart orders it discontinues)."""
    out = {}
    for action in card["suggestions"][0]["actions"]:
        if action["type"] != "create":
            continue
        resource = action["resource"]
        out[resource["medicationCodeableConcept"]["text"]] = \
            resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]
    return out


def test_pulse_prednisone_and_ivig_computed_for_72_kg(kb, today):
    card = _card(kb, _dysphagic(today))
    assert card["indicator"] == "critical" and len(card["summary"]) < 140
    doses = _doses(card)
    # 70 mg is no whole number of 20 mg tablets (the order named them): 14 x 5 mg
    assert doses == {"methylprednisolone 1000 MG Injection": 1000, "prednisone 5 MG Oral Tablet": 70,
                     "immune globulin, intravenous": 27.5}  # 2 g/kg x 72 = 144 g: 28.8 a day, 30 x 5 overshoots
    pulse = card["suggestions"][0]["actions"][0]["resource"]["dosageInstruction"][0]
    assert pulse["route"]["coding"][0]["code"] == "47625008"
    assert pulse["timing"]["repeat"]["boundsDuration"]["value"] == 3
    assert "137.5 g" in card["detail"] and "then prednisone **70 mg daily** (rounded to 5 mg)" in card["detail"]
    oral = card["suggestions"][0]["actions"][1]["resource"]
    assert oral["medicationCodeableConcept"]["coding"][0]["code"] == "312617"
    # dysphagia: given once swallowing is safe, not simply by mouth (the card advises nil by mouth until assessed)
    assert oral["dosageInstruction"][0]["text"].startswith(
        "Prednisone 70 mg (14 x 5 mg tablets) once daily by mouth once swallowing is safe (or via NG tube / IV "
        "equivalent), starting")


def test_r19_the_cardiac_work_up_is_coded_as_r04_r20_and_r31_order_it(kb, today):
    """The ECG went as LOINC 11524-6 'EKG study' here, as SNOMED CT 268400002 on R04's card and LOINC 34534-8 on R31's:
    an EHR's duplicate check, keyed on the code, saw three tests. One code each now (hooks/definitions/lab_orders.py),
    at this card's priorities."""
    card = _card(kb, _dysphagic(today))
    (workup,) = [s for s in card["suggestions"] if s["label"].startswith("Cardiac work-up")]
    resources = [a["resource"] for a in workup["actions"]]
    assert [(r["code"]["coding"][0]["code"], r["code"]["text"], r["priority"]) for r in resources] == [
        ("268400002", "12-lead ECG", "stat"),
        ("89579-7", "Troponin I.cardiac [Mass/volume] in Serum or Plasma by High sensitivity method", "stat"),
        ("33762-6", "NT-proBNP", "stat"),
        ("252418006", "Transthoracic echocardiogram", "urgent")]
    assert [a["description"] for a in workup["actions"]] == [
        "12-lead ECG", "High-sensitivity troponin I", "NT-proBNP", "Transthoracic echocardiogram"]


def test_r19_the_prednisone_after_the_pulses_starts_the_day_after_the_last_pulse(kb, today):
    """The prednisone order said "starting the day after the third methylprednisolone pulse" in its text only: with
    no structured start an EHR signing both starts it beside the pulses (found by clinician review). The pulses run
    from signing for 3 days; the oral starts on the fourth, as R31's does."""
    card = _card(kb, severe_chart(today).observation(TROPONIN_I_HS, -2, value=85, unit="ng/L", high=16).condition(
        MYOCARDITIS, onset=-2))
    pulse, oral = (a["resource"]["dosageInstruction"][0] for a in card["suggestions"][0]["actions"][:2])
    assert "boundsPeriod" not in pulse["timing"]["repeat"]  # from signing
    assert oral["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-11-24"}
    assert "starting the day after the last methylprednisolone pulse (2026-11-24)" in oral["text"]


def test_prednisone_capped_at_80_mg(kb, today):
    chart = severe_chart(today, weight=None).weight(96, day=-2).height(185, day=-2).condition(DYSPHAGIA, onset=-3)
    doses = _doses(_card(kb, chart))
    assert doses["prednisone 20 MG Oral Tablet"] == 80
    assert doses["immune globulin, intravenous"] == 37.5  # 2 g/kg x 96 kg / 5 days = 38.4 -> 37.5 g


def test_obese_patient_ivig_on_adjusted_body_weight(kb, today):
    chart = Chart(today, age=50, sex="male").condition(IMNM_SNOMED, onset=-40).ck(9000, day=-3)
    chart.weight(130, day=-2).height(180, day=-2).condition(DYSPHAGIA, onset=-3)
    card = _card(kb, chart)
    # IBW 75.0 kg; adjusted 75.0 + 0.4 x 55.0 = 97.0 kg -> 2 x 97 = 194 g: 38.8 a day; 40 x 5 = 200 g would
    # exceed 2 g/kg and be flagged by R27, so 37.5 g/day (actual weight: 52.5)
    assert _doses(card)["immune globulin, intravenous"] == 37.5
    assert "adjusted body weight 97" in card["detail"]


def test_no_weight_no_weight_based_orders(kb, today):
    card = _card(kb, _dysphagic(today, weight=None))
    assert set(_doses(card)) == {"methylprednisolone 1000 MG Injection"}
    assert card["detail"].count("could not be computed") == 2


def test_no_height_means_ivig_not_computed(kb, today):
    chart = severe_chart(today, weight=None).weight(70, day=-2).condition(DYSPHAGIA, onset=-3)
    card = _card(kb, chart)
    assert "immune globulin, intravenous" not in _doses(card)
    assert "no current height" in card["detail"]


def _severe_child(today, age: int, weight: float | None, weighed: int = -2) -> Chart:
    chart = Chart(today, age=age, sex="female").condition(IMNM_SNOMED, onset=-40).ck(15000, day=-3)
    if weight is not None:
        chart.weight(weight, day=weighed).height(140, day=weighed)
    return chart.condition(DYSPHAGIA, onset=-3)


def test_child_gets_30_mg_per_kg_pulse_and_prednisolone_2_mg_per_kg(kb, today):
    card = _card(kb, _severe_child(today, age=10, weight=32))
    doses = _doses(card)
    assert doses["methylprednisolone 1000 MG Injection"] == 960  # 30 mg/kg x 32 kg (the 1 g vial), not the adult 1 g
    assert doses["prednisolone 20 MG Oral Tablet"] == 60  # 2 mg/kg = 64 mg, capped at 60 mg: 3 x 20 mg
    assert not any(name.startswith("prednisone") for name in doses)
    assert "30 mg/kg daily (maximum 1,000 mg)" in card["detail"]
    assert _explain(kb, _severe_child(today, age=10, weight=32))["facts"]["paediatric"] is True


def test_child_pulse_capped_at_1_g_and_rounded_down(kb, today):
    doses = _doses(_card(kb, _severe_child(today, age=16, weight=47)))
    assert doses["methylprednisolone 1000 MG Injection"] == 1000  # 1,410 mg capped: the 1 g vial holds it exactly
    doses = _doses(_card(kb, _severe_child(today, age=6, weight=21.7)))
    assert doses["methylprednisolone 1000 MG Injection"] == 650  # 651 mg rounded down to 10 mg, never above 30 mg/kg
    assert doses["prednisolone 2.5 MG Oral Tablet"] == 42.5  # 43.4 mg rounded down to 2.5 mg: not 5 mg tablets


@pytest.mark.parametrize(("weight", "mg", "product", "how"), [
    # 14 mg: 12.5 mg would be 10.7% under; it was 12.5 mg on 5 mg tablets
    (7, 14, "prednisolone 1 MG Oral Tablet", "2.5 mg steps more than 10% off, rounded down to 1 mg"),
    # 2.4 mg: 2 mg would be 17% under; it was 2.4 mg on 5 mg tablets
    (1.2, 2.4, "prednisolone 1 MG/ML Oral Solution", "1 mg steps more than 10% off, rounded down to 0.1 mg"),
])
def test_a_small_childs_prednisolone_is_rounded_as_r32_rounds_it(kb, today, weight, mg, product, how):
    """2 mg/kg rounded down to 2.5 mg took up to a sixth off a small child's dose (14 mg at 7 kg became 12.5 mg),
    and every dose was ordered as 5 mg tablets. R19 rounds as R32 does: 2.5 mg steps only within a tenth of the
    dose, then whole mg, then 0.1 mg, on a product that gives the dose."""
    card = _card(kb, _severe_child(today, age=1, weight=weight))
    assert _doses(card)[product] == mg
    assert f"then prednisolone **{mg:g} mg daily** ({how})" in card["detail"]


@pytest.mark.parametrize(("age", "weight", "pulse"), [(0, 0.9, "27 mg"), (44, 72, "1,000 mg")])
def test_the_pulse_text_states_the_dose_the_order_carries(kb, today, age, weight, pulse):
    """The order's text, its label and the card give the dose the order carries, as R07's pulse order does (a
    0.31 kg infant's 9.3 mg read "9 mg")."""
    card = _card(kb, _severe_child(today, age=age, weight=weight))
    action = card["suggestions"][0]["actions"][0]
    dosage = action["resource"]["dosageInstruction"][0]
    assert f"{dosage['doseAndRate'][0]['doseQuantity']['value']:,g} mg" == pulse
    assert action["description"] == f"Methylprednisolone {pulse} IV daily x3"
    assert dosage["text"] == f"Methylprednisolone {pulse} IV over at least 60 minutes once daily for 3 days"
    assert f"**{pulse} IV daily**" in card["detail"]


@pytest.mark.parametrize(("age", "weight"), [(8, 26.3), (1, 7), (0, 2.5), (0, 1.2), (0, 0.9), (16, 47)])
def test_child_suggestion_passes_the_childrens_dose_checks(kb, today, age, weight):
    """R19's orders, signed as drafts, must not be flagged by R07 (pulse) or R32 (prednisolone), whole tablets or
    oral solution; R07 reads the pulse (a 3-day course) and finds it within its limits."""
    chart = _severe_child(today, age=age, weight=weight)
    for number, action in enumerate(_card(kb, chart)["suggestions"][0]["actions"]):
        chart.draft_resource(dict(action["resource"], status="draft", id=f"suggested-{number}"))
    result = run(kb, chart.request("order-sign"), today)
    assert not {"ivmp-pulse-dose-cap", "pediatric-myositis-dose-limits"} & set(fired(result))
    assert explained(result, "ivmp-pulse-dose-cap")["reason"] == "IV methylprednisolone within the pulse limits"


@pytest.mark.parametrize(("weight", "mg", "how"), [
    (2.5, 70, "rounded down to 10 mg"),  # 75 mg: 7% under, within a tenth
    (0.9, 27, "10 mg steps more than 10% off, rounded down to 1 mg"),  # it was 20 mg, 26% under
    (21.7, 650, "rounded down to 10 mg"),
])
def test_a_childs_pulse_is_r07s_own_order_and_says_how_it_was_rounded(kb, today, weight, mg, how):
    """R19 rounded a child's 30 mg/kg down to 10 mg whatever that took off (0.9 kg: 27 mg became 20 mg), said
    nothing of it, and named the 1 g vial for any dose; R07 named "methylprednisolone Injectable Product" with
    other text and note. Both now suggest the same order, rounded by at most a tenth, saying how."""
    chart = _severe_child(today, age=0 if weight < 10 else 6, weight=weight)
    card = _card(kb, chart)
    pulse = card["suggestions"][0]["actions"][0]["resource"]
    assert pulse["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == mg
    assert f"**{mg:,g} mg IV daily** ({how}), then prednisolone" in card["detail"]
    assert f": {how}. " in pulse["note"][0]["text"]
    r07 = chart.draft(METHYLPRED_1000, 45, "mg/kg", route=ROUTE_IV, end=2)
    suggested = fired(run(kb, r07.request("order-sign"), today))["ivmp-pulse-dose-cap"]["suggestions"][0]
    same = ("medicationCodeableConcept", "dosageInstruction", "note")
    assert {k: suggested["actions"][1]["resource"][k] for k in same} == {k: pulse[k] for k in same}


def test_child_without_a_week_old_weight_gets_no_pulse_order(kb, today):
    card = _card(kb, _severe_child(today, age=10, weight=32, weighed=-10))  # adults may use 30 days; children 7
    assert not any("methylprednisolone" in a["resource"].get("medicationCodeableConcept", {}).get("text", "")
                   for s in card["suggestions"] for a in s["actions"])
    assert "the child's doses could not be computed" in card["detail"]


def test_rituximab_only_for_anti_srp(kb, today):
    assert "rituximab early" in _card(kb, _dysphagic(today, srp=True))["detail"]
    assert "rituximab" not in _card(kb, _dysphagic(today, srp=False))["detail"]


def test_rituximab_for_anti_srp_with_anti_hmgcr_never_resulted(kb, today):
    """Anti-SRP positive and anti-HMGCR never resulted is SRP or DUAL: the card dropped its rituximab advice."""
    chart = _dysphagic(today)
    chart.resources["observations"] = [o for o in chart.resources["observations"]
                                       if o["code"]["coding"][0]["code"] != "93493-5"]
    assert "give rituximab early" in _card(kb, chart)["detail"]


def test_facts_list_each_feature_and_the_treatment_check(kb, today):
    chart = _dysphagic(today).observation("NIF", -1, value=18, unit="cm[H2O]")  # magnitude only: -18
    entry = _explain(kb, chart)
    assert "dysphagia" in entry["facts"]["severity_features"] and "NIF -18" in entry["facts"]["severity_features"]
    assert entry["facts"]["recent_pulse_or_ivig"] is None


def test_aspiration_on_swallow_study_and_negative_study(kb, today):
    positive = severe_chart(today).observation("Modified barium swallow study", -2,
                                               value_string="Silent aspiration of thin liquids")
    assert _card(kb, positive) is not None
    negative = severe_chart(today).observation("Modified barium swallow study", -2,
                                               value_string="No aspiration or penetration")
    assert _card(kb, negative) is None


@pytest.mark.parametrize(("name", "severe"), [
    ("Aspiration pneumonia", True), ("Silent aspiration", True),
    # each of these was a critical card with pulse and IVIG orders: a name that rules aspiration out or names its risk
    ("No aspiration", False), ("Aspiration precautions", False), ("At risk for aspiration", False),
    ("Risk of aspiration", False), ("At risk for silent aspiration", False),
    ("High risk of recurrent aspiration", False)])
def test_a_condition_counts_as_aspiration_only_when_its_name_states_it(kb, today, name, severe):
    assert (_card(kb, severe_chart(today).condition(name, onset=-2)) is not None) is severe


@pytest.mark.parametrize(("value", "unit", "read"), [
    (59, "%", "FVC 59% predicted"), (0.59, "1", "FVC 59% predicted"), (59, None, "FVC 59% predicted"),
    (45, "% predicted", "FVC 45% predicted"), (45, "%pred", "FVC 45% predicted"),
    # each of these was read as a percent below 60: a critical card with a 1,000 mg pulse and IVIG
    (0.85, None, None), (3.2, "L", None),
    # and these as far above it: 45 in '1' was 4,500%, the critical card lost
    (45, "1", None), (250, "%", None)])
def test_fvc_is_read_as_percent_predicted_or_said_to_be_unread(kb, today, value, unit, read):
    """FVC measured/predicted is a ratio: a percent under its usual units and a UCUM ratio up to 2 are read;
    litres, or a value no patient has once read (0.85 with no unit, 45 as a ratio), are named as unread and decide
    nothing."""
    chart = severe_chart(today, srp=False).observation(FVC, -1, value=value, unit=unit)
    entry = _explain(kb, chart)
    if read:
        assert entry["status"] == "fired" and read in entry["facts"]["severity_features"]
    else:
        assert entry["status"] == "not-evaluable"
        assert "(not read as % predicted)" in entry["facts"]["unreadable"]


def test_ventilator_dependence_counts(kb, today):
    chart = severe_chart(today).condition(("http://hl7.org/fhir/sid/icd-10-cm", "Z99.11",
                                           "Dependence on respirator [ventilator] status"), onset=-2)
    assert "respiratory" in _card(kb, chart)["summary"]


def test_not_imnm_is_quiet(kb, today):
    chart = Chart(today).condition(DYSPHAGIA, onset=-3).ck(150, day=-2)
    assert _explain(kb, chart)["status"] == "not-fired"


def test_an_intramuscular_methylprednisolone_shot_is_not_a_pulse_already_given(kb, today):
    im = {"coding": [{"system": "http://snomed.info/sct", "code": "78421000", "display": "Intramuscular route"}]}
    shot = _dysphagic(today).medication(METHYLPRED_1000, 40, "mg", start=-6, end=-6, status="completed", route=im)
    assert _card(kb, shot) is not None
    pulse = _dysphagic(today).medication(METHYLPRED_1000, 1000, "mg", start=-6, end=-6, status="completed",
                                         route=ROUTE_IV)
    assert _card(kb, pulse) is None


def _counted(chart: Chart, code, dose: float, unit: str, start: int, count: int, **timing) -> Chart:
    """A finished course written with timing.repeat.count and no end date."""
    return chart.medication(code, dose, unit, start=start, status="completed", route=ROUTE_IV, count=count, **timing)


@pytest.mark.parametrize(("start", "treated"), [(-16, True), (-17, False)])
def test_a_pulse_written_as_a_count_was_last_given_on_its_last_day(kb, today, start, treated):
    """Three daily pulses from D-16 were last given on D-14, within the 14 days: it was read as given on D-16 only,
    and the card offered a second 3 g pulse (found by review)."""
    chart = _counted(_dysphagic(today), METHYLPRED_1000, 1000, "mg", start, 3)
    assert (_card(kb, chart) is None) is treated


@pytest.mark.parametrize(("start", "timing", "treated"), [
    (-34, {}, True),  # 0.4 g/kg daily x 5 from D-34: last infusion D-30
    (-130, {"period": 4, "period_unit": "wk"}, False),  # one 5-day cycle of a 4-weekly order: count is its days
])
def test_ivig_written_as_a_count_is_read_by_its_days(kb, today, start, timing, treated):
    chart = _counted(_dysphagic(today), IVIG_CVX, 0.4, "g/kg", start, 5, **timing)
    assert (_card(kb, chart) is None) is treated


def test_an_active_undated_dysphagia_counts(kb, today):
    card = _card(kb, severe_chart(today).condition(DYSPHAGIA, onset=None))
    assert card is not None and "dysphagia: Dysphagia, oropharyngeal phase (undated)" in _explain(
        kb, severe_chart(today).condition(DYSPHAGIA, onset=None))["facts"]["severity_features"]


def test_creatinine_in_umol_per_l_and_mg_per_dl_compare(kb, today):
    """Baseline 80 umol/L (0.9 mg/dL), now 3.2 mg/dL: AKI with rhabdomyolysis, whatever the units."""
    chart = severe_chart(today).condition(RHABDO, onset=-4).lab(CREATININE, 80, "umol/L", day=-20)
    assert _card(kb, chart.lab(CREATININE, 3.2, "mg/dL", day=-1)) is not None


@pytest.mark.parametrize(("ng_per_l", "fires"), [(850, True), (20, False)])
def test_troponin_in_ng_per_l_against_a_range_in_ng_per_ml(kb, today, ng_per_l, fires):
    chart = severe_chart(today).condition(MYOCARDITIS, onset=-2)
    chart.observation(TROPONIN_I_HS, -2, value=ng_per_l, unit="ng/L", high=0.04, range_unit="ng/mL")
    assert (_card(kb, chart) is not None) is fires


@pytest.mark.parametrize(("name", "score", "high", "severe"), [
    ("MMT-8 total score", 76, 150, True),  # 76/150: severe weakness
    ("MMT-8 total score (0-80 scale)", 76, 80, False),  # 76/80 is near-normal strength (about 142/150)
    ("MMT-8 total score", 40, 80, True),  # 40/80 is about 75/150
])
def test_an_mmt8_score_is_read_on_its_own_scale(kb, today, name, score, high, severe):
    chart = severe_chart(today).observation(name, -2, value=score, unit="{score}", low=0, high=high)
    assert (_card(kb, chart) is not None) is severe


def test_a_pulse_order_left_active_after_its_end_is_not_recent_treatment(kb, today):
    """IV methylprednisolone given 202-200 days ago, its order never marked completed: not 'already treated'."""
    chart = _dysphagic(today).medication(METHYLPRED_1000, 1000, "mg", start=-202, end=-200, status="active",
                                         route=ROUTE_IV)
    assert _card(kb, chart)["indicator"] == "critical"


@pytest.mark.parametrize(("day", "treated"), [(-30, True), (-31, False), (3, False)])
def test_only_an_ivig_immunization_given_in_the_last_30_days_is_recent_ivig(kb, today, day, treated):
    """IVIG charted as an Immunization dated after today has not been given yet: it hid the card of a severe
    patient still to be treated (found by review)."""
    assert (_card(kb, _dysphagic(today).immunization(IVIG_CVX, day=day)) is None) is treated


@pytest.mark.parametrize(("report", "severe"), [
    ("No laryngeal penetration or aspiration.", False),
    ("Normal study; no evidence of penetration or aspiration", False),
    ("Negative for aspiration", False),
    ("Without penetration or aspiration", False),
    ("Aspiration: none. Aspiration precautions reviewed", False),
    ("Deep penetration but aspiration of thin liquids with cough", True),
    ("Aspiration with thin liquids; no aspiration with nectar", True),
    ("Aspirated x2 despite chin tuck, no cough", True),
    ("No penetration, aspiration or residue", False),
    ("Aspiration was not seen", False),
    ("No penetration with nectar, aspiration with thin liquids", True),
    ("Did not clear residue, aspirated thin liquids", True),
])
def test_a_swallow_study_that_rules_aspiration_out_is_not_severe_disease(kb, today, report, severe):
    """Any 'aspirat...' outside three exact phrases read as aspiration, so normal studies worded the usual way gave
    the critical 'admit, pulse, IVIG' card (found by review). The report's words are read with their negations."""
    chart = severe_chart(today).observation("Modified barium swallow study", -2, value_string=report)
    assert (_card(kb, chart) is not None) is severe


@pytest.mark.parametrize(("value", "unit"), [(-15, "cm H2O"), (-15, "cmH2O"), (-15, "cm[H2O]"), (-1.471, "kPa"),
                                            (-11.03, "mm[Hg]")])
def test_a_nif_in_any_usual_unit_of_pressure_is_read(kb, today, value, unit):
    """NIF -15 'cm H2O' (a flowsheet's spelling) was not read, and a weak NIF gave no card (found by review)."""
    chart = severe_chart(today).observation("NIF", -1, value=value, unit=unit)
    assert "NIF -15 cmH2O" in _card(kb, chart)["detail"]


def test_a_newer_nif_that_cannot_be_read_is_not_replaced_by_an_older_one(kb, today):
    """An older NIF of -60 stood in for a newer one the service could not read: the rule then said 'no severe
    feature'. Now the newer result is named and the rule is not evaluable."""
    chart = severe_chart(today).observation("NIF", -10, value=-60, unit="cmH2O")
    chart.observation("NIF", -1, value=-25, unit="%")  # percent of predicted: not a pressure
    entry = _explain(kb, chart)
    assert entry["status"] == "not-evaluable" and "NIF -25 %" in entry["reason"]
    weak = chart.observation("Modified barium swallow study", -2, value_string="Silent aspiration of thin liquids")
    assert "NIF -25 %" in _explain(kb, weak)["facts"]["unreadable"]


def _rhabdomyolysis(today, *creatinines: dict) -> Chart:
    """Rhabdomyolysis 4 days ago and these creatinines (:func:`_creatinine`)."""
    chart = severe_chart(today).condition(RHABDO, onset=-4)
    for creatinine in creatinines:
        chart.lab(CREATININE, **creatinine)
    return chart


def _creatinine(value: float, day: int, unit: str = "mg/dL", **fields) -> dict:
    return {"value": value, "day": day, "unit": unit, **fields}


ULN = {"high": 1.1}


def test_rhabdomyolysis_with_a_creatinine_of_4_and_no_baseline_is_aki(kb, today):
    """Creatinine 4.5 mg/dL (ULN 1.1) two days after rhabdomyolysis, none before: AKI needed a 90-day baseline, so
    the rule said "no severe feature in the window" (found by review). At KDIGO stage 3's 4.0 mg/dL it needs none."""
    card = _card(kb, _rhabdomyolysis(today, _creatinine(4.5, -2, **ULN)))
    aki = ("acute kidney injury: creatinine 4.5 mg/dL on 2026-11-19, at least 4 mg/dL (KDIGO stage 3) with no "
           "creatinine in the 90 days before it")
    assert card["indicator"] == "critical" and f"rhabdomyolysis (Rhabdomyolysis) with {aki}" in card["detail"]
    assert "**Do not start methotrexate, and hold it if it is given, while there is acute kidney injury" in \
        card["detail"]


def test_the_creatinine_that_needs_no_baseline_is_the_sites(kb, today):
    site = with_params(kb, RULE, aki_creatinine_without_baseline_mg_dl=5.0)
    chart = _rhabdomyolysis(today, _creatinine(4.5, -2, **ULN))
    assert explained(run(site, chart.request("patient-view"), today), RULE)["status"] == "not-evaluable"


def test_an_aki_shown_without_a_baseline_is_past_once_the_creatinine_is_back_within_range(kb, today):
    past = _card(kb, _rhabdomyolysis(today, _creatinine(4.5, -10, **ULN), _creatinine(0.9, -2, **ULN)))["detail"]
    assert "no creatinine in the 90 days before it; creatinine now 0.9 mg/dL on 2026-11-19" in past
    assert "while there is acute kidney injury" not in past
    current = _card(kb, _rhabdomyolysis(today, _creatinine(4.5, -10, **ULN), _creatinine(2.0, -2, **ULN)))["detail"]
    assert "creatinine now" not in current and "while there is acute kidney injury" in current


@pytest.mark.parametrize(("creatinines", "missing"), [
    ([_creatinine(2.0, -2, **ULN)], "creatinine 2 mg/dL on 2026-11-19 (ULN 1.1 mg/dL) has no creatinine in the 90 "
                                    "days before it to compare with"),
    ([_creatinine(2.0, -2, interpretation="H")], "creatinine 2 mg/dL on 2026-11-19 (flagged H) has no creatinine"),
    ([_creatinine(0.8, -2)], "creatinine 0.8 mg/dL on 2026-11-19 (no reference range) has no creatinine"),
    ([], "no creatinine since 2026-10-22"),
    ([_creatinine(0.8, -200, **ULN)], "no creatinine since 2026-10-22"),
    ([_creatinine(1.0, -40, **ULN), _creatinine(2.0, -2, "U/L")], "creatinine 2 U/L on 2026-11-19 could not be read"),
])
def test_rhabdomyolysis_whose_kidney_injury_cannot_be_judged_is_not_evaluable(kb, today, creatinines, missing):
    """Rhabdomyolysis whose creatinine has no baseline to compare with, none at all, or one that cannot be read:
    whether there is an AKI is not known, and the rule said "no severe feature in the window"."""
    entry = _explain(kb, _rhabdomyolysis(today, *creatinines))
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("no severe feature read in the window, but rhabdomyolysis (Rhabdomyolysis) "
                                      "with acute kidney injury not excluded: ")
    assert missing in entry["reason"]


@pytest.mark.parametrize("fields", [ULN, {"interpretation": "N"}])
def test_a_creatinine_within_the_labs_range_shows_no_kidney_injury_without_a_baseline(kb, today, fields):
    entry = _explain(kb, _rhabdomyolysis(today, _creatinine(0.8, -2, **fields)))
    assert (entry["status"], entry["reason"]) == ("not-fired", "no severe feature in the window")


def test_a_creatinine_without_a_baseline_matters_only_with_rhabdomyolysis(kb, today):
    entry = _explain(kb, severe_chart(today).lab(CREATININE, 2.0, "mg/dL", day=-2, high=1.1))
    assert (entry["status"], entry["reason"]) == ("not-fired", "no severe feature in the window")


def test_a_troponin_with_no_range_or_flag_beside_myocarditis_is_not_evaluable(kb, today):
    """Troponin I 60 ng/L with no reference range or flag, and myocarditis: the rule said "no severe feature".
    As R31 reads such a troponin, cardiac involvement is not excluded (60 ng/L is above some assays' upper limit and
    below others': below the fallback, not judged)."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=60, unit="ng/L")
    alone = _explain(kb, chart)
    assert (alone["status"], alone["reason"]) == ("not-fired", "no severe feature in the window")
    entry = _explain(kb, chart.condition(MYOCARDITIS, onset=-2))
    assert entry["status"] == "not-evaluable"
    assert ("troponin I 60 ng/L on 2026-11-19 with Isolated myocarditis could not be judged against its upper "
            "limit (no reference range or flag from the lab): cardiac involvement not excluded") in entry["reason"]


FALLBACK_TEXT = ("(no reference range or flag from the lab: judged against 1,000 ng/L, above the upper limit of every "
                 "troponin I assay)")


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (5000, "ng/L", "5000 ng/L"), (5, "ng/mL", "5 ng/mL"), (5000, "pg/mL", "5000 pg/mL"), (5, "ug/L", "5 \u00b5g/L"),
    (1001, "ng/L", "1001 ng/L"),
])
def test_r19_a_troponin_i_with_no_range_far_above_every_assays_uln_is_cardiac_involvement(kb, today, value, unit,
                                                                                          shown):
    """Troponin I 5000 ng/L (hs assay) with no range or flag beside myocarditis: R19 was not evaluable, said only in
    the response's warnings, and the only card shown was R20's routine warning (found by clinician review). Above
    1,000 ng/L (1 ng/mL), in any unit read, it is above every troponin I assay's upper limit: the critical card
    fires and says how the troponin was judged."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=value, unit=unit).condition(MYOCARDITIS, onset=-2)
    card = _card(kb, chart)
    assert card is not None and card["indicator"] == "critical" and "(cardiac)" in card["summary"]
    assert (f"cardiac involvement: troponin I {shown} {FALLBACK_TEXT} on 2026-11-19 with Isolated myocarditis"
            in " ".join(card["detail"].split()))


@pytest.mark.parametrize("written", ["5000 ng/L", "5,000 ng/L"])
def test_r19_a_troponin_i_written_as_text_is_judged_as_its_number(kb, today, written):
    """Anti-SRP IMNM with myocarditis and troponin I sent as the valueString '5000 ng/L': R19 was not evaluable (a
    number written as text was not read) and R20/R31 could not judge it (clinician review). It is 5000 ng/L, above
    every troponin I assay's upper limit: the critical card fires."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value_string=written).condition(MYOCARDITIS, onset=-2)
    card = _card(kb, chart)
    assert card is not None and card["indicator"] == "critical" and "(cardiac)" in card["summary"]
    assert (f"cardiac involvement: troponin I {written} {FALLBACK_TEXT} on 2026-11-19 with Isolated myocarditis"
            in " ".join(card["detail"].split()))


@pytest.mark.parametrize(("value", "unit", "comparator"), [
    (1000, "ng/L", None),  # at the fallback, not above it
    (5000, None, None), (5000, "U/L", None),  # no unit, or one not a mass concentration: not judged
    (5000, "ng/L", "<"),  # a bound below 5000 may be anything
])
def test_r19_a_troponin_i_with_no_range_not_surely_above_the_fallback_is_not_judged(kb, today, value, unit,
                                                                                    comparator):
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=value, unit=unit, comparator=comparator)
    entry = _explain(kb, chart.condition(MYOCARDITIS, onset=-2))
    assert entry["status"] == "not-evaluable" and "cardiac involvement not excluded" in entry["reason"]


def test_r19_the_troponin_fallback_is_a_site_setting(kb, today):
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=600, unit="ng/L").condition(MYOCARDITIS, onset=-2)
    assert _explain(kb, chart)["status"] == "not-evaluable"
    card = _card(with_params(kb, "definitions", troponin_i_fallback_uln_ng_l=500), chart)
    assert card is not None and "judged against 500 ng/L" in card["detail"]


def test_r19_a_lab_range_or_flag_still_decides_before_the_fallback(kb, today):
    """5000 ng/L against the lab's own ULN of 10,000, or flagged normal: not raised, whatever the fallback says."""
    for fields in ({"high": 10000}, {"interpretation": "N"}):
        chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=5000, unit="ng/L", **fields)
        entry = _explain(kb, chart.condition(MYOCARDITIS, onset=-2))
        assert (entry["status"], entry["reason"]) == ("not-fired", "no severe feature in the window")


def test_a_troponin_flagged_normal_or_still_pending_rules_nothing_in(kb, today):
    normal = severe_chart(today).observation(TROPONIN_I_HS, -2, value=10, unit="ng/L", interpretation="N")
    pending = severe_chart(today).observation(TROPONIN_I_HS, -2)
    pending.resources["observations"][-1]["status"] = "registered"
    for chart in (normal, pending):
        entry = _explain(kb, chart.condition(MYOCARDITIS, onset=-2))
        assert (entry["status"], entry["reason"]) == ("not-fired", "no severe feature in the window")


def test_a_troponin_not_judged_is_named_beside_a_severe_feature(kb, today):
    chart = _dysphagic(today).observation(TROPONIN_I_HS, -2, value=60, unit="ng/L").condition(MYOCARDITIS, onset=-2)
    entry = _explain(kb, chart)
    assert entry["status"] == "fired" and "cardiac involvement not excluded" in entry["facts"]["unreadable"]


@pytest.mark.parametrize("long_standing", [
    lambda chart: chart.lab(CREATININE, 4.4, "mg/dL", day=-120, high=1.1),  # the same level months before
    lambda chart: chart.condition((ICD10, "N18.4", "Chronic kidney disease, stage 4"), onset=-2000),
], ids=["an older creatinine at the same level", "chronic kidney disease on the problem list"])
def test_r19_a_high_creatinine_that_may_be_the_patients_usual_one_is_no_acute_injury(kb, today, long_standing):
    """Creatinine 4.5 mg/dL with rhabdomyolysis and no creatinine in the 90 days before it: with 4.4 mg/dL 120 days
    ago, or stage 4 CKD on the problem list, the no-baseline route (>= 4.0 mg/dL) gave a false critical "rhabdomyolysis
    with AKI" card (found by review). It may be the patient's usual creatinine: no AKI is called, and R19 says it
    could not judge one."""
    chart = long_standing(severe_chart(today).condition(RHABDO, onset=-4))
    chart.lab(CREATININE, 4.5, "mg/dL", day=-2, high=1.1)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "AKI" not in (entry.get("facts", {}).get("features") or "")


def test_r19_a_no_baseline_injury_is_past_once_the_creatinine_falls_by_the_ratio(kb, today):
    """4.5 mg/dL ten days ago, 1.0 mg/dL (no range) two days ago: the injury was still called current ("do not start
    methotrexate while there is acute kidney injury"): with no range to read the newer one by, a fall by the KDIGO
    ratio from the injury says it is past."""
    chart = severe_chart(today).condition(RHABDO, onset=-4).lab(CREATININE, 4.5, "mg/dL", day=-10, high=1.1)
    chart.lab(CREATININE, 1.0, "mg/dL", day=-2)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "while there is acute kidney injury" not in " ".join(card["detail"].split())


def test_r19_not_evaluable_is_said_without_explain_at_patient_view(kb, today):
    """Troponin I 60 ng/L with no range beside myocarditis: R19 is not evaluable ("cardiac involvement not
    excluded"), and at patient-view nothing said so without ?explain (found by review). A rule whose card can be
    critical says it was not evaluated in the response's warnings."""
    chart = severe_chart(today).observation(TROPONIN_I_HS, -2, value=60, unit="ng/L")
    chart.condition(MYOCARDITIS, onset=-2)
    result = run(kb, chart.request("patient-view"), today)
    assert explained(result, RULE)["status"] == "not-evaluable"
    assert any(w.startswith("R19 (") and "was not evaluated" in w for w in result.warnings)


# ---- severity values sent as text, and the newest result deciding (clinician review)

@pytest.mark.parametrize(("code", "written", "read"), [
    (FVC, "45%", "FVC 45% predicted"),
    (FVC, "45 %", "FVC 45% predicted"),
    (FVC, "<50 %", "FVC <50% predicted"),  # a bound below the limit settles it
    ("NIF", "-20 cmH2O", "NIF -20 cmH2O"),
    ("NIF", "\u221220 cmH2O", "NIF -20 cmH2O"),  # a typographic minus
    ("NIF", "20 cmH2O", "NIF -20 cmH2O"),  # the magnitude only, as a quantity is read
    ("MMT-8", "62/150", "MMT-8 62/150"),
    ("MMT-8", "40/80", "MMT-8 40/80, about 75/150"),
])
def test_r19_a_severity_value_sent_as_text_is_read(kb, today, code, written, read):
    """FVC '45%', NIF '-20 cmH2O' and MMT-8 '62/150' sent as text each gave "no severe feature" and no card (found
    by clinician review): they are read as the lab writes them."""
    entry = _explain(kb, severe_chart(today, srp=False).observation(code, -1, value_string=written))
    assert entry["status"] == "fired" and read in entry["facts"]["severity_features"]


@pytest.mark.parametrize(("code", "written"), [
    (FVC, "85 %"), ("NIF", "-45 cmH2O"), ("MMT-8", "120/150"), ("MMT-8", "76/80")])
def test_r19_a_value_sent_as_text_that_is_not_severe_is_quiet(kb, today, code, written):
    entry = _explain(kb, severe_chart(today, srp=False).observation(code, -1, value_string=written))
    assert (entry["status"], entry["reason"]) == ("not-fired", "no severe feature in the window")


@pytest.mark.parametrize(("code", "older", "newer"), [
    (FVC, {"value": 85, "unit": "%"}, "45%"),
    ("NIF", {"value": -50, "unit": "cm[H2O]"}, "-20 cmH2O"),
    ("MMT-8", {"value": 130, "unit": "{score}"}, "62/150"),
])
def test_r19_the_newest_result_decides_even_when_sent_as_text(kb, today, code, older, newer):
    """A numeric FVC of 85% from 12 days before decided over yesterday's '45%' (found by clinician review)."""
    chart = severe_chart(today, srp=False).observation(code, -12, **older).observation(code, -1, value_string=newer)
    assert _explain(kb, chart)["status"] == "fired"


@pytest.mark.parametrize(("code", "older", "newer", "named"), [
    (FVC, {"value": 45, "unit": "%"}, "45 % predicted", "FVC '45 % predicted'"),
    (FVC, {"value": 45, "unit": "%"}, ">50 %", "FVC '>50 %'"),  # a bound that does not settle it
    ("NIF", {"value": -20, "unit": "cm[H2O]"}, "-20", "NIF '-20'"),  # no unit
    ("NIF", {"value": -20, "unit": "cm[H2O]"}, "<-20 cmH2O", "NIF '<-20 cmH2O'"),
    ("MMT-8", {"value": 60, "unit": "{score}"}, "62", "MMT-8 '62'"),  # a bare number: no scale
    ("MMT-8", {"value": 60, "unit": "{score}"}, "90/80", "MMT-8 '90/80'"),
])
def test_r19_a_newest_result_that_cannot_be_read_is_named_not_replaced_by_an_older_one(kb, today, code, older,
                                                                                        newer, named):
    """The newest result decides: one that cannot be read is named and the rule is not evaluable; an older result
    never stands in for it, severe or not (it may no longer be the patient's)."""
    chart = severe_chart(today, srp=False).observation(code, -12, **older).observation(code, -1, value_string=newer)
    entry = _explain(kb, chart)
    assert entry["status"] == "not-evaluable" and named in entry["reason"]


def test_r19_an_mmt8_beyond_its_scale_is_not_read(kb, today):
    """790 (a slip for 79) was read as strength above normal, hiding severe weakness."""
    entry = _explain(kb, severe_chart(today).observation("MMT-8", -2, value=790, unit="{score}"))
    assert entry["status"] == "not-evaluable" and "MMT-8 790" in entry["reason"]


# ---- the oral glucocorticoid on the chart beside the pulses (clinician review)

def _treatment(card) -> dict:
    return card["suggestions"][0]


def test_r19_the_prednisone_after_the_pulses_replaces_the_one_on_the_chart(kb, today):
    """Prednisone 60 mg on the chart and R19's prednisone 70 mg after the pulses: the card never stopped the 60 mg,
    so the patient would take 130 mg a day from day 4 (found by clinician review). The card names it, and the
    suggestion discontinues it."""
    chart = _dysphagic(today)
    on_chart = f"MedicationRequest/{chart.resources['medications'][-1]['id']}"
    card = _card(kb, chart)
    assert deleted(_treatment(card)) == [on_chart]
    assert ("It replaces, not adds to, the oral glucocorticoid on the chart: prednisone 20 MG Oral Tablet, 60 mg "
            "once a day**: the suggested order discontinues it") in card["detail"]
    assert _doses(card)["prednisone 5 MG Oral Tablet"] == 70


def test_r19_a_prednisone_on_the_chart_at_the_dose_after_the_pulses_is_kept(kb, today):
    chart = severe_chart(today).condition(DYSPHAGIA, onset=-3)
    chart.resources["medications"][-1]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] = 70
    card = _card(kb, chart)
    assert deleted(_treatment(card)) == []
    assert "prednisone 5 MG Oral Tablet" not in _doses(card) and "prednisone 20 MG Oral Tablet" not in _doses(card)
    assert "60 mg" not in card["detail"] and "already the dose after the pulses: keep it** (no new order" in \
        card["detail"]


def test_r19_adrenal_replacement_on_the_chart_is_kept_and_named(kb, today):
    chart = _dysphagic(today).medication("hydrocortisone 10 MG Oral Tablet", 20, "mg", start=-400)
    card = _card(kb, chart)
    assert len(deleted(_treatment(card))) == 1  # the prednisone only
    assert "hydrocortisone 10 MG Oral Tablet, 20 mg once a day: adrenal replacement: keep it**" in card["detail"]


def test_r19_a_chart_prednisone_with_no_id_to_act_on_is_to_be_stopped_by_hand(kb, today):
    chart = _dysphagic(today)
    chart.resources["medications"][-1]["id"] = "no id here"
    card = _card(kb, chart)
    assert deleted(_treatment(card)) == []
    assert "discontinue prednisone 20 MG Oral Tablet by hand (no id the card can act on)" in card["detail"]


def test_r19_with_no_weight_the_chart_prednisone_is_named_and_left_to_the_prescriber(kb, today):
    card = _card(kb, severe_chart(today, weight=None).condition(DYSPHAGIA, onset=-3))
    assert deleted(_treatment(card)) == []
    assert "discontinue prednisone 20 MG Oral Tablet by hand when the prednisone is ordered" in card["detail"]


def test_r19_the_oral_step_is_by_mouth_only_when_the_swallow_is_not_at_risk(kb, today):
    """With dysphagia the card advises nil by mouth until a swallow assessment, yet gave the prednisone 'by mouth'
    (found by clinician review): it is given once swallowing is safe, or via NG tube or as the IV equivalent."""
    swallowing = _card(kb, _dysphagic(today))
    breathing = _card(kb, severe_chart(today).observation(FVC, -1, value=45, unit="%"))
    for card, at_risk in ((swallowing, True), (breathing, False)):
        oral = _treatment(card)["actions"][1]["resource"]
        text = oral["dosageInstruction"][0]["text"]
        assert ("once swallowing is safe (or via NG tube / IV equivalent)" in text) is at_risk
        assert ("once swallowing is safe" in card["detail"]) is at_risk
        assert oral["dosageInstruction"][0]["route"]["coding"][0]["code"] == "26643006"  # a valid oral order still


# ---------------------------------------------------------------- the HBV screen before its rituximab (anti-SRP)

def _hbv_screen(card):
    return next((s for s in card["suggestions"] if s["label"].startswith("HBV screen")), None)


def test_r19_anti_srp_with_no_hbv_status_preselects_the_screen_drawn_before_ivig(kb, today):
    """"Give rituximab early (after HBV screening, see R26)", but R26 runs only when rituximab is signed, and nothing
    in patient-view ordered the screen (clinician review). HBsAg and anti-HBc are now pre-selected on this card, drawn
    before IVIG (which can make them read positive); the urgent treatment stays first and waits for nothing."""
    card = _card(kb, _dysphagic(today))
    screen = _hbv_screen(card)
    assert screen["isRecommended"] and screen is card["suggestions"][-1]
    assert [a["resource"]["code"]["coding"][0]["code"] for a in screen["actions"]] == ["5196-1", "16933-4"]
    for action in screen["actions"]:
        assert action["resource"]["priority"] == "urgent"
        assert "Draw before the first IVIG infusion" in action["resource"]["note"][0]["text"]
    assert _treatment(card)["actions"][0]["description"] == "Methylprednisolone 1,000 mg IV daily x3"
    assert ("give rituximab early** once the HBV screen is back (see R26): no HBsAg within 365 days; no anti-HBc on "
            "file. **Order HBsAg and anti-HBc now and draw them before the first IVIG infusion**") in card["detail"]
    assert "The pulse and IVIG do not wait for the results." in card["detail"]


def test_r19_a_screen_on_file_or_awaited_is_not_ordered_again(kb, today):
    card = _card(kb, _dysphagic(today).hbv_markers("NEG", "NEG", day=-20))
    assert _hbv_screen(card) is None and "give rituximab early** (after HBV screening, see R26)." in card["detail"]
    chart = _dysphagic(today).observation(ANTI_HBC, -2)
    chart.resources["observations"][-1]["status"] = "registered"  # sent, not yet resulted
    card = _card(kb, chart)
    assert [a["description"] for a in _hbv_screen(card)["actions"]] == ["HBsAg"]
    assert f"no HBsAg within 365 days; anti-HBc pending since {chart.at(-2)}. **Order HBsAg now" in card["detail"]
    assert _explain(kb, chart)["facts"]["hbv_screen_missing"] == (
        f"no HBsAg within 365 days; anti-HBc pending since {chart.at(-2)}")


def test_r19_no_rituximab_in_the_plan_no_hbv_screen(kb, today):
    card = _card(kb, _dysphagic(today, srp=False))
    assert _hbv_screen(card) is None and "HBV" not in card["detail"]


# ---------------------------------------------------------------- a positive HBV marker before its rituximab

def _hbv_follow_up(card):
    return next((s for s in card["suggestions"] if s["label"].startswith("HBV follow-up")), None)


@pytest.mark.parametrize("hbsag", ["POS", "NEG"], ids=["hbsag positive", "anti-hbc alone"])
def test_r19_a_positive_hbv_screen_puts_hbv_dna_hepatology_and_prophylaxis_before_rituximab(kb, today, hbsag):
    """Review 424: with the screen already positive the card said "give rituximab early (after HBV screening, see
    R26)". It says what R26 will ask for when rituximab is signed (HBV DNA, hepatology, antiviral prophylaxis from
    before the first dose), and pre-selects the HBV DNA R26 would order; the screen is not ordered again, and the
    urgent treatment waits for none of it."""
    chart = _dysphagic(today).hbv_markers(hbsag, "POS", day=-20)
    card = _card(kb, chart)
    assert "after HBV screening" not in card["detail"]
    assert ("give rituximab early** once hepatitis B is covered (see R26): **hepatitis B marker positive: "
            + ("HBsAg positive" if hbsag == "POS" else "anti-HBc positive")) in card["detail"]
    assert ("No HBV DNA within 365 days and no antiviral (entecavir or tenofovir) is active or ordered. **Check HBV "
            "DNA, refer to hepatology and start antiviral prophylaxis before the first dose**") in card["detail"]
    follow_up = _hbv_follow_up(card)
    assert follow_up["isRecommended"] and _hbv_screen(card) is None
    assert [a["resource"]["code"]["coding"][0]["code"] for a in follow_up["actions"]] == ["42595-9"]
    assert follow_up["label"] == "HBV follow-up before rituximab: HBV DNA"
    assert _treatment(card)["actions"][0]["description"] == "Methylprednisolone 1,000 mg IV daily x3"
    assert _explain(kb, chart)["facts"]["positive_markers"].startswith("HBsAg positive" if hbsag == "POS"
                                                                         else "anti-HBc positive")


def test_r19_a_recent_hbv_dna_is_not_ordered_again_and_an_antiviral_in_place_is_kept(kb, today):
    hbsag_positive = _dysphagic(today).hbv_markers("POS", "POS", day=-20).observation(HBV_DNA, -10,
                                                                                      interpretation="ND")
    card = _card(kb, hbsag_positive)
    assert _hbv_follow_up(card) is None
    assert ("needs antiviral prophylaxis before anti-CD20 therapy whatever the HBV DNA, and no antiviral (entecavir or "
            "tenofovir) is active or ordered. **Refer to hepatology and start antiviral prophylaxis") in card["detail"]
    covered = _dysphagic(today).hbv_markers("NEG", "POS", day=-20).medication(ENTECAVIR, 0.5, "mg", start=-30)
    card = _card(kb, covered)
    assert _hbv_follow_up(card) is None
    assert (f"give rituximab early** (see R26): **hepatitis B marker positive: anti-HBc positive ({ANTI_HBC[2]} "
            f"positive on {covered.at(-20)}).** HBV antiviral: {ENTECAVIR}. Keep it from before the first dose") \
        in card["detail"]
    assert "do not wait" not in card["detail"]


def test_r19_a_positive_marker_with_the_screen_incomplete_says_and_orders_both(kb, today):
    chart = _dysphagic(today).hbv_markers("NEG", "POS", day=-400)  # anti-HBc positive, HBsAg too old
    card = _card(kb, chart)
    assert [a["description"] for a in _hbv_screen(card)["actions"]] == ["HBsAg"]
    assert [a["description"] for a in _hbv_follow_up(card)["actions"]] == ["HBV DNA"]
    assert (f"The screen is incomplete too: no HBsAg within 365 days (last negative on {chart.at(-400)}). **Order "
            "HBsAg now and draw it before the first IVIG infusion**") in card["detail"]


def test_r19_an_anti_hbc_drawn_after_ivig_may_be_the_ivigs(kb, today):
    """IVIG passes donors' anti-HBc on: R19 says so of a positive anti-HBc drawn after an earlier IVIG (as it asks for
    the screen to be drawn before the IVIG it starts), and still asks for the follow-up."""
    chart = _dysphagic(today).ivig_cycles((-60, 0.4, 5)).hbv_markers("NEG", "POS", day=-40)
    card = _card(kb, chart)
    assert (f"The anti-HBc positive on {chart.at(-40)} was drawn 16 days after IVIG (immune globulin, intravenous, "
            f"last given {chart.at(-56)})") in card["detail"]
    assert _hbv_follow_up(card)["isRecommended"]
    assert _explain(kb, chart)["facts"]["anti_hbc_after_ivig"].startswith("The anti-HBc positive")
