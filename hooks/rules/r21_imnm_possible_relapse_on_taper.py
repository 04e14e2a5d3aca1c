"""R21: CK rising well above its nadir while the taper goes on: a possible relapse, so hold the taper."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, severe_disease, taper
from hooks.definitions.cardiac_screen import SEVERE_CARD
from hooks.definitions.dose_basis import named_with_dose
from hooks.definitions.escalation import CkRow
from hooks.definitions.taper import DraftReduction, TaperStep
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Quiet, Result, Rule, Suggestion
from hooks.sources import KASSARDJIAN_2015, SEED_000, SEED_001, SEED_004

RULE = Rule(
    id="imnm-possible-relapse-on-taper",
    number=21,
    title="Possible IMNM relapse during taper",
    hooks=("patient-view", "order-sign"),
    severities=("warning",),
    also_reads=("procedures", "immunizations"),
    summary="CK above the ULN and at least twice its nadir while glucocorticoids or a steroid-sparing agent "
            "are being tapered: hold the taper and recheck.",
    sources=(KASSARDJIAN_2015, SEED_000, SEED_001, SEED_004),
)

DETAIL = """\
**Possible relapse{also_possible} {when}.** {found}

Taper: {taper}.

About half of IMNM patients relapse while treatment is tapered. {planned}**{advice}**
{by_cycle}{plan}
{caveats}"""

# the plan of the detail when no critical card leads (:class:`FirstCard`); what it goes back to, and what it does not
# (stopped for an adverse reaction): :func:`_restoring`
RECHECK_PLAN = ("Repeat the CK and examine strength (MMT-8) within 1-2 weeks. If the relapse is confirmed, {restore}"
                "escalate by subtype (IVIG for anti-HMGCR, rituximab for anti-SRP).{not_restored}\n"
                "A CK rise alone is not a relapse: weigh it with strength.")
SEVERE_PLAN = (f"**{SEVERE_CARD[:1].upper()}{SEVERE_CARD[1:]} comes first: admit.** Its IV methylprednisolone pulse "
               "and IVIG are the escalation of this relapse: do not wait 1-2 weeks for a repeat CK, nor go back to the "
               "last effective glucocorticoid dose instead. No outpatient recheck is offered here.")
ICI_CARD = "the ICI-myositis card (R31)"
ICI_PLAN = ("**A checkpoint inhibitor is given ({ici}): this may be checkpoint-inhibitor myositis, not only an IMNM "
            f"relapse ({{why}}). {ICI_CARD[:1].upper()}{ICI_CARD[1:]} comes first:** its myocarditis work-up, "
            "the decision on the checkpoint inhibitor and its glucocorticoid dose by grade replace the return to the "
            "last effective dose and the escalation by subtype; the CK and neuromuscular review it orders are not "
            "ordered again here. Hypothyroidism (checkpoint-inhibitor thyroiditis among its causes) also raises CK: "
            "check TSH.")


# how an agent given in cycles is named on the card, where its group's name is not
_AGENT_NAMES = {"ivig": "IVIG"}
# A draft lowering an agent ordered cycle by cycle (taper.DraftReduction.by_cycle): cancelling it stops the agent.
# Holding its dose is ordering its last cycle again, by hand: no order is written, as a draft rewritten at the last
# cycle's dose and spacing could not be trusted (clinician review).
BY_CYCLE = ("**Cancelling the draft would stop {name}, not hold its dose:** {name} is ordered here one cycle at a "
            "time, the earlier cycles completed orders, so none would be left ordered. Its last effective cycle, as "
            "the chart gives it: {last_cycle}. **Re-order that cycle by hand** if {name} is to go on at it; no order "
            "is written for you here.\n")
CANCEL_BY_CYCLE = "Cancel the draft reduction (then re-order the last cycle by hand)"


def before_ck(record: PatientRecord, context: HookContext, facts: dict[str, object],
              extra_taper: Sequence[TaperStep] = (), unread: Sequence[str] | None = None) -> list[TaperStep] | Quiet:
    """Every gate of R21 before its CK check: IMNM with a taper in progress (``extra_taper``: the reductions a
    draft being signed adds), or none read but orders whose daily dose is not read that may hide one (``unread``; by
    default the chart's, taper.doses_not_read): the CK is then judged, and said not evaluable where it could mean
    a relapse. R22 asks for a CK when these pass and only the CK's age keeps R21 from judging."""
    if not cohorts.is_imnm(record, context):
        return Quiet("not IMNM", facts)
    steps = [*taper.taper_in_progress(record, context), *extra_taper]
    if not steps:
        facts["taper"] = None
        if not _orders_hiding_a_step(record, context, steps, unread):
            return Quiet("no taper in progress", facts)
    return steps


def _orders_hiding_a_step(record: PatientRecord, context: HookContext, steps: Sequence[TaperStep],
                          unread: Sequence[str] | None) -> list[str]:
    """The orders whose daily dose is not read that may hide a taper step: ``unread`` where given (a draft's), else
    the chart's (taper.doses_not_read), which matter only where no step is read."""
    if unread is not None:
        return list(unread)
    return [] if steps else taper.doses_not_read(record, context)


CK_ROW = CkRow(RULE, "whether a relapse is starting during the taper", before_ck,
               max_age="relapse_ck_max_age_days")


@dataclass(frozen=True, slots=True)
class FirstCard:
    """A critical card whose plan comes before this card's outpatient recheck: R19's (severe IMNM: admit, pulse and
    IVIG now) where it shows, or R31's for checkpoint-inhibitor myositis, whose cohort leaves this row firing
    (section 1) but whose card orders the CK and the neuromuscular review. ``plan``: the detail's lines in place of
    the recheck; ``also_possible``: what else the CK rise may be, named in the detail's heading; ``summaries``: the
    card's summaries, fullest first (given the CK and its ratio to the nadir, when, and the advice on the taper)."""

    plan: str
    also_possible: str
    summaries: Callable[[str, str, str], list[str]]


def _first_card(record: PatientRecord, context: HookContext, facts: dict[str, object]) -> FirstCard | None:
    """The critical card that leads (:class:`FirstCard`), None when neither does. R19 is a patient-view card: on
    order-sign its card is not in the response. The ICI gate suppresses R19, so never both."""
    severe = severe_disease.card_shows(record, context)
    ici_myositis = cohorts.ici_myositis(record, context)
    facts.update(severe_card_shows=severe, ici_myositis="; ".join(ici_myositis) or None)
    if severe:
        return FirstCard(SEVERE_PLAN, "", lambda ck, when, hold: [
            f"Possible IMNM relapse {when}: {ck}. Severe: admit, pulse and IVIG on {SEVERE_CARD}",
            f"Possible IMNM relapse {when}. Severe: admit, pulse and IVIG on {SEVERE_CARD}"])
    if ici_myositis:
        ici = ", ".join(dict.fromkeys(m.label for m in cohorts.ici_exposure(record, context)))
        return FirstCard(ICI_PLAN.format(ici=ici, why="; ".join(ici_myositis)), " or checkpoint-inhibitor myositis",
                         lambda ck, when, hold: [
                             f"Possible IMNM relapse or ICI myositis ({ici} given) {when}: {ck}. R31's card first. "
                             f"{hold}",
                             f"Possible IMNM relapse or ICI myositis ({ici} given) {when}. R31's card first. {hold}",
                             f"IMNM relapse or ICI myositis {when}: R31's card first. {hold}"])
    return None


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    order_sign = context.hook == "order-sign"
    reductions = taper.draft_reductions(record, context, context.draft_orders) if order_sign else []
    # the drafts of one glucocorticoid reduction share its step (taper.draft_reductions): named once
    drafted = list({id(r.step): r.step for r in reductions}.values())
    facts: dict[str, object] = {"draft_reductions": "; ".join(str(step) for step in drafted) or None}
    # a draft whose dose (or that of the order it is compared with) is not read may be a reduction
    unread = (taper.draft_doses_not_read(record, context, context.draft_orders) if order_sign and not reductions
              else None)
    if order_sign and not reductions and not unread:
        return Quiet("no draft lowers the glucocorticoid dose or stops/reduces a steroid-sparing agent", facts)
    steps = before_ck(record, context, facts, drafted, unread)
    if isinstance(steps, Quiet):
        return steps
    unread = _orders_hiding_a_step(record, context, steps, unread)
    # Taper windows and relapse thresholds are shared definitions (R22 reads the same taper). On order-sign the
    # relapse check judges the steps before_ck gathered (the draft's included); on patient-view they are the chart's,
    # judged once for this card and the escalation rows (taper.chart_relapse).
    check = (taper.possible_relapse(record, context, taper=steps, unread=unread) if order_sign
             else taper.chart_relapse(record, context))
    taper_text = "; ".join(str(s) for s in steps)
    facts.update({
        "taper": taper_text or None,
        "taper_dose_not_read": "; ".join(unread) or None,
        "latest_ck": str(check.latest) if check.latest else None,
        "nadir_ck": str(check.nadir) if check.nadir else None,
        "ratio_to_nadir": check.ratio.fact(2) if check.ratio is not None else None,
        "caveats": "; ".join(check.caveats) or None,
        "statin_reexposure": "; ".join(f"{order.label} (last {last.isoformat()})"
                                       for order, last in check.statins) or None,
    })
    if check.missing:
        return NotEvaluable(check.missing, facts)
    if not check.possible:
        return Quiet(check.reason, facts)
    assert check.latest is not None and check.nadir is not None
    # a reduction dated after today (a planned order, courses.planned) has not taken effect: the CK rose before it
    to_come = min((step.day for step in steps if step.day > record.today), default=None)
    begun = any(step.day <= record.today for step in steps)
    # the glucocorticoid stopped and none given now: nothing of it to hold, its restart is the question
    stopped = None if reductions else taper.glucocorticoid_stopped(record, context, steps)
    holding = [s for s in steps if not (stopped and s.agent == taper.GLUCOCORTICOID)]
    summary_when, detail_when = (("on taper", "during the taper") if begun and (holding or not stopped)
                                 else ("off glucocorticoids", "after the glucocorticoid was stopped") if begun
                                 else ("before a planned reduction",) * 2)
    by_hand = _last_cycles(reductions)
    facts["last_cycle_by_hand"] = "; ".join(f"{name}: {last}" for name, last in by_hand.items()) or None
    escalation = next((r.step for r in reductions if r.escalates), None)
    first = _first_card(record, context, facts)
    # the recheck is this card's own plan: where a critical card leads, its plan is
    recheck = "" if first else ", recheck"
    if reductions:
        hold = _holding_drafts(reductions, escalation, bool(by_hand))
    elif stopped:
        hold = (f"Glucocorticoid stopped {stopped.day}: consider restarting"
                + (f"; hold the reduction planned {to_come}" if to_come else "; hold the taper" if holding else "")
                + recheck)
    elif to_come:
        hold = f"Hold the reduction planned {to_come}{recheck}"
    else:
        hold = f"Hold the taper{recheck}"
    found = (f"Latest CK {check.latest} is above the upper limit of normal and {check.ratio:.1f} times the "
             f"nadir of {check.nadir}.")
    ck_rise = f"CK {check.latest.reading}, {check.ratio:.1f}x nadir"
    return Fired(
        severity="warning",
        summary=first_fitting(first.summaries(ck_rise, summary_when, hold) if first else
                              [f"Possible IMNM relapse {summary_when}: {ck_rise}. {hold}",
                               f"Possible IMNM relapse {summary_when}. {hold}"]),
        detail=DETAIL.format(also_possible=first.also_possible if first else "", when=detail_when, found=found,
                             taper=taper_text,
                             plan=first.plan if first else RECHECK_PLAN.format(
                                 **_restoring(steps, drafted, record.today)),
                             caveats=_causes(record, context, check),
                             planned=_ahead(stopped, escalation, to_come),
                             advice=("Do not reduce any other immunosuppressant now." if stopped and not holding
                                     else "Do not make a further reduction now." if begun else "Do not reduce now."),
                             by_cycle="".join(BY_CYCLE.format(name=name, last_cycle=last)
                                              for name, last in by_hand.items())),
        facts=facts,
        about=list({id(r.order): r.order for r in reductions}.values()),
        suggestions=_suggestions(context, reductions, first is not None),
    )


def _restoring(steps: Sequence[TaperStep], drafted: Sequence[TaperStep], today: date) -> dict[str, str]:
    """What the recheck plan goes back to if the relapse is confirmed (``restore``, ending where the escalation
    follows): the last effective glucocorticoid dose, and a steroid-sparing agent reduced on the chart (IVIG spaced
    out, methotrexate lowered or stopped), named, since restoring it may be what the relapse needs; the
    glucocorticoid is not named where only a steroid-sparing agent was reduced. A drafted or planned reduction is held,
    not restored. An agent stopped or lowered for an adverse reaction or intolerance (taper.TaperStep.adverse_reaction:
    hepatotoxicity) is not restored: ``not_restored`` says why, and that another agent is needed in its place. One
    stopped or lowered with no reason on the chart (taper.TaperStep.unexplained) may have been for toxicity, which
    cannot be told: it is restored unless it was."""
    done = [step for step in steps if step.day <= today and step not in drafted]
    sparing = [step for step in done if step.agent != taper.GLUCOCORTICOID]
    harmful = [step for step in sparing if step.adverse_reaction]
    restorable = [step for step in sparing if not step.adverse_reaction]
    unexplained = [step for step in restorable if step.unexplained]
    unless = ("" if not unexplained else
              " unless it was stopped or lowered for toxicity (the chart gives no reason)" if len(restorable) == 1 else
              f" unless one was stopped or lowered for toxicity (the chart gives no reason for "
              f"{', '.join(dict.fromkeys(str(step.agent) for step in unexplained))})")
    said = ([f"restore the steroid-sparing treatment that was reduced ({'; '.join(str(s) for s in restorable)})"
             f"{unless}"] if restorable else [])
    if len(sparing) < len(done) or not sparing:
        said.append("go back to the last effective glucocorticoid dose")
    not_restored = "".join(f" **{str(step)[:1].upper()}{str(step)[1:]} for an adverse reaction or intolerance "
                           f"({step.adverse_reaction}): "
                           + ("do not restart it; another steroid-sparing agent is needed in its place.**" if step.stop
                              else "do not go back to the earlier dose; another steroid-sparing agent is needed "
                                   "instead.**") for step in harmful)
    restore = f"{', '.join(said)}{',' if len(said) > 1 or unless else ''} and\n" if said else ""
    return {"restore": restore, "not_restored": not_restored}


def _holding_drafts(reductions: Sequence[DraftReduction], escalation: TaperStep | None, by_hand: bool) -> str:
    """The summary's advice on the drafts: hold those whose cancelling holds the dose, keep an escalation but not
    its step below today's dose (taper.DraftReduction.escalates), and re-order by hand the last cycle of an agent
    that cancelling would stop (taper.DraftReduction.by_cycle)."""
    said = ["Hold this dose reduction"] if any(not r.by_cycle and not r.escalates for r in reductions) else []
    if escalation is not None:
        said.append(f"{'k' if said else 'K'}eep the escalation; hold its step down on {escalation.day}")
    if by_hand:
        said.append("re-order the last cycle by hand" if said else "Keep the last cycle's dose: re-order it by hand")
    return "; ".join(said)


def _ahead(stopped: TaperStep | None, escalation: TaperStep | None, to_come: date | None) -> str:
    """The detail's bold lines on what is still to be decided: a glucocorticoid stopped (nothing to hold: restart
    it?), an escalation drafted whose later step lowers the dose below today's, or a reduction still to come."""
    said = ""
    if stopped is not None:
        said += (f"**{stopped.what[:1].upper()}{stopped.what[1:]} {_when(stopped)}: there is no glucocorticoid "
                 "left to hold; the question is restarting it.** ")
    if escalation is not None:
        said += (f"**The draft raises the glucocorticoid, then lowers it below today's dose on {escalation.day}: keep "
                 "the escalation, but do not let that lower step start until a relapse is ruled out (rewrite the "
                 "draft's later steps, or review before then).** ")
    elif to_come:
        said += (f"**A reduction is planned on {to_come}: do not start the lower dose until a relapse is ruled "
                 "out.** ")
    return said


def _when(step: TaperStep) -> str:
    """'on 2026-09-22', or 'by ... at the latest' (taper.TaperStep's own words)."""
    return str(step).removeprefix(step.what).strip()


def _causes(record: PatientRecord, context: HookContext, check: taper.RelapseCheck) -> str:
    """The detail's lines on what else may raise the CK: a statin given in anti-HMGCR myopathy, a relapse trigger to
    stop (taper.RelapseCheck.statins, named as R14 names it; its card, where it shows, gives the lipid lowering
    instead), then the other causes to rule out (taper.RelapseCheck.caveats), or what to ask about."""
    said = ""
    if check.statins:
        named = "; ".join(f"{'stop' if last >= record.today else 'do not restart'} {order.label} (last given "
                          f"{last.isoformat()})" for order, last in check.statins)
        card = (" (see the statin card)" if any(_statin_card_shows(record, context, order, last)
                                                for order, last in check.statins) else "")
        said += ("\n**Statin re-exposure can reactivate anti-HMGCR myopathy: a relapse trigger, not another cause "
                 f"to rule out.** {named[:1].upper()}{named[1:]}: statins and red yeast rice are contraindicated "
                 f"for life{card}.")
    if check.caveats:
        return said + "\n**Other causes to rule out before calling it a relapse:** " + "; ".join(check.caveats) + "."
    statins = "" if check.statins else " or statin exposure"
    return (said + f"\nNo exertion, IM injection, trauma{',' if statins else ' or'} high TSH{statins} is recorded; ask "
            "about them and about missed doses.")


def _statin_card_shows(record: PatientRecord, context: HookContext, order: MedicationOrder, last: date) -> bool:
    """R14's statin card fires for it: on patient-view, a statin that may still be taken (last given today or
    later, not stopped by a clinician). On order-sign R14 judges the statin drafts only, which this row does not
    read."""
    return context.hook == "patient-view" and last >= record.today and order.status != "stopped"


def _last_cycles(reductions: Sequence[DraftReduction]) -> dict[str, str]:
    """The agents that cancelling their drafts would stop (taper.DraftReduction.by_cycle), as the card names them,
    each with its last effective cycle as the chart gives it (taper.DraftReduction.last_cycle)."""
    return {_AGENT_NAMES.get(r.agent, r.agent): r.last_cycle for r in reductions
            if r.by_cycle and r.agent is not None and r.last_cycle is not None}


def _suggestions(context: HookContext, reductions: Sequence[DraftReduction], critical_first: bool) -> list[Suggestion]:
    """Hold (or cancel) the drafts that lower the dose, then the recheck: CK, TSH, MMT-8 and a clinic visit, all
    pre-selected; where a critical card leads (:class:`FirstCard`: it admits, or orders the CK and the neuromuscular
    review), only the TSH, a cause to rule out that neither orders, offered but not pre-selected."""
    sets, patient = context.valuesets, context.patient_id
    tsh = orders.service_request(patient, orders.lab_concept(sets, "tsh", "3016-3"),
                                 note="Hypothyroidism can raise CK and cause weakness.")
    # an escalation's drafts are not cancelled: that would undo it (taper.DraftReduction.escalates)
    held = {id(r.order): r.order for r in reductions if not r.by_cycle and not r.escalates}.values()
    hold = [Suggestion("Hold the taper: cancel the dose reduction",
                       [_cancel(order) for order in held], is_recommended=True)] if held else []
    # cancelling a draft of an agent ordered cycle by cycle stops it: offered, never recommended nor called a hold
    stopping = {id(r.order): r.order for r in reductions if r.by_cycle}.values()
    stop = [Suggestion(CANCEL_BY_CYCLE, [_cancel(order) for order in stopping])] if stopping else []
    if critical_first:
        return [*hold, *stop, Suggestion("TSH (hypothyroidism can raise CK)", [Action("create", "TSH", resource=tsh)])]
    ck_order = orders.service_request(patient, orders.lab_concept(sets, "ck", "2157-6"),
                                      note="Repeat CK in 7-14 days (possible relapse during taper).")
    mmt8 = orders.service_request(patient, orders.text_concept("Manual muscle testing (MMT-8) within 2 weeks"))
    visit = orders.service_request(patient, orders.text_concept("Neuromuscular clinic visit within 2 weeks "
                                                                "(possible IMNM relapse)"))
    recheck = Suggestion("Repeat CK in 7-14 days, TSH, MMT-8 and a clinic visit within 2 weeks", [
        Action("create", "CK in 7-14 days", resource=ck_order),
        Action("create", "TSH", resource=tsh),
        Action("create", "MMT-8 within 2 weeks", resource=mmt8),
        Action("create", "Clinic visit within 2 weeks", resource=visit)], is_recommended=True)
    return [*hold, *stop, recheck]


def _cancel(order: MedicationOrder) -> Action:
    return Action("delete", f"Cancel the draft {named_with_dose(order)}", resource_id=order.reference)
