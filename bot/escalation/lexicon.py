"""Load and validate a risk lexicon file (data/risk/<lang>.yml).

The file is written for clinicians to review: entries with an id, a level, a
category, readable phrases and notes; idioms that must not fire; the cue words
that mark negation, hedging, history, someone else as the subject, a story
told about someone else, the boosters (a time, a means, a place) and the
finality cues (farewell, goodbye) that combine with them, and the words
texting uses for other words. Anything malformed is refused at load with
the file, the entry id and the reason, so a bad edit fails at start, not at 2 a.m.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.escalation.normalize import phrase_words
from bot.escalation.patterns import (
    CompiledPattern,
    PatternError,
    PhraseRewriter,
    compile_pattern,
    expand_macros,
)
from bot.escalation.types import CATEGORIES, RiskLevel
from bot.strict_yaml import read_yaml

_TOP_KEYS = {
    "language", "macros", "rewrites", "fuzzy", "negation", "hedges", "history", "dated",
    "resolution", "recent", "recurrence", "first_person", "possessives", "objects", "third_party",
    "reporters", "boosters", "finality", "screening", "stories", "determiners",
    "prepositions", "article_nouns", "contexts", "idioms", "entries",
}
_ENTRY_KEYS = {"id", "level", "category", "patterns", "notes", "hyperbole", "when"}
_IDIOM_KEYS = {"id", "patterns", "notes"}
_WHEN = {"always", "hedged", "in_crisis"}


class LexiconError(ValueError):
    """A lexicon file that cannot be used, with the file, entry and reason in the message."""


@dataclass(frozen=True)
class Entry:
    """One reviewed risk phrase group: what it means (level, category) and how it is written."""

    id: str
    level: RiskLevel
    category: str
    patterns: tuple[CompiledPattern, ...]
    hyperbole: bool = False  # often said as a joke or about a game: suppressed in such contexts
    hedged_only: bool = False  # a safety statement that only counts when hedged
    # A reply that means an act or a goodbye only from a client whose crisis is open
    # ("i took them all", "ya lo hice"): read by `InCrisisReader` alone.
    in_crisis_only: bool = False


@dataclass(frozen=True)
class Lexicon:
    """Everything the detector knows about one language, compiled."""

    language: str
    entries: tuple[Entry, ...]
    idioms: tuple[CompiledPattern, ...]
    rewrites: Mapping[tuple[str, ...], tuple[str, ...]]
    fuzzy_protect: frozenset[str]
    negation_cues: frozenset[str]
    negation_phrases: tuple[CompiledPattern, ...]
    post_negation: frozenset[str]
    # Around a bare denial answering a question: "any cravings? honestly no", "nah not
    # today", "la verdad no".
    denial_lead: frozenset[str]
    denial_tail: frozenset[str]
    # "not sleeping not eating just waiting for...": a negation before one of these words
    # is about what it contrasts with, not what comes after it.
    negation_contrast: frozenset[str]
    # "or", "nor": a negation runs along a list ("no urges to use or to hurt myself"),
    # so each of these lengthens its reach by LIST_REACH words.
    negation_lists: frozenset[str]
    negation_fillers: frozenset[str]
    clause_breakers: frozenset[str]
    subject_pronouns: frozenset[str]
    # "if", "si": a negation right after one sets a condition, it denies nothing
    # ("si no me ayudan me voy a matar", "if i dont get home he will kill me").
    conditionals: frozenset[str]
    # A match that opens with one of these (a pronoun before its verb, a verb in the first
    # person) is denied only by a negation right before it: "no me quiero morir", where in
    # "no puedo dormir me quiero matar" the "no" is dormir's. Empty: no such rule.
    negation_next_to: frozenset[str]
    # Negation cues that are verbs of stopping ("stopped", "quit"): inside a match they are
    # the act ("quit my meds"), which a negation before it still denies.
    negation_stops: frozenset[str]
    hedges: tuple[CompiledPattern, ...]
    history: tuple[CompiledPattern, ...]
    # A sentence that dates the one before it: "that was 40 years ago", "eso fue hace anos".
    dated: tuple[CompiledPattern, ...]
    resolution: tuple[CompiledPattern, ...]
    recent: tuple[CompiledPattern, ...]
    # The past come back: its thoughts ("...and i feel that way again", "las mismas
    # ganas") or its act ("started again", "lo va a volver a intentar"). A history with
    # one of these anywhere in the message is not over.
    recurring_thoughts: tuple[CompiledPattern, ...]
    recurring_acts: tuple[CompiledPattern, ...]
    first_person: frozenset[str]
    # "my", "mi": right before a phrase they make it the client's own ("my suicide attempt").
    possessives: frozenset[str]
    # First-person words that are never a subject ("me"): before a preposition they are
    # the one told, not the one who did it ("my coworker told me about his attempt").
    objects: frozenset[str]
    third_party: frozenset[str]
    # Someone texting about the client ("his mom here"); then these pronouns are the client.
    reporters: tuple[CompiledPattern, ...]
    reported: frozenset[str]
    timeline: tuple[CompiledPattern, ...]
    means: tuple[CompiledPattern, ...]
    places: tuple[CompiledPattern, ...]
    serious: tuple[CompiledPattern, ...]
    farewell: tuple[CompiledPattern, ...]  # finality: "im done", "nothing left to lose"
    goodbye: tuple[CompiledPattern, ...]  # a plain goodbye closing a message
    stories: tuple[CompiledPattern, ...]  # news, films, books: someone else's story
    # Words before a noun ("the", "lo de la"): in a story, "the overdose" is the story's.
    determiners: frozenset[str]
    # A word right after one of these is its object, not a subject: "en el ejercito", "de nino".
    prepositions: frozenset[str]
    # A word that is both a determiner and a pronoun ("el") is the article before one of
    # these: "el año pasado intente matarme" is the client's own past, not his.
    article_nouns: frozenset[str]
    contexts: tuple[CompiledPattern, ...]
    # A screening question someone asked ("the doctor asked if i ever"), its answer no
    # ("and i said no"), and the words that turn such an answer ("i said no but...").
    screening_questions: tuple[CompiledPattern, ...]
    screening_answers: tuple[CompiledPattern, ...]
    answer_turns: frozenset[str]
    vocabulary: frozenset[str]  # every word the lexicon writes: targets of spelling correction


class _Reader:
    """Validation helpers that name the file and the entry in every error."""

    def __init__(self, path: Path, macros: Mapping[str, str]) -> None:
        self.path = path
        self.macros = macros
        self.vocabulary: set[str] = set()
        self.rewrite: PhraseRewriter | None = None  # the rewrites, once they are read

    def fail(self, where: str, reason: str) -> LexiconError:
        return LexiconError(f"{self.path}: {where}: {reason}")

    def strings(self, value: object, where: str) -> list[str]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, "must be a non-empty list of phrases")
        for item in value:
            if not isinstance(item, str) or not item.strip():
                raise self.fail(where, f"{item!r} is not a phrase")
        return list(value)

    def patterns(self, value: object, where: str) -> tuple[CompiledPattern, ...]:
        compiled = []
        for phrase in self.strings(value, where):
            try:
                compiled.append(compile_pattern(phrase, self.macros, self.rewrite))
                expanded = expand_macros(phrase, self.macros)
            except PatternError as error:
                raise self.fail(where, f"phrase {phrase!r}: {error}") from None
            for ch in "()[]|*":
                expanded = expanded.replace(ch, " ")
            self.vocabulary.update(w for w in phrase_words(expanded) if w.isalpha())
        return tuple(compiled)

    def words(self, value: object, where: str) -> frozenset[str]:
        words: set[str] = set()
        for phrase in self.strings(value, where):
            folded = phrase_words(phrase)
            if len(folded) != 1:
                raise self.fail(where, f"{phrase!r} must be a single word")
            words.add(folded[0])
            self.vocabulary.add(folded[0])
        return frozenset(words)

    def section(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(key, "must be a mapping")
        return value


def _entry(reader: _Reader, raw: object, index: int, seen: set[str]) -> Entry:
    if not isinstance(raw, dict):
        raise reader.fail(f"entries[{index}]", "must be a mapping")
    entry_id = raw.get("id")
    if not isinstance(entry_id, str) or not entry_id:
        raise reader.fail(f"entries[{index}]", "needs an id")
    where = f"entry {entry_id!r}"
    if entry_id in seen:
        raise reader.fail(where, "the id is used twice")
    seen.add(entry_id)
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise reader.fail(where, f"unknown field(s) {sorted(unknown)}")
    try:
        level = RiskLevel.parse(str(raw.get("level", "")))
    except KeyError:
        raise reader.fail(where, f"level {raw.get('level')!r} is not one of "
                          "concern, high, imminent") from None
    if level is RiskLevel.NONE:
        raise reader.fail(where, "level none makes the entry useless")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise reader.fail(where, f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    when = raw.get("when", "always")
    if when not in _WHEN:
        raise reader.fail(where, f"when {when!r} is not one of {sorted(_WHEN)}")
    hyperbole = raw.get("hyperbole", False)
    if not isinstance(hyperbole, bool):
        raise reader.fail(where, "hyperbole must be true or false")
    return Entry(
        id=entry_id,
        level=level,
        category=str(category),
        patterns=reader.patterns(raw.get("patterns"), where),
        hyperbole=hyperbole,
        hedged_only=when == "hedged",
        in_crisis_only=when == "in_crisis",
    )


def _idioms(reader: _Reader, raw: object) -> tuple[CompiledPattern, ...]:
    if not isinstance(raw, list):
        raise reader.fail("idioms", "must be a list")
    compiled: list[CompiledPattern] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise reader.fail(f"idioms[{index}]", "must be a mapping with an id")
        unknown = set(item) - _IDIOM_KEYS
        if unknown:
            raise reader.fail(f"idiom {item['id']!r}", f"unknown field(s) {sorted(unknown)}")
        compiled.extend(reader.patterns(item.get("patterns"), f"idiom {item['id']!r}"))
    return tuple(compiled)


def _rewrites(reader: _Reader, raw: object) -> dict[tuple[str, ...], tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise reader.fail("rewrites", "must map what is written to what it means")
    rewrites: dict[tuple[str, ...], tuple[str, ...]] = {}
    for source, target in raw.items():
        if not isinstance(source, str) or not isinstance(target, str):
            raise reader.fail("rewrites", f"{source!r}: {target!r} must both be text")
        source_words, target_words = tuple(phrase_words(source)), tuple(phrase_words(target))
        if not source_words or not target_words:
            raise reader.fail("rewrites", f"{source!r}: {target!r} must both have words")
        rewrites[source_words] = target_words
        reader.vocabulary.update(source_words + target_words)
    return rewrites


def parse_lexicon(data: object, path: Path) -> Lexicon:
    """Validate and compile the parsed YAML of one lexicon file."""
    if not isinstance(data, dict):
        raise LexiconError(f"{path}: the file must be a mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise LexiconError(f"{path}: unknown section(s) {sorted(unknown)}")
    macros = data.get("macros") or {}
    if not isinstance(macros, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in macros.items()
    ):
        raise LexiconError(f"{path}: macros: must map names to phrases")
    reader = _Reader(path, macros)
    rewrites = _rewrites(reader, data.get("rewrites", {}))
    reader.rewrite = PhraseRewriter(rewrites)
    language = data.get("language")
    if not isinstance(language, str) or not language:
        raise reader.fail("language", "must name the language, e.g. en")
    negation = reader.section(data, "negation")
    boosters = reader.section(data, "boosters")
    finality = reader.section(data, "finality")
    reporters = reader.section(data, "reporters") if "reporters" in data else {}
    fuzzy = reader.section(data, "fuzzy")
    screening = reader.section(data, "screening")
    recurrence = reader.section(data, "recurrence")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise reader.fail("entries", "must be a non-empty list")
    seen: set[str] = set()
    entries = tuple(_entry(reader, raw, i, seen) for i, raw in enumerate(raw_entries))
    return Lexicon(
        language=language,
        entries=entries,
        idioms=_idioms(reader, data.get("idioms", [])),
        rewrites=rewrites,
        fuzzy_protect=reader.words(fuzzy.get("protect"), "fuzzy.protect"),
        negation_cues=reader.words(negation.get("cues"), "negation.cues"),
        negation_phrases=reader.patterns(negation.get("phrases"), "negation.phrases"),
        post_negation=reader.words(negation.get("after"), "negation.after"),
        denial_lead=reader.words(negation.get("after_lead"), "negation.after_lead"),
        denial_tail=reader.words(negation.get("after_tail"), "negation.after_tail"),
        negation_contrast=reader.words(negation.get("contrast"), "negation.contrast"),
        negation_lists=reader.words(negation.get("lists"), "negation.lists"),
        negation_fillers=reader.words(negation.get("not_before"), "negation.not_before"),
        clause_breakers=reader.words(negation.get("clause_breakers"), "negation.clause_breakers"),
        subject_pronouns=reader.words(negation.get("subjects"), "negation.subjects"),
        conditionals=reader.words(negation.get("conditionals"), "negation.conditionals"),
        negation_next_to=(
            reader.words(negation["next_to"], "negation.next_to")
            if "next_to" in negation else frozenset()
        ),
        negation_stops=(
            reader.words(negation["stops"], "negation.stops")
            if "stops" in negation else frozenset()
        ),
        hedges=reader.patterns(data.get("hedges"), "hedges"),
        history=reader.patterns(data.get("history"), "history"),
        dated=reader.patterns(data.get("dated"), "dated"),
        resolution=reader.patterns(data.get("resolution"), "resolution"),
        recent=reader.patterns(data.get("recent"), "recent"),
        recurring_thoughts=reader.patterns(recurrence.get("thoughts"), "recurrence.thoughts"),
        recurring_acts=reader.patterns(recurrence.get("acts"), "recurrence.acts"),
        first_person=reader.words(data.get("first_person"), "first_person"),
        possessives=(
            reader.words(data["possessives"], "possessives")
            if "possessives" in data else frozenset()
        ),
        objects=reader.words(data["objects"], "objects") if "objects" in data else frozenset(),
        third_party=reader.words(data.get("third_party"), "third_party"),
        reporters=reader.patterns(reporters.get("frames"), "reporters.frames"),
        reported=reader.words(reporters.get("pronouns"), "reporters.pronouns"),
        timeline=reader.patterns(boosters.get("timeline"), "boosters.timeline"),
        means=reader.patterns(boosters.get("means"), "boosters.means"),
        places=reader.patterns(boosters.get("places"), "boosters.places"),
        serious=reader.patterns(boosters.get("serious"), "boosters.serious"),
        farewell=reader.patterns(finality.get("farewell"), "finality.farewell"),
        goodbye=reader.patterns(finality.get("goodbye"), "finality.goodbye"),
        stories=reader.patterns(data.get("stories"), "stories"),
        determiners=reader.words(data.get("determiners"), "determiners"),
        prepositions=reader.words(data.get("prepositions"), "prepositions"),
        # Optional: only a language whose articles are also pronouns needs it.
        article_nouns=(
            reader.words(data["article_nouns"], "article_nouns")
            if "article_nouns" in data else frozenset()
        ),
        contexts=reader.patterns(data.get("contexts"), "contexts"),
        screening_questions=reader.patterns(screening.get("questions"), "screening.questions"),
        screening_answers=reader.patterns(screening.get("answers"), "screening.answers"),
        answer_turns=reader.words(screening.get("turns"), "screening.turns"),
        vocabulary=frozenset(reader.vocabulary),
    )


# " #" starts a YAML comment, so an unquoted "like ##|##|..." silently loses its tail.
_CUT_BY_COMMENT = re.compile(r"""^[^#"']*\S\s#+[|#\w]""")


def _check_no_phrase_cut(text: str, path: Path) -> None:
    """Refuse a line where an unquoted "#" (a number in a phrase) would start a YAML comment."""
    for number, line in enumerate(text.splitlines(), 1):
        if _CUT_BY_COMMENT.match(line) and not line.lstrip().startswith("#"):
            raise LexiconError(
                f"{path}:{number}: a '#' in an unquoted phrase starts a YAML comment; "
                "put the phrase in double quotes"
            )


def load_lexicon(path: Path) -> Lexicon:
    """Read one lexicon file; any problem raises LexiconError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
        data, duplicates = read_yaml(text)
    except (OSError, yaml.YAMLError) as error:
        raise LexiconError(f"{path}: cannot be read: {error}") from None
    if duplicates:  # YAML would keep the last silently: a rewrite or macro lost unseen
        raise LexiconError(f"{path}: {'; '.join(duplicates)} (a key written twice)")
    _check_no_phrase_cut(text, path)
    return parse_lexicon(data, path)
