"""Risk detection: how worried should the care team be about this one message?

`assess(text, lang)` returns a RiskAssessment (level none < concern < high <
imminent, the category of the highest evidence, and the evidence itself). It is
pure: the lexicons are loaded once, then each call only reads its text.

For each language a message is tokenized and folded (normalize.py), misspelled
risk words are corrected (fuzzy.py), texting forms are rewritten (view.py), and
every lexicon phrase whose anchor word is present is searched. Each match is
then read in context (scope.py): idioms ("this heat is killing me") and gaming
talk remove it, denials remove or, when hedged, keep it, history lowers it,
a stated time or means raises it. The client's own language is read with
spelling correction; the other languages are read too, without it, because
people switch languages mid-text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.escalation import scope
from bot.escalation.fuzzy import FuzzyCorrector
from bot.escalation.lexicon import Entry, Lexicon, LexiconError, load_lexicon
from bot.escalation.normalize import Token, tokenize
from bot.escalation.types import NO_RISK, Evidence, RiskAssessment, RiskLevel
from bot.escalation.view import (
    PhraseIndex,
    Rewriter,
    Span,
    TextView,
    build_view,
    correct_tokens,
)

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parents[2] / "data" / "risk"
DEFAULT_LANGUAGE = "en"
# When two kinds of evidence share the top level, the more dangerous names the alert.
CATEGORY_PRIORITY = (
    "suicide", "overdose", "self_harm", "harm_others", "abuse_danger", "psychosis",
    "medication", "relapse", "craving", "hopelessness", "disengagement",
)
BOOSTABLE = frozenset({"suicide", "self_harm", "overdose", "harm_others", "abuse_danger"})
# Someone else's past event is news, not risk; for these the client is the one at risk.
ABOUT_THE_CLIENT = frozenset({"abuse_danger", "harm_others"})
# Past use or side effects, once over, need no follow-up; past self-harm still does.
HISTORY_FADES = frozenset({"relapse", "craving", "medication", "hopelessness"})


@dataclass(frozen=True)
class _Match:
    entry: Entry
    span: Span


class _Language:
    """One compiled lexicon with its phrase indexes, rewriter and spelling corrector."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.entry_of: dict[int, Entry] = {}
        for entry in lexicon.entries:
            for pattern in entry.patterns:
                self.entry_of[id(pattern)] = entry
        self.entries = PhraseIndex(p for e in lexicon.entries for p in e.patterns)
        self.rewriter = Rewriter(lexicon.rewrites)
        # A message with none of these words cannot match any entry: most messages stop here.
        self.triggers = self.entries.anchor_words | self.rewriter.first_words
        self.trigger_prefixes = self.entries.anchor_prefixes
        self.corrector = FuzzyCorrector(lexicon.vocabulary, lexicon.fuzzy_protect)
        self.idioms = PhraseIndex(lexicon.idioms)
        self.contexts = PhraseIndex(lexicon.contexts)
        self.cues = _Cues(
            hedges=PhraseIndex(lexicon.hedges),
            doubtful=PhraseIndex(lexicon.negation_phrases),
            history=PhraseIndex(lexicon.history),
            recent=PhraseIndex(lexicon.recent),
            resolution=PhraseIndex(lexicon.resolution),
            timeline=PhraseIndex(lexicon.timeline),
            means=PhraseIndex(lexicon.means),
            serious=PhraseIndex(lexicon.serious),
        )

    def might_match(self, tokens: Sequence[Token]) -> bool:
        triggers, prefixes = self.triggers, self.trigger_prefixes
        return any(
            token.text in triggers or (prefixes and token.text.startswith(prefixes))
            for token in tokens
        )

    def evaluate(self, tokens: Sequence[Token], text: str, correct: bool) -> list[Evidence]:
        if correct:
            tokens = correct_tokens(tokens, self.corrector)
        if not self.might_match(tokens):
            return []
        view = build_view(tokens, self.rewriter)
        candidates = self.entries.candidates(view.words)
        if not candidates:
            return []
        matches = [
            _Match(self.entry_of[id(pattern)], span)
            for pattern in candidates
            for span in view.find(pattern)
        ]
        if not matches:
            return []
        idioms = view.find_all(self.idioms)
        matches = [m for m in matches if not any(_spoils(idiom, m.span) for idiom in idioms)]
        if any(m.entry.hyperbole for m in matches) and view.find_all(self.contexts):
            matches = [m for m in matches if not m.entry.hyperbole]
        if not matches:
            return []
        return _read_in_context(view, self.lexicon, self.cues, matches, text)


@dataclass(frozen=True)
class _Cues:
    hedges: PhraseIndex
    doubtful: PhraseIndex
    history: PhraseIndex
    recent: PhraseIndex
    resolution: PhraseIndex
    timeline: PhraseIndex
    means: PhraseIndex
    serious: PhraseIndex


def _spoils(idiom: Span, match: Span) -> bool:
    """An idiom overlapping a match explains it away, unless the idiom sits strictly inside it
    ("cravings are killing me" is still a craving)."""
    overlaps = idiom[0] < match[1] and match[0] < idiom[1]
    strictly_inside = match[0] <= idiom[0] and idiom[1] <= match[1] and idiom != match
    return overlaps and not strictly_inside


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


class _Found:
    """Cue phrases of one message, each set searched only when a rule first needs it."""

    def __init__(self, view: TextView, cues: _Cues) -> None:
        self._view = view
        self._cues = cues

    def __getattr__(self, name: str) -> list[Span]:
        spans = self._view.find_all(getattr(self._cues, name))
        setattr(self, name, spans)
        return spans


def _read_in_context(
    view: TextView, lexicon: Lexicon, cues: _Cues, matches: list[_Match], text: str
) -> list[Evidence]:
    found = _Found(view, cues)
    doubted = [
        m.span for m in matches if scope.hedged_negation_before(view, m.span, found.doubtful)
    ]
    denied = [
        m.span
        for m in matches
        if scope.negation_before(view, lexicon, m.span) or scope.denial_after(view, lexicon, m.span)
    ]
    evidence: list[Evidence] = []
    for match in matches:
        level = _level_in_context(view, lexicon, found, match, doubted, denied)
        if level is not None:
            first, last = view.tokens[match.span[0]], view.tokens[match.span[1] - 1]
            span = text[first.start : last.end]
            evidence.append(Evidence(match.entry.id, span, level, match.entry.category))
    return evidence


def _level_in_context(
    view: TextView,
    lexicon: Lexicon,
    found: _Found,
    match: _Match,
    doubted: list[Span],
    denied: list[Span],
) -> RiskLevel | None:
    """The match's level once denial, hedging, history and boosters are read; None drops it."""
    entry, span = match.entry, match.span
    is_doubted = any(_inside(span, d) for d in doubted)
    is_denied = is_doubted or any(_inside(span, d) for d in denied)
    level = entry.level
    if entry.hedged_only or is_denied:
        if not (is_doubted or scope.hedged(view, lexicon, span, found.hedges)):
            return None
        if is_denied:
            level = min(level, RiskLevel.HIGH)
    is_past = scope.in_clause(view, lexicon, span, found.history) and not scope.in_clause(
        view, lexicon, span, found.recent
    )
    if (
        entry.category not in ABOUT_THE_CLIENT
        and (is_past or scope.in_sentence(view, span, found.resolution))
        and scope.about_someone_else(view, lexicon, span)
    ):
        return None
    if is_past:
        return None if entry.category in HISTORY_FADES else min(level, RiskLevel.CONCERN)
    if is_denied:
        return level
    if level == RiskLevel.HIGH and entry.category in BOOSTABLE and (
        found.means or scope.timeline_near(view, span, found.timeline)
    ):
        return RiskLevel.IMMINENT
    if level == RiskLevel.CONCERN and entry.category in ("suicide", "self_harm") and found.serious:
        return RiskLevel.HIGH  # "...and i mean it": a passive wish said in earnest
    return level


def _combine(evidence: list[Evidence]) -> RiskAssessment:
    if not evidence:
        return NO_RISK
    unique = {(e.rule, e.span): e for e in sorted(evidence, key=lambda e: e.level)}
    ranked = sorted(
        unique.values(), key=lambda e: (-e.level, CATEGORY_PRIORITY.index(e.category))
    )
    top = ranked[0]
    return RiskAssessment(top.level, top.category, tuple(ranked))


class LexiconRiskDetector:
    """A RiskDetector driven by reviewed lexicon files, one per language."""

    def __init__(self, lexicons: Sequence[Lexicon]) -> None:
        if not lexicons:
            raise LexiconError("no lexicon was given")
        self._languages = {lexicon.language: _Language(lexicon) for lexicon in lexicons}
        self._default = self._languages.get(DEFAULT_LANGUAGE, next(iter(self._languages.values())))

    @classmethod
    def from_directory(cls, path: Path) -> LexiconRiskDetector:
        """Load every <lang>.yml in `path`; a malformed file raises LexiconError."""
        files = sorted(path.glob("*.yml"))
        if not files:
            raise LexiconError(f"{path}: no lexicon files (*.yml)")
        return cls([load_lexicon(file) for file in files])

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._languages)

    def assess(self, text: str, lang: str) -> RiskAssessment:
        """Level, category and evidence for one message written in `lang` (any language is read)."""
        tokens = tokenize(text)
        if not tokens:
            return NO_RISK
        primary = self._languages.get(lang, self._default)
        evidence = primary.evaluate(tokens, text, correct=True)
        for language in self._languages.values():
            if language is not primary:
                evidence.extend(language.evaluate(tokens, text, correct=False))
        return _combine(evidence)


@cache
def default_detector() -> LexiconRiskDetector:
    """The detector built from data/risk/, loaded once per process."""
    return LexiconRiskDetector.from_directory(DEFAULT_LEXICON_DIR)


def assess(text: str, lang: str) -> RiskAssessment:
    """Assess one message with the default lexicons."""
    return default_detector().assess(text, lang)
