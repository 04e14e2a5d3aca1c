"""hooks.reconcile through the engine: a suggestion that gives a draft another card advises not giving is not offered
(review 422: R01/R02 beside R06-R08, R21 beside R06, R13 beside R12), its card says why, and nothing else changes; a
test that recommended suggestions of several cards order is kept once, on a suggestion that orders tests alone (review
423: one CBC on R15, R24 and R30; reviews 424-425: never only beside a drug that may be declined)."""

from __future__ import annotations

from typing import Any

import pytest

import fhir_fixtures
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    IBM_ICD,
    IMNM_SNOMED,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    ROUTE_ORAL,
    Chart,
)
from fhir_fixtures.r12_aza_tpmt_nudt15_before_start import NUDT15, TPMT_GENOTYPE
from fhir_fixtures.r13_aza_xanthine_oxidase_interaction import ALLOPURINOL
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import tapering_chart
from fhir_fixtures.r22_imnm_ck_monitoring_due import stable_chart
from hooks import engine
from hooks.definitions import lab_orders
from hooks.definitions.lab_orders import LabTest
from hooks.reconcile import Reconciled, reconcile
from hooks.rule import SEVERITY_ORDER, Action, Fired, Rule, Severity, Suggestion
from tests.conftest import explained, fired, run

NSTI = "nsti-no-immunosuppression"
IBM = "ibm-immunosuppression-futile"
RELAPSE = "imnm-possible-relapse-on-taper"
AZA_ALLOPURINOL = "aza-xanthine-oxidase-interaction"
PREDNISONE = "prednisone-adult-dose-check"
PULSE = "ivmp-pulse-dose-cap"
MTX_DAILY = "mtx-once-weekly-hard-stop"
TPMT = "aza-tpmt-nudt15-before-start"
NSTI_SAYS = "R01 (No immunosuppression in necrotizing soft-tissue infection) advises cancelling"
KEEP = "Keep the draft and discontinue the order on the chart"


@pytest.fixture
def unreconciled(monkeypatch):
    """Evaluates as before hooks.reconcile: every card as its rule gave it."""
    def run_unreconciled(kb, request, today, **kwargs: Any):
        with monkeypatch.context() as patch:
            patch.setattr(engine, "reconcile", lambda outcomes, drafts, sets: [Reconciled(f) for _, f in outcomes])
            return run(kb, request, today, **kwargs)
    return run_unreconciled


def _without_uuids(card: dict[str, Any]) -> dict[str, Any]:
    return {**card, "uuid": None, "suggestions": [{**s, "uuid": None} for s in card.get("suggestions", [])]}


def _labels(card: dict[str, Any]) -> list[str]:
    return [s["label"] for s in card.get("suggestions", [])]


def _nsti(today) -> dict[str, Any]:
    return fhir_fixtures.get("reconcile-fires-nsti-beside-dose-errors").request(today)


def _ibm(today) -> Chart:
    """Review 422 s14.py: sporadic IBM, 72 y, 70 kg; drafts prednisone 100 mg, methotrexate 15 mg DAILY, IV
    methylprednisolone 1,500 mg x3."""
    chart = Chart(today, age=72, sex="male").condition(IBM_ICD, onset=-400).weight(70, day=-2)
    chart.draft(PREDNISONE_20, 100, "mg", route=ROUTE_ORAL, resource_id="d-pred")
    chart.draft(METHOTREXATE_2_5, 15, "mg", frequency=1, period=1, period_unit="d", route=ROUTE_ORAL,
                resource_id="d-mtx")
    chart.draft(METHYLPRED_1000, 1500, "mg", route=ROUTE_IV, count=3, resource_id="d-ivmp")
    return chart


def _taper_step_unlinked(today) -> Chart:
    """Review 422 s8.py: anti-HMGCR IMNM tapered 60 -> 40 -> 20 mg, CK 600 (3.3x the nadir); a prednisone 10 mg
    draft that does not link to the 20 mg order on the chart."""
    chart = tapering_chart(today, weighed=-10)
    chart.draft(PREDNISONE_5, 10, "mg", route=ROUTE_ORAL, resource_id="d-pred10")
    return chart


def _azathioprine_with_allopurinol(today) -> Chart:
    """Review 422 s6.py: IMNM, 60 kg, allopurinol 300 mg on the chart, TPMT intermediate, NUDT15 normal; azathioprine
    200 mg daily drafted (3.3 mg/kg)."""
    chart = Chart(today, age=67, sex="male").condition(IMNM_SNOMED, onset=-90).weight(60, day=-3)
    chart.medication(ALLOPURINOL, 300, "mg", start=-700, resource_id="allo")
    chart.observation(TPMT_GENOTYPE, -20, value_string="*1/*3A (intermediate metabolizer)")
    chart.observation(NUDT15, -20, value_string="*1/*1 normal metabolizer")
    chart.draft(AZATHIOPRINE_50, 200, "mg", resource_id="aza-draft")
    return chart


def test_nsti_dose_cards_offer_no_replacement_and_say_why(kb, today, unreconciled):
    """R01 recommends cancelling all three drafts (with surgery and antibiotics, which it creates: withholding is
    read from what it cancels without ordering the drug again); R07, R08 and R06 each pre-selected a replacement."""
    result = run(kb, _nsti(today), today)
    before = fired(unreconciled(kb, _nsti(today), today))
    cards = fired(result)
    assert _without_uuids(cards[NSTI]) == _without_uuids(before[NSTI])
    expected = {PULSE: ("Replace with methylprednisolone 1,000 mg IV daily x3", "methylprednisolone 1000 MG Injection"),
                MTX_DAILY: ("Replace with methotrexate 15 mg PO once weekly on Saturday + folic acid 1 mg daily",
                            "methotrexate 2.5 MG Oral Tablet"),
                PREDNISONE: ("Replace with prednisone 80 mg PO every morning (1 mg/kg)",
                             "prednisone 20 MG Oral Tablet")}
    for rule_id, (label, draft) in expected.items():
        assert label in _labels(before[rule_id])
        assert _labels(cards[rule_id]) == []  # every one of them replaced the draft
        assert "selectionBehavior" not in cards[rule_id]
        assert cards[rule_id]["indicator"] == before[rule_id]["indicator"]  # never suppressed nor downgraded
        sentence = f"Not offered: '{label}': {NSTI_SAYS} {draft} (draft)."
        assert sentence.replace("Not offered:", "**Not offered:**") in cards[rule_id]["detail"]
        assert sentence in explained(result, rule_id)["facts"]["not_offered"]
    assert "Replace with methylprednisolone 500 mg IV daily x3" in _labels(before[PULSE])
    assert f"'Replace with methylprednisolone 500 mg IV daily x3': {NSTI_SAYS}" in cards[PULSE]["detail"]
    assert "not_offered" not in explained(result, NSTI)["facts"]
    assert [c["indicator"] for c in result.cards] == ["critical"] * 3 + ["warning"] * 2  # sorted as before


def test_ibm_dose_cards_give_way_to_the_ibm_warning(kb, today, unreconciled):
    """Withholding wins whatever the severities: R02 is a warning, R07 and R08 critical."""
    request = _ibm(today).request("order-sign")
    before = fired(unreconciled(kb, request, today))
    result = run(kb, request, today)
    cards = fired(result)
    assert before[IBM]["indicator"] == "warning" and cards[PULSE]["indicator"] == cards[MTX_DAILY]["indicator"] == \
        "critical"
    assert _without_uuids(cards[IBM]) == _without_uuids(before[IBM])
    for rule_id in (PULSE, MTX_DAILY, PREDNISONE):
        assert _labels(before[rule_id]) and not _labels(cards[rule_id])
        assert "R02 (Immunosuppression futile in inclusion body myositis) advises cancelling" in \
            cards[rule_id]["detail"]


def test_a_kept_taper_step_is_not_offered_while_the_taper_is_held(kb, today, unreconciled):
    """R06 recommended keeping the unlinked 10 mg draft and discontinuing the 20 mg on the chart; R21 recommends
    cancelling the 10 mg draft: both taken, the patient had no prednisone."""
    request = _taper_step_unlinked(today).request("order-sign")
    before = fired(unreconciled(kb, request, today))
    result = run(kb, request, today)
    cards = fired(result)
    assert _labels(before[PREDNISONE]) == [KEEP]
    assert _labels(cards[PREDNISONE]) == []
    assert cards[PREDNISONE]["indicator"] == "warning"
    assert (f"**Not offered:** '{KEEP}': R21 (Possible IMNM relapse during taper) advises cancelling prednisone 5 MG "
            "Oral Tablet (draft).") in cards[PREDNISONE]["detail"]
    assert _without_uuids(cards[RELAPSE]) == _without_uuids(before[RELAPSE])


def test_a_snoozed_card_rules_out_no_other_cards_suggestion(kb, today):
    """A card not shown cannot be what another card's detail points to: R21 snoozed, R06 keeps its suggestion."""
    request = _taper_step_unlinked(today).request("order-sign")
    result = run(kb, request, today, snoozed=lambda ids: {RELAPSE: "snoozed after an override"} if RELAPSE in ids
                 else {})
    cards = fired(result)
    assert RELAPSE not in cards and explained(result, RELAPSE)["status"] == "snoozed"
    assert _labels(cards[PREDNISONE]) == [KEEP]
    assert "Not offered" not in cards[PREDNISONE]["detail"]


def test_the_tpmt_card_does_not_replace_the_azathioprine_r13_cancels(kb, today, unreconciled):
    """R12's 'Replace with azathioprine 50 mg' ignored the allopurinol; R13's own reduced dose, offered if allopurinol
    is unavoidable, is that card's answer to its finding and stays."""
    request = _azathioprine_with_allopurinol(today).request("order-sign")
    before = fired(unreconciled(kb, request, today))
    cards = fired(run(kb, request, today))
    replace = "Replace with azathioprine 50 mg PO daily and titrate"
    assert replace in _labels(before[TPMT])
    assert _labels(cards[TPMT]) == [label for label in _labels(before[TPMT]) if label != replace]
    assert (f"'{replace}': R13 (Azathioprine with allopurinol or febuxostat) advises cancelling Azathioprine 50 MG "
            "Oral Tablet [Imuran] (draft).") in cards[TPMT]["detail"]
    assert _without_uuids(cards[AZA_ALLOPURINOL]) == _without_uuids(before[AZA_ALLOPURINOL])


@pytest.mark.parametrize("name", [
    "reconcile-quiet-dose-errors-alone",  # no card cancels a draft
    "r08-fires-active-weekly-order-plus-draft-on-another-day",  # R08 and R09 each offer cancelling or keeping it
    "r06-fires-2-mg-per-kg-adult",
])
def test_cards_are_unchanged_where_no_card_withholds_a_draft(kb, today, unreconciled, name):
    request = fhir_fixtures.get(name).request(today)
    before = unreconciled(kb, request, today)
    after = run(kb, request, today)
    assert [_without_uuids(c) for c in after.cards] == [_without_uuids(c) for c in before.cards]
    assert after.warnings == before.warnings
    assert not any("not_offered" in (e.get("facts") or {}) for e in after.explanation)


def test_a_defect_shows_every_card_unreconciled_and_says_so(kb, today, monkeypatch, unreconciled):
    def broken(*_: Any) -> list[Reconciled]:
        raise RuntimeError("defect")

    before = unreconciled(kb, _nsti(today), today)
    monkeypatch.setattr(engine, "reconcile", broken)
    result = run(kb, _nsti(today), today)
    assert [_without_uuids(c) for c in result.cards] == [_without_uuids(c) for c in before.cards]
    assert any(w.startswith("The cards' suggestions could not be reconciled") for w in result.warnings)


def test_every_suggestion_that_keeps_a_draft_says_which(kb, today, monkeypatch):
    """A "Keep the ... draft and discontinue ... on the chart" suggestion is only right if its drafts are signed: it
    names them (Suggestion.keeps), or a card advising to cancel them could not take it away. R12's and R32's did
    not."""
    seen: list[tuple[str, str]] = []

    def capture(outcomes, drafts, sets):
        seen.extend((rule.id, s.label) for rule, fired_outcome in outcomes for s in fired_outcome.suggestions
                    if s.label.startswith("Keep the") and "discontinue" in s.label and not s.keeps)
        return [Reconciled(f) for _, f in outcomes]

    monkeypatch.setattr(engine, "reconcile", capture)
    keeping = 0
    for fixture in fhir_fixtures.all_fixtures().values():
        if fixture.hook == "order-sign":
            result = run(kb, fixture.request(today), today)
            keeping += sum(s["label"].startswith("Keep the") for c in result.cards for s in c.get("suggestions", []))
    assert keeping and not seen


def test_a_draft_cancelled_for_its_schedule_is_not_withheld_from_a_weekly_replacement(kb, today):
    """R08 cancels a methotrexate draft that would make a weekly order on the chart twice weekly: it objects to the
    schedule, not the drug (Suggestion.rewrites). R09's once-weekly replacement of the draft and the 30 mg/week
    chart order writes it as R08 asks, and stays offered (it had been taken away as R08's draft)."""
    from tests.rules.test_r09_mtx_weekly_dose_range import MTX_SC, _on_chart
    chart = _on_chart(today, dose=30)
    chart.draft_resource(chart.medication_request(MTX_SC, None, None, start=0, text="as directed", status="draft",
                                                  intent="proposal", resource_id="draft-sig"))
    cards = fired(run(kb, chart.request("order-sign"), today))
    assert MTX_DAILY in cards and _labels(cards["mtx-weekly-dose-range"])
    assert "Not offered" not in cards["mtx-weekly-dose-range"]["detail"]


# ------------------------------------------------------------------ a test ordered on several cards (reviews 423-425)

IVIG = "hmgcr-add-ivig-inadequate-response"
PJP = "pjp-prophylaxis-missing"
CANCER = "imnm-cancer-screening"
CK_DUE = "imnm-ck-monitoring-due"
CMP = LabTest("Comprehensive metabolic panel", "cmp", lab_orders.CMP_LOINC)


def _actions(card: dict[str, Any], recommended: bool = True) -> list[tuple[str, str | None]]:
    """The actions of the card's (recommended, or other) suggestions: description, and the code of a ServiceRequest."""
    return [(a["description"], a["resource"]["code"]["coding"][0]["code"]
             if a["type"] == "create" and a["resource"]["resourceType"] == "ServiceRequest"
             and a["resource"]["code"].get("coding") else None)
            for s in card.get("suggestions", []) if s["isRecommended"] == recommended for a in s["actions"]]


def _cbc_notes(card: dict[str, Any]) -> list[str]:
    """The notes of the CBC the card's recommended suggestions order."""
    return [n["text"] for s in card["suggestions"] if s["isRecommended"] for a in s["actions"]
            if a["type"] == "create" and a["resource"]["resourceType"] == "ServiceRequest"
            and a["resource"]["code"].get("coding", [{}])[0].get("code") == lab_orders.CBC.code
            for n in a["resource"].get("note", ())]


def _codes(card: dict[str, Any]) -> list[str]:
    """The codes of the ServiceRequests the card's recommended suggestions create."""
    return [code for _, code in _actions(card) if code is not None]


def test_a_cbc_beside_a_drug_stays_with_it(kb, today, unreconciled):
    """Review 424 item 3, review 425 item 1: R15 (IVIG), R24 (TMP/SMX) and R30 (cancer screen) each pre-select a CBC.
    It had been kept inside R15's IVIG suggestion only: declining the IVIG left no CBC for the TMP/SMX with
    methotrexate nor for the screen. A CBC beside a drug is that drug's monitoring and is signed with it, and the
    screen's CBC is not lost with a declined drug: all three stay."""
    request = fhir_fixtures.get("story-hmgcr-month-7-ck-high-statin-still-listed").request(today)
    before = fired(unreconciled(kb, request, today))
    result = run(kb, request, today)
    cards = fired(result)
    assert all(lab_orders.CBC.code in _codes(before[rule_id]) for rule_id in (IVIG, PJP, CANCER))
    for rule_id in (IVIG, PJP, CANCER):
        assert _without_uuids(cards[rule_id]) == _without_uuids(before[rule_id])
        assert "not_offered" not in explained(result, rule_id)["facts"]


def test_liver_tests_a_panel_on_a_card_seen_before_includes_are_not_ordered_again(kb, today, unreconciled):
    """R30's CMP (warning) reports ALT and AST: R22 (info, seen after it) orders CK and GGT only."""
    request = stable_chart(today, -91).request("patient-view")
    before = fired(unreconciled(kb, request, today))
    cards = fired(run(kb, request, today))
    assert {lab_orders.ALT.code, lab_orders.AST.code} <= set(_codes(before[CK_DUE]))
    assert _codes(cards[CK_DUE]) == [code for code in _codes(before[CK_DUE])
                                     if code not in (lab_orders.ALT.code, lab_orders.AST.code)]
    assert ("**Ordered on another card:** ALT and AST are part of the Comprehensive metabolic panel (CMP) offered on "
            "R30 (Cancer screening in anti-HMGCR or seronegative IMNM).") in cards[CK_DUE]["detail"]
    assert _without_uuids(cards[CANCER]) == _without_uuids(before[CANCER])


def test_reconcile_reads_the_cards_in_the_order_they_are_shown(kb, today):
    """The engine sorts the fired outcomes as it shows the cards (the most severe first, then in rule order) before
    reconciling them, so that reconcile reads which card is seen first from the list: R02 (a warning) fires before
    R06-R08 in rule order and is shown after the critical ones."""
    seen: list[tuple[str, int, str]] = []

    def capture(outcomes, drafts, sets):
        seen.extend((fired_outcome.severity, rule.number, rule.id) for rule, fired_outcome in outcomes)
        return reconcile(outcomes, drafts, sets)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "reconcile", capture)
        result = run(kb, _ibm(today).request("order-sign"), today)
    assert seen == sorted(seen, key=lambda each: (-SEVERITY_ORDER[each[0]], each[1]))
    assert seen[0][0] == "critical" and ("warning", 2, IBM) in seen
    assert [(c["indicator"], c["source"]["topic"]["code"]) for c in result.cards] == [(s, i) for s, _, i in seen]


def _rule(number: int) -> Rule:
    return Rule(id=f"rule-{number}", number=number, title=f"Rule {number}", hooks=("patient-view",), sources=(),
                summary="", severities=("info", "warning", "critical"))


def _order(test: LabTest, priority: str = "routine", note: str | None = None) -> Action:
    return Action("create", test.label, resource={
        "resourceType": "ServiceRequest", "priority": priority,
        "code": {"coding": [{"system": test.system, "code": test.code}], "text": test.text or test.label},
        **({"note": [{"text": note}]} if note else {})})


def _drug() -> Action:
    return Action("create", "TMP/SMX", resource={"resourceType": "MedicationRequest",
                                                 "medicationCodeableConcept": {"text": "TMP/SMX 80/400 mg"}})


def _card(severity: Severity, *suggestions: Suggestion) -> Fired:
    return Fired(severity, "summary", "Finding.", suggestions=list(suggestions))


def _offered(outcome: Reconciled) -> list[tuple[str, bool, list[str]]]:
    return [(s.label, s.is_recommended, [a.description for a in s.actions]) for s in outcome.fired.suggestions]


def _reconciled(kb, *cards: Fired, numbers: tuple[int, ...] = ()) -> list[Reconciled]:
    """The cards, given in the order they are shown, reconciled; ``numbers``: their rules' numbers (else 1, 2, ...)."""
    return reconcile([(_rule(number), card) for number, card in zip(numbers or range(1, len(cards) + 1), cards,
                                                                     strict=True)], [], kb.valuesets)


def _cbc_note_texts(outcome: Reconciled) -> list[str]:
    return [n["text"] for s in outcome.fired.suggestions for a in s.actions
            if a.resource and a.resource.get("code", {}).get("coding", [{}])[0].get("code") == lab_orders.CBC.code
            for n in a.resource.get("note", ())]


def test_a_critical_card_s_tests_stand_in_for_the_copies_on_the_cards_shown_after_it(kb):
    """R02 (critical) is shown before R01 and R03 (warnings): its tests-only CBC stands in for R01's, whose suggestion
    with nothing left to do is not offered and whose card says why; the CBC beside R03's drug stays with it."""
    r01 = _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True),
                Suggestion("ESR", [_order(lab_orders.ESR)], is_recommended=True))
    r02 = _card("critical", Suggestion("CBC and CRP", [_order(lab_orders.CBC), _order(lab_orders.CRP)],
                                       is_recommended=True))
    r03 = _card("warning", Suggestion("TMP/SMX with a CBC", [_drug(), _order(lab_orders.CBC)], is_recommended=True))
    second, first, third = _reconciled(kb, r02, r01, r03, numbers=(2, 1, 3))
    assert second.fired is r02 and not second.not_offered
    assert _offered(first) == [("ESR", True, ["ESR"])]
    assert third.fired is r03 and not third.not_offered
    said = "Ordered on another card: CBC with differential is offered on R02 (Rule 2)."
    assert first.not_offered == (said,)
    assert first.fired.detail == f"Finding.\n\n**{said.replace(':', ':**', 1)}"
    assert first.fired.severity == "warning"


def test_a_test_beside_a_drug_stands_in_for_no_other_card_s(kb):
    """Review 424 item 3: declining the drug declines its CBC. Two drug suggestions each keep their own (R01's had
    been kept for R02's); a tests-only CBC shown after them is not taken off either."""
    ivig = Suggestion("IVIG with a CBC", [_drug(), _order(lab_orders.CBC)], is_recommended=True)
    tmp_smx = Suggestion("TMP/SMX with a CBC", [_drug(), _order(lab_orders.CBC)], is_recommended=True)
    r01, r02 = _card("warning", ivig), _card("warning", tmp_smx)
    assert [outcome.fired for outcome in _reconciled(kb, r01, r02)] == [r01, r02]
    r03 = _card("critical", Suggestion("Pulse with a CBC", [_drug(), _order(lab_orders.CBC)], is_recommended=True))
    r04 = _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True))
    assert [outcome.fired for outcome in _reconciled(kb, r03, r04)] == [r03, r04]


def test_a_copy_beside_a_drug_is_not_taken_off_for_a_tests_only_copy(kb):
    """Review 425 item 1: the CBC beside R01's IVIG is its monitoring, signed with it: R02's tests-only screen shown
    after it does not take it, nor give up its own."""
    r01 = _card("warning", Suggestion("IVIG with a CBC before each cycle", [
        _drug(), _order(lab_orders.CBC, note="Before each IVIG cycle.")], is_recommended=True))
    r02 = _card("warning", Suggestion("Cancer screen", [_order(lab_orders.CBC, note="Cancer screen."),
                                                        _order(lab_orders.ESR)], is_recommended=True))
    assert [outcome.fired for outcome in _reconciled(kb, r01, r02)] == [r01, r02]


def test_a_card_left_with_no_suggestion_still_shows_and_says_why(kb):
    r01 = _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True))
    r02 = _card("info", Suggestion("CBC and CK", [_order(lab_orders.CBC)], is_recommended=True))
    _, second = _reconciled(kb, r01, r02)
    assert second.fired.suggestions == []
    assert "**Ordered on another card:** CBC with differential is offered on R01 (Rule 1)." in second.fired.detail


def test_only_recommended_suggestions_count_on_either_side(kb):
    """An alternative orders nothing unless taken: it is neither kept for another card's copy nor taken off for one.
    Orders of every kind count as tests (R02's clinic visit does not make its CBC a drug's); medications and text-only
    orders are not merged."""
    visit = Action("create", "Clinic visit", resource={"resourceType": "ServiceRequest", "priority": "routine",
                                                      "code": {"text": "Clinic visit within 2 weeks"}})
    r01 = _card("warning", Suggestion("Alternative: CBC", [_order(lab_orders.CBC)]),
                Suggestion("TMP/SMX and a visit", [_drug(), visit], is_recommended=True))
    r02 = _card("warning", Suggestion("CBC and a visit", [_order(lab_orders.CBC), visit], is_recommended=True),
                Suggestion("Alternative: TMP/SMX with a CBC", [_drug(), _order(lab_orders.CBC)]))
    r03 = _card("info", Suggestion("Alternative: CBC", [_order(lab_orders.CBC)]),
                Suggestion("TMP/SMX with a CBC", [_drug(), _order(lab_orders.CBC)], is_recommended=True))
    assert [outcome.fired for outcome in _reconciled(kb, r01, r02, r03)] == [r01, r02, r03]


def test_a_test_repeats_only_one_at_least_as_urgent(kb):
    """A routine CBC does not stand in for a stat one: both stay. A stat one stands in for a routine one on a card
    shown after it, never before it (the card read first keeps what it orders)."""
    routine_first = _reconciled(kb, _card("critical", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True)),
                                _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, "stat")],
                                                            is_recommended=True)))
    assert not any(outcome.not_offered for outcome in routine_first)
    stat_first = _reconciled(kb, _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, "stat")],
                                                             is_recommended=True)),
                             _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, "urgent")],
                                                         is_recommended=True)))
    assert stat_first[1].fired.suggestions == []
    stat_after = _reconciled(kb, _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True)),
                             _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, "asap")],
                                                         is_recommended=True)))
    assert not any(outcome.not_offered for outcome in stat_after)


def test_a_panel_gives_the_tests_it_includes_to_cards_shown_after_it(kb):
    """A CMP includes the BMP and ALT of a card shown after it, never of one shown before it (review 426: R15's BMP
    before IVIG was left to R30's cancer screen); a BMP is not a CMP."""
    cmp_first = _reconciled(kb, _card("warning", Suggestion("CMP", [_order(CMP)], is_recommended=True)),
                            _card("info", Suggestion("BMP, ALT and GGT", [
                                _order(lab_orders.BMP), _order(lab_orders.ALT), _order(lab_orders.GGT)],
                                is_recommended=True)))
    assert _offered(cmp_first[1]) == [("BMP, ALT and GGT", True, ["GGT"])]
    assert cmp_first[1].not_offered == ("Ordered on another card: Basic metabolic panel and ALT are part of the "
                                        "Comprehensive metabolic panel offered on R01 (Rule 1). 'BMP, ALT and GGT' "
                                        "leaves out Basic metabolic panel and ALT.",)
    bmp_first = _reconciled(kb, _card("warning", Suggestion("BMP", [_order(lab_orders.BMP)], is_recommended=True)),
                            _card("info", Suggestion("CMP", [_order(CMP)], is_recommended=True)))
    assert not any(outcome.not_offered for outcome in bmp_first)
    bmp_before_an_equal_cmp = _reconciled(
        kb, _card("warning", Suggestion("BMP", [_order(lab_orders.BMP)], is_recommended=True)),
        _card("warning", Suggestion("CMP", [_order(CMP)], is_recommended=True)))
    assert not any(outcome.not_offered for outcome in bmp_before_an_equal_cmp)


def test_a_suggestion_the_card_cannot_show_orders_nothing(kb):
    """cards.build leaves out a suggestion that cancels a draft sent without an id: its CBC is not on the card, so
    it is neither taken off (the card would name an order it does not show) nor does its note travel."""
    unnamed = Action("delete", "Cancel the draft", resource_id="MedicationRequest/")
    r01 = _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True))
    r02 = _card("warning", Suggestion("Replace, with a CBC", [unnamed, _order(lab_orders.CBC, note="Weekly.")],
                                      is_recommended=True))
    assert [outcome.fired for outcome in _reconciled(kb, r01, r02)] == [r01, r02]


def test_the_kept_test_carries_the_instructions_of_the_repeats_taken_off_other_cards(kb):
    """A one-off CBC stands in for another card's monitoring CBC only with its schedule: the note goes with the kept
    order (named by its card), once, and the card that lost it says so. A note the kept order already has is not
    repeated."""
    weekly = "Weekly while azathioprine and allopurinol are given together."
    first, second, _ = _reconciled(
        kb, _card("warning", Suggestion("CBC", [_order(lab_orders.CBC)], is_recommended=True)),
        _card("warning", Suggestion("CBC and ESR weekly", [_order(lab_orders.CBC, note=weekly),
                                                           _order(lab_orders.ESR)], is_recommended=True)),
        _card("info", Suggestion("CBC", [_order(lab_orders.CBC, note=weekly)], is_recommended=True)))
    assert _cbc_note_texts(first) == [f"R02: {weekly}", f"R03: {weekly}"]
    assert _offered(second) == [("CBC and ESR weekly", True, ["ESR"])]
    assert second.not_offered == ("Ordered on another card: CBC with differential is offered on R01 (Rule 1), with "
                                  "this card's instructions added to its note. 'CBC and ESR weekly' leaves out CBC "
                                  "with differential.",)
    same_note = _reconciled(kb, _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, note=weekly)],
                                                            is_recommended=True)),
                            _card("warning", Suggestion("CBC", [_order(lab_orders.CBC, note=weekly)],
                                                        is_recommended=True)))
    assert _cbc_note_texts(same_note[0]) == [weekly]
    assert same_note[1].not_offered == ("Ordered on another card: CBC with differential is offered on R01 (Rule 1).",)
