"""Branch conditions: plain comparisons on answers, sums, context and results."""

from __future__ import annotations

from typing import Any

import pytest

from bot.flows.conditions import describe, holds
from bot.flows.schema import Condition


def check(condition: dict[str, Any], answers: dict[str, Any] | None = None,
          context: dict[str, str] | None = None) -> bool:
    return holds(Condition.model_validate(condition), answers or {}, context or {})


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"answer": "a", "gte": 1}, {"a": 1}, True),
        ({"answer": "a", "gte": 1}, {"a": 0}, False),
        ({"answer": "a", "gt": 1}, {"a": 1}, False),
        ({"answer": "a", "lt": 1}, {"a": 0}, True),
        ({"answer": "a", "lte": 1}, {"a": 2}, False),
        ({"answer": "a", "eq": True}, {"a": True}, True),
        ({"answer": "a", "eq": True}, {"a": 1}, False),
        ({"answer": "a", "eq": 1}, {"a": True}, False),
        ({"answer": "a", "ne": "ran_out"}, {"a": "forgot"}, True),
        ({"answer": "a", "in": ["x", "y"]}, {"a": "Y"}, True),
        ({"answer": "a", "gte": 1}, {"a": "three"}, False),
        ({"answer": "a", "gte": 1}, {}, False),
        ({"answer": "a", "ne": 1}, {}, False),
        ({"sum": ["a", "b"], "gte": 3}, {"a": 1, "b": 2}, True),
        ({"sum": ["a", "b"], "gte": 3}, {"a": 1}, False),
        ({"sum": ["a", "b"], "eq": 0}, {"a": 0, "b": True}, False),
    ],
)
def test_comparisons(condition: dict[str, Any], answers: dict[str, Any], expected: bool) -> None:
    """Missing values and mixed types make a test false, never an error."""
    assert check(condition, answers) is expected


def test_context_is_compared_without_case() -> None:
    """{context: sex, eq: female} matches "Female"."""
    assert check({"context": "sex", "eq": "female"}, context={"sex": "Female "})
    assert not check({"context": "sex", "eq": "female"})


def test_result_uses_the_instruments_scoring() -> None:
    """{result: phq2.positive, eq: true} scores the answers so far."""
    condition = {"result": "phq2.positive", "eq": True}
    assert check(condition, {"item1": 2, "item2": 1})
    assert not check(condition, {"item1": 1, "item2": 1})
    assert not check(condition, {"item1": 3})
    assert not check({"result": "nothing.total", "gte": 0}, {"item1": 3})


def test_any_all_not() -> None:
    """Combinations nest."""
    either = {"any": [{"answer": "a", "eq": True}, {"answer": "b", "eq": True}]}
    both = {"all": [{"answer": "a", "eq": True}, {"answer": "b", "eq": True}]}
    assert check(either, {"a": False, "b": True})
    assert not check(both, {"a": False, "b": True})
    assert check({"not": both}, {"a": False, "b": True})


def test_describe_reads_like_the_condition() -> None:
    """Diagram labels."""
    assert describe(Condition.model_validate({"answer": "item9", "gte": 1})) == "item9 >= 1"
    assert describe(Condition.model_validate({"answer": "q2", "eq": True})) == "q2 = yes"
    assert describe(Condition.model_validate(
        {"sum": ["item1", "item2", "item3", "item4"], "eq": 0})) == "sum(item1 … item4) = 0"
    assert describe(Condition.model_validate(
        {"any": [{"context": "sex", "eq": "female"}, {"answer": "a", "in": [1, 2]}]}
    )) == "(sex = female) or (a in [1, 2])"
