"""The shell around the pure flow engine: start a run, carry out the effects
of a step (messages to the outbox, results, escalations, timers), fire the
run's timers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select, update
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
from bot.outbox import PRIORITY_REPLY, PRIORITY_URGENT, queue_message
from bot.scheduling.service import record_outcome
from bot.services import Services
from bot.store.models import Client, Clinic, ContactPoint, FlowRun, Result, TimedEvent

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

    def send(self, text: str, kind: str, *, priority: int | None = None,
             flow_run_id: int | None = None) -> None:
        contact = self.contact
        if contact is None:
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
            priority=self.priority if priority is None else priority,
            now=self.now,
            flow_run_id=flow_run_id,
        )
        self.sent.append(text)


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
    flow = turn.services.flows.get(flow_id)
    if flow is None:
        raise UnknownFlow(flow_id, list(turn.services.flows))
    if not known_idle and live_run(turn.session, turn.client.id) is not None:
        return None
    event = Start(lang=turn.client.language,
                  context={**flow_context(turn.clinic, turn.client), **(context or {})})
    step = advance(flow, None, event, turn.now, turn.services.parser)
    # Inserted with the first step's state (the engine is pure and needs no row),
    # so `apply_step` has nothing to update when the run simply starts.
    run = FlowRun(
        client_id=turn.client.id,
        flow_id=flow_id,
        status="active",
        state=step.state.to_json(),
        started_at=turn.now,
        updated_at=turn.now,
        active_client_id=turn.client.id,
    )
    turn.session.add(run)
    turn.session.flush()
    apply_step(turn, run, step)
    return run


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
    for effect in step.effects:
        if isinstance(effect, Send):
            if turn.crisis_sent and effect.kind != "closing":
                continue  # the crisis reply stands alone; the run is paused below
            urgent = effect.kind == "supportive"
            turn.send(effect.text, effect.kind, flow_run_id=run.id,
                      priority=PRIORITY_URGENT if urgent else None)
        elif isinstance(effect, RecordResult):
            result = Result(
                client_id=turn.client.id,
                flow_run_id=run.id,
                instrument=effect.instrument,
                status=effect.status,
                total=effect.total,
                severity=effect.severity,
                items=dict(effect.items),
                values=dict(effect.values),
                loinc=dict(effect.loinc),
                recorded_at=turn.now,
            )
            session.add(result)
            session.flush()
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
            session.add(
                TimedEvent(
                    clinic_id=turn.clinic.id,
                    client_id=turn.client.id,
                    kind=f"flow_{effect.kind}",
                    due_at=effect.at,
                    payload={"step_id": effect.step_id, "token": effect.token},
                    status="pending",
                    flow_run_id=run.id,
                    created_at=turn.now,
                )
            )
        elif isinstance(effect, CancelTimers):
            cancel_run_timers(session, run.id)
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
        cancel_run_timers(session, run.id)
    session.flush()
    if follow_up is not None and run.active_client_id is None and not turn.crisis_sent:
        start_flow(turn, follow_up)


def cancel_run_timers(session: Session, run_id: int) -> None:
    session.execute(
        update(TimedEvent)
        .where(TimedEvent.flow_run_id == run_id, TimedEvent.status == "pending")
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
