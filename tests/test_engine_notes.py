"""The engine's data-quality notes (contract section 3): a defect in one takes nothing else down."""

from __future__ import annotations

import fhir_fixtures
from hooks import engine
from hooks.definitions import bone
from tests.conftest import fired, run


def test_a_defect_in_a_data_quality_note_leaves_the_cards_and_the_other_notes(kb, today, monkeypatch):
    """Review of 6eaa09b: the notes were made unguarded after every rule had run, so a defect in one (bone.warnings
    runs on every call) took the whole response down, critical cards included. It is logged and named, as a failing
    rule is; the cards and the other notes still go out."""
    def defect(*_: object) -> list[str]:
        raise ZeroDivisionError

    def other_note(*_: object) -> list[str]:
        return ["another note"]

    monkeypatch.setattr(engine, "DATA_QUALITY_NOTES", (bone.warnings, defect, other_note))
    result = run(kb, fhir_fixtures.get("r14-fires-patient-view-active-statin").request(today), today)
    assert fired(result)["statin-contraindicated-anti-hmgcr"]["indicator"] == "critical"
    assert result.warnings[-2:] == ["The data-quality notes of test_engine_notes could not be made (internal error "
                                    "logged).", "another note"]
