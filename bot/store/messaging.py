"""Everything that travels or waits: stored messages, the outbox of pending sends,
and the one table of timed events the scheduler claims."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, created_at_column
from bot.store.types import UTCDateTime, utc_now

if TYPE_CHECKING:
    from bot.store.alerts import Page
    from bot.store.care import FlowRun
    from bot.store.people import Client, ContactPoint

MESSAGE_DIRECTIONS = ("in", "out")
MESSAGE_STATUSES = ("received", "queued", "sent", "delivered", "undelivered", "failed")
OUTBOX_KINDS = ("message", "page")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
TIMED_EVENT_KINDS = (
    "flow_reminder",
    "flow_expiry",
    "checkin_due",
    "appointment_reminder",
    "refill_reminder",
    "page_resend",
)
TIMED_EVENT_STATUSES = ("pending", "claimed", "done", "cancelled", "missed")

# Outbox priorities: lower goes first.
PRIORITY_URGENT = 0  # crisis replies and pages
PRIORITY_REPLY = 5  # replies to a message the client just sent
PRIORITY_SCHEDULED = 9  # scheduled check-ins and reminders


class Message(Base):
    """One text in or out. An unknown sender's text is stored too, without a client.

    The provider id is unique per channel and direction, so a provider's retry of
    the same webhook is recognised; messages without a provider id never collide.
    """

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel", "direction", "provider_id"),
        Index("ix_messages_client_id_created_at", "client_id", "created_at"),
        Index("ix_messages_clinic_id_created_at", "clinic_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_points.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    direction: Mapped[str] = mapped_column(String(3))
    body: Mapped[str] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32))
    flow_run_id: Mapped[int | None] = mapped_column(ForeignKey("flow_runs.id"), index=True)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client | None] = relationship()
    contact_point: Mapped[ContactPoint | None] = relationship()
    flow_run: Mapped[FlowRun | None] = relationship()


class Outbox(Base):
    """A send that must happen exactly once: a text to a client or a page to staff.

    Written in the same transaction as the change that caused it; the sender
    claims pending rows by priority and next attempt time. The idempotency key
    makes writing the same send twice impossible.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_priority_next_attempt_at", "status", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="message")
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    page_id: Mapped[int | None] = mapped_column(ForeignKey("pages.id"), index=True)
    priority: Mapped[int] = mapped_column(default=PRIORITY_REPLY)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = created_at_column()
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    message: Mapped[Message | None] = relationship()
    page: Mapped[Page | None] = relationship()


class TimedEvent(Base):
    """Something that fires later: a due check-in, a reminder, an expiry, a page re-send."""

    __tablename__ = "timed_events"
    __table_args__ = (
        # Claiming due events: pending ones only, so that no status-led index
        # tempts the planner when it asks for a client's done events.
        Index("ix_timed_events_pending_due_at", "due_at", "id",
              postgresql_where=text("status = 'pending'"),
              sqlite_where=text("status = 'pending'")),
        # A client's recent check-ins of one kind (disengagement, the daily cap).
        Index("ix_timed_events_client_id_kind_status_done_at",
              "client_id", "kind", "status", "done_at"),
        # A client's pending events (firing asks once per event): without it,
        # SQLite walks every pending event of every client.
        Index("ix_timed_events_client_id_status_due_at", "client_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    flow_run_id: Mapped[int | None] = mapped_column(ForeignKey("flow_runs.id"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[Client | None] = relationship()
    flow_run: Mapped[FlowRun | None] = relationship()
