"""R29: new inflammatory myopathy, immunosuppression not yet (or just) started: bring non-live vaccines up to date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts, hepatitis, lab_orders, steroids
from hooks.definitions.courses import last_dose_day
from hooks.definitions.immunosuppression import IMMUNOSUPPRESSANTS
from hooks.definitions.routes import systemic
from hooks.definitions.treatment_duration import coverage, merge
from hooks.definitions.vaccines import SERIES_DOSES, given_in, months_after, rzv_series, vaccines_given
from hooks.record import CVX, Immunization, Observation, PatientRecord, falls_below
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ACR_2022_VACCINES, EULAR_2022_INFECTIONS, IDSA_2013_VACCINES, SEED_003

RULE = Rule(
    id="vaccinate-before-immunosuppression",
    number=29,
    title="Vaccinate before immunosuppression",
    hooks=("patient-view",),
    severities=("info",),
    summary="New IIM/IMNM (onset within 90 days) with immunosuppression not started or just started: lists the "
            "missing non-live vaccines (influenza, pneumococcal, recombinant zoster, COVID-19, hepatitis B).",
    sources=(SEED_003, IDSA_2013_VACCINES, ACR_2022_VACCINES, EULAR_2022_INFECTIONS),
    parameters={
        "onset_max_days": Param(90, "days", "The myositis began at most this long ago."),
        "immunosuppression_started_max_days": Param(30, "days", "Immunosuppression not started, or started at most "
                                                                "this long ago."),
        "flu_season_start_month": Param(8, "month", "The influenza season starts on day 1 of this month."),
        "covid_current_days": Param(365, "days", "A COVID-19 dose this recent counts as up to date."),
        "anti_hbs_immune_miu_ml": Param(10, "mIU/mL", "Anti-HBs at or above this is immune."),
        "pcv_after_ppsv23_min_months": Param(12, "months", "PCV20/PCV21 is given at least this long after a PPSV23 "
                                                           "dose (CDC) [verify]."),
    },
    needs=("patient", "conditions", "observations", "medications", "immunizations"),
)

INFLUENZA = ("influenza, inactivated or recombinant", "influenza, live attenuated (LAIV)")
HEPATITIS_B = ("hepatitis B", "hepatitis B-containing combination")
IIV_DISPLAY = "Influenza, seasonal, injectable, preservative free"  # CVX 140
PCV20_DISPLAY = ("Pneumococcal conjugate vaccine 20-valent (PCV20), polysaccharide CRM197 conjugate, adjuvant, "
                 "preservative free")  # CVX 216
PPSV23_DISPLAY = "pneumococcal polysaccharide vaccine, 23 valent"  # CVX 33
RZV_DISPLAY = "zoster vaccine recombinant"  # CVX 187
HBV_DISPLAY = "Hepatitis B vaccine (recombinant), CpG adjuvanted"  # CVX 189: licensed from age 18 only
HBV_PAEDIATRIC_DISPLAY = "hepatitis B vaccine, pediatric or pediatric/adolescent dosage"  # CVX 08
MIU_PER_ML = frozenset({"miu/ml", "iu/l"})  # anti-HBs units of one number: 1 mIU/mL = 1 IU/L (brackets left out)
SHORT = {"Influenza": "influenza", "Pneumococcal conjugate": "pneumococcal", "Pneumococcal": "PPSV23",
         "Recombinant zoster": "RZV", "COVID-19": "COVID-19", "Hepatitis B": "hepatitis B"}
CHECKED = ("influenza", "pneumococcal", "zoster", "COVID-19", "hepatitis B")
# a vaccine R29 checks but may not offer: (its name in CHECKED, its name on the card, the fact that says why)
NOT_OFFERED = (("pneumococcal", "pneumococcal conjugate vaccine (PCV20/PCV21)", "pcv_not_offered"),
               ("zoster", "recombinant zoster vaccine", "rzv_not_offered"),
               ("hepatitis B", "hepatitis B vaccine", "hepatitis_b_not_offered"))

DETAIL = """\
**Bring non-live vaccines up to date now**, without delaying urgent treatment of the myositis. {diagnosis}
(onset {onset}, {onset_days} days ago); {treatment}.

Missing:
{missing}
{done}{not_offered}
Vaccines work best before immunosuppression: ideally at least 2 weeks before rituximab. Non-live vaccines are safe
on any treatment. Live vaccines only if at least 4 weeks can safely pass before immunosuppression starts, which is
rarely possible in IMNM."""


def _season_start(today: date, month: int) -> date:
    return date(today.year if today.month >= month else today.year - 1, month, 1)


def _when(items: list[Immunization]) -> str:
    return ", ".join(i.when.isoformat() if i.when else "undated" for i in items)


def _anti_hbs(observation: Observation, immune_level: float) -> str | None:
    """'immune', 'non-immune' or None: a titre in mIU/mL (a value, or a number or bound written as text: '850
    mIU/mL', '<3.0 mIU/mL') is judged against the level; in another unit, or a bound that does not settle it ('<15
    mIU/mL'), the lab's reading decides."""
    titre = observation.reported_value
    if titre is not None and (titre.unit or "").lower().replace("[", "").replace("]", "") in MIU_PER_ML:
        below = falls_below(titre.value, immune_level, titre.comparator)
        if below is not None:
            return "non-immune" if below else "immune"
    status = antibodies.status(observation)
    return None if status is None else "immune" if status == "positive" else "non-immune"


def _immunosuppression_start(record: PatientRecord, context: HookContext, onset: date
                             ) -> tuple[tuple[date, str] | None, list[str]]:
    """The first day of the immunosuppression in use on the onset, or begun after it, with what was given that day;
    and the systemic courses of this episode with no start date: given, but since when is not known.

    Immunosuppression is read as days on it, not as orders: a glucocorticoid's dosed days, another agent's days
    until its next dose is due (treatment_duration.coverage), an anti-CD20's days until it is no longer in use (the
    anti_cd20_in_use_days definition). Days a late refill's gap apart (dose_gap_bridge_days) are one run, so a course
    continued in a new order, at a new dose or with another agent began when its first day was. A run over before
    the onset, such as a short burst for another illness, is not counted: it leaves the vaccines as due as before
    (erring toward the card)."""
    history = steroids.history(record, context)
    anti_cd20_days = int(context.definition("anti_cd20_in_use_days"))
    given: list[tuple[date, date, str]] = [
        (first, last, f"{order.label} (dose unreadable)" if peq is None
         else f"{order.label} ({peq:g} mg/day prednisone-equivalent)")
        for order, peq, first, last in history.days_given()]
    # tacrolimus ointment or ciclosporin eye drops suppress no immunity (the steroid history leaves local
    # glucocorticoids out already)
    agents = systemic(record.medications_in(*IMMUNOSUPPRESSANTS))
    for order in agents:
        if order.in_group("rituximab"):
            last = last_dose_day(order, record.today)
            span = (None if order.start is None or last is None
                    else (order.start, min(last + timedelta(days=anti_cd20_days), record.today)))
            label = f"{order.label} (anti-CD20, in use for {anti_cd20_days} days after its last dose)"
        else:
            span, label = coverage(order, record.today), order.label
        if span is not None:
            given.append((*span, label))
    # an order to start after today has given nothing yet
    runs = merge([(first, last) for first, last, _ in given if first <= last],
                 int(context.definition("dose_gap_bridge_days")))
    began = next((first for first, last in runs if last >= onset), None)
    started = None if began is None else (began, " + ".join(dict.fromkeys(label for first, _, label in given
                                                                           if first == began)))
    # given, with no start date, on or after the onset (an anti-CD20 still in use then)
    cd20_since = onset - timedelta(days=anti_cd20_days)
    undated = [o.label for o in history.unreadable_since(onset) if o.start is None]
    undated += [o.label for o in agents if o.start is None and (last := last_dose_day(o, record.today)) is not None
                and last >= (cd20_since if o.in_group("rituximab") else onset)]
    return started, undated


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    p = context.params(RULE)
    facts: dict[str, Any] = {"iim": cohorts.is_iim(record, context)}
    if not facts["iim"]:
        return Quiet("no IIM/IMNM (confirmed or provisional)", facts)
    onset = cohorts.iim_onset(record)
    facts["onset"] = onset
    if onset is None:
        return NotEvaluable("onset or recorded date of the myositis condition", facts)
    onset_days = (record.today - onset).days
    if onset_days > p["onset_max_days"]:
        return Quiet(f"myositis onset {onset.isoformat()} is more than {int(p['onset_max_days'])} days ago", facts)
    started, undated = _immunosuppression_start(record, context, onset)
    facts["immunosuppression_start"] = f"{started[1]} from {started[0].isoformat()}" if started else None
    facts["immunosuppression_undated"] = ", ".join(undated) or None
    if started is not None and (record.today - started[0]).days > p["immunosuppression_started_max_days"]:
        return Quiet(f"immunosuppression started {started[0].isoformat()}, more than "
                     f"{int(p['immunosuppression_started_max_days'])} days ago", facts)
    if undated:  # given, so started; whether within the window or before it, only its start date can tell
        return NotEvaluable(f"start date of {', '.join(undated)}: immunosuppression of this episode with no start "
                            f"date, so whether it began within {int(p['immunosuppression_started_max_days'])} days "
                            "is unknown", facts)
    missing, done, offers = _check(record, context, p, facts)
    facts["missing"] = "; ".join(missing) or None
    not_offered = [(checked, name, facts[key]) for checked, name, key in NOT_OFFERED if facts[key]]
    if not missing:
        if facts["rzv_not_offered"] and record.youngest_age_years is None:  # whether RZV is due, only the age can tell
            return NotEvaluable(f"birth date: recombinant zoster vaccine is not offered ({facts['rzv_not_offered']}); "
                                + _up_to_date(not_offered, unsaid="zoster"), facts)
        return Quiet(_up_to_date(not_offered), facts)
    treatment = (f"immunosuppression started {started[0].isoformat()} ({started[1]})" if started
                 else "immunosuppression not started yet")
    condition = next(iter(cohorts.imnm_conditions(record) or record.conditions_in("iim_other", active_only=True)),
                     None)
    diagnosis = condition.code.label if condition else "Inflammatory myopathy"
    detail = DETAIL.format(diagnosis=diagnosis, onset=onset.isoformat(), onset_days=onset_days, treatment=treatment,
                           missing="\n".join(f"- {m}" for m in missing),
                           done=("\nUp to date: " + "; ".join(done) + ".\n") if done else "",
                           not_offered="".join(f"\n{name[0].upper()}{name[1:]} is not offered: {why}.\n"
                                               for _, name, why in not_offered))
    short = ", ".join(SHORT.get(m.split(":")[0].split(" (")[0], m[:20]) for m in missing)
    return Fired(
        severity="info",
        summary=f"New myositis: vaccinate before immunosuppression. Missing: {short}",
        detail=detail,
        facts=facts,
        suggestions=offers,
        selection="any",
    )


def _up_to_date(not_offered: list[tuple[str, str, str]], unsaid: str | None = None) -> str:
    """'influenza, ... and hepatitis B vaccination up to date; <vaccine> not offered (<why>)': the vaccines checked,
    each up to date or not offered; ``unsaid``, a vaccine named elsewhere, left out."""
    left_out = {checked for checked, _, _ in not_offered} | {unsaid}
    current = [checked for checked in CHECKED if checked not in left_out]
    return (f"{', '.join(current[:-1])} and {current[-1]} vaccination up to date"
            + "".join(f"; {name} not offered ({why})" for checked, name, why in not_offered if checked != unsaid))


def _vaccine(context: HookContext, display: str, text: str, note: str | None = None) -> dict[str, Any]:
    return orders.medication_request(context.patient_id, orders.concept(context.valuesets, "non_live_vaccine", display),
                                     0.5, "mL", route="im", count=1, text=text, note=note)


def _offer(label: str, action: Action) -> Suggestion:
    """A vaccine due now, right to sign as it is (pre-selected)."""
    return Suggestion(label, [action], is_recommended=True)


def _check(record: PatientRecord, context: HookContext, p: Any, facts: dict[str, Any]
           ) -> tuple[list[str], list[str], list[Suggestion]]:
    """What is missing, what is up to date, and what the card offers: each vaccine due now pre-selected; one whose
    need a test decides first (hepatitis B by anti-HBs) is offered only beside that test, not pre-selected."""
    missing: list[str] = []
    done: list[str] = []
    offers: list[Suggestion] = []

    season = _season_start(record.today, int(p["flu_season_start_month"]))
    flu = [i for i in vaccines_given(record, *INFLUENZA) if i.when is not None and i.when >= season]
    facts["influenza_this_season"] = _when(flu) or None
    if flu:
        done.append(f"influenza {_when(flu)}")
    else:
        missing.append(f"Influenza: no dose this season (since {season.isoformat()})")
        offers.append(_offer("Inactivated influenza vaccine 0.5 mL IM", Action(
            "create", "Inactivated influenza vaccine 0.5 mL IM", resource=_vaccine(
                context, IIV_DISPLAY, "Inactivated influenza vaccine 0.5 mL IM once (current season)"))))

    facts["pcv_not_offered"] = None
    pcv20 = given_in(record, "pcv20_or_pcv21")
    pcv15 = given_in(record, "pcv15")
    ppsv23 = vaccines_given(record, "pneumococcal polysaccharide (PPSV23)")
    facts["pneumococcal"] = "; ".join(f"{name} {_when(items)}" for name, items in
                                      (("PCV20/21", pcv20), ("PCV15", pcv15), ("PPSV23", ppsv23)) if items) or None
    if pcv20 or (pcv15 and ppsv23):
        done.append("pneumococcal " + facts["pneumococcal"])
    elif pcv15:
        missing.append(f"Pneumococcal (PPSV23): PCV15 given {_when(pcv15)} but no PPSV23")
        offers.append(_offer("PPSV23 0.5 mL IM (at least 8 weeks after PCV15)", Action(
            "create", "PPSV23 0.5 mL IM", resource=_vaccine(
                context, PPSV23_DISPLAY, "Pneumococcal polysaccharide vaccine (PPSV23) 0.5 mL IM once",
                note="At least 8 weeks after PCV15."))))
    else:
        earliest, after_ppsv23 = _pcv_after_ppsv23(ppsv23, int(p["pcv_after_ppsv23_min_months"]))
        if earliest is not None and earliest > record.today:
            facts["pcv_not_offered"] = after_ppsv23
        else:
            missing.append("Pneumococcal conjugate: no PCV20/PCV21 (or PCV15 + PPSV23) on file"
                           + (f". {after_ppsv23}" if after_ppsv23 else ""))
            offers.append(_offer("PCV20 0.5 mL IM", Action("create", "PCV20 0.5 mL IM", resource=_vaccine(
                context, PCV20_DISPLAY, "Pneumococcal conjugate vaccine 20-valent (PCV20) 0.5 mL IM once",
                note=f"{after_ppsv23}." if after_ppsv23 else None))))

    series = rzv_series(record)  # the doses R28 counts too
    facts["rzv_doses"] = len(series.doses)
    facts["rzv_too_soon"] = ", ".join(day.isoformat() for day in series.too_soon) or None
    # a complete series is done whatever the age; a dose is offered only within the licence, as R28 offers it
    facts["rzv_not_offered"] = None if series.complete else cohorts.below_licensed_age(record, context,
                                                                                         "rzv_min_age")
    if series.complete:
        done.append(f"recombinant zoster x{len(series.doses)} ({series.describe()})")
    elif facts["rzv_not_offered"] is None:
        dose = series.dose_label()
        missing.append(f"Recombinant zoster (RZV): {len(series.doses)} of {SERIES_DOSES} doses"
                       + (f". {series.when_next().rstrip('.')}" if series.doses else ""))
        offers.append(_offer(f"Recombinant zoster vaccine 0.5 mL IM ({dose})", Action(
            "create", f"Recombinant zoster vaccine 0.5 mL IM ({dose})", resource=_vaccine(
                context, RZV_DISPLAY, f"Recombinant zoster vaccine 0.5 mL IM once ({dose})",
                note=series.when_next()))))

    covid_since = record.today - timedelta(days=int(p["covid_current_days"]))
    covid = [i for i in vaccines_given(record, "COVID-19") if i.when is not None and i.when >= covid_since]
    facts["covid_within_window"] = _when(covid) or None
    if covid:
        done.append(f"COVID-19 {_when(covid)}")
    else:
        missing.append(f"COVID-19: no dose since {covid_since.isoformat()}")
        offers.append(_offer("COVID-19 vaccine, current formulation", Action(
            "create", "COVID-19 vaccination (current formulation)", resource=orders.service_request(
                context.patient_id, orders.procedure_concept(
                    context.valuesets, "non_live_vaccine", "213", system=CVX,
                    text="COVID-19 vaccination, current-season formulation (dose per product)"),
                note="Immunocompromised schedule: additional doses may be due."))))

    _hepatitis_b(record, context, p, facts, missing, done, offers)
    return missing, done, offers


def _pcv_after_ppsv23(ppsv23: list[Immunization], months: int) -> tuple[date | None, str | None]:
    """The first day PCV20/PCV21 may follow the PPSV23 doses on file (CDC: at least ``months`` after the last), and
    that in words; (None, words) when a dose has no date, so the last one is not known; (None, None) with none."""
    if not ppsv23:
        return None, None
    if any(i.when is None for i in ppsv23):
        return None, f"A PPSV23 dose on file has no date, and PCV20 follows the last at least {months} months later"
    last = max(i.when for i in ppsv23 if i.when is not None)
    earliest = months_after(last, months)
    return earliest, (f"PPSV23 was given on {last}, and PCV20 follows at least {months} months later, on {earliest} "
                      "at the earliest")


def _hepatitis_b(record: PatientRecord, context: HookContext, p: Any, facts: dict[str, Any], missing: list[str],
                 done: list[str], offers: list[Suggestion]) -> None:
    """Hepatitis B: not offered with a past or present infection on file; done when anti-HBs is immune. Otherwise the
    serology first, pre-selected: anti-HBs (unless a result is on file or awaited), and HBsAg and anti-HBc when the
    HBV status is not known as R26 reads it (EULAR 2022: known before immunosuppression). The vaccine is pre-selected
    only once anti-HBs is below the immune level (the row's "HBV series if anti-HBs negative"); with no titre yet it is
    offered unselected, to give after the blood is drawn (a dose can make HBsAg transiently positive) [sign-off]. A
    series on file with no titre: the titre decides whether another series is needed, so no vaccine is offered.

    IVIG passes donors' anti-HBc and anti-HBs on: a positive anti-HBc drawn after it still keeps the vaccine back (the
    marker counts as positive, :func:`hepatitis.passive_anti_hbc`), and an immune anti-HBs drawn after it still counts
    as immune, but the card says either may be the IVIG's [sign-off]."""
    # the markers R10, R16 and R26 read: HBsAg or anti-HBc ever positive, or hepatitis B on the problem list
    markers = hepatitis.hbv_markers(record)
    if markers:
        passive = hepatitis.passive_anti_hbc(record, context)
        facts["hepatitis_b_not_offered"] = (
            "; ".join(marker.stated for marker in markers) + ": a past or present hepatitis B infection, which the "
            "vaccine cannot help; its reactivation risk under immunosuppression is for HBV DNA and hepatology to judge"
            + (f". {passive} If it was the IVIG's, the vaccine is due once anti-HBc reads negative" if passive else ""))
        return
    facts["hepatitis_b_not_offered"] = None
    level = p["anti_hbs_immune_miu_ml"]
    titres = record.observations_in("anti_hbs")
    latest = next((o for o in reversed(titres) if _anti_hbs(o, level) is not None), None)
    status = _anti_hbs(latest, level) if latest else None
    facts["anti_hbs"] = f"{status} ({latest.when})" if latest else "not on file"
    if latest is not None and status == "immune":
        after_ivig = hepatitis.drawn_after_ivig(record, context, latest)
        facts["anti_hbs_after_ivig"] = after_ivig
        done.append(f"hepatitis B immune (anti-HBs {latest.when})" + (
            f", though the titre was {after_ivig}: {hepatitis.PASSIVE_TRANSFER}, so it may be the donors' antibody, "
            "not the patient's immunity: repeat it once the IVIG has cleared before relying on it" if after_ivig
            else ""))
        return
    awaited = titres[-1] if latest is None and titres and not antibodies.held(titres[-1]) else None
    screen = hepatitis.screen_gaps(record, context)
    facts["hbv_screen_missing"] = "; ".join(gap.found for gap in screen) or None
    doses = vaccines_given(record, *HEPATITIS_B)
    found = [f"anti-HBs negative on {latest.when}" if latest else
             f"anti-HBs pending since {awaited.when or 'an unknown date'}" if awaited else "anti-HBs not on file",
             *(gap.found for gap in screen), *([f"{len(doses)} hepatitis B vaccine dose(s) on file"] if doses else [])]
    serology = ([lab_orders.ANTI_HBS] if latest is None and awaited is None else []) + [
        gap.test for gap in screen if not gap.awaited]
    vaccine_offered = latest is not None or not doses  # a series on file: the titre decides whether another is due
    missing.append(f"Hepatitis B: {'; '.join(found)}." + (
        _serology_first(bool(screen), latest is None, lab_orders.HBSAG in serology, vaccine_offered, level)
        if serology else ""))
    if serology:
        series_on_file = ("" if vaccine_offered else
                          f" (a hepatitis B series is on file: revaccinate only if anti-HBs is below {level:g} mIU/mL)")
        offers.append(Suggestion(f"Hepatitis B serology: {', '.join(test.label for test in serology)}{series_on_file}",
                                 [test.action(context, note=_why_tested(test, level)) for test in serology],
                                 is_recommended=True))
    if not vaccine_offered:
        return
    after_draw = "After the blood for the hepatitis B serology is drawn." if serology else None
    name, resource = _hepatitis_b_vaccine(record, context, facts, after_draw)
    offers.append(Suggestion(name + (f", if anti-HBs is below {level:g} mIU/mL" if latest is None else ""),
                             [Action("create", name, resource=resource)], is_recommended=latest is not None))


def _serology_first(status_unknown: bool, titre_unknown: bool, hbsag_drawn: bool, vaccine_offered: bool,
                    level: float) -> str:
    """Why the serology comes first, for the card: the HBV status before immunosuppression, the titre before the
    vaccine; and, with the vaccine offered, that a dose the same day follows the blood draw."""
    why = (["HBV status is to be known before immunosuppression (EULAR 2022)"] if status_unknown else []) + (
        [f"the vaccine is due only if anti-HBs is below {level:g} mIU/mL"] if titre_unknown else [])
    then = (" A dose given the same day goes after the blood is drawn"
            + (": it can make HBsAg transiently positive." if hbsag_drawn else ".") if vaccine_offered else "")
    return f" Serology first: {' and '.join(why)}.{then}"


def _why_tested(test: lab_orders.LabTest, level: float) -> str:
    """Why a hepatitis B test is ordered, for its order's note: immunity (anti-HBs), or the HBV status."""
    if test == lab_orders.ANTI_HBS:
        return f"Hepatitis B immunity: the vaccine is due if anti-HBs is below {level:g} mIU/mL."
    return "HBV status before immunosuppression (reactivation risk)."


def _hepatitis_b_vaccine(record: PatientRecord, context: HookContext, facts: dict[str, Any], first: str | None
                         ) -> tuple[str, dict[str, Any]]:
    """Dose 1 of the hepatitis B series by age, as a label and an order; ``first``: what comes before it, for the
    order's note."""
    too_young = cohorts.below_licensed_age(record, context, "hepb_cpg_min_age")
    facts["hepatitis_b_cpg_not_offered"] = too_young
    if record.youngest_age_years is None:
        # the product and its dose go by age (a paediatric dose is half an adult's): no age, no product
        return ("Hepatitis B vaccine series (product and dose by age: no birth date on file)",
                orders.service_request(context.patient_id, orders.text_concept(
                    "Hepatitis B vaccine series: choose the product and dose by age (no birth date on file)"),
                    note=first))
    if too_young:
        # the CpG-adjuvanted vaccine is for adults only: a child, or a possible 17-year-old, gets the paediatric
        # 3-dose series (licensed to 19 years)
        return ("Hepatitis B vaccine (paediatric dosage) 0.5 mL IM (dose 1 of 3)",
                _vaccine(context, HBV_PAEDIATRIC_DISPLAY,
                         "Hepatitis B vaccine, paediatric/adolescent dosage, 0.5 mL IM once (dose 1 of 3)",
                         note=_after(first, "Doses 2 and 3 at 1 and 6 months; check anti-HBs 1-2 months after the "
                                            "series.")))
    return ("Hepatitis B vaccine (CpG-adjuvanted) 0.5 mL IM (dose 1 of 2)",
            _vaccine(context, HBV_DISPLAY,
                     "Hepatitis B vaccine (recombinant, CpG-adjuvanted) 0.5 mL IM once (dose 1 of 2)",
                     note=_after(first, "Dose 2 at 1 month; check anti-HBs 1-2 months after the series.")))


def _after(first: str | None, note: str) -> str:
    return f"{first} {note}" if first else note
