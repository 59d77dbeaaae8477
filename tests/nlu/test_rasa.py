"""The Rasa adapter against a fake Rasa server on loopback: answers, outages, back-off."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.nlu.rasa import RasaInterpreter, RasaResponseError, intent_from_rasa
from bot.nlu.types import Intent


@dataclass
class FakeRasa:
    """What the fake server answers next, and what it was asked."""

    url: str = ""
    status: int = 200
    body: Any = field(
        default_factory=lambda: {
            "text": "",
            "intent": {"name": "reschedule", "confidence": 0.93},
            "entities": [{"entity": "day", "value": "friday", "start": 0, "end": 6}],
        }
    )
    raw: bytes | None = None  # sent as is instead of `body`
    delay: float = 0.0
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class StubClassifier:
    """The fallback: always answers the same, and records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    @property
    def calls(self) -> int:
        return len(self.asked)

    def classify(self, text: str, lang: str) -> Intent:
        self.asked.append((text, lang))
        return Intent("help", 0.5)


class StepClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _handler(fake: FakeRasa) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append((self.path, json.loads(self.rfile.read(length))))
            if fake.delay:
                time.sleep(fake.delay)
            payload = fake.raw if fake.raw is not None else json.dumps(fake.body).encode()
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as the timeout test intends

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    return Handler


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_rasa_intent_and_entities_are_used(rasa: FakeRasa) -> None:
    """When Rasa answers, its intent, confidence and entities are what the bot acts on."""
    fallback = StubClassifier()
    with RasaInterpreter(rasa.url, fallback, message_ids=lambda: "m-1") as interpreter:
        intent = interpreter.classify("can we do friday", "en")
    assert intent == Intent("reschedule", 0.93, {"day": "friday"})
    assert rasa.requests == [("/model/parse", {"text": "can we do friday", "message_id": "m-1"})]
    assert fallback.calls == 0


def test_token_is_sent_as_query_parameter(rasa: FakeRasa) -> None:
    """A configured Rasa token goes with every request."""
    with RasaInterpreter(rasa.url + "/", StubClassifier(), token="s3cret") as interpreter:
        interpreter.classify("hi", "en")
    assert rasa.requests[0][0] == "/model/parse?token=s3cret"


def test_intent_we_do_not_know_is_unknown(rasa: FakeRasa) -> None:
    """An intent name outside ours (a Rasa model trained on more) becomes `unknown`."""
    rasa.body = {"intent": {"name": "order_pizza", "confidence": 0.99}, "entities": []}
    with RasaInterpreter(rasa.url, StubClassifier()) as interpreter:
        assert interpreter.classify("pizza", "en") == Intent("unknown", 0.99)


def test_server_down_falls_back_at_once(dead_url: str) -> None:
    """With no Rasa server the embedded answer is used, not an error."""
    fallback = StubClassifier()
    with RasaInterpreter(dead_url, fallback) as interpreter:
        assert interpreter.classify("hola", "es") == Intent("help", 0.5)
        assert interpreter.backing_off
    assert fallback.asked == [("hola", "es")]


@pytest.mark.parametrize(
    ("status", "raw"),
    [(500, None), (404, None), (200, b"<html>not json</html>"), (200, b'{"intent": "help"}')],
)
def test_error_answers_fall_back(rasa: FakeRasa, status: int, raw: bytes | None) -> None:
    """An error status or a body that is not a parse result falls back to the embedded answer."""
    rasa.status, rasa.raw = status, raw
    fallback = StubClassifier()
    with RasaInterpreter(rasa.url, fallback) as interpreter:
        assert interpreter.classify("hi", "en") == Intent("help", 0.5)
    assert fallback.calls == 1


def test_slow_server_times_out_and_falls_back(rasa: FakeRasa) -> None:
    """A server slower than the timeout does not hold the reply up."""
    rasa.delay = 1.0
    fallback = StubClassifier()
    with RasaInterpreter(rasa.url, fallback, timeout=0.2) as interpreter:
        started = time.monotonic()
        assert interpreter.classify("hi", "en") == Intent("help", 0.5)
        assert time.monotonic() - started < 0.9
    assert fallback.calls == 1


def test_failure_backs_off_then_retries(rasa: FakeRasa) -> None:
    """After a failure Rasa is skipped for the back-off period, then tried again."""
    clock = StepClock()
    fallback = StubClassifier()
    rasa.status = 503
    with RasaInterpreter(rasa.url, fallback, backoff=30.0, clock=clock) as interpreter:
        interpreter.classify("one", "en")
        rasa.status = 200
        clock.now += 29.0
        assert interpreter.classify("two", "en") == Intent("help", 0.5)
        assert len(rasa.requests) == 1  # the second message never reached the server
        clock.now += 2.0
        assert interpreter.classify("three", "en").name == "reschedule"
        assert not interpreter.backing_off
    assert len(rasa.requests) == 2
    assert fallback.calls == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"intent": None, "entities": []}, Intent("unknown", 0.0)),
        ({"text": "hi"}, Intent("unknown", 0.0)),
        (
            {"intent": {"name": "thanks", "confidence": 1}, "entities": [{"entity": "x"}]},
            Intent("thanks", 1.0),
        ),
    ],
)
def test_rasa_body_mapping(body: Any, expected: Intent) -> None:
    """Rasa bodies without an intent are `unknown`; entities without a value are dropped."""
    assert intent_from_rasa(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"intent": "help"},
        {"intent": {"name": "help", "confidence": "high"}},
        {"intent": {"name": "help", "confidence": 0.5}, "entities": {}},
    ],
)
def test_malformed_rasa_body_is_an_error(body: Any) -> None:
    """A body that is not a parse result is reported, so the adapter can fall back."""
    with pytest.raises(RasaResponseError):
        intent_from_rasa(body)
