"""Small builders for rows the storage tests need; each flushes so ids exist."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot.store.models import Client, Clinic, ContactPoint, FlowRun, Message

T0 = datetime(2027, 3, 13, 15, 0, tzinfo=UTC)


def make_clinic(session: Session, clinic_id: str = "demo") -> Clinic:
    """A clinic with neutral texts, as the demo has."""
    clinic = Clinic(
        id=clinic_id,
        name="Riverside Health",
        timezone="America/Chicago",
        crisis_line="+1 555 0100",
        contact_phone="+1 555 0199",
        program_name="Riverside outpatient program",
    )
    session.add(clinic)
    session.flush()
    return clinic


def make_client(session: Session, clinic: Clinic, first_name: str = "Ana") -> Client:
    """An active client of `clinic`."""
    client = Client(clinic=clinic, first_name=first_name, last_name="Diaz")
    session.add(client)
    session.flush()
    return client


def make_contact_point(
    session: Session, client: Client, address: str = "+15555550123", channel: str = "sms"
) -> ContactPoint:
    """An address for `client` on `channel`."""
    point = ContactPoint(client=client, channel=channel, address=address)
    session.add(point)
    session.flush()
    return point


def make_run(session: Session, client: Client, status: str = "active") -> FlowRun:
    """A run of the PHQ-9 flow for `client`."""
    run = FlowRun(client=client, flow_id="phq9", status=status, started_at=T0)
    session.add(run)
    session.flush()
    return run


def make_message(
    session: Session,
    clinic: Clinic,
    provider_id: str | None,
    *,
    direction: str = "in",
    channel: str = "sms",
    client: Client | None = None,
) -> Message:
    """A stored text with the given provider id."""
    message = Message(
        clinic_id=clinic.id,
        client=client,
        channel=channel,
        address="+15555550123",
        direction=direction,
        body="hello",
        provider_id=provider_id,
        status="received" if direction == "in" else "queued",
        created_at=T0,
    )
    session.add(message)
    session.flush()
    return message
