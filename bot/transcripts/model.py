"""The transcript file format of DESIGN.md ("Stable interfaces"), validated.

Unknown keys are refused with the key's path; keys of the format that this
version cannot act on yet are refused as "not supported yet", never ignored.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class TranscriptError(ValueError):
    """A transcript file that cannot be run; the message names the problem."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(value: str) -> timedelta:
    match = DURATION.match(value)
    if match is None:
        raise ValueError(f"a duration looks like 30s, 5m, 2h or 1d, got {value!r}")
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class ClinicOverrides(Strict):
    quiet_hours: str | None = None
    timezone: str | None = None
    crisis_line: str | None = None
    name: str | None = None


class ClientSpec(Strict):
    language: str = "en"
    timezone: str | None = None
    sex: str | None = None
    first_name: str = "Alex"


class BotExpectation(Strict):
    text: str
    at: str | None = None

    @field_validator("at")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{2}:\d{2}", value):
            raise ValueError(f"at is a local time HH:MM, got {value!r}")
        return value


class PageExpectation(Strict):
    level: str | None = None


class TurnSpec(Strict):
    bot: str | BotExpectation | None = None
    client: str | None = None
    advance: str | None = None
    no_bot: bool | None = None
    page: PageExpectation | None = None

    @field_validator("advance")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    def action(self) -> str:
        given = [name for name in ("bot", "client", "advance", "no_bot", "page")
                 if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a turn has exactly one of bot, client, advance, no_bot, page; "
                             f"got {given or 'none'}")
        return given[0]


class Expectations(Strict):
    results: dict[str, Any] = Field(default_factory=dict)
    escalations: list[dict[str, Any]] | None = None
    sent_count: int | None = None
    opted_out: bool | None = None


class Transcript(Strict):
    name: str
    now: datetime | None = None
    clinic: ClinicOverrides = Field(default_factory=ClinicOverrides)
    client: ClientSpec = Field(default_factory=ClientSpec)
    enroll: list[dict[str, Any]] | None = None
    appointments: list[dict[str, Any]] | None = None
    refills: list[dict[str, Any]] | None = None
    start: str | None = None
    turns: list[TurnSpec] = Field(default_factory=list)
    expect: Expectations = Field(default_factory=Expectations)

    def unsupported(self) -> list[str]:
        """Keys of the format this version cannot act on yet."""
        found = [key for key in ("enroll", "appointments", "refills")
                 if getattr(self, key) is not None]
        if any(turn.page is not None for turn in self.turns):
            found.append("turns[].page")
        return found


def load_transcript(path: Path) -> Transcript:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TranscriptError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise TranscriptError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise TranscriptError(f"{path}: a transcript is a mapping with name and turns")
    try:
        transcript = Transcript.model_validate(data)
        for index, turn in enumerate(transcript.turns):
            try:
                turn.action()
            except ValueError as exc:
                raise TranscriptError(f"{path}: turns[{index}]: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'file'}: "
            f"{'bad key' if error['type'] == 'extra_forbidden' else error['msg']}"
            for error in exc.errors()
        )
        name = data.get("name", path.name)
        raise TranscriptError(f"{name}: {problems}") from None
    return transcript
