"""R20: anti-SRP myopathy can involve the heart; screen with ECG/troponin yearly and imaging at least once."""

from __future__ import annotations

from datetime import date, timedelta

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis
from hooks.record import SNOMED, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import BSMO_TROPONIN, SEED_001, SRP_CARDIAC_REVIEW

RULE = Rule(
    id="srp-cardiac-evaluation",
    number=20,
    title="Anti-SRP: cardiac evaluation",
    hooks=("patient-view",),
    severities=("warning",),
    summary="Anti-SRP positive with no ECG and no troponin in 12 months, or no echocardiogram or cardiac MRI "
            "ever.",
    sources=(SRP_CARDIAC_REVIEW, BSMO_TROPONIN, SEED_001),
    parameters={"screen_window_days": Param(365, "days", "An ECG or troponin this recent counts as screened.")},
    needs=("patient", "conditions", "observations", "medications", "procedures"),
)

DETAIL = """\
**Screen the heart in anti-SRP myopathy.** {antibody}. Anti-SRP disease can involve the myocardium
(cardiomyopathy, arrhythmia), often without symptoms.

What is on file: {found}.
Missing: {missing}.

Prefer **troponin I**: troponin T can rise from regenerating skeletal muscle and mislead. Get a **cardiac MRI**
if anything is abnormal, and involve cardiology.{abnormal}"""


def _last(record: PatientRecord, group: str, within_days: int | None = None) -> date | None:
    """Last date of a procedure or an observation (e.g. an echo ejection fraction) in ``group``."""
    done = diagnosis.last_done(record, group, within_days=within_days)
    return done.day if done else None


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, object] = {}
    # anti-SRP positive is what carries the cardiac risk, whether or not anti-HMGCR has been resulted yet (SRP or
    # DUAL); anti-SRP never resulted leaves it open, said once the screen is found incomplete
    srp = antibodies.subtype_among(record, ("SRP", "DUAL"), facts)
    if isinstance(srp, Quiet):
        return srp
    # the row names no cohort: anti-SRP is a missing result only in myositis (IMNM or another IIM: R03 asks for it)
    if isinstance(srp, NotEvaluable) and not cohorts.is_iim(record, context):
        return Quiet("anti-SRP never resulted, and no inflammatory myopathy on file (where R03 asks for it)", facts)
    window = int(params["screen_window_days"])
    since = record.today - timedelta(days=window)
    ecg = _last(record, "ecg", window)
    troponins = record.observations_in("troponin_i", "troponin_t", since=since)
    troponin_i = [o for o in troponins if o.in_group("troponin_i")]
    bnp = record.observations_in("nt_probnp", since=since)
    echo, cmr = _last(record, "echocardiogram"), _last(record, "cardiac_mri")
    facts.update({"last_ecg_12m": ecg, "last_troponin_12m": str(troponins[-1].when) if troponins else None,
                  "last_echo": echo, "last_cardiac_mri": cmr})
    rhythm_gap = ecg is None and not troponins
    imaging_gap = echo is None and cmr is None
    if not rhythm_gap and not imaging_gap:
        return Quiet("ECG or troponin within 12 months, and an echocardiogram or cardiac MRI on file", facts)
    if isinstance(srp, NotEvaluable):
        return srp

    positive = antibodies.ever_positive(record, "anti_srp")
    antibody = (f"Anti-SRP positive ({positive.when.isoformat() if positive and positive.when else 'undated'})"
                + ("; anti-HMGCR never resulted" if srp.hmgcr is None else ""))
    found = [f"ECG {ecg}" if ecg else "no ECG in 12 months",
             f"troponin {troponins[-1].code.label} {troponins[-1].when}" if troponins else "no troponin in 12 months",
             f"echocardiogram {echo}" if echo else "no echocardiogram ever",
             f"cardiac MRI {cmr}" if cmr else "no cardiac MRI ever"]
    sets, patient = context.valuesets, context.patient_id
    actions: list[Action] = []
    missing: list[str] = []
    if ecg is None:
        missing.append("12-lead ECG")
        actions.append(Action("create", "12-lead ECG", resource=orders.service_request(
            patient, orders.procedure_concept(sets, "ecg", "11524-6", text="12-lead ECG"))))
    if not troponin_i:
        missing.append("troponin I")
        actions.append(Action("create", "High-sensitivity troponin I", resource=orders.service_request(
            patient, orders.lab_concept(sets, "troponin_i", "89579-7"))))
    if not bnp:
        missing.append("NT-proBNP")
        actions.append(Action("create", "NT-proBNP", resource=orders.service_request(
            patient, orders.lab_concept(context.valuesets, "nt_probnp", "33762-6"))))
    if imaging_gap:
        missing.append("transthoracic echocardiogram")
        actions.append(Action("create", "Transthoracic echocardiogram", resource=orders.service_request(
            patient, orders.procedure_concept(sets, "echocardiogram", "252418006", system=SNOMED,
                                              text="Transthoracic echocardiogram"))))
    abnormal = [f"troponin {o.quantity} on {o.when} above the ULN" for o in troponins
                if diagnosis.above_reference_range(o)]
    abnormal += [f"{c.code.label}" for c in record.conditions_in("myocarditis_cardiomyopathy", "cardiac_involvement",
                                                                 active_only=True)]
    facts["abnormal"] = "; ".join(abnormal) or None
    abnormal_text = ""
    if abnormal:
        abnormal_text = f"\n\n**Already abnormal:** {'; '.join(abnormal)}. Arrange a cardiac MRI and cardiology review."
        if cmr is None:
            actions.append(Action("create", "Cardiac MRI", resource=orders.service_request(
                patient, orders.procedure_concept(sets, "cardiac_mri", "24748-6", text="Cardiac MRI"))))
        actions.append(Action("create", "Cardiology referral", resource=orders.service_request(
            patient, orders.referral_concept(
                sets, "308471005",
                text="Cardiology referral: anti-SRP myopathy with possible cardiac involvement"))))
    return Fired(
        severity="warning",
        summary=f"Anti-SRP: cardiac screen incomplete ({', '.join(missing) or 'cardiac review'} missing)",
        detail=DETAIL.format(antibody=antibody, found="; ".join(found), missing=", ".join(missing) or "none",
                             abnormal=abnormal_text),
        facts=facts,
        suggestions=[Suggestion("Order the missing cardiac screen", actions, is_recommended=True)] if actions else [],
    )
