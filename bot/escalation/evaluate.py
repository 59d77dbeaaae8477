"""Measure the risk detector against a labelled set and print the figures.

    python -m bot.escalation.evaluate data/risk/examples/ [--misses]

A labelled set is one or more JSON-lines files, each line {"text", "lang",
"label": crisis|concern|none, optionally "category"}. The targets a clinic can
rely on: a crisis is raised to high or above (recall >= 98 %), a concern is
flagged at concern or above (>= 90 %), and an ordinary message is flagged in at
most 5 % of cases.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot.escalation.types import RiskDetector, RiskLevel

# The labelled examples: the product's own data (the learned backstop trains on them).
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "risk" / "examples"
LABELS = ("crisis", "concern", "none")
TARGETS = {"crisis": 0.98, "concern": 0.90, "none": 0.05}


@dataclass(frozen=True)
class LabelledMessage:
    text: str
    lang: str
    label: str
    category: str | None = None


def passes(label: str, level: RiskLevel) -> bool:
    """Whether the detector's level is right enough for a message with this label."""
    if label == "crisis":
        return level >= RiskLevel.HIGH
    if label == "concern":
        return level >= RiskLevel.CONCERN
    return level == RiskLevel.NONE


def load_labelled(path: Path) -> list[LabelledMessage]:
    """Every message of a .jsonl file, or of all .jsonl files in a directory."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    messages = []
    for file in files:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("label") not in LABELS or not isinstance(row.get("text"), str):
                raise ValueError(f"{file}:{number}: needs text and a label in {LABELS}")
            messages.append(
                LabelledMessage(
                    row["text"], row.get("lang", "en"), row["label"], row.get("category")
                )
            )
    return messages


@dataclass
class Cell:
    total: int = 0
    passed: int = 0
    misses: list[tuple[LabelledMessage, RiskLevel]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Recall for crisis/concern; the flagged (false-positive) rate for none."""
        return self.passed / self.total if self.total else 1.0


@dataclass
class Report:
    cells: dict[tuple[str, str], Cell]

    def cell(self, label: str, lang: str = "all") -> Cell:
        return self.cells.get((label, lang), Cell())

    def meets_targets(self) -> bool:
        return all(self._ok(label, self.cell(label)) for label in LABELS)

    @staticmethod
    def _ok(label: str, cell: Cell) -> bool:
        return cell.rate <= TARGETS[label] if label == "none" else cell.rate >= TARGETS[label]


def measure(detector: RiskDetector, messages: Iterable[LabelledMessage]) -> Report:
    """Run every message and count, per label and language, how many came out right."""
    cells: dict[tuple[str, str], Cell] = {}
    for message in messages:
        level = detector.assess(message.text, message.lang).level
        ok = passes(message.label, level)
        for lang in (message.lang, "all"):
            cell = cells.setdefault((message.label, lang), Cell())
            cell.total += 1
            # For "none" the counted figure is the flagged ones (false positives).
            counted = ok if message.label != "none" else not ok
            cell.passed += counted
            if not ok:
                cell.misses.append((message, level))
    return Report(cells)


def format_report(report: Report, show_misses: bool = False) -> str:
    """The figures as a table: one row per label and language."""
    langs = [*sorted({lang for _, lang in report.cells if lang != "all"}), "all"]
    lines = [f"{'label':8} {'lang':4} {'n':>5}  {'figure':28} {'target':>8}  ok"]
    for label in LABELS:
        for lang in langs:
            cell = report.cell(label, lang)
            if not cell.total:
                continue
            name = "flagged (false positives)" if label == "none" else (
                "raised to >= high" if label == "crisis" else "flagged >= concern")
            sign = "<=" if label == "none" else ">="
            ok = "yes" if Report._ok(label, cell) else "NO"
            lines.append(
                f"{label:8} {lang:4} {cell.total:>5}  {name:19} {cell.rate:7.1%}  "
                f"{sign}{TARGETS[label]:5.0%}  {ok}"
            )
    if show_misses:
        lines.append("")
        for label in LABELS:
            for message, level in report.cell(label).misses:
                lines.append(f"MISS {label:7} got {level.label:8} [{message.lang}] {message.text}")
    return "\n".join(lines)


def main(argv: Sequence[str], out: TextIO) -> int:
    from bot.escalation.risk import default_detector

    paths = [arg for arg in argv if not arg.startswith("--")] or [str(EXAMPLES_DIR)]
    messages = [m for path in paths for m in load_labelled(Path(path))]
    report = measure(default_detector(), messages)
    out.write(format_report(report, show_misses="--misses" in argv) + "\n")
    return 0 if report.meets_targets() else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:], sys.stdout))
