"""Hepatitis B (R10 before methotrexate, R16 before it offers rituximab, R19 before it plans it, R26 before anti-CD20
therapy is signed, R29 before the vaccine): which markers are positive, and their follow-up.

A marker counts as positive once any result of it was (anti-HBc stays positive for life, and reactivation risk
with it), and so does hepatitis B on the problem list; R10 reads the HCV antibody the same way. The rules then
ask the same question (R26's row): is the virus known not to be replicating, or is there an antiviral plan? With
HBsAg-positive disease (HBsAg, or hepatitis B on the problem list) only the antiviral plan answers it: the
reactivation risk is high whatever the HBV DNA (:attr:`PositiveMarker.surface_antigen`). It is answered here, so one
chart gets one answer from all of them: R16 offers the rituximab order that R26 then lets pass, and holds it where R26
would. An antiviral counts from the day it starts (:meth:`HbvFollowUp.in_place_by`), as prophylaxis goes from before
the first anti-CD20 dose: R26 asks by that dose, R16 and R19 by today (the rituximab they advise has no start: it is
given from signing, and R26 then asks by that day); R10, before methotrexate, asks by no day. What a marker then asks
for before the first dose is said once (:func:`before_anti_cd20`).

The screen itself (HBsAg within R26's ``hbsag_max_age_days``, anti-HBc total ever) is read once
(:func:`screen_gaps`): by R26 when an anti-CD20 is signed, and by the cards that order it before one is drafted: R16,
which offers rituximab, R19, which plans it, and R29, which checks the vaccine's serology before immunosuppression.

IVIG carries donors' anti-HBc and anti-HBs (:data:`PASSIVE_TRANSFER`): a positive anti-HBc, or an immune anti-HBs,
drawn after it may be theirs (:func:`drawn_after_ivig`, :func:`passive_anti_hbc`). Such an anti-HBc still counts as
positive (the safe side), and the cards that read it say why it may not be, unless another positive one predates the
IVIG: the infection is then known from before it.

Anti-CD20 therapy asks one thing more (:func:`monitoring_only`): where a recent HBV DNA that is not detectable is the
only follow-up of a marker without HBsAg-positive disease (anti-HBc alone), R26 still advises antiviral prophylaxis,
as a warning, while R10 and R16 count that DNA as follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions import antibodies, continuing
from hooks.definitions.courses import course_days
from hooks.definitions.dose_basis import draft_start
from hooks.definitions.lab_orders import ANTI_HBC, HBSAG, LabTest
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.definitions.vaccines import months_after
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


# ------------------------------------------------------------------ what a positive marker asks for before anti-CD20

NO_ANTIVIRAL = "no antiviral (entecavir or tenofovir) is active or ordered"
# why an HBV test is ordered before anti-CD20 therapy, for its order's note (R19, R26)
ANTI_CD20_NOTE = "Before anti-CD20 therapy (HBV reactivation risk)."
PROPHYLAXIS_UNTIL = "until at least 12-18 months after the last"


def before_anti_cd20(context: HookContext, hbv: HbvFollowUp) -> str:
    """What a positive marker asks for before an anti-CD20 given from today (R19 plans rituximab, R16 offers it), by
    its follow-up as R26 will judge it when the order is signed: an antiviral that covers from today is kept; one that
    starts later is started first; otherwise hepatology and antiviral prophylaxis, after HBV DNA unless a recent one is
    on file. A recent HBV DNA that shows no replicating virus lets the order pass for anti-HBc alone, but prophylaxis is
    advised all the same (:func:`monitoring_only`); with HBsAg-positive disease it is no follow-up at all."""
    dna = hbv.describe_dna()
    and_dna = f"; {dna}" if dna else ""
    if hbv.covered_by(context.today):
        return (f"HBV antiviral: {hbv.describe_antiviral()}{and_dna}. Keep it from before the first dose "
                f"{PROPHYLAXIS_UNTIL} (with hepatology)")
    if hbv.cover:
        starts = "; ".join(f"{cover.order.label} from {cover.start}" for cover in hbv.cover)
        return (f"HBV antiviral: {starts}{and_dna}. **Start the antiviral before the first dose**, and keep it "
                f"{PROPHYLAXIS_UNTIL} (with hepatology)")
    if (need := hbv.antiviral_need(" before anti-CD20 therapy")) is not None:
        return (f"{need}, and {NO_ANTIVIRAL}. **Refer to hepatology and start antiviral prophylaxis before the first "
                "dose**")
    if hbv.undetectable is not None:  # anti-HBc alone, followed up by HBV DNA only
        return (f"{dna}: no replicating virus now, but {NO_ANTIVIRAL}. Under anti-CD20 therapy antiviral "
                "prophylaxis is advised rather than HBV DNA monitoring alone: **refer to hepatology and start "
                f"antiviral prophylaxis before the first dose**, {PROPHYLAXIS_UNTIL}")
    return (f"No HBV DNA within {int(context.definition('hbv_dna_max_age_days'))} days and {NO_ANTIVIRAL}. **Check HBV "
            "DNA, refer to hepatology and start antiviral prophylaxis before the first dose**")


# ------------------------------------------------------------------ antibodies passed on by IVIG

# IVIG is pooled donors' IgG: their anti-HBc and anti-HBs read positive in the recipient (passive transfer; after
# IVIG, anti-HBc turned positive in about a third of recipients at 1 week, 4% at 12 weeks: Lu et al., Lancet
# Haematol 2015 [verify])
PASSIVE_TRANSFER = "IVIG carries anti-HBc and anti-HBs, which can read positive for weeks to months after it"
# how long after IVIG a result may hold its antibodies: R28's window for them (ACIP: up to 11 months after 2 g/kg,
# the measles antibody that stops a live vaccine), so that a site sets one window for both [sign-off]
IVIG_ANTIBODIES = ("live-vaccine-while-immunosuppressed", "ivig_interference_months")


def drawn_after_ivig(record: PatientRecord, context: HookContext, result: Observation) -> str | None:
    """'drawn 11 days after IVIG (immune globulin, intravenous, last given 2026-11-05)': the newest IVIG given before
    the day ``result`` was drawn and within :data:`IVIG_ANTIBODIES` of it, as an order or an Immunization (CVX 87/14).
    The day of the draw is left out: a sample taken the day IVIG starts is drawn before it, as R19 asks. None with no
    such IVIG, or no date on the result."""
    drawn = result.when
    if drawn is None:
        return None
    rule, window = IVIG_ANTIBODIES
    since = months_after(drawn, -int(context.thresholds.of_rule(rule)[window]))
    before = drawn - timedelta(days=1)
    given = [(order.label, min(span[1], before)) for order in record.medications_in("ivig")
             if (span := course_days(order, record.today)) is not None and span[0] <= min(span[1], before)]
    given += [(shot.vaccine.label, shot.when) for shot in ivig_immunizations(record, since)
              if shot.when is not None and shot.when <= before]
    recent = [(day, label) for label, day in given if day >= since]
    if not recent:
        return None
    last, label = max(recent)
    return f"drawn {(drawn - last).days} days after IVIG ({label}, last given {last})"


def passive_anti_hbc(record: PatientRecord, context: HookContext) -> str | None:
    """For a card that reads a positive anti-HBc (R19, R26, R29): that it was drawn after IVIG, and may be the donors'
    antibody rather than a past infection. It counts as positive all the same, the safe side before immunosuppression:
    HBV DNA, and anti-HBc repeated once the IVIG has cleared (or tested on a sample drawn before it), tell the two
    apart [sign-off]. None when HBsAg-positive disease is on file, or any positive anti-HBc, not only the newest, was
    not drawn after IVIG (before it, or undated): the infection is then not in doubt (review 426)."""
    if any(marker.surface_antigen for marker in hbv_markers(record)):
        return None
    positives = [result for result, status in antibodies.results(record, "anti_hbc") if status == "positive"]
    after_ivig = [drawn_after_ivig(record, context, result) for result in positives]
    if not positives or not all(after_ivig):
        return None
    return (f"The anti-HBc positive on {positives[-1].when} was {after_ivig[-1]}: {PASSIVE_TRANSFER}, so it may be "
            "the donors' antibody, not a past infection. It counts as positive until shown otherwise: HBV DNA, and "
            "anti-HBc repeated once the IVIG has cleared (or tested on a sample drawn before it), tell the two apart.")


# ------------------------------------------------------------------ the screen

# R26 checks the screen when an anti-CD20 is signed: a card that orders it sooner reads the chart as R26 will
SCREEN_RULE = "hbv-screen-before-rituximab"


def _read(result: Observation) -> str:
    """A screening result as read, for a sentence: 'negative on 2026-11-01', 'pending since 2026-11-20', or "'Equivocal'
    on 2026-11-01, neither positive nor negative"."""
    if (status := antibodies.status(result)) is not None:
        return f"{status} on {result.when or 'an unknown date'}"
    if not antibodies.held(result):
        return f"pending since {result.when or 'an unknown date'}"
    return f"{antibodies.quoted(result)}, neither positive nor negative"


@dataclass(frozen=True, slots=True)
class ScreenGap:
    """A screening marker with no result R26 accepts (read as positive or negative: HBsAg within R26's
    ``hbsag_max_age_days``, anti-HBc total ever), and what the chart holds of it, for the card."""

    test: LabTest
    marker: str  # 'HBsAg' or 'anti-HBc', as a card's sentence names it
    within_days: int | None  # HBsAg's window; None for anti-HBc (ever)
    unsettled: Observation | None  # the newest result that counts, read as neither positive nor negative
    last: Observation | None  # with none that counts: the newest result on file (an HBsAg too old), however read

    @property
    def awaited(self) -> bool:
        """The newest result is still pending: wait for it, do not order it again."""
        return self.unsettled is not None and not antibodies.held(self.unsettled)

    @property
    def found(self) -> str:
        """'no HBsAg within 365 days (last negative on 2025-10-01)', 'anti-HBc pending since 2026-11-20', "anti-HBc
        'Equivocal' on 2026-11-01, neither positive nor negative"."""
        if self.unsettled is not None:
            return f"{self.marker} {_read(self.unsettled)}"
        where = f"within {self.within_days} days" if self.within_days else "on file"
        return f"no {self.marker} {where}" + (f" (last {_read(self.last)})" if self.last is not None else "")


@per_record
def screen_gaps(record: PatientRecord, context: HookContext) -> tuple[ScreenGap, ...]:
    """HBsAg and anti-HBc not on file as R26 reads them before anti-CD20 therapy (none: the HBV status is known,
    negative or positive). R26 holds an anti-CD20 for them; the cards that advise one (R16, R19) or vaccinate before
    immunosuppression (R29) order them, so that the screen is back before the first dose: one pending is waited for,
    and an equivocal one repeated."""
    days = int(context.thresholds.of_rule(SCREEN_RULE)["hbsag_max_age_days"])
    since = record.today - timedelta(days=days)
    gaps = []
    for test, name, window in ((HBSAG, "HBsAg", days), (ANTI_HBC, "anti-HBc", None)):
        results = record.observations_in(test.group)
        counted = [o for o in results if window is None or (o.when is not None and o.when >= since)]
        if any(antibodies.status(o) is not None for o in counted):
            continue
        gaps.append(ScreenGap(test, name, window, unsettled=counted[-1] if counted else None,
                              last=None if counted or not results else results[-1]))
    return tuple(gaps)

