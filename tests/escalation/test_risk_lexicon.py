"""Tests for bot/escalation/lexicon.py and view.PhraseBook, as the risk detector uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.escalation.lexicon import LexiconError, load_lexicon
from bot.escalation.normalize import tokenize
from bot.escalation.patterns import compile_pattern
from bot.escalation.view import PhraseBook, Rewriter, build_view

LEXICONS = Path(__file__).resolve().parents[2] / "data" / "risk"


@pytest.mark.parametrize("name", ["en.yml", "es.yml"])
def test_shipped_lexicons_load(name: str) -> None:
    """Both shipped lexicons pass validation, with finality cues, places and stories."""
    lexicon = load_lexicon(LEXICONS / name)
    assert lexicon.farewell
    assert lexicon.goodbye
    assert lexicon.places
    assert lexicon.stories


def test_a_hash_that_would_start_a_yaml_comment_is_refused(tmp_path: Path) -> None:
    """An unquoted "like ##|##" would silently lose the rest of its line, so loading refuses it."""
    text = (LEXICONS / "en.yml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("  many:"))
    broken = tmp_path / "en.yml"
    broken.write_text(text.replace(line, line.replace('"', "")), encoding="utf-8")
    with pytest.raises(LexiconError, match="double quotes"):
        load_lexicon(broken)


def test_the_many_macro_keeps_its_numbers() -> None:
    """'took my whole xanax script' and 'took 40 of them' still read as many pills."""
    lexicon = load_lexicon(LEXICONS / "en.yml")
    entry = next(e for e in lexicon.entries if e.id == "overdose.in_progress")
    assert any(p.regex.search("took my whole xanax ") for p in entry.patterns)


def test_a_phrase_book_finds_each_group_with_one_lookup() -> None:
    """Matches come back by group, with the phrase that made them."""
    book = PhraseBook(
        {
            "places": [compile_pattern("overpass", {})],
            "goodbye": [compile_pattern("goodbye $", {})],
            "unused": [compile_pattern("tonight", {})],
        }
    )
    view = build_view(tokenize("on the overpass, goodbye"), Rewriter({}))
    found = book.find(view)
    assert sorted(found) == ["goodbye", "places"]
    assert [span for _, span in found["places"]] == [(2, 3)]
