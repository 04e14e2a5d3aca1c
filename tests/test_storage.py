"""The storage layer on SQLite and on a real PostgreSQL: migrations, audit, snoozes, feedback, replay, purge."""

from __future__ import annotations

import fcntl
import gc
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.exc import OperationalError

from service.auth import ReplayCheckUnavailable
from service.storage import FeedbackItem, SqlReplayCache, open_store
from service.storage.database import (
    WAL_AUTOCHECKPOINT_PAGES,
    current_revision,
    head_revision,
    open_engine,
    start_wal_checkpointer,
    upgrade,
    write_transaction,
    write_turns,
)
from service.storage.models import AuditCall, Feedback, IssuedCard, Snooze
from service.storage.sql_store import IssuedCardInfo
from service.store import CallRecord
from tests import pg_support

ROOT = Path(__file__).resolve().parents[1]
database_url = pg_support.database_url  # fixtures: each test on SQLite and on PostgreSQL
postgres = pg_support.postgres
TABLES = {"issued_cards", "audit_calls", "feedback", "snoozes", "jwt_replay", "alembic_version"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _card(rule: str = "mtx-weekly-dose-range", indicator: str = "warning", suggestions: int = 1) -> dict:
    import uuid

    return {"uuid": str(uuid.uuid4()), "indicator": indicator, "summary": "s",
            "source": {"label": "IMNM CDS", "topic": {"code": rule}},
            "suggestions": [{"uuid": str(uuid.uuid4()), "label": "x"} for _ in range(suggestions)]}


EHR = "https://ehr.example"  # the client the calls come from


def _record(cards: list[dict], patient: str = "p1", body: dict | None = None) -> CallRecord:
    explanation = [{"rule": c["source"]["topic"]["code"], "status": "fired"} for c in cards]
    explanation += [{"rule": "r-suppressed", "status": "suppressed"}, {"rule": "r-missing", "status": "not-evaluable"},
                    {"rule": "r-quiet", "status": "not-fired"}]
    return CallRecord("imnm-order-sign", "hook-1", EHR, patient, "enc-1", explanation, cards, "kb-1", 12.5, body)


def _snoozed(store, patient: str | None, rule_ids: list[str], client: str | None = EHR,
             service_id: str = "imnm-order-sign") -> dict[str, str]:
    return store.snoozed(patient, rule_ids, client=client, service_id=service_id)


def _override(card: dict, code: str | None = "patient-declined", stamp: str = "2026-11-21T12:00:00Z") -> FeedbackItem:
    return FeedbackItem(card=card["uuid"], outcome="overridden", outcome_timestamp=stamp,
                        override_system="urn:imnm-cds:override-reason" if code else None, override_code=code,
                        override_display="Patient declined" if code else None)


def _ten_days(card: IssuedCardInfo, item: FeedbackItem) -> timedelta | None:
    return timedelta(days=10) if item.outcome == "overridden" and card.indicator != "critical" else None


def test_first_start_creates_every_table_at_head(database_url):
    store = open_store(database_url)
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    assert current_revision(store.engine) == head_revision() == "0004"
    assert store.ready()
    upgrade(store.engine)  # a second start is a no-op
    assert current_revision(store.engine) == "0004"


def test_upgrading_a_database_keeps_its_feedback_and_a_retry_of_a_stored_item_stays_a_duplicate(database_url):
    """Migration 0002 (feedback idempotent on the whole item): the rows stored under 0001 get the digest the
    service computes, so an EHR resending one after the upgrade adds nothing; one that says more is stored."""
    store = open_store(database_url, migrate=False)
    upgrade(store.engine, "0001")
    card = _card()
    store.record_call(_record([card]))
    old = _override(card, code=None)
    accepted = FeedbackItem(card=card["uuid"], outcome="accepted", outcome_timestamp="2026-11-21T12:00:00Z",
                            accepted_suggestions=("s-2", "s-1"))
    columns = {"received_at": Clock()(), "service_id": "imnm-order-sign", "client": EHR, "known_card": True}
    with store.engine.begin() as connection:  # rows as the 0001 schema held them (no digest)
        for item in (old, accepted):
            connection.execute(Feedback.__table__.insert(), {  # type: ignore[attr-defined]
                "card_uuid": item.card, "outcome": item.outcome, "outcome_timestamp": item.outcome_timestamp,
                "accepted_suggestions": list(item.accepted_suggestions), **columns})
    upgrade(store.engine)
    assert current_revision(store.engine) == head_revision()
    reordered = FeedbackItem(card=card["uuid"], outcome="accepted", outcome_timestamp="2026-11-21T12:00:00Z",
                             accepted_suggestions=("s-1", "s-2"))
    results = store.record_feedback("imnm-order-sign", EHR, [old, reordered, _override(card)], _ten_days)
    assert [r.recorded for r in results] == [False, False, True]
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Feedback)).scalar_one() == 3


def test_upgrading_a_database_scopes_its_live_snoozes_to_the_ehr_and_service_of_their_card(database_url):
    """Migration 0003: a snooze stored before it takes the client and service of the card it was made for."""
    clock = Clock()
    store = open_store(database_url, migrate=False, clock=clock)
    upgrade(store.engine, "0002")
    card = _card()
    store.record_call(_record([card], patient="p1"))
    with store.engine.begin() as connection:  # a snooze as the 0002 schema held it (no client, no service)
        connection.execute(text(
            "INSERT INTO snoozes (patient_id, rule_id, reason_code, reason_display, created_at, until, card_uuid) "
            "VALUES ('p1', 'mtx-weekly-dose-range', 'patient-declined', 'Patient declined', :now, :until, :card)"),
            {"now": clock.now, "until": clock.now + timedelta(days=10), "card": card["uuid"]})
    upgrade(store.engine)
    assert list(_snoozed(store, "p1", ["mtx-weekly-dose-range"])) == ["mtx-weekly-dose-range"]
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"], client="https://other-ehr.example") == {}
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"], service_id="imnm-patient-view") == {}


def test_sqlite_file_is_created_in_wal_mode(tmp_path):
    path = tmp_path / "new" / "dir" / "db.sqlite3"
    store = open_store(f"sqlite:///{path}")
    assert path.exists()
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL


def test_each_write_transaction_sets_its_own_durability(database_url):
    """Feedback commits wait for the disk; audit rows and jtis do not (issue 6). A connection reused from the
    pool must not carry the previous transaction's setting, hence durable, relaxed, durable on one engine."""
    store = open_store(database_url)
    sqlite = store.engine.dialect.name == "sqlite"
    if not sqlite:  # a server whose default is relaxed must not relax feedback
        with store.engine.connect() as connection:
            name = connection.execute(text("SELECT current_database()")).scalar_one()
            connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
            connection.commit()
        store.engine.dispose()
    for durable in (True, False, True):
        with write_transaction(store.engine, durable=durable) as connection:
            if sqlite:
                assert connection.execute(text("PRAGMA synchronous")).scalar_one() == (2 if durable else 1)
            else:
                setting = connection.execute(text("SHOW synchronous_commit")).scalar_one()
                assert setting == ("on" if durable else "off")


def test_sqlite_writers_take_turns_across_threads_and_processes(tmp_path):
    """Writers queue in our own lock, not in SQLite's sleep-and-retry (issue 6): while another process holds the
    turn, a writer here waits for it, then writes; a second thread here waits for the first."""
    url = f"sqlite:///{tmp_path}/turns.sqlite3"
    store = open_store(url)
    turns = write_turns(store.engine)
    assert turns is write_turns(open_engine(url))  # one queue per database file
    holder = ("import sys, time; from service.storage.database import open_engine, write_turns\n"
              "with write_turns(open_engine(sys.argv[1])).turn():\n"
              "    print('holding', flush=True); time.sleep(0.6)\n")
    process = subprocess.Popen([sys.executable, "-c", holder, url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with write_transaction(store.engine, durable=False) as connection:
            waited = time.monotonic() - started
            connection.execute(text("SELECT 1"))
    finally:
        process.wait(timeout=30)
    assert waited >= 0.3, waited  # it waited for the other process's turn to end
    assert (tmp_path / "turns.sqlite3.write-lock").exists()

    order: list[str] = []
    inside = threading.Event()

    def first() -> None:
        with turns.turn():
            inside.set()
            time.sleep(0.2)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)
    with turns.turn():
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]


def test_a_thread_of_each_process_checkpoints_the_sqlite_log_so_that_calls_do_not(tmp_path):
    """Issue 6: a commit checkpoints only past the safety net (SQLite's 1,000 pages put a checkpoint in about one
    call in 200); the store's thread copies the log into the database file instead, and ends with its engine."""
    path = tmp_path / "log.sqlite3"
    store = open_store(f"sqlite:///{path}", audit_request_bodies=True)
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == WAL_AUTOCHECKPOINT_PAGES
    before = path.stat().st_size
    store.record_call(_record([], body={"hook": "x", "context": {"note": "x" * 2_000_000}}))  # ~500 pages
    deadline = time.monotonic() + 10
    while path.stat().st_size < before + 1_500_000:  # still only in the log until a checkpoint copies it
        assert time.monotonic() < deadline, "nothing checkpointed the log"
        time.sleep(0.05)

    engine = open_engine(f"sqlite:///{path}")
    thread = start_wal_checkpointer(engine, interval_seconds=0.01)
    assert thread is not None and thread.is_alive()
    del engine
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert start_wal_checkpointer(open_engine("sqlite://")) is None, "an in-memory database has no log"


def test_several_processes_migrating_at_once_agree(database_url):
    """gunicorn workers and replicas all run `upgrade head` at start-up; the lock makes that safe."""
    code = "import sys; from service.storage import open_store; open_store(sys.argv[1]); print('ok')"
    processes = [subprocess.Popen([sys.executable, "-c", code, database_url], cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], [err[-2000:] for _, err in outputs]
    assert current_revision(open_engine(database_url)) == head_revision()


def test_a_new_sqlite_file_is_first_opened_inside_the_migration_lock(tmp_path):
    """Opening a connection turns a new file to WAL, a write SQLite does not wait for while another process makes
    the same switch: workers starting together on a new file failed with "database is locked" (a few starts in a
    hundred) while the first connection came before the lock."""
    database = tmp_path / "imnm-cds.sqlite3"
    engine = open_engine(f"sqlite:///{database}")
    lock_held_at_connect = []

    def probe_the_lock(_dbapi_connection, _record):
        with open(f"{database}.migrate-lock", "a+") as probe:  # a second open file: flock conflicts with upgrade's
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_held_at_connect.append(True)
            else:
                lock_held_at_connect.append(False)  # released as the probe closes

    event.listen(engine, "connect", probe_the_lock)
    upgrade(engine)
    assert lock_held_at_connect == [True]


def test_record_call_keeps_the_audit_trail_and_the_issued_cards(database_url):
    store = open_store(database_url)
    cards = [_card(), _card("pjp-prophylaxis-missing", "info", suggestions=0)]
    body = {"hook": "order-sign", "fhirAuthorization": {"access_token": "SECRET-TOKEN"}, "context": {}}
    store.record_call(_record(cards, body=body))
    with store.engine.connect() as connection:
        call = connection.execute(select(AuditCall)).one()
        issued = {row.uuid: row for row in connection.execute(select(IssuedCard))}
    assert call.service_id == "imnm-order-sign" and call.hook_instance == "hook-1"
    assert call.client == "https://ehr.example" and call.patient_id == "p1" and call.encounter_id == "enc-1"
    assert call.fired == ["mtx-weekly-dose-range", "pjp-prophylaxis-missing"]
    assert call.suppressed == ["r-suppressed"] and call.not_evaluable == ["r-missing"]
    assert call.knowledge_version == "kb-1" and call.latency_ms == 12.5
    assert call.request_body is None, "bodies are kept only when a site turns that on"
    assert {c["uuid"]: c["indicator"] for c in call.cards} == {c["uuid"]: c["indicator"] for c in cards}
    assert issued[cards[0]["uuid"]].suggestion_uuids == [cards[0]["suggestions"][0]["uuid"]]
    assert issued[cards[1]["uuid"]].rule_id == "pjp-prophylaxis-missing"


@pytest.mark.parametrize("body", [{"hook": "order-sign", "context": {"x": [1, "y", None]}}, None],
                         ids=["body", "no-body"])
def test_the_call_path_stores_each_value_exactly_as_sqlalchemy_would(database_url, body):
    """The audit rows of every call are written on the driver (issue 6); every other reader goes through
    SQLAlchemy. Read back through SQLAlchemy and written again through it, each row stores the same values, times
    included (SQLite compares times as text), and no body is SQL NULL either way, never the JSON text 'null'."""
    clock = Clock()
    clock.now = clock.now.replace(microsecond=123456)
    store = open_store(database_url, clock=clock, audit_request_bodies=True)
    store.record_call(_record([_card()], body=body))
    with store.engine.begin() as connection:
        for model, key, second in ((AuditCall, "id", 10**6), (IssuedCard, "uuid", "second")):
            table = model.__table__
            columns = ", ".join(c.name for c in table.columns if c.name != key)
            query = text(f"SELECT {columns} FROM {table.name} WHERE {key} = :key")
            stored = connection.execute(select(table)).mappings().one()
            connection.execute(table.insert(), {**stored, key: second})
            driver_row = connection.execute(query, {"key": stored[key]}).one()
            assert connection.execute(query, {"key": second}).one() == driver_row, model.__name__
        call = connection.execute(select(AuditCall).where(AuditCall.id != 10**6)).one()
        nulls = connection.execute(text("SELECT COUNT(*) FROM audit_calls WHERE request_body IS NULL")).scalar_one()
    assert call.called_at.replace(tzinfo=UTC) == clock.now
    assert call.request_body == body
    assert nulls == (2 if body is None else 0)


def test_the_call_path_refuses_a_driver_it_does_not_know():
    from types import SimpleNamespace

    from service.storage.driver_sql import DriverSql

    engine = SimpleNamespace(dialect=SimpleNamespace(name="postgresql", driver="psycopg2"))
    with pytest.raises(ValueError, match="postgresql\\+psycopg2"):
        DriverSql(engine)  # type: ignore[arg-type]


def test_a_failed_jti_purge_is_housekeeping_not_the_callers_problem(database_url, caplog):
    cache = open_store(database_url).replay_cache()
    cache._purge_every = 1

    def failing(now=None):
        raise OperationalError("DELETE", {}, Exception("database is locked"))

    cache.purge = failing  # type: ignore[method-assign]
    assert cache.seen("jti-1", "iss", time.time() + 60) is False
    assert cache.seen("jti-1", "iss", time.time() + 60) is True
    assert "purging expired jtis failed" in caplog.text


def test_request_bodies_when_enabled_never_carry_the_token(database_url):
    store = open_store(database_url, audit_request_bodies=True)
    body = {"hook": "order-sign", "fhirAuthorization": {"access_token": "SECRET-TOKEN"}, "context": {"x": 1}}
    store.record_call(_record([], body=body))
    with store.engine.connect() as connection:
        kept = connection.execute(select(AuditCall.request_body)).scalar_one()
    assert kept == {"hook": "order-sign", "context": {"x": 1}}
    assert "SECRET-TOKEN" not in str(kept)


def test_an_override_snoozes_the_rule_for_that_patient_until_it_expires(database_url):
    clock = Clock()
    store = open_store(database_url, clock=clock)
    card = _card()
    store.record_call(_record([card], patient="p1"))
    [result] = store.record_feedback("imnm-order-sign", EHR, [_override(card)], _ten_days)
    assert result.recorded and result.known_card and result.rule_id == "mtx-weekly-dose-range"
    assert result.snoozed_until == clock.now + timedelta(days=10)
    snoozed = _snoozed(store, "p1", ["mtx-weekly-dose-range", "other-rule"])
    assert list(snoozed) == ["mtx-weekly-dose-range"]
    assert "Patient declined" in snoozed["mtx-weekly-dose-range"] and "2026-12-01" in snoozed["mtx-weekly-dose-range"]
    assert _snoozed(store, "p2", ["mtx-weekly-dose-range"]) == {}, "another patient still gets the card"
    assert _snoozed(store, None, ["mtx-weekly-dose-range"]) == {}
    clock.now += timedelta(days=10, seconds=1)
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"]) == {}, "the snooze expires"


def test_a_snooze_holds_back_only_that_ehrs_and_that_services_card(database_url):
    """A patient id is unique only within one EHR: another EHR's patient 'p1' got no card, and was told the first
    EHR's override reason. Nor does an override at chart opening hold back the order-sign card, and feedback from
    another EHR than the one shown the card snoozes nothing."""
    store = open_store(database_url, clock=Clock())
    card = _card()
    store.record_call(_record([card], patient="p1"))
    [other] = store.record_feedback("imnm-order-sign", "https://other-ehr.example", [_override(card)], _ten_days)
    assert other.recorded and other.snoozed_until is None and other.issued_to_other_client
    store.record_feedback("imnm-order-sign", EHR, [_override(card, stamp="2026-11-21T12:05:00Z")], _ten_days)
    assert list(_snoozed(store, "p1", ["mtx-weekly-dose-range"])) == ["mtx-weekly-dose-range"]
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"], client="https://other-ehr.example") == {}
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"], client=None) == {}
    assert _snoozed(store, "p1", ["mtx-weekly-dose-range"], service_id="imnm-patient-view") == {}


def test_the_same_item_from_another_ehr_first_loses_nothing_of_the_owners(database_url):
    """An EHR posted an override identical to one another EHR had posted first: it was taken for a duplicate, so
    its own record and its snooze were never stored (found by review). Feedback is idempotent per EHR (0004)."""
    store = open_store(database_url, clock=Clock())
    card = _card()
    store.record_call(_record([card], patient="p1"))
    [other] = store.record_feedback("imnm-order-sign", "https://other-ehr.example", [_override(card)], _ten_days)
    [owner] = store.record_feedback("imnm-order-sign", EHR, [_override(card)], _ten_days)
    assert other.recorded and owner.recorded and owner.snoozed_until is not None
    assert list(_snoozed(store, "p1", ["mtx-weekly-dose-range"])) == ["mtx-weekly-dose-range"]
    [retry] = store.record_feedback("imnm-order-sign", EHR, [_override(card)], _ten_days)
    assert not retry.recorded, "a retry from the same EHR is still a duplicate"
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Feedback)).scalar_one() == 2


def test_upgrading_to_0004_keeps_a_stored_item_a_duplicate_for_its_own_ehr(database_url):
    """Migration 0004: rows stored before it take their client as the key, so a retry after the upgrade adds
    nothing, and the same item from another EHR is stored."""
    store = open_store(database_url, migrate=False, clock=Clock())
    upgrade(store.engine, "0003")
    card = _card()
    store.record_call(_record([card], patient="p1"))
    item = _override(card)
    with store.engine.begin() as connection:  # a row as the 0003 schema held it (no client_key)
        connection.execute(text(
            "INSERT INTO feedback (card_uuid, item_digest, outcome, outcome_timestamp, received_at, service_id, "
            "client, known_card, accepted_suggestions) VALUES (:card, :digest, 'overridden', :stamp, :now, "
            "'imnm-order-sign', :client, true, '[]')"),
            {"card": item.card, "digest": item.digest, "stamp": item.outcome_timestamp, "now": Clock()(),
             "client": EHR})
    upgrade(store.engine)
    retry, other = (store.record_feedback("imnm-order-sign", client, [item], _ten_days)[0]
                    for client in (EHR, "https://other-ehr.example"))
    assert not retry.recorded and other.recorded


def test_snooze_times_are_told_in_utc_whatever_the_database_session_time_zone(database_url):
    """PostgreSQL hands times back in the session's time zone; the text says UTC, so it must be UTC."""
    if database_url.startswith("postgresql"):
        database_url += "?options=-c%20timezone%3DAsia/Tokyo"
    clock = Clock()
    store = open_store(database_url, clock=clock)
    card = _card()
    store.record_call(_record([card], patient="p1"))
    store.record_feedback("imnm-order-sign", EHR, [_override(card)], _ten_days)
    assert "until 2026-12-01 12:00 UTC" in _snoozed(store, "p1", ["mtx-weekly-dose-range"])["mtx-weekly-dose-range"]


def test_feedback_is_idempotent_and_unknown_cards_are_recorded(database_url):
    store = open_store(database_url)
    card = _card()
    store.record_call(_record([card]))
    item = _override(card)
    unknown = FeedbackItem(card="00000000-0000-4000-8000-000000000000", outcome="accepted",
                           outcome_timestamp="2026-11-21T12:00:00Z", accepted_suggestions=("s-1",))
    first = store.record_feedback("imnm-order-sign", EHR, [item, unknown], _ten_days)
    again = store.record_feedback("imnm-order-sign", EHR, [item, unknown], _ten_days)
    assert [r.recorded for r in first] == [True, True] and [r.recorded for r in again] == [False, False]
    assert [r.known_card for r in first] == [True, False]
    later = store.record_feedback("imnm-order-sign", EHR, [_override(card, stamp="2026-11-21T13:00:00Z")],
                                  _ten_days)
    assert later[0].recorded, "the same card overridden at another time is another item"
    with store.engine.connect() as connection:
        rows = connection.execute(select(Feedback).order_by(Feedback.id)).all()
        snoozes = connection.execute(select(Snooze)).all()
    assert len(rows) == 3 and len(snoozes) == 2, "a duplicate adds neither feedback nor a snooze"
    stranger = next(r for r in rows if not r.known_card)
    assert stranger.outcome == "accepted" and stranger.accepted_suggestions == ["s-1"] and stranger.rule_id is None


def test_an_item_that_says_more_than_a_stored_one_is_stored_and_a_retry_is_not(database_url):
    """Idempotent on the whole item, not on (card, outcome, outcomeTimestamp): an override first sent without a
    reason and then with one (same card, same time) was taken for a retry, never stored, and never snoozed."""
    store = open_store(database_url)
    card = _card()
    store.record_call(_record([card], patient="p1"))
    no_reason = _override(card, code=None)
    with_reason = _override(card)
    with_comment = replace(with_reason, user_comment="discussed with the patient")
    accepted = [FeedbackItem(card=card["uuid"], outcome="accepted", outcome_timestamp="2026-11-21T12:00:00Z",
                             accepted_suggestions=ids) for ids in (("s-1",), ("s-1", "s-2"), ("s-2", "s-1"))]

    def snoozes_with_a_reason(issued: IssuedCardInfo, item: FeedbackItem) -> timedelta | None:
        return timedelta(days=10) if item.override_code else None

    results = store.record_feedback("imnm-order-sign", EHR, [no_reason, with_reason, with_comment, *accepted],
                                    snoozes_with_a_reason)
    assert [r.recorded for r in results[:3]] == [True, True, True], "no reason, then a reason, then a comment"
    assert [r.recorded for r in results[3:]] == [True, True, False], "other suggestions; the same set reordered"
    assert results[0].snoozed_until is None and results[1].snoozed_until is not None
    assert "mtx-weekly-dose-range" in _snoozed(store, "p1", ["mtx-weekly-dose-range"])
    retried = store.record_feedback("imnm-order-sign", EHR, [no_reason, with_reason, with_comment],
                                    snoozes_with_a_reason)
    assert [r.recorded for r in retried] == [False, False, False], "a retry of the same item is a duplicate"
    with store.engine.connect() as connection:
        codes = connection.execute(select(Feedback.override_code, Feedback.user_comment).where(
            Feedback.outcome == "overridden").order_by(Feedback.id)).all()
    assert codes == [(None, None), ("patient-declined", None), ("patient-declined", "discussed with the patient")]


def test_the_policy_decides_and_critical_cards_are_not_snoozed(database_url):
    store = open_store(database_url)
    critical = _card("statin-contraindicated-anti-hmgcr", "critical")
    store.record_call(_record([critical], patient="p1"))
    [result] = store.record_feedback("imnm-order-sign", EHR, [_override(critical)], _ten_days)
    assert result.recorded and result.snoozed_until is None
    assert _snoozed(store, "p1", ["statin-contraindicated-anti-hmgcr"]) == {}


def test_feedback_from_concurrent_requests_is_stored_once(database_url):
    store = open_store(database_url)
    card = _card()
    store.record_call(_record([card]))
    results: list[bool] = []

    def post() -> None:
        results.extend(r.recorded for r in store.record_feedback("s", None, [_override(card)], _ten_days))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_replay_cache_refuses_a_live_jti_and_forgets_an_expired_one(database_url):
    now = [1_000_000.0]
    cache = SqlReplayCache(open_store(database_url).engine, clock=lambda: now[0])
    assert cache.seen("jti-1", "iss-a", 1_000_300.0) is False
    assert cache.seen("jti-1", "iss-a", 1_000_300.0) is True
    assert cache.seen("jti-1", "iss-b", 1_000_300.0) is False, "jti is per issuer"
    now[0] = 1_000_301.0
    assert cache.seen("jti-1", "iss-a", 1_000_600.0) is False, "an expired entry no longer blocks"
    assert cache.seen("jti-1", "iss-a", 1_000_600.0) is True
    assert cache.purge(now=1_000_400.0) == 1  # iss-b's expired entry


def test_replay_cache_lets_exactly_one_of_many_concurrent_uses_through(database_url):
    engine = open_store(database_url).engine
    caches = [SqlReplayCache(open_engine(database_url)) for _ in range(4)] + [SqlReplayCache(engine)]
    expires = datetime.now(UTC).timestamp() + 300
    answers: list[bool] = []
    barrier = threading.Barrier(10)

    def use(cache: SqlReplayCache) -> None:
        barrier.wait()
        answers.append(cache.seen("same-jti", "iss", expires))

    threads = [threading.Thread(target=use, args=(caches[i % len(caches)],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False] + [True] * 9


def test_purge_deletes_by_age_and_expired_snoozes(database_url):
    clock = Clock()
    store = open_store(database_url, clock=clock)
    old = _card()
    store.record_call(_record([old]))
    store.record_feedback("imnm-order-sign", EHR, [_override(old)], _ten_days)
    clock.now += timedelta(days=40)
    new = _card()
    store.record_call(_record([new]))
    counts = store.purge(timedelta(days=30))
    assert counts["audit_calls"] == 1 and counts["issued_cards"] == 1 and counts["feedback"] == 1
    assert counts["snoozes"] == 1
    with store.engine.connect() as connection:
        assert [r.uuid for r in connection.execute(select(IssuedCard))] == [new["uuid"]]


def test_ready_is_false_when_the_database_is_gone(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert store.ready()
    broken = open_store("postgresql+psycopg://nobody@127.0.0.1:1/none", migrate=False)
    assert broken.ready() is False
    assert _snoozed(broken, "p1", ["x"]) == {}, "no database: show every card rather than fail the call"
    broken.record_call(_record([_card()]))  # logged and counted, not raised
    with pytest.raises(ReplayCheckUnavailable):  # a token is neither accepted nor refused (the app answers 503)
        broken.replay_cache().seen("jti-1", "iss", time.time() + 60)


@pytest.mark.parametrize("value", ["a" * 600])
def test_overlong_identifiers_do_not_break_the_audit(database_url, value):
    store = open_store(database_url)
    record = _record([_card()], patient=value)
    record.hook_instance = value
    store.record_call(record)
    with store.engine.connect() as connection:
        assert len(connection.execute(select(AuditCall.patient_id)).scalar_one()) == 256
