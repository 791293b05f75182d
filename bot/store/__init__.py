"""Persistence for optout-bot: server settings, unanswered questions, answer stats, feedback.

Exists as its own layer so the Discord code can remember things without the answering core
knowing about storage (this package imports neither discord nor bot.answering/bot.knowledge).

Privacy: no user ids are ever stored. Usage::

    store = open_store(settings.DATABASE_PATH, retention_days=30)
    async with store:              # or: await store.open() ... await store.close()
        await store.record_answer(guild_id, "entry-id", "answered")
"""

from __future__ import annotations

import os

from bot.store.base import (
    DEFAULT_RETENTION_DAYS,
    GAP_TEXT_MAX_CHARS,
    REGIONS,
    AnswerOutcome,
    AnswerStats,
    EntryFeedback,
    FeedbackResult,
    FeedbackStats,
    GapOutcome,
    GapSummary,
    GuildSettings,
    PurgeResult,
    Region,
    Store,
    StoreError,
    make_voter_key,
)
from bot.store.memory import InMemoryStore
from bot.store.sqlite import DEFAULT_DATABASE_PATH, SqliteStore

__all__ = [
    "DEFAULT_DATABASE_PATH",
    "DEFAULT_RETENTION_DAYS",
    "GAP_TEXT_MAX_CHARS",
    "REGIONS",
    "AnswerOutcome",
    "AnswerStats",
    "EntryFeedback",
    "FeedbackResult",
    "FeedbackStats",
    "GapOutcome",
    "GapSummary",
    "GuildSettings",
    "InMemoryStore",
    "PurgeResult",
    "Region",
    "SqliteStore",
    "Store",
    "StoreError",
    "make_voter_key",
    "open_store",
]


def open_store(
    database_path: str | os.PathLike[str] | None,
    retention_days: int = DEFAULT_RETENTION_DAYS,
) -> Store:
    """Pick the backend for a configured path; the caller then ``await store.open()``s it
    (or uses ``async with``). Nothing touches the disk until ``open()``.

    ``None``, ``""`` or ``":memory:"`` → ``InMemoryStore`` (nothing persisted, salt changes on
    every start). Anything else → ``SqliteStore`` at that path, created with its parent
    directories on first ``open()``.
    """
    if database_path is None or str(database_path).strip() in ("", ":memory:"):
        return InMemoryStore(retention_days=retention_days)
    return SqliteStore(database_path, retention_days=retention_days)
