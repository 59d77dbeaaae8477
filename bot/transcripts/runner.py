"""Runs a transcript against the real engine: a fresh in-memory database, the
demo clinic with an on-call clinician, one client on the simulator channel,
and a simulated clock that moves only when a turn says so."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import InboundMessage
from bot.channels.simulator import SimulatorChannel
from bot.clock import SimulatedClock
from bot.conversation import handle_inbound
from bot.outbox import PRIORITY_REPLY, OutboxSender
from bot.runs import Turn, UnknownFlow, start_flow
from bot.scheduling.service import EnrollmentError, enroll, save_appointment, save_refill
from bot.seed import create_client, create_clinic, create_user, simulator_address
from bot.services import Services
from bot.store.db import create_all, make_engine, session_factory
from bot.store.models import (
    Client,
    Clinic,
    ContactPoint,
    Escalation,
    Message,
    Outbox,
    Page,
    Result,
)
from bot.timers import fire, next_due
from bot.transcripts.model import (
    BotExpectation,
    PageExpectation,
    Transcript,
    TranscriptError,
    load_transcript,
    parse_duration,
)

# A Monday, mid-morning, as a wall-clock time; the client's zone is attached at start.
DEFAULT_START = datetime(2027, 3, 1, 10, 0)  # noqa: DTZ001
DEFAULT_TZ = "America/Chicago"
# A bot message counts as sent once the channel took it; one the outbox
# cancelled (the client had opted out) was never sent.
DELIVERED = ("sent", "delivered")
PAGE_LEVEL = re.compile(r"alert #\d+ \((\w+)\)")  # page texts and webhook summaries


class Mismatch(AssertionError):
    """What a transcript expected and what happened instead."""


@dataclass(frozen=True)
class Verdict:
    name: str
    passed: bool
    detail: str = ""
    sent: tuple[str, ...] = ()  # every text delivered, to the client and to staff

    def line(self) -> str:
        return f"PASS {self.name}" if self.passed else f"FAIL {self.name}: {self.detail}"


def run_file(path: Path, services: Services) -> Verdict:
    try:
        transcript = load_transcript(path)
    except TranscriptError as exc:
        return Verdict(path.stem, False, str(exc))
    return run_transcript(transcript, services)


def run_transcript(transcript: Transcript, services: Services) -> Verdict:
    unsupported = transcript.unsupported()
    if unsupported:
        return Verdict(transcript.name, False,
                       f"not supported yet: {', '.join(unsupported)}")
    run = _Run(transcript, services)
    try:
        asyncio.run(run.play())
    except (Mismatch, UnknownFlow, TranscriptError) as exc:
        return Verdict(transcript.name, False, str(exc))
    return Verdict(transcript.name, True,
                   sent=tuple(body for _, body in run.channel.delivered))


class _Run:
    def __init__(self, transcript: Transcript, services: Services) -> None:
        self.t = transcript
        self.services = services
        self.engine = make_engine("sqlite://")
        create_all(self.engine)
        self.sessions: sessionmaker[Session] = session_factory(self.engine)
        spec = transcript.client
        self.tz = spec.timezone or transcript.clinic.timezone or DEFAULT_TZ
        local_start = (transcript.now or DEFAULT_START).replace(tzinfo=ZoneInfo(self.tz))
        self.clock = SimulatedClock(local_start.astimezone(UTC))
        self.channel = SimulatorChannel()
        self.sender = OutboxSender(self.sessions, {"simulator": self.channel}, self.clock)
        self.client_id, self.address = self._seed()
        self.batch_floor = 0  # messages with a larger id belong to the current batch
        self.page_floor = 0  # so do pages with a larger id
        self.cursor = 0  # bot turns consume the batch in order

    def _seed(self) -> tuple[int, str]:
        now = self.clock.now()
        overrides = self.t.clinic
        with self.sessions.begin() as session:
            clinic = create_clinic(
                session, clinic_id="demo", name=overrides.name or "Riverside Health",
                timezone=overrides.timezone or self.tz,
                crisis_line=overrides.crisis_line or "(555) 010-0199",
                contact_phone="(555) 010-0100", program_name="Riverside outpatient program",
                now=now, quiet_hours=overrides.quiet_hours or "21:00-08:00",
            )
            create_user(session, clinic=clinic, email="oncall@riverside.example",
                        name="On-call clinician", role="clinician",
                        password=secrets.token_urlsafe(16), phone="+12015550111", on_call=True,
                        now=now)
            spec = self.t.client
            client = create_client(session, clinic=clinic, first_name=spec.first_name,
                                   language=spec.language, timezone=spec.timezone,
                                   sex=spec.sex, now=now)
            address = simulator_address(client.id)
            session.add(ContactPoint(client_id=client.id, channel="simulator", address=address,
                                     created_at=now))
            return client.id, address

    def _schedule(self) -> None:
        """Enrollments, appointments and refills of the transcript, planned now."""
        now = self.clock.now()
        zone = ZoneInfo(self.tz)
        with self.sessions.begin() as session:
            client = session.get(Client, self.client_id)
            assert client is not None
            for spec in self.t.enroll:
                try:
                    enroll(session, client=client, flow_id=spec.flow, schedule=spec.schedule,
                           now=now, known_flows=self.services.flows, start=spec.start,
                           end=spec.end)
                except EnrollmentError as exc:
                    raise TranscriptError(f"enroll: {exc}") from None
            for appointment in self.t.appointments:
                save_appointment(session, client=client, external_id=appointment.id,
                                 starts_at=appointment.at.replace(tzinfo=zone).astimezone(UTC),
                                 now=now, clinician=appointment.clinician,
                                 kind=appointment.kind, location=appointment.location)
            for refill in self.t.refills:
                save_refill(session, client=client, external_id=refill.id,
                            due_date=refill.due, now=now)

    async def play(self) -> None:
        self._schedule()
        if self.t.start:
            with self.sessions.begin() as session:
                start_flow(self._turn(session), self.t.start)
            await self.sender.drain()
        for index, spec in enumerate(self.t.turns):
            action = spec.action()
            where = f"turn {index + 1} ({action})"
            if action == "client":
                self._new_batch()
                handle_inbound(self.sessions, self.services, InboundMessage(
                    channel="simulator", address=self.address, text=str(spec.client),
                    received_at=self.clock.now(), provider_id=f"turn-{index}"))
                await self.sender.drain()
            elif action == "advance":
                self._new_batch()
                await self._advance(parse_duration(str(spec.advance)))
            elif action == "outage":
                # Nothing fires while the scheduler is down; on its return,
                # everything that came due fires at once (stale ones are skipped).
                self._new_batch()
                self.clock.advance(parse_duration(str(spec.outage)))
                await self._advance(timedelta(0))
            elif action == "bot":
                self._expect_bot(where, spec.bot)  # type: ignore[arg-type]
            elif action == "page":
                self._expect_page(where, spec.page)  # type: ignore[arg-type]
            elif action == "no_bot":
                batch = self._batch()
                if batch:
                    raise Mismatch(f"{where}: expected no bot message, got {batch[0][1]!r}"
                                   + (f" and {len(batch) - 1} more" if len(batch) > 1 else ""))
        self._check_expectations()

    def _turn(self, session: Session) -> Turn:
        client = session.get(Client, self.client_id)
        assert client is not None
        clinic = session.get(Clinic, client.clinic_id)
        assert clinic is not None
        contact = session.scalars(select(ContactPoint).where(
            ContactPoint.client_id == client.id)).first()
        return Turn(session, self.services, clinic, client, contact, self.clock.now(),
                    priority=PRIORITY_REPLY)

    async def _advance(self, delta: timedelta) -> None:
        target = self.clock.now() + delta
        while True:
            with self.sessions() as session:
                event = next_due(session, target)
                if event is None:
                    break
                if event.due_at > self.clock.now():
                    self.clock.set(event.due_at)
                fire(session, self.services, event, self.clock.now())
                session.commit()
            await self.sender.drain()
        self.clock.set(target)
        await self.sender.drain()

    def _new_batch(self) -> None:
        with self.sessions() as session:
            self.batch_floor = session.scalar(select(Message.id).order_by(
                Message.id.desc()).limit(1)) or 0
            self.page_floor = session.scalar(select(Page.id).order_by(
                Page.id.desc()).limit(1)) or 0
        self.cursor = 0

    def _expect_page(self, where: str, want: PageExpectation) -> None:
        """Pages delivered since the last client/advance turn (bot.escalation.paging)."""
        with self.sessions() as session:
            bodies = session.scalars(
                select(Outbox.body).join(Page, Page.id == Outbox.page_id)
                .where(Page.id > self.page_floor, Page.status.in_(("sent", "acknowledged")))
                .order_by(Page.id)).all()
        levels = [match.group(1) if (match := PAGE_LEVEL.search(body)) else "?"
                  for body in bodies]
        if want.count is not None and len(levels) != want.count:
            raise Mismatch(f"{where}: expected {want.count} page(s), got {len(levels)}"
                           + (f" ({', '.join(levels)})" if levels else ""))
        if want.count is None and not levels:
            raise Mismatch(f"{where}: expected a page to the care team, got none")
        if want.level is not None and want.level not in levels:
            raise Mismatch(f"{where}: expected a page of level {want.level}, "
                           f"got {', '.join(levels) or 'no page'}")

    def _batch(self) -> list[tuple[int, str, datetime]]:
        with self.sessions() as session:
            rows = session.execute(
                select(Message.id, Message.body, Message.sent_at, Message.created_at)
                .where(Message.id > self.batch_floor, Message.direction == "out",
                       Message.address == self.address, Message.status.in_(DELIVERED))
                .order_by(Message.id)
            ).all()
        return [(row[0], row[1], row[2] or row[3]) for row in rows]

    def _expect_bot(self, where: str, expected: str | BotExpectation) -> None:
        want = expected if isinstance(expected, BotExpectation) else BotExpectation(text=expected)
        batch = self._batch()
        matches = _matcher(want.text)
        for position in range(self.cursor, len(batch)):
            _, body, sent = batch[position]
            local = sent.astimezone(ZoneInfo(self.tz)).strftime("%H:%M")
            if matches(body) and (want.at is None or want.at == local):
                self.cursor = position + 1
                return
        seen = [f"{body!r} at {sent.astimezone(ZoneInfo(self.tz)):%H:%M}"
                for _, body, sent in batch[self.cursor:]]
        wanted = f"{want.text!r}" + (f" at {want.at}" if want.at else "")
        raise Mismatch(f"{where}: expected a bot message matching {wanted}, "
                       f"got {'; '.join(seen) if seen else 'no bot message'}")

    def _check_expectations(self) -> None:
        expect = self.t.expect
        with self.sessions() as session:
            results = session.scalars(select(Result).where(
                Result.client_id == self.client_id).order_by(Result.id)).all()
            values: dict[str, Any] = {}
            for result in results:
                values.update(result.values or {})
            for key, wanted in expect.results.items():
                if key not in values:
                    raise Mismatch(f"expected result {key} = {wanted!r}, but no result has "
                                   f"{key} (recorded: {_short(values)})")
                if not _same(values[key], wanted):
                    raise Mismatch(f"expected result {key} = {wanted!r}, got {values[key]!r}")
            if expect.escalations is not None:
                raised = session.scalars(select(Escalation).where(
                    Escalation.client_id == self.client_id).order_by(Escalation.id)).all()
                actual = [{"level": e.level, "category": e.category, "status": e.status}
                          for e in raised]
                if len(actual) != len(expect.escalations) or any(
                    any(not _same(got.get(k), v) for k, v in want.items())
                    for want, got in zip(expect.escalations, actual, strict=False)
                ):
                    raise Mismatch(f"expected escalations {expect.escalations}, got {actual}")
            if expect.sent_count is not None:
                count = len(session.scalars(select(Message.id).where(
                    Message.direction == "out", Message.address == self.address,
                    Message.status.in_(DELIVERED))).all())
                if count != expect.sent_count:
                    raise Mismatch(f"expected {expect.sent_count} bot messages, got {count}")
            if expect.opted_out is not None:
                client = session.get(Client, self.client_id)
                assert client is not None
                if client.opted_out != expect.opted_out:
                    raise Mismatch(f"expected opted_out {expect.opted_out}, "
                                   f"got {client.opted_out}")


def _matcher(pattern: str) -> Any:
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.rfind("/") > 0:
        end = pattern.rfind("/")
        flags = 0
        for flag in pattern[end + 1:]:
            flags |= {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE}.get(flag, 0)
        regex = re.compile(pattern[1:end], flags)
        return lambda body: regex.search(body) is not None
    needle = pattern.casefold()
    return lambda body: needle in body.casefold()


def _same(got: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(got, bool):
        return got is wanted or got == wanted
    if isinstance(wanted, int | float) and isinstance(got, int | float):
        return float(got) == float(wanted)
    return str(got) == str(wanted)


def _short(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items()) or "nothing"
