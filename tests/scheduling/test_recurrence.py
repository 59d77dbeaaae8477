"""Schedules read as people write them, and occur in the client's own time,
neither skipping nor doubling a day across daylight-saving changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.recurrence import ScheduleError, next_occurrence, parse_schedule

CHICAGO = "America/Chicago"


def walk(text: str, tz: str, start: date, after: datetime, count: int,
         end: date | None = None) -> list[datetime]:
    """The next `count` occurrences as local wall-clock datetimes."""
    schedule = parse_schedule(text)
    out = []
    for _ in range(count):
        found = next_occurrence(schedule, after, tz, start=start, end=end)
        if found is None:
            break
        after = found[0]
        out.append(found[0].astimezone(ZoneInfo(tz)))
    return out


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("daily 20:00", "FREQ=DAILY;INTERVAL=1;BYHOUR=20;BYMINUTE=0;BYSECOND=0"),
        ("weekly mon 10:00", "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;BYHOUR=10;BYMINUTE=0;BYSECOND=0"),
        ("Weekly Monday, Thursday 9:05",
         "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,TH;BYHOUR=9;BYMINUTE=5;BYSECOND=0"),
        ("every 2 weeks fri 17:30",
         "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=17;BYMINUTE=30;BYSECOND=0"),
        ("every 3 days 08:15", "FREQ=DAILY;INTERVAL=3;BYHOUR=8;BYMINUTE=15;BYSECOND=0"),
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30",
         "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30;BYSECOND=0"),
    ],
)
def test_every_schedule_form_is_read(text: str, rule: str) -> None:
    """Plain-English forms and RFC 5545 rules become the same kind of rule."""
    assert parse_schedule(text).rule == rule


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty schedule"),
        ("hourly", "cannot read schedule"),
        ("daily 25:00", "not a time of day"),
        ("weekly funday 10:00", "not a weekday"),
        ("every 0 days 10:00", "at least 1"),
        ("RRULE:FREQ=DAILY", "needs BYHOUR"),
        ("RRULE:FREQ=DAILY;BYHOUR=9,18", "one hour"),
        ("RRULE:FREQ=SOMETIMES;BYHOUR=9", "not a valid RRULE"),
        ("RRULE:FREQ=DAILY;BYHOUR=9;DTSTART=20270101T000000", "start date"),
    ],
)
def test_a_bad_schedule_gets_a_clear_error(text: str, says: str) -> None:
    """A schedule that cannot be read is refused with the reason."""
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(text)


def test_daily_goes_at_the_local_time_every_day() -> None:
    """`daily 20:00` is 20:00 in the client's zone each day."""
    after = datetime(2027, 3, 1, 12, tzinfo=UTC)
    times = walk("daily 20:00", CHICAGO, date(2027, 3, 1), after, 3)
    assert [t.strftime("%d %H:%M") for t in times] == ["01 20:00", "02 20:00", "03 20:00"]


def test_every_two_weeks_is_anchored_at_the_start_date() -> None:
    """`every 2 weeks fri` counts its fortnights from the enrollment's start."""
    after = datetime(2027, 3, 1, tzinfo=UTC)
    times = walk("every 2 weeks fri 17:30", CHICAGO, date(2027, 3, 1), after, 3)
    assert [t.date() for t in times] == [date(2027, 3, 5), date(2027, 3, 19), date(2027, 4, 2)]


def test_nothing_before_the_start_or_after_the_end_date() -> None:
    """Occurrences stay within the enrollment's dates."""
    after = datetime(2027, 3, 1, tzinfo=UTC)
    times = walk("daily 10:00", CHICAGO, date(2027, 3, 3), after, 10, end=date(2027, 3, 5))
    assert [t.day for t in times] == [3, 4, 5]


def test_spring_forward_0230_goes_at_0330_once() -> None:
    """A 02:30 check-in on the night 02:30 does not exist goes at 03:30, once."""
    after = datetime(2027, 3, 13, 12, tzinfo=UTC)
    times = walk("daily 02:30", CHICAGO, date(2027, 3, 1), after, 3)
    assert [t.strftime("%d %H:%M") for t in times] == ["14 03:30", "15 02:30", "16 02:30"]


def test_fall_back_0130_goes_once_the_first_time() -> None:
    """A 01:30 check-in on the night 01:30 happens twice goes at the first, only."""
    after = datetime(2027, 11, 6, 12, tzinfo=UTC)
    times = walk("daily 01:30", CHICAGO, date(2027, 11, 1), after, 2)
    first = times[0]
    assert first.strftime("%d %H:%M") == "07 01:30"
    assert first.utcoffset() == timedelta(hours=-5)  # still daylight time: the first 01:30
    assert times[1].strftime("%d %H:%M") == "08 01:30"


ZONES = ["America/Chicago", "America/New_York", "America/Los_Angeles", "America/Denver",
         "America/Phoenix", "Pacific/Honolulu", "America/Anchorage", "Europe/London",
         "Europe/Berlin", "Australia/Sydney", "America/Santiago", "Asia/Kolkata",
         "Australia/Lord_Howe", "America/St_Johns"]


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
)
def test_daily_never_skips_or_doubles_a_day(zone: str, day: date, hour: int,
                                            minute: int) -> None:
    """Over any 10 days in any zone, a daily check-in occurs once per local
    date, in order, at its time or just after a clock change."""
    start = day - timedelta(days=2)
    after = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    times = walk(f"daily {hour:02d}:{minute:02d}", zone, start, after, 10)
    assert len(times) == 10
    dates = [t.date() for t in times]
    assert dates == [dates[0] + timedelta(days=n) for n in range(10)]
    assert all(a < b for a, b in itertools.pairwise(times))
    for t in times:
        written = datetime.combine(t.date(), datetime.min.time()).replace(hour=hour,
                                                                          minute=minute)
        shift = t.replace(tzinfo=None) - written
        assert timedelta(0) <= shift <= timedelta(hours=1)  # only a DST gap moves it


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), day=st.dates(min_value=date(2026, 1, 1),
                                                 max_value=date(2030, 12, 31)))
def test_weekly_occurs_once_a_week(zone: str, day: date) -> None:
    """A weekly check-in lands on its weekday once every 7 local days."""
    after = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    times = walk("weekly wed 02:30", zone, day, after, 6)
    assert all(t.weekday() == 2 for t in times)
    assert [(b.date() - a.date()).days for a, b in itertools.pairwise(times)] == [7] * 5
