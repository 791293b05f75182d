"""Prometheus metrics for the running bot (opt-in with HEALTH_PORT).

Labels never carry user data: outcomes, knowledge entry ids, command names and error
kinds only. Instrumentation hooks into the bot from outside, so the cogs stay unaware:
- a question's arrival is stamped (a context variable) when its gateway event is parsed;
  tasks discord.py creates for it inherit the stamp;
- an answer is counted, with its latency, when the answer log records it (after the reply
  was sent);
- an interaction's ack latency is taken when Discord accepts its first response (an
  aiohttp trace on the bot's HTTP session, which discord.py uses for interaction replies);
- errors are counted from the log records the bot writes at ERROR (storage: WARNING).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from bot.app import OptoutBot

ARRIVED: ContextVar[float | None] = ContextVar("optout_question_arrived", default=None)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)
ERROR_KINDS = ("interaction", "event", "storage", "knowledge", "discord", "other")
_CALLBACK = re.compile(r"/interactions/\d+/[^/]+/callback$")
_COMMAND_NAME = re.compile(r"^[\w-]{1,32}$")
_INTERACTION_TYPES = {3: "component", 4: "autocomplete", 5: "modal"}


class Metrics:
    """One registry per bot (tests run several bots in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers = Counter(
            "optout_answers",
            "Answers sent, by outcome (answer|clarify|decline) and knowledge entry id",
            ["outcome", "entry"],
            registry=r,
        )
        self.interactions = Counter(
            "optout_interactions",
            "Interactions received: /command name, component, autocomplete or modal",
            ["command"],
            registry=r,
        )
        self.errors = Counter("optout_errors", "Errors logged, by kind", ["kind"], registry=r)
        self.answer_seconds = Histogram(
            "optout_answer_seconds",
            "From a question's gateway event reaching the bot to its answer being sent",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.ack_seconds = Histogram(
            "optout_ack_seconds",
            "From an interaction reaching the bot to Discord accepting its first response",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.knowledge_age = Gauge(
            "optout_knowledge_version_age_seconds",
            "Seconds since the knowledge version now answering was first seen (per scrape)",
            registry=r,
        )
        self.store_up = Gauge(
            "optout_store_up", "1 when the last store check succeeded, else 0", registry=r
        )
        for kind in ERROR_KINDS:
            self.errors.labels(kind=kind)
        self._version: str | None = None
        self._version_since = time.monotonic()

    def answered(self, outcome: str, entry: str | None) -> None:
        self.answers.labels(outcome=outcome, entry=entry or "none").inc()
        arrived = ARRIVED.get()
        if arrived is not None:
            self.answer_seconds.observe(time.perf_counter() - arrived)

    def knowledge_version(self, version: str) -> float:
        """Age of ``version``: restarts when the version answering changes."""
        if version != self._version:
            self._version, self._version_since = version, time.monotonic()
        age = time.monotonic() - self._version_since
        self.knowledge_age.set(age)
        return age


def interaction_label(data: dict[str, Any]) -> str:
    """`/name` for a slash command, else the interaction's kind; never user input beyond a
    command name Discord only sends for commands we registered."""
    kind = data.get("type")
    if kind == 2:
        name = (data.get("data") or {}).get("name")
        return f"/{name}" if isinstance(name, str) and _COMMAND_NAME.match(name) else "other"
    return _INTERACTION_TYPES.get(kind, "other")


def instrument(bot: OptoutBot, metrics: Metrics) -> None:
    """Attach ``metrics`` to ``bot`` before it logs in (the trace needs a new session)."""
    parsers = getattr(bot._connection, "parsers", None)
    if isinstance(parsers, dict):
        for event in ("MESSAGE_CREATE", "INTERACTION_CREATE"):
            if event in parsers:
                parsers[event] = _stamped(parsers[event], metrics, event)
    answer_log = bot.answer_log
    record = answer_log.answered

    async def answered(guild_id: int | None, answer: Any, **how: Any) -> None:
        metrics.answered(answer.outcome, answer.entry_id)
        await record(guild_id, answer, **how)

    answer_log.answered = answered  # type: ignore[method-assign]
    bot.http.http_trace = _ack_trace(metrics)


def _stamped(parse: Callable[[Any], None], metrics: Metrics, event: str) -> Callable[[Any], None]:
    def stamped(data: Any) -> None:
        if event == "INTERACTION_CREATE" and isinstance(data, dict):
            metrics.interactions.labels(command=interaction_label(data)).inc()
        token = ARRIVED.set(time.perf_counter())
        try:
            parse(data)
        finally:
            ARRIVED.reset(token)

    return stamped


def _ack_trace(metrics: Metrics) -> aiohttp.TraceConfig:
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        arrived = ARRIVED.get()
        if arrived is None or params.method != "POST" or params.response.status >= 300:
            return
        if _CALLBACK.search(params.url.path):
            metrics.ack_seconds.observe(time.perf_counter() - arrived)

    trace.on_request_end.append(on_request_end)
    return trace


class ErrorCounter(logging.Handler):
    """Counts the bot's error log records by kind (storage problems are WARNINGs)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(logging.WARNING)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        kind = error_kind(record)
        if kind is not None:
            self.metrics.errors.labels(kind=kind).inc()


#: Errors logged here count as knowledge errors: the knowledge service's modules, the kb cog
#: and (as when they all sat in bot.maintenance) the retention purge.
KNOWLEDGE_LOGGERS = (
    "bot.services.reloader",
    "bot.services.teach",
    "bot.services.validate",
    "bot.services.yaml_edit",
    "bot.services.retention",
    "bot.cogs.kb",
)


def error_kind(record: logging.LogRecord) -> str | None:
    name = record.name
    if name == "bot.records" or name.startswith("bot.store"):
        return "storage"
    if record.levelno < logging.ERROR:
        return None
    if name == "bot.errors" or name == "bot.views":
        return "interaction"
    if name == "bot.app":
        return "event"
    if name.startswith(KNOWLEDGE_LOGGERS):
        return "knowledge"
    if name.startswith("discord"):
        return "discord"
    return "other"
