"""Hepatitis B: the follow-up of a positive HBV marker (R10 before methotrexate, R26 before anti-CD20 therapy).

Both rules ask of a positive HBsAg or anti-HBc the same question (R26's row): is there an HBV DNA result, or an
antiviral plan? They answer it here, so one chart is never "followed up" before rituximab and "check HBV DNA"
before methotrexate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hooks.context import HookContext
from hooks.definitions import antibodies
from hooks.record import PENDING_STATUSES, MedicationOrder, Observation, PatientRecord, per_record


@dataclass(frozen=True, slots=True)
class HbvFollowUp:
    """Recent HBV DNA results, and the antivirals active or in the draft orders."""

    dna: tuple[Observation, ...]
    antiviral: tuple[MedicationOrder, ...]

    @property
    def in_place(self) -> bool:
        """An HBV DNA result or an antiviral plan: either answers R26's 'no HBV DNA result and no antiviral plan'."""
        return bool(self.dna or self.antiviral)

    def describe_dna(self) -> str | None:
        return "; ".join(f"{o.code.label} on {o.when}" for o in self.dna) or None

    def describe_antiviral(self) -> str | None:
        return ", ".join(o.label for o in self.antiviral) or None


def dna_resulted(observation: Observation) -> bool:
    """An HBV DNA result: a viral load, or detected / not detected; a pending test ('registered', 'preliminary')
    or a rejected specimen does not tell whether the virus is replicating."""
    if observation.status in PENDING_STATUSES:
        return False
    return observation.quantity is not None or antibodies.status(observation) is not None


@per_record
def follow_up(record: PatientRecord, context: HookContext, dna_max_age_days: float) -> HbvFollowUp:
    """HBV DNA resulted within ``dna_max_age_days``, and entecavir, tenofovir or another HBV antiviral active or
    drafted."""
    since = record.today - timedelta(days=int(dna_max_age_days))
    dna = tuple(o for o in record.observations_in("hbv_dna", since=since) if dna_resulted(o))
    antiviral = (*record.medications_in("hbv_antiviral", current_only=True), *context.drafts_in("hbv_antiviral"))
    return HbvFollowUp(dna, antiviral)
