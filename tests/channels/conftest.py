"""Channel tests run python-telegram-bot with its announced future behaviour
(time periods as timedelta), so its deprecation notice does not fire on a 429;
`twilio` is a fake Twilio on loopback for the tests that start the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio import FakeTwilio


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake
