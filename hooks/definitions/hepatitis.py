"""Hepatitis B (R10 before methotrexate, R16 before it offers rituximab, R26 before anti-CD20 therapy is signed):
which markers are positive, and their follow-up.

A marker counts as positive once any result of it was (anti-HBc stays positive for life, and reactivation risk
with it), and so does hepatitis B on the problem list; R10 reads the HCV antibody the same way. The three rules then
ask the same question (R26's row): is the virus known not to be replicating, or is there an antiviral plan? With
HBsAg-positive disease (HBsAg, or hepatitis B on the problem list) only the antiviral plan answers it: the
reactivation risk is high whatever the HBV DNA (:attr:`PositiveMarker.surface_antigen`). It is answered here, so one
chart gets one answer from all three: R16 offers the rituximab order that R26 then lets pass, and holds it where R26
would. An antiviral counts from the day it starts (:meth:`HbvFollowUp.in_place_by`), as prophylaxis goes from before
the first anti-CD20 dose: R26 asks by that dose, R16 by today (the rituximab it offers has no start: it is given from
signing, and R26 then asks by that day); R10, before methotrexate, asks by no day.

The screen itself is read as R26 reads it, once (:func:`screen_gaps`), by the cards that order it before an anti-CD20
is drafted: R19, which plans rituximab, and R29, which checks the vaccine's serology before immunosuppression.

Anti-CD20 therapy asks one thing more (:func:`monitoring_only`): where a recent HBV DNA that is not detectable is the
only follow-up of a marker without HBsAg-positive disease (anti-HBc alone), R26 still advises antiviral prophylaxis,
as a warning, while R10 and R16 count that DNA as follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions import antibodies, continuing
from hooks.definitions.dose_basis import draft_start
from hooks.definitions.lab_orders import ANTI_HBC, HBSAG, LabTest
from hooks.record import (
    PENDING_STATUSES,
    UPPER_BOUNDS,
    Condition,
    MedicationOrder,
    Observation,
    PatientRecord,
    per_record,
)
from hooks.units import display


@dataclass(frozen=True, slots=True)
class PositiveMarker:
    """A hepatitis marker that counts as positive, and what on the chart shows it, named and dated for the card."""

    kind: str  # 'HBsAg', 'anti-HBc', 'HBV infection' (the problem list) or 'HCV Ab'
    shown_by: str  # 'Hepatitis B virus core Ab positive on 2025-03-02, then negative on 2026-05-01'
    problem_list_entry: str | None = None  # 'Chronic type B viral hepatitis, onset 2018-08-14' (no test result)
    cleared: bool = False  # a later result reads negative, or the problem-list entry is no longer active

    @property
    def stated(self) -> str:
        """The marker as a card states it: 'anti-HBc positive (<result>)', or, for an entry on the problem list,
        which is no test result, 'hepatitis B on the problem list (<entry>)'."""
        if self.problem_list_entry is not None:
            return f"hepatitis B on the problem list ({self.problem_list_entry})"
        return f"{self.kind} positive ({self.shown_by})"

    @property
    def surface_antigen(self) -> bool:
        """HBsAg positive, or hepatitis B on the problem list (the hbv_infection value set holds HBsAg-positive disease:
        chronic, acute, carrier): a high reactivation risk under anti-CD20 or other immunosuppression whatever the
        HBV DNA, so an antiviral follows it up and an undetectable HBV DNA does not (anti-HBc alone: either does).
        Not once cleared (a later HBsAg negative, the entry resolved): the marker still counts as positive, as anti-HBc
        does, but the card does not state HBsAg-positive disease the chart contradicts."""
        return self.kind in ("HBsAg", "HBV infection") and not self.cleared


def positive_marker(record: PatientRecord, group: str, kind: str) -> PositiveMarker | None:
    """The newest positive result of ``group``, however old, and a later result that reads negative (an assay
    change, or an error: it does not clear the positive one). None when no result was ever positive."""
    found = antibodies.results(record, group)
    last = max((i for i, (_, status) in enumerate(found) if status == "positive"), default=None)
    if last is None:
        return None
    positive = found[last][0]
    shown = f"{positive.code.label} positive " + (f"on {positive.when.isoformat()}" if positive.when else "(undated)")
    cleared = last < len(found) - 1  # results are oldest first: a later one reads negative
    if cleared and (later := found[-1][0].when) is not None:
        shown += f", then negative on {later.isoformat()}"
    return PositiveMarker(kind, shown, cleared=cleared)


def _listed(condition: Condition) -> PositiveMarker:
    """Hepatitis B on the problem list, shown by 'Chronic type B viral hepatitis on the problem list, onset
    2018-08-14' (and its status when not active)."""
    day = (f"onset {condition.onset}" if condition.onset else f"recorded {condition.recorded}"
           if condition.recorded else "undated")
    status = "" if condition.active else f", {condition.clinical_status}"
    return PositiveMarker("HBV infection", f"{condition.code.label} on the problem list, {day}{status}",
                          problem_list_entry=f"{condition.code.label}, {day}{status}", cleared=not condition.active)


@per_record
def hbv_markers(record: PatientRecord) -> tuple[PositiveMarker, ...]:
    """HBsAg and anti-HBc ever positive, and hepatitis B on the problem list (the newest entry; a resolved one
    too: the virus stays in the liver), in that order."""
    results = (positive_marker(record, "hbsag", "HBsAg"), positive_marker(record, "anti_hbc", "anti-HBc"))
    listed = record.conditions_in("hbv_infection")
    problem_list = (_listed(listed[-1]),) if listed else ()
    return (*(marker for marker in results if marker is not None), *problem_list)


@dataclass(frozen=True, slots=True)
class Cover:
    """An HBV antiviral in place once the drafts are signed, the day it covers from, and whether it is one of the
    drafts (a rule cancels it) or an order on the chart (a rule discontinues it)."""

    order: MedicationOrder
    start: date
    drafted: bool


@dataclass(frozen=True, slots=True)
class HbvFollowUp:
    """Recent HBV DNA results (oldest first), the antivirals in place once the drafts are signed (:func:`follow_up`),
    the chart's antivirals that the drafts stop, and the marker that asks for an antiviral whatever the HBV DNA."""

    dna: tuple[Observation, ...]
    cover: tuple[Cover, ...]
    # current on the chart, and re-sent or named only by drafts that order none (stopped, cancelled, 0 mg...): the
    # chart says they are given now, and they are not once the drafts are signed
    stopped: tuple[MedicationOrder, ...]
    surface_antigen: PositiveMarker | None  # HBsAg positive, or hepatitis B on the problem list: an antiviral only

    @property
    def antiviral(self) -> tuple[MedicationOrder, ...]:
        return tuple(cover.order for cover in self.cover)

    @property
    def viraemic(self) -> Observation | None:
        """The newest HBV DNA result when it shows replicating virus (of several on that day, one that does)."""
        newest = [o for o in self.dna if o.when == self.dna[-1].when] if self.dna else []
        return next((o for o in newest if replicating(o)), None)

    @property
    def undetectable(self) -> Observation | None:
        """The newest HBV DNA result when it shows no replicating virus."""
        return self.dna[-1] if self.dna and self.viraemic is None else None

    @property
    def dna_not_enough(self) -> Observation | None:
        """:attr:`undetectable`, with HBsAg-positive disease on file: that DNA is no follow-up, and an antiviral is
        still needed."""
        return self.undetectable if self.surface_antigen else None

    @property
    def antiviral_needed(self) -> Observation | None:
        """The recent HBV DNA after which an antiviral is still needed: detectable (:attr:`viraemic`), or not
        detectable beside HBsAg-positive disease (:attr:`dna_not_enough`)."""
        return self.viraemic or self.dna_not_enough

    def antiviral_need(self, before: str = "") -> str | None:
        """:attr:`antiviral_needed` as a card reads it: 'Hepatitis B DNA 250,000 [IU]/mL on ...: the virus is
        replicating', or '...: no replicating virus now, but HBsAg-positive hepatitis B needs antiviral prophylaxis
        {before} whatever the HBV DNA' (``before``: ' before rituximab'); None when no DNA asks for one."""
        needed = self.antiviral_needed
        if needed is None:
            return None
        reading = ("the virus is replicating" if self.viraemic else "no replicating virus now, but HBsAg-positive "
                   f"hepatitis B needs antiviral prophylaxis{before} whatever the HBV DNA")
        return f"{describe(needed)}: {reading}"

    @property
    def antiviral_reason(self) -> str | None:
        """Why hepatology and an antiviral are what a marker not followed up still needs, with no HBV DNA to order
        (a recent one is on file): 'HBV DNA detectable', or 'HBsAg-positive hepatitis B' (with a DNA that is not).
        None with no recent HBV DNA, or one that follows anti-HBc alone up."""
        if self.viraemic is not None:
            return "HBV DNA detectable"
        return "HBsAg-positive hepatitis B" if self.dna_not_enough is not None else None

    @property
    def in_place(self) -> bool:
        """An antiviral plan, or, unless HBsAg-positive disease is on file, a newest HBV DNA that shows no replicating
        virus. A detectable viral load with no antiviral is no follow-up: it needs hepatology and prophylaxis before
        the drug; nor, with HBsAg-positive disease, is one that is not detectable."""
        return self.in_place_by(date.max)

    def covered_by(self, first_dose: date) -> bool:
        """An antiviral covers from ``first_dose`` or before (prophylaxis goes from before the first anti-CD20 dose)."""
        return any(cover.start <= first_dose for cover in self.cover)

    def in_place_by(self, first_dose: date) -> bool:
        """:attr:`in_place`, an antiviral counting only when it covers from ``first_dose`` or before."""
        return self.covered_by(first_dose) or (self.undetectable is not None and self.surface_antigen is None)

    def describe_dna(self) -> str | None:
        return "; ".join(describe(o) for o in self.dna) or None

    def describe_viraemic(self) -> str | None:
        return describe(self.viraemic) if self.viraemic else None

    def describe_antiviral(self) -> str | None:
        return ", ".join(o.label for o in self.antiviral) or None

    def describe_surface_antigen(self) -> str | None:
        return self.surface_antigen.stated if self.surface_antigen else None


def dna_resulted(observation: Observation) -> bool:
    """An HBV DNA result: a viral load (a number, or a number or bound written as text: '250,000 IU/mL', '<20
    IU/mL'), or detected / not detected; a pending test ('registered', 'preliminary') or a rejected specimen does not
    tell whether the virus is replicating."""
    if observation.status in PENDING_STATUSES:
        return False
    return observation.reported_value is not None or antibodies.status(observation) is not None


def replicating(observation: Observation) -> bool:
    """A resulted HBV DNA that shows virus: a viral load above 0 that is not a bound below the limit of
    quantification, or 'detected' with no number. The number decides where there is one."""
    load = observation.reported_value
    if load is not None:
        # '<20 IU/mL' is a load under the lab's lower limit of quantification
        return load.value > 0 and load.comparator not in UPPER_BOUNDS
    return antibodies.status(observation) == "positive"


def reading(observation: Observation) -> str:
    """An HBV DNA result as read: '250,000 [IU]/mL', '<20 [IU]/mL', 'detected' or 'not detected'."""
    load = observation.reported_value
    if load is not None:
        return f"{load.comparator or ''}{load.value:,.12g} {display(load.unit)}".strip()
    return "detected" if antibodies.status(observation) == "positive" else "not detected"


def describe(observation: Observation) -> str:
    """'Hepatitis B DNA 250,000 [IU]/mL on 2026-11-01', or '... not detected on ...'."""
    return f"{observation.code.label} {reading(observation)} on {observation.when}"


@per_record
def follow_up(record: PatientRecord, context: HookContext) -> HbvFollowUp:
    """HBV DNA resulted within the ``hbv_dna_max_age_days`` definition, entecavir, tenofovir or another HBV
    antiviral in place once the drafts are signed (continuing.in_place: a cancelled draft covers nothing), and the
    first HBsAg-positive marker (:attr:`PositiveMarker.surface_antigen`).

    Each antiviral covers from the day it starts (dose_basis.draft_start: none written, or one passed, is today). A
    draft that names, as its priorPrescription, a chart order of the same drug that has started (a renewal or a dose
    change) covers from today: the patient takes that drug already. One that switches drug, or renews an order not
    yet begun, covers from its own start, as does one re-sent with the chart order's id (that order as it will be once
    signed) [design]."""
    today = record.today
    since = today - timedelta(days=int(context.definition("hbv_dna_max_age_days")))
    dna = tuple(o for o in record.observations_in("hbv_dna", since=since) if dna_resulted(o))
    placed = continuing.in_place(record, context, "hbv_antiviral")
    chart = record.medications_in("hbv_antiviral", current_only=True)
    on_chart = {id(order) for order in chart}
    links = continuing.Links([order for order in placed if id(order) not in on_chart])  # the drafts in place
    renewing = {id(draft) for order in chart if draft_start(order, today) == today  # begun
                for draft, by in links.linking(order) if by is not None and _same_drug(draft, order)}
    cover = tuple(Cover(order, today if id(order) in renewing else draft_start(order, today),
                        drafted=id(order) not in on_chart) for order in placed)
    placed_ids = {id(order) for order in placed}
    stopped = tuple(o for o in chart if id(o) not in placed_ids and not links.linking(o))
    surface_antigen = next((marker for marker in hbv_markers(record) if marker.surface_antigen), None)
    return HbvFollowUp(dna, cover, stopped, surface_antigen)


def _same_drug(a: MedicationOrder, b: MedicationOrder) -> bool:
    """The same HBV antiviral (entecavir, tenofovir...), whatever the product."""
    drug = a.medication.concept_in("hbv_antiviral")
    return drug is not None and drug == b.medication.concept_in("hbv_antiviral")


@per_record
def unmanaged(record: PatientRecord, context: HookContext, first_dose: date = date.max) -> bool:
    """A positive HBV marker with neither an antiviral covering from ``first_dose`` (R26: the first anti-CD20 dose;
    R16: today) nor, for anti-HBc alone, a recent HBV DNA showing no replicating virus: R26 holds an anti-CD20 order
    for it, R16 does not offer one, R10 asks for the follow-up before methotrexate."""
    return bool(hbv_markers(record)) and not follow_up(record, context).in_place_by(first_dose)


@per_record
def monitoring_only(record: PatientRecord, context: HookContext, first_dose: date) -> Observation | None:
    """The recent HBV DNA, not detectable, that is a positive marker's only follow-up: no HBsAg-positive disease and
    no antiviral covering from ``first_dose``. :func:`unmanaged` counts it as follow-up, as R10 (methotrexate) and R16
    do; R26 asks for prophylaxis all the same, as anti-CD20 therapy puts an HBsAg-negative, anti-HBc-positive patient
    at high reactivation risk (AASLD 2018, EASL 2017: prophylaxis rather than monitoring) [sign-off]. None when
    the marker is not followed up at all, or an antiviral covers it."""
    hbv = follow_up(record, context)
    if not hbv_markers(record) or hbv.surface_antigen is not None or hbv.covered_by(first_dose):
        return None
    return hbv.undetectable


def follow_up_facts(record: PatientRecord, context: HookContext) -> dict[str, str | None]:
    """The positive markers and their follow-up, under the names R16 and R26 both give them in their explanation."""
    hbv = follow_up(record, context)
    return {"positive_markers": "; ".join(marker.stated for marker in hbv_markers(record)) or None,
            "hbv_dna_recent": hbv.describe_dna(), "antiviral_plan": hbv.describe_antiviral(),
            "hbv_dna_detectable": hbv.describe_viraemic(),
            "antiviral_needed_whatever_dna": hbv.describe_surface_antigen()}


# R26 checks the screen when an anti-CD20 is signed: a card that orders it sooner reads the chart as R26 will
SCREEN_RULE = "hbv-screen-before-rituximab"


@dataclass(frozen=True, slots=True)
class ScreenGap:
    """A screening marker with no result R26 accepts (read as positive or negative: HBsAg within R26's
    ``hbsag_max_age_days``, anti-HBc total ever), and what the chart holds of it, for the card."""

    test: LabTest
    marker: str  # 'HBsAg' or 'anti-HBc', as a card's sentence names it
    found: str  # 'no HBsAg within 365 days', "anti-HBc 'Equivocal' on 2026-11-01, neither positive nor negative"
    awaited: bool  # the newest result is still pending: wait for it, do not order it again


@per_record
def screen_gaps(record: PatientRecord, context: HookContext) -> tuple[ScreenGap, ...]:
    """HBsAg and anti-HBc not on file as R26 reads them before anti-CD20 therapy (none: the HBV status is known,
    negative or positive). A card that plans rituximab (R19) or vaccinates before immunosuppression (R29) orders
    these, so that the screen is back before the first dose; one pending is waited for, and an equivocal one
    repeated."""
    days = int(context.thresholds.of_rule(SCREEN_RULE)["hbsag_max_age_days"])
    since = record.today - timedelta(days=days)
    gaps = []
    for test, name, window in ((HBSAG, "HBsAg", since), (ANTI_HBC, "anti-HBc", None)):
        results = record.observations_in(test.group)
        counted = [o for o in results if window is None or (o.when is not None and o.when >= window)]
        if any(antibodies.status(o) is not None for o in counted):
            continue
        newest = counted[-1] if counted else None
        if newest is None:
            older = next((o for o in reversed(results) if antibodies.status(o) is not None), None)
            found = (f"no {name} within {days} days" if window else f"no {name} on file") + (
                f" (last {antibodies.status(older)} on {older.when})" if older is not None else "")
        elif not antibodies.held(newest):
            found = f"{name} pending since {newest.when or 'an unknown date'}"
        else:
            found = f"{name} {antibodies.quoted(newest)}, neither positive nor negative"
        gaps.append(ScreenGap(test, name, found, awaited=newest is not None and not antibodies.held(newest)))
    return tuple(gaps)

