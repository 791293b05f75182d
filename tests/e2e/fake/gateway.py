# ruff: noqa: ASYNC109 - the test-facing wait_* API takes explicit ``timeout`` arguments.
"""The fake's gateway: websocket connections, sessions, shards and resumes.

Why: the bot's connect, reconnect and resume paths run against the real protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.e2e.fake.protocol import (
    PRIVILEGED_INTENTS,
    Json,
    _dumps,
    _loads,
)


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


class GatewayMixin:
    """Websocket handling: HELLO, IDENTIFY, RESUME, heartbeats, dispatch and drops."""

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
