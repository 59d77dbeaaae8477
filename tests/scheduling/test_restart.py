"""The real app, killed and restarted: every check-in due meanwhile goes out
exactly once (one conversation, one outbound message), none missed, none
doubled; on PostgreSQL two app processes never send the same check-in twice,
and when the leader is killed the other takes over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.escalation.model_cache import CACHE_DIR_VARIABLE
from bot.scheduling.recurrence import parse_schedule
from bot.seed import create_clinic
from bot.store.db import make_engine, session_factory, upgrade
from bot.store.models import Client, ContactPoint, Enrollment, Message, Outbox, TimedEvent

pytestmark = pytest.mark.slow

TETHER = Path(sys.executable).with_name("tether")
EVENTS = 12
SPREAD = timedelta(seconds=20)  # the check-ins fall due over this long
# A bound on readiness, not a speed target: `tether serve` trains the risk model before it
# serves, which takes tens of seconds on a slow machine (34 s here, with 25,227 examples).
STARTUP_SECONDS = 180.0


def afternoon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now mid-afternoon: outside quiet hours."""
    offset = (14 - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-5 is UTC+5


def seed_due_checkins(url: str, start: datetime) -> None:
    """One clinic, EVENTS clients with a simulator address, each with an
    enrollment whose check-in falls due between `start` and `start + SPREAD`."""
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone=afternoon_zone(start), crisis_line="988",
                               contact_phone="(555) 010-0100", program_name="Outpatient",
                               now=start)
        rule = parse_schedule("daily 09:00").rule
        for index in range(EVENTS):
            client = Client(clinic_id=clinic.id, first_name=f"Client{index}", language="en",
                            created_at=start)
            session.add(client)
            session.flush()
            session.add(ContactPoint(client_id=client.id, channel="simulator",
                                     address=f"sim-{index}"))
            enrollment = Enrollment(client_id=client.id, flow_id="adherence",
                                    schedule="daily 09:00", rrule=rule,
                                    start_date=start.date(), active=True, created_at=start)
            session.add(enrollment)
            session.flush()
            due = start + SPREAD * index / (EVENTS - 1)
            session.add(TimedEvent(
                clinic_id=clinic.id, client_id=client.id, kind="checkin_due", due_at=due,
                status="pending", created_at=start,
                payload={"enrollment_id": enrollment.id, "flow_id": "adherence",
                         "local_time": "09:00", "occurs_at": due.isoformat()}))
        session.commit()
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class App:
    """`tether serve` in a subprocess."""

    def __init__(self, url: str, workdir: Path, name: str) -> None:
        self.port = free_port()
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("TETHER_") or key == CACHE_DIR_VARIABLE}
        env.update(TETHER_DATABASE_URL=url, TETHER_TIMER_INTERVAL_SECONDS="1",
                   TETHER_LEADER_RETRY_SECONDS="1")
        self.log = (workdir / f"{name}.log").open("w")
        self.process = subprocess.Popen(
            [str(TETHER), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=workdir, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def health(self) -> dict[str, object] | None:
        try:
            reply = httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1.0)
        except httpx.HTTPError:
            return None
        body: dict[str, object] = reply.json()
        return body

    def wait_ready(self) -> None:
        assert eventually(lambda: self.health() is not None, STARTUP_SECONDS), \
            f"tether serve did not start; see {self.log.name}"

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@contextmanager
def serving(url: str, workdir: Path, name: str) -> Iterator[App]:
    app = App(url, workdir, name)
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()


def role(app: App) -> object:
    return (app.health() or {}).get("scheduler")


def eventually(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def move_checkins(url: str, start: datetime) -> None:
    """Let the pending check-ins fall due between `start` and `start + SPREAD`, in
    the order they were made: a wave that starts when the apps are ready, however
    long they took to start."""
    engine = make_engine(url)
    with session_factory(engine)() as session:
        events = session.scalars(select(TimedEvent).where(
            TimedEvent.kind == "checkin_due", TimedEvent.status == "pending")
            .order_by(TimedEvent.id)).all()
        for index, event in enumerate(events):
            due = start + SPREAD * index / (EVENTS - 1)
            event.due_at = due
            event.payload = {**event.payload, "occurs_at": due.isoformat()}
        session.commit()
    engine.dispose()


def fired(url: str) -> int:
    """How many check-ins are no longer pending."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.scalar(select(func.count()).select_from(TimedEvent).where(
                TimedEvent.kind == "checkin_due", TimedEvent.status != "pending"))
            return int(count or 0)
    finally:
        engine.dispose()


def assert_each_fired_once(url: str) -> None:
    """Every seeded check-in is done, started one conversation and queued
    exactly one outbound message; nothing was sent twice."""
    engine = make_engine(url)
    with Session(engine) as session:
        events = session.scalars(select(TimedEvent).where(
            TimedEvent.kind == "checkin_due", TimedEvent.status != "pending")).all()
        assert [(e.status, e.payload.get("outcome")) for e in events] == \
            [("done", "started")] * EVENTS
        outbound = session.execute(select(Message.client_id, func.count()).where(
            Message.direction == "out").group_by(Message.client_id)).all()
        assert sorted(count for _, count in outbound) == [1] * EVENTS
        assert {e.client_id for e in events} == {client_id for client_id, _ in outbound}
        rows = session.scalar(select(func.count()).select_from(Outbox))
        assert rows == EVENTS
        next_day = session.scalar(select(func.count()).select_from(TimedEvent).where(
            TimedEvent.kind == "checkin_due", TimedEvent.status == "pending"))
        assert next_day == EVENTS  # tomorrow's, planned once each
    engine.dispose()


def test_a_killed_app_restarts_and_fires_each_check_in_once(tmp_path: Path) -> None:
    """SIGKILL mid-wave, restart: every check-in goes out once, none missed or doubled."""
    url = f"sqlite:///{tmp_path / 'tether.db'}"
    # Not due while the app starts (its start-up time varies with the machine's load);
    # the wave begins once it answers.
    seed_due_checkins(url, datetime.now(UTC) + timedelta(hours=1))
    with serving(url, tmp_path, "first") as app:
        health = app.health() or {}
        assert (health.get("ok"), health.get("scheduler")) == (True, "leader")
        move_checkins(url, datetime.now(UTC) + timedelta(seconds=3))
        assert eventually(lambda: fired(url) >= 3, 40), "nothing fired before the kill"
        app.kill()
    assert fired(url) < EVENTS, "everything fired before the kill; the test proves nothing"
    with serving(url, tmp_path, "second"):
        assert eventually(lambda: fired(url) == EVENTS, 40)
        time.sleep(2)  # a few more ticks: nothing fires twice
    assert_each_fired_once(url)


@pytest.mark.postgres
def test_two_apps_share_the_check_ins_and_the_standby_takes_over(
        postgresql_url: str, tmp_path: Path) -> None:
    """Two app processes on one PostgreSQL: one leads, the other stands by; the
    leader is killed mid-wave and the standby fires the rest, each once."""
    url = postgresql_url
    # Not due while the two apps start one after the other (their start-up time
    # varies with the machine's load); the wave begins once both answer.
    seed_due_checkins(url, datetime.now(UTC) + timedelta(hours=1))
    with serving(url, tmp_path, "a") as first, serving(url, tmp_path, "b") as second:
        apps = (first, second)
        move_checkins(url, datetime.now(UTC) + timedelta(seconds=3))
        assert eventually(lambda: any(role(app) == "leader" for app in apps), 15)
        roles = [role(app) for app in apps]
        assert sorted(roles) == ["leader", "standby"], roles
        leader = apps[roles.index("leader")]
        [standby] = [app for app in apps if app is not leader]
        assert eventually(lambda: fired(url) >= 3, 40), "nothing fired before the kill"
        leader.kill()
        assert fired(url) < EVENTS, "everything fired before the kill; the test proves nothing"
        assert eventually(lambda: role(standby) == "leader", 15)
        assert eventually(lambda: fired(url) == EVENTS, 40)
        time.sleep(2)
    assert_each_fired_once(url)
