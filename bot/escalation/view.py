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

    def applies(self, pattern: CompiledPattern) -> bool:
        """Whether the pattern's anchor word is in the message (cheap test before the regex)."""
        for key in pattern.anchors:
            if key[0] == "w":
                if key[2:] in self.words:
                    return True
            elif any(word.startswith(key[2:]) for word in self.words):
                return True
        return False

    def find(self, pattern: CompiledPattern) -> list[Span]:
        """Every token range where the pattern matches."""
        spans = []
        for match in pattern.regex.finditer(self.joined):
            start, end = self.token_span(match.start(), match.end())
            if end > start:
                spans.append((start, end))
        return spans

    def find_all(self, patterns: Iterable[CompiledPattern]) -> list[Span]:
        return [span for p in patterns if self.applies(p) for span in self.find(p)]

    def sentence(self, index: int) -> Span:
        """Token range of the sentence holding token `index` (breaks are "." tokens)."""
        start = index
        while start > 0 and self.tokens[start - 1].text != SENTENCE_BREAK:
            start -= 1
        end = index
        while end < len(self.tokens) and self.tokens[end].text != SENTENCE_BREAK:
            end += 1
        return start, end


def _rewrite(
    tokens: Sequence[Token], rewrites: Mapping[tuple[str, ...], tuple[str, ...]], longest: int
) -> list[Token]:
    out: list[Token] = []
    texts = [token.text for token in tokens]
    index = 0
    while index < len(tokens):
        for size in range(min(longest, len(tokens) - index), 0, -1):
            target = rewrites.get(tuple(texts[index : index + size]))
            if target is not None:
                start, end = tokens[index].start, tokens[index + size - 1].end
                out.extend(Token(word, start, end) for word in target)
                index += size
                break
        else:
            out.append(tokens[index])
            index += 1
    return out


def build_view(
    tokens: Sequence[Token],
    rewrites: Mapping[tuple[str, ...], tuple[str, ...]],
    corrector: FuzzyCorrector | None,
) -> TextView:
    """Correct, rewrite and join a tokenized message for one lexicon."""
    if corrector is not None:
        tokens = [
            token if not token.text.isalpha() else Token(corrector.correct(token.text),
                                                         token.start, token.end)
            for token in tokens
        ]
    longest = max((len(source) for source in rewrites), default=0)
    final = _rewrite(tokens, rewrites, longest) if longest else list(tokens)
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for token in final:
        starts.append(offset)
        parts.append(token.text)
        offset += len(token.text) + 1
    joined = " ".join(parts) + " " if parts else ""
    return TextView(tuple(final), joined, tuple(starts), frozenset(parts))
