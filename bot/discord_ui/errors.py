"""The one place that turns a failure during an interaction into a reply and a log line.

Used by the app-command tree (installed by the errors cog) and by every control, so a
slash command, a button and a select all fail the same way: one log record, one short
ephemeral message, sent as a response or a follow-up depending on what was sent already.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.discord_ui.i18n import locale_language, locales_of
from bot.knowledge.locales import UI_TEXTS, ui_text

if TYPE_CHECKING:
    from bot.app import OptoutBot


log = logging.getLogger("bot.errors")

GENERIC = UI_TEXTS["error_generic"]


def unwrap(error: BaseException) -> BaseException:
    """The exception that actually happened, not the library's wrapper around it."""
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    return error


def user_message(
    error: BaseException, locales: object = None, lang: str | None = None
) -> tuple[str, bool]:
    """(what to tell the user in `lang`, whether it is the user's doing rather than a bug)."""
    key, values, expected = _message_key(error)
    return ui_text(locales, lang, key, **values), expected


def _message_key(error: BaseException) -> tuple[str, dict[str, str], bool]:
    if isinstance(error, app_commands.CommandOnCooldown):
        return "error_cooldown", {"seconds": f"{error.retry_after:.0f}"}, True
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return "error_bot_permissions", {"missing": missing}, True
    if isinstance(error, app_commands.MissingPermissions | app_commands.MissingRole):
        return "error_no_permission", {}, True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "error_server_only", {}, True
    if isinstance(error, app_commands.CheckFailure):
        return "error_check_failed", {}, True
    if isinstance(error, app_commands.TransformerError):
        return "error_bad_option", {}, True
    return "error_generic", {}, False


def describe(interaction: discord.Interaction[OptoutBot]) -> str:
    """What was being done, for the log: '/ask' or 'component ob:p:turn-off:ios:-'."""
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data = interaction.data or {}
    return f"component {data.get('custom_id', '?')}"


async def report_error(interaction: discord.Interaction[OptoutBot], error: BaseException) -> None:
    """Log one line, tell the user briefly and privately; never raise."""
    error = unwrap(error)
    text, expected = user_message(error, locales_of(interaction), locale_language(interaction))
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
