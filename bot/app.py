"""ASGI app assembly: console, simulator, webhooks; the scheduler and the
outbox sender run in the lifespan. Nothing here is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from bot.channels.base import Channel, InboundMessage
from bot.channels.simulator import SimulatorChannel
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.conversation import Outcome, handle_inbound
from bot.outbox import OutboxSender
from bot.services import Services, build_services
from bot.store.db import make_engine, session_factory
from bot.timers import fire_due

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramInbound

log = logging.getLogger(__name__)

TIMER_INTERVAL_SECONDS = 15
SENDER_IDLE_SECONDS = 1.0


@dataclass
class Tether:
    """Everything a request handler needs, built once per app."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    services: Services
    clock: Clock
    channels: dict[str, Channel]
    sender: OutboxSender
    demo: bool = False
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)
    loop: asyncio.AbstractEventLoop | None = None  # the loop the sender runs on

    def handle(self, inbound: InboundMessage) -> Outcome:
        """Handle one inbound message and nudge the sender."""
        outcome = handle_inbound(self.sessions, self.services, inbound)
        self.wake()
        return outcome

    def attach(self) -> None:
        """Bind the sender's wake-up to the running loop (called in the lifespan)."""
        self.loop = asyncio.get_running_loop()
        self.wake_sender = asyncio.Event()

    def wake(self) -> None:
        """Nudge the outbox sender; safe from request threads and the loop alike."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            on_loop = asyncio.get_running_loop() is loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self.wake_sender.set()
        else:
            loop.call_soon_threadsafe(self.wake_sender.set)

    def fire_due_events(self) -> int:
        return fire_due(self.sessions, self.services, self.clock.now())


def build_tether(settings: Settings, *, services: Services | None = None,
                 clock: Clock | None = None, demo: bool = False) -> Tether:
    engine = make_engine(settings.database_url)
    sessions = session_factory(engine)
    clock = clock or SystemClock()
    channels: dict[str, Channel] = {"simulator": SimulatorChannel()}
    if settings.twilio_enabled:
        from bot.channels.sms import TwilioSmsChannel

        channels["sms"] = TwilioSmsChannel.from_settings(settings)
    if settings.telegram_enabled:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel.from_settings(settings)
    # --- pagers: e-mail (SMTP) and webhook; SMS and Telegram pages use the channels above ---
    from bot.escalation.pagers import build_pagers

    channels.update(build_pagers(settings))
    # --- end pagers ---
    return Tether(
        settings=settings,
        engine=engine,
        sessions=sessions,
        services=services or build_services(settings),
        clock=clock,
        channels=channels,
        sender=OutboxSender(sessions, channels, clock),
        demo=demo,
    )


async def _sender_loop(tether: Tether) -> None:
    while True:
        try:
            tether.sender.recover_stale()
            await tether.sender.drain()
        except Exception:
            log.exception("outbox sender failed; retrying")
        tether.wake_sender.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tether.wake_sender.wait(), SENDER_IDLE_SECONDS)


async def run_sender(tether: Tether) -> None:
    """Deliver the outbox until cancelled (the app's lifespan, `tether telegram poll`)."""
    await _sender_loop(tether)


async def _fire_timers(tether: Tether) -> None:
    fired = await asyncio.to_thread(tether.fire_due_events)
    if fired:
        tether.wake()


async def close_channels(tether: Tether) -> None:
    """Release the channels' HTTP connections."""
    for channel in tether.channels.values():
        aclose = getattr(channel, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def _telegram_inbound(tether: Tether) -> TelegramInbound | None:
    if not tether.settings.telegram_enabled:
        return None
    from bot.channels.telegram import TelegramInbound

    return TelegramInbound(tether.settings, handle=tether.handle, sessions=tether.sessions,
                           clock=tether.clock, wake=tether.wake)


def create_app(tether: Tether) -> FastAPI:
    telegram = _telegram_inbound(tether)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        tether.attach()
        if telegram is not None:
            try:
                await telegram.start()
            except Exception:
                log.exception("Telegram is unreachable; webhook updates will retry it")
        scheduler = AsyncIOScheduler(timezone="UTC")
        # APScheduler only wakes us; the schedule of record is the timed-event
        # table, so a restart first catches up at once (stale events are skipped).
        scheduler.add_job(_fire_timers, "interval", seconds=TIMER_INTERVAL_SECONDS,
                          args=[tether], id="fire_due", max_instances=1, coalesce=True,
                          next_run_time=tether.clock.now())
        scheduler.start()
        sender = asyncio.create_task(_sender_loop(tether))
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
            if telegram is not None:
                await telegram.stop()
            await close_channels(tether)
            tether.engine.dispose()

    from bot.webhooks import router as webhooks_router
    from navigator_console.routes import router as console_router
    from navigator_console.simulator import router as simulator_router

    app = FastAPI(title="Tether", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.tether = tether
    app.state.telegram = telegram
    app.add_middleware(SessionMiddleware, secret_key=tether.settings.secret_key,
                       same_site="lax", https_only=tether.settings.public_url.startswith("https"))
    app.include_router(console_router)
    app.include_router(simulator_router)
    app.include_router(webhooks_router)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"ok": True}

    return app


def run_server(settings: Settings, *, host: str, port: int, demo: bool) -> None:
    import uvicorn

    app = create_app(build_tether(settings, demo=demo))
    uvicorn.run(app, host=host, port=port, log_level="info")
