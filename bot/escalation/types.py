"""Risk levels, categories and the assessment the detector returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol


class RiskLevel(IntEnum):
    NONE = 0
    CONCERN = 1
    HIGH = 2
    IMMINENT = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, name: str) -> RiskLevel:
        return cls[name.strip().upper()]


CATEGORIES: tuple[str, ...] = (
    "suicide",
    "self_harm",
    "overdose",
    "harm_others",
    "abuse_danger",
    "relapse",
    "craving",
    "medication",
    "hopelessness",
    "psychosis",
    "disengagement",
)


@dataclass(frozen=True)
class Evidence:
    rule: str  # id of the lexicon entry or pattern that matched
    span: str  # the matched text, as the client wrote it
    level: RiskLevel
    category: str


@dataclass(frozen=True)
class RiskAssessment:
    level: RiskLevel
    category: str | None  # None when level is NONE
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    # Where the lexicon recognised an ordinary reading: an idiom, game talk, a calm
    # denial, someone else's story or a history that is over, as [start, end) character
    # ranges of the message. Nothing may overrule the lexicon there; the rest of the
    # message is still read (learned.backstop). Empty: no ordinary reading.
    explained: tuple[tuple[int, int], ...] = ()

    @property
    def needs_page(self) -> bool:
        return self.level >= RiskLevel.HIGH


NO_RISK = RiskAssessment(RiskLevel.NONE, None, ())


class RiskDetector(Protocol):
    def assess(self, text: str, lang: str) -> RiskAssessment: ...
