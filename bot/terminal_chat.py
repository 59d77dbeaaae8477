"""`tether chat`: a person plays a client in the terminal, over the simulator
channel, against the configured database (the demo's by default)."""

from __future__ import annotations

import asyncio
import uuid

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import open_database
from bot.channels.base import InboundMessage
from bot.channels.simulator import SimulatorChannel
from bot.clock import SystemClock
from bot.config import Settings
from bot.conversation import handle_inbound
from bot.outbox import OutboxSender
from bot.runs import UnknownFlow, start_flow_for_client
from bot.seed import simulator_address
from bot.services import build_services
from bot.store.models import Client, ContactPoint, Message, Result
from bot.timers import fire_due

HELP = (
    "Type as the client would. Commands: /start FLOW (e.g. /start phq9), /flows, "
    "/results (care-team view of stored results), /quit"
)


def run_chat(settings: Settings, *, client_id: int | None, language: str,
             console: Console) -> None:
    from bot.demo import ensure_chat_client, prepare_demo

    prepare_demo(settings)
    sessions = open_database(settings)
    services = build_services(settings)
    clock = SystemClock()
    if client_id is None:
        client_id = ensure_chat_client(sessions, language, clock.now())
    with sessions.begin() as session:
        client = session.get(Client, client_id)
        if client is None:
            console.print(f"[red]no client {client_id}[/red]")
            return
        address = simulator_address(client.id)
        contact = session.scalars(select(ContactPoint).where(
            ContactPoint.channel == "simulator", ContactPoint.address == address)).first()
        if contact is None:
            session.add(ContactPoint(client_id=client.id, channel="simulator", address=address,
                                     created_at=clock.now()))
        name = client.full_name
    sender = OutboxSender(sessions, {"simulator": SimulatorChannel()}, clock)
    last_seen = _last_message_id(sessions)
    console.print(f"Chatting as [bold]{name}[/bold] (client {client_id}). {HELP}")

    def show_new() -> None:
        nonlocal last_seen
        fire_due(sessions, services, clock.now())
        asyncio.run(sender.drain())
        with sessions() as session:
            rows = session.execute(select(Message.id, Message.body).where(
                Message.id > last_seen, Message.direction == "out",
                Message.address == address).order_by(Message.id)).all()
        for row_id, body in rows:
            console.print(f"[cyan]bot>[/cyan] {body}")
            last_seen = max(last_seen, row_id)

    while True:
        try:
            text = console.input("[green]you>[/green] ").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not text:
            show_new()
            continue
        if text in {"/quit", "/exit"}:
            return
        if text == "/flows":
            console.print(", ".join(sorted(services.flows)))
        elif text == "/results":
            _print_results(sessions, client_id, console)
        elif text.startswith("/start"):
            flow_id = text.removeprefix("/start").strip()
            try:
                if not start_flow_for_client(sessions, services, client_id, flow_id, clock.now()):
                    console.print("[yellow]a conversation is already running; finish it "
                                  "first[/yellow]")
            except UnknownFlow as exc:
                console.print(f"[red]{exc}[/red]")
        else:
            handle_inbound(sessions, services, InboundMessage(
                channel="simulator", address=address, text=text, received_at=clock.now(),
                provider_id=f"chat-{uuid.uuid4()}"))
        show_new()


def _last_message_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0


def _print_results(sessions: sessionmaker[Session], client_id: int, console: Console) -> None:
    with sessions() as session:
        results = session.scalars(select(Result).where(Result.client_id == client_id)
                                  .order_by(Result.id.desc()).limit(5)).all()
        if not results:
            console.print("[dim](care-team view) no results stored yet[/dim]")
        for result in results:
            console.print(f"[dim](care-team view) {result.instrument}: {result.status}, "
                          f"{result.values}[/dim]")
