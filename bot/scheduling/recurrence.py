"""Recurring check-in schedules in a client's own time. Pure.

A schedule is written one of these ways:

- ``daily 20:00``
- ``weekly mon 10:00`` (several days: ``weekly mon,thu 10:00``)
- ``every 2 weeks fri 17:30``, ``every 3 days 09:00``
- an RFC 5545 rule: ``RRULE:FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30``
  (``BYHOUR`` is required: it is the local time of the check-in)

Occurrences are wall-clock times in the client's zone, anchored at the
enrollment's start date (which also sets the phase of "every 2 weeks").
Turning a wall-clock time into an instant follows the clock, not the
calendar arithmetic: a time that does not exist on a spring-forward night
(02:30) goes at the same offset past the change (03:30), once; a time that
happens twice on a fall-back night (01:30) goes the first time only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

WEEKDAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA",
            "sun": "SU"}
_DAY_ALIASES = {"monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed",
                "thursday": "thu", "thur": "thu", "thurs": "thu", "friday": "fri",
                "saturday": "sat", "sunday": "sun"}
_TIME = r"(?P<hh>\d{1,2}):(?P<mm>\d{2})"
_DAYS = r"(?P<days>[a-z]+(?:\s*,\s*[a-z]+)*)"
_FORMS = (
    re.compile(rf"^daily\s+{_TIME}$"),
    re.compile(rf"^weekly\s+{_DAYS}\s+{_TIME}$"),
    re.compile(rf"^every\s+(?P<n>\d+)\s+days?\s+{_TIME}$"),
    re.compile(rf"^every\s+(?P<n>\d+)\s+weeks?\s+{_DAYS}\s+{_TIME}$"),
)
EXAMPLES = "'daily 20:00', 'weekly mon 10:00', 'every 2 weeks fri 17:30' or an RRULE"
_SEARCH_LIMIT = 4000  # occurrences looked at before giving up (an RRULE that never lands)


class ScheduleError(ValueError):
    """A schedule that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: its text as written and the RFC 5545 rule it means."""

    text: str
    rule: str  # "FREQ=...;BYHOUR=..;BYMINUTE=..;BYSECOND=0", no DTSTART

    def occurrences(self, anchor: date) -> rrule:
        """The wall-clock (naive) occurrences from `anchor` on."""
        return _occurrences(self.rule, anchor)


@lru_cache(maxsize=256)  # each holds the occurrences it has generated
def _occurrences(rule: str, anchor: date) -> rrule:
    # Shared and caching: many enrollments have one schedule and start date, and
    # a daily wave asks for each of them (dateutil guards its cache with a lock).
    start = datetime.combine(anchor, time(0, 0))
    return rrulestr(rule, dtstart=start, forceset=False, cache=True)  # type: ignore[return-value]


def parse_schedule(text: str) -> Schedule:
    """Read a schedule; ScheduleError names the accepted forms."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise ScheduleError(f"empty schedule; use {EXAMPLES}")
    if cleaned.upper().startswith(("RRULE:", "FREQ=")):
        return Schedule(cleaned, _parse_rrule(cleaned))
    lowered = cleaned.lower()
    for form in _FORMS:
        match = form.match(lowered)
        if match is None:
            continue
        fields = match.groupdict()
        hour, minute = _clock(fields["hh"], fields["mm"], cleaned)
        interval = int(fields.get("n") or 1)
        if interval < 1:
            raise ScheduleError(f"{cleaned!r}: the interval must be at least 1")
        when = f"BYHOUR={hour};BYMINUTE={minute};BYSECOND=0"
        if fields.get("days"):
            days = ",".join(_weekday(day, cleaned) for day in fields["days"].split(","))
            return Schedule(cleaned, f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={days};{when}")
        return Schedule(cleaned, f"FREQ=DAILY;INTERVAL={interval};{when}")
    raise ScheduleError(f"cannot read schedule {cleaned!r}; use {EXAMPLES}")


def _clock(hh: str, mm: str, text: str) -> tuple[int, int]:
    hour, minute = int(hh), int(mm)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r}: {hh}:{mm} is not a time of day (00:00 to 23:59)")
    return hour, minute


def _weekday(word: str, text: str) -> str:
    key = word.strip()
    key = _DAY_ALIASES.get(key, key)
    if key not in WEEKDAYS:
        raise ScheduleError(f"{text!r}: {word.strip()!r} is not a weekday (mon, tue, ... sun)")
    return WEEKDAYS[key]


def _parse_rrule(text: str) -> str:
    body = text[len("RRULE:"):] if text.upper().startswith("RRULE:") else text
    parts: dict[str, str] = {}
    for part in body.upper().split(";"):
        name, sep, value = part.partition("=")
        if not sep or not name or not value:
            raise ScheduleError(f"{text!r}: {part!r} is not NAME=VALUE")
        parts[name.strip()] = value.strip()
    if "DTSTART" in parts:
        raise ScheduleError(f"{text!r}: give the start as the enrollment's start date, "
                            "not DTSTART")
    if "BYHOUR" not in parts:
        raise ScheduleError(f"{text!r}: an RRULE needs BYHOUR (and BYMINUTE) for the local "
                            "time of the check-in")
    if not parts["BYHOUR"].isdigit() or "," in parts["BYHOUR"]:
        raise ScheduleError(f"{text!r}: BYHOUR must be one hour (0-23)")
    parts.setdefault("BYMINUTE", "0")
    parts["BYSECOND"] = "0"
    rule = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        rrulestr(rule, dtstart=datetime(2000, 1, 1))  # noqa: DTZ001 - wall-clock rule check
    except (ValueError, TypeError) as exc:
        raise ScheduleError(f"{text!r}: not a valid RRULE: {exc}") from None
    return rule


def to_instant(wall: datetime, tz: str) -> datetime:
    """A naive wall-clock time in `tz` as a UTC instant: a time skipped by a
    spring-forward change moves forward by the gap; a time that happens twice
    is the first of the two."""
    zone = ZoneInfo(tz)
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def next_occurrence(schedule: Schedule, after: datetime, tz: str, *, start: date,
                    end: date | None = None) -> tuple[datetime, datetime] | None:
    """The first occurrence strictly after the UTC instant `after`, as
    (UTC instant, local wall-clock time), on or after `start` and on or
    before `end` (local dates); None when the schedule has no more."""
    zone = ZoneInfo(tz)
    local_after = after.astimezone(zone).replace(tzinfo=None)
    first = datetime.combine(start, time(0, 0))
    rule = schedule.occurrences(start)
    # A wall-clock time can land up to a DST gap later than written: look back a day.
    cursor = local_after - timedelta(days=1)
    probe: datetime | None = rule.before(cursor, inc=False) if cursor > first else None
    for _ in range(_SEARCH_LIMIT):
        probe = rule.after(probe, inc=False) if probe is not None else rule.after(first, inc=True)
        if probe is None or (end is not None and probe.date() > end):
            return None
        instant = to_instant(probe, tz)
        if instant > after:
            return instant, probe
    return None
