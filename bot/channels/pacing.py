"""Per-sender pacing: at most `per_second` sends a second from each sending
address (a Twilio number, a Telegram bot), shared by every send in the process.

Providers, not Tether, set the real ceiling (a US long code takes 1 message a
second, toll-free 3, a short code ~100; a Telegram bot ~30). Sends are spaced
evenly instead of bursting: each caller reserves the next free slot and sleeps
until it. Reserving a slot has no `await`, so callers on one event loop never
race for the same slot. Urgent sends are not reordered here: the outbox
already claims crisis replies and pages first.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Pacer:
    """Spaces sends from each key at least 1/per_second seconds apart."""

    def __init__(
        self,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.interval = 1.0 / per_second
        self._monotonic = monotonic
        self._sleep = sleep
        self._next_free: dict[str, float] = {}

    def reserve(self, key: str) -> float:
        """Take the next free slot for `key`; return how long to wait for it."""
        now = self._monotonic()
        slot = max(now, self._next_free.get(key, now))
        self._next_free[key] = slot + self.interval
        return slot - now

    async def wait(self, key: str) -> None:
        """Wait until `key` may send again."""
        delay = self.reserve(key)
        if delay > 0:
            await self._sleep(delay)
