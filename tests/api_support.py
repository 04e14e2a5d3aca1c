"""Helpers for tests that go through the HTTP layer (Flask test client, auth off unless a test turns it on)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

from service.app import create_app
from service.config import Settings
from tests.conftest import assert_valid_response

# One throw-away SQLite database per test process, so tests never write into the working directory (the directory
# goes when the process exits: TemporaryDirectory's finalizer).
_SCRATCH = tempfile.TemporaryDirectory(prefix="imnm-cds-tests-")
_DATABASE = Path(_SCRATCH.name) / "test.sqlite3"


def make_app(**sections: dict[str, Any]) -> Flask:
    overrides: dict[str, dict[str, Any]] = {"auth": {"required": False}, "fhir": {"allow_http": True},
                                            "storage": {"url": f"sqlite:///{_DATABASE}"}}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return create_app(Settings.load(None, env={}, overrides=overrides))


def post(client: Any, service: str, body: Any, **kwargs: Any) -> Any:
    response = client.post(f"/cds-services/{service}", json=body, **kwargs)
    if response.status_code == 200:
        assert_valid_response(response.get_json())
    return response
