"""The one place an inbound message is handled.

`handle_inbound` runs in one transaction, in the order DESIGN.md gives:

1. store the message; a provider id seen before ends here (provider retry);
2. compliance keywords (STOP and friends, START, HELP), whatever flow runs;
3. risk assessment of the text, in any state, also when it is an answer;
   while a crisis escalation is open, the text goes to it and nothing below runs;
4. the live flow run, if any, gets the text as an answer;
5. otherwise the intent of the message;
6. effects go to the outbox and the timed-event table; the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, sessionmaker

from bot.audit import record_audit
from bot.channels.base import InboundMessage
from bot.escalation.ack import handle_staff_message, staff_for_address
from bot.escalation.paging import page_if_raised
from bot.escalation.service import note_follow_up, open_crisis, raise_escalation
from bot.escalation.types import RiskAssessment, RiskLevel
from bot.flows.effects import Abandon, Answer
from bot.keywords import match_keyword
from bot.outbox import PRIORITY_REPLY, PRIORITY_URGENT, queue_message
from bot.runs import Turn, advance_run, live_run
from bot.services import Services
from bot.store.base import table_of
from bot.store.models import Client, Clinic, ContactPoint, Escalation, FlowRun, Message, User
from bot.texts import render

# A plain-language revocation opts out only when the interpreter is this sure.
STOP_REQUEST_CONFIDENCE = 0.45
# While a crisis is open, texts from the client are answered with the short
# reminder that help is coming at most this often; the rest are only recorded.
HOLD_REPLY_INTERVAL = timedelta(minutes=30)

# Built once: they run for every inbound message, and building a statement
# costs more than executing it.
_SEEN = select(Message.id).where(
    Message.channel == bindparam("channel"),
    Message.direction == "in",
    Message.provider_id == bindparam("provider_id"),
)
# The inbound message, stored first thing.
_STORE = insert(table_of(Message)).returning(table_of(Message).c.id)
# The sender's contact point with its client, clinic and live flow run, in one
# round trip.
_SENDER = (
    select(ContactPoint, Client, Clinic, FlowRun)
    # Columns a reply never reads stay in the database; the rare path that needs one
    # (the console's details, a page's policy) loads it when it is first read.
    .options(defer(Client.last_name), defer(Client.sex), defer(Client.external_id),
             defer(Client.diagnosis), defer(Client.medications), defer(Client.consent_at),
             defer(Client.navigator_id), defer(Client.opted_out_at),
             defer(Clinic.escalation_policy))
    .outerjoin(Client, Client.id == ContactPoint.client_id)
    .outerjoin(Clinic, Clinic.id == Client.clinic_id)
    .outerjoin(FlowRun, FlowRun.active_client_id == Client.id)
    .where(ContactPoint.channel == bindparam("channel"),
           ContactPoint.address == bindparam("address"))
)


@dataclass
class Outcome:
    """What handling one message did, for webhooks, the simulator and tests."""

    message_id: int | None
    duplicate: bool = False
    keyword: str | None = None
    risk: RiskAssessment | None = None
    escalation_id: int | None = None
    intent: str | None = None
    replies: list[str] = field(default_factory=list)


def handle_inbound(
    session_factory: sessionmaker[Session], services: Services, inbound: InboundMessage
) -> Outcome:
    """Handle `inbound` in one transaction; a provider retry is a no-op.

    A retry is caught by the messages' unique provider id when the message is
    stored, first thing: no lookup before it for the many that are not retries."""
    with session_factory() as session:
        try:
            outcome = _handle(session, services, inbound)
            session.commit()
        except IntegrityError:
            # Stored before (a provider retry), or a concurrent delivery won the race.
            session.rollback()
            if inbound.provider_id is not None and _seen(session, inbound):
                return Outcome(message_id=None, duplicate=True)
            raise
        return outcome


def _seen(session: Session, inbound: InboundMessage) -> bool:
    found = session.scalar(_SEEN, {"channel": inbound.channel,
                                   "provider_id": inbound.provider_id})
    return found is not None


def _handle(session: Session, services: Services, inbound: InboundMessage) -> Outcome:
    now = inbound.received_at
    sender = session.execute(_SENDER, {"channel": inbound.channel,
                                       "address": inbound.address}).first()
    contact, client, known_clinic, run = (
        sender if sender is not None else (None, None, None, None))
    clinic = known_clinic if known_clinic is not None else _clinic_for(session, client)
    # One INSERT, not the unit of work: it runs for every message, and nothing
    # later in the transaction needs the row as an object.
    message_id = session.connection().execute(_STORE, {
        "clinic_id": clinic.id,
        "client_id": client.id if client else None,
        "contact_point_id": contact.id if contact else None,
        "channel": inbound.channel,
        "address": inbound.address,
        "direction": "in",
        "body": inbound.text,
        "provider_id": inbound.provider_id,
        "status": "received",
        "created_at": now,
    }).scalar_one()
    outcome = Outcome(message_id=message_id)
    if client is None or contact is None:
        # Paging: a staff member's address (ACK 12) is not a stranger's.
        staff = staff_for_address(session, inbound.channel, inbound.address)
        if staff is not None:
            _handle_staff(session, staff, inbound, message_id, outcome)
            return outcome
        _handle_unknown_sender(session, services, clinic, inbound, message_id, outcome)
        return outcome

    turn = Turn(session, services, clinic, client, contact, now,
                priority=PRIORITY_REPLY, source_message_id=message_id)
    lang = client.language

    # 2. compliance keywords
    keyword = match_keyword(inbound.text, opted_out=contact.opted_out)
    if keyword is not None:
        outcome.keyword = keyword
        _apply_keyword(turn, keyword)
        outcome.replies = turn.sent
        return outcome

    # 3. risk, before anything else is done with the text; from a client whose crisis
    # is open, a bare "i took them all" or "ya lo hice" is read as what it means there
    risk = services.risk.assess(inbound.text, lang)
    crisis = open_crisis(session, client.id, now)
    if crisis is not None and services.in_crisis is not None:
        in_crisis = services.in_crisis.assess(inbound.text, lang)
        if in_crisis.level > risk.level:
            risk = in_crisis
    outcome.risk = risk
    if risk.level >= RiskLevel.CONCERN and risk.category is not None:
        raised = raise_escalation(
            session,
            clinic_id=clinic.id,
            client_id=client.id,
            level=risk.level.label,
            category=risk.category,
            reason="risk detected in a message from the client",
            evidence=[
                {"rule": e.rule, "span": e.span, "level": e.level.label, "category": e.category}
                for e in risk.evidence
            ],
            source_message_id=message_id,
            now=now,
        )
        outcome.escalation_id = raised.escalation.id
        if risk.level >= RiskLevel.HIGH:
            turn.send(_crisis_reply(clinic, client), "crisis", priority=PRIORITY_URGENT)
            turn.crisis_sent = True
        elif raised.new and not contact.opted_out:
            turn.send(render("concern", lang), "concern")
        # Pages are queued after the client's reply: same priority, so the person
        # in crisis hears back first when both leave through one number.
        page_if_raised(session, raised, services.paging, now)  # new or risen level

    if contact.opted_out:
        # Opted out: nothing but the crisis reply above goes back.
        outcome.replies = turn.sent
        return outcome

    # 3b. a crisis still open: the care team has the client, so what they write now
    # ("ok", "no", "nobody can help me") goes to the escalation; no canned reply, no
    # "no" read as cancelling an appointment, and a questionnaire the crisis paused
    # waits. A run still active goes on: the questionnaire whose own answer raised the
    # crisis (PHQ-9 item 9 goes on to offer the Columbia screener), or that screener.
    if crisis is not None and not turn.crisis_sent and (run is None or run.status == "paused"):
        _while_in_crisis(turn, crisis, risk, message_id)
        outcome.escalation_id = crisis.id
        outcome.replies = turn.sent
        return outcome

    # 4. the live flow run gets the text as an answer (read with the sender; nothing
    # above starts or ends a run but STOP, which has returned)
    if run is not None:
        advance_run(turn, run, Answer(inbound.text))
        outcome.replies = turn.sent
        return outcome

    # 5. intents
    if not turn.crisis_sent:
        outcome.intent = _handle_intent(turn, inbound.text)
    outcome.replies = turn.sent
    return outcome


def _clinic_for(session: Session, client: Client | None) -> Clinic:
    if client is not None:
        clinic = session.get(Clinic, client.clinic_id)
        if clinic is not None:
            return clinic
    first = session.scalars(select(Clinic).order_by(Clinic.created_at, Clinic.id)).first()
    if first is None:
        raise LookupError("no clinic is configured; run `tether demo` or create one first")
    return first


def _while_in_crisis(turn: Turn, crisis: Escalation, risk: RiskAssessment,
                     message_id: int) -> None:
    """A text from a client whose crisis is open: kept on the escalation (a risk
    message already is), answered with a short reminder that someone is coming
    and where help is, at most once every HOLD_REPLY_INTERVAL (so the first text
    after the crisis reply hears back, and a stream of texts is not answered each)."""
    if not (risk.level >= RiskLevel.CONCERN and risk.category is not None):
        note_follow_up(crisis, message_id=message_id, now=turn.now)
    since = turn.now - HOLD_REPLY_INTERVAL
    recent = turn.session.scalar(
        select(Message.id).where(Message.client_id == turn.client.id,
                                 Message.direction == "out",
                                 Message.kind == "crisis_hold",
                                 Message.created_at >= since).limit(1))
    if recent is None:
        turn.send(render("crisis_hold", turn.client.language,
                         {"crisis_line": turn.clinic.crisis_line}),
                  "crisis_hold", priority=PRIORITY_URGENT)


def _crisis_reply(clinic: Clinic, client: Client | None, lang: str | None = None) -> str:
    """The crisis reply: acknowledges, gives 988 (with its Spanish option) and
    the clinic's line, says the care team will reach out, invites more texts."""
    lang = lang or (client.language if client is not None else "en")
    greeting = f"{client.first_name}, " if client is not None and client.first_name else ""
    text = render("crisis", lang, {"greeting": greeting, "crisis_line": clinic.crisis_line})
    return text[0].upper() + text[1:]


def _apply_keyword(turn: Turn, keyword: str) -> None:
    session, contact, client, clinic = turn.session, turn.contact, turn.client, turn.clinic
    assert contact is not None
    lang = client.language
    values = {"clinic": clinic.name, "contact_phone": clinic.contact_phone}
    if keyword == "opt_out":
        if contact.opted_out:
            return  # one confirmation, then silence
        contact.opted_out = True
        client.opted_out = True
        client.opted_out_at = turn.now
        run = live_run(session, client.id)
        if run is not None:  # no reminder, no next question: the run ends here
            advance_run(turn, run, Abandon())
        record_audit(session, clinic_id=clinic.id, actor=f"client:{client.id}",
                     action="client.opted_out", target_type="contact_point",
                     target_id=str(contact.id), detail={"channel": contact.channel}, at=turn.now)
        turn.send(render("opted_out", lang, values), "opt_out")
    elif keyword == "opt_in":
        was_out = contact.opted_out
        contact.opted_out = False
        client.opted_out = False
        client.opted_out_at = None
        if was_out:
            record_audit(session, clinic_id=clinic.id, actor=f"client:{client.id}",
                         action="client.opted_in", target_type="contact_point",
                         target_id=str(contact.id), detail={"channel": contact.channel},
                         at=turn.now)
        turn.send(render("opted_in", lang, values), "opt_in")
    else:
        turn.send(render("help", lang, values), "help")


def _handle_intent(turn: Turn, text: str) -> str:
    intent = turn.services.interpreter.classify(text, turn.client.language)
    lang = turn.client.language
    values = {"crisis_line": turn.clinic.crisis_line,
              "name_suffix": f" {turn.client.first_name}" if turn.client.first_name else ""}
    name = intent.name
    if name == "stop_request" and intent.confidence < STOP_REQUEST_CONFIDENCE:
        name = "unknown"  # silencing a client by mistake is a harm too: ask the care team
    if name == "stop_request":
        _apply_keyword(turn, "opt_out")
    elif name == "help":
        _apply_keyword(turn, "help")
    elif name == "talk_to_someone":
        raise_escalation(turn.session, clinic_id=turn.clinic.id, client_id=turn.client.id,
                         level="concern", category="callback",
                         reason="the client asked to talk to someone", now=turn.now,
                         source_message_id=turn.source_message_id)
        turn.send(render("talk_to_someone", lang, values), "reply")
    elif name == "side_effects":
        raise_escalation(turn.session, clinic_id=turn.clinic.id, client_id=turn.client.id,
                         level="concern", category="medication",
                         reason="the client reported side effects", now=turn.now,
                         source_message_id=turn.source_message_id)
        turn.send(render("side_effects", lang, values), "reply")
    elif name in {"reschedule", "cancel_appointment"}:
        raise_escalation(turn.session, clinic_id=turn.clinic.id, client_id=turn.client.id,
                         level="concern", category="appointment",
                         reason=f"the client asked to {name.replace('_', ' ')}", now=turn.now,
                         source_message_id=turn.source_message_id)
        turn.send(render("reschedule", lang, values), "reply")
    elif name in {"greeting", "small_talk"}:
        turn.send(render("greeting", lang, values), "reply")
    elif name == "thanks":
        turn.send(render("thanks", lang, values), "reply")
    else:
        turn.send(render("unknown", lang, values), "reply")
    return name


def _handle_unknown_sender(
    session: Session,
    services: Services,
    clinic: Clinic,
    inbound: InboundMessage,
    message_id: int,
    outcome: Outcome,
) -> None:
    """A sender we do not know: stored, risk-checked, told how to get set up;
    a risk message still gets the crisis reply and reaches the care team."""
    lang = "es" if _looks_spanish(inbound.text) else "en"
    risk = services.risk.assess(inbound.text, lang)
    outcome.risk = risk
    if match_keyword(inbound.text, opted_out=False) == "opt_out":
        return  # nobody to unsubscribe; say nothing
    raised = None
    if risk.level >= RiskLevel.CONCERN and risk.category is not None:
        raised = raise_escalation(
            session, clinic_id=clinic.id, client_id=None, level=risk.level.label,
            category=risk.category,
            reason=f"risk detected in a message from an unknown sender on {inbound.channel}",
            evidence=[{"rule": e.rule, "span": e.span} for e in risk.evidence],
            source_message_id=message_id, now=inbound.received_at,
        )
        outcome.escalation_id = raised.escalation.id
    if risk.level >= RiskLevel.HIGH:
        body = _crisis_reply(clinic, None, lang)
        kind, priority = "crisis", PRIORITY_URGENT
    else:
        body, kind, priority = render("unknown_sender", lang), "unknown_sender", PRIORITY_REPLY
    queue_message(session, clinic_id=clinic.id, client_id=None, contact=None,
                  channel=inbound.channel, address=inbound.address, body=body, kind=kind,
                  priority=priority, now=inbound.received_at)
    if raised is not None:  # after the reply, as for a client
        page_if_raised(session, raised, services.paging, inbound.received_at)
    outcome.replies = [body]


def _handle_staff(session: Session, staff: User, inbound: InboundMessage, message_id: int,
                  outcome: Outcome) -> None:
    """A care-team member's text (an acknowledgement): answered by the paging
    side, never risk-assessed or treated as a client's."""
    session.execute(update(Message).where(Message.id == message_id)
                    .values(clinic_id=staff.clinic_id))
    reply = handle_staff_message(session, staff, inbound.text, inbound.received_at)
    queue_message(session, clinic_id=staff.clinic_id, client_id=None, contact=None,
                  channel=inbound.channel, address=inbound.address, body=reply,
                  kind="staff_reply", priority=PRIORITY_URGENT, now=inbound.received_at)
    outcome.replies = [reply]


def _looks_spanish(text: str) -> bool:
    words = set(text.lower().split())
    return bool(words & {"hola", "quiero", "estoy", "no", "gracias", "ayuda", "morir", "que"}) and \
        not bool(words & {"the", "i", "want", "am", "is"})
