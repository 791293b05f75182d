"""Numbered schema migrations, one list for both engines (SQLite and PostgreSQL).

Exists so a database written by an older release upgrades in place, whichever engine holds it:
each ``Migration`` carries the step's SQL per dialect (the types differ: SQLite's INTEGER/BLOB/TEXT
times vs PostgreSQL's BIGINT/BYTEA/TIMESTAMPTZ/BOOLEAN), and both runners apply the same numbered
steps once, in order, each in its own transaction together with the version bump, so a crash
mid-upgrade leaves the previous version intact. SQLite records the version in ``PRAGMA
user_version``; PostgreSQL in a ``schema_migrations`` table, under an advisory lock so processes
starting together do not race. Append new steps (with both variants); never edit old ones.

Privacy: no table may have a column for a user, author or member id (tests enforce this).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, NamedTuple

import aiosqlite

if TYPE_CHECKING:
    import asyncpg

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "Migration",
    "apply_migrations",
    "apply_postgres_migrations",
    "postgres_steps",
    "split_statements",
    "sqlite_steps",
]


class Migration(NamedTuple):
    """One schema step: the same tables and meaning in each dialect."""

    version: int
    sqlite: str
    postgres: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        sqlite="""
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
        postgres="""
        CREATE TABLE guild_settings (
            guild_id          BIGINT PRIMARY KEY,
            moderator_role_id BIGINT,
            log_channel_id    BIGINT,
            default_region    TEXT CHECK (
                default_region IN ('us', 'eu', 'uk', 'ch', 'ca', 'hk', 'other')),
            auto_answer       BOOLEAN NOT NULL DEFAULT TRUE
        );
        CREATE TABLE answer_channels (
            guild_id   BIGINT NOT NULL
                       REFERENCES guild_settings (guild_id) ON DELETE CASCADE,
            channel_id BIGINT NOT NULL,
            PRIMARY KEY (guild_id, channel_id)
        );
        CREATE TABLE gaps (
            id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            guild_id      BIGINT NOT NULL,
            text          TEXT NOT NULL CHECK (char_length(text) <= 300),
            outcome       TEXT NOT NULL
                          CHECK (outcome IN ('declined', 'low_confidence', 'clarify')),
            best_entry_id TEXT,
            confidence    DOUBLE PRECISION NOT NULL,
            created_at    TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX gaps_by_time ON gaps (created_at);
        CREATE INDEX gaps_by_guild_time ON gaps (guild_id, created_at);
        CREATE TABLE answer_events (
            id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            guild_id   BIGINT NOT NULL,
            entry_id   TEXT,
            outcome    TEXT NOT NULL CHECK (outcome IN ('answered', 'declined', 'clarify')),
            created_at TIMESTAMPTZ NOT NULL
        );
        CREATE INDEX answer_events_by_time ON answer_events (created_at);
        CREATE INDEX answer_events_by_guild_time ON answer_events (guild_id, created_at);
        """,
    ),
    Migration(
        2,
        sqlite="""
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
        postgres="""
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value BYTEA NOT NULL
        );
        CREATE TABLE feedback (
            answer_key TEXT NOT NULL,
            voter_key  BYTEA NOT NULL,
            guild_id   BIGINT NOT NULL,
            entry_id   TEXT,
            helpful    BOOLEAN NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (answer_key, voter_key)
        );
        CREATE INDEX feedback_by_time ON feedback (created_at);
        CREATE INDEX feedback_by_guild_time ON feedback (guild_id, created_at);
        """,
    ),
    # Issue 13: the language free-text answers fall back to when a question does not show one.
    Migration(
        3,
        sqlite="""
        ALTER TABLE guild_settings ADD COLUMN default_language TEXT CHECK (
            default_language IN ('en', 'fr', 'de', 'nl', 'es', 'it'));
        """,
        postgres="""
        ALTER TABLE guild_settings ADD COLUMN default_language TEXT CHECK (
            default_language IN ('en', 'fr', 'de', 'nl', 'es', 'it'));
        """,
    ),
    # Issue 12: a 👎 keeps the normalised question (like a gap: capped, no user id, purged
    # with the vote), so moderators see what was disliked.
    Migration(
        4,
        sqlite="""
        ALTER TABLE feedback ADD COLUMN question TEXT CHECK (
            question IS NULL OR length(question) <= 300);
        """,
        postgres="""
        ALTER TABLE feedback ADD COLUMN question TEXT CHECK (
            question IS NULL OR char_length(question) <= 300);
        """,
    ),
    # Issue 11: one outcome vocabulary end to end (bot/outcome.py), the engine's words. Old
    # rows are rewritten: answer events answered/declined -> answer/decline; gaps declined ->
    # decline and low_confidence -> answer (the bot answered, unsure; the confidence is kept);
    # clarify stays. SQLite cannot change a CHECK, so its two tables are rebuilt (same
    # columns, ids and indexes); PostgreSQL swaps the constraints around the UPDATE.
    Migration(
        5,
        sqlite="""
        CREATE TABLE gaps_v5 (
            id            INTEGER PRIMARY KEY,
            guild_id      INTEGER NOT NULL,
            text          TEXT NOT NULL CHECK (length(text) <= 300),
            outcome       TEXT NOT NULL CHECK (outcome IN ('answer', 'clarify', 'decline')),
            best_entry_id TEXT,
            confidence    REAL NOT NULL,
            created_at    TEXT NOT NULL
        );
        INSERT INTO gaps_v5 (id, guild_id, text, outcome, best_entry_id, confidence, created_at)
            SELECT id, guild_id, text,
                   CASE outcome WHEN 'declined' THEN 'decline'
                                WHEN 'low_confidence' THEN 'answer'
                                ELSE outcome END,
                   best_entry_id, confidence, created_at
            FROM gaps;
        DROP TABLE gaps;
        ALTER TABLE gaps_v5 RENAME TO gaps;
        CREATE INDEX gaps_by_time ON gaps (created_at);
        CREATE INDEX gaps_by_guild_time ON gaps (guild_id, created_at);
        CREATE TABLE answer_events_v5 (
            id         INTEGER PRIMARY KEY,
            guild_id   INTEGER NOT NULL,
            entry_id   TEXT,
            outcome    TEXT NOT NULL CHECK (outcome IN ('answer', 'clarify', 'decline')),
            created_at TEXT NOT NULL
        );
        INSERT INTO answer_events_v5 (id, guild_id, entry_id, outcome, created_at)
            SELECT id, guild_id, entry_id,
                   CASE outcome WHEN 'answered' THEN 'answer'
                                WHEN 'declined' THEN 'decline'
                                ELSE outcome END,
                   created_at
            FROM answer_events;
        DROP TABLE answer_events;
        ALTER TABLE answer_events_v5 RENAME TO answer_events;
        CREATE INDEX answer_events_by_time ON answer_events (created_at);
        CREATE INDEX answer_events_by_guild_time ON answer_events (guild_id, created_at);
        """,
        postgres="""
        ALTER TABLE gaps DROP CONSTRAINT gaps_outcome_check;
        UPDATE gaps SET outcome = CASE outcome WHEN 'declined' THEN 'decline'
                                               WHEN 'low_confidence' THEN 'answer'
                                               ELSE outcome END;
        ALTER TABLE gaps ADD CONSTRAINT gaps_outcome_check
            CHECK (outcome IN ('answer', 'clarify', 'decline'));
        ALTER TABLE answer_events DROP CONSTRAINT answer_events_outcome_check;
        UPDATE answer_events SET outcome = CASE outcome WHEN 'answered' THEN 'answer'
                                                        WHEN 'declined' THEN 'decline'
                                                        ELSE outcome END;
        ALTER TABLE answer_events ADD CONSTRAINT answer_events_outcome_check
            CHECK (outcome IN ('answer', 'clarify', 'decline'));
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def sqlite_steps() -> list[tuple[int, str]]:
    return [(m.version, m.sqlite) for m in MIGRATIONS]


def postgres_steps() -> list[tuple[int, str]]:
    return [(m.version, m.postgres) for m in MIGRATIONS]


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


def _checked_steps(migrations: Sequence[tuple[int, str]]) -> tuple[list[tuple[int, str]], int]:
    steps = sorted(migrations)
    versions = [v for v, _ in steps]
    if versions != list(range(1, len(steps) + 1)):
        raise ValueError(f"migration versions must be 1..n without gaps, got {versions}")
    return steps, (versions[-1] if versions else 0)


def _newer_error(current: int, latest: int) -> RuntimeError:
    return RuntimeError(
        f"database schema version {current} is newer than this code supports ({latest}); "
        "upgrade optout-bot or point it at another database"
    )


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def apply_migrations(
    conn: aiosqlite.Connection, migrations: Sequence[tuple[int, str]] | None = None
) -> int:
    """Bring a SQLite database to the newest version; return the version it is at afterwards.

    ``migrations`` are ``(version, sql)`` pairs, ``sqlite_steps()`` by default. ``conn`` must be
    in autocommit mode (``isolation_level=None``). Each step is applied in its own ``BEGIN
    IMMEDIATE`` transaction, re-checking the version under the write lock so two processes
    starting at once cannot apply a step twice. Raises ``RuntimeError`` if the database is newer
    than this code; sqlite3 errors propagate (the step is rolled back).
    """
    steps, latest = _checked_steps(migrations if migrations is not None else sqlite_steps())
    current = await _user_version(conn)
    if current > latest:
        raise _newer_error(current, latest)
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


def advisory_lock_key(schema: str | None) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock``, one per target schema."""
    digest = hashlib.sha256(f"optout-bot migrations:{schema or ''}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


async def postgres_version(conn: asyncpg.Connection) -> int:
    """The applied version, or 0 for an empty schema (no ``schema_migrations`` table yet)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"))


async def apply_postgres_migrations(
    conn: asyncpg.Connection,
    migrations: Sequence[tuple[int, str]] | None = None,
    *,
    schema: str | None = None,
) -> int:
    """Bring a PostgreSQL schema to the newest version; return the version it is at afterwards.

    Tables go into the first schema of ``conn``'s ``search_path``; pass that schema's name as
    ``schema`` to have it created if missing (the name must already be a safe identifier).
    An up-to-date schema is left alone without locking. Otherwise the upgrade holds a session
    advisory lock keyed by the schema (and re-reads the version under it), so two processes
    starting together apply each step exactly once; each step commits in its own transaction
    together with its ``schema_migrations`` row. Raises ``RuntimeError`` if the schema is newer
    than this code; asyncpg errors propagate (the failing step is rolled back).
    """
    steps, latest = _checked_steps(migrations if migrations is not None else postgres_steps())
    current = await postgres_version(conn)
    if current > latest:
        raise _newer_error(current, latest)
    if current == latest:  # the usual start: no lock, no DDL (works on a read-only standby)
        return current
    key = advisory_lock_key(schema)
    await conn.execute("SELECT pg_advisory_lock($1)", key)
    try:
        if schema is not None:
            await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        current = await postgres_version(conn)
        if current > latest:
            raise _newer_error(current, latest)
        for version, sql in steps:
            if version <= current:
                continue
            async with conn.transaction():
                await conn.execute(sql)  # no arguments: simple protocol, many statements
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            current = version
        return current
    finally:
        with suppress(Exception):  # a dead connection drops its session locks anyway
            await conn.execute("SELECT pg_advisory_unlock($1)", key)
