"""A clinic's escalation policy: who is paged, on which channels, and how long
to wait for an acknowledgement before the next tier is paged.

Stored as JSON in `Clinic.escalation_policy` and validated here, at start and
whenever an admin saves one. An unset policy means `DEFAULT_POLICY`: tier 1 is
the clinic's on-call staff by SMS, then Telegram, then e-mail; tier 2 the
admins. Example::

    {
      "page_concern": false,
      "ack_timeout": {"imminent": 5, "high": 15},
      "webhook": {"url": "https://events.pagerduty.com/v2/enqueue",
                  "routing_key": "R0UT1NGK3Y"},
      "tiers": [
        {"recipients": ["on_call"], "channels": ["sms", "telegram", "email"]},
        {"recipients": ["role:admin", 7], "channels": ["sms", "email", "webhook"],
         "ack_timeout": {"imminent": 10}}
      ]
    }

A recipient is a user id (``7`` or ``"user:7"``), ``"on_call"`` (active users
marked on call) or ``"role:<navigator|clinician|admin>"``. Timeouts are minutes.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import USER_ROLES, Clinic

PagerChannel = Literal["sms", "telegram", "email", "webhook"]
RECIPIENT = re.compile(r"^(on_call|role:(?:navigator|clinician|admin)|user:\d+)$")
DEFAULT_CHANNELS: tuple[PagerChannel, ...] = ("sms", "telegram", "email")


class PolicyError(ValueError):
    """A clinic's escalation policy is malformed; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AckTimeouts(_Strict):
    """Minutes to wait for an acknowledgement, by level."""

    imminent: int = Field(default=5, gt=0, le=24 * 60)
    high: int = Field(default=15, gt=0, le=24 * 60)
    concern: int = Field(default=60, gt=0, le=7 * 24 * 60)

    def for_level(self, level: str) -> timedelta:
        minutes = {"imminent": self.imminent, "high": self.high}.get(level, self.concern)
        return timedelta(minutes=minutes)


class Tier(_Strict):
    """One rung of the ladder: who, on which channels in order, how long to wait."""

    recipients: list[int | str] = Field(min_length=1)
    channels: list[PagerChannel] = Field(default_factory=lambda: list(DEFAULT_CHANNELS),
                                         min_length=1)
    ack_timeout: AckTimeouts | None = None

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[int | str]) -> list[int | str]:
        for value in values:
            if isinstance(value, int):
                if value <= 0:
                    raise ValueError(f"a user id is a positive number, got {value}")
            elif not RECIPIENT.match(value):
                roles = "|".join(USER_ROLES)
                raise ValueError(f"unknown recipient {value!r}: use a user id, 'user:<id>', "
                                 f"'on_call' or 'role:<{roles}>'")
        return values

    @field_validator("channels")
    @classmethod
    def _unique(cls, values: list[PagerChannel]) -> list[PagerChannel]:
        if len(set(values)) != len(values):
            raise ValueError(f"a channel is listed twice: {values}")
        return values


class WebhookTarget(_Strict):
    """Where webhook pages go (a PagerDuty Events v2 endpoint or anything alike)."""

    url: str
    routing_key: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value


class EscalationPolicy(_Strict):
    tiers: list[Tier] = Field(min_length=1)
    ack_timeout: AckTimeouts = Field(default_factory=AckTimeouts)
    page_concern: bool = False
    webhook: WebhookTarget | None = None

    @model_validator(mode="after")
    def _webhook_configured(self) -> EscalationPolicy:
        for index, tier in enumerate(self.tiers):
            if "webhook" in tier.channels and self.webhook is None:
                raise ValueError(f"tiers.{index} pages by webhook, but the policy has no "
                                 "'webhook': {\"url\": ..., \"routing_key\": ...}")
        return self

    def timeout(self, tier_index: int, level: str) -> timedelta:
        """How long tier `tier_index` (0-based) waits for an acknowledgement."""
        tier = self.tiers[min(tier_index, len(self.tiers) - 1)]
        return (tier.ack_timeout or self.ack_timeout).for_level(level)

    def pages(self, level: str) -> bool:
        """Whether an escalation of `level` pages anybody."""
        return level in {"high", "imminent"} or (level == "concern" and self.page_concern)


DEFAULT_POLICY = EscalationPolicy(tiers=[
    Tier(recipients=["on_call"], channels=list(DEFAULT_CHANNELS)),
    Tier(recipients=["role:admin"], channels=list(DEFAULT_CHANNELS)),
])


def parse_policy(raw: dict[str, Any] | None, *, where: str = "escalation policy") -> \
        EscalationPolicy:
    """The validated policy of `raw` (the default when None); raises PolicyError."""
    if raw is None:
        return DEFAULT_POLICY
    try:
        return EscalationPolicy.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'policy'}: "
            f"{'unknown key' if error['type'] == 'extra_forbidden' else error['msg']}"
            for error in exc.errors()
        )
        raise PolicyError(f"{where}: {problems.replace('Value error, ', '')}") from None


def policy_for(clinic: Clinic) -> EscalationPolicy:
    """The clinic's policy; raises PolicyError naming the clinic when malformed."""
    return parse_policy(clinic.escalation_policy,
                        where=f"escalation policy of clinic {clinic.id!r}")


def check_clinic_policies(session: Session) -> None:
    """Validate every clinic's policy at start; raises PolicyError listing each bad one."""
    problems = []
    for clinic in session.scalars(select(Clinic).order_by(Clinic.id)):
        try:
            policy_for(clinic)
        except PolicyError as exc:
            problems.append(str(exc))
    if problems:
        raise PolicyError("\n".join(problems))
