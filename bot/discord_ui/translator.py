"""Slash-command help in the member's Discord language, from knowledge/locales/.

Why: Discord shows a command's description, its options' descriptions and its choices'
names in each member's client language when the synced command carries localizations.
discord.py asks this translator for every text and locale while syncing; the words come
from the loaded knowledge, so a moderator fixes a German description without Python.
Command and option NAMES stay English: they are what members type and what docs say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

DISCORD_LOCALES: dict[discord.Locale, str] = {
    discord.Locale.german: "de",
    discord.Locale.french: "fr",
    discord.Locale.dutch: "nl",
    discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es",
    discord.Locale.italian: "it",
}
NAMES = frozenset({Where.command_name, Where.group_name, Where.parameter_name})


class KnowledgeTranslator(app_commands.Translator):
    """Looks each English text up in the current knowledge's locales (None: not translated)."""

    def __init__(self, locales: Callable[[], Mapping[str, Any]]) -> None:
        self._locales = locales

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if context.location in NAMES:
            return None
        lang = DISCORD_LOCALES.get(locale)
        found = self._locales().get(lang) if lang else None
        return found.commands.get(string.message) if found is not None else None
