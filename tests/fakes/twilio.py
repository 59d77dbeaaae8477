"""A fake Twilio REST API and webhook sender, driven by the real twilio library.

Serves `POST /2010-04-01/Accounts/{sid}/Messages.json` with basic auth, records
every message, and can fail the next N requests (or every request to one
number) with a Twilio error, a 429, a 500 or a delay. It also plays Twilio's
side of the webhooks: signed inbound texts and signed status callbacks.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

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


@dataclass
class FakeTwilio(FakeServer):
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    sent: list[SentSms] = field(default_factory=list)
    requests: int = 0
    _faults: list[Fault] = field(default_factory=list)
    _number_faults: dict[str, Fault] = field(default_factory=dict)

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
        if method != "POST" or path != expected:
            return _error(404, 20404, "The requested resource was not found")
        if headers.get("Authorization") != self._basic_auth():
            return _error(401, 20003, "Authenticate")
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
                      status_callback=form.get("StatusCallback"))
        with self.lock:
            self.sent.append(sms)
        payload = {
            "sid": sms.sid, "account_sid": self.account_sid, "to": sms.to, "from": sms.sender,
            "messaging_service_sid": sms.service_sid, "body": sms.body, "status": "queued",
            "direction": "outbound-api", "num_segments": "1", "api_version": "2010-04-01",
            "date_created": None, "date_sent": None, "date_updated": None,
            "error_code": None, "error_message": None, "price": None,
            "uri": f"{expected[:-5]}/{sms.sid}.json",
        }
        return Reply(201, json.dumps(payload).encode())

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
