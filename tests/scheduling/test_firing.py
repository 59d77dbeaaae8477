"""Firing due check-ins: stale ones are skipped after an outage, one
conversation runs at a time, safety screens go first, and the next
occurrence is planned."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.scheduling.service import enroll
from bot.services import Services, build_services
from bot.store.models import Client, ContactPoint, Escalation, FlowRun, TimedEvent
from bot.timers import fire, next_due
from tests.scheduling.helpers import NOW, local, make_client, pending


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


def enrolled(session: Session, services: Services, *plans: tuple[str, str]) -> None:
    client = make_client(session)
    session.add(ContactPoint(client_id=client.id, channel="simulator", address="sim-1"))
    for flow_id, schedule in plans:
        enroll(session, client=client, flow_id=flow_id, schedule=schedule, now=NOW,
               known_flows=services.flows)


def fire_until(session: Session, services: Services, until_local: tuple[int, ...]) -> None:
    until = local(*until_local)
    while (event := next_due(session, until)) is not None:
        fire(session, services, event, max(event.due_at, NOW))
        session.flush()


def test_a_stale_check_in_is_missed_and_the_next_one_planned(session: Session,
                                                             services: Services) -> None:
    """Fired 4 hours late, the check-in is recorded missed and tomorrow's is planned."""
    enrolled(session, services, ("adherence", "daily 11:00"))
    [event] = pending(session, "checkin_due")
    fire(session, services, event, event.due_at + timedelta(hours=4))
    assert (event.status, event.payload["outcome"]) == ("missed", "stale")
    assert session.scalars(select(FlowRun)).all() == []
    assert [e.due_at for e in pending(session, "checkin_due")] == [local(2027, 3, 2, 11)]


def test_a_check_in_waits_behind_a_live_conversation(session: Session,
                                                     services: Services) -> None:
    """While another run is live, the due check-in waits and starts nothing."""
    enrolled(session, services, ("adherence", "daily 11:00"))
    client_id = session.scalars(select(ContactPoint.client_id)).one()
    session.add(FlowRun(client_id=client_id, flow_id="gad2", status="active", state={},
                        started_at=NOW, updated_at=NOW))
    session.flush()
    [event] = pending(session, "checkin_due")
    fire(session, services, event, event.due_at)
    assert event.status == "pending"
    assert event.due_at == local(2027, 3, 1, 11, 5)
    assert event.payload["waited"] == "busy"


def test_a_check_in_waits_while_a_crisis_is_open_and_goes_once_it_is_resolved(
    session: Session, services: Services
) -> None:
    """No "how are your cravings today?" to a client the care team is reaching in a
    crisis: the check-in waits, and goes out once the escalation is resolved."""
    enrolled(session, services, ("adherence", "daily 11:00"))
    client = session.scalars(select(Client)).one()
    crisis = Escalation(clinic_id=client.clinic_id, client_id=client.id, level="imminent",
                        category="suicide", status="acknowledged", reason="a message",
                        evidence=[], created_at=local(2027, 3, 1, 10, 40))
    session.add(crisis)
    session.flush()
    [event] = pending(session, "checkin_due")
    fire(session, services, event, event.due_at)
    assert (event.status, event.payload["waited"]) == ("pending", "crisis")
    assert session.scalars(select(FlowRun)).all() == []
    crisis.status = "resolved"
    session.flush()
    fire(session, services, event, event.due_at)
    assert (event.status, event.payload["outcome"]) == ("done", "started")
    assert [run.flow_id for run in session.scalars(select(FlowRun))] == ["adherence"]


def test_the_safety_screen_goes_first_when_two_are_due(session: Session,
                                                       services: Services) -> None:
    """Adherence and PHQ-2 both due at 11:00: PHQ-2 starts, adherence waits."""
    enrolled(session, services, ("adherence", "daily 11:00"), ("phq2", "daily 11:00"))
    fire_until(session, services, (2027, 3, 1, 11))
    [run] = session.scalars(select(FlowRun)).all()
    assert run.flow_id == "phq2"
    waiting = session.scalars(select(TimedEvent).where(
        TimedEvent.status == "pending", TimedEvent.kind == "checkin_due")).all()
    assert {e.payload["flow_id"] for e in waiting} == {"adherence", "phq2"}
