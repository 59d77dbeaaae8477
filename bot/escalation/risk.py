"""Risk detection: how worried should the care team be about this one message?

`assess(text, lang)` returns a RiskAssessment (level none < concern < high <
imminent, the category of the highest evidence, and the evidence itself). It is
pure: the lexicons are loaded once, then each call only reads its text.

For each language a message is tokenized and folded (normalize.py), misspelled
risk words are corrected (fuzzy.py), texting forms are rewritten (view.py), and
every lexicon phrase whose anchor word is present is searched. Each match is
then read in context (scope.py): idioms ("this heat is killing me") and gaming
talk remove it, denials remove or, when hedged, keep it, history lowers it,
a stated time, means or place raises it. The client's own language is read with
spelling correction; the other languages are read too, without it, because
people switch languages mid-text.

Finality is read by composition rather than by whole sentences. A farewell cue
("im done", "nothing left to lose", "this is it") or a plain goodbye means
little alone and a lot next to something else:

    farewell + a means or place ("overpass", "rope") or a time ("tonight")  imminent
    goodbye + a means or place                                               imminent
    two different finality cues, or one next to distress (hopelessness,
    suicidal thoughts, self-harm, psychosis)                                  high
    ... next to a high suicide or self-harm statement                         imminent

Cue spans covered by an idiom ("see you tomorrow", "last text for tonight")
or denied ("im not done") do not count; a time counts only right next to the
farewell or on its own ("its decided. tonight"), and places do not count in
talk about getting somewhere or a game (the lexicon's contexts). A passive
death wish next to a means in reach is high. Each language's phrases are looked up
in two books (view.PhraseBook): the signals that can start a reading, searched
for every message that has one of their words, and the context cues, searched
only when a rule first needs one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from bot.escalation import scope
from bot.escalation.fuzzy import FuzzyCorrector
from bot.escalation.lexicon import Entry, Lexicon, LexiconError, load_lexicon
from bot.escalation.normalize import Token, tokenize
from bot.escalation.patterns import CompiledPattern
from bot.escalation.types import NO_RISK, Evidence, RiskAssessment, RiskDetector, RiskLevel
from bot.escalation.view import (
    PhraseBook,
    PhraseIndex,
    Rewriter,
    Span,
    TextView,
    build_view,
    corrected,
)

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parents[2] / "data" / "risk"
DEFAULT_LANGUAGE = "en"
# When two kinds of evidence share the top level, the more dangerous names the alert.
CATEGORY_PRIORITY = (
    "suicide", "overdose", "self_harm", "harm_others", "abuse_danger", "psychosis",
    "medication", "relapse", "craving", "hopelessness", "disengagement",
)
BOOSTABLE = frozenset({"suicide", "self_harm", "overdose", "harm_others", "abuse_danger"})
# Someone else's past event is news, not risk; for these the client is the one at risk,
# unless it is a story told (the news, a show) about someone else.
ABOUT_THE_CLIENT = frozenset({"abuse_danger", "harm_others"})
# Of those, the danger the client is in; someone else's, long over, is news.
DANGER_TO_THE_CLIENT = frozenset({"abuse_danger"})
# Past use or side effects, once over, need no follow-up; past self-harm still does.
HISTORY_FADES = frozenset({"relapse", "craving", "medication", "hopelessness"})
# Evidence that, next to a farewell or goodbye, makes it a goodbye message.
DISTRESS = frozenset({"suicide", "self_harm", "hopelessness", "psychosis"})
FINALITY_CATEGORY = "suicide"
QUOTE_WIDTH = 16  # tokens: a finality quote takes in a nearby place or time, not a whole text


# Signals that explain a message away rather than start a reading.
_ORDINARY = frozenset({"idioms", "contexts"})
# The `when: in_crisis` entries read short replies only ("i took them all", "ya lo hice"),
# where their phrase is at least half the message: elsewhere the same words are most
# often ordinary ("ok thats all, bye! talk tomorrow"), and the rest of the lexicon and
# the backstop read the message as anyone's.
IN_CRISIS_MAX_WORDS = 8


class _Match(NamedTuple):
    entry: Entry
    span: Span


class _Read(NamedTuple):
    """One piece of evidence and the token range it was read from."""

    evidence: Evidence
    span: Span


class _Language:
    """One compiled lexicon with its phrase books, rewriter and spelling corrector."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.entry_of: dict[int, Entry] = {}
        for entry in lexicon.entries:
            for pattern in entry.patterns:
                self.entry_of[id(pattern)] = entry
        self.rewriter = Rewriter(lexicon.rewrites)
        self.corrector = FuzzyCorrector(lexicon.vocabulary, lexicon.fuzzy_protect)
        entries = [p for e in lexicon.entries if not e.in_crisis_only for p in e.patterns]
        in_crisis = [p for e in lexicon.entries if e.in_crisis_only for p in e.patterns]
        # What starts a reading: a risk phrase, a farewell or goodbye, a place. A message
        # with none of their words cannot match anything: most messages stop there.
        indexes = [
            PhraseIndex(group)
            for group in (entries, lexicon.farewell, lexicon.goodbye, lexicon.places)
        ]
        self.triggers = frozenset().union(
            self.rewriter.first_words, *(index.anchor_words for index in indexes)
        )
        self.trigger_prefixes = tuple(p for index in indexes for p in index.anchor_prefixes)
        # Replies read only in an open crisis start a reading only then.
        crisis_index = PhraseIndex(in_crisis)
        self.crisis_triggers = self.triggers | crisis_index.anchor_words
        self.crisis_trigger_prefixes = (*self.trigger_prefixes, *crisis_index.anchor_prefixes)
        self.signals = PhraseBook(
            {
                "entries": entries,
                "in_crisis": in_crisis,
                "farewell": lexicon.farewell,
                "goodbye": lexicon.goodbye,
                "places": lexicon.places,
                "idioms": lexicon.idioms,
                "contexts": lexicon.contexts,
            }
        )
        self.cues = PhraseBook(
            {
                "hedges": lexicon.hedges,
                "doubtful": lexicon.negation_phrases,
                "history": lexicon.history,
                "dated": lexicon.dated,
                "recent": lexicon.recent,
                "thoughts_back": lexicon.recurring_thoughts,
                "acts_back": lexicon.recurring_acts,
                "resolution": lexicon.resolution,
                "stories": lexicon.stories,
                "reporters": lexicon.reporters,
                "timeline": lexicon.timeline,
                "means": lexicon.means,
                "serious": lexicon.serious,
                "questions": lexicon.screening_questions,
                "answers": lexicon.screening_answers,
            }
        )

    def might_match(self, words: Collection[str], in_crisis: bool = False) -> bool:
        """Whether a message with these words could match anything at all."""
        triggers = self.crisis_triggers if in_crisis else self.triggers
        if not triggers.isdisjoint(words):
            return True
        prefixes = self.crisis_trigger_prefixes if in_crisis else self.trigger_prefixes
        return bool(prefixes) and any(map(str.startswith, words, repeat(prefixes)))

    def evaluate(
        self,
        tokens: Sequence[Token],
        text: str,
        correct: bool,
        texts: list[str] | None = None,
        words: frozenset[str] | None = None,
        in_crisis: bool = False,
    ) -> tuple[list[Evidence], list[tuple[int, int]]]:
        """The evidence, and the character ranges read as ordinary: the sentences of an
        idiom or game talk (`_ordinary_signals`) and of a denial, someone else's story or a
        past that is over (`_read_in_context`). `texts` and `words`, when given, are the
        tokens' texts in order and as a set."""
        if texts is None or words is None:
            texts = [token.text for token in tokens]
            words = frozenset(texts)
        if correct:
            fixed = self.corrector.correct_all(texts)
            if fixed is not None:
                tokens = corrected(tokens, fixed)
                texts = fixed
                words = frozenset(fixed)
        if not self.might_match(words, in_crisis):
            return [], []
        view = build_view(tokens, self.rewriter, texts, words)
        signals = self.signals.find(view)
        crisis_replies = signals.pop("in_crisis", [])
        if not in_crisis or len(texts) > IN_CRISIS_MAX_WORDS:
            crisis_replies = []  # a longer message is read as anyone's would be
        else:  # the reply is the message, not a word in it ("bye, talk tomorrow")
            crisis_replies = [(p, span) for p, span in crisis_replies
                              if 2 * (span[1] - span[0]) >= len(view.tokens)]
        ordinary = _ordinary_signals(view, signals, "idioms")
        if not crisis_replies and _ORDINARY.issuperset(signals):
            return [], _char_ranges(view, ordinary)
        entry_of = self.entry_of
        matches = [_Match(entry_of[id(p)], span) for p, span in signals.get("entries", ())]
        matches.extend(_Match(entry_of[id(p)], span) for p, span in crisis_replies)
        farewells = _spans(signals, "farewell")
        goodbyes = _spans(signals, "goodbye")
        places = _spans(signals, "places")
        idioms = _spans(signals, "idioms")
        if idioms:
            matches = [m for m in matches if not _spoiled(m.span, idioms)]
            farewells = [span for span in farewells if not _spoiled(span, idioms)]
            goodbyes = [span for span in goodbyes if not _spoiled(span, idioms)]
        if "contexts" in signals:
            # A context that is part of a risk phrase is its danger, not a commute or a
            # game: "jump into the traffic", "walk into traffic".
            signals["contexts"] = [
                (p, span) for p, span in signals["contexts"]
                if not any(_inside(span, m.span) for m in matches)
            ]
            if not signals["contexts"]:
                del signals["contexts"]
        if "contexts" in signals:
            # Game talk or getting somewhere explains its sentence only where it explains a
            # match away or a place ("died 6 times in elden ring", "stuck on the bridge in
            # traffic"); elsewhere the backstop still reads it ("a pic of a pile of pills
            # with 'gg'" is not a game).
            if places or any(m.entry.hyperbole for m in matches):
                ordinary.extend(_ordinary_signals(view, signals, "contexts"))
            matches = [m for m in matches if not m.entry.hyperbole]
            places = []  # "bridge traffic", "on my way", a game level: not a place to die
        found = _Found(view, self.cues, places)
        read: list[_Read] = []
        if matches:
            read, dropped = _read_in_context(view, self.lexicon, found, matches, text)
            ordinary.extend(dropped)
        if farewells or goodbyes:
            signs = _Finality(farewells, goodbyes, idioms)
            read.extend(_read_together(view, self.lexicon, found, signs, read, text))
        return [r.evidence for r in read], _char_ranges(view, ordinary)


def _ordinary_signals(view: TextView, signals: dict[str, list[tuple[CompiledPattern, Span]]],
                      group: str) -> list[Span]:
    """What idioms or contexts explain: the sentence each stands in ("this heat is
    killing me", "died 6 times in elden ring")."""
    return [_sentences(view, span) for span in _spans(signals, group)]


def _sentences(view: TextView, span: Span) -> Span:
    """The sentence or sentences a token range is in."""
    return view.sentence(span[0])[0], view.sentence(span[1] - 1)[1]


def _char_ranges(view: TextView, spans: list[Span]) -> list[tuple[int, int]]:
    """Token ranges as [start, end) ranges of the original text."""
    tokens = view.tokens
    return [(tokens[a].start, tokens[b - 1].end) for a, b in spans if a < b]


def _spans(found: dict[str, list[tuple[CompiledPattern, Span]]], group: str) -> list[Span]:
    return [span for _, span in found.get(group, ())]


def _spoiled(span: Span, idioms: list[Span]) -> bool:
    return any(_spoils(idiom, span) for idiom in idioms)


def _spoils(idiom: Span, match: Span) -> bool:
    """An idiom overlapping a match explains it away, unless the idiom sits strictly inside it
    ("cravings are killing me" is still a craving)."""
    overlaps = idiom[0] < match[1] and match[0] < idiom[1]
    strictly_inside = match[0] <= idiom[0] and idiom[1] <= match[1] and idiom != match
    return overlaps and not strictly_inside


def _inside(inner: Span, outer: Span) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


class _Found:
    """Cue phrases of one message, searched when a rule first needs one of them."""

    def __init__(self, view: TextView, cues: PhraseBook, places: list[Span]) -> None:
        self._view = view
        self._cues = cues
        self.places = places  # searched up front: a place can start a reading on its own

    def __getattr__(self, name: str) -> list[Span]:
        if name.startswith("_") or name not in self._cues.groups:
            raise AttributeError(name)
        found: dict[str, list[Span]] = {group: [] for group in self._cues.groups}
        for group, matches in self._cues.find(self._view).items():
            found[group] = [span for _, span in matches]
        vars(self).update(found)
        return found[name]


def _quote(view: TextView, span: Span, text: str) -> str:
    """The client's own words for a token range."""
    return text[view.tokens[span[0]].start : view.tokens[span[1] - 1].end]


def _read_in_context(
    view: TextView, lexicon: Lexicon, found: _Found, matches: list[_Match], text: str
) -> tuple[list[_Read], list[Span]]:
    """The matches read in context, and the sentences of those explained away: a denial,
    someone else's story or a past that is over is told in its sentence."""
    doubtful = found.doubtful
    doubted = (
        [m.span for m in matches if scope.hedged_negation_before(view, m.span, doubtful)]
        if doubtful
        else []
    )
    owners = _negation_owners(view, lexicon, matches)
    denied_before = [
        m.span
        for m in matches
        if scope.negation_before(view, lexicon, m.span, _claimed_besides(owners, m.span))
    ]
    questions = found.questions
    denied = denied_before + [
        m.span for m in matches
        if m.span not in denied_before and (
            scope.denial_after(view, lexicon, m.span)
            or (bool(questions) and scope.answered_no(
                view, lexicon, m.span, questions, found.answers, [o.span for o in matches]
            ))
        )
    ]
    read: list[_Read] = []
    explained: list[Span] = []
    for match in matches:
        level = _level_in_context(view, lexicon, found, match, doubted, denied)
        if level is _Explained.DENIED and match.span in denied_before:
            # A denial explains its sentence up to what it denies, not what follows:
            # in "im not drinking again im just mixing my xanax w the vodka so i can
            # sleep forever" the backstop still reads the rest.
            explained.append((view.sentence(match.span[0])[0], match.span[1]))
        elif isinstance(level, _Explained):
            explained.append(_sentences(view, match.span))
        elif level is not None:
            entry = match.entry
            evidence = Evidence(entry.id, _quote(view, match.span, text), level, entry.category)
            read.append(_Read(evidence, match.span))
    return read, explained


def _negation_owners(
    view: TextView, lexicon: Lexicon, matches: list[_Match]
) -> list[tuple[Span, list[int]]]:
    """Risk phrases that say their risk with a negation ("no hope left", "ya no aguanto
    mas"), with the negation words' positions. A safety statement read only when hedged
    ("i wont do anything stupid") owns none: its negation still reaches what follows
    ("...like hurt myself")."""
    owners = []
    cues = lexicon.negation_cues
    for match in matches:
        if match.entry.hedged_only:
            continue
        start, end = match.span
        negations = [i for i in range(start, end) if view.tokens[i].text in cues]
        if negations:
            owners.append((match.span, negations))
    return owners


def _claimed_besides(owners: list[tuple[Span, list[int]]], span: Span) -> set[int]:
    """The negations owned by risk phrases apart from `span`: they deny nothing after
    them. A phrase that overlaps `span` ("not suicidal but i get why people..." around
    "suicidal") does not take the negation from it."""
    return {
        position
        for owner, negations in owners
        if owner[1] <= span[0] or span[1] <= owner[0]
        for position in negations
    }


class _Explained(Enum):
    """A match dropped because an ordinary reading was recognised, not for want of a hedge."""

    AWAY = "explained away"
    DENIED = "denied calmly"


def _level_in_context(
    view: TextView,
    lexicon: Lexicon,
    found: _Found,
    match: _Match,
    doubted: list[Span],
    denied: list[Span],
) -> RiskLevel | _Explained | None:
    """The match's level once denial, hedging, history and boosters are read; None drops it,
    _Explained.DENIED drops it as a calm denial, _Explained.AWAY as someone else's story
    or a past that is over."""
    entry, span = match.entry, match.span
    is_doubted = bool(doubted) and any(_inside(span, d) for d in doubted)
    is_denied = is_doubted or (bool(denied) and any(_inside(span, d) for d in denied))
    level = entry.level
    if entry.hedged_only or is_denied:
        if not (is_doubted or scope.hedged(view, lexicon, span, found.hedges)):
            return _Explained.DENIED if is_denied else None
        if is_denied:
            level = min(level, RiskLevel.HIGH)
    is_past = (
        scope.in_clause(view, lexicon, span, found.history)
        or scope.dated_after(view, span, found.dated)
    ) and not scope.in_clause(view, lexicon, span, found.recent)
    story = found.stories if scope.in_sentence(view, span, found.stories) else []
    the_client = lexicon.reported if found.reporters else frozenset()
    if (
        (
            # The news, a show: a stranger's danger is not the client's, unless the
            # client is in it ("...and my husband said hes going to stab me next").
            (bool(story) and (
                entry.category not in ABOUT_THE_CLIENT
                or not scope.names_the_client(view, lexicon, span)
            ))
            or (
                entry.category not in ABOUT_THE_CLIENT
                and (is_past or scope.in_sentence(view, span, found.resolution))
            )
            # Someone else's danger, long over, with the client not in it: "my cousin
            # got stabbed in a fight like 10 yrs ago, hes fine". (Harm the client thought
            # of doing names its victim, not its doer: "thoughts of hurting my son".)
            or (
                entry.category in DANGER_TO_THE_CLIENT
                and is_past
                and not scope.names_the_client(view, lexicon, span)
            )
        )
        and (
            scope.about_someone_else(view, lexicon, span, story, the_client, found.reporters)
            or scope.resolved_for_someone_else(
                view, lexicon, span, found.resolution, the_client
            )
        )
    ):
        return _Explained.AWAY
    if is_past and _comes_back(view, lexicon, found, span, entry.category):
        # "tried to kill myself 2 years ago and im feeling the same way now": the past
        # is back, read as if it were told today: the thoughts or the act are back, not
        # the attempt itself (a time, a means or a place can still make it imminent).
        is_past = False
        level = min(level, RiskLevel.HIGH)
    if is_past:
        if entry.category in HISTORY_FADES:
            return _Explained.AWAY
        return min(level, RiskLevel.CONCERN)
    if is_denied:
        return level
    if level == RiskLevel.HIGH and entry.category in BOOSTABLE and (
        found.means or found.places or scope.timeline_near(view, span, found.timeline)
    ):
        return RiskLevel.IMMINENT
    if level == RiskLevel.CONCERN and entry.category in ("suicide", "self_harm") and (
        found.serious or found.means
    ):
        return RiskLevel.HIGH  # "...and i mean it", "...i have enough pills": said in earnest
    return level


def _comes_back(view: TextView, lexicon: Lexicon, found: _Found, span: Span, category: str) -> bool:
    """The message says the past of a match is back: its act ("started again", "lo va a
    volver a intentar"), or its thoughts, save for self-harm, whose urge alone is a
    concern ("used to cut in high school, the urge came back this week")."""
    if found.acts_back and scope.recurs(view, lexicon, span, found.acts_back):
        return True
    return (
        category != "self_harm"
        and bool(found.thoughts_back)
        and scope.recurs(view, lexicon, span, found.thoughts_back)
    )


@dataclass(frozen=True)
class _Finality:
    farewells: list[Span]
    goodbyes: list[Span]
    idioms: list[Span]


def _read_together(
    view: TextView, lexicon: Lexicon, found: _Found, signs: _Finality, read: list[_Read], text: str
) -> list[_Read]:
    """Evidence from finality cues read together with means, places, times and distress."""
    farewells = _distinct(_affirmed(view, lexicon, signs.farewells))
    goodbyes = _distinct(_affirmed(view, lexicon, signs.goodbyes))
    if not (farewells or goodbyes):
        return []
    cues = _distinct(farewells + goodbyes)
    where = [
        s
        for s in found.means + found.places
        if not _spoiled(s, signs.idioms) and not any(_overlaps(s, c) for c in cues)
    ]
    when = [
        s
        for s in found.timeline
        if not _spoiled(s, signs.idioms) and scope.time_goes_with(view, s, farewells)
    ]
    distress = [
        r.evidence.level
        for r in read
        if r.evidence.category in DISTRESS and not any(_overlaps(r.span, c) for c in cues)
    ]
    span = cues[0]
    if (farewells and (where or when)) or (goodbyes and where):
        level, rule = RiskLevel.IMMINENT, "finality.with_means_place_or_time"
        span = _quoted_with(span, where or when)
    elif distress and max(distress) >= RiskLevel.HIGH:
        level, rule = RiskLevel.IMMINENT, "finality.with_suicidal_statement"
    elif distress:
        level, rule = RiskLevel.HIGH, "finality.with_distress"
    elif len(cues) >= 2:
        level, rule = RiskLevel.HIGH, "finality.repeated"
    else:
        return []
    return [_Read(Evidence(rule, _quote(view, span, text), level, FINALITY_CATEGORY), span)]


def _affirmed(view: TextView, lexicon: Lexicon, spans: list[Span]) -> list[Span]:
    return [span for span in spans if not scope.negation_before(view, lexicon, span)]


def _quoted_with(cue: Span, others: list[Span]) -> Span:
    """The cue widened to the nearest other cue when it is close, so the quote shows both."""
    nearest = min(others, key=lambda s: abs(s[0] - cue[0]))
    joined = (min(cue[0], nearest[0]), max(cue[1], nearest[1]))
    return joined if joined[1] - joined[0] <= QUOTE_WIDTH else cue


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _distinct(spans: list[Span]) -> list[Span]:
    """The spans that do not overlap an earlier, longer one."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if not any(_overlaps(span, k) for k in kept):
            kept.append(span)
    return sorted(kept)


def _combine(evidence: list[Evidence], explained: tuple[tuple[int, int], ...]) -> RiskAssessment:
    if not evidence:
        return RiskAssessment(RiskLevel.NONE, None, (), explained) if explained else NO_RISK
    if len(evidence) == 1:
        (only,) = evidence
        return RiskAssessment(only.level, only.category, (only,), explained)
    unique = {(e.rule, e.span): e for e in sorted(evidence, key=lambda e: e.level)}
    ranked = sorted(
        unique.values(), key=lambda e: (-e.level, CATEGORY_PRIORITY.index(e.category))
    )
    top = ranked[0]
    return RiskAssessment(top.level, top.category, tuple(ranked), explained)


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

    def assess(self, text: str, lang: str, *, in_crisis: bool = False) -> RiskAssessment:
        """Level, category and evidence for one message written in `lang` (any language is
        read); `in_crisis` reads it as a reply from a client whose crisis is open, where
        the `when: in_crisis` entries count too (`InCrisisReader`)."""
        tokens = tokenize(text)
        if not tokens:
            return NO_RISK
        texts = [token.text for token in tokens]
        words = frozenset(texts)
        primary = self._languages.get(lang, self._default)
        evidence, explained = primary.evaluate(tokens, text, True, texts, words, in_crisis)
        for language in self._languages.values():
            if language is not primary:
                more, also = language.evaluate(tokens, text, False, texts, words, in_crisis)
                evidence.extend(more)
                explained.extend(also)
        return _combine(evidence, tuple(sorted(set(explained))))


@cache
def default_lexicon_detector() -> LexiconRiskDetector:
    """The lexicon alone, built from data/risk/, loaded once per process."""
    return LexiconRiskDetector.from_directory(DEFAULT_LEXICON_DIR)


@cache
def default_detector() -> RiskDetector:
    """The product's detector: the lexicon with its learned backstop, built once per process."""
    from bot.escalation.learned import default_backstopped_detector

    return default_backstopped_detector()


class InCrisisReader:
    """The lexicon reading a text from a client whose crisis is open (an unresolved
    escalation at high or imminent): what would be ordinary from anyone else ("i took
    them all", "its done", "ya lo hice") is read as the act or goodbye it is there.
    The conversation asks it besides the product's detector and keeps the higher level."""

    def __init__(self, lexicon: LexiconRiskDetector | None = None) -> None:
        self._lexicon = lexicon  # None: the default lexicon, loaded when first needed

    def assess(self, text: str, lang: str) -> RiskAssessment:
        lexicon = self._lexicon or default_lexicon_detector()
        return lexicon.assess(text, lang, in_crisis=True)


class DetectorOnDemand:
    """The default detector, built the first time a message is assessed: for
    processes that fire timers and may never read a client's text."""

    def assess(self, text: str, lang: str) -> RiskAssessment:
        return default_detector().assess(text, lang)


def assess(text: str, lang: str) -> RiskAssessment:
    """Assess one message with the default detector."""
    return default_detector().assess(text, lang)
