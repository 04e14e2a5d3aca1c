"""Who the patient is, clinically (section 4.1): IMNM, IIM, IBM, NSTI, ICI context, paediatric."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions import antibodies, ck, negation
from hooks.definitions.courses import given_since
from hooks.record import (
    REPORTED_STATUSES,
    Condition,
    MedicationOrder,
    Observation,
    PatientRecord,
    Quantity,
    exceeds,
    per_record,
)
from hooks.units import convert, fahrenheit_to_celsius

MYOPATHY_GROUPS = ("myopathy", "imnm", "iim_other", "drug_induced_myopathy", "statin_adverse_effect",
                   "statin_autoimmune_myopathy")
# Inflammatory myopathies that need immunosuppression in their own right
INFLAMMATORY_MYOPATHY = ("imnm", "statin_autoimmune_myopathy", "iim_other")
# Labels of those groups that IBM itself may carry (it is an idiopathic inflammatory myopathy too): beside IBM they
# name no second disease. G72.49 is the catch-all "other inflammatory and immune myopathies" (IBM was coded there
# before G72.41 existed)
IBM_MAY_BE_CALLED = frozenset({"suspected inflammatory myopathy", "myositis, unspecified", "inflammatory myopathy",
                               "idiopathic inflammatory myopathy", "autoimmune myopathy (broader parent concept)",
                               "immune-mediated necrotizing myopathy (no specific ICD-10-CM code; G72.49 is the "
                               "closest fit)"})


def imnm_conditions(record: PatientRecord) -> list[Condition]:
    return record.conditions_in("imnm", "statin_autoimmune_myopathy", active_only=True)


def imnm_antibodies(record: PatientRecord) -> list[tuple[str, Observation]]:
    """(name, first positive result) of anti-HMGCR and anti-SRP, for each that was ever positive."""
    return [(name, positive) for group, name in (("anti_hmgcr", "anti-HMGCR"), ("anti_srp", "anti-SRP"))
            if (positive := antibodies.ever_positive(record, group)) is not None]


@per_record
def is_imnm(record: PatientRecord, context: HookContext) -> bool:
    """An active IMNM condition, or anti-HMGCR/anti-SRP positive with CK > ULN and a myopathy condition."""
    if imnm_conditions(record):
        return True
    if not imnm_antibodies(record) or not record.conditions_in(*MYOPATHY_GROUPS, active_only=True):
        return False
    return any(ck.switches_on(p.above(p.uln)) for p in ck.series(record, context))  # '<1,000' may be raised


def is_iim(record: PatientRecord, context: HookContext) -> bool:
    """IMNM or another idiopathic inflammatory myopathy (including a provisional 'suspected' diagnosis)."""
    return bool(record.conditions_in("iim_other", active_only=True)) or is_imnm(record, context)


def iim_onset(record: PatientRecord) -> date | None:
    """This episode's onset: the earliest onset (or recorded date) of an active IMNM/IIM condition. A relapse charted
    as a new active condition beside the resolved (inactive, in remission) first episode dates from itself, not from
    years back (R29's 90 days, the episode T_tx belongs to). With no active one on file, the earliest of the others:
    a chart with only a resolved IMNM still holds the patient's IMNM history. An active one with no date leaves this
    episode undated: the old episode's date is not lent to it. For IMNM recognised by its antibody (section 4.1:
    anti-HMGCR or anti-SRP positive with a myopathy condition, such as G72.0), that of the myopathy condition nearest
    before the first positive antibody (an older statin myalgia is another episode), else the first after."""
    conditions = record.conditions_in(*INFLAMMATORY_MYOPATHY)
    episode = [c for c in conditions if c.active] or conditions
    days = [c.start for c in episode if c.start is not None]
    if days:
        return min(days)
    positives = [o for _, o in imnm_antibodies(record)]
    if not positives:
        return None
    starts = [c.start for c in record.conditions_in(*MYOPATHY_GROUPS, active_only=True) if c.start is not None]
    first_positive = min((o.when for o in positives if o.when is not None), default=None)
    before = [day for day in starts if first_positive is None or day <= first_positive]
    return max(before) if before else min(starts, default=None)


def ibm_diagnosed(record: PatientRecord) -> list[Condition]:
    """Active IBM confirmed, or of no verification status: a provisional, differential or unconfirmed IBM is a
    question, not the diagnosis that makes immunosuppression futile (R02) and holds back the IMNM rows (the IBM
    gate): a patient who meets the IMNM definition meanwhile keeps its safety cards."""
    return [c for c in record.conditions_in("ibm", active_only=True) if c.diagnosed]


def is_ibm(record: PatientRecord) -> bool:
    return bool(ibm_diagnosed(record))


@per_record
def overlap_myositis(record: PatientRecord) -> list[Condition]:
    """Active coded myositis besides IBM that needs immunosuppression in its own right (IMNM, dermatomyositis,
    polymyositis, antisynthetase syndrome, overlap myositis): IBM with one is an overlap case, where a trial belongs
    under a neuromuscular specialist. R02 and the IBM gate (hooks/suppression.py) both ask this. Only a charted
    diagnosis counts, not IMNM read from anti-HMGCR and a raised CK: an IBM patient with a statin history may carry
    both; and only a confirmed one (or one with no verification status): polymyositis is the usual working
    diagnosis before a biopsy shows IBM."""
    return [c for c in record.conditions_in(*INFLAMMATORY_MYOPATHY, active_only=True)
            if c.diagnosed and not c.code.in_group("ibm")
            and any(m.group in INFLAMMATORY_MYOPATHY and m.concept not in IBM_MAY_BE_CALLED for m in c.code.matches)]


# The laboratory infection markers of section 4.1's NSTI: (group, canonical unit, the unit shown, limit, label)
_LAB_MARKERS = (("wbc", "10*9/L", "10*9/L", 15.0, "WBC"), ("lactate", "mmol/L{lactate}", "mmol/L", 2.0, "lactate"))
_FAHRENHEIT = ("[degf]", "°f", "f", "degf", "deg f", "fahrenheit", "\u2109")


def _celsius(observation: Observation) -> float | None:
    quantity = observation.quantity
    if quantity is None:
        return None
    if (quantity.unit or "").strip().lower() in _FAHRENHEIT:
        return fahrenheit_to_celsius(quantity.value)
    return convert(quantity.value, quantity.unit, "Cel")


_BARE_BOUND = re.compile(r"^\s*(<=?|>=?)\s*(\d+(?:\.\d+)?)\s*$")  # '>30': a bound written without its unit


def _lab_value(observation: Observation, canonical: str) -> Quantity | None:
    """The result in ``canonical``, with its comparator: a valueQuantity, or a number or bound written as text
    ('18 K/uL', '>30 K/uL'; a bare '>30' is in the unit of the lab's own range, or else in ``canonical``, the
    marker's usual unit). None when it cannot be read so."""
    quantity = observation.reported_value
    bare = _BARE_BOUND.match(observation.value_text or "") if quantity is None else None
    if bare:
        unit = observation.ref_high.unit if observation.ref_high is not None else None
        quantity = Quantity(float(bare[2]), unit or canonical, bare[1])
    if quantity is None:
        return None
    value = convert(quantity.value, quantity.unit, canonical)
    return None if value is None else Quantity(value, canonical, quantity.comparator)


def _not_read(observation: Observation, why: str) -> str:
    return f"{observation.code.label} {observation.value_label} on {observation.when} ({why})"


def _infection_markers(record: PatientRecord, since: date) -> tuple[list[str], list[str]]:
    """The infection markers since ``since`` that meet their limit, and those charted that could not be read: a
    measurement in a unit not known, written as text, or a bound that does not settle it ('>10' against 15), a
    culture worded neither as growth nor as none."""
    found: list[str] = []
    unread: list[str] = []
    for observation in record.observations_in("body_temperature", since=since):
        celsius = _celsius(observation)
        if celsius is not None and celsius >= 38.3:
            found.append(f"temperature {celsius:.1f} °C")
        elif celsius is None and observation.has_measurement:
            unread.append(_not_read(observation, "not read as a temperature"))
    for group, canonical, shown, limit, label in _LAB_MARKERS:
        for observation in record.observations_in(group, since=since):
            value = _lab_value(observation, canonical)
            if value is None:
                if observation.has_measurement:
                    unread.append(_not_read(observation, f"not read in {shown}"))
                continue
            above = exceeds(value.value, limit, value.comparator)
            if above:
                found.append(f"{label} {value.comparator or ''}{round(value.value, 1):g} {shown}")
            elif above is None:
                unread.append(_not_read(observation, f"a bound not settling whether it is above {limit:g} {shown}"))
    for observation in record.observations_in("culture", since=since):
        positive = _culture_positive(observation)
        if positive:
            found.append(f"positive culture ({observation.code.label})")
        elif positive is None:
            unread.append(_not_read(observation, "neither growth nor no growth read"))
    return found, unread


# Culture results, matched against the value's words in lower case. A Gram stain names growth ('Gram-negative
# rods'); its 'negative' is no negative result, and only a stain the report rules out ('no gram-negative rods seen')
# names none.
_GRAM_STAIN = re.compile(r"\bgram[- ]?(?:positive|negative|variable)(?: (?:cocci|rods|bacilli|diplococci|"
                         r"coccobacilli|organisms|bacteria))?(?: in (?:chains|clusters|pairs))?\b")
# What says that no organism grew. A result is negative only when it says nothing else, so that an organism named
# beside it ('E. coli and mixed anaerobic flora', 'S. pyogenes isolated; no anaerobic growth') is still growth.
_VERB = r"(?:seen|detected|isolated|identified|found|present|grown|recovered)"
# The phrases that say nothing grew, each removed whole (with its verb: 'No growth detected' leaves no 'detected'
# behind to read as growth): 'no (anaerobic) growth (seen)', 'growth: none', 'negative for growth', 'organisms not
# seen', normal, skin, usual or commensal flora (also 'growth of ... flora only'), pending and its like
_NO_ORGANISM = re.compile(
    r"\bno\s+(?:[\w-]+\s+){0,6}?(?:growth|organisms?|bacteria|colonies)(?:\s+(?:was\s+|were\s+)?" + _VERB + r")?\b"
    r"|\bno\s+(?:[\w-]+\s+){0,6}?" + _VERB + r"\b"
    r"|\b(?:growth|organisms?|bacteria)\s*:?\s*(?:(?:was|were|is)\s+)?"
    r"(?:not\s+" + _VERB + r"|none|negative|absent|nil)\b"
    r"|\bnot\s+" + _VERB + r"\b|\bnegative\s+for\s+(?:[\w-]+\s*){1,4}"
    r"|(?<![\w-])(?:negative|absent|none|nil|sterile)\b"
    r"|\b(?:pending|in progress|to follow|continuing|continues|incubating|contaminat\w*)\b"
    r"|\b(?:(?:light|scant|heavy|moderate|rare|few)\s+)?(?:growth\s+of\s+)?(?:normal|skin|mixed skin|usual|commensal)"
    r"\s+(?:[\w-]+\s+)?flora(?:\s+(?:only|isolated|seen|present|" + _VERB + r"))?")
# Mixed flora alone is polymicrobial growth in tissue or a wound (type I NSTI), and a contaminant in blood
_MIXED_FLORA = re.compile(r"\bmixed (?:\w+ )?flora\b")
# Words that report a result without naming anything: with the phrases above they leave nothing named
_FILLER = re.compile(r"\b(?:no|and|or|at|after|in|to|date|of|x|final|preliminary|report|result|culture|gram stain|"
                     r"incubation|hours?|hrs?|h|days?|d|bottles?|sets?|rare|few|many|moderate|wbcs?|pmns?|white cells?|"
                     r"epithelial cells?|cells?|only|\d+)\b|[^a-z0-9]+")
# Words that say an organism grew, or name one (an organism named is growth, as a coded one is)
_GROWTH = re.compile(r"\b(?:growth|grew|grown|growing|isolated|identified|cultured|positive|detected|present|flora|"
                     r"strep\w*|staph\w*|streptococc\w*|staphylococc\w*|e coli|escherichia|clostridi\w*|klebsiella|"
                     r"pseudomonas|enterococc\w*|enterobacter\w*|bacteroides|proteus|aeromonas|vibrio|peptostreptococc\w*|"
                     r"prevotella|fusobacteri\w*|serratia|acinetobacter|mrsa|gas|bacilli|cocci|rods|yeast|candida)\b")


def _culture_positive(observation: Observation) -> bool | None:
    """Growth or not: the interpretation flag first; then a Gram stain the report does not rule out, an organism
    coded as the result (how a culture is usually reported) or named in words ('Streptococcus pyogenes', 'Heavy
    growth of ...') is growth; a result that says only that nothing grew, each phrase read whole ('No growth
    detected', 'Growth: none', 'pending', 'growth of normal skin flora only') is not. None: words that say neither
    ('See scanned report')."""
    if (flagged := antibodies.interpretation_status(observation)) is not None:
        return flagged == "positive"
    words = observation.value_words
    if _GRAM_STAIN.search(words):
        if negation.states(words, _GRAM_STAIN):
            return True
        words = _GRAM_STAIN.sub(" ", words)
    said = _NO_ORGANISM.sub(" ", words)
    if observation.code.concept_in("culture") == "blood culture":
        said = _MIXED_FLORA.sub(" ", said)
    named = _FILLER.sub(" ", said).strip()
    if not named:
        return False
    concept = observation.value_concept
    if (concept is not None and concept.codings) or _GROWTH.search(named):
        return True
    return None


# A free-text 'necrotizing myositis' qualified as IMNM in its own text ('Necrotizing myositis (statin-induced)',
# 'SRP-associated necrotizing myositis', 'IMNM (necrotizing myositis)') names the myopathy, not an infection
_IMNM_QUALIFIER = re.compile(r"\b(statins?|hmgcr|srp|immune[- ]mediated|autoimmune|imnm)\b")


@dataclass(frozen=True, slots=True)
class _NstiSigns:
    dated: list[str]  # a coded NSTI with onset within 30 days
    uncertain: list[str]  # signs that may be an old label for IMNM instead
    began: date  # the day from which the uncertain kind may have begun (for a biopsy to predate it)
    unread: str | None  # a free-text 'necrotizing myositis' whose markers within 72 h could not be read (none was)


@per_record
def _nsti_signs(record: PatientRecord, context: HookContext) -> _NstiSigns:
    """Why the chart reads as an NSTI, in two lists: a coded NSTI with onset within 30 days; and the signs that may be
    an old label for IMNM instead: an undated coded NSTI, or free-text 'necrotizing myositis' with infection markers
    within 72 h. Then the day from which the second kind may have begun, and the markers of such a label that could
    not be read when none that was read meets its limit."""
    recent = record.today - timedelta(days=int(context.definition("nsti_onset_max_days")))
    coded = record.conditions_in("nsti", active_only=True)
    dated = [f"{c.code.label} (onset {c.start})" for c in coded if c.start is not None and c.start >= recent]
    uncertain = [f"{c.code.label} (onset undated)" for c in coded if c.start is None]
    window = record.today - timedelta(days=int(context.definition("nsti_marker_window_hours") // 24))
    labels = [c for c in record.conditions_in("nsti_free_text", active_only=True)
              if not _IMNM_QUALIFIER.search(c.code.words())]
    markers, unread = _infection_markers(record, window) if labels else ([], [])
    if markers:
        uncertain.append(f"{labels[0].code.label} with {', '.join(markers)}")
    not_read = (f"{labels[0].code.label} with infection markers that could not be read: {'; '.join(unread)}"
                if unread and not markers else None)
    return _NstiSigns(dated, uncertain, min(recent, window) if any(c.start is None for c in coded) else window,
                      not_read)


@per_record
def nsti(record: PatientRecord, context: HookContext) -> list[str]:
    """Why the patient has an infectious necrotizing soft-tissue infection now (empty list: no NSTI).

    A coded NSTI with onset within 30 days, whatever else the chart holds: necrotizing fasciitis or gas gangrene is
    never IMNM, and a patient on IMNM treatment is at risk of one. An undated coded NSTI, or free-text 'necrotizing
    myositis' with infection markers within 72 h, unless IMNM is confirmed (``imnm_confirmation``): then it may be
    an old label for the IMNM.
    """
    signs = _nsti_signs(record, context)
    return signs.dated + ([] if nsti_ruled_out_by(record, context) else signs.uncertain)


def nsti_ruled_out_by(record: PatientRecord, context: HookContext) -> str | None:
    """What confirms IMNM in a chart whose undated NSTI or free-text 'necrotizing myositis' would otherwise read as
    an NSTI (None when there is no such sign)."""
    signs = _nsti_signs(record, context)
    return imnm_confirmation(record, before=signs.began) if signs.uncertain else None


def nsti_unread(record: PatientRecord, context: HookContext) -> str | None:
    """A free-text 'necrotizing myositis' whose infection markers within 72 h could not be read, none that was read
    meeting its limit, in a chart without confirmed IMNM: an NSTI is then not ruled out, and R01 says so rather than
    reading the markers as absent (None: nothing of the kind)."""
    signs = _nsti_signs(record, context)
    if signs.unread is None or imnm_confirmation(record, before=signs.began) is not None:
        return None
    return signs.unread


# a pathology result that reads as IMNM ('necrotizing myopathy'), not as an infection ('suppurative myositis')
_NECROTIZING_MYOPATHY = re.compile(r"necroti[sz]ing (autoimmune |immune[- ]mediated )?myopathy")


def imnm_confirmation(record: PatientRecord, before: date) -> str | None:
    """What confirms IMNM, so that an NSTI that began on ``before`` is not read into it: a positive anti-HMGCR or
    anti-SRP, or a confirmed IMNM diagnosis with a muscle biopsy done before that day (seronegative IMNM is
    diagnosed by biopsy; a biopsy taken since may be of the infection), charted as a completed procedure or as a
    pathology result that reads as necrotizing myopathy."""
    if found := imnm_antibodies(record):
        name, positive = found[0]
        return f"{name} positive ({positive.when or 'undated'})"
    diagnosed = [c for c in imnm_conditions(record) if c.verification == "confirmed"]
    if not diagnosed:
        return None
    done = [p.when for p in record.procedures_in("muscle_biopsy") if p.status == "completed" and p.when]
    done += [o.when for o in record.observations_in("muscle_biopsy") if o.when and o.status in REPORTED_STATUSES
             and negation.states(o.value_words, _NECROTIZING_MYOPATHY)]
    biopsied = max((day for day in done if day < before), default=None)
    return f"{diagnosed[0].code.label} with a muscle biopsy ({biopsied})" if biopsied else None


def ici_exposure(record: PatientRecord, context: HookContext) -> list[MedicationOrder]:
    """Immune checkpoint inhibitors given within the last 12 months."""
    since = record.today - timedelta(days=int(context.definition("ici_window_days")))
    return given_since(record, "checkpoint_inhibitor", since=since)


def first_ici_dose(record: PatientRecord) -> date | None:
    """The first ICI dose ever, not the first of the last 12 months: a course resumed after a break started
    earlier."""
    return min((m.start for m in record.medications_in("checkpoint_inhibitor") if m.start is not None), default=None)


# R31's thresholds, which the ICI-myositis cohort reads too (a shared definition does not import a rule module)
ICI_MYOSITIS = "ici-myositis"


@dataclass(frozen=True, slots=True)
class CkRise:
    """A CK since the first ICI dose (``point``) against the lowest CK before it from the pre-ICI baseline on:
    ``lowest`` names it (the one with the lowest upper bound), ``times`` is how many times that lowest it is, and
    ``reached`` whether that is at least the rise multiple (None: a bound leaves it open)."""

    point: ck.CkPoint
    lowest: ck.CkPoint
    times: ck.Span
    reached: bool | None


@dataclass(frozen=True, slots=True)
class PreIciCk:
    """A CK already raised before the first ICI dose (``first_dose``), and the CKs since: ``baseline`` is the last CK
    on or before that day (pre-dose labs are drawn on it), at most R31's ``ck_baseline_max_days_before_ici`` before
    it, known to be above its ULN; ``since`` the CKs after that day; ``rise`` the multiple that makes a new rise
    (R31's ``ck_rise_over_pre_ici_baseline``). A myositis known before the ICI (IMNM, dermatomyositis) keeps its CK
    raised: that alone is no evidence of ICI myositis. A new rise still is: a CK since at ``rise`` x the baseline, or
    x the lowest CK since (a CK that fell on treatment, even to normal, and rose again has risen since)."""

    first_dose: date
    baseline: ck.CkPoint
    since: tuple[ck.CkPoint, ...]
    rise: float

    @property
    def rises(self) -> list[CkRise]:
        """Each CK since the first dose against the lowest before it, from the baseline on."""
        found, before = [], [self.baseline]
        for point in self.since:
            lowest = ck.Span.extreme((p.span for p in before), highest=False)
            times = point.span.times(lowest)
            named = min(before, key=lambda p: (p.span.most, p.span.least))
            found.append(CkRise(point, named, times, times.at_least(self.rise)))
            before.append(point)
        return found

    @property
    def risen(self) -> bool | None:
        """Whether a CK since the first dose has risen (:class:`CkRise`); None when a bound leaves it open (then it
        is not ruled out: ck.switches_on)."""
        answers = [r.reached for r in self.rises]
        return True if True in answers else None if None in answers else False

    def describe(self) -> str:
        """'470 U/L on 2026-07-24 (ULN 200) before the first ICI dose on 2026-09-22; since: 480 U/L, none at 1.5 x
        the baseline or the lowest CK before it', or the first that is (or may be): '...; 600 U/L on 2026-11-16 is
        3.3 x 180 U/L on 2026-10-12, the lowest from the baseline on (a new rise is 1.5 x)'."""
        head = f"{self.baseline} before the first ICI dose on {self.first_dose}"
        rises = self.rises
        if not rises:
            return f"{head}; none measured since"
        risen = next((r for r in rises if r.reached is not False), None)
        if risen is not None:
            said = "is" if risen.reached else "may be"
            return (f"{head}; {risen.point.reading} on {risen.point.day} {said} {risen.times:.1f} x "
                    f"{risen.lowest.reading} on {risen.lowest.day}, the lowest from the baseline on (a new rise is "
                    f"{self.rise:g} x)")
        measured = [r.point for r in rises]
        low = min(measured, key=lambda p: (p.span.most, p.span.least))
        high = max(measured, key=lambda p: (p.span.least, p.span.most))
        spread = low.reading if low is high else f"{low.reading} to {high.reading}"
        return f"{head}; since: {spread}, none at {self.rise:g} x the baseline or the lowest CK before it"


@per_record
def pre_ici_ck(record: PatientRecord, context: HookContext) -> PreIciCk | None:
    """The CK raised before the first ICI dose and the CKs since (:class:`PreIciCk`); None when there is no ICI dose
    on file, or no CK known raised as the last one before it within the baseline window."""
    first = first_ici_dose(record)
    if first is None:
        return None
    thresholds = context.thresholds.of_rule(ICI_MYOSITIS)
    earliest = first - timedelta(days=_pre_ici_baseline_days(context))
    points = ck.series(record, context)
    before = [p for p in points if earliest <= p.day <= first]
    if not before or before[-1].above(before[-1].uln) is not True:
        return None
    return PreIciCk(first, before[-1], tuple(p for p in points if p.day > first),
                    float(thresholds["ck_rise_over_pre_ici_baseline"]))


def _pre_ici_baseline_days(context: HookContext) -> int:
    """How long before the first ICI dose a result can still be its baseline (R31's
    ``ck_baseline_max_days_before_ici``): the CK's and troponin T's alike."""
    return int(context.thresholds.of_rule(ICI_MYOSITIS)["ck_baseline_max_days_before_ici"])


def myositis_before_ici(record: PatientRecord, context: HookContext) -> list[str]:
    """The myositis the patient had before the first ICI dose, in words: an active myositis or IMNM diagnosis that
    began before it (or whose onset is not dated, so may have), and a positive anti-HMGCR or anti-SRP resulted before
    it in a patient with IMNM. A myositis beginning after the first dose is the ICI myositis itself, not this."""
    first = first_ici_dose(record)
    if first is None:
        return []
    found = [f"{c.code.label} (onset {c.start or 'not dated'})" for c in record.conditions_in(
        *MYOPATHY_GROUPS, active_only=True) if _is_myositis(c) and (c.start is None or c.start < first)]
    if is_imnm(record, context):
        found += [f"{name} positive ({positive.when})" for name, positive in imnm_antibodies(record)
                  if positive.when is not None and positive.when < first]
    return found


def is_paediatric(record: PatientRecord, context: HookContext) -> bool:
    age = record.youngest_age_years
    return age is not None and age < context.definition("paediatric_age_years")


def age_range(record: PatientRecord) -> tuple[int, int] | None:
    """(youngest, oldest) the patient may be: a partial birthDate ('1975', '1975-05') allows two ages. None with no
    birthDate."""
    youngest, oldest = record.youngest_age_years, record.age_years
    return None if youngest is None or oldest is None else (youngest, oldest)


def describe_age(record: PatientRecord) -> str:
    """The age read, as a card or its facts show it: '50', '50 or 51' (a partial birthDate), or unknown."""
    ages = age_range(record)
    if ages is None:
        return "unknown (no birth date on file)"
    youngest, oldest = ages
    return str(youngest) if youngest == oldest else f"{youngest} or {oldest}"


def may_be_aged(record: PatientRecord, low: float, high: float) -> bool:
    """Whether the patient may be from ``low`` to ``high`` years old (both included): any age a partial birthDate
    allows counts, and with no birthDate any age may be. For a risk that comes with an age, so that it is never
    dropped on the one reading of a partial date that misses it."""
    ages = age_range(record)
    return ages is None or (ages[0] <= high and ages[1] >= low)


def below_licensed_age(record: PatientRecord, context: HookContext, licence: str) -> str | None:
    """Why a vaccine licensed from the age in definition ``licence`` (``rzv_min_age``, ``hepb_cpg_min_age``) is not
    offered (None: it is). The patient must surely be that old: the youngest a partial birthDate allows, and no
    birthDate is no age. Its own parameter, not the paediatric age: a site that moves its paediatric split does not
    move a licence. R28 and R29 read it alike."""
    minimum = context.definition(licence)
    youngest = record.youngest_age_years
    if youngest is not None and youngest >= minimum:
        return None
    return f"it is licensed from {minimum:g} years and the patient's age is {describe_age(record)}"


# The neuromuscular features of ICI toxicity, (valueset group, name): ocular, bulbar and respiratory weakness, and
# myasthenia ("triple M" with myositis and myocarditis, ASCO 2021). With a raised CK or troponin they make the
# cohort (:func:`ici_myositis`); R31 grades by them.
ICI_NEUROMUSCULAR_FEATURES = (("ptosis", "ptosis"), ("diplopia", "diplopia"), ("dysphagia", "dysphagia"),
                              ("dyspnoea", "dyspnoea"), ("respiratory_failure", "respiratory failure"),
                              ("myasthenia", "myasthenia"))


def neuromuscular_features(record: PatientRecord) -> list[str]:
    """The names of the active :data:`ICI_NEUROMUSCULAR_FEATURES` on file."""
    return [name for group, name in ICI_NEUROMUSCULAR_FEATURES if record.conditions_in(group, active_only=True)]


def myocarditis(record: PatientRecord) -> list[Condition]:
    """Active myocarditis conditions (not a cardiomyopathy of the same value set)."""
    return [c for c in record.conditions_in("myocarditis_cardiomyopathy", active_only=True)
            if c.code.concept_in("myocarditis_cardiomyopathy") == "myocarditis"]


def troponin_raised(observation: Observation, context: HookContext) -> bool | None:
    """A troponin above the lab's upper limit (a troponin I with no range or flag also above the fallback beyond
    every assay's, diagnosis.troponin_i_above_uln); None when nothing tells, never read as normal."""
    from hooks.definitions import diagnosis  # here, not above: diagnosis imports steroids, which imports this module
    if observation.in_group("troponin_i"):
        return diagnosis.troponin_i_above_uln(observation, context)
    return diagnosis.above_upper_limit(observation, diagnosis.TROPONIN_UNIT)


TROPONINS = (("troponin_i", "troponin I"), ("troponin_t", "troponin T"))  # (group, name): I first, the heart's own


def troponin_before_ici(record: PatientRecord, context: HookContext, group: str) -> Observation | None:
    """The troponin of ``group`` (troponin_i, troponin_t) last resulted on or before the first ICI dose (pre-dose labs
    are drawn on its day), at most R31's ``ck_baseline_max_days_before_ici`` before it, as the CK's baseline: troponin
    marks a current injury, so an older result (an old infarct's peak) is no baseline, while a recent raised one is
    the patient's level before the ICI (regenerating muscle of a known myositis for troponin T; chronic kidney disease
    or heart failure for either). None with no ICI dose or none resulted in that window."""
    first = first_ici_dose(record)
    if first is None:
        return None
    earliest = first - timedelta(days=_pre_ici_baseline_days(context))
    return next((o for o in reversed(record.observations_in(group)) if o.when is not None
                 and earliest <= o.when <= first and antibodies.held(o)), None)


@dataclass(frozen=True, slots=True)
class TroponinSinceIci:
    """A troponin raised after the first ICI dose (``first_dose``): ``result``, named ``name`` (troponin I or T),
    read against its own pre-ICI baseline (``before``, :func:`troponin_before_ici`, resulted at most
    ``baseline_days`` before that dose; None: none was), which ``before_raised`` says was raised (None: not judged):
    a raised baseline (regenerating muscle of a myositis known before the ICI; kidney disease) makes a raised
    troponin since no new rise until it reaches ``rise`` x the lowest of its kind from that baseline on (``lowest``,
    ``times``; ``risen`` None: the values do not settle it, or cannot be compared). Any other is new (:attr:`new`):
    R31 holds the ICI for any troponin rise."""

    first_dose: date
    name: str
    result: Observation
    baseline_days: int
    before: Observation | None
    before_raised: bool | None
    lowest: Observation | None
    times: ck.Span | None
    rise: float

    @property
    def risen(self) -> bool | None:
        return None if self.times is None else self.times.at_least(self.rise)

    @property
    def new(self) -> bool:
        """Not known to be the patient's raised level from before the ICI: evidence of its own."""
        return self.before_raised is not True or self.risen is not False

    def describe(self) -> str:
        """'hs-troponin I 180 ng/L on 2026-11-18, raised, since the first ICI dose on 2026-09-22 (no troponin I
        resulted in the 180 days before it)', or against a raised baseline: '... (only 1.1 x 42 ng/L on 2026-07-24,
        the lowest troponin T from the last before that dose on; a new rise is 1.2 x)'."""
        head = f"{_raised_troponin(self.result)}, since the first ICI dose on {self.first_dose}"
        if self.before is None:
            return f"{head} (no {self.name} resulted in the {self.baseline_days} days before it)"
        if self.before_raised is not True:
            judged = "not raised" if self.before_raised is False else "not judged raised (no range or flag)"
            return f"{head} ({self.name} before it: {self.before.shown_result} on {self.before.when}, {judged})"
        if self.times is None or self.lowest is None:
            return (f"{head} ({self.name} before it, raised too: {self.before.shown_result} on {self.before.when}, "
                    "in a unit it cannot be compared with: it may be a new rise)")
        said = {True: "", None: "may be ", False: "only "}[self.risen]
        return (f"{head} ({said}{self.times:.1f} x {self.lowest.shown_result} on {self.lowest.when}, the lowest "
                f"{self.name} from the last before that dose on; a new rise is {self.rise:g} x)")


def troponins_since_ici(record: PatientRecord, context: HookContext, since: date) -> list[TroponinSinceIci]:
    """Each troponin raised from ``since`` on and after the first ICI dose, troponin I first, each against its own
    pre-ICI baseline (:class:`TroponinSinceIci`); none with no ICI dose."""
    first = first_ici_dose(record)
    if first is None:
        return []
    rise = float(context.thresholds.of_rule(ICI_MYOSITIS)["troponin_rise_over_pre_ici_baseline"])
    baseline_days = _pre_ici_baseline_days(context)
    found = []
    for group, name in TROPONINS:
        before = troponin_before_ici(record, context, group)
        before_raised = troponin_raised(before, context) if before is not None else None
        after = [o for o in record.observations_in(group, since=first + timedelta(days=1)) if antibodies.held(o)]
        for index, result in enumerate(after):
            if result.when is None or result.when < since or not troponin_raised(result, context):
                continue
            lowest, times = (None, None) if before is None or before_raised is not True else \
                _times_lowest(result, [before, *after[:index]])
            found.append(TroponinSinceIci(first, name, result, baseline_days, before, before_raised, lowest, times,
                                          rise))
    return found


def _times_lowest(result: Observation, earlier: list[Observation]) -> tuple[Observation | None, ck.Span | None]:
    """The lowest of ``earlier`` with a value, and how many times it ``result`` is (as :class:`PreIciCk` reads a CK
    against the lowest before it); (None, None) when a value cannot be read in one unit, which leaves a rise open."""
    measured: list[tuple[Observation, ck.Span]] = []
    for observation in earlier:
        if observation.reported_value is None:
            continue  # a flag alone: no value to compare
        span = _troponin_span(observation)
        if span is None:
            return None, None
        measured.append((observation, span))
    now = _troponin_span(result)
    if now is None or not measured:
        return None, None
    lowest = min(measured, key=lambda pair: (pair[1].most, pair[1].least))[0]
    return lowest, now.times(ck.Span.extreme((span for _, span in measured), highest=False))


def _troponin_span(observation: Observation) -> ck.Span | None:
    """What a troponin can be, in ng/mL (a result written as a bound is one: '>50,000 ng/L'); None with no value in
    a known unit."""
    from hooks.definitions import diagnosis  # here, not above: as troponin_raised
    quantity = observation.reported_value
    value = convert(quantity.value, quantity.unit, diagnosis.TROPONIN_UNIT) if quantity is not None else None
    return None if quantity is None or value is None else ck.Span.written(value, quantity.comparator)


def troponin_name(observation: Observation) -> str:
    """The troponin's name as its value set has it ('troponin I (cardiac) high-sensitivity'), else its label."""
    return (observation.code.concept_in("troponin_i") or observation.code.concept_in("troponin_t")
            or observation.code.label)


def _raised_troponin(observation: Observation) -> str:
    return f"{troponin_name(observation)} {observation.shown_result} on {observation.when}, raised"


@per_record
def _ici_myositis(record: PatientRecord, context: HookContext) -> tuple[list[str], str | None]:
    """:func:`ici_myositis`'s reasons, and why a raised CK with weakness or myalgia was set aside (None: it was not):
    the CK was already raised before the first ICI dose and has not risen since (:class:`PreIciCk`), the weakness
    or myalgia was charted before that dose too, and no troponin raised since is new (:class:`TroponinSinceIci`)."""
    given = ici_exposure(record, context)
    if not given:
        return [], None
    first_dose = first_ici_dose(record)
    reasons = []
    recent = record.today - timedelta(days=30)
    high_ck = [p for p in ck.series(record, context) if p.day >= recent and ck.switches_on(p.above(p.uln))]
    overlap = neuromuscular_features(record) + (["myocarditis"] if myocarditis(record) else [])
    symptoms = record.conditions_in("myopathy", "myalgia", "weakness_documented", active_only=True) if high_ck else []
    # weakness or myalgia charted since the first dose (or undated: it may be) is new, and makes a raised CK count
    new_symptom = any(c.start is None or first_dose is None or c.start > first_dose for c in symptoms)
    baseline = pre_ici_ck(record, context) if symptoms and not new_symptom else None
    steady = baseline is not None and baseline.risen is False
    # the CK set aside is the known myositis's; a troponin T is read against its own pre-ICI baseline, a troponin I
    # never is
    troponins = troponins_since_ici(record, context, recent) if steady else []
    new_troponin = next((t for t in troponins if t.new), None)
    if symptoms and not steady:
        reasons.append(f"{_raised_ck(high_ck[-1])} with weakness or myalgia")
    elif overlap:  # the symptoms make the overlap whatever the CK did before the ICI
        raised = [o for o in record.observations_in("troponin_i", "troponin_t", since=recent)
                  if troponin_raised(o, context)]
        marker = _raised_ck(high_ck[-1]) if high_ck else _raised_troponin(raised[-1]) if raised else None
        if marker:
            reasons.append(f"{marker} with {', '.join(overlap)}")
    elif new_troponin is not None:  # evidence of its own: the spec holds the ICI for any troponin rise
        reasons.append(f"{new_troponin.describe()}: a new troponin rise, with weakness or myalgia and "
                       f"{_raised_ck(high_ck[-1])}, a CK unchanged since before the ICI")
    for condition in record.conditions_in(*MYOPATHY_GROUPS, active_only=True):
        if not _is_myositis(condition):
            continue  # plain weakness or statin myalgia alone is not ICI myositis
        if first_dose is not None and condition.start is not None and condition.start >= first_dose:
            reasons.append(f"{condition.code.label} since {condition.start.isoformat()} after "
                           f"{given[0].label} from {first_dose.isoformat()}")
            break
    set_aside = (f"{_raised_ck(high_ck[-1])} with weakness or myalgia charted before the first ICI dose is no "
                 f"evidence of ICI myositis: the CK was already raised and has not risen to {baseline.rise:g} x its "
                 f"pre-ICI baseline since (CK {baseline.describe()})"
                 + "".join(f"; no new troponin rise either: {t.describe()}" for t in troponins)
                 if steady and baseline is not None and not reasons else None)
    return reasons, set_aside


def ici_myositis(record: PatientRecord, context: HookContext) -> list[str]:
    """Checkpoint-inhibitor myositis: ICI context and (CK > ULN within 30 d with weakness or myalgia, or a
    myositis/IMNM condition starting after the first ICI dose). Weakness includes the ocular, bulbar and respiratory
    weakness and myasthenia of :data:`ICI_NEUROMUSCULAR_FEATURES`, and, with them or with myocarditis (the overlap
    that kills most often), a troponin raised within 30 d counts as well as a raised CK. A CK already raised before
    the first ICI dose that has not risen since (a myositis known before it: :class:`PreIciCk`) is no evidence with
    weakness or myalgia charted before that dose; with a symptom charted since (or undated), with the overlap's
    symptoms, and beside a troponin raised since that is new (:class:`TroponinSinceIci`), it still is. Empty list:
    not present."""
    return _ici_myositis(record, context)[0]


def ici_myositis_set_aside(record: PatientRecord, context: HookContext) -> str | None:
    """Why a raised CK with weakness or myalgia in ICI context is not read as ICI myositis (None: it is, or there is
    none): it was already raised before the first ICI dose and has not risen since, and no troponin raised since is
    new. R31 says so rather than go quiet without a word."""
    return _ici_myositis(record, context)[1]


def _raised_ck(point: ck.CkPoint) -> str:
    return f"CK {point.shown(point.above(point.uln), 'above the ULN')}"


def _is_myositis(condition: Condition) -> bool:
    """A myositis or IMNM diagnosis (not a symptom such as weakness or myalgia)."""
    return condition.code.in_group(*INFLAMMATORY_MYOPATHY) or any(
        m.group == "myopathy" and m.concept == "myositis" for m in condition.code.matches)
