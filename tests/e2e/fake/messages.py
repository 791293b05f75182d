"""The fake's message model: building, validating, storing and echoing messages.

Why: messages the bot sends come back as gateway events, like on Discord.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tests.e2e.fake.protocol import (
    EPHEMERAL,
    LOADING,
    MESSAGE_CONTENT_INTENT,
    DiscordError,
    Json,
    _dumps,
    _form_error,
    _loads,
    _now_iso,
)


class MessagesMixin:
    """How a message body becomes a stored message and a MESSAGE_CREATE/UPDATE/DELETE."""

    # ------------------------------------------------------------------ message model

    def _content_mentions(self, content: str) -> tuple[list[str], list[str]]:
        users = [u for u in re.findall(r"<@!?(\d+)>", content) if u in self.users]
        roles = re.findall(r"<@&(\d+)>", content)
        return list(dict.fromkeys(users)), list(dict.fromkeys(roles))

    def _validate_body(
        self, body: Json, files: list[Json], *, require_content: bool = True
    ) -> None:
        content = body.get("content") or ""
        if len(content) > 2000:
            raise _form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
        if len(body.get("embeds") or []) > 10:
            raise _form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        components_v2 = int(body.get("flags") or 0) & (1 << 15)
        if len(body.get("components") or []) > 5 and not components_v2:
            raise _form_error("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
        has_any = content or body.get("embeds") or body.get("components") or files
        has_any = has_any or body.get("sticker_ids") or body.get("poll")
        if require_content and not has_any:
            raise DiscordError(400, 50006, "Cannot send an empty message")

    def _attachments(self, files: list[Json]) -> list[Json]:
        out = []
        for index, f in enumerate(files):
            att_id = self.snowflake()
            out.append(
                {
                    "id": att_id,
                    "filename": f["filename"] or f"file{index}",
                    "size": f["size"],
                    "url": f"{self.http_url}/attachments/{att_id}/{f['filename']}",
                    "proxy_url": f"{self.http_url}/attachments/{att_id}/{f['filename']}",
                    "content_type": f["content_type"],
                }
            )
        return out

    def base_message(
        self,
        channel: Json,
        author: Json,
        content: str = "",
        *,
        embeds: Iterable[Json] = (),
        components: Iterable[Json] = (),
        attachments: Iterable[Json] = (),
        mentions: Iterable[str] = (),
        mention_roles: Iterable[str] = (),
        flags: int = 0,
        msg_type: int = 0,
        message_reference: Json | None = None,
        tts: bool = False,
        nonce: str | int | None = None,
    ) -> Json:
        """A complete REST-shaped message payload (no ``guild_id``/``member``, like Discord)."""
        message = {
            "id": self.snowflake(),
            "channel_id": channel["id"],
            "author": author,
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": tts,
            "mention_everyone": False,
            "mentions": [self.users[u] for u in mentions if u in self.users],
            "mention_roles": list(mention_roles),
            "mention_channels": [],
            "attachments": list(attachments),
            "embeds": list(embeds),
            "reactions": [],
            "pinned": False,
            "type": msg_type,
            "flags": flags,
            "components": list(components),
        }
        if nonce is not None:
            message["nonce"] = nonce
        if message_reference is not None:
            ref_id = message_reference.get("message_id")
            referenced = self.messages.get(str(ref_id)) if ref_id is not None else None
            if referenced is None and message_reference.get("fail_if_not_exists", True):
                raise _form_error("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
            if referenced is not None:
                ref = {
                    "type": 0,
                    "channel_id": referenced["channel_id"],
                    "message_id": referenced["id"],
                }
                if "guild_id" in channel:
                    ref["guild_id"] = channel["guild_id"]
                message["message_reference"] = ref
                message["referenced_message"] = {
                    k: v for k, v in referenced.items() if k != "referenced_message"
                }
                if msg_type == 0:
                    message["type"] = 19
        return message

    def _message_from_body(
        self, channel: Json, author: Json, body: Json, files: list[Json], **extra: Any
    ) -> Json:
        """Build the message the bot asked for, applying allowed_mentions like Discord."""
        self._validate_body(body, files)
        content = str(body.get("content") or "")
        users, roles = self._content_mentions(content)
        allowed = body.get("allowed_mentions")
        reply_author = None
        if allowed is not None:
            parse = allowed.get("parse", [])
            users = [u for u in users if "users" in parse or u in allowed.get("users", [])]
            roles = [r for r in roles if "roles" in parse or r in allowed.get("roles", [])]
        message = self.base_message(
            channel,
            author,
            content,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(files),
            flags=int(body.get("flags") or 0),
            message_reference=body.get("message_reference"),
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
            **extra,
        )
        if "referenced_message" in message and (allowed is None or allowed.get("replied_user")):
            reply_author = message["referenced_message"]["author"]["id"]
            users = [*users, reply_author] if reply_author not in users else users
        message["mentions"] = [self.users[u] for u in users if u in self.users]
        message["mention_roles"] = roles
        return message

    async def _apply_edit(self, message: Json, body: Json, files: list[Json]) -> None:
        self._validate_body(body, files, require_content=False)
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS may change; ephemeral/loading are fixed at creation.
            message["flags"] = (message["flags"] & ~(1 << 2)) | (int(body["flags"]) & (1 << 2))
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] += self._attachments(files)
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = _now_iso()
        if self.echo_bot_messages and not message["flags"] & EPHEMERAL:
            await self.dispatch("MESSAGE_UPDATE", self._gateway_message(message))

    async def _store_and_echo(self, message: Json) -> None:
        self.messages[message["id"]] = message
        channel = self.channels.get(message["channel_id"])
        if channel is not None:
            channel["last_message_id"] = message["id"]
        if self.echo_bot_messages and not message["flags"] & EPHEMERAL and self._session:
            await self.dispatch("MESSAGE_CREATE", self._gateway_message(message))

    async def _delete_and_echo(self, message: Json) -> None:
        self.messages.pop(message["id"], None)
        if self.echo_bot_messages and not message["flags"] & EPHEMERAL and self._session:
            data = {"id": message["id"], "channel_id": message["channel_id"]}
            if guild_id := self.channels.get(message["channel_id"], {}).get("guild_id"):
                data["guild_id"] = guild_id
            await self.dispatch("MESSAGE_DELETE", data)

    def _partial_member(self, guild_id: str, user_id: str) -> Json | None:
        member = self.members.get(guild_id, {}).get(user_id)
        return None if member is None else {k: v for k, v in member.items() if k != "user"}

    def _gateway_message(self, message: Json, *, strip: bool = True) -> Json:
        """REST message + the gateway-only ``guild_id``/``member`` fields, intent-filtered."""
        data = _loads(_dumps(message))
        channel = self.channels.get(message["channel_id"], {})
        guild_id = channel.get("guild_id")
        if guild_id:
            data["guild_id"] = guild_id
            if member := self._partial_member(guild_id, message["author"]["id"]):
                data["member"] = member
            for mention in data["mentions"]:
                if member := self._partial_member(guild_id, mention["id"]):
                    mention["member"] = member
        if strip and self._lacks_content_intent(data):
            for key, empty in (
                ("content", ""),
                ("embeds", []),
                ("attachments", []),
                ("components", []),
            ):
                data[key] = empty
        return data

    def _lacks_content_intent(self, message: Json) -> bool:
        session = self._session
        if not self.enforce_message_content_intent or session is None:
            return False
        if session.intents & MESSAGE_CONTENT_INTENT or "guild_id" not in message:
            return False
        bot_id = self.bot_user["id"]
        mentioned = any(u["id"] == bot_id for u in message["mentions"])
        return message["author"]["id"] != bot_id and not mentioned
