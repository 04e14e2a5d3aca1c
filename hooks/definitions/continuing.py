"""Which of the chart's current orders of a drug go on beside the draft orders being signed.

Signing a draft does not stop the order already on the chart unless the draft replaces it, so a dose check that
reads only the drafts misses what the patient would take in all: methotrexate 20 mg weekly on the chart and an
unlinked 25 mg draft are 45 mg a week. R06, R07, R08, R09 and R12 read the chart here, so they agree on which orders
go on.

A draft replaces a chart order when it says so, or when it is that prescription written again:

* it is the chart order re-sent (the same id), or names it as its ``priorPrescription`` by reference or by
  identifier (FHIR's link from a changed or renewed prescription to the order it follows: the EHR's modify and
  renew); a draft re-sent as stopped, cancelled or entered in error, or with 0 mg in every instruction,
  discontinues the order and gives nothing (:func:`discontinues`): a switch with the old order stopped in the same
  batch adds nothing up. A draft written as a stop that re-sends or names no chart order stops nothing anyone can
  tell: it is read as the dose it orders, and said [design];
* or, with no link, it is the same drug (the ingredient of the rule's drug group, whatever the product or tablet
  strength) by the same route, on the same schedule (the days with a dose, a dose split over one day's times being
  one day as R08 counts them, and the weekdays named, in the timing or in the text), only its dose changed or not:
  a renewal, or a dose change written as a new order. A weekday named on one side only is no difference when both
  are as often (a legacy 'weekly' order renewed on a named day), as a route stated on one side only is none; a
  side whose text names a weekday not read as its day ('once weekly on Sat') names one, so it is no match
  [design].

Drafts that follow one another in time (each starting after the one before it ends: a taper or a titration written
as separate orders) are one schedule, a *chain*. Its steps are never added up with one another, and it is the
chain, by its first step, that may be a chart order written again. That unlinked test holds only one to one: when
two chart orders could be the one a chain rewrites, or two chains could rewrite one order, nothing says which goes,
so none is read as replaced, and the explanation says so [design].

As-needed (PRN) orders take no part in the test: a PRN draft rewrites no chart order and starts no chain, and a PRN
chart order is no candidate, so it cannot block the match. A PRN chart order goes on beside the drafts, but the dose
checks (R06, R07, R09, R12) add no scheduled dose for it; R08 still counts its weekday. R06, R07 and R09 name it, and
one a draft names as its prior prescription, which cancelling the draft leaves (:meth:`OnChart.as_needed_line`)
[design].

Anything else goes on beside the drafts, and its dose adds up with theirs: another drug or route (tablets to a
syringe), another weekday or frequency, or a schedule that cannot be read. An order on hold counts, as FHIR expects
it to resume; so does one whose status does not say whether it is given (``unknown``, or none) and whose end date
has not passed: the safe side, said on the card. A stopped or completed order does not, nor does one whose last dose
comes before every draft starts (the step before a taper step written as its own order; a Monday order ending on a
Sunday gave its last dose the Monday before, but only when its timing gives doses on named weekdays alone, never a
daily order whose text mentions one; a course with no end date whose count of doses, or 'x 3 days', has been given
from its start, as an IV pulse is often left active, but never an IVIG regimen given in cycles, whose count or length
is the days of each cycle) [design]. Orders are told apart by identity: two with no id
are two.

A chart order read as replaced only by that unlinked test is still on the chart when the draft is signed: nothing
tells the EHR to stop it. While it is current and does not end before the draft that rewrites it starts, it is
*left active* (:attr:`OnChart.left_active`): the dose check still reads the draft alone (a taper step is no
overdose), but the card says that both would be given, and what they give together, unless it is discontinued
(:func:`left_active_line`, :func:`keep_and_discontinue`); a rule that would otherwise be quiet fires a warning
for it alone (:func:`left_active_warning`). With a dose not read among them, what the others give is the least
given: said, with the limit it passes, as 'at least', and the warning fires for it though the check could not be
completed: keeping the draft is then offered, not recommended, as what it gives with those orders could not be checked;
passing none, no total is said [design]. A linked replacement says nothing: the EHR stops the order it names [design].

Cancelling the drafts stops nothing on the chart: it leaves the orders going on beside them, those left active, and
those a draft names or re-sends (signing would have stopped them), unless cancelling is that order re-sent or a stop
that stays ends it (:attr:`OnChart.kept_if_cancelled`). A dose check offers "Cancel the draft" as the way out only
where what those give together, each counted in full, is within its limits (:class:`Leaves`); otherwise its card says
what cancelling would leave, or that this is not known [design].
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks import dosing
from hooks.context import HookContext
from hooks.definitions.dose_basis import (
    DOSE_NOT_READ,
    DraftDose,
    dose_days,
    draft_course_length,
    draft_span,
    draft_start,
    most_on_one_day,
    names_a_weekday,
    read_dose,
    scheduled_days,
    text_clauses,
    weekdays_named,
)
from hooks.definitions.routes import is_local_order, route_of
from hooks.definitions.treatment_duration import is_cyclic_ivig
from hooks.record import WEEKDAYS, Dosage, Identifier, MedicationOrder, PatientRecord, per_record
from hooks.rule import Action, Fired, Selection, Suggestion

# ---------------------------------------------------------------- the chart's orders beside the drafts

@dataclass(frozen=True, slots=True)
class OnChart:
    """The chart's current orders of a drug, read against the drafts signed with them. Orders are told apart by
    identity, never by their label (two orders may share a product) nor by their reference (two orders with no id
    share one): a caller keys what it reads of them by ``id(order)``."""

    # go on beside the drafts, their doses adding up (a taper order as given from the drafts' first day)
    scheduled: tuple[MedicationOrder, ...] = ()
    as_needed: tuple[MedicationOrder, ...] = ()  # go on beside the drafts, with no scheduled dose to add
    replaced: tuple[tuple[MedicationOrder, str], ...] = ()  # each with how a draft replaces it
    ending_first: tuple[MedicationOrder, ...] = ()  # end before any draft starts
    # among those going on: whether it goes on could not be told, and why (counted as going on, the safe side)
    unsure: tuple[tuple[MedicationOrder, str], ...] = ()
    # among those replaced: replaced only by the unlinked rewrite test, and given still when the drafts that rewrite
    # it start (as given from then): signing does not stop it. Each with those drafts (a chain's steps, in order).
    left_active: tuple[tuple[MedicationOrder, tuple[MedicationOrder, ...]], ...] = ()
    # the drafts that give a dose: all but those that discontinue a chart order they re-send or name
    given: tuple[MedicationOrder, ...] = ()
    # among those replaced: by a link, and left by cancelling the drafts given (:attr:`kept_if_cancelled`), as-needed
    # ones too (:meth:`as_needed_line`)
    linked_kept: tuple[MedicationOrder, ...] = ()

    @property
    def stop_unlinked(self) -> tuple[MedicationOrder, ...]:
        """Among the drafts given: written as a stop (:func:`discontinues`) but re-sending or naming no order on the
        chart, so nothing says what it stops; read as the dose it orders, as any draft is (daily methotrexate stays a
        hard stop)."""
        return tuple(d for d in self.given if discontinues(d))

    @property
    def beside(self) -> tuple[MedicationOrder, ...]:
        """Every order that goes on beside the drafts."""
        return self.scheduled + self.as_needed

    def note(self, order: MedicationOrder) -> str:
        """What a card says after the order's name: ' (on hold)', or why it is counted though that cannot be
        told; else ''."""
        # of two reasons (its status, then the rewrite test), the rewrite test's: it is found last
        unsure = next((why for o, why in reversed(self.unsure) if o is order), "")
        held = "on hold" if order.status == "on-hold" else ""
        return f" ({'; '.join(filter(None, (held, unsure)))})" if held or unsure else ""

    def to_stop(self, drafts: Sequence[MedicationOrder],
                going_on: Sequence[tuple[MedicationOrder, str]]) -> list[tuple[MedicationOrder, str]]:
        """What an order offered instead of the drafts must stop on the chart, each with how it is given:
        ``going_on`` (every order going on beside them with a scheduled dose, as the rule read it), and every order
        a draft replaces (signing the draft would have stopped it; cancelling it does not), but not one re-sent as
        the draft itself (cancelling the draft is that)."""
        sent = {d.reference for d in drafts if d.id}
        return [*going_on,
                *((o, "the draft replaces it") for o, _ in self.replaced if not (o.id and o.reference in sent))]

    @property
    def kept_if_cancelled(self) -> tuple[MedicationOrder, ...]:
        """What cancelling the drafts that give a dose (:attr:`given`) leaves on the chart with a scheduled dose, for
        a dose check that would offer "Cancel the draft" as the way out: the orders going on beside them; those left
        active (signing would not have stopped them; cancelling does not either), as given from the draft that
        rewrites them; and those a draft replaces by a link (signing would have stopped them; cancelling does not),
        read as if no draft replaced them (as given from the drafts' first day, unless they end before it), but not
        one re-sent as a draft given (cancelling it is that, as :meth:`to_stop` reads it) nor one ended by a draft
        that discontinues it (not cancelled: it stays). As-needed orders add no scheduled dose
        (:meth:`as_needed_line` names them)."""
        return (*self.scheduled, *(order for order, _ in self.left_active),
                *(order for order in self.linked_kept if not _only_as_needed(order)))

    def as_needed_line(self, weight_kg: float | None, bsa_m2: float | None = None) -> str | None:
        """The card's line naming the chart's as-needed orders, whose dose no dose check adds up, each with how it
        is given: those going on beside the drafts (no suggestion of R06, R07 or R09 stops them), and those a draft
        replaces by a link (:attr:`linked_kept`), which cancelling the drafts leaves. None when there is none."""
        def named(orders: Sequence[MedicationOrder]) -> str:
            return "; ".join(f"{o.label}, {read_dose(o, weight_kg, bsa_m2).how_given()}{self.note(o)}" for o in orders)

        linked = [order for order in self.linked_kept if _only_as_needed(order)]
        beside = (f"Also on the chart, as needed: {named(self.as_needed)}. No scheduled dose of it is added up, and "
                  "no suggestion here stops it: review it.") if self.as_needed else ""
        replaced = (f"As needed on the chart, and replaced by the draft: {named(linked)}. Signing the draft stops it, "
                    "cancelling the draft does not; no scheduled dose of it is added up: review it if you cancel."
                    ) if linked else ""
        return " ".join(filter(None, (beside, replaced))) or None

    def left_active_doses(self, weight_kg: float | None, bsa_m2: float | None = None
                          ) -> tuple[list[DraftDose], list[tuple[MedicationOrder, str]]]:
        """The orders left active (:attr:`left_active`), their doses read (:func:`read_dose`), and each with how it
        is given (:meth:`DraftDose.how_given`), as the card names them and offers to discontinue them."""
        doses = [read_dose(o, weight_kg, bsa_m2) for o, _ in self.left_active]
        return doses, [(d.order, d.how_given()) for d in doses]

    def going_on(self, kept: Sequence[tuple[MedicationOrder, str]]) -> str:
        """The card's finding that names the chart orders going on beside the drafts, each with how it is given."""
        return ("Already on the chart, and going on beside the draft: "
                + "; ".join(f"{order.label}, {how}{self.note(order)}" for order, how in kept)
                + ". No draft replaces it (none re-sends it, names it as its prior prescription, or is the same drug, "
                  "route and schedule written again, and it does not end before the draft starts), so signing adds "
                  "to it.")

    def facts(self) -> dict[str, str | None]:
        """What was read and left out, for the rule's explanation."""
        return {
            "on_chart_replaced": "; ".join(f"{o.label} ({o.reference}): {how}" for o, how in self.replaced) or None,
            "on_chart_ending_first": "; ".join(f"{o.label} ({o.reference}), " + (
                f"ends {o.end}" if o.end is not None else f"its last written dose {last_written_dose(o)}")
                for o in self.ending_first) or None,
            "on_chart_as_needed": "; ".join(f"{o.label} ({o.reference})" for o in self.as_needed) or None,
            "on_chart_cannot_tell": "; ".join(f"{o.label} ({o.reference}): {why}" for o, why in self.unsure) or None,
            "on_chart_left_active": "; ".join(f"{o.label} ({o.reference}): {_still(o)}, no draft links to it"
                                              for o, _ in self.left_active) or None,
            "stop_draft_unlinked": "; ".join(f"{d.label} ({d.reference}): {_written_as_stop(d)}, but it re-sends or "
                                             "names no order on the chart: read as the dose it orders"
                                             for d in self.stop_unlinked) or None,
        }


@per_record
def current_orders(record: PatientRecord, group: str) -> tuple[MedicationOrder, ...]:
    """The chart's prescriptions of ``group`` that may be given now: active or on hold, or with a status that does
    not say, the end date not passed. Local forms (eye drops, creams) are left out: they are not systemic therapy.
    Shared: callers must not change it."""
    today = record.today
    return tuple(o for o in record.medications_in(group)
                 if o.resource_type == "MedicationRequest" and (o.end is None or o.end >= today)
                 and (o.status_meaning.current or o.status_unstated) and not is_local_order(o))


def on_chart(drafts: Sequence[MedicationOrder], chart: Sequence[MedicationOrder], today: date,
             group: str) -> OnChart:
    """Which of ``chart`` (current orders: :func:`current_orders`, narrowed by the rule) go on beside ``drafts``,
    and which drafts give a dose (:attr:`OnChart.given`); ``group`` is the drug group whose ingredient makes two
    orders the same drug. A draft that discontinues (:func:`discontinues`) and re-sends or names a chart order
    replaces it, and gives nothing; one that links to none gives the dose it orders, said
    (:attr:`OnChart.stop_unlinked`)."""
    if not drafts:
        return OnChart()
    links = Links(drafts)
    stops = {id(d) for o in chart for d, _ in links.linking(o) if discontinues(d)}
    dosed = [d for d in drafts if id(d) not in stops]
    if not chart:
        return OnChart(given=tuple(dosed))
    linked = [(o, how) for o in chart if (how := links.how(o))]
    replaced = list(linked)  # and those the unlinked test finds, below
    gone = {id(o) for o, _ in replaced}
    first_day = min((draft_start(d, today) for d in dosed), default=today)
    resent = {d.reference for d in dosed if d.id}
    linked_kept = tuple(_given_from(o, first_day) for o, _ in linked
                        if not (o.id and o.reference in resent)
                        and not any(discontinues(d) for d, _ in links.linking(o))
                        and ((last := last_written_dose(o)) is None or last >= first_day))
    ending_first = tuple(o for o in chart if id(o) not in gone and (last := last_written_dose(o)) is not None
                         and last < first_day)
    gone.update(id(o) for o in ending_first)
    unsure = [(o, "its status does not say whether it is still given: counted as going on") for o in chart
              if id(o) not in gone and o.status_unstated]
    left_active: list[tuple[MedicationOrder, tuple[MedicationOrder, ...]]] = []

    # the unlinked test: chains of scheduled drafts that name no order, against the scheduled orders left. Each
    # chain is compared with each order once: the chains are the drafts (few), so the cost grows with the chart.
    on_file = {o.reference for o in chart if o.id}
    free = [(chain, _Prescription.of(chain[0], group)) for chain in _chains(dosed, today)
            if not any(_links_itself(d, on_file) for d in chain)]
    candidates = [(o, _Prescription.of(o, group)) for o in chart if id(o) not in gone and not _only_as_needed(o)]
    rewritten_by = [[i for i, (_, p) in enumerate(free) if p.rewrites(written)] for _, written in candidates]
    orders_rewritten = Counter(i for found in rewritten_by for i in found)
    for (order, written), found in zip(candidates, rewritten_by, strict=True):
        if len(found) == 1 and orders_rewritten[found[0]] == 1:
            chain = free[found[0]][0]
            replaced.append((order, _rewritten_by(chain)))
            # nothing tells the EHR to stop it: unless its last dose comes before the chain starts, both are given
            starts = draft_start(chain[0], today)
            if (last := last_written_dose(order)) is None or last >= starts:
                left_active.append((_given_from(order, starts), tuple(chain)))
        elif found:
            unsure.append((order, "more than one draft, or more than one order, could be it written again: counted "
                                  "as going on"))
        elif any(p.same_drug(written) and None in (p.schedule, written.schedule) for _, p in free):
            unsure.append((order, "a schedule could not be read to tell whether the draft writes it again: counted "
                                  "as going on"))
    gone.update(id(o) for o, _ in replaced)
    # as given from the drafts' first day: what a card names is that object, so what is said of it goes with it
    going_on = {id(o): _given_from(o, first_day) for o in chart if id(o) not in gone}
    unsure_kept = tuple((going_on[id(o)], why) for o, why in unsure if id(o) in going_on)
    return OnChart(
        scheduled=tuple(o for o in going_on.values() if not _only_as_needed(o)),
        as_needed=tuple(o for o in going_on.values() if _only_as_needed(o)),
        replaced=tuple(replaced),
        ending_first=ending_first,
        unsure=unsure_kept,
        left_active=tuple(left_active),
        given=tuple(dosed),
        linked_kept=linked_kept,
    )


@per_record
def in_place(record: PatientRecord, context: HookContext, group: str) -> tuple[MedicationOrder, ...]:
    """The orders of ``group`` in place once the drafts are signed, for a rule that asks whether a cover is there
    (folic acid beside methotrexate, an HBV antiviral beside anti-CD20): the chart's current orders that no draft
    re-sends or names, and the draft prescriptions that order it (one re-sending or naming a chart order takes its
    place). A draft cancelled, stopped, entered in error or at 0 mg covers nothing, and ends the chart order it
    re-sends or names; one that names none leaves the chart as it is. A dose recorded as given plans none to come,
    and a lab order naming the drug is no prescription. Not :func:`on_chart`: what a dose check reads as rewritten
    or ending first is still a cover until it ends."""
    chart = tuple(record.medications_in(group, current_only=True))
    drafts = [d for d in context.drafts_in(group) if d.resource_type == "MedicationRequest"]
    if not drafts:
        return chart
    links = Links(drafts)
    return (tuple(o for o in chart if not links.linking(o))
            + tuple(d for d in drafts if d.status_meaning.orders and not discontinues(d)))


@dataclass(frozen=True, slots=True)
class OrderedOrGiven:
    """The drafts of a drug read for a rule that says what follows a dose recorded as given rather than hold it
    (R26, R28): as the dose checks read them (:func:`on_chart`), with those that record a dose as given set apart,
    as they cannot be cancelled."""

    ordered: tuple[MedicationOrder, ...]  # give a dose (:attr:`OnChart.given`), none recorded as given
    # record a dose as given (:attr:`StatusMeaning.records_given`), a chart order re-sent or named or not: it was given
    recorded: tuple[MedicationOrder, ...]
    discontinuing: tuple[MedicationOrder, ...]  # the rest: discontinue the chart order they re-send or name
    stop_unlinked: tuple[MedicationOrder, ...]  # among ordered: written as a stop naming no chart order

    def facts(self, prefix: str, reads_as: str) -> dict[str, str | None]:
        """The drafts discontinuing and those written as a stop naming no chart order, for the rule's explanation:
        ``<prefix>_drafts_discontinuing`` and ``<prefix>_stop_unlinked``, each said to be read as ``reads_as``
        ('the dose it orders')."""
        return {
            f"{prefix}_drafts_discontinuing": "; ".join(f"{o.label} ({o.reference})"
                                                        for o in self.discontinuing) or None,
            f"{prefix}_stop_unlinked": "; ".join(
                f"{o.label} ({o.reference}): written as a stop, but it re-sends or names no order on the chart: read "
                f"as {reads_as}" for o in self.stop_unlinked) or None,
        }


def ordered_or_given(drafts: Sequence[MedicationOrder], chart: Sequence[MedicationOrder], today: date,
                     group: str) -> OrderedOrGiven:
    """``drafts`` read against ``chart`` (:func:`on_chart`, whose arguments these are) into those that order, those
    recorded as given and those that discontinue a chart order (:class:`OrderedOrGiven`)."""
    read = on_chart(drafts, chart, today, group)
    ordered = tuple(d for d in read.given if not d.status_meaning.records_given)
    recorded = tuple(d for d in drafts if d.status_meaning.records_given)
    kept = {id(d) for d in (*ordered, *recorded)}
    return OrderedOrGiven(ordered, recorded, tuple(d for d in drafts if id(d) not in kept),
                          tuple(d for d in read.stop_unlinked if not d.status_meaning.records_given))


def discontinues(draft: MedicationOrder) -> bool:
    """The draft is written as a stop rather than a dose: a status that ends, withdraws or voids it in its own
    type's codes (:attr:`StatusMeaning.stops`: a MedicationRequest stopped, cancelled, completed or entered in error,
    a ServiceRequest revoked; never an Immunization completed, a dose given), or 0 mg in every instruction that
    gives a dose (a week held at 0 mg, then 2.5 mg daily, gives a dose). Whether it stops an order on the chart is
    :func:`on_chart`'s: only one that re-sends or names it does (hooks.definitions.taper reads a drafted stop here
    too). A stop gives no dose and names no weekday."""
    return draft.status_meaning.stops or (bool(draft.dosages) and all(
        d.dose is not None and d.dose.value == 0 for d in _dosing(draft)))


def _written_as_stop(draft: MedicationOrder) -> str:
    """How a draft that discontinues says so: its status, or '0 mg'."""
    return draft.status if draft.status and draft.status_meaning.stops else "0 mg"


def discontinue(chart: Sequence[tuple[MedicationOrder, str]]) -> list[Action]:
    """Actions that stop each chart order (``(order, how it is given)``), by its reference."""
    return [Action("delete", f"Discontinue {o.label} ({how}) on the chart", resource_id=o.reference)
            for o, how in chart]


def keep_and_discontinue(chart: Sequence[tuple[MedicationOrder, str]], *, drafts: Iterable[str],
                         recommended: bool = False) -> Suggestion:
    """Keep the drafts (``drafts``: their references) and stop the chart's orders (``(order, how it is given)``) by
    their reference. Stopping them is right only if the drafts are signed: the suggestion keeps them
    (:attr:`Suggestion.keeps`), so it is not offered where another card advises cancelling one (hooks.reconcile)."""
    return Suggestion("Keep the draft and discontinue the order on the chart", discontinue(chart),
                      is_recommended=recommended, keeps=tuple(drafts))


def cancel_or_discontinue(cancel: list[Action], chart: Sequence[tuple[MedicationOrder, str]], *,
                          chart_alone: str | None = None) -> list[Suggestion]:
    """The two ways out of drafts that add to orders already on the chart: cancel the drafts (``cancel``) and keep
    the chart's orders, recommended, as nothing says the drafts replace them; or keep the drafts and discontinue
    the chart's orders. ``chart_alone``: what is wrong with the chart's orders on their own ('given once daily'):
    cancelling the drafts would leave that, so it is said, and keeping them is the one recommended."""
    stays = f" ({chart_alone})" if chart_alone else ""
    return [Suggestion(f"Cancel the draft: the order on the chart stays active{stays}", cancel,
                       is_recommended=chart_alone is None),
            keep_and_discontinue(chart, recommended=chart_alone is not None,
                                 drafts=[a.resource_id for a in cancel if a.type == "delete" and a.resource_id])]


def one_way_out_each(ways: Sequence[Sequence[Suggestion]], others: Sequence[Suggestion] = ()
                     ) -> tuple[list[Suggestion], Selection]:
    """The suggestions of a card whose drugs each offer ways out that exclude one another (cancel the draft, or keep
    it and discontinue the order on the chart: accepting both would leave the patient on neither), with the card's
    selection: one drug's ways alone, of which at most one may be chosen; beside another drug's ways or ``others``
    that stand on their own (tests to order: a card's selection covers all its suggestions), each drug's recommended
    way alone (else its first), so that any choice among them is safe."""
    offered = [list(way) for way in ways if way]
    if len(offered) <= 1 and not others:
        return (offered[0] if offered else []), "at-most-one"
    return [*others, *(next((s for s in way if s.is_recommended), way[0]) for way in offered)], "any"


# ---------------------------------------------------------------- a chart order rewritten with no link

def _still(order: MedicationOrder) -> str:
    """How a chart order left active stands: active, on hold, or of a status that does not say."""
    return {"active": "still active", "on-hold": "on hold, expected to resume"}.get(
        order.status or "", "its status does not say it has stopped")


def left_active_finding(left: Sequence[tuple[MedicationOrder, str]], total: str | None, over: str | None,
                        not_counted: Sequence[str] = ()) -> str:
    """The card's line for the chart orders left active (``(order, how it is given)``): what the drafts and they
    would give together (``total``, e.g. '100 mg/day'; None when a dose cannot be read), the limit that passes
    (``over``, e.g. 'above 80 mg/day'), if any, and the orders whose dose the total could not count, as named
    ('the prednisone 5 MG Oral Tablet order on the chart')."""
    one = len(left) == 1
    it = "it" if one else "them"
    uncounted = " and ".join(dict.fromkeys(not_counted))
    together = (f" ({total} together{', ' + over if over else ''}"
                f"{f'; {uncounted} could not be counted' if uncounted else ''})") if total else ""
    named = "; ".join(f"{o.label}, {how} (on the chart, {_still(o)})" for o, how in left)
    return (f"{named[:1].upper()}{named[1:]} {'is' if one else 'are'} read as replaced by this draft, which does "
            f"not link to {it}: discontinue {it} when signing, or {'both' if one else 'all'} would be "
            f"given{together}.")


def _left_active_summary(drug: str, drafted: str, on_chart: Sequence[str]) -> str:
    """'Prednisone 40 mg/day draft: the 60 mg/day order on the chart is still active'; with a dose not read,
    'Prednisone (dose not read) draft: the order on the chart (dose not read) is still active'."""
    one = len(on_chart) == 1
    orders = f"order{'' if one else 's'} on the chart"
    named = (f"{orders} ({' and '.join(on_chart)})" if DOSE_NOT_READ in on_chart
             else f"{' and '.join(on_chart)} {orders}")
    draft = f"({DOSE_NOT_READ})" if drafted == DOSE_NOT_READ else drafted
    return f"{drug} {draft} draft: the {named} {'is' if one else 'are'} still active"


LEFT_ACTIVE_DETAIL = """**{summary}.** {findings}

The draft is the same drug by the same route on the same schedule as that order, so it was read as its next
prescription (a taper step, a dose change or a renewal written as a new order), and the dose check read the draft
alone: {judged}. But nothing links it to the order on the chart (it neither re-sends it nor names it as its prior
prescription), so signing it does not stop that order. **Discontinue the order on the chart when you sign**, or
write the draft as a change of that order.{not_read}"""


def least_given(amount: str | None, at_least: bool) -> str:
    """What the drafts alone give, as a card names it (a left-active warning's ``drafted``): ``amount`` ('40
    mg/day'), 'at least' that when a draft's dose is not all read (``at_least``), or :data:`DOSE_NOT_READ` when no
    draft's is (None, or that already)."""
    if amount is None or amount == DOSE_NOT_READ:
        return DOSE_NOT_READ
    return f"at least {amount}" if at_least else amount


# What the dose check says of the draft when it could not read every dose it adds up (then named as not read)
_NOT_ALL_READ = "no dose it could read is above the limits, but not every dose could be read"


def left_active_warning(left: Sequence[tuple[MedicationOrder, str]], *, drug: str, drafted: str,
                        on_chart: Sequence[str], findings: Sequence[str], judged: str, facts: dict[str, object],
                        about: list[MedicationOrder], not_read: str | None = None, unchecked: Sequence[str] = (),
                        keep: bool = True) -> Fired:
    """The warning a dose check gives when only chart orders left active (``left``) are wrong: ``drafted`` and
    ``on_chart`` (for the summary, the drafts' dose of ``drug``, :func:`least_given`, and each left-active order's,
    or :data:`DOSE_NOT_READ`), ``findings`` (what was ordered,
    and :attr:`LeftActiveLine.text`) and ``judged`` (the draft alone, within the limits). Never critical: the draft
    alone is the dose intended. ``not_read``: why the check could not judge the draft (a dose not read), when it
    fires only because what it did read with the orders left active passes a limit (:attr:`LeftActiveLine.over`):
    said instead of ``judged``, which it cannot claim. Keeping the draft is then offered (the one click that stops
    the orders left active, as the card's advice asks), but not recommended: what it gives with the orders beside it
    is not known, and the card names those not counted in full (``unchecked``: :attr:`LeftActiveLine.unchecked`).
    ``keep``: "Keep the draft and discontinue the order on the chart" is offered (recommended unless ``not_read``);
    False where a limit the draft alone must meet could not be checked (R07: a child with no weight), so keeping it
    is not offered on the strength of the others."""
    summary = _left_active_summary(drug, drafted, on_chart)
    why = f" ({' and '.join(unchecked)} not counted in full)" if unchecked else ""
    not_checked = (f"\n\nNot checked: {not_read}. So what keeping the draft gives is not known{why}: it is not "
                   "recommended.") if not_read else ""
    return Fired(severity="warning", summary=summary,
                 detail=LEFT_ACTIVE_DETAIL.format(summary=summary, findings=" ".join(findings),
                                                  judged=_NOT_ALL_READ if not_read else judged, not_read=not_checked),
                 facts=dict(facts), about=about,
                 suggestions=[keep_and_discontinue(left, recommended=not not_read,
                                                   drafts=[d.reference for d in about])] if keep else [])


# ---------------------------------------------------------------- links, chains and the rewrite test

class Links:
    """How the drafts say which orders they replace, read once for all the chart's orders: re-sent with an order's
    id, or naming it as their priorPrescription by reference or by identifier."""

    def __init__(self, drafts: Sequence[MedicationOrder]) -> None:
        self.resent: dict[str, list[MedicationOrder]] = {}
        self.named: dict[str, list[MedicationOrder]] = {}
        self.by_identifier: dict[str, list[tuple[Identifier, MedicationOrder]]] = {}
        for draft in drafts:
            if draft.id:
                self.resent.setdefault(draft.reference, []).append(draft)
            if draft.prior is not None:
                self.named.setdefault(draft.prior, []).append(draft)
            if (prior := draft.prior_identifier) is not None:
                self.by_identifier.setdefault(prior[1], []).append((prior, draft))

    def linking(self, order: MedicationOrder) -> list[tuple[MedicationOrder, str | None]]:
        """The drafts that re-send or name ``order``, re-sent ones first, each with what it names it by as its
        priorPrescription ('' its reference, 'identifier 77'), None when it is re-sent."""
        found: list[tuple[MedicationOrder, str | None]] = []
        if order.id:
            found += [(d, None) for d in self.resent.get(order.reference, ())]
            found += [(d, "") for d in self.named.get(order.reference, ())]
        return found + [(draft, f"identifier {prior[1]}") for own in order.identifiers
                        for prior, draft in self.by_identifier.get(own[1], ()) if _same_identifier(prior, own)]

    def how(self, order: MedicationOrder) -> str | None:
        """How a draft says it replaces ``order`` (the first that links); None when none does."""
        if not (found := self.linking(order)):
            return None
        draft, by = found[0]
        stop = _written_as_stop(draft) if discontinues(draft) else None
        if by is None:
            return f"discontinued by a draft (the same id, {stop})" if stop else "re-sent as a draft (the same id)"
        named = f"its priorPrescription{f' ({by})' if by else ''}"
        return (f"discontinued by {draft.label}, which names it as {named} ({stop})" if stop
                else f"named as {named} by {draft.label}")


def _links_itself(draft: MedicationOrder, on_file: set[str]) -> bool:
    """The draft is one of the chart's orders (``on_file``: their references) re-sent, or names a prior one."""
    return (bool(draft.id) and draft.reference in on_file) or _names_prior(draft)


def _names_prior(draft: MedicationOrder) -> bool:
    return draft.prior is not None or draft.prior_identifier is not None


def _same_identifier(a: Identifier, b: Identifier) -> bool:
    """The same value, in the same system where both name one."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def _chains(drafts: Sequence[MedicationOrder], today: date) -> list[list[MedicationOrder]]:
    """The scheduled drafts in chains: a draft starting after exactly one chain's last step has ended is that
    chain's next step (a taper or titration written as separate orders); any other starts a chain of its own, as
    does one that could follow two chains (nothing says which). As-needed drafts are left out."""
    chains: list[tuple[list[MedicationOrder], date | None]] = []  # steps, and the last day of the last step
    spans = sorted(((draft_span(d, today), d) for d in drafts if not _only_as_needed(d)),
                   key=lambda span: (span[0][0], span[0][1] or date.max))
    for (first, last), draft in spans:
        before = [i for i, (_, end) in enumerate(chains) if end is not None and end < first]
        if len(before) == 1:
            chains[before[0]] = ([*chains[before[0]][0], draft], last)
        else:
            chains.append(([draft], last))
    return [steps for steps, _ in chains]


def _rewritten_by(chain: Sequence[MedicationOrder]) -> str:
    then = f", then {'; '.join(d.label for d in chain[1:])} (the steps after it)" if chain[1:] else ""
    return (f"the same drug, route and schedule written again by {chain[0].label}{then} (a renewal, a dose change "
            "or a taper step), with no link to it")


# Days with a dose a day, each with the weekdays named (:func:`_schedule`)
_Schedule = frozenset[tuple[float, tuple[str, ...]]]


@dataclass(frozen=True, slots=True)
class _Prescription:
    """What the rewrite test compares: the ingredient, the route, and the schedule (:func:`_schedule`)."""

    ingredient: str | None
    route: str | None
    schedule: _Schedule | None

    @classmethod
    def of(cls, order: MedicationOrder, group: str) -> _Prescription:
        return cls(order.medication.concept_in(group), route_of(order), _schedule(order))

    def same_drug(self, other: _Prescription) -> bool:
        """The same ingredient, by routes that do not differ (a route neither states nor its form tells does
        not count as a difference)."""
        return (self.ingredient is not None and self.ingredient == other.ingredient
                and (self.route is None or other.route is None or self.route == other.route))

    def rewrites(self, other: _Prescription) -> bool:
        """``other`` written again: the same drug on the same schedule (the dose may differ)."""
        return self.same_drug(other) and _same_schedule(self.schedule, other.schedule)


def _same_schedule(a: _Schedule | None, b: _Schedule | None) -> bool:
    """The same days with a dose. A weekday named on one side only is no difference when they are as often (a
    legacy 'weekly' order renewed on a named day), as a route stated on one side only is none: a schedule with no
    weekday names none at all (:func:`_schedule`)."""
    if a is None or b is None:
        return False
    return a == b or ((_no_weekday(a) or _no_weekday(b)) and {rate for rate, _ in a} == {rate for rate, _ in b})


def _no_weekday(schedule: _Schedule) -> bool:
    return all(not days for _, days in schedule)


def _dosing(order: MedicationOrder) -> list[Dosage]:
    """The instructions that give a dose (all of them when none says)."""
    return dosing.dose_instructions(order) or list(order.dosages)


def _schedule(order: MedicationOrder) -> _Schedule | None:
    """Days with a dose a day as R08 counts them (:func:`dose_days`: a dose split over the times of one day is one
    day; a frequency of twice a day stays another schedule), and the weekdays named
    (:func:`weekdays_named`), of each instruction that gives a dose (from the timing, else the text); None when one
    does not say how often, or names a weekday that is not read as its day ('once weekly on Sat', '(Sun)': read
    as naming none, it would be any weekday's renewal). The steps of a taper given as often on the same days are
    one schedule."""
    parts: set[tuple[float, tuple[str, ...]]] = set()
    for dosage in _dosing(order):
        clauses = text_clauses(dosage.text)
        days = weekdays_named(dosage.timing, clauses)
        if (per_day := dose_days(dosage, clauses)) is None or (not days and names_a_weekday(dosage.text)):
            return None
        parts.add((round(per_day, 6), tuple(sorted(days))))
    return frozenset(parts) or None


# Words by which a sig says more than its course's length: a condition, a sequence, a hold (its 'for N days' may then
# be about something else, or only one step)
_MORE_THAN_A_LENGTH = re.compile(r"\b(?:if|unless|when|whenever|until|then|hold|stop|after|before|while|next|"
                                 r"repeat|taper|reduce|increase)\b|;")


def last_written_dose(order: MedicationOrder) -> date | None:
    """The last day the order gives a dose as written: its end date; for one given only on named weekdays
    (:func:`_only_on_weekdays`), the last of them on or before it (a Monday order ending on a Sunday gives its last
    dose the Monday before). With no end date, the last day its course length gives from a structured start
    (boundsPeriod.start, as :func:`dose_basis.draft_course_length` reads a draft's: 1 g IV daily x3 from two days ago
    gives its last dose today), as a pulse is often left active once given: a structured count, or a sig of one
    instruction whose only words of time are its length ('1 g IV daily x 3 days'). Never a sig that says more ('if
    mouth ulcers for 3 days, hold'; '40 mg for 5 days, then 30 mg') nor from authoredOn (an order is often written
    days before it begins), nor an IVIG regimen given in cycles (:func:`treatment_duration.is_cyclic_ivig`): its
    count or length is the days of each cycle. An order ended on a guess would drop a dose from the checks. None
    when nothing ends it."""
    if order.end is None:
        first = order.dosage
        start = first.bounds_start if first is not None else None
        if start is None or first is None or order.steps or is_cyclic_ivig(order) or (first.timing.count is None and (
                len(order.dosages) > 1 or not first.text or _MORE_THAN_A_LENGTH.search(first.text.lower()))):
            return None
        length = draft_course_length(order, start)
        return None if length is None else start + timedelta(days=min(length, (date.max - start).days + 1) - 1)
    days = _only_on_weekdays(order)
    return next((order.end - timedelta(days=back) for back in range(7)
                 if WEEKDAYS[(order.end - timedelta(days=back)).weekday()] in days), order.end)


def _only_on_weekdays(order: MedicationOrder) -> set[str]:
    """The weekdays an order gives all its doses on; none unless every instruction that gives a dose schedules them
    (its dayOfWeek, or an 'every Monday' phrase: :func:`scheduled_days`) and gives doses on no more days than
    those. A weekday its text only mentions ('daily, started Monday') or one that a daily frequency goes beyond
    ('daily every Monday') does not end it early: an order read as ending first is not added up at all."""
    days: set[str] = set()
    for dosage in _dosing(order):
        clauses = text_clauses(dosage.text)
        named = set(scheduled_days(dosage.timing, clauses))
        rate = dose_days(dosage, clauses)
        if not named or rate is None or rate > len(named) / 7 + 1e-9:
            return set()
        days |= named
    return days


def _given_from(order: MedicationOrder, day: date) -> MedicationOrder:
    """The order as given from ``day`` on: a taper written as one order keeps only the steps not finished by then
    (its dose beside the drafts is the step being given, not the one it started at); an order given on named
    weekdays, or a counted course with no end date, ends on its last dose day (:func:`last_written_dose`), so it is
    not added to a draft starting after it; any other order as it is."""
    if (last := last_written_dose(order)) != order.end:
        order = replace(order, end=last)
    if not order.steps:
        return order
    steps = tuple(s for s in order.steps if s.last is None or s.last >= day)
    if len(steps) == len(order.steps) or not steps:
        return order
    kept = {s.sequence for s in steps}
    return replace(order, dosages=tuple(d for d in order.dosages if d.sequence in kept), steps=steps)


def _only_as_needed(order: MedicationOrder) -> bool:
    return bool(order.dosages) and all(d.as_needed for d in order.dosages)


# ---------------------------------------------------------------- what a left-active line adds up, what cancelling the
# drafts leaves, and the advice to cancel or discontinue (R06, R07, R08, R09, R12: each reads the amounts in its own
# unit and names its own limits)

@dataclass(frozen=True, slots=True)
class Count:
    """What orders give together on the day (or week) they give the most, as far as their amounts are read
    (:func:`count`)."""

    total: float | None  # None when no amount is read
    on_day: tuple[MedicationOrder, ...]  # the orders in the total
    not_counted: tuple[MedicationOrder, ...]  # no amount read
    part_counted: tuple[MedicationOrder, ...]  # one dose counted, no frequency read (dosing.why_no_frequency)

    @property
    def in_full(self) -> bool:
        """Every order is counted in full, so the total is what they give, not only the least: one counted in part
        may give more on another day than the total's, so any of them makes it the least."""
        return not self.not_counted and not self.part_counted


def count(amounts: Sequence[tuple[MedicationOrder, float | None]], today: date,
          part_counted: Sequence[MedicationOrder] = ()) -> Count:
    """``amounts``: each order with its amount in the rule's unit (mg a day, mg a week, mg a dose), None when it is
    not read, added up over the orders given on one same day (:func:`most_on_one_day`: steps of a taper are not).
    An order in ``part_counted`` counts only one dose (no frequency read)."""
    read = [(order, amount) for order, amount in amounts if amount is not None]
    total, on_day = most_on_one_day(read, today) if read else (None, [])
    return Count(total, tuple(on_day), tuple(order for order, amount in amounts if amount is None),
                 tuple(order for order, _ in read if any(order is part for part in part_counted)))


@dataclass(frozen=True, slots=True)
class LeftActiveLine:
    """The card's line for the chart orders left active (:func:`left_active_line`), and the limits that what would be
    given together passes (``over``), as far as its doses are read: a rule that would say nothing, or that could not
    judge for a dose it did not read, still fires for a limit that what it did read passes."""

    text: str
    over: str | None
    # the orders beside the draft not counted in full, named as the line names them ('the X order on the chart', and
    # how it is given where another order shares its label): what keeping the draft gives with them could not be
    # checked (:func:`left_active_warning`)
    unchecked: tuple[str, ...] = ()


def left_active_line(left: Sequence[tuple[MedicationOrder, str]],
                     amounts: Sequence[tuple[MedicationOrder, float | None]], today: date, *,
                     drafts: Sequence[MedicationOrder],
                     named: Callable[[float, Sequence[MedicationOrder]], str],
                     over: Callable[[float], str | None] | None = None,
                     minimum: Sequence[MedicationOrder] = ()) -> LeftActiveLine:
    """:func:`left_active_finding` with what would be given together: ``amounts`` are the orders in it (the drafts,
    the chart's orders going on beside them and those left active, ``left``), each with its amount in the rule's
    unit, None when it is not read, counted by :func:`count` (an order in ``minimum`` counts only one dose: a total
    with it is 'at least'). ``named`` says the total, given the orders in it ('100 mg/day'); ``over`` the limits it
    passes, if any.

    With an amount not read, what the others give is the least given: when it already passes a limit, it is said as
    'at least', with that limit and the orders not counted, each named as one of the ``drafts`` or as an order on
    the chart (a line that dropped the limit would say less than is known); when it passes none, no total is said,
    as one that left an order out would say less than is given."""
    counted = count(amounts, today, minimum)

    def name(order: MedicationOrder) -> str:
        return f"the {order.label} {'draft' if any(order is d for d in drafts) else 'order on the chart'}"

    not_counted = [name(order) for order in counted.not_counted]
    passed = over(counted.total) if over and counted.total is not None else None
    if counted.total is None or (not_counted and passed is None):
        return LeftActiveLine(left_active_finding(left, None, None), None)
    at_least = "" if counted.in_full else "at least "
    # keeping the draft discontinues the orders left active: those beside it not counted in full are what is unchecked,
    # one sharing its label with another order (the one left active, often) told apart by how it is given
    labels = Counter(order.label for order, _ in amounts)
    unchecked = tuple(dict.fromkeys(
        name(order) + (f", {read_dose(order).how_given()}," if labels[order.label] > 1 else "")
        for order in (*counted.not_counted, *counted.part_counted) if not any(order is o for o, _ in left)))
    return LeftActiveLine(left_active_finding(left, at_least + named(counted.total, counted.on_day), passed,
                                              not_counted), passed, unchecked)


@dataclass(frozen=True, slots=True)
class Leaves:
    """What cancelling the drafts leaves on the chart (``orders``: :attr:`OnChart.kept_if_cancelled`), counted
    (:func:`count`), with its total as the card says it (None when none is read) and the limits that passes.
    "Cancel the draft" is the way out only where it is known to leave the chart within the limits
    (:attr:`within`); otherwise the card says what it leaves, or that this is not known (:meth:`finding`)."""

    orders: tuple[MedicationOrder, ...]
    counted: Count
    total: str | None
    over: str | None

    @classmethod
    def of(cls, amounts: Sequence[tuple[MedicationOrder, float | None]], today: date, *,
           named: Callable[[float, Sequence[MedicationOrder]], str], over: Callable[[float], str | None],
           part_counted: Sequence[MedicationOrder] = ()) -> Leaves:
        """``amounts`` are the orders cancelling leaves, each with its amount in the rule's unit (None when it is not
        read), counted as :func:`count` counts them; ``named`` says the total, given the orders in it ('1,500
        mg/day'), ``over`` the limits it passes, if any."""
        counted = count(amounts, today, part_counted)
        total = counted.total
        return cls(tuple(order for order, _ in amounts), counted,
                   None if total is None else named(total, counted.on_day),
                   None if total is None else over(total))

    @property
    def within(self) -> bool:
        """Cancelling is known to leave the chart within the limits: every order counted in full, and their total
        passes none (true when nothing is left)."""
        return self.over is None and self.counted.in_full

    def finding(self, subject: str | None = None,
                why_not: Callable[[MedicationOrder], str] = lambda _: "could not be counted") -> str | None:
        """The card's line when cancelling is not known to leave the chart within the limits (None when it is):
        what the orders left give, above the limits ('at least' with one not counted in full), or why that is not
        known. ``subject`` names them as one ('The methotrexate'), by default 'The order' or 'The orders';
        ``why_not`` says why an order is not counted ('could not be counted')."""
        if self.within:
            return None
        one = subject is not None or len(self.orders) == 1
        named = subject or f"The order{'' if one else 's'}"
        alone = f"{named} on the chart alone {'gives' if one else 'give'} "
        least = "" if self.counted.in_full else "at least "
        if self.over is not None:
            return f"{alone}{least}{self.total}, {self.over}: cancelling the draft would leave that."
        why = "; ".join([*(f"the {o.label} order {why_not(o)}" for o in self.counted.not_counted),
                         *(f"one dose was counted for the {o.label} order, its {dosing.why_no_frequency(o)}"
                           for o in self.counted.part_counted)])
        unknown = "whether cancelling the draft would leave the chart within the limits is not known"
        if self.total is None:  # none of them counted
            return f"{why[:1].upper()}{why[1:]}: {unknown}."
        return f"{alone}{least}{self.total} ({why}): {unknown}."


def cancel_or_discontinue_advised(cancel: list[Action], chart: Sequence[tuple[MedicationOrder, str]], *,
                                  named: str = "the order on the chart", replacing_as: str = ""
                                  ) -> tuple[list[Suggestion], str]:
    """:func:`cancel_or_discontinue`, recommending to cancel, and the card's advice that goes with it: the drafts
    alone, and the chart's orders alone, are within the limits, so it is the drafts beside those orders that are
    wrong, not a dose. ``named`` names the chart's orders ('the methotrexate on the chart'), ``replacing_as`` how a
    draft would replace them (' (a taper step)')."""
    return cancel_or_discontinue(cancel, chart), (f"**Cancel the draft**, or, if it is meant to replace {named}"
                                                  f"{replacing_as}, discontinue that order when you sign it.")
