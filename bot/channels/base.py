"""The channel port: what every provider adapter (SMS, Telegram, simulator)
offers, and the errors adapters translate provider failures into.

Error tree::

    ChannelError                 any failure to deliver
    ├── PermanentSendError       do not retry (bad number, other 4xx); code recorded
    │   ├── RecipientOptedOut    the carrier says the recipient opted out (Twilio 21610)
    │   └── RecipientBlocked     the recipient blocked the bot (Telegram 403 Forbidden)
    └── TransientSendError       retry with backoff (timeouts, 5xx, 429)
        └── RateLimited          retry after `retry_after` seconds (Telegram RetryAfter)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class InboundMessage:
    """A message a client (or anybody) sent us, as a channel adapter sees it."""

    channel: str  # "sms" | "telegram" | "simulator"
    address: str  # the sender: E.164 number, Telegram chat id, simulator id
    text: str
    received_at: datetime
    provider_id: str | None = None  # Twilio MessageSid, Telegram update_id, ...
    to: str | None = None  # our number or bot the message was sent to


@dataclass(frozen=True)
class SendReceipt:
    provider_id: str
    status: str = "sent"


class ChannelError(Exception):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermanentSendError(ChannelError):
    pass


class RecipientOptedOut(PermanentSendError):
    pass


class RecipientBlocked(PermanentSendError):
    pass


class TransientSendError(ChannelError):
    pass


class RateLimited(TransientSendError):
    def __init__(self, message: str, retry_after: float, code: str | None = None) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


class Channel(Protocol):
    name: str

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        """Deliver `body` to `address`; raises a ChannelError subclass on failure.
        `idempotency_key` is stable across retries of the same outbox row."""
        ...


@runtime_checkable
class ReportsSent(Protocol):
    """A channel that can tell whether a text already reached the provider (Twilio
    lists the messages it has taken), so a retry after a crash or a timeout does
    not send it twice."""

    async def find_sent(self, address: str, body: str, since: datetime) -> list[str]:
        """Provider ids of messages with `body` to `address` the provider took at or
        after `since`, newest first; raises a ChannelError subclass on failure."""
        ...
