"""End to end through uvicorn on loopback: Twilio and Telegram webhooks in,
replies out through the real client libraries to the fake providers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.channels.invites import create_invite
from bot.runs import start_flow_for_client
from bot.store.models import ContactPoint, Escalation, Message, Page, Result
from tests.channels.live import Live, serve, wait_until
from tests.channels.process import inbound_form, twilio_signature
from tests.channels.world import CLIENT_PHONE
from tests.escalation.test_model_cache import held_until

pytestmark = pytest.mark.slow

CHAT = 31337


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Live]:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    with serve(tmp_path) as app:
        yield app


def inbound(live: Live) -> list[Message]:
    with live.tether.sessions() as session:
        return list(session.scalars(select(Message).where(Message.direction == "in")).all())


def start_flow(live: Live, flow_id: str) -> None:
    # The scheduler would do this inside the app. From the test thread it races the
    # sender for SQLite's one write lock, and a deferred transaction that loses
    # fails at once ("database is locked") instead of waiting; try again then.
    for attempt in range(3):
        try:
            assert start_flow_for_client(live.tether.sessions, live.tether.services,
                                         live.world.client_id, flow_id, datetime.now(UTC))
            return
        except OperationalError:
            if attempt == 2:
                raise
            time.sleep(0.2)


def settle() -> None:
    """Give the sender time to send anything it wrongly would."""
    time.sleep(1.5)


def test_a_text_in_gets_a_reply_and_its_delivery_is_recorded(live: Live) -> None:
    """Signed SMS in → 200 empty TwiML → reply at Twilio → status callback → delivered."""
    response = live.sms_in(CLIENT_PHONE, "hello")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    wait_until(lambda: live.twilio.bodies(CLIENT_PHONE))
    sid = live.twilio.sent[0].sid

    def stored() -> Message | None:
        with live.tether.sessions() as session:
            return session.scalars(select(Message).where(Message.provider_id == sid)).first()

    wait_until(stored)
    assert live.twilio.report_status(sid, "delivered").status_code == 204
    assert live.twilio.report_status(sid, "sent").status_code == 204  # late and out of order
    message = stored()
    assert message is not None
    assert message.status == "delivered"
    assert message.delivered_at is not None
    live.assert_nothing_protected_was_sent()


def test_a_bad_signature_is_refused_and_nothing_stored(live: Live) -> None:
    """A forged or unsigned webhook gets 403 and leaves no trace."""
    assert live.sms_in(CLIENT_PHONE, "hello", signature="forged").status_code == 403
    assert live.sms_in(CLIENT_PHONE, "hello", signature="").status_code == 403
    status_url = live.url + "/webhooks/twilio/status"
    forged = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    assert live.twilio.post_signed(status_url, forged, signature="forged").status_code == 403
    assert inbound(live) == []
    settle()
    assert live.twilio.sent == []


def test_a_repeated_message_sid_is_handled_once(live: Live) -> None:
    """Twilio retrying a webhook gets 200 both times and one reply."""
    assert live.sms_in(CLIENT_PHONE, "hello", sid="SMrepeat").status_code == 200
    assert live.sms_in(CLIENT_PHONE, "hello", sid="SMrepeat").status_code == 200
    wait_until(lambda: live.twilio.bodies(CLIENT_PHONE))
    settle()
    assert len(inbound(live)) == 1
    assert len(live.twilio.bodies(CLIENT_PHONE)) == 1


def test_a_malformed_form_is_refused_clearly(live: Live) -> None:
    """A signed request without From/Body/MessageSid gets 400 naming what is missing."""
    url = live.url + "/webhooks/twilio/sms"
    response = live.twilio.post_signed(url, {"From": CLIENT_PHONE, "MessageSid": "SM1"})
    assert response.status_code == 400
    assert "Body" in response.text
    assert inbound(live) == []


def test_stop_over_sms_confirms_once_then_silence(live: Live) -> None:
    """During a check-in, STOP gets one confirmation; an answer after it gets nothing."""
    start_flow(live, "phq9")
    wait_until(lambda: live.twilio.bodies(CLIENT_PHONE))
    settle()
    before = len(live.twilio.bodies(CLIENT_PHONE))
    live.sms_in(CLIENT_PHONE, "STOP")
    wait_until(lambda: len(live.twilio.bodies(CLIENT_PHONE)) > before)
    live.sms_in(CLIENT_PHONE, "2")
    live.sms_in(CLIENT_PHONE, "hello?")
    settle()
    after = live.twilio.bodies(CLIENT_PHONE)[before:]
    assert len(after) == 1
    assert "START" in after[0]
    live.assert_nothing_protected_was_sent()


def test_a_crisis_text_over_sms_gets_the_crisis_reply(live: Live) -> None:
    """A risk message is answered with 988 and the clinic's line, carrying no PHI."""
    live.sms_in(CLIENT_PHONE, "I want to end it all tonight")
    wait_until(lambda: any("988" in body for body in live.twilio.bodies(CLIENT_PHONE)))
    live.assert_nothing_protected_was_sent()


# Words the lexicon alone lets through and the learned backstop raises to high.
BACKSTOP_ONLY_CRISIS = "ive been practicing how i would do it when everyone is asleep"


def test_a_text_sent_while_the_risk_model_loads_is_held_then_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app listens while its risk model loads, so a text sent during a restart
    is not refused. One only the learned backstop reads as a crisis waits, not yet
    stored and holding no lock, and gets the crisis reply once the model is ready.
    /readyz says 503 until then."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    gate = threading.Event()
    detector = held_until(gate)
    with serve(tmp_path, risk=detector) as live:
        try:
            assert httpx.get(live.url + "/healthz").json()["risk_model"] == "loading"
            assert httpx.get(live.url + "/readyz").status_code == 503
            answers: list[httpx.Response] = []
            sender = threading.Thread(target=lambda: answers.append(
                live.sms_in(CLIENT_PHONE, BACKSTOP_ONLY_CRISIS)))
            sender.start()
            sender.join(1.0)
            assert answers == []  # held, not refused
            assert inbound(live) == []  # before its transaction
            assert live.twilio.bodies(CLIENT_PHONE) == []
        finally:
            gate.set()
        sender.join(300)
        assert [answer.status_code for answer in answers] == [200]
        assert [m.body for m in inbound(live)] == [BACKSTOP_ONLY_CRISIS]
        wait_until(lambda: any("988" in body for body in live.twilio.bodies(CLIENT_PHONE)))
        assert httpx.get(live.url + "/readyz").json() == {"ready": True, "risk_model": "ready"}
        live.assert_nothing_protected_was_sent()


def test_a_crisis_the_lexicon_reads_is_answered_at_once_while_the_model_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The backstop never lowers a high or imminent reading, so a text the lexicon
    alone reads as a crisis does not wait for the model: the crisis reply goes at
    once and the care team is paged, while an ordinary text sent after it still
    waits."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    gate = threading.Event()
    detector = held_until(gate)
    with serve(tmp_path, risk=detector) as live:
        try:
            assert live.sms_in(CLIENT_PHONE, "I want to end it all tonight").status_code == 200
            wait_until(lambda: any("988" in body for body in live.twilio.bodies(CLIENT_PHONE)))
            assert detector.state == detector.LOADING
            with live.tether.sessions() as session:
                escalation = session.scalars(select(Escalation)).one()
            assert escalation.level == "imminent"
            assert live.count(Page, Page.escalation_id == escalation.id) >= 1
            answers: list[httpx.Response] = []
            sender = threading.Thread(target=lambda: answers.append(
                live.sms_in(CLIENT_PHONE, "can we talk tomorrow instead")))
            sender.start()
            sender.join(1.0)
            assert answers == []  # not a crisis to the lexicon: it waits for the model
        finally:
            gate.set()
        sender.join(300)
        assert [answer.status_code for answer in answers] == [200]
        live.assert_nothing_protected_was_sent()


def test_a_held_text_is_handled_even_if_twilio_stops_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio waits 15 seconds for a webhook's answer. A text held longer than its
    sender waits is still stored and answered once the risk model is ready."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    gate = threading.Event()
    detector = held_until(gate)
    with serve(tmp_path, risk=detector) as live:
        target = live.url + "/webhooks/twilio/sms"
        form = inbound_form(CLIENT_PHONE, BACKSTOP_ONLY_CRISIS)
        try:
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(target, data=form, timeout=0.5,
                           headers={"X-Twilio-Signature": twilio_signature(target, form)})
        finally:
            gate.set()
        wait_until(lambda: any("988" in body for body in live.twilio.bodies(CLIENT_PHONE)),
                   300)
        assert [m.body for m in inbound(live)] == [BACKSTOP_ONLY_CRISIS]


def bind_telegram(live: Live) -> None:
    with live.tether.sessions.begin() as session:
        code = create_invite(session, client_id=live.world.client_id,
                             now=datetime.now(UTC)).code
    assert live.telegram_in(CHAT, f"/start {code}").status_code == 200
    wait_until(lambda: live.telegram.texts(str(CHAT)))


def test_an_invite_binds_and_a_phq9_runs_over_telegram(live: Live) -> None:
    """/start <invite> binds the chat; a whole PHQ-9 then runs there and is scored."""
    bind_telegram(live)
    assert "connected" in live.telegram.texts(str(CHAT))[0]
    start_flow(live, "phq9")
    wait_until(lambda: len(live.telegram.texts(str(CHAT))) > 1)
    for answer in ["1", "2", "1", "2", "1", "2", "1", "1", "0", "1"]:
        settle_count = len(live.telegram.texts(str(CHAT)))
        assert live.telegram_in(CHAT, answer).status_code == 200
        wait_until(lambda n=settle_count: len(live.telegram.texts(str(CHAT))) > n)
    with live.tether.sessions() as session:
        result = session.scalars(select(Result).where(Result.instrument == "phq9")).one()
    assert result.status == "complete"
    assert result.total == 11
    live.assert_nothing_protected_was_sent()


def test_an_unknown_chat_is_told_to_ask_the_clinic(live: Live) -> None:
    """A chat nobody bound gets the 'ask your clinic' reply and is not bound."""
    assert live.telegram_in(4040, "hi").status_code == 200
    wait_until(lambda: live.telegram.texts("4040"))
    assert "ask your clinic" in live.telegram.texts("4040")[0]
    assert live.count(ContactPoint, ContactPoint.channel == "telegram") == 0


def test_a_blocked_bot_marks_the_contact_blocked(live: Live) -> None:
    """When the client blocks the bot, the contact is marked blocked."""
    bind_telegram(live)
    live.telegram.block_by(str(CHAT))
    live.telegram_in(CHAT, "hello")

    def blocked() -> bool:
        with live.tether.sessions() as session:
            contact = session.scalars(select(ContactPoint).where(
                ContactPoint.channel == "telegram")).one()
            return contact.blocked

    wait_until(blocked)


def test_a_wrong_telegram_secret_is_refused(live: Live) -> None:
    """An update without the webhook secret gets 403 and is not stored."""
    assert live.telegram_in(CHAT, "hello", secret="wrong").status_code == 403
    assert live.telegram_in(CHAT, "hello", secret=None).status_code == 403
    assert inbound(live) == []
