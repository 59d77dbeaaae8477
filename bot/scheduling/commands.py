"""What the `tether enroll` and `tether import` commands (and, later, the
console) call: each opens its own transaction and returns a summary."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.service import EnrollmentError, client_zone, enroll, pending_events
from bot.store.models import Client


@dataclass(frozen=True)
class Enrolled:
    enrollment_id: int
    first_due: datetime | None  # UTC; None when the schedule has no occurrence left
    timezone: str


def enroll_client(sessions: sessionmaker[Session], *, client_id: int, flow_id: str,
                  schedule: str, known_flows: Collection[str], now: datetime,
                  start: date | None = None, end: date | None = None) -> Enrolled:
    """Enroll a client; EnrollmentError says what is wrong with the request."""
    with sessions() as session:
        client = session.get(Client, client_id)
        if client is None:
            raise EnrollmentError(f"no client {client_id}")
        enrollment = enroll(session, client=client, flow_id=flow_id, schedule=schedule,
                            now=now, known_flows=known_flows, start=start, end=end)
        first = pending_events(session, client.id, "checkin_due", "enrollment_id",
                               enrollment.id)
        result = Enrolled(enrollment.id, first[0].due_at if first else None,
                          client_zone(session, client))
        session.commit()
        return result
