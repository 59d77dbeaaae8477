"""Inbound Twilio webhooks: messages/s and p50/p99 latency through `tether serve` on loopback.

    .venv/bin/python bench/inbound_webhooks.py [--database-url URL] [--workers N]
        [--concurrency 16] [--rate R]

Starts the app as a child process (`tether serve` on 127.0.0.1, with --workers
processes on PostgreSQL; Twilio pointed at a fake Twilio on 127.0.0.1 in
another child process), seeds a clinic of SMS clients, then posts signed
inbound webhooks three ways and prints messages/s and round-trip latency
(p50, p99): one at a time (our handling alone); as fast as N keep-alive
connections go (the ceiling; latency there is mostly queueing); and at a
steady offered rate, the target by default (latency at that load, counted
from when each request was due).
The texts are ordinary check-in replies (risk check, intent, reply queued), or
--text. Replies leave at the configured pace (1/s per number, the long-code
default), so the sender barely runs during the measurement.

SQLite is a fresh file in a temporary directory. With --database-url
postgresql://..., a fresh database is created on that server and dropped after.
Bounded by --messages and --seconds; talks only to 127.0.0.1 (and the database).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fake_twilio_process import fake_twilio  # noqa: E402
from bench.scratch import scratch_database  # noqa: E402
from tests.channels.live import free_port  # noqa: E402
from tests.channels.process import (  # noqa: E402
    INBOUND_PATH,
    AppProcess,
    inbound_form,
    seed_sms_clients,
    twilio_signature,
)

TYPICAL = ["ok thanks", "took my meds", "feeling a bit better today", "HELP",
           "can i move my appt to friday?", "slept badly but ok", "yes", "gracias"]


def requests(url: str, phones: list[str], texts: list[str], count: int) -> list[bytes]:
    """`count` signed webhook requests, ready to write to a socket."""
    path = INBOUND_PATH
    host = url.removeprefix("http://")
    built = []
    senders = itertools.cycle(phones)
    bodies = itertools.cycle(texts)
    for _ in range(count):
        form = inbound_form(next(senders), next(bodies))
        payload = urlencode(form).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"X-Twilio-Signature: {twilio_signature(url + path, form)}\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n")
        built.append(head.encode() + payload)
    return built


async def read_response(reader: asyncio.StreamReader) -> bool:
    """Read one HTTP response off a keep-alive connection; True for a 200."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    await reader.readexactly(length)
    return head.startswith(b"HTTP/1.1 200")


async def post_all(port: int, batch: list[bytes], concurrency: int,
                   seconds: float) -> tuple[list[float], int, float]:
    """Post `batch` over `concurrency` connections; latencies, failures, elapsed."""
    pending = iter(batch)
    latencies: list[float] = []
    failures = 0
    deadline = time.monotonic() + seconds

    async def connection() -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for request in pending:
                if time.monotonic() > deadline:
                    return
                begin = time.perf_counter()
                writer.write(request)
                ok = await read_response(reader)
                latencies.append(time.perf_counter() - begin)
                failures += not ok
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - start


async def post_at_rate(port: int, batch: list[bytes], rate: float, connections: int,
                       seconds: float) -> tuple[list[float], int, float]:
    """Post `batch` at a steady `rate` (an open loop, as a provider's traffic
    arrives) over up to `connections` keep-alive connections. Each latency runs
    from the moment the request was due, so waiting for a free connection when
    the app falls behind counts against it."""
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    failures = 0

    async def post(request: bytes, due: float) -> None:
        nonlocal failures
        reader, writer = await free.get()
        writer.write(request)
        ok = await read_response(reader)
        latencies.append(time.perf_counter() - due)
        failures += not ok
        free.put_nowait((reader, writer))

    start = time.perf_counter()
    tasks = []
    for number, request in enumerate(batch):
        due = start + number / rate
        if due - start > seconds:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        tasks.append(asyncio.create_task(post(request, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    while not free.empty():
        free.get_nowait()[1].close()
    return latencies, failures, elapsed


def report(name: str, latencies: list[float], failures: int, elapsed: float) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{name:26} {len(latencies):>6} msgs  {len(latencies) / elapsed:>7.0f} msg/s  "
          f"p50 {cuts[49] * 1e3:6.1f} ms  p99 {cuts[98] * 1e3:6.1f} ms  "
          f"non-200 {failures}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgresql://... (default: a SQLite file)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop a run after this")
    parser.add_argument("--text", help="send only this text (e.g. HELP)")
    parser.add_argument("--rate", type=float,
                        help="offered load of the steady phase (default: the target, "
                             "300/s on SQLite, 500/s on PostgreSQL)")
    parser.add_argument("--steady-seconds", type=float, default=10.0,
                        help="length of the steady phase")
    parser.add_argument("--workers", type=int, default=1,
                        help="app worker processes (PostgreSQL only)")
    args = parser.parse_args()
    texts = [args.text] if args.text else TYPICAL
    with scratch_database(args.database_url) as url, tempfile.TemporaryDirectory() as work, \
            fake_twilio() as twilio_url:
        kind = url.split(":", 1)[0]
        phones = seed_sms_clients(url, args.clients)
        app = AppProcess(url, free_port(), twilio_url, Path(work), messages_per_second=1.0,
                         workers=args.workers)
        app.start()
        try:
            warm = requests(app.url, phones, texts, 200)
            asyncio.run(post_all(app.port, warm, 4, args.seconds))
            single = requests(app.url, phones, texts, min(300, args.messages))
            report(f"{kind}, 1 connection", *asyncio.run(post_all(app.port, single, 1,
                                                                   args.seconds)))
            batch = requests(app.url, phones, texts, args.messages)
            report(f"{kind}, {args.concurrency} connections",
                   *asyncio.run(post_all(app.port, batch, args.concurrency, args.seconds)))
            rate = args.rate or (500.0 if kind.startswith("postgresql") else 300.0)
            steady = requests(app.url, phones, texts, int(rate * args.steady_seconds))
            report(f"{kind}, {rate:.0f}/s offered",
                   *asyncio.run(post_at_rate(app.port, steady, rate, 64, args.seconds)))
        except OSError:
            print(app.log_tail(), file=sys.stderr)
            raise
        finally:
            app.stop()


if __name__ == "__main__":
    main()
