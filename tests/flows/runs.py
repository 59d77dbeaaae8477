"""Building and driving flow runs in tests: a fixed clock, the real answer
parser, and helpers to pick effects out of a step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import yaml

from bot.flows.effects import (
    Answer,
    Effect,
    Expire,
    RaiseEscalation,
    RecordResult,
    RunState,
    Send,
    Start,
    Step,
)
from bot.flows.engine import advance
from bot.flows.loader import builtin_flows
from bot.flows.schema import Flow
from bot.nlu.answers import EmbeddedAnswerParser

NOW = datetime(2027, 3, 13, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)  # past every built-in flow's expiry
PARSER = EmbeddedAnswerParser()
E = TypeVar("E", bound=Effect)


def builtin(flow_id: str) -> Flow:
    return builtin_flows()[flow_id]


def flow_from_yaml(text: str) -> Flow:
    """A flow from inline YAML (schema-checked only: the engine tests also
    feed it flows the validator would refuse)."""
    return Flow.model_validate(yaml.safe_load(text))


def start(flow: Flow, lang: str = "en", at: datetime = NOW, **context: str) -> Step:
    return advance(flow, None, Start(lang, dict(context)), at, PARSER)


def reply(flow: Flow, state: RunState, text: str, at: datetime = NOW) -> Step:
    return advance(flow, state, Answer(text), at, PARSER)


def expire(flow: Flow, state: RunState, at: datetime = LATER) -> Step:
    return advance(flow, state, Expire(1), at, PARSER)


def run(flow: Flow, replies: Iterable[str], lang: str = "en", **context: str) -> list[Step]:
    """Start a run and send `replies` in turn; every step, the start first."""
    steps = [start(flow, lang, **context)]
    for text in replies:
        steps.append(reply(flow, steps[-1].state, text, NOW + timedelta(minutes=len(steps))))
    return steps


def effects(steps: Step | Iterable[Step]) -> list[Effect]:
    if isinstance(steps, Step):
        return list(steps.effects)
    return [effect for step in steps for effect in step.effects]


def of(kind: type[E], steps: Step | Iterable[Step]) -> list[E]:
    return [effect for effect in effects(steps) if isinstance(effect, kind)]


def texts(steps: Step | Iterable[Step], kind: str | None = None) -> list[str]:
    return [send.text for send in of(Send, steps) if kind is None or send.kind == kind]


def results(steps: Step | Iterable[Step]) -> dict[str, Any]:
    """All recorded result values, merged."""
    merged: dict[str, Any] = {}
    for record in of(RecordResult, steps):
        merged.update(record.values)
    return merged


def escalations(steps: Step | Iterable[Step]) -> list[tuple[str, str]]:
    return [(e.level, e.category) for e in of(RaiseEscalation, steps)]
