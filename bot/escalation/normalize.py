"""Turn a raw text message into canonical tokens that keep their place in the original.

Texting is messy: capitals or none, accents or none, "i'm" or "im", "killll",
"k1ll", emoji. Every word becomes lowercase ASCII-folded letters and digits;
each emoji becomes its own token; sentence punctuation becomes a break token
(".") and commas a soft break (","). Each token remembers the character span it
came from so evidence can quote the client's own words.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

SENTENCE_BREAK = "."
SOFT_BREAK = ","
BREAKS = frozenset({SENTENCE_BREAK, SOFT_BREAK})

_TOKEN_RE = re.compile(
    r"(?P<word>[^\W_]+(?:['’`´][^\W_]+)*)"
    r"|(?P<stop>[.!?;:…—–\n]+|\s-+\s|\s/\s)"
    r"|(?P<comma>[,()])"  # a parenthesis sets off a clause, as a comma does
    r"|(?P<sym>[^\w\s])"
)
_REPEATS_RE = re.compile(r"(.)\1{2,}")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "5": "s", "@": "a"})
_APOSTROPHES = "'’`´"
# Symbols that are parts of emoji sequences rather than emoji of their own.
_JOINERS = frozenset({"\ufe0f", "\ufe0e", "\u200d", "\u20e3"})


class Token(NamedTuple):
    """One canonical token and the span [start, end) of the original text it stands for."""

    text: str
    start: int
    end: int

    @property
    def is_break(self) -> bool:
        return self.text in BREAKS


def fold(word: str) -> str:
    """Lowercase and strip accents: "Tomé" -> "tome", "RECAÍ" -> "recai"."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=65_536)
def _canonical_word(raw: str) -> tuple[str, ...]:
    """Fold one written word into one or more canonical words ("i'll" -> "i", "will")."""
    word = fold(raw)
    for mark in _APOSTROPHES:
        if mark in word:
            stem, _, tail = word.rpartition(mark)
            if tail == "ll" and stem:
                return (_canonical_word(stem)[0], "will")
            word = word.replace(mark, "")
    if (
        not word.isalpha()
        and any(ch.isdigit() for ch in word)
        and sum(ch.isalpha() for ch in word) >= 2
    ):
        word = word.translate(_LEET)
    return (_REPEATS_RE.sub(r"\1\1", word),)


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So"


def tokenize(text: str) -> list[Token]:
    """Split a message into canonical tokens; repeated breaks and emoji collapse to one."""
    tokens: list[Token] = []
    append = tokens.append
    make = tuple.__new__  # Token(...) without the generated __new__: this loop is the hot path
    canonical = _canonical_word
    for match in _TOKEN_RE.finditer(text):
        kind = match.lastgroup
        if kind == "word":
            start, end = match.span()
            words = canonical(match.group())
            if len(words) == 1:
                append(make(Token, (words[0], start, end)))
            else:
                for word in words:
                    append(make(Token, (word, start, end)))
            continue
        start, end = match.span()
        if kind == "stop":
            if tokens and tokens[-1].is_break:
                tokens[-1] = Token(SENTENCE_BREAK, tokens[-1].start, end)
            elif tokens:
                tokens.append(Token(SENTENCE_BREAK, start, end))
        elif kind == "comma":
            if tokens and not tokens[-1].is_break:
                tokens.append(Token(SOFT_BREAK, start, end))
        else:
            ch = match.group()
            if ch in _JOINERS or not _is_emoji(ch):
                continue
            if tokens and tokens[-1].text == ch:
                tokens[-1] = Token(ch, tokens[-1].start, end)
            else:
                tokens.append(Token(ch, start, end))
    return tokens


def phrase_words(phrase: str) -> list[str]:
    """Canonical words of a lexicon phrase, folded exactly as messages are."""
    return [tok.text for tok in tokenize(phrase) if not tok.is_break]
