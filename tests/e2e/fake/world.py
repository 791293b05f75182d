"""The fake's world state: users, guilds, roles, members, channels and their permissions.

Why: tests build the server the bot sees with a few calls, and the REST routes enforce the
same permission rules Discord does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from tests.e2e.fake.protocol import (
    DISCORD_EPOCH_MS,
    DiscordError,
    Json,
    Perm,
    _now_iso,
)


@dataclass
class DefaultWorld:
    """Handles returned by ``FakeDiscord.seed_default_world``."""

    guild: Json
    channel: Json
    other_channel: Json
    user: Json


class WorldMixin:
    """Builders and permission rules over the stored guilds, roles, members and channels."""

    # ------------------------------------------------------------------ builders

    def snowflake(self, *, shard: tuple[int, int] | None = None) -> str:
        """A fresh, strictly increasing snowflake with a realistic timestamp.

        ``shard=(i, n)``: one that Discord's rule ``(id >> 22) % n`` puts on shard i.
        """
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = max(ms << 22 | (next(self._ids) & 0xFFF), self._last_id + 1)
        if shard is not None:
            while self.shard_of(str(value), shard[1]) != shard[0]:
                value += 1 << 22
        self._last_id = value
        return str(value)

    @staticmethod
    def shard_of(guild_id: str | None, shard_count: int) -> int:
        """Discord's sharding rule; DMs go to shard 0."""
        return 0 if guild_id is None or shard_count <= 1 else (int(guild_id) >> 22) % shard_count

    def make_user(
        self,
        username: str,
        *,
        bot: bool = False,
        user_id: str | None = None,
        global_name: str | None = None,
    ) -> Json:
        """Create (and register) a user payload."""
        user = {
            "id": user_id or self.snowflake(),
            "username": username,
            "discriminator": "0",
            "global_name": global_name if global_name is not None else (None if bot else username),
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
        }
        if bot:
            user.update(verified=True, mfa_enabled=False, locale="en-US")
        if hasattr(self, "users"):
            self.users[user["id"]] = user
        return user

    def add_guild(
        self,
        name: str = "Test Guild",
        *,
        owner: Json | None = None,
        channels: Iterable[str] = ("general",),
        everyone_permissions: int = Perm.DEFAULT,
        bot_permissions: int = Perm.DEFAULT | Perm.MANAGE_MESSAGES,
        shard: tuple[int, int] | None = None,
    ) -> Json:
        """Create a guild the bot is in: @everyone role, a bot role, the bot member, owner.

        ``shard=(i, n)`` picks an id that lands on shard i of n.
        """
        guild_id = self.snowflake(shard=shard)
        owner = owner or self.make_user(f"{name.lower().replace(' ', '-')}-owner")
        guild = {
            "id": guild_id,
            "name": name,
            "icon": None,
            "owner_id": owner["id"],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "nsfw_level": 0,
            "description": None,
            "emojis": [],
            "stickers": [],
        }
        self.guilds[guild_id] = guild
        self.roles[guild_id] = {}
        self.members[guild_id] = {}
        self.add_role(guild_id, "@everyone", everyone_permissions, role_id=guild_id, position=0)
        bot_role = self.add_role(guild_id, self.bot_user["username"], bot_permissions, managed=True)
        self.add_member(guild_id, self.bot_user, roles=[bot_role["id"]])
        self.add_member(guild_id, owner)
        for channel_name in channels:
            self.add_text_channel(guild_id, channel_name)
        return guild

    def add_role(
        self,
        guild_id: str,
        name: str,
        permissions: int = 0,
        *,
        role_id: str | None = None,
        position: int | None = None,
        managed: bool = False,
    ) -> Json:
        roles = self.roles[guild_id]
        role = {
            "id": role_id or self.snowflake(),
            "name": name,
            "permissions": str(permissions),
            "position": len(roles) if position is None else position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": managed,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        roles[role["id"]] = role
        return role

    def add_member(
        self,
        guild_id: str,
        user: Json,
        *,
        roles: Iterable[str] = (),
        nick: str | None = None,
    ) -> Json:
        """Add ``user`` to the guild with the given role ids (@everyone is implicit)."""
        self.users[user["id"]] = user
        member = {
            "user": user,
            "roles": list(roles),
            "nick": nick,
            "avatar": None,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        self.members[guild_id][user["id"]] = member
        return member

    def add_text_channel(
        self,
        guild_id: str,
        name: str,
        *,
        overwrites: Iterable[Json] = (),
        parent_id: str | None = None,
    ) -> Json:
        """``overwrites``: [{"id", "type": 0 role/1 member, "allow": "int", "deny": "int"}]."""
        position = sum(1 for c in self.channels.values() if c.get("guild_id") == guild_id)
        channel = {
            "id": self.snowflake(),
            "type": 0,
            "guild_id": guild_id,
            "name": name,
            "position": position,
            "permission_overwrites": list(overwrites),
            "parent_id": parent_id,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        self.channels[channel["id"]] = channel
        return channel

    def dm_channel(self, user: Json | str) -> Json:
        """The DM channel between the bot and ``user`` (created on first use)."""
        user_id = user if isinstance(user, str) else user["id"]
        for channel in self.channels.values():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == user_id:
                return channel
        if user_id not in self.users:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        channel = {
            "id": self.snowflake(),
            "type": 1,
            "recipients": [self.users[user_id]],
            "last_message_id": None,
            "flags": 0,
        }
        self.channels[channel["id"]] = channel
        return channel

    def seed_default_world(self) -> DefaultWorld:
        """One guild with #general and #other, and a human member ``alice``."""
        guild = self.add_guild("Test Guild", channels=("general", "other"))
        alice = self.make_user("alice")
        self.add_member(guild["id"], alice)
        channels = [c for c in self.channels.values() if c.get("guild_id") == guild["id"]]
        return DefaultWorld(guild=guild, channel=channels[0], other_channel=channels[1], user=alice)

    # ------------------------------------------------------------------ permissions

    def permissions_for(self, guild_id: str, user_id: str, channel_id: str | None = None) -> int:
        """Discord's permission algorithm: roles, owner/admin, then channel overwrites."""
        guild = self.guilds[guild_id]
        member = self.members[guild_id].get(user_id)
        if member is None:
            return 0
        if guild["owner_id"] == user_id:
            return Perm.ALL
        roles = self.roles[guild_id]
        perms = int(roles[guild_id]["permissions"])
        for role_id in member["roles"]:
            if role_id in roles:
                perms |= int(roles[role_id]["permissions"])
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        channel = self.channels.get(channel_id or "")
        if channel is None:
            return perms
        overwrites = {o["id"]: o for o in channel.get("permission_overwrites", [])}
        if everyone := overwrites.get(guild_id):
            perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
        allow = deny = 0
        for role_id in member["roles"]:
            if (o := overwrites.get(role_id)) and o.get("type", 0) == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        if (o := overwrites.get(user_id)) and o.get("type", 1) == 1:
            perms = (perms & ~int(o["deny"])) | int(o["allow"])
        return perms

    def _require(self, channel: Json, needed: int) -> None:
        if not self.enforce_permissions or "guild_id" not in channel:
            return
        have = self.permissions_for(channel["guild_id"], self.bot_user["id"], channel["id"])
        if have & needed != needed:
            raise DiscordError(403, 50013, "Missing Permissions")
