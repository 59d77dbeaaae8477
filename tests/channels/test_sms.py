"""Sending SMS with the real twilio library against a fake Twilio: receipts,
opt-outs, rate limits, outages and pacing, as the outbox sender sees them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.channels.base import PermanentSendError, RecipientOptedOut, TransientSendError
from bot.channels.pacing import Pacer
from bot.channels.sms import TwilioSmsChannel, signature_is_valid, signed_url
from bot.config import load_settings
from bot.outbox import OutboxSender
from bot.store.db import session_factory
from tests.channels.world import CLIENT_PHONE, World, seed_world
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, FakeTwilio

SERVICE_SID = "MG" + "1" * 32
PUBLIC_URL = "https://tether.example.org"


@pytest.fixture
def world(engine: Engine) -> World:
    return seed_world(session_factory(engine))


def channel_for(twilio: FakeTwilio, **options: object) -> TwilioSmsChannel:
    settings = load_settings({}, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                             twilio_api_base_url=twilio.base_url, public_url=PUBLIC_URL,
                             twilio_messages_per_second=1000, **options)
    return TwilioSmsChannel.from_settings(settings)


async def deliver(world: World, channel: TwilioSmsChannel) -> None:
    await OutboxSender(world.sessions, {"sms": channel}, world.clock).drain()


async def test_a_sent_text_records_twilios_message_sid(world: World, twilio: FakeTwilio) -> None:
    """A text reaches Twilio from the clinic number; its SM sid is stored."""
    message_id = world.queue_text("sms", "Time for your check-in.")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    [sms] = twilio.sent
    assert (sms.to, sms.body, sms.sender) == (CLIENT_PHONE, "Time for your check-in.",
                                              CLINIC_NUMBER)
    assert sms.status_callback == PUBLIC_URL + "/webhooks/twilio/status"
    message = world.message(message_id)
    assert message.status == "sent"
    assert message.provider_id == sms.sid


async def test_a_messaging_service_sends_instead_of_a_number(
    world: World, twilio: FakeTwilio
) -> None:
    """With a Messaging Service configured, Twilio picks the sending number."""
    world.queue_text("sms", "hello")
    await deliver(world, channel_for(twilio, twilio_messaging_service_sid=SERVICE_SID))
    [sms] = twilio.sent
    assert sms.service_sid == SERVICE_SID
    assert sms.sender is None


async def test_error_21610_marks_the_number_opted_out(world: World, twilio: FakeTwilio) -> None:
    """Twilio's 21610 (the person texted STOP to the carrier) opts the contact out."""
    twilio.fail_for(CLIENT_PHONE, 400, code=21610, message="Attempt to send to unsubscribed")
    message_id = world.queue_text("sms", "hello")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    assert world.contact("sms").opted_out
    message = world.message(message_id)
    assert (message.status, message.error_code) == ("failed", "21610")
    later = world.queue_text("sms", "are you there?")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    assert world.outbox_row(later).status == "cancelled"
    assert twilio.sent == []


async def test_a_429_with_retry_after_waits_that_long(world: World, twilio: FakeTwilio) -> None:
    """A rate-limited send is retried after the seconds Twilio asked for."""
    twilio.fail_next(1, 429, code=20429, message="Too Many Requests", retry_after=30)
    message_id = world.queue_text("sms", "hello")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    row = world.outbox_row(message_id)
    assert row.status == "pending"
    assert row.next_attempt_at == world.clock.now() + timedelta(seconds=30)
    world.clock.advance(timedelta(seconds=30))
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    assert world.outbox_row(message_id).status == "sent"
    assert len(twilio.sent) == 1


@pytest.mark.parametrize(("status", "code"), [(500, None), (503, None), (429, 20429)])
async def test_outages_are_retried_with_backoff(
    world: World, twilio: FakeTwilio, status: int, code: int | None
) -> None:
    """A 5xx or a 429 without Retry-After is retried later, not failed."""
    twilio.fail_next(1, status, code=code)
    message_id = world.queue_text("sms", "hello")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    row = world.outbox_row(message_id)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > world.clock.now()
    assert world.message(message_id).status == "queued"


async def test_a_timeout_is_retried(world: World, twilio: FakeTwilio) -> None:
    """Twilio not answering in time is a transient failure."""
    twilio.delay_next(1.5)
    channel = TwilioSmsChannel(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                               from_number=CLINIC_NUMBER, api_base_url=twilio.base_url,
                               timeout=0.3, per_second=1000)
    with pytest.raises(TransientSendError):
        await channel.send(CLIENT_PHONE, "hello", "msg-1")


async def test_a_text_twilio_took_before_timing_out_is_not_sent_again(
    world: World, twilio: FakeTwilio
) -> None:
    """A send that timed out but reached Twilio is found there on retry, not sent twice."""
    twilio.now = world.clock.now
    twilio.delay_next(1.0)
    message_id = world.queue_text("sms", "hello")
    channel = TwilioSmsChannel(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                               from_number=CLINIC_NUMBER, api_base_url=twilio.base_url,
                               timeout=0.3, per_second=1000)
    await deliver(world, channel)
    assert world.outbox_row(message_id).status == "pending"
    await asyncio.sleep(1.0)  # Twilio takes the text after we gave up waiting
    [sms] = twilio.sent
    world.clock.advance(timedelta(minutes=10))
    await deliver(world, channel)
    assert len(twilio.sent) == 1
    assert world.outbox_row(message_id).status == "sent"
    assert world.message(message_id).provider_id == sms.sid


async def test_a_retry_sends_when_twilio_has_no_earlier_attempt(
    world: World, twilio: FakeTwilio
) -> None:
    """The same text sent earlier (another row, already recorded) does not stop a retry."""
    twilio.now = world.clock.now
    channel = channel_for(twilio, twilio_from_number=CLINIC_NUMBER)
    world.queue_text("sms", "hello")
    await deliver(world, channel)
    twilio.fail_next(1, 503)
    second = world.queue_text("sms", "hello")
    await deliver(world, channel)
    world.clock.advance(timedelta(minutes=10))
    await deliver(world, channel)
    assert [sms.body for sms in twilio.sent] == ["hello", "hello"]
    assert world.message(second).provider_id == twilio.sent[1].sid


async def test_an_unreachable_twilio_is_retried() -> None:
    """A refused connection is a transient failure too."""
    with FakeTwilio() as gone:
        base_url = gone.base_url
    channel = TwilioSmsChannel(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                               from_number=CLINIC_NUMBER, api_base_url=base_url, per_second=1000)
    with pytest.raises(TransientSendError):
        await channel.send(CLIENT_PHONE, "hello", "msg-1")


async def test_other_client_errors_fail_with_the_code(world: World, twilio: FakeTwilio) -> None:
    """A bad number (21211) fails for good, with Twilio's code on the message."""
    twilio.fail_next(1, 400, code=21211, message="Invalid 'To' Phone Number")
    message_id = world.queue_text("sms", "hello")
    await deliver(world, channel_for(twilio, twilio_from_number=CLINIC_NUMBER))
    message = world.message(message_id)
    assert (message.status, message.error_code) == ("failed", "21211")
    assert world.outbox_row(message_id).status == "failed"
    assert not world.contact("sms").opted_out


async def test_errors_map_to_our_error_tree(twilio: FakeTwilio) -> None:
    """Each Twilio failure raises the matching Tether error class."""
    channel = channel_for(twilio, twilio_from_number=CLINIC_NUMBER)
    twilio.fail_next(1, 400, code=21610)
    with pytest.raises(RecipientOptedOut) as opted_out:
        await channel.send(CLIENT_PHONE, "hello", "k1")
    assert opted_out.value.code == "21610"
    twilio.fail_next(1, 401, code=20003)
    with pytest.raises(PermanentSendError):
        await channel.send(CLIENT_PHONE, "hello", "k2")


async def test_sends_from_one_number_are_paced(twilio: FakeTwilio) -> None:
    """Sends through one number wait for the pacer: 1 a second by default."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    pacer = Pacer(1.0, monotonic=lambda: 100.0, sleep=record)
    channel = TwilioSmsChannel(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                               from_number=CLINIC_NUMBER, api_base_url=twilio.base_url,
                               pacer=pacer)
    for key in ("a", "b", "c"):
        await channel.send(CLIENT_PHONE, "hello", key)
    assert waits == [1.0, 2.0]
    assert len(twilio.sent) == 3


def test_signatures_are_checked_against_the_public_url() -> None:
    """A proxy's internal URL does not validate; the public URL Twilio signed does."""
    from twilio.request_validator import RequestValidator

    params = {"From": CLIENT_PHONE, "Body": "hi", "MessageSid": "SM1"}
    url = signed_url(PUBLIC_URL, "/webhooks/twilio/sms", "")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    assert signature_is_valid(AUTH_TOKEN, url, params, signature)
    assert not signature_is_valid(AUTH_TOKEN, "http://10.0.0.5:8000/webhooks/twilio/sms",
                                  params, signature)
    assert not signature_is_valid(AUTH_TOKEN, url, {**params, "Body": "changed"}, signature)
    assert not signature_is_valid(AUTH_TOKEN, url, params, None)
