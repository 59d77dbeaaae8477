"""Outbox send throughput: texts/s and per-send p50/p99, one sender, fake Twilio on loopback.

    .venv/bin/python bench/send_throughput.py [--database-url URL] [--messages 1000]

Queues --messages replies to a clinic of SMS clients, then drains the outbox with
the real OutboxSender and TwilioSmsChannel (the real twilio library) against the
fake Twilio in a child process on 127.0.0.1. Pacing is raised to 1,000,000/s for
the measurement: in production the sending number's pace (1/s long code, ~100/s
short code) is the ceiling, and this shows how far below it our own cost is.
SQLite is a fresh file; with --database-url postgresql://..., a fresh database is
created on that server and dropped after. Bounded by --seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.fake_twilio_process import fake_twilio  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from bot.channels.base import SendReceipt  # noqa: E402
from bot.channels.sms import TwilioSmsChannel  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.outbox import PRIORITY_REPLY, OutboxSender, queue_message  # noqa: E402
from bot.store.db import make_engine, session_factory  # noqa: E402
from bot.store.models import ContactPoint, Outbox  # noqa: E402
from tests.channels.process import seed_sms_clients  # noqa: E402
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER  # noqa: E402


class Timed:
    """The Twilio channel, timing each send."""

    name = "sms"

    def __init__(self, channel: TwilioSmsChannel) -> None:
        self.channel = channel
        self.latencies: list[float] = []

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        begin = time.perf_counter()
        receipt = await self.channel.send(address, body, idempotency_key)
        self.latencies.append(time.perf_counter() - begin)
        return receipt


def queue_replies(url: str, count: int, clients: int) -> None:
    phones = seed_sms_clients(url, clients)
    engine = make_engine(url)
    now = SystemClock().now()
    with session_factory(engine).begin() as session:
        contacts = {c.address: c for c in session.scalars(select(ContactPoint))}
        for number in range(count):
            contact = contacts[phones[number % len(phones)]]
            queue_message(session, clinic_id="demo", client_id=contact.client_id,
                          contact=contact, channel="sms", address=contact.address,
                          body=f"Thanks for your message ({number}). Reply HELP for help.",
                          kind="reply", priority=PRIORITY_REPLY, now=now)
    engine.dispose()


async def drain(sender: OutboxSender, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = await sender.run_once(50)
        if report.sent + report.failed + report.retried + report.cancelled == 0:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://... (default: a SQLite file)")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    taken: list[int] = []
    with scratch_database(args.database_url) as url:
        with fake_twilio(taken) as twilio_url:
            queue_replies(url, args.messages, args.clients)
            engine = make_engine(url)
            channel = Timed(TwilioSmsChannel(
                account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, from_number=CLINIC_NUMBER,
                api_base_url=twilio_url, per_second=1_000_000))
            sender = OutboxSender(session_factory(engine), {"sms": channel}, SystemClock())
            start = time.perf_counter()
            asyncio.run(drain(sender, args.seconds))
            elapsed = time.perf_counter() - start
            with engine.connect() as conn:
                sent = conn.scalar(select(func.count()).select_from(Outbox).where(
                    Outbox.status == "sent"))
            engine.dispose()
        cuts = statistics.quantiles(channel.latencies, n=100)
        print(f"{url.split(':', 1)[0]:10} {sent} sent in {elapsed:.1f} s  "
              f"{(sent or 0) / elapsed:>6.0f} texts/s  "
              f"send p50 {cuts[49] * 1e3:5.1f} ms  p99 {cuts[98] * 1e3:5.1f} ms  "
              f"(fake Twilio took {taken[0] if taken else '?'})")


if __name__ == "__main__":
    main()
