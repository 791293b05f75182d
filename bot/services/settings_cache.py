"""Each server's settings, kept in memory: read for nearly every message (is this an answer
channel? which default region?), so never waited on twice.

A copy is re-read in the background after SETTINGS_TTL seconds; this process's own changes
(/setup) replace the copy at once, another process's show within the TTL plus one read.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.services.store_guard import BACKGROUND_TIMEOUT, StoreGuard
from bot.store import GuildSettings

SETTINGS_TTL = 5.0  # seconds a server's settings are reused before reading them again
PREFETCH_AT_ONCE = 8  # settings reads at start-up, for thousands of servers
SETTINGS_CACHED = 10_000  # servers kept in memory at most (least recently used go first)


class SettingsCache:
    """Each server's settings from the store, through the guard (a dead store never blocks)."""

    def __init__(self, guard: StoreGuard, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.guard = guard
        self._clock = clock
        self._settings: OrderedDict[int, tuple[GuildSettings, float]] = OrderedDict()
        self._reading: dict[int, asyncio.Task[GuildSettings | None]] = {}
        self._changes: dict[int, int] = {}  # per server: how often /setup changed it here
        self._prefetching = asyncio.Semaphore(PREFETCH_AT_ONCE)

    async def settings(self, guild_id: int) -> GuildSettings | None:
        """The server's settings, or None when they could never be read.

        A copy older than SETTINGS_TTL is still used while a fresh one is read in the
        background, and kept if that read fails: a slow or dead store never blocks or
        changes how a message is handled once the server's settings were read once.
        Concurrent first reads for one server share a single read.
        """
        cached = self._settings.get(guild_id)
        if cached is not None:
            self._settings.move_to_end(guild_id)
            if cached[1] <= self._clock():
                self._read(guild_id, seconds=BACKGROUND_TIMEOUT)  # nobody waits on it
            return cached[0]
        return await asyncio.shield(self._read(guild_id, seconds=self.guard.timeout))

    async def prefetch_settings(self, guild_id: int) -> None:
        """Read a server's settings ahead of its first message (a few reads at a time)."""
        if guild_id in self._settings:
            return
        async with self._prefetching:
            await asyncio.shield(self._read(guild_id, seconds=BACKGROUND_TIMEOUT))

    def _read(self, guild_id: int, *, seconds: float) -> asyncio.Task[GuildSettings | None]:
        """The running read of this server's settings, or a new one."""
        task = self._reading.get(guild_id)
        if task is None:
            reading = self._read_and_keep(guild_id, seconds)
            task = asyncio.get_running_loop().create_task(reading)
            self._reading[guild_id] = task
            task.add_done_callback(lambda _: self._reading.pop(guild_id, None))
        return task

    async def _read_and_keep(self, guild_id: int, seconds: float) -> GuildSettings | None:
        changes = self._changes.get(guild_id, 0)
        store = self.guard.store
        result = await self.guard.safely(store.get_settings(guild_id), None, seconds=seconds)
        if result is None:
            return None
        if self._changes.get(guild_id, 0) != changes:
            # /setup changed the settings while this read ran: it may have read the old ones
            return self._settings[guild_id][0] if guild_id in self._settings else result
        self._keep(result)
        return result

    def remember_settings(self, settings: GuildSettings) -> None:
        """Use these settings from now on (after this process changed them); a read that
        started before the change cannot bring the old ones back."""
        self._changes[settings.guild_id] = self._changes.get(settings.guild_id, 0) + 1
        self._keep(settings)

    def forget_settings(self, guild_id: int) -> None:
        self._changes[guild_id] = self._changes.get(guild_id, 0) + 1
        self._settings.pop(guild_id, None)

    def _keep(self, settings: GuildSettings) -> None:
        self._settings[settings.guild_id] = (settings, self._clock() + SETTINGS_TTL)
        self._settings.move_to_end(settings.guild_id)
        while len(self._settings) > SETTINGS_CACHED:
            self._settings.popitem(last=False)

    async def default_region(self, guild_id: int | None) -> str | None:
        """The server's default region, or None (DMs, unset, or storage down)."""
        if guild_id is None:
            return None
        settings = await self.settings(guild_id)
        return settings.default_region if settings else None

    async def default_language(self, guild_id: int | None) -> str | None:
        """The server's answer language for unclear free text, or None (DMs, unset, down)."""
        if guild_id is None:
            return None
        settings = await self.settings(guild_id)
        return settings.default_language if settings else None
