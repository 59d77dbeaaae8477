"""Tests for bot/escalation/learned.py: the learned backstop behind the risk lexicon."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.escalation import learned
from bot.escalation.evaluate import EXAMPLES_DIR, load_labelled
from bot.escalation.learned import (
    DEFAULT_THRESHOLDS,
    BackstoppedRiskDetector,
    LearnedRiskModel,
    Thresholds,
    default_model,
    learned_level,
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


def test_the_app_scores_without_loading_scikit_learn(model: LearnedRiskModel) -> None:
    """The model trains in a process of its own: a process that scores with it loads
    neither scikit-learn nor SciPy (nor keeps the training's memory), and scores the
    same; the fitted objects unpack only when a check or a near tie needs them."""
    texts = ["i want to sleep and never wake up", "ya no puedo más", "took my meds, all good"]
    code = (
        "import json, sys\n"
        "from bot.escalation.learned import default_model\n"
        "model = default_model()\n"
        f"scores = [model.score(text).crisis for text in {texts!r}]\n"
        "print(json.dumps({'scores': scores,\n"
        "                  'loaded': sorted({'sklearn', 'scipy'} & set(sys.modules))}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["loaded"] == []
    assert result["scores"] == [model.score(text).crisis for text in texts]


def test_a_training_process_that_cannot_start_leaves_the_model_trained_here(
    model: LearnedRiskModel, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TETHER_CACHE_DIR", str(tmp_path))  # nothing kept: it must train
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    trained_here = default_model.__wrapped__()
    text = "i want to sleep and never wake up"
    assert trained_here.score(text).crisis == model.score(text).crisis


# Written for this test, in none of the example files, and missed by the lexicon alone.
UNSEEN_CRISES = [
    ("ive been practicing how i would do it when everyone is asleep", "en"),
    ("i just want everything to go quiet forever", "en"),
    ("been looking up how many of my sleeping tablets it would take", "en"),
    ("esta noche por fin voy a descansar de esta vida para siempre", "es"),
]


UNSEEN_WISHES = [
    ("i keep thinking about how easy it would be to just stop existing", "en"),
    ("quiero que todo termine ya, no aguanto vivir asi", "es"),
]


@pytest.mark.parametrize(("text", "lang"), UNSEEN_WISHES)
def test_an_unseen_wish_to_be_gone_is_flagged(text: str, lang: str) -> None:
    """A wish for it all to end, in words the lexicon lacks, still reaches the navigator
    (the passive wishes of the labelled set are concerns, so the model may say concern)."""
    assert default_lexicon_detector().assess(text, lang).level == NONE
    assessment = default_detector().assess(text, lang)
    assert assessment.level >= CONCERN
    assert assessment.category == "suicide"


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
    # everyday texts the backstop used to raise on their common words alone
    ("my coworker keeps stealing my yogurt from the fridge i swear im gonna scream", "en"),
    ("mi abuela me esta enseñando a sembrar chiles, ya salieron las matas", "es"),
]


def test_everyday_texts_train_the_backstop_as_no_risk() -> None:
    """The everyday texts of data/risk/ordinary/ are among the model's examples of no
    risk, in both languages."""
    everyday = load_labelled(learned.ORDINARY_DIR)
    assert {m.lang for m in everyday} == {"en", "es"}
    assert len(everyday) >= 1000
    replies = learned.ordinary_replies()
    assert {(m.text, m.lang) for m in everyday} <= {(m.text, m.lang) for m in replies}
    assert all(m.label == "none" for m in replies)


def test_an_everyday_text_labelled_as_risk_is_refused(tmp_path: Path) -> None:
    """The everyday folder holds texts of no risk only: a labelled crisis there is an
    error at start, not a crisis taught as ordinary."""
    (tmp_path / "en.jsonl").write_text(
        '{"text": "took all my pills", "lang": "en", "label": "crisis"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="labelled none only"):
        learned.ordinary_replies(ordinary_dir=tmp_path)


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
    text = "i want to kill myself"
    explained = RiskAssessment(NONE, None, (), explained=((0, len(text)),))
    eager = BackstoppedRiskDetector(FixedLexicon(explained), model, Thresholds(0.0, 0.0))
    assert eager.assess(text, "en") is explained


def test_the_classifier_reads_what_the_lexicon_did_not_explain(model: LearnedRiskModel) -> None:
    """An idiom or a denial in one sentence does not silence a crisis in the next: the
    classifier reads the rest of the message, the idiom's own words left out."""
    text = "no cravings. just done. going to the bridge after my shift tonight"
    idiom = (0, len("no cravings"))
    explained = RiskAssessment(NONE, None, (), explained=(idiom,))
    rest = learned.unexplained(text, (idiom,))
    assert rest == ". just done. going to the bridge after my shift tonight"
    detector = BackstoppedRiskDetector(FixedLexicon(explained), model, DEFAULT_THRESHOLDS)
    assert detector.assess(text, "en").level == HIGH
    # The idiom alone is left unread: what remains is too short to be read at all.
    short = "no cravings at all"
    quiet = RiskAssessment(NONE, None, (), explained=((0, len("no cravings")),))
    eager = BackstoppedRiskDetector(FixedLexicon(quiet), model, Thresholds(0.0, 0.0))
    assert eager.assess(short, "en") is quiet


# Look-alikes whose idiom the lexicon recognises; without the idiom's words the rest
# still reads a little like risk to the classifier, but not surely enough.
IDIOM_LOOK_ALIKES = [
    ("my phone was dead sorry for not answering", "en"),
    ("gave the dog his heartworm pill and he spit it out 3 times. pets r worse than toddlers",
     "en"),
    ("med pass took forever tonight, 30 pts. and yes i took my own meds too dont worry", "en"),
    ("heads up im logging off social media for lent, so text here if u need me", "en"),
    ("esta mudanza me esta matando, ya no quiero ver una caja mas 😩", "es"),
]


def test_after_ordinary_thresholds_are_never_laxer() -> None:
    assert learned.after_ordinary(Thresholds(0.0, 0.0)) == learned.AFTER_ORDINARY
    assert learned.after_ordinary(Thresholds(0.9, 0.99)) == Thresholds(0.9, 0.99)


@pytest.mark.parametrize(("text", "lang"), IDIOM_LOOK_ALIKES)
def test_what_remains_after_an_idiom_needs_a_surer_classifier(text: str, lang: str) -> None:
    """The rest of a message whose idiom the lexicon recognised is raised only above the
    stricter AFTER_ORDINARY thresholds: most such messages are look-alikes."""
    assert default_lexicon_detector().assess(text, lang).explained
    assert default_detector().assess(text, lang).level == NONE
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


def _example_texts() -> list[str]:
    """Every labelled example, a few written LOUD, and the messy spacing, accents, emoji
    and compatibility characters real texts have."""
    texts = [m.text for m in load_labelled(EXAMPLES_DIR)]
    return [
        *texts,
        *(text.upper() for text in texts[::10]),
        "  Tomé   las\tpastillas \n ayer  ",
        "ÉL SE FUE 😢😢 ok…",
        "ﬁnally İ ① ㎒ done",
        "",
        "   ",
    ]


def test_the_ngrams_are_scikit_learns(model: LearnedRiskModel) -> None:
    """The n-grams looked up word by word are the ones scikit-learn's analyzers give, in order."""
    for text in _example_texts():
        assert model.ngrams(text) == model.reference_ngrams(text), text


def test_the_fast_score_agrees_on_every_example(model: LearnedRiskModel) -> None:
    """On every example the dot product gives scikit-learn's probabilities."""
    texts = _example_texts()
    for text, (none, concern, crisis) in zip(texts, model.probabilities(texts), strict=True):
        score = model.score(text)
        assert score.crisis == pytest.approx(crisis, abs=1e-9), text
        assert score.concern == pytest.approx(concern, abs=1e-9), text
        assert 1 - score.any_risk == pytest.approx(none, abs=1e-9), text


def test_a_score_without_its_ngrams_is_the_same_score(model: LearnedRiskModel) -> None:
    """Leaving the n-grams out changes no probability."""
    for text in _example_texts()[::7]:
        full, bare = model.score(text), model.score(text, explain=False)
        assert (bare.crisis, bare.concern, bare.features) == (full.crisis, full.concern, ())


@pytest.mark.parametrize("level", [HIGH, CONCERN])
def test_the_fast_category_is_scikit_learns(model: LearnedRiskModel, level: RiskLevel) -> None:
    """On every example the category by dot product is the one scikit-learn ranks first."""
    texts = _example_texts()
    expected = model.reference_categories(texts, level)
    assert [model.category(text, level) for text in texts] == expected


def test_a_near_tie_between_categories_is_left_to_scikit_learn(
    model: LearnedRiskModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When two categories are about as likely, scikit-learn's own ranking decides."""
    asked: list[str] = []
    reference = model.reference_categories

    def ranked_by_scikit_learn(texts: Sequence[str], level: RiskLevel) -> list[str]:
        asked.extend(texts)
        return reference(texts, level)

    monkeypatch.setattr(learned, "_CATEGORY_TIE", float("inf"))  # every pair is a near tie
    monkeypatch.setattr(model, "reference_categories", ranked_by_scikit_learn)
    texts = [text for text, _ in UNSEEN_CRISES]
    assert [model.category(text, HIGH) for text in texts] == reference(texts, HIGH)
    assert asked == texts


def test_the_fast_level_is_the_scores_level(model: LearnedRiskModel) -> None:
    """Adding the weights up word by word decides every example as its score does."""
    for text in _example_texts():
        assert model.level(text, DEFAULT_THRESHOLDS) == learned_level(
            model.score(text), DEFAULT_THRESHOLDS
        ), text


def test_a_message_right_at_a_threshold_is_scored_exactly(model: LearnedRiskModel) -> None:
    """A probability exactly on a threshold counts as reaching it, whatever the order of
    additions would have rounded it to."""
    for text, _ in UNSEEN_CRISES:
        score = model.score(text)
        at_high = Thresholds(high=score.crisis, concern=2.0)
        assert model.level(text, at_high) == HIGH
        at_concern = Thresholds(high=2.0, concern=score.any_risk)
        assert model.level(text, at_concern) == CONCERN
