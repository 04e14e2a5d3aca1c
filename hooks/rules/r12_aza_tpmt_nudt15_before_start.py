"""R12: an azathioprine order needs TPMT (and NUDT15) status, and a dose that fits it and the patient's weight.

Poor TPMT or NUDT15 metabolizers accumulate thioguanine nucleotides and can die of myelosuppression on a normal
dose (CPIC). Results are read by hooks.definitions.thiopurine; doses by hooks.dosing with the dosing weight.
Azathioprine already on the chart that no draft replaces goes on beside the drafts (hooks.definitions.continuing, as
R06 and R09 read theirs): its daily dose adds up with theirs. One replaced only by being written again, with no link,
is still on the chart once the draft is signed: the card says what both would give together and offers to
discontinue it, a warning of its own when the draft alone is within the limits. "Cancel the draft" is offered only
where what cancelling leaves on the chart (continuing.OnChart.kept_if_cancelled: the orders beside the draft, those
left active and those it replaces by a link) is read and within the dose; otherwise the card says what it would
leave, or that this is not known, and the orders offered instead stop them all. An order whose dose is not read is
not counted: what the others give is the least given, enough to fire on above 3 mg/kg/day (said as 'at least'),
never to pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import cut_summary
from hooks.context import HookContext
from hooks.definitions import continuing, dose_basis, lab_orders, thiopurine, weight
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import given_since
from hooks.dosing import AZATHIOPRINE_ORAL, practical_dose, product_for
from hooks.record import MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import AZA_LABEL, CPIC_2024, CPIC_THIOPURINES, SEED_003

RULE = Rule(
    id="aza-tpmt-nudt15-before-start",
    number=12,
    title="Azathioprine: TPMT and NUDT15 status and dose",
    hooks=("order-sign",),
    needs=("patient", "conditions", "observations", "medications", "procedures"),
    severities=("warning", "critical"),
    summary="An azathioprine order without TPMT/NUDT15 results (warning), for a poor metabolizer (critical), an "
            "intermediate metabolizer, or above 3 mg/kg/day.",
    sources=(CPIC_THIOPURINES, CPIC_2024, AZA_LABEL, SEED_003),
    parameters={
        "max_mg_per_kg_day": Param(3, "mg/kg/day", "Above this azathioprine dose the order is flagged."),
        "normal_low_mg_per_kg_day": Param(2, "mg/kg/day", "Lower end of the normal-metabolizer target dose.",
                                          at_most="aza-tpmt-nudt15-before-start.normal_high_mg_per_kg_day"),
        "normal_high_mg_per_kg_day": Param(3, "mg/kg/day", "Upper end of the normal-metabolizer target dose.",
                                           at_most="aza-tpmt-nudt15-before-start.max_mg_per_kg_day"),
        "im_low_fraction": Param(0.3, "fraction", "One intermediate gene: start at least this share of normal."),
        "im_high_fraction": Param(0.8, "fraction", "One intermediate gene: start at most this share of normal."),
        "double_im_low_fraction": Param(0.2, "fraction", "TPMT and NUDT15 intermediate: lower share of normal."),
        "double_im_high_fraction": Param(0.5, "fraction", "TPMT and NUDT15 intermediate: upper share of normal."),
        "start_dose_mg": Param(50, "mg/day", "Suggested azathioprine starting dose (titrate by 25-50 mg/day)."),
        "new_start_lookback_days": Param(90, "days", "No azathioprine given within this window makes a new start."),
    },
    override_family="safety",
)

# the row's "CBC + LFT", each test coded as every card orders it (lab_orders): the liver tests are R10's and R22's,
# GGT with ALT and AST as muscle injury raises those two in myositis
MONITORING = (lab_orders.CBC, lab_orders.ALT, lab_orders.AST, lab_orders.GGT)
MONITORING_NOTE = "Weekly for the first 4-8 weeks of azathioprine, then every 1-3 months."
STEP_MG = AZATHIOPRINE_ORAL.finest_mg  # 25 mg: the smallest whole tablet, so that every step is whole tablets
GROUP = "azathioprine"


def _no_status(summary: thiopurine.Summary) -> str:
    """What there is for a gene with no status: a result that could not be read is quoted, never called none."""
    if summary.unreadable:
        return f"result could not be read: {'; '.join(summary.unreadable)}"
    return f"no {'valid ' if summary.invalid else ''}result"


def _without_status(absent: Sequence[thiopurine.Summary]) -> str:
    """The genes with no status, for the headline: 'TPMT result could not be read', 'no TPMT or NUDT15 result'."""
    unread_genes = [s.gene for s in absent if s.unreadable]
    none = [s for s in absent if not s.unreadable]
    return "; ".join([
        *([f"{' and '.join(unread_genes)} result{'s' if len(unread_genes) > 1 else ''} could not be read"]
          if unread_genes else []),
        *([f"no {'valid ' if any(s.invalid for s in none) else ''}{' or '.join(s.gene for s in none)} result"]
          if none else [])])


def _daily(order: MedicationOrder, weight_kg: float | None,
           bsa_m2: float | None) -> tuple[float | None, float | None, str]:
    """(mg/day, mg/kg/day, how) for an azathioprine order, every dosage instruction counted (section 4.2, as the
    other dose checks read drafts); mg/kg/day straight from an order written per kg, and a mg/m2 order through
    the body-surface area (never read as mg/kg)."""
    dose = dose_basis.read_dose(order, weight_kg, bsa_m2)
    if dose.problem:
        return None, None, dose.problem
    per_kg = None if dose.kg_part_only else dose.kg_daily  # with mg beside it, only the least given
    if per_kg is not None:
        return (per_kg * weight_kg if weight_kg else None), per_kg, f"{per_kg:g} mg/kg/day ({dose.describe()})"
    if dose.daily is None:
        return None, None, ("instructions in mg and in mg/kg, and no current weight to add them up"
                            if dose.kg_part_only else f"{dose.describe()} could not be read as mg/day")
    return dose.daily, (dose.daily / weight_kg if weight_kg else None), f"{dose.daily:g} mg/day"


def _daily_total(given: Sequence[MedicationOrder], weight_kg: float | None, bsa_m2: float | None,
                 today: date) -> tuple[tuple[float | None, float | None, str], list[tuple[MedicationOrder, str]]]:
    """``_daily`` of the azathioprine orders ``given`` that are given on the same day, on the day that gives the most
    (a morning and an evening order add up; so do the drafts and the chart's orders going on beside them; the steps
    of a titration written as separate orders do not: :func:`dose_basis.most_on_one_day`); and the orders whose dose
    is not read at all, each with why. Those are not counted: the total of the others is the least given, enough to
    fire on (a dose above 3 mg/kg/day without them is above it with them), never to pass."""
    parts = {id(order): (order, _daily(order, weight_kg, bsa_m2)) for order in given}
    not_read = [(order, how) for order, (mg_day, per_kg_day, how) in parts.values()
                if mg_day is None and per_kg_day is None]
    read = [(order, part) for order, part in parts.values() if not any(order is o for o, _ in not_read)] or list(
        parts.values())
    mgs = [(order, part[0]) for order, part in read]
    per_kgs = [(order, part[1]) for order, part in read]
    mg_day = per_kg_day = None
    together: list[MedicationOrder] = [order for order, _ in read]
    if all(per_kg is not None for _, per_kg in per_kgs):
        per_kg_day, together = dose_basis.most_on_one_day([(o, k) for o, k in per_kgs if k is not None], today)
    if all(mg is not None for _, mg in mgs):
        mg_day, together = dose_basis.most_on_one_day([(o, m) for o, m in mgs if m is not None], today)
    return (mg_day, per_kg_day, " + ".join(parts[id(order)][1][2] for order in together)), not_read


def _range_mg(weight_kg: float, low_fraction: float, high_fraction: float, params: Mapping[str, float]
              ) -> tuple[float, float]:
    """The reduced starting range in mg/day: shares of the normal 2-3 mg/kg/day, in 25 mg steps within the
    shares; to 0.1 mg where no whole step fits (a small child: a liquid formulation), as practical_dose gives it."""
    low = low_fraction * params["normal_low_mg_per_kg_day"] * weight_kg
    high = high_fraction * params["normal_high_mg_per_kg_day"] * weight_kg
    top = practical_dose(high, STEP_MG, high, round_down=True)[0]
    if high < STEP_MG:
        return math.ceil(low * 10) / 10, top
    return min(max(STEP_MG, math.ceil(low / STEP_MG) * STEP_MG), top), top


def _replacement_mg(params: Mapping[str, float], weight_kg: float | None, reduced: tuple[float, float] | None,
                    ceiling_mg_per_kg: float, adult: bool) -> float | None:
    """The starting dose to suggest instead: 50 mg/day, within the reduced range, and never above the mg/kg/day
    the rule checks against (50 mg is 4 mg/kg/day at 12 kg). None where no whole 25 mg step fits, or for a child
    with no current weight."""
    dose = params["start_dose_mg"]
    if reduced is not None:
        dose = min(max(dose, reduced[0]), reduced[1])
    if weight_kg is None:
        return dose if adult else None
    dose = practical_dose(dose, STEP_MG, ceiling_mg_per_kg * weight_kg, round_down=True)[0]
    return dose if dose >= STEP_MG else None


DETAIL = """\
**Azathioprine: {headline}.** {status_line}
{dose_line}
{advice}
TPMT testing does not replace blood counts: check a CBC and liver tests weekly for the first 4-8 weeks, then every
1-3 months. Normal metabolizers: target 2-3 mg/kg/day, starting at 25-50 mg/day and increasing by 25-50 mg/day
every 1-2 weeks.{notes}"""


def _amount(mg_day: float | None, per_kg_day: float | None) -> str:
    """'150 mg/day', else '2.5 mg/kg/day', else :data:`dose_basis.DOSE_NOT_READ` (the card says why elsewhere)."""
    return (f"{mg_day:g} mg/day" if mg_day is not None else f"{per_kg_day:.1f} mg/kg/day" if per_kg_day is not None
            else dose_basis.DOSE_NOT_READ)


# A day's total of orders as (mg/day, mg/kg/day), each None where not known
AsRead = Callable[[float], tuple[float | None, float | None]]


def _in_one_unit(given: Sequence[MedicationOrder], weight_kg: float | None, bsa_m2: float | None
                 ) -> tuple[list[tuple[MedicationOrder, float | None]], AsRead]:
    """Each of ``given`` with its dose a day in one unit, to add up (continuing.count): in mg when every order read at
    all is read in mg, else in mg/kg (one written per kg, no weight); None when it is not read, or not in that unit
    (not counted). And what a total of them is, as (mg/day, mg/kg/day on the weight)."""
    daily = [(order, *_daily(order, weight_kg, bsa_m2)[:2]) for order in given]
    # in mg when every order read at all is read in mg (one not read is None either way)
    in_mg = all(mg_day is not None for _, mg_day, per_kg_day in daily if (mg_day, per_kg_day) != (None, None))

    def as_read(total: float) -> tuple[float | None, float | None]:
        return (total, total / weight_kg if weight_kg else None) if in_mg else (None, total)

    return [(order, mg_day if in_mg else per_kg_day) for order, mg_day, per_kg_day in daily], as_read


def _left_active_line(left: list[tuple[MedicationOrder, str]], given: list[MedicationOrder],
                      drafts: Sequence[MedicationOrder], weight_kg: float | None, bsa_m2: float | None, today: date,
                      params: Mapping[str, float]) -> continuing.LeftActiveLine:
    """continuing.left_active_line on the day that gives the most, each of ``given`` (the ``drafts``, the chart's
    orders going on and those left active) as :func:`_in_one_unit` reads it; a dose not read is not counted (a total
    only when the others pass the limit). The limit: above 3 mg/kg/day, when mg/kg/day is known."""
    amounts, as_read = _in_one_unit(given, weight_kg, bsa_m2)

    def over(total: float) -> str | None:
        per_kg_day = as_read(total)[1]
        return (f"{per_kg_day:.1f} mg/kg/day, above {params['max_mg_per_kg_day']:g} mg/kg/day"
                if per_kg_day is not None and per_kg_day > params["max_mg_per_kg_day"] else None)

    return continuing.left_active_line(left, amounts, today, drafts=drafts,
                                       named=lambda total, _: _amount(*as_read(total)), over=over)


def _cancelling_leaves(kept: Sequence[MedicationOrder], weight_kg: float | None, bsa_m2: float | None, today: date,
                       passed: Callable[[float | None, float | None], str | None]) -> continuing.Leaves:
    """What cancelling the drafts leaves (``kept``: continuing.OnChart.kept_if_cancelled) on the day it gives the
    most, read as :func:`_in_one_unit` reads it; ``passed`` names the limit a (mg/day, mg/kg/day) passes."""
    amounts, as_read = _in_one_unit(kept, weight_kg, bsa_m2)
    return continuing.Leaves.of(amounts, today, named=lambda total, _: _amount(*as_read(total)),
                                over=lambda total: passed(*as_read(total)))


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    sent = [o for o in context.drafts_in(GROUP) if o.resource_type == "MedicationRequest"]
    facts: dict[str, Any] = {"azathioprine_drafts": ", ".join(o.label for o in sent) or None}
    if not sent:
        return Quiet("no azathioprine draft order", facts)
    # the chart's current orders beside the drafts; a draft that discontinues one of them gives no dose
    chart = continuing.on_chart(sent, continuing.current_orders(record, GROUP), context.today, GROUP)
    drafts = list(chart.given)
    if not drafts:
        return Quiet("no azathioprine draft giving a dose (one that discontinues an order gives none)", facts)
    label = " + ".join(o.label for o in drafts)
    tpmt = thiopurine.summarise(record, "TPMT")
    nudt15 = thiopurine.summarise(record, "NUDT15")
    for summary in (tpmt, nudt15):
        key = summary.gene.lower()
        facts[key] = summary.basis.describe() if summary.basis else None
        facts[f"{key}_set_aside"] = "; ".join(summary.invalid + summary.unreadable) or None

    dosing = weight.dosing_weight(record, context)
    weight_kg = dosing.value if dosing else None
    # what the card says when there is none: the window the dosing weight applied (7 days for a child)
    no_weight = (f"no body weight in the last {weight.weight_max_age_days(record, context)} days"
                 f"{weight.why_not_current(record, context, 'weight', 'kg')}")
    facts["dosing_weight"] = dosing.describe("kg") if dosing else None
    bsa = weight.dosing_bsa(record, context)
    # what the patient would take: the drafts and the chart's orders going on beside them; and each alone
    # (an order whose dose is not read is not counted: what the others give is the least given, said as such)
    (mg_day, per_kg_day, how), not_read = _daily_total([*drafts, *chart.scheduled], weight_kg, bsa, context.today)
    unread = [f"{o.label}{'' if any(o is d for d in drafts) else ' (on the chart)'}: {why}" for o, why in not_read]
    alone, unread_drafts = _daily_total(drafts, weight_kg, bsa, context.today)
    adds = bool(chart.scheduled)
    # what the drafts alone give, as the card names it: 'at least' beside a draft whose dose is not read
    drafts_dose = continuing.least_given(_amount(*alone[:2]), bool(unread_drafts))
    least = "at least " if unread and (mg_day is not None or per_kg_day is not None) else ""
    stop = [(o, dose_basis.read_dose(o, weight_kg, bsa).how_given()) for o in chart.scheduled]
    facts.update(mg_per_day=round(mg_day, 1) if mg_day is not None else None,
                 mg_per_kg_day=round(per_kg_day, 2) if per_kg_day is not None else None,
                 dose_basis=how + (f"; not read, not counted: {'; '.join(unread)}" if least else ""))
    facts["azathioprine_on_chart"] = "; ".join(f"{o.label}: {how_given}{chart.note(o)}"
                                               for o, how_given in stop) or None
    facts.update(chart.facts())
    # chart orders a draft rewrites with no link: still active once it is signed, so what all give is said
    left, left_kept = chart.left_active_doses(weight_kg, bsa)
    left_line = _left_active_line(left_kept, [*drafts, *chart.scheduled, *(d.order for d in left)], drafts,
                                  weight_kg, bsa, context.today, params) if left else None
    lookback = record.today - timedelta(days=int(params["new_start_lookback_days"]))
    new_start = not given_since(record, GROUP, since=lookback)
    facts["new_start"] = new_start

    statuses = {s.gene: s.status for s in (tpmt, nudt15)}
    poor = [g for g, s in statuses.items() if s == "poor"]
    unclear_low = [g for g, s in statuses.items() if s == "low-unspecified"]
    intermediate = [g for g, s in statuses.items() if s == "intermediate"]
    absent = [s for s in (tpmt, nudt15) if s.status is None]
    missing = [s.gene for s in absent]
    unread_genes = [s.gene for s in absent if s.unreadable]
    too_high_per_kg = per_kg_day is not None and per_kg_day > params["max_mg_per_kg_day"]

    reduced: tuple[float, float] | None = None
    high_f = 1.0
    if intermediate and not poor:
        fractions = (("double_im_low_fraction", "double_im_high_fraction") if len(intermediate) == 2
                     else ("im_low_fraction", "im_high_fraction"))
        low_f, high_f = params[fractions[0]], params[fractions[1]]
        facts["reduced_start"] = f"{low_f * 100:.0f}-{high_f * 100:.0f}%"
        if weight_kg is not None:
            reduced = _range_mg(weight_kg, low_f, high_f, params)
    above_reduced = reduced is not None and mg_day is not None and mg_day > reduced[1]
    if per_kg_day is not None and intermediate and not poor and reduced is None:
        # no weight, but a mg/kg order can still be checked against the reduced share of 3 mg/kg/day
        above_reduced = per_kg_day > high_f * params["normal_high_mg_per_kg_day"]

    beside = " with the order on the chart" if adds else ""
    if not (poor or unclear_low or intermediate or missing or too_high_per_kg):
        # never "within range" for a dose that was not read
        why = "; ".join([*(unread if least else []), *(() if per_kg_day is not None else
                                                       ("no current weight" if mg_day is not None else how,))])
        not_judged = f"TPMT and NUDT15 normal, but the dose could not be checked against 3 mg/kg/day ({why})"
        # what was read with the orders left active passing the limit is said, whatever could not be read
        if why and not (left_line and left_line.over):
            return NotEvaluable(not_judged, facts)
        within = f"TPMT and NUDT15 normal and the dose{beside} is within 3 mg/kg/day"
        if left_line is not None:
            return continuing.left_active_warning(
                left_kept, drug="Azathioprine", drafted=drafts_dose,
                on_chart=[_amount(*_daily(d.order, weight_kg, bsa)[:2]) for d in left],
                findings=[f"Ordered: {label}, {drafts_dose}.", left_line.text], judged=within, facts=facts,
                about=drafts, not_read=not_judged if why else None, unchecked=left_line.unchecked)
        return Quiet(within, facts)

    critical = bool(poor or unclear_low)
    notes: list[str] = []
    if poor:
        headline = f"{' and '.join(poor)} poor metabolizer: do not use a thiopurine"
        advice = ("Poor metabolizers build up toxic thioguanine nucleotides and can develop life-threatening "
                  "myelosuppression on a normal dose. **Use a non-thiopurine agent** (e.g. mycophenolate).")
    elif unclear_low:
        headline = f"{' and '.join(unclear_low)} activity below normal, category not stated"
        advice = ("A result below the normal range can be intermediate or deficient. **Do not start at a normal "
                  "dose** until the lab's category (or a genotype) is known; if deficient, use a non-thiopurine "
                  "agent.")
    elif intermediate:
        share = facts["reduced_start"]
        headline = f"{' and '.join(intermediate)} intermediate metabolizer: start at {share} of normal dose"
        advice = (f"Start at **{share} of the normal dose** (normal 2-3 mg/kg/day) and adjust to the blood count, "
                  "allowing 2-4 weeks to steady state after each change.")
        if reduced is not None:
            low, high = reduced
            advice += f" For {weight_kg:g} kg that is **{f'{low:g}-' if low < high else ''}{high:g} mg/day**."
        else:
            advice += f" The mg/day range could not be computed: {no_weight}."
    elif missing:
        headline = _without_status(absent)
        advice = ""
        if unread_genes:
            advice = (f"**Read the {' and '.join(unread_genes)} result in the lab report before starting** (it could "
                      "not be read here); if it does not state the metabolizer status, test again. ")
        if len(unread_genes) < len(absent):
            advice += ("**Test TPMT (activity or genotype) and NUDT15 before starting.** NUDT15 variants are "
                       "commonest in people of East Asian, South Asian and Hispanic ancestry. ")
        advice += "Until the status is known, a low starting dose (25-50 mg/day) with weekly CBCs limits the harm."
    else:
        headline = f"dose above 3 mg/kg/day{beside}"
        advice = "The usual maximum is 3 mg/kg/day (normal metabolizers); lower the dose."
    if missing and (poor or unclear_low or intermediate):
        without = _without_status(absent)
        notes.append(f"{without[0].upper()}{without[1:]}: {'read it in the lab report or ' if unread_genes else ''}"
                     "test it as well.")
    if too_high_per_kg:
        notes.append(f"{'Together with the order on the chart they give' if adds else 'The order gives'} "
                     f"{least}{per_kg_day:.1f} mg/kg/day, above {params['max_mg_per_kg_day']:g} mg/kg/day.")
        if not critical and not headline.startswith("dose above 3 mg/kg/day"):
            headline += "; dose above 3 mg/kg/day"
    for summary in (tpmt, nudt15):
        for item in summary.invalid:
            notes.append(f"Not used: {item} (donor red cells); use a genotype instead.")
        if summary.basis is not None:  # one with no status says so in the status line
            notes.extend(f"Result not readable: {item}." for item in summary.unreadable)
    if new_start and mg_day is not None and mg_day > 2 * params["start_dose_mg"] and not poor:
        notes.append(f"This is a new start {'of at least' if least else 'at'} {mg_day:g} mg/day; the usual start is "
                     "25-50 mg/day.")

    status_line = "; ".join(f"{s.gene}: {s.basis.describe() if s.basis else _no_status(s)}" for s in (tpmt, nudt15))
    status_line += "."
    ordered = f"Ordered: {label}" + (f" ({drafts_dose}), with the azathioprine on the chart" if adds else "")
    if mg_day is not None:
        dose_line = f"{ordered}, {least}{mg_day:g} mg/day" + (
            f" = {per_kg_day:.1f} mg/kg/day at {weight_kg:g} kg." if per_kg_day is not None and weight_kg else
            f" ({per_kg_day:.1f} mg/kg/day)." if per_kg_day is not None else
            f"; mg/kg/day not checked: {no_weight}.")
    elif per_kg_day is not None:
        dose_line = f"{ordered}, {least}{per_kg_day:.1f} mg/kg/day; mg/day not computed: {no_weight}."
    else:
        dose_line = f"{ordered}; the dose could not be read ({how})."
    if stop:
        dose_line += " " + chart.going_on(stop)
    if least:
        dose_line += f" Not read, so not counted: {'; '.join(unread)}."
    if left_line is not None:
        notes.append(left_line.text)

    def passed(dose_mg: float | None, dose_per_kg: float | None) -> str | None:
        """The limit a dose a day passes, as the card names it: 3 mg/kg/day, or the reduced starting range of an
        intermediate metabolizer; None within them (or where neither can be checked)."""
        if dose_per_kg is not None and dose_per_kg > params["max_mg_per_kg_day"]:
            return f"{dose_per_kg:.1f} mg/kg/day, above {params['max_mg_per_kg_day']:g} mg/kg/day"
        if reduced is not None:
            return (f"above the reduced starting range (at most {reduced[1]:g} mg/day)"
                    if dose_mg is not None and dose_mg > reduced[1] else None)
        reduced_kg = high_f * params["normal_high_mg_per_kg_day"]
        return (f"{dose_per_kg:.1f} mg/kg/day, above the reduced starting range (at most {reduced_kg:g} mg/kg/day)"
                if dose_per_kg is not None and intermediate and not poor and dose_per_kg > reduced_kg else None)

    # the drafts alone, and what cancelling them leaves (every order read), within the dose: it is the draft beside
    # the chart's orders that is wrong, not a dose, so cancelling one or the other is offered instead of a new dose (a
    # poor metabolizer's azathioprine is all stopped); with a draft not read, what the drafts give alone is only the
    # least. Where what cancelling leaves is not known to be within it, the card says so.
    leaves = (_cancelling_leaves(chart.kept_if_cancelled, weight_kg, bsa, context.today, passed)
              if adds and not poor and not unread_drafts and (too_high_per_kg or above_reduced)
              and passed(*alone[:2]) is None else None)
    beside_only = leaves is not None and leaves.within
    if leaves is not None and (leaves_line := leaves.finding("The azathioprine")):
        notes.append(leaves_line)
    replacement = None
    if (too_high_per_kg or above_reduced) and not beside_only:
        replacement = _replacement_mg(params, weight_kg, reduced, high_f * params["normal_high_mg_per_kg_day"],
                                      not is_paediatric(record, context))
        if replacement is None and not poor:
            notes.append("No replacement dose is suggested: " + (
                "no whole 25 mg step fits this weight; ask a paediatric pharmacist for a liquid formulation."
                if weight_kg is not None else "a child's dose needs a current body weight (R33)."))
    delete = [Action("delete", f"Cancel {dose_basis.named_with_dose(order)}", resource_id=order.reference)
              for order in drafts]
    if beside_only:
        with_chart = continuing.cancel_or_discontinue(delete, [*stop, *left_kept])
    else:  # a new dose, or none for a poor metabolizer, stops the chart's azathioprine too
        delete += continuing.discontinue(chart.to_stop(sent, stop))
        # with no new dose to stop them, the orders left active are offered to be stopped on their own
        with_chart = ([continuing.keep_and_discontinue(left_kept, drafts=[o.reference for o in drafts])]
                      if left_kept and replacement is None and not poor else [])
    suggestions, selection = continuing.one_way_out_each(
        [with_chart], _suggestions(context, delete, tpmt, missing, poor, unclear_low, replacement))
    summary_text = f"Azathioprine: {headline}"
    return Fired(
        severity="critical" if critical else "warning",
        summary=cut_summary(summary_text),
        detail=DETAIL.format(headline=headline, status_line=status_line, dose_line=dose_line, advice=advice,
                             notes="\n\n" + "\n".join(f"- {n}" for n in notes) if notes else ""),
        facts=facts,
        about=drafts,
        suggestions=suggestions,
        selection=selection,
    )


def _suggestions(context: HookContext, remove: list[Action], tpmt: thiopurine.Summary,
                 missing: Sequence[str], poor: Sequence[str], unclear_low: Sequence[str],
                 replacement: float | None) -> list[Suggestion]:
    """Tests for what is missing, monitoring, and a replacement order only when the draft dose is too high; the
    cancellation and the replacement each with ``remove`` (the drafts cancelled, the chart's orders stopped)."""
    out: list[Suggestion] = []
    tests: list[Action] = []
    if "TPMT" in missing or "TPMT" in unclear_low:
        transfused = bool(tpmt.invalid)
        if not transfused:
            tests.append(Action("create", "TPMT activity (RBC)", resource=orders.service_request(
                context.patient_id, orders.lab_concept(context.valuesets, "tpmt_phenotype", "21563-2"),
                note="Before azathioprine")))
        tests.append(Action("create", "TPMT genotype", resource=orders.service_request(
            context.patient_id, orders.lab_concept(context.valuesets, "tpmt_genotype", "41048-0"),
            note="Before azathioprine" + (" (recent transfusion: activity unreliable)" if transfused else ""))))
    if "NUDT15" in missing:
        tests.append(Action("create", "NUDT15 genotype", resource=orders.service_request(
            context.patient_id, orders.text_concept("NUDT15 genotype"), note="Before azathioprine")))
    if tests:
        out.append(Suggestion("Order TPMT/NUDT15 testing", tests, is_recommended=not poor))
    if poor:
        out.insert(0, Suggestion("Cancel azathioprine and choose a non-thiopurine agent (e.g. mycophenolate)",
                                 remove, is_recommended=True))
        return out
    out.append(Suggestion("CBC and liver tests weekly for 4-8 weeks, then every 1-3 months",
                          [test.action(context, note=MONITORING_NOTE) for test in MONITORING]))
    if replacement is not None:
        dose = replacement
        product = product_for(AZATHIOPRINE_ORAL, dose)
        start = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product), dose,
            "mg", text=f"Azathioprine {dose:g} mg ({product.amount}) by mouth once daily; titrate by 25-50 mg/day "
                       "every 1-2 weeks to the blood count", note="Titrate with weekly CBC and liver tests.")
        out.append(Suggestion(f"Replace with azathioprine {dose:g} mg PO daily and titrate",
                              [*remove, Action("create", f"Azathioprine {dose:g} mg PO daily", resource=start)],
                              is_recommended=not missing))
    return out
