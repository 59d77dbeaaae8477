"""Delivery receipts: a provider's status callback moves a sent message
forward (queued → sent → delivered / undelivered / failed), never back.

Callbacks arrive late, twice and out of order; a "sent" that comes after
"delivered" changes nothing, and a final state is never replaced.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.store.models import Message

# Provider statuses, as Twilio names them, in our vocabulary.
PROVIDER_STATUS = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
_RANK = {"queued": 1, "sent": 2, "delivered": 3, "undelivered": 3, "failed": 3}
FAILED_STATUSES = frozenset({"undelivered", "failed"})


def next_status(current: str, reported: str) -> str | None:
    """The status to store when `reported` arrives for a message in `current`;
    None when it would move the message backwards or is not a status we know."""
    ours = PROVIDER_STATUS.get(reported.lower())
    if ours is None:
        return None
    if _RANK[ours] <= _RANK.get(current, 0):
        return None
    return ours


def record_delivery_status(
    session_factory: sessionmaker[Session],
    *,
    channel: str,
    provider_id: str,
    reported: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """Apply one status callback; True when the stored message changed."""
    with session_factory.begin() as session:
        message = session.scalars(
            select(Message).where(
                Message.channel == channel,
                Message.direction == "out",
                Message.provider_id == provider_id,
            )
        ).first()
        if message is None:
            return False
        status = next_status(message.status, reported)
        if status is None:
            return False
        message.status = status
        if status == "delivered":
            message.delivered_at = now
        if status in FAILED_STATUSES:
            message.error_code = error_code or status
        return True
