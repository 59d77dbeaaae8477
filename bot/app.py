"""ASGI app assembly: console, simulator, webhooks; the scheduler and the
outbox sender run in the lifespan. Nothing here is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from bot.channels.base import Channel, InboundMessage
from bot.channels.simulator import SimulatorChannel
from bot.clock import Clock, DemoClock, SystemClock
from bot.config import Settings, load_settings
from bot.conversation import Outcome, handle_inbound
from bot.outbox import OutboxSender
from bot.scheduling.leader import Leadership
from bot.scheduling.pool import Firer
from bot.services import Services, build_services
from bot.store.db import make_engine, normalize_url, session_factory
from bot.timers import ROUND_LIMIT, fire_through

if TYPE_CHECKING:
    from bot.channels.telegram import TelegramInbound

log = logging.getLogger(__name__)

SENDER_IDLE_SECONDS = 1.0


MAX_DEMO_ADVANCE = timedelta(days=14)


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
    leadership: Leadership
    firer: Firer
    demo: bool = False
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)
    loop: asyncio.AbstractEventLoop | None = None  # the loop the sender runs on
    firing: threading.Lock = field(default_factory=threading.Lock)  # one firer per process

    def handle(self, inbound: InboundMessage) -> Outcome:
        """Handle one inbound message and nudge the sender. A message that arrives
        while the risk model loads waits for it, unless the lexicon alone reads it
        as a crisis (`Services.wait_for_risk_model`)."""
        self.services.wait_for_risk_model(inbound.text)
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
        with self.firing:
            return self.firer.fire_round(self.clock.now())

    def stop_firing(self) -> None:
        """At shutdown: let a round in progress end, then stop the firing processes
        (a later round fires in this process)."""
        with self.firing:
            self.firer.close()

    def advance_clock(self, delta: timedelta) -> int:
        """The demo only: move the clock forward by `delta`, firing what falls due
        on the way at its own time. Returns how many events fired."""
        if not isinstance(self.clock, DemoClock):
            raise ValueError("the clock can be moved only in the demo")
        if not timedelta(0) < delta <= MAX_DEMO_ADVANCE:
            raise ValueError("advance the clock by a positive duration of at most 14 days")
        with self.firing:
            fired = fire_through(self.sessions, self.services, self.clock,
                                 self.clock.now() + delta)
        self.wake()
        return fired


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
    if services is None:
        from bot.escalation.learned import WarmingRiskDetector
        from bot.escalation.risk import default_lexicon_detector

        # Listen at once; the learned backstop loads meanwhile (messages wait for it),
        # and its weights join what start-up built out of the collector's reach.
        risk = WarmingRiskDetector(default_lexicon_detector(), on_ready=freeze_long_lived)
        services = build_services(settings, risk=risk)
    return Tether(
        settings=settings,
        engine=engine,
        sessions=sessions,
        services=services,
        clock=clock,
        channels=channels,
        sender=OutboxSender(sessions, channels, clock),
        leadership=Leadership(engine),
        firer=Firer(sessions, services, engine, settings),
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


def _fire_if_leading(tether: Tether) -> int:
    """Fire until nothing is due, confirming the lock before each round (a
    leader whose lock connection died stops here); the sender starts on each
    round while the next is fired."""
    total = 0
    while tether.leadership.check():
        fired = tether.fire_due_events()
        total += fired
        if fired < ROUND_LIMIT:
            break
        tether.wake()
    return total


async def _fire_timers(tether: Tether) -> None:
    fired = await asyncio.to_thread(_fire_if_leading, tether)
    if fired:
        tether.wake()


async def _stand_by(tether: Tether, scheduler: AsyncIOScheduler) -> None:
    """A standby tries for the lead; on taking it, fire (catch up) at once."""
    was_leader = tether.leadership.is_leader
    if await asyncio.to_thread(tether.leadership.check) and not was_leader:
        scheduler.modify_job("fire_due", next_run_time=tether.clock.now())


def _start_scheduler(tether: Tether) -> AsyncIOScheduler:
    """APScheduler only wakes us; the schedule of record is the timed-event
    table, so a restart first catches up at once (stale events are skipped).
    Only the leader fires (`bot.scheduling.leader`); the others stand by."""
    settings = tether.settings
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(_fire_timers, "interval", seconds=settings.timer_interval_seconds,
                      args=[tether], id="fire_due", max_instances=1, coalesce=True,
                      next_run_time=tether.clock.now())
    scheduler.add_job(_stand_by, "interval", seconds=settings.leader_retry_seconds,
                      args=[tether, scheduler], id="leadership", max_instances=1,
                      coalesce=True)
    scheduler.start()
    return scheduler


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
        scheduler = _start_scheduler(tether)
        sender = asyncio.create_task(_sender_loop(tether))
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            await asyncio.to_thread(tether.stop_firing)
            await asyncio.to_thread(tether.leadership.release)
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
        """Alive and accepting messages (held while the risk model loads)."""
        return {"ok": True, "scheduler": tether.leadership.role,
                "risk_model": tether.services.risk_model}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Ready for traffic: 503 until the risk model has loaded, or if it failed."""
        state = tether.services.risk_model
        return JSONResponse({"ready": state == "ready", "risk_model": state},
                            status_code=200 if state == "ready" else 503)

    return app


def freeze_long_lived() -> None:
    """Move what start-up built (flows, lexicons, the risk model's weights) out of
    the garbage collector's reach: a full collection would otherwise walk those
    hundreds of thousands of objects in the middle of a request (about 100 ms,
    seen in the crisis reply's p99)."""
    gc.collect()
    gc.freeze()


def run_server(settings: Settings, *, host: str, port: int, demo: bool,
               workers: int = 1) -> None:
    """Serve on host:port. Several worker processes share one PostgreSQL database
    (each builds its own app from the environment; one of them schedules, any of
    them sends); SQLite and the demo serve from one process."""
    import uvicorn

    if workers > 1:
        if demo or normalize_url(settings.database_url).get_backend_name() != "postgresql":
            raise ValueError("several worker processes need PostgreSQL "
                             "(SQLite and the demo serve from one process)")
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config("bot.app:app_from_environment", factory=True, workers=workers,
                                host=host, port=port, log_level="info")
        listener = config.bind_socket()
        # Connections accepted from a socket uvicorn shares with its workers miss
        # the TCP_NODELAY asyncio gives its own; without it a keep-alive client
        # waits out delayed ACKs (about 40 ms a request).
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        Multiprocess(config, sockets=[listener]).run()
        return
    # The demo's clock can be moved forward from the simulator page ("/advance 1d").
    app = create_app(build_tether(settings, demo=demo, clock=DemoClock() if demo else None))
    freeze_long_lived()
    uvicorn.run(app, host=host, port=port, log_level="info")


def app_from_environment() -> FastAPI:
    """The app one worker process of `tether serve --workers N` builds for itself,
    from the same environment (and .env) the command read."""
    app = create_app(build_tether(load_settings()))
    freeze_long_lived()
    return app
