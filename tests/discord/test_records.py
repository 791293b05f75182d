"""The SettingsCache's copy of each server's settings: re-read in the background after
SETTINGS_TTL (the copy keeps serving meanwhile, and when the store fails), replaced at once
by this process's own changes, one read for many concurrent misses, never cached when the
first read fails. And the AnswerLog's records: many concurrent answers, few transactions."""

from __future__ import annotations

import asyncio

import pytest

from bot.outcome import Outcome
from bot.services import record_writer, settings_cache
from bot.services.record_limits import GAPS_PER_SERVER_HOUR, GAPS_PER_USER_HOUR
from bot.services.records import AnswerLog
from bot.services.settings_cache import SETTINGS_TTL, SettingsCache
from bot.services.store_guard import StoreGuard
from bot.store import AnswerRecord, GuildSettings, InMemoryStore, StoreError

GUILD = 7


class CountingStore(InMemoryStore):
    """An in-memory store that counts settings reads and can be made to fail or stall."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.failing = False
        self.gate: asyncio.Event | None = None
        self.slow_reply = False  # read now, answer when the gate opens (a slow network)

    async def get_settings(self, guild_id: int) -> GuildSettings:
        self.reads += 1
        read = await super().get_settings(guild_id) if self.slow_reply else None
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise StoreError("disk on fire")
        return read or await super().get_settings(guild_id)


async def settle() -> None:
    """Let background reads finish."""
    for _ in range(5):
        await asyncio.sleep(0)


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
def guard(store) -> StoreGuard:
    return StoreGuard(store)


@pytest.fixture
def cache(guard, clock) -> SettingsCache:
    return SettingsCache(guard, clock=clock)


@pytest.fixture
def answer_log(guard, clock) -> AnswerLog:
    return AnswerLog(guard, clock=clock)


async def test_settings_are_read_once_per_ttl(cache, store, clock) -> None:
    await store.update_settings(GUILD, default_region="eu")
    assert await cache.default_region(GUILD) == "eu"
    await store.update_settings(GUILD, default_region="uk")  # e.g. another process
    clock.now += SETTINGS_TTL - 0.1
    assert await cache.default_region(GUILD) == "eu"
    assert (await cache.settings(GUILD)).default_region == "eu"
    assert store.reads == 1
    clock.now += 0.2
    assert await cache.default_region(GUILD) == "eu"  # stale copy now, fresh read started
    await settle()
    assert await cache.default_region(GUILD) == "uk"
    assert store.reads == 2


async def test_a_failing_store_keeps_the_last_good_copy(cache, store, clock) -> None:
    await store.update_settings(GUILD, default_region="eu", auto_answer=False)
    assert await cache.default_region(GUILD) == "eu"
    store.failing = True
    for _ in range(3):
        clock.now += SETTINGS_TTL + 1
        held = await cache.settings(GUILD)
        await settle()
        assert held is not None and held.default_region == "eu" and held.auto_answer is False
    assert store.reads == 4  # it kept trying, one read at a time
    store.failing = False
    clock.now += SETTINGS_TTL + 1
    await cache.settings(GUILD)
    await settle()
    await store.update_settings(GUILD, default_region="uk")
    assert await cache.default_region(GUILD) == "eu"  # the fresh copy, within its TTL


async def test_own_changes_apply_at_once(cache, store) -> None:
    assert await cache.default_region(GUILD) is None
    changed = await store.update_settings(GUILD, default_region="ch")
    cache.remember_settings(changed)
    assert await cache.default_region(GUILD) == "ch"
    cache.forget_settings(GUILD)
    await store.update_settings(GUILD, default_region="us")
    assert await cache.default_region(GUILD) == "us"
    assert store.reads == 2


async def test_a_read_running_during_a_change_cannot_bring_old_settings_back(
    cache, store, clock
) -> None:
    await store.update_settings(GUILD, default_region="eu")
    assert await cache.default_region(GUILD) == "eu"
    clock.now += SETTINGS_TTL + 1
    store.gate, store.slow_reply = asyncio.Event(), True
    await cache.settings(GUILD)  # starts a background read: it reads "eu", then waits
    await settle()
    cache.remember_settings(await store.update_settings(GUILD, default_region="uk"))
    store.gate.set()  # the read now returns the old "eu"
    await settle()
    assert await cache.default_region(GUILD) == "uk"


async def test_concurrent_misses_share_one_read(cache, store) -> None:
    await store.update_settings(GUILD, auto_answer=False)
    store.gate = asyncio.Event()
    waiting = [asyncio.create_task(cache.settings(GUILD)) for _ in range(50)]
    await asyncio.sleep(0.01)
    store.gate.set()
    results = await asyncio.gather(*waiting)
    assert store.reads == 1
    assert all(r is not None and r.auto_answer is False for r in results)


async def test_a_cancelled_caller_does_not_cancel_the_read(cache, store) -> None:
    store.gate = asyncio.Event()
    first = asyncio.create_task(cache.settings(GUILD))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(cache.settings(GUILD))
    await asyncio.sleep(0.01)
    first.cancel()
    store.gate.set()
    assert await asyncio.wait_for(second, 1.0) == GuildSettings(GUILD)
    assert store.reads == 1


async def test_storage_down_is_not_cached(cache, store) -> None:
    store.failing = True
    assert await cache.settings(GUILD) is None
    assert await cache.default_region(GUILD) is None
    store.failing = False
    await store.update_settings(GUILD, default_region="eu")
    assert await cache.default_region(GUILD) == "eu"  # at once, no TTL to wait out


async def test_prefetch_reads_ahead_once(cache, store) -> None:
    await store.update_settings(GUILD, default_region="ch")
    await asyncio.gather(*(cache.prefetch_settings(GUILD) for _ in range(5)))
    await cache.prefetch_settings(GUILD)  # already held: no read
    assert await cache.default_region(GUILD) == "ch"
    assert store.reads == 1


async def test_no_guild_means_no_read(cache, store) -> None:
    assert await cache.default_region(None) is None
    assert store.reads == 0


async def test_the_copy_is_bounded(cache, store, monkeypatch) -> None:
    monkeypatch.setattr(settings_cache, "SETTINGS_CACHED", 3)
    for guild in range(10):
        await cache.settings(guild)
    await cache.settings(9)
    assert store.reads == 10  # the newest three are still held
    await cache.settings(0)
    assert store.reads == 11  # the oldest went


# -- answer records ------------------------------------------------------------------------


class BatchCountingStore(InMemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []
        self.gate: asyncio.Event | None = None

    async def record_events(self, answers, gaps=()):
        self.writes.append(len(answers))
        if self.gate is not None:
            await self.gate.wait()
        await super().record_events(answers, gaps)


def an_answer(fixture_engine, question: str = "how do i opt out"):
    return fixture_engine.answer(question)


async def test_concurrent_answers_share_few_transactions(fixture_engine) -> None:
    store = BatchCountingStore()
    await store.open()
    answer_log = AnswerLog(StoreGuard(store))
    answer = an_answer(fixture_engine)
    unsure = an_answer(fixture_engine, "recipe for banana bread")
    await asyncio.gather(
        *(answer_log.answered(GUILD, answer, free_text=False) for _ in range(500)),
        *(answer_log.answered(None, unsure, free_text=True) for _ in range(100)),
    )
    assert sum(store.writes) == 600
    assert len(store.writes) <= 3  # the first write, then everything that queued meanwhile
    assert (await store.stats(GUILD)).answered == 500
    assert (await store.stats(0)).declined == 100
    (gap,) = await store.gaps(0)
    assert gap.text == "recipe for banana bread" and gap.count == 100


async def test_a_slow_store_delays_no_answer_and_loses_no_record(fixture_engine) -> None:
    store = BatchCountingStore()
    await store.open()
    answer_log = AnswerLog(StoreGuard(store, timeout=0.05))
    store.gate = asyncio.Event()
    started = asyncio.get_running_loop().time()
    await answer_log.answered(GUILD, an_answer(fixture_engine), free_text=False)
    await answer_log.answered(GUILD, an_answer(fixture_engine), free_text=False)
    assert asyncio.get_running_loop().time() - started < 0.5  # each waited 0.05 s at most
    store.gate.set()
    await answer_log.drain()
    assert (await store.stats(GUILD)).total == 2


async def test_a_full_queue_drops_the_oldest(monkeypatch) -> None:
    monkeypatch.setattr(record_writer, "QUEUE_MAX", 3)
    gate = asyncio.Event()
    written: list[str | None] = []

    async def write(answers, gaps) -> bool:
        await gate.wait()
        written.extend(a.entry_id for a in answers)
        return True

    writer = record_writer.RecordWriter(write)
    first = writer.submit([AnswerRecord(1, "e0", Outcome.ANSWER)])
    await asyncio.sleep(0)  # the first batch (e0) is now being written
    saved = [writer.submit([AnswerRecord(1, f"e{n}", Outcome.ANSWER)]) for n in range(1, 6)]
    assert writer.dropped == 2 and writer.pending == 3
    gate.set()
    await writer.flush()
    assert written == ["e0", "e3", "e4", "e5"]
    assert first.result() is True
    assert [f.result() for f in saved] == [False, False, True, True, True]


async def test_a_failing_write_does_not_stall_later_records() -> None:
    calls: list[int] = []

    async def write(answers, gaps) -> bool:
        calls.append(len(answers))
        if len(calls) == 1:
            raise RuntimeError("bug")
        return True

    writer = record_writer.RecordWriter(write)
    first = writer.submit([AnswerRecord(1, "a", Outcome.ANSWER)])
    await asyncio.sleep(0)
    second = writer.submit([AnswerRecord(1, "b", Outcome.ANSWER)])
    await writer.flush()
    assert (first.result(), second.result()) == (False, True)


# -- issue 14.5: one member cannot bury /kb gaps or inflate /kb stats ---------------------------

USER = 412_345_678_901_234_567


async def _gaps_kept(store, guild_id=None) -> int:
    return sum(g.count for g in await store.gaps(guild_id, limit=1000))


async def test_one_member_cannot_bury_the_gaps(answer_log, store, clock, fixture_engine) -> None:
    declined = fixture_engine.answer("blorp zzqx wibble")
    assert declined.outcome == "decline"
    for _ in range(100):
        await answer_log.answered(GUILD, declined, free_text=True, user_id=USER)
    assert await _gaps_kept(store) == GAPS_PER_USER_HOUR
    assert (await store.stats(GUILD)).total == 100  # every question still counts
    await answer_log.answered(GUILD, declined, free_text=True, user_id=USER + 1)
    assert await _gaps_kept(store) == GAPS_PER_USER_HOUR + 1  # others are not muted
    clock.now += 3600
    await answer_log.answered(GUILD, declined, free_text=True, user_id=USER)
    assert await _gaps_kept(store) == GAPS_PER_USER_HOUR + 2  # the next hour counts afresh
    # the limits remember people only by a keyed hash
    keys = list(answer_log.limits._user_gaps)
    assert keys and all(isinstance(k, bytes) and len(k) == 32 for k in keys)
    assert str(USER).encode() not in b"".join(keys)


async def test_a_server_cannot_fill_the_gaps_past_its_hourly_cap(
    answer_log, store, fixture_engine
) -> None:
    declined = fixture_engine.answer("blorp zzqx wibble")
    for user in range(GAPS_PER_SERVER_HOUR + 50):
        await answer_log.answered(GUILD, declined, free_text=True, user_id=user)
    assert await _gaps_kept(store, GUILD) == GAPS_PER_SERVER_HOUR
    for user in range(3):  # another server and DMs are counted apart
        await answer_log.answered(GUILD + 1, declined, free_text=True, user_id=user)
        await answer_log.answered(None, declined, free_text=True, user_id=user)
    assert await _gaps_kept(store, GUILD + 1) == 3 and await _gaps_kept(store, 0) == 3


async def test_a_click_counts_once_per_person_topic_and_window(
    answer_log, store, clock, fixture_engine
) -> None:
    answer = fixture_engine.answer_entry("private-messages")
    for _ in range(100):
        await answer_log.answered(GUILD, answer, free_text=False, user_id=USER, clicked_in="m1")
    assert (await store.stats(GUILD)).answered == 1
    await answer_log.answered(GUILD, answer, free_text=False, user_id=USER + 1, clicked_in="m1")
    await answer_log.answered(GUILD, answer, free_text=False, user_id=USER, clicked_in="m2")
    other = fixture_engine.answer_entry("regions")
    await answer_log.answered(GUILD, other, free_text=False, user_id=USER, clicked_in="m1")
    assert (await store.stats(GUILD)).answered == 4
    clock.now += 3600
    await answer_log.answered(GUILD, answer, free_text=False, user_id=USER, clicked_in="m1")
    assert (await store.stats(GUILD)).answered == 5
