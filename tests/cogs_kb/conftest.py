"""A real OptoutBot on a knowledge copy, with spec'd interactions and members.

Three kinds of people: a plain member, a server moderator (Manage Server) who is not a
maintainer, and maintainers (the application owner, or the maintainer role in the home server).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from unittest.mock import AsyncMock, create_autospec

import discord
import pytest

from bot.app import OptoutBot, create_bot
from bot.config import Settings
from bot.store import InMemoryStore
from tests import helpers
from tests.kb_copy import copy_kb, engine_for

GUILD_ID = 1_000
OTHER_GUILD_ID = 2_000
HOME_GUILD_ID = 3_000
MAINTAINER_ROLE_ID = 3_001
LOG_CHANNEL_ID = 3_002
MOD_ROLE_ID = 1_001
OWNER_ID = 9_001
MEMBER_ID = 9_002
MODERATOR_ID = 9_003
ROLE_MAINTAINER_ID = 9_004


def make_member(
    user_id: int,
    *,
    guild_id: int = GUILD_ID,
    manage_guild: bool = False,
    role_ids: tuple[int, ...] = (),
    name: str = "Someone",
) -> discord.Member:
    return helpers.make_member(
        user_id, guild_id=guild_id, manage_guild=manage_guild, role_ids=role_ids, name=name
    )


def make_interaction(bot: OptoutBot, user: discord.abc.User, *, guild_id: int | None = GUILD_ID):
    """A mocked interaction (tests/helpers.py) from `user`, with the server's `.me`."""
    return helpers.make_interaction(bot, user, guild_id=guild_id, with_guild=True)


def reply_text(interaction) -> str:
    """The one ephemeral reply (a follow-up after defer, or a direct response)."""
    calls = interaction.followup.send.call_args_list + (
        interaction.response.send_message.call_args_list
    )
    assert len(calls) == 1, calls
    call = calls[0]
    assert call.kwargs.get("ephemeral") is True
    if interaction.followup.send.call_args_list:
        interaction.response.defer.assert_awaited_once_with(ephemeral=True, thinking=True)
    text = call.args[0] if call.args else call.kwargs["content"]
    assert len(text) <= 2000
    return text


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return copy_kb(tmp_path)


@pytest.fixture
def log_channel() -> discord.TextChannel:
    channel = create_autospec(discord.TextChannel, instance=True)
    channel.id = LOG_CHANNEL_ID
    return channel


@pytest.fixture
def home_guild() -> discord.Guild:
    guild = create_autospec(discord.Guild, instance=True)
    guild.id = HOME_GUILD_ID
    members = {
        ROLE_MAINTAINER_ID: make_member(
            ROLE_MAINTAINER_ID, guild_id=HOME_GUILD_ID, role_ids=(MAINTAINER_ROLE_ID,)
        ),
        MODERATOR_ID: make_member(MODERATOR_ID, guild_id=HOME_GUILD_ID),
    }
    guild.get_member.side_effect = members.get

    async def fetch(user_id: int):
        raise discord.NotFound(SimpleNamespace(status=404, reason="Not Found"), "Unknown Member")

    guild.fetch_member.side_effect = fetch
    return guild


@pytest.fixture
def bot(kb_dir: Path, store: InMemoryStore, log_channel, home_guild) -> OptoutBot:
    settings = Settings(
        database_path=":memory:",
        knowledge_dir=kb_dir,
        watch_knowledge=False,
        stale_days=100_000,
        home_guild_id=HOME_GUILD_ID,
        maintainer_role_id=MAINTAINER_ROLE_ID,
        maintainer_log_channel_id=LOG_CHANNEL_ID,
    )
    bot = create_bot(settings, engine=engine_for(kb_dir), store=store, sync_commands=False)
    bot.application_info = AsyncMock(
        return_value=SimpleNamespace(team=None, owner=SimpleNamespace(id=OWNER_ID))
    )
    bot.get_channel = lambda cid: log_channel if cid == LOG_CHANNEL_ID else None
    bot.get_guild = lambda gid: home_guild if gid == HOME_GUILD_ID else None
    return bot


@pytest.fixture
def member() -> discord.Member:
    return make_member(MEMBER_ID, name="Plain Member")


@pytest.fixture
def moderator() -> discord.Member:
    """Manage Server here, but not a knowledge maintainer."""
    return make_member(MODERATOR_ID, manage_guild=True, name="Server Mod")


@pytest.fixture
def owner() -> discord.Member:
    return make_member(OWNER_ID, name="Owner")


@pytest.fixture
def role_maintainer() -> discord.Member:
    """Holds the maintainer role in the home server; a plain member of this one."""
    return make_member(ROLE_MAINTAINER_ID, name="Role Maintainer")
