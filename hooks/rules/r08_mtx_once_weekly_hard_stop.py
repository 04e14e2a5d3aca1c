"""R08: a non-oncologic methotrexate order must be once weekly on a named day (hard stop otherwise).

Accidental daily methotrexate is a classic fatal prescribing error (ISMP, IMSN). The draft is read from its
structured timing (repeat, dayOfWeek, code), its PRN flag and its free-text instructions; anything more often than
once every 7 days, a PRN or "x N days" course, or a weekly order with no named weekday, stops the order. Drafts
signed together, and the methotrexate already on the chart that a draft does not replace, add up. A chart order
replaced only by being written again, with no link, is still on the chart once the draft is signed: a card says
what both would give together, and its replacement order discontinues it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import continuing
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.continuing import OnChart
from hooks.definitions.dose_basis import dose_days, mg, text_clauses, text_frequency, weekdays_named
from hooks.definitions.routes import route_of, route_says_iv
from hooks.dosing import Amount, dose_days_per_day, dose_per_administration, round_to, timing_written
from hooks.record import WEEKDAY_NAMES, WEEKDAYS, Concept, Dosage, MedicationOrder, PatientRecord, Timing
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import IMSN_BP3, ISMP_MTX, SEED_003, SEED_004

RULE = Rule(
    id="mtx-once-weekly-hard-stop",
    number=8,
    title="Methotrexate must be once weekly on a named day",
    hooks=("order-sign",),
    severities=("critical",),
    summary="Hard stop on a non-oncologic methotrexate order that is more often than weekly, PRN, a daily "
            "course, or weekly with no named day.",
    sources=(ISMP_MTX, IMSN_BP3, SEED_003, SEED_004),
    parameters={
        "min_interval_days": Param(7, "days", "Non-oncologic methotrexate may not be given more often than this."),
        "max_supply_days": Param(28, "days", "Days' supply on the corrected order (ISMP: at most 4 weeks)."),
        "max_kept_dose_mg": Param(25, "mg/week", "The corrected order keeps the draft's dose only up to this; above "
                                  "it the dose is re-entered (R09 flags more).",
                                  at_most="mtx-weekly-dose-range.warning_above_mg_week"),
    },
    override_family="methotrexate-frequency",
)

ONCOLOGY_GROUP = "malignancy"
SIG_QUOTED_MAX = 160  # characters of a sig quoted in the card
_COURSE_IN_DAYS = re.compile(r"\b(x|for|times)\s*\d+\s*(days?|d)\b|\bdays?\s*\d+\s*(-|to)\s*\d+\b", re.I)
_PRN = re.compile(r"\b(prn|p\.r\.n\.?|as needed|when needed|as required|if needed)\b", re.I)


@dataclass(slots=True)
class Together:
    """Instructions (or drafts) given together: the weekdays they name, and the rate of those that name none."""

    days: list[str] = field(default_factory=list)
    unnamed_per_day: float = 0.0


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a schedule is not once weekly on a named day, said of the order: ``what`` heads the card ('is given once
    daily': "methotrexate is given once daily"), ``more`` follows it in the detail (' (more often than once every 7
    days)')."""

    what: str
    more: str = ""

    def __str__(self) -> str:
        return self.what + self.more


@dataclass(slots=True)
class Schedule:
    """What a methotrexate draft says about how often it is given, and why it is (or is not) safe."""

    per_day: float | None = None
    described: str = "not stated"
    weekday: str | None = None
    problems: list[Problem] = field(default_factory=list)
    together: Together = field(default_factory=Together)  # the instructions given first


def _no_frequency(timing: Timing, text: str | None) -> Problem:
    """Why an instruction gives no frequency that was read, saying what it does write: a timing that writes one
    that cannot be read (a negative frequency, a period of 0 or with no unit, a code not known), or instructions
    with none read (an unusual phrase may still give one); 'with no frequency given' only where nothing is
    written."""
    written = timing_written(timing)
    if written:
        return Problem("is ordered with a frequency that cannot be read",
                       f" (timing: {written}" + (f"; instructions: {_quoted(text)})" if text else ")"))
    if text:
        return Problem("is ordered with no frequency that could be read from the instructions", f" ({_quoted(text)})")
    return Problem("is ordered with no frequency given")


def _quoted(text: str | None) -> str:
    """The instructions in quotes, cut short: a sig pasted whole (a page of free text) would bury the hard stop."""
    text = text or ""
    return f"'{text}'" if len(text) <= SIG_QUOTED_MAX else f"'{text[:SIG_QUOTED_MAX - 1]}…'"


def _days_a_week(*parts: Together) -> float:
    """Days a week methotrexate is taken under ``parts`` together: a split dose on one named day is one day (and
    not a problem); a weekly instruction without a named day counts as a day of its own; a week has 7 (daily and
    Monday is every day)."""
    return min(7.0, len({d for part in parts for d in part.days}) + 7 * sum(part.unnamed_per_day for part in parts))


def read_schedule(order: MedicationOrder, min_interval_days: float) -> Schedule:
    """How often the draft gives methotrexate, from every dosage instruction (structured timing and text).

    Instructions with the same sequence (or none) are given together, so their administrations add up: seven
    'weekly' instructions, one per weekday, are a daily order. Numbered instructions are steps given one after
    another only when their bounds lay them out so (``order.steps``); otherwise nothing says the second waits for
    the first, so all are taken as given together (sequence 1 on Monday and 2 on Thursday: twice a week)."""
    schedule = Schedule()
    weekly_limit = 1 / min_interval_days + 1e-9
    together: dict[int | None, Together] = {}  # sequence -> its instructions
    for dosage in order.dosages or (Dosage(None, Timing(), None, None, False),):
        timing = dosage.timing
        text = text_clauses(dosage.text)  # without folate instructions and negations
        structured = dose_days_per_day(timing)  # a dose split over times of one day is one day (R09 adds it up)
        from_text = text_frequency(text) if text else None
        # the timing's, else the text's: as continuing's rewrite test reads it
        per_day = dose_days(dosage, text)
        if structured is not None:
            schedule.described = _describe_per_day(structured)
        elif from_text is not None:
            schedule.described = _quoted(dosage.text)
        if per_day is not None:
            schedule.per_day = max(schedule.per_day or 0, per_day)
        if per_day is not None and per_day > weekly_limit:
            schedule.problems.append(Problem(f"is given {_describe_per_day(per_day)}",
                                             f" (more often than once every {min_interval_days:g} days)"))
        if from_text is not None and structured is not None and from_text.per_day > weekly_limit >= structured:
            schedule.problems.append(Problem(f"is timed {_describe_per_day(structured)}, but its instructions say "
                                             f"'{from_text.phrase}'"))
        # the weekdays of the timing and of the text's frequency phrases together: 'every Monday' timed, '... and
        # every Thursday' typed; with none, any weekday the text names ("15 mg once weekly on Monday")
        named = weekdays_named(timing, text)
        if dosage.as_needed or _PRN.search(text or ""):
            schedule.problems.append(Problem("is ordered as needed", " (PRN)"))
        if _COURSE_IN_DAYS.search(text or ""):
            schedule.problems.append(Problem("is written as a course of consecutive days"))
        # '1 per 0 weeks' and '0 per week' are read as once a week, but neither bounds anything
        if per_day is None or timing.period == 0 or timing.frequency == 0:
            schedule.problems.append(_no_frequency(timing, dosage.text))
        group = together.setdefault(dosage.sequence if order.steps else None, Together())
        group.days += [d for d in named if d not in group.days]
        if not named:
            group.unnamed_per_day += per_day or 0.0
        schedule.weekday = schedule.weekday or (named[0] if named else None)
    for group in together.values():
        days = _days_a_week(group)
        if len(group.days) > 1:
            schedule.problems.append(Problem(f"is ordered on {len(group.days)} named days a week",
                                             f" ({', '.join(WEEKDAY_NAMES.get(d, d) for d in group.days)})"))
        elif days > 7 / min_interval_days + 1e-9:
            schedule.problems.append(Problem(f"is given on {days:g} days a week in all",
                                             " (instructions given together)"))
    first = None if None in together else min(sequence for sequence in together if sequence is not None)
    schedule.together = together[first]
    if schedule.weekday is None:
        schedule.problems.append(Problem("is ordered with no day of the week named"))
    schedule.problems = list(dict.fromkeys(schedule.problems))
    return schedule


def _given_together(checked: list[tuple[MedicationOrder, Schedule]], on_chart: list[tuple[MedicationOrder, Schedule]],
                    chart: OnChart, min_interval_days: float) -> bool:
    """Drafts signed together, and the chart's current methotrexate that no draft replaces, add up: two
    once-weekly orders on different days are methotrexate twice a week (two strengths on the same day are one weekly
    dose). The problem goes on the first draft (after its own), which the card then offers to cancel with the
    other drafts. True when they do."""
    if not checked or len(checked) + len(on_chart) < 2:
        return False
    days = _days_a_week(*(schedule.together for _, schedule in (*checked, *on_chart)))
    if days <= 7 / min_interval_days + 1e-9:
        return False
    # (what the card's headline names, what follows it)
    others = checked[1:]
    parts = ([(f"the other methotrexate draft{'s' if len(others) > 1 else ''} signed with it",
               f" ({', '.join(o.label for o, _ in others)})")] if others else [])
    if on_chart:
        parts.append((f"the order{'s' if len(on_chart) > 1 else ''} already on the chart",
                      f" ({_described(on_chart, chart)}), which stays active"))
    checked[0][1].problems.append(Problem(f"is given on {days:g} days a week together with {parts[0][0]}",
                                          parts[0][1] + "".join(f" and {who}{more}" for who, more in parts[1:])))
    return True


def _described(pairs: list[tuple[MedicationOrder, Schedule]], chart: OnChart) -> str:
    """'methotrexate 2.5 MG Oral Tablet, once weekly on Monday; ...' for the card, each chart order with what
    ``chart`` notes of it ('(on hold)')."""
    return "; ".join(f"{order.label}, {_how(schedule)}{chart.note(order)}" for order, schedule in pairs)


def _how(schedule: Schedule) -> str:
    """'once weekly on Monday'."""
    return schedule.described + (f" on {WEEKDAY_NAMES[schedule.weekday]}" if schedule.weekday in WEEKDAY_NAMES
                                 else "")


def _per_administration(order: MedicationOrder) -> Amount | None:
    """The mg each administration of the order's first instruction gives, read with no weight or BSA
    (:func:`hooks.dosing.dose_per_administration`); None when that cannot be read or there is no instruction."""
    return dose_per_administration(order.dosage, order.medication) if order.dosage else None


def _mg_per_administration(order: MedicationOrder) -> float | None:
    """:func:`_per_administration` in mg; None when it cannot be read."""
    amount = _per_administration(order)
    return amount.mg if amount is not None else None


def _describe_per_day(per_day: float) -> str:
    if per_day >= 1 - 1e-9:  # seven weekly instructions add up to 0.999...
        return {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}.get(
            round(per_day), f"{per_day:g} times a day")
    every = 1 / per_day
    if abs(every - 7) < 0.01:
        return "once weekly"
    if abs(every - round(every)) < 0.01:
        return f"every {round(every)} days"
    per_week = round(per_day * 7, 2)
    return {2.0: "twice a week", 3.0: "three times a week"}.get(per_week, f"{per_week:g} times a week")


def oncology_indication(order: MedicationOrder) -> str | None:
    """The order's own reason, when it is a cancer: the only thing that exempts it (the rules table: "indication
    not in the oncology value set"). A cancer on the problem list does not say why this methotrexate was ordered:
    a daily order for arthritis or myositis in a patient with cancer must still stop; the clinician overrides
    with the oncologic-indication reason when it is chemotherapy."""
    reason = next(iter(_cancer_reasons(order, coded=True)), None)
    return f"order reason {reason.label}" if reason is not None else None


def _cancer_reasons(order: MedicationOrder, *, coded: bool) -> list[Concept]:
    """The order's reasons in the oncology value set by their code (``coded``), or only by a cancer word in their
    names: "Cancer-associated myositis" or "malignancy screen negative" is no oncologic indication."""
    return [r for r in order.reasons if r.in_group(ONCOLOGY_GROUP) and r.matched_by_name is not coded]


def _route(order: MedicationOrder) -> str:
    """oral / sc / im from the draft's route, else its product's form (routes.route_of: an auto-injector or a
    vial is not swallowed); oral when neither says."""
    found = route_of(order)
    return found if found in ("sc", "im") else "oral"


def is_intravenous(order: MedicationOrder) -> bool:
    """The route says intravenous, by code (SNOMED CT or HL7 v3 'IVINF', 'IVPUSH'...) or in words. Unlike
    steroids.is_intravenous, an injectable product with no route is not taken as IV: methotrexate vials and
    auto-injectors for myositis go under the skin."""
    route = order.route
    if route is None:
        return False
    return route_says_iv(route)


def _weekday_of(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def _medication(order: MedicationOrder) -> dict[str, Any]:
    """The draft's drug for its replacement, rebuilt from what was read (the raw concept may carry a padded code
    or a vendor key that would fail validation and cost the hard stop its card)."""
    return orders.concept_of(order.medication, order.label)


DETAIL = """\
**Hard stop: methotrexate for a non-cancer indication is taken once a week, on one named day.**
Why this order ({order}) stops: {problems}.
Accidental daily methotrexate has caused fatal bone-marrow suppression, mucositis and liver and kidney failure.

{dose_line}
Write it as once weekly on a named day, dispense no more than {supply} days' supply, do a teach-back with the
patient (which day, how many tablets), and give folic acid 1 mg daily (the site may skip the methotrexate day).
Override only with a documented oncologic indication.{cancer}"""


def _out_of_scope(order: MedicationOrder) -> tuple[str, str] | None:
    """(fact, why) for an order this rule does not check: intravenous, or given for a coded cancer."""
    if is_intravenous(order):
        return "route", "intravenous (oncologic/high-dose protocols are out of scope)"
    why_oncology = oncology_indication(order)
    return ("oncology", why_oncology) if why_oncology else None


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    min_interval = params["min_interval_days"]
    sent = [o for o in context.drafts_in("methotrexate") if o.resource_type == "MedicationRequest"]
    # methotrexate given now goes on beside the drafts unless one of them replaces it or it ends before they start
    # (continuing.on_chart, as R06 and R09 read it); a draft that discontinues one of them gives no dose and names no
    # day. One given as needed may still be taken on its day: its days count
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, "methotrexate")
                                       if not _out_of_scope(o)], context.today, "methotrexate")
    drafts = chart.given
    facts: dict[str, Any] = {"methotrexate_drafts": ", ".join(o.label for o in drafts) or None}
    if not drafts:
        return Quiet("no methotrexate draft order", facts)
    checked: list[tuple[MedicationOrder, Schedule]] = []
    for order in drafts:
        if skipped := _out_of_scope(order):
            facts[f"{order.id}_{skipped[0]}"] = skipped[1]
            continue
        schedule = read_schedule(order, min_interval)
        facts[f"{order.id}_schedule"] = f"{schedule.described}; day {schedule.weekday or 'none'}"
        checked.append((order, schedule))
    on_chart = [(o, read_schedule(o, min_interval)) for o in chart.beside]
    facts["methotrexate_on_chart"] = _described(on_chart, chart) or None
    facts.update(chart.facts())
    drafts_fine = not any(schedule.problems for _, schedule in checked)  # each draft on its own
    together = _given_together(checked, on_chart, chart, min_interval)
    unsafe = [(order, schedule) for order, schedule in checked if schedule.problems]
    if not unsafe:
        if not checked:  # every draft out of scope: say which way, never that it was found once weekly
            return Quiet("no methotrexate draft this rule checks: "
                         + "; ".join(f"{o.label}: {why[1]}" for o in drafts if (why := _out_of_scope(o))), facts)
        return Quiet("every methotrexate draft checked is once weekly on a named day"
                     + (" (the others are out of scope: intravenous or oncologic)" if len(checked) < len(drafts)
                        else ""), facts)

    order, schedule = unsafe[0]
    facts["problems"] = "; ".join(map(str, schedule.problems))
    amount = _per_administration(order)
    facts["dose_per_administration_mg"] = amount.mg if amount else None
    day = schedule.weekday or _weekday_of(order.start or context.today)
    route = _route(order)
    route_label = {"oral": "PO", "sc": "SC", "im": "IM"}[route]
    supply = int(params["max_supply_days"])
    # every draft that makes it more than weekly goes: cancelling one of two leaves the other beside the new order
    # (when they add up, the problem is on the first draft checked, which is then the first unsafe one)
    cancelled = checked if together else [(order, schedule)]
    # chart orders a draft rewrites with no link stay active once it is signed: said, and stopped by the replacement
    left = [(o, _how(read_schedule(o, min_interval))) for o, _ in chart.left_active]
    # with the dose both would give each time: each order left active and the drafts that rewrite it, on the day
    # they give the most
    each_time = [(o, _mg_per_administration(o)) for left_order, chain in chart.left_active
                 for o in (left_order, *chain)]
    left_line = (" " + continuing.left_active_line(left, each_time, context.today, drafts=drafts,
                                                   named=lambda total, _: f"{mg(total)} a dose").text) if left else ""
    described = {id(o): _how(s) for o, s in on_chart} | {id(o): how for o, how in left}
    # what a replacement stops on the chart: every order beside the drafts (one as needed still counts its day),
    # and every order a draft replaces but does not re-send (cancelling the draft does not stop it)
    stop = [(o, described[id(o)]) for o in chart.as_needed] + chart.to_stop(
        sent, [(o, described[id(o)]) for o in chart.scheduled])
    # chart orders beside the drafts that are themselves not once weekly on a named day (a daily home medication)
    chart_unsafe = [schedule.problems[0].what for _, schedule in on_chart if schedule.problems]
    cancel = [Action("delete", f"Cancel {o.label} ({s.described})", resource_id=o.reference) for o, s in cancelled]
    folate_on_file = continuing.in_place(record, context, "folic_acid")
    folic = orders.medication_request(context.patient_id, orders.concept(context.valuesets, "folic_acid", "folic acid"),
                                      1, "mg", text="Folic acid 1 mg by mouth once daily")
    folic_actions = [] if folate_on_file else [Action("create", "Folic acid 1 mg PO daily", resource=folic)]
    suggestions: list[Suggestion] = []
    dose = round_to(amount.mg, 0.5) if amount is not None else None
    child = is_paediatric(record, context)  # a child's weekly dose goes by body surface area (R32): re-entered
    # the chart orders going on beside the drafts, named (not those read as replaced, said by left_line)
    beside = [(o, described[id(o)]) for o, _ in on_chart]
    not_replaced = chart.going_on(beside) if beside else ""
    if together and on_chart and drafts_fine:
        # each draft is once weekly on a named day: it is the pairing with the chart's order that is wrong. A chart
        # order that is itself not once weekly is what goes; else nothing says the draft replaces it, so it does
        if chart_unsafe:
            dose_line = (f"{not_replaced} On its own, the methotrexate on the chart {' and '.join(chart_unsafe)}: "
                         "**discontinue it** and keep the once-weekly draft; cancelling the draft would leave it.")
        else:
            dose_line = (f"{not_replaced} **Cancel the draft**, or, if it is meant to replace that order, "
                         "discontinue the order on the chart when you sign it.")
        # keeping the draft stops the orders left active too: beside it, they would still be given
        suggestions += continuing.cancel_or_discontinue([*cancel, *folic_actions], beside + left,
                                                        chart_alone=("it " + " and ".join(chart_unsafe)
                                                                     if chart_unsafe else None))
    elif together and on_chart and not chart_unsafe:
        # a new weekly order beside the one being given would still be twice a week: the draft is cancelled only
        dose_line = (f"{not_replaced} **Cancel the draft**; if it is meant to replace that order, stop the order on "
                     "the chart first.")
        suggestions.append(Suggestion(f"Cancel the methotrexate draft{'s' if len(cancel) > 1 else ''}: the order "
                                      "on the chart stays active",
                                      [*cancel, *folic_actions], is_recommended=True, rewrites=True))
    elif amount is not None and dose is not None and dose <= params["max_kept_dose_mg"] and not child:
        weekly = orders.medication_request(
            context.patient_id, _medication(order), dose, "mg", route=route, frequency=1, period=1, period_unit="wk",
            day_of_week=day, supply_days=supply,
            text=f"Methotrexate {dose:g} mg {route_label} ONCE WEEKLY on {WEEKDAY_NAMES[day]} only",
            note=f"Once weekly on {WEEKDAY_NAMES[day]}. Teach-back: have the patient state the weekly day and dose. "
                 f"Dispense at most {supply} days' supply.")
        # '6 x 2.5 mg = 15 mg', but '15 mg' alone where that is how it was written
        worked_out = "" if amount.basis == f"{amount.mg:g} mg" else f"{amount.basis} = "
        dose_line = (f"The dose per administration on the draft is {worked_out}{amount.mg:g} mg; the "
                     f"replacement keeps **{dose:g} mg once a week** (never the daily doses added up). Check that "
                     f"this is the intended weekly dose." + (" It also discontinues the methotrexate on the chart: "
                                                             "beside it, the weekly order would add up." if on_chart
                                                             else ""))
        suggestions.append(Suggestion(
            f"Replace with methotrexate {dose:g} mg {route_label} once weekly on {WEEKDAY_NAMES[day]}"
            + ("" if folate_on_file else " + folic acid 1 mg daily"),
            [*cancel, *continuing.discontinue(stop),
             Action("create", f"Methotrexate {dose:g} mg {route_label} once weekly on {WEEKDAY_NAMES[day]}",
                    resource=weekly), *folic_actions], is_recommended=True))
    else:
        # a replacement must not carry a dose above the weekly range (seed 003's "25-50 mg/week") into a new order
        dose_line = ("The dose on the draft could not be read: **re-enter the dose** (mg per weekly dose) when "
                     "you write the once-weekly order." if dose is None else
                     "In a child the weekly dose goes by body surface area: **re-enter the weekly dose** (see the "
                     "children's dose limits)." if child else
                     f"The dose per administration on the draft is {dose:g} mg, above the "
                     f"{params['max_kept_dose_mg']:g} mg/week this card will carry into a new order: **re-enter the "
                     "weekly dose** (adults start at 15 mg and titrate to 20-25 mg/week).")
        suggestions.append(Suggestion("Cancel this order and re-enter methotrexate once weekly on a named day"
                                      + (", discontinuing the methotrexate on the chart" if stop else ""),
                                      [*cancel, *continuing.discontinue(stop), *folic_actions], is_recommended=True,
                                      rewrites=True))
    cancer = record.conditions_in(ONCOLOGY_GROUP, active_only=True)
    facts["active_cancer"] = cancer[0].code.label if cancer else None
    in_words = _cancer_reasons(order, coded=False)
    facts["reason_naming_cancer_in_words"] = in_words[0].label if in_words else None
    notes = ((f" The order's reason ({in_words[0].label}) names a cancer only in words, not by a code in the "
              "oncology value set, so it does not exempt the order." if in_words else "")
             + (f" An active cancer is on the problem list ({cancer[0].code.label}): if this is chemotherapy, "
                "override with that indication, or give the cancer's code as the order's reason." if cancer else ""))
    # a sentence whole, never cut: the rule's reminder goes first where the card has no room for it
    headline = f"HARD STOP: methotrexate {schedule.problems[0].what}."
    summary = first_fitting([f"{headline} For a non-cancer indication, give it once weekly on one named day.",
                             f"{headline} Give it once weekly on one named day.", headline,
                             "HARD STOP: methotrexate is not ordered once weekly on one named day."])
    return Fired(
        severity="critical",
        summary=summary,
        detail=DETAIL.format(order=order.label, problems="; ".join(f"it {p}" for p in schedule.problems),
                             dose_line=dose_line + left_line, supply=supply, cancer=notes),
        facts=facts,
        about=[o for o, _ in cancelled],
        suggestions=suggestions,
        selection="at-most-one",
    )
