"""Acknowledging by reply: ACK <number> from a clinician's registered phone,
Telegram chat or simulator address stops the ladder; strangers cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.escalation.ack import (
    AlreadyAcknowledged,
    UnknownAlert,
    acknowledge,
    staff_for_address,
)
from bot.seed import create_clinic, create_user
from bot.services import Services, build_services
from bot.store.db import session_factory
from bot.store.models import AuditEvent, Escalation, Outbox, User
from tests.conversation_helpers import T0
from tests.escalation.world import IMMINENT, ONCALL_PHONE, Ward, seed_ward


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


@pytest.fixture
def ward(engine: Engine, services: Services) -> Ward:
    return seed_ward(session_factory(engine), services)


def alert(ward: Ward) -> int:
    ward.say(IMMINENT)
    return ward.escalations()[0].id


def staff_inbox(ward: Ward, address: str) -> list[str]:
    with ward.sessions() as session:
        return list(session.scalars(select(Outbox.body).where(
            Outbox.address == address, Outbox.kind == "message").order_by(Outbox.id)).all())


@pytest.mark.parametrize("reply", ["ACK {n}", "ack {n}", "Ack #{n}", "  ack#{n}  ", "ACK {n}."])
def test_ack_from_the_paged_phone_acknowledges(ward: Ward, reply: str) -> None:
    """The clinician replies ACK <n> (any case, optional #) and the alert is theirs."""
    number = alert(ward)
    address = f"staff-{ward.oncall_id}"
    outcome = ward.inbound("simulator", address, reply.format(n=number))
    assert outcome.replies == [f"Alert #{number} acknowledged."]
    assert staff_inbox(ward, address) == [f"Alert #{number} acknowledged."]
    [escalation] = ward.escalations()
    assert escalation.status == "acknowledged"
    assert escalation.acknowledged_by == ward.oncall_id
    assert escalation.acknowledged_at == ward.clock.now()


def test_ack_stops_the_ladder_and_is_audited(ward: Ward) -> None:
    """After ACK no page goes out at the timeout, and the audit log says who acknowledged."""
    number = alert(ward)
    ward.advance(timedelta(minutes=2))
    ward.inbound("simulator", f"staff-{ward.oncall_id}", f"ACK {number}")
    pages = len(ward.pages())
    ward.advance(timedelta(hours=2))
    assert len(ward.pages()) == pages
    assert ward.resends() == []
    assert len(ward.resends("cancelled")) == 1
    with ward.sessions() as session:
        audit = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "escalation.acknowledged")).one()
    assert (audit.actor, audit.target_id) == (f"user:{ward.oncall_id}", str(number))


def test_ack_from_the_registered_sms_number_acknowledges(ward: Ward) -> None:
    """A clinician's own phone number on the SMS channel counts as theirs."""
    number = alert(ward)
    ward.channels["sms"] = ward.channels["simulator"]
    outcome = ward.inbound("sms", ONCALL_PHONE, f"ack {number}")
    assert outcome.replies == [f"Alert #{number} acknowledged."]


def test_ack_from_the_registered_telegram_chat_acknowledges(ward: Ward) -> None:
    """A clinician's Telegram chat counts as theirs."""
    with ward.sessions.begin() as session:
        session.get_one(User, ward.admin_id).telegram_chat_id = "4242"
    number = alert(ward)
    ward.channels["telegram"] = ward.channels["simulator"]
    outcome = ward.inbound("telegram", "4242", f"ACK {number}")
    assert outcome.replies == [f"Alert #{number} acknowledged."]
    assert ward.escalations()[0].acknowledged_by == ward.admin_id


def test_a_second_ack_says_who_already_has_it(ward: Ward) -> None:
    """An alert already taken gets a clear answer naming who took it."""
    number = alert(ward)
    ward.inbound("simulator", f"staff-{ward.oncall_id}", f"ACK {number}")
    outcome = ward.inbound("simulator", f"staff-{ward.navigator_id}", f"ACK {number}")
    assert outcome.replies == [f"Alert #{number} was already acknowledged by Dr On Call."]
    assert ward.escalations()[0].acknowledged_by == ward.oncall_id


def test_an_unknown_number_gets_a_clear_reply(ward: Ward) -> None:
    """ACK of an alert that does not exist says so and changes nothing."""
    alert(ward)
    outcome = ward.inbound("simulator", f"staff-{ward.oncall_id}", "ACK 999")
    assert outcome.replies == ["There is no alert #999."]
    assert ward.escalations()[0].status == "open"


def test_another_clinics_alert_cannot_be_acknowledged(ward: Ward) -> None:
    """Staff of another clinic are told there is no such alert."""
    number = alert(ward)
    with ward.sessions.begin() as session:
        other = create_clinic(session, clinic_id="other", name="Other", timezone="UTC",
                              crisis_line="1", contact_phone="2", program_name="p", now=T0)
        stranger = create_user(session, clinic=other, email="x@other.example", name="X",
                               role="clinician", password="pw-for-tests", now=T0)
        stranger_id = stranger.id
    outcome = ward.inbound("simulator", f"staff-{stranger_id}", f"ACK {number}")
    assert outcome.replies == [f"There is no alert #{number}."]
    assert ward.escalations()[0].status == "open"


def test_anything_else_from_staff_gets_a_short_help_reply(ward: Ward) -> None:
    """A staff member's other text is not treated as a client's: a short how-to comes back."""
    outcome = ward.inbound("simulator", f"staff-{ward.oncall_id}", "what is going on?")
    assert len(outcome.replies) == 1
    assert "ACK" in outcome.replies[0]
    assert ward.escalations() == []


def test_an_unknown_senders_ack_is_refused(ward: Ward) -> None:
    """ACK from an address nobody registered is a stranger's text: nothing is acknowledged."""
    number = alert(ward)
    outcome = ward.inbound("sms", "+12015550999", f"ACK {number}")
    assert "acknowledged" not in " ".join(outcome.replies)
    assert ward.escalations()[0].status == "open"
    ward.advance(timedelta(minutes=5))
    assert any(page.attempt == 2 for page in ward.pages())


def test_an_inactive_user_is_not_staff(ward: Ward) -> None:
    """A deactivated account's phone can no longer acknowledge."""
    number = alert(ward)
    with ward.sessions.begin() as session:
        session.get_one(User, ward.oncall_id).active = False
    ward.inbound("simulator", f"staff-{ward.oncall_id}", f"ACK {number}")
    assert ward.escalations()[0].status == "open"


def test_the_console_acknowledges_through_the_same_function(ward: Ward) -> None:
    """acknowledge() stops the ladder and refuses a second time or another clinic's alert."""
    number = alert(ward)
    with ward.sessions.begin() as session:
        user = session.get_one(User, ward.admin_id)
        escalation = acknowledge(session, number, user, ward.clock.now())
        assert escalation.status == "acknowledged"
    with ward.sessions() as session:
        user = session.get_one(User, ward.admin_id)
        with pytest.raises(AlreadyAcknowledged):
            acknowledge(session, number, user, ward.clock.now())
        with pytest.raises(UnknownAlert):
            acknowledge(session, number + 100, user, ward.clock.now())
    assert ward.resends() == []


def test_staff_are_found_by_channel_and_address(session: Session) -> None:
    """Simulator staff-<id>, SMS phone and Telegram chat each find the same person."""
    clinic = create_clinic(session, clinic_id="c", name="C", timezone="UTC", crisis_line="1",
                           contact_phone="2", program_name="p", now=T0)
    user = create_user(session, clinic=clinic, email="a@c.example", name="A", role="clinician",
                       password="pw-for-tests", phone=ONCALL_PHONE, now=T0)
    user.telegram_chat_id = "77"
    session.flush()
    assert staff_for_address(session, "simulator", f"staff-{user.id}") is user
    assert staff_for_address(session, "sms", ONCALL_PHONE) is user
    assert staff_for_address(session, "telegram", "77") is user
    assert staff_for_address(session, "simulator", f"sim-{user.id}") is None
    assert staff_for_address(session, "sms", "+12015550000") is None
    assert staff_for_address(session, "email", "a@c.example") is None


def test_pages_still_waiting_are_cancelled_by_an_ack(ward: Ward) -> None:
    """A page still waiting to be retried is not sent after the alert was acknowledged."""
    number = alert(ward)
    with ward.sessions.begin() as session:
        escalation = session.get_one(Escalation, number)
        from bot.escalation.paging import PagingOptions, start_paging

        start_paging(session, escalation, PagingOptions(), ward.clock.now())
        acknowledge(session, number, session.get_one(User, ward.oncall_id), ward.clock.now())
    statuses = [row.status for row in ward.page_rows()]
    assert statuses == ["sent", "cancelled"]
    assert ward.pages()[-1].status == "acknowledged"
