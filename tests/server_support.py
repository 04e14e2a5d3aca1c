"""The production server (gunicorn with the project's settings) started for a test, on loopback."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]


def gunicorn_command(port: int, *options: str) -> list[str]:
    """gunicorn as the Dockerfile runs it (service/gunicorn_conf.py), bound to 127.0.0.1:``port``."""
    return [sys.executable, "-m", "gunicorn", "-c", "python:service.gunicorn_conf", "-b", f"127.0.0.1:{port}",
            *options, "service.wsgi:app"]


def open_service_env(database: Path) -> dict[str, str]:
    """This environment without the shell's IMNM_CDS_* settings: authentication off, a SQLite file of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMNM_CDS_")}
    env.update(IMNM_CDS_AUTH_REQUIRED="false", IMNM_CDS_DATABASE_URL=f"sqlite:///{database}", PYTHONPATH=str(ROOT))
    return env


@contextlib.contextmanager
def serving(command: list[str], url: str, **popen: Any) -> Iterator[None]:
    """``command`` running until the block ends, once ``url`` answers."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url, timeout=5)
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{Path(command[0]).name} {' '.join(command[1:3])} did not start")
                time.sleep(0.2)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
