# ruff: noqa: ASYNC109 - helpers take explicit timeouts, like the fake's wait_* API.
"""Helpers for the fault tests: build the real bot for the default fake world, ask it things."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.app import OptoutBot
from bot.config import Settings
from bot.store import Store
from tests.e2e.fake_discord import DefaultWorld, FakeDiscord, FakeInteraction
from tests.load.harness import build_bot, burst_settings, engine_for

NO_PINGS = {"parse": []}
OPTOUT_TITLE = "Turn off AI training on your data"


def settings_for(world: DefaultWorld, **overrides: Any) -> Settings:
    return burst_settings(dev_guild_id=int(world.guild["id"]), **overrides)


def integrity(path: Path) -> str:
    """SQLite's own check of a database file: "ok" when it is sound."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def make_bot(world: DefaultWorld, store: Store, engine=None, **overrides: Any) -> OptoutBot:
    return build_bot(settings_for(world, **overrides), engine or engine_for(), store)


async def ask(fake: FakeDiscord, world: DefaultWorld, text: str, *, timeout: float = 5.0):
    """Mention the bot with ``text``; returns (the question, the reply request)."""
    mark = fake.mark()
    asked = await fake.send_message_create(
        world.channel["id"], f"<@{fake.bot_user['id']}> {text}", author=world.user
    )
    reply = await fake.wait_for_request(
        lambda r: (
            r.matches("POST", rf"/channels/{world.channel['id']}/messages")
            and r.status == 200
            and str((r.json or {}).get("message_reference", {}).get("message_id")) == asked["id"]
        ),
        timeout,
        since=mark,
    )
    return asked, reply


async def slash(
    fake: FakeDiscord, world: DefaultWorld, name: str, options=None, *, timeout: float = 5.0
) -> tuple[FakeInteraction, dict]:
    inter = await fake.send_slash_command(
        name, options or {}, user=world.user, channel_id=world.channel["id"]
    )
    body = await fake.wait_for_interaction_response(inter, timeout)
    return inter, body


def title(body: dict | None) -> str | None:
    embeds = (body or {}).get("embeds") or []
    return embeds[0].get("title") if embeds else None


def ack_seconds(fake: FakeDiscord, inter: FakeInteraction) -> float:
    """Seconds from dispatching the interaction to the bot's first successful callback."""
    done = [
        r
        for r in fake.requests_matching("POST", rf"/interactions/{inter.id}/[^/]+/callback")
        if r.status and r.status < 300
    ]
    return done[0].time - inter.created
