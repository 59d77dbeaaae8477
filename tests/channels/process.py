"""Tether as a child process (`tether serve` on loopback, Twilio pointed at a fake),
and a clinic of many SMS clients: the set-up of the crash test and the benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from twilio.request_validator import RequestValidator

from bot.escalation.model_cache import CACHE_DIR_VARIABLE
from bot.seed import create_client, create_clinic
from bot.store.db import make_engine, session_factory, upgrade
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER

INBOUND_PATH = "/webhooks/twilio/sms"
SEEDED_AT = datetime(2027, 3, 1, 16, 0, tzinfo=UTC)


def seed_sms_clients(database_url: str, count: int) -> list[str]:
    """Migrate `database_url` and add a clinic with `count` SMS clients; their phones."""
    upgrade(database_url)
    engine = make_engine(database_url)
    phones = [f"+1201555{number:04d}" for number in range(count)]
    try:
        with session_factory(engine).begin() as session:
            clinic = create_clinic(session, clinic_id="demo", name="Riverside Health",
                                   timezone="America/Chicago", crisis_line="(555) 010-0199",
                                   contact_phone="(555) 010-0100", program_name="Riverside",
                                   now=SEEDED_AT)
            for number, phone in enumerate(phones):
                create_client(session, clinic=clinic, first_name=f"Client {number}",
                              phone=phone, now=SEEDED_AT)
    finally:
        engine.dispose()
    return phones


def inbound_form(sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    """The form Twilio posts for a text from `sender`."""
    return {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": sender, "To": CLINIC_NUMBER, "Body": body, "NumMedia": "0"}


def twilio_signature(url: str, form: dict[str, str]) -> str:
    """X-Twilio-Signature for `form` posted to `url`, as Twilio computes it."""
    return str(RequestValidator(AUTH_TOKEN).compute_signature(url, form))


@dataclass
class AppProcess:
    """`tether serve` on 127.0.0.1:`port`; start, SIGKILL and start again."""

    database_url: str
    port: int
    twilio_base_url: str
    workdir: Path
    messages_per_second: float = 1000.0
    workers: int = 1
    starts: int = 0
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        keep = {name: value for name, value in os.environ.items()
                if not name.startswith("TETHER_") or name == CACHE_DIR_VARIABLE}
        return keep | {
            "TETHER_DATABASE_URL": self.database_url,
            "TETHER_PUBLIC_URL": self.url,
            "TETHER_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TETHER_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TETHER_TWILIO_FROM_NUMBER": CLINIC_NUMBER,
            "TETHER_TWILIO_API_BASE_URL": self.twilio_base_url,
            "TETHER_TWILIO_MESSAGES_PER_SECOND": str(self.messages_per_second),
        }

    def start(self, *, ready_within: float = 180.0, ready_path: str = "/readyz") -> None:
        """Start the app and wait until /readyz says it is ready for traffic: a readiness
        bound, not a speed target (on the run's first start the risk model is trained,
        about half a minute on a slow machine; later starts load it)."""
        self.starts += 1
        log = (self.workdir / f"app-{self.starts}.log").open("wb")
        command = [sys.executable, "-c", "from bot.cli import main; main()",
                   "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", str(self.workers)]
        # The working directory holds no .env: the environment above is all it reads.
        self._process = subprocess.Popen(command, env=self.environment(), cwd=self.workdir,
                                         stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the app exited with {self._process.returncode}:\n"
                                   + self.log_tail())
            try:
                if httpx.get(self.url + ready_path, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()  # not left running into the next test
        raise RuntimeError("the app did not become ready:\n" + self.log_tail())

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, as a crash or an OOM kill leaves it."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the app gracefully (SIGTERM), killing it if it hangs."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        text = "\n".join(
            path.read_text(errors="replace")
            for path in sorted(self.workdir.glob("app-*.log")))
        return "\n".join(text.splitlines()[-lines:])
