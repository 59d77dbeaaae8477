"""Firing due timed events: flow reminders and expiry, due check-ins and
appointment and refill reminders (page re-sends join them as that lands).

Due events are claimed in batches (`claim_due`): on PostgreSQL the rows are
locked with `FOR UPDATE SKIP LOCKED` and fired in the transaction that locked
them, so two processes firing at once never take the same event, and a crash
mid-batch rolls the whole batch back to pending (SQLite serializes writers,
so there the same holds without row locks). When an event raises, the batch
is rolled back and fired again one event per transaction; the event that
fails is logged and left pending for the next round.

A reminder that falls in the client's quiet hours is moved to the end of
them instead of being sent.
Check-ins and reminders pass the gates of `bot.scheduling.planner` (stale,
quiet hours, one conversation at a time, daily cap) in
`bot.scheduling.firing`. A scheduled check-in that expires unanswered may
flag the client for follow-up (`bot.scheduling.service.note_unanswered`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import MovableClock
from bot.escalation.paging import RESEND as PAGE_RESEND
from bot.escalation.paging import fire_page_resend
from bot.flows.effects import Expire, Timeout
from bot.outbox import PRIORITY_SCHEDULED
from bot.runs import Turn, advance_run, client_timezone, preferred_contact
from bot.scheduling.firing import FLOW_TIMERS, BatchFacts, fire_scheduled
from bot.scheduling.quiet import next_allowed, parse_hhmm
from bot.scheduling.service import CHECKIN, SCHEDULED_KINDS, note_unanswered
from bot.services import Services
from bot.store.models import Client, Clinic, Enrollment, FlowRun, TimedEvent

log = logging.getLogger(__name__)

FIRE_BATCH = 100  # events fired per transaction
ROUND_LIMIT = 500  # events fired per call of `fire_due`, unless told otherwise
POSTGRES_FIRING_THREADS = 2


def next_due(session: Session, until: datetime) -> TimedEvent | None:
    """The earliest pending event due at or before `until`."""
    return session.scalars(
        select(TimedEvent)
        .where(TimedEvent.status == "pending", TimedEvent.due_at <= until)
        .order_by(TimedEvent.due_at, TimedEvent.id)
        .limit(1)
    ).first()


MAX_STEPS = 10_000  # events one `fire_through` may fire: a bound, not a quota


def fire_through(session_factory: sessionmaker[Session], services: Services,
                 clock: MovableClock, until: datetime) -> int:
    """Fire every pending event due up to `until` one at a time in due order,
    moving `clock` to each one's due time first: time passing quickly (the
    demo's clock), each event seeing the moment it was due, so nothing is
    judged stale and quiet hours fall where they would. Returns the count."""
    fired = 0
    while fired < MAX_STEPS:
        with session_factory() as session:
            event = next_due(session, until)
            if event is None:
                break
            if event.due_at > clock.now():
                clock.set(event.due_at)
            fire(session, services, event, clock.now())
            session.commit()
        fired += 1
    clock.set(until)
    return fired


def claim_due(session: Session, now: datetime, limit: int,
              skip: Collection[int] = ()) -> list[TimedEvent]:
    """Lock up to `limit` pending events due at `now`, oldest first, for the
    caller's transaction; rows another transaction holds are skipped."""
    query = (select(TimedEvent)
             .where(TimedEvent.status == "pending", TimedEvent.due_at <= now)
             .order_by(TimedEvent.due_at, TimedEvent.id)
             .limit(limit)
             .with_for_update(skip_locked=True))
    if skip:
        query = query.where(TimedEvent.id.not_in(list(skip)))
    return list(session.scalars(query))


def fire_due(session_factory: sessionmaker[Session], services: Services, now: datetime,
             limit: int = ROUND_LIMIT, batch: int = FIRE_BATCH) -> int:
    """Fire every event due at `now` (at most `limit`), oldest first, `batch`
    events per transaction; returns how many fired."""
    fired = 0
    failed: set[int] = set()
    while fired < limit:
        with session_factory() as session:
            events = claim_due(session, now, min(batch, limit - fired), failed)
            if not events:
                return fired
            ids = [event.id for event in events]
            try:
                loaded = _prefetch(session, events)  # held: the session only keeps weak refs
                facts = BatchFacts.load(session, events, now)
                batch_fired = sum(_fire_if_due(session, services, event, now, facts)
                                  for event in events)
                facts.settle(session, now)
                del loaded, facts
                session.commit()
                fired += batch_fired  # counted once committed: a failed batch is fired again
                continue
            except Exception:
                session.rollback()
                log.warning("firing a batch of %d timed events failed; firing them one by one",
                            len(ids), exc_info=True)
        fired += _fire_each(session_factory, services, ids, now, failed)
    return fired


def firing_threads(engine: Engine) -> int:
    """Firers a process runs at once: two on PostgreSQL, whose row locks let
    them claim separate batches; one on SQLite, which has one writer anyway."""
    return POSTGRES_FIRING_THREADS if engine.dialect.name == "postgresql" else 1


def fire_due_together(session_factory: sessionmaker[Session], services: Services,
                      now: datetime, threads: int, limit: int = ROUND_LIMIT,
                      batch: int = FIRE_BATCH) -> int:
    """`fire_due` in `threads` threads at once, each claiming its own batches
    and firing up to `limit` events, so that one's round trips to the database
    overlap another's work. Safe as two processes firing at once are: a client
    changed by both fails one batch's constraint and that batch is fired again
    event by event. Returns how many fired."""
    if threads <= 1:
        return fire_due(session_factory, services, now, limit, batch)
    with ThreadPoolExecutor(threads, thread_name_prefix="tether-fire") as pool:
        rounds = [pool.submit(fire_due, session_factory, services, now, limit, batch)
                  for _ in range(threads)]
        return sum(round_.result() for round_ in rounds)


def _fire_each(session_factory: sessionmaker[Session], services: Services, ids: list[int],
               now: datetime, failed: set[int]) -> int:
    """Fire the events `ids` one per transaction; an event that raises is
    logged, left pending and added to `failed`."""
    fired = 0
    for event_id in ids:
        with session_factory() as session:
            event = session.scalars(select(TimedEvent).where(TimedEvent.id == event_id)
                                    .with_for_update(skip_locked=True)).first()
            if event is None:
                continue
            try:
                fired += _fire_if_due(session, services, event, now)
                session.commit()
            except Exception:
                session.rollback()
                failed.add(event_id)
                log.exception("timed event %d (%s) failed to fire; it stays pending",
                              event_id, event.kind)
    return fired


def _fire_if_due(session: Session, services: Services, event: TimedEvent,
                 now: datetime, facts: BatchFacts | None = None) -> bool:
    """Fire `event` unless an earlier event of the same transaction already
    settled or moved it."""
    if event.status != "pending" or event.due_at > now:
        return False
    fire(session, services, event, now, facts)
    return True


def _prefetch(session: Session, events: list[TimedEvent]) -> list[object]:
    """Load the batch's clients, clinics and enrollments in a few queries, so
    firing finds them in the session instead of asking once per event. The
    caller holds the returned rows for the batch: the session's identity map
    keeps unmodified rows only while something else refers to them."""
    client_ids = {event.client_id for event in events if event.client_id is not None}
    if not client_ids:
        return []
    loaded: list[object] = []
    clients = session.scalars(select(Client).where(Client.id.in_(client_ids))).all()
    loaded.extend(clients)
    clinic_ids = {client.clinic_id for client in clients}
    loaded.extend(session.scalars(select(Clinic).where(Clinic.id.in_(clinic_ids))).all())
    enrollment_ids = {int(event.payload.get("enrollment_id", 0)) for event in events
                      if event.kind == CHECKIN and event.payload}
    if enrollment_ids:
        loaded.extend(session.scalars(
            select(Enrollment).where(Enrollment.id.in_(enrollment_ids))).all())
    run_ids = {event.flow_run_id for event in events
               if event.kind in FLOW_TIMERS and event.flow_run_id is not None}
    if run_ids:
        loaded.extend(session.scalars(select(FlowRun).where(FlowRun.id.in_(run_ids))).all())
    return loaded


def fire(session: Session, services: Services, event: TimedEvent, now: datetime,
         facts: BatchFacts | None = None) -> None:
    """Fire one event in the caller's transaction (`facts`: what its batch read
    of its clients up front)."""
    if event.kind in SCHEDULED_KINDS:
        # Sets claimed_at along with the outcome: one UPDATE of the event, not two.
        fire_scheduled(session, services, event, now, facts)
        return
    event.claimed_at = now
    if event.kind in FLOW_TIMERS:
        _fire_flow_timer(session, services, event, now, facts)
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
                     now: datetime, facts: BatchFacts | None = None) -> None:
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
            expires_at = session.scalar(select(TimedEvent.due_at).where(
                TimedEvent.flow_run_id == run.id, TimedEvent.kind == "flow_expiry",
                TimedEvent.status == "pending"))
            if expires_at is not None and expires_at <= allowed:
                event.status = "cancelled"  # it would come as the question expires
                return
            event.due_at = allowed  # wait for the morning
            event.status = "pending"
            return
    event.status = "claimed"
    contact = (facts.contacts.get(client.id) if facts is not None and client.id in facts.clients
               else preferred_contact(session, client))
    turn = Turn(session, services, clinic, client, contact, now, priority=PRIORITY_SCHEDULED,
                ended_run=facts.end_run if facts is not None else None,
                batch=facts.begun if facts is not None else None)
    if event.kind == "flow_reminder":
        advance_run(turn, run, Timeout(step_id=str(payload.get("step_id", "")), token=token))
        return
    advance_run(turn, run, Expire(token=token))
    if run.status != "expired":
        return
    if facts is None:
        if _scheduled_checkin(session, run.id):
            note_unanswered(session, clinic, client, now)
    elif run.id in facts.checkin_runs:
        facts.unanswered[client.id] = clinic  # looked at as the batch ends


def _scheduled_checkin(session: Session, run_id: int) -> bool:
    """True when the run was started by a due check-in of an enrollment."""
    return session.scalar(select(TimedEvent.id).where(
        TimedEvent.flow_run_id == run_id, TimedEvent.kind == CHECKIN).limit(1)) is not None
