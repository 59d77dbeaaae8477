"""Engines, sessions and schema creation for SQLite and PostgreSQL.

SQLite connections get WAL journaling, enforced foreign keys, a 5 s busy
timeout and real transactions (SQLAlchemy emits BEGIN, so SAVEPOINTs nest
properly). Transactions begin IMMEDIATE, taking the write lock up front: a
deferred transaction that has read and then wants to write while another
writer has committed fails at once ("database is locked") instead of waiting
out the busy timeout, and webhooks read before they write. Within a process,
transactions queue for that lock on a gate rather than in SQLite's busy
handler, which polls and lets a busy writer starve the others for seconds.
An in-memory SQLite database is one connection shared by the whole process,
so every session sees the same data; it serves one transaction at a time.
PostgreSQL goes through psycopg 3 with pre-ping.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.store.models import Base

REPO_ROOT = Path(__file__).resolve().parents[2]
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_POOL_SIZE = 40
POSTGRES_POOL_SIZE = 20
POSTGRES_POOL_OVERFLOW = 10


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL, sending plain PostgreSQL URLs to the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite URL (``sqlite://`` or ``sqlite:///:memory:``)."""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    return database in ("", ":memory:") or database.startswith("file::memory:")


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create an engine for `url` with the settings Tether relies on."""
    parsed = normalize_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _make_sqlite_engine(parsed, echo=echo)
    if backend == "postgresql":
        # Enough pooled connections for a worker's request threads to reuse
        # rather than open one per request; bounded, as PostgreSQL's backends are.
        return create_engine(parsed, pool_pre_ping=True, echo=echo,
                             pool_size=POSTGRES_POOL_SIZE, max_overflow=POSTGRES_POOL_OVERFLOW)
    raise ValueError(f"unsupported database {parsed.render_as_string(hide_password=True)!r}")


def _make_sqlite_engine(url: URL, *, echo: bool) -> Engine:
    memory = is_memory_sqlite(url)
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        "echo": echo,
    }
    if memory:
        options["poolclass"] = StaticPool
    else:
        # Request threads (up to 40) each hold a connection while they wait at
        # the gate; a pool smaller than that opens and closes one per request.
        options.update(pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_SIZE)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    # One writer at a time, as SQLite allows, queued in order of arrival. A plain
    # Lock, because a transaction may end on another thread than it began on;
    # a wait longer than the busy timeout falls back to SQLite's own waiting.
    gate = threading.Lock()

    def _leave_gate(connection: Any) -> None:
        if connection.info.pop("tether_gate", False):
            gate.release()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.info["tether_gate"] = gate.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _leave_gate(connection)
            raise

    event.listen(engine, "commit", _leave_gate)
    event.listen(engine, "rollback", _leave_gate)

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine` whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def create_all(engine: Engine) -> None:
    """Create every table directly (in-memory and test databases; real ones use `upgrade`)."""
    Base.metadata.create_all(engine)


def alembic_config(url: str | URL, script_location: str | Path | None = None) -> Config:
    """An Alembic configuration for `url`, using the repository's alembic.ini when present."""
    ini = REPO_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() else Config()
    location = Path(script_location) if script_location is not None else REPO_ROOT / "migrations"
    if not location.is_dir():
        raise FileNotFoundError(f"migrations not found at {location}")
    config.set_main_option("script_location", str(location))
    config.attributes["url"] = normalize_url(url).render_as_string(hide_password=False)
    return config


def upgrade(url: str | URL, script_location: str | Path | None = None) -> None:
    """Apply every migration up to the newest; running it again changes nothing."""
    command.upgrade(alembic_config(url, script_location), "head")
