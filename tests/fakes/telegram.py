"""A fake Telegram Bot API, driven by the real python-telegram-bot.

Serves the methods Tether calls (`getMe`, `sendMessage`, `setWebhook`,
`deleteWebhook`, `getUpdates`) under `/bot<token>/`, records them, and can
answer errors: 403 "bot was blocked by the user", 429 with
`parameters.retry_after`, 500. It also builds updates as Telegram sends them
and posts them to our webhook with the secret token.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx

from tests.fakes.server import FakeServer, Reply

TOKEN = "123456:FAKE-telegram-token"
BOT_USERNAME = "tether_test_bot"
BLOCKED = (403, "Forbidden: bot was blocked by the user")


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeTelegram(FakeServer):
    token: str = TOKEN
    sent: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _faults: list[Fault] = field(default_factory=list)
    _chat_faults: dict[str, Fault] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        FakeServer.__init__(self)
        self._new_update = threading.Condition(self.lock)

    @property
    def api_base_url(self) -> str:
        """What TETHER_TELEGRAM_API_BASE_URL is set to (PTB appends the token)."""
        return self.base_url + "/bot"

    # --- what the test asks for -------------------------------------------------

    def fail_next(self, count: int, status: int, description: str = "Internal Server Error",
                  *, retry_after: int | None = None) -> None:
        with self.lock:
            self._faults.extend(Fault(status, description, retry_after) for _ in range(count))

    def block_by(self, chat_id: str) -> None:
        """The user of `chat_id` blocks the bot: every send to it gets 403."""
        with self.lock:
            self._chat_faults[str(chat_id)] = Fault(*BLOCKED)

    def texts(self, chat_id: str | None = None) -> list[str]:
        with self.lock:
            return [text for chat, text in self.sent if chat_id is None or chat == str(chat_id)]

    def methods(self) -> list[str]:
        with self.lock:
            return [method for method, _ in self.calls]

    def message_update(self, chat_id: int, text: str) -> dict[str, Any]:
        """An update carrying a private-chat text (a /command gets its entity)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "text": text,
            "chat": {"id": chat_id, "type": "private", "first_name": "Client"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Client"},
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": message}

    def post_update(self, url: str, update: dict[str, Any], secret: str | None) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return httpx.post(url, json=update, headers=headers, timeout=30)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for getUpdates (polling)."""
        with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()

    # --- the Bot API ------------------------------------------------------------

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        del method  # PTB POSTs every method
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return _answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        name = path[len(prefix):]
        params = _params(headers, body)
        with self.lock:
            self.calls.append((name, params))
            fault = None
            if name == "sendMessage":
                fault = self._chat_faults.get(params.get("chat_id", "")) or (
                    self._faults.pop(0) if self._faults else None)
        if fault is not None:
            error: dict[str, Any] = {"ok": False, "error_code": fault.status,
                                     "description": fault.description}
            if fault.retry_after is not None:
                error["parameters"] = {"retry_after": fault.retry_after}
            return _answer(fault.status, error)
        return _answer(200, {"ok": True, "result": self._result(name, params)})

    def _result(self, name: str, params: dict[str, str]) -> Any:
        if name == "getMe":
            return {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Tether",
                    "username": BOT_USERNAME, "can_join_groups": False,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if name == "sendMessage":
            chat_id, text = params.get("chat_id", ""), params.get("text", "")
            with self.lock:
                self.sent.append((chat_id, text))
                message_id = next(self._message_ids)
            return {"message_id": message_id, "date": int(time.time()), "text": text,
                    "chat": {"id": int(chat_id), "type": "private"}}
        if name == "getUpdates":
            return self._take_updates(int(params.get("offset", "0") or 0),
                                      float(params.get("timeout", "0") or 0))
        return True  # setWebhook, deleteWebhook, and anything else harmless

    def _take_updates(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + min(timeout, 1.0)
        with self._new_update:
            while True:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                if self._updates or time.monotonic() >= deadline:
                    return list(self._updates)
                self._new_update.wait(max(0.0, deadline - time.monotonic()))


def _params(headers: dict[str, str], body: bytes) -> dict[str, str]:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if not body:
        return {}
    if "json" in content_type:
        return {k: str(v) for k, v in json.loads(body).items()}
    return dict(parse_qsl(body.decode()))


def _answer(status: int, payload: dict[str, Any]) -> Reply:
    return Reply(status, json.dumps(payload).encode())
