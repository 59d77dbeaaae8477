"""Compliance keywords are matched as carriers match them."""

from __future__ import annotations

import pytest

from bot.keywords import match_keyword


@pytest.mark.parametrize(
    "text", ["STOP", "stop", "  Stop ", "STOPALL", "unsubscribe", "CANCEL", "end", "Quit",
             "REVOKE", "optout", "stop."]
)
def test_opt_out_words_opt_out_in_any_case(text: str) -> None:
    """Every carrier opt-out word, trimmed and in any case, opts out."""
    assert match_keyword(text, opted_out=False) == "opt_out"


@pytest.mark.parametrize("text", ["please stop", "stop it now", "don't cancel my appointment",
                                  "the end", "stopping by later"])
def test_keywords_must_be_the_whole_message(text: str) -> None:
    """A keyword inside a sentence is not a compliance keyword."""
    assert match_keyword(text, opted_out=False) is None


def test_yes_opts_back_in_only_while_opted_out() -> None:
    """YES is an ordinary answer unless the sender has opted out."""
    assert match_keyword("yes", opted_out=False) is None
    assert match_keyword("YES", opted_out=True) == "opt_in"
    assert match_keyword("start", opted_out=False) == "opt_in"
    assert match_keyword("UNSTOP", opted_out=True) == "opt_in"


def test_help_and_ayuda_ask_for_help() -> None:
    """HELP (and the Spanish AYUDA) ask for the program's help text."""
    assert match_keyword("help", opted_out=False) == "help"
    assert match_keyword("AYUDA", opted_out=True) == "help"
