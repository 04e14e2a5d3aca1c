"""R13: azathioprine with allopurinol or febuxostat. Xanthine oxidase clears 6-mercaptopurine; blocking it makes
thiopurines accumulate and causes life-threatening myelosuppression. Avoid the pair; if allopurinol cannot be
avoided, azathioprine goes down to 25-33% of its dose with weekly CBCs.

Each drug is read as the dose checks read theirs (hooks.definitions.continuing, as R12 reads azathioprine): the
chart's current orders, one on hold or of a status that does not say ('unknown', none) counted as going on, and said;
a draft that stops a chart order it re-sends or names gives no dose and ends that order, so signing a stop brings
nothing together. The 25-33% is of the dose the patient is on: the chart's current azathioprine, which the drafts
replace or add to (the drafts' own dose only for a new start); a draft already within it is said to be, and no other
dose is offered. Cancelling a draft leaves the chart's orders (those it replaces too), so the ways out that give none
of a drug, or a reduced dose, discontinue them (continuing.OnChart.to_stop)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import continuing, lab_orders, weight
from hooks.definitions.dose_basis import named_with_dose, read_dose
from hooks.dosing import AZATHIOPRINE_ORAL, daily_mg, largest_given, product_for
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import AZA_ALLOPURINOL, AZA_LABEL

RULE = Rule(
    id="aza-xanthine-oxidase-interaction",
    number=13,
    title="Azathioprine with allopurinol or febuxostat",
    hooks=("order-sign",),
    severities=("critical",),
    summary="An azathioprine draft with active allopurinol or febuxostat, or the reverse: life-threatening "
            "myelosuppression.",
    sources=(AZA_LABEL, AZA_ALLOPURINOL),
    parameters={
        "reduced_low_fraction": Param(0.25, "fraction", "If allopurinol is unavoidable: azathioprine at least this "
                                                        "share of its dose..."),
        "reduced_high_fraction": Param(1 / 3, "fraction", "... and at most this share (the label's one third)."),
    },
    override_family="safety",
)


def reduced_dose(current_mg: float, high_fraction: float) -> float | None:
    """The most whole azathioprine tablets give at or below ``high_fraction`` x the current daily dose (the label's
    one third): the dose is cut for the interaction, so rounding only goes down, below the range where no tablet
    dose falls in it (125 mg/day: 31-42 mg has none, so 25 mg). None where not even one 25 mg tablet fits (50
    mg/day: at most 16.7 mg); tablets are never split."""
    return largest_given(AZATHIOPRINE_ORAL, current_mg * high_fraction)


def _share(params: Mapping[str, float]) -> str:
    """The label's share as the card says it: '25-33%'."""
    return f"{params['reduced_low_fraction'] * 100:.0f}-{params['reduced_high_fraction'] * 100:.0f}%"


def _reduction(current: float | None, lower: float | None, params: Mapping[str, float]) -> tuple[str, str]:
    """(how the card says to cut the dose, the share the reduced order's text gives) with allopurinol."""
    share = _share(params)
    if current is None:
        return (f"{share} of the dose (the current dose could not be read, so the reduced dose is not computed)",
                share)
    low, high = current * params["reduced_low_fraction"], current * params["reduced_high_fraction"]
    if lower is None:
        return (f"{share} of the dose ({current:g} mg/day -> {low:.3g}-{high:.3g} mg/day: no whole tablet fits, as the "
                f"smallest is {AZATHIOPRINE_ORAL.finest_mg:g} mg and tablets are not split, so none is suggested; "
                "ask the pharmacy)", share)
    cut = f"{share} of the dose: {current:g} mg/day -> **{lower:g} mg/day**"
    if lower < low - 1e-6:  # no whole-tablet dose within the range: rounded down, never up, and the share said
        given = f"{lower / current:.0%} of {current:g} mg"
        return (f"{cut} ({low:.3g}-{high:.3g} mg/day has no dose in whole tablets, so it is rounded down to "
                f"{given})", f"{given}, rounded down to whole tablets")
    return cut, f"{share} of {current:g} mg"


DETAIL = """\
**Do not combine azathioprine with {xoi_name}.** {pair}
Allopurinol and febuxostat block xanthine oxidase, which clears azathioprine's active metabolite; thiopurines then
accumulate and can cause life-threatening bone-marrow suppression.

{advice}{chart}
If the two are given together, check a CBC every week."""

AZA, XOI = "azathioprine", "xanthine_oxidase_inhibitor"


@dataclass(frozen=True, slots=True)
class _Drug:
    """One drug of the pair: its drafts as sent, the chart's current orders (continuing.current_orders: what the
    patient is on now), and those read against the drafts as the dose checks read them (continuing.on_chart; empty
    with no draft)."""

    sent: tuple[MedicationOrder, ...]
    current: tuple[MedicationOrder, ...]
    read: continuing.OnChart

    @classmethod
    def of(cls, record: PatientRecord, context: HookContext, group: str) -> _Drug:
        sent = tuple(o for o in context.drafts_in(group) if o.resource_type == "MedicationRequest")
        current = continuing.current_orders(record, group)
        return cls(sent, current, continuing.on_chart(sent, current, context.today, group))

    @property
    def given(self) -> tuple[MedicationOrder, ...]:
        """The drafts that give a dose: not one that stops the chart order it re-sends or names."""
        return self.read.given

    @property
    def going_on(self) -> tuple[MedicationOrder, ...]:
        """The chart's orders no draft replaces: with no draft, all of them."""
        return self.read.beside if self.sent else self.current

    @property
    def stays(self) -> tuple[MedicationOrder, ...]:
        """The chart's orders given still once the drafts are signed: those going on beside them, and those a draft
        rewrites with no link (signing does not stop them)."""
        return self.going_on + tuple(o for o, _ in self.read.left_active)

    @property
    def in_effect(self) -> tuple[MedicationOrder, ...]:
        """What is given once the drafts are signed: the drafts that give a dose, and what :attr:`stays`."""
        return self.given + self.stays

    def to_stop(self, how: Callable[[MedicationOrder], str]) -> list[tuple[MedicationOrder, str]]:
        """The chart's orders a way out must discontinue to leave none of this drug (or only a new dose): those going
        on, and those the drafts replace (cancelling the drafts does not stop them); each with ``how`` it is
        given."""
        return self.read.to_stop(self.sent, [(o, how(o)) for o in self.going_on])

    def listed(self) -> str | None:
        """The drafts and the chart's current orders with their status, for the explanation."""
        return ", ".join(f"{o.label} ({o.status})" for o in self.sent + self.current) or None


def _state(order: MedicationOrder, drug: _Drug) -> str:
    """How the card names where an order of the pair stands: drafted, or on the chart, with a status that does not
    say whether it is given said to be counted (the safe side, as continuing.current_orders reads it)."""
    if any(order is d for d in drug.given):
        return "drafted"
    if order.status_unstated:
        said = f"status '{order.status}'" if order.status else "no status"
        return f"on the chart; {said}: not known to have stopped, so counted as going on"
    return "on the chart, on hold" if order.status == "on-hold" else "on the chart"


def _named(named: Sequence[MedicationOrder], drug: _Drug, weight_kg: float | None) -> str:
    """Each order with how it is given and where it stands: two orders may share a label."""
    return " + ".join(f"{o.label}, {read_dose(o, weight_kg).how_given()} ({_state(o, drug)})" for o in named)


def _total_mg(counted: Sequence[MedicationOrder], weight_kg: float | None) -> float | None:
    """Their mg a day added up (75 mg + 75 mg is 150 mg/day); None when one is not read or there is none."""
    doses = [daily_mg(o, weight_kg) for o in counted]
    return None if not doses or None in doses else sum(d for d in doses if d is not None)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    aza, xoi = _Drug.of(record, context, AZA), _Drug.of(record, context, XOI)
    facts: dict[str, Any] = {
        "azathioprine": aza.listed(), "xanthine_oxidase_inhibitor": xoi.listed(),
        **{f"azathioprine_{key}": value for key, value in aza.read.facts().items()},
        **{f"xoi_{key}": value for key, value in xoi.read.facts().items()},
    }
    # a draft that gives a dose of one drug while the other is given once signed; a stop gives none
    aza_drafted = bool(aza.given and xoi.in_effect)
    if not aza_drafted and not (xoi.given and aza.in_effect):
        return Quiet("no draft that brings azathioprine and a xanthine-oxidase inhibitor together (a draft that "
                     "stops an order on the chart gives none)", facts)
    drafted = aza.given if aza_drafted else xoi.given
    xoi_order = (xoi.stays or xoi.given)[0] if aza_drafted else xoi.given[0]

    xoi_name = xoi_order.medication.concept_in(XOI) or "a xanthine-oxidase inhibitor"
    allopurinol = xoi_name == "allopurinol"
    dosing = weight.dosing_weight(record, context)
    kg = dosing.value if dosing else None

    def mg_day(order: MedicationOrder) -> str:
        """How an azathioprine order is given, as the card and its actions name it."""
        mg = daily_mg(order, kg)
        return f"{mg:g} mg/day" if mg is not None else read_dose(order, kg).how_given()

    # the share is of what the patient is on now (the chart's orders the drafts replace or add to), not of the draft
    # that would change it; of the drafts only for a new start
    from_chart = bool(aza.current)
    current = _total_mg(aza.current or aza.given, kg)
    given = _total_mg(aza.in_effect, kg)
    facts.update(xoi=xoi_name, azathioprine_mg_per_day=given, azathioprine_reduced_from_mg_per_day=current,
                 dosing_weight=dosing.describe("kg") if dosing else None)
    lower = None
    if allopurinol and current is not None:
        lower = reduced_dose(current, params["reduced_high_fraction"])
        facts["reduced_azathioprine_mg_per_day"] = lower
    # the drafts (with what stays on the chart) already give at most the share: no other dose to offer
    already_cut = (allopurinol and current is not None and given is not None and current > 0
                   and given <= current * params["reduced_high_fraction"] + 1e-6)
    pair = f"{_named(aza.in_effect, aza, kg)} with {_named(xoi.in_effect, xoi, kg)}."

    cut, given_share = _reduction(current, lower, params)
    if not allopurinol:
        advice = ("Avoid the combination: do not give azathioprine with febuxostat. Consider **mycophenolate** "
                  "instead of azathioprine, or another urate-lowering plan with the rheumatologist.")
    elif already_cut and given is not None and current is not None:
        advice = ("Avoid the combination; consider **mycophenolate** instead of azathioprine. If allopurinol is "
                  f"unavoidable, the azathioprine is already cut: {given:g} mg/day is {given / current:.0%} of the "
                  f"{current:g} mg/day on the chart now ({_share(params)} is advised).")
    else:
        basis = (f" The share is of the azathioprine on the chart now{f' ({current:g} mg/day)' if current else ''}, "
                 "which the draft replaces or adds to." if from_chart and aza.given else "")
        advice = ("Avoid the combination; consider **mycophenolate** instead of azathioprine. If allopurinol is "
                  f"unavoidable, cut azathioprine to {cut}.{basis}")  # the weekly CBC: DETAIL's closing line
    # the chart's azathioprine that signing the drafts does not stop: what it gives with them is said
    chart_lines = []
    if aza.given and aza.read.scheduled:
        chart_lines.append(aza.read.going_on([(o, mg_day(o)) for o in aza.read.scheduled]))
    if left_kept := aza.read.left_active_doses(kg)[1]:
        chart_lines.append(continuing.left_active_finding(
            left_kept, f"{given:g} mg/day" if given is not None else None, None))

    cbc = lab_orders.CBC.request(context, note="Weekly while azathioprine and allopurinol are given together.")
    # cancelling the drafts alone would leave the chart's orders of that drug beside the other one: stopped too
    aza_on_chart = continuing.discontinue(aza.to_stop(mg_day))
    if aza_drafted:
        label = ("Cancel azathioprine" + (" and discontinue it on the chart" if aza_on_chart else "")
                 + "; consider mycophenolate instead")
        stop = [Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in aza.given]
        stop += aza_on_chart
    else:
        stop = [Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in xoi.given]
        xoi_on_chart_stopped = continuing.discontinue(xoi.to_stop(lambda o: read_dose(o, kg).how_given()))
        label = (f"Cancel {xoi_order.label}"
                 + (f" and discontinue the {xoi_name} on the chart" if xoi_on_chart_stopped else ""))
        stop += xoi_on_chart_stopped
    suggestions = [Suggestion(label, stop, is_recommended=True)]
    if already_cut and given is not None:
        suggestions.append(Suggestion(f"If allopurinol is unavoidable: keep azathioprine {given:g} mg/day with "
                                      "weekly CBC", [Action("create", "CBC weekly", resource=cbc)]))
    elif lower is not None:
        product = product_for(AZATHIOPRINE_ORAL, lower)
        reduced = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product), lower,
            "mg", text=f"Azathioprine {lower:g} mg ({product.amount}) by mouth once daily ({given_share}: given "
                       "with allopurinol)", note="Reduced for allopurinol; CBC weekly.")
        replace_aza = [Action("delete", f"Cancel {o.label} ({mg_day(o)})", resource_id=o.reference)
                       for o in aza.given]
        suggestions.append(Suggestion(
            f"If allopurinol is unavoidable: azathioprine {lower:g} mg daily with weekly CBC",
            [*replace_aza, *aza_on_chart, Action("create", f"Azathioprine {lower:g} mg PO daily", resource=reduced),
             Action("create", "CBC weekly", resource=cbc)]))
    return Fired(
        severity="critical",
        summary=f"Azathioprine + {xoi_name}: risk of life-threatening myelosuppression. Avoid the combination",
        detail=DETAIL.format(xoi_name=xoi_name, pair=pair, advice=advice,
                             chart="".join(f"\n{line}" for line in chart_lines)),
        facts=facts,
        about=list(drafted),
        suggestions=suggestions,
        selection="at-most-one",
    )
