"""The declarative base every model shares, with stable constraint names.

Named constraints let Alembic alter SQLite tables in batch mode and keep the
schema identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.store.types import UTCDateTime, json_column_type, utc_now

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of all Tether tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: json_column_type(),
        list[Any]: json_column_type(),
    }


def created_at_column() -> Mapped[datetime]:
    """A created_at column that defaults to the time of insert."""
    return mapped_column(UTCDateTime(), default=utc_now, nullable=False)


def table_of(model: type[Base]) -> Table:
    """The model's table, for plain (Core) statements on hot paths: rows go in
    without the unit of work's per-row bookkeeping; they are the same columns."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
