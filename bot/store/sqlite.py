"""SQLite implementation of ``Store`` (via aiosqlite), used in production.

Exists so settings, gaps, stats and feedback survive restarts in one local file with no server
to run. Durability choices: WAL journal with ``synchronous=NORMAL`` (a killed process or power
loss can at worst lose the last few commits, never corrupt the file), every write is one short
``BEGIN IMMEDIATE`` transaction, and ``secure_delete`` so purged rows are overwritten on disk.
Every sqlite/OS failure is re-raised as ``StoreError`` with a message saying what to fix.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

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
    time_from_db,
    time_to_db,
)
from bot.store.migrations import apply_migrations

__all__ = ["DEFAULT_BUSY_TIMEOUT_MS", "DEFAULT_DATABASE_PATH", "SqliteStore"]

log = logging.getLogger(__name__)

DEFAULT_DATABASE_PATH = "optout-bot.sqlite3"
DEFAULT_BUSY_TIMEOUT_MS = 5000
SALT_BYTES = 32
_SALT_KEY = "voter_key_salt"
_INSERT_ANSWER = (
    "INSERT INTO answer_events (guild_id, entry_id, outcome, created_at) VALUES (?, ?, ?, ?)"
)
_INSERT_GAP = (
    "INSERT INTO gaps (guild_id, text, outcome, best_entry_id, confidence, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
# (PurgeResult field, table): everything with a created_at is subject to retention.
_PURGED_TABLES = (("gaps", "gaps"), ("answers", "answer_events"), ("feedback", "feedback"))


class SqliteStore(RecordsEvents):
    """``Store`` backed by one SQLite file. Use ``async with SqliteStore(path) as store:``.

    One connection per store; an ``asyncio.Lock`` keeps each transaction's statements together
    when many tasks call in at once. Several processes may share the file (WAL + busy_timeout).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        retention_days: int = DEFAULT_RETENTION_DAYS,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        self.path = Path(path)
        self.retention_days = check_retention_days(retention_days)
        if isinstance(busy_timeout_ms, bool) or not isinstance(busy_timeout_ms, int):
            raise ValueError("busy_timeout_ms must be an int")
        self.busy_timeout_ms = max(0, busy_timeout_ms)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._unsettled = False  # a cancelled statement may still be queued in the thread
        self._salt: bytes | None = None

    def __repr__(self) -> str:
        state = "open" if self._conn is not None else "closed"
        return f"SqliteStore({str(self.path)!r}, retention_days={self.retention_days}, {state})"

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._conn is not None:
            return
        try:
            await asyncio.to_thread(self.path.parent.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory for the database {str(self.path)!r}: {exc}"
            ) from exc
        try:
            conn = await aiosqlite.connect(
                self.path, isolation_level=None, timeout=self.busy_timeout_ms / 1000
            )
        except sqlite3.Error as exc:
            raise self._error("open the database", exc) from exc
        try:
            await self._configure(conn)
            try:
                await apply_migrations(conn)
            except RuntimeError as exc:
                raise StoreError(f"{exc} (database {str(self.path)!r})") from exc
            self._salt = await self._load_or_create_salt(conn)
        except sqlite3.Error as exc:
            await _close_quietly(conn)
            raise self._error("open the database", exc) from exc
        except BaseException:
            await _close_quietly(conn)
            raise
        self._conn = conn
        try:
            await self.purge()
        except StoreError as exc:  # e.g. read-only file: reading still works, so keep going
            log.warning("retention purge at startup failed: %s", exc)

    async def _configure(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
        async with conn.execute("PRAGMA journal_mode = WAL") as cursor:
            row = await cursor.fetchone()
        mode = str(row[0]).lower() if row else "unknown"
        if mode != "wal":
            log.warning("database %s is in journal_mode=%s, not WAL", self.path, mode)
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA secure_delete = ON")

    async def _load_or_create_salt(self, conn: aiosqlite.Connection) -> bytes:
        salt = await _fetch_salt(conn)
        if salt is None:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                await conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                    (_SALT_KEY, os.urandom(SALT_BYTES)),
                )
                salt = await _fetch_salt(conn)
                await conn.execute("COMMIT")
            except BaseException:
                await _rollback_quietly(conn)
                raise
        if salt is None or len(salt) != SALT_BYTES:
            raise StoreError(f"the salt in {str(self.path)!r} is missing or damaged")
        return salt

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.close()
        except sqlite3.Error as exc:
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
        text = str(exc)
        lowered = text.lower()
        if "readonly" in lowered or "read-only" in lowered:
            why = "the database file or its directory is read-only"
        elif "locked" in lowered or "busy" in lowered:
            why = (
                f"the database stayed locked by another connection for more than "
                f"{self.busy_timeout_ms} ms"
            )
        elif "full" in lowered:
            why = "the disk (or the filesystem quota) is full"
        elif "unable to open" in lowered:
            why = "the file cannot be opened (check the path and permissions)"
        elif "malformed" in lowered or "not a database" in lowered:
            why = "the file is damaged or is not an optout-bot database"
        elif "i/o" in lowered:
            why = "the operating system reported an I/O error"
        else:
            why = "unexpected database error"
        return StoreError(f"could not {action} in {str(self.path)!r}: {why} ({text})")

    def _connection(self, action: str) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreError(f"could not {action}: the store is not open (call open() first)")
        return self._conn

    @asynccontextmanager
    async def _transaction(self, action: str, *, write: bool) -> AsyncIterator[Any]:
        conn = self._connection(action)
        async with self._lock:
            try:
                if self._unsettled:
                    # A cancelled BEGIN/COMMIT may still run later in aiosqlite's thread;
                    # a ROLLBACK queued behind it (the thread runs calls in order) clears it.
                    with suppress(sqlite3.Error):
                        await conn.execute("ROLLBACK")
                    self._unsettled = False
                try:
                    await conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                except asyncio.CancelledError:
                    self._unsettled = True
                    raise
                try:
                    yield conn
                    await conn.execute("COMMIT")
                except BaseException as exc:
                    if isinstance(exc, asyncio.CancelledError):
                        self._unsettled = True
                    await _rollback_quietly(conn)
                    raise
            except sqlite3.Error as exc:
                raise self._error(action, exc) from exc
            except ValueError as exc:  # aiosqlite: "no active connection" after a crash
                if "connection" not in str(exc).lower():
                    raise
                raise self._error(action, exc) from exc

    # -- salt & settings -----------------------------------------------------------------------

    async def salt(self) -> bytes:
        self._connection("read the salt")
        assert self._salt is not None
        return self._salt

    async def get_settings(self, guild_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        async with self._transaction("read server settings", write=False) as conn:
            return await _read_settings(conn, guild_id)

    async def update_settings(self, guild_id: int, **changes: Any) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        values = normalise_settings_changes(changes)
        async with self._transaction("save server settings", write=True) as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,)
            )
            scalars = {k: v for k, v in values.items() if k != "answer_channel_ids"}
            if "auto_answer" in scalars:
                scalars["auto_answer"] = int(scalars["auto_answer"])
            if scalars:
                assignments = ", ".join(f"{column} = ?" for column in scalars)
                await conn.execute(
                    f"UPDATE guild_settings SET {assignments} WHERE guild_id = ?",
                    (*scalars.values(), guild_id),
                )
            if "answer_channel_ids" in values:
                await conn.execute("DELETE FROM answer_channels WHERE guild_id = ?", (guild_id,))
                await conn.executemany(
                    "INSERT INTO answer_channels (guild_id, channel_id) VALUES (?, ?)",
                    [(guild_id, c) for c in sorted(values["answer_channel_ids"])],
                )
            return await _read_settings(conn, guild_id)

    async def add_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)
        async with self._transaction("add an answer channel", write=True) as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO guild_settings (guild_id) VALUES (?)", (guild_id,)
            )
            await conn.execute(
                "INSERT OR IGNORE INTO answer_channels (guild_id, channel_id) VALUES (?, ?)",
                (guild_id, channel_id),
            )
            return await _read_settings(conn, guild_id)

    async def remove_answer_channel(self, guild_id: int, channel_id: int) -> GuildSettings:
        guild_id = check_id("guild_id", guild_id)
        channel_id = check_id("channel_id", channel_id)
        async with self._transaction("remove an answer channel", write=True) as conn:
            await conn.execute(
                "DELETE FROM answer_channels WHERE guild_id = ? AND channel_id = ?",
                (guild_id, channel_id),
            )
            return await _read_settings(conn, guild_id)

    async def forget_guild(self, guild_id: int) -> None:
        guild_id = check_id("guild_id", guild_id)
        deleted = 0
        async with self._transaction("delete a server's data", write=True) as conn:
            for table in ("guild_settings", "gaps", "answer_events", "feedback"):
                async with conn.execute(
                    f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,)
                ) as cursor:
                    deleted += max(cursor.rowcount, 0)
        if deleted:
            await self._checkpoint("delete a server's data")

    # -- recording -----------------------------------------------------------------------------

    async def _record(
        self, action: str, answers: Sequence[AnswerRecord], gaps: Sequence[GapRecord]
    ) -> None:
        """The one write path for answer events and gaps: one transaction, all or none."""
        answer_rows = [
            (a.guild_id, a.entry_id, a.outcome, time_to_db(a.at))
            for a in (a.checked() for a in answers)
        ]
        gap_rows = [
            (g.guild_id, g.text, g.outcome, g.best_entry_id, g.confidence, time_to_db(g.at))
            for g in (g.checked() for g in gaps)
        ]
        if not answer_rows and not gap_rows:
            return
        async with self._transaction(action, write=True) as conn:
            if answer_rows:
                await conn.executemany(_INSERT_ANSWER, answer_rows)
            if gap_rows:
                await conn.executemany(_INSERT_GAP, gap_rows)

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
        vote = int(check_helpful(helpful))
        question = check_question(helpful, question)
        created_at = time_to_db(as_utc(at))
        async with self._transaction("record feedback", write=True) as conn:
            async with conn.execute(
                "SELECT helpful FROM feedback WHERE answer_key = ? AND voter_key = ?",
                (answer_key, key),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                await conn.execute(
                    "INSERT INTO feedback"
                    " (answer_key, voter_key, guild_id, entry_id, helpful, created_at, question)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (answer_key, key, guild_id, entry_id, vote, created_at, question),
                )
                return FeedbackResult.NEW
            if int(row[0]) == vote:
                return FeedbackResult.SAME
            await conn.execute(
                "UPDATE feedback SET helpful = ?, question = ?"
                " WHERE answer_key = ? AND voter_key = ?",
                (vote, question, answer_key, key),
            )
            return FeedbackResult.CHANGED

    async def dismiss_gap(self, guild_id: int | None, text: str) -> int:
        guild_id = check_guild_filter(guild_id)
        text = check_gap_text(text)
        sql, params = "DELETE FROM gaps WHERE text = ?", [text]
        if guild_id is not None:
            sql, params = sql + " AND guild_id = ?", [text, guild_id]
        action = "dismiss an unanswered question"
        async with self._transaction(action, write=True) as conn, conn.execute(sql, params) as cur:
            deleted = max(cur.rowcount, 0)
        if deleted:
            await self._checkpoint("dismiss an unanswered question")
        return deleted

    # -- queries -------------------------------------------------------------------------------

    async def gaps(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[GapSummary]:
        where, params = _window(guild_id, since)
        limit = check_limit(limit)
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
            ORDER BY created_at DESC, n DESC, text ASC
            LIMIT ?
        """
        async with self._transaction("read unanswered questions", write=False) as conn:
            rows = await conn.execute_fetchall(sql, (*params, limit))
        return [
            GapSummary(
                text=text,
                count=int(n),
                last_seen=time_from_db(created_at),
                outcome=Outcome(outcome),
                best_entry_id=best_entry_id,
                confidence=float(confidence),
            )
            for text, n, created_at, outcome, best_entry_id, confidence in rows
        ]

    async def disliked(
        self, guild_id: int | None = None, since: datetime | None = None, limit: int = 20
    ) -> list[DislikedQuestion]:
        where, params = _window(guild_id, since)
        limit = check_limit(limit)
        kept = f"{where} {'AND' if where else 'WHERE'} helpful = 0 AND question IS NOT NULL"
        sql = f"""
            WITH ranked AS (
                SELECT question, entry_id, created_at,
                       COUNT(*) OVER (PARTITION BY question) AS n,
                       ROW_NUMBER() OVER (
                           PARTITION BY question ORDER BY created_at DESC, entry_id ASC) AS rn
                FROM feedback {kept}
            )
            SELECT question, n, created_at, entry_id
            FROM ranked WHERE rn = 1
            ORDER BY n DESC, created_at DESC, question ASC
            LIMIT ?
        """
        async with self._transaction("read disliked questions", write=False) as conn:
            rows = await conn.execute_fetchall(sql, (*params, limit))
        return [
            DislikedQuestion(text, int(n), time_from_db(created_at), entry_id)
            for text, n, created_at, entry_id in rows
        ]

    async def stats(
        self, guild_id: int | None = None, since: datetime | None = None
    ) -> AnswerStats:
        where, params = _window(guild_id, since)
        answered_filter = f"{where} {'AND' if where else 'WHERE'} outcome = '{Outcome.ANSWER}'"
        async with self._transaction("read answer statistics", write=False) as conn:
            by_outcome = await conn.execute_fetchall(
                f"SELECT outcome, COUNT(*) FROM answer_events {where} GROUP BY outcome", params
            )
            per_entry = await conn.execute_fetchall(
                f"SELECT entry_id, COUNT(*) AS n FROM answer_events {answered_filter}"
                " AND entry_id IS NOT NULL GROUP BY entry_id ORDER BY n DESC, entry_id ASC",
                params,
            )
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
        async with self._transaction("read feedback statistics", write=False) as conn:
            rows = await conn.execute_fetchall(
                f"SELECT entry_id, SUM(helpful), SUM(1 - helpful) FROM feedback {where}"
                " GROUP BY entry_id ORDER BY entry_id",
                params,
            )
        return FeedbackStats(
            per_entry={entry: EntryFeedback(int(h), int(nh)) for entry, h, nh in rows}
        )

    # -- retention -----------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None) -> PurgeResult:
        cutoff = time_to_db(retention_cutoff(self.retention_days, now))
        counts: dict[str, int] = {}
        async with self._transaction("purge expired data", write=True) as conn:
            for name, table in _PURGED_TABLES:
                async with conn.execute(
                    f"DELETE FROM {table} WHERE created_at < ?", (cutoff,)
                ) as cursor:
                    counts[name] = max(cursor.rowcount, 0)
        if any(counts.values()):
            await self._checkpoint("purge expired data")
        return PurgeResult(**counts)

    async def _checkpoint(self, action: str) -> None:
        """Copy the WAL into the database file and truncate it, after rows were deleted.

        ``secure_delete`` zeroes deleted rows, but in WAL mode the zeroed pages go to the WAL
        while the database file (and older WAL frames) still hold the text until a
        checkpoint: only then is "overwritten on disk" true. A reader in another process can
        hold the checkpoint back; the next purge (or SQLite's automatic checkpoint) finishes it.
        """
        conn = self._connection(action)
        async with self._lock:
            try:
                async with conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error as exc:
                log.warning("%s: the WAL checkpoint failed: %s", action, exc)
                return
        if row is not None and row[0]:
            log.info("%s: the WAL checkpoint waits for another reader of %s", action, self.path)

    # -- introspection (tests, diagnostics) ----------------------------------------------------

    async def schema_version(self) -> int:
        async with self._transaction("read the schema version", write=False) as conn:
            rows = await conn.execute_fetchall("PRAGMA user_version")
        return int(next(iter(rows))[0])

    async def table_columns(self) -> dict[str, list[str]]:
        """Every table and its column names (used by the privacy test)."""
        async with self._transaction("read the schema", write=False) as conn:
            tables = await conn.execute_fetchall(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            )
            result: dict[str, list[str]] = {}
            for (table,) in tables:
                info = await conn.execute_fetchall(f"PRAGMA table_info({table})")
                result[table] = [row[1] for row in info]
        return result

    async def pragma(self, name: str) -> Any:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"bad pragma name {name!r}")
        async with self._lock:
            conn = self._connection(f"read PRAGMA {name}")
            try:
                rows = await conn.execute_fetchall(f"PRAGMA {name}")
            except sqlite3.Error as exc:
                raise self._error(f"read PRAGMA {name}", exc) from exc
        return next(iter(rows))[0]


def _window(guild_id: int | None, since: datetime | None) -> tuple[str, Sequence[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    guild_id = check_guild_filter(guild_id)
    if guild_id is not None:
        clauses.append("guild_id = ?")
        params.append(guild_id)
    if since is not None:
        clauses.append("created_at >= ?")
        params.append(time_to_db(as_utc(since)))
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


async def _read_settings(conn: aiosqlite.Connection, guild_id: int) -> GuildSettings:
    rows = list(
        await conn.execute_fetchall(
            "SELECT moderator_role_id, log_channel_id, default_region, auto_answer,"
            " default_language FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
    )
    if not rows:
        return GuildSettings(guild_id=guild_id)
    moderator_role_id, log_channel_id, default_region, auto_answer, language = rows[0]
    channels: Iterable[Any] = await conn.execute_fetchall(
        "SELECT channel_id FROM answer_channels WHERE guild_id = ?", (guild_id,)
    )
    return GuildSettings(
        guild_id=guild_id,
        answer_channel_ids=frozenset(int(c) for (c,) in channels),
        moderator_role_id=moderator_role_id,
        log_channel_id=log_channel_id,
        default_region=default_region,
        auto_answer=bool(auto_answer),
        default_language=language,
    )


async def _fetch_salt(conn: aiosqlite.Connection) -> bytes | None:
    async with conn.execute("SELECT value FROM meta WHERE key = ?", (_SALT_KEY,)) as cursor:
        row = await cursor.fetchone()
    return bytes(row[0]) if row else None


async def _rollback_quietly(conn: aiosqlite.Connection) -> None:
    if conn.in_transaction:
        with suppress(sqlite3.Error, ValueError):
            await conn.execute("ROLLBACK")


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    with suppress(Exception):
        await conn.close()
