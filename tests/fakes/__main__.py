"""The fake Twilio and Telegram servers, by hand: try `tether serve` end to end
without provider accounts. Everything stays on 127.0.0.1.

    python -m tests.fakes serve
        starts both fakes, prints the settings to export for `tether serve`, then
        prints every text the fakes receive; each SMS is reported `delivered`
        to Tether's status callback a moment later.
    python -m tests.fakes sms-in FROM TEXT [--url URL]
        a client's text to the webhook, signed as Twilio signs it.
    python -m tests.fakes telegram-in CHAT_ID TEXT [--url URL]
        a Telegram update (e.g. "/start <invite code>") to the webhook, with the secret.

--url defaults to $TETHER_PUBLIC_URL (else http://127.0.0.1:8000) plus the path.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from tests.fakes.telegram import TOKEN, FakeTelegram
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, CLINIC_NUMBER, FakeTwilio

WEBHOOK_SECRET = "fake-telegram-webhook-secret"


def _public_url() -> str:
    return os.environ.get("TETHER_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")


def serve() -> None:
    with FakeTwilio() as twilio, FakeTelegram() as telegram:
        print("# fake Twilio and Telegram are up; in the terminal for `tether serve`:")
        for name, value in [
            ("TETHER_TWILIO_API_BASE_URL", twilio.base_url),
            ("TETHER_TWILIO_ACCOUNT_SID", ACCOUNT_SID),
            ("TETHER_TWILIO_AUTH_TOKEN", AUTH_TOKEN),
            ("TETHER_TWILIO_FROM_NUMBER", CLINIC_NUMBER),
            ("TETHER_TELEGRAM_API_BASE_URL", telegram.api_base_url),
            ("TETHER_TELEGRAM_BOT_TOKEN", TOKEN),
            ("TETHER_TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ]:
            print(f"export {name}={value}")
        print("# texts the fakes receive (Ctrl-C stops):", flush=True)
        seen_sms = seen_telegram = 0
        try:
            while True:
                time.sleep(0.3)
                for sms in twilio.sent[seen_sms:]:
                    print(f"SMS to {sms.to}: {sms.body}", flush=True)
                    if sms.status_callback:
                        answer = twilio.report_status(sms.sid, "delivered")
                        print(f"  delivered, status callback answered {answer.status_code}")
                seen_sms = len(twilio.sent)
                for chat, text in telegram.sent[seen_telegram:]:
                    print(f"Telegram to chat {chat}: {text}", flush=True)
                seen_telegram = len(telegram.sent)
        except KeyboardInterrupt:
            return


def sms_in(sender: str, text: str, url: str | None) -> int:
    target = url or _public_url() + "/webhooks/twilio/sms"
    with FakeTwilio() as twilio:  # only its signing; its own server goes unused
        answer = twilio.text_in(target, sender, text)
    print(f"{answer.status_code} {answer.text.strip()}")
    return 0 if answer.is_success else 1


def telegram_in(chat_id: int, text: str, url: str | None) -> int:
    target = url or _public_url() + "/webhooks/telegram"
    with FakeTelegram() as telegram:
        update = telegram.message_update(chat_id, text)
        # Telegram numbers updates in order; each run of this command is a new fake.
        update["update_id"] = int(time.time() * 1000) % 2_000_000_000
        answer = telegram.post_update(target, update, WEBHOOK_SECRET)
    print(f"{answer.status_code} {answer.text.strip()}")
    return 0 if answer.is_success else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes",
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve")
    sms = commands.add_parser("sms-in")
    sms.add_argument("sender")
    sms.add_argument("text")
    sms.add_argument("--url")
    telegram = commands.add_parser("telegram-in")
    telegram.add_argument("chat_id", type=int)
    telegram.add_argument("text")
    telegram.add_argument("--url")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve()
        return 0
    if args.command == "sms-in":
        return sms_in(args.sender, args.text, args.url)
    return telegram_in(args.chat_id, args.text, args.url)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
