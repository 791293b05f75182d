"""/kb: keep the shared knowledge current from Discord, and see what to add next.

reload, check and teach change (or inspect) the knowledge every server shares, so only its
maintainers may use them; gaps and stats are per server, for that server's moderators. Every
reply is ephemeral. The cog also owns the knowledge service and its file watcher, so loading
the extension is all the wiring the app needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.layout import MESSAGE_LIMIT, escape_markdown, fit
from bot.knowledge import default_knowledge_dir
from bot.maintenance import KnowledgeService, ReloadReport, TeachError
from bot.maintenance.gaps import (
    fit_lines,
    format_check,
    format_gaps,
    format_report,
    format_stats,
    format_teach,
    since_for,
)
from bot.maintenance.teach import MAX_PHRASING
from bot.permissions import is_maintainer, is_server_moderator
from bot.store import StoreError

log = logging.getLogger(__name__)

CHOICE_LIMIT = 25
CHOICE_TEXT_LIMIT = 100
GAPS_LIMIT = 50
NOT_MAINTAINER = (
    "Only the knowledge maintainers can do that: the knowledge is shared by every server the "
    "bot is in. Server moderators can use `/kb gaps` and `/kb stats`, and `/setup`."
)
NOT_MODERATOR = (
    "Only this server's moderators (Manage Server, or the moderator role set with "
    "`/setup moderator-role`) can see this."
)
NO_STORAGE = "Storage is unavailable right now, so there is nothing to show. Try again later."
PERIOD_CHOICES = [
    app_commands.Choice(name="Last 24 hours", value="day"),
    app_commands.Choice(name="Last 7 days", value="week"),
    app_commands.Choice(name="Last 30 days", value="month"),
    app_commands.Choice(name="Everything kept", value="all"),
]
SCOPE_CHOICES = [
    app_commands.Choice(name="This server", value="server"),
    app_commands.Choice(name="All servers (maintainers only)", value="all"),
]


async def post_to_maintainers(bot: Any, text: str) -> bool:
    """Send one short message to the maintainers' log channel (if set); never raise."""
    channel_id = getattr(bot.settings, "log_channel_id", None)
    if not channel_id:
        return False
    channel = bot.get_channel(channel_id)
    try:
        if channel is None:
            channel = await bot.fetch_channel(channel_id)
        await channel.send(
            fit(text, MESSAGE_LIMIT), allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as exc:
        log.warning("could not post to the maintainers' log channel %s: %s", channel_id, exc)
        return False
    return True


def knowledge_dir(bot: Any) -> Path:
    """The folder the running snapshot came from (settings win, then the snapshot's root)."""
    configured = getattr(bot.settings, "knowledge_dir", None)
    if configured:
        return Path(configured)
    root = getattr(bot.engine.kb, "root", "")
    return Path(root) if root else default_knowledge_dir()


class Knowledge(commands.Cog):
    """The /kb commands and the knowledge service's lifetime."""

    kb = app_commands.Group(
        name="kb",
        description="Keep the shared knowledge current and see what to add next",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._watcher: asyncio.Task | None = None

    @property
    def service(self) -> KnowledgeService:
        return self.bot.knowledge_service

    async def cog_load(self) -> None:
        if getattr(self.bot, "knowledge_service", None) is None:
            self.bot.knowledge_service = KnowledgeService(
                self.bot.engine,
                knowledge_dir(self.bot),
                stale_days=self.bot.settings.stale_days,
                on_problems=self.on_problems,
                on_reloaded=self.on_reloaded,
            )
        if self.bot.settings.watch_knowledge:
            self._watcher = asyncio.create_task(self.service.watch(), name="knowledge-watcher")
            log.info("watching %s for knowledge edits", self.service.root)

    async def cog_unload(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    async def on_problems(self, report: ReloadReport) -> None:
        await post_to_maintainers(self.bot, format_report(report))

    async def on_reloaded(self, report: ReloadReport) -> None:
        await post_to_maintainers(self.bot, format_report(report))

    # -- permission helpers -------------------------------------------------------------

    async def _start(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

    async def _reply(self, interaction: discord.Interaction, text: str) -> None:
        await interaction.followup.send(
            fit(text, MESSAGE_LIMIT),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _maintainer_or_refuse(self, interaction: discord.Interaction) -> bool:
        if await is_maintainer(self.bot, interaction.user):
            return True
        log.info("/kb refused: not a maintainer")
        await self._reply(interaction, NOT_MAINTAINER)
        return False

    async def _scope_or_refuse(self, interaction: discord.Interaction, scope: str) -> int | None:
        """Guild id to report on (0 = all servers), or None after refusing."""
        maintainer = await is_maintainer(self.bot, interaction.user)
        if scope == "all":
            if maintainer:
                return 0
            await self._reply(interaction, NOT_MAINTAINER)
            return None
        guild_id = interaction.guild_id
        if guild_id is None:
            await self._reply(interaction, "That only works in a server.")
            return None
        try:
            guild_settings = await self.bot.store.get_settings(guild_id)
        except StoreError:
            await self._reply(interaction, NO_STORAGE)
            return None
        if maintainer or is_server_moderator(interaction.user, guild_settings):
            return guild_id
        log.info("/kb refused: not a moderator of this server")
        await self._reply(interaction, NOT_MODERATOR)
        return None

    # -- maintainers: the shared knowledge ----------------------------------------------

    @kb.command(name="reload", description="Load the knowledge files again now (maintainers)")
    async def reload(self, interaction: discord.Interaction) -> None:
        await self._start(interaction)
        if not await self._maintainer_or_refuse(interaction):
            return
        report = await self.service.reload("reload (/kb reload)")
        await self._reply(interaction, format_report(report))

    @kb.command(name="check", description="Validate the knowledge files without loading them")
    async def check(self, interaction: discord.Interaction) -> None:
        await self._start(interaction)
        if not await self._maintainer_or_refuse(interaction):
            return
        await self._reply(interaction, format_check(await self.service.check()))

    @kb.command(name="teach", description="Add a question as a new example phrasing of a topic")
    @app_commands.describe(
        entry="The topic that answers this question",
        question="The question as people ask it (no names, mentions or links)",
    )
    async def teach(
        self,
        interaction: discord.Interaction,
        entry: str,
        question: app_commands.Range[str, 1, MAX_PHRASING],
    ) -> None:
        await self._start(interaction)
        if not await self._maintainer_or_refuse(interaction):
            return
        entry_id = self._entry_id(entry)
        who = getattr(interaction.user, "display_name", None) or "a maintainer"
        try:
            result, report = await self.service.teach(
                entry_id, question, who=who, now=datetime.now(UTC)
            )
        except TeachError as exc:
            lines = [f"- {escape_markdown(str(p))}" for p in exc.problems]
            header = f"Not added: {escape_markdown(str(exc))}"
            await self._reply(interaction, fit_lines(header, lines, noun="problems"))
            return
        await post_to_maintainers(self.bot, format_teach(result, report))
        status = "It works from now on." if report.applied else report.summary()
        phrasing, title = escape_markdown(result.phrasing), escape_markdown(result.entry_title)
        await self._reply(
            interaction,
            f"Added “{phrasing}” to **{title}** (`{result.entry_id}`, "
            f"{result.file}:{result.line}). {status}",
        )

    def _entry_id(self, picked: str) -> str:
        """Autocomplete sends the id; a typed title is accepted too."""
        entries = self.bot.engine.kb.entries
        if picked in entries:
            return picked
        wanted = picked.strip().casefold()
        for entry in entries.values():
            if entry.title.casefold() == wanted:
                return entry.id
        return picked.strip()

    @teach.autocomplete("entry")
    async def entry_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Best-matching topics first (off-topic catchers included), 25 at most."""
        engine = self.bot.engine
        kb, index = engine.kb, engine.index
        typed = current.strip()
        folded = typed.casefold()
        ids = [r.entry_id for r in index.rank(index.analyse(typed))] if typed else []
        ids += [
            e.id
            for e in kb.entries.values()
            if e.id not in ids and (folded in e.id or folded in e.title.casefold())
        ]
        ids += [s.id for s in engine.search_topics(typed) if s.id not in ids]
        ids += [e for e in kb.entries if e not in ids]
        ids = [i for i in ids if i in kb.entries]  # a reload may land between the two reads
        choices = []
        for entry_id in ids[:CHOICE_LIMIT]:
            entry = kb.entries[entry_id]
            label = ("Off-topic: " if entry.kind == "decline" else "") + entry.title
            name = fit(label, CHOICE_TEXT_LIMIT)
            choices.append(app_commands.Choice(name=name, value=entry_id))
        return choices

    @teach.autocomplete("question")
    async def question_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Recent unanswered questions from every server (maintainers only)."""
        if not await is_maintainer(self.bot, interaction.user):
            return []
        try:
            gaps = await self.bot.store.gaps(None, since_for("month"), limit=100)
        except StoreError:
            return []
        typed = current.strip().casefold()
        texts = [typed] if typed and len(typed) <= CHOICE_TEXT_LIMIT else []
        texts += [
            g.text
            for g in gaps
            if len(g.text) <= CHOICE_TEXT_LIMIT and typed in g.text and g.text not in texts
        ]
        return [app_commands.Choice(name=t, value=t) for t in texts[:CHOICE_LIMIT]]

    # -- server moderators: what to add -----------------------------------------------

    @kb.command(name="gaps", description="Questions the bot declined or was unsure about")
    @app_commands.describe(period="How far back to look", scope="This server, or every server")
    @app_commands.choices(period=PERIOD_CHOICES, scope=SCOPE_CHOICES)
    async def gaps(
        self, interaction: discord.Interaction, period: str = "week", scope: str = "server"
    ) -> None:
        await self._start(interaction)
        guild_id = await self._scope_or_refuse(interaction, scope)
        if guild_id is None:
            return
        try:
            found = await self.bot.store.gaps(guild_id or None, since_for(period), limit=GAPS_LIMIT)
        except StoreError:
            await self._reply(interaction, NO_STORAGE)
            return
        titles = {e.id: e.title for e in self.bot.engine.kb.entries.values()}
        where = "all servers" if guild_id == 0 else "this server"
        await self._reply(
            interaction, format_gaps(found, period=period, scope=where, titles=titles)
        )

    @kb.command(name="stats", description="Answers and feedback per topic, and the decline rate")
    @app_commands.describe(period="How far back to look", scope="This server, or every server")
    @app_commands.choices(period=PERIOD_CHOICES, scope=SCOPE_CHOICES)
    async def stats(
        self, interaction: discord.Interaction, period: str = "week", scope: str = "server"
    ) -> None:
        await self._start(interaction)
        guild_id = await self._scope_or_refuse(interaction, scope)
        if guild_id is None:
            return
        since = since_for(period)
        try:
            answers = await self.bot.store.stats(guild_id or None, since)
            votes = await self.bot.store.feedback_stats(guild_id or None, since)
        except StoreError:
            await self._reply(interaction, NO_STORAGE)
            return
        titles = {e.id: e.title for e in self.bot.engine.kb.entries.values()}
        where = "all servers" if guild_id == 0 else "this server"
        await self._reply(
            interaction,
            format_stats(answers, votes, period=period, scope=where, titles=titles),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Knowledge(bot))
