"""R23: new or worse weakness with a normal CK on glucocorticoids is probably not a relapse (steroid myopathy,
damage, deconditioning, hypokalaemia, hypothyroidism): look before escalating."""

from __future__ import annotations

from datetime import date, timedelta

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import ck, cohorts, steroids, strength
from hooks.definitions.courses import ended_early_list
from hooks.record import LOINC, PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import PINAL_FERNANDEZ_2018, SEED_003, SEED_004

RULE = Rule(
    id="weakness-with-normal-ck",
    number=23,
    title="Weakness with a normal CK",
    hooks=("patient-view",),
    severities=("info",),
    summary="IMNM on glucocorticoids for 4 weeks or more, new or worse weakness, and a normal recent CK: "
            "consider steroid myopathy and other causes before escalating.",
    sources=(PINAL_FERNANDEZ_2018, SEED_003, SEED_004),
    parameters={
        "min_gc_days": Param(28, "days", "Glucocorticoids taken for at least this long (steroid myopathy risk)."),
        "ck_max_age_days": Param(30, "days", "The latest CK must be at most this old."),
        "mmt8_drop_fraction": Param(0.10, "fraction", "MMT-8 fall against an earlier value that counts as worse."),
        "mmt8_lookback_days": Param(120, "days", "The earlier MMT-8 must be this recent."),
        "mmt8_recent_days": Param(30, "days", "The lower MMT-8 must be this recent."),
        "documented_weakness_days": Param(30, "days", "A weakness condition recorded this recently counts."),
    },
)

DETAIL = """\
**Weakness with a normal CK.** {weakness}. The latest CK is normal: {ck}. Glucocorticoids for {gc_days} days
(today {peq}{gaps}).

This is **not** a relapse on these findings. Consider:
- **steroid myopathy** (hip flexors weakest, cushingoid features, high cumulative dose);
- chronic damage with fatty replacement (MRI T1/fat fraction) rather than active disease (MRI STIR oedema);
- deconditioning, hypokalaemia, hypothyroidism.

Do not escalate immunosuppression on this basis alone. If the disease looks inactive, consider **lowering**
the glucocorticoid.{tsh}"""


def mmt8_decline(record: PatientRecord, context: HookContext, gc_start: date) -> str | None:
    """The latest MMT-8 (recent) at least 10% below the best value within the look-back window, both on the 0-150
    scale (a 0-80 score is not compared with a 0-150 one as recorded). A fall from a score taken on the glucocorticoid
    (from ``gc_start``, this course's first day) is named first: it is the one steroid myopathy would explain. A fall
    only from a score taken before it still counts (the table's window), and the card says that score predates this
    course."""
    params = context.params(RULE)
    scored = strength.mmt8_scores(record)
    if not scored:
        return None
    latest = scored[-1]
    if (record.today - latest.day).days > params["mmt8_recent_days"]:
        return None
    since = record.today - timedelta(days=int(params["mmt8_lookback_days"]))
    earlier = [s for s in scored[:-1] if since <= s.day < latest.day and s.score > 0]
    for compared in ([s for s in earlier if s.day >= gc_start], earlier):
        if not compared:
            continue
        best = max(compared, key=lambda s: s.on_150)
        drop = (best.on_150 - latest.on_150) / best.on_150
        if drop >= params["mmt8_drop_fraction"] - 1e-9:
            before = _before(record, context, best.day, gc_start)
            return f"MMT-8 fell from {best} ({best.day}{before}) to {latest} ({latest.day}), down {drop:.0%}"
    return None


def _before(record: PatientRecord, context: HookContext, scored: date, gc_start: date) -> str:
    """Whether a score predates this glucocorticoid course, for the card: the course, not the first glucocorticoid
    ever (a score taken on an earlier course, after a break, is said to be so)."""
    if scored >= gc_start:
        return ""
    if steroids.history(record, context).peq_on(scored) > 0:
        return f", on an earlier glucocorticoid course, before this one began on {gc_start}"
    return f", before this glucocorticoid course began on {gc_start}"


def documented_weakness(record: PatientRecord, context: HookContext) -> str | None:
    since = record.today - timedelta(days=int(context.params(RULE)["documented_weakness_days"]))
    for condition in reversed(record.conditions_in("weakness_documented", active_only=True)):
        day = condition.recorded or condition.onset
        if day is not None and day >= since:
            return f"Weakness documented: {condition.code.label} ({day.isoformat()})"
    return None


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, object] = {}
    if not cohorts.is_imnm(record, context):
        return Quiet("not IMNM", facts)
    history = steroids.history(record, context)
    run = history.run_at_or_above(0.01, record.today)  # a late refill's short gap does not restart the count
    gc_days = run.days
    for order in history.unreadable_since(record.today):  # a course given today whose dose cannot be read
        if order.start is not None:  # still counts in days
            gc_days = max(gc_days, (record.today - order.start).days + 1)
    bridged = gc_days == run.days  # not when the days are an unreadable course's
    facts.update(gc_days=gc_days, gaps_counted=run.describe_gaps() if bridged else None)
    if gc_days < params["min_gc_days"]:
        return Quiet(f"glucocorticoids for {gc_days} days (< {params['min_gc_days']:g})", facts)
    # the days err late (an order that ended before its end date counts until today), but today's dose is the
    # orders still given today; one stopped on a day the chart does not give may have stopped yesterday, and steroid
    # myopathy outlasts the last dose, so the card still shows, saying so
    over = None if history.given_today() else ended_early_list(history.over_by_today())
    facts["stopped_on_a_day_not_given"] = over
    gc_start = record.today - timedelta(days=gc_days - 1)  # the days count today and the first day
    weakness = mmt8_decline(record, context, gc_start) or documented_weakness(record, context)
    facts["weakness"] = weakness
    if weakness is None:
        return Quiet("no MMT-8 fall of 10% or more and no recently documented weakness", facts)
    found = ck.latest_ck(record, context)
    latest = found.point
    facts["latest_ck"] = str(latest) if latest else None
    # a newer unreadable CK counts too: "the CK is normal" would rest on an older result
    if why := found.why_not_recent(params["ck_max_age_days"]):
        return NotEvaluable(f"{why}, to tell weakness with a normal CK from active disease", facts)
    assert latest is not None  # a recent enough CK is on file
    above = latest.above(latest.uln)
    if above:
        return Quiet(f"latest CK {latest} is above the ULN", facts)
    if above is None:  # '>150' against a ULN of 200: a normal CK would be a guess
        return NotEvaluable(f"latest CK {latest} is a bound that does not tell whether the CK is normal", facts)
    tsh = record.latest("tsh")
    tsh_text = f"\n\nLast TSH: {tsh.quantity} on {tsh.when}." if tsh and tsh.quantity else ""
    sets, patient = context.valuesets, context.patient_id
    mri = orders.service_request(
        patient, orders.procedure_concept(sets, "mri_thigh", "26235-2", system=LOINC,
                                          text="MRI both thighs: STIR and T1 / fat fraction"),
        note="Weakness with a normal CK: oedema (active myositis) or fatty replacement (damage)?")
    potassium = orders.service_request(
        patient, orders.lab_concept(sets, "potassium", "2823-3", text="Potassium (serum)"))
    tsh_order = orders.service_request(patient, orders.lab_concept(sets, "tsh", "3016-3"))
    pt = orders.service_request(patient, orders.referral_concept(
        sets, "306170007",
        text="Physiotherapy referral: strengthening and reconditioning (possible steroid myopathy)"))
    return Fired(
        severity="info",
        summary=f"Weakness with a normal CK ({latest.reading}): consider steroid myopathy before escalating",
        detail=DETAIL.format(weakness=weakness, ck=str(latest), gc_days=gc_days, gaps=run.gap_note() if bridged else "",
                             peq=f"{history.peq_given_today():g} mg/day PEQ" if over is None else
                             f"none given: {over}", tsh=tsh_text),
        facts=facts,
        suggestions=[Suggestion("MRI thighs (STIR + T1/fat fraction), potassium, TSH and physiotherapy", [
            Action("create", "MRI thighs (STIR + T1/fat fraction)", resource=mri),
            Action("create", "Potassium", resource=potassium),
            Action("create", "TSH", resource=tsh_order),
            Action("create", "Physiotherapy referral", resource=pt)], is_recommended=True)],
    )
