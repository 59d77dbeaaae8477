"""The simulator page: texting as a client goes through the real handling path
and the replies show up through the polled JSON endpoint."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from sqlalchemy import select

from bot.app import Tether
from bot.seed import simulator_address
from bot.store.models import FlowRun, Message
from tests.navigator_console.world import World

Signed = tuple[httpx.AsyncClient, str]


async def _wait_for(
    browser: httpx.AsyncClient, client_id: int, after: int, ready: Any, seconds: float = 5.0
) -> list[dict[str, Any]]:
    """Poll the chat like the page does until `ready(messages)` holds."""
    deadline = time.monotonic() + seconds
    while True:
        response = await browser.get(f"/simulator/{client_id}/messages", params={"after": after})
        assert response.status_code == 200
        messages: list[dict[str, Any]] = response.json()["messages"]
        if ready(messages) or time.monotonic() > deadline:
            return messages
        await asyncio.sleep(0.05)


def _last_id(tether: Tether) -> int:
    with tether.sessions() as session:
        return max(session.scalars(select(Message.id)).all(), default=0)


async def test_the_page_lists_the_clinics_simulated_clients(
    navigator: Signed, world: World
) -> None:
    """The simulator page offers the clinic's clients and, once one is picked, the flows."""
    browser, _ = navigator
    assert "Ana Alvarez" in (await browser.get("/simulator")).text
    page = (await browser.get(f"/simulator/{world.client_id}")).text
    assert 'value="/start phq9"' in page
    assert 'data-poll="/simulator/' in page


async def test_a_text_is_stored_and_answered(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """Sending as the client stores the inbound text and a reply is delivered."""
    browser, token = navigator
    after = _last_id(tether)
    response = await browser.post(
        f"/simulator/{world.client_id}/send", data={"csrf_token": token, "text": "hola"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/simulator/{world.client_id}"
    messages = await _wait_for(
        browser,
        world.client_id,
        after,
        lambda ms: any(m["direction"] == "out" and m["status"] != "queued" for m in ms),
    )
    assert messages[0]["direction"] == "in"
    assert messages[0]["body"] == "hola"
    replies = [m for m in messages if m["direction"] == "out"]
    assert replies
    assert replies[0]["status"] in {"sent", "delivered"}
    with tether.sessions() as session:
        stored = session.scalars(
            select(Message).where(Message.direction == "in", Message.body == "hola")
        ).one()
    assert stored.channel == "simulator"
    assert stored.address == simulator_address(world.client_id)
    assert stored.provider_id


async def test_start_begins_a_flow_and_its_first_question_arrives(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """Typing /start gad7 starts the questionnaire instead of being sent as a text."""
    browser, token = navigator
    after = _last_id(tether)
    await browser.post(
        f"/simulator/{world.client_id}/send", data={"csrf_token": token, "text": "/start gad7"}
    )
    messages = await _wait_for(browser, world.client_id, after, lambda ms: len(ms) > 0)
    assert messages
    assert all(m["direction"] == "out" for m in messages)
    with tether.sessions() as session:
        runs = session.scalars(select(FlowRun).where(FlowRun.client_id == world.client_id)).all()
    assert [(r.flow_id, r.status) for r in runs] == [("gad7", "active")]
    await browser.post(
        f"/simulator/{world.client_id}/send", data={"csrf_token": token, "text": "/start phq9"}
    )
    assert "already running" in (await browser.get(f"/simulator/{world.client_id}")).text


async def test_an_unknown_flow_is_named_back(navigator: Signed, world: World) -> None:
    """Starting a flow that does not exist says so and lists the known ones."""
    browser, token = navigator
    await browser.post(
        f"/simulator/{world.client_id}/send",
        data={"csrf_token": token, "text": "/start nosuchflow"},
    )
    page = (await browser.get(f"/simulator/{world.client_id}")).text
    assert "unknown flow" in page
    assert "phq9" in page


async def test_polling_returns_only_newer_messages(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """The messages endpoint returns what came after the given id, oldest first."""
    browser, _ = navigator
    everything = (await browser.get(f"/simulator/{world.client_id}/messages")).json()["messages"]
    assert [m["body"] for m in everything] == ["2"]
    newest = everything[-1]["id"]
    assert (
        await browser.get(f"/simulator/{world.client_id}/messages", params={"after": newest})
    ).json() == {"messages": []}


async def test_sending_needs_a_signed_in_user_and_a_csrf_token(
    browser: httpx.AsyncClient, world: World, tether: Tether
) -> None:
    """Nobody can text as a client without signing in and a valid form token."""
    before = _last_id(tether)
    response = await browser.post(
        f"/simulator/{world.client_id}/send", data={"csrf_token": "x", "text": "hi"}
    )
    assert response.status_code == 303
    assert (await browser.get(f"/simulator/{world.client_id}/messages")).status_code == 401
    assert _last_id(tether) == before


async def test_a_risk_message_reaches_the_queue(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """A crisis text from the simulator gets a crisis reply and shows up in the queue."""
    browser, token = navigator
    after = _last_id(tether)
    await browser.post(
        f"/simulator/{world.quiet_client_id}/send",
        data={"csrf_token": token, "text": "I want to kill myself tonight"},
    )
    messages = await _wait_for(
        browser, world.quiet_client_id, after, lambda ms: any("988" in m["body"] for m in ms)
    )
    assert any(m["direction"] == "out" and "988" in m["body"] for m in messages)
    queue = (await browser.get("/queue")).text
    assert "Ben Baker" in queue
    assert "level-high" in queue or "level-imminent" in queue
