"""R14: no statin (or red yeast rice) for a patient with anti-HMGCR myopathy, on either hook."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, continuing
from hooks.definitions.courses import ended_before_its_end, last_dose_day, repeats
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, Quiet, Result, Rule, Suggestion
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
            and not any(d.timing.count for d in order.dosages) and repeats(order.dosages))


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


def _exposure(record: PatientRecord, context: HookContext, offending: list[MedicationOrder],
              unread: list[MedicationOrder]) -> str:
    """The detail's last lines: the statins ordered or active, those ordered to start after today
    (:func:`_not_begun`), each whose status could not be read (``unread``, among ``offending``), and on patient-view
    those that say they ended but whose dates reach today (:func:`_ended_statins_taken`): an order to start later is
    no sign the patient is off statins now."""
    if context.hook == "order-sign":
        return f"\nStatin ordered: {', '.join(o.label for o in offending)}."
    today = context.today
    read = [o for o in offending if not any(o is u for u in unread)]
    active = ", ".join(o.label for o in read if not _not_begun(o, today))
    ahead = "; ".join(f"{o.label} (from {o.start})" for o in read if _not_begun(o, today))
    said = [f"The status of {o.label} could not be read ({_status_said(o)}), so it is counted as possibly active: "
            "check whether it is still taken." for o in unread]
    lines = [*([f"Statin active: {active}."] if active else []),
             *([f"Statin ordered to start later: {ahead}."] if ahead else []), *said]
    return "\n" + " ".join(lines) + _taken_line("statin", _ended_statins_taken(record, offending), would_offer=False)


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
# ended may still be taken, or still act
ORDERED = "{drug} is already ordered"
SIGNED = "{drug} is in the orders being signed"
MAY_BE_TAKEN = "{drug} may still be taken"


@dataclass(frozen=True, slots=True)
class _Taken:
    """An order of a drug the patient is on, may still be on, or is ordered or signed with this call, why it counts
    (:func:`_why_taken`) and how the card places it (``placed``: ORDERED, SIGNED or MAY_BE_TAKEN): the card and the
    facts say it, as they say an order of unknown status."""

    order: MedicationOrder
    why: str
    placed: str


def _why_taken(order: MedicationOrder, last: date, today: date) -> str:
    """Why a chart order last given on ``last`` counts as therapy taken today: current (active or on hold, its dates
    running to today), or to start after today (:func:`_not_begun`: ordered, not yet taken); stopped or completed on a
    day the chart does not give, before the end its dates give (courses.ended_before_its_end) or with no end date
    written (:func:`_ended_on_a_day_not_given`), counted to today at the latest and to be checked; stopped or
    completed with its end date, supply or count of doses running to today (so to be checked too); or, for a
    PCSK9-directed drug, a last dose inside the rule's own window (:func:`_on_therapy_until`: the longest licensed
    interval of its kind plus the labels' allowance for a late dose, not this order's own schedule), whose last day
    is named, and where it comes from (its dates, or a later order: :func:`_superseded_on`); for a count of monthly
    doses, with the days calendar months may put it later (:func:`_count_read_early_by`)."""
    if order.current_on(today):
        held = "on hold" if order.status == "on-hold" else ""
        if _not_begun(order, today):
            return f"{held + ', ' if held else ''}to start {order.start}: not yet taken by its dates"
        return held or "current"
    read_to_today = order.in_group("pcsk9_inhibitor") and _ended_on_a_day_not_given(order)
    if last >= today:
        ended = (" on a day the chart does not give, before the end its dates give"
                 if ended_before_its_end(order, today) else " on a day the chart does not give, with no end date"
                 if read_to_today else ", its end date, supply or count of doses running to today or later")
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
    chart order with why it counts; where the card would offer that drug at the patient's age were none taken
    (``would_offer``), that no second one is."""
    if not taken:
        return ""
    sentences = []
    for placed in dict.fromkeys(t.placed for t in taken):
        named = "; ".join(t.order.label if placed == SIGNED else f"{t.order.label} ({t.why})"
                          for t in taken if t.placed == placed)
        sentences.append(f"{placed.format(drug=_a(drug))}: {named}.")
    return "\n" + " ".join(sentences) + (f" No second {drug} order is offered." if would_offer else "")


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


def _ended_statins_taken(record: PatientRecord, offending: list[MedicationOrder]) -> list[_Taken]:
    """Statin (or red yeast rice) orders besides ``offending`` (those current or possibly active) that say they
    ended (stopped, completed) but whose dates reach today (:func:`_last_dose`: before their end date, or an end
    date, supply or count of doses running to today): they may still be taken, each with why
    (:func:`_why_taken`)."""
    today = record.today
    return [_Taken(o, _why_taken(o, last, today), MAY_BE_TAKEN) for o in record.medications_in(*STATIN_GROUPS)
            if not any(o is x for x in offending) and (last := _last_dose(o, record)) is not None and last >= today]


def _pcsk9_inhibitor(context: HookContext) -> dict[str, Any]:
    """The table's PCSK9 antibody order: evolocumab 140 mg SC every 2 weeks, its alternatives in the text."""
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "pcsk9_inhibitor", "evolocumab"), 140, "mg",
        route="sc", period=2, period_unit="wk",
        text="Evolocumab 140 mg subcutaneously every 2 weeks (or 420 mg once monthly); alternative: alirocumab "
             "75-150 mg subcutaneously every 2 weeks")


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    why = _why(record)
    facts: dict[str, object] = {"anti_hmgcr_or_statin_myopathy": why}
    if why is None:
        return Quiet("no positive anti-HMGCR and no statin-associated autoimmune myopathy on file", facts)
    offending = context.drafts_in(*STATIN_GROUPS) if context.hook == "order-sign" else _active_on_chart(record)
    facts["statins"] = ", ".join(o.label for o in offending) or None
    unread = [] if context.hook == "order-sign" else [o for o in offending if o.status_unstated]  # drafts: none
    facts["statins_status_unread"] = _status_unread_fact(unread, "active")
    if not offending:
        return Quiet("no statin or red yeast rice " + ("in the draft orders" if context.hook == "order-sign"
                                                        else "active"), facts)
    names = ", ".join(o.label for o in offending)
    lipids = _lipid_lowering(record, context)
    clinic = lipids.clinic
    lipid_clinic = orders.service_request(
        context.patient_id, orders.text_concept(f"Referral to {clinic} (non-statin lipid lowering: "
                                                "ezetimibe, PCSK9 monoclonal antibody)"))
    verb = "Cancel" if context.hook == "order-sign" else "Discontinue"
    remove = [Action("delete", f"{verb} {o.label}", resource_id=o.reference) for o in offending]
    taking, ezetimibe_unread = _taking(record, context, "ezetimibe")
    pcsk9_taking, pcsk9_unread = _taking(record, context, "pcsk9_inhibitor")
    facts["ezetimibe_taken"] = _taken_fact(taking)
    facts["ezetimibe_status_unread"] = _status_unread_fact(ezetimibe_unread, "taken")
    facts["pcsk9_inhibitor_taken"] = _taken_fact(pcsk9_taking)
    facts["pcsk9_inhibitor_status_unread"] = _status_unread_fact(pcsk9_unread, "taken")
    ezetimibe: list[Suggestion] = []
    if taking:
        named = taking[-1]
        ezetimibe = [Suggestion(f"{verb} the statin ({named.placed.format(drug='ezetimibe')}: {named.order.label})",
                                remove, is_recommended=True)]
    elif ezetimibe_unread:  # not offered as if there were none: it may be duplicate therapy
        ezetimibe = [Suggestion(f"{verb} the statin (an ezetimibe order of unknown status is on the chart: "
                                f"{ezetimibe_unread[-1].label})", remove, is_recommended=True)]
    elif lipids.ezetimibe:
        order = orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "ezetimibe", "ezetimibe"), 10, "mg",
            text="Ezetimibe 10 mg by mouth once daily")
        ezetimibe = [Suggestion(f"{verb} the statin and start ezetimibe 10 mg daily",
                                [*remove, Action("create", "Ezetimibe 10 mg PO daily", resource=order)],
                                is_recommended=True)]
    # no adult dose below its licensed age, and no second PCSK9-directed drug (nor one that may be)
    pcsk9 = [] if not lipids.pcsk9 or pcsk9_taking or pcsk9_unread else [Suggestion(
        f"{verb} the statin and start evolocumab 140 mg SC every 2 weeks (PCSK9 antibody)",
        [*remove, Action("create", "Evolocumab 140 mg SC every 2 weeks", resource=_pcsk9_inhibitor(context))])]
    return Fired(
        severity="critical",
        summary=f"Statin contraindicated: anti-HMGCR myopathy. {verb} {names}",
        detail=DETAIL.format(why=why, lipids=lipids.advice, exposure=_exposure(record, context, offending, unread)
                             + _unread_line("ezetimibe", ezetimibe_unread, lipids.ezetimibe)
                             + _taken_line("PCSK9 inhibitor", pcsk9_taking, lipids.pcsk9)
                             + _unread_line("PCSK9 inhibitor", pcsk9_unread, lipids.pcsk9)),
        facts=facts,
        about=offending,
        suggestions=[
            *ezetimibe,
            *pcsk9,
            # with no order offered before it (a young child), the referral is the one recommended
            Suggestion(f"{verb} the statin and refer to the {clinic}",
                       [*remove, Action("create", f"{clinic.capitalize()} referral", resource=lipid_clinic)],
                       is_recommended=not ezetimibe),
        ],
        selection="at-most-one",
    )
