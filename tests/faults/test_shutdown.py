"""SIGTERM / Ctrl-C stop a real bot process cleanly within a few seconds; SIGKILL mid-write
never corrupts the database. The fake Discord runs here, the bot in a subprocess."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from bot.outcome import Outcome
from bot.store import SqliteStore
from tests.e2e.fake_discord import BOT_TOKEN, FakeDiscord
from tests.faults.bot_process import NO_COOLDOWNS, spawn
from tests.faults.support import integrity

MESSAGES = r"/channels/\d+/messages"


@pytest.fixture
async def database(tmp_path: Path, world) -> Path:
    path = tmp_path / "bot.sqlite3"
    async with SqliteStore(path) as store:
        await store.update_settings(int(world.guild["id"]), default_region="uk")
        await store.record_feedback(int(world.guild["id"]), "m1", b"k" * 32, "turn-off", True)
    return path


async def start_bot(fake: FakeDiscord, world, database: Path) -> asyncio.subprocess.Process:
    settings = {
        "DATABASE_PATH": str(database),
        "DEV_GUILD_ID": world.guild["id"],
        **NO_COOLDOWNS,
    }
    proc = await spawn(fake.http_url, BOT_TOKEN, settings)
    try:
        await fake.wait_for(
            lambda: (
                fake.requests_matching("PUT", r"/applications/\d+/guilds/\d+/commands")
                or proc.returncode is not None
            ),
            timeout=20.0,
        )
    except TimeoutError:
        proc.kill()
        raise
    assert proc.returncode is None, (await proc.communicate())[1].decode()[-2000:]
    await asyncio.sleep(0.5)  # guild_ready_timeout, then on_ready
    return proc


async def stop(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    with pytest.MonkeyPatch.context():
        try:
            _, err = await asyncio.wait_for(proc.communicate(), 10.0)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
    return proc.returncode, err.decode(errors="replace")


def replies(fake: FakeDiscord) -> list:
    return [r for r in fake.requests_matching("POST", MESSAGES) if r.status == 200]


async def mention(fake: FakeDiscord, world, text: str) -> dict:
    return await fake.send_message_create(
        world.channel["id"], f"<@{fake.bot_user['id']}> {text}", author=world.user
    )


SETTLE = {"settled": 0.3, "immediate": 0.0}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("settle", ["settled", "immediate"])
async def test_signal_stops_the_bot_cleanly_and_keeps_the_data(
    fake_discord, world, database, sig, settle
):
    guild_id = int(world.guild["id"])
    proc = await start_bot(fake_discord, world, database)
    try:
        questions = ("how do i opt out", "are my dms used", "recipe for banana bread")
        asked = [await mention(fake_discord, world, q) for q in questions]
        inter = await fake_discord.send_slash_command(
            "optout", {}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter, 10.0)
        await fake_discord.wait_for(lambda: len(replies(fake_discord)) >= len(asked), timeout=10.0)
        await asyncio.sleep(SETTLE[settle])  # "immediate": the signal right after the replies
        sent = time.monotonic()
        proc.send_signal(sig)
        code, err = await stop(proc)
        took = time.monotonic() - sent
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert code == 0, err[-3000:]
    assert took < 5.0
    assert "shutting down" in err and "stopped cleanly" in err
    assert "Traceback" not in err, err[-3000:]
    assert body["data"]["embeds"][0]["fields"][0]["name"] == "Where you are: United Kingdom"
    await fake_discord.wait_for(lambda: not fake_discord.connected, timeout=2.0)
    assert not fake_discord._connections  # the websocket is closed, not left to time out
    assert integrity(database) == "ok"
    async with SqliteStore(database) as store:
        assert (await store.get_settings(guild_id)).default_region == "uk"
        assert (await store.feedback_stats(guild_id)).per_entry["turn-off"].helpful == 1
        stats = await store.stats(guild_id)
        assert stats.total == 4  # three mentions and one /optout, all flushed
        assert "recipe for banana bread" in [g.text for g in await store.gaps(guild_id)]


async def test_sigkill_mid_write_leaves_a_sound_database(fake_discord, world, database):
    guild_id = int(world.guild["id"])
    proc = await start_bot(fake_discord, world, database)
    try:
        for n in range(60):  # every answer and every decline is a write
            await mention(fake_discord, world, f"recipe for banana bread {n}")
        await fake_discord.wait_for(
            lambda: len(fake_discord.requests_matching("POST", MESSAGES)) >= 20, timeout=10.0
        )
        proc.kill()  # SIGKILL: no handler, no cleanup, writes in flight
        await asyncio.wait_for(proc.wait(), 5.0)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert integrity(database) == "ok"
    async with SqliteStore(database) as store:
        assert (await store.get_settings(guild_id)).default_region == "uk"
        assert (await store.feedback_stats(guild_id)).per_entry["turn-off"].helpful == 1
        await store.record_answer(guild_id, "turn-off", Outcome.ANSWER)  # still writable
    assert integrity(database) == "ok"
