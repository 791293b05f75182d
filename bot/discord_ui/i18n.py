"""Which language to speak to a member on Discord, and the bot's own words in it.

Why here and not in each cog: a slash command, a button and an error reply must all pick
the language the same way. Commands and clicks follow `interaction.locale` (what the
member's own client shows); a click on an answer written in another language (a German
DM from an English client) keeps that answer's language, carried in the control.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.answering.languages import from_locale
from bot.knowledge.locales import Locale, ui_text

if TYPE_CHECKING:
    from bot.app import OptoutBot


def locale_language(interaction: discord.Interaction[OptoutBot]) -> str:
    """The answer language of the member's Discord client (English for any other)."""
    return from_locale(str(interaction.locale or "")) or "en"


def click_language(interaction: discord.Interaction[OptoutBot], carried: str | None = None) -> str:
    """A control's language: the clicker's client language when it has translations,
    else the language the answer was written in, else English."""
    own = locale_language(interaction)
    return own if own != "en" else (carried or "en")


def locales_of(interaction: discord.Interaction[OptoutBot]) -> Mapping[str, Locale]:
    """The loaded locales of the bot behind an interaction (its running knowledge)."""
    return interaction.client.engine.kb.locales


def say(
    interaction: discord.Interaction[OptoutBot], key: str, lang: str | None = None, **values: Any
) -> str:
    """The bot's text `key` for this interaction (its locale unless `lang` is given)."""
    return ui_text(locales_of(interaction), lang or locale_language(interaction), key, **values)
