"""A real SMTP server on 127.0.0.1 (aiosmtpd, a free port) that keeps what it
is sent and refuses the mailboxes it is told to."""

from __future__ import annotations

import email
import email.message
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Mailbox:
    """An aiosmtpd handler: `messages` as parsed e-mails, `envelopes` as (from, to)."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.port = 0
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    # aiosmtpd calls these hooks by name with positional arguments.
    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any,  # noqa: N802
                          address: str, _options: list[str]) -> str:
        if address == self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message)
        return "250 OK"


@contextmanager
def smtp_server(refuse: str = "") -> Iterator[Mailbox]:
    mailbox = Mailbox(refuse)
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
