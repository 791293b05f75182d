"""One handler: one log record, one short ephemeral reply, response or follow-up."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import discord
from discord import app_commands

from bot.answering import Engine
from bot.cogs.errors import Errors
from bot.discord_ui.errors import GENERIC, report_error
from bot.knowledge import load_knowledge

from .conftest import make_interaction

SHIPPED = Path(__file__).resolve().parents[2] / "knowledge"


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


async def test_errors_are_told_in_the_members_language(bot):
    """Issue 13: a German client reads the error in German (from knowledge/locales/)."""
    bot.engine = Engine(load_knowledge(SHIPPED).kb)
    interaction = make_interaction(bot)
    interaction.locale = discord.Locale.german
    await report_error(interaction, app_commands.NoPrivateMessage())
    german = bot.engine.kb.locales["de"].ui["error_server_only"]
    interaction.response.send_message.assert_awaited_once_with(german, ephemeral=True)
