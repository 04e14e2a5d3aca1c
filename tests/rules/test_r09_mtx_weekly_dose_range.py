"""R09 mtx-weekly-dose-range: weekly dose edges, severity, new-start note, suggestions, azathioprine phrase."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, Chart
from tests.conftest import explained, fired, run

RULE = "mtx-weekly-dose-range"
MTX_SC = "methotrexate 25 MG/ML Prefilled Syringe"


def _chart(today, prior_day=None):
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-30).weight(70, day=-2)
    if prior_day is not None:
        chart.medication(MTX_SC, 20, "mg", start=prior_day - 60, end=prior_day, status="completed", period=1,
                         period_unit="wk", day_of_week=["fri"])
    return chart


def _weekly(chart, dose, unit="mg", code=MTX_SC, day="wed", **kwargs):
    return chart.draft(code, dose, unit, period=1, period_unit="wk", day_of_week=[day], **kwargs)


def _card(kb, today, chart):
    return fired(run(kb, chart.request("order-sign"), today)).get(RULE)


def _explain(kb, today, chart):
    return explained(run(kb, chart.request("order-sign"), today), RULE)


@pytest.mark.parametrize(("dose", "expected"), [(25, None), (27.5, "warning"), (37.5, "warning"),
                                                (40, "critical"), (50, "critical")])
def test_weekly_dose_edges(kb, today, dose, expected):
    card = _card(kb, today, _weekly(_chart(today, prior_day=-10), dose))
    assert (card or {}).get("indicator") == expected


def test_two_times_of_day_on_the_weekly_day_double_the_weekly_dose(kb, today):
    chart = _weekly(_chart(today, prior_day=-10), 20, resource_id="mtx", time_of_day=["08:00:00", "20:00:00"])
    card = _card(kb, today, chart)
    assert card["indicator"] == "critical" and "40 mg/week" in card["summary"]


def test_tablet_count_uses_the_strength(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 16, "{tbl}", code=METHOTREXATE_2_5))
    assert card["indicator"] == "critical" and "40 mg/week" in card["summary"]


def test_new_start_is_pointed_out_and_15_mg_recommended(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 30, resource_id="draft-mtx"))
    assert "new start" in card["detail"] and "above 20 mg/week is too high" in card["detail"]
    [suggestion] = card["suggestions"]
    assert suggestion["isRecommended"]
    delete, create, folic = suggestion["actions"]
    assert delete == {"type": "delete", "description": delete["description"],
                      "resourceId": "MedicationRequest/draft-mtx"}
    repeat = create["resource"]["dosageInstruction"][0]["timing"]["repeat"]
    assert repeat == {"frequency": 1, "period": 1.0, "periodUnit": "wk", "dayOfWeek": ["wed"]}
    assert create["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 15
    assert create["resource"]["medicationCodeableConcept"]["coding"][0]["code"] == "105585"
    assert "titrate to 20-25 mg/wk" in create["resource"]["dosageInstruction"][0]["text"]
    assert "folic acid" in folic["resource"]["medicationCodeableConcept"]["text"].lower()


def test_prior_mtx_within_90_days_is_not_a_new_start(kb, today):
    card = _card(kb, today, _weekly(_chart(today, prior_day=-89), 30))
    assert "new start" not in card["detail"]
    assert [s["isRecommended"] for s in card["suggestions"]] == [False, True]
    assert card["suggestions"][1]["actions"][1]["resource"]["dosageInstruction"][0]["route"]["coding"][0][
        "code"] == "34206005"
    card = _card(kb, today, _weekly(_chart(today, prior_day=-91), 30))
    assert "new start" in card["detail"]


def test_each_suggested_order_names_a_product_that_gives_its_dose(kb, today):
    """The 25 mg SC order named 'methotrexate 25 MG/ML Prefilled Syringe', a concentration with no volume; it is
    now the 1 mL syringe, which holds exactly 25 mg. The oral 15 mg stays six 2.5 mg tablets."""
    card = _card(kb, today, _weekly(_chart(today, prior_day=-10), 30))
    by_dose = {s["actions"][1]["resource"]["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]:
               s["actions"][1]["resource"] for s in card["suggestions"]}
    assert by_dose[15]["medicationCodeableConcept"]["coding"][0]["code"] == "105585"
    assert by_dose[15]["dosageInstruction"][0]["text"].startswith("Methotrexate 15 mg (6 x 2.5 mg tablets) by mouth")
    assert by_dose[25]["medicationCodeableConcept"]["coding"][0]["code"] == "2377351"  # 1 ML ... Prefilled Syringe
    assert by_dose[25]["dosageInstruction"][0]["text"] == ("Methotrexate 25 mg (1 x 25 mg/1 mL prefilled syringe) SC "
                                                           "ONCE WEEKLY on Wednesday")


def test_folic_acid_not_duplicated(kb, today):
    chart = _weekly(_chart(today), 30).medication("Folic acid 1 mg tablet", 1, "mg", start=-20)
    actions = _card(kb, today, chart)["suggestions"][0]["actions"]
    assert [a["type"] for a in actions] == ["delete", "create"]


def test_card_disowns_the_azathioprine_phrase(kb, today):
    card = _card(kb, today, _weekly(_chart(today), 50))
    assert "25-50 mg/week" in card["detail"] and "azathioprine" in card["detail"]
    assert "must never be used for methotrexate" in card["detail"]
    assert len(card["summary"]) < 140


def test_two_weekly_drafts_are_added(kb, today):
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 15), 15, day="wed")
    assert _card(kb, today, chart)["indicator"] == "warning"


def test_more_often_than_weekly_is_r08s_and_unreadable_is_named(kb, today):
    chart = _chart(today).draft(METHOTREXATE_2_5, 50, "mg")  # daily
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and "R08" in entry["reason"]
    chart = _chart(today)
    resource = chart.medication_request(MTX_SC, None, None, start=0, text="methotrexate as directed",
                                        status="draft", intent="proposal")
    del resource["dosageInstruction"][0]["timing"]
    entry = _explain(kb, today, chart.draft_resource(resource))
    assert entry["status"] == "not-evaluable" and MTX_SC in entry["reason"]


def test_text_sig_weekly_is_read(kb, today):
    chart = _chart(today)
    resource = chart.medication_request(MTX_SC, None, None, start=0, text="45 mg SC once weekly on Monday",
                                        status="draft", intent="proposal")
    del resource["dosageInstruction"][0]["timing"]
    assert _card(kb, today, chart.draft_resource(resource))["indicator"] == "critical"


def test_facts(kb, today):
    facts = _explain(kb, today, _weekly(_chart(today, prior_day=-5), 30))["facts"]
    assert facts["weekly_mg"] == 30 and facts["new_start"] is False and facts["methotrexate_in_prior_days"]


def test_an_unreadable_methotrexate_dose_is_said_in_the_response_warnings(kb, today):
    """Not a card (contract section 3: data-quality notes go in the extension), but not only in ?explain either:
    the EHR saw nothing at all when a methotrexate sig could not be read."""
    chart = _chart(today).draft(METHOTREXATE_2_5, None, None, text="take 6-8 tablets weekly as directed")
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert any(w.startswith("R09 (") and "was not evaluated" in w and "could not be read safely" in w
               for w in result.warnings), result.warnings


@pytest.mark.parametrize(("dose", "period", "unit", "expected"), [
    (100, 2, "wk", "critical"), (80, 10, "d", "critical"), (30, 2, "wk", "warning"), (25, 2, "wk", None),
    (50, 1, "mo", "critical")])
def test_a_schedule_less_often_than_weekly_is_judged_by_the_dose_given_at_once(kb, today, dose, period, unit,
                                                                               expected):
    """100 mg every 2 weeks is 100 mg at once, four times the adult maximum: it got no card from anyone (R08
    stops only schedules more often than weekly, and R09 kept only exactly once weekly)."""
    chart = _chart(today, prior_day=-10).draft(MTX_SC, dose, "mg", period=period, period_unit=unit,
                                               day_of_week=["mon"])
    cards = fired(run(kb, chart.request("order-sign"), today))
    assert "mtx-once-weekly-hard-stop" not in cards  # R08 unchanged: not more often than weekly
    card = cards.get(RULE)
    assert (card or {}).get("indicator") == expected
    if card:
        assert f"Methotrexate {dose} mg at once (less often than weekly)" in card["summary"]
        assert "less often than once a week: the dose given at once" in card["detail"]
        assert _explain(kb, today, chart)["facts"]["weekly_mg"] == dose


def test_a_split_dose_on_the_day_of_a_fortnightly_schedule_is_added_up(kb, today):
    chart = _chart(today, prior_day=-10).draft(MTX_SC, 15, "mg", period=2, period_unit="wk", day_of_week=["mon"],
                                               time_of_day=["08:00:00", "20:00:00"])
    assert "30 mg at once" in _card(kb, today, chart)["summary"]


def test_a_titration_written_as_two_orders_one_after_the_other_is_not_added_up(kb, today):
    """15 mg weekly for 4 weeks then 20 mg weekly, as two orders: never 35 mg in a week (it fired as 35 mg/week)."""
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 15, end=27), 20, start=28)
    entry = _explain(kb, today, chart)
    assert entry["status"] == "not-fired" and entry["facts"]["weekly_mg"] == 20
    chart = _weekly(_weekly(_chart(today, prior_day=-7), 30, end=27), 20, start=28)
    card = _card(kb, today, chart)
    assert card["indicator"] == "warning" and "30 mg/week" in card["summary"]
    assert "not given in the same weeks" in card["detail"]
    overlapping = _weekly(_weekly(_chart(today, prior_day=-7), 15, end=28), 20, start=28)
    assert "35 mg/week" in _card(kb, today, overlapping)["summary"]


def test_a_counted_weekly_course_lasts_its_weeks(kb, today):
    """12 weekly doses run 78 days, so a second weekly draft from day 14 is given in the same weeks: 30 mg/week.
    The count was read as 12 days and the two passed as 15 mg/week each (found by review)."""
    chart = _weekly(_chart(today, prior_day=-7), 15, count=12)
    chart = _weekly(chart, 15, start=14)
    assert "30 mg/week" in _card(kb, today, chart)["summary"]
