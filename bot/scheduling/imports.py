"""CSV import of appointments and refills from a clinic's own system.

Rows are matched by the clinic system's id (`external_id`) per client, so
importing the same file again updates instead of duplicating, and a changed
date re-plans the reminders. Each row is checked whole before anything of it
is written: a bad row is reported (row number as a spreadsheet shows it,
column, reason) and skipped, never half imported. `dry_run` checks and
counts everything and writes nothing.

Appointments: external_id, client_id or client_external_id, starts_at
(local date and time, ISO: 2027-03-15T14:00 or "2027-03-15 14:00"),
clinician, kind, location, status (optional, default scheduled).
Refills: external_id, client_id or client_external_id, due_date (ISO date),
status (optional: due, picked_up, not_yet).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.scheduling.service import Saved, client_zone, save_appointment, save_refill
from bot.store.models import APPOINTMENT_STATUSES, REFILL_STATUSES, Client

Kind = Literal["appointments", "refills"]
Progress = Callable[[int, int], None]  # (rows done, rows in all)

REQUIRED: dict[str, tuple[str, ...]] = {
    "appointments": ("external_id", "starts_at"),
    "refills": ("external_id", "due_date"),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "appointments": ("clinician", "kind", "location", "status"),
    "refills": ("status",),
}
CLIENT_COLUMNS = ("client_id", "client_external_id")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, missing columns)."""


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file; the header is row 1
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return len({error.row for error in self.errors})


def import_csv(sessions: sessionmaker[Session], kind: Kind, path: Path, *, now: datetime,
               dry_run: bool = False, progress: Progress | None = None) -> ImportReport:
    """Import `path` in one transaction (rolled back when `dry_run`)."""
    rows = _read(path, kind)
    report = ImportReport(kind=kind, dry_run=dry_run, rows=len(rows))
    with sessions() as session:
        for done, (line, row) in enumerate(rows, start=1):
            _import_row(session, kind, line, row, now, report)
            if progress is not None:
                progress(done, len(rows))
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return report


def _read(path: Path, kind: Kind) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [name for name in REQUIRED[kind] if name not in header]
            if not any(name in header for name in CLIENT_COLUMNS):
                missing.append("client_id or client_external_id")
            if missing:
                raise ImportFileError(f"{path}: missing column(s): {', '.join(missing)}; "
                                      f"the header has {', '.join(header) or 'nothing'}")
            rows = []
            for row in reader:
                clean = {key: (value or "").strip() for key, value in row.items()
                         if isinstance(key, str)}
                if any(clean.values()):
                    rows.append((reader.line_num, clean))
            return rows
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportFileError(f"{path}: not a UTF-8 CSV file: {exc}") from None


def _import_row(session: Session, kind: Kind, line: int, row: dict[str, str], now: datetime,
                report: ImportReport) -> None:
    errors: list[RowError] = []

    def bad(column: str, reason: str) -> None:
        errors.append(RowError(line, column, reason))

    external_id = row.get("external_id", "")
    if not external_id:
        bad("external_id", "empty")
    client = _client(session, row, bad)
    saved: Saved | None = None
    if kind == "appointments":
        starts_at = _local_datetime(row.get("starts_at", ""), client, session, bad)
        status = row.get("status") or "scheduled"
        if status not in APPOINTMENT_STATUSES:
            bad("status", f"{status!r} is not one of {', '.join(APPOINTMENT_STATUSES)}")
        if not errors and client is not None and starts_at is not None:
            saved = save_appointment(
                session, client=client, external_id=external_id, starts_at=starts_at, now=now,
                clinician=row.get("clinician") or None, kind=row.get("kind") or None,
                location=row.get("location") or None, status=status)
    else:
        due = _date(row.get("due_date", ""), bad)
        status = row.get("status") or "due"
        if status not in REFILL_STATUSES:
            bad("status", f"{status!r} is not one of {', '.join(REFILL_STATUSES)}")
        if not errors and client is not None and due is not None:
            saved = save_refill(session, client=client, external_id=external_id, due_date=due,
                                now=now, status=status)
    report.errors += errors
    if saved is None:
        return
    if saved.created:
        report.created += 1
    elif saved.changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _client(session: Session, row: dict[str, str],
            bad: Callable[[str, str], None]) -> Client | None:
    raw_id = row.get("client_id", "")
    if raw_id:
        if not raw_id.isdigit():
            bad("client_id", f"{raw_id!r} is not a client id (a whole number)")
            return None
        client = session.get(Client, int(raw_id))
        if client is None:
            bad("client_id", f"no client {raw_id}")
        return client
    external = row.get("client_external_id", "")
    if not external:
        bad("client_id", "give client_id or client_external_id")
        return None
    found = session.scalars(select(Client).where(Client.external_id == external)).all()
    if not found:
        bad("client_external_id", f"no client with external id {external!r}")
        return None
    if len(found) > 1:
        bad("client_external_id", f"{external!r} matches {len(found)} clients; use client_id")
        return None
    return found[0]


def _local_datetime(value: str, client: Client | None, session: Session,
                    bad: Callable[[str, str], None]) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        bad("starts_at", f"{value!r} is not a date and time like 2027-03-15T14:00"
            if value else "empty")
        return None
    if client is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(client_zone(session, client)))
    return parsed.astimezone(UTC)


def _date(value: str, bad: Callable[[str, str], None]) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        bad("due_date", f"{value!r} is not a date like 2027-03-20" if value else "empty")
        return None
