"""Settings, read once from the environment (and an optional .env file) and passed down.

Nothing reads the environment at import time; `Settings.from_env()` is called by the
CLI and by `create_bot()`. The token is kept out of repr() so it never reaches a log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

TRUE = {"1", "true", "yes", "on"}


class SettingsError(ValueError):
    """A setting has a value the bot cannot use; the message names it."""


def read_dotenv(path: Path) -> dict[str, str]:
    """Minimal .env reader: KEY=VALUE lines, # comments, optional quotes, `export` prefix."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return values
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


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
    log_channel_id: int | None = None
    user_cooldown_seconds: float = 10.0
    channel_cooldown_seconds: float = 3.0
    repeat_window_seconds: float = 300.0
    watch_knowledge: bool = True
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    log_level: str = "INFO"
    application_id: int | None = None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Environment variables win over the .env file; unknown names are ignored."""
        merged: dict[str, str] = {}
        if dotenv is not None:
            merged.update(read_dotenv(dotenv))
        merged.update(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = merged.get(name, "").strip()
            return value or None

        return cls(
            discord_token=get("DISCORD_TOKEN"),
            knowledge_dir=Path(v) if (v := get("KNOWLEDGE_DIR")) else None,
            dev_guild_id=_int(get("DEV_GUILD_ID"), "DEV_GUILD_ID"),
            message_content=(get("MESSAGE_CONTENT") or "").lower() in TRUE,
            database_path=get("DATABASE_PATH") or cls.database_path,
            database_url=get("DATABASE_URL"),
            retention_days=_int(get("RETENTION_DAYS"), "RETENTION_DAYS") or cls.retention_days,
            stale_days=_int(get("KNOWLEDGE_STALE_DAYS"), "KNOWLEDGE_STALE_DAYS") or cls.stale_days,
            home_guild_id=_int(get("HOME_GUILD_ID"), "HOME_GUILD_ID"),
            maintainer_role_id=_int(get("MAINTAINER_ROLE_ID"), "MAINTAINER_ROLE_ID"),
            log_channel_id=_int(get("MAINTAINER_LOG_CHANNEL_ID"), "MAINTAINER_LOG_CHANNEL_ID"),
            user_cooldown_seconds=_float(get("USER_COOLDOWN_SECONDS"), cls.user_cooldown_seconds),
            channel_cooldown_seconds=_float(
                get("CHANNEL_COOLDOWN_SECONDS"), cls.channel_cooldown_seconds
            ),
            repeat_window_seconds=_float(get("REPEAT_WINDOW_SECONDS"), cls.repeat_window_seconds),
            watch_knowledge=(get("WATCH_KNOWLEDGE") or "true").lower() in TRUE,
            shard_count=_int(get("SHARD_COUNT"), "SHARD_COUNT"),
            shard_ids=_ints(get("SHARD_IDS"), "SHARD_IDS"),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            application_id=_int(get("APPLICATION_ID"), "APPLICATION_ID"),
        )


def _int(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number (got {value!r})") from None


def _float(value: str | None, default: float) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _ints(value: str | None, name: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    except ValueError:
        raise SettingsError(
            f"{name} must be comma-separated whole numbers (got {value!r})"
        ) from None
