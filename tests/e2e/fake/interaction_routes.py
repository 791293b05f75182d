"""REST routes for interaction callbacks and webhooks (followups, edits, deletes).

Why: slash commands and buttons are answered through these, with Discord's 3 s rule.
"""

from __future__ import annotations

import re
import time
from typing import Any

from tests.e2e.fake.protocol import (
    EPHEMERAL,
    LOADING,
    DiscordError,
    FakeInteraction,
    Json,
    RecordedRequest,
    _form_error,
)


class InteractionRoutesMixin:
    """Interaction callback and webhook handlers."""

    # ------------------------------------------------------------------ interactions (REST)

    def _interaction_by_token(self, app_id: str, token: str) -> FakeInteraction:
        inter = self._interactions_by_token.get(token)
        if inter is None or app_id != self.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        return inter

    def _interaction_channel(self, inter: FakeInteraction) -> Json:
        return self.channels[inter.payload["channel_id"]]

    def _interaction_message(self, inter: FakeInteraction, body: Json, files: list[Json]) -> Json:
        channel = self._interaction_channel(inter)
        payload = inter.payload
        user = payload.get("member", {}).get("user") or payload.get("user")
        metadata: Json = {
            "id": inter.id,
            "type": payload["type"],
            "user": user,
            "authorizing_integration_owners": payload["authorizing_integration_owners"],
        }
        if payload["type"] == 2:
            metadata["name"] = payload["data"]["name"]
            metadata["command_type"] = payload["data"].get("type", 1)
        msg_type = 20 if payload["type"] == 2 else 0
        message = self._message_from_body(channel, self.bot_user, body, files, msg_type=msg_type)
        message["webhook_id"] = self.application_id
        message["application_id"] = self.application_id
        message["interaction_metadata"] = metadata
        return message

    async def _interaction_callback(
        self, rec: RecordedRequest, m: re.Match[str]
    ) -> tuple[int, Any]:
        inter = self.interactions.get(m[1])
        if inter is None or inter.token != m[2]:
            raise DiscordError(404, 10062, "Unknown interaction")
        timeout = self.interaction_ack_timeout
        if timeout is not None and time.monotonic() - inter.created > timeout:
            raise DiscordError(404, 10062, "Unknown interaction")
        if inter.acknowledged:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        body = rec.json or {}
        kind = body.get("type")
        data = body.get("data") or {}
        component_message = inter.payload.get("message")
        message: Json | None = None
        if kind in (4, 5):
            if kind == 5:
                flags = (int(data.get("flags") or 0) & EPHEMERAL) | LOADING
                message = self.base_message(
                    self._interaction_channel(inter), self.bot_user, flags=flags, msg_type=20
                )
                message.update(webhook_id=self.application_id, application_id=self.application_id)
            else:
                message = self._interaction_message(inter, data, rec.files)
            await self._store_and_echo(message)
            inter.original_message_id = message["id"]
        elif kind in (6, 7):
            if component_message is None:
                raise DiscordError(400, 40004, "Interaction is not a component interaction")
            message = self.messages.get(component_message["id"], component_message)
            inter.original_message_id = message["id"]
            if kind == 7:
                await self._apply_edit(message, data, rec.files)
        elif kind == 8:
            if inter.payload["type"] != 4:
                raise DiscordError(400, 50035, "Invalid Form Body")
        elif kind not in (1, 9, 10, 12):
            raise _form_error(
                "type", "BASE_TYPE_CHOICES", f"Value must be one of (1..12), got {kind}"
            )
        inter.responses.append(body)
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        result: Json = {
            "interaction": {
                "id": inter.id,
                "type": inter.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
            }
        }
        if message is not None:
            result["interaction"]["response_message_id"] = message["id"]
            result["resource"] = {"type": kind, "message": message}
        return 200, result

    async def _webhook_execute(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        inter = self._interaction_by_token(m[1], m[2])
        if not inter.acknowledged:
            raise DiscordError(404, 10015, "Unknown Webhook")
        body = rec.json or {}
        original = self.messages.get(inter.original_message_id or "")
        if original is not None and original["flags"] & LOADING:
            # Discord: the first followup after a deferred response replaces the loading message.
            await self._apply_edit(
                original, {k: v for k, v in body.items() if k != "flags"}, rec.files
            )
            message = original
        else:
            message = self._interaction_message(inter, body, rec.files)
            await self._store_and_echo(message)
        if rec.query.get("wait") in ("true", "True", "1"):
            return 200, message
        return 204, None

    def _webhook_message(self, m: re.Match[str]) -> tuple[FakeInteraction, Json]:
        inter = self._interaction_by_token(m[1], m[2])
        message_id = inter.original_message_id if m[3] == "@original" else m[3]
        message = self.messages.get(message_id or "")
        foreign = (
            m[3] != "@original"
            and message is not None
            and message.get("webhook_id") != self.application_id
        )
        if message is None or foreign:
            raise DiscordError(404, 10008, "Unknown Message")
        return inter, message

    async def _webhook_get(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self._webhook_message(m)[1]

    async def _webhook_edit(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        _, message = self._webhook_message(m)
        await self._apply_edit(message, rec.json or {}, rec.files)
        return 200, message

    async def _webhook_delete(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        _, message = self._webhook_message(m)
        await self._delete_and_echo(message)
        return 204, None
