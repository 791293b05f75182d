"""Logging for `run`, `sync` and `invite`: plain text or one JSON object per line.

Privacy: at DEBUG, discord.py logs whole gateway payloads (what members typed, user ids,
interaction tokens) and the database drivers log SQL with its parameters. Those loggers
stay at INFO even with LOG_LEVEL=DEBUG unless LOG_TRACE=true says otherwise on purpose.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

#: Loggers whose DEBUG lines hold user data or SQL parameters.
TRACE_LOGGERS = ("discord", "aiosqlite", "asyncpg", "websockets", "aiohttp")
#: Attributes every LogRecord has; anything else was passed as `extra=` and is kept.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, extra fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack"] = self.formatStack(record.stack_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    *,
    trace: bool = False,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Replace the root handlers with one writing to ``stream`` (stderr); returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    root.setLevel(numeric)
    for name in TRACE_LOGGERS:
        # NOTSET follows the root; below INFO only when tracing was asked for by name
        quiet = numeric < logging.INFO and not trace
        logging.getLogger(name).setLevel(logging.INFO if quiet else logging.NOTSET)
    return handler
