"""Channel tests run python-telegram-bot with its announced future behaviour
(time periods as timedelta), so its deprecation notice does not fire on a 429."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
