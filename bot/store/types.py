"""Column types shared by every table.

`UTCDateTime` keeps all timestamps in UTC: SQLite stores them naive (it has no
time-zone type), PostgreSQL as ``timestamptz``. Reading always gives back an
aware UTC datetime, and writing a naive datetime is refused, because a naive
value would silently mean "whatever the server's local time was".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class NaiveDatetimeError(ValueError):
    """A naive datetime was about to be written; the store only takes aware ones."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC, dropping the zone where the engine cannot keep one."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise NaiveDatetimeError(
                f"naive datetime {value.isoformat()} given; "
                "pass a timezone-aware datetime (e.g. datetime(..., tzinfo=UTC))"
            )
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: datetime | None, _dialect: Dialect) -> datetime | None:
        """Attach UTC to naive values (SQLite) and normalise aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_column_type(*, nullable: bool = False) -> TypeEngine[Any]:
    """JSON that stores a Python None as SQL NULL when the column is nullable."""
    return JSON(none_as_null=nullable)


def utc_now() -> datetime:
    """Default for created_at-style columns when the caller passes no time."""
    return datetime.now(UTC)
