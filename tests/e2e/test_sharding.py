"""SHARD_COUNT / SHARD_IDS: one process can run every shard, or a share of them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from discord.ext import commands

from bot.answering import Engine
from bot.app import OptoutBot, ShardedOptoutBot, create_bot, shard_options
from bot.config import Settings, SettingsError
from bot.knowledge import load_knowledge
from bot.store import InMemoryStore
from tests.e2e.fake_discord import skip_identify_delay

FIXTURE_KB = Path(__file__).parent.parent / "fixtures" / "kb_min"
PG = "postgresql://bot@127.0.0.1/optout"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_knowledge(FIXTURE_KB).kb)


def test_no_shard_settings_is_a_plain_bot(engine) -> None:
    bot = create_bot(Settings(), engine=engine, store=InMemoryStore())
    assert type(bot) is OptoutBot and not isinstance(bot, commands.AutoShardedBot)


@pytest.mark.parametrize(
    ("count", "ids", "url", "message"),
    [
        (None, (0,), None, "SHARD_IDS needs SHARD_COUNT"),
        (0, None, None, "at least 1"),
        (2, (0, 2), PG, "outside 0..1"),
        (4, (0, 1), None, "set DATABASE_URL"),
    ],
)
def test_bad_shard_settings_are_refused(count, ids, url, message) -> None:
    settings = Settings(shard_count=count, shard_ids=ids, database_url=url)
    with pytest.raises(SettingsError, match=message):
        shard_options(settings)


def test_share_of_shards_with_a_shared_database(engine) -> None:
    settings = Settings(shard_count=4, shard_ids=(3, 2), database_url=PG)
    bot = create_bot(settings, engine=engine, store=InMemoryStore())
    assert isinstance(bot, ShardedOptoutBot) and isinstance(bot, commands.AutoShardedBot)
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])
    assert bot.sync_on_start is False  # only the process with shard 0 syncs global commands
    first = create_bot(replace(settings, shard_ids=(0, 1)), engine=engine, store=InMemoryStore())
    assert first.sync_on_start is True


async def test_two_shards_in_one_process_answer(fake_discord, world, run_bot, engine) -> None:
    settings = Settings(
        shard_count=2,
        dev_guild_id=int(world.guild["id"]),
        user_cooldown_seconds=0.0,
        channel_cooldown_seconds=0.0,
    )
    bot = skip_identify_delay(
        create_bot(settings, engine=engine, store=InMemoryStore(), guild_ready_timeout=0.05)
    )
    async with run_bot(bot, timeout=15.0):
        assert sorted(p["shard"] for p in fake_discord.identify_payloads) == [[0, 2], [1, 2]]
        inter = await fake_discord.send_slash_command(
            "optout", {"platform": "ios"}, user=world.user, channel_id=world.channel["id"]
        )
        body = await fake_discord.wait_for_interaction_response(inter)
    assert body["type"] == 4
    assert body["data"]["embeds"][0]["title"] == "Turn off AI training on your data"
    assert body["data"]["allowed_mentions"] == {"parse": []}
