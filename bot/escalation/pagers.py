"""Pager adapters: e-mail over SMTP and a webhook in the PagerDuty Events v2
shape. Both implement the channel port (`bot.channels.base.Channel`), so
pages travel through the outbox like any text; SMS and Telegram pages use
the client channels themselves.

Errors map onto the channel error tree:

    SMTP 5xx reply, refused recipient, failed login   -> PermanentSendError
    SMTP 4xx reply, connection refused or dropped      -> TransientSendError
    HTTP 429                                           -> RateLimited (Retry-After)
    HTTP 5xx, timeout, connection error                -> TransientSendError
    other HTTP 4xx                                     -> PermanentSendError

The outbox retries transient errors with backoff and, when a page cannot be
delivered at all, falls through to the recipient's next channel.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlparse

import httpx

from bot.channels.base import (
    Channel,
    PermanentSendError,
    RateLimited,
    SendReceipt,
    TransientSendError,
)

if TYPE_CHECKING:
    from bot.config import Settings

SMTP_TIMEOUT_SECONDS = 20.0
WEBHOOK_TIMEOUT_SECONDS = 10.0
DEFAULT_RETRY_AFTER_SECONDS = 30.0


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to send e-mail, read from TETHER_SMTP_URL:
    ``smtp://user:password@host:port`` (plain, or STARTTLS when offered),
    ``smtp+starttls://`` (STARTTLS required) or ``smtps://`` (TLS from the start).
    ``?from=alerts@clinic.example`` sets the sender."""

    host: str
    port: int
    username: str | None
    password: str | None
    security: str  # "plain" | "starttls" | "tls"
    sender: str

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parsed = urlparse(url)
        security = {"smtp": "plain", "smtp+starttls": "starttls", "smtps": "tls"}.get(
            parsed.scheme)
        if security is None or not parsed.hostname:
            raise ValueError("TETHER_SMTP_URL must look like smtp://user:password@host:port")
        username = unquote(parsed.username) if parsed.username else None
        sender = parse_qs(parsed.query).get("from", [""])[0] or (
            username if username and "@" in username else f"tether@{parsed.hostname}")
        return cls(host=parsed.hostname, port=parsed.port or (465 if security == "tls" else 25),
                   username=username,
                   password=unquote(parsed.password) if parsed.password else None,
                   security=security, sender=sender)


class EmailPager:
    """Pages by e-mail: the page text is both subject and body."""

    name = "email"

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        message = EmailMessage()
        message["From"] = self.server.sender
        message["To"] = address
        message["Subject"] = body.split(". ", 1)[0]
        message["Date"] = formatdate(usegmt=True)
        # The same id on every retry lets mail systems drop a duplicate.
        message_id = f"<{idempotency_key}@tether>"
        message["Message-ID"] = message_id
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)
        return SendReceipt(provider_id=message_id)

    def _deliver(self, message: EmailMessage) -> None:
        server = self.server
        try:
            smtp: smtplib.SMTP
            if server.security == "tls":
                smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_SECONDS)
            with smtp:
                smtp.ehlo()
                if server.security == "starttls" or (
                        server.security == "plain" and smtp.has_extn("starttls")
                        and server.username):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if server.username:
                    smtp.login(server.username, server.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentSendError(f"SMTP refused the recipient: {exc.recipients}",
                                     code="smtp_recipient") from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentSendError(f"SMTP login failed ({exc.smtp_code})",
                                     code=str(exc.smtp_code)) from None
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}"
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(error, code=str(exc.smtp_code)) from None
            raise TransientSendError(error, code=str(exc.smtp_code)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(f"SMTP server unreachable: {exc}", code="smtp_io") from None


class WebhookPager:
    """Pages by HTTP POST of a JSON event to the address (the webhook URL).
    The body is built by `bot.escalation.paging.webhook_body`."""

    name = "webhook"

    def __init__(self, client: httpx.AsyncClient | None = None,
                 timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._timeout = timeout

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)
        try:
            response = await self._client.post(
                address, content=body.encode(),
                headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key})
        except httpx.TimeoutException:
            raise TransientSendError("webhook timed out", code="timeout") from None
        except httpx.HTTPError as exc:
            raise TransientSendError(f"webhook unreachable: {exc}", code="http_io") from None
        status = response.status_code
        if status == 429:
            raise RateLimited("webhook rate limited", _retry_after(response), code="429")
        if status >= 500:
            raise TransientSendError(f"webhook answered {status}", code=str(status))
        if status >= 400:
            raise PermanentSendError(f"webhook refused the page ({status}): "
                                     f"{response.text[:200]}", code=str(status))
        return SendReceipt(provider_id=_dedup_key(response) or idempotency_key)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def build_pagers(settings: Settings) -> dict[str, Channel]:
    """The pager channels this deployment can use: the webhook always (its URL
    is in each clinic's policy), e-mail when TETHER_SMTP_URL is set."""
    pagers: dict[str, Channel] = {"webhook": WebhookPager()}
    if settings.smtp_url:
        pagers["email"] = EmailPager(SmtpServer.from_url(settings.smtp_url))
    return pagers


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER_SECONDS


def _dedup_key(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    key = data.get("dedup_key") if isinstance(data, dict) else None
    return str(key) if key else None


def _text(error: bytes | str) -> str:
    return error.decode(errors="replace") if isinstance(error, bytes) else error
