"""`imnm-cds report`, `purge` and `db upgrade`: the committee's table from a known audit trail."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from service import cli
from service.report import build, render_html, render_json, render_text
from service.storage import FeedbackItem, open_store
from service.store import CallRecord

RULE_A, RULE_B = "mtx-weekly-dose-range", "pjp-prophylaxis-missing"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _card(rule: str, indicator: str = "warning") -> dict:
    return {"uuid": str(uuid.uuid4()), "indicator": indicator, "source": {"topic": {"code": rule}},
            "suggestions": [{"uuid": str(uuid.uuid4())}]}


def _call(store, cards: list[dict], latency: float, snoozed: tuple[str, ...] = (),
          service: str = "imnm-order-sign", client: str | None = None) -> None:
    explanation = [{"rule": c["source"]["topic"]["code"], "status": "fired"} for c in cards]
    explanation += [{"rule": r, "status": "snoozed"} for r in snoozed]
    store.record_call(CallRecord(service, str(uuid.uuid4()), client, "p1", None, explanation, cards, "kb", latency))


def _item(card: dict, outcome: str, code: str | None = None, stamp: str = "2026-11-01T10:00:00Z") -> FeedbackItem:
    return FeedbackItem(card["uuid"], outcome, stamp, datetime.fromisoformat(stamp),
                        accepted_suggestions=(card["suggestions"][0]["uuid"],) if outcome == "accepted" else (),
                        override_system="urn:imnm-cds:override-reason" if code else None, override_code=code)


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'report.sqlite3'}"


@pytest.fixture
def populated(url):
    clock = Clock()
    store = open_store(url, clock=clock)
    old = _card(RULE_B)
    _call(store, [old], 500.0)  # before --since
    clock.now += timedelta(days=10)
    cards_a = [_card(RULE_A) for _ in range(4)]
    for latency, card in zip((10.0, 20.0, 30.0, 40.0), cards_a, strict=True):
        _call(store, [card], latency)
    card_b = _card(RULE_B, "info")
    _call(store, [card_b], 100.0, snoozed=(RULE_A,))
    never = lambda card, item: None  # noqa: E731
    store.record_feedback("imnm-order-sign", None, [
        _item(cards_a[0], "accepted"),
        _item(cards_a[1], "overridden", "patient-declined"),
        _item(cards_a[2], "overridden", "patient-declined"),
        _item(cards_a[3], "overridden"),
        _item(cards_a[0], "accepted"),  # duplicate: counted once
        FeedbackItem(str(uuid.uuid4()), "overridden", "2026-11-11T10:00:00Z"),  # unknown card
    ], never)
    return store


def test_per_rule_counts_rates_reasons_and_median_latency(populated):
    report = build(populated.engine, datetime(2026, 11, 5, tzinfo=UTC), {RULE_A: ("R09", "MTX range")},
                   datetime(2026, 11, 20, tzinfo=UTC))
    rows = {r.rule: r for r in report.rules}
    a, b = rows[RULE_A], rows[RULE_B]
    assert (a.code, a.fired, a.accepted, a.overridden) == ("R09", 4, 1, 3)
    assert a.overridden_by_reason == {"patient-declined": 2, "no reason given": 1}
    assert a.acceptance_rate == 0.25 and a.override_rate == 0.75
    assert a.median_latency_ms == 25.0 and a.snoozed == 1 and a.by_indicator == {"warning": 4}
    assert (b.fired, b.accepted, b.acceptance_rate, b.median_latency_ms) == (1, 0, 0.0, 100.0), "old card excluded"
    assert report.calls == 5 and report.unknown_card_feedback == 1 and report.misdirected_feedback == 0
    everything = build(populated.engine, None, {}, datetime(2026, 11, 20, tzinfo=UTC))
    assert {r.rule: r.fired for r in everything.rules}[RULE_B] == 2


def test_only_feedback_the_cards_own_service_took_from_its_ehr_is_its_outcome(url):
    """R05 showed "no reason given" though its snooze came from 'patient-declined': a later override without a reason
    posted to the other service's URL (stored, named in otherServiceCards, snoozing nothing) was taken as the
    card's latest outcome. So would one from another EHR than the card's (otherClientCards)."""
    store = open_store(url, clock=Clock())
    card = _card(RULE_A)
    _call(store, [card], 10.0, service="imnm-patient-view", client="https://ehr.example")
    never = lambda card, item: None  # noqa: E731
    store.record_feedback("imnm-patient-view", "https://ehr.example",
                          [_item(card, "overridden", "patient-declined", "2026-11-01T10:00:00Z")], never)
    store.record_feedback("imnm-order-sign", "https://ehr.example",
                          [_item(card, "overridden", None, "2026-11-01T11:00:00Z")], never)
    store.record_feedback("imnm-patient-view", "https://other-ehr.example",
                          [_item(card, "accepted", None, "2026-11-01T12:00:00Z")], never)
    report = build(store.engine, None, {}, datetime(2026, 11, 20, tzinfo=UTC))
    (row,) = report.rules
    assert (row.accepted, row.overridden, row.overridden_by_reason) == (0, 1, {"patient-declined": 1})
    assert report.misdirected_feedback == 2 and report.unknown_card_feedback == 0
    assert "by another EHR than the card's (not counted above): 2" in render_text(report)


def test_text_json_and_html_renderings(populated):
    report = build(populated.engine, None, {RULE_A: ("R09", "MTX <range>")}, datetime(2026, 11, 20, tzinfo=UTC))
    text = render_text(report)
    assert "R09 mtx-weekly-dose-range" in text and "25%" in text and "patient-declined 2" in text
    data = json.loads(render_json(report))
    assert data["rules"][0]["rule"] == RULE_A and data["rules"][0]["overridden_by_reason"]["patient-declined"] == 2
    page = render_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "MTX &lt;range&gt;" in page
    assert page.count('class="fired"') == 2 and "<script" not in page and "src=" not in page  # self-contained


def test_cli_report_purge_and_db_upgrade(populated, url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("IMNM_CDS_DATABASE_URL", url)
    monkeypatch.delenv("IMNM_CDS_CONFIG", raising=False)
    assert cli.main(["db", "upgrade"]) == 0
    assert "revision 0004 (head 0004)" in capsys.readouterr().out
    assert cli.main(["report", "--since", "2026-11-05", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"].startswith("2026-11-05") and {r["rule"] for r in data["rules"]} == {RULE_A, RULE_B}
    out = tmp_path / "report.html"
    assert cli.main(["report", "--format", "html", "-o", str(out)]) == 0 and "<svg" in out.read_text()
    assert cli.main(["report", "--since", "last tuesday"]) == 2
    capsys.readouterr()
    assert cli.main(["purge", "--older-than", "0"]) == 0
    deleted = json.loads(capsys.readouterr().out)["deleted"]
    assert deleted["audit_calls"] == 6 and deleted["issued_cards"] == 6
    assert cli.main(["report"]) == 0
    assert "no cards issued" in capsys.readouterr().out
