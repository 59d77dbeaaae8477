"""The demo clinic: created once, with plausible, internally consistent history."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import staff
from bot.config import load_settings
from bot.demo import DEMO_CLINIC_ID, ensure_chat_client, prepare_demo, seed_demo
from bot.store.db import create_all, make_engine, session_factory
from bot.store.models import (
    AuditEvent,
    Client,
    Clinic,
    ContactPoint,
    Escalation,
    FlowRun,
    Message,
    Result,
    TimedEvent,
    User,
)

NOW = datetime(2027, 3, 15, 17, 30, tzinfo=UTC)
# The published bands, written out here independently of the code under test.
PHQ9 = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately_severe"),
    (20, 27, "severe"),
]
GAD7 = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"), (15, 21, "severe")]
FORBIDDEN_IN_TEXTS = re.compile(
    r"phq|gad-?7|depress|anxiety disorder|opioid|addiction|\bmat\b|rehab|recovery program"
    r"|sertraline|methadone|buprenorphine|naltrexone|score|diagnos",
    re.IGNORECASE,
)


def _band(bands: list[tuple[int, int, str]], total: int) -> str:
    return next(name for low, high, name in bands if low <= total <= high)


def _seeded(path: Path, now: datetime) -> tuple[Engine, sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{path}")
    create_all(engine)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        seed_demo(session, now)
    return engine, sessions


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker[Session]]:
    """A database holding the demo clinic seeded at NOW (tests only read it)."""
    engine, sessions = _seeded(tmp_path_factory.mktemp("demo") / "demo.db", NOW)
    yield sessions
    engine.dispose()


@pytest.fixture
def fresh_demo(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A demo database of the test's own, to change."""
    engine, sessions = _seeded(tmp_path / "demo.db", NOW)
    yield sessions
    engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            return {
                model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (Clinic, User, Client, Message, Result, Escalation, AuditEvent)
            }
    finally:
        engine.dispose()


def test_prepare_demo_runs_twice_without_changing_anything(tmp_path: Path) -> None:
    """A second `tether demo` reuses the database as it is and prints the same logins."""
    url = f"sqlite:///{tmp_path / 'tether.db'}"
    settings = load_settings(env={"TETHER_DATABASE_URL": url})
    first = prepare_demo(settings)
    counts = _counts(url)
    assert counts["Clinic"] == 1
    assert counts["Client"] == 10
    assert counts["User"] == 4
    assert prepare_demo(settings) == first
    assert _counts(url) == counts
    assert {role for _, _, role in first} == {"admin", "navigator", "clinician"}


def test_the_printed_logins_work(demo: sessionmaker[Session]) -> None:
    """Every e-mail and password the demo prints signs in."""
    from bot.demo import logins

    with demo() as session:
        for email, password, role in logins():
            user = staff.authenticate(session, email, password)
            assert user is not None
            assert user.role == role


def test_the_clinic_and_staff_are_set_up_for_paging(demo: sessionmaker[Session]) -> None:
    """The clinic has a neutral name and lines; the on-call clinician has a valid phone."""
    with demo() as session:
        clinic = session.get(Clinic, DEMO_CLINIC_ID)
        assert clinic is not None
        assert (clinic.name, clinic.timezone) == ("Riverside Health", "America/Chicago")
        assert not FORBIDDEN_IN_TEXTS.search(clinic.program_name)
        on_call = session.scalars(select(User).where(User.on_call.is_(True))).one()
        assert on_call.role == "clinician"
        assert on_call.phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(on_call.phone))


def test_every_client_can_be_simulated_and_phones_are_valid(demo: sessionmaker[Session]) -> None:
    """Each client has a simulator address; the SMS numbers are valid E.164 numbers."""
    with demo() as session:
        clients = session.scalars(select(Client)).all()
        assert {c.language for c in clients} == {"en", "es"}
        assert all(c.diagnosis and c.medications for c in clients)
        for client in clients:
            channels = {
                p.channel: p.address
                for p in session.scalars(
                    select(ContactPoint).where(ContactPoint.client_id == client.id)
                )
            }
            assert channels["simulator"] == f"sim-{client.id}"
            if "sms" in channels:
                assert phonenumbers.is_valid_number(phonenumbers.parse(channels["sms"]))
        assert sum(1 for c in clients if any(p.channel == "sms" for p in c.contact_points)) >= 3


def test_questionnaire_severities_match_their_totals(demo: sessionmaker[Session]) -> None:
    """Every PHQ-9 and GAD-7 result adds up and carries the published severity and LOINC codes."""
    with demo() as session:
        results = session.scalars(
            select(Result).where(
                Result.instrument.in_(["phq9", "gad7"]), Result.status == "complete"
            )
        ).all()
        assert len(results) >= 60
        for result in results:
            name = result.instrument
            bands = PHQ9 if name == "phq9" else GAD7
            assert result.total is not None
            assert sum(result.items.values()) == result.total
            assert all(0 <= v <= 3 for v in result.items.values())
            assert result.severity == _band(bands, result.total)
            assert result.values[f"{name}.total"] == result.total
            assert result.values[f"{name}.severity"] == result.severity
            assert result.values[f"{name}.status"] == "complete"
            assert result.loinc["panel"] == ("44249-1" if name == "phq9" else "69737-5")
            assert result.loinc["total"] == ("44261-6" if name == "phq9" else "70274-6")
            if name == "phq9":
                assert result.values["phq9.item9"] == result.items["item9"]


def test_each_answer_is_in_the_message_history(demo: sessionmaker[Session]) -> None:
    """Each complete questionnaire has its questions out and its answers in, all delivered."""
    with demo() as session:
        run = session.scalars(
            select(FlowRun).where(FlowRun.flow_id == "phq9", FlowRun.status == "completed")
        ).first()
        assert run is not None
        messages = session.scalars(
            select(Message)
            .where(Message.flow_run_id == run.id)
            .order_by(Message.created_at, Message.id)
        ).all()
        assert sum(1 for m in messages if m.direction == "in") == 9
        assert all(m.status == "delivered" for m in messages if m.direction == "out")
        assert all(m.created_at <= NOW for m in session.scalars(select(Message)))
        assert all(r.recorded_at <= NOW for r in session.scalars(select(Result)))


def test_texts_to_clients_reveal_nothing_clinical(demo: sessionmaker[Session]) -> None:
    """No outbound demo text names an instrument, a diagnosis, a score or a medicine."""
    with demo() as session:
        bodies = set(session.scalars(select(Message.body).where(Message.direction == "out")))
    assert bodies
    assert [b for b in bodies if FORBIDDEN_IN_TEXTS.search(b)] == []


def test_the_queue_has_a_high_and_a_concern_and_someone_went_quiet(
    demo: sessionmaker[Session],
) -> None:
    """The demo queue opens with a high and a concern escalation; one client is not responding."""
    with demo() as session:
        queue = staff.escalation_queue(session, DEMO_CLINIC_ID)
        assert [e.level for e in queue] == ["high", "concern"]
        assert queue[0].source_result_id is not None
        assert queue[0].pages
        summaries = staff.client_summaries(session, DEMO_CLINIC_ID, NOW)
        quiet = [s.client.first_name for s in summaries if s.non_responder]
        assert quiet == ["Luis"]
        incomplete = session.scalars(select(Result).where(Result.status == "incomplete")).all()
        assert [r.values for r in incomplete] == [
            {"phq9.status": "incomplete"},
            {"gad7.status": "incomplete"},
        ]
        adherence = session.scalars(select(Result).where(Result.instrument == "adherence")).all()
        assert adherence
        assert all(isinstance(r.values["adherence.taken"], bool) for r in adherence)
        cravings = session.scalars(select(Result).where(Result.instrument == "craving")).all()
        assert cravings
        assert all(0 <= r.values["craving.score"] <= 10 for r in cravings)


def test_the_chat_client_is_created_once_per_language(fresh_demo: sessionmaker[Session]) -> None:
    """`tether chat` gets the same client each time, a different one per language."""
    demo = fresh_demo
    english = ensure_chat_client(demo, "en", NOW)
    assert ensure_chat_client(demo, "en", NOW) == english
    spanish = ensure_chat_client(demo, "es", NOW)
    assert spanish != english
    with demo() as session:
        client = session.get(Client, spanish)
        assert client is not None
        assert client.language == "es"
        assert client.clinic_id == DEMO_CLINIC_ID
        assert {p.channel for p in client.contact_points} == {"simulator"}


def test_the_chat_client_brings_the_demo_clinic_along(tmp_path: Path) -> None:
    """On an empty database, the chat client is created with the demo clinic."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    create_all(engine)
    try:
        sessions = session_factory(engine)
        client_id = ensure_chat_client(sessions, "en", NOW)
        with sessions() as session:
            client = session.get(Client, client_id)
            assert client is not None
            assert client.clinic_id == DEMO_CLINIC_ID
    finally:
        engine.dispose()


@pytest.mark.parametrize("local_now", ["03:10", "12:00", "22:45"])
def test_no_check_in_went_out_in_quiet_hours(tmp_path: Path, local_now: str) -> None:
    """Whatever time the demo starts, its past check-ins were sent between 08:00 and 21:00."""
    hour, minute = (int(part) for part in local_now.split(":"))
    now = datetime(2027, 3, 15, hour, minute, tzinfo=ZoneInfo("America/Chicago"))
    engine, sessions = _seeded(tmp_path / "demo.db", now.astimezone(UTC))
    try:
        with sessions() as session:
            for message in session.scalars(
                select(Message).where(Message.kind.in_(["info", "question", "reminder"]))
            ):
                client = session.get(Client, message.client_id)
                assert client is not None
                zone = ZoneInfo(client.timezone or "America/Chicago")
                local = message.created_at.astimezone(zone)
                assert 8 <= local.hour < 21, (client.first_name, local)
                assert message.created_at <= now
    finally:
        engine.dispose()


def test_every_demo_client_has_a_check_in_coming(demo: sessionmaker[Session]) -> None:
    """The demo keeps going: each client has a scheduled check-in after the seed time."""
    with demo() as session:
        due = session.scalars(
            select(TimedEvent).where(
                TimedEvent.kind == "checkin_due", TimedEvent.status == "pending"
            )
        ).all()
        clients = set(session.scalars(select(Client.id)))
    assert {event.client_id for event in due} == clients
    assert all(event.due_at > NOW for event in due)
