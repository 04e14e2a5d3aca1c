"""Suggestions that would give a draft order that another card in the same response advises not giving.

Each rule reads the drafts on its own, so two cards may pre-select contradictory advice about one draft: R01 (NSTI)
cancels the methotrexate that R08 replaces with a weekly dose; R21 cancels the taper step that R06 keeps while
discontinuing the dose on the chart, leaving no prednisone at all. The suppression hierarchy (hooks.suppression)
holds back whole rules by the patient's context so that cards do not contradict one another (clinical-rules.md
section 1); this reconciles the suggestions of the cards that fire, by the drafts they act on.

A card *withholds* a draft when one of its recommended suggestions cancels it (deletes the draft) without ordering
its drug again (nothing it creates shares a value-set group with the draft), and none of its suggestions keeps it
(:attr:`Suggestion.keeps`). R01 cancels immunosuppression and orders antibiotics, R13 cancels azathioprine, R14
cancels a statin and orders ezetimibe, R21 cancels a dose reduction, R28 a live vaccine: each withholds. R32
replacing prednisone with prednisolone orders a glucocorticoid again: no withholding; nor R08 cancelling a
methotrexate draft for its schedule (:attr:`Suggestion.rewrites`): another card's once-weekly replacement writes it
as R08 asks. A dose check that offers
"Cancel the draft" or "Keep the draft and discontinue the order on the chart" leaves giving the draft open.
Inferred from the suggestions, so that a new rule needs no flag to take part.

A suggestion on another card *gives the draft all the same* when it replaces it (cancels it and orders its drug
again: "Replace with methylprednisolone 1,000 mg IV daily x3") or keeps it (relies on it being signed: "Keep the
draft and discontinue the order on the chart"). Taking both pre-selected suggestions would give the drug the
withholding card advises against (or, for a kept taper step, stop the dose on the chart and give neither). Such a
suggestion is not offered; its card still shows, with its severity, finding and other suggestions, and says in one
sentence which card advises cancelling which draft. Withholding wins whatever the severities (a critical dose cap
gives way to a warning that advises not giving the drug at all): the dose card's finding still stands, and of
giving the drug at a corrected dose and not giving it, not giving it is the safe side. A card's own replacement
(R13's reduced azathioprine dose if allopurinol is unavoidable) stays: it is that card's answer to its own finding.

Then the tests and procedures (a created ServiceRequest, by its code) that recommended suggestions of more than one
card order: a clinician who accepts R15, R24 and R30 would order three CBCs. A copy stands in for the others only if
its suggestion orders tests alone (every action creates a ServiceRequest: labs, imaging, procedures and referrals
count, as none starts or stops a treatment). A copy inside a suggestion that also gives a drug (R15's IVIG "with CBC
before each cycle", R24's TMP/SMX "with CBC monitoring") is declined with the drug, so it never stands in for
another card's copy; nor is it taken off: it is the drug's own monitoring, signed with it. A tests-only copy stands
in for another tests-only copy on a card shown after it (so at most as severe: a warning card's CBC never stands in
for a critical card's) and at most as urgent (a routine CBC does not stand in for a stat one); so does a panel for
the tests it includes (a comprehensive metabolic panel includes the basic one: lab_orders.INCLUDES). Each such copy
is taken off its card for the first that stands in for it. Never for one shown after it: the card read first keeps
what it orders (R15's BMP before IVIG is not left to R30's cancer screen, which may be deferred). A copy beside a
drug always stays: two drug suggestions each keep their CBC, and a screen's CBC stays beside them (an extra draw is
the lesser harm than a drug signed without its monitoring, or a screen lost with a declined drug). The kept copy
carries the notes of those taken off (named by card); a suggestion left with nothing to do is not offered, and the
card says in one sentence which card orders the test and which of its suggestions no longer orders it (its label may
still name it). Only a recommended suggestion counts on either side: an alternative may order the test again.
Medications are not merged: two cards' doses of one drug are not one order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from hooks.cards import can_apply, resolvable
from hooks.definitions.lab_orders import INCLUDED_IN, SHARED
from hooks.record import MedicationOrder, read_concept
from hooks.rule import Action, Fired, Rule, Suggestion
from hooks.valuesets import ValueSets

# Where a created order names its drug (orders.medication_request, an Immunization)
_DRUG_KEYS = ("medicationCodeableConcept", "vaccineCode")
# FHIR request priority, the least urgent first
_URGENCY = {"routine": 0, "urgent": 1, "asap": 2, "stat": 3}
_Code = tuple[str, str]  # (system, code)
# A test other cards order too is named as they name it ("ALT", not its LOINC display "Alanine aminotransferase
# [Enzymatic activity/volume] in Serum or Plasma")
_SHORT_NAMES = {(test.system, test.code): test.label for test in SHARED}


@dataclass(frozen=True, slots=True)
class Reconciled:
    """A fired outcome with the suggestions another card's withholding takes away removed, and the orders another
    card makes removed from its own; one sentence per suggestion removed, and one for the orders (each said in its
    card's detail and explanation)."""

    fired: Fired
    not_offered: tuple[str, ...] = ()


def reconcile(outcomes: Sequence[tuple[Rule, Fired]], drafts: Sequence[MedicationOrder],
              sets: ValueSets) -> list[Reconciled]:
    """``outcomes``, in the order the cards are shown, each without the suggestions that give a draft another card
    withholds, then without the tests another card's tests-only suggestion orders. ``drafts``: the hook's draft
    orders (only those with a reference an action can name take part); ``sets`` reads the drugs the suggestions
    order. Cheap where no two cards act on one draft nor order one test (the common case): nothing is read but the
    suggestions."""
    by_reference = {d.reference: d for d in drafts if resolvable(d.reference)}
    contested = _contested(outcomes, by_reference) if by_reference else set()
    withheld = _withheld(outcomes, contested, by_reference, sets) if contested else {}
    reconciled = ([_without_conflicts(index, fired, withheld, by_reference, sets)
                   for index, (_, fired) in enumerate(outcomes)] if withheld
                  else [Reconciled(fired) for _, fired in outcomes])
    return _without_repeated_tests([rule for rule, _ in outcomes], reconciled)


def _contested(outcomes: Sequence[tuple[Rule, Fired]], drafts: dict[str, MedicationOrder]) -> set[str]:
    """The drafts that suggestions of more than one card cancel or keep: only those can be given by one card and
    withheld by another."""
    cards_of: dict[str, set[int]] = {}
    for index, (_, fired) in enumerate(outcomes):
        for suggestion in fired.suggestions:
            for reference in (*suggestion.keeps, *_cancelled(suggestion, drafts)):
                cards_of.setdefault(reference, set()).add(index)
    return {reference for reference, cards in cards_of.items() if len(cards) > 1}


def _withheld(outcomes: Sequence[tuple[Rule, Fired]], contested: set[str], drafts: dict[str, MedicationOrder],
              sets: ValueSets) -> dict[str, dict[int, Rule]]:
    """The ``contested`` drafts withheld, by reference, each with the cards that withhold it (by their place in
    ``outcomes``)."""
    withheld: dict[str, dict[int, Rule]] = {}
    for index, (rule, fired) in enumerate(outcomes):
        kept = {reference for s in fired.suggestions for reference in s.keeps}
        for suggestion in fired.suggestions:
            if suggestion.is_recommended and not suggestion.rewrites:
                for reference in _cancelled(suggestion, drafts):
                    if reference in contested and reference not in kept and not _orders_again(
                            suggestion, drafts[reference], sets):
                        withheld.setdefault(reference, {})[index] = rule
    return withheld


def _without_conflicts(index: int, fired: Fired, withheld: dict[str, dict[int, Rule]],
                       drafts: dict[str, MedicationOrder], sets: ValueSets) -> Reconciled:
    offered: list[Suggestion] = []
    not_offered: list[str] = []
    for suggestion in fired.suggestions:
        if given := _gives_withheld(suggestion, index, withheld, drafts, sets):
            not_offered.append(_sentence(suggestion, given, drafts))
        else:
            offered.append(suggestion)
    if not not_offered:
        return Reconciled(fired)
    detail = fired.detail.rstrip() + "".join(f"\n\n**Not offered:** {s}" for s in not_offered)
    return Reconciled(replace(fired, suggestions=offered, detail=detail),
                      tuple(f"Not offered: {s}" for s in not_offered))


def _gives_withheld(suggestion: Suggestion, index: int, withheld: dict[str, dict[int, Rule]],
                    drafts: dict[str, MedicationOrder], sets: ValueSets) -> dict[str, dict[int, Rule]]:
    """The drafts that other cards than the one at ``index`` withhold and that the suggestion gives all the same
    (keeps, or cancels and orders again), each with those cards."""
    given: dict[str, dict[int, Rule]] = {}
    for reference in (*suggestion.keeps, *_cancelled(suggestion, drafts)):
        others = {i: rule for i, rule in withheld.get(reference, {}).items() if i != index}
        if others and reference not in given and (
                reference in suggestion.keeps or _orders_again(suggestion, drafts[reference], sets)):
            given[reference] = others
    return given


def _cancelled(suggestion: Suggestion, drafts: dict[str, MedicationOrder]) -> list[str]:
    return [a.resource_id for a in suggestion.actions
            if a.type == "delete" and a.resource_id is not None and a.resource_id in drafts]


def _orders_again(suggestion: Suggestion, draft: MedicationOrder, sets: ValueSets) -> bool:
    """The suggestion creates an order of the draft's drug: one sharing a value-set group with it (methotrexate,
    glucocorticoid_systemic, live_vaccine)."""
    groups = draft.medication.groups
    return bool(groups) and any(
        not groups.isdisjoint(_drug_groups(a.resource, sets))
        for a in suggestion.actions if a.type == "create" and a.resource is not None)


def _drug_groups(resource: dict[str, Any], sets: ValueSets) -> frozenset[str]:
    for key in _DRUG_KEYS:
        if (concept := resource.get(key)) is not None:
            return read_concept(concept, key, sets).groups
    return frozenset()


def _sentence(suggestion: Suggestion, given: dict[str, dict[int, Rule]], drafts: dict[str, MedicationOrder]) -> str:
    """"'Replace with ...': R01 (No immunosuppression in ...) advises cancelling methotrexate 2.5 MG Oral Tablet
    (draft)." The drafts named are grouped by the cards that withhold them."""
    by_cards: dict[tuple[int, ...], list[str]] = {}
    rules: dict[int, Rule] = {}
    for reference, holders in given.items():
        rules.update(holders)
        by_cards.setdefault(tuple(holders), []).append(drafts[reference].label)
    clauses = []
    for cards, labels in by_cards.items():
        who = " and ".join(f"{rules[i].code} ({rules[i].title})" for i in cards)
        named = " and ".join(dict.fromkeys(labels))
        clauses.append(f"{who} advise{'s' if len(cards) == 1 else ''} cancelling {named} "
                       f"(draft{'s' if len(labels) > 1 else ''})")
    return f"'{suggestion.label}': {'; '.join(clauses)}."


@dataclass(frozen=True, slots=True)
class _Test:
    """A test or procedure that a recommended suggestion creates: the action, its codes, urgency and name, its card's
    place in the list, and whether its suggestion orders tests alone (only such a copy is kept for the other cards'
    copies)."""

    action: Action
    codes: frozenset[_Code]
    urgency: int
    name: str
    card: int
    tests_only: bool


def _without_repeated_tests(rules: Sequence[Rule], reconciled: list[Reconciled]) -> list[Reconciled]:
    """``reconciled`` (in the order the cards are shown) with each test that recommended suggestions of several cards
    order kept once, where a tests-only copy can stand in for the others (``rules``: each card's rule)."""
    if not _may_repeat([each.fired for each in reconciled]):
        return reconciled
    tests = [test for index, each in enumerate(reconciled) for test in _tests(index, each.fired)]
    keepers = _keepers(tests)
    # by card: the copies taken off it, by id of their action, each with the copy kept for it
    removed: dict[int, dict[int, tuple[_Test, _Test]]] = {}
    notes: dict[int, list[str]] = {}  # by id of a kept copy's action: the notes of the copies it stands for
    for test in tests:  # a keeper has none kept for it (:func:`_keepers`)
        if test.tests_only and (kept := _kept_for(test, keepers)):
            removed.setdefault(test.card, {})[id(test.action)] = (test, kept)
            notes.setdefault(id(kept.action), []).extend(
                f"{rules[test.card].code}: {text}" for text in _notes(test.action) if text not in _notes(kept.action))
    out = [_without_repeats(each, removed[index], rules) if index in removed else each
           for index, each in enumerate(reconciled)]
    return [_with_notes(each, notes) for each in out] if any(notes.values()) else out


def _keepers(tests: Sequence[_Test]) -> list[_Test]:
    """The copies kept for the others, in the order the cards are shown: each tests-only copy that none on a card
    shown before it stands in for."""
    alone = [test for test in tests if test.tests_only]
    return [test for test in alone if not any(_stands_in(other, test) for other in alone)]


def _kept_for(test: _Test, keepers: Sequence[_Test]) -> _Test | None:
    """The first copy kept (in the order the cards are shown) that stands in for ``test``; None if there is none."""
    return next((kept for kept in keepers if _stands_in(kept, test)), None)


def _stands_in(kept: _Test, test: _Test) -> bool:
    """``kept``, on a card shown before (so at least as severe) and at least as urgent, gives ``test``: the same code,
    or a panel that includes it. Never one shown after: the card read first keeps what it orders (R15's BMP before
    IVIG is not left to R30's cancer screen, which may be deferred)."""
    return (kept.card < test.card and kept.urgency >= test.urgency
            and (not kept.codes.isdisjoint(test.codes)
                 or any(not INCLUDED_IN.get(code, frozenset()).isdisjoint(kept.codes) for code in test.codes)))


def _notes(action: Action) -> list[str]:
    return [n["text"] for n in (action.resource or {}).get("note", ()) if n.get("text")]


def _with_notes(reconciled: Reconciled, notes: Mapping[int, list[str]]) -> Reconciled:
    """The card with each kept copy carrying the notes of the copies taken off other cards: R24's "CBC at 1-2 and 4
    weeks, then monthly" travels with the CBC R30 orders, rather than being lost with R24's copy."""
    fired = reconciled.fired
    if not any(notes.get(id(a)) for s in fired.suggestions for a in s.actions):
        return reconciled
    suggestions = [replace(s, actions=[_noted(a, notes.get(id(a), [])) for a in s.actions]) for s in fired.suggestions]
    return replace(reconciled, fired=replace(fired, suggestions=suggestions))


def _noted(action: Action, extra: list[str]) -> Action:
    if not extra or action.resource is None:
        return action
    note = [*action.resource.get("note", ()), *({"text": text} for text in dict.fromkeys(extra))]
    return replace(action, resource={**action.resource, "note": note})


def _may_repeat(cards: Sequence[Fired]) -> bool:
    """Whether recommended suggestions of two cards may order one test (by its codes alone): most responses have no
    such pair, and nothing more is read for them."""
    seen: set[_Code] = set()
    for fired in cards:
        codes = {(coding.get("system"), coding.get("code")) for s in fired.suggestions if s.is_recommended
                 for a in s.actions if _is_service_request(a)
                 for coding in ((a.resource or {}).get("code") or {}).get("coding", ())}
        if not seen.isdisjoint(codes):
            return True
        seen |= codes
    return any(not INCLUDED_IN.get(code, frozenset()).isdisjoint(seen) for code in seen)


def _tests(card: int, fired: Fired) -> list[_Test]:
    """The coded ServiceRequests the card's recommended suggestions create (of those the card shows: cards.build
    leaves out one it cannot apply), the card being at ``card`` in the list."""
    tests: list[_Test] = []
    for suggestion in fired.suggestions:
        if suggestion.is_recommended and all(map(can_apply, suggestion.actions)):
            tests_only = all(map(_is_service_request, suggestion.actions))
            tests.extend(test for action in suggestion.actions
                         if (test := _test(action, card, tests_only)) is not None)
    return tests


def _is_service_request(action: Action) -> bool:
    return action.type == "create" and action.resource is not None and \
        action.resource.get("resourceType") == "ServiceRequest"


def _test(action: Action, card: int, tests_only: bool) -> _Test | None:
    if not _is_service_request(action):
        return None
    resource: Mapping[str, Any] = action.resource or {}
    concept: Mapping[str, Any] = resource.get("code") or {}
    codings = concept.get("coding") or ()
    codes = frozenset((c["system"], c["code"]) for c in codings if c.get("system") and c.get("code"))
    if not codes:  # a text-only order (an MMT-8, a clinic visit) is not matched by its words
        return None
    name = next((_SHORT_NAMES[code] for code in codes if code in _SHORT_NAMES), None) or concept.get("text") or \
        next((c["display"] for c in codings if c.get("display")), action.description)
    return _Test(action, codes, _URGENCY.get(resource.get("priority", "routine"), 0), name, card, tests_only)


def _without_repeats(reconciled: Reconciled, repeats: Mapping[int, tuple[_Test, _Test]],
                     rules: Sequence[Rule]) -> Reconciled:
    """The card without the ``repeats`` (by id of their action: the copy, and the copy kept for it) in its
    recommended suggestions; one left with no action is not offered, and one left with others says what it no
    longer orders (its label may still name the test: "TMP/SMX ... with CBC monitoring")."""
    fired = reconciled.fired
    offered = []
    without: list[str] = []  # "'TMP/SMX ... with CBC monitoring' leaves out CBC with differential."
    for suggestion in fired.suggestions:
        actions = [a for a in suggestion.actions if not suggestion.is_recommended or id(a) not in repeats]
        if len(actions) == len(suggestion.actions):
            offered.append(suggestion)
        elif actions:
            offered.append(replace(suggestion, actions=actions))
            names = dict.fromkeys(repeats[id(a)][0].name for a in suggestion.actions if id(a) in repeats)
            without.append(f"'{suggestion.label}' leaves out {_and(list(names))}.")
    sentence = " ".join((_ordered_elsewhere(repeats.values(), rules), *without))
    return Reconciled(replace(fired, suggestions=offered,
                              detail=f"{fired.detail.rstrip()}\n\n**Ordered on another card:** {sentence}"),
                      (*reconciled.not_offered, f"Ordered on another card: {sentence}"))


def _and(names: Sequence[str]) -> str:
    *others, last = names
    return f"{', '.join(others)}{' and ' if others else ''}{last}"


def _ordered_elsewhere(repeats: Iterable[tuple[_Test, _Test]], rules: Sequence[Rule]) -> str:
    """"CBC with differential is offered on R30 (Cancer screening ...); Basic metabolic panel is part of the
    Comprehensive metabolic panel offered on R30 (...)." The tests named are grouped by the copy kept for them, on a
    card shown before this one."""
    by_giver: dict[tuple[int, str | None], list[str]] = {}
    noted: set[tuple[int, str | None]] = set()  # givers that carry this card's note
    for test, kept in repeats:
        giver = (kept.card, None if test.codes & kept.codes else kept.name)
        by_giver.setdefault(giver, []).append(test.name)
        if set(_notes(test.action)) - set(_notes(kept.action)):
            noted.add(giver)
    clauses = []
    for (card, panel), names in by_giver.items():
        unique = list(dict.fromkeys(names))
        where = f"part of the {panel} offered" if panel else "offered"
        clauses.append(f"{_and(unique)} {'are' if len(unique) > 1 else 'is'} {where} on {rules[card].code} "
                       f"({rules[card].title})"
                       + (", with this card's instructions added to its note" if (card, panel) in noted else ""))
    return f"{'; '.join(clauses)}."
