"""JWT values that no database or log line can hold as they are (NUL, a lone UTF-16 surrogate, control
characters): a token carrying one is refused 401 before the jti replay table is consulted, never a 503 from a
failed write (or, on SQLite, stored). Contract section 5: an invalid JWT is a 401 with no detail in the body.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.auth import Unauthorized
from service.config import ConfigError, Settings
from service.jwt_auth import ISS_MAX_CHARS, JTI_MAX_CHARS, JwtAuthenticator
from service.storage import open_store
from service.storage.models import AuditCall, Feedback, JwtReplay, Snooze
from tests import pg_support
from tests import security_support as sec

database_url = pg_support.database_url  # fixtures: the end-to-end test runs on SQLite and on PostgreSQL
postgres = pg_support.postgres

UNAUTHORIZED_BODY = {"resourceType": "OperationOutcome",
                     "issue": [{"severity": "error", "code": "login", "diagnostics": "Unauthorized"}]}
KEY = sec.ec_key("text-key")
# NUL: PostgreSQL text cannot hold it (psycopg DataError, then 503); a lone surrogate: UTF-8 cannot encode it
# (UnicodeEncodeError in either driver, then 503); an escape sequence: printable nowhere.
UNSTORABLE = {"NUL": "a\x00b", "lone surrogate": "a\ud800b", "terminal escape": "\x1b[2Jx"}


def _settings(folder: Path) -> Settings:
    """Authentication on, one client (sec.ISS) signing with KEY."""
    return sec.settings([{"iss": sec.ISS, "jwks_file": sec.jwks_file(folder, KEY)}])


def _replay_rows(store: Any) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(JwtReplay)).scalar_one()


@pytest.fixture
def app_client(database_url: str, tmp_path: Path) -> tuple[FlaskClient, Any]:
    store = open_store(database_url)
    settings = _settings(tmp_path)
    return sec.make_app(settings, store=store).test_client(), store


@pytest.mark.parametrize("jti", list(UNSTORABLE.values()), ids=list(UNSTORABLE))
def test_a_jti_no_database_can_hold_is_a_401_and_never_reaches_the_replay_table(
        app_client: tuple[FlaskClient, Any], jti: str, caplog: pytest.LogCaptureFixture) -> None:
    client, store = app_client
    with caplog.at_level(logging.WARNING):
        response = client.get("/cds-services", headers=sec.bearer(sec.mint(KEY, aud=sec.DISCOVERY_AUD, jti=jti)))
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json() == UNAUTHORIZED_BODY
    assert "jti is not printable text" in caplog.text
    assert _replay_rows(store) == 0
    # the same database takes an ordinary jti: the refusal above is the check's, not a broken table's
    ordinary = client.get("/cds-services", headers=sec.bearer(sec.mint(KEY, aud=sec.DISCOVERY_AUD)))
    assert ordinary.status_code == 200
    assert _replay_rows(store) == 1


class _SpyReplayCache:
    def __init__(self) -> None:
        self.jtis: list[str] = []

    def seen(self, jti: str, iss: str, expires_at: float) -> bool:
        self.jtis.append(jti)
        return False


@pytest.mark.parametrize("jti", [*UNSTORABLE.values(), "tab\there", "zero\u200bwidth"],
                         ids=[*UNSTORABLE, "tab", "format character"])
def test_the_jti_is_refused_before_the_replay_cache_is_asked(tmp_path: Path, jti: str) -> None:
    spy = _SpyReplayCache()
    settings = _settings(tmp_path)
    authenticator = JwtAuthenticator(settings, replay_cache=spy)
    with pytest.raises(Unauthorized, match="jti is not printable text"):
        authenticator.authenticate(f"Bearer {sec.mint(KEY, jti=jti)}", sec.PATIENT_VIEW_AUD)
    accepted = ["0b9f3c2e-uuid", "é-non-ASCII but printable", "with space"]
    for ordinary in accepted:
        authenticator.authenticate(f"Bearer {sec.mint(KEY, jti=ordinary)}", sec.PATIENT_VIEW_AUD)
    assert spy.jtis == accepted


@pytest.mark.parametrize("where", ["kid", "iss"])
@pytest.mark.parametrize("value", list(UNSTORABLE.values()), ids=list(UNSTORABLE))
def test_an_unstorable_kid_or_iss_is_a_401_and_logged_escaped(
        tmp_path: Path, where: str, value: str, caplog: pytest.LogCaptureFixture) -> None:
    """Neither is stored (the stored client is the configured iss the token's must equal); both reach the log
    line of the refusal, escaped."""
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    settings = _settings(tmp_path)
    client = sec.make_app(settings, store=store).test_client()
    token = (sec.mint(KEY, aud=sec.DISCOVERY_AUD, headers={"kid": value}) if where == "kid"
             else sec.mint(KEY, aud=sec.DISCOVERY_AUD, iss=value))
    with caplog.at_level(logging.WARNING):
        response = client.get("/cds-services", headers=sec.bearer(token))
    assert response.status_code == 401 and response.get_json() == UNAUTHORIZED_BODY
    assert repr(value) in caplog.text and value not in caplog.text
    assert _replay_rows(store) == 0


@pytest.mark.parametrize("iss", ["https://ehr.example.org/\x00", "https://ehr.example.org/\ud800",
                                 "https://ehr.example.org/" + "a" * ISS_MAX_CHARS],
                         ids=["NUL", "lone surrogate", "too long"])
def test_a_configured_iss_no_database_can_hold_is_refused_at_start_up(tmp_path: Path, iss: str) -> None:
    """The configured iss is what is stored with every call, feedback item and jti of that client."""
    settings = sec.settings([{"iss": iss, "jwks_file": sec.jwks_file(tmp_path, KEY)}])
    with pytest.raises(ConfigError, match="iss must be printable text"):
        sec.make_app(settings)


def test_the_length_limits_are_the_database_columns() -> None:
    assert JwtReplay.__table__.c.jti.type.length == JTI_MAX_CHARS  # type: ignore[attr-defined]
    for column in (JwtReplay.__table__.c.iss, AuditCall.__table__.c.client, Feedback.__table__.c.client,
                  Snooze.__table__.c.client):
        assert column.type.length == ISS_MAX_CHARS  # type: ignore[attr-defined]


def test_a_jti_of_the_longest_storable_length_is_accepted(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    authenticator = JwtAuthenticator(settings, replay_cache=store.replay_cache())
    longest = (uuid.uuid4().hex * 8)[:JTI_MAX_CHARS]
    authenticator.authenticate(f"Bearer {sec.mint(KEY, jti=longest)}", sec.PATIENT_VIEW_AUD)
    with pytest.raises(Unauthorized, match="too long"):
        authenticator.authenticate(f"Bearer {sec.mint(KEY, jti=longest + 'x')}", sec.PATIENT_VIEW_AUD)
