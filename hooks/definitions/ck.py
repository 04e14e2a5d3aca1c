"""CK values in U/L, the upper limit of normal, and the CK-derived variables of section 4.2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.record import Observation, PatientRecord, measured, per_record, unread_newer
from hooks.units import convert


@dataclass(frozen=True, slots=True)
class CkPoint:
    day: date
    value: float  # U/L
    uln: float  # U/L
    uln_from_lab: bool
    observation_id: str
    converted_from: str | None = None  # the unit given, when it is not U/L or an equal one (IU/L, U): ukat/L

    def __str__(self) -> str:
        return f"{self.value:,.0f} U/L on {self.day.isoformat()} (ULN {self.uln:,.0f})"


def series(record: PatientRecord, context: HookContext) -> list[CkPoint]:
    """Every dated CK with a usable value, oldest first. Units other than U/L and ukat/L are skipped."""
    return _readings(record, context)[0]


@per_record
def _readings(record: PatientRecord, context: HookContext) -> tuple[list[CkPoint], list[Observation]]:
    """The CK series, and the dated results with a value that could not be read (text, or an unknown unit)."""
    fallback = float(context.definition("ck_uln_fallback"))
    points, unread = [], []
    for observation in record.observations_in("ck"):
        point = _point(observation, fallback)
        if point is not None:
            points.append(point)
        elif observation.when is not None and (observation.quantity is not None or observation.measured_as_text):
            unread.append(observation)
    return points, unread


def _point(observation: Observation, fallback: float) -> CkPoint | None:
    value = measured(observation, "ck", "U/L")  # as newest_unreadable reads it: a zero CK is an error
    if observation.when is None or value is None:
        return None
    high = observation.ref_high
    uln = convert(high.value, high.unit, "U/L") if high is not None else None
    given = observation.quantity
    converted = given.unit if given is not None and given.value != value else None
    return CkPoint(observation.when, value, uln if uln else fallback, bool(uln), observation.id, converted)


def latest(points: list[CkPoint]) -> CkPoint | None:
    return points[-1] if points else None


def peak(points: list[CkPoint], t_tx: date) -> CkPoint | None:
    """Highest CK from T_tx - 90 d to T_tx + 7 d (the pre-treatment peak)."""
    first, last = t_tx - timedelta(days=90), t_tx + timedelta(days=7)
    window = [p for p in points if first <= p.day <= last]
    return max(window, key=lambda p: p.value, default=None)


def nadir(points: list[CkPoint], t_tx: date) -> CkPoint | None:
    """Lowest CK from T_tx + 14 d to (date of the latest CK - 14 d)."""
    last = latest(points)
    if last is None:
        return None
    first, until = t_tx + timedelta(days=14), last.day - timedelta(days=14)
    window = [p for p in points if first <= p.day <= until]
    return min(window, key=lambda p: p.value, default=None)


def inadequate_response(points: list[CkPoint], t_tx: date | None,
                        no_t_tx: str | None = None) -> tuple[bool | None, str]:
    """CK surrogate: latest > 3 x ULN, or less than a 50% fall from the pre-treatment peak. None when neither can
    be told: a CK above the ULN (but not 3 x) with no peak on file (or no T_tx to find it by: ``no_t_tx`` says
    why)."""
    last, top = latest(points), peak(points, t_tx) if t_tx is not None else None
    if last is None:
        return None, "no CK"
    if last.value > 3 * last.uln:
        return True, f"latest CK {last} is above 3 x ULN"
    if top is not None and top.value > 0:
        fall = (top.value - last.value) / top.value
        if fall < 0.5:
            return True, f"latest CK {last.value:,.0f} U/L has fallen only {fall:.0%} from the peak {top}"
        return False, f"latest CK {last}; peak {top}"
    if last.value <= last.uln:
        return False, f"latest CK {last} is within the normal range"
    why = (no_t_tx or "no T_tx to find it by") if t_tx is None else "none from 90 days before to 7 days after T_tx"
    return None, (f"latest CK {last} is above the ULN and the fall from the pre-treatment peak cannot be judged "
                  f"(no peak CK: {why})")


def newest_unreadable(record: PatientRecord) -> str | None:
    """Why the latest readable CK may not be the latest CK: a newer result that cannot be read in U/L."""
    unread = unread_newer(record, "ck", "U/L")
    return None if unread is None else f"the newest CK ({unread}) cannot be read in U/L"


@dataclass(frozen=True, slots=True)
class LatestCk:
    """latest_CK (section 4.2) as the rows that judge it read it: R15, R16 and R17 need it at most 30 days old, R21
    at most 14 (by default); when it is older, or missing, the row is not evaluated and R22 asks for a CK. The one
    CK-age gate, so that a row and R22 never disagree on whether the row is waiting for a CK."""

    point: CkPoint | None  # the latest readable CK
    age_days: int | None
    unreadable: str | None  # a newer result that cannot be read: judging by the older point would mislead

    def needs_current(self, max_age_days: float) -> bool:
        """No CK, or the latest more than ``max_age_days`` old: a current CK would let the row judge. Not when a
        newer result cannot be read: that holds the row back, and another CK would not be read any better."""
        return self.unreadable is None and (self.age_days is None or self.age_days > max_age_days)

    def why_not_recent(self, max_age_days: float) -> str | None:
        """Why a row that needs a CK at most ``max_age_days`` old cannot judge the latest; None when it can."""
        if self.unreadable:
            return self.unreadable
        if not self.needs_current(max_age_days):
            return None
        if self.point is None:
            return "a current CK is needed: no CK on file"
        return (f"a current CK is needed: latest CK {self.point} is {self.age_days} days old "
                f"(needs <= {max_age_days:g})")


@per_record
def latest_ck(record: PatientRecord, context: HookContext) -> LatestCk:
    """The latest CK, its age and any newer unreadable result; computed once per call (five rules ask)."""
    point = latest(series(record, context))
    return LatestCk(point, None if point is None else (record.today - point.day).days, newest_unreadable(record))


def warnings(record: PatientRecord, context: HookContext) -> list[str]:
    """Data-quality notes on the CK results: ones read against the default ULN, and ones passed over."""
    points, unread = _readings(record, context)
    notes = []
    if any(not p.uln_from_lab for p in points):
        notes.append(f"CK without a reference range: the default upper limit of normal "
                     f"{context.definition('ck_uln_fallback'):g} U/L was used.")
    converted = [p for p in points if p.converted_from]
    if converted:
        units = ", ".join(sorted({str(p.converted_from) for p in converted}))
        notes.append(f"{len(converted)} CK result(s) given in {units} were converted to U/L (1 ukat/L = 60 U/L).")
    if unread:
        shown = ", ".join(f"{o.value_label} on {o.when}" for o in unread[-3:])
        notes.append(f"{len(unread)} CK result(s) could not be read in U/L and were not used ({shown}"
                     f"{', ...' if len(unread) > 3 else ''}).")
    return notes
