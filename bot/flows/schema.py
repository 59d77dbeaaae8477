"""The shape of a flow file (data/flows/<id>.yaml), as pydantic models.

A flow is a list of steps; each step does one thing and names the next:

```yaml
id: phq9
kind: questionnaire            # questionnaire | checkin | reminder
instrument: phq9               # result prefix: "phq9.total", "phq9.status", ...
expires_after: 24h             # the run ends (incomplete) this long after it starts
reminder_after: 4h             # one reminder per unanswered question
max_reprompts: 2               # "didn't catch that" replies before the run is abandoned
loinc: {panel: 44249-1, total: 44261-6}
start: intro
steps:
  - id: intro
    say: {en: "Time for your check-in...", es: "Es hora de..."}
    next: item1
  - id: item1
    ask:
      type: choice             # choice | yesno | number | text
      key: item1               # answers are stored (and scored) under this key
      text: {en: "Little interest or pleasure in doing things?", es: "..."}
      options:
        - {value: 0, label: {en: Not at all, es: Ningún día},
           paraphrases: {en: [never]}, keys: []}
    branches:                  # first condition that holds wins...
      - {when: {answer: item1, gte: 2}, goto: follow_up}
    next: item2                # ...else this; no next ends the run
  - id: done
    act: {record: phq9}        # or {escalate: {...}} or {start_flow: cssrs}
```

Top-level keys starting with `x-` are ignored, so a file can hold YAML
anchors (`x-frequency: &frequency [...]`) that its questions reuse.

The models check shapes and types only; what spans several fields (unknown
step ids, missing translations, unreachable steps, bad option sets) is
checked in `bot.flows.validate`, so that every problem of a file is reported
at once. A `Flow` handed to the engine has passed both (see `bot.flows.loader`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from bot.nlu.types import AnswerSpec, OptionSpec

FlowKind = Literal["questionnaire", "checkin", "reminder"]
AskType = Literal["choice", "yesno", "number", "text"]
SayKind = Literal["info", "supportive", "closing"]
EscalationLevel = Literal["concern", "high", "imminent"]

IDENT = r"^[a-z][a-z0-9_]*$"
Ident = Annotated[str, Field(pattern=IDENT)]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Number = StrictInt | StrictFloat

Text = dict[str, str]
"""A client-facing text by language code ({"en": ..., "es": ...}). Both
languages are required; `bot.flows.validate` reports a missing one."""

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(value: object) -> object:
    """"24h", "90m", "1h30m", "2d" -> timedelta; other values pass through."""
    if not isinstance(value, str):
        return value
    match = _DURATION.match(value.strip())
    if not value.strip() or match is None:
        raise ValueError(f"expected a duration like 24h, 30m, 1h30m or 2d, got {value!r}")
    days, hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ---- conditions -------------------------------------------------------------


class Condition(_Model):
    """A test on the run: exactly one subject and (except for any/all/not)
    exactly one operator.

    Subjects: `answer: key` (a stored answer), `sum: [keys]` (their sum),
    `context: name` (a client fact from the Start event, e.g. sex),
    `result: instrument.field` (the instrument's scoring of the answers so
    far, e.g. `cssrs.risk`), `any:` / `all:` (lists of conditions), `not:`.
    Operators: eq, ne, gt, gte, lt, lte, in. A missing answer, context or
    result value makes the test false; comparisons never raise.
    """

    answer: Ident | None = None
    sum: list[Ident] | None = None
    context: str | None = None
    result: str | None = None
    any: list[Condition] | None = None
    all: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")
    eq: Scalar | None = None
    ne: Scalar | None = None
    gt: Number | None = None
    gte: Number | None = None
    lt: Number | None = None
    lte: Number | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")

    SUBJECTS: ClassVar[tuple[str, ...]] = (
        "answer", "sum", "context", "result", "any", "all", "not_",
    )
    OPERATORS: ClassVar[tuple[str, ...]] = ("eq", "ne", "gt", "gte", "lt", "lte", "in_")

    def subjects(self) -> list[str]:
        return [name for name in self.SUBJECTS if getattr(self, name) is not None]

    def operators(self) -> list[str]:
        return [name for name in self.OPERATORS if name in self.model_fields_set]


class Branch(_Model):
    when: Condition
    goto: Ident


# ---- steps ------------------------------------------------------------------


class Option(_Model):
    """One answer of a choice question. `value` is stored; for a scored item
    it is the score, and typing that number chooses the option. Options whose
    value is not a number need `keys` (short exact replies such as "1" or "C")."""

    value: StrictInt | StrictStr
    label: Text
    paraphrases: dict[str, list[str]] = Field(default_factory=dict)
    keys: list[str] = Field(default_factory=list)

    @property
    def reply(self) -> str | None:
        """What the client is told to reply to choose this option."""
        if self.keys:
            return self.keys[0]
        return str(self.value) if isinstance(self.value, int) else None

    def spec(self) -> OptionSpec:
        labels = {
            lang: (label, *self.paraphrases.get(lang, ())) for lang, label in self.label.items()
        }
        for lang, extra in self.paraphrases.items():
            labels.setdefault(lang, tuple(extra))
        return OptionSpec(value=self.value, labels=labels, keys=tuple(self.keys))


class Ask(_Model):
    type: AskType
    key: Ident
    text: Text
    options: list[Option] = Field(default_factory=list)
    min: StrictInt | None = None
    max: StrictInt | None = None
    hint: Text | None = None  # "Reply ..." line; built from the options when absent
    reprompt: Text | None = None  # after a reply that was not understood
    reminder: Text | None = None  # the one reminder; "Just a reminder:" + question when absent
    free_text: bool = False  # choice: keep a reply that matches no option as text

    def answer_spec(self) -> AnswerSpec:
        return AnswerSpec(
            kind=self.type,
            options=tuple(option.spec() for option in self.options),
            minimum=self.min,
            maximum=self.max,
        )


class Escalate(_Model):
    level: EscalationLevel
    category: str
    reason: str  # for the console; may use {answer.<key>} and context placeholders


class Act(_Model):
    """Exactly one of: `record` (an instrument's result), `escalate`,
    `start_flow` (offered once this run ends)."""

    record: Ident | None = None
    loinc: dict[str, str] | None = None  # with record: codes of that instrument
    fields: dict[Ident, Ident] = Field(default_factory=dict)  # result field -> answer key
    set: dict[Ident, Scalar] = Field(default_factory=dict)  # result field -> constant
    escalate: Escalate | None = None
    start_flow: Ident | None = None

    def actions(self) -> list[str]:
        return [
            name
            for name in ("record", "escalate", "start_flow")
            if getattr(self, name) is not None
        ]


class Step(_Model):
    """One of `say`, `ask`, `act`; then `branches` (first true wins), then
    `next`; neither means the run ends after this step."""

    id: Ident
    say: Text | None = None
    kind: SayKind = "info"  # with say: how the shell should treat the text
    ask: Ask | None = None
    act: Act | None = None
    branches: list[Branch] = Field(default_factory=list)
    next: Ident | None = None

    def actions(self) -> list[str]:
        return [name for name in ("say", "ask", "act") if getattr(self, name) is not None]

    def targets(self) -> list[str]:
        """Every step id this step can go to."""
        out = [branch.goto for branch in self.branches]
        if self.next is not None:
            out.append(self.next)
        return out


class IncompleteRule(_Model):
    """On expiry or abandonment: raise this escalation when `when` holds of the
    answers given so far (first matching rule only)."""

    when: Condition
    escalate: Escalate


class Flow(_Model):
    id: Ident
    kind: FlowKind
    title: str | None = None  # for people reading the console, never sent
    instrument: Ident | None = None  # result prefix; defaults to the flow id
    expires_after: Duration
    reminder_after: Duration = timedelta(hours=4)
    max_reprompts: int = Field(default=2, ge=0)
    loinc: dict[str, str] = Field(default_factory=dict)
    start: Ident
    abandon: Text | None = None  # sent when re-prompts run out; a kind default when absent
    on_incomplete: list[IncompleteRule] = Field(default_factory=list)
    steps: list[Step]

    _index: dict[str, Step] = PrivateAttr(default_factory=dict)

    def model_post_init(self, _context: Any, /) -> None:
        self._index = {step.id: step for step in self.steps}

    @property
    def result_prefix(self) -> str:
        return self.instrument or self.id

    def step(self, step_id: str) -> Step:
        return self._index[step_id]

    def has_step(self, step_id: str) -> bool:
        return step_id in self._index

    def recorded_instruments(self) -> list[str]:
        """Instruments this flow records, in the order of their record steps."""
        out: list[str] = []
        for step in self.steps:
            if step.act is not None and step.act.record and step.act.record not in out:
                out.append(step.act.record)
        return out

    def loinc_for(self, instrument: str, act: Act | None = None) -> dict[str, str]:
        if act is not None and act.loinc is not None:
            return dict(act.loinc)
        if instrument == self.result_prefix:
            return dict(self.loinc)
        for step in self.steps:
            if step.act is not None and step.act.record == instrument and step.act.loinc:
                return dict(step.act.loinc)
        return {}
