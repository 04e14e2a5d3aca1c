"""Severe or life-threatening IMNM (clinical-rules.md R19): the severity features of the last 30 days (bulbar,
respiratory, cardiac, rhabdomyolysis with AKI, profound weakness) and a recent IV methylprednisolone pulse or IVIG
that already treats them.

R19 decides its card here, once per call (:func:`assess`); a card that orders what R19's card orders reads the same
decision, so that the two cannot disagree: R20 leaves its cardiac tests to R19's work-up
(``cardiac_screen.tests_offered``), R15 leaves the IVIG to R19's card (:func:`card_shows`). A rule cannot do this by
importing R19 (rules share definitions, not modules). The thresholds are R19's (``[imnm-severe-disease-urgent]``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, diagnosis, negation, steroids, strength
from hooks.definitions.courses import doses_since, last_dose_day
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.record import (
    Condition,
    Observation,
    PatientRecord,
    Quantity,
    falls_below,
    measured,
    per_record,
    result_in_text,
    unread_newer,
)
from hooks.rule import HookName, NotEvaluable, Quiet
from hooks.suppression import engine_runs
from hooks.units import convert

RULE_ID = "imnm-severe-disease-urgent"
# what R19 reads (the rule's ``needs``): without one of these the engine does not evaluate it
NEEDS = ("patient", "conditions", "observations", "medications")
HOOKS: tuple[HookName, ...] = ("patient-view",)  # R19's: its card is in no other hook's response
CREATININE_UNIT = "mg/dL{creatinine}"  # a umol/L result and a mg/dL one compare in it


def _recent(day: date | None, since: date) -> bool:
    return day is not None and day >= since


def _dated(condition: Condition) -> str:
    return condition.start.isoformat() if condition.start else "undated"


def _recent_conditions(record: PatientRecord, since: date, *groups: str) -> list[Condition]:
    """Active conditions of ``groups`` with onset or recorded date in the window, or with no date at all (an
    active problem is current: an undated dysphagia must not hide a severe patient)."""
    return [c for c in record.conditions_in(*groups, active_only=True)
            if _recent(c.onset, since) or _recent(c.recorded, since) or (c.onset is None and c.recorded is None)]


def _newest_measurement(record: PatientRecord, group: str, since: date) -> Observation | None:
    """The newest result of ``group`` in the window with a value in it, a quantity or one written as text ('45%',
    '62/150'): it decides, read or not, and no older result stands in for one that cannot be read (it may no longer
    be the patient's; a unit not understood, a text not read). A text with no number ('refused', 'not done') or a
    result still pending is no measurement."""
    return next((o for o in reversed(record.observations_in(group, since=since)) if o.has_measurement), None)


_ASPIRATION = re.compile(r"\baspirat\w*")
# The kind of each severe feature, by the words it starts with: the card's summary names the kinds; the swallow's
# (bulbar) decide the oral step's route (:attr:`Severe.bulbar`)
FEATURE_KINDS = (("dysphagia", "bulbar"), ("aspiration", "bulbar"), ("FVC", "respiratory"), ("NIF", "respiratory"),
                 ("ventilatory", "respiratory"), ("cardiac", "cardiac"), ("rhabdomyolysis", "rhabdomyolysis with AKI"),
                 ("MMT-8", "profound weakness"), ("non-ambulatory", "profound weakness"))
BULBAR_FEATURES = tuple(prefix for prefix, kind in FEATURE_KINDS if kind == "bulbar")
# FVC measured/predicted (LOINC RelRto) as labs write it: a percent, under any of these units ('' with none), or a
# UCUM ratio ('1': 0.85 is 85%) no larger than RATIO_MAX. A value outside PLAUSIBLE_PERCENT once read (45 in '1' is
# 4,500%; 0.85 with no unit is a ratio or a slip) or in another unit (litres) is named as unread, never judged.
FVC_PERCENT_UNITS = frozenset(("%", "", "% predicted", "%pred", "% pred", "percent", "percent predicted"))
FVC_RATIO_UNITS = frozenset(("1", "{ratio}", "ratio"))
FVC_RATIO_MAX = 2.0
PLAUSIBLE_PERCENT = (5.0, 200.0)


def _fvc_percent(observation: Observation) -> Quantity | None:
    """The FVC as % predicted (FVC_PERCENT_UNITS), a bound kept as one ('<50%'); None when it cannot be read as one.
    A result written as text is read as a lab prints it (``reported_value``: '45%', '45 % predicted' is not)."""
    quantity = observation.reported_value
    if quantity is None:
        return None
    unit = (quantity.unit or "").strip().lower()
    percent = (quantity.value if unit in FVC_PERCENT_UNITS else
               quantity.value * 100 if unit in FVC_RATIO_UNITS and quantity.value <= FVC_RATIO_MAX else None)
    if percent is None or not PLAUSIBLE_PERCENT[0] <= percent <= PLAUSIBLE_PERCENT[1]:
        return None
    return Quantity(percent, "%", quantity.comparator)


# a NIF written as text with its sign ('-20 cmH2O'): the shared text reader reads no sign, and R19 reads the NIF's
# magnitude only (some charts record the magnitude alone)
_SIGN = re.compile(r"^\s*[-\u2212]\s*(?=\d)")
NIF_UNIT = "cm[H2O]"


def _nif_cmh2o(observation: Observation) -> float | None:
    """The NIF's magnitude in cmH2O (a quantity with no unit is read as in it); None when its unit cannot be read, or
    for a bound ('<20 cmH2O'), which cannot say on which side of the limit it lies when signs are written either way.
    """
    quantity = observation.quantity or result_in_text(_SIGN.sub("", observation.value_text or "", count=1))
    if quantity is None or quantity.comparator is not None:
        return None
    value = convert(quantity.value, quantity.unit or NIF_UNIT, NIF_UNIT)
    return None if value is None else abs(value)


def _aspiration_on_swallow_study(record: PatientRecord, since: date) -> list[str]:
    found = []
    for observation in record.observations_in("swallow_study", since=since):
        aspirates = negation.states(observation.value_words, _ASPIRATION)
        pas = observation.quantity.value if observation.quantity else None
        if "penetration" in observation.code.words() and pas is not None and pas >= 6:
            aspirates = True  # Penetration-Aspiration Scale 6-8 = aspiration
        if aspirates and observation.when is not None:
            result = observation.value_text or (observation.value_concept.label if observation.value_concept
                                                else f"score {pas:g}")
            found.append(f"aspiration on {observation.code.label} ({result}, {observation.when.isoformat()})")
    return found


@dataclass(frozen=True, slots=True)
class Aki:
    """An acute kidney injury in the window: what shows it, and ``now``, the newest creatinine when it is back below
    the ratio x the same baseline, or, for one shown with no baseline, back within the lab's range (the injury is
    then past, not current); None while it holds. ``newest_unread``: a newer creatinine that could not be read,
    which keeps it current (it may be the patient's now)."""

    shown_by: str
    now: str | None = None
    newest_unread: str | None = None

    @property
    def current(self) -> bool:
        return self.now is None

    def __str__(self) -> str:
        return self.shown_by + (f"; creatinine now {self.now}" if self.now else "") + (
            f"; the newest creatinine ({self.newest_unread}) could not be read" if self.newest_unread else "")


BASELINE_DAYS = 90  # KDIGO: the baseline is the lowest creatinine of the 90 days before the result


def _creatinines(record: PatientRecord) -> list[tuple[Observation, float]]:
    """Every dated creatinine whose value can be read, with it in mg/dL (a umol/L result compares with a mg/dL one),
    oldest first."""
    return [(o, mg_dl) for o in record.observations_in("creatinine")
            if o.when is not None and (mg_dl := measured(o, "creatinine", CREATININE_UNIT)) is not None]


def _baseline(values: list[tuple[Observation, float]], day: date) -> tuple[Observation, float] | None:
    """The lowest creatinine of the :data:`BASELINE_DAYS` before ``day``; None when there is none."""
    return min(((o, level) for o, level in values if day - timedelta(days=BASELINE_DAYS) <= _day(o) < day),
               key=lambda found: found[1], default=None)


def _day(observation: Observation) -> date:
    assert observation.when is not None  # the creatinines read here are dated
    return observation.when


def aki(record: PatientRecord, since: date, ratio: float, without_baseline_mg_dl: float) -> Aki | None:
    """An active AKI condition in the window (current), or a creatinine >= ``ratio`` x the lowest value of the 90
    days before it (current while the newest creatinine is still at or above ``ratio`` x that baseline, or when a
    newer one than the newest read cannot be read: the injury is not called past on an older value), or, with no
    creatinine in those 90 days to compare with, a creatinine >= ``without_baseline_mg_dl`` (KDIGO stage 3's
    creatinine; current until a newer one is back within the lab's range)."""
    condition = next(iter(_recent_conditions(record, since, "aki")), None)
    if condition is not None:
        return Aki(f"{condition.code.label} ({_dated(condition)})")
    values = _creatinines(record)
    for observation, level in reversed(values):
        day = _day(observation)
        if day < since:
            break
        low = _baseline(values, day)
        newest, newest_level = values[-1]
        if low is None and level >= without_baseline_mg_dl and not _kidneys_long_impaired(record, values, day, level,
                                                                                          ratio):
            shown_by = (f"creatinine {observation.quantity} on {day.isoformat()}, at least "
                        f"{without_baseline_mg_dl:g} mg/dL (KDIGO stage 3) with no creatinine in the {BASELINE_DAYS} "
                        "days before it")
            # back within the lab's range; with no range or flag to tell, fallen by the ratio from the injury
            said = diagnosis.above_upper_limit(newest, CREATININE_UNIT)
            back = newest is not observation and (said is False or (said is None and newest_level * ratio <= level))
        elif low is not None and level >= ratio * low[1]:
            shown_by = (f"creatinine {observation.quantity} on {day.isoformat()} vs baseline {low[0].quantity} on "
                        f"{_day(low[0]).isoformat()}")
            back = newest_level < ratio * low[1]
        else:
            continue
        if unread := unread_newer(record, "creatinine", CREATININE_UNIT):
            return Aki(shown_by, newest_unread=unread)
        return Aki(shown_by, f"{newest.quantity} on {_day(newest).isoformat()}" if back else None)
    return None


def _kidneys_long_impaired(record: PatientRecord, values: list[tuple[Observation, float]], day: date, level: float,
                           ratio: float) -> bool:
    """Whether a high creatinine (``level`` on ``day``) with no baseline in the 90 days before it may be the patient's
    usual one: chronic kidney disease on the problem list, or an older creatinine that it is not ``ratio`` times
    (4.5 mg/dL beside 4.4 a year ago is stable CKD, no acute injury)."""
    return bool(record.conditions_in("ckd", active_only=True)) or any(
        level < ratio * older for o, older in values if _day(o) < day - timedelta(days=BASELINE_DAYS))


@per_record
def window_aki(record: PatientRecord, context: HookContext) -> Aki | None:
    """:func:`aki` in R19's window by its settings, read once per call: the severe features and the kidney lines of
    R19's card both ask."""
    params = context.thresholds.of_rule(RULE_ID)
    return aki(record, record.today - timedelta(days=int(params["window_days"])), float(params["aki_creatinine_ratio"]),
               float(params["aki_creatinine_without_baseline_mg_dl"]))


def aki_not_judged(record: PatientRecord, since: date) -> str | None:
    """Why no AKI could be judged in the window when :func:`aki` found none, for a chart where one is looked for
    (rhabdomyolysis): no creatinine since ``since``, one whose value cannot be read, or one with no creatinine in the
    90 days before it to compare with that is above the lab's range or has no range or flag to tell (at or below the
    upper limit it shows no injury). None when each creatinine was judged."""
    values = _creatinines(record)
    resulted = [o for o in record.observations_in("creatinine", since=since) if o.has_measurement]
    if not resulted:
        return f"no creatinine since {since.isoformat()}"
    unread = [f"creatinine {o.value_label} on {o.when} could not be read in mg/dL or umol/L"
              for o in resulted if measured(o, "creatinine", CREATININE_UNIT) is None]
    unbased = [f"creatinine {o.quantity} on {o.when} ({_limit(o)}) has no creatinine in the {BASELINE_DAYS} days "
               "before it to compare with" for o, _ in values
               if _day(o) >= since and _baseline(values, _day(o)) is None
               and diagnosis.above_upper_limit(o, CREATININE_UNIT) is not False]
    return "; ".join(unread + unbased) or None


def _limit(observation: Observation) -> str:
    """The lab's upper limit or flag a creatinine is shown with: 'ULN 1.1 mg/dL', 'flagged H', 'no reference range'."""
    if observation.ref_high is not None:
        return f"ULN {observation.ref_high}"
    return f"flagged {'/'.join(observation.interpretation)}" if observation.interpretation else "no reference range"


@per_record
def severity_features(record: PatientRecord, context: HookContext) -> tuple[list[str], list[str]]:
    """Each severe feature found in the window, described with its value and date; and the results that could have
    shown one but could not be read or judged (a troponin with no range or flag, not above the fallback limit of
    :func:`diagnosis.troponin_i_above_uln`, beside a heart condition; a rhabdomyolysis whose creatinine has no baseline,
    :func:`aki_not_judged`)."""
    params = context.thresholds.of_rule(RULE_ID)
    since = record.today - timedelta(days=int(params["window_days"]))
    found: list[str] = []
    unsettled: list[str] = []
    for condition in _recent_conditions(record, since, "dysphagia"):
        found.append(f"dysphagia: {condition.code.label} ({_dated(condition)})")
    # a condition named for aspiration states it unless its name rules it out or names only its risk ('no
    # aspiration', 'aspiration precautions', 'at risk for aspiration')
    for condition in _recent_conditions(record, since, "aspiration"):
        if negation.states(condition.code.words(), _ASPIRATION):
            found.append(f"aspiration: {condition.code.label} ({_dated(condition)})")
    found += _aspiration_on_swallow_study(record, since)
    if fvc := _newest_measurement(record, "fvc_percent_predicted", since):
        limit = params["fvc_percent_max"]
        percent = _fvc_percent(fvc)
        below = None if percent is None else falls_below(percent.value, limit, percent.comparator)
        if percent is None:
            unsettled.append(f"FVC {fvc.value_label} on {fvc.when} (not read as % predicted)")
        elif below is None:
            unsettled.append(f"FVC {fvc.value_label} on {fvc.when} (a bound, not known to be below {limit:g}%)")
        elif below:
            found.append(f"FVC {percent.comparator or ''}{percent.value:g}% predicted on {fvc.when} (below "
                         f"{limit:g}%)")
    if nif := _newest_measurement(record, "nif", since):
        magnitude = _nif_cmh2o(nif)
        if magnitude is None:
            unsettled.append(f"NIF {nif.value_label} on {nif.when} (not read as a pressure in cmH2O)")
        elif -magnitude > params["nif_cmh2o"]:
            found.append(f"NIF {round(-magnitude, 1):g} cmH2O on {nif.when} (weaker than {params['nif_cmh2o']:g})")
    for condition in _recent_conditions(record, since, "respiratory_failure", "ventilatory_support"):
        found.append(f"ventilatory support / respiratory failure: {condition.code.label} "
                     f"({_dated(condition)})")
    for procedure in record.procedures_in("ventilatory_support", since=since):
        found.append(f"ventilatory support: {procedure.code.label} ({procedure.when})")
    heart = _recent_conditions(record, since, "myocarditis_cardiomyopathy", "cardiac_involvement")
    if heart:
        troponins = [(o, diagnosis.troponin_i_above_uln(o, context))
                     for o in record.observations_in("troponin_i", since=since)]
        raised = [o for o, above in troponins if above]
        # one with a value but no range or flag to judge it by (a pending one with no value says nothing yet)
        unjudged = [o for o, above in troponins if above is None and (o.quantity or o.measured_as_text)]
        if raised:
            found.append(f"cardiac involvement: troponin I {diagnosis.raised_troponin_i(raised[-1], context)} on "
                         f"{raised[-1].when} with {heart[0].code.label}")
        elif unjudged:  # a troponin that cannot be judged may be a rise: cardiac involvement is not excluded
            unsettled.append(f"troponin I {unjudged[-1].shown_result} on {unjudged[-1].when} with "
                          f"{heart[0].code.label} could not be judged against its upper limit (no reference range "
                          "or flag from the lab): cardiac involvement not excluded")
    rhabdo = _recent_conditions(record, since, "rhabdomyolysis")
    if rhabdo:
        kidney = window_aki(record, context)
        if kidney:
            found.append(f"rhabdomyolysis ({rhabdo[0].code.label}) with acute kidney injury: {kidney}")
        elif not_judged := aki_not_judged(record, since):
            unsettled.append(f"rhabdomyolysis ({rhabdo[0].code.label}) with acute kidney injury not excluded: "
                          f"{not_judged}")
    if mmt8 := _newest_measurement(record, "mmt8", since):
        if (score := strength.mmt8_score(mmt8)) is None:
            unsettled.append(f"MMT-8 {mmt8.value_label} on {mmt8.when} (not read as a score out of 150 or 80)")
        elif score.on_150 < params["mmt8_min"]:
            found.append(f"MMT-8 {score} on {score.day} (below {params['mmt8_min']:g})")
    for condition in _recent_conditions(record, since, "non_ambulatory"):
        found.append(f"non-ambulatory: {condition.code.label} ({_dated(condition)})")
    return found, unsettled


@per_record
def already_treated(record: PatientRecord, context: HookContext) -> list[str]:
    """An IV methylprednisolone pulse or IVIG recent enough that the severe disease is already being treated."""
    params = context.thresholds.of_rule(RULE_ID)
    mp_since = record.today - timedelta(days=int(params["iv_mp_recent_days"]))
    ivig_since = record.today - timedelta(days=int(params["ivig_recent_days"]))
    # the last dose, not the start: a 3-day pulse counted from D-16 was last given on D-14
    found = [f"IV methylprednisolone {m.label} (last {last_dose_day(m, record.today)})"
             for m in steroids.iv_pulses_since(record, mp_since)]
    found += [f"IVIG {m.label} (last {last})" for m, last in doses_since(record, "ivig", since=ivig_since)]
    found += [f"IVIG {i.vaccine.label} ({i.when})" for i in ivig_immunizations(record, since=ivig_since)]
    return found


@dataclass(frozen=True, slots=True)
class Severe:
    """R19's finding: IMNM with these severe features in the window, not already treated; ``facts``: what was read
    (shared by every reader of :func:`assess`: copied, never changed)."""

    features: list[str]
    facts: Mapping[str, object]

    @property
    def bulbar(self) -> bool:
        """The swallow is at risk: dysphagia or aspiration is among the features (:func:`severity_features` names
        each by these words first)."""
        return any(f.startswith(BULBAR_FEATURES) for f in self.features)


@per_record
def assess(record: PatientRecord, context: HookContext) -> Severe | Quiet | NotEvaluable:
    """R19's decision, made once per call: every gate of R19 (IMNM, a severe feature in the window, not evaluable when
    none was read but a result that could have shown one could not be read or judged, and no recent pulse or IVIG),
    with what it read in its facts. R19's card is made from it and the cards that leave to R19's card what it orders
    read it (:func:`card_shows`); the answer is shared, so no reader changes it."""
    facts: dict[str, object] = {}
    if not cohorts.is_imnm(record, context):
        return Quiet("not IMNM", facts)
    features, unsettled = severity_features(record, context)
    treated = already_treated(record, context)
    facts.update({"severity_features": "; ".join(features) or None, "recent_pulse_or_ivig": "; ".join(treated) or None,
                  "subtype": antibodies.subtype(record), "unreadable": "; ".join(unsettled) or None})
    if not features and unsettled:
        return NotEvaluable(f"no severe feature read in the window, but {'; '.join(unsettled)}", facts)
    if not features:
        return Quiet("no severe feature in the window", facts)
    if treated:
        return Quiet("already treated: " + "; ".join(treated), facts)
    return Severe(features, MappingProxyType(facts))


def needs_urgent_treatment(record: PatientRecord, context: HookContext) -> bool:
    """R19's finding (:func:`assess`): its card fires exactly then."""
    return isinstance(assess(record, context), Severe)


def card_shows(record: PatientRecord, context: HookContext) -> bool:
    """Whether R19's card is in this response: the engine evaluates R19 (``suppression.engine_runs``; its critical
    card is never snoozed) and it fires (:func:`assess`). Its card then starts the IV pulse and IVIG now: R15 offers
    no IVIG course of its own beside it, R21 no routine recheck."""
    return engine_runs(record, context, RULE_ID, HOOKS, NEEDS) and needs_urgent_treatment(record, context)
