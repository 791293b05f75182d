"""Who may do what: knowledge maintainers versus each server's own moderators.

The knowledge is shared by every server, so only its maintainers (the application's owner or
team, or a role in the home server named in the settings) may change it. A server's
moderators (Manage Server, or the role they configured) manage that server only. Commands are
hidden with ``default_permissions`` too, but these checks run on every invocation.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import discord

from bot.store import GuildSettings

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger(__name__)

OWNER_CACHE_SECONDS = 600.0


async def owner_ids(bot: OptoutBot) -> frozenset[int]:
    """The application's owner, or its team's members, cached for a few minutes."""
    cached = bot.owner_cache
    if cached and time.monotonic() - cached[0] < OWNER_CACHE_SECONDS:
        return cached[1]
    ids: set[int] = set()
    if bot.owner_id:
        ids.add(bot.owner_id)
    ids.update(bot.owner_ids or ())
    try:
        info = await bot.application_info()
    except discord.HTTPException as exc:
        log.warning("could not read application owner: %s", exc)
        return frozenset(ids)  # not cached: try again next time
    if info.team is not None:
        ids.update(m.id for m in info.team.members if getattr(m.role, "name", "") != "read_only")
    elif info.owner is not None:
        ids.add(info.owner.id)
    result = frozenset(ids)
    bot.owner_cache = (time.monotonic(), result)
    return result


async def is_maintainer(bot: OptoutBot, user: discord.abc.User) -> bool:
    """Application owner / team member, or holder of the maintainer role in the home server."""
    if user.id in await owner_ids(bot):
        return True
    settings = bot.settings
    home, role_id = settings.home_guild_id, settings.maintainer_role_id
    if not home or not role_id:
        return False
    member = user if getattr(getattr(user, "guild", None), "id", None) == home else None
    if member is None:
        guild = bot.get_guild(home)
        if guild is None:
            return False
        member = guild.get_member(user.id)
        if member is None:
            try:
                member = await guild.fetch_member(user.id)
            except discord.HTTPException:  # NotFound: not in the home server
                return False
    return any(role.id == role_id for role in getattr(member, "roles", ()))


def is_server_moderator(member: discord.abc.User, guild_settings: GuildSettings) -> bool:
    """Manage Server (administrators and the owner have it) or the configured moderator role."""
    if not isinstance(member, discord.Member) and not hasattr(member, "guild_permissions"):
        return False  # a plain User: the command was not used inside a server
    if member.guild.id != guild_settings.guild_id:
        return False
    if member.guild_permissions.manage_guild:
        return True
    role_id = guild_settings.moderator_role_id
    return role_id is not None and any(role.id == role_id for role in member.roles)


def can_manage_server(member: discord.abc.User) -> bool:
    """Manage Server itself (needed to change who counts as a moderator)."""
    perms = getattr(member, "guild_permissions", None)
    return bool(perms and perms.manage_guild)
