"""The embedded intent classifier: accuracy on unseen texts, unknowns, languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.interpreter import DATA_DIR, EmbeddedInterpreter, default_interpreter
from bot.nlu.training import Example, load_directory

HELD_OUT = Path(__file__).resolve().parents[1] / "data" / "nlu" / "heldout"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_accuracy_on_held_out_replies(lang: str) -> None:
    """At least 85 % of realistic messages not in the training data get the right intent."""
    interpreter = default_interpreter()
    examples = [e for e in load_directory(HELD_OUT) if e.lang == lang]
    assert len(examples) >= 60
    right = sum(interpreter.classify(e.text, lang).name == e.intent for e in examples)
    assert right / len(examples) >= 0.85


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cross_validated_accuracy_does_not_regress(lang: str) -> None:
    """Trained on four fifths of the data, the rest is still mostly classified right."""
    examples = [e for e in load_directory(DATA_DIR) if e.lang == lang]
    right = 0
    for fold in range(5):
        train = [e for i, e in enumerate(examples) if i % 5 != fold]
        interpreter = EmbeddedInterpreter(train)
        right += sum(
            interpreter.classify(e.text, lang).name == e.intent
            for i, e in enumerate(examples)
            if i % 5 == fold
        )
    assert right / len(examples) >= 0.65


@pytest.mark.parametrize(
    ("text", "lang", "intent"),
    [
        ("please stop texting me", "en", "stop_request"),
        ("dont text me anymore", "en", "stop_request"),
        ("take me off this list", "en", "stop_request"),
        ("deja de escribirme", "es", "stop_request"),
        ("ya no me manden mensajes", "es", "stop_request"),
        ("can someone call me", "en", "talk_to_someone"),
        ("can i reschedual my apointment", "en", "reschedule"),
        ("grax", "es", "thanks"),
        ("hola", "es", "greeting"),
    ],
)
def test_typical_messages(text: str, lang: str, intent: str) -> None:
    """Everyday messages, typos included, are sorted to the intent a navigator would pick."""
    assert default_interpreter().classify(text, lang).name == intent


@pytest.mark.parametrize(
    "text", ["asdfgh", "my car broke down", "the bus was late", "lorem ipsum dolor", "", "?!"]
)
def test_unrelated_messages_are_unknown(text: str) -> None:
    """A message that fits no intent is `unknown` rather than a guess."""
    intent = default_interpreter().classify(text, "en")
    assert intent.name == "unknown"
    assert intent.confidence == 0.0


def test_other_language_is_a_fallback() -> None:
    """A Spanish message from a client registered in English is still understood."""
    assert default_interpreter().classify("quiero cancelar mi cita", "en").name == (
        "cancel_appointment"
    )


def test_confidence_is_between_zero_and_one() -> None:
    """The reported confidence is a similarity, never above 1."""
    intent = default_interpreter().classify("thank you", "en")
    assert intent.name == "thanks"
    assert 0.25 <= intent.confidence <= 1.0


def test_threshold_turns_weak_matches_into_unknown() -> None:
    """Raising the threshold makes a loose match `unknown`."""
    examples = [Example("i need to reschedule my appointment", "reschedule", "en")]
    assert EmbeddedInterpreter(examples, threshold=0.1).classify("appointment", "en").name == (
        "reschedule"
    )
    assert EmbeddedInterpreter(examples, threshold=0.9).classify("appointment", "en").name == (
        "unknown"
    )


def test_default_interpreter_is_built_once() -> None:
    """The default interpreter is cached, so the training data is read only once."""
    assert default_interpreter() is default_interpreter()
