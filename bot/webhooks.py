"""Provider webhooks: Twilio inbound SMS and status callbacks, Telegram updates.

Routes are thin: they authenticate the provider, parse its payload and call
bot/ (conversation, delivery receipts, the Telegram handlers). A request that
fails authentication stores nothing. Inbound texts are answered through the
outbox, never in the webhook response.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from bot.channels.base import InboundMessage
from bot.channels.delivery import record_delivery_status
from bot.channels.sms import INBOUND_PATH, STATUS_CALLBACK_PATH, signature_is_valid, signed_url
from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramInbound
from bot.seed import InvalidInput, normalize_phone

log = logging.getLogger(__name__)

router = APIRouter(prefix="", tags=["webhooks"])

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
REQUIRED_SMS_FIELDS = ("From", "Body", "MessageSid")


async def _signed_twilio_form(request: Request) -> dict[str, str]:
    """The form of a request Twilio signed; 403 when the signature is wrong."""
    settings = request.app.state.tether.settings
    if not settings.twilio_auth_token:
        raise HTTPException(404, "SMS is not configured")
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = signed_url(settings.public_url, request.url.path, request.url.query)
    if not signature_is_valid(settings.twilio_auth_token, url, form,
                              request.headers.get("X-Twilio-Signature")):
        log.warning("rejected a Twilio request with a bad signature for %s", url)
        raise HTTPException(403, "invalid Twilio signature")
    return form


# Inbound messages handled at once per process: enough to keep the database
# busy, few enough that a burst queues here instead of in dozens of threads
# taking turns at the interpreter lock (which slows every one of them).
CONCURRENT_HANDLERS = 8


def _handlers(request: Request) -> CapacityLimiter:
    limiter: CapacityLimiter | None = getattr(request.app.state, "handlers", None)
    if limiter is None:
        limiter = request.app.state.handlers = CapacityLimiter(CONCURRENT_HANDLERS)
    return limiter


def _e164(number: str) -> str:
    try:
        return normalize_phone(number)
    except InvalidInput:
        return number.strip()  # a short code or an alphanumeric sender stays as sent


@router.post(INBOUND_PATH)
async def twilio_sms(request: Request) -> Response:
    """An inbound text from Twilio: stored and handled; replies go through the outbox."""
    form = await _signed_twilio_form(request)
    # An empty Body is a real message (a picture with no text); an absent one is not.
    missing = [name for name in REQUIRED_SMS_FIELDS
               if name not in form or (name != "Body" and not form[name].strip())]
    if missing:
        raise HTTPException(400, f"missing Twilio field(s): {', '.join(missing)}")
    tether = request.app.state.tether
    inbound = InboundMessage(channel="sms", address=_e164(form["From"]), text=form["Body"],
                             provider_id=form["MessageSid"], received_at=tether.clock.now(),
                             to=form.get("To"))
    await to_thread.run_sync(tether.handle, inbound, limiter=_handlers(request))
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post(STATUS_CALLBACK_PATH)
async def twilio_status(request: Request) -> Response:
    """A Twilio delivery receipt: moves the message's status forward, never back."""
    form = await _signed_twilio_form(request)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if not sid or not status:
        raise HTTPException(400, "missing Twilio field(s): MessageSid and MessageStatus")
    tether = request.app.state.tether
    await run_in_threadpool(lambda: record_delivery_status(
        tether.sessions, channel="sms", provider_id=sid, reported=status,
        error_code=form.get("ErrorCode") or None, now=tether.clock.now()))
    return Response(status_code=204)


@router.post(WEBHOOK_PATH)
async def telegram_update(request: Request) -> dict[str, Any]:
    """A Telegram update: checked against the webhook secret, then handled."""
    inbound: TelegramInbound | None = getattr(request.app.state, "telegram", None)
    secret = request.app.state.tether.settings.telegram_webhook_secret
    if inbound is None or not secret:
        raise HTTPException(404, "Telegram webhooks are not configured")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        raise HTTPException(403, "invalid Telegram secret token")
    try:
        data = await request.json()
    except json.JSONDecodeError:
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(data, dict) or "update_id" not in data:
        raise HTTPException(400, "not a Telegram update")
    await inbound.process(data)
    return {}
