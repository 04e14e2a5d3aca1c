"""R21: CK rising well above its nadir while the taper goes on: a possible relapse, so hold the taper."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, taper
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


@dataclass(frozen=True, slots=True)
class _KeepLastCycle:
    """The drafts of an agent given in cycles that give less, where cancelling them leaves none of it ordered
    (taper.DraftReduction.by_cycle): holding its dose is ordering the last cycle again. ``copies``: each draft written
    again at the last cycle's dose (:func:`_at_last_cycle`) with how it is given; empty where one cannot be, and
    ``why`` says why (the card then asks for the last cycle to be ordered by hand)."""

    agent: str
    drafts: tuple[DraftReduction, ...]
    said: str | None  # what the last cycle gave (taper.LastCycle.said)
    copies: tuple[tuple[dict[str, Any], str], ...] = ()
    why: str | None = None

    @property
    def name(self) -> str:
        return _AGENT_NAMES.get(self.agent, self.agent)

    def finding(self) -> str:
        stop = (f"**{self.name[:1].upper()}{self.name[1:]} is ordered here one cycle at a time, the earlier cycles "
                f"completed: cancelling the draft would leave no {self.name} ordered, a stop rather than a hold.** ")
        if self.copies:
            return (f"{stop}Keep the last cycle's dose ({self.said}) instead: the draft written again at it is "
                    "offered below.\n")
        return (f"{stop}The draft cannot be written again at the last cycle's dose ({self.why}): re-order the last "
                f"effective cycle of {self.name} by hand.\n")


def _draft_steps(record: PatientRecord, context: HookContext) -> list[DraftReduction]:
    return taper.draft_reductions(record, context, context.draft_orders)


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
    drafts = _draft_steps(record, context) if order_sign else []
    facts: dict[str, object] = {"draft_reductions": "; ".join(str(r.step) for r in drafts) or None}
    # a draft whose dose (or that of the order it is compared with) is not read may be a reduction
    unread = taper.draft_doses_not_read(record, context, context.draft_orders) if order_sign and not drafts else None
    if order_sign and not drafts and not unread:
        return Quiet("no draft lowers the glucocorticoid dose or stops/reduces a steroid-sparing agent", facts)
    steps = before_ck(record, context, facts, [r.step for r in drafts], unread)
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
    keep = _keep_last_cycles(drafts, record.today)
    facts["last_cycle_reordered"] = "; ".join(
        f"{k.name}: " + ("; ".join(how for _, how in k.copies) if k.copies else f"by hand ({k.why})")
        for k in keep) or None
    if keep:
        hold = ("Keep the last cycle's dose" if all(k.copies for k in keep) else "Re-order the last cycle's dose")
    elif drafts:
        hold = "Hold this dose reduction"
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
                             by_cycle="".join(k.finding() for k in keep)),
        facts=facts,
        about=list({id(r.order): r.order for r in drafts}.values()),
        suggestions=_suggestions(context, drafts, keep),
    )


def _keep_last_cycles(drafts: Sequence[DraftReduction], today: date) -> list[_KeepLastCycle]:
    """The drafts that cancelling would turn from a reduction into a stop (taper.DraftReduction.by_cycle), by agent,
    each agent's drafts written again at its last cycle's dose where every one of them can be."""
    by_agent: dict[str, dict[int, DraftReduction]] = {}
    for reduction in drafts:
        if reduction.by_cycle and reduction.agent is not None:  # a draft both lowered and spaced out is one draft
            by_agent.setdefault(reduction.agent, {}).setdefault(id(reduction.order), reduction)
    kept = []
    for agent, reductions in by_agent.items():
        written = [_at_last_cycle(r, today) for r in reductions.values()]
        why = next((w for w in written if isinstance(w, str)), None)
        said = next((r.last_cycle.said for r in reductions.values() if r.last_cycle is not None), None)
        kept.append(_KeepLastCycle(agent, tuple(reductions.values()), said,
                                   () if why else tuple(w for w in written if not isinstance(w, str)), why))
    return kept


def _at_last_cycle(reduction: DraftReduction, today: date) -> tuple[dict[str, Any], str] | str:
    """The draft written again at the last cycle's dose and spacing (taper.LastCycle), and how it is given: the
    draft resource with only its dose (doseQuantity, and the amount of a maxDosePerPeriod) and timing (the interval
    between cycles; the start moved to when the next cycle is due) changed, its text and patient instruction led by
    the new dose, its id and identifiers dropped (a new order; a priorPrescription stays). Or why it cannot be, never
    guessed: no last cycle read (taper.DraftReduction.last_cycle_not_read), several instructions, a dose that is not
    one doseQuantity, timing events (days of their own), a dose that is not a whole number of hundredths in the draft's
    unit, or a resource that is not valid FHIR R4 once written."""
    order, last = reduction.order, reduction.last_cycle
    if last is None:
        return reduction.last_cycle_not_read or "the last cycle's dose is not read"
    written = copy.deepcopy(order.raw)
    instructions = written.get("dosageInstruction")
    if order.resource_type != "MedicationRequest" or not isinstance(instructions, list) or len(instructions) != 1 \
            or not isinstance(instructions[0], dict):
        return "the draft is not one dosage instruction of a MedicationRequest"
    instruction = instructions[0]
    quantities = [d["doseQuantity"] for d in instruction.get("doseAndRate") or []
                  if isinstance(d, dict) and isinstance(d.get("doseQuantity"), dict)]
    quantity = quantities[0] if len(quantities) == 1 else {}
    value = quantity.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "the draft's dose is not written as one dose quantity"
    unit = str(quantity.get("unit") or quantity.get("code") or "")
    dose = value * last.factor
    if abs(dose * 100 - round(dose * 100)) > 1e-6:
        return f"over the draft's days the last cycle is {dose:.4g} {unit} a dose, which is not rounded"
    dose = round(dose, 2)
    quantity["value"] = int(dose) if dose.is_integer() else dose
    timing = instruction.get("timing") or {}
    if not isinstance(timing, dict) or not isinstance(timing.get("repeat") or {}, dict) or timing.get("event"):
        return "the draft's timing gives dates of its own, or is not read"
    # only a timing that changes is written: a draft with none (one infusion) keeps none
    repeat = (instruction.setdefault("timing", timing).setdefault("repeat", {})
              if last.every_days is not None or last.shift_days else {})
    how = f"{order.label} {dose:,g} {unit} a dose" + (f" over {last.over_days:g} days" if last.over_days else "")
    if last.every_days is not None:
        period, period_unit = ((last.every_days // 7, "wk") if last.every_days % 7 == 0 else (last.every_days, "d"))
        repeat.update(period=period, periodUnit=period_unit)
        repeat.pop("periodMax", None)
        how += f", every {period} {'weeks' if period_unit == 'wk' else 'days'}"
    _scale_max_dose(instruction, last.factor, repeat if last.every_days is not None else None)
    if last.shift_days:
        start = (order.start or today) + timedelta(days=last.shift_days)
        if not _move_bounds(repeat, order, start, last.shift_days):
            return "the draft's course cannot be moved to when the next cycle is due"
        how += f", from {start.isoformat()}"
    for field in ("text", "patientInstruction"):
        if isinstance(instruction.get(field), str):
            instruction[field] = f"{how}: the last cycle's dose (drafted as: {instruction[field]})"
    for field in ("id", "identifier"):
        written.pop(field, None)
    written["status"] = "draft"
    notes = written.setdefault("note", [])
    if isinstance(notes, list):
        notes.append({"text": "Written again at the last cycle's dose and spacing: possible IMNM relapse during the "
                              "taper (CK rising above its nadir)."})
    try:
        return orders.validated(written), how
    except ValueError:  # pydantic's ValidationError: something in the draft as written is not valid FHIR R4
        return "written again it is not valid FHIR R4"


def _scale_max_dose(instruction: dict[str, Any], factor: float, repeat: dict[str, Any] | None) -> None:
    """A maxDosePerPeriod (a cycle's whole dose, as orders.infusion_cycles writes it) kept true to the new dose:
    its amount times ``factor``, and, where the interval between cycles is written again (``repeat``), per that."""
    limit = instruction.get("maxDosePerPeriod")
    if not isinstance(limit, dict):
        return
    numerator, denominator = limit.get("numerator"), limit.get("denominator")
    if isinstance(numerator, dict) and isinstance(numerator.get("value"), int | float):
        numerator["value"] = round(numerator["value"] * factor, 2)
    if repeat is not None and isinstance(denominator, dict):
        denominator.update(value=repeat["period"], unit=repeat["periodUnit"], code=repeat["periodUnit"])


def _move_bounds(repeat: dict[str, Any], order: MedicationOrder, start: date, shift_days: int) -> bool:
    """The draft's bounds moved ``shift_days`` later, to ``start``: a boundsPeriod's start (and end), a boundsDuration
    written as the boundsPeriod it gives from then (FHIR allows one of them). False where a length is not whole days."""
    bounds = repeat.get("boundsPeriod")
    if isinstance(bounds, dict):
        bounds["start"] = start.isoformat()
        if bounds.get("end") is not None:
            if order.end is None:
                return False
            bounds["end"] = (order.end + timedelta(days=shift_days)).isoformat()
        return True
    if "boundsDuration" in repeat:
        days = order.dosages[0].bounds_days if order.dosages else None
        if days is None or not float(days).is_integer():
            return False
        del repeat["boundsDuration"]
        end = start + timedelta(days=int(days) - 1)
        repeat["boundsPeriod"] = {"start": start.isoformat(), "end": end.isoformat()}
        return True
    repeat["boundsPeriod"] = {"start": start.isoformat()}
    return True


def _suggestions(context: HookContext, drafts: Sequence[DraftReduction],
                 keep: Sequence[_KeepLastCycle]) -> list[Suggestion]:
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
    held = {id(r.order): r.order for r in drafts if not r.by_cycle}.values()
    hold = [Suggestion("Hold the taper: cancel the dose reduction",
                       [_cancel(order) for order in held], is_recommended=True)] if held else []
    return [*hold, *(_keep_suggestion(k) for k in keep), recheck]


def _cancel(order: MedicationOrder) -> Action:
    return Action("delete", f"Cancel the draft {order.label}", resource_id=order.reference)


def _keep_suggestion(keep: _KeepLastCycle) -> Suggestion:
    """The drafts replaced by their copies at the last cycle's dose; where there are none, cancelling them, not
    called a hold (it stops the agent) nor recommended: the last cycle is then ordered by hand."""
    cancel = [_cancel(r.order) for r in keep.drafts]
    if keep.copies:
        return Suggestion("Replace with the last cycle's dose: " + "; ".join(how for _, how in keep.copies),
                          [*cancel, *(Action("create", f"{how} (the last cycle's dose)", resource=resource)
                                      for resource, how in keep.copies)], is_recommended=True)
    labels = ", ".join(dict.fromkeys(r.order.label for r in keep.drafts))
    return Suggestion(f"Cancel the draft {labels}, then re-order the last cycle of {keep.name} by hand", cancel)
