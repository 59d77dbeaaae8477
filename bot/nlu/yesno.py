"""Yes or no, in the many ways clients say it, in English and Spanish.

A reply is read as phrases: the longest known phrase wins where phrases
overlap ("i did not" over "i did", "todavia no" over "no"). A reply that says
both, negates a yes ("not yes", "not sure"), or only hedges ("idk", "no sé")
has no answer, so the question is asked again rather than guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import OSA

from bot.nlu.normalize import normalize, squeeze

Polarity = Literal["yes", "no", "unsure", "neutral"]

_YES = (
    "yes", "yess", "yea", "yeah", "yeh", "yah", "yep", "yup", "ya", "yas", "ye", "yse",
    "sure", "ok", "okay", "okey", "oki", "okie", "alright", "all right",
    "i did", "did", "done", "i have", "already", "of course", "course", "correct",
    "right", "affirmative", "absolutely", "definitely", "certainly", "indeed",
    "yes i did", "took it", "took them", "i took it", "taken", "picked up", "got it",
    "si", "sip", "claro", "claro que si", "por supuesto", "dale", "vale", "simon",
    "correcto", "exacto", "asi es", "de acuerdo", "listo", "hecho", "ya lo hice", "lo hice",
    "lo tome", "ya lo tome", "las tome", "lo recogi", "ya lo recogi", "desde luego",
)  # fmt: skip

_NO = (
    "no", "nope", "nop", "nah", "naw", "negative", "never", "not yet", "not really",
    "not today", "didnt", "did not", "i did not", "i didnt", "havent", "have not",
    "i have not", "i havent", "dont", "not done", "forgot", "i forgot", "missed it",
    "nunca", "todavia no", "aun no", "ya no", "no lo hice", "no todavia", "no aun",
    "para nada", "se me olvido", "olvide", "no lo he hecho", "no lo tome", "negativo",
)  # fmt: skip

_UNSURE = (
    "not sure", "no idea", "idk", "dunno", "i dont know", "dont know", "maybe", "kind of",
    "sort of", "kinda", "sorta", "not certain", "perhaps", "possibly",
    "no se", "ni idea", "quizas", "quiza", "tal vez", "a lo mejor", "mas o menos",
    "no estoy seguro", "no estoy segura", "puede ser",
)  # fmt: skip

# Phrases with a bare "no" that answer nothing ("no worries").
_NEUTRAL = (
    "no problem", "no prob", "no worries", "no one", "no matter", "no hay problema",
    "sin problema", "no pasa nada",
)  # fmt: skip

# Replies that count only as the whole message ("y" is also Spanish "and").
_WHOLE_ONLY: dict[str, bool] = {"y": True, "k": True, "kk": True, "s": True, "n": False}

_NEGATORS = frozenset({"not", "no", "never", "nunca", "ni", "dont", "didnt"})

_YES_EMOJI = ("👍", "✅", "✔", "👌", "☑", "🆗", "🙆")
_NO_EMOJI = ("👎", "❌", "✖", "🚫", "⛔", "🙅", "❎")

_FUZZY_MIN_LEN = 5  # shorter words differ from real words by one letter too easily


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    polarity: Polarity


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    phrase: _Phrase


def _compile() -> tuple[_Phrase, ...]:
    table: list[tuple[tuple[str, ...], Polarity]] = [
        (_YES, "yes"),
        (_NO, "no"),
        (_UNSURE, "unsure"),
        (_NEUTRAL, "neutral"),
    ]
    phrases: dict[tuple[str, ...], _Phrase] = {}
    for texts, polarity in table:
        for text in texts:
            words = tuple(squeeze(word) for word in normalize(text).split(" "))
            phrases[words] = _Phrase(words, polarity)
    return tuple(sorted(phrases.values(), key=lambda p: -len(p.words)))


_PHRASES = _compile()


def _word_matches(word: str, target: str) -> bool:
    if word == target:
        return True
    return (
        len(word) >= _FUZZY_MIN_LEN
        and len(target) >= _FUZZY_MIN_LEN
        and OSA.distance(word, target) <= 1
    )


def _hits(words: list[str]) -> list[_Hit]:
    """Longest-first, non-overlapping phrase occurrences in `words`."""
    found: list[_Hit] = []
    taken = [False] * len(words)
    for phrase in _PHRASES:
        size = len(phrase.words)
        for start in range(len(words) - size + 1):
            if any(taken[start : start + size]):
                continue
            window = words[start : start + size]
            if all(_word_matches(w, t) for w, t in zip(window, phrase.words, strict=True)):
                found.append(_Hit(start, start + size, phrase))
                for i in range(start, start + size):
                    taken[i] = True
    return sorted(found, key=lambda hit: hit.start)


def parse_yes_no(text: str) -> tuple[bool, str] | None:
    """(answer, the part that decided it) for a yes/no reply, or None when the
    reply is neither, both, or hedged."""
    typed = [word for word in normalize(text).split(" ") if word]
    words = [squeeze(word) for word in typed]
    if len(words) == 1 and words[0] in _WHOLE_ONLY:
        return _WHOLE_ONLY[words[0]], typed[0]

    votes: set[bool] = set()
    decided = ""
    for hit in _hits(words):
        polarity = hit.phrase.polarity
        if polarity == "unsure":
            return None
        if polarity == "neutral":
            continue
        if polarity == "yes" and hit.start > 0 and words[hit.start - 1] in _NEGATORS:
            return None
        votes.add(polarity == "yes")
        decided = decided or " ".join(typed[hit.start : hit.end])

    for emoji in _YES_EMOJI:
        if emoji in text:
            votes.add(True)
            decided = decided or emoji
    for emoji in _NO_EMOJI:
        if emoji in text:
            votes.add(False)
            decided = decided or emoji

    if len(votes) != 1:
        return None
    return votes.pop(), decided
