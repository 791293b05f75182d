"""Free-text questions: mentions, DMs, and the channels a server's moderators chose.

When mentioned or in a DM the bot always replies (declining politely when unsure).
In chosen channels nobody asked it directly, so it answers only when confident
(strict matching) and otherwise stays silent. Cooldowns per user and per channel,
and a short memory of recent answers, keep it from flooding a channel.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING, Literal

import discord
from discord.ext import commands

from bot.answering.answer import Answer
from bot.discord_ui.delivery import Delivery
from bot.discord_ui.recent import RecentAnswers
from bot.discord_ui.views import render

if TYPE_CHECKING:
    from bot.app import OptoutBot

log = logging.getLogger("bot.questions")

Trigger = Literal["dm", "mention", "channel"]
ANSWERABLE_TYPES = (discord.MessageType.default, discord.MessageType.reply)
GREETING_TITLE = "Hi! Ask me about LinkedIn's AI-training setting"
GREETING_BODY = (
    "I explain how to stop LinkedIn using your data to train its generative AI, "
    "with steps for the web and the app and what applies where you live. "
    "Ask me a question — for example *how do I opt out on my iPhone?* — "
    "or use `/optout`, `/ask` or `/topics`."
)
REPEAT_TEXT = "I answered this here a few minutes ago: {link}"
# Messages answered at once. A flood of messages then waits here, in order, instead of
# crowding the event loop, so slash commands and clicks still get acknowledged in 3 s.
MAX_CONCURRENT_MESSAGES = 16


class Questions(commands.Cog):
    """Answers messages; every decision about *whether* to speak lives here."""

    def __init__(self, bot: OptoutBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.user_cooldown = commands.CooldownMapping.from_cooldown(
            1, settings.user_cooldown_seconds, commands.BucketType.user
        )
        self.channel_cooldown = commands.CooldownMapping.from_cooldown(
            1, settings.channel_cooldown_seconds, commands.BucketType.channel
        )
        self.recent = RecentAnswers(settings.repeat_window_seconds)
        self.delivery = Delivery(self._log_channel_id)
        self._gate = asyncio.Semaphore(MAX_CONCURRENT_MESSAGES)

    async def _log_channel_id(self, guild: discord.Guild) -> int | None:
        guild_settings = await self.bot.recorder.settings(guild.id)
        return guild_settings.log_channel_id if guild_settings else None

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        async with self._gate:
            await self._handle(message)

    async def _handle(self, message: discord.Message) -> None:
        trigger = await self.trigger(message)
        if trigger is None:
            return
        question = self.question_text(message)
        if not question and trigger == "channel":
            return
        if question:
            answer = await self.answer(message, question, strict=trigger == "channel")
        else:
            answer = self.greeting()  # a bare mention: say what the bot is for
        if trigger == "channel" and answer.outcome != "answer":
            return  # not asked directly and not sure: say nothing
        if self._cooling_down(message):
            log.debug("cooldown: skipped a message in channel %s", message.channel.id)
            return
        key = (answer.entry_id, answer.platform, answer.region)
        if answer.outcome == "answer" and (link := self.recent.earlier(message.channel.id, key)):
            await self.delivery.reply_text(message, REPEAT_TEXT.format(link=link))
            return
        sent = await self.delivery.reply(message, render(answer, self.bot.engine.kb))
        if sent is not None and answer.outcome == "answer":
            self.recent.remember(message.channel.id, key, sent.jump_url)
        if question and sent is not None:
            gid = message.guild.id if message.guild else None
            await self.bot.recorder.answered(gid, answer, free_text=True, user_id=message.author.id)

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
        guild_settings = await self.bot.recorder.settings(message.guild.id)
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

    async def answer(self, message: discord.Message, question: str, *, strict: bool) -> Answer:
        default = await self.bot.recorder.default_region(
            message.guild.id if message.guild else None
        )
        return self.bot.engine.answer(question, default_region=default, strict=strict)

    def greeting(self) -> Answer:
        engine = self.bot.engine
        return Answer(
            question="",
            outcome="decline",
            entry_id=None,
            title=GREETING_TITLE,
            body=GREETING_BODY,
            suggestions=tuple(engine.topics()[:5]),
            kb_version=engine.kb.version,
        )

    def _cooling_down(self, message: discord.Message) -> bool:
        """Take a token from the user's and the channel's bucket; True when either is empty."""
        if self.user_cooldown.update_rate_limit(message):
            return True
        return bool(self.channel_cooldown.update_rate_limit(message))


async def setup(bot: OptoutBot) -> None:
    await bot.add_cog(Questions(bot))
