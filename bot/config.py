"""Settings: TETHER_* environment variables (or a .env file), validated at start.

Settings are built once by `load_settings()` and passed in; nothing reads the
environment at import time. A missing or malformed setting raises
`ConfigError`, whose message names the variable, so a mistake is found when the
process starts rather than at 2 a.m.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEV_SECRET_KEY = "tether-development-secret-do-not-use-in-production"  # noqa: S105


class ConfigError(Exception):
    """A setting is missing or malformed; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TETHER_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///tether.db"
    public_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET_KEY

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_messages_per_second: float = Field(
        default=1.0, gt=0, description="pace per sending number: long code 1, toll-free 3"
    )

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_messages_per_second: float = Field(default=25.0, gt=0)

    rasa_url: str | None = None
    smtp_url: str | None = None

    flows_dir: str | None = Field(default=None, description="extra flow files beside the built-in")

    timer_interval_seconds: float = Field(
        default=15.0, gt=0, le=300, description="how often the scheduler fires due timed events"
    )
    firing_processes: int = Field(
        default=0, ge=0, le=64,
        description="processes that fire a backlog of due events on PostgreSQL; "
                    "0: one per CPU core",
    )
    leader_retry_seconds: float = Field(
        default=10.0, gt=0, le=60,
        description="how often a standby process tries to become the scheduler leader",
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @field_validator(
        "public_url", "twilio_api_base_url", "telegram_api_base_url", "rasa_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/") if not value.endswith("/bot") else value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parsed.hostname:
            raise ValueError("must look like smtp://user:password@host:port")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _account_sid(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("AC") and len(value) == 34):
            raise ValueError("a Twilio Account SID starts with AC and has 34 characters")
        return value

    @field_validator("twilio_messaging_service_sid")
    @classmethod
    def _service_sid(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("MG") and len(value) == 34):
            raise ValueError("a Messaging Service SID starts with MG and has 34 characters")
        return value

    @field_validator("twilio_from_number")
    @classmethod
    def _from_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        digits = value[1:]
        if not (value.startswith("+") and digits.isdigit() and 8 <= len(digits) <= 15):
            raise ValueError("must be an E.164 number such as +15551234567")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        twilio = [self.twilio_account_sid, self.twilio_auth_token]
        if any(twilio) and not all(twilio):
            raise ValueError(
                "TETHER_TWILIO_ACCOUNT_SID and TETHER_TWILIO_AUTH_TOKEN go together"
            )
        if self.twilio_account_sid and not (
            self.twilio_from_number or self.twilio_messaging_service_sid
        ):
            raise ValueError(
                "Twilio needs TETHER_TWILIO_FROM_NUMBER or TETHER_TWILIO_MESSAGING_SERVICE_SID"
            )
        if self.env == "production" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError("TETHER_SECRET_KEY must be set to a secret of your own in production")
        if len(self.secret_key) < 16:
            raise ValueError("TETHER_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def twilio_enabled(self) -> bool:
        return self.twilio_account_sid is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


class _FromMapping(Settings):
    """Settings read from an explicit mapping only (tests, embedding)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],  # noqa: ARG003
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        dotenv_settings: PydanticBaseSettingsSource,  # noqa: ARG003
        file_secret_settings: PydanticBaseSettingsSource,  # noqa: ARG003
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_settings(env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from `env` (default: the process environment and .env);
    `overrides` are field values that win over both.

    Raises ConfigError naming each bad variable.
    """
    try:
        if env is not None:
            values: dict[str, object] = {
                key[len("TETHER_") :].lower(): value
                for key, value in env.items()
                if key.startswith("TETHER_")
            }
            values.update(overrides)
            return _FromMapping.model_validate(values)
        return Settings.model_validate(dict(overrides))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        name = f"TETHER_{field.upper()}" if field else "configuration"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return "invalid configuration:\n  " + "\n  ".join(lines)
