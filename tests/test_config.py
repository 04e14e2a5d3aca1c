"""Configuration: values checked as they load (feedback tables from the environment, rule ids, reason codes, the
database URL), the start-up checks every way of starting the service runs (service.config.check_startup), and
gunicorn's config module reading the same effective settings as the app it serves."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gunicorn.config import Config

from service import server
from service.app import create_app
from service.config import ConfigError, Settings, check_listening, check_startup
from service.store import NullStore
from tests.server_support import ROOT, open_service_env

GUNICORN_CONF = ROOT / "service" / "gunicorn_conf.py"


def _load(tmp_path: Path, toml: str = "", **env: str) -> Settings:
    path = tmp_path / "site.toml"
    path.write_text(toml)
    return Settings.load(path, env=env)


# ---------------------------------------------------------------- feedback tables and names


def test_feedback_tables_from_the_environment_are_parsed_as_they_load(tmp_path: Path) -> None:
    settings = _load(tmp_path, IMNM_CDS_FEEDBACK_SNOOZE_DAYS_BY_RULE=(
        "giop-bone-protection=14, pjp-prophylaxis-missing/patient-declined = 30"))
    assert settings.feedback.snooze_days_by_rule == {"giop-bone-protection": 14,
                                                     "pjp-prophylaxis-missing/patient-declined": 30}


@pytest.mark.parametrize(("raw", "message"), [
    ("giop-bone-protection", "cannot read 'giop-bone-protection'; write key=days,key=days"),
    ("giop-bone-protection=two", "giop-bone-protection = 'two' is not a whole number of days"),
    ("=3", "cannot read '=3'"),
])
def test_a_malformed_environment_table_is_refused_naming_the_variable(tmp_path: Path, raw: str,
                                                                       message: str) -> None:
    with pytest.raises(ConfigError, match="IMNM_CDS_FEEDBACK_SNOOZE_DAYS_BY_RULE: ") as refused:
        _load(tmp_path, IMNM_CDS_FEEDBACK_SNOOZE_DAYS_BY_RULE=raw)
    assert message in str(refused.value)


@pytest.mark.parametrize("table", ['{giop-bone-protection = "14"}', "{giop-bone-protection = -1}",
                                   "{giop-bone-protection = true}", '"giop-bone-protection=14"'])
def test_a_feedback_table_holds_whole_numbers_of_days(tmp_path: Path, table: str) -> None:
    with pytest.raises(ConfigError, match=r"feedback\.snooze_days_by_rule must be a table of whole numbers of days"):
        _load(tmp_path, f"[feedback]\nsnooze_days_by_rule = {table}\n")


@pytest.mark.parametrize(("line", "message"), [
    ('never_snooze_rules = ["giop-bone-protecton"]',
     "feedback.never_snooze_rules: unknown rule id 'giop-bone-protecton' (did you mean 'giop-bone-protection'?)"),
    ('snooze_days_by_rule = {"giop-bone-protectoin" = 14}',
     "feedback.snooze_days_by_rule: unknown rule id 'giop-bone-protectoin'"),
    ('snooze_days_by_rule = {"giop-bone-protection/patient-decline" = 14}',
     "unknown override reason code 'patient-decline' (did you mean 'patient-declined'?) in "
     "'giop-bone-protection/patient-decline'"),
    ('snooze_days_by_rule = {"giop-bone-protection/" = 14}', "unknown override reason code ''"),
    ("snooze_days_by_reason = {declined = 14}", "feedback.snooze_days_by_reason: unknown override reason code"),
])
def test_unknown_rule_ids_and_reason_codes_are_refused(tmp_path: Path, line: str, message: str) -> None:
    """A misspelt name used to be accepted and leave its rule snoozable; the thresholds file refuses them too."""
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, f"[feedback]\n{line}\n")
    assert message in str(refused.value)
    assert str(refused.value).startswith(f"{tmp_path / 'site.toml'} [feedback]: ")


def test_unknown_names_from_the_environment_are_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"IMNM_CDS_FEEDBACK_NEVER_SNOOZE_RULES: .*unknown rule id 'r25'"):
        _load(tmp_path, IMNM_CDS_FEEDBACK_NEVER_SNOOZE_RULES="giop-bone-protection,r25")


def test_a_site_s_reason_days_merge_over_the_defaults(tmp_path: Path) -> None:
    """Setting one reason used to replace the whole table: patient-declined fell from 90 days to the default 30."""
    defaults = Settings().feedback.snooze_days_by_reason
    settings = _load(tmp_path, "[feedback]\nsnooze_days_by_reason = {data-incorrect = 1}\n",
                     IMNM_CDS_FEEDBACK_SNOOZE_DAYS_BY_REASON="specialist-directed=10")
    assert settings.feedback.snooze_days_by_reason == {**defaults, "data-incorrect": 1, "specialist-directed": 10}
    assert settings.feedback.snooze_days_by_reason["patient-declined"] == 90


# ---------------------------------------------------------------- file, database URL, printing


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read .*site.toml: No such file or directory"),
                                                  ("[server\n", "site.toml is not valid TOML: ")])
def test_a_missing_or_broken_file_is_a_configuration_error(tmp_path: Path, content: str | None,
                                                           message: str) -> None:
    if content is not None:
        (tmp_path / "site.toml").write_text(content)
    with pytest.raises(ConfigError, match=message):
        Settings.load(tmp_path / "site.toml", env={})


def test_the_printable_settings_hide_the_database_password(tmp_path: Path) -> None:
    settings = _load(tmp_path, '[storage]\nurl = "postgresql+psycopg://cds:s3cret@db.example.org/cds"\n')
    assert settings.printable()["storage"]["url"] == "postgresql+psycopg://cds:***@db.example.org/cds"
    settings = _load(tmp_path, IMNM_CDS_DATABASE_URL="postgresql+psycopg://cds:an0ther@db/cds")
    assert "an0ther" not in str(settings.printable())
    assert settings.storage.url == "postgresql+psycopg://cds:an0ther@db/cds"  # the service still connects with it


def test_a_database_url_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"IMNM_CDS_DATABASE_URL: storage\.url: not a database URL"):
        _load(tmp_path, IMNM_CDS_DATABASE_URL="cds:s3cret at db")


# ---------------------------------------------------------------- start-up checks


@pytest.fixture()
def jwks_file(tmp_path: Path) -> str:
    path = tmp_path / "jwks.json"
    path.write_text('{"keys": []}')
    return str(path)


CLIENT = {"iss": "https://ehr.example.org", "fhir_servers": ["https://ehr.example.org/fhir"]}
UNSAFE: dict[str, dict[str, dict[str, Any]]] = {
    "algorithm none": {"auth": {"algorithms": ["none"]}},
    "cors *": {"cors": {"origins": ["*"]}},
    "missing jwks_file": {"server": {"public_base_url": "https://cds.example.org"},
                          "auth": {"clients": [{**CLIENT, "jwks_file": "/nonexistent/jwks.json"}]}},
    "sandbox with auth": {"features": {"sandbox": True}},
    "no public_base_url": {"auth": {"clients": [{**CLIENT, "jwks_url": "https://ehr.example.org/jwks"}]}},
    "time zone": {"server": {"timezone": "Europe/Atlantis"}},
    "thresholds file": {"clinical": {"thresholds_file": "/nonexistent/thresholds.toml"}},
}


@pytest.mark.parametrize("overrides", UNSAFE.values(), ids=UNSAFE.keys())
def test_check_startup_refuses_what_the_app_refuses(overrides: dict[str, dict[str, Any]]) -> None:
    """The same checks as create_app, so that serve, config and gunicorn's master refuse before any worker does."""
    settings = Settings.load(None, env={}, overrides=overrides)
    with pytest.raises(ConfigError):
        check_startup(settings)
    with pytest.raises((ValueError, LookupError, OSError)):  # ConfigError, or knowledge.load's or zoneinfo's own
        create_app(settings, store=NullStore())


def test_check_startup_passes_what_the_app_accepts(jwks_file: str) -> None:
    settings = Settings.load(None, env={}, overrides={
        "server": {"public_base_url": "https://cds.example.org"},
        "auth": {"clients": [{**CLIENT, "jwks_file": jwks_file}]},
        "cors": {"origins": ["https://sandbox.cds-hooks.org"]}})
    check_startup(settings)
    create_app(settings, store=NullStore())


@pytest.mark.parametrize(("required", "host", "refused"), [
    (False, "0.0.0.0", True), (False, "127.0.0.1", False), (False, "localhost", False), (False, "::1", False),
    (True, "0.0.0.0", False)])
def test_authentication_off_listens_on_loopback_only(required: bool, host: str, refused: bool) -> None:
    settings = Settings.load(None, env={}, overrides={"auth": {"required": required}})
    if refused:
        with pytest.raises(ConfigError, match=f"refusing to listen on {host} with authentication off"):
            check_listening(settings, [host])
    else:
        check_listening(settings, [host])


# ---------------------------------------------------------------- gunicorn (the Dockerfile's command)


def _gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """service/gunicorn_conf.py's settings as gunicorn reads them, with only ``env`` of the IMNM_CDS_* variables."""
    for name in [name for name in os.environ if name.startswith("IMNM_CDS_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_reads_server_from_the_configuration_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It read only IMNM_CDS_SERVER_* variables: `workers = 1` in the mounted file still booted 2 workers."""
    (tmp_path / "site.toml").write_text("[server]\nhost = '0.0.0.0'\nport = 8690\nworkers = 1\nthreads = 8\n")
    conf = _gunicorn_conf(monkeypatch, IMNM_CDS_CONFIG=str(tmp_path / "site.toml"))
    assert (conf["bind"], conf["workers"], conf["threads"]) == ("0.0.0.0:8690", 1, 8)
    conf = _gunicorn_conf(monkeypatch, IMNM_CDS_CONFIG=str(tmp_path / "site.toml"), IMNM_CDS_SERVER_PORT="8691")
    assert conf["bind"] == "0.0.0.0:8691"  # the environment over the file, as for the app


def _gunicorn_refusal(env: dict[str, str], bind: str) -> subprocess.CompletedProcess[str]:
    """gunicorn as the Dockerfile runs it; a refusal comes before it binds, so nothing listens on ``bind``."""
    return subprocess.run([sys.executable, "-m", "gunicorn", "-c", "python:service.gunicorn_conf", "-b", bind,
                           "service.wsgi:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_gunicorn_refuses_authentication_off_beyond_loopback(tmp_path: Path) -> None:
    """`docker run -e IMNM_CDS_AUTH_REQUIRED=false` served every caller on 0.0.0.0; only `imnm-cds serve` refused."""
    done = _gunicorn_refusal(open_service_env(tmp_path / "db.sqlite3"), "0.0.0.0:8692")
    assert done.returncode == 2
    assert ("configuration error: refusing to listen on 0.0.0.0 with authentication off; use 127.0.0.1 or "
            "configure [auth]") in done.stderr


def test_gunicorn_refuses_a_bad_configuration_before_any_worker(tmp_path: Path) -> None:
    """It was a traceback from every worker, 'Worker failed to boot', exit 3."""
    (tmp_path / "site.toml").write_text('[auth]\nalgorithms = ["none"]\n')
    env = {**open_service_env(tmp_path / "db.sqlite3"), "IMNM_CDS_CONFIG": str(tmp_path / "site.toml")}
    del env["IMNM_CDS_AUTH_REQUIRED"]
    done = _gunicorn_refusal(env, "127.0.0.1:8693")
    assert done.returncode == 2
    assert "configuration error: auth.algorithms: none is not allowed" in done.stderr
    assert "Traceback" not in done.stderr and "Booting worker" not in done.stderr


@pytest.mark.skipif("control_socket_disable" not in Config().settings, reason="gunicorn < 25.1 has no control socket")
def test_gunicorn_opens_no_control_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn 25.1+ made one at ~/.gunicorn/gunicorn.ctl: shared by every instance, an error without a home."""
    assert _gunicorn_conf(monkeypatch)["control_socket_disable"] is True
    served = server.application(Settings.load(None, env={}, overrides={"auth": {"required": False}}),
                                "127.0.0.1", 8694)
    assert served.cfg.control_socket_disable is True
