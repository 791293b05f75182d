"""Issue 11's names: each says what it is, and the old misleading ones are gone."""

from __future__ import annotations

import pytest

from bot.answering.answer import Outcome
from bot.cogs.kb import ALL_SERVERS, ReportScope
from bot.config import Settings
from bot.services.records import DIRECT_MESSAGES, stored_guild_id
from bot.store import AnswerRecord, GapRecord


def test_the_maintainers_channel_is_not_a_servers_log_channel() -> None:
    """Settings.log_channel_id read like GuildSettings.log_channel_id (a server's own)."""
    settings = Settings.from_env({"MAINTAINER_LOG_CHANNEL_ID": "123456789012345678"}, dotenv=None)
    assert settings.maintainer_log_channel_id == 123456789012345678
    assert not hasattr(settings, "log_channel_id")


def test_every_outcome_is_recorded_in_the_stores_words() -> None:
    """One vocabulary: the engine's outcomes are what answer events and gaps store (there
    were three: answer/clarify/decline, answered/declined/clarify, declined/low_confidence/
    clarify); the old stored words are refused."""
    assert {o.value for o in Outcome} == {"answer", "clarify", "decline"}  # ask --json's words
    for outcome in Outcome:
        assert AnswerRecord(1, None, outcome).checked().outcome is outcome
        assert GapRecord(1, "q", outcome).checked().outcome is outcome
        assert AnswerRecord(1, None, outcome.value).checked().outcome is outcome  # type: ignore[arg-type]
    for old in ("answered", "declined", "low_confidence"):
        with pytest.raises(ValueError):
            AnswerRecord(1, None, old).checked()  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            GapRecord(1, "q", old).checked()  # type: ignore[arg-type]


def test_direct_messages_and_all_servers_are_named_apart() -> None:
    """Guild id 0 meant "DMs" in records and "all servers" in /kb reports."""
    assert stored_guild_id(None) == DIRECT_MESSAGES
    assert stored_guild_id(5) == 5
    assert ALL_SERVERS.guild_id is None and ALL_SERVERS.where == "all servers"
    assert ReportScope(5).where == "this server"
