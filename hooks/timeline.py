"""The treatment-response picture of one chart: CK against the treatments given, as plain data.

A neuromuscular specialist judges IMNM response from one picture: CK over time (log scale, against its upper
limit of normal) with the glucocorticoid dose and each steroid-sparing agent beneath it on the same time axis.
This module turns the same PatientRecord the rules read into that picture's data, through the same shared
definitions (CK series with ULN, daily prednisone-equivalent timeline, antibody status), so the chart can never
disagree with what the rules saw. It returns JSON-ready dicts (ISO dates) and does no HTTP and no drawing.

An order that says it ended before its end date (courses.ended_before_its_end) ended on a day the chart does not
give. It is drawn as the rules read it: until the day before a later order of the same drug and route took over
(courses.taken_over_on), else up to today, the latest it may have been given. Drawn up to today, what it draws (an
agent's bar, its IVIG cycles or rituximab infusions, the glucocorticoid dose step ending today) carries
``"endUnknown": true`` and an ``endNote`` saying so, for the page to show that end as uncertain; nothing else
carries them.

An order current on the chart that starts after today (courses.planned) has given nothing: nothing of it is drawn,
and a note names it (:func:`planned_notes`), so that the picture never shows a dose to come as given, nor reads as
if none were planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hooks.context import HookContext
from hooks.definitions import antibodies, ck, steroids
from hooks.definitions.courses import course_days, ended_early_list, planned, taken_over_on
from hooks.definitions.dose_basis import read_dose
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.steroids import DailyLevels
from hooks.definitions.taper import ended_on_an_unknown_day
from hooks.dosing import interval_days
from hooks.record import MedicationOrder, PatientRecord

# Agents drawn as a start-end bar per course; IVIG and rituximab are drawn as dated events (cycles, infusions)
# because a specialist counts them ("3 cycles", "two 1 g infusions") rather than reading them as a span.
BAR_AGENTS = tuple(a for a in STEROID_SPARING if a not in ("ivig", "rituximab"))
AGENT_LABELS = {"methotrexate": "Methotrexate", "azathioprine": "Azathioprine", "mycophenolate": "Mycophenolate",
                "tacrolimus": "Tacrolimus", "cyclosporine": "Cyclosporine", "cyclophosphamide": "Cyclophosphamide",
                "ivig": "IVIG", "rituximab": "Rituximab"}
ANTIBODY_LABELS = {"anti_hmgcr": "anti-HMGCR", "anti_srp": "anti-SRP"}
MAX_EVENTS_PER_ORDER = 60  # a mis-coded "every day for years" infusion order must not explode the payload


def build(record: PatientRecord, context: HookContext) -> dict[str, Any]:
    """Everything the CK chart draws, oldest first within each list; dates are ISO strings."""
    notes: list[str] = []
    points = ck.series(record, context)
    history = steroids.history(record, context)
    # a planned order has its own note (planned_notes), whether or not its dose can be read
    notes += [f"Glucocorticoid dose not readable: {o.label} ({o.reference}); not drawn." for o in history.unreadable
              if not planned(o, record.today)]
    notes += ck.warnings(record, context)
    notes += planned_notes(record)
    ended = history.over_by_today(unreadable=False)  # an unreadable dose is not drawn: no step of its to mark
    data: dict[str, Any] = {
        "today": record.today.isoformat(),
        "ck": [{"date": p.day.isoformat(), "value": round(p.value, 1), "uln": round(p.uln, 1),
                "ulnFromLab": p.uln_from_lab} for p in points],
        "glucocorticoid": glucocorticoid_segments(history.levels, ended),
        "agents": agent_courses(record),
        "ivig": ivig_cycles(record),
        "rituximab": rituximab_infusions(record),
        "antibodies": antibody_results(record),
        "drafts": [{"date": record.today.isoformat(), "label": o.label, "dose": read_dose(o).describe()}
                   for o in context.draft_orders],
        "notes": notes,
    }
    data["range"] = _range(data, record.today)
    return data


def glucocorticoid_segments(levels: DailyLevels, ended: Sequence[MedicationOrder] = ()) -> list[dict[str, Any]]:
    """The daily PEQ timeline as runs of the same dose: {start, end, peq} with both ends inclusive.

    Runs, not one point a day, because a three-year history is ~1,100 days but only a handful of dose steps,
    and a stepped bar per run is how a taper is read. Days without a glucocorticoid are gaps between runs.
    ``ended``: the orders drawn up to today that ended before their end date (SteroidHistory.over_by_today); the
    run ending today, which their doses are part of, ends on a day the chart does not give.
    """
    segments: list[dict[str, Any]] = []
    for first, last, value in levels.runs():
        dose = round(value, 2)
        if dose <= 0:
            continue
        if segments and segments[-1]["peq"] == dose and segments[-1]["end"] == (first - timedelta(days=1)).isoformat():
            segments[-1]["end"] = last.isoformat()  # runs that differ only past the second decimal
        else:
            segments.append(_segment(first, last, dose))
    if ended and segments and segments[-1]["end"] == date.fromordinal(levels.last).isoformat():
        segments[-1].update(_end_unknown(*ended))
    return segments


def _segment(start: date, end: date, peq: float) -> dict[str, Any]:
    return {"start": start.isoformat(), "end": end.isoformat(), "peq": peq}


def _end_unknown(*orders: MedicationOrder) -> dict[str, Any]:
    """The keys marking an end drawn at today that is only the latest it may have been: ``orders`` ended before
    their end dates, on days the chart does not give."""
    how = ended_early_list(orders)
    return {"endUnknown": True, "endNote": f"{how}: drawn up to today, the latest it may have been given"}


def _course(record: PatientRecord, order: MedicationOrder, group: str) -> tuple[tuple[date, date] | None,
                                                                                dict[str, Any]]:
    """The order's first and last day as the rules read them (courses.course_days; an agent's order that ended
    before its end date until the day before a later order took over, courses.taken_over_on, as the taper reads
    it; IVIG and rituximab cycles as treatment_duration reads them, with no take-over), and the keys that mark the
    end as unknown when it is drawn up to today (:func:`_end_unknown`, for the part drawn on today; none
    otherwise). None for a planned order (courses.planned): its course reads (start, today), nothing given yet."""
    if planned(order, record.today):
        return None, {}
    taken_over = taken_over_on(record, order, group) if group in BAR_AGENTS else None
    span = course_days(order, record.today, taken_over)
    # drawn up to today, also when the order that takes over is planned after today (a take-over by today ends it
    # before today)
    unknown = (span is not None and span[1] == record.today
               and ended_on_an_unknown_day(order, group, record.today))
    return span, _end_unknown(order) if unknown else {}


def planned_notes(record: PatientRecord) -> list[str]:
    """One note per order of a lane (a systemic glucocorticoid, a steroid-sparing agent) planned after today
    (courses.planned), soonest first: not drawn, as nothing is given yet. Its dose is left to the order: one line
    cannot say a taper's steps, a pulse's count or an unreadable dose truly."""
    lanes = [*steroids.systemic_glucocorticoids(record), *record.medications_in(*STEROID_SPARING)]
    to_come = sorted((start, order.label) for order in lanes
                     if (start := order.start) is not None and planned(order, record.today))
    return [f"Planned from {start}, not drawn (no dose given yet): {label}; see the order for its dose."
            for start, label in to_come]


def _agent(order: MedicationOrder) -> str | None:
    return next((a for a in STEROID_SPARING if order.in_group(a)), None)


def agent_courses(record: PatientRecord) -> list[dict[str, Any]]:
    """One bar per course of each steroid-sparing agent other than IVIG and rituximab."""
    out = []
    for order in record.medications_in(*BAR_AGENTS):
        agent = _agent(order)
        if agent is None:
            continue
        span, end_unknown = _course(record, order, agent)
        if span is None:
            continue
        out.append({"agent": agent, "label": AGENT_LABELS[agent], "order": order.label,
                    "dose": read_dose(order).describe(), "start": span[0].isoformat(), "end": span[1].isoformat(),
                    "current": order.current_on(record.today), **end_unknown})
    out.sort(key=lambda c: (BAR_AGENTS.index(c["agent"]), c["start"]))
    return out


def _repeats(order: MedicationOrder, first: date, last: date, min_gap_days: float, counted: bool = False
             ) -> list[date]:
    """Administration days of a repeating order (every ``interval`` days from ``first`` to ``last``), or
    ``[first]`` when the order does not repeat at least ``min_gap_days`` apart (a single course). ``counted``: the
    timing's count is its administrations (rituximab 1 g x2 with an end date a year ahead is two infusions; an IVIG
    order's count is the days of one cycle instead)."""
    gap = interval_days(order.dosage.timing) if order.dosage else None
    if gap is None or gap < min_gap_days or last <= first:
        return [first]
    most = MAX_EVENTS_PER_ORDER
    if counted and order.dosage is not None and order.dosage.timing.count:
        most = min(most, order.dosage.timing.count)
    days: list[date] = []
    day = first
    while day <= last and len(days) < most:
        days.append(day)
        day += timedelta(days=round(gap))
    return days


def ivig_cycles(record: PatientRecord) -> list[dict[str, Any]]:
    """IVIG cycles as {start, end}: one per order, or one per repeat of an order written 'every 4 weeks'.

    An order spanning a few days with a daily timing is one cycle divided over those days (2 g/kg over 2-5 d).
    """
    out = []
    for order in record.medications_in("ivig"):
        span, end_unknown = _course(record, order, "ivig")
        if span is None:
            continue
        starts = _repeats(order, span[0], span[1], min_gap_days=7)
        for start in starts:
            end = span[1] if len(starts) == 1 else start
            out.append({"start": start.isoformat(), "end": end.isoformat(), "label": order.label,
                        "dose": read_dose(order).describe(), **(end_unknown if end == span[1] else {})})
    return sorted(out, key=lambda c: c["start"])


def rituximab_infusions(record: PatientRecord) -> list[dict[str, Any]]:
    """Rituximab (anti-CD20) infusion dates: 1 g on days 1 and 15 is two dates, not a two-week bar."""
    out = []
    for order in record.medications_in("rituximab"):
        span, end_unknown = _course(record, order, "rituximab")
        if span is None:
            continue
        for day in _repeats(order, span[0], span[1], min_gap_days=2, counted=True):
            out.append({"date": day.isoformat(), "label": order.label, "dose": read_dose(order).describe(),
                        **(end_unknown if day == span[1] else {})})
    return sorted(out, key=lambda c: c["date"])


def antibody_results(record: PatientRecord) -> list[dict[str, Any]]:
    """Dated anti-HMGCR / anti-SRP results that read as positive or negative (unreadable ones are not drawn)."""
    out = []
    for group, label in ANTIBODY_LABELS.items():
        for observation, status in antibodies.results(record, group):
            if observation.when is not None:
                out.append({"date": observation.when.isoformat(), "antibody": label, "group": group,
                            "result": status})
    return sorted(out, key=lambda r: (r["date"], r["antibody"]))


def _range(data: dict[str, Any], today: date) -> dict[str, str]:
    """The time axis: from the earliest item drawn (or 90 days back) to today, so every lane shares it."""
    days = [today - timedelta(days=90), today]
    for key in ("ck", "rituximab", "antibodies"):
        days += [date.fromisoformat(item["date"]) for item in data[key]]
    for key in ("glucocorticoid", "agents", "ivig"):
        days += [date.fromisoformat(item["start"]) for item in data[key]]
    return {"start": min(days).isoformat(), "end": max(days).isoformat()}
