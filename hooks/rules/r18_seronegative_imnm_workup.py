"""R18: seronegative IMNM with no muscle biopsy on file; ENMC needs a biopsy, and mimics must be excluded."""

from __future__ import annotations

from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis, juvenile_onset
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ALLENBACH_2016, ALLENBACH_2020, ENMC_224

RULE = Rule(
    id="seronegative-imnm-workup",
    number=18,
    title="Seronegative IMNM: biopsy and mimic work-up",
    hooks=("patient-view",),
    severities=("info",),
    summary="IMNM with anti-HMGCR and anti-SRP both negative and no muscle biopsy on file.",
    sources=(ENMC_224, ALLENBACH_2016, ALLENBACH_2020),
    parameters={
        "tsh_recent_days": Param(180, "days", "A TSH this recent is not suggested again."),
    },
    needs=("patient", "conditions", "observations", "medications", "procedures"),
)

DETAIL = """\
**Antibody-negative IMNM needs a muscle biopsy.** {antibodies}; no muscle biopsy is on file. ENMC requires a
biopsy to diagnose seronegative IMNM: ask for MHC-I, C5b-9 (MAC) and p62 staining.

Exclude mimics: genetic myopathies and muscular dystrophies (a neuromuscular gene panel if the course is chronic
or there is a family history), hypothyroidism ({tsh}), and toxic or drug-induced myopathy.

ENMC gave **no** subtype-specific escalation for seronegative IMNM: escalate by severity. {cancer}"""


def _cancer_screening(record: PatientRecord, context: HookContext) -> str:
    """Cancer screening (R30) only for adult-onset disease, by the gate R30 applies (``juvenile_onset.adult_onset``):
    it is not routine in juvenile-onset IIM; without the dates to tell, the card says so."""
    adult = juvenile_onset.adult_onset(record, context, {})
    if isinstance(adult, juvenile_onset.AdultOnset):
        return "Cancer is most often\nassociated with this subtype, so make sure cancer screening is done (R30)."
    if isinstance(adult, Quiet):
        return f"Cancer screening (R30) does not apply: {adult.reason}."
    return f"Whether cancer screening is due cannot be told yet: R30 lacks {adult.missing}."


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, Any] = {"imnm": cohorts.is_imnm(record, context)}
    # neither antibody positive and one never resulted, or resulted as neither positive nor negative ('Equivocal'):
    # its result decides, said once the biopsy gate passes
    seronegative = antibodies.subtype_among(record, {"SERONEG"}, facts)
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    if isinstance(seronegative, Quiet):
        return seronegative
    biopsy = diagnosis.last_done(record, "muscle_biopsy")
    facts["muscle_biopsy"] = str(biopsy) if biopsy else None
    if biopsy is not None:
        return Quiet(f"muscle biopsy on file: {biopsy}", facts)
    if isinstance(seronegative, NotEvaluable):
        return seronegative
    results = []
    for group, name in antibodies.ANTIBODIES.items():
        observation, _ = antibodies.results(record, group)[-1]
        results.append(f"{name} negative ({observation.when.isoformat() if observation.when else 'undated'})")
    tsh = diagnosis.last_done(record, "tsh", within_days=int(params["tsh_recent_days"]))
    facts.update(antibodies="; ".join(results), recent_tsh=str(tsh) if tsh else None)
    patient = context.patient_id
    biopsy_request = orders.service_request(patient, orders.text_concept(
        "Muscle biopsy (referral): MHC-I, C5b-9 (MAC) and p62 staining; question seronegative IMNM"))
    suggestions = [Suggestion("Muscle biopsy (MHC-I, C5b-9, p62)",
                              [Action("create", "Muscle biopsy referral", resource=biopsy_request)],
                              is_recommended=True)]
    if tsh is None:
        suggestions.append(Suggestion("TSH", [Action("create", "TSH", resource=orders.service_request(
            patient, orders.lab_concept(context.valuesets, "tsh", "3016-3")))]))
    suggestions.append(Suggestion("Neuromuscular genetic panel (chronic course or family history)", [
        Action("create", "Neuromuscular gene panel", resource=orders.service_request(patient, orders.text_concept(
            "Neuromuscular genetic panel (limb-girdle muscular dystrophies and other myopathies)")))]))
    return Fired(
        severity="info",
        summary="Seronegative IMNM with no muscle biopsy on file: biopsy and exclude mimics",
        detail=DETAIL.format(antibodies=facts["antibodies"][0].upper() + facts["antibodies"][1:],
                             tsh=f"TSH on file: {tsh}" if tsh else "TSH", cancer=_cancer_screening(record, context)),
        facts=facts,
        suggestions=suggestions,
    )
