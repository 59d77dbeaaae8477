"""Shared test fixtures: a database on each engine, and a guard against the network.

`db_url` runs a test once on SQLite (a fresh file) and once on PostgreSQL (a
freshly created database, dropped afterwards), so storage and conversation
tests prove the same behaviour on both. PostgreSQL needs
TETHER_TEST_DATABASE_URL; without it, or when that server cannot be reached,
those runs skip and say why.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bot.escalation.model_cache import CACHE_DIR_VARIABLE
from bot.store.db import create_all, make_engine, normalize_url, session_factory

POSTGRES_URL_VARIABLE = "TETHER_TEST_DATABASE_URL"
POSTGRES_HINT = (
    "PostgreSQL tests need TETHER_TEST_DATABASE_URL, "
    "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# --- network guard -----------------------------------------------------------


def _is_local_host(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _refuse_unless_local(address: Any) -> None:
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_local_host(host):
        raise RuntimeError(f"test tried to reach the network: {address!r}")


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Trained risk models are kept in a directory of this run's own, shared by the
    apps and commands the tests start (they keep TETHER_CACHE_DIR): the model is
    trained once per run, and never read from the user's cache."""
    before = os.environ.get(CACHE_DIR_VARIABLE)
    os.environ[CACHE_DIR_VARIABLE] = str(tmp_path_factory.mktemp("model-cache"))
    yield
    if before is None:
        os.environ.pop(CACHE_DIR_VARIABLE, None)
    else:
        os.environ[CACHE_DIR_VARIABLE] = before


@pytest.fixture(scope="session", autouse=True)
def _no_network() -> Iterator[None]:
    """Make any connection to a non-loopback address fail loudly."""
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_create_connection = socket.create_connection

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse_unless_local(address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _refuse_unless_local(address)
        return original_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        _refuse_unless_local(address)
        return original_create_connection(address, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "create_connection", create_connection)
        yield


# --- databases ---------------------------------------------------------------


def _postgres_server_url() -> URL:
    raw = os.environ.get(POSTGRES_URL_VARIABLE, "").strip()
    if not raw:
        pytest.skip(POSTGRES_HINT)
    return normalize_url(raw)


def _admin_engine(server: URL) -> Engine:
    return create_engine(
        server,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 5},
    )


@pytest.fixture
def postgresql_url() -> Iterator[str]:
    """A freshly created, empty PostgreSQL database, dropped after the test."""
    server = _postgres_server_url()
    admin = _admin_engine(server)
    name = f"tether_test_{uuid.uuid4().hex[:16]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        where = server.render_as_string(hide_password=True)
        pytest.skip(f"PostgreSQL at {where} is unreachable: {error.orig or error}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Any) -> str:
    """A fresh SQLite database file in the test's temporary directory."""
    return f"sqlite:///{tmp_path / 'tether.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database URL, once per engine."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on `db_url` with every table created; disposed after the test."""
    engine = make_engine(db_url)
    create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on `engine`; whatever the test leaves uncommitted is rolled back."""
    with session_factory(engine)() as session:
        yield session
