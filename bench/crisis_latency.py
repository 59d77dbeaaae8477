"""Time from a signed inbound SMS webhook carrying risk to the crisis reply and the
first page being queued (committed to the outbox), on SQLite by default.

    .venv/bin/python bench/crisis_latency.py [--messages 400] [--database-url URL]

The app runs in this process and the webhook goes through the real ASGI stack
(routing, Twilio signature check, store, risk check, escalation, crisis reply,
page, commit) via httpx's ASGI transport, so the figure is our own handling,
without a network hop. Each message comes from a different client, so every
one opens a new escalation and pages the on-call clinician. Each response is
checked: the crisis reply and the page are in the outbox when it returns.
Bounded by --messages; nothing leaves the process.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from bench.scratch import scratch_database  # noqa: E402
from bot.app import build_tether, create_app, freeze_long_lived  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.seed import create_client, create_clinic, create_user  # noqa: E402
from bot.store.db import upgrade  # noqa: E402
from bot.store.models import Message, Outbox  # noqa: E402

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
PUBLIC_URL = "https://tether.bench.example"
CLINIC_NUMBER = "+13125550100"
TEXTS = ["i'm on the overpass and i'm done, goodbye", "took all my pills just now",
         "i want to kill myself tonight", "6 — btw been stockpiling my meds"]


def seed(url: str, clients: int) -> list[str]:
    from bot.store.db import make_engine, session_factory

    upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    phones = []
    with session_factory(engine).begin() as session:
        clinic = create_clinic(session, clinic_id="bench", name="Bench Clinic",
                               timezone="America/Chicago", crisis_line="(555) 010-0199",
                               contact_phone="(555) 010-0100", program_name="Bench", now=now)
        create_user(session, clinic=clinic, email="oncall@bench.example", name="On Call",
                    role="clinician", password="bench-password-123", now=now,
                    phone="+13125550142", on_call=True)
        for number in range(clients):
            phone = f"+1312555{2000 + number:04d}"
            create_client(session, clinic=clinic, first_name=f"Client{number}", now=now,
                          phone=phone)
            phones.append(phone)
    engine.dispose()
    return phones


async def measure(url: str, phones: list[str]) -> list[float]:
    settings = load_settings({
        "TETHER_DATABASE_URL": url, "TETHER_PUBLIC_URL": PUBLIC_URL,
        "TETHER_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TETHER_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TETHER_TWILIO_FROM_NUMBER": CLINIC_NUMBER,
        # Nothing may really leave: the sender is not started, and this port is closed.
        "TETHER_TWILIO_API_BASE_URL": "http://127.0.0.1:9",
    })
    tether = build_tether(settings)
    tether.services.wait_for_risk_model()  # a started server's steady state
    freeze_long_lived()  # as `tether serve` does once the model is loaded
    app = create_app(tether)  # the lifespan (scheduler, sender) is not started
    validator = RequestValidator(AUTH_TOKEN)
    target = f"{PUBLIC_URL}/webhooks/twilio/sms"
    latencies = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        for index, phone in enumerate(phones):
            form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "0" * 32,
                    "From": phone, "To": CLINIC_NUMBER, "Body": TEXTS[index % len(TEXTS)],
                    "NumMedia": "0"}
            headers = {"X-Twilio-Signature": validator.compute_signature(target, form)}
            started = time.perf_counter()
            response = await client.post("/webhooks/twilio/sms", data=form, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"webhook answered {response.status_code}: {response.text}")
    with tether.sessions() as session:
        crisis = session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == "out", Message.kind == "crisis"))
        pages = session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.kind == "page"))
    tether.engine.dispose()
    if crisis != len(phones) or (pages or 0) < len(phones):
        raise SystemExit(f"expected a crisis reply and a page per message: {crisis} crisis "
                         f"replies, {pages} pages queued")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--database-url", default=None,
                        help="postgresql+psycopg://... (a fresh database is made on that server)")
    args = parser.parse_args()
    with scratch_database(args.database_url, "crisis.db") as url:
        phones = seed(url, args.messages)
        latencies = asyncio.run(measure(url, phones))
    ms = sorted(value * 1000 for value in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"crisis messages: {len(ms)} on {url.split(':')[0]}")
    print(f"webhook -> crisis reply + page queued: p50 {statistics.median(ms):.1f} ms, "
          f"p99 {p99:.1f} ms, max {ms[-1]:.1f} ms")


if __name__ == "__main__":
    main()
