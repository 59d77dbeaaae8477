"""Tests for bot/escalation/learned.py: the learned backstop behind the risk lexicon."""

from __future__ import annotations

import pytest

from bot.escalation.evaluate import EXAMPLES_DIR
from bot.escalation.learned import (
    BackstoppedRiskDetector,
    LearnedRiskModel,
    Thresholds,
    default_model,
)
from bot.escalation.risk import default_detector, default_lexicon_detector
from bot.escalation.types import NO_RISK, Evidence, RiskAssessment, RiskLevel

NONE, CONCERN, HIGH, IMMINENT = (
    RiskLevel.NONE, RiskLevel.CONCERN, RiskLevel.HIGH, RiskLevel.IMMINENT,
)


class FixedLexicon:
    """A RiskDetector that answers every message with one assessment."""

    def __init__(self, answer: RiskAssessment) -> None:
        self.answer = answer

    def assess(self, text: str, lang: str) -> RiskAssessment:
        del text, lang  # the same answer whatever the message
        return self.answer


@pytest.fixture(scope="module")
def model() -> LearnedRiskModel:
    return default_model()


def test_the_model_trains_on_the_products_examples() -> None:
    """The examples live with the lexicons in data/risk/examples, not in the tests."""
    assert EXAMPLES_DIR.parts[-3:] == ("data", "risk", "examples")
    assert len(list(EXAMPLES_DIR.glob("*.jsonl"))) >= 19


def test_the_fast_score_is_scikit_learns_probability(model: LearnedRiskModel) -> None:
    """The per-message dot product gives the same probabilities as predict_proba."""
    texts = ["i want to sleep and never wake up", "took my meds", "ya no puedo más", "👍", "3"]
    for text, (none, concern, crisis) in zip(texts, model.probabilities(texts), strict=True):
        score = model.score(text)
        assert score.crisis == pytest.approx(crisis, abs=1e-9)
        assert score.concern == pytest.approx(concern, abs=1e-9)
        assert 1 - score.any_risk == pytest.approx(none, abs=1e-9)


# Written for this test, in none of the example files, and missed by the lexicon alone.
UNSEEN_CRISES = [
    ("i keep thinking about how easy it would be to just stop existing", "en"),
    ("i just want everything to go quiet forever", "en"),
    ("been looking up how many of my sleeping tablets it would take", "en"),
    ("quiero que todo termine ya, no aguanto vivir asi", "es"),
]


@pytest.mark.parametrize(("text", "lang"), UNSEEN_CRISES)
def test_unseen_crisis_wording_is_raised_to_high(text: str, lang: str) -> None:
    """A crisis in words the lexicon lacks is raised to high, and the evidence says why."""
    assert default_lexicon_detector().assess(text, lang).level == NONE
    assessment = default_detector().assess(text, lang)
    assert assessment.level >= HIGH
    assert assessment.evidence[0].rule == "learned.crisis"
    assert assessment.evidence[0].span.startswith("learned: ")


ORDINARY = [
    ("this heat is killing me", "en"),
    ("me muero de risa", "es"),
    ("my phone died", "en"),
    ("no, i'm not thinking of hurting myself, just tired from work", "en"),
    ("nope, no thoughts of suicide. just a busy week", "en"),
    ("no tengo pensamientos de hacerme daño, estoy bien", "es"),
    ("took my meds, feeling ok today", "en"),
]


@pytest.mark.parametrize(("text", "lang"), ORDINARY)
def test_idioms_and_calm_denials_stay_quiet(text: str, lang: str) -> None:
    """Idioms and calm denials are none with the backstop too."""
    assert default_detector().assess(text, lang).level == NONE


def test_the_classifier_alone_never_says_imminent(model: LearnedRiskModel) -> None:
    """However sure the classifier is, it raises to high at most."""
    eager = BackstoppedRiskDetector(FixedLexicon(NO_RISK), model, Thresholds(0.0, 0.0))
    for text in ("im going to kill myself tonight with the pills", "i took all my pills"):
        assessment = eager.assess(text, "en")
        assert assessment.level == HIGH
        assert assessment.category == "suicide" or assessment.category == "overdose"


def test_an_ordinary_reading_the_lexicon_recognised_is_not_overruled(
    model: LearnedRiskModel,
) -> None:
    """When the lexicon explained a phrase away, the classifier does not raise it."""
    explained = RiskAssessment(NONE, None, (), explained=True)
    eager = BackstoppedRiskDetector(FixedLexicon(explained), model, Thresholds(0.0, 0.0))
    assert eager.assess("i want to kill myself", "en") is explained


def test_the_lexicons_higher_verdict_stands(model: LearnedRiskModel) -> None:
    """A high or imminent lexicon verdict is returned as it is."""
    evidence = Evidence("suicide.plan", "a plan", IMMINENT, "suicide")
    imminent = RiskAssessment(IMMINENT, "suicide", (evidence,))
    eager = BackstoppedRiskDetector(FixedLexicon(imminent), model, Thresholds(0.0, 0.0))
    assert eager.assess("anything", "en") is imminent


def test_a_raised_concern_keeps_the_lexicons_category(model: LearnedRiskModel) -> None:
    """Raising a lexicon concern to high keeps the category of the lexicon's evidence."""
    evidence = Evidence("relapse.used", "used again", CONCERN, "relapse")
    concern = RiskAssessment(CONCERN, "relapse", (evidence,))
    eager = BackstoppedRiskDetector(FixedLexicon(concern), model, Thresholds(0.0, 0.0))
    assessment = eager.assess("used again and i want to die", "en")
    assert assessment.level == HIGH
    assert assessment.category == "relapse"
    assert assessment.evidence[1] == evidence
