"""The embedded intent classifier: no server, no ML library, a few milliseconds.

Each message becomes a TF-IDF vector of its words, word pairs and the
character n-grams of its words (which keeps "rescheduel" close to
"reschedule"). An intent's score is a blend of the cosine similarity to its
nearest training example and to the centre of all its examples; below
`threshold` the answer is `unknown`, so the conversation falls back to a
helpful default rather than acting on a guess. A message is classified with
the model of the client's language first and the other language second.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

from bot.nlu.normalize import normalize, squeeze
from bot.nlu.training import Example, load_directory
from bot.nlu.types import LANGS, Intent

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "nlu"
DEFAULT_THRESHOLD = 0.25  # unrelated messages ("my car broke down") score below this
_NEAREST_WEIGHT = 0.4  # the rest goes to the intent's centre

Vector = dict[str, float]


def features(text: str) -> Counter[str]:
    """Word, word-pair and per-word character 3- to 5-gram counts of `text`."""
    words = [squeeze(word) for word in normalize(text).split(" ") if word]
    counts: Counter[str] = Counter()
    for word in words:
        counts["w:" + word] += 2
        padded = f"<{word}>"
        for size in (3, 4, 5):
            for start in range(len(padded) - size + 1):
                counts["c:" + padded[start : start + size]] += 1
    for first, second in pairwise(words):
        counts[f"b:{first}_{second}"] += 2
    return counts


def _unit(vector: Vector) -> Vector:
    norm = math.sqrt(sum(weight * weight for weight in vector.values()))
    return {key: weight / norm for key, weight in vector.items()} if norm else {}


class _LanguageModel:
    """TF-IDF vectors of one language's examples, by intent."""

    def __init__(self, examples: Sequence[Example]) -> None:
        counted = [(example.intent, features(example.text)) for example in examples]
        frequency: Counter[str] = Counter()
        for _, counts in counted:
            frequency.update(counts.keys())
        total = len(counted)
        self._idf = {key: math.log((1 + total) / (1 + df)) + 1.0 for key, df in frequency.items()}
        self._examples: dict[str, list[Vector]] = defaultdict(list)
        for intent, counts in counted:
            self._examples[intent].append(self._vector(counts))
        self._centres = {intent: _unit(_sum(vectors)) for intent, vectors in self._examples.items()}
        # Which examples, and which intents' centres, have each feature: a message
        # meets only what it shares a feature with, in one pass over its features.
        # An intent's examples sit side by side, so its nearest is one slice's max.
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._slices: dict[str, slice] = {}
        start = 0
        for intent, vectors in self._examples.items():
            for offset, vector in enumerate(vectors):
                for key, weight in vector.items():
                    self._postings[key].append((start + offset, weight))
            self._slices[intent] = slice(start, start + len(vectors))
            start += len(vectors)
        self._size = start
        self._intents = list(self._examples)
        self._centre_postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, intent in enumerate(self._intents):
            for key, weight in self._centres[intent].items():
                self._centre_postings[key].append((index, weight))

    def _vector(self, counts: Counter[str]) -> Vector:
        return _unit(
            {
                key: (1.0 + math.log(count)) * self._idf[key]
                for key, count in counts.items()
                if key in self._idf
            }
        )

    def scores(self, text: str) -> dict[str, float]:
        """Each intent's similarity to `text`, from 0 to 1."""
        vector = self._vector(features(text))
        if not vector:
            return {}
        similarity = [0.0] * self._size  # to each example, by the postings
        centre = [0.0] * len(self._intents)  # to each intent's centre
        postings, centre_postings = self._postings, self._centre_postings
        for key, weight in vector.items():
            for index, example_weight in postings.get(key, ()):
                similarity[index] += weight * example_weight
            for index, centre_weight in centre_postings.get(key, ()):
                centre[index] += weight * centre_weight
        return {
            intent: _NEAREST_WEIGHT * max(similarity[self._slices[intent]])
            + (1.0 - _NEAREST_WEIGHT) * centre[index]
            for index, intent in enumerate(self._intents)
        }


def _sum(vectors: Iterable[Vector]) -> Vector:
    total: Vector = defaultdict(float)
    for vector in vectors:
        for key, weight in vector.items():
            total[key] += weight
    return dict(total)


class EmbeddedInterpreter:
    """Classifies free messages into `bot.nlu.types.INTENTS` from Rasa-format examples."""

    def __init__(self, examples: Iterable[Example], threshold: float = DEFAULT_THRESHOLD) -> None:
        by_lang: dict[str, list[Example]] = defaultdict(list)
        for example in examples:
            by_lang[example.lang].append(example)
        self._models = {lang: _LanguageModel(found) for lang, found in by_lang.items()}
        self.threshold = threshold

    @classmethod
    def from_directory(
        cls, path: Path, threshold: float = DEFAULT_THRESHOLD
    ) -> EmbeddedInterpreter:
        """An interpreter trained on every Rasa NLU file in `path`; raises
        `bot.nlu.training.TrainingDataError` on a malformed file."""
        return cls(load_directory(path), threshold)

    def classify(self, text: str, lang: str) -> Intent:
        """The intent of `text`, or `unknown` when no intent is close enough."""
        for try_lang in (lang, *(other for other in LANGS if other != lang)):
            model = self._models.get(try_lang)
            if model is None:
                continue
            scores = model.scores(text)
            if not scores:
                continue
            name, score = max(scores.items(), key=lambda item: item[1])
            if score >= self.threshold:
                return Intent(name, round(score, 4))
        return Intent("unknown", 0.0)


@cache
def default_interpreter() -> EmbeddedInterpreter:
    """The interpreter trained on the repository's `data/nlu/`, built once on first use."""
    return EmbeddedInterpreter.from_directory(DATA_DIR)
