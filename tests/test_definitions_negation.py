"""hooks.definitions.negation: a finding a report states, as opposed to one it names only to rule out."""

from __future__ import annotations

import re

import pytest

from hooks.definitions.negation import states

ASPIRATION = re.compile(r"\baspirat\w*")


@pytest.mark.parametrize(("report", "stated"), [
    ("Silent aspiration of thin liquids", True),
    ("No laryngeal penetration or aspiration", False),
    ("No penetration, aspiration or residue", False),
    ("No penetration, residue or aspiration", False),
    ("Negative for aspiration", False),
    ("Aspiration: none", False),
    ("Aspiration was not seen", False),
    ("Aspiration precautions advised", False),
    ("Patient at risk for aspiration; thickened fluids", False),
    ("Risk of aspiration discussed, but trace aspiration with thin liquids", True),
    ("Patient did not aspirate", False),
    ("No penetration but aspiration of thin liquids", True),  # 'but' ends the negation's scope
    ("No penetration. Aspiration of thin liquids", True),  # so does a sentence
    ("No penetration with nectar, aspiration with thin liquids", True),  # and a comma, outside a list
    ("Aspiration with thin liquids; no aspiration with nectar", True),
])
def test_a_finding_is_stated_unless_its_sentence_rules_it_out(report, stated):
    assert states(report.lower(), ASPIRATION) is stated
