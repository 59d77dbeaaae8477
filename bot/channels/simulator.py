"""The simulator channel: the demo, `tether chat`, the console's chat page and
transcripts use it. It delivers in process; the message rows in the database
are the conversation a person reads."""

from __future__ import annotations

from bot.channels.base import SendReceipt


class SimulatorChannel:
    name = "simulator"

    def __init__(self) -> None:
        self.delivered: list[tuple[str, str]] = []

    async def send(self, address: str, body: str, idempotency_key: str) -> SendReceipt:
        self.delivered.append((address, body))
        return SendReceipt(provider_id=f"sim-{idempotency_key}")
