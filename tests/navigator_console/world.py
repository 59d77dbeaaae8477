"""Two clinics with staff, clients and escalations, built with bot.seed, for
the staff rules and the console tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from bot.escalation.service import raise_escalation
from bot.seed import create_client, create_clinic, create_user, simulator_address
from bot.store.models import Client, Clinic, ContactPoint, Message, Result

T0 = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    """Ids of what the tests touch; clinic "north" is the signed-in user's."""

    navigator_id: int
    admin_id: int
    client_id: int  # Ana, north, with results and a simulator address
    quiet_client_id: int  # Ben, north, unanswered texts
    high_escalation_id: int
    concern_escalation_id: int
    other_client_id: int  # Olga, clinic "south"
    other_escalation_id: int


NAVIGATOR_EMAIL = "nav@north.example"
ADMIN_EMAIL = "admin@north.example"
OTHER_EMAIL = "nav@south.example"


def build_world(session: Session, now: datetime = T0) -> World:
    north = create_clinic(
        session,
        clinic_id="north",
        name="North Clinic",
        timezone="America/Chicago",
        crisis_line="+1 201-555-0100",
        contact_phone="+1 201-555-0111",
        program_name="North check-ins",
        now=now - timedelta(days=30),
    )
    south = create_clinic(
        session,
        clinic_id="south",
        name="South Clinic",
        timezone="America/New_York",
        crisis_line="+1 201-555-0102",
        contact_phone="+1 201-555-0112",
        program_name="South check-ins",
        now=now - timedelta(days=30),
    )
    navigator = create_user(
        session,
        clinic=north,
        email=NAVIGATOR_EMAIL,
        name="Nora Nav",
        role="navigator",
        password=PASSWORD,
        now=now,
    )
    admin = create_user(
        session,
        clinic=north,
        email=ADMIN_EMAIL,
        name="Adam Admin",
        role="admin",
        password=PASSWORD,
        now=now,
    )
    create_user(
        session,
        clinic=north,
        email="oncall@north.example",
        name="Olu Oncall",
        role="clinician",
        password=PASSWORD,
        now=now,
        phone="+12015550190",
        on_call=True,
    )
    create_user(
        session,
        clinic=south,
        email=OTHER_EMAIL,
        name="Sam South",
        role="navigator",
        password=PASSWORD,
        now=now,
    )

    ana = _client(session, north, "Ana", "Alvarez", "es", now)
    ben = _client(session, north, "Ben", "Baker", "en", now)
    olga = _client(session, south, "Olga", "Olsen", "en", now)

    for days_ago, total, severity in (
        (14, 16, "moderately_severe"),
        (7, 12, "moderate"),
        (1, 8, "mild"),
    ):
        _result(session, ana.id, "phq9", now - timedelta(days=days_ago), total, severity)
    _result(session, ana.id, "gad7", now - timedelta(days=1), 11, "moderate")
    for days_ago, taken in ((1, True), (2, False), (3, True), (9, False)):
        session.add(
            Result(
                client_id=ana.id,
                instrument="adherence",
                status="complete",
                values={"adherence.taken": taken},
                recorded_at=now - timedelta(days=days_ago),
            )
        )
    _message(session, ana.id, "in", "2", now - timedelta(days=1))
    for hours_ago in (72, 48, 30):
        _message(
            session,
            ben.id,
            "out",
            "Did you take your medicine today?",
            now - timedelta(hours=hours_ago),
        )

    high = raise_escalation(
        session,
        clinic_id="north",
        client_id=ana.id,
        level="high",
        category="suicide",
        reason="item 9",
        now=now - timedelta(hours=3),
    )
    concern = raise_escalation(
        session,
        clinic_id="north",
        client_id=ben.id,
        level="concern",
        category="craving",
        reason="urges",
        now=now - timedelta(hours=1),
    )
    other = raise_escalation(
        session,
        clinic_id="south",
        client_id=olga.id,
        level="high",
        category="overdose",
        reason="message",
        now=now - timedelta(hours=2),
    )
    session.flush()
    return World(
        navigator_id=navigator.id,
        admin_id=admin.id,
        client_id=ana.id,
        quiet_client_id=ben.id,
        high_escalation_id=high.escalation.id,
        concern_escalation_id=concern.escalation.id,
        other_client_id=olga.id,
        other_escalation_id=other.escalation.id,
    )


def _client(
    session: Session, clinic: Clinic, first: str, last: str, language: str, now: datetime
) -> Client:
    client = create_client(
        session,
        clinic=clinic,
        first_name=first,
        last_name=last,
        language=language,
        now=now - timedelta(days=30),
    )
    client.diagnosis = f"F41.1 diagnosis of {first}"
    session.add(
        ContactPoint(
            client_id=client.id,
            channel="simulator",
            address=simulator_address(client.id),
            created_at=now,
        )
    )
    session.flush()
    return client


def _result(
    session: Session, client_id: int, instrument: str, at: datetime, total: int, severity: str
) -> None:
    session.add(
        Result(
            client_id=client_id,
            instrument=instrument,
            status="complete",
            total=total,
            severity=severity,
            values={f"{instrument}.total": total, f"{instrument}.severity": severity},
            recorded_at=at,
        )
    )


def _message(session: Session, client_id: int, direction: str, body: str, at: datetime) -> None:
    session.add(
        Message(
            clinic_id="north",
            client_id=client_id,
            channel="simulator",
            address=simulator_address(client_id),
            direction=direction,
            body=body,
            status="delivered" if direction == "out" else "received",
            created_at=at,
        )
    )
