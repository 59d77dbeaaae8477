"""Quiet hours hold scheduled texts until morning, in the client's own zone."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.quiet import in_quiet_hours, next_allowed, parse_quiet_hours, parse_window

CHICAGO = "America/Chicago"
START, END = time(21, 0), time(8, 0)


def local(y: int, mo: int, d: int, h: int, mi: int = 0, tz: str = CHICAGO) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def test_evening_and_night_are_quiet_daytime_is_not() -> None:
    """21:00-08:00 local is quiet; 08:00 and 20:59 are not."""
    assert in_quiet_hours(local(2027, 3, 1, 22), CHICAGO, START, END)
    assert in_quiet_hours(local(2027, 3, 1, 3), CHICAGO, START, END)
    assert not in_quiet_hours(local(2027, 3, 1, 8), CHICAGO, START, END)
    assert not in_quiet_hours(local(2027, 3, 1, 20, 59), CHICAGO, START, END)


def test_a_late_evening_send_waits_for_eight_the_next_morning() -> None:
    """A text due at 23:30 goes at 08:00 local the next day."""
    moved = next_allowed(local(2027, 3, 1, 23, 30), CHICAGO, START, END)
    assert moved.astimezone(ZoneInfo(CHICAGO)) == datetime(2027, 3, 2, 8, 0,
                                                           tzinfo=ZoneInfo(CHICAGO))


def test_an_early_morning_send_waits_for_eight_the_same_morning() -> None:
    """A text due at 05:10 goes at 08:00 the same day."""
    moved = next_allowed(local(2027, 3, 2, 5, 10), CHICAGO, START, END)
    assert moved == local(2027, 3, 2, 8)


def test_the_morning_after_a_clock_change_is_still_eight_local() -> None:
    """Across the spring-forward night the wake-up stays at 08:00 local."""
    moved = next_allowed(local(2027, 3, 13, 22), CHICAGO, START, END)
    assert moved.astimezone(ZoneInfo(CHICAGO)).hour == 8
    assert moved.astimezone(ZoneInfo(CHICAGO)).day == 14


def test_quiet_hours_follow_the_clients_zone() -> None:
    """Noon in Chicago is 10:00 in Los Angeles (allowed) and 07:00 in Honolulu (quiet)."""
    moment = local(2027, 6, 1, 12)  # 10:00 in Los Angeles, 07:00 in Honolulu
    assert not in_quiet_hours(moment, "America/Los_Angeles", START, END)
    assert in_quiet_hours(moment, "Pacific/Honolulu", START, END)


def test_a_window_without_a_dash_is_refused() -> None:
    """A malformed quiet-hours setting is refused with the expected form."""
    with pytest.raises(ValueError, match="21:00-08:00"):
        parse_window("21:00 to 08:00")


@pytest.mark.parametrize("window", ["21:00-08:00", "20:00-09:00", "18:30-08:00"])
def test_quiet_hours_covering_the_legal_night_are_accepted(window: str) -> None:
    """Quiet hours that cover at least 21:00-08:00 are accepted."""
    start, end = parse_quiet_hours(window)
    assert start <= time(21, 0)
    assert end >= time(8, 0)


@pytest.mark.parametrize("window", ["22:00-08:00", "21:00-07:00", "00:00-06:00", "21:00-21:00"])
def test_quiet_hours_narrower_than_the_legal_night_are_refused(window: str) -> None:
    """A window that would let texts go before 08:00 or after 21:00 is refused."""
    with pytest.raises(ValueError, match="must cover at least 21:00-08:00"):
        parse_quiet_hours(window)
