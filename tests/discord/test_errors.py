"""One handler: one log record, one short ephemeral reply, response or follow-up."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from discord import app_commands

from bot.cogs.errors import Errors
from bot.discord_ui.errors import GENERIC, report_error

from .conftest import make_interaction


async def test_unexpected_error_logs_once_and_replies_privately(bot, caplog):
    interaction = make_interaction(bot)
    with caplog.at_level(logging.INFO, logger="bot.errors"):
        command = bot.tree.get_command("ask") or SimpleNamespace(name="ask")
        await report_error(interaction, app_commands.CommandInvokeError(command, KeyError("x")))
    interaction.response.send_message.assert_awaited_once_with(GENERIC, ephemeral=True)
    interaction.followup.send.assert_not_awaited()
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and "KeyError" in record.getMessage()


async def test_after_a_response_it_follows_up(bot):
    interaction = make_interaction(bot, done=True)
    await report_error(interaction, RuntimeError("late"))
    interaction.response.send_message.assert_not_awaited()
    interaction.followup.send.assert_awaited_once_with(GENERIC, ephemeral=True)


async def test_user_errors_are_explained_not_logged_as_errors(bot, caplog):
    interaction = make_interaction(bot)
    with caplog.at_level(logging.INFO, logger="bot.errors"):
        await report_error(interaction, app_commands.NoPrivateMessage())
    interaction.response.send_message.assert_awaited_once_with(
        "That only works in a server.", ephemeral=True
    )
    assert [r.levelno for r in caplog.records] == [logging.INFO]


async def test_cog_owns_the_tree_handler_while_loaded(bot):
    before = bot.tree.on_error
    cog = Errors(bot)
    assert bot.tree.on_error == cog.on_app_command_error
    await cog.cog_unload()
    assert bot.tree.on_error == before
