"""R10: before a new methotrexate start, the baseline labs, viral screens, folic acid and pregnancy checks.

Methotrexate is cleared by the kidney and is hepatotoxic, myelotoxic and teratogenic; HBV can reactivate under
it. The card lists exactly what is missing and offers orders for those items only. eGFR < 30 makes it critical,
judged by ``renal.below_limit`` on the eGFR of any age (reported, or estimated from a creatinine): a low one older
than the lab window is named and rechecked, not ignored, unless a newer one is at or above the limit; on one day the
lower reading counts (a lab's '>60' does not hide a same-day creatinine of 3.0 mg/dL). A recent creatinine that no
eGFR stands for (none could be estimated from it, and the lab reported none since) leaves eGFR < 30 open: the card
asks for what the estimate needs (a child's current height, a birth date, a creatinine that can be read). So does a
newest eGFR that does not settle it, a bound ('<45') or a result that cannot be read: the card names it and asks for
a recheck; it clears no older low eGFR ('>60' does).

A baseline lab is a value, not a box to tick: a CBC count, haemoglobin, ALT, AST or albumin whose result cannot be read
as a number (a text with none, 'see comment'; a count in no unit a count is written in) is not the lab done, and the
card says it could not be read and orders it again (a readable one in the window is the baseline, a newer unreadable
one beside it notwithstanding). A baseline CBC with a clear cytopenia (the window's newest readable WBC, ANC or
platelets below their parameters) is critical: the methotrexate labelling contraindicates it with pre-existing blood
dyscrasias (bone marrow hypoplasia, leukopenia, thrombocytopenia, significant anaemia) in non-neoplastic disease
[verify], as it does pregnancy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, continuing, hepatitis, lab_orders, renal
from hooks.definitions.courses import given_since
from hooks.definitions.dose_basis import named_with_dose
from hooks.definitions.lab_orders import LabTest
from hooks.record import Observation, PatientRecord, Quantity, falls_below
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import CFP_2014, EULAR_2022_INFECTIONS, MTX_BASELINE_DRORACLE, MTX_LABEL
from hooks.units import convert

RULE = Rule(
    id="mtx-start-prerequisites",
    number=10,
    title="Methotrexate start: baseline labs, HBV/HCV screen, folic acid",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    summary="A new methotrexate start without recent CBC, liver tests, albumin, renal function, hepatitis screens, "
            "folic acid or a pregnancy test, or with a positive hepatitis screen not yet followed up; critical when "
            "eGFR < 30 or the baseline CBC shows a cytopenia.",
    sources=(MTX_BASELINE_DRORACLE, EULAR_2022_INFECTIONS, CFP_2014, MTX_LABEL),
    parameters={
        "new_start_lookback_days": Param(90, "days", "No methotrexate given within this window makes a new start."),
        "lab_max_age_days": Param(30, "days", "CBC, ALT/AST, albumin and creatinine/eGFR must be this recent."),
        "egfr_avoid_below": Param(30, "mL/min/1.73m2", "Below this eGFR methotrexate should be avoided (critical)."),
        "childbearing_age_min": Param(12, "years", "Lower age of pregnancy potential (female patients)."),
        "childbearing_age_max": Param(50, "years", "Upper age of pregnancy potential (female patients)."),
        "pregnancy_test_max_age_days": Param(30, "days", "A pregnancy test must be this recent."),
        "baseline_wbc_below": Param(3.0, "10*9/L", "A baseline WBC below this is a cytopenia that contraindicates "
                                                  "the start (critical) [verify]."),
        "baseline_anc_below": Param(1.5, "10*9/L", "A baseline absolute neutrophil count below this is a cytopenia "
                                                  "that contraindicates the start (critical) [verify]."),
        "baseline_platelets_below": Param(100, "10*9/L", "Baseline platelets below this are a cytopenia that "
                                                         "contraindicates the start (critical) [verify]."),
    },
    override_family="safety",
)

COUNT_UNIT = "10*9/L"
Reader = Callable[[Observation], Quantity | None]


def _number(observation: Observation) -> Quantity | None:
    """The result as a number: a valueQuantity, or a number with its unit written as text ('80 U/L')."""
    return observation.reported_value


def _count(observation: Observation) -> Quantity | None:
    """A cell count in ×10⁹/L with its comparator, from any unit a count is written in (K/uL, 10*3/uL, /uL...); None
    with no number, no unit, or a unit that is no count's: how low it is is not known."""
    quantity = observation.reported_value
    if quantity is None:
        return None
    value = convert(quantity.value, quantity.unit, COUNT_UNIT)
    return None if value is None else Quantity(value, COUNT_UNIT, quantity.comparator)


@dataclass(frozen=True, slots=True)
class Lab:
    """A prerequisite test: the value-set group(s) that satisfy it, and the test ordered for it (one CBC with
    differential for the WBC, haemoglobin and platelets)."""

    key: str
    label: str
    groups: tuple[str, ...]
    order: LabTest
    recent: bool  # True: must be within lab_max_age_days; False: ever
    # how its result must be read to count as done (a number, a count); None: any result (a screen's NEG, and the
    # renal result, which renal.below_limit judges in every form)
    read: Reader | None = None


BASELINE: tuple[Lab, ...] = (
    Lab("wbc", "WBC", ("wbc",), lab_orders.CBC, True, _count),
    Lab("hemoglobin", "haemoglobin", ("hemoglobin",), lab_orders.CBC, True, _number),
    Lab("platelets", "platelets", ("platelets",), lab_orders.CBC, True, _count),
    Lab("alt", "ALT", ("alt",), lab_orders.ALT, True, _number),
    Lab("ast", "AST", ("ast",), lab_orders.AST, True, _number),
    Lab("albumin", "albumin", ("albumin",), LabTest("albumin", "albumin", "1751-7"), True, _number),
    Lab("renal", "creatinine/eGFR", ("creatinine", "egfr"), LabTest("creatinine/eGFR", "creatinine", "2160-0"), True),
    Lab("hbsag", "HBsAg", ("hbsag",), lab_orders.HBSAG, False),
    Lab("anti_hbc", "anti-HBc total", ("anti_hbc",), lab_orders.ANTI_HBC, False),
    Lab("hcv_ab", "HCV antibody", ("hcv_ab",), lab_orders.HCV_AB, False),
)

# The counts of a clear baseline cytopenia: (value-set group, label, the parameter it must not be below). The ANC is
# read where the CBC has a differential; it is not a prerequisite of its own.
CYTOPENIA: tuple[tuple[str, str, str], ...] = (
    ("wbc", "WBC", "baseline_wbc_below"),
    ("neutrophils_absolute", "ANC", "baseline_anc_below"),
    ("platelets", "platelets", "baseline_platelets_below"),
)


def _usable(observation: Observation) -> bool:
    """A result that was actually reported (a urine albumin is not a serum albumin)."""
    if observation.in_group("albumin") and "urine" in observation.code.words():
        return False
    return observation.has_result


def latest_result(record: PatientRecord, groups: tuple[str, ...], since: date | None = None,
                  read: Reader | None = None) -> Observation | None:
    """The newest reported result of ``groups`` from ``since``; with ``read``, the newest it reads."""
    dated = [(o.when, o) for o in record.observations_in(*groups, since=since) if o.when is not None and _usable(o)
             and (read is None or read(o) is not None)]
    return max(dated, key=lambda pair: pair[0], default=(None, None))[1]


def _not_read(record: PatientRecord, lab: Lab, since: date | None) -> Observation | None:
    """The newest result of ``lab`` that its reader cannot read, when none it can read is on file: reported, yet no
    baseline ('see comment', a count with no unit). One not yet reported ('Pending') is no result yet: missing."""
    if lab.read is None:
        return None
    return next((o for o in reversed(record.observations_in(*lab.groups, since=since))
                 if o.when is not None and _usable(o) and not o.not_yet_reported), None)


@dataclass(frozen=True, slots=True)
class LowCount:
    """A baseline count below its limit: 'platelets 45 ×10⁹/L on 2026-11-18, below 100 ×10⁹/L'."""

    label: str
    count: Quantity
    day: date
    limit: float

    @property
    def short(self) -> str:
        return f"{self.label} {self.count}"

    def __str__(self) -> str:
        return f"{self.short} on {self.day.isoformat()}, below {Quantity(self.limit, COUNT_UNIT)}"


def _cytopenia(record: PatientRecord, since: date, params: Mapping[str, float]
               ) -> tuple[list[LowCount], dict[str, str]]:
    """The counts, each the window's newest that can be read, below their limits; and by value-set group those
    reported only as a bound that does not settle it ('>50 ×10⁹/L' against 100), as the card asks for them."""
    low: list[LowCount] = []
    unsettled: dict[str, str] = {}
    for group, label, limit_name in CYTOPENIA:
        result = latest_result(record, (group,), since, _count)
        count = _count(result) if result is not None else None
        if result is None or result.when is None or count is None:
            continue
        limit = params[limit_name]
        below = falls_below(count.value, limit, count.comparator)
        if below:
            low.append(LowCount(label, count, result.when, limit))
        elif below is None:
            unsettled[group] = (f"an exact {label} (reported as {count} on {result.when.isoformat()}: whether it "
                                f"is below {limit:g} is not known)")
    return low, unsettled


def _shown(observation: Observation) -> str:
    return f"{observation.shown_result} on {observation.when.isoformat() if observation.when else 'undated'}"


_SHORT = {"WBC": "CBC", "haemoglobin": "CBC", "platelets": "CBC", "ALT": "liver tests", "AST": "liver tests",
          "creatinine/eGFR": "renal function", "HBsAg": "HBV/HCV screen", "anti-HBc total": "HBV/HCV screen",
          "HCV antibody": "HBV/HCV screen"}


def _unjudged(record: PatientRecord, context: HookContext, since: date,
              newest_egfr: date | None) -> renal.UnestimatedCreatinine | None:
    """The latest creatinine within the window when no eGFR stands for it (renal.gives_no_egfr), and why none could
    be estimated. R10 alone also takes a lab's eGFR on or after its day in any form as standing for it, a text with
    no number ('see comment') too: the renal prerequisite asks for a result, not a value. ``newest_egfr``: the day of
    the newest eGFR reading (renal.egfr_days)."""
    creatinine = latest_result(record, ("creatinine",), since)
    if creatinine is None or creatinine.when is None or latest_result(record, ("egfr",), creatinine.when) is not None:
        return None
    found = renal.gives_no_egfr(record, context, creatinine)
    if found is not None and found.reason.missing == "creatinine" and newest_egfr is not None \
            and newest_egfr >= since:
        return None  # an unreadable creatinine (haemolysed) beside an eGFR within the window meets the prerequisite
    return found


def _also_that_day(overruled: tuple[renal.Reading, ...], limit: float) -> str:
    """The same day's other eGFR readings, which the low one outweighs, as a sentence of their own after the advice:
    " The same day's other eGFR, the lab's >60, does not change this: one reading below 30 is enough." ('' with
    none)."""
    if not overruled:
        return ""
    enough = f"one reading below {limit:g} is enough."
    named = "; ".join(reading.named for reading in overruled)
    if len(overruled) == 1:
        return f" The same day's other eGFR, {named}, does not change this: {enough}"
    return f" The same day's other eGFR readings ({named}) do not change this: {enough}"


def _short(items: list[str], short_of: Mapping[str, str]) -> list[str]:
    """The missing items in a few words each, for the card summary (``short_of``: those said at length)."""
    return list(dict.fromkeys(short_of.get(item) or _SHORT.get(item, item) for item in items))


DETAIL = """\
**Before starting methotrexate:** {missing_sentence}
{egfr_line}{cytopenia_line}{found_line}{viral_line}{pregnancy_line}
Baseline and follow-up: CBC, liver tests and creatinine every 2-4 weeks while the dose is titrated, then every
8-12 weeks. In IMNM, AST and ALT partly come from muscle, so judge liver toxicity by **GGT**. Co-prescribe folic
acid 1 mg daily, and counsel about alcohol{contraception}. Avoid methotrexate when eGFR is below {egfr_limit:g}."""


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    drafts = [o for o in context.drafts_in("methotrexate") if o.resource_type == "MedicationRequest"]
    facts: dict[str, Any] = {"methotrexate_drafts": ", ".join(o.label for o in drafts) or None}
    if not drafts:
        return Quiet("no methotrexate draft order", facts)
    lookback = record.today - timedelta(days=int(params["new_start_lookback_days"]))
    recent_mtx = given_since(record, "methotrexate", since=lookback)
    facts["recent_methotrexate"] = ", ".join(f"{m.label} ({m.status})" for m in recent_mtx) or None
    if recent_mtx:
        return Quiet(f"not a new start: methotrexate given within {params['new_start_lookback_days']:g} days",
                     facts)

    since = record.today - timedelta(days=int(params["lab_max_age_days"]))
    missing: list[Lab] = []
    unread: list[tuple[Lab, Observation]] = []  # reported, but not a value its reader can read: not done
    found: list[str] = []
    for lab in BASELINE:
        window = since if lab.recent else None
        result = latest_result(record, lab.groups, window, lab.read)
        if result is not None:
            found.append(f"{lab.label} {_shown(result)}")
        elif (written := _not_read(record, lab, window)) is not None:
            unread.append((lab, written))
        else:
            missing.append(lab)
        facts[lab.key] = _shown(result) if result else None
    facts["not_read"] = "; ".join(f"{lab.label} {o.value_label} on {o.when}" for lab, o in unread) or None
    cytopenias, counts_unsettled = _cytopenia(record, since, params)
    facts["cytopenia"] = "; ".join(map(str, cytopenias)) or None

    # the eGFR of any age, reported or estimated from the creatinine: a low one older than the lab window still
    # counts (an eGFR this low rarely recovers; the fresh one stays asked for), a newer one at or above the limit
    # ('>60' too) overrides it; a newer one that does not settle it ('<45', a result that cannot be read) is named
    # and rechecked but overrides nothing
    limit = params["egfr_avoid_below"]
    kidney = renal.below_limit(record, context, limit, count_unestimated_creatinine=False)  # asked below, in its window
    low = kidney.decided if kidney.below else None
    unsettled = kidney.unsettled
    facts["egfr"] = str(kidney.decided.reading) if kidney.decided else None
    facts["egfr_newer_unsettled"] = str(newer.reading) if (newer := kidney.newer_unsettled) else None
    newest = kidney.newest
    unjudged = _unjudged(record, context, since, newest.reading.day if newest else None)
    facts["egfr_not_estimated"] = (f"creatinine {_shown(unjudged.creatinine)}: {unjudged.reason.why}" if unjudged
                                   else None)
    recent_egfr = low is not None and low.reading.day >= since
    critical = low is not None

    folate = continuing.in_place(record, context, "folic_acid")
    facts["folic_acid"] = ", ".join(o.label for o in folate) or None

    # any age she may be (a partial birthDate allows two; none on file, any) within the range, and any sex but male
    # (unknown, other or none on file, as a missing birth date): never drop the pregnancy test on a reading that
    # misses it
    sex, age = (record.patient.sex if record.patient else None), cohorts.describe_age(record)
    childbearing = sex != "male" and cohorts.may_be_aged(record, params["childbearing_age_min"],
                                                         params["childbearing_age_max"])
    sex_read = "female" if sex == "female" else f"sex on file {sex or 'none'} (only male rules it out)"
    facts.update(age_read=age, sex_read=sex_read, pregnancy_potential=childbearing)
    pregnancy_test = None
    pregnant = record.conditions_in("pregnancy", active_only=True)
    if childbearing:
        test_since = record.today - timedelta(days=int(params["pregnancy_test_max_age_days"]))
        pregnancy_test = latest_result(record, ("pregnancy_test",), test_since)
        facts["pregnancy_test"] = _shown(pregnancy_test) if pregnancy_test else None
    if pregnant:
        facts["pregnancy"] = pregnant[0].code.label
    pregnancy_found = bool(pregnant) or (pregnancy_test is not None
                                         and antibodies.status(pregnancy_test) == "positive")
    # contraindications: eGFR below the limit, pregnancy, a clear baseline cytopenia
    critical = critical or pregnancy_found or bool(cytopenias)

    items = [lab.label for lab in missing]
    # a result reported but not read is no baseline: said as such, and ordered again
    short_of: dict[str, str] = {}
    for lab, written in unread:
        wanted = "a count with its unit" if lab.read is _count else "a number"
        item = f"{lab.label} that can be read (the latest, {written.value_label} on {written.when}, is not {wanted})"
        items.append(item)
        short_of[item] = f"{_SHORT.get(lab.label, lab.label)} that can be read"
    items += counts_unsettled.values()
    short_of.update(dict.fromkeys(counts_unsettled.values(), "CBC"))
    if unsettled:
        items.append(f"an exact eGFR, reported only as {unsettled.reading.shown}"
                     if isinstance(unsettled.reading, renal.Egfr) else
                     f"an eGFR that can be read (the latest, {unsettled.reading.written}, cannot)")
    if unjudged:
        items.append(unjudged.reason.needed)
    if not folate:
        items.append("folic acid")
    if childbearing and pregnancy_test is None:
        items.append("pregnancy test")
    facts["missing"] = ", ".join(items) or None
    # a screen on file that was ever positive is a finding in itself: HBV reactivation (the HBV markers R26 reads
    # too, the problem list included), or liver toxicity with HCV (HCV Ab also stays positive after clearance)
    hbv_markers = hepatitis.hbv_markers(record)
    hcv = hepatitis.positive_marker(record, "hcv_ab", "HCV Ab")
    hcv_markers = (hcv,) if hcv else ()
    screens = (*hbv_markers, *hcv_markers)
    facts["positive_hepatitis_screen"] = "; ".join(m.stated for m in screens) or None
    # a positive HBV marker with an antiviral plan, or for anti-HBc alone HBV DNA not detectable, is followed up, as
    # R26 judges it before rituximab (one shared definition and DNA window)
    hbv = hepatitis.follow_up(record, context)
    hbv_open = hepatitis.unmanaged(record, context)
    positive = (*(hbv_markers if hbv_open else ()), *hcv_markers)
    viraemic = hbv.viraemic if hbv_open else None  # a detectable load: no DNA to order
    not_enough = hbv.dna_not_enough if hbv_open else None  # HBsAg positive: an antiviral whatever the DNA
    facts.update(hbv_dna_recent=hbv.describe_dna(), hbv_antiviral_plan=hbv.describe_antiviral(),
                 hbv_dna_detectable=hbv.describe_viraemic(),
                 antiviral_needed_whatever_dna=hbv.describe_surface_antigen())
    viral = [m.stated for m in positive]
    if not items and not critical and not viral:
        return Quiet("baseline labs, hepatitis screens and folic acid are in place, " + (
            "positive HBV marker with HBV DNA not detectable or an antiviral plan on file" if screens
            else "screens negative"), facts)

    egfr_line, egfr_reason = "", None
    if low is not None:
        low_egfr = low.reading
        if recent_egfr:
            egfr_reason = f"eGFR {low_egfr.shown}: avoid methotrexate"
            head = f"eGFR {low_egfr}: avoid methotrexate"
            advice = "Choose another steroid-sparing agent."
        else:
            days = (record.today - low_egfr.day).days
            egfr_reason = (f"eGFR {low_egfr.shown} ({days} days ago): recheck, avoid methotrexate if still below "
                           f"{limit:g}")
            head = (f"eGFR {low_egfr}, {days} days ago: recheck renal function now; avoid methotrexate if it is still "
                    f"below {limit:g}")
            advice = "An eGFR this low rarely recovers; if it has not, choose another steroid-sparing agent."
        egfr_line = (f"\n**{head}** (it is cleared by the kidney; toxicity rises sharply in renal impairment). "
                     f"{advice}{_also_that_day(low.overruled, limit)}\n")
    if unsettled:
        egfr_line += (f"\n**{unsettled.says(limit)}; recheck before methotrexate** (a creatinine, or the lab's eGFR "
                      "as a value).\n")
    if unjudged:
        creatinine, no_estimate = unjudged.creatinine, unjudged.reason
        egfr_line += (f"\n**Creatinine {_shown(creatinine)} gives no eGFR: {no_estimate.why}.** Whether the eGFR is "
                      f"below {limit:g} is not known: {no_estimate.remedy} (or get the lab's eGFR) before "
                      "dosing.\n")
    pregnancy_line = ""
    if pregnancy_found:
        pregnancy_line = ("\n**Pregnancy on file: methotrexate is contraindicated in pregnancy** (teratogenic and "
                          "abortifacient).\n")
    elif childbearing:
        test = (f"pregnancy test {_shown(pregnancy_test)}" if pregnancy_test is not None else
                f"no pregnancy test in the last {params['pregnancy_test_max_age_days']:g} days")
        pregnancy_line = (f"\nPregnancy potential: {sex_read}, age {age}; {test}. Confirm effective contraception "
                          "during methotrexate and for at least 3 months after stopping.\n")
    viral_advice = "Check HBV DNA / HCV RNA and involve hepatology before starting."
    if hbv_open and (need := hbv.antiviral_need()) is not None:
        viral_advice = (f"{need}, and no HBV antiviral is active or ordered. Involve hepatology and start antiviral "
                        "prophylaxis (entecavir or tenofovir) before methotrexate"
                        + ("; check HCV RNA." if hcv else "."))
    missing_sentence = (f"missing {', '.join(items)} (labs within {params['lab_max_age_days']:g} days; hepatitis "
                        "screens ever)." if items else "the prerequisites are on file, but see below.")
    cytopenia_line = ""
    if cytopenias:
        cytopenia_line = (f"\n**Baseline cytopenia: {'; '.join(map(str, cytopenias))}.** The methotrexate "
                          "labelling contraindicates it with pre-existing blood dyscrasias (bone marrow hypoplasia, "
                          "leukopenia, thrombocytopenia, significant anaemia) outside cancer care, and it is "
                          "myelosuppressive: find the cause (repeat the CBC with differential; haematology) before "
                          "any start.\n")
    detail = DETAIL.format(
        missing_sentence=missing_sentence, egfr_line=egfr_line, cytopenia_line=cytopenia_line,
        found_line=f"\nOn file: {'; '.join(found)}.\n" if found else "",
        viral_line=f"\n**Positive hepatitis screen: {'; '.join(viral)}.** {viral_advice}\n" if viral else "",
        pregnancy_line=pregnancy_line, egfr_limit=limit,
        contraception=" and contraception" if childbearing else "")

    labs: list[Action] = []
    # renal function to recheck: a creatinine that cannot be read, or a newest eGFR that does not settle the limit;
    # a result not read, or a count that does not settle its limit, is ordered again too
    recheck = [lab for lab in BASELINE if lab.key == "renal" and lab not in missing
               and (unsettled or (unjudged and unjudged.reason.missing == "creatinine"))]
    recheck += [lab for lab, _ in unread]
    recheck += [lab for lab in BASELINE if lab.key in counts_unsettled]
    # each test once, however many of its results are wanted (a CBC for the WBC, haemoglobin and platelets)
    to_order: dict[LabTest, list[str]] = {}
    for lab in (*missing, *recheck):
        to_order.setdefault(lab.order, []).append(lab.label)
    for lab_test, labels in to_order.items():
        named = lab_test.label if labels == [lab_test.label] else f"{lab_test.label} ({', '.join(labels)})"
        labs.append(lab_test.action(context, f"Order {named}", note="Baseline before starting methotrexate"))
    if any(lab.key in ("alt", "ast") for lab in (*missing, *recheck)) \
            and latest_result(record, ("ggt",), since) is None:
        labs.append(lab_orders.GGT.action(context, "Order GGT",
                                          note="Liver toxicity marker not confounded by muscle injury (IMNM)"))
    if unjudged and (height := unjudged.reason.order(context, "methotrexate")):
        labs.append(height)
    if childbearing and pregnancy_test is None and not pregnant:
        labs.append(Action("create", "Order a pregnancy test (serum hCG)", resource=orders.service_request(
            context.patient_id, orders.lab_concept(context.valuesets, "pregnancy_test", "2118-8"),
            note="Before starting methotrexate (teratogenic)")))
    suggestions: list[Suggestion] = []
    if labs:
        suggestions.append(Suggestion("Order the missing baseline tests", labs, is_recommended=not critical))
    if not folate:
        folic = orders.medication_request(
            context.patient_id, orders.concept(context.valuesets, "folic_acid", "folic acid"), 1, "mg",
            text="Folic acid 1 mg by mouth once daily (the site may skip the methotrexate day)")
        suggestions.append(Suggestion("Add folic acid 1 mg PO daily",
                                      [Action("create", "Folic acid 1 mg PO daily", resource=folic)]))
    if viral:
        antiviral_reason = hbv.antiviral_reason if hbv_open else None  # a recent HBV DNA on file: no second one
        why = f"{antiviral_reason}, antiviral prophylaxis" if antiviral_reason else "positive hepatitis screen"
        follow_up = [Action("create", "Hepatology referral", resource=orders.service_request(
            context.patient_id, orders.text_concept(f"Referral to hepatology: {why} before methotrexate")))]
        if hbv_open and not antiviral_reason:
            follow_up.insert(0, lab_orders.HBV_DNA.action(context))
        if hcv:
            follow_up.insert(0, Action("create", "HCV RNA", resource=orders.service_request(
                context.patient_id, orders.text_concept("HCV RNA PCR (quantitative)"))))
        title = "Positive hepatitis screen: viral load and hepatology before starting"
        if antiviral_reason:
            title = (f"{antiviral_reason}: hepatology and antiviral prophylaxis"
                     + (", and HCV RNA" if hcv else "") + " before starting")
        suggestions.append(Suggestion(title, follow_up, is_recommended=not critical))
    if critical:
        suggestions.insert(0, Suggestion(
            "Do not start methotrexate: cancel the draft",
            [Action("delete", f"Cancel {named_with_dose(o)}", resource_id=o.reference) for o in drafts],
            is_recommended=True))
    cytopenia_reason = f"baseline cytopenia ({'; '.join(map(str, cytopenias))}): contraindicated"
    reason = (egfr_reason if egfr_reason is not None
              else "pregnancy: methotrexate contraindicated" if pregnancy_found
              else cytopenia_reason if cytopenias
              else f"missing {', '.join(items)}" if items
              else f"positive hepatitis screen ({', '.join(m.kind for m in positive)}): " + (
                  "HBV DNA detectable, hepatology and antiviral first" if viraemic
                  else "hepatology and antiviral first, whatever the HBV DNA" if not_enough
                  else "check viral load first"))
    shorter = (f"baseline cytopenia ({', '.join(c.short for c in cytopenias)}): contraindicated"
               if reason == cytopenia_reason
               else f"missing {', '.join(_short(items, short_of))}")
    summary = first_fitting([f"Methotrexate start: {reason}", f"Methotrexate start: {shorter}"])
    return Fired(
        severity="critical" if critical else "warning",
        summary=summary,
        detail=detail,
        facts=facts,
        about=drafts,
        suggestions=suggestions,
    )
