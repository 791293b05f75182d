"""Settings, read once from the environment (and an optional .env file) and passed down.

Nothing reads the environment at import time; `Settings.from_env()` is called by the
CLI and by `create_bot()`. Every variable is parsed by its type and a bad value is an
error, never a silent default: `from_env()` collects every problem in one pass and raises
one SettingsError whose lines each name the variable, what is wrong and a good example.
`.env` is read with python-dotenv (quotes, comments, `export`), found by searching upward
from the working folder; real environment variables win. Secrets stay out of repr() and
out of every message.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeVar

from dotenv import dotenv_values, find_dotenv

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
#: `from_env(dotenv=SEARCH)`: look for .env in the working folder, then each parent.
SEARCH: Final = "search"
_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$")


T = TypeVar("T")


class SettingsError(ValueError):
    """Settings the bot cannot use; ``problems`` has one line per bad variable."""

    def __init__(self, problems: str | list[str] | tuple[str, ...]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE pairs of one .env file via python-dotenv (no `${VAR}` expansion: a
    password may contain `$`); a missing or unreadable file reads as empty."""
    try:
        values = dotenv_values(path, interpolate=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {key: value for key, value in values.items() if value is not None}


def find_env_file() -> Path | None:
    """The nearest .env in the working folder or one of its parents."""
    found = find_dotenv(".env", usecwd=True)
    return Path(found) if found else None


@dataclass(frozen=True)
class Settings:
    discord_token: str | None = field(default=None, repr=False)
    knowledge_dir: Path | None = None
    dev_guild_id: int | None = None
    message_content: bool = False
    database_path: str = "optout-bot.sqlite3"
    database_url: str | None = field(default=None, repr=False)
    retention_days: int = 30
    stale_days: int = 180
    home_guild_id: int | None = None
    maintainer_role_id: int | None = None
    maintainer_log_channel_id: int | None = None  # the maintainers' own channel (not a server's)
    user_cooldown_seconds: float = 10.0
    channel_cooldown_seconds: float = 3.0
    repeat_window_seconds: float = 300.0
    watch_knowledge: bool = True
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    log_level: str = "INFO"
    application_id: int | None = None
    log_format: str = "text"
    log_trace: bool = False
    sync_commands: bool = True
    health_port: int | None = None
    health_host: str = "127.0.0.1"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        dotenv: Path | Literal["search"] | None = SEARCH,
    ) -> Settings:
        """Environment variables win over the .env file; unknown names are ignored.

        ``dotenv``: a file, SEARCH (the nearest .env upward from the working folder) or
        None (no file). Raises SettingsError listing every bad value at once.
        """
        merged: dict[str, str] = {}
        path = find_env_file() if dotenv == SEARCH else dotenv
        if path is not None:
            merged.update(read_dotenv(Path(path)))
        merged.update(os.environ if env is None else env)
        read = _Reader(merged)
        d = cls()  # the defaults
        settings = cls(
            discord_token=read.get("DISCORD_TOKEN", _token, secret=True),
            knowledge_dir=read.get("KNOWLEDGE_DIR", Path),
            dev_guild_id=read.get("DEV_GUILD_ID", _snowflake),
            message_content=read.get("MESSAGE_CONTENT", _bool, d.message_content),
            database_path=read.get("DATABASE_PATH", _database_path, d.database_path),
            database_url=read.get("DATABASE_URL", _database_url, secret=True),
            retention_days=read.get("RETENTION_DAYS", _days, d.retention_days),
            stale_days=read.get("KNOWLEDGE_STALE_DAYS", _days, d.stale_days),
            home_guild_id=read.get("HOME_GUILD_ID", _snowflake),
            maintainer_role_id=read.get("MAINTAINER_ROLE_ID", _snowflake),
            maintainer_log_channel_id=read.get("MAINTAINER_LOG_CHANNEL_ID", _snowflake),
            user_cooldown_seconds=read.get(
                "USER_COOLDOWN_SECONDS", _seconds, d.user_cooldown_seconds
            ),
            channel_cooldown_seconds=read.get(
                "CHANNEL_COOLDOWN_SECONDS", _seconds, d.channel_cooldown_seconds
            ),
            repeat_window_seconds=read.get(
                "REPEAT_WINDOW_SECONDS", _seconds, d.repeat_window_seconds
            ),
            watch_knowledge=read.get("WATCH_KNOWLEDGE", _bool, d.watch_knowledge),
            shard_count=read.get("SHARD_COUNT", _shard_count),
            shard_ids=read.get("SHARD_IDS", _shard_ids),
            log_level=read.get("LOG_LEVEL", _log_level, d.log_level),
            application_id=read.get("APPLICATION_ID", _snowflake),
            log_format=read.get("LOG_FORMAT", _log_format, d.log_format),
            log_trace=read.get("LOG_TRACE", _bool, d.log_trace),
            sync_commands=read.get("SYNC_COMMANDS", _bool, d.sync_commands),
            health_port=read.get("HEALTH_PORT", _port),
            health_host=read.get("HEALTH_HOST", _host, d.health_host),
        )
        problems = read.problems + shard_problems(settings, read.failed)
        if problems:
            raise SettingsError(problems)
        return settings


#: Every variable from_env() reads (the .env.example test checks each is documented).
VARIABLES: tuple[str, ...] = (
    "DISCORD_TOKEN", "KNOWLEDGE_DIR", "DEV_GUILD_ID", "MESSAGE_CONTENT", "DATABASE_PATH",
    "DATABASE_URL", "RETENTION_DAYS", "KNOWLEDGE_STALE_DAYS", "HOME_GUILD_ID",
    "MAINTAINER_ROLE_ID", "MAINTAINER_LOG_CHANNEL_ID", "USER_COOLDOWN_SECONDS",
    "CHANNEL_COOLDOWN_SECONDS", "REPEAT_WINDOW_SECONDS", "WATCH_KNOWLEDGE", "SHARD_COUNT",
    "SHARD_IDS", "LOG_LEVEL", "APPLICATION_ID", "LOG_FORMAT", "LOG_TRACE", "SYNC_COMMANDS",
    "HEALTH_PORT", "HEALTH_HOST",
)  # fmt: skip


class _Invalid(ValueError):
    """One value's problem: ``what`` is wrong, ``example`` is a good value."""

    def __init__(self, what: str, example: str) -> None:
        super().__init__(what)
        self.what, self.example = what, example


class _Reader:
    """Parses variables one by one, collecting problems instead of stopping at the first."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.problems: list[str] = []
        self.failed: set[str] = set()

    def get(
        self,
        name: str,
        parse: Callable[[str], T],
        default: T | None = None,
        *,
        secret: bool = False,
    ) -> T | None:
        raw = (self.values.get(name) or "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except _Invalid as bad:
            shown = "" if secret else f"={raw!r}"
            self.problems.append(f"{name}{shown}: {bad.what}; e.g. {name}={bad.example}")
            self.failed.add(name)
            return default


def _bool(raw: str) -> bool:
    value = raw.lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise _Invalid("must be true or false", "true")


def _whole(raw: str, example: str) -> int:
    if not re.fullmatch(r"[+]?\d+", raw):
        raise _Invalid("must be a whole number", example)
    return int(raw)


def _snowflake(raw: str) -> int:
    example = "123456789012345678"
    value = _whole(raw, example)
    if not 0 < value < 2**63:
        raise _Invalid("must be a Discord id (a positive whole number)", example)
    return value


def _days(raw: str) -> int:
    value = _whole(raw, "30")
    if not 1 <= value <= 36_500:
        raise _Invalid("must be a number of days from 1 to 36500", "30")
    return value


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise _Invalid("must be a number of seconds", "10") from None
    if not math.isfinite(value) or value < 0:
        raise _Invalid("must be a number of seconds, 0 or more", "10")
    return value


def _shard_count(raw: str) -> int:
    value = _whole(raw, "4")
    if value < 1:
        raise _Invalid("must be at least 1", "4")
    return value


def _shard_ids(raw: str) -> tuple[int, ...]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(re.fullmatch(r"\d+", part) for part in parts):
        raise _Invalid("must be comma-separated shard numbers", "0,1")
    return tuple(int(part) for part in parts)


def _log_level(raw: str) -> str:
    value = raw.upper()
    if value not in LOG_LEVELS:
        raise _Invalid(f"must be one of {', '.join(LOG_LEVELS)}", "INFO")
    return value


def _log_format(raw: str) -> str:
    value = raw.lower()
    if value not in LOG_FORMATS:
        raise _Invalid("must be text or json", "json")
    return value


def _port(raw: str) -> int:
    value = _whole(raw, "8080")
    if not 1 <= value <= 65_535:
        raise _Invalid("must be a TCP port from 1 to 65535", "8080")
    return value


def _host(raw: str) -> str:
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        if not _HOSTNAME.match(raw):
            raise _Invalid("must be an IP address or a host name", "127.0.0.1") from None
    return raw


def _token(raw: str) -> str:
    if any(c.isspace() for c in raw) or raw[0] in "'\"" or raw[-1] in "'\"":
        raise _Invalid(
            "contains spaces or quotes (the value is not shown); paste only the token",
            "MTA1...your-token",
        )
    return raw


def _database_path(raw: str) -> str:
    if raw != ":memory:":
        folder = Path(raw).expanduser().parent
        if not folder.is_dir():
            raise _Invalid(f"its folder {str(folder)!r} does not exist", "optout-bot.sqlite3")
    return raw


def _database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgres://")):
        raise _Invalid(
            "must start with postgresql:// (the value is not shown)",
            "postgresql://optout:secret@localhost:5432/optout",
        )
    return raw


def shard_problems(settings: Settings, failed: Set[str] = frozenset()) -> list[str]:
    """Shard combinations that would silently misbehave (one line each).

    Several processes that each run some shards must share one database (DATABASE_URL),
    or each would keep its own settings, gaps and feedback.
    """
    if failed & {"SHARD_COUNT", "SHARD_IDS"}:
        return []  # already reported; a second line about the same value helps nobody
    count, ids = settings.shard_count, settings.shard_ids
    if not ids:
        return []
    if count is None:
        return ["SHARD_IDS needs SHARD_COUNT (the total over all processes); e.g. SHARD_COUNT=2"]
    bad = [i for i in ids if not 0 <= i < count]
    if bad:
        return [f"SHARD_IDS {bad} are outside 0..{count - 1}; e.g. SHARD_IDS=0,{count - 1}"]
    if set(ids) != set(range(count)) and not settings.database_url:
        return [
            "SHARD_IDS: this process runs only some shards, so processes must share one "
            "database: set DATABASE_URL to a PostgreSQL server; "
            "e.g. DATABASE_URL=postgresql://optout:secret@db:5432/optout"
        ]
    return []
