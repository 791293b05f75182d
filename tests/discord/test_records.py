"""The Recorder's copy of each server's settings: read once per SETTINGS_TTL, replaced at
once by this process's own changes, one read for many concurrent misses, never cached
while storage is down."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord_ui import records
from bot.discord_ui.records import SETTINGS_TTL, Recorder
from bot.store import GuildSettings, InMemoryStore, StoreError

GUILD = 7


class CountingStore(InMemoryStore):
    """An in-memory store that counts settings reads and can be made to fail or stall."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.failing = False
        self.gate: asyncio.Event | None = None

    async def get_settings(self, guild_id: int) -> GuildSettings:
        self.reads += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise StoreError("disk on fire")
        return await super().get_settings(guild_id)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store():
    store = CountingStore()
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def recorder(store, clock) -> Recorder:
    return Recorder(store, clock=clock)


async def test_settings_are_read_once_per_ttl(recorder, store, clock) -> None:
    await store.update_settings(GUILD, default_region="eu")
    assert await recorder.default_region(GUILD) == "eu"
    await store.update_settings(GUILD, default_region="uk")  # e.g. another process
    clock.now += SETTINGS_TTL - 0.1
    assert await recorder.default_region(GUILD) == "eu"
    assert (await recorder.settings(GUILD)).default_region == "eu"
    assert store.reads == 1
    clock.now += 0.2
    assert await recorder.default_region(GUILD) == "uk"
    assert store.reads == 2


async def test_own_changes_apply_at_once(recorder, store) -> None:
    assert await recorder.default_region(GUILD) is None
    changed = await store.update_settings(GUILD, default_region="ch")
    recorder.remember_settings(changed)
    assert await recorder.default_region(GUILD) == "ch"
    recorder.forget_settings(GUILD)
    await store.update_settings(GUILD, default_region="us")
    assert await recorder.default_region(GUILD) == "us"
    assert store.reads == 2


async def test_concurrent_misses_share_one_read(recorder, store) -> None:
    await store.update_settings(GUILD, auto_answer=False)
    store.gate = asyncio.Event()
    waiting = [asyncio.create_task(recorder.settings(GUILD)) for _ in range(50)]
    await asyncio.sleep(0.01)
    store.gate.set()
    results = await asyncio.gather(*waiting)
    assert store.reads == 1
    assert all(r is not None and r.auto_answer is False for r in results)


async def test_a_cancelled_read_releases_the_others(recorder, store) -> None:
    store.gate = asyncio.Event()
    first = asyncio.create_task(recorder.settings(GUILD))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(recorder.settings(GUILD))
    await asyncio.sleep(0.01)
    first.cancel()
    assert await asyncio.wait_for(second, 1.0) is None
    store.gate = None
    assert await recorder.settings(GUILD) == GuildSettings(GUILD)  # and the next one reads


async def test_storage_down_is_not_cached(recorder, store) -> None:
    store.failing = True
    assert await recorder.settings(GUILD) is None
    assert await recorder.default_region(GUILD) is None
    store.failing = False
    await store.update_settings(GUILD, default_region="eu")
    assert await recorder.default_region(GUILD) == "eu"  # at once, no TTL to wait out


async def test_no_guild_means_no_read(recorder, store) -> None:
    assert await recorder.default_region(None) is None
    assert store.reads == 0


async def test_the_copy_is_bounded(recorder, store, monkeypatch) -> None:
    monkeypatch.setattr(records, "SETTINGS_CACHED", 3)
    for guild in range(10):
        await recorder.settings(guild)
    await recorder.settings(9)
    assert store.reads == 10  # the newest three are still held
    await recorder.settings(0)
    assert store.reads == 11  # the oldest went
