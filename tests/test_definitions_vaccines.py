"""The vaccines on file R28 and R29 read (which count as given), and the recombinant zoster vaccine series they share:
which doses count, and when the next one is due."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_fixtures.builders import CVX, IMNM_SNOMED, Chart
from fhir_fixtures.r29_vaccinate_before_immunosuppression import COVID, FLU, PCV20, up_to_date
from hooks.definitions.vaccines import months_after, rzv_series, vaccines_given
from hooks.record import build_record
from tests.conftest import explained, fired, run

RZV = (CVX, "187", "zoster vaccine recombinant")


def _series(kb, today, *days: int):
    chart = Chart(today)
    for day in days:
        chart.immunization(RZV, day=day)
    return rzv_series(build_record(chart.prefetch(), kb.valuesets, today)), chart


@pytest.mark.parametrize(("gap", "complete"), [(27, False), (28, True)])
def test_a_dose_counts_from_4_weeks_after_the_one_before(kb, today, gap, complete):
    """CDC: the minimum interval between doses is 4 weeks; a dose given sooner does not count."""
    series, chart = _series(kb, today, -200, -200 + gap)
    assert series.complete is complete
    assert series.too_soon == (() if complete else (date.fromisoformat(chart.at(-200 + gap)),))


def test_a_dose_given_too_soon_sets_the_next_interval(kb, today):
    """The dose repeating one given too early is due at least 4 weeks after that one, not after dose 1."""
    series, chart = _series(kb, today, -40, -20)
    assert len(series.doses) == 1 and series.next_dose == 2
    assert series.dose_label() == f"dose 2 of 2, not before {chart.at(8)}"
    series, _ = _series(kb, today, -40, -20, -5)  # -5 is 15 days after -20: too soon as well
    assert len(series.doses) == 1 and len(series.too_soon) == 2


def test_dose_2_is_due_now_from_4_weeks_and_overdue_after_6_months(kb, today):
    assert _series(kb, today, -28)[0].dose_label() == "dose 2 of 2"
    assert "dose 2 is due 2-6 months after dose 1" in _series(kb, today, -150)[0].when_next()
    overdue = _series(kb, today, -190)[0].when_next()
    assert overdue.endswith("more than 6 months ago: give dose 2 now; do not restart the series.")


def test_a_dose_dated_after_today_is_not_given_yet(kb, today):
    """A dose dated next month was 'given' in R29's card (and one dated 9999-12-31 put dose 2 past the last date there
    is: the rule failed). Today's dose counts."""
    series, _ = _series(kb, today, -40, 30)
    assert len(series.doses) == 1 and not series.too_soon
    assert _series(kb, today, 0)[0].doses == (today,)


def test_a_vaccine_dated_after_today_is_not_given_yet_and_an_undated_one_is_left_to_the_caller(kb, today):
    chart = Chart(today).immunization(FLU, day=-10).immunization(FLU, day=10).immunization(FLU, day=-5)
    del chart.resources["immunizations"][-1]["occurrenceDateTime"]
    given = vaccines_given(build_record(chart.prefetch(), kb.valuesets, today), "influenza, inactivated or recombinant")
    assert sorted(str(i.when) for i in given) == [chart.at(-10), "None"]


@pytest.mark.parametrize(("vaccine", "missing"), [(FLU, "Influenza: no dose this season"),
                                                  (COVID, "COVID-19: no dose since"),
                                                  (PCV20, "Pneumococcal conjugate: no PCV20/PCV21")],
                         ids=["influenza", "COVID-19", "PCV20"])
def test_r29_asks_for_a_vaccine_dated_after_today(kb, today, vaccine, missing):
    """An influenza, COVID-19 or PCV20 dose dated next week counted as given: R29 said the patient was up to date
    before a dose that has not been given (only the zoster series left such a dose out)."""
    chart = up_to_date(Chart(today, age=55).condition(IMNM_SNOMED, onset=-30))
    dated = next(i for i in chart.resources["immunizations"] if i["vaccineCode"]["coding"][0]["code"] == vaccine[1])
    dated["occurrenceDateTime"] = chart.at(7)
    result = run(kb, chart.request("patient-view"), today)
    card = fired(result).get("vaccinate-before-immunosuppression")
    assert card is not None and missing in card["detail"]
    assert chart.at(7) not in str(explained(result, "vaccinate-before-immunosuppression")["facts"])


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)), (date(2026, 11, 21), -11, date(2025, 12, 21)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
])
def test_months_after_keeps_the_day_or_the_month_end(day, months, expected):
    assert months_after(day, months) == expected
