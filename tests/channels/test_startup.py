"""`tether serve` listens while its risk model trains: a text sent during a first
start (or a restart with new examples) is answered, not refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot.escalation import model_cache
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


def test_a_text_sent_while_the_first_start_trains_is_answered(
    twilio: FakeTwilio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With nothing kept, the app trains the risk model (tens of seconds) and
    answers /healthz meanwhile. A crisis text the lexicon reads gets the crisis
    reply at once; one only the model reads waits for it and gets the crisis
    reply then; the trained model is kept for the next start."""
    cache = tmp_path / "empty-cache"
    monkeypatch.setenv(model_cache.CACHE_DIR_VARIABLE, str(cache))
    url = f"sqlite:///{tmp_path / 'tether.db'}"
    first, second = seed_sms_clients(url, 2)
    app = AppProcess(url, free_port(), twilio.base_url, tmp_path)
    app.start(ready_path="/healthz")
    try:
        assert httpx.get(app.url + "/healthz").json()["risk_model"] == "loading"
        assert httpx.get(app.url + "/readyz").status_code == 503
        target = app.url + INBOUND_PATH

        def post(phone: str, text: str) -> httpx.Response:
            form = inbound_form(phone, text)
            return httpx.post(target, data=form, timeout=300,
                              headers={"X-Twilio-Signature": twilio_signature(target, form)})

        assert post(first, "im on the overpass and im done, goodbye").status_code == 200
        wait_until(lambda: any("988" in body for body in twilio.bodies(first)), 30)
        assert httpx.get(app.url + "/healthz").json()["risk_model"] == "loading"
        answer = post(second, "ive been practicing how i would do it when everyone is asleep")
        assert answer.status_code == 200, app.log_tail()
        assert httpx.get(app.url + "/readyz").status_code == 200
        wait_until(lambda: any("988" in body for body in twilio.bodies(second)), 30)
    finally:
        app.stop()
    assert list(cache.glob(f"{model_cache.PREFIX}*{model_cache.SUFFIX}")), app.log_tail()
