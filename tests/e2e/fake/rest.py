"""The fake's REST API: routing, body parsing, auth, and the handlers for each route.

Why: discord.py's HTTP client must get Discord-shaped answers (and 404s for the rest).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import web

from tests.e2e.fake.protocol import (
    API_PREFIX,
    DiscordError,
    Handler,
    Json,
    Perm,
    RecordedRequest,
    _dumps,
    _form_error,
    _loads,
)


class RestMixin:
    """HTTP plumbing and REST handlers for users, commands, guilds, channels and messages."""

    # ------------------------------------------------------------------ HTTP plumbing

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], str, Handler]]:
        s = r"(\d+)"
        tok = r"([^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway_bot),
            ("GET", "/users/@me", self._get_me),
            ("GET", f"/users/{s}", self._get_user),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", f"/applications/{s}/commands", self._get_commands),
            ("PUT", f"/applications/{s}/commands", self._put_commands),
            ("POST", f"/applications/{s}/commands", self._post_command),
            ("GET", f"/applications/{s}/guilds/{s}/commands", self._get_commands),
            ("PUT", f"/applications/{s}/guilds/{s}/commands", self._put_commands),
            ("POST", f"/applications/{s}/guilds/{s}/commands", self._post_command),
            ("GET", f"/guilds/{s}", self._get_guild),
            ("GET", f"/guilds/{s}/channels", self._get_guild_channels),
            ("GET", f"/guilds/{s}/roles", self._get_guild_roles),
            ("GET", f"/guilds/{s}/members/{s}", self._get_member),
            ("GET", f"/channels/{s}", self._get_channel),
            ("GET", f"/channels/{s}/messages", self._get_messages),
            ("POST", f"/channels/{s}/messages", self._post_message),
            ("GET", f"/channels/{s}/messages/{s}", self._get_message),
            ("PATCH", f"/channels/{s}/messages/{s}", self._patch_message),
            ("DELETE", f"/channels/{s}/messages/{s}", self._delete_message),
            ("POST", f"/channels/{s}/typing", self._no_content),
            ("PUT", f"/channels/{s}/messages/{s}/reactions/{tok}/@me", self._no_content),
            ("DELETE", f"/channels/{s}/messages/{s}/reactions/{tok}/{tok}", self._no_content),
            ("POST", f"/interactions/{s}/{tok}/callback", self._interaction_callback),
            ("POST", f"/webhooks/{s}/{tok}", self._webhook_execute),
            ("GET", f"/webhooks/{s}/{tok}/messages/{tok}", self._webhook_get),
            ("PATCH", f"/webhooks/{s}/{tok}/messages/{tok}", self._webhook_edit),
            ("DELETE", f"/webhooks/{s}/{tok}/messages/{tok}", self._webhook_delete),
        ]
        return [(m, re.compile(p), h.__name__.lstrip("_"), h) for m, p, h in table]

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[Json]]:
        if not request.can_read_body:
            return None, []
        ctype = request.content_type
        if ctype == "multipart/form-data":
            payload: Any = None
            files: list[Json] = []
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader):
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    payload = _loads(data)
                else:
                    files.append(
                        {
                            "name": part.name,
                            "filename": part.filename,
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(data),
                            "data": bytes(data),
                        }
                    )
            return payload, files
        raw = await request.read()
        if not raw:
            return None, []
        try:
            return _loads(raw), []
        except ValueError:
            return raw.decode("utf-8", "replace"), []

    @staticmethod
    def _json_response(
        status: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        # discord.py only decodes JSON when Content-Type is *exactly* application/json,
        # so no charset suffix (web.json_response would add one).
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if status == 204 or body is None:
            return web.Response(status=204 if body is None else status, headers=dict(headers or {}))
        return web.Response(status=status, body=_dumps(body).encode(), headers=hdrs)

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        payload, files = await self._parse_body(request)
        full_path = request.path
        path = full_path[len(API_PREFIX) :] if full_path.startswith(API_PREFIX) else full_path
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=payload,
            headers=dict(request.headers),
            files=files,
        )
        self.requests.append(rec)
        try:
            response = await self._respond(request, rec, full_path)
        except Exception as exc:
            # A bug in the fake must fail fast and visibly: 418 is not retried by discord.py
            # (a 500 would be retried for ~25 s), and the conftest fixture re-raises these.
            self.internal_errors.append(exc)
            rec.status, rec.response = 418, {"message": f"fake_discord bug: {exc!r}", "code": 0}
            response = self._json_response(418, rec.response)
        await self._notify()
        return response

    async def _respond(
        self, request: web.Request, rec: RecordedRequest, full_path: str
    ) -> web.Response:
        for lat in self._latencies:
            if lat.method in ("*", rec.method) and lat.path.fullmatch(rec.path):
                await asyncio.sleep(lat.seconds)
        fault = self._take_fault(rec.method, rec.path)
        if fault is not None:
            return self._fault_response(rec, fault)
        handler = None
        match = None
        if full_path.startswith(API_PREFIX):
            for method, pattern, name, candidate in self._routes:
                if method == rec.method and (match := pattern.fullmatch(rec.path)):
                    rec.route, handler = name, candidate
                    break
        try:
            if handler is None or match is None:
                raise DiscordError(404, 0, "404: Not Found")
            needs_auth = not rec.path.startswith(("/webhooks/", "/interactions/"))
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise DiscordError(401, 0, "401: Unauthorized")
            status, body = await handler(rec, match)
        except DiscordError as err:
            status, body = err.status, err.body()
        rec.status, rec.response = status, body
        return self._json_response(status, body)

    async def _notify(self) -> None:
        async with self._activity:
            self._activity.notify_all()

    # ------------------------------------------------------------------ REST handlers

    async def _no_content(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 204, None

    async def _get_gateway(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit}

    async def _get_me(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self.bot_user

    async def _get_user(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        if (user := self.users.get(m[1])) is None:
            raise DiscordError(404, 10013, "Unknown User")
        return 200, user

    async def _open_dm(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self.dm_channel(str((rec.json or {}).get("recipient_id")))

    async def _get_application(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, {
            "id": self.application_id,
            "name": self.bot_user["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.application_owner,
            "team": None,
            "flags": self.application_flags,
            "bot": self.bot_user,
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    def _check_app(self, app_id: str) -> None:
        if app_id != self.application_id:
            raise DiscordError(403, 50001, "Missing Access")

    def _command_list(self, m: re.Match[str]) -> list[Json]:
        self._check_app(m[1])
        if m.re.groups == 2:
            if m[2] not in self.guilds:
                raise DiscordError(403, 50001, "Missing Access")
            return self.guild_commands.setdefault(m[2], [])
        return self.global_commands

    def _store_command(self, body: Json, guild_id: str | None, existing: list[Json]) -> Json:
        previous = next((c for c in existing if c["name"] == body.get("name")), None)
        command = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **body,
            "id": previous["id"] if previous else self.snowflake(),
            "application_id": self.application_id,
            "version": self.snowflake(),
        }
        if guild_id:
            command["guild_id"] = guild_id
        else:
            command.setdefault("contexts", None)
            command.setdefault("integration_types", [0])
        return command

    async def _get_commands(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self._command_list(m)

    async def _put_commands(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        existing = self._command_list(m)
        guild_id = m[2] if m.re.groups == 2 else None
        if not isinstance(rec.json, list):
            raise _form_error("_root", "LIST_TYPE_CONVERT", "Must be a list")
        names = [c.get("name") for c in rec.json]
        if len(names) != len(set(zip(names, (c.get("type", 1) for c in rec.json), strict=True))):
            raise _form_error("_root", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
        new = [self._store_command(c, guild_id, existing) for c in rec.json]
        existing[:] = new
        return 200, new

    async def _post_command(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        existing = self._command_list(m)
        command = self._store_command(rec.json or {}, m[2] if m.re.groups == 2 else None, existing)
        existing[:] = [c for c in existing if c["id"] != command["id"]] + [command]
        return 201, command

    def _guild(self, guild_id: str) -> Json:
        if guild_id not in self.guilds:
            raise DiscordError(404, 10004, "Unknown Guild")
        return self.guilds[guild_id]

    def guild_payload(self, guild_id: str) -> Json:
        """Full GUILD_CREATE payload for a guild."""
        guild = self._guild(guild_id)
        members = list(self.members[guild_id].values())
        return {
            **guild,
            "roles": list(self.roles[guild_id].values()),
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"}
                for c in self.channels.values()
                if c.get("guild_id") == guild_id
            ],
            "members": members,
            "member_count": len(members),
            "joined_at": self.members[guild_id][self.bot_user["id"]]["joined_at"],
            "large": False,
            "unavailable": False,
            "threads": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    async def _get_guild(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        guild = self._guild(m[1])
        return 200, {**guild, "roles": list(self.roles[m[1]].values())}

    async def _get_guild_channels(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        self._guild(m[1])
        return 200, [c for c in self.channels.values() if c.get("guild_id") == m[1]]

    async def _get_guild_roles(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        self._guild(m[1])
        return 200, list(self.roles[m[1]].values())

    async def _get_member(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        self._guild(m[1])
        if (member := self.members[m[1]].get(m[2])) is None:
            raise DiscordError(404, 10007, "Unknown Member")
        return 200, member

    def _channel(self, channel_id: str) -> Json:
        if (channel := self.channels.get(channel_id)) is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        if "guild_id" in channel:
            self._require(channel, Perm.VIEW_CHANNEL)
        return channel

    def _message(self, channel_id: str, message_id: str) -> Json:
        message = self.messages.get(message_id)
        if message is None or message["channel_id"] != channel_id:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self._channel(m[1])

    async def _get_messages(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        channel = self._channel(m[1])
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        limit = int(rec.query.get("limit", 50))
        newest_first = sorted(self.channel_messages(m[1]), key=lambda x: int(x["id"]), reverse=True)
        if before := rec.query.get("before"):
            newest_first = [x for x in newest_first if int(x["id"]) < int(before)]
        if after := rec.query.get("after"):
            newest_first = [x for x in newest_first if int(x["id"]) > int(after)]
        return 200, newest_first[:limit]

    async def _get_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        channel = self._channel(m[1])
        self._require(channel, Perm.READ_MESSAGE_HISTORY)
        return 200, self._message(m[1], m[2])

    async def _post_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        channel = self._channel(m[1])
        body = rec.json or {}
        needed = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES
        if body.get("message_reference"):
            needed |= Perm.READ_MESSAGE_HISTORY
        self._require(channel, needed)
        if channel["type"] == 1 and channel["recipients"][0]["id"] in self.dms_closed:
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        message = self._message_from_body(channel, self.bot_user, body, rec.files)
        await self._store_and_echo(message)
        return 200, message

    async def _patch_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        self._channel(m[1])
        message = self._message(m[1], m[2])
        if message["author"]["id"] != self.bot_user["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        await self._apply_edit(message, rec.json or {}, rec.files)
        return 200, message

    async def _delete_message(self, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
        channel = self._channel(m[1])
        message = self._message(m[1], m[2])
        if message["author"]["id"] != self.bot_user["id"]:
            self._require(channel, Perm.MANAGE_MESSAGES)
        await self._delete_and_echo(message)
        return 204, None
