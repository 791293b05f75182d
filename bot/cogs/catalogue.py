"""Slash commands that show what the bot knows: /topics and /sources.

Split from the answering commands (optout.py): these list the knowledge, they answer nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.answer import Suggestion
from bot.cogs.optout import PRIVATE_HELP, everywhere, localized_title
from bot.discord_ui.embeds import COLOURS
from bot.discord_ui.i18n import locale_language, say
from bot.discord_ui.pager import Page, PageButton, page_slice, paged_kwargs, register
from bot.discord_ui.views import topics_view
from bot.outcome import Outcome
from bot.presentation.layout import DESCRIPTION_LIMIT, fit, source_line

if TYPE_CHECKING:
    from bot.app import OptoutBot


class Catalogue(commands.Cog):
    """/topics and /sources: everything the bot can answer, and where its answers come from."""

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        register("sources", self.sources_page)
        bot.add_dynamic_items(PageButton)  # pages turn after a restart too

    @app_commands.command(name="topics", description="List everything this bot can answer")
    @app_commands.describe(private=PRIVATE_HELP)
    @everywhere
    async def topics(
        self, interaction: discord.Interaction[OptoutBot], private: bool = False
    ) -> None:
        kb, lang = self.bot.engine.kb, locale_language(interaction)
        topics = [Suggestion(t.id, localized_title(kb, t, lang)) for t in self.bot.engine.topics()]
        lines = [f"{n}. {t.title}" for n, t in enumerate(topics, 1)]
        embed = discord.Embed(
            title=say(interaction, "topics_title"),
            description=_fit_lines(
                lines, say(interaction, "topics_intro"), say(interaction, "and_more", count="{n}")
            ),
            colour=COLOURS[Outcome.ANSWER],
        )
        words = {k: say(interaction, k) for k in ("topic_placeholder", "no_topics")}
        await interaction.response.send_message(
            embed=embed, view=topics_view(topics, words), ephemeral=private
        )

    @app_commands.command(name="sources", description="List the sources behind the answers")
    @app_commands.describe(private=PRIVATE_HELP)
    @everywhere
    async def sources(
        self, interaction: discord.Interaction[OptoutBot], private: bool = False
    ) -> None:
        page, pages = await self.sources_page(interaction, "", 0)
        await interaction.response.send_message(
            ephemeral=private,
            **paged_kwargs("sources", "", 0, pages, page, _pager_words(interaction), new=True),
        )

    async def sources_page(
        self, interaction: discord.Interaction[OptoutBot], arg: str, number: int
    ) -> tuple[Page, int]:
        """One page of every source, PER_PAGE at a time, each line whole."""
        sources = list(self.bot.engine.kb.sources.values())
        shown, number, pages = page_slice(sources, number)
        lines = [f"• {fit(source_line(s), 380)}" for s in shown]
        embed = discord.Embed(
            title=say(interaction, "sources_title"),
            description=_fit_lines(
                lines, say(interaction, "sources_intro"), say(interaction, "and_more", count="{n}")
            ),
            colour=COLOURS[Outcome.ANSWER],
        )
        if pages > 1:
            footer = say(
                interaction, "sources_footer", page=number + 1, pages=pages, count=len(sources)
            )
            embed.set_footer(text=footer)
        return Page(embed=embed), pages


def _pager_words(interaction: discord.Interaction[OptoutBot]) -> tuple[str, str]:
    return say(interaction, "previous"), say(interaction, "next")


def _fit_lines(lines: list[str], intro: str, more_text: str = "… and {n} more") -> str:
    """Intro plus as many whole lines as fit an embed description, then '… and N more'."""
    text = intro
    for n, line in enumerate(lines):
        more = "\n" + more_text.replace("{n}", str(len(lines) - n))
        if len(text) + 1 + len(line) + len(more) > DESCRIPTION_LIMIT and n < len(lines) - 1:
            return text + more
        text += ("\n\n" if n == 0 else "\n") + line
    return fit(text, DESCRIPTION_LIMIT)


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Catalogue(bot))
