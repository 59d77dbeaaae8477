"""A learned backstop for the risk lexicon: it generalises over wording the lexicon lacks.

The lexicon (risk.py) is precise and explainable but only knows the phrases someone
wrote down; on freshly written messages it misses a share of crises said in new
words. `LearnedRiskModel` is a text classifier (TF-IDF over character 2-5 grams
within words and word 1-2 grams, sublinear tf, then a class-balanced logistic
regression) trained at construction, in about a second, from the labelled
examples in data/risk/examples/. `BackstoppedRiskDetector` combines the two:

- the lexicon's verdict stands when it is high or imminent, when it is at least
  as high as the classifier's, and whenever the lexicon recognised an ordinary
  reading (an idiom, game talk, a calm denial, someone else's story, a past that
  is over: `RiskAssessment.explained`);
- otherwise, for a message of at least MIN_WORDS words, the classifier may
  raise the level to concern or high, never to imminent, when its probability
  clears a threshold. The thresholds were chosen by leave-one-file-out
  cross-validation over the example files (bench/risk_generalisation.py) for high
  recall with at most 3 % of ordinary messages flagged on top of the lexicon;
- the raised level's category comes from the lexicon's evidence if it has any,
  else from a second classifier over the examples' categories; its evidence
  says "learned: <the n-grams that weighed most>" so a navigator sees why.

Prediction does not call scikit-learn per message: the fitted weights are folded
into one dictionary per analyzer (n-gram -> idf and class weights), and a message
is scored by a sparse dot product in plain Python.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.escalation.evaluate import EXAMPLES_DIR, LabelledMessage, load_labelled
from bot.escalation.types import CATEGORIES, Evidence, RiskAssessment, RiskDetector, RiskLevel

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


# bench/risk_generalisation.py (leave-one-file-out) suggests 0.80 / 0.90 for at most 3
# points of false alarms on top of the lexicon; these sit a little lower, trading a few
# false alarms for fewer missed crises.
DEFAULT_THRESHOLDS = Thresholds(high=0.70, concern=0.85)


@dataclass(frozen=True)
class Score:
    crisis: float
    concern: float  # P(concern) alone
    features: tuple[tuple[str, float], ...]  # (n-gram, weight towards risk), heaviest first

    @property
    def any_risk(self) -> float:
        return self.crisis + self.concern


@dataclass(frozen=True)
class _Analyzer:
    analyze: Callable[[str], list[str]]
    # n-gram -> (idf squared, idf times the weight for none, concern, crisis)
    weights: dict[str, tuple[float, ...]]


class LearnedRiskModel:
    """A three-class (none, concern, crisis) text classifier, fitted at construction."""

    def __init__(self, messages: Sequence[LabelledMessage]) -> None:
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if {m.label for m in messages} != set(CLASSES):
            raise ValueError(f"the examples need every label of {CLASSES}")
        texts = [m.text for m in messages]
        self._vectorizers = [
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
        matrix = hstack([v.fit_transform(texts) for v in self._vectorizers]).tocsr()
        # newton-cg: a second on this data where lbfgs takes several.
        classifier = LogisticRegression(
            C=REGULARISATION, class_weight="balanced", max_iter=200, solver="newton-cg"
        )
        classifier.fit(matrix, [CLASSES.index(m.label) for m in messages])
        self._classifier = classifier
        positive = [i for i, m in enumerate(messages) if m.label != "none" and m.category]
        self._categories = LogisticRegression(
            C=REGULARISATION, max_iter=200, solver="newton-cg"
        )
        self._categories.fit(matrix[positive], [messages[i].category for i in positive])
        self._intercept = tuple(float(b) for b in classifier.intercept_)
        self._analyzers: list[_Analyzer] = []
        columns: list[list[float]] = classifier.coef_.T.tolist()
        offset = 0
        for vectorizer in self._vectorizers:
            idfs: list[float] = vectorizer.idf_.tolist()
            weights = {
                gram: (idfs[column] ** 2, *(idfs[column] * w for w in columns[offset + column]))
                for gram, column in vectorizer.vocabulary_.items()
            }
            self._analyzers.append(_Analyzer(vectorizer.build_analyzer(), weights))
            offset += len(idfs)

    @classmethod
    def from_directory(cls, path: Path = EXAMPLES_DIR) -> LearnedRiskModel:
        """Fitted on every .jsonl file of labelled examples in `path`."""
        return cls(load_labelled(path))

    def score(self, text: str) -> Score:
        """Class probabilities for one message, by a sparse dot product."""
        logits = list(self._intercept)
        contributions: dict[str, float] = {}
        for shown, analyzer in zip((False, True), self._analyzers, strict=True):
            weights = analyzer.weights
            counts = Counter(g for g in analyzer.analyze(text) if g in weights)
            if not counts:
                continue
            # weights[g] = (idf squared, idf * weight for none, concern, crisis): the tf-idf
            # vector is normalised once at the end instead of per n-gram.
            square = none = concern = crisis = 0.0
            for gram, n in counts.items():
                tf = 1.0 + math.log(n) if n > 1 else 1.0
                idf2, w_none, w_concern, w_crisis = weights[gram]
                square += tf * tf * idf2
                none += tf * w_none
                concern += tf * w_concern
                crisis += tf * w_crisis
                if shown and len(gram) > 2:  # whole words read better than "e ", "qu"
                    contributions[gram] = tf * (w_crisis - w_none)
            norm = math.sqrt(square)
            logits[0] += none / norm
            logits[1] += concern / norm
            logits[2] += crisis / norm
        top = max(logits)
        exps = [math.exp(z - top) for z in logits]
        total = sum(exps)
        heaviest = sorted(contributions.items(), key=lambda item: -item[1])
        return Score(exps[2] / total, exps[1] / total, tuple(heaviest))

    def probabilities(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """scikit-learn's own probabilities (none, concern, crisis), for checking `score`."""
        from scipy.sparse import hstack

        matrix = hstack([v.transform(texts) for v in self._vectorizers]).tocsr()
        return [tuple(float(p) for p in row) for row in self._classifier.predict_proba(matrix)]

    def category(self, text: str, level: RiskLevel) -> str:
        """The likeliest category for a message the classifier raised to `level`."""
        from scipy.sparse import hstack

        matrix = hstack([v.transform([text]) for v in self._vectorizers]).tocsr()
        ranked = sorted(
            zip(self._categories.classes_, self._categories.predict_proba(matrix)[0], strict=True),
            key=lambda item: -item[1],
        )
        allowed = CRISIS_CATEGORIES if level >= RiskLevel.HIGH else CATEGORIES
        for name, _ in ranked:
            if str(name) in allowed:
                return str(name)
        return DEFAULT_CATEGORY[level]


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


def backstop(
    lexicon: RiskAssessment, model: LearnedRiskModel, text: str, thresholds: Thresholds
) -> RiskAssessment:
    """The lexicon's assessment, raised by the classifier where the rules above allow it."""
    if lexicon.level >= RiskLevel.HIGH or lexicon.explained or not consulted(text):
        return lexicon
    score = model.score(text)
    level = learned_level(score, thresholds)
    if level <= lexicon.level:
        return lexicon
    category = lexicon.category or model.category(text, level)
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
# Flows whose answer options are ordinary replies ("can't make it", "monthly");
# the safety screens and the check-ins' reasons (side effects) are left out.
ORDINARY_FLOWS = ("appointment_reminder", "refill_reminder", "auditc", "phq9", "gad7")


def ordinary_replies(nlu_dir: Path = NLU_DIR,
                     flows_dir: Path = FLOWS_DIR) -> list[LabelledMessage]:
    """What clients text every day — "please stop texting me", "sorry i can't
    make it", "2-4 times a month" — from the intent training data and the answer
    options of the ordinary flows, as examples of no risk, so the model learns
    the product's own everyday traffic."""
    from bot.nlu.training import load_directory

    replies = [LabelledMessage(example.text, example.lang, "none")
               for example in load_directory(nlu_dir) if example.intent in ORDINARY_INTENTS]
    for flow_id in ORDINARY_FLOWS:
        replies.extend(_option_words(flows_dir / f"{flow_id}.yaml"))
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


@cache
def default_model() -> LearnedRiskModel:
    """The classifier trained on data/risk/examples/ and the ordinary replies of
    data/nlu/, once per process."""
    return LearnedRiskModel([*load_labelled(EXAMPLES_DIR), *ordinary_replies()])


def default_backstopped_detector() -> BackstoppedRiskDetector:
    """The default lexicons with the default classifier as their backstop."""
    from bot.escalation.risk import default_lexicon_detector

    return BackstoppedRiskDetector(default_lexicon_detector(), default_model())
