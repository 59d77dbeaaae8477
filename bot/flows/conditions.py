"""Evaluating branch conditions. Pure, no eval(): a condition is data (see
`bot.flows.schema.Condition`) and every test is a plain comparison.

A subject that has no value (an unanswered question, a missing context
fact, a result the answers cannot give yet) makes the test false, and so do
comparisons across types (yes/no against a number, text against a number).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flows.schema import Condition
from bot.flows.scoring import SCORERS

_MISSING = object()


def holds(condition: Condition, answers: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    if condition.any is not None:
        return any(holds(part, answers, context) for part in condition.any)
    if condition.all is not None:
        return all(holds(part, answers, context) for part in condition.all)
    if condition.not_ is not None:
        return not holds(condition.not_, answers, context)
    subject = _subject(condition, answers, context)
    if subject is _MISSING:
        return False
    return all(_compare(subject, op, _operand(condition, op)) for op in condition.operators())


def result_value(name: str, answers: Mapping[str, Any], context: Mapping[str, str]) -> Any:
    """`instrument.field` of the instrument's scoring of `answers`, or None."""
    instrument, _, _ = name.partition(".")
    scorer = SCORERS.get(instrument)
    if scorer is None:
        return None
    return scorer(answers, context).values.get(name)


def _subject(condition: Condition, answers: Mapping[str, Any],
             context: Mapping[str, str]) -> Any:
    if condition.answer is not None:
        return answers.get(condition.answer, _MISSING)
    if condition.sum is not None:
        values = [answers.get(key) for key in condition.sum]
        if not all(_is_number(value) for value in values):
            return _MISSING
        return sum(values)
    if condition.context is not None:
        found = context.get(condition.context)
        return _MISSING if found is None else found.strip().lower()
    if condition.result is not None:
        value = result_value(condition.result, answers, context)
        return _MISSING if value is None else value
    return _MISSING


def _operand(condition: Condition, op: str) -> Any:
    return getattr(condition, op)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b)
    return type(a) is type(b)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    return _same_kind(a, b) and bool(a == b)


def _compare(subject: Any, op: str, operand: Any) -> bool:
    if op == "eq":
        return _equal(subject, operand)
    if op == "ne":
        return not _equal(subject, operand)
    if op == "in_":
        return any(_equal(subject, item) for item in operand or [])
    if not (_is_number(subject) and _is_number(operand)):
        return False
    if op == "gt":
        return bool(subject > operand)
    if op == "gte":
        return bool(subject >= operand)
    if op == "lt":
        return bool(subject < operand)
    return bool(subject <= operand)  # lte


def describe(condition: Condition) -> str:
    """A short reading of a condition, for diagrams and problem reports."""
    if condition.any is not None:
        return " or ".join(f"({describe(part)})" for part in condition.any)
    if condition.all is not None:
        return " and ".join(f"({describe(part)})" for part in condition.all)
    if condition.not_ is not None:
        return f"not ({describe(condition.not_)})"
    if condition.sum is not None:
        keys = condition.sum
        shown_keys = ", ".join(keys) if len(keys) <= 3 else f"{keys[0]} … {keys[-1]}"
        subject = f"sum({shown_keys})"
    else:
        subject = condition.answer or condition.context or condition.result or "?"
    symbols = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=",
               "in_": "in"}
    parts = []
    for op in condition.operators():
        operand = _operand(condition, op)
        shown = "[" + ", ".join(_show(v) for v in operand) + "]" if op == "in_" else _show(operand)
        parts.append(f"{subject} {symbols[op]} {shown}")
    return " and ".join(parts) or subject


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
