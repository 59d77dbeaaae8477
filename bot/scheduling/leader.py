"""One scheduler per deployment: which process fires the timed events.

On PostgreSQL the leader is the process that holds a session-level advisory
lock (`pg_try_advisory_lock`) on a connection of its own, kept open for as
long as it leads. The others stand by and try again every few seconds; when
the leader dies its connection closes, PostgreSQL frees the lock and the
next standby to try takes over. A leader that finds its own connection gone
(the database restarted, the backend was killed) steps down at once and
tries again like any standby. On SQLite there is one process, and it always
leads.

Leadership only decides who wakes up to fire; claiming the due events stays
safe on its own (`bot.timers.claim_due`), so a short overlap while a dead
leader is being noticed never sends a check-in twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

# The advisory lock the scheduler leader holds: b"tether:s" as a bigint.
SCHEDULER_LOCK_KEY = int.from_bytes(b"tether:s", "big")


class Leadership:
    """Whether this process leads the scheduler; `check` keeps it current.

    Thread-safe: the app calls `check` from worker threads.
    """

    def __init__(self, engine: Engine, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._always = engine.dialect.name != "postgresql"
        self._conn: Connection | None = None
        self._guard = threading.Lock()

    @property
    def is_leader(self) -> bool:
        """The last known state (no database round trip)."""
        return self._always or self._conn is not None

    @property
    def role(self) -> str:
        """"leader" or "standby", for /healthz and the logs."""
        return "leader" if self.is_leader else "standby"

    def check(self) -> bool:
        """Confirm the lock is still held, or try to take it; True when leading.

        One round trip either way. Database errors mean "not leading now"."""
        if self._always:
            return True
        with self._guard:
            if self._conn is not None:
                if self._alive(self._conn):
                    return True
                log.warning("scheduler: lost the leader lock's connection; standing by")
                self._drop()
            return self._try_acquire()

    def release(self) -> None:
        """Give up leadership (at shutdown): unlock and close the connection."""
        with self._guard:
            if self._conn is None:
                return
            with contextlib.suppress(DBAPIError):  # a dead connection took the lock with it
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            self._drop()
            log.info("scheduler: released leadership")

    def _try_acquire(self) -> bool:
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError as exc:
            log.warning("scheduler: cannot reach the database to take the lead: %s", exc)
            return False
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"),
                                   {"key": self._key}))
        except DBAPIError as exc:
            log.warning("scheduler: trying the leader lock failed: %s", exc)
            conn.invalidate()
            conn.close()
            return False
        if not got:
            conn.close()
            return False
        self._conn = conn
        log.info("scheduler: this process is now the leader")
        return True

    @staticmethod
    def _alive(conn: Connection) -> bool:
        try:
            conn.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(DBAPIError):
            conn.invalidate()  # never hand a connection that held the lock back to the pool
            conn.close()
