"""Background jobs on discord.ext.tasks: the front end's scheduler for the services layer.

The services layer stays free of Discord; the composition root (`Services.build`) is handed
`RetentionJob` and only calls `start()` and `stop()` on what it makes.
"""

from __future__ import annotations

import asyncio
import contextlib

from discord.ext import tasks

from bot.services.retention import PURGE_EVERY_SECONDS, purge_once
from bot.store import Store


class RetentionJob:
    """Purges expired rows on a schedule while the bot runs: the store purges when it opens,
    but a bot can run for months, and "30 days" must stay true meanwhile."""

    def __init__(self, store: Store, every_seconds: float = PURGE_EVERY_SECONDS) -> None:
        self.store = store
        self.loop = tasks.loop(seconds=every_seconds)(self._purge)

    async def _purge(self) -> None:
        await purge_once(self.store)

    def start(self) -> None:
        if not self.loop.is_running():
            self.loop.start()

    async def stop(self) -> None:
        task = self.loop.get_task()
        self.loop.cancel()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task
