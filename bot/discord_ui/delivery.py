"""Send an answer to a channel whatever the bot is allowed to do there.

Missing permissions are a setup problem, not a crash: without Embed Links the answer
goes out as plain text, without Read Message History it is sent without the reply
reference, and without Send Messages nothing is sent and the moderators get one note
(in the server's log channel, once per channel and problem per run). Nothing retries
in a loop: at most one plain-text fallback after a refused send.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.discord_ui.embeds import Rendered

log = logging.getLogger("bot.delivery")

PERMISSION_NAMES = {
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
    "read_message_history": "Read Message History",
}
CONSEQUENCES = {
    "send_messages": "so I cannot answer there",
    "send_messages_in_threads": "so I cannot answer in its threads",
    "embed_links": "so my answers there are plain text without the formatted card",
    "read_message_history": "so my answers there are not shown as replies",
}

LogChannelLookup = Callable[[discord.Guild], Awaitable[int | None]]


class Delivery:
    """Replies to messages with the best form the channel's permissions allow."""

    def __init__(self, log_channel_for: LogChannelLookup) -> None:
        self.log_channel_for = log_channel_for
        self._noted: set[tuple[int, str]] = set()

    async def reply(self, message: discord.Message, rendered: Rendered) -> discord.Message | None:
        """The sent message, or None when the channel does not let the bot speak."""
        return await self._send(message, rendered.send_kwargs)

    async def reply_text(self, message: discord.Message, text: str) -> discord.Message | None:
        return await self._send(message, lambda embeds=True: {"content": text})

    async def _send(self, message, make_kwargs) -> discord.Message | None:
        """``make_kwargs(embeds=...)`` builds the send arguments; the plain-text form is
        only built when it is needed (a refused send), not for every answer."""
        channel = message.channel
        embeds, as_reply = True, True
        if message.guild is not None:
            perms = channel.permissions_for(message.guild.me)
            send_perm = "send_messages_in_threads" if _is_thread(channel) else "send_messages"
            if not getattr(perms, send_perm):
                await self._note(message, send_perm)
                return None
            if not perms.embed_links:
                embeds = False
                await self._note(message, "embed_links")
            if not perms.read_message_history:
                as_reply = False
                await self._note(message, "read_message_history")
        reference = message.to_reference(fail_if_not_exists=False) if as_reply else None
        try:
            return await channel.send(reference=reference, **make_kwargs(embeds=embeds))
        except discord.Forbidden as exc:
            log.warning("send refused in channel %s (%s); trying plain text once", channel.id, exc)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            # Includes connection resets: one log line, no retry loop, the bot keeps serving.
            log.warning("send failed in channel %s: %s", channel.id, exc)
            return None
        try:
            return await channel.send(**make_kwargs(embeds=False))
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.warning("plain-text fallback refused in channel %s: %s", channel.id, exc)
            await self._note(message, "send_messages")
            return None

    async def _note(self, message: discord.Message, permission: str) -> None:
        """Tell the moderators once per channel and problem; never raise."""
        key = (message.channel.id, permission)
        if key in self._noted or message.guild is None:
            return
        self._noted.add(key)
        text = moderator_note(message.channel, permission)
        log.warning("guild %s: %s", message.guild.id, text)
        try:
            channel_id = await self.log_channel_for(message.guild)
            target = message.guild.get_channel(channel_id) if channel_id else None
            if target is None or target.id == message.channel.id:
                return
            if target.permissions_for(message.guild.me).send_messages:
                await target.send(text)
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            log.info("could not post the permission note: %s", exc)


def moderator_note(channel: discord.abc.GuildChannel | discord.Thread, permission: str) -> str:
    name = PERMISSION_NAMES[permission]
    return (
        f"Note for moderators: I don't have **{name}** in {channel.mention}, "
        f"{CONSEQUENCES[permission]}. Grant it to my role in that channel "
        "(or remove the channel from my answer channels)."
    )


def _is_thread(channel: object) -> bool:
    return isinstance(channel, discord.Thread)
