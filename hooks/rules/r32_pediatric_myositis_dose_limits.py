"""R32: a child's prednis(ol)one or methotrexate draft above the juvenile myositis (SHARE) limits.

For age < 18 this replaces the adult checks R06 and R09 (the suppression gate holds those back). IV
methylprednisolone in children is R07's. Eye drops and other local forms (hooks.definitions.routes) are no systemic
dose: left out, and named as left out (dose_basis.local_steroids, as R06 names them).

Oral prednis(ol)one or methotrexate already on the chart that no draft replaces goes on beside the drafts
(hooks.definitions.continuing, read as R06 and R09 read it for an adult): its dose adds up with theirs, so a child's
two concurrent orders are judged together. One a draft replaces by a link, or whose last dose comes before the
drafts start, is not added. One replaced only by being written again, with no link, is still on the chart once the
draft is signed: the card says what both would give together and offers to discontinue it (a warning of its own
when the drafts are within the limits). "Cancel the draft" is recommended only where the drafts alone are read and
within the limits and what cancelling leaves on the chart (continuing.OnChart.kept_if_cancelled) is read and within
them too; otherwise the card says what cancelling would leave, or that this is not known, and the dose offered
instead stops the chart's orders too (with no weight or BSA none is computed: cancelling is offered where what it
leaves is within the absolute cap, the one limit checked). An as-needed order on the chart adds no scheduled dose:
it is named. An order on the chart whose dose is not read is named as not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.paediatric_doses import child_weekly_methotrexate
from hooks.definitions.weight import Measure, dosing_bsa, dosing_weight
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
    return _Check(name, drug, sent, chart, drafts, beside, left, total, alone,
                  found_of(total, ON_THE_CHART if _adds(total, alone) else ""),
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


def _steroid_found(total: _Total, label: str, weight: Measure | None, p: Mapping[str, float],
                   beside: str) -> list[str]:
    found = []
    if total.amount is not None and total.amount > p["steroid_max_mg_day"] + EPS:
        found.append(f"{label} {mg(total.amount)}/day{beside} is above the {p['steroid_max_mg_day']:g} mg/day "
                     "maximum.")
    if total.relative is not None and total.relative > p["steroid_max_mg_per_kg_day"] + EPS:
        basis = f"on {weight.describe('kg')}" if weight else "as written"
        found.append(f"{label} {total.relative:.2f} mg/kg/day ({basis}){beside} is above "
                     f"{p['steroid_max_mg_per_kg_day']:g} mg/kg/day.")
    return found


def _steroid_measure(weight: Measure | None, p: Mapping[str, float], today: date) -> _Measure:
    """mg a day as the daily total reads each order: one not read, or written per kg with no weight, not counted."""
    kg = weight.value if weight else None

    def amount(dose: DraftDose) -> float | None:
        day = dose_basis.daily_total([dose], kg, today)
        return None if day.unread or day.per_kg_written else day.mg

    def over(mg_day: float) -> str | None:
        passed = [f"above {p['steroid_max_mg_day']:g} mg/day"] if mg_day > p["steroid_max_mg_day"] + EPS else []
        if kg and mg_day / kg > p["steroid_max_mg_per_kg_day"] + EPS:
            passed.append(f"{mg_day / kg:.2f} mg/kg/day, above {p['steroid_max_mg_per_kg_day']:g} mg/kg/day")
        return "; ".join(passed) or None

    return _Measure(lambda order: dose_basis.read_dose(order, kg), amount,
                    lambda dose: bool(dose_basis.daily_total([dose], kg, today).per_dose_only), "/day", over)


def _steroid_check(record: PatientRecord, context: HookContext, p: Mapping[str, float],
                   sent: list[MedicationOrder], weight: Measure | None) -> _Check | None:
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, GROUP)
                                       if dose_basis.oral_steroid(o)], context.today, GROUP)
    if not chart.given:
        return None
    label = "/".join(sorted({dose_basis.oral_steroid(o) or "prednisone" for o in chart.given})).capitalize()
    return _check("prednis(ol)one", label, sent, chart, _steroid_measure(weight, p, context.today),
                  lambda doses: _steroid_total(doses, label, weight, p, context.today),
                  lambda total, beside: _steroid_found(total, label, weight, p, beside), weight is not None)


# ---------------------------------------------------------------- methotrexate

def _mtx_total(doses: list[DraftDose], bsa: float | None, p: Mapping[str, float], today: date) -> _Total:
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
    unchecked = [f"methotrexate: no current weight and height, so the {p['mtx_max_mg_per_m2_week']:g} mg/m²/week "
                 "limit could not be checked"] if bsa is None and counted else []
    said = f"{mg(total)}/week" if counted else f"{per_m2:.1f} mg/m²/week" if per_m2 else None
    described = f"{said} ({per_m2:.1f} mg/m²/week)" if counted and per_m2 else said
    # with no BSA, what is written per m² is not in the mg a week: that is then the least given
    return _Total(total if counted else None, per_m2, said, described, bool(unread or (weekly and per_m2_written)),
                  unread, unchecked)


def _mtx_found(total: _Total, bsa: float | None, p: Mapping[str, float], beside: str) -> list[str]:
    found = []
    if total.amount is not None and total.amount > p["mtx_max_mg_week"] + EPS:
        found.append(f"Methotrexate {mg(total.amount)}/week{beside} is above the {p['mtx_max_mg_week']:g} mg/week "
                     "maximum.")
    if total.relative is not None and total.relative > p["mtx_max_mg_per_m2_week"] + EPS:
        basis = f"on a BSA of {bsa:.2f} m²" if bsa else "as written"
        found.append(f"Methotrexate {total.relative:.1f} mg/m²/week ({basis}){beside} is above "
                     f"{p['mtx_max_mg_per_m2_week']:g} mg/m²/week.")
    return found


def _mtx_measure(weight: Measure | None, bsa: float | None, p: Mapping[str, float]) -> _Measure:
    """mg a week as the weekly limits judge each order (the dose given at once, less often than weekly); one not
    read, or written per m² with no BSA, not counted."""
    kg = weight.value if weight else None

    def over(week_mg: float) -> str | None:
        passed = [f"above {p['mtx_max_mg_week']:g} mg/week"] if week_mg > p["mtx_max_mg_week"] + EPS else []
        if bsa and week_mg / bsa > p["mtx_max_mg_per_m2_week"] + EPS:
            passed.append(f"{week_mg / bsa:.1f} mg/m²/week, above {p['mtx_max_mg_per_m2_week']:g} mg/m²/week")
        return "; ".join(passed) or None

    return _Measure(lambda order: dose_basis.read_dose(order, kg, bsa),
                    lambda dose: None if dose.problem else dose.week_mg, lambda _: False, "/week", over)


def _mtx_check(record: PatientRecord, context: HookContext, p: Mapping[str, float], sent: list[MedicationOrder],
               weight: Measure | None, bsa: float | None) -> _Check | None:
    chart = continuing.on_chart(sent, continuing.current_orders(record, MTX), context.today, MTX)
    if not chart.given:
        return None
    return _check(MTX, "Methotrexate", sent, chart, _mtx_measure(weight, bsa, p),
                  lambda doses: _mtx_total(doses, bsa, p, context.today),
                  lambda total, beside: _mtx_found(total, bsa, p, beside), bsa is not None)


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
    not_checked = [line for c in checks for line in (*c.unread, *c.total.unchecked)]
    facts["not_checked"] = "; ".join(not_checked) or None
    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.describe()}" for c in checks for d in c.drafts
                                        if d.problem is None) + f" (age {record.youngest_age_years})."]
    left_lines = {id(c): line for c in checks if (line := c.left_active_line(context.today)) is not None}
    about = [d.order for c in checks for d in c.drafts]
    if not any(c.found for c in checks):
        return _within_limits(checks, left_lines, findings + [line for c in checks for line in c.lines(kg, bsa)],
                              "; ".join(not_checked) or None, facts, about)

    ways: list[list[Suggestion]] = []  # each drug's ways out, which exclude one another
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
            ways.append(offered)
        elif left_line and check.measured:  # within the limits itself: the order left active is what is wrong
            ways.append([continuing.keep_and_discontinue(
                check.left_kept, recommended=not (check.unread or check.total.unchecked))])
    suggestions, selection = continuing.one_way_out_each(ways)
    found = [f for c in checks for f in c.found]
    what = " and ".join(c.name for c in checks if c.found)
    return Fired(
        severity="warning",
        summary=f"Child {record.youngest_age_years} y: {found[0].rstrip('.')}"[:139] if len(found) == 1
        else f"Child {record.youngest_age_years} y: {what} above the juvenile myositis limits",
        detail=DETAIL.format(findings=" ".join(findings), advice="\n\n".join(advice),
                             unread=("\n\nNot checked: " + "; ".join(not_checked) + ".") if not_checked else ""),
        facts=facts,
        about=about,
        suggestions=suggestions,
        selection=selection,
    )


def _within_limits(checks: list[_Check], left_lines: Mapping[int, continuing.LeftActiveLine], findings: list[str],
                   not_judged: str | None, facts: dict[str, Any], about: list[MedicationOrder]) -> Result:
    """No limit passed by the drafts with the orders beside them: quiet, not evaluable where a dose could not be read
    or a limit checked, or a warning where a chart order the drafts rewrite with no link stays active (what both give
    together is said, passing a limit or not: continuing.left_active_warning)."""
    if not_judged and not any(line.over for line in left_lines.values()):
        return NotEvaluable(not_judged, facts)
    adds = any(c.adds for c in checks)
    if not left_lines:
        return Quiet(WITHIN + (ON_THE_CHART if adds else ""), facts)
    left = [c for c in checks if id(c) in left_lines]
    judged = [f"{c.drug.lower()} {c.total.described}" for c in checks if c.total.described]
    return continuing.left_active_warning(
        [kept for c in left for kept in c.left_kept],
        drug=left[0].drug if len(left) == 1 else "Prednis(ol)one and methotrexate",
        drafted=" and ".join(continuing.least_given(c.alone.said, c.alone.at_least) for c in left),
        on_chart=[c.measure.said(d) for c in left for d in c.left],
        findings=[*findings, *(left_lines[id(c)].text for c in left)],
        judged=" and ".join(judged) + (ON_THE_CHART if adds else "") + f" {'is' if len(judged) == 1 else 'are'} "
               + WITHIN,
        facts=facts, about=about, not_read=not_judged,
        unchecked=[name for line in left_lines.values() for name in line.unchecked],
        # a child's drafts alone not checked per kg (per m²) are not kept on the strength of the rest (as R07)
        keep=all(c.measured for c in left))


@dataclass(frozen=True, slots=True)
class _Cancel:
    """Where no dose can be computed: the drafts' cancelling (``delete``), what it leaves on the chart when that is
    read and within the absolute cap (``keeps``, said as the card says it; None otherwise), and whether the chart
    has orders a new dose would add up with (``stops``)."""

    delete: list[Action]
    keeps: str | None
    stops: bool

    def advised(self, why: str, cap: str, measure: str) -> tuple[list[Suggestion], str]:
        """``why`` no dose is computed, then: cancel the draft where that keeps the chart within ``cap``, or
        ``measure`` the child and re-order (stopping the chart's orders)."""
        offered = [Suggestion("Cancel the draft: the order on the chart stays active", self.delete,
                              is_recommended=True)] if self.keeps else []
        then = (f"**Cancel the draft** to keep the order on the chart alone ({self.keeps}, not above {cap}), or "
                f"{measure}") if self.keeps else measure.capitalize()
        return offered, (f"{why} {then} and re-order"
                         + (", and stop the order on the chart, or the new dose adds up with it." if self.stops
                            else "."))


def _ways_out(record: PatientRecord, context: HookContext, p: Mapping[str, float], check: _Check,
              leaves: continuing.Leaves | None, weight: Measure | None, bsa: float | None, *,
              steroid: bool) -> tuple[list[Suggestion], str]:
    """The suggestions and advice for a drug over the limits: cancel the drafts where they alone, and what that
    leaves on the chart, are read and within the limits (the drafts beside the chart's orders are what is wrong, not
    a dose); else the juvenile dose instead, stopping the chart's orders too (beside them it would add up again)."""
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in check.drafts]
    if check.adds and check.alone_within and leaves is not None and leaves.within:
        return continuing.cancel_or_discontinue_advised(delete, [*check.stop, *check.left_kept],
                                                        named=f"the {check.name} on the chart")
    stops = check.chart.to_stop(check.sent, check.stop)
    remove = [*delete, *continuing.discontinue(stops)]
    # with no weight (BSA) no dose is computed: cancelling is offered where what it leaves is within the cap
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
            f"{p['steroid_max_mg_day']:g} mg/day.", f"{p['steroid_max_mg_day']:g} mg/day", "weigh the child")
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
    if suggested is None:  # no current weight and height, so no BSA
        return cancel.advised(
            f"No current weight and height, so no BSA dose is computed: methotrexate {per_m2:g} mg/m² SC once "
            f"weekly, at most {p['mtx_max_mg_week']:g} mg/week.", f"{p['mtx_max_mg_week']:g} mg/week",
            "measure the child")
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
