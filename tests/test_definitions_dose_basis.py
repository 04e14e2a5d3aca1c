"""dose_basis: which drafts need a weight/BSA, free-text sigs, doses and course lengths."""

from __future__ import annotations

import copy
import re
from datetime import date, timedelta

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    ROUTE_ORAL,
    TMP_SMX_DS,
    TMP_SMX_SS,
    Chart,
    concept,
)
from fhir_fixtures.r06_prednisone_adult_dose_check import PRED_EYE_DROPS
from fhir_fixtures.r08_mtx_once_weekly_hard_stop import ONCE_WEEKLY_SIGS_NAMING_OTHER_DAYS
from hooks import dosing
from hooks.context import HookContext
from hooks.definitions import dose_basis
from hooks.record import Quantity, Timing, build_record, read_order
from tests.conftest import explained, fired, run


def _order(kb, resource):
    return read_order(resource, kb.valuesets)


def _record_and_context(kb, chart: Chart, today: date):
    request = chart.request("order-sign")
    record = build_record(request["prefetch"], kb.valuesets, today)
    drafts = [_order(kb, r) for r in chart.drafts]
    context = HookContext("order-sign", today, patient_id=chart.patient_id, draft_orders=drafts,
                          thresholds=kb.thresholds, valuesets=kb.valuesets)
    return record, context


@pytest.mark.parametrize(("text", "value", "unit", "per_day", "days"), [
    ("60 mg PO every morning", 60, "mg", 1, None),
    ("15 mg once weekly on Monday", 15, "mg", 1 / 7, None),
    ("1000 mg IV daily x 3 days", 1000, "mg", 1, 3),
    ("30 mg/kg IV once daily for 5 days", 30, "mg/kg", 1, 5),
    ("20 mg twice a day", 20, "mg", 2, None),
    ("6 tablets every Friday", 6, "{tbl}", 1 / 7, None),
    ("15 mg/m2 SC weekly", 15, "mg/m2", 1 / 7, None),
    ("methylprednisolone 2,000 mg IV once daily x 3 days", 2000, "mg", 1, 3),  # thousands, not "000 mg"
    ("1,500 mg IV once daily", 1500, "mg", 1, None),
    ("methotrexate 27,5 mg once weekly", 27.5, "mg", 1 / 7, None),  # a decimal comma
    ("1000 mg IV over 2 hours once daily x 3 days", 1000, "mg", 1, 3),
    ("15 mg once weekly on Monday at 8 am", 15, "mg", 1 / 7, None),
    ("rituximab 1000 mg IV every 14 days on days 1 and 15", 1000, "mg", 1 / 14, None),
])
def test_plain_sigs_are_read(text, value, unit, per_day, days):
    from hooks.dosing import periods_per_day
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.dose is not None
    assert (parsed.dose.value, parsed.dose.unit) == (value, unit)
    assert parsed.timing is not None and periods_per_day(parsed.timing) == pytest.approx(per_day)
    assert parsed.days == days


@pytest.mark.parametrize("text", ["40-60 mg daily", "60 mg daily then taper by 10 mg", "2 x 500 mg daily",
                                  "15 mg daily or weekly", "as directed", "take 15 mg and 10 mg",
                                  "1,5000 mg daily", "a,5 mg daily",
                                  # a tablet count beside the strength, a space as thousands separator
                                  "Methotrexate 2.5 mg tablet - take 16 by mouth once weekly on Monday",
                                  "Prednisone 20 mg tablets: take four by mouth every morning",
                                  "Methylprednisolone 2 000 mg IV once daily x 3 days", "1 500 mg IV once daily"])
def test_ambiguous_sigs_are_not_guessed(text):
    assert dose_basis.read_text(text) is None


@pytest.mark.parametrize(("text", "per_day"), [
    ("50 mg 2 times a day", 2),  # was read as "a day": once a day
    ("50 mg 3 times daily", 3),
    ("50 mg 4 times daily", 4),
    ("20 mg two times per day", 2),
    ("5 mg 2x daily", 2),
    ("20 mg q4h", 6),  # was not read at all
    ("20 mg every 4 hours", 6),
    ("20 mg q 12 h", 2),
    ("10 mg every 3 days", 1 / 3),
    ("10 mg every 2 weeks", 1 / 14),
    ("10 mg 3x/week", 3 / 7),  # was read as "/week": once a week
    ("10 mg every Monday and Thursday", 2 / 7),
    ("20 mg in the morning and at night", 2),
])
def test_numbered_and_interval_frequencies_are_read(text, per_day):
    from hooks.dosing import periods_per_day
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.timing is not None
    assert periods_per_day(parsed.timing) == pytest.approx(per_day)


@pytest.mark.parametrize("text", ["20 mg two times a day", "20 mg 3 times daily", "20 mg every 8 hours",
                                  "20 mg q8h", "20 mg every 72 hours", "20 mg every Monday and Friday"])
def test_read_text_and_text_frequency_give_the_same_frequency(text):
    from hooks.dosing import periods_per_day
    parsed = dose_basis.read_text(text)
    found = dose_basis.text_frequency(text)
    assert parsed is not None and parsed.timing is not None and found is not None
    assert found.per_day == pytest.approx(periods_per_day(parsed.timing) or 0)


@pytest.mark.parametrize(("text", "per_day"), [("10 mg every 2 weeks on Mondays", 1 / 14),
                                               ("10 mg q2wk on Fridays", 1 / 14)])
def test_the_weekday_of_a_longer_schedule_is_not_a_second_frequency(text, per_day):
    from hooks.dosing import periods_per_day
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.timing is not None
    assert periods_per_day(parsed.timing) == pytest.approx(per_day)
    assert (found := dose_basis.text_frequency(text)) is not None and found.per_day == pytest.approx(per_day)


@pytest.mark.parametrize(("text", "most_frequent"), [("15 mg weekly on Mondays and Thursdays", 2 / 7),
                                                     ("15 mg once a week every Monday and Friday", 2 / 7),
                                                     ("15 mg weekly, 2 times a day", 2)])
def test_weekdays_or_counts_that_disagree_are_ambiguous_and_the_most_frequent_is_kept(text, most_frequent):
    assert dose_basis.read_text(text) is None
    found = dose_basis.text_frequency(text)
    assert found is not None and found.per_day == pytest.approx(most_frequent)


def test_structured_dose_wins_and_tablets_use_strength(kb, today):
    chart = Chart(today)
    order = _order(kb, chart.medication_request(METHOTREXATE_2_5, 6, "{tbl}", start=0, period=1, period_unit="wk"))
    dose = dose_basis.read_dose(order)
    assert dose.mg == pytest.approx(15) and dose.once_weekly and dose.weekly == pytest.approx(15)


def test_per_kg_dose_needs_the_weight_for_mg_but_not_for_mg_per_kg_day(kb, today):
    order = _order(kb, Chart(today).medication_request(METHYLPRED_1000, 15, "mg/kg", start=0, route=ROUTE_IV))
    without = dose_basis.read_dose(order)
    assert without.mg is None and without.problem is None and without.kg_daily == pytest.approx(15)
    with_weight = dose_basis.read_dose(order, weight_kg=80)
    assert with_weight.daily == pytest.approx(1200)


def _two_instructions(today, first, second, steps=False):
    """A prednisone order with two dosage instructions, (value, unit) each: given together, or as two steps."""
    resource = Chart(today).medication_request(PREDNISONE_20, *first, start=0)
    other = dict(resource["dosageInstruction"][0])
    other["doseAndRate"] = [{"doseQuantity": {"value": second[0], "unit": second[1]}}]
    resource["dosageInstruction"].append(other)
    if steps:
        resource["dosageInstruction"][0]["sequence"] = 1
        other["sequence"] = 2
    return resource


@pytest.mark.parametrize(("first", "second", "read", "together", "steps"), [
    ((40, "mg"), (20, "mg"), lambda dose: dose.daily, 60, 40),
    # without a weight, 1 mg/kg morning and 0.5 mg/kg evening was 1 mg/kg/day (the first instruction only)
    ((1, "mg/kg"), (0.5, "mg/kg"), lambda dose: dose.kg_daily, 1.5, 1),
])
def test_concurrent_dosage_instructions_add_up_and_sequences_take_the_highest(kb, today, first, second, read,
                                                                              together, steps):
    assert read(dose_basis.read_dose(_order(kb, _two_instructions(today, first, second)))) == pytest.approx(together)
    assert read(dose_basis.read_dose(_order(kb, _two_instructions(today, first, second, steps=True)))) \
        == pytest.approx(steps)


def test_mg_beside_mg_per_kg_gives_the_per_kg_part_as_the_least_the_order_gives(kb, today):
    """Without a weight the mg cannot be added; the per-kg part alone can still be over a limit."""
    dose = dose_basis.read_dose(_order(kb, _two_instructions(today, (1, "mg/kg"), (20, "mg"))))
    assert dose.kg_daily == pytest.approx(1) and dose.kg_part_only
    total = dose_basis.daily_total([dose], None, today)
    assert total.per_kg_written == pytest.approx(1) and "could not be added to its mg/kg" in total.unread[0]


@pytest.mark.parametrize("extra", [{"text": "take with food"}, {"text": "as directed", "asNeededBoolean": True}])
def test_an_instruction_with_nothing_to_count_is_left_out(kb, today, extra):
    """A second instruction with no dose and no figure made the whole order unreadable (R12 lost its card)."""
    resource = Chart(today).medication_request(PREDNISONE_20, 40, "mg", start=0)
    resource["dosageInstruction"].append(extra)
    dose = dose_basis.read_dose(_order(kb, resource))
    assert dose.problem is None and dose.daily == pytest.approx(40)
    resource["dosageInstruction"][-1] = {"text": "10-20 mg at night"}  # a figure: it may be a dose
    assert dose_basis.read_dose(_order(kb, resource)).problem is not None


def test_text_only_sig_disagreeing_with_structured_timing_is_read_at_the_higher_and_both_are_named(kb, today):
    """Was 'the sig and the timing disagree', no dose: now read as a sig beside a structured dose is (review 416),
    the higher of the two (daily) checked and the other named."""
    resource = Chart(today).medication_request(METHOTREXATE_2_5, None, None, start=0, text="15 mg once weekly")
    dose = dose_basis.read_dose(_order(kb, resource))  # builder timing says daily
    assert dose.problem is None and dose.daily == pytest.approx(15) and not dose.once_weekly
    assert dose.describe() == ("15 mg once a day (the structured timing says this; the free-text sig says 15 mg "
                               "once weekly: the higher is checked)")
    del resource["dosageInstruction"][0]["timing"]
    dose = dose_basis.read_dose(_order(kb, resource))
    assert dose.problem is None and dose.from_text and dose.once_weekly and dose.mg == 15


@pytest.mark.parametrize("unit", sorted(dosing.PER_BODY_UNITS))
def test_a_sig_reads_every_per_kg_and_per_m2_spelling_as_the_structured_dose_does(unit):
    """Review: the sig reader kept its own list of units (mg/kg, g/kg, mg/m2, mg/m², mg, g...), so '0.75 g/m2' was
    not a BSA dose and '15000 mcg/kg' no dose at all. Its spellings are now hooks.dosing's one table."""
    parsed = dose_basis.read_text(f"cyclophosphamide 0.75 {unit} IV once")
    assert parsed is not None and parsed.dose is not None
    assert dosing.per_body(parsed.dose) == dosing.per_body(Quantity(0.75, unit))


@pytest.mark.parametrize(("text", "value", "unit", "per_day"), [
    ("0.75 g/m2 IV once", 0.75, "g/m2", None),
    ("0.75 g / m2 IV once", 0.75, "g/m2", None),
    ("15000 mcg/kg IV once", 15_000, "mcg/kg", None),
    ("15000 \u03bcg/kg IV once", 15_000, "\u00b5g/kg", None),  # a Greek mu, spelled as the structured reader does
    ("500 mcg by mouth daily", 500, "mcg", 1),
    ("2 mg/kg/d twice daily", 2, "mg/kg/d", 2),  # was '2 mg/kg' twice daily: a doubled day's dose
    ("0.4 g/kg/day IV for 5 days", 0.4, "g/kg/day", 1),  # was 0.4 g, a flat dose
])
def test_a_sig_in_any_mass_unit_per_kg_or_per_m2_is_read(text, value, unit, per_day):
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.dose is not None
    assert (parsed.dose.value, parsed.dose.unit) == (value, unit)
    assert (parsed.frequency.per_day if parsed.frequency else None) == per_day


def test_a_sig_per_m2_in_grams_gives_its_mg_on_the_bsa(kb, today):
    """0.75 g/m2 in a text-only sig is 750 mg/m2, as the structured dose is: 1,350 mg on 1.8 m2 (it was unread)."""
    resource = Chart(today).medication_request("cyclophosphamide", None, None, start=0, text="0.75 g/m2 IV once")
    del resource["dosageInstruction"][0]["timing"]
    dose = dose_basis.read_dose(_order(kb, resource), 70, 1.8)
    assert dose.problem is None and dose.per_m2 and dose.mg == pytest.approx(1350)


@pytest.mark.parametrize(("unit", "period_unit", "sig"), [
    ("mg/m2/d", "wk", "15 mg/m2/d once weekly"), ("mg/m2/day", "mo", "500 mg/m2/day monthly")])
def test_a_per_day_dose_given_less_often_than_daily_is_named_not_read(kb, today, unit, period_unit, sig):
    """Review: a child's methotrexate 15 mg/m2/d once weekly read as 105 mg/m2 a week (R32 warned '111.3
    mg/week'); it contradicts itself, so it is named as not read, whether structured or in the sig."""
    value = float(sig.split()[0])
    structured = _order(kb, Chart(today).medication_request(METHOTREXATE_2_5, value, unit, start=0,
                                                            period_unit=period_unit))
    dose = dose_basis.read_dose(structured, 30, 1.06)
    assert "a contradictory order" in (dose.problem or "")
    text_only = Chart(today).medication_request(METHOTREXATE_2_5, None, None, start=0, text=sig)
    del text_only["dosageInstruction"][0]["timing"]
    assert dose_basis.read_dose(_order(kb, text_only), 30, 1.06).problem


def test_unconvertible_unit_is_reported(kb, today):
    order = _order(kb, Chart(today).medication_request(METHOTREXATE_2_5, 0.6, "mL", start=0))
    assert "mL" in (dose_basis.read_dose(order).problem or "")


def test_course_days_from_bounds_count_and_text(kb, today):
    chart = Chart(today)
    resource = chart.medication_request(METHYLPRED_1000, 1000, "mg", start=0, end=6)
    assert dose_basis.draft_course_length(_order(kb, resource)) == 7
    resource = chart.medication_request(METHYLPRED_1000, 1000, "mg", start=None)
    resource["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"] = {"value": 3, "code": "d"}
    assert dose_basis.draft_course_length(_order(kb, resource)) == 3
    resource["dosageInstruction"][0]["timing"]["repeat"].pop("boundsDuration")
    resource["dosageInstruction"][0]["timing"]["repeat"]["count"] = 5
    assert dose_basis.draft_course_length(_order(kb, resource)) == 5
    resource["dosageInstruction"][0]["timing"]["repeat"].pop("count")
    resource["dosageInstruction"][0]["text"] = "1 g IV daily x 4 days"
    assert dose_basis.draft_course_length(_order(kb, resource)) == 4
    resource["dosageInstruction"][0].pop("text")
    assert dose_basis.draft_course_length(_order(kb, resource)) is None


_DAILY = {"frequency": 1, "period": 1, "periodUnit": "d"}


@pytest.mark.parametrize(("repeat", "text", "days"), [
    ({**_DAILY, "count": 3, "boundsDuration": {"value": 7, "code": "d"}}, None, 3),  # was 7: the bounds won
    ({**_DAILY, "count": 10, "boundsDuration": {"value": 5, "code": "d"}}, None, 5),  # never past its bounds
    ({**_DAILY, "frequency": 2, "count": 5}, None, 3),  # was 2: 2.5 days rounded to even
    ({**_DAILY, "frequency": 4, "count": 21}, None, 6),  # was 5: the 21st dose of 4 a day is on day 6
    ({"count": 3}, "500 mg IV once weekly", 15),  # was 3: the sig's frequency, not daily
    ({"count": 3}, "1 g IV daily", 3),
    ({"count": 3}, None, None),  # was 3: no frequency anywhere, so daily was guessed
    ({"boundsDuration": {"value": 3, "code": "d"}}, None, 3),  # bounds with no repeat still bound it
])
def test_a_drafts_count_and_bounds_are_read_as_courses_reads_them(kb, today, repeat, text, days):
    """draft_course_length reads a count or bounds through courses.dose_run, the one timing reader (it had a
    reading of its own: bounds before a count, a count rounded to even, daily when only the sig said how often)."""
    resource = Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=None, route=ROUTE_IV, text=text)
    resource["dosageInstruction"][0]["timing"] = {"repeat": repeat}
    assert dose_basis.draft_course_length(_order(kb, resource)) == days


def test_a_counted_draft_on_named_weekdays_lasts_from_its_start_to_its_last_dose(kb, today):
    """4 doses on Mondays and Thursdays from today, a Saturday: the last on the second Thursday, day 13 (it was read
    as 11 days whatever the start, so the draft ended before its last dose)."""
    assert today.weekday() == 5
    order = _order(kb, Chart(today).medication_request(PREDNISONE_20, 20, "mg", start=0, frequency=2, period_unit="wk",
                                                       day_of_week=["mon", "thu"], count=4))
    assert dose_basis.draft_span(order, today) == (today, today + timedelta(days=12))


@pytest.mark.parametrize(("frequency", "period", "unit", "count", "days"), [
    (2, 1, "wk", 2, 5),  # was 4: 3.5 days apart, the second dose on day 4 or 5
    (3, 1, "wk", 3, 6),  # was 5 (and R07 missed 1,500 mg/day with a draft from day 5)
    (3, 1, "wk", 6, 13),  # was 12
    (5, 1, "wk", 5, 7),  # was 6
    (1, 36, "h", 2, 3),  # was 2: 36 hours after a dose in the evening is the morning of the third day
    (3, 1, "wk", 4, 8),  # 7 days after the first exactly: not read as 9
    (2, 1, "d", 2, 2),  # review of 075557a: was 1, though 12 hours after a dose in the evening is the next day
    (1, 8, "h", 3, 2),  # was 1: 16 hours from the first dose to the last
])
def test_a_counted_draft_whose_doses_are_not_whole_days_apart_is_read_at_its_longest(kb, today, frequency, period,
                                                                                      unit, count, days):
    """Review of 6f85af8: counted non-daily drafts read through courses.dose_run had their span rounded down (a day
    shorter than the reading before it), so a draft given alongside was not added up. courses.dose_run promises a
    course is never cut short: a span that is not whole days is rounded up."""
    resource = Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=None, route=ROUTE_IV,
                                               frequency=frequency, period=period, period_unit=unit, count=count)
    assert dose_basis.draft_course_length(_order(kb, resource)) == days


def test_a_count_within_an_end_date_ends_at_whichever_comes_first(kb, today):
    """1 g daily, 3 doses, within a week: its span is 3 days, as its course length (it ran to the end date, so R07
    said '3 days' and still added it to a draft from day 4)."""
    within = _order(kb, Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=0, end=6, count=3))
    assert dose_basis.draft_course_length(within) == 3
    assert dose_basis.draft_span(within, today) == (today, today + timedelta(days=2))
    beyond = _order(kb, Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=0, end=2, count=10))
    assert dose_basis.draft_span(beyond, today) == (today, today + timedelta(days=2))


@pytest.mark.parametrize(("counts", "end", "days"), [
    ((3, None), 6, 7),  # was 3: the 500 mg to the end date was read as ending with the 1 g counted beside it
    ((None, 3), 6, 7),
    ((3, 5), 6, 5),  # every instruction has a count: the longest of them, within the end date
    ((3, 10), 6, 7),
    ((3, None), None, None),  # one instruction has no end: the draft has none
])
def test_a_draft_runs_until_the_last_of_its_instructions_given_together_ends(kb, today, counts, end, days):
    """Review of 075557a: a count within an end date ended the draft's span when its first instruction had one,
    whatever the others said (1 g IV daily x 3 doses and 500 mg daily to D+6, given together, read as 3 days; in
    the other order 7). A draft ends before its end date only when every instruction's count does."""
    resource = Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=0, end=end, count=counts[0])
    second = copy.deepcopy(resource["dosageInstruction"][0])
    second["timing"]["repeat"].pop("count", None)
    if counts[1] is not None:
        second["timing"]["repeat"]["count"] = counts[1]
    second["doseAndRate"][0]["doseQuantity"]["value"] = 500
    resource["dosageInstruction"].append(second)
    first, last = dose_basis.draft_span(_order(kb, resource), today)
    assert first == today and (None if last is None else (last - first).days + 1) == days


def test_an_end_date_with_no_bounds_start_bounds_the_course_from_its_start(kb, today):
    """boundsPeriod with an end and no start, the draft authored today: 7 days, as courses reads an end date (no
    length was read, so R07 said 'no end date, duration or number of doses')."""
    order = _order(kb, Chart(today).medication_request(METHYLPRED_1000, 1000, "mg", start=None, authored=0, end=6))
    assert dose_basis.draft_course_length(order) == 7


def test_a_sig_is_read_once_for_its_dose_and_its_course(kb, today):
    """read_text is cached (what it returns is immutable): draft_span read the sig again on every call (about 90 us
    each), once per draft compared for every rule adding drafts up."""
    resource = Chart(today).medication_request(PREDNISONE_20, None, None, start=None,
                                               text="prednisone 40 mg by mouth every morning x 5 days")
    del resource["dosageInstruction"][0]["timing"]
    order = _order(kb, resource)
    dose_basis.read_dose(order)
    read = dose_basis.read_text.cache_info().misses
    for _ in range(3):
        assert dose_basis.draft_span(order, today) == (today, today + timedelta(days=4))
    assert dose_basis.read_text.cache_info().misses == read


def test_which_drafts_need_a_weight_or_bsa(kb, today):
    chart = Chart(today, age=40)
    chart.draft(PREDNISONE_20, 60, "mg").draft(AZATHIOPRINE_50, 100, "mg")
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV).draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk")
    chart.draft("rituximab Injectable Product", 375, "mg/m2", route=ROUTE_IV)
    chart.draft("Atorvastatin 40 mg tablet", 40, "mg")
    record, context = _record_and_context(kb, chart, today)
    needs = {n.order.label: (n.weight, n.height) for n in dose_basis.needs(record, context)}
    # an adult's fixed-mg IV methylprednisolone pulse is checked against 1 g/day, with no weight (R07)
    assert needs == {"prednisone 20 MG Oral Tablet": (True, False), "Azathioprine 50 MG Oral Tablet [Imuran]":
                     (True, False), "rituximab Injectable Product": (True, True)}


@pytest.mark.parametrize(("code", "route", "ingredient"), [
    (PREDNISONE_20, None, "prednisone"), ("prednisolone 5 MG Oral Tablet", ROUTE_ORAL, "prednisolone"),
    (PRED_EYE_DROPS, None, None), ("prednisolone", {"text": "ophthalmic"}, None), (PREDNISONE_20, ROUTE_IV, None),
])
def test_an_oral_steroid_is_prednisone_or_prednisolone_by_mouth_and_never_a_local_form(kb, today, code, route,
                                                                                        ingredient):
    """Prednisolone eye drops (by name or by route) were read as oral prednisolone: R33 asked for a weight to dose
    them, and R32 found a child's drops' dose in drops unreadable (not evaluable). R06 had left them out on its own."""
    chart = Chart(today, age=10).draft(code, 1, "{drop}" if ingredient is None else "mg", frequency=4, route=route)
    record, context = _record_and_context(kb, chart, today)
    assert dose_basis.oral_steroid(context.draft_orders[0]) == ingredient
    assert bool(dose_basis.needs(record, context)) is (ingredient is not None)


@pytest.mark.parametrize(("sig", "height"), [("0.75 g/m2 IV once", True), ("750 mg/m2 IV once", True),
                                           ("15000 mcg/kg IV once", False)])
def test_a_text_only_sig_per_kg_or_per_m2_in_any_mass_unit_needs_a_weight(kb, today, sig, height):
    """Review: cyclophosphamide '750 mg/m2 IV once' needed a height and '0.75 g/m2 IV once' did not (R33 quiet)."""
    chart = Chart(today, age=50).draft("cyclophosphamide", None, None, route=ROUTE_IV, text=sig)
    record, context = _record_and_context(kb, chart, today)
    [need] = dose_basis.needs(record, context)
    assert (need.weight, need.height) == (True, height)


def test_paediatric_methotrexate_needs_a_bsa(kb, today):
    chart = Chart(today, age=9).draft(METHOTREXATE_2_5, 10, "mg", period_unit="wk")
    record, context = _record_and_context(kb, chart, today)
    [need] = dose_basis.needs(record, context)
    assert need.weight and need.height and "R32" in need.why


def test_measure_facts_say_how_old(kb, today):
    chart = Chart(today, age=40).weight(70, day=-31).height(170, day=-200)
    record, context = _record_and_context(kb, chart, today)
    facts = dose_basis.measure_facts(record, context)
    assert "31 days old, too old" in facts["latest_weight"]
    assert "200 days old, current" in facts["latest_height"]


def test_measure_facts_say_why_a_current_weight_is_not_used(kb, today):
    """A 5-day-old weight of 7 kg for a 40-year-old is not dosed from (implausible: BMI 2.4): R06/R32/R33's
    explanations called it "too old to dose from"."""
    chart = Chart(today, age=40).weight(7, day=-5).height(170, day=-200)
    facts = dose_basis.measure_facts(*_record_and_context(kb, chart, today))
    assert "5 days old, not used: implausible for an adult (BMI 2.4 with height 170 cm on" in facts["latest_weight"]
    assert "too old" not in facts["latest_weight"]


def test_drafts_are_added_up_only_over_the_days_they_are_given_together(kb, today):
    chart = Chart(today)

    def draft(dose, **kwargs):
        return _order(kb, chart.medication_request(PREDNISONE_20, dose, "mg", **kwargs))

    undated = [draft(60, start=None), draft(40, start=None, count=3)]  # no dates: both start today
    assert dose_basis.most_on_one_day([(o, 60.0) for o in undated], today) == (120.0, undated)
    first, then = draft(60, start=0, end=13), draft(40, start=14)
    assert dose_basis.most_on_one_day([(first, 60.0), (then, 40.0)], today) == (60.0, [first])
    assert dose_basis.most_on_one_day([(first, 60.0), (then, 80.0)], today) == (80.0, [then])
    taper = _order(kb, {**Chart(today).taper_order(PREDNISONE_20, [(60, 14), (40, None)], start=0)
                        .resources["medications"][0], "status": "draft"})
    later = draft(30, start=20)  # the taper's open last step is still given on day 20
    assert dose_basis.most_on_one_day([(taper, 60.0), (later, 30.0)], today)[0] == 90.0
    steps = _two_instructions(today, (60, "mg"), (40, "mg"), steps=True)  # the second step goes back in time
    steps["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["end"] = Chart(today).at(13)
    steps["dosageInstruction"][1]["timing"] = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                                          "boundsPeriod": {"start": Chart(today).at(-5)}}}
    assert dose_basis.draft_span(_order(kb, steps), today) == (today, None)  # not laid out: no end known
    endless = draft(10, start=None, text="10 mg daily x 99999999 days")  # past the calendar's end: no end
    assert dose_basis.draft_span(endless, today) == (today, None)


def test_back_to_back_courses_make_one_run_of_consecutive_days(kb, today):
    chart = Chart(today)
    courses = [_order(kb, chart.medication_request(METHYLPRED_1000, 1000, "mg", start=s, end=e))
               for s, e in ((0, 2), (3, 5), (8, 9))]
    assert dose_basis.back_to_back([(o, 3 if i < 2 else 2) for i, o in enumerate(courses)], today) == [
        (6, courses[:2]), (2, courses[2:])]


@pytest.mark.parametrize(("period", "unit", "weekly_or_less", "at_once"), [
    (1, "d", False, 15), (1, "wk", True, 15), (2, "wk", True, 15), (10, "d", True, 15)])
def test_the_dose_on_its_day_of_a_weekly_or_rarer_schedule(kb, today, period, unit, weekly_or_less, at_once):
    order = _order(kb, Chart(today).medication_request(METHOTREXATE_2_5, 15, "mg", start=0, period=period,
                                                       period_unit=unit))
    dose = dose_basis.read_dose(order)
    assert dose.weekly_or_less is weekly_or_less and dose.dose_day_mg == pytest.approx(at_once)


@pytest.mark.parametrize("frequency_max", [None, 2])
def test_a_counted_draft_lasts_its_doses_at_their_frequency(kb, today, frequency_max):
    """12 doses '1-2 times a day' run 12 days, as courses.course_days reads them: frequencyMax ran them 6 (found by
    review: a draft's span was cut short, so a later draft was not added up)."""
    order = _order(kb, Chart(today).medication_request(PREDNISONE_20, 20, "mg", start=0, count=12,
                                                       frequency_max=frequency_max))
    assert dose_basis.draft_course_length(order) == 12


def test_one_weekday_pattern_with_or_without_the_weekend_abbreviations():
    pattern = re.compile(rf"\b{dose_basis.weekday_pattern()}\b")
    no_weekend = re.compile(rf"\b{dose_basis.weekday_pattern(weekend_abbreviations=False)}\b")
    for day in ("monday", "mon", "tue", "tues", "wed", "weds", "thu", "thur", "thurs", "fri", "saturday", "sunday",
                "thursdays", "mons"):
        assert pattern.fullmatch(day) and no_weekend.fullmatch(day)
    for day in ("sat", "sun"):
        assert pattern.fullmatch(day) and not no_weekend.fullmatch(day)


@pytest.mark.parametrize("word", ["thus", "wedding", "saturated", "satisfactory", "sunlight", "month", "monitor",
                                  "fridge"])
def test_an_ordinary_word_is_no_weekday(word):
    """'thus' was 'thu' with a plural 's', as 'thurs' is 'thur' with one: 'once weekly on Monday, thus 15 mg a week'
    named Monday and Thursday, and R08 stopped a once-weekly methotrexate order as given 2 days a week. A weekday is
    a whole word: none is read inside one."""
    assert re.search(dose_basis.weekday_pattern(), word) is None
    assert not dose_basis.names_a_weekday(f"15 mg once weekly, {word}")


@pytest.mark.parametrize(("text", "days"), [
    ("15 mg once weekly on Monday", ["mon"]),
    ("15 mg every Sat", ["sat"]),  # a scheduling phrase reads the abbreviation
    ("15 mg once weekly on Monday; avoid the sun", ["mon"]),  # named only: "sun" is an ordinary word
    ("15 mg once weekly (do not take on Friday)", []),  # negated
    ("15 mg weekly on Thursdays with folic acid 1 mg daily except Thursday", ["thu"]),
    ("15 mg weekly. Folic acid 5 mg on Monday", []),  # the folate's own instruction
    ("methotrexate 15 mg once weekly, thus 6 tablets", []),  # 'thus' was Thursday
    ("6 tablets by mouth once weekly on Monday, thus 15 mg a week", ["mon"]),  # was Monday and Thursday
    ("take on Thurs", ["thu"]), ("15 mg once weekly, Thu", ["thu"]), ("15 mg on thursdays", ["thu"]),
    ("15 mg once weekly on Weds", ["wed"]), ("Mon & Thu", ["mon", "thu"]),
])
def test_the_weekdays_a_sig_gives_its_doses_on(text, days):
    """R08's reading, which continuing's rewrite test shares: the sig without its folate instructions and
    negations, its weekday phrases, else a weekday it names."""
    assert dose_basis.weekdays_named(Timing(), dose_basis.text_clauses(text)) == days


@pytest.mark.parametrize("text", ["methotrexate 15 mg every Monday, thus once a week",
                                  "15 mg on Mondays, thus once a week"])
def test_thus_after_a_weekday_phrase_is_no_second_weekday(text):
    """'every Monday, thus' was read as 'every Monday, Thursday': twice a week, which disagreed with 'once a week',
    so the sig's dose could not be read (R09 and R32 not evaluable) and its frequency was twice weekly."""
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.dose is not None and parsed.dose.value == 15
    assert parsed.timing is not None and parsed.timing.period_unit == "wk" and parsed.timing.frequency == 1
    found = dose_basis.text_frequency(text)
    assert found is not None and found.per_day == pytest.approx(1 / 7)
    assert dose_basis.scheduled_weekdays(text) == ["mon"]


def test_a_once_weekly_methotrexate_sig_saying_thus_is_no_second_weekday(kb, today):
    """R08 (hard stop) fired on this once-weekly order: '2 days a week named' (Monday and 'thus')."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-30).draft(
        METHOTREXATE_2_5, 6, "{tbl}", period=1, period_unit="wk",
        text="6 tablets by mouth once weekly on Monday, thus 15 mg a week")
    entry = explained(run(kb, chart.request("order-sign"), today), "mtx-once-weekly-hard-stop")
    assert entry["status"] == "not-fired"


def test_the_timing_and_the_texts_weekday_phrases_are_read_together():
    clauses = dose_basis.text_clauses("and every Thursday")
    assert dose_basis.weekdays_named(Timing(days_of_week=("mon",)), clauses) == ["mon", "thu"]


@pytest.mark.parametrize(("text", "names"), [
    ("20 mg once weekly on Sat", True), ("20 mg weekly (Sun)", True), ("take on Thurs", True),
    ("15 mg weekly; do not take on Friday", True), ("20 mg once weekly", False), ("take with food", False),
    (None, False),
    # an ordinary word (it named a weekday, so continuing could not read the sig's schedule)
    ("methotrexate 15 mg once weekly, thus 6 tablets", False),
])
def test_whether_a_sig_names_a_weekday_anywhere(text, names):
    """continuing's rewrite test: a sig naming a weekday, scheduled or not, in any spelling, names one."""
    assert dose_basis.names_a_weekday(text) is names


@pytest.mark.parametrize(("text", "days"), [
    ("3 tablets by mouth on Mondays and Thursday", ["mon", "thu"]),  # a list goes on in any spelling
    ("3 tablets by mouth every Monday, and Thursday", ["mon", "thu"]),  # ', and' (a clause break once read)
    ("3 tablets by mouth weekly on Tue & Sat", ["tue", "sat"]),  # 'on' and two weekdays is a schedule
    ("3 tablets by mouth every Monday and on Thursday", ["mon", "thu"]),  # the list's head word again
    ("15 mg every Mon., Thu.", ["mon", "thu"]),
    ("1 tab tues & sats", ["tue", "sat"]),  # 'sat' and 'sun' are weekdays in a list of them
    ("15 mg Mon/Sun", ["mon", "sun"]),
    # unchanged: 'on' and one weekday may be one day; an ordinary word is no weekday
    ("15 mg once weekly on Monday; avoid the sun", ["mon"]), ("15 mg weekly on Monday and avoid the sun", ["mon"]),
    ("check O2 sats weekly", []), ("15 mg once weekly sat", []), ("15 mg on sats", ["sat"]),
    ("15 mg every Monday, thus once a week", ["mon"]), ("15 mg every Monday, not Thursday", ["mon"]),
    # review of 075557a: a comma joins weekdays that end their clause (', Thursday blood test' does not)
    ("15 mg every Mon, Thu", ["mon", "thu"]), ("15 mg weekly (Mon, Thu)", ["mon", "thu"]),
    ("15 mg every Monday, Thursday 7.5 mg", ["mon", "thu"]), ("15 mg every Monday, and Thursday only", ["mon", "thu"]),
    ("avoid alcohol and take 15 mg on Monday and Thursday", ["mon", "thu"]),
])
def test_every_weekday_of_a_list_is_read(text, days):
    """Review of 6f85af8 (R08's hard stop missed these twice-weekly sigs): a list of weekdays stopped at a singular
    after a plural ('on Mondays and Thursday'), at ', and' or a repeated 'on', 'on' with two singular weekdays
    scheduled nothing, and 'sat'/'sun' were no weekday even in a list ('tues & sats' named Tuesday alone)."""
    assert dose_basis.weekdays_named(Timing(), dose_basis.text_clauses(text)) == days


@pytest.mark.parametrize("text", ["15 mg by mouth every Monday and every Thursday",
                                  "15 mg by mouth on Monday and Thursday", "15 mg by mouth every Monday, and Thursday"])
def test_a_list_of_weekdays_is_their_number_of_doses_a_week(text):
    """'every Monday and every Thursday' was two phrases of once a week each (read as once weekly); 'on Monday and
    Thursday' no frequency at all."""
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.timing is not None
    assert (parsed.timing.frequency, parsed.timing.period, parsed.timing.period_unit) == (2, 1, "wk")




@pytest.mark.parametrize("text", ONCE_WEEKLY_SIGS_NAMING_OTHER_DAYS)
def test_a_weekday_in_a_clause_about_something_else_is_no_dose_day(text):
    """Review of 075557a (R08 stopped these once-weekly sigs): a clause break where a comma was joined a weekday
    list ('on Monday ; sun', 'every Monday ; Thursday'), 'on' and two weekdays scheduled doses in a clause about a
    clinic or alcohol, and a negation ended at its list's first comma. A comma joins weekdays only when they end
    their clause, a clause holds its list whole, and the weekdays of a clause about something else (led by 'avoid',
    'clinic', 'labs', 'bloods', 'no dose', a negation or a folate, after its weekdays if any) are no dose days."""
    assert dose_basis.weekdays_named(Timing(), dose_basis.text_clauses(text)) == ["mon"]
    found = dose_basis.text_frequency(dose_basis.text_clauses(text))
    assert found is not None and found.per_day == pytest.approx(1 / 7)


@pytest.mark.parametrize("text", ["15 mg once weekly on Monday; clinic on Tuesday and Friday",
                                  "15 mg once weekly on Monday; avoid alcohol on Saturday and Sunday",
                                  "15 mg every Monday, Thursday blood test",
                                  "15 mg once weekly on Monday; do not take on Tuesday, Wednesday or Thursday"])
def test_a_sig_naming_a_clinic_day_is_still_a_plain_weekly_dose(text):
    """The dose checks read these sigs as once weekly: 'on Tuesday and Friday' was a second frequency (twice a
    week, so the dose was not read), and 'every Monday, Thursday' twice a week."""
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.timing is not None
    assert (parsed.timing.frequency, parsed.timing.period, parsed.timing.period_unit) == (1, 1, "wk")


def _no_timing(resource):
    del resource["dosageInstruction"][0]["timing"]
    return resource


def _timing_with_no_unit(resource):
    resource["dosageInstruction"][0]["timing"] = {"repeat": {"frequency": 1, "period": 4}}
    return resource


def _second_instruction(resource):
    resource["dosageInstruction"].append({**resource["dosageInstruction"][0], "text": "40 mg at night"})
    return resource


def _no_dosage(resource):
    del resource["dosageInstruction"]
    return resource


def _not_a_dose(resource):
    resource["dosageInstruction"] = [{"text": "take with food"}]
    return resource


def _cycle_of(days, max_per_period=None, unit="d"):
    """A cyclic IVIG instruction as the service contract writes one: the days of each cycle in its duration, and
    maxDosePerPeriod (amount, unit, over weeks) where given."""
    def change(resource):
        dosage = resource["dosageInstruction"][0]
        dosage["timing"]["repeat"].update({"duration": days, "durationUnit": unit})
        if max_per_period:
            value, dose_unit, weeks = max_per_period
            dosage["maxDosePerPeriod"] = {"numerator": {"value": value, "unit": dose_unit, "code": dose_unit},
                                          "denominator": {"value": weeks, "unit": "wk", "code": "wk"}}
        return resource
    return change


def _long_label(resource):
    resource["medicationCodeableConcept"] = concept(LONG_RITUXIMAB)
    return resource


LONG_RITUXIMAB = (RITUXIMAB[0], RITUXIMAB[1],
                  "rituximab-pvvr 10 MG/ML Intravenous Solution [Ruxience] in 50 mL single-dose vial, for IV use")
_EVERY_4_WEEKS = {"period": 4, "period_unit": "wk"}


@pytest.mark.parametrize(("code", "dose", "unit", "kwargs", "change", "named"), [
    (PREDNISONE_20, 60, "mg", {}, None, "prednisone 20 MG Oral Tablet (60 mg once a day)"),
    (PREDNISONE_20, 3, "{tbl}", {}, None, "prednisone 20 MG Oral Tablet (3 tablet(s) (= 60 mg) once a day)"),
    (METHOTREXATE_2_5, 15, "mg", {"period_unit": "wk"}, None, "methotrexate 2.5 MG Oral Tablet (15 mg once weekly)"),
    # per kg as written: no mg is worked out from a weight
    (METHYLPRED_1000, 30, "mg/kg", {"route": ROUTE_IV}, None,
     "methylprednisolone 1000 MG Injection (30 mg/kg once a day)"),
    # a combination tablet has no one mg: the tablets as ordered, not 'dose not read'
    (TMP_SMX_DS, 1, "{tbl}", {"frequency": 2}, None, f"{TMP_SMX_DS[2]} (1 tablet(s) 2 times a day)"),
    (METHYLPRED_1000, 1000, "mg", {"frequency": 3, "period_unit": "wk"}, None,
     "methylprednisolone 1000 MG Injection (1000 mg 3 times a week)"),  # not 'every 2.33333 days'
    (IVIG_CVX, 2, "g/kg", {}, _timing_with_no_unit, "immune globulin, intravenous (2 g/kg, timing not read)"),
    (PREDNISONE_20, 60, "mg", {}, _no_timing, "prednisone 20 MG Oral Tablet (60 mg, frequency not given)"),
    (PREDNISONE_20, None, None, {"text": "60 mg PO every morning"}, _no_timing,
     "prednisone 20 MG Oral Tablet (60 mg once a day, read from the free-text sig)"),
    (PREDNISONE_20, None, None, {"text": "60 mg daily then taper by 10 mg"}, _no_timing,
     "prednisone 20 MG Oral Tablet (dose not read)"),  # never a guess
    (PREDNISONE_20, 40, "mg", {}, _second_instruction,
     "prednisone 20 MG Oral Tablet (40 mg once a day, first of 2 instructions)"),  # not read as 40 mg a day
    (PREDNISONE_20, 60, "mg", {}, _no_dosage, "prednisone 20 MG Oral Tablet"),  # no dose written: the label alone
    (PREDNISONE_20, 60, "mg", {}, _not_a_dose, "prednisone 20 MG Oral Tablet"),
    # review of the names: a cyclic IVIG order by its cycle ('2 g/kg every 28 days' hid 4 g/kg a cycle)
    (IVIG_CVX, 2, "g/kg", {**_EVERY_4_WEEKS, "text": "IVIG 2 g/kg daily x 2 days every 4 weeks"}, _cycle_of(2),
     "immune globulin, intravenous (2 g/kg a day for 2 days, every 28 days)"),
    (IVIG_CVX, 35, "g", _EVERY_4_WEEKS, _cycle_of(2, (70, "g", 4)),  # the maximum: 70 g a cycle, so 35 g a day
     "immune globulin, intravenous (35 g a day for 2 days, every 28 days)"),
    (IVIG_CVX, 140, "g", _EVERY_4_WEEKS, _cycle_of(2, (140, "g", 4)),  # the maximum: the dose is the cycle's
     "immune globulin, intravenous (140 g per cycle over 2 days, every 28 days)"),
    (IVIG_CVX, 2, "g/kg", {**_EVERY_4_WEEKS, "text": "2 g/kg per cycle over 2 days"}, _cycle_of(2),
     "immune globulin, intravenous (2 g/kg per cycle over 2 days, every 28 days)"),
    (IVIG_CVX, 2, "g/kg", _EVERY_4_WEEKS, _cycle_of(2),  # nothing says: both readings named
     "immune globulin, intravenous (2 g/kg a day or a cycle, not said, over 2 days, every 28 days)"),
    (IVIG_CVX, 0.4, "g/kg", {**_EVERY_4_WEEKS, "count": 5}, None,  # a count: the days of each cycle
     "immune globulin, intravenous (0.4 g/kg a day or a cycle, not said, over 5 days, every 28 days)"),
    (IVIG_CVX, 0.4, "g/kg/day", _EVERY_4_WEEKS, _cycle_of(5),  # was 'dose not read': per day, in its cycle
     "immune globulin, intravenous (0.4 g/kg/day for 5 days, every 28 days)"),
    (IVIG_CVX, 2, "g/kg", {**_EVERY_4_WEEKS, "end": 1, "text": "2 g/kg daily"}, _cycle_of(2),  # one cycle
     "immune globulin, intravenous (2 g/kg a day for 2 days)"),
    (IVIG_CVX, 2, "g/kg", _EVERY_4_WEEKS, _cycle_of(1),
     "immune globulin, intravenous (2 g/kg in one day, every 28 days)"),
    (IVIG_CVX, 1.5, "g/kg", _EVERY_4_WEEKS, _cycle_of(48, unit="h"),
     "immune globulin, intravenous (1.5 g/kg, days of each cycle not read, every 28 days)"),
    # a unit that carries a time: never followed by a frequency that multiplies it (read as 2 mg/kg/day)
    (PREDNISONE_20, 1, "mg/kg/d", {"frequency": 2}, None, "prednisone 20 MG Oral Tablet (1 mg/kg/d, split in 2 doses)"),
    (PREDNISONE_20, 20, "mg/d", {"frequency": 2}, None, "prednisone 20 MG Oral Tablet (20 mg/d, split in 2 doses)"),
    (METHOTREXATE_2_5, 15, "mg/wk", {"period_unit": "wk"}, None,
     "methotrexate 2.5 MG Oral Tablet (15 mg/wk once weekly)"),
    (PREDNISONE_20, 20, "mg/d", {"period_unit": "wk"}, None,
     "prednisone 20 MG Oral Tablet (20 mg/d, ordered once weekly: contradictory)"),
    # a single administration: once, not 'once a day'
    (METHYLPRED_1000, 1000, "mg", {"count": 1, "start": None, "route": ROUTE_IV}, None,
     "methylprednisolone 1000 MG Injection (1000 mg once)"),
    (METHYLPRED_1000, 1000, "mg", {"end": 0, "route": ROUTE_IV}, None,
     "methylprednisolone 1000 MG Injection (1000 mg once, on 2026-11-21)"),
    (METHYLPRED_1000, 500, "mg", {"end": 0, "frequency": 2, "route": ROUTE_IV}, None,
     "methylprednisolone 1000 MG Injection (500 mg 2 times a day, for 1 day)"),
    (METHYLPRED_1000, 1000, "mg", {"end": 2, "route": ROUTE_IV}, None,
     "methylprednisolone 1000 MG Injection (1000 mg once a day)"),  # a course of 3 days: unchanged
    # a long product label is cut to keep the name within NAMED_MAX; the dose never is
    (RITUXIMAB, 1000, "mg", {}, _long_label,
     "rituximab-pvvr 10 MG/ML Intravenous Solution [Ruxience] in 50 mL single-... (1000 mg once a day)"),
])
def test_an_order_is_named_with_its_dose_as_ordered(kb, today, code, dose, unit, kwargs, change, named):
    """Clinician review: 'Cancel prednisone 20 MG Oral Tablet' for 60 mg a day read as the dose. An action that
    takes an order away names it with its dose as ordered, in few words, or says the dose is not read."""
    resource = Chart(today).medication_request(code, dose, unit, **{"start": 0, **kwargs})
    order = _order(kb, change(resource) if change else resource)
    assert dose_basis.named_with_dose(order) == named
    assert len(dose_basis.named_with_dose(order)) <= dose_basis.NAMED_MAX


def test_the_ivig_overdose_card_names_the_days_of_each_cycle(kb, today):
    """Review: R27's card on 2 g/kg a day for 2 days every 4 weeks (4 g/kg a cycle) offered 'Cancel immune
    globulin, intravenous (2 g/kg every 28 days)', which hid the overdose it is about."""
    fixture = fhir_fixtures.all_fixtures()["r27-fires-2-g-per-kg-per-day"]
    cards = run(kb, fixture.request(today), today).cards
    cancels = [a["description"] for card in cards for s in card.get("suggestions", []) for a in s["actions"]
               if a["type"] == "delete"]
    assert cancels == ["Cancel immune globulin, intravenous (2 g/kg a day for 2 days, every 28 days)"]


def test_a_long_label_leaves_the_whole_action_within_150_characters(kb, today):
    """Review: R26's hold named a long product as 154 characters. The label is cut with '...', never the dose."""
    chart = Chart(today).condition(IMNM_SNOMED, onset=-200)
    chart.draft(LONG_RITUXIMAB, 1000, "mg", resource_id="draft-rtx")
    result = run(kb, chart.request("order-sign"), today)
    hold = [a["description"] for card in result.cards for s in card.get("suggestions", []) for a in s["actions"]
            if a["description"].startswith("Hold (cancel)")]
    assert hold == ["Hold (cancel) rituximab-pvvr 10 MG/ML Intravenous Solution [Ruxience] in 50 mL single-... "
                    "(1000 mg once a day) until HBV results and plan are in place"]
    assert len(hold[0]) <= 150


def test_the_dose_is_kept_whole_however_long_and_some_of_the_label_with_it(kb, today):
    resource = Chart(today).medication_request(IVIG_CVX, 2, "g/kg", start=0, **_EVERY_4_WEEKS)
    resource["medicationCodeableConcept"] = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "87",
                                                         "display": "immune globulin " * 8}]}
    resource = _cycle_of(2)(resource)
    resource["dosageInstruction"].append(copy.deepcopy(resource["dosageInstruction"][0]))
    named = dose_basis.named_with_dose(_order(kb, resource))
    assert named.endswith("(2 g/kg a day or a cycle, not said, over 2 days, every 28 days, first of 2 instructions)")
    assert named.startswith("immune globulin i... (")  # 20 characters of it kept


# A dose in a label: an amount in brackets ('(60 mg', '(3 tablet(s)', '(2 g/kg'); '(= 60 mg' is a tablet count's mg
_NAMED_DOSE = re.compile(r"\(\d[\d.,]*\s*(?:mg|g|mcg|tablet)", re.I)


def test_no_action_names_a_dose_twice(kb, today):
    """Where a rule says its own dose (R13's '(150 mg/day)'), the dose as ordered is not added to it: over every
    fixture, an action that takes an order away names at most one dose."""
    doubled = []
    for name, fixture in sorted(fhir_fixtures.all_fixtures().items()):
        for card in run(kb, fixture.request(today), today).cards:
            doubled += [f"{name}: {a['description']}" for s in card.get("suggestions", []) for a in s["actions"]
                        if a["type"] in ("delete", "update") and len(_NAMED_DOSE.findall(a["description"])) > 1]
    assert not doubled


# ---------------------------------------------------------------- review 416/418: the sig beside the structured dose

MTX_SIG_50 = "Methotrexate 50 mg by mouth once weekly on Mondays"


@pytest.mark.parametrize(("code", "dose", "kwargs", "text", "daily", "judged", "other"), [
    # the sig's amount above the structured one: the seed's 50 mg/week typed over 20 mg
    (METHOTREXATE_2_5, 20, {"period": 1, "period_unit": "wk", "day_of_week": ["mon"]}, MTX_SIG_50, 50 / 7,
     "free-text sig", "the structured dose says 20 mg once weekly"),
    (PREDNISONE_20, 60, {}, "Prednisone 120 mg by mouth daily", 120, "free-text sig",
     "the structured dose says 60 mg once a day"),
    # the sig's frequency above the structured one
    (METHYLPRED_1000, 1000, {"count": 3, "route": ROUTE_IV}, "1000 mg IV twice daily x 3 days", 2000,
     "free-text sig", "the structured dose says 1000 mg once a day"),
    # the structured dose the higher: it is checked, the sig's named all the same
    (PREDNISONE_20, 60, {}, "Prednisone 30 mg by mouth daily", 60, "structured dose",
     "the free-text sig says 30 mg once a day"),
])
def test_a_sig_that_gives_another_dose_than_the_structured_one_is_read_at_the_higher_and_named(
        kb, today, code, dose, kwargs, text, daily, judged, other):
    """Review 416: the sig was not read where a structured dose was given, so 'Methotrexate 50 mg once weekly' over
    a structured 20 mg passed R09 as 20 mg/week. The sig is what the patient and the nurse read: the higher of the
    two is checked, and the card names both."""
    resource = Chart(today).medication_request(code, dose, "mg", start=0, text=text, **kwargs)
    read = dose_basis.read_dose(_order(kb, resource))
    assert read.problem is None and read.daily == pytest.approx(daily)
    assert read.describe().endswith(f"(the {judged} says this; {other}: the higher is checked)")
    assert read.disagreement is not None and read.disagreement.judged_from == judged


@pytest.mark.parametrize(("dose", "unit", "text", "weight"), [
    (3, "{tbl}", "Prednisone 60 mg by mouth daily", None),  # 3 x 20 mg tablets: the same dose
    (60, "mg", "Take 60 mg by mouth every morning", None),
    (60, "mg", "Prednisone 1 mg/kg by mouth daily", None),  # not comparable with no weight: the structured one
    (70, "mg", "Prednisone 1 mg/kg by mouth daily", 70.0),  # the same on the weight
    (60, "mg", "Prednisone 60 mg then taper by 10 mg weekly", None),  # not a plain sig: not read beside it
])
def test_a_sig_giving_the_same_dose_or_none_to_compare_leaves_the_structured_one(kb, today, dose, unit, text,
                                                                                  weight):
    resource = Chart(today).medication_request(PREDNISONE_20, dose, unit, start=0, text=text)
    read = dose_basis.read_dose(_order(kb, resource), weight)
    assert read.problem is None and read.disagreement is None and not read.from_text
    assert read.written == Quantity(dose, unit)


def test_a_later_instruction_whose_sig_disagrees_is_named_as_that_instruction(kb, today):
    resource = Chart(today).medication_request(PREDNISONE_20, 40, "mg", start=0)
    resource["dosageInstruction"].append({**resource["dosageInstruction"][0], "text": "60 mg at night"})
    read = dose_basis.read_dose(_order(kb, resource))
    assert read.daily == pytest.approx(100)
    assert dose_basis.named_with_dose(read.order) == (
        "prednisone 20 MG... (40 mg once a day, instruction 2: as the sig says (structured dose: 40 mg once a day), "
        "first of 2 instructions)")


@pytest.mark.parametrize(("text", "week_mg"), [
    ("Methotrexate 20 tablets (50 mg) by mouth once weekly on Mondays", 50),
    ("Take 15 mg (6 tablets) by mouth every Monday", 15),
])
def test_a_sig_with_tablets_and_mg_that_agree_for_the_strength_is_read(kb, today, text, week_mg):
    """Review 416: a sig with two amounts was never read, so '20 tablets (50 mg)' of 2.5 mg tablets, the seed's
    50 mg/week, left R09 not evaluable with no card."""
    resource = Chart(today).medication_request(METHOTREXATE_2_5, None, None, start=0, text=text)
    del resource["dosageInstruction"][0]["timing"]
    read = dose_basis.read_dose(_order(kb, resource))
    assert read.problem is None and read.from_text and read.once_weekly and read.week_mg == pytest.approx(week_mg)


@pytest.mark.parametrize(("code", "text", "problem"), [
    (METHOTREXATE_2_5, "Methotrexate 20 tablets (40 mg) by mouth once weekly",
     "gives 20 tablets and 40 mg, which disagree: 20 tablets of 2.5 mg are 50 mg"),
    ("methotrexate oral tablet", "Methotrexate 6 tablets (15 mg) by mouth once weekly",
     "gives 6 tablets and 15 mg, and no tablet strength of the product is known to check one against the other"),
    (TMP_SMX_SS, "1 DS tablet by mouth twice daily",
     "names DS tablets (160 mg trimethoprim), and the product's are 80 mg"),
])
def test_a_sig_that_contradicts_itself_for_the_product_is_not_read_and_says_both(kb, today, code, text, problem):
    resource = Chart(today).medication_request(code, None, None, start=0, text=text)
    read = dose_basis.read_dose(_order(kb, resource))
    assert read.problem == f"free-text sig '{text}' {problem}"


@pytest.mark.parametrize(("text", "count", "strength", "per_day"), [
    ("1 DS tablet by mouth twice daily for 7 days", 1, "ds", 2),
    ("2 double-strength tabs PO BID", 2, "ds", 2),
    ("1 single strength tablet by mouth daily", 1, "ss", 1),
    ("1 SS tab PO every Monday, Wednesday and Friday", 1, "ss", 3 / 7),
])
def test_a_co_trimoxazole_tablet_named_by_its_strength_is_read(text, count, strength, per_day):
    """Review 416: '1 DS tablet' was not read (the word between the count and 'tablet')."""
    parsed = dose_basis.read_text(text)
    assert parsed is not None and parsed.dose == Quantity(count, "{tbl}") and parsed.tablet_strength == strength
    assert parsed.frequency is not None and parsed.frequency.per_day == pytest.approx(per_day)


def test_a_ds_tablet_sig_of_the_ds_product_gives_its_trimethoprim(kb, today):
    """What R11 reads of a text-only TMP/SMX sig through read_instruction: one DS tablet, 160 mg trimethoprim."""
    resource = Chart(today).medication_request(TMP_SMX_DS, None, None, start=0,
                                               text="1 DS tablet by mouth twice daily for 7 days")
    del resource["dosageInstruction"][0]["timing"]
    order = _order(kb, resource)
    read = dose_basis.read_instruction(order, order.dosages[0])
    assert read.problem is None and read.dosage.dose == Quantity(1, "{tbl}")
    assert dosing.dose_per_administration(read.dosage, order.medication, ingredient="trimethoprim").mg == 160


def test_r09_judges_the_sigs_50_mg_over_a_structured_20_mg_and_names_both(kb, today):
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-20).weight(70, day=-2)
    chart.draft(METHOTREXATE_2_5, 20, "mg", route=ROUTE_ORAL, period=1, period_unit="wk", day_of_week=["mon"],
                text=MTX_SIG_50)
    card = fired(run(kb, chart.request("order-sign"), today))["mtx-weekly-dose-range"]
    assert card["indicator"] == "critical" and card["summary"].startswith("Methotrexate 50 mg/week")
    assert ("50 mg once weekly (the free-text sig says this; the structured dose says 20 mg once weekly: the higher "
            "is checked)") in card["detail"]


@pytest.mark.parametrize(("text", "indicator"), [
    ("Methotrexate 20 tablets (50 mg) by mouth once weekly on Mondays", "critical"),
    ("Take 15 mg (6 tablets) by mouth every Monday", None),
])
def test_r09_reads_a_sig_with_tablets_and_mg_that_agree(kb, today, text, indicator):
    chart = Chart(today, age=52).condition(IMNM_SNOMED, onset=-20).weight(70, day=-2)
    chart.draft(METHOTREXATE_2_5, None, None, route=ROUTE_ORAL, text=text)
    chart.drafts[-1]["dosageInstruction"][0].pop("timing")
    result = run(kb, chart.request("order-sign"), today)
    assert (fired(result).get("mtx-weekly-dose-range") or {}).get("indicator") == indicator
    if indicator is None:
        assert explained(result, "mtx-weekly-dose-range")["facts"]["weekly_mg"] == 15
