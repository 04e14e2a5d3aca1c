"""The cardiac screen of anti-SRP myopathy (clinical-rules.md R20): an ECG and a troponin within 12 months and an
echocardiogram or cardiac MRI ever, a raised troponin I in it that no cardiac MRI has followed yet (the row: "cardiac
MRI if anything is abnormal"), and the tests another card of the same response orders: R19's work-up when its
card shows, else R20's own. R20 leaves R19's to R19, so that neither pre-selects a test the other does; R04 keeps
its own unselected and names the card that orders them too (a card held back after the rules run, snoozed, is not
known here). Rules share this here, not by importing each other. The window is R20's
(``[srp-cardiac-evaluation] screen_window_days``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis, lab_orders, severe_disease
from hooks.record import Observation, PatientRecord, per_record
from hooks.rule import HookName, NotEvaluable, Quiet
from hooks.suppression import engine_runs

RULE_ID = "srp-cardiac-evaluation"
HOOKS: tuple[HookName, ...] = ("patient-view",)  # R20's: its card is in no other hook's response
# what R20 reads (the rule's ``needs``): without one of these the engine does not evaluate it
NEEDS = ("patient", "conditions", "observations", "medications", "procedures")

ECG, TROPONIN_I, NT_PROBNP, ECHO = "12-lead ECG", "troponin I", "NT-proBNP", "transthoracic echocardiogram"
# each test as every card orders it (R04, R19 and R20 here; R31 from lab_orders too): one code, so that an EHR's
# duplicate check sees the test that two cards order
ORDERS: Mapping[str, lab_orders.LabTest] = MappingProxyType({
    ECG: lab_orders.ECG, TROPONIN_I: lab_orders.HS_TROPONIN_I, NT_PROBNP: lab_orders.NT_PROBNP,
    ECHO: lab_orders.ECHO})
# R19's card orders each of these whenever it shows, whatever is on file, at this priority (its orders read it here)
SEVERE_WORKUP = {ECG: "stat", TROPONIN_I: "stat", NT_PROBNP: "stat", ECHO: "urgent"}
SEVERE_CARD, THIS_CARD = "the severe-IMNM card (R19)", "the anti-SRP cardiac screen card (R20)"


def _last(record: PatientRecord, group: str, within_days: int | None = None) -> date | None:
    """Last date of a procedure or an observation (e.g. an echo ejection fraction) in ``group``."""
    done = diagnosis.last_done(record, group, within_days=within_days)
    return done.day if done else None


@dataclass(frozen=True, slots=True)
class Screen:
    """The cardiac screen on file: an ECG and troponins within the window, NT-proBNP too, an echocardiogram or
    cardiac MRI ever; whether that completes the row's screen; the troponin I results in it above the upper limit
    that no cardiac MRI has followed; and the anti-SRP result that calls for it."""

    serology: antibodies.Serology
    ecg: date | None
    troponins: list[Observation]
    bnp: bool
    echo: date | None
    cmr: date | None
    complete: bool
    raised: list[Observation]

    @property
    def missing(self) -> list[str]:
        """The tests to order: each part of the screen not on file (troponin I, not T, for the troponin); none once
        the row's screen is complete (a raised troponin I then asks for a cardiac MRI, not the screen again)."""
        if self.complete:
            return []
        troponin_i = any(o.in_group("troponin_i") for o in self.troponins)
        return [name for name, lacking in ((ECG, self.ecg is None), (TROPONIN_I, not troponin_i),
                                           (NT_PROBNP, not self.bnp), (ECHO, self.echo is None and self.cmr is None))
                if lacking]


def due(record: PatientRecord, context: HookContext, facts: dict[str, object]) -> Screen | Quiet | NotEvaluable:
    """Every gate of R20: anti-SRP positive, and no ECG and no troponin within the window or no echocardiogram or
    cardiac MRI ever, or a troponin I within the window above its upper limit and no cardiac MRI since."""
    # anti-SRP positive is what carries the cardiac risk, whether or not anti-HMGCR has been resulted yet (SRP or
    # DUAL); anti-SRP never resulted, or resulted as neither positive nor negative, leaves it open, said once the
    # screen is found incomplete
    srp = antibodies.subtype_among(record, ("SRP", "DUAL"), facts)
    if isinstance(srp, Quiet):
        return srp
    # the row names no cohort: anti-SRP is a missing result only in myositis (IMNM or another IIM: R03 asks for it)
    if isinstance(srp, NotEvaluable) and not cohorts.is_iim(record, context):
        return Quiet(f"{antibodies.serology(record).undecided}, and no inflammatory myopathy on file (where R03 asks "
                     "for it)", facts)
    window = int(context.thresholds.of_rule(RULE_ID)["screen_window_days"])
    since = record.today - timedelta(days=window)
    ecg = _last(record, "ecg", window)
    # a troponin counts with a value in it: "haemolysed - not performed", or one only ordered, screened nothing
    troponins = [o for o in record.observations_in("troponin_i", "troponin_t", since=since) if o.has_measurement]
    echo, cmr = _last(record, "echocardiogram"), _last(record, "cardiac_mri")
    # troponin I, judged as R19 and R31 judge it: troponin T can come from regenerating muscle, so a raised T is no
    # abnormal cardiac result (the row prefers I); a cardiac MRI done since a raised troponin I has answered it
    raised_in_window = [o for o in troponins if o.in_group("troponin_i")
                        and diagnosis.troponin_i_above_uln(o, context) is True]
    raised = [o for o in raised_in_window if cmr is None or (o.when is not None and o.when > cmr)]
    facts.update({"last_ecg_12m": ecg, "last_troponin_12m": str(troponins[-1].when) if troponins else None,
                  "last_echo": echo, "last_cardiac_mri": cmr,
                  "troponin_i_above_uln_12m": str(raised_in_window[-1].when) if raised_in_window else None})
    complete = (ecg is not None or bool(troponins)) and (echo is not None or cmr is not None)
    if complete and not raised:
        answered = f"; the raised troponin I was followed by a cardiac MRI ({cmr})" if raised_in_window else ""
        return Quiet(f"ECG or troponin within 12 months, and an echocardiogram or cardiac MRI on file{answered}",
                     facts)
    if isinstance(srp, NotEvaluable):
        return srp
    return Screen(srp, ecg, troponins, bool(record.observations_in("nt_probnp", since=since)), echo, cmr, complete,
                  raised)


def as_ordered_by_severe_card(names: list[str]) -> str:
    """The tests of R19's work-up with the priority its card orders them at: 'a, b stat and c urgently'."""
    by_priority: dict[str, list[str]] = {}
    for name in names:
        by_priority.setdefault(SEVERE_WORKUP[name], []).append(name)
    return " and ".join(f"{', '.join(group)} {'stat' if priority == 'stat' else 'urgently'}"
                        for priority, group in by_priority.items())


@per_record
def tests_offered(record: PatientRecord, context: HookContext) -> Mapping[str, str]:
    """The cardiac screen's tests a card of this response orders, and which card: R19's work-up when its card
    shows, else R20's own missing tests when its card shows (the engine evaluates R20: ``suppression.engine_runs``,
    and it fires). R20 leaves R19's to R19 (its critical card, never snoozed); R04 names the card
    beside its own unselected tests."""
    if severe_disease.card_shows(record, context):  # its card, with its cardiac work-up, is in this response
        return MappingProxyType(dict.fromkeys(SEVERE_WORKUP, SEVERE_CARD))
    screen = due(record, context, {}) if engine_runs(record, context, RULE_ID, HOOKS, NEEDS) else None
    if not isinstance(screen, Screen):
        return MappingProxyType({})
    return MappingProxyType(dict.fromkeys(screen.missing, THIS_CARD))
