"""A throw-away PostgreSQL server on loopback for the storage tests (initdb into a temp dir, pg_ctl start).

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system user (``runuser``).
``IMNM_CDS_TEST_POSTGRES_URL`` (an admin URL such as ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
uses an existing server instead. With ``IMNM_CDS_TEST_REQUIRE_POSTGRES=1`` (CI can set it) a server that
cannot be started fails the tests instead of skipping them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from fhir_fixtures.fake_server import free_port


class PostgresUnavailable(RuntimeError):
    pass


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailable("no PostgreSQL server binaries (apt-get install postgresql; scripts/test.sh does)")


@dataclass
class PostgresServer:
    admin_url: str  # psycopg URL of the 'postgres' database, superuser
    host: str
    port: int
    user: str

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{name}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = f"imnm_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.database_url(name)


def _run_as(user: str | None, argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)  # type: ignore


@contextmanager
def local_server() -> Iterator[PostgresServer]:
    """Start a private server on a free loopback port; stop it and delete its files afterwards."""
    external = os.environ.get("IMNM_CDS_TEST_POSTGRES_URL")
    if external:
        from sqlalchemy.engine import make_url

        url = make_url(external)
        yield PostgresServer(external, url.host or "127.0.0.1", url.port or 5432, url.username or "postgres")
        return
    bin_dir = _binaries()
    run_user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise PostgresUnavailable("running as root and there is no 'postgres' user to run the server as") from exc
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root and runuser is missing")
        run_user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="imnm-pg-"))
    data, sockets, log = base / "data", base / "sock", base / "server.log"
    sockets.mkdir()
    if run_user:
        entry = pwd.getpwnam(run_user)
        for path in (base, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    port = free_port()
    try:
        result = _run_as(run_user, [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                    "-E", "UTF8", "--no-sync"])
        if result.returncode:
            raise PostgresUnavailable(f"initdb failed: {result.stderr.strip()[-500:]}")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
        result = _run_as(run_user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
                                    "-w", "-t", "60", "start"])
        if result.returncode:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else result.stderr
            raise PostgresUnavailable(f"pg_ctl start failed: {tail.strip()}")
        server = PostgresServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", "127.0.0.1", port,
                                "postgres")
        _wait(server)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            _run_as(run_user, [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def _wait(server: PostgresServer, seconds: float = 30) -> None:
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(server.admin_url.replace("postgresql+psycopg://", "postgresql://"),
                                 connect_timeout=2):
                return
        except psycopg.OperationalError as exc:
            if time.monotonic() > deadline:
                raise PostgresUnavailable(f"server did not accept connections: {exc}") from exc
            time.sleep(0.2)


_state: dict[str, object] = {}


def session_server(request: pytest.FixtureRequest) -> PostgresServer:
    """The one server for the whole test session (started on first use, stopped at the end of the session)."""
    if "server" in _state:
        return _state["server"]  # type: ignore[return-value]
    if "error" in _state:
        _skip_or_fail(str(_state["error"]))
    manager = local_server()
    try:
        server = manager.__enter__()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        _state["error"] = exc
        _skip_or_fail(str(exc))

    def stop() -> None:
        with suppress(Exception):
            manager.__exit__(None, None, None)
        _state.clear()

    request.session.config.add_cleanup(stop)
    _state["server"] = server
    return server


def _skip_or_fail(reason: str) -> None:
    message = f"PostgreSQL could not be started on loopback, so the PostgreSQL storage tests cannot run: {reason}"
    if os.environ.get("IMNM_CDS_TEST_REQUIRE_POSTGRES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres(request: pytest.FixtureRequest) -> PostgresServer:
    return session_server(request)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs twice: on a SQLite file and on a fresh database of the loopback PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'imnm-cds.sqlite3'}"
    return session_server(request).create_database()
