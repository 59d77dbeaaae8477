"""Quiet hours in a client's own time zone (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_hhmm(value: str) -> time:
    hours, _, minutes = value.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def parse_window(value: str) -> tuple[time, time]:
    """'21:00-08:00' -> (21:00, 08:00)."""
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError(f"quiet hours look like 21:00-08:00, got {value!r}")
    return parse_hhmm(start), parse_hhmm(end)


def in_quiet_hours(moment: datetime, tz: str, start: time, end: time) -> bool:
    local = moment.astimezone(ZoneInfo(tz)).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(moment: datetime, tz: str, start: time, end: time) -> datetime:
    """`moment` itself when outside quiet hours, else the end of the quiet
    period it falls in (UTC). Uses wall-clock arithmetic in `tz`, so the
    morning send stays at 08:00 local across daylight-saving changes."""
    if not in_quiet_hours(moment, tz, start, end):
        return moment
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    day = local.date()
    if start > end and local.time() >= start:
        day = day + timedelta(days=1)
    wake = datetime.combine(day, end, tzinfo=zone)
    return wake.astimezone(UTC)


LEGAL_START = time(8, 0)  # texts that were not asked for go between 08:00...
LEGAL_END = time(21, 0)  # ...and 21:00, the client's local time


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """A clinic's quiet hours, refused when they would let texts go outside
    the legal 08:00-21:00 sending window (quiet must cover 21:00-08:00)."""
    start, end = parse_window(value)
    if not (start > end and start <= LEGAL_END and end >= LEGAL_START):
        raise ValueError(f"quiet hours {value!r} must cover at least 21:00-08:00 (texts may "
                         "only go out between 08:00 and 21:00 local time)")
    return start, end
