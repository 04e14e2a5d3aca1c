"""R27: safety checks on a drafted IVIG order: dose per cycle, cycle interval, renal function, obesity dosing
weight, IgA, and prior venous thromboembolism."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import continuing, courses, iga, lab_orders, renal, routes
from hooks.definitions import weight as body
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import named_with_dose
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.record import (
    Concept,
    Dosage,
    Immunization,
    Malformed,
    MedicationOrder,
    PatientRecord,
    Quantity,
    read_quantity,
)
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import IVIG_BOXED_WARNING, OCTAGAM_DM, ONTARIO_IVIG, PRODERM, SEED_004

RULE = Rule(
    id="ivig-order-safety",
    number=27,
    title="IVIG order safety checks",
    hooks=("order-sign",),
    severities=("warning",),
    also_reads=("immunizations",),
    summary="Drafted IVIG with a dose above 2 g/kg per cycle (with what the cycle already gave), cycles under 21 "
            "days apart, eGFR < 60 or none within 30 days, BMI >= 30 dosed on actual weight, IgA never measured or "
            "low, or a prior VTE.",
    sources=(OCTAGAM_DM, PRODERM, IVIG_BOXED_WARNING, ONTARIO_IVIG, SEED_004),
    parameters={
        "max_g_per_kg_cycle": Param(2.0, "g/kg", "Highest IVIG dose per cycle."),
        "min_interval_days": Param(21, "days", "Shortest interval between IVIG cycles."),
        "egfr_min": Param(60, "mL/min/1.73m2", "eGFR below this is renal impairment for IVIG."),
        "egfr_max_age_days": Param(30, "days", "An eGFR older than this does not count."),
        "bmi_obese": Param(30, "kg/m2", "Adult BMI at or above this: dose on adjusted body weight."),
        "cycle_min_gap_days": Param(7, "days", "IVIG doses closer than this belong to one cycle."),
        "iga_severe_deficiency_mg_dl": Param(7, "mg/dL", "IgA below this is severe IgA deficiency (0.07 g/L, the "
                                                         "usual cut-off), named with the anti-IgA advice whatever "
                                                         "the lab's range; one below the lab's lower limit or "
                                                         "flagged low is named too."),
    },
    override_family="safety",
)

DETAIL = """\
{headline} Found:

{problems}

IVIG for myositis is **2 g/kg per cycle, given over 2-5 days, every 4 weeks**{suggested}. In obesity, dose on
adjusted (or the product's physiological standard) weight, per local IVIG policy. Myositis patients have an
excess thrombosis risk: infuse slowly (Octagam: at most 0.04 mL/kg/min), hydrate, and give VTE prophylaxis if
immobile. Avoid sucrose-containing products in renal impairment; check creatinine before and 3-5 days after
each cycle, and watch for haemolysis (CBC). IgA deficiency with anti-IgA antibodies contraindicates most
products.
"""

ANY_REPEAT = 1  # for a safety check any repeat that is not daily starts a new full cycle, even 2-6 days on
# A per-kg dose written on a weight other than the actual one, named as a weight ('adjusted body weight', 'AdjBW',
# 'IBW'): 'dose adjusted for renal function' is not one, 'unadjusted', 'non-adjusted' or 'not adjusted' weight is the
# actual one, and 'ABW' is left out (actual body weight to some, adjusted to others).
_NOT_ACTUAL_WEIGHT = re.compile(r"(?<!not )(?<![-\w])(adjusted|ideal|lean) (body )?(weight|mass)\b|\b(adj\.? ?bw|ibw)\b"
                                r"|\bphysiological\b|\bdosing weight\b")


@dataclass(slots=True)
class CycleDose:
    """How much one IVIG cycle gives, and how the order was read."""

    value: float | None = None  # dose per administration, in g or g/kg (the first one's, of several instructions)
    per_kg: bool = False
    days: int = 1
    doses: float = 1  # administrations in the cycle (several a day count each)
    interval_days: float | None = None
    per_day: bool | None = None  # None: the order does not say whether the dose is per day or per cycle
    open_ended: bool = False  # daily with no count, duration or bounds: no cycle length, so no total dose
    readings: dict[str, float] = field(default_factory=dict)  # "per cycle"/"per day" -> cycle amount (g or g/kg)
    runs: list[courses.DoseRun] = field(default_factory=list)  # read from: what each left unread, aside or read twice
    how: str = ""


def _amount(dose: Quantity, a_day: float | None = None) -> tuple[float | None, bool]:
    """(amount each time, whether per kg) of an IVIG dose: g/kg when written per kg, else g; None when it is
    neither. A dose written per kg per day ('0.4 g/kg/day') is the day's, shared over ``a_day``, the
    administrations of a day of its cycle (courses.dose_run), by the one reader treatment_duration.ivig_cycle
    shares (hooks.dosing.per_body_each_time), so the two read the same cycle; with none (an Immunization, a
    maximum) it is not read. Orders and Immunizations read their doses here, so that they add up and compare in the
    same units (whether a dose is per day or per cycle is courses.cycle_dose_per_day's, which reads the maximum)."""
    if (read := courses.mass_or_per_kg(dose, a_day)) is not None:
        return read[0] / 1000.0, read[1]
    written = dosing.per_body(dose)  # per kg but not read each time: still per kg, for adding up like with like
    return None, written is not None and written.basis == "kg"


def _recorded_amount(dose: Quantity, product: Concept) -> tuple[float | None, bool, str]:
    """(amount, whether per kg, why it is not read: '' when it is) of the dose an IVIG Immunization records, read as
    :func:`_amount` reads a dose (g, mg, g/kg); a volume only at the one concentration its names state
    (:func:`_concentration`): IVIG comes in several strengths, so mL alone gives no grams."""
    if dosing.unit_key(dose) != "ml":
        return *_amount(dose), ""
    concentration, why = _concentration(product)
    return (None, False, why) if concentration is None else (dose.value * concentration / 1000.0, False, "")


# a strength written as a percentage, as IVIG brands name theirs ('Privigen 10%'): w/v, g per 100 mL
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")


def _stated_mg_per_ml(name: str) -> set[float]:
    """Every concentration one name states: in mg/mL (:func:`dosing.concentration_mg_per_ml`), and as a percentage
    (N % is N x 10 mg/mL)."""
    stated = {float(percent) * 10 for percent in _PERCENT.findall(name) if float(percent) > 0}
    if (mg := dosing.concentration_mg_per_ml(Concept(text=name))) is not None:
        stated.add(mg)
    return stated


def _concentration(product: Concept) -> tuple[float | None, str]:
    """(mg/mL, why none: '' when one is read) that every name of an IVIG product states: each name sent (display,
    text) and the value sets' name of each code, read one by one (:func:`_stated_mg_per_ml`). Names that disagree
    ('50 MG/ML' displayed, 'Privigen 10%' written) give none: which strength was given is not known, and the two
    readings differ twofold."""
    names = [*(c.display for c in product.codings), product.text,
             *(() if product.matched_by_name else (m.display for m in product.matches))]
    stated = sorted({mg for name in filter(None, names) for mg in _stated_mg_per_ml(name)})
    if len(stated) > 1:
        return None, f"its names state {' and '.join(f'{mg:g}' for mg in stated)} mg/mL"
    return (stated[0], "") if stated else (None, "a volume needs the concentration in its code or name")


def _immunization_cycle(order: MedicationOrder) -> CycleDose:
    """An IVIG Immunization among the drafts: one administration on its day, of the dose its doseQuantity records
    (:func:`_recorded_amount`, as for one on the chart), so that the checks of an order apply to it. Its ``value``
    is None, and ``how`` says why, when none is recorded or it cannot be read in g."""
    try:
        dose = read_quantity(order.raw.get("doseQuantity"), "Immunization.doseQuantity")
    except Malformed as exc:
        return CycleDose(how=str(exc))
    if dose is None:
        return CycleDose(how="no dose recorded in its doseQuantity")
    amount, per_kg, why = _recorded_amount(dose, order.medication)
    if amount is None:
        return CycleDose(how=f"its dose of {dose} cannot be read in g" + (f": {why}" if why else ""))
    return CycleDose(value=amount, per_kg=per_kg, readings={"per cycle": amount},
                     how=f"{amount:g} {'g/kg' if per_kg else 'g'} in one day (recorded as {dose})")


def read_cycle(dosage: Dosage, run: courses.DoseRun) -> CycleDose | None:
    """Dose per cycle of one IVIG dosage instruction (contract section 4: cyclic regimens), or None if unreadable.

    The cycle's days, administrations and interval are ``run``'s (:func:`courses.dose_run`, which the other IVIG
    readers share: ``duration`` in days, weeks or months, ``count``, or, for a daily order, its bounds, the longer
    when they disagree; any repeat that is not daily is the interval between cycles). Several administrations a day
    (every 12 hours, two times of day) each give the dose."""
    if dosage.dose is None:
        return None
    amount, per_kg = _amount(dosage.dose, run.a_day)
    if amount is None:
        return None
    unit_label = "g/kg" if per_kg else "g"
    result = CycleDose(value=amount, per_kg=per_kg, days=run.days, doses=run.doses, interval_days=run.interval_days,
                       per_day=courses.cycle_dose_per_day(dosage, run),
                       open_ended=run.open_ended, runs=[run])
    if result.open_ended:
        result.readings = {"per day": amount * run.a_day}  # at least this much per cycle: the order has no end
        result.how = f"{_each(amount, unit_label, run.a_day)} with no end"
    else:
        result.readings, result.how = _readings(amount, unit_label, run.a_day, run.days, run.doses, result.per_day)
    if run.unread_days is not None and run.unread_days > run.days:
        # the unread duration read as days anyway (48 h as 2): a second reading, so an overdose it hides is seen
        days, doses = run.unread_days, run.unread_days * run.a_day
        as_days, _ = _readings(amount, unit_label, run.a_day, days, doses,
                               courses.cycle_dose_per_day(dosage, run, days, doses))
        result.readings[f"as {days} days"] = max(as_days.values())
    return result


def _each(amount: float, unit_label: str, a_day: float) -> str:
    return f"{amount:g} {unit_label}" + ("/day" if a_day == 1 else f" x {a_day:g} a day")


def _readings(amount: float, unit_label: str, a_day: float, days: int, doses: float, per_day: bool | None
              ) -> tuple[dict[str, float], str]:
    """(cycle amount per reading, how it was read) of ``amount`` an administration over ``days`` in ``doses``."""
    if doses == 1:
        return {"per cycle": amount}, f"{amount:g} {unit_label} in one day"
    if per_day is True:
        return {"per day": amount * doses}, (f"{_each(amount, unit_label, a_day)} x {courses.days_text(days)}"
                                             if days * a_day == doses else f"{amount:g} {unit_label} x {doses:g} doses")
    if per_day is False:
        return {"per cycle": amount}, f"{amount:g} {unit_label} per cycle over {days} days"
    return ({"per cycle": amount, "per day": amount * doses},
            f"{amount:g} {unit_label} over {days} days; the order does not say whether this is per day or per cycle")


def read_order_cycle(order: MedicationOrder) -> CycleDose | None:
    """Dose per cycle of an IVIG order from all its dosage instructions, or None if one cannot be read.

    How the instructions make one cycle is :func:`courses.order_runs`'s, which ``ivig_cycle`` shares:
    instructions with the same ``sequence`` (or none) are given together and add up; steps of different sequences
    that each repeat are phases of the regimen (q4 weeks, then q6 weeks), and the highest counts; steps that do not
    repeat are days of one cycle (1 g/kg on day 1, then 1 g/kg on day 2) and add up. An Immunization has no
    instructions: its recorded dose is read (:func:`_immunization_cycle`)."""
    if order.resource_type == "Immunization":
        return _immunization_cycle(order)
    runs = courses.order_runs(order, cycle_gap=ANY_REPEAT)
    if runs is None or runs.dose_in_words:
        return None  # a dose in words ("1.5 g/kg on day 2") cannot be left out of the cycle
    if len({_amount(d.dose)[1] for group in runs.groups for d, _ in group if d.dose is not None}) > 1:
        return None  # g and g/kg mixed in one order: no one amount to add up
    return runs.combine(read_cycle, lambda parts: _added(parts, max(p.days for p in parts), " with "),
                        lambda steps: _added(steps, runs.days, ", then "), _highest_phase)


def _highest_phase(phases: list[CycleDose]) -> CycleDose:
    """The phase giving the most per cycle, repeating as often as the most frequent one."""
    highest = max(phases, key=lambda c: max(c.readings.values()))
    return replace(highest, interval_days=min(c.interval_days or math.inf for c in phases),
                   runs=[run for c in phases for run in c.runs], how="; then ".join(c.how for c in phases))


def _added(parts: list[CycleDose], days: int, joiner: str) -> CycleDose:
    """One cycle giving all of ``parts``: each reading adds up (a part read one way only adds that amount)."""
    keys = dict.fromkeys(key for part in parts for key in part.readings)  # in order: the facts read the same
    intervals = [p.interval_days for p in parts if p.interval_days is not None]
    return CycleDose(
        value=parts[0].value, per_kg=parts[0].per_kg, days=days,
        doses=sum(p.doses for p in parts), interval_days=min(intervals, default=None),
        open_ended=any(p.open_ended for p in parts),
        readings={key: sum(p.readings.get(key, min(p.readings.values())) for p in parts) for key in keys},
        runs=[run for p in parts for run in p.runs], how=joiner.join(p.how for p in parts))


def _last_given(order: MedicationOrder, today: date) -> date | None:
    """Last day an IVIG order gave a dose up to today (courses.last_dose_day); for a current one, which that reads
    as given today, the last day of its latest cycle so far (a q4wk order started 10 days ago last gave IVIG then,
    not today), and none before it begins. A current one with no start has no cycles to count: today, the latest it
    may have been given (:class:`IvigHistory` keeps it apart, as possibly given), so that the checks see it."""
    if not order.current_on(today) or order.start is None:
        return courses.last_dose_day(order, today)
    if order.start > today:
        return None
    cycle = read_order_cycle(order)
    if cycle is None or cycle.open_ended:
        return today  # being given daily, or unreadable: assume up to today
    first = order.start
    if cycle.interval_days:  # the latest cycle that has started by today
        cycles_before = max(int((today - first).days // cycle.interval_days), 0)
        first += timedelta(days=round(cycle.interval_days * cycles_before))
    return min(first + timedelta(days=cycle.days - 1), today)


Given = tuple[MedicationOrder | Immunization, date]  # an IVIG given, and the last day it gave


@dataclass(frozen=True, slots=True)
class IvigHistory:
    """The IVIG given before the drafts, each with the last day it gave (:func:`_last_given`). An order with no
    start date is read up to the latest day it may have given (today for a current one), and one on hold up to the
    last day its schedule would have given by today (when it was held is not recorded): never known to have been
    given then, each is kept apart and said as possible (:func:`_only_possibly_given`), not added up as given."""

    given: tuple[Given, ...] = ()  # dated orders, then Immunizations given by today
    possibly: tuple[tuple[MedicationOrder, date], ...] = ()  # orders with no start date, or on hold
    # chart orders with no start date that a draft giving IVIG re-sends or names as its priorPrescription, each with
    # how: the order the draft continues, whose own dates are the ones checked, so left out
    continued: tuple[tuple[MedicationOrder, str], ...] = ()


def _continued(record: PatientRecord, dosed: Sequence[MedicationOrder]) -> tuple[tuple[MedicationOrder, str], ...]:
    """The chart's current IVIG orders with no start date that a draft in ``dosed`` (the drafts that give IVIG:
    continuing.OnChart.given) re-sends or names as its priorPrescription. A draft that discontinues an order is
    not among them: stopping it does not undo the doses it may have given, so it stays possibly given. Nor is a
    chart order the unlinked rewrite test reads as replaced: nothing says the draft continues it, and it may have
    given IVIG up to its own last day."""
    links = continuing.Links(dosed)
    return tuple((o, how) for o in continuing.current_orders(record, "ivig") if o.start is None
                 and (how := links.how(o)))


def _ivig_history(record: PatientRecord, dosed: Sequence[MedicationOrder]) -> IvigHistory:
    """Each IVIG given (a finished or current course, or an Immunization given by today, see
    ``treatment_duration.ivig_immunizations``) with the last day it gave, an order with no start date or on hold as
    possibly given, and none the drafts giving IVIG (``dosed``) continue (:func:`_continued`). An Immunization the
    drafts re-send (the same reference) is theirs, checked as a draft: counted again from the chart, one dose would be
    two."""
    today = record.today
    continued = _continued(record, dosed)
    given: list[Given] = []
    possibly: list[tuple[MedicationOrder, date]] = []
    for order in record.medications_in("ivig"):
        if any(order is o for o, _ in continued) or (day := _last_given(order, today)) is None:
            continue
        if _only_possibly_given(order):
            possibly.append((order, day))
        else:
            given.append((order, day))
    drafted = {d.reference for d in dosed}
    given += [(i, i.when) for i in ivig_immunizations(record)
              if i.when is not None and i.reference not in drafted]  # always dated: for mypy
    return IvigHistory(tuple(given), tuple(possibly), continued)


def _undated_last_cycles(history: IvigHistory, today: date, min_interval: float) -> list[str]:
    """What the interval check cannot say for each continued order (:attr:`IvigHistory.continued`): with no start
    date, the day of its last cycle is unknown unless an IVIG Immunization falls within one of its intervals (or,
    when it has none to read, the shortest allowed one) before today, where its last cycle must be."""
    charted = [day for source, day in history.given if isinstance(source, Immunization)]
    undated: list[str] = []
    for order, _ in history.continued:
        cycle = read_order_cycle(order)
        within = (cycle.interval_days if cycle and cycle.interval_days else None) or min_interval
        if not any(0 <= (today - day).days <= within for day in charted):
            undated.append(f"the last cycle of {order.label} ({order.reference}), which a draft continues, is not "
                           f"dated (no start date, and no IVIG Immunization within {within:g} days): the interval "
                           "before the draft could not be checked")
    return undated


def _only_possibly_given(order: MedicationOrder) -> bool:
    """The IVIG an order on the chart gave by today is only possible (:attr:`IvigHistory.possibly`): it has no start
    date (its cycles cannot be dated), or it is on hold (its schedule's last cycle may have come after the hold, which
    has no date)."""
    return order.start is None or order.status == "on-hold"


# why an order is only possibly given -> (the card's words for it: '<order> has no start date and may...', 'the IVIG
# on the chart with no start date')
_POSSIBLY_WORDS = {"no start date": ("has no start date", "with no start date"), "on hold": ("is on hold", "on hold")}


def _possibly_why(order: MedicationOrder) -> str:
    """Why an order is only possibly given (:func:`_only_possibly_given`): a key of :data:`_POSSIBLY_WORDS`."""
    return "no start date" if order.start is None else "on hold"


def _may_have_been_given(order: MedicationOrder, day: date) -> str:
    """How a card says when an order only possibly given last gave IVIG: only the latest it may have."""
    return f"{_possibly_why(order)}: may have been given as late as {day.isoformat()}"


def _possibly_given_kinds(orders: Sequence[MedicationOrder]) -> str:
    """'with no start date', 'on hold', or both, for the IVIG on the chart only possibly given (the card's words)."""
    return " or ".join(dict.fromkeys(_POSSIBLY_WORDS[_possibly_why(o)][1] for o in orders))


_Source = TypeVar("_Source", bound=MedicationOrder | Immunization)


def _previous_gap(given: Sequence[tuple[_Source, date]], start: date, min_gap: int
                  ) -> tuple[int, _Source, date] | None:
    """Days from the last IVIG in ``given`` to a draft's ``start``, when that last dose belongs to an earlier cycle
    (at least ``min_gap`` days before), what gave it, and the day."""
    earlier = [(source, day) for source, day in given if (start - day).days >= min_gap]
    if not earlier:
        return None
    source, day = max(earlier, key=lambda source_day: source_day[1])
    return (start - day).days, source, day


@dataclass(slots=True)
class GivenThisCycle:
    """IVIG already given (or being given) in the cycle a draft continues: doses less than the cycle gap before it."""

    g_per_kg: float = 0.0  # at least this much, from the doses that could be read
    counted: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    possibly_g_per_kg: float = 0.0  # more, if the orders only possibly given (IvigHistory.possibly) gave it
    possibly: list[str] = field(default_factory=list)
    possibly_unread: list[str] = field(default_factory=list)  # of those, the ones whose dose could not be read
    # the orders of ``possibly`` and of ``possibly_unread``, for why each is only possibly given (no start, on hold)
    possibly_orders: list[MedicationOrder] = field(default_factory=list)
    possibly_unread_orders: list[MedicationOrder] = field(default_factory=list)


def _order_dose(order: MedicationOrder) -> tuple[float | None, bool, str, int]:
    """The least an order gives in one cycle (a dose read two ways counts the smaller), whether per kg, how it was
    read ('dose unreadable' when it could not be), and the days of the cycle (1 when unread)."""
    cycle = read_order_cycle(order)
    if cycle is None:
        return None, False, "dose unreadable", 1
    return min(cycle.readings.values()) if cycle.readings else None, cycle.per_kg, cycle.how, cycle.days


def _drafted_earlier_in_cycle(drafts: list[MedicationOrder], index: int, today: date, min_gap: int
                              ) -> list[MedicationOrder]:
    """The other IVIG drafts signed with ``drafts[index]`` that start in its cycle before it (on the same day: the
    ones listed before it), so that each pair is added up once, on the later draft."""
    start = drafts[index].start or today
    return [d for j, d in enumerate(drafts) if j != index
            and 0 <= (start - (first := d.start or today)).days < min_gap and (first < start or j < index)]


def _given_this_cycle(history: IvigHistory, start: date, together: list[MedicationOrder], min_gap: int,
                      weight_kg: float | None) -> GivenThisCycle:
    """IVIG in the cycle a draft starting on ``start`` continues: given less than ``min_gap`` days before it
    (dated orders, and Immunizations that are not such an order's dose charted twice), and ``together``, the drafts
    signed with it that start earlier in the same cycle; apart, the orders with no start date or on hold that may
    have given IVIG then (an Immunization is never taken for their dose: it is known, they are not)."""
    doses: list[tuple[float | None, bool, str, MedicationOrder | None]] = []  # amount, per kg, how, and the order
    # when it is only possibly given
    ordered_days: list[tuple[date, date]] = []
    for source, day in history.given:  # orders come before Immunizations
        if not 0 <= (start - day).days < min_gap:
            continue
        if isinstance(source, MedicationOrder):
            amount, per_kg, how, days = _order_dose(source)
            ordered_days.append((day - timedelta(days=days - 1), day))
            doses.append((amount, per_kg, f"{source.label}, {how}, last given {day.isoformat()}", None))
        elif not any(first <= day <= last for first, last in ordered_days):
            dose = source.dose
            amount, per_kg, why = _recorded_amount(dose, source.vaccine) if dose is not None else (None, False, "")
            doses.append((amount, per_kg, f"{source.vaccine.label} {dose or '(no dose recorded)'} on "
                                          f"{day.isoformat()}" + (f": {why}" if why else ""), None))
    for order, day in history.possibly:
        if 0 <= (start - day).days < min_gap:
            amount, per_kg, how, _ = _order_dose(order)
            doses.append((amount, per_kg, f"{order.label}, {how}, {_may_have_been_given(order, day)}", order))
    for draft in together:
        amount, per_kg, how, _ = _order_dose(draft)
        doses.append((amount, per_kg, f"{draft.label} drafted with it, {how}", None))
    given = GivenThisCycle()
    for amount, per_kg, how, possibly in doses:
        if amount is not None and not per_kg:
            amount = amount / weight_kg if weight_kg else None
        if amount is None and possibly:
            given.possibly_unread.append(how)
            given.possibly_unread_orders.append(possibly)
        elif amount is None:
            given.unread.append(how)
        elif possibly:
            given.possibly_g_per_kg += amount
            given.possibly.append(how)
            given.possibly_orders.append(possibly)
        else:
            given.g_per_kg += amount
            given.counted.append(how)
    return given


def _cycle_from(order: MedicationOrder, day: date) -> tuple[date, date] | None:
    """First and last day of the order's cycle under way on ``day``, else of its next one, its cycles counted from its
    start as :func:`_last_given` counts them; None when they cannot be dated (no start, a cycle not read, daily with
    no end) or none is left by its end."""
    cycle = read_order_cycle(order)
    if order.start is None or cycle is None or cycle.open_ended:
        return None
    starts = [order.start]
    if cycle.interval_days:
        begun = max(int((day - order.start).days // cycle.interval_days), 0)
        starts = [order.start + timedelta(days=round(cycle.interval_days * n)) for n in (begun, begun + 1)]
    ends = order.end or date.max
    return next(((first, last) for first in starts
                 if (last := min(first + timedelta(days=cycle.days - 1), ends)) >= day and first <= ends), None)


def _left_active_finding(order: MedicationOrder, draft: MedicationOrder, today: date, weight_kg: float | None,
                         limit: float, min_gap: int) -> str:
    """The card's line for an IVIG order on the chart that ``draft`` writes again with no link
    (continuing.OnChart.left_active): signing does not stop it, so both give IVIG. Its cycle under way when the
    draft starts, or its next, is named: within ``min_gap`` days of the draft's start it is the same cycle, said
    with what the two give in it (the least each gives, as :func:`_order_dose` reads it), else a cycle of its own
    that many days after."""
    start = draft.start or today
    cycle = _cycle_from(order, start)
    if cycle is None:
        when = "when its cycles fall is not known: " + ("it has no start date" if order.start is None
                                                        else "its cycles could not be read")
    elif (after := (cycle[0] - start).days) >= min_gap:
        when = f"its next cycle on {_days(*cycle)}, {after} days after this draft's starts"
    else:
        least = [(amount if per_kg else amount / weight_kg if amount is not None and weight_kg else None)
                 for amount, per_kg, _, _ in (_order_dose(o) for o in (draft, order))]
        total = sum(a for a in least if a is not None)
        in_cycle = (f": at least {total:.2f} g/kg in one cycle" + (f", above {limit:g} g/kg" if total > limit else "")
                    if None not in least else "")
        when = f"its cycle on {_days(*cycle)}, in this draft's cycle from {start.isoformat()}{in_cycle}"
    return (f"An IVIG order on the chart, {named_with_dose(order)}, stays active beside this draft: both would give "
            f"IVIG ({when}). Discontinue it when signing, or write the draft as a change of that order.")


def _days(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _rounding_slack(limit_g_per_kg: float, weight_kg: float) -> float:
    """g/kg a gram dose may exceed the limit by, rounded to the bottle: half a 5 g bottle, but never more than 5%
    of the limit (2.5 g is 12% in a 10 kg child)."""
    return min(2.5 / weight_kg, 0.05 * limit_g_per_kg)


def _not_intravenous(order: MedicationOrder) -> str | None:
    """Why a drafted immune globulin is not IVIG for R27's checks, or None when it is (or may be) IVIG: its route is
    subcutaneous (SCIG) or intramuscular, or, with no route saying IV, its product is a subcutaneous one (value-set
    group ``scig``: Hizentra, Cuvitru, Xembify, HyQvia, Cutaquig, 'immune globulin subcutaneous'). SCIG is dosed and
    spaced otherwise (often weekly): the 2 g/kg per cycle and 21 days between cycles are IVIG's. A product given by
    either route (Gamunex-C, Gammaked, Gammagard Liquid) is told by its route."""
    route = order.route
    if route is not None and routes.route_says_iv(route):
        return None
    if route is not None and routes.route_says_sc(route):
        return "subcutaneous immunoglobulin, SCIG: route subcutaneous"
    if route is not None and routes.route_says_im(route):
        return "route intramuscular"
    return "subcutaneous immunoglobulin, SCIG, by its name" if order.in_group("scig") else None


@dataclass(frozen=True, slots=True)
class Replacement:
    """The IVIG cycle a corrected order gives: ``per_day`` ``unit`` (g, or g/kg as drafted) on ``days`` days, every 4
    weeks; ``label`` names the cycle, ``how`` says how the dose was arrived at (its rounding, or that it is the
    draft's own, ``kept``)."""

    per_day: float
    unit: str
    days: int
    label: str
    how: str
    kept: bool = False


def _computed(limit: float, weight_kg: float, basis: str, days: int) -> Replacement:
    """``limit`` g/kg per cycle on ``weight_kg`` over ``days`` days, each day's share in whole 2.5 g vials (0.1 g
    below one, a small child: ``dosing.daily_share``), rounded down so the cycle stays within the limit, and said."""
    exact = limit * weight_kg
    per_day = dosing.daily_share(exact, days, dosing.IVIG_DAILY_STEP_G)
    step = dosing.share_step(exact, days, dosing.IVIG_DAILY_STEP_G)
    rounding = (f"rounded down to {step:g} g a day" if step == dosing.IVIG_DAILY_STEP_G
                else f"below one {dosing.IVIG_DAILY_STEP_G:g} g step a day, rounded down to {step:g} g")
    grams = round(per_day * days, 6)
    return Replacement(per_day, "g", days, f"{grams:g} g per cycle",
                       f"{limit:g} g/kg x {weight_kg:.1f} kg {basis} = {round(exact, 1):g} g per cycle; given as "
                       f"{per_day:g} g/day x {days} = {grams:g} g ({rounding})")


def _as_drafted(order: MedicationOrder, cycle: CycleDose) -> Replacement | None:
    """The draft's own cycle, every 4 weeks, where only its interval is wrong: its dose per cycle in its own unit (g,
    or g/kg with the weight it names, e.g. 'adjusted body weight', so that the check reads it as the draft), over its
    days. Each day's share is the cycle's over its days, to 0.01 (rounded down, and said, where it does not divide).
    None when the cycle is read two ways (per day or per cycle): which dose is meant is not known."""
    if len(cycle.readings) != 1:
        return None
    total = next(iter(cycle.readings.values()))
    unit = "g/kg" if cycle.per_kg else "g"
    weight_named = _NOT_ACTUAL_WEIGHT.search(_order_text(order)) if cycle.per_kg else None
    shown_unit = f"{unit} ({weight_named.group(0)})" if weight_named else unit
    per_day = math.floor(total / cycle.days * 100 + 1e-9) / 100
    rounding = ("" if abs(per_day * cycle.days - total) < 1e-9
                else f"; {per_day:g} {unit} a day, rounded down to 0.01 {unit}")
    return Replacement(per_day, shown_unit, cycle.days, f"{total:g} {unit} per cycle",
                       f"the drafted dose kept ({cycle.how}){rounding}; only the interval changes", kept=True)


def _corrected_order(context: HookContext, cycle: Replacement) -> dict[str, Any]:
    amount_unit = cycle.unit.split(" ", 1)[0]  # 'g/kg (adjusted body weight)' is dosed in g/kg
    return orders.infusion_cycles(
        context.patient_id, orders.concept(context.valuesets, "ivig", "immune globulin, intravenous"), cycle.per_day,
        amount_unit, days=cycle.days, every_weeks=4, cycles=3,
        text=f"IVIG {cycle.label} ({cycle.per_day:g} {cycle.unit} IV "
             + ("once" if cycle.days == 1 else f"daily on {cycle.days} consecutive days")
             + f"), every 4 weeks; {cycle.how}",
        note="BMP before and 3-5 days after each cycle; CBC for haemolysis; infuse slowly (thrombosis risk).")


def _order_text(order: MedicationOrder) -> str:
    """The order's instruction text and notes in lower case, where a dose names the weight it is on."""
    return " ".join(filter(None, [order.dosage.text if order.dosage else None, *order.notes])).lower()


# Each draft's cycle is added up with the drafts before it in its cycle (pairs: the work grows with the square of
# their number). A cycle is drafted one order a day at most, and a month has 31 days: more is no real signing, and
# reading it would hold a worker for seconds
MAX_DRAFTS_CHECKED = 31


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    immune_globulins = context.drafts_in("ivig", "scig")
    not_iv = [(o, why) for o in immune_globulins if (why := _not_intravenous(o))]
    drafted = [o for o in immune_globulins if not any(o is other for other, _ in not_iv)]
    params = dict(context.params(RULE))
    facts: dict[str, Any] = {"ivig_drafts": ", ".join(o.label for o in drafted) or None,
                             "not_ivig_drafts": "; ".join(f"{o.label} ({why})" for o, why in not_iv) or None}
    if not drafted:
        return Quiet("no IVIG in the draft orders" + (
            f"; not checked as IVIG, whose 2 g/kg per cycle and 21 days between cycles do not apply to it: "
            f"{facts['not_ivig_drafts']}" if not_iv else ""), facts)
    # a draft that discontinues the chart order it re-sends or names gives no IVIG: not a dose to check
    chart = continuing.on_chart(drafted, continuing.current_orders(record, "ivig"), record.today, "ivig")
    drafts = list(chart.given)
    facts["ivig_drafts_discontinuing"] = "; ".join(f"{o.label} ({o.reference})" for o in drafted
                                                  if not any(o is d for d in drafts)) or None
    if not drafts:
        return Quiet("the IVIG drafts only discontinue orders on the chart", facts)
    if len(drafts) > MAX_DRAFTS_CHECKED:
        return NotEvaluable(f"at most {MAX_DRAFTS_CHECKED} IVIG drafts are checked together ({len(drafts)} were "
                            "sent): check the cycle by hand", facts)
    limit = float(params["max_g_per_kg_cycle"])
    weight = body.dosing_weight(record, context)
    height = body.dosing_height(record, context)
    adult = not is_paediatric(record, context)
    bmi = body.current_bmi(record, context) if adult else None
    obese = bmi is not None and bmi[0] >= params["bmi_obese"]
    # An adult without a BMI may be obese: say what is missing rather than take obesity as ruled out
    no_bmi = body.missing_weight_or_height(record, context) if adult and bmi is None else None
    adjusted = (dosing.adjusted_body_weight(weight.value, height.value, record.patient.sex if record.patient
                                            else None) if obese and weight and height else None)
    kidney = renal.below_limit(record, context, params["egfr_min"],
                               record.today - timedelta(days=int(params["egfr_max_age_days"])))
    iga_found = iga.check(record, float(params["iga_severe_deficiency_mg_dl"]))
    vte = record.conditions_in("vte")
    facts.update({
        "dosing_weight": weight.describe("kg") if weight else None,
        "latest_weight_any": (w.describe("kg") if (w := body.latest_weight(record)) else None),
        "bmi": bmi[1] if bmi else None,
        "adjusted_body_weight_kg": round(adjusted, 1) if adjusted else None,
        "egfr": str(kidney) if kidney.on_file else None,
        "iga_measured": iga_found.result is not None,
        "iga": iga_found.result,
        "prior_vte": "; ".join(c.code.label for c in vte) or None,
    })

    problems: list[str] = []
    # the draft's own dose or schedule is wrong, which the corrected order offered fixes (a problem with the IVIG
    # given before it is not: the same dose would be offered again; nor is one with a dose recorded as given, which
    # no order can replace). Its cycles too close together and nothing else: the corrected order keeps its dose
    own_dose_problem = False
    own_interval_problem = False
    ordered_cycles: list[tuple[MedicationOrder, CycleDose]] = []  # each draft ordered (not recorded as given), read
    unchecked: list[str] = []
    days_for_suggestion = 2
    min_gap = int(params["cycle_min_gap_days"])
    min_interval = params["min_interval_days"]
    history = _ivig_history(record, drafts)  # the same for every draft: walked (and each order's cycle read) once
    facts["ivig_continued_by_draft"] = "; ".join(f"{o.label} ({o.reference}): {how}, no start date: left out of "
                                                 "the IVIG given" for o, how in history.continued) or None
    unchecked += _undated_last_cycles(history, record.today, min_interval)
    for index, order in enumerate(drafts):
        cycle = read_order_cycle(order)
        ordered = not order.status_meaning.records_given  # else a dose given: its harms to watch, nothing to replace
        name = order.label if ordered else f"{order.label} (recorded as given)"
        if cycle is None or cycle.value is None:
            why = f" ({cycle.how})" if cycle is not None and cycle.how else ""
            ask = "state it in g/kg or g per cycle" if ordered else "record the dose given in g or g/kg"
            problems.append(f"{name}: the dose could not be read{why}; {ask}.")
            own_dose_problem |= ordered
            continue
        if 2 <= cycle.days <= 5:
            days_for_suggestion = cycle.days
        if ordered:
            ordered_cycles.append((order, cycle))
        facts[f"{order.id}_dose"] = cycle.how
        if cycle.open_ended:
            problems.append(f"{name}: given daily with no end (no count, duration or end date), so the total dose "
                            "is unbounded; state the days of the cycle (2-5).")
            own_dose_problem |= ordered
        facts[f"{order.id}_interval_days"] = cycle.interval_days
        if unread := [run.unread for run in cycle.runs if run.unread]:  # said, never guessed (FHIR gives every
            # period and duration a unit): the prescriber must see it, as a dose that cannot be read
            problems.append(f"{name}: {'; '.join(unread)} cannot be read as days, so the days of a cycle and the "
                            f"interval between cycles could not be checked (read as {cycle.how}); write them in "
                            "days.")
            own_dose_problem |= ordered
        if conflicts := [run.conflict for run in cycle.runs if run.conflict]:  # the longer was read, never silently
            problems.append(f"{name}: {'; '.join(conflicts)} disagree on the days of a cycle; read as the longer "
                            f"({cycle.how}). Write the days of a cycle once.")
            own_dose_problem |= ordered
        if aside := [run.aside for run in cycle.runs if run.aside]:
            unchecked.append(f"{name}: {'; '.join(aside)} cannot be read as days; the days of a cycle were read from "
                             f"its count or bounds alone ({cycle.how})")
        per_kg: dict[str, float] = {}
        if cycle.per_kg:
            per_kg = dict(cycle.readings)
        elif weight is not None:
            per_kg = {k: v / weight.value for k, v in cycle.readings.items()}
        else:
            unchecked.append(f"{name} ({cycle.how}): no body weight within the last "
                             f"{body.weight_max_age_days(record, context)} days"
                             f"{body.why_not_current(record, context, 'weight', 'kg')}, so the dose per kg could not "
                             "be checked (see R33)")
        ceiling = limit + (0 if cycle.per_kg or weight is None else _rounding_slack(limit, weight.value))
        over = {k: v for k, v in per_kg.items() if v > ceiling}
        if per_kg:
            facts[f"{order.id}_g_per_kg_cycle"] = ", ".join(f"{v:.2f} {k}" for k, v in per_kg.items())
        if over and len(over) == len(per_kg):
            problems.append(f"{name}: {cycle.how} = **{max(over.values()):.2f} g/kg per cycle**, above "
                            f"{limit:g} g/kg.")
            own_dose_problem |= ordered
        elif over:  # read one way it is above the limit: per day rather than per cycle, or a duration as days
            readings = "; read ".join(
                f"{key} it is " + (f"**{value:.2f} g/kg per cycle**, above {limit:g} g/kg" if key in over
                                   else f"{value:.2f} g/kg")
                for key, value in sorted(per_kg.items(), key=lambda reading: reading[0] in over))
            ask = (" State whether the dose is per day or per cycle." if {"per day", "per cycle"} <= per_kg.keys()
                   else "")
            problems.append(f"{name}: {cycle.how}. Read {readings}.{ask}")
            own_dose_problem |= ordered
        together = _drafted_earlier_in_cycle(drafts, index, record.today, min_gap)
        start = order.start or record.today
        given = _given_this_cycle(history, start, together, min_gap, weight.value if weight else None)
        if per_kg:  # the cycle's total with the IVIG given in it, then with what may have been
            total = given.g_per_kg + min(per_kg.values())
            if given.counted:
                facts[f"{order.id}_cycle_total_g_per_kg"] = round(total, 2)
                if total > ceiling and not over:
                    problems.append(f"{name}: with the IVIG earlier in this cycle ({'; '.join(given.counted)}) the "
                                    f"cycle totals **{total:.2f} g/kg**, above {limit:g} g/kg.")
            if given.possibly:
                possibly = total + given.possibly_g_per_kg
                facts[f"{order.id}_cycle_total_if_possibly_given_g_per_kg"] = round(possibly, 2)
                if possibly > ceiling >= total and not over:
                    problems.append(f"{name}: if the IVIG on the chart "
                                    f"{_possibly_given_kinds(given.possibly_orders)} was given in this cycle "
                                    f"({'; '.join(given.possibly)}), the cycle totals **{possibly:.2f} g/kg**, "
                                    f"above {limit:g} g/kg: check when it was last given.")
        for unread, which in ((given.unread, "the IVIG earlier in this cycle"),
                              (given.possibly_unread, "the IVIG on the chart "
                                                      f"{_possibly_given_kinds(given.possibly_unread_orders)} that "
                                                      "may have been given earlier in this cycle")):
            if unread:
                unchecked.append(f"{name}: {which} has no dose in g or g/kg to read ({'; '.join(unread)}), so the "
                                 "cycle's total could not be checked")
        if cycle.interval_days is not None and cycle.interval_days < min_interval:
            problems.append(f"{name}: cycles every {cycle.interval_days:g} days, closer than {min_interval:g} days.")
            own_interval_problem |= ordered
        gap = _previous_gap(history.given, start, min_gap)
        if gap is not None:
            facts["last_ivig_before_draft"] = f"{gap[2]} ({gap[0]} days before)"
            if gap[0] < min_interval:
                problems.append(f"{name}: the last IVIG was given on {gap[2]}, only {gap[0]} days before this cycle "
                                f"starts (minimum {min_interval:g} days).")
        if (maybe := _previous_gap(history.possibly, start, min_gap)) is not None:
            days, source, day = maybe
            facts["ivig_possibly_given_before_draft"] = (f"{source.label}, {_may_have_been_given(source, day)} "
                                                         f"({days} days before)")
            if days < min_interval and not (gap is not None and gap[0] < min_interval):  # not said twice
                why = _POSSIBLY_WORDS[_possibly_why(source)][0]
                problems.append(f"{name}: {source.label} on the chart {why} and may have been given as "
                                f"late as {day}, only {days} days before this cycle starts (minimum "
                                f"{min_interval:g} days): check when it was last given.")
        text = _order_text(order)
        if no_bmi and not _NOT_ACTUAL_WEIGHT.search(text):
            unchecked.append(f"{name}: {no_bmi}, so obesity (BMI >= {params['bmi_obese']:g}: dose on adjusted "
                             "body weight) could not be checked")
        if obese and bmi is not None:
            actual = False
            # grams are on actual weight only if every reading is: a dose unclear per day or per cycle whose per-day
            # reading alone is above the adjusted-weight dose is an overdose read one way (said above), not obesity
            # dosing (150 g over 2 days at 110 kg, adjusted 79.8 kg, was called 'based on actual body weight')
            least = min(cycle.readings.values())
            if cycle.per_kg:
                actual = not _NOT_ACTUAL_WEIGHT.search(text)
            elif adjusted is not None:
                actual = least > dosing.round_to(limit * adjusted, 5) + 2.5
            elif weight is not None:  # no height, so no adjusted weight: only a full actual-weight dose is certain
                actual = least >= limit * weight.value - 2.5
                if not actual:
                    unchecked.append(f"{name} ({cycle.how}): {bmi[1]} needs the adjusted body weight, which needs a "
                                     "current height, so whether the grams are on adjusted weight could not be "
                                     "checked")
            if actual:
                problems.append(f"{name}: {bmi[1]}, and the dose is based on actual body weight; use adjusted "
                                "body weight" + (f" ({adjusted:.1f} kg)" if adjusted else "") + ".")
                own_dose_problem |= ordered
    # a chart order the draft writes again with no link stays active: signing adds its cycles to the draft's
    facts["on_chart_left_active"] = chart.facts()["on_chart_left_active"]
    problems += [_left_active_finding(order, rewriting[0], record.today, weight.value if weight else None, limit,
                                      min_gap) for order, rewriting in chart.left_active]
    left_kept = chart.left_active_doses(weight.value if weight else None)[1]
    # what a creatinine lacks for an eGFR (a child's height), named where the card asks for renal function: the
    # creatinine on file that gives none, or, with no result at all, what the one asked for would lack
    lacking = (kidney.unestimated.reason if kidney.unestimated
               else renal.estimate_lacks(record, context) if not kidney.on_file else None)
    # every IVIG recorded as given: nothing left to infuse, so renal function is checked after it
    given_only = all(o.status_meaning.records_given for o in drafts)
    when = "after it" if given_only else "before IVIG"
    if not kidney.on_file:
        problems.append(f"No eGFR within the last {int(params['egfr_max_age_days'])} days: check renal function "
                        f"{when} (renal failure risk)." + (
                            f" A creatinine alone gives no eGFR: {lacking.why}; for an eGFR, {lacking.remedy} or "
                            "get the lab's eGFR." if lacking else ""))
    elif kidney.below:
        problems.append(f"{kidney}: risk of IVIG-related acute kidney injury; " + (
            "check creatinine 3-5 days after it." if given_only
            else "avoid sucrose-containing products, hydrate, infuse slowly."))
    elif kidney.below is None:  # '<75', a result that cannot be read, or a creatinine that gives no eGFR
        # a creatinine that gives no eGFR names what it lacks: a recheck alone gives a child no eGFR without a height
        remedy = f"; for an eGFR, {lacking.remedy} or get the lab's eGFR" if lacking else ""
        problems.append(f"Renal impairment not ruled out: {kidney}; check renal function {when} (renal failure "
                        f"risk{remedy})" + ("." if given_only else ", and until then avoid sucrose-containing "
                                            "products, hydrate, infuse slowly."))
    if iga_found.problem:
        problems.append(iga_found.problem)
    if vte:
        problems.append("Prior venous thromboembolism: " + "; ".join(
            f"{c.code.label} ({c.start.isoformat() if c.start else 'undated'})" for c in vte)
            + ". IVIG adds thrombosis risk: slowest rate, hydration, consider VTE prophylaxis.")
    facts["problems"] = len(problems)
    facts["dose_not_checked"] = "; ".join(unchecked) or None
    if not problems:
        if "immunizations" in record.unavailable:  # IVIG charted as an Immunization was not seen
            unchecked.append("immunization records could not be fetched, so IVIG charted as an Immunization is "
                             "missing from the interval and the cycle total")
        if unchecked:
            return NotEvaluable("; ".join(unchecked), facts)
        return Quiet("IVIG dose, interval, renal function, IgA and VTE history checked: no problem", facts)

    # Never suggest an actual-weight dose for an adult who is (or may be) obese: without a current height there is
    # no adjusted weight.
    dosing_weight = (adjusted if adjusted is not None
                     else weight.value if weight and not obese and not no_bmi else None)
    suggestions: list[Suggestion] = []
    suggested = ""
    replace_draft = own_dose_problem or own_interval_problem
    if replace_draft and dosing_weight is not None:
        # only the interval wrong: the corrected order keeps the draft's dose; else 2 g/kg on the dosing weight
        kept = _as_drafted(*ordered_cycles[0]) if not own_dose_problem and len(ordered_cycles) == 1 else None
        cycle_offered = kept or _computed(limit, dosing_weight, "adjusted body weight" if adjusted is not None
                                          else "body weight", days_for_suggestion)
        facts["suggested_per_cycle"] = f"{cycle_offered.label}: {cycle_offered.how}"
        suggested = f" ({'this order' if cycle_offered.kept else 'for this patient'}: {cycle_offered.how})"
        over_days = courses.days_text(cycle_offered.days)
        suggestions.append(Suggestion(
            f"Replace with IVIG {cycle_offered.label} over {over_days} every 4 weeks",
            [*(Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in drafts
               if not o.status_meaning.records_given),
             *continuing.discontinue(left_kept),  # else the corrected order too would go on beside it
             Action("create", f"IVIG {cycle_offered.label} IV over {over_days} q4 weeks",
                    resource=_corrected_order(context, cycle_offered))],
            is_recommended=True))
    elif replace_draft and obese:
        suggested = (f" ({limit:g} g/kg of adjusted body weight; it could not be computed without a height "
                     "measured within 12 months)")
    elif replace_draft and weight:  # a weight but no BMI: obesity is not ruled out
        suggested = (f" ({limit:g} g/kg, of adjusted body weight if BMI >= {params['bmi_obese']:g}; the dose in "
                     "grams could not be computed without a height measured within 12 months)")
    elif replace_draft:
        suggested = (f" ({limit:g} g/kg; the dose in grams could not be computed without a current body weight: "
                     "record one, see R33)")
    labs = [lab_orders.BMP.action(context, "Basic metabolic panel before and 3-5 days after each cycle",
                                  note="Before each IVIG cycle and 3-5 days after it."),
            lab_orders.CBC.action(context, "CBC (haemolysis)", note="Haemolysis after IVIG.")]
    if iga_found.order:
        labs.append(lab_orders.IGA.action(context, "IgA level", note="Before IVIG."))
    measure = lacking.order(context, "IVIG") if lacking else None  # where an order gives it (a child's height)
    if measure is not None:
        labs.append(measure)
    suggestions.append(Suggestion("IVIG safety labs: BMP before and 3-5 days after, CBC"
                                  + (", IgA" if iga_found.order else "")
                                  + (f"; {lacking.remedy} (for eGFR)" if lacking and measure else ""), labs,
                                  is_recommended=not suggestions))
    # the corrected order offered discontinues the orders left active; without one, keeping the draft and
    # discontinuing them is offered (recommended where the draft's own dose was checked and found right). Never
    # both: one keeps the draft the other cancels. Either stands beside the labs.
    if left_kept and not (replace_draft and dosing_weight is not None):
        suggestions.append(continuing.keep_and_discontinue(left_kept, recommended=not replace_draft and not unchecked,
                                                           drafts=[d.reference for d in drafts]))
    if unchecked:
        problems.append("Dose not checked: " + "; ".join(unchecked) + ".")
    headline, what = _headline(drafts)
    summary = f"{what}: {len(problems)} safety issue{'s' if len(problems) > 1 else ''} to check ("
    summary += "; ".join(_short(p) for p in problems) + ")"
    return Fired(
        severity="warning",
        summary=summary if len(summary) < 140 else summary[:135] + "...)",
        detail=DETAIL.format(headline=headline, problems="\n".join(f"- {p}" for p in problems), suggested=suggested),
        facts=facts,
        about=drafts,
        suggestions=suggestions,
    )


def _headline(drafts: Sequence[MedicationOrder]) -> tuple[str, str]:
    """(the card's first words, what the summary names) for the IVIG drafts checked: orders, or doses recorded as
    given among them (an Immunization or an order 'completed'), which cannot be cancelled: their harms are what is
    left to watch for (creatinine 3-5 days after, haemolysis, thrombosis)."""
    ordered = ", ".join(o.label for o in drafts if not o.status_meaning.records_given)
    given = ", ".join(o.label for o in drafts if o.status_meaning.records_given)
    if not given:
        return f"**Check this IVIG order ({ordered}).**", "IVIG order"
    if not ordered:
        return (f"**Check this IVIG recorded as given ({given}).** A dose given cannot be cancelled: check creatinine "
                "3-5 days after it, and watch for haemolysis (CBC) and thrombosis.", "IVIG recorded as given")
    return (f"**Check this IVIG order ({ordered}).** Also among the orders, recorded as given (it cannot be "
            f"cancelled): {given}.", "IVIG order")


def _short(problem: str) -> str:
    """A few words for the summary line."""
    lowered = problem.lower()
    # "dose not checked" first: what was left unchecked is named in it (an obesity check, a unit)
    for key, label in (("dose not checked", "dose unchecked"), ("stays active beside", "chart order left active"),
                       ("cannot be read as days", "cycle days unread"),
                       ("disagree on the days", "cycle days disagree"),
                       ("per day or per cycle", "dose unclear"), ("g/kg per cycle**, above", "dose > 2 g/kg"),
                       ("was given in this cycle", "cycle may be > 2 g/kg"), ("cycle totals", "cycle > 2 g/kg"),
                       ("and may have been given as late as", "interval may be < 21 d"),
                       ("closer than", "interval < 21 d"), ("days before this cycle", "interval < 21 d"),
                       ("no egfr", "no recent eGFR"), ("with no end", "daily, no end"),
                       ("renal impairment not ruled out", "eGFR < 60 not ruled out"), ("egfr ", "eGFR < 60"),
                       ("based on actual body weight", "BMI >= 30 on actual weight"), ("iga has never", "no IgA"),
                       ("iga low:", "IgA low"), ("iga could not be read", "IgA unread"),
                       ("thromboembolism", "prior VTE"), ("could not be read", "dose unreadable")):
        if key in lowered:
            return label
    return "see card"
