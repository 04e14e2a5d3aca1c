"""R20: anti-SRP myopathy can involve the heart; screen with ECG/troponin yearly and imaging at least once."""

from __future__ import annotations

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, diagnosis
from hooks.definitions.cardiac_screen import (
    HOOKS,
    NEEDS,
    ORDERS,
    RULE_ID,
    SEVERE_CARD,
    Screen,
    as_ordered_by_severe_card,
    due,
    tests_offered,
)
from hooks.record import Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Result, Rule, Suggestion
from hooks.sources import BSMO_TROPONIN, SEED_001, SRP_CARDIAC_REVIEW

RULE = Rule(
    id=RULE_ID,
    number=20,
    title="Anti-SRP: cardiac evaluation",
    hooks=HOOKS,
    severities=("warning",),
    summary="Anti-SRP positive with no ECG and no troponin in 12 months, or no echocardiogram or cardiac MRI "
            "ever, or a troponin I above its upper limit in 12 months and no cardiac MRI since.",
    sources=(SRP_CARDIAC_REVIEW, BSMO_TROPONIN, SEED_001),
    parameters={"screen_window_days": Param(365, "days", "An ECG or troponin this recent counts as screened.")},
    needs=NEEDS,
)

DETAIL = """\
**{headline}** {antibody}. Anti-SRP disease can involve the myocardium
(cardiomyopathy, arrhythmia), often without symptoms.

What is on file: {found}.
{status}

Prefer **troponin I**: troponin T can rise from regenerating skeletal muscle and mislead. Get a **cardiac MRI**
if anything is abnormal, and involve cardiology.{abnormal}"""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    facts: dict[str, object] = {}
    screen = due(record, context, facts)
    if not isinstance(screen, Screen):
        return screen
    positive = antibodies.ever_positive(record, "anti_srp")
    antibody = (f"Anti-SRP positive ({positive.when.isoformat() if positive and positive.when else 'undated'})"
                + (f"; {screen.serology.undecided}" if screen.serology.hmgcr is None else ""))
    troponins, ecg, echo, cmr = screen.troponins, screen.ecg, screen.echo, screen.cmr
    found = [f"ECG {ecg}" if ecg else "no ECG in 12 months",
             _troponin_on_file(troponins[-1]) if troponins else "no troponin in 12 months",
             f"echocardiogram {echo}" if echo else "no echocardiogram ever",
             f"cardiac MRI {cmr}" if cmr else "no cardiac MRI ever"]
    sets, patient = context.valuesets, context.patient_id
    missing = screen.missing
    on_severe_card = [name for name, card in tests_offered(record, context).items() if card == SEVERE_CARD]
    elsewhere = [name for name in missing if name in on_severe_card]
    if elsewhere:
        facts["ordered_on_severe_card"] = ", ".join(elsewhere)
    actions = [ORDERS[name].action(context) for name in missing if name not in elsewhere]
    screen_actions = len(actions)
    # troponin I decides (troponin T can come from regenerating muscle), judged as R19 judges it: raised (the
    # screen's, those no cardiac MRI has followed), or with no range or flag and not above the fallback beyond every
    # assay's upper limit, never judged normal (the heart is not excluded)
    abnormal = [f"troponin I {diagnosis.raised_troponin_i(o, context)} on {o.when}" for o in screen.raised]
    abnormal += [f"troponin I {o.quantity or o.value_text} on {o.when} with no range or flag to judge it (the heart "
                 "is not excluded)" for o in troponins
                 if o.in_group("troponin_i") and diagnosis.troponin_i_above_uln(o, context) is None]
    abnormal += [f"{c.code.label}" for c in record.conditions_in("myocarditis_cardiomyopathy", "cardiac_involvement",
                                                                 active_only=True)]
    facts["abnormal"] = "; ".join(abnormal) or None
    abnormal_text = ""
    if abnormal:
        abnormal_text = f"\n\n**Already abnormal:** {'; '.join(abnormal)}. Arrange a cardiac MRI and cardiology review."
        if cmr is None or screen.raised:  # a raised troponin I after the last cardiac MRI asks for another
            actions.append(Action("create", "Cardiac MRI", resource=orders.service_request(
                patient, orders.procedure_concept(sets, "cardiac_mri", "24748-6", text="Cardiac MRI"))))
        actions.append(Action("create", "Cardiology referral", resource=orders.service_request(
            patient, orders.referral_concept(
                sets, "308471005",
                text="Cardiology referral: anti-SRP myopathy with possible cardiac involvement"))))
    severe_card = f"{SEVERE_CARD[0].upper()}{SEVERE_CARD[1:]}"
    if elsewhere:
        abnormal_text += (f"\n\n{severe_card} orders {as_ordered_by_severe_card(elsewhere)}: they are not offered "
                          "again here.")
    elif screen.complete and on_severe_card:  # R19 states the raised troponin and works the heart up: say who does what
        abnormal_text += (f"\n\n{severe_card} orders the urgent work-up ({as_ordered_by_severe_card(on_severe_card)});"
                          " the cardiac MRI and cardiology review are offered here.")
    label = "Order the missing cardiac screen" if screen_actions else ", ".join(a.description for a in actions)
    if screen.complete:  # fired by a raised troponin I alone: the screen is not asked for again
        headline = "A raised troponin I in anti-SRP myopathy."
        summary = "Anti-SRP with troponin I above the upper limit: cardiac MRI and cardiology review"
        status = "The yearly screen is on file, but a result is abnormal."
    else:
        headline = "Screen the heart in anti-SRP myopathy."
        summary = f"Anti-SRP: cardiac screen incomplete ({', '.join(missing)} missing)"
        status = f"Missing: {', '.join(missing)}."
    return Fired(
        severity="warning",
        summary=summary,
        detail=DETAIL.format(headline=headline, antibody=antibody, found="; ".join(found), status=status,
                             abnormal=abnormal_text),
        facts=facts,
        suggestions=[Suggestion(label, actions, is_recommended=True)] if actions else [],
    )


def _troponin_on_file(observation: Observation) -> str:
    """The newest troponin, named once and short: 'troponin I 2026-11-21 (85 ng/L)' (not the lab's long name)."""
    kind = "troponin I" if observation.in_group("troponin_i") else "troponin T"
    return f"{kind} {observation.when} ({observation.shown_result})"
