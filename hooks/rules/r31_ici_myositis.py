"""R31: checkpoint-inhibitor myositis: rule out myocarditis now, manage by grade, hold a drafted ICI dose."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting, resolvable
from hooks.context import HookContext
from hooks.definitions import ck, cohorts, continuing, diagnosis, dose_basis, lab_orders, steroids
from hooks.definitions.continuing import last_written_dose
from hooks.definitions.courses import course_days, given_today, last_dose_day, not_over, planned
from hooks.definitions.dose_basis import DraftDose, draft_span, draft_start
from hooks.definitions.paediatric_doses import PULSE_DAYS, child_pulse, oral_after_pulse, pulse_order, pulse_product
from hooks.definitions.pulse_follow_on import ChartOral, OralsOnChart, orals_on_chart
from hooks.definitions.routes import is_local_order
from hooks.definitions.weight import Measure, dosing_weight, weight_max_age_days, why_not_current
from hooks.dosing import (
    CHILD_FINER_STEPS_MG,
    HALF_TABLET_STEP_MG,
    PULSE_STEP_MG,
    ROUNDING_TOLERANCE,
    TABLET_STEP_MG,
    RoundedDose,
    oral_steroid_product,
    prednisone_equivalent_on_a_dose_day,
    rounded_dose,
)
from hooks.record import MedicationOrder, Observation, PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ASCO_2021_CARDIAC, ASCO_2021_MYOSITIS, BSMO_TROPONIN, SAFA_2019, SEED_004, SITC_2021

RULE = Rule(
    id="ici-myositis",
    number=31,
    title="Checkpoint-inhibitor myositis: rule out myocarditis",
    hooks=("patient-view", "order-sign"),
    severities=("critical",),
    summary="ICI context with myositis (CK above ULN with weakness or myalgia, or a myositis starting after the "
            "first ICI dose): troponin/ECG, grade-based management, hold a drafted ICI dose.",
    sources=(ASCO_2021_MYOSITIS, ASCO_2021_CARDIAC, SITC_2021, BSMO_TROPONIN, SAFA_2019, SEED_004),
    parameters={
        "cardiac_test_max_hours": Param(72, "hours", "Troponin and ECG must be at most this old."),
        "troponin_lookback_days": Param(30, "days", "A raised troponin this recent means possible myocarditis."),
        "grade_max_age_days": Param(30, "days", "A documented CTCAE grade this recent is used."),
        "ck_steroid_multiple_g2": Param(3, "x ULN", "Grade 2: prednisone when CK is at or above this multiple."),
        "prednisone_cap_mg": Param(80, "mg/day", "Cap on a weight-based prednisone dose (adult absolute cap).",
                                   at_most="prednisone-adult-dose-check.max_mg_day"),
        "paediatric_prednisone_cap_mg": Param(60, "mg/day", "Cap on a child's weight-based prednisone dose.",
                                              at_most="pediatric-myositis-dose-limits.steroid_max_mg_day"),
        "methylprednisolone_cap_mg": Param(1000, "mg/day", "Cap on a weight-based IV methylprednisolone dose.",
                                           at_most="ivmp-pulse-dose-cap.max_mg_day"),
        "pulse_mg": Param(1000, "mg/day", "Adult IV methylprednisolone pulse (heart involvement or myasthenia); also "
                                          "the cap on a child's pulse.", at_most="ivmp-pulse-dose-cap.max_mg_day"),
        "pulse_on_file_days": Param(30, "days", "IV methylprednisolone at a pulse dose given this recently (or still "
                                                "given) is named: no new pulse is offered, the oral follow-on is."),
        # read by the cohort (cohorts.pre_ici_ck, cohorts.troponins_since_ici), as the suppression gate and R21 ask it
        # too
        "ck_baseline_max_days_before_ici": Param(180, "days", "A CK known raised as the last one at most this long "
                                                              "before the first ICI dose (or on its day) is the "
                                                              "pre-ICI baseline of a myositis known before the ICI; "
                                                              "so is the troponin T last resulted in that window "
                                                              "[sign-off]."),
        "ck_rise_over_pre_ici_baseline": Param(1.5, "x baseline", "With weakness or myalgia, a CK raised before the "
                                                                  "first ICI dose is ICI-myositis evidence only once a "
                                                                  "CK since reaches this multiple of that baseline: "
                                                                  "about CK's 95% reference change (within-person CV "
                                                                  "about 19%, Nicholson, J Neurol Sci 1985) [verify] "
                                                                  "[sign-off].", at_least=1),
        "troponin_rise_over_pre_ici_baseline": Param(
            1.2, "x baseline", "Beside that CK, a troponin (I or T) raised since the first ICI dose is ICI-myositis "
                               "evidence of its own unless its last result in the CK's baseline window before that "
                               "dose was raised too (regenerating muscle of a known myositis for troponin T; kidney "
                               "disease or heart failure for either) and it has not reached this multiple of the "
                               "lowest of its kind from there on: the Fourth Universal Definition of Myocardial "
                               "Infarction (2018) reads a change of more than 20% over a raised baseline as a rise "
                               "[verify] [sign-off].", at_least=1),
    },
    needs=("patient", "conditions", "observations", "medications", "procedures"),
    override_family="safety",
)

MYASTHENIA = "myasthenia"  # as cohorts.neuromuscular_features names it
# the bulbar or respiratory features (ASCO's myasthenia G3-4) that, with myasthenia and no grade, call for the pulse:
# myasthenia alone, or with ptosis or diplopia, may be long-standing and stable
BULBAR_OR_RESPIRATORY = ("dysphagia", "dyspnoea", "respiratory failure")
# R07 checks a child's IV methylprednisolone against its paediatric_max_mg_per_kg_day: the child's pulse is that dose
# (SHARE 30 mg/kg); a pulse dose, whose days it counts, is steroids.pulse_level
IVMP_CHECK = steroids.IVMP_PULSE_CAP
# the higher pulse's sources: ASCO's own list of severe compromise, and the decision table, which adds myasthenia
PULSE_SOURCE = ("ASCO 2021, myositis: methylprednisolone 1-2 mg/kg/day IV, or a higher-dose bolus for severe "
                "compromise (weakness severely limiting mobility, cardiac, respiratory, dysphagia); the decision "
                "table: \"higher pulse if myocarditis or MG\"")
MYASTHENIA_CAUTION = ("**Myasthenia: high-dose glucocorticoids can transiently worsen it.** Start a pulse only on "
                      "admission, with FVC and NIF monitoring, and give IVIG or plasma exchange with it (ASCO 2021: "
                      "consider plasmapheresis or IVIG at G3-4; in 65 patients with ICI myasthenia, IVIG or plasma "
                      "exchange first did better than glucocorticoids alone: Safa, J Immunother Cancer 2019). ")
# how R31's oral glucocorticoid orders are given (:func:`_oral`), as the card says of one it keeps
BY_MOUTH = "by mouth"
ONCOLOGY_REFERRAL, NEUROLOGY_REFERRAL, CARDIOLOGY_REFERRAL = "183529009", "308474002", "308471005"  # SNOMED CT
# 'Grade 2', 'Grade: 2', 'G2', 'grade II', or a value that starts with the grade ('2', '3 (severe)'); never another
# number in the text ('CTCAE v5.0 grade 1' is grade 1)
_GRADE = re.compile(r"\b(?:grade|g)[\s:#-]*([1-5])\b|^\s*([1-5])\b(?![.,]\d)|\bgrade[\s:#-]*(iv|v|i{1,3})\b", re.I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5}

DETAIL = """\
**Checkpoint-inhibitor myositis: rule out myocarditis now.** {why}. ICI: {ici}.{known}

- CK: {ck}
- Troponin (within {hours} h): {troponin}
- ECG (within {hours} h): {ecg}
- CTCAE grade: {grade}
- Myasthenic, bulbar or respiratory features: {features}

**Now:** {plan}

How to manage (ASCO 2021): check hs-troponin I (more heart-specific than troponin T, which regenerating muscle
can raise), ECG, NT-proBNP and echo, and look for the "triple M" overlap with myasthenia (AChR antibodies,
spirometry/NIF). Hold the ICI for any troponin rise. **G1**: continue the ICI with close monitoring. **G2**: hold
the ICI; prednisone{as_child} 0.5-1 mg/kg/day if CK >= 3x ULN. **G3-4**: hold the ICI; prednisone 1 mg/kg/day or
methylprednisolone 1-2 mg/kg/day IV (higher pulse for myocarditis or myasthenia); consider plasmapheresis or IVIG;
add another immunosuppressant if there is no improvement in 2 weeks. **Permanently discontinue** the ICI if the
heart is involved. Do not restart until CK is normal and symptoms have resolved.

{doses}"""


@dataclass(frozen=True, slots=True)
class Drafted:
    """A glucocorticoid that treats the myositis (``steroids.REPLACED_BY_PREDNISONE``) in the drafts signed with the
    ICI dose, read as one on file is: IV methylprednisolone at a pulse dose (``pulse``) joins the pulses on file
    (:class:`OnFile`); any other (by mouth, or IV or IM below the pulse level) is the grade's glucocorticoid, or the
    one after the pulse. Either way no second one is offered beside it, and its dose is judged against the grade's
    (:func:`_steroids`); its dose limits are R06's, R07's and R32's checks, not repeated here."""

    order: MedicationOrder
    dose: DraftDose
    first: date  # the day it starts (dose_basis.draft_start)
    pulse: bool

    @property
    def parenteral(self) -> bool:
        """IV or IM: not the oral dose after a pulse, and IV methylprednisolone beside one (R07 adds them up)."""
        return steroids.is_intravenous(self.order) or steroids.is_intramuscular(self.order)

    @property
    def named(self) -> str:
        return f"{self.order.label}, {self.dose.how_given()}"


@dataclass(frozen=True, slots=True)
class OnFile:
    """IV methylprednisolone at a pulse dose on file or drafted (``pulses``, each named with its dose and days, the
    last ``drafted`` of them in the drafts being signed; a pulse dose is one at or above ``level``,
    ``steroids.pulse_level``, from which R07 counts pulse days too) and what follows it:
    whether one is not over (``not_over``: given today, or planned from a later day, courses.planned: the follow-on
    comes after it, never beside it), the day its oral follow-on is to start (``oral_from``: the day after such a
    pulse's last written dose; None when all are over or one's end is not written), the first days of those not
    over whose last dose is not written (``undated_from``: the card names them instead), the last day one was given
    (``last_given``), and the oral glucocorticoids current now that started on or after its first day
    (``follow_on``: the follow-on is on file, so no new prednis(ol)one is pre-selected) or before it (``earlier``,
    each named with its days, sorted as :class:`OralsOnChart` sorts them: a dose the patient was already taking is
    named so that the card never reads as if there were none, and the follow-on replaces it rather than adds to it;
    any other is given for its own reason, named; adrenal replacement the follow-on never replaces)."""

    pulses: list[str]
    level: steroids.PulseLevel
    not_over: bool = False
    oral_from: date | None = None
    undated_from: list[date] = field(default_factory=list)
    last_given: date | None = None
    follow_on: list[str] = field(default_factory=list)
    earlier: OralsOnChart = field(default_factory=OralsOnChart)
    drafted: int = 0

    @property
    def where(self) -> str:
        """Where the pulses are: 'on file', 'drafted', or 'on file and drafted'."""
        return ("on file" if not self.drafted else "drafted" if self.drafted == len(self.pulses) else
                "on file and drafted")


@dataclass(frozen=True, slots=True)
class Pulse:
    """The decision table's "higher pulse if myocarditis or MG": what calls for it (``reasons``), whether it is
    pre-selected (the heart at any grade; myasthenia only at a documented G3-4, or ungraded with a bulbar or
    respiratory feature, as high-dose glucocorticoids can transiently worsen it; ``not_selected`` says why not), and
    IV methylprednisolone at a pulse dose already on file (:class:`OnFile`), after which no new pulse is offered and
    the oral follow-on is recommended, unless one is on file already. ``child``: under 18. ``grade_prednisone``:
    grade 2 with CK known to reach 3 x ULN, whose prednisone the card recommends. ``on_chart``: the oral
    glucocorticoids on the chart, which the oral dose after a new pulse replaces, or keeps where one gives it
    (:class:`OralsOnChart`); none a draft re-sends or names, which leave the chart once it is signed. ``drafted``:
    the glucocorticoids drafted with the ICI dose (:class:`Drafted`)."""

    reasons: list[str]
    recommended: bool
    graded: bool  # a CTCAE grade is documented: an unselected pulse is then one below grade 3-4
    on_file: OnFile
    child: bool
    grade_prednisone: bool
    on_chart: OralsOnChart
    drafted: list[Drafted] = field(default_factory=list)

    @property
    def others(self) -> list[Drafted]:
        """The drafted glucocorticoids other than a pulse: the grade's, or the one after the pulse, already ordered."""
        return [d for d in self.drafted if not d.pulse]

    @property
    def offered(self) -> bool:
        """A new pulse is offered: the reasons call for it and none is on file, unless grade 2's prednisone is
        recommended. The card offers one glucocorticoid way (:func:`_steroids`), the recommended one: an unselected
        pulse beside that prednisone could be signed with it."""
        return bool(self.reasons) and not self.on_file.pulses and (self.recommended or not self.grade_prednisone)

    @property
    def oral(self) -> str:
        """The oral glucocorticoid the card names and orders (:func:`oral_after_pulse`)."""
        return oral_after_pulse(self.child)

    @property
    def not_selected(self) -> str:
        """Why a pulse the reasons call for is offered unselected."""
        return ("below grade 3-4" if self.graded else "without a documented grade 3-4 or a bulbar or respiratory "
                "feature (myasthenia on file, ptosis or diplopia may be long-standing and stable)")

    @property
    def caution(self) -> str:
        """The myasthenia caution, when myasthenia is among the reasons."""
        return MYASTHENIA_CAUTION if MYASTHENIA in self.reasons else ""

    @property
    def governs(self) -> bool:
        """The pulse, new or on file, is the glucocorticoid the heart or myasthenia calls for, whatever the myositis
        grade."""
        return bool(self.reasons) and (self.recommended or bool(self.on_file.pulses))

    @property
    def step(self) -> str:
        """The plan's words for it."""
        where = self.on_file.where
        if self.on_file.pulses and self.others:
            return f"the methylprednisolone pulse {where} and the glucocorticoid drafted after it (below)"
        if self.on_file.follow_on:
            return f"the methylprednisolone pulse {where} and the oral glucocorticoid on file after it (below)"
        if self.on_file.pulses:
            return (f"the methylprednisolone pulse {where}, then oral {self.oral}"
                    + (" in place of the oral glucocorticoid on file from before it"
                       if self.on_file.earlier.replaced else "")
                    + " (below)")
        if self.recommended:
            return "a methylprednisolone IV pulse (dose below)"
        if self.offered:
            return f"a methylprednisolone pulse is offered below, not pre-selected {self.not_selected}"
        return f"no methylprednisolone pulse {self.not_selected}"


def _describe(observation: Observation, context: HookContext) -> str:
    name = cohorts.troponin_name(observation)
    raised = cohorts.troponin_raised(observation, context)
    if raised and observation.in_group("troponin_i"):  # with the limit or flag that shows it, or the fallback
        return f"{name} {diagnosis.raised_troponin_i(observation, context)} on {observation.when}, raised"
    value = observation.quantity or observation.value_text or "result"
    high = f" (ULN {observation.ref_high})" if observation.ref_high else ""
    flag = {True: ", raised", False: ", normal", None: ", rise not judged (no usable reference range or flag)"}[raised]
    return f"{name} {value}{high} on {observation.when}{flag}"


def _grade(observation: Observation) -> int | None:
    if observation.quantity is not None and float(observation.quantity.value).is_integer():
        value = int(observation.quantity.value)
        return value if 1 <= value <= 5 else None
    match = _GRADE.search(observation.value_words)
    if match is None:
        return None
    return _ROMAN[match[3]] if match[3] else int(match[1] or match[2])


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    p = context.params(RULE)
    given = cohorts.ici_exposure(record, context)
    reasons = cohorts.ici_myositis(record, context)
    drafts = context.drafts_in("checkpoint_inhibitor") if context.hook == "order-sign" else []
    facts: dict[str, Any] = {"ici": ", ".join(m.label for m in given) or None,
                             "ici_myositis": "; ".join(reasons) or None,
                             "draft_ici": ", ".join(d.label for d in drafts) or None}
    if not reasons:
        # a raised CK set aside is said, never dropped without a word: the card would be critical
        set_aside = cohorts.ici_myositis_set_aside(record, context)
        facts["ck_set_aside"] = set_aside
        if set_aside:
            known = _myositis_before_ici(record, context, facts)
            return Quiet(f"no checkpoint-inhibitor myositis read: {set_aside}" + (
                f"; myositis known before the ICI: {'; '.join(known)}" if known else "") + ". A CK since at the rise "
                "multiple, a troponin I raised since, a troponin T raised since that is new (or at its rise multiple "
                "over its own raised pre-ICI result), a myositis diagnosed after the first dose, or myasthenic, "
                "bulbar or respiratory features or myocarditis with a raised CK or troponin would still make it ICI "
                "myositis", facts)
        return Quiet("no checkpoint-inhibitor myositis (ICI context with CK > ULN and weakness/myalgia, a raised CK "
                     "or troponin with myasthenic, ocular, bulbar or respiratory features or myocarditis, or a "
                     "myositis starting after the first ICI dose)", facts)
    if context.hook == "order-sign" and not drafts:
        return Quiet("no ICI dose in the draft orders", facts)
    known = _myositis_before_ici(record, context, facts)

    hours = p["cardiac_test_max_hours"]
    certain, possible = _days_within_hours(hours)
    recent = record.today - timedelta(days=certain)
    near = record.observations_in("troponin_i", "troponin_t", since=record.today - timedelta(days=possible))
    troponins = [o for o in near if o.when is not None and o.when >= recent]
    lookback = record.today - timedelta(days=int(p["troponin_lookback_days"]))
    looked_back = record.observations_in("troponin_i", "troponin_t", since=lookback)
    judged = [(o, cohorts.troponin_raised(o, context)) for o in looked_back]
    raised = [o for o, above in judged if above]
    raised_i = [o for o in raised if o.in_group("troponin_i")]
    tnt_only = [o for o in raised if not o.in_group("troponin_i")] if not raised_i else []
    near_ecgs = diagnosis.done(record, "ecg", within_days=possible)
    ecgs = [e for e in near_ecgs if e.day is not None and e.day >= recent]
    ecg_text = ", ".join(f"{e.label} {e.day}" for e in ecgs)
    # left out, and named: dated so that they may be older than the window
    old_troponin_text = [_describe(o, context) for o in near if o.when is not None and o.when < recent]
    old_ecg_text = [f"{e.label} {e.day}" for e in near_ecgs if e.day is not None and e.day < recent]
    heart = [_describe(o, context) for o in raised_i] + [c.code.label for c in cohorts.myocarditis(record)]
    # a resulted troponin that cannot be read against a limit may be a rise: heart involvement is unknown, never
    # excluded, unless a later troponin was judged (a pending one with no value says nothing yet)
    last_judged = max((o.when for o, above in judged if above is not None and o.when is not None), default=None)
    unjudged = [_describe(o, context) for o, above in judged if above is None and (o.quantity or o.measured_as_text)
                and (last_judged is None or (o.when is not None and o.when > last_judged))] if not heart else []
    # the newest grade decides; one that cannot be read leaves the grade unknown (an older one may be out of date)
    graded = record.observations_in("ctcae_myositis_grade",
                                    since=record.today - timedelta(days=int(p["grade_max_age_days"])))
    grade_obs = graded[-1] if graded else None
    grade = _grade(grade_obs) if grade_obs else None
    features = cohorts.neuromuscular_features(record)
    points = [pt for pt in ck.series(record, context) if pt.day >= record.today - timedelta(days=30)]
    last_ck = points[-1] if points else None
    ck_multiple = last_ck.times_uln if last_ck else None  # 'at least 100.0' for a CK written '>20,000'
    # whether it reached grade 2's prednisone multiple; None when a bound leaves it open: then no prednisone is
    # started, the lab is asked (ck.switches_on)
    reached = ck_multiple.at_least(p["ck_steroid_multiple_g2"]) if ck_multiple is not None else False
    # ungraded: a bulbar, respiratory or myasthenic feature is managed as G3-4, but myasthenia on file alone is not
    # (it may be long-standing and stable): it is graded first
    manage = ("G3-4" if (grade or 0) >= 3 else f"G{grade}" if grade else
              "G3-4" if set(features) - {MYASTHENIA} else None)
    facts.update({
        "troponin_within_window": "; ".join(_describe(o, context) for o in troponins) or None,
        "troponin_raised": "; ".join(_describe(o, context) for o in raised) or None,
        "troponin_t_only_raised": bool(tnt_only),
        "ecg_within_window": ecg_text or None,
        "cardiac_tests_possibly_too_old": "; ".join(old_troponin_text + old_ecg_text) or None,
        "myocardial_involvement": "; ".join(heart) or None,
        "troponin_not_judged": "; ".join(unjudged) or None,
        "ctcae_grade": grade, "grade_documented": grade_obs.when if grade_obs else None,
        "features": ", ".join(features) or None,
        "latest_ck": str(last_ck) if last_ck else None,
        "ck_x_uln": ck_multiple.fact(1) if ck_multiple is not None else None,
        "managed_as": manage,
    })
    weight = dosing_weight(record, context)
    facts["dosing_weight"] = weight.describe("kg") if weight else None
    # the decision table's "higher pulse if myocarditis or MG": what calls for it, named on the card
    myasthenia = MYASTHENIA in features
    child = cohorts.is_paediatric(record, context)
    kg = weight.value if weight else None
    level = steroids.pulse_level(context, child, kg)
    drafted = _drafted(record, context, level, kg)
    # a chart order a glucocorticoid draft re-sends or names leaves the chart once it is signed: the draft replaces
    # or stops it
    links = continuing.Links(context.drafts_in(steroids.GROUP))
    on_file = _pulse_on_file(record, level, kg, [d for d in drafted if d.pulse], links, p)
    # myasthenia calls for the pulse at a documented G3-4, or ungraded with a bulbar or respiratory feature
    myasthenia_g34 = (grade or 0) >= 3 or (grade is None and bool(set(features) & set(BULBAR_OR_RESPIRATORY)))
    g2_steroid = manage == "G2" and reached is True
    pulse = Pulse((["heart involvement"] if heart else []) + ([MYASTHENIA] if myasthenia else []),
                  bool(heart) or (myasthenia and myasthenia_g34), bool(grade), on_file, child, g2_steroid,
                  OralsOnChart.sorted_out(o for o in orals_on_chart(record, weight).all if not links.linking(o.order)),
                  drafted)
    facts["pulse_on_file"] = "; ".join(on_file.pulses) or None
    facts["glucocorticoid_drafted"] = "; ".join(d.named for d in pulse.others) or None
    facts["oral_follow_on"] = "; ".join(on_file.follow_on) or None
    facts["oral_before_pulse"] = "; ".join(oral.named for oral in on_file.earlier.replaced) or None
    facts["other_oral_before_pulse"] = "; ".join(oral.named for oral in on_file.earlier.other) or None
    facts["adrenal_replacement_before_pulse"] = "; ".join(oral.named for oral in on_file.earlier.adrenal) or None
    # beside a new pulse: the oral glucocorticoids its oral dose replaces, keeps or names
    facts["oral_glucocorticoid_on_chart"] = ("; ".join(o.named for o in pulse.on_chart.all) or None
                                             if pulse.offered else None)
    plan = _plan(manage, grade, heart, unjudged, pulse, troponins, ecgs, last_ck, reached, p)
    # the ICI is held (or stopped) unless grade 1 with the heart known to be spared and no myasthenia
    hold = bool(pulse.reasons or tnt_only or unjudged) or manage != "G1" or not troponins or not ecgs
    on_chart = _ici_on_chart(record, context)
    # a troponin I within the window read as normal, beside no rise and no unread result: the work-up does not
    # repeat it (a rise is rechecked, ASCO's cardiac table)
    repeat_troponin = bool(heart or tnt_only or unjudged) or not any(
        o.in_group("troponin_i") and cohorts.troponin_raised(o, context) is False for o in troponins)
    facts["ici_order_on_chart"] = "; ".join(f"{o.label} ({o.status})" for o in on_chart) or None
    ici_way, by_hand = _ici_hold(drafts, on_chart, bool(heart), hold)
    plan += by_hand
    if tnt_only:
        # its own pre-ICI baseline, named where it was raised: a myositis known before the ICI may keep it so
        before = cohorts.troponin_before_ici(record, context, "troponin_t")
        raised_before = before is not None and cohorts.troponin_raised(before, context)
        plan = (f"Troponin T is raised ({'; '.join(_describe(o, context) for o in tnt_only)}) but it can come from "
                "regenerating skeletal muscle" + (f" (it was raised before the first ICI dose too: "
                                                  f"{_describe(before, context)})" if before and raised_before else "")
                + ": check hs-troponin I now and hold the ICI until it is known. " + plan)
    dose_text, glucocorticoid_ways = _steroids(record, context, g2_steroid, manage, pulse, weight, p)
    grade_text = (f"G{grade} (documented {grade_obs.when})" if grade is not None and grade_obs else
                  (f"not read from {grade_obs.value_label} ({grade_obs.when})" if grade_obs else "not documented")
                  + (" (managed as G3-4 because of the features below)" if manage == "G3-4" else
                     ": grade the weakness today"))
    baseline = cohorts.pre_ici_ck(record, context)
    facts["ck_before_ici"] = baseline.describe() if baseline else None
    detail = DETAIL.format(
        why="; ".join(reasons), ici=facts["ici"], hours=f"{hours:g}", known=_known_myositis(known),
        ck=(f"{last_ck} = {ck_multiple:.1f} x ULN" if last_ck else "none within 30 days")
        + (f"; {baseline.describe()}" if baseline else ""),
        troponin=("; ".join(_describe(o, context) for o in troponins) or "**none: order hs-troponin I now**")
        + _possibly_too_old(old_troponin_text, hours),
        ecg=(ecg_text or "**none: do an ECG now**") + _possibly_too_old(old_ecg_text, hours),
        grade=grade_text, features=", ".join(features) or "none recorded", plan=plan, doses=dose_text,
        as_child=" (prednisolone for a child, mg for mg)" if child else "")
    summary_grade = f"G{grade}" if grade else "ungraded"
    head = "ICI dose drafted with" if drafts else "Checkpoint-inhibitor"
    state = (f" ({summary_grade}" + (", heart involved" if heart else ", heart not excluded" if unjudged else "")
             + "): " + ("hold and permanently stop the ICI" if heart else
                        "hold the ICI until cardiac involvement is excluded" if unjudged else
                        "check troponin and ECG now" if not troponins or not ecgs else
                        "hold the ICI; methylprednisolone pulse for the myasthenia" if myasthenia and pulse.governs
                        else "hold the ICI; neurology today for the myasthenia" if myasthenia else
                        "continue ICI with close monitoring" if manage == "G1" else "hold the ICI; treat by grade"))
    # a myositis known before the ICI is named beside it: the rise may be its flare as well
    flare = f" or flare of known {'IMNM' if cohorts.is_imnm(record, context) else 'myositis'}" if known else ""
    summary = first_fitting([f"{head} myositis{flare}{state}", f"{head} myositis{state}"])
    # the glucocorticoid ways exclude one another (two signed together would both be given): one is offered, beside
    # the work-up, consults and ICI hold, which stand on their own
    suggestions, selection = continuing.one_way_out_each(
        [glucocorticoid_ways], ici_way + _suggestions(context, repeat_troponin, not ecgs))
    return Fired(
        severity="critical",
        summary=summary,
        detail=detail,
        facts=facts,
        about=drafts,
        suggestions=suggestions,
        selection=selection,
    )


def _myositis_before_ici(record: PatientRecord, context: HookContext, facts: dict[str, Any]) -> list[str]:
    """:func:`cohorts.myositis_before_ici`, recorded in ``facts``: read only where the card or the set-aside's reason
    names it, not for every patient in ICI context."""
    known = cohorts.myositis_before_ici(record, context)
    facts["myositis_before_ici"] = "; ".join(known) or None
    return known


def _known_myositis(known: list[str]) -> str:
    """The card's words for a myositis the patient had before the first ICI dose (none: nothing)."""
    if not known:
        return ""
    return (f" **Myositis known before the ICI: {'; '.join(known)}.** This may be a flare of it as well as, or "
            "rather than, ICI myositis: it is managed as ICI myositis below until myocarditis is excluded, and the "
            "neuromuscular team reviews the treatment of both.")


def _days_within_hours(hours: float) -> tuple[int, int]:
    """(certain, possible): how many days back a result known only by its date is certainly, and may be, at most
    ``hours`` old. Neither the result's time of day nor now's is known, so one dated ``k`` days ago is anywhere from
    (k - 1) x 24 h (late that day, read just after midnight) to (k + 1) x 24 h old (just after midnight, read late
    today). Certain: (k + 1) x 24 <= hours, so k <= floor(hours / 24) - 1 (72 h: today and the 2 days before; -1
    under 24 h: none). Possible: (k - 1) x 24 < hours, so k <= ceil(hours / 24) (72 h: 3 days back)."""
    return math.floor(hours / 24) - 1, math.ceil(hours / 24)


def _possibly_too_old(results: list[str], hours: float) -> str:
    if not results:
        return ""
    return f" (left out, as only the date is on file and it may be more than {hours:g} h old: {'; '.join(results)})"


def _plan(manage: str | None, grade: int | None, heart: list[str], unjudged: list[str], pulse: Pulse,
          troponins: list[Observation], ecgs: list[diagnosis.Done], last_ck: ck.CkPoint | None,
          reached: bool | None, p: Any) -> str:
    steps = []
    if heart:
        steps.append(f"heart involvement ({'; '.join(heart)}): hold the ICI and **permanently discontinue** it; "
                     f"cardio-oncology today; {pulse.step}.")
    elif unjudged:
        steps.append(f"cardiac involvement **not excluded** ({'; '.join(unjudged)}): without the lab's reference "
                     "range the troponin could not be judged and may be a rise. Hold the ICI and do not continue it "
                     "until cardiac involvement is excluded (repeat hs-troponin I with its reference range, ECG, "
                     "cardio-oncology).")
    if pulse.reasons and not heart:  # myasthenia: ASCO grades it from G2 and holds the ICI at every grade
        steps.append(f"myasthenia on file: hold the ICI; neurology today; {pulse.step}.")
    if not troponins or not ecgs:
        missing = " or ".join(n for n, have in (("hs-troponin I", troponins), ("ECG", ecgs)) if not have)
        steps.append(f"no {missing} within {p['cardiac_test_max_hours']:g} h: do it now, and hold the ICI "
                     "until myocarditis is excluded.")
    if manage == "G1":
        # continuing is only for a heart known to be spared; the steps above already say hold or discontinue
        if not heart and not unjudged and not pulse.reasons:
            steps.append(("grade 1: the ICI may continue" if troponins and ecgs else
                          "grade 1: once myocarditis is excluded, the ICI may continue")
                         + " with close monitoring (CK, troponin, symptoms).")
    elif manage == "G2":
        multiple = p["ck_steroid_multiple_g2"]
        if pulse.governs:  # the pulse, not the grade's prednisone, is the glucocorticoid
            steps.append(f"grade 2: hold the ICI; {pulse.step}.")
        elif last_ck is not None and reached:
            steps.append(f"grade 2: hold the ICI; CK is {last_ck.times_uln:.1f} x ULN (>= {multiple:g}): start "
                         f"{pulse.oral} 0.5-1 mg/kg/day.")
        elif last_ck is not None and reached is None:  # a bound leaves it open: the lab can tell
            # '>500' against 200: above the analyser's range, a diluted sample tells; '<1,000': the lab has the value
            ask = "the diluted result" if last_ck.comparator in (">", ">=") else "the measured value (or repeat the CK)"
            steps.append(f"grade 2: hold the ICI; CK {last_ck.reading} may be {multiple:g} x ULN or more: ask the lab "
                         f"for {ask}, and start {pulse.oral} 0.5-1 mg/kg/day if it is.")
        else:
            steps.append(f"grade 2: hold the ICI; {pulse.oral} 0.5-1 mg/kg/day if CK reaches {multiple:g} x ULN "
                         f"({f'now {last_ck.times_uln:.1f} x' if last_ck else 'no recent CK'}).")
    elif manage == "G3-4":
        steroid = (pulse.step if pulse.on_file.pulses else
                   f"the methylprednisolone pulse (dose below) rather than {pulse.oral} 1 mg/kg/day or "
                   "methylprednisolone 1-2 mg/kg/day IV" if pulse.governs else
                   f"{pulse.oral} 1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV")
        steps.append(("grade 3-4" if grade else "ungraded but with bulbar, respiratory or myasthenic features: "
                      "manage as grade 3-4") + f": hold the ICI; {steroid}; consider plasmapheresis or IVIG; "
                     "neuromuscular and oncology today.")
    else:
        steps.append("grade not documented: grade the weakness (CTCAE) today and hold the next ICI dose until "
                     "graded and myocarditis is excluded.")
    return " ".join(s[0].upper() + s[1:] for s in steps)


def _oral(context: HookContext, oral: str, mg: float, on_file: OnFile | None = None,
          after_new_pulse: bool = False) -> dict[str, Any]:
    """``oral`` (:func:`oral_after_pulse`) once daily: from now, or after a pulse on file not over (``on_file``:
    given or planned), from the day after its last dose: that day is the order's start
    (timing.repeat.boundsPeriod.start) when the pulse's end is written; or after the new pulse in the same suggestion
    (``after_new_pulse``: PULSE_DAYS from signing). Never after a pulse that is neither on file nor signed with it:
    signed alone, it would leave days with no glucocorticoid."""
    product = oral_steroid_product(oral, mg)
    after = (on_file is not None and on_file.not_over) or after_new_pulse
    day = (context.today + timedelta(days=PULSE_DAYS) if after_new_pulse
           else on_file.oral_from if on_file is not None and after else None)
    start = (", starting the day after the last IV methylprednisolone dose" + (f" ({day})" if day else "")
             if after else "")
    return orders.medication_request(
        context.patient_id, orders.product_concept(context.valuesets, product), mg, "mg",
        text=f"{oral.capitalize()} {mg:g} mg ({product.amount}) {BY_MOUTH} once daily{start} (ICI myositis)",
        starts=day)


def _methylprednisolone(context: HookContext, mg: float, note: str) -> dict[str, Any]:
    return orders.medication_request(
        context.patient_id, orders.concept(context.valuesets, "glucocorticoid_systemic", pulse_product(mg)), mg,
        "mg", route="iv",
        text=f"Methylprednisolone {mg:g} mg IV once daily (ICI myositis)", note=note)


def _days_given(order: MedicationOrder, today: date) -> str:
    """'2026-11-18 to 2026-11-20', 'since 2026-11-20, still given (to 2026-11-22)' (or 'on hold'), or 'planned from
    2026-11-22'."""
    if planned(order, today):
        return f"planned from {order.start}"
    span = course_days(order, today)
    if span is not None and given_today(order, today):
        # an order on hold counts as current (FHIR expects it to resume) but is not being given
        now = "on hold" if order.status == "on-hold" else "still given"
        return f"since {span[0]}, {now}" + (f" (to {order.end})" if order.end and order.end > today else "")
    last = last_dose_day(order, today)
    return f"{span[0]} to {last}" if span is not None else f"last given {last}"


def _drafted(record: PatientRecord, context: HookContext, level: steroids.PulseLevel, kg: float | None
             ) -> list[Drafted]:
    """The drafts that order a glucocorticoid treating the myositis (not a stop, ``continuing.discontinues``, nor a
    local form), each read as :class:`Drafted`: a pulse where it is IV methylprednisolone at a pulse dose, read as
    one on file is (:func:`_at_pulse_level`)."""
    found = []
    for order in context.drafts_in(steroids.GROUP):
        if (order.resource_type != "MedicationRequest" or not order.status_meaning.orders
                or continuing.discontinues(order) or is_local_order(order)
                or order.medication.concept_in(steroids.GROUP) not in steroids.REPLACED_BY_PREDNISONE):
            continue
        dose = dose_basis.read_dose(order, kg)
        found.append(Drafted(order, dose, draft_start(order, record.today),
                             steroids.is_iv_methylprednisolone(order) and _at_pulse_level(dose, level)))
    return found


def _at_pulse_level(dose: DraftDose, level: steroids.PulseLevel) -> bool:
    """IV methylprednisolone at a pulse dose (``steroids.pulse_level``, from which R07 counts pulse days), or of a
    dose that cannot be read, as it may be one. A lower IV dose is not: a new pulse replaces it."""
    return dose.dose_day_mg is None or dose.dose_day_mg >= level.mg_day


def _pulse_on_file(record: PatientRecord, level: steroids.PulseLevel, kg: float | None, drafted: list[Drafted],
                   links: continuing.Links, p: Any) -> OnFile:
    """IV methylprednisolone at a pulse dose (:func:`_at_pulse_level`) still given or last given within
    ``pulse_on_file_days``, each named with its dose and days (``steroids.iv_pulses_since``, as R19 reads a pulse
    already given), then those ``drafted`` with the ICI dose, to come from the day each starts, and what follows them
    (:class:`OnFile`). An oral glucocorticoid on the chart that a draft re-sends or names (``links``) is none: it
    leaves the chart once the draft is signed."""
    today = record.today
    since = today - timedelta(days=int(p["pulse_on_file_days"]))
    pulses = [(order, dose) for order in steroids.iv_pulses_since(record, since)
              if _at_pulse_level(dose := dose_basis.read_dose(order, kg), level)]
    if not pulses and not drafted:
        return OnFile([], level)
    # a planned pulse is one to come, not one over: the follow-on waits for it as for one being given; so does a
    # drafted one. Each with its first day and last written dose
    to_come = [(order.start, last_written_dose(order)) for order, _ in pulses if not_over(order, today)]
    to_come += [draft_span(d.order, today) for d in drafted]
    # the follow-on starts the day after the last written dose of every pulse not over; unknown if one has none
    ends = [day for _, day in to_come if day is not None]
    first = min([span[0] for order, _ in pulses if (span := course_days(order, today))] + [d.first for d in drafted],
                default=None)
    # (started on or after the pulse's first day, the oral)
    orals = [(began >= first, oral) for began, oral in _current_orals(record, kg, links)] if first is not None else []
    return OnFile(
        [f"{order.label}, {dose.how_given()}, {_days_given(order, today)}" for order, dose in pulses]
        + [f"{d.named}, {_days_drafted(d, today)}" for d in drafted],
        level,
        bool(to_come),
        max(ends) + timedelta(days=1) if to_come and len(ends) == len(to_come) else None,
        sorted({start for start, day in to_come if day is None and start is not None}),
        max((day for order, _ in pulses if (day := last_dose_day(order, today))), default=None),
        [oral.named for since_pulse, oral in orals if since_pulse],
        OralsOnChart.sorted_out(oral for since_pulse, oral in orals if not since_pulse),
        len(drafted))


def _days_drafted(drafted: Drafted, today: date) -> str:
    """'drafted, 2026-11-21 to 2026-11-23', or 'drafted, from 2026-11-21' where it writes no last day."""
    first, last = draft_span(drafted.order, today)
    return f"drafted, {first} to {last}" if last is not None else f"drafted, from {first}"


def _current_orals(record: PatientRecord, kg: float | None, links: continuing.Links
                   ) -> list[tuple[date, ChartOral]]:
    """The oral glucocorticoids current now (given today, or active and to start later), each with its first day
    and named with its days: one started on or after the pulse's first day is its follow-on, already on file; one
    started before it (a maintenance dose the pulse interrupted) is no follow-on, but the patient takes it. One a
    draft re-sends or names (``links``) leaves the chart once it is signed: left out."""
    return [(order.start, ChartOral(order, dose_basis.read_dose(order, kg), _days_given(order, record.today)))
            for order in steroids.orals_going_on(record)
            # one with no start date cannot be placed before or after the pulse
            if order.start is not None and not links.linking(order)]


def _on_file_text(pulse: Pulse, weighed: bool) -> str:
    """What the card says of the pulse on file: no new one (R07 checks a repeat: for a child its mg/kg where a
    current weight is known, and its days only from the pulse level, ``OnFile.level``), and the oral follow-on:
    the one on file, or the oral glucocorticoid from the day after a running pulse's last dose, or now when the pulse
    is over; one the patient took before the pulse is named, and the follow-on takes its place (the suggested order
    discontinues it, where it has an id to act on; with no weight (``weighed``) no order is suggested, so it is to be
    discontinued when the follow-on is ordered); any other oral glucocorticoid is named, stopped only if the
    follow-on covers its reason; adrenal replacement is kept."""
    on_file, oral = pulse.on_file, pulse.oral
    earlier = on_file.earlier
    before = f"the oral glucocorticoid on file from before the pulse: {'; '.join(o.named for o in earlier.replaced)}"
    them = "it" if len(earlier.replaced) == 1 else "them"
    if weighed:
        by_hand = [o.order.label for o in earlier.by_hand]
        stops = []
        if earlier.stoppable:
            stops.append(f"the suggested {oral} discontinues {'those with an id' if by_hand else them}")
        if by_hand:
            stops.append(f"discontinue {'; '.join(by_hand)} by hand (no id the card can act on)")
        stop = "; ".join(stops)
    else:
        stop = f"discontinue {them} when the follow-on is ordered"
    replaces = (f"It replaces, not adds to, {before}: {stop}; if that was a maintenance dose from before the "
                "myositis, the taper ends at it, not at zero. " if earlier.replaced else "")
    other = (f"Also current, {'; '.join(o.named for o in earlier.other)}: stop "
             f"{'it' if len(earlier.other) == 1 else 'each'} only if the follow-on covers what it was given for. "
             if earlier.other else "")
    adrenal = (f"Also current, **{'; '.join(o.named for o in earlier.adrenal)}: adrenal replacement: keep it** "
               "(stress dosing per endocrinology) and do not taper the follow-on below the physiological dose. "
               if earlier.adrenal else "")
    if pulse.others:  # named and judged with the drafts (_steroids)
        also = on_file.follow_on + [o.named for o in earlier.replaced]
        follow = (f"Its follow-on is drafted (below): no other {oral} or IV methylprednisolone is offered. "
                  + (f"Also current, {'; '.join(also)}: the drafted one adds to it unless it is discontinued. "
                     if also else ""))
    elif on_file.follow_on:
        follow = (f"**Its oral follow-on is on file: {'; '.join(on_file.follow_on)}**; no new {oral} is "
                  "pre-selected. " + (f"Also current, {before}. " if earlier.replaced else ""))
    elif on_file.not_over:
        follow = (f"Follow it with {oral} 1 mg/kg/day (dose below) from the day after its last dose ("
                  + (str(on_file.oral_from) if on_file.oral_from else _undated(on_file.undated_from)) + "). "
                  + replaces)
    else:
        follow = (f"Its last dose was on {on_file.last_given} and no oral glucocorticoid started since is current: "
                  f"start {oral} 1 mg/kg/day (dose below). " + replaces)
    days = on_file.level.describe()
    r07 = ("any pulse ordered" if not pulse.child else f"its mg/kg, and its days only from {days}" if weighed else
           f"its days from {days}; its mg/kg needs a current weight")
    return (f"**IV methylprednisolone at a pulse dose {on_file.where}: {'; '.join(on_file.pulses)}.** "
            + (f"No new pulse is offered: a repeat is for cardio-oncology or neurology to decide (R07 checks {r07}). "
               if pulse.reasons else "")
            + follow + other + adrenal + pulse.caution)


def _undated(starts: list[date]) -> str:
    """What the card says of the last dose of a pulse not over whose order does not write it (no end date, or a
    count with no start): not a day, which would be a guess, but the day the order runs from, where written."""
    if len(starts) > 1:
        return f"the orders give no last day; they run from {' and '.join(map(str, starts))}"
    return "the order gives no last day" + (f"; it runs from {starts[0]}" if starts else "")


def _pulse(context: HookContext, weight: Measure | None, pulse: Pulse, p: Any, after: RoundedDose | None
           ) -> tuple[str, list[Suggestion]]:
    """The higher pulse, built as R07 and R19 build theirs: an adult's fixed dose (``pulse_mg``, 1 g), a child's
    the mg/kg/day R07 checks (SHARE 30 mg/kg) at most that, rounded down (``child_pulse``), so that R07 never
    flags the suggestion. A child's needs a current weight; an adult's needs none. Where it is offered
    (``pulse.offered``; pre-selected only when ``pulse.recommended``), it is one suggestion with the oral dose
    after it (``after``; none without a weight), which starts the day after its third dose, as R19's does: the oral
    is never offered apart from the pulse it waits for. As R19's, that dose replaces the prednis(ol)one on the chart
    (``pulse.on_chart``), which the suggestion discontinues and the card names, or, where the chart's one order
    already gives it once a day, keeps it with no new order (:class:`OralsOnChart`). A glucocorticoid drafted with
    the ICI dose (``pulse.others``) is one on file too: one by mouth is the dose after the pulse, so none is ordered
    (:func:`_judged` says when to start it); the pulse replaces one IV or IM, which its suggestion cancels."""
    cap = p["pulse_mg"]
    chart = pulse.on_chart
    why = " and ".join(pulse.reasons)
    drafted_after = [d for d in pulse.others if not d.parenteral]
    if drafted_after:
        after = None
    # (a draft with no id a delete can name leaves the whole suggestion out, as cards.build says on the card)
    cancelled = [d.order for d in pulse.others if d.parenteral]
    unselected = ("" if pulse.recommended else
                  (" (offered, not pre-selected: " if pulse.offered else
                   " (not offered beside the grade 2 prednisone: ")
                  + "the decision table's higher pulse for myasthenia is a grade 3-4 step"
                  + ("" if pulse.graded else
                     "; without a grade, myasthenia, ptosis or diplopia alone do not call for it: grade the weakness "
                     "today") + ")")
    if not pulse.child:
        dose, how, resource = cap, "", pulse_order(context, cap, pulse.oral)
    else:
        per_kg = context.thresholds.of_rule(IVMP_CHECK)["paediatric_max_mg_per_kg_day"]
        if weight is None:
            return (f"**{why.capitalize()}: a methylprednisolone pulse of {per_kg:g} mg/kg/day (maximum "
                    f"{dose_basis.mg(cap)}) for 3-5 days; the child's dose could not be computed without a current "
                    f"weight.**{unselected}"
                    + (chart.said(pulse.oral, BY_MOUTH, ordered=False) if pulse.offered else "") + " "
                    + pulse.caution), []
        order = child_pulse(context, per_kg, cap, weight)
        dose, how, resource = order.dose.mg, f" ({per_kg:g} mg/kg, {order.dose.how})", order.resource
    kept = chart.kept_at(pulse.oral, after.mg) if after is not None else None
    ordered = after is not None and kept is None  # the oral dose after the pulse is in the pulse's suggestion
    then = ("" if not pulse.offered else
            " The order is for 3 days; cardio-oncology or neurology decide on days 4-5" + (
                f", and its {pulse.oral} starts the day after the third dose: move that start if they are given."
                if ordered else ".") + (f" The {pulse.oral} after it is drafted (below)." if drafted_after else "")
            + chart.said(pulse.oral, BY_MOUTH, ordered=ordered, kept=kept))
    text = (f"**{why.capitalize()}: methylprednisolone pulse {dose_basis.mg(dose)} IV daily for 3-5 days**{how}"
            f"{unselected}, then {pulse.oral} 1 mg/kg/day ({PULSE_SOURCE}).{then} " + pulse.caution)
    if not pulse.offered:
        return text, []
    actions = [Action("create", f"Methylprednisolone {dose_basis.mg(dose)} IV daily x3", resource=resource)]
    actions += [Action("delete", f"Cancel the drafted {dose_basis.named_with_dose(order)}: the pulse replaces it",
                       resource_id=order.reference) for order in cancelled]
    label = f"Methylprednisolone pulse {dose_basis.mg(dose)} IV daily x3 ({why})" + (
        f", replacing the drafted {' and '.join(map(dose_basis.named_with_dose, cancelled))}" if cancelled else "")
    if drafted_after:
        label += f", then the drafted {pulse.oral}"
    elif after is not None and kept is not None:
        label += f", then the {pulse.oral} {after.mg:g} mg daily on the chart (kept)"
    elif after is not None:
        actions.append(Action("create", f"{pulse.oral.capitalize()} {after.mg:g} mg PO daily after the pulse",
                              resource=_oral(context, pulse.oral, after.mg, after_new_pulse=True)))
        actions += chart.discontinue()
        label += f", then {pulse.oral} {after.mg:g} mg PO daily (1 mg/kg){chart.replacing}"
    return text, [Suggestion(label, actions, is_recommended=pulse.recommended)]


def _steroids(record: PatientRecord, context: HookContext, g2_steroid: bool, manage: str | None,
              pulse: Pulse, weight: Measure | None, p: Any) -> tuple[str, list[Suggestion]]:
    """The pulse where the heart or myasthenia calls for it (:func:`_pulse`), or the one on file and its oral
    follow-on (recommended; no new IV course), and doses on the dosing weight,
    rounded (prednisone to 5 mg, methylprednisolone to 10 mg; a dose below one step to 0.1 mg) and capped, each
    saying how. A child's doses (prednisolone, :func:`oral_after_pulse`) take 2.5 mg and 10 mg methylprednisolone
    steps only where these are within a tenth of the dose, else 1 mg, else 0.1 mg, as R19 and R32 round theirs.
    ``g2_steroid``: grade 2 with a CK known to reach 3 x ULN (one that only may, a bound, starts none).

    The suggestions are ways that exclude one another, any two signed together giving both, of which the card offers
    one (``continuing.one_way_out_each``): the pulse with the oral dose after it, alone wherever a pulse is offered
    (never IV 1 mg/kg, nor an oral dose, beside it); else the oral dose, from now or after a pulse on file not over,
    and IV 1 mg/kg (none beside a pulse on file not over). A glucocorticoid drafted with the ICI dose other than a
    pulse (``pulse.others``) is that oral or IV dose already ordered: named, with its dose judged against the
    grade's (:func:`_judged`), and no other is offered beside it; a new pulse is offered alone, the drafted oral
    dose after it (:func:`_pulse`)."""
    oral, child = pulse.oral, pulse.child
    g2_dose = f"{oral} 0.5-1 mg/kg/day"
    g34_dose = f"{oral} 1 mg/kg/day or methylprednisolone 1-2 mg/kg/day IV"
    by_grade = f"G2 {g2_dose} (if CK >= 3x ULN); G3-4 {g34_dose}"
    if manage not in ("G3-4",) and not g2_steroid and not pulse.reasons:
        return f"Glucocorticoid doses by grade: {by_grade}." + _not_judged(pulse.drafted, manage, oral), []
    # a child's cap is held at or below R32's maximum, so that R32 does not flag this rule's own suggestion
    pred_cap = p["paediatric_prednisone_cap_mg" if child else "prednisone_cap_mg"]
    mp_cap = p["methylprednisolone_cap_mg"]
    finer = CHILD_FINER_STEPS_MG if child else ()

    def pred(per_kg: float, kg: float) -> RoundedDose:
        return rounded_dose(per_kg * kg, HALF_TABLET_STEP_MG if child else TABLET_STEP_MG, pred_cap,
                            finer_steps=finer)

    def mp(per_kg: float, kg: float) -> RoundedDose:
        return rounded_dose(per_kg * kg, PULSE_STEP_MG, mp_cap, finer_steps=finer)

    on_file = pulse.on_file
    g2 = g2_steroid and not pulse.governs and not on_file.pulses  # grade 2's prednisone is the glucocorticoid
    weighed = weight.value if weight else None
    drafted = "".join(f"**Drafted with the ICI dose: {d.named}** ({_judged(d, context, pulse, g2, weighed, pred, mp)}"
                      "). " for d in pulse.others)
    pulse_text, pulse_way = (_on_file_text(pulse, weight is not None), []) if on_file.pulses else (
        _pulse(context, weight, pulse, p, pred(1, weight.value) if weight else None) if pulse.reasons else ("", []))
    pulse_text += drafted
    if weight is None:
        return (pulse_text + "**Doses could not be computed:** no body weight within the last "
                f"{weight_max_age_days(record, context)} days{why_not_current(record, context, 'weight', 'kg')}. "
                "Record a weight; give " + (f"{g34_dose} (grade 3-4)" if manage == "G3-4" else
                                   f"{g2_dose} (grade 2, CK >= 3x ULN)" if g2_steroid else f"by grade: {by_grade}")
                + "."), pulse_way
    kg = weight.value
    pred_cap_text = f"{oral} cap {dose_basis.mg(pred_cap)}" + (" for a child" if child else "")
    # beside a glucocorticoid drafted (not a pulse) none is offered, but a new pulse, which it follows
    none_offered = " No other glucocorticoid order is offered beside the drafted one." if pulse.others else ""
    if g2:
        half, full = pred(0.5, kg), pred(1, kg)
        text = (pulse_text + f"Doses for {weight.describe('kg')}: {oral} 0.5 mg/kg = **{half.mg:g} mg/day** "
                f"({half.how}), 1 mg/kg = {full.mg:g} mg/day ({full.how}); {pred_cap_text}.{none_offered}")
        return text, [] if pulse.others else [Suggestion(
            f"{oral.capitalize()} {half.mg:g} mg PO daily (0.5 mg/kg)", [Action(
                "create", f"{oral.capitalize()} {half.mg:g} mg PO daily", resource=_oral(context, oral, half.mg))],
            is_recommended=True)]
    pred_1, mp_1, mp_2 = pred(1, kg), mp(1, kg), mp(2, kg)
    text = (pulse_text + ("Lower doses" if pulse_way else "Doses") + f" for {weight.describe('kg')}: {oral} "
            f"1 mg/kg = **{pred_1.mg:g} mg/day** ({pred_1.how}); methylprednisolone IV 1 mg/kg = **{mp_1.mg:g} "
            f"mg/day** ({mp_1.how}), 2 mg/kg = {mp_2.mg:g} mg/day ({mp_2.how}); {pred_cap_text}, methylprednisolone "
            f"cap {dose_basis.mg(mp_cap)}. " + (
                "One glucocorticoid order is offered below, as two signed together would both be given: to give "
                "another of these instead, order it by hand." if pulse_way or not pulse.others else
                none_offered.lstrip()))
    if pulse_way or pulse.others:
        return text, pulse_way
    note = "Up to 2 mg/kg/day; higher pulse for myocarditis or myasthenia per cardio-oncology/neurology."
    # no lower IV dose beside a pulse given or planned (taken with it, both would be given)
    per_kg_iv = [] if on_file.not_over else [Suggestion(
        f"Methylprednisolone {mp_1.mg:g} mg IV daily (1 mg/kg)", [Action(
            "create", f"Methylprednisolone {mp_1.mg:g} mg IV daily", resource=_methylprednisolone(
                context, mp_1.mg, note))],
        is_recommended=manage == "G3-4" and not pulse.governs and not on_file.pulses)]
    # the follow-on replaces the oral glucocorticoid from before the pulse: it stops those it can act on, as the card
    # says (none beside a follow-on already on file, which the card only names)
    replaced = OralsOnChart() if on_file.follow_on else on_file.earlier
    # the oral dose first: with neither recommended (a follow-on on file), it is the one offered
    return text, [
        Suggestion(f"{oral.capitalize()} {pred_1.mg:g} mg PO daily (1 mg/kg){replaced.replacing}", [Action(
            "create", f"{oral.capitalize()} {pred_1.mg:g} mg PO daily",
            resource=_oral(context, oral, pred_1.mg, on_file)), *replaced.discontinue()],
            is_recommended=bool(on_file.pulses) and not on_file.follow_on),
        *per_kg_iv,
    ]


def _judged(drafted: Drafted, context: HookContext, pulse: Pulse, g2: bool, kg: float | None,
            pred: Callable[[float, float], RoundedDose], mp: Callable[[float, float], RoundedDose]) -> str:
    """A drafted glucocorticoid other than a pulse, judged against the dose the card would order (``pred`` and
    ``mp``: rounded and capped as its own): after a pulse (on file, drafted or offered), the oral 1 mg/kg/day, which
    starts the day after the pulse's last dose; grade 2 (``g2``), the oral 0.5-1 mg/kg/day; grade 3-4, the oral
    1 mg/kg/day or IV methylprednisolone 1-2 mg/kg/day. Within a tenth, never above a cap, it is that dose. A dose
    above it is said, and left to the dose checks (R06 oral prednis(ol)one in an adult, R32 in a child, R07 IV
    methylprednisolone), not repeated here. IV or IM methylprednisolone beside a pulse not over is added up with it
    by R07; a new pulse replaces it (its suggestion cancels it, :func:`_pulse`)."""
    on_file, oral = pulse.on_file, pulse.oral
    if drafted.parenteral and pulse.offered:
        return "a new pulse replaces it: the pulse's suggestion cancels it"
    if drafted.parenteral and on_file.not_over:
        return "given beside the pulse: R07 adds up the day's IV methylprednisolone"
    if kg is None:
        return "not judged: its mg/kg needs a current weight"
    if drafted.parenteral and g2:
        return f"not judged: grade 2's glucocorticoid is {oral} by mouth"
    if drafted.parenteral:
        low, high, words = mp(1, kg), mp(2, kg), "methylprednisolone 1-2 mg/kg/day IV"
        given = drafted.dose.dose_day_mg
    else:
        low, high, words = ((pred(0.5, kg), pred(1, kg), f"grade 2's {oral} 0.5-1 mg/kg/day") if g2 else
                            (pred(1, kg), pred(1, kg), f"{oral} 1 mg/kg/day" + (
                                " after the pulse" if on_file.pulses or pulse.offered else "")))
        given = prednisone_equivalent_on_a_dose_day(drafted.order, kg)
    drug = drafted.order.medication.concept_in(steroids.GROUP)
    equivalent = " prednisone-equivalent" if drug == "methylprednisolone" and not drafted.parenteral else ""
    amount = f"{given:g} mg/day{equivalent}" if given is not None else ""
    ranged = high.mg != low.mg
    grade_mg = (f"{words}: {low.mg:g}" + (f"-{high.mg:g}" if ranged else "") + f" mg/day on {kg:g} kg"
                + (f", capped at {dose_basis.mg(high.mg)}" if high.capped else ""))
    if given is None:
        verdict = f"its dose could not be read; {grade_mg}"
    elif given < low.mg * (1 - ROUNDING_TOLERANCE):
        verdict = f"{amount}, below {grade_mg}"
    elif given > high.mg * (1 if high.capped else 1 + ROUNDING_TOLERANCE):
        checker = ("R07" if steroids.is_intravenous(drafted.order) else
                   None if drafted.parenteral or drug == "methylprednisolone" else "R32" if pulse.child else "R06")
        verdict = f"{amount}, above {grade_mg}" + (f"; its dose limits are {checker}'s to check" if checker else "")
    else:
        verdict = f"{amount}, which is {'within ' if ranged else ''}{grade_mg}"
    # the oral dose after a pulse not over starts the day after its last dose: as drafted, both would be given
    starts = (on_file.oral_from if on_file.pulses else context.today + timedelta(days=PULSE_DAYS)
              if pulse.offered else None)
    if not drafted.parenteral and starts is not None and drafted.first < starts:
        verdict += (f"; it starts on {drafted.first}, beside the pulse: " + (
            "start it" if on_file.pulses else "if the pulse is ordered, start it") + f" on {starts}, the day after "
            "the last pulse dose")
    return verdict


def _not_judged(drafted: list[Drafted], manage: str | None, oral: str) -> str:
    """The glucocorticoids drafted with the ICI dose where the grade gives no dose to judge them by."""
    if not drafted:
        return ""
    why = ("no CTCAE grade is documented" if manage is None else "grade 1 calls for none" if manage == "G1" else
           f"grade 2 calls for {oral} only from CK 3 x ULN")
    return (f" **Drafted with the ICI dose: {'; '.join(d.named for d in drafted)}**: not judged, as {why} (its dose "
            "limits are R06's, R07's and R32's to check).")


def _ici_on_chart(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """The chart's ICI orders still current (being given, on hold, or to start), other than one a draft re-sends
    (the draft is that order, and is cancelled itself)."""
    drafted = {d.reference for d in context.draft_orders}
    return [o for o in record.medications_in("checkpoint_inhibitor", current_only=True) if o.reference not in drafted]


def _ici_hold(drafts: list[MedicationOrder], on_chart: list[MedicationOrder], heart: bool, recommended: bool
              ) -> tuple[list[Suggestion], str]:
    """The ICI hold (``recommended`` when the card says hold) as one suggestion, and what the plan adds of the
    chart's ICI orders it cannot act on. It cancels the drafted doses and, as R11 holds methotrexate, takes the
    chart's ICI order off: stopped (cancelled if not begun: cards.build) where the heart is involved, which
    permanently discontinues the ICI, else on hold until CK and symptoms settle (one already on hold is left so).
    A chart order with no id a card can act on would drop the whole suggestion: it is named, to change by hand."""
    verb = "Permanently stop" if heart else "Hold"
    actions = [Action("delete", f"{verb} {dose_basis.named_with_dose(d)}: cancel the draft dose",
                      resource_id=d.reference) for d in drafts]
    changed = [o for o in on_chart if heart or o.status != "on-hold"]
    by_hand = [o.label for o in changed if not resolvable(o.reference)]
    held = [o for o in changed if resolvable(o.reference)]
    actions += [Action("delete", f"{verb} {dose_basis.named_with_dose(o)} on the chart", resource_id=o.reference,
                       stops_as="stopped" if heart else "on-hold") for o in held]

    def change(names: list[str]) -> str:
        return f"stop {' and '.join(names)}" if heart else f"put {' and '.join(names)} on hold"

    on_the_chart = f"{change([o.label for o in held])} on the chart"
    label = (f"{verb}: cancel this ICI dose" + (f" and {on_the_chart}" if held else "") if drafts else
             f"{verb} the ICI: {on_the_chart}")
    note = (f" On the chart, {' and '.join(by_hand)} cannot be changed from this card (no id it can act on): "
            f"{change(['it' if len(by_hand) == 1 else 'them'])} by hand." if by_hand and recommended else "")
    return ([Suggestion(label, actions, is_recommended=recommended)] if actions else []), note


def _suggestions(context: HookContext, repeat_troponin: bool, ecg_wanted: bool) -> list[Suggestion]:
    """The work-up (the troponin I and the ECG only where the card still asks for them: ``repeat_troponin``,
    ``ecg_wanted``) and the consults."""
    sets, patient = context.valuesets, context.patient_id

    def request(code: dict[str, Any], priority: str = "stat", note: str | None = None) -> dict[str, Any]:
        return orders.service_request(patient, code, priority=priority, note=note)

    cardiac = [  # (name, short name, order, wanted): the tests as every card orders them (lab_orders)
        ("hs-troponin I", "troponin", lab_orders.HS_TROPONIN_I.request(context, priority="stat"), repeat_troponin),
        ("12-lead ECG", "ECG", lab_orders.ECG.request(context, priority="stat"), ecg_wanted),
    ]
    ordered = ", ".join([short for _, short, _, wanted in cardiac if wanted]
                        + ["NT-proBNP", "echo", "CK", "AChR Ab", "NIF"])
    done = " and ".join(short for _, short, _, wanted in cardiac if not wanted)
    workup = [(name, resource) for name, _, resource, wanted in cardiac if wanted] + [
        ("NT-proBNP", lab_orders.NT_PROBNP.request(context, priority="stat")),
        ("Transthoracic echocardiogram", lab_orders.ECHO.request(context, priority="urgent")),
        ("CK", request(orders.lab_concept(sets, "ck", "2157-6"), priority="urgent")),
        ("Aldolase", request(orders.lab_concept(sets, "aldolase", "1761-6"), priority="urgent")),
        ("ESR", lab_orders.ESR.request(context, priority="urgent")),
        ("CRP", lab_orders.CRP.request(context, priority="urgent")),
        ("Urinalysis (myoglobin)", request(orders.text_concept("Urinalysis with urine myoglobin"),
                                           priority="urgent")),
        ("AChR antibodies", request(orders.lab_concept(
            sets, "achr_ab", "11034-6", text="Acetylcholine receptor (AChR) antibodies"), priority="urgent")),
        ("Anti-striational antibodies", request(orders.lab_concept(
            sets, "striational_ab", "8097-8", text="Anti-striational (striated muscle) antibodies"),
            priority="urgent")),
        ("Spirometry (FVC) and NIF", request(orders.text_concept("Spirometry (FVC) and negative inspiratory "
                                                                 "force (NIF)"), priority="urgent")),
    ]
    consults = [  # (name, text, SNOMED CT referral procedure)
        ("Oncology", "Oncology review today: ICI myositis (hold/discontinue decision)", ONCOLOGY_REFERRAL),
        ("Neuromuscular", "Neuromuscular (neurology) consult: ICI myositis, exclude myasthenia overlap",
         NEUROLOGY_REFERRAL),
        ("Cardio-oncology", "Cardio-oncology consult: exclude ICI myocarditis", CARDIOLOGY_REFERRAL),
    ]
    return [
        Suggestion(f"Myocarditis and myositis work-up ({ordered}" + (f"; {done} on file, not repeated" if done else "")
                   + ")",
                   [Action("create", name, resource=resource) for name, resource in workup], is_recommended=True),
        Suggestion("Oncology, neuromuscular and cardio-oncology consults",
                   [Action("create", f"{name} consult", resource=request(orders.referral_concept(
                       sets, code, text=text), priority="urgent"))
                    for name, text, code in consults], is_recommended=True),
    ]

