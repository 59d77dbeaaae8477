"""Staff rules behind the console: sign-in, clinic scoping, the queue, client
summaries and working an escalation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import staff
from bot.escalation.paging import PagingOptions, start_paging
from bot.store.models import AuditEvent, Escalation, TimedEvent, User
from tests.navigator_console.world import (
    NAVIGATOR_EMAIL,
    PASSWORD,
    T0,
    World,
    build_world,
)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    assert user is not None
    return user


def test_the_right_password_signs_in_and_a_wrong_one_does_not(
    session: Session, world: World
) -> None:
    """Sign-in takes the e-mail in any case and refuses a wrong password or unknown e-mail."""
    user = staff.authenticate(session, " Nav@North.example ", PASSWORD)
    assert user is not None
    assert user.id == world.navigator_id
    assert staff.authenticate(session, NAVIGATOR_EMAIL, PASSWORD + "x") is None
    assert staff.authenticate(session, "nobody@north.example", PASSWORD) is None


def test_a_deactivated_user_cannot_sign_in_or_stay_signed_in(
    session: Session, world: World
) -> None:
    """Deactivating a user ends their access at the next request."""
    user = _user(session, world.navigator_id)
    user.active = False
    session.flush()
    assert staff.authenticate(session, NAVIGATOR_EMAIL, PASSWORD) is None
    assert staff.active_user(session, world.navigator_id) is None
    assert staff.active_user(session, "3") is None


def test_records_of_another_clinic_are_not_found(session: Session, world: World) -> None:
    """Looking up another clinic's client or escalation fails as if it did not exist."""
    user = _user(session, world.navigator_id)
    with pytest.raises(staff.NotFound):
        staff.view_client(session, user, world.other_client_id, T0)
    with pytest.raises(staff.NotFound):
        staff.acknowledge(session, user, world.other_escalation_id, T0)
    with pytest.raises(staff.NotFound):
        staff.simulator_contact(session, user, world.other_client_id)
    assert staff.client_for(session, user, world.client_id).first_name == "Ana"


def test_the_queue_puts_the_highest_level_first_and_leaves_out_resolved(
    session: Session, world: World
) -> None:
    """The queue shows open and acknowledged escalations, high before a newer concern."""
    user = _user(session, world.navigator_id)
    queue = staff.escalation_queue(session, "north")
    assert [e.id for e in queue] == [world.high_escalation_id, world.concern_escalation_id]
    staff.acknowledge(session, user, world.concern_escalation_id, T0)
    assert len(staff.escalation_queue(session, "north")) == 2
    staff.resolve(session, user, world.concern_escalation_id, "not_a_risk", T0)
    assert [e.id for e in staff.escalation_queue(session, "north")] == [world.high_escalation_id]


def test_client_summaries_show_latest_scores_adherence_and_non_responders(
    session: Session, world: World
) -> None:
    """The client list has the latest totals, the last 7 days' adherence and who went quiet."""
    summaries = {s.client.id: s for s in staff.client_summaries(session, "north", T0)}
    assert set(summaries) == {world.client_id, world.quiet_client_id}
    ana, ben = summaries[world.client_id], summaries[world.quiet_client_id]
    assert ana.phq9 is not None
    assert (ana.phq9.total, ana.phq9.severity) == (8, "mild")
    assert ana.gad7 is not None
    assert ana.gad7.total == 11
    assert (ana.adherence_taken, ana.adherence_answered) == (2, 3)
    assert ana.last_check_in == T0 - timedelta(days=1)
    assert not ana.non_responder
    assert ben.non_responder
    assert ben.phq9 is None
    assert ben.open_escalations == 1


def test_texts_not_yet_a_day_old_do_not_make_a_non_responder(
    session: Session, world: World
) -> None:
    """A client is given a day to answer before being flagged."""
    early = T0 - timedelta(hours=48)
    summaries = {s.client.id: s for s in staff.client_summaries(session, "north", early)}
    assert not summaries[world.quiet_client_id].non_responder


def test_working_an_escalation_is_audited_with_the_user(session: Session, world: World) -> None:
    """Acknowledge, note and resolve each leave an audit entry naming the user."""
    user = _user(session, world.navigator_id)
    staff.acknowledge(session, user, world.high_escalation_id, T0)
    staff.add_note(session, user, world.high_escalation_id, " Left a voicemail. ", T0)
    escalation = staff.resolve(
        session,
        user,
        world.high_escalation_id,
        "reached_safe",
        T0 + timedelta(hours=1),
        note="Reached; safe.",
    )
    assert escalation.status == "resolved"
    assert escalation.acknowledged_by == user.id
    assert [n.body for n in escalation.notes] == ["Left a voicemail.", "Reached; safe."]
    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.actor == f"user:{user.id}")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "escalation.acknowledged",
        "escalation.note_added",
        "escalation.note_added",
        "escalation.resolved",
    ]


def test_wrong_escalation_actions_are_refused(session: Session, world: World) -> None:
    """Acknowledging twice, an empty note, a made-up outcome or resolving twice are refused."""
    user = _user(session, world.navigator_id)
    staff.acknowledge(session, user, world.high_escalation_id, T0)
    with pytest.raises(staff.InvalidAction):
        staff.acknowledge(session, user, world.high_escalation_id, T0)
    with pytest.raises(staff.InvalidAction):
        staff.add_note(session, user, world.high_escalation_id, "   ", T0)
    with pytest.raises(staff.InvalidAction):
        staff.resolve(session, user, world.high_escalation_id, "made_up", T0)
    staff.resolve(session, user, world.high_escalation_id, "other", T0)
    with pytest.raises(staff.InvalidAction):
        staff.resolve(session, user, world.high_escalation_id, "other", T0)


def test_resolving_an_open_escalation_also_records_who_took_it(
    session: Session, world: World
) -> None:
    """Resolving straight from open records the acknowledgement too."""
    user = _user(session, world.navigator_id)
    escalation = staff.resolve(session, user, world.concern_escalation_id, "not_a_risk", T0)
    assert escalation.acknowledged_at == T0
    assert escalation.acknowledged_by == user.id


def test_viewing_a_client_is_audited(session: Session, world: World) -> None:
    """Every view of a client's record is written to the audit log."""
    user = _user(session, world.navigator_id)
    record = staff.view_client(session, user, world.client_id, T0)
    assert [r.total for r in record.results if r.instrument == "phq9"] == [8, 12, 16]
    viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "client.viewed")).one()
    assert (viewed.actor, viewed.target_id, viewed.clinic_id) == (
        f"user:{user.id}",
        str(world.client_id),
        "north",
    )


def test_only_admins_read_the_audit_log_and_only_their_clinics(
    session: Session, world: World
) -> None:
    """Navigators may not read the audit log; an admin sees only their clinic's entries."""
    with pytest.raises(staff.NotAllowed):
        staff.audit_log(session, _user(session, world.navigator_id))
    events = staff.audit_log(session, _user(session, world.admin_id))
    assert events
    assert {e.clinic_id for e in events} == {"north"}


def test_simulator_messages_come_oldest_first_after_an_id(session: Session, world: World) -> None:
    """The simulator chat lists the address's messages after a given id."""
    user = _user(session, world.navigator_id)
    contact = staff.simulator_contact(session, user, world.quiet_client_id)
    messages = staff.simulator_messages(session, contact)
    assert [m.created_at for m in messages] == sorted(m.created_at for m in messages)
    assert len(messages) == 3
    assert staff.simulator_messages(session, contact, after=messages[1].id) == messages[2:]
    assert {c.client_id for c in staff.simulator_contacts(session, user)} == {
        world.client_id,
        world.quiet_client_id,
    }


def test_acknowledging_in_the_console_stops_the_page_ladder(session: Session, world: World) -> None:
    """Once a navigator acknowledges, no re-page is left waiting."""
    escalation = session.get(Escalation, world.high_escalation_id)
    assert escalation is not None
    assert start_paging(session, escalation, PagingOptions(), T0) > 0
    resends = select(TimedEvent).where(
        TimedEvent.kind == "page_resend", TimedEvent.status == "pending"
    )
    assert session.scalars(resends).all()
    staff.acknowledge(session, _user(session, world.navigator_id), escalation.id, T0)
    assert session.scalars(resends).all() == []
