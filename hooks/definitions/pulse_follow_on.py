"""The oral glucocorticoids on the chart beside an IV methylprednisolone pulse, and what the oral dose after it
(prednis(ol)one 1 mg/kg/day, :func:`hooks.definitions.paediatric_doses.oral_after_pulse`) does with them, defined
once for R19 and R31. That dose is the whole daily glucocorticoid: it replaces, never adds to, the prednisone,
prednisolone or methylprednisolone on the chart (:data:`steroids.REPLACED_BY_PREDNISONE`), which the suggestion that
orders it discontinues where the order has an id the EHR can act on, or, where one order already gives that dose once
a day, keeps it with no new order. Adrenal replacement (:data:`steroids.ADRENAL_REPLACEMENT`) is kept; any other oral
glucocorticoid is given for its own reason and only named."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hooks.cards import resolvable
from hooks.definitions import continuing, steroids
from hooks.definitions.dose_basis import DraftDose, read_dose
from hooks.definitions.weight import Measure
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action


@dataclass(frozen=True, slots=True)
class ChartOral:
    """An oral glucocorticoid order on the chart, given now or planned, with its dose as read and, where the card
    places it in time, the days it has been given (``course``: 'since 2026-11-11, still given')."""

    order: MedicationOrder
    dose: DraftDose
    course: str = ""

    @property
    def named(self) -> str:
        return f"{self.order.label}, {self.dose.how_given()}" + (f", {self.course}" if self.course else "")


@dataclass(frozen=True, slots=True)
class OralsOnChart:
    """Oral glucocorticoids on the chart, sorted as the oral dose after a pulse treats them: those it replaces
    (``replaced``), adrenal replacement (kept) and any other (named)."""

    replaced: list[ChartOral] = field(default_factory=list)
    adrenal: list[ChartOral] = field(default_factory=list)
    other: list[ChartOral] = field(default_factory=list)

    @classmethod
    def sorted_out(cls, orals: Iterable[ChartOral]) -> OralsOnChart:
        replaced: list[ChartOral] = []
        adrenal: list[ChartOral] = []
        other: list[ChartOral] = []
        for oral in orals:
            drug = oral.order.medication.concept_in(steroids.GROUP)
            (replaced if drug in steroids.REPLACED_BY_PREDNISONE
             else adrenal if drug in steroids.ADRENAL_REPLACEMENT else other).append(oral)
        return cls(replaced, adrenal, other)

    @property
    def all(self) -> list[ChartOral]:
        return self.replaced + self.adrenal + self.other

    @property
    def stoppable(self) -> list[ChartOral]:
        """Those replaced that a suggestion can discontinue: an order with an id a delete can name (a delete it
        cannot resolve would drop the whole suggestion)."""
        return [o for o in self.replaced if resolvable(o.order.reference)]

    @property
    def by_hand(self) -> list[ChartOral]:
        """Those replaced with no id a suggestion can act on: the card tells the prescriber to discontinue them."""
        return [o for o in self.replaced if not resolvable(o.order.reference)]

    @property
    def replacing(self) -> str:
        """What a suggestion's label adds when it discontinues them: ', replacing prednisone 20 MG Oral Tablet'."""
        return f", replacing {' and '.join(o.order.label for o in self.stoppable)}" if self.stoppable else ""

    def discontinue(self) -> list[Action]:
        """The actions, beside the oral order after the pulse, that stop those replaced that can be stopped: the
        pulse takes their place from today, the new dose after it."""
        return continuing.discontinue([(o.order, o.dose.how_given()) for o in self.stoppable])

    def kept_at(self, oral: str, dose_mg: float) -> ChartOral | None:
        """The one order the dose after the pulses would replace when it already gives that dose of that drug
        once a day: kept, no new order (two such orders, or another dose, are replaced)."""
        if len(self.replaced) != 1:
            return None
        only = self.replaced[0]
        same_drug = only.order.medication.concept_in(steroids.GROUP) == oral
        daily = only.dose.daily is not None and abs(only.dose.daily - dose_mg) < 1e-6 and only.dose.dose_days == 1
        return only if same_drug and daily else None

    def said(self, oral: str, route: str, *, ordered: bool, kept: ChartOral | None = None) -> str:
        """What the card says of them beside a new pulse, each sentence after a space: the one kept at the dose
        after the pulses (``kept``, given ``route``); else those that dose replaces, not adds to, which the
        suggested order discontinues where it can (``ordered``: one is suggested; each with an id the EHR can act
        on) and otherwise are to be discontinued by hand (with no order suggested, when the ``oral`` is ordered);
        adrenal replacement kept; any other named."""
        lines = []
        if kept is not None:
            lines.append(f"**On the chart, {kept.named}, is already the dose after the pulses: keep it** (no new "
                         f"order; give it {route}).")
        elif self.replaced:
            named = "; ".join(o.named for o in self.replaced)
            by_hand = [o.order.label for o in (self.by_hand if ordered else self.replaced)]
            stop = ("the suggested order discontinues it" if not by_hand else
                    f"discontinue {'; '.join(by_hand)} by hand" + (" (no id the card can act on)" if ordered else
                                                                  f" when the {oral} is ordered"))
            lines.append(f"**It replaces, not adds to, the oral glucocorticoid on the chart: {named}**: {stop}, so "
                         "that the two are never given together.")
        if self.adrenal:
            lines.append(f"Also current, **{'; '.join(o.named for o in self.adrenal)}: adrenal replacement: keep "
                         "it** (stress dosing per endocrinology).")
        if self.other:
            lines.append(f"Also current, {'; '.join(o.named for o in self.other)}: stop it only if the {oral} "
                         "covers what it was given for.")
        return "".join(f" {line}" for line in lines)


def orals_on_chart(record: PatientRecord, weight: Measure | None) -> OralsOnChart:
    """The oral glucocorticoids going on (``steroids.orals_going_on``: given now or planned), with their doses read
    on the dosing weight, sorted as the dose after a new pulse treats them."""
    kg = weight.value if weight else None
    return OralsOnChart.sorted_out(ChartOral(order, read_dose(order, kg)) for order in steroids.orals_going_on(record))
