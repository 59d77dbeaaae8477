"""The outbox: sends once, urgent first, never after STOP, retries what can be
retried and records what cannot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import (
    RateLimited,
    RecipientBlocked,
    RecipientOptedOut,
    SendReceipt,
    TransientSendError,
)
from bot.clock import SimulatedClock
from bot.outbox import PRIORITY_REPLY, PRIORITY_URGENT, OutboxSender, queue_message
from bot.seed import create_client, create_clinic
from bot.store.db import session_factory
from bot.store.models import ContactPoint, Message, Outbox

T0 = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)


class ScriptedChannel:
    """A channel port fake: raises the scripted errors in turn, then delivers."""

    name = "sms"

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[tuple[str, str, str]] = []

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append((address, body, idempotency_key))
        return SendReceipt(provider_id=f"SM{len(self.sent)}")


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def queue(sessions: sessionmaker[Session], body: str, *, kind: str = "reply",
          priority: int = PRIORITY_REPLY) -> int:
    with sessions.begin() as session:
        contact = session.scalars(select(ContactPoint)).first()
        if contact is None:
            clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                                   timezone="America/Chicago", crisis_line="1",
                                   contact_phone="2", program_name="p", now=T0)
            client = create_client(session, clinic=clinic, first_name="Ana",
                                   phone="+12015550123", now=T0)
            contact = session.scalars(select(ContactPoint).where(
                ContactPoint.client_id == client.id)).one()
        message = queue_message(session, clinic_id="demo", client_id=contact.client_id,
                                contact=contact, channel="sms", address=contact.address,
                                body=body, kind=kind, priority=priority, now=T0)
        session.flush()
        return message.id


def run(sender: OutboxSender) -> None:
    asyncio.run(sender.drain())


def test_each_message_is_sent_once_urgent_first(sessions: sessionmaker[Session]) -> None:
    """Queued texts go out once each; a crisis reply jumps ahead of the queue."""
    queue(sessions, "first question")
    queue(sessions, "crisis reply", kind="crisis", priority=PRIORITY_URGENT)
    channel = ScriptedChannel()
    sender = OutboxSender(sessions, {"sms": channel}, SimulatedClock(T0))
    run(sender)
    run(sender)
    assert [body for _, body, _ in channel.sent] == ["crisis reply", "first question"]


def test_nothing_but_a_crisis_reply_goes_to_an_opted_out_contact(
    sessions: sessionmaker[Session],
) -> None:
    """After STOP a pending question is cancelled while a crisis reply still goes."""
    question = queue(sessions, "a question")
    queue(sessions, "crisis reply", kind="crisis", priority=PRIORITY_URGENT)
    with sessions.begin() as session:
        session.scalars(select(ContactPoint)).one().opted_out = True
    channel = ScriptedChannel()
    run(OutboxSender(sessions, {"sms": channel}, SimulatedClock(T0)))
    assert [body for _, body, _ in channel.sent] == ["crisis reply"]
    with sessions() as session:
        assert session.get(Message, question).status == "failed"  # type: ignore[union-attr]


def test_a_carrier_opt_out_marks_the_contact_and_stops_retrying(
    sessions: sessionmaker[Session],
) -> None:
    """Twilio's 21610 marks the contact opted out and the row fails with the code."""
    queue(sessions, "hello")
    channel = ScriptedChannel(RecipientOptedOut("opted out", code="21610"))
    run(OutboxSender(sessions, {"sms": channel}, SimulatedClock(T0)))
    with sessions() as session:
        assert session.scalars(select(ContactPoint)).one().opted_out
        message = session.scalars(select(Message)).one()
        assert (message.status, message.error_code) == ("failed", "21610")


def test_a_blocked_bot_marks_the_contact_blocked(sessions: sessionmaker[Session]) -> None:
    """Telegram's Forbidden marks the contact blocked."""
    queue(sessions, "hello")
    run(OutboxSender(sessions, {"sms": ScriptedChannel(RecipientBlocked("blocked"))},
                     SimulatedClock(T0)))
    with sessions() as session:
        assert session.scalars(select(ContactPoint)).one().blocked


def test_a_transient_failure_is_retried_later_with_the_same_key(
    sessions: sessionmaker[Session],
) -> None:
    """A 5xx waits with backoff and then goes out, keeping its idempotency key."""
    queue(sessions, "hello")
    clock = SimulatedClock(T0)
    channel = ScriptedChannel(TransientSendError("503"), RateLimited("slow down", 30))
    sender = OutboxSender(sessions, {"sms": channel}, clock)
    run(sender)
    assert channel.sent == []
    clock.advance(timedelta(seconds=3))
    run(sender)
    assert channel.sent == []  # rate limited: told to wait 30 s
    clock.advance(timedelta(seconds=31))
    run(sender)
    assert len(channel.sent) == 1
    with sessions() as session:
        row = session.scalars(select(Outbox)).one()
        assert (row.status, row.attempts) == ("sent", 3)
        assert channel.sent[0][2] == row.idempotency_key


def test_a_row_left_sending_by_a_crash_is_sent_again(sessions: sessionmaker[Session]) -> None:
    """A row claimed by a sender that died goes back to the queue after a while."""
    queue(sessions, "hello")
    with sessions.begin() as session:
        row = session.scalars(select(Outbox)).one()
        row.status, row.claimed_at = "sending", T0
    clock = SimulatedClock(T0)
    channel = ScriptedChannel()
    sender = OutboxSender(sessions, {"sms": channel}, clock)
    assert sender.recover_stale() == 0
    clock.advance(timedelta(minutes=3))
    assert sender.recover_stale() == 1
    run(sender)
    assert len(channel.sent) == 1
