"""Engine and session setup: the settings each engine needs, and sessions that behave alike."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from bot.store.db import (
    create_all,
    is_memory_sqlite,
    make_engine,
    normalize_url,
    session_factory,
)
from bot.store.models import Clinic
from tests.store.factories import make_clinic


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/tether", "postgresql+psycopg://u:p@db:5432/tether"),
        ("postgresql://u@db/tether", "postgresql+psycopg://u@db/tether"),
        ("postgresql+psycopg://u@db/tether", "postgresql+psycopg://u@db/tether"),
        ("sqlite:///var/tether.db", "sqlite:///var/tether.db"),
    ],
)
def test_plain_postgres_urls_use_psycopg(given: str, expected: str) -> None:
    """Heroku-style and plain PostgreSQL URLs are sent to the psycopg 3 driver."""
    assert normalize_url(given).render_as_string(hide_password=False) == expected


def test_postgres_engine_uses_psycopg_and_pre_ping() -> None:
    """A PostgreSQL engine checks connections before use (no connection is made here)."""
    engine = make_engine("postgres://u@127.0.0.1:1/tether")

    assert engine.dialect.driver == "psycopg"
    # The pool has no public accessor for this setting.
    assert engine.pool._pre_ping


def test_unsupported_database_is_refused() -> None:
    """A database other than SQLite or PostgreSQL is refused at once, with its URL."""
    with pytest.raises(ValueError, match="unsupported database"):
        make_engine("mysql://u@127.0.0.1/tether")


def test_sqlite_file_uses_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    """A SQLite file database journals with WAL, enforces foreign keys and waits 5 s on locks."""
    engine = make_engine(f"sqlite:///{tmp_path / 'tether.db'}")
    try:
        with engine.connect() as conn:
            journal = conn.execute(text("PRAGMA journal_mode")).scalar_one()
            foreign_keys = conn.execute(text("PRAGMA foreign_keys")).scalar_one()
            busy_timeout = conn.execute(text("PRAGMA busy_timeout")).scalar_one()
    finally:
        engine.dispose()

    assert (journal, foreign_keys, busy_timeout) == ("wal", 1, 5000)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_database_is_one_database_for_the_whole_process(url: str) -> None:
    """Every session and thread of a process sees the same in-memory database."""
    assert is_memory_sqlite(normalize_url(url))
    engine = make_engine(url)
    create_all(engine)
    factory = session_factory(engine)
    with factory() as session:
        make_clinic(session)
        session.commit()
    seen: list[str] = []

    def read() -> None:
        with factory() as other:
            seen.extend(other.scalars(select(Clinic.id)))

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    engine.dispose()

    assert seen == ["demo"]


def test_objects_stay_readable_after_commit(engine: Engine) -> None:
    """Rows loaded in a session can still be read after it commits and closes."""
    with session_factory(engine)() as session:
        clinic = make_clinic(session)
        session.commit()

    assert clinic.name == "Riverside Health"


def test_savepoint_rollback_keeps_the_outer_work(session: Session) -> None:
    """Undoing a nested step leaves the rest of the transaction in place."""
    make_clinic(session, "first")
    with session.begin_nested() as nested:
        make_clinic(session, "second")
        nested.rollback()
    session.commit()

    assert session.scalars(select(Clinic.id)).all() == ["first"]


def test_rollback_undoes_everything_since_begin(engine: Engine) -> None:
    """A rolled-back transaction leaves no trace, reads included."""
    factory = session_factory(engine)
    with factory() as session:
        session.scalars(select(Clinic)).all()
        make_clinic(session)
        with session.begin_nested():
            session.execute(text("UPDATE clinics SET name = 'Changed'"))
        session.rollback()

    with factory() as session:
        assert session.scalars(select(Clinic)).all() == []
