"""The small phrase language of the risk lexicons, compiled to regular expressions.

A pattern is a readable phrase matched against a message's canonical tokens:

    took all [of] my pills|meds        words in order; a|b is one word or the other
    (going to|about to) kill {self}    ( ... | ... ) phrase alternatives, {name} a macro
    [really] want to die               [ ... ] optional words (also with | inside)
    pill*                              a word starting with "pill"
    want ... die                       "..." up to four words in between, same sentence
    took my meds / all of them         "/" the phrase may run on past a full stop here
    *  #  ##  ####  $                  any one word; a number; a number of ten or more; a year;
                                       the end of a clause (comma, full stop or end of text,
                                       also after closing emoji: "adios 🙏", "bye all 💔")

Words are folded like messages are (lowercase, no accents, "i'm" -> "im"), and a
comma in the message never stops a phrase from matching. Every pattern needs at
least one required word: it is the anchor that decides cheaply whether the
pattern's regular expression is worth running on a message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.escalation.normalize import phrase_words

GAP_WORDS = 4
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty "
    "thirty forty fifty sixty hundred dozen uno una dos tres cuatro cinco seis siete ocho "
    "nueve diez doce quince veinte treinta cuarenta cincuenta cien docena"
)
_BIG_NUMBER_WORDS = (
    "ten eleven twelve fifteen twenty thirty forty fifty sixty hundred dozen diez doce "
    "quince veinte treinta cuarenta cincuenta cien docena"
)
_MACRO_RE = re.compile(r"\{([a-z_]+)\}")


def _gap(words: int) -> str:
    """Up to `words` words, in the same sentence, as few as will do."""
    return rf"(?:[^ .]+ ){{0,{words}}}?"


# Emoji that close a message the way a full stop does, in a goodbye as anywhere: praying
# hands, hearts, tears. A laugh or a wave does not: "im done 😂" is not "im done.", and
# "bye 👋" is the everyday goodbye.
CLOSING_EMOJI = "🙏❤💔😢😭🖤🕊💙💜💛💚🤍🥀😔😞🥺💕♥"
_CLAUSE_END = rf"(?=[.,] |$|(?:[{CLOSING_EMOJI}] )+(?:[.,] |$))"
_GAP_RE = re.compile(r"\(\?:\[\^ \.\]\+ \)\{0,(\d+)\}\?")
_SPECIAL = {
    "*": r"[^ .,]+ ",
    "#": r"(?:\d+|" + _NUMBER_WORDS.replace(" ", "|") + ") ",
    "##": r"(?:\d\d+|" + _BIG_NUMBER_WORDS.replace(" ", "|") + ") ",
    "####": r"(?:19|20)\d\d ",
    "...": _gap(GAP_WORDS),
    "$": _CLAUSE_END,
    "/": r"(?:\. )?",
}
_BETWEEN = "(?:, )?"


class PatternError(ValueError):
    """A lexicon phrase that cannot be parsed or has no anchor word."""


@dataclass(frozen=True)
class CompiledPattern:
    """One phrase ready to run: its source, regex and anchor keys ("w:word" / "p:prefix")."""

    source: str
    regex: re.Pattern[str]
    anchors: frozenset[str]
    requires: tuple[frozenset[str], ...] = ()  # words: one of each set must be in the message


def expand_macros(pattern: str, macros: Mapping[str, str]) -> str:
    """Replace each {name} by its definition in parentheses (macros may use macros)."""
    for _ in range(4):
        if "{" not in pattern:
            return pattern

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in macros:
                raise PatternError(f"unknown macro {{{name}}}")
            return f"({macros[name]})"

        pattern = _MACRO_RE.sub(substitute, pattern)
    if "{" in pattern or "}" in pattern:
        raise PatternError("macros nest too deeply or a brace is unbalanced")
    return pattern


def _split_top(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _closing(text: str, start: int) -> int:
    pairs = {"(": ")", "[": "]"}
    stack = [pairs[text[start]]]
    for index in range(start + 1, len(text)):
        ch = text[index]
        if ch in pairs:
            stack.append(pairs[ch])
        elif ch in ")]":
            if ch != stack.pop():
                raise PatternError("brackets do not match")
            if not stack:
                return index
    raise PatternError("a bracket is not closed")


_Anchor = frozenset[str] | None


def _word_regex(raw: str) -> tuple[str, _Anchor]:
    """One written word (maybe "pill*") as regex; a folded word can become several tokens."""
    prefix = raw.endswith("*") and len(raw) > 1
    words = phrase_words(raw[:-1] if prefix else raw)
    if not words:
        raise PatternError(f"{raw!r} is not a word")
    parts = [re.escape(word) + " " for word in words]
    if prefix:
        parts[-1] = re.escape(words[-1]) + "[^ .,]* "
        key = f"p:{words[-1]}" if len(words) == 1 else f"w:{words[0]}"
    else:
        key = f"w:{max(words, key=len)}"
    return _BETWEEN.join(parts), frozenset({key})


# Words too frequent to make good anchors: a pattern is anchored on a rarer word when it has one.
_COMMON = frozenset(
    [
        "w:i", "w:me", "w:my", "w:to", "w:a", "w:the", "w:it", "w:is", "w:and", "w:of", "w:you",
        "w:in", "w:on", "w:for", "w:im", "w:he", "w:she", "w:they", "w:so", "w:just", "w:ya",
        "w:no", "w:se", "w:que", "w:de", "w:la", "w:el", "w:y", "w:lo", "w:le", "w:mi", "w:yo",
        "w:un", "w:una", "w:al", "w:del", "w:los", "w:las", "w:en", "w:con", "w:por", "w:es",
        "w:esta", "w:ll", "w:will", "w:not", "w:be", "w:was",
        # Frequent in any text message, so poor anchors (this only changes speed, not matches).
        "w:want", "w:going", "w:about", "w:this", "w:that", "w:have", "w:with", "w:again",
        "w:last", "w:all", "w:dont", "w:cant", "w:need", "w:think", "w:take", "w:took", "w:got",
        "w:get", "w:feel", "w:like", "w:know", "w:now", "w:today", "w:an", "w:at", "w:up",
        "w:out", "w:your", "w:do", "w:did", "w:are", "w:had", "w:has", "w:can", "w:what",
        "w:when", "w:if", "w:but", "w:or", "w:from", "w:this", "w:then", "w:its", "w:there",
        "w:really", "w:much", "w:more", "w:some", "w:one", "w:been", "w:would", "w:could",
        "w:quiero", "w:tengo", "w:estoy", "w:voy", "w:ya", "w:para", "w:mas", "w:muy", "w:todo",
        "w:todos", "w:hoy", "w:otra", "w:vez", "w:como", "w:pero", "w:mis", "w:me", "w:te",
    ]
)


def _anchor_score(anchor: frozenset[str]) -> tuple[int, int, int]:
    shortest = min(len(key) for key in anchor)
    prefixes = sum(key.startswith("p:") for key in anchor)
    common = len(anchor & _COMMON)
    return (-prefixes, -common, shortest)


def _sequence(text: str) -> tuple[str, _Anchor]:
    """Regex and best anchor for a sequence of elements."""
    regex, anchors = _sequence_all(text)
    return regex, (max(anchors, key=_anchor_score) if anchors else None)


def _sequence_all(text: str) -> tuple[str, list[frozenset[str]]]:
    """Regex and the anchor sets of every required element of a sequence."""
    pieces: list[str] = []
    anchors: list[frozenset[str]] = []
    index = 0
    while index < len(text):
        ch = text[index]
        if ch.isspace():
            index += 1
            continue
        if ch in "([":
            end = _closing(text, index)
            inner = text[index + 1 : end]
            alternatives = [_sequence(alt) for alt in _split_top(inner, "|")]
            if any(not regex for regex, _ in alternatives):
                raise PatternError("an alternative is empty")
            group = "(?:" + "|".join(regex for regex, _ in alternatives) + ")"
            if ch == "[":
                pieces.append(group + "?")
            else:
                pieces.append(group)
                alt_anchors = [anchor for _, anchor in alternatives]
                if all(anchor is not None for anchor in alt_anchors):
                    anchors.append(frozenset().union(*(a for a in alt_anchors if a is not None)))
            index = end + 1
            continue
        if ch in ")]":
            raise PatternError("a closing bracket has no opening one")
        end = index
        while end < len(text) and not text[end].isspace() and text[end] not in "()[]":
            end += 1
        word = text[index:end]
        index = end
        gap = _GAP_RE.fullmatch(pieces[-1]) if word == "..." and pieces else None
        if gap is not None:
            # "... ..." is one gap of up to nine words (eight, and the comma that may stand
            # between two gaps): the same matches, found faster. A regex of several short
            # lazy gaps in a row tries every way of splitting the words between them
            # before it fails; one long gap tries each length once.
            pieces[-1] = _gap(int(gap.group(1)) + 1 + GAP_WORDS)
            continue
        if word in _SPECIAL:
            pieces.append(_SPECIAL[word])
            continue
        alternatives = [_word_regex(alt) for alt in word.split("|")]
        if any(not alt for alt in word.split("|")):
            raise PatternError(f"{word!r} has an empty alternative")
        pieces.append("(?:" + "|".join(regex for regex, _ in alternatives) + ")")
        anchors.append(frozenset().union(*(anchor for _, anchor in alternatives if anchor)))
    return _BETWEEN.join(pieces), anchors


class PhraseRewriter:
    """The lexicon's rewrites applied to its own phrases. A message is read rewritten
    ("i am" -> "im", "kms" -> "kill myself"), so a phrase that spells out what a
    rewrite replaces ("dont know where i am") would never match: it is rewritten the
    same way. Only words written next to each other are rewritten, longest first."""

    def __init__(self, rewrites: Mapping[tuple[str, ...], tuple[str, ...]]) -> None:
        self._targets = {" ".join(source): " ".join(target)
                         for source, target in rewrites.items() if source != target}
        sources = sorted(self._targets, key=lambda source: (-len(source), source))
        alternatives = "|".join(r"\s+".join(map(re.escape, source.split())) for source in sources)
        self._regex = (
            re.compile(r"(?<![^\s(\[|])(?:" + alternatives + r")(?![^\s)\]|])")
            if sources else None
        )

    def __call__(self, phrase: str) -> str:
        if self._regex is None:
            return phrase
        return self._regex.sub(lambda m: self._targets[" ".join(m.group().split())], phrase)


def compile_pattern(pattern: str, macros: Mapping[str, str],
                    rewrite: PhraseRewriter | None = None) -> CompiledPattern:
    """Parse one lexicon phrase; raises PatternError with the reason when it is malformed.
    `rewrite` applies the lexicon's rewrites to the phrase, as they are to messages."""
    if not pattern.strip():
        raise PatternError("the phrase is empty")
    expanded = expand_macros(pattern, macros)
    if rewrite is not None:
        expanded = rewrite(expanded)
    body, anchors = _sequence_all(expanded)
    if not anchors:
        raise PatternError("the phrase needs at least one required word")
    best = max(anchors, key=_anchor_score)
    requires = tuple(
        frozenset(key[2:] for key in anchor)
        for anchor in anchors
        if anchor is not best and all(key.startswith("w:") for key in anchor)
    )
    # A phrase starts a token: at the start of the text or after a space, that is, not after
    # any other character (one assertion runs faster than "(?:^|(?<= ))").
    return CompiledPattern(pattern, re.compile(r"(?<![^ ])" + body), best, requires)
