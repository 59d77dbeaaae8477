"""Text normalisation and number words shared by answer parsing, intents and risk rules.

Clients type on phones: any case, with or without accents, with stray
punctuation and emoji. Everything that compares text first passes it through
`normalize`, so "Más de la mitad!!" and "mas de la mitad" are the same string.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = re.compile(r"['’`´]")
_NOT_WORD = re.compile(r"[^a-z0-9/]+")
_SLASH = re.compile(r"/")
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"(.)\1+")
_DIGITS = re.compile(r"\d+")

NUMBER_WORDS_EN: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}

# Keys are accent-free, as `normalize` leaves them ("dieciséis" -> "dieciseis").
NUMBER_WORDS_ES: dict[str, int] = {
    "cero": 0,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
}

_NUMBER_WORDS: dict[str, dict[str, int]] = {"en": NUMBER_WORDS_EN, "es": NUMBER_WORDS_ES}

# Spanish number words that are everyday English words; not read as numbers in English.
_FALSE_FRIENDS_EN = frozenset({"once"})


def strip_accents(text: str) -> str:
    """`text` without combining marks: "días" -> "dias", "ñ" -> "n"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize(text: str) -> str:
    """Lowercase, accent-free words and digits separated by single spaces.

    Apostrophes vanish ("didn't" -> "didnt"), a slash stays as its own token
    ("7/10" -> "7 / 10"), every other mark becomes a space.
    """
    folded = strip_accents(text).lower()
    folded = _APOSTROPHES.sub("", folded)
    folded = _NOT_WORD.sub(" ", folded)
    folded = _SLASH.sub(" / ", folded)
    return _SPACES.sub(" ", folded).strip()


def tokens(text: str) -> list[str]:
    """The words of `normalize(text)`."""
    normalized = normalize(text)
    return normalized.split(" ") if normalized else []


def squeeze(word: str) -> str:
    """`word` with every run of a repeated letter cut to one ("yesss" -> "yes")."""
    return _REPEATS.sub(r"\1", word)


def number_word(token: str, lang: str) -> int | None:
    """The value of a normalised number word in the client's language or the
    other one ("siete" -> 7 for an English speaker too), else None."""
    own = _NUMBER_WORDS.get(lang, NUMBER_WORDS_EN)
    if token in own:
        return own[token]
    for other_lang, table in _NUMBER_WORDS.items():
        if other_lang == lang or token not in table:
            continue
        if lang == "en" and token in _FALSE_FRIENDS_EN:
            return None
        return table[token]
    return None


@dataclass(frozen=True)
class NumberMention:
    """A number written in a message: its value, token position and whether it
    was spelled as a word."""

    value: int
    index: int
    spelled: bool


def number_mentions(words: list[str], lang: str) -> list[NumberMention]:
    """Every digit group and number word in a normalised token list, in order."""
    found: list[NumberMention] = []
    for index, word in enumerate(words):
        if _DIGITS.fullmatch(word):
            found.append(NumberMention(int(word), index, spelled=False))
            continue
        value = number_word(word, lang)
        if value is not None:
            found.append(NumberMention(value, index, spelled=True))
    return found
