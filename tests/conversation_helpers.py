"""A clinic, a client on the simulator channel, and a way to talk as them:
the conversation tests' one place for set-up."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import InboundMessage
from bot.channels.simulator import SimulatorChannel
from bot.clock import SimulatedClock
from bot.conversation import Outcome, handle_inbound
from bot.outbox import OutboxSender
from bot.runs import start_flow_for_client
from bot.seed import create_client, create_clinic, create_user
from bot.services import Services
from bot.store.db import session_factory
from bot.store.models import ContactPoint, Message
from bot.timers import fire_due

T0 = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
DIAGNOSIS = "Opioid use disorder; major depressive disorder"
MEDICATIONS = "buprenorphine-naloxone 8 mg; sertraline 50 mg"
PROGRAM = "Riverside Opioid Treatment Program"


@dataclass
class Phone:
    """One client's phone on the simulator channel, with the clock in hand."""

    sessions: sessionmaker[Session]
    services: Services
    client_id: int
    address: str
    clock: SimulatedClock
    channel: SimulatorChannel = field(default_factory=SimulatorChannel)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def send(self, text: str, provider_id: str | None = None) -> Outcome:
        outcome = handle_inbound(self.sessions, self.services, InboundMessage(
            channel="simulator", address=self.address, text=text,
            received_at=self.clock.now(),
            provider_id=provider_id or f"in-{self.client_id}-{next(self._ids)}"))
        self.deliver()
        return outcome

    def start(self, flow_id: str) -> bool:
        started = start_flow_for_client(self.sessions, self.services, self.client_id, flow_id,
                                        self.clock.now())
        self.deliver()
        return started

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)
        fire_due(self.sessions, self.services, self.clock.now())
        self.deliver()

    def deliver(self) -> None:
        sender = OutboxSender(self.sessions, {"simulator": self.channel}, self.clock)
        asyncio.run(sender.drain())

    def received(self) -> list[str]:
        """Every text delivered to this phone, oldest first."""
        return [body for address, body in self.channel.delivered if address == self.address]

    def stored_out(self) -> list[Message]:
        with self.sessions() as session:
            return list(session.scalars(select(Message).where(
                Message.address == self.address, Message.direction == "out")
                .order_by(Message.id)).all())


def make_phone(engine: Engine, services: Services, *, language: str = "en",
               sex: str | None = None, first_name: str = "Maria") -> Phone:
    sessions = session_factory(engine)
    with sessions.begin() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone="America/Chicago", crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100", program_name=PROGRAM, now=T0)
        create_user(session, clinic=clinic, email="oncall@example.org", name="On call",
                    role="clinician", password="pw-for-tests", phone="+12015550123",
                    on_call=True, now=T0)
        client = create_client(session, clinic=clinic, first_name=first_name,
                               language=language, sex=sex, now=T0)
        client.diagnosis = DIAGNOSIS
        client.medications = MEDICATIONS
        address = f"sim-{client.id}"
        session.add(ContactPoint(client_id=client.id, channel="simulator", address=address,
                                 created_at=T0))
        client_id = client.id
    return Phone(sessions, services, client_id, address, SimulatedClock(T0))
