"""R32: a child's prednis(ol)one or methotrexate draft above the juvenile myositis (SHARE) limits.

For age < 18 this replaces the adult checks R06 and R09 (the suppression gate holds those back). IV
methylprednisolone in children is R07's. Eye drops and other local forms (hooks.definitions.routes) are no systemic
dose: left out, and named as left out (dose_basis.local_steroids, as R06 names them).

Oral prednis(ol)one or methotrexate already on the chart that no draft replaces goes on beside the drafts
(hooks.definitions.continuing, read as R06 and R09 read it for an adult): its dose adds up with theirs, so a child's
two concurrent orders are judged together. One a draft replaces by a link, or whose last dose comes before the
drafts start, is not added. One replaced only by being written again, with no link, is still on the chart once the
draft is signed: the card says what both would give together and offers to discontinue it (a warning of its own
when the drafts are within the limits). Each drug is judged on its own reads there: one drug's dose not read, or
limit not checked, is said on the other's warning, never silencing it, and each drug's orders left active have a
suggestion of their own. "Cancel the draft" is recommended only where the drafts alone are read and within the
limits and what cancelling leaves on the chart (continuing.OnChart.kept_if_cancelled) is read and within them too,
per kg (per m²) as well; otherwise the card says what cancelling would leave, or that this is not known, and the
dose offered instead stops the chart's orders too. With no weight or BSA none is computed: cancelling is offered
where what it leaves is within the absolute cap, but not recommended, as the per kg (per m²) limit could not be
checked, and the card names the measure missing. An as-needed order on the chart adds no scheduled dose: it is
named. An order on the chart whose dose is not read is named as not checked; a draft whose dose is not read is
named as ordered, and a limit the chart's orders pass without it is said as theirs alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DOSE_NOT_READ, DraftDose, mg
from hooks.definitions.paediatric_doses import child_weekly_methotrexate
from hooks.definitions.weight import Measure, dosing_bsa, dosing_height, dosing_weight, missing_weight_or_height
from hooks.dosing import CHILD_FINER_STEPS_MG, HALF_TABLET_STEP_MG, oral_steroid_product, rounded_dose, why_no_frequency
from hooks.record import WEEKDAYS, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import IMACS_2023_CANCER, IMACS_CORE_SET, SEED_003, SHARE_2017

RULE = Rule(
    id="pediatric-myositis-dose-limits",
    number=32,
    title="Paediatric myositis dose limits (prednis(ol)one, methotrexate)",
    hooks=("order-sign",),
    severities=("warning",),
    summary="Age < 18: prednis(ol)one above 2 mg/kg/day or 60 mg/day, or methotrexate above 20 mg/m2/week or "
            "40 mg/week.",
    # IMACS 2023: no routine cancer screening in juvenile-onset IIM (the card says so)
    sources=(SHARE_2017, SEED_003, IMACS_CORE_SET, IMACS_2023_CANCER),
    parameters={
        "steroid_max_mg_per_kg_day": Param(2, "mg/kg/day", "Prednis(ol)one above this in a child fires."),
        "steroid_max_mg_day": Param(60, "mg/day", "Prednis(ol)one above this absolute daily dose fires."),
        "mtx_max_mg_per_m2_week": Param(20, "mg/m2/week", "Methotrexate above this in a child fires."),
        "mtx_max_mg_week": Param(40, "mg/week", "Methotrexate above this absolute weekly dose fires."),
        "mtx_suggested_mg_per_m2_week": Param(15, "mg/m2/week", "The methotrexate dose offered instead (SC).",
                                              at_most="pediatric-myositis-dose-limits.mtx_max_mg_per_m2_week"),
    },
    override_family="safety",
)

EPS = 1e-9
GROUP = "glucocorticoid_systemic"
MTX = "methotrexate"
ON_THE_CHART = " with the order on the chart"
CHART_ALONE = " from the order on the chart alone"  # the drafts add no dose that is read
WITHIN = "within the juvenile myositis limits"

DETAIL = """\
**Above the juvenile myositis dose limits.** {findings}

Juvenile IIM/JDM (SHARE): prednis(ol)one **2 mg/kg/day, maximum 60 mg**; methotrexate **15-20 mg/m²/week SC,
maximum 40 mg/week**, with folic acid; IV methylprednisolone 30 mg/kg/day (maximum 1 g) for 3 days if severe.
Adult doses and adult checks do not apply to children. Involve paediatric rheumatology. Routine cancer
screening is not indicated in juvenile-onset IIM.

{advice}{unread}"""


@dataclass(frozen=True, slots=True)
class _Total:
    """What orders of one drug give together as the limits judge them: ``amount`` in mg a day (prednis(ol)one) or a
    week (methotrexate), None when none is counted; ``relative`` per kg a day or per m² a week (on the weight or BSA,
    else as written), None when not known; ``said`` the amount as a card names it ('40 mg/day', or per kg or m² when
    no mg is counted) and ``described`` with the relative beside it; ``at_least`` when part of what is given is left
    out of them; and what could not be read (``unread``) or checked (``unchecked``)."""

    amount: float | None
    relative: float | None
    said: str | None
    described: str | None
    at_least: bool
    unread: list[str]
    unchecked: list[str]


@dataclass(frozen=True, slots=True)
class _Measure:
    """How one drug's orders are counted where the chart's are added up with the drafts (the left-active line, what
    cancelling leaves: continuing.left_active_line, continuing.Leaves): each order read, its amount in the drug's unit
    (None: not counted), whether one dose only is counted (no frequency read), the unit of a total ('/day'), and
    the limits a total passes as the card names them."""

    read: Callable[[MedicationOrder], DraftDose]
    amount: Callable[[DraftDose], float | None]
    one_dose: Callable[[DraftDose], bool]
    unit: str
    over: Callable[[float], str | None]

    def amounts(self, doses: Sequence[DraftDose]) -> list[tuple[MedicationOrder, float | None]]:
        return [(d.order, self.amount(d)) for d in doses]

    def one_dose_only(self, doses: Sequence[DraftDose]) -> list[MedicationOrder]:
        return [d.order for d in doses if self.one_dose(d)]

    def named(self, total: float, _orders: Sequence[MedicationOrder] = ()) -> str:
        return f"{mg(total)}{self.unit}"

    def said(self, dose: DraftDose) -> str:
        """One order's amount as a left-active summary names it, or how it is given where that is not counted in
        full."""
        amount = self.amount(dose)
        return self.named(amount) if amount is not None and not self.one_dose(dose) else dose.how_given()


@dataclass(frozen=True, slots=True)
class _Check:
    """One drug's drafts that give a dose and the chart's orders of it going on beside them (continuing.on_chart),
    read and judged together."""

    name: str  # as a sentence names the drug: 'prednis(ol)one', 'methotrexate'
    drug: str  # as a summary begins with it: 'Prednisolone', 'Methotrexate'
    sent: list[MedicationOrder]  # the drafts as sent: a dose offered instead stops what they replace (to_stop)
    chart: continuing.OnChart
    drafts: list[DraftDose]  # the drafts that give a dose (one that discontinues a chart order gives none)
    beside: list[DraftDose]  # the chart's scheduled orders going on beside them
    left: list[DraftDose]  # the chart's orders a draft rewrites with no link: still active once it is signed
    total: _Total  # the drafts with the orders beside them whose dose is read
    alone: _Total  # the drafts alone
    found: list[str]  # the limits the total passes, as the card says them
    alone_within: bool  # the drafts alone are read in full and within every limit
    measure: _Measure
    measured: bool  # a current weight (BSA): the drafts alone are checked per kg (per m²)

    @property
    def adds(self) -> bool:
        """The chart's orders going on beside the drafts add to what the drafts give."""
        return _adds(self.total, self.alone)

    @property
    def unread(self) -> list[str]:
        return [*self.total.unread, *(f"{d.order.label} (on the chart): {d.problem}" for d in self.beside
                                      if d.problem)]

    @property
    def not_judged(self) -> list[str]:
        """Why this drug's drafts with the orders beside them could not be judged: a dose not read, a limit not
        checked (no weight, no BSA). Empty when they are."""
        return [*self.unread, *self.total.unchecked]

    @property
    def stop(self) -> list[tuple[MedicationOrder, str]]:
        """The chart's orders going on beside the drafts, each with how it is given, as the card names them."""
        return [(d.order, d.how_given()) for d in self.beside]

    @property
    def left_kept(self) -> list[tuple[MedicationOrder, str]]:
        return [(d.order, d.how_given()) for d in self.left]

    def lines(self, weight_kg: float | None, bsa_m2: float | None) -> list[str]:
        """The card's lines naming the chart's orders going on beside the drafts, and those given as needed."""
        going_on = [self.chart.going_on(self.stop)] if self.beside else []
        return [*going_on, *filter(None, [self.chart.as_needed_line(weight_kg, bsa_m2)])]

    def left_active_line(self, today: date) -> continuing.LeftActiveLine | None:
        """What the drafts, the orders beside them and those left active would give together, when any is left."""
        if not self.left:
            return None
        given = [*self.drafts, *self.beside, *self.left]
        return continuing.left_active_line(self.left_kept, self.measure.amounts(given), today,
                                           drafts=self.chart.given, named=self.measure.named,
                                           over=self.measure.over, minimum=self.measure.one_dose_only(given))

    def leaves(self, today: date) -> continuing.Leaves:
        """What cancelling the drafts leaves on the chart, counted against the limits."""
        kept = [self.measure.read(o) for o in self.chart.kept_if_cancelled]
        return continuing.Leaves.of(self.measure.amounts(kept), today, named=self.measure.named,
                                    over=self.measure.over, part_counted=self.measure.one_dose_only(kept))


def _adds(total: _Total, alone: _Total) -> bool:
    """The total is more than the drafts give alone: the chart's orders beside them add to it."""
    return any((together or 0.0) > (drafts or 0.0) + EPS
               for together, drafts in ((total.amount, alone.amount), (total.relative, alone.relative)))


def _check(name: str, drug: str, sent: list[MedicationOrder], chart: continuing.OnChart, measure: _Measure,
           total_of: Callable[[list[DraftDose]], _Total], found_of: Callable[[_Total, str], list[str]],
           measured: bool) -> _Check:
    """One drug's :class:`_Check`: ``total_of`` adds up orders of it, ``found_of`` names the limits a total passes
    (given what follows its amount: ' with the order on the chart'). An order on the chart whose dose is not read is
    left out of the total, and named as not read."""
    drafts = [measure.read(o) for o in chart.given]
    beside = [measure.read(o) for o in chart.scheduled]
    total = total_of([*drafts, *(d for d in beside if not d.problem)])
    alone = total_of(drafts) if beside else total
    left = [measure.read(o) for o, _ in chart.left_active]
    # the chart's orders add to drafts that give no dose read: what passes a limit is theirs alone
    beside_said = "" if not _adds(total, alone) else CHART_ALONE if alone.said is None else ON_THE_CHART
    return _Check(name, drug, sent, chart, drafts, beside, left, total, alone, found_of(total, beside_said),
                  not (alone.unread or alone.unchecked or found_of(alone, "")), measure, measured)


# ---------------------------------------------------------------- prednis(ol)one

def _steroid_total(doses: list[DraftDose], label: str, weight: Measure | None, p: Mapping[str, float],
                   today: date) -> _Total:
    kg = weight.value if weight else None
    day = dose_basis.daily_total(doses, kg, today)
    # one dose within the limits says nothing about the day's total: not checked, never "within limits"
    unchecked = [f"{order.label}: {why_no_frequency(order)}, one dose counted" for order in day.per_dose_only]
    counted = any(d.daily is not None or d.mg is not None for d in day.counted) or day.mg > 0
    per_kg = day.mg / kg if kg and counted else (day.per_kg_written or None)
    if weight is None and counted:
        unchecked.append(f"{label}: no current weight, so the {p['steroid_max_mg_per_kg_day']:g} mg/kg/day limit "
                         "could not be checked")
    said = f"{mg(day.mg)}/day" if counted else f"{per_kg:.2f} mg/kg/day" if per_kg else None
    described = f"{said} ({per_kg:.2f} mg/kg/day)" if counted and per_kg else said
    # with no weight, what is written per kg is not in the mg a day: that is then the least given
    at_least = bool(day.unread or day.per_dose_only or (counted and day.per_kg_written))
    return _Total(day.mg if counted else None, per_kg, said, described, at_least, day.unread, unchecked)


@dataclass(frozen=True, slots=True)
class _Limits:
    """A drug's two limits as a card states them: in mg per ``period`` ('day', 'week') and per body size
    (``relative_unit``: 'mg/kg/day', 'mg/m²/week'), with the body size the relative dose was read on (``basis``)."""

    label: str
    cap: float
    period: str
    relative_cap: float
    relative_unit: str
    relative_digits: int
    basis: str

    def found(self, total: _Total, beside: str) -> list[str]:
        """What in ``total`` is above the limits ('Methotrexate 45 mg/week ... is above the 40 mg/week maximum.')."""
        found = []
        if total.amount is not None and total.amount > self.cap + EPS:
            found.append(f"{self.label} {mg(total.amount)}/{self.period}{beside} is above the {self.cap:g} "
                         f"mg/{self.period} maximum.")
        if total.relative is not None and total.relative > self.relative_cap + EPS:
            found.append(f"{self.label} {total.relative:.{self.relative_digits}f} {self.relative_unit} "
                         f"({self.basis}){beside} is above {self.relative_cap:g} {self.relative_unit}.")
        return found

    def over(self, amount: float, size: float | None) -> str | None:
        """What one order's ``amount`` passes, judged on the body ``size`` (kg or m²) where there is one: 'above
        60 mg/day; 2.50 mg/kg/day, above 2 mg/kg/day'; None within both."""
        passed = [f"above {self.cap:g} mg/{self.period}"] if amount > self.cap + EPS else []
        if size and amount / size > self.relative_cap + EPS:
            passed.append(f"{amount / size:.{self.relative_digits}f} {self.relative_unit}, above "
                          f"{self.relative_cap:g} {self.relative_unit}")
        return "; ".join(passed) or None


def _steroid_measure(weight: Measure | None, limits: _Limits, today: date) -> _Measure:
    """mg a day as the daily total reads each order: one not read, or written per kg with no weight, not counted."""
    kg = weight.value if weight else None

    return _Measure(lambda order: dose_basis.read_dose(order, kg),
                    lambda dose: dose_basis.daily_total([dose], kg, today).mg_read,
                    lambda dose: bool(dose_basis.daily_total([dose], kg, today).per_dose_only), "/day",
                    lambda mg_day: limits.over(mg_day, kg))


def _steroid_check(record: PatientRecord, context: HookContext, p: Mapping[str, float],
                   sent: list[MedicationOrder], weight: Measure | None) -> _Check | None:
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, GROUP)
                                       if dose_basis.oral_steroid(o)], context.today, GROUP)
    if not chart.given:
        return None
    label = dose_basis.oral_steroid_label(chart.given)
    limits = _Limits(label, p["steroid_max_mg_day"], "day", p["steroid_max_mg_per_kg_day"], "mg/kg/day", 2,
                     f"on {weight.describe('kg')}" if weight else "as written")
    return _check("prednis(ol)one", label, sent, chart, _steroid_measure(weight, limits, context.today),
                  lambda doses: _steroid_total(doses, label, weight, p, context.today), limits.found,
                  weight is not None)


# ---------------------------------------------------------------- methotrexate

def _mtx_total(doses: list[DraftDose], bsa: float | None, missing: str | None, p: Mapping[str, float],
               today: date) -> _Total:
    """``missing``: the measure a BSA lacks, as a card says it ('no current height on file'), None with a BSA."""
    weekly: list[tuple[MedicationOrder, float]] = []
    per_m2_written: list[tuple[MedicationOrder, float]] = []
    unread: list[str] = []
    for d in doses:
        if d.problem:
            unread.append(f"{d.order.label}: {d.problem}")
        elif d.week_mg is not None:  # less often than weekly: the dose given at once, as R09 judges it
            weekly.append((d.order, d.week_mg))
        elif d.per_m2 and (m2_week := d.written_per_m2_week()) is not None:
            per_m2_written.append((d.order, m2_week))
        else:
            unread.append(f"{d.order.label}: {why_no_frequency(d.order)}" if d.per_day is None
                          else f"{d.order.label}: needs a current weight and height")
    # orders not given in the same weeks (a titration written as two orders) are not added up
    total, counted = dose_basis.most_on_one_day(weekly, today)[0], bool(weekly)
    per_m2 = total / bsa if bsa and counted else (dose_basis.most_on_one_day(per_m2_written, today)[0] or None)
    unchecked = [f"methotrexate: {missing}, so the {p['mtx_max_mg_per_m2_week']:g} mg/m²/week limit could not be "
                 "checked"] if missing and counted else []
    said = f"{mg(total)}/week" if counted else f"{per_m2:.1f} mg/m²/week" if per_m2 else None
    described = f"{said} ({per_m2:.1f} mg/m²/week)" if counted and per_m2 else said
    # with no BSA, what is written per m² is not in the mg a week: that is then the least given
    return _Total(total if counted else None, per_m2, said, described, bool(unread or (weekly and per_m2_written)),
                  unread, unchecked)


def _mtx_measure(weight: Measure | None, bsa: float | None, limits: _Limits) -> _Measure:
    """mg a week as the weekly limits judge each order (the dose given at once, less often than weekly); one not
    read, or written per m² with no BSA, not counted."""
    kg = weight.value if weight else None
    return _Measure(lambda order: dose_basis.read_dose(order, kg, bsa),
                    lambda dose: None if dose.problem else dose.week_mg, lambda _: False, "/week",
                    lambda week_mg: limits.over(week_mg, bsa))


def _mtx_check(record: PatientRecord, context: HookContext, p: Mapping[str, float], sent: list[MedicationOrder],
               weight: Measure | None, bsa: float | None) -> _Check | None:
    chart = continuing.on_chart(sent, continuing.current_orders(record, MTX), context.today, MTX)
    if not chart.given:
        return None
    missing = missing_weight_or_height(record, context)
    limits = _Limits("Methotrexate", p["mtx_max_mg_week"], "week", p["mtx_max_mg_per_m2_week"], "mg/m²/week", 1,
                     f"on a BSA of {bsa:.2f} m²" if bsa else "as written")
    return _check(MTX, "Methotrexate", sent, chart, _mtx_measure(weight, bsa, limits),
                  lambda doses: _mtx_total(doses, bsa, missing, p, context.today), limits.found, bsa is not None)


# ---------------------------------------------------------------- the card

def _on_chart_named(check: _Check | None) -> str | None:
    """The chart's orders going on beside a drug's drafts, each with how it is given, for the facts."""
    if check is None:
        return None
    return "; ".join(f"{d.order.label}: {d.how_given()}{check.chart.note(d.order)}" for d in check.beside) or None


def _facts(steroid: _Check | None, mtx: _Check | None) -> dict[str, Any]:
    """The totals, the drafts, and the chart's orders read beside them (continuing.OnChart.facts, both drugs')."""
    checks = [c for c in (steroid, mtx) if c is not None]
    chart_facts = [c.chart.facts() for c in checks]
    steroid_kg = steroid.total.relative if steroid else None
    mtx_m2 = mtx.total.relative if mtx else None
    return {
        "steroid_mg_day": steroid.total.amount if steroid else None,
        "steroid_mg_per_kg_day": round(steroid_kg, 2) if steroid_kg else None,
        "mtx_mg_week": mtx.total.amount if mtx else None,
        "mtx_mg_per_m2_week": round(mtx_m2, 2) if mtx_m2 else None,
        "drafts": "; ".join(f"{d.order.label}: {d.describe()}" for c in checks for d in c.drafts) or None,
        "steroid_on_chart": _on_chart_named(steroid),
        "methotrexate_on_chart": _on_chart_named(mtx),
        **{key: "; ".join(filter(None, (f[key] for f in chart_facts))) or None
           for key in (chart_facts[0] if chart_facts else {})},
    }


def _as_ordered(dose: DraftDose) -> str:
    """A draft as the card's 'Ordered:' names it: how it is given, or that its dose is not read, and why."""
    return f"{dose.order.label}, " + (f"{DOSE_NOT_READ} ({dose.problem})" if dose.problem else dose.describe())


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    facts: dict[str, Any] = {"age_years": record.age_years, **dose_basis.measure_facts(record, context)}
    if not is_paediatric(record, context):
        return Quiet("not a child (age >= 18 or unknown): R06/R09 apply", facts)
    sent_steroids = [o for o in context.draft_orders if dose_basis.oral_steroid(o)]
    # prednisolone eye drops are no systemic dose: named as left out, as R06 names them
    local = dose_basis.local_steroids(context.draft_orders)
    facts["not_systemic"] = "; ".join(o.label for o in local) or None
    sent_mtx = context.drafts_in(MTX)
    if not sent_steroids and not sent_mtx:
        return Quiet("no oral prednis(ol)one draft and no methotrexate draft"
                     + (f" ({dose_basis.LOCAL_FORMS_NO_DOSE})" if local else ""), facts)
    weight = dosing_weight(record, context)
    bsa = dosing_bsa(record, context)
    kg = weight.value if weight else None
    facts.update(dosing_weight_kg=kg, bsa_m2=bsa)
    steroid = _steroid_check(record, context, p, sent_steroids, weight)
    mtx = _mtx_check(record, context, p, sent_mtx, weight, bsa)
    facts.update(_facts(steroid, mtx))
    checks = [c for c in (steroid, mtx) if c is not None]
    if not checks:
        return Quiet("no oral prednis(ol)one or methotrexate draft giving a dose (one that discontinues an order "
                     "gives none)", facts)
    not_checked = [line for c in checks for line in c.not_judged]
    facts["not_checked"] = "; ".join(not_checked) or None
    # a draft whose dose is not read is named too, with why: an empty 'Ordered:' hid what was ordered
    findings = ["Ordered: " + "; ".join(_as_ordered(d) for c in checks for d in c.drafts)
                + f" (age {record.youngest_age_years})."]
    left_lines = {id(c): line for c in checks if (line := c.left_active_line(context.today)) is not None}
    about = [d.order for c in checks for d in c.drafts]
    if not any(c.found for c in checks):
        return _within_limits(checks, left_lines, findings + [line for c in checks for line in c.lines(kg, bsa)],
                              facts, about)

    ways: list[tuple[str, list[Suggestion]]] = []  # each drug's ways out, which exclude one another
    advice: list[str] = []
    for check in checks:
        findings += [*check.lines(kg, bsa), *check.found]
        left_line = left_lines.get(id(check))
        findings += [left_line.text] if left_line else []
        if check.found:
            leaves = check.leaves(context.today) if check.adds or check.left else None
            findings += filter(None, [leaves.finding(f"The {check.name}") if leaves else None])
            offered, text = _ways_out(record, context, p, check, leaves, weight, bsa, steroid=check is steroid)
            advice.append(text)
            ways.append((check.name, offered))
        elif left_line and check.measured:  # within the limits itself: the order left active is what is wrong
            ways.append((check.name, [continuing.keep_and_discontinue(
                check.left_kept, recommended=not check.not_judged, drafts=[o.reference for o in check.sent])]))
    suggestions, selection = continuing.one_way_out_each(_named_by_drug(ways))
    found = [f for c in checks for f in c.found]
    child = f"Child {record.youngest_age_years} y:"
    above = f"{child} {' and '.join(c.name for c in checks if c.found)} above the juvenile myositis limits"
    return Fired(
        severity="warning",
        # a limit passed, named in full where it fits, never cut off mid-word
        summary=first_fitting([f"{child} {found[0].rstrip('.')}", above]) if len(found) == 1 else above,
        detail=DETAIL.format(findings=" ".join(findings), advice="\n\n".join(advice),
                             unread=("\n\nNot checked: " + "; ".join(not_checked) + ".") if not_checked else ""),
        facts=facts,
        about=about,
        suggestions=suggestions,
        selection=selection,
    )


def _within_limits(checks: list[_Check], left_lines: Mapping[int, continuing.LeftActiveLine], findings: list[str],
                   facts: dict[str, Any], about: list[MedicationOrder]) -> Result:
    """No limit passed by the drafts with the orders beside them. Each drug is judged on its own reads: one with a
    chart order its draft rewrites with no link warns where its own drafts are judged, or where what it did read with
    the orders left active passes a limit (continuing.left_active_warning, each drug's own suggestion); the other
    drug's dose not read or limit not checked is said on that warning, never silencing it. With no warning: not
    evaluable where a dose could not be read or a limit checked, else quiet."""
    warns = [c for c in checks if (line := left_lines.get(id(c))) is not None and (line.over or not c.not_judged)]
    if not warns:
        not_judged = [why for c in checks for why in c.not_judged]
        if not_judged:
            return NotEvaluable("; ".join(not_judged), facts)
        return Quiet(WITHIN + (ON_THE_CHART if any(c.adds for c in checks) else ""), facts)
    left = [c for c in checks if id(c) in left_lines]
    judged = [c for c in checks if not c.not_judged and c.total.described]
    within = (" and ".join(f"{c.drug.lower()} {c.total.described}" for c in judged)
              + (ON_THE_CHART if any(c.adds for c in judged) else "")
              + f" {'is' if len(judged) == 1 else 'are'} {WITHIN}") if judged else None
    findings = [*findings, *(left_lines[id(c)].text for c in left)]
    if len(left) > 1:
        return _both_left_active(left, left_lines, findings, within, facts, about)
    [check] = left
    warning = continuing.left_active_warning(
        check.left_kept, drug=check.drug, drafted=_drafted(check), on_chart=[check.measure.said(d) for d in check.left],
        # with nothing judged, the warning's own not_read says so in its place
        findings=findings, judged=within or "", facts=facts, about=about,
        not_read="; ".join(check.not_judged) or None,
        unchecked=left_lines[id(check)].unchecked,
        # a child's drafts alone not checked per kg (per m²) are not kept on the strength of the rest (as R07)
        keep=check.measured)
    if others := [why for c in checks if c is not check for why in c.not_judged]:
        warning.detail += f"\n\nNot checked: {'; '.join(others)}."
    return warning


def _drafted(check: _Check, *, summary: bool = False) -> str:
    """What a drug's drafts alone give, as a left-active summary names it (continuing.least_given); in R32's own
    summary, a dose not read in brackets."""
    amount = continuing.least_given(check.alone.said, check.alone.at_least)
    return f"({amount})" if summary and amount == DOSE_NOT_READ else amount


BOTH_LEFT_ACTIVE = """\
**{summary}.** {findings}

Each order on the chart named above is the same drug, by the same route, on the same schedule as a draft, so that
draft was read as its next prescription (a taper step, a dose change or a renewal written as a new order), and the
dose check read the drafts alone: {judged}. But no draft links to the order it rewrites (none re-sends it or names it
as its prior prescription), so signing the drafts does not stop those orders.
**Discontinue the orders on the chart when you sign**, or write each draft as a change of its order.{not_checked}"""


def _both_left_active(left: list[_Check], left_lines: Mapping[int, continuing.LeftActiveLine], findings: list[str],
                      within: str | None, facts: dict[str, Any], about: list[MedicationOrder]) -> Fired:
    """The warning where both drugs have chart orders their drafts rewrite with no link, worded for several orders
    (continuing.left_active_warning words one drug's): each drug's own reads say whether keeping its drafts is
    recommended, and each drug's orders left active have a suggestion of their own (continuing.one_way_out_each).
    ``within``: the drugs judged within the limits, as the card says it; None when neither is."""
    steroid, mtx = left
    on_chart = [check.measure.said(d) for check in left for d in check.left]
    # the doses where they fit, else how many orders: cut off, a dose in it would be misread
    summary = first_fitting([
        f"{steroid.drug} {_drafted(steroid, summary=True)} and methotrexate {_drafted(mtx, summary=True)} drafts: "
        f"the orders on the chart ({'; '.join(on_chart)}) are still active",
        f"{steroid.drug} and methotrexate drafts: {len(on_chart)} orders on the chart are still active"])
    unjudged = [check for check in left if check.not_judged]
    judged = "; ".join([*filter(None, [within]), *(f"the {check.name} could not be judged in full (below)"
                                                    for check in unjudged)])
    not_checked = "".join(_keeping_not_known(check, left_lines[id(check)]) for check in unjudged)
    suggestions, selection = continuing.one_way_out_each([[_keep_its_draft(check)] if check.measured else []
                                                          for check in left])
    return Fired(severity="warning", summary=summary,
                 detail=BOTH_LEFT_ACTIVE.format(summary=summary, findings=" ".join(findings), judged=judged,
                                                not_checked=not_checked),
                 facts=facts, about=about, suggestions=suggestions, selection=selection)


def _keep_its_draft(check: _Check) -> Suggestion:
    """continuing.keep_and_discontinue for one drug's orders left active, its label naming the drug (a card with
    both drugs' would show two alike), recommended where its drafts are judged."""
    orders_left = "order" if len(check.left) == 1 else "orders"
    return Suggestion(f"Keep the {check.drug.lower()} draft and discontinue the {orders_left} on the chart",
                      continuing.discontinue(check.left_kept), is_recommended=not check.not_judged,
                      keeps=tuple(o.reference for o in check.sent))


def _keeping_not_known(check: _Check, line: continuing.LeftActiveLine) -> str:
    """The card's paragraph for a drug whose drafts could not be judged beside orders left active: why, and that
    keeping them is not recommended (as continuing.left_active_warning says it for one drug), nor offered where
    their own per kg (per m²) limit is not checked (:func:`_both_left_active`)."""
    why = f" ({' and '.join(line.unchecked)} not counted in full)" if line.unchecked else ""
    return (f"\n\nNot checked: {'; '.join(check.not_judged)}. So what keeping the {check.name} draft gives is not "
            f"known{why}: it is {'offered, not recommended' if check.measured else 'not offered'}.")


@dataclass(frozen=True, slots=True)
class _Cancel:
    """Where no dose can be computed (no weight, no BSA): the drafts' cancelling (``delete``), what it leaves on the
    chart when that is read and within the absolute cap (``keeps``, said as the card says it; None otherwise), and
    whether the chart has orders a new dose would add up with (``stops``)."""

    delete: list[Action]
    keeps: str | None
    stops: bool

    def advised(self, why: str, cap: str, unchecked: str, measure: str) -> tuple[list[Suggestion], str]:
        """``why`` no dose is computed, then: cancelling the draft, offered where that keeps the chart within
        ``cap`` but not recommended, as ``unchecked`` (the limit per kg or m²) could not be checked on what it
        leaves; or ``measure`` the child and re-order (stopping the chart's orders)."""
        offered = [Suggestion("Cancel the draft: the order on the chart stays active", self.delete)] \
            if self.keeps else []
        then = (f"Cancelling the draft keeps the order on the chart alone ({self.keeps}, not above {cap}), but "
                f"{unchecked} could not be checked: cancelling is offered, not recommended. Or {measure}"
                ) if self.keeps else measure.capitalize()
        return offered, (f"{why} {then} and re-order"
                         + (", and stop the order on the chart, or the new dose adds up with it." if self.stops
                            else "."))


def _named_by_drug(ways: list[tuple[str, list[Suggestion]]]) -> list[list[Suggestion]]:
    """Each drug's ways out; of two drugs', each label says which drug it is about ('Methotrexate: Cancel the
    draft: ...') unless it names it already: "Cancel the draft" twice said neither. One drug's need no name."""
    if len([way for _, way in ways if way]) < 2:
        return [way for _, way in ways]
    return [[s if drug.split("(")[0] in s.label.lower() else replace(s, label=f"{drug[0].upper()}{drug[1:]}: {s.label}")
             for s in way] for drug, way in ways]


def _ways_out(record: PatientRecord, context: HookContext, p: Mapping[str, float], check: _Check,
              leaves: continuing.Leaves | None, weight: Measure | None, bsa: float | None, *,
              steroid: bool) -> tuple[list[Suggestion], str]:
    """The suggestions and advice for a drug over the limits: cancel the drafts where they alone, and what that
    leaves on the chart, are read and within the limits (the drafts beside the chart's orders are what is wrong, not
    a dose); else the juvenile dose instead, stopping the chart's orders too (beside them it would add up again)."""
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in check.drafts]
    # what cancelling leaves is within every limit only where it is checked per kg (per m²) too
    if check.adds and check.alone_within and check.measured and leaves is not None and leaves.within:
        return continuing.cancel_or_discontinue_advised(delete, [*check.stop, *check.left_kept],
                                                        named=f"the {check.name} on the chart")
    stops = check.chart.to_stop(check.sent, check.stop)
    remove = [*delete, *continuing.discontinue(stops)]
    # with no weight (BSA) no dose is computed: cancelling is offered, not recommended, where what it leaves is
    # within the cap
    cancel = _Cancel(delete, leaves.total if leaves is not None and leaves.within else None, bool(stops))
    if steroid:
        return _steroid_suggestion(context, p, weight, remove, cancel)
    return _mtx_suggestion(record, context, p, check.drafts, bsa, remove, cancel)


def _steroid_suggestion(context: HookContext, p: Mapping[str, float], weight: Measure | None, remove: list[Action],
                        cancel: _Cancel) -> tuple[list[Suggestion], str]:
    if weight is None:
        return cancel.advised(
            f"No current weight (within {int(context.definition('weight_max_age_days_paediatric'))} days), so no dose "
            f"is computed: prednisolone {p['steroid_max_mg_per_kg_day']:g} mg/kg/day, at most "
            f"{p['steroid_max_mg_day']:g} mg/day.", f"{p['steroid_max_mg_day']:g} mg/day",
            f"the {p['steroid_max_mg_per_kg_day']:g} mg/kg/day limit", "weigh the child")
    dose = rounded_dose(p["steroid_max_mg_per_kg_day"] * weight.value, HALF_TABLET_STEP_MG, p["steroid_max_mg_day"],
                        round_down=True, finer_steps=CHILD_FINER_STEPS_MG)
    product = oral_steroid_product("prednisolone", dose.mg)
    text = f"Prednisolone {dose.mg:g} mg ({product.amount}) by mouth once daily"
    resource = orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, product),
        dose.mg, "mg", text=text,
        note=f"{p['steroid_max_mg_per_kg_day']:g} mg/kg/day x {weight.value:g} kg ({weight.day.isoformat()}), "
             f"{dose.how}. Liquid formulation if needed.")
    return ([Suggestion(f"Replace with prednisolone {dose.mg:g} mg PO daily (2 mg/kg, max 60 mg)",
                        [*remove, Action("create", text, resource=resource)], is_recommended=True)],
            f"Suggested: **prednisolone {dose.mg:g} mg by mouth daily** ({p['steroid_max_mg_per_kg_day']:g} mg/kg "
            f"on {weight.describe('kg')}, {dose.how}).")


def _mtx_suggestion(record: PatientRecord, context: HookContext, p: Mapping[str, float], doses: list[DraftDose],
                    bsa: float | None, remove: list[Action], cancel: _Cancel) -> tuple[list[Suggestion], str]:
    per_m2 = p["mtx_suggested_mg_per_m2_week"]
    days = doses[0].order.dosage.timing.days_of_week if doses[0].order.dosage else ()
    day = days[0] if days and days[0] in WEEKDAYS else "mon"
    suggested = child_weekly_methotrexate(record, context, per_m2, p["mtx_max_mg_week"], day,
                                          p["mtx_max_mg_per_m2_week"])
    if suggested is None:  # no current weight or height, so no BSA: the card names which (it said both)
        missing = missing_weight_or_height(record, context) or "no current BSA"
        no_weight, no_height = dosing_weight(record, context) is None, dosing_height(record, context) is None
        return cancel.advised(
            f"{missing[:1].upper()}{missing[1:]}, so no BSA dose is computed: methotrexate {per_m2:g} mg/m² SC once "
            f"weekly, at most {p['mtx_max_mg_week']:g} mg/week.", f"{p['mtx_max_mg_week']:g} mg/week",
            f"the {p['mtx_max_mg_per_m2_week']:g} mg/m²/week limit",
            "measure the child" if no_weight and no_height else "weigh the child" if no_weight
            else "measure the child's height")
    dose = suggested.dose
    actions = [*remove, Action("create", suggested.text, resource=suggested.resource)]
    if not continuing.in_place(record, context, "folic_acid"):
        actions.append(Action("create", "Folic acid 1 mg PO daily", resource=orders.medication_request(
            context.patient_id, orders.text_concept("folic acid 1 MG Oral Tablet"), 1, "mg",
            text="Folic acid 1 mg by mouth once daily")))
    return ([Suggestion(f"Replace with methotrexate {dose.mg:g} mg SC once weekly ({per_m2:g} mg/m2, max 40 mg)",
                        actions, is_recommended=True)],
            f"Suggested: **methotrexate {dose.mg:g} mg SC once weekly** ({per_m2:g} mg/m² x {bsa:.2f} m², "
            f"{dose.how}) with folic acid.")
