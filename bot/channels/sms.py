"""SMS through Twilio: the outbound adapter and webhook signature checks.

Sending uses the real `twilio.rest.Client`. Its requests go to
`TETHER_TWILIO_API_BASE_URL` (default https://api.twilio.com): the client's
HTTP layer is a `TwilioHttpClient` that rewrites the Twilio API origin to the
configured one, so a fake Twilio or a proxy receives exactly what Twilio
would. The Twilio client is synchronous; it runs in a worker thread.

Twilio failures become our errors here, at the border:

    21610 (recipient replied STOP)               -> RecipientOptedOut
    429 with Retry-After                         -> RateLimited(retry_after)
    429 / 20429, 5xx, timeouts, refused sockets  -> TransientSendError
    any other 4xx                                -> PermanentSendError(code)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.channels.base import (
    ChannelError,
    PermanentSendError,
    RateLimited,
    RecipientOptedOut,
    SendReceipt,
    TransientSendError,
)
from bot.channels.pacing import Pacer
from bot.config import Settings

log = logging.getLogger(__name__)

TWILIO_API_ORIGIN = "https://api.twilio.com"
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"
INBOUND_PATH = "/webhooks/twilio/sms"
OPTED_OUT_CODE = 21610
TOO_MANY_REQUESTS_CODE = 20429
DEFAULT_TIMEOUT_SECONDS = 15.0
LONG_CODE_PER_SECOND = 1.0
# How many of a number's newest messages are looked through for an earlier attempt.
RECENT_MESSAGES = 50


class _TetherTwilioHttp(TwilioHttpClient):  # type: ignore[misc]
    """Twilio's HTTP client, pointed at `api_base_url` and aware of Retry-After."""

    def __init__(self, api_base_url: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.api_base_url = api_base_url.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API_ORIGIN):
            url = self.api_base_url + url[len(TWILIO_API_ORIGIN):]
        try:
            response: Response = super().request(method, url, *args, **kwargs)
        except OSError as exc:  # requests' ConnectionError and Timeout are OSErrors
            raise TransientSendError(f"Twilio unreachable: {exc}", code="network") from exc
        if response.status_code == 429:
            retry_after = _retry_after(response.headers)
            if retry_after is not None:
                raise RateLimited("Twilio rate limit", retry_after, code="429")
        return response


def _retry_after(headers: Mapping[str, str] | None) -> float | None:
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def twilio_error(exc: TwilioRestException | TwilioServiceException) -> ChannelError:
    """Translate a Twilio API error into our error tree."""
    status = int(exc.status)
    code = int(exc.code) if exc.code is not None else status
    message = str(getattr(exc, "msg", "") or getattr(exc, "detail", "") or f"Twilio {status}")
    if code == OPTED_OUT_CODE:
        return RecipientOptedOut(message, code=str(code))
    if status == 429 or code == TOO_MANY_REQUESTS_CODE or status >= 500:
        return TransientSendError(message, code=str(code))
    return PermanentSendError(message, code=str(code))


class TwilioSmsChannel:
    """Sends texts with Twilio, paced per sending number."""

    name = "sms"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        api_base_url: str = TWILIO_API_ORIGIN,
        status_callback_url: str | None = None,
        per_second: float = LONG_CODE_PER_SECOND,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        pacer: Pacer | None = None,
    ) -> None:
        if not (from_number or messaging_service_sid):
            raise ValueError("Twilio needs a from number or a Messaging Service SID")
        self._client = Client(account_sid, auth_token,
                              http_client=_TetherTwilioHttp(api_base_url, timeout))
        self._from_number = from_number
        self._service_sid = messaging_service_sid
        self._status_callback_url = status_callback_url
        self._pacer = pacer or Pacer(per_second)
        self.sender_key = messaging_service_sid or from_number or ""

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSmsChannel:
        if settings.twilio_account_sid is None or settings.twilio_auth_token is None:
            raise ValueError("Twilio is not configured")
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            api_base_url=settings.twilio_api_base_url,
            status_callback_url=settings.public_url + STATUS_CALLBACK_PATH,
            per_second=settings.twilio_messages_per_second,
        )

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        await self._pacer.wait(self.sender_key)
        try:
            sid = await asyncio.to_thread(self._create, address, body)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise twilio_error(exc) from exc
        log.info("sent %s via Twilio as %s", idempotency_key, sid)
        return SendReceipt(provider_id=sid, status="sent")

    async def find_sent(self, address: str, body: str, since: datetime) -> list[str]:
        """Sids of the messages with `body` that Twilio took for `address` from our
        number (or Messaging Service) at or after `since`, newest first."""
        try:
            return await asyncio.to_thread(self._find, address, body, since)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise twilio_error(exc) from exc

    def _find(self, address: str, body: str, since: datetime) -> list[str]:
        options: dict[str, Any] = {"to": address, "limit": RECENT_MESSAGES}
        if not self._service_sid:
            options["from_"] = self._from_number
        found = []
        for message in self._client.messages.list(**options):
            ours = (message.messaging_service_sid == self._service_sid if self._service_sid
                    else True)
            created = message.date_created
            if (ours and message.body == body and created is not None and created >= since
                    and message.direction != "inbound"):
                found.append(str(message.sid))
        return found

    def _create(self, address: str, body: str) -> str:
        options: dict[str, Any] = {"to": address, "body": body}
        if self._service_sid:
            options["messaging_service_sid"] = self._service_sid
        else:
            options["from_"] = self._from_number
        if self._status_callback_url:
            options["status_callback"] = self._status_callback_url
        message = self._client.messages.create(**options)
        return str(message.sid)


def signed_url(public_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: our public URL (not the one a proxy forwarded to)."""
    url = public_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


def signature_is_valid(
    auth_token: str, url: str, params: Mapping[str, str], signature: str | None
) -> bool:
    """True when `signature` is Twilio's X-Twilio-Signature for this request."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, dict(params), signature))
