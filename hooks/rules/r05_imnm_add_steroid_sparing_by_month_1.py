"""R05: IMNM still on glucocorticoid alone a month after T_tx; add a steroid-sparing agent (ENMC: within month 1)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hooks import orders
from hooks.context import HookContext
from hooks.definitions import cohorts, immunosuppression, steroids
from hooks.definitions import treatment_duration as td
from hooks.record import PatientRecord
from hooks.rule import Action, Fired, NotEvaluable, Param, Quiet, Result, Rule, Suggestion
from hooks.sources import ENMC_224, KASSARDJIAN_2015, SEED_000, SEED_001, SEED_003, SEED_004
from hooks.units import convert

RULE = Rule(
    id="imnm-add-steroid-sparing-by-month-1",
    number=5,
    title="Add a steroid-sparing agent by month 1 in IMNM",
    hooks=("patient-view",),
    severities=("warning",),
    summary="IMNM on glucocorticoid alone 30 days or more after treatment start, with no steroid-sparing agent "
            "given or ordered.",
    sources=(ENMC_224, KASSARDJIAN_2015, SEED_000, SEED_001, SEED_003, SEED_004),
    parameters={
        "min_days_since_ttx": Param(30, "days", "Days after T_tx (first glucocorticoid course) without a "
                                                "steroid-sparing agent before the card shows."),
        "mtx_egfr_min": Param(30, "mL/min/1.73m2", "Below this eGFR methotrexate is not offered first "
                                                   "(mycophenolate is)."),
    },
)

DETAIL = """\
**Glucocorticoid alone is usually not enough in IMNM.** Treatment started on {ttx} ({ttx_how}), {days} days
ago, and no steroid-sparing agent has been given or ordered since. ENMC advises adding a second agent within
the first month; patients given two or more agents early do better (Kassardjian 2015).

Options:
- **Methotrexate** (the usual choice): 15 mg by mouth **once weekly** on {weekday}s, with folic acid 1 mg daily.
  Raise by 2.5-5 mg every 2-4 weeks to 20-25 mg/week; switch to subcutaneous at 20 mg/week or more. Check the
  methotrexate baseline labs first.
- **Mycophenolate mofetil** 500 mg twice daily, rising to 1,000-1,500 mg twice daily (preferred with
  interstitial lung disease, or when methotrexate is contraindicated).
- **Azathioprine** only after TPMT (and NUDT15) testing (see the azathioprine card, R12).
- **IVIG** is a first-line option too, especially for anti-HMGCR or severe disease.
{notes}"""


def _weekday(today: date) -> tuple[str, str]:
    """Tomorrow's weekday: the FHIR code ('tue') and its name ('Tuesday')."""
    day = (today + timedelta(days=1)).weekday()
    return orders.WEEKDAYS[day], calendar.day_name[day]


def _egfr(record: PatientRecord) -> tuple[float, date] | None:
    for observation in reversed(record.observations_in("egfr")):
        if observation.quantity is None or observation.when is None:
            continue
        value = convert(observation.quantity.value, observation.quantity.unit, "mL/min/1.73m2")
        if value is not None:
            return value, observation.when
    return None


def evaluate(record: PatientRecord, context: HookContext) -> Result:
    params = context.params(RULE)
    facts: dict[str, object] = {"imnm": cohorts.is_imnm(record, context)}
    if not facts["imnm"]:
        return Quiet("not IMNM", facts)
    start = steroids.treatment_start(record, context)
    if start is None:
        unreadable = steroids.history(record, context).unreadable
        facts["t_tx"] = None
        if unreadable:
            names = ", ".join(o.label for o in unreadable)
            facts["unreadable_glucocorticoids"] = names
            return NotEvaluable(f"T_tx unknown: the dose of {names} could not be read", facts)
        return Quiet("no glucocorticoid course at the T_tx threshold (T_tx not reached)", facts)
    t_tx, how = start
    days = (record.today - t_tx).days
    facts.update(t_tx=t_tx, t_tx_found_by=how, days_since_ttx=days)
    if days < params["min_days_since_ttx"]:
        return Quiet(f"T_tx {days} days ago (< {params['min_days_since_ttx']:g})", facts)
    agents = td.systemic(immunosuppression.steroid_sparing_since(record, t_tx))
    ivig = td.last_ivig(record)
    labels = [a.label for a in agents] + ([f"IVIG on {ivig.isoformat()}"] if ivig and ivig >= t_tx and not any(
        a.in_group("ivig") for a in agents) else [])
    facts["steroid_sparing_since_ttx"] = ", ".join(labels) or "none"
    if labels:
        return Quiet("steroid-sparing agent given or ordered since T_tx", facts)

    ild = record.conditions_in("ild", active_only=True)
    egfr = _egfr(record)
    tmp_smx = record.medications_in("tmp_smx", current_only=True)
    low_egfr = egfr is not None and egfr[0] < params["mtx_egfr_min"]
    facts.update(ild=ild[0].code.label if ild else None,
                 latest_egfr=f"{egfr[0]:g} on {egfr[1].isoformat()}" if egfr else None,
                 tmp_smx_active=", ".join(o.label for o in tmp_smx) or None)
    notes = []
    if ild:
        notes.append(f"Interstitial lung disease on file ({ild[0].code.label}): mycophenolate is preferred.")
    if low_egfr and egfr is not None:
        notes.append(f"eGFR {egfr[0]:g} on {egfr[1].isoformat()} is below {params['mtx_egfr_min']:g}: "
                     "methotrexate is not advised; mycophenolate is offered first.")
    if tmp_smx:
        notes.append("Co-trimoxazole is active: with methotrexate keep it at a prophylactic dose and monitor the "
                     "blood count (see R11), or use atovaquone.")
    code, weekday = _weekday(record.today)
    facts["methotrexate_day"] = weekday
    prefer_mmf = bool(ild) or low_egfr

    patient = context.patient_id
    methotrexate = orders.medication_request(
        patient, orders.concept(context.valuesets, "methotrexate", "methotrexate 2.5 MG Oral Tablet"), 15, "mg",
        text=f"Methotrexate 15 mg (6 x 2.5 mg tablets) by mouth ONCE WEEKLY on {weekday}s only. Titrate by "
             "2.5-5 mg every 2-4 weeks to 20-25 mg/week; subcutaneous when 20 mg/week or more.",
        frequency=1, period=1, period_unit="wk", day_of_week=code,
        note="Once weekly, never daily. Folic acid 1 mg daily alongside.")
    folic = orders.medication_request(
        patient, orders.text_concept("folic acid 1 MG Oral Tablet"), 1, "mg",
        text="Folic acid 1 mg by mouth once daily (with weekly methotrexate)")
    mmf = orders.medication_request(
        patient, orders.concept(context.valuesets, "mycophenolate", "mycophenolate mofetil 500 MG Oral Tablet"),
        500, "mg", text="Mycophenolate mofetil 500 mg by mouth twice daily; titrate to 1,000-1,500 mg twice daily",
        frequency=2)
    tpmt = orders.service_request(
        patient, orders.text_concept("TPMT activity (or TPMT genotype) and NUDT15 genotype before azathioprine"))
    mtx_choice = Suggestion(f"Methotrexate 15 mg once weekly ({weekday}) + folic acid 1 mg daily",
                            [Action("create", f"Methotrexate 15 mg PO once weekly on {weekday}s",
                                    resource=methotrexate),
                             Action("create", "Folic acid 1 mg PO daily", resource=folic)],
                            is_recommended=not prefer_mmf)
    mmf_choice = Suggestion("Mycophenolate mofetil 500 mg twice daily",
                            [Action("create", "Mycophenolate mofetil 500 mg PO BID", resource=mmf)],
                            is_recommended=prefer_mmf)
    aza_choice = Suggestion("Test TPMT/NUDT15 before azathioprine",
                            [Action("create", "TPMT and NUDT15 testing", resource=tpmt)])
    choices = [mmf_choice, mtx_choice, aza_choice] if prefer_mmf else [mtx_choice, mmf_choice, aza_choice]
    if low_egfr:
        choices.remove(mtx_choice)
    return Fired(
        severity="warning",
        summary=f"IMNM on glucocorticoid alone {days} days after start ({t_tx.isoformat()}): add a steroid-sparing "
                "agent",
        detail=DETAIL.format(ttx=t_tx.isoformat(), ttx_how=how, days=days, weekday=weekday,
                             notes="\n" + "\n".join(notes) if notes else ""),
        facts=facts,
        suggestions=choices,
        selection="at-most-one",
    )
