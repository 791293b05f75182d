"""Keep stored questions, answer events and votes no longer than the retention period.

The store purges when it opens, but a bot can run for months without restarting; this loop
purges on a schedule so "30 days" stays true while it runs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.store import Store, StoreError

log = logging.getLogger(__name__)

PURGE_EVERY_SECONDS = 6 * 3600


class Job(Protocol):
    """A background job the composition root starts and stops (the front end's scheduler
    runs it: `bot.discord_ui.jobs.RetentionJob` on discord.ext.tasks)."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


async def purge_once(store: Store) -> None:
    """Purge expired rows once; a failing store is logged and tried again next time."""
    try:
        result = await store.purge()
    except StoreError as exc:
        log.warning("retention purge failed (will retry): %s", exc)
        return
    if result.total:
        log.info(
            "retention purge: %d questions, %d answer events, %d votes deleted",
            result.gaps,
            result.answers,
            result.feedback,
        )


async def purge_forever(store: Store, every_seconds: float = PURGE_EVERY_SECONDS) -> None:
    """Purge expired rows now and then every ``every_seconds``; runs until cancelled."""
    while True:
        await purge_once(store)
        await asyncio.sleep(every_seconds)
