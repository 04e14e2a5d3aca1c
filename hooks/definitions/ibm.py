"""Immunosuppression for inclusion body myositis alone (clinical-rules.md R02): the immunosuppressive orders the IBM
card objects to, worked out once per call (:func:`assess`), so that a card that would otherwise take such an order as
going on reads the same decision: R24 does not order the blood counts that TMP/SMX with methotrexate needs for a
methotrexate that R02 advises stopping (:func:`advised_to_stop`). A rule cannot do this by importing R02 (rules share
definitions, not modules). The thresholds are R02's (``[ibm-immunosuppression-futile]``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hooks.context import HookContext
from hooks.definitions import cohorts, diagnosis, weight
from hooks.definitions.courses import given_since
from hooks.definitions.treatment_duration import ivig_cycle, stated_interval
from hooks.record import Concept, Condition, MedicationOrder, PatientRecord, per_record
from hooks.rule import HookName
from hooks.suppression import engine_runs

RULE_ID = "ibm-immunosuppression-futile"
HOOKS: tuple[HookName, ...] = ("patient-view", "order-sign")
# what R02 reads (the rule's ``needs``): without one of these the engine does not evaluate it
NEEDS = ("patient", "conditions", "observations", "medications")

AGENTS = ("methotrexate", "azathioprine", "mycophenolate", "rituximab", "ivig", "tacrolimus", "cyclosporine")
# Conditions that justify immunosuppression in their own right (RA, SLE, transplant, irAE...).
OTHER_INDICATIONS = ("other_immunosuppression_indication", "ici_adverse_effect")
# What an order may name as its own indication to show it is not given for IBM: those conditions, or for a
# glucocorticoid one treated with a steroid course (a COPD burst, asthma, adrenal replacement...). The latter only
# exempts the glucocorticoid order that names it: on the problem list it does not justify immunosuppression for IBM.
GLUCOCORTICOID_REASON_GROUPS = (*OTHER_INDICATIONS, "steroid_course_indication")
# An order that names the muscle disease too is (also) given for it, and still counts
MYOSITIS = ("ibm", "imnm", "iim_other", "myopathy")
# IgG replacement, not immunomodulation: IVIG in a primary or secondary antibody deficiency (common variable
# immunodeficiency, hypogammaglobulinaemia) at a replacement dose (igg_replacement_max_g_per_kg_4_weeks)
ANTIBODY_DEFICIENCY = "antibody_deficiency"


def _other_indication(order: MedicationOrder, stated: list[tuple[Concept, str]]) -> str | None:
    """Where the order itself names another indication as its reason (``stated``: diagnosis.stated_reasons); a
    condition elsewhere on the chart says nothing of this order. Free-text instructions are not read: 'stop if
    anaphylaxis' or 'avoid adrenal crisis' name a condition the order is not given for."""
    groups = GLUCOCORTICOID_REASON_GROUPS if order.in_group("glucocorticoid_systemic") else OTHER_INDICATIONS
    return next((where for concept, where in stated if concept.in_group(*groups)), None)


def _igg_replacement(order: MedicationOrder, stated: list[tuple[Concept, str]], record: PatientRecord,
                     weight_kg: float | None, max_g_per_kg_4_weeks: float) -> str | None:
    """IVIG at a replacement dose (at most ``max_g_per_kg_4_weeks``) for an antibody deficiency that the order
    names as its reason (``stated``) or that is active on the problem list: how the card says it. None for any other
    order, and where the dose per kg cannot be read (no current weight, a dose not read): never assumed low."""
    if not order.in_group("ivig") or not weight_kg:
        return None
    named = next((where for concept, where in stated if concept.in_group(ANTIBODY_DEFICIENCY)), None)
    deficiency = named or next((f"{c.code.label} on file"
                                for c in record.conditions_in(ANTIBODY_DEFICIENCY, active_only=True)), None)
    cycle_mg = ivig_cycle(order, weight_kg, record.today).mg if deficiency else None
    if cycle_mg is None:
        return None
    per_cycle = cycle_mg / 1000 / weight_kg
    interval = stated_interval(order)  # cycles closer than 4 weeks give more in 4 weeks than one cycle
    if per_cycle * max(1.0, 28 / interval if interval else 1.0) > max_g_per_kg_4_weeks + 1e-9:
        return None
    return f"IgG replacement, {round(per_cycle, 2):g} g/kg a cycle ({weight_kg:g} kg), {deficiency}"


def _between_doses(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """IVIG given within the ivig_course_break_days definition, or rituximab within anti_cd20_in_use_days, with no
    current order: a course still in use between its cycles."""
    today = record.today
    ivig = given_since(record, "ivig", since=today - timedelta(days=int(context.definition("ivig_course_break_days"))))
    anti_cd20 = given_since(record, "rituximab",
                            since=today - timedelta(days=int(context.definition("anti_cd20_in_use_days"))))
    return [order for order in (*ivig, *anti_cd20) if not order.current_on(today)]


@dataclass(frozen=True, slots=True)
class Assessment:
    """What R02 read: the IBM, overlap and other-indication conditions on file, and the immunosuppressive orders
    (drafts at order-sign; the chart's current ones and the cyclic agents between doses at patient-view) sorted into
    those given for the myositis (``flagged``), those whose order names another indication (``named``) and IVIG as
    IgG replacement (``replacement``), the last two as the card says them."""

    ibm: tuple[Condition, ...]
    others: tuple[Condition, ...]
    overlap: tuple[Condition, ...]
    found: tuple[diagnosis.Flagged, ...]
    flagged: tuple[diagnosis.Flagged, ...]
    named: tuple[str, ...]
    replacement: tuple[str, ...]
    adrenal_cover: str | None

    @property
    def objects(self) -> bool:
        """R02's card fires: IBM alone (no overlap myositis, no other indication on file) with an order given for
        it."""
        return bool(self.ibm) and not self.overlap and not self.others and bool(self.flagged)


@per_record
def assess(record: PatientRecord, context: HookContext) -> Assessment:
    """R02's reading of the chart (or the drafts), made once per call. Without inclusion body myositis on file the
    orders are not read: nothing is objected to."""
    ibm = tuple(cohorts.ibm_diagnosed(record))
    others = tuple(record.conditions_in(*OTHER_INDICATIONS, active_only=True))
    overlap = tuple(cohorts.overlap_myositis(record))
    if not ibm:
        return Assessment(ibm, others, overlap, (), (), (), (), None)
    candidates = (context.draft_orders if context.hook == "order-sign"
                  else [*record.medications_in("glucocorticoid_systemic", *AGENTS, current_only=True),
                        *_between_doses(record, context)])
    dosing = weight.dosing_weight(record, context)
    weight_kg = dosing.value if dosing else None
    day = diagnosis.glucocorticoid_day(record, context)
    params = context.thresholds.of_rule(RULE_ID)
    found = diagnosis.immunosuppressive_orders(
        candidates, AGENTS, min_peq_mg=float(params["min_peq_mg"]), weight_kg=weight_kg,
        any_iv_methylprednisolone=False, unreadable_steroid_counts=True, day=day)
    named: list[str] = []
    replacement: list[str] = []
    flagged: list[diagnosis.Flagged] = []
    for f in found:
        stated = diagnosis.stated_reasons(f.order, record)
        if any(concept.in_group(*MYOSITIS) for concept, _ in stated):  # given for the myositis too
            flagged.append(f)
        elif other := _other_indication(f.order, stated):
            named.append(f"{f}: {other}")
        elif igg := _igg_replacement(f.order, stated, record, weight_kg,
                                     params["igg_replacement_max_g_per_kg_4_weeks"]):
            replacement.append(f"{f}: {igg}")
        else:
            flagged.append(f)
    return Assessment(ibm, others, overlap, tuple(found), tuple(flagged), tuple(named), tuple(replacement),
                      day.cover_named())


def advised_to_stop(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """The chart's current orders that R02's card in this response advises stopping (a glucocorticoid: tapering): at
    patient-view (at order-sign it objects to the drafts), the engine evaluating R02 (``suppression.engine_runs``),
    the card firing (:attr:`Assessment.objects`)."""
    if context.hook != "patient-view" or not engine_runs(record, context, RULE_ID, HOOKS, NEEDS):
        return []
    found = assess(record, context)
    return [f.order for f in found.flagged if f.order.current_on(record.today)] if found.objects else []
