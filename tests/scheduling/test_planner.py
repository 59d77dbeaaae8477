"""The gates a due check-in or reminder passes, and when reminders fall."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.planner import (
    RECHECK_AFTER,
    Situation,
    appointment_reminders,
    flow_rank,
    gate,
    local_day,
    refill_reminders,
)

CHICAGO = "America/Chicago"
QUIET = (time(21, 0), time(8, 0))


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(CHICAGO)).astimezone(UTC)


def situation(now: datetime, **changes: object) -> Situation:
    values: dict[str, object] = {"due_at": now, "now": now, "grace": timedelta(hours=2),
                                 "tz": CHICAGO, "quiet": QUIET}
    values.update(changes)
    return Situation(**values)  # type: ignore[arg-type]


def test_a_due_check_in_in_the_daytime_goes() -> None:
    """Nothing in the way: the check-in goes now."""
    assert gate(situation(local(2027, 3, 2, 10))).action == "go"


def test_a_check_in_more_than_the_grace_late_is_skipped() -> None:
    """After an outage, a check-in due 3 hours ago is skipped as stale."""
    now = local(2027, 3, 2, 13)
    decision = gate(situation(now, due_at=now - timedelta(hours=3)))
    assert (decision.action, decision.reason) == ("skip", "stale")


def test_a_check_in_within_the_grace_still_goes() -> None:
    """A check-in 90 minutes late, with 2 hours of grace, still goes."""
    now = local(2027, 3, 2, 13)
    assert gate(situation(now, due_at=now - timedelta(minutes=90))).action == "go"


def test_in_quiet_hours_it_waits_for_the_morning() -> None:
    """A check-in due at 22:30 waits for 08:00 the next day."""
    decision = gate(situation(local(2027, 3, 2, 22, 30)))
    assert decision.action == "wait"
    assert decision.until == local(2027, 3, 3, 8)


def test_behind_a_live_conversation_it_looks_again_shortly() -> None:
    """Busy: the check-in waits a few minutes and is looked at again."""
    now = local(2027, 3, 2, 10)
    decision = gate(situation(now, busy=True))
    assert (decision.action, decision.until) == ("wait", now + RECHECK_AFTER)


def test_in_an_open_crisis_it_waits_and_is_missed_once_its_grace_is_past() -> None:
    now = local(2027, 3, 2, 10)
    decision = gate(situation(now, in_crisis=True))
    assert (decision.action, decision.reason, decision.until) == (
        "wait", "crisis", now + RECHECK_AFTER)
    later = gate(situation(now + timedelta(hours=6), due_at=now, in_crisis=True))
    assert (later.action, later.reason) == ("skip", "stale")


def test_over_the_daily_cap_it_waits_for_tomorrow_morning() -> None:
    """A fourth scheduled conversation in a day waits for 08:00 tomorrow."""
    decision = gate(situation(local(2027, 3, 2, 15), started_today=3))
    assert (decision.action, decision.reason) == ("wait", "daily_cap")
    assert decision.until == local(2027, 3, 3, 8)


def test_a_reminder_after_the_appointment_began_is_skipped() -> None:
    """A reminder held past the appointment's start is not sent."""
    now = local(2027, 3, 2, 9, 5)
    decision = gate(situation(now, deadline=local(2027, 3, 2, 9)))
    assert (decision.action, decision.reason) == ("skip", "too_late")


def test_safety_screens_rank_before_daily_check_ins() -> None:
    """PHQ-9, PHQ-2 and the Columbia screener go before adherence and craving."""
    assert max(flow_rank(f) for f in ("phq9", "phq2", "cssrs")) < min(
        flow_rank(f) for f in ("adherence", "craving"))


def test_appointment_reminders_fall_48_and_2_hours_before() -> None:
    """An appointment gets reminders 48 h and 2 h before; past ones are dropped."""
    starts = local(2027, 3, 25, 14)
    assert appointment_reminders(starts, local(2027, 3, 20, 9)) == [
        ("48h", starts - timedelta(hours=48)), ("2h", starts - timedelta(hours=2))]
    assert appointment_reminders(starts, local(2027, 3, 24, 9)) == [
        ("2h", starts - timedelta(hours=2))]


def test_refill_reminders_fall_three_days_before_and_on_the_day_at_ten() -> None:
    """A refill due on the 20th is reminded on the 17th and the 20th at 10:00 local."""
    got = refill_reminders(date(2027, 3, 20), CHICAGO, local(2027, 3, 10, 9))
    assert got == [("3d", local(2027, 3, 17, 10)), ("day", local(2027, 3, 20, 10))]


def test_a_local_day_is_23_hours_on_the_spring_forward_date() -> None:
    """The cap counts by the client's local day, however long it is."""
    start, end = local_day(local(2027, 3, 14, 12), CHICAGO)
    assert end - start == timedelta(hours=23)
