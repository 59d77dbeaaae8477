"""A real HTTP server on 127.0.0.1 (a free port) in a thread: the base of the
provider fakes. Subclasses answer `respond(method, path, headers, body)`."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class Reply:
    def __init__(self, status: int, body: bytes = b"", content_type: str = "application/json",
                 headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})


class FakeServer:
    """Start with `with fake:`; `base_url` is where it listens."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes; with Nagle on, the body waits for the
            # client's delayed ACK (40 ms a request on Linux).
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                reply = fake.respond(self.command, self.path, dict(self.headers.items()), body)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may have given up waiting (a cancelled long poll, a timeout).
                with contextlib.suppress(ConnectionError):
                    self.wfile.write(reply.body)

            do_GET = do_POST = _serve  # noqa: N815 (the names http.server looks up)

            def log_message(self, *_: Any) -> None:
                return  # quiet: the fakes record what they are sent

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
