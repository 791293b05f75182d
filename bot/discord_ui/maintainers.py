"""One short message to the knowledge maintainers' own channel (MAINTAINER_LOG_CHANNEL_ID).

Used by the composition root (reload reports) and the /kb cog (teach notices, gaps sent on).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.presentation.layout import MESSAGE_LIMIT, fit

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger(__name__)


async def post_to_maintainers(bot: OptoutBot, text: str) -> bool:
    """Send one short message to the maintainers' log channel (if set); never raise."""
    channel_id = bot.settings.maintainer_log_channel_id
    if not channel_id:
        return False
    channel = bot.get_channel(channel_id)
    try:
        if channel is None:
            channel = await bot.fetch_channel(channel_id)
        await channel.send(
            fit(text, MESSAGE_LIMIT), allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as exc:
        log.warning("could not post to the maintainers' log channel %s: %s", channel_id, exc)
        return False
    return True
