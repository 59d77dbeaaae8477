"""What the answer parser and the intent classifier take and give.

These types are the border between the flow engine and NLU: the engine turns a
question into an `AnswerSpec`, an `AnswerParser` maps the client's free text to
one of its values (or says it could not), and an `IntentClassifier` sorts
messages that are not answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

AnswerKind = Literal["choice", "yesno", "number", "text"]
Lang = Literal["en", "es"]
LANGS: tuple[Lang, ...] = ("en", "es")


@dataclass(frozen=True)
class OptionSpec:
    """One accepted answer of a choice question.

    `value` is what is stored (for scored items the score itself, so that a
    client who types "2" chooses the option whose value is 2). `labels` holds,
    per language, the label shown to the client followed by paraphrases a
    client may type. `keys` are short exact replies ("c", "x") that choose it.
    """

    value: int | str
    labels: dict[str, tuple[str, ...]]
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class AnswerSpec:
    kind: AnswerKind
    options: tuple[OptionSpec, ...] = ()
    minimum: int | None = None  # for kind == "number"
    maximum: int | None = None


@dataclass(frozen=True)
class ParsedAnswer:
    """A value the parser is sure enough of. `value` is an option value, a
    bool for yes/no, an int for numbers, or the stripped text for free text."""

    value: int | str | bool
    matched: str = ""  # the part of the text that decided it
    confidence: float = 1.0


class AnswerParser(Protocol):
    def parse(self, spec: AnswerSpec, text: str, lang: str) -> ParsedAnswer | None:
        """The answer `text` gives to a question of shape `spec`, or None when
        it cannot be understood (the engine then re-prompts)."""
        ...


INTENTS: tuple[str, ...] = (
    "help",
    "talk_to_someone",
    "stop_request",  # plain-language revocation: "please stop texting me"
    "reschedule",
    "confirm_appointment",
    "cancel_appointment",
    "refill_picked_up",
    "side_effects",
    "craving",
    "greeting",
    "thanks",
    "small_talk",
    "unknown",
)


@dataclass(frozen=True)
class Intent:
    name: str
    confidence: float
    entities: dict[str, str] = field(default_factory=dict)


class IntentClassifier(Protocol):
    def classify(self, text: str, lang: str) -> Intent:
        """The intent of a free message; `unknown` when nothing fits."""
        ...
