"""Reading intent examples from Rasa NLU training-data files.

The files in `data/nlu/` follow Rasa's YAML format, so the same data trains a
Rasa model and the embedded interpreter:

    version: "3.1"
    nlu:
    - intent: greeting
      examples: |
        - hi
        - good morning

A file's language is its name up to the first "_" or "." (`en.yml`,
`es_appointments.yml`). Entries other than intents (synonym, regex, lookup)
are allowed and skipped. Anything else that is wrong raises
`TrainingDataError` naming the file and the problem, so a bad file stops the
start-up instead of quietly training a weaker model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.types import INTENTS, LANGS

_OTHER_ENTRIES = ("synonym", "regex", "lookup")
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")  # "[friday](day)" -> "friday"


class TrainingDataError(ValueError):
    """A training-data file that cannot be used, with the file named in the message."""


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    lang: str


def load_directory(directory: Path) -> list[Example]:
    """Every example of every `*.yml` / `*.yaml` file in `directory`."""
    files = sorted([*directory.glob("*.yml"), *directory.glob("*.yaml")])
    if not files:
        raise TrainingDataError(f"{directory}: no training-data files (*.yml) found")
    examples: list[Example] = []
    for path in files:
        examples.extend(load_file(path))
    return examples


def load_file(path: Path) -> list[Example]:
    """The examples of one Rasa NLU training-data file."""
    lang = _language_of(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TrainingDataError(f"{path}: not valid YAML: {error}") from error
    except OSError as error:
        raise TrainingDataError(f"{path}: cannot be read: {error}") from error
    return _examples_of(path, document, lang)


def _language_of(path: Path) -> str:
    lang = re.split(r"[_.]", path.name, maxsplit=1)[0]
    if lang not in LANGS:
        raise TrainingDataError(
            f"{path}: the file name must start with a language code ({', '.join(LANGS)})"
        )
    return lang


def _examples_of(path: Path, document: Any, lang: str) -> list[Example]:
    if not isinstance(document, dict):
        raise TrainingDataError(f"{path}: expected a mapping with 'version' and 'nlu' keys")
    version = document.get("version")
    if not isinstance(version, str):
        raise TrainingDataError(f"{path}: 'version' must be a quoted string such as \"3.1\"")
    entries = document.get("nlu")
    if not isinstance(entries, list):
        raise TrainingDataError(f"{path}: 'nlu' must be a list of '- intent:' entries")

    examples: list[Example] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: nlu entry {number}"
        if not isinstance(entry, dict):
            raise TrainingDataError(f"{where}: expected a mapping such as '- intent: help'")
        if "intent" not in entry:
            if any(key in entry for key in _OTHER_ENTRIES):
                continue
            raise TrainingDataError(f"{where}: has no 'intent' key")
        intent = entry["intent"]
        if not isinstance(intent, str) or intent not in INTENTS or intent == "unknown":
            known = ", ".join(name for name in INTENTS if name != "unknown")
            raise TrainingDataError(f"{where}: unknown intent {intent!r} (known: {known})")
        if intent in seen:
            raise TrainingDataError(f"{where}: intent {intent!r} appears twice in the file")
        seen.add(intent)
        texts = _example_lines(f"{where} ({intent})", entry.get("examples"))
        examples.extend(Example(text, intent, lang) for text in texts)
    return examples


def _example_lines(where: str, block: Any) -> list[str]:
    if not isinstance(block, str):
        raise TrainingDataError(f"{where}: 'examples' must be a block of '- text' lines")
    texts: list[str] = []
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("- "):
            raise TrainingDataError(f"{where}: example line {stripped!r} must start with '- '")
        text = _ANNOTATION.sub(r"\1", stripped[2:]).strip()
        if text:
            texts.append(text)
    if not texts:
        raise TrainingDataError(f"{where}: has no examples")
    return texts
