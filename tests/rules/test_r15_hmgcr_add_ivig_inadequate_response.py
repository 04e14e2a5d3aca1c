"""R15 hmgcr-add-ivig-inadequate-response: the computed IVIG dose, its weight basis, and the gates."""

from __future__ import annotations

import pytest

import fhir_fixtures
from fhir_fixtures.builders import ANTI_SRP, CK, EGFR, IVIG_CVX, LOINC, PREDNISONE_20, ROUTE_IV, Chart
from fhir_fixtures.r15_hmgcr_add_ivig_inadequate_response import (
    hmgcr_after_a_response,
    hmgcr_on_maintenance_ivig,
    hmgcr_on_two_agents,
)
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA, FVC
from tests.conftest import explained, fired, run

RULE = "hmgcr-add-ivig-inadequate-response"
SEVERE = "imnm-severe-disease-urgent"
RELAPSE = "imnm-possible-relapse-on-taper"
BMI = (LOINC, "39156-5", "Body mass index (BMI) [Ratio]")
IGA = (LOINC, "2458-8", "Immunoglobulin A")


def _with_weight(today, kg, cm=None, weight_day=-5, **kwargs) -> Chart:
    chart = hmgcr_on_two_agents(today, **kwargs).without_observations("29463-7", "8302-2")
    if kg is not None:
        chart.weight(kg, day=weight_day)
    if cm is not None:
        chart.height(cm, day=-60)
    return chart


def _ivig_order(card):
    actions = card["suggestions"][0]["actions"]
    return next((a["resource"] for a in actions if a["resource"]["resourceType"] == "MedicationRequest"), None)


def test_dose_on_actual_weight_as_a_cyclic_order(kb, today):
    result = run(kb, _with_weight(today, 75, 172).request("patient-view"), today)
    card = fired(result)[RULE]
    order = _ivig_order(card)
    dosage = order["dosageInstruction"][0]
    assert order["medicationCodeableConcept"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/cvx", "code": "87", "display": "immune globulin, intravenous"}
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 75
    assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "g"
    repeat = dosage["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"], repeat["duration"], repeat["durationUnit"]) == (4, "wk", 2, "d")
    assert repeat["boundsDuration"]["value"] == 84  # 3 cycles, then reassess
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 150
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    assert "150 g per cycle" in card["detail"] and "75 g a day for 2 days" in card["detail"]
    assert "Confirm with a strength examination (MMT-8)" in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_cycle_g"] == 150 and facts["ivig_daily_g"] == 75
    assert "BMI 25.4" in facts["ivig_dosing_weight"]


def test_obesity_uses_adjusted_body_weight(kb, today):
    # male 170 cm: IBW 65.9 kg; ABW = 65.9 + 0.4 x (120 - 65.9) = 87.6 kg -> 175.2 g -> 175 g
    card = fired(run(kb, _with_weight(today, 120, 170).request("patient-view"), today))[RULE]
    dosage = _ivig_order(card)["dosageInstruction"][0]
    assert dosage["maxDosePerPeriod"]["numerator"]["value"] == 175
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 87.5
    assert "adjusted body weight 87.6 kg" in card["detail"]


def test_no_current_weight_gives_no_dose(kb, today):
    result = run(kb, _with_weight(today, 75, 172, weight_day=-31).request("patient-view"), today)
    card = fired(result)[RULE]
    assert _ivig_order(card) is None
    assert "could not be computed" in card["detail"] and "too old" in card["detail"]
    assert "2 g/kg" in card["detail"]
    assert explained(result, RULE)["facts"]["ivig_cycle_g"] is None


def test_weight_30_days_old_is_still_current(kb, today):
    card = fired(run(kb, _with_weight(today, 75, 172, weight_day=-30).request("patient-view"), today))[RULE]
    assert _ivig_order(card) is not None


def test_no_height_and_no_bmi_gives_no_dose(kb, today):
    card = fired(run(kb, _with_weight(today, 75).request("patient-view"), today))[RULE]
    assert _ivig_order(card) is None and "no current height" in card["detail"]


def test_recent_bmi_under_30_allows_actual_weight_without_height(kb, today):
    chart = _with_weight(today, 80).lab(BMI, 27, "kg/m2", day=-3)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert _ivig_order(card)["dosageInstruction"][0]["maxDosePerPeriod"]["numerator"]["value"] == 160


def test_iga_is_asked_for_once(kb, today):
    card = fired(run(kb, hmgcr_on_two_agents(today).request("patient-view"), today))[RULE]
    codes = [a["resource"]["code"].get("coding", [{}])[0].get("code") for a in card["suggestions"][0]["actions"]
             if a["resource"]["resourceType"] == "ServiceRequest"]
    assert "2458-8" in codes
    chart = hmgcr_on_two_agents(today).lab(IGA, 2.1, "g/L", day=-300)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert all("2458-8" not in str(a["resource"]) for a in card["suggestions"][0]["actions"])


def test_stale_ck_is_not_evaluable_and_asks_for_a_current_one(kb, today):
    result = run(kb, hmgcr_on_two_agents(today, ck_day=-31).request("patient-view"), today)
    entry = explained(result, RULE)
    assert entry["status"] == "not-evaluable" and "a current CK is needed" in entry["reason"]


def test_ck_30_days_old_is_used(kb, today):
    assert RULE in fired(run(kb, hmgcr_on_two_agents(today, ck_day=-30).request("patient-view"), today))


def test_less_than_half_fall_from_peak_is_inadequate(kb, today):
    chart = hmgcr_on_two_agents(today, latest_ck=550, peak_ck=1000)  # below 3 x ULN, but only a 45% fall
    result = run(kb, chart.request("patient-view"), today)
    assert RULE in fired(result)
    assert "fallen only 45%" in explained(result, RULE)["facts"]["response"]


def test_exactly_half_fall_is_adequate(kb, today):
    chart = hmgcr_on_two_agents(today, latest_ck=500, peak_ck=1000)
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_active_ivig_order_keeps_it_quiet(kb, today):
    chart = hmgcr_on_two_agents(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-100, period=4, period_unit="wk", route=ROUTE_IV)
    result = run(kb, chart.request("patient-view"), today)
    assert RULE not in fired(result) and "IVIG given within" in explained(result, RULE)["reason"]


def test_maintenance_ivig_between_cycles_is_ivig_already_in_use(kb, today):
    """IVIG every 12 weeks, one completed order per cycle, the last 70 days ago: R15 read 'no IVIG in the last 60
    days' and offered IVIG the patient was receiving. The next cycle is due in 14 days: IVIG is in use."""
    result = run(kb, hmgcr_on_maintenance_ivig(today, -70).request("patient-view"), today)
    assert RULE not in fired(result)
    entry = explained(result, RULE)
    assert entry["status"] == "not-fired"
    assert entry["reason"] == ("IVIG already in use: a cycle every 84 days, the last on 2026-09-12: the next is due "
                               "2026-12-05 (overdue after 2026-12-12)")
    assert entry["facts"]["last_ivig"] == "2026-09-13"


@pytest.mark.parametrize(("last_cycle", "fires"), [(-91, False), (-92, True)])
def test_maintenance_ivig_overdue_by_more_than_the_grace_has_stopped(kb, today, last_cycle, fires):
    """The next 12-weekly cycle 7 days overdue is late (in use); 8 days overdue, IVIG has stopped: add IVIG."""
    result = run(kb, hmgcr_on_maintenance_ivig(today, last_cycle).request("patient-view"), today)
    assert (RULE in fired(result)) is fires


def test_maintenance_ivig_as_the_second_agent_is_combination_therapy_between_cycles(kb, today):
    """Prednisone plus IVIG every 12 weeks (no other agent), the last cycle 70 days ago: the combination read 0 days
    between cycles (each order covered 4 weeks), so R15 gave the wrong reason to stay quiet. It runs from the
    course's first cycle, and R15 is quiet because IVIG is in use."""
    entry = explained(run(kb, hmgcr_on_maintenance_ivig(today, -70, mtx_start=None).request("patient-view"), today),
                      RULE)
    assert entry["facts"]["gc_plus_steroid_sparing"] == (
        "323 days since 2026-01-03 (agents: immune globulin, intravenous)")
    assert entry["reason"].startswith("IVIG already in use: a cycle every 84 days")


def test_dual_positive_fires_with_a_note(kb, today):
    card = fired(run(kb, hmgcr_on_two_agents(today, srp="positive").request("patient-view"), today))[RULE]
    assert "Anti-SRP is also positive" in card["detail"] and len(card["summary"]) < 140


def test_anti_srp_never_resulted_still_fires_and_asks_for_it(kb, today):
    """Anti-HMGCR positive, anti-SRP never resulted: HMGCR or DUAL, and both are R15's row, but R15 was quiet
    ("subtype UNKNOWN, not HMGCR or DUAL"; audit)."""
    result = run(kb, hmgcr_on_two_agents(today, srp=None).request("patient-view"), today)
    card = fired(result)[RULE]
    assert "Anti-HMGCR positive; anti-SRP never resulted." in card["detail"]
    assert ("**What anti-SRP shows is not known: R03 asks for the missing result.** IVIG is advised whatever it shows"
            in card["detail"])
    assert "Anti-SRP is also positive" not in card["detail"]
    facts = explained(result, RULE)["facts"]
    assert facts["subtype"] == "UNKNOWN" and facts["antibodies_never_resulted"] == "anti-SRP"


def test_an_equivocal_anti_srp_is_quoted_and_repeated_not_called_never_resulted(kb, today):
    """Review: anti-SRP resulted 'Equivocal' was "never resulted: order it" on the card."""
    chart = hmgcr_on_two_agents(today, srp=None).observation(ANTI_SRP, -220, value_string="Equivocal")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert (f"Anti-HMGCR positive; anti-SRP resulted neither positive nor negative ('Equivocal' on {chart.at(-220)})."
            in card["detail"])
    assert ("**What anti-SRP shows is not known: repeat anti-SRP by another method or at a reference lab, or ask the "
            "lab how to read the result.**") in card["detail"]
    assert "never resulted" not in card["detail"]


def test_iga_deficiency_and_a_low_egfr_are_said_and_the_ivig_order_is_not_pre_selected(kb, today):
    """Review: IgA 4 mg/dL (flagged low) and eGFR 25 got "IgA once (on file: <date>)" and a pre-selected 150 g IVIG
    order, which R27 then stopped at signing. Read as R27 reads them, both are said before the order, unselected."""
    chart = hmgcr_on_two_agents(today).lab(IGA, 4, "mg/dL", day=-100, low=70, high=400, interpretation="L")
    chart.lab(EGFR, 25, "mL/min/{1.73_m2}", day=-10)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result)[RULE]
    assert (f"**Before ordering IVIG:** IgA low: IgA 4 mg/dL flagged L on {chart.at(-100)} (below 7 mg/dL: severe "
            "IgA deficiency). With anti-IgA antibodies most IVIG products are contraindicated") in card["detail"]
    assert (f"eGFR 25 on {chart.at(-10)} is below 60: risk of IVIG-related acute kidney injury" in card["detail"]
            and "The IVIG order is not pre-selected." in card["detail"])
    main = card["suggestions"][0]
    assert main["isRecommended"] is False and _ivig_order(card) is not None
    assert main["label"].endswith(": first check IgA deficiency and renal function")
    facts = explained(result, RULE)["facts"]
    assert facts["iga"] == f"IgA 4 mg/dL flagged L on {chart.at(-100)}: below 7 mg/dL: severe IgA deficiency"
    assert facts["egfr"].startswith("eGFR 25 on")


@pytest.mark.parametrize(("egfr", "pre_selected"), [(25, False), (75, True)])
def test_a_low_egfr_alone_leaves_the_order_unselected(kb, today, egfr, pre_selected):
    chart = hmgcr_on_two_agents(today).lab(IGA, 2.1, "g/L", day=-300).lab(EGFR, egfr, "mL/min/{1.73_m2}", day=-10)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["suggestions"][0]["isRecommended"] is pre_selected
    assert ("renal function" in card["suggestions"][0]["label"]) is not pre_selected
    assert "IgA deficiency" not in card["suggestions"][0]["label"]


def test_the_iga_on_file_is_quoted_with_its_value(kb, today):
    """Review: "IgA once (on file: <date>)" gave no value."""
    chart = hmgcr_on_two_agents(today).lab(IGA, 2.1, "g/L", day=-300)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert f"IgA once\n(on file: IgA 2.1 g/L on {chart.at(-300)})" in card["detail"]
    assert card["suggestions"][0]["isRecommended"] is True and "Before ordering IVIG" not in card["detail"]


def test_anti_hmgcr_never_resulted_is_not_evaluable_unless_another_gate_is_quiet(kb, today):
    """Anti-HMGCR never resulted (anti-SRP negative): HMGCR or SERONEG, so its result decides the row. Not
    evaluable, naming it, once the other gates before the CK pass; a row quiet for a known reason stays quiet."""
    entry = explained(run(kb, hmgcr_on_two_agents(today, hmgcr=None).request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable"
    assert entry["reason"].startswith("anti-HMGCR never resulted: the subtype may be HMGCR or SERONEG")
    early = explained(run(kb, hmgcr_on_two_agents(today, hmgcr=None, ttx=-100, mtx_start=-95)
                          .request("patient-view"), today), RULE)
    assert early["status"] == "not-fired" and early["reason"].startswith("T_tx 100 days ago")
    negative = explained(run(kb, hmgcr_on_two_agents(today, hmgcr="negative", srp=None).request("patient-view"),
                             today), RULE)
    assert negative["status"] == "not-fired"
    assert negative["reason"] == ("subtype SRP or SERONEG (anti-HMGCR negative, anti-SRP never resulted), not HMGCR "
                                  "or DUAL")


def test_unavailable_immunizations_hide_ivig_given_so_the_rule_is_not_evaluable(kb, today):
    """Some EHRs record IVIG as an Immunization (CVX 87): without them R15 would offer IVIG already given."""
    chart = hmgcr_on_two_agents(today).immunization(IVIG_CVX, day=-20)
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))
    request = chart.request("patient-view")
    del request["prefetch"]["immunizations"]
    entry = explained(run(kb, request, today, unavailable=["immunizations"]), RULE)
    assert entry["status"] == "not-evaluable" and "immunizations" in entry["reason"]


def test_without_a_pre_treatment_peak_a_ck_under_3_x_uln_is_not_judged_adequate(kb, today):
    """CK 550 (ULN 200): adequate after a peak of 8,000 (a 93% fall), inadequate after 1,000, unknown after none."""
    assert RULE not in fired(run(kb, hmgcr_on_two_agents(today, latest_ck=550).request("patient-view"), today))
    assert RULE in fired(run(kb, hmgcr_on_two_agents(today, latest_ck=550, peak_ck=1000).request("patient-view"),
                             today))
    chart = hmgcr_on_two_agents(today, latest_ck=550)
    chart.resources["observations"] = [o for o in chart.resources["observations"]
                                       if o.get("valueQuantity", {}).get("value") != 8000]
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "no peak CK" in entry["reason"]


def test_an_earlier_course_that_may_be_t_tx_makes_the_month_6_checkpoint_unknown(kb, today):
    """Prednisone 25 mg/day for a month before the 60 mg course, and no weight on file: treatment may have begun
    a month earlier than the 60 mg course says, so the time since T_tx is not guessed."""
    chart = _with_weight(today, None, ttx=-179).medication(PREDNISONE_20, 25, "mg", start=-209, end=-180,
                                                              status="completed")
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and entry["reason"].startswith("T_tx unknown: ")


def test_the_cycle_is_rounded_down_to_whole_bottles_never_above_2_g_per_kg(kb, today):
    """At 71.3 kg, 2 g/kg is 142.6 g: rounding half up suggested 145 g (2.03 g/kg); it is now 140 g."""
    result = run(kb, _with_weight(today, 71.3, 172).request("patient-view"), today)
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_cycle_g"] == 140 and facts["ivig_daily_g"] == 70
    assert "rounded down to 5 g" in fired(result)[RULE]["detail"]


def test_a_ck_above_the_analysers_range_is_read_and_shown_as_written(kb, today):
    """'>20,000 U/L' was not read: the newest CK held the row back. It is above 3 x ULN, and shown as the bound."""
    chart = hmgcr_on_two_agents(today).observation(CK, -1, value_string=">20,000 U/L")
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "inadequate response" in card["summary"] and "(CK >20,000 U/L)" in card["summary"]


def test_a_ck_below_a_bound_that_may_be_above_3_x_uln_is_no_adequate_response(kb, today):
    """'<1,000 U/L' is a fall of more than half from 8,000, but may be 900, above 3 x the ULN of 200: the row said
    'adequate CK response'."""
    chart = hmgcr_on_two_agents(today).observation(CK, -1, value=1000, comparator="<", unit="U/L", high=200)
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-evaluable" and "whether it is above 3 x ULN cannot be told" in entry["reason"]


def test_r15_a_normal_latest_ck_is_no_inadequate_response(kb, today):
    """Peak 380, latest 195 U/L (ULN 200): a 49% fall, so R15 said "consider adding IVIG" to a patient whose CK is
    normal. A normal CK is the aim; it is an adequate response."""
    entry = explained(run(kb, hmgcr_on_two_agents(today, peak_ck=380, latest_ck=195).request("patient-view"), today),
                      RULE)
    assert entry["status"] == "not-fired" and entry["reason"].endswith("is within the normal range")


def _ivig_orders(card) -> list[dict]:
    """The IVIG orders (CVX 87) a card's suggestions create."""
    return [a["resource"] for suggestion in card.get("suggestions", []) for a in suggestion["actions"]
            if (a.get("resource") or {}).get("resourceType") == "MedicationRequest"
            and any(c.get("code") == "87" for c in a["resource"]["medicationCodeableConcept"].get("coding", []))]


def test_r19s_severe_card_gives_the_ivig_and_r15_offers_no_second_course(kb, today):
    """Review (item 6): month 7, CK 2,500 and a new dysphagia: R19 pre-selected IVIG 30 g x5 days and R15 75 g x2
    days every 4 weeks, 300 g (4 g/kg) in the first week. R15 now says R19's card starts IVIG and orders none."""
    result = run(kb, hmgcr_on_two_agents(today).condition(DYSPHAGIA, onset=-3).request("patient-view"), today)
    cards = fired(result)
    assert len(_ivig_orders(cards[SEVERE])) == 1 and _ivig_orders(cards[RULE]) == []
    card = cards[RULE]
    assert card["summary"].endswith("(CK 2,500 U/L): IVIG now on the severe-IMNM card (R19)")
    assert ("**The severe-IMNM card (R19) starts IVIG now** (severe disease): no IVIG order is offered here, so that a "
            "second course is not given beside it. Count it as the first cycle and plan the next 4 weeks after it."
            ) in card["detail"]
    assert "CK has not responded: latest CK 2,500 U/L" in card["detail"]  # its reasoning still shows
    labs = card["suggestions"][0]
    assert labs["label"] == "Before the IVIG the severe-IMNM card (R19) starts: BMP, CBC, IgA" and labs["isRecommended"]
    assert [a["description"] for a in labs["actions"]] == [
        "Basic metabolic panel before each cycle", "CBC before each cycle", "Serum IgA (once, before the first IVIG)"]
    facts = explained(result, RULE)["facts"]
    assert facts["ivig_on_severe_card"] is True and facts["ivig_cycle_g"] is None


def test_beside_r19s_card_the_cautions_stay_but_no_order_is_said_to_be_unselected(kb, today):
    chart = hmgcr_on_two_agents(today).condition(DYSPHAGIA, onset=-3).lab(EGFR, 25, "mL/min/{1.73_m2}", day=-10)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert f"**Before ordering IVIG:** eGFR 25 on {chart.at(-10)} is below 60" in card["detail"]
    assert "not pre-selected" not in card["detail"] and _ivig_orders(card) == []


def test_r15_keeps_its_ivig_when_r19_is_not_evaluable(kb, today):
    """An FVC in litres cannot be read as % predicted: R19 is not evaluable and shows no card, so R15's IVIG is not
    left to it (a course is never dropped for a card that does not show)."""
    chart = hmgcr_on_two_agents(today).observation(FVC, -1, value=2.1, unit="L")
    result = run(kb, chart.request("patient-view"), today)
    assert explained(result, SEVERE)["status"] == "not-evaluable"
    card = fired(result)[RULE]
    assert len(_ivig_orders(card)) == 1 and explained(result, RULE)["facts"]["ivig_on_severe_card"] is False


PATIENT_VIEW = sorted(name for name, f in fhir_fixtures.all_fixtures().items() if f.hook == "patient-view")


@pytest.mark.parametrize("name", PATIENT_VIEW)
def test_r15_leaves_the_ivig_to_r19_exactly_when_r19s_card_shows(kb, today, name):
    """Over every patient-view fixture: R15 reads R19's decision (severe_disease.card_shows), so that one IVIG course
    at most is offered, and R15's is offered whenever R19's card is absent."""
    result = run(kb, fhir_fixtures.all_fixtures()[name].request(today), today)
    cards = fired(result)
    if RULE not in cards:
        return
    assert explained(result, RULE)["facts"]["ivig_on_severe_card"] is (SEVERE in cards)
    assert not (SEVERE in cards and _ivig_orders(cards[RULE]))


def test_a_ck_that_responded_and_rises_on_taper_is_r21s_relapse_not_an_inadequate_response(kb, today):
    """Review 423 (s1): CK 9,000 -> 400 -> 1,900 while prednisone went from 40 to 20 mg. R15 said "CK has not
    responded" and pre-selected IVIG beside R21's "possible relapse: recheck first". The CK did respond."""
    chart = hmgcr_after_a_response(today)
    result = run(kb, chart.request("patient-view"), today)
    cards = fired(result)
    card = cards[RULE]
    assert RELAPSE in cards and card["summary"] == ("Anti-HMGCR IMNM, CK 1,900 U/L rising again on taper: possible "
                                                    "relapse, see R21 before IVIG")
    assert card["detail"].startswith("**A possible relapse 210 days after treatment start, not an inadequate response: "
                                     "the relapse card (R21) comes first.** If the relapse is confirmed, add IVIG: its "
                                     "order is not pre-selected until then.")
    assert (f"**The CK had responded: it came down to 400 U/L on {chart.at(-90)} (ULN 200). It is rising again "
            "while treatment is reduced (glucocorticoid lowered from 40 to 20 mg/day PEQ on") in card["detail"]
    assert "has not responded" not in card["detail"] and "inadequate response" not in card["summary"]
    assert not any(s["isRecommended"] for s in card["suggestions"]) and _ivig_orders(card)  # offered, not selected
    facts = explained(result, RULE)["facts"]
    assert facts["responded_to_nadir"].startswith("400 U/L") and "4.8 x the nadir 400 U/L" in facts["possible_relapse"]


def test_a_ck_that_never_responded_keeps_ivig_pre_selected_beside_r21(kb, today):
    """At best 800 U/L (above 3 x ULN): the response was never adequate, so IVIG is still the step, whatever the rise
    on taper (R21 shows too) [sign-off]."""
    cards = fired(run(kb, hmgcr_after_a_response(today, nadir_ck=800).request("patient-view"), today))
    card = cards[RULE]
    assert RELAPSE in cards and card["suggestions"][0]["isRecommended"]
    assert card["summary"].startswith("Anti-HMGCR IMNM, inadequate response 210 days after start")
    assert ("CK has not responded: latest CK 1,900 U/L on" in card["detail"]
            and "At its lowest it was 800 U/L on" in card["detail"]
            and "not an adequate response, and it is rising again while treatment is reduced (glucocorticoid lowered "
                "from 40 to 20 mg/day PEQ on" in card["detail"])


def test_a_ck_that_responded_and_rose_on_stable_treatment_is_not_called_unresponsive(kb, today):
    """No reduction within 90 days: no relapse card, IVIG pre-selected, but the card says the CK had responded."""
    cards = fired(run(kb, hmgcr_after_a_response(today, taper=False).request("patient-view"), today))
    card = cards[RULE]
    assert RELAPSE not in cards and card["suggestions"][0]["isRecommended"]
    assert "The CK had responded: it came down to 400 U/L on" in card["detail"]
    assert "and has risen again. Latest CK 1,900 U/L on" in card["detail"] and "has not responded" not in card["detail"]


def test_a_re_treated_flare_that_never_settled_is_no_response_and_ivig_is_pre_selected(kb, today):
    """Review 424 item 2 (f1 hmgcr): remission at 150, a flare to 5,200 re-treated came down only to 1,200, 1,000 and
    900 (never below 3 x ULN), then 1,500 after a taper. R15 said "The CK had responded: came down to 150 ... not a
    failure to respond" and pre-selected no IVIG; R21 called it "10x nadir of 150". This flare never responded."""
    result = run(kb, fhir_fixtures.get("r15-fires-re-treated-flare-never-settled").request(today), today)
    cards = fired(result)
    card = cards[RULE]
    assert RELAPSE not in cards
    assert card["summary"].startswith("Anti-HMGCR IMNM, inadequate response 730 days after start (CK 1,500 U/L)")
    assert "CK has not responded: latest CK 1,500 U/L on" in card["detail"]
    assert "had responded" not in card["detail"] and "relapse" not in card["summary"]
    assert card["suggestions"][0]["isRecommended"] and _ivig_orders(card)
    facts = explained(result, RULE)["facts"]
    assert facts["responded_to_nadir"] is None and facts["possible_relapse"] is None
    assert explained(result, RELAPSE)["reason"].startswith("latest CK 1,500 U/L is below 2 x the nadir 900 U/L on")


def test_a_re_treated_flare_that_never_fell_by_half_is_no_response_and_ivig_is_pre_selected(kb, today):
    """Review 426 item 3 (n1): remission at 150, a flare to 5,200 re-treated stayed at 3,600, 3,000 and 2,800 for
    five months, then 3,000 after a taper. R15 said "The CK had responded: it came down to 150 ... not a failure to
    respond" and pre-selected no IVIG; R21 called it "20.0x nadir of 150"."""
    result = run(kb, fhir_fixtures.get("r15-fires-re-treated-flare-never-halved").request(today), today)
    cards = fired(result)
    card = cards[RULE]
    assert RELAPSE not in cards
    assert "CK has not responded: latest CK 3,000 U/L on" in card["detail"] and "had responded" not in card["detail"]
    assert card["suggestions"][0]["isRecommended"] and _ivig_orders(card)
    assert explained(result, RULE)["facts"]["responded_to_nadir"] is None
    assert explained(result, RELAPSE)["reason"].startswith("latest CK 3,000 U/L is below 2 x the nadir 2,800 U/L on")
