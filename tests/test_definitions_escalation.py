"""The CK-age gate of the rows that judge a recent CK (clinical-rules.md section 4.2, latest_CK): a row waits for a
CK exactly when R22 asks for one on its behalf."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import NamedTuple

import pytest

from fhir_fixtures.builders import Chart
from fhir_fixtures.r15_hmgcr_add_ivig_inadequate_response import hmgcr_after_a_response, hmgcr_on_two_agents
from fhir_fixtures.r21_imnm_possible_relapse_on_taper import tapering_chart
from hooks.definitions import ck, escalation, taper
from tests.conftest import run, with_params
from tests.definitions_support import record_and_context

R22 = "imnm-ck-monitoring-due"


class Row(NamedTuple):
    rule: str
    code: str  # as R22's facts name it
    chart: Callable[[date, int], Chart]  # the row's gates before the CK pass; the latest CK on the given day
    section: str  # where the row's CK age limit is set
    parameter: str


ROWS = [
    Row("hmgcr-add-ivig-inadequate-response", "R15", lambda today, day: hmgcr_on_two_agents(today, ck_day=day),
        "hmgcr-add-ivig-inadequate-response", "ck_max_age_days"),
    Row("imnm-possible-relapse-on-taper", "R21", lambda today, day: tapering_chart(today, latest_day=day),
        "definitions", "relapse_ck_max_age_days"),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.code)
@pytest.mark.parametrize(("ck_day", "max_age"), [(-14, 14), (-15, 14), (-14, 14.5), (-15, 14.5), (0, 0),
                                                 (0, -0.5)])
def test_a_row_waits_for_a_ck_exactly_when_r22_asks_for_one(kb, today, row, ck_day, max_age):
    """R21 judged the CK's age against relapse_ck_max_age_days cut to a whole number, R22 against the value as
    set: with a limit below zero (-0.5) R21 judged a CK taken today while R22 asked for one on R21's behalf."""
    site = with_params(kb, row.section, **{row.parameter: max_age})
    result = run(site, row.chart(today, ck_day).request("patient-view"), today)
    entries = {e["rule"]: e for e in result.explanation}
    stale = -ck_day > max_age
    assert (entries[row.rule]["status"] == "not-evaluable") == stale  # the charts hold a row back for nothing else
    assert (row.code in (entries[R22]["facts"].get("ck_needed_by") or "")) == stale


@pytest.mark.parametrize(("hmgcr", "srp", "waits"), [("positive", None, True), ("positive", "negative", True),
                                                     (None, "negative", False), ("negative", None, False)])
def test_a_row_whose_subtype_the_missing_antibody_cannot_change_waits_for_a_ck(kb, today, hmgcr, srp, waits):
    """Anti-HMGCR positive with anti-SRP never resulted is R15's row whatever anti-SRP shows: with a stale CK, R15 is
    not evaluable for the CK and R22 asks for one on its behalf, as for anti-SRP negative. While anti-HMGCR itself is
    missing R15 waits for it (R03 asks), not for a CK."""
    result = run(kb, hmgcr_on_two_agents(today, ck_day=-45, hmgcr=hmgcr, srp=srp).request("patient-view"), today)
    entries = {e["rule"]: e for e in result.explanation}
    asked = "R15" in (entries[R22]["facts"].get("ck_needed_by") or "")
    assert asked == waits
    if waits:
        assert entries[ROWS[0].rule]["status"] == "not-evaluable" and "CK" in entries[ROWS[0].rule]["reason"]
    elif hmgcr is None:
        assert entries[ROWS[0].rule]["reason"].startswith("anti-HMGCR never resulted")


def test_a_response_is_r21s_relapse_only_when_the_ck_had_responded_and_the_relapse_holds(kb, today):
    """The escalation rows say "has not responded" only of a CK that did not; a CK that responded and is rising on
    taper is R21's relapse (the row gives way); one that never responded is still one to escalate for."""
    record, context = record_and_context(kb, tapering_chart(today, latest_ck=2000))
    points = ck.series(record, context)
    nadir = ck.nadir(points, today - timedelta(days=195))
    rising = taper.possible_relapse(record, context)
    assert nadir is not None and rising.possible
    why = "latest CK 2,000 U/L is above 3 x ULN"
    relapse = escalation.Response(why, nadir, rising)
    assert relapse.relapse and relapse.sentence.startswith(
        f"**The CK had responded: it came down to {nadir}. It is rising again while treatment is reduced "
        "(glucocorticoid lowered from 60 to 40 mg/day PEQ on")
    assert relapse.sentence.endswith("a possible relapse (R21), not a failure to respond.** Latest CK 2,000 U/L is "
                                     "above 3 x ULN.")
    never = escalation.Response(why, None, rising)
    assert not never.relapse and never.sentence.startswith(f"CK has not responded: {why}. At its lowest it was {nadir}")
    assert escalation.Response(why, nadir, None).sentence == (f"The CK had responded: it came down to {nadir}, and has "
                                                              "risen again. Latest CK 2,000 U/L is above 3 x ULN.")
    assert escalation.Response(why, None, None).sentence == f"CK has not responded: {why}."


def test_r21s_possible_relapse_is_judged_once_per_call(kb, today, monkeypatch):
    """Review 425 item 8: taper.possible_relapse ran for R21's card and again for the escalation rows
    (escalation._possible_relapse) on every patient-view call; both now read taper.chart_relapse."""
    judged = []

    def counting(*args, **kwargs):
        judged.append(kwargs)
        return judging(*args, **kwargs)

    judging = taper.possible_relapse
    monkeypatch.setattr(taper, "possible_relapse", counting)
    result = run(kb, hmgcr_after_a_response(today).request("patient-view"), today)
    fired = {e["rule"] for e in result.explanation if e["status"] == "fired"}
    assert {"hmgcr-add-ivig-inadequate-response", "imnm-possible-relapse-on-taper"} <= fired
    assert len(judged) == 1
