"""One clinic and one client with an SMS number or a Telegram chat, and an
outbound text waiting in the outbox: the channel tests' one place for set-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SimulatedClock
from bot.outbox import PRIORITY_REPLY, queue_message
from bot.seed import create_client, create_clinic, create_user
from bot.store.models import ContactPoint, Message, Outbox
from tests.conversation_helpers import DIAGNOSIS, MEDICATIONS, PROGRAM, T0

CLIENT_PHONE = "+12015550147"
CLIENT_CHAT = "777000111"
# The client's diagnosis, medications and program, and words that reveal them:
# none may reach a client's phone or chat. (PHQ-9's own item wording, "feeling
# down, depressed", is a question, not a diagnosis.)
PROTECTED_WORDS = ("opioid", "use disorder", "depressive disorder", "depression",
                   "buprenorphine", "naloxone", "sertraline", "treatment program", "phq",
                   "gad-7", "addiction", "rehab", "recovery program", " mat ")


@dataclass
class World:
    sessions: sessionmaker[Session]
    client_id: int
    clock: SimulatedClock

    def contact(self, channel: str) -> ContactPoint:
        with self.sessions() as session:
            return session.scalars(select(ContactPoint).where(
                ContactPoint.client_id == self.client_id,
                ContactPoint.channel == channel)).one()

    def queue_text(self, channel: str, body: str) -> int:
        """An outbound text to the client on `channel`; returns its message id."""
        with self.sessions.begin() as session:
            contact = session.scalars(select(ContactPoint).where(
                ContactPoint.client_id == self.client_id,
                ContactPoint.channel == channel)).one()
            message = queue_message(session, clinic_id="demo", client_id=self.client_id,
                                    contact=contact, channel=channel, address=contact.address,
                                    body=body, kind="reply", priority=PRIORITY_REPLY,
                                    now=self.clock.now())
            session.flush()
            return message.id

    def message(self, message_id: int) -> Message:
        with self.sessions() as session:
            return session.get_one(Message, message_id)

    def outbox_row(self, message_id: int) -> Outbox:
        with self.sessions() as session:
            return session.scalars(select(Outbox).where(Outbox.message_id == message_id)).one()


def seed_world(sessions: sessionmaker[Session], *, telegram: bool = False) -> World:
    """The demo clinic, an on-call clinician, and Maria (SMS; Telegram when asked)."""
    with sessions.begin() as session:
        clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                               timezone="America/Chicago", crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100", program_name=PROGRAM, now=T0)
        create_user(session, clinic=clinic, email="oncall@example.org", name="On call",
                    role="clinician", password="pw-for-tests", phone="+12015550123",
                    on_call=True, now=T0)
        client = create_client(session, clinic=clinic, first_name="Maria", phone=CLIENT_PHONE,
                               now=T0)
        client.diagnosis = DIAGNOSIS
        client.medications = MEDICATIONS
        if telegram:
            session.add(ContactPoint(client_id=client.id, channel="telegram",
                                     address=CLIENT_CHAT, created_at=T0))
        client_id = client.id
    return World(sessions, client_id, SimulatedClock(T0))


def assert_no_protected_words(bodies: list[str]) -> None:
    for body in bodies:
        lowered = body.lower()
        found = [word for word in PROTECTED_WORDS if word in lowered]
        assert not found, f"{found} in a text sent to a client: {body!r}"
