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
from itertools import accumulate

from bot.escalation.fuzzy import FuzzyCorrector
from bot.escalation.normalize import SENTENCE_BREAK, Token
from bot.escalation.patterns import CompiledPattern

Span = tuple[int, int]
_CACHE_LIMIT = 50_000


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
        self._words = frozenset(self._by_word)
        self._requires = tuple(pattern.requires for pattern in self.patterns)
        # Which phrases each written word anchors by prefix; words repeat, so remember.
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def anchor_words(self) -> frozenset[str]:
        return frozenset(self._by_word)

    @property
    def anchor_prefixes(self) -> tuple[str, ...]:
        return tuple(prefix for prefix, _ in self._by_prefix)

    def _prefixed_by(self, word: str) -> tuple[int, ...]:
        anchored = tuple(index for prefix, index in self._by_prefix if word.startswith(prefix))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = anchored
        return anchored

    def candidates(self, words: frozenset[str]) -> list[CompiledPattern]:
        """Phrases whose anchor word (or prefix) occurs in `words`, each once, in file order."""
        patterns = self.patterns
        return [patterns[index] for index in self.candidate_indices(words)]

    def candidate_indices(self, words: frozenset[str]) -> list[int]:
        """Positions of the phrases `candidates` returns."""
        found: set[int] = set()
        by_word = self._by_word
        for word in words & self._words:
            found.update(by_word[word])
        if self._by_prefix:
            cache = self._cache
            for word in words:
                anchored = cache.get(word)
                if anchored is None:
                    anchored = self._prefixed_by(word)
                if anchored:
                    found.update(anchored)
        if not found:
            return []
        requires = self._requires
        disjoint = words.isdisjoint
        kept = []
        for index in sorted(found):
            for required in requires[index]:
                if disjoint(required):
                    break
            else:
                kept.append(index)
        return kept


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
        for index in self.index.candidate_indices(view.words):
            pattern = patterns[index]
            spans = view.find(pattern)
            if spans:
                found.setdefault(names[index], []).extend((pattern, span) for span in spans)
        return found


class Rewriter:
    """Replaces texting forms by what they mean, longest first ("i am" -> "im", "kms")."""

    def __init__(self, rewrites: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self.first_words = frozenset(source[0] for source in rewrites)
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for source, target in sorted(rewrites.items(), key=lambda item: -len(item[0])):
            self._by_first.setdefault(source[0], []).append((source, target))

    def apply(self, tokens: Sequence[Token]) -> Sequence[Token]:
        if self.first_words.isdisjoint([token.text for token in tokens]):
            return tokens
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


def correct_tokens(tokens: Sequence[Token], corrector: FuzzyCorrector) -> Sequence[Token]:
    """The tokens with misspelled lexicon words replaced."""
    fixed = corrector.correct_all([token.text for token in tokens])
    if fixed is None:
        return tokens
    return [
        token if word == token.text else Token(word, token.start, token.end)
        for token, word in zip(tokens, fixed, strict=True)
    ]


def build_view(tokens: Sequence[Token], rewriter: Rewriter) -> TextView:
    """Rewrite and join (already corrected) tokens for one lexicon."""
    final = rewriter.apply(tokens)
    parts = [token.text for token in final]
    joined = " ".join(parts) + " " if parts else ""
    starts = tuple(accumulate([len(part) + 1 for part in parts[:-1]], initial=0)) if parts else ()
    return TextView(tuple(final), joined, starts, frozenset(parts))
