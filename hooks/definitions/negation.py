"""Reading a finding in a report's words with its negations: what a swallow study or a biopsy states, as opposed to
what it names only to rule out."""

from __future__ import annotations

import re

# A sentence (or a 'but' clause) is the scope of a negation cue; within it a comma ends the scope too, unless the
# finding is an item of the negated list ('no penetration, aspiration or residue'). A cue rules out a finding up to
# six words after it, as NegEx does, or when the finding is followed by 'none', '(was) not seen' and the like.
_CLAUSES = re.compile(r"[.;\n]|\bbut\b|\bhowever\b")
_RULED_OUT_BEFORE = re.compile(r"\b(?:no|not|without|negative for|absence of|absent|free of|nil|denies)\b"
                               r"(?:\W+\w+){0,6}\W*$")
_RULED_OUT_AFTER = re.compile(r"^\W*(?:(?:was|were|is|are|has been)\s+)?(?:none|no|nil|absent|negative|"
                              r"not (?:seen|observed|present|identified|noted|demonstrated|detected))\b")
_ONLY_A_RISK = re.compile(r"^\W*(?:risk|precautions?)\b")
_ONLY_A_RISK_BEFORE = re.compile(r"\brisk\s+(?:of|for)\s+(?:\w+\s+){0,2}$")  # 'risk of (recurrent) aspiration'
_LIST_AFTER = re.compile(r"^\s*(?:,|or\b|and\b|nor\b)")
_LIST_BEFORE = re.compile(r"\b(?:or|and|nor)\s*$")


def states(words: str, finding: re.Pattern[str]) -> bool:
    """Whether a report's ``words`` (lower case) state ``finding`` rather than rule it out or name its risk
    ('silent aspiration of thin liquids', 'no penetration with nectar, aspiration with thin liquids'; not 'no
    laryngeal penetration or aspiration', 'aspiration was not seen', 'aspiration precautions' or 'at risk for
    aspiration')."""
    for clause in _CLAUSES.split(words):
        for found in finding.finditer(clause):
            before, after = clause[:found.start()], clause[found.end():]
            comma = before.rfind(",")
            if comma >= 0 and not (_LIST_AFTER.search(after) or _LIST_BEFORE.search(before[comma + 1:])):
                before = before[comma + 1:]  # a new phrase, not an item of a list the cue rules out
            if not (_RULED_OUT_BEFORE.search(before) or _RULED_OUT_AFTER.search(after) or _ONLY_A_RISK.search(after)
                    or _ONLY_A_RISK_BEFORE.search(before)):
                return True
    return False
