"""Storage failing under the running bot: answering continues, nothing saved is lost, the
SQLite file is never left corrupt. (Store-level behaviour is in tests/store/.)"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.discord_ui.views import STORE_DOWN_REPLY
from bot.outcome import Outcome
from bot.store import InMemoryStore, SqliteStore, StoreError
from tests.faults.support import (
    OPTOUT_TITLE,
    ack_seconds,
    ask,
    integrity,
    make_bot,
    slash,
    title,
)
from tests.store.test_sqlite import read_only
from tests.testkit import eventually, hold_for

STORE_METHODS = (
    "open", "salt", "get_settings", "update_settings", "add_answer_channel",
    "remove_answer_channel", "forget_guild", "record_gap", "record_answer", "record_events",
    "record_feedback", "gaps", "stats", "feedback_stats", "purge",
)  # fmt: skip


class BrokenStore(InMemoryStore):
    """A store double whose every call fails the way a dead database does."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __getattribute__(self, name: str):
        if name in STORE_METHODS:

            async def fail(*args, **kwargs):
                self.calls += 1
                raise StoreError(f"{name}: disk I/O error")

            return fail
        return super().__getattribute__(name)


async def vote(fake, world, message) -> dict:
    click = await fake.send_component(message, "ob:f:turn-off:y", user=world.user)
    return await fake.wait_for_interaction_response(click)


async def test_every_store_call_failing_never_silences_the_bot(
    fake_discord, world, run_bot, caplog
):
    caplog.set_level(logging.WARNING)
    store = BrokenStore()
    async with run_bot(make_bot(world, store)):
        _, reply = await ask(fake_discord, world, "how do i opt out")
        inter, body = await slash(fake_discord, world, "optout", {"platform": "ios"})
        _, asked = await slash(fake_discord, world, "ask", {"question": "recipe for banana bread"})
        voted = await vote(fake_discord, world, fake_discord.original_response(inter))
        _, again = await ask(fake_discord, world, "are my dms used")
    assert title(reply.json) == OPTOUT_TITLE and title(body["data"]) == OPTOUT_TITLE
    assert title(again.json) == "Are private messages used?"
    assert asked["type"] == 4 and title(asked["data"]) == "I don't know that one"
    assert voted["data"]["content"] == STORE_DOWN_REPLY
    assert ack_seconds(fake_discord, inter) < 3.0
    assert store.calls >= 5
    down = [r for r in caplog.records if "storage unavailable" in r.getMessage()]
    assert len(down) == 1  # logged once, not once per message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
async def seeded_db(tmp_path: Path, world) -> Path:
    path = tmp_path / "data" / "bot.sqlite3"
    async with SqliteStore(path) as store:
        await store.update_settings(int(world.guild["id"]), default_region="uk")
        await store.record_answer(int(world.guild["id"]), "turn-off", Outcome.ANSWER)
        await store.record_feedback(int(world.guild["id"]), "m1", b"k" * 32, "turn-off", True)
    return path


async def assert_earlier_rows_kept(path: Path, guild_id: int) -> None:
    assert integrity(path) == "ok"
    async with SqliteStore(path) as store:
        assert (await store.get_settings(guild_id)).default_region == "uk"
        assert (await store.stats(guild_id)).answers_per_entry.get("turn-off", 0) >= 1
        assert (await store.feedback_stats(guild_id)).per_entry["turn-off"].helpful == 1


async def test_read_only_database_file(fake_discord, world, run_bot, seeded_db):
    guild_id = int(world.guild["id"])
    with read_only(seeded_db):
        store = SqliteStore(seeded_db)
        async with run_bot(make_bot(world, store)):
            inter, body = await slash(fake_discord, world, "optout", {})
            _, reply = await ask(fake_discord, world, "are my dms used")
            voted = await vote(fake_discord, world, fake_discord.original_response(inter))
            _, gap = await ask(fake_discord, world, "recipe for banana bread")
    fields = body["data"]["embeds"][0]["fields"]
    assert fields[0]["name"] == "Where you are: United Kingdom"  # saved settings still read
    assert title(reply.json) == "Are private messages used?" and title(gap.json)
    assert voted["data"]["content"] == STORE_DOWN_REPLY
    assert ack_seconds(fake_discord, inter) < 3.0
    await assert_earlier_rows_kept(seeded_db, guild_id)


async def test_full_disk(fake_discord, world, run_bot, seeded_db):
    guild_id = int(world.guild["id"])
    store = SqliteStore(seeded_db)
    async with run_bot(make_bot(world, store)):
        conn = store._conn
        pages = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
        await conn.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
        for n in range(30):  # gaps keep the text: each write needs room
            _, reply = await ask(fake_discord, world, f"recipe {n} " + "banana " * 30)
            assert title(reply.json)
        _inter, body = await slash(fake_discord, world, "optout", {})
        assert title(body["data"]) == OPTOUT_TITLE
        with pytest.raises(StoreError, match="full"):
            for n in range(200):
                await store.record_gap(guild_id, f"{n:03d}" + "x" * 290, Outcome.DECLINE)
    await assert_earlier_rows_kept(seeded_db, guild_id)


def note_record_writes(store: SqliteStore) -> list[bool]:
    """Whether each of the bot's answer-record writes was saved, in order, once it ended.

    Why: a test waits for the write itself instead of guessing how long it takes."""
    writes: list[bool] = []
    record_events = store.record_events

    async def noting(*args, **kwargs):
        try:
            result = await record_events(*args, **kwargs)
        except BaseException:
            writes.append(False)
            raise
        writes.append(True)
        return result

    store.record_events = noting  # type: ignore[method-assign]
    return writes


@asynccontextmanager
async def locked(path: Path):
    """Another process holds the database's write lock (longer than Discord's 3 s allows)."""
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


async def test_locked_database_still_answers_and_acks_in_time(
    fake_discord, world, run_bot, seeded_db
):
    store = SqliteStore(seeded_db)  # default busy timeout: 5 s, longer than Discord's 3 s
    async with run_bot(make_bot(world, store)), locked(seeded_db):
        _, reply = await ask(fake_discord, world, "how do i opt out", timeout=8.0)
        inter, body = await slash(fake_discord, world, "optout", {}, timeout=8.0)
        _, other = await ask(fake_discord, world, "are my dms used", timeout=8.0)
    assert title(reply.json) == OPTOUT_TITLE and title(body["data"]) == OPTOUT_TITLE
    assert title(other.json) == "Are private messages used?"
    assert ack_seconds(fake_discord, inter) < 3.0
    await assert_earlier_rows_kept(seeded_db, int(world.guild["id"]))


async def test_a_record_made_during_a_short_lock_is_saved_after_it(
    fake_discord, world, run_bot, seeded_db
):
    """Within the busy timeout the record's write waits for the lock instead of failing."""
    guild_id = int(world.guild["id"])
    store = SqliteStore(seeded_db)  # default busy timeout: 5 s
    async with run_bot(make_bot(world, store)):
        before = (await store.stats(guild_id)).total
        async with locked(seeded_db):
            inter, _ = await slash(fake_discord, world, "optout", {}, timeout=8.0)
            await hold_for(1.6)  # the lock lasts longer than a reply may wait for its record
        stats = await eventually(
            lambda: store.stats(guild_id), lambda s: s.total == before + 1, seconds=5.0
        )
        assert stats.total == before + 1
    assert ack_seconds(fake_discord, inter) < 3.0


async def test_after_a_lock_is_released_saving_works_again(
    fake_discord, world, run_bot, seeded_db, caplog
):
    caplog.set_level(logging.INFO)
    guild_id = int(world.guild["id"])
    store = SqliteStore(seeded_db, busy_timeout_ms=200)  # gives up on the lock quickly
    writes = note_record_writes(store)
    async with run_bot(make_bot(world, store)):
        async with locked(seeded_db):
            await slash(fake_discord, world, "optout", {}, timeout=8.0)
            await eventually(lambda: writes, seconds=5.0)  # the answer record's write ended
        before = (await store.stats(guild_id)).answers_per_entry.get("turn-off", 0)
        await slash(fake_discord, world, "optout", {})
        await eventually(lambda: len(writes) >= 2, seconds=5.0)
        after = (await store.stats(guild_id)).answers_per_entry.get("turn-off", 0)
        await store.update_settings(guild_id, default_region="eu")
        await store.update_settings(guild_id, default_region="uk")
    assert after == before + 1
    assert any("storage works again" in r.getMessage() for r in caplog.records)
    await assert_earlier_rows_kept(seeded_db, guild_id)
