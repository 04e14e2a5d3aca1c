"""R05: IMNM still on glucocorticoid alone a month after T_tx; add a steroid-sparing agent (ENMC: within month 1)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import immunosuppression, routes, steroid_sparing, steroids, trimethoprim
from hooks.definitions.courses import days_text
from hooks.definitions.paediatric_doses import child_weekly_methotrexate
from hooks.definitions.trimethoprim import TmpDose
from hooks.definitions.weight import missing_weight_or_height
from hooks.dosing import METHOTREXATE_INJECTION, METHOTREXATE_ORAL, product_for
from hooks.record import WEEKDAY_NAMES, WEEKDAYS, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, Param, Result, Rule, Suggestion
from hooks.sources import ENMC_224, KASSARDJIAN_2015, SEED_000, SEED_001, SEED_003, SEED_004, SHARE_2017

PJP_RULE = "pjp-prophylaxis-missing"  # whose min_peq_mg says when TMP/SMX prophylaxis is due (R24)
ADULT_MTX_MG = 15.0  # an adult's starting dose, weekly, by mouth or (the swallow impaired) subcutaneously
# mycophenolate mofetil 500 mg as a tablet, or with the swallow impaired as 2.5 mL of the oral suspension (RxNorm, in
# the mycophenolate value set), which may go down a nasogastric tube
MMF_TABLET = "mycophenolate mofetil 500 MG Oral Tablet"
MMF_SUSPENSION = "mycophenolate mofetil 200 MG/ML Oral Suspension"

RULE = Rule(
    id=steroid_sparing.RULE_ID,  # with its hooks and needs, as R24 reads R05's decision (steroid_sparing.on_card)
    number=5,
    title="Add a steroid-sparing agent by month 1 in IMNM",
    hooks=steroid_sparing.HOOKS,
    needs=steroid_sparing.NEEDS,
    severities=("warning",),
    also_reads=("immunizations",),
    summary="IMNM on glucocorticoid alone 30 days or more after treatment start, with no steroid-sparing agent "
            "given or ordered.",
    sources=(ENMC_224, KASSARDJIAN_2015, SEED_000, SEED_001, SEED_003, SEED_004, SHARE_2017),
    parameters={
        "paediatric_mtx_mg_per_m2_week": Param(15, "mg/m2/week", "A child's methotrexate (SC, once weekly).",
                                               at_most="pediatric-myositis-dose-limits.mtx_max_mg_per_m2_week"),
        "paediatric_mtx_max_mg_week": Param(40, "mg/week", "Cap on a child's weekly methotrexate.",
                                            at_most="pediatric-myositis-dose-limits.mtx_max_mg_week"),
        "min_days_since_ttx": Param(30, "days", "Days after T_tx (first glucocorticoid course) without a "
                                                "steroid-sparing agent before the card shows."),
        "max_days_off_glucocorticoid": Param(90, "days", "A glucocorticoid last given longer ago than this is no "
                                                         "monotherapy now (a patient off treatment)."),
        "mtx_egfr_min": Param(30, "mL/min/1.73m2", "Below this eGFR methotrexate is not offered first "
                                                   "(mycophenolate is)."),
        # an older one tells no more than no result at all: R10 asks for a fresh creatinine when methotrexate is
        # ordered, so R05 reads none older than R10's lab window
        "unestimated_creatinine_max_age_days": Param(
            30, "days", "A creatinine that gives no eGFR counts as possibly low kidney function only this recent "
                        "(an eGFR counts at any age).", at_most="mtx-start-prerequisites.lab_max_age_days"),
    },
)

DETAIL = """\
**Glucocorticoid alone is usually not enough in IMNM.** Treatment started on {ttx} ({ttx_how}); {course},
and no steroid-sparing agent has been given or ordered since. ENMC advises adding a second agent within the first
month; patients given two or more agents early do better (Kassardjian 2015).

Options:
{options}
- **Azathioprine** only after TPMT (and NUDT15) testing (see the azathioprine card, R12).
- **IVIG** is a first-line option too, especially for anti-HMGCR or severe disease.
{notes}"""

ADULT_OPTIONS = """\
- **Methotrexate** (the usual choice): 15 mg {given} **once weekly** on {{weekday}}s, with folic acid 1 mg daily.
  Raise by 2.5-5 mg every 2-4 weeks to 20-25 mg/week{switch}. Check the methotrexate baseline labs first.
- **Mycophenolate mofetil** 500 mg twice daily, rising to 1,000-1,500 mg twice daily (preferred with
  interstitial lung disease, or when methotrexate is contraindicated)."""
ORAL_OPTIONS = ADULT_OPTIONS.format(given="by mouth", switch="; switch to subcutaneous at 20 mg/week or more")
# the swallow impaired (dysphagia on file): the same weekly dose under the skin, no tablets
SUBCUTANEOUS_OPTIONS = ADULT_OPTIONS.format(given="subcutaneously", switch="")

# a child is offered no adult fixed dose, in the text either: the doses are by body-surface area (the note below)
CHILD_OPTIONS = """\
- **Methotrexate** (the usual choice): by body-surface area, subcutaneous **once weekly** on {weekday}s, with
  folic acid (below: the dose, or why none is offered). Check the methotrexate baseline labs first.
- **Mycophenolate mofetil** by body-surface area, with paediatric rheumatology (preferred with interstitial lung
  disease, or when methotrexate is contraindicated)."""


def _weekday(today: date) -> tuple[str, str]:
    """Tomorrow's weekday: the FHIR code ('tue') and its name ('Tuesday')."""
    day = WEEKDAYS[(today + timedelta(days=1)).weekday()]
    return day, WEEKDAY_NAMES[day]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    due = steroid_sparing.assess(record, context)  # the gates, shared with R24 (it orders the CBC beside this card)
    if not isinstance(due, steroid_sparing.Due):
        return due
    facts = dict(due.facts)
    history = steroids.history(record, context)
    kidney, ild, tmp_smx, child = due.kidney, due.ild, list(due.tmp_smx), due.child
    # an eGFR that may be below the limit ('<45', a result that cannot be read, a newer creatinine that gives no eGFR)
    # is read as low: methotrexate waits for a recheck
    low_egfr = kidney.may_be_below
    mmf_first = "" if child else "; mycophenolate is offered first"  # a child is offered no mycophenolate dose
    notes = []
    if ild:
        notes.append(f"Interstitial lung disease on file ({ild[0].code.label}): mycophenolate is preferred.")
    if kidney.below:
        notes.append(f"{kidney}: methotrexate is not advised{mmf_first}.")
    elif low_egfr:
        # the newest result is a creatinine that gives no eGFR: what it lacks is the remedy (a recheck alone cannot
        # give a child's eGFR without a height)
        until = (f"the eGFR is known: {kidney.unestimated.reason.remedy} (or get the lab's eGFR)"
                 if kidney.unestimated else "renal function is rechecked")
        notes.append(f"{kidney}, so methotrexate is not offered until {until}{mmf_first}.")
    # a treatment-dose course (or one whose dose cannot be read) is one R11 says to avoid with methotrexate
    if due.tmp_course is not None:
        notes.append(_tmp_course_to_wait_for(record, *due.tmp_course))
    elif any(immunosuppression.is_co_trimoxazole(o) for o in tmp_smx):
        notes.append("Co-trimoxazole is active at a prophylactic dose: "
                     + trimethoprim.PROPHYLACTIC_WITH_METHOTREXATE)
    elif tmp_smx:  # atovaquone replaces PJP prophylaxis, not trimethoprim given for a urinary infection
        notes.append("Trimethoprim is active: with methotrexate it adds to marrow toxicity (see R11); choose another "
                     "agent for its indication or monitor the blood count.")
    elif not trimethoprim.pjp_protection(record, context)[0] and (
            history.peq_on(record.today) >= context.thresholds.of_rule(PJP_RULE)["min_peq_mg"]):
        # R24 is likely to offer TMP/SMX beside this card's methotrexate: both cards name the pair
        notes.append("No PJP prophylaxis is on file at this glucocorticoid dose (see R24). If TMP/SMX is started with "
                     "methotrexate: " + trimethoprim.PROPHYLACTIC_WITH_METHOTREXATE)
    swallowing = routes.swallowing_impaired(record)
    if swallowing and not child:  # a child's methotrexate is subcutaneous already, and no mycophenolate is ordered
        offered = ["methotrexate is offered **subcutaneously** (the same weekly dose), not as tablets, its folic acid "
                   "once swallowing is safe"] if due.methotrexate_offered else []
        notes.append(f"{swallowing[0].code.label} on file: " + "; ".join(
            [*offered, "mycophenolate is offered as its **oral suspension** (500 mg = 2.5 mL of 200 mg/mL)"]) + ".")
    code, weekday = _weekday(record.today)
    facts.update(methotrexate_day=weekday, methotrexate_route="sc" if swallowing or child else "oral")

    patient = context.patient_id
    methotrexate = _methotrexate(record, context, params, due, bool(swallowing), code, weekday, facts, notes)
    tpmt = orders.service_request(
        patient, orders.text_concept("TPMT activity (or TPMT genotype) and NUDT15 genotype before azathioprine"))
    mtx_choice = None if methotrexate is None or not due.methotrexate_offered else Suggestion(
        methotrexate[0], methotrexate[1], is_recommended=due.methotrexate_pre_selected)
    mmf_choice = None if child else _mycophenolate(  # no adult mycophenolate dose for a child
        context, bool(swallowing), due.prefer_mycophenolate)
    aza_choice = Suggestion("Test TPMT/NUDT15 before azathioprine",
                            [Action("create", "TPMT and NUDT15 testing", resource=tpmt)])
    ranked = ([mmf_choice, mtx_choice, aza_choice] if due.prefer_mycophenolate
              else [mtx_choice, mmf_choice, aza_choice])
    choices = [c for c in ranked if c is not None]
    t_tx, days, last_gc = due.t_tx, due.days, due.last_glucocorticoid
    if last_gc < record.today:  # the course is over: "day N of treatment" would say it is still taken
        ago = days_text((record.today - last_gc).days)
        course = f"the glucocorticoid was last given on {last_gc.isoformat()}, {ago} ago"
        summary = f"IMNM treated with glucocorticoid alone since {t_tx.isoformat()}, last given {last_gc.isoformat()}"
    else:  # days counted as the other cards count days on a drug (R23, R24, R25): the first day is day 1
        course = f"today is day {days + 1} of treatment"
        summary = f"IMNM on glucocorticoid alone on day {days + 1} of treatment (started {t_tx.isoformat()})"
    options = CHILD_OPTIONS if child else SUBCUTANEOUS_OPTIONS if swallowing else ORAL_OPTIONS
    return Fired(
        severity="warning",
        summary=f"{summary}: add a steroid-sparing agent",
        detail=DETAIL.format(ttx=t_tx.isoformat(), ttx_how=facts["t_tx_found_by"], course=course,
                             options=options.format(weekday=weekday),
                             notes="\n" + "\n".join(notes) if notes else ""),
        facts=facts,
        suggestions=choices,
        selection="at-most-one",
    )


def _tmp_course_to_wait_for(record: PatientRecord, order: MedicationOrder, dose: TmpDose) -> str:
    """The note when an active TMP/SMX or trimethoprim order is at a treatment dose, or at one that cannot be read
    (hooks.definitions.trimethoprim, R11's classes; ``steroid_sparing.Due.tmp_course``): methotrexate waits until the
    course is over and is not pre-selected."""
    name = "Co-trimoxazole" if immunosuppression.is_co_trimoxazole(order) else "Trimethoprim"
    ends = f", to {order.end.isoformat()}" if order.end is not None and order.end >= record.today else ""
    if dose.regimen == "treatment":
        amount = (f"trimethoprim {dose.mg_per_day:.0f} mg/day" if dose.mg_per_day is not None
                  else f"trimethoprim {dose.mg_per_kg_day:g} mg/kg/day")
        found = f"{name} is active at a **treatment dose** ({order.label}, {amount}{ends})"
    else:
        found = (f"{name} is active ({order.label}{ends}) and its trimethoprim dose could not be read "
                 f"({dose.basis}): a treatment dose is not ruled out, so confirm it")
    return (f"{found}. Methotrexate with a treatment dose is to be avoided (see R11): **methotrexate waits until the "
            f"course is over**, or choose another agent now; it is not pre-selected.")


def _mycophenolate(context: HookContext, swallowing_impaired: bool, pre_selected: bool) -> Suggestion:
    """Mycophenolate mofetil 500 mg twice daily: tablets, or with the swallow impaired the oral suspension, given once
    swallowing is safe or down a nasogastric tube."""
    if swallowing_impaired:
        product, form = MMF_SUSPENSION, " (2.5 mL oral suspension)"
        given = f"(2.5 mL of the 200 mg/mL oral suspension) twice daily, {routes.ONCE_SWALLOWING_IS_SAFE}"
    else:
        product, form, given = MMF_TABLET, "", "by mouth twice daily"
    order = orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "mycophenolate", product), 500, "mg",
        text=f"Mycophenolate mofetil 500 mg {given}; titrate to 1,000-1,500 mg twice daily", frequency=2)
    return Suggestion(f"Mycophenolate mofetil 500 mg{form} twice daily",
                      [Action("create", f"Mycophenolate mofetil 500 mg{form or ' PO'} BID", resource=order)],
                      is_recommended=pre_selected)


def _methotrexate(record: PatientRecord, context: HookContext, params: Mapping[str, float], due: steroid_sparing.Due,
                  subcutaneous: bool, day_code: str, weekday: str, facts: dict[str, object], notes: list[str]
                  ) -> tuple[str, list[Action]] | None:
    """The weekly methotrexate and folic acid to offer (label, actions): 15 mg for an adult, by mouth, or
    subcutaneously (the same dose, a prefilled syringe) when ``subcutaneous`` (the swallow is impaired); for a child,
    15 mg/m2 SC by body-surface area (SHARE), as R32 suggests it, or nothing without a current weight or height.
    Adult fixed doses are not for children: 15 mg is 25 mg/m2 at 0.6 m2."""
    # with the swallow impaired, folic acid (a 1 mg tablet, by name: no form of it has a sourced code) waits until
    # swallowing is safe, or goes crushed down a nasogastric tube; the weekly methotrexate is not held for it
    folic_text = (f"Folic acid 1 mg once daily (with weekly methotrexate), {routes.ONCE_SWALLOWING_IS_SAFE}, the "
                  "tablet crushed for the tube; it may start after the first methotrexate doses"
                  if subcutaneous else "Folic acid 1 mg by mouth once daily (with weekly methotrexate)")
    if due.child:
        bsa = due.bsa_m2
        per_m2, cap = params["paediatric_mtx_mg_per_m2_week"], params["paediatric_mtx_max_mg_week"]
        facts.update(paediatric=True, bsa_m2=bsa)
        who = f"Child ({record.youngest_age_years} y)"  # the age that makes them a child (a partial birthDate)
        suggested = child_weekly_methotrexate(record, context, per_m2, cap, day_code,
                                              context.bound(RULE, "paediatric_mtx_mg_per_m2_week"))
        if suggested is None:  # no current weight or height, so no BSA: the card names which
            notes.append(f"{who}: methotrexate {per_m2:g} mg/m² SC once weekly (maximum "
                         f"{cap:g} mg) and mycophenolate by body-surface area, with paediatric rheumatology; "
                         f"**{missing_weight_or_height(record, context)}, so no dose is computed**.")
            return None
        dose, order = suggested.dose.mg, suggested.resource
        notes.append(f"{who}: methotrexate {per_m2:g} mg/m² SC once weekly (maximum {cap:g} "
                     f"mg) = {dose:g} mg at {bsa:g} m² ({suggested.dose.how}); mycophenolate by body-surface area "
                     "too (no adult dose offered). Involve paediatric rheumatology.")
    else:
        dose = ADULT_MTX_MG
        product = product_for(METHOTREXATE_INJECTION if subcutaneous else METHOTREXATE_ORAL, dose)
        given = "subcutaneously" if subcutaneous else "by mouth"
        titration = "" if subcutaneous else "; subcutaneous when 20 mg/week or more"
        order = orders.medication_request(
            context.patient_id, orders.product_concept(context.valuesets, product),
            dose, "mg", route="sc" if subcutaneous else "oral", frequency=1, period=1, period_unit="wk",
            day_of_week=day_code,
            text=f"Methotrexate {dose:g} mg ({product.amount}) {given} ONCE WEEKLY on {weekday}s only. Titrate by "
                 f"2.5-5 mg every 2-4 weeks to 20-25 mg/week{titration}.",
            note="Once weekly, never daily. Folic acid 1 mg daily alongside.")
    folic = orders.medication_request(
        context.patient_id, orders.text_concept("folic acid 1 MG Oral Tablet"), 1, "mg", text=folic_text)
    short = f"Methotrexate {dose:g} mg {'SC' if due.child or subcutaneous else 'PO'} once weekly"
    once_safe = " once swallowing is safe" if subcutaneous else ""
    folic_short = f"Folic acid 1 mg {'daily' if subcutaneous else 'PO daily'}{once_safe}"
    return (f"{short} ({weekday}) + folic acid 1 mg daily{once_safe}",
            [Action("create", f"{short} on {weekday}s", resource=order),
             Action("create", folic_short, resource=folic)])
