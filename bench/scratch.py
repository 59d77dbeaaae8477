"""A fresh database for one benchmark run: a SQLite file in a temporary folder,
or a new database on the PostgreSQL server a URL names, dropped afterwards."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from bot.store.db import normalize_url


@contextmanager
def scratch_database(url: str | None, name: str = "bench.db") -> Iterator[str]:
    """Yield the URL of an empty database; `url` None or sqlite means a new file."""
    if url is None or normalize_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / name}"
        return
    server = normalize_url(url)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    database = f"tether_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield server.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
