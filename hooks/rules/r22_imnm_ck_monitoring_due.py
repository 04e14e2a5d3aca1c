"""R22: a CK is due for an IMNM patient on immunotherapy (monthly early on or during a taper, else quarterly), or
sooner when a row that judges the CK (R15, R16, R17, R21) would decide now but its latest CK is too old."""

from __future__ import annotations

from datetime import timedelta

from hooks import orders
from hooks.cards import first_fitting
from hooks.context import HookContext
from hooks.definitions import ck, cohorts, lab_orders, steroids, taper
from hooks.definitions.courses import given_since, planned
from hooks.definitions.escalation import CkRow, awaiting_ck
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.treatment_duration import ivig_immunizations, ivig_in_use
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import SEED_000, SEED_003, SEED_004
from hooks.suppression import held_back

RULE = Rule(
    id="imnm-ck-monitoring-due",
    number=22,
    title="IMNM: CK monitoring due",
    hooks=("patient-view",),
    needs=("patient", "conditions", "observations", "medications", "immunizations"),
    severities=("info",),
    summary="IMNM on immunotherapy with no CK in the last 30 days (first 6 months or during a taper) or the "
            "last 90 days (otherwise), or none recent enough for an escalation or relapse row (R15, R16, R17, R21) "
            "that would otherwise decide now.",
    sources=(SEED_000, SEED_003, SEED_004),
    parameters={
        "early_phase_days": Param(180, "days", "Within this many days of T_tx, the short interval applies."),
        "interval_early_days": Param(30, "days", "CK interval in the first months or while a taper is in progress."),
        "interval_stable_days": Param(90, "days", "CK interval otherwise."),
        "rituximab_active_days": Param(180, "days", "Rituximab given this recently counts as current immunotherapy."),
        "ivig_active_days": Param(60, "days", "IVIG given this recently counts as current immunotherapy."),
    },
)

DETAIL = """\
**A CK is due.** {last}. {why}

Aim for a normal or near-normal CK **together with** better strength: CK alone is not enough to guide
treatment (it can normalise before strength returns, or stay high in chronic disease). Check ALT/AST and GGT
at the same time: ALT and AST also come from damaged muscle, and GGT tells the liver apart.

Current immunotherapy: {therapy}."""


def _on_therapy(record: PatientRecord, context: HookContext) -> list[str]:
    """Current glucocorticoid or steroid-sparing orders, or rituximab/IVIG given recently enough to still act (IVIG
    also as an Immunization record, as some EHRs chart it)."""
    params = context.params(RULE)
    current = record.medications_in("glucocorticoid_systemic", *STEROID_SPARING, current_only=True)
    recent = {"rituximab": params["rituximab_active_days"], "ivig": params["ivig_active_days"]}
    since = {group: record.today - timedelta(days=int(days)) for group, days in recent.items()}
    for group, first in since.items():
        current += [m for m in given_since(record, group, since=first) if m not in current]
    recorded_ivig = ivig_immunizations(record, since["ivig"])
    # an order planned from a later day (courses.planned) is current on the chart, but none of it is given yet
    therapy = [f"{m.label} (planned from {m.start})" if planned(m, record.today) else m.label for m in current]
    therapy += [f"{i.vaccine.label} ({i.when})" for i in recorded_ivig]
    if not recorded_ivig and not any(m.in_group("ivig") for m in current):
        # maintenance IVIG between cycles is still current: its next cycle is not overdue (R15's and R17's reading)
        in_use = ivig_in_use(record, context, params["ivig_active_days"])
        if in_use is not None:
            therapy.append(f"IVIG ({in_use})")
    return therapy


def _rows_waiting(record: PatientRecord, context: HookContext) -> list[tuple[CkRow, float]]:
    """The rows that need a recent CK to decide (clinical-rules.md section 4.2, latest_CK: each rule module's
    CK_ROW, which the knowledge loader hands over in ``context.ck_rows``) that would decide now but for the CK's
    age: every gate before their CK check passes, so the row is not evaluated and this card asks for the CK. A row
    the suppression hierarchy holds back (clinical-rules.md section 1) would not decide, so it is not cited."""
    waiting = awaiting_ck(record, context, context.ck_rows)
    if not waiting:
        return []
    return [(row, limit) for row, limit in waiting if held_back(record, context, row.rule.id) is None]


AgeGroups = list[tuple[float, list[CkRow]]]


def _by_age(waiting: list[tuple[CkRow, float]]) -> AgeGroups:
    """The waiting rows grouped by the CK age they need, strictest first."""
    groups: dict[float, list[CkRow]] = {}
    for row, limit in waiting:
        groups.setdefault(limit, []).append(row)
    return sorted(groups.items())


def _rows_why(by_age: AgeGroups) -> str:
    """'Deciding whether to add IVIG needs a CK from the last 30 days.' for each CK age needed, in words: a rule's
    number means nothing to a clinician."""
    sentences = [f"Deciding {' and '.join(row.decision for row in rows)} needs a CK from the last {limit:g} days."
                 for limit, rows in by_age]
    waiting = sum(len(rows) for _, rows in by_age)
    return " ".join(sentences) + (" Until a current CK is resulted, no advice can be given on "
                                  + ("that decision." if waiting == 1 else "these decisions."))


def _rows_summary(by_age: AgeGroups) -> list[str]:
    """What the waiting rows need, for the summary, fullest first (:func:`hooks.cards.first_fitting`): 'deciding
    whether to add IVIG needs one within 30 days', else counted ('2 treatment decisions need one within 30 days')."""
    named = ", ".join(f"{'deciding ' if not i else ''}{' and '.join(row.decision for row in rows)}"
                      f"{' needs one' if not i else ''} within {limit:g} days"
                      for i, (limit, rows) in enumerate(by_age))
    waiting = sum(len(rows) for _, rows in by_age)
    strictest = by_age[0][0]
    counted = ("a treatment decision needs" if waiting == 1 else f"{waiting} treatment decisions need") + (
        f" one within {strictest:g} days" if len(by_age) == 1 else f" a newer one, the strictest within {strictest:g} "
                                                                    "days")
    return [named, counted]


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, object] = {}
    if not cohorts.is_imnm(record, context):
        return Quiet("not IMNM", facts)
    therapy = _on_therapy(record, context)
    facts["immunotherapy"] = ", ".join(therapy) or None
    # a row that would decide now wants its CK even after R22's own idea of current therapy has lapsed (R17 weighs
    # rituximab given up to 12 months ago)
    waiting = _rows_waiting(record, context)
    if not therapy and not waiting:
        return Quiet("no current glucocorticoid or steroid-sparing therapy", facts)
    ttx = steroids.read_treatment_start(record, context)
    # an unknown T_tx lies before the one found (which then decides), or, with none found, may be as recent as the
    # latest course that may be T_tx: the early phase is judged from it (erring toward the CK card); with none
    # begun, a planned pulse is T_tx to come: the early phase is ahead (latest_ttx is its day, after today)
    start, latest_ttx, coming = ttx.found, ttx.latest, ttx.to_come
    since_ttx = (record.today - latest_ttx).days if latest_ttx else None
    tapering = taper.taper_in_progress(record, context)
    # with no taper step read, orders whose daily dose is not read may hide one: the shorter interval, said so
    unread = [] if tapering else taper.doses_not_read(record, context)
    early = since_ttx is not None and since_ttx <= params["early_phase_days"]
    interval = int(params["interval_early_days"] if early or tapering or unread else params["interval_stable_days"])
    latest = ck.latest_ck(record, context)  # read once per call, shared with the rows' CK-age gate
    last, age = latest.point, latest.age_days
    facts.update({"t_tx": start[1] if start else None, **ttx.unknown_facts(),
                  "days_since_t_tx": since_ttx if start else None, "t_tx_planned": coming[1] if coming else None,
                  "taper": "; ".join(str(s) for s in tapering) or None,
                  "taper_dose_not_read": "; ".join(unread) or None, "interval_days": interval,
                  "latest_ck": str(last) if last else None, "latest_ck_age_days": age,
                  "ck_needed_by": "; ".join(f"{row.rule.code} (CK within {limit:g} days)" for row, limit in waiting)
                                  or None})
    due = bool(therapy) and (age is None or age > interval)
    if not due and not waiting:
        return Quiet(f"last CK {age} days ago, within the {interval}-day interval", facts)
    reasons = []
    if due and early and start:
        reasons.append(f"Treatment started {since_ttx} days ago ({start[1]}): check CK every {interval} days.")
    elif due and coming:
        # a CK before the first high dose is the pre-treatment reference the response is judged against
        unknown = f" {ttx.unknown_on_a_card}." if ttx.why_unknown else ""
        reasons.append(f"High-dose treatment is planned ({coming[1]}): check CK before it starts, then every "
                       f"{interval} days.{unknown}")
    elif due and early:
        reasons.append(f"{ttx.unknown_on_a_card}. Until it is known, the first {params['early_phase_days']:g} days "
                       f"are counted from {ttx.latest_words(record.today)}: check CK every {interval} days.")
    elif due and tapering:
        reasons.append(f"A taper is in progress ({'; '.join(str(s) for s in tapering)}): check CK every "
                       f"{interval} days to catch a relapse early.")
    elif due and unread:
        reasons.append(f"No taper step could be read, but one may be hidden in an order whose daily dose is not read "
                       f"({'; '.join(unread)}): check CK every {interval} days.")
    elif due:
        reasons.append(f"On stable treatment: check CK at least every {interval} days.")
    by_age = _by_age(waiting)
    if by_age:
        reasons.append(_rows_why(by_age))
    # a newer CK that cannot be read is on file too: the card says so rather than "no CK on file"
    can_be_read = " that can be read" if latest.unreadable else ""
    last_text = (f"The last CK{can_be_read} was {last}, {age} days ago" if last else
                 f"No CK{can_be_read} is on file") + (f" ({latest.unreadable})" if latest.unreadable else "")
    sets, patient = context.valuesets, context.patient_id
    actions = [
        Action("create", "CK", resource=orders.service_request(patient, orders.lab_concept(sets, "ck", "2157-6"))),
        *(test.action(context) for test in (lab_orders.ALT, lab_orders.AST, lab_orders.GGT)),
    ]
    readable = " readable" if latest.unreadable else ""
    summary = f"CK due: {f'last{readable} CK {age} days ago' if last else f'no{readable} CK on file'}"
    summary += f" (due every {interval} days)" if due else ""
    if by_age:
        summary = first_fitting([f"{summary}; {needed}" for needed in _rows_summary(by_age)])
    return Fired(
        severity="info",
        summary=summary,
        detail=DETAIL.format(last=last_text, why=" ".join(reasons), therapy=facts["immunotherapy"] or "none current"),
        facts=facts,
        suggestions=[Suggestion("Order CK, ALT/AST and GGT", actions, is_recommended=True)],
    )
