"""Alembic environment for Tether.

The database URL comes from, in order: the URL `bot.store.db.upgrade()` puts in
``config.attributes["url"]``, ``alembic -x url=...``, or TETHER_DATABASE_URL.
It is never written in alembic.ini. SQLite is altered in batch mode (copy and
move), since it cannot alter most things in place.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine

from bot.store.db import make_engine, normalize_url
from bot.store.models import Base
from bot.store.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    url = url or os.environ.get("TETHER_DATABASE_URL")
    if not url:
        raise SystemExit("no database URL: set TETHER_DATABASE_URL or pass `alembic -x url=...`")
    return normalize_url(url).render_as_string(hide_password=False)


def _render_item(type_: str, obj: Any, _autogen_context: Any) -> str | bool:
    """Write our UTCDateTime as a plain timezone-aware DateTime in migration files."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
        compare_type=True,
        # Our SQLite connections emit a real BEGIN, so a failed migration rolls back whole.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """Write the migration SQL instead of running it (``alembic upgrade --sql``)."""
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Connect and apply the migrations."""
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _configure(connection)
        return
    engine: Engine = make_engine(_database_url())
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                _run_sqlite(conn)
            else:
                _configure(conn)
                conn.commit()
    finally:
        engine.dispose()


def _run_sqlite(conn: Connection) -> None:
    """Migrate with foreign keys off, as batch mode rebuilds tables by copy and drop.

    With them on, dropping the old copy of a table would cascade-delete or refuse
    on its children. The keys are checked once the migration has committed.
    """
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        _configure(conn)
        conn.commit()
        problems = raw.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"migration left rows with broken foreign keys: {problems[:10]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


if config.config_file_name is not None and not config.attributes.get("url"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
