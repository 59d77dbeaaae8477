"""Telegram with the real python-telegram-bot against a fake Bot API: sends,
blocked bots, flood control, outages, and long polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from bot.app import build_tether
from bot.channels.base import PermanentSendError, RateLimited, RecipientBlocked
from bot.channels.invites import create_invite
from bot.channels.telegram import TelegramChannel, bot_username, set_webhook
from bot.channels.telegram_polling import poll
from bot.config import Settings, load_settings
from bot.outbox import OutboxSender
from bot.store.db import session_factory
from bot.store.models import ContactPoint
from tests.channels.world import CLIENT_CHAT, World, assert_no_protected_words, seed_world
from tests.fakes.telegram import BOT_USERNAME, TOKEN, FakeTelegram

PUBLIC_URL = "https://tether.example.org"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def world(engine: Engine) -> World:
    return seed_world(session_factory(engine), telegram=True)


def settings_for(telegram: FakeTelegram, **options: object) -> Settings:
    return load_settings({}, telegram_bot_token=TOKEN, telegram_webhook_secret="s3cret-token",
                         telegram_api_base_url=telegram.api_base_url, public_url=PUBLIC_URL,
                         **options)


@pytest.fixture
async def channel(telegram: FakeTelegram) -> AsyncIterator[TelegramChannel]:
    channel = TelegramChannel.from_settings(settings_for(telegram))
    yield channel
    await channel.aclose()


async def deliver(world: World, channel: TelegramChannel) -> None:
    await OutboxSender(world.sessions, {"telegram": channel}, world.clock).drain()


async def test_a_sent_text_records_chat_and_message_id(
    world: World, telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    """A text reaches the chat; the stored provider id names chat and message."""
    message_id = world.queue_text("telegram", "Time for your check-in.")
    await deliver(world, channel)
    assert telegram.texts(CLIENT_CHAT) == ["Time for your check-in."]
    message = world.message(message_id)
    assert message.status == "sent"
    assert message.provider_id is not None
    assert message.provider_id.startswith(f"{CLIENT_CHAT}:")


async def test_a_blocked_bot_marks_the_contact_blocked(
    world: World, telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    """403 "bot was blocked by the user" blocks the contact; later texts are not tried."""
    telegram.block_by(CLIENT_CHAT)
    first = world.queue_text("telegram", "hello")
    await deliver(world, channel)
    assert world.contact("telegram").blocked
    assert (world.message(first).status, world.message(first).error_code) == ("failed", "403")
    later = world.queue_text("telegram", "hello again")
    await deliver(world, channel)
    assert world.outbox_row(later).status == "cancelled"
    assert telegram.methods().count("sendMessage") == 1


async def test_flood_control_waits_retry_after(
    world: World, telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    """429 with retry_after puts the send off by exactly that long."""
    telegram.fail_next(1, 429, "Too Many Requests: retry after 7", retry_after=7)
    message_id = world.queue_text("telegram", "hello")
    await deliver(world, channel)
    row = world.outbox_row(message_id)
    assert row.status == "pending"
    assert row.next_attempt_at == world.clock.now() + timedelta(seconds=7)


async def test_a_server_error_is_retried(
    world: World, telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    """A 500 from Telegram is retried with backoff, then goes through."""
    telegram.fail_next(1, 500)
    message_id = world.queue_text("telegram", "hello")
    await deliver(world, channel)
    row = world.outbox_row(message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    world.clock.advance(timedelta(minutes=1))
    await deliver(world, channel)
    assert world.outbox_row(message_id).status == "sent"
    assert telegram.texts(CLIENT_CHAT) == ["hello"]


async def test_a_bad_request_fails_for_good(
    world: World, telegram: FakeTelegram, channel: TelegramChannel
) -> None:
    """400 (e.g. chat not found) fails the message with the code recorded."""
    telegram.fail_next(1, 400, "Bad Request: chat not found")
    message_id = world.queue_text("telegram", "hello")
    await deliver(world, channel)
    message = world.message(message_id)
    assert (message.status, message.error_code) == ("failed", "400")


@pytest.mark.parametrize(("status", "retry_after", "error"), [
    (403, None, RecipientBlocked), (429, 3, RateLimited), (400, None, PermanentSendError)])
async def test_errors_map_to_our_error_tree(
    telegram: FakeTelegram, channel: TelegramChannel, status: int, retry_after: int | None,
    error: type[Exception],
) -> None:
    """Each Bot API failure raises the matching Tether error class."""
    telegram.fail_next(1, status, "nope", retry_after=retry_after)
    with pytest.raises(error) as raised:
        await channel.send(CLIENT_CHAT, "hello", "k")
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after == 3


async def test_set_webhook_registers_the_public_url_and_secret(telegram: FakeTelegram) -> None:
    """`tether telegram set-webhook` points Telegram at our webhook, with the secret."""
    url = await set_webhook(settings_for(telegram))
    assert url == PUBLIC_URL + "/webhooks/telegram"
    [params] = [params for method, params in telegram.calls if method == "setWebhook"]
    assert params["url"] == url
    assert params["secret_token"] == "s3cret-token"
    assert await bot_username(settings_for(telegram)) == BOT_USERNAME


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def test_polling_binds_an_invite_and_answers(
    tmp_path: object, telegram: FakeTelegram
) -> None:
    """Without a public URL, polling takes /start <code>, binds, and the welcome goes out."""
    settings = settings_for(telegram, database_url=f"sqlite:///{tmp_path}/poll.db")
    tether = build_tether(settings)
    tether.services.wait_for_risk_model()  # loaded: the waits below are for the replies
    from bot.store.db import create_all

    create_all(tether.engine)
    world = seed_world(tether.sessions)
    with tether.sessions.begin() as session:
        code = create_invite(session, client_id=world.client_id, now=world.clock.now()).code
    stop = asyncio.Event()
    task = asyncio.create_task(poll(tether, stop=stop, poll_timeout=1))
    try:
        telegram.queue_update(telegram.message_update(4242, f"/start {code}"))
        await wait_for(lambda: bool(telegram.texts("4242")))
        telegram.queue_update(telegram.message_update(9999, "hello?"))
        await wait_for(lambda: bool(telegram.texts("9999")))
    finally:
        stop.set()
        await task
        tether.engine.dispose()
    assert "connected" in telegram.texts("4242")[0]
    assert "ask your clinic" in telegram.texts("9999")[0]
    assert "deleteWebhook" in telegram.methods()
    assert_no_protected_words(telegram.texts())
    with tether.sessions() as session:
        bound = session.scalars(select(ContactPoint).where(
            ContactPoint.channel == "telegram")).one()
    assert bound.address == "4242"
