"""Tether served by uvicorn on loopback (a SQLite file, real channels pointed
at the fake Twilio and fake Telegram): the end-to-end tests' one set-up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select

from bot.app import Tether, build_tether, create_app
from bot.config import load_settings
from bot.escalation.types import RiskDetector
from bot.services import build_services
from bot.store.db import create_all
from tests.channels.world import World, assert_no_protected_words, seed_world
from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, FakeTwilio

TELEGRAM_SECRET = "telegram-webhook-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Live:
    url: str
    tether: Tether
    world: World
    twilio: FakeTwilio
    telegram: FakeTelegram

    def sms_in(self, sender: str, body: str, **options: Any) -> httpx.Response:
        return self.twilio.text_in(self.url + "/webhooks/twilio/sms", sender, body, **options)

    def telegram_in(self, chat_id: int, text: str,
                    secret: str | None = TELEGRAM_SECRET) -> httpx.Response:
        update = self.telegram.message_update(chat_id, text)
        return self.telegram.post_update(self.url + "/webhooks/telegram", update, secret)

    def count(self, model: type, *where: object) -> int:
        with self.tether.sessions() as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where))
                       or 0)

    def assert_nothing_protected_was_sent(self) -> None:
        assert_no_protected_words(self.twilio.bodies() + self.telegram.texts())


def wait_until(condition: Callable[[], object], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the condition")


@contextmanager
def serve(tmp_path: Path, *, risk: RiskDetector | None = None) -> Iterator[Live]:
    """The app with its default detector, once its risk model has loaded (these tests
    are about a running app), or with `risk`, not waited for."""
    with FakeTwilio() as twilio, FakeTelegram() as telegram:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        settings = load_settings(
            {}, database_url=f"sqlite:///{tmp_path / 'tether.db'}", public_url=url,
            twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
            twilio_from_number=CLINIC_NUMBER, twilio_api_base_url=twilio.base_url,
            twilio_messages_per_second=100, telegram_bot_token=TOKEN,
            telegram_webhook_secret=TELEGRAM_SECRET,
            telegram_api_base_url=telegram.api_base_url)
        services = build_services(settings, risk=risk) if risk is not None else None
        tether = build_tether(settings, services=services)
        if risk is None:
            tether.services.wait_for_risk_model()
        create_all(tether.engine)
        world = seed_world(tether.sessions)
        server = uvicorn.Server(uvicorn.Config(create_app(tether), host="127.0.0.1", port=port,
                                               log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            wait_until(lambda: server.started)
            yield Live(url, tether, world, twilio, telegram)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
