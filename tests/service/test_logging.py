"""LOG_FORMAT=json writes one JSON object per line; DEBUG keeps discord.py and the database
drivers at INFO (their DEBUG lines hold what members typed and SQL parameters) unless
LOG_TRACE=true (issue 14.7)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logging_setup import TRACE_LOGGERS, setup_logging


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in TRACE_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_json_lines_have_time_level_logger_message_and_extras() -> None:
    out = io.StringIO()
    setup_logging("INFO", "json", stream=out)
    log = logging.getLogger("bot.test")
    log.info("answered %s", "turn-off", extra={"guild": 42, "outcome": "answer"})
    try:
        raise RuntimeError("boom\nsecond line")
    except RuntimeError:
        log.exception("it failed")
    log.debug("not at INFO")
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 2
    assert rows[0]["level"] == "INFO" and rows[0]["logger"] == "bot.test"
    assert rows[0]["message"] == "answered turn-off" and rows[0]["guild"] == 42
    assert rows[0]["time"].endswith("+00:00") and rows[0]["outcome"] == "answer"
    assert rows[1]["level"] == "ERROR" and "RuntimeError: boom" in rows[1]["exception"]


def test_text_stays_the_default() -> None:
    out = io.StringIO()
    setup_logging("INFO", stream=out)
    logging.getLogger("bot.test").warning("plain")
    assert out.getvalue().rstrip().endswith("WARNING  bot.test: plain")


@pytest.mark.parametrize("trace", [False, True])
def test_debug_keeps_payload_loggers_at_info_unless_traced(trace) -> None:
    out = io.StringIO()
    setup_logging("DEBUG", stream=out, trace=trace)
    logging.getLogger("bot.app").debug("bot detail")
    logging.getLogger("discord.gateway").debug("WebSocket Event: secret message text")
    logging.getLogger("aiosqlite").debug("executing INSERT ... secret parameter")
    logging.getLogger("asyncpg.pool").debug("secret query args")
    logging.getLogger("discord.client").info("logging in using static token")
    text = out.getvalue()
    assert "bot detail" in text and "logging in" in text
    assert ("secret" in text) is trace


def test_warning_level_applies_to_the_quiet_loggers_too() -> None:
    out = io.StringIO()
    setup_logging("WARNING", stream=out)
    logging.getLogger("discord.client").info("chatter")
    assert out.getvalue() == ""
