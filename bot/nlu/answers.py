"""The embedded answer parser: a client's free text to a question's value.

Pure and conservative. A reply is read for every signal it carries (digits,
number words, option keys, labels and their paraphrases, yes/no words); when
the signals agree the answer is taken, and when they disagree, point outside
the question's range or match only loosely, there is no answer and the
engine asks again. A wrong score is worse than one more prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.nlu.normalize import NumberMention, normalize, number_mentions, number_word
from bot.nlu.types import LANGS, AnswerSpec, OptionSpec, ParsedAnswer
from bot.nlu.yesno import parse_yes_no

FUZZY_THRESHOLD = 88.0  # rapidfuzz ratio a typo'd label must reach
_FUZZY_MIN_CHARS = 5  # shorter labels must match exactly

# A spelled number counts only where a reply would put its answer: first, last,
# or after one of these words ("i'd say two", "como un siete").
_NUMBER_LEADS = frozenset({
    "say", "a", "like", "about", "around", "maybe", "probably", "is", "its", "was", "option",
    "number", "choice", "answer", "im", "feel", "give", "it", "prob", "honestly",
    "opcion", "numero", "respuesta", "es", "un", "como", "diria", "digo", "le", "doy", "pongo",
})  # fmt: skip
# ...and never in "no one", "the one", "one of those".
_NUMBER_BLOCKERS_BEFORE = frozenset({
    "no", "any", "some", "every", "each", "the", "this", "that", "which", "another",
    "la", "el", "otra", "otro", "cada", "alguna", "ninguna",
})  # fmt: skip
# A number followed by a unit counts things ("slept 4 hours"), it is not a choice.
_UNITS = frozenset({
    "day", "days", "time", "times", "hour", "hours", "hr", "hrs", "week", "weeks", "month",
    "months", "year", "years", "night", "nights", "am", "pm", "min", "mins", "minutes", "mg",
    "dia", "dias", "vez", "veces", "hora", "horas", "semana", "semanas", "mes", "meses",
    "ano", "anos", "noche", "noches", "minutos",
})  # fmt: skip
_OF_WORDS = frozenset({"of", "de", "sobre", "over", "outta"})
# Words around a reply that carry nothing ("i think", "creo que").
_FILLER = frozenset({
    "i", "id", "say", "think", "guess", "maybe", "probably", "like", "um", "uh", "its", "it",
    "is", "was", "honestly", "just", "well", "hmm", "ok", "so", "answer", "option",
    "creo", "que", "pues", "eh", "yo", "diria", "digo", "bueno", "es", "mmm",
})  # fmt: skip
# Words too common to pick an option on their own.
_WEAK = frozenset({
    "the", "a", "of", "de", "la", "las", "los", "el", "day", "days", "dia", "dias", "than",
    "more", "mas", "que", "all", "at", "not", "no", "menos",
})  # fmt: skip


@dataclass(frozen=True)
class _LabelHit:
    value: int | str
    start: int
    end: int
    score: float


class EmbeddedAnswerParser:
    """Parses answers with no server and no model: rules, tables and rapidfuzz."""

    def parse(self, spec: AnswerSpec, text: str, lang: str) -> ParsedAnswer | None:
        """The answer `text` gives to a question of shape `spec`, or None."""
        stripped = text.strip()
        if not stripped:
            return None
        if spec.kind == "text":
            return ParsedAnswer(stripped, matched=stripped)
        if spec.kind == "yesno":
            found = parse_yes_no(stripped)
            return None if found is None else ParsedAnswer(found[0], matched=found[1])
        if _NEGATIVE.search(stripped):
            return None  # no scale we ask about goes below zero: ask again
        if spec.kind == "number":
            return _parse_number(spec, stripped, lang)
        return _parse_choice(spec, stripped, lang)


# ---- numbers ----------------------------------------------------------------

# "-1", "minus 2", "menos 3": a negative number, not a dash before a list item ("- 1").
# "menos de una vez al mes" is an answer label, so only a number may follow minus/menos.
_NEGATIVE = re.compile(
    r"(?:^|[^\w-])-\d|\b(?:minus|menos)\s+(?:\d|(?:zero|one|two|three|four|five|six|seven|eight"
    r"|nine|ten|cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)\b)",
    re.IGNORECASE,
)


def _spelled_counts(words: list[str], mention: NumberMention) -> bool:
    i = mention.index
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    if before in _NUMBER_BLOCKERS_BEFORE or after in _OF_WORDS:
        return False
    return i == 0 or i == len(words) - 1 or before in _NUMBER_LEADS


def _denominator_at(words: list[str], i: int, top: int | None, lang: str) -> int | None:
    """Index of the "10" in "7/10", "7 out of 10", "7 de 10" after position i,
    when it equals the top of the scale (or any top when there is none)."""
    for gap in (("/",), ("out", "of"), ("of",), ("de",), ("sobre",), ("over",), ("outta",)):
        end = i + 1 + len(gap)
        if tuple(words[i + 1 : end]) == gap and end < len(words):
            return end if _is_top(words[end], top, lang) else None
    return None


def _is_top(word: str, top: int | None, lang: str) -> bool:
    value = int(word) if word.isdigit() else number_word(word, lang)
    return value is not None and (top is None or value == top)


def _reply_numbers(
    words: list[str], lang: str, *, top: int | None, skip: set[int], counting: bool
) -> list[int]:
    """The numbers a reply gives as its answer, in order. `skip` holds token
    positions already explained by a label; with `counting`, numbers followed
    by a unit ("4 hours") are quantities, not answers."""
    mentions = number_mentions(words, lang)
    skip = set(skip)
    values: list[int] = []
    for mention in mentions:
        if mention.index in skip:
            continue
        denominator = _denominator_at(words, mention.index, top, lang)
        if denominator is not None:
            skip.add(denominator)
            values.append(mention.value)
            continue
        if mention.spelled and not _spelled_counts(words, mention):
            continue
        after = words[mention.index + 1] if mention.index + 1 < len(words) else ""
        if counting and after in _UNITS:
            continue
        values.append(mention.value)
    return values


def _parse_number(spec: AnswerSpec, text: str, lang: str) -> ParsedAnswer | None:
    words = normalize(text).split(" ")
    values = set(_reply_numbers(words, lang, top=spec.maximum, skip=set(), counting=False))
    if len(values) != 1:
        return None
    value = values.pop()
    if spec.minimum is not None and value < spec.minimum:
        return None
    if spec.maximum is not None and value > spec.maximum:
        return None
    return ParsedAnswer(value, matched=str(value))


# ---- choices ----------------------------------------------------------------


def _label_words(option: OptionSpec, lang: str) -> list[list[str]]:
    return [normalize(label).split(" ") for label in option.labels.get(lang, ()) if label.strip()]


def _label_hits(spec: AnswerSpec, words: list[str], lang: str) -> list[_LabelHit]:
    """Every place a label or paraphrase of `lang` occurs in `words`, exactly or
    within typo distance, keeping the longest where they overlap."""
    hits: list[_LabelHit] = []
    for option in spec.options:
        for label in _label_words(option, lang):
            hits.extend(_occurrences(option.value, label, words))
    hits.sort(key=lambda h: (-(h.end - h.start), -h.score))
    kept: list[_LabelHit] = []
    for hit in hits:
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return kept


def _occurrences(value: int | str, label: list[str], words: list[str]) -> list[_LabelHit]:
    size = len(label)
    joined = " ".join(label)
    found: list[_LabelHit] = []
    for start in range(len(words) - size + 1):
        if words[start : start + size] == label:
            found.append(_LabelHit(value, start, start + size, 100.0))
    if found or len(joined) < _FUZZY_MIN_CHARS:
        return found
    for width in {max(1, size - 1), size, size + 1}:
        for start in range(len(words) - width + 1):
            window = " ".join(words[start : start + width])
            score = fuzz.ratio(window, joined)
            if score >= FUZZY_THRESHOLD:
                found.append(_LabelHit(value, start, start + width, score))
    return found


def _partial_label(spec: AnswerSpec, words: list[str]) -> _LabelHit | None:
    """A reply that is a distinctive piece of exactly one option's label
    ("mas de la mitad" for "Más de la mitad de los días")."""
    core = _trim_filler(words)
    if len(" ".join(core)) < _FUZZY_MIN_CHARS or all(w in _WEAK for w in core):
        return None
    owners: set[int | str] = set()
    for option in spec.options:
        for lang in option.labels:
            for label in _label_words(option, lang):
                if _contains(label, core):
                    owners.add(option.value)
    if len(owners) != 1:
        return None
    return _LabelHit(owners.pop(), 0, len(words), 90.0)


def _trim_filler(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while start < end and words[start] in _FILLER:
        start += 1
    while end > start and words[end - 1] in _FILLER:
        end -= 1
    return words[start:end]


def _contains(label: list[str], part: list[str]) -> bool:
    size = len(part)
    return any(label[i : i + size] == part for i in range(len(label) - size + 1))


def _key_choice(spec: AnswerSpec, normalized: str) -> OptionSpec | None:
    for option in spec.options:
        if any(normalize(key) == normalized for key in option.keys):
            return option
    return None


def _option_for_number(spec: AnswerSpec, number: int) -> OptionSpec | None:
    scored = [o for o in spec.options if isinstance(o.value, int)]
    if scored:
        return next((o for o in scored if o.value == number), None)
    if 1 <= number <= len(spec.options):
        return spec.options[number - 1]
    return None


def _scale_top(spec: AnswerSpec) -> int | None:
    scored = [o.value for o in spec.options if isinstance(o.value, int)]
    return max(scored) if scored else len(spec.options)


def _parse_choice(spec: AnswerSpec, text: str, lang: str) -> ParsedAnswer | None:
    normalized = normalize(text)
    keyed = _key_choice(spec, normalized)
    if keyed is not None:
        return ParsedAnswer(keyed.value, matched=text)
    words = normalized.split(" ") if normalized else []

    hits: list[_LabelHit] = []
    for try_lang in (lang, *(other for other in LANGS if other != lang)):
        hits = _label_hits(spec, words, try_lang)
        if hits:
            break
    if not hits:
        partial = _partial_label(spec, words)
        hits = [partial] if partial is not None else []

    covered = {i for hit in hits for i in range(hit.start, hit.end)}
    numbers = _reply_numbers(words, lang, top=_scale_top(spec), skip=covered, counting=True)
    chosen: dict[int | str, str] = {}
    confidence = 1.0
    for hit in hits:
        chosen.setdefault(hit.value, " ".join(words[hit.start : hit.end]))
        confidence = min(confidence, hit.score / 100.0)
    for number in numbers:
        option = _option_for_number(spec, number)
        if option is None:
            return None  # a number outside the question: never pick something else
        chosen.setdefault(option.value, str(number))

    if len(chosen) != 1:
        return None
    value, matched = chosen.popitem()
    return ParsedAnswer(value, matched=matched, confidence=confidence)
