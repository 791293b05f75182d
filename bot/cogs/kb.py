"""/kb and /kb-admin: see what to add next, and keep the shared knowledge current.

/kb-admin reload, check and teach change (or inspect) the knowledge every server shares, so
only its maintainers may use them, and they are registered in the maintainers' home server
only (other servers' admins never see commands that would refuse them). /kb gaps and stats are
per server, for that server's moderators. Every reply is ephemeral. The knowledge service
(and its file watcher) is built and started by the composition root (`bot.app`); this cog
only uses it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from bot.discord_ui.errors import report_error
from bot.discord_ui.maintainers import post_to_maintainers
from bot.discord_ui.pager import Page, PageButton, page_slice, paged_kwargs, register
from bot.outcome import Outcome
from bot.permissions import is_maintainer, is_server_moderator
from bot.presentation.layout import MESSAGE_LIMIT, escape_markdown, fit
from bot.services import KnowledgeService, TeachError
from bot.services.gaps import (
    PERIODS,
    fit_lines,
    format_check,
    format_disliked,
    format_gaps,
    format_report,
    format_stats,
    format_teach,
    since_for,
)
from bot.services.records import LOW_CONFIDENCE
from bot.services.teach import MAX_PHRASING
from bot.store import StoreError
from bot.store.base import GapSummary

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger(__name__)

ADMIN_GROUP = "kb-admin"  # the maintainers' commands, registered in their home server only
CHOICE_LIMIT = 25
CHOICE_TEXT_LIMIT = 100
GAPS_FETCH = 500  # the store returns the newest; sorted by count here
GAPS_PER_PAGE = 5  # two buttons each: Teach or Send in one row, Dismiss in the next
DISLIKED_SHOWN = 25  # most 👎'd questions in /kb stats
GAP_VERBS = {"t": "Teach", "s": "Send to maintainers", "d": "Dismiss"}
NOT_MAINTAINER = (
    "Only the knowledge maintainers can do that: the knowledge is shared by every server the "
    "bot is in. Server moderators can use `/kb gaps` and `/kb stats`, and `/setup`."
)
NOT_MODERATOR = (
    "Only this server's moderators (Manage Server, or the moderator role set with "
    "`/setup moderator-role`) can see this."
)
SENT_TO_MAINTAINERS = "Sent to the maintainers. Thanks!"
NO_MAINTAINER_CHANNEL = "The maintainers have no log channel set, so nothing was sent."
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


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which servers a /kb report covers: one server, or every server (maintainers only).
    `guild_id` None is every server, as the store's report queries read it."""

    guild_id: int | None = None

    @property
    def where(self) -> str:
        return "all servers" if self.guild_id is None else "this server"


ALL_SERVERS = ReportScope()


def gap_key(text: str) -> str:
    """A short stable key for a gap's text, to fit a button's custom_id."""
    return hashlib.blake2s(text.encode("utf-8"), digest_size=6).hexdigest()


class GapButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"ob:g:(?P<action>[tsd]):(?P<key>[0-9a-f]{12}):(?P<listing>[a-z]+-[a-z]+)"
        r"(?::(?P<page>\d{1,4}))?"
    ),
):
    """Under /kb gaps: Teach it (maintainers) or Send it to the maintainers (moderators), and
    Dismiss it (both; `page` is the list page to redraw without it)."""

    def __init__(self, action: str, key: str, listing: str, text: str = "", page: int = 0):
        self.action, self.key, self.listing, self.page = action, key, listing, page
        verb = GAP_VERBS[action]
        custom_id = f"ob:g:{action}:{key}:{listing}" + (f":{page}" if action == "d" else "")
        super().__init__(
            discord.ui.Button(
                label=fit(f"{verb}: {text}" if text else verb, 80),
                style=discord.ButtonStyle.secondary
                if action == "d"
                else discord.ButtonStyle.primary,
                custom_id=custom_id,
                row=1 if action == "d" else 0,
            )
        )

    @classmethod
    async def from_custom_id(cls, interaction, item, match):
        return cls(match["action"], match["key"], match["listing"], page=int(match["page"] or 0))

    async def callback(self, interaction: discord.Interaction[OptoutBot]) -> None:
        try:
            cog = interaction.client.get_cog("Knowledge")
            await cog.gap_action(interaction, self.action, self.key, self.listing, self.page)
        except Exception as error:
            await report_error(interaction, error)


class TeachModal(discord.ui.Modal, title="Teach this question"):
    """/kb-admin teach with the gap's question and its closest topic already filled in."""

    def __init__(self, cog: Knowledge, entry_id: str, question: str) -> None:
        super().__init__(timeout=600)
        self.cog = cog
        self.entry = discord.ui.TextInput(
            label="Topic id (see /topics or /kb-admin teach)", default=entry_id, max_length=100
        )
        self.question = discord.ui.TextInput(
            label="The question, as people ask it",
            default=question[:MAX_PHRASING],
            max_length=MAX_PHRASING,
            style=discord.TextStyle.paragraph,
        )
        self.add_item(self.entry)
        self.add_item(self.question)

    async def on_submit(self, interaction: discord.Interaction[OptoutBot]) -> None:
        await self.cog.teach_from(interaction, self.entry.value, self.question.value)

    async def on_error(self, interaction: discord.Interaction[OptoutBot], error: Exception) -> None:
        await report_error(interaction, error)


def maintainers_guild_id(settings: Settings) -> int | None:
    """Where the maintainers' commands are registered: the home server, else the dev server
    (where everything is registered while developing), else None (every server)."""
    return settings.home_guild_id or settings.dev_guild_id


class Knowledge(commands.Cog):
    """The /kb and /kb-admin commands."""

    kb = app_commands.Group(
        name="kb",
        description="See what to add next: unanswered questions and answer stats",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )
    kb_admin = app_commands.Group(
        name=ADMIN_GROUP,
        description="Maintainers: reload, check and teach the shared knowledge",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        admin = next(c for c in self.__cog_app_commands__ if c.name == ADMIN_GROUP)
        home = maintainers_guild_id(bot.settings)
        if home:  # only the maintainers' server lists these; other servers never see them
            app_commands.guilds(home)(admin)
        else:
            log.warning(
                "HOME_GUILD_ID is not set: /%s is registered in every server (it refuses "
                "everyone but the maintainers there)",
                ADMIN_GROUP,
            )
        register("gaps", self.gaps_page)
        bot.add_dynamic_items(PageButton, GapButton)

    @property
    def service(self) -> KnowledgeService:
        """Reload, check and teach: built and started by the composition root."""
        return self.bot.services.knowledge

    # -- permission helpers -------------------------------------------------------------

    async def _start(self, interaction: discord.Interaction[OptoutBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)

    async def _reply(self, interaction: discord.Interaction[OptoutBot], text: str) -> None:
        await interaction.followup.send(
            fit(text, MESSAGE_LIMIT),
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def _maintainer_or_refuse(self, interaction: discord.Interaction[OptoutBot]) -> bool:
        if await is_maintainer(self.bot, interaction.user):
            return True
        log.info("/kb refused: not a maintainer")
        await self._reply(interaction, NOT_MAINTAINER)
        return False

    async def _scope_or_refuse(
        self, interaction: discord.Interaction[OptoutBot], scope: str
    ) -> ReportScope | None:
        """The servers to report on, or None after refusing."""
        refusal, allowed = await self._scope_for(interaction, scope)
        if refusal:
            await self._reply(interaction, refusal)
            return None
        return allowed

    async def _scope_for(
        self, interaction: discord.Interaction[OptoutBot], scope: str
    ) -> tuple[str, ReportScope]:
        """("", the servers to report on), or (why not, ALL_SERVERS: not to be used)."""
        maintainer = await is_maintainer(self.bot, interaction.user)
        if scope == "all":
            return ("", ALL_SERVERS) if maintainer else (NOT_MAINTAINER, ALL_SERVERS)
        guild_id = interaction.guild_id
        if guild_id is None:
            return "That only works in a server.", ALL_SERVERS
        try:
            guild_settings = await self.bot.store.get_settings(guild_id)
        except StoreError:
            return NO_STORAGE, ALL_SERVERS
        if maintainer or is_server_moderator(interaction.user, guild_settings):
            return "", ReportScope(guild_id)
        log.info("/kb refused: not a moderator of this server")
        return NOT_MODERATOR, ALL_SERVERS

    # -- maintainers: the shared knowledge ----------------------------------------------

    @kb_admin.command(name="reload", description="Load the knowledge files again now")
    async def reload(self, interaction: discord.Interaction[OptoutBot]) -> None:
        await self._start(interaction)
        if not await self._maintainer_or_refuse(interaction):
            return
        report = await self.service.reload("reload (/kb-admin reload)")
        await self._reply(interaction, format_report(report))

    @kb_admin.command(name="check", description="Validate the knowledge files without loading them")
    async def check(self, interaction: discord.Interaction[OptoutBot]) -> None:
        await self._start(interaction)
        if not await self._maintainer_or_refuse(interaction):
            return
        await self._reply(interaction, format_check(await self.service.check()))

    @kb_admin.command(
        name="teach", description="Add a question as a new example phrasing of a topic"
    )
    @app_commands.describe(
        entry="The topic that answers this question",
        question="The question as people ask it (no names, mentions or links)",
    )
    async def teach(
        self,
        interaction: discord.Interaction[OptoutBot],
        entry: str,
        question: app_commands.Range[str, 1, MAX_PHRASING],
    ) -> None:
        await self.teach_from(interaction, entry, question)

    async def teach_from(
        self, interaction: discord.Interaction[OptoutBot], entry: str, question: str
    ) -> None:
        """/kb-admin teach, and the Teach button's form under /kb gaps."""
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
        self, interaction: discord.Interaction[OptoutBot], current: str
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
        self, interaction: discord.Interaction[OptoutBot], current: str
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
        self,
        interaction: discord.Interaction[OptoutBot],
        period: str = "week",
        scope: str = "server",
    ) -> None:
        await self._start(interaction)
        if await self._scope_or_refuse(interaction, scope) is None:
            return
        listing = f"{period}-{scope}"
        page, pages = await self.gaps_page(interaction, listing, 0)
        await interaction.followup.send(
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
            **{
                k: v
                for k, v in paged_kwargs("gaps", listing, 0, pages, page, new=True).items()
                if v
            },
        )

    async def _sorted_gaps(self, scope: ReportScope, period: str) -> list[GapSummary]:
        """Most asked first (then newest): what to add next is what most people missed.
        Questions the knowledge now answers with confidence (a teach, an edit) are left out."""
        found = await self.bot.store.gaps(scope.guild_id, since_for(period), limit=GAPS_FETCH)
        engine = self.bot.engine
        open_ = [g for g in found if not _now_answered(engine.answer(g.text))]
        return sorted(open_, key=lambda g: (-g.count, -g.last_seen.timestamp(), g.text))

    async def gap_action(
        self,
        interaction: discord.Interaction[OptoutBot],
        action: str,
        key: str,
        listing: str,
        page: int = 0,
    ) -> None:
        """Teach opens the prefilled form; Send posts the question to the maintainers;
        Dismiss deletes it for this server (every server from the all-servers list)."""
        period, _, scope = listing.partition("-")
        refusal, allowed = await self._scope_for(interaction, scope)
        if not refusal and period not in PERIODS:
            refusal = "That list is gone; run `/kb gaps` again."
        gap = None
        if not refusal:
            try:
                gaps = await self._sorted_gaps(allowed, period)
            except StoreError:
                gaps, refusal = [], NO_STORAGE
            gap = next((g for g in gaps if gap_key(g.text) == key), None)
            if gap is None and not refusal:
                refusal = "That question is no longer in the list (answered, or expired)."
        if action == "t" and not refusal and not await is_maintainer(self.bot, interaction.user):
            refusal = NOT_MAINTAINER
        if refusal or gap is None:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        if action == "t":
            await interaction.response.send_modal(
                TeachModal(self, gap.best_entry_id or "", gap.text)
            )
            return
        if action == "d":
            await self.dismiss(interaction, gap, allowed, listing, page)
            return
        guild = interaction.guild
        where = discord.utils.escape_markdown(guild.name) if guild else "a server"
        text = discord.utils.escape_markdown(gap.text)
        sent = await post_to_maintainers(
            self.bot,
            f"📨 A moderator of **{where}** asks for an answer to “{text}” "
            f"(asked {gap.count}×). Add it with `/kb-admin teach` or the Teach button in "
            "`/kb gaps`.",
        )
        reply = SENT_TO_MAINTAINERS if sent else NO_MAINTAINER_CHANNEL
        await interaction.response.send_message(reply, ephemeral=True)

    async def dismiss(
        self,
        interaction: discord.Interaction[OptoutBot],
        gap: GapSummary,
        scope: ReportScope,
        listing: str,
        page: int,
    ) -> None:
        """Remove the gap, then redraw the same page of the list without it."""
        try:
            await self.bot.store.dismiss_gap(scope.guild_id, gap.text)
        except StoreError:
            await interaction.response.send_message(NO_STORAGE, ephemeral=True)
            return
        log.info("/kb gaps: a gap was dismissed (%s)", "one" if scope.guild_id else "all servers")
        shown, pages = await self.gaps_page(interaction, listing, page)
        page = min(page, pages - 1)
        note = f"Dismissed “{discord.utils.escape_markdown(fit(gap.text, 120))}”.\n"
        shown = Page(content=fit(note + (shown.content or ""), MESSAGE_LIMIT), extra=shown.extra)
        kwargs = paged_kwargs("gaps", listing, page, pages, shown)
        await interaction.response.edit_message(**kwargs)

    async def gaps_page(
        self, interaction: discord.Interaction[OptoutBot], listing: str, number: int
    ) -> tuple[Page, int]:
        """One page of gaps with an action button for each: Teach (maintainers) or Send to
        maintainers (server moderators). Permissions are checked again on every page."""
        period, _, scope = listing.partition("-")
        if period not in PERIODS or scope not in ("server", "all"):
            return Page(content="That list is gone; run `/kb gaps` again."), 1
        refusal, allowed = await self._scope_for(interaction, scope)
        if refusal:
            return Page(content=refusal), 1
        try:
            found = await self._sorted_gaps(allowed, period)
        except StoreError:
            return Page(content=NO_STORAGE), 1
        shown, number, pages = page_slice(found, number, GAPS_PER_PAGE)
        titles = {e.id: e.title for e in self.bot.engine.kb.entries.values()}
        text = format_gaps(shown, period=period, scope=allowed.where, titles=titles)
        if pages > 1:
            text = (
                f"{text}\nPage {number + 1} of {pages} · {len(found)} questions, most asked first"
            )
        maintainer = await is_maintainer(self.bot, interaction.user)
        action = "t" if maintainer else "s"
        extra = tuple(GapButton(action, gap_key(g.text), listing, g.text) for g in shown)
        extra += tuple(GapButton("d", gap_key(g.text), listing, g.text, number) for g in shown)
        return Page(content=fit(text, MESSAGE_LIMIT), extra=extra), pages

    @kb.command(name="stats", description="Answers and feedback per topic, and the decline rate")
    @app_commands.describe(period="How far back to look", scope="This server, or every server")
    @app_commands.choices(period=PERIOD_CHOICES, scope=SCOPE_CHOICES)
    async def stats(
        self,
        interaction: discord.Interaction[OptoutBot],
        period: str = "week",
        scope: str = "server",
    ) -> None:
        await self._start(interaction)
        allowed = await self._scope_or_refuse(interaction, scope)
        if allowed is None:
            return
        since, only = since_for(period), allowed.guild_id
        try:
            answers = await self.bot.store.stats(only, since)
            votes = await self.bot.store.feedback_stats(only, since)
            disliked = await self.bot.store.disliked(only, since, limit=DISLIKED_SHOWN)
        except StoreError:
            await self._reply(interaction, NO_STORAGE)
            return
        titles = {e.id: e.title for e in self.bot.engine.kb.entries.values()}
        where = allowed.where
        await self._reply(
            interaction,
            format_stats(answers, votes, period=period, scope=where, titles=titles),
        )
        if disliked:  # what people 👎'd, by their question: a second message, never cut
            text = format_disliked(disliked, period=period, scope=where, titles=titles)
            await self._reply(interaction, text)


def _now_answered(answer) -> bool:
    return answer.outcome == Outcome.ANSWER and answer.confidence >= LOW_CONFIDENCE


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Knowledge(bot))
