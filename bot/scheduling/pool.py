"""Firing a backlog of due events in several processes (PostgreSQL).

One process leads the scheduler (`bot.scheduling.leader`) and decides when to
fire. A morning's wave of check-ins costs about a millisecond of one core per
check-in (the ORM, the database driver and the flow engine), and threads
sharing one interpreter do not fire it faster. So when more is due than a
round in its own process fires, the leader hands the round to a pool of
firing processes, one per core unless `TETHER_FIRING_PROCESSES` says
otherwise, and fires in its own process again once the backlog is gone.

Each firing process claims its own batches with `FOR UPDATE SKIP LOCKED`
(`bot.timers.claim_due`), exactly as two app processes firing at once would,
so no event fires twice. A process that dies mid-batch takes its transaction
with it: the batch is pending again, the leader fires that round itself and
starts a fresh pool when it next needs one. A firing process whose leader has
died exits within a second. The leader checks its lock between rounds as
before; the pool only lends it cores. SQLite has one writer, so there the app
always fires in its own process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import get_context
from multiprocessing.synchronize import Barrier

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.escalation.risk import DetectorOnDemand
from bot.services import Services, build_services
from bot.store.db import make_engine, session_factory
from bot.store.models import TimedEvent
from bot.timers import ROUND_LIMIT, fire_due, fire_due_together, firing_threads

log = logging.getLogger(__name__)

PARENT_CHECK_SECONDS = 1.0
START_TIMEOUT_SECONDS = 120.0


def firing_processes(settings: Settings, engine: Engine) -> int:
    """How many processes fire a backlog: 1 (the app's own) on SQLite;
    on PostgreSQL the setting, or one per core when it is 0."""
    if engine.dialect.name != "postgresql":
        return 1
    return settings.firing_processes or os.cpu_count() or 1


@dataclass
class _Worker:
    sessions: sessionmaker[Session]
    services: Services


_worker: _Worker | None = None


def _start_worker(settings: Settings, parent: int, started: Barrier) -> None:
    """In each firing process, once: its own engine and services. The risk
    detector is built only if something asks for it; firing timers reads no
    client's text. Waits for the pool's other processes, so that the pool is
    ready only when every process is."""
    global _worker
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s firer %(process)d %(name)s: "
                                   "%(message)s")
    engine = make_engine(settings.database_url)
    _worker = _Worker(session_factory(engine),
                      build_services(settings, risk=DetectorOnDemand()))
    threading.Thread(target=_exit_with, args=(parent,), daemon=True,
                     name="tether-firer-parent").start()
    started.wait(START_TIMEOUT_SECONDS)


def _exit_with(parent: int) -> None:
    """Leave when the leader is gone (its pipe to us may stay open in this process)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _started() -> None:
    """A no-op: done once the processes have started."""


def _fire_round(now: datetime, limit: int) -> tuple[int, int]:
    """One round in a firing process: (its pid, how many events it fired)."""
    assert _worker is not None, "the firing process was not started"
    return os.getpid(), fire_due(_worker.sessions, _worker.services, now, limit)


class FiringPool:
    """`processes` firing processes, started on demand (`start`) and kept until
    `close`."""

    def __init__(self, settings: Settings, processes: int) -> None:
        self.settings = settings
        self.processes = processes
        self.last_round: dict[int, int] = {}  # pid -> events it fired in the last round
        self.closed = False
        self._executor: ProcessPoolExecutor | None = None
        self._started: list[Future[None]] = []

    def start(self) -> None:
        """Start the processes in the background, unless started or closed."""
        if self._executor is not None or self.closed:
            return
        log.info("scheduler: starting %d firing processes for a backlog", self.processes)
        context = get_context("spawn")
        self._executor = ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_start_worker,
            initargs=(self.settings, os.getpid(), context.Barrier(self.processes)))
        self._started = [self._executor.submit(_started) for _ in range(self.processes)]

    def ready(self) -> bool:
        """True once every process has started; False while they start, or when
        starting failed (the pool is dropped and may be started again)."""
        if self._executor is None or not all(future.done() for future in self._started):
            return False
        if any(future.exception() is not None for future in self._started):
            log.error("scheduler: the firing processes did not start: %s",
                      next(f.exception() for f in self._started if f.exception() is not None))
            self._drop()
            return False
        return True

    def fire_due(self, now: datetime, limit: int = ROUND_LIMIT) -> int:
        """Each process fires up to `limit` events due at `now`; returns how many
        fired in all. Raises BrokenProcessPool when a process died (the pool is
        dropped; `start` starts a new one)."""
        executor = self._executor
        if executor is None:
            raise BrokenProcessPool("the firing processes are not running")
        self.last_round = {}
        try:
            rounds = [executor.submit(_fire_round, now, limit) for _ in range(self.processes)]
            for round_ in rounds:
                pid, fired = round_.result()
                self.last_round[pid] = self.last_round.get(pid, 0) + fired
        except BrokenProcessPool:
            self._drop()
            raise
        return sum(self.last_round.values())

    def close(self) -> None:
        """Let the processes finish their round and exit; the pool starts no more."""
        self.closed = True
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _drop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
            self._started = []


class Firer:
    """How the leader fires a round of due events: in its own process (two
    threads on PostgreSQL), or, when more is due than that fires in a round,
    in the pool of firing processes. While the pool starts (a second or two),
    the rounds go on in the app's process."""

    def __init__(self, sessions: sessionmaker[Session], services: Services, engine: Engine,
                 settings: Settings) -> None:
        self._sessions = sessions
        self._services = services
        self._threads = firing_threads(engine)
        processes = firing_processes(settings, engine)
        self.pool = FiringPool(settings, processes) if processes > 1 else None

    @property
    def backlog(self) -> int:
        """Due events that make a backlog: more than a round in this process fires."""
        return self._threads * ROUND_LIMIT

    def fire_round(self, now: datetime) -> int:
        """Fire a round of what is due at `now`; returns how many fired. At
        least ROUND_LIMIT fired means more may be due."""
        pool = self.pool
        if pool is not None and self._due(now) >= self.backlog:
            if pool.ready():
                try:
                    return pool.fire_due(now)
                except BrokenProcessPool:
                    log.error("scheduler: a firing process died; this round fires in the "
                              "app's own process and its batch is pending again")
            else:
                pool.start()
        return fire_due_together(self._sessions, self._services, now, self._threads)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    def _due(self, now: datetime) -> int:
        """Pending events due at `now`, counted up to `backlog` (one index scan)."""
        with self._sessions() as session:
            due = (select(TimedEvent.id)
                   .where(TimedEvent.status == "pending", TimedEvent.due_at <= now)
                   .limit(self.backlog).subquery())
            return session.scalar(select(func.count()).select_from(due)) or 0
