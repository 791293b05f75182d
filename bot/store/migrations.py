"""Numbered schema migrations for the SQLite store.

Exists so a database written by an older release upgrades in place: each ``(version, sql)`` step
runs once, in order, inside one transaction together with the ``PRAGMA user_version`` bump, so a
crash mid-upgrade leaves the previous version intact. Append new steps; never edit old ones.

Privacy: no table may have a column for a user, author or member id (tests enforce this).
"""

from __future__ import annotations

import sqlite3

import aiosqlite

__all__ = ["LATEST_VERSION", "MIGRATIONS", "apply_migrations", "split_statements"]

MIGRATIONS: list[tuple[int, str]] = [
    (
        1,
        """
        CREATE TABLE guild_settings (
            guild_id          INTEGER PRIMARY KEY,
            moderator_role_id INTEGER,
            log_channel_id    INTEGER,
            default_region    TEXT CHECK (
                default_region IN ('us', 'eu', 'uk', 'ch', 'ca', 'hk', 'other')),
            auto_answer       INTEGER NOT NULL DEFAULT 1 CHECK (auto_answer IN (0, 1))
        );
        CREATE TABLE answer_channels (
            guild_id   INTEGER NOT NULL
                       REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
            channel_id INTEGER NOT NULL,
            PRIMARY KEY (guild_id, channel_id)
        ) WITHOUT ROWID;
        CREATE TABLE gaps (
            id            INTEGER PRIMARY KEY,
            guild_id      INTEGER NOT NULL,
            text          TEXT NOT NULL CHECK (length(text) <= 300),
            outcome       TEXT NOT NULL
                          CHECK (outcome IN ('declined', 'low_confidence', 'clarify')),
            best_entry_id TEXT,
            confidence    REAL NOT NULL,
            created_at    TEXT NOT NULL
        );
        CREATE INDEX gaps_by_time ON gaps (created_at);
        CREATE INDEX gaps_by_guild_time ON gaps (guild_id, created_at);
        CREATE TABLE answer_events (
            id         INTEGER PRIMARY KEY,
            guild_id   INTEGER NOT NULL,
            entry_id   TEXT,
            outcome    TEXT NOT NULL CHECK (outcome IN ('answered', 'declined', 'clarify')),
            created_at TEXT NOT NULL
        );
        CREATE INDEX answer_events_by_time ON answer_events (created_at);
        CREATE INDEX answer_events_by_guild_time ON answer_events (guild_id, created_at);
        """,
    ),
    (
        2,
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE feedback (
            answer_key TEXT NOT NULL,
            voter_key  BLOB NOT NULL,
            guild_id   INTEGER NOT NULL,
            entry_id   TEXT,
            helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            created_at TEXT NOT NULL,
            PRIMARY KEY (answer_key, voter_key)
        ) WITHOUT ROWID;
        CREATE INDEX feedback_by_time ON feedback (created_at);
        CREATE INDEX feedback_by_guild_time ON feedback (guild_id, created_at);
        """,
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (``executescript`` would commit implicitly)."""
    statements: list[str] = []
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement in migration: {buffer.strip()[:80]!r}")
    return statements


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(
    conn: aiosqlite.Connection, migrations: list[tuple[int, str]] | None = None
) -> int:
    """Bring the database to the newest version; return the version it is at afterwards.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Each step is applied in its
    own ``BEGIN IMMEDIATE`` transaction, re-checking the version under the write lock so two
    processes starting at once cannot apply a step twice. Raises ``RuntimeError`` if the
    database is newer than this code; sqlite3 errors propagate (the step is rolled back).
    """
    steps = sorted(migrations if migrations is not None else MIGRATIONS)
    versions = [v for v, _ in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration versions must be 1..n without gaps, got {versions}")
    latest = versions[-1] if versions else 0
    current = await _user_version(conn)
    if current > latest:
        raise RuntimeError(
            f"database schema version {current} is newer than this code supports ({latest}); "
            "upgrade optout-bot or use another DATABASE_PATH"
        )
    for version, sql in steps:
        if version <= current:
            continue
        await conn.execute("BEGIN IMMEDIATE")
        try:
            if await _user_version(conn) >= version:  # another process got there first
                await conn.execute("ROLLBACK")
                current = version
                continue
            for statement in split_statements(sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {int(version)}")
            await conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        current = version
    return current
