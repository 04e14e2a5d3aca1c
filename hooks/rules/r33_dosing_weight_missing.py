"""R33: a weight- or BSA-based draft with no current weight (or height): measure before the dose is verified."""

from __future__ import annotations

from hooks.context import HookContext
from hooks.definitions import dose_basis
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.weight import (
    dosing_height,
    dosing_weight,
    height_max_age_days,
    measure_today,
    weight_max_age_days,
)
from hooks.record import PatientRecord
from hooks.rule import Fired, Quiet, Result, Rule, Suggestion
from hooks.sources import DESIGN, OCTAGAM_WEIGHT

RULE = Rule(
    id="dosing-weight-missing",
    number=33,
    title="Dosing weight (or height) missing or out of date",
    hooks=("order-sign",),
    severities=("warning",),
    summary="A weight- or BSA-based draft order with no body weight within 30 days (7 for a child) or, for BSA, "
            "no height within 12 months (30 days for a child).",
    sources=(DESIGN, OCTAGAM_WEIGHT),
)


DETAIL = """\
**Record a current {what} before this dose is verified.** {found}

Drafts that need it: {drafts}.

Doses of these drugs are checked per kg{bsa_note}. A weight older than {weight_days} days{height_clause} is
not used: the dose checks (R06, R07, R09, R12, R27, R32) fall back to their absolute caps (prednisone 80 mg/day
in adults, IV methylprednisolone 1 g/day) and cannot tell whether the dose is right for this patient."""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    needs = dose_basis.needs(record, context)
    weight, height = dosing_weight(record, context), dosing_height(record, context)
    paediatric = is_paediatric(record, context)
    weight_days, height_days = weight_max_age_days(record, context), height_max_age_days(record, context)
    facts: dict[str, object] = {
        **dose_basis.measure_facts(record, context),
        "weight_max_age_days": weight_days,
        "height_max_age_days": height_days,
        "paediatric": paediatric,
        "drafts_needing_weight": "; ".join(f"{n.order.label} ({n.why})" for n in needs) or None,
    }
    if not needs:
        return Quiet("no weight- or BSA-based draft order", facts)
    lacking_weight = weight is None
    bsa_needs = [n for n in needs if n.height]
    lacking_height = bool(bsa_needs) and height is None
    if not lacking_weight and not lacking_height:
        return Quiet("a current weight" + (" and height are" if bsa_needs else " is") + " on file", facts)
    missing = [(name, limit, why) for name, lacking, limit, why in (
        ("weight", lacking_weight, weight_days, "Needed to verify a weight-based dose before it is given."),
        ("height", lacking_height, height_days, "Needed for body-surface area (Mosteller) dosing.")) if lacking]
    what = " and ".join(name for name, _, _ in missing)
    affected = needs if lacking_weight else bsa_needs
    found = " ".join(_found(name, facts[f"latest_{name}"], limit) for name, limit, _ in missing)
    actions = [measure_today(context, name, why, priority="asap") for name, _, why in missing]
    labels = list(dict.fromkeys(n.order.label for n in affected))
    names = labels[0][:60] + (f" and {len(labels) - 1} more" if len(labels) > 1 else "")
    return Fired(
        severity="warning",
        summary=f"Measure {what} today: none current to dose {names}",
        detail=DETAIL.format(
            what=what, found=found, drafts="; ".join(f"{n.order.label} — {n.why}" for n in affected),
            bsa_note=" or per m² of body-surface area" if bsa_needs else "", weight_days=weight_days,
            height_clause=f" (or a height older than {height_days} days for BSA)" if bsa_needs else ""),
        facts=facts,
        about=[n.order for n in affected],
        suggestions=[Suggestion(f"Nursing: measure {what} today", actions, is_recommended=True)],
    )


def _found(name: str, latest: object, limit: int) -> str:
    if latest is None:
        return f"No {name} is on file."
    return f"The latest {name} is {latest}; it must be at most {limit} days old."
