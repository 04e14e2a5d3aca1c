"""R15: anti-HMGCR IMNM with an inadequate response around month 6 on GC + a second agent; add IVIG (ENMC)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import escalation, iga, lab_orders, renal, severe_disease
from hooks.definitions import treatment_duration as td
from hooks.definitions import weight as body
from hooks.definitions.cardiac_screen import SEVERE_CARD
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import (
    ENMC_224,
    MEYER_2019,
    OCTAGAM_DM,
    ONTARIO_IVIG,
    PINAL_FERNANDEZ_2018,
    PRODERM,
    SEED_001,
    SEED_002,
    SEED_004,
)

RULE = Rule(
    id="hmgcr-add-ivig-inadequate-response",
    number=15,
    title="Anti-HMGCR IMNM: add IVIG for an inadequate response",
    hooks=("patient-view",),
    needs=("patient", "conditions", "observations", "medications", "immunizations"),
    severities=("warning",),
    summary="Anti-HMGCR (or dual-positive) IMNM 6 months or more after treatment start, on glucocorticoid plus a "
            "steroid-sparing agent for 90 days, with no recent IVIG and a CK that has not responded.",
    sources=(ENMC_224, PINAL_FERNANDEZ_2018, MEYER_2019, SEED_001, SEED_002, SEED_004, PRODERM, OCTAGAM_DM,
             ONTARIO_IVIG),
    parameters={
        "min_days_since_ttx": Param(180, "days", "Days since T_tx before escalation (ENMC 6-month checkpoint); a "
                                                 "site may set 90 for a severe phenotype."),
        "min_combination_days": Param(90, "days", "Days on glucocorticoid plus a steroid-sparing agent."),
        "ivig_window_days": Param(60, "days", "IVIG given this recently means IVIG is already in use (so does a "
                                              "course whose next cycle is not yet overdue).",
                                  at_most="definitions.ivig_course_break_days"),
        "ck_max_age_days": Param(30, "days", "The latest CK must be this recent (else not evaluable, and R22 asks "
                                           "for a CK)."),
        "ivig_g_per_kg": Param(2, "g/kg", "IVIG dose per cycle.",
                               at_most="ivig-order-safety.max_g_per_kg_cycle"),
        "ivig_days_per_cycle": Param(2, "days", "Days each cycle is divided over (2-5; Ontario criteria: 2)."),
        "ivig_interval_weeks": Param(4, "weeks", "Weeks between IVIG cycles."),
        "ivig_round_g": Param(5, "g", "The cycle dose is rounded down to this many grams."),
        "obesity_bmi": Param(30, "kg/m2", "At or above this BMI the dose uses the adjusted body weight."),
    },
)

DETAIL = """\
{headline} {subtype_line} Glucocorticoid treatment started on {ttx} ({ttx_how}); glucocorticoid plus a
steroid-sparing agent for {combo}. No IVIG in the last {ivig_window} days ({ivig_last}). {ck_line}

**Confirm with a strength examination (MMT-8)**: this is a CK surrogate, and CK alone is not enough to escalate.
First check adherence, statin or red yeast rice exposure, and mimics (hypothyroidism, steroid myopathy).{statin}

**IVIG** (anti-HMGCR myopathy responds particularly well): 2 g/kg per cycle, divided over {cycle_days} consecutive
days, every {interval} weeks, for 3-6 cycles, then space out. {dose_line} Before each cycle: BMP and CBC; IgA once
({iga}). Infuse slowly and hydrate (thrombosis and renal risk; see the IVIG order checks, R27). Reassess after 3
cycles; if still refractory, see R17. IVIG monotherapy is a specialist option only.{cautions}{dual}"""

# the IVIG order checks, whose IgA and renal readings this card shares: it never pre-selects an order against an IgA
# deficiency or an eGFR that is (or may be) below their limit (no IgA or eGFR on file: the card orders them)
IVIG_ORDER_SAFETY = "ivig-order-safety"

# R19's critical card starts IVIG now whenever it shows: a course offered here too would give two at once (4 g/kg)
ON_SEVERE_CARD = ("**{card} starts IVIG now** (severe disease): no IVIG order is offered here, so that a second course "
                  "is not given beside it. Count it as the first cycle and plan the next {interval} weeks after it.")


def ivig_cycle_order(context: HookContext, per_day_g: float, total_g: float, days: int, interval_weeks: int,
                     basis: str) -> dict[str, Any]:
    """IVIG 2 g/kg per cycle, three cycles before reassessment."""
    return orders.infusion_cycles(
        context.patient_id, orders.concept(context.valuesets, "ivig", "immune globulin, intravenous"), per_day_g,
        "g", days=days, every_weeks=interval_weeks, cycles=3,
        text=(f"Immune globulin IV {per_day_g:g} g once daily on {days} consecutive days (total {total_g:g} g per "
              f"cycle = 2 g/kg, {basis}), every {interval_weeks} weeks; 3 cycles, then reassess (up to 6)"),
        note="Infuse slowly with hydration; BMP before and 3-5 days after each cycle; CBC for haemolysis.")


def _cautioned(iga_found: iga.IgaCheck, kidney: renal.EgfrAnswer) -> str:
    """What the IVIG suggestion's label asks to check first: 'IgA deficiency and renal function'."""
    return " and ".join([*(["IgA deficiency"] if iga_found.deficient else []),
                         *(["renal function"] if kidney.may_be_below else [])])


def before_ck(record: PatientRecord, context: HookContext,
              facts: dict[str, Any]) -> escalation.Candidate | Quiet | NotEvaluable:
    """Every gate of R15 before its CK check: anti-HMGCR (or dual) IMNM, the month-6 checkpoint passed, long enough
    on glucocorticoid plus a steroid-sparing agent, not on IVIG. R22 asks for a CK when these pass and only the
    CK's age keeps R15 from judging the response."""
    params = context.params(RULE)
    # not only IVIG given within the window: maintenance IVIG between two cycles is in use too
    return escalation.gates_before_ck(record, context, params, facts, ("HMGCR", "DUAL"), "IVIG",
                                      td.last_ivig(record), params["ivig_window_days"], in_use=td.ivig_in_use)


CK_ROW = escalation.CkRow(RULE, "whether to add IVIG", before_ck)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, Any] = {}
    found = escalation.judge(record, context, before_ck, CK_ROW.max_age_days(context), facts)
    if not isinstance(found, escalation.Escalation):
        return found
    serology, t_tx, days, how, combo, last_ivig = found.candidate
    latest, response = found.latest, found.response

    dosing_kg, basis = body.ivig_dosing_weight(record, context, params["obesity_bmi"])
    cycle_days = int(params["ivig_days_per_cycle"])
    interval = int(params["ivig_interval_weeks"])
    # IgA and eGFR as the IVIG order checks (R27) read them: a deficiency, or an eGFR below (or not known to be above)
    # their limit, is said here and leaves the IVIG order unselected, not found only at signing
    checks = context.thresholds.of_rule(IVIG_ORDER_SAFETY)
    iga_found = iga.check(record, float(checks["iga_severe_deficiency_mg_dl"]))
    kidney = renal.below_limit(record, context, checks["egfr_min"],
                               record.today - timedelta(days=int(checks["egfr_max_age_days"])))
    cautions = [*([iga_found.problem] if iga_found.deficient and iga_found.problem else []),
                *([f"{kidney}: risk of IVIG-related acute kidney injury; avoid sucrose-containing products, hydrate, "
                   "infuse slowly." if kidney.below else
                   f"Renal impairment not ruled out: {kidney}; check renal function before IVIG."]
                  if kidney.may_be_below else [])]
    facts.update(ivig_dosing_weight=basis, iga=iga_found.result, egfr=str(kidney) if kidney.on_file else None,
                 ivig_cautions=" ".join(cautions) or None)
    patient = context.patient_id
    labs = [lab_orders.BMP.action(context, "Basic metabolic panel before each cycle",
                                  note="Before and 3-5 days after each IVIG cycle."),
            lab_orders.CBC.action(context, "CBC before each cycle", note="Before each IVIG cycle (haemolysis check).")]
    if iga_found.order:
        labs.append(lab_orders.IGA.action(context, "Serum IgA (once, before the first IVIG)",
                                          note="Once, before the first IVIG."))
    # R19's decision, as its card is made from it: while it shows, its IVIG is the one given
    on_severe_card = severe_disease.card_shows(record, context)
    facts["ivig_on_severe_card"] = on_severe_card
    # R19's IVIG is given now whatever the CK did; else a relapse (R21's card first) is no inadequate response
    relapse = response.relapse and not on_severe_card
    if on_severe_card:
        facts.update(ivig_cycle_g=None, ivig_daily_g=None)
        dose_line = ON_SEVERE_CARD.format(card=SEVERE_CARD[0].upper() + SEVERE_CARD[1:], interval=interval)
        main = Suggestion(f"Before the IVIG {SEVERE_CARD} starts: BMP, CBC{', IgA' if iga_found.order else ''}", labs,
                          is_recommended=True)
    elif dosing_kg is not None:
        # whole bottles that stay within 2 g/kg (rounding half up gave 145 g, 2.03 g/kg, at 71.3 kg)
        exact = params["ivig_g_per_kg"] * dosing_kg
        total = dosing.daily_share(exact, 1, params["ivig_round_g"])
        per_day = round(total / cycle_days, 2)
        facts.update(ivig_cycle_g=total, ivig_daily_g=per_day)
        step = dosing.share_step(exact, 1, params["ivig_round_g"])
        dose_line = (f"For this patient: **{total:g} g per cycle** ({params['ivig_g_per_kg']:g} g/kg x "
                     f"{dosing_kg:g} kg, {basis}; rounded down to {step:g} g), given as "
                     f"**{per_day:g} g a day for {cycle_days} days**.")
        order = ivig_cycle_order(context, per_day, total, cycle_days, interval, basis)
        checked = f": first check {_cautioned(iga_found, kidney)}" if cautions else ""
        main = Suggestion(f"IVIG {per_day:g} g/day x {cycle_days} days every {interval} weeks (2 g/kg per "
                          f"cycle){checked}",
                          [Action("create", f"IVIG {total:g} g per cycle over {cycle_days} days", resource=order),
                           *labs], is_recommended=not cautions and not relapse)
    else:
        facts.update(ivig_cycle_g=None, ivig_daily_g=None)
        dose_line = (f"**The dose could not be computed: {basis}.** Record a current weight and height; the dose is "
                     f"{params['ivig_g_per_kg']:g} g/kg per cycle (adjusted body weight if BMI >= "
                     f"{params['obesity_bmi']:g}).")
        measure = orders.service_request(patient, orders.text_concept(
            "Measure body weight and height today (IVIG is dosed per kg)"))
        main = Suggestion("Record weight and height, then dose IVIG at 2 g/kg per cycle",
                          [Action("create", "Measure weight and height", resource=measure), *labs],
                          is_recommended=not relapse)
    mmt8 = orders.service_request(patient, orders.text_concept("MMT-8 manual muscle strength examination"))
    statins = record.medications_in("statin", "red_yeast_rice", current_only=True)
    facts["statin_active"] = ", ".join(o.label for o in statins) or None
    statin_line = (f" **A statin or red yeast rice is active ({facts['statin_active']}): stop it first (R14).**"
                   if statins else "")
    # at the time point reached (the row's month 6 is the earliest), and IVIG given before is resumed, not added
    verb = "resume" if last_ivig else "add"
    headline = (escalation.RELAPSE_HEADLINE.format(days=days, instead="an inadequate response",
                                                   then=f"{verb} IVIG: its order is not pre-selected until then.")
                if relapse else f"**The response is inadequate {days} days after treatment start: {verb} IVIG.**")
    # anti-SRP never resulted (or resulted as neither positive nor negative) leaves the row as it is (HMGCR or DUAL),
    # but a positive result adds the rituximab row
    dual = {"DUAL": "\n\nAnti-SRP is also positive: whether to add IVIG or rituximab first is not settled; the "
                    "rituximab card (R16) may also show.",
            "UNKNOWN": f"\n\n**What anti-SRP shows is not known: {serology.next_step}.** IVIG is advised whatever it "
                       "shows; if positive, rituximab (R16) is an option too."}.get(serology.subtype, "")
    return Fired(
        severity="warning",
        summary=(f"Anti-HMGCR IMNM, CK {latest.reading} rising again on taper: possible relapse, see R21 before IVIG"
                 if relapse else
                 f"Anti-HMGCR IMNM, inadequate response {days} days after start (CK {latest.reading}): "
                 + (f"IVIG now on {SEVERE_CARD}" if on_severe_card else
                    f"consider {'resuming' if last_ivig else 'adding'} IVIG")),
        detail=DETAIL.format(
            subtype_line={"DUAL": "Anti-HMGCR and anti-SRP positive.", "HMGCR": "Anti-HMGCR positive."}.get(
                serology.subtype, f"Anti-HMGCR positive; {serology.undecided}."),
            headline=headline, ttx=t_tx.isoformat(), ttx_how=how, combo=combo.describe(),
            ivig_window=f"{params['ivig_window_days']:g}",
            ivig_last=f"last IVIG {last_ivig.isoformat()}" if last_ivig else "none on file",
            ck_line=response.sentence, statin=statin_line, cycle_days=cycle_days, interval=interval,
            dose_line=dose_line, iga=("low on file: see below" if iga_found.deficient
                                      else f"on file: {iga_found.result}" if iga_found.result else "not yet measured"),
            cautions=("\n\n**Before ordering IVIG:** " + " ".join(cautions)
                      + ("" if on_severe_card else " The IVIG order is not pre-selected.") if cautions else ""),
            dual=dual),
        facts=facts,
        suggestions=[main, Suggestion("Confirm with an MMT-8 strength examination",
                                      [Action("create", "MMT-8 examination", resource=mmt8)])],
    )
