"""Several instances on one database: two app instances on one PostgreSQL agree on snoozes and jtis, and a
worker killed with SIGKILL while feedback is being posted loses no item that was acknowledged with a 200."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

import fhir_fixtures
from fhir_fixtures.fake_server import free_port
from service.storage import open_store
from service.storage.models import Feedback
from tests import pg_support
from tests.api_support import make_app, post

ROOT = Path(__file__).resolve().parents[1]
database_url = pg_support.database_url  # fixtures: each test on SQLite and on PostgreSQL
postgres = pg_support.postgres
FIXTURE, RULE = "r09-fires-30-mg-weekly-established", "mtx-weekly-dose-range"


def _call(client) -> dict:
    response = post(client, "imnm-order-sign?explain=true", fhir_fixtures.get(FIXTURE).request(date.today()))
    assert response.status_code == 200
    return response.get_json()


def _status(body: dict) -> str:
    return next(e for e in body["extension"]["imnm-cds"]["explanation"] if e["rule"] == RULE)["status"]


def test_feedback_posted_to_one_instance_snoozes_the_card_on_the_other(postgres):
    url = postgres.create_database()
    one = make_app(storage={"url": url}).test_client()
    two = make_app(storage={"url": url}).test_client()
    first = _call(one)
    card = next(c for c in first["cards"] if c["source"]["topic"]["code"] == RULE)
    assert _status(_call(two)) == "fired"
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
            "overrideReason": {"reason": card["overrideReasons"][0]}}
    response = two.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]})
    assert response.status_code == 200 and response.get_json()["unknownCards"] == [], "joined across instances"
    assert _status(_call(one)) == "snoozed"
    assert _status(_call(two)) == "snoozed"


def test_listing_a_rule_in_never_snooze_rules_lifts_its_stored_snoozes(database_url):
    """A rule overridden with a reason, then listed in never_snooze_rules and the service restarted: the stored
    snooze held its card back still (found on PostgreSQL), though the configuration says it is never snoozed."""
    before = make_app(storage={"url": database_url}).test_client()
    card = next(c for c in _call(before)["cards"] if c["source"]["topic"]["code"] == RULE)
    reason = next(r for r in card["overrideReasons"] if r["code"] == "data-incorrect")
    item = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
            "overrideReason": {"reason": reason}}
    assert before.post("/cds-services/imnm-order-sign/feedback", json={"feedback": [item]}).status_code == 200
    assert _status(_call(before)) == "snoozed"
    after = make_app(storage={"url": database_url}, feedback={"never_snooze_rules": [RULE]}).test_client()
    assert _status(_call(after)) == "fired"
    assert _status(_call(make_app(storage={"url": database_url}).test_client())) == "snoozed", "stored, not deleted"


def test_a_jti_used_on_one_instance_is_refused_by_the_other(postgres):
    url = postgres.create_database()
    one, two = make_app(storage={"url": url}), make_app(storage={"url": url})
    cache_one = one.extensions["imnm_cds"].store.replay_cache()
    cache_two = two.extensions["imnm_cds"].store.replay_cache()
    expires = time.time() + 300
    assert cache_one.seen("jti-42", "https://ehr.example", expires) is False
    assert cache_two.seen("jti-42", "https://ehr.example", expires) is True
    assert cache_two.seen("jti-43", "https://ehr.example", expires) is False
    assert cache_one.seen("jti-43", "https://ehr.example", expires) is True


# --- durability -------------------------------------------------------------------------------------------


def _start(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    # TMPDIR beside the log: a server killed with SIGKILL cannot remove its metrics directory, so it goes with the
    # test's own directory
    env = {**os.environ, "IMNM_CDS_DATABASE_URL": url, "IMNM_CDS_SERVER_WORKERS": "2", "TMPDIR": str(log.parent)}
    env.pop("IMNM_CDS_CONFIG", None)
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], cwd=ROOT, env=env, stdout=out, stderr=out,
                                   start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {log.read_text()[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    pytest.fail(f"server did not become ready: {log.read_text()[-3000:]}")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def test_a_killed_worker_loses_no_acknowledged_feedback(database_url, tmp_path):
    """Post items one by one from a thread; SIGKILL the workers mid-way, then the whole server; restart; every
    item that got a 200 must be in the database."""
    open_store(database_url)  # migrate once up front so start-up time does not eat the test's budget
    port, log = free_port(), tmp_path / "server.log"
    server = _start(database_url, port, log)
    acknowledged: list[str] = []
    failed = 0
    stop = threading.Event()

    def poster() -> None:
        nonlocal failed
        session = requests.Session()
        while not stop.is_set():
            card = str(uuid.uuid4())
            item = {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z"}
            try:
                response = session.post(f"http://127.0.0.1:{port}/cds-services/imnm-order-sign/feedback",
                                        json={"feedback": [item]}, timeout=5)
            except requests.RequestException:
                failed += 1
                session = requests.Session()
                time.sleep(0.05)
                continue
            if response.status_code == 200:
                acknowledged.append(card)

    thread = threading.Thread(target=poster, daemon=True)
    thread.start()
    try:
        _wait_for(lambda: len(acknowledged) >= 30)
        for worker in _children(server.pid):
            os.kill(worker, signal.SIGKILL)  # the master starts new workers; posting goes on
        before = len(acknowledged)
        _wait_for(lambda: len(acknowledged) >= before + 30)
        os.killpg(server.pid, signal.SIGKILL)  # now everything, mid-stream
        server.wait(timeout=10)
        time.sleep(0.3)
        stop.set()
        thread.join(timeout=10)
        server = _start(database_url, port, log)
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        stop.set()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    store = open_store(database_url, migrate=False)
    with store.engine.connect() as connection:
        stored = set(connection.execute(select(Feedback.card_uuid)).scalars())
    lost = [card for card in acknowledged if card not in stored]
    assert len(acknowledged) >= 60 and failed >= 1, (len(acknowledged), failed)
    assert lost == [], f"{len(lost)} acknowledged items lost of {len(acknowledged)}"


def _wait_for(condition, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for feedback acknowledgements")
        time.sleep(0.02)
