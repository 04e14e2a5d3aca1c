"""R19: severe or life-threatening IMNM (bulbar, respiratory, cardiac, rhabdomyolysis or profound weakness)
without a recent IV methylprednisolone pulse or IVIG: admit and treat now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from hooks import dosing, orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, hepatitis, lab_orders, renal, routes
from hooks.definitions.cardiac_screen import ORDERS, SEVERE_WORKUP
from hooks.definitions.dose_basis import mg
from hooks.definitions.hepatitis import PASSIVE_TRANSFER
from hooks.definitions.paediatric_doses import PULSE_DAYS, child_pulse, oral_after_pulse, pulse_order
from hooks.definitions.pulse_follow_on import OralsOnChart, orals_on_chart
from hooks.definitions.severe_disease import (
    FEATURE_KINDS,
    HOOKS,
    NEEDS,
    RULE_ID,
    Aki,
    Severe,
    assess,
    window_aki,
)
from hooks.definitions.weight import Measure, dosing_weight, ivig_dosing_weight
from hooks.dosing import (
    CHILD_FINER_STEPS_MG,
    HALF_TABLET_STEP_MG,
    TABLET_STEP_MG,
    RoundedDose,
    oral_steroid_product,
    rounded_dose,
)
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, Param, Result, Rule, Suggestion
from hooks.sources import (
    ENMC_224,
    ETG,
    IVIG_BOXED_WARNING,
    KDIGO_2012_AKI,
    LANCET_2024,
    MILLER_1992,
    MTX_LABEL,
    OCTAGAM_WEIGHT,
    SEED_000,
    SEED_001,
    SEED_003,
    SEED_004,
    SHARE_2017,
)

RULE = Rule(
    id=RULE_ID,
    number=19,
    title="Severe IMNM: urgent IV pulse and IVIG",
    hooks=HOOKS,
    severities=("critical",),
    needs=NEEDS,
    also_reads=("procedures", "immunizations"),
    summary="IMNM with dysphagia/aspiration, respiratory or cardiac involvement, rhabdomyolysis with AKI, or "
            "profound weakness in the last 30 days, and no recent IV methylprednisolone or IVIG.",
    sources=(ENMC_224, ETG, LANCET_2024, MILLER_1992, OCTAGAM_WEIGHT, IVIG_BOXED_WARNING, MTX_LABEL, KDIGO_2012_AKI,
             SEED_000, SEED_001, SEED_003, SEED_004, SHARE_2017),
    parameters={
        "window_days": Param(30, "days", "Severity features count when recorded this recently."),
        "fvc_percent_max": Param(60, "% predicted", "FVC below this is severe respiratory involvement."),
        "nif_cmh2o": Param(-30, "cmH2O", "NIF weaker (closer to zero) than this is severe."),
        "mmt8_min": Param(80, "points of 150", "MMT-8 below this is severe weakness."),
        "aki_creatinine_ratio": Param(1.5, "x baseline", "Creatinine rise over the 90-day baseline that counts as "
                                                         "AKI (KDIGO) when no AKI condition is recorded."),
        "iv_mp_recent_days": Param(14, "days", "An IV methylprednisolone pulse this recent means already treated."),
        "ivig_recent_days": Param(30, "days", "IVIG this recent means already treated."),
        "pulse_mg": Param(1000, "mg/day", "Adult IV methylprednisolone pulse; also the cap on a child's pulse.",
                          at_most="ivmp-pulse-dose-cap.max_mg_day"),
        "paediatric_pulse_mg_per_kg": Param(30, "mg/kg/day", "A child's IV methylprednisolone pulse (age < 18).",
                                            at_most="ivmp-pulse-dose-cap.paediatric_max_mg_per_kg_day"),
        "prednisone_mg_per_kg": Param(1, "mg/kg/day", "Prednisone after the pulses.",
                                      at_most="prednisone-adult-dose-check.max_mg_per_kg_day"),
        "prednisone_max_mg": Param(80, "mg/day", "Cap on prednisone after the pulses.",
                                   at_most="prednisone-adult-dose-check.max_mg_day"),
        "paediatric_prednisolone_mg_per_kg": Param(2, "mg/kg/day", "A child's prednisolone after the pulses.",
                                                   at_most="pediatric-myositis-dose-limits.steroid_max_mg_per_kg_day"),
        "paediatric_prednisolone_max_mg": Param(60, "mg/day", "Cap on a child's prednisolone after the pulses.",
                                                at_most="pediatric-myositis-dose-limits.steroid_max_mg_day"),
        "ivig_g_per_kg": Param(2, "g/kg/cycle", "IVIG dose per cycle.",
                               at_most="ivig-order-safety.max_g_per_kg_cycle"),
        "ivig_days": Param(5, "days", "Days the IVIG cycle is divided over (2-5)."),
        "aki_creatinine_without_baseline_mg_dl": Param(4.0, "mg/dL", "With no creatinine in the 90 days before it to "
                                                                     "compare with, a creatinine at or above this "
                                                                     "counts as AKI (KDIGO stage 3's creatinine)."),
    },
)

DETAIL = """\
**Severe IMNM — admit and treat now.** Found in the last {window} days:
{features}

No IV methylprednisolone pulse in the last {mp_days} days and no IVIG in the last {ivig_days} days.

- Give an **IV methylprednisolone pulse**: {pulse}
- Start **IVIG now**, whatever the antibody: {ivig}
- {methotrexate}{srp}
- Protect the airway and the swallow: speech-language pathology swallow evaluation, nil by mouth or modified
  diet until assessed, FVC and NIF every 8-12 hours; ICU review if FVC or NIF worsen.
- Work up the heart: ECG, troponin I, NT-proBNP, echocardiogram.
- VTE prophylaxis (immobility and IVIG both raise the risk).
- Plasma exchange showed no benefit in a sham-controlled trial in polymyositis/dermatomyositis: do not rely on it."""


# the checks the suggested orders will meet, whose eGFR limits the card's IVIG and methotrexate lines read
IVIG_CHECK, MTX_CHECK = "ivig-order-safety", "mtx-start-prerequisites"

# why the HBV screen before rituximab is drawn before IVIG (passive transfer of donors' antibodies) [sign-off]
HBV_SCREEN_NOTE = (f"Before rituximab (HBV reactivation: boxed warning). Draw before the first IVIG infusion: "
                   f"{PASSIVE_TRANSFER}. The pulse and IVIG do not wait for the result.")


@dataclass(frozen=True, slots=True)
class Kidney:
    """The kidneys, for the IVIG and methotrexate lines: an acute kidney injury in the window (``aki``: current, or
    past with the creatinine back below the AKI ratio) and the eGFR against the limits of the checks the orders will
    meet, IVIG's (R27: below 60, within 30 days) and methotrexate's (R10: below 30), read as those rules read them
    (``renal.below_limit``)."""

    aki: Aki | None
    for_ivig: renal.EgfrAnswer
    for_methotrexate: renal.EgfrAnswer

    @property
    def ivig_risks(self) -> list[str]:
        """Why the kidneys are at risk from IVIG (the boxed warning's renal dysfunction, a recent AKI too); none
        when they are not."""
        injury = [] if self.aki is None else [
            f"{'acute' if self.aki.current else 'recent acute'} kidney injury ({self.aki})"]
        return injury + ([str(self.for_ivig)] if self.for_ivig.may_be_below else [])

    @property
    def ivig_care(self) -> str | None:
        """Why the kidneys are at risk, and the IVIG labels' boxed-warning precautions; None when they are not."""
        if not (risks := "; ".join(self.ivig_risks)):
            return None
        return (f"{risks}. IVIG can cause acute renal failure (boxed warning): give a sucrose-free product at the "
                "minimum dose, concentration and infusion rate practicable, hydrate first, and check creatinine "
                "and urine output daily during the cycle and 3-5 days after.")

    @property
    def methotrexate_held(self) -> list[str]:
        """Why methotrexate is not to be started, or is held: a current AKI (not one the creatinine is back from),
        or an eGFR below R10's limit."""
        return ([f"there is acute kidney injury ({self.aki})"] if self.aki and self.aki.current else []) + (
            [str(self.for_methotrexate)] if self.for_methotrexate.below else [])


def _kidney(record: PatientRecord, context: HookContext) -> Kidney:
    """The kidneys as the IVIG and methotrexate lines read them (:class:`Kidney`)."""
    params = context.params(RULE)
    since = record.today - timedelta(days=int(params["window_days"]))
    ivig_check = context.thresholds.of_rule(IVIG_CHECK)
    return Kidney(
        window_aki(record, context),
        renal.below_limit(record, context, ivig_check["egfr_min"],
                          since=record.today - timedelta(days=int(ivig_check["egfr_max_age_days"]))),
        renal.below_limit(record, context, context.thresholds.of_rule(MTX_CHECK)["egfr_avoid_below"],
                          creatinine_since=since))


def _methotrexate_line(found: Kidney) -> str:
    """Continue or start methotrexate (the row's advice), unless the kidneys stop it: R10 avoids it below an eGFR of
    30, and an acute kidney injury holds it (it is cleared by the kidney); the decision table's choice when
    methotrexate is contraindicated (R05) is mycophenolate."""
    if held := found.methotrexate_held:
        return (f"**Do not start methotrexate, and hold it if it is given, while {' and '.join(held)}**: it is "
                "cleared by the kidney, and its toxicity rises sharply in renal impairment (R10). Mycophenolate "
                "mofetil is the steroid-sparing choice when methotrexate is contraindicated (R05), adjusted to the "
                "kidney function; the IVIG above spares steroids too.")
    if found.for_methotrexate.may_be_below:
        return ("Continue or start methotrexate (or another steroid-sparing agent) once the kidney function is "
                f"known: {found.for_methotrexate}.")
    return "Continue or start methotrexate (or another steroid-sparing agent)."


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    severe = assess(record, context)  # the one the cards that leave their orders to this card read
    if not isinstance(severe, Severe):
        return severe
    features, facts = severe.features, dict(severe.facts)
    sets, patient = context.valuesets, context.patient_id
    kidneys = _kidney(record, context)
    if renal_care := kidneys.ivig_care:
        facts["kidney_at_risk"] = "; ".join(kidneys.ivig_risks)
    child = cohorts.is_paediatric(record, context)
    weight = dosing_weight(record, context)
    orals = orals_on_chart(record, weight)
    pulse, treat = _pulse_and_prednisone(context, params, child, weight, severe.bulbar, orals)
    facts.update({"paediatric": child, "dosing_weight": weight.describe("kg") if weight else None,
                  "oral_glucocorticoid_on_chart": "; ".join(o.named for o in orals.all) or None})
    if weight is not None:
        basis_kg, basis = ivig_dosing_weight(record, context)
        days = int(params["ivig_days"])
        if basis_kg is not None:
            per_day = dosing.daily_share(params["ivig_g_per_kg"] * basis_kg, days, dosing.IVIG_DAILY_STEP_G)
            total = per_day * days
            ivig = (f"**{total:g} g** ({params['ivig_g_per_kg']:g} g/kg on {basis}), given as {per_day:g} g "
                    f"daily for {days} days.")
            treat.append(Action("create", f"IVIG {per_day:g} g IV daily x{days} ({total:g} g)",
                                resource=orders.medication_request(
                                    patient, orders.concept(sets, "ivig", "immune globulin, intravenous"), per_day,
                                    "g", route="iv", duration_days=days, count=days,
                                    text=f"Immune globulin IV {per_day:g} g once daily for {days} days (total "
                                         f"{total:g} g, about {params['ivig_g_per_kg']:g} g/kg); infuse slowly, "
                                         "hydrate", note=renal_care and f"Kidneys at risk: {renal_care}")))
            facts["ivig_total_g"] = total
        else:
            ivig = (f"{params['ivig_g_per_kg']:g} g/kg per cycle over 2-5 days — **the dose could not be computed**: "
                    f"{basis}. Record a height (or BMI) and order by weight.")
        facts["ivig_basis"] = basis
    else:
        ivig = ("2 g/kg per cycle over 2-5 days — **no current body weight, so the dose could not be computed**. "
                "Weigh the patient before ordering.")
    if renal_care:
        ivig += f" **Kidneys at risk:** {renal_care}"
    # anti-SRP positive is SRP or DUAL whatever anti-HMGCR shows, resulted or not
    # the rituximab line, and what it waits for (anti-SRP only): the HBV screen, and a positive marker's follow-up
    srp, hbv_screen, hbv_follow_up = "", list[Action](), list[Action]()
    if antibodies.serology(record).srp == "positive":
        gaps = hepatitis.screen_gaps(record, context)
        facts["hbv_screen_missing"] = "; ".join(gap.found for gap in gaps) or None
        passive = hepatitis.passive_anti_hbc(record, context)
        facts.update(hepatitis.follow_up_facts(record, context), anti_hbc_after_ivig=passive)
        hbv_screen = [gap.test.action(context, priority="urgent", note=HBV_SCREEN_NOTE)
                      for gap in gaps if not gap.awaited]
        hbv_follow_up = _hbv_follow_up(record, context)
        srp = " **Anti-SRP positive: give rituximab early**" + _after_hbv_screen(record, context, gaps, passive,
                                                                                 bool(hbv_follow_up))
    detail = DETAIL.format(window=int(params["window_days"]), features="\n".join(f"- {f}" for f in features),
                           mp_days=int(params["iv_mp_recent_days"]), ivig_days=int(params["ivig_recent_days"]),
                           pulse=pulse, ivig=ivig, methotrexate=_methotrexate_line(kidneys), srp=srp)
    if unread_nsti := cohorts.nsti_unread(record, context):  # the NSTI gate holds back every other IMNM card
        detail += (f"\n\n**A necrotizing soft-tissue infection is not ruled out:** {unread_nsti}. Read or repeat these "
                   "results before IV pulses (R01).")
        facts["nsti_not_ruled_out"] = unread_nsti

    def request(text: str, priority: str = "stat", concept: dict | None = None) -> dict:
        return orders.service_request(patient, concept or orders.text_concept(text), priority=priority,
                                      note=None if concept is None else text)

    swallow = "Speech-language pathology swallow evaluation; nil by mouth or modified diet until assessed"
    airway = [
        Action("create", "SLP swallow evaluation; NPO or modified diet until assessed",
               resource=request(swallow, concept=orders.referral_concept(
                   sets, "308452008", text=swallow))),
        Action("create", "FVC and NIF every 8-12 hours",
               resource=request("Bedside FVC and NIF every 8-12 hours; call if FVC < 20 mL/kg or NIF weaker than "
                                "-30 cmH2O", priority="urgent")),
    ]
    # as every card orders them, at the priorities R20 and R04 say this card orders them at
    heart = [ORDERS[name].action(context, priority=priority) for name, priority in SEVERE_WORKUP.items()]
    consults = [
        Action("create", "ICU / neuromuscular consult", resource=request(
            "ICU and neuromuscular consults: severe IMNM (admit)")),
        Action("create", "VTE prophylaxis", resource=request("VTE prophylaxis per hospital protocol",
                                                             priority="urgent")),
    ]
    return Fired(
        severity="critical",
        summary=f"Severe IMNM ({_short(features)}): admit, IV methylprednisolone pulse and IVIG now",
        detail=detail,
        facts=facts,
        suggestions=[
            *([Suggestion("; ".join(a.description for a in treat), treat, is_recommended=True)] if treat else []),
            Suggestion("Protect the airway and swallow: SLP evaluation, FVC/NIF every 8-12 h", airway,
                       is_recommended=True),
            Suggestion("Cardiac work-up: ECG, troponin I, NT-proBNP, echo", heart, is_recommended=True),
            Suggestion("ICU / neuromuscular consult and VTE prophylaxis", consults, is_recommended=True),
            *([Suggestion(f"HBV screen before rituximab: {', '.join(a.description for a in hbv_screen)}; draw "
                          "before IVIG", hbv_screen, is_recommended=True)] if hbv_screen else []),
            *([Suggestion(f"HBV follow-up before rituximab: {', '.join(a.description for a in hbv_follow_up)}",
                          hbv_follow_up, is_recommended=True)] if hbv_follow_up else []),
        ],
    )


def _hbv_follow_up(record: PatientRecord, context: HookContext) -> list[Action]:
    """The HBV DNA a positive marker asks for before rituximab given from today, as R26 will order it when rituximab is
    signed: none with no marker, a recent HBV DNA on file, or an antiviral covering from today. The hepatology
    referral and the antiviral are left to the card's words: R16, beside it for anti-SRP, offers its own referral,
    and an antiviral is dosed with hepatology (entecavir by the kidney function, which R19's patient may have lost)
    [sign-off]."""
    today = record.today
    if hepatitis.follow_up(record, context).dna or (
            not hepatitis.unmanaged(record, context, today)
            and hepatitis.monitoring_only(record, context, today) is None):
        return []
    return [lab_orders.HBV_DNA.action(context, priority="urgent", note=hepatitis.ANTI_CD20_NOTE)]


def _after_hbv_screen(record: PatientRecord, context: HookContext, gaps: tuple[hepatitis.ScreenGap, ...],
                      passive: str | None, uncovered: bool) -> str:
    """When rituximab can follow, by hepatitis B as R26 will read it when rituximab is signed: the screen on file; a
    positive marker and what it asks for first (HBV DNA, hepatology and antiviral prophylaxis, unless an antiviral
    covers from today: ``uncovered``), with why an anti-HBc drawn after IVIG may be the IVIG's (``passive``,
    :func:`hepatitis.passive_anti_hbc`); what of the screen is missing, with the tests this card orders (drawn before
    IVIG, which can make them read positive) and those awaited. The urgent treatment does not wait for any of it: only
    rituximab does."""
    markers = hepatitis.hbv_markers(record)
    if not gaps and not markers:
        return " (after HBV screening, see R26)."
    said = []
    if markers:
        said.append(f"**hepatitis B marker positive: {'; '.join(marker.stated for marker in markers)}.** "
                    f"{hepatitis.before_anti_cd20(context, hepatitis.follow_up(record, context))}.")
        if passive:
            said.append(passive)
    if gaps:
        ordered = [gap.marker for gap in gaps if not gap.awaited]
        draw = (f" **Order {' and '.join(ordered)} now and draw {'them' if len(ordered) > 1 else 'it'} before the "
                f"first IVIG infusion**: {PASSIVE_TRANSFER}." if ordered else "")
        said.append(("The screen is incomplete too: " if markers else "")
                    + f"{'; '.join(gap.found for gap in gaps)}.{draw}")
    when = ("" if not (gaps or uncovered) else " once hepatitis B is covered" if markers
            else " once the HBV screen is back")
    wait = " The pulse and IVIG do not wait for the results." if gaps or uncovered else ""
    return f"{when} (see R26): {' '.join(said)}{wait}"


def _pulse_and_prednisone(context: HookContext, params: Mapping[str, float], child: bool, weight: Measure | None,
                          bulbar: bool, orals: OralsOnChart) -> tuple[str, list[Action]]:
    """The pulse and the oral glucocorticoid after it, for the card's text and as orders. Adults: a fixed 1 g
    pulse and prednisone 1 mg/kg (maximum 80 mg). Children: 30 mg/kg (maximum 1 g) and prednisolone 2 mg/kg
    (maximum 60 mg), rounded down so that R07 and R32 never flag the suggestion: the pulse order is R07's own
    (``child_pulse``), the prednisolone rounded as R32 rounds its own (2.5 mg steps only within a tenth of the
    dose); no weight, no child's dose. The oral order replaces the prednis(ol)one on the chart (discontinued in the
    same suggestion), or none is suggested where the chart's already gives its dose (:class:`OralsOnChart`);
    with the swallow at risk (``bulbar``) it is given once swallowing is safe, not simply by mouth."""
    sets, patient = context.valuesets, context.patient_id
    cap = params["pulse_mg"]
    oral = oral_after_pulse(child)
    # the swallow at risk (dysphagia or aspiration): the card advises nil by mouth until assessed
    route = routes.ONCE_SWALLOWING_IS_SAFE_OR_IV if bulbar else "by mouth"
    oral_dose: RoundedDose | None
    if child:
        per_kg, oral_per_kg, oral_cap = (params["paediatric_pulse_mg_per_kg"],
                                         params["paediatric_prednisolone_mg_per_kg"],
                                         params["paediatric_prednisolone_max_mg"])
        regimen = (f"{per_kg:g} mg/kg daily (maximum {cap:,.0f} mg) for 3 days, then {oral} {oral_per_kg:g} "
                   f"mg/kg/day (maximum {oral_cap:g} mg).")
        if weight is None:
            days = int(context.definition("weight_max_age_days_paediatric"))
            return (f"{regimen} **No body weight from the last {days} days: the child's doses could not be "
                    "computed.** Weigh the child." + orals.said(oral, route, ordered=False), [])
        pulse = child_pulse(context, per_kg, cap, weight)
        pulse_mg, pulse_request, pulse_how = pulse.dose.mg, pulse.resource, f" ({pulse.dose.how})"
        oral_dose = rounded_dose(oral_per_kg * weight.value, HALF_TABLET_STEP_MG, oral_cap, round_down=True,
                                 finer_steps=CHILD_FINER_STEPS_MG)
    else:
        oral_per_kg, oral_cap = params["prednisone_mg_per_kg"], params["prednisone_max_mg"]
        regimen = f"{cap:,.0f} mg daily for 3 days, then {oral} {oral_per_kg:g} mg/kg/day (maximum {oral_cap:g} mg)."
        pulse_mg, pulse_how = cap, ""
        pulse_request = pulse_order(context, cap, oral)
        oral_dose = (None if weight is None
                     else rounded_dose(oral_per_kg * weight.value, TABLET_STEP_MG, oral_cap))
    actions = [Action("create", f"Methylprednisolone {mg(pulse_mg)} IV daily x3", resource=pulse_request)]
    if oral_dose is None or weight is None:
        return (f"{regimen} **No body weight from the last {int(context.definition('weight_max_age_days'))} days: "
                f"the {oral} dose could not be computed.** Weigh the patient."
                + orals.said(oral, route, ordered=False), actions)
    oral_mg = oral_dose.mg
    dose_text = (f"{regimen} For {weight.describe('kg')}: **{mg(pulse_mg)} IV daily**{pulse_how}, then {oral} "
                 f"**{oral_mg:g} mg daily** ({oral_dose.how})" + (f", {route}." if bulbar else "."))
    if kept := orals.kept_at(oral, oral_mg):
        return dose_text + orals.said(oral, route, ordered=True, kept=kept), actions
    product = oral_steroid_product(oral, oral_mg)
    # the pulses run from signing for PULSE_DAYS: the oral starts the day after the last (structured, as R31's), so
    # that an EHR signing both never gives the two together
    starts = context.today + timedelta(days=PULSE_DAYS)
    oral_text = (f"{oral.capitalize()} {oral_mg:g} mg ({product.amount}) once daily {route}, starting the day after "
                 f"the last methylprednisolone pulse ({starts})")
    oral_order = orders.medication_request(
        patient, orders.product_concept(sets, product), oral_mg, "mg", text=oral_text, starts=starts)
    actions.append(Action("create", f"{oral.capitalize()} {oral_mg:g} mg "
                                    f"{'daily, once swallowing is safe,' if bulbar else 'PO daily'} after the pulses",
                          resource=oral_order))
    actions += orals.discontinue()  # the prednis(ol)one on the chart that the dose after the pulses replaces
    return dose_text + orals.said(oral, route, ordered=True), actions


def _short(features: list[str]) -> str:
    """The kinds of severity found, for the summary: 'bulbar, respiratory'."""
    kinds = [kind for f in features for prefix, kind in FEATURE_KINDS if f.startswith(prefix)]
    return ", ".join(dict.fromkeys(kinds))
