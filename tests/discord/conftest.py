"""The four test doubles the Discord layer needs: bot, interaction, message, channel.

All are spec'd (create_autospec), so a typo or a wrong call signature fails the test
instead of passing silently; the bot is the real OptoutBot with the fixture knowledge
base and an in-memory store.
"""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import create_autospec

import discord
import pytest

from bot.app import OptoutBot, create_bot
from bot.config import Settings
from tests import helpers

GUILD_ID = 111
CHANNEL_ID = 222
USER_ID = 333
BOT_ID = 444
MESSAGE_ID = 555


@pytest.fixture
def settings() -> Settings:
    return Settings(database_path=":memory:", message_content=True)


@pytest.fixture
def bot(settings, fixture_engine, store) -> OptoutBot:
    bot = create_bot(settings, engine=fixture_engine, store=store, sync_commands=False)
    bot._connection.user = SimpleNamespace(id=BOT_ID, bot=True)  # what login would set
    return bot


def make_interaction(
    bot: OptoutBot,
    *,
    guild_id: int | None = GUILD_ID,
    user_id: int = USER_ID,
    message_id: int | None = None,
    done: bool = False,
    asker_id: int | None = -1,
) -> discord.Interaction:
    """A mocked interaction (tests/helpers.py) from member `user_id`; on a message,
    `asker_id` (default: the clicker) asked its question (None: nobody known)."""
    user = create_autospec(discord.Member, instance=True)
    user.id = user_id
    return helpers.make_interaction(
        bot,
        user,
        guild_id=guild_id,
        done=done,
        message_id=message_id,
        asker_id=asker_id,
        with_message=True,
    )


def make_permissions(*denied: str) -> discord.Permissions:
    """The bot's invite permissions, minus the named ones."""
    perms = discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        embed_links=True,
        read_message_history=True,
    )
    for name in denied:
        setattr(perms, name, False)
    return perms


def make_message(
    content: str,
    *,
    guild: bool = True,
    author_id: int = USER_ID,
    author_bot: bool = False,
    mentions_bot: bool = False,
    channel_id: int = CHANNEL_ID,
    permissions: discord.Permissions | None = None,
) -> discord.Message:
    message = create_autospec(discord.Message, instance=True)
    message.id = MESSAGE_ID
    message.content = content
    message.type = discord.MessageType.default
    message.webhook_id = None
    message.reference = None
    message.author = create_autospec(discord.Member, instance=True)
    message.author.id = author_id
    message.author.bot = author_bot
    mentioned = create_autospec(discord.Member, instance=True)
    mentioned.id = BOT_ID
    message.mentions = [mentioned] if mentions_bot else []
    if guild:
        message.guild = create_autospec(discord.Guild, instance=True)
        message.guild.id = GUILD_ID
        message.channel = create_autospec(discord.TextChannel, instance=True)
        message.channel.permissions_for.return_value = permissions or make_permissions()
        message.channel.mention = f"<#{channel_id}>"
        message.guild.get_channel.return_value = None
    else:
        message.guild = None
        message.channel = create_autospec(discord.DMChannel, instance=True)
    message.channel.id = channel_id
    sent = create_autospec(discord.Message, instance=True)
    sent.jump_url = f"https://discord.com/channels/{GUILD_ID}/{channel_id}/777"
    message.channel.send.return_value = sent
    return message


@pytest.fixture
def interaction(bot) -> discord.Interaction:
    return make_interaction(bot)
