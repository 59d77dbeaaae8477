"""A learned backstop for the risk lexicon: it generalises over wording the lexicon lacks.

The lexicon (risk.py) is precise and explainable but only knows the phrases someone
wrote down; on freshly written messages it misses a share of crises said in new
words. `LearnedRiskModel` is a text classifier (TF-IDF over character 2-5 grams
within words and word 1-2 grams, sublinear tf, then a class-balanced logistic
regression) trained at construction, in about a second, from the labelled
examples in data/risk/examples/. `BackstoppedRiskDetector` combines the two:

- the lexicon's verdict stands when it is high or imminent, and when it is at
  least as high as the classifier's;
- the classifier never reads what the lexicon recognised as ordinary (the
  sentence of an idiom, of a calm denial, of someone else's story, of a past that
  is over or of video-game talk: `RiskAssessment.explained`), only the rest of
  the message, and raises that only when it is surer (AFTER_ORDINARY), so
  "no cravings. just done. going to the bridge after my shift" is still read
  from "just done";
- otherwise, for a message of at least MIN_WORDS words, the classifier may
  raise the level to concern or high, never to imminent, when its probability
  clears a threshold. The thresholds were chosen by leave-one-file-out
  cross-validation over the example files (bench/risk_generalisation.py) for high
  recall with at most 3 % of ordinary messages flagged on top of the lexicon;
- the raised level's category comes from the lexicon's evidence if it has any,
  else from a second classifier over the examples' categories; its evidence
  says "learned: <the n-grams that weighed most>" so a navigator sees why.

Prediction does not call scikit-learn per message: the fitted weights are folded
into one table per analyzer (vocabulary column -> idf and class weights), a
message's n-grams are looked up in the fitted vocabulary word by word (each word's
remembered), and it is scored by a sparse dot product in plain Python (`score`).
The backstop's decision (`level`) adds up each word's remembered sum of weights
instead, which changes a probability in its last bits only; a message that close
to a threshold is scored n-gram by n-gram. The category of a raised message is a
dot product too; scikit-learn ranks it only when two categories are nearly tied.

`default_model` trains in a short-lived process of its own and takes back only the
folded tables: scikit-learn, SciPy and the training's memory (about 180 MB) never
enter the app's processes. The result is kept on disk under a digest of the
training data (`model_cache`), so a restart with the same data loads it in a
fraction of a second instead of training again. The fitted scikit-learn objects
travel along pickled and are unpacked (importing scikit-learn) only for a near tie
or a check against them.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.escalation.evaluate import EXAMPLES_DIR, LabelledMessage, load_labelled
from bot.escalation.types import CATEGORIES, Evidence, RiskAssessment, RiskDetector, RiskLevel

if TYPE_CHECKING:
    from bot.escalation.risk import LexiconRiskDetector

log = logging.getLogger(__name__)

TRAINING_TIMEOUT = 600  # seconds the training process may take before it is trained here

CLASSES = ("none", "concern", "crisis")
# Categories a crisis can have; the others (relapse, craving, ...) are concerns only.
CRISIS_CATEGORIES = ("suicide", "overdose", "self_harm", "harm_others", "abuse_danger", "psychosis")
DEFAULT_CATEGORY = {RiskLevel.HIGH: "suicide", RiskLevel.CONCERN: "hopelessness"}
TOP_NGRAMS = 3
MIN_WORDS = 4  # the classifier is consulted from this many words on
REGULARISATION = 4.0  # LogisticRegression's C


@dataclass(frozen=True)
class Thresholds:
    """Probabilities above which the classifier raises a message."""

    high: float  # P(crisis) at or above this: high
    concern: float  # P(crisis) + P(concern) at or above this: concern


# bench/risk_generalisation.py (leave-one-file-out) suggests 0.60 / 0.80 for at most 3
# points of false alarms on top of the lexicon. `high` sits lower: on batches 21 and 22,
# scored before the model trained on them, 0.55 missed fewer crises than 0.70 (130 of
# 140 caught against 125) for one more false alarm in 160 ordinary texts; on batches
# 25 and 26, written later, 132 against 128 for 16 false alarms against 9. On batches
# 289-304, scored before the model trained on them, 0.40 caught 1,096 of their 1,120
# crises against 1,087 at 0.55, for 17 false alarms in 1,280 ordinary texts against 12
# (and 13 concerns raised to high); but at 0.40 "sorry I can't make it", the reply to an
# appointment reminder, scored 0.42 and paged, and 0.35 also raised a bare "i took them
# all". Ordinary replies sit too close below 0.45 for a lower threshold to be safe.
DEFAULT_THRESHOLDS = Thresholds(high=0.55, concern=0.80)
# What is left of a message once the lexicon read part of it as ordinary is raised only
# above these. Most such messages are look-alikes whose idiom was written to keep the
# classifier quiet ("my phone was dead sorry for not answering"). On batches 41-70, with a
# classifier that had not seen them, reading the rest at these thresholds flagged 2 more of
# their 2,400 ordinary texts (leaving out only the idiom's own words instead of its
# sentence: 4, and 34 at the default thresholds); on batches 71-74, scored before anything
# learned from them, it caught 5 of the 7 crises an idiom or a denial elsewhere had
# silenced ("no cravings. just done. going to the bridge on 5th after my shift").
AFTER_ORDINARY = Thresholds(high=0.80, concern=0.95)


@dataclass(frozen=True)
class Score:
    crisis: float
    concern: float  # P(concern) alone
    features: tuple[tuple[str, float], ...]  # (n-gram, weight towards risk), heaviest first

    @property
    def any_risk(self) -> float:
        return self.crisis + self.concern


# How scikit-learn's analyzers collapse runs of whitespace before splitting words.
_WHITE_SPACES = re.compile(r"\s\s+")
_CACHE_LIMIT = 50_000
# `LearnedRiskModel.level` adds a message's weights up in another order than `score` does,
# which moves a probability by far less than this; closer to a threshold, it asks `score`.
_NEAR = 1e-9
# Categories whose log-odds are closer than this are ranked by scikit-learn itself.
_CATEGORY_TIE = 1e-6


class _CharGrams:
    """A message's character n-grams within words (the "char_wb" analyzer) as columns
    of the fitted vocabulary, in the analyzer's order. Words repeat from message to
    message, so each word's columns are remembered, with its weights summed."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        ngram_range: tuple[int, int],
        weights: Sequence[tuple[float, ...]],
    ) -> None:
        self._vocabulary = vocabulary
        self._sizes = range(ngram_range[0], ngram_range[1] + 1)
        self._weights = weights
        self._cache: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {}

    def __call__(self, doc: str) -> list[int]:
        columns: list[int] = []
        cache = self._cache
        for word in _WHITE_SPACES.sub(" ", doc).split():
            found = cache.get(word) or self._word(word)
            columns.extend(found[0])
        return columns

    def totals(self, doc: str) -> tuple[list[int], tuple[float, ...]]:
        """The columns, and their weights summed word by word."""
        columns: list[int] = []
        square = none = concern = crisis = 0.0
        cache = self._cache
        for word in _WHITE_SPACES.sub(" ", doc).split():
            found, (w_square, w_none, w_concern, w_crisis) = cache.get(word) or self._word(word)
            columns.extend(found)
            square += w_square
            none += w_none
            concern += w_concern
            crisis += w_crisis
        return columns, (square, none, concern, crisis)

    def _word(self, word: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
        padded = f" {word} "
        length = len(padded)
        get = self._vocabulary.get
        found: list[int] = []
        for n in self._sizes:
            for offset in range(max(length - n, 0) + 1):
                column = get(padded[offset : offset + n])
                if column is not None:
                    found.append(column)
            if length <= n:  # a short word is counted once, not once per longer size
                break
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = entry = (tuple(found), _summed(self._weights, found))
        return entry


def _summed(weights: Sequence[tuple[float, ...]], columns: Iterable[int]) -> tuple[float, ...]:
    """The weights of `columns` added up: idf squared, and idf times each class's weight."""
    square = none = concern = crisis = 0.0
    for column in columns:
        idf2, w_none, w_concern, w_crisis = weights[column]
        square += idf2
        none += w_none
        concern += w_concern
        crisis += w_crisis
    return square, none, concern, crisis


class _WordGrams:
    """A message's word n-grams (the "word" analyzer) as columns of the fitted vocabulary,
    in the analyzer's order: all single words first, then pairs."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        ngram_range: tuple[int, int],
        weights: Sequence[tuple[float, ...]],
        tokenize: Callable[[str], list[str]],
    ) -> None:
        self._vocabulary = vocabulary
        self._sizes = range(ngram_range[0], ngram_range[1] + 1)
        self._weights = weights
        self._tokenize = tokenize

    def __call__(self, doc: str) -> list[int]:
        words = self._tokenize(doc)
        get = self._vocabulary.get
        columns: list[int] = []
        for n in self._sizes:
            starts = range(len(words) - n + 1)  # where each run of n words begins
            grams = words if n == 1 else [" ".join(words[i : i + n]) for i in starts]
            for gram in grams:
                column = get(gram)
                if column is not None:
                    columns.append(column)
        return columns

    def totals(self, doc: str) -> tuple[list[int], tuple[float, ...]]:
        """The columns, and their weights summed."""
        columns = self(doc)
        return columns, _summed(self._weights, columns)


@dataclass(frozen=True)
class _Analyzer:
    columns: _CharGrams | _WordGrams  # preprocessed text -> vocabulary columns, repeated
    # by column: (idf squared, idf times the weight for none, concern, crisis)
    weights: list[tuple[float, ...]]
    grams: list[str]  # by column
    idf: Any  # by column, as numpy floats
    offset: int  # first column in the stacked matrix the classifiers were fitted on
    shown: bool  # whether its n-grams are quoted as evidence


def _add_normalised(logits: list[float], square: float, none: float, concern: float,
                    crisis: float) -> None:
    """Add one analyzer's dot products to the logits, its tf-idf vector normalised."""
    norm = math.sqrt(square)
    logits[0] += none / norm
    logits[1] += concern / norm
    logits[2] += crisis / norm


def _crisis_and_concern(logits: list[float]) -> tuple[float, float]:
    """P(crisis) and P(concern) of the logits (none, concern, crisis), by softmax."""
    top = max(logits)
    exps = [math.exp(z - top) for z in logits]
    total = sum(exps)
    return exps[2] / total, exps[1] / total


@dataclass(frozen=True)
class _Fitted:
    """What scikit-learn fitted: the two vectorizers and the two classifiers."""

    vectorizers: list[Any]
    classifier: Any
    categories: Any


def _preprocess(text: str) -> str:
    """The vectorizers' own preprocessing (lowercase, then accents stripped as
    scikit-learn's `strip_accents_unicode` does), without importing it."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class LearnedRiskModel:
    """A three-class (none, concern, crisis) text classifier, fitted at construction."""

    def __init__(self, messages: Sequence[LabelledMessage]) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if {m.label for m in messages} != set(CLASSES):
            raise ValueError(f"the examples need every label of {CLASSES}")
        texts = [m.text for m in messages]
        # Both read the same preprocessed text: lowercase, accents stripped.
        vectorizers = [
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                strip_accents="unicode", lowercase=True, min_df=2,
            ),
            TfidfVectorizer(
                analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                strip_accents="unicode", lowercase=True,
                token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a password; keeps "i"
            ),
        ]
        matrix = hstack([v.fit_transform(texts) for v in vectorizers]).tocsr()
        # newton-cg: a second on this data where lbfgs takes several.
        classifier = LogisticRegression(
            C=REGULARISATION, class_weight="balanced", max_iter=200, solver="newton-cg"
        )
        classifier.fit(matrix, [CLASSES.index(m.label) for m in messages])
        positive = [i for i, m in enumerate(messages) if m.label != "none" and m.category]
        categories = LogisticRegression(C=REGULARISATION, max_iter=200, solver="newton-cg")
        categories.fit(matrix[positive], [messages[i].category for i in positive])
        self._fitted: _Fitted | None = _Fitted(vectorizers, classifier, categories)
        self._fitted_pickle = b""  # the fitted objects, while they are not unpacked
        self._category_names = [str(name) for name in categories.classes_]
        self._category_weights = categories.coef_.T  # column -> weight per category
        self._category_intercept = categories.intercept_
        self._intercept = tuple(float(b) for b in classifier.intercept_)
        self._preprocess: Callable[[str], str] = _preprocess
        self._analyzers: list[_Analyzer] = []
        columns: list[list[float]] = classifier.coef_.T.tolist()
        offset = 0
        for shown, vectorizer in zip((False, True), vectorizers, strict=True):
            idfs: list[float] = vectorizer.idf_.tolist()
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            grams = [""] * len(idfs)
            for gram, column in vocabulary.items():
                grams[column] = gram
            weights = [
                (idfs[column] ** 2, *(idfs[column] * w for w in columns[offset + column]))
                for column in range(len(idfs))
            ]
            ngrams = (
                _CharGrams(vocabulary, vectorizer.ngram_range, weights)
                if vectorizer.analyzer == "char_wb"
                else _WordGrams(
                    vocabulary, vectorizer.ngram_range, weights, vectorizer.build_tokenizer()
                )
            )
            self._analyzers.append(
                _Analyzer(ngrams, weights, grams, vectorizer.idf_, offset, shown)
            )
            offset += len(idfs)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with the fitted scikit-learn objects packed, so that unpickling
        the model does not import scikit-learn."""
        state = self.__dict__.copy()
        if state["_fitted"] is not None:
            state["_fitted_pickle"] = pickle.dumps(state["_fitted"])
            state["_fitted"] = None
        return state

    @property
    def fitted(self) -> _Fitted:
        """The fitted scikit-learn objects, unpacked on first use."""
        if self._fitted is None:
            self._fitted = pickle.loads(self._fitted_pickle)  # noqa: S301 - our own pickle
            self._fitted_pickle = b""
        return self._fitted

    @classmethod
    def from_directory(cls, path: Path = EXAMPLES_DIR) -> LearnedRiskModel:
        """Fitted on every .jsonl file of labelled examples in `path`."""
        return cls(load_labelled(path))

    def ngrams(self, text: str) -> list[list[str]]:
        """The n-grams of the fitted vocabulary in a message, by analyzer, each time it
        occurs, in the order scikit-learn's analyzers give them."""
        doc = self._preprocess(text)
        return [[a.grams[column] for column in a.columns(doc)] for a in self._analyzers]

    def score(self, text: str, explain: bool = True) -> Score:
        """Class probabilities for one message, by a sparse dot product; without `explain`
        the n-grams that weighed most are left out."""
        doc = self._preprocess(text)
        logits = list(self._intercept)
        contributions: dict[str, float] = {}
        for analyzer in self._analyzers:
            counts = Counter(analyzer.columns(doc))
            if not counts:
                continue
            # weights[column] = (idf squared, idf * weight for none, concern, crisis): the
            # tf-idf vector is normalised once at the end instead of per n-gram.
            weights, grams = analyzer.weights, analyzer.grams
            shown = explain and analyzer.shown
            square = none = concern = crisis = 0.0
            for column, n in counts.items():
                idf2, w_none, w_concern, w_crisis = weights[column]
                if n == 1:  # tf is 1: multiplying by it would give these very numbers
                    tf = 1.0
                    square += idf2
                    none += w_none
                    concern += w_concern
                    crisis += w_crisis
                else:
                    tf = 1.0 + math.log(n)
                    square += tf * tf * idf2
                    none += tf * w_none
                    concern += tf * w_concern
                    crisis += tf * w_crisis
                if shown and len(grams[column]) > 2:  # whole words read better than "e ", "qu"
                    contributions[grams[column]] = tf * (w_crisis - w_none)
            _add_normalised(logits, square, none, concern, crisis)
        heaviest = sorted(contributions.items(), key=lambda item: -item[1])
        return Score(*_crisis_and_concern(logits), tuple(heaviest))

    def level(self, text: str, thresholds: Thresholds) -> RiskLevel:
        """`learned_level` of the message's `score`, found faster: its weights are added up
        word by word (each word's sum is remembered), then corrected for n-grams that
        repeat. That order of additions moves the probabilities in their last bits only, so
        a message within _NEAR of a threshold is scored exactly instead."""
        doc = self._preprocess(text)
        logits = list(self._intercept)
        for analyzer in self._analyzers:
            columns, totals = analyzer.columns.totals(doc)
            if not columns:
                continue
            square, none, concern, crisis = totals
            counts = Counter(columns)
            if len(counts) < len(columns):
                weights = analyzer.weights
                for column, n in counts.items():
                    if n > 1:  # counted n times above, where tf-idf counts it tf times
                        tf = 1.0 + math.log(n)
                        idf2, w_none, w_concern, w_crisis = weights[column]
                        square += (tf * tf - n) * idf2
                        none += (tf - n) * w_none
                        concern += (tf - n) * w_concern
                        crisis += (tf - n) * w_crisis
            _add_normalised(logits, square, none, concern, crisis)
        score = Score(*_crisis_and_concern(logits), ())
        if (
            abs(score.crisis - thresholds.high) < _NEAR
            or abs(score.any_risk - thresholds.concern) < _NEAR
        ):
            score = self.score(text, explain=False)
        return learned_level(score, thresholds)

    def probabilities(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """scikit-learn's own probabilities (none, concern, crisis), for checking `score`."""
        rows = self.fitted.classifier.predict_proba(self._matrix(texts))
        return [tuple(float(p) for p in row) for row in rows]

    def category(self, text: str, level: RiskLevel) -> str:
        """The likeliest category for a message the classifier raised to `level`, by a
        sparse dot product; a near tie is left to `reference_categories`."""
        import numpy as np

        doc = self._preprocess(text)
        logits = np.array(self._category_intercept, dtype=float)
        for analyzer in self._analyzers:
            counts = Counter(analyzer.columns(doc))
            if not counts:
                continue
            columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))
            tfidf = tf * analyzer.idf[columns]
            weights = self._category_weights[analyzer.offset + columns]
            logits += (tfidf @ weights) / math.sqrt(float(tfidf @ tfidf))
        allowed = CRISIS_CATEGORIES if level >= RiskLevel.HIGH else CATEGORIES
        ranked = sorted(
            (
                (float(logit), name)
                for name, logit in zip(self._category_names, logits, strict=True)
                if name in allowed
            ),
            key=lambda item: -item[0],
        )
        if not ranked:
            return DEFAULT_CATEGORY[level]
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < _CATEGORY_TIE:
            return self.reference_categories([text], level)[0]
        return ranked[0][1]

    def reference_categories(self, texts: Sequence[str], level: RiskLevel) -> list[str]:
        """`category` for each message by scikit-learn's own probabilities, for near ties
        and for checking."""
        allowed = CRISIS_CATEGORIES if level >= RiskLevel.HIGH else CATEGORIES
        found = []
        for row in self.fitted.categories.predict_proba(self._matrix(texts)):
            ranked = sorted(
                zip(self._category_names, row, strict=True), key=lambda item: -item[1]
            )
            found.append(
                next((name for name, _ in ranked if name in allowed), DEFAULT_CATEGORY[level])
            )
        return found

    def reference_ngrams(self, text: str) -> list[list[str]]:
        """scikit-learn's own analyzers' n-grams of the fitted vocabulary, for checking
        `ngrams`."""
        return [
            [gram for gram in vectorizer.build_analyzer()(text) if gram in vectorizer.vocabulary_]
            for vectorizer in self.fitted.vectorizers
        ]

    def _matrix(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        return hstack([v.transform(texts) for v in self.fitted.vectorizers]).tocsr()


def consulted(text: str) -> bool:
    """Whether the classifier is asked at all. Short replies ("i feel better", "me siento
    bien") carry too little for it and the lexicon knows the short crises ("kms")."""
    return len(text.split()) >= MIN_WORDS


def learned_level(score: Score, thresholds: Thresholds) -> RiskLevel:
    """The level the classifier alone would give: high, concern or none, never imminent."""
    if score.crisis >= thresholds.high:
        return RiskLevel.HIGH
    if score.any_risk >= thresholds.concern:
        return RiskLevel.CONCERN
    return RiskLevel.NONE


def unexplained(text: str, explained: Sequence[tuple[int, int]]) -> str:
    """The message without the character ranges the lexicon read as ordinary: "no
    cravings. just done. going to the bridge after my shift" is read from "just done"."""
    if not explained:
        return text
    kept: list[str] = []
    done = 0
    for start, end in sorted(explained):
        if start > done:
            kept.append(text[done:start])
        done = max(done, end)
    kept.append(text[done:])
    return " ".join(piece.strip() for piece in kept if piece.strip())


def after_ordinary(thresholds: Thresholds) -> Thresholds:
    """The thresholds for what is left once part of a message was read as ordinary."""
    return Thresholds(
        max(thresholds.high, AFTER_ORDINARY.high), max(thresholds.concern, AFTER_ORDINARY.concern)
    )


def backstop(
    lexicon: RiskAssessment, model: LearnedRiskModel, text: str, thresholds: Thresholds
) -> RiskAssessment:
    """The lexicon's assessment, raised by the classifier where the rules above allow it.
    The classifier reads only what the lexicon did not explain as ordinary."""
    if lexicon.level >= RiskLevel.HIGH or not consulted(text):
        return lexicon
    rest = unexplained(text, lexicon.explained)
    if not consulted(rest):
        return lexicon
    if rest != text:
        thresholds = after_ordinary(thresholds)
    level = model.level(rest, thresholds)
    if level <= lexicon.level:
        return lexicon
    category = lexicon.category or model.category(rest, level)
    score = model.score(rest)
    grams = [gram.strip() for gram, weight in score.features[:TOP_NGRAMS] if weight > 0]
    label = "crisis" if level >= RiskLevel.HIGH else "concern"
    probability = score.crisis if level >= RiskLevel.HIGH else score.any_risk
    evidence = Evidence(
        f"learned.{label}", f"learned: {', '.join(grams)} (p={probability:.2f})", level, category
    )
    return RiskAssessment(level, category, (evidence, *lexicon.evidence), lexicon.explained)


class BackstoppedRiskDetector:
    """A RiskDetector: the lexicon first, the learned classifier as a backstop."""

    def __init__(
        self,
        lexicon: RiskDetector,
        model: LearnedRiskModel,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
    ) -> None:
        self.lexicon = lexicon
        self.model = model
        self.thresholds = thresholds

    def assess(self, text: str, lang: str) -> RiskAssessment:
        """Level, category and evidence for one message; see the module docstring."""
        return backstop(self.lexicon.assess(text, lang), self.model, text, self.thresholds)


# Intents of data/nlu/ whose examples are ordinary replies with no risk in them
# (not craving, side_effects or talk_to_someone, which can carry distress).
ORDINARY_INTENTS = frozenset({
    "help", "stop_request", "reschedule", "confirm_appointment", "cancel_appointment",
    "refill_picked_up", "greeting", "thanks", "small_talk",
})
NLU_DIR = EXAMPLES_DIR.parents[1] / "nlu"
FLOWS_DIR = EXAMPLES_DIR.parents[1] / "flows"
# Everyday texting with no risk in it, written as training data only: the
# ordinary sentences the examples have too few of ("me and my bf are doing a
# 5k saturday"), so that words every message uses do not read as risk.
ORDINARY_DIR = EXAMPLES_DIR.parent / "ordinary"
# Flows whose answer options are ordinary replies ("can't make it", "monthly");
# the safety screens and the check-ins' reasons (side effects) are left out.
ORDINARY_FLOWS = ("appointment_reminder", "refill_reminder", "auditc", "phq9", "gad7")


def ordinary_replies(nlu_dir: Path = NLU_DIR, flows_dir: Path = FLOWS_DIR,
                     ordinary_dir: Path = ORDINARY_DIR) -> list[LabelledMessage]:
    """What clients text every day — "please stop texting me", "sorry i can't
    make it", "2-4 times a month", "took my meds with breakfast, busy day" —
    from the intent training data, the answer options of the ordinary flows and
    the everyday texts of data/risk/ordinary/, as examples of no risk, so the
    model learns the product's own everyday traffic."""
    from bot.nlu.training import load_directory

    replies = [LabelledMessage(example.text, example.lang, "none")
               for example in load_directory(nlu_dir) if example.intent in ORDINARY_INTENTS]
    for flow_id in ORDINARY_FLOWS:
        replies.extend(_option_words(flows_dir / f"{flow_id}.yaml"))
    if ordinary_dir.is_dir():
        everyday = load_labelled(ordinary_dir)
        if any(message.label != "none" for message in everyday):
            raise ValueError(f"{ordinary_dir}: everyday texts are labelled none only")
        replies.extend(everyday)
    return replies


def _option_words(path: Path) -> list[LabelledMessage]:
    """Every answer option's label and paraphrases in a flow file, by language."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    options: list[Any] = []
    for step in data.get("steps") or []:
        ask = step.get("ask") or {}
        found = ask.get("options")
        if isinstance(found, list):
            options.append(found)
    found_words = []
    for option_list in options:
        for option in option_list if isinstance(option_list, list) else []:
            for field in ("label", "paraphrases"):
                for lang, words in (option.get(field) or {}).items():
                    for text in [words] if isinstance(words, str) else words:
                        found_words.append(LabelledMessage(str(text), lang, "none"))
    return found_words


def training_messages() -> list[LabelledMessage]:
    """What the default model learns from: the labelled examples and the ordinary replies."""
    return [*load_labelled(EXAMPLES_DIR), *ordinary_replies()]


def train_default_model() -> LearnedRiskModel:
    """A fresh fit of the default model, in this process."""
    return LearnedRiskModel(training_messages())


@cache
def default_model() -> LearnedRiskModel:
    """The classifier trained on data/risk/examples/ and the ordinary replies of
    data/nlu/, once per process. It is loaded from the cache of trained models
    (`bot.escalation.model_cache`) when the same data trained it before; else it
    is trained in a process of its own (`python -m bot.escalation.train`, see the
    module's notes) and kept there. Should that process fail, the model is trained
    here: a mistake in the examples then raises as it would."""
    from bot.escalation import model_cache

    messages = training_messages()
    key = model_cache.training_key(
        ((m.text, m.lang, m.label, m.category or "") for m in messages),
        Path(__file__).read_bytes())
    model = model_cache.load_or_train(key, _train_in_a_process, model_cache.cache_dir(),
                                      accept=lambda found: isinstance(found, LearnedRiskModel))
    if not isinstance(model, LearnedRiskModel):
        raise TypeError(f"the risk model's training gave {type(model).__name__}")
    return model


def _train_in_a_process() -> bytes:
    """The default model, pickled, from `python -m bot.escalation.train`, or
    trained here should that process fail."""
    import subprocess
    import sys

    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        trained = subprocess.run([sys.executable, "-m", "bot.escalation.train"],
                                 capture_output=True, env=env, timeout=TRAINING_TIMEOUT,
                                 check=True).stdout
        if isinstance(pickle.loads(trained), LearnedRiskModel):  # noqa: S301 - our child's
            return trained
        log.warning("the risk model's training process wrote something else; training here")
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError) as error:
        detail = getattr(error, "stderr", b"") or b""
        log.warning("the risk model's training process failed (%s); training in this process",
                    detail.decode(errors="replace").strip().splitlines()[-1:] or error)
    return pickle.dumps(train_default_model())


class WarmingRiskDetector:
    """The product's detector for a server that listens at once: the lexicon is
    built before (a mistake in it stops the start), the learned backstop loads or
    trains in a thread of its own meanwhile (`load_model`, default_model's cache
    makes that quick after the first start with the same data).

    `assess` waits for the backstop; a handler calls `wait` first, before it
    opens its database transaction, so no lock is held while it waits. A text
    that arrives during training is therefore accepted and answered a few seconds
    late, where a server that trained before listening refused its connection.
    A text the lexicon alone reads as high or imminent does not wait
    (`reads_without_model`): the backstop never changes such a verdict, so the
    crisis reply goes at once. Should the training fail, messages are read by
    the lexicon alone, `state` says so and the log says why."""

    LOADING = "loading"
    READY = "ready"
    FAILED = "failed: the lexicon alone reads messages"

    def __init__(self, lexicon: LexiconRiskDetector,
                 load_model: Callable[[], LearnedRiskModel] = default_model,
                 on_ready: Callable[[], None] | None = None) -> None:
        self.lexicon = lexicon
        self.state = self.LOADING
        self._detector: RiskDetector = lexicon
        self._done = threading.Event()
        threading.Thread(target=self._load, args=(load_model, on_ready), name="risk-model",
                         daemon=True).start()

    def _load(self, load_model: Callable[[], LearnedRiskModel],
              on_ready: Callable[[], None] | None) -> None:
        try:
            self._detector = BackstoppedRiskDetector(self.lexicon, load_model())
            if on_ready is not None:
                on_ready()
            self.state = self.READY
            log.info("the risk model is ready")
        except Exception:
            log.exception("the risk model could not be loaded or trained; "
                          "risk checks use the lexicon alone")
            self.state = self.FAILED
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the backstop is ready or has failed; False on timeout."""
        return self._done.wait(timeout)

    def reads_without_model(self, text: str) -> bool:
        """Whether `text` can be read now, whatever its sender's language: the
        backstop is ready (or failed), or the lexicon alone reads the text as high
        or imminent in each language, a verdict the backstop would keep."""
        if self._done.is_set():
            return True
        return all(self.lexicon.assess(text, lang).level >= RiskLevel.HIGH
                   for lang in self.lexicon.languages)

    def assess(self, text: str, lang: str) -> RiskAssessment:
        if not self._done.is_set():
            found = self.lexicon.assess(text, lang)
            if found.level >= RiskLevel.HIGH:
                return found  # what the backstop would say: the lexicon's verdict stands
            self._done.wait()
        return self._detector.assess(text, lang)


def default_backstopped_detector() -> BackstoppedRiskDetector:
    """The default lexicons with the default classifier as their backstop."""
    from bot.escalation.risk import default_lexicon_detector

    return BackstoppedRiskDetector(default_lexicon_detector(), default_model())

