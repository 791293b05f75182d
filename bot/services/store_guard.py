"""Store calls that never block or break an answer: time-boxed, failures logged once.

Storage is a nice-to-have for moderators; a broken database must not silence the bot.
Failures are logged once (until storage works again) and every call is time-boxed so an
interaction still gets its reply within Discord's 3 seconds. The settings cache, the answer
log, votes and the health check all call the store through one `StoreGuard`, so "storage
unavailable" is said once for all of them and shutdown can wait for the calls in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import TypeVar

from bot.store import Store, StoreError

log = logging.getLogger("bot.records")

T = TypeVar("T")
STORE_TIMEOUT = 1.5
BACKGROUND_TIMEOUT = 10.0  # store calls no reply waits on: record batches, settings refresh


class StoreGuard:
    """The failure-tolerant front of the store for the front ends."""

    def __init__(self, store: Store, timeout: float = STORE_TIMEOUT) -> None:
        self.store = store
        self.timeout = timeout
        self._failing = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Count a store call in flight (shutdown waits for them: `idle`)."""
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def idle(self) -> None:
        """Return once no store call is in flight."""
        await self._idle.wait()

    async def safely(self, work: Awaitable[T], default: T, *, seconds: float | None = None) -> T:
        """Await a store call; on StoreError or timeout log once and return `default`.

        ``seconds`` (the time limit) defaults to the guard's short one: a reply may be
        waiting on the call.
        """
        try:
            with self.working():
                async with asyncio.timeout(seconds or self.timeout):
                    result = await work
        except (StoreError, TimeoutError) as exc:
            if not self._failing:
                log.warning("storage unavailable, answering without it: %s", exc)
            self._failing = True
            return default
        if self._failing:
            log.info("storage works again")
            self._failing = False
        return result
