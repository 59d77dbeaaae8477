"""Telegram through python-telegram-bot: the outbound adapter, and the PTB
`Application` whose handlers turn updates (from the webhook or from polling)
into `InboundMessage`s.

Handlers are thin: `/start <code>` redeems an invite (bot/channels/invites.py);
any other text in a private chat, and `/start`, `/stop`, `/help`, goes to
`handle` exactly as an SMS would. Requests go to TETHER_TELEGRAM_API_BASE_URL
(PTB appends the token), so a self-hosted Bot API server or a fake works.

Telegram failures become our errors here, at the border:

    Forbidden (403, bot blocked / chat gone)  -> RecipientBlocked
    RetryAfter (429, parameters.retry_after)  -> RateLimited(retry_after)
    BadRequest (400)                          -> PermanentSendError
    TimedOut, NetworkError (5xx, sockets)     -> TransientSendError
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    ChannelError,
    InboundMessage,
    PermanentSendError,
    RateLimited,
    RecipientBlocked,
    SendReceipt,
    TransientSendError,
)
from bot.channels.invites import redeem_invite
from bot.channels.pacing import Pacer
from bot.clock import Clock
from bot.config import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
DEFAULT_PER_SECOND = 25.0
ALLOWED_UPDATES = ["message"]
# Words a client may send as commands, handled as the same compliance keywords.
COMMAND_TEXTS = {"stop": "STOP", "help": "HELP"}


def telegram_error(exc: TelegramError) -> ChannelError:
    """Translate a python-telegram-bot error into our error tree."""
    if isinstance(exc, Forbidden):
        return RecipientBlocked(exc.message, code="403")
    if isinstance(exc, RetryAfter):
        return RateLimited(exc.message, _seconds(exc), code="429")
    if isinstance(exc, BadRequest):
        return PermanentSendError(exc.message, code="400")
    if isinstance(exc, NetworkError):  # also TimedOut
        return TransientSendError(exc.message, code="network")
    if isinstance(exc, InvalidToken):
        return TransientSendError(exc.message, code="invalid_token")
    return TransientSendError(exc.message, code="telegram")


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB announces retry_after becoming a timedelta; accept both forms.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def make_bot(settings: Settings) -> Bot:
    if settings.telegram_bot_token is None:
        raise ValueError("Telegram is not configured (TETHER_TELEGRAM_BOT_TOKEN)")
    return Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url,
               request=HTTPXRequest(connection_pool_size=8))


class TelegramChannel:
    """Sends texts with a Telegram bot, paced per bot."""

    name = CHANNEL

    def __init__(self, bot: Bot, *, per_second: float = DEFAULT_PER_SECOND,
                 pacer: Pacer | None = None) -> None:
        self._bot = bot
        self._pacer = pacer or Pacer(per_second)
        self._key = bot.token.split(":", 1)[0]

    @classmethod
    def from_settings(cls, settings: Settings) -> TelegramChannel:
        return cls(make_bot(settings), per_second=settings.telegram_messages_per_second)

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        await self._pacer.wait(self._key)
        try:
            await self._bot.initialize()
            sent = await self._bot.send_message(chat_id=int(address), text=body)
        except TelegramError as exc:
            raise telegram_error(exc) from exc
        log.info("sent %s via Telegram", idempotency_key)
        # Telegram message ids count per chat; the chat makes them unique.
        return SendReceipt(provider_id=f"{address}:{sent.message_id}", status="sent")

    async def aclose(self) -> None:
        await self._bot.shutdown()


class TelegramInbound:
    """A PTB Application in webhook mode (no Updater) or polling mode whose
    handlers feed `handle`; `process` takes one webhook update."""

    def __init__(
        self,
        settings: Settings,
        *,
        handle: Callable[[InboundMessage], object],
        sessions: sessionmaker[Session],
        clock: Clock,
        wake: Callable[[], None] = lambda: None,
        polling: bool = False,
    ) -> None:
        if settings.telegram_bot_token is None:
            raise ValueError("Telegram is not configured (TETHER_TELEGRAM_BOT_TOKEN)")
        builder = (ApplicationBuilder().token(settings.telegram_bot_token)
                   .base_url(settings.telegram_api_base_url))
        if not polling:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self._handle = handle
        self._sessions = sessions
        self._clock = clock
        self._wake = wake
        self._failures: dict[int, BaseException] = {}
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        self.application.add_handler(CommandHandler("start", self._on_start, filters=private))
        self.application.add_handler(
            CommandHandler(list(COMMAND_TEXTS), self._on_command, filters=private))
        self.application.add_handler(
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self._on_text))
        self.application.add_error_handler(self._on_error)

    async def start(self) -> None:
        """Initialize the application (asks Telegram who the bot is)."""
        await self.application.initialize()

    async def stop(self) -> None:
        await self.application.shutdown()

    async def process(self, data: dict[str, Any]) -> None:
        """Handle one webhook update; raises when handling it failed, so the
        webhook answers with an error and Telegram delivers it again."""
        await self.start()
        update = Update.de_json(data, self.application.bot)
        await self.application.process_update(update)
        failure = self._failures.pop(update.update_id, None)
        if failure is not None:
            raise RuntimeError(f"update {update.update_id} failed") from failure

    async def _on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        if not context.args:
            await self._inbound(update, "/start")
            return
        await asyncio.to_thread(redeem_invite, self._sessions, chat_id=str(chat.id),
                                code=context.args[0], provider_id=str(update.update_id),
                                now=self._clock.now())
        self._wake()

    async def _on_command(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        text = update.effective_message.text if update.effective_message else None
        command = (text or "").split()[0].lstrip("/").split("@")[0].lower()
        await self._inbound(update, COMMAND_TEXTS.get(command, text or ""))

    async def _on_text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text:
            await self._inbound(update, message.text)

    async def _inbound(self, update: Update, text: str) -> None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        inbound = InboundMessage(channel=CHANNEL, address=str(chat.id), text=text,
                                 received_at=self._clock.now(),
                                 provider_id=str(update.update_id),
                                 to=self.application.bot.username)
        await asyncio.to_thread(self._handle, inbound)
        self._wake()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("handling a Telegram update failed", exc_info=context.error)
        if isinstance(update, Update) and context.error is not None:
            self._failures[update.update_id] = context.error


async def bot_username(settings: Settings) -> str:
    """The bot's @username, from getMe."""
    async with make_bot(settings) as bot:
        me = await bot.get_me()
    if not me.username:
        raise LookupError("the bot has no username; set one with @BotFather")
    return me.username


async def set_webhook(settings: Settings) -> str:
    """Register TETHER_PUBLIC_URL + /webhooks/telegram with the secret token."""
    url = settings.public_url.rstrip("/") + WEBHOOK_PATH
    async with make_bot(settings) as bot:
        await bot.set_webhook(url, secret_token=settings.telegram_webhook_secret,
                              allowed_updates=ALLOWED_UPDATES)
    return url
