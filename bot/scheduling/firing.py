"""Firing a due check-in or reminder: the gates of `planner.gate`, then the
flow starts (one conversation at a time) and a check-in plans its next
occurrence. Runs in the caller's transaction; sets the event's final status:

- done: the conversation started (`flow_run_id` names it);
- pending again, later `due_at`: quiet hours, another conversation, the cap;
- missed: stale after an outage, too late, or nobody to send it to
  (`payload.outcome` says which);
- cancelled: what it was about is gone (enrollment ended, appointment
  cancelled, refill picked up).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.escalation.service import clients_in_crisis, open_crisis
from bot.flows.effects import Abandon
from bot.outbox import PRIORITY_SCHEDULED
from bot.runs import StartBatch, Turn, advance_run, live_run, preferred_contact, start_flow
from bot.scheduling import planner
from bot.scheduling.quiet import parse_hhmm
from bot.scheduling.service import (
    APPOINTMENT_REMINDER,
    CHECKIN,
    REFILL_REMINDER,
    SCHEDULED_KINDS,
    client_zone,
    missed_in_a_row,
    next_checkin,
    note_disengaged,
    plan_checkin,
    scheduled_started_between,
)
from bot.scheduling.when import appointment_when, day_when
from bot.services import Services
from bot.store.models import (
    Appointment,
    Client,
    Clinic,
    ContactPoint,
    Enrollment,
    FlowRun,
    Message,
    Refill,
    TimedEvent,
)

FLOW_TIMERS = frozenset({"flow_reminder", "flow_expiry"})  # a question's reminder, expiry

# How far back a batch looks for conversations already begun: a local day
# (at most 25 hours, on the night clocks go back) holds no earlier start.
STARTS_LOOKBACK = timedelta(days=2)


@dataclass
class BatchFacts:
    """What the clients of a claimed batch had when it was claimed, read in four
    queries instead of four per event: contact points and, for due check-ins
    and reminders, live conversations, pending scheduled events and scheduled
    conversations begun lately. Kept only for clients with a single event in
    the batch, so firing that event is the only change made to them in the
    transaction. A conversation begun meanwhile in another transaction (a
    reply) still meets the one-live-run constraint, which fails the batch and
    fires it again event by event, with fresh reads."""

    clients: frozenset[int]
    live_runs: dict[int, FlowRun]
    scheduled: dict[int, list[TimedEvent]]
    starts: dict[int, list[datetime]]
    contacts: dict[int, ContactPoint]
    in_crisis: set[int] = field(default_factory=set)  # clients with an open crisis
    checkin_runs: set[int] = field(default_factory=set)  # of the batch's timers' runs, those
    # a due check-in began (for every client in the batch, unlike the facts above)
    begun: StartBatch = field(default_factory=StartBatch)  # written as the batch ends
    # Settled as the batch ends (`settle`), for every client in the batch:
    timers: dict[int, list[TimedEvent]] = field(default_factory=dict)  # the batch's, by run
    ended: set[int] = field(default_factory=set)  # runs ended: their timers are cancelled
    checkins: list[int] = field(default_factory=list)  # the batch's due check-ins
    unanswered: dict[int, Clinic] = field(default_factory=dict)  # clients whose check-in
    # expired unanswered: a navigator follows up when it is the last of several

    @classmethod
    def load(cls, session: Session, events: Sequence[TimedEvent], now: datetime) -> BatchFacts:
        counts = Counter(event.client_id for event in events if event.client_id is not None)
        ids = [client_id for client_id, count in counts.items() if count == 1]
        facts = cls(frozenset(ids), {}, defaultdict(list), defaultdict(list), {})
        # For every question timer of the batch, whoever its client: an expiry
        # asks it to decide whether an unanswered check-in counts as missed.
        for event in events:
            if event.kind in FLOW_TIMERS and event.flow_run_id is not None:
                facts.timers.setdefault(event.flow_run_id, []).append(event)
            elif event.kind == CHECKIN:
                facts.checkins.append(event.id)
        timed_runs = set(facts.timers)
        if timed_runs:
            facts.checkin_runs.update(session.scalars(select(TimedEvent.flow_run_id).where(
                TimedEvent.flow_run_id.in_(timed_runs), TimedEvent.kind == CHECKIN)))
        if not ids:
            return facts
        # What the gates of a due check-in or reminder ask; a question's timer needs none.
        gated = [event.client_id for event in events if event.kind in SCHEDULED_KINDS
                 and event.client_id is not None and event.client_id in facts.clients]
        if gated:
            facts.load_gates(session, gated, now)
        for contact in session.scalars(select(ContactPoint).where(
                ContactPoint.client_id.in_(ids)).order_by(ContactPoint.id)):
            facts.contacts[contact.client_id] = contact  # the last, as `preferred_contact`
        return facts

    def load_gates(self, session: Session, clients: list[int], now: datetime) -> None:
        """Live conversations, pending scheduled events and scheduled
        conversations begun lately of `clients`."""
        for run in session.scalars(select(FlowRun).where(FlowRun.active_client_id.in_(clients))):
            assert run.active_client_id is not None
            self.live_runs[run.active_client_id] = run
        for pending in session.scalars(
                select(TimedEvent).where(TimedEvent.client_id.in_(clients),
                                         TimedEvent.kind.in_(SCHEDULED_KINDS),
                                         TimedEvent.status == "pending")
                .order_by(TimedEvent.due_at)):
            assert pending.client_id is not None
            self.scheduled[pending.client_id].append(pending)
        for client_id, done_at in session.execute(
                select(TimedEvent.client_id, TimedEvent.done_at).where(
                    TimedEvent.client_id.in_(clients), TimedEvent.kind.in_(SCHEDULED_KINDS),
                    TimedEvent.status == "done",  # as `scheduled_started_between`
                    TimedEvent.done_at >= now - STARTS_LOOKBACK)):
            if client_id is not None and done_at is not None:
                self.starts[client_id].append(done_at)
        self.in_crisis.update(clients_in_crisis(session, clients, now))

    def end_run(self, run: FlowRun) -> None:
        """A fired timer ended `run`: its pending timers are cancelled as the
        batch ends, those of this batch at once (they are not fired)."""
        self.ended.add(run.id)
        for timer in self.timers.get(run.id, ()):
            if timer.status == "pending":
                timer.status = "cancelled"

    def settle(self, session: Session, now: datetime) -> None:
        """As the batch ends: write the conversations it began, cancel the
        timers of the runs it ended and flag the clients whose check-ins went
        unanswered too many times in a row."""
        self.begun.write(session)
        if not self.ended and not self.unanswered:
            return
        session.flush()  # the timers the batch set, the runs it ended
        if self.ended:
            session.execute(
                update(TimedEvent)
                .where(TimedEvent.flow_run_id.in_(sorted(self.ended)),
                       TimedEvent.status == "pending")
                .values(status="cancelled"))
        # A check-in this batch fired is not one the client left unanswered.
        for client_id in sorted(missed_in_a_row(session, self.unanswered, skip=self.checkins)):
            note_disengaged(session, self.unanswered[client_id], client_id, now)

    def started_between(self, client_id: int, start: datetime, end: datetime) -> int:
        return sum(1 for done_at in self.starts.get(client_id, ()) if start <= done_at < end)

    def others_due(self, event: TimedEvent, now: datetime) -> list[TimedEvent]:
        assert event.client_id is not None
        return [other for other in self.scheduled.get(event.client_id, ())
                if other.id != event.id and other.status == "pending" and other.due_at <= now]

    def pending_checkins(self, client_id: int, enrollment_id: int) -> list[TimedEvent]:
        return [other for other in self.scheduled.get(client_id, ())
                if other.kind == CHECKIN and other.status == "pending"
                and (other.payload or {}).get("enrollment_id") == enrollment_id]


def fire_scheduled(session: Session, services: Services, event: TimedEvent,
                   now: datetime, facts: BatchFacts | None = None) -> None:
    """Fire one checkin_due / appointment_reminder / refill_reminder event.
    `claimed_at` is set with the outcome, so the event is updated once.
    `facts`, when it covers the event's client, stands in for reading its
    state event by event."""
    payload: dict[str, Any] = dict(event.payload or {})
    client = session.get(Client, event.client_id) if event.client_id else None
    flow_id = str(payload.get("flow_id", ""))
    if client is None or flow_id not in services.flows:
        _finish(event, "cancelled", now, "unknown client or flow")
        return
    clinic = session.get(Clinic, client.clinic_id)
    assert clinic is not None
    tz = client_zone(session, client)
    subject = _subject(session, event, payload, client, now)
    if subject is None:
        _finish(event, "cancelled", now, "no longer needed")
        return
    context, deadline = subject
    if facts is not None and client.id not in facts.clients:
        facts = None
    today = planner.local_day(now, tz)
    started_today = (facts.started_between(client.id, *today) if facts is not None
                     else scheduled_started_between(session, client.id, *today))
    situation = planner.Situation(
        due_at=event.due_at, now=now, grace=planner.grace_for(flow_id), tz=tz,
        quiet=(parse_hhmm(clinic.quiet_start), parse_hhmm(clinic.quiet_end)),
        busy=_busy(session, event, client.id, flow_id, now, facts),
        in_crisis=(client.id in facts.in_crisis if facts is not None
                   else open_crisis(session, client.id, now) is not None),
        started_today=started_today, deadline=deadline,
    )
    decision = planner.gate(situation)
    if decision.reason == "busy" and _make_way(session, services, clinic, client, flow_id, now):
        facts = None  # a conversation was ended: read the client afresh from here on
        decision = planner.gate(replace(situation,
                                        busy=_busy(session, event, client.id, flow_id, now)))
    if decision.action == "wait":
        assert decision.until is not None
        assert decision.until > now
        event.due_at = decision.until
        event.status = "pending"
        event.payload = {**payload, "waited": decision.reason}
        event.claimed_at = now
        return
    contact = (facts.contacts.get(client.id) if facts is not None
               else preferred_contact(session, client))
    reachable = (contact is not None and not contact.opted_out and not client.opted_out
                 and client.status == "active")
    if decision.action == "skip" or not reachable:
        _finish(event, "missed", now, decision.reason or "unreachable")
    else:
        turn = Turn(session, services, clinic, client, contact, now, priority=PRIORITY_SCHEDULED)
        if facts is not None and facts.begun.start(turn, flow_id, context, event):
            _finish(event, "done", now, "started")  # its run is written with the batch's
        else:
            run = start_flow(turn, flow_id, context=context, known_idle=facts is not None)
            if run is None:  # another conversation began in between: look again shortly
                event.due_at = now + planner.RECHECK_AFTER
                event.status = "pending"
                event.claimed_at = now
                return
            event.flow_run = run
            _finish(event, "done", now, "started")
    if event.kind == CHECKIN:
        _plan_following(session, event, payload, flow_id, now, facts)


def _finish(event: TimedEvent, status: str, now: datetime, outcome: str) -> None:
    event.claimed_at = now
    event.status = status
    event.done_at = now
    event.payload = {**(event.payload or {}), "outcome": outcome}


def _subject(session: Session, event: TimedEvent, payload: dict[str, Any], client: Client,
             now: datetime) -> tuple[dict[str, str], datetime | None] | None:
    """The flow context for the event and its deadline; None when what it is
    about is gone."""
    lang = client.language
    tz = client_zone(session, client)
    if event.kind == CHECKIN:
        enrollment = session.get(Enrollment, int(payload.get("enrollment_id", 0)))
        if enrollment is None or not enrollment.active:
            return None
        return {"enrollment_id": str(enrollment.id)}, None
    if event.kind == APPOINTMENT_REMINDER:
        appointment = session.get(Appointment, int(payload.get("appointment_id", 0)))
        if appointment is None or appointment.status in {"cancelled", "reschedule_requested"}:
            return None
        context = {"appointment_id": str(appointment.id),
                   "when": appointment_when(appointment.starts_at, now, tz, lang)}
        return context, appointment.starts_at
    if event.kind == REFILL_REMINDER:
        refill = session.get(Refill, int(payload.get("refill_id", 0)))
        if refill is None or refill.status == "picked_up":
            return None
        return {"refill_id": str(refill.id), "when": day_when(refill.due_date, lang)}, None
    return None


def _make_way(session: Session, services: Services, clinic: Clinic, client: Client,
              flow_id: str, now: datetime) -> bool:
    """End a live, lower-ranked conversation the client has left unanswered for a
    while, so an appointment reminder or a screen is not held behind an ignored
    daily check-in until it is too late. The check-in is recorded incomplete, as
    when it expires; a conversation the client is answering is never cut short."""
    run = live_run(session, client.id)
    if run is None or planner.flow_rank(run.flow_id) <= planner.flow_rank(flow_id):
        return False
    last_reply = session.scalar(select(func.max(Message.created_at)).where(
        Message.client_id == client.id, Message.direction == "in"))
    quiet_since = max(run.started_at, last_reply) if last_reply is not None else run.started_at
    if now - quiet_since < planner.IDLE_BEFORE_MAKING_WAY:
        return False
    contact = preferred_contact(session, client)
    if contact is None:
        return False
    turn = Turn(session, services, clinic, client, contact, now, priority=PRIORITY_SCHEDULED)
    advance_run(turn, run, Abandon())
    session.flush()  # the run no longer holds the client's one live conversation
    return True


# Built once: it runs for every fired event.
_OTHERS_DUE = select(TimedEvent).where(
    TimedEvent.client_id == bindparam("client_id"), TimedEvent.kind.in_(SCHEDULED_KINDS),
    TimedEvent.status == "pending", TimedEvent.due_at <= bindparam("now"),
    TimedEvent.id != bindparam("event_id"))


def _busy(session: Session, event: TimedEvent, client_id: int, flow_id: str,
          now: datetime, facts: BatchFacts | None = None) -> bool:
    """A live conversation, or a more urgent scheduled one due at the same time."""
    live = facts.live_runs.get(client_id) if facts is not None else live_run(session, client_id)
    if live is not None:
        return True
    rank = planner.flow_rank(flow_id)
    others = (facts.others_due(event, now) if facts is not None else
              session.scalars(_OTHERS_DUE, {"client_id": client_id, "now": now,
                                            "event_id": event.id}).all())
    return any(planner.flow_rank(str((other.payload or {}).get("flow_id", ""))) < rank
               for other in others)


def _plan_following(session: Session, event: TimedEvent, payload: dict[str, Any],
                    flow_id: str, now: datetime, facts: BatchFacts | None) -> None:
    enrollment = session.get(Enrollment, int(payload.get("enrollment_id", 0)))
    if enrollment is None:
        return
    occurs_at = datetime.fromisoformat(str(payload.get("occurs_at", event.due_at.isoformat())))
    # After an outage, occurrences already past their grace are not planned at all.
    after = max(occurs_at, now - planner.grace_for(flow_id))
    if facts is None:
        plan_checkin(session, enrollment, after=after, now=now)
        return
    # As `plan_checkin`, from what the batch read; the new event is inserted with
    # the batch's other timed events when it ends.
    for stale in facts.pending_checkins(enrollment.client_id, enrollment.id):
        stale.status = "cancelled"
    columns = next_checkin(session, enrollment, after=after, now=now)
    if columns is not None:
        facts.begun.plan(columns)

