"""`tether serve --workers 2` on PostgreSQL: two processes answer the same
webhooks, each text is stored and answered once, and one of them schedules."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select, text

from bot.scheduling.leader import SCHEDULER_LOCK_KEY
from bot.store.db import make_engine
from bot.store.models import Message
from tests.channels.live import free_port, wait_until
from tests.channels.process import (
    INBOUND_PATH,
    AppProcess,
    inbound_form,
    seed_sms_clients,
    twilio_signature,
)
from tests.fakes.twilio import FakeTwilio

pytestmark = pytest.mark.slow

CLIENTS = 60


@pytest.fixture
def database(postgresql_url: str) -> Iterator[Engine]:
    engine = make_engine(postgresql_url)
    yield engine
    engine.dispose()


def test_two_workers_answer_each_text_once_and_one_schedules(
    postgresql_url: str, database: Engine, twilio: FakeTwilio, tmp_path: Path
) -> None:
    """60 texts over 8 connections to two worker processes: 60 stored, 60 replies."""
    phones = seed_sms_clients(postgresql_url, CLIENTS)
    app = AppProcess(postgresql_url, free_port(), twilio.base_url, tmp_path, workers=2)
    url = app.url + INBOUND_PATH
    forms = [inbound_form(phone, "HELP") for phone in phones]

    def post(form: dict[str, str]) -> int:
        response = http.post(url, data=form,
                             headers={"X-Twilio-Signature": twilio_signature(url, form)})
        return response.status_code

    app.start()
    try:
        with httpx.Client(timeout=10) as http, ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(post, forms + forms[:10]))  # ten provider retries
        assert statuses == [200] * (CLIENTS + 10), app.log_tail()
        wait_until(lambda: len(twilio.sent) >= CLIENTS, 30)
        with database.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Message).where(
                Message.direction == "in"))
            leaders = conn.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND ((classid::bigint << 32) | objid::bigint) = :key"),
                {"key": SCHEDULER_LOCK_KEY})
    finally:
        app.stop()
    workers = set(re.findall(r"Started server process \[(\d+)\]", app.log_tail(200)))
    assert stored == CLIENTS
    assert Counter(sms.to for sms in twilio.sent) == Counter(phones)
    assert leaders == 1
    assert len(workers) == 2, app.log_tail()
