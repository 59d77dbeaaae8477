"""Pacing sends per sending address."""

from __future__ import annotations

import pytest

from bot.channels.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_sends_from_one_address_are_spaced_evenly() -> None:
    """Three sends at once from one long code leave 1 s apart."""
    pacer = Pacer(1.0, monotonic=lambda: 10.0)
    assert [pacer.reserve("+15005550006") for _ in range(3)] == [0.0, 1.0, 2.0]


def test_addresses_are_paced_independently() -> None:
    """A second number does not wait for the first one's queue."""
    pacer = Pacer(1.0, monotonic=lambda: 10.0)
    pacer.reserve("+15005550006")
    assert pacer.reserve("+15005550007") == 0.0


def test_an_idle_sender_does_not_bank_credit() -> None:
    """After a quiet minute the next send goes at once, and the one after waits again."""
    time = FakeTime()
    pacer = Pacer(3.0, monotonic=time.monotonic)
    pacer.reserve("tf")
    time.now = 60.0
    assert pacer.reserve("tf") == 0.0
    assert pacer.reserve("tf") == pytest.approx(1 / 3)


async def test_wait_sleeps_only_when_the_slot_is_later() -> None:
    """The first send does not sleep; the second sleeps for its slot."""
    time = FakeTime()
    pacer = Pacer(25.0, monotonic=time.monotonic, sleep=time.sleep)
    await pacer.wait("bot")
    await pacer.wait("bot")
    assert time.slept == [pytest.approx(0.04)]


def test_a_rate_must_be_positive() -> None:
    """A zero rate is refused when the channel is built, not at the first send."""
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)
