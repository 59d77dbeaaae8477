"""Yes/no reading reports which words decided it."""

from __future__ import annotations

from bot.nlu.yesno import parse_yes_no


def test_longest_phrase_decides() -> None:
    """A reply of "I did not" is a no even though it begins with "I did"."""
    assert parse_yes_no("I did not") == (False, "i did not")


def test_decided_words_are_as_typed() -> None:
    """The matched part is the client's own spelling, not a folded form."""
    assert parse_yes_no("Correct, took them") == (True, "correct")


def test_emoji_alone_decides() -> None:
    """A thumbs-up with a skin tone is a yes."""
    assert parse_yes_no("👍🏾") == (True, "👍")


def test_hedge_beats_a_yes() -> None:
    """A hedged "yeah maybe" is not taken as yes."""
    assert parse_yes_no("yeah maybe") is None


def test_single_letter_only_as_whole_message() -> None:
    """Spanish "y" ("and") inside a sentence is not read as yes."""
    assert parse_yes_no("no y nada mas") == (False, "no")
    assert parse_yes_no("y") == (True, "y")
