"""Scoring against the published instruments: every band boundary, every
cut-off, every C-SSRS outcome."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.scoring import (
    cssrs_risk,
    gad7_severity,
    phq9_severity,
    score,
    score_auditc,
    score_cssrs,
    score_phq9,
)


def items(scores: list[int], start: int = 1) -> dict[str, Any]:
    return {f"item{n}": value for n, value in enumerate(scores, start)}


def spread(total: int, count: int, top: int = 3) -> list[int]:
    """`count` item scores of at most `top` that add up to `total`."""
    out = []
    for _ in range(count):
        take = min(top, total)
        out.append(take)
        total -= take
    assert total == 0
    return out


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"),
     (20, "severe"), (27, "severe")],
)
def test_phq9_severity_bands(total: int, severity: str) -> None:
    """PHQ-9 bands 0-4 / 5-9 / 10-14 / 15-19 / 20-27, at each boundary."""
    assert phq9_severity(total) == severity
    scored = score_phq9(items(spread(total, 9)), {})
    assert scored.total == total
    assert scored.values["phq9.severity"] == severity
    assert scored.values["phq9.total"] == total


@pytest.mark.parametrize(
    ("total", "severity"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "severe"), (21, "severe")],
)
def test_gad7_severity_bands(total: int, severity: str) -> None:
    """GAD-7 bands 0-4 / 5-9 / 10-14 / 15-21, at each boundary."""
    assert gad7_severity(total) == severity
    scored = score("gad7", items(spread(total, 7)), {})
    assert scored.values == {"gad7.total": total, "gad7.severity": severity,
                             "gad7.status": "complete"}


def test_phq9_result_values() -> None:
    """Item 9 and the difficulty label are recorded; item 10 is not scored."""
    scored = score_phq9({**items([1, 2, 3, 0, 1, 0, 2, 1, 2]), "item10": 3}, {})
    assert scored.values == {
        "phq9.total": 12,
        "phq9.severity": "moderate",
        "phq9.item9": 2,
        "phq9.difficulty": "extremely_difficult",
        "phq9.status": "complete",
    }
    assert scored.items["item10"] == 3


def test_phq9_without_item10_has_no_difficulty() -> None:
    """All items 0: item 10 is not asked and not recorded."""
    assert "phq9.difficulty" not in score_phq9(items([0] * 9), {}).values


def test_phq9_missing_item_is_incomplete_with_no_total() -> None:
    """Eight answers are not a PHQ-9."""
    scored = score_phq9(items([3] * 8), {})
    assert scored.status == "incomplete"
    assert scored.total is None
    assert scored.values == {"phq9.status": "incomplete"}


@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
@pytest.mark.parametrize(("scores", "positive"), [([1, 1], False), ([2, 0], False),
                                                  ([2, 1], True), ([0, 3], True),
                                                  ([3, 3], True)])
def test_two_item_screens_are_positive_at_three(instrument: str, scores: list[int],
                                                positive: bool) -> None:
    """PHQ-2 and GAD-2: total 0-6, positive at 3 or more."""
    scored = score(instrument, items(scores), {})
    assert scored.values == {
        f"{instrument}.total": sum(scores),
        f"{instrument}.positive": positive,
        f"{instrument}.status": "complete",
    }


@pytest.mark.parametrize(
    ("sex", "total", "positive"),
    [("female", 2, False), ("female", 3, True), ("male", 3, False), ("male", 4, True),
     ("Female", 3, True), (None, 2, False), (None, 3, True), ("other", 3, True)],
)
def test_auditc_cutoffs(sex: str | None, total: int, positive: bool) -> None:
    """AUDIT-C: >=3 women, >=4 men, >=3 when sex is unknown."""
    context = {"sex": sex} if sex else {}
    scored = score_auditc(items([1, *spread(total - 1, 2, top=4)]), context)
    assert scored.values == {"auditc.total": total, "auditc.positive": positive,
                             "auditc.status": "complete"}


def test_auditc_never_drinking_scores_zero_without_items_2_and_3() -> None:
    """"Never" on item 1 completes the AUDIT-C at 0."""
    scored = score_auditc({"item1": 0}, {"sex": "female"})
    assert scored.status == "complete"
    assert scored.values["auditc.total"] == 0
    assert scored.values["auditc.positive"] is False


def test_auditc_maximum() -> None:
    """Three items of 0-4: 12 at most."""
    assert score_auditc(items([4, 4, 4]), {}).total == 12


YES, NO = True, False


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        ({"q1": NO, "q2": NO, "q6": NO}, "none"),
        ({"q1": YES, "q2": NO, "q6": NO}, "low"),
        ({"q1": NO, "q2": YES, "q3": NO, "q4": NO, "q5": NO, "q6": NO}, "low"),
        ({"q1": YES, "q2": YES, "q3": YES, "q4": NO, "q5": NO, "q6": NO}, "moderate"),
        ({"q1": NO, "q2": NO, "q6": YES, "q6_recent": NO}, "moderate"),
        ({"q1": YES, "q2": YES, "q3": YES, "q4": YES, "q5": NO, "q6": NO}, "high"),
        ({"q1": YES, "q2": YES, "q3": NO, "q4": NO, "q5": YES, "q6": NO}, "high"),
        ({"q1": NO, "q2": NO, "q6": YES, "q6_recent": YES}, "high"),
    ],
)
def test_cssrs_outcomes(answers: dict[str, bool], risk: str) -> None:
    """Columbia triage: high (Q4, Q5, recent behaviour), moderate (Q3, older
    behaviour), low (Q1/Q2 only), none."""
    scored = score_cssrs(answers, {})
    assert scored.status == "complete"
    assert scored.values == {"cssrs.risk": risk, "cssrs.status": "complete"}


def test_cssrs_unfinished_is_incomplete_but_still_triaged() -> None:
    """Yes to intent, then silence: incomplete, and the risk is already high."""
    answers = {"q1": YES, "q2": YES, "q3": YES, "q4": YES}
    scored = score_cssrs(answers, {})
    assert scored.status == "incomplete"
    assert cssrs_risk(answers) == "high"
    assert scored.values["cssrs.risk"] == "high"


@pytest.mark.parametrize(
    ("answers", "values"),
    [
        ({"taken": True}, {"adherence.taken": True, "adherence.status": "complete"}),
        ({"taken": False, "reason": "ran_out"},
         {"adherence.taken": False, "adherence.reason": "ran_out",
          "adherence.status": "complete"}),
        ({}, {"adherence.status": "incomplete"}),
    ],
)
def test_adherence(answers: dict[str, Any], values: dict[str, Any]) -> None:
    """adherence.taken true/false, with the reason when not taken."""
    assert score("adherence", answers, {}).values == values


@pytest.mark.parametrize(
    ("answers", "values"),
    [
        ({"score": 3}, {"craving.score": 3, "craving.status": "complete"}),
        ({"score": 6, "trigger": "stress"},
         {"craving.score": 6, "craving.trigger": "stress", "craving.status": "complete"}),
        ({"score": 6, "trigger": "skipped"}, {"craving.score": 6, "craving.status": "complete"}),
        ({"score": 9, "trigger": "my ex called"},
         {"craving.score": 9, "craving.trigger": "my ex called", "craving.status": "complete"}),
    ],
)
def test_craving(answers: dict[str, Any], values: dict[str, Any]) -> None:
    """craving.score 0-10 and the trigger unless skipped."""
    assert score("craving", answers, {}).values == values


def test_yes_no_is_not_a_score() -> None:
    """True is not 1: a yes/no answer never counts as an item score."""
    assert score_phq9({**items([0] * 8), "item9": True}, {}).status == "incomplete"
