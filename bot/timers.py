"""Firing due timed events: flow reminders and expiry, due check-ins and
appointment and refill reminders (page re-sends join them as that lands).

Each event fires in its own transaction. A reminder that falls in the
client's quiet hours is moved to the end of them instead of being sent.
Check-ins and reminders pass the gates of `bot.scheduling.planner` (stale,
quiet hours, one conversation at a time, daily cap) in
`bot.scheduling.firing`. A scheduled check-in that expires unanswered may
flag the client for follow-up (`bot.scheduling.service.note_unanswered`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.escalation.paging import RESEND as PAGE_RESEND
from bot.escalation.paging import fire_page_resend
from bot.flows.effects import Expire, Timeout
from bot.outbox import PRIORITY_SCHEDULED
from bot.runs import Turn, advance_run, client_timezone, preferred_contact
from bot.scheduling.firing import fire_scheduled
from bot.scheduling.quiet import next_allowed, parse_hhmm
from bot.scheduling.service import CHECKIN, SCHEDULED_KINDS, note_unanswered
from bot.services import Services
from bot.store.models import Client, Clinic, FlowRun, TimedEvent


def next_due(session: Session, until: datetime) -> TimedEvent | None:
    """The earliest pending event due at or before `until`."""
    return session.scalars(
        select(TimedEvent)
        .where(TimedEvent.status == "pending", TimedEvent.due_at <= until)
        .order_by(TimedEvent.due_at, TimedEvent.id)
        .limit(1)
    ).first()


def fire_due(session_factory: sessionmaker[Session], services: Services, now: datetime,
             limit: int = 500) -> int:
    """Fire every event due at `now`, oldest first; returns how many fired."""
    fired = 0
    while fired < limit:
        with session_factory() as session:
            event = next_due(session, now)
            if event is None:
                return fired
            fire(session, services, event, now)
            session.commit()
        fired += 1
    return fired


def fire(session: Session, services: Services, event: TimedEvent, now: datetime) -> None:
    """Fire one event in the caller's transaction."""
    event.claimed_at = now
    if event.kind in {"flow_reminder", "flow_expiry"}:
        _fire_flow_timer(session, services, event, now)
    elif event.kind in SCHEDULED_KINDS:
        fire_scheduled(session, services, event, now)
        return
    elif event.kind == PAGE_RESEND:
        # Paging: climb the escalation ladder while nobody has acknowledged.
        fire_page_resend(session, event, services.paging, now)
        return
    else:
        event.status = "missed"
        event.done_at = now
        return
    if event.status == "claimed":
        event.status = "done"
        event.done_at = now


def _fire_flow_timer(session: Session, services: Services, event: TimedEvent,
                     now: datetime) -> None:
    run = session.get(FlowRun, event.flow_run_id) if event.flow_run_id else None
    client = session.get(Client, event.client_id) if event.client_id else None
    if run is None or client is None:
        event.status = "cancelled"
        return
    clinic = session.get(Clinic, client.clinic_id)
    assert clinic is not None
    payload = event.payload or {}
    token = int(payload.get("token", 0))
    if event.kind == "flow_reminder":
        tz = client_timezone(clinic, client)
        allowed = next_allowed(now, tz, parse_hhmm(clinic.quiet_start),
                               parse_hhmm(clinic.quiet_end))
        if allowed > now:
            event.due_at = allowed  # wait for the morning
            event.status = "pending"
            return
    event.status = "claimed"
    turn = Turn(session, services, clinic, client, preferred_contact(session, client), now,
                priority=PRIORITY_SCHEDULED)
    if event.kind == "flow_reminder":
        advance_run(turn, run, Timeout(step_id=str(payload.get("step_id", "")), token=token))
    else:
        advance_run(turn, run, Expire(token=token))
        if run.status == "expired" and _scheduled_checkin(session, run.id):
            note_unanswered(session, clinic, client, now)


def _scheduled_checkin(session: Session, run_id: int) -> bool:
    """True when the run was started by a due check-in of an enrollment."""
    return session.scalar(select(TimedEvent.id).where(
        TimedEvent.flow_run_id == run_id, TimedEvent.kind == CHECKIN).limit(1)) is not None
