"""Scheduler leadership: one process holds the PostgreSQL advisory lock and
fires; the others stand by and take over when it dies. SQLite always leads."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from bot.scheduling.leader import Leadership
from bot.store.db import make_engine


def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def two_engines(postgresql_url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one fresh PostgreSQL database, as two app processes have."""
    first, second = make_engine(postgresql_url), make_engine(postgresql_url)
    try:
        yield first, second
    finally:
        first.dispose()
        second.dispose()


def test_sqlite_always_leads(sqlite_url: str) -> None:
    """On SQLite there is one process, and it is the leader without asking."""
    engine = make_engine(sqlite_url)
    leadership = Leadership(engine)
    assert leadership.check()
    assert leadership.role == "leader"
    engine.dispose()


@pytest.mark.postgres
def test_the_first_takes_the_lock_and_the_second_stands_by(
        two_engines: tuple[Engine, Engine]) -> None:
    """The first process leads; the second, asking again and again, stands by."""
    first, second = (Leadership(engine) for engine in two_engines)
    assert first.check()
    assert not second.check()
    assert not second.check()
    assert first.check()  # still holding it
    assert (first.role, second.role) == ("leader", "standby")
    first.release()
    second.release()


@pytest.mark.postgres
def test_the_standby_takes_over_when_the_leader_shuts_down(
        two_engines: tuple[Engine, Engine]) -> None:
    """When the leader releases the lock and its engine is disposed, the standby leads."""
    first_engine, second_engine = two_engines
    first, second = Leadership(first_engine), Leadership(second_engine)
    assert first.check()
    assert not second.check()
    first.release()
    first_engine.dispose()
    assert second.check()
    assert second.role == "leader"
    second.release()


@pytest.mark.postgres
def test_the_standby_takes_over_when_the_leader_dies(
        two_engines: tuple[Engine, Engine]) -> None:
    """The leader's connection is killed (as when its process dies): the lock is
    freed, the standby takes it, and the old leader finds out and stands by."""
    first_engine, second_engine = two_engines
    first, second = Leadership(first_engine), Leadership(second_engine)
    assert first.check()
    with second_engine.connect() as conn:
        killed = conn.scalar(text(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"))
        conn.commit()
    assert killed
    assert eventually(second.check)  # the backend exits a moment after the signal
    assert not first.check()
    assert (first.role, second.role) == ("standby", "leader")
    second.release()
    assert first.check()  # the lock is free again: the old leader takes it back
    first.release()
