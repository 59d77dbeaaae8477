"""Paging the care team until a human acknowledges.

A new high or imminent escalation (or one whose level rose) pages tier 1 of
the clinic's policy at once and sets a `page_resend` timed event at now + the
tier's acknowledgement timeout. When that fires and the escalation is still
open, the next tier is paged and every tier below it is paged again; the last
tier repeats every timeout until somebody acknowledges. A tier nobody in the
clinic can be reached on is skipped.

Each page is a `Page` row and an outbox row of kind "page" (priority 0, sent
whatever the quiet hours or opt-outs: pages go to staff). A page that cannot
be delivered falls through to the recipient's next channel in the tier; when
every page of the tier's newest round has failed, the ladder climbs at once.

SMS pages go out on the "sms" channel when Twilio is configured. Without it
(the demo, transcripts) a staff member with a phone is paged on the
"simulator" channel at address ``staff-<user id>``, and replies from that
address count as theirs (see `bot.escalation.ack`).

Page bodies carry only the alert's number, level, console link and how to
acknowledge: never a name, phone number, message text, score or program.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.escalation.policy import (
    DEFAULT_POLICY,
    EscalationPolicy,
    PolicyError,
    Tier,
    policy_for,
)
from bot.store.models import PRIORITY_URGENT, Clinic, Escalation, Outbox, Page, TimedEvent, User

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.escalation.service import Raised

log = logging.getLogger(__name__)

RESEND = "page_resend"
STAFF_SIMULATOR_PREFIX = "staff-"
SEVERITY = {"imminent": "critical", "high": "error", "concern": "warning"}


@dataclass(frozen=True)
class PagingOptions:
    """What paging needs from the deployment: the console's public URL (for
    the link in a page) and whether a real SMS channel exists."""

    public_url: str = "http://127.0.0.1:8000"
    sms_enabled: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> PagingOptions:
        return cls(public_url=settings.public_url.rstrip("/"),
                   sms_enabled=settings.twilio_enabled)


@dataclass(frozen=True)
class Target:
    """One place to page one recipient: a user on a channel, or the webhook."""

    user_id: int | None
    channel: str
    address: str


def staff_simulator_address(user_id: int) -> str:
    return f"{STAFF_SIMULATOR_PREFIX}{user_id}"


def console_link(public_url: str, escalation_id: int) -> str:
    return f"{public_url.rstrip('/')}/escalations/{escalation_id}"


def page_text(escalation_id: int, level: str, public_url: str) -> str:
    """The whole of a page: level, number, link, how to acknowledge."""
    return (f"Tether alert #{escalation_id} ({level}). "
            f"{console_link(public_url, escalation_id)} "
            f"Reply ACK {escalation_id} to acknowledge.")


def webhook_body(escalation_id: int, level: str, public_url: str, routing_key: str) -> str:
    """A PagerDuty Events v2 "trigger" event, as JSON."""
    link = console_link(public_url, escalation_id)
    return json.dumps({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": f"tether-escalation-{escalation_id}",
        "payload": {
            "summary": f"Tether alert #{escalation_id} ({level}): open the console to respond",
            "severity": SEVERITY.get(level, "warning"),
            "source": "tether",
            "custom_details": {"escalation": escalation_id, "level": level, "link": link},
        },
    })


# ---- the ladder -----------------------------------------------------------------------


def page_if_raised(session: Session, raised: Raised, options: PagingOptions,
                   now: datetime) -> int:
    """Hook after `raise_escalation`: a new escalation or a rise in level
    starts the ladder; risk repeated at the same level pages nobody."""
    if not raised.new:
        return 0
    return start_paging(session, raised.escalation, options, now)


def start_paging(session: Session, escalation: Escalation, options: PagingOptions,
                 now: datetime) -> int:
    """Page the first reachable tier now and set the re-send; returns pages queued."""
    policy = _policy(session, escalation)
    if not policy.pages(escalation.level):
        return 0
    cancel_resends(session, escalation.id)
    top = _climb(session, escalation, policy, -1)
    if top is None:
        log.error("escalation %s: nobody in the escalation policy can be paged", escalation.id)
        top = 0
    return _page_round(session, escalation, policy, top, options, now)


def fire_page_resend(session: Session, event: TimedEvent, options: PagingOptions,
                     now: datetime) -> None:
    """A `page_resend` event fired: climb a tier (or repeat the last) while
    the escalation is still unacknowledged."""
    payload = event.payload or {}
    escalation = session.get(Escalation, int(payload.get("escalation_id", 0)))
    event.done_at = now
    if escalation is None or escalation.status != "open":
        event.status = "cancelled"
        return
    event.status = "done"
    policy = _policy(session, escalation)
    current = int(payload.get("tier", 0))
    top = _climb(session, escalation, policy, current)
    _page_round(session, escalation, policy, current if top is None else top, options, now)


def cancel_resends(session: Session, escalation_id: int) -> int:
    """Cancel the escalation's pending re-sends; returns how many."""
    cancelled = 0
    for event in _pending_resends(session, escalation_id):
        event.status = "cancelled"
        cancelled += 1
    return cancelled


def _page_round(session: Session, escalation: Escalation, policy: EscalationPolicy, top: int,
                options: PagingOptions, now: datetime) -> int:
    """Page tiers 0..top (a new round) and set the next re-send."""
    round_number = 1 + (session.scalar(
        select(func.max(Page.attempt)).where(Page.escalation_id == escalation.id)) or 0)
    text = page_text(escalation.id, escalation.level, options.public_url)
    queued = 0
    for index in range(top + 1):
        for chain in _chains(session, escalation, policy, index, options.sms_enabled):
            body = text if chain[0].channel != "webhook" else _webhook_body(
                escalation, policy, options)
            _queue_page(session, escalation, chain[0], body, index + 1, round_number, now)
            queued += 1
    if queued == 0:
        # Visible in the console: nobody the policy names can be reached.
        session.add(Page(escalation_id=escalation.id, user_id=None, channel="none", address="",
                         tier=top + 1, attempt=round_number, status="failed",
                         error="nobody in the escalation policy can be paged", created_at=now))
    session.add(TimedEvent(
        clinic_id=escalation.clinic_id, client_id=escalation.client_id, kind=RESEND,
        due_at=now + policy.timeout(top, escalation.level),
        payload={"escalation_id": escalation.id, "tier": top, "level": escalation.level},
        status="pending", created_at=now,
    ))
    session.flush()
    return queued


def _climb(session: Session, escalation: Escalation, policy: EscalationPolicy,
           current: int) -> int | None:
    """The next tier above `current` that somebody can be paged on, if any."""
    for index in range(current + 1, len(policy.tiers)):
        if _chains(session, escalation, policy, index, sms_enabled=True):
            return index
    return None


def _queue_page(session: Session, escalation: Escalation, target: Target, body: str,
                tier: int, round_number: int, now: datetime) -> Page:
    page = Page(escalation_id=escalation.id, user_id=target.user_id, channel=target.channel,
                address=target.address, tier=tier, attempt=round_number, status="queued",
                created_at=now)
    session.add(page)
    session.flush()
    session.add(Outbox(kind="page", channel=target.channel, address=target.address, body=body,
                       page_id=page.id, priority=PRIORITY_URGENT,
                       idempotency_key=f"page-{page.id}", status="pending", attempts=0,
                       next_attempt_at=now, created_at=now))
    return page


# ---- who and where ----------------------------------------------------------------------


def _policy(session: Session, escalation: Escalation) -> EscalationPolicy:
    clinic = session.get(Clinic, escalation.clinic_id)
    if clinic is None:
        return DEFAULT_POLICY
    try:
        return policy_for(clinic)
    except PolicyError:
        # Validated at start; a policy broken since must not leave a crisis unpaged.
        log.exception("falling back to the default escalation policy")
        return DEFAULT_POLICY


def _webhook_body(escalation: Escalation, policy: EscalationPolicy,
                  options: PagingOptions) -> str:
    assert policy.webhook is not None  # the policy model refuses webhook without a target
    return webhook_body(escalation.id, escalation.level, options.public_url,
                        policy.webhook.routing_key)


def tier_users(session: Session, clinic_id: str, tier: Tier) -> list[User]:
    """Active users of the clinic the tier names, each once, by id."""
    users = session.scalars(select(User).where(
        User.clinic_id == clinic_id, User.active.is_(True)).order_by(User.id)).all()
    chosen: list[User] = []
    for user in users:
        for recipient in tier.recipients:
            if (recipient == user.id or recipient == f"user:{user.id}"
                    or (recipient == "on_call" and user.on_call)
                    or recipient == f"role:{user.role}"):
                chosen.append(user)
                break
    return chosen


def user_targets(user: User, channels: Collection[str], sms_enabled: bool) -> list[Target]:
    """Where `user` can be paged, in the tier's channel order."""
    targets: list[Target] = []
    for channel in channels:
        if channel == "sms" and user.phone:
            targets.append(Target(user.id, "sms", user.phone) if sms_enabled
                           else Target(user.id, "simulator", staff_simulator_address(user.id)))
        elif channel == "telegram" and user.telegram_chat_id:
            targets.append(Target(user.id, "telegram", user.telegram_chat_id))
        elif channel == "email" and user.email:
            targets.append(Target(user.id, "email", user.email))
    return targets


def _chains(session: Session, escalation: Escalation, policy: EscalationPolicy, index: int,
            sms_enabled: bool) -> list[list[Target]]:
    """For each recipient of tier `index`, the targets to try in order."""
    tier = policy.tiers[index]
    chains = [chain for user in tier_users(session, escalation.clinic_id, tier)
              if (chain := user_targets(user, tier.channels, sms_enabled))]
    if "webhook" in tier.channels and policy.webhook is not None:
        chains.append([Target(None, "webhook", policy.webhook.url)])
    return chains


# ---- delivery outcomes (called by the outbox sender) -------------------------------------


def record_page_sent(session: Session, page_id: int, now: datetime) -> None:
    page = session.get(Page, page_id)
    if page is not None:
        page.status = "sent"
        page.sent_at = now
        page.error = None


def record_page_failed(session: Session, page_id: int, body: str, error: str, now: datetime,
                       available: Collection[str]) -> Page | None:
    """Mark the page failed; page the recipient's next channel in the tier, or,
    when the tier's whole round failed, climb the ladder at once. Returns the
    fall-through page, if one was queued."""
    page = session.get(Page, page_id)
    if page is None:
        return None
    page.status = "failed"
    page.error = error
    escalation = session.get(Escalation, page.escalation_id)
    if escalation is None or escalation.status != "open":
        return None
    policy = _policy(session, escalation)
    index = min(page.tier, len(policy.tiers)) - 1
    if page.user_id is not None:
        user = session.get(User, page.user_id)
        if user is not None:
            following = _after(page, user_targets(user, policy.tiers[index].channels,
                                                  "sms" in available))
            if following is not None:
                return _queue_page(session, escalation, following, body, page.tier,
                                   page.attempt, now)
    session.flush()
    if _round_failed(session, page):
        _climb_now(session, escalation, policy, index, now)
    return None


def _after(page: Page, targets: list[Target]) -> Target | None:
    slots = ["sms" if target.channel == "simulator" else target.channel for target in targets]
    slot = "sms" if page.channel == "simulator" else page.channel
    if slot not in slots:
        return None
    position = slots.index(slot) + 1
    return targets[position] if position < len(targets) else None


def _round_failed(session: Session, page: Page) -> bool:
    statuses = session.scalars(select(Page.status).where(
        Page.escalation_id == page.escalation_id, Page.tier == page.tier,
        Page.attempt == page.attempt)).all()
    return all(status == "failed" for status in statuses)


def _climb_now(session: Session, escalation: Escalation, policy: EscalationPolicy,
               index: int, now: datetime) -> None:
    """Every page of the ladder's top tier failed: fire the re-send now, when
    there is a higher tier to reach (never a loop on the last one)."""
    for event in _pending_resends(session, escalation.id):
        top = int((event.payload or {}).get("tier", 0))
        if top == index and _climb(session, escalation, policy, top) is not None:
            event.due_at = now


def _pending_resends(session: Session, escalation_id: int) -> list[TimedEvent]:
    events = session.scalars(select(TimedEvent).where(
        TimedEvent.kind == RESEND, TimedEvent.status == "pending")).all()
    return [event for event in events
            if int((event.payload or {}).get("escalation_id", 0)) == escalation_id]


def pages_of(session: Session, escalation_id: int) -> list[Page]:
    """The escalation's pages, oldest first (for the console and tests)."""
    return list(session.scalars(select(Page).where(Page.escalation_id == escalation_id)
                                .order_by(Page.id)).all())

