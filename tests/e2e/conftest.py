"""Fixtures for end-to-end tests against the local fake Discord.

Why: every e2e test needs the same three things, started and torn down in order: the fake
server, discord.py pointed at it (never at discord.com), and a running bot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import discord
import pytest

from tests.e2e.fake_discord import (
    DefaultWorld,
    FakeDiscord,
    patch_discord_endpoints,
    running_bot,
)


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
