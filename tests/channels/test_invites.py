"""Binding a Telegram chat to a client with a one-time invite code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.channels.invites import Redemption, create_invite, invite_link, redeem_invite
from bot.seed import create_client
from bot.store.db import session_factory
from bot.store.models import AuditEvent, Clinic, ContactPoint, InviteCode, Message, Outbox
from tests.channels.world import World, seed_world

CHAT = "55501"


@pytest.fixture
def world(engine: Engine) -> World:
    return seed_world(session_factory(engine))


def invite(world: World, ttl: timedelta = timedelta(days=7)) -> str:
    with world.sessions.begin() as session:
        return create_invite(session, client_id=world.client_id, now=world.clock.now(),
                             ttl=ttl).code


def redeem(world: World, code: str, chat: str = CHAT, update_id: str | None = None) -> Redemption:
    return redeem_invite(world.sessions, chat_id=chat, code=code,
                         provider_id=update_id or f"u-{chat}-{code}", now=world.clock.now())


def replies(world: World, chat: str = CHAT) -> list[str]:
    with world.sessions() as session:
        return list(session.scalars(select(Outbox.body).where(Outbox.address == chat)
                                    .order_by(Outbox.id)).all())


def count(world: World, model: type, *where: object) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_an_invite_binds_the_chat_once(world: World) -> None:
    """A fresh code binds the chat, is used up, is audited, and the client is welcomed."""
    code = invite(world)
    result = redeem(world, code)
    assert result.bound
    assert result.client_id == world.client_id
    assert world.contact("telegram").address == CHAT
    assert count(world, InviteCode, InviteCode.used_at.is_not(None)) == 1
    assert count(world, AuditEvent, AuditEvent.action == "contact.bound") == 1
    [welcome] = replies(world)
    assert "Maria" in welcome
    assert "Riverside Health" in welcome


def test_a_used_code_binds_nothing(world: World) -> None:
    """A second chat opening the same link gets a polite refusal and no binding."""
    code = invite(world)
    redeem(world, code)
    result = redeem(world, code, chat="55502")
    assert not result.bound
    assert result.reason == "used"
    assert count(world, ContactPoint, ContactPoint.address == "55502") == 0
    assert "ask your clinic for a new one" in replies(world, "55502")[0]


def test_an_expired_code_binds_nothing(world: World) -> None:
    """A code past its expiry is refused."""
    code = invite(world, ttl=timedelta(hours=1))
    world.clock.advance(timedelta(hours=2))
    result = redeem(world, code)
    assert (result.bound, result.reason) == (False, "expired")
    assert count(world, ContactPoint, ContactPoint.channel == "telegram") == 0


def test_an_unknown_code_binds_nothing(world: World) -> None:
    """A made-up code is refused the same polite way, revealing nothing."""
    result = redeem(world, "not-a-real-code")
    assert (result.bound, result.reason) == (False, "unknown")
    assert "expired or was already used" in replies(world)[0]


def test_a_retried_update_is_handled_once(world: World) -> None:
    """Telegram delivering the same /start twice binds once and replies once."""
    code = invite(world)
    redeem(world, code, update_id="42")
    again = redeem(world, code, update_id="42")
    assert again.duplicate
    assert len(replies(world)) == 1
    assert count(world, Message, Message.direction == "in") == 1


def test_the_code_is_not_kept_in_the_message_log(world: World) -> None:
    """The stored /start message does not carry the code itself."""
    code = invite(world)
    redeem(world, code)
    with world.sessions() as session:
        bodies = session.scalars(select(Message.body).where(Message.direction == "in")).all()
    assert all(code not in body for body in bodies)


def test_a_chat_bound_to_someone_else_is_not_rebound(world: World) -> None:
    """A chat already tied to another client keeps its binding."""
    code = invite(world)
    redeem(world, code)
    with world.sessions.begin() as session:
        other = create_client(session, clinic=session.get_one(Clinic, "demo"),
                              first_name="Ana", now=world.clock.now())
        other_code = create_invite(session, client_id=other.id, now=world.clock.now()).code
    result = redeem(world, other_code)
    assert (result.bound, result.reason) == (False, "taken")
    assert world.contact("telegram").client_id == world.client_id


def test_codes_are_long_random_and_link_ready(world: World) -> None:
    """Codes are unguessable and fit Telegram's deep-link alphabet."""
    first, second = invite(world), invite(world)
    assert first != second
    assert len(first) >= 20
    assert all(ch.isalnum() or ch in "-_" for ch in first)
    assert invite_link("@tether_bot", first) == f"https://t.me/tether_bot?start={first}"


def test_an_invite_for_an_unknown_client_is_refused(world: World) -> None:
    """Staff get a clear error for a client id that does not exist."""
    with world.sessions.begin() as session, pytest.raises(LookupError, match="no client"):
        create_invite(session, client_id=9999, now=world.clock.now())


def test_a_new_invite_unblocks_a_chat_that_blocked_the_bot(world: World) -> None:
    """A client who blocked the bot and opens a new link is reachable again."""
    redeem(world, invite(world))
    with world.sessions.begin() as session:
        session.scalars(select(ContactPoint).where(ContactPoint.channel == "telegram")).one() \
            .blocked = True
    assert redeem(world, invite(world)).bound
    assert not world.contact("telegram").blocked
