"""The schedule of record: enrollments, appointments and refills, and the
timed events planned from them (in the caller's transaction).

- `enroll` ties a client to a flow on a recurrence and plans the first
  `checkin_due` event; each fired check-in plans the next (`plan_checkin`).
- `save_appointment` / `save_refill` create or update a row by the clinic
  system's id and re-plan its reminders: pending ones are cancelled and the
  offsets still ahead are planned again, none when it is cancelled or done.
- `record_outcome` carries a reminder conversation's answer back to its row
  (appointment confirmed / cancelled / reschedule requested, refill picked up);
  a reschedule request goes to the navigator queue (a `concern`, category
  `appointment`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.escalation.service import raise_escalation
from bot.scheduling import planner
from bot.scheduling.recurrence import ScheduleError, next_occurrence, parse_schedule
from bot.store.models import (
    APPOINTMENT_STATUSES,
    Appointment,
    Client,
    Clinic,
    Enrollment,
    FlowRun,
    Refill,
    TimedEvent,
)

CHECKIN = "checkin_due"
APPOINTMENT_REMINDER = "appointment_reminder"
REFILL_REMINDER = "refill_reminder"
SCHEDULED_KINDS = (CHECKIN, APPOINTMENT_REMINDER, REFILL_REMINDER)


class EnrollmentError(ValueError):
    """An enrollment that cannot be made; the message says why."""


def client_zone(session: Session, client: Client) -> str:
    if client.timezone:
        return client.timezone
    clinic = session.get(Clinic, client.clinic_id)
    assert clinic is not None
    return clinic.timezone


# ---- enrollments ------------------------------------------------------------


def enroll(session: Session, *, client: Client, flow_id: str, schedule: str, now: datetime,
           known_flows: Collection[str], start: date | None = None,
           end: date | None = None) -> Enrollment:
    """Enroll `client` in `flow_id` on `schedule` (local time), from `start`
    (default: the client's today) to `end`; plans the first check-in. An active
    enrollment of the client in the same flow ends: enrolling again changes the
    schedule, it never doubles the check-ins."""
    if flow_id not in known_flows:
        raise EnrollmentError(f"unknown flow {flow_id!r}; known flows: "
                              f"{', '.join(sorted(known_flows))}")
    try:
        parsed = parse_schedule(schedule)
    except ScheduleError as exc:
        raise EnrollmentError(str(exc)) from None
    tz = client_zone(session, client)
    start = start or now.astimezone(ZoneInfo(tz)).date()
    if end is not None and end < start:
        raise EnrollmentError(f"the end date {end} is before the start date {start}")
    for earlier in session.scalars(select(Enrollment).where(
            Enrollment.client_id == client.id, Enrollment.flow_id == flow_id,
            Enrollment.active.is_(True))):
        end_enrollment(session, earlier)
    enrollment = Enrollment(client_id=client.id, flow_id=flow_id, schedule=parsed.text,
                            rrule=parsed.rule, start_date=start, end_date=end, active=True,
                            created_at=now)
    session.add(enrollment)
    session.flush()
    plan_checkin(session, enrollment, after=now, now=now)
    return enrollment


def plan_checkin(session: Session, enrollment: Enrollment, *, after: datetime,
                 now: datetime) -> TimedEvent | None:
    """Plan the enrollment's next check-in after `after` (replacing any
    pending one); None when the schedule has ended."""
    _cancel(session, enrollment.client_id, CHECKIN, "enrollment_id", enrollment.id)
    columns = next_checkin(session, enrollment, after=after, now=now)
    if columns is None:
        return None
    event = TimedEvent(**columns)
    session.add(event)
    session.flush()
    return event


def next_checkin(session: Session, enrollment: Enrollment, *, after: datetime,
                 now: datetime) -> dict[str, Any] | None:
    """The columns of the enrollment's next check-in after `after` (a pending
    `checkin_due` event); None when the enrollment or its schedule has ended."""
    if not enrollment.active:
        return None
    client = session.get(Client, enrollment.client_id)
    assert client is not None
    tz = client_zone(session, client)
    schedule = parse_schedule(enrollment.schedule)
    start = enrollment.start_date or enrollment.created_at.astimezone(ZoneInfo(tz)).date()
    found = next_occurrence(schedule, after, tz, start=start, end=enrollment.end_date)
    if found is None:
        return None
    instant, wall = found
    return {"clinic_id": client.clinic_id, "client_id": client.id, "kind": CHECKIN,
            "due_at": instant, "status": "pending", "created_at": now,
            "payload": {"enrollment_id": enrollment.id, "flow_id": enrollment.flow_id,
                        "local_time": wall.isoformat(timespec="minutes"),
                        "occurs_at": instant.isoformat()}}


def end_enrollment(session: Session, enrollment: Enrollment) -> None:
    """Stop an enrollment; its pending check-in is cancelled."""
    enrollment.active = False
    _cancel(session, enrollment.client_id, CHECKIN, "enrollment_id", enrollment.id)


# ---- appointments and refills -----------------------------------------------


@dataclass(frozen=True)
class Saved:
    """A saved row and whether it was new or changed."""

    id: int
    created: bool
    changed: bool


def save_appointment(session: Session, *, client: Client, external_id: str,
                     starts_at: datetime, now: datetime, clinician: str | None = None,
                     kind: str | None = None, location: str | None = None,
                     status: str = "scheduled") -> Saved:
    """Create or update the client's appointment `external_id`; reminders are
    re-planned when its time or status changes."""
    if status not in APPOINTMENT_STATUSES:
        raise ValueError(f"status must be one of {', '.join(APPOINTMENT_STATUSES)}")
    row = session.scalars(select(Appointment).where(
        Appointment.client_id == client.id, Appointment.external_id == external_id)).first()
    created = row is None
    if row is None:
        row = Appointment(client_id=client.id, external_id=external_id, starts_at=starts_at,
                          status=status, created_at=now, updated_at=now)
        session.add(row)
    before = (row.starts_at, row.status, row.clinician, row.kind, row.location)
    row.starts_at, row.status = starts_at, status
    row.clinician, row.kind, row.location = clinician, kind, location
    changed = created or before != (row.starts_at, row.status, row.clinician, row.kind,
                                    row.location)
    if changed:
        row.updated_at = now
    session.flush()
    if created or before[:2] != (row.starts_at, row.status):
        plan_appointment_reminders(session, row, now)
    return Saved(row.id, created, changed)


def plan_appointment_reminders(session: Session, appointment: Appointment,
                               now: datetime) -> list[TimedEvent]:
    """Cancel the appointment's pending reminders and plan those still ahead."""
    _cancel(session, appointment.client_id, APPOINTMENT_REMINDER, "appointment_id",
            appointment.id)
    if appointment.status in {"cancelled", "reschedule_requested"}:
        return []
    client = session.get(Client, appointment.client_id)
    assert client is not None
    events = [
        TimedEvent(clinic_id=client.clinic_id, client_id=client.id, kind=APPOINTMENT_REMINDER,
                   due_at=due, status="pending", created_at=now,
                   payload={"appointment_id": appointment.id, "flow_id": APPOINTMENT_REMINDER,
                            "offset": label, "starts_at": appointment.starts_at.isoformat()})
        for label, due in planner.appointment_reminders(appointment.starts_at, now)
    ]
    session.add_all(events)
    session.flush()
    return events


def save_refill(session: Session, *, client: Client, external_id: str, due_date: date,
                now: datetime, status: str = "due") -> Saved:
    """Create or update the client's refill `external_id`; reminders are
    re-planned when its date or status changes."""
    row = session.scalars(select(Refill).where(
        Refill.client_id == client.id, Refill.external_id == external_id)).first()
    created = row is None
    if row is None:
        row = Refill(client_id=client.id, external_id=external_id, due_date=due_date,
                     status=status, created_at=now)
        session.add(row)
    before = (row.due_date, row.status)
    row.due_date, row.status = due_date, status
    changed = created or before != (row.due_date, row.status)
    session.flush()
    if changed:
        plan_refill_reminders(session, row, now)
    return Saved(row.id, created, changed)


def plan_refill_reminders(session: Session, refill: Refill, now: datetime) -> list[TimedEvent]:
    """Cancel the refill's pending reminders and plan those still ahead."""
    _cancel(session, refill.client_id, REFILL_REMINDER, "refill_id", refill.id)
    if refill.status == "picked_up":
        return []
    client = session.get(Client, refill.client_id)
    assert client is not None
    tz = client_zone(session, client)
    events = [
        TimedEvent(clinic_id=client.clinic_id, client_id=client.id, kind=REFILL_REMINDER,
                   due_at=due, status="pending", created_at=now,
                   payload={"refill_id": refill.id, "flow_id": REFILL_REMINDER,
                            "offset": label, "due_date": refill.due_date.isoformat()})
        for label, due in planner.refill_reminders(refill.due_date, tz, now)
    ]
    session.add_all(events)
    session.flush()
    return events


# Built once: these run for every fired check-in, and building a statement
# costs more than executing it.
_PENDING = (select(TimedEvent)
            .where(TimedEvent.client_id == bindparam("client_id"),
                   TimedEvent.kind == bindparam("kind"), TimedEvent.status == "pending")
            .order_by(TimedEvent.due_at))
# A scheduled event is `done` exactly when it began a conversation (firing sets
# its run with that status), so these queries need no test of `flow_run_id`: a
# test the planner, with statistics from before any run, may answer by reading
# every event that has one.
_STARTED_BETWEEN = select(TimedEvent.id).where(
    TimedEvent.client_id == bindparam("client_id"), TimedEvent.kind.in_(SCHEDULED_KINDS),
    TimedEvent.status == "done",
    TimedEvent.done_at >= bindparam("start"), TimedEvent.done_at < bindparam("end"))


def pending_events(session: Session, client_id: int, kind: str, key: str,
                   value: int) -> list[TimedEvent]:
    """Pending events of `kind` for the client whose payload has key == value."""
    rows = session.scalars(_PENDING, {"client_id": client_id, "kind": kind}).all()
    return [row for row in rows if (row.payload or {}).get(key) == value]


def _cancel(session: Session, client_id: int, kind: str, key: str, value: int) -> None:
    for event in pending_events(session, client_id, kind, key, value):
        event.status = "cancelled"
    session.flush()


# ---- what a reminder conversation decided -----------------------------------


def record_outcome(session: Session, *, client_id: int, context: Mapping[str, str],
                   values: Mapping[str, Any], now: datetime) -> None:
    """Carry `appointment.status` / `refill.status` of a reminder run's result
    to the appointment or refill it was about (named in the run's context)."""
    status = values.get("appointment.status")
    if status in APPOINTMENT_STATUSES and context.get("appointment_id"):
        appointment = session.get(Appointment, int(context["appointment_id"]))
        if appointment is not None and appointment.client_id == client_id:
            appointment.status = str(status)
            appointment.updated_at = now
            if status != "confirmed":
                plan_appointment_reminders(session, appointment, now)
            client = session.get(Client, client_id)
            if status == "reschedule_requested" and client is not None:
                raise_escalation(session, clinic_id=client.clinic_id, client_id=client_id,
                                 level="concern", category="appointment",
                                 reason="the client asked to reschedule an appointment",
                                 now=now)
    status = values.get("refill.status")
    if status in {"picked_up", "not_yet"} and context.get("refill_id"):
        refill = session.get(Refill, int(context["refill_id"]))
        if refill is not None and refill.client_id == client_id:
            refill.status = str(status)
            if status == "picked_up":
                plan_refill_reminders(session, refill, now)


# ---- non-response -----------------------------------------------------------


def note_unanswered(session: Session, clinic: Clinic, client: Client, now: datetime,
                    in_a_row: int = planner.MISSED_IN_A_ROW) -> bool:
    """After a scheduled check-in expired unanswered: when the last
    `in_a_row` check-ins all went unanswered, ask a navigator to follow up
    (a `concern`, category `disengagement`). True when one was raised."""
    if client.id not in missed_in_a_row(session, [client.id], in_a_row):
        return False
    note_disengaged(session, clinic, client.id, now, in_a_row)
    return True


def note_disengaged(session: Session, clinic: Clinic, client_id: int, now: datetime,
                    in_a_row: int = planner.MISSED_IN_A_ROW) -> None:
    """Ask a navigator to follow up a client who left `in_a_row` check-ins unanswered."""
    raise_escalation(session, clinic_id=clinic.id, client_id=client_id, level="concern",
                     category="disengagement",
                     reason=f"the last {in_a_row} scheduled check-ins went unanswered", now=now)


def missed_in_a_row(session: Session, client_ids: Collection[int],
                    in_a_row: int = planner.MISSED_IN_A_ROW,
                    skip: Collection[int] = ()) -> set[int]:
    """Of `client_ids`, those whose last `in_a_row` scheduled check-ins all
    began a conversation that expired unanswered, in one query (the check-in
    events `skip` names are left out)."""
    if not client_ids:
        return set()
    return set(session.scalars(_MISSED_IN_A_ROW, {
        "ids": sorted(client_ids), "count": in_a_row, "skip": sorted(skip)}))


# Built once: it runs for each batch of expiries. Per client, the runs of its
# last check-ins that began one (done), newest first; a client qualifies when
# all `count` of them expired.
_LAST_CHECKIN_RUNS = (
    select(TimedEvent.flow_run_id)
    .where(TimedEvent.client_id == Client.id, TimedEvent.kind == CHECKIN,
           TimedEvent.status == "done", TimedEvent.id.not_in(bindparam("skip", expanding=True)))
    .order_by(TimedEvent.done_at.desc(), TimedEvent.id.desc())
    .limit(bindparam("count"))
    .correlate(Client)
)
_MISSED_IN_A_ROW = select(Client.id).where(
    Client.id.in_(bindparam("ids", expanding=True)),
    select(func.count()).select_from(FlowRun)
    .where(FlowRun.status == "expired", FlowRun.id.in_(_LAST_CHECKIN_RUNS))
    .correlate(Client).scalar_subquery() == bindparam("count"),
)


def scheduled_started_between(session: Session, client_id: int, start: datetime,
                              end: datetime) -> int:
    """How many scheduled conversations started for the client in [start, end)."""
    rows = session.scalars(_STARTED_BETWEEN,
                           {"client_id": client_id, "start": start, "end": end}).all()
    return len(rows)

