"""A client's care plan and its records: enrollments, appointments, refills,
conversation runs and questionnaire results."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from bot.store.base import Base, created_at_column
from bot.store.types import UTCDateTime, utc_now

if TYPE_CHECKING:
    from bot.store.people import Client

APPOINTMENT_STATUSES = ("scheduled", "confirmed", "cancelled", "reschedule_requested")
REFILL_STATUSES = ("due", "picked_up", "not_yet")
FLOW_RUN_STATUSES = ("active", "paused", "completed", "expired", "abandoned")
FLOW_RUN_OPEN_STATUSES = ("active", "paused")
RESULT_STATUSES = ("complete", "incomplete")


class Enrollment(Base):
    """A client's recurring check-in: which flow, on what schedule, between which dates."""

    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_client_id_active", "client_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    flow_id: Mapped[str] = mapped_column(String(64))
    schedule: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[Client] = relationship(back_populates="enrollments")


class Appointment(Base):
    """A visit that reminders are timed against; external_id is the clinic system's id."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        Index("ix_appointments_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    clinician: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), default="scheduled")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)

    client: Mapped[Client] = relationship(back_populates="appointments")


class Refill(Base):
    """A prescription refill that comes due on a date."""

    __tablename__ = "refills"
    __table_args__ = (
        UniqueConstraint("client_id", "external_id"),
        Index("ix_refills_due_date", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="due")
    created_at: Mapped[datetime] = created_at_column()

    client: Mapped[Client] = relationship(back_populates="refills")


class FlowRun(Base):
    """The state of one conversation with a client.

    `active_client_id` equals `client_id` while the run is active or paused and
    is NULL otherwise; being UNIQUE, it lets the database itself refuse a second
    open run for the same client. The ORM keeps it in step with `status` on every
    flush, and a CHECK constraint refuses rows where the two disagree (so a bulk
    UPDATE must set both).
    """

    __tablename__ = "flow_runs"
    __table_args__ = (
        Index("ix_flow_runs_client_id_status", "client_id", "status"),
        CheckConstraint(
            "(status IN ('active', 'paused') AND active_client_id = client_id)"
            " OR (status NOT IN ('active', 'paused') AND active_client_id IS NULL)",
            name="active_client_matches_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    flow_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="active")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now, onupdate=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_client_id: Mapped[int | None] = mapped_column(unique=True)

    client: Mapped[Client] = relationship(back_populates="flow_runs")

    @property
    def is_open(self) -> bool:
        """True while the run is active or paused."""
        return self.status in FLOW_RUN_OPEN_STATUSES


@event.listens_for(FlowRun, "before_insert")
@event.listens_for(FlowRun, "before_update")
def _sync_active_client_id(_mapper: Mapper[FlowRun], _connection: Connection, run: FlowRun) -> None:
    """Keep active_client_id equal to client_id exactly while the run is open."""
    status = run.status if run.status is not None else "active"
    run.active_client_id = run.client_id if status in FLOW_RUN_OPEN_STATUSES else None


class Result(Base):
    """A questionnaire or check-in outcome: item answers, total, severity, result keys."""

    __tablename__ = "results"
    __table_args__ = (
        Index(
            "ix_results_client_id_instrument_recorded_at", "client_id", "instrument", "recorded_at"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    flow_run_id: Mapped[int | None] = mapped_column(ForeignKey("flow_runs.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="complete")
    total: Mapped[int | None]
    severity: Mapped[str | None] = mapped_column(String(32))
    items: Mapped[dict[str, Any]] = mapped_column(default=dict)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    loinc: Mapped[dict[str, Any]] = mapped_column(default=dict)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    client: Mapped[Client] = relationship(back_populates="results")
    flow_run: Mapped[FlowRun | None] = relationship()
