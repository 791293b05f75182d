"""``FakeDiscord``: the fake's state and lifecycle, composed from its parts.

Why: one object tests hold, while each concern lives in its own module: ``world`` (guilds,
channels, users, permissions), ``messages`` (the message model), ``rest`` and
``interaction_routes`` (REST API), ``gateway`` (websocket, sessions, resumes), ``events``
(what tests send), ``faults`` (injected errors and delays) and ``records`` (what was seen,
and waiting for it).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

from aiohttp import web

from tests.e2e.fake.events import EventsMixin
from tests.e2e.fake.faults import FaultsMixin, _Fault, _Latency
from tests.e2e.fake.gateway import GatewayMixin, _Connection, _Session
from tests.e2e.fake.interaction_routes import InteractionRoutesMixin
from tests.e2e.fake.messages import MessagesMixin
from tests.e2e.fake.protocol import (
    API_PREFIX,
    BOT_TOKEN,
    PRIVILEGED_INTENTS,
    FakeInteraction,
    Json,
    RecordedRequest,
)
from tests.e2e.fake.records import RecordsMixin
from tests.e2e.fake.rest import RestMixin
from tests.e2e.fake.world import WorldMixin


class FakeDiscord(
    WorldMixin,
    RecordsMixin,
    FaultsMixin,
    RestMixin,
    MessagesMixin,
    InteractionRoutesMixin,
    GatewayMixin,
    EventsMixin,
):
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
