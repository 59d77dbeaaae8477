"""Escalations of risk, their notes and pages, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, created_at_column
from bot.store.types import UTCDateTime, json_column_type, utc_now

if TYPE_CHECKING:
    from bot.store.care import Result
    from bot.store.messaging import Message
    from bot.store.people import Client, User

ESCALATION_STATUSES = ("open", "acknowledged", "resolved")
PAGE_STATUSES = ("queued", "sent", "failed", "acknowledged")


class Escalation(Base):
    """A risk the care team must see, from a message or a questionnaire result."""

    __tablename__ = "escalations"
    __table_args__ = (
        Index("ix_escalations_clinic_id_status_created_at", "clinic_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    source_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    source_result_id: Mapped[int | None] = mapped_column(ForeignKey("results.id"))
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    client: Mapped[Client | None] = relationship()
    source_message: Mapped[Message | None] = relationship()
    source_result: Mapped[Result | None] = relationship()
    acknowledged_by_user: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by])
    resolved_by_user: Mapped[User | None] = relationship(foreign_keys=[resolved_by])
    notes: Mapped[list[EscalationNote]] = relationship(
        back_populates="escalation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="EscalationNote.created_at",
    )
    pages: Mapped[list[Page]] = relationship(
        back_populates="escalation",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Page.created_at",
    )


class EscalationNote(Base):
    """A staff member's note on an escalation."""

    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    escalation: Mapped[Escalation] = relationship(back_populates="notes")
    user: Mapped[User] = relationship()


class Page(Base):
    """One attempt to reach one person on the escalation ladder."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        ForeignKey("escalations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    tier: Mapped[int] = mapped_column(default=0)
    attempt: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    escalation: Mapped[Escalation] = relationship(back_populates="pages")
    user: Mapped[User | None] = relationship()


class AuditEvent(Base):
    """Who saw or changed what, and when. Actor is "user:3", "client:12" or "system"."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_clinic_id_at", "clinic_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str | None] = mapped_column(ForeignKey("clinics.id"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(
        json_column_type(nullable=True), nullable=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
