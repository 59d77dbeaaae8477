"""UTCDateTime on both engines: what goes in aware comes back aware and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from bot.store.models import AuditEvent, NaiveDatetimeError, TimedEvent
from tests.store.factories import make_clinic


def test_aware_datetime_comes_back_as_the_same_instant_in_utc(session: Session) -> None:
    """A time written in Chicago local time reads back as the same instant, in UTC."""
    clinic = make_clinic(session)
    local = datetime(2027, 3, 14, 1, 30, 15, 123456, tzinfo=ZoneInfo("America/Chicago"))
    session.add(TimedEvent(clinic_id=clinic.id, kind="checkin_due", due_at=local))
    session.commit()
    session.expunge_all()

    due_at = session.scalars(select(TimedEvent.due_at)).one()

    assert due_at == local
    assert due_at.utcoffset() == timedelta(0)
    assert due_at.tzinfo is UTC
    assert due_at.microsecond == 123456


def test_naive_datetime_is_refused_with_a_clear_error(session: Session) -> None:
    """Writing a naive timestamp fails and says to pass an aware one."""
    clinic = make_clinic(session)
    session.add(TimedEvent(clinic_id=clinic.id, kind="checkin_due", due_at=datetime(2027, 3, 14)))

    with pytest.raises(StatementError) as raised:
        session.flush()

    assert isinstance(raised.value.orig, NaiveDatetimeError)
    assert "timezone-aware" in str(raised.value)


def test_comparisons_in_queries_use_utc(session: Session) -> None:
    """Filtering by a time given in another zone finds the rows due before that instant."""
    clinic = make_clinic(session)
    base = datetime(2027, 3, 14, 12, 0, tzinfo=UTC)
    for hours in (1, 2, 3):
        session.add(
            TimedEvent(
                clinic_id=clinic.id,
                kind="checkin_due",
                due_at=base + timedelta(hours=hours),
                payload={"hours": hours},
            )
        )
    session.commit()
    # 14:30 UTC expressed as 09:30 at UTC-5.
    cutoff = datetime(2027, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=-5)))

    due = session.scalars(
        select(TimedEvent.payload).where(TimedEvent.due_at <= cutoff).order_by(TimedEvent.due_at)
    ).all()

    assert due == [{"hours": 1}, {"hours": 2}]


def test_default_timestamps_are_aware_utc(session: Session) -> None:
    """Rows stamped by default carry an aware UTC time after a fresh read."""
    session.add(AuditEvent(actor="system", action="start"))
    session.commit()
    session.expunge_all()

    at = session.scalars(select(AuditEvent.at)).one()

    assert at.tzinfo is UTC
