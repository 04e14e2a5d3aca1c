"""The imnm-cds command: evaluate (plain and --explain), fixture, thresholds, config, and serve's loopback guard."""

from __future__ import annotations

import json

import pytest

from service import cli


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


def test_serve_refuses_a_public_address_with_authentication_off(capsys):
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert "refusing" in capsys.readouterr().err
