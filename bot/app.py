"""The composition root: build the Discord bot from Settings, and run | sync | invite.

`create_bot()` builds every service once (`Services.build`: engine, store, answer log and
settings cache, knowledge service, retention job) and the bot that starts and stops them;
cogs only use what they are given. It only builds (no network), so tests can inject a
fixture engine and an in-memory store and point the real client at a fake Discord.
Everything Discord-wide lives here: intents, `AllowedMentions.none()`, the extension list,
command sync, the server lifecycle events that fill the settings cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import signal
import sys
from collections.abc import Iterable

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.engine import Engine
from bot.config import Settings, SettingsError, shard_problems
from bot.discord_ui.jobs import RetentionJob
from bot.discord_ui.maintainers import post_to_maintainers
from bot.discord_ui.traffic import pooled_connector, skip_own_message_echoes
from bot.discord_ui.translator import KnowledgeTranslator
from bot.discord_ui.views import CONTROLS
from bot.knowledge.loader import default_knowledge_dir
from bot.knowledge.location import IN_PACKAGE, inside_installed_package
from bot.logging_setup import setup_logging
from bot.metrics import Metrics, instrument
from bot.services import KnowledgeError, KnowledgeService, ReloadReport, Services
from bot.services.records import AnswerLog
from bot.services.reports import format_report
from bot.services.settings_cache import SettingsCache
from bot.services.store_guard import StoreGuard
from bot.store import Store, StoreError

log = logging.getLogger("bot.app")

#: Loaded in this order by setup_hook; add new cogs here.
EXTENSIONS: tuple[str, ...] = (
    "bot.cogs.errors",
    "bot.cogs.optout",  # /optout and /ask
    "bot.cogs.catalogue",  # /topics and /sources
    "bot.cogs.questions",
    "bot.cogs.kb",  # /kb and /kb-admin, on the knowledge service
    "bot.cogs.setup",  # /setup, each server's settings
)

#: The least the bot needs, and why (shown by `optout-bot invite` and in the README).
PERMISSION_REASONS: dict[str, str] = {
    "view_channel": "see the channels it should answer in",
    "send_messages": "reply to questions",
    "send_messages_in_threads": "reply to questions asked in threads",
    "embed_links": "show answers as a formatted card with links",
    "read_message_history": "post answers as replies to the question",
}
INVITE_PERMISSIONS = discord.Permissions(**dict.fromkeys(PERMISSION_REASONS, True))
INVITE_SCOPES = ("bot", "applications.commands")
#: Seconds handlers already running get to finish (send their reply) at shutdown.
SHUTDOWN_GRACE = 2.0
#: discord.py's names for the tasks that run handlers: events, slash commands, controls.
HANDLER_TASK_PREFIXES = (
    "discord.py: ",
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-dynamic-item-",
)

NO_TOKEN = (
    "optout-bot: DISCORD_TOKEN is not set. Put it in the environment or in .env "
    "(see .env.example); the README's 'Run it on Discord' section shows where to get it."
)
BAD_TOKEN = (
    "optout-bot: Discord rejected DISCORD_TOKEN. Copy a fresh one from the Developer Portal "
    "(your application -> Bot -> Reset Token) into .env."
)
#: Seconds between attempts to reach Discord at start (the last one repeats).
RETRY_DELAYS: tuple[float, ...] = (1, 2, 4, 8, 16, 30, 60)
#: Failures that mean "Discord cannot be reached right now", not "you are refused".
UNREACHABLE = (aiohttp.ClientConnectionError, OSError, TimeoutError, discord.DiscordServerError)
NO_INTENT = (
    "optout-bot: MESSAGE_CONTENT=true, but the Message Content Intent is off for this "
    "application. Turn on Developer Portal -> your application -> Bot -> Privileged Gateway "
    "Intents -> MESSAGE CONTENT INTENT, or set MESSAGE_CONTENT=false (mentions and DMs only)."
)


class OptoutBot(commands.Bot):
    """The Discord bot: holds the services it was built with, and starts and stops them."""

    def __init__(
        self,
        services: Services,
        *,
        extensions: Iterable[str] = EXTENSIONS,
        sync_commands: bool = True,
        guild_ready_timeout: float = 2.0,
        **client_options: object,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = services.settings.message_content
        super().__init__(
            command_prefix=commands.when_mentioned,  # unused: see process_commands
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
            **client_options,
        )
        self.services = services
        skip_own_message_echoes(self)
        self.extension_names = tuple(extensions)
        self.sync_on_start = sync_commands
        self.metrics: Metrics | None = None  # set by create_bot when HEALTH_PORT is set
        # (when read, the application's owner or team) for bot.permissions.owner_ids
        self.owner_cache: tuple[float, frozenset[int]] | None = None

    # The services, by name (settings and engine may be replaced, e.g. by tests).
    @property
    def settings(self) -> Settings:
        return self.services.settings

    @settings.setter
    def settings(self, value: Settings) -> None:
        self.services.settings = value

    @property
    def engine(self) -> Engine:
        return self.services.engine

    @engine.setter
    def engine(self, value: Engine) -> None:
        self.services.engine = value

    @property
    def store(self) -> Store:
        return self.services.store

    @property
    def store_guard(self) -> StoreGuard:
        """Store calls a reply may wait on: time-boxed, failures logged once."""
        return self.services.store_guard

    @property
    def settings_cache(self) -> SettingsCache:
        """Each server's settings, kept in memory."""
        return self.services.settings_cache

    @property
    def answer_log(self) -> AnswerLog:
        """Answer events and gaps, written in batches."""
        return self.services.answer_log

    @property
    def knowledge_service(self) -> KnowledgeService:
        return self.services.knowledge

    async def report_to_maintainers(self, report: ReloadReport) -> None:
        """A reload that changed something or found problems, in the maintainers' channel."""
        await post_to_maintainers(self, format_report(report))

    async def login(self, token: str) -> None:
        if self.http.connector is discord.utils.MISSING:  # not given by the caller
            self.http.connector = pooled_connector()
        await super().login(token)

    async def setup_hook(self) -> None:
        await self.services.start()
        for name in self.extension_names:
            await self.load_extension(name)
        self.add_dynamic_items(*CONTROLS)
        if self.sync_on_start:
            try:
                await self.sync_commands()
            except discord.HTTPException as exc:
                log.error("slash commands were not synced: %s", exc)
        elif not self.settings.sync_commands:
            log.info(
                "slash commands not synced on start (SYNC_COMMANDS=false): "
                "run `optout-bot sync` after an upgrade changes them"
            )

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """DEV_GUILD_ID: copy to that server (instant); otherwise global (can take a while).
        Then the maintainers' home server (HOME_GUILD_ID), which alone has /kb-admin."""
        if self.tree.translator is None:  # localized help, read from the knowledge at sync
            await self.tree.set_translator(KnowledgeTranslator(lambda: self.engine.kb.locales))
        dev, home = self.settings.dev_guild_id, self.settings.home_guild_id
        if dev:
            guild = discord.Object(dev)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild.id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
        if home and home != dev:
            synced += await self._sync_home(home)
        return synced

    async def _sync_home(self, home: int) -> list[app_commands.AppCommand]:
        """The home server's own commands; a bot not (yet) in it is logged, not fatal."""
        try:
            synced = await self.tree.sync(guild=discord.Object(home))
        except discord.HTTPException as exc:
            log.error("the maintainers' commands were not synced to home server %s: %s", home, exc)
            return []
        log.info("synced %d maintainers' commands to home server %s", len(synced), home)
        return synced

    async def on_guild_available(self, guild: discord.Guild) -> None:
        """Read the server's settings now (at start-up or when it joins), not on its first
        message: in a burst that first read would queue behind everything else."""
        await self.settings_cache.prefetch_settings(guild.id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.settings_cache.prefetch_settings(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: forget its settings and everything recorded there."""
        self.settings_cache.forget_settings(guild.id)
        try:
            await self.store.forget_guild(guild.id)
        except StoreError as exc:
            log.warning("could not forget server %s: %s", guild.id, exc)

    async def process_commands(self, message: discord.Message) -> None:
        """No prefix commands: free text is handled by the questions cog."""

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        log.error("event %s failed", event_method, exc_info=True)

    async def let_handlers_finish(self, grace: float = SHUTDOWN_GRACE) -> int:
        """Before connections close, wait (at most ``grace`` s) for handlers already running,
        so a command or question being answered at SIGTERM still gets its reply instead of
        failing on a closed HTTP session. Returns how many were running."""
        current = asyncio.current_task()
        running = [
            task
            for task in asyncio.all_tasks()
            if task is not current
            and not task.done()
            and task.get_name().startswith(HANDLER_TASK_PREFIXES)
        ]
        if running:
            done, pending = await asyncio.wait(running, timeout=grace)
            log.info("shutdown: %d handlers finished, %d still running", len(done), len(pending))
        return len(running)

    async def close(self) -> None:
        await self.let_handlers_finish()
        try:
            await super().close()
        finally:
            await self.services.stop()


def create_bot(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    store: Store | None = None,
    sync_commands: bool = True,
    guild_ready_timeout: float = 2.0,
) -> OptoutBot:
    """Build every service once and the bot that owns them, from Settings (read from the
    environment when None); no connecting."""
    settings = settings or Settings.from_env()
    services = Services.build(settings, retention=RetentionJob, engine=engine, store=store)
    shards = shard_options(settings)
    cls = ShardedOptoutBot if shards else OptoutBot
    if shards.get("shard_ids") and 0 not in shards["shard_ids"]:
        sync_commands = False  # commands are global: only the process with shard 0 syncs
    bot = cls(
        services,
        sync_commands=sync_commands,
        guild_ready_timeout=guild_ready_timeout,
        **shards,
    )
    services.knowledge.on_problems = services.knowledge.on_reloaded = bot.report_to_maintainers
    if settings.health_port:
        bot.metrics = Metrics()
        instrument(bot, bot.metrics)
    return bot


class ShardedOptoutBot(OptoutBot, commands.AutoShardedBot):
    """The same bot over several gateway shards (SHARD_COUNT / SHARD_IDS)."""


def shard_options(settings: Settings) -> dict[str, object]:
    """Shard settings for discord.py, refusing combinations that would silently misbehave.

    Several processes that each run some shards must share one database (DATABASE_URL),
    or each would keep its own settings, gaps and feedback.
    """
    count, ids = settings.shard_count, settings.shard_ids
    if count is None and not ids:
        return {}
    if count is not None and count < 1:
        raise SettingsError("SHARD_COUNT must be at least 1")
    problems = shard_problems(settings)
    if problems:
        raise SettingsError(problems)
    if ids:
        return {"shard_count": count, "shard_ids": sorted(set(ids))}
    return {"shard_count": count}


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES
    )


def user_install_url(application_id: int) -> str:
    """Adds the bot's commands to a member's own account (usable in any DM), no server needed."""
    return (
        "https://discord.com/oauth2/authorize"
        f"?client_id={application_id}&integration_type=1&scope=applications.commands"
    )


def invite_text(application_id: int) -> str:
    reasons = "\n".join(
        f"  - {name.replace('_', ' ').title()}: to {why}"
        for name, why in PERMISSION_REASONS.items()
    )
    return (
        f"{invite_url(application_id)}\n\n"
        f"Scopes: {' and '.join(INVITE_SCOPES)} (the bot user and its slash commands).\n"
        f"Permissions (integer {INVITE_PERMISSIONS.value}), the least the bot needs:\n{reasons}"
        f"\n\nFor your own account (use /optout in any DM, no server needed):\n"
        f"{user_install_url(application_id)}"
    )


def run_command(command: str, settings: Settings) -> int:
    """`run`, `sync` or `invite`; returns the process exit code."""
    setup_logging(settings.log_level, settings.log_format, trace=settings.log_trace)
    if command == "invite" and settings.application_id:
        print(invite_text(settings.application_id))
        return 0
    token = settings.discord_token
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    try:
        if command == "invite":
            print(invite_text(asyncio.run(_application_id(token))))
            return 0
        if (missing := missing_knowledge_folder(settings)) is not None:
            print(f"optout-bot: {missing}", file=sys.stderr)
            return 2
        if command == "run":
            warn_if_knowledge_in_package(settings)
        try:
            bot = create_bot(settings, sync_commands=command == "run" and settings.sync_commands)
        except ValueError as exc:  # e.g. a DATABASE_URL that is not postgresql://
            print(f"optout-bot: {exc}", file=sys.stderr)
            return 2
        if command == "sync":
            return asyncio.run(_sync(bot, token))
        if command == "run":
            asyncio.run(_run(bot, token))
            return 0
    except KnowledgeError as exc:
        print(f"optout-bot: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:
        for problem in exc.problems:
            print(f"optout-bot: {problem}", file=sys.stderr)
        return 2
    except discord.LoginFailure:
        print(BAD_TOKEN, file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print(NO_INTENT, file=sys.stderr)
        return 1
    except UNREACHABLE as exc:  # sync and invite try once; run retries in _login
        print(
            f"optout-bot: cannot reach Discord: {str(exc) or type(exc).__name__}", file=sys.stderr
        )
        return 1
    print(f"optout-bot: unknown command {command!r}", file=sys.stderr)
    return 2


async def _application_id(token: str) -> int:
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(token)
        return client.application_id or client.user.id


async def _sync(bot: OptoutBot, token: str) -> int:
    async with bot:
        await bot.login(token)
        synced = await bot.sync_commands()
    where = (
        f"server {bot.settings.dev_guild_id} (available now)"
        if bot.settings.dev_guild_id
        else "all servers (global commands can take up to an hour to appear)"
    )
    home = bot.settings.home_guild_id
    if home and home != bot.settings.dev_guild_id:
        where += f", and the maintainers' commands to home server {home}"
    names = ", ".join(f"/{c.name}" for c in synced)
    print(f"Synced {len(synced)} commands to {where}: {names}")
    return 0


def missing_knowledge_folder(settings: Settings) -> str | None:
    """The settings-style line for a KNOWLEDGE_DIR (or --knowledge) that is not a folder."""
    folder = settings.knowledge_dir
    if folder is None or folder.is_dir():
        return None
    return (
        f"KNOWLEDGE_DIR={str(folder)!r}: no such folder; e.g. KNOWLEDGE_DIR=/srv/optout/knowledge "
        "(start one with `optout-bot knowledge export DIR`)"
    )


def warn_if_knowledge_in_package(settings: Settings) -> None:
    folder = settings.knowledge_dir or default_knowledge_dir()
    if inside_installed_package(folder):
        log.warning(IN_PACKAGE.format(folder=folder))


async def _run(bot: OptoutBot, token: str) -> None:
    """Run until Discord closes or SIGINT/SIGTERM arrives; always close the store.

    While Discord cannot be reached at start, say so in one line and retry with backoff;
    /healthz (when HEALTH_PORT is set) answers 503 meanwhile."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    health = None
    try:
        if bot.settings.health_port:
            from bot.health import HealthServer

            host, port = bot.settings.health_host, bot.settings.health_port
            try:
                health = await HealthServer(bot, host, port).start()
            except OSError as exc:
                raise SettingsError(
                    f"HEALTH_PORT={port}: cannot listen on {host}:{port} "
                    f"({exc.strerror or exc}); e.g. HEALTH_PORT={port % 65535 + 1}"
                ) from None
        async with bot:
            if not await _login(bot, token, stop):
                log.info("shutting down")
                return
            runner = asyncio.create_task(bot.connect())
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if stopper in done:
                log.info("shutting down")
                await bot.close()
            stopper.cancel()
            await runner
    finally:
        if health is not None:
            await health.stop()
        for sig in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def _login(bot: OptoutBot, token: str, stop: asyncio.Event) -> bool:
    """Log in, retrying with backoff while Discord is unreachable; False if stopped first.

    A rejected token (LoginFailure) is not retried: it propagates at once."""
    for attempt in itertools.count():
        try:
            await bot.login(token)
            return True
        except UNREACHABLE as exc:
            delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
            reason = str(exc) or type(exc).__name__
            log.warning("cannot reach Discord: %s; retrying in %g s", reason, delay)
            await _reset_http(bot)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
            if stop.is_set():
                return False
    return False  # pragma: no cover - the loop only ends by returning


async def _reset_http(bot: OptoutBot) -> None:
    """Close the HTTP session a failed login opened, so the next try starts clean."""
    await bot.http.close()
    connector = bot.http.connector
    if connector is not discord.utils.MISSING and connector.closed:
        bot.http.connector = discord.utils.MISSING  # login() makes a new pooled one
