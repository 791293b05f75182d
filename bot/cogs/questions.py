"""Free-text questions: mentions, DMs, replies to the bot, and chosen channels.

When addressed (a mention, a DM, a reply to one of its answers) the bot is never silent:
a quick second question gets a ⏳ and its answer when the cooldown ends, or a short note.
In chosen channels nobody asked it directly, so it answers only when confident (strict
matching) and otherwise stays silent; there the cooldowns stay silent too.

Cooldowns are checked before any answer is computed. The per-user one is keyed per
channel (a DM and a server channel are separate conversations) and relaxed in DMs and
for replies to the bot's own answers (a conversation, not spam).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.answering.answer import Answer
from bot.answering.languages import choose_language
from bot.answering.normalise import clean
from bot.discord_ui.context import AnswerContext, answer_context
from bot.discord_ui.cooldowns import Cooldowns
from bot.discord_ui.delivery import Delivery
from bot.discord_ui.i18n import say
from bot.discord_ui.recent import RecentAnswers
from bot.discord_ui.views import render
from bot.knowledge.locales import UI_TEXTS, ui_text
from bot.outcome import Outcome

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger("bot.questions")

Trigger = Literal["dm", "mention", "reply", "channel"]
ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
GREETING_TITLE = UI_TEXTS["greeting_title"]
GREETING_BODY = UI_TEXTS["greeting_body"]
REPEAT_TEXT = UI_TEXTS["repeat"]
SOON_TEXT = UI_TEXTS["soon"]
NOTE_AFTER = 3.0  # seconds of waiting worth a note where the bot may not add a ⏳
BUSY_TEXT = UI_TEXTS["busy"]
CANT_READ_TEXT = UI_TEXTS["cant_read"]
MENU_NAME = "Answer with optout-bot"
MENU_EMPTY = UI_TEXTS["menu_empty"]
MENU_DONE = UI_TEXTS["menu_done"]
WAITING = "⏳"
# Messages answered at once. A flood of messages then waits here, in order, instead of
# crowding the event loop, so slash commands and clicks still get acknowledged in 3 s.
MAX_CONCURRENT_MESSAGES = 16
RELAXED_RATE = 3  # answers per cooldown in DMs and conversations with the bot
FOLLOW_UP_WORDS = 5  # "what about on android?": a platform or region for the earlier topic


class Questions(commands.Cog):
    """Answers messages; every decision about *whether* to speak lives here."""

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        settings = bot.settings
        per_user = settings.user_cooldown_seconds
        self.user_cooldown = Cooldowns(1, per_user)
        self.relaxed_cooldown = Cooldowns(RELAXED_RATE, per_user)
        self.channel_cooldown = Cooldowns(1, settings.channel_cooldown_seconds)
        self.busy_notes = Cooldowns(1, per_user)
        self.max_wait = max(per_user, 1.0)  # one quick follow-up waits; more get a note
        self.recent = RecentAnswers(settings.repeat_window_seconds)
        self.delivery = Delivery(self._log_channel_id)
        self._gate = asyncio.Semaphore(MAX_CONCURRENT_MESSAGES)
        self._sleep = asyncio.sleep
        self.menu = app_commands.ContextMenu(name=MENU_NAME, callback=self.answer_this)
        self.menu.allowed_installs = app_commands.AppInstallationType(guild=True, user=True)
        self.menu.allowed_contexts = app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=True
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    async def _log_channel_id(self, guild: discord.Guild) -> int | None:
        guild_settings = await self.bot.settings_cache.settings(guild.id)
        return guild_settings.log_channel_id if guild_settings else None

    # ------------------------------------------------------------ messages

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        trigger = await self.trigger(message)
        if trigger is None:
            return
        if trigger == "channel":
            async with self._gate:
                await self._unprompted(message)
            return
        bucket = self._bucket(message, trigger)
        delay = bucket.take(_user_key(message), self.max_wait)
        if delay is None:
            if self.busy_notes.take(_user_key(message)) is not None:  # one note, not a flood
                wait = round(bucket.wait(_user_key(message))) or 1
                text = await self._say(message, "busy", seconds=wait)
                await self.delivery.reply_text(message, text)
            return
        if delay > 0:
            reacted = await self._react(message)
            if not reacted and delay >= NOTE_AFTER:  # no ⏳ possible here: say so instead
                text = await self._say(message, "soon", seconds=round(delay))
                await self.delivery.reply_text(message, text)
            await self._sleep(delay)
            if reacted:
                await self._unreact(message)
        async with self._gate:
            await self._addressed(message, trigger)

    async def _say(self, message: discord.Message, key: str, **values: object) -> str:
        """A short note in the language the message is written in (else the server's)."""
        default = await self._default_language(message)
        text = self.question_text(message)
        lang = choose_language(text, clean(text).split(), None, default)
        return ui_text(self.bot.engine.kb.locales, lang, key, **values)

    async def _default_language(self, message: discord.Message) -> str | None:
        guild_id = message.guild.id if message.guild else None
        return await self.bot.settings_cache.default_language(guild_id)

    def _bucket(self, message: discord.Message, trigger: Trigger) -> Cooldowns:
        """DMs and replies to the bot's answers are a conversation: a relaxed cooldown."""
        relaxed = trigger in ("dm", "reply") or _replied_to(message, self.bot.user) == "bot"
        return self.relaxed_cooldown if relaxed else self.user_cooldown

    async def _unprompted(self, message: discord.Message) -> None:
        """A chosen channel: answer only when sure and not cooling down; silent otherwise."""
        user, channel = _user_key(message), message.channel.id
        if self.user_cooldown.wait(user) or self.channel_cooldown.wait(channel):
            return  # checked before any work: a busy channel costs nothing here
        question = self.question_text(message)
        if not question:
            return
        answer = await self.answer(message, question, strict=True)
        if answer.outcome != Outcome.ANSWER:
            return
        self.user_cooldown.take(user)
        self.channel_cooldown.take(channel)
        await self._deliver(message, answer, recorded=True)

    async def _addressed(self, message: discord.Message, trigger: Trigger) -> None:
        question = self.question_text(message)
        replied = _resolved(message)
        me = self.bot.user
        if trigger == "mention" and replied is not None and me and replied.author.id != me.id:
            await self._answer_their_message(message, question, replied)
            return
        if not question:
            language = await self._default_language(message)
            await self._deliver(message, self.greeting(language), recorded=False)
            return
        context = answer_context(replied) if replied is not None else None
        answer = await self.answer(message, question, strict=False, context=context)
        await self._deliver(message, answer, recorded=True)

    async def _answer_their_message(
        self, message: discord.Message, question: str, replied: discord.Message
    ) -> None:
        """A mention replying to someone's message answers that message, as a reply to it,
        unless the mention asks its own question."""
        if question:
            own = await self.answer(message, question, strict=False)
            if own.outcome == Outcome.ANSWER and own.entry_id is not None:
                await self._deliver(message, own, recorded=True)
                return
        theirs = " ".join(replied.content.split())
        if not theirs:
            await self.delivery.reply_text(message, await self._say(message, "cant_read"))
            return
        answer = await self.answer(replied, theirs, strict=False)
        await self._deliver(replied, answer, recorded=True)

    async def _deliver(self, message: discord.Message, answer: Answer, *, recorded: bool) -> None:
        key = (answer.entry_id, answer.platform, answer.region)
        if answer.outcome == Outcome.ANSWER and (
            link := self.recent.earlier(message.channel.id, key)
        ):
            words = self.bot.engine.kb.locales
            await self.delivery.reply_text(
                message, ui_text(words, answer.lang, "repeat", link=link)
            )
            return
        sent = await self.delivery.reply(message, render(answer))
        if sent is not None and answer.outcome == Outcome.ANSWER:
            self.recent.remember(message.channel.id, key, sent.jump_url)
        if recorded and sent is not None:
            gid = message.guild.id if message.guild else None
            await self.bot.answer_log.answered(
                gid, answer, free_text=True, user_id=message.author.id
            )

    async def _react(self, message: discord.Message) -> bool:
        """A ⏳ on the question while it waits its turn (where the bot may react)."""
        if message.guild is not None:
            perms = message.channel.permissions_for(message.guild.me)
            if not (perms.add_reactions and perms.read_message_history):
                return False
        try:
            await message.add_reaction(WAITING)
            return True
        except discord.HTTPException:
            return False

    async def _unreact(self, message: discord.Message) -> None:
        with contextlib.suppress(discord.HTTPException):
            await message.remove_reaction(WAITING, self.bot.user)

    async def trigger(self, message: discord.Message) -> Trigger | None:
        """Why the bot should look at this message, or None to ignore it."""
        me = self.bot.user
        if message.author.bot or message.webhook_id is not None or me is None:
            return None
        if message.author.id == me.id or message.type not in ANSWERABLE_TYPES:
            return None
        if message.guild is None:
            return "dm"
        if any(user.id == me.id for user in message.mentions):
            return "mention"
        if not self.bot.settings.message_content:
            return None  # without the intent other messages arrive without their text
        if _replied_to(message, me) == "bot":
            return "reply"  # a reply to one of the bot's answers, with the ping turned off
        guild_settings = await self.bot.settings_cache.settings(message.guild.id)
        if guild_settings is None or not guild_settings.auto_answer:
            return None
        channel = message.channel
        parent_id = getattr(channel, "parent_id", None)
        chosen = guild_settings.answer_channel_ids
        return "channel" if channel.id in chosen or parent_id in chosen else None

    def question_text(self, message: discord.Message) -> str:
        """The message without the bot's own mention."""
        me = self.bot.user
        text = message.content
        if me is not None:
            text = re.sub(rf"<@!?{me.id}>", " ", text)
        return " ".join(text.split())

    async def answer(
        self,
        message: discord.Message,
        question: str,
        *,
        strict: bool,
        context: AnswerContext | None = None,
    ) -> Answer:
        default = await self.bot.settings_cache.default_region(
            message.guild.id if message.guild else None
        )
        if context is not None:
            default = context.region or default
        language = await self._default_language(message)
        answer = self.bot.engine.answer(
            question, default_region=default, strict=strict, default_lang=language
        )
        return self.in_context(answer, context, default) if context else answer

    def in_context(self, answer: Answer, context: AnswerContext, default: str | None) -> Answer:
        """A follow-up to an earlier answer keeps its topic, platform and region unless the
        question names others: "what about android?" and "and in the UK?" are the earlier
        topic for that platform or region; "is it retroactive?" is its own topic."""
        platform = answer.platform or context.platform
        region = answer.region or context.region
        named = answer.platform is not None or answer.region not in (None, default)
        short = len(answer.question.split()) <= FOLLOW_UP_WORDS
        if (named and short) or context.entry in {c.id for c in answer.choices}:
            entry = context.entry
        elif answer.outcome == Outcome.ANSWER and answer.entry_id is not None:
            entry = answer.entry_id
        elif answer.outcome == Outcome.DECLINE and named:
            entry = context.entry
        else:
            return answer
        if (entry, platform, region) == (answer.entry_id, answer.platform, answer.region):
            return answer
        redone = self.bot.engine.answer_entry(
            entry, platform=platform, region=region, question=answer.question, lang=answer.lang
        )
        return replace(redone, confidence=answer.confidence)

    def greeting(self, lang: str | None = None) -> Answer:
        """Hello and how to ask, in the server's language (a bare mention has no words)."""
        engine = self.bot.engine
        words = engine.kb.locales
        return Answer(
            question="",
            outcome=Outcome.DECLINE,
            entry_id=None,
            title=ui_text(words, lang, "greeting_title"),
            body=ui_text(words, lang, "greeting_body"),
            suggestions=tuple(engine.topics()[:5]),
            kb_version=engine.kb.version,
            lang=lang or "en",
        )

    # ------------------------------------------------------------ the message menu

    async def answer_this(
        self, interaction: discord.Interaction[OptoutBot], message: discord.Message
    ):
        """Apps → Answer with optout-bot: answer that message as a reply to it."""
        question = " ".join(message.content.split())
        if not question:
            await interaction.response.send_message(say(interaction, "menu_empty"), ephemeral=True)
            return
        default = await self.bot.settings_cache.default_region(interaction.guild_id)
        language = await self.bot.settings_cache.default_language(interaction.guild_id)
        answer = self.bot.engine.answer(question, default_region=default, default_lang=language)
        guild = interaction.guild
        if guild is None or guild.me is None:
            # Installed to the user's account only: the bot is not in this channel, so the
            # answer is the interaction's own reply.
            rendered = render(answer)
            await interaction.response.send_message(**rendered.send_kwargs())
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            sent = await self.delivery.reply(message, render(answer))
            await interaction.followup.send(
                say(interaction, "menu_done" if sent else "menu_cant_post"), ephemeral=True
            )
        await self.bot.answer_log.answered(interaction.guild_id, answer, free_text=True)


def _user_key(message: discord.Message) -> tuple[int, int]:
    return (message.author.id, message.channel.id)


def _resolved(message: discord.Message) -> discord.Message | None:
    """The message this one replies to, when Discord sent it along."""
    reference = message.reference
    resolved = reference.resolved if reference is not None else None
    return resolved if isinstance(resolved, discord.Message) else None


def _replied_to(message: discord.Message, me: discord.abc.User | None) -> str | None:
    """'bot' when the message replies to one of the bot's messages, 'other' for anyone's."""
    replied = _resolved(message)
    if replied is None:
        return None
    return "bot" if me is not None and replied.author.id == me.id else "other"


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Questions(bot))
