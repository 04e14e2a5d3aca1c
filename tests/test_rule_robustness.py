"""Plausible odd values in real fixtures (found by fuzzing the HTTP input) never make a rule fail: the engine
reports a rule's internal error as a warning and loses its card, which for R08 is a critical hard stop."""

from __future__ import annotations

from typing import Any

import pytest

import fhir_fixtures
from tests.conftest import fired, run

DRAFT = ("context", "draftOrders", "entry", 0, "resource")
FIRST_DOSE_START = ("dosageInstruction", 0, "timing", "repeat", "boundsPeriod", "start")
FIRST_DOSE_PERIOD = ("dosageInstruction", 0, "timing", "repeat", "period")

# name: (fixture, path to the value, the value, a rule whose card must still show)
CASES: dict[str, tuple[str, tuple[Any, ...], Any, str | None]] = {
    "draft code padded": ("r08-fires-daily-tablets", (*DRAFT, "medicationCodeableConcept", "coding", 0, "code"),
                          "105585 ", "mtx-once-weekly-hard-stop"),
    "draft display empty": ("r08-fires-daily-tablets",
                            (*DRAFT, "medicationCodeableConcept", "coding", 0, "display"), "",
                            "mtx-once-weekly-hard-stop"),
    "draft dayOfWeek 'Mon'": ("r08-fires-every-other-day",
                              (*DRAFT, "dosageInstruction", 0, "timing", "repeat", "dayOfWeek"), ["Mon"],
                              "mtx-once-weekly-hard-stop"),
    "draft note a string": ("r27-fires-obese-actual-weight", (*DRAFT, "note"), "free text", "ivig-order-safety"),
    "onset in year 1": ("r05-fires-at-exactly-30-days", ("prefetch", "conditions", "entry", 0, "resource",
                                                         "onsetDateTime"), "0001-01-01", None),
    "course from year 1": ("r15-fires-hmgcr-ck-high-month-7",
                           ("prefetch", "medications", "entry", 0, "resource", *FIRST_DOSE_START), "0001-01-01",
                           None),
    "result in year 1": ("r12-fires-activity-after-transfusion",
                         ("prefetch", "observations", "entry", 1, "resource", "effectiveDateTime"), "0001-01-01",
                         None),
    "CK of 0": ("r21-fires-at-exactly-2x-nadir",
                ("prefetch", "observations", "entry", 4, "resource", "valueQuantity", "value"), 0, None),
    # a date stepped by the interval overflowed: the IVIG cycles laid out to the last dose, and the days a stopped
    # course still covers (until its next dose would be due)
    "IVIG cycles 1e12 days apart": ("r15-fires-last-ivig-61-days-ago",
                                    ("prefetch", "medications", "entry", 3, "resource", *FIRST_DOSE_PERIOD), 1e12,
                                    "hmgcr-add-ivig-inadequate-response"),
    "stopped methotrexate weekly x 1e12": ("r05-fires-agent-stopped-before-ttx",
                                           ("prefetch", "medications", "entry", 1, "resource", *FIRST_DOSE_PERIOD),
                                           1e12, "imnm-add-steroid-sparing-by-month-1"),
    "IV pulse on the chart from 9999-12-31": ("r07-fires-cancelling-would-leave-the-pulse-left-active",
                                              ("prefetch", "medications", "entry", 0, "resource", *FIRST_DOSE_START),
                                              "9999-12-31", "ivmp-pulse-dose-cap"),
    "RZV dose dated 9999-12-31": ("r29-fires-dermatomyositis-partial-series",
                                  ("prefetch", "immunizations", "entry", 3, "resource", "occurrenceDateTime"),
                                  "9999-12-31", "vaccinate-before-immunosuppression"),
    "negative creatinine": ("r10-fires-egfr-below-30",
                            ("prefetch", "observations", "entry", 6, "resource", "valueQuantity", "value"), -5, None),
    # a negative frequency gave no dose days a day: the frequency's words divided by zero (R08, R09; R07's pulse)
    "weekly methotrexate -1 times a week": ("r08-fires-twice-weekly-sig-on-a-weekly-timing",
                                            (*DRAFT, "dosageInstruction", 0, "timing", "repeat", "frequency"), -1,
                                            "mtx-once-weekly-hard-stop"),
    # a period of 0 was read as 1: methotrexate once every 0 weeks on Monday passed R08's hard stop as once weekly
    "methotrexate once every 0 weeks": ("r08-quiet-weekly-on-monday",
                                        (*DRAFT, "dosageInstruction", 0, "timing", "repeat", "period"), 0,
                                        "mtx-once-weekly-hard-stop"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_odd_values_do_not_make_a_rule_fail(kb, today, name):
    fixture, path, value, still_fires = CASES[name]
    request = fhir_fixtures.get(fixture).request(today)
    node = request
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    result = run(kb, request, today)
    assert not [e["rule"] for e in result.explanation if e["status"] == "error"]
    if still_fires:
        assert still_fires in fired(result)


@pytest.mark.parametrize("bad_id", [None, "x y", "a" * 65, "ukat/L"])
@pytest.mark.parametrize(("fixture", "rule"), [
    ("r08-fires-daily-tablets", "mtx-once-weekly-hard-stop"),
    ("r14-fires-order-sign-antibody-coded", "statin-contraindicated-anti-hmgcr"),
])
def test_a_draft_without_a_fhir_id_keeps_its_card_without_a_delete_that_names_nothing(kb, today, fixture, rule,
                                                                                      bad_id):
    """The suggestions deleted "MedicationRequest/" (no id) or "MedicationRequest/x y" (not a FHIR id), which fail
    the response schema and name nothing the EHR can find. A replacement that cannot cancel the draft would add its
    order beside it, so the whole suggestion goes (found by fuzzing)."""
    request = fhir_fixtures.get(fixture).request(today)
    node = request
    for step in DRAFT:
        node = node[step]
    with_id = fired(run(kb, request, today))[rule]
    assert all(any(a["type"] == "delete" for a in s["actions"]) for s in with_id["suggestions"])
    assert with_id["extension"]["imnm-cds"]["draftOrders"]
    if bad_id is None:
        del node["id"]
    else:
        node["id"] = bad_id
    card = fired(run(kb, request, today))[rule]  # run checks the cards against the response schema
    assert "suggestions" not in card and "extension" not in card
    assert "A drafted order has no id** (or not a FHIR id)" in card["detail"]


def test_markup_in_quoted_chart_text_is_shown_as_text(kb, today):
    """A sig with an HTML tag and a Markdown link came back verbatim in the critical methotrexate card: an EHR that
    renders the detail would show a live 'Confirm override here' link to an outside site."""
    request = fhir_fixtures.get("r08-fires-daily-tablets").request(today)
    draft = request["context"]["draftOrders"]["entry"][0]["resource"]
    draft["medicationCodeableConcept"]["text"] = (
        "Methotrexate <img src=x onerror=alert(1)> [Confirm override here](https://evil.example) "
        "![x](https://evil.example/t)")
    detail = fired(run(kb, request, today))["mtx-once-weekly-hard-stop"]["detail"]
    assert "<img" not in detail and "](https://evil" not in detail and "![x]" not in detail
    assert "&lt;img src=x" in detail and "[Confirm override here]\\(https://evil.example)" in detail
    assert "**Sources:** [" in detail  # the card's own links stay links
