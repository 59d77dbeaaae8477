"""A fake Twilio REST API and webhook sender, driven by the real twilio library.

Serves `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth, records
every message, lists them (`GET`, newest first, filtered by To and From) and
can fail the next N requests (or every request to one
number) with a Twilio error, a 429, a 500 or a delay. It also plays Twilio's
side of the webhooks: signed inbound texts and signed status callbacks.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from tests.fakes.server import FakeServer, Reply

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
CLINIC_NUMBER = "+15005550006"


@dataclass
class Fault:
    status: int
    code: int | None = None
    message: str = "error"
    retry_after: float | None = None
    delay: float = 0.0


@dataclass
class SentSms:
    sid: str
    to: str
    body: str
    sender: str | None
    service_sid: str | None
    status_callback: str | None
    created_at: datetime


@dataclass
class FakeTwilio(FakeServer):
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    sent: list[SentSms] = field(default_factory=list)
    requests: int = 0
    _faults: list[Fault] = field(default_factory=list)
    _number_faults: dict[str, Fault] = field(default_factory=dict)
    # Called with each message once it is recorded, before Twilio answers.
    on_sent: Callable[[SentSms], None] | None = None
    # Twilio's clock, for each message's date_created.
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        FakeServer.__init__(self)

    # --- what the test asks for -------------------------------------------------

    def fail_next(self, count: int, status: int, *, code: int | None = None,
                  message: str = "error", retry_after: float | None = None,
                  delay: float = 0.0) -> None:
        with self.lock:
            self._faults.extend(Fault(status, code, message, retry_after, delay)
                                for _ in range(count))

    def delay_next(self, seconds: float) -> None:
        """The next request succeeds, but only after `seconds`."""
        self.fail_next(1, 201, delay=seconds)

    def fail_for(self, number: str, status: int, *, code: int | None = None,
                 message: str = "error") -> None:
        with self.lock:
            self._number_faults[number] = Fault(status, code, message)

    def bodies(self, to: str | None = None) -> list[str]:
        with self.lock:
            return [sms.body for sms in self.sent if to is None or sms.to == to]

    # --- the REST API -----------------------------------------------------------

    def respond(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        with self.lock:
            self.requests += 1
        target = urlsplit(path)
        if target.path != expected or method not in ("GET", "POST"):
            return _error(404, 20404, "The requested resource was not found")
        if headers.get("Authorization") != self._basic_auth():
            return _error(401, 20003, "Authenticate")
        if method == "GET":
            return self._list(dict(parse_qsl(target.query)))
        form = dict(parse_qsl(body.decode()))
        with self.lock:
            fault = self._number_faults.get(form.get("To", "")) or (
                self._faults.pop(0) if self._faults else None)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status >= 400:
                headers_out = ({"Retry-After": str(fault.retry_after)}
                               if fault.retry_after is not None else {})
                return _error(fault.status, fault.code or fault.status, fault.message,
                              headers_out)
        sms = SentSms(sid="SM" + uuid.uuid4().hex, to=form.get("To", ""),
                      body=form.get("Body", ""), sender=form.get("From"),
                      service_sid=form.get("MessagingServiceSid"),
                      status_callback=form.get("StatusCallback"), created_at=self.now())
        with self.lock:
            self.sent.append(sms)
        if self.on_sent is not None:
            self.on_sent(sms)
        return Reply(201, json.dumps(self._resource(sms)).encode())

    def _list(self, query: dict[str, str]) -> Reply:
        """One page of messages, newest first (the fake never has a next page)."""
        size = int(query.get("PageSize", "50"))
        with self.lock:
            matching = [sms for sms in reversed(self.sent)
                        if query.get("To", sms.to) == sms.to
                        and query.get("From", sms.sender) == sms.sender]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        payload = {"messages": [self._resource(sms) for sms in matching[:size]],
                   "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
                   "page": 0, "page_size": size, "start": 0, "end": min(size, len(matching)),
                   "uri": uri}
        return Reply(200, json.dumps(payload).encode())

    def _resource(self, sms: SentSms) -> dict[str, object]:
        return {
            "sid": sms.sid, "account_sid": self.account_sid, "to": sms.to, "from": sms.sender,
            "messaging_service_sid": sms.service_sid, "body": sms.body, "status": "queued",
            "direction": "outbound-api", "num_segments": "1", "api_version": "2010-04-01",
            "date_created": format_datetime(sms.created_at, usegmt=True),
            "date_sent": None, "date_updated": None,
            "error_code": None, "error_message": None, "price": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sms.sid}.json",
        }

    def _basic_auth(self) -> str:
        raw = f"{self.account_sid}:{self.auth_token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    # --- Twilio's side of the webhooks -------------------------------------------

    def post_signed(self, url: str, form: dict[str, str], *,
                    signature: str | None = None) -> httpx.Response:
        """POST `form` to `url` signed as Twilio signs it (or with `signature`)."""
        if signature is None:
            signature = RequestValidator(self.auth_token).compute_signature(url, form)
        return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature},
                          timeout=30)

    def text_in(self, url: str, sender: str, body: str, *, sid: str | None = None,
                signature: str | None = None) -> httpx.Response:
        """A client's text arriving at our inbound webhook `url`."""
        form = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": self.account_sid,
                "From": sender, "To": CLINIC_NUMBER, "Body": body, "NumMedia": "0"}
        return self.post_signed(url, form, signature=signature)

    def report_status(self, sid: str, status: str, *,
                      error_code: str | None = None) -> httpx.Response:
        """A status callback for message `sid`, to the StatusCallback it was sent with."""
        with self.lock:
            sms = next(s for s in self.sent if s.sid == sid)
        assert sms.status_callback, "the message was sent without a StatusCallback"
        form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": self.account_sid,
                "To": sms.to, "From": sms.sender or CLINIC_NUMBER}
        if error_code:
            form["ErrorCode"] = error_code
        return self.post_signed(sms.status_callback, form)


def _error(status: int, code: int, message: str,
           headers: dict[str, str] | None = None) -> Reply:
    body = {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
    return Reply(status, json.dumps(body).encode(), headers=headers)
