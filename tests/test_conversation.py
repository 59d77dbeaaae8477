"""Handling an inbound message: dedupe, compliance keywords, risk before the
flow, answers, intents, and texts that carry no protected detail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from bot.services import Services, build_services
from bot.store.models import AuditEvent, Escalation, FlowRun, Message, Result
from tests.conversation_helpers import DIAGNOSIS, MEDICATIONS, PROGRAM, Phone, make_phone


@pytest.fixture(scope="module")
def services() -> Services:
    return build_services()


@pytest.fixture
def phone(engine: Engine, services: Services) -> Phone:
    return make_phone(engine, services)


def count(phone: Phone, model: type, *where: object) -> int:
    with phone.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_provider_retry_is_handled_once(phone: Phone) -> None:
    """The same provider message id twice stores one message and answers once."""
    first = phone.send("hello", provider_id="SM123")
    again = phone.send("hello", provider_id="SM123")
    assert not first.duplicate
    assert again.duplicate
    assert count(phone, Message, Message.direction == "in") == 1
    assert len(phone.received()) == 1


def test_stop_opts_out_with_one_confirmation_then_silence(phone: Phone) -> None:
    """STOP gets one confirmation; nothing after it, not even to a second STOP."""
    phone.start("phq9")
    before = len(phone.received())
    phone.send("STOP")
    phone.send("stop")
    phone.send("2")
    phone.advance(timedelta(hours=6))
    after = phone.received()[before:]
    assert len(after) == 1
    assert "START" in after[0]
    assert count(phone, AuditEvent, AuditEvent.action == "client.opted_out") == 1


def test_a_question_queued_before_stop_is_not_sent_after_it(phone: Phone) -> None:
    """An outbox row still pending when STOP arrives is cancelled, not sent."""
    from bot.channels.base import InboundMessage
    from bot.conversation import handle_inbound

    phone.start("phq9")
    before = len(phone.received())
    handle_inbound(phone.sessions, phone.services, InboundMessage(
        channel="simulator", address=phone.address, text="1", received_at=phone.clock.now(),
        provider_id="q"))
    phone.send("STOP")  # delivers after STOP is recorded
    delivered = phone.received()[before:]
    assert len(delivered) == 1
    assert "START" in delivered[0]


def test_start_opts_back_in_and_yes_only_while_opted_out(phone: Phone) -> None:
    """START (or YES while opted out) resubscribes; the audit log records it."""
    phone.send("STOP")
    outcome = phone.send("yes")
    assert outcome.keyword == "opt_in"
    assert "subscribed" in phone.received()[-1]
    assert phone.send("yes").keyword is None
    assert count(phone, AuditEvent, AuditEvent.action == "client.opted_in") == 1


def test_help_names_the_program_rates_and_how_to_stop(phone: Phone) -> None:
    """HELP answers with the clinic's name, contact, frequency, rates and STOP."""
    phone.send("HELP")
    reply = phone.received()[-1]
    for part in ("Riverside Health", "(555) 010-0100", "msgs/day", "Msg&data rates may apply",
                 "STOP"):
        assert part in reply


def test_a_plain_request_to_stop_is_a_revocation(phone: Phone) -> None:
    """'please stop texting me' opts out like STOP does."""
    outcome = phone.send("please stop texting me")
    assert outcome.intent == "stop_request"
    phone.start("adherence")
    assert "START" in phone.received()[-1]
    assert count(phone, AuditEvent, AuditEvent.action == "client.opted_out") == 1


def test_risk_in_an_answer_gets_a_crisis_reply_and_pauses_the_flow(phone: Phone) -> None:
    """'2 — and honestly I want to end it' escalates, replies with 988, asks nothing more."""
    phone.start("phq9")
    before = len(phone.received())
    outcome = phone.send("2 — and honestly I want to end it all")
    replies = phone.received()[before:]
    assert outcome.risk is not None
    assert outcome.risk.level.label in {"high", "imminent"}
    assert len(replies) == 1
    assert "988" in replies[0]
    assert "(555) 010-0199" in replies[0]
    with phone.sessions() as session:
        run = session.scalars(select(FlowRun)).one()
        assert run.status == "paused"
        escalation = session.scalars(select(Escalation)).one()
        assert escalation.level in {"high", "imminent"}


def test_a_crisis_reply_reaches_a_client_who_opted_out(phone: Phone) -> None:
    """After STOP, a risk message still gets the crisis reply, and nothing else does."""
    phone.send("STOP")
    before = len(phone.received())
    phone.send("i took all my pills")
    phone.send("hello?")
    replies = phone.received()[before:]
    assert len(replies) == 1
    assert "988" in replies[0]


def test_repeated_risk_attaches_to_the_open_escalation(phone: Phone) -> None:
    """A second risk message at the same level adds to the open escalation."""
    phone.send("i want to kill myself")
    phone.send("i really want to kill myself")
    assert count(phone, Escalation) == 1


# --- while a crisis is open ---------------------------------------------------------


def escalations(phone: Phone) -> list[Escalation]:
    with phone.sessions() as session:
        return list(session.scalars(select(Escalation).order_by(Escalation.id)).all())


def resolve_all(phone: Phone) -> None:
    from bot import staff
    from bot.store.models import User

    with phone.sessions.begin() as session:
        user = session.scalars(select(User)).first()
        assert user is not None
        for escalation in session.scalars(select(Escalation)).all():
            staff.resolve(session, user, escalation.id, "reached_safe", phone.clock.now())


HOLDING = "I'm still here"


def test_in_an_open_crisis_replies_go_to_the_care_team_not_to_canned_answers(
    phone: Phone
) -> None:
    """After a crisis reply, "no" is not cancelling an appointment, "ok" is not small
    talk and "nobody can help me" is not a HELP request: each is kept on the escalation,
    and the client hears, once, that someone is coming and where help is."""
    phone.send("i want to kill myself tonight")
    before = len(phone.received())
    outcomes = [phone.send(text) for text in ("no", "ok", "leave me alone")]
    replies = phone.received()[before:]
    assert len(replies) == 1
    assert HOLDING in replies[0]
    assert "988" in replies[0]
    assert "(555) 010-0199" in replies[0]
    assert all(outcome.intent is None for outcome in outcomes)
    [escalation] = escalations(phone)
    assert all(outcome.escalation_id == escalation.id for outcome in outcomes)
    noted = [entry for entry in escalation.evidence if entry.get("level") == "none"]
    assert len(noted) == 3
    assert count(phone, Escalation, Escalation.category == "appointment") == 0
    # Half an hour later the reminder may go out again.
    phone.clock.advance(timedelta(minutes=31))
    phone.send("still here")
    assert HOLDING in phone.received()[-1]


def test_in_an_open_crisis_a_questionnaire_does_not_resume(phone: Phone) -> None:
    phone.start("phq9")
    phone.send("2 — and honestly I want to end it all")
    before = len(phone.received())
    phone.send("ok")
    phone.send("1")
    replies = phone.received()[before:]
    assert len(replies) == 1
    assert HOLDING in replies[0]
    with phone.sessions() as session:
        assert session.scalars(select(FlowRun)).one().status == "paused"


def test_in_an_open_crisis_a_bare_report_of_the_act_is_raised_and_paged(
    phone: Phone
) -> None:
    """"i took them all" means nothing alarming from anyone else; from a client whose
    crisis is open it is an overdose: the level rises, the crisis reply goes out again
    and the on-call clinician is paged again."""
    from bot.store.models import Page

    phone.send("i want to kill myself")
    [escalation] = escalations(phone)
    assert escalation.level == "high"
    pages_before = count(phone, Page)
    outcome = phone.send("i took them all")
    assert outcome.risk is not None
    assert outcome.risk.level.label == "imminent"
    assert outcome.risk.category == "overdose"
    [escalation] = escalations(phone)
    assert escalation.level == "imminent"
    assert "988" in phone.received()[-1]
    assert count(phone, Page) > pages_before


def test_the_same_bare_words_from_a_client_not_in_crisis_are_ordinary(phone: Phone) -> None:
    outcome = phone.send("i took them all")
    assert outcome.risk is not None
    assert outcome.risk.level.label == "none"
    assert escalations(phone) == []


def test_once_the_crisis_is_resolved_replies_are_handled_as_usual(phone: Phone) -> None:
    phone.start("phq9")
    phone.send("2 — and honestly I want to end it all")
    resolve_all(phone)
    before = len(phone.received())
    phone.send("ok")  # the paused questionnaire asks its question again
    [question] = phone.received()[before:]
    assert HOLDING not in question
    assert "Several days" in question or "0" in question
    with phone.sessions() as session:
        assert session.scalars(select(FlowRun)).one().status == "active"
    outcome = phone.send("i took them all")
    assert outcome.risk is not None
    assert outcome.risk.level.label == "none"


def test_a_crisis_left_unresolved_a_day_holds_replies_no_longer(phone: Phone) -> None:
    """A care team that forgot to resolve it does not leave the client unable to
    confirm an appointment for good."""
    phone.send("i want to kill myself tonight")
    phone.clock.advance(timedelta(hours=25))
    outcome = phone.send("hi")
    assert outcome.intent is not None
    assert HOLDING not in phone.received()[-1]


def test_the_holding_reply_is_in_the_clients_language(engine: Engine, services: Services) -> None:
    phone = make_phone(engine, services, language="es")
    phone.send("me quiero matar esta noche")
    phone.send("ok")
    assert "Sigo aquí" in phone.received()[-1]
    assert "988" in phone.received()[-1]


def test_an_unknown_sender_is_told_how_to_join(phone: Phone) -> None:
    """A stranger's text is stored and answered with how to get set up."""
    from bot.channels.base import InboundMessage
    from bot.conversation import handle_inbound

    outcome = handle_inbound(phone.sessions, phone.services, InboundMessage(
        channel="simulator", address="stranger", text="hi who is this",
        received_at=phone.clock.now(), provider_id="x1"))
    phone.deliver()
    assert "ask your clinic" in outcome.replies[0]
    assert count(phone, Message, Message.address == "stranger", Message.direction == "in") == 1


def test_an_unknown_senders_risk_message_still_gets_help(phone: Phone) -> None:
    """A stranger who writes of suicide gets the crisis reply and the care team is told."""
    from bot.channels.base import InboundMessage
    from bot.conversation import handle_inbound

    outcome = handle_inbound(phone.sessions, phone.services, InboundMessage(
        channel="simulator", address="stranger", text="i want to kill myself tonight",
        received_at=phone.clock.now(), provider_id="x2"))
    assert "988" in outcome.replies[0]
    assert count(phone, Escalation, Escalation.client_id.is_(None)) == 1


def test_a_whole_phq9_is_scored_and_stored(phone: Phone) -> None:
    """Nine answers and the difficulty item store a scored PHQ-9 result."""
    phone.start("phq9")
    for answer in ["1", "2", "1", "2", "1", "2", "1", "1", "0", "1"]:
        phone.send(answer)
    with phone.sessions() as session:
        result = session.scalars(select(Result).where(Result.instrument == "phq9")).one()
    assert result.status == "complete"
    assert result.total == 11
    assert result.values["phq9.severity"] == "moderate"
    assert result.loinc


def test_one_conversation_at_a_time(phone: Phone) -> None:
    """A second flow does not start while one is running."""
    assert phone.start("phq9")
    assert not phone.start("gad7")


FORBIDDEN = re.compile(
    r"phq|gad|audit|c-ssrs|columbia|score|total|severity|depression|depresi[oó]n|"
    r"anxiety disorder|opioid|buprenorphine|naloxone|sertraline|suboxone|methadone|"
    r"addiction|substance|rehab|diagnos|disorder|treatment program",
    re.IGNORECASE,
)


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_text_carries_a_diagnosis_score_medication_or_program(
    engine: Engine, services: Services, language: str
) -> None:
    """Every text produced across flows, keywords and risk replies is free of PHI."""
    phone = make_phone(engine, services, language=language)
    for flow_id in ["phq9", "gad7", "auditc", "adherence", "craving", "cssrs", "phq2", "gad2"]:
        phone.start(flow_id)
        for answer in ["3", "yes", "3", "no", "2", "3", "1", "3", "3", "2", "8", "yes", "no"]:
            phone.send(answer)
        phone.advance(timedelta(days=2))
    phone.send("HELP")
    phone.send("i want to die")
    phone.send("STOP")
    phone.send("START")
    bodies = [message.body for message in phone.stored_out()]
    assert len(bodies) > 40
    for body in bodies:
        assert not FORBIDDEN.search(body), body
        for secret in (DIAGNOSIS, MEDICATIONS, PROGRAM):
            for word in secret.replace(";", " ").split():
                if len(word) > 5 and word not in "Riverside Health":
                    assert word.lower() not in body.lower(), (word, body)


@pytest.mark.parametrize("answer", ["just took it", "took all my meds today",
                                    "yes, took all of them this morning"])
def test_the_daily_medication_answer_is_not_read_as_an_overdose(
    phone: Phone, answer: str
) -> None:
    """"did you take your medication today?" is most often answered in words like
    these: they are a dose taken, not an overdose, so no crisis reply goes out and
    nobody is paged."""
    phone.start("adherence")
    before = len(phone.received())
    outcome = phone.send(answer)
    assert outcome.risk is not None
    assert outcome.risk.level.label == "none"
    assert count(phone, Escalation) == 0
    assert not any("988" in reply for reply in phone.received()[before:])
