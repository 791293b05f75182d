"""Fixtures that give each behavioural test every backend, so none of them can drift.

The PostgreSQL parametrisations need a real server: set ``TEST_DATABASE_URL`` (``.ci/run`` starts
one with ``.ci/start-postgres.sh``). Without it they are skipped, and the skip says so. Each
PostgreSQL test gets its own fresh schema in that database, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.store import InMemoryStore, PostgresStore, SqliteStore, Store

Reopen = Callable[[Store], Awaitable[Store]]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
POSTGRES_SKIP_REASON = "set TEST_DATABASE_URL to run the PostgreSQL store tests; .ci/run does"
needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason=POSTGRES_SKIP_REASON)
BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=needs_postgres)]


def new_schema_name() -> str:
    return f"test_{uuid.uuid4().hex[:16]}"


def run_sync(coro_factory: Callable[[], Awaitable[object]]) -> None:
    """Run a coroutine to completion from sync code, even if an event loop is running here."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro_factory())  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def drop_schemas(*names: str) -> None:
    async def drop() -> None:
        conn = await asyncpg.connect(TEST_DATABASE_URL)
        try:
            for name in names:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        finally:
            await conn.close()

    run_sync(drop)


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema name in the test database (the store creates it); dropped afterwards."""
    if not TEST_DATABASE_URL:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = new_schema_name()
    yield name
    drop_schemas(name)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "optout-bot.sqlite3"


@pytest.fixture
def make_store(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Callable[..., Store]:
    schema = request.getfixturevalue("pg_schema") if backend == "postgres" else None

    def make(retention_days: int = 30) -> Store:
        if backend == "memory":
            return InMemoryStore(retention_days=retention_days)
        if backend == "postgres":
            return PostgresStore(TEST_DATABASE_URL, retention_days=retention_days, schema=schema)
        return SqliteStore(db_path, retention_days=retention_days, busy_timeout_ms=2000)

    return make


@pytest.fixture
async def store(make_store: Callable[..., Store]) -> AsyncIterator[Store]:
    opened = make_store()
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def reopen(backend: str, db_path: Path) -> Reopen:
    """Close a store and open it again the way a restarted bot would (new object for SQLite and
    PostgreSQL, same object for the in-memory store, which only lives as long as the process)."""

    async def do(old: Store) -> Store:
        await old.close()
        if backend == "memory":
            await old.open()
            return old
        new: Store
        if isinstance(old, PostgresStore):
            new = PostgresStore(old.url, retention_days=old.retention_days, schema=old.schema)
        else:
            new = SqliteStore(db_path, retention_days=old.retention_days)
        await new.open()
        return new

    return do


@pytest.fixture
def now() -> datetime:
    """A recent, whole-second time: stores purge by the real clock on open()."""
    return datetime.now(UTC).replace(microsecond=0)
