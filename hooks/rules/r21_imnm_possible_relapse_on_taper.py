"""R21: CK rising well above its nadir while the taper goes on: a possible relapse, so hold the taper."""

from __future__ import annotations

from collections.abc import Sequence

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, taper
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
**Possible relapse {when}.** {found}

Taper: {taper}.

About half of IMNM patients relapse while treatment is tapered. {planned}**{advice}**
{by_cycle}Repeat the CK and examine strength (MMT-8) within 1-2 weeks. If the relapse is confirmed, go back to the
last effective glucocorticoid dose and escalate by subtype (IVIG for anti-HMGCR, rituximab for anti-SRP).
A CK rise alone is not a relapse: weigh it with strength.
{caveats}"""


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


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    order_sign = context.hook == "order-sign"
    reductions = taper.draft_reductions(record, context, context.draft_orders) if order_sign else []
    facts: dict[str, object] = {"draft_reductions": "; ".join(str(r.step) for r in reductions) or None}
    # a draft whose dose (or that of the order it is compared with) is not read may be a reduction
    unread = (taper.draft_doses_not_read(record, context, context.draft_orders) if order_sign and not reductions
              else None)
    if order_sign and not reductions and not unread:
        return Quiet("no draft lowers the glucocorticoid dose or stops/reduces a steroid-sparing agent", facts)
    steps = before_ck(record, context, facts, [r.step for r in reductions], unread)
    if isinstance(steps, Quiet):
        return steps
    unread = _orders_hiding_a_step(record, context, steps, unread)
    # Taper windows and relapse thresholds are shared definitions (R22 reads the same taper); the relapse check
    # judges the steps before_ck gathered (the draft's included) rather than gathering them again.
    check = taper.possible_relapse(record, context, taper=steps, unread=unread)
    taper_text = "; ".join(str(s) for s in steps)
    facts.update({
        "taper": taper_text or None,
        "taper_dose_not_read": "; ".join(unread) or None,
        "latest_ck": str(check.latest) if check.latest else None,
        "nadir_ck": str(check.nadir) if check.nadir else None,
        "ratio_to_nadir": check.ratio.fact(2) if check.ratio is not None else None,
        "caveats": "; ".join(check.caveats) or None,
    })
    if check.missing:
        return NotEvaluable(check.missing, facts)
    if not check.possible:
        return Quiet(check.reason, facts)
    assert check.latest is not None and check.nadir is not None
    # a reduction dated after today (a planned order, courses.planned) has not taken effect: the CK rose before it
    to_come = min((step.day for step in steps if step.day > record.today), default=None)
    begun = any(step.day <= record.today for step in steps)
    summary_when, detail_when = ("on taper", "during the taper") if begun else ("before a planned reduction",) * 2
    by_hand = _last_cycles(reductions)
    facts["last_cycle_by_hand"] = "; ".join(f"{name}: {last}" for name, last in by_hand.items()) or None
    if reductions and not by_hand:
        hold = "Hold this dose reduction"
    elif reductions:
        hold = ("Hold this dose reduction; re-order the last cycle by hand" if any(not r.by_cycle for r in reductions)
                else "Keep the last cycle's dose: re-order it by hand")
    elif to_come:
        hold = f"Hold the reduction planned {to_come}, recheck"
    else:
        hold = "Hold the taper, recheck"
    found = (f"Latest CK {check.latest} is above the upper limit of normal and {check.ratio:.1f} times the "
             f"nadir of {check.nadir}.")
    caveat_text = ("\n**Other causes to rule out before calling it a relapse:** " + "; ".join(check.caveats) + "."
                   if check.caveats else
                   "\nNo exertion, IM injection, trauma, high TSH or statin exposure is recorded; ask about them "
                   "and about missed doses.")
    return Fired(
        severity="warning",
        summary=first_fitting([f"Possible IMNM relapse {summary_when}: CK {check.latest.reading}, "
                               f"{check.ratio:.1f}x nadir. {hold}", f"Possible IMNM relapse {summary_when}. {hold}"]),
        detail=DETAIL.format(when=detail_when, found=found, taper=taper_text, caveats=caveat_text,
                             planned=(f"**A reduction is planned on {to_come}: do not start the lower dose until "
                                      "a relapse is ruled out.** " if to_come else ""),
                             advice="Do not make a further reduction now." if begun else "Do not reduce now.",
                             by_cycle="".join(BY_CYCLE.format(name=name, last_cycle=last)
                                              for name, last in by_hand.items())),
        facts=facts,
        about=list({id(r.order): r.order for r in reductions}.values()),
        suggestions=_suggestions(context, reductions),
    )


def _last_cycles(reductions: Sequence[DraftReduction]) -> dict[str, str]:
    """The agents that cancelling their drafts would stop (taper.DraftReduction.by_cycle), as the card names them,
    each with its last effective cycle as the chart gives it (taper.DraftReduction.last_cycle)."""
    return {_AGENT_NAMES.get(r.agent, r.agent): r.last_cycle for r in reductions
            if r.by_cycle and r.agent is not None and r.last_cycle is not None}


def _suggestions(context: HookContext, reductions: Sequence[DraftReduction]) -> list[Suggestion]:
    sets, patient = context.valuesets, context.patient_id
    ck_order = orders.service_request(patient, orders.lab_concept(sets, "ck", "2157-6"),
                                      note="Repeat CK in 7-14 days (possible relapse during taper).")
    tsh = orders.service_request(patient, orders.lab_concept(sets, "tsh", "3016-3"),
                                 note="Hypothyroidism can raise CK and cause weakness.")
    mmt8 = orders.service_request(patient, orders.text_concept("Manual muscle testing (MMT-8) within 2 weeks"))
    visit = orders.service_request(patient, orders.text_concept("Neuromuscular clinic visit within 2 weeks "
                                                                "(possible IMNM relapse)"))
    recheck = Suggestion("Repeat CK in 7-14 days, TSH, MMT-8 and a clinic visit within 2 weeks", [
        Action("create", "CK in 7-14 days", resource=ck_order),
        Action("create", "TSH", resource=tsh),
        Action("create", "MMT-8 within 2 weeks", resource=mmt8),
        Action("create", "Clinic visit within 2 weeks", resource=visit)], is_recommended=True)
    held = {id(r.order): r.order for r in reductions if not r.by_cycle}.values()
    hold = [Suggestion("Hold the taper: cancel the dose reduction",
                       [_cancel(order) for order in held], is_recommended=True)] if held else []
    # cancelling a draft of an agent ordered cycle by cycle stops it: offered, never recommended nor called a hold
    stopping = {id(r.order): r.order for r in reductions if r.by_cycle}.values()
    stop = [Suggestion(CANCEL_BY_CYCLE, [_cancel(order) for order in stopping])] if stopping else []
    return [*hold, *stop, recheck]


def _cancel(order: MedicationOrder) -> Action:
    return Action("delete", f"Cancel the draft {named_with_dose(order)}", resource_id=order.reference)
