"""R04: anti-HMGCR and anti-SRP both positive. The antibodies are usually mutually exclusive, so one result is
probably false; until that is settled, both subtypes' safety rules apply (statins, cancer, heart)."""

from __future__ import annotations

from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cardiac_screen, diagnosis
from hooks.record import SNOMED, Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import BETTERIDGE_2019, ENMC_224, KASSARDJIAN_2015

RULE = Rule(
    id="imnm-dual-antibody-positive",
    number=4,
    title="Anti-HMGCR and anti-SRP both positive",
    hooks=("patient-view",),
    severities=("warning",),
    also_reads=("procedures",),
    summary="Anti-HMGCR and anti-SRP both positive (any dates): confirm by a second method and apply both subtypes' "
            "rules meanwhile.",
    sources=(KASSARDJIAN_2015, BETTERIDGE_2019, ENMC_224),
    parameters={
        "cardiac_test_window_days": Param(365, "days", "An ECG or troponin I this recent counts as done (an "
                                                       "echocardiogram or cardiac MRI counts whenever done)."),
    },
)

EVER = "echocardiogram or cardiac MRI"  # counts whenever done
# each cardiac test of this card as R20 names it (an echocardiogram orders the imaging)
AS_CARDIAC_SCREEN = {"ECG": cardiac_screen.ECG, "troponin I": cardiac_screen.TROPONIN_I, EVER: cardiac_screen.ECHO}

DETAIL = """\
**Anti-HMGCR and anti-SRP are both positive:** anti-HMGCR {hmgcr}; anti-SRP {srp}.

Double positivity is rare (one of 63 patients in the Mayo cohort): the two antibodies are usually mutually
exclusive, and low-titre line blots often give false positives. Confirm with a second method or a reference
laboratory: repeat anti-SRP by another assay and measure anti-HMGCR by ELISA with a titre.

Until this is resolved, apply **both** sets of subtype rules: lifelong statin avoidance (R14), cancer screening
(R30), cardiac evaluation (R20), and early rituximab if the response is inadequate.

Cardiac work-up on file: {cardiac}.{elsewhere}"""


def _describe(observation: Observation) -> str:
    when = observation.when.isoformat() if observation.when else "undated"
    return f"positive on {when} ({observation.code.label})"


def _cardiac(record: PatientRecord, context: HookContext) -> dict[str, diagnosis.Done | None]:
    window = int(context.params(RULE)["cardiac_test_window_days"])
    return {
        "ECG": diagnosis.last_done(record, "ecg", within_days=window),
        "troponin I": diagnosis.last_done(record, "troponin_i", within_days=window),
        EVER: diagnosis.last_done(record, "echocardiogram", "cardiac_mri"),
    }


def _cardiac_orders(context: HookContext, missing: list[str]) -> list[Action]:
    pid, sets = context.patient_id, context.valuesets
    builders = {
        "ECG": ("12-lead ECG", lambda: orders.procedure_concept(sets, "ecg", "268400002", system=SNOMED,
                                                                text="12-lead ECG")),
        "troponin I": ("Troponin I", lambda: orders.lab_concept(sets, "troponin_i", "10839-9",
                                                                text="Troponin I (cardiac)")),
        EVER: ("Transthoracic echocardiogram", lambda: orders.procedure_concept(
            sets, "echocardiogram", "252418006", system=SNOMED, text="Transthoracic echocardiogram")),
    }
    return [Action("create", builders[m][0], resource=orders.service_request(pid, builders[m][1]()))
            for m in missing]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    hmgcr = antibodies.ever_positive(record, "anti_hmgcr")
    srp = antibodies.ever_positive(record, "anti_srp")
    cardiac = _cardiac(record, context)
    facts: dict[str, Any] = {
        "anti_hmgcr_positive": _describe(hmgcr) if hmgcr else None,
        "anti_srp_positive": _describe(srp) if srp else None,
        **{f"{name.replace(' ', '_')}_on_file": str(done) if done else None for name, done in cardiac.items()},
    }
    if hmgcr is None or srp is None:
        return Quiet("anti-HMGCR and anti-SRP are not both positive", facts)
    pid, sets = context.patient_id, context.valuesets
    confirm = [
        Action("create", "Repeat anti-SRP by a second method", resource=orders.service_request(pid, orders.lab_concept(
            sets, "anti_srp", "33921-8", text="Anti-SRP antibody, repeat by a second method (e.g. immunoprecipitation)"
                                              " or at a reference laboratory"))),
        Action("create", "Anti-HMGCR ELISA with titre", resource=orders.service_request(pid, orders.lab_concept(
            sets, "anti_hmgcr", "93493-5", text="Anti-HMGCR antibody by ELISA, with titre"))),
    ]
    suggestions = [Suggestion("Confirm: repeat anti-SRP by a second method and anti-HMGCR ELISA with titre", confirm,
                              is_recommended=True)]
    # a test another card of this response orders (R20's screen, or R19's work-up) is named with that card; this
    # card's own stay, unselected, in case that card is held back after the rules run (snoozed)
    offered = cardiac_screen.tests_offered(record, context)
    missing = [name for name, done in cardiac.items() if done is None]
    elsewhere: dict[str, list[str]] = {}
    for name in missing:
        if (card := offered.get(AS_CARDIAC_SCREEN[name])) is not None:
            elsewhere.setdefault(card, []).append(AS_CARDIAC_SCREEN[name])
    facts["cardiac_tests_on_other_cards"] = "; ".join(
        f"{', '.join(names)}: {card}" for card, names in elsewhere.items()) or None
    if missing:
        cardiac_orders = _cardiac_orders(context, missing)
        suggestions.append(Suggestion("Cardiac evaluation: " + ", ".join(a.description for a in cardiac_orders),
                                      cardiac_orders))
    window = int(context.params(RULE)["cardiac_test_window_days"])
    cardiac_text = "; ".join(
        f"{name}: {done}" if done else f"{name}: none" + ("" if name == EVER else f" in the last {window} days")
        for name, done in cardiac.items())
    return Fired(
        severity="warning",
        summary="Anti-HMGCR and anti-SRP both positive (rare): confirm by a second method; apply both subtypes' rules",
        detail=DETAIL.format(hmgcr=_describe(hmgcr), srp=_describe(srp), cardiac=cardiac_text, elsewhere="".join(
            f" Also offered on {card}: {', '.join(names)}; order each test from one card only."
            for card, names in elsewhere.items())),
        facts=facts,
        suggestions=suggestions,
        selection="any",
    )
