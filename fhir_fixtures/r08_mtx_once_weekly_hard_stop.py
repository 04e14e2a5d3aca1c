"""Fixtures for R08 mtx-once-weekly-hard-stop: daily, BID, PRN, "x N days", weekly without a day, text-only
orders, and the near misses (weekly on a named day, oncologic reason, "every Friday")."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import ICD10, IMNM_SNOMED, METHOTREXATE_2_5, ROUTE_ORAL, ROUTE_SC, Chart

RULE = "mtx-once-weekly-hard-stop"
MTX_INJECTION = ("http://www.nlm.nih.gov/research/umls/rxnorm", "1441408", "methotrexate 25 MG/ML Auto-Injector")
LEUKAEMIA_ICD = (ICD10, "C91.00", "Acute lymphoblastic leukemia not having achieved remission")


def _chart(today: date) -> Chart:
    return Chart(today, age=58, sex="female").condition(IMNM_SNOMED, onset=-40)


def _text_only(chart: Chart, text: str, dose: float | None = 15, unit: str | None = "mg") -> dict[str, Any]:
    """A draft with only dosageInstruction.text (no timing), as some EHRs send free-text sigs."""
    resource = chart.medication_request(METHOTREXATE_2_5, dose, unit, start=0, status="draft", intent="proposal",
                                        text=text, resource_id="draft-mtx-text")
    resource["dosageInstruction"][0].pop("timing")
    return resource


@fixture("r08-fires-daily-tablets", hook="order-sign", demo=True,
         story="IMNM; methotrexate 2.5 mg tablets, 6 tablets once DAILY drafted (a 15 mg weekly dose typed as daily).",
         fires={RULE}, indicators={RULE: "critical"})
def daily_tablets(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 6, "{tbl}", route=ROUTE_ORAL, resource_id="draft-mtx").request(
        "order-sign")


@fixture("r08-fires-timing-code-qd", hook="order-sign", story="Methotrexate 10 mg with timing.code QD.",
         fires={RULE}, indicators={RULE: "critical"})
def timing_qd(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 10, "mg", timing_code="QD").request("order-sign")


@fixture("r08-fires-bid-subcutaneous", hook="order-sign", story="Methotrexate 15 mg SC twice a day.",
         fires={RULE}, indicators={RULE: "critical"})
def bid_sc(today: date) -> dict[str, Any]:
    return _chart(today).draft(MTX_INJECTION, 15, "mg", frequency=2, route=ROUTE_SC).request("order-sign")


@fixture("r08-fires-weekly-code-without-day", hook="order-sign",
         story="Methotrexate 15 mg with timing.code WK but no day of the week.", fires={RULE},
         indicators={RULE: "critical"})
def weekly_no_day(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 15, "mg", timing_code="WK").request("order-sign")


@fixture("r08-fires-every-other-day", hook="order-sign", story="Methotrexate 7.5 mg every 2 days (QOD) on Monday.",
         fires={RULE}, indicators={RULE: "critical"})
def every_other_day(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 7.5, "mg", period=2, day_of_week=["mon"]).request("order-sign")


@fixture("r08-fires-prn", hook="order-sign", story="Methotrexate 15 mg weekly on Monday, but written as needed.",
         fires={RULE}, indicators={RULE: "critical"})
def prn(today: date) -> dict[str, Any]:
    chart = _chart(today)
    resource = chart.medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft", intent="proposal",
                                        period_unit="wk", day_of_week=["mon"])
    resource["dosageInstruction"][0]["asNeededBoolean"] = True
    return chart.draft_resource(resource).request("order-sign")


@fixture("r08-fires-text-only-daily", hook="order-sign", story="Free-text sig only: 'Take 15 mg by mouth daily'.",
         fires={RULE}, indicators={RULE: "critical"})
def text_daily(today: date) -> dict[str, Any]:
    chart = _chart(today)
    return chart.draft_resource(_text_only(chart, "Take 15 mg by mouth daily")).request("order-sign")


@fixture("r08-fires-text-course-of-days", hook="order-sign",
         story="Free-text sig 'methotrexate 2.5 mg x 5 days' with no weekly schedule.", fires={RULE},
         indicators={RULE: "critical"})
def text_course(today: date) -> dict[str, Any]:
    chart = _chart(today)
    return chart.draft_resource(_text_only(chart, "2.5 mg x 5 days", 2.5)).request("order-sign")


@fixture("r08-fires-unreadable-dose", hook="order-sign",
         story="Methotrexate 'take as directed' with no dose and no timing: fires, dose must be re-entered.",
         fires={RULE}, indicators={RULE: "critical"})
def unreadable(today: date) -> dict[str, Any]:
    chart = _chart(today)
    return chart.draft_resource(_text_only(chart, "Take as directed", None, None)).request("order-sign")


@fixture("r08-fires-twice-weekly-sig-on-a-weekly-timing", hook="order-sign",
         story="Methotrexate 3 tablets on a weekly timing, its sig '3 tablets by mouth on Mondays and Thursday': "
               "twice a week.", fires={RULE}, indicators={RULE: "critical"})
def twice_weekly_sig(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 3, "{tbl}", period_unit="wk",
                               text="3 tablets by mouth on Mondays and Thursday").request("order-sign")


@fixture("r08-fires-imnm-with-active-cancer-no-reason", hook="order-sign",
         story="IMNM with an active cancer on the problem list; methotrexate daily with no reason: the cancer does "
               "not explain the order by itself.", fires={RULE}, indicators={RULE: "critical"})
def imnm_cancer(today: date) -> dict[str, Any]:
    chart = _chart(today).condition(LEUKAEMIA_ICD, onset=-200)
    return chart.draft(METHOTREXATE_2_5, 10, "mg").request("order-sign")


@fixture("r08-quiet-weekly-on-monday", hook="order-sign",
         story="Methotrexate 15 mg PO once weekly on Monday (structured).", quiet={RULE})
def weekly_monday(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"]).request(
        "order-sign")


@fixture("r08-quiet-daily-timing-restricted-to-friday", hook="order-sign",
         story="Methotrexate 15 mg, timing 1/day restricted to dayOfWeek Friday = every Friday.", quiet={RULE})
def every_friday(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 15, "mg", day_of_week=["fri"]).request("order-sign")


@fixture("r08-quiet-text-only-weekly-monday", hook="order-sign",
         story="Free-text sig 'Take 15 mg once weekly on Monday. Do not take daily.'", quiet={RULE})
def text_weekly(today: date) -> dict[str, Any]:
    chart = _chart(today)
    return chart.draft_resource(_text_only(chart, "Take 15 mg once weekly on Monday. Do not take daily.")).request(
        "order-sign")


@fixture("r08-quiet-oncology-reason", hook="order-sign",
         story="Daily oral methotrexate with reasonCode acute lymphoblastic leukaemia (ICD-10-CM C91.00, in C00-C96).",
         quiet={RULE})
def oncology(today: date) -> dict[str, Any]:
    chart = Chart(today, age=40).condition(LEUKAEMIA_ICD, onset=-300)
    return chart.draft(METHOTREXATE_2_5, 20, "mg", reason=LEUKAEMIA_ICD).request("order-sign")


@fixture("r08-quiet-patient-view", hook="patient-view",
         story="A daily methotrexate draft on patient-view is not an order being signed.", quiet={RULE})
def patient_view(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 10, "mg").request("patient-view")


@fixture("r08-fires-weekly-repeat-coded-daily", hook="order-sign",
         story="Methotrexate 15 mg with timing.repeat once weekly on Monday but timing.code QD: the encodings "
               "disagree, and the one that gives more is read.", fires={RULE}, indicators={RULE: "critical"})
def weekly_repeat_coded_daily(today: date) -> dict[str, Any]:
    chart = _chart(today)
    resource = chart.medication_request(METHOTREXATE_2_5, 15, "mg", start=0, status="draft", intent="proposal",
                                        period_unit="wk", day_of_week=["mon"])
    resource["dosageInstruction"][0]["timing"]["code"] = {"coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "QD"}]}
    return chart.draft_resource(resource).request("order-sign")


@fixture("r08-fires-cancer-named-only-in-the-reason-text", hook="order-sign",
         story="Daily methotrexate whose reason is the text 'Cancer-associated myositis': a cancer word is no coded "
               "oncologic indication.", fires={RULE}, indicators={RULE: "critical"})
def cancer_in_reason_text(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 15, "mg", timing_code="QD",
                               reason="Cancer-associated myositis").request("order-sign")


def weekly_on_the_chart(today: date) -> Chart:
    """Methotrexate 15 mg once weekly on Monday, active for two months, and a new weekly draft on Thursday."""
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, period_unit="wk", day_of_week=["mon"],
                                     resource_id="mtx-active")
    return chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["thu"], resource_id="mtx-thu")


@fixture("r08-fires-active-weekly-order-plus-draft-on-another-day", hook="order-sign",
         story="Methotrexate once weekly on Monday is active; a new once-weekly draft on Thursday does not replace "
               "it: twice a week together.", fires={RULE}, indicators={RULE: "critical"})
def active_plus_draft(today: date) -> dict[str, Any]:
    return weekly_on_the_chart(today).request("order-sign")


@fixture("r08-quiet-draft-replacing-the-active-order", hook="order-sign",
         story="The same Thursday draft naming the active Monday order as its priorPrescription: it replaces it, "
               "so methotrexate stays once weekly.", quiet={RULE})
def draft_replacing_active(today: date) -> dict[str, Any]:
    chart = weekly_on_the_chart(today)
    chart.replacing("mtx-active")
    return chart.request("order-sign")


@fixture("r08-quiet-stale-active-order-plus-draft-on-another-day", hook="order-sign",
         story="A weekly Friday methotrexate order still marked active though it ended 60 days ago, and a new "
               "once-weekly draft on Monday: the end date ends the old order, so methotrexate is once weekly.",
         quiet={RULE})
def stale_active_plus_draft(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-200, end=-60, status="active",
                                     period_unit="wk", day_of_week=["fri"], resource_id="mtx-ended")
    return chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["mon"],
                       resource_id="mtx-mon").request("order-sign")


@fixture("r08-quiet-active-order-ending-before-the-draft-starts", hook="order-sign",
         story="Weekly Monday methotrexate active until day 6, and a weekly Thursday draft from day 7: one follows "
               "the other, so methotrexate stays once weekly.", quiet={RULE})
def active_ending_before_draft(today: date) -> dict[str, Any]:
    chart = _chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-60, end=6, period_unit="wk",
                                     day_of_week=["mon"], resource_id="mtx-until-6")
    return chart.draft(METHOTREXATE_2_5, 15, "mg", start=7, period_unit="wk", day_of_week=["thu"],
                       resource_id="mtx-thu-from-7").request("order-sign")


# Correct once-weekly sigs whose other weekdays are about something else (a clinic, labs, alcohol, no dose, a
# folate): no second dose day, so no hard stop (tests of R08 and of the weekday reader)
ONCE_WEEKLY_SIGS_NAMING_OTHER_DAYS = [
    "15 mg once weekly on Monday, sun protection advised", "15 mg once weekly on Monday; Sat/Sun no dose",
    "15 mg every Monday, Thursday blood test", "15 mg every Monday; Friday: folic acid",
    "15 mg once weekly on Mondays; Tuesday folic acid 5 mg",
    "15 mg once weekly on Monday; avoid alcohol on Saturday and Sunday",
    "15 mg once weekly on Monday; clinic on Tuesday and Friday",
    "15 mg once weekly on Monday; do not take on Tuesday, Wednesday, Thursday, Friday, Saturday or Sunday",
    "15 mg every Monday; labs every Thursday", "15 mg once weekly on Monday, avoid on Sundays",
    "15 mg once weekly (avoid on Sundays) every Monday", "15 mg once weekly on Monday; no dose Tue-Sun",
    "15 mg weekly on Monday, Friday bloods", "15 mg once weekly on Monday. Blood tests on Thursday",
]
