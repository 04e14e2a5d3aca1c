"""Bone protection for long-term glucocorticoids (section 4.2): calcium/vitamin D, a recent DXA, an
osteoporosis drug, and what the chart says about fracture risk (osteoporosis, fragility fracture, FRAX).

Read by R25 (giop-bone-protection). Kept apart from the rule so that other rules (and the explanation output)
see the same answer to "is this patient's bone protection in place, and what is missing".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions import steroids
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.courses import last_dose_day, protection_since
from hooks.definitions.diagnosis import Done
from hooks.record import (
    LOWER_BOUNDS,
    UPPER_BOUNDS,
    Condition,
    MedicationOrder,
    Observation,
    PatientRecord,
    Quantity,
    exceeds,
    falls_below,
)
from hooks.units import convert

CALCIUM_VITAMIN_D = ("calcium", "vitamin_d")
DXA_WINDOW_DAYS = 730  # "DXA within 24 months"
# How long after its last dose each drug is still treatment: a yearly zoledronic acid infusion a year; denosumab,
# due every 6 months, its interval and a month late (a later dose carries a rebound-fracture risk); the daily,
# weekly or monthly ones 45 days
_DRUG_IN_USE_DAYS = {"zoledronic acid": 365, "denosumab": 183 + 30}
_OTHER_DRUG_IN_USE_DAYS = 45
_DRUG_WINDOW_DAYS = max(_DRUG_IN_USE_DAYS.values())  # the furthest back a dose may still count
# DXA T-scores (ACR 2022 GIOP, adults >= 40 y): -1.0 to -2.4 moderate risk (R25's t_score_moderate, a threshold),
# -2.5 to -3.4 high, -3.5 or lower very high. Under 40 ACR 2022 grades no T-score (it reads the Z-score); a T-score in
# the osteoporosis range (WHO) still calls for a drug there, as it did before the grades were read.
OSTEOPOROSIS_T_SCORE = -2.5  # densitometric osteoporosis (WHO); ACR 2022 high risk from 40
VERY_HIGH_T_SCORE = -3.5  # ACR 2022 very high risk from 40: only the card's words depend on it
# ACR 2022 GIOP, adults >= 40 y: moderate risk = GC-adjusted FRAX major osteoporotic fracture 10-19% or hip
# fracture > 1% and < 3%; high risk = major >= 20% or hip >= 3%.
FRAX_MAJOR_MODERATE = 10.0
FRAX_HIP_MODERATE = 1.0
# A FRAX 10-year probability is sent as a percent (12 %) or as a UCUM ratio (0.12 in '1' or '{ratio}', at most 1).
# With no unit a value above 1 can only be a percent; at or below 1 it may be either (0.5 % is a possible hip
# fracture FRAX, and 0.5 as a ratio is 50 %), so it is not read, nor is a ratio above 1.
FRAX_RATIO_UNITS = frozenset(("1", "{ratio}", "ratio"))
# FRAX is computed for ages 40 to 90, and ACR 2022 GIOP uses it from 40 (under 40 a prior fracture and the BMD
# Z-score judge the risk): R25's frax_min_age_years defaults to it, and an unread FRAX leaves a drug's need unknown
# only from this age (:meth:`BoneProtection.drug_need_unread`)
FRAX_MIN_AGE_YEARS = 40
# R25's section of the thresholds table: a site's frax_min_age_years there is the age the data-quality note uses too
# (:func:`frax_min_age_years`), and its risk thresholds (T-score, high-dose and cumulative glucocorticoid) are the
# ones every reader of the risk findings reads (a definition does not import the rule that reads it)
R25_THRESHOLDS = "giop-bone-protection"
DRUG_NEED_UNKNOWN = "Whether an osteoporosis drug is needed is not known until it is read."


@dataclass(slots=True)
class BoneProtection:
    """What bone protection is present, what is missing, and the fracture-risk findings behind the drug need."""

    calcium_vitamin_d: list[MedicationOrder] = field(default_factory=list)
    dxa: Done | None = None  # the most recent DXA that counts
    last_dxa_any: Done | None = None  # the most recent DXA on file, however old
    osteoporosis_drugs: list[MedicationOrder] = field(default_factory=list)
    # left out of osteoporosis_drugs: each ended before its end date, on a day the chart does not give
    osteoporosis_drugs_not_counted: list[MedicationOrder] = field(default_factory=list)
    # osteoporosis, fragility fracture, high-dose or cumulative glucocorticoid, T-score, FRAX
    risk_findings: list[str] = field(default_factory=list)
    fragility: list[str] = field(default_factory=list)  # of those, the ones that hold at any age (:func:`fragility`)
    frax_unreadable: list[str] = field(default_factory=list)
    t_score_unreadable: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """The parts of bone protection that are absent: 'calcium/vitamin D', 'DXA', 'osteoporosis drug'."""
        out = []
        if not self.calcium_vitamin_d:
            out.append("calcium/vitamin D")
        if self.dxa is None:
            out.append("DXA")
        if self.risk_findings and not self.osteoporosis_drugs:
            out.append("osteoporosis drug")
        return out

    def drug_need_unread(self, frax_applies: bool) -> bool:
        """Whether only an unread result could call for an osteoporosis drug: a T-score, or a FRAX where FRAX applies
        at the patient's age; no drug is on file, and nothing else on file already calls for one."""
        unread = bool(self.t_score_unreadable) or (frax_applies and bool(self.frax_unreadable))
        return unread and not self.osteoporosis_drugs and not self.risk_findings

    def unread_note(self, frax_applies: bool) -> str | None:
        """The FRAX results and T-scores that could not be read, and, when :meth:`drug_need_unread`, that a drug's
        need is not known (DRUG_NEED_UNKNOWN); None when every one was read. Said on R25's card and in every
        response's data-quality notes (:func:`warnings`)."""
        said = [f"{what} not read: " + "; ".join(unread) + "."
                for what, unread in (("FRAX result", self.frax_unreadable), ("T-score", self.t_score_unreadable))
                if unread]
        if not said:
            return None
        return " ".join([*said, *([DRUG_NEED_UNKNOWN] if self.drug_need_unread(frax_applies) else [])])

    def unread_reason(self, frax_applies: bool) -> str:
        """What R25 waits for when :meth:`drug_need_unread`: 'a readable FRAX result (...)', 'a readable T-score
        (...)', or both."""
        frax_unread = self.frax_unreadable if frax_applies else []
        return " and ".join(f"a readable {what} ({'; '.join(unread)})"
                            for what, unread in (("FRAX result", frax_unread), ("T-score", self.t_score_unreadable))
                            if unread)

    @property
    def present(self) -> list[str]:
        """What is in place, for an adult's card: the treatments, then the DXA (:func:`dxa_named`)."""
        return self.treatments + ([dxa_named(self.dxa)] if self.dxa is not None else [])

    @property
    def treatments(self) -> list[str]:
        """What is in place but a DXA, for a child's card (DXA does not apply under 18)."""
        return [f"{o.label} (active)" for o in self.calcium_vitamin_d] + [o.label for o in self.osteoporosis_drugs]


# A study's name that says it is a DXA already ('DXA bone density study', 'DEXA scan', 'Dual-energy X-ray
# absorptiometry'): a card does not put 'DXA' before it again
_NAMES_DXA = re.compile(r"\b(?:dxa|dexa)\b|absorptiometry", re.IGNORECASE)


def dxa_named(study: Done) -> str:
    """A DXA on file as a card names it: 'DXA bone density study, axial skeleton (2026-06-26)' as it is, but 'DXA:
    Bone density scan (2026-06-26)', where the study's own name does not say DXA."""
    return str(study) if _NAMES_DXA.search(study.label) else f"DXA: {study}"


def _procedure_dxa(record: PatientRecord) -> list[Done]:
    return [Done(p.code.label, p.when) for p in record.procedures_in("dxa")]


def _observation_dxa(record: PatientRecord) -> list[Done]:
    return [Done(o.code.label, o.when) for o in record.observations_in("dxa", "dxa_tscore")]


def dxa_studies(record: PatientRecord) -> list[Done]:
    """Every dated DXA on file (a Procedure or a DXA result Observation), oldest first."""
    found = [d for d in _procedure_dxa(record) + _observation_dxa(record) if d.day is not None]
    return sorted(found, key=lambda d: d.day or date.min)


def osteoporosis_drugs(record: PatientRecord) -> tuple[list[MedicationOrder], list[MedicationOrder]]:
    """Osteoporosis drugs active now, or given within their own interval (:func:`_in_use`); and those left out
    because they ended before their end date, on a day the chart does not give. Protection errs early
    (courses.protection_since): such a drug counts until the last day it is known to have been given, not until
    today, so a missing drug is not hidden."""
    since = record.today - timedelta(days=_DRUG_WINDOW_DAYS)
    counted, left_out = protection_since(record, "osteoporosis_drug", since=since)
    return [order for order in counted if _in_use(order, record.today)], left_out


def _in_use(order: MedicationOrder, today: date) -> bool:
    """Current, or last given within its drug's interval (:data:`_DRUG_IN_USE_DAYS`): alendronate stopped 11
    months ago, or denosumab last given 10 months ago, counted as bone protection in place."""
    if order.current_on(today):
        return True
    last = last_dose_day(order, today)
    days = _DRUG_IN_USE_DAYS.get(order.medication.concept_in("osteoporosis_drug") or "", _OTHER_DRUG_IN_USE_DAYS)
    return last is not None and (today - last).days <= days


def _condition_text(condition: Condition) -> str:
    day = condition.start.isoformat() if condition.start else "undated"
    return f"{condition.code.label} (since {day})"


def _either_way(observation: Observation) -> tuple[float, float] | None:
    """A value with no unit above 0 and at most 1, which may be a ratio or a percent: (as a ratio, as a percent), both
    in percent (0.15 is 15 or 0.15); None for any other."""
    quantity = observation.quantity
    if quantity is None or (quantity.unit or "").strip() or not 0 < quantity.value <= 1:
        return None
    return quantity.value * 100, quantity.value


def frax_percent(observation: Observation) -> tuple[float | None, str]:
    """A FRAX result as a percent (FRAX_RATIO_UNITS: a ratio of at most 1 is read as one), or None and why it
    could not be read, for the card (a unitless 0.5 may be 0.5 % or 50 %: never guessed here, see :func:`frax`).
    A bound ('<10 %') is read as its value: whether it settles a cut-off is the caller's to say."""
    quantity = observation.quantity
    if quantity is None:
        return None, "no value in % or as a ratio"
    value, unit = quantity.value, (quantity.unit or "").strip()
    if value < 0:
        return None, f"{quantity}, below zero"
    if unit.lower() in FRAX_RATIO_UNITS:
        return (value * 100, "") if value <= 1 else (None, f"{value:g} in unit {unit!r}, above 1, so not a ratio")
    if (ways := _either_way(observation)) is not None:  # 0 reads 0 either way
        return None, f"{value:g} with no unit, either a ratio ({ways[0]:g}%) or a percent ({ways[1]:g}%)"
    percent = convert(value, unit or "%", "%")
    if percent is None:
        return None, f"{quantity}, in a unit that is neither % nor a ratio"
    return (percent, "") if percent <= 100 else (None, f"{quantity}, above 100%")


@dataclass(frozen=True, slots=True)
class _FraxRead:
    """One FRAX result read: as a percent (a bound's value when it has a comparator), or None and why not; and, when
    only the other kind's result of the same day told a ratio from a percent, how it was read."""

    observation: Observation
    percent: float | None
    why: str
    how: str = ""


def _read_beside(major: Observation | None, hip: Observation | None) -> tuple[_FraxRead | None, _FraxRead | None]:
    """The latest major osteoporotic and hip fracture FRAX (:func:`frax_percent`). One with no unit that may be a ratio
    or a percent, beside the other kind read on the same day, is read the one way that keeps the hip fracture
    probability at or below the major one (hip fractures are among the major osteoporotic ones): a hip 0.5 beside a
    major 12% is 0.5%, not 50%, and a major 0.15 beside a hip 3% is 15%, not 0.15% (:func:`_one_way`)."""
    major_read = None if major is None else _FraxRead(major, *frax_percent(major))
    hip_read = None if hip is None else _FraxRead(hip, *frax_percent(hip))
    if major_read is None or hip_read is None or major_read.observation.when != hip_read.observation.when:
        return major_read, hip_read
    if major_read.percent is None and hip_read.percent is not None:
        major_read = _one_way(major_read, hip_read, is_hip=False)
    elif hip_read.percent is None and major_read.percent is not None:
        hip_read = _one_way(hip_read, major_read, is_hip=True)
    return major_read, hip_read


def _one_way(unread: _FraxRead, other: _FraxRead, *, is_hip: bool) -> _FraxRead:
    """``unread`` (the hip FRAX when ``is_hip``), if a value with no unit that may be a ratio or a percent, read the
    one way that keeps the hip FRAX at or below the major one, ``other`` being the other kind's read on the same
    day; as it was when both ways do, or neither, or when ``other`` is a bound that says nothing on that side (a hip
    '<3 %' sets no floor under the major)."""
    quantity, ways = unread.observation.quantity, _either_way(unread.observation)
    bound = other.observation.quantity.comparator if other.observation.quantity else None
    if (ways is None or quantity is None or quantity.comparator or other.percent is None
            or bound in (LOWER_BOUNDS if is_hip else UPPER_BOUNDS)):
        return unread
    limit = other.percent
    fitting = [(way, percent) for way, percent in zip(("a ratio", "a percent"), ways, strict=True)
               if (percent <= limit if is_hip else percent >= limit)]
    if len(fitting) != 1:
        return unread
    way, percent = fitting[0]
    other_kind = "major osteoporotic fracture" if is_hip else "hip fracture"
    return _FraxRead(unread.observation, percent, "", f"{quantity.value:g} with no unit, read as {way}: the "
                     f"{other_kind} FRAX of the same day is {_percent_text(other)}")


def _percent_text(read: _FraxRead) -> str:
    """'12%', '<10%': the percent as read, with the bound's comparator."""
    quantity = read.observation.quantity
    return f"{quantity.comparator if quantity and quantity.comparator else ''}{read.percent:g}%"


def _moderate_or_higher(percent: float, comparator: str | None, cut_off: float, *, at_cut_off: bool) -> bool | None:
    """Whether a FRAX of ``percent`` (a bound with ``comparator``) is above ``cut_off`` (or at it, ``at_cut_off``);
    None when a bound does not settle it ('<12 %' against 10 %)."""
    if not at_cut_off:
        return exceeds(percent, cut_off, comparator)
    below = falls_below(percent, cut_off, comparator)  # at or above: not below
    return None if below is None else not below


# (cut-off, kind, whether the cut-off itself counts) of the major and the hip FRAX, as :func:`_read_beside` pairs them
_FRAX_KINDS = ((FRAX_MAJOR_MODERATE, "major osteoporotic fracture", True), (FRAX_HIP_MODERATE, "hip fracture", False))


def frax(record: PatientRecord) -> tuple[list[str], list[str]]:
    """The latest FRAX of each kind at or above its moderate-risk cut-off (ACR 2022: major osteoporotic >= 10%,
    hip > 1%), and those that could not be read (:func:`_read_beside`), or are a bound that does not settle the
    cut-off ('<12 %')."""
    hip = record.latest("frax_hip")
    major = next((o for o in reversed(record.observations_in("frax"))
                  if o.when is not None and not o.in_group("frax_hip")), None)
    findings: list[str] = []
    unreadable: list[str] = []
    for read, (cut_off, kind, at_cut_off) in zip(_read_beside(major, hip), _FRAX_KINDS, strict=True):
        if read is None:
            continue
        observation = read.observation
        day = observation.when.isoformat() if observation.when else "undated"
        if read.percent is None:
            unreadable.append(f"{observation.code.label} ({day}): {read.why}")
            continue
        comparator = observation.quantity.comparator if observation.quantity else None
        found = _moderate_or_higher(read.percent, comparator, cut_off, at_cut_off=at_cut_off)
        if found is None:
            unreadable.append(f"{observation.code.label} ({day}): {observation.quantity}, a bound that does not tell "
                              f"whether it is {'at or above' if at_cut_off else 'above'} {cut_off:g}%")
        elif found:
            findings.append(f"FRAX 10-year {kind} risk {_percent_text(read)} ({day}"
                            f"{f'; {read.how}' if read.how else ''}), moderate or higher")
    return findings, unreadable


def fragility(record: PatientRecord) -> list[str]:
    """Osteoporosis or a fragility fracture on the problem list: the findings that hold at any age (a T-score and
    FRAX are adult measures)."""
    return [_condition_text(c) for c in record.conditions_in("osteoporosis", "fragility_fracture")]


# A T-score is a signed count of standard deviations with no unit. Sent as text it is a bare number ('-2.9', '+0.4',
# or with the typographic minus sign U+2212), which Observation.reported_value (a number with its unit) does not read:
# read here, for T-scores only
_T_SCORE_TEXT = re.compile(r"^\s*(?P<sign>[-+\u2212])?\s*(?P<number>\d+(?:\.\d+)?)\s*$")


def t_score(observation: Observation) -> Quantity | None:
    """A DXA T-score: its valueQuantity, else a bare signed number sent as text ('-2.9'); None for any other text."""
    if observation.quantity is not None:
        return observation.quantity
    match = _T_SCORE_TEXT.match(observation.value_text or "")
    if match is None:
        return None
    value = float(match["number"])
    return Quantity(-value if match["sign"] in ("-", "\u2212") else value, None)


def _at_or_below(quantity: Quantity, cut_off: float) -> bool | None:
    """Whether a T-score is at or below ``cut_off``; None when it is a bound that does not settle it ('>-3' against
    -2.5)."""
    above = exceeds(quantity.value, cut_off, quantity.comparator)
    return None if above is None else not above


def _t_score_grade(quantity: Quantity, graded: bool) -> str:
    """The fracture risk a T-score at or below the cut-off gives: ACR 2022's grade from 40 (``graded``), else the
    WHO's osteoporosis range."""
    if not graded:
        return "in the osteoporosis range"
    grade = ("very high" if _at_or_below(quantity, VERY_HIGH_T_SCORE)
             else "high" if _at_or_below(quantity, OSTEOPOROSIS_T_SCORE) else "moderate")
    return f"{grade} fracture risk (ACR 2022)"


def t_score_risk(record: PatientRecord, context: HookContext) -> tuple[list[str], list[str]]:
    """The lowest DXA T-score on file at or below the cut-off, with its grade, and the T-scores that could not be read
    or are a bound that does not settle the cut-off. From R25's frax_min_age_years (ACR 2022's adults >= 40) the
    cut-off is its t_score_moderate (-1.0: moderate risk); under it, and with no birth date, -2.5 (osteoporosis).
    None for a child, to whom T-scores do not apply (section 2, definition 4)."""
    if is_paediatric(record, context):
        return [], []
    thresholds = context.thresholds.of_rule(R25_THRESHOLDS)
    age = record.age_years  # the oldest the birth date allows: an age-related risk is never dropped
    graded = age is not None and age >= thresholds["frax_min_age_years"]
    cut_off = thresholds["t_score_moderate"] if graded else OSTEOPOROSIS_T_SCORE
    low: list[tuple[Quantity, Observation]] = []
    unreadable: list[str] = []
    for observation in record.observations_in("dxa_tscore"):
        named = f"{observation.code.label} ({observation.when.isoformat() if observation.when else 'undated'})"
        quantity = t_score(observation)
        if quantity is None:
            if observation.measured_as_text:
                unreadable.append(f"{named}: {observation.value_label}, not a number of standard deviations")
            continue
        found = _at_or_below(quantity, cut_off)
        if found is None:
            unreadable.append(f"{named}: {quantity}, a bound that does not tell whether it is at or below {cut_off:g}")
        elif found:
            low.append((quantity, observation))
    if not low:
        return [], unreadable
    quantity, observation = min(low, key=lambda found: found[0].value)
    day = observation.when.isoformat() if observation.when else "undated"
    shown = f"{quantity.comparator or ''}{quantity.value:g}"
    return [f"{observation.code.label} {shown} ({day}), {_t_score_grade(quantity, graded)}"], unreadable


def glucocorticoid_risk(record: PatientRecord, context: HookContext) -> list[str]:
    """The glucocorticoid dose itself as ACR 2022 grades it very high fracture risk, at any adult age: within R25's
    risk_window_days, a run at or above high_dose_peq_mg for more than high_dose_days, or a cumulative
    prednisone-equivalent of cumulative_peq_g or more. Read on the PEQ timeline (a late refill's gap counted in)."""
    thresholds = context.thresholds.of_rule(R25_THRESHOLDS)
    history = steroids.history(record, context)
    today = record.today
    window_first = today - timedelta(days=int(thresholds["risk_window_days"]) - 1)
    found = []
    high_dose = thresholds["high_dose_peq_mg"]
    longest = _longest_run_at_or_above(history, high_dose, window_first)
    if longest is not None and longest[2] > thresholds["high_dose_days"]:
        first, last, days = longest
        when = f"since {first}" if last == today else f"{first} to {last}"
        found.append(f"Prednisone-equivalent at or above {high_dose:g} mg/day for {days} days ({when}), very high "
                     "fracture risk (ACR 2022)")
    grams = sum(peq * ((min(last, today) - max(first, window_first)).days + 1)
                for first, last, peq in history.levels.runs() if last >= window_first and peq > 0) / 1000
    if grams >= thresholds["cumulative_peq_g"]:
        found.append(f"Prednisone-equivalent {grams:.1f} g in all over the last {thresholds['risk_window_days']:g} "
                     "days, very high fracture risk (ACR 2022)")
    return found


def _longest_run_at_or_above(history: steroids.SteroidHistory, threshold: float, window_first: date
                             ) -> tuple[date, date, int] | None:
    """The longest run at ``threshold`` or more (:meth:`steroids.SteroidHistory.run_at_or_above`) ending on or after
    ``window_first``, counted from that day at the earliest: (first day, last day, days)."""
    levels = list(history.levels.runs())
    # the last day of each stretch at the threshold: where the next step is below it, or the timeline ends
    ends = [last for (_, last, peq), following in zip(levels, [*levels[1:], None], strict=True)
            if peq >= threshold and (following is None or following[2] < threshold) and last >= window_first]
    longest = None
    for last in ends:
        run = history.run_at_or_above(threshold, last)
        if run.first is None:
            continue
        first = max(run.first, window_first)
        days = (last - first).days + 1
        if longest is None or days > longest[2]:
            longest = (first, last, days)
    return longest


def fracture_risk(record: PatientRecord, context: HookContext, fragile: list[str]) -> tuple[list[str], list[str],
                                                                                               list[str]]:
    """Findings that call for an osteoporosis drug (ACR 2022: moderate risk or above), and the FRAX results and
    T-scores that could not be read. Osteoporosis or a fragility fracture on the problem list; a high-dose or
    cumulative glucocorticoid dose (:func:`glucocorticoid_risk`); the lowest T-score at or below its cut-off
    (:func:`t_score_risk`); a FRAX (latest, per kind) at or above the moderate-risk cut-offs (:func:`frax`).
    Under 40 ACR 2022 also counts a Z-score below -3 on >= 7.5 mg/day for >= 6 months: no Z-score is read here."""
    t_findings, t_unreadable = t_score_risk(record, context)
    frax_findings, frax_unreadable = frax(record)
    findings = [*fragile, *glucocorticoid_risk(record, context), *t_findings, *frax_findings]
    return findings, frax_unreadable, t_unreadable


def bone_protection(record: PatientRecord, context: HookContext, *, dxa_window_days: int = DXA_WINDOW_DAYS,
                    dxa_not_before: date | None = None) -> BoneProtection:
    """Calcium/vitamin D active now; a DXA within ``dxa_window_days`` (and, when ``dxa_not_before`` is given,
    not older than that day, e.g. 6 months before T_tx so that the scan reflects this steroid course); an
    osteoporosis drug; and the fracture-risk findings that make a drug necessary."""
    since = record.today - timedelta(days=dxa_window_days)
    if dxa_not_before is not None:
        since = max(since, dxa_not_before)
    studies = dxa_studies(record)
    counting = [d for d in studies if d.day is not None and d.day >= since]
    fragile = fragility(record)
    findings, frax_unreadable, t_score_unreadable = fracture_risk(record, context, fragile)
    drugs, not_counted = osteoporosis_drugs(record)
    return BoneProtection(
        calcium_vitamin_d=record.medications_in(*CALCIUM_VITAMIN_D, current_only=True),
        dxa=counting[-1] if counting else None,
        last_dxa_any=studies[-1] if studies else None,
        osteoporosis_drugs=drugs,
        osteoporosis_drugs_not_counted=not_counted,
        risk_findings=findings,
        fragility=fragile,
        frax_unreadable=frax_unreadable,
        t_score_unreadable=t_score_unreadable,
    )


def frax_min_age_years(context: HookContext) -> float:
    """The age from which FRAX applies: R25's frax_min_age_years (the site's, else FRAX's own FRAX_MIN_AGE_YEARS,
    the default R25 declares), so that R25 and the data-quality note read the same age."""
    return context.thresholds.of_rule(R25_THRESHOLDS)["frax_min_age_years"]


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes (contract section 3): the latest FRAX results and the T-scores that could not be read
    (:meth:`BoneProtection.unread_note`), and, with no osteoporosis drug and nothing else calling for one, that a
    drug's need is then not known (for a FRAX, from the age FRAX applies: :func:`frax_min_age_years`). R25, which reads
    them, runs on patient-view, where a rule that cannot decide is seen only with ?explain: this note is where the
    clinician sees it. Asked on every call: the FRAX and T-scores alone are read first, and the rest only when one is
    unread."""
    if not frax(record)[1] and not t_score_risk(record, context)[1]:
        return []
    age = record.age_years
    note = bone_protection(record, context).unread_note(age is not None and age >= frax_min_age_years(context))
    return [note] if note else []
