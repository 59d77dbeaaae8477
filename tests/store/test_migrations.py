"""Migrations build exactly the schema the models describe, and can be re-run safely."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.store.db import REPO_ROOT, make_engine, session_factory, upgrade
from bot.store.models import Base, Clinic
from tests.store.factories import make_clinic

HEAD = "0003_timed_events_client_done"  # the newest migration


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _version(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    finally:
        engine.dispose()


def test_upgraded_database_matches_the_models(db_url: str) -> None:
    """After upgrade the database has exactly the tables, columns and indexes of the models."""
    upgrade(db_url)

    assert _differences(db_url) == []
    assert _version(db_url) == HEAD


def test_upgrade_twice_keeps_data_and_changes_nothing(db_url: str) -> None:
    """Running the upgrade again on a current database is harmless."""
    upgrade(db_url)
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        make_clinic(session)
        session.commit()

    upgrade(db_url)

    with session_factory(engine)() as session:
        assert session.scalars(select(Clinic.id)).all() == ["demo"]
    engine.dispose()
    assert _differences(db_url) == []


def test_upgrade_accepts_an_explicit_migrations_folder(sqlite_url: str) -> None:
    """The migrations folder can be named explicitly, e.g. from an installed copy."""
    upgrade(sqlite_url, script_location=REPO_ROOT / "migrations")

    assert _version(sqlite_url) == HEAD


def test_missing_migrations_folder_is_reported(sqlite_url: str, tmp_path: Path) -> None:
    """Pointing at a folder that is not there fails with the path in the message."""
    missing = tmp_path / "nowhere"

    with pytest.raises(FileNotFoundError, match="nowhere"):
        upgrade(sqlite_url, script_location=missing)


def test_migrations_take_the_url_from_the_environment(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain alembic runs use TETHER_DATABASE_URL when no URL is passed in."""
    monkeypatch.setenv("TETHER_DATABASE_URL", sqlite_url)
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))

    command.upgrade(config, "head")

    assert _version(sqlite_url) == HEAD


def test_downgrade_removes_every_table(sqlite_url: str) -> None:
    """Downgrading to base leaves only Alembic's own bookkeeping."""
    upgrade(sqlite_url)
    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.attributes["url"] = sqlite_url

    command.downgrade(config, "base")

    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        ).scalars()
        assert list(tables) == ["alembic_version"]
    engine.dispose()
