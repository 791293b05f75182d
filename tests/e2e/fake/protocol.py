"""Discord's wire vocabulary as the fake speaks it: ids, permission bits, errors, records.

Why: every part of the fake (world, REST, gateway, faults) shares these; they hold no state.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

try:  # the fake shares the CPU with the bot under load: the faster codec when present
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency of the bot
    orjson = None


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


Handler = Callable[[RecordedRequest, re.Match[str]], Awaitable[tuple[int, Any]]]
