"""When a scheduled conversation may go, and when reminders fall. Pure.

A due check-in or reminder passes these gates in order (`gate`):

1. stale: due more than the flow's grace period ago (the scheduler was
   down) -> skipped and recorded missed, never sent late in a burst;
2. too late: a reminder whose appointment has begun -> skipped;
3. quiet hours in the client's zone -> waits for the end of them;
4. in crisis: the client has an open crisis escalation (the care team has
   them) -> waits a few minutes and looks again, until it is resolved or the
   grace period has passed (then it is missed, as a stale one);
   busy: another conversation is live, or a more urgent one is due at the
   same moment -> waits a few minutes and looks again;
5. daily cap: the client already had `cap` scheduled conversations this
   local day -> waits for tomorrow morning;

and otherwise goes now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.scheduling.quiet import next_allowed
from bot.scheduling.recurrence import to_instant

DEFAULT_GRACE = timedelta(hours=2)
GRACE_BY_FLOW: dict[str, timedelta] = {
    "appointment_reminder": timedelta(hours=1),  # the 2-hour reminder is useless much later
}
DAILY_CAP = 3  # scheduled conversations per client per local day
RECHECK_AFTER = timedelta(minutes=5)  # a check-in queued behind a live conversation
# A reminder or screen does not queue behind a lower-ranked check-in the client has
# left unanswered this long: that check-in ends incomplete and makes way.
IDLE_BEFORE_MAKING_WAY = timedelta(minutes=30)
MISSED_IN_A_ROW = 3  # unanswered check-ins before a navigator is asked to follow up

APPOINTMENT_OFFSETS: tuple[tuple[str, timedelta], ...] = (
    ("48h", timedelta(hours=48)),
    ("2h", timedelta(hours=2)),
)
REFILL_DAYS_BEFORE: tuple[tuple[str, int], ...] = (("3d", 3), ("day", 0))
REFILL_LOCAL_TIME = time(10, 0)

# Safety screens go first when several conversations are due together.
_RANK = {"cssrs": 0, "phq9": 0, "phq2": 0, "gad7": 1, "gad2": 1, "auditc": 1,
         "appointment_reminder": 2, "refill_reminder": 2}
_DEFAULT_RANK = 3  # adherence, craving and any clinic-made check-in


def flow_rank(flow_id: str) -> int:
    """Lower goes first: safety screens, questionnaires, reminders, the rest."""
    return _RANK.get(flow_id, _DEFAULT_RANK)


def grace_for(flow_id: str) -> timedelta:
    return GRACE_BY_FLOW.get(flow_id, DEFAULT_GRACE)


@dataclass(frozen=True)
class Gate:
    """What to do with a due event: go now, skip it, or wait until `until`."""

    action: Literal["go", "skip", "wait"]
    reason: str = ""
    until: datetime | None = None


@dataclass(frozen=True)
class Situation:
    """Everything `gate` looks at, gathered by the shell."""

    due_at: datetime
    now: datetime
    grace: timedelta
    tz: str
    quiet: tuple[time, time]
    busy: bool = False  # a live conversation, or a more urgent one due now
    in_crisis: bool = False  # an open escalation at high or imminent
    started_today: int = 0  # scheduled conversations already started this local day
    cap: int = DAILY_CAP
    deadline: datetime | None = None  # e.g. the appointment's start


def gate(s: Situation) -> Gate:
    """Go, skip or wait; a wait is always strictly later than `now`."""
    if s.now - s.due_at > s.grace:
        return Gate("skip", "stale")
    if s.deadline is not None and s.now >= s.deadline:
        return Gate("skip", "too_late")
    allowed = next_allowed(s.now, s.tz, *s.quiet)
    if allowed > s.now:
        return Gate("wait", "quiet_hours", allowed)
    if s.in_crisis:
        return Gate("wait", "crisis", s.now + RECHECK_AFTER)
    if s.busy:
        return Gate("wait", "busy", s.now + RECHECK_AFTER)
    if s.started_today >= s.cap:
        return Gate("wait", "daily_cap", next_morning(s.now, s.tz, s.quiet[1]))
    return Gate("go")


def local_day(moment: datetime, tz: str) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the client's local day holding `moment`."""
    day = moment.astimezone(ZoneInfo(tz)).date()
    return _midnight(day, tz), _midnight(day + timedelta(days=1), tz)


def _midnight(day: date, tz: str) -> datetime:
    return to_instant(datetime.combine(day, time(0, 0)), tz)


def next_morning(moment: datetime, tz: str, wake: time) -> datetime:
    """`wake` o'clock local on the day after `moment` (UTC)."""
    day = moment.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)
    return to_instant(datetime.combine(day, wake), tz)


def appointment_reminders(starts_at: datetime, now: datetime) -> list[tuple[str, datetime]]:
    """(label, due) of the reminders still ahead of `now` for an appointment."""
    return [(label, starts_at - offset) for label, offset in APPOINTMENT_OFFSETS
            if starts_at - offset > now]


def refill_reminders(due_date: date, tz: str, now: datetime) -> list[tuple[str, datetime]]:
    """(label, due) of the refill reminders still ahead of `now`: days before
    the due date and on the day, at 10:00 local."""
    out = []
    for label, days in REFILL_DAYS_BEFORE:
        moment = to_instant(datetime.combine(due_date - timedelta(days=days),
                                             REFILL_LOCAL_TIME), tz)
        if moment > now:
            out.append((label, moment))
    return out
