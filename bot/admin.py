"""Administration behind the CLI (and, later, the console): clients."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.config import Settings
from bot.seed import create_client
from bot.store.db import make_engine, session_factory, upgrade
from bot.store.models import Client, Clinic, ContactPoint, Escalation, Result


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
