"""Correct misspelled risk words ("suicdal", "overdossed", "myslef") without inventing risk.

Only words of the lexicon that are five letters or longer are targets, and a
written word is corrected only when it is not itself a word the lexicon knows or
protects, starts with the same letter, and is one edit away (a swap of two
neighbouring letters counts as one edit; two edits for targets of nine letters
or more). Replacing one letter by another is allowed only for targets of six
letters or more, because short words have too many honest neighbours ("pulls",
"pills"). Candidates are found through an index by first letter and length, and
answers are remembered, so typical messages cost a few dictionary lookups.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import cast

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract_iter

MIN_TARGET = 5
MIN_WORD = 4
LONG_TARGET = 9  # letters: from here on, two edits are allowed
_CACHE_LIMIT = 50_000
_SINGLE_RE = re.compile(r"(.)\1+")


def _drops_letters(word: str, target: str) -> bool:
    """Whether `word` is `target` with some letters left out."""
    letters = iter(target)
    return len(word) < len(target) and all(ch in letters for ch in word)


class FuzzyCorrector:
    """Maps a written word to the lexicon word it most likely misspells, or to itself."""

    def __init__(self, vocabulary: frozenset[str], protected: frozenset[str]) -> None:
        self._known = vocabulary | protected
        self._index: dict[tuple[str, int], list[str]] = defaultdict(list)
        for word in sorted(vocabulary):
            if len(word) >= MIN_TARGET and word.isalpha():
                self._index[(word[0], len(word))].append(word)
        self._cache: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """The lexicon word `word` stands for, or `word` unchanged."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        result = self._lookup(word)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = result
        return result

    def correct_all(self, words: list[str]) -> list[str] | None:
        """Each word corrected, or None when no word needs correcting (the common case)."""
        cached = list(map(self._cache.get, words))
        if None in cached:
            fixed = [known or self.correct(word) for known, word in zip(cached, words, strict=True)]
        else:
            fixed = cast(list[str], cached)  # every word was answered before
        return None if fixed == words else fixed

    def _lookup(self, word: str) -> str:
        if word in self._known or len(word) < MIN_WORD or not word.isalpha():
            return word
        single = _SINGLE_RE.sub(r"\1", word)
        if single != word and single in self._known:
            return single
        best, best_rank = word, (3, True)
        for length in range(len(word) - 2, len(word) + 3):
            targets = self._index.get((word[0], length))
            allowed = 2 if length >= LONG_TARGET else 1
            if not targets or abs(length - len(word)) > allowed:
                continue
            # The edit distances are computed in C for the whole bucket; the targets come
            # back in the bucket's order, so ties go as they always have.
            for target, distance, _ in extract_iter(
                word, targets, scorer=OSA.distance, score_cutoff=allowed
            ):
                if len(word) == length and length < 6 and sorted(word) != sorted(target):
                    continue  # a one-letter substitution in a short word: too many neighbours
                # On a tie, a target the word is a shortening of wins: texting drops letters
                # ("relapsd" is "relapsed", not "relapse").
                rank = (int(distance), not _drops_letters(word, target))
                if rank < best_rank:
                    best, best_rank = target, rank
        return best
