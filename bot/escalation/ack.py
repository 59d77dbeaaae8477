"""Acknowledging a page: a clinician replies ``ACK 12`` (any case, optional
'#') from their registered phone, their Telegram chat, or in the demo the
simulator address ``staff-<id>``; the console calls `acknowledge` directly.

Acknowledging marks the escalation, records who and when, writes the audit
event "escalation.acknowledged", and stops the ladder: pending re-sends and
pages not yet delivered are cancelled. Only staff may acknowledge: an
unknown sender's "ACK 12" is handled as any stranger's message.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import record_audit
from bot.escalation.paging import STAFF_SIMULATOR_PREFIX, cancel_resends
from bot.store.models import Escalation, Outbox, Page, User

ACK = re.compile(r"^\s*ack\s*#?\s*(\d{1,12})\s*[.!]?\s*$", re.IGNORECASE)
STAFF_SIMULATOR = re.compile(rf"^{STAFF_SIMULATOR_PREFIX}(\d{{1,12}})$")

HELP_REPLY = ("This number is for care-team alerts. To acknowledge an alert, reply ACK and its "
              "number, e.g. ACK 12. Everything else is in the console.")


class AckError(Exception):
    """An acknowledgement that cannot be done; the message is fit to show staff."""


class UnknownAlert(AckError, LookupError):
    pass


class AlreadyAcknowledged(AckError):
    pass


def staff_for_address(session: Session, channel: str, address: str) -> User | None:
    """The active staff member who writes from `address` on `channel`, if any."""
    if channel == "simulator":
        match = STAFF_SIMULATOR.match(address)
        user = session.get(User, int(match.group(1))) if match else None
        return user if user is not None and user.active else None
    column = {"sms": User.phone, "telegram": User.telegram_chat_id}.get(channel)
    if column is None or not address:
        return None
    return session.scalars(select(User).where(column == address, User.active.is_(True))
                           .order_by(User.id).limit(1)).first()


def acknowledge(session: Session, escalation_id: int, user: User, now: datetime) -> Escalation:
    """Acknowledge an open escalation of the user's clinic and stop its pages.
    Raises UnknownAlert (no such alert in the clinic) or AlreadyAcknowledged."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None or escalation.clinic_id != user.clinic_id:
        raise UnknownAlert(f"There is no alert #{escalation_id}.")
    if escalation.status != "open":
        by = escalation.acknowledged_by_user
        who = f" by {by.name}" if by is not None else ""
        raise AlreadyAcknowledged(f"Alert #{escalation_id} was already {escalation.status}{who}.")
    escalation.status = "acknowledged"
    escalation.acknowledged_at = now
    escalation.acknowledged_by = user.id
    cancel_resends(session, escalation.id)
    _stop_undelivered_pages(session, escalation.id, user)
    record_audit(session, clinic_id=escalation.clinic_id, actor=f"user:{user.id}",
                 action="escalation.acknowledged", target_type="escalation",
                 target_id=str(escalation.id), at=now, detail={"level": escalation.level})
    session.flush()
    return escalation


def handle_staff_message(session: Session, user: User, text: str, now: datetime) -> str:
    """A staff member's text: ACK <n> acknowledges; the reply says what happened."""
    match = ACK.match(text)
    if match is None:
        return HELP_REPLY
    number = int(match.group(1))
    try:
        acknowledge(session, number, user, now)
    except AckError as exc:
        return str(exc)
    return f"Alert #{number} acknowledged."


def _stop_undelivered_pages(session: Session, escalation_id: int, user: User) -> None:
    pages = session.scalars(select(Page).where(Page.escalation_id == escalation_id)).all()
    for page in pages:
        if page.status == "sent" and page.user_id == user.id:
            page.status = "acknowledged"
    waiting = session.scalars(select(Outbox).join(Page, Page.id == Outbox.page_id).where(
        Page.escalation_id == escalation_id, Outbox.status == "pending")).all()
    for row in waiting:
        row.status = "cancelled"
        row.last_error = "acknowledged before delivery"
        if row.page is not None:
            row.page.status = "acknowledged"
            row.page.error = "not sent: acknowledged before delivery"
