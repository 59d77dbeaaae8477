"""The demo clinic: staff, ten clients and a few weeks of history, so the
console and the simulator have something real to show on first start.

`prepare_demo` is idempotent: once the clinic "demo" exists, it changes
nothing. `seed_demo` takes the clock as a parameter, so tests pin the history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.config import Settings
from bot.demo_history import History
from bot.escalation.service import raise_escalation
from bot.flows.loader import builtin_flow_ids
from bot.scheduling.service import enroll
from bot.seed import create_client, create_clinic, create_user, simulator_address
from bot.store.db import make_engine, session_factory, upgrade
from bot.store.models import (
    Client,
    Clinic,
    ContactPoint,
    EscalationNote,
    Page,
    User,
)

DEMO_CLINIC_ID = "demo"
CHAT_CLIENT_NAME = "Terminal"
WEEKS = 4
DAILY_DAYS = 14

# (email, name, role, password, phone, on call) — demo passwords, printed at start.
STAFF: tuple[tuple[str, str, str, str, str | None, bool], ...] = (
    ("admin@riverside.example", "Alex Morgan", "admin", "demo-admin", None, False),
    ("jordan@riverside.example", "Jordan Lee", "navigator", "demo-navigator", None, False),
    ("priya@riverside.example", "Priya Shah", "navigator", "demo-navigator", None, False),
    ("sam@riverside.example", "Dr. Sam Rivera", "clinician", "demo-clinician",
     "+12015550190", True),
)


@dataclass(frozen=True)
class DemoClient:
    first: str
    last: str
    language: str
    timezone: str | None
    sex: str
    diagnosis: str
    medications: str
    phone: str | None
    phq9: tuple[int | None, ...]  # weekly totals, oldest first; None = never answered
    gad7: tuple[int | None, ...]
    offset_days: int  # days between the latest weekly check-in and now
    taken_rate: float | None = None  # daily medicine check-ins when set
    cravings: tuple[int, ...] = ()  # daily urge scores, oldest first
    item9: int = 0  # item 9 answer on the latest PHQ-9
    missed_days: int = 0  # the latest daily check-ins went unanswered


CLIENTS: tuple[DemoClient, ...] = (
    DemoClient("María", "López", "es", "America/Chicago", "female",
               "F33.1 Major depressive disorder, recurrent, moderate", "sertraline 100 mg daily",
               "+12015550123", (16, 14, 12, 10), (12, 11, 9, 8), 1, taken_rate=0.9),
    DemoClient("James", "Carter", "en", "America/New_York", "male",
               "F11.20 Opioid use disorder, moderate; F41.1 Generalized anxiety disorder",
               "buprenorphine-naloxone 8/2 mg daily", "+12015550131",
               (9, 8, 7, 6), (10, 9, 8, 7), 2, taken_rate=0.95,
               cravings=(6, 5, 5, 4, 4, 5, 3, 3, 4, 2, 3, 2, 2, 1)),
    DemoClient("Aisha", "Thompson", "en", "America/Chicago", "female",
               "F41.1 Generalized anxiety disorder", "escitalopram 10 mg daily", None,
               (6, 5, 5, 4), (15, 13, 11, 10), 3),
    DemoClient("Marcus", "Reed", "en", "America/Chicago", "male",
               "F32.2 Major depressive disorder, single episode, severe",
               "bupropion XL 300 mg daily", "+12015550142", (14, 16, 18, 19), (11, 12, 13, 14),
               0, taken_rate=0.6, item9=1),
    DemoClient("Sofía", "Hernández", "es", "America/Los_Angeles", "female",
               "F10.20 Alcohol use disorder, moderate", "naltrexone 50 mg daily",
               "+12015550156", (8, 9, 7, 7), (6, 7, 5, 5), 2, taken_rate=0.8,
               cravings=(3, 3, 2, 4, 3, 2, 2, 3, 5, 6, 7, 7, 8, 8)),
    DemoClient("Daniel", "Kim", "en", "America/Denver", "male",
               "F43.10 Post-traumatic stress disorder", "prazosin 2 mg at bedtime", None,
               (12, 11, 11, 10), (13, 12, 12, 11), 1),
    DemoClient("Luis", "Ramírez", "es", "America/Chicago", "male",
               "F11.20 Opioid use disorder; F33.0 Major depressive disorder, recurrent, mild",
               "methadone 80 mg daily", "+12015550167", (11, 12, 13, None), (9, 10, 10, None),
               3, taken_rate=0.85, missed_days=5),
    DemoClient("Emily", "Nguyen", "en", "America/New_York", "female",
               "F31.81 Bipolar II disorder", "lamotrigine 200 mg daily", None,
               (5, 4, 6, 3), (4, 4, 3, 3), 2, taken_rate=1.0),
    DemoClient("Rosa", "Martínez", "es", "America/Puerto_Rico", "female",
               "F41.0 Panic disorder", "sertraline 50 mg daily; hydroxyzine 25 mg as needed",
               "+12015550178", (10, 9, 9, 8), (17, 16, 14, 12), 4),
    DemoClient("Tyler", "Brooks", "en", None, "male",
               "F12.20 Cannabis use disorder; F90.0 ADHD", "atomoxetine 40 mg daily", None,
               (7, 8, 8, 9), (9, 10, 9, 9), 1,
               cravings=(5, 6, 4, 5, 6, 5, 4, 6, 5, 5, 4, 5, 6, 5)),
)


def logins() -> list[tuple[str, str, str]]:
    """(e-mail, password, role) of every demo staff member."""
    return [(email, password, role) for email, _, role, password, _, _ in STAFF]


def prepare_demo(settings: Settings) -> list[tuple[str, str, str]]:
    """Migrate the database and create the demo clinic once; returns the logins."""
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with session_factory(engine).begin() as session:
            if session.get(Clinic, DEMO_CLINIC_ID) is None:
                seed_demo(session, SystemClock().now())
    finally:
        engine.dispose()
    return logins()


def seed_demo(session: Session, now: datetime) -> Clinic:
    """Create the demo clinic, its staff and clients with history up to `now`."""
    clinic = create_clinic(
        session, clinic_id=DEMO_CLINIC_ID, name="Riverside Health",
        timezone="America/Chicago", crisis_line="+1 201-555-0100",
        contact_phone="+1 201-555-0111", program_name="Riverside Health check-ins",
        now=now - timedelta(days=WEEKS * 7 + 7),
    )
    users = {
        email: create_user(session, clinic=clinic, email=email, name=name, role=role,
                           password=password, phone=phone, on_call=on_call,
                           now=clinic.created_at)
        for email, name, role, password, phone, on_call in STAFF
    }
    navigators = [u for u in users.values() if u.role == "navigator"]
    clinician = next(u for u in users.values() if u.role == "clinician")
    for index, spec in enumerate(CLIENTS):
        _seed_client(session, clinic, spec, navigators[index % len(navigators)], clinician,
                     now, random.Random(index))
    return clinic


def _seed_client(session: Session, clinic: Clinic, spec: DemoClient, navigator: User,
                 clinician: User, now: datetime, rng: random.Random) -> Client:
    client = create_client(
        session, clinic=clinic, first_name=spec.first, last_name=spec.last,
        language=spec.language, timezone=spec.timezone, sex=spec.sex, phone=spec.phone,
        now=clinic.created_at, actor="system",
    )
    client.diagnosis = spec.diagnosis
    client.medications = spec.medications
    client.navigator_id = navigator.id
    simulator = ContactPoint(client_id=client.id, channel="simulator",
                             address=simulator_address(client.id), created_at=clinic.created_at)
    session.add(simulator)
    session.flush()
    history_contact = session.scalars(
        select(ContactPoint).where(ContactPoint.client_id == client.id)
        .order_by(ContactPoint.id)
    ).first()
    assert history_contact is not None
    history = History(session, client, history_contact, rng)
    tz = ZoneInfo(spec.timezone or clinic.timezone)
    _enroll(session, client, spec, now)

    for week, (phq, gad) in enumerate(zip(spec.phq9, spec.gad7, strict=True)):
        days_ago = (WEEKS - 1 - week) * 7 + spec.offset_days
        at = _local(now, tz, days_ago, time(10, 0))
        latest = week == WEEKS - 1
        phq_result = history.questionnaire("phq9", phq, at, item9=spec.item9 if latest else 0)
        if latest and spec.item9 > 0:
            _item9_escalation(session, history, phq_result.id, phq_result.recorded_at,
                              clinician)
        history.questionnaire("gad7", gad, at + timedelta(minutes=30))

    for days_ago in range(DAILY_DAYS, 0, -1):
        if spec.taken_rate is not None:
            missed = days_ago <= spec.missed_days
            taken = None if missed else rng.random() < spec.taken_rate
            history.adherence(_local(now, tz, days_ago, time(20, 0)), taken)
        if spec.cravings:
            score = spec.cravings[DAILY_DAYS - days_ago]
            history.craving(_local(now, tz, days_ago, time(18, 0)), score)

    if spec.cravings and spec.cravings[-1] >= 8:
        _craving_escalation(session, history, now - timedelta(hours=5))
    if spec.first == "Emily":
        _resolved_callback(session, history, navigator, _local(now, tz, 10, time(13, 15)))
    return client


def _local(now: datetime, tz: ZoneInfo, days_ago: int, at: time) -> datetime:
    """`at` local time on the local date `days_ago` days before `now`. Today's, when
    still ahead, becomes the latest daytime moment at least two hours ago."""
    day = (now.astimezone(tz) - timedelta(days=days_ago)).date()
    moment = datetime.combine(day, at, tzinfo=tz).astimezone(now.tzinfo)
    latest = now - timedelta(hours=2)
    if moment <= latest:
        return moment
    local = latest.astimezone(tz)
    if local.hour < 9:
        local = datetime.combine(local.date() - timedelta(days=1), time(19, 0), tzinfo=tz)
    elif local.hour >= 20:
        local = datetime.combine(local.date(), time(19, 0), tzinfo=tz)
    return local.astimezone(now.tzinfo)


def _enroll(session: Session, client: Client, spec: DemoClient, now: datetime) -> None:
    """Recurring check-ins, so the demo keeps texting its clients on the simulator."""
    schedules = [("phq9", "weekly mon 10:00"), ("gad7", "weekly thu 10:00")]
    if spec.taken_rate is not None:
        schedules.append(("adherence", "daily 20:00"))
    if spec.cravings:
        schedules.append(("craving", "daily 18:00"))
    known = builtin_flow_ids()
    for flow_id, schedule in schedules:
        enroll(session, client=client, flow_id=flow_id, schedule=schedule, now=now,
               known_flows=known, start=client.created_at.date())


def _item9_escalation(session: Session, history: History, result_id: int, at: datetime,
                      clinician: User) -> None:
    """The latest questionnaire had item 9 above 0: supportive reply, high escalation, page."""
    client = history.client
    history.message("out", history.text("supportive", line="+1 201-555-0100"), at,
                    kind="supportive")
    raised = raise_escalation(
        session, clinic_id=client.clinic_id, client_id=client.id, level="high",
        category="suicide", reason="questionnaire item 9 answered above 0", now=at,
        source_result_id=result_id,
    )
    assert clinician.phone is not None
    session.add(Page(escalation_id=raised.escalation.id, user_id=clinician.id, channel="sms",
                     address=clinician.phone, tier=0, attempt=1, status="sent",
                     created_at=at, sent_at=at + timedelta(seconds=4)))


def _craving_escalation(session: Session, history: History, at: datetime) -> None:
    client = history.client
    text = ("las ganas han estado muy fuertes desde el fin de semana"
            if client.language == "es" else "the urges have been really strong since the weekend")
    message = history.message("in", text, at)
    session.flush()
    raise_escalation(
        session, clinic_id=client.clinic_id, client_id=client.id, level="concern",
        category="craving", reason="risk detected in a message from the client", now=at,
        evidence=[{"rule": "craving.strong_urges", "span": text, "level": "concern",
                   "category": "craving"}],
        source_message_id=message.id,
    )
    history.message("out", history.text("concern"), at + timedelta(seconds=2), kind="concern")


def _resolved_callback(session: Session, history: History, navigator: User,
                       at: datetime) -> None:
    """A past request to talk to someone, already handled."""
    client = history.client
    message = history.message("in", "can someone call me this week?", at)
    session.flush()
    raised = raise_escalation(
        session, clinic_id=client.clinic_id, client_id=client.id, level="concern",
        category="callback", reason="the client asked to talk to someone", now=at,
        source_message_id=message.id,
    )
    history.message("out", "Thanks for reaching out. Someone from your care team will "
                           "contact you soon.", at + timedelta(seconds=2), kind="reply")
    escalation = raised.escalation
    session.add(EscalationNote(escalation_id=escalation.id, user_id=navigator.id,
                               body="Called back; moved the next visit up by a week.",
                               created_at=at + timedelta(hours=3)))
    escalation.status = "resolved"
    escalation.outcome = "appointment_moved_up"
    escalation.acknowledged_at = at + timedelta(hours=1)
    escalation.acknowledged_by = navigator.id
    escalation.resolved_at = at + timedelta(hours=3)
    escalation.resolved_by = navigator.id


def ensure_chat_client(session_factory: sessionmaker[Session], language: str,
                       now: datetime) -> int:
    """The demo client that `tether chat` talks as, one per language, created once
    (with the demo clinic, if it does not exist yet)."""
    with session_factory.begin() as session:
        clinic = session.get(Clinic, DEMO_CLINIC_ID) or seed_demo(session, now)
        existing = session.scalars(
            select(Client).where(Client.clinic_id == clinic.id,
                                 Client.first_name == CHAT_CLIENT_NAME,
                                 Client.language == language)
            .order_by(Client.id)
        ).first()
        if existing is not None:
            return existing.id
        client = create_client(session, clinic=clinic, first_name=CHAT_CLIENT_NAME,
                               last_name=f"({language})", language=language, now=now,
                               actor="system")
        session.add(ContactPoint(client_id=client.id, channel="simulator",
                                 address=simulator_address(client.id), created_at=now))
        session.flush()
        return client.id
