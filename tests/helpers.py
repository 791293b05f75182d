"""Test doubles shared by the suites: interactions and members, spec'd (create_autospec) so a
typo or a wrong call signature fails the test instead of passing silently.

One place builds an interaction; each suite's conftest only fills in its own ids.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING
from unittest.mock import create_autospec

import discord

if TYPE_CHECKING:
    from bot.app import OptoutBot

INTERACTION_ID = 999
BOT_MEMBER_ID = 42


def make_member(
    user_id: int,
    *,
    guild_id: int,
    manage_guild: bool = False,
    role_ids: tuple[int, ...] = (),
    name: str = "Someone",
) -> discord.Member:
    """A server member with the permissions and roles the permission checks read."""
    member = create_autospec(discord.Member, instance=True)
    member.id = user_id
    member.display_name = name
    member.guild = SimpleNamespace(id=guild_id)
    member.guild_permissions = discord.Permissions(manage_guild=manage_guild)
    member.roles = [SimpleNamespace(id=r) for r in role_ids]
    return member


def make_interaction(
    bot: OptoutBot,
    user: discord.abc.User,
    *,
    guild_id: int | None,
    done: bool = False,
    with_guild: bool = False,
    message_id: int | None = None,
    asker_id: int | None = -1,
    with_message: bool = False,
) -> discord.Interaction:
    """A mocked interaction from `user`, in server `guild_id` (None: a DM).

    `with_guild`: `.guild` is a light stand-in with `.id` and `.me` (a spec'd Guild costs
    ~50 ms per test). `with_message`: the interaction is on message `message_id` (None: on
    no message), whose question `asker_id` asked (default: the clicker; None: nobody known),
    as Discord's interaction metadata says."""
    interaction = create_autospec(discord.Interaction, instance=True)
    interaction.client = bot
    interaction.guild_id = guild_id
    interaction.id = INTERACTION_ID
    interaction.user = user
    interaction.response = create_autospec(discord.InteractionResponse, instance=True)
    interaction.response.is_done.return_value = done
    interaction.followup = create_autospec(discord.Webhook, instance=True)
    interaction.command = None
    interaction.data = {"custom_id": "ob:test"}
    if with_guild:
        interaction.guild = None
        if guild_id is not None:
            me = make_member(BOT_MEMBER_ID, guild_id=guild_id, name="optout-bot")
            interaction.guild = SimpleNamespace(id=guild_id, me=me)
    if with_message:
        interaction.message = None if message_id is None else _message(message_id, user, asker_id)
    return interaction


def _message(message_id: int, user: discord.abc.User, asker_id: int | None) -> discord.Message:
    message = create_autospec(discord.Message, instance=True)
    message.id = message_id
    message.content = ""
    message.flags = discord.MessageFlags()
    message.reference = None
    asker = user.id if asker_id == -1 else asker_id
    message.interaction_metadata = (
        None if asker is None else SimpleNamespace(user=SimpleNamespace(id=asker))
    )
    return message
