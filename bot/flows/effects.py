"""Events the flow engine takes, the run state it keeps, the effects it returns.

`bot.flows.engine.advance(flow, state, event, now, parser)` is pure: it reads
these and returns a new `RunState` and a tuple of effects. The conversation
shell carries the effects out in one transaction (messages to the outbox,
results and escalations to their tables, timers to the timed-event table).
All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

RunStatus = Literal["active", "paused", "completed", "expired", "abandoned"]
SendKind = Literal["question", "info", "reprompt", "reminder", "supportive", "closing"]
TimerKind = Literal["reminder", "expiry"]


# ---- events -----------------------------------------------------------------


@dataclass(frozen=True)
class Start:
    """Begin a run. `context` carries client facts a flow may branch on
    (e.g. {"sex": "female"} for the AUDIT-C cut-off)."""

    lang: str
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    text: str


@dataclass(frozen=True)
class Timeout:
    """The wait timer of the question `step_id` fired; `token` must equal the
    state's token or the event is stale and ignored."""

    step_id: str
    token: int


@dataclass(frozen=True)
class Expire:
    token: int


@dataclass(frozen=True)
class Resume:
    """Re-ask the current question after a pause (e.g. after a crisis reply)."""


@dataclass(frozen=True)
class Abandon:
    """The client opted out mid-run: end it now, recorded incomplete, no text."""


Event = Start | Answer | Timeout | Expire | Resume | Abandon


# ---- state ------------------------------------------------------------------


@dataclass(frozen=True)
class RunState:
    flow_id: str
    lang: str
    step_id: str
    status: RunStatus
    started_at: datetime
    expires_at: datetime
    answers: dict[str, Any] = field(default_factory=dict)  # answer key -> value
    reprompts: int = 0  # re-prompts used on the current question
    reminded: bool = False  # the current question's reminder went out
    token: int = 0  # bumped on every step so stale timers can be told apart
    context: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "flow_id": self.flow_id,
            "lang": self.lang,
            "step_id": self.step_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "answers": dict(self.answers),
            "reprompts": self.reprompts,
            "reminded": self.reminded,
            "token": self.token,
            "context": dict(self.context),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        return cls(
            flow_id=data["flow_id"],
            lang=data["lang"],
            step_id=data["step_id"],
            status=data["status"],
            started_at=datetime.fromisoformat(data["started_at"]),
            expires_at=datetime.fromisoformat(data["expires_at"]),
            answers=dict(data.get("answers", {})),
            reprompts=int(data.get("reprompts", 0)),
            reminded=bool(data.get("reminded", False)),
            token=int(data.get("token", 0)),
            context=dict(data.get("context", {})),
        )

    def evolve(self, **changes: Any) -> RunState:
        return replace(self, **changes)


# ---- effects ----------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    """A text to the client, already in the run's language."""

    text: str
    kind: SendKind = "question"


@dataclass(frozen=True)
class RecordResult:
    """A result of an instrument or check-in.

    `values` uses the result keys of DESIGN.md ("phq9.total", "phq9.severity",
    "phq9.item9", "adherence.taken", "phq9.status", ...). An incomplete
    questionnaire records {"<instrument>.status": "incomplete"} and no total.
    """

    instrument: str
    status: Literal["complete", "incomplete"]
    values: dict[str, Any]
    items: dict[str, Any] = field(default_factory=dict)  # item answers by answer key
    total: int | None = None
    severity: str | None = None
    # e.g. {"panel": "44249-1", "total": "44261-6"}
    loinc: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RaiseEscalation:
    level: str  # "concern" | "high" | "imminent"
    category: str
    reason: str  # for the console only; never sent to the client or in a page


@dataclass(frozen=True)
class SetTimer:
    kind: TimerKind
    at: datetime
    step_id: str
    token: int


@dataclass(frozen=True)
class CancelTimers:
    """Cancel every pending timer of this run."""


@dataclass(frozen=True)
class Finished:
    status: RunStatus


@dataclass(frozen=True)
class StartFlow:
    """Offer or start another flow once this one ends (e.g. PHQ-9 item 9
    positive -> Columbia screener)."""

    flow_id: str


Effect = Send | RecordResult | RaiseEscalation | SetTimer | CancelTimers | Finished | StartFlow


@dataclass(frozen=True)
class Step:
    state: RunState
    effects: tuple[Effect, ...]
