"""The imnm-cds command: evaluate (plain and --explain), fixture, thresholds, config, and the checks serve makes
before it starts gunicorn."""

from __future__ import annotations

import json
import os

import pytest

from service import cli, server


@pytest.fixture()
def request_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # any database the command creates stays in the temp directory
    assert cli.main(["fixture", "r14-fires-order-sign-antibody-coded"]) == 0
    path = tmp_path / "request.json"
    path.write_text(capsys.readouterr().out)
    return path


def test_evaluate_prints_the_cds_hooks_response(request_file, capsys):
    assert cli.main(["evaluate", str(request_file)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert "statin-contraindicated-anti-hmgcr" in [c["source"]["topic"]["code"] for c in body["cards"]]


def test_evaluate_explain_lists_every_rule_with_its_status(request_file, capsys):
    assert cli.main(["evaluate", "--explain", str(request_file)]) == 0
    out = capsys.readouterr().out
    assert "R14 statin-contraindicated-anti-hmgcr: fired (critical)" in out
    assert "R08 mtx-once-weekly-hard-stop: not-fired" in out
    assert "CARD CRITICAL:" in out


def test_evaluate_of_a_bad_request_exits_non_zero(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"hook": "patient-view"}))
    assert cli.main(["evaluate", str(path)]) == 1
    assert json.loads(capsys.readouterr().out)["resourceType"] == "OperationOutcome"


def test_unknown_fixture_and_fixture_list(capsys):
    assert cli.main(["fixture", "no-such-fixture"]) == 2
    assert cli.main(["fixture"]) == 0
    assert "r14-fires-order-sign-antibody-coded" in capsys.readouterr().out


def test_thresholds_prints_the_documented_file(capsys):
    assert cli.main(["thresholds"]) == 0
    assert "[definitions]" in capsys.readouterr().out


def test_config_errors_are_reported_not_raised(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[server]\nport = 'eighty'\n")
    assert cli.main(["config", "--config", str(bad)]) == 2
    assert "server.port must be an integer" in capsys.readouterr().err


def test_serve_refuses_a_public_address_with_authentication_off(capsys, no_gunicorn):
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "configuration error: refusing to listen on 0.0.0.0" in capsys.readouterr().err
    assert no_gunicorn == []


@pytest.fixture()
def no_site_env(monkeypatch):
    """None of this shell's IMNM_CDS_* settings."""
    for name in [name for name in os.environ if name.startswith("IMNM_CDS_")]:
        monkeypatch.delenv(name)


@pytest.fixture()
def no_gunicorn(monkeypatch, no_site_env):
    """`serve` stops before gunicorn starts, or (with good settings) hands these to gunicorn: recorded, not run."""
    served = []
    monkeypatch.setattr(server._Gunicorn, "run", lambda self: served.append(self.settings))
    return served


UNSAFE = {
    "algorithms": ('[auth]\nalgorithms = ["none"]\n', "auth.algorithms: none is not allowed"),
    "cors": ('[cors]\norigins = ["*"]\n', "cors.origins: '*' is refused while [auth] required = true"),
    "jwks_file": ('[server]\npublic_base_url = "https://cds.example.org"\n[[auth.clients]]\n'
                  'iss = "https://ehr.example.org"\njwks_file = "/nonexistent/jwks.json"\n',
                  "auth.clients[0].jwks_file: no such file '/nonexistent/jwks.json'"),
    "sandbox": ("[features]\nsandbox = true\n", "features.sandbox cannot be on with auth.required"),
}


@pytest.mark.parametrize("command", ["serve", "config"])
@pytest.mark.parametrize(("toml", "reason"), UNSAFE.values(), ids=UNSAFE.keys())
def test_serve_and_config_refuse_what_the_service_refuses_at_start_up(tmp_path, capsys, no_gunicorn, command,
                                                                       toml, reason):
    """`serve` used to start gunicorn, whose every worker failed with a traceback (exit 3); `config` exited 0."""
    path = tmp_path / "site.toml"
    path.write_text(toml)
    assert cli.main([command, "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"configuration error: {reason}")
    assert captured.err.count("\n") == 1 and not captured.out
    assert no_gunicorn == []


def test_authentication_on_without_a_file_turns_the_embedded_sandbox_off(no_gunicorn, monkeypatch):
    """The embedded first-look settings keep the sandbox on; with IMNM_CDS_AUTH_REQUIRED=true they failed to boot."""
    assert cli.main(["serve", "--port", "8695"]) == 0
    assert no_gunicorn[-1].features.sandbox and not no_gunicorn[-1].auth.required
    monkeypatch.setenv("IMNM_CDS_AUTH_REQUIRED", "true")
    assert cli.main(["serve", "--port", "8695"]) == 0
    assert not no_gunicorn[-1].features.sandbox and no_gunicorn[-1].auth.required


def test_the_embedded_sandbox_is_refused_with_authentication_only_when_both_are_asked_for(no_gunicorn, monkeypatch,
                                                                                         capsys):
    monkeypatch.setenv("IMNM_CDS_AUTH_REQUIRED", "true")
    monkeypatch.setenv("IMNM_CDS_FEATURES_SANDBOX", "true")
    assert cli.main(["serve", "--port", "8695"]) == 2
    assert "features.sandbox cannot be on with auth.required" in capsys.readouterr().err


def test_config_hides_the_database_password(tmp_path, capsys, no_site_env):
    path = tmp_path / "site.toml"
    path.write_text('[storage]\nurl = "postgresql+psycopg://cds:s3cret@db.example.org/cds"\n')
    assert cli.main(["config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out
    assert json.loads(out)["storage"]["url"] == "postgresql+psycopg://cds:***@db.example.org/cds"


def test_config_shows_an_environment_table_parsed(capsys, no_site_env, monkeypatch):
    monkeypatch.setenv("IMNM_CDS_FEEDBACK_SNOOZE_DAYS_BY_RULE", "giop-bone-protection=14")
    assert cli.main(["config"]) == 0
    assert json.loads(capsys.readouterr().out)["feedback"]["snooze_days_by_rule"] == {"giop-bone-protection": 14}


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read {path}: No such file or directory"),
                                                  ("{not json", "{path} is not a JSON document: ")])
def test_evaluate_of_an_unreadable_file_says_why_in_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "request.json"
    if content is not None:
        path.write_text(content)
    assert cli.main(["evaluate", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(message.format(path=path)) and captured.err.count("\n") == 1
    assert not captured.out
