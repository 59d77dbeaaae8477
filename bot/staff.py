"""What staff do in the console, as rules the routes call: sign in, look at
clients and escalations of their own clinic only, acknowledge, note and
resolve escalations, read the audit log. Every view of a client and every
change to an escalation is audited.

Errors::

    StaffError          a staff action cannot be done
    ├── NotFound        no such record in the user's clinic (another clinic's looks the same)
    ├── NotAllowed      the user's role may not do this
    └── InvalidAction   the record is in the wrong state, or a required value is missing
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.audit import record_audit
from bot.escalation import ack
from bot.escalation.types import RiskLevel
from bot.store.models import (
    AuditEvent,
    Client,
    ContactPoint,
    Escalation,
    EscalationNote,
    Message,
    Page,
    Result,
    User,
)

OPEN_STATUSES = ("open", "acknowledged")
OUTCOMES: dict[str, str] = {
    "reached_safe": "Reached the client; safe for now",
    "safety_plan": "Safety plan reviewed",
    "appointment_moved_up": "Appointment moved up",
    "emergency_services": "Emergency services contacted",
    "referred": "Referred to a higher level of care",
    "unable_to_reach": "Could not reach the client after repeated attempts",
    "not_a_risk": "Reviewed: not a risk",
    "other": "Other (see notes)",
}
ADHERENCE_WINDOW = timedelta(days=7)
# A client is a non-responder when this many texts went out since their last
# reply and the oldest of them is older than the grace period.
NON_RESPONDER_UNANSWERED = 3
NON_RESPONDER_GRACE = timedelta(hours=24)
MAX_NOTE_LENGTH = 4000

_hasher = PasswordHasher()
# Verifying against this when no user matches keeps a wrong e-mail as slow as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class StaffError(Exception):
    pass


class NotFound(StaffError, LookupError):
    pass


class NotAllowed(StaffError, PermissionError):
    pass


class InvalidAction(StaffError, ValueError):
    pass


def actor(user: User) -> str:
    return f"user:{user.id}"


# ---- signing in ---------------------------------------------------------------


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None."""
    user = session.scalars(
        select(User).where(User.email == email.strip().lower(), User.active.is_(True))
    ).first()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def record_sign_in(session: Session, user: User, now: datetime) -> None:
    record_audit(session, clinic_id=user.clinic_id, actor=actor(user), action="user.signed_in",
                 target_type="user", target_id=str(user.id), at=now)


def active_user(session: Session, user_id: object) -> User | None:
    """The signed-in user from a session cookie's id, if still active."""
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


# ---- reading, scoped to the user's clinic ------------------------------------------


def client_for(session: Session, user: User, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None or client.clinic_id != user.clinic_id:
        raise NotFound(f"no client {client_id}")
    return client


def escalation_for(session: Session, user: User, escalation_id: int) -> Escalation:
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.clinic_id != user.clinic_id:
        raise NotFound(f"no escalation {escalation_id}")
    return escalation


def escalation_queue(session: Session, clinic_id: str) -> list[Escalation]:
    """Open and acknowledged escalations, highest level first, then newest."""
    rows = session.scalars(
        select(Escalation).where(
            Escalation.clinic_id == clinic_id, Escalation.status.in_(OPEN_STATUSES)
        )
    ).all()
    return sorted(rows, key=lambda e: (-_rank(e.level), -e.created_at.timestamp(), -e.id))


def _rank(level: str) -> int:
    try:
        return int(RiskLevel.parse(level))
    except KeyError:
        return 0


@dataclass(frozen=True)
class ClientSummary:
    client: Client
    last_check_in: datetime | None  # the client's last message to us
    phq9: Result | None
    gad7: Result | None
    adherence_taken: int  # check-ins answered "taken" in the last 7 days
    adherence_answered: int
    non_responder: bool
    open_escalations: int


def client_summaries(session: Session, clinic_id: str, now: datetime) -> list[ClientSummary]:
    """One line per client of the clinic, for the client list."""
    clients = session.scalars(
        select(Client).where(Client.clinic_id == clinic_id).order_by(Client.last_name,
                                                                        Client.first_name)
    ).all()
    ids = [c.id for c in clients]
    last_in = dict(session.execute(
        select(Message.client_id, func.max(Message.created_at))
        .where(Message.client_id.in_(ids), Message.direction == "in")
        .group_by(Message.client_id)
    ).all())
    escalations = dict(session.execute(
        select(Escalation.client_id, func.count(Escalation.id))
        .where(Escalation.client_id.in_(ids), Escalation.status.in_(OPEN_STATUSES))
        .group_by(Escalation.client_id)
    ).all())
    summaries = []
    for client in clients:
        taken, answered = adherence(session, client.id, now)
        last = last_in.get(client.id)
        summaries.append(ClientSummary(
            client=client,
            last_check_in=last,
            phq9=latest_result(session, client.id, "phq9"),
            gad7=latest_result(session, client.id, "gad7"),
            adherence_taken=taken,
            adherence_answered=answered,
            non_responder=is_non_responder(session, client.id, last, now),
            open_escalations=escalations.get(client.id, 0),
        ))
    return summaries


def latest_result(session: Session, client_id: int, instrument: str) -> Result | None:
    """The client's latest complete result of `instrument`."""
    return session.scalars(
        select(Result)
        .where(Result.client_id == client_id, Result.instrument == instrument,
               Result.status == "complete")
        .order_by(Result.recorded_at.desc(), Result.id.desc())
        .limit(1)
    ).first()


def adherence(session: Session, client_id: int, now: datetime) -> tuple[int, int]:
    """(days taken, days answered) over the last seven days."""
    rows = session.scalars(
        select(Result).where(
            Result.client_id == client_id,
            Result.instrument == "adherence",
            Result.status == "complete",
            Result.recorded_at > now - ADHERENCE_WINDOW,
            Result.recorded_at <= now,
        )
    ).all()
    answered = [r for r in rows if "adherence.taken" in r.values]
    return sum(1 for r in answered if r.values["adherence.taken"] is True), len(answered)


def is_non_responder(session: Session, client_id: int, last_reply: datetime | None,
                     now: datetime) -> bool:
    """Several texts went unanswered for more than a day."""
    query = select(Message.created_at).where(
        Message.client_id == client_id, Message.direction == "out"
    )
    if last_reply is not None:
        query = query.where(Message.created_at > last_reply)
    unanswered = session.scalars(query.order_by(Message.created_at)).all()
    return (len(unanswered) >= NON_RESPONDER_UNANSWERED
            and now - unanswered[0] > NON_RESPONDER_GRACE)


@dataclass(frozen=True)
class ClientRecord:
    client: Client
    contacts: list[ContactPoint]
    messages: list[Message]
    results: list[Result]
    escalations: list[Escalation]


def view_client(session: Session, user: User, client_id: int, now: datetime,
                message_limit: int = 200) -> ClientRecord:
    """Everything the client page shows; the view is audited."""
    client = client_for(session, user, client_id)
    messages = session.scalars(
        select(Message).where(Message.client_id == client.id)
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(message_limit)
    ).all()
    results = session.scalars(
        select(Result).where(Result.client_id == client.id)
        .order_by(Result.recorded_at.desc(), Result.id.desc())
    ).all()
    escalations = session.scalars(
        select(Escalation).where(Escalation.client_id == client.id)
        .order_by(Escalation.created_at.desc())
    ).all()
    contacts = session.scalars(
        select(ContactPoint).where(ContactPoint.client_id == client.id).order_by(ContactPoint.id)
    ).all()
    record_audit(session, clinic_id=user.clinic_id, actor=actor(user), action="client.viewed",
                 target_type="client", target_id=str(client.id), at=now)
    return ClientRecord(client, list(contacts), list(reversed(messages)), list(results),
                        list(escalations))


def view_escalation(session: Session, user: User, escalation_id: int,
                    now: datetime) -> tuple[Escalation, list[Page]]:
    """An escalation with its pages; the view is audited (it shows client details)."""
    escalation = escalation_for(session, user, escalation_id)
    pages = session.scalars(
        select(Page).where(Page.escalation_id == escalation.id).order_by(Page.created_at)
    ).all()
    record_audit(session, clinic_id=user.clinic_id, actor=actor(user),
                 action="escalation.viewed", target_type="escalation",
                 target_id=str(escalation.id), at=now)
    return escalation, list(pages)


MESSAGES_SINCE_LIMIT = 100


def messages_since(session: Session, escalation: Escalation) -> list[Message]:
    """The client's texts both ways from the one that raised the escalation on (at most
    MESSAGES_SINCE_LIMIT, oldest first): what they wrote while the care team was on
    the way. Shown on the escalation's page, whose view is audited."""
    if escalation.client_id is None:
        return []
    since = escalation.created_at
    if escalation.source_message is not None:
        since = min(since, escalation.source_message.created_at)
    return list(session.scalars(
        select(Message).where(Message.client_id == escalation.client_id,
                              Message.created_at >= since)
        .order_by(Message.created_at, Message.id).limit(MESSAGES_SINCE_LIMIT)).all())


def audit_log(session: Session, user: User, limit: int = 300) -> list[AuditEvent]:
    """The clinic's audit trail, newest first; admins only."""
    if user.role != "admin":
        raise NotAllowed("the audit log is for admins")
    return list(session.scalars(
        select(AuditEvent).where(AuditEvent.clinic_id == user.clinic_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ).all())


# ---- working an escalation ---------------------------------------------------------


def acknowledge(session: Session, user: User, escalation_id: int, now: datetime) -> Escalation:
    """Take an open escalation; as with an ACK reply, the ladder of pages stops."""
    escalation = escalation_for(session, user, escalation_id)
    try:
        return ack.acknowledge(session, escalation.id, user, now)
    except ack.AlreadyAcknowledged as exc:
        raise InvalidAction(str(exc)) from None
    except ack.UnknownAlert as exc:
        raise NotFound(str(exc)) from None


def add_note(session: Session, user: User, escalation_id: int, body: str,
             now: datetime) -> EscalationNote:
    escalation = escalation_for(session, user, escalation_id)
    text = body.strip()
    if not text:
        raise InvalidAction("a note needs some text")
    if len(text) > MAX_NOTE_LENGTH:
        raise InvalidAction(f"a note is at most {MAX_NOTE_LENGTH} characters")
    note = EscalationNote(escalation_id=escalation.id, user_id=user.id, body=text, created_at=now)
    session.add(note)
    session.flush()
    _audit(session, user, escalation, "escalation.note_added", now, {"note_id": note.id})
    return note


def resolve(session: Session, user: User, escalation_id: int, outcome: str, now: datetime,
            note: str = "") -> Escalation:
    """Close an escalation with one of OUTCOMES (and an optional note)."""
    escalation = escalation_for(session, user, escalation_id)
    if escalation.status == "resolved":
        raise InvalidAction(f"escalation {escalation.id} is already resolved")
    if outcome not in OUTCOMES:
        raise InvalidAction("choose an outcome")
    if note.strip():
        add_note(session, user, escalation.id, note, now)
    if escalation.status == "open":
        acknowledge(session, user, escalation.id, now)
    escalation.status = "resolved"
    escalation.outcome = outcome
    escalation.resolved_at = now
    escalation.resolved_by = user.id
    _audit(session, user, escalation, "escalation.resolved", now, {"outcome": outcome})
    return escalation


def _audit(session: Session, user: User, escalation: Escalation, action: str, now: datetime,
           detail: dict[str, object] | None = None) -> None:
    record_audit(session, clinic_id=user.clinic_id, actor=actor(user), action=action,
                 target_type="escalation", target_id=str(escalation.id), at=now,
                 detail=dict(detail or {}))


# ---- the simulator page --------------------------------------------------------------


def simulator_contacts(session: Session, user: User) -> list[ContactPoint]:
    """The clinic's clients that can be chatted with on the simulator page."""
    return list(session.scalars(
        select(ContactPoint).join(Client, Client.id == ContactPoint.client_id)
        .where(Client.clinic_id == user.clinic_id, ContactPoint.channel == "simulator")
        .order_by(Client.first_name, Client.last_name, Client.id)
    ).all())


def simulator_contact(session: Session, user: User, client_id: int) -> ContactPoint:
    client = client_for(session, user, client_id)
    contact = session.scalars(
        select(ContactPoint).where(ContactPoint.client_id == client.id,
                                   ContactPoint.channel == "simulator")
    ).first()
    if contact is None:
        raise NotFound(f"client {client_id} has no simulator address")
    return contact


def simulator_messages(session: Session, contact: ContactPoint, after: int = 0,
                       limit: int = 200) -> list[Message]:
    """Messages to and from a simulator address after message id `after`, oldest first."""
    rows = session.scalars(
        select(Message).where(Message.channel == "simulator",
                              Message.address == contact.address, Message.id > after)
        .order_by(Message.id.desc()).limit(limit)
    ).all()
    return list(reversed(rows))
