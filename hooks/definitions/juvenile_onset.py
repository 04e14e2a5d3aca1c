"""Adult or juvenile onset of the IMNM, for the rows that treat juvenile-onset disease apart: R30 screens for cancer
only in adults with adult-onset disease (cancer screening is not routine in juvenile-onset IIM, IMACS), and R18
sends a patient to that screen only then. Rules share this here, not by importing each other. The age limit is
R30's (``[imnm-cancer-screening] min_age``)."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from hooks.context import HookContext
from hooks.definitions import antibodies, cohorts
from hooks.record import Condition, PatientRecord, age_on
from hooks.rule import NotEvaluable, Quiet

CANCER_SCREENING = "imnm-cancer-screening"


class AdultOnset(NamedTuple):
    """The adult's age, the IMNM's earliest onset and earliest diagnosis on file (either may be None, not both), and
    the first of them, from which R30 dates the disease (the age at onset is counted from the first myositis ever,
    :func:`first_myositis`)."""

    age: int
    onset: date | None
    diagnosed: date | None
    first: date


def anchors(record: PatientRecord) -> tuple[date | None, date | None]:
    """Earliest onset and earliest diagnosis (recorded date, or first positive antibody) of the IMNM."""
    conditions = cohorts.imnm_conditions(record) or record.conditions_in(*cohorts.MYOPATHY_GROUPS, active_only=True)
    onset = min((c.onset for c in conditions if c.onset), default=None)
    diagnosed = [c.recorded for c in conditions if c.recorded]
    for group in ("anti_hmgcr", "anti_srp"):
        positive = antibodies.ever_positive(record, group)
        if positive is not None and positive.when is not None:
            diagnosed.append(positive.when)
    return onset, min(diagnosed, default=None)


# A child's myositis that has resolved, coded only as this, is most often a passing viral myositis, not the first
# episode of an IIM: it does not make an adult's IMNM juvenile-onset (and so exempt from cancer screening).
_UNSPECIFIED_MYOSITIS = "myositis, unspecified"


def first_myositis(record: PatientRecord) -> date | None:
    """The earliest onset or recorded date of an inflammatory myopathy of any clinical status: juvenile onset is the
    disease's first onset, so a childhood JDM charted as resolved (inactive, in remission) beside an adult relapse
    charted anew still counts. This differs on purpose from ``cohorts.iim_onset``, which dates this episode. A refuted
    or entered-in-error one does not count (``conditions_in``); a provisional or differential one does, as when
    active; one no longer active and coded only as myositis, unspecified, does not."""
    conditions = [c for c in record.conditions_in(*cohorts.INFLAMMATORY_MYOPATHY) if not _resolved_unspecified(c)]
    return min((day for c in conditions for day in (c.onset, c.recorded) if day is not None), default=None)


def _resolved_unspecified(condition: Condition) -> bool:
    """A myositis no longer active and coded only as myositis, unspecified (:data:`_UNSPECIFIED_MYOSITIS`)."""
    return (not condition.active and condition.code.groups == {"iim_other"}
            and condition.code.concept_in("iim_other") == _UNSPECIFIED_MYOSITIS)


def min_age(context: HookContext) -> float:
    """The age from which disease counts as adult (R30's ``min_age``, 18)."""
    return context.thresholds.of_rule(CANCER_SCREENING)["min_age"]


def adult_onset(record: PatientRecord, context: HookContext,
                facts: dict[str, Any]) -> AdultOnset | Quiet | NotEvaluable:
    """Whether the patient is an adult whose IMNM began in adulthood: the dates that show it; Quiet, saying why, for a
    child or juvenile-onset disease (the first myositis on file, of any clinical status, began in childhood); not
    evaluable without a birth date or a date of onset or diagnosis. Records ``onset``, ``diagnosed`` and
    ``age_at_onset`` in ``facts`` as far as it gets."""
    limit = min_age(context)
    age = record.age_years
    if age is None or record.patient is None or record.patient.birth_date is None:
        return NotEvaluable("the patient's birth date (age)", facts)
    if age < limit:
        return Quiet(f"age {age} < {int(limit)}: cancer screening is not routine in juvenile IIM", facts)
    onset, diagnosed = anchors(record)
    facts.update(onset=onset, diagnosed=diagnosed)
    first = min((d for d in (onset, diagnosed) if d is not None), default=None)
    # a childhood myositis on file is juvenile onset even when this disease is undated
    earliest = min((d for d in (first, first_myositis(record)) if d is not None), default=None)
    if earliest is not None:
        age_at_onset = age_on(record.patient.birth_date, earliest)
        facts["age_at_onset"] = age_at_onset
        if age_at_onset < limit:
            return Quiet(f"juvenile onset (age {age_at_onset} on {earliest.isoformat()})", facts)
    if first is None:
        return NotEvaluable("the onset or diagnosis date of the IMNM", facts)
    return AdultOnset(age, onset, diagnosed, first)
