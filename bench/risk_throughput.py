"""Throughput of the risk detector on one core: messages per second and per-message latency.

    .venv/bin/python bench/risk_throughput.py [--messages 50000] [--set data/risk/examples]

Runs the labelled set repeated up to --messages, after one warm-up pass, and also
a mix of typical check-in replies. Prints figures; asserts nothing. CPU time of
this process is used, so other load on the machine disturbs the figures less.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.escalation.evaluate import load_labelled  # noqa: E402
from bot.escalation.risk import default_detector  # noqa: E402

TYPICAL = [
    ("3", "en"), ("yes", "en"), ("took my meds", "en"), ("several days", "en"),
    ("nearly every day", "en"), ("ok thanks", "en"), ("can i move my appt to friday?", "en"),
    ("feeling a bit better today", "en"), ("2 — slept badly", "en"), ("👍", "en"),
    ("sí", "es"), ("ya me tomé la pastilla", "es"), ("varios días", "es"), ("gracias", "es"),
    ("me siento mejor", "es"), ("no", "es"),
]


def measure(pairs: list[tuple[str, str]], count: int) -> tuple[float, list[float]]:
    """Messages per second over `count` messages, and each message's latency in seconds."""
    detector = default_detector()
    for text, lang in pairs:
        detector.assess(text, lang)  # warm-up: caches of spelling correction and folding
    latencies: list[float] = []
    clock = time.process_time
    sample = time.perf_counter_ns
    start = clock()
    done = 0
    while done < count:
        for text, lang in pairs:
            begin = sample()
            detector.assess(text, lang)
            latencies.append((sample() - begin) / 1e9)
            done += 1
            if done >= count:
                break
    elapsed = clock() - start
    return done / elapsed, latencies


def report(name: str, pairs: list[tuple[str, str]], count: int) -> None:
    rate, latencies = measure(pairs, count)
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:28} {len(latencies):>7} msgs  {rate:>9,.0f} msg/s  "
        f"p50 {cuts[49] * 1e6:7.1f} us  p99 {cuts[98] * 1e6:7.1f} us"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--set", type=Path, default=ROOT / "data" / "risk" / "examples")
    args = parser.parse_args()
    labelled = [(m.text, m.lang) for m in load_labelled(args.set)]
    report(f"labelled set ({len(labelled)})", labelled, args.messages)
    report("typical check-in replies", TYPICAL, args.messages)


if __name__ == "__main__":
    main()
