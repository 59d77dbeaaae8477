"""The shell around the pure flow engine: start a run, carry out the effects
of a step (messages to the outbox, results, escalations, timers), fire the
run's timers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.escalation.paging import page_if_raised
from bot.escalation.service import raise_escalation
from bot.flows.effects import (
    CancelTimers,
    Event,
    Finished,
    RaiseEscalation,
    RecordResult,
    RunState,
    Send,
    SetTimer,
    Start,
    StartFlow,
    Step,
)
from bot.flows.engine import advance
from bot.flows.schema import Flow
from bot.outbox import PRIORITY_REPLY, PRIORITY_URGENT, outbound_columns, queue_message
from bot.scheduling.service import record_outcome
from bot.services import Services
from bot.store.base import table_of
from bot.store.models import (
    Client,
    Clinic,
    ContactPoint,
    FlowRun,
    Message,
    Outbox,
    Result,
    TimedEvent,
)

LIVE_STATUSES = ("active", "paused")


class UnknownFlow(LookupError):
    def __init__(self, flow_id: str, known: list[str]) -> None:
        super().__init__(f"unknown flow {flow_id!r}; known flows: {', '.join(sorted(known))}")
        self.flow_id = flow_id


@dataclass
class Turn:
    """What one handling (an inbound message or a fired timer) works with."""

    session: Session
    services: Services
    clinic: Clinic
    client: Client
    contact: ContactPoint | None
    now: datetime
    priority: int
    source_message_id: int | None = None
    crisis_sent: bool = False  # a crisis reply went out: hold the flow's next question
    sent: list[str] = field(default_factory=list)
    # A batch of fired timers cancels the pending timers of the runs its steps
    # end in one statement as it ends (`BatchFacts.settle`); set, this is told
    # each ended run instead of an UPDATE per run. An ended run gets no timers.
    ended_run: Callable[[FlowRun], None] | None = None
    # Set by a batch of fired timers: texts of stored runs are written with
    # the batch's other rows as it ends (`StartBatch.write`).
    batch: StartBatch | None = None

    def send(self, text: str, kind: str, *, priority: int | None = None,
             run: FlowRun | None = None) -> None:
        contact = self.contact
        if contact is None:
            return
        priority = self.priority if priority is None else priority
        if self.batch is not None and run is not None and run.id is not None:
            message, row = outbound_columns(
                clinic_id=self.clinic.id, client_id=self.client.id, contact=contact,
                channel=contact.channel, address=contact.address, body=text, kind=kind,
                priority=priority, now=self.now)
            self.batch.sends.append(({**message, "flow_run_id": run.id}, row))
            self.sent.append(text)
            return
        if self.batch is None:
            # One message at a time (an inbound text, a page's reply): two plain
            # INSERTs now, not the unit of work at commit. Rows they point at go
            # in first (a run started or a contact point bound in this transaction).
            if self.session.new:
                self.session.flush()
            message, row = outbound_columns(
                clinic_id=self.clinic.id, client_id=self.client.id, contact=contact,
                channel=contact.channel, address=contact.address, body=text, kind=kind,
                priority=priority, now=self.now)
            connection = self.session.connection()
            message_id = connection.execute(
                _QUEUE_MESSAGE, {**message, "flow_run_id": run.id if run is not None else None}
            ).scalar_one()
            connection.execute(_QUEUE_OUTBOX, {**row, "message_id": message_id})
            self.sent.append(text)
            return
        queue_message(
            self.session,
            clinic_id=self.clinic.id,
            client_id=self.client.id,
            contact=contact,
            channel=contact.channel,
            address=contact.address,
            body=text,
            kind=kind,
            priority=priority,
            now=self.now,
            flow_run=run,
        )
        self.sent.append(text)


_QUEUE_MESSAGE = insert(table_of(Message)).returning(table_of(Message).c.id)
_QUEUE_OUTBOX = insert(table_of(Outbox))


def client_timezone(clinic: Clinic, client: Client) -> str:
    return client.timezone or clinic.timezone


def flow_context(clinic: Clinic, client: Client) -> dict[str, str]:
    context = {
        "first_name": client.first_name,
        "crisis_line": clinic.crisis_line,
        "clinic": clinic.name,
    }
    if client.sex:
        context["sex"] = client.sex
    return context


# Built once: these run for every message and fired event, and building a
# statement costs more than executing it.
_LIVE_RUN = select(FlowRun).where(FlowRun.active_client_id == bindparam("client_id")).limit(1)
_CONTACTS = (select(ContactPoint).where(ContactPoint.client_id == bindparam("client_id"))
             .order_by(ContactPoint.id))


def live_run(session: Session, client_id: int) -> FlowRun | None:
    return session.scalars(_LIVE_RUN, {"client_id": client_id}).first()


def preferred_contact(session: Session, client: Client) -> ContactPoint | None:
    """Where a message the client did not just prompt goes: the contact point
    the client wrote from last, else the first one they have."""
    contacts = session.scalars(_CONTACTS, {"client_id": client.id}).all()
    return contacts[-1] if contacts else None


def start_flow(turn: Turn, flow_id: str, context: Mapping[str, str] | None = None, *,
               known_idle: bool = False) -> FlowRun | None:
    """Start `flow_id` for the turn's client; None when another run is live
    (one conversation at a time). `context` adds values texts may use as
    placeholders (e.g. {when} of a reminder) to the client's own. A caller that
    has just found the client idle in this transaction says `known_idle`; the
    one-live-run constraint still refuses a second run at the flush."""
    if not known_idle and live_run(turn.session, turn.client.id) is not None:
        _flow(turn, flow_id)
        return None
    step = first_step(turn, flow_id, context)
    # Not flushed here: the run, its first question and its timers are written
    # together at the next flush.
    run = FlowRun(**run_columns(turn, flow_id, step))
    turn.session.add(run)
    apply_step(turn, run, step)
    return run


def _flow(turn: Turn, flow_id: str) -> Flow:
    flow = turn.services.flows.get(flow_id)
    if flow is None:
        raise UnknownFlow(flow_id, list(turn.services.flows))
    return flow


def first_step(turn: Turn, flow_id: str, context: Mapping[str, str] | None = None) -> Step:
    """The step a new run of `flow_id` begins with (the engine is pure: no row yet)."""
    event = Start(lang=turn.client.language,
                  context={**flow_context(turn.clinic, turn.client), **(context or {})})
    return advance(_flow(turn, flow_id), None, event, turn.now, turn.services.parser)


def run_columns(turn: Turn, flow_id: str, step: Step) -> dict[str, Any]:
    """A new run's columns, with its first step's state, so `apply_step` has
    nothing to update when the run simply starts."""
    return {"client_id": turn.client.id, "flow_id": flow_id, "status": "active",
            "state": step.state.to_json(), "started_at": turn.now, "updated_at": turn.now,
            "active_client_id": turn.client.id}


def timer_columns(turn: Turn, effect: SetTimer) -> dict[str, Any]:
    """A run's timer (its question's reminder or expiry), all but the run's id."""
    return {"clinic_id": turn.clinic.id, "client_id": turn.client.id,
            "kind": f"flow_{effect.kind}", "due_at": effect.at,
            "payload": {"step_id": effect.step_id, "token": effect.token},
            "status": "pending", "created_at": turn.now}


@dataclass
class _Start:
    event: TimedEvent
    run: dict[str, Any]
    sends: list[tuple[dict[str, Any], dict[str, Any]]]
    timers: list[dict[str, Any]]


@dataclass
class StartBatch:
    """Conversations begun by one batch of due check-ins and reminders, written
    when the batch ends in one INSERT per table (runs, messages, outbox rows,
    timers) instead of a flush per conversation. It takes a start whose first
    step only sends and sets timers, as every check-in's and reminder's does;
    `start` says False to anything else, which goes through `start_flow`. The
    rows are those `start_flow` writes, from the same column builders. The
    texts the batch's timers send to stored runs (`Turn.send`) go in with them."""

    starts: list[_Start] = field(default_factory=list)
    planned: list[dict[str, Any]] = field(default_factory=list)  # timed events of no run
    # Texts of runs already stored (a question's reminder): message and outbox row.
    sends: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    def plan(self, columns: dict[str, Any]) -> None:
        """Insert a timed event (a next check-in) with the batch's others."""
        self.planned.append({**columns, "flow_run_id": None})

    def start(self, turn: Turn, flow_id: str, context: Mapping[str, str],
              event: TimedEvent) -> bool:
        """Begin `flow_id` for the turn's (idle, reachable) client on behalf of
        `event`, whose `flow_run_id` is filled in by `write`."""
        contact = turn.contact
        step = first_step(turn, flow_id, context)
        if contact is None or step.state.status != "active" or turn.crisis_sent or not all(
                isinstance(effect, Send | SetTimer) for effect in step.effects):
            return False
        sends: list[tuple[dict[str, Any], dict[str, Any]]] = []
        timers: list[dict[str, Any]] = []
        for effect in step.effects:
            if isinstance(effect, Send):
                urgent = effect.kind == "supportive"
                sends.append(outbound_columns(
                    clinic_id=turn.clinic.id, client_id=turn.client.id, contact=contact,
                    channel=contact.channel, address=contact.address, body=effect.text,
                    kind=effect.kind, priority=PRIORITY_URGENT if urgent else turn.priority,
                    now=turn.now))
                turn.sent.append(effect.text)
            elif isinstance(effect, SetTimer):
                timers.append(timer_columns(turn, effect))
        self.starts.append(_Start(event, run_columns(turn, flow_id, step), sends, timers))
        return True

    def write(self, session: Session) -> None:
        """Insert the batch's runs, messages, outbox rows and timers, linking
        each to the ids the one before returned, and name each event's run.
        The session's own changes are flushed after, at commit."""
        if not self.starts and not self.planned and not self.sends:
            return
        with session.no_autoflush:
            runs, sent = table_of(FlowRun), table_of(Message)
            run_ids = session.scalars(
                insert(runs).returning(runs.c.id, sort_by_parameter_order=True),
                [start.run for start in self.starts]).all() if self.starts else []
            messages: list[dict[str, Any]] = []
            outbox: list[dict[str, Any]] = []
            timers: list[dict[str, Any]] = list(self.planned)
            for start, run_id in zip(self.starts, run_ids, strict=True):
                start.event.flow_run_id = run_id
                for message, row in start.sends:
                    messages.append({**message, "flow_run_id": run_id})
                    outbox.append(row)
                timers.extend({**timer, "flow_run_id": run_id} for timer in start.timers)
            for message, row in self.sends:
                messages.append(message)
                outbox.append(row)
            if messages:
                message_ids = session.scalars(
                    insert(sent).returning(sent.c.id, sort_by_parameter_order=True),
                    messages).all()
                session.execute(insert(table_of(Outbox)), [
                    {**row, "message_id": message_id}
                    for row, message_id in zip(outbox, message_ids, strict=True)])
            if timers:
                session.execute(insert(table_of(TimedEvent)), timers)
        self.starts.clear()
        self.planned.clear()
        self.sends.clear()


def advance_run(turn: Turn, run: FlowRun, event: Event) -> Step:
    flow = turn.services.flows.get(run.flow_id)
    if flow is None:
        raise UnknownFlow(run.flow_id, list(turn.services.flows))
    state = RunState.from_json(run.state)
    step = advance(flow, state, event, turn.now, turn.services.parser)
    apply_step(turn, run, step)
    return step


def apply_step(turn: Turn, run: FlowRun, step: Step) -> None:
    """Carry out a step's effects in the turn's transaction."""
    session = turn.session
    follow_up: str | None = None
    timers_cancelled = False
    # The step ends a stored run whose batch cancels the timers of the runs it ends.
    batch_cancels = (turn.ended_run is not None and step.state.status not in LIVE_STATUSES
                     and run not in session.new)
    for effect in step.effects:
        if isinstance(effect, Send):
            if turn.crisis_sent and effect.kind != "closing":
                continue  # the crisis reply stands alone; the run is paused below
            urgent = effect.kind == "supportive"
            turn.send(effect.text, effect.kind, run=run,
                      priority=PRIORITY_URGENT if urgent else None)
        elif isinstance(effect, RecordResult):
            result = Result(
                client_id=turn.client.id,
                flow_run=run,
                instrument=effect.instrument,
                status=effect.status,
                total=effect.total,
                severity=effect.severity,
                items=dict(effect.items),
                values=dict(effect.values),
                loinc=dict(effect.loinc),
                recorded_at=turn.now,
            )
            session.add(result)  # written at the next flush, with the run it belongs to
            record_outcome(session, client_id=run.client_id, context=step.state.context,
                           values=effect.values, now=turn.now)
        elif isinstance(effect, RaiseEscalation):
            raised = raise_escalation(
                session,
                clinic_id=turn.clinic.id,
                client_id=turn.client.id,
                level=effect.level,
                category=effect.category,
                reason=effect.reason,
                now=turn.now,
                source_message_id=turn.source_message_id,
            )
            # Paging: a questionnaire trigger pages exactly like a risk message.
            page_if_raised(session, raised, turn.services.paging, turn.now)
        elif isinstance(effect, SetTimer):
            session.add(TimedEvent(**timer_columns(turn, effect), flow_run=run))
            timers_cancelled = False
        elif isinstance(effect, CancelTimers):
            if not batch_cancels:
                cancel_run_timers(session, run)
            timers_cancelled = True
        elif isinstance(effect, Finished):
            pass  # the state below carries the status
        elif isinstance(effect, StartFlow):
            follow_up = effect.flow_id
    state = step.state
    if turn.crisis_sent and state.status == "active":
        state = state.evolve(status="paused")
    run.state = state.to_json()
    run.status = state.status
    run.updated_at = turn.now
    if state.status not in LIVE_STATUSES:
        run.active_client_id = None
        run.ended_at = turn.now
        if batch_cancels:
            assert turn.ended_run is not None
            turn.ended_run(run)
        elif not timers_cancelled:
            cancel_run_timers(session, run)
    if follow_up is not None and run.active_client_id is None and not turn.crisis_sent:
        session.flush()  # the client's one live conversation is free before the next
        start_flow(turn, follow_up)


def cancel_run_timers(session: Session, run: FlowRun) -> None:
    """Cancel the run's pending timers (a run not yet written has none stored)."""
    if run in session.new:
        for pending in session.new:
            if isinstance(pending, TimedEvent) and pending.flow_run is run:
                pending.status = "cancelled"
        return
    session.execute(
        update(TimedEvent)
        .where(TimedEvent.flow_run_id == run.id, TimedEvent.status == "pending")
        .values(status="cancelled")
    )


def start_flow_for_client(
    session_factory: sessionmaker[Session],
    services: Services,
    client_id: int,
    flow_id: str,
    now: datetime,
    *,
    priority: int = PRIORITY_REPLY,
) -> bool:
    """Start `flow_id` for a client in its own transaction; False when the
    client already has a live run. Raises UnknownFlow, LookupError."""
    with session_factory() as session:
        client = session.get(Client, client_id)
        if client is None:
            raise LookupError(f"no client {client_id}")
        clinic = session.get(Clinic, client.clinic_id)
        assert clinic is not None
        turn = Turn(session, services, clinic, client, preferred_contact(session, client), now,
                    priority=priority)
        run = start_flow(turn, flow_id)
        session.commit()
        return run is not None
