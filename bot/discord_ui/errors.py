"""The one place that turns a failure during an interaction into a reply and a log line.

Used by the app-command tree (installed by the errors cog) and by every control, so a
slash command, a button and a select all fail the same way: one log record, one short
ephemeral message, sent as a response or a follow-up depending on what was sent already.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands

log = logging.getLogger("bot.errors")

GENERIC = "Sorry, something went wrong on my side. Please try again in a moment."


def unwrap(error: BaseException) -> BaseException:
    """The exception that actually happened, not the library's wrapper around it."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


def user_message(error: BaseException) -> tuple[str, bool]:
    """(what to tell the user, whether it is the user's doing rather than a bug)."""
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little — try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"I need these permissions here: {missing}. Please ask a moderator.", True
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingRole):
        return "You don't have permission to use that here.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That only works in a server.", True
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use that here.", True
    if isinstance(error, app_commands.TransformerError):
        return "I couldn't understand one of the options. Please pick from the list.", True
    return GENERIC, False


def describe(interaction: discord.Interaction) -> str:
    """What was being done, for the log: '/ask' or 'component ob:p:turn-off:ios:-'."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return f"component {data.get('custom_id', '?')}"


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Log one line, tell the user briefly and privately; never raise."""
    error = unwrap(error)
    text, expected = user_message(error)
    where = describe(interaction)
    if expected:
        log.info("%s refused: %s", where, error)
    else:
        log.error("%s failed: %r", where, error, exc_info=error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        pass  # the interaction expired or the channel is gone; the log line is enough
