"""R28: a live vaccine drafted for a patient on (or recently on) immunosuppression; non-live vaccines never fire."""

from __future__ import annotations

import re
from datetime import date

from hooks import orders
from hooks.context import HookContext
from hooks.definitions.cohorts import below_licensed_age
from hooks.definitions.courses import doses_since
from hooks.definitions.diagnosis import immunosuppressive_orders
from hooks.definitions.immunosuppression import IMMUNOSUPPRESSANTS
from hooks.definitions.immunosuppression_level import Exposure, Thresholds, Unplaced, ends_not_given, exposures
from hooks.definitions.treatment_duration import ivig_immunizations
from hooks.definitions.vaccines import SERIES_DOSES, RzvSeries, months_after, rzv_series
from hooks.definitions.weight import dosing_weight
from hooks.record import CVX, Concept, MedicationOrder, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Severity, Suggestion
from hooks.sources import (
    ACR_2022_VACCINES,
    CDC_LIVE_VACCINE_WAIT,
    IDSA_2013_VACCINES,
    LIVE_VACCINE_TABLE,
    SEED_003,
)

RULE = Rule(
    id="live-vaccine-while-immunosuppressed",
    number=28,
    title="Live vaccine while immunosuppressed",
    hooks=("order-sign",),
    severities=("warning", "critical"),
    also_reads=("immunizations",),
    summary="A live vaccine drafted for a patient on immunosuppression: critical at high level, warning at low "
            "level or with immunosuppression drafted alongside; notes that MMR/varicella may fail after recent IVIG.",
    sources=(SEED_003, IDSA_2013_VACCINES, LIVE_VACCINE_TABLE, CDC_LIVE_VACCINE_WAIT, ACR_2022_VACCINES),
    parameters={
        "high_peq_mg": Param(20, "mg/day", "High level: prednisone-equivalent at or above this..."),
        "high_peq_days": Param(14, "days", "... for at least this many consecutive days."),
        "recent_days": Param(30, "days", "Immunosuppression given this recently still counts (CDC: wait at least "
                                         "1 month after high-dose glucocorticoids)."),
        "mtx_mg_per_kg_week": Param(0.4, "mg/kg/week", "Methotrexate above this is high level."),
        "aza_mg_per_kg_day": Param(3, "mg/kg/day", "Azathioprine above this is high level."),
        "unknown_stop_lookback_days": Param(365, "days", "An immunosuppressant order started this recently that says "
                                                         "it stopped but not when is judged as if taken until today "
                                                         "(high at that: level unknown, treated as high).",
                                            at_least="live-vaccine-while-immunosuppressed.recent_days"),
        "ivig_interference_months": Param(11, "months", "IVIG this recently may stop MMR or varicella vaccine "
                                                         "from working."),
    },
    override_family="safety",
)

# Live vaccines whose take is blocked by the antibodies in IVIG (measles- and varicella-containing).
IVIG_BLOCKED = frozenset({"MMR", "MMRV", "measles-rubella", "measles", "rubella", "mumps", "rubella-mumps",
                          "varicella"})
# RZV replaces live zoster vaccine only: it does not prevent primary varicella, so it is no substitute for a
# varicella or MMRV vaccine (spec R28 pairs RZV with live zoster only; no non-live varicella vaccine exists).
LIVE_ZOSTER = frozenset({"zoster, live"})
LIVE_INFLUENZA = frozenset({"influenza, live attenuated (LAIV)", "influenza H1N1, live nasal"})
TRAVEL = frozenset({"yellow fever", "typhoid, oral live", "cholera, live attenuated", "dengue (CYD-TDV)",
                    "chikungunya, live", "BCG", "hepatitis A, live attenuated", "VEE, live attenuated",
                    "smallpox (vaccinia, live)", "OPV (oral polio, live)"})
# A name row that says only "live" (e.g. "X vaccine, live"): any other live concept of the same draft says more.
GENERIC_LIVE = "live vaccine (named live)"
# Groups that settle whether a vaccine is live; a vaccine in none of them cannot be judged by this rule.
VACCINE_GROUPS = ("live_vaccine", "non_live_vaccine", "pcv15", "pcv20_or_pcv21")
VACCINE_WORD = re.compile(r"\b(vaccines?|vaccination|vaccin|immuni[sz]ation)\b")
REFERRAL_WORD = re.compile(r"\brefer")
RZV_DISPLAY = "zoster vaccine recombinant"  # CVX 187 in vaccines.csv
IIV_DISPLAY = "Influenza, seasonal, injectable, preservative free"  # CVX 140 in vaccines.csv

DETAIL = """\
{headline} {drafts} {is_are} a live vaccine. {level}

Immunosuppression found (now or within {recent_days} days; anti-CD20 within {cd20_days} days):
{found}
{ivig}{unclassified}
Use a non-live alternative where one exists: **recombinant zoster vaccine** instead of live zoster vaccine in
adults; **inactivated influenza vaccine** 0.5 mL IM instead of the nasal live vaccine.
There is no non-live varicella vaccine (recombinant zoster vaccine does not prevent chickenpox). For travel
vaccines such as yellow fever, refer to a travel clinic (exemption letter, advice).{rzv}
If a live vaccine is really needed, give it at least 4 weeks before immunosuppression starts, or at least 1 month
after high-dose glucocorticoids stop (longer after rituximab)."""

LEVEL_TEXT = {
    "high": "This is **high-level immunosuppression**: a live vaccine can cause disseminated infection.",
    "unknown": "The level of immunosuppression could not be shown to be low (see below), so treat it as high "
               "level until it is checked.",
    "low": "This is **lower-level immunosuppression**: a live vaccine is a specialist decision; weigh the need "
           "against the risk of vaccine-strain infection.",
    "planned": "Immunosuppression is being ordered with it: a live vaccine needs **at least 4 weeks before** "
               "immunosuppression starts, or the vaccine strain can spread.",
    "ivig": "No immunosuppressive drug was found, but recent IVIG matters for this vaccine.",
}


def _recent_ivig(record: PatientRecord, months: int) -> tuple[str, date] | None:
    """The latest IVIG within ``months``: (label, last day given); as an order or, as some EHRs record it, an
    Immunization (CVX 87 / 14)."""
    since = months_after(record.today, -months)
    given = [(m.label, last) for m, last in doses_since(record, "ivig", since=since)]
    given += [(i.vaccine.label, i.when) for i in ivig_immunizations(record, since) if i.when is not None]
    return max(given, key=lambda pair: pair[1]) if given else None


def _drafted_immunosuppression(record: PatientRecord, context: HookContext, drafts: list[MedicationOrder],
                                min_peq_mg: float) -> list[str]:
    """Immunosuppression drafted with the vaccine (a glucocorticoid from ``min_peq_mg`` a day, or a dose that
    cannot be read; any systemic steroid-sparing agent or anti-CD20): it starts while the vaccine strain grows."""
    weight = dosing_weight(record, context)
    flagged = immunosuppressive_orders(drafts, IMMUNOSUPPRESSANTS, min_peq_mg=min_peq_mg,
                                       weight_kg=weight.value if weight else None, any_iv_methylprednisolone=False,
                                       unreadable_steroid_counts=True)
    return [f"{f.order.label} (" + ("dose could not be read" if f.peq_mg is None
                                    else f"{f.peq_mg:g} mg/day prednisone-equivalent") + ")"
            if f.order.in_group("glucocorticoid_systemic") else f.order.label for f in flagged]


def _live_concepts(medication: Concept) -> list[str]:
    """Every live-vaccine concept a draft matched (by code or name), the generic 'named live' one last."""
    found = dict.fromkeys(m.concept for m in medication.matches if m.group == "live_vaccine")
    return sorted(found, key=lambda c: c == GENERIC_LIVE)


def _concepts(drafts: list[MedicationOrder]) -> set[str]:
    return {c for d in drafts for c in _live_concepts(d.medication)}


def _short(order: MedicationOrder) -> str:
    return next(iter(_live_concepts(order.medication)), order.label)


def _unclassified(drafts: list[MedicationOrder]) -> list[MedicationOrder]:
    """Vaccine drafts (an Immunization, a CVX code, or 'vaccine' in the name) in no vaccine value set: whether
    they are live is unknown. Referrals are left out: R28's own travel-clinic referral mentions 'live vaccine'."""
    found = []
    for d in drafts:
        concept = d.medication
        if concept.in_group(*VACCINE_GROUPS, "ivig"):
            continue
        words = concept.words()
        if (d.resource_type == "Immunization" or any(c.system == CVX for c in concept.codings)
                or (VACCINE_WORD.search(words) and not REFERRAL_WORD.search(words))):
            found.append(d)
    return found


def _bullets(found: list[Exposure], planned: list[str], unplaced: list[Unplaced]) -> str:
    return "\n".join([*(f"- {e.level} level: {e.evidence}" for e in found),
                      *(f"- drafted with the vaccine: {p}" for p in planned),
                      *(f"- not judged: {u.describe()}" for u in unplaced)]) or "- none"


def _rzv_text(series: RzvSeries, not_offered: str | None) -> str:
    """What the card says of recombinant zoster vaccine: the dose offered and when it is due, or why none is."""
    if not_offered:
        return f" Recombinant zoster vaccine is not offered here: {not_offered}."
    return f" Recombinant zoster vaccine 0.5 mL IM ({series.dose_label()}) is among the options. {series.when_next()}"


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    if context.hook != "order-sign":
        return Quiet("order-sign only")
    p = context.params(RULE)
    # a draft written as a stop in its own type's codes orders nothing: cancelled, stopped, completed, revoked, in
    # error (record.ORDER_STATUS); an Immunization 'not-done' or 'completed' placed among them is a vaccine
    active = [d for d in context.draft_orders if not d.status_meaning.stops]
    drafts = [d for d in active if d.in_group("live_vaccine")]
    unclassified = _unclassified(active)
    thresholds = Thresholds(peq_mg=p["high_peq_mg"], peq_days=int(p["high_peq_days"]),
                            recent_days=int(p["recent_days"]), mtx_mg_per_kg_week=p["mtx_mg_per_kg_week"],
                            aza_mg_per_kg_day=p["aza_mg_per_kg_day"],
                            unknown_stop_lookback_days=int(p["unknown_stop_lookback_days"]))
    anti_cd20_days = int(context.definition("anti_cd20_in_use_days"))  # high level while still in use
    facts: dict[str, object] = {"live_vaccine_drafts": ", ".join(d.label for d in drafts) or None,
                                "unclassified_vaccine_drafts": ", ".join(d.label for d in unclassified) or None}
    if not drafts and not unclassified:
        return Quiet("no live vaccine in the draft orders", facts)
    found = exposures(record, context, thresholds)
    ends = ends_not_given(record, thresholds)
    judged = {id(e.order) for e in found if e.order is not None}
    # an order the chart gives no start date or no timing for: listed, and not evaluable if nothing else is found
    unplaced = [u for u in ends.unplaced if id(u.order) not in judged]
    # read by their start day; the newest few (monthly renewals over years would make a page of them)
    older = sorted(ends.before_lookback, key=lambda o: o.start or date.min, reverse=True)
    before = "; ".join([*(f"{o.label} (started {o.start})" for o in older[:3]),
                        *([f"{len(older) - 3} older"] if len(older) > 3 else [])])
    levels = {e.level for e in found}
    concepts = _concepts(drafts)
    blocked = bool(concepts & IVIG_BLOCKED)
    # An unclassified vaccine could be measles- or varicella-containing, so recent IVIG matters for it too.
    ivig = _recent_ivig(record, int(p["ivig_interference_months"])) if blocked or unclassified else None
    suppression = "high" if "high" in levels else "unknown" if "unknown" in levels else "low" if levels else None
    planned = _drafted_immunosuppression(record, context, active, p["high_peq_mg"])
    # a course drafted now outranks lower-level suppression already given: it is what the vaccine meets next
    level = (suppression if suppression in ("high", "unknown") else "planned" if planned else suppression
             or ("ivig" if ivig and blocked else None))
    # the non-live alternative to live zoster vaccine, offered as R29 offers it: the next dose of the series
    series = rzv_series(record)
    rzv_not_offered = (f"the {SERIES_DOSES}-dose series is complete ({series.describe()})" if series.complete
                       else below_licensed_age(record, context, "rzv_min_age"))
    facts.update({
        "high_level": "; ".join(e.evidence for e in found if e.level == "high") or None,
        "low_level": "; ".join(e.evidence for e in found if e.level == "low") or None,
        "level_unknown": "; ".join(e.evidence for e in found if e.level == "unknown") or None,
        "recent_ivig": f"{ivig[0]} (last {ivig[1]})" if ivig else None,
        "drafted_immunosuppression": "; ".join(planned) or None,
        "level": level,
        "rzv_not_offered": rzv_not_offered,
        "rzv_doses": len(series.doses),
        "rzv_too_soon": ", ".join(day.isoformat() for day in series.too_soon) or None,
        "not_judged": "; ".join(u.describe() for u in unplaced) or None,
        "before_unknown_stop_lookback": before or None,
    })
    unknown_names = ", ".join(d.label for d in unclassified)
    if level is None or not drafts:
        if unclassified and (suppression or planned or ivig or unplaced):
            # Silence would read as "not a live vaccine": say that it could not be told, and why it matters.
            why_it_matters = (f"{suppression} level immunosuppression found" if suppression
                              else f"immunosuppression drafted with it: {planned[0]}" if planned
                              else f"IVIG given {ivig[1]}" if ivig
                              else f"an immunosuppressant not judged: {unplaced[0].describe()}")
            return NotEvaluable(f"whether {unknown_names} is a live vaccine: it is in no live or non-live vaccine "
                                f"value set; check it before signing ({why_it_matters})", facts)
        if drafts and unplaced:  # quiet would say no immunosuppression: that is not known
            return NotEvaluable(f"when an immunosuppressant was taken: {'; '.join(u.describe() for u in unplaced)}. "
                                f"Whether it was given within {int(p['recent_days'])} days is unknown; check it "
                                f"before signing {', '.join(d.label for d in drafts)}", facts)
        return Quiet(f"no immunosuppression now or within {int(p['recent_days'])} days, no anti-CD20 within "
                     f"{anti_cd20_days} days"
                     + (f"; read as given on the start day only (started before the "
                        f"{int(p['unknown_stop_lookback_days'])}-day look-back, end day not given): {before}"
                        if before else "")
                     + (f" (not classified as live or non-live: {unknown_names})" if unclassified else ""), facts)
    severity: Severity = "critical" if level in ("high", "unknown") else "warning"
    names = ", ".join(d.label for d in drafts)
    ivig_note = ""
    if ivig is not None and blocked:
        ivig_note = (f"\nIVIG was given recently ({ivig[0]}, last {ivig[1]}): measles- "
                     f"and varicella-containing vaccines **may fail** within {int(p['ivig_interference_months'])} "
                     "months of high-dose IVIG.\n")
    headline = {"ivig": "**This live vaccine may not work.**",
                "planned": "**A live vaccine should not be given as immunosuppression starts.**"}.get(
        level, "**A live vaccine is contraindicated while immunosuppressed.**")
    detail = DETAIL.format(headline=headline, drafts=names, is_are="are" if len(drafts) > 1 else "is",
                           level=LEVEL_TEXT[level],
                           recent_days=int(p["recent_days"]), cd20_days=anti_cd20_days,
                           found=_bullets(found, planned, unplaced), ivig=ivig_note,
                           rzv=_rzv_text(series, rzv_not_offered),
                           unclassified=(f"\nAlso drafted, and not recognised as live or non-live: {unknown_names}. "
                                         "Check whether it is a live vaccine before signing.\n"
                                         if unclassified else ""))
    top = next((e for e in found if e.level == level), None)
    why = {"high": f"high-level immunosuppression ({top.agent if top else ''})",
           "unknown": f"immunosuppression of unconfirmed level ({top.agent if top else ''})",
           "low": f"low-level immunosuppression ({top.agent if top else ''})",
           "planned": "immunosuppression drafted with it",
           "ivig": "recent IVIG (may fail)"}[level]
    return Fired(
        severity=severity,
        summary=f"Live vaccine ({_short(drafts[0])[:40]}) with {why}: cancel it; use a non-live option",
        detail=detail,
        facts=facts,
        about=drafts,
        suggestions=_suggestions(context, drafts, concepts, rzv=series if rzv_not_offered is None else None),
        selection="at-most-one",
    )


def _suggestions(context: HookContext, drafts: list[MedicationOrder], concepts: set[str], rzv: RzvSeries | None
                 ) -> list[Suggestion]:
    """``rzv``: the recombinant zoster vaccine doses on file when its next dose is offered (None: not offered)."""
    cancel = [Action("delete", f"Cancel {d.label}", resource_id=d.reference) for d in drafts]
    sets, patient = context.valuesets, context.patient_id
    options: list[Suggestion] = []
    if rzv is not None:  # within its licence (cohorts.below_licensed_age), the series not complete
        dose = rzv.dose_label()
        order = orders.medication_request(
            patient, orders.concept(sets, "non_live_vaccine", RZV_DISPLAY), 0.5, "mL", route="im", count=1,
            text=f"Recombinant zoster vaccine 0.5 mL IM once ({dose})",
            note=f"{rzv.when_next()} Non-live: safe on immunosuppression.")
        options.append(Suggestion("Cancel the live vaccine; give recombinant zoster vaccine 0.5 mL IM",
                                  [*cancel, Action("create", f"Recombinant zoster vaccine 0.5 mL IM ({dose})",
                                                   resource=order)],
                                  is_recommended=bool(concepts & LIVE_ZOSTER)))
    iiv = orders.medication_request(
        patient, orders.concept(sets, "non_live_vaccine", IIV_DISPLAY), 0.5, "mL", route="im", count=1,
        text="Inactivated influenza vaccine 0.5 mL IM once (current season)")
    options.append(Suggestion("Cancel the live vaccine; give inactivated influenza vaccine 0.5 mL IM",
                              [*cancel, Action("create", "Inactivated influenza vaccine 0.5 mL IM", resource=iiv)],
                              is_recommended=bool(concepts & LIVE_INFLUENZA)))
    travel = orders.service_request(
        patient, orders.text_concept("Referral to travel clinic (live vaccine contraindicated: exemption letter "
                                     "and non-live alternatives)"))
    options.append(Suggestion("Cancel the live vaccine; refer to a travel clinic",
                              [*cancel, Action("create", "Travel clinic referral", resource=travel)],
                              is_recommended=bool(concepts & TRAVEL)))
    recommended = any(s.is_recommended for s in options)
    options.insert(0, Suggestion("Cancel the live vaccine", list(cancel), is_recommended=not recommended))
    return options
