"""Free text: when the bot speaks, when it stays silent, cooldowns and repeat answers."""

from __future__ import annotations

import pytest

from bot.cogs.questions import GREETING_TITLE, Questions
from bot.outcome import Outcome

from .conftest import BOT_ID, CHANNEL_ID, GUILD_ID, USER_ID, make_message, make_permissions


@pytest.fixture
def cog(bot) -> Questions:
    return Questions(bot)


def _sent(message):
    return message.channel.send.await_args


async def test_mention_gets_a_reply_without_pings(cog, store):
    message = make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True)
    await cog.on_message(message)
    call = _sent(message)
    assert call.kwargs["embed"].title == "Turn off AI training on your data"
    message.to_reference.assert_called_once_with(fail_if_not_exists=False)
    assert call.kwargs["reference"] is message.to_reference.return_value
    assert "allowed_mentions" not in call.kwargs  # AllowedMentions.none() is set on the bot
    assert (await store.stats(GUILD_ID)).answered == 1


async def test_mention_when_unsure_declines_politely_and_records_the_gap(cog, store):
    message = make_message(f"<@{BOT_ID}> recipe for banana bread", mentions_bot=True)
    await cog.on_message(message)
    embed = _sent(message).kwargs["embed"]
    assert embed.title == "I don't know that one"
    assert embed.fields[-1].name == "Topics I can help with"
    (gap,) = await store.gaps(GUILD_ID)
    assert (gap.text, gap.outcome) == ("recipe for banana bread", Outcome.DECLINE)


async def test_bare_mention_gets_a_greeting(cog, store):
    message = make_message(f"<@!{BOT_ID}>", mentions_bot=True)
    await cog.on_message(message)
    assert _sent(message).kwargs["embed"].title == GREETING_TITLE
    assert (await store.stats(GUILD_ID)).total == 0


async def test_dm_always_replies(cog, store):
    message = make_message("are my private messages used", guild=False)
    await cog.on_message(message)
    assert _sent(message).kwargs["embed"].title == "Are private messages used?"
    assert (await store.stats(0)).answered == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"author_bot": True, "mentions_bot": True},
        {"author_id": BOT_ID, "guild": False},
    ],
)
async def test_bots_and_itself_are_ignored(cog, kwargs):
    message = make_message("how do i opt out", **kwargs)
    await cog.on_message(message)
    message.channel.send.assert_not_awaited()


async def test_unchosen_channel_is_ignored(cog):
    message = make_message("how do i opt out")
    await cog.on_message(message)
    message.channel.send.assert_not_awaited()


async def test_chosen_channel_answers_only_when_confident(cog, store):
    await store.add_answer_channel(GUILD_ID, CHANNEL_ID)
    unsure = make_message("recipe for banana bread")
    await cog.on_message(unsure)
    unsure.channel.send.assert_not_awaited()
    assert await store.gaps(GUILD_ID) == []  # chatter is not a gap
    sure = make_message("how do i turn off ai training")
    await cog.on_message(sure)
    assert _sent(sure).kwargs["embed"].title == "Turn off AI training on your data"


async def test_chosen_channel_needs_the_message_content_setting(bot, store):
    from dataclasses import replace

    bot.settings = replace(bot.settings, message_content=False)
    cog = Questions(bot)
    await store.add_answer_channel(GUILD_ID, CHANNEL_ID)
    message = make_message("how do i turn off ai training")
    await cog.on_message(message)
    message.channel.send.assert_not_awaited()


async def test_auto_answer_off_silences_chosen_channels(cog, store):
    await store.add_answer_channel(GUILD_ID, CHANNEL_ID)
    await store.update_settings(GUILD_ID, auto_answer=False)
    message = make_message("how do i turn off ai training")
    await cog.on_message(message)
    message.channel.send.assert_not_awaited()


async def test_user_cooldown_is_per_channel_and_never_silent(cog):
    """Issue 12: a second quick question gets ⏳ and its answer after the cooldown; another
    channel is another conversation; a flood gets one short note, not silence."""
    waited: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waited.append(seconds)

    cog._sleep = no_sleep
    first = make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True)
    await cog.on_message(first)
    elsewhere = make_message(f"<@{BOT_ID}> are my dms used", mentions_bot=True, channel_id=9)
    await cog.on_message(elsewhere)
    assert waited == []
    elsewhere.channel.send.assert_awaited_once()
    perms = make_permissions()
    perms.add_reactions = True
    again = make_message(f"<@{BOT_ID}> are my dms used", mentions_bot=True, permissions=perms)
    await cog.on_message(again)
    assert len(waited) == 1 and 0 < waited[0] <= 10
    again.add_reaction.assert_awaited_once_with("⏳")
    assert _sent(again).kwargs["embed"].title == "Are private messages used?"
    flood = [make_message(f"<@{BOT_ID}> hello?", mentions_bot=True) for _ in range(3)]
    for message in flood:
        await cog.on_message(message)
    notes = [m for m in flood if m.channel.send.await_count]
    assert len(notes) == 1 and "One at a time" in _sent(notes[0]).kwargs["content"]


async def test_without_add_reactions_a_long_wait_gets_a_note(cog):
    waited: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waited.append(seconds)

    cog._sleep = no_sleep
    await cog.on_message(make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True))
    again = make_message(f"<@{BOT_ID}> are my dms used", mentions_bot=True)  # no Add Reactions
    await cog.on_message(again)
    again.add_reaction.assert_not_awaited()
    first, second = again.channel.send.await_args_list
    assert first.kwargs["content"].startswith("⏳ Got it") and waited
    assert second.kwargs["embed"].title == "Are private messages used?"


async def test_a_second_member_is_not_held_by_the_first(cog):
    first = make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True)
    await cog.on_message(first)
    other_user = make_message(f"<@{BOT_ID}> are my dms used", mentions_bot=True, author_id=5)
    await cog.on_message(other_user)
    assert _sent(other_user).kwargs["embed"].title == "Are private messages used?"


async def test_channel_cooldown_keeps_unprompted_answers_quiet(cog, store):
    await store.add_answer_channel(GUILD_ID, CHANNEL_ID)
    first = make_message("how do i turn off ai training")
    await cog.on_message(first)
    other_user = make_message("how do i turn off ai training", author_id=5)
    await cog.on_message(other_user)
    first.channel.send.assert_awaited_once()
    other_user.channel.send.assert_not_awaited()


async def test_cooldown_is_checked_before_the_answer_is_computed(cog, store, monkeypatch):
    await store.add_answer_channel(GUILD_ID, CHANNEL_ID)
    await cog.on_message(make_message("how do i turn off ai training"))
    calls = []
    monkeypatch.setattr(cog.bot.engine, "answer", lambda *a, **k: calls.append(a))
    await cog.on_message(make_message("how do i turn off ai training"))
    assert calls == []


async def test_repeat_answer_points_to_the_earlier_one(bot):
    from dataclasses import replace

    bot.settings = replace(bot.settings, user_cooldown_seconds=0, channel_cooldown_seconds=0)
    cog = Questions(bot)
    first = make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True)
    await cog.on_message(first)
    again = make_message(f"<@{BOT_ID}> turn off ai training", mentions_bot=True, author_id=6)
    await cog.on_message(again)
    assert _sent(again).kwargs == {
        "reference": again.to_reference.return_value,
        "content": "I answered this here a few minutes ago: "
        f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/777",
    }
    other = make_message(f"<@{BOT_ID}> how do i opt out on my phone", mentions_bot=True)
    await cog.on_message(other)  # different platform: a different answer
    assert "embed" in _sent(other).kwargs


async def test_server_default_region_applies_unless_the_question_names_one(cog, store):
    await store.update_settings(GUILD_ID, default_region="uk")
    message = make_message(f"<@{BOT_ID}> how do i opt out", mentions_bot=True)
    await cog.on_message(message)
    assert _sent(message).kwargs["embed"].fields[0].name == "Where you are: United Kingdom"


async def test_the_asker_reaches_the_gap_limits(cog, bot, monkeypatch):
    """Issue 14.5: the per-person gap cap needs who asked (used in memory, never stored)."""
    seen = []
    real = bot.answer_log.limits.allow_gap
    monkeypatch.setattr(
        bot.answer_log.limits, "allow_gap", lambda g, u: seen.append((g, u)) or real(g, u)
    )
    await cog.on_message(make_message(f"<@{BOT_ID}> recipe for banana bread", mentions_bot=True))
    assert seen == [(GUILD_ID, USER_ID)]
