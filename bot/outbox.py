"""The transactional outbox: messages and pages are written here inside the
transaction that decided to send them, and an async sender delivers them.

A sender claims one row at a time (`FOR UPDATE SKIP LOCKED` where the engine
has it, so two senders never take the same row), sends it and commits the
outcome. Crisis replies and pages have priority 0 and jump the queue.

Nothing is sent twice across a crash: a crash between the provider's answer
and our commit leaves the row `sending`; once its lease runs out
(`recover_stale`) it is tried again with the same idempotency key. Any second
attempt of a row (after a crash, a timeout or any transient error) first asks
the channel, when it can tell (`ReportsSent`: Twilio's message list), whether
an earlier attempt reached the provider, and records that message instead of
sending again. Channels that cannot tell (Telegram, the pagers) are at least
once.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import (
    Channel,
    ChannelError,
    PermanentSendError,
    RateLimited,
    RecipientBlocked,
    RecipientOptedOut,
    ReportsSent,
    SendReceipt,
)
from bot.clock import Clock
from bot.escalation.paging import record_page_failed, record_page_sent
from bot.store.models import ContactPoint, FlowRun, Message, Outbox

log = logging.getLogger(__name__)

PRIORITY_URGENT = 0  # crisis replies, pages
PRIORITY_REPLY = 5  # replies to a message the client just sent
PRIORITY_SCHEDULED = 9  # check-ins, reminders

# Message kinds that still go to a contact point that has opted out: the one
# opt-out confirmation, and a crisis reply to a risk message sent after STOP.
SENT_DESPITE_OPT_OUT = frozenset({"opt_out", "crisis"})

MAX_ATTEMPTS = 8
# How long a claimed row may stay `sending` before another sender may take it:
# one send (a pacing slot plus the adapters' 15 s HTTP timeouts) fits well within.
SENDING_TIMEOUT = timedelta(seconds=60)
# Provider clocks differ from ours; an earlier attempt is looked for from this
# long before the row was written.
CLOCK_SKEW = timedelta(minutes=1)


def outbound_columns(
    *,
    clinic_id: str,
    client_id: int | None,
    contact: ContactPoint | None,
    channel: str,
    address: str,
    body: str,
    kind: str,
    priority: int,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns of an outbound message and of its outbox row, all but the
    link between them (the message's id)."""
    message = {
        "clinic_id": clinic_id, "client_id": client_id,
        "contact_point_id": contact.id if contact is not None else None,
        "channel": channel, "address": address, "direction": "out", "body": body,
        "status": "queued", "kind": kind, "created_at": now,
    }
    outbox = {
        "kind": "message", "channel": channel, "address": address, "body": body,
        "priority": priority, "idempotency_key": f"msg-{uuid.uuid4().hex}",
        "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
    }
    return message, outbox


def queue_message(
    session: Session,
    *,
    clinic_id: str,
    client_id: int | None,
    contact: ContactPoint | None,
    channel: str,
    address: str,
    body: str,
    kind: str,
    priority: int,
    now: datetime,
    flow_run_id: int | None = None,
    flow_run: FlowRun | None = None,
) -> Message:
    """Record an outbound message and its outbox row in the current transaction.
    Nothing is flushed here: their rows (and the message's id) are written at
    the session's next flush, so a batch of messages goes in a few INSERTs.
    `flow_run` may be a run not yet flushed either."""
    message_columns, outbox_columns = outbound_columns(
        clinic_id=clinic_id, client_id=client_id, contact=contact, channel=channel,
        address=address, body=body, kind=kind, priority=priority, now=now)
    message = Message(**message_columns, flow_run_id=flow_run_id)
    if flow_run is not None:
        message.flow_run = flow_run
    session.add(message)
    session.add(Outbox(**outbox_columns, message=message))
    return message


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential backoff with full jitter: up to 2^attempts seconds, capped at 10 min."""
    ceiling = min(600.0, 2.0 ** max(attempts, 1))
    return timedelta(seconds=(rng or random).uniform(ceiling / 2, ceiling))


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0


class OutboxSender:
    """Claims due outbox rows and delivers them through the channel adapters."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        channels: Mapping[str, Channel],
        clock: Clock,
    ) -> None:
        self._sessions = session_factory
        self._channels = channels
        self._clock = clock

    def _claim(self) -> int | None:
        """Take the most urgent due row, if any; it stays `sending` until its outcome
        is committed, so only one row per sender is ever in doubt after a crash."""
        now = self._clock.now()
        with self._sessions.begin() as session:
            row = session.scalars(
                select(Outbox)
                .where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
                .order_by(Outbox.priority, Outbox.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            row.status = "sending"
            row.attempts += 1
            row.claimed_at = now
            return row.id

    def recover_stale(self) -> int:
        """Put rows left `sending` by a crashed sender back in the queue."""
        cutoff = self._clock.now() - SENDING_TIMEOUT
        with self._sessions.begin() as session:
            result = session.execute(
                update(Outbox)
                .where(Outbox.status == "sending", Outbox.claimed_at < cutoff)
                .values(status="pending")
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def run_once(self, limit: int = 100) -> SendReport:
        report = SendReport()
        for _ in range(limit):
            row_id = self._claim()
            if row_id is None:
                break
            await self._deliver(row_id, report)
        return report

    async def drain(self, limit: int = 100) -> SendReport:
        """Send until nothing is due now."""
        total = SendReport()
        while True:
            report = await self.run_once(limit)
            total.sent += report.sent
            total.failed += report.failed
            total.retried += report.retried
            total.cancelled += report.cancelled
            if report.sent + report.failed + report.retried + report.cancelled == 0:
                return total

    async def _deliver(self, row_id: int, report: SendReport) -> None:
        with self._sessions() as session:
            row = session.get(Outbox, row_id)
            if row is None:
                return
            message = session.get(Message, row.message_id) if row.message_id else None
            contact = (
                session.get(ContactPoint, message.contact_point_id)
                if message is not None and message.contact_point_id
                else None
            )
            if contact is not None and (contact.opted_out or contact.blocked) and (
                message is None or message.kind not in SENT_DESPITE_OPT_OUT
            ):
                row.status = "cancelled"
                row.last_error = "recipient opted out" if contact.opted_out else "bot blocked"
                if message is not None:
                    message.status = "failed"
                    message.error_code = "opted_out" if contact.opted_out else "blocked"
                session.commit()
                report.cancelled += 1
                return
            channel = self._channels.get(row.channel)
            now = self._clock.now()
            if channel is None:
                self._fail(row, message, f"no channel {row.channel!r} is configured", None)
                self._page_outcome(session, row, now)
                session.commit()
                report.failed += 1
                return
            # No transaction stays open while the provider is called: on SQLite it
            # would hold the write lock through pacing and the HTTP round trip.
            session.commit()
            try:
                receipt = None
                if row.attempts > 1:
                    receipt = await self._earlier_attempt(session, channel, row)
                    session.commit()
                if receipt is None:
                    receipt = await channel.send(row.address, row.body, row.idempotency_key)
            except RecipientOptedOut as exc:
                if contact is not None:
                    contact.opted_out = True
                self._fail(row, message, str(exc), exc.code)
                report.failed += 1
            except RecipientBlocked as exc:
                if contact is not None:
                    contact.blocked = True
                self._fail(row, message, str(exc), exc.code)
                report.failed += 1
            except PermanentSendError as exc:
                self._fail(row, message, str(exc), exc.code)
                report.failed += 1
            except ChannelError as exc:
                if row.attempts >= MAX_ATTEMPTS:
                    self._fail(row, message, str(exc), exc.code)
                    report.failed += 1
                else:
                    wait = (
                        timedelta(seconds=exc.retry_after)
                        if isinstance(exc, RateLimited)
                        else backoff(row.attempts)
                    )
                    row.status = "pending"
                    row.next_attempt_at = now + wait
                    row.last_error = str(exc)
                    report.retried += 1
            else:
                row.status = "sent"
                row.sent_at = now
                row.provider_id = receipt.provider_id
                if message is not None:
                    message.status = receipt.status
                    message.provider_id = receipt.provider_id
                    message.sent_at = now
                report.sent += 1
            self._page_outcome(session, row, now)
            session.commit()

    async def _earlier_attempt(self, session: Session, channel: Channel,
                               row: Outbox) -> SendReceipt | None:
        """The provider's record of an earlier attempt of `row` that reached it (a crash
        or a timeout hid the answer from us), when the channel can tell; else None."""
        if not isinstance(channel, ReportsSent):
            return None
        found = await channel.find_sent(row.address, row.body, row.created_at - CLOCK_SKEW)
        if not found:
            return None
        # A message we already recorded is another row's, not this one's.
        known = set(session.scalars(select(Message.provider_id).where(
            Message.direction == "out", Message.provider_id.in_(found))))
        known.update(session.scalars(select(Outbox.provider_id).where(
            Outbox.provider_id.in_(found))))
        for provider_id in found:
            if provider_id not in known:
                log.warning("outbox row %s reached the provider before as %s; not sent again",
                            row.id, provider_id)
                return SendReceipt(provider_id=provider_id, status="sent")
        return None

    def _page_outcome(self, session: Session, row: Outbox, now: datetime) -> None:
        """Paging: record a page's delivery on its Page row; a page that
        failed for good falls through to the next channel or tier."""
        if row.kind != "page" or row.page_id is None:
            return
        if row.status == "sent":
            record_page_sent(session, row.page_id, now)
        elif row.status == "failed":
            record_page_failed(session, row.page_id, row.body, row.last_error or "failed", now,
                               available=set(self._channels))

    @staticmethod
    def _fail(row: Outbox, message: Message | None, error: str, code: str | None) -> None:
        log.warning("outbox row %s failed permanently: %s", row.id, error)
        row.status = "failed"
        row.last_error = error
        if message is not None:
            message.status = "failed"
            message.error_code = code or "error"
