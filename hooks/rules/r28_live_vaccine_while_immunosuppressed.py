"""R28: a live vaccine drafted for a patient on (or recently on) immunosuppression; non-live vaccines never fire."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import continuing, steroids
from hooks.definitions.cohorts import below_licensed_age
from hooks.definitions.courses import doses_since, last_dose_day, repeats
from hooks.definitions.diagnosis import immunosuppressive_orders
from hooks.definitions.dose_basis import draft_start
from hooks.definitions.immunosuppression import IMMUNOSUPPRESSANTS
from hooks.definitions.immunosuppression_level import (
    Exposure,
    Thresholds,
    UnknownStop,
    Unplaced,
    ends_not_given,
    exposures,
    last_day,
    paediatric_peq_limit,
)
from hooks.definitions.routes import is_local_order, route_of, systemic
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.definitions.vaccines import SERIES_DOSES, RzvSeries, months_after, rzv_series
from hooks.definitions.weight import dosing_weight
from hooks.record import CVX, Concept, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import (
    ACR_2022_VACCINES,
    CDC_LIVE_VACCINE_WAIT,
    CDC_TIMING_SPACING,
    IDSA_2013_VACCINES,
    LIVE_VACCINE_TABLE,
    SEED_003,
    VARIVAX_LABEL,
)

RULE = Rule(
    id="live-vaccine-while-immunosuppressed",
    number=28,
    title="Live vaccine while immunosuppressed",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    also_reads=("immunizations",),
    summary="A live vaccine drafted for a patient on immunosuppression: critical at high level, warning at low "
            "level or with immunosuppression drafted alongside; notes that MMR/varicella may fail after recent IVIG.",
    sources=(SEED_003, IDSA_2013_VACCINES, LIVE_VACCINE_TABLE, CDC_LIVE_VACCINE_WAIT, ACR_2022_VACCINES,
             CDC_TIMING_SPACING, VARIVAX_LABEL),
    parameters={
        "high_peq_mg": Param(20, "mg/day", "High level: prednisone-equivalent at or above this..."),
        "high_peq_days": Param(14, "days", "... for at least this many consecutive days."),
        "recent_days": Param(30, "days", "Immunosuppression given this recently still counts (CDC: wait at least "
                                         "1 month after high-dose glucocorticoids)."),
        "mtx_mg_per_kg_week": Param(0.4, "mg/kg/week", "Methotrexate above this is high level."),
        "aza_mg_per_kg_day": Param(3, "mg/kg/day", "Azathioprine above this is high level."),
        "unknown_stop_lookback_days": Param(365, "days", "An immunosuppressant order started this recently that says "
                                                         "it stopped but not when is judged as if taken until today "
                                                         "(high at that: level unknown, treated as high).",
                                            at_least="live-vaccine-while-immunosuppressed.recent_days"),
        "unknown_stop_max_age_days": Param(
            steroids.HISTORY_DAYS, "days",
            "An immunosuppressant order begun longer ago than this that says it stopped but not when, with no later "
            "order of the drug to bound it, is read as over before the look-back (no card); one begun more recently "
            "asks to confirm when it was last taken. [sign-off] 3 years, the reach of the glucocorticoid timeline: a "
            "prescription stays valid for a year at most in most places, so a drug still taken would have been "
            "renewed at least twice since, and a renewal (any later order of the drug) places the older order.",
            at_least="live-vaccine-while-immunosuppressed.unknown_stop_lookback_days"),
        "ivig_interference_months": Param(11, "months", "IVIG this recently may stop MMR or varicella vaccine "
                                                         "from working."),
        "given_watch_days": Param(42, "days", "A live vaccine recorded as given among the draft orders this recently "
                                              "is watched for vaccine-strain infection: R28's own window (the six "
                                              "weeks in which the VARIVAX label asks its recipients to avoid "
                                              "high-risk contacts); an older one is outside it."),
    },
    override_family="safety",
)

# Live vaccines whose take is blocked by the antibodies in IVIG (measles- and varicella-containing).
IVIG_BLOCKED = frozenset({"MMR", "MMRV", "measles-rubella", "measles", "rubella", "mumps", "rubella-mumps",
                          "varicella"})
# RZV replaces live zoster vaccine only: it does not prevent primary varicella, so it is no substitute for a
# varicella or MMRV vaccine (spec R28 pairs RZV with live zoster only; no non-live varicella vaccine exists).
LIVE_ZOSTER = frozenset({"zoster, live"})
LIVE_INFLUENZA = frozenset({"influenza, live attenuated (LAIV)", "influenza H1N1, live nasal"})
TRAVEL = frozenset({"yellow fever", "typhoid, oral live", "cholera, live attenuated", "dengue (CYD-TDV)",
                    "dengue (TAK-003)", "Japanese encephalitis (JE-CV, live)", "chikungunya, live", "BCG",
                    "hepatitis A, live attenuated", "VEE, live attenuated", "smallpox (vaccinia, live)",
                    "OPV (oral polio, live)"})
# A name row that says only "live" (e.g. "X vaccine, live"): any other live concept of the same draft says more.
GENERIC_LIVE = "live vaccine (named live)"
# Groups that settle whether a vaccine is live; a vaccine in none of them cannot be judged by this rule.
VACCINE_GROUPS = ("live_vaccine", "non_live_vaccine", "pcv15", "pcv20_or_pcv21")
VACCINE_WORD = re.compile(r"\b(vaccines?|vaccination|vaccin|immuni[sz]ation)\b")
# A medicine named for an infection a live vaccine prevents, or with a vaccine brand's 'vax' (Varivax, Vaxchora), is
# likely a vaccine without the word (a brand name, 'MMR II'): one in no vaccine value set is named, not passed in
# silence. Medicines only: a lab order names these infections too (measles IgG). Immune globulins are left out.
VACCINE_LIKE = re.compile(r"\b(measles|mumps|rubella|varicella|chickenpox|zoster|rotavirus|polio\w*|yellow fever|"
                          r"typhoid|cholera|dengue|chikungunya|ebola|smallpox|vaccinia|bcg|influenza|encephalitis|"
                          r"\w*vax\w*)\b")
NOT_VACCINES = ("ivig", "hyperimmune_or_im_globulin")
REFERRAL_WORD = re.compile(r"\brefer")
RZV_DISPLAY = "zoster vaccine recombinant"  # CVX 187 in vaccines.csv
IIV_DISPLAY = "Influenza, seasonal, injectable, preservative free"  # CVX 140 in vaccines.csv

DETAIL = """\
{headline} {drafts} {is_are} a live vaccine. {level}{confirm}
{found}{ivig}{unclassified}
{alternatives}
{when_safe}"""
FOUND = """
Immunosuppression found (now or within {recent_days} days; anti-CD20 within {cd20_days} days):
{bullets}
"""
CONFIRM = (" **Confirm when {orders} {was_were} last taken before signing**: the chart does not say (see below), and "
           "taken within the windows below it contraindicates a live vaccine.")
WHEN_SAFE = ("If a live vaccine is really needed, give it at least 4 weeks before immunosuppression starts, or at "
             "least 1 month after high-dose glucocorticoids stop (longer after rituximab).")
# IVIG alone: there is nothing to replace the vaccine with, only a wait (CDC/ACIP timing and spacing: the interval
# after immune globulin grows with its dose, to 11 months after 2 g/kg)
IVIG_WAIT = ("There is no non-live form of it: **defer it** until the interval after the IVIG has passed (CDC: it "
             "depends on the IVIG dose, up to 11 months after 2 g/kg), or check the interval before giving it.")
# Varicella-containing vaccines have no non-live form, and recombinant zoster vaccine is no substitute for them
VARICELLA_CONTAINING = frozenset({"varicella", "MMRV"})
NOT_JUDGED_SHOWN = 3

# A live vaccine recorded as given among the drafts (an Immunization or an order 'completed') cannot be cancelled:
# what follows it is judged as of the day it was given. Immunosuppression begun less than 4 weeks after it meets the
# vaccine strain still growing (the card's "at least 4 weeks before immunosuppression starts"); begun later, it does
# not. IVIG given within the interval before a measles- or varicella-containing vaccine, or up to 14 days after it,
# can stop it working (CDC/ACIP, timing and spacing of immunobiologics).
VACCINE_BEFORE_IMMUNOSUPPRESSION_DAYS = 28
IVIG_AFTER_VACCINE_DAYS = 14

WATCH = ("Watch for vaccine-strain infection in the weeks after it (a live vaccine can disseminate during "
         "immunosuppression): at fever, rash or other signs of infection, seek infectious-diseases advice at once.")
DELAY = ("Where the immunosuppression drafted with it can wait, start it **at least 4 weeks after the vaccine** (from "
         "{day}).")
# No date to repeat it is computed: when a live vaccine is safe again depends on the immunosuppression (found or
# planned) and on IVIG still to come (maintenance courses), which the chart does not settle
REPEAT = ("The IVIG may have stopped it working: plan whether and when to repeat it with immunisation advice, once a "
          "live vaccine is safe again.")
GIVEN_TAIL = {"planned": "delay immunosuppression 4 weeks", "ivig": "it may not work",
              "timing": "confirm when immunosuppression stopped"}

GIVEN_LEVEL_TEXT = {
    "low": "This is **lower-level immunosuppression**: vaccine-strain infection is less likely, but it can occur.",
    "planned": "Immunosuppression is being ordered with it: started less than 4 weeks after a live vaccine, it lets "
               "the vaccine strain spread.",
    "ivig": "IVIG given around it can stop it working.",
    "timing": "When immunosuppression on the chart was last taken is not known (see below): confirm it. Taken "
              "around the vaccine, it lets the vaccine strain spread.",
}

LEVEL_TEXT = {
    "high": "This is **high-level immunosuppression**: a live vaccine can cause disseminated infection.",
    "unknown": "The level of immunosuppression could not be shown to be low (see below), so treat it as high "
               "level until it is checked.",
    "low": "This is **lower-level immunosuppression**: a live vaccine is a specialist decision; weigh the need "
           "against the risk of vaccine-strain infection.",
    "planned": "Immunosuppression is being ordered with it: a live vaccine needs **at least 4 weeks before** "
               "immunosuppression starts, or the vaccine strain can spread.",
    "ivig": "No immunosuppressive drug was found, but recent IVIG matters for this vaccine.",
    "timing": "Any mycophenolate, tacrolimus, cyclosporine, cyclophosphamide or anti-CD20 is high-level "
              "immunosuppression, as are higher doses of glucocorticoid, methotrexate or azathioprine.",
}
HEADLINE = {"ivig": "**This live vaccine may not work.**",
            "planned": "**A live vaccine should not be given as immunosuppression starts.**",
            "timing": "**A live vaccine may be unsafe: when immunosuppression was last taken is not known.**"}


def _recent_ivig(record: PatientRecord, months: int) -> tuple[str, date] | None:
    """The latest IVIG within ``months``: (label, last day given); as an order or, as some EHRs record it, an
    Immunization (CVX 87 / 14)."""
    since = months_after(record.today, -months)
    given = [(m.label, last) for m, last in doses_since(record, "ivig", since=since)]
    given += [(i.vaccine.label, i.when) for i in ivig_immunizations(record, since) if i.when is not None]
    return max(given, key=lambda pair: pair[1]) if given else None


def _judged(record: PatientRecord, context: HookContext, thresholds: Thresholds
            ) -> tuple[list[Exposure], list[Unplaced]]:
    """The exposures within the thresholds' window, and the orders that say they ended but not when and cannot be
    judged (:func:`ends_not_given`): when they were taken is not known, which the card asks to confirm. Those newest
    first (an undated one first of all: it may be the newest), as the card names the newest few."""
    found = exposures(record, context, thresholds)
    judged = {id(o) for e in found for o in e.orders}
    return found, sorted((u for u in ends_not_given(record, thresholds).unplaced if id(u.order) not in judged),
                         key=lambda u: u.order.start or date.max, reverse=True)


def _not_judged(unplaced: Sequence[Unplaced]) -> list[str]:
    """The orders not judged, as said: the newest few, and how many older (monthly renewals over years, each stopped
    with no end, would make a page of them)."""
    older = len(unplaced) - NOT_JUDGED_SHOWN
    return [*(u.describe() for u in unplaced[:NOT_JUDGED_SHOWN]), *([f"{older} older"] if older > 0 else [])]


@dataclass(frozen=True, slots=True)
class GivenDraft:
    """A draft recorded as given (a live vaccine, or IVIG), and the day it was given: its date, or, with none, today
    (the latest it can have been, so the weeks after it are still watched: the safe side)."""

    order: MedicationOrder
    day: date
    dated: bool

    @classmethod
    def of(cls, order: MedicationOrder, today: date) -> GivenDraft:
        # a date to come is no day a dose was given: read as today
        return cls(order, min(order.start, today), True) if order.start is not None else cls(order, today, False)

    def describe(self) -> str:
        return (f"{self.order.label} ({self.day.isoformat()})" if self.dated
                else f"{self.order.label} (no date recorded: read as today)")


# What R28 judges as immunosuppression (immunosuppression_level.exposures), drafted or given: the systemic
# glucocorticoids and the steroid-sparing agents that suppress immunity
IMMUNOSUPPRESSION = (steroids.GROUP, *IMMUNOSUPPRESSANTS)


@dataclass(frozen=True, slots=True)
class Recorded:
    """Immunosuppression recorded as given among the drafts (:func:`_with_given`): the ``draft``, as a course given by
    today (``given``), and what the chart R28 judges gains from it (``added``: ``given``, or its days outside those of
    the chart order it is counted as, ``that``); the chart orders it otherwise re-sends or names, each said
    (``links``), those of its drug counted on its days too (``beside``), and its last day counted (``last``)."""

    draft: MedicationOrder
    given: MedicationOrder
    added: tuple[MedicationOrder, ...]
    that: MedicationOrder | None = None
    links: tuple[tuple[MedicationOrder, str], ...] = ()
    beside: tuple[MedicationOrder, ...] = ()
    last: date | None = None

    def said(self, today: date) -> str:
        """The draft as the card and facts name it: its days as recorded ('on 2026-11-18', '2026-11-18 to
        2026-11-20', 'no date recorded'), how they are counted where that is not as written, and how it stands to
        the chart's orders."""
        draft, given = self.draft, self.given
        to_come = False
        if draft.start is None or draft.start > today:
            written = ("no date recorded" if draft.start is None and draft.end is None
                       else f"to {draft.end}, no start date recorded" if draft.start is None
                       else f"dated {draft.start}, still to come")
        else:
            # a dose that does not repeat was given on its day
            last = (draft.end or continuing.last_written_dose(draft)
                    or (None if repeats(draft.dosages, negative_frequency_as_once=True) else draft.start))
            to_come = last is not None and last > today
            written = (f"from {draft.start}" if last is None else f"on {draft.start}" if last == draft.start
                       else f"{draft.start} to {last}") + (", its end still to come" if to_come else "")
        tied = {id(o) for o, _ in self.links}
        unlinked = " and ".join(f"{o.label} ({o.reference})" for o in self.beside if id(o) not in tied)
        parts = [*([f"counted as given at any time up to {given.end}"] if given.start is None else []),
                 *(["counted as given up to today"] if to_come else []),
                 *([f"it records {self.that.reference} as given, counted as that order" + (
                     " on its days and on its own outside them" if self.added else "")] if self.that else []),
                 *(how + (", counted in addition to it" if any(o is b for b in self.beside) else "")
                   for o, how in self.links),
                 *([f"counted in addition to {unlinked} of the same drug (no link between them)"] if unlinked else [])]
        return f"{draft.label} ({written}{': ' + ', '.join(parts) if parts else ''})"


def _drug(order: MedicationOrder) -> str | None:
    """The drug R28 judges an order as: its ingredient in the first group of :data:`IMMUNOSUPPRESSION` it is in."""
    return next((drug for group in IMMUNOSUPPRESSION if (drug := order.medication.concept_in(group))), None)


def _not_that_order(draft: MedicationOrder, order: MedicationOrder, weight_kg: float | None, today: date
                    ) -> str | None:
    """Why ``draft``, re-sending the chart's ``order`` (the same id), is not counted as that order (on its days, at
    its dose); None when it is: the same drug, route (one stated on one side only is no difference) and daily dose,
    given by today on days the chart dates (not cancelled, not undated, not to start later), not ended before it."""
    routes = {route_of(draft), route_of(order)} - {None}
    if _drug(draft) != _drug(order) or is_local_order(order) or len(routes) > 1:
        return "another drug or route"
    if dosing.daily_mg(draft, weight_kg) != dosing.daily_mg(order, weight_kg):
        return "another daily dose"
    if not order.counts_as_exposure or order.start is None or order.start > today:
        return "the chart dates no dose of it by today"
    if draft.end is not None and draft.end < order.start:
        return "it ends before that order began"
    return None


def _as_given(draft: MedicationOrder, today: date, order_start: date | None) -> MedicationOrder:
    """The draft as a course given by ``today`` (a dose recorded as given lies in no future). With no start date, or
    one still to come, it began with the chart order it is counted as (``order_start``); else on a day not known,
    which a live vaccine given meets (:func:`_met_by_vaccine`: the safe side), its last dose its end date, else today
    (every window counted back from today holds it). An end date still to come is read as today: a course read as
    ended before its end date could take over, as a maintenance order, from an older order of the drug that ended
    before its own (courses.taken_over) and cut that order's days short."""
    start = draft.start if draft.start is not None and draft.start <= today else order_start
    end = min(draft.end, today) if draft.end is not None else today if start is None else None
    return draft if (start, end) == (draft.start, draft.end) else replace(draft, start=start, end=end)


def _outside(given: MedicationOrder, first: date, until: date, today: date) -> tuple[MedicationOrder, ...]:
    """The days of ``given`` (:func:`_as_given`) outside ``first`` to ``until``, those the chart order it re-sends
    counts: the piece before them and the piece after them; all of it, as written, where it lies wholly outside
    them or its start is not known. A piece cut from it has its end written (a count of doses read again from a
    later start would run past its last dose)."""
    last = last_dose_day(given, today)
    if given.start is None or last is None or last < first or given.start > until:
        return (given,)
    return (*([replace(given, end=first - timedelta(days=1))] if given.start < first else []),
            *([replace(given, start=until + timedelta(days=1), end=last)] if last > until else []))


def _with_given(record: PatientRecord, context: HookContext, thresholds: Thresholds
                ) -> tuple[PatientRecord, list[Recorded]]:
    """The chart with the immunosuppression recorded as given among the drafts on it (:func:`_recorded`): a systemic
    prescription 'completed' (as continuing.in_place reads drafts: no lab order naming the drug, no eye drops). Given,
    it is exposure as the chart's own is: a live vaccine after it is judged against it, one given before it meets
    it. The chart's own orders are judged as they are, so a recorded dose only adds; the card names the chart orders
    of its drug counted on its days too (what they give adds up). With none recorded, the chart itself."""
    today = record.today
    drafts = [d for d in context.drafts_in(*IMMUNOSUPPRESSION) if d.resource_type == "MedicationRequest"
              and d.status_meaning.records_given and not is_local_order(d)]
    if not drafts:
        return record, []
    weight = dosing_weight(record, context)
    stops = ends_not_given(record, thresholds).stops
    links = continuing.Links(drafts)
    recorded = [_recorded(draft, [(order, by) for order in record.medications for d, by in links.linking(order)
                                  if d is draft], weight.value if weight else None, today, stops) for draft in drafts]
    chart = record.with_medications(sorted([*record.medications, *(p for r in recorded for p in r.added)],
                                           key=lambda m: m.start or date.min))  # oldest first, as the record keeps them
    judged = ends_not_given(chart, thresholds).stops

    def span(order: MedicationOrder) -> tuple[date, date] | None:
        """The days R28 counts ``order`` as given on that chart; None when they cannot be placed."""
        last = last_day(order, today, judged)[1]
        return None if last is None or order.start is None else (order.start, last)

    counted = [(o, s) for o in systemic(record.medications_in(*IMMUNOSUPPRESSION)) if (s := span(o)) is not None]
    for i, r in enumerate(recorded):
        spans = [s for p in r.added if (s := span(p)) is not None]
        beside = tuple(o for o, (first, last) in counted if o is not r.that and _drug(o) == _drug(r.draft)
                       and any(first <= end and start <= last for start, end in spans))
        recorded[i] = replace(r, beside=beside, last=max((end for _, end in spans), default=None))
    return chart, recorded


def _recorded(draft: MedicationOrder, links: Sequence[tuple[MedicationOrder, str | None]], weight_kg: float | None,
              today: date, stops: Mapping[int, UnknownStop]) -> Recorded:
    """``draft`` read against the chart orders it re-sends or names (``links``, as continuing.Links gives them).
    Counted as the one it re-sends where it is that order (:func:`_not_that_order`), it adds its days outside those
    that order counts, so no day is counted twice (prednisone-equivalents add up); any other, a successor naming a
    chart order as its priorPrescription too (never dated from it), is counted on its own days (:func:`_as_given`)."""
    that, others = None, []
    for order, by in links:
        if by is not None:
            others.append((order, f"it names {order.reference} as its prior prescription"))
        elif why := _not_that_order(draft, order, weight_kg, today):
            others.append((order, f"it re-sends {order.reference}, not counted as that order ({why})"))
        elif that is None:
            that = order
    given = _as_given(draft, today, that.start if that else None)
    until = last_day(that, today, stops)[1] if that else None
    if that is None or that.start is None or until is None:
        return Recorded(draft, given, (given,), links=tuple(others))
    return Recorded(draft, given, _outside(given, that.start, until, today), that, tuple(others))


def _counted(found: Sequence[Exposure], recorded: Sequence[Recorded], since: date, today: date) -> tuple[str, ...]:
    """The immunosuppression recorded as given that ``found`` counts, described for the card to say so: an exposure
    of its own, or a glucocorticoid given from ``since`` (the window of the prednisone-equivalent timeline, whose
    exposure names no order)."""
    timeline = any(not e.orders for e in found)
    return tuple(r.said(today) for r in recorded if any(o is p for e in found for o in e.orders for p in r.added) or (
        timeline and r.last is not None and r.last >= since and r.added[0].in_group(steroids.GROUP)))


@dataclass(frozen=True, slots=True)
class AfterGiven:
    """What follows the live vaccines recorded as given (:func:`_after_given`). ``level``: what matters most, None
    when nothing does."""

    level: str | None
    watched: tuple[GivenDraft, ...]  # given within the watch window
    since: date | None  # immunosuppression counts if given from this day (before the oldest watched vaccine) ...
    began_before: date | None  # ... and begun before this day (4 weeks after the newest)
    found: tuple[Exposure, ...]
    recorded: tuple[str, ...]  # among what ``found`` counts, recorded as given among the drafts (described)
    unplaced: tuple[Unplaced, ...]
    planned: tuple[str, ...]  # immunosuppression drafted less than 4 weeks after a vaccine
    start_from: date  # the first day that drafted immunosuppression should start
    ivig: tuple[str, ...]  # IVIG that may stop a measles- or varicella-containing vaccine given from working

    def follow_up(self) -> str:
        """What is still to do: watch for vaccine-strain infection (immunosuppression with it), delay the
        immunosuppression drafted, plan whether to repeat a vaccine IVIG may have stopped."""
        return " ".join([*([WATCH] if self.found or self.planned or self.unplaced else []),
                         *([DELAY.format(day=self.start_from.isoformat())] if self.planned else []),
                         *([REPEAT] if self.ivig else [])])


def _after_given(record: PatientRecord, context: HookContext, given: list[GivenDraft], thresholds: Thresholds,
                 planned: list[str], recorded: list[Recorded], watch_days: int, months: int) -> AfterGiven:
    """What follows the live vaccines recorded as given: for those given within ``watch_days``, the
    immunosuppression they met, judged as of their days (:func:`_met_by_vaccine`; ``record`` holds what is
    ``recorded`` as given among the drafts: :func:`_with_given`); the immunosuppression drafted (``planned``) while
    a vaccine is less than 4 weeks old; and IVIG around a measles- or varicella-containing one
    (:func:`_ivig_around`)."""
    today = record.today
    watched = tuple(g for g in given if (today - g.day).days <= watch_days)
    found: list[Exposure] = []
    unplaced: list[Unplaced] = []
    counted: tuple[str, ...] = ()
    since = began_before = None
    if watched:
        since = min(g.day for g in watched) - timedelta(days=thresholds.recent_days)
        began_before = max(g.day for g in watched) + timedelta(days=VACCINE_BEFORE_IMMUNOSUPPRESSION_DAYS)
        found, unplaced = _met_by_vaccine(record, context, thresholds, watched, since, began_before)
        counted = _counted(found, recorded, since, today)
    start_from = max(g.day for g in given) + timedelta(days=VACCINE_BEFORE_IMMUNOSUPPRESSION_DAYS)
    planned = planned if start_from > today else []
    ivig = _ivig_around(record, context, given, months)
    _, level = _levels(found, planned, bool(ivig), bool(unplaced))
    return AfterGiven(level, watched, since, began_before, tuple(found), counted, tuple(unplaced), tuple(planned),
                      start_from, tuple(ivig))


def _levels(found: Sequence[Exposure], planned: Sequence[str], ivig: bool, unplaced: bool
            ) -> tuple[str | None, str | None]:
    """(the worst level of immunosuppression ``found``, what matters most for a live vaccine), None when nothing
    does. A course drafted now (``planned``) outranks lower-level suppression already given: it is what the vaccine
    meets next; an immunosuppressant the chart cannot say was taken or not (``unplaced``: 'timing') matters next, as
    it may be high level; IVIG (``ivig``: it may stop the vaccine working) matters only with neither."""
    levels = {e.level for e in found}
    suppression = "high" if "high" in levels else "unknown" if "unknown" in levels else "low" if levels else None
    level = (suppression if suppression in ("high", "unknown") else "planned" if planned else suppression
             or ("timing" if unplaced else "ivig" if ivig else None))
    return suppression, level


def _met_by_vaccine(record: PatientRecord, context: HookContext, thresholds: Thresholds,
                    watched: tuple[GivenDraft, ...], since: date, began_before: date
                    ) -> tuple[list[Exposure], list[Unplaced]]:
    """The immunosuppression the live vaccines given (``watched``) met, judged as of their days with the rule's own
    windows counted back from them: given from ``since`` (``recent_days`` before the oldest; an anti-CD20 within
    ``anti_cd20_in_use_days`` before it), and begun before ``began_before`` (4 weeks after the newest: begun later,
    it no longer meets the vaccine strain, as the card's "at least 4 weeks before immunosuppression starts" says).
    An order with no start date counts (the safe side); a glucocorticoid begins with its first course given from
    ``since``. With the orders that say they ended but not when and cannot be judged (:func:`_judged`)."""
    today = record.today
    recent = (today - since).days
    found, unplaced = _judged(record, context, replace(
        thresholds, recent_days=recent, unknown_stop_lookback_days=max(thresholds.unknown_stop_lookback_days, recent)))
    # an anti-CD20 the vaccine met that is older than the window counted back from today
    cd20_days = int(context.definition("anti_cd20_in_use_days"))
    cd20_since = min(g.day for g in watched) - timedelta(days=cd20_days)
    counted = {id(o) for e in found for o in e.orders}
    found += [Exposure("anti-CD20", "high", f"{o.label} (last given {last.isoformat()}; anti-CD20 within {cd20_days} "
                                            "days before the vaccine)", (o,))
              for o in systemic(record.medications_in("rituximab"))
              if id(o) not in counted and (last := last_dose_day(o, today)) is not None and last >= cd20_since]
    steroid_began = min((first for _, peq, first, last in steroids.history(record, context).courses
                         if peq > 0 and last >= since), default=date.min)
    # orders of one drug judged together begin with the first of them (the safe side: their sum is kept though a
    # later one may have begun after ``began_before``, as the PEQ timeline keeps a later course)
    return [e for e in found if min((o.start or date.min for o in e.orders), default=steroid_began) < began_before
            ], unplaced


def _ivig_around(record: PatientRecord, context: HookContext, given: list[GivenDraft], months: int) -> list[str]:
    """IVIG that may stop a measles- or varicella-containing vaccine given from working: given within ``months``
    before it, or up to 14 days after it (on the chart, as an order or an Immunization, or drafted now), each said.
    An order with no start date may have given it at any time up to its last dose (the safe side)."""
    blocked = [g for g in given if IVIG_BLOCKED.intersection(_live_concepts(g.order.medication))]
    if not blocked:
        return []
    earliest = months_after(min(g.day for g in blocked), -months)
    spans = [(f"{o.label}, last given {last.isoformat()}", o.start or earliest, last)
             for o, last in doses_since(record, "ivig", since=earliest)]
    spans += [(f"{i.vaccine.label}, given {i.when.isoformat()}", i.when, i.when)
              for i in ivig_immunizations(record, earliest) if i.when is not None]
    for draft in context.drafts_in("ivig"):  # IVIG among the orders: to be given from its start, or given
        if draft.status_meaning.orders:
            first = draft_start(draft, record.today)
            spans.append((f"{draft.label}, drafted from {first.isoformat()}", first, first))
        elif draft.status_meaning.records_given:
            ivig = GivenDraft.of(draft, record.today)
            spans.append((f"{ivig.describe()}, recorded as given among the orders", ivig.day, ivig.day))
    return [said for said, first, last in spans
            if any(first <= g.day + timedelta(days=IVIG_AFTER_VACCINE_DAYS) and last >= months_after(g.day, -months)
                   for g in blocked)]


def _drafted_immunosuppression(record: PatientRecord, context: HookContext, drafts: list[MedicationOrder],
                                thresholds: Thresholds) -> list[str]:
    """Immunosuppression drafted with the vaccine (a glucocorticoid from the high-level PEQ a day, a child's from
    2 mg/kg/day where that is lower, or a dose that cannot be read; any systemic steroid-sparing agent or
    anti-CD20): it starts while the vaccine strain grows."""
    weight = dosing_weight(record, context)
    child = paediatric_peq_limit(record, context, thresholds)
    min_peq_mg = child[0] if child and child[0] is not None else thresholds.peq_mg
    flagged = immunosuppressive_orders(drafts, IMMUNOSUPPRESSANTS, min_peq_mg=min_peq_mg,
                                       weight_kg=weight.value if weight else None, any_iv_methylprednisolone=False,
                                       unreadable_steroid_counts=True)
    return [f"{f.order.label} (" + ("dose could not be read" if f.peq_mg is None
                                    else f"{f.peq_mg:g} mg/day prednisone-equivalent") + ")"
            if f.order.in_group("glucocorticoid_systemic") else f.order.label for f in flagged]


def _live_concepts(medication: Concept) -> list[str]:
    """Every live-vaccine concept a draft matched (by code or name), the generic 'named live' one last."""
    found = dict.fromkeys(m.concept for m in medication.matches if m.group == "live_vaccine")
    return sorted(found, key=lambda c: c == GENERIC_LIVE)


def _concepts(drafts: list[MedicationOrder]) -> set[str]:
    return {c for d in drafts for c in _live_concepts(d.medication)}


def _short(order: MedicationOrder) -> str:
    return next(iter(_live_concepts(order.medication)), order.label)


def _unclassified(draft: MedicationOrder) -> bool:
    """A vaccine draft (an Immunization, a CVX code, 'vaccine' in the name, or a medicine named like one:
    :data:`VACCINE_LIKE`) in no vaccine value set: whether it is live is unknown. Referrals are left out: R28's own
    travel-clinic referral mentions 'live vaccine'."""
    concept = draft.medication
    if concept.in_group(*VACCINE_GROUPS, *NOT_VACCINES):
        return False
    words = concept.words()
    named = VACCINE_WORD.search(words) or (draft.resource_type.startswith("Medication") and VACCINE_LIKE.search(words))
    return (draft.resource_type == "Immunization" or any(c.system == CVX for c in concept.codings)
            or bool(named and not REFERRAL_WORD.search(words)))


def _bullets(found: list[Exposure], planned: list[str], unplaced: list[Unplaced], recorded: Sequence[str]) -> str:
    """The card's list of the immunosuppression found, saying which of it is ``recorded`` as given among the orders
    (not on the chart, where a reader would look for it)."""
    return "\n".join([*(f"- {e.level} level: {e.evidence}" for e in found),
                      *([f"- of these, recorded as given among the orders being signed: "
                         f"{'; '.join(recorded)}"] if recorded else []),
                      *(f"- drafted with the vaccine: {p}" for p in planned),
                      *(f"- not judged: {said}" for said in _not_judged(unplaced))])


def _rzv_text(series: RzvSeries, not_offered: str | None) -> str:
    """What the card says of recombinant zoster vaccine: the dose offered and when it is due, or why none is."""
    if not_offered:
        return f" Recombinant zoster vaccine is not offered here: {not_offered}."
    return f" Recombinant zoster vaccine 0.5 mL IM ({series.dose_label()}) is among the options. {series.when_next()}"


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    # The vaccine drafts (live, or of no known kind) are read as the dose checks read a draft
    # (continuing.ordered_or_given): one written as a stop that re-sends or names a chart order discontinues it and
    # orders nothing; one naming none stops nothing anyone can tell, so it is the vaccine it orders. One that records
    # it as given (an Immunization or an order 'completed') cannot be cancelled: the card says what follows instead.
    vaccines = [d for d in context.draft_orders if d.in_group("live_vaccine") or _unclassified(d)]
    read = continuing.ordered_or_given(vaccines, continuing.current_orders(record, "live_vaccine"), record.today,
                                       "live_vaccine")
    drafts = [d for d in read.ordered if d.in_group("live_vaccine")]
    given = [GivenDraft.of(d, record.today) for d in read.recorded if d.in_group("live_vaccine")]
    watch_days, months = int(p["given_watch_days"]), int(p["ivig_interference_months"])
    # a vaccine of no known kind recorded as given matters only in the weeks after it
    unclassified_given = [d for d in read.recorded if _unclassified(d)
                          and (record.today - GivenDraft.of(d, record.today).day).days <= watch_days]
    unclassified = [*(d for d in read.ordered if _unclassified(d)), *unclassified_given]
    thresholds = Thresholds(peq_mg=p["high_peq_mg"], peq_days=int(p["high_peq_days"]),
                            recent_days=int(p["recent_days"]), mtx_mg_per_kg_week=p["mtx_mg_per_kg_week"],
                            aza_mg_per_kg_day=p["aza_mg_per_kg_day"],
                            unknown_stop_lookback_days=int(p["unknown_stop_lookback_days"]),
                            unknown_stop_max_age_days=int(p["unknown_stop_max_age_days"]))
    anti_cd20_days = int(context.definition("anti_cd20_in_use_days"))  # high level while still in use
    facts: dict[str, object] = {"live_vaccine_drafts": ", ".join(d.label for d in drafts) or None,
                                "unclassified_vaccine_drafts": ", ".join(d.label for d in unclassified) or None,
                                "live_vaccine_recorded_given": "; ".join(g.describe() for g in given) or None,
                                **read.facts("vaccine", "the vaccine it orders")}
    if not drafts and not unclassified and not given:
        return Quiet("the vaccine drafts only discontinue orders on the chart" if facts["vaccine_drafts_discontinuing"]
                     else "no live vaccine in the draft orders", facts)
    # immunosuppression drafted with the vaccine: the drafts that order a drug. One recorded as given was given: it
    # is judged with the chart's, as of its days (_with_given)
    planned = _drafted_immunosuppression(record, context, [d for d in context.draft_orders if d.status_meaning.orders],
                                         thresholds)
    chart, recorded = _with_given(record, context, thresholds)
    if recorded:
        facts["immunosuppression_recorded_given"] = "; ".join(r.said(record.today) for r in recorded)
    after = (_after_given(chart, context, given, thresholds, planned, recorded, watch_days, months) if given
             else None)
    if after is not None:
        facts.update({
            "given_level": after.level,
            "given_immunosuppression_since": after.since,
            "given_immunosuppression": "; ".join(f"{e.level} level: {e.evidence}" for e in after.found) or None,
            "given_ivig_around": "; ".join(after.ivig) or None,
        })
    unclassified_note = _unclassified_note(unclassified, unclassified_given)
    if after is not None and not drafts and not unclassified:  # only recorded as given: what follows, not a cancel
        return _given_result(after, given, p, anti_cd20_days, unclassified_note, facts)
    found, unplaced = _judged(chart, context, thresholds)
    concepts = _concepts(drafts)
    blocked = bool(concepts & IVIG_BLOCKED)
    # An unclassified vaccine could be measles- or varicella-containing, so recent IVIG matters for it too.
    ivig = _recent_ivig(record, months) if blocked or unclassified else None
    suppression, level = _levels(found, planned, bool(ivig and blocked), bool(unplaced))
    if level == "ivig":  # IVIG alone matters only to the measles- and varicella-containing drafts
        drafts = [d for d in drafts if IVIG_BLOCKED.intersection(_live_concepts(d.medication))]
        concepts = _concepts(drafts)
    # the non-live alternative to live zoster vaccine, offered as R29 offers it: the next dose of the series
    series = rzv_series(record)
    rzv_not_offered = (f"the {SERIES_DOSES}-dose series is complete ({series.describe()})" if series.complete
                       else below_licensed_age(record, context, "rzv_min_age"))
    facts.update({
        "high_level": "; ".join(e.evidence for e in found if e.level == "high") or None,
        "low_level": "; ".join(e.evidence for e in found if e.level == "low") or None,
        "level_unknown": "; ".join(e.evidence for e in found if e.level == "unknown") or None,
        "recent_ivig": f"{ivig[0]} (last {ivig[1]})" if ivig else None,
        "drafted_immunosuppression": "; ".join(planned) or None,
        "level": level,
        "not_judged": "; ".join(_not_judged(unplaced)) or None,
        "stopped_long_ago_read_as_over": "; ".join(ends_not_given(chart, thresholds).over) or None,
    })
    if concepts & LIVE_ZOSTER:  # recombinant zoster vaccine replaces live zoster vaccine only
        facts.update({"rzv_not_offered": rzv_not_offered, "rzv_doses": len(series.doses),
                      "rzv_too_soon": ", ".join(day.isoformat() for day in series.too_soon) or None})
    unknown_names = ", ".join(d.label for d in unclassified)
    if level is None or not drafts:
        if after is not None and after.level is not None:
            return _given_result(after, given, p, anti_cd20_days, unclassified_note, facts)
        if unclassified and (suppression or planned or ivig or unplaced):
            # Silence would read as "not a live vaccine": say that it could not be told, and why it matters.
            why_it_matters = (f"{suppression} level immunosuppression found" if suppression
                              else f"immunosuppression drafted with it: {planned[0]}" if planned
                              else f"IVIG given {ivig[1]}" if ivig
                              else f"an immunosuppressant not judged: {unplaced[0].describe()}")
            check = ("check it before signing" if len(unclassified) > len(unclassified_given)
                     else "check it: it is recorded as given")
            return NotEvaluable(f"whether {unknown_names} is a live vaccine: it is in no live or non-live vaccine "
                                f"value set; {check} ({why_it_matters})", facts)
        return Quiet(f"no immunosuppression now or within {int(p['recent_days'])} days, no anti-CD20 within "
                     f"{anti_cd20_days} days"
                     + (f" (not classified as live or non-live: {unknown_names})" if unclassified else "")
                     + (f"; {_given_quiet(after, given, p, anti_cd20_days)}" if after is not None else ""), facts)
    severity: Severity = "critical" if level in ("high", "unknown") or (
        after is not None and after.level in ("high", "unknown")) else "warning"
    names = ", ".join(d.label for d in drafts)
    ivig_note = ""
    if ivig is not None and blocked:
        ivig_note = (f"\nIVIG was given recently ({ivig[0]}, last {ivig[1]}): measles- "
                     f"and varicella-containing vaccines **may fail** within {months} "
                     "months of high-dose IVIG.\n")
    counted = _counted(found, recorded, record.today - timedelta(days=thresholds.recent_days), record.today)
    bullets = _bullets(found, planned, unplaced, counted)
    untimed = list(dict.fromkeys(u.order.label for u in unplaced))  # one name for a drug's renewals
    detail = DETAIL.format(
        headline=HEADLINE.get(level, "**A live vaccine is contraindicated while immunosuppressed.**"), drafts=names,
        is_are="are" if len(drafts) > 1 else "is", level=LEVEL_TEXT[level],
        confirm=CONFIRM.format(orders=", ".join(untimed), was_were="were" if len(untimed) > 1 else "was")
        if unplaced else "",
        found=FOUND.format(recent_days=int(p["recent_days"]), cd20_days=anti_cd20_days, bullets=bullets)
        if bullets else "",
        ivig=ivig_note, unclassified=unclassified_note,
        alternatives=IVIG_WAIT if level == "ivig" else _alternatives(drafts, concepts, series, rzv_not_offered),
        when_safe="" if level == "ivig" else WHEN_SAFE).rstrip()
    if after is not None:
        detail += ("\n\nAlso among the orders, recorded as given (it cannot be cancelled): "
                   f"{'; '.join(g.describe() for g in given)}. {after.follow_up()}").rstrip()
    return Fired(
        severity=severity,
        summary=f"Live vaccine ({_short(drafts[0])[:40]}) with {_why(level, found, unplaced, 'recent IVIG')}: "
                f"{_next_step(level, drafts)}",
        detail=detail,
        facts=facts,
        about=[*drafts, *(g.order for g in given)],
        suggestions=_suggestions(context, drafts, concepts, rzv=series if rzv_not_offered is None else None),
        selection="at-most-one",
    )


def _why(level: str, found: list[Exposure], unplaced: Sequence[Unplaced], ivig: str) -> str:
    """The summary's words for what makes a live vaccine matter at ``level`` (``ivig``: for IVIG alone)."""
    if level == "timing":
        return f"immunosuppression of unknown timing ({unplaced[0].agent})"
    top = next((e.agent for e in found if e.level == level), "")
    return {"high": f"high-level immunosuppression ({top})",
            "unknown": f"immunosuppression of unconfirmed level ({top})",
            "low": f"low-level immunosuppression ({top})", "planned": "immunosuppression drafted with it",
            "ivig": ivig}[level]


def _next_step(level: str, drafts: list[MedicationOrder]) -> str:
    """The summary's call to act: confirm the timing, wait out the IVIG, or cancel each draft for what replaces it
    (:func:`_replacement`)."""
    if level == "ivig":
        return "it may not work; defer it or check the interval"
    if level == "timing":
        return "confirm it before signing"
    steps = dict.fromkeys(_replacement(d)[1] for d in drafts)
    return f"cancel {'it' if len(drafts) == 1 else 'them'}; {'; '.join(steps)}"


def _replacement(draft: MedicationOrder) -> tuple[str, str]:
    """What replaces a live vaccine drafted, and the summary's words for it: only the vaccine it replaces (recombinant
    zoster vaccine for live zoster vaccine; inactivated influenza vaccine for the nasal live one), a travel clinic for
    a travel vaccine, else nothing: it waits."""
    concepts = set(_live_concepts(draft.medication))
    if concepts & LIVE_ZOSTER:
        return "zoster", "use a non-live option"
    if concepts & LIVE_INFLUENZA:
        return "influenza", "use a non-live option"
    if concepts & TRAVEL:
        return "travel", "refer to a travel clinic"
    return "none", "defer until immunosuppression allows"


def _alternatives(drafts: list[MedicationOrder], concepts: set[str], series: RzvSeries, rzv_not_offered: str | None
                  ) -> str:
    """The card's lines on what replaces each live vaccine drafted (:func:`_replacement`), none offered for a
    vaccine it does not replace."""
    kinds: dict[str, list[str]] = {}
    for draft in drafts:
        kinds.setdefault(_replacement(draft)[0], []).append(draft.label)
    lines = []
    if "zoster" in kinds:
        lines.append("Use **recombinant zoster vaccine** (non-live) instead of live zoster vaccine."
                     + _rzv_text(series, rzv_not_offered))
    if "influenza" in kinds:
        lines.append("Use **inactivated influenza vaccine** 0.5 mL IM instead of the nasal live vaccine.")
    if "travel" in kinds:
        lines.append(f"For {', '.join(sorted(concepts & TRAVEL))}, refer to a travel clinic (exemption letter, "
                     "advice).")
    if "none" in kinds:
        lines.append(f"No non-live alternative is offered for {', '.join(kinds['none'])}: defer it until "
                     "immunosuppression allows." + (" There is no non-live varicella vaccine (recombinant zoster "
                                                    "vaccine does not prevent chickenpox)."
                                                    if concepts & VARICELLA_CONTAINING else ""))
    return "\n".join(lines)


def _unclassified_note(unclassified: list[MedicationOrder], given: list[MedicationOrder]) -> str:
    """The card's line naming the vaccines of no known kind: drafted (to check before signing) or recorded as
    given (to check, as it cannot be cancelled)."""
    drafted = ", ".join(d.label for d in unclassified if not any(d is g for g in given))
    return "".join([
        *([f"\nAlso drafted, and not recognised as live or non-live: {drafted}. Check whether it is a live vaccine "
           "before signing.\n"] if drafted else []),
        *([f"\nAlso recorded as given, and not recognised as live or non-live: {', '.join(d.label for d in given)}. "
           "Check whether it is a live vaccine.\n"] if given else [])])


def _given_result(after: AfterGiven, given: list[GivenDraft], p: Mapping[str, float], cd20_days: int,
                  unclassified_note: str, facts: dict[str, object]) -> Result:
    """The card for live vaccines recorded as given (none drafted to cancel): what follows them, judged from the
    day each was given (an immunosuppressant whose timing is not known included: a warning to confirm it); quiet
    when nothing does."""
    names = "; ".join(g.describe() for g in given)
    if after.level is None:
        return Quiet(_given_quiet(after, given, p, cd20_days), facts)
    months = int(p["ivig_interference_months"])
    level = after.level
    parts = [f"**{names} {'are' if len(given) > 1 else 'is'} recorded as given**, among the orders being signed: a "
             f"dose given cannot be cancelled. {GIVEN_LEVEL_TEXT.get(level) or LEVEL_TEXT[level]}"]
    if after.found or after.planned or after.unplaced:
        window = (f" (given from {after.since}, {int(p['recent_days'])} days before the vaccine, or anti-CD20 within "
                  f"{cd20_days} days before it; begun before {after.began_before}, 4 weeks after it)"
                  if after.since else "")
        parts.append(f"Immunosuppression found{window}:\n"
                     + _bullets(list(after.found), list(after.planned), list(after.unplaced), after.recorded))
    if after.ivig:
        parts.append(f"IVIG within {months} months before a measles- or varicella-containing vaccine, or up to "
                     f"{IVIG_AFTER_VACCINE_DAYS} days after it, can stop it working: {'; '.join(after.ivig)}.")
    parts.append(unclassified_note.strip())
    parts.append(after.follow_up())
    return Fired(
        severity="critical" if level in ("high", "unknown") else "warning",
        summary=f"Live vaccine given ({_short(given[0].order)[:40]}) with "
                f"{_why(level, list(after.found), after.unplaced, 'IVIG around it')}: "
                f"{GIVEN_TAIL.get(level, 'watch for infection')}",
        detail="\n\n".join(filter(None, parts)),
        facts=facts,
        about=[g.order for g in given],
    )


def _given_quiet(after: AfterGiven, given: list[GivenDraft], p: Mapping[str, float], cd20_days: int) -> str:
    """Why nothing follows the live vaccines recorded as given: outside R28's watch window, or no immunosuppression
    met them, and no IVIG around them."""
    said = []
    if old := [g for g in given if g not in after.watched]:
        said.append(f"{'; '.join(g.describe() for g in old)} recorded as given more than "
                    f"{int(p['given_watch_days'])} days ago: outside R28's watch window (later vaccine-strain disease "
                    "is rare but possible)")
    if after.watched:
        said.append(f"{'; '.join(g.describe() for g in after.watched)} recorded as given, and no immunosuppression "
                    f"given from {after.since} ({int(p['recent_days'])} days before it; anti-CD20 within {cd20_days} "
                    f"days before it) and begun before {after.began_before} (4 weeks after it), none drafted within "
                    "4 weeks of it")
    if any(IVIG_BLOCKED.intersection(_live_concepts(g.order.medication)) for g in given):
        said.append(f"no IVIG within {int(p['ivig_interference_months'])} months before it or "
                    f"{IVIG_AFTER_VACCINE_DAYS} days after it")
    return "; ".join(said)


def _suggestions(context: HookContext, drafts: list[MedicationOrder], concepts: set[str], rzv: RzvSeries | None
                 ) -> list[Suggestion]:
    """Cancelling the drafts, and with it what replaces the vaccines they are (:func:`_replacement`): nothing for a
    vaccine none replaces. ``rzv``: the recombinant zoster vaccine doses on file when its next dose is offered
    (None: not offered)."""
    cancel = [Action("delete", f"Cancel {d.label}", resource_id=d.reference) for d in drafts]
    sets, patient = context.valuesets, context.patient_id
    options: list[Suggestion] = []
    if rzv is not None and concepts & LIVE_ZOSTER:  # within its licence (cohorts.below_licensed_age), not complete
        dose = rzv.dose_label()
        order = orders.medication_request(
            patient, orders.concept(sets, "non_live_vaccine", RZV_DISPLAY), 0.5, "mL", route="im", count=1,
            text=f"Recombinant zoster vaccine 0.5 mL IM once ({dose})",
            note=f"{rzv.when_next()} Non-live: safe on immunosuppression.")
        options.append(Suggestion("Cancel the live vaccine; give recombinant zoster vaccine 0.5 mL IM",
                                  [*cancel, Action("create", f"Recombinant zoster vaccine 0.5 mL IM ({dose})",
                                                   resource=order)], is_recommended=True))
    if concepts & LIVE_INFLUENZA:
        iiv = orders.medication_request(
            patient, orders.concept(sets, "non_live_vaccine", IIV_DISPLAY), 0.5, "mL", route="im", count=1,
            text="Inactivated influenza vaccine 0.5 mL IM once (current season)")
        options.append(Suggestion("Cancel the live vaccine; give inactivated influenza vaccine 0.5 mL IM",
                                  [*cancel, Action("create", "Inactivated influenza vaccine 0.5 mL IM", resource=iiv)],
                                  is_recommended=True))
    if concepts & TRAVEL:
        travel = orders.service_request(
            patient, orders.text_concept("Referral to travel clinic (live vaccine contraindicated: exemption letter "
                                         "and non-live alternatives)"))
        options.append(Suggestion("Cancel the live vaccine; refer to a travel clinic",
                                  [*cancel, Action("create", "Travel clinic referral", resource=travel)],
                                  is_recommended=True))
    options.insert(0, Suggestion("Cancel the live vaccine", list(cancel), is_recommended=not options))
    return options
