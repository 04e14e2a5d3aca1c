"""Hepatitis B: the follow-up of a positive HBV marker (R10 before methotrexate, R26 before anti-CD20 therapy).

Both rules ask of a positive HBsAg or anti-HBc the same question (R26's row): is the virus known not to be
replicating, or is there an antiviral plan? They answer it here, so they judge one chart's follow-up the same way
(which markers count as positive is each rule's own row).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from hooks.context import HookContext
from hooks.definitions import antibodies
from hooks.record import PENDING_STATUSES, MedicationOrder, Observation, PatientRecord, per_record

# A bound below a value ('<20 IU/mL'): the load is under the lab's lower limit of quantification
_BELOW = ("<", "<=")


@dataclass(frozen=True, slots=True)
class HbvFollowUp:
    """Recent HBV DNA results (oldest first), and the antivirals active or in the draft orders."""

    dna: tuple[Observation, ...]
    antiviral: tuple[MedicationOrder, ...]

    @property
    def viraemic(self) -> Observation | None:
        """The newest HBV DNA result when it shows replicating virus (of several on that day, one that does)."""
        newest = [o for o in self.dna if o.when == self.dna[-1].when] if self.dna else []
        return next((o for o in newest if replicating(o)), None)

    @property
    def in_place(self) -> bool:
        """An antiviral plan, or a newest HBV DNA that shows no replicating virus. A detectable viral load with no
        antiviral is no follow-up: it needs hepatology and prophylaxis before the drug."""
        return bool(self.antiviral) or (bool(self.dna) and self.viraemic is None)

    def describe_dna(self) -> str | None:
        return "; ".join(describe(o) for o in self.dna) or None

    def describe_viraemic(self) -> str | None:
        return describe(self.viraemic) if self.viraemic else None

    def describe_antiviral(self) -> str | None:
        return ", ".join(o.label for o in self.antiviral) or None


def dna_resulted(observation: Observation) -> bool:
    """An HBV DNA result: a viral load (a number, or a bound written as text: '<20 IU/mL'), or detected / not
    detected; a pending test ('registered', 'preliminary') or a rejected specimen does not tell whether the virus is
    replicating."""
    if observation.status in PENDING_STATUSES:
        return False
    return observation.reported_value is not None or antibodies.status(observation) is not None


def replicating(observation: Observation) -> bool:
    """A resulted HBV DNA that shows virus: a viral load above 0 that is not a bound below the limit of
    quantification, or 'detected' with no number. The number decides where there is one."""
    load = observation.reported_value
    if load is not None:
        return load.value > 0 and load.comparator not in _BELOW
    return antibodies.status(observation) == "positive"


def describe(observation: Observation) -> str:
    """'Hepatitis B DNA 250,000 [IU]/mL on 2026-11-01', or '... not detected on ...'."""
    load = observation.reported_value
    if load is not None:
        value = f"{load.comparator or ''}{load.value:,.12g} {load.unit or ''}".strip()
    else:
        value = "detected" if antibodies.status(observation) == "positive" else "not detected"
    return f"{observation.code.label} {value} on {observation.when}"


@per_record
def follow_up(record: PatientRecord, context: HookContext) -> HbvFollowUp:
    """HBV DNA resulted within the ``hbv_dna_max_age_days`` definition, and entecavir, tenofovir or another HBV
    antiviral active or drafted."""
    since = record.today - timedelta(days=int(context.definition("hbv_dna_max_age_days")))
    dna = tuple(o for o in record.observations_in("hbv_dna", since=since) if dna_resulted(o))
    antiviral = (*record.medications_in("hbv_antiviral", current_only=True), *context.drafts_in("hbv_antiviral"))
    return HbvFollowUp(dna, antiviral)
