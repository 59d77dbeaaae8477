"""Binding a Telegram chat to a client with a one-time invite code.

Staff create a code (`tether invite CLIENT_ID`) and give the client a
`https://t.me/<bot>?start=<code>` link. Opening it sends `/start <code>`;
`redeem_invite` then, in one transaction, stores the inbound message (a
provider retry of the same update is a no-op), creates the chat's contact
point, marks the code used, writes an audit event and queues a welcome. A used,
expired or unknown code binds nothing and gets a polite reply. Replies name
the clinic only by its neutral display name.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.audit import record_audit
from bot.outbox import PRIORITY_REPLY, queue_message
from bot.store.models import Client, Clinic, ContactPoint, InviteCode, Message

DEFAULT_INVITE_TTL = timedelta(days=7)
CHANNEL = "telegram"

TEXTS = {
    "bound": {
        "en": "Hi {name}, you're connected to {clinic}. Your care team's check-ins will "
        "come here. Reply HELP for help, STOP to opt out.",
        "es": "Hola {name}, ya está conectado/a con {clinic}. Los mensajes de su equipo de "
        "atención llegarán aquí. Responda HELP para ayuda, STOP para cancelar.",
    },
    "invalid": {
        "en": "Sorry, this invite link has expired or was already used. Please ask your "
        "clinic for a new one. In an emergency call 911, or call or text 988.",
        "es": "Lo sentimos, este enlace de invitación venció o ya se usó. Pida uno nuevo a "
        "su clínica. En una emergencia llame al 911, o llame o envíe un texto al 988.",
    },
    "taken": {
        "en": "This chat is already connected to a clinic account. Please ask your clinic "
        "for help.",
        "es": "Este chat ya está conectado a una cuenta de la clínica. Pida ayuda a su "
        "clínica.",
    },
}


@dataclass(frozen=True)
class Redemption:
    """What a `/start <code>` did."""

    bound: bool
    client_id: int | None = None
    duplicate: bool = False
    reason: str | None = None  # "unknown", "used", "expired", "taken" when not bound


def new_code() -> str:
    """A random code in the characters a Telegram deep link allows (A-Z a-z 0-9 _ -)."""
    return secrets.token_urlsafe(18)


def create_invite(
    session: Session,
    *,
    client_id: int,
    now: datetime,
    ttl: timedelta = DEFAULT_INVITE_TTL,
    actor: str = "system",
    code: str | None = None,
) -> InviteCode:
    """A one-time invite for `client_id`, valid for `ttl`."""
    client = session.get(Client, client_id)
    if client is None:
        raise LookupError(f"no client with id {client_id}")
    invite = InviteCode(client_id=client.id, code=code or new_code(), expires_at=now + ttl,
                        created_at=now)
    session.add(invite)
    session.flush()
    record_audit(session, clinic_id=client.clinic_id, actor=actor, action="invite.created",
                 target_type="client", target_id=str(client.id),
                 detail={"channel": CHANNEL, "expires_at": invite.expires_at.isoformat()},
                 at=now)
    return invite


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={code}"


def redeem_invite(
    session_factory: sessionmaker[Session],
    *,
    chat_id: str,
    code: str,
    provider_id: str | None,
    now: datetime,
) -> Redemption:
    """Bind `chat_id` to the client the code was made for, once."""
    with session_factory.begin() as session:
        if provider_id is not None and _seen(session, provider_id):
            return Redemption(bound=False, duplicate=True)
        invite = session.scalars(select(InviteCode).where(InviteCode.code == code)).first()
        client = session.get(Client, invite.client_id) if invite is not None else None
        clinic = _clinic(session, client)
        existing = session.scalars(select(ContactPoint).where(
            ContactPoint.channel == CHANNEL, ContactPoint.address == chat_id)).first()
        inbound = Message(
            clinic_id=clinic.id, client_id=existing.client_id if existing else None,
            contact_point_id=existing.id if existing else None, channel=CHANNEL,
            address=chat_id, direction="in", body="/start (invite code)",
            provider_id=provider_id, status="received", created_at=now)
        session.add(inbound)
        session.flush()

        reason = _refusal(invite, client, existing, now)
        lang = client.language if client is not None else "en"
        if reason is not None or invite is None or client is None:
            text_key = "taken" if reason == "taken" else "invalid"
            queue_message(session, clinic_id=clinic.id, client_id=None, contact=existing,
                          channel=CHANNEL, address=chat_id, body=TEXTS[text_key][lang],
                          kind="reply", priority=PRIORITY_REPLY, now=now)
            return Redemption(bound=False, reason=reason)

        invite.used_at = now
        contact = existing
        if contact is not None:
            contact.blocked = False  # they opened the link: the bot is reachable again
        else:
            contact = ContactPoint(client_id=client.id, channel=CHANNEL, address=chat_id,
                                   created_at=now)
            session.add(contact)
            session.flush()
        inbound.client_id = client.id
        inbound.contact_point_id = contact.id
        record_audit(session, clinic_id=clinic.id, actor=f"client:{client.id}",
                     action="contact.bound", target_type="contact_point",
                     target_id=str(contact.id), detail={"channel": CHANNEL,
                                                        "invite_id": invite.id}, at=now)
        body = TEXTS["bound"][lang].format(name=client.first_name, clinic=clinic.name)
        queue_message(session, clinic_id=clinic.id, client_id=client.id, contact=contact,
                      channel=CHANNEL, address=chat_id, body=body, kind="reply",
                      priority=PRIORITY_REPLY, now=now)
        return Redemption(bound=True, client_id=client.id)


def _refusal(
    invite: InviteCode | None, client: Client | None, existing: ContactPoint | None,
    now: datetime,
) -> str | None:
    if invite is None or client is None:
        return "unknown"
    if invite.used_at is not None:
        return "used"
    if invite.expires_at <= now:
        return "expired"
    if existing is not None and existing.client_id != client.id:
        return "taken"
    return None


def _seen(session: Session, provider_id: str) -> bool:
    return session.scalar(select(Message.id).where(
        Message.channel == CHANNEL, Message.direction == "in",
        Message.provider_id == provider_id)) is not None


def _clinic(session: Session, client: Client | None) -> Clinic:
    if client is not None:
        return session.get_one(Clinic, client.clinic_id)
    clinic = session.scalars(select(Clinic).order_by(Clinic.created_at, Clinic.id)).first()
    if clinic is None:
        raise LookupError("no clinic is configured")
    return clinic
