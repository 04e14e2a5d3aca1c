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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from hooks.cards import resolvable
from hooks.record import MedicationOrder, read_concept
from hooks.rule import Fired, Rule, Suggestion
from hooks.valuesets import ValueSets

# Where a created order names its drug (orders.medication_request, an Immunization)
_DRUG_KEYS = ("medicationCodeableConcept", "vaccineCode")


@dataclass(frozen=True, slots=True)
class Reconciled:
    """A fired outcome with the suggestions another card's withholding takes away removed, and one sentence per
    suggestion removed (said in its card's detail and explanation)."""

    fired: Fired
    not_offered: tuple[str, ...] = ()


def reconcile(outcomes: Sequence[tuple[Rule, Fired]], drafts: Sequence[MedicationOrder],
              sets: ValueSets) -> list[Reconciled]:
    """``outcomes``, in order, each without the suggestions that give a draft another card withholds. ``drafts``:
    the hook's draft orders (only those with a reference an action can name take part); ``sets`` reads the drugs
    the suggestions order. Cheap where no two cards act on one draft (the common case): nothing is read."""
    by_reference = {d.reference: d for d in drafts if resolvable(d.reference)}
    contested = _contested(outcomes, by_reference) if by_reference else set()
    withheld = _withheld(outcomes, contested, by_reference, sets) if contested else {}
    if not withheld:
        return [Reconciled(fired) for _, fired in outcomes]
    return [_without_conflicts(index, fired, withheld, by_reference, sets)
            for index, (_, fired) in enumerate(outcomes)]


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
