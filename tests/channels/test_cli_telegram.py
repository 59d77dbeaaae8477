"""`tether invite` and `tether telegram set-webhook`, driven as staff would,
against the fake Telegram."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.store.db import make_engine, session_factory
from bot.store.models import InviteCode
from tests.channels.world import seed_world
from tests.fakes.telegram import BOT_USERNAME, TOKEN, FakeTelegram


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def env(tmp_path: Path, telegram: FakeTelegram) -> dict[str, str]:
    return {"TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
            "TETHER_TELEGRAM_BOT_TOKEN": TOKEN,
            "TETHER_TELEGRAM_API_BASE_URL": telegram.api_base_url,
            "TETHER_TELEGRAM_WEBHOOK_SECRET": "cli-secret-value",
            "TETHER_PUBLIC_URL": "https://tether.example.org"}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def with_client(env: dict[str, str]) -> int:
    assert invoke(env, "db", "upgrade")[0] == 0
    engine = make_engine(env["TETHER_DATABASE_URL"])
    try:
        return seed_world(session_factory(engine)).client_id
    finally:
        engine.dispose()


def test_invite_prints_a_one_time_deep_link(env: dict[str, str]) -> None:
    """`tether invite ID` prints a t.me link with a fresh code for that client."""
    client_id = with_client(env)
    code, output = invoke(env, "invite", str(client_id))
    assert code == 0, output
    link = output.splitlines()[0]
    assert link.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    engine = make_engine(env["TETHER_DATABASE_URL"])
    with session_factory(engine)() as session:
        stored = session.scalars(select(InviteCode)).one()
    engine.dispose()
    assert link.endswith(stored.code)
    assert stored.client_id == client_id


def test_invite_for_an_unknown_client_fails_clearly(env: dict[str, str]) -> None:
    """An unknown client id is an error that says so, and no code is made."""
    with_client(env)
    code, output = invoke(env, "invite", "999")
    assert code == 1
    assert "no client with id 999" in output


def test_invite_needs_telegram_configured(env: dict[str, str]) -> None:
    """Without a bot token the command says what to set."""
    del env["TETHER_TELEGRAM_BOT_TOKEN"]
    code, output = invoke(env, "invite", "1")
    assert code == 2
    assert "TETHER_TELEGRAM_BOT_TOKEN" in output


def test_set_webhook_registers_our_url(env: dict[str, str], telegram: FakeTelegram) -> None:
    """`tether telegram set-webhook` registers the public webhook URL with the secret."""
    code, output = invoke(env, "telegram", "set-webhook")
    assert code == 0, output
    assert "https://tether.example.org/webhooks/telegram" in output
    [params] = [params for method, params in telegram.calls if method == "setWebhook"]
    assert params["secret_token"] == "cli-secret-value"


def test_set_webhook_refuses_without_a_secret(env: dict[str, str]) -> None:
    """A webhook without a secret would be refused by our own route; say so up front."""
    del env["TETHER_TELEGRAM_WEBHOOK_SECRET"]
    code, output = invoke(env, "telegram", "set-webhook")
    assert code == 2
    assert "TETHER_TELEGRAM_WEBHOOK_SECRET" in output
