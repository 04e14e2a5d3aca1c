"""R06: an adult oral prednisone/prednisolone draft above 1.1 mg/kg/day or 80 mg/day (2 mg/kg is a JDM dose).

Oral methylprednisolone is held to the same limits by its prednisone-equivalent (section 4: 4 mg = 5 mg), added up
with prednis(ol)one, named in its own mg and in prednisone mg, and replaced in its own tablets [sign-off]. The limits
are the adult IIM/IMNM start; the spec's row has no cohort gate, so a patient with no myositis on file gets the card
too, said as the myositis dose it is (with the draft's own reason, if it gives one), the replacement not chosen.

Oral prednisone or prednisolone already on the chart that no draft replaces goes on beside the drafts
(hooks.definitions.continuing, as R08 and R09 read methotrexate): its daily dose adds up with theirs, so two
concurrent orders are judged together. A taper step that replaces the order before it (linked to it, the same
prescription written again, alone or as the first of steps written as separate orders, or starting after it ends) is
not added. A chart order replaced only by being written again, with no link, is still on the chart once the draft is
signed: the card says what both would give together, and offers to discontinue it (a warning of its own when the
draft alone is within the limits). "Cancel the draft" is offered only where what cancelling leaves on the chart
(continuing.OnChart.kept_if_cancelled: the orders beside the draft, those left active and those it replaces by a
link) is read and within the limits (with no weight, the cap); otherwise the card says what it would leave, or that
this is not known, and the 1 mg/kg replacement offered instead stops them all (with no weight there is none: nothing
is offered, and the card says to weigh the patient and re-order). An as-needed order on the chart adds no scheduled
dose: it is named. Eye drops and other local forms (hooks.definitions.routes) are no systemic dose. An order whose
dose is not read (a draft's too) is not counted: what the others give is the least given, judged and said as 'at
least' (the facts total_mg_day_is_at_least, mg_per_kg_day_is_at_least), as is a total that counts one dose a day for
a draft with no frequency, or with no weight leaves out what is written per kg (or the mg/kg, what is written in mg)
given on the same days; within the limits, the check is not evaluated. With no weight, drafts in mg and per kg given
on no same day are said to be apart, and the summary gives the figure of the limit passed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import continuing, diagnosis, dose_basis
from hooks.definitions.cohorts import INFLAMMATORY_MYOPATHY, is_ibm, is_iim, is_paediatric
from hooks.definitions.dose_basis import DraftDose, mg
from hooks.definitions.routes import is_local_order, route_of
from hooks.definitions.weight import dosing_weight
from hooks.dosing import (
    PEQ_FACTORS,
    TABLET_STEP_MG,
    ProductDose,
    ProductLine,
    RoundedDose,
    Unit,
    oral_steroid_product,
    product_for,
    rounded_dose,
    why_no_frequency,
)
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ETG, LANCET_2024, SEED_001, SEED_003, SEED_004

RULE = Rule(
    id="prednisone-adult-dose-check",
    number=6,
    title="Adult prednisone dose above 1 mg/kg/day or 80 mg/day",
    hooks=("order-sign",),
    severities=("warning",),
    summary="An adult oral prednisone, prednisolone or methylprednisolone draft above 1.1 mg/kg/day or 80 mg/day "
            "prednisone-equivalent (2 mg/kg/day is a paediatric dose).",
    sources=(SEED_003, SEED_004, ETG, LANCET_2024, SEED_001),
    parameters={
        "max_mg_per_kg_day": Param(1.1, "mg/kg/day", "Above this the draft fires (1 mg/kg plus 10% for rounding)."),
        "max_mg_day": Param(80, "mg/day", "Above this absolute daily dose the draft fires (the only check "
                                          "without a current weight)."),
        "suggested_mg_per_kg_day": Param(1, "mg/kg/day", "The starting dose offered instead, on the dosing "
                                                          "weight, rounded to 5 mg and capped at max_mg_day.",
                                         at_most="prednisone-adult-dose-check.max_mg_per_kg_day"),
    },
    override_family="safety",
)

EPS = 1e-9
GROUP = "glucocorticoid_systemic"
# Oral methylprednisolone is an alternative to prednis(ol)one for the same start (steroids.REPLACED_BY_PREDNISONE):
# checked by its prednisone-equivalent against the same limits [sign-off]. Dexamethasone and hydrocortisone are not:
# given for their own reasons (cerebral oedema, antiemesis, adrenal replacement and stress cover), at doses whose
# equivalent passes 80 mg/day by design, they are no myositis start (R01/R02 and the PEQ timeline still count them).
METHYLPREDNISOLONE = "methylprednisolone"
# Methylprednisolone tablets, 32, 16, 8 and 4 mg (every dose in 4 mg steps), largest first as hooks.dosing's lines;
# each display is a coded RxNorm clinical drug of the value set
METHYLPREDNISOLONE_ORAL = ProductLine(GROUP, tuple(Unit(f"methylprednisolone {strength:g} MG Oral Tablet", strength,
                                                        "tablet") for strength in (32.0, 16.0, 8.0, 4.0)))
# The diagnoses the IIM/IMNM starting dose is for (IBM too: an inflammatory myopathy, whatever R02 says of treating it)
MYOSITIS_GROUPS = (*INFLAMMATORY_MYOPATHY, "ibm")

DETAIL = """\
**{head} {exceeds}.** {findings}

{guidance}

{advice}{unread}"""
MYOSITIS_GUIDANCE = """\
For adult IIM/IMNM the starting dose is prednisone **0.5-1 mg/kg/day, usually no more than {cap:g} mg/day**
(several sources cap at 60-75 mg), once each morning; start tapering after 2-4 weeks according to response.
**2 mg/kg/day is a paediatric (juvenile dermatomyositis) dose**, not an adult one: one of the seed summaries
gives adults "1-2 mg/kg/day", which is wrong."""
# No myositis on file: the limits still apply (the spec's row has no cohort gate), said as the myositis dose they are
OTHER_GUIDANCE = """\
**No myositis diagnosis is on file**{reason}. The adult IIM/IMNM starting dose is prednisone 0.5-1 mg/kg/day,
usually no more than {cap:g} mg/day, and this check holds every adult order to it; **for another indication, judge
the dose against that indication's own guideline.**"""
EQUIVALENCE = ("Methylprednisolone is counted as its prednisone-equivalent (4 mg = 5 mg prednisone): every total "
               "and limit on this card is in prednisone mg.\n\n")


def _checked(order: MedicationOrder) -> str | None:
    """The oral glucocorticoid R06 checks ``order`` as: prednisone or prednisolone (dose_basis.oral_steroid), or
    methylprednisolone given by mouth (routes.route_of: by its route, else an oral product). An injectable or one
    whose route is not said is left out: R07 checks the IV pulses, and a bare '1000 MG' is no oral dose to judge."""
    if (ingredient := dose_basis.oral_steroid(order)) is not None:
        return ingredient
    oral = order.medication.concept_in(GROUP) == METHYLPREDNISOLONE and route_of(order) == "oral"
    return METHYLPREDNISOLONE if oral and not is_local_order(order) else None


def _label(orders: Iterable[MedicationOrder]) -> str:
    """The checked ingredients of ``orders`` as a card names them together: 'Prednisone', 'Methylprednisolone/
    prednisone' (as dose_basis.oral_steroid_label)."""
    return "/".join(sorted({_checked(order) or "prednisone" for order in orders})).capitalize()


@dataclass(frozen=True, slots=True)
class _Equivalent(DraftDose):
    """A methylprednisolone order's dose in prednisone-equivalent mg (``mg``, ``daily`` and ``kg_daily`` times the
    factor), so that it is held to the prednisone limits and adds up with prednis(ol)one; named as ordered
    (``ordered``), with its equivalent: '128 mg once a day, prednisone-equivalent 160 mg/day'."""

    ordered: DraftDose | None = None

    def describe(self, *, briefly: bool = False) -> str:
        assert self.ordered is not None
        factor = PEQ_FACTORS[METHYLPREDNISOLONE]
        equivalent = f"{mg(self.daily)}/day" if self.daily is not None else f"x {factor:g}"
        return f"{self.ordered.describe(briefly=briefly)}, prednisone-equivalent {equivalent}"


def _in_prednisone(dose: DraftDose) -> DraftDose:
    """``dose`` in prednisone mg: a methylprednisolone order's as :class:`_Equivalent`, any other as it is."""
    if _checked(dose.order) != METHYLPREDNISOLONE:
        return dose
    factor = PEQ_FACTORS[METHYLPREDNISOLONE]
    read = {f.name: getattr(dose, f.name) for f in fields(DraftDose)}
    read.update({name: round(read[name] * factor, 6) for name in ("mg", "daily", "kg_daily") if read[name] is not None})
    return _Equivalent(**read, ordered=dose)


def _read(order: MedicationOrder, weight_kg: float | None) -> DraftDose:
    """dose_basis.read_dose in prednisone mg (:func:`_in_prednisone`)."""
    return _in_prednisone(dose_basis.read_dose(order, weight_kg))


def _over_limits(day: dose_basis.DailyTotal, weight_kg: float | None,
                 p: Mapping[str, float]) -> tuple[float | None, bool, bool]:
    """mg/kg/day (on the weight, else as written per kg), and whether the daily mg and the mg/kg go over the
    limits."""
    per_kg = (day.mg / weight_kg) if weight_kg else (day.per_kg_written or None)
    return (per_kg, day.mg > p["max_mg_day"] + EPS,
            per_kg is not None and per_kg > p["max_mg_per_kg_day"] + EPS)


def _counted_per_kg(day: dose_basis.DailyTotal) -> list[DraftDose]:
    """The drafts the daily total counts by their mg/kg alone: written per kg with no weight, their mg is not known
    (dose_basis.daily_total adds them up apart from the mg)."""
    return [d for d in day.counted if d.daily is None and d.mg is None]


@dataclass(frozen=True, slots=True)
class _Kinds:
    """A daily total's two figures and what each leaves out. The mg a day adds up the drafts counted in mg (``in_mg``:
    all of them with a weight) on the day they give the most (``on_mg_day``); with no weight, the mg/kg a day adds up
    those written per kg (``per_kg``: :func:`_counted_per_kg`) on theirs (``on_kg_day``), and each figure leaves out
    the other kind. Of the drafts a figure leaves out, those given on a day with one it adds up make it only the least
    given (``mg_with``, ``kg_with``); the others are given on other days (``mg_apart``, ``kg_apart``): all four empty
    with drafts of one kind."""

    in_mg: list[DraftDose] = field(default_factory=list)
    per_kg: list[DraftDose] = field(default_factory=list)
    on_mg_day: list[DraftDose] = field(default_factory=list)
    on_kg_day: list[DraftDose] = field(default_factory=list)
    mg_with: list[DraftDose] = field(default_factory=list)  # written per kg, given on a day of the mg a day
    mg_apart: list[DraftDose] = field(default_factory=list)  # written per kg, on other days than the mg a day
    kg_with: list[DraftDose] = field(default_factory=list)  # in mg, given on a day of the mg/kg a day
    kg_apart: list[DraftDose] = field(default_factory=list)  # in mg, on other days than the mg/kg a day

    @property
    def kg_on_other_days(self) -> bool:
        """The drafts the mg/kg a day adds up are given on no day of those the mg a day adds up."""
        return bool(self.on_kg_day) and all(any(d is a for a in self.mg_apart) for d in self.on_kg_day)

    def apart(self, by_kg: bool) -> list[DraftDose]:
        """The drafts a figure (the mg/kg a day with ``by_kg``, else the mg a day) does not add up, as given on other
        days: of its kind, those not given on its day (as dose_basis.daily_total's ``apart``); of the other kind,
        those given on none of its drafts' days."""
        kind, figure, other = ((self.per_kg, self.on_kg_day, self.kg_apart) if by_kg
                               else (self.in_mg, self.on_mg_day, self.mg_apart))
        return [*(d for d in kind if not any(d is f for f in figure)), *other]


def _on_figure_day(doses: list[DraftDose], amount: Callable[[dose_basis.DailyTotal], float],
                   weight_kg: float | None, today: date) -> list[DraftDose]:
    """Those of ``doses`` a figure adds up: given on the day they give the most together, as dose_basis.daily_total
    picks them (dose_basis.most_on_one_day), each by the ``amount`` its own daily total gives."""
    picked = dose_basis.most_on_one_day(
        [(d.order, amount(dose_basis.daily_total([d], weight_kg, today))) for d in doses], today)[1]
    return [d for d in doses if any(d.order is o for o in picked)]


def _kinds(day: dose_basis.DailyTotal, weight_kg: float | None, today: date) -> _Kinds:
    """What each figure of ``day`` adds up and leaves out (:class:`_Kinds`); draft_span gives each draft's days."""
    per_kg = [] if weight_kg is not None else _counted_per_kg(day)
    in_mg = [d for d in day.counted if not any(d is k for k in per_kg)]
    on_mg_day = _on_figure_day(in_mg, lambda total: total.mg, weight_kg, today)
    on_kg_day = _on_figure_day(per_kg, lambda total: total.per_kg_written, weight_kg, today)
    if not per_kg or not in_mg:
        return _Kinds(in_mg, per_kg, on_mg_day, on_kg_day)
    spans = {id(d): dose_basis.draft_span(d.order, today) for d in day.counted}

    def together(a: DraftDose, b: DraftDose) -> bool:
        (first_a, last_a), (first_b, last_b) = spans[id(a)], spans[id(b)]
        return first_a <= (last_b or date.max) and first_b <= (last_a or date.max)

    def split(figure: list[DraftDose], left_out: list[DraftDose]) -> tuple[list[DraftDose], list[DraftDose]]:
        """``left_out`` given on a day with one of ``figure``, and the others."""
        with_it = [d for d in left_out if any(together(d, f) for f in figure)]
        return with_it, [d for d in left_out if not any(d is w for w in with_it)]

    return _Kinds(in_mg, per_kg, on_mg_day, on_kg_day, *split(on_mg_day, per_kg), *split(on_kg_day, in_mg))


def _at_least(day: dose_basis.DailyTotal, weighed: bool, kinds: _Kinds) -> tuple[bool, bool]:
    """Whether the mg a day, and the mg/kg a day, of ``day`` are only the least given: with a dose not read, or one
    dose a day counted for a draft with no frequency (the mg/kg too, with a weight: it is the mg over the weight);
    and with no weight, a draft of the kind a figure leaves out given on one of its days (:class:`_Kinds`), or, for
    the mg, none in mg at all beside drafts written per kg."""
    mg_day = bool(day.unread or day.per_dose_only or kinds.mg_with or (day.per_kg_written and not kinds.on_mg_day))
    per_kg_day = bool(day.unread or (day.per_dose_only if weighed else kinds.kg_with))
    return mg_day, per_kg_day


def _drafts_alone(alone: dose_basis.DailyTotal, counted: list[DraftDose], weight_kg: float | None,
                  today: date) -> str:
    """What the drafts give alone, as a left-active summary names it (continuing.least_given), the dose not read when
    none of them is counted (``counted``): in mg a day, 'at least' as :func:`_at_least` says; with no weight, in mg/kg
    a day too where what is written per kg is given on other days than the mg (:class:`_Kinds`: '30 mg/day and 1.00
    mg/kg/day (on other days)'), or alone where none is in mg (not '0 mg/day')."""
    weighed = weight_kg is not None
    kinds = _kinds(alone, weight_kg, today)
    mg_day, per_kg_day = _at_least(alone, weighed, kinds)
    per_kg = continuing.least_given(f"{alone.per_kg_written:.2f} mg/kg/day", per_kg_day)
    if not weighed and counted and not alone.mg:
        return per_kg
    given = continuing.least_given(f"{mg(alone.mg)}/day" if counted else None, mg_day)
    return f"{given} and {per_kg} (on other days)" if kinds.kg_on_other_days else given


def _left_active_line(left: list[tuple[MedicationOrder, str]], given: list[DraftDose],
                      drafts: Sequence[MedicationOrder], weight_kg: float | None, today: date,
                      p: Mapping[str, float]) -> continuing.LeftActiveLine:
    """continuing.left_active_line in mg a day, each of ``given`` (the ``drafts``, the chart's orders going on and
    those left active) read as the daily total reads it: one not read, or per kg with no weight, is not counted (a total
    only when the others pass a limit); one with no frequency counts one dose, so the total is 'at least'."""
    days = [(d.order, dose_basis.daily_total([d], weight_kg, today)) for d in given]

    def over(total_mg: float) -> str | None:
        per_kg, over_cap, over_kg = _over_limits(dose_basis.DailyTotal(mg=total_mg), weight_kg, p)
        passed = [f"above {p['max_mg_day']:g} mg/day"] if over_cap else []
        if over_kg and per_kg is not None:
            passed.append(f"{per_kg:.2f} mg/kg/day, above {p['max_mg_per_kg_day']:g} mg/kg/day")
        return "; ".join(passed) or None

    return continuing.left_active_line(
        left, [(order, day.mg_read) for order, day in days], today,
        drafts=drafts, named=lambda total_mg, _: f"{mg(total_mg)}/day", over=over,
        minimum=[order for order, day in days if day.per_dose_only])


def _cancelling_leaves(kept: list[DraftDose], weight_kg: float | None, today: date,
                       p: Mapping[str, float]) -> tuple[continuing.Leaves, str | None]:
    """What cancelling the drafts leaves (``kept``: continuing.OnChart.kept_if_cancelled), in mg a day as
    :attr:`dose_basis.DailyTotal.mg_read` reads it, 'above the limits' where that passes the cap or, on the weight,
    the mg/kg; with no weight, in mg/kg a day where only that passes a limit (the orders written per kg: those in mg
    are not counted in it). And the card's line when it is not known to be within them (continuing.Leaves.finding),
    which says why an order written per kg with no weight is not counted in mg."""
    leaves = _leaves_in_one_unit(kept, weight_kg, today, p)
    per_kg = [d.order for d in kept if d.per_kg]
    return leaves, leaves.finding(why_not=lambda order: "is written per kg, with no current weight"
                                  if weight_kg is None and any(order is o for o in per_kg) else "could not be counted")


def _leaves_in_one_unit(kept: list[DraftDose], weight_kg: float | None, today: date,
                        p: Mapping[str, float]) -> continuing.Leaves:
    """:func:`_cancelling_leaves`' count: in mg a day, or with no weight in mg/kg a day where only that passes a
    limit."""
    days = [(d.order, dose_basis.daily_total([d], weight_kg, today)) for d in kept]
    in_mg = continuing.Leaves.of(
        [(order, day.mg_read) for order, day in days], today, named=lambda total_mg, _: f"{mg(total_mg)}/day",
        over=lambda total_mg: ("above the limits" if any(_over_limits(dose_basis.DailyTotal(mg=total_mg), weight_kg,
                                                                      p)[1:]) else None),
        part_counted=[order for order, day in days if day.per_dose_only])
    if weight_kg is not None or in_mg.over is not None:
        return in_mg
    per_kg = continuing.Leaves.of(
        [(order, None if day.unread or not day.per_kg_written else day.per_kg_written) for order, day in days], today,
        named=lambda total, _: f"{total:.2f} mg/kg/day",
        over=lambda total: "above the limits" if total > p["max_mg_per_kg_day"] + EPS else None)
    return per_kg if per_kg.over is not None else in_mg


def _no_frequency_for(orders: Sequence[MedicationOrder]) -> str:
    """'frequency not given for A, B; timing not readable (frequency -1, period 1 d) for C': why no frequency is read
    for each of ``orders`` (dosing.why_no_frequency), those with the same reason named together."""
    labels: dict[str, list[str]] = {}
    for order in orders:
        labels.setdefault(why_no_frequency(order), []).append(order.label)
    return "; ".join(f"{why} for {', '.join(named)}" for why, named in labels.items())


def _replacement(ingredient: str, weight_kg: float, p: Mapping[str, float]) -> tuple[str, RoundedDose, ProductDose]:
    """The start offered instead (suggested_mg_per_kg_day on ``weight_kg``, at most max_mg_day) in the drug ordered:
    methylprednisolone as the prednisone-equivalent over its factor in its tablets' 4 mg steps [sign-off], else
    prednis(ol)one rounded to 5 mg; in prednisone where methylprednisolone would be less than one tablet."""
    target = p["suggested_mg_per_kg_day"] * weight_kg
    factor, step = PEQ_FACTORS[METHYLPREDNISOLONE], METHYLPREDNISOLONE_ORAL.finest_mg
    if ingredient == METHYLPREDNISOLONE and target / factor >= step:
        dose = rounded_dose(target / factor, step, p["max_mg_day"] / factor)
        return ingredient, dose, product_for(METHYLPREDNISOLONE_ORAL, dose.mg)
    ingredient = "prednisone" if ingredient == METHYLPREDNISOLONE else ingredient
    dose = rounded_dose(target, TABLET_STEP_MG, p["max_mg_day"])
    return ingredient, dose, oral_steroid_product(ingredient, dose.mg)


def _per_kg_start(ingredient: str, p: Mapping[str, float]) -> str:
    """The start's mg/kg as the card words it: '1 mg/kg', for methylprednisolone '1 mg/kg prednisone-equivalent'."""
    equivalent = " prednisone-equivalent" if ingredient == METHYLPREDNISOLONE else ""
    return f"{p['suggested_mg_per_kg_day']:g} mg/kg{equivalent}"


def _target(ingredient: str, p: Mapping[str, float]) -> str:
    """The start aimed at, said where no weight gives its dose: '1 mg/kg/day once each morning, rounded to 5 mg, at
    most 80 mg/day', for methylprednisolone in its own mg too."""
    per_kg, cap = p["suggested_mg_per_kg_day"], p["max_mg_day"]
    if ingredient != METHYLPREDNISOLONE:
        return f"{per_kg:g} mg/kg/day once each morning, rounded to {TABLET_STEP_MG:g} mg, at most {cap:g} mg/day"
    factor, step = PEQ_FACTORS[METHYLPREDNISOLONE], METHYLPREDNISOLONE_ORAL.finest_mg
    return (f"{per_kg:g} mg/kg/day prednisone-equivalent once each morning: methylprednisolone {per_kg / factor:g} "
            f"mg/kg/day in {step:g} mg steps, at most {cap / factor:g} mg/day")


def _no_myositis(record: PatientRecord, context: HookContext, drafts: Sequence[MedicationOrder]) -> str | None:
    """With no myositis diagnosis on file, nor one the drafts give as their reason: what the card says after 'No
    myositis diagnosis is on file', the reasons the drafts do give (' (the draft's reason: giant cell arteritis)'),
    else ''. None where the patient has myositis (IIM or IMNM, cohorts.is_iim, or IBM)."""
    if is_iim(record, context) or is_ibm(record):
        return None
    reasons = [concept for order in drafts for concept, _ in diagnosis.stated_reasons(order, record)]
    if any(concept.in_group(*MYOSITIS_GROUPS) for concept in reasons):
        return None
    named = list(dict.fromkeys(concept.label for concept in reasons))
    return f" (the draft's reason: {'; '.join(named)})" if named else ""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    age = record.age_years
    glucocorticoids = context.drafts_in(GROUP)
    sent = [o for o in glucocorticoids if _checked(o)]  # not eye drops or other local forms, nor injectables
    weight = dosing_weight(record, context)
    facts: dict[str, object] = {
        "age_years": age,
        **dose_basis.measure_facts(record, context),
        "dosing_weight_kg": weight.value if weight else None,
        "max_mg_per_kg_day": p["max_mg_per_kg_day"],
        "max_mg_day": p["max_mg_day"],
    }
    if is_paediatric(record, context):
        return Quiet("paediatric patient: R32 checks the dose", facts)
    # prednisolone eye drops are no systemic dose (they were read as an unreadable oral one): named, as left out
    local = dose_basis.local_steroids(glucocorticoids)
    facts["not_systemic"] = "; ".join(o.label for o in local) or None
    # the chart's current orders beside the drafts; a draft that discontinues one of them gives no dose
    chart = continuing.on_chart(sent, [o for o in continuing.current_orders(record, GROUP) if _checked(o)],
                                context.today, GROUP)
    drafts = chart.given
    if not drafts:
        return Quiet("no oral prednisone, prednisolone or methylprednisolone draft" + (
            " giving a dose (one that discontinues an order gives none)" if sent else
            f" ({dose_basis.LOCAL_FORMS_NO_DOSE})" if local else ""), facts)
    kg = weight.value if weight else None
    doses = [_read(o, kg) for o in drafts]  # methylprednisolone in prednisone mg, as every total and limit here
    facts["drafts"] = "; ".join(f"{d.order.label}: {d.describe()}" for d in doses)
    on_chart = [_read(o, kg) for o in chart.scheduled]
    left = [_in_prednisone(d) for d in chart.left_active_doses(kg)[0]]  # rewritten with no link: still active
    left_kept = [(d.order, d.how_given()) for d in left]
    equivalent = [d for d in [*doses, *on_chart, *left] if isinstance(d, _Equivalent)]
    facts["prednisone_equivalent"] = "; ".join(
        f"{d.order.label} x {PEQ_FACTORS[METHYLPREDNISOLONE]:g}" for d in equivalent) or None
    facts["steroid_on_chart"] = "; ".join(f"{d.order.label}: {d.describe()}{chart.note(d.order)}"
                                          for d in on_chart) or None
    facts.update(chart.facts())

    # the chart's orders are added to the drafts on the days both are given; one whose dose cannot be read leaves
    # the total unknown
    read = [d for d in on_chart if not d.problem]
    day = dose_basis.daily_total([*doses, *read], kg, context.today)
    unread = [*day.unread, *(f"{d.order.label} (on the chart): {d.problem}" for d in on_chart if d.problem)]
    total_mg, per_kg_written = day.mg, day.per_kg_written
    counted, per_dose_only = day.counted, day.per_dose_only
    facts["total_mg_day"] = round(total_mg, 2) if counted else None
    # a total that leaves out part of what is given is the least given, said as 'at least' (:func:`_at_least`); an
    # order on the chart whose dose is not read is left out too
    kinds = _kinds(day, kg, context.today)
    mg_at_least, per_kg_at_least = _at_least(day, weight is not None, kinds)
    least = "at least " if mg_at_least or unread else ""
    least_per_kg = "at least " if per_kg_at_least or unread else ""
    facts["total_mg_day_is_at_least"] = bool(least) if counted else None
    per_kg, over_cap, over_kg = _over_limits(day, kg, p)
    facts["mg_per_kg_day"] = round(per_kg, 2) if per_kg is not None else None
    facts["mg_per_kg_day_is_at_least"] = bool(least_per_kg) if per_kg is not None else None
    # with no weight the card states the mg/kg when no mg is counted, or when it is the only limit passed
    by_kg = weight is None and per_kg is not None and (not total_mg or (over_kg and not over_cap))
    # the drafts the stated figure does not add up, given on other days than it
    apart = kinds.apart(by_kg)
    facts["not_given_together"] = "; ".join(d.order.label for d in apart) or None
    facts["unreadable"] = "; ".join(unread) or None

    drafted = [d for d in doses if any(d is c for c in counted)]
    # what the drafts give alone: more with the chart's orders means they are on the day that gives the most
    alone = dose_basis.daily_total(doses, kg, context.today) if read else day
    # a draft not read, or with no frequency (one dose counted), leaves what the drafts give alone only the least; with
    # no weight, so does one written per kg, in mg: only what they give in mg/kg is known (the 80 mg cap is not)
    alone_at_least = bool(alone.unread or alone.per_dose_only or (weight is None and alone.per_kg_written))
    adds = alone.mg + EPS < total_mg or alone.per_kg_written + EPS < per_kg_written
    named = [d.order for d in drafted or doses]
    # with methylprednisolone among them, every figure is in prednisone mg, and the card says so
    drug = (f"{_label([*named, *(d.order for d in equivalent)])} (as prednisone)" if equivalent
            else _label(named))
    # methylprednisolone alone is named in its own mg too: 'Methylprednisolone 128 mg/day = prednisone 160 mg/day'
    only_methylprednisolone = bool(equivalent) and len(equivalent) == len([*doses, *on_chart, *left])
    no_myositis = _no_myositis(record, context, drafts)
    facts["myositis_on_file"] = no_myositis is None
    findings = ["Ordered: " + "; ".join(f"{d.order.label}, {d.how_given()}" for d in doses) + "."]
    # every order on the chart going on beside the drafts is named, and offered to be stopped, by its id
    stop = [(d.order, d.how_given()) for d in on_chart]
    if stop:
        findings.append(chart.going_on(stop))
    if as_needed := chart.as_needed_line(kg):  # prednisone all the same, though no scheduled dose of it adds up
        findings.append(as_needed)
    # everything given together, an order whose dose is not read too (said as not counted)
    left_line = _left_active_line(left_kept, [*doses, *on_chart, *left], drafts, kg, context.today, p) if left else None
    if not over_cap and not over_kg:
        not_judged = (
            "dose could not be read: " + "; ".join(unread) if unread else
            f"{_no_frequency_for(per_dose_only)}: one dose is within the limits but the daily dose "
            "is unknown" if per_dose_only else
            f"{', '.join(d.order.label for d in counted if d.per_kg)} is written per kg and there is no current "
            "weight: the 80 mg/day cap could not be checked" if weight is None and per_kg_written else None)
        # what was read with the orders left active passing a limit is said, whatever could not be read
        if not_judged and not (left_line and left_line.over):
            return NotEvaluable(not_judged, facts)
        within = (f"{mg(total_mg)}/day" + (" prednisone-equivalent" if equivalent else "")
                  + (f" ({per_kg:.2f} mg/kg/day)" if per_kg is not None else "")
                  + (" with the order on the chart" if adds else "") + " is within the adult limits"
                  + ("" if weight else " (no current weight: only the 80 mg cap was checked)"))
        if left_line:
            return continuing.left_active_warning(
                left_kept, drug=drug,
                drafted=_drafts_alone(alone, drafted, kg, context.today),
                on_chart=[f"{mg(d.daily)}/day" if d.daily is not None else d.how_given() for d in left],
                findings=[*findings, left_line.text], judged=within, facts=facts, about=[d.order for d in doses],
                not_read=not_judged, unchecked=left_line.unchecked)
        return Quiet(within, facts)

    if over_cap:
        # with a dose not read beside it, the draft alone is not all that is given
        findings.append(f"{'Together they give' if adds or unread else 'The draft gives'} {least}{mg(total_mg)}/day, "
                        f"above {p['max_mg_day']:g} mg/day.")
    if over_kg and per_kg is not None:
        # with no weight, the mg/kg of drafts written per kg beside drafts in mg is no restatement of the mg a day
        written = weight is None and total_mg > 0
        basis = f" on {weight.describe('kg')}" if weight else "" if written else " as written"
        findings.append(f"{'The dose written per kg is' if written else 'That is'} {least_per_kg}{per_kg:.2f} "
                        f"mg/kg/day{basis}, above {p['max_mg_per_kg_day']:g} mg/kg/day.")
    if apart:  # named with the figure they are apart from, each with its dose (two drafts may share a label)
        figure = f"{per_kg:.2f} mg/kg/day" if by_kg and per_kg is not None else f"{mg(total_mg)}/day"
        findings.append(f"Not added up with the {figure}, as not given on the same days: "
                        + "; ".join(f"{d.order.label} ({d.describe()})" for d in apart) + ".")
    findings += [left_line.text] if left_line else []
    if per_dose_only:
        no_frequency = _no_frequency_for(per_dose_only)
        findings.append(f"{no_frequency[:1].upper()}{no_frequency[1:]}: one dose was counted a day, so the daily "
                        "dose is at least this.")
    if weight is None:  # the dosing-weight card (R33) asks for one where a draft needs it (dose_basis.needs)
        findings.append(f"There is no body weight from the last {int(context.definition('weight_max_age_days'))} "
                        "days, so the per-kg limit could not be checked ("
                        + ("see the dosing-weight card)." if dose_basis.needs(record, context) else
                           "record a current weight)."))
    if age is None:
        findings.append("The patient's age is not on file: adult limits were applied.")
    # the start is offered in the drug ordered: methylprednisolone where every draft is, else prednis(ol)one
    ingredient = min({_checked(order) or "prednisone" for order in named} - {METHYLPREDNISOLONE},
                     default=METHYLPREDNISOLONE)
    delete = [Action("delete", f"Cancel {d.order.label} ({d.describe()})", resource_id=d.order.reference)
              for d in doses]
    suggestions: list[Suggestion] = []
    # what cancelling the drafts leaves on the chart, where the drafts add to the chart's orders or leave one active
    leaves, leaves_line = _cancelling_leaves([_read(o, kg) for o in chart.kept_if_cancelled], kg,
                                             context.today, p) if adds or left else (None, None)
    findings += [leaves_line] if leaves_line else []
    if adds and leaves and leaves.within and not alone_at_least and not any(_over_limits(alone, kg, p)[1:]):
        # the draft alone, and what cancelling it leaves (every order read), are within the limits: it is the order
        # beside the chart's that is wrong, not a dose (never said of the least the drafts give, with one of them not
        # all read)
        facts["suggested_mg_day"] = None
        suggestions, advice = continuing.cancel_or_discontinue_advised(delete, [*stop, *left_kept],
                                                                       replacing_as=" (a taper step)")
    elif weight is not None:
        ingredient, dose, product = _replacement(ingredient, weight.value, p)
        per_kg_start = _per_kg_start(ingredient, p)
        text = f"{ingredient.capitalize()} {dose.mg:g} mg ({product.amount}) by mouth once every morning"
        resource = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product),
            dose.mg, "mg", text=text, route="oral", when=["MORN"],
            note=f"{per_kg_start} x {weight.value:g} kg ({weight.day.isoformat()}), "
                 f"{dose.how}; review for taper after 2-4 weeks.")
        facts["suggested_mg_day"], facts["suggested_drug"] = dose.mg, ingredient
        # with no myositis on file it is the myositis start, offered but not chosen for the clinician
        advice = (f"{'Suggested instead' if no_myositis is None else 'The IIM/IMNM start would be'}: "
                  f"**{ingredient} {dose.mg:g} mg by mouth every morning** "
                  f"({per_kg_start} on {weight.describe('kg')}, {dose.how}).")
        # the replacement stops the chart's orders too: beside them, the new dose would add up again
        suggestions.append(Suggestion(f"Replace with {ingredient} {dose.mg:g} mg PO every morning ({per_kg_start})",
                                      [*delete, *continuing.discontinue(chart.to_stop(sent, stop)),
                                       Action("create", text, resource=resource)],
                                      is_recommended=no_myositis is None))
    else:
        facts["suggested_mg_day"] = None
        # no replacement can be computed, and keeping the drafts is not offered (they are over the limits, their mg
        # is not known, or what cancelling them leaves is not known within them). Cancelling them is offered where
        # what it leaves is read in mg and within the cap (the only limit without a weight).
        keep_chart = leaves.total if leaves and leaves.within else None
        suggestions = [Suggestion("Cancel the draft: the order on the chart stays active", delete,
                                  is_recommended=True)] if keep_chart else []
        advice = (f"No weight-based dose can be suggested without a current weight: the target is "
                  f"{_target(ingredient, p)}. "
                  + (f"**Cancel the draft** to keep the order on the chart alone ({keep_chart}, not above "
                     f"{p['max_mg_day']:g} mg/day), or weigh" if keep_chart else "Weigh") + " the patient and re-order"
                  + (", and stop the order on the chart, or the new dose adds up with it."
                     if chart.to_stop(sent, stop) else "."))
    summary_dose = f"{least_per_kg}{per_kg:.2f} mg/kg/day" if by_kg and per_kg is not None else (
        f"{least}{mg(total_mg)}/day")
    if over_kg and over_cap and per_kg is not None and weight is not None:
        summary_dose += f" ({per_kg:.1f} mg/kg)"
    elif over_kg and weight is not None and per_kg is not None:
        summary_dose += f" = {per_kg:.2f} mg/kg/day"
    if adds:
        summary_dose += " with the order on the chart"
    head = f"{drug} {summary_dose}"
    if only_methylprednisolone:
        factor = PEQ_FACTORS[METHYLPREDNISOLONE]
        own = (f"{least_per_kg}{per_kg / factor:.2f} mg/kg/day" if by_kg and per_kg is not None
               else f"{least}{mg(total_mg / factor)}/day")
        head = f"{_label(named)} {own} = prednisone {summary_dose}"
    limit = f"{p['max_mg_day']:g} mg/day" if over_cap else f"{p['max_mg_per_kg_day']:g} mg/kg/day"
    guidance = (EQUIVALENCE if equivalent else "") + (
        MYOSITIS_GUIDANCE.format(cap=p["max_mg_day"]) if no_myositis is None
        else OTHER_GUIDANCE.format(reason=no_myositis, cap=p["max_mg_day"]))
    exceeds = (f"exceeds the adult limit ({limit})", "1 mg/kg/day is usual") if no_myositis is None else (
        f"is above the adult IIM/IMNM limit ({limit})", "no myositis on file")
    return Fired(
        severity="warning",
        summary=first_fitting([f"{head} {exceeds[0]}; {exceeds[1]}", f"{head} {exceeds[0]}"]),
        detail=DETAIL.format(head=head, findings=" ".join(findings), guidance=guidance,
                             exceeds="exceeds the adult starting dose" if no_myositis is None
                             else "is above the adult IIM/IMNM starting dose", advice=advice,
                             unread=("\n\nNot read: " + "; ".join(unread) + ".") if unread else ""),
        facts=facts,
        about=[d.order for d in doses],
        suggestions=suggestions,
        selection="at-most-one",  # cancel the draft, or keep it and stop the chart's order: never both
    )
