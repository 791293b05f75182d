"""/setup: each server's moderators choose where and how the bot answers there.

Settings are per server and only change that server, so Manage Server (or the moderator role
the server configured) is enough; changing who counts as a moderator needs Manage Server
itself. Replies are ephemeral and say what the bot cannot do yet (missing permissions, intent).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_ui.choices import REGION_CHOICES
from bot.discord_ui.i18n import say
from bot.knowledge.locales import UI_TEXTS, ui_text
from bot.knowledge.translations import LANGUAGES as TRANSLATED
from bot.permissions import can_manage_server, is_server_moderator
from bot.presentation.layout import MESSAGE_LIMIT, fit
from bot.store import GuildSettings, StoreError

if TYPE_CHECKING:
    from bot.app import OptoutBot


log = logging.getLogger(__name__)

#: The bot's text for a key, in one language: (key, **placeholders) -> text.
Words = Callable[..., str]

DEFAULT_REGION_CHOICES = [
    app_commands.Choice(name="No default (ask or guess)", value="none"),
    *REGION_CHOICES,
]
LANGUAGE_CHOICES = [
    app_commands.Choice(name="English", value="en"),
    *(app_commands.Choice(name=name, value=code) for code, name in TRANSLATED.items()),
]
LANGUAGE_NAMES = {c.value: c.name for c in LANGUAGE_CHOICES}
NOT_MODERATOR = UI_TEXTS["setup_not_moderator"]
NEEDS_MANAGE_SERVER = UI_TEXTS["setup_needs_manage_server"]
NO_STORAGE = UI_TEXTS["setup_no_storage"]
AnswerChannel = discord.TextChannel | discord.ForumChannel


def describe_settings(
    gs: GuildSettings, *, message_content: bool, words: Words | None = None
) -> str:
    """The whole configuration in a few lines, with what is missing to make it work
    (`words`: the moderator's language; English by default)."""
    say = words or english
    none = say("setup_none")
    channels = ", ".join(f"<#{c}>" for c in sorted(gs.answer_channel_ids)) or none
    role = f"<@&{gs.moderator_role_id}>" if gs.moderator_role_id else none
    log_channel = f"<#{gs.log_channel_id}>" if gs.log_channel_id else none
    lines = [
        say("setup_title"),
        say("setup_channels", channels=channels),
        say("setup_auto", state=say("setup_on") if gs.auto_answer else say("setup_off")),
        say("setup_role", role=role),
        say("setup_log", channel=log_channel),
        say("setup_region", region=gs.default_region or none),
        say("setup_language", language=LANGUAGE_NAMES.get(gs.default_language or "en", "English")),
    ]
    if gs.answer_channel_ids and gs.auto_answer and not message_content:
        lines.append(say("setup_no_intent"))
    return "\n".join(lines)


def english(key: str, **values: Any) -> str:
    return ui_text({}, "en", key, **values)


def missing_permissions(
    channel: discord.abc.GuildChannel, me: discord.Member | None, *names: str
) -> list[str]:
    """Permissions the bot lacks in a channel, in words."""
    if me is None:
        return []
    perms = channel.permissions_for(me)
    return [n.replace("_", " ").title() for n in names if not getattr(perms, n, False)]


class ServerSettings(commands.Cog):
    """The /setup commands: one server's settings, changed by its moderators.

    (Three things were called "setup" here: the cog, its command group and discord.py's
    extension entry point; only the entry point and the command keep the name.)"""

    setup_group = app_commands.Group(
        name="setup",
        description="Choose where and how the bot answers in this server",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    channel = app_commands.Group(
        name="channel", description="Channels where the bot answers questions", parent=setup_group
    )

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot

    async def _reply(self, interaction: discord.Interaction[OptoutBot], text: str) -> None:
        await interaction.response.send_message(
            fit(text, MESSAGE_LIMIT),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    def _describe(self, interaction: discord.Interaction[OptoutBot], gs: GuildSettings) -> str:
        """The settings in the moderator's Discord language."""
        return describe_settings(
            gs,
            message_content=self.bot.settings.message_content,
            words=lambda key, **values: say(interaction, key, **values),
        )

    async def _settings_or_refuse(
        self, interaction: discord.Interaction[OptoutBot]
    ) -> GuildSettings | None:
        if interaction.guild_id is None:
            await self._reply(interaction, say(interaction, "error_server_only"))
            return None
        try:
            gs = await self.bot.store.get_settings(interaction.guild_id)
        except StoreError:
            await self._reply(interaction, say(interaction, "setup_no_storage"))
            return None
        if not is_server_moderator(interaction.user, gs):
            log.info("/setup refused: not a moderator")
            await self._reply(interaction, say(interaction, "setup_not_moderator"))
            return None
        return gs

    async def _save(
        self,
        interaction: discord.Interaction[OptoutBot],
        write: Awaitable[GuildSettings],
        note: str = "",
    ) -> None:
        """Run a settings write, answer by the result at once in this process, show it."""
        try:
            gs = await write
        except StoreError:
            await self._reply(interaction, say(interaction, "setup_no_storage"))
            return
        self.bot.settings_cache.remember_settings(gs)
        text = self._describe(interaction, gs)
        await self._reply(interaction, (note + "\n\n" if note else "") + text)

    async def _change(
        self, interaction: discord.Interaction[OptoutBot], note: str = "", **changes: Any
    ):
        write = self.bot.store.update_settings(interaction.guild_id, **changes)
        await self._save(interaction, write, note)

    @setup_group.command(name="show", description="Show this server's settings")
    async def show(self, interaction: discord.Interaction[OptoutBot]) -> None:
        gs = await self._settings_or_refuse(interaction)
        if gs is not None:
            await self._reply(interaction, self._describe(interaction, gs))

    @channel.command(name="add", description="Answer questions in this channel")
    @app_commands.describe(channel="A text or forum channel")
    async def channel_add(
        self, interaction: discord.Interaction[OptoutBot], channel: AnswerChannel
    ) -> None:
        if await self._settings_or_refuse(interaction) is None:
            return
        me = getattr(interaction.guild, "me", None)
        needed = ("view_channel", "send_messages", "send_messages_in_threads", "embed_links")
        missing = missing_permissions(channel, me, *needed)
        note = say(interaction, "setup_channel_added", channel=channel.mention)
        if missing:
            note += "\n" + say(interaction, "setup_missing_here", missing=", ".join(missing))
        write = self.bot.store.add_answer_channel(interaction.guild_id, channel.id)
        await self._save(interaction, write, note)

    @channel.command(name="remove", description="Stop answering questions in this channel")
    @app_commands.describe(channel="A channel the bot answers in")
    async def channel_remove(
        self, interaction: discord.Interaction[OptoutBot], channel: AnswerChannel
    ) -> None:
        gs = await self._settings_or_refuse(interaction)
        if gs is None:
            return
        if channel.id not in gs.answer_channel_ids:
            text = say(interaction, "setup_not_answer_channel", channel=channel.mention)
            await self._reply(interaction, text)
            return
        write = self.bot.store.remove_answer_channel(interaction.guild_id, channel.id)
        await self._save(
            interaction, write, say(interaction, "setup_removed", channel=channel.mention)
        )

    @setup_group.command(name="moderator-role", description="Who else may use /setup and /kb gaps")
    @app_commands.describe(role="Members with this role count as moderators; leave empty to clear")
    async def moderator_role(
        self, interaction: discord.Interaction[OptoutBot], role: discord.Role | None = None
    ) -> None:
        if await self._settings_or_refuse(interaction) is None:
            return
        if not can_manage_server(interaction.user):
            await self._reply(interaction, say(interaction, "setup_needs_manage_server"))
            return
        if role is not None and (role.is_default() or role.managed):
            await self._reply(interaction, say(interaction, "setup_pick_role"))
            return
        note = say(interaction, "setup_role_note" if role else "setup_role_cleared")
        await self._change(interaction, note, moderator_role_id=role.id if role else None)

    @setup_group.command(
        name="log-channel", description="Where the bot tells moderators about problems"
    )
    @app_commands.describe(channel="A channel moderators read; leave empty to clear")
    async def log_channel(
        self,
        interaction: discord.Interaction[OptoutBot],
        channel: discord.TextChannel | None = None,
    ) -> None:
        if await self._settings_or_refuse(interaction) is None:
            return
        note = ""
        if channel is not None:
            me = getattr(interaction.guild, "me", None)
            missing = missing_permissions(channel, me, "view_channel", "send_messages")
            if missing:
                note = say(
                    interaction,
                    "setup_cant_post",
                    channel=channel.mention,
                    missing=", ".join(missing),
                )
        await self._change(interaction, note, log_channel_id=channel.id if channel else None)

    @setup_group.command(name="region", description="The region assumed when a question names none")
    @app_commands.describe(region="Where most members of this server live")
    @app_commands.choices(region=DEFAULT_REGION_CHOICES)
    async def region(self, interaction: discord.Interaction[OptoutBot], region: str) -> None:
        if await self._settings_or_refuse(interaction) is None:
            return
        await self._change(interaction, default_region=None if region == "none" else region)

    @setup_group.command(
        name="language",
        description="Answer language for free-text questions whose language is unclear",
    )
    @app_commands.describe(language="The language most members of this server write in")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language(self, interaction: discord.Interaction[OptoutBot], language: str) -> None:
        """Slash commands follow each member's Discord language; this is for mentions, DMs to
        the bot from this server and answer channels, when the question itself is unclear."""
        if await self._settings_or_refuse(interaction) is None:
            return
        await self._change(interaction, default_language=None if language == "en" else language)

    @setup_group.command(
        name="auto-answer", description="Answer questions in answer channels unasked"
    )
    @app_commands.describe(enabled="On: answer questions there; off: only when mentioned")
    async def auto_answer(self, interaction: discord.Interaction[OptoutBot], enabled: bool) -> None:
        if await self._settings_or_refuse(interaction) is None:
            return
        await self._change(interaction, auto_answer=enabled)


async def setup(bot: OptoutBot) -> None:
    """discord.py's extension entry point (the name it looks for)."""
    await bot.add_cog(ServerSettings(bot))
