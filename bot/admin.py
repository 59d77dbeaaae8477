"""Administration behind the CLI (and, later, the console): clinics, staff,
escalation policies, clients."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.config import Settings
from bot.escalation.policy import EscalationPolicy, PolicyError, parse_policy, policy_for
from bot.seed import create_client, create_clinic, create_user
from bot.store.db import make_engine, session_factory, upgrade
from bot.store.models import Client, Clinic, ContactPoint, Escalation, Result, User


class NotFound(LookupError):
    pass


def open_database(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the configured database, migrated to the newest schema."""
    upgrade(settings.database_url)
    return session_factory(make_engine(settings.database_url))


def pick_clinic(session: Session, clinic_id: str | None) -> Clinic:
    if clinic_id is not None:
        clinic = session.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFound(f"no clinic {clinic_id!r}")
        return clinic
    clinics = session.scalars(select(Clinic).order_by(Clinic.id)).all()
    if not clinics:
        raise NotFound("no clinic exists yet; run `tether demo` once, or create one")
    if len(clinics) > 1:
        raise NotFound("several clinics exist; say which with --clinic "
                       f"({', '.join(c.id for c in clinics)})")
    return clinics[0]


def add_clinic(settings: Settings, *, clinic_id: str, name: str, timezone: str,
               crisis_line: str, contact_phone: str, program_name: str,
               quiet_hours: str, region: str) -> str:
    """Create a clinic; its id is what `--clinic` options name."""
    sessions = open_database(settings)
    with sessions.begin() as session:
        if session.get(Clinic, clinic_id) is not None:
            raise NotFound(f"clinic {clinic_id!r} exists already")
        clinic = create_clinic(session, clinic_id=clinic_id, name=name, timezone=timezone,
                               crisis_line=crisis_line, contact_phone=contact_phone,
                               program_name=program_name, now=SystemClock().now(),
                               quiet_hours=quiet_hours, default_region=region.upper())
        return clinic.id


def add_staff(settings: Settings, *, name: str, email: str, role: str, password: str,
              phone: str | None, telegram_chat_id: str | None, on_call: bool,
              clinic_id: str | None) -> int:
    """Create a console user; phone and Telegram chat are where pages reach them,
    and the only addresses their `ACK <number>` is accepted from."""
    sessions = open_database(settings)
    with sessions.begin() as session:
        clinic = pick_clinic(session, clinic_id)
        if session.scalar(select(User.id).where(User.email == email.lower())) is not None:
            raise NotFound(f"a user with e-mail {email!r} exists already")
        user = create_user(session, clinic=clinic, email=email, name=name, role=role,
                           password=password, now=SystemClock().now(), phone=phone,
                           on_call=on_call)
        user.telegram_chat_id = telegram_chat_id
        return user.id


def list_staff(settings: Settings, clinic_id: str | None) -> Iterator[list[str]]:
    sessions = open_database(settings)
    with sessions() as session:
        clinic = pick_clinic(session, clinic_id)
        users = session.scalars(select(User).where(User.clinic_id == clinic.id)
                                .order_by(User.id)).all()
        for user in users:
            yield [str(user.id), user.name, user.email, user.role,
                   "on call" if user.on_call else "-", user.phone or "-",
                   "active" if user.active else "inactive"]


def set_policy(settings: Settings, file: Path, clinic_id: str | None) -> EscalationPolicy:
    """Validate the YAML escalation policy in `file` and store it for the clinic;
    nothing is stored when it is invalid (PolicyError names each problem)."""
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise PolicyError(f"{file}: cannot be read: {error}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{file}: must be a mapping with at least `tiers`")
    policy = parse_policy(raw, where=str(file))
    sessions = open_database(settings)
    with sessions.begin() as session:
        clinic = pick_clinic(session, clinic_id)
        _check_recipients(session, clinic, policy, where=str(file))
        clinic.escalation_policy = policy.model_dump(mode="json", exclude_none=True)
    return policy


def _check_recipients(session: Session, clinic: Clinic, policy: EscalationPolicy,
                      where: str) -> None:
    """A user named by id must be one of the clinic's own active users."""
    known = set(session.scalars(select(User.id).where(
        User.clinic_id == clinic.id, User.active.is_(True))))
    for number, tier in enumerate(policy.tiers, start=1):
        for recipient in tier.recipients:
            user_id = recipient if isinstance(recipient, int) else (
                int(recipient.removeprefix("user:")) if recipient.startswith("user:") else None)
            if user_id is not None and user_id not in known:
                raise PolicyError(f"{where}: tiers.{number}: user {user_id} is not an active "
                                  f"user of clinic {clinic.id!r}")


def show_policy(settings: Settings, clinic_id: str | None) -> dict[str, Any]:
    """The clinic's policy in force (the default when none was set), as plain data."""
    sessions = open_database(settings)
    with sessions() as session:
        clinic = pick_clinic(session, clinic_id)
        return policy_for(clinic).model_dump(mode="json", exclude_none=True)


def add_client(settings: Settings, *, name: str, phone: str | None, language: str,
               timezone: str | None, clinic_id: str | None) -> int:
    first, _, last = name.strip().partition(" ")
    if not first:
        raise NotFound("a client needs a name")
    sessions = open_database(settings)
    with sessions.begin() as session:
        clinic = pick_clinic(session, clinic_id)
        client = create_client(session, clinic=clinic, first_name=first, last_name=last.strip(),
                               language=language, timezone=timezone, phone=phone,
                               now=SystemClock().now(), actor="cli")
        return client.id


def list_clients(settings: Settings) -> Iterator[list[str]]:
    sessions = open_database(settings)
    with sessions() as session:
        clients = session.scalars(select(Client).order_by(Client.id)).all()
        for client in clients:
            channels = session.scalars(select(ContactPoint.channel).where(
                ContactPoint.client_id == client.id)).all()
            status = "opted out" if client.opted_out else client.status
            yield [str(client.id), client.full_name, client.language,
                   ",".join(sorted(set(channels))) or "-", status, client.clinic_id]


def show_client(settings: Settings, client_id: int) -> Iterator[str]:
    sessions = open_database(settings)
    with sessions() as session:
        client = session.get(Client, client_id)
        if client is None:
            raise NotFound(f"no client {client_id}")
        yield f"{client.id} {client.full_name} ({client.language}) clinic {client.clinic_id}"
        results = session.scalars(select(Result).where(Result.client_id == client_id)
                                  .order_by(Result.recorded_at.desc()).limit(10)).all()
        yield "results:" if results else "results: none"
        for result in results:
            total = "" if result.total is None else f" total {result.total}"
            severity = f" ({result.severity})" if result.severity else ""
            yield (f"  {result.recorded_at:%Y-%m-%d %H:%M} UTC  {result.instrument}"
                   f" {result.status}{total}{severity}")
        escalations = session.scalars(select(Escalation).where(
            Escalation.client_id == client_id, Escalation.status != "resolved")).all()
        for escalation in escalations:
            yield (f"escalation #{escalation.id}: {escalation.level} {escalation.category} "
                   f"({escalation.status})")
