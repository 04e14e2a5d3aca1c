"""R16: anti-SRP IMNM with an inadequate response on GC + a second agent; add rituximab early (ENMC)."""

from __future__ import annotations

from typing import Any, NamedTuple

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import antibodies, escalation, hepatitis, immunosuppression, lab_orders
from hooks.definitions import treatment_duration as td
from hooks.definitions import weight as body
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import ended_early_list
from hooks.definitions.dose_basis import mg
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import (
    ENMC_224,
    LANCET_2024,
    NOSS_2006,
    PINAL_FERNANDEZ_2018,
    RIM_TRIAL,
    SEED_001,
    SEED_002,
    SEED_004,
)

RULE = Rule(
    id="srp-add-rituximab-inadequate-response",
    number=16,
    title="Anti-SRP IMNM: add rituximab for an inadequate response",
    hooks=("patient-view",),
    severities=("warning",),
    summary="Anti-SRP (or dual-positive) IMNM 3 months or more after treatment start, on glucocorticoid plus a "
            "steroid-sparing agent for 60 days, with no rituximab in 12 months and a CK that has not responded.",
    sources=(ENMC_224, PINAL_FERNANDEZ_2018, NOSS_2006, RIM_TRIAL, LANCET_2024, SEED_001, SEED_002, SEED_004),
    parameters={
        "min_days_since_ttx": Param(90, "days", "Days since T_tx before rituximab is advised (by 6 months at the "
                                                "latest)."),
        "min_combination_days": Param(60, "days", "Days on glucocorticoid plus a steroid-sparing agent."),
        "ck_max_age_days": Param(30, "days", "The latest CK must be this recent (else not evaluable, and R22 asks "
                                           "for a CK)."),
        "checkpoint_days": Param(180, "days", "After this many days since T_tx the card says the 6-month "
                                              "checkpoint has passed."),
    },
)

DETAIL = """\
{headline} {subtype_line}
Glucocorticoid treatment started on {ttx} ({ttx_how}); glucocorticoid plus a steroid-sparing agent
for {combo}. No rituximab
in the last {rtx_days} days ({rtx_last}). {ck_line}

**Confirm with a strength examination (MMT-8)**: this is a CK surrogate, and CK alone is not enough to escalate.
Check adherence and mimics first. Anti-SRP myopathy responds best to regimens that include rituximab.

{regimen}

Before the first dose:
- **HBV screen** (boxed warning: reactivation): {hbv} (see R26).
- Immunoglobulins (IgG, IgA, IgM) and a CBC as a baseline.
- Non-live vaccines ideally at least 2 weeks before; no live vaccines afterwards.
- Pneumocystis prophylaxis: {pjp}{dual}"""


class HbvScreen(NamedTuple):
    """What the chart says of hepatitis B before rituximab, read as R26 will read the order."""

    text: str
    # the markers R26 would not accept (hepatitis.screen_gaps): the rituximab order waits for them; those pending are
    # awaited, not ordered again
    gaps: tuple[hepatitis.ScreenGap, ...]

    @property
    def to_order(self) -> list[lab_orders.LabTest]:
        return [gap.test for gap in self.gaps if not gap.awaited]


def _hbv_screen(record: PatientRecord, context: HookContext) -> HbvScreen:
    """HBsAg (recent) and anti-HBc (ever) as R26 reads the screen (:func:`hepatitis.screen_gaps`: its window, a
    result pending or equivocal), and the HBV markers that count as positive with their follow-up, as R10 and R26
    read them (:func:`hepatitis.hbv_markers`, :func:`hepatitis.follow_up`): a marker positive at any time, or
    hepatitis B on the problem list (a later negative result clears none: anti-HBc stays positive for life, and so
    does the reactivation risk under rituximab), followed up by an HBV antiviral or, for anti-HBc alone, a recent HBV
    DNA that shows no replicating virus."""
    gaps = hepatitis.screen_gaps(record, context)
    missing = {gap.test.group: gap.found for gap in gaps}
    parts = []
    for test, name in ((lab_orders.HBSAG, "HBsAg"), (lab_orders.ANTI_HBC, "anti-HBc")):
        if test.group in missing:
            parts.append(missing[test.group])
        else:  # the newest result read, which R26 accepts (within its window for HBsAg)
            observation, status = antibodies.results(record, test.group)[-1]
            parts.append(f"{name} {status} on {observation.when.isoformat() if observation.when else 'undated'}")
    text = "; ".join(parts)
    if positive := hepatitis.hbv_markers(record):
        text += (f". **Positive: {'; '.join(m.stated for m in positive)}.** "
                 + _hbv_advice(context, hepatitis.follow_up(record, context)))
    return HbvScreen(text, gaps)


def _hbv_advice(context: HookContext, follow_up: hepatitis.HbvFollowUp) -> str:
    """What a positive marker asks for before the first dose, by its follow-up as R26 judges it: an antiviral; one
    that starts only later (R26 would hold a rituximab order given from today); a recent HBV DNA showing no replicating
    virus, which lets the order pass but, as R26 warns, still asks for prophylaxis (with HBsAg-positive disease it is
    no follow-up at all: an antiviral is still needed); one showing it; neither."""
    antiviral, dna = follow_up.describe_antiviral(), follow_up.describe_dna()
    if antiviral and not follow_up.in_place_by(context.today):
        starts = "; ".join(f"{cover.order.label} from {cover.start}" for cover in follow_up.cover)
        offered = "once it has started" + ("" if follow_up.surface_antigen else
                                           ", or once a recent HBV DNA shows no replicating virus")
        return (f"HBV antiviral: {starts}" + (f"; {dna}" if dna else "") + ". **Start the antiviral before the first "
                f"dose** (rituximab is offered {offered}), and keep it until at least 12-18 months after the last "
                "(with hepatology)")
    if antiviral:
        return (f"HBV antiviral: {antiviral}" + (f"; {dna}" if dna else "") + ". Keep it from before the first dose "
                "until at least 12-18 months after the last (with hepatology)")
    if follow_up.in_place:  # no antiviral, so the HBV DNA alone: anti-HBc without HBsAg-positive disease
        # as R26 advises before anti-CD20 (hepatitis.monitoring_only): prophylaxis, not monitoring alone
        return (f"{dna}: no replicating virus now, but no HBV antiviral is active or ordered. Under rituximab, "
                "antiviral prophylaxis is advised rather than HBV DNA monitoring alone (R26): **refer to hepatology "
                "and start antiviral prophylaxis before the first dose**, until at least 12-18 months after the last")
    if (need := follow_up.antiviral_need(" before rituximab")) is not None:
        return (f"{need}, and no HBV antiviral is active or ordered. **Refer to hepatology and start antiviral "
                "prophylaxis before the first dose**")
    return (f"No HBV DNA within {context.definition('hbv_dna_max_age_days'):g} days and no HBV antiviral active or "
            "ordered. **Check HBV DNA, refer to hepatology and start antiviral prophylaxis before the first dose**")


ADULT_REGIMEN = """\
**Rituximab 1,000 mg IV on days 1 and 15** (fixed dose). Premedicate 30 minutes before each infusion:
methylprednisolone 100 mg IV, acetaminophen 1 g by mouth, diphenhydramine 25-50 mg. {alternatives}"""

# The RIM protocol's children's dose is quoted, not computed: its interval and exact doses are still [verify].
PAEDIATRIC_REGIMEN = """\
**The patient is under 18: dose rituximab by body-surface area** with paediatric rheumatology and pharmacy
(the RIM trial used 575 mg/m² for a BSA up to 1.5 m², and 750 mg/m², at most 1 g, above it). The fixed 1,000 mg
and the premedication doses of the adult regimen are adult doses."""


def _alternatives(record: PatientRecord, context: HookContext) -> str:
    bsa = body.dosing_bsa(record, context)
    if bsa is None:
        return ("BSA-based alternatives (375 mg/m² weekly x 4; RIM 750 mg/m², maximum 1 g, x 2) need a current "
                "weight and height.")
    # 100 mg steps, or 0.1 mg below one step: whole steps gave 0 mg under 0.13 m²; 375 mg/m² has no cap
    weekly = dosing.rounded_dose(375 * bsa, 100, None)
    rim = dosing.rounded_dose(750 * bsa, 100, 1000)
    return (f"Alternatives for BSA {bsa:g} m²: 375 mg/m² = {mg(weekly.mg)} weekly x 4 ({weekly.how}); or RIM "
            f"750 mg/m² (maximum 1 g) = {mg(rim.mg)} ({rim.how}) twice, 2 weeks apart.")


def before_ck(record: PatientRecord, context: HookContext,
              facts: dict[str, Any]) -> escalation.Candidate | Quiet | NotEvaluable:
    """Every gate of R16 before its CK check: anti-SRP (or dual) IMNM, far enough from T_tx, long enough on
    glucocorticoid plus a steroid-sparing agent, no anti-CD20 still in use (the anti_cd20_in_use_days definition).
    R22 asks for a CK when these pass and only the CK's age keeps R16 from judging the response."""
    return escalation.gates_before_ck(record, context, context.params(RULE), facts, ("SRP", "DUAL"), "rituximab",
                                      td.last_rituximab(record), context.definition("anti_cd20_in_use_days"))


CK_ROW = escalation.CkRow(RULE, "whether to add rituximab", before_ck)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, Any] = {}
    found = escalation.judge(record, context, before_ck, CK_ROW.max_age_days(context), facts)
    if not isinstance(found, escalation.Escalation):
        return found
    window = f"{context.definition('anti_cd20_in_use_days'):g}"
    if undated := td.rituximab_given(record).undated:  # "none in the window" would be a guess
        facts["rituximab_undated"] = "; ".join(f"{o.label} ({o.status or 'no status'})" for o in undated)
        return NotEvaluable(f"when rituximab was given: {facts['rituximab_undated']}, with no start or end date. "
                            f"Whether it was given within the last {window} days is unknown; check it before adding "
                            "rituximab", facts)
    serology, t_tx, days, how, combo, last_rtx = found.candidate
    latest, response = found.latest, found.response

    hbv = _hbv_screen(record, context)
    pjp = immunosuppression.pjp_prophylaxis(record, context)
    pjp_not_counted = ended_early_list(immunosuppression.pjp_prophylaxis_not_counted(record, context))
    # R26 would hold the order, given from today: R16 does not offer it
    unmanaged = hepatitis.unmanaged(record, context, record.today)
    # named as R26 names them
    facts.update(hbv_screen=hbv.text, hbv_screen_missing="; ".join(gap.found for gap in hbv.gaps) or None,
                 **hepatitis.follow_up_facts(record, context),
                 positive_without_dna_or_antiviral=unmanaged, pjp_prophylaxis=", ".join(o.label for o in pjp) or None,
                 pjp_prophylaxis_not_counted=pjp_not_counted or None)
    patient = context.patient_id
    screen = hbv.to_order
    suggestions = [Suggestion("Baseline labs before rituximab (immunoglobulins, CBC)", [
        test.action(context) for test in (lab_orders.IGG, lab_orders.IGA, lab_orders.IGM, lab_orders.CBC)])]
    if screen:
        # what stands between the patient and rituximab (R26 holds an order signed without it): ordered now, so that
        # the card that withholds rituximab for it does not leave it unselected too [sign-off]
        suggestions.insert(0, Suggestion(f"HBV screen before rituximab ({' and '.join(t.label for t in screen)})",
                                         [test.action(context) for test in screen], is_recommended=True))
    child = is_paediatric(record, context)
    if not unmanaged:
        if child:  # a child's dose is by BSA (the RIM protocol), planned with paediatric pharmacy
            label = "Paediatric pharmacy consult: rituximab dosed by BSA"
            start = Action("create", label, resource=orders.service_request(patient, orders.text_concept(
                "Paediatric rheumatology/pharmacy: rituximab dosed by body-surface area (RIM protocol)")))
        else:
            label = "Rituximab 1,000 mg IV on days 1 and 15"
            start = Action("create", "Rituximab 1,000 mg IV days 1 and 15", resource=orders.medication_request(
                patient, orders.concept(context.valuesets, "rituximab", "rituximab Injection"), 1000, "mg",
                text="Rituximab 1,000 mg IV on day 1 and day 15 (2 infusions, 14 days apart). Premedicate 30 "
                     "minutes before each infusion: methylprednisolone 100 mg IV, acetaminophen 1 g PO, "
                     "diphenhydramine 25-50 mg.",
                route="iv", frequency=1, period=14, period_unit="d", count=2,
                note="Only after a current HBV screen (HBsAg and anti-HBc). Infuse per the local rituximab protocol."))
        # not pre-selected before the screen is back, nor while one is pending
        suggestions.insert(0, Suggestion(label, [start], is_recommended=not hbv.gaps and not response.relapse))
    elif (referral := hepatitis.follow_up(record, context).antiviral_reason) is not None:  # no second HBV DNA (R26)
        suggestions.append(Suggestion(f"Hepatology referral before rituximab: {referral}", [
            Action("create", "Hepatology referral", resource=orders.service_request(patient, orders.text_concept(
                f"Hepatology referral: {referral}, antiviral prophylaxis before anti-CD20 therapy")))],
            is_recommended=True))
    else:
        suggestions.append(Suggestion("HBV DNA and hepatology referral before rituximab", [
            lab_orders.HBV_DNA.action(context),
            Action("create", "Hepatology referral", resource=orders.service_request(
                patient, orders.text_concept("Hepatology referral: antiviral prophylaxis before anti-CD20 therapy")))],
            is_recommended=True))
    past_checkpoint = days >= params["checkpoint_days"]
    checkpoint = " (past the 6-month checkpoint)" if past_checkpoint else ""
    # "early" is before the 6-month checkpoint; a course given before (more than a year ago) is repeated
    verb = "repeat rituximab" if last_rtx else "add rituximab" if past_checkpoint else "add rituximab early"
    headline = (escalation.RELAPSE_HEADLINE.format(days=days, instead="an inadequate response",
                                                   then=f"{verb}: its order is not pre-selected until then.")
                if response.relapse else
                f"**The response is inadequate {days} days after treatment start{checkpoint}: {verb}.**")
    # anti-HMGCR never resulted (or resulted as neither positive nor negative) leaves the row as it is (SRP or DUAL),
    # but a positive result adds the IVIG row
    dual = {"DUAL": "\n\nAnti-HMGCR is also positive: whether to add rituximab or IVIG first is not settled; the "
                    "IVIG card (R15) may also show.",
            "UNKNOWN": f"\n\n**What anti-HMGCR shows is not known: {serology.next_step}.** Rituximab is advised "
                       "whatever it shows; if positive, IVIG (R15) is an option too, and statins are to be avoided for "
                       "life (R14)."}.get(serology.subtype, "")
    return Fired(
        severity="warning",
        summary=(f"Anti-SRP IMNM, CK {latest.reading} rising again on taper: possible relapse, see R21 before rituximab"
                 if response.relapse else
                 f"Anti-SRP IMNM, inadequate response {days} days after start (CK {latest.reading}): "
                 f"consider {'repeating' if last_rtx else 'adding'} rituximab"),
        detail=DETAIL.format(
            subtype_line={"DUAL": "Anti-SRP and anti-HMGCR positive.", "SRP": "Anti-SRP positive."}.get(
                serology.subtype, f"Anti-SRP positive; {serology.undecided}."),
            headline=headline, ttx=t_tx.isoformat(), ttx_how=how, combo=combo.describe(), rtx_days=window,
            rtx_last=f"last dose {last_rtx.isoformat()}" if last_rtx else "none on file", ck_line=response.sentence,
            regimen=PAEDIATRIC_REGIMEN if child else ADULT_REGIMEN.format(alternatives=_alternatives(record, context)),
            hbv=hbv.text,
            pjp=(f"on file ({facts['pjp_prophylaxis']})." if pjp
                 else "none on file; review it with rituximab plus glucocorticoid (R24)."
                 + immunosuppression.pjp_not_counted_sentence(pjp_not_counted)),
            dual=dual),
        facts=facts,
        suggestions=suggestions,
    )
