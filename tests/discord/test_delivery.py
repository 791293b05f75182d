"""Missing permissions: a fallback or one note to the moderators, never a crash or a loop."""

from __future__ import annotations

from types import SimpleNamespace
from unittest.mock import AsyncMock, MagicMock, create_autospec

import discord
import pytest

from bot.discord_ui import embeds
from bot.discord_ui.delivery import Delivery
from bot.discord_ui.embeds import Rendered

from .conftest import make_message, make_permissions

LOG_CHANNEL = 4242


@pytest.fixture
def log_channel():
    channel = create_autospec(discord.TextChannel, instance=True)
    channel.id = LOG_CHANNEL
    channel.permissions_for.return_value = make_permissions()
    return channel


@pytest.fixture
def delivery():
    async def lookup(guild):
        return LOG_CHANNEL

    return Delivery(lookup)


@pytest.fixture
def rendered(fixture_engine):
    return Rendered(fixture_engine.answer_entry("private-messages"), None)


def _forbidden() -> discord.Forbidden:
    response = SimpleNamespace(status=403, reason="Forbidden")
    return discord.Forbidden(response, {"code": 50013, "message": "Missing Permissions"})


async def test_all_permissions_reply_with_embed(delivery, rendered, monkeypatch):
    plain_built = MagicMock(side_effect=embeds.answer_text)
    monkeypatch.setattr(embeds, "answer_text", plain_built)
    message = make_message("q")
    await delivery.reply(message, rendered)
    kwargs = message.channel.send.await_args.kwargs
    assert set(kwargs) == {"embed", "reference"}
    plain_built.assert_not_called()  # the text form is only built for a fallback


async def test_no_embed_links_sends_text_and_notes_once(delivery, rendered, log_channel):
    message = make_message("q", permissions=make_permissions("embed_links"))
    message.guild.get_channel.return_value = log_channel
    await delivery.reply(message, rendered)
    await delivery.reply(message, rendered)
    kwargs = message.channel.send.await_args.kwargs
    assert set(kwargs) == {"content", "reference"}
    assert kwargs["content"].startswith("**Are private messages used?**")
    (note,) = log_channel.send.await_args_list
    assert "**Embed Links**" in note.args[0] and "<#222>" in note.args[0]


async def test_no_read_history_sends_without_reply(delivery, rendered):
    message = make_message("q", permissions=make_permissions("read_message_history"))
    await delivery.reply(message, rendered)
    assert message.channel.send.await_args.kwargs["reference"] is None


async def test_cannot_send_sends_nothing_and_tells_moderators(delivery, rendered, log_channel):
    message = make_message("q", permissions=make_permissions("send_messages"))
    message.guild.get_channel.return_value = log_channel
    assert await delivery.reply(message, rendered) is None
    message.channel.send.assert_not_awaited()
    assert "**Send Messages**" in log_channel.send.await_args.args[0]


async def test_refused_send_falls_back_once_then_gives_up(delivery, rendered):
    message = make_message("q")
    message.channel.send.side_effect = _forbidden()
    assert await delivery.reply(message, rendered) is None
    assert message.channel.send.await_count == 2  # the embed, then plain text once
    assert set(message.channel.send.await_args.kwargs) == {"content"}
    assert message.channel.send.await_args.kwargs["content"].startswith("**Are private")


async def test_connection_reset_while_sending_is_one_log_line_not_a_crash(caplog) -> None:
    import aiohttp

    message = MagicMock()
    message.guild = None
    message.channel.send = AsyncMock(side_effect=aiohttp.ClientOSError(104, "Connection reset"))
    delivery = Delivery(AsyncMock(return_value=None))
    assert await delivery.reply_text(message, "hello") is None
    assert message.channel.send.await_count == 1  # no retry loop
    assert any("send failed" in r.getMessage() for r in caplog.records)
