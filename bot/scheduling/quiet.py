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
