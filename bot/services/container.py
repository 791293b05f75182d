"""The composition root's parts: every service the bot runs on, built once, started and
stopped together.

`Services.build(settings)` makes the engine (from the knowledge folder), the store, the
settings cache and the answer log (both calling the store through one `StoreGuard`), the
knowledge service (reload, check, teach, watch) and the retention job; `start()` and
`stop()` own their lifetimes, so cogs only use them and never build or start anything
themselves. No Discord here: the front end hands in
how background jobs are scheduled (`retention=`, discord.ext.tasks in the Discord bot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.answering.engine import Engine
from bot.config import Settings
from bot.knowledge.loader import LoadResult, default_knowledge_dir
from bot.services.records import AnswerLog
from bot.services.reloader import KnowledgeService, ReloadReport
from bot.services.retention import Job
from bot.services.settings_cache import SettingsCache
from bot.services.store_guard import StoreGuard
from bot.services.validate import load_validated
from bot.store import Store, StoreError, open_store

log = logging.getLogger("bot.services")

#: Called with every reload report worth telling the maintainers about.
ReportSink = Callable[[ReloadReport], Awaitable[None]]


class KnowledgeError(RuntimeError):
    """The knowledge folder has errors; the message lists every problem with file:line."""

    def __init__(self, result: LoadResult) -> None:
        lines = [str(p) for p in result.errors]
        super().__init__("the knowledge base has errors:\n" + "\n".join(lines))
        self.result = result


def knowledge_folder(settings: Settings, engine: Engine) -> Path:
    """The folder the running snapshot came from (settings win, then the snapshot's root)."""
    if settings.knowledge_dir:
        return Path(settings.knowledge_dir)
    root = getattr(engine.kb, "root", "")
    return Path(root) if root else default_knowledge_dir()


@dataclass
class Services:
    """Everything the front end uses, built once by `build()`; `start()`/`stop()` own the
    background work (the store's connection, the knowledge watcher, the retention job)."""

    settings: Settings
    engine: Engine
    store: Store
    store_guard: StoreGuard  # every store call a reply may wait on: time-boxed, logged once
    settings_cache: SettingsCache  # each server's settings, kept in memory
    answer_log: AnswerLog  # answer events and gaps, written in batches
    knowledge: KnowledgeService
    retention: Job
    _watcher: asyncio.Task | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        retention: Callable[[Store], Job],
        engine: Engine | None = None,
        store: Store | None = None,
        report: ReportSink | None = None,
    ) -> Services:
        """Build (no I/O beyond reading the knowledge): tests pass their engine and store.

        ``retention`` makes the job that purges expired rows from the store on a schedule.
        """
        if engine is None:
            # The same validation as `check`, reload and teach, render budget included.
            result = load_validated(settings.knowledge_dir, stale_days=settings.stale_days)
            if result.kb is None:
                raise KnowledgeError(result)
            engine = Engine(result.kb)
        if store is None:
            store = open_store(
                settings.database_path,
                settings.retention_days,
                database_url=settings.database_url,
            )
        knowledge = KnowledgeService(
            engine,
            knowledge_folder(settings, engine),
            stale_days=settings.stale_days,
            on_problems=report,
            on_reloaded=report,
        )
        guard = StoreGuard(store)
        return cls(
            settings,
            engine,
            store,
            guard,
            SettingsCache(guard),
            AnswerLog(guard),
            knowledge,
            retention(store),
        )

    @property
    def watcher(self) -> asyncio.Task | None:
        """The knowledge folder watcher's task while it runs (WATCH_KNOWLEDGE)."""
        return self._watcher

    async def start(self) -> None:
        """Open the store (answering goes on without it), then the background jobs."""
        try:
            await self.store.open()
        except StoreError as exc:
            log.warning("storage could not be opened, answering without it: %s", exc)
        self.retention.start()
        if self.settings.watch_knowledge and self._watcher is None:
            self._watcher = asyncio.create_task(self.knowledge.watch(), name="knowledge-watcher")
            log.info("watching %s for knowledge edits", self.knowledge.root)

    async def stop(self) -> None:
        """Stop the background jobs, let pending records land, then close the store."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None
        await self.retention.stop()
        await self.answer_log.drain()
        try:
            await self.store.close()
        except StoreError as exc:
            log.warning("storage did not close cleanly: %s", exc)
