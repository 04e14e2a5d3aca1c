"""R17: IMNM still active after IVIG (>= 3 cycles over >= 90 d) and/or rituximab (>= 120 d ago): next line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, courses, diagnosis, escalation, lab_orders, steroids
from hooks.definitions import treatment_duration as td
from hooks.definitions.routes import systemic
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ENMC_224, PINAL_FERNANDEZ_2018, SEED_000, SEED_001, SEED_003

RULE = Rule(
    id="imnm-refractory-next-line",
    number=17,
    title="Refractory IMNM: next line of therapy",
    hooks=("patient-view",),
    needs=("patient", "conditions", "observations", "medications", "immunizations"),
    severities=("info",),
    also_reads=("procedures",),
    summary="IMNM with an inadequate CK response despite IVIG for 90 days (3 cycles) and/or rituximab given 120 "
            "days or more ago.",
    sources=(ENMC_224, PINAL_FERNANDEZ_2018, SEED_000, SEED_001, SEED_003),
    parameters={
        "min_ivig_days": Param(90, "days", "Days since the first IVIG cycle of the current course before IVIG "
                                           "counts as tried."),
        "min_ivig_cycles": Param(3, "cycles", "IVIG cycles of the current course given before IVIG counts as tried."),
        "ivig_recent_days": Param(60, "days", "IVIG given this recently is still in use, as is a course whose next "
                                              "cycle is not yet overdue (an earlier stop is R15's case)."),
        "min_rituximab_days": Param(120, "days", "Days since the first rituximab dose before it counts as tried."),
        "ck_max_age_days": Param(30, "days", "The latest CK must be this recent (else not evaluable, and R22 asks "
                                           "for a CK)."),
        "mri_recent_days": Param(180, "days", "A thigh MRI this recent is not suggested again."),
    },
)

DETAIL = """\
{headline} {tried}. {ck_line} Confirm with a strength examination (MMT-8).

**Next step{if_still_active} ({subtype_words}):** {next_step}
{then}

Before escalating, reconsider the diagnosis (a limb-girdle muscular dystrophy can mimic IMNM; review the biopsy
and consider genetic testing) and separate activity from damage: MRI of the thighs with STIR (oedema = active
disease) and T1/fat-fraction sequences (fatty replacement = damage that immunosuppression will not reverse).
{mri}"""

# The third line (spec R17), as the card names it. The spec sets no trial length for either: each is in progress
# for as long as it is given
THIRD_LINE = {"tacrolimus": "**tacrolimus** (trough 5-10 ng/mL)", "cyclophosphamide": "**cyclophosphamide**"}


class Arm(NamedTuple):
    """One second-line agent as the chart shows it in this episode (steroids.episode_start, as T_tx dates it: a
    course over before it belongs to another illness)."""

    tried: bool  # given for the spec's adequate trial, and still in use: the disease is refractory to it
    text: str | None  # what the chart says of it (None: never given)
    in_progress: str | None  # given now but not yet for an adequate trial: since when, and when the trial will be
    tried_before: bool = False  # given for an adequate trial earlier in this episode, and stopped: not the next step
    stopped_short: str | None = None  # given in this episode and stopped short of an adequate trial: what was given

    @property
    def had_trial(self) -> bool:
        """Given for an adequate trial in this episode, in use or not: never the next step to add."""
        return self.tried or self.tried_before


def _adequate_from(first: date, days: float) -> str:
    return (first + timedelta(days=int(days))).isoformat()


def _since(first: date | None, today: date) -> str:
    """Since when an agent is given, or that it is ordered to start later (courses.planned: current, no dose yet)."""
    if first is None:
        return "start date not on file"
    if first > today:
        return f"planned from {first.isoformat()}"
    return f"since {first.isoformat()} ({(today - first).days} days)"


def _stopped_by_order(orders: Sequence[MedicationOrder], last: date, today: date) -> str | None:
    """How the chart says an agent was stopped, or None: an order with status 'stopped' (FHIR: halted before all
    its doses were given) gave its last dose, and no order of it goes on (courses.not_over: given today or planned).
    A 'completed' order says nothing of the next dose: one IVIG cycle charted per order completes every cycle."""
    if any(courses.not_over(order, today) for order in orders):
        return None
    stopping = next((order for order in orders
                     if order.status == "stopped" and courses.last_dose_day(order, today) == last), None)
    if stopping is None:
        return None
    if courses.ended_before_its_end(stopping, today):
        return courses.ended_early_how(stopping)
    return "stopped before all its doses were given"


def _ivig_adequate_from(cycles: Sequence[date], last_given: date, params: Mapping[str, float]) -> date | None:
    """The day a course counts as an adequate trial, as a current course is judged (>= min_ivig_cycles, >=
    min_ivig_days since its first cycle, and in use then: given within ivig_recent_days), or None if it never
    does: too few cycles, or stopped too soon."""
    if len(cycles) < params["min_ivig_cycles"]:
        return None
    day = cycles[0] + timedelta(days=int(params["min_ivig_days"]))
    return day if day <= last_given + timedelta(days=int(params["ivig_recent_days"])) else None


def _ivig_course_words(cycles: Sequence[date], last_given: date, today: date) -> str:
    """A course that has stopped: its cycles, how long it ran and when it was last given (not said when that is
    today: an order stopped before its end date is read as given up to today, the day it stopped being unknown)."""
    first, last_cycle = cycles[0], cycles[-1]
    given = (f"1 cycle on {first.isoformat()}" if len(cycles) == 1 else
             f"{len(cycles)} cycle(s) from {first.isoformat()} to {last_cycle.isoformat()} "
             f"({(last_cycle - first).days} days)")
    if last_given >= today:
        return given
    return f"{given}, last given {last_given.isoformat()} ({(today - last_given).days} days ago)"


def _ivig_arm(record: PatientRecord, context: HookContext, params: Mapping[str, float], episode: date) -> Arm:
    # ">= 3 cycles over >= 90 days" is the current course's (R15: reassess after 3 cycles): the cycles of an earlier
    # course (IVIG stopped, restarted later) do not count toward this one. The break that ends a course is longer
    # than any maintenance interval, so spaced-out IVIG stays one course
    course = td.ivig_course(record, context)
    cycles, earlier, last = course.cycles, course.earlier, course.last
    if last is None:
        return Arm(False, None, None)
    today = record.today
    in_use = td.ivig_in_use(record, context, params["ivig_recent_days"]) is not None
    stopped = _stopped_by_order(record.medications_in("ivig"), last, today)
    going_on = in_use and stopped is None
    if not cycles:  # ordered to start later, or given with no start date: no cycle to count from
        planned = min((o.start for o in record.medications_in("ivig")
                       if o.start is not None and courses.planned(o, today)), default=None)
        if planned is not None:
            ordered = _since(planned, today)
            return Arm(False, f"IVIG: {ordered}", f"IVIG is {ordered}; its trial is adequate (>= "
                       f"{params['min_ivig_cycles']:g} cycles over >= {params['min_ivig_days']:g} days) from "
                       f"{_adequate_from(planned, params['min_ivig_days'])} at the earliest")
        given = f"no start date on file, last {last.isoformat()}"
        if going_on:
            return Arm(False, f"IVIG: {given}", f"IVIG is being given ({given}): when its trial is adequate cannot "
                                                "be told")
        return Arm(False, f"IVIG: {given}", None, stopped_short=None if last < episode else (
            f"IVIG was given in this episode ({given}) and has stopped: whether for an adequate trial cannot be told"))
    if not going_on:
        return _stopped_ivig_arm(course, stopped, in_use, params, context, today, episode)
    since = (today - cycles[0]).days
    text = (f"IVIG: {len(cycles)} cycle(s) since {cycles[0].isoformat()} ({since} days), last "
            f"{'ongoing (active order)' if last == today else last.isoformat()}")
    if last != today and course.next_due is not None:
        text += f", next cycle due {course.next_due.isoformat()} (every {course.interval} days)"
    if earlier:
        text += (f" (not counted: {len(earlier)} earlier cycle(s), {earlier[0].isoformat()} to "
                 f"{earlier[-1].isoformat()}, before a break of more than "
                 f"{context.definition('ivig_course_break_days'):g} days)")
    cycles_short = params["min_ivig_cycles"] - len(cycles)
    days_short = params["min_ivig_days"] - since
    if cycles_short <= 0 and days_short <= 0:
        return Arm(True, text, None)
    due = " and ".join(filter(None, (
        f"from {_adequate_from(cycles[0], params['min_ivig_days'])}" if days_short > 0 else None,
        f"after {cycles_short:g} more cycle(s)" if cycles_short > 0 else None)))
    return Arm(False, text, f"IVIG is in progress: {len(cycles)} cycle(s) since {cycles[0].isoformat()} ({since} "
                            f"days); its trial is adequate (>= {params['min_ivig_cycles']:g} cycles over >= "
                            f"{params['min_ivig_days']:g} days) {due}")


def _stopped_ivig_arm(course: td.IvigCourse, stopped: str | None, in_use: bool, params: Mapping[str, float],
                      context: HookContext, today: date, episode: date) -> Arm:
    """IVIG that has stopped: no longer in use, or stopped by its order. A course of this episode given for an
    adequate trial (judged as a current one is: :func:`_ivig_adequate_from`) was tried, and IVIG is not the next
    step; one stopped short of it is neither tried nor in progress (the card says what was given and leaves giving
    it again to the clinician). An adequate trial still counted as in use though its order stopped it is tried now,
    as before the stop."""
    cycles, last = course.cycles, course.last
    assert last is not None  # IVIG given: for mypy
    ending = stopped or "none since"
    text = f"IVIG: {_ivig_course_words(cycles, last, today)}, {ending}"
    adequate_from = _ivig_adequate_from(cycles, last, params)
    if in_use and adequate_from is not None and adequate_from <= today:
        return Arm(True, text, None)
    # the courses of this episode, oldest first: the earlier ones split at the break that ends a course, each last
    # given on its last cycle (its cycle starts are all that is counted of it); one over before the episode began
    # belongs to another illness
    runs = [(days, days[-1]) for days in course.earlier_courses]
    this_episode = [run for run in (*runs, (tuple(cycles), last)) if run[1] >= episode]
    adequate = [i for i, (days, given) in enumerate(this_episode)
                if (day := _ivig_adequate_from(days, given, params)) is not None and day <= today]
    if adequate:
        since_trial = this_episode[adequate[-1]:]
        words = "; then ".join(_ivig_course_words(days, given, today) for days, given in since_trial)
        return Arm(False, f"IVIG: {words}, {ending}", None, tried_before=True)
    if last < episode:
        return Arm(False, text, None)
    counts_from = "" if adequate_from is None else (
        f"; counted as in use for {params['ivig_recent_days']:g} days after it was last given, its trial is adequate "
        f"from {adequate_from.isoformat()}")
    return Arm(False, text, None, stopped_short=(
        f"IVIG was stopped short of an adequate trial (>= {params['min_ivig_cycles']:g} cycles over >= "
        f"{params['min_ivig_days']:g} days): {_ivig_course_words(cycles, last, today)}, {ending}{counts_from}"))


def _rituximab_arm(record: PatientRecord, context: HookContext, params: Mapping[str, float], episode: date) -> Arm:
    # the disease is refractory to rituximab while it is still in use (its last dose within the
    # anti_cd20_in_use_days definition); an older course of this episode has worn off: it was tried, and repeating
    # it is R16's case, by the same definition. The last dose is R16's (an order with an end date and no start
    # counts by it); a first dose needs a start date. Tried since the first dose of the courses given without a
    # break that long: a re-dose while the last still acts goes on the same treatment (1 g x2, then 1 g ten months
    # later, has been tried for over a year)
    given = td.rituximab_given(record)
    if given.last is None:
        return Arm(False, None, None)
    today = record.today
    in_use_days = int(context.definition("anti_cd20_in_use_days"))
    # (first dose, last dose) of the courses given without a worn-off break
    treatments = td.merge([(start, last_dose) for start, last_dose, _ in given.courses], in_use_days - 1)
    recent = today - timedelta(days=in_use_days)
    began = f"first dose {given.courses[0][0].isoformat()}" if given.courses else "no first dose date on file"
    text = f"rituximab: {began}, last dose {given.last.isoformat()}"
    if given.last < recent:
        # worn off. Given in this episode, it was an adequate trial: the spec's is the time since the first dose
        # (>= 120 days), and it acted for anti_cd20_in_use_days after the last
        if given.last < episode:
            return Arm(False, text, None)
        first_dose = (f"first dose {treatments[-1][0].isoformat()}" if treatments and treatments[-1][1] == given.last
                      else began)
        return Arm(False, f"rituximab: {first_dose}, last dose {given.last.isoformat()} "
                          f"({(today - given.last).days} days ago: no longer in use)", None, tried_before=True)
    first = treatments[-1][0] if treatments and treatments[-1][1] >= recent else None
    stopped = _stopped_by_order(record.medications_in("rituximab"), given.last, today)
    # an order stopped before its end date is read as given up to today: the day of its last dose is unknown
    last_dose = "" if stopped and given.last >= today else f"last dose {given.last.isoformat()}, "
    if stopped:
        text = f"rituximab: {began}, {last_dose}{stopped}"
    if first is not None and (today - first).days >= params["min_rituximab_days"]:
        # the spec's trial is the time since the first dose: a course stopped early has had it too
        return Arm(True, text, None)
    if stopped:
        counts_from = "" if first is None else (
            f"; as the spec counts its trial (first dose >= {params['min_rituximab_days']:g} days ago), it is "
            f"adequate from {_adequate_from(first, params['min_rituximab_days'])}")
        first_dose = ("no first dose date on file" if first is None else
                      f"first dose {first.isoformat()} ({(today - first).days} days ago)")
        return Arm(False, text, None, stopped_short=(
            f"Rituximab was stopped before an adequate trial: {first_dose}, {last_dose}{stopped}{counts_from}"))
    if first is None:
        return Arm(False, text, f"rituximab is being given (last dose {given.last.isoformat()}) with no first dose "
                                "date on file: when its trial is adequate cannot be told")
    first_dose = (f"first dose planned {first.isoformat()}" if first > today else
                  f"first dose {first.isoformat()} ({(today - first).days} days ago)")
    return Arm(False, text, f"rituximab is in progress: {first_dose}; its trial is adequate (first dose >= "
                            f"{params['min_rituximab_days']:g} days ago) from "
                            f"{_adequate_from(first, params['min_rituximab_days'])}")


class ThirdLine(NamedTuple):
    """Tacrolimus and cyclophosphamide on the chart in this episode."""

    given: dict[str, date | None]  # being given now: since when (None: no start date on file)
    before: dict[str, td.Span]  # given earlier in this episode and over: the first and last day its last run covered

    def to_consider(self) -> list[str]:
        """The third-line agents neither given now nor already given in this episode, as the card names them."""
        return [words for agent, words in THIRD_LINE.items() if agent not in self.given and agent not in self.before]

    def given_before(self) -> str:
        """The ones given earlier in this episode, with when ("" for none): the card suggests none of them next."""
        return "; ".join(f"**{agent}** ({first.isoformat()} to {last.isoformat()})"
                         for agent, (first, last) in self.before.items())

    def already_given(self) -> str:
        """The sentence that says which were given earlier in this episode ("" for none)."""
        before = self.given_before()
        return f" Already given in this episode: {before}." if before else ""


def _third_line(record: PatientRecord, context: HookContext, episode: date) -> ThirdLine:
    """Tacrolimus and cyclophosphamide (systemic) being given now, each with since when: the start of the run of its
    orders that reaches today (dose changes replace one order by the next), a later start for one ordered to start
    later, or None with no start date on file; and those given earlier in this episode and over, each with its last
    run (td.coverage: to the last day its doses covered), one over before the episode began belonging to another
    illness."""
    today = record.today
    tolerance = int(context.definition("dose_gap_bridge_days"))
    given: dict[str, date | None] = {}
    before: dict[str, td.Span] = {}
    for agent in THIRD_LINE:
        orders = systemic(record.medications_in(agent))
        spans = [span for o in orders if (span := td.coverage(o, today)) is not None and span[0] <= span[1]]
        current = [o for o in orders if o.current_on(today)]
        if current:
            run = td.current_run(spans, today, tolerance)
            given[agent] = run[0] if run is not None else min(
                (o.start for o in current if o.start is not None), default=None)
        elif runs := [run for run in td.merge(spans, tolerance) if run[1] >= episode]:
            before[agent] = runs[-1]
    return ThirdLine(given, before)


class NextStep(NamedTuple):
    now: str  # the next step
    then: str  # the step after it ("" when there is none to name)
    summary: str  # the end of the card's summary


def _consider_third_line(third_line: ThirdLine, when: str) -> str:
    """The step after the next (``when``: "if still refractory"): the third-line agents neither given now nor
    already given in this episode, and a myositis centre."""
    others = " or ".join(third_line.to_consider())
    step = f"consider {others}, and refer to a myositis centre" if others else "refer to a myositis centre"
    return f"Then, {when}, {step}.{third_line.already_given()}"


def _resuming(ivig: Arm, rituximab: Arm) -> str:
    """For an agent tried earlier in this episode and stopped: resuming it is the alternative to the next line if the
    disease had responded to it, as R15 (resume IVIG) and R16 (repeat rituximab) advise for one stopped. The card
    does not judge whether it had."""
    return "".join(f" {agent} is no longer given: if the disease had responded to it, {verb} it is the alternative."
                   for agent, verb, arm in (("IVIG", "resuming", ivig), ("Rituximab", "repeating", rituximab))
                   if arm.tried_before)


def _next_step(subtype: str, ivig: Arm, rituximab: Arm, third_line: ThirdLine, today: date) -> NextStep:
    """The next step, and the one after it. An agent given for an adequate trial in this episode, in use or
    stopped since, is never the one to add. An agent being given but not yet for an adequate trial (in progress)
    is the step under way, never one to add: the card says since when and when its trial will be adequate, and
    goes no further until then, as R15 says "reassess after 3 cycles; if still refractory, see R17". One stopped
    short of an adequate trial is neither: the card says what was given and leaves giving it again to the clinician
    (the spec calls the disease refractory only after an adequate trial)."""
    given = third_line.given
    if ivig.had_trial and rituximab.had_trial:
        resuming = _resuming(ivig, rituximab)
        if not given:
            options = third_line.to_consider()
            if not options:
                return NextStep("IVIG and rituximab have both been tried: refer to a myositis centre."
                                f"{third_line.already_given()}{resuming}", "", "refer to a myositis centre")
            return NextStep(f"IVIG and rituximab have both been tried: consider {' or '.join(options)}, with a "
                            f"myositis centre.{third_line.already_given()}{resuming}", "",
                            "consider the next line and a myositis centre")
        under_way = "; ".join(f"**{agent}** {_since(first, today)}" for agent, first in given.items())
        started = any(first is None or first <= today for first in given.values())
        return NextStep(f"IVIG and rituximab have both been tried, and the next line is ordered: {under_way}. "
                        "No adequate-trial length is set for it here (the sources give none): judge its response "
                        f"(CK, strength) with a myositis centre before changing it.{resuming}",
                        _consider_third_line(third_line, "if still refractory"),
                        f"{' and '.join(given)} {'in progress' if started else 'planned'}: review with a "
                        "myositis centre")
    name, pending = ("rituximab", rituximab) if ivig.had_trial else ("IVIG", ivig)
    if pending.in_progress:
        return NextStep(f"{pending.in_progress[0].upper()}{pending.in_progress[1:]}. Continue it, and reassess CK "
                        "and strength once its trial is adequate.",
                        _consider_third_line(third_line, "if still refractory after its adequate trial"),
                        f"{name} in progress: give it an adequate trial")
    if pending.stopped_short:
        return NextStep(f"{pending.stopped_short}. The disease is not called refractory to it: whether to give it "
                        "again for an adequate trial or to go on to the next line is the clinician's decision.",
                        _consider_third_line(third_line, f"if {name} is not given again, or the disease is still "
                                                         "refractory after its adequate trial"),
                        f"{name} stopped short of an adequate trial: give it again or go on")
    reasons = ({"HMGCR": "the ENMC next step for anti-HMGCR myopathy on IVIG",
                "SRP": "anti-SRP myopathy responds best to regimens that include rituximab",
                "DUAL": "anti-SRP is positive too"} if ivig.had_trial else
               {"SRP": "the next step for anti-SRP myopathy on rituximab",
                "HMGCR": "anti-HMGCR myopathy responds particularly well to IVIG",
                "DUAL": "anti-HMGCR is positive too"})
    return NextStep(f"**add {name}** ({reasons.get(subtype, 'the other second-line agent')}).",
                    _consider_third_line(third_line, "if still refractory"),
                    "consider the next line and a myositis centre")


def _tacrolimus_monitoring(context: HookContext, on_tacrolimus: str | None) -> tuple[str, Suggestion]:
    """The spec's tacrolimus monitoring (trough at 1-2 weeks, BMP, Mg, glucose, BP), as a sentence and orders: for
    tacrolimus to start, the trough 1-2 weeks after its start; for tacrolimus being given (``on_tacrolimus``: since
    when), a trough on the current dose, as its start is past."""
    patient = context.patient_id
    if on_tacrolimus is None:  # to start (or planned: its start is still ahead)
        sentence = ("If tacrolimus is used: trough level at 1-2 weeks (target 5-10 ng/mL), then with each dose "
                    "change; BMP, magnesium and glucose; blood pressure.")
        label, trough = "trough at 1-2 weeks", "Tacrolimus trough level in 1-2 weeks"
        trough_text = "Tacrolimus trough level 1-2 weeks after start (target 5-10 ng/mL)"
    else:
        sentence = (f"Tacrolimus is being given {on_tacrolimus}: trough level on the current dose (target 5-10 "
                    "ng/mL), and 1-2 weeks after each dose change; BMP, magnesium and glucose; blood pressure.")
        label, trough = "trough", "Tacrolimus trough level on the current dose"
        trough_text = "Tacrolimus trough level on the current dose (target 5-10 ng/mL)"
    return sentence, Suggestion(f"Tacrolimus monitoring ({label}, BMP, Mg, glucose, BP)", [
        Action("create", trough, resource=orders.service_request(
            patient, orders.lab_concept(context.valuesets, "tacrolimus_level", "11253-2", text=trough_text))),
        lab_orders.BMP.action(context, note="Tacrolimus monitoring."),
        Action("create", "Magnesium", resource=orders.service_request(
            patient, orders.lab_concept(context.valuesets, "magnesium", "19123-9",
                                        text="Serum magnesium (tacrolimus monitoring)"))),
        Action("create", "Glucose", resource=orders.service_request(
            patient, orders.lab_concept(context.valuesets, "glucose_fasting", "1558-6",
                                        text="Fasting glucose (tacrolimus monitoring)"))),
        Action("create", "Blood pressure check", resource=orders.service_request(
            patient, orders.procedure_concept(context.valuesets, "blood_pressure", "85354-9",
                                              text="Blood pressure check at each visit on tacrolimus")))])


SUBTYPE_WORDS = {
    "HMGCR": "anti-HMGCR", "SRP": "anti-SRP", "DUAL": "anti-HMGCR and anti-SRP positive",
    "SERONEG": "seronegative; ENMC gives no subtype-specific advice: escalate by severity",
    "UNKNOWN": "antibodies not fully resulted; order anti-HMGCR and anti-SRP (R03)",
}


class Tried(NamedTuple):
    """The second-line agents, at least one of them tried long enough, and the first day of this episode."""

    ivig: Arm
    rituximab: Arm
    episode: date


def before_ck(record: PatientRecord, context: HookContext, facts: dict[str, Any]) -> Tried | Quiet:
    """Every gate of R17 before its CK check: IMNM, with IVIG and/or rituximab tried long enough. R22 asks for a
    CK when these pass and only the CK's age keeps R17 from judging the response."""
    params = dict(context.params(RULE))
    facts["imnm"] = cohorts.is_imnm(record, context)
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    # what was given before this episode (a remission years ago) was given for another illness: T_tx's boundary
    episode = steroids.episode_start(record, context)
    ivig = _ivig_arm(record, context, params, episode)
    rituximab = _rituximab_arm(record, context, params, episode)
    facts.update(episode_start=episode, ivig=ivig.text, ivig_tried=ivig.tried, ivig_in_progress=ivig.in_progress,
                 ivig_tried_before=ivig.tried_before, ivig_stopped_short=ivig.stopped_short,
                 rituximab=rituximab.text, rituximab_tried=rituximab.tried,
                 rituximab_in_progress=rituximab.in_progress, rituximab_tried_before=rituximab.tried_before,
                 rituximab_stopped_short=rituximab.stopped_short)
    if not (ivig.tried or rituximab.tried):
        return Quiet(f"neither IVIG (>= {params['min_ivig_cycles']:g} cycles over >= {params['min_ivig_days']:g} "
                     "days in the current course, still in use) nor rituximab (first dose >= "
                     f"{params['min_rituximab_days']:g} days ago, last within "
                     f"{context.definition('anti_cd20_in_use_days'):g} days) on file", facts)
    return Tried(ivig, rituximab, episode)


CK_ROW = escalation.CkRow(RULE, "on the next line of therapy for refractory IMNM", before_ck)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    facts: dict[str, Any] = {}
    found = before_ck(record, context, facts)
    if isinstance(found, Quiet):
        return found
    ivig, rituximab, episode = found
    points = escalation.recent_ck(record, context, params["ck_max_age_days"], facts)
    if isinstance(points, NotEvaluable):
        return points
    latest = points[-1]
    ttx = steroids.read_treatment_start(record, context)
    start, unknown = ttx.found, ttx.unknown
    t_tx = start[0] if start and not unknown else None  # an uncertain T_tx anchors no peak CK
    facts.update(t_tx=t_tx, t_tx_unknown=unknown)
    # a pulse planned from a later day is T_tx to come: the peak before it is judged once it has begun
    not_begun = f"T_tx not reached, {ttx.to_come[1]} is planned" if ttx.to_come else None
    response = escalation.inadequate_response(record, context, points, t_tx, facts, no_t_tx=unknown or not_begun)
    if not isinstance(response, escalation.Response):
        return response

    subtype = antibodies.subtype(record)
    facts["subtype"] = subtype
    third_line = _third_line(record, context, episode)
    given = third_line.given
    step = _next_step(subtype, ivig, rituximab, third_line, record.today)
    mri = diagnosis.last_done(record, "mri_thigh", within_days=int(params["mri_recent_days"]))
    facts.update(next_step=step.now, thigh_mri_recent=str(mri) if mri else None,
                 third_line_in_progress="; ".join(f"{agent} {_since(first, record.today)}"
                                                  for agent, first in given.items()) or None,
                 third_line_before=third_line.given_before() or None)
    patient = context.patient_id
    referral = orders.service_request(patient, orders.text_concept(
        "Referral to a myositis centre: refractory IMNM (next-line therapy, diagnosis review)"))
    suggestions = [Suggestion("Refer to a myositis centre", [Action("create", "Myositis-centre referral",
                                                                    resource=referral)],
                              is_recommended=not response.relapse)]
    if mri is None:
        study = orders.service_request(patient, orders.procedure_concept(
            context.valuesets, "mri_thigh", "26235-2", text="MRI both thighs: STIR and T1/fat-fraction sequences"))
        suggestions.append(Suggestion("MRI thighs (STIR + fat fraction)",
                                      [Action("create", "MRI both thighs, STIR and fat fraction", resource=study)]))
    then = step.then
    # tacrolimus monitoring while it is given, or when it is the next step (both tried, no third line under way,
    # tacrolimus not already given in this episode)
    next_is_tacrolimus = (ivig.had_trial and rituximab.had_trial and not given
                          and "tacrolimus" not in third_line.before)
    if "tacrolimus" in given or next_is_tacrolimus:
        tacrolimus_since = given.get("tacrolimus")
        begun = "tacrolimus" in given and (tacrolimus_since is None or tacrolimus_since <= record.today)
        monitoring, orders_for_it = _tacrolimus_monitoring(
            context, _since(tacrolimus_since, record.today) if begun else None)
        suggestions.append(orders_for_it)
        then = f"{then}\n{monitoring}" if then else monitoring
    tried = "; ".join(arm.text for arm in (ivig, rituximab) if arm.had_trial and arm.text)
    arms = (("IVIG", ivig), ("rituximab", rituximab))
    # the agents the CK is high on, and those tried earlier in this episode and stopped
    agent = " and ".join([name for name, arm in arms if arm.tried]
                         + [f"earlier {name}" for name, arm in arms if arm.tried_before])
    if response.relapse:  # the CK responded on it: rising again while treatment is reduced is no refractory disease
        assert t_tx is not None  # a nadir that responded is judged from T_tx
        headline = escalation.RELAPSE_HEADLINE.format(
            days=(record.today - t_tx).days, instead="refractory disease",
            then="restore what was reduced first: only a disease still active then is refractory.")
        summary = f"Possible IMNM relapse, not refractory: CK {latest.reading} rising again on taper; see R21"
    else:
        headline = "**Refractory IMNM.**"
        summary = f"Refractory IMNM: CK {latest.reading} despite {agent}; {step.summary}"
    return Fired(
        severity="info",
        summary=summary,
        detail=DETAIL.format(
            headline=headline, tried=tried[0].upper() + tried[1:], ck_line=response.sentence,
            if_still_active=" if it stays active once what was reduced is restored" if response.relapse else "",
            subtype_words=SUBTYPE_WORDS.get(subtype, subtype), next_step=step.now, then=then,
            mri=f"Recent thigh MRI on file: {mri}." if mri else ""),
        facts=facts,
        suggestions=suggestions,
    )
