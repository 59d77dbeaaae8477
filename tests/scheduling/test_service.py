"""Enrollments plan the next check-in; appointment and refill reminders are
re-planned when a date changes, and dropped when cancelled or picked up."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.scheduling.service import (
    EnrollmentError,
    end_enrollment,
    enroll,
    record_outcome,
    save_appointment,
    save_refill,
)
from bot.store.models import Appointment, Escalation, Refill
from tests.scheduling.helpers import NOW, local, make_client, pending

FLOWS = {"adherence", "phq9", "appointment_reminder", "refill_reminder"}


def test_enrolling_plans_the_first_check_in_in_local_time(session: Session) -> None:
    """Enrolled at 10:00 in `daily 20:00`: the first check-in is today 20:00 local."""
    client = make_client(session)
    enroll(session, client=client, flow_id="adherence", schedule="daily 20:00", now=NOW,
           known_flows=FLOWS)
    [event] = pending(session, "checkin_due")
    assert event.due_at == local(2027, 3, 1, 20)
    assert event.payload["flow_id"] == "adherence"
    assert event.payload["local_time"] == "2027-03-01T20:00"


def test_enrolling_in_an_unknown_flow_or_bad_schedule_is_refused(session: Session) -> None:
    """An unknown flow or unreadable schedule is refused, nothing is planned."""
    client = make_client(session)
    with pytest.raises(EnrollmentError, match="unknown flow"):
        enroll(session, client=client, flow_id="nope", schedule="daily 20:00", now=NOW,
               known_flows=FLOWS)
    with pytest.raises(EnrollmentError, match="cannot read schedule"):
        enroll(session, client=client, flow_id="adherence", schedule="twice a day", now=NOW,
               known_flows=FLOWS)
    assert pending(session, "checkin_due") == []


def test_enrolling_again_in_the_same_flow_changes_the_schedule(session: Session) -> None:
    """A second `daily` enrollment in adherence replaces the first: one check-in a day."""
    client = make_client(session)
    first = enroll(session, client=client, flow_id="adherence", schedule="daily 20:00",
                   now=NOW, known_flows=FLOWS)
    enroll(session, client=client, flow_id="phq9", schedule="weekly mon 10:00", now=NOW,
           known_flows=FLOWS)
    second = enroll(session, client=client, flow_id="adherence", schedule="daily 18:30",
                    now=NOW, known_flows=FLOWS)
    assert not first.active
    assert second.active
    due = sorted((e.payload["flow_id"], e.due_at) for e in pending(session, "checkin_due"))
    assert due == [("adherence", local(2027, 3, 1, 18, 30)), ("phq9", local(2027, 3, 8, 10))]


def test_ending_an_enrollment_cancels_its_check_in(session: Session) -> None:
    """An ended enrollment leaves no pending check-in."""
    client = make_client(session)
    enrollment = enroll(session, client=client, flow_id="adherence", schedule="daily 20:00",
                        now=NOW, known_flows=FLOWS)
    end_enrollment(session, enrollment)
    assert pending(session, "checkin_due") == []


def test_an_appointment_gets_two_reminders(session: Session) -> None:
    """A new appointment gets reminders 48 h and 2 h before."""
    client = make_client(session)
    save_appointment(session, client=client, external_id="A1",
                     starts_at=local(2027, 3, 10, 14), now=NOW)
    assert [e.due_at for e in pending(session, "appointment_reminder")] == [
        local(2027, 3, 8, 14), local(2027, 3, 10, 12)]


def test_moving_an_appointment_replans_its_reminders(session: Session) -> None:
    """A changed date cancels the old reminders and plans new ones."""
    client = make_client(session)
    save_appointment(session, client=client, external_id="A1",
                     starts_at=local(2027, 3, 10, 14), now=NOW)
    saved = save_appointment(session, client=client, external_id="A1",
                             starts_at=local(2027, 3, 12, 9), now=NOW)
    assert (saved.created, saved.changed) == (False, True)
    assert [e.due_at for e in pending(session, "appointment_reminder")] == [
        local(2027, 3, 10, 9), local(2027, 3, 12, 7)]
    assert len(session.scalars(select(Appointment)).all()) == 1


def test_cancelling_an_appointment_drops_its_reminders(session: Session) -> None:
    """A cancelled appointment has no pending reminder."""
    client = make_client(session)
    save_appointment(session, client=client, external_id="A1",
                     starts_at=local(2027, 3, 10, 14), now=NOW)
    save_appointment(session, client=client, external_id="A1",
                     starts_at=local(2027, 3, 10, 14), now=NOW, status="cancelled")
    assert pending(session, "appointment_reminder") == []


def test_a_refill_is_reminded_before_and_on_the_day(session: Session) -> None:
    """A refill gets reminders 3 days before and on the day; a new date re-plans them."""
    client = make_client(session)
    save_refill(session, client=client, external_id="R1", due_date=date(2027, 3, 20), now=NOW)
    assert [e.due_at for e in pending(session, "refill_reminder")] == [
        local(2027, 3, 17, 10), local(2027, 3, 20, 10)]
    save_refill(session, client=client, external_id="R1", due_date=date(2027, 3, 25), now=NOW)
    assert [e.due_at for e in pending(session, "refill_reminder")] == [
        local(2027, 3, 22, 10), local(2027, 3, 25, 10)]


def test_a_reminder_reply_updates_the_appointment(session: Session) -> None:
    """A reschedule reply marks the appointment, drops reminders and queues a task."""
    client = make_client(session)
    saved = save_appointment(session, client=client, external_id="A1",
                             starts_at=local(2027, 3, 10, 14), now=NOW)
    record_outcome(session, client_id=client.id, context={"appointment_id": str(saved.id)},
                   values={"appointment.status": "reschedule_requested"}, now=NOW)
    appointment = session.get(Appointment, saved.id)
    assert appointment is not None
    assert appointment.status == "reschedule_requested"
    assert pending(session, "appointment_reminder") == []
    [task] = session.scalars(select(Escalation)).all()
    assert (task.level, task.category) == ("concern", "appointment")


def test_picked_up_closes_the_refill(session: Session) -> None:
    """A picked-up reply marks the refill and cancels the day-of reminder."""
    client = make_client(session)
    saved = save_refill(session, client=client, external_id="R1", due_date=date(2027, 3, 20),
                        now=NOW)
    record_outcome(session, client_id=client.id, context={"refill_id": str(saved.id)},
                   values={"refill.status": "picked_up"}, now=NOW)
    refill = session.get(Refill, saved.id)
    assert refill is not None
    assert refill.status == "picked_up"
    assert pending(session, "refill_reminder") == []
