"""Issue 11's names: each says what it is, and the old misleading ones are gone."""

from __future__ import annotations

from typing import get_args

from bot.answering.answer import Outcome
from bot.cogs.kb import ALL_SERVERS, ReportScope
from bot.config import Settings
from bot.services.records import DIRECT_MESSAGES, RECORDED_AS, stored_guild_id
from bot.store.base import ANSWER_OUTCOMES


def test_the_maintainers_channel_is_not_a_servers_log_channel() -> None:
    """Settings.log_channel_id read like GuildSettings.log_channel_id (a server's own)."""
    settings = Settings.from_env({"MAINTAINER_LOG_CHANNEL_ID": "123456789012345678"}, dotenv=None)
    assert settings.maintainer_log_channel_id == 123456789012345678
    assert not hasattr(settings, "log_channel_id")


def test_every_outcome_is_recorded_in_the_stores_words() -> None:
    assert set(RECORDED_AS) == set(get_args(Outcome))
    assert set(RECORDED_AS.values()) == set(ANSWER_OUTCOMES)


def test_direct_messages_and_all_servers_are_named_apart() -> None:
    """Guild id 0 meant "DMs" in records and "all servers" in /kb reports."""
    assert stored_guild_id(None) == DIRECT_MESSAGES
    assert stored_guild_id(5) == 5
    assert ALL_SERVERS.guild_id is None and ALL_SERVERS.where == "all servers"
    assert ReportScope(5).where == "this server"
