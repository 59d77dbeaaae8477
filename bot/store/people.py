"""Who the bot serves and who works with it: clinics, staff, clients and their addresses."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.store.base import Base, created_at_column
from bot.store.types import UTCDateTime, json_column_type

if TYPE_CHECKING:
    from bot.store.care import Appointment, Enrollment, FlowRun, Refill, Result

USER_ROLES = ("navigator", "clinician", "admin")
CLIENT_STATUSES = ("active", "inactive")
CHANNELS = ("sms", "telegram", "simulator")


class Clinic(Base):
    """A tenant: its clock, quiet hours, crisis resources and escalation policy."""

    __tablename__ = "clinics"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    crisis_line: Mapped[str] = mapped_column(String(64))
    contact_phone: Mapped[str] = mapped_column(String(64))
    program_name: Mapped[str] = mapped_column(String(200))
    default_region: Mapped[str] = mapped_column(String(2), default="US")
    escalation_policy: Mapped[dict[str, Any] | None] = mapped_column(
        json_column_type(nullable=True), nullable=True
    )
    created_at: Mapped[datetime] = created_at_column()

    users: Mapped[list[User]] = relationship(back_populates="clinic", passive_deletes="all")
    clients: Mapped[list[Client]] = relationship(back_populates="clinic", passive_deletes="all")


class User(Base):
    """A staff member of one clinic: navigator, clinician or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    on_call: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()

    clinic: Mapped[Clinic] = relationship(back_populates="users")


class Client(Base):
    """A person in care. Diagnosis and medications are for the console only."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    sex: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    opted_out: Mapped[bool] = mapped_column(default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    navigator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(100))
    diagnosis: Mapped[str | None] = mapped_column(Text)
    medications: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()

    clinic: Mapped[Clinic] = relationship(back_populates="clients")
    navigator: Mapped[User | None] = relationship()
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    invite_codes: Mapped[list[InviteCode]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    appointments: Mapped[list[Appointment]] = relationship(
        back_populates="client",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Appointment.starts_at",
    )
    refills: Mapped[list[Refill]] = relationship(
        back_populates="client",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Refill.due_date",
    )
    # Records of care are never deleted along with a client: the database refuses.
    flow_runs: Mapped[list[FlowRun]] = relationship(
        back_populates="client", passive_deletes="all", order_by="FlowRun.started_at"
    )
    results: Mapped[list[Result]] = relationship(
        back_populates="client", passive_deletes="all", order_by="Result.recorded_at"
    )

    @property
    def full_name(self) -> str:
        """First and last name, for the console."""
        return f"{self.first_name} {self.last_name}".strip()


class ContactPoint(Base):
    """One address a client is reached at on one channel."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    opted_out: Mapped[bool] = mapped_column(default=False)
    blocked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[Client] = relationship(back_populates="contact_points")


class InviteCode(Base):
    """A one-time code that binds a Telegram chat to a client."""

    __tablename__ = "invite_codes"
    __table_args__ = (Index("ix_invite_codes_client_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[Client] = relationship(back_populates="invite_codes")
