"""CSV import of appointments and refills: good rows land, bad rows are
reported by row, column and reason and never half imported, a dry run
writes nothing, and importing again updates instead of duplicating."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.scheduling.imports import ImportFileError, RowError, import_csv
from bot.store.db import session_factory
from bot.store.models import Appointment, Refill, TimedEvent
from tests.scheduling.helpers import NOW, local, make_client

HEADER = "external_id,client_id,client_external_id,starts_at,clinician,kind,location,status\n"


def setup(engine: Engine) -> int:
    with session_factory(engine).begin() as session:
        return make_client(session, external_id="MRN-7").id


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rows_are_imported_with_reminders(engine: Engine, tmp_path: Path) -> None:
    """Rows by client id or external id become appointments at local times, with reminders."""
    client_id = setup(engine)
    path = write(tmp_path, HEADER + f"E1,{client_id},,2027-03-10T14:00,Dr. Rivera,therapy,Room 2,\n"
                 "E2,,MRN-7,2027-03-12 09:30,,,,confirmed\n")
    report = import_csv(session_factory(engine), "appointments", path, now=NOW)
    assert (report.rows, report.created, report.errors) == (2, 2, [])
    with session_factory(engine)() as session:
        rows = session.scalars(select(Appointment).order_by(Appointment.external_id)).all()
        assert [(r.starts_at, r.status) for r in rows] == [
            (local(2027, 3, 10, 14), "scheduled"), (local(2027, 3, 12, 9, 30), "confirmed")]
        assert len(session.scalars(select(TimedEvent)).all()) == 4


def test_bad_rows_are_reported_and_skipped_whole(engine: Engine, tmp_path: Path) -> None:
    """Each problem names its row, column and reason; the bad row writes nothing."""
    client_id = setup(engine)
    path = write(tmp_path, HEADER + f"E1,{client_id},,2027-03-10T14:00,,,,\n"
                 f"E2,{client_id},,tomorrow,,,,booked\n"
                 ",,MRN-404,2027-03-10T14:00,,,,\n")
    report = import_csv(session_factory(engine), "appointments", path, now=NOW)
    assert report.created == 1
    assert report.errors == [
        RowError(3, "starts_at", "'tomorrow' is not a date and time like 2027-03-15T14:00"),
        RowError(3, "status", "'booked' is not one of scheduled, confirmed, cancelled, "
                 "reschedule_requested"),
        RowError(4, "external_id", "empty"),
        RowError(4, "client_external_id", "no client with external id 'MRN-404'"),
    ]
    assert report.failed_rows == 2
    with session_factory(engine)() as session:
        assert [a.external_id for a in session.scalars(select(Appointment))] == ["E1"]


def test_a_dry_run_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    """--dry-run counts what would happen and leaves the database as it was."""
    client_id = setup(engine)
    path = write(tmp_path, "external_id,client_id,due_date\n"
                 f"R1,{client_id},2027-03-20\nR2,{client_id},2027-02-30\n")
    report = import_csv(session_factory(engine), "refills", path, now=NOW, dry_run=True)
    assert (report.created, report.failed_rows) == (1, 1)
    assert str(report.errors[0]) == "row 3, due_date: '2027-02-30' is not a date like 2027-03-20"
    with session_factory(engine)() as session:
        assert session.scalars(select(Refill)).all() == []
        assert session.scalars(select(TimedEvent)).all() == []


def test_importing_again_updates_instead_of_duplicating(engine: Engine,
                                                        tmp_path: Path) -> None:
    """The same file twice changes nothing; a moved date updates the row and reminders."""
    client_id = setup(engine)
    sessions = session_factory(engine)
    first = write(tmp_path, HEADER + f"E1,{client_id},,2027-03-10T14:00,,,,\n")
    import_csv(sessions, "appointments", first, now=NOW)
    again = import_csv(sessions, "appointments", first, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    moved = write(tmp_path, HEADER + f"E1,{client_id},,2027-03-11T15:00,,,,\n")
    report = import_csv(sessions, "appointments", moved, now=NOW)
    assert (report.created, report.updated) == (0, 1)
    with sessions() as session:
        assert len(session.scalars(select(Appointment)).all()) == 1
        due = session.scalars(select(TimedEvent.due_at).where(
            TimedEvent.status == "pending").order_by(TimedEvent.due_at)).all()
        assert due == [local(2027, 3, 9, 15), local(2027, 3, 11, 13)]


def test_a_file_without_the_needed_columns_is_refused(engine: Engine, tmp_path: Path) -> None:
    """Missing columns are named before any row is read."""
    setup(engine)
    path = write(tmp_path, "id,when\n1,2027-03-10\n")
    with pytest.raises(ImportFileError, match="external_id, due_date, client_id or "):
        import_csv(session_factory(engine), "refills", path, now=NOW)
