"""Scoring of the built-in instruments, exactly as published. Pure.

Each scorer takes the answers of a run (answer key -> value, as the flow
files store them) and the client context, and returns a `Scored`. A scorer
never raises on missing answers: it returns status "incomplete" with the
values it could still work out (the engine uses those only to decide
safety escalations of an unfinished run; an incomplete result is recorded
with its status alone and no total).

- phq9: items 1-9 scored 0-3, total 0-27; minimal 0-4, mild 5-9, moderate
  10-14, moderately_severe 15-19, severe 20-27. Item 10 (difficulty, 0-3)
  is not scored and is kept as a label.
- phq2: PHQ-9 items 1-2, total 0-6, positive at 3 or more.
- gad7: items 1-7 scored 0-3, total 0-21; minimal 0-4, mild 5-9, moderate
  10-14, severe 15-21.
- gad2: GAD-7 items 1-2, total 0-6, positive at 3 or more.
- auditc: items 1-3 scored 0-4, total 0-12; positive at 4 or more for men,
  3 or more for women (and when sex is unknown).
- cssrs: yes/no q1-q6 and q6_recent; risk none / low / moderate / high.
- adherence: taken yes/no and the reason when not; craving: 0-10 and trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Answers = Mapping[str, Any]
Context = Mapping[str, str]


@dataclass(frozen=True)
class Scored:
    instrument: str
    status: Literal["complete", "incomplete"]
    values: dict[str, Any]  # result keys, e.g. {"phq9.total": 12, "phq9.severity": "moderate"}
    items: dict[str, Any] = field(default_factory=dict)  # the answers the result is made of
    total: int | None = None
    severity: str | None = None


Scorer = Callable[[Answers, Context], Scored]


def _scores(answers: Answers, keys: list[str]) -> list[int] | None:
    """The integer answers under `keys`, or None when one is missing."""
    out: list[int] = []
    for key in keys:
        value = answers.get(key)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        out.append(value)
    return out


def _items(answers: Answers, keys: list[str]) -> dict[str, Any]:
    return {key: answers[key] for key in keys if key in answers}


def _incomplete(instrument: str, answers: Answers, keys: list[str],
                **values: Any) -> Scored:
    return Scored(
        instrument,
        "incomplete",
        {f"{instrument}.status": "incomplete", **values},
        items=_items(answers, keys),
    )


def _band(total: int, bands: list[tuple[int, str]]) -> str:
    """The label of the last band whose lower bound `total` reaches."""
    label = bands[0][1]
    for lower, name in bands:
        if total >= lower:
            label = name
    return label


PHQ9_BANDS = [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately_severe"),
              (20, "severe")]
GAD7_BANDS = [(0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe")]
SCREEN_POSITIVE_AT = 3  # PHQ-2 and GAD-2
AUDITC_POSITIVE_AT = {"male": 4, "female": 3}
# When sex is unknown the lower (women's) cut-off is used: it misses fewer
# people who drink at risky levels, and a false positive costs only a talk.
AUDITC_POSITIVE_AT_UNKNOWN = 3


def phq9_severity(total: int) -> str:
    return _band(total, PHQ9_BANDS)


def gad7_severity(total: int) -> str:
    return _band(total, GAD7_BANDS)


# Item 10 ("how difficult have these problems made it...") is not scored; its
# answer 0-3 is kept as a label.
PHQ9_DIFFICULTY = ("not_difficult_at_all", "somewhat_difficult", "very_difficult",
                   "extremely_difficult")


def score_phq9(answers: Answers, _context: Context) -> Scored:
    keys = [f"item{n}" for n in range(1, 10)]
    scores = _scores(answers, keys)
    difficulty = _scores(answers, ["item10"])
    if scores is None:
        return _incomplete("phq9", answers, [*keys, "item10"])
    total = sum(scores)
    severity = phq9_severity(total)
    values: dict[str, Any] = {
        "phq9.total": total,
        "phq9.severity": severity,
        "phq9.item9": scores[8],
        "phq9.status": "complete",
    }
    if difficulty is not None and 0 <= difficulty[0] < len(PHQ9_DIFFICULTY):
        values["phq9.difficulty"] = PHQ9_DIFFICULTY[difficulty[0]]
    return Scored("phq9", "complete", values, _items(answers, [*keys, "item10"]), total,
                  severity)


def _two_item_screen(instrument: str, answers: Answers) -> Scored:
    keys = ["item1", "item2"]
    scores = _scores(answers, keys)
    if scores is None:
        return _incomplete(instrument, answers, keys)
    total = sum(scores)
    values = {
        f"{instrument}.total": total,
        f"{instrument}.positive": total >= SCREEN_POSITIVE_AT,
        f"{instrument}.status": "complete",
    }
    return Scored(instrument, "complete", values, _items(answers, keys), total)


def score_phq2(answers: Answers, _context: Context) -> Scored:
    return _two_item_screen("phq2", answers)


def score_gad2(answers: Answers, _context: Context) -> Scored:
    return _two_item_screen("gad2", answers)


def score_gad7(answers: Answers, _context: Context) -> Scored:
    keys = [f"item{n}" for n in range(1, 8)]
    scores = _scores(answers, keys)
    if scores is None:
        return _incomplete("gad7", answers, keys)
    total = sum(scores)
    severity = gad7_severity(total)
    values = {"gad7.total": total, "gad7.severity": severity, "gad7.status": "complete"}
    return Scored("gad7", "complete", values, _items(answers, keys), total, severity)


def auditc_cutoff(sex: str | None) -> int:
    return AUDITC_POSITIVE_AT.get((sex or "").strip().lower(), AUDITC_POSITIVE_AT_UNKNOWN)


def score_auditc(answers: Answers, context: Context) -> Scored:
    keys = ["item1", "item2", "item3"]
    first = _scores(answers, ["item1"])
    if first is None:
        return _incomplete("auditc", answers, keys)
    if first[0] == 0:
        # "Never" drinks: items 2 and 3 score 0 and the flow does not ask them.
        scores: list[int] | None = [0, *(_scores(answers, keys[1:]) or [0, 0])]
    else:
        scores = _scores(answers, keys)
    if scores is None:
        return _incomplete("auditc", answers, keys)
    total = sum(scores)
    values = {
        "auditc.total": total,
        "auditc.positive": total >= auditc_cutoff(context.get("sex")),
        "auditc.status": "complete",
    }
    return Scored("auditc", "complete", values, _items(answers, keys), total)


CSSRS_KEYS = ["q1", "q2", "q3", "q4", "q5", "q6", "q6_recent"]


def cssrs_risk(answers: Answers) -> str:
    """The screener's triage from the answers given; an unanswered question
    counts as "no" (used as is for unfinished runs).

    high: intent (Q4), plan (Q5) or suicidal behaviour in the past 3 months;
    moderate: method (Q3) or behaviour more than 3 months ago;
    low: wish to be dead (Q1) or non-specific thoughts (Q2) only; none: all no.
    """

    def yes(key: str) -> bool:
        return answers.get(key) is True

    behaviour = yes("q6")
    if yes("q4") or yes("q5") or (behaviour and yes("q6_recent")):
        return "high"
    if yes("q3") or behaviour:
        return "moderate"
    if yes("q1") or yes("q2"):
        return "low"
    return "none"


def score_cssrs(answers: Answers, _context: Context) -> Scored:
    required = ["q1", "q2", "q6"]
    if answers.get("q2") is True:
        required += ["q3", "q4", "q5"]
    if answers.get("q6") is True:
        required.append("q6_recent")
    risk = cssrs_risk(answers)
    if any(not isinstance(answers.get(key), bool) for key in required):
        return _incomplete("cssrs", answers, CSSRS_KEYS, **{"cssrs.risk": risk})
    values = {"cssrs.risk": risk, "cssrs.status": "complete"}
    return Scored("cssrs", "complete", values, _items(answers, CSSRS_KEYS), severity=risk)


def score_adherence(answers: Answers, _context: Context) -> Scored:
    keys = ["taken", "reason"]
    taken = answers.get("taken")
    if not isinstance(taken, bool):
        return _incomplete("adherence", answers, keys)
    values: dict[str, Any] = {"adherence.taken": taken}
    reason = answers.get("reason")
    if not taken and reason is None:
        return _incomplete("adherence", answers, keys, **values)
    if not taken:
        values["adherence.reason"] = reason
    values["adherence.status"] = "complete"
    return Scored("adherence", "complete", values, _items(answers, keys))


CRAVING_SKIPPED = "skipped"  # the trigger option a client chooses with SKIP


def score_craving(answers: Answers, _context: Context) -> Scored:
    keys = ["score", "trigger"]
    score = _scores(answers, ["score"])
    if score is None:
        return _incomplete("craving", answers, keys)
    values: dict[str, Any] = {"craving.score": score[0], "craving.status": "complete"}
    trigger = answers.get("trigger")
    if isinstance(trigger, str) and trigger and trigger != CRAVING_SKIPPED:
        values["craving.trigger"] = trigger
    return Scored("craving", "complete", values, _items(answers, keys), score[0])


SCORERS: dict[str, Scorer] = {
    "phq9": score_phq9,
    "phq2": score_phq2,
    "gad7": score_gad7,
    "gad2": score_gad2,
    "auditc": score_auditc,
    "cssrs": score_cssrs,
    "adherence": score_adherence,
    "craving": score_craving,
}


def score(instrument: str, answers: Answers, context: Context) -> Scored:
    """Score `instrument`; raises KeyError for an instrument with no scorer."""
    return SCORERS[instrument](answers, context)
