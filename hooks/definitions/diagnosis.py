"""Diagnostic work-up on file (tests, studies, referrals), wherever the EHR put them.

A study such as an ECG or an echocardiogram may arrive as a Procedure, a DiagnosticReport or an Observation,
depending on the EHR, and under a local code that only its name places in a value set (hooks/valuesets/names.csv);
the rules that ask "was this done?" (R03, R04, R20, R31) must look in both places, or they would suggest a test
that was already done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions import continuing, steroids
from hooks.definitions.courses import ended_before_its_end, given_today
from hooks.definitions.dose_basis import most_on_one_day
from hooks.definitions.routes import is_local_order, systemic
from hooks.definitions.steroids import is_iv_methylprednisolone
from hooks.dosing import PEQ_FACTORS, prednisone_equivalent, prednisone_equivalent_on_a_dose_day
from hooks.record import Concept, MedicationOrder, Observation, PatientRecord, exceeds, per_record
from hooks.units import convert


@dataclass(frozen=True, slots=True)
class Done:
    """One test or study on file: what it was and when."""

    label: str
    day: date | None

    def __str__(self) -> str:
        return f"{self.label} ({self.day.isoformat() if self.day else 'undated'})"


# Interpretation codes (HL7 v3) that flag a result high or abnormal
HIGH_FLAGS = frozenset({"H", "HH", "HU", "A", "AA"})


# Troponin is a mass concentration: a result in ng/L and a range in ng/mL compare once both are in this unit
TROPONIN_UNIT = "ng/mL"
TROPONIN_I_FALLBACK = "troponin_i_fallback_uln_ng_l"  # the definition judging a troponin I the lab gave no range for


_NORMAL_FLAGS = frozenset({"N", "NEG"})


def above_upper_limit(observation: Observation, unit: str) -> bool | None:
    """A result above the lab's upper limit: flagged high, abnormal or positive, else its value against its own
    range (both in ``unit`` where their units differ); False when it is not, or flagged normal with no range; None
    when neither the range nor a flag tells, which is never read as normal (a troponin with no range beside a heart
    condition leaves cardiac involvement not excluded: R19, R31; a creatinine, an AKI not judged: R19)."""
    flags = set(observation.interpretation)
    if flags & HIGH_FLAGS or "POS" in flags:
        return True
    above = observation.above_upper_limit(unit)
    return False if above is None and flags & _NORMAL_FLAGS else above


def troponin_i_above_uln(observation: Observation, context: HookContext) -> bool | None:
    """A troponin I above the lab's upper limit (:func:`above_upper_limit`: its flag, else its range); with neither a
    range nor a flag from the lab, one above the ``troponin_i_fallback_uln_ng_l`` definition, beyond the upper limit
    of every troponin I assay, so beyond this one's too. None when nothing tells (at or below that fallback, a unit
    not read or none, a bound that does not settle it): never read as normal. R19, R20 and R31 judge troponin I so."""
    above = above_upper_limit(observation, TROPONIN_UNIT)
    return True if above is None and _above_every_assays_uln(observation, context) else above


def _above_every_assays_uln(observation: Observation, context: HookContext) -> bool:
    """A result the lab gave no range or flag for, in a unit read, surely above the fallback limit."""
    quantity = observation.reported_value  # a number or bound written as text ('5000 ng/L', '>50,000 ng/L') counts
    if observation.ref_high is not None or observation.interpretation or quantity is None:
        return False
    value = convert(quantity.value, quantity.unit, TROPONIN_UNIT)  # no unit, or one not known: not judged
    limit = convert(context.definition(TROPONIN_I_FALLBACK), "ng/L", TROPONIN_UNIT)
    return value is not None and limit is not None and exceeds(value, limit, quantity.comparator) is True


def raised_troponin_i(observation: Observation, context: HookContext) -> str:
    """A troponin I :func:`troponin_i_above_uln` finds raised, with what showed it: '85 ng/L (ULN 14 ng/L)', the
    lab's flag when no range shows it, or the fallback when the lab gave neither (not '85 ng/L above the ULN', which
    reads as 85 over the limit)."""
    if observation.above_upper_limit(TROPONIN_UNIT):
        limit = f"ULN {observation.ref_high}"
    elif observation.interpretation:
        limit = f"flagged {'/'.join(observation.interpretation)} by the lab"
    else:
        limit = (f"no reference range or flag from the lab: judged against {context.definition(TROPONIN_I_FALLBACK):,g}"
                 " ng/L, above the upper limit of every troponin I assay")
    return f"{observation.shown_result} ({limit})"


def done(record: PatientRecord, *groups: str, within_days: int | None = None) -> list[Done]:
    """Every observation or procedure of ``groups`` on file (optionally within the last ``within_days``), oldest
    first (undated first).

    Undated items count only when no window is asked for.
    """
    since = None if within_days is None else record.today - timedelta(days=within_days)
    found: list[Done] = [Done(o.code.label, o.when) for o in record.observations_in(*groups, since=since)]
    found += [Done(p.code.label, p.when) for p in record.procedures_in(*groups, since=since)]
    return sorted(found, key=lambda d: d.day or date.min)


def last_done(record: PatientRecord, *groups: str, within_days: int | None = None) -> Done | None:
    """The most recent of :func:`done` (on a tie, the observation)."""
    return max(done(record, *groups, within_days=within_days), key=lambda d: d.day or date.min, default=None)


@dataclass(frozen=True, slots=True)
class Flagged:
    """An immunosuppressive order that a safety rule objects to, and why (for the card and the facts)."""

    order: MedicationOrder
    why: str
    peq_mg: float | None = None

    def __str__(self) -> str:
        if self.why.lower() in self.order.label.lower():
            return self.order.label
        return f"{self.order.label} ({self.why})"


def stated_reasons(order: MedicationOrder, record: PatientRecord) -> list[tuple[Concept, str]]:
    """What the order itself names as its reason, each with how a card says it ('reason COPD exacerbation'): its
    reasonCode, the chart's Condition a reasonReference points to (by id), and the reference's own display. A
    condition elsewhere on the chart says nothing of this order."""
    stated = [(reason, f"reason {reason.label}") for reason in order.reasons]
    for cited in order.cited:
        stated += [(c.code, f"reason {c.code.label}") for c in record.conditions
                   if cited.condition_id and c.id == cited.condition_id and c.counts]
        if cited.display is not None:
            stated.append((cited.display, f"reason {cited.display.label}"))
    return stated


# The steroid_course_indication concept whose stated reason makes hydrocortisone or cortisone replacement at any dose
ADRENAL_INSUFFICIENCY = "adrenal insufficiency"


def _replaces_adrenal_function(order: MedicationOrder, record: PatientRecord) -> bool:
    """Hydrocortisone or cortisone whose stated reason is adrenal insufficiency (Addison's, adrenal crisis)."""
    return (order.medication.concept_in(steroids.GROUP) in steroids.ADRENAL_REPLACEMENT
            and any(concept.concept_in("steroid_course_indication") == ADRENAL_INSUFFICIENCY
                    for concept, _ in stated_reasons(order, record)))


@dataclass(frozen=True, slots=True)
class GlucocorticoidDay:
    """The systemic glucocorticoids given together on one day, for a rule that judges a glucocorticoid by the day's
    total, not order by order: prednisone 15 mg in the morning and 10 mg in the afternoon, ordered apart, are
    25 mg/day (:func:`glucocorticoid_day`). Adrenal cover (``cover``) is left out of the total."""

    peq_mg: float  # the day's prednisone equivalent, the orders in ``orders`` added up
    orders: tuple[MedicationOrder, ...]  # the orders read into the total, cover left out
    cover: tuple[tuple[MedicationOrder, str], ...] = ()  # hydrocortisone or cortisone given as adrenal cover, and why
    chart: tuple[MedicationOrder, ...] = ()  # at order-sign, those of ``orders`` that are on the chart, not drafts
    order_sign: bool = False

    def holds(self, order: MedicationOrder) -> bool:
        return any(order is o for o in self.orders)

    def is_cover(self, order: MedicationOrder) -> bool:
        return any(order is o for o, _ in self.cover)

    def with_others(self, order: MedicationOrder) -> str:
        """The total and what ``order`` is added to, as a card says it: '25 mg/day with the other glucocorticoid
        order given today'; at order-sign '30 mg/day with the glucocorticoid order on the chart'."""
        others = [o for o in self.orders if o is not order]
        on_chart = [o for o in others if any(o is c for c in self.chart)]
        drafted = len(others) - len(on_chart)
        if not self.order_sign:
            beside = [f"the other glucocorticoid order{'s' if len(others) > 1 else ''} given today"]
        else:
            beside = ([f"the other glucocorticoid draft{'s' if drafted > 1 else ''}"] if drafted else []) + (
                [f"the glucocorticoid order{'s' if len(on_chart) > 1 else ''} on the chart"] if on_chart else [])
        return f"{round(self.peq_mg, 1):g} mg/day with {' and '.join(beside)}"

    def cover_named(self) -> str | None:
        """The orders left out as adrenal cover, for a rule's facts."""
        return "; ".join(f"{order.label} ({why})" for order, why in self.cover) or None


@per_record
def glucocorticoid_day(record: PatientRecord, context: HookContext) -> GlucocorticoidDay:
    """The day's systemic glucocorticoids: at patient-view today's, from the steroid history (steroids.history: a
    taper at today's step, an order over before its end date not given); at order-sign the drafts' day, with the
    chart's orders going on beside them and those a draft rewrites with no link (continuing.on_chart, as the dose
    checks read them: signing does not stop those), added up over the orders given on one same day
    (dose_basis.most_on_one_day). Each in its daily average PEQ; an order whose dose cannot be read is not in the
    total (a rule that counts it does so order by order).

    Hydrocortisone and cortisone are adrenal cover, left out, where all of them given together stay within the
    stress-cover ceiling (the definition stress_cover_max_hydrocortisone_mg_day), or at any dose where the order
    states adrenal insufficiency as its reason: stress-dose hydrocortisone in septic shock, or replacement, is not
    immunosuppression, and stopping it risks adrenal crisis. Read once per call: R01 and R02 both ask."""
    history = steroids.history(record, context)
    today, order_sign = record.today, context.hook == "order-sign"
    chart: tuple[MedicationOrder, ...] = ()
    if order_sign:
        drafts = systemic(context.drafts_in(steroids.GROUP))
        read = continuing.on_chart(drafts, continuing.current_orders(record, steroids.GROUP), today, steroids.GROUP)
        chart = (*read.scheduled, *(order for order, _ in read.left_active))
        amounts, off_timeline = [], [*read.given, *chart]
    else:  # today's step of each course; an order with no start date is on no timeline, but given today all the same
        amounts = [(order, peq) for order, peq, first, last in history.courses
                   if first <= today <= last and not ended_before_its_end(order, today)]
        off_timeline = [order for order in history.unreadable if given_today(order, today)]
    unread = []
    for order in off_timeline:
        peq = prednisone_equivalent(order, history.weight_kg)
        if peq is None:
            unread.append(order)
        else:
            amounts.append((order, peq))
    cover = [(order, "adrenal insufficiency stated as its reason") for order in (*(o for o, _ in amounts), *unread)
             if _replaces_adrenal_function(order, record)]
    adrenal = [(order, peq) for order, peq in amounts if order.medication.concept_in(steroids.GROUP)
               in steroids.ADRENAL_REPLACEMENT and not any(order is o for o, _ in cover)]
    # all of them together: two stress-dose orders at once are more than stress cover
    hydrocortisone_mg = sum(peq for _, peq in adrenal) / PEQ_FACTORS["hydrocortisone"]
    ceiling = context.definition("stress_cover_max_hydrocortisone_mg_day")
    if adrenal and hydrocortisone_mg <= ceiling + 1e-9:
        cover += [(order, f"{round(hydrocortisone_mg, 1):g} mg/day hydrocortisone equivalent: adrenal cover, at most "
                          f"{ceiling:g} mg/day") for order, _ in adrenal]
    counted = [(order, peq) for order, peq in amounts if not any(order is o for o, _ in cover)]
    # the drafts and the chart's orders may follow one another (a taper written as separate orders): those given on
    # one same day add up; today's courses all are given today
    total, on_day = (most_on_one_day(counted, today) if order_sign
                     else (sum(peq for _, peq in counted), [order for order, _ in counted]))
    return GlucocorticoidDay(round(total, 6), tuple(on_day), tuple(cover),
                             tuple(o for o in chart if any(o is d for d in on_day)), order_sign)


def immunosuppressive_orders(orders: Iterable[MedicationOrder], agents: Iterable[str], *, min_peq_mg: float,
                             weight_kg: float | None, any_iv_methylprednisolone: bool,
                             unreadable_steroid_counts: bool, on_a_dose_day: bool = False,
                             day: GlucocorticoidDay | None = None) -> list[Flagged]:
    """The orders among ``orders`` that give systemic immunosuppression.

    A systemic glucocorticoid counts at ``min_peq_mg`` PEQ/day or more (or, if asked, any IV methylprednisolone);
    with ``on_a_dose_day`` a dose given less often than daily counts by what it gives on its days
    (dosing.prednisone_equivalent_on_a_dose_day: R01 asks whether a glucocorticoid is given at all in an
    immunosuppressive dose), else by its daily average (R02's row reads mg/day; R28: ACIP does not count alternate-day
    treatment). One whose
    daily dose cannot be read counts only if ``unreadable_steroid_counts`` (a safety rule that must not miss a dose
    it cannot read). With ``day`` (:func:`glucocorticoid_day`, R01 and R02), one below ``min_peq_mg`` counts where
    the day's total it is part of reaches it (two orders split over the day), and adrenal cover never counts. Any
    order of the steroid-sparing ``agents`` groups counts. Local forms (eye drops, creams, inhalers) never count.
    """
    wanted = tuple(agents)
    found: list[Flagged] = []
    for order in orders:
        if is_local_order(order):
            continue
        if order.in_group("glucocorticoid_systemic"):
            if day is not None and day.is_cover(order):
                continue
            peq = prednisone_equivalent(order, weight_kg)
            if any_iv_methylprednisolone and is_iv_methylprednisolone(order):
                dose = f", {round(peq, 1):g} mg/day PEQ" if peq else ""
                found.append(Flagged(order, f"IV methylprednisolone{dose}", peq))
            elif peq is None:
                if unreadable_steroid_counts:
                    found.append(Flagged(order, "glucocorticoid; daily dose could not be read"))
            elif peq >= min_peq_mg:
                found.append(Flagged(order, f"{round(peq, 1):g} mg/day prednisone equivalent", peq))
            elif on_a_dose_day and (day_peq := prednisone_equivalent_on_a_dose_day(order, weight_kg)) is not None \
                    and day_peq >= min_peq_mg:
                found.append(Flagged(order, f"{round(day_peq, 1):g} mg prednisone equivalent on each day given, "
                                            f"{round(peq, 1):g} mg/day on average", day_peq))
            elif day is not None and day.peq_mg >= min_peq_mg and day.holds(order):
                found.append(Flagged(order, f"{round(peq, 1):g} mg/day prednisone equivalent, "
                                            f"{day.with_others(order)}", peq))
            continue
        group = next((g for g in wanted if order.in_group(g)), None)
        if group is not None:
            found.append(Flagged(order, order.medication.concept_in(group) or group))
    return found
