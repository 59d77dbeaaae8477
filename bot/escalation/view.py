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
from functools import cached_property
from itertools import accumulate, compress, count
from operator import add

from bot.escalation.normalize import SENTENCE_BREAK, Token
from bot.escalation.patterns import CompiledPattern

Span = tuple[int, int]
_CACHE_LIMIT = 50_000


@dataclass(eq=False)
class TextView:
    """Canonical tokens of one message and the joined string phrases run on (read only)."""

    tokens: Sequence[Token]
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
        candidates = index.candidates(self.words)
        if not candidates:
            return []
        return [span for p in candidates for span in self.find(p)]

    @cached_property
    def _breaks(self) -> tuple[int, ...]:
        return tuple(i for i, token in enumerate(self.tokens) if token.text == SENTENCE_BREAK)

    def sentence(self, index: int) -> Span:
        """Token range of the sentence holding token `index` (breaks are "." tokens)."""
        breaks = self._breaks
        if not breaks:
            return 0, len(self.tokens)
        if index < len(self.tokens) and self.tokens[index].text == SENTENCE_BREAK:
            previous = bisect_left(breaks, index)
            start = breaks[previous - 1] + 1 if previous else 0
            return start, index
        following = bisect_left(breaks, index)
        start = breaks[following - 1] + 1 if following else 0
        end = breaks[following] if following < len(breaks) else len(self.tokens)
        return start, end


class PhraseIndex:
    """Phrases indexed by their anchor words, so a message only runs the few that could match."""

    def __init__(self, patterns: Iterable[CompiledPattern]) -> None:
        self.patterns = tuple(patterns)
        self._by_word: dict[str, list[int]] = {}
        self._by_prefix: list[tuple[str, int]] = []
        for index, pattern in enumerate(self.patterns):
            for key in sorted(pattern.anchors):
                if key.startswith("w:"):
                    self._by_word.setdefault(key[2:], []).append(index)
                else:
                    self._by_prefix.append((key[2:], index))
        # Each distinct set of required words is one bit; a phrase needs all of its bits,
        # and a word of the message sets the bits of the sets it belongs to.
        bits: dict[frozenset[str], int] = {}
        self._needs: list[int] = []
        self._sets_bits: dict[str, int] = {}
        for pattern in self.patterns:
            needs = 0
            for required in pattern.requires:
                bit = 1 << bits.setdefault(required, len(bits))
                needs |= bit
                for word in required:
                    self._sets_bits[word] = self._sets_bits.get(word, 0) | bit
            self._needs.append(needs)
        # What each written word brings: the phrases it anchors (by word or by prefix) and
        # the bits it sets. Words repeat from message to message, so remember.
        self._cache: dict[str, tuple[tuple[int, ...], int]] = {}

    @property
    def anchor_words(self) -> frozenset[str]:
        return frozenset(self._by_word)

    @property
    def anchor_prefixes(self) -> tuple[str, ...]:
        return tuple(prefix for prefix, _ in self._by_prefix)

    def _lookup(self, word: str) -> tuple[tuple[int, ...], int]:
        by_prefix = [index for prefix, index in self._by_prefix if word.startswith(prefix)]
        anchored = (*self._by_word.get(word, ()), *by_prefix)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = found = (anchored, self._sets_bits.get(word, 0))
        return found

    def candidates(self, words: frozenset[str]) -> list[CompiledPattern]:
        """Phrases whose anchor word (or prefix) occurs in `words`, each once, in file order."""
        patterns = self.patterns
        return [patterns[index] for index in self.candidate_indices(words)]

    def candidate_indices(self, words: frozenset[str]) -> list[int]:
        """Positions of the phrases `candidates` returns: anchored in `words`, with one word
        of each of their required sets there too."""
        found: set[int] = set()
        present = 0
        cache = self._cache
        for word in words:
            anchored, bits = cache.get(word) or self._lookup(word)
            if anchored:
                found.update(anchored)
            present |= bits
        if not found:
            return []
        needs = self._needs
        return [index for index in sorted(found) if needs[index] & present == needs[index]]


class PhraseBook:
    """Several named phrase lists looked up together: one anchor lookup per message."""

    def __init__(self, groups: Mapping[str, Iterable[CompiledPattern]]) -> None:
        patterns: list[CompiledPattern] = []
        names: list[str] = []
        for name, group in groups.items():
            for pattern in group:
                patterns.append(pattern)
                names.append(name)
        self.groups = tuple(groups)
        self.index = PhraseIndex(patterns)
        self._names = tuple(names)

    def find(self, view: TextView) -> dict[str, list[tuple[CompiledPattern, Span]]]:
        """Every match in `view`, by group, with the phrase that made it."""
        found: dict[str, list[tuple[CompiledPattern, Span]]] = {}
        patterns, names = self.index.patterns, self._names
        joined, token_span = view.joined, view.token_span
        for index in self.index.candidate_indices(view.words):
            pattern = patterns[index]
            for match in pattern.regex.finditer(joined):
                start, end = token_span(match.start(), match.end())
                if end > start:
                    found.setdefault(names[index], []).append((pattern, (start, end)))
        return found


class Rewriter:
    """Replaces texting forms by what they mean, longest first ("i am" -> "im", "kms")."""

    def __init__(self, rewrites: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self.first_words = frozenset(source[0] for source in rewrites)
        self._by_first: dict[str, list[tuple[list[str], tuple[str, ...]]]] = {}
        for source, target in sorted(rewrites.items(), key=lambda item: -len(item[0])):
            self._by_first.setdefault(source[0], []).append((list(source), target))

    def apply(self, tokens: Sequence[Token], texts: list[str] | None = None) -> Sequence[Token]:
        """The tokens rewritten; the very same sequence when nothing was. `texts`, when
        given, are the tokens' texts."""
        if texts is None:
            texts = [token.text for token in tokens]
        by_first = self._by_first
        if by_first.keys().isdisjoint(texts):
            return tokens
        out: list[Token] = []
        done = 0  # tokens before this one are in `out` already
        for index in compress(count(), map(by_first.__contains__, texts)):
            if index < done:
                continue  # part of what was just rewritten
            for source, target in by_first[texts[index]]:
                size = len(source)
                if texts[index : index + size] == source:
                    out.extend(tokens[done:index])
                    start, end = tokens[index].start, tokens[index + size - 1].end
                    out.extend(Token(word, start, end) for word in target)
                    done = index + size
                    break
        if not done:
            return tokens
        out.extend(tokens[done:])
        return out


def corrected(tokens: Sequence[Token], words: list[str]) -> list[Token]:
    """The tokens with their texts replaced by `words` (their spelling corrected, fuzzy.py)."""
    return [
        token if word == token.text else Token(word, token.start, token.end)
        for token, word in zip(tokens, words, strict=True)
    ]


def build_view(
    tokens: Sequence[Token],
    rewriter: Rewriter,
    texts: list[str] | None = None,
    words: frozenset[str] | None = None,
) -> TextView:
    """Rewrite and join (already corrected) tokens for one lexicon; `texts` and `words`,
    when given, are the tokens' texts in order and as a set."""
    if texts is None:
        texts = [token.text for token in tokens]
    rewritten = rewriter.apply(tokens, texts)
    if rewritten is not tokens:
        tokens = rewritten
        texts = [token.text for token in tokens]
        words = None
    if words is None:
        words = frozenset(texts)
    joined = " ".join(texts) + " " if texts else ""
    # Where each token starts in `joined`: the lengths before it, plus one space each.
    starts = tuple(map(add, accumulate(map(len, texts), initial=0), range(len(texts))))
    return TextView(tokens, joined, starts, words)
