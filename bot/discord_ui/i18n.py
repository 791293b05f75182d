"""Which language to speak to a member on Discord, and the bot's own words in it.

Why here and not in each cog: a slash command, a button and an error reply must all pick
the language the same way. Commands and clicks follow `interaction.locale` (what the
member's own client shows); a click on an answer written in another language (a German
DM from an English client) keeps that answer's language, carried in the control.
"""

from __future__ import annotations

from typing import Any

from bot.answering.languages import from_locale
from bot.knowledge.locales import ui_text


def locale_language(interaction: Any) -> str:
    """The answer language of the member's Discord client (English for any other)."""
    return from_locale(str(getattr(interaction, "locale", "") or "")) or "en"


def click_language(interaction: Any, carried: str | None = None) -> str:
    """A control's language: the clicker's client language when it has translations,
    else the language the answer was written in, else English."""
    own = locale_language(interaction)
    return own if own != "en" else (carried or "en")


def locales_of(interaction: Any) -> Any:
    """The loaded locales behind an interaction's bot (empty when there is none)."""
    engine = getattr(getattr(interaction, "client", None), "engine", None)
    kb = getattr(engine, "kb", None)
    return getattr(kb, "locales", None) or {}


def say(interaction: Any, key: str, lang: str | None = None, **values: Any) -> str:
    """The bot's text `key` for this interaction (its locale unless `lang` is given)."""
    return ui_text(locales_of(interaction), lang or locale_language(interaction), key, **values)
