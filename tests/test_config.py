"""Configuration is validated at start, and errors name the variable."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_defaults_run_the_embedded_demo() -> None:
    """With nothing set, Tether runs on a SQLite file with no providers."""
    settings = load_settings(env={})
    assert settings.database_url.startswith("sqlite:///")
    assert not settings.twilio_enabled
    assert not settings.telegram_enabled


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"TETHER_DATABASE_URL": "mysql://x"}, "TETHER_DATABASE_URL"),
        ({"TETHER_DATABASE_URL": "not a url"}, "TETHER_DATABASE_URL"),
        ({"TETHER_PUBLIC_URL": "example.org"}, "TETHER_PUBLIC_URL"),
        ({"TETHER_TWILIO_ACCOUNT_SID": "XX123"}, "TETHER_TWILIO_ACCOUNT_SID"),
        ({"TETHER_TWILIO_FROM_NUMBER": "555-1234"}, "TETHER_TWILIO_FROM_NUMBER"),
        ({"TETHER_SMTP_URL": "mail.example.org"}, "TETHER_SMTP_URL"),
        ({"TETHER_RASA_URL": "rasa:5005"}, "TETHER_RASA_URL"),
    ],
)
def test_a_malformed_setting_is_named(env: dict[str, str], named: str) -> None:
    """A malformed value stops start-up with a message naming the variable."""
    with pytest.raises(ConfigError, match=named):
        load_settings(env=env)


def test_twilio_needs_a_sender() -> None:
    """Twilio credentials without a from-number or Messaging Service are refused."""
    env = {"TETHER_TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TETHER_TWILIO_AUTH_TOKEN": "secret"}
    with pytest.raises(ConfigError, match="FROM_NUMBER"):
        load_settings(env=env)
    settings = load_settings(env={**env, "TETHER_TWILIO_FROM_NUMBER": "+15005550006"})
    assert settings.twilio_enabled


def test_production_refuses_the_development_secret() -> None:
    """In production the default secret key stops start-up."""
    with pytest.raises(ConfigError, match="TETHER_SECRET_KEY"):
        load_settings(env={"TETHER_ENV": "production"})
    settings = load_settings(env={"TETHER_ENV": "production",
                                  "TETHER_SECRET_KEY": "a-long-and-random-secret-value"})
    assert settings.env == "production"
