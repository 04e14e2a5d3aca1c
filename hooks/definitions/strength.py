"""Muscle strength scores: the MMT-8 on its 0-150 scale, whichever scale it was recorded on.

MMT-8 is scored 0-150 (both sides, the IMACS total the thresholds use) or 0-80 (one side). A score is read on the
0-80 scale when its reference range stops at 80 or its name says so, and it is not above 80; otherwise on 0-150
(a weaker reading than 0-80, so a mislabelled score never hides severe weakness).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hooks.record import Observation, PatientRecord

_SCALE_80 = re.compile(r"0\s*-\s*80\b|/\s*80\b|\b80[- ]point")


@dataclass(frozen=True, slots=True)
class Mmt8:
    day: date
    score: float  # as recorded
    scale: int  # 80 or 150

    @property
    def on_150(self) -> float:
        return self.score * 150 / self.scale

    def __str__(self) -> str:
        if self.scale == 150:
            return f"{self.score:g}/150"
        return f"{self.score:g}/80, about {self.on_150:.0f}/150"


def _scale(observation: Observation, score: float) -> int:
    """80 when the range or the name says so, unless the score itself is above 80 (then the label is wrong)."""
    high = observation.ref_high
    says_80 = (high is not None and high.value <= 80) or _SCALE_80.search(observation.code.words()) is not None
    return 80 if says_80 and score <= 80 else 150


def mmt8_scores(record: PatientRecord, since: date | None = None) -> list[Mmt8]:
    """The dated, numeric MMT-8 scores (from ``since``), oldest first."""
    return [Mmt8(o.when, o.quantity.value, _scale(o, o.quantity.value))
            for o in record.observations_in("mmt8", since=since) if o.when is not None and o.quantity is not None]
