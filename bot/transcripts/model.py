"""The transcript file format of DESIGN.md ("Stable interfaces"), validated.

Unknown keys are refused with the key's path; keys of the format that this
version cannot act on yet are refused as "not supported yet", never ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.scheduling.quiet import parse_quiet_hours
from bot.scheduling.recurrence import parse_schedule

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

    @field_validator("quiet_hours")
    @classmethod
    def _legal(cls, value: str | None) -> str | None:
        if value is not None:
            parse_quiet_hours(value)
        return value


class EnrollSpec(Strict):
    """A recurring check-in from the start of the transcript."""

    flow: str
    schedule: str
    start: date | None = None
    end: date | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        parse_schedule(value)
        return value


class AppointmentSpec(Strict):
    """An appointment at a local date and time; reminders are timed from it."""

    id: str
    at: datetime
    clinician: str | None = None
    kind: str | None = None
    location: str | None = None


class RefillSpec(Strict):
    id: str
    due: date


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
    """A page to the care team was sent since the last client/advance turn,
    of this level; `count` (0 for none) checks how many pages went out."""

    level: Literal["concern", "high", "imminent"] | None = None
    count: int | None = Field(default=None, ge=0)


ACTIONS = ("bot", "client", "advance", "outage", "no_bot", "page")


class TurnSpec(Strict):
    bot: str | BotExpectation | None = None
    client: str | None = None
    advance: str | None = None
    no_bot: bool | None = None
    page: PageExpectation | None = None
    outage: str | None = None  # the scheduler is down this long; due events fire after

    @field_validator("advance", "outage")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    def action(self) -> str:
        given = [name for name in ACTIONS if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a turn has exactly one of {', '.join(ACTIONS)}; "
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
    enroll: list[EnrollSpec] = Field(default_factory=list)
    appointments: list[AppointmentSpec] = Field(default_factory=list)
    refills: list[RefillSpec] = Field(default_factory=list)
    start: str | None = None
    turns: list[TurnSpec] = Field(default_factory=list)
    expect: Expectations = Field(default_factory=Expectations)

    def unsupported(self) -> list[str]:
        """Keys of the format this version cannot act on yet."""
        return []


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
