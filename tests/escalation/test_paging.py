"""Paging the care team: tier 1 at once, PHI-free, up the ladder at each
timeout until somebody acknowledges, and through to the next channel or tier
when a page cannot be delivered."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.app import build_tether, close_channels
from bot.channels.base import Channel, InboundMessage, PermanentSendError
from bot.channels.simulator import SimulatorChannel
from bot.clock import SimulatedClock
from bot.config import load_settings
from bot.escalation.ack import acknowledge
from bot.escalation.paging import PagingOptions, page_text
from bot.services import Services, build_services
from bot.store.db import create_all, session_factory
from bot.store.models import Escalation, User
from tests.conversation_helpers import T0
from tests.escalation.world import (
    HIGH,
    IMMINENT,
    ONCALL_PHONE,
    RecordingChannel,
    Ward,
    seed_ward,
)
from tests.fakes.smtp import smtp_server

CONCERN = "nothing matters anymore"


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


@pytest.fixture
def ward(engine: Engine, services: Services) -> Ward:
    return seed_ward(session_factory(engine), services)


def test_an_imminent_message_pages_the_on_call_clinician_at_once(ward: Ward) -> None:
    """The crisis reply and a page to the on-call clinician go out in the same request."""
    outcome = ward.say(IMMINENT)
    assert any("988" in reply for reply in outcome.replies)
    pages = ward.pages()
    assert [(p.user_id, p.channel, p.address, p.tier, p.status) for p in pages] == [
        (ward.oncall_id, "simulator", f"staff-{ward.oncall_id}", 1, "sent")]
    rows = ward.page_rows()
    assert [(r.priority, r.status, r.page_id) for r in rows] == [(0, "sent", pages[0].id)]
    escalation = ward.escalations()[0]
    assert rows[0].body == page_text(escalation.id, "imminent", "http://127.0.0.1:8000")
    [resend] = ward.resends()
    assert resend.due_at == ward.clock.now() + timedelta(minutes=5)


def test_a_page_says_only_level_number_link_and_how_to_acknowledge(ward: Ward) -> None:
    """No page carries the client's name, phone, words, diagnosis, medications or program."""
    ward.say(IMMINENT)
    ward.advance(timedelta(minutes=5))
    escalation = ward.escalations()[0]
    bodies = [row.body for row in ward.page_rows()]
    assert len(bodies) >= 2
    for body in bodies:
        assert f"#{escalation.id}" in body
        assert f"/escalations/{escalation.id}" in body
        assert f"ACK {escalation.id}" in body
        assert "imminent" in body
        for secret in [*ward.protected(), IMMINENT, "plan to kill"]:
            assert secret.casefold() not in body.casefold(), (secret, body)


def test_sms_pages_go_to_the_staff_phone_when_sms_is_configured(
        engine: Engine, services: Services) -> None:
    """With a real SMS channel, the on-call clinician is paged at their phone number."""
    sms = RecordingChannel("sms")
    ward = seed_ward(session_factory(engine),
                     dataclasses.replace(services, paging=PagingOptions(
                         public_url="https://tether.example", sms_enabled=True)),
                     {"simulator": RecordingChannel("simulator"), "sms": sms})
    ward.say(IMMINENT)
    assert [address for address, _ in sms.delivered] == [ONCALL_PHONE]
    assert "https://tether.example/escalations/" in sms.delivered[0][1]


def test_risk_repeated_at_the_same_level_does_not_page_again(ward: Ward) -> None:
    """A second high message joins the open alert without another page."""
    ward.say(HIGH)
    ward.say("i want to kill myself")
    assert len(ward.pages()) == 1
    assert len(ward.resends()) == 1


def test_a_rise_in_level_pages_again_and_restarts_the_ladder(ward: Ward) -> None:
    """High then imminent pages twice; the ladder now waits the imminent timeout."""
    ward.say(HIGH)
    ward.advance(timedelta(minutes=1))
    ward.say(IMMINENT)
    assert len(ward.pages()) == 2
    assert "(imminent)" in ward.page_rows()[-1].body
    [resend] = ward.resends()
    assert resend.due_at == ward.clock.now() + timedelta(minutes=5)
    assert len(ward.resends("cancelled")) == 1


def test_a_concern_pages_nobody_by_default(ward: Ward) -> None:
    """A concern goes to the queue only: no page, no re-send."""
    ward.say(CONCERN)
    assert ward.escalations()[0].level == "concern"
    assert ward.pages() == []
    assert ward.resends() == []


def test_a_concern_pages_when_the_policy_says_so(ward: Ward) -> None:
    """With page_concern set, a concern pages the tier and waits the concern timeout."""
    ward.set_policy({"page_concern": True, "ack_timeout": {"concern": 30},
                     "tiers": [{"recipients": ["on_call"]}]})
    ward.say(CONCERN)
    assert len(ward.pages()) == 1
    assert ward.resends()[0].due_at == ward.clock.now() + timedelta(minutes=30)


def test_without_acknowledgement_the_next_tier_is_paged_at_the_timeout(ward: Ward) -> None:
    """Five minutes unanswered: the admins are paged and the on-call is paged again."""
    ward.say(IMMINENT)
    ward.advance(timedelta(minutes=4))
    assert len(ward.pages()) == 1
    ward.advance(timedelta(minutes=1))
    second = [(p.user_id, p.channel, p.tier, p.attempt) for p in ward.pages()[1:]]
    assert second == [(ward.oncall_id, "simulator", 1, 2), (ward.admin_id, "email", 2, 2)]
    # e-mail has no adapter in this ward: the admin's page fails where the console shows it
    admin_page = ward.pages()[2]
    assert admin_page.status == "failed"
    assert "no channel 'email'" in (admin_page.error or "")


def test_the_last_tier_repeats_every_timeout_until_acknowledged(ward: Ward) -> None:
    """After the last tier the whole ladder is paged again each timeout; an ACK stops it."""
    ward.say(IMMINENT)
    for _ in range(3):
        ward.advance(timedelta(minutes=5))
    assert [p.attempt for p in ward.pages() if p.user_id == ward.oncall_id] == [1, 2, 3, 4]
    with ward.sessions.begin() as session:
        acknowledge(session, ward.escalations()[0].id, session.get_one(User, ward.oncall_id),
                    ward.clock.now())
    count = len(ward.pages())
    ward.advance(timedelta(hours=1))
    assert len(ward.pages()) == count
    assert ward.resends() == []


def test_an_alert_acknowledged_elsewhere_stops_the_ladder(ward: Ward) -> None:
    """An alert taken in the console (status no longer open) is not paged again."""
    ward.say(IMMINENT)
    with ward.sessions.begin() as session:
        session.get_one(Escalation, ward.escalations()[0].id).status = "acknowledged"
    ward.advance(timedelta(minutes=30))
    assert len(ward.pages()) == 1
    assert ward.resends("cancelled")


def test_a_failed_page_falls_through_to_the_next_channel(engine: Engine,
                                                         services: Services) -> None:
    """A page the phone cannot take goes to the same clinician's e-mail."""
    email = RecordingChannel("email")
    channels: dict[str, Channel] = {
        "simulator": RecordingChannel("simulator", PermanentSendError("unreachable", "30003")),
        "email": email}
    ward = seed_ward(session_factory(engine), services, channels)
    ward.say(IMMINENT)
    pages = ward.pages()
    assert [(p.channel, p.status, p.tier) for p in pages] == [
        ("simulator", "failed", 1), ("email", "sent", 1)]
    assert pages[0].error == "unreachable"
    assert [address for address, _ in email.delivered] == ["oncall@riverside.example"]
    assert ward.resends()[0].due_at == ward.clock.now() + timedelta(minutes=5)


def test_a_tier_whose_every_channel_failed_moves_to_the_next_tier_at_once(
        engine: Engine, services: Services) -> None:
    """Phone and e-mail both fail: the admins are paged without waiting the timeout."""
    email = RecordingChannel("email", PermanentSendError("mailbox full"))
    channels: dict[str, Channel] = {
        "simulator": RecordingChannel("simulator", PermanentSendError("unreachable")),
        "email": email}
    ward = seed_ward(session_factory(engine), services, channels)
    ward.say(IMMINENT)
    ward.advance(timedelta(seconds=0))
    assert [address for address, _ in email.delivered] == ["admin@riverside.example"]
    tier1 = [p for p in ward.pages() if p.tier == 1 and p.attempt == 1]
    assert {(p.channel, p.status) for p in tier1} == {("simulator", "failed"),
                                                      ("email", "failed")}


def test_retries_exhausted_fall_through_too(engine: Engine, services: Services) -> None:
    """A page that keeps failing for a transient reason falls through once retries run out."""
    from bot.channels.base import TransientSendError
    from bot.outbox import MAX_ATTEMPTS

    email = RecordingChannel("email")
    flaky = RecordingChannel("simulator",
                             *[TransientSendError("timeout") for _ in range(MAX_ATTEMPTS)])
    ward = seed_ward(session_factory(engine), services, {"simulator": flaky, "email": email})
    ward.say(IMMINENT)
    for _ in range(MAX_ATTEMPTS):
        ward.clock.advance(timedelta(minutes=10))
        ward.deliver()
    assert [p.channel for p in ward.pages()][:2] == ["simulator", "email"]
    assert ward.pages()[0].status == "failed"
    assert email.delivered[0][0] == "oncall@riverside.example"


def test_pages_ignore_the_clients_opt_out_and_quiet_hours(ward: Ward) -> None:
    """A client who texted STOP still gets the crisis reply, and staff are paged at 3 a.m."""
    ward.clock.advance(timedelta(hours=17))  # 03:00 in Chicago
    ward.say("STOP")
    ward.say(IMMINENT)
    assert [p.status for p in ward.pages()] == ["sent"]


def test_a_webhook_tier_posts_a_pagerduty_event(ward: Ward) -> None:
    """A webhook page carries the PagerDuty Events v2 shape with only number, level and link."""
    ward.set_policy({
        "webhook": {"url": "https://events.example/v2/enqueue", "routing_key": "RK"},
        "tiers": [{"recipients": ["on_call"], "channels": ["sms", "webhook"]}],
    })
    ward.say(IMMINENT)
    escalation = ward.escalations()[0]
    row = next(r for r in ward.page_rows() if r.channel == "webhook")
    assert row.address == "https://events.example/v2/enqueue"
    event = json.loads(row.body)
    assert event["routing_key"] == "RK"
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == f"tether-escalation-{escalation.id}"
    assert event["payload"]["severity"] == "critical"
    assert event["payload"]["custom_details"] == {
        "escalation": escalation.id, "level": "imminent",
        "link": f"http://127.0.0.1:8000/escalations/{escalation.id}"}
    for secret in ward.protected():
        assert secret.casefold() not in row.body.casefold()


def test_when_nobody_can_be_paged_the_failure_is_recorded(ward: Ward) -> None:
    """A policy naming nobody reachable leaves a failed page the console shows."""
    ward.set_policy({"tiers": [{"recipients": [999]}]})
    ward.say(IMMINENT)
    [page] = ward.pages()
    assert page.status == "failed"
    assert "nobody" in (page.error or "")


def test_a_broken_stored_policy_still_pages_with_the_default(ward: Ward) -> None:
    """A policy broken after start does not leave a crisis unpaged."""
    ward.set_policy({"tiers": "everyone"})
    ward.say(IMMINENT)
    assert [p.user_id for p in ward.pages()] == [ward.oncall_id]


def test_an_unknown_senders_crisis_pages_too(ward: Ward) -> None:
    """A risk message from a number we do not know still reaches the on-call clinician."""
    ward.inbound("simulator", "sim-unknown", IMMINENT)
    assert len(ward.pages()) == 1


OVERPASS = "i'm on the overpass and i'm done, goodbye"


def test_end_to_end_crisis_pages_climbs_and_stops_at_ack(tmp_path: Path) -> None:
    """The overpass message gets the crisis reply at once; the on-call phone and the
    SMTP server get PHI-free pages; unanswered, the next tier is paged at the
    timeout; the on-call clinician's ACK stops the ladder."""
    with smtp_server() as mailbox:
        settings = load_settings({
            "TETHER_DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
            "TETHER_SMTP_URL": f"{mailbox.url}?from=alerts@riverside.example",
            "TETHER_PUBLIC_URL": "https://tether.riverside.example",
        })
        clock = SimulatedClock(T0)
        tether = build_tether(settings, clock=clock)
        create_all(tether.engine)
        ward = seed_ward(tether.sessions, tether.services, tether.channels)
        phone = tether.channels["simulator"]
        assert isinstance(phone, SimulatorChannel)
        oncall = f"staff-{ward.oncall_id}"

        def deliver() -> None:
            asyncio.run(tether.sender.drain())

        def staff_pages() -> list[str]:
            return [body for address, body in phone.delivered
                    if address == oncall and body.startswith("Tether alert")]

        outcome = tether.handle(InboundMessage(
            channel="simulator", address=ward.client_address, text=OVERPASS,
            received_at=clock.now(), provider_id="e2e-1"))
        assert any("988" in reply for reply in outcome.replies)  # in the same request
        deliver()
        number = ward.escalations()[0].id
        assert len(staff_pages()) == 1
        # The person in crisis hears back before anyone is paged.
        assert phone.delivered[0][0] == ward.client_address
        assert "988" in phone.delivered[0][1]
        assert mailbox.messages == []

        clock.advance(timedelta(minutes=4))
        tether.fire_due_events()
        deliver()
        assert len(staff_pages()) == 1

        clock.advance(timedelta(minutes=1))  # imminent: 5 minutes to acknowledge
        tether.fire_due_events()
        deliver()
        assert len(staff_pages()) == 2
        assert [to for _, to in mailbox.envelopes] == [["admin@riverside.example"]]

        bodies = [*staff_pages(), *(m.get_content() for m in mailbox.messages)]
        for body in bodies:
            assert f"https://tether.riverside.example/escalations/{number}" in body
        for body in [*bodies, *(str(m["Subject"]) for m in mailbox.messages)]:
            for secret in [*ward.protected(), OVERPASS, "overpass", "goodbye"]:
                assert secret.casefold() not in body.casefold(), (secret, body)

        reply = tether.handle(InboundMessage(
            channel="simulator", address=oncall, text=f"ack {number}",
            received_at=clock.now(), provider_id="e2e-2"))
        assert reply.replies == [f"Alert #{number} acknowledged."]
        deliver()
        clock.advance(timedelta(hours=1))
        tether.fire_due_events()
        deliver()
        assert len(staff_pages()) == 2
        assert len(mailbox.messages) == 1
        assert ward.escalations()[0].status == "acknowledged"
        asyncio.run(close_channels(tether))
        tether.engine.dispose()
