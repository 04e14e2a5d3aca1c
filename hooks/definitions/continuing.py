"""Which of the chart's current orders of a drug go on beside the draft orders being signed.

Signing a draft does not stop the order already on the chart unless the draft replaces it, so a dose check that
reads only the drafts misses the dose the patient would take in all: methotrexate 20 mg weekly on the chart and an
unlinked 25 mg draft are 45 mg a week. R06, R08 and R09 read the chart here, so they agree on which orders go on.

A draft replaces a chart order when it says so, or when it is that prescription written again:

* it is the chart order re-sent (the same id), or names it as its ``priorPrescription`` (FHIR's link from a
  changed or renewed prescription to the order it follows: the EHR's modify and renew);
* or, with no link, it is the same product by the same route on the same schedule (the same administrations a
  day, on the same weekdays), only its dose changed or not: a renewal, or a dose change or taper step written as
  a new order. Only one to one: when two chart orders (or two drafts) fit, nothing says which one goes, so none is
  read as replaced [design].

Anything else goes on beside the drafts, and its dose adds up with theirs: another product or route (tablets to a
syringe), another weekday, or no dose to compare it by. An order on hold counts, as FHIR expects it to resume. An
order ending before every draft starts does not (the step before a taper step written as its own order). An order
given only as needed goes on, but has no scheduled dose to add [design].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from hooks import dosing
from hooks.definitions.dose_basis import draft_start, scheduled_weekdays, text_frequency
from hooks.definitions.routes import is_local_order, route_says_im, route_says_iv, route_says_oral, route_says_sc
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Suggestion

_ROUTES = (("iv", route_says_iv), ("sc", route_says_sc), ("im", route_says_im), ("oral", route_says_oral))


@dataclass(frozen=True, slots=True)
class OnChart:
    """The chart's current orders of a drug, read against the drafts signed with them."""

    # go on beside the drafts, their doses adding up (a taper order as given from the drafts' first day)
    scheduled: tuple[MedicationOrder, ...] = ()
    as_needed: tuple[MedicationOrder, ...] = ()  # go on beside the drafts, with no scheduled dose to add
    replaced: tuple[tuple[MedicationOrder, str], ...] = ()  # each with how a draft replaces it
    ending_first: tuple[MedicationOrder, ...] = ()  # end before any draft starts

    @property
    def beside(self) -> tuple[MedicationOrder, ...]:
        """Every order that goes on beside the drafts."""
        return self.scheduled + self.as_needed

    def facts(self) -> dict[str, str | None]:
        """What was read and left out, for the rule's explanation."""
        return {
            "on_chart_replaced": "; ".join(f"{o.label} ({o.reference}): {how}" for o, how in self.replaced) or None,
            "on_chart_ending_first": "; ".join(f"{o.label} ({o.reference}), ends {o.end}"
                                               for o in self.ending_first) or None,
            "on_chart_as_needed": "; ".join(f"{o.label} ({o.reference})" for o in self.as_needed) or None,
        }


def current_orders(record: PatientRecord, *groups: str) -> list[MedicationOrder]:
    """The chart's prescriptions of ``groups`` being given now (active or on hold, the end date not passed), local
    forms (eye drops, creams) left out: they are not systemic therapy."""
    return [o for o in record.medications_in(*groups, current_only=True)
            if o.resource_type == "MedicationRequest" and not is_local_order(o)]


def on_chart(drafts: Sequence[MedicationOrder], chart: Sequence[MedicationOrder], today: date) -> OnChart:
    """Which of ``chart`` (current orders: :func:`current_orders`, narrowed by the rule) go on beside ``drafts``."""
    if not drafts or not chart:
        return OnChart()
    linked = {d.reference: "re-sent as a draft (the same id)" for d in drafts if d.id}
    linked.update({d.prior: f"named as its priorPrescription by {d.label}" for d in drafts if d.prior})
    replaced = [(o, linked[o.reference]) for o in chart if o.reference in linked]
    unlinked = [o for o in chart if o.reference not in linked]
    re_sent = {o.reference for o in chart}
    free = [d for d in drafts if not d.prior and d.reference not in re_sent]  # a linked draft names its order
    for order in unlinked:
        rewrites = [d for d in free if _rewrites(d, order)]
        if len(rewrites) == 1 and sum(_rewrites(rewrites[0], other) for other in unlinked) == 1:
            replaced.append((order, f"the same product, route and schedule written again by {rewrites[0].label} "
                                    "(a renewal or a dose change), with no link to it"))
    gone = {o.reference for o, _ in replaced}
    first_day = min(draft_start(d, today) for d in drafts)
    ending_first = tuple(o for o in unlinked if o.reference not in gone and o.end is not None and o.end < first_day)
    gone.update(o.reference for o in ending_first)
    going_on = [o for o in unlinked if o.reference not in gone]
    return OnChart(
        scheduled=tuple(_given_from(o, first_day) for o in going_on if not _only_as_needed(o)),
        as_needed=tuple(o for o in going_on if _only_as_needed(o)),
        replaced=tuple(replaced),
        ending_first=ending_first,
    )


def _given_from(order: MedicationOrder, day: date) -> MedicationOrder:
    """The order as given from ``day`` on: a taper written as one order keeps only the steps not finished by then
    (its dose beside the drafts is the step being given, not the one it started at); any other order as it is."""
    if not order.steps:
        return order
    steps = tuple(s for s in order.steps if s.last is None or s.last >= day)
    if len(steps) == len(order.steps) or not steps:
        return order
    kept = {s.sequence for s in steps}
    return replace(order, dosages=tuple(d for d in order.dosages if d.sequence in kept), steps=steps)


def going_on(kept: Sequence[tuple[MedicationOrder, str]]) -> str:
    """The card's finding that names the chart orders going on beside the drafts, each with how it is given."""
    return ("Already on the chart, and going on beside the draft: "
            + "; ".join(f"{order.label}, {how}{on_hold(order)}" for order, how in kept)
            + ". No draft replaces it (none re-sends it, names it as its prior prescription, or is the same product, "
              "route and schedule written again, and it does not end before the draft starts), so signing adds to "
              "it.")


def on_hold(order: MedicationOrder) -> str:
    """' (on hold)' for an order on hold, to name it so on a card; else ''."""
    return " (on hold)" if order.status == "on-hold" else ""


def discontinue(chart: Sequence[tuple[MedicationOrder, str]]) -> list[Action]:
    """Actions that stop each chart order (``(order, how it is given)``)."""
    return [Action("delete", f"Discontinue {o.label} ({how}) on the chart", resource_id=o.reference)
            for o, how in chart]


def cancel_or_discontinue(cancel: list[Action], chart: Sequence[tuple[MedicationOrder, str]]) -> list[Suggestion]:
    """The two ways out of drafts that add to orders already on the chart: cancel the drafts (``cancel``) and keep
    the chart's orders, recommended, as nothing says the drafts replace them; or keep the drafts and discontinue
    the chart's orders."""
    return [Suggestion("Cancel the draft: the order on the chart stays active", cancel, is_recommended=True),
            Suggestion("Keep the draft and discontinue the order on the chart", discontinue(chart))]


def _rewrites(draft: MedicationOrder, order: MedicationOrder) -> bool:
    """The draft is ``order`` written again: the same product, route and schedule (the dose may differ)."""
    schedule = _schedule(order)
    return (schedule is not None and _same_product(draft, order) and _same_route(draft, order)
            and _schedule(draft) == schedule)


def _same_product(a: MedicationOrder, b: MedicationOrder) -> bool:
    """One coding in common; uncoded, the same name."""
    codes = {(c.system, c.code) for c in a.medication.codings if c.code}
    other = {(c.system, c.code) for c in b.medication.codings if c.code}
    if codes or other:
        return bool(codes & other)
    return a.label.strip().lower() == b.label.strip().lower()


def _same_route(a: MedicationOrder, b: MedicationOrder) -> bool:
    """Not two different routes: an order that states none is given by its product's usual one."""
    first, second = _route(a), _route(b)
    return first is None or second is None or first == second


def _route(order: MedicationOrder) -> str | None:
    route = order.route
    return None if route is None else next((name for name, says in _ROUTES if says(route)), route.label.lower())


def _schedule(order: MedicationOrder) -> tuple[tuple[float, tuple[str, ...]], ...] | None:
    """Administrations a day and the weekdays named, of each instruction (from the timing, else the text); None
    when one does not say how often."""
    parts: list[tuple[float, tuple[str, ...]]] = []
    for dosage in order.dosages:
        per_day = dosing.periods_per_day(dosage.timing)
        days = set(dosage.timing.days_of_week)
        if per_day is None and dosage.text and (found := text_frequency(dosage.text)) is not None:
            per_day = found.per_day
            days.update(scheduled_weekdays(dosage.text))
        if per_day is None:
            return None
        parts.append((round(per_day, 6), tuple(sorted(days))))
    return tuple(parts) or None


def _only_as_needed(order: MedicationOrder) -> bool:
    return bool(order.dosages) and all(d.as_needed for d in order.dosages)
