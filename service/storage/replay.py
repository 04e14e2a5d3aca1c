"""The JWT ``jti`` replay cache in the shared database (the security layer's ``ReplayCache`` interface).

An in-memory cache only catches a replay sent to the same worker; this one catches it on any worker of any
replica, because the check is one atomic statement against the shared table:
``INSERT ... ON CONFLICT DO NOTHING`` claims a new (iss, jti); if the row exists, a conditional ``UPDATE``
reclaims it only when the earlier token has expired. Exactly one of several concurrent callers wins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from service.storage.database import write_transaction
from service.storage.models import JwtReplay


class SqlReplayCache:
    """``seen(jti, iss, expires_at) -> bool``: True when (iss, jti) was already recorded and is still live."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time, purge_every: int = 1000) -> None:
        self._engine = engine
        self._clock = clock
        self._purge_every = purge_every
        self._count = 0
        self._lock = threading.Lock()
        dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
        self._insert = dialect.insert

    def seen(self, jti: str, iss: str, expires_at: float) -> bool:
        now = self._clock()
        # Not durable against a power cut (see write_transaction): the check is in every call's path, and a jti
        # forgotten that way could be replayed only until its token expires minutes later.
        with write_transaction(self._engine, durable=False) as connection:
            claimed = connection.execute(
                self._insert(JwtReplay).values(iss=iss, jti=jti, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=["iss", "jti"]).returning(JwtReplay.jti)).first() is not None
            if not claimed:
                claimed = connection.execute(
                    update(JwtReplay).where(JwtReplay.iss == iss, JwtReplay.jti == jti,
                                            JwtReplay.expires_at < now).values(expires_at=expires_at)).rowcount > 0
        self._maybe_purge(now)
        return not claimed

    def purge(self, now: float | None = None) -> int:
        """Forget entries whose tokens can no longer be accepted anyway; returns how many."""
        now = self._clock() if now is None else now
        with self._engine.begin() as connection:
            return connection.execute(delete(JwtReplay).where(JwtReplay.expires_at < now)).rowcount

    def _maybe_purge(self, now: float) -> None:
        with self._lock:
            self._count += 1
            due = self._count >= self._purge_every
            if due:
                self._count = 0
        if due:
            self.purge(now)
