"""Fixtures for R28 live-vaccine-while-immunosuppressed: live vs non-live, high vs low level (orders of one drug
given on the same days add up), a live vaccine known by its CVX code only, draft forms, no birth date, an
immunosuppressant stopped on a day the chart does not give (a glucocorticoid stopped before its end date reads as
the other drugs do; with no start date or timing to judge it by, the card asks to confirm when it was last taken;
renewals bound one another, and one begun over 3 years ago with none after it is over), IVIG alone (the vaccine may
not work), a recombinant zoster series under way, a live vaccine by brand name only, an infant's prednisolone at
2 mg/kg/day."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    CVX,
    DERMATOMYOSITIS_ICD,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    MMR_CVX,
    PREDNISONE_5,
    PREDNISONE_20,
    Chart,
    concept,
)

RULE = "live-vaccine-while-immunosuppressed"
ZOSTER_LIVE = (CVX, "121", "zoster vaccine, live")
ZOSTER_RECOMBINANT = (CVX, "187", "zoster vaccine recombinant")
YELLOW_FEVER = (CVX, "37", "yellow fever vaccine")
DENGUE_CYD_TDV = (CVX, "56", "dengue fever tetravalent")
MYCOPHENOLATE = "mycophenolate mofetil 500 MG Oral Tablet"
PREDNISOLONE_5 = "prednisolone 5 MG Oral Tablet"
VARICELLA = (CVX, "21", "varicella virus vaccine")


def _on_mycophenolate(today: date, age: int | None = 52) -> Chart:
    chart = Chart(today, age=age)
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=-150, frequency=2)
    return chart


@fixture("r28-fires-mmr-on-mycophenolate", hook="order-sign",
         story="IMNM on mycophenolate 1 g twice daily; MMR drafted: high-level immunosuppression.",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_on_mycophenolate(today: date) -> dict[str, Any]:
    chart = _on_mycophenolate(today)
    chart.draft(MMR_CVX, 0.5, "mL", resource_id="draft-mmr")
    return chart.request("order-sign")


@fixture("r28-fires-mmr-on-two-azathioprine-orders", hook="order-sign",
         story="Azathioprine 100 mg daily and 50 mg daily, both current (45 kg): 150 mg/day, 3.33 mg/kg/day; MMR "
               "drafted: high level, critical (each order alone, 2.22 and 1.11 mg/kg/day, read as a warning).",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_on_two_azathioprine_orders(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52).weight(45, day=-2).condition(IMNM_SNOMED, onset=-250)
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-200).medication(AZATHIOPRINE_50, 50, "mg", start=-200)
    return chart.draft(MMR_CVX, 0.5, "mL", resource_id="draft-mmr").request("order-sign")


@fixture("r28-fires-dengue-cvx-56-on-mycophenolate", hook="order-sign",
         story="IMNM on mycophenolate 1 g twice daily; dengue vaccine (CYD-TDV) drafted as CVX 56 with its CVX "
               "description: a live vaccine, critical (it was in no vaccine value set: not evaluable). Only the "
               "travel-clinic referral is offered with the cancel (recombinant zoster and inactivated influenza "
               "vaccines, which replace neither, were offered too).",
         fires={RULE}, indicators={RULE: "critical"})
def dengue_cvx_56_on_mycophenolate(today: date) -> dict[str, Any]:
    return _on_mycophenolate(today, age=30).draft(DENGUE_CYD_TDV, 0.5, "mL").request("order-sign")


@fixture("r28-fires-live-zoster-low-dose-prednisone", hook="order-sign",
         story="Prednisone 10 mg/day for months (below 20 mg): live zoster vaccine drafted: warning.",
         fires={RULE}, indicators={RULE: "warning"})
def zoster_low_dose(today: date) -> dict[str, Any]:
    chart = Chart(today, age=67)
    chart.medication(PREDNISONE_5, 10, "mg", start=-120)
    chart.draft(ZOSTER_LIVE, 0.65, "mL")
    return chart.request("order-sign")


@fixture("r28-fires-yellow-fever-immunization-after-rituximab", hook="order-sign",
         story="Rituximab started 5 months ago ('completed', no end date); a yellow fever Immunization is placed in "
               "the draft orders: anti-CD20 within 12 months is high level (it was called 'unconfirmed level', as "
               "when it stopped is not given).",
         fires={RULE}, indicators={RULE: "critical"})
def yellow_fever_rituximab(today: date) -> dict[str, Any]:
    chart = Chart(today, age=45)
    chart.medication("rituximab Injectable Product", 1000, "mg", start=-150, status="completed")
    chart.draft_resource({"resourceType": "Immunization", "id": "draft-yf", "status": "not-done",
                          "vaccineCode": concept(YELLOW_FEVER), "patient": {"reference": "Patient/imnm-demo"},
                          "occurrenceDateTime": chart.at(0)})
    return chart.request("order-sign")


@fixture("r28-fires-mmr-recent-ivig-only", hook="order-sign",
         story="No immunosuppressive drug, but IVIG 4 months ago: MMR may fail (warning): defer it or check the "
               "interval. No non-live MMR exists, so none is offered (it said 'use a non-live option').",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_after_ivig(today: date) -> dict[str, Any]:
    chart = Chart(today, age=40)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-120, status="completed")
    chart.draft(MMR_CVX, 0.5, "mL")
    return chart.request("order-sign")


@fixture("r28-fires-live-zoster-no-birth-date", hook="order-sign",
         story="IMNM on mycophenolate, no birth date on file; live zoster vaccine drafted: critical. Recombinant "
               "zoster vaccine, licensed from 18, is not offered while the age is unknown (the card says so).",
         fires={RULE}, indicators={RULE: "critical"})
def zoster_no_birth_date(today: date) -> dict[str, Any]:
    return _on_mycophenolate(today, age=None).draft(ZOSTER_LIVE, 0.65, "mL").request("order-sign")


@fixture("r28-quiet-recombinant-zoster-on-mycophenolate", hook="order-sign",
         story="Recombinant (non-live) zoster vaccine drafted on mycophenolate: the right vaccine, no card.",
         quiet={RULE})
def recombinant_zoster(today: date) -> dict[str, Any]:
    chart = _on_mycophenolate(today)
    chart.draft(ZOSTER_RECOMBINANT, 0.5, "mL")
    return chart.request("order-sign")


@fixture("r28-quiet-mmr-no-immunosuppression", hook="order-sign",
         story="Prednisone 40 mg stopped 31 days ago (after 6 weeks); MMR drafted: the one-month wait is over.",
         quiet={RULE})
def mmr_after_wait(today: date) -> dict[str, Any]:
    chart = Chart(today, age=35)
    chart.medication(PREDNISONE_20, 40, "mg", start=-73, end=-31, status="completed")
    chart.draft(MMR_CVX, 0.5, "mL")
    return chart.request("order-sign")


@fixture("r28-fires-mmr-ii-by-brand-name-on-mycophenolate", hook="order-sign",
         story="IMNM on mycophenolate 1 g twice daily; MMR drafted by its brand name only, 'MMR II' (no code, no "
               "word 'vaccine'): a live vaccine, critical (it was in no value set and passed in silence).",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_ii_by_brand_name(today: date) -> dict[str, Any]:
    return _on_mycophenolate(today).draft("MMR II", 0.5, "mL", resource_id="draft-mmr").request("order-sign")


@fixture("r28-fires-varicella-infant-prednisolone-2-mg-per-kg", hook="order-sign",
         story="Juvenile dermatomyositis, 1 year old, 8 kg (weighed 2 days ago); prednisolone 16 mg/day (2 mg/kg/day) "
               "for 30 days; varicella vaccine drafted: a child's 2 mg/kg/day for 14 days is high level (CDC/ACIP), "
               "critical (judged by the adult 20 mg/day only, it was a low-level warning).",
         fires={RULE}, indicators={RULE: "critical"})
def varicella_infant_prednisolone(today: date) -> dict[str, Any]:
    chart = Chart(today, age=1).weight(8, day=-2).condition(DERMATOMYOSITIS_ICD, onset=-60)
    chart.medication(PREDNISOLONE_5, 16, "mg", start=-30)
    return chart.draft(VARICELLA, 0.5, "mL", resource_id="draft-varicella").request("order-sign")


def stopped_methotrexate(today: date, weekly_mg: float, start: int = -200, status: str = "stopped") -> Chart:
    """IMNM, 60 kg; methotrexate ``weekly_mg`` once weekly from ``start`` days ago, ``status`` with no end date and
    nothing else that says when (no count, no supply); MMR drafted."""
    chart = Chart(today, age=48).weight(60, day=-3)
    chart.condition(IMNM_SNOMED, onset=-300)
    chart.medication(METHOTREXATE_2_5, weekly_mg, "mg", start=start, status=status, period=1, period_unit="wk")
    return chart.draft(MMR_CVX, 0.5, "mL")


@fixture("r28-fires-mmr-methotrexate-stopped-on-an-unknown-day", hook="order-sign",
         story="Methotrexate 25 mg weekly (60 kg: 0.42 mg/kg/week) started 200 days ago, 'stopped' on a day the chart "
               "does not give; MMR drafted: taken until today it is high level, so critical.",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_methotrexate_stopped_unknown(today: date) -> dict[str, Any]:
    return stopped_methotrexate(today, 25).request("order-sign")


@fixture("r28-fires-mmr-low-dose-methotrexate-stopped-on-an-unknown-day", hook="order-sign",
         story="Methotrexate 7.5 mg weekly started 200 days ago, 'stopped' on a day the chart does not give; MMR "
               "drafted: low level even if taken until today, so a warning (a specialist decision).",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_low_dose_methotrexate_stopped_unknown(today: date) -> dict[str, Any]:
    return stopped_methotrexate(today, 7.5).request("order-sign")


@fixture("r28-fires-mmr-methotrexate-stopped-before-the-look-back", hook="order-sign",
         story="Methotrexate 25 mg weekly started 400 days ago and 'stopped' on a day the chart does not give, no "
               "later order of it: before the 365-day look-back it is not judged at its worst, but it may have been "
               "taken until yesterday; MMR drafted: a warning to confirm when it was last taken before signing (it "
               "was read as given on its start day only: no card).",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_methotrexate_stopped_long_ago(today: date) -> dict[str, Any]:
    return stopped_methotrexate(today, 25, start=-400).request("order-sign")


@fixture("r28-quiet-mmr-methotrexate-stopped-on-its-end-date-before-the-window", hook="order-sign",
         story="Methotrexate 25 mg weekly started 400 days ago, 'stopped' with its end date 60 days ago; MMR drafted: "
               "its dates put it outside the 30 days, so no card.",
         quiet={RULE})
def mmr_methotrexate_ended_before_the_window(today: date) -> dict[str, Any]:
    chart = Chart(today, age=48).weight(60, day=-3).condition(IMNM_SNOMED, onset=-500)
    chart.medication(METHOTREXATE_2_5, 25, "mg", start=-400, end=-60, status="stopped", period=1, period_unit="wk")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


@fixture("r28-fires-mmr-methotrexate-of-unknown-status", hook="order-sign",
         story="Methotrexate 25 mg weekly (60 kg) started 200 days ago, status 'unknown' and no end date; MMR "
               "drafted: whether or when it ended the chart does not give, so it is judged as if taken until today: "
               "critical, as for a 'stopped' order (it was read as given on its start day only: no card).",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_methotrexate_unknown_status(today: date) -> dict[str, Any]:
    return stopped_methotrexate(today, 25, status="unknown").request("order-sign")


@fixture("r28-fires-mmr-stopped-prednisone-taper-with-an-open-last-step", hook="order-sign",
         story="One prednisone order: 60 mg daily for 28 days, then 40 mg daily with no end, started 60 days ago and "
               "'stopped' on a day the chart does not give; MMR drafted: the open 40 mg step is judged as if taken "
               "until today, so critical, as the same order 'active' is (it was read as ending the day the 40 mg "
               "step began: no card).",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_stopped_taper_open_last_step(today: date) -> dict[str, Any]:
    chart = Chart(today, age=55).weight(70, day=-3).condition(IMNM_SNOMED, onset=-90)
    chart.taper_order(PREDNISONE_20, [(60, 28), (40, None)], start=-60, status="stopped")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


@fixture("r28-fires-mmr-mycophenolate-stopped-with-no-start-date", hook="order-sign",
         story="Mycophenolate 1 g twice daily 'stopped', with no start or end date; nothing else; MMR drafted: when "
               "it was taken is not given, and any mycophenolate is high level: a warning to confirm when it was "
               "last taken before signing (R28 was not evaluable: no card, only a response warning).",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_mycophenolate_stopped_undated(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-300)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=None, status="stopped", frequency=2)
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


@fixture("r28-fires-mmr-prednisone-stopped-before-its-end-date", hook="order-sign",
         story="Prednisone 40 mg daily from 700 days ago, end date 30 days ahead, 'stopped' on a day the chart does "
               "not give; MMR drafted: judged as if taken until today it is high, so its level is unconfirmed "
               "(critical), the stop named, as the same order of mycophenolate reads (it was 'high level: >= 20 "
               "mg/day for 701 days', as if certain).",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_prednisone_stopped_before_its_end_date(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50).weight(70, day=-3).condition(IMNM_SNOMED, onset=-800)
    chart.medication(PREDNISONE_20, 40, "mg", start=-700, end=30, status="stopped")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


@fixture("r28-quiet-mmr-prednisone-stopped-six-years-ago", hook="order-sign",
         story="Prednisone 40 mg daily begun 6 years ago, 'stopped' with no end date and no later order of it; MMR "
               "drafted: begun more than 3 years ago (unknown_stop_max_age_days), it is read as over before the "
               "look-back, and the explanation says so (it asked to confirm its timing on every live vaccine).",
         quiet={RULE})
def mmr_prednisone_stopped_six_years_ago(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50).medication(PREDNISONE_20, 40, "mg", start=-6 * 365, status="stopped")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


@fixture("r28-quiet-mmr-prednisone-stopped-then-renewed-long-ago", hook="order-sign",
         story="Prednisone 40 mg daily from 1,000 days ago, 'stopped' with no end date, then renewed at 20 mg from "
               "900 to 800 days ago ('completed'); MMR drafted: the renewal bounds the first order (taken at most "
               "until the day before it), and ended long ago: no card (only a current or early-ended later order "
               "counted, so it asked to confirm the first order's timing).",
         quiet={RULE})
def mmr_prednisone_stopped_then_renewed_long_ago(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50).medication(PREDNISONE_20, 40, "mg", start=-1000, status="stopped")
    chart.medication(PREDNISONE_20, 20, "mg", start=-900, end=-800, status="completed")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")


def stopped_renewals(today: date, first: int, last: int) -> Chart:
    """Prednisone 10 mg daily renewed every 90 days from ``first`` to ``last`` days ago, each renewal 'stopped' with
    no end date; MMR drafted."""
    chart = Chart(today, age=50)
    for start in range(first, last + 1, 90):
        chart.medication(PREDNISONE_5, 10, "mg", start=start, status="stopped")
    return chart.draft(MMR_CVX, 0.5, "mL")


@fixture("r28-fires-mmr-prednisone-chain-of-stopped-renewals", hook="order-sign",
         story="Prednisone 10 mg daily renewed every 90 days from 1,500 to 600 days ago, each renewal 'stopped' with "
               "no end date; MMR drafted: each renewal bounds the one before, so only the last, begun within 3 "
               "years, may have been taken until yesterday: a warning to confirm it, naming it alone (each order "
               "was named 'no later order of it').",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_prednisone_chain_of_stopped_renewals(today: date) -> dict[str, Any]:
    return stopped_renewals(today, -1500, -600).request("order-sign")


@fixture("r28-fires-mmr-undated-completed-rituximab", hook="order-sign",
         story="Rituximab 1 g 'completed' with no start or end date; nothing else; MMR drafted: one infusion keeps B "
               "cells depleted for months and when it was given is not known: a warning to confirm it before "
               "signing, not silence.",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_undated_completed_rituximab(today: date) -> dict[str, Any]:
    chart = Chart(today, age=50).medication("rituximab Injectable Product", 1000, "mg", start=None,
                                            status="completed")
    return chart.draft(MMR_CVX, 0.5, "mL").request("order-sign")
