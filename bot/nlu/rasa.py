"""Intent classification by a Rasa server, with the embedded interpreter behind it.

`RasaInterpreter` posts each message to `POST {base_url}/model/parse` and maps
Rasa's answer to our `Intent`. Classification must never hold up or lose a
conversation, so when the server is down, slow, or answers an error the
message goes to the fallback classifier at once, and the server is left alone
for `backoff` seconds so that later messages do not each wait for a timeout.

Errors, all handled here and never raised to the caller:

    httpx.TransportError     connection refused, DNS, timeout   -> fallback, back off
    httpx.HTTPStatusError    any non-2xx answer                  -> fallback, back off
    RasaResponseError        a 2xx answer that is not a parse    -> fallback, back off
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx

from bot.nlu.types import INTENTS, Intent, IntentClassifier

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0  # seconds; a reply to the client must not wait longer on us
DEFAULT_BACKOFF = 30.0  # seconds the server is skipped after a failure


class RasaResponseError(ValueError):
    """Rasa answered 2xx with a body that is not a `/model/parse` result."""


class RasaInterpreter:
    """An `IntentClassifier` backed by a Rasa server and a fallback classifier."""

    def __init__(
        self,
        base_url: str,
        fallback: IntentClassifier,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: float = DEFAULT_BACKOFF,
        token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        message_ids: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._url = base_url.rstrip("/") + "/model/parse"
        self._fallback = fallback
        self._backoff = backoff
        self._params = {"token": token} if token else {}
        self._clock = clock
        self._message_ids = message_ids
        self._client = httpx.Client(timeout=timeout)
        self._skip_until: float | None = None

    def classify(self, text: str, lang: str) -> Intent:
        """Rasa's intent for `text`, or the fallback's when Rasa cannot answer."""
        if self.backing_off:
            return self._fallback.classify(text, lang)
        try:
            intent = self._parse(text)
        except (httpx.HTTPError, RasaResponseError) as error:
            log.warning("Rasa unavailable (%s); using the embedded interpreter", error)
            self._skip_until = self._clock() + self._backoff
            return self._fallback.classify(text, lang)
        self._skip_until = None
        return intent

    @property
    def backing_off(self) -> bool:
        """True while a recent failure keeps messages away from the server."""
        return self._skip_until is not None and self._clock() < self._skip_until

    def _parse(self, text: str) -> Intent:
        response = self._client.post(
            self._url,
            json={"text": text, "message_id": self._message_ids()},
            params=self._params,
        )
        response.raise_for_status()
        try:
            body = response.json()
        except ValueError as error:
            raise RasaResponseError(f"not JSON: {error}") from error
        return intent_from_rasa(body)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> RasaInterpreter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def intent_from_rasa(body: Any) -> Intent:
    """Our `Intent` for a Rasa `/model/parse` body; intents we do not know,
    and a missing intent, are `unknown`."""
    if not isinstance(body, dict):
        raise RasaResponseError("expected a JSON object")
    found = body.get("intent")
    if found is None:
        return Intent("unknown", 0.0)
    if not isinstance(found, dict):
        raise RasaResponseError("'intent' is not an object")
    name = found.get("name")
    confidence = found.get("confidence", 0.0)
    if not isinstance(confidence, int | float) or isinstance(confidence, bool):
        raise RasaResponseError("'intent.confidence' is not a number")
    entities = _entities(body.get("entities", []))
    if not isinstance(name, str) or name not in INTENTS:
        return Intent("unknown", float(confidence), entities)
    return Intent(name, float(confidence), entities)


def _entities(found: Any) -> dict[str, str]:
    """The first value of each entity Rasa extracted, as text."""
    if not isinstance(found, list):
        raise RasaResponseError("'entities' is not a list")
    entities: dict[str, str] = {}
    for entity in found:
        if not isinstance(entity, dict):
            continue
        name, value = entity.get("entity"), entity.get("value")
        if isinstance(name, str) and value is not None:
            entities.setdefault(name, str(value))
    return entities
