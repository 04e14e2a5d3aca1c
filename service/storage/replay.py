"""The JWT ``jti`` replay cache in the shared database (the security layer's ``ReplayCache`` interface).

An in-memory cache only catches a replay sent to the same worker; this one catches it on any worker of any
replica, because the check is one atomic statement against the shared table:
``INSERT ... ON CONFLICT DO NOTHING`` claims a new (iss, jti); if the row exists, a conditional ``UPDATE``
reclaims it only when the earlier token has expired. Exactly one of several concurrent callers wins.
The check is in every authenticated call's path, so it runs on the database driver (``driver_sql``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete

from service import metrics
from service.auth import ReplayCheckUnavailable
from service.storage.database import driver_write_transaction
from service.storage.driver_sql import DriverSql
from service.storage.models import JwtReplay

log = logging.getLogger(__name__)


class SqlReplayCache:
    """``seen(jti, iss, expires_at) -> bool``: True when (iss, jti) was already recorded and is still live."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time, purge_every: int = 1000) -> None:
        self._engine = engine
        self._clock = clock
        self._purge_every = purge_every
        self._count = 0
        self._lock = threading.Lock()
        self._driver = driver = DriverSql(engine)
        mark = driver.placeholder
        self._claim = ("INSERT INTO jwt_replay (iss, jti, expires_at) "
                       f"VALUES ({mark('iss')}, {mark('jti')}, {mark('expires_at')}) "
                       "ON CONFLICT (iss, jti) DO NOTHING RETURNING jti")
        self._reclaim = (f"UPDATE jwt_replay SET expires_at = {mark('expires_at')} "
                         f"WHERE iss = {mark('iss')} AND jti = {mark('jti')} AND expires_at < {mark('now')}")

    def seen(self, jti: str, iss: str, expires_at: float) -> bool:
        now = self._clock()
        try:
            # Not durable against a power cut (see write_transaction): the check is in every call's path, and a
            # jti forgotten that way could be replayed only until its token expires minutes later.
            with driver_write_transaction(self._engine, durable=False) as cursor:
                cursor.execute(self._claim, {"iss": iss, "jti": jti, "expires_at": expires_at})
                claimed = cursor.fetchone() is not None
                if not claimed:
                    cursor.execute(self._reclaim, {"iss": iss, "jti": jti, "expires_at": expires_at, "now": now})
                    claimed = cursor.rowcount > 0
        except self._driver.errors as exc:
            raise ReplayCheckUnavailable(f"replay cache database: {exc.__class__.__name__}") from exc
        self._maybe_purge(now)
        return not claimed

    def purge(self, now: float | None = None) -> int:
        """Forget entries whose tokens can no longer be accepted anyway; returns how many."""
        now = self._clock() if now is None else now
        with self._engine.begin() as connection:
            return connection.execute(delete(JwtReplay).where(JwtReplay.expires_at < now)).rowcount

    def _maybe_purge(self, now: float) -> None:
        """Housekeeping after the check has committed: a failure here is logged, never the caller's problem."""
        with self._lock:
            self._count += 1
            due = self._count >= self._purge_every
            if due:
                self._count = 0
        if due:
            try:
                self.purge(now)
            except self._driver.errors:
                log.exception("purging expired jtis failed; the next purge will take them")
                metrics.STORAGE_ERRORS.labels("replay_purge").inc()
