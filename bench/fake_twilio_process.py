"""The fake Twilio (tests/fakes/twilio.py) in a child process on 127.0.0.1, so the
benchmarks measure Tether rather than the fake's share of one interpreter."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVE = """
import sys, time
sys.path.insert(0, {root!r})
from tests.fakes.twilio import FakeTwilio
with FakeTwilio() as fake:
    print(fake.base_url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    print(len(fake.sent), flush=True)
"""


@contextmanager
def fake_twilio(sent: list[int] | None = None) -> Iterator[str]:
    """Yield the fake's base URL; afterwards append how many texts it took to `sent`."""
    child = subprocess.Popen([sys.executable, "-c", SERVE.format(root=str(ROOT))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        yield child.stdout.readline().strip()
    finally:
        child.stdin.close()
        taken = child.stdout.readline().strip()
        child.wait(timeout=10)
        if sent is not None and taken:
            sent.append(int(taken))
