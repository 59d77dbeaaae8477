"""A clinic with an on-call clinician, an admin and a navigator, and a client
on the simulator channel: the paging tests' one place for set-up."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import Channel, InboundMessage, SendReceipt
from bot.clock import SimulatedClock
from bot.conversation import Outcome, handle_inbound
from bot.outbox import OutboxSender
from bot.seed import create_client, create_clinic, create_user
from bot.services import Services
from bot.store.models import Clinic, ContactPoint, Escalation, Outbox, Page, TimedEvent
from bot.timers import fire_due
from tests.conversation_helpers import DIAGNOSIS, MEDICATIONS, PROGRAM, T0

CLIENT_FIRST, CLIENT_LAST = "Maria", "Quintana"
CLIENT_PHONE = "+12015550147"
ONCALL_PHONE = "+12015550111"
IMMINENT = "i have a plan to kill myself tonight"
HIGH = "i want to die"


class RecordingChannel:
    """A channel port fake: raises the scripted errors in turn (for addresses
    starting with `failing`, by default staff ones), then delivers."""

    def __init__(self, name: str, *errors: Exception, failing: str = "staff-") -> None:
        self.name = name
        self.errors = list(errors)
        self.failing = failing if name == "simulator" else ""
        self.delivered: list[tuple[str, str]] = []

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        if self.errors and address.startswith(self.failing):
            raise self.errors.pop(0)
        self.delivered.append((address, body))
        return SendReceipt(provider_id=f"{self.name}-{idempotency_key}")


@dataclass
class Ward:
    sessions: sessionmaker[Session]
    services: Services
    clock: SimulatedClock
    channels: dict[str, Channel]
    client_id: int
    client_address: str
    oncall_id: int
    admin_id: int
    navigator_id: int
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def say(self, text: str) -> Outcome:
        """The client texts `text`; everything due is delivered."""
        return self.inbound("simulator", self.client_address, text)

    def inbound(self, channel: str, address: str, text: str) -> Outcome:
        outcome = handle_inbound(self.sessions, self.services, InboundMessage(
            channel=channel, address=address, text=text, received_at=self.clock.now(),
            provider_id=f"in-{next(self._ids)}"))
        self.deliver()
        return outcome

    def deliver(self) -> None:
        asyncio.run(OutboxSender(self.sessions, self.channels, self.clock).drain())

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        fire_due(self.sessions, self.services, self.clock.now())
        self.deliver()

    def pages(self) -> list[Page]:
        with self.sessions() as session:
            return list(session.scalars(select(Page).order_by(Page.id)).all())

    def page_rows(self) -> list[Outbox]:
        with self.sessions() as session:
            return list(session.scalars(select(Outbox).where(Outbox.kind == "page")
                                        .order_by(Outbox.id)).all())

    def resends(self, status: str = "pending") -> list[TimedEvent]:
        with self.sessions() as session:
            return list(session.scalars(select(TimedEvent).where(
                TimedEvent.kind == "page_resend", TimedEvent.status == status)).all())

    def escalations(self) -> list[Escalation]:
        with self.sessions() as session:
            return list(session.scalars(select(Escalation).order_by(Escalation.id)).all())

    def set_policy(self, policy: dict[str, Any] | None) -> None:
        with self.sessions.begin() as session:
            session.get_one(Clinic, "demo").escalation_policy = policy

    def protected(self) -> list[str]:
        """What no page may carry: the client's name, phone, diagnosis,
        medications and program."""
        return [CLIENT_FIRST, CLIENT_LAST, CLIENT_PHONE, CLIENT_PHONE[2:], DIAGNOSIS,
                *DIAGNOSIS.split("; "), *MEDICATIONS.split("; "), "buprenorphine", "sertraline",
                "opioid", PROGRAM, "suicide"]


def seed_ward(sessions: sessionmaker[Session], services: Services,
              channels: dict[str, Channel] | None = None) -> Ward:
    with sessions.begin() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone="America/Chicago", crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100", program_name=PROGRAM, now=T0)
        oncall = create_user(session, clinic=clinic, email="oncall@riverside.example",
                             name="Dr On Call", role="clinician", password="pw-for-tests",
                             phone=ONCALL_PHONE, on_call=True, now=T0)
        admin = create_user(session, clinic=clinic, email="admin@riverside.example",
                            name="Ada Admin", role="admin", password="pw-for-tests", now=T0)
        navigator = create_user(session, clinic=clinic, email="nav@riverside.example",
                                name="Nat Navigator", role="navigator", password="pw-for-tests",
                                phone="+12015550122", now=T0)
        client = create_client(session, clinic=clinic, first_name=CLIENT_FIRST,
                               last_name=CLIENT_LAST, phone=CLIENT_PHONE, now=T0)
        client.diagnosis = DIAGNOSIS
        client.medications = MEDICATIONS
        address = f"sim-{client.id}"
        session.add(ContactPoint(client_id=client.id, channel="simulator", address=address,
                                 created_at=T0))
        ids = (client.id, oncall.id, admin.id, navigator.id)
    return Ward(sessions, services, SimulatedClock(T0),
                channels if channels is not None else {"simulator": RecordingChannel("simulator")},
                ids[0], address, ids[1], ids[2], ids[3])
