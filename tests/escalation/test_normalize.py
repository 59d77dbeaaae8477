"""Tests for bot/escalation/normalize.py."""

from __future__ import annotations

from bot.escalation.normalize import fold, phrase_words, tokenize


def texts(message: str) -> list[str]:
    return [token.text for token in tokenize(message)]


def test_fold_lowercases_and_strips_accents() -> None:
    """Spanish written with or without accents reads the same: "Tomé" is "tome"."""
    assert fold("Tomé RECAÍ Pastillas") == "tome recai pastillas"


def test_contractions_fuse_and_ill_splits() -> None:
    """"I'm", "don't" and "I'll" read as im, dont, and i + will."""
    assert texts("I'm sure I don't know, I'll go") == [
        "im", "sure", "i", "dont", "know", ",", "i", "will", "go",
    ]


def test_leetspeak_and_stretched_letters_are_folded() -> None:
    """"K1LL" reads as kill and "killlll" as kill, but "m30" stays a pill name."""
    assert texts("K1LL killlll m30") == ["kill", "kill", "m30"]


def test_punctuation_becomes_breaks_and_repeats_collapse() -> None:
    """Sentence ends become one "." token; a comma is a soft break; a dash between words breaks."""
    assert texts("no... really?! ok, 6 — fine") == [
        "no", ".", "really", ".", "ok", ",", "6", ".", "fine"
    ]


def test_a_parenthesis_sets_off_a_clause_like_a_comma() -> None:
    # "meds no (ran out tues)": the "no" answers one question, it does not deny the aside
    assert texts("meds no (ran out tues)") == ["meds", "no", ",", "ran", "out", "tues", ","]
    assert texts("ok (fine)") == ["ok", ",", "fine", ","]


def test_emoji_are_tokens_of_their_own() -> None:
    """Emoji stand alone, repeated emoji count once and variation selectors vanish."""
    assert texts("bye💊💊💊 ⚰️") == ["bye", "💊", "⚰"]


def test_tokens_keep_their_place_in_the_original_text() -> None:
    """Evidence can quote the client's own words from a token's span."""
    message = "Honestly I WANT to die"
    token = tokenize(message)[2]
    assert (token.text, message[token.start : token.end]) == ("want", "WANT")


def test_phrase_words_fold_like_messages() -> None:
    """Lexicon phrases are folded exactly as messages are."""
    assert phrase_words("Me tomé I'm") == ["me", "tome", "im"]


def test_empty_and_symbol_only_messages_have_no_words() -> None:
    """A message of spaces or punctuation has nothing to match."""
    assert tokenize("   ") == []
    assert texts("?!...") == []
