"""Fixtures that give each behavioural test both backends, so the in-memory twin cannot drift."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import InMemoryStore, SqliteStore, Store

Reopen = Callable[[Store], Awaitable[Store]]


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "dir" / "optout-bot.sqlite3"


@pytest.fixture
def make_store(backend: str, db_path: Path) -> Callable[..., Store]:
    def make(retention_days: int = 30) -> Store:
        if backend == "memory":
            return InMemoryStore(retention_days=retention_days)
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
    """Close a store and open it again the way a restarted bot would (new object for SQLite,
    same object for the in-memory store, which only lives as long as the process)."""

    async def do(old: Store) -> Store:
        await old.close()
        if backend == "memory":
            await old.open()
            return old
        new = SqliteStore(db_path, retention_days=old.retention_days)
        await new.open()
        return new

    return do


@pytest.fixture
def now() -> datetime:
    """A recent, whole-second time: stores purge by the real clock on open()."""
    return datetime.now(UTC).replace(microsecond=0)
