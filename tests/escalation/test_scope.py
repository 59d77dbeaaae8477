"""Tests for bot/escalation/scope.py: where a cue stands in its message."""

from __future__ import annotations

from bot.escalation import scope
from bot.escalation.normalize import tokenize
from bot.escalation.view import Rewriter, Span, TextView, build_view


def view_of(text: str) -> TextView:
    return build_view(tokenize(text), Rewriter({}))


def span_of(view: TextView, words: str) -> Span:
    """Token range of the first occurrence of `words` in the view."""
    wanted = words.split()
    texts = [token.text for token in view.tokens]
    for start in range(len(texts)):
        if texts[start : start + len(wanted)] == wanted:
            return start, start + len(wanted)
    raise AssertionError(f"{words!r} not in {texts}")


def test_a_time_right_after_a_farewell_goes_with_it() -> None:
    """"im done, tonight" states when."""
    view = view_of("im done, tonight")
    assert scope.time_goes_with(view, span_of(view, "tonight"), [span_of(view, "im done")])


def test_a_time_said_on_its_own_goes_with_the_farewell() -> None:
    """"its decided. tonight" — the time is a sentence of its own."""
    view = view_of("its decided. tonight")
    assert scope.time_goes_with(view, span_of(view, "tonight"), [span_of(view, "its decided")])


def test_a_time_about_something_else_does_not() -> None:
    """"im done. going to bed now" is about bedtime, not a plan."""
    view = view_of("im done. going to bed now")
    assert not scope.time_goes_with(view, span_of(view, "now"), [span_of(view, "im done")])


def test_a_time_far_along_the_sentence_does_not() -> None:
    """"this is it, the big interview today" — the time belongs to the interview."""
    view = view_of("this is it, the big interview today")
    assert not scope.time_goes_with(view, span_of(view, "today"), [span_of(view, "this is it")])
