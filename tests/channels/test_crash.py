"""A crash in the middle of a burst: 500 clients text HELP through signed Twilio
webhooks, `tether serve` is SIGKILLed while Twilio holds a reply it has taken
but not yet answered, and is started again on the same database while the
provider retries every webhook until it gets a 2xx. Every inbound text is
stored once and every reply reaches Twilio once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from bot.store.db import make_engine
from bot.store.models import Message, Outbox
from tests.channels.live import free_port
from tests.channels.process import (
    INBOUND_PATH,
    AppProcess,
    inbound_form,
    seed_sms_clients,
    twilio_signature,
)
from tests.fakes.twilio import FakeTwilio, SentSms

pytestmark = pytest.mark.slow

CLIENTS = 500
WORKERS = 16  # the provider's concurrent connections
KILL_AFTER_ACKED = 200  # webhooks acknowledged before the next reply at Twilio kills the app
PROVIDER_GIVES_UP_SECONDS = 90.0
DRAINED_WITHIN_SECONDS = 100.0  # the killed send's 60 s lease, then the rest


class Provider:
    """Twilio's side of the burst: posts each webhook until it gets a 2xx."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acked = 0
        self.attempts = 0
        self.lock = threading.Lock()
        self.http = httpx.Client(timeout=10)

    def deliver(self, form: dict[str, str]) -> None:
        signature = twilio_signature(self.url, form)
        deadline = time.monotonic() + PROVIDER_GIVES_UP_SECONDS
        while time.monotonic() < deadline:
            with self.lock:
                self.attempts += 1
            try:
                response = self.http.post(self.url, data=form,
                                          headers={"X-Twilio-Signature": signature})
            except httpx.HTTPError:
                response = None  # refused, reset or cut off by the crash: try again
            if response is not None and response.is_success:
                with self.lock:
                    self.acked += 1
                return
            time.sleep(0.1)
        raise AssertionError(f"{form['MessageSid']} was never acknowledged")


@pytest.fixture
def database(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def count(engine: Engine, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(Outbox).where(*where)) or 0)


def test_a_crash_mid_burst_loses_no_text_and_sends_no_reply_twice(
    db_url: str, database: Engine, twilio: FakeTwilio, tmp_path: Path
) -> None:
    """SIGKILL mid-burst and a restart: 500 texts stored once, 500 replies sent once."""
    phones = seed_sms_clients(db_url, CLIENTS)
    app = AppProcess(db_url, free_port(), twilio.base_url, tmp_path)
    provider = Provider(app.url + INBOUND_PATH)
    killed = threading.Event()
    acked_at_kill: list[int] = []

    def crash_with_a_reply_in_flight(_: SentSms) -> None:
        # Twilio has taken this reply; the app dies before it hears so.
        if provider.acked >= KILL_AFTER_ACKED and not killed.is_set():
            acked_at_kill.append(provider.acked)
            app.kill()
            killed.set()

    twilio.on_sent = crash_with_a_reply_in_flight
    forms = [inbound_form(phone, "HELP") for phone in phones]
    started = time.monotonic()
    app.start()
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            burst = [pool.submit(provider.deliver, form) for form in forms]
            assert killed.wait(60), "the app was never killed:\n" + app.log_tail()
            app.start()
            restarted = time.monotonic()
            for delivery in burst:
                delivery.result()
        print(f"\nkilled+restarted at {restarted - started:.1f} s, burst done at "
              f"{time.monotonic() - started:.1f} s")
        deadline = time.monotonic() + DRAINED_WITHIN_SECONDS
        while count(database) < CLIENTS or count(database, Outbox.status != "sent"):
            assert time.monotonic() < deadline, (
                f"outbox not drained: {count(database, Outbox.status != 'sent')} of "
                f"{count(database)} rows unsent\n" + app.log_tail())
            time.sleep(0.5)
        time.sleep(1.5)  # room for a wrong second send to show up at Twilio
    finally:
        app.stop()
        provider.http.close()
    elapsed = time.monotonic() - started

    assert acked_at_kill[0] < CLIENTS, "the crash came after the burst"
    assert provider.attempts > CLIENTS, "no webhook needed a retry"
    with database.connect() as conn:
        stored = Counter(conn.scalars(select(Message.provider_id).where(
            Message.direction == "in")))
        replies = dict(conn.execute(
            select(Message.address, Message.provider_id).where(Message.direction == "out")
        ).all())
    assert stored == Counter(form["MessageSid"] for form in forms)
    at_twilio = Counter(sms.to for sms in twilio.sent)
    assert at_twilio == Counter(phones), {
        "twice": [to for to, n in at_twilio.items() if n > 1],
        "missing": sorted(set(phones) - set(at_twilio))}
    assert all("Reply STOP" in sms.body for sms in twilio.sent)
    assert replies == {sms.to: sms.sid for sms in twilio.sent}
    print(f"crash test: killed after {acked_at_kill[0]} acks, "
          f"{provider.attempts} webhook posts, {elapsed:.1f} s")
