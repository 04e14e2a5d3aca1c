"""Muscle strength scores: the MMT-8 on its 0-150 scale, whichever scale it was recorded on.

MMT-8 is scored 0-150 (both sides, the IMACS total the thresholds use) or 0-80 (one side). A score is read on the
0-80 scale when its reference range stops at 80 or its name says so, and it is not above 80; otherwise on 0-150
(a weaker reading than 0-80, so a mislabelled score never hides severe weakness).

A score sent as text is read when it is written out of its maximum ('62/150', '40/80': that scale, whatever the
range or the name says) or as a number with a unit and nothing else (``result_in_text``: '62 {score}'). A bare
number ('62'), a bound ('<80') or a score beyond its scale (790, '90/80') is not read: it may be a slip, and a
reader guessing at it could hide severe weakness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hooks.record import Observation, PatientRecord

_SCALE_80 = re.compile(r"0\s*-\s*80\b|/\s*80\b|\b80[- ]point")
_OUT_OF = re.compile(r"^\s*(?P<score>\d+(?:\.\d+)?)\s*/\s*(?P<scale>150|80)\s*$")  # '62/150', '40 / 80'


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


def mmt8_score(observation: Observation) -> Mmt8 | None:
    """The dated score of an MMT-8 result: a number (a quantity, or text with its unit), or text written out of its
    maximum ('62/150'); None when it has none that can be read (see the module's note)."""
    if observation.when is None:
        return None
    if (out_of := _OUT_OF.match(observation.value_text or "")) and observation.quantity is None:
        score, scale = float(out_of["score"]), int(out_of["scale"])
    elif (quantity := observation.reported_value) is not None and quantity.comparator is None:
        score = quantity.value
        scale = _scale(observation, score)
    else:
        return None
    return Mmt8(observation.when, score, scale) if 0 <= score <= scale else None


def mmt8_scores(record: PatientRecord, since: date | None = None) -> list[Mmt8]:
    """The dated MMT-8 scores that can be read (:func:`mmt8_score`; from ``since``), oldest first."""
    return [score for o in record.observations_in("mmt8", since=since) if (score := mmt8_score(o)) is not None]
