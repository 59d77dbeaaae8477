"""Long polling for installations without a public URL (`tether telegram poll`).

The same handlers as the webhook take each update; the outbox sender runs
beside them unless another process (`tether serve`) already delivers.
Polling removes any registered webhook first, as Telegram requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.app import Tether, close_channels, run_sender
from bot.channels.telegram import ALLOWED_UPDATES, TelegramInbound

log = logging.getLogger(__name__)

POLL_TIMEOUT_SECONDS = 30


async def poll(tether: Tether, *, send: bool = True, stop: asyncio.Event | None = None,
               poll_timeout: int = POLL_TIMEOUT_SECONDS) -> None:
    """Receive updates until `stop` is set (or the task is cancelled)."""
    tether.attach()
    inbound = TelegramInbound(tether.settings, handle=tether.handle, sessions=tether.sessions,
                              clock=tether.clock, wake=tether.wake, polling=True)
    application = inbound.application
    updater = application.updater
    assert updater is not None  # built with polling=True
    await application.initialize()
    sender = asyncio.create_task(run_sender(tether)) if send else None
    try:
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=poll_timeout,
                                    drop_pending_updates=False)
        await application.start()
        log.info("polling Telegram as @%s", application.bot.username)
        await (stop or asyncio.Event()).wait()
    finally:
        if updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if sender is not None:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        await close_channels(tether)
