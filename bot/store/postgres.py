"""PostgreSQL implementation of ``Store`` (via asyncpg), for several bot processes at once.

Exists because SQLite is one file on one machine: when the bot runs as several processes (one
per group of shards), they must share settings, gaps, stats and feedback, and nothing written
concurrently may be lost. Every write is one short transaction on a pooled connection; upserts
use ``INSERT ... ON CONFLICT`` so two processes racing on the same row both succeed; settings
writes for a server lock that server's row, so replacing a channel list is never interleaved
with another process's change. Migrations are the same numbered steps as SQLite's (see
migrations.py), applied under an advisory lock. Every asyncpg/OS failure is re-raised as
``StoreError`` with a message saying what to fix; passwords never appear in messages.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

import asyncpg

from bot.outcome import Outcome
from bot.store.base import (
    DEFAULT_RETENTION_DAYS,
    AnswerRecord,
    AnswerStats,
    DislikedQuestion,
    EntryFeedback,
    FeedbackResult,
    FeedbackStats,
    GapRecord,
    GapSummary,
    GuildSettings,
    PurgeResult,
    RecordsEvents,
    StoreError,
    as_utc,
    check_answer_key,
    check_entry_id,
    check_gap_text,
    check_guild_filter,
    check_helpful,
    check_id,
    check_limit,
    check_question,
    check_retention_days,
    check_voter_key,
    normalise_settings_changes,
    retention_cutoff,
)
from bot.store.migrations import apply_postgres_migrations, postgres_version
from bot.store.url_safety import describe_url, scrub

__all__ = ["POSTGRES_URL_SCHEMES", "PostgresStore", "is_postgres_url", "redact_url"]

log = logging.getLogger(__name__)

POSTGRES_URL_SCHEMES = ("postgres", "postgresql")
SALT_BYTES = 32
_SALT_KEY = "voter_key_salt"
_PURGED_TABLES = (("gaps", "gaps"), ("answers", "answer_events"), ("feedback", "feedback"))
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_INSERT_ANSWER = (
    "INSERT INTO answer_events (guild_id, entry_id, outcome, created_at) VALUES ($1, $2, $3, $4)"
)
_INSERT_GAP = (
    "INSERT INTO gaps (guild_id, text, outcome, best_entry_id, confidence, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
)


def _no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL; Discord messages never contain one anyway."""
    return text.replace("\x00", "\ufffd")


_RETRIES = 3  # for deadlocks / serialization failures, which the server rolled back
_T = TypeVar("_T")
_DB_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # e.g. a pooled connection the server closed while idle
    OSError,
    TimeoutError,
)


def is_postgres_url(value: object) -> bool:
    return isinstance(value, str) and value.split("://", 1)[0].lower() in POSTGRES_URL_SCHEMES


def redact_url(url: str) -> str:
    """The URL as logs and error messages may show it: scheme, host, port and database only."""
    return describe_url(url)


class PostgresStore(RecordsEvents):
    """``Store`` backed by PostgreSQL. Use ``async with PostgresStore(url) as store:``.

    ``url`` is a libpq-style ``postgresql://user:password@host:port/dbname`` URL. ``schema``
    (optional, a lower-case identifier) keeps the tables in their own schema, created on
    ``open()``; several bots (or tests) can then share one database. Connections come from an
    asyncpg pool of ``min_size``..``max_size``; ``command_timeout`` seconds bound every query.
    """

    def __init__(
        self,
        url: str,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        *,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
        command_timeout: float = 30.0,
    ) -> None:
        if not is_postgres_url(url):
            raise ValueError("url must start with postgres:// or postgresql://")
        if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema must be a lower-case SQL identifier, got {schema!r}")
        if not 1 <= min_size <= max_size:
            raise ValueError("need 1 <= min_size <= max_size")
        self.url = url
        self.schema = schema
        self.retention_days = check_retention_days(retention_days)
        self.min_size = min_size
        self.max_size = max_size
        self.connect_timeout = float(connect_timeout)
        self.command_timeout = float(command_timeout)
        self._pool: asyncpg.Pool | None = None
        self._salt: bytes | None = None
        # Settings writes from this process keep call order (last call wins, as with SQLite);
        # across processes the row lock in _lock_guild serialises them.
        self._settings_lock = asyncio.Lock()
        self._open_lock = asyncio.Lock()

    def __repr__(self) -> str:
        state = "open" if self._pool is not None else "closed"
        where = self._where()
        return f"PostgresStore({where!r}, retention_days={self.retention_days}, {state})"

    def _where(self) -> str:
        target = redact_url(self.url)
        return f"{target} (schema {self.schema})" if self.schema else target

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        async with self._open_lock:
            if self._pool is not None:
                return
            server_settings = {"application_name": "optout-bot", "TimeZone": "UTC"}
            if self.schema is not None:
                server_settings["search_path"] = f'"{self.schema}"'
            try:
                pool = await asyncpg.create_pool(
                    self.url,
                    min_size=self.min_size,
                    max_size=self.max_size,
                    timeout=self.connect_timeout,
                    command_timeout=self.command_timeout,
                    server_settings=server_settings,
                )
            except ValueError:
                # asyncpg's parse errors quote pieces of the URL (even of the password)
                raise StoreError(
                    f"could not connect to the database {self._where()}: DATABASE_URL cannot be "
                    "parsed (percent-encode / # ? @ : in the user name or password, e.g. / as "
                    "%2F)"
                ) from None
            except _DB_ERRORS as exc:
                raise self._error("connect to the database", exc) from None
            try:
                async with pool.acquire() as conn:
                    try:
                        await apply_postgres_migrations(conn, schema=self.schema)
                    except RuntimeError as exc:
                        text = scrub(str(exc), self.url)
                        raise StoreError(f"{text} (database {self._where()})") from exc
                    salt = await _load_or_create_salt(conn)
                if len(salt) != SALT_BYTES:
                    raise StoreError(f"the salt in {self._where()} is damaged")
            except _DB_ERRORS as exc:
                await _close_quietly(pool)
                raise self._error("open the database", exc) from exc
            except BaseException:
                await _close_quietly(pool)
                raise
            self._pool, self._salt = pool, salt
        try:
            await self.purge()
        except StoreError as exc:  # e.g. a read-only standby: reading still works
            log.warning("retention purge at startup failed: %s", exc)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await asyncio.wait_for(pool.close(), timeout=self.command_timeout)
        except _DB_ERRORS as exc:
            pool.terminate()
            raise self._error("close the database", exc) from exc

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _error(self, action: str, exc: BaseException) -> StoreError:
        text = scrub(str(exc) or type(exc).__name__, self.url)
        state = getattr(exc, "sqlstate", None) or ""
        if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
            why = "the server is read-only (a standby, or default_transaction_read_only is on)"
        elif state.startswith("53"):
            why = "the server is out of disk space or another resource"
        elif state.startswith("28"):
            why = "the server refused the login (check the user and password in the URL)"
        elif state == "3D000":
            why = "the database does not exist (create it first)"
        elif state == "42501":
            why = "the database user lacks a privilege it needs (e.g. CREATE on the schema)"
        elif state.startswith("40"):
            why = f"it kept conflicting with concurrent transactions ({_RETRIES} attempts)"
        elif isinstance(exc, TimeoutError) or state == "57014":
            why = "the server did not answer in time"
        elif _is_connection_error(exc):
            why = "the server cannot be reached or closed the connection"
        elif state == "42P01":
            why = "a table is missing (not an optout-bot database, or changed by hand)"
        else:
            why = "unexpected database error"
        return StoreError(f"could not {action} in {self._where()}: {why} ({text})")

    def _require_pool(self, action: str) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreError(f"could not {action}: the store is not open (call open() first)")
        return self._pool

    async def _run(
        self,
        action: str,
        body: Callable[[asyncpg.Connection], Awaitable[_T]],
        *,
        write: bool,
    ) -> _T:
        """Run ``body`` in one transaction; retry when that is known to be safe.

        Reads use a read-only REPEATABLE READ transaction so multi-query results are one
        consistent snapshot; writes use READ COMMITTED plus explicit row locks. Retried: a
        deadlock or serialization failure (the server rolled the transaction back), and a pooled
        connection found dead before the transaction began (server restart, idle connection
        killed): each such attempt discards one dead connection, so a restarted server costs
        callers nothing. A failure after the body started is never retried (it may have
        committed) and surfaces as ``StoreError``.
        """
        pool = self._require_pool(action)
        isolation = "read_committed" if write else "repeatable_read"
        conflicts = dead = 0
        while True:
            started = False
            try:
                async with (
                    pool.acquire() as conn,
                    conn.transaction(isolation=isolation, readonly=not write),
                ):
                    started = True
                    return await body(conn)
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
                conflicts += 1
                if conflicts >= _RETRIES:
                    raise self._error(action, exc) from exc
                await asyncio.sleep(0.01 * conflicts)
            except _DB_ERRORS as exc:
                dead += 1
                if started or not _is_connection_error(exc) or dead > self.max_size:
                    raise self._error(action, exc) from exc
                log.info(
                    "retrying %s on a fresh connection after: %s", action, scrub(str(exc), self.url)
                )

    # -- salt & settings -----------------------------------------------------------------------

    async def salt(self) -> bytes:
        self._require_pool("read the salt")
        assert self._salt is not None
        return self._salt

    async def get_settings(self, guild_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)

        async def body(conn: asyncpg.Connection) -> GuildSettings:
            return await _read_settings(conn, guild_id)

        return await self._run("read server settings", body, write=False)

    async def update_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        values = normalise_settings_changes(changes)
        scalars = {k: v for k, v in values.items() if k != "answer_channel_ids"}

        async def body(conn: asyncpg.Connection) -> GuildSettings:
            await _lock_guild(conn, guild_id, create=True)
            if scalars:
                assignments = ", ".join(f"{col} = ${i}" for i, col in enumerate(scalars, 2))
                await conn.execute(
                    f"UPDATE guild_settings SET {assignments} WHERE guild_id = $1",
                    guild_id,
                    *scalars.values(),
                )
            if "answer_channel_ids" in values:
                await conn.execute("DELETE FROM answer_channels WHERE guild_id = $1", guild_id)
                await conn.execute(
                    "INSERT INTO answer_channels (guild_id, channel_id)"
                    " SELECT $1, unnest($2::bigint[])",
                    guild_id,
                    sorted(values["answer_channel_ids"]),
                )
            return await _read_settings(conn, guild_id)

        async with self._settings_lock:
            return await self._run("save server settings", body, write=True)

    async def add_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)

        async def body(conn: asyncpg.Connection) -> GuildSettings:
            await _lock_guild(conn, guild_id, create=True)
            await conn.execute(
                "INSERT INTO answer_channels (guild_id, channel_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                guild_id,
                channel_id,
            )
            return await _read_settings(conn, guild_id)

        async with self._settings_lock:
            return await self._run("add an answer channel", body, write=True)

    async def remove_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)

        async def body(conn: asyncpg.Connection) -> GuildSettings:
            await _lock_guild(conn, guild_id, create=False)
            await conn.execute(
                "DELETE FROM answer_channels WHERE guild_id = $1 AND channel_id = $2",
                guild_id,
                channel_id,
            )
            return await _read_settings(conn, guild_id)

        async with self._settings_lock:
            return await self._run("remove an answer channel", body, write=True)

    async def forget_guild(self, guild_id: int) -> None:
        guild_id = check_id("guild_id", guild_id)

        async def body(conn: asyncpg.Connection) -> None:
            for table in ("guild_settings", "gaps", "answer_events", "feedback"):
                await conn.execute(f"DELETE FROM {table} WHERE guild_id = $1", guild_id)

        async with self._settings_lock:
            await self._run("delete a server's data", body, write=True)

    # -- recording -----------------------------------------------------------------------------

    async def _record(
        self, action: str, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord]
    ) -> None:
        """The one write path for answer events and gaps: one transaction, all or none."""
        answer_rows = [
            (a.guild_id, a.entry_id, a.outcome, a.at) for a in (a.checked() for a in answers)
        ]
        gap_rows = [
            (g.guild_id, _no_nul(g.text), g.outcome, g.best_entry_id, g.confidence, g.at)
            for g in (g.checked() for g in gaps)
        ]
        if not answer_rows and not gap_rows:
            return

        async def body(conn: asyncpg.Connection) -> None:
            if answer_rows:
                await conn.executemany(_INSERT_ANSWER, answer_rows)
            if gap_rows:
                await conn.executemany(_INSERT_GAP, gap_rows)

        await self._run(action, body, write=True)

    async def record_feedback(
        self,
        guild_id: int,
        answer_key: str,
        voter_key: bytes | str,
        entry_id: str | None,
        helpful: bool,
        *,
        at: datetime | None = None,
        question: str | None = None,
    ) -> FeedbackResult:
        guild_id = check_id("guild_id", guild_id)
        answer_key = check_answer_key(answer_key)
        key = check_voter_key(voter_key)
        entry_id = check_entry_id(entry_id)
        vote = check_helpful(helpful)
        kept = check_question(vote, question)
        kept = None if kept is None else _no_nul(kept)
        created_at = as_utc(at)

        async def body(conn: asyncpg.Connection) -> FeedbackResult:
            # Atomic against a concurrent vote with the same key: exactly one INSERT wins, the
            # other falls through to the conditional UPDATE (which waits for the winner's row).
            inserted = await conn.fetchval(
                "INSERT INTO feedback"
                " (answer_key, voter_key, guild_id, entry_id, helpful, created_at, question)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (answer_key, voter_key) DO NOTHING RETURNING TRUE",
                answer_key,
                key,
                guild_id,
                entry_id,
                vote,
                created_at,
                kept,
            )
            if inserted:
                return FeedbackResult.NEW
            changed = await conn.fetchval(
                "UPDATE feedback SET helpful = $3, question = $4"
                " WHERE answer_key = $1 AND voter_key = $2 AND helpful <> $3 RETURNING TRUE",
                answer_key,
                key,
                vote,
                kept,
            )
            return FeedbackResult.CHANGED if changed else FeedbackResult.SAME

        return await self._run("record feedback", body, write=True)

    async def dismiss_gap(self, guild_id: int | None, text: str) -> int:
        guild_id = check_guild_filter(guild_id)
        text = _no_nul(check_gap_text(text))

        async def body(conn: asyncpg.Connection) -> int:
            if guild_id is None:
                status = await conn.execute("DELETE FROM gaps WHERE text = $1", text)
            else:
                status = await conn.execute(
                    "DELETE FROM gaps WHERE text = $1 AND guild_id = $2", text, guild_id
                )
            return int(status.rsplit(" ", 1)[-1])  # "DELETE <n>"

        return await self._run("dismiss an unanswered question", body, write=True)

    # -- queries -------------------------------------------------------------------------------

    async def gaps(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[GapSummary]:
        where, params = _window(guild_id, since)
        limit = check_limit(limit)
        # COLLATE "C": order text by code point, exactly like SQLite and the in-memory twin.
        sql = f"""
            WITH ranked AS (
                SELECT text, outcome, best_entry_id, confidence, created_at,
                       COUNT(*) OVER (PARTITION BY text) AS n,
                       ROW_NUMBER() OVER (
                           PARTITION BY text ORDER BY created_at DESC, id DESC) AS rn
                FROM gaps {where}
            )
            SELECT text, n, created_at, outcome, best_entry_id, confidence
            FROM ranked WHERE rn = 1
            ORDER BY created_at DESC, n DESC, text COLLATE "C" ASC
            LIMIT ${len(params) + 1}
        """

        async def body(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return await conn.fetch(sql, *params, limit)

        rows = await self._run("read unanswered questions", body, write=False)
        return [
            GapSummary(
                text=r["text"],
                count=int(r["n"]),
                last_seen=as_utc(r["created_at"]),
                outcome=Outcome(r["outcome"]),
                best_entry_id=r["best_entry_id"],
                confidence=float(r["confidence"]),
            )
            for r in rows
        ]

    async def disliked(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[DislikedQuestion]:
        where, params = _window(guild_id, since)
        limit = check_limit(limit)
        kept = f"{where} {'AND' if where else 'WHERE'} NOT helpful AND question IS NOT NULL"
        sql = f"""
            WITH ranked AS (
                SELECT question, entry_id, created_at,
                       COUNT(*) OVER (PARTITION BY question) AS n,
                       ROW_NUMBER() OVER (
                           PARTITION BY question
                           ORDER BY created_at DESC, entry_id COLLATE "C" ASC NULLS FIRST) AS rn
                FROM feedback {kept}
            )
            SELECT question, n, created_at, entry_id
            FROM ranked WHERE rn = 1
            ORDER BY n DESC, created_at DESC, question COLLATE "C" ASC
            LIMIT ${len(params) + 1}
        """

        async def body(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return await conn.fetch(sql, *params, limit)

        rows = await self._run("read disliked questions", body, write=False)
        return [
            DislikedQuestion(r["question"], int(r["n"]), as_utc(r["created_at"]), r["entry_id"])
            for r in rows
        ]

    async def stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> AnswerStats:
        where, params = _window(guild_id, since)
        answered_filter = f"{where} {'AND' if where else 'WHERE'} outcome = '{Outcome.ANSWER}'"

        async def body(conn: asyncpg.Connection) -> tuple[list[Any], list[Any]]:
            by_outcome = await conn.fetch(
                f"SELECT outcome, COUNT(*) FROM answer_events {where} GROUP BY outcome", *params
            )
            per_entry = await conn.fetch(
                f"SELECT entry_id, COUNT(*) AS n FROM answer_events {answered_filter}"
                ' AND entry_id IS NOT NULL GROUP BY entry_id ORDER BY n DESC, entry_id COLLATE "C"',
                *params,
            )
            return by_outcome, per_entry

        by_outcome, per_entry = await self._run("read answer statistics", body, write=False)
        counts = {outcome: int(n) for outcome, n in by_outcome}
        return AnswerStats(
            total=sum(counts.values()),
            answered=counts.get(Outcome.ANSWER, 0),
            declined=counts.get(Outcome.DECLINE, 0),
            clarify=counts.get(Outcome.CLARIFY, 0),
            answers_per_entry={entry: int(n) for entry, n in per_entry},
        )

    async def feedback_stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> FeedbackStats:
        where, params = _window(guild_id, since)

        async def body(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return await conn.fetch(
                "SELECT entry_id, COUNT(*) FILTER (WHERE helpful),"
                f" COUNT(*) FILTER (WHERE NOT helpful) FROM feedback {where}"
                ' GROUP BY entry_id ORDER BY entry_id COLLATE "C"',
                *params,
            )

        rows = await self._run("read feedback statistics", body, write=False)
        return FeedbackStats(
            per_entry={entry: EntryFeedback(int(h), int(nh)) for entry, h, nh in rows}
        )

    # -- retention -----------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> PurgeResult:
        cutoff = retention_cutoff(self.retention_days, now)

        async def body(conn: asyncpg.Connection) -> dict[str, int]:
            counts: dict[str, int] = {}
            for name, table in _PURGED_TABLES:
                status = await conn.execute(f"DELETE FROM {table} WHERE created_at < $1", cutoff)
                counts[name] = int(status.rsplit(" ", 1)[-1])  # "DELETE <n>"
            return counts

        return PurgeResult(**await self._run("purge expired data", body, write=True))

    # -- introspection (tests, diagnostics) ----------------------------------------------------

    async def schema_version(self) -> int:
        return await self._run("read the schema version", postgres_version, write=False)

    async def table_columns(self) -> dict[str, list[str]]:
        """Every table in the store's schema and its column names (used by the privacy test)."""

        async def body(conn: asyncpg.Connection) -> dict[str, list[str]]:
            rows = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema()"
                " ORDER BY table_name, ordinal_position"
            )
            result: dict[str, list[str]] = {}
            for row in rows:
                result.setdefault(row["table_name"], []).append(row["column_name"])
            return result

        return await self._run("read the schema", body, write=False)


def _is_connection_error(exc: BaseException) -> bool:
    """The connection (not the statement) failed: server gone, restarted or unreachable."""
    if isinstance(exc, TimeoutError):  # an OSError, but a slow server is not a dead one
        return False
    state = getattr(exc, "sqlstate", None) or ""
    return (
        state.startswith(("08", "57P"))
        or isinstance(exc, OSError | asyncpg.InterfaceError | asyncpg.InternalClientError)
        or "connection" in str(exc).lower()
    )


def _window(guild_id: int | None, since: datetime | None) -> tuple[str, Sequence[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    guild_id = check_guild_filter(guild_id)
    if guild_id is not None:
        params.append(guild_id)
        clauses.append(f"guild_id = ${len(params)}")
    if since is not None:
        params.append(as_utc(since))
        clauses.append(f"created_at >= ${len(params)}")
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


async def _lock_guild(conn: asyncpg.Connection, guild_id: int, *, create: bool) -> None:
    """Lock the server's settings row for this transaction (creating it with defaults)."""
    if create:
        await conn.execute(
            "INSERT INTO guild_settings (guild_id) VALUES ($1) ON CONFLICT DO NOTHING", guild_id
        )
    await conn.execute("SELECT 1 FROM guild_settings WHERE guild_id = $1 FOR UPDATE", guild_id)


async def _read_settings(conn: asyncpg.Connection, guild_id: int) -> GuildSettings:
    row = await conn.fetchrow(
        "SELECT moderator_role_id, log_channel_id, default_region, auto_answer, default_language,"
        " ARRAY(SELECT channel_id FROM answer_channels c WHERE c.guild_id = s.guild_id)"
        " AS channels FROM guild_settings s WHERE guild_id = $1",
        guild_id,
    )
    if row is None:
        return GuildSettings(guild_id=guild_id)
    return GuildSettings(
        guild_id=guild_id,
        answer_channel_ids=frozenset(int(c) for c in row["channels"]),
        moderator_role_id=row["moderator_role_id"],
        log_channel_id=row["log_channel_id"],
        default_region=row["default_region"],
        auto_answer=bool(row["auto_answer"]),
        default_language=row["default_language"],
    )


async def _load_or_create_salt(conn: asyncpg.Connection) -> bytes:
    query = "SELECT value FROM meta WHERE key = $1"
    salt = await conn.fetchval(query, _SALT_KEY)
    if salt is None:  # first start; ON CONFLICT makes a racing process's salt win, once
        await conn.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            _SALT_KEY,
            os.urandom(SALT_BYTES),
        )
        salt = await conn.fetchval(query, _SALT_KEY)
    return bytes(salt)


async def _close_quietly(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), timeout=5)
    except Exception:
        pool.terminate()
