"""Tests for bot/escalation/fuzzy.py."""

from __future__ import annotations

import pytest

from bot.escalation.fuzzy import FuzzyCorrector

VOCABULARY = frozenset(
    {"suicidal", "suicide", "overdosed", "myself", "pills", "kill", "relapsed", "stockpiling"}
)


@pytest.fixture
def corrector() -> FuzzyCorrector:
    return FuzzyCorrector(VOCABULARY, protected=frozenset({"relaxed", "pulls"}))


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("suicdal", "suicidal"),
        ("sucidal", "suicidal"),
        ("suisidal", "suicidal"),
        ("overdossed", "overdosed"),
        ("overdoesd", "overdosed"),
        ("myslef", "myself"),
        ("mysef", "myself"),
        ("pils", "pills"),
        ("stockpilling", "stockpiling"),
        ("suiciide", "suicide"),
    ],
)
def test_misspelled_risk_words_are_corrected(
    corrector: FuzzyCorrector, written: str, meant: str
) -> None:
    """Typing fast ("suicdal", "overdossed") still reaches the lexicon word."""
    assert corrector.correct(written) == meant


@pytest.mark.parametrize(
    "word",
    ["relaxed", "pulls", "will", "fill", "bills", "kid", "spills", "mystery", "pillow", "overdue"],
)
def test_honest_words_are_left_alone(corrector: FuzzyCorrector, word: str) -> None:
    """Ordinary words near a risk word ("relaxed", "pulls", "will") are never turned into it."""
    assert corrector.correct(word) == word


def test_short_words_and_other_first_letters_are_not_corrected(corrector: FuzzyCorrector) -> None:
    """Three-letter words and a different first letter are too risky to guess at."""
    assert corrector.correct("kil") == "kil"
    assert corrector.correct("puicidal") == "puicidal"


def test_answers_are_the_same_on_the_second_call(corrector: FuzzyCorrector) -> None:
    """Remembered corrections give the same answer as fresh ones."""
    assert corrector.correct("suicdal") == corrector.correct("suicdal") == "suicidal"


def test_a_tie_goes_to_the_word_with_letters_left_out(corrector: FuzzyCorrector) -> None:
    """Texting drops letters: "relapsd" is "relapsed" even though "relapse" is as close."""
    both = FuzzyCorrector(frozenset({"relapse", "relapsed"}), protected=frozenset())
    assert both.correct("relapsd") == "relapsed"
    assert both.correct("relapze") == "relapse"
