"""Slash commands that answer: /optout and /ask (with topic autocomplete).

/topics and /sources (what the bot knows) are in catalogue.py.

A slash command is a question whose slots are already filled, so every command goes
through the same engine as free text and only chooses how the answer is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.answer import Answer, Suggestion
from bot.discord_ui.choices import PLATFORM_CHOICES, REGION_CHOICES
from bot.discord_ui.cooldowns import Cooldowns
from bot.discord_ui.i18n import locale_language, say
from bot.discord_ui.views import FOR_PREFIX, render
from bot.knowledge.locales import UI_TEXTS
from bot.knowledge.schema import KnowledgeBase
from bot.presentation.layout import fit

if TYPE_CHECKING:
    from bot.app import OptoutBot

OPTOUT_ENTRY = "turn-off"
CHOICE_LIMIT = 25
CHOICE_TEXT_LIMIT = 100

PRIVATE_HELP = "Only you see the answer (default: everyone in the channel)"
FOR_HELP = "Someone to answer for: they are named above the answer, without a ping"
ASK_BUSY = UI_TEXTS["ask_busy"]


def everywhere(command):
    """Server and user installs, in servers, the bot's DMs and members' own DMs and groups,
    so a member can add the bot to their account and use it in any DM."""
    command = app_commands.allowed_installs(guilds=True, users=True)(command)
    return app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)(command)


def for_note(member: discord.abc.User | None) -> str | None:
    """'For @name' above an answer; the bot's AllowedMentions.none() keeps it from pinging."""
    return f"{FOR_PREFIX}{member.mention}" if member is not None else None


class Optout(commands.Cog):
    """The slash commands that answer a member: /optout and /ask."""

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        self.ask_cooldown = Cooldowns(1, bot.settings.user_cooldown_seconds)

    async def _send(
        self,
        interaction: discord.Interaction[OptoutBot],
        answer: Answer,
        *,
        private: bool,
        member: discord.abc.User | None = None,
    ) -> None:
        rendered = render(answer, removable=not private, note=for_note(member))
        await interaction.response.send_message(ephemeral=private, **rendered.send_kwargs())

    @app_commands.command(
        name="optout", description="How to stop LinkedIn using your data to train its AI"
    )
    @app_commands.describe(
        platform="Where you use LinkedIn: web, app, iPhone/iPad or Android",
        region="Where your LinkedIn profile is based (changes what applies to you)",
        private=PRIVATE_HELP,
        member=FOR_HELP,
    )
    @app_commands.rename(member="for")
    @app_commands.choices(platform=PLATFORM_CHOICES, region=REGION_CHOICES)
    @everywhere
    async def optout(
        self,
        interaction: discord.Interaction[OptoutBot],
        platform: str | None = None,
        region: str | None = None,
        private: bool = False,
        member: discord.User | None = None,
    ) -> None:
        region = region or await self.bot.settings_cache.default_region(interaction.guild_id)
        lang = locale_language(interaction)
        answer = self.bot.engine.answer_entry(
            OPTOUT_ENTRY, platform=platform, region=region, lang=lang, ui_lang=lang
        )
        await self._send(interaction, answer, private=private, member=member)
        await self.bot.answer_log.answered(interaction.guild_id, answer, free_text=False)

    @app_commands.command(
        name="ask", description="Ask anything about LinkedIn's AI-training setting"
    )
    @app_commands.describe(
        question="Your question, e.g. 'does it cover my private messages?'",
        private=PRIVATE_HELP,
        member=FOR_HELP,
    )
    @app_commands.rename(member="for")
    @everywhere
    async def ask(
        self,
        interaction: discord.Interaction[OptoutBot],
        question: app_commands.Range[str, 1, 300],
        private: bool = False,
        member: discord.User | None = None,
    ) -> None:
        key = (interaction.user.id, interaction.channel_id)
        if self.ask_cooldown.take(key) is None:  # checked before any answer is computed
            wait = round(self.ask_cooldown.wait(key)) or 1
            busy = say(interaction, "ask_busy", seconds=wait)
            await interaction.response.send_message(busy, ephemeral=True)
            return
        engine = self.bot.engine
        default = await self.bot.settings_cache.default_region(interaction.guild_id)
        # A client in a language we have answers in decides; from an English client (the
        # default for many), the question's own language does, then the server's setting.
        lang = locale_language(interaction)
        topic = self._topic_id(question)
        if topic is not None:
            answer = engine.answer_entry(topic, region=default, lang=lang, ui_lang=lang)
        else:
            server = await self.bot.settings_cache.default_language(interaction.guild_id)
            forced = lang if lang != "en" else None
            answer = engine.answer(
                question, default_region=default, lang=forced, default_lang=server, ui_lang=lang
            )
        await self._send(interaction, answer, private=private, member=member)
        await self.bot.answer_log.answered(
            interaction.guild_id, answer, free_text=topic is None, user_id=interaction.user.id
        )

    def _topic_id(self, text: str) -> str | None:
        """A topic picked from autocomplete arrives as its title (or id when too long)."""
        wanted = text.strip().casefold()
        for topic in self.bot.engine.topics():
            if wanted in (topic.id, topic.title.casefold()):
                return topic.id
        return None

    @ask.autocomplete("question")
    async def ask_autocomplete(
        self, interaction: discord.Interaction[OptoutBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """What was typed first (so Enter asks it), then the closest topics; 25 at most."""
        choices: list[app_commands.Choice[str]] = []
        typed = current.strip()
        if typed and len(typed) <= CHOICE_TEXT_LIMIT:
            asked = say(interaction, "ask_choice", question=typed)
            choices.append(app_commands.Choice(name=fit(asked, 100), value=typed))
        kb, lang = self.bot.engine.kb, locale_language(interaction)
        for topic in self.bot.engine.search_topics(typed, limit=CHOICE_LIMIT):
            if len(choices) >= CHOICE_LIMIT:
                break
            value = topic.title if len(topic.title) <= CHOICE_TEXT_LIMIT else topic.id
            if value.casefold() != typed.casefold():
                shown = localized_title(kb, topic, lang)  # the value stays the English key
                choices.append(app_commands.Choice(name=fit(shown, 100), value=value))
        return choices


def localized_title(kb: KnowledgeBase, topic: Suggestion, lang: str) -> str:
    """A topic's title in `lang` when translated (and fresh), else the English title."""
    translation = kb.translations.get(lang)
    text = translation.entries.get(topic.id) if translation is not None else None
    return text.title if text is not None else topic.title


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Optout(bot))
