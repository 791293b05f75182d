"""Less work per event for discord.py under heavy traffic.

Two measured costs of a busy bot (see benchmarks/bench_discord_load.py): every message the
bot posts comes back to it over the gateway and gets parsed like any other, and discord.py
opens a new HTTP connection for every request in flight at once. The README's load
section has the figures before and after.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

log = logging.getLogger("bot.traffic")

#: Open HTTP connections to Discord at most (discord.py's default: no limit, so a burst
#: opens, and TLS-handshakes, one connection per request in flight).
HTTP_CONNECTIONS = 64


def pooled_connector() -> aiohttp.TCPConnector:
    """The connection pool for discord.py's HTTP client; needs a running event loop."""
    return aiohttp.TCPConnector(limit=HTTP_CONNECTIONS)


def skip_own_message_echoes(client: discord.Client) -> bool:
    """Do not build a Message for the bot's own messages echoed back by the gateway.

    Why: Discord sends every message the bot posts back to it as MESSAGE_CREATE; discord.py
    would build a full Message (embed, buttons, selects) for each, only for on_message to
    drop it. Under a burst that is a third of all gateway events. The parser table is
    discord.py-internal: if it is not where expected, nothing changes (returns False).
    """
    parsers = getattr(getattr(client, "_connection", None), "parsers", None)
    original = parsers.get("MESSAGE_CREATE") if isinstance(parsers, dict) else None
    if original is None:
        log.debug("discord.py's parser table moved: own messages are parsed as usual")
        return False
    state = client._connection

    def parse_message_create(data: dict) -> None:
        me = state.user
        author = data.get("author") if isinstance(data, dict) else None
        if me is not None and isinstance(author, dict) and author.get("id") == str(me.id):
            return
        original(data)

    parsers["MESSAGE_CREATE"] = parse_message_create
    return True
