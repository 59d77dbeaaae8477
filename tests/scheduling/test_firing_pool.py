"""A backlog on PostgreSQL is fired by a pool of firing processes
(`bot.scheduling.pool`): every check-in still goes exactly once, more than one
process does the firing, and a firing process that dies costs the round its
speed, nothing else. SQLite fires in the app's own process."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.scheduling.pool import Firer, firing_processes
from bot.scheduling.service import CHECKIN, enroll
from bot.seed import create_client, create_clinic
from bot.services import Services, build_services
from bot.store.db import create_all, make_engine, session_factory
from bot.store.models import ContactPoint, FlowRun, Message, Outbox, TimedEvent
from bot.timers import ROUND_LIMIT
from tests.scheduling.helpers import CHICAGO, NOW, local

CLIENTS = 4 * ROUND_LIMIT  # two rounds of the pool's two processes
DUE = local(2027, 3, 1, 11, 1)


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


@pytest.fixture
def pg_engine(postgresql_url: str) -> Iterator[Engine]:
    engine = make_engine(postgresql_url)
    create_all(engine)
    yield engine
    engine.dispose()


def enroll_clients(sessions: sessionmaker[Session], services: Services, count: int) -> None:
    """`count` clients with a daily 11:00 check-in."""
    with sessions() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone=CHICAGO, crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100",
                               program_name="Riverside outpatient program", now=NOW)
        for number in range(count):
            person = create_client(session, clinic=clinic, first_name=f"Client{number}", now=NOW)
            session.add(ContactPoint(client_id=person.id, channel="simulator",
                                     address=f"sim-{number}"))
            session.flush()
            enroll(session, client=person, flow_id="adherence", schedule="daily 11:00",
                   now=NOW, known_flows=services.flows)
        session.commit()


def fire_until_done(firer: Firer, now: datetime, deadline: float = 120.0) -> list[int]:
    """Rounds as the leader runs them until one finds nothing more due; the
    count of each round."""
    rounds: list[int] = []
    ends = time.monotonic() + deadline
    while time.monotonic() < ends:
        rounds.append(firer.fire_round(now))
        if rounds[-1] < ROUND_LIMIT:
            return rounds
    raise AssertionError(f"still firing after {deadline} s: {rounds}")


def assert_each_fired_once(sessions: sessionmaker[Session], count: int) -> None:
    with sessions() as session:
        due = session.scalar(select(func.count()).select_from(TimedEvent).where(
            TimedEvent.kind == CHECKIN, TimedEvent.due_at <= DUE,
            TimedEvent.status == "pending"))
        assert due == 0
        runs = session.execute(select(FlowRun.client_id, func.count())
                               .group_by(FlowRun.client_id)).all()
        assert len(runs) == count
        assert {n for _, n in runs} == {1}
        texts = session.execute(select(Message.client_id, func.count())
                                .where(Message.direction == "out")
                                .group_by(Message.client_id)).all()
        assert len(texts) == count
        assert {n for _, n in texts} == {1}
        assert session.scalar(select(func.count()).select_from(Outbox)) == count
        tomorrow = session.scalar(select(func.count()).select_from(TimedEvent).where(
            TimedEvent.kind == CHECKIN, TimedEvent.status == "pending"))
        assert tomorrow == count


def wait_until_ready(firer: Firer) -> None:
    assert firer.pool is not None
    firer.pool.start()
    ends = time.monotonic() + 120
    while not firer.pool.ready():
        assert time.monotonic() < ends, "the firing processes did not start"
        time.sleep(0.1)


@pytest.fixture
def backlog(
    pg_engine: Engine, postgresql_url: str, services: Services
) -> Iterator[tuple[sessionmaker[Session], Firer]]:
    """CLIENTS check-ins due, and the leader's firer with its two firing processes up."""
    sessions = session_factory(pg_engine)
    enroll_clients(sessions, services, CLIENTS)
    firer = Firer(sessions, services, pg_engine,
                  Settings(database_url=postgresql_url, firing_processes=2))
    try:
        wait_until_ready(firer)
        yield sessions, firer
    finally:
        firer.close()


@pytest.mark.postgres
def test_a_backlog_is_fired_once_by_several_processes(
    backlog: tuple[sessionmaker[Session], Firer],
) -> None:
    sessions, firer = backlog
    assert firer.pool is not None
    assert firer.fire_round(DUE) == 2 * ROUND_LIMIT  # each process fires a round
    fired_by = dict(firer.pool.last_round)
    rounds = fire_until_done(firer, DUE)
    assert sorted(fired_by.values()) == [ROUND_LIMIT, ROUND_LIMIT]
    assert os.getpid() not in fired_by
    assert sum(rounds) == CLIENTS - 2 * ROUND_LIMIT
    assert_each_fired_once(sessions, CLIENTS)


@pytest.mark.postgres
def test_a_few_due_fire_in_the_apps_own_process(
    pg_engine: Engine, postgresql_url: str, services: Services
) -> None:
    sessions = session_factory(pg_engine)
    enroll_clients(sessions, services, 20)
    firer = Firer(sessions, services, pg_engine,
                  Settings(database_url=postgresql_url, firing_processes=2))
    try:
        assert fire_until_done(firer, DUE) == [20]
        assert multiprocessing.active_children() == []  # no firing process was started
    finally:
        firer.close()
    assert_each_fired_once(sessions, 20)


@pytest.mark.postgres
def test_a_firing_process_killed_between_rounds_loses_and_repeats_nothing(
    backlog: tuple[sessionmaker[Session], Firer],
) -> None:
    sessions, firer = backlog
    assert firer.fire_round(DUE) == 2 * ROUND_LIMIT
    workers = multiprocessing.active_children()
    assert len(workers) == 2
    killed = workers[0]
    assert killed.pid is not None
    os.kill(killed.pid, signal.SIGKILL)
    killed.join(10)
    # The pool finds the process dead as the next round starts; that round
    # fires in the app's own process and the next backlog starts a new pool.
    rounds = fire_until_done(firer, DUE)
    assert firer.pool is not None
    assert killed.pid not in firer.pool.last_round
    assert sum(rounds) == CLIENTS - 2 * ROUND_LIMIT
    assert_each_fired_once(sessions, CLIENTS)
    wait_until_ready(firer)
    alive = {child.pid for child in multiprocessing.active_children()}
    assert len(alive) == 2
    assert killed.pid not in alive


def test_sqlite_fires_in_the_apps_own_process(engine: Engine, db_url: str) -> None:
    settings = Settings(database_url=db_url, firing_processes=4)
    processes = firing_processes(settings, engine)
    assert processes == (4 if engine.dialect.name == "postgresql" else 1)
    firer = Firer(session_factory(engine), build_services(), engine, settings)
    assert (firer.pool is not None) == (engine.dialect.name == "postgresql")
