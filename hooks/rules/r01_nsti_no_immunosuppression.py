"""R01: no immunosuppression in an infectious necrotizing soft-tissue infection (NSTI); treat it as the
surgical emergency it is. Seed 004 blends infectious necrotizing myositis with IMNM; this rule keeps them apart."""

from __future__ import annotations

from itertools import product
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import cohorts, diagnosis, steroids, weight
from hooks.definitions.courses import given_today
from hooks.definitions.dose_basis import mg, named_with_dose
from hooks.dosing import PEQ_FACTORS, rounded_dose
from hooks.record import RXNORM, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import IDSA_2014_SSTI, SEED_004, WSES_2014

RULE = Rule(
    id="nsti-no-immunosuppression",
    number=1,
    title="No immunosuppression in necrotizing soft-tissue infection",
    hooks=("patient-view", "order-sign"),
    severities=("critical",),
    summary="Immunosuppression (GC >=20 mg PEQ/day, IV methylprednisolone, MTX, AZA, MMF, rituximab, tacrolimus, "
            "cyclosporine, cyclophosphamide) ordered or active during a necrotizing soft-tissue infection.",
    sources=(IDSA_2014_SSTI, WSES_2014, SEED_004),
    # a muscle biopsy with an IMNM diagnosis confirms IMNM; without procedures the card still shows, and says so
    also_reads=("procedures",),
    parameters={
        "min_peq_mg": Param(20, "mg/day", "A systemic glucocorticoid at or above this prednisone equivalent counts "
                                          "(IV methylprednisolone counts at any dose)."),
        "vancomycin_load_mg_per_kg": Param(25, "mg/kg", "Vancomycin IV loading dose per kg of dosing weight "
                                                        "(table range 25-30 mg/kg)."),
        "vancomycin_load_max_mg": Param(3000, "mg", "Practical cap on the vancomycin loading dose."),
    },
    override_family="safety",
)

AGENTS = ("methotrexate", "azathioprine", "mycophenolate", "rituximab", "tacrolimus", "cyclosporine",
          "cyclophosphamide")
VANCOMYCIN_STEP_MG = 250  # vials: round the loading dose to 250 mg
# Whole vials only where half a vial is at most a tenth of the load (5 vials, 1,250 mg: 50 kg at 25 mg/kg). A small
# child's load in whole vials was up to a third off its mg/kg dose (500 mg at 15 kg is 33 mg/kg; 250 mg at 14.9 kg
# is 17): below this the load is given to 0.1 mg.
VANCOMYCIN_WHOLE_VIALS_FROM = 5
# The RxNorm ingredient each suggested antibiotic is ordered as (value set nsti_antibiotic, local.csv).
ANTIBIOTIC_RXNORM = {"Vancomycin": "11124", "Clindamycin": "2582", "Meropenem": "29561",
                     "Piperacillin-tazobactam": "74169"}

DETAIL = """\
**Do not give immunosuppression: this patient has an infectious necrotizing soft-tissue infection (NSTI).**
Found: {nsti}.
{verb} immunosuppression: {drugs}.

An NSTI is a surgical emergency, and immunosuppression lets the infection spread. {action} and instead:

- **STAT surgical consult** for exploration and debridement.
- **Blood cultures ×2 and a lactate** now, before antibiotics if that causes no delay.
- **Empirical antibiotics**: {vancomycin} {antibiotics}
- IVIG only as an adjunct for streptococcal toxic shock when infectious diseases advise it, never as myositis
  therapy.
{steroid_note}
If "necrotizing myositis" on the problem list was meant as immune-mediated necrotizing myopathy (IMNM), correct
the problem list: IMNM and necrotizing fasciitis or infective myositis are different diseases."""

STEROID_NOTE = """
A patient already on long-term glucocorticoids must not stop them abruptly (adrenal crisis): give stress-dose
hydrocortisone as the critical-care team directs, not an immunosuppressive dose.
"""


def _flagged(record: PatientRecord, context: HookContext, weight_kg: float | None,
             day: diagnosis.GlucocorticoidDay) -> list[diagnosis.Flagged]:
    """The drafts (order-sign) or active orders (patient-view) that immunosuppress: a glucocorticoid by the day's
    total with the others given with it (``day``), adrenal cover (stress-dose hydrocortisone, which the card itself
    advises) never."""
    candidates: list[MedicationOrder] = (
        context.draft_orders if context.hook == "order-sign"
        else record.medications_in("glucocorticoid_systemic", *AGENTS, current_only=True))
    return diagnosis.immunosuppressive_orders(
        candidates, AGENTS, min_peq_mg=float(context.params(RULE)["min_peq_mg"]), weight_kg=weight_kg,
        any_iv_methylprednisolone=True, unreadable_steroid_counts=True, on_a_dose_day=True, day=day)


def _antibiotic(context: HookContext, name: str) -> dict[str, Any]:
    return orders.procedure_concept(context.valuesets, "nsti_antibiotic", ANTIBIOTIC_RXNORM[name], system=RXNORM,
                                    text=name)


def _vancomycin(record: PatientRecord, context: HookContext) -> tuple[str, dict[str, Any], float | None]:
    """Card wording, the suggested order and the computed loading dose (None without a current weight)."""
    params = context.params(RULE)
    per_kg, cap = float(params["vancomycin_load_mg_per_kg"]), float(params["vancomycin_load_max_mg"])
    dosing = weight.dosing_weight(record, context)
    if dosing is None:
        why = "no current body weight" + weight.why_not_current(record, context, "weight", "kg")
        text = (f"Vancomycin {per_kg:g} mg/kg IV loading dose (range 25-30 mg/kg), then pharmacy dosing. "
                f"Dose not computed: {why}; weigh the patient.")
        wording = (f"vancomycin {per_kg:g} mg/kg IV loading dose then pharmacy dosing (**dose not computed**: {why}; "
                   "weigh the patient)")
        # The dose stays in the text: a weight-based dose is never computed from a missing or stale weight.
        return wording, orders.medication_request(context.patient_id, _antibiotic(context, "Vancomycin"), None,
                                                  None, text=text, route="iv", count=1), None
    dose = rounded_dose(per_kg * dosing.value, VANCOMYCIN_STEP_MG, cap, min_steps=VANCOMYCIN_WHOLE_VIALS_FROM)
    basis = f"{per_kg:g} mg/kg x {dosing.value:g} kg weighed {dosing.day.isoformat()}, {dose.how}"
    text = f"Vancomycin {mg(dose.mg)} IV once as a loading dose ({basis}), then pharmacy dosing"
    order = orders.medication_request(context.patient_id, _antibiotic(context, "Vancomycin"), dose.mg, "mg",
                                      text=text, route="iv", count=1)
    wording = f"vancomycin **{mg(dose.mg)} IV** loading dose ({basis}) then pharmacy dosing"
    return wording, order, dose.mg


def _workup(context: HookContext) -> list[tuple[str, dict[str, Any]]]:
    pid, sets = context.patient_id, context.valuesets
    return [
        ("STAT surgical consult", orders.service_request(pid, orders.referral_concept(
            sets, "183541002",
            text="Surgical consultation for exploration and debridement of a necrotizing soft-tissue infection"),
            priority="stat")),
        ("Blood cultures x2", orders.service_request(pid, orders.lab_concept(
            sets, "culture", "600-7", text="Blood cultures x2 (two sets from separate sites)"), priority="stat")),
        ("Lactate", orders.service_request(pid, orders.lab_concept(sets, "lactate", "2524-7", text="Lactate"),
                                           priority="stat")),
    ]


# Adult doses (IDSA): (dose, unit, hours between doses, why). Children get the drug with the dose left to
# weight-based paediatric dosing: these fixed doses are two to three times a child's.
ADULT_ANTIBIOTICS: dict[str, tuple[float, str, int, str]] = {
    "Piperacillin-tazobactam": (4.5, "g", 6, "adjust for renal function"),
    "Meropenem": (1, "g", 8, "adjust for renal function"),
    "Clindamycin": (900, "mg", 8, "anti-toxin"),
}
ADULT_TEXT = ("(or linezolid 600 mg IV every 12 h) **plus** piperacillin-tazobactam 4.5 g IV every 6-8 h (or meropenem "
              "1 g IV every 8 h) **plus** clindamycin 900 mg IV every 8 h (anti-toxin). Adjust for renal function.")
CHILD_TEXT = ("**plus** piperacillin-tazobactam (or meropenem) **plus** clindamycin (anti-toxin), each dosed by weight "
              "for a child (paediatric pharmacy): the adult doses are not for children.")


def _antibiotics(context: HookContext, beta_lactam: str, child: bool) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name in (beta_lactam, "Clindamycin"):
        dose, unit, hours, why = ADULT_ANTIBIOTICS[name]
        if child:
            label, amount, text = (f"{name} IV q{hours}h (paediatric dose by weight)", None,
                                   f"{name} IV every {hours} hours: paediatric dose by weight, per pharmacy ({why})")
        else:
            label, amount, text = (f"{name} {dose:g} {unit} IV q{hours}h", dose,
                                   f"{name} {dose:g} {unit} IV every {hours} hours ({why})")
        out.append((label, orders.medication_request(
            context.patient_id, _antibiotic(context, name), amount, unit if amount is not None else None,
            route="iv", period=hours, period_unit="h", text=text)))
    return out


def _drug(flagged: diagnosis.Flagged) -> str:
    """The drug in a word ('prednisone', 'methotrexate'), else the order's label."""
    medication = flagged.order.medication
    return next((drug for group in ("glucocorticoid_systemic", *AGENTS) if (drug := medication.concept_in(group))),
                flagged.order.label)


def _given_today(record: PatientRecord, context: HookContext, tapered: list[diagnosis.Flagged],
                 drugs: list[str]) -> list[str]:
    """Each glucocorticoid with the dose given today, summed over its orders: a taper at today's step, not its highest
    (the PEQ the order is flagged at), and a second order of the drug below the threshold added in. 'prednisone
    45 mg/day' (not the product label's tablet strength), 'dexamethasone (PEQ 40 mg/day)'; the drug alone where an
    order of it given today cannot be read, none is given today, or an order the card flags is not on today's
    timeline (no start date to place it: its dose is not in the sum, so a sum would say less than may be taken)."""
    history, today = steroids.history(record, context), record.today

    def drug_of(order: MedicationOrder) -> str | None:
        return order.medication.concept_in("glucocorticoid_systemic")

    unread = {drug_of(order) for order in history.unreadable if given_today(order, today)}
    unread |= {drug_of(f.order) for f in tapered
               if not any(order is f.order and first <= today <= last for order, _, first, last in history.courses)}
    named = []
    for drug in drugs:
        peq = round(history.peq_given_today(drug), 1)
        if drug in unread or peq <= 0 or drug not in PEQ_FACTORS:
            named.append(drug)
        else:
            named.append(f"{drug} {peq:g} mg/day" if PEQ_FACTORS[drug] == 1 else f"{drug} (PEQ {peq:g} mg/day)")
    return named


def _ways_to_stop(stopped: list[diagnosis.Flagged], verb: str, beside_a_taper: bool) -> list[str]:
    """Ways to say which orders to stop (or cancel), longest first: in full, by drug, the first drug (+ how many
    more), in general."""
    if not stopped:
        return [""]
    labels, drugs = [f.order.label for f in stopped], list(dict.fromkeys(map(_drug, stopped)))
    more = f" (+{len(drugs) - 1} more)" if len(drugs) > 1 else ""
    general = ("the other drug" + ("s" if len(drugs) > 1 else "") if beside_a_taper
               else "the immunosuppressive order" + ("s" if len(labels) > 1 else ""))
    return [f"{verb} {named}" for named in (", ".join(labels), ", ".join(drugs), drugs[0] + more, general)]


def _ways_to_taper(drugs: list[str], at_dose: list[str]) -> list[str]:
    """Ways to say which glucocorticoids to taper to stress cover, longest first: at today's dose, by drug, without
    'to stress cover' (the detail says it), in general."""
    if not drugs:
        return [""]
    general = "the glucocorticoid" + ("s" if len(drugs) > 1 else "")
    return [f"taper {named}" for named in (
        f"{' and '.join(at_dose)} to stress cover", f"{' and '.join(drugs)} to stress cover", " and ".join(at_dose),
        " and ".join(drugs), f"{general} to stress cover", general)]


def _summary(record: PatientRecord, context: HookContext, stopped: list[diagnosis.Flagged],
             tapered: list[diagnosis.Flagged], verb: str) -> str:
    """The orders to stop (or cancel) and, on patient-view, the active glucocorticoids to taper to stress cover, as the
    detail says (stopping them abruptly risks adrenal crisis), in the fullest wording that fits a summary: the least
    shortened of the two parts together, the orders to stop kept fuller on a tie. The last wording always fits."""
    head, tail = "NSTI is a surgical emergency: no immunosuppression. ", ". Surgery, cultures, antibiotics now"
    drugs = list(dict.fromkeys(map(_drug, tapered)))
    ways = product(enumerate(_ways_to_stop(stopped, verb, bool(tapered))),
                   enumerate(_ways_to_taper(drugs, _given_today(record, context, tapered, drugs))))
    summaries = []
    for (_, stop), (_, taper) in sorted(ways, key=lambda way: (way[0][0] + way[1][0], way[0][0])):
        said = "; ".join(filter(None, (stop, taper)))
        summaries.append(head + said[0].upper() + said[1:] + tail)
    return first_fitting(summaries)


def _what_is_done(stopped: list[diagnosis.Flagged], tapered: list[diagnosis.Flagged], verb: str) -> str:
    """What the suggestions do to the immunosuppression, for their labels: on patient-view an active glucocorticoid
    is kept (no delete action) and tapered to stress cover."""
    if not tapered:
        return f"{verb} immunosuppression"
    taper = "Taper the glucocorticoid" + ("s" if len({_drug(f) for f in tapered}) > 1 else "") + " to stress cover"
    return f"{taper}, {verb.lower()} the other immunosuppression" if stopped else taper


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    nsti = cohorts.nsti(record, context)
    dosing = weight.dosing_weight(record, context)
    day = diagnosis.glucocorticoid_day(record, context)
    flagged = _flagged(record, context, dosing.value if dosing else None, day)
    facts: dict[str, Any] = {
        "nsti": "; ".join(nsti) or None,
        "immunosuppression": "; ".join(str(f) for f in flagged) or None,
        "adrenal_cover": day.cover_named(),
        "dosing_weight": dosing.describe("kg") if dosing else None,
    }
    if not nsti:
        if confirmed := cohorts.nsti_ruled_out_by(record, context):
            facts["imnm_confirmed_by"] = confirmed
            return Quiet(f"IMNM is confirmed ({confirmed}): not read as an infection", facts)
        facts["unreadable"] = cohorts.nsti_unread(record, context)
        if facts["unreadable"] and flagged:  # an NSTI is not ruled out: said, not read as no infection
            return NotEvaluable(f"NSTI not ruled out: {facts['unreadable']}", facts)
        return Quiet("no necrotizing soft-tissue infection (NSTI) context", facts)
    if not flagged:
        where = "in the draft orders" if context.hook == "order-sign" else "active"
        return Quiet(f"NSTI present but no immunosuppressive order {where}", facts)
    order_sign = context.hook == "order-sign"
    child = cohorts.is_paediatric(record, context)
    vanc_wording, vanc_order, vanc_mg = _vancomycin(record, context)
    facts["vancomycin_load_mg"] = vanc_mg
    # On patient-view an active glucocorticoid is not removed outright: stopping it abruptly risks adrenal crisis.
    tapered = [] if order_sign else [f for f in flagged if f.order.in_group("glucocorticoid_systemic")]
    removable = [f for f in flagged if f not in tapered]
    verb = "Cancel" if order_sign else "Stop"
    remove = [Action("delete", f"{verb} {named_with_dose(f.order)}", resource_id=f.order.reference) for f in removable]
    workup = [Action("create", label, resource=resource) for label, resource in _workup(context)]
    vanc_label = f" {mg(vanc_mg)}" if vanc_mg is not None else " (dose not computed: no current weight)"
    vanc = Action("create", f"Vancomycin IV loading dose{vanc_label}", resource=vanc_order)
    done = _what_is_done(removable, tapered, verb)
    suggestions = [
        Suggestion(f"{done}; surgery, cultures, lactate, vancomycin + piperacillin-tazobactam + clindamycin",
                   [*remove, *workup, vanc, *(Action("create", label, resource=r)
                                             for label, r in _antibiotics(context, "Piperacillin-tazobactam", child))],
                   is_recommended=True),
        Suggestion(f"{done}; surgery, cultures, lactate, vancomycin + meropenem + clindamycin",
                   [*remove, *workup, vanc, *(Action("create", label, resource=r)
                                             for label, r in _antibiotics(context, "Meropenem", child))]),
    ]
    if remove:
        suggestions.append(Suggestion(f"{done} only (surgery and antibiotics already under way)", remove))
    has_steroid = any(f.order.in_group("glucocorticoid_systemic") for f in flagged)
    action = ("Cancel the immunosuppressive order" if order_sign else done if tapered
              else "Stop the immunosuppressive drug")
    detail = DETAIL.format(
        nsti="; ".join(nsti), verb="Ordered" if order_sign else "Active",
        drugs="; ".join(str(f) for f in flagged), action=action, vancomycin=vanc_wording,
        antibiotics=CHILD_TEXT if child else ADULT_TEXT, steroid_note=STEROID_NOTE if has_steroid else "")
    return Fired(
        severity="critical",
        summary=_summary(record, context, removable, tapered, verb),
        detail=detail,
        facts=facts,
        about=[f.order for f in flagged],
        suggestions=suggestions,
        selection="at-most-one",
    )
