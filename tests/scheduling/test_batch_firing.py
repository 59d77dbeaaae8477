"""Firing a batch reads its clients' state in a few queries up front
(`BatchFacts`) and writes the conversations it begins in one INSERT per table
(`StartBatch`) instead of event by event; the outcomes must be exactly those of
firing each event on its own. The same clinic is built twice, fired once in
batches of three (so a client's two due events sometimes share a batch and
sometimes do not), by one firer or by two at once, and once event by event;
every client ends the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.service import enroll
from bot.seed import create_client, create_clinic
from bot.services import Services, build_services
from bot.store.db import create_all, make_engine, session_factory
from bot.store.models import (
    Client,
    ContactPoint,
    Escalation,
    FlowRun,
    Message,
    Outbox,
    TimedEvent,
)
from bot.timers import fire, fire_due_together, next_due
from tests.scheduling.helpers import CHICAGO, NOW, local

FIRED_AT = local(2027, 3, 1, 11, 1)


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


@pytest.fixture
def reference() -> Iterator[Engine]:
    engine = make_engine("sqlite://")
    create_all(engine)
    yield engine
    engine.dispose()


def build(session: Session, services: Services) -> None:
    """Clients due at 11:00 in every situation the gates tell apart."""
    clinic = create_clinic(session, clinic_id="demo", name="Riverside Health", timezone=CHICAGO,
                           crisis_line="(555) 010-0199", contact_phone="(555) 010-0100",
                           program_name="Riverside outpatient program", now=NOW)

    def client(name: str, *plans: tuple[str, str]) -> Client:
        person = create_client(session, clinic=clinic, first_name=name, now=NOW)
        session.add(ContactPoint(client_id=person.id, channel="simulator", address=f"sim-{name}"))
        session.flush()
        for flow_id, schedule in plans:
            enroll(session, client=person, flow_id=flow_id, schedule=schedule, now=NOW,
                   known_flows=services.flows)
        return person

    for number in range(4):
        client(f"plain{number}", ("adherence", "daily 11:00"))
    moved = client("moved", ("adherence", "daily 11:00"))  # texts go to the newer address
    session.add(ContactPoint(client_id=moved.id, channel="simulator", address="sim-moved-new"))
    busy = client("busy", ("adherence", "daily 11:00"))
    session.add(FlowRun(client_id=busy.id, flow_id="gad2", status="active", state={},
                        started_at=NOW, updated_at=NOW))
    capped = client("capped", ("adherence", "daily 11:00"))
    for hour in (8, 9, 10):  # three scheduled conversations already today
        run = FlowRun(client_id=capped.id, flow_id="gad2", status="completed", state={},
                      started_at=local(2027, 3, 1, hour), updated_at=local(2027, 3, 1, hour))
        session.add(run)
        session.flush()
        session.add(TimedEvent(clinic_id=clinic.id, client_id=capped.id, kind="checkin_due",
                               due_at=local(2027, 3, 1, hour), status="done",
                               flow_run_id=run.id, done_at=local(2027, 3, 1, hour),
                               payload={"flow_id": "gad2"}, created_at=NOW))
    client("opted_out", ("adherence", "daily 11:00")).opted_out = True
    crisis = client("crisis", ("adherence", "daily 11:00"))
    session.add(Escalation(clinic_id=clinic.id, client_id=crisis.id, level="high",
                           category="suicide", status="acknowledged", reason="a message",
                           evidence=[], created_at=local(2027, 3, 1, 10, 30)))
    stale = client("stale", ("adherence", "daily 11:00"))
    session.flush()
    [due] = session.scalars(select(TimedEvent).where(TimedEvent.client_id == stale.id))
    due.due_at = local(2027, 3, 1, 8, 45)  # missed at 08:45 while the app was down
    due.payload = {**due.payload, "occurs_at": due.due_at.isoformat()}
    client("two", ("adherence", "daily 11:00"), ("phq2", "daily 11:00"))
    client("three", ("adherence", "daily 11:00"), ("gad2", "daily 10:59"),
           ("phq2", "daily 11:00"))
    client("later", ("adherence", "daily 11:00"), ("phq2", "daily 11:30"))
    session.commit()


def outcomes(session: Session) -> dict[str, object]:
    """Per client: its events (kind, flow, status, due, outcome or wait, the run
    it began or belongs to), its runs and the texts queued for it (with their run)."""

    def run_of(run: FlowRun | None, person: Client) -> tuple[str, bool] | None:
        return (run.flow_id, run.client_id == person.id) if run is not None else None

    result: dict[str, object] = {}
    for person in session.scalars(select(Client).order_by(Client.first_name)):
        events = sorted(
            ((event.kind, (event.payload or {}).get("flow_id"), event.status,
              event.due_at.isoformat(), (event.payload or {}).get("outcome"),
              (event.payload or {}).get("waited"), run_of(event.flow_run, person))
             for event in session.scalars(select(TimedEvent).where(
                 TimedEvent.client_id == person.id))), key=repr)
        runs = sorted((run.flow_id, run.status) for run in session.scalars(
            select(FlowRun).where(FlowRun.client_id == person.id)))
        texts = sorted(((message.address, message.body, run_of(message.flow_run, person))
                        for message in session.scalars(select(Message).where(
                            Message.client_id == person.id, Message.direction == "out"))),
                       key=repr)
        flagged = sorted(session.scalars(select(Escalation.category).where(
            Escalation.client_id == person.id)))
        result[person.first_name] = (events, runs, texts, flagged)
    return result


def fire_one_by_one(sessions: sessionmaker[Session], services: Services, now: datetime) -> int:
    with sessions() as session:
        fired = 0
        while (event := next_due(session, now)) is not None:
            fire(session, services, event, now)
            session.commit()
            fired += 1
    return fired


@pytest.mark.parametrize("firers", [1, 2])
def test_batches_end_every_client_as_firing_one_by_one_does(
    engine: Engine, reference: Engine, services: Services, firers: int
) -> None:
    """Busy, capped, opted out, stale, several due at once: the same outcome either way."""
    batched, single = session_factory(engine), session_factory(reference)
    with batched() as session:
        build(session, services)
    with single() as session:
        build(session, services)

    fired = fire_due_together(batched, services, FIRED_AT, firers, batch=3)
    one_by_one = fire_one_by_one(single, services, FIRED_AT)

    assert fired == one_by_one > 10
    with batched() as a, single() as b:
        got, expected = outcomes(a), outcomes(b)
    assert got == expected
    # The situations were really there: each gate spoke at least once.
    waits = {event[5] for events, *_ in expected.values() for event in events}  # type: ignore[attr-defined]
    results = {event[4] for events, *_ in expected.values() for event in events}  # type: ignore[attr-defined]
    assert {"busy", "daily_cap", "crisis"} <= waits
    assert {"started", "stale", "unreachable"} <= results
    # Each conversation begun has its texts queued, each in the outbox once.
    with batched() as session:
        begun = set(session.scalars(select(FlowRun.id).where(FlowRun.started_at == FIRED_AT)))
        texts = session.execute(select(Message.id, Message.flow_run_id).where(
            Message.direction == "out")).all()
        queued = Counter(session.scalars(select(Outbox.message_id)))
    assert {run_id for _, run_id in texts} == begun
    assert queued == Counter(message_id for message_id, _ in texts)


@pytest.mark.parametrize("firers", [1, 2])
def test_reminders_and_expiries_over_days_end_as_firing_one_by_one_does(
    engine: Engine, reference: Engine, services: Services, firers: int
) -> None:
    """Three days of nobody answering: questions' reminders and expiries, runs
    ended in a batch with their other timer in it (the app down from before a
    reminder until after its expiry), and the third missed check-in in a row
    flagging the client; batched, every client ends as firing one by one does."""
    batched, single = session_factory(engine), session_factory(reference)
    with batched() as session:
        build(session, services)
    with single() as session:
        build(session, services)
    moments = [local(2027, 3, 1, 11, 1), local(2027, 3, 1, 14, 1), local(2027, 3, 1, 23, 1),
               local(2027, 3, 2, 11, 1), local(2027, 3, 2, 23, 1),  # down 11:01-23:01
               local(2027, 3, 3, 11, 1), local(2027, 3, 3, 14, 1), local(2027, 3, 3, 23, 1)]
    kinds: Counter[str] = Counter()
    for moment in moments:
        with single() as session:
            kinds.update(session.scalars(select(TimedEvent.kind).where(
                TimedEvent.status == "pending", TimedEvent.due_at <= moment)))
        fired = fire_due_together(batched, services, moment, firers, batch=3)
        assert fired == fire_one_by_one(single, services, moment)

    with batched() as a, single() as b:
        got, expected = outcomes(a), outcomes(b)
    assert got == expected
    # What this is about happened: reminders, expiries, disengagement flags.
    assert kinds["flow_reminder"] > 10
    assert kinds["flow_expiry"] > 10
    flagged = [name for name, (*_, categories) in expected.items()  # type: ignore[attr-defined]
               if "disengagement" in categories]
    assert "plain0" in flagged
    with batched() as session:
        pending_of_ended = session.scalars(select(TimedEvent.id).join(FlowRun).where(
            TimedEvent.status == "pending", FlowRun.active_client_id.is_(None))).all()
    assert pending_of_ended == []


def test_an_expiry_batched_with_the_same_clients_check_in_still_flags_disengagement(
    engine: Engine, services: Services
) -> None:
    """The third unanswered check-in expires overnight; the app, down until the next
    check-in, fires that expiry and the check-in in one batch: the navigator is
    still asked to follow up."""
    sessions = session_factory(engine)
    with sessions() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone=CHICAGO, crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100",
                               program_name="Riverside outpatient program", now=NOW)
        person = create_client(session, clinic=clinic, first_name="Ana", now=NOW)
        session.add(ContactPoint(client_id=person.id, channel="simulator", address="sim-ana"))
        session.flush()
        enroll(session, client=person, flow_id="adherence", schedule="daily 11:00", now=NOW,
               known_flows=services.flows)
        session.commit()
    for day in (1, 2, 3):
        # The check-in, its reminder three hours on, its expiry twelve hours on
        # (the third day's is missed: the app is down overnight).
        for hour in (11, 14, 23) if day < 3 else (11, 14):
            fire_due_together(sessions, services, local(2027, 3, day, hour, 1), 1)
    with sessions() as session:
        due = session.scalars(select(TimedEvent.kind).where(
            TimedEvent.status == "pending", TimedEvent.due_at <= local(2027, 3, 4, 11, 1)))
        assert sorted(due) == ["checkin_due", "flow_expiry"]  # one batch, one client

    fire_due_together(sessions, services, local(2027, 3, 4, 11, 1), 1)

    with sessions() as session:
        flagged = session.scalars(select(Escalation.category).where(
            Escalation.client_id == person.id)).all()
    assert flagged == ["disengagement"]
