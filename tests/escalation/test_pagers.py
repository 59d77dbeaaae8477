"""Pager adapters against real servers on loopback: e-mail over SMTP
(aiosmtpd) and the PagerDuty-shaped webhook (an HTTP server), with their
failures mapped onto the channel error tree."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.channels.base import PermanentSendError, RateLimited, TransientSendError
from bot.config import load_settings
from bot.escalation.pagers import EmailPager, SmtpServer, WebhookPager, build_pagers
from bot.escalation.paging import webhook_body
from tests.fakes.server import FakeServer, Reply
from tests.fakes.smtp import Mailbox, free_port, smtp_server

PAGE = ("Tether alert #12 (imminent). http://127.0.0.1:8000/escalations/12 "
        "Reply ACK 12 to acknowledge.")


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    with smtp_server(refuse="gone@riverside.example") as mailbox:
        yield mailbox


def test_an_email_page_reaches_the_smtp_server(smtp: Mailbox) -> None:
    """The page text arrives as subject and body, from the configured sender."""
    mailbox = smtp
    pager = EmailPager(SmtpServer.from_url(f"{mailbox.url}?from=alerts@riverside.example"))
    receipt = asyncio.run(pager.send("oncall@riverside.example", PAGE, "page-7"))
    assert receipt.provider_id == "<page-7@tether>"
    [message] = mailbox.messages
    assert message["Subject"] == "Tether alert #12 (imminent)"
    assert message["To"] == "oncall@riverside.example"
    assert message["Message-ID"] == "<page-7@tether>"
    assert message.get_content().strip() == PAGE
    assert mailbox.envelopes == [("alerts@riverside.example", ["oncall@riverside.example"])]


def test_a_refused_mailbox_is_a_permanent_failure(smtp: Mailbox) -> None:
    """A recipient the server refuses is not retried: the page falls through."""
    pager = EmailPager(SmtpServer.from_url(smtp.url))
    with pytest.raises(PermanentSendError):
        asyncio.run(pager.send("gone@riverside.example", PAGE, "page-8"))


def test_an_unreachable_smtp_server_is_retried() -> None:
    """A server that is down is a transient failure the outbox retries."""
    pager = EmailPager(SmtpServer.from_url(f"smtp://127.0.0.1:{free_port()}"))
    with pytest.raises(TransientSendError):
        asyncio.run(pager.send("oncall@riverside.example", PAGE, "page-9"))


def test_the_smtp_url_gives_host_port_login_and_sender() -> None:
    """TETHER_SMTP_URL carries user, password, host, port and security."""
    server = SmtpServer.from_url("smtps://alerts%40clinic.example:s3cret@mail.example:2465")
    assert (server.host, server.port, server.security) == ("mail.example", 2465, "tls")
    assert (server.username, server.password) == ("alerts@clinic.example", "s3cret")
    assert server.sender == "alerts@clinic.example"
    assert SmtpServer.from_url("smtp://mail.example").sender == "tether@mail.example"
    with pytest.raises(ValueError, match="TETHER_SMTP_URL"):
        SmtpServer.from_url("http://mail.example")


class FakePagerDuty(FakeServer):
    """Answers each POST with the next scripted reply (then 202 Accepted)."""

    def __init__(self, *replies: Reply) -> None:
        super().__init__()
        self.replies = list(replies)
        self.received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self.slow = threading.Event()

    def respond(self, _method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        with self.lock:
            self.received.append((path, headers, json.loads(body)))
            reply = self.replies.pop(0) if self.replies else None
        if reply is not None:
            return reply
        if self.slow.is_set():
            time.sleep(1.0)  # longer than the client's timeout
        return Reply(202, json.dumps({"status": "success", "dedup_key": "tether-escalation-12"})
                     .encode())


def send_webhook(server: FakePagerDuty, timeout: float = 5.0) -> str:
    async def go() -> str:
        pager = WebhookPager(timeout=timeout)
        try:
            body = webhook_body(12, "imminent", "http://127.0.0.1:8000", "RK-1")
            receipt = await pager.send(f"{server.base_url}/v2/enqueue", body, "page-12")
            return receipt.provider_id
        finally:
            await pager.aclose()
    return asyncio.run(go())


def test_a_webhook_page_posts_a_pagerduty_trigger() -> None:
    """The webhook receives a PagerDuty Events v2 trigger and its dedup key comes back."""
    with FakePagerDuty() as server:
        assert send_webhook(server) == "tether-escalation-12"
    [(path, headers, event)] = server.received
    assert path == "/v2/enqueue"
    assert headers["Content-Type"] == "application/json"
    assert event == {
        "routing_key": "RK-1", "event_action": "trigger",
        "dedup_key": "tether-escalation-12",
        "payload": {"summary": event["payload"]["summary"], "severity": "critical",
                    "source": "tether",
                    "custom_details": {"escalation": 12, "level": "imminent",
                                       "link": "http://127.0.0.1:8000/escalations/12"}}}
    assert event["payload"]["summary"].startswith("Tether alert #12 (imminent)")


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(500, b"{}"), TransientSendError),
        (Reply(503, b"{}"), TransientSendError),
        (Reply(429, b"{}", headers={"Retry-After": "7"}), RateLimited),
        (Reply(400, b'{"status": "invalid event"}'), PermanentSendError),
        (Reply(404, b"{}"), PermanentSendError),
    ],
)
def test_webhook_failures_map_to_retry_or_give_up(reply: Reply,
                                                  error: type[Exception]) -> None:
    """Server errors and rate limits are retried; a refused event is not."""
    with FakePagerDuty(reply) as server, pytest.raises(error) as caught:
        send_webhook(server)
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7.0


def test_a_webhook_timeout_is_retried() -> None:
    """A webhook that does not answer in time is a transient failure."""
    with FakePagerDuty() as server:
        server.slow.set()
        with pytest.raises(TransientSendError):
            send_webhook(server, timeout=0.2)


def test_an_unreachable_webhook_is_retried() -> None:
    """Nothing listening at the webhook URL is a transient failure."""
    async def go() -> None:
        pager = WebhookPager()
        try:
            await pager.send(f"http://127.0.0.1:{free_port()}/x", "{}", "k")
        finally:
            await pager.aclose()
    with pytest.raises(TransientSendError):
        asyncio.run(go())


def test_the_outbox_retries_a_failing_webhook_with_backoff() -> None:
    """A 500 then a 202: the page is delivered on the retry, once."""
    from datetime import UTC, datetime

    from bot.clock import SimulatedClock
    from bot.outbox import OutboxSender
    from bot.store.db import create_all, make_engine, session_factory
    from bot.store.models import Outbox

    engine = make_engine("sqlite://")
    create_all(engine)
    sessions = session_factory(engine)
    clock = SimulatedClock(datetime(2027, 3, 1, 16, 0, tzinfo=UTC))
    with FakePagerDuty(Reply(500, b"{}")) as server:
        with sessions.begin() as session:
            session.add(Outbox(kind="page", channel="webhook",
                               address=f"{server.base_url}/v2/enqueue",
                               body=webhook_body(12, "high", "http://h", "RK"), priority=0,
                               idempotency_key="page-1", status="pending", attempts=0,
                               next_attempt_at=clock.now(), created_at=clock.now()))

        async def go() -> None:
            pager = WebhookPager()
            sender = OutboxSender(sessions, {"webhook": pager}, clock)
            try:
                await sender.drain()
                clock.advance(timedelta(minutes=1))
                await sender.drain()
            finally:
                await pager.aclose()
        asyncio.run(go())
    with sessions() as session:
        row = session.query(Outbox).one()
        assert (row.status, row.attempts) == ("sent", 2)
    assert len(server.received) == 2
    engine.dispose()


def test_pagers_are_built_from_settings() -> None:
    """The webhook pager is always there; e-mail only when TETHER_SMTP_URL is set."""
    assert set(build_pagers(load_settings({}))) == {"webhook"}
    pagers = build_pagers(load_settings({"TETHER_SMTP_URL": "smtp://127.0.0.1:2525"}))
    assert set(pagers) == {"webhook", "email"}
    assert isinstance(pagers["email"], EmailPager)


def test_an_httpx_client_can_be_passed_in() -> None:
    """A caller may give the webhook pager its own HTTP client (proxies, TLS)."""
    with FakePagerDuty() as server:
        async def go() -> str:
            async with httpx.AsyncClient() as client:
                pager = WebhookPager(client)
                receipt = await pager.send(f"{server.base_url}/e", "{}", "k")
                return receipt.provider_id
        assert asyncio.run(go()) == "tether-escalation-12"
