"""R14 statin-contraindicated-anti-hmgcr: what the card says and the orders it offers."""

from __future__ import annotations

import pytest

from fhir_fixtures.builders import ANTI_HMGCR, ATORVASTATIN_40, ICD10, IMNM_SNOMED, RXNORM, Chart
from fhir_fixtures.r14_statin_contraindicated_anti_hmgcr import pcsk9_still_acting
from hooks.sources import LEQVIO_LABEL, PRALUENT_LABEL, REPATHA_LABEL, ZETIA_LABEL
from tests.conftest import deleted, explained, fired, run, taken_away

RULE = "statin-contraindicated-anti-hmgcr"


def _chart(today):
    chart = Chart(today, age=61)
    chart.condition(IMNM_SNOMED, onset=-120)
    chart.antibody("anti_hmgcr", "positive", day=-110)
    return chart


def test_order_sign_card_replaces_the_draft_statin(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["indicator"] == "critical"
    assert card["extension"] == {"imnm-cds": {"draftOrders": ["MedicationRequest/draft-atorva"]}}
    assert card["source"]["topic"] == {"system": "urn:imnm-cds:recommendation", "code": RULE,
                                       "display": "Statin contraindicated in anti-HMGCR myopathy"}
    first = card["suggestions"][0]["actions"]
    assert first[0] == {"type": "delete", "description": "Cancel atorvastatin 40 MG Oral Tablet (40 mg once a day)",
                        "resourceId": "MedicationRequest/draft-atorva"}
    ezetimibe = first[1]["resource"]
    assert ezetimibe["resourceType"] == "MedicationRequest" and ezetimibe["status"] == "draft"
    assert ezetimibe["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 10
    assert "ezetimibe" in ezetimibe["medicationCodeableConcept"]["text"]


def test_detail_names_the_antibody_and_cites_sources(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert "Anti-HMGCR antibody positive" in card["detail"]
    assert "**Sources:**" in card["detail"] and "Mammen" in card["detail"]
    assert card["source"]["url"].startswith("https://")


def test_statin_on_patient_view_is_not_a_draft(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_entered_in_error_antibody_does_not_count(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-100)
    chart.antibody("anti_hmgcr", "positive", day=-90)
    chart.resources["observations"][-1]["status"] = "entered-in-error"
    chart.draft(ATORVASTATIN_40, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))


@pytest.mark.parametrize("draft", [
    "Advicor 500 mg/20 mg tablet",  # niacin/lovastatin
    "Simcor 500 mg/20 mg tablet",  # niacin/simvastatin
    "Juvisync 100 mg/40 mg tablet",  # sitagliptin/simvastatin
    "Liptruzet 10 mg/40 mg tablet",  # ezetimibe/atorvastatin
    "Atorvaliq 4 mg/mL oral suspension",  # atorvastatin
    "Xuezhikang 300 mg capsule",  # red yeast rice extract
])
def test_statin_brands_combinations_and_red_yeast_rice_products_are_recognised(kb, today, draft):
    card = fired(run(kb, _chart(today).draft(draft, 1, "{tbl}").request("order-sign"), today)).get(RULE)
    assert card is not None and card["indicator"] == "critical" and draft in card["summary"]


@pytest.mark.parametrize(("ezetimibe_status", "creates_ezetimibe"), [(None, True), ("active", False),
                                                                    ("stopped", True)])
def test_ezetimibe_is_not_ordered_twice(kb, today, ezetimibe_status, creates_ezetimibe):
    """A patient already on ezetimibe was recommended a second ezetimibe order (duplicate therapy)."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg", resource_id="statin-1")
    if ezetimibe_status:
        chart.medication((RXNORM, "341248", "ezetimibe"), 10, "mg", start=-200, end=None if ezetimibe_status ==
                         "active" else -100, status=ezetimibe_status)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    recommended = next(s for s in card["suggestions"] if s.get("isRecommended"))
    created = [a for a in recommended["actions"] if a["type"] == "create"]
    assert bool(created) is creates_ezetimibe
    assert deleted(recommended) == ["MedicationRequest/statin-1"]


def _recommended_creates_ezetimibe(kb, today, chart, hook="order-sign"):
    card = fired(run(kb, chart.request(hook), today))[RULE]
    recommended = next(s for s in card["suggestions"] if s.get("isRecommended"))
    return any(a["type"] == "create" for a in recommended["actions"])


def test_a_statin_ezetimibe_combination_being_stopped_is_not_ezetimibe_taken(kb, today):
    """Vytorin is stopped with the statin: the patient is then on no ezetimibe, so it is offered (found by
    review: the combination read as 'ezetimibe already ordered' and nothing was offered)."""
    chart = _chart(today).medication("Vytorin (ezetimibe/simvastatin) 10/20 mg tablet", 1, "{tbl}", start=-90)
    assert _recommended_creates_ezetimibe(kb, today, chart, "patient-view")


@pytest.mark.parametrize(("ezetimibe", "creates"), [("draft", False), ("ended", True), ("Zetia", False)])
def test_ezetimibe_signed_together_or_by_brand_counts_and_an_ended_order_does_not(kb, today, ezetimibe, creates):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    if ezetimibe == "draft":
        chart.draft((RXNORM, "341248", "ezetimibe"), 10, "mg")
    elif ezetimibe == "ended":  # left 'active' 100 days after its end date
        chart.medication((RXNORM, "341248", "ezetimibe"), 10, "mg", start=-200, end=-100)
    else:
        chart.medication("Zetia 10 mg tablet", 10, "mg", start=-200)
    assert _recommended_creates_ezetimibe(kb, today, chart) is creates


def _coded_locally(resource, code="LOCAL-17"):
    """The resource's concept under a local code that names no system (its text kept)."""
    concept = resource.get("code") or resource["medicationCodeableConcept"]
    concept["coding"] = [{"code": code}]


def test_a_condition_under_a_local_code_without_a_system_is_read_by_its_text(kb, today):
    """A coding with no system blocked name matching, so anti-HMGCR myopathy under a local code was read by no rule
    and a statin was signed without the critical card (from review)."""
    chart = Chart(today, age=61).condition("Anti-HMGCR myopathy", onset=-100)
    _coded_locally(chart.resources["conditions"][-1])
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 40, "mg").request("order-sign"), today)).get(RULE)
    assert card is not None and card["indicator"] == "critical"
    assert "Condition on file: Anti-HMGCR myopathy" in card["detail"]


def test_a_statin_under_a_local_code_without_a_system_is_read_by_its_name(kb, today):
    chart = _chart(today).draft("Atorvastatin 40 mg tablet", 40, "mg", resource_id="local-statin")
    _coded_locally(chart.drafts[-1])
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert card is not None and card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/local-statin"]


def test_a_generic_diagnosis_code_lets_its_text_name_anti_hmgcr_myopathy(kb, today):
    """ICD-10-CM G72.49 ('Other inflammatory and immune myopathies, NEC') is IMNM's closest code; its text says
    which. Read as IMNM only, 'Anti-HMGCR myopathy' under it let a statin through (from review). Listed as a generic
    code (a value-set row), the code keeps IMNM and the text counts too."""
    chart = Chart(today, age=61).condition((ICD10, "G72.49", "Anti-HMGCR myopathy"), onset=-100)
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 40, "mg").request("order-sign"), today)).get(RULE)
    assert card is not None and "Condition on file: Anti-HMGCR myopathy" in card["detail"]


STATIN_MYOPATHY_NAMES = [
    "Statin-induced autoimmune myopathy",
    *(f"Statin-{cause} {core.replace('necrotizing', spelling)}"
      for cause in ("associated", "induced")
      for core in ("necrotizing autoimmune myopathy", "autoimmune necrotizing myopathy",
                   "immune-mediated necrotizing myopathy", "necrotizing myopathy")
      for spelling in ("necrotizing", "necrotising")),
]


@pytest.mark.parametrize("name", STATIN_MYOPATHY_NAMES)
def test_statin_associated_autoimmune_myopathy_under_its_usual_names(kb, today, name):
    """'Statin-induced necrotizing autoimmune myopathy' and the like, with no antibody result on file, let an
    atorvastatin draft through: only three exact phrases were listed (audit F2). Each usual name, in either
    spelling, is the condition."""
    chart = Chart(today, age=61).condition(name, onset=-200).draft(ATORVASTATIN_40, 40, "mg")
    card = fired(run(kb, chart.request("order-sign"), today)).get(RULE)
    assert card is not None and card["indicator"] == "critical"
    assert f"Condition on file: {name}" in card["detail"]


@pytest.mark.parametrize("name", ["Statin myalgia", "Statin myopathy", "Statin-induced myopathy",
                                  "History of statin intolerance", "Statin-associated muscle symptoms",
                                  "Necrotizing myopathy"])
def test_statin_muscle_symptoms_that_are_not_autoimmune_myopathy_do_not_forbid_a_statin(kb, today, name):
    chart = Chart(today, age=61).condition(name, onset=-200).draft(ATORVASTATIN_40, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))


def _pcsk9(card):
    return next((s for s in card["suggestions"] if "evolocumab" in s["label"]), None)


def test_a_pcsk9_antibody_is_offered_with_the_tables_doses(kb, today):
    """The table's suggested orders name evolocumab 140 mg SC every 2 weeks (or 420 mg monthly) or alirocumab
    75-150 mg SC every 2 weeks; the card named a PCSK9 antibody with no dose and offered no order (audit F7)."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    suggestion = _pcsk9(card)
    assert suggestion is not None and not suggestion.get("isRecommended")
    cancel, created = suggestion["actions"]
    assert cancel["resourceId"] == "MedicationRequest/draft-atorva"
    order = created["resource"]
    assert order["resourceType"] == "MedicationRequest" and order["status"] == "draft"
    assert order["medicationCodeableConcept"] == {"text": "evolocumab"}  # no RxNorm code in the pack
    dosage = order["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 140
    assert dosage["route"]["coding"][0]["display"] == "Subcutaneous route"
    assert dosage["timing"]["repeat"]["period"] == 2 and dosage["timing"]["repeat"]["periodUnit"] == "wk"
    assert "420 mg once monthly" in dosage["text"] and "alirocumab 75-150 mg" in dosage["text"]
    assert ("evolocumab 140 mg SC every 2 weeks (or 420 mg monthly) or alirocumab 75-150 mg SC every 2 weeks"
            in card["detail"])


@pytest.mark.parametrize("on_pcsk9", ["evolocumab 140 MG/ML Auto-Injector", "alirocumab 75 MG/ML Pen Injector"])
def test_no_second_pcsk9_antibody_is_offered(kb, today, on_pcsk9):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(on_pcsk9, 140, "mg", start=-60, period=2,
                                                                      period_unit="wk")
    assert _pcsk9(fired(run(kb, chart.request("order-sign"), today))[RULE]) is None


def test_no_adult_pcsk9_order_for_a_child(kb, today):
    """Review of 8f09331: a 7-year-old was offered the adult fixed-dose evolocumab order."""
    chart = Chart(today, age=7).antibody("anti_hmgcr", "positive", day=-30).weight(22, day=-2)
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 10, "mg").request("order-sign"), today))[RULE]
    assert _pcsk9(card) is None and "paediatric lipid specialist" in card["detail"]
    assert "evolocumab 140 mg" not in card["detail"]
    assert any(s["label"].endswith("refer to the paediatric lipid clinic") for s in card["suggestions"])


@pytest.mark.parametrize(("drug", "last_dose_day", "offered"), [
    ("evolocumab 140 MG/ML Auto-Injector", -7, False),  # within its dosing interval: taking it
    ("Repatha 140 mg/mL pen", -7, False),
    ("Praluent 150 mg/mL pen", -20, False),
    ("evolocumab 140 MG/ML Auto-Injector", -39, True),  # past a month and the 7 days a late dose is given in
    ("Leqvio 284 mg/1.5 mL syringe", -90, False),  # inclisiran: every 6 months
    ("inclisiran 284 mg injection", -277, True),  # past 6 months and the 3 months a late dose is given in
])
def test_a_pcsk9_dose_within_its_dosing_interval_is_therapy_taken(kb, today, drug, last_dose_day, offered):
    """Review of 8f09331: a second PCSK9 antibody was offered a week after an evolocumab dose (only an order current
    today counted), and brand names were not read."""
    chart = _chart(today).medication(drug, 140, "mg", start=last_dose_day, end=last_dose_day, status="completed")
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 40, "mg").request("order-sign"), today))[RULE]
    assert (_pcsk9(card) is not None) is offered


def _statin_on_chart(today, status, end=None):
    """The anti-HMGCR chart with atorvastatin on it since D-200, of ``status`` (None: no status at all)."""
    chart = _chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-200, end=end, status=status or "active",
                                     resource_id="statin-1")
    if status is None:
        del chart.resources["medications"][-1]["status"]
    return chart


@pytest.mark.parametrize(("status", "said"), [
    ("unknown", "status 'unknown'"),
    (None, "no status"),
    ("foo", "status 'foo', not a FHIR code"),
    ("Unknown-ish", "status 'unknown-ish', not a FHIR code"),
])
def test_a_statin_of_unreadable_status_is_counted_as_possibly_active(kb, today, status, said):
    """A statin order whose status does not say whether it is given ('unknown', none, or no FHIR code) lost R14's
    critical card on patient-view (only the data-quality warning named it), while the chart's other readers count
    such an order as going on. Its dates do not show it ended: counted, and the card says why."""
    result = run(kb, _statin_on_chart(today, status).request("patient-view"), today)
    card = fired(result).get(RULE)
    assert card is not None and card["indicator"] == "critical"
    assert deleted(card["suggestions"][0]) == [
        "MedicationRequest/statin-1"]
    assert (f"The status of atorvastatin 40 MG Oral Tablet could not be read ({said}), so it is counted as possibly "
            "active: check whether it is still taken." in card["detail"])
    assert "Statin active:" not in card["detail"]
    assert explained(result, RULE)["facts"]["statins_status_unread"] == (
        f"atorvastatin 40 MG Oral Tablet (MedicationRequest/statin-1): {said}, counted as possibly active")


@pytest.mark.parametrize(("status", "end"), [
    ("foo", -10),  # its dates show it ended
    (None, -1),
    ("unknown", -30),
    ("entered-in-error", None),  # statuses that say it is not given
    ("cancelled", None),
    ("completed", None),
    ("draft", None),
])
def test_a_statin_whose_status_or_dates_say_it_is_not_given_is_not_counted(kb, today, status, end):
    result = run(kb, _statin_on_chart(today, status, end=end).request("patient-view"), today)
    assert RULE not in fired(result)


@pytest.mark.parametrize("status", ["discontinued", "revoked"])
def test_a_statin_whose_status_says_stopped_in_other_words_is_not_counted(kb, today, status):
    """Review of d36bb6a: 'discontinued' or 'revoked' was a status that does not say, and made the critical card on
    every chart opening; both are read as 'stopped'."""
    assert RULE not in fired(run(kb, _statin_on_chart(today, status).request("patient-view"), today))


def test_a_statin_of_unknown_status_whose_written_doses_are_all_given_is_not_counted(kb, today):
    """30 doses from D-400, status 'unknown' and no end date: its last dose was a year ago (as
    continuing.last_written_dose reads a chart order), not 'possibly active'."""
    chart = _chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-400, count=30, status="unknown")
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_a_statin_draft_has_no_status_fact(kb, today):
    draft = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    del draft.drafts[-1]["status"]
    result = run(kb, draft.request("order-sign"), today)
    assert RULE in fired(result) and explained(result, RULE)["facts"]["statins_status_unread"] is None


def test_an_active_statin_and_one_of_unreadable_status_are_both_named(kb, today):
    chart = _statin_on_chart(today, "foo").medication("simvastatin 20 mg tablet", 20, "mg", start=-90)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert "Statin active: simvastatin 20 mg tablet. The status of atorvastatin 40 MG Oral Tablet could not be read" \
        in card["detail"]
    assert "atorvastatin 40 MG Oral Tablet, simvastatin 20 mg tablet" in card["summary"]


def _creates(card):
    return [a["description"] for s in card["suggestions"] for a in s["actions"] if a["type"] == "create"]


@pytest.mark.parametrize(("birth_date", "offered"), [
    ("2016-11-21", True),  # 10 today (TODAY is 2026-11-21): ezetimibe is licensed from 10 years
    ("2016-11-22", False),  # 10 tomorrow
    ("2016", False),  # a partial birthDate: may be 9, read as the paediatric split reads it (the youngest)
    ("2019-03-02", False),
])
def test_no_adult_ezetimibe_order_below_its_licensed_age(kb, today, birth_date, offered):
    """R14 offered ezetimibe 10 mg daily to a 7-year-old: it is licensed from 10 years (heterozygous familial
    hypercholesterolaemia). Below it, lipid lowering is a paediatric lipid specialist's decision: the referral is
    the one recommended, and no adult dose is shown."""
    chart = Chart(today, birth_date=birth_date).antibody("anti_hmgcr", "positive", day=-30).weight(30, day=-2)
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 10, "mg").request("order-sign"), today))[RULE]
    recommended = [s["label"] for s in card["suggestions"] if s.get("isRecommended")]
    assert ("Ezetimibe 10 mg PO daily" in _creates(card)) is offered
    assert "Evolocumab 140 mg SC every 2 weeks" not in _creates(card)  # a child either way
    if offered:
        assert recommended == ["Cancel the statin and start ezetimibe 10 mg daily"]
        assert "use **ezetimibe** 10 mg daily" in card["detail"]
    else:
        assert recommended == ["Cancel the statin and refer to the paediatric lipid clinic"]
        assert ("in a child under 10 it is a decision for a **paediatric lipid specialist**: ezetimibe is licensed "
                "from 10 years" in card["detail"])
        assert "use **ezetimibe**" not in card["detail"]


def test_a_young_child_already_on_ezetimibe_keeps_it_and_is_not_offered_a_second(kb, today):
    chart = Chart(today, age=7).antibody("anti_hmgcr", "positive", day=-30).weight(22, day=-2)
    chart.medication((RXNORM, "341248", "ezetimibe"), 10, "mg", start=-60)
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 10, "mg").request("order-sign"), today))[RULE]
    assert [s["label"] for s in card["suggestions"] if s.get("isRecommended")] == [
        "Cancel the statin (ezetimibe is already ordered: ezetimibe)"]
    assert _creates(card) == ["Paediatric lipid clinic referral"]


EZETIMIBE = (RXNORM, "341248", "ezetimibe")
EVOLOCUMAB = "evolocumab 140 MG/ML Auto-Injector"
# (what the card calls it, the order on the chart, its dose schedule, the order the card offers, the fact's key)
UNREAD_DRUGS = {
    "ezetimibe": ("ezetimibe", EZETIMIBE, {"dose": 10}, "Ezetimibe 10 mg PO daily", "ezetimibe_status_unread"),
    "evolocumab": ("PCSK9 inhibitor", EVOLOCUMAB, {"dose": 140, "period": 2, "period_unit": "wk"},
                   "Evolocumab 140 mg SC every 2 weeks", "pcsk9_inhibitor_status_unread"),
}


def _with_unread(chart, drug, status, end=None):
    """``chart`` with an order of ``drug`` (UNREAD_DRUGS) since D-200 of ``status`` (None: no status at all), id
    'unread-1'."""
    _, code, schedule, _, _ = UNREAD_DRUGS[drug]
    chart.medication(code, unit="mg", start=-200, end=end, status=status or "active", resource_id="unread-1",
                     **schedule)
    if status is None:
        del chart.resources["medications"][-1]["status"]
    return chart


@pytest.mark.parametrize("drug", ["ezetimibe", "evolocumab"])
@pytest.mark.parametrize(("status", "said"), [("unknown", "status 'unknown'"), (None, "no status"),
                                              ("foo", "status 'foo', not a FHIR code")])
@pytest.mark.parametrize("hook", ["order-sign", "patient-view"])
def test_an_order_of_unreadable_status_is_not_read_as_none(kb, today, drug, status, said, hook):
    """An ezetimibe or PCSK9 inhibitor order whose status does not say whether it is taken (as a statin's is read:
    possibly active) was read as none, and R14 offered a second one (duplicate therapy). It is not offered; the card
    names the order and asks whether it is still taken."""
    name, _, _, offer, fact = UNREAD_DRUGS[drug]
    chart = _statin_on_chart(today, "active") if hook == "patient-view" else _chart(today).draft(
        ATORVASTATIN_40, 40, "mg")
    result = run(kb, _with_unread(chart, drug, status).request(hook), today)
    card = fired(result)[RULE]
    label = "ezetimibe" if drug == "ezetimibe" else EVOLOCUMAB
    assert offer not in _creates(card)
    assert (f"{'An' if drug == 'ezetimibe' else 'A'} {name} order of unknown status is on the chart: {label} "
            f"({said}). Check whether the patient is still on it before starting another {name} order."
            in " ".join(card["detail"].split()))
    facts = explained(result, RULE)["facts"]
    assert facts[fact] == f"{label} (MedicationRequest/unread-1): {said}, counted as possibly taken"
    recommended = next(s for s in card["suggestions"] if s.get("isRecommended"))
    assert recommended["label"].endswith("the statin (an ezetimibe order of unknown status is on the chart: "
                                         "ezetimibe)" if drug == "ezetimibe" else
                                         "the statin and start ezetimibe 10 mg daily")


@pytest.mark.parametrize(("drug", "age"), [("ezetimibe", 7), ("evolocumab", 12)])
def test_for_a_child_not_offered_the_drug_an_unreadable_order_is_named_without_a_second_order(kb, today, drug, age):
    """No ezetimibe under 10 and no PCSK9 antibody for a child: the card said to check the order 'before starting
    ezetimibe', which it does not offer."""
    name = UNREAD_DRUGS[drug][0]
    chart = Chart(today, age=age).antibody("anti_hmgcr", "positive", day=-30).weight(30, day=-2)
    card = fired(run(kb, _with_unread(chart, drug, "unknown").draft(ATORVASTATIN_40, 10, "mg").request("order-sign"),
                     today))[RULE]
    detail = " ".join(card["detail"].split())
    assert f"{name} order of unknown status is on the chart: " in detail and "before starting another" not in detail
    assert "Check whether the patient is still on it." in detail


@pytest.mark.parametrize(("drug", "end", "offered"), [
    ("ezetimibe", -100, True),  # its end date 100 days ago: not possibly taken
    ("evolocumab", -100, True),  # its last dose over a month (and a week late) ago: off it
    ("evolocumab", -20, False),  # a dose 20 days ago still acts (every 2 weeks or monthly)
])
def test_an_order_of_unreadable_status_whose_dates_show_it_ended_is_none(kb, today, drug, end, offered):
    """An order whose dates show it is no longer taken (or acting) is none, as for a statin: it is offered."""
    chart = _with_unread(_chart(today).draft(ATORVASTATIN_40, 40, "mg"), drug, "unknown", end=end)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert (UNREAD_DRUGS[drug][3] in _creates(card)) is offered and ("unknown status" in card["detail"]) is not offered


ALIROCUMAB, INCLISIRAN = "alirocumab 75 MG/ML Pen Injector", "inclisiran 284 mg injection"


@pytest.mark.parametrize("status", ["completed", "unknown"])
@pytest.mark.parametrize(("drug", "dose", "order"), [
    # 420 mg monthly x12 from a year ago: the 12th dose 31 days ago (2026-10-21), a next one due today and given up
    # to 7 days late; a count is read in 30-day months, so its last dose reads 35 days ago (2026-10-17)
    (EVOLOCUMAB, 420, {"start": -365, "count": 12, "period": 1, "period_unit": "mo"}),
    # x24 from two years ago: its last dose reads 40 days ago, 31 in calendar months
    (EVOLOCUMAB, 420, {"start": -730, "count": 24, "period": 1, "period_unit": "mo"}),
    # every 4 weeks, its last dose 35 days ago: a week late, the label still gives it on schedule
    (ALIROCUMAB, 150, {"start": -63, "end": -35, "period": 4, "period_unit": "wk"}),
    # every 6 months, its last dose 6 calendar months ago (184 days): due today, given up to 3 months late
    (INCLISIRAN, 284, {"start": -184, "end": -184}),
    (INCLISIRAN, 284, {"start": -276, "end": -276}),
])
def test_a_pcsk9_drug_whose_next_dose_may_still_be_given_on_schedule_is_therapy_taken(kb, today, status, drug, dose,
                                                                                      order):
    """Review of 6eaa09b: the windows were the dosing interval alone (31 and 183 days). A monthly evolocumab count
    read its last dose 35 days ago, inclisiran 6 calendar months ago is 184 days, and both labels give a missed dose
    late on the same schedule (7 days; inclisiran 3 months): R14 offered a second PCSK9 drug with no word."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(drug, dose, "mg", status=status, **order)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert _pcsk9(card) is None
    assert ("A PCSK9 inhibitor order of unknown status is on the chart" in card["detail"]) is (status == "unknown")


@pytest.mark.parametrize("label", [REPATHA_LABEL, PRALUENT_LABEL, LEQVIO_LABEL, ZETIA_LABEL])
def test_the_card_cites_the_labels_its_dosing_windows_and_ezetimibe_age_rest_on(kb, today, label):
    """PCSK9_ON_THERAPY rests on the dosing intervals and missed-dose instructions of the Repatha, Praluent and
    Leqvio labels, and the ezetimibe age on the Zetia label: the card cited none of them (review)."""
    card = fired(run(kb, _chart(today).draft(ATORVASTATIN_40, 40, "mg").request("order-sign"), today))[RULE]
    assert label.name in card["detail"].split("**Sources:**")[1]
    assert {"label": label.name, "url": label.url, "type": "absolute"} in card["links"]
    assert card["links"][0]["label"].startswith("Mammen")  # the review stays the card's first source


def _pcsk9_taken_line(card):
    """The detail's line naming the PCSK9-directed orders taken (not one of unknown status), or None."""
    return next((line for line in card["detail"].splitlines() if line.startswith("A PCSK9 inhibitor ")
                 and "order of unknown status" not in line), None)


WINDOW = "the longest licensed interval of its kind (a calendar month) plus the time the labels allow for a late dose"


ORDERED, MAY_BE_TAKEN = "is already ordered", "may still be taken"
STOPPED_ON_A_DAY_NOT_GIVEN = ("status 'stopped' on a day the chart does not give, {}: counted as possibly still taken; "
                              "check whether the patient is still on it")


@pytest.mark.parametrize(("order", "placed", "why"), [
    ({"start": -60, "period": 2, "period_unit": "wk"}, ORDERED, "current"),
    ({"start": -20, "end": -20, "status": "completed"}, MAY_BE_TAKEN,
     f"last dose 2026-11-01 by its dates; counted as still taken to 2026-12-09: {WINDOW}"),
    # 12 monthly doses from a year ago: the 12th read 2026-10-17 in 30-day months, 2026-10-21 by the calendar
    ({"start": -365, "count": 12, "period": 1, "period_unit": "mo", "status": "completed"}, MAY_BE_TAKEN,
     "last dose 2026-10-17 by its dates, up to 11 days later by calendar months; counted as still taken to "
     f"2026-12-05: {WINDOW}"),
    ({"start": -60, "end": 30, "status": "stopped", "period": 2, "period_unit": "wk"}, MAY_BE_TAKEN,
     STOPPED_ON_A_DAY_NOT_GIVEN.format("before the end its dates give")),  # given up to today at the latest
    ({"start": -60, "status": "on-hold", "period": 2, "period_unit": "wk"}, ORDERED, "on hold"),
])
def test_a_pcsk9_drug_still_taken_is_named_with_why_it_counts(kb, today, order, placed, why):
    """R14 dropped its PCSK9 antibody offer with no word when a PCSK9-directed drug was still taken (an order of
    unknown status is named and asked about; ezetimibe already ordered is said in its suggestion). The card names the
    order and why it counts: current, or its last dose within the label's dosing window, and the day that ends. An
    order in force is 'already ordered'; one that says it ended 'may still be taken' (it was 'already in use', which
    an order on hold is not)."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(EVOLOCUMAB, 140, "mg", resource_id="evo-1",
                                                                      **order)
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card) == (f"A PCSK9 inhibitor {placed}: {EVOLOCUMAB} ({why}). No second PCSK9 "
                                       "inhibitor order is offered.")
    assert explained(result, RULE)["facts"]["pcsk9_inhibitor_taken"] == f"{EVOLOCUMAB} (MedicationRequest/evo-1): {why}"


def test_a_pcsk9_drug_signed_with_the_statin_order_is_named_as_being_signed(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").draft(INCLISIRAN, 284, "mg", resource_id="leqvio-1")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    assert _pcsk9(card) is None and _pcsk9_taken_line(card) == (
        f"A PCSK9 inhibitor is in the orders being signed: {INCLISIRAN}. No second PCSK9 inhibitor order is offered.")
    assert explained(result, RULE)["facts"]["pcsk9_inhibitor_taken"] == (
        f"{INCLISIRAN} (MedicationRequest/leqvio-1): in the orders being signed")


def test_a_child_on_a_pcsk9_antibody_is_told_so_but_not_that_a_second_is_withheld(kb, today):
    """No PCSK9 antibody is offered to a child at all: the card names the one taken, and says no more."""
    chart = Chart(today, age=12).antibody("anti_hmgcr", "positive", day=-30).weight(40, day=-2)
    chart.medication(EVOLOCUMAB, 140, "mg", start=-60, period=2, period_unit="wk")
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 10, "mg").request("order-sign"), today))[RULE]
    assert _pcsk9_taken_line(card) == f"A PCSK9 inhibitor is already ordered: {EVOLOCUMAB} (current)."


def test_no_pcsk9_drug_taken_says_none(kb, today):
    result = run(kb, _chart(today).draft(ATORVASTATIN_40, 40, "mg").request("order-sign"), today)
    assert _pcsk9_taken_line(fired(result)[RULE]) is None
    assert explained(result, RULE)["facts"]["pcsk9_inhibitor_taken"] is None


def test_the_fixture_with_a_pcsk9_antibody_still_acting_says_why_none_is_offered(kb, today):
    result = run(kb, pcsk9_still_acting(today), today)
    card = fired(result)[RULE]
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card).startswith("A PCSK9 inhibitor may still be taken: Praluent 150 mg/mL pen (last dose "
                                              "2026-11-01 by its dates; counted as still taken to 2026-12-09")


def test_ezetimibe_taken_is_a_fact_with_why_it_counts(kb, today):
    """As for a PCSK9-directed drug: the ezetimibe orders taken, and why (its suggestion's label names the last)."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(EZETIMIBE, 10, "mg", start=-60,
                                                                      resource_id="eze-1")
    result = run(kb, chart.draft(EZETIMIBE, 10, "mg", resource_id="eze-2").request("order-sign"), today)
    assert explained(result, RULE)["facts"]["ezetimibe_taken"] == (
        "ezetimibe (MedicationRequest/eze-1): current; ezetimibe (MedicationRequest/eze-2): in the orders being signed")
    assert "Cancel the statin (ezetimibe is in the orders being signed: ezetimibe)" in [
        s["label"] for s in fired(result)[RULE]["suggestions"]]


@pytest.mark.parametrize("status", ["stopped", "completed"])
def test_a_pcsk9_order_ended_with_no_end_date_may_have_been_given_up_to_today(kb, today, status):
    """Evolocumab every 2 weeks from D-200, stopped (or completed) with no end date: it was read as one dose on its
    start day, 200 days ago, and a second PCSK9 antibody was offered, though it may have been given up to the day it
    was stopped, any day up to today, and a dose then still acts. It counts as possibly still taken, to be checked."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(
        EVOLOCUMAB, 140, "mg", start=-200, period=2, period_unit="wk", status=status, resource_id="evo-1")
    result = run(kb, chart.request("order-sign"), today)
    card = fired(result)[RULE]
    why = STOPPED_ON_A_DAY_NOT_GIVEN.replace("'stopped'", repr(status)).format("with no end date")
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card) == (f"A PCSK9 inhibitor may still be taken: {EVOLOCUMAB} ({why}). No second PCSK9 "
                                       "inhibitor order is offered.")
    assert explained(result, RULE)["facts"]["pcsk9_inhibitor_taken"] == f"{EVOLOCUMAB} (MedicationRequest/evo-1): {why}"


@pytest.mark.parametrize(("drug", "order", "repeat"), [
    # a daily tablet stopped is not taken today, whenever it was stopped: ezetimibe is offered again
    (EZETIMIBE, {"dose": 10, "start": -200, "status": "stopped"}, True),
    # a single injection (no timing) gave its dose on its start day
    (EVOLOCUMAB, {"dose": 420, "start": -200, "status": "completed"}, False),
    # 6 doses every 2 weeks written: the last of them is its last dose
    (EVOLOCUMAB, {"dose": 140, "start": -200, "status": "completed", "count": 6, "period": 2, "period_unit": "wk"},
     True),
    # stopped before the day its dates start it: never begun (it was read as possibly taken up to today)
    (EVOLOCUMAB, {"dose": 140, "start": 5, "end": 60, "status": "stopped", "period": 2, "period_unit": "wk"}, True),
    (EVOLOCUMAB, {"dose": 140, "start": 5, "status": "stopped", "period": 2, "period_unit": "wk"}, True),
])
def test_an_ended_order_whose_last_dose_is_known_or_that_never_began_is_not_taken(kb, today, drug, order, repeat):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(drug, unit="mg", **order)
    if not repeat:
        del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    offer = "Ezetimibe 10 mg PO daily" if drug == EZETIMIBE else "Evolocumab 140 mg SC every 2 weeks"
    assert offer in _creates(card) and _pcsk9_taken_line(card) is None


@pytest.mark.parametrize("dates", [{"start": 10}, {"start": None, "authored": 10}])
def test_a_pcsk9_order_to_start_after_today_is_ordered_not_yet_taken(kb, today, dates):
    """Evolocumab active from 10 days ahead (boundsPeriod.start, or authoredOn with no bounds) was said to be
    'current' and 'already in use': it is ordered, and not yet taken. No second PCSK9 antibody is offered."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(EVOLOCUMAB, 140, "mg", period=2,
                                                                      period_unit="wk", **dates)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card) == (f"A PCSK9 inhibitor is already ordered: {EVOLOCUMAB} (to start 2026-12-01: not "
                                       "yet taken by its dates). No second PCSK9 inhibitor order is offered.")


def test_an_ezetimibe_order_to_start_after_today_is_already_ordered(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(EZETIMIBE, 10, "mg", start=3, resource_id="eze")
    result = run(kb, chart.request("order-sign"), today)
    assert "Cancel the statin (ezetimibe is already ordered: ezetimibe)" in [
        s["label"] for s in fired(result)[RULE]["suggestions"]]
    assert explained(result, RULE)["facts"]["ezetimibe_taken"] == (
        "ezetimibe (MedicationRequest/eze): to start 2026-11-24: not yet taken by its dates")


def test_a_statin_ordered_to_start_after_today_is_said_to_start_later(kb, today):
    """Atorvastatin active from 5 days ahead, beside simvastatin taken now: the card said 'Statin active' of both.
    Both are to be discontinued; the one not begun is said to be ordered to start later."""
    chart = _chart(today).medication(ATORVASTATIN_40, 40, "mg", start=5).medication(SIMVASTATIN, 20, "mg", start=-90)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["indicator"] == "critical"
    assert (f"Statin active: {SIMVASTATIN}. Statin ordered to start later: atorvastatin 40 MG Oral Tablet (from "
            "2026-11-26).") in card["detail"]
    assert "atorvastatin 40 MG Oral Tablet" in card["summary"]


SIMVASTATIN = "simvastatin 20 mg tablet"
MAY_BE_CHECKED = "counted as possibly still taken; check whether the patient is still on it"
DATES_REACH_TODAY = f"its end date, supply or count of doses running to today or later: {MAY_BE_CHECKED}"


def _supply(chart, days, repeats=None):
    """Give the chart's last order a dispenseRequest of ``days`` days' supply (and ``repeats`` refills)."""
    supply = {"expectedSupplyDuration": {"value": days, "unit": "days", "system": "http://unitsofmeasure.org",
                                         "code": "d"}}
    chart.resources["medications"][-1]["dispenseRequest"] = supply | (
        {"numberOfRepeatsAllowed": repeats} if repeats is not None else {})
    return chart


@pytest.mark.parametrize(("old", "why"), [
    # a 90-day supply dispensed 60 days ago: tablets to 2026-12-20
    (lambda chart: _supply(chart.medication(SIMVASTATIN, 20, "mg", start=-60, status="completed"), 90),
     f"status 'completed', {DATES_REACH_TODAY}"),
    (lambda chart: chart.medication(SIMVASTATIN, 20, "mg", start=-60, end=0, status="completed"),
     f"status 'completed', {DATES_REACH_TODAY}"),  # its last day today
    # completed (dispensed in full) with its end date ahead: taken to then, not stopped early
    (lambda chart: chart.medication(SIMVASTATIN, 20, "mg", start=-60, end=20, status="completed"),
     f"status 'completed', {DATES_REACH_TODAY}"),
])
def test_a_statin_renewal_to_start_later_does_not_hide_the_statin_taken_now(kb, today, old, why):
    """Simvastatin whose order ended, though its dates (a supply, an end date) reach today, and a renewal active
    from 30 days ahead: the card's only statin line was 'Statin ordered, not yet taken by its dates: simvastatin (to
    start 2026-12-21)', though the patient may be taking simvastatin now. The statin that may be taken now is named."""
    chart = old(_chart(today)).medication(SIMVASTATIN, 20, "mg", start=30)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["indicator"] == "critical" and "not yet taken" not in card["detail"]
    assert (f"Statin ordered to start later: {SIMVASTATIN} (from 2026-12-21).\nA statin may still be taken: "
            f"{SIMVASTATIN} ({why}).") in card["detail"]


@pytest.mark.parametrize("old", [{"end": -1, "status": "completed"}, {"end": -1, "status": "stopped"}])
def test_a_statin_whose_dates_ended_before_today_is_not_said_to_be_taken(kb, today, old):
    """Simvastatin completed (or stopped) yesterday by its end date, a renewal from 30 days ahead: a daily tablet
    whose dates end before today is not read as taken (as ezetimibe is not); nothing is said of the renewal that could
    be untrue."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=-60, **old)
    detail = fired(run(kb, chart.medication(SIMVASTATIN, 20, "mg", start=30).request("patient-view"), today))[RULE][
        "detail"]
    assert f"Statin ordered to start later: {SIMVASTATIN} (from 2026-12-21)." in detail
    assert "may still be taken" not in detail and "not yet taken" not in detail and "Stopped" not in detail


STOPPED_LINE = f"Stopped on the chart; check it is not still taken: {SIMVASTATIN}."
STOPPED_FACT = f"{SIMVASTATIN} (MedicationRequest/simva): stopped on the chart; check it is not still taken"
# a statin stopped whose dates run to today: before its end date, on its end date today (the EHR writing the day of
# the stop as its end), or with its 90-day supply from 60 days ago running
STOPPED_TO_TODAY = [
    lambda chart: chart.medication(SIMVASTATIN, 20, "mg", start=-60, end=20, status="stopped", resource_id="simva"),
    lambda chart: chart.medication(SIMVASTATIN, 20, "mg", start=-60, end=0, status="stopped", resource_id="simva"),
    lambda chart: _supply(chart.medication(SIMVASTATIN, 20, "mg", start=-60, status="stopped", resource_id="simva"),
                          90),
]


@pytest.mark.parametrize("stopped", STOPPED_TO_TODAY)
def test_a_stopped_statin_is_named_beside_a_statin_in_force_only_to_check(kb, today, stopped):
    """Simvastatin stopped, its dates running to today, beside a renewal from 30 days ahead: it was 'A statin may still
    be taken: ... counted as possibly still taken'. A clinician stopped it (the action the card asks for): it is
    named, short, to check."""
    result = run(kb, stopped(_chart(today)).medication(SIMVASTATIN, 20, "mg", start=30).request("patient-view"), today)
    detail = fired(result)[RULE]["detail"]
    assert (f"Statin ordered to start later: {SIMVASTATIN} (from 2026-12-21).\n{STOPPED_LINE}\n") in detail
    assert "may still be taken" not in detail
    assert explained(result, RULE)["facts"]["other_statins_taken"] == STOPPED_FACT


@pytest.mark.parametrize(("ezetimibe", "label"), [
    ("draft", "ezetimibe is in the orders being signed"),  # was 'already ordered': not until it is signed
    ("current", "ezetimibe is already ordered"),
    ("on hold", "ezetimibe is already ordered"),
    ("stopped before its end date", "ezetimibe may still be taken"),  # was 'already ordered': it is stopped
])
def test_the_ezetimibe_suggestion_places_the_order_truthfully(kb, today, ezetimibe, label):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    if ezetimibe == "draft":
        chart.draft(EZETIMIBE, 10, "mg")
    else:
        status = {"current": "active", "on hold": "on-hold"}.get(ezetimibe, "stopped")
        chart.medication(EZETIMIBE, 10, "mg", start=-60, end=30 if status == "stopped" else None, status=status)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert f"Cancel the statin ({label}: ezetimibe)" in [s["label"] for s in card["suggestions"]]


def test_pcsk9_orders_placed_differently_are_each_said_so(kb, today):
    """A PCSK9 antibody completed 20 days ago and inclisiran drafted: one sentence for each, the draft not said to be
    'already in use'."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").draft(INCLISIRAN, 284, "mg")
    chart.medication(EVOLOCUMAB, 140, "mg", start=-20, end=-20, status="completed")
    line = _pcsk9_taken_line(fired(run(kb, chart.request("order-sign"), today))[RULE])
    assert line == (f"A PCSK9 inhibitor may still be taken: {EVOLOCUMAB} (last dose 2026-11-01 by its dates; counted "
                    f"as still taken to 2026-12-09: {WINDOW}). A PCSK9 inhibitor is in the orders being signed: "
                    f"{INCLISIRAN}. No second PCSK9 inhibitor order is offered.")


def test_a_pcsk9_order_ended_with_a_supply_and_no_end_date_may_have_been_given_up_to_today(kb, today):
    """Evolocumab every 2 weeks from D-200, stopped with no end date, a 28-day supply and 11 refills (not read): it
    was read as last given when its first supply ran out (D-172), and a second PCSK9 antibody was offered."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(
        EVOLOCUMAB, 140, "mg", start=-200, period=2, period_unit="wk", status="stopped")
    card = fired(run(kb, _supply(chart, 28, repeats=11).request("order-sign"), today))[RULE]
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card) == (
        f"A PCSK9 inhibitor may still be taken: {EVOLOCUMAB} (status 'stopped' on a day the chart does not give, with "
        f"no end date: {MAY_BE_CHECKED}). No second PCSK9 inhibitor order is offered.")


@pytest.mark.parametrize(("praluent", "line"), [
    # Praluent from D-600 to D-400: evolocumab was last given D-601 at the latest; the PCSK9 antibody is offered
    ({"start": -600, "end": -400, "status": "completed"}, None),
    # Praluent current from D-20: evolocumab, last given D-21 at the latest, still acts (to D+17)
    ({"start": -20}, f"A PCSK9 inhibitor may still be taken: {EVOLOCUMAB} (last dose 2026-10-31 at the latest, the "
                     "day before a later PCSK9-directed order started; counted as still taken to 2026-12-08: "
                     f"{WINDOW}). A PCSK9 inhibitor is already ordered: Praluent 150 mg/mL pen (current). No second "
                     "PCSK9 inhibitor order is offered."),
])
def test_a_pcsk9_order_ended_with_no_end_date_is_read_up_to_the_later_one_that_superseded_it(kb, today, praluent,
                                                                                              line):
    """Evolocumab every 2 weeks from D-1500, stopped with no end date, and Praluent started after it: the 4-year-old
    evolocumab was read as possibly given up to today and withheld the PCSK9 offer, though the chart shows it was
    superseded when Praluent started."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(
        EVOLOCUMAB, 140, "mg", start=-1500, period=2, period_unit="wk", status="stopped")
    chart.medication("Praluent 150 mg/mL pen", 150, "mg", period=2, period_unit="wk", **praluent)
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert _pcsk9_taken_line(card) == line and (_pcsk9(card) is None) is (line is not None)


@pytest.mark.parametrize("praluent", [
    {},  # one injection, no timing
    {"count": 1, "period": 2, "period_unit": "wk"},  # one injection written with a schedule
])
def test_a_single_pcsk9_injection_later_does_not_supersede_an_order_ended_with_no_end_date(kb, today, praluent):
    """Evolocumab every 2 weeks from D-300, stopped with no end date; one Praluent injection D-200, completed: it was
    read as superseding evolocumab (last given D-201), and 'start evolocumab' was offered though evolocumab may still
    be given. A single dose takes over nothing (as courses.taken_over reads a shot)."""
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg").medication(
        EVOLOCUMAB, 140, "mg", start=-300, period=2, period_unit="wk", status="stopped")
    chart.medication("Praluent 150 mg/mL pen", 150, "mg", start=-200, status="completed", **praluent)
    if not praluent:
        del chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert _pcsk9(card) is None
    assert _pcsk9_taken_line(card) == (
        f"A PCSK9 inhibitor may still be taken: {EVOLOCUMAB} (status 'stopped' on a day the chart does not give, with "
        f"no end date: {MAY_BE_CHECKED}). No second PCSK9 inhibitor order is offered.")


@pytest.mark.parametrize("ezetimibe", [
    lambda chart: chart.medication(EZETIMIBE, 10, "mg", start=-60, end=0, status="completed"),  # on its end date
    lambda chart: _supply(chart.medication(EZETIMIBE, 10, "mg", start=-60, status="completed"), 90),
])
def test_an_ezetimibe_order_ended_with_its_dates_reaching_today_says_so(kb, today, ezetimibe):
    """Ezetimibe completed on its own end date (today), or whose supply runs on: it was said to have stopped 'before
    the end its dates give', or 'with no end date' though its supply gives the day."""
    result = run(kb, ezetimibe(_chart(today).draft(ATORVASTATIN_40, 40, "mg")).request("order-sign"), today)
    taken = explained(result, RULE)["facts"]["ezetimibe_taken"]
    assert taken.endswith(f": status 'completed', {DATES_REACH_TODAY}")
    assert "Cancel the statin (ezetimibe may still be taken: ezetimibe)" in [
        s["label"] for s in fired(result)[RULE]["suggestions"]]


def _deletes(suggestion):
    return [(a["description"], taken_away(a)) for a in suggestion["actions"] if taken_away(a)]


def _completed(**dates):
    return lambda chart: chart.medication(SIMVASTATIN, 20, "mg", status="completed", resource_id="simva", **dates)


TO_START = ("status 'completed', to start 2026-11-26: counted as possibly taken from then; check whether the patient "
            "is on it")


@pytest.mark.parametrize(("order", "why"), [
    # a 90-day supply dispensed 60 days ago: tablets to 2026-12-20
    (lambda chart: _supply(_completed(start=-60)(chart), 90), f"status 'completed', {DATES_REACH_TODAY}"),
    # 90 daily doses written from 30 days ago
    (_completed(start=-30, count=90), f"status 'completed', {DATES_REACH_TODAY}"),
    (_completed(start=-60, end=0), f"status 'completed', {DATES_REACH_TODAY}"),  # its last day today
    # its end date ahead, with a supply or without: completed is dispensed in full, not stopped early (it was quiet)
    (lambda chart: _supply(_completed(start=-60, end=30)(chart), 90), f"status 'completed', {DATES_REACH_TODAY}"),
    (_completed(start=-60, end=30), f"status 'completed', {DATES_REACH_TODAY}"),
    (_completed(start=5, end=95), TO_START),  # dispensed, to start after today (it was quiet)
])
def test_a_completed_statin_whose_dates_reach_today_fires_alone(kb, today, order, why):
    """Simvastatin whose order completed (FHIR: all it implied has occurred, for a prescription its dispensing) though
    its end date, supply or count runs to today, or that starts after today, and no other statin: no card, though the
    patient may be taking it (it was named only beside an active statin). The card fires, says the order ended and
    asks to check ('may be taken': from its start, for one that starts after today, not 'may still be taken'); it
    discontinues nothing (the order has ended) and pre-selects nothing."""
    result = run(kb, order(_chart(today)).request("patient-view"), today)
    card = fired(result).get(RULE)
    assert card is not None and card["indicator"] == "critical"
    assert card["summary"] == ("Statin contraindicated: anti-HMGCR myopathy. Order ended but may be taken: "
                               f"{SIMVASTATIN}")
    placed = "A statin may be taken once it starts" if why == TO_START else "A statin may still be taken"
    assert f"a specialist decision.\n\n{placed}: {SIMVASTATIN} ({why}).\n" in card["detail"]
    assert "Statin active" not in card["detail"]
    assert [s["label"] for s in card["suggestions"]] == [
        "Start ezetimibe 10 mg daily", "Start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)",
        "Refer to the lipid clinic"]
    assert not any(_deletes(s) or s.get("isRecommended") for s in card["suggestions"])
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/simva"]
    assert explained(result, RULE)["facts"]["other_statins_taken"] == f"{SIMVASTATIN} (MedicationRequest/simva): {why}"


def test_a_statin_whose_order_ended_beside_ezetimibe_taken_offers_no_empty_suggestion(kb, today):
    """With ezetimibe current and only an ended statin that may still be taken, there is no statin to stop: no
    'Discontinue the statin (ezetimibe is already ordered ...)' suggestion with nothing in it."""
    chart = _supply(_chart(today).medication(SIMVASTATIN, 20, "mg", start=-60, status="completed"), 90)
    card = fired(run(kb, chart.medication(EZETIMIBE, 10, "mg", start=-60).request("patient-view"), today))[RULE]
    assert [s["label"] for s in card["suggestions"]] == [
        "Start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)", "Refer to the lipid clinic"]


@pytest.mark.parametrize("stopped", STOPPED_TO_TODAY)
def test_a_stopped_statin_never_fires_alone(kb, today, stopped):
    """Simvastatin stopped, its supply or end date running to today, and no other statin: a critical card on every
    chart opening until they pass (stopped today, right after the clinician followed 'Discontinue'), with nothing to
    act on. A stop never fires alone; the explanation names it."""
    result = run(kb, stopped(_chart(today)).request("patient-view"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["facts"]["other_statins_taken"] == STOPPED_FACT


def test_a_statin_stopped_before_it_began_is_not_named(kb, today):
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=5, status="stopped")
    result = run(kb, chart.medication(ATORVASTATIN_40, 40, "mg", start=-30).request("patient-view"), today)
    assert SIMVASTATIN not in fired(result)[RULE]["detail"]


CANCEL_DRAFT = ("Cancel atorvastatin 40 MG Oral Tablet (40 mg once a day)", "MedicationRequest/draft-atorva")


@pytest.mark.parametrize(("on_chart", "line", "how"), [
    ({}, f"A statin is already ordered: {SIMVASTATIN} (current).", "current"),
    ({"status": "on-hold"}, f"A statin is already ordered: {SIMVASTATIN} (on hold).", "on hold"),
    ({"start": 10}, f"A statin is already ordered: {SIMVASTATIN} (to start 2026-12-01: not yet taken by its dates).",
     "to start 2026-12-01: not yet taken by its dates"),
    ({"status": "unknown"}, f"A statin order of unknown status is on the chart: {SIMVASTATIN} (status 'unknown'). "
                            "Check whether the patient is still on it.", "status 'unknown'"),
])
def test_a_statin_on_the_chart_beside_a_drafted_one_is_named_and_discontinued(kb, today, on_chart, line, how):
    """Simvastatin on the chart and atorvastatin drafted: the card named only the draft and only cancelled it, so the
    simvastatin went on unseen. It is named, said to be left on by cancelling the draft (to discontinue too), and
    every suggestion discontinues it."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", **({"start": -400} | on_chart), resource_id="simva")
    result = run(kb, chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva").request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["summary"] == ("Statin contraindicated: anti-HMGCR myopathy. Cancel atorvastatin 40 MG Oral Tablet; "
                               f"discontinue {SIMVASTATIN} on the chart")
    assert (f"Statin ordered: atorvastatin 40 MG Oral Tablet.\n{line}\nCancelling the draft does not stop "
            f"{SIMVASTATIN} on the chart: discontinue it too.") in card["detail"]
    for suggestion in card["suggestions"]:
        assert suggestion["label"].startswith("Cancel the statin, discontinue the one on the chart and ")
        assert _deletes(suggestion) == [CANCEL_DRAFT, (
            f"Discontinue {SIMVASTATIN} (20 mg once a day; {how}) on the chart", "MedicationRequest/simva")]
    assert card["extension"]["imnm-cds"]["draftOrders"] == ["MedicationRequest/draft-atorva"]
    facts = explained(result, RULE)["facts"]
    unread = on_chart.get("status") == "unknown"
    assert facts["other_statins_taken"] == (None if unread else f"{SIMVASTATIN} (MedicationRequest/simva): {how}")
    assert facts["statins_status_unread"] == (
        f"{SIMVASTATIN} (MedicationRequest/simva): status 'unknown', counted as possibly active" if unread else None)


def test_statins_on_the_chart_renewed_or_ended_beside_a_drafted_one(kb, today):
    """A renewal draft naming simvastatin as its prior prescription leaves it on once cancelled (discontinued too,
    with rosuvastatin also active: 'the ones'); pravastatin completed with its supply running is named as possibly
    taken, and lovastatin stopped before its end date as stopped, to check: neither is discontinued (its order has
    ended)."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=-400, resource_id="simva")
    chart.medication("rosuvastatin 10 mg tablet", 10, "mg", start=-30, resource_id="rosu")
    _supply(chart.medication("pravastatin 40 mg tablet", 40, "mg", start=-60, status="completed",
                             resource_id="prava"), 90)
    chart.medication("lovastatin 20 mg tablet", 20, "mg", start=-60, end=20, status="stopped", resource_id="lova")
    chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva").replacing("simva")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert (f"A statin is already ordered: {SIMVASTATIN} (current); rosuvastatin 10 mg tablet (current). A statin may "
            f"still be taken: pravastatin 40 mg tablet (status 'completed', {DATES_REACH_TODAY}). Stopped on the "
            "chart; check it is not still taken: lovastatin 20 mg tablet.\nCancelling the draft does not stop "
            f"{SIMVASTATIN}; rosuvastatin 10 mg tablet on the chart: discontinue them too.") in card["detail"]
    assert all(s["label"].startswith("Cancel the statin, discontinue the ones on the chart and ")
               and [resource for _, resource in _deletes(s)] == [
                   "MedicationRequest/draft-atorva", "MedicationRequest/simva", "MedicationRequest/rosu"]
               for s in card["suggestions"])


def test_a_statin_re_sent_as_the_draft_is_cancelled_with_it_not_named_again(kb, today):
    chart = _chart(today).medication(ATORVASTATIN_40, 20, "mg", start=-400, resource_id="atorva")
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="atorva").request("order-sign"), today))[
        RULE]
    assert card["summary"] == "Statin contraindicated: anti-HMGCR myopathy. Cancel atorvastatin 40 MG Oral Tablet"
    assert "already ordered" not in card["detail"] and "Cancelling the draft" not in card["detail"]
    assert _deletes(card["suggestions"][0]) == [("Cancel atorvastatin 40 MG Oral Tablet (40 mg once a day)",
                                                 "MedicationRequest/atorva")]


@pytest.mark.parametrize(("stop", "ref"), [
    (lambda chart: chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="atorva", status="stopped"), "atorva"),  # re-sent
    (lambda chart: chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="stop-1", status="stopped").replacing("atorva"),
     "stop-1"),
    (lambda chart: chart.draft(ATORVASTATIN_40, 0, "mg", resource_id="atorva"), "atorva"),  # re-sent at 0 mg
    # linked to no chart order: it was 'Statin ordered' and the card offered to cancel the stop
    (lambda chart: chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="stop-1", status="stopped"), "stop-1"),
    (lambda chart: chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="stop-1", status="cancelled"), "stop-1"),
    (lambda chart: chart.draft(ATORVASTATIN_40, 0, "mg", resource_id="stop-1").replacing("atorva"), "stop-1"),
])
def test_a_draft_that_orders_no_statin_gives_no_card(kb, today, stop, ref):
    """Atorvastatin on the chart and a draft that orders none (a stop, linked to the chart order or not, a
    cancellation, 0 mg naming the chart order): the card offered to cancel it ('Cancel atorvastatin'), which would
    leave the statin active. It orders no statin: no card, and the explanation names it."""
    chart = stop(_chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-400, resource_id="atorva"))
    result = run(kb, chart.request("order-sign"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["reason"] == QUIET_ORDERING_NONE
    assert explained(result, RULE)["facts"]["statin_drafts_ordering_none"] == (
        f"atorvastatin 40 MG Oral Tablet (MedicationRequest/{ref})")


QUIET_ORDERING_NONE = ("no statin or red yeast rice ordered: each statin draft orders none (written as a stop, 0 mg "
                       "naming a statin on the chart, or completed: recorded as dispensed or given)")


def test_a_statin_draft_at_0_mg_naming_no_chart_statin_is_a_statin_ordered(kb, today):
    """A 0 mg atorvastatin draft that re-sends or names no statin on the chart stops nothing anyone can tell: it is
    still a statin prescription drafted (it was read as ordering none, so no card). The card fires, says it is 0 mg,
    cancels it, and discontinues the atorvastatin on the chart."""
    chart = _chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-400, resource_id="atorva")
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 0, "mg", resource_id="stop-1").request("order-sign"), today)
                 ).get(RULE)
    assert card is not None and card["indicator"] == "critical"
    assert ("Statin ordered: atorvastatin 40 MG Oral Tablet (0 mg, but it re-sends or names no statin on the chart: "
            "read as a statin ordered).") in card["detail"]
    assert _deletes(card["suggestions"][0]) == [
        ("Cancel atorvastatin 40 MG Oral Tablet (0 mg once a day)", "MedicationRequest/stop-1"),
        ("Discontinue atorvastatin 40 MG Oral Tablet (40 mg once a day; current) on the chart",
         "MedicationRequest/atorva")]


def test_a_completed_statin_draft_alone_is_named_as_recorded(kb, today):
    """An atorvastatin draft written 'completed' records a statin dispensed or given: nothing to cancel, so no card
    on order-sign, but the explanation said it was 'written as a stop'. It names it as recorded."""
    result = run(kb, _chart(today).draft(ATORVASTATIN_40, 40, "mg", resource_id="done-1", status="completed").request(
        "order-sign"), today)
    assert RULE not in fired(result)
    assert explained(result, RULE)["reason"] == QUIET_ORDERING_NONE
    assert explained(result, RULE)["facts"]["statin_drafts_ordering_none"] == (
        "atorvastatin 40 MG Oral Tablet (MedicationRequest/done-1): status 'completed', a statin recorded as dispensed "
        "or given")


def test_a_switch_drafted_with_the_old_statin_stopped_cancels_only_the_new_one(kb, today):
    """Atorvastatin stopped in the same signing as a rosuvastatin draft: only rosuvastatin is cancelled, and the
    atorvastatin being stopped is neither named nor discontinued again."""
    chart = _chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-400, resource_id="atorva")
    chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="atorva", status="stopped")
    chart.draft("rosuvastatin 10 mg tablet", 10, "mg", resource_id="draft-rosu")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["summary"] == "Statin contraindicated: anti-HMGCR myopathy. Cancel rosuvastatin 10 mg tablet"
    assert "Statin ordered: rosuvastatin 10 mg tablet.\n\n" in card["detail"]
    assert all(_deletes(s) == [("Cancel rosuvastatin 10 mg tablet (10 mg once a day)", "MedicationRequest/draft-rosu")]
               for s in card["suggestions"])


def test_a_statin_on_the_chart_is_said_to_be_discontinued_when_the_draft_has_no_id(kb, today):
    """Simvastatin on the chart and an atorvastatin draft with no id: the card loses every suggestion (each cancels
    the draft, hooks.cards.build), so the detail must not promise that 'each suggestion discontinues it too'."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=-400, resource_id="simva")
    chart.draft(ATORVASTATIN_40, 40, "mg")
    del chart.drafts[-1]["id"]
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert "suggestions" not in card and "**A drafted order has no id**" in card["detail"]
    assert (f"Cancelling the draft does not stop {SIMVASTATIN} on the chart: discontinue it too.\n"
            in card["detail"])


def test_chart_statins_too_long_to_name_in_the_summary_are_counted(kb, today):
    """Lipitor drafted beside Zocor and rosuvastatin on the chart: the summary was cut off in a name ('...; discontinue
    simvastatin 20 MG Oral T…'). The statins on the chart are counted instead; the detail names them."""
    chart = _chart(today).medication("simvastatin 20 MG Oral Tablet [Zocor]", 20, "mg", start=-400)
    chart.medication("rosuvastatin calcium 10 MG Oral Tablet", 10, "mg", start=-40)
    card = fired(run(kb, chart.draft("atorvastatin calcium 40 MG Oral Tablet [Lipitor]", 40, "mg").request(
        "order-sign"), today))[RULE]
    assert card["summary"] == ("Statin contraindicated: anti-HMGCR myopathy. Cancel atorvastatin calcium 40 MG Oral "
                               "Tablet [Lipitor]; discontinue 2 statins on the chart")


LIPITOR = "atorvastatin calcium 40 MG Oral Tablet [Lipitor]"
CRESTOR = "rosuvastatin calcium 10 MG Oral Tablet [Crestor]"


def test_drafts_too_long_to_name_beside_a_chart_statin_are_counted_too(kb, today):
    """Lipitor and Crestor drafted beside simvastatin on the chart: even with the chart's counted, the summary passed
    its 139 characters and was cut off in a name. The drafts are counted too."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=-400)
    card = fired(run(kb, chart.draft(LIPITOR, 40, "mg").draft(CRESTOR, 10, "mg").request("order-sign"), today))[RULE]
    assert card["summary"] == ("Statin contraindicated: anti-HMGCR myopathy. Cancel 2 statin drafts; discontinue the "
                               "statin on the chart")


def test_statins_in_force_too_long_to_name_are_counted_on_patient_view(kb, today):
    chart = _chart(today).medication(LIPITOR, 40, "mg", start=-40).medication(CRESTOR, 10, "mg", start=-40)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == "Statin contraindicated: anti-HMGCR myopathy. Discontinue 2 statins"


def test_ended_statin_orders_too_long_to_name_are_counted(kb, today):
    """Lipitor and Crestor completed, their supplies running to today: 'Order ended but may be taken: <names>' was
    cut off. They are counted; the detail names them."""
    chart = _chart(today)
    for name in (LIPITOR, CRESTOR):
        _supply(chart.medication(name, 10, "mg", start=-60, status="completed"), 90)
    card = fired(run(kb, chart.request("patient-view"), today))[RULE]
    assert card["summary"] == "Statin contraindicated: anti-HMGCR myopathy. 2 statin orders ended but may be taken"
    assert LIPITOR in card["detail"] and CRESTOR in card["detail"]


@pytest.mark.parametrize("bad_id", ["", "not a FHIR id"])
def test_a_chart_statin_with_no_usable_id_is_left_to_discontinue_by_hand(kb, today, bad_id):
    """Simvastatin on the chart with no id (or not a FHIR id) beside an atorvastatin draft: its discontinue action
    was one hooks.cards.build rejects, so every suggestion was dropped, the cancels of the draft too (the card before
    offered them). The suggestions cancel the draft; the detail says to discontinue the simvastatin by hand."""
    chart = _chart(today).medication(SIMVASTATIN, 20, "mg", start=-400)
    chart.resources["medications"][-1]["id"] = bad_id
    card = fired(run(kb, chart.draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva").request("order-sign"),
                     today))[RULE]
    assert "**A drafted order has no id**" not in card["detail"]
    assert (f"Cancelling the draft does not stop {SIMVASTATIN} on the chart: discontinue it too. No id the card can "
            f"act on, to discontinue by hand: {SIMVASTATIN}.\n") in card["detail"]
    assert [s["label"] for s in card["suggestions"]] == [
        "Cancel the statin and start ezetimibe 10 mg daily",
        "Cancel the statin and start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)",
        "Cancel the statin and refer to the lipid clinic"]
    assert all(_deletes(s) == [CANCEL_DRAFT] for s in card["suggestions"])


def test_r14_an_anti_hmgcr_written_positive_beside_its_reference_fires(kb, today):
    """"Positive (Reference: Negative)" was read as negative (a negative word anywhere won), and the statin draft
    passed: the result word that leads is the result."""
    chart = Chart(today, age=60).condition(IMNM_SNOMED, onset=-200)
    chart.observation(ANTI_HMGCR, -150, value_string="Positive (Reference: Negative)").draft(ATORVASTATIN_40, 40, "mg")
    assert fired(run(kb, chart.request("order-sign"), today))[RULE]["indicator"] == "critical"


@pytest.mark.parametrize("code", ["G72.0", "G72.89"])
def test_r14_statin_associated_myopathy_named_in_the_text_of_a_generic_code(kb, today, code):
    """Condition G72.0 ('Drug-induced myopathy', the code the spec says sites use for statin-associated disease)
    or G72.89 with the text "Statin-associated autoimmune myopathy", no antibody on file: its text was not read
    (the code was taken as saying all), and a statin draft passed. Both are generic codes: the text says which."""
    chart = Chart(today, age=60).condition((ICD10, code, "Drug-induced myopathy"), onset=-200)
    chart.resources["conditions"][-1]["code"]["text"] = "Statin-associated autoimmune myopathy"
    chart.draft(ATORVASTATIN_40, 40, "mg")
    assert fired(run(kb, chart.request("order-sign"), today))[RULE]["indicator"] == "critical"


def _unread_titre(today, **reference):
    """IMNM on the problem list, anti-HMGCR sent as a titre with no range (or its range written after it)."""
    chart = Chart(today, age=62).condition(IMNM_SNOMED, onset=-400)
    return chart.observation(ANTI_HMGCR, -100, **reference).draft(ATORVASTATIN_40, 40, "mg")


def test_r14_a_titre_with_its_range_written_after_it_fires(kb, today):
    """Review: anti-HMGCR sent as '45 U/mL (ref <20)' with atorvastatin drafted: R14 was quiet ("no positive
    anti-HMGCR"), with a data-quality note only."""
    result = run(kb, _unread_titre(today, value_string="45 U/mL (ref <20)").request("order-sign"), today)
    card = fired(result)[RULE]
    assert card["indicator"] == "critical" and "Anti-HMGCR antibody positive" in card["detail"]
    assert not [w for w in result.warnings if "HMGCR" in w]


@pytest.mark.parametrize("hook", ["order-sign", "patient-view"])
def test_r14_an_anti_hmgcr_that_cannot_be_read_leaves_a_statin_not_evaluable_naming_it(kb, today, hook):
    """Review: anti-HMGCR 45 U/mL with no range and a statin drafted: R14 was quiet ("no positive anti-HMGCR"). The
    row's trigger is an anti-HMGCR ever positive: a result that cannot be read may be it, so R14 is not evaluable,
    naming the result and the statin (said among the response's warnings, R14 being critical), never quiet."""
    chart = _unread_titre(today, value=45, unit="U/mL")
    if hook == "patient-view":
        chart.medication(ATORVASTATIN_40, 40, "mg", start=-30)
    result = run(kb, chart.request(hook), today)
    entry = explained(result, RULE)
    assert RULE not in fired(result) and entry["status"] == "not-evaluable"
    assert entry["reason"] == (
        f"anti-HMGCR 45 U/mL on {chart.at(-100)} could not be read as positive or negative, and a positive anti-HMGCR "
        "at any time contraindicates atorvastatin 40 MG Oral Tablet for life; IMNM is on the problem list "
        "(Autoimmune necrotizing myopathy). Ask the lab how to read it (a titre needs its interpretation or "
        f"reference range), or repeat it, before {'signing' if hook == 'order-sign' else 'continuing'} the statin")
    assert any(w.startswith("R14 (Statin contraindicated in anti-HMGCR myopathy) was not evaluated: anti-HMGCR 45")
               for w in result.warnings)
    assert entry["facts"]["anti_hmgcr_unread"] == f"45 U/mL on {chart.at(-100)}"


def test_r14_an_older_negative_does_not_settle_a_newer_unread_anti_hmgcr(kb, today):
    chart = _unread_titre(today, value=45, unit="U/mL").antibody("anti_hmgcr", "negative", day=-300)
    assert explained(run(kb, chart.request("order-sign"), today), RULE)["status"] == "not-evaluable"


def test_r14_an_unread_anti_hmgcr_without_a_statin_stays_quiet(kb, today):
    """The statin gate is passed first: with no statin the row is quiet for a known reason."""
    chart = Chart(today, age=62).observation(ANTI_HMGCR, -100, value=45, unit="U/mL")
    entry = explained(run(kb, chart.request("patient-view"), today), RULE)
    assert entry["status"] == "not-fired" and entry["reason"] == "no statin or red yeast rice active"


CADUET = (RXNORM, "597990", "amlodipine 10 MG / atorvastatin 40 MG Oral Tablet")


@pytest.mark.parametrize(("hook", "verb"), [("order-sign", "Cancel"), ("patient-view", "Discontinue")])
def test_r14_a_combination_names_its_other_ingredient_to_re_order_alone(kb, today, hook, verb):
    """Review: cancelling Caduet (amlodipine 10 mg / atorvastatin 40 mg) stopped the amlodipine unsaid. The value sets
    hold no code for amlodipine alone, so no order is offered: the card and every suggestion say to re-order it."""
    chart = _chart(today)
    if hook == "order-sign":
        chart.draft(CADUET, 1, "{tbl}")
    else:
        chart.medication(CADUET, 1, "{tbl}", start=-60)
    result = run(kb, chart.request(hook), today)
    card = fired(result)[RULE]
    assert (f"Stopping {CADUET[2]} also stops amlodipine, its other ingredient. **Re-order amlodipine alone** if still "
            "needed, at the dose the combination gave: the card offers no order for it.") in card["detail"]
    assert all(s["label"].startswith(f"{verb} the statin (re-order amlodipine alone)") for s in card["suggestions"])
    assert not any("amlodipine" in str(a["resource"]) for s in card["suggestions"] for a in s["actions"]
                   if a["type"] == "create")
    assert explained(result, RULE)["facts"]["other_ingredients_stopped"] == f"{CADUET[2]}: amlodipine"


def test_r14_niacin_of_a_combination_is_named_and_ezetimibe_is_continued_by_the_order_offered(kb, today):
    advicor = fired(run(kb, _chart(today).draft("Advicor 500 mg/20 mg tablet", 1, "{tbl}").request("order-sign"),
                        today))[RULE]
    assert "**Re-order niacin alone** if still needed" in advicor["detail"]
    assert advicor["suggestions"][0]["label"] == ("Cancel the statin (re-order niacin alone) and start ezetimibe 10 mg "
                                                  "daily")
    vytorin = fired(run(kb, _chart(today).draft("Vytorin 10/40 mg tablet", 1, "{tbl}").request("order-sign"),
                        today))[RULE]
    assert ("Stopping Vytorin 10/40 mg tablet also stops ezetimibe, its other ingredient. The ezetimibe order offered "
            "continues ezetimibe alone.") in vytorin["detail"]
    assert "Re-order" not in vytorin["detail"] and "re-order" not in vytorin["suggestions"][0]["label"]
