"""Tests for bot/escalation/lexicon.py and view.PhraseBook, as the risk detector uses them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.escalation.evaluate import EXAMPLES_DIR, load_labelled
from bot.escalation.lexicon import Lexicon, LexiconError, load_lexicon
from bot.escalation.normalize import Token, tokenize
from bot.escalation.patterns import CompiledPattern, PhraseRewriter, compile_pattern
from bot.escalation.risk import LexiconRiskDetector
from bot.escalation.view import PhraseBook, PhraseIndex, Rewriter, build_view

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


def test_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    """A rewrite written twice would silently keep only its last meaning, so loading
    refuses it and names the line."""
    text = (LEXICONS / "en.yml").read_text(encoding="utf-8")
    broken = tmp_path / "en.yml"
    broken.write_text(text.replace("  kms: kill myself\n", "  kms: kill myself\n  kms: okay\n"),
                      encoding="utf-8")
    with pytest.raises(LexiconError, match="duplicate key 'kms'"):
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


def _every_phrase(lexicon: Lexicon) -> list[CompiledPattern]:
    return [
        *(pattern for entry in lexicon.entries for pattern in entry.patterns),
        *lexicon.farewell, *lexicon.goodbye, *lexicon.places, *lexicon.idioms,
        *lexicon.contexts, *lexicon.hedges, *lexicon.negation_phrases, *lexicon.history,
        *lexicon.recent, *lexicon.resolution, *lexicon.stories, *lexicon.timeline,
        *lexicon.means, *lexicon.serious, *lexicon.dated,
    ]


def _could_match(pattern: CompiledPattern, words: frozenset[str]) -> bool:
    """The rule the index implements, read plainly: an anchor word (or prefix) is there,
    and a word of each required set."""
    anchored = any(
        key[2:] in words if key.startswith("w:") else any(w.startswith(key[2:]) for w in words)
        for key in pattern.anchors
    )
    return anchored and all(not words.isdisjoint(required) for required in pattern.requires)


def _example_words() -> list[frozenset[str]]:
    messages = load_labelled(EXAMPLES_DIR)
    return [frozenset(token.text for token in tokenize(m.text)) for m in messages]


@pytest.mark.parametrize("name", ["en.yml", "es.yml"])
def test_the_phrase_index_offers_exactly_the_phrases_that_could_match(name: str) -> None:
    """On every example's words the index offers each phrase whose anchor and required
    words are there, in file order, and no other."""
    phrases = _every_phrase(load_lexicon(LEXICONS / name))
    index = PhraseIndex(phrases)
    for words in _example_words()[::3]:
        expected = [i for i, pattern in enumerate(phrases) if _could_match(pattern, words)]
        assert index.candidate_indices(words) == expected, sorted(words)


def _rewritten_plainly(
    rewrites: Mapping[tuple[str, ...], tuple[str, ...]], tokens: list[Token]
) -> list[Token]:
    """Texting forms replaced from left to right, the longest form first at each place."""
    forms = sorted(rewrites.items(), key=lambda item: -len(item[0]))
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        for source, target in forms:
            if tuple(t.text for t in tokens[index : index + len(source)]) == source:
                end = tokens[index + len(source) - 1].end
                out.extend(Token(word, tokens[index].start, end) for word in target)
                index += len(source)
                break
        else:
            out.append(tokens[index])
            index += 1
    return out


@pytest.mark.parametrize("name", ["en.yml", "es.yml"])
def test_texting_forms_are_rewritten_as_read_plainly(name: str) -> None:
    """On every example the rewriter gives the plain left-to-right reading, and a view
    built from the tokens' texts given up front is the view built from the tokens."""
    rewrites = load_lexicon(LEXICONS / name).rewrites
    rewriter = Rewriter(rewrites)
    for message in load_labelled(EXAMPLES_DIR):
        tokens = tokenize(message.text)
        assert list(rewriter.apply(tokens)) == _rewritten_plainly(rewrites, tokens)
        texts = [token.text for token in tokens]
        given, built = (
            (list(view.tokens), view.joined, view.starts, view.words)
            for view in (
                build_view(tokens, rewriter, texts, frozenset(texts)),
                build_view(tokens, rewriter),
            )
        )
        assert given == built, message.text


def test_a_phrase_is_rewritten_as_messages_are(tmp_path: Path) -> None:
    """A message is read with its texting forms rewritten ("i am" -> "im"), so a phrase
    that spells one out is rewritten the same way and still matches: "dont know where
    i am" once never matched anything."""
    (tmp_path / "en.yml").write_text(
        (LEXICONS / "en.yml").read_text(encoding="utf-8").replace(
            "entries:\n",
            "entries:\n  - id: test.spelled_out\n    level: high\n    category: psychosis\n"
            '    patterns: ["dont know where i am anymore", "(kms|jump) off the roof"]\n',
            1),
        encoding="utf-8")
    detector = LexiconRiskDetector.from_directory(tmp_path)
    for text in ("i dont know where i am anymore", "i dont know where im anymore",
                 "gonna kill myself off the roof"):
        rules = [e.rule for e in detector.assess(text, "en").evidence]
        assert "test.spelled_out" in rules, text


def test_a_phrase_rewriter_rewrites_only_whole_words() -> None:
    rewrite = PhraseRewriter({("i", "am"): ("im",), ("kms",): ("kill", "myself")})
    assert rewrite("(im|i am) [so] sorry") == "(im|im) [so] sorry"
    assert rewrite("where i am $") == "where im $"
    assert rewrite("hi amber kmsx skms") == "hi amber kmsx skms"


def test_gaps_in_a_row_read_as_one_gap() -> None:
    """"... ..." is up to eight words and the comma between the two gaps, in one
    sentence; it is compiled as one gap, which fails fast on long messages."""
    pattern = compile_pattern("pills ... ... doing it", {})
    assert pattern.regex.pattern.count("{0,") == 1
    assert pattern.regex.search("pills " + "w " * 8 + "doing it ")
    assert pattern.regex.search("pills from my nanas cabinet , theyre in my bag , doing it ")
    assert not pattern.regex.search("pills " + "w " * 10 + "doing it ")
    assert not pattern.regex.search("pills in my bag . doing it ")
