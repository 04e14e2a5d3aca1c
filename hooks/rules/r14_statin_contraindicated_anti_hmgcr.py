"""R14: no statin (or red yeast rice) for a patient with anti-HMGCR myopathy, on either hook."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting, resolvable
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, continuing
from hooks.definitions.courses import ended_before_its_end, last_dose_day, repeats
from hooks.definitions.dose_basis import dose_as_ordered, named_with_dose
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Quiet, Result, Rule, Suggestion
from hooks.sources import (
    ENMC_224,
    LEQVIO_LABEL,
    MAMMEN_STATIN_REVIEW,
    PRALUENT_LABEL,
    REPATHA_LABEL,
    SEED_001,
    SEED_004,
    TINIAKOU_2020,
    ZETIA_LABEL,
)
from hooks.units import DAYS_PER_UNIT, to_days

RULE = Rule(
    id="statin-contraindicated-anti-hmgcr",
    number=14,
    title="Statin contraindicated in anti-HMGCR myopathy",
    hooks=("patient-view", "order-sign"),
    severities=("critical",),
    summary="A statin (or red yeast rice) ordered or active in a patient with anti-HMGCR or statin-associated "
            "autoimmune myopathy.",
    # the labels: how long a PCSK9-directed dose is therapy still taken, and ezetimibe's licensed age
    sources=(MAMMEN_STATIN_REVIEW, ENMC_224, TINIAKOU_2020, SEED_001, SEED_004, REPATHA_LABEL, PRALUENT_LABEL,
             LEQVIO_LABEL, ZETIA_LABEL),
    override_family="safety",
)

STATIN_GROUPS = ("statin", "red_yeast_rice")
# The statins (clinical-rules.md 4.3, and cerivastatin, which the value set holds): in a combination the value sets
# name by its ingredients ('amlodipine/atorvastatin'), every other ingredient stops with the statin
STATIN_INGREDIENTS = frozenset({"atorvastatin", "cerivastatin", "fluvastatin", "lovastatin", "pitavastatin",
                                "pravastatin", "rosuvastatin", "simvastatin"})

DETAIL = """\
**Do not start or restart statins.** {why}. Statin re-exposure can reactivate anti-HMGCR myopathy, and
avoidance is lifelong — this includes statin-naive anti-HMGCR patients and red yeast rice (monacolin K).

If lipid lowering is needed, {lipids}
Bempedoic acid has no data here: a specialist decision.
{exposure}"""


@dataclass(frozen=True, slots=True)
class _LipidLowering:
    """What the card advises instead of the statin at the patient's age: the clinic it refers to, whether it offers
    the table's ezetimibe and PCSK9 antibody orders (adult doses), and the advice in the detail."""

    clinic: str
    ezetimibe: bool
    pcsk9: bool
    advice: str


_EZETIMIBE_OR_PCSK9 = "use **ezetimibe** 10 mg daily and/or a **PCSK9 monoclonal antibody**: "
ADULT = _LipidLowering("lipid clinic", True, True, _EZETIMIBE_OR_PCSK9 + (
    "evolocumab 140 mg SC every 2 weeks (or 420 mg monthly) or alirocumab 75-150 mg SC every 2 weeks; refer to the "
    "lipid clinic."))
# evolocumab is licensed from 10 years in familial hypercholesterolaemia, at doses and indications a specialist sets
CHILD = _LipidLowering("paediatric lipid clinic", True, False, _EZETIMIBE_OR_PCSK9 + (
    "for a child, which agent and dose is for a **paediatric lipid specialist** (the doses in the table are adult "
    "doses); refer to the paediatric lipid clinic."))
# Ezetimibe 10 mg daily is licensed from 10 years (FDA, ZETIA_LABEL: heterozygous familial hypercholesterolaemia; the
# EU licence, from 6 years, is the wider one): below it the adult order is not offered either
EZETIMIBE_FROM_AGE_YEARS = 10
YOUNG_CHILD = _LipidLowering("paediatric lipid clinic", False, False, (
    f"in a child under {EZETIMIBE_FROM_AGE_YEARS} it is a decision for a **paediatric lipid specialist**: "
    f"ezetimibe is licensed from {EZETIMIBE_FROM_AGE_YEARS} years (US label: with a statin, in heterozygous "
    "familial hypercholesterolaemia), and the doses in the table "
    "(ezetimibe 10 mg, PCSK9 antibodies) are adult doses; refer to the paediatric lipid clinic."))


@dataclass(frozen=True, slots=True)
class _Pcsk9Window:
    """Days after a dose that it is therapy still taken, and the longest licensed interval they start from, in words."""

    days: int
    longest: str


# A dose of a PCSK9-directed drug is therapy the patient is still on until the next dose is due and the label's
# allowance for a late one has passed (a dose given within it keeps the schedule): the longest licensed interval plus
# that allowance. The antibodies: evolocumab 420 mg monthly (a calendar month is up to 31 days; every 2 weeks and
# alirocumab every 2 or 4 weeks are shorter), a missed dose given within 7 days (REPATHA_LABEL, PRALUENT_LABEL).
# Inclisiran (an siRNA against PCSK9): every 6 months once established (up to 184 days), a missed dose given within
# 3 months (up to 92; LEQVIO_LABEL).
PCSK9_ON_THERAPY = {"inclisiran": _Pcsk9Window(184 + 92, "6 months")}
PCSK9_ANTIBODY_ON_THERAPY = _Pcsk9Window(31 + 7, "a calendar month")


def _pcsk9_window(order: MedicationOrder) -> _Pcsk9Window:
    return PCSK9_ON_THERAPY.get(order.medication.concept_in("pcsk9_inhibitor") or "", PCSK9_ANTIBODY_ON_THERAPY)


def _lipid_lowering(record: PatientRecord, context: HookContext) -> _LipidLowering:
    """The advice for the patient's age, read as the paediatric split reads it (the youngest a partial birthDate
    allows; no birthDate is an adult)."""
    if not cohorts.is_paediatric(record, context):
        return ADULT
    return CHILD if (record.youngest_age_years or 0) >= EZETIMIBE_FROM_AGE_YEARS else YOUNG_CHILD


def _count_read_early_by(order: MedicationOrder, last: date) -> int:
    """Days ``last``, a last dose read from a count of doses timed in months with no end date, may fall before the
    calendar one: a month is counted as 30 days (units.DAYS_PER_UNIT), a calendar month has up to 31, so a day for
    each month counted (12 monthly doses from 2025-11-21 read their last on 2026-10-17, not 2026-10-21). 0 for any
    other order."""
    month = DAYS_PER_UNIT["mo"]
    if order.end is not None or order.start is None or not any(
            d.timing.count and to_days(1, d.timing.period_unit) == month for d in order.dosages):
        return 0
    return math.ceil((last - order.start).days / month)


def _on_therapy_until(order: MedicationOrder, last: date) -> date:
    """The last day ``order``, last given on ``last``, is therapy the patient is still on: a daily drug only its
    day; a PCSK9-directed drug until its next dose is due and the label's allowance for a late one has passed
    (PCSK9_ON_THERAPY), widened by what a count of months may read early (:func:`_count_read_early_by`)."""
    if not order.in_group("pcsk9_inhibitor"):
        return last
    return last + timedelta(days=_pcsk9_window(order).days + _count_read_early_by(order, last))


def _still_on(order: MedicationOrder, last: date, today: date) -> bool:
    """Whether ``order``, last given on ``last``, is therapy the patient is still on today
    (:func:`_on_therapy_until`)."""
    return _on_therapy_until(order, last) >= today


def _possibly_active(order: MedicationOrder, today: date) -> bool:
    """An order of a status that does not say (:attr:`MedicationOrder.status_unstated`) whose dates do not show the
    patient is off it (:func:`continuing.last_written_dose`, :func:`_still_on`): it may still be taken, so it is
    counted (the safe side) and said."""
    return order.status_unstated and (
        (last := continuing.last_written_dose(order)) is None or _still_on(order, last, today))


def _active_on_chart(record: PatientRecord) -> list[MedicationOrder]:
    """Statin (or red yeast rice) orders current today, or possibly active (:func:`_possibly_active`)."""
    today = record.today
    return [o for o in record.medications_in(*STATIN_GROUPS) if o.current_on(today) or _possibly_active(o, today)]


def _not_begun(order: MedicationOrder, today: date) -> bool:
    """Its dates start it after today (boundsPeriod.start, else authoredOn): ordered, not yet taken by its dates."""
    return order.start is not None and order.start > today


def _ended_on_a_day_not_given(order: MedicationOrder) -> bool:
    """The order says it ended (stopped, completed) but nothing written ends it: no end date or count, and a
    schedule that repeats. courses.last_dose_day reads it as given on its start day only (or to the end of one
    supply: the refills, numberOfRepeatsAllowed, are not read), yet it may have been given up to today (FHIR R4 gives
    a MedicationRequest no date for its status change)."""
    meaning = order.status_meaning
    return (meaning.given and meaning.stated and not meaning.current and order.end is None
            and not any(d.timing.count for d in order.dosages)
            and repeats(order.dosages, negative_frequency_as_once=True))


def _superseded_on(order: MedicationOrder, record: PatientRecord) -> date | None:
    """The first day a later PCSK9-directed regimen (any of the drugs: a switch is one) whose status says it was
    given started, after ``order`` and by today: the chart shows ``order`` was superseded then, whatever its own
    dates say (as courses.taken_over reads a maintenance order taken over). A regimen repeats (courses.repeats) and
    is not a single dose (a count of one): a single injection, like a shot in courses.taken_over, takes over
    nothing, so the order it came beside may still be given."""
    if order.start is None:
        return None
    first = order.start
    return min((o.start for o in record.medications_in("pcsk9_inhibitor") if o.status_meaning.stated
                and o.start is not None and first < o.start <= record.today and repeats(o.dosages)
                and not all(d.timing.count == 1 for d in o.dosages)), default=None)


def _last_dose(order: MedicationOrder, record: PatientRecord) -> date | None:
    """The last day a chart order was, or may have been, given (:func:`courses.last_dose_day`); for a
    PCSK9-directed order that ended on a day the chart does not give (:func:`_ended_on_a_day_not_given`), today at
    the latest, as a dose given up to then still acts for weeks or months (a daily tablet stopped is not taken
    today), or the day before a later regimen started (:func:`_superseded_on`); None for one that never began (to start
    after today and no longer current: courses.last_dose_day gives it no last day)."""
    today = record.today
    # one that never began was not given up to today, whatever ended it
    if order.in_group("pcsk9_inhibitor") and _ended_on_a_day_not_given(order) and not _not_begun(order, today):
        later = _superseded_on(order, record)
        return today if later is None else later - timedelta(days=1)
    return last_dose_day(order, today)


def _status_said(order: MedicationOrder) -> str:
    """'no status', "status 'unknown'", "status 'foo', not a FHIR code"."""
    if order.status is None:
        return "no status"
    return f"status {order.status!r}" + ("" if order.status == "unknown" else ", not a FHIR code")


def _exposure(context: HookContext, statins: _Statins, unread: list[MedicationOrder]) -> str:
    """The detail's last lines: the statins ordered or active, those ordered to start after today
    (:func:`_not_begun`), each whose status could not be read (``unread``, among those it discontinues), and the
    chart's other statins (:class:`_Statins`): on order-sign those in force, which cancelling the drafts leaves on,
    and on either hook those that say they ended but whose dates run to today (:func:`_ended_statin`: completed, may
    still be taken; stopped, to check). An order to start later is no sign the patient is off statins now, and
    cancelling a draft stops no statin already on the chart."""
    if context.hook == "order-sign":
        return (f"\nStatin ordered: {', '.join(o.label + _zero_mg_said(o) for o in statins.offending)}."
                + _taken_line("statin", [*statins.kept, *statins.ended], would_offer=False)
                + _unread_line("statin", statins.kept_unread, would_offer=False) + _kept_line(statins))
    today = context.today
    read = [o for o in statins.offending if not any(o is u for u in unread)]
    active = ", ".join(o.label for o in read if not _not_begun(o, today))
    ahead = "; ".join(f"{o.label} (from {o.start})" for o in read if _not_begun(o, today))
    said = [f"The status of {o.label} could not be read ({_status_said(o)}), so it is counted as possibly active: "
            "check whether it is still taken." for o in unread]
    lines = " ".join([*([f"Statin active: {active}."] if active else []),
                      *([f"Statin ordered to start later: {ahead}."] if ahead else []), *said])
    return (f"\n{lines}" if lines else "") + _taken_line("statin", statins.ended, would_offer=False)


def _zero_mg_said(draft: MedicationOrder) -> str:
    """What the card says after a statin draft at 0 mg it counts as ordered (:func:`_read_statins`); else ''."""
    return (" (0 mg, but it re-sends or names no statin on the chart: read as a statin ordered)"
            if continuing.discontinues(draft) else "")


def _kept_line(statins: _Statins) -> str:
    """The detail's line saying that cancelling the drafts leaves the chart's statins in force on, to discontinue
    too, naming those no suggestion can discontinue (:func:`_actionable`); '' when there are none. It
    promises no suggestion: a draft with no id leaves the card none (hooks.cards.build), and the line still holds."""
    kept = [o.label for o, _ in statins.discontinued]
    if not kept:
        return ""
    drafts = "the draft" if len(statins.offending) == 1 else "the drafts"
    by_hand = [o.label for o, _ in statins.discontinued if not _actionable(o)]
    return (f"\nCancelling {drafts} does not stop {'; '.join(kept)} on the chart: discontinue "
            f"{'it' if len(kept) == 1 else 'them'} too."
            + (f" No id the card can act on, to discontinue by hand: {'; '.join(by_hand)}." if by_hand else ""))


def _status_unread_fact(unread: list[MedicationOrder], counted_as: str) -> str | None:
    """The fact naming the orders whose status could not be read, each 'counted as possibly {counted_as}'."""
    return "; ".join(f"{o.label} ({o.reference}): {_status_said(o)}, counted as possibly {counted_as}"
                     for o in unread) or None


def _a(noun: str) -> str:
    """'An ezetimibe order', 'A PCSK9 inhibitor', as a line of the detail begins."""
    return f"{'An' if noun[0] in 'aeiou' else 'A'} {noun}"


def _unread_line(drug: str, unread: list[MedicationOrder], would_offer: bool) -> str:
    """The detail's line naming the ``drug`` orders whose status could not be read (possibly taken), if any, and
    asking whether the patient is still on it (a daily tablet or a twice-yearly injection alike); where the card
    would offer that drug at the patient's age were none on the chart (``would_offer``: not ezetimibe under 10, no
    PCSK9 antibody for a child), to check before starting another."""
    if not unread:
        return ""
    named = "; ".join(f"{o.label} ({_status_said(o)})" for o in unread)
    before = f" before starting another {drug} order" if would_offer else ""
    return (f"\n{_a(drug)} order of unknown status is on the chart: {named}. "
            f"Check whether the patient is still on it{before}.")


# How the card places an order it counts as taken (:class:`_Taken`), with {drug} the drug as a line or a label names
# it ('A PCSK9 inhibitor is already ordered', 'ezetimibe is in the orders being signed'): only a chart order in force
# (current, on hold, or to start after today) is already ordered; a draft is not ordered until signed; one that says it
# ended may still be taken, or still act; a statin stopped is only to be checked (:func:`_ended_statin`)
ORDERED = "{drug} is already ordered"
SIGNED = "{drug} is in the orders being signed"
MAY_BE_TAKEN = "{drug} may still be taken"
# a statin whose order completed (dispensed) and starts after today: not taken yet (:func:`_ended_statin`)
MAY_BE_TAKEN_ONCE_BEGUN = "{drug} may be taken once it starts"
# a statin stopped, as its fact says it and its line places it (:func:`_ended_statin`)
STOPPED_WHY = "stopped on the chart; check it is not still taken"
STOPPED = STOPPED_WHY.capitalize()


@dataclass(frozen=True, slots=True)
class _Taken:
    """An order of a drug the patient is on, may still be on, or is ordered or signed with this call, why it counts
    (:func:`_why_taken`) and how the card places it (``placed``: ORDERED, SIGNED, MAY_BE_TAKEN,
    MAY_BE_TAKEN_ONCE_BEGUN or STOPPED): the card and the facts say it, as they say an order of unknown status."""

    order: MedicationOrder
    why: str
    placed: str


def _in_force_how(order: MedicationOrder, today: date) -> str:
    """How a chart order in force today stands: current (active, its dates running to today), on hold, or to start
    after today (:func:`_not_begun`: ordered, not yet taken)."""
    held = "on hold" if order.status == "on-hold" else ""
    if _not_begun(order, today):
        return f"{held + ', ' if held else ''}to start {order.start}: not yet taken by its dates"
    return held or "current"


def _why_taken(order: MedicationOrder, last: date, today: date) -> str:
    """Why a chart order last given on ``last`` counts as therapy taken today: in force (:func:`_in_force_how`);
    stopped on a day the chart does not give, before the end its dates give (courses.ended_before_its_end), or a
    PCSK9-directed drug ended with no end date written (:func:`_ended_on_a_day_not_given`), counted to today at the
    latest and to be checked; stopped or completed with its end date, supply or count of doses running to today (so
    to be checked too: a completed order was dispensed in full, FHIR's 'all actions ... have occurred', so its end
    date is the day its supply runs to, not an early stop); or, for a PCSK9-directed drug, a last dose inside the
    rule's own window (:func:`_on_therapy_until`: the longest licensed interval of its kind plus the labels'
    allowance for a late dose, not this order's own schedule), whose last day is named, and where it comes from (its
    dates, or a later order: :func:`_superseded_on`); for a count of monthly doses, with the days calendar months may
    put it later (:func:`_count_read_early_by`)."""
    if order.current_on(today):
        return _in_force_how(order, today)
    read_to_today = order.in_group("pcsk9_inhibitor") and _ended_on_a_day_not_given(order)
    if last >= today:
        stopped_early = order.status == "stopped" and ended_before_its_end(order, today)
        ended = (" on a day the chart does not give, before the end its dates give" if stopped_early
                 else " on a day the chart does not give, with no end date" if read_to_today
                 else ", its end date, supply or count of doses running to today or later")
        return (f"status {order.status!r}{ended}: counted as possibly still taken; check whether the patient is still "
                "on it")
    early = _count_read_early_by(order, last)
    calendar = f", up to {early} days later by calendar months" if early else ""
    # read to today but for a later order: its own dates do not give that day
    by = "at the latest, the day before a later PCSK9-directed order started" if read_to_today else "by its dates"
    return (f"last dose {last.isoformat()} {by}{calendar}; counted as still taken to "
            f"{_on_therapy_until(order, last).isoformat()}: the longest licensed interval of its kind "
            f"({_pcsk9_window(order).longest}) "
            "plus the time the labels allow for a late dose")


def _taken_fact(taken: list[_Taken]) -> str | None:
    """The fact naming the orders taken (:class:`_Taken`), each with why it counts."""
    return "; ".join(f"{t.order.label} ({t.order.reference}): {t.why}" for t in taken) or None


def _taken_line(drug: str, taken: list[_Taken], would_offer: bool) -> str:
    """The detail's line naming the ``drug`` orders taken (:class:`_Taken`), if any, as the card places them, each
    chart order with why it counts (unless its placing says it: SIGNED, STOPPED); where the card would offer that
    drug at the patient's age were none taken (``would_offer``), that no second one is."""
    if not taken:
        return ""
    sentences = []
    for placed in dict.fromkeys(t.placed for t in taken):
        named = "; ".join(t.order.label if placed in (SIGNED, STOPPED) else f"{t.order.label} ({t.why})"
                          for t in taken if t.placed == placed)
        sentences.append(f"{placed.format(drug=_a(drug))}: {named}.")
    return "\n" + " ".join(sentences) + (f" No second {drug} order is offered." if would_offer else "")


def _other_ingredients(order: MedicationOrder) -> list[str]:
    """The ingredients of a statin combination that are not statins ('amlodipine' of Caduet, 'niacin' of Advicor,
    'ezetimibe' of Vytorin), as the value sets name the combination; none for a statin alone or red yeast rice."""
    combination = order.medication.concept_in("statin") or ""
    return [i for i in combination.split("/") if i not in STATIN_INGREDIENTS] if "/" in combination else []


def _to_reorder(stopped: list[MedicationOrder]) -> list[str]:
    """The other ingredients of the combinations the card stops that it offers no order for: every one but ezetimibe
    (the lipid lowering the card advises instead). The value sets hold no code for amlodipine, niacin or sitagliptin
    alone, so no order is offered: the clinician re-orders them."""
    return list(dict.fromkeys(i for o in stopped for i in _other_ingredients(o) if i != "ezetimibe"))


def _other_ingredients_line(stopped: list[MedicationOrder], ezetimibe_offered: bool) -> str:
    """The detail's line for each statin combination the card stops: its other ingredients stop with it, the ones it
    offers no order for to be re-ordered alone (:func:`_to_reorder`; an antihypertensive stopped unnoticed is a harm
    of its own), and ezetimibe continued by the order offered, where one is; '' with no combination."""
    sentences = []
    for order in stopped:
        others = _other_ingredients(order)
        if not others:
            continue
        alone = _to_reorder([order])
        sentences.append(
            f"Stopping {order.label} also stops {' and '.join(others)}, its other "
            f"ingredient{'s' if len(others) > 1 else ''}."
            + (" The ezetimibe order offered continues ezetimibe alone." if "ezetimibe" in others and ezetimibe_offered
               else "")
            + (f" **Re-order {' and '.join(alone)} alone** if still needed, at the dose the combination gave: the "
               f"card offers no order for {'it' if len(alone) == 1 else 'them'}." if alone else ""))
    return "\n" + " ".join(sentences) if sentences else ""


def _undecided(record: PatientRecord, named: list[MedicationOrder], results: list[str], hook: str) -> str:
    """Why R14 cannot say whether the statins ``named`` are contraindicated: the anti-HMGCR results on file read as
    neither positive nor negative (``results``, quoted), and a positive one at any time would contraindicate them;
    an IMNM on the problem list is named (its subtype may be anti-HMGCR)."""
    imnm = cohorts.imnm_conditions(record)
    on_list = f"; IMNM is on the problem list ({imnm[0].code.label})" if imnm else ""
    return (f"anti-HMGCR {'; '.join(results)} could not be read as positive or negative, and a positive anti-HMGCR "
            f"at any time contraindicates {', '.join(o.label for o in named)} for life{on_list}. Ask the lab how to "
            "read it (a titre needs its interpretation or reference range), or repeat it, before "
            f"{'signing' if hook == 'order-sign' else 'continuing'} the statin")


def _why(record: PatientRecord) -> str | None:
    positive = antibodies.ever_positive(record, "anti_hmgcr")
    if positive is not None:
        when = positive.when.isoformat() if positive.when else "undated"
        return f"Anti-HMGCR antibody positive ({positive.code.label}, {when})"
    condition = next(iter(record.conditions_in("statin_autoimmune_myopathy")), None)
    if condition is not None:
        return f"Condition on file: {condition.code.label}"
    return None


def _taking(record: PatientRecord, context: HookContext, group: str) -> tuple[list[_Taken], list[MedicationOrder]]:
    """Orders of ``group`` the patient is (or may still be) on today, or is ordered to start (:func:`_last_dose`,
    :func:`_still_on`), or signed with this call (a second order would be duplicate therapy), each with why it counts
    and how the card places it, and those on the chart whose status does not say, possibly taken
    (:func:`_possibly_active`): neither may be read as none. Not a statin combination, which is stopped with the
    statin."""
    today = record.today
    chart = [o for o in record.medications_in(group) if not o.in_group(*STATIN_GROUPS)]
    unread = [o for o in chart if _possibly_active(o, today)]
    acting = [_Taken(o, _why_taken(o, last, today), ORDERED if o.current_on(today) else MAY_BE_TAKEN)
              for o in chart if not any(o is u for u in unread)
              and (last := _last_dose(o, record)) is not None and _still_on(o, last, today)]
    drafted = [_Taken(o, "in the orders being signed", SIGNED) for o in context.drafts_in(group)
               if not o.in_group(*STATIN_GROUPS)]
    return [*acting, *drafted], unread


def _ended_statin(order: MedicationOrder, today: date) -> _Taken | None:
    """A statin (or red yeast rice) order, not in force, that says it ended but whose dates run to today or later
    (courses.last_dose_day), as the card names it; None for any other. Completed, it was dispensed in full (FHIR:
    all actions implied have occurred), so it may still be taken while its end date, supply or count of doses runs
    to today (:func:`_why_taken`), or from a start after today: it fires the card alone. Stopped, a clinician
    stopped it, the action the card asks for: it never fires the card alone, whatever its supply or end date (a
    critical card on every chart opening until they pass would be alarm fatigue), and is named beside another statin
    to check (STOPPED) [sign-off]."""
    if order.status == "completed" and _not_begun(order, today):
        return _Taken(order, f"status 'completed', to start {order.start}: counted as possibly taken from then; "
                             "check whether the patient is on it", MAY_BE_TAKEN_ONCE_BEGUN)
    if order.status not in ("completed", "stopped") or (last := last_dose_day(order, today)) is None or last < today:
        return None
    if order.status == "stopped":
        return _Taken(order, STOPPED_WHY, STOPPED)
    return _Taken(order, _why_taken(order, last, today), MAY_BE_TAKEN)


@dataclass(frozen=True, slots=True)
class _Statins:
    """The statins (and red yeast rice) the card is about, read once for the hook: ``offending``, those it cancels (on
    order-sign, the drafts that order one) or discontinues (on patient-view, the chart's in force:
    :func:`_active_on_chart`); ``ended``, the chart's that say they ended but whose dates run to today
    (:func:`_ended_statin`), named, not discontinued (the order has ended); on order-sign, the chart's in force that
    cancelling the drafts leaves on, which it discontinues too, ``kept`` (each with how it stands) and
    ``kept_unread`` (of a status that does not say), and ``ordering_none``, the statin drafts that order none (a
    status that orders nothing, or 0 mg naming a statin on the chart: :func:`_read_statins`)."""

    offending: list[MedicationOrder]
    ended: list[_Taken]
    kept: list[_Taken] = field(default_factory=list)
    kept_unread: list[MedicationOrder] = field(default_factory=list)
    ordering_none: list[MedicationOrder] = field(default_factory=list)

    @property
    def possibly_taken(self) -> list[_Taken]:
        """Among ``ended``, those that fire the card alone (not a stop: :func:`_ended_statin`)."""
        return [t for t in self.ended if t.placed != STOPPED]

    @property
    def discontinued(self) -> list[tuple[MedicationOrder, str]]:
        """The chart's orders left on beside the drafts, each with how it stands, as continuing.discontinue names
        them."""
        return [(t.order, t.why) for t in self.kept] + [(o, _status_said(o)) for o in self.kept_unread]


def _actionable(order: MedicationOrder) -> bool:
    """A suggestion can act on the chart order: with no id, or not a FHIR id, its reference is one hooks.cards.build
    rejects, and it would drop every suggestion holding it (the cancels of the drafts too), so it is left to
    discontinue by hand."""
    return resolvable(order.reference)


def _read_statins(record: PatientRecord, context: HookContext) -> _Statins:
    """The statins the card is about (:class:`_Statins`). On order-sign a draft of a status that orders nothing
    (stopped, cancelled, completed, entered in error), linked to a chart order or not, is none ordered, never one to
    cancel (cancelling a stop would leave the statin on); so is one at 0 mg (continuing.discontinues) that re-sends
    or names a statin on the chart: that order stopped. At 0 mg naming none, it is still a statin prescription
    drafted, so it counts (the safe side). A chart order a draft re-sends is settled by it (cancelled with it, or
    stopped by it), as is one a stop names as its prior prescription; one a draft that orders a statin names so (a
    renewal) is not stopped by cancelling that draft: it is kept."""
    today = record.today
    chart = record.medications_in(*STATIN_GROUPS)
    in_force = _active_on_chart(record)
    ended = [taken for o in chart
             if not any(o is x for x in in_force) and (taken := _ended_statin(o, today)) is not None]
    if context.hook != "order-sign":
        return _Statins(in_force, ended)
    drafts = context.drafts_in(*STATIN_GROUPS)
    links = continuing.Links(drafts)
    linked = {id(d) for o in chart for d, _ in links.linking(o)}
    ordering_none = [d for d in drafts
                     if not d.status_meaning.orders or (continuing.discontinues(d) and id(d) in linked)]

    def left_on(order: MedicationOrder) -> bool:
        """No draft re-sends it, nor names it as a stop: cancelling the drafts leaves it as it is."""
        return not any(by is None or continuing.discontinues(d) for d, by in links.linking(order))

    kept = [o for o in in_force if left_on(o)]
    return _Statins([d for d in drafts if not any(d is x for x in ordering_none)],
                    [t for t in ended if left_on(t.order)],
                    [_Taken(o, _in_force_how(o, today), ORDERED) for o in kept if not o.status_unstated],
                    [o for o in kept if o.status_unstated], ordering_none)


def _pcsk9_inhibitor(context: HookContext) -> dict[str, Any]:
    """The table's PCSK9 antibody order: evolocumab 140 mg SC every 2 weeks, its alternatives in the text."""
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "pcsk9_inhibitor", "evolocumab"), 140, "mg",
        route="sc", period=2, period_unit="wk",
        text="Evolocumab 140 mg subcutaneously every 2 weeks (or 420 mg once monthly); alternative: alirocumab "
             "75-150 mg subcutaneously every 2 weeks")


def _label(stop: str | None, then: str) -> str:
    """A suggestion's label: stopping the statins (``stop``) and ``then``; ``then`` alone, as a sentence, where the
    card stops none (only statins whose orders ended are named)."""
    return f"{stop} and {then}" if stop else then[0].upper() + then[1:]


def _counted(orders: list[MedicationOrder], noun: str) -> str:
    """'the statin', '2 statins': orders counted where their names do not fit the summary."""
    return f"{len(orders)} {noun}s" if len(orders) > 1 else f"the {noun}"


def _summary(statins: _Statins, verb: str, hook: str) -> str:
    """'Statin contraindicated: anti-HMGCR myopathy.' and what to stop (the statins ordered or in force, then on
    order-sign those on the chart to discontinue too), or, with none to stop, the statins whose orders ended but may
    be taken (now, or from a start after today). Each list is named where the summary fits
    (hooks.cards.first_fitting), else counted, the chart's first: cut off, a name would be unreadable."""
    head = "Statin contraindicated: anti-HMGCR myopathy."
    if not statins.offending:
        ended = [t.order for t in statins.possibly_taken]
        return first_fitting([f"{head} Order ended but may be taken: {', '.join(o.label for o in ended)}",
                              f"{head} {_counted(ended, 'statin order').capitalize()} ended but may be taken"])
    named = ", ".join(o.label for o in statins.offending)
    counted = _counted(statins.offending, "statin draft" if hook == "order-sign" else "statin")
    kept = [o for o, _ in statins.discontinued]
    if not kept:
        return first_fitting([f"{head} {verb} {named}", f"{head} {verb} {counted}"])
    on_chart = f"{', '.join(o.label for o in kept)} on the chart"
    kept_counted = f"{_counted(kept, 'statin')} on the chart"
    return first_fitting([f"{head} {verb} {named}; discontinue {on_chart}",
                          f"{head} {verb} {named}; discontinue {kept_counted}",
                          f"{head} {verb} {counted}; discontinue {kept_counted}"])


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    why = _why(record)
    # an anti-HMGCR read as neither positive nor negative may be the positive one: it leaves the row open, said once
    # a statin is found (a critical check must not go quiet on a result it cannot read)
    unread_results = [antibodies.quoted(o) for o in antibodies.unreadable(record, "anti_hmgcr")] if why is None else []
    facts: dict[str, object] = {"anti_hmgcr_or_statin_myopathy": why,
                                "anti_hmgcr_unread": "; ".join(unread_results) or None}
    if why is None and not unread_results:
        return Quiet("no positive anti-HMGCR and no statin-associated autoimmune myopathy on file", facts)
    statins = _read_statins(record, context)
    offending = statins.offending
    facts["statins"] = ", ".join(o.label for o in offending) or None
    # the chart's orders only: a draft's status is its own
    unread = statins.kept_unread if context.hook == "order-sign" else [o for o in offending if o.status_unstated]
    facts["statins_status_unread"] = _status_unread_fact(unread, "active")
    # said when quiet too: a statin stopped on the chart is read, and does not fire alone
    facts["other_statins_taken"] = _taken_fact([*statins.kept, *statins.ended])
    if context.hook == "order-sign":
        # a draft completed records a statin dispensed or given (patient-view reads the chart's): nothing to cancel
        facts["statin_drafts_ordering_none"] = "; ".join(
            f"{d.label} ({d.reference})" + (": status 'completed', a statin recorded as dispensed or given"
                                            if d.status_meaning.records_given else "")
            for d in statins.ordering_none) or None
    # on order-sign only a statin drafted fires it (the chart's are patient-view's); on patient-view one whose order
    # ended but that may still be taken does too, said so
    if not offending and (context.hook == "order-sign" or not statins.possibly_taken):
        where = ("active" if context.hook != "order-sign" else "in the draft orders" if not statins.ordering_none
                 else "ordered: each statin draft orders none (written as a stop, 0 mg naming a statin on the chart, "
                      "or completed: recorded as dispensed or given)")
        return Quiet(f"no statin or red yeast rice {where}", facts)
    if why is None:
        return NotEvaluable(_undecided(record, offending or [t.order for t in statins.possibly_taken], unread_results,
                                       context.hook), facts)
    lipids = _lipid_lowering(record, context)
    clinic = lipids.clinic
    lipid_clinic = orders.service_request(
        context.patient_id, orders.text_concept(f"Referral to {clinic} (non-statin lipid lowering: "
                                                "ezetimibe, PCSK9 monoclonal antibody)"))
    verb = "Cancel" if context.hook == "order-sign" else "Discontinue"
    # each named with its dose as ordered beside how it stands ('20 mg once a day; current'): its label alone reads as
    # the dose
    discontinued = [(o, "; ".join(filter(None, [dose_as_ordered(o), how]))) for o, how in statins.discontinued
                    if _actionable(o)]
    remove = ([Action("delete", f"{verb} {named_with_dose(o)}", resource_id=o.reference) for o in offending]
              + continuing.discontinue(discontinued))
    stopped = [*offending, *(o for o, _ in statins.discontinued)]
    reorder = _to_reorder(stopped)
    facts["other_ingredients_stopped"] = "; ".join(
        f"{o.label}: {', '.join(others)}" for o in stopped if (others := _other_ingredients(o))) or None
    # None: no order to stop (only statins whose orders ended are named), so nothing is pre-selected either
    stop = (f"{verb} the statin" + (f" (re-order {' and '.join(reorder)} alone)" if reorder else "")
            + (f", discontinue the one{'s' if len(discontinued) > 1 else ''} on the chart" if discontinued else "")
            ) if offending else None
    taking, ezetimibe_unread = _taking(record, context, "ezetimibe")
    pcsk9_taking, pcsk9_unread = _taking(record, context, "pcsk9_inhibitor")
    facts["ezetimibe_taken"] = _taken_fact(taking)
    facts["ezetimibe_status_unread"] = _status_unread_fact(ezetimibe_unread, "taken")
    facts["pcsk9_inhibitor_taken"] = _taken_fact(pcsk9_taking)
    facts["pcsk9_inhibitor_status_unread"] = _status_unread_fact(pcsk9_unread, "taken")
    ezetimibe: list[Suggestion] = []
    ezetimibe_offered = not (taking or ezetimibe_unread) and lipids.ezetimibe
    if taking or ezetimibe_unread:  # not offered as if there were none: it may be duplicate therapy
        placed = (f"{taking[-1].placed.format(drug='ezetimibe')}: {taking[-1].order.label}" if taking
                  else f"an ezetimibe order of unknown status is on the chart: {ezetimibe_unread[-1].label}")
        ezetimibe = [Suggestion(f"{stop} ({placed})", remove, is_recommended=True)] if stop else []
    elif ezetimibe_offered:
        order = orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "ezetimibe", "ezetimibe"), 10, "mg",
            text="Ezetimibe 10 mg by mouth once daily")
        ezetimibe = [Suggestion(_label(stop, "start ezetimibe 10 mg daily"),
                                [*remove, Action("create", "Ezetimibe 10 mg PO daily", resource=order)],
                                is_recommended=stop is not None)]
    # no adult dose below its licensed age, and no second PCSK9-directed drug (nor one that may be)
    pcsk9 = [] if not lipids.pcsk9 or pcsk9_taking or pcsk9_unread else [Suggestion(
        _label(stop, "start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)"),
        [*remove, Action("create", "Evolocumab 140 mg SC every 2 weeks", resource=_pcsk9_inhibitor(context))])]
    return Fired(
        severity="critical",
        summary=_summary(statins, verb, context.hook),
        detail=DETAIL.format(why=why, lipids=lipids.advice, exposure=_exposure(context, statins, unread)
                             + _other_ingredients_line(stopped, ezetimibe_offered)
                             + _unread_line("ezetimibe", ezetimibe_unread, lipids.ezetimibe)
                             + _taken_line("PCSK9 inhibitor", pcsk9_taking, lipids.pcsk9)
                             + _unread_line("PCSK9 inhibitor", pcsk9_unread, lipids.pcsk9)),
        facts=facts,
        about=offending or [t.order for t in statins.possibly_taken],
        suggestions=[
            *ezetimibe,
            *pcsk9,
            # with no order offered before it (a young child), the referral is the one recommended
            Suggestion(_label(stop, f"refer to the {clinic}"),
                       [*remove, Action("create", f"{clinic.capitalize()} referral", resource=lipid_clinic)],
                       is_recommended=stop is not None and not ezetimibe),
        ],
        selection="at-most-one",
    )
