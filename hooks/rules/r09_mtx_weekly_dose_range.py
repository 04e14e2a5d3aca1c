"""R09: an adult once-weekly methotrexate draft above 25 mg/week (critical from 40 mg/week).

Seed 003 gives methotrexate "25-50 mg/week with increments of 25-50 mg/week": a phrase transposed from
azathioprine, two to four times the adult maximum. Schedules more often than weekly are R08's hard stop. A draft
given less often than weekly (every 2 weeks, every 10 days) is judged by the dose given at once on its day: one
dose is what the weekly limits are about, and averaging it over the weeks between doses would hide an overdose.
Methotrexate already on the chart that no draft replaces goes on beside the drafts (hooks.definitions.continuing,
as R08 reads it): its weekly dose adds up with theirs in the weeks both are given. One replaced only by being written
again, with no link, is still on the chart once the draft is signed: the card says what both would give together
and offers to discontinue it, a warning of its own when the draft alone is within the range. "Cancel the draft" is
offered only where what cancelling leaves on the chart (continuing.OnChart.kept_if_cancelled: the orders beside the
draft, those left active and those it replaces by a link) is read and within the range; otherwise the card says what
it would leave, or that this is not known, and the replacements offered instead stop them all. An as-needed order on
the chart adds no scheduled dose: it is named. An order whose dose is not read (a draft's too) is not counted: what
the others give is the least given, judged and said as 'at least'; within the range, the check is not evaluated.

A new start (R10's definition: no methotrexate given in its new_start_lookback_days) takes the reduced start of
7.5-15 mg/week with an eGFR in the reduced range (from R10's egfr_avoid_below up to reduced_start_egfr_below, within
R10's lab window) or from reduced_start_age_from (age stands for frailty, which has no coded reading): a first dose
above reduced_start_max_mg_week is a warning naming why. Below R10's egfr_avoid_below the start is R10's critical,
not said again here. An eGFR missing, too old or not settling the limit, or no birth date, is said as not checked:
on the card when it fires, else the check is not evaluated; never read as normal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, continuing, dose_basis, renal
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import doses_since
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.weight import dosing_bsa, dosing_weight
from hooks.dosing import METHOTREXATE_INJECTION, METHOTREXATE_ORAL, product_for, why_no_frequency
from hooks.record import WEEKDAY_NAMES, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import LANCET_2024, MTX_AZA_PHRASE_DRORACLE, SEED_001, SEED_003, SEED_004

RULE = Rule(
    id="mtx-weekly-dose-range",
    number=9,
    title="Methotrexate weekly dose above the adult range",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    summary="An adult once-weekly methotrexate draft above 25 mg/week (critical at 40 mg/week or more), or a new start "
            "above 15 mg/week at eGFR 30-59 or age >= 80.",
    sources=(SEED_004, LANCET_2024, MTX_AZA_PHRASE_DRORACLE, SEED_003, SEED_001),
    parameters={
        "warning_above_mg_week": Param(25, "mg/week", "Above this weekly dose the draft is a warning.",
                                       at_most="mtx-weekly-dose-range.critical_from_mg_week"),
        "critical_from_mg_week": Param(40, "mg/week", "At or above this weekly dose the draft is critical."),
        "naive_start_above_mg_week": Param(20, "mg/week", "A first methotrexate dose above this is pointed out "
                                                          "on the card."),
        "reduced_start_max_mg_week": Param(15, "mg/week", "A new start at a reduced-start eGFR or age: a first "
                                                          "weekly dose above this is a warning (start 7.5-15 mg).",
                                           at_most="mtx-weekly-dose-range.naive_start_above_mg_week"),
        "reduced_start_egfr_below": Param(60, "mL/min/1.73m2", "A new start with an eGFR below this (at or above "
                                                              "mtx-start-prerequisites.egfr_avoid_below) takes the "
                                                              "reduced start.",
                                          at_least="mtx-start-prerequisites.egfr_avoid_below"),
        "reduced_start_age_from": Param(80, "years", "A new start from this age takes the reduced start (age stands "
                                                     "for frailty, which has no coded reading) [sign-off]."),
    },
    override_family="safety",
)

EPS = 1e-9
# The spec's adult start, 15 mg once weekly, and the foot of the reduced start (7.5-15 mg if frail or eGFR 30-59),
# whose top is the site's reduced_start_max_mg_week
STANDARD_START_MG = 15.0
REDUCED_START_FROM_MG = 7.5
# R10, whose new_start_lookback_days says what a new start is, whose lab_max_age_days how recent its eGFR must be, and
# below whose egfr_avoid_below a start is its critical card (not a reduced start here)
START_CHECK = "mtx-start-prerequisites"

DETAIL = """\
**Methotrexate {amount} is above {limit}.** {findings}

Adult myositis: **start 15 mg once weekly** (7.5-15 mg if frail or eGFR 30-59), then titrate by 2.5-5 mg every
2-4 weeks to **20-25 mg/week** within 3-6 months; give it subcutaneously above about 15-20 mg. Always with folic
acid.

**The phrase "begin at 25-50 mg/week with increments of 25-50 mg/week" must never be used for methotrexate.**
It comes from a seed summary that copied it from **azathioprine** (where it is a daily dose); for methotrexate
it is a 2-4 fold overdose.

{advice}{unread}"""


def _new_start_days(context: HookContext) -> int:
    """R10's new-start window: no methotrexate given in this many days makes a new start."""
    return int(context.thresholds.of_rule(START_CHECK)["new_start_lookback_days"])


def _prior_mtx(record: PatientRecord, context: HookContext) -> tuple[MedicationOrder, date] | None:
    """The methotrexate order last given within R10's new-start window, with its last dose day: None is a new
    start, as R10 reads it (courses.given_since)."""
    since = record.today - timedelta(days=_new_start_days(context))
    return max(doses_since(record, "methotrexate", since=since), key=lambda found: found[1], default=None)


@dataclass(frozen=True, slots=True)
class ReducedStart:
    """Why a new start takes the reduced start ('eGFR 38 on 2026-11-16', 'age 84'), and what could not be checked
    ('no eGFR within 30 days', 'age unknown (no birth date on file)')."""

    because: tuple[str, ...]
    unchecked: tuple[str, ...]
    dose_range: str  # '7.5-15 mg/week'
    top_mg: float  # its top, reduced_start_max_mg_week
    criteria: str  # 'eGFR 30 to under 60, or age 80 or over (standing for frailty)'

    @property
    def not_checked(self) -> str | None:
        """'whether the reduced start of 7.5-15 mg/week (...) applies could not be checked: ...', or None."""
        return (f"whether the reduced start of {self.dose_range} ({self.criteria}) applies could not be checked: "
                f"{'; '.join(self.unchecked)}") if self.unchecked else None

    def finding(self) -> str:
        """The card's sentences: why the reduced start applies, and what could not be checked."""
        offered = min(STANDARD_START_MG, self.top_mg)
        said = [f"With {' and '.join(self.because)}, start at {self.dose_range} ({self.criteria}); the replacement "
                f"offered is {offered:g} mg/week."] if self.because else []
        if (unchecked := self.not_checked) is not None:
            said.append(unchecked[0].upper() + unchecked[1:] + ".")
        return " ".join(said)


def _reduced_start(record: PatientRecord, context: HookContext, p: Mapping[str, float]) -> ReducedStart:
    """A new start's reasons for the reduced start: an eGFR within R10's lab window from R10's egfr_avoid_below up to
    reduced_start_egfr_below (renal.below_limit, as R10 reads it), or an age the patient may be from
    reduced_start_age_from. An eGFR that does not settle it, none in the window, or no birth date is unchecked."""
    start_check = context.thresholds.of_rule(START_CHECK)
    avoid_below, window = start_check["egfr_avoid_below"], int(start_check["lab_max_age_days"])
    because: list[str] = []
    unchecked: list[str] = []
    ages = cohorts.age_range(record)
    if ages is None:
        unchecked.append(f"age {cohorts.describe_age(record)}")
    elif ages[1] >= p["reduced_start_age_from"]:
        because.append(f"age {cohorts.describe_age(record)}")
    kidney = renal.below_limit(record, context, p["reduced_start_egfr_below"],
                               record.today - timedelta(days=window))
    if kidney.below is None:
        older = None if kidney.on_file else renal.latest_egfr(record, context)
        unchecked.append(str(kidney) if kidney.on_file else f"no eGFR within {window} days" + (
            f" (the latest, {older}, is older)" if older else ""))
    elif kidney.below and kidney.decided is not None and not renal.below_limit(
            record, context, avoid_below, count_unestimated_creatinine=False).below:
        because.append(f"eGFR {kidney.decided.reading}")  # below R10's limit it is R10's critical card
    top = p["reduced_start_max_mg_week"]
    return ReducedStart(tuple(because), tuple(unchecked), f"{min(REDUCED_START_FROM_MG, top):g}-{top:g} mg/week", top,
                        f"eGFR {avoid_below:g} to under {p['reduced_start_egfr_below']:g}, or age "
                        f"{p['reduced_start_age_from']:g} or over, standing for frailty")


def _new_start_line(days: int, total: float, p: Mapping[str, float], reduced: ReducedStart) -> str:
    """The card's lines on a new start: a first dose above naive_start_above_mg_week is too high (start at 15 mg), or
    the reduced start and why; and what of the reduced start could not be checked."""
    naive = (f", and a first dose above {p['naive_start_above_mg_week']:g} mg/week is too high: start at 15 mg/week."
             if total > p["naive_start_above_mg_week"] + EPS and not reduced.because else ".")
    return " ".join(filter(None, (f"No methotrexate in the chart in the last {days} days: this is a new start{naive}",
                                  reduced.finding())))


def _cancel(drafts: Sequence[DraftDose]) -> list[Action]:
    return [Action("delete", f"Cancel {d.order.label} ({d.how_given()})", resource_id=d.order.reference)
            for d in drafts]


def _not_read_line(unread: Sequence[str]) -> str:
    return ("\n\nNot read: " + "; ".join(unread) + ".") if unread else ""


def _reduced_start_card(record: PatientRecord, context: HookContext, reduced: ReducedStart, amount: str,
                        findings: list[str], drafts: Sequence[DraftDose], unread: Sequence[str],
                        facts: dict[str, Any]) -> Fired:
    """The warning on a new start within the adult range but above the reduced start its eGFR or age calls for:
    the drafts replaced by the top of the reduced start once weekly (15 mg unless the site sets it lower)."""
    suggestions, advice = _replacements(record, context, _weekday(drafts[0].order), False, _cancel(drafts),
                                        min(STANDARD_START_MG, reduced.top_mg))
    because = ", ".join(reduced.because)
    return Fired(
        severity="warning",
        summary=first_fitting([f"Methotrexate {amount} new start, {because}: above the {reduced.dose_range} "
                               "reduced start",
                               f"Methotrexate {amount} new start: above the {reduced.dose_range} reduced start"]),
        detail=DETAIL.format(amount=amount, limit=f"the reduced start of {reduced.dose_range}",
                             findings=" ".join(findings), advice=advice, unread=_not_read_line(unread)),
        facts=facts,
        about=[d.order for d in drafts],
        suggestions=suggestions,
        selection="at-most-one",
    )


def _weekday(order: MedicationOrder) -> str:
    days = order.dosage.timing.days_of_week if order.dosage else ()
    return days[0] if days and days[0] in WEEKDAY_NAMES else "mon"


def _amount(total: float, judged: list[DraftDose]) -> str:
    """'30 mg/week'; for a draft given less often than weekly, the dose given at once ('100 mg at once'), or with
    weekly drafts given alongside it, the most given in one week."""
    if all(d.once_weekly for d in judged):
        return f"{mg(total)}/week"
    return f"{mg(total)} at once" if len(judged) == 1 else f"{mg(total)} in one week"


def _most_in_one_week(doses: Sequence[DraftDose], today: date) -> tuple[float, list[MedicationOrder]]:
    """The most the doses give in one week (each its :attr:`DraftDose.week_mg`), over those given in the same
    weeks (:func:`dose_basis.most_on_one_day`), and their orders."""
    return dose_basis.most_on_one_day([(d.order, d.week_mg or 0.0) for d in doses], today)


def _week_amount(dose: DraftDose) -> float | None:
    """The dose the weekly limits judge (:attr:`DraftDose.week_mg`); None when it is not read, or given more often
    than weekly (R08's), so not counted."""
    return None if dose.problem or dose.per_day is None or not dose.weekly_or_less else dose.week_mg


def _over(p: Mapping[str, float]) -> Callable[[float], str | None]:
    """The limits a week's dose passes, as a card names them ('above 25 mg/week'), if any."""
    def over(week_mg: float) -> str | None:
        if week_mg <= p["warning_above_mg_week"] + EPS:
            return None
        return f"above {p['warning_above_mg_week']:g} mg/week" + (
            f", at or above the {p['critical_from_mg_week']:g} mg/week danger limit"
            if week_mg >= p["critical_from_mg_week"] - EPS else "")
    return over


def _named(given: Sequence[DraftDose]) -> Callable[[float, Sequence[MedicationOrder]], str]:
    """What a total of ``given`` is, named by :func:`_amount` with the orders in it ('30 mg/week', '35 mg in one
    week')."""
    return lambda total, on_week: _amount(total, [d for d in given if any(d.order is o for o in on_week)])


def _left_active_line(left: list[tuple[MedicationOrder, str]], given: list[DraftDose],
                      drafts: Sequence[MedicationOrder], today: date, p: Mapping[str, float]
                      ) -> continuing.LeftActiveLine:
    """continuing.left_active_line in the week that gives the most: each of ``given`` (the ``drafts``, the chart's
    orders going on and those left active) by the dose the weekly limits judge; one not read, or given more often
    than weekly (R08's), is not counted (a total only when the others pass a limit)."""
    return continuing.left_active_line(left, [(d.order, _week_amount(d)) for d in given], today, drafts=drafts,
                                       named=_named(given), over=_over(p))


def _cancelling_leaves(kept: list[DraftDose], today: date, p: Mapping[str, float]) -> str | None:
    """The card's line when cancelling the drafts is not known to leave the chart within the range (None when it
    is): ``kept`` (what cancelling leaves, continuing.OnChart.kept_if_cancelled) by the dose the weekly limits judge,
    in the week it gives the most; one given more often than weekly is not counted (R08's), and said so."""
    often = [d.order for d in kept if not d.problem and d.per_day is not None and not d.weekly_or_less]
    return continuing.Leaves.of([(d.order, _week_amount(d)) for d in kept], today, named=_named(kept),
                                over=_over(p)).finding(
        "The methotrexate", why_not=lambda order: ("is given more often than weekly"
                                                   if any(order is o for o in often) else "could not be counted"))


def _replacements(record: PatientRecord, context: HookContext, day: str, on_methotrexate: bool,
                  remove: list[Action], start_mg: float = STANDARD_START_MG) -> tuple[list[Suggestion], str]:
    """The orders offered instead (each with ``remove``, the drafts to cancel and the chart orders to stop), and
    the card's advice: ``start_mg`` (15 mg, or the top of a reduced start) PO once weekly, titrated; for a patient
    already on methotrexate, also 25 mg SC."""
    folic = [] if continuing.in_place(record, context, "folic_acid") else [Action(
        "create", "Folic acid 1 mg PO daily", resource=orders.medication_request(
            context.patient_id, orders.text_concept("folic acid 1 MG Oral Tablet"), 1, "mg",
            text="Folic acid 1 mg by mouth once daily (may be omitted on the methotrexate day per local practice)"))]
    tablets, syringe = product_for(METHOTREXATE_ORAL, start_mg), product_for(METHOTREXATE_INJECTION, 25)
    start = orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, tablets),
        start_mg, "mg", text=f"Methotrexate {start_mg:g} mg ({tablets.amount}) by mouth ONCE WEEKLY on "
                             f"{WEEKDAY_NAMES[day]}; "
                       "titrate to 20-25 mg/wk", period=1, period_unit="wk", day_of_week=day, supply_days=28,
        note="Target: titrate by 2.5-5 mg every 2-4 weeks to 20-25 mg/wk (SC above about 15-20 mg). "
             "Once weekly only.")
    keep_max = orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, syringe),
        25, "mg", text=f"Methotrexate 25 mg ({syringe.amount}) SC ONCE WEEKLY on {WEEKDAY_NAMES[day]}", route="sc",
        period=1, period_unit="wk", day_of_week=day, supply_days=28, note="The usual adult maximum. Once weekly only.")
    suggestions = [Suggestion(f"Replace with methotrexate {start_mg:g} mg PO once weekly ({WEEKDAY_NAMES[day]}), "
                              "titrate to 20-25 mg/wk",
                              [*remove, Action("create", f"Methotrexate {start_mg:g} mg PO once weekly",
                                               resource=start),
                               *folic], is_recommended=not on_methotrexate)]
    if on_methotrexate:
        suggestions.append(Suggestion(f"Replace with methotrexate 25 mg SC once weekly ({WEEKDAY_NAMES[day]}), "
                                      "the usual maximum",
                                      [*remove, Action("create", "Methotrexate 25 mg SC once weekly",
                                                       resource=keep_max), *folic], is_recommended=True))
    advice = (f"Suggested: methotrexate **{start_mg:g} mg by mouth once weekly on " + WEEKDAY_NAMES[day]
              + "**, target \"titrate to 20-25 mg/wk\", with folic acid 1 mg daily"
              + (" — or, as the patient already takes methotrexate, 25 mg SC once weekly." if on_methotrexate
                 else "."))
    return suggestions, advice


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    age = record.age_years
    sent = context.drafts_in("methotrexate")
    found = _prior_mtx(record, context)
    prior = found[0] if found else None
    facts: dict[str, Any] = {
        "age_years": age,
        "methotrexate_in_prior_days": (f"{found[0].label}, last {found[1]}" if found else None),
        "new_start": prior is None,
        "warning_above_mg_week": p["warning_above_mg_week"],
        "critical_from_mg_week": p["critical_from_mg_week"],
    }
    if is_paediatric(record, context):
        return Quiet("paediatric patient: R32 checks the dose", facts)
    # the chart's current orders beside the drafts; a draft that discontinues one of them gives no dose
    chart = continuing.on_chart(sent, continuing.current_orders(record, "methotrexate"), context.today,
                                "methotrexate")
    drafts = chart.given
    if not drafts:
        return Quiet("no methotrexate draft", facts)
    reduced = _reduced_start(record, context, p) if prior is None else None
    if reduced is not None:
        facts.update(reduced_start_because="; ".join(reduced.because) or None,
                     reduced_start_unchecked="; ".join(reduced.unchecked) or None,
                     reduced_start_max_mg_week=p["reduced_start_max_mg_week"])
    weight = dosing_weight(record, context)
    bsa = dosing_bsa(record, context)
    kg = weight.value if weight else None
    doses: list[DraftDose] = []  # every order read: the drafts, then the chart's
    judged: list[DraftDose] = []  # of those, given once a week or less often
    unread: list[str] = []
    unread_drafts: list[DraftDose] = []  # drafts whose weekly dose is not read
    skipped: list[str] = []
    described: dict[int, str] = {}  # the chart's orders going on beside the drafts: how each is given, by identity
    for order, where in [*((d, "") for d in drafts), *((o, " (on the chart)") for o in chart.scheduled)]:
        dose = dose_basis.read_dose(order, kg, bsa)
        doses.append(dose)
        if where:
            described[id(order)] = dose.how_given()
        why_unread = (dose.problem if dose.problem else why_no_frequency(order) if dose.per_day is None else None)
        if why_unread is None and not dose.weekly_or_less:
            skipped.append(f"{order.label}{where} ({dose.describe()})")
            continue
        if why_unread is None and dose.dose_day_mg is None:
            why_unread = f"{dose.describe()} needs a current weight and height"
        if why_unread is None:
            judged.append(dose)
            continue
        unread.append(f"{order.label}{where}: {why_unread}")
        if not where:
            unread_drafts.append(dose)
    # chart orders a draft rewrites with no link: still active once it is signed, so what both give is said
    left, left_kept = chart.left_active_doses(kg, bsa)
    # each order's dose on its day (the weekly dose, once weekly), added up over the orders given in the same
    # weeks: a titration written as two orders, one after the other, is not
    total, given = _most_in_one_week(judged, context.today)
    together = [d for d in judged if any(d.order is o for o in given)]
    apart = [d.order.label for d in dose_basis.left_apart(judged, given)]
    less_often = [d for d in together if not d.once_weekly]
    drafted = [d for d in judged if any(d.order is o for o in drafts)]
    # a draft whose dose is not read adds to the chart's orders beside it: what those give is the least given
    weighed = bool(drafted or unread_drafts)
    least = "at least " if unread else ""
    # the drafts the card names, cancels and is about: every one, read or not
    named_drafts = [*drafted, *unread_drafts]
    # what the drafts give alone: more with the chart's orders means they are in the week that gives the most
    alone, _ = _most_in_one_week(drafted, context.today)
    adds = alone + EPS < total
    facts["weekly_drafts"] = "; ".join(f"{d.order.label}: {d.describe()}" for d in drafted) or None
    facts["methotrexate_on_chart"] = "; ".join(f"{o.label}: {described[id(o)]}{chart.note(o)}"
                                               for o in chart.scheduled) or None
    facts.update(chart.facts())
    facts["weekly_mg"] = round(total, 2) if weighed and judged else None
    # an order not read is not counted: the total is then the least given, not all of it
    facts["weekly_mg_is_at_least"] = bool(unread) if facts["weekly_mg"] is not None else None
    facts["less_often_than_weekly"] = "; ".join(
        f"{d.order.label} ({d.describe()}): {mg(d.dose_day_mg or 0.0)} at once, judged as a week's dose"
        for d in judged if not d.once_weekly) or None
    facts["not_given_together"] = "; ".join(apart) or None
    facts["not_once_weekly"] = "; ".join(skipped) or None
    facts["unreadable"] = "; ".join(unread) or None
    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.how_given()}" for d in named_drafts) + "."]
    # every order on the chart going on beside the drafts is named, and stopped by the replacements, by its id
    stop = [(o, described[id(o)]) for o in chart.scheduled]
    if stop:
        findings.append(chart.going_on(stop))
    if as_needed := chart.as_needed_line(kg, bsa):  # methotrexate all the same, though no scheduled dose adds up
        findings.append(as_needed)
    # everything given together, a dose not read or more often than weekly too (said as not counted)
    left_line = _left_active_line(left_kept, [*doses, *left], drafts, context.today, p) if left else None
    # a new start above the reduced start (said where its eGFR or age calls for it, or could not be checked)
    above_reduced = reduced if drafted and total > p["reduced_start_max_mg_week"] + EPS else None
    if not weighed or total <= p["warning_above_mg_week"] + EPS:
        not_judged = "methotrexate dose could not be read: " + "; ".join(unread) if unread else None
        if above_reduced is not None and above_reduced.because:
            findings.append(_new_start_line(_new_start_days(context), total, p, above_reduced))
            return _reduced_start_card(record, context, above_reduced, least + _amount(total, together), findings,
                                       named_drafts, unread, facts)
        # what was read with the orders left active passing a limit is said, whatever could not be read
        if not_judged and not (left_line and left_line.over):
            return NotEvaluable(not_judged, facts)
        if not weighed:
            return Quiet("no methotrexate draft given once a week or less often (more often is R08's, by mouth, SC "
                         "or IM)", facts)
        within = (f"{_amount(total, together)}" + (" with the methotrexate on the chart" if adds else "")
                  + " is within the adult range")
        if left_line:
            return continuing.left_active_warning(
                left_kept, drug="Methotrexate",
                drafted=continuing.least_given(_amount(alone, drafted) if drafted else None, bool(unread_drafts)),
                on_chart=[f"{mg(d.week_mg)}/week" if d.week_mg is not None else d.how_given() for d in left],
                findings=[*findings, left_line.text], judged=within, facts=facts,
                about=[d.order for d in named_drafts], not_read=not_judged, unchecked=left_line.unchecked)
        if above_reduced is not None and above_reduced.not_checked:
            return NotEvaluable(f"{within}, but on this new start {above_reduced.not_checked}", facts)
        return Quiet(within, facts)

    critical = total >= p["critical_from_mg_week"] - EPS
    amount = _amount(total, together)
    beside = " with the order on the chart" if adds else ""
    if less_often:
        findings.append(f"{', '.join(d.order.label for d in less_often)} "
                        f"{'is' if len(less_often) == 1 else 'are'} given less often than once a week: the dose "
                        "given at once on its day is what was judged against the weekly limits (each dose is "
                        "given in full, whatever the weeks between).")
    if apart:
        findings.append(f"Not added up with it, as not given in the same weeks: {', '.join(apart)}.")
    findings.append(f"That is {least}{amount}{' together' if adds else ''}: " + (
        f"at or above {p['critical_from_mg_week']:g} mg/week, well beyond the adult maximum of about 25 mg/week."
        if critical else f"above the usual adult maximum of {p['warning_above_mg_week']:g} mg/week."))
    findings += [left_line.text] if left_line else []
    if reduced is not None:
        findings.append(_new_start_line(_new_start_days(context), total, p, reduced))
    else:
        findings.append(f"Methotrexate on file: {facts['methotrexate_in_prior_days']}.")
    delete = _cancel(named_drafts)
    # what cancelling the drafts leaves, when not known to be within the range (said where the drafts add to it)
    leaves_line = _cancelling_leaves([dose_basis.read_dose(o, kg, bsa) for o in chart.kept_if_cancelled],
                                     context.today, p) if adds else None
    findings += [leaves_line] if leaves_line else []
    if adds and not unread_drafts and alone <= p["warning_above_mg_week"] + EPS and leaves_line is None:
        # the draft alone, and what cancelling it leaves (every order read), are within the range: it is the order
        # beside the chart's that is wrong, not a dose (with a draft not read, what the drafts give alone is only the
        # least)
        suggestions, advice = continuing.cancel_or_discontinue_advised(
            delete, [*stop, *left_kept], named="the methotrexate on the chart")
    else:  # the replacements stop the chart's orders too: beside them, even 15 mg would add up
        suggestions, advice = _replacements(record, context, _weekday(named_drafts[0].order), prior is not None,
                                            [*delete, *continuing.discontinue(chart.to_stop(sent, stop))])
    summary = (f"Methotrexate {least}{amount}" + (" (less often than weekly)" if less_often else "") + beside + ": " + (
        f"at/above the {p['critical_from_mg_week']:g} mg/week danger limit" if critical
        else f"above the adult maximum of {p['warning_above_mg_week']:g} mg/week"))
    new_start = (f"; new start should be {reduced.dose_range if reduced.because else '15 mg'}"
                 if reduced is not None else "")
    return Fired(
        severity="critical" if critical else "warning",
        summary=first_fitting([summary + new_start, summary]),
        detail=DETAIL.format(amount=least + amount + beside, limit="the adult range", findings=" ".join(findings),
                             advice=advice, unread=_not_read_line(unread)),
        facts=facts,
        about=[d.order for d in named_drafts],
        suggestions=suggestions,
        selection="at-most-one",
    )
