"""The opt-in health and metrics server (HEALTH_PORT, on HEALTH_HOST = 127.0.0.1).

GET /healthz: 200 with a small JSON body while every shard of this process is connected
to Discord, 503 otherwise (starting, retrying to reach Discord, reconnecting, closing).
GET /metrics: Prometheus text format (see bot.metrics). Served with aiohttp, which
discord.py already depends on, on the bot's own event loop.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.metrics import ErrorCounter, Metrics

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger("bot.health")
STORE_CHECK_SECONDS = 1.0


def connected_shards(bot: OptoutBot) -> tuple[int, int]:
    """(shards connected now, shards this process runs)."""
    shards = getattr(bot, "shards", None)
    if isinstance(shards, dict) and shards:
        return sum(not s.is_closed() for s in shards.values()), len(shards)
    ws = bot.ws
    return (1 if ws is not None and ws.open else 0), 1


async def store_reachable(bot: OptoutBot) -> bool:
    """One quick read (a server's settings), time-boxed; a failure is logged once."""
    result = await bot.store_guard.safely(
        bot.store.get_settings(0), None, seconds=STORE_CHECK_SECONDS
    )
    return result is not None


async def health(bot: OptoutBot) -> tuple[bool, dict[str, Any]]:
    connected, total = connected_shards(bot)
    latency = bot.latency
    store = await store_reachable(bot)
    if bot.metrics is not None:
        bot.metrics.store_up.set(1 if store else 0)
    up = bot.is_ready() and not bot.is_closed() and connected == total
    return up, {
        "status": "ok" if up else "unavailable",
        "shards": {"connected": connected, "total": total},
        "gateway_latency_ms": round(latency * 1000, 1) if math.isfinite(latency) else None,
        "knowledge_version": bot.engine.kb.version,
        "store_reachable": store,
    }


def make_app(bot: OptoutBot, metrics: Metrics) -> web.Application:
    async def healthz(request: web.Request) -> web.Response:
        up, body = await health(bot)
        return web.json_response(body, status=200 if up else 503)

    async def metrics_text(request: web.Request) -> web.Response:
        metrics.store_up.set(1 if await store_reachable(bot) else 0)
        metrics.knowledge_version(bot.engine.kb.version)
        return web.Response(
            body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_text)
    return app


class HealthServer:
    """Started before the bot logs in (so /healthz answers 503 while it cannot reach
    Discord) and stopped after it closed."""

    def __init__(self, bot: OptoutBot, host: str, port: int) -> None:
        if bot.metrics is None:
            raise ValueError("the bot was built without metrics (HEALTH_PORT unset)")
        self.bot, self.host, self.port = bot, host, port
        self._runner: web.AppRunner | None = None
        self._errors = ErrorCounter(bot.metrics)

    async def start(self) -> HealthServer:
        runner = web.AppRunner(make_app(self.bot, self.bot.metrics), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        logging.getLogger().addHandler(self._errors)
        log.info("health and metrics on http://%s:%d/healthz and /metrics", self.host, self.port)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            logging.getLogger().removeHandler(self._errors)
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> HealthServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
