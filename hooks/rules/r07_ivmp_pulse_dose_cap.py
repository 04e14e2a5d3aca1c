"""R07: IV methylprednisolone pulse above 1 g/day (or 30 mg/kg/day in a child), mg/kg adult orders, long pulses.

IV methylprednisolone already on the chart that no draft replaces goes on beside the drafts
(hooks.definitions.continuing, as R06 and R09 read theirs): its daily dose adds up with theirs on the days both are
given, and its days at a pulse dose run on with theirs. The pulse days already given count too (courses.course_days,
no later than a counted course's last dose): three days given and three drafted are six in a row. A day is a pulse
day from 250 mg/day; for a weighed child from the lower of that and 7.5 mg/kg/day (steroids.pulse_level, as R31
names a pulse on file): 240 mg (30 mg/kg) at 8 kg is one, and the card says the level it used (a child with no
weight: 'the lower of 250 mg/day and 7.5 mg/kg/day', counted from 250 mg), as does the reason a pulse with no last
day leaves its days unchecked (for a child with no weight, a daily dose below 250 mg too: it may be one). A chart
order replaced only by being written again, with no link, is still on the chart once the draft is signed: the card
says what both would give together and offers to discontinue it, a warning of its own when the draft alone is within
the limits. "Cancel the draft" is offered only where what cancelling
leaves on the chart (continuing.OnChart.kept_if_cancelled: the orders beside the draft, those left active and those
it replaces by a link) is read and within the limits, its pulse days too (those given and those still to come, a
pulse with no last dose that can be read never within); otherwise the pulse offered instead stops them all, and
where the drafts alone are within the limits the card says what cancelling would leave, or that this is not known.
Where the pulse days already given (or those on the chart before the drafts, said as none given before today) make
the drafts' run too long, or would make a new 3-day pulse from today run past 5 days, neither the drafts nor a new
pulse is offered, whatever their dose: the draft is cancelled, and what cancelling leaves is stopped where it is not
within the limits (where only its pulse days are not, only the pulses that run too long). A child with no weight has
no child's dose, and neither the drafts nor what cancelling leaves is known within 30 mg/kg/day: nothing is offered,
on the warning for an order left active too (weigh and re-order). An as-needed order on the chart adds no scheduled
dose: it is named. An order whose dose is not read (a draft's too) is not counted: what the others give on a day is
the least given, judged and said as 'at least'; within the limits, the check is not evaluated. An order whose
timing is not read (dosing.timing_not_read: a negative period, say) counts one dose on a day and none of its days at
a pulse dose: within the limits, the check is not evaluated either, and the reason names its timing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import course_days, days_text
from hooks.definitions.dose_basis import DraftDose, mg, named_with_dose
from hooks.definitions.paediatric_doses import PULSE_DAYS, ChildOrder, child_pulse, oral_after_pulse, pulse_order
from hooks.definitions.steroids import GROUP, DailyLevels, Run, is_iv_methylprednisolone, pulse_level
from hooks.definitions.weight import dosing_weight
from hooks.dosing import mg_per_kg_day, timing_not_read, why_no_frequency
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import ETG, LANCET_2024, SEED_001, SHARE_2017

RULE = Rule(
    id="ivmp-pulse-dose-cap",
    number=7,
    title="IV methylprednisolone pulse dose cap",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    summary="IV methylprednisolone above 1 g/day (or 30 mg/kg/day in a child), an adult pulse written in mg/kg, "
            "or a pulse dose (>= 250 mg/day; in a weighed child from 7.5 mg/kg/day) for more than 5 days.",
    sources=(ETG, LANCET_2024, SHARE_2017, SEED_001),
    parameters={
        "max_mg_day": Param(1000, "mg/day", "Any age: above this daily dose the draft is critical."),
        "paediatric_max_mg_per_kg_day": Param(30, "mg/kg/day", "Age < 18: above this the draft is critical."),
        "high_dose_mg_day": Param(250, "mg/day", "A daily dose at or above this is a pulse dose ..."),
        "max_pulse_days": Param(5, "days", "... and given for more than this many consecutive days: warning."),
        "paediatric_high_dose_mg_per_kg_day": Param(
            7.5, "mg/kg/day", "Age < 18 with a current weight: a pulse dose counts from the lower of this x the weight "
                              "and high_dose_mg_day (a quarter of the 30 mg/kg child pulse, as 250 mg is of 1 g).",
            at_least=1, at_most="ivmp-pulse-dose-cap.paediatric_max_mg_per_kg_day"),
    },
    override_family="safety",
)

EPS = 1e-9
ON_CHART = " (on the chart)"
# A chart order's days at a pulse dose: the order, its first and last day, and its mg a day
PulseDays = tuple[MedicationOrder, date, date, float]

DETAIL = """\
**{headline}** {findings}

Adult pulse: **500-1,000 mg IV once daily for 3 (at most 5) days**, each dose over at least 60 minutes, then oral
prednisone. Child: **30 mg/kg/day (maximum 1 g) for 3 days**. Never more than 1 g a day. A seed summary gives
"15-30 mg/kg/dose" with no maximum: that is the juvenile dermatomyositis dose, and in a 70 kg adult it means
2.1 g a day.

{advice}

During pulses: capillary glucose four times a day, blood pressure, and consider a proton-pump inhibitor.{unread}"""

# A child with no weight: no child's dose, and 30 mg/kg/day unchecked, so nothing is offered and the card says this
WEIGH_THE_CHILD = ("No current weight, so no child dose can be computed: the dose is 30 mg/kg/day (maximum 1 g) for 3 "
                   "days. Weigh the patient and re-order (see the dosing-weight card).")


def _days_text(days: int | None) -> str:
    return f" for {days} days" if days else ""


def _no_length(order: MedicationOrder) -> str:
    """Why a draft's course length is not known, as its facts say it: a count with no frequency read to spread it
    over is given (dosing.why_no_frequency says why), but its days are not read (dose_basis.draft_course_length)."""
    count = order.dosage.timing.count if order.dosage else None
    return (f"a count of {count} doses, {why_no_frequency(order)}: its days are not read" if count
            else "not given in the order")


def _day_amount(dose: DraftDose, weight_kg: float | None) -> tuple[float | None, float | None]:
    """(mg on a day the order is given, mg/kg/day as written per kg): per dose x doses a day (at least one dose on
    the day given), or its concurrent instructions added up (600 mg morning + 600 mg evening), whichever is more;
    mg/kg/day with no frequency gives the day's dose, on the weight, though not the dose per administration."""
    per_day = max(dose.per_day, 1.0) if dose.per_day is not None else 1.0
    written_kg_day = None
    if dose.per_kg:  # the first instruction on a day it is given, or all of them added up, whichever is more
        written_kg_day = max(filter(None, (mg_per_kg_day(dose.written, per_day), dose.kg_daily)), default=None)
    if dose.mg is not None:
        return max(dose.mg * per_day, dose.daily or 0.0), written_kg_day
    return (written_kg_day * weight_kg if written_kg_day is not None and weight_kg else None), written_kg_day


def _one_dose_only(dose: DraftDose) -> bool:
    """A dose in mg with no frequency: one dose is counted for its day, so what it gives is at least that."""
    return dose.per_day is None and dose.mg is not None


def _days_ahead(order: MedicationOrder, today: date) -> int | None:
    """Days a chart order going on beside the drafts is still given from today (continuing gives it as from the
    drafts' first day, a counted course ending on its last dose); None when nothing ends it."""
    first, last = dose_basis.draft_span(order, today)
    return None if last is None else (last - first).days + 1


def _given_daily(dose: DraftDose) -> bool:
    """At least one dose every day: weekly or monthly pulses are not, and their days make no run."""
    return dose.per_day is not None and dose.per_day >= 1 - EPS


def _pulse_mg(dose: DraftDose, day_mg: float | None, high_mg: float) -> float | None:
    """``day_mg`` (mg on a day the order is given) where the dose is read and given daily at ``high_mg`` or more:
    its days count towards the pulse-day limit; else None."""
    return (day_mg if not dose.problem and day_mg is not None and _given_daily(dose) and day_mg >= high_mg - EPS
            else None)


class ChartPulses(NamedTuple):
    """The chart's IV methylprednisolone courses, as :func:`_pulse_days_on_chart` reads them."""
    given: list[PulseDays]  # given daily at a pulse dose, each with its first and last day and its mg a day
    # whose dose, or whose timing at a pulse dose, could not be read: with their last day, and what was not read
    unread: list[tuple[MedicationOrder, date, str]]
    open_ended: list[tuple[MedicationOrder, float]]  # left by cancelling, at a pulse dose with no last written dose


def _pulse_days_on_chart(record: PatientRecord, chart: continuing.OnChart, weight_kg: float | None, high_mg: float,
                         cancelled: bool = False) -> ChartPulses:
    """The chart's IV methylprednisolone courses given daily at ``high_mg`` a day or more, each with its first and
    last day and its mg a day; and the courses whose dose could not be read, or whose timing at a pulse dose
    (dosing.timing_not_read: whether it is given daily is not known), with their last day. A course runs up
    to today (courses.course_days), but no later than its written doses reach (continuing.last_written_dose: a pulse
    left active once given); one that no draft replaces runs on to its written last dose (a pulse ending the day
    before the drafts start runs up to them). With ``cancelled``, those that cancelling the drafts leaves
    (continuing.OnChart.kept_if_cancelled) run on instead, and those of them at a pulse dose with no last written
    dose are returned too: nothing ends them."""
    found = ChartPulses([], [], [])
    replaced = {id(o) for o, _ in chart.replaced}
    kept = {id(o.raw) for o in chart.kept_if_cancelled} if cancelled else set()
    beside = {id(o.raw) for o in chart.scheduled}  # read already, as given from the drafts' first day
    for order in record.medications_in(GROUP):
        if not is_iv_methylprednisolone(order):
            continue
        dose = dose_basis.read_dose(order, weight_kg)
        day_mg, _ = _day_amount(dose, weight_kg)
        pulse_mg = _pulse_mg(dose, day_mg, high_mg)
        written = continuing.last_written_dose(order)
        if written is None and id(order.raw) in kept and pulse_mg is not None:
            found.open_ended.append((order, pulse_mg))  # its days or none (one yet to start): nothing ends it
        if (span := course_days(order, record.today)) is None:
            continue
        goes_on = written is not None and (id(order.raw) in kept if cancelled else
                                           order.current_on(record.today) and id(order) not in replaced)
        first, last = span[0], written if goes_on and written else min(span[1], written or span[1])
        if last < first:
            continue
        if dose.problem or day_mg is None:
            if id(order.raw) not in beside:  # an order beside the drafts whose dose is not read is said already
                found.unread.append((order, last, "dose not read"))
        elif pulse_mg is not None:
            found.given.append((order, first, last, pulse_mg))
        elif day_mg >= high_mg - EPS and id(order.raw) not in beside and (timing := timing_not_read(order)):
            found.unread.append((order, last, timing))  # beside the drafts, its timing is said already
    return found


def _run_through(given: list[PulseDays], through: date, today: date,
                 high_mg: float) -> tuple[Run, list[MedicationOrder]]:
    """The days at a pulse dose on the chart (``given``: :func:`_pulse_days_on_chart`) that run up to ``through``,
    and their orders. The last day, not the day after it, is asked for: a pulse written to end 9999-12-31 has no day
    after it."""
    if not given:
        return Run(None, 0), []
    levels = DailyLevels.from_spans(((start, end, day_mg) for _, start, end, day_mg in given),
                                    min(start for _, start, _, _ in given),
                                    max(today, *(end for _, _, end, _ in given)))
    run = levels.run_at_or_above(high_mg, through, 0)
    if run.first is None:
        return run, []
    return run, [o for o, start, end, _ in given if start <= through and end >= run.first]


def _pulse_left(record: PatientRecord, chart: continuing.OnChart, weight_kg: float | None, high_mg: float,
                most_days: float) -> list[tuple[MedicationOrder, str]]:
    """The pulses that cancelling the drafts leaves on the chart (:func:`_pulse_days_on_chart` with ``cancelled``)
    not within ``most_days``, each with the card's line: one with no last written dose, or one whose days given and
    still to come, counted as the drafts' are (:func:`_run_through`: with the days before it, back to back), run past
    it (at most: a count of doses more than one a day is read at its most days). Empty only where cancelling is
    within the pulse-day limit."""
    def named(order: MedicationOrder, day_mg: float) -> str:
        # two orders may share a label: their start written (not authoredOn, which may differ) tells them apart
        start = order.dosage.bounds_start if order.dosage else None
        return f"The pulse on the chart ({order.label}, {mg(day_mg)}/day{f', from {start}' if start else ''})"

    found = _pulse_days_on_chart(record, chart, weight_kg, high_mg, cancelled=True)
    open_ended = {id(order.raw) for order, _ in found.open_ended}  # said once: its days so far are no limit
    kept = {id(o.raw) for o in chart.kept_if_cancelled} - open_ended
    left = [(order, f"{named(order, day_mg)} has no last dose that can be read (no end date, or a count or duration "
                    "with no start date): cancelling the draft would leave it running.")
            for order, day_mg in found.open_ended]
    for order, start, last, day_mg in found.given:
        if id(order.raw) not in kept:  # cancelling does not leave it: its days count only before the others'
            continue
        run, _ = _run_through(found.given, last, record.today, high_mg)
        if run.days > most_days:
            before = " with the days before it" if run.first is not None and run.first < start else ""
            left.append((order, f"{named(order, day_mg)}{before} runs up to {run.days} days: cancelling the draft "
                                "would leave that."))
    return left


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    sent = [o for o in context.draft_orders if is_iv_methylprednisolone(o)]
    weight = dosing_weight(record, context)
    kg = weight.value if weight else None
    child = is_paediatric(record, context)
    # only the 1 g cap can be checked: neither a draft nor what cancelling it leaves is known within 30 mg/kg/day
    weightless_child = child and weight is None
    facts: dict[str, object] = {
        "age_years": record.age_years,
        "paediatric": child,
        **dose_basis.measure_facts(record, context),
        "dosing_weight_kg": kg,
        "max_mg_day": p["max_mg_day"],
    }
    if not sent:
        return Quiet("no IV methylprednisolone draft", facts)
    # a pulse day from 250 mg/day; a weighed child's from 7.5 mg/kg/day where that is lower (240 mg at 8 kg counts)
    level = pulse_level(context, child, kg)
    high_mg = level.mg_day
    # the pulse-day limit as every line names it, with the level it counts from (a small child's is below 250 mg;
    # with no weight, which of the two is lower is not known)
    at = (f"the lower of {level.describe()} and {p['paediatric_high_dose_mg_per_kg_day']:g} mg/kg/day"
          if weightless_child else level.describe())
    limit = f"(more than {p['max_pulse_days']:g} days at >= {at})"
    # the chart's current orders beside the drafts; a draft that discontinues one of them gives no dose
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, GROUP)
                                       if is_iv_methylprednisolone(o)], context.today, GROUP)
    drafts = list(chart.given)
    if not drafts:
        return Quiet("no IV methylprednisolone draft giving a dose (one that discontinues an order gives none)",
                     facts)
    critical: list[str] = []
    warning: list[str] = []
    short: list[str] = []  # the first critical (else warning) finding, for the summary
    unread: list[str] = []
    unchecked: list[str] = []
    mg_per_kg_adult_ok: list[DraftDose] = []
    intended: list[tuple[MedicationOrder, float]] = []  # mg on a day each order is given: drafts, then the chart's
    doses: list[DraftDose] = []  # every order read: the drafts, then the chart's
    pulses: list[tuple[MedicationOrder, int]] = []  # daily orders at a pulse dose (>= level), with their days ahead
    described: list[tuple[str, str]] = []  # each draft's label, and its dose and days
    # the chart's orders going on beside the drafts, each with how it is given: named, and offered to be stopped
    stop: list[tuple[MedicationOrder, str]] = []
    over_on_its_own = False  # a single draft is above a daily maximum
    for order in [*drafts, *chart.scheduled]:
        drafted = any(order is d for d in drafts)
        where = "" if drafted else ON_CHART
        dose = dose_basis.read_dose(order, kg)
        doses.append(dose)
        days = dose_basis.draft_course_length(order) if drafted else _days_ahead(order, context.today)
        label = order.label
        if drafted:
            described.append((label, f"{dose.describe()}{_days_text(days)}"))
        else:
            stop.append((order, dose.how_given()))
        if dose.problem:
            unread.append(f"{label}{where}: {dose.problem}")
            continue
        critical_before = len(critical)
        day_mg, written_kg_day = _day_amount(dose, kg)
        kg_day = written_kg_day if dose.per_kg else (day_mg / kg if day_mg is not None and kg else None)
        per_dose = _one_dose_only(dose)
        frequency_note = f" ({why_no_frequency(order)}: checked per dose)" if per_dose else ""
        if day_mg is not None:
            intended.append((order, day_mg))
        elif not drafted:  # the chart's order adds an amount that is not known
            unread.append(f"{label}{where}: written per kg and no current weight")
            continue
        if drafted and day_mg is not None and day_mg > p["max_mg_day"] + EPS:
            over_on_its_own = True
            basis = f" ({dose.describe()} x {weight.value:g} kg)" if dose.per_kg and weight else ""
            critical.append(f"{label} gives {mg(day_mg)}/day{basis}{frequency_note}, above "
                            f"{mg(p['max_mg_day'])}/day.")
            short.append(f"{mg(day_mg)}/day ordered, above the {mg(p['max_mg_day'])}/day maximum")
        if drafted and child and kg_day is not None and kg_day > p["paediatric_max_mg_per_kg_day"] + EPS:
            over_on_its_own = True
            critical.append(f"{label} is {kg_day:.1f} mg/kg/day in a child, above "
                            f"{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day.")
            short.append(f"{kg_day:.1f} mg/kg/day in a child, above "
                         f"{p['paediatric_max_mg_per_kg_day']:g} mg/kg/day (max 1 g)")
        if drafted and dose.per_kg and weight is None:
            critical.append(f"{label} is written per kg ({dose.describe()}) and there is no current weight, so "
                            "the dose in mg is unknown.")
            short.append(f"{dose.describe()} with no current weight: the dose in mg is unknown (max 1 g/day)")
        elif drafted and dose.per_kg and not child and day_mg is not None and day_mg <= p["max_mg_day"] + EPS:
            mg_per_kg_adult_ok.append(dose)
            warning.append(f"{label} is written per kg ({dose.describe()} = {mg(day_mg)}/day on "
                           f"{weight.describe('kg') if weight else 'the dosing weight'}): adult pulses are "
                           "ordered as a fixed dose.")
        if drafted and child and not dose.per_kg and weight is None:
            unchecked.append(f"{label}: no current weight, so the {p['paediatric_max_mg_per_kg_day']:g} mg/kg/day "
                             "limit could not be checked")
        if dose.per_day is None and len(critical) == critical_before:
            # one dose within the cap says nothing about the day's total; a timing not read, nor about the days given
            cap_text = f"{mg(p['max_mg_day'])}/day"
            if timing := timing_not_read(order):
                unchecked.append(f"{label}{where}: {timing}, so neither the daily dose against {cap_text} nor the "
                                 f"{p['max_pulse_days']:g}-day limit could be checked")
            else:
                unchecked.append(f"{label}{where}: {why_no_frequency(order)}, so the daily dose could not be "
                                 f"checked against {cap_text}")
        daily_schedule = _given_daily(dose)
        at_pulse_dose = day_mg is not None and day_mg >= high_mg - EPS
        # a child with no weight may be at a pulse dose below 250 mg/day (from 7.5 mg/kg/day): not known either way
        may_be_pulse = at_pulse_dose or (weightless_child and day_mg is not None)
        if may_be_pulse and days is None and drafted:
            facts["course_length"] = _no_length(order)
        if at_pulse_dose and daily_schedule and days is not None:
            pulses.append((order, days))
        elif may_be_pulse and daily_schedule and days is None:
            # given daily until someone stops it: the length limit cannot be checked
            unchecked.append(f"{label}{where}: no end date, duration or number of doses, so the "
                             f"{p['max_pulse_days']:g}-day limit could not be checked {limit}")
        elif may_be_pulse and daily_schedule and days is not None and days > p["max_pulse_days"]:
            # more days than a pulse may have, at a dose that is one only below a weight not known
            unchecked.append(f"{label}{where}: {days:g} days and no current weight, so the "
                             f"{p['max_pulse_days']:g}-day limit could not be checked {limit}")

    def is_draft(order: MedicationOrder) -> bool:
        return any(order is d for d in drafts)

    cap, child_cap = p["max_mg_day"], p["paediatric_max_mg_per_kg_day"]

    def limit_passed(day_mg: float) -> str | None:
        """The daily maximum, or in a child the mg/kg/day one, that ``day_mg`` is above, as the card names it."""
        if day_mg > cap + EPS:
            return f"above {mg(cap)}/day"
        if child and weight is not None and day_mg / weight.value > child_cap + EPS:
            return f"{day_mg / weight.value:.1f} mg/kg/day in a child, above {child_cap:g} mg/kg/day"
        return None

    # what the drafts give alone, on the day they give the most
    alone, _ = dose_basis.most_on_one_day([(o, day_mg) for o, day_mg in intended if is_draft(o)], context.today)
    draft_pulses = [(o, days) for o, days in pulses if is_draft(o)]
    alone_too_long = any(days > p["max_pulse_days"] for days, _ in dose_basis.back_to_back(draft_pulses,
                                                                                          context.today))
    alone_over = bool(critical or warning) or alone_too_long or limit_passed(alone) is not None
    # a draft whose mg on a day is not read, or with no frequency (one dose counted): what the drafts give alone is
    # then only the least
    alone_at_least = any(_one_dose_only(d) or not any(d.order is o for o, _ in intended)
                         for d in doses if is_draft(d.order))
    # consecutive days at a pulse dose, across orders given back to back (two 3-day courses are 6 days), after the
    # days already given on the chart
    given, given_unread, _ = _pulse_days_on_chart(record, chart, kg, high_mg)
    counted_on_chart: list[MedicationOrder] = []  # chart orders whose days made a run too long
    counted_before = Run(None, 0)  # the chart's pulse days before the drafts that made a run too long (the first)
    for days, run in dose_basis.back_to_back(pulses, context.today):
        run_drafts = [o for o in run if is_draft(o)]
        if not run_drafts:  # the chart's own pulse, not the drafts'
            continue
        first = dose_basis.draft_start(run[0], context.today)
        before, before_orders = _run_through(given, first - timedelta(days=1), context.today, high_mg)
        if days + before.days <= p["max_pulse_days"]:
            unchecked += [f"{o.label} (on the chart, given until {last}): {what}, so its days could not be "
                          f"counted towards the {p['max_pulse_days']:g}-day limit"
                          for o, last, what in given_unread if last >= first - timedelta(days=1)]
            continue
        high = max(day_mg for order, day_mg in intended if any(order is o for o in run))
        beside = [o for o in run if not is_draft(o)]
        if not beside and not before.days:
            who = (f"{run[0].label}:" if len(run) == 1 else
                   f"{len(run)} drafts given back to back give up to")
            warning.append(f"{who} {mg(high)}/day for {days} consecutive days {limit}.")
            continue
        counted_on_chart += [*before_orders, *beside]
        counted_before = counted_before if counted_before.days else before
        who = run_drafts[0].label if len(run_drafts) == 1 else f"{len(run_drafts)} drafts given back to back"
        added = [f"after {days_text(before.days)} at a pulse dose on the chart from {before.first} "
                 f"({', '.join(dict.fromkeys(o.label for o in before_orders))})"] if before.days else []
        added += [f"with {o.label} on the chart going on beside {'it' if len(run_drafts) == 1 else 'them'}"
                  for o in beside]
        warning.append(f"{who}, {' and '.join(added)}: up to {mg(high)}/day for {days + before.days} "
                       f"consecutive days {limit}.")
    facts["pulse_days_on_chart"] = "; ".join(
        f"{o.label}: {mg(day_mg)}/day, {start} to {end}" for o, start, end, day_mg in given
        if any(o is c for c in counted_on_chart)) or None
    # the orders read are added up; with one not read (a draft's too) they are the least given on that day
    if (len(intended) > 1 or (unread and intended)) and not over_on_its_own:
        # orders given on different days (a second course after the first) are not added up
        together, on_day = dose_basis.most_on_one_day(intended, context.today)
        with_chart = any(not is_draft(o) for o in on_day)
        drafts_in_it = len([o for o in on_day if is_draft(o)]) or len(drafts)
        who = (("Together with the order on the chart, " + ("the draft gives" if drafts_in_it == 1 else
                                                           "the drafts give"))
               if with_chart else "Together the drafts give")
        across = "with the order on the chart" if with_chart else f"across {len(on_day)} drafts"
        # an order with no frequency counts one dose on its day: the total is then the least given too
        one_dose = [f"{d.order.label}, its {why_no_frequency(d.order)}" for d in doses
                    if _one_dose_only(d) and any(d.order is o for o in on_day)]
        least, uncounted = (("at least ", " (not counting what could not be read)") if unread else
                            ("at least ", f" (one dose counted for {'; '.join(one_dose)})") if one_dose else ("", ""))
        if together > cap + EPS:
            critical.append(f"{who} {least or 'up to '}{mg(together)} on a day they are all given{uncounted}, above "
                            f"{mg(cap)}/day.")
            short.append(f"{least}{mg(together)}/day {across}, above the {mg(cap)}/day maximum")
        elif child and weight and together / weight.value > child_cap + EPS:
            together_kg = together / weight.value
            critical.append(f"{who} {least or 'up to '}{together_kg:.1f} mg/kg on a day they are all given in a "
                            f"child{uncounted}, above {child_cap:g} mg/kg/day.")
            short.append(f"{least}{together_kg:.1f} mg/kg/day {across} in a child, above {child_cap:g} mg/kg/day")
    facts["drafts"] = "; ".join(f"{label}: {how}" for label, how in described)
    facts["ivmp_on_chart"] = "; ".join(f"{o.label}: {how}{chart.note(o)}" for o, how in stop) or None
    facts.update(chart.facts())
    facts["unreadable"] = "; ".join(unread) or None
    facts["findings"] = " ".join(critical + warning) or None
    # chart orders a draft rewrites with no link: still active once it is signed, so what all give is said
    left, left_kept = chart.left_active_doses(kg)

    def on_a_day(read: list[DraftDose]) -> tuple[list[tuple[MedicationOrder, float | None]], list[MedicationOrder]]:
        """Each order's mg on a day it is given (None when its dose is not read, or written per kg with no weight),
        and those counted at one dose (no frequency)."""
        return ([(d.order, None if d.problem else _day_amount(d, kg)[0]) for d in read],
                [d.order for d in read if _one_dose_only(d)])

    amounts, one_dose_only = on_a_day([*doses, *left])
    left_amounts = amounts[len(doses):]
    # on the day all give the most, every order counted (one whose mg on a day is not read: said as not counted)
    left_line = continuing.left_active_line(
        left_kept, amounts, context.today,
        drafts=drafts, named=lambda total, _: f"{mg(total)}/day", over=limit_passed,
        minimum=one_dose_only) if left else None
    as_needed = chart.as_needed_line(kg)  # methylprednisolone all the same, though no scheduled dose of it adds up
    if not critical and not warning:
        # what was read with the orders left active passing a limit is said, whatever could not be read
        not_judged = "; ".join(unread + unchecked) or None
        if not_judged and not (left_line and left_line.over):
            return NotEvaluable(not_judged, facts)
        within = "IV methylprednisolone within the pulse limits" + (" with the order on the chart" if stop else "")
        if left_line:
            return continuing.left_active_warning(
                left_kept, drug="Methylprednisolone",
                drafted=continuing.least_given(f"{mg(alone)}/day" if any(is_draft(o) for o, _ in intended)
                                               else None, alone_at_least),
                on_chart=[f"{mg(amount)}/day" if amount is not None else d.how_given()
                          for d, (_, amount) in zip(left, left_amounts, strict=True)],
                findings=["Ordered: " + "; ".join(f"{label}, {how}" for label, how in described) + ".",
                          *filter(None, [as_needed]), left_line.text,
                          *([WEIGH_THE_CHILD] if weightless_child else [])],
                judged=within, facts=facts, about=drafts, not_read=not_judged, unchecked=left_line.unchecked,
                keep=not weightless_child)
        return Quiet(within, facts)

    severity: Severity = "critical" if critical else "warning"
    # what cancelling the drafts leaves on the chart: what it gives on the day it gives the most, and its pulse days
    kept, kept_one_dose = on_a_day([dose_basis.read_dose(o, kg) for o in chart.kept_if_cancelled])
    leaves = continuing.Leaves.of(
        kept, context.today, named=lambda total, _: f"{mg(total)}/day", over=limit_passed, part_counted=kept_one_dose)
    pulse_left = _pulse_left(record, chart, kg, high_mg, p["max_pulse_days"])
    # cancelling the drafts alone, within the limits, is the way out (every order read): never for a child with no
    # weight. It is then the drafts beside the chart's orders, or after the pulse days already given, that are wrong;
    # never said of the least the drafts give (one not all read)
    cancel_or_keep = (leaves.within and not pulse_left and not weightless_child and not alone_over
                      and not alone_at_least)
    # the pulse days given up to today, which a new pulse from today runs on from
    given_by_today, _ = _run_through(given, context.today - timedelta(days=1), context.today, high_mg)
    # the warning counted the chart's pulse days before the drafts, or a new pulse offered instead would run too long
    # after those given
    after_given = bool(counted_before.days) or (not cancel_or_keep
                                                and given_by_today.days + PULSE_DAYS > p["max_pulse_days"])
    # what cancelling leaves is said only where cancelling could be the way out (else the pulse offered instead stops
    # every chart order)
    said = not alone_over or after_given
    findings = [*critical, *warning, *([chart.going_on(stop)] if stop else []), *filter(None, [as_needed]),
                *([left_line.text] if left_line else []),
                *([*filter(None, [leaves.finding()]), *(line for _, line in pulse_left)] if said else [])]
    pulse = (child_pulse(context, child_cap, cap, weight) if child and weight is not None else None)
    delete = [Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in drafts]
    if after_given and not weightless_child:
        # what cancelling leaves is stopped where not within: only the pulses too long where its daily total is within
        too_long = {id(o.raw) for o, _ in pulse_left}
        ended = [(o, how) for o, how in chart.to_stop(sent, stop) if not leaves.within or id(o.raw) in too_long]
        also = ("" if not ended else "discontinue the IV methylprednisolone on the chart" if not leaves.within
                else "discontinue the pulses on the chart" if len(ended) > 1 else "discontinue the pulse on the chart")
        stays = " (the order on the chart stays active)" if chart.kept_if_cancelled and not ended else ""
        # no pulse day before today (today's may not be given yet): the days the warning counted are still to come
        which, shown, yet = (("already given", given_by_today, "") if given_by_today.days else
                             ("on the chart", counted_before, ", none given before today"))
        suggestions = [Suggestion(f"Cancel the draft{f' and {also}' if also else ''}: the pulse {which} counts",
                                  [*delete, *continuing.discontinue(ended)], is_recommended=True)]
        advice = (f"The pulse days {which} count ({days_text(shown.days)} from {shown.first}{yet}): **cancel the "
                  f"draft**{f', {also}' if also else stays} and go on with oral {oral_after_pulse(child)}, or keep "
                  f"the whole pulse within {p['max_pulse_days']:g} days.")
    elif cancel_or_keep:
        suggestions, advice = continuing.cancel_or_discontinue_advised(delete, [*stop, *left_kept])
    else:
        # the replacement stops the chart's orders too: beside them, the new pulse would add up again
        remove = [*delete, *continuing.discontinue(chart.to_stop(sent, stop))]
        largest = max((day_mg for o, day_mg in intended if is_draft(o)), default=None)
        suggestions = _suggestions(context, remove, child, pulse, largest)
        if pulse is not None and weight is not None:
            advice = (f"Suggested instead: methylprednisolone **{child_cap:g} mg/kg/day (maximum {mg(cap)}) = "
                      f"{mg(pulse.dose.mg)}** IV daily for 3 days (on {weight.describe('kg')}, {pulse.dose.how}).")
        elif child:
            advice = WEIGH_THE_CHILD
        else:
            advice = "Suggested instead: methylprednisolone **1,000 mg (or 500 mg) IV once daily for 3 days**."
    if critical:
        over = any("no current weight" not in c for c in critical)
        headline = ("IV methylprednisolone above the maximum pulse dose." if over else
                    "IV methylprednisolone written per kg with no current weight: the dose cannot be checked.")
        summary = f"IV methylprednisolone: {short[0]}"
    else:
        headline = "IV methylprednisolone pulse to review."
        summary = ("IV methylprednisolone ordered per kg in an adult: use a fixed 500-1,000 mg dose"
                   if mg_per_kg_adult_ok else f"IV methylprednisolone >= {mg(high_mg)}/day for more than "
                   f"{p['max_pulse_days']:g} days"
                   + (" with the pulse on the chart" if counted_on_chart else "") + ": pulses run 3-5 days")
    return Fired(
        severity=severity,
        summary=summary[:139],
        detail=DETAIL.format(headline=headline, findings=" ".join(findings), advice=advice,
                             unread=("\n\nNot read: " + "; ".join(unread + unchecked) + ".")
                             if unread or unchecked else ""),
        facts=facts,
        about=drafts,
        suggestions=suggestions,
        selection="at-most-one",
    )


def _monitoring(context: HookContext) -> list[Action]:
    glucose = orders.service_request(context.patient_id, orders.lab_concept(
        context.valuesets, "glucose_capillary", "41653-7",
        text="Capillary blood glucose four times a day during methylprednisolone pulses"))
    bp = orders.service_request(context.patient_id, orders.procedure_concept(
        context.valuesets, "blood_pressure", "85354-9",
        text="Blood pressure before and after each methylprednisolone infusion"))
    return [Action("create", "Capillary glucose QID during pulses", resource=glucose),
            Action("create", "Blood pressure with each infusion", resource=bp)]


def _suggestions(context: HookContext, remove: list[Action], child: bool, pulse: ChildOrder | None,
                 intended: float | None) -> list[Suggestion]:
    """The pulse offered instead, each with ``remove`` (the drafts cancelled, the chart's orders stopped); for an
    adult, 500 mg recommended when the largest draft (``intended``, mg a day) is nearer it than 1 g."""
    if child:
        if pulse is None:  # no current weight: no child's dose
            return []
        dose = mg(pulse.dose.mg)
        return [Suggestion(f"Replace with methylprednisolone {dose} IV daily x3 (by weight, {pulse.dose.how})",
                           [*remove, Action("create", f"Methylprednisolone {dose} IV daily x3",
                                            resource=pulse.resource), *_monitoring(context)], is_recommended=True)]

    def fixed(dose: int, recommended: bool) -> Suggestion:
        return Suggestion(f"Replace with methylprednisolone {mg(dose)} IV daily x3",
                          [*remove, Action("create", f"Methylprednisolone {mg(dose)} IV daily x3",
                                           resource=pulse_order(context, dose, oral_after_pulse(child=False))),
                           *_monitoring(context)], is_recommended=recommended)

    prefer_500 = intended is not None and intended <= 750
    return [fixed(1000, not prefer_500), fixed(500, prefer_500)]
