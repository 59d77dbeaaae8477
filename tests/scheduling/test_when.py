"""Reminder dates and times read naturally in the client's language and zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.scheduling.when import appointment_when, day_when

CHICAGO = "America/Chicago"


def local(d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2027, 3, d, h, mi, tzinfo=ZoneInfo(CHICAGO)).astimezone(UTC)


def test_an_appointment_days_away_names_the_day_and_time() -> None:
    """Two days ahead: weekday, date and a 12-hour time in English, 24-hour in Spanish."""
    assert appointment_when(local(25, 14), local(23, 14), CHICAGO, "en") == \
        "on Thursday, March 25 at 2:00 PM"
    assert appointment_when(local(25, 14), local(23, 14), CHICAGO, "es") == \
        "el jueves 25 de marzo a las 14:00"


def test_today_and_tomorrow_are_said_so() -> None:
    """The same day reads "today", the next "tomorrow" ("hoy", "mañana")."""
    assert appointment_when(local(25, 9, 30), local(25, 7), CHICAGO, "en") == "today at 9:30 AM"
    assert appointment_when(local(26, 13), local(25, 7), CHICAGO, "es") == "mañana a las 13:00"
    assert appointment_when(local(26, 1), local(25, 7), CHICAGO, "es") == "mañana a la 1:00"


def test_the_time_is_the_clients_own() -> None:
    """A 14:00 Chicago appointment reads 12:00 PM to a client in Los Angeles."""
    assert appointment_when(local(25, 14), local(23, 9), "America/Los_Angeles", "en") == \
        "on Thursday, March 25 at 12:00 PM"


def test_a_refill_date_reads_with_its_weekday() -> None:
    """A due date reads "Saturday, March 20" / "sábado 20 de marzo"."""
    assert day_when(date(2027, 3, 20), "en") == "Saturday, March 20"
    assert day_when(date(2027, 3, 20), "es") == "sábado 20 de marzo"
