"""How long `tether serve` takes to listen, and to be ready (its risk model loaded),
on a first start (nothing kept: the model is trained) and on a restart (the kept
model is loaded).

    .venv/bin/python bench/startup.py [--restarts 3]

Each start is a real `tether serve` process on a fresh SQLite file and a free
loopback port; "listens" is its first answer on /healthz, "ready" its first 200
on /readyz. The first start uses an empty cache directory of its own; the
restarts use what it kept. A text that arrives between the two is held and
answered once the model is ready.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TETHER = Path(sys.executable).parent / "tether"
BOUND = 600.0  # seconds a start may take before the benchmark gives up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=1).status_code
    except httpx.HTTPError:
        return None


def one_start(workdir: Path, cache: Path, name: str) -> tuple[float, float]:
    """Seconds until /healthz answers and until /readyz says 200."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TETHER_")}
    env.update(TETHER_DATABASE_URL=f"sqlite:///{workdir / (name + '.db')}",
               TETHER_CACHE_DIR=str(cache))
    with (workdir / f"{name}.log").open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen([str(TETHER), "serve", "--host", "127.0.0.1",
                                    "--port", str(port)], cwd=workdir, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    listening = ready = None
    try:
        while time.perf_counter() - started < BOUND and ready is None:
            if process.poll() is not None:
                raise SystemExit(f"tether serve exited; see {workdir / (name + '.log')}")
            now = time.perf_counter() - started
            if listening is None and answers(f"http://127.0.0.1:{port}/healthz") == 200:
                listening = now
            if listening is not None and answers(f"http://127.0.0.1:{port}/readyz") == 200:
                ready = time.perf_counter() - started
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(30)
    if listening is None or ready is None:
        raise SystemExit(f"tether serve was not ready within {BOUND:.0f} s")
    return listening, ready


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restarts", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tether-startup-") as scratch:
        workdir = Path(scratch)
        cache = workdir / "cache"
        listening, ready = one_start(workdir, cache, "first")
        print(f"first start (trains the risk model): listens after {listening:5.1f} s, "
              f"ready after {ready:5.1f} s")
        for number in range(options.restarts):
            listening, ready = one_start(workdir, cache, f"restart-{number}")
            print(f"restart {number + 1} (loads the kept model):   listens after "
                  f"{listening:5.1f} s, ready after {ready:5.1f} s")


if __name__ == "__main__":
    main()
