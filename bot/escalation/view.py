"""A message as one language's lexicon reads it: corrected, rewritten, ready for phrases.

Tokens are spelled-corrected (fuzzy.py), then texting forms are rewritten to
what they mean ("kms" -> "kill myself", "wanna" -> "want to"), and joined into
one string, each token followed by a space, so every lexicon phrase is one
regular-expression search. Matches come back as token ranges [start, end).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.escalation.fuzzy import FuzzyCorrector
from bot.escalation.normalize import SENTENCE_BREAK, Token
from bot.escalation.patterns import CompiledPattern

Span = tuple[int, int]


@dataclass(frozen=True)
class TextView:
    """Canonical tokens of one message and the joined string phrases run on."""

    tokens: tuple[Token, ...]
    joined: str
    starts: tuple[int, ...]
    words: frozenset[str]

    def token_span(self, char_start: int, char_end: int) -> Span:
        """Token range covered by a regex match on `joined`."""
        return bisect_right(self.starts, char_start) - 1, bisect_left(self.starts, char_end)

    def find(self, pattern: CompiledPattern) -> list[Span]:
        """Every token range where the pattern matches."""
        spans = []
        for match in pattern.regex.finditer(self.joined):
            start, end = self.token_span(match.start(), match.end())
            if end > start:
                spans.append((start, end))
        return spans

    def find_all(self, index: PhraseIndex) -> list[Span]:
        """Every match of every phrase of `index` whose anchor word is in the message."""
        return [span for p in index.candidates(self.words) for span in self.find(p)]

    def sentence(self, index: int) -> Span:
        """Token range of the sentence holding token `index` (breaks are "." tokens)."""
        start = index
        while start > 0 and self.tokens[start - 1].text != SENTENCE_BREAK:
            start -= 1
        end = index
        while end < len(self.tokens) and self.tokens[end].text != SENTENCE_BREAK:
            end += 1
        return start, end


class PhraseIndex:
    """Phrases indexed by their anchor words, so a message only runs the few that could match."""

    def __init__(self, patterns: Iterable[CompiledPattern]) -> None:
        self.patterns = tuple(patterns)
        self._order = {id(p): i for i, p in enumerate(self.patterns)}
        self._by_word: dict[str, list[CompiledPattern]] = {}
        self._by_prefix: list[tuple[str, CompiledPattern]] = []
        for pattern in self.patterns:
            for key in sorted(pattern.anchors):
                if key.startswith("w:"):
                    self._by_word.setdefault(key[2:], []).append(pattern)
                else:
                    self._by_prefix.append((key[2:], pattern))

    @property
    def anchor_words(self) -> frozenset[str]:
        return frozenset(self._by_word)

    @property
    def anchor_prefixes(self) -> tuple[str, ...]:
        return tuple(prefix for prefix, _ in self._by_prefix)

    def candidates(self, words: frozenset[str]) -> list[CompiledPattern]:
        """Phrases whose anchor word (or prefix) occurs in `words`, each once, in file order."""
        found: dict[int, CompiledPattern] = {}
        for word in words:
            for pattern in self._by_word.get(word, ()):
                found[id(pattern)] = pattern
        for prefix, pattern in self._by_prefix:
            if id(pattern) not in found and any(w.startswith(prefix) for w in words):
                found[id(pattern)] = pattern
        if not found:
            return []
        found = {
            key: pattern
            for key, pattern in found.items()
            if all(not words.isdisjoint(required) for required in pattern.requires)
        }
        if len(found) < 2:
            return list(found.values())
        order = self._order
        return sorted(found.values(), key=lambda p: order[id(p)])


class Rewriter:
    """Replaces texting forms by what they mean, longest first ("i am" -> "im", "kms")."""

    def __init__(self, rewrites: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self.first_words = frozenset(source[0] for source in rewrites)
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for source, target in sorted(rewrites.items(), key=lambda item: -len(item[0])):
            self._by_first.setdefault(source[0], []).append((source, target))

    def apply(self, tokens: Sequence[Token]) -> list[Token]:
        out: list[Token] = []
        index = 0
        count = len(tokens)
        while index < count:
            token = tokens[index]
            options = self._by_first.get(token.text)
            if options:
                for source, target in options:
                    size = len(source)
                    if index + size <= count and all(
                        tokens[index + k].text == source[k] for k in range(1, size)
                    ):
                        end = tokens[index + size - 1].end
                        out.extend(Token(word, token.start, end) for word in target)
                        index += size
                        break
                else:
                    out.append(token)
                    index += 1
            else:
                out.append(token)
                index += 1
        return out


def correct_tokens(tokens: Sequence[Token], corrector: FuzzyCorrector) -> list[Token]:
    """The tokens with misspelled lexicon words replaced."""
    correct = corrector.correct
    return [
        Token(fixed, token.start, token.end) if (fixed := correct(token.text)) != token.text
        else token
        for token in tokens
    ]


def build_view(tokens: Sequence[Token], rewriter: Rewriter) -> TextView:
    """Rewrite and join (already corrected) tokens for one lexicon."""
    final = rewriter.apply(tokens)
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for token in final:
        starts.append(offset)
        parts.append(token.text)
        offset += len(token.text) + 1
    joined = " ".join(parts) + " " if parts else ""
    return TextView(tuple(final), joined, tuple(starts), frozenset(parts))
