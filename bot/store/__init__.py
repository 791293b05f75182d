"""Persistence for optout-bot: server settings, unanswered questions, answer stats, feedback.

Exists as its own layer so the Discord code can remember things without the answering core
knowing about storage (this package imports neither discord nor bot.answering/bot.knowledge;
only the outcome vocabulary below both, bot.outcome).

Backends: SQLite (the default, one process), PostgreSQL (``DATABASE_URL``, for several processes
sharing one database, e.g. one per group of shards) and an in-memory twin (tests, no persistence).

Privacy: no user ids are ever stored. Usage::

    store = open_store(settings.database_path, settings.retention_days,
                       database_url=settings.database_url)   # None/"" → SQLite
    async with store:              # or: await store.open() ... await store.close()
        await store.record_answer(guild_id, "entry-id", Outcome.ANSWER)
"""

from __future__ import annotations

import os

from bot.store.base import (
    DEFAULT_RETENTION_DAYS,
    GAP_TEXT_MAX_CHARS,
    REGIONS,
    AnswerRecord,
    AnswerStats,
    DislikedQuestion,
    EntryFeedback,
    FeedbackResult,
    FeedbackStats,
    GapRecord,
    GapSummary,
    GuildSettings,
    Outcome,
    PurgeResult,
    Region,
    Store,
    StoreError,
    make_voter_key,
)
from bot.store.memory import InMemoryStore
from bot.store.postgres import PostgresStore, is_postgres_url, redact_url
from bot.store.sqlite import DEFAULT_DATABASE_PATH, SqliteStore

__all__ = [
    "DEFAULT_DATABASE_PATH",
    "DEFAULT_RETENTION_DAYS",
    "GAP_TEXT_MAX_CHARS",
    "REGIONS",
    "AnswerRecord",
    "AnswerStats",
    "DislikedQuestion",
    "EntryFeedback",
    "FeedbackResult",
    "FeedbackStats",
    "GapRecord",
    "GapSummary",
    "GuildSettings",
    "InMemoryStore",
    "Outcome",
    "PostgresStore",
    "PurgeResult",
    "Region",
    "SqliteStore",
    "Store",
    "StoreError",
    "is_postgres_url",
    "make_voter_key",
    "open_store",
    "redact_url",
]


def open_store(
    database_path: str | os.PathLike[str] | None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    *,
    database_url: str | None = None,
) -> Store:
    """Pick the backend for the configured location; the caller then ``await store.open()``s it
    (or uses ``async with``). Nothing touches the disk or the network until ``open()``.

    - ``database_url`` set (non-blank) → ``PostgresStore`` at that ``postgres://`` or
      ``postgresql://`` URL; it wins over ``database_path`` (which usually has a default).
    - ``database_path`` that is itself such a URL → ``PostgresStore`` too.
    - ``database_path`` ``None``, ``""`` or ``":memory:"`` → ``InMemoryStore`` (nothing
      persisted, salt changes on every start).
    - any other ``database_path`` → ``SqliteStore`` at that path, created with its parent
      directories on first ``open()``.

    A ``database_url`` with another scheme is a configuration mistake: ``ValueError`` (the
    message never contains the password).
    """
    url = database_url.strip() if database_url else ""
    if url:
        if not is_postgres_url(url):
            shown = redact_url(url)
            raise ValueError(f"DATABASE_URL must start with postgresql://, got {shown!r}")
        return PostgresStore(url, retention_days=retention_days)
    if is_postgres_url(str(database_path).strip()):
        return PostgresStore(str(database_path).strip(), retention_days=retention_days)
    if database_path is None or str(database_path).strip() in ("", ":memory:"):
        return InMemoryStore(retention_days=retention_days)
    return SqliteStore(database_path, retention_days=retention_days)
