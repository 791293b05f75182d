"""Fixtures for end-to-end tests against the local fake Discord.

Why: every e2e test needs the same three things, started and torn down in order: the fake
server, discord.py pointed at it (never at discord.com), and a running bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.answering import Engine
from bot.app import OptoutBot, create_bot
from bot.config import Settings
from bot.knowledge import load_knowledge
from bot.store import InMemoryStore
from tests.e2e.fake_discord import (
    DefaultWorld,
    FakeDiscord,
    patch_discord_endpoints,
    running_bot,
    skip_identify_delay,
)

FIXTURE_KB = Path(__file__).parent.parent / "fixtures" / "kb_min"


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A started fake on a free loopback port, with discord.py patched to use it.

    Teardown re-raises the first exception raised inside the fake (a bug in the fake).
    """
    fake = FakeDiscord()
    await fake.start()
    try:
        with patch_discord_endpoints(fake):
            yield fake
    finally:
        await fake.stop()
    if fake.internal_errors:
        raise fake.internal_errors[0]


@pytest.fixture
def world(fake_discord: FakeDiscord) -> DefaultWorld:
    """Default guild (#general, #other) with human member ``alice``; the bot is a member."""
    return fake_discord.seed_default_world()


@pytest.fixture
def run_bot(
    fake_discord: FakeDiscord,
) -> Callable[..., AbstractAsyncContextManager[discord.Client]]:
    """``async with run_bot(bot) as bot:`` runs the bot until ready and closes it after."""

    def _run(client: discord.Client, *, timeout: float = 5.0) -> AbstractAsyncContextManager:
        return running_bot(client, fake_discord, timeout=timeout)

    return _run


@pytest.fixture
def engine() -> Engine:
    return Engine(load_knowledge(FIXTURE_KB).kb)


@pytest.fixture
def make_bot(world: DefaultWorld, engine: Engine, store: InMemoryStore):
    """The real bot, built by create_bot() from Settings, with the fixture engine."""

    def make(**overrides: Any) -> OptoutBot:
        values: dict[str, Any] = {
            "dev_guild_id": int(world.guild["id"]),
            "message_content": True,
            "user_cooldown_seconds": 0.0,
            "channel_cooldown_seconds": 0.0,
        }
        values.update(overrides)
        bot = create_bot(Settings(**values), engine=engine, store=store, guild_ready_timeout=0.05)
        return skip_identify_delay(bot)

    return make
