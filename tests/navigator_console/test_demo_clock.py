"""The demo's clock: a navigator moves it on from the simulator page and
watches the scheduled check-ins of the coming days arrive at their local times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from bot.app import Tether, build_tether
from bot.clock import DemoClock
from bot.config import load_settings
from bot.scheduling.service import client_zone, enroll
from bot.services import Services
from bot.store.db import create_all
from bot.store.models import Client, Escalation, Message
from tests.navigator_console.world import World

Signed = tuple[httpx.AsyncClient, str]


@pytest.fixture
def tether(tmp_path: Path, services: Services) -> Iterator[Tether]:
    settings = load_settings(env={
        "TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "TETHER_SECRET_KEY": "console-test-secret-0123456789",
    })
    tether = build_tether(settings, services=services, clock=DemoClock(), demo=True)
    create_all(tether.engine)
    yield tether
    tether.engine.dispose()


def _outbound(tether: Tether, client_id: int) -> list[Message]:
    with tether.sessions() as session:
        return list(session.scalars(select(Message).where(
            Message.client_id == client_id, Message.direction == "out").order_by(Message.id)))


async def test_moving_the_clock_on_delivers_the_days_check_ins(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """'+2d' on the page fires the daily 10:00 check-in at 10:00 local, twice."""
    browser, token = navigator
    start = tether.clock.now()
    with tether.sessions.begin() as session:
        client = session.get(Client, world.client_id)
        assert client is not None
        enroll(session, client=client, flow_id="adherence", schedule="daily 10:00", now=start,
               known_flows=tether.services.flows)
        # The world's crisis for this client is over: while one is open, no check-in
        # goes out (tests/scheduling/test_firing.py).
        crisis = session.get(Escalation, world.high_escalation_id)
        assert crisis is not None
        crisis.status = "resolved"
    page = await browser.get(f"/simulator/{world.client_id}")
    assert "Demo clock:" in page.text
    before = len(_outbound(tether, world.client_id))
    response = await browser.post(f"/simulator/{world.client_id}/send",
                                  data={"csrf_token": token, "text": "/advance 2d"})
    assert response.status_code == 303
    assert "scheduled event(s) fired" in (await browser.get(f"/simulator/{world.client_id}")).text
    assert (tether.clock.now() - start).days >= 2
    sent = _outbound(tether, world.client_id)[before:]
    check_ins = [m for m in sent if m.body.startswith("Hola Ana, ¿tomó su medicamento")]
    assert len(check_ins) == 2, [m.body for m in sent]
    with tether.sessions() as session:
        client = session.get(Client, world.client_id)
        assert client is not None
        zone = ZoneInfo(client_zone(session, client))
    assert [m.created_at.replace(tzinfo=UTC).astimezone(zone).strftime("%H:%M")
            for m in check_ins] == ["10:00", "10:00"]


async def test_an_unreadable_duration_moves_nothing(
    navigator: Signed, world: World, tether: Tether
) -> None:
    """A duration the page cannot read is named back and the clock stays."""
    browser, token = navigator
    start = tether.clock.now()
    await browser.post(f"/simulator/{world.client_id}/send",
                       data={"csrf_token": token, "text": "/advance soon"})
    assert "a duration looks like" in (await browser.get(f"/simulator/{world.client_id}")).text
    assert (tether.clock.now() - start).total_seconds() < 60
