"""R04: anti-HMGCR and anti-SRP both positive. The antibodies are usually mutually exclusive, so one result is
probably false; until that is settled, both subtypes' safety rules apply (statins, cancer, heart)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import antibodies, cardiac_screen, diagnosis
from hooks.record import Observation, PatientRecord
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
**{headline}** {results}.

Double positivity is rare (one of 63 patients in the Mayo cohort): the two antibodies are usually mutually
exclusive, and low-titre line blots often give false positives. {confirmation}

{rules}: lifelong statin avoidance (R14), cancer screening (R30), cardiac evaluation (R20), and early rituximab if the
response is inadequate.

Cardiac work-up on file: {cardiac}.{elsewhere}"""

# what confirms each antibody's first positive (the row's 'repeat anti-SRP by a second method; anti-HMGCR ELISA with
# titre'): in the detail's words, and in the suggestion's label
CONFIRM = {"anti-SRP": ("repeat anti-SRP by another assay", "repeat anti-SRP by a second method"),
           "anti-HMGCR": ("measure anti-HMGCR by ELISA with a titre", "anti-HMGCR ELISA with titre")}


def _describe(observation: Observation) -> str:
    when = observation.when.isoformat() if observation.when else "undated"
    return f"positive on {when} ({observation.code.label})"


def _reading(observation: Observation, status: antibodies.Status | None) -> str:
    """A result repeated after the first positive: 'negative on 2026-11-01 (SRP Ab by immunoprecipitation)', a titre
    with its value ('positive (180 U/mL) on ...'), one read as neither with the lab's words."""
    when = observation.when.isoformat() if observation.when else "undated"
    value = (f" ({observation.shown_result})" if (status is None or observation.has_measurement)
             and observation.shown_result else "")
    return f"{status or 'neither positive nor negative'}{value} on {when} ({observation.code.label})"


@dataclass(frozen=True, slots=True)
class _Antibody:
    """One antibody of the pair: its first positive and each result since (antibodies.since_first_positive), which
    is the confirmation the row asks for, done."""

    name: str
    first: Observation
    since: list[tuple[Observation, antibodies.Status | None]]

    @property
    def negative_since(self) -> bool:
        """A later result is negative: the pair is discordant, not a confirmed dual positive."""
        return any(s == "negative" for _, s in self.since)

    @property
    def confirmed(self) -> bool:
        """Repeated, positive again, and never negative since."""
        return not self.negative_since and any(s == "positive" for _, s in self.since)

    @property
    def history(self) -> str:
        """'anti-SRP positive on ... (SRP Ab), then negative on ... (SRP Ab by immunoprecipitation)'."""
        return f"{self.name} {_describe(self.first)}" + "".join(f", then {_reading(o, s)}" for o, s in self.since)


def _confirmation(pair: list[_Antibody]) -> str:
    """What the detail says of confirming the pair: the repeats still to do, a discordant pair (a later negative),
    a repeat read as neither positive nor negative; tests repeated since the first positives are not offered again."""
    to_do = [a.name for a in pair if not a.since]
    discordant = [a.name for a in pair if a.negative_since]
    unread = [a.name for a in pair if a.since and not a.negative_since and not a.confirmed]
    said = []
    if discordant:
        said.append(f"**Discordant:** {' and '.join(discordant)} positive, then negative on a later result. The first "
                    "may have been a false positive, or the antibody may have fallen with treatment: which result "
                    "stands is the treating specialist's decision (with the laboratory, or a reference laboratory).")
    if unread:
        said.append(f"The repeat of {' and '.join(unread)} reads as neither positive nor negative: ask the lab how to "
                    "read it, or send it to a reference laboratory.")
    if to_do:
        said.append("Confirm with a second method or a reference laboratory: "
                    f"{' and '.join(CONFIRM[name][0] for name in to_do)}.")
    repeated = [a.name for a in pair if a.since]
    if repeated:
        named = " and ".join(repeated)
        said.append(f"{named[0].upper()}{named[1:]} {'was' if len(repeated) == 1 else 'were'} repeated after the first "
                    "positive: not offered again.")
    return " ".join(said)


def _summary(pair: list[_Antibody]) -> str:
    """Discordant (a later negative), both confirmed, or still to confirm."""
    discordant = [a for a in pair if a.negative_since]
    if discordant:
        named = " and ".join(a.name for a in discordant)
        return first_fitting([f"Dual antibody result discordant: {named} negative after the first positive; apply "
                              "both subtypes' rules until decided",
                              "Dual antibody result discordant (a later negative): apply both subtypes' rules until "
                              "decided"])
    if all(a.confirmed for a in pair):
        return "Anti-HMGCR and anti-SRP both positive, confirmed on repeat (rare): apply both subtypes' rules"
    if all(a.since for a in pair):
        return ("Anti-HMGCR and anti-SRP both positive (rare); a repeat is unclear: ask the lab; apply both subtypes' "
                "rules")
    return "Anti-HMGCR and anti-SRP both positive (rare): confirm by a second method; apply both subtypes' rules"


def _cardiac(record: PatientRecord, context: HookContext) -> dict[str, diagnosis.Done | None]:
    window = int(context.params(RULE)["cardiac_test_window_days"])
    return {
        "ECG": diagnosis.last_done(record, "ecg", within_days=window),
        "troponin I": diagnosis.last_done(record, "troponin_i", within_days=window),
        EVER: diagnosis.last_done(record, "echocardiogram", "cardiac_mri"),
    }


def _cardiac_orders(context: HookContext, missing: list[str]) -> list[Action]:
    """The missing tests as every card orders them (R20's screen, R19's work-up): one code each."""
    return [cardiac_screen.ORDERS[AS_CARDIAC_SCREEN[name]].action(context) for name in missing]


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
    # anti-SRP first, as the row's confirmation lists them
    pair = [_Antibody(name, first, antibodies.since_first_positive(record, group))
            for name, first, group in (("anti-SRP", srp, "anti_srp"), ("anti-HMGCR", hmgcr, "anti_hmgcr"))]
    facts.update({f"{a.name.replace('-', '_').lower()}_since_first_positive": "; ".join(
        _reading(o, s) for o, s in a.since) or None for a in pair})
    facts["discordant"] = ", ".join(a.name for a in pair if a.negative_since) or None
    pid, sets, code = context.patient_id, context.valuesets, antibodies.ORDER_LOINC
    confirm = {
        "anti-SRP": Action("create", "Repeat anti-SRP by a second method", resource=orders.service_request(
            pid, orders.lab_concept(sets, "anti_srp", code["anti_srp"],
                                    text="Anti-SRP antibody, repeat by a second method (e.g. immunoprecipitation) or "
                                         "at a reference laboratory"))),
        "anti-HMGCR": Action("create", "Anti-HMGCR ELISA with titre", resource=orders.service_request(
            pid, orders.lab_concept(sets, "anti_hmgcr", code["anti_hmgcr"],
                                    text="Anti-HMGCR antibody by ELISA, with titre"))),
    }
    # a test repeated since the first positive is done: never offered again
    to_confirm = [a.name for a in pair if not a.since]
    suggestions = [Suggestion("Confirm: " + " and ".join(CONFIRM[name][1] for name in to_confirm),
                              [confirm[name] for name in to_confirm], is_recommended=True)] if to_confirm else []
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
    discordant, confirmed = facts["discordant"] is not None, all(a.confirmed for a in pair)
    headline = ("Anti-HMGCR and anti-SRP: discordant results, not a confirmed dual positive." if discordant
                else "Anti-HMGCR and anti-SRP are both positive"
                + (", each confirmed on repeat:" if confirmed else ":"))
    # the row: until the pair is resolved, both subtypes' rules apply; the other cards count an antibody positive at
    # any date (the rules table's subtype), so a discordant pair stays DUAL for them until a clinician decides
    rules = ("Until the specialist decides which result stands, apply **both** sets of subtype rules (the other "
             "cards still count both antibodies as positive)" if discordant
             else "Apply **both** sets of subtype rules" if confirmed
             else "Until this is resolved, apply **both** sets of subtype rules")
    return Fired(
        severity="warning",
        summary=_summary(pair),
        detail=DETAIL.format(headline=headline, results="; ".join(a.history for a in reversed(pair)),
                             confirmation=_confirmation(pair), rules=rules, cardiac=cardiac_text, elsewhere="".join(
            f" Also offered on {card}: {', '.join(names)}; order each test from one card only."
            for card, names in elsewhere.items())),
        facts=facts,
        suggestions=suggestions,
        selection="any",
    )
