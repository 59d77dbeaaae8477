"""Rows the scheduling tests share: a clinic in Chicago and one client."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.seed import create_client, create_clinic
from bot.store.models import Client, TimedEvent

CHICAGO = "America/Chicago"
NOW = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, a Monday


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ZoneInfo(CHICAGO)).astimezone(UTC)


def make_client(session: Session, external_id: str | None = None) -> Client:
    clinic = create_clinic(session, clinic_id="demo", name="Riverside Health", timezone=CHICAGO,
                           crisis_line="(555) 010-0199", contact_phone="(555) 010-0100",
                           program_name="Riverside outpatient program", now=NOW)
    client = create_client(session, clinic=clinic, first_name="Ana", language="en",
                           timezone=None, sex=None, now=NOW)
    client.external_id = external_id
    session.flush()
    return client


def pending(session: Session, kind: str) -> list[TimedEvent]:
    return list(session.scalars(select(TimedEvent).where(
        TimedEvent.kind == kind, TimedEvent.status == "pending").order_by(TimedEvent.due_at)))
