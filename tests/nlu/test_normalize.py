"""Normalisation and number words shared by the parsers and the risk rules."""

from __future__ import annotations

import pytest

from bot.nlu.normalize import normalize, number_mentions, number_word, squeeze, tokens


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Más de la MITAD!!", "mas de la mitad"),
        ("  didn't   take\tit ", "didnt take it"),
        ("7/10", "7 / 10"),
        ("¿Sí? ¡Claro!", "si claro"),
        ("mañana 👍", "manana"),
        ("", ""),
    ],
)
def test_normalize_folds_case_accents_and_marks(text: str, expected: str) -> None:
    """Replies typed with any case, accents or punctuation compare equal."""
    assert normalize(text) == expected


def test_tokens_of_an_empty_message_is_empty() -> None:
    """A message of only punctuation has no words."""
    assert tokens("?!...") == []


def test_squeeze_cuts_repeated_letters() -> None:
    """Stretched words ("yesss", "nooo") read as the word."""
    assert [squeeze(w) for w in ("yesss", "nooo", "siii")] == ["yes", "no", "si"]


@pytest.mark.parametrize(
    ("word", "lang", "value"),
    [
        ("seven", "en", 7),
        ("siete", "es", 7),
        ("siete", "en", 7),
        ("twenty", "es", 20),
        ("dieciseis", "es", 16),
        ("cero", "es", 0),
        ("once", "es", 11),
        ("once", "en", None),
        ("banana", "en", None),
    ],
)
def test_number_words_in_both_languages(word: str, lang: str, value: int | None) -> None:
    """Number words up to twenty count in either language, except English look-alikes."""
    assert number_word(word, lang) == value


def test_number_mentions_report_position_and_spelling() -> None:
    """Digits and number words are both found, in order, with where they stand."""
    found = number_mentions(["i", "say", "two", "or", "3"], "en")
    assert [(m.value, m.index, m.spelled) for m in found] == [(2, 2, True), (3, 4, False)]
