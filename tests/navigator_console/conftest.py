"""A running console on a fresh SQLite file with two clinics (see world.py),
and a browser-like client that signs in the way a person does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from bot.app import Tether, build_tether, create_app
from bot.clock import SimulatedClock
from bot.config import load_settings
from bot.services import Services, build_services
from bot.store.db import create_all
from tests.navigator_console.world import NAVIGATOR_EMAIL, PASSWORD, T0, World, build_world

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def services() -> Services:
    """The embedded flows, parser, interpreter and risk detector, built once."""
    return build_services()


@pytest.fixture
def tether(tmp_path: Path, services: Services) -> Iterator[Tether]:
    settings = load_settings(
        env={
            "TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
            "TETHER_SECRET_KEY": "console-test-secret-0123456789",
        }
    )
    tether = build_tether(settings, services=services, clock=SimulatedClock(T0))
    create_all(tether.engine)
    yield tether
    tether.engine.dispose()


@pytest.fixture
def world(tether: Tether) -> World:
    with tether.sessions.begin() as session:
        return build_world(session)


@pytest.fixture
async def browser(tether: Tether, world: World) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the running app, lifespan included (so the outbox sender delivers)."""
    app = create_app(tether)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", follow_redirects=False
        ) as client:
            yield client


def csrf_of(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match is not None, "page has no CSRF field"
    return match.group(1)


async def sign_in(
    browser: httpx.AsyncClient, email: str = NAVIGATOR_EMAIL, password: str = PASSWORD
) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_of((await browser.get("/login")).text)
    response = await browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303, response.text
    return csrf_of((await browser.get("/")).text)


@pytest.fixture
async def navigator(browser: httpx.AsyncClient) -> tuple[httpx.AsyncClient, str]:
    """The browser signed in as a navigator of clinic "north", with its CSRF token."""
    return browser, await sign_in(browser)
