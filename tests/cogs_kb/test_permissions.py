"""Maintainers (owner, team, home-server role) versus server moderators (Manage Server, role)."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import AsyncMock

import discord

from bot.permissions import is_maintainer, is_server_moderator
from bot.store import GuildSettings
from tests.cogs_kb.conftest import (
    GUILD_ID,
    HOME_GUILD_ID,
    MAINTAINER_ROLE_ID,
    MOD_ROLE_ID,
    OTHER_GUILD_ID,
    make_member,
)


async def test_owner_and_home_role_are_maintainers(bot, owner, role_maintainer) -> None:
    assert await is_maintainer(bot, owner)
    assert await is_maintainer(bot, role_maintainer)  # looked up in the home server


async def test_member_and_server_moderator_are_not_maintainers(bot, member, moderator) -> None:
    assert not await is_maintainer(bot, member)  # fetch_member: not in the home server
    assert not await is_maintainer(bot, moderator)  # in the home server, without the role


async def test_role_checked_on_the_member_when_used_in_the_home_server(bot) -> None:
    here = make_member(77, guild_id=HOME_GUILD_ID, role_ids=(MAINTAINER_ROLE_ID,))
    assert await is_maintainer(bot, here)
    same_role_elsewhere = make_member(78, guild_id=GUILD_ID, role_ids=(MAINTAINER_ROLE_ID,))
    assert not await is_maintainer(bot, same_role_elsewhere)  # role ids are per server


async def test_team_members_except_read_only(bot) -> None:
    team = SimpleNamespace(
        members=[
            SimpleNamespace(id=1, role=discord.TeamMemberRole.admin),
            SimpleNamespace(id=2, role=discord.TeamMemberRole.developer),
            SimpleNamespace(id=3, role=discord.TeamMemberRole.read_only),
        ]
    )
    bot.application_info = AsyncMock(return_value=SimpleNamespace(team=team, owner=None))
    assert await is_maintainer(bot, make_member(1))
    assert await is_maintainer(bot, make_member(2))
    assert not await is_maintainer(bot, make_member(3))


async def test_application_info_is_cached(bot, owner, member) -> None:
    for _ in range(3):
        await is_maintainer(bot, owner)
        await is_maintainer(bot, member)
    assert bot.application_info.await_count == 1


async def test_application_info_failure_is_not_cached(bot, owner) -> None:
    response = SimpleNamespace(status=503, reason="Unavailable")
    bot.application_info = AsyncMock(side_effect=discord.HTTPException(response, "down"))
    assert not await is_maintainer(bot, owner)
    bot.application_info = AsyncMock(
        return_value=SimpleNamespace(team=None, owner=SimpleNamespace(id=owner.id))
    )
    assert await is_maintainer(bot, owner)


async def test_no_home_server_configured_means_owner_only(bot, role_maintainer) -> None:
    bot.settings = bot.settings.__class__(**{**bot.settings.__dict__, "home_guild_id": None})
    assert not await is_maintainer(bot, role_maintainer)


def test_server_moderator_rules() -> None:
    gs = GuildSettings(GUILD_ID, moderator_role_id=MOD_ROLE_ID)
    assert is_server_moderator(make_member(1, manage_guild=True), gs)
    assert is_server_moderator(make_member(2, role_ids=(MOD_ROLE_ID,)), gs)
    assert not is_server_moderator(make_member(3), gs)
    assert not is_server_moderator(make_member(4, role_ids=(999,)), gs)
    # Manage Server in another server does not make you a moderator here
    assert not is_server_moderator(make_member(5, guild_id=OTHER_GUILD_ID, manage_guild=True), gs)
    assert not is_server_moderator(make_member(6, role_ids=(MOD_ROLE_ID,)), GuildSettings(GUILD_ID))
    user = SimpleNamespace(id=7)  # a plain User (DM): never a server moderator
    assert not is_server_moderator(user, gs)
