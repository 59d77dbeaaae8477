"""How the risk detector does on messages it has not seen: leave-one-file-out cross-validation.

    .venv/bin/python bench/risk_generalisation.py [--examples data/risk/examples]
        [--frozen-commit 1f7e779] [--fp-budget 0.03]

Each example file was written as a separate batch, so a file is the unit held
out: the classifier is trained on the other files and scored on it. The
thresholds used on a held-out file are chosen from the out-of-fold scores of
the *other* files only (never from the file being tested), with the current
lexicon; the thresholds for
the product are chosen the same way from all files together. The rule: the
highest crisis + concern recall whose ordinary messages flagged by the
classifier (on top of the current lexicon and its guard) stay within --fp-budget;
recall here is the classifier's own, since the current lexicon already catches
nearly every example and would leave the choice to chance.

Two lexicons are compared, because the current lexicon was written with every
example file in view and so scores about 100 % on all of them; its
"lexicon alone" column says nothing about unseen messages:

A. the current lexicon, on every file (optimistic for the lexicon);
B. the lexicon as frozen at --frozen-commit, before any heldout*/negatives file
   was written, on those files only: an honest stand-in for the lexicon on
   fresh messages. It is run from `git archive` of that commit in a temporary
   directory, and it has no `explained` flag, so the classifier runs unguarded
   there (its false positives are, if anything, overstated).

Prints the tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.escalation.evaluate import LABELS, TARGETS, LabelledMessage, passes  # noqa: E402
from bot.escalation.learned import (  # noqa: E402
    LearnedRiskModel,
    Score,
    Thresholds,
    after_ordinary,
    consulted,
    learned_level,
    ordinary_replies,
    unexplained,
)
from bot.escalation.risk import default_lexicon_detector  # noqa: E402
from bot.escalation.types import RiskLevel  # noqa: E402

ORDINARY = ordinary_replies()  # the product trains on these too
GRID = [round(0.20 + 0.05 * i, 2) for i in range(16)]  # 0.20 .. 0.95
# Files written after the frozen lexicon: the ones it never saw.
UNSEEN_BY_FROZEN = ("heldout", "negatives")


@dataclass(frozen=True)
class Row:
    file: str
    message: LabelledMessage
    lexicon: RiskLevel  # the lexicon's level
    rest: str  # the message less what the lexicon read as ordinary (learned.unexplained)
    score: Score  # out-of-fold classifier score of `rest`
    whole: Score  # ... and of the whole message


def load_files(folder: Path) -> dict[str, list[LabelledMessage]]:
    files: dict[str, list[LabelledMessage]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        files[path.stem] = [
            LabelledMessage(r["text"], r.get("lang", "en"), r["label"], r.get("category"))
            for r in rows
        ]
    return files


def out_of_fold(
    files: dict[str, list[LabelledMessage]], rests: dict[str, list[str]]
) -> dict[str, list[tuple[Score, Score]]]:
    """For each file, the scores of its messages and of their `rests` by a classifier
    trained on all the other files."""
    scores: dict[str, list[tuple[Score, Score]]] = {}
    for held in files:
        started = time.perf_counter()
        model = LearnedRiskModel([*(m for name, ms in files.items() if name != held for m in ms),
                                  *ORDINARY])
        scores[held] = [
            (whole := model.score(m.text), whole if rest == m.text else model.score(rest))
            for m, rest in zip(files[held], rests[held], strict=True)
        ]
        print(f"  fold {held:10} trained in {time.perf_counter() - started:4.1f} s", flush=True)
    return scores


def combined(row: Row, thresholds: Thresholds | None) -> RiskLevel:
    """The backstop's rule (learned.backstop) on stored levels and scores."""
    if thresholds is None or row.lexicon >= RiskLevel.HIGH:
        return row.lexicon
    if not consulted(row.message.text) or not consulted(row.rest):
        return row.lexicon
    if row.rest != row.message.text:
        thresholds = after_ordinary(thresholds)
    return max(row.lexicon, learned_level(row.score, thresholds))


def rates(rows: Sequence[Row], thresholds: Thresholds | None) -> dict[str, tuple[int, float]]:
    """Per label: (n, recall for crisis/concern, flagged share for none)."""
    out: dict[str, tuple[int, float]] = {}
    for label in LABELS:
        cell = [r for r in rows if r.message.label == label]
        good = sum(passes(label, combined(r, thresholds)) for r in cell)
        figure = good if label != "none" else len(cell) - good
        out[label] = (len(cell), figure / len(cell) if cell else float("nan"))
    return out


def added_fp(rows: Sequence[Row], thresholds: Thresholds) -> float:
    """Ordinary messages the classifier flags that the lexicon left alone."""
    ordinary = [r for r in rows if r.message.label == "none" and r.lexicon == RiskLevel.NONE]
    flagged = sum(combined(r, thresholds) > RiskLevel.NONE for r in ordinary)
    return flagged / max(1, len(ordinary))


def own_recall(rows: Sequence[Row], thresholds: Thresholds) -> float:
    """The classifier's own crisis (>= high) plus concern (>= concern) recall. The lexicon
    is left out: it was written from these files and would hide the classifier's misses."""
    total = 0.0
    for label, floor in (("crisis", RiskLevel.HIGH), ("concern", RiskLevel.CONCERN)):
        cell = [r for r in rows if r.message.label == label]
        total += sum(
            consulted(r.message.text) and learned_level(r.whole, thresholds) >= floor
            for r in cell
        ) / len(cell)
    return total


def choose(rows: Sequence[Row], fp_budget: float) -> Thresholds:
    """The thresholds with the best own recall within the false-positive budget."""
    best: tuple[float, float, float, float] | None = None
    choice = Thresholds(1.0, 1.0)
    for high in GRID:
        for concern in GRID:
            candidate = Thresholds(high, concern)
            fp = added_fp(rows, candidate)
            if fp > fp_budget:
                continue
            recall = own_recall(rows, candidate)
            key = (recall, -fp, high, concern)
            if best is None or key > best:
                best, choice = key, candidate
    return choice


def nested(rows: Sequence[Row], files: Sequence[str], fp_budget: float) -> dict[str, Thresholds]:
    """For each file, thresholds chosen without looking at it."""
    return {f: choose([r for r in rows if r.file != f], fp_budget) for f in files}


def table(title: str, rows: Sequence[Row], per_file: dict[str, Thresholds]) -> None:
    print(f"\n{title}")
    print(
        f"{'label':8} {'lang':4} {'n':>5}  {'figure':26} {'lexicon':>8} {'combined':>9} "
        f"{'target':>7}"
    )
    for label in LABELS:
        for lang in ("en", "es", "all"):
            cell = [r for r in rows if lang in ("all", r.message.lang)]
            alone = rates(cell, None)[label]
            if not alone[0]:
                continue
            got = [r for r in cell if r.message.label == label]
            good = sum(passes(label, combined(r, per_file[r.file])) for r in got)
            both = (good if label != "none" else len(got) - good) / len(got)
            name = {"crisis": "raised to >= high", "concern": "flagged >= concern"}.get(
                label, "flagged (false positive)"
            )
            sign = "<=" if label == "none" else ">="
            print(
                f"{label:8} {lang:4} {alone[0]:>5}  {name:26} {alone[1]:8.1%} {both:9.1%} "
                f"{sign}{TARGETS[label]:4.0%}"
            )
    imminent = sum(
        combined(r, per_file[r.file]) == RiskLevel.IMMINENT and r.lexicon < RiskLevel.IMMINENT
        for r in rows
    )
    over = [r for r in rows if r.message.label == "concern"]
    paged = sum(combined(r, per_file[r.file]) >= RiskLevel.HIGH for r in over)
    print(f"raised to imminent by the classifier: {imminent}; "
          f"concern messages paged as high: {paged}/{len(over)}")


def frozen_levels(commit: str, messages: Sequence[LabelledMessage]) -> list[RiskLevel] | None:
    """The levels the lexicon of `commit` gives, run from a git archive of that commit."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit, "bot", "data"],  # noqa: S607 - on PATH
            capture_output=True, check=False,
        )
        if archive.returncode != 0:
            print(f"(no frozen lexicon: git archive {commit} failed)")
            return None
        tar = ["tar", "-x", "-C", folder]
        subprocess.run(tar, input=archive.stdout, check=True)
        script = (
            "import json, sys\n"
            "from bot.escalation.risk import assess\n"
            "for line in sys.stdin:\n"
            "    m = json.loads(line)\n"
            "    print(int(assess(m['text'], m['lang']).level))\n"
        )
        lines = "".join(json.dumps({"text": m.text, "lang": m.lang}) + "\n" for m in messages)
        done = subprocess.run(
            [sys.executable, "-c", script], input=lines, capture_output=True, text=True,
            cwd=folder, check=True,
        )
        return [RiskLevel(int(v)) for v in done.stdout.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=ROOT / "data" / "risk" / "examples")
    parser.add_argument("--frozen-commit", default="1f7e779")
    parser.add_argument("--fp-budget", type=float, default=0.03)
    args = parser.parse_args()
    files = load_files(args.examples)
    print(f"{sum(map(len, files.values()))} messages in {len(files)} files; "
          "leave-one-file-out:")
    lexicon = default_lexicon_detector()
    found = {name: [lexicon.assess(m.text, m.lang) for m in messages]
             for name, messages in files.items()}
    rests = {name: [unexplained(m.text, a.explained) for m, a in zip(
        messages, found[name], strict=True)] for name, messages in files.items()}
    scores = out_of_fold(files, rests)
    rows: list[Row] = []
    for name, messages in files.items():
        for message, assessment, rest, (whole, score) in zip(
            messages, found[name], rests[name], scores[name], strict=True
        ):
            rows.append(Row(name, message, assessment.level, rest, score, whole))
    product = choose(rows, args.fp_budget)
    per_file = nested(rows, list(files), args.fp_budget)
    print(f"\nproduct thresholds (all files, added FP <= {args.fp_budget:.0%}): "
          f"high {product.high:.2f}, concern {product.concern:.2f}")
    spread = sorted({(t.high, t.concern) for t in per_file.values()})
    print(f"per-file thresholds (chosen without the file): {spread}")
    table("A. current lexicon (written with every file in view) vs + classifier, all files",
          rows, per_file)
    unseen = [r for r in rows if r.file.startswith(UNSEEN_BY_FROZEN)]
    levels = frozen_levels(args.frozen_commit, [r.message for r in unseen])
    if levels is not None:
        old = [Row(r.file, r.message, level, r.message.text, r.whole, r.whole)
               for r, level in zip(unseen, levels, strict=True)]
        old_files = sorted({r.file for r in old})
        table(
            f"B. lexicon frozen at {args.frozen_commit} vs + classifier, on the "
            f"{len(old_files)} files written after it (same per-file thresholds as A)",
            old, per_file,
        )


if __name__ == "__main__":
    main()
