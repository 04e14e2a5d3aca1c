"""R17: IMNM still active after IVIG (>= 3 cycles over >= 90 d) and/or rituximab (>= 120 d ago): next line."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, NamedTuple

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis, escalation, steroids
from hooks.definitions import treatment_duration as td
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ENMC_224, PINAL_FERNANDEZ_2018, SEED_000, SEED_001, SEED_003

RULE = Rule(
    id="imnm-refractory-next-line",
    number=17,
    title="Refractory IMNM: next line of therapy",
    hooks=("patient-view",),
    needs=("patient", "conditions", "observations", "medications", "immunizations"),
    severities=("info",),
    also_reads=("procedures",),
    summary="IMNM with an inadequate CK response despite IVIG for 90 days (3 cycles) and/or rituximab given 120 "
            "days or more ago.",
    sources=(ENMC_224, PINAL_FERNANDEZ_2018, SEED_000, SEED_001, SEED_003),
    parameters={
        "min_ivig_days": Param(90, "days", "Days since the first IVIG cycle of the current course before IVIG "
                                           "counts as tried."),
        "min_ivig_cycles": Param(3, "cycles", "IVIG cycles of the current course given before IVIG counts as tried."),
        "ivig_recent_days": Param(60, "days", "IVIG given this recently is still in use, as is a course whose next "
                                              "cycle is not yet overdue (an earlier stop is R15's case)."),
        "min_rituximab_days": Param(120, "days", "Days since the first rituximab dose before it counts as tried."),
        "ck_max_age_days": Param(30, "days", "The latest CK must be this recent (else not evaluable, and R22 asks "
                                           "for a CK)."),
        "mri_recent_days": Param(180, "days", "A thigh MRI this recent is not suggested again."),
    },
)

DETAIL = """\
**Refractory IMNM.** {tried}. CK has not responded: {why}. Confirm with a strength examination (MMT-8).

**Next step ({subtype_words}):** {next_step}
{then}

Before escalating, reconsider the diagnosis (a limb-girdle muscular dystrophy can mimic IMNM; review the biopsy
and consider genetic testing) and separate activity from damage: MRI of the thighs with STIR (oedema = active
disease) and T1/fat-fraction sequences (fatty replacement = damage that immunosuppression will not reverse).
{mri}"""

TACROLIMUS_MONITORING = ("If tacrolimus is used: trough level at 1-2 weeks (target 5-10 ng/mL), then with each dose "
                         "change; BMP, magnesium and glucose; blood pressure.")


def _ivig_arm(record: PatientRecord, context: HookContext, params: Mapping[str, float]) -> tuple[bool, str | None]:
    # ">= 3 cycles over >= 90 days" is the current course's (R15: reassess after 3 cycles): the cycles of an earlier
    # course (IVIG stopped, restarted later) do not count toward this one. The break that ends a course is longer
    # than any maintenance interval, so spaced-out IVIG stays one course
    course = td.ivig_course(record, context)
    cycles, earlier, last = course.cycles, course.earlier, course.last
    if not cycles or last is None:
        return False, None
    since = (record.today - cycles[0]).days
    text = (f"IVIG: {len(cycles)} cycle(s) since {cycles[0].isoformat()} ({since} days), last "
            f"{'ongoing (active order)' if last == record.today else last.isoformat()}")
    if last != record.today and course.next_due is not None:
        text += f", next cycle due {course.next_due.isoformat()} (every {course.interval} days)"
    if earlier:
        text += (f" (not counted: {len(earlier)} earlier cycle(s), {earlier[0].isoformat()} to "
                 f"{earlier[-1].isoformat()}, before a break of more than "
                 f"{context.definition('ivig_course_break_days'):g} days)")
    tried = (len(cycles) >= params["min_ivig_cycles"] and since >= params["min_ivig_days"]
             and td.ivig_in_use(record, context, params["ivig_recent_days"]) is not None)
    return tried, text


def _rituximab_arm(record: PatientRecord, context: HookContext, params: Mapping[str, float]
                   ) -> tuple[bool, str | None]:
    # rituximab counts as tried while it is still in use (its last dose within the anti_cd20_in_use_days
    # definition): an older course has worn off, and re-treating it is R16's case, by the same definition. The last
    # dose is R16's (an order with an end date and no start counts by it); a first dose needs a start date. Tried
    # since the first dose of the courses given without a break that long: a re-dose while the last still acts
    # goes on the same treatment (1 g x2, then 1 g ten months later, has been tried for over a year)
    given = td.rituximab_given(record)
    if given.last is None:
        return False, None
    in_use_days = int(context.definition("anti_cd20_in_use_days"))
    # (first dose, last dose) of the courses given without a worn-off break
    treatments = td.merge([(start, last_dose) for start, last_dose, _ in given.courses], in_use_days - 1)
    recent = record.today - timedelta(days=in_use_days)
    first = treatments[-1][0] if treatments and treatments[-1][1] >= recent else None
    began = f"first dose {given.courses[0][0].isoformat()}" if given.courses else "no first dose date on file"
    text = f"rituximab: {began}, last dose {given.last.isoformat()}"
    tried = first is not None and (record.today - first).days >= params["min_rituximab_days"]
    return tried, text


def _next_step(subtype: str, on_ivig: bool, on_rituximab: bool) -> tuple[str, str]:
    """(what to add next, the text of the step after it)."""
    later = ("Then, if still refractory, consider **tacrolimus** (trough 5-10 ng/mL) or **cyclophosphamide**, "
             "and refer to a myositis centre.")
    if on_ivig and on_rituximab:
        return ("IVIG and rituximab have both been tried: consider **tacrolimus** (trough 5-10 ng/mL) or "
                "**cyclophosphamide**, with a myositis centre.", "")
    if on_ivig:
        why = {"HMGCR": "the ENMC next step for anti-HMGCR myopathy on IVIG",
               "SRP": "anti-SRP myopathy responds best to regimens that include rituximab",
               "DUAL": "anti-SRP is positive too"}.get(subtype, "the other second-line agent")
        return f"**add rituximab** ({why}).", later
    why = {"SRP": "the next step for anti-SRP myopathy on rituximab",
           "HMGCR": "anti-HMGCR myopathy responds particularly well to IVIG",
           "DUAL": "anti-HMGCR is positive too"}.get(subtype, "the other second-line agent")
    return f"**add IVIG** ({why}).", later


SUBTYPE_WORDS = {
    "HMGCR": "anti-HMGCR", "SRP": "anti-SRP", "DUAL": "anti-HMGCR and anti-SRP positive",
    "SERONEG": "seronegative; ENMC gives no subtype-specific advice: escalate by severity",
    "UNKNOWN": "antibodies not fully resulted; order anti-HMGCR and anti-SRP (R03)",
}


class Tried(NamedTuple):
    """The second-line agents tried long enough (at least one is), with what the chart says of each."""

    ivig: bool
    ivig_text: str | None
    rituximab: bool
    rituximab_text: str | None


def before_ck(record: PatientRecord, context: HookContext, facts: dict[str, Any]) -> Tried | Quiet:
    """Every gate of R17 before its CK check: IMNM, with IVIG and/or rituximab tried long enough. R22 asks for a
    CK when these pass and only the CK's age keeps R17 from judging the response."""
    params = dict(context.params(RULE))
    facts["imnm"] = cohorts.is_imnm(record, context)
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    on_ivig, ivig_text = _ivig_arm(record, context, params)
    on_rituximab, rituximab_text = _rituximab_arm(record, context, params)
    facts.update(ivig=ivig_text, ivig_tried=on_ivig, rituximab=rituximab_text, rituximab_tried=on_rituximab)
    if not (on_ivig or on_rituximab):
        return Quiet(f"neither IVIG (>= {params['min_ivig_cycles']:g} cycles over >= {params['min_ivig_days']:g} "
                     "days in the current course, still in use) nor rituximab (first dose >= "
                     f"{params['min_rituximab_days']:g} days ago, last within "
                     f"{context.definition('anti_cd20_in_use_days'):g} days) on file", facts)
    return Tried(on_ivig, ivig_text, on_rituximab, rituximab_text)


CK_ROW = escalation.CkRow(RULE, "on the next line of therapy for refractory IMNM", before_ck)


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = dict(context.params(RULE))
    facts: dict[str, Any] = {}
    found = before_ck(record, context, facts)
    if isinstance(found, Quiet):
        return found
    on_ivig, ivig_text, on_rituximab, rituximab_text = found
    points = escalation.recent_ck(record, context, params["ck_max_age_days"], facts)
    if isinstance(points, NotEvaluable):
        return points
    latest = points[-1]
    ttx = steroids.read_treatment_start(record, context)
    start, unknown = ttx.found, ttx.unknown
    t_tx = start[0] if start and not unknown else None  # an uncertain T_tx anchors no peak CK
    facts.update(t_tx=t_tx, t_tx_unknown=unknown)
    # a pulse planned from a later day is T_tx to come: the peak before it is judged once it has begun
    not_begun = f"T_tx not reached, {ttx.to_come[1]} is planned" if ttx.to_come else None
    why = escalation.inadequate_response(points, t_tx, facts, no_t_tx=unknown or not_begun)
    if not isinstance(why, str):
        return why

    subtype = antibodies.subtype(record)
    facts["subtype"] = subtype
    step, then = _next_step(subtype, on_ivig, on_rituximab)
    tacrolimus_active = record.medications_in("tacrolimus", current_only=True)
    mri = diagnosis.last_done(record, "mri_thigh", within_days=int(params["mri_recent_days"]))
    facts.update(next_step=step, thigh_mri_recent=str(mri) if mri else None,
                 tacrolimus_active=", ".join(o.label for o in tacrolimus_active) or None)
    patient = context.patient_id
    referral = orders.service_request(patient, orders.text_concept(
        "Referral to a myositis centre: refractory IMNM (next-line therapy, diagnosis review)"))
    suggestions = [Suggestion("Refer to a myositis centre", [Action("create", "Myositis-centre referral",
                                                                    resource=referral)], is_recommended=True)]
    if mri is None:
        study = orders.service_request(patient, orders.procedure_concept(
            context.valuesets, "mri_thigh", "26235-2", text="MRI both thighs: STIR and T1/fat-fraction sequences"))
        suggestions.append(Suggestion("MRI thighs (STIR + fat fraction)",
                                      [Action("create", "MRI both thighs, STIR and fat fraction", resource=study)]))
    if (on_ivig and on_rituximab) or tacrolimus_active:
        suggestions.append(Suggestion("Tacrolimus monitoring (trough at 1-2 weeks, BMP, Mg, glucose, BP)", [
            Action("create", "Tacrolimus trough level in 1-2 weeks", resource=orders.service_request(
                patient, orders.lab_concept(
                    context.valuesets, "tacrolimus_level", "11253-2",
                    text="Tacrolimus trough level 1-2 weeks after start (target 5-10 ng/mL)"))),
            Action("create", "Basic metabolic panel", resource=orders.service_request(
                patient, orders.lab_concept(context.valuesets, "bmp", "51990-0",
                                            "Basic metabolic panel (tacrolimus monitoring)"))),
            Action("create", "Magnesium", resource=orders.service_request(
                patient, orders.lab_concept(context.valuesets, "magnesium", "19123-9",
                                            text="Serum magnesium (tacrolimus monitoring)"))),
            Action("create", "Glucose", resource=orders.service_request(
                patient, orders.lab_concept(context.valuesets, "glucose_fasting", "1558-6",
                                            text="Fasting glucose (tacrolimus monitoring)"))),
            Action("create", "Blood pressure check", resource=orders.service_request(
                patient, orders.procedure_concept(context.valuesets, "blood_pressure", "85354-9",
                                                  text="Blood pressure check at each visit on tacrolimus")))]))
    tried = "; ".join(filter(None, (ivig_text if on_ivig else None, rituximab_text if on_rituximab else None)))
    tacrolimus_line = ("\n" + TACROLIMUS_MONITORING) if (on_ivig and on_rituximab) or tacrolimus_active else ""
    agent = "IVIG and rituximab" if on_ivig and on_rituximab else "IVIG" if on_ivig else "rituximab"
    return Fired(
        severity="info",
        summary=f"Refractory IMNM: CK {latest.reading} despite {agent}; consider the next line and a "
                "myositis centre",
        detail=DETAIL.format(
            tried=tried[0].upper() + tried[1:], why=why, subtype_words=SUBTYPE_WORDS.get(subtype, subtype),
            next_step=step, then=(then + tacrolimus_line) if then else tacrolimus_line.lstrip("\n"),
            mri=f"Recent thigh MRI on file: {mri}." if mri else ""),
        facts=facts,
        suggestions=suggestions,
    )
