# ruff: noqa: ASYNC109 - the test-facing wait_* API takes explicit ``timeout`` arguments.
"""A local fake of Discord's REST API and gateway for end-to-end tests.

Why: the bot must be tested end to end (gateway events in, REST calls out) without ever
touching the real Discord. ``FakeDiscord`` serves both halves on 127.0.0.1, keeps a small
model of guilds/channels/users/messages/interactions, records every request and every
gateway frame, and lets tests inject events and faults.

Only what discord.py 2.7 needs for a ``commands.Bot`` with app commands, components,
replies, DMs and interaction responses is modelled; anything else gets a Discord-shaped
404 and is recorded so the test can see what the bot attempted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import secrets
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import yarl
from aiohttp import web
from discord.ext import commands

try:  # the fake shares the CPU with the bot under load: the faster codec when present
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency of the bot
    orjson = None

__all__ = [
    "BOT_TOKEN",
    "EPHEMERAL",
    "DefaultWorld",
    "DiscordError",
    "FakeDiscord",
    "FakeInteraction",
    "Perm",
    "RecordedRequest",
    "make_test_bot",
    "patch_discord_endpoints",
    "running_bot",
    "skip_identify_delay",
]

BOT_TOKEN = "fake-bot-token"
API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
ANY_ID = r"\d+"
EPHEMERAL = 1 << 6
LOADING = 1 << 7

Json = dict[str, Any]


def _dumps(obj: Any) -> str:
    if orjson is not None:
        with contextlib.suppress(TypeError):  # e.g. an int beyond 64 bits: json copes
            return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()
    return json.dumps(obj)


def _loads(data: str | bytes) -> Any:
    return orjson.loads(data) if orjson is not None else json.loads(data)


class Perm:
    """Permission bits (subset) so tests and the fake need not import discord.Permissions."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38
    ALL = (1 << 51) - 1
    #: What @everyone gets in a freshly created guild (close enough for tests).
    DEFAULT = (
        VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_EXTERNAL_EMOJIS
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS
        | CREATE_INSTANT_INVITE
    )


# Gateway intents that need to be switched on in the developer portal.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
MESSAGE_CONTENT_INTENT = 1 << 15


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class DiscordError(Exception):
    """Raised inside handlers; becomes a Discord-shaped JSON error response."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> Json:
        body: Json = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def _form_error(field_name: str, code: str, message: str) -> DiscordError:
    """Why: real validation errors are 400/50035 with a nested ``errors`` tree."""
    return DiscordError(
        400,
        50035,
        "Invalid Form Body",
        {field_name: {"_errors": [{"code": code, "message": message}]}},
    )


@dataclass
class RecordedRequest:
    """One HTTP request as the fake saw it (JSON body already parsed, also from multipart)."""

    method: str
    path: str  # relative to /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[Json] = field(default_factory=list)
    time: float = field(default_factory=time.monotonic)
    status: int | None = None
    response: Any = None
    route: str | None = None  # name of the matched route, None if unknown

    def matches(self, method: str | None = None, path: str | None = None) -> bool:
        """Method equality and ``path`` as a full-match regex."""
        if method is not None and self.method != method.upper():
            return False
        return path is None or re.fullmatch(path, self.path) is not None


@dataclass
class FakeInteraction:
    """What ``send_interaction`` returns: ids to look up the bot's callback later."""

    id: str
    token: str
    payload: Json
    responses: list[Json] = field(default_factory=list)  # callback bodies
    original_message_id: str | None = None
    created: float = field(default_factory=time.monotonic)

    @property
    def acknowledged(self) -> bool:
        return bool(self.responses)


@dataclass
class _Fault:
    method: str
    path: re.Pattern[str]
    status: int
    remaining: int | None
    retry_after: float
    is_global: bool
    via: bool
    body: Json | None


@dataclass
class _Latency:
    method: str
    path: re.Pattern[str]
    seconds: float


@dataclass(eq=False)  # hashable by identity: kept in a set
class _Connection:
    ws: web.WebSocketResponse
    transport: Any
    zlib: Any | None
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class _Session:
    id: str
    intents: int
    shard: list[int]
    seq: int = 0
    backlog: list[Json] = field(default_factory=list)
    conn: _Connection | None = None
    resumable: bool = True


Handler = Callable[[RecordedRequest, re.Match[str]], Awaitable[tuple[int, Any]]]


class FakeDiscord:
    """In-process fake Discord. Start with ``async with FakeDiscord() as fake`` or ``start()``.

    Data is kept as plain Discord JSON payloads (snowflakes are strings) so what the bot
    receives is exactly what it would receive from Discord.
    """

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        bot_name: str = "FakeBot",
        heartbeat_interval_ms: int = 41_250,
        enforce_permissions: bool = True,
        enforce_message_content_intent: bool = True,
        echo_bot_messages: bool = True,
    ) -> None:
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        #: Reject sends/edits/deletes the bot's roles and overwrites would not allow.
        self.enforce_permissions = enforce_permissions
        #: Strip content of guild messages when the bot lacks MESSAGE_CONTENT (like Discord).
        self.enforce_message_content_intent = enforce_message_content_intent
        #: Dispatch MESSAGE_CREATE/UPDATE/DELETE for the bot's own REST actions (like Discord).
        self.echo_bot_messages = echo_bot_messages
        #: Privileged intents "enabled in the developer portal"; others close with 4014.
        self.allowed_privileged_intents = PRIVILEGED_INTENTS
        #: Reply to heartbeats; set False to simulate a zombied connection.
        self.ack_heartbeats = True
        #: If set, interaction callbacks later than this many seconds fail with 10062.
        self.interaction_ack_timeout: float | None = None
        #: Users whose DMs are closed: sending to their DM channel gives 403/50007.
        self.dms_closed: set[str] = set()

        self._ids = itertools.count()
        self._last_id = 0
        self.application_id = self.snowflake()
        self.bot_user = self.make_user(bot_name, bot=True, user_id=self.application_id)
        self.application_owner = self.make_user("app-owner")
        self.application_flags = (1 << 15) | (1 << 19)  # *_LIMITED gateway intents flags

        self.users: dict[str, Json] = {}
        self.guilds: dict[str, Json] = {}
        self.roles: dict[str, dict[str, Json]] = {}  # guild -> role id -> role
        self.members: dict[str, dict[str, Json]] = {}  # guild -> user id -> member
        self.channels: dict[str, Json] = {}
        self.messages: dict[str, Json] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[str, list[Json]] = {}
        self.interactions: dict[str, FakeInteraction] = {}
        self._interactions_by_token: dict[str, FakeInteraction] = {}
        for user in (self.bot_user, self.application_owner):
            self.users[user["id"]] = user

        self.requests: list[RecordedRequest] = []
        self.gateway_sent: list[Json] = []
        self.gateway_received: list[Json] = []
        self.identify_payloads: list[Json] = []
        self.resume_payloads: list[Json] = []
        self.connections_opened = 0
        #: Exceptions raised inside the fake's own handlers (bugs in the fake).
        self.internal_errors: list[BaseException] = []
        #: Query of each websocket connect (``v``, ``encoding``, ``compress``).
        self.gateway_queries: list[dict[str, str]] = []
        self._faults: list[_Fault] = []
        self._latencies: list[_Latency] = []
        self._session: _Session | None = None  # the latest identified (one shard: the one)
        self._sessions: dict[str, _Session] = {}
        self._shards: dict[int, _Session] = {}  # shard id -> its current session
        self._connections: set[_Connection] = set()
        self._activity = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._routes = self._build_routes()

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> FakeDiscord:
        """Listen on a free loopback port (``port=0``)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self._ws_handler)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close gateway connections and the HTTP server."""
        for conn in list(self._connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.ws.close(code=1001), 1.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE``."""
        return f"{self.http_url}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """Value for ``DiscordWebSocket.DEFAULT_GATEWAY`` (and ``resume_gateway_url``)."""
        return f"ws://127.0.0.1:{self.port}/"

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

    # ------------------------------------------------------------------ inspection helpers

    def requests_matching(
        self, method: str | None = None, path: str | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests filtered by method and full-match path regex."""
        return [r for r in self.requests if r.matches(method, path)]

    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests no route handled (the bot called an endpoint the fake doesn't model)."""
        return [r for r in self.requests if r.route is None]

    def sent_messages(self, channel_id: str | None = None) -> list[Json]:
        """JSON bodies of successful ``POST /channels/{id}/messages`` by the bot, in order."""
        pattern = f"/channels/{channel_id or ANY_ID}/messages"
        return [
            r.json for r in self.requests_matching("POST", pattern) if r.status and r.status < 300
        ]

    def channel_messages(self, channel_id: str) -> list[Json]:
        """Stored messages (from anyone, incl. interaction responses) in a channel, oldest first."""
        return [m for m in self.messages.values() if m["channel_id"] == channel_id]

    def interaction_responses(self, interaction_id: str) -> list[Json]:
        """Callback bodies the bot POSTed for this interaction."""
        return list(self.interactions[interaction_id].responses)

    def webhook_requests(self, interaction: FakeInteraction | str) -> list[RecordedRequest]:
        """Followups/edits the bot made with an interaction's token."""
        token = interaction if isinstance(interaction, str) else interaction.token
        return [
            r
            for r in self.requests
            if r.path.startswith(f"/webhooks/{self.application_id}/{token}")
        ]

    def original_response(self, interaction: FakeInteraction | str) -> Json | None:
        """Current state of the interaction's original response message."""
        inter = self.interactions[interaction if isinstance(interaction, str) else interaction.id]
        return self.messages.get(inter.original_message_id or "")

    async def wait_for(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,
        *,
        poll: float = 0.02,
    ) -> Any:
        """Wait until ``predicate()`` is truthy; returns its value.

        Re-checked on every request/gateway frame and every ``poll`` seconds, so predicates
        over bot-side state (set after the bot processed a response) work too.
        """
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                async with self._activity:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._activity.wait(), poll)
            return result

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> RecordedRequest:
        """First finished request (index >= ``since``) matching ``predicate``.

        Requests recorded before the call count too, so there is no race with the bot.
        """

        def find() -> RecordedRequest | None:
            return next(
                (r for r in self.requests[since:] if r.status is not None and predicate(r)), None
            )

        return await self.wait_for(find, timeout)

    async def wait_for_message(
        self,
        channel_id: str | None = None,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> RecordedRequest:
        """Next successful ``POST /channels/{id}/messages``."""
        pattern = f"/channels/{channel_id or ANY_ID}/messages"
        return await self.wait_for_request(
            lambda r: r.matches("POST", pattern) and r.status == 200, timeout, since=since
        )

    async def wait_for_interaction_response(
        self,
        interaction: FakeInteraction | str,
        timeout: float = 5.0,
    ) -> Json:
        """The first callback body for the interaction."""
        inter = self.interactions[interaction if isinstance(interaction, str) else interaction.id]
        return await self.wait_for(lambda: inter.responses and inter.responses[0], timeout)

    def mark(self) -> int:
        """Index to pass as ``since=`` to only consider requests made from now on."""
        return len(self.requests)

    # ------------------------------------------------------------------ fault injection

    def inject_fault(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        times: int | None = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        via: bool = True,
        body: Json | None = None,
    ) -> None:
        """Force ``status`` for matching requests (``path``: full-match regex, ``*`` any method).

        429s carry ``Retry-After``/``retry_after`` and a ``Via`` header: discord.py treats a 429
        *without* ``Via`` as a Cloudflare ban and raises instead of retrying (``via=False``).
        ``times=None`` means forever.
        """
        self._faults.append(
            _Fault(
                method.upper(), re.compile(path), status, times, retry_after, is_global, via, body
            )
        )

    def add_latency(self, seconds: float, method: str = "*", path: str = ".*") -> None:
        """Delay matching responses by ``seconds``."""
        self._latencies.append(_Latency(method.upper(), re.compile(path), seconds))

    def clear_faults(self) -> None:
        self._faults.clear()
        self._latencies.clear()

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.path.fullmatch(path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                return fault
        return None

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

    def _fault_response(self, rec: RecordedRequest, fault: _Fault) -> web.Response:
        headers: dict[str, str] = {}
        body = fault.body
        if fault.status == 429:
            headers["Retry-After"] = str(max(1, round(fault.retry_after)))
            headers["X-RateLimit-Scope"] = "global" if fault.is_global else "user"
            if fault.is_global:
                headers["X-RateLimit-Global"] = "true"
            if fault.via:
                headers["Via"] = "1.1 google"
            body = body or {
                "message": "You are being rate limited.",
                "retry_after": fault.retry_after,
                "global": fault.is_global,
                "code": 0,
            }
        else:
            body = body or {"message": f"{fault.status}: injected fault", "code": 0}
        rec.status, rec.response, rec.route = fault.status, body, "fault"
        return self._json_response(fault.status, body, headers)

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

    # ------------------------------------------------------------------ gateway

    async def _ws_handler(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self._http_handler(request)
        ws = web.WebSocketResponse(timeout=2.0, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = _Connection(
            ws=ws,
            transport=request.transport,
            zlib=zlib.compressobj() if compress == "zlib-stream" else None,
        )
        self._connections.add(conn)
        self.connections_opened += 1
        self.gateway_queries.append(dict(request.query))
        try:
            if request.query.get("encoding", "json") != "json":
                await ws.close(code=4002, message=b"Only json encoding is supported by the fake")
                return ws
            await self._send(conn, {"op": 10, "s": None, "t": None, "d": self._hello()})
            async for msg in ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    payload = _loads(msg.data)
                    self.gateway_received.append(payload)
                    await self._on_gateway_payload(conn, payload)
                except Exception as exc:  # bug in the fake or garbage from the client
                    self.internal_errors.append(exc)
                    await ws.close(code=4000, message=b"fake_discord internal error")
                await self._notify()
        finally:
            self._connections.discard(conn)
            for session in self._sessions.values():
                if session.conn is conn:
                    session.conn = None
                    if ws.close_code in (1000, 1001):
                        session.resumable = False  # a clean client close ends the session
            await self._notify()
        return ws

    def _hello(self) -> Json:
        return {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-discord"]}

    async def _send(self, conn: _Connection, payload: Json) -> None:
        """Send one gateway frame: zlib-stream binary if the client asked for it, else text."""
        text = _dumps(payload)
        async with conn.lock:
            if conn.ws.closed:
                return
            try:
                if conn.zlib is not None:
                    data = conn.zlib.compress(text.encode()) + conn.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await conn.ws.send_bytes(data)
                else:
                    await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                pass  # stays in the session backlog; a RESUME will replay it

    async def _on_gateway_payload(self, conn: _Connection, payload: Json) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            if self.ack_heartbeats:
                await self._send(conn, {"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            await self._identify(conn, data or {})
        elif op == 6:
            await self._resume(conn, data or {})
        elif op == 8:
            await self._request_members(data or {})

    async def _identify(self, conn: _Connection, data: Json) -> None:
        self.identify_payloads.append(data)
        if data.get("token") != self.token:
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        shard_id, count = int(shard[0]), int(shard[1])
        session = _Session(id=secrets.token_hex(16), intents=intents, shard=shard, conn=conn)
        for other_id, other in list(self._shards.items()):
            if other_id == shard_id or other.shard[1] != count:  # replaced, or resharded
                other.resumable = False
                del self._shards[other_id]
        self._shards[shard_id] = session
        self._session = session
        self._sessions[session.id] = session
        guild_ids = [g for g in self.guilds if self.shard_of(g, count) == shard_id]
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": g, "unavailable": True} for g in guild_ids],
                "session_id": session.id,
                "session_type": "normal",
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": self.application_id, "flags": self.application_flags},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "user_settings": {},
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": ["local"],
                "auth": {},
                "_trace": ["fake-discord"],
            },
            session=session,
        )
        for guild_id in guild_ids:
            await self.dispatch("GUILD_CREATE", self.guild_payload(guild_id), session=session)

    async def _resume(self, conn: _Connection, data: Json) -> None:
        self.resume_payloads.append(data)
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or not session.resumable or data.get("token") != self.token:
            await self._send(conn, {"op": 9, "s": None, "t": None, "d": False})
            return
        if self._shards.get(int(session.shard[0])) is not session:
            return
        session.conn = conn
        last_seq = int(data.get("seq") or 0)
        for event in session.backlog:
            if event["s"] > last_seq:
                await self._send(conn, event)
        await self.dispatch("RESUMED", {"_trace": ["fake-discord"]}, session=session)

    async def _request_members(self, data: Json) -> None:
        guild_id = str(data.get("guild_id"))
        wanted = {str(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in self.members.get(guild_id, {}).values()
            if (not wanted or m["user"]["id"] in wanted)
            and m["user"]["username"].lower().startswith(query)
        ]
        chunk: Json = {
            "guild_id": guild_id,
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def dispatch(self, event: str, data: Json, *, session: _Session | None = None) -> Json:
        """Send a DISPATCH (op 0) with the next sequence number; buffered for RESUME.

        Goes to ``session``, else to the shard that owns the event's guild (DMs: shard 0).
        """
        session = session or self._session_for(data.get("guild_id"))
        if session is None:
            raise RuntimeError("no gateway session: the bot has not identified yet")
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.backlog.append(payload)
        self.gateway_sent.append(payload)
        if session.conn is not None:
            await self._send(session.conn, payload)
        await self._notify()
        return payload

    def _session_for(self, guild_id: str | None) -> _Session | None:
        if len(self._shards) <= 1:
            return self._session
        count = int(next(iter(self._shards.values())).shard[1])
        return self._shards.get(self.shard_of(guild_id, count))

    @property
    def connected_shards(self) -> list[int]:
        """Shard ids with an identified session and an open websocket."""
        return sorted(
            shard_id
            for shard_id, s in self._shards.items()
            if s.conn is not None and not s.conn.ws.closed
        )

    @property
    def connected(self) -> bool:
        """True while a websocket with an identified/resumed session is open."""
        session = self._session
        return session is not None and session.conn is not None and not session.conn.ws.closed

    async def wait_until_connected(self, timeout: float = 5.0) -> None:
        await self.wait_for(lambda: self.connected, timeout)

    async def drop_gateway(self, code: int = 4000, *, abrupt: bool = False) -> None:
        """Close the current websocket (the session stays resumable).

        ``abrupt=True`` kills the TCP connection without a close frame (network failure).
        """
        session = self._session
        if session is None or session.conn is None:
            raise RuntimeError("no open gateway connection")
        conn, session.conn = session.conn, None
        if abrupt:
            conn.transport.close()
        else:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(conn.ws.close(code=code), 2.0)

    async def send_reconnect(self) -> None:
        """Op 7 RECONNECT: the client must reconnect and RESUME."""
        if self._session and self._session.conn:
            await self._send(self._session.conn, {"op": 7, "s": None, "t": None, "d": None})

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Op 9 INVALID_SESSION; with ``resumable=False`` the client must IDENTIFY again."""
        session = self._session
        if session and session.conn:
            session.resumable = resumable
            await self._send(session.conn, {"op": 9, "s": None, "t": None, "d": resumable})

    # ------------------------------------------------------------------ event injection

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


@dataclass
class DefaultWorld:
    """Handles returned by ``FakeDiscord.seed_default_world``."""

    guild: Json
    channel: Json
    other_channel: Json
    user: Json


# ---------------------------------------------------------------------- client side


@contextlib.contextmanager
def patch_discord_endpoints(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and gateway URL at ``fake``; restore afterwards.

    ``Route.BASE`` is a class attribute read per request (``Route.url``), also by webhooks and
    interaction responses; ``DEFAULT_GATEWAY`` is read by ``DiscordWebSocket.from_client`` and
    after an INVALID_SESSION. Both must be patched before the client connects.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


def make_test_bot(**kwargs: Any) -> commands.Bot:
    """A plain ``commands.Bot`` tuned for tests: short guild_ready_timeout, needed intents.

    Why: discord.py waits ``guild_ready_timeout`` (default 2 s) after the last GUILD_CREATE
    before on_ready, and sleeps 5 s before re-IDENTIFY; both are cut here.
    """
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    options: dict[str, Any] = {
        "command_prefix": "!",
        "intents": intents,
        "guild_ready_timeout": 0.1,
    }
    options.update(kwargs)
    return skip_identify_delay(commands.Bot(**options))


def skip_identify_delay(client: discord.Client) -> discord.Client:
    """Make re-IDENTIFY immediate.

    Why: discord.py's default ``before_identify_hook`` sleeps 5 s before every non-initial
    IDENTIFY (after INVALID_SESSION or a failed resume), which would dominate test time.
    """

    async def no_delay(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    client.before_identify_hook = no_delay  # type: ignore[method-assign]
    return client


@contextlib.asynccontextmanager
async def running_bot(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    timeout: float = 5.0,
) -> AsyncIterator[discord.Client]:
    """Run ``client`` against ``fake`` until it is ready; always close it afterwards.

    Why: ``client.start`` blocks forever, so it runs in a task; if it dies (bad token,
    exception in setup_hook) the error surfaces here instead of a ready-timeout.
    """
    if fake.api_base != discord.http.Route.BASE:
        raise RuntimeError("discord endpoints are not patched; use patch_discord_endpoints(fake)")
    task = asyncio.create_task(client.start(fake.token), name="fake-discord-bot")
    try:
        # Polling: wait_until_ready() can't be awaited before login initialises the client.
        deadline = time.monotonic() + timeout
        while not client.is_ready():
            if task.done():
                task.result()  # raises the startup error
                raise RuntimeError("client.start() returned before the client became ready")
            if time.monotonic() > deadline:
                raise TimeoutError(f"bot not ready after {timeout}s")
            await asyncio.sleep(0.01)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5.0)
