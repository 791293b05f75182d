"""Installs the one error handler for slash commands (controls call it directly).

Any failure becomes one log line and a short ephemeral message; see
bot.discord_ui.errors for the wording and the respond-or-follow-up logic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_ui.errors import report_error

if TYPE_CHECKING:
    from bot.app import OptoutBot


class Errors(commands.Cog):
    """Owns `bot.tree.on_error` while loaded and restores the previous handler on unload."""

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error
        bot.tree.on_error = self.on_app_command_error

    async def cog_unload(self) -> None:
        self.bot.tree.on_error = self._previous

    async def on_app_command_error(
        self, interaction: discord.Interaction[OptoutBot], error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Errors(bot))
