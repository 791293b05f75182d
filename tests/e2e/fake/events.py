"""Events tests send to the bot: messages, slash commands, autocomplete, components.

Why: a test plays the user; these build the payloads Discord would dispatch.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tests.e2e.fake.protocol import (
    FakeInteraction,
    Json,
    Perm,
    RecordedRequest,
)


class EventsMixin:
    """Gateway events injected by tests, and lookups for commands and components."""

    # ------------------------------------------------------------------ event injection

    async def exchange(
        self,
        channel_id: str,
        content: str,
        *,
        author: Json,
        reply_to: Json | str | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - like the fake's wait_* helpers
    ) -> RecordedRequest:
        """A user posts in ``channel_id``; returns the bot's next message there.

        Why: "mark, post, wait for the bot's message since the mark" was written out in many
        tests; only messages after the post count, so an earlier reply is never mistaken.
        """
        mark = self.mark()
        await self.send_message_create(channel_id, content, author=author, reply_to=reply_to)
        return await self.wait_for_message(channel_id, timeout, since=mark)

    async def send_message_create(
        self,
        channel_id: str,
        content: str,
        *,
        author: Json,
        guild_id: str | None = None,
        mentions: Iterable[Json | str] = (),
        mention_roles: Iterable[str] = (),
        embeds: Iterable[Json] = (),
        attachments: Iterable[Json] = (),
        reply_to: Json | str | None = None,
    ) -> Json:
        """A user posts a message; returns the stored REST-shaped message.

        ``guild_id`` defaults to the channel's guild (None for DM channels). ``<@id>`` in
        ``content`` adds mentions automatically.
        """
        channel = self.channels[channel_id]
        if guild_id is not None and channel.get("guild_id") != guild_id:
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        self.users.setdefault(author["id"], author)
        content_users, content_roles = self._content_mentions(content)
        explicit = [m if isinstance(m, str) else m["id"] for m in mentions]
        reference = None
        if reply_to is not None:
            ref_id = reply_to if isinstance(reply_to, str) else reply_to["id"]
            reference = {"message_id": ref_id, "channel_id": channel_id}
        message = self.base_message(
            channel,
            author,
            content,
            embeds=embeds,
            attachments=attachments,
            mentions=dict.fromkeys([*explicit, *content_users]),
            mention_roles=dict.fromkeys([*mention_roles, *content_roles]),
            message_reference=reference,
        )
        self.messages[message["id"]] = message
        channel["last_message_id"] = message["id"]
        await self.dispatch("MESSAGE_CREATE", self._gateway_message(message))
        return message

    def find_command(self, name: str, guild_id: str | None = None) -> Json | None:
        """A synced command by name (guild commands first)."""
        pools = [self.guild_commands.get(guild_id, [])] if guild_id else []
        for pool in [*pools, self.global_commands]:
            for command in pool:
                if command["name"] == name and command.get("type", 1) == 1:
                    return command
        return None

    async def send_interaction(
        self,
        interaction_type: int,
        data: Json,
        *,
        user: Json,
        channel_id: str,
        message: Json | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Dispatch a raw INTERACTION_CREATE; guild vs DM follows the channel."""
        channel = self.channels[channel_id]
        guild_id = channel.get("guild_id")
        interaction_id = self.snowflake()
        token = f"itok-{interaction_id}-{secrets.token_urlsafe(16)}"
        self.users.setdefault(user["id"], user)
        payload: Json = {
            "id": interaction_id,
            "application_id": self.application_id,
            "type": interaction_type,
            "data": data,
            "token": token,
            "version": 1,
            "locale": locale,
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "channel_id": channel_id,
            "channel": dict(channel),
        }
        if guild_id:
            if user["id"] not in self.members[guild_id]:
                raise ValueError(f"user {user['id']} is not a member of guild {guild_id}")
            perms = self.permissions_for(guild_id, user["id"], channel_id)
            bot_perms = self.permissions_for(guild_id, self.bot_user["id"], channel_id)
            payload["channel"]["permissions"] = str(perms)
            payload.update(
                guild_id=guild_id,
                guild={"id": guild_id, "locale": "en-US", "features": []},
                guild_locale="en-US",
                member={**self.members[guild_id][user["id"]], "permissions": str(perms)},
                app_permissions=str(bot_perms),
                authorizing_integration_owners={"0": guild_id},
                context=0,
            )
        else:
            payload.update(
                user=user,
                app_permissions=str(Perm.DEFAULT),
                authorizing_integration_owners={"1": user["id"]},
                context=1,
            )
        if message is not None:
            # Interaction messages are exempt from the MESSAGE_CONTENT intent.
            payload["message"] = self._gateway_message(message, strip=False)
        inter = FakeInteraction(id=interaction_id, token=token, payload=payload)
        self.interactions[interaction_id] = inter
        self._interactions_by_token[token] = inter
        await self.dispatch("INTERACTION_CREATE", payload)
        return inter

    def _command_options(
        self,
        command: Json | None,
        options: Mapping[str, Any] | list[Json] | None,
        focused: str | None,
    ) -> tuple[list[Json], Json]:
        """Turn ``{"name": value}`` into typed option payloads (+ ``resolved``)."""
        if options is None:
            return [], {}
        if isinstance(options, list):
            return options, {}
        declared = {o["name"]: o for o in (command or {}).get("options", [])}
        resolved: Json = {}
        out = []
        for name, value in options.items():
            opt_type = declared.get(name, {}).get("type")
            if opt_type is None:
                opt_type = (
                    5
                    if isinstance(value, bool)
                    else 4
                    if isinstance(value, int)
                    else 10
                    if isinstance(value, float)
                    else 3
                )
            if opt_type in (6, 7, 8, 9) and isinstance(value, dict):
                value = value["id"]
            option: Json = {"name": name, "type": opt_type, "value": value}
            if name == focused:
                option["focused"] = True
            out.append(option)
            if opt_type in (6, 9) and (user := self.users.get(str(value))):
                resolved.setdefault("users", {})[user["id"]] = user
                for guild_members in self.members.values():
                    if (member := guild_members.get(user["id"])) is not None:
                        partial = {k: v for k, v in member.items() if k != "user"}
                        resolved.setdefault("members", {})[user["id"]] = partial | {
                            "permissions": "0"
                        }
                        break
            if opt_type in (7,) and (channel := self.channels.get(str(value))):
                resolved.setdefault("channels", {})[channel["id"]] = {
                    "id": channel["id"],
                    "name": channel.get("name"),
                    "type": channel["type"],
                    "permissions": str(Perm.DEFAULT),
                    "parent_id": channel.get("parent_id"),
                    "guild_id": channel.get("guild_id"),
                }
            if opt_type in (8, 9):
                for roles in self.roles.values():
                    if (role := roles.get(str(value))) is not None:
                        resolved.setdefault("roles", {})[role["id"]] = role
        return out, resolved

    def _command_data(
        self,
        name: str,
        options: Mapping[str, Any] | list[Json] | None,
        channel_id: str,
        focused: str | None,
    ) -> Json:
        root, *path = name.split()
        guild_id = self.channels[channel_id].get("guild_id")
        command = self.find_command(root, guild_id)
        leaf = command
        for part in path:  # subcommand groups/subcommands
            leaf = next((o for o in (leaf or {}).get("options", []) if o["name"] == part), None)
        opts, resolved = self._command_options(leaf, options, focused)
        for part in reversed(path):
            kind = 1 if opts is None or all(o.get("type") not in (1, 2) for o in opts) else 2
            opts = [{"name": part, "type": kind, "options": opts}]
        data: Json = {"id": command["id"] if command else self.snowflake(), "name": root, "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return data

    async def send_slash_command(
        self,
        name: str,
        options: Mapping[str, Any] | list[Json] | None = None,
        *,
        user: Json,
        channel_id: str,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Invoke ``/name`` (``"group sub"`` for subcommands); option types come from the synced
        command when known, else are inferred from Python types."""
        data = self._command_data(name, options, channel_id, None)
        return await self.send_interaction(2, data, user=user, channel_id=channel_id, locale=locale)

    async def send_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        *,
        user: Json,
        channel_id: str,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Type-4 interaction while the user types into option ``focused``."""
        data = self._command_data(name, options, channel_id, focused)
        return await self.send_interaction(4, data, user=user, channel_id=channel_id, locale=locale)

    async def send_component(
        self,
        message: Json | str,
        custom_id: str,
        *,
        user: Json,
        component_type: int = 2,
        values: Iterable[str] | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """Click a button (type 2) or pick select values (3 string, 5 user, ...) on ``message``;
        ``locale`` is the clicker's client language."""
        msg = (
            self.messages[message]
            if isinstance(message, str)
            else self.messages.get(message["id"], message)
        )
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None or component_type != 2:
            data["values"] = list(values or [])
        return await self.send_interaction(
            3, data, user=user, channel_id=msg["channel_id"], message=msg, locale=locale
        )

    def find_component(self, message: Json, custom_id: str) -> Json | None:
        """Locate a component by custom_id in a stored message (to assert labels, disabled...)."""

        def walk(items: list[Json]) -> Iterator[Json]:
            for item in items:
                yield item
                yield from walk(item.get("components", []))
                if accessory := item.get("accessory"):
                    yield accessory

        return next(
            (c for c in walk(message.get("components", [])) if c.get("custom_id") == custom_id),
            None,
        )
