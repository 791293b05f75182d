"""Record answer events and unanswered questions without ever blocking an answer.

Storage is a nice-to-have for moderators; a broken database must not silence the bot.
Failures are logged once (until storage works again) and every call is time-boxed so
an interaction still gets its reply within Discord's 3 seconds.

A server's settings are read for nearly every message (is this an answer channel? which
default region?), so they are kept in memory for SETTINGS_TTL seconds; this process's own
changes (/setup) replace the copy at once, another process's show within the TTL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from bot.answering.answer import Answer
from bot.answering.normalise import clean
from bot.store import GuildSettings, Store, StoreError

log = logging.getLogger("bot.records")

T = TypeVar("T")
LOW_CONFIDENCE = 0.75
STORE_TIMEOUT = 1.5
DRAIN_SECONDS = 2.0
SETTINGS_TTL = 5.0  # seconds a server's settings are reused before reading them again
SETTINGS_CACHED = 10_000  # servers kept in memory at most (least recently used go first)
OUTCOMES = {"answer": "answered", "decline": "declined", "clarify": "clarify"}


class Recorder:
    """Thin, failure-tolerant front of the store for the Discord layer."""

    def __init__(
        self,
        store: Store,
        timeout: float = STORE_TIMEOUT,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.timeout = timeout
        self._clock = clock
        self._failing = False
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._settings: OrderedDict[int, tuple[GuildSettings, float]] = OrderedDict()
        self._reading: dict[int, asyncio.Future[GuildSettings | None]] = {}

    @contextlib.contextmanager
    def _working(self) -> Iterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    async def drain(self) -> None:
        """Before the store closes, let handlers that already replied finish recording.

        Bounded: at most DRAIN_SECONDS, so shutdown stays quick even with a stuck store.
        """
        await asyncio.sleep(0.05)  # a handler between its reply and its record starts now
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                await self._idle.wait()

    async def safely(self, work: Awaitable[T], default: T) -> T:
        """Await a store call; on StoreError or timeout log once and return `default`."""
        try:
            with self._working():
                async with asyncio.timeout(self.timeout):
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

    async def settings(self, guild_id: int) -> GuildSettings | None:
        """The server's settings (at most SETTINGS_TTL old), or None when storage is down.

        Concurrent misses for one server share a single read instead of queueing many.
        """
        cached = self._settings.get(guild_id)
        if cached is not None and cached[1] > self._clock():
            self._settings.move_to_end(guild_id)
            return cached[0]
        if (reading := self._reading.get(guild_id)) is not None:
            return await asyncio.shield(reading)
        future: asyncio.Future[GuildSettings | None] = asyncio.get_running_loop().create_future()
        self._reading[guild_id] = future
        try:
            result = await self.safely(self.store.get_settings(guild_id), None)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            self._reading.pop(guild_id, None)
        future.set_result(result)
        if result is not None:
            self.remember_settings(result)
        return result

    def remember_settings(self, settings: GuildSettings) -> None:
        """Use these settings from now on (after this process changed them)."""
        self._settings[settings.guild_id] = (settings, self._clock() + SETTINGS_TTL)
        self._settings.move_to_end(settings.guild_id)
        while len(self._settings) > SETTINGS_CACHED:
            self._settings.popitem(last=False)

    def forget_settings(self, guild_id: int) -> None:
        self._settings.pop(guild_id, None)

    async def default_region(self, guild_id: int | None) -> str | None:
        """The server's default region, or None (DMs, unset, or storage down)."""
        if guild_id is None:
            return None
        settings = await self.settings(guild_id)
        return settings.default_region if settings else None

    async def answered(self, guild_id: int | None, answer: Answer, *, free_text: bool) -> None:
        """One answer event; for free text also the gap when the bot was unsure."""
        with self._working():
            await self._answered(guild_id, answer, free_text=free_text)

    async def _answered(self, guild_id: int | None, answer: Answer, *, free_text: bool) -> None:
        gid = guild_id or 0
        outcome = OUTCOMES[answer.outcome]
        await self.safely(self.store.record_answer(gid, answer.entry_id, outcome), None)
        if not free_text:
            return
        gap = _gap(answer)
        if gap is None:
            return
        text = clean(answer.question)
        if text:
            kind, best = gap
            await self.safely(self.store.record_gap(gid, text, kind, best, answer.confidence), None)


def _gap(answer: Answer) -> tuple[str, str | None] | None:
    """(gap outcome, best entry) for answers worth a moderator's look, else None."""
    if answer.outcome == "decline":
        return "declined", answer.suggestions[0].id if answer.suggestions else None
    if answer.outcome == "clarify":
        return "clarify", answer.choices[0].id if answer.choices else None
    if answer.confidence < LOW_CONFIDENCE:
        return "low_confidence", answer.entry_id
    return None
