"""R26: HBV screening (HBsAg and anti-HBc total) before rituximab or another anti-CD20 is signed."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import cut_summary, first_fitting
from hooks.context import HookContext
from hooks.definitions import antibodies, continuing, hepatitis, lab_orders
from hooks.definitions.dose_basis import draft_start, named_with_dose
from hooks.definitions.lab_orders import LabTest
from hooks.record import MedicationOrder, Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import AASLD_2018_HBV, CD20_CLASS_LABEL, EASL_2017_HBV, EULAR_2022_INFECTIONS, RITUXAN_LABEL

RULE = Rule(
    id="hbv-screen-before-rituximab",
    number=26,
    title="HBV screening before anti-CD20 therapy",
    hooks=("order-sign",),
    severities=("critical", "warning"),
    summary="Rituximab or another anti-CD20 drafted without HBsAg (<= 12 months) and anti-HBc total on file, or "
            "with a positive HBV marker and no antiviral plan (critical; with anti-HBc alone and a recent HBV DNA "
            "that is not detectable, a warning: antiviral prophylaxis rather than HBV DNA monitoring).",
    sources=(RITUXAN_LABEL, CD20_CLASS_LABEL, EULAR_2022_INFECTIONS, AASLD_2018_HBV, EASL_2017_HBV),
    also_reads=("immunizations",),  # an IVIG charted as one: a positive anti-HBc drawn after it may be the donors'
    parameters={
        "hbsag_max_age_days": Param(365, "days", "An HBsAg result older than this does not count as screening."),
        "immunoglobulin_max_age_days": Param(365, "days", "Baseline IgG/IgA/IgM this recent is not re-suggested."),
    },
    override_family="safety",
)

DETAIL_MISSING = """\
**Screen for hepatitis B before the first anti-CD20 dose.** {drug} is being ordered, and HBV screening is
incomplete: {missing}.

Anti-CD20 antibodies carry a boxed warning for HBV reactivation, which can cause fulminant hepatitis and death,
including in patients who are HBsAg-negative but anti-HBc-positive. Send HBsAg and total anti-HBc (with
anti-HBs) and wait for the results before the first dose.
"""

DETAIL_POSITIVE = """\
**Positive hepatitis B marker: check HBV DNA and {plan} antiviral prophylaxis before {drug}.** {positive}. No HBV
DNA result within {dna_days} days and {antiviral}.

Anti-CD20 therapy can reactivate HBV (boxed warning: fulminant hepatitis, death). Check HBV DNA, refer to
hepatology, and give antiviral prophylaxis (for example entecavir 0.5 mg daily) from before the first dose
until at least 12-18 months after the last.
"""

DETAIL_VIRAEMIC = """\
**Positive hepatitis B marker with detectable HBV DNA: refer to hepatology and start antiviral prophylaxis before
{drug}.** {positive}. {dna}, and {antiviral}.

Anti-CD20 therapy can reactivate HBV (boxed warning: fulminant hepatitis, death), and the virus is replicating
already. Refer to hepatology, and give antiviral therapy (for example entecavir 0.5 mg daily) from before the
first dose until at least 12-18 months after the last.
"""

# HBsAg positive, or hepatitis B on the problem list, with a recent HBV DNA that is not detectable and no antiviral
DETAIL_SURFACE_ANTIGEN = """\
**HBsAg-positive hepatitis B: antiviral prophylaxis is needed before {drug}, whatever the HBV DNA.** {positive}.
{dna}: no replicating virus now, but {antiviral}.

Anti-CD20 therapy can reactivate HBV (boxed warning: fulminant hepatitis, death), and with HBsAg-positive disease
the risk is high even when HBV DNA is not detectable: an undetectable viral load does not replace prophylaxis.
Refer to hepatology, and give antiviral prophylaxis (for example entecavir 0.5 mg daily) from before the first
dose until at least 12-18 months after the last.
"""

# Anti-HBc alone (no HBsAg-positive disease) with a recent HBV DNA that is not detectable and no antiviral: the spec's
# trigger is met (a DNA result), but its recommendation and the liver societies give anti-CD20 prophylaxis
DETAIL_MONITORING_ONLY = """\
**Positive hepatitis B marker: antiviral prophylaxis is advised before {drug}, not HBV DNA monitoring alone.**
{positive}. {dna}: no replicating virus now, but {antiviral}.

Anti-CD20 therapy can reactivate HBV in HBsAg-negative, anti-HBc-positive patients too (boxed warning: fulminant
hepatitis, death). B-cell depletion puts them at high risk, where prophylaxis is advised rather than monitoring
(AASLD 2018, EASL 2017). Refer to hepatology, and give antiviral prophylaxis (entecavir 0.5 mg daily, or tenofovir)
from before the first dose until at least 12-18 months after the last.
"""

DETAIL_COMMON = """
Also before anti-CD20 therapy: check baseline immunoglobulins (IgG, IgA, IgM) and HCV antibody, and give
non-live vaccines first.
"""

# An anti-CD20 recorded as given (a course 'completed') among the drafts: nothing to hold, so what is due after it
# (the Rituxan label: monitor for hepatitis and HBV reactivation during and for several months after treatment)
DETAIL_GIVEN = """\
**{drug} {is_are} recorded as given**, among the orders being signed: a dose given cannot be held. {findings}

Anti-CD20 antibodies carry a boxed warning for HBV reactivation, which can cause fulminant hepatitis and death,
during and for months after treatment. {actions} Monitor for hepatitis and HBV reactivation during and for several
months after treatment.
"""

DETAIL_COMMON_GIVEN = """
Also check immunoglobulins (IgG, IgA, IgM) and HCV antibody.
"""

GIVEN_TOO = """
Also among the orders, recorded as given (it cannot be held): {given}. The screen is due now for it, whatever is
decided for the order; monitor for hepatitis and HBV reactivation after it.
"""


def _reads(observation: Observation) -> str:
    """A result read as neither positive nor negative, as the lab wrote it ("'Equivocal'"), or 'pending'."""
    return "pending" if not antibodies.held(observation) else repr(observation.shown_result)


def _dated(observation: Observation, reading: str) -> str:
    return f"{observation.code.label} {reading} on {observation.when.isoformat() if observation.when else 'undated'}"


def _describe(observation: Observation, status: str | None) -> str:
    """'Hepatitis B virus core Ab [Presence] in Serum negative on 2026-05-01', or, read as neither positive nor
    negative, the lab's own words: "... 'Equivocal' on 2026-05-01, neither positive nor negative" (a test not yet
    reported: "... pending on ...")."""
    if status is not None:
        return _dated(observation, status)
    unsettled = "" if not antibodies.held(observation) else ", neither positive nor negative"
    return _dated(observation, _reads(observation)) + unsettled


def _why_unsettled(observation: Observation) -> str:
    """An unsettled result and what to do: on the safe side it screens nothing (an equivocal or indeterminate
    result is repeated, a pending one awaited)."""
    return (f"{_dated(observation, _reads(observation))}: "
            + ("wait for it" if not antibodies.held(observation) else "repeat it, or ask the lab how to read it"))


def _missing(gap: hepatitis.ScreenGap) -> str:
    """A screening marker not on file (:func:`hepatitis.screen_gaps`), in R26's words: 'no HBsAg within 365 days
    (never resulted)', "no anti-HBc total result read as positive or negative (... 'Equivocal' on ...: repeat it, or
    ask the lab how to read it)"."""
    unsettled = gap.unsettled
    if gap.within_days is None:  # anti-HBc: ever
        return f"no {gap.marker} total result " + (
            f"read as positive or negative ({_why_unsettled(unsettled)})" if unsettled else "on file")
    last = gap.last
    why = (_why_unsettled(unsettled) if unsettled else f"last {_describe(last, antibodies.status(last))}" if last
           else "never resulted")
    read = " read as positive or negative" if unsettled else ""
    return f"no {gap.marker} within {gap.within_days} days{read} ({why})"


# why each test is ordered before anti-CD20 therapy, for its note
HCV_NOTE = "Before anti-CD20 therapy (hepatitis C screen before immunosuppression)."
IMMUNOGLOBULIN_NOTE = "Baseline before anti-CD20 therapy (hypogammaglobulinaemia and infection risk)."


def _labs(record: PatientRecord, context: HookContext, params: Mapping[str, float], screen: Sequence[LabTest],
          dna_needed: bool) -> list[Action]:
    """The screening tests not on file (``screen``: ordered again while pending, as the order waits for them), anti-HBs,
    HBV DNA when ``dna_needed``, HCV antibody and baseline immunoglobulins."""
    ig_since = record.today - timedelta(days=int(params["immunoglobulin_max_age_days"]))
    wanted = [
        *((test, hepatitis.ANTI_CD20_NOTE, True) for test in screen),
        (lab_orders.ANTI_HBS, hepatitis.ANTI_CD20_NOTE, not record.observations_in("anti_hbs")),
        (lab_orders.HBV_DNA, hepatitis.ANTI_CD20_NOTE, dna_needed),
        (lab_orders.HCV_AB, HCV_NOTE, not record.observations_in("hcv_ab")),
        *((test, IMMUNOGLOBULIN_NOTE, not record.observations_in(test.group, since=ig_since))
          for test in (lab_orders.IGG, lab_orders.IGA, lab_orders.IGM)),
    ]
    return [test.action(context, priority="urgent", note=note) for test, note, needed in wanted if needed]


def _referral(context: HookContext) -> Action:
    referral = orders.service_request(context.patient_id, orders.text_concept(
        "Referral to hepatology: HBV marker positive before anti-CD20 therapy"), priority="urgent")
    return Action("create", "Hepatology referral", resource=referral)


def _antiviral(context: HookContext) -> list[Action]:
    entecavir = orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "hbv_antiviral", "Entecavir"), 0.5, "mg",
        text="Entecavir 0.5 mg by mouth once daily, as advised by hepatology",
        note="Start before the first anti-CD20 dose; continue at least 12-18 months after the last dose.")
    return [_referral(context), Action("create", "Entecavir 0.5 mg PO daily (per hepatology)", resource=entecavir)]


def _from_signing(instruction: dict[str, Any], was: date) -> dict[str, Any]:
    """A copy of a dosage instruction as written, given from when it is signed: its boundsPeriod.start taken out, and
    its text and patient instruction, which may name the old start ('starting 2026-12-21'), led by the new one."""
    instruction = copy.deepcopy(instruction)
    repeat = (instruction.get("timing") or {}).get("repeat") or {}
    bounds = repeat.get("boundsPeriod")
    if isinstance(bounds, dict):
        bounds.pop("start", None)
        if not bounds:
            del repeat["boundsPeriod"]
    for field in ("text", "patientInstruction"):
        if isinstance(instruction.get(field), str):
            instruction[field] = f"Start today (was from {was}). {instruction[field]}"
    return instruction


def _start_now(record: PatientRecord, context: HookContext, late: hepatitis.Cover, after: str, recommended: bool
               ) -> Suggestion | None:
    """The antiviral that starts too late, from the day it is signed: its drug and its one dosage instruction as
    written (tenofovir chosen in pregnancy, entecavir every 72 hours in renal impairment), only its start taken out;
    in place of the draft (cancelled) or the chart order (discontinued). A drafted renewal's copy names the order it
    renews, and one of a chart order names that order (a draft re-sending it: cancelling the draft leaves it running;
    the chart order itself: named as the order the copy replaces, which this service, and an EHR that honours
    priorPrescription, reads as ended at signing). Its note says
    why, ``after`` what ('after rituximab on 2026-11-21', '..., recorded as given').

    Made only where the copy is plainly the same order from today, else None (the card still names the late start,
    and offers the referral and the hold): a dose not read (a suggested order has a structured dose), several
    instructions (steps: given from today they would run together), timing events (dates of their own), or a copy
    that is not valid FHIR R4."""
    order = late.order
    instructions = order.raw.get("dosageInstruction") or []
    if len(instructions) != 1 or order.dosages[0].dose is None or (instructions[0].get("timing") or {}).get("event"):
        return None
    verb = "drafted" if late.drafted else "ordered"
    was = f"{verb} to start {late.start}"
    moved: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": orders.concept_of(order.medication, order.label),
        "subject": {"reference": f"Patient/{context.patient_id or 'unknown'}"},
        "dosageInstruction": [_from_signing(instructions[0], late.start)],
        "note": [{"text": f"Moved to start when signed ({was}, {after}): HBV prophylaxis goes from before the first "
                          "anti-CD20 dose."}],
    }
    prior = order.raw.get("priorPrescription") if late.drafted else {"reference": order.reference}
    if late.drafted and prior is None and any(o.reference == order.reference
                                              for o in record.medications_in("hbv_antiviral", current_only=True)):
        prior = {"reference": order.reference}  # a chart order re-sent: cancelling the draft leaves it running
    if prior is not None:
        moved["priorPrescription"] = prior
    try:
        moved = orders.validated(moved)
    except ValueError:  # pydantic's ValidationError: something in the order as written is not valid FHIR R4
        return None
    stop = Action("delete", f"Cancel {named_with_dose(order)}, {was}" if late.drafted
                  else f"Discontinue {named_with_dose(order)} on the chart, {was}", resource_id=order.reference)
    return Suggestion(f"Start {order.label} today, as {verb} (not from {late.start})",
                      [stop, Action("create", f"{order.label} from today", resource=moved)],
                      is_recommended=recommended)


def _antiviral_status(hbv: hepatitis.HbvFollowUp, late: Sequence[hepatitis.Cover], after: str, when: str) -> str:
    """What the card says of the antivirals, after 'and': those that start only ``after`` the first anti-CD20 dose
    ('after rituximab on 2026-11-21'), to start ``when`` ('before the first dose'); else that none is active or
    ordered, once these orders are signed when a draft stops one the chart has now (it is active until then)."""
    stopped = ", ".join(o.label for o in hbv.stopped)
    if late:
        starts = " and ".join(f"{c.order.label} is {'drafted' if c.drafted else 'ordered'} to start {c.start}"
                              for c in late)
        return (f"{starts}, {after}: start {'one of them' if len(late) > 1 else 'it'} {when}"
                + (" and cancel the other" + ("s" if len(late) > 2 else "") if len(late) > 1 else "")
                + (f"; the orders also stop {stopped} on the chart" if stopped else ""))
    if stopped:
        return f"{hepatitis.NO_ANTIVIRAL} once these orders are signed: they stop {stopped} on the chart"
    return hepatitis.NO_ANTIVIRAL


def _first_dose(record: PatientRecord, drafts: list[MedicationOrder], given: list[MedicationOrder]
                ) -> tuple[date, str, str]:
    """The day prophylaxis is due from, as it goes from before the first anti-CD20 dose; what the card says that day
    is after ('after rituximab on 2026-11-21'); and when it says to start the antiviral. Today when a dose is recorded
    as given among the orders, or a course on the chart has begun (a dose may have been given: a draft that stops it
    does not undo that); else the earliest anti-CD20 draft's start."""
    today = record.today
    if given:
        return today, f"after {given[0].label}, recorded as given", "now"
    begun = [o for o in continuing.current_orders(record, "rituximab") if draft_start(o, today) == today]
    if begun:
        since = f" since {begun[0].start}" if begun[0].start else ""
        return today, f"after {begun[0].label} on the chart{since}", "now"
    first = min(drafts, key=lambda draft: draft_start(draft, today))
    day = draft_start(first, today)
    return day, f"after {first.label} on {day}", "before the first dose"


def _read_drafts(record: PatientRecord, context: HookContext
                 ) -> tuple[list[MedicationOrder], list[MedicationOrder], dict[str, Any]]:
    """(drafts that order an anti-CD20, drafts that record one as given, facts of how they were read). A draft that
    discontinues the chart order it re-sends or names gives no dose to screen before; one written as a stop that
    names none stops nothing anyone can tell, so it is read as the dose it orders (continuing.ordered_or_given, as
    the dose checks read it). One recorded as given ('completed', re-sent or not) cannot be held: the screen is due
    now."""
    read = continuing.ordered_or_given(context.drafts_in("rituximab"), continuing.current_orders(record, "rituximab"),
                                       record.today, "rituximab")
    drafts, given = list(read.ordered), list(read.recorded)
    return drafts, given, {
        "anti_cd20_drafts": ", ".join(o.label for o in drafts) or None,
        "anti_cd20_recorded_given": ", ".join(o.label for o in given) or None,
        **read.facts("anti_cd20", "the dose it orders"),
    }


def _given_detail(given: list[MedicationOrder], positive: str, passive: str | None, missing: list[str],
                  unmanaged: bool, monitored: Observation | None, hbv: hepatitis.HbvFollowUp, dna_days: int,
                  antiviral: str) -> str:
    """The card's text for an anti-CD20 recorded as given with the screen incomplete, a positive marker unmanaged, or
    followed up by HBV DNA only (``monitored``): nothing to hold, so what is due now (the label's monitoring after
    treatment). ``passive``: why the positive anti-HBc may be IVIG's (:func:`hepatitis.passive_anti_hbc`)."""
    findings, actions = [], []
    dna = hbv.antiviral_needed if unmanaged else None
    if dna:
        findings.append(f"Positive hepatitis B marker: {positive}; {hepatitis.describe(dna)}, "
                        f"and {antiviral}.")
        actions.append(("HBsAg-positive disease needs antiviral prophylaxis whatever the HBV DNA: refer"
                        if hbv.dna_not_enough else "Refer")
                       + " to hepatology and start antiviral therapy now (for example entecavir 0.5 mg daily), "
                       "until at least 12-18 months after the last dose.")
    elif unmanaged:
        findings.append(f"Positive hepatitis B marker: {positive}; no HBV DNA result within "
                        f"{dna_days} days and {antiviral}.")
        actions.append("Check HBV DNA now, refer to hepatology, and start antiviral prophylaxis (for example "
                       "entecavir 0.5 mg daily) until at least 12-18 months after the last dose.")
    elif monitored:
        findings.append(f"Positive hepatitis B marker: {positive}; "
                        f"{hepatitis.describe(monitored)}: no replicating virus now, but {antiviral}.")
        actions.append("Under anti-CD20 therapy HBV DNA monitoring alone is not enough: refer to hepatology and start "
                       "antiviral prophylaxis now (entecavir 0.5 mg daily, or tenofovir), until at least 12-18 months "
                       "after the last dose.")
    if findings and passive:
        findings.append(passive)
    if missing:
        findings.append(f"HBV screening is incomplete: {'; '.join(missing)}.")
        actions.append("Send HBsAg and total anti-HBc (with anti-HBs) now; if either is positive, check HBV DNA, "
                       "refer to hepatology and start antiviral prophylaxis.")
    names = ", ".join(o.label for o in given)
    return DETAIL_GIVEN.format(drug=names, is_are="are" if len(given) > 1 else "is", findings=" ".join(findings),
                               actions=" ".join(actions))


def _positive(markers: Sequence[hepatitis.PositiveMarker]) -> str:
    """The positive HBV markers for a summary: 'HBsAg/anti-HBc positive', and an entry on the problem list, which
    is no test result, as one ('hepatitis B on the problem list', never 'HBV infection positive')."""
    tests = [marker.kind for marker in markers if marker.problem_list_entry is None]
    listed = ["hepatitis B on the problem list"] if len(tests) < len(markers) else []
    return ", ".join(([f"{'/'.join(tests)} positive"] if tests else []) + listed)


def _markers_missing(gaps: Sequence[hepatitis.ScreenGap]) -> str:
    """The screening markers not on file, for a summary: 'HBsAg and anti-HBc missing', "anti-HBc 'Equivocal'",
    'HBsAg missing, anti-HBc pending'."""
    absent = [gap.marker for gap in gaps if gap.unsettled is None]
    return ", ".join(([f"{' and '.join(absent)} missing"] if absent else [])
                     + [f"{gap.marker} {_reads(gap.unsettled)}" for gap in gaps if gap.unsettled is not None])


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    drafts, given, facts = _read_drafts(record, context)
    params = dict(context.params(RULE))
    hbv = hepatitis.follow_up(record, context)
    hbsag_since = record.today - timedelta(days=int(params["hbsag_max_age_days"]))
    hbsag = antibodies.results(record, "hbsag")
    hbsag_any = record.observations_in("hbsag")
    facts.update({
        "hbsag_within_window": "; ".join(_describe(o, s) for o, s in hbsag
                                         if o.when is not None and o.when >= hbsag_since) or None,
        "hbsag_last_any": _describe(hbsag_any[-1], antibodies.status(hbsag_any[-1])) if hbsag_any else None,
        "anti_hbc_total": "; ".join(_describe(o, s) for o, s in antibodies.results(record, "anti_hbc")) or None,
        **hepatitis.follow_up_facts(record, context),
    })
    if not drafts and not given:
        return Quiet("the anti-CD20 drafts only discontinue orders on the chart"
                     if facts["anti_cd20_drafts_discontinuing"] else
                     "no rituximab or other anti-CD20 in the draft orders", facts)
    facts["anti_hbc_after_ivig"] = hepatitis.passive_anti_hbc(record, context)  # reads the IVIG given: only here
    gaps = hepatitis.screen_gaps(record, context)
    missing = [_missing(gap) for gap in gaps]
    first_dose, after, when = _first_dose(record, drafts, given)
    unmanaged = hepatitis.unmanaged(record, context, first_dose)
    viraemic = hbv.viraemic if unmanaged else None
    # HBsAg-positive disease: a recent HBV DNA that is not detectable is no follow-up, an antiviral is still needed
    not_enough = hbv.dna_not_enough if unmanaged else None
    # anti-HBc alone: that DNA is follow-up for the spec's trigger, but anti-CD20 therapy asks for prophylaxis too
    monitored = hepatitis.monitoring_only(record, context, first_dose)
    # unmanaged or monitored only: every antiviral in place starts after the first dose
    late = hbv.cover if unmanaged or monitored else ()
    antiviral = _antiviral_status(hbv, late, after, when)
    if late:
        facts["antiviral_starts_after_first_dose"] = (
            "; ".join(f"{c.order.label} ({c.order.reference}) from {c.start}" for c in late) + f", {after}")
    if hbv.stopped:
        facts["antiviral_stopped_by_drafts"] = "; ".join(f"{o.label} ({o.reference})" for o in hbv.stopped)
    facts["missing"] = "; ".join(missing) or None
    # a detectable HBV DNA without an antiviral too, and with HBsAg-positive disease any HBV DNA without one
    facts["positive_without_dna_or_antiviral"] = unmanaged
    facts["hbv_dna_without_prophylaxis"] = hepatitis.describe(monitored) if monitored else None
    markers = hepatitis.hbv_markers(record)
    positive = "; ".join(marker.stated for marker in markers)
    if not missing and not unmanaged and not monitored:
        reason = "HBsAg and anti-HBc on file, negative" if not markers else (
            "positive HBV marker with an antiviral plan from the first anti-CD20 dose on file")
        return Quiet(reason, facts)
    # critical while the screen is incomplete or a marker is not followed up; a warning for prophylaxis only
    severity: Severity = "critical" if missing or unmanaged else "warning"

    dna_days = int(context.definition("hbv_dna_max_age_days"))
    dna_needed = bool(markers) and not hbv.dna  # a recent result on file needs no second one
    labs = _labs(record, context, params, [gap.test for gap in gaps], dna_needed)
    labs_title = ("Order HBV screening and baseline labs" if missing else "Order HBV DNA and labs" if dna_needed
                  else "Order baseline labs")
    suggestions = [Suggestion(labs_title, labs, is_recommended=True)] if labs else []
    if late:  # the antiviral drafted or ordered, from signing; no second one
        # of several, none recommended: accepting them all would give two antivirals
        suggestions += [moved for cover in late
                        if (moved := _start_now(record, context, cover, after, len(late) == 1)) is not None]
        suggestions.append(Suggestion("Hepatology referral", [_referral(context)],
                                      is_recommended=bool(viraemic or not_enough or monitored)))
    elif markers:
        suggestions.append(Suggestion("Hepatology referral and entecavir 0.5 mg PO daily (per hepatology)",
                                      _antiviral(context), is_recommended=bool(unmanaged or monitored)))
    named = _positive(markers)  # as a summary names them
    passive = facts["anti_hbc_after_ivig"]
    if not drafts:  # recorded as given only: nothing to hold, the screen and what follows it are due now
        label = f"{given[0].label} recorded as given"
        if viraemic:
            summary = f"{named}, HBV DNA detectable, {label}: hepatology and antiviral now"
        elif not_enough:
            summary = f"{named}, {label}: hepatology and antiviral now, whatever the HBV DNA"
        elif unmanaged:
            summary = f"{named}, {label}: check HBV DNA and start antiviral now"
        elif monitored and not missing:
            summary = f"{named}, {label}: hepatology and antiviral prophylaxis now, not HBV DNA monitoring alone"
        else:
            summary = f"No HBV screen, {label}: send {' and '.join(gap.marker for gap in gaps)} now"
        return Fired(
            severity=severity,
            summary=cut_summary(summary),
            detail=_given_detail(given, positive, passive, missing, unmanaged, monitored, hbv, dna_days, antiviral)
            + DETAIL_COMMON_GIVEN,
            facts=facts,
            about=given,
            suggestions=suggestions,
        )

    drug = ", ".join(o.label for o in drafts)
    plan = "start" if late else "plan"  # an antiviral planned already, to start too late
    parts = []
    if viraemic:
        parts.append(DETAIL_VIRAEMIC.format(drug=drug, positive=positive,
                                            dna=hepatitis.describe(viraemic), antiviral=antiviral))
    elif not_enough:
        parts.append(DETAIL_SURFACE_ANTIGEN.format(drug=drug, positive=positive,
                                                   dna=hepatitis.describe(not_enough), antiviral=antiviral))
    elif unmanaged:
        parts.append(DETAIL_POSITIVE.format(drug=drug, positive=positive, dna_days=dna_days,
                                            antiviral=antiviral, plan=plan))
    elif monitored:
        parts.append(DETAIL_MONITORING_ONLY.format(drug=drug, positive=positive,
                                                   dna=hepatitis.describe(monitored), antiviral=antiviral))
    if parts and passive:
        parts.append(f"\n{passive}\n")
    if missing:
        parts.append(DETAIL_MISSING.format(drug=drug, missing="; ".join(missing)))
    parts.append(DETAIL_COMMON)
    if given:
        parts.append(GIVEN_TOO.format(given=", ".join(o.label for o in given)))
    if viraemic:
        summary = f"{named}, HBV DNA detectable: hepatology and antiviral before {drafts[0].label}"
    elif not_enough:
        whatever = f"{named}: antiviral prophylaxis before {drafts[0].label}, whatever the HBV DNA"
        summary = first_fitting([f"{whatever} ({hepatitis.reading(not_enough)} on {not_enough.when})", whatever])
    elif unmanaged:
        summary = f"{named}: check HBV DNA and {plan} antiviral before {drafts[0].label}"
    elif monitored and not missing:
        whatever = f"{named}: antiviral prophylaxis before {drafts[0].label}, not HBV DNA monitoring alone"
        summary = first_fitting([f"{whatever} ({hepatitis.reading(monitored)} on {monitored.when})", whatever])
    else:
        summary = f"No HBV screen before {drafts[0].label}: {_markers_missing(gaps)}"
    hold = [Action("delete", f"Hold (cancel) {named_with_dose(o)} until HBV results and plan are in place",
                   resource_id=o.reference) for o in drafts]
    until = ("antiviral prophylaxis is in place" if viraemic or not_enough or (monitored and not missing)
             else "HBV status is known")
    suggestions.append(Suggestion(f"Cancel {drafts[0].label} until {until}", hold))
    return Fired(
        severity=severity,
        summary=cut_summary(summary),
        detail="".join(parts),
        facts=facts,
        about=[*drafts, *given],
        suggestions=suggestions,
    )
