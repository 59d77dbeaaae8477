"""Clocks. The core takes `now` as a parameter; the shell asks a clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to (transcripts, tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a simulated clock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("a simulated clock does not go backwards")
        self._now = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self.set(self._now + delta)


class DemoClock:
    """Real time plus an offset that only grows: the demo's "advance the clock",
    so a navigator can watch tomorrow's check-ins arrive today."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        """Move to `moment`; a moment already past is ignored (time never goes back)."""
        with self._lock:
            self._offset = max(self._offset, moment.astimezone(UTC) - datetime.now(UTC))

    def advance(self, delta: timedelta) -> None:
        self.set(self.now() + delta)


class MovableClock(Clock, Protocol):
    """A clock that can be moved forward: simulated or demo time."""

    def set(self, moment: datetime) -> None: ...
