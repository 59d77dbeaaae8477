"""Rules the database itself enforces, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.models import (
    Appointment,
    Client,
    ContactPoint,
    Enrollment,
    Escalation,
    EscalationNote,
    FlowRun,
    Outbox,
    Page,
    Refill,
    Result,
    User,
)
from tests.store.factories import (
    T0,
    make_client,
    make_clinic,
    make_contact_point,
    make_message,
    make_run,
)


def test_second_open_run_for_a_client_is_refused(session: Session) -> None:
    """A client cannot have two conversations open at once."""
    client = make_client(session, make_clinic(session))
    make_run(session, client)

    with pytest.raises(IntegrityError):
        make_run(session, client, status="paused")


def test_finished_run_makes_room_for_a_new_one(session: Session) -> None:
    """Once a run completes, the client can start another, and old runs pile up freely."""
    client = make_client(session, make_clinic(session))
    first = make_run(session, client)
    first.status = "completed"
    session.flush()
    second = make_run(session, client)
    second.status = "expired"
    session.flush()
    third = make_run(session, client)
    session.commit()

    assert [run.active_client_id for run in (first, second, third)] == [None, None, client.id]


def test_open_runs_of_different_clients_coexist(session: Session) -> None:
    """Each client may have their own open run at the same time."""
    clinic = make_clinic(session)
    ana, ben = make_client(session, clinic, "Ana"), make_client(session, clinic, "Ben")
    make_run(session, ana)
    make_run(session, ben)
    session.commit()

    open_runs = session.scalars(select(FlowRun).where(FlowRun.active_client_id.is_not(None)))

    assert len(open_runs.all()) == 2


def test_bulk_update_that_leaves_the_marker_stale_is_refused(session: Session) -> None:
    """A bulk status change that bypasses the model cannot leave a run half-open."""
    client = make_client(session, make_clinic(session))
    make_run(session, client)
    session.commit()

    with pytest.raises(IntegrityError):
        session.execute(update(FlowRun).values(status="completed"))


def test_same_provider_id_in_same_channel_and_direction_is_refused(session: Session) -> None:
    """A provider's retry of the same inbound message cannot be stored twice."""
    clinic = make_clinic(session)
    make_message(session, clinic, "SM123")

    with pytest.raises(IntegrityError):
        make_message(session, clinic, "SM123")


def test_same_provider_id_is_fine_across_channels_and_directions(session: Session) -> None:
    """Provider ids only collide within one channel and direction."""
    clinic = make_clinic(session)
    make_message(session, clinic, "42")
    make_message(session, clinic, "42", direction="out")
    make_message(session, clinic, "42", channel="telegram")
    session.commit()


def test_messages_without_provider_id_never_collide(session: Session) -> None:
    """Messages with no provider id (e.g. not yet sent) can be stored side by side."""
    clinic = make_clinic(session)
    for _ in range(3):
        make_message(session, clinic, None, direction="out")
    session.commit()


def test_unknown_sender_message_is_stored_without_a_client(session: Session) -> None:
    """A text from a number we do not know is still kept."""
    clinic = make_clinic(session)
    message = make_message(session, clinic, "SM9")
    session.commit()

    assert message.client_id is None


def test_outbox_idempotency_key_is_unique(session: Session) -> None:
    """The same send cannot be queued twice."""
    for _ in range(2):
        session.add(
            Outbox(channel="sms", address="+15555550123", body="Hi", idempotency_key="reply:1")
        )

    with pytest.raises(IntegrityError):
        session.flush()


def test_contact_address_belongs_to_one_client_per_channel(session: Session) -> None:
    """A phone number can be registered once on SMS, but again on another channel."""
    clinic = make_clinic(session)
    ana, ben = make_client(session, clinic, "Ana"), make_client(session, clinic, "Ben")
    make_contact_point(session, ana)
    make_contact_point(session, ben, channel="simulator")

    with pytest.raises(IntegrityError):
        make_contact_point(session, ben)


def test_deleting_a_client_removes_their_plan_but_not_records_of_care(session: Session) -> None:
    """Contact points, enrollments and appointments go with the client."""
    client = make_client(session, make_clinic(session))
    make_contact_point(session, client)
    client.enrollments.append(Enrollment(flow_id="adherence", schedule="daily 20:00"))
    client.appointments.append(Appointment(starts_at=T0, external_id="A1"))
    session.commit()

    session.delete(client)
    session.commit()

    assert session.scalars(select(ContactPoint)).all() == []
    assert session.scalars(select(Enrollment)).all() == []
    assert session.scalars(select(Appointment)).all() == []


def test_deleting_a_client_with_history_is_refused(session: Session) -> None:
    """A client whose results exist cannot be deleted: records of care are kept."""
    client = make_client(session, make_clinic(session))
    session.add(Result(client=client, instrument="phq9", total=7, recorded_at=T0))
    session.commit()

    with pytest.raises(IntegrityError):
        session.execute(delete(Client).where(Client.id == client.id))


def test_deleting_a_navigator_unassigns_their_clients(session: Session) -> None:
    """Removing a staff account leaves their clients without a navigator, not deleted."""
    clinic = make_clinic(session)
    navigator = User(
        clinic=clinic, email="n@example.org", name="Nia", role="navigator", password_hash="x"
    )
    session.add(navigator)
    client = make_client(session, clinic)
    client.navigator = navigator
    session.commit()

    session.execute(delete(User).where(User.id == navigator.id))
    session.commit()
    session.expire_all()

    assert client.navigator_id is None


def test_escalation_keeps_its_pages_and_notes_in_order(session: Session) -> None:
    """An escalation lists its notes and pages, which go with it when deleted."""
    clinic = make_clinic(session)
    client = make_client(session, clinic)
    user = User(
        clinic=clinic, email="c@example.org", name="Cy", role="clinician", password_hash="x"
    )
    session.add(user)
    escalation = Escalation(
        clinic_id=clinic.id,
        client=client,
        level="high",
        category="suicide",
        reason="message",
        evidence=[{"rule": "end_it", "span": [0, 6]}],
    )
    escalation.pages.append(Page(user=user, channel="sms", address="+15555550100", tier=0))
    escalation.notes.append(EscalationNote(user=user, body="called, safe"))
    session.add(escalation)
    session.commit()
    session.expunge_all()

    stored = session.scalars(select(Escalation)).one()
    assert stored.evidence == [{"rule": "end_it", "span": [0, 6]}]
    assert [page.tier for page in stored.pages] == [0]
    assert [note.body for note in stored.notes] == ["called, safe"]

    session.delete(stored)
    session.commit()
    assert session.scalars(select(Page)).all() == []
    assert session.scalars(select(EscalationNote)).all() == []


def test_result_json_round_trips(session: Session) -> None:
    """Item answers, result keys and LOINC codes come back exactly as written."""
    client = make_client(session, make_clinic(session))
    session.add(
        Result(
            client=client,
            instrument="phq9",
            total=14,
            severity="moderate",
            items={"phq9.1": 2, "phq9.9": 1},
            values={"phq9.total": 14, "phq9.severity": "moderate", "phq9.item9": 1},
            loinc={"panel": "44249-1", "total": "44261-6"},
            recorded_at=T0,
        )
    )
    session.commit()
    session.expunge_all()

    result = session.scalars(select(Result)).one()

    assert result.values == {"phq9.total": 14, "phq9.severity": "moderate", "phq9.item9": 1}
    assert result.loinc["total"] == "44261-6"
    assert result.recorded_at == T0


def test_client_lists_refills_in_date_order(session: Session) -> None:
    """A client's refills read back soonest first."""
    client = make_client(session, make_clinic(session))
    client.refills.extend([Refill(due_date=date(2027, 4, 2)), Refill(due_date=date(2027, 3, 20))])
    session.commit()
    session.expunge_all()

    stored = session.get_one(Client, client.id)

    assert [refill.due_date for refill in stored.refills] == [date(2027, 3, 20), date(2027, 4, 2)]
