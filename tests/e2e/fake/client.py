# ruff: noqa: ASYNC109 - the test-facing wait_* API takes explicit ``timeout`` arguments.
"""Client side: point discord.py at the fake and run a bot against it.

Why: tests never touch the real Discord; these patch the endpoints and start/stop the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import discord
import yarl
from discord.ext import commands

from tests.e2e.fake.server import FakeDiscord


@contextlib.contextmanager
def patch_discord_endpoints(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at ``fake``; restore afterwards.

    ``Route.BASE`` is a class attribute read per request (``Route.url``), also by webhooks and
    interaction responses; ``DEFAULT_GATEWAY`` is read by ``DiscordWebSocket.from_client`` and
    after an INVALID_SESSION. Both must be patched before the client connects.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


def make_test_bot(**kwargs: Any) -> commands.Bot:
    """A plain ``commands.Bot`` tuned for tests: short guild_ready_timeout, needed intents.

    Why: discord.py waits ``guild_ready_timeout`` (default 2 s) after the last GUILD_CREATE
    before on_ready, and sleeps 5 s before re-IDENTIFY; both are cut here.
    """
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    options: dict[str, Any] = {
        "command_prefix": "!",
        "intents": intents,
        "guild_ready_timeout": 0.1,
    }
    options.update(kwargs)
    return skip_identify_delay(commands.Bot(**options))


def skip_identify_delay(client: discord.Client) -> discord.Client:
    """Make re-IDENTIFY immediate.

    Why: discord.py's default ``before_identify_hook`` sleeps 5 s before every non-initial
    IDENTIFY (after INVALID_SESSION or a failed resume), which would dominate test time.
    """

    async def no_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = no_delay  # type: ignore[method-assign]
    return client


@contextlib.asynccontextmanager
async def running_bot(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    timeout: float = 5.0,
) -> AsyncIterator[discord.Client]:
    """Run ``client`` against ``fake`` until it is ready; always close it afterwards.

    Why: ``client.start`` blocks forever, so it runs in a task; if it dies (bad token,
    exception in setup_hook) the error surfaces here instead of a ready-timeout.
    """
    if fake.api_base != discord.http.Route.BASE:
        raise RuntimeError("discord endpoints are not patched; use patch_discord_endpoints(fake)")
    task = asyncio.create_task(client.start(fake.token), name="fake-discord-bot")
    try:
        # Polling: wait_until_ready() can't be awaited before login initialises the client.
        deadline = time.monotonic() + timeout
        while not client.is_ready():
            if task.done():
                task.result()  # raises the startup error
                raise RuntimeError("client.start() returned before the client became ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot not ready after {timeout}s")
            await asyncio.sleep(0.01)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5.0)
