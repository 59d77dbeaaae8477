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
from bot.escalation.patterns import CompiledPattern
from bot.escalation.types import NO_RISK, Evidence, RiskAssessment, RiskLevel
from bot.escalation.view import Span, TextView, build_view

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
    """One compiled lexicon with its anchor index and spelling corrector."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.by_word: dict[str, list[tuple[Entry, CompiledPattern]]] = {}
        self.by_prefix: list[tuple[str, Entry, CompiledPattern]] = []
        for entry in lexicon.entries:
            for pattern in entry.patterns:
                for key in pattern.anchors:
                    if key.startswith("w:"):
                        self.by_word.setdefault(key[2:], []).append((entry, pattern))
                    else:
                        self.by_prefix.append((key[2:], entry, pattern))
        self.corrector = FuzzyCorrector(lexicon.vocabulary, lexicon.fuzzy_protect)

    def candidates(self, view: TextView) -> list[tuple[Entry, CompiledPattern]]:
        seen: set[int] = set()
        found: list[tuple[Entry, CompiledPattern]] = []
        for word in view.words:
            for pair in self.by_word.get(word, ()):
                if id(pair[1]) not in seen:
                    seen.add(id(pair[1]))
                    found.append(pair)
        for prefix, entry, pattern in self.by_prefix:
            if id(pattern) not in seen and any(w.startswith(prefix) for w in view.words):
                seen.add(id(pattern))
                found.append((entry, pattern))
        return found

    def evaluate(self, tokens: Sequence[Token], text: str, correct: bool) -> list[Evidence]:
        lexicon = self.lexicon
        view = build_view(tokens, lexicon.rewrites, self.corrector if correct else None)
        candidates = self.candidates(view)
        if not candidates:
            return []
        matches = [_Match(entry, span) for entry, pattern in candidates for span in view.find(pattern)]
        if not matches:
            return []
        idioms = view.find_all(lexicon.idioms)
        matches = [m for m in matches if not any(_overlaps(m.span, idiom) for idiom in idioms)]
        if any(m.entry.hyperbole for m in matches) and view.find_all(lexicon.contexts):
            matches = [m for m in matches if not m.entry.hyperbole]
        if not matches:
            return []
        return _read_in_context(view, lexicon, matches, text)


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _read_in_context(
    view: TextView, lexicon: Lexicon, matches: list[_Match], text: str
) -> list[Evidence]:
    hedges = view.find_all(lexicon.hedges)
    doubtful = view.find_all(lexicon.negation_phrases)
    history = view.find_all(lexicon.history)
    recent = view.find_all(lexicon.recent)
    resolution = view.find_all(lexicon.resolution)
    timeline = view.find_all(lexicon.timeline)
    means = view.find_all(lexicon.means)
    doubted = [m.span for m in matches if scope.hedged_negation_before(view, m.span, doubtful)]
    denied = [
        m.span
        for m in matches
        if scope.negation_before(view, lexicon, m.span) or scope.denial_after(view, lexicon, m.span)
    ]
    evidence: list[Evidence] = []
    for match in matches:
        entry, span = match.entry, match.span
        is_doubted = any(_inside(span, d) for d in doubted)
        is_denied = is_doubted or any(_inside(span, d) for d in denied)
        is_hedged = is_doubted or scope.hedged(view, lexicon, span, hedges)
        level = entry.level
        if entry.hedged_only:
            if not is_hedged:
                continue
        elif is_denied:
            if not is_hedged:
                continue
            level = min(level, RiskLevel.HIGH)
        is_past = scope.in_clause(view, lexicon, span, history) and not scope.in_clause(
            view, lexicon, span, recent
        )
        someone_else = entry.category not in ABOUT_THE_CLIENT and scope.about_someone_else(
            view, lexicon, span
        )
        if someone_else and (is_past or scope.in_sentence(view, span, resolution)):
            continue
        if is_past:
            if entry.category in HISTORY_FADES:
                continue
            level = min(level, RiskLevel.CONCERN)
        elif (
            level == RiskLevel.HIGH
            and not is_denied
            and entry.category in BOOSTABLE
            and (scope.timeline_near(view, span, timeline) or means)
        ):
            level = RiskLevel.IMMINENT
        first, last = view.tokens[span[0]], view.tokens[span[1] - 1]
        evidence.append(Evidence(entry.id, text[first.start : last.end], level, entry.category))
    return evidence


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
