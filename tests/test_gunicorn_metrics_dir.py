"""The metrics directory gunicorn's master makes for its workers (service/gunicorn_conf.py) lives as long as the
server: every start used to leave one behind in the temporary directory."""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest
import requests

from fhir_fixtures.fake_server import free_port
from service import gunicorn_conf
from service.config import Settings
from tests.server_support import ROOT, gunicorn_command, open_service_env, serving


def _metrics_dirs(directory: Path) -> list[Path]:
    return sorted(directory.glob("imnm-cds-metrics-*"))


@pytest.mark.parametrize("started_by", ["dockerfile", "imnm-cds serve"])
def test_the_server_removes_the_metrics_directory_it_made_when_it_stops(tmp_path: Path, started_by: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = open_service_env(tmp_path / "db.sqlite3")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env["TMPDIR"] = str(scratch)  # where tempfile.mkdtemp makes it
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = (gunicorn_command(port, "-w", "2") if started_by == "dockerfile"
               else [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)])
    with serving(command, f"{url}/healthz", cwd=ROOT, env=env):
        assert requests.get(f"{url}/metrics", timeout=5).status_code == 200
        made = _metrics_dirs(scratch)
        assert len(made) == 1 and any(made[0].iterdir())  # in use: the workers' value files
    assert _metrics_dirs(scratch) == []


def test_an_operator_s_metrics_directory_is_kept(tmp_path: Path) -> None:
    chosen = tmp_path / "metrics"
    chosen.mkdir()
    env = open_service_env(tmp_path / "db.sqlite3")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(chosen)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serving(gunicorn_command(port, "-w", "1"), f"{url}/healthz", cwd=ROOT, env=env):
        assert requests.get(f"{url}/metrics", timeout=5).status_code == 200
    assert chosen.is_dir() and any(chosen.iterdir())


@pytest.mark.parametrize(("reexec_pid", "kept"), [(0, False), (4242, True)])
def test_a_directory_a_new_master_inherited_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    reexec_pid: int, kept: bool) -> None:
    """After USR2 the new master runs on the old one's directory (it inherited the variable): the old master, on
    its way out, must not remove it."""
    # set through monkeypatch (empty: none chosen), so that what on_starting writes there is undone after the test:
    # a variable left naming the removed directory broke every later server the tests start
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(gunicorn_conf, "_metrics_dir_made", None)
    monkeypatch.setattr("tempfile.tempdir", None)  # tempfile caches the directory it chose first
    # as `imnm-cds serve`'s master: its app carries the settings it checked, so on_starting checks nothing again
    master = types.SimpleNamespace(reexec_pid=reexec_pid, app=types.SimpleNamespace(settings=Settings()))
    gunicorn_conf.on_starting(master)
    made = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert made.parent == tmp_path
    gunicorn_conf.on_exit(master)
    assert made.is_dir() is kept
