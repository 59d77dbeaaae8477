"""Loading Rasa NLU training-data files, good and malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.interpreter import DATA_DIR
from bot.nlu.training import TrainingDataError, load_directory, load_file
from bot.nlu.types import INTENTS

GOOD = """\
version: "3.1"
nlu:
- intent: greeting
  examples: |
    - hi
    - good morning

- intent: reschedule
  examples: |
    - can we move it to [friday](day)
- synonym: friday
  examples: |
    - fri
"""


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_gives_examples_with_language_from_name(tmp_path: Path) -> None:
    """Examples are read per intent, tagged with the file's language, annotations removed."""
    examples = load_file(_write(tmp_path, "es_extra.yml", GOOD))
    assert [(e.intent, e.text, e.lang) for e in examples] == [
        ("greeting", "hi", "es"),
        ("greeting", "good morning", "es"),
        ("reschedule", "can we move it to friday", "es"),
    ]


def test_shipped_data_covers_every_intent_in_both_languages() -> None:
    """Every intent but `unknown` has at least 15 examples in English and in Spanish."""
    examples = load_directory(DATA_DIR)
    for lang in ("en", "es"):
        for intent in INTENTS:
            count = sum(1 for e in examples if e.lang == lang and e.intent == intent)
            if intent == "unknown":
                assert count == 0
            else:
                assert count >= 15, (lang, intent, count)


def test_shipped_examples_are_not_repeated() -> None:
    """No example text is listed twice within a language."""
    examples = load_directory(DATA_DIR)
    keys = [(e.lang, e.text.lower()) for e in examples]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("name", "text", "problem"),
    [
        ("en.yml", "nlu: [\n", "not valid YAML"),
        ("en.yml", "- just a list\n", "expected a mapping"),
        ("en.yml", "version: 3.1\nnlu: []\n", "'version' must be a quoted string"),
        ("en.yml", 'version: "3.1"\nnlu: {}\n', "'nlu' must be a list"),
        ("en.yml", 'version: "3.1"\nnlu:\n- hello\n', "nlu entry 1: expected a mapping"),
        ("en.yml", 'version: "3.1"\nnlu:\n- examples: "- hi"\n', "has no 'intent' key"),
        (
            "en.yml",
            'version: "3.1"\nnlu:\n- intent: order_pizza\n  examples: "- a pizza"\n',
            "unknown intent 'order_pizza'",
        ),
        (
            "en.yml",
            'version: "3.1"\nnlu:\n- intent: thanks\n  examples:\n  - ty\n',
            "'examples' must be a block",
        ),
        (
            "en.yml",
            'version: "3.1"\nnlu:\n- intent: thanks\n  examples: |\n    ty\n',
            "must start with '- '",
        ),
        ("en.yml", 'version: "3.1"\nnlu:\n- intent: thanks\n  examples: "  "\n', "no examples"),
        (
            "en.yml",
            'version: "3.1"\nnlu:\n- intent: thanks\n  examples: "- ty"\n'
            '- intent: thanks\n  examples: "- thx"\n',
            "appears twice",
        ),
        ("fr.yml", GOOD, "must start with a language code"),
    ],
)
def test_malformed_file_is_rejected_naming_file_and_problem(
    tmp_path: Path, name: str, text: str, problem: str
) -> None:
    """A broken training file stops loading with the file and the problem named."""
    path = _write(tmp_path, name, text)
    with pytest.raises(TrainingDataError) as caught:
        load_file(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_empty_directory_is_rejected(tmp_path: Path) -> None:
    """A training directory without files is an error, not an empty model."""
    with pytest.raises(TrainingDataError, match="no training-data files"):
        load_directory(tmp_path)
