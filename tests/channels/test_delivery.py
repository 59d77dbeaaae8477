"""Delivery receipts move a message's status forward only."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.channels.delivery import next_status, record_delivery_status
from bot.store.db import session_factory
from bot.store.models import Message
from tests.channels.world import World, seed_world


@pytest.fixture
def world(engine: Engine) -> World:
    return seed_world(session_factory(engine))


def sent_message(world: World, sid: str) -> int:
    message_id = world.queue_text("sms", "hello")
    with world.sessions.begin() as session:
        message = session.get_one(Message, message_id)
        message.status, message.provider_id = "sent", sid
    return message_id


def report(world: World, sid: str, status: str, error_code: str | None = None) -> bool:
    return record_delivery_status(world.sessions, channel="sms", provider_id=sid,
                                  reported=status, error_code=error_code, now=world.clock.now())


def test_delivered_is_recorded_with_its_time(world: World) -> None:
    """A "delivered" callback marks the message delivered, with when."""
    message_id = sent_message(world, "SM1")
    assert report(world, "SM1", "delivered")
    message = world.message(message_id)
    assert message.status == "delivered"
    assert message.delivered_at == world.clock.now()


def test_a_late_sent_does_not_undo_delivered(world: World) -> None:
    """Callbacks out of order: "sent" after "delivered" changes nothing."""
    message_id = sent_message(world, "SM1")
    report(world, "SM1", "delivered")
    assert not report(world, "SM1", "sent")
    assert not report(world, "SM1", "queued")
    assert world.message(message_id).status == "delivered"


def test_undelivered_records_the_error_code(world: World) -> None:
    """A carrier's refusal is stored with Twilio's error code."""
    message_id = sent_message(world, "SM1")
    report(world, "SM1", "undelivered", "30003")
    message = world.message(message_id)
    assert (message.status, message.error_code) == ("undelivered", "30003")


def test_the_same_callback_twice_is_harmless(world: World) -> None:
    """A repeated callback is applied once."""
    sent_message(world, "SM1")
    assert report(world, "SM1", "failed", "30007")
    assert not report(world, "SM1", "failed", "30007")


def test_an_unknown_sid_changes_nothing(world: World) -> None:
    """A callback for a message we never sent is ignored."""
    assert not report(world, "SMnope", "delivered")


@pytest.mark.parametrize(("current", "reported", "expected"), [
    ("queued", "sending", None),
    ("queued", "sent", "sent"),
    ("sent", "delivered", "delivered"),
    ("sent", "read", "delivered"),
    ("delivered", "failed", None),
    ("failed", "delivered", None),
    ("sent", "something-new", None),
])
def test_status_order(current: str, reported: str, expected: str | None) -> None:
    """Statuses only move forward; final ones stay final."""
    assert next_status(current, reported) == expected
