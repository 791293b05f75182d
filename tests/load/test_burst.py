"""The real bot under a burst of 5,000 messages and 1,000 slash commands across 50 channels.

Cooldowns and the repeat window are off (dataclasses.replace on the frozen Settings), so
every message addressed to the bot, and every confident question in an answer channel,
must get exactly one reply; chatter, other bots and unsure questions in answer channels
must get none; every interaction is acknowledged once, within Discord's 3 seconds.
"""

from __future__ import annotations

import dataclasses
import logging

import pytest

from bot.cogs.questions import REPEAT_TEXT
from bot.config import Settings
from tests.e2e.fake_discord import running_bot
from tests.load.harness import (
    LagMeter,
    bot_in_own_process,
    bot_posts,
    build_bot,
    burst_settings,
    check_burst,
    drive,
    engine_for,
    new_store,
    plan_events,
    recorded_answers,
    seed_store,
    seed_world,
    wait_settled,
)
from tests.testkit import hold_for, nothing_within

pytestmark = pytest.mark.load

MESSAGES, COMMANDS = 5000, 1000
RATE = 300.0  # events per second: about 60% of what one loop serves with the fake beside it
LAG_P99_LIMIT_MS = 150.0  # target is 50 ms (see benchmarks/); looser here against noisy CI


@pytest.fixture
async def burst_bot(fake_discord):
    world = seed_world(fake_discord)
    engine = engine_for()
    store = new_store()
    await seed_store(store, world)
    bot = build_bot(burst_settings(), engine, store)
    async with running_bot(bot, fake_discord, timeout=15.0):
        yield bot, world, engine
    await store.close()


def assert_exactly_once(report) -> None:
    assert report.expected_replies > 3000 and report.commands == COMMANDS
    assert report.missing == [], report.summary()
    assert report.answered_twice == []
    assert report.unwanted == []
    assert report.wrong_title == []
    assert report.unattributed == 0 and report.failed_posts == 0
    assert report.unacked == [] and report.double_acked == []
    assert report.failed_callbacks == 0
    assert report.replies == report.expected_replies


async def test_paced_burst_answers_every_message_once_and_acks_in_time(
    fake_discord, burst_bot, caplog
):
    caplog.set_level(logging.WARNING)
    _bot, world, engine = burst_bot
    events = plan_events(fake_discord, world, engine, messages=MESSAGES, commands=COMMANDS)
    mark = fake_discord.mark()
    lag = LagMeter().start()
    await drive(fake_discord, events, rate=RATE)
    await wait_settled(fake_discord, events, since=mark, timeout=60.0)
    loop_lag = await lag.stop()
    report = check_burst(fake_discord, events, since=mark)
    print(report.summary(), loop_lag)
    assert_exactly_once(report)
    assert report.late_acks == []
    assert loop_lag["p99_ms"] <= LAG_P99_LIMIT_MS, loop_lag
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not fake_discord.unknown_requests()


async def test_instant_burst_in_one_process_loses_and_doubles_nothing(fake_discord, burst_bot):
    """All 6,000 events at once, with the fake Discord on the bot's own event loop.

    The fake's work (every REST request, every gateway frame) is charged to the bot's CPU
    here, so the 3-second deadline is asserted by the next test, where the bot runs in its
    own process as in production. This one checks that nothing is lost or doubled.
    """
    _bot, world, engine = burst_bot
    events = plan_events(fake_discord, world, engine, messages=MESSAGES, commands=COMMANDS, seed=9)
    mark = fake_discord.mark()
    await drive(fake_discord, events, rate=None)
    await wait_settled(fake_discord, events, since=mark, timeout=60.0)
    report = check_burst(fake_discord, events, since=mark)
    print(report.summary())
    assert_exactly_once(report)


async def test_instant_burst_acks_every_interaction_in_time(fake_discord, tmp_path):
    """The production bot (own process, SQLite) under all 6,000 events at once: every
    message answered exactly once, every interaction acknowledged within 3 s, every answer
    recorded once in the database, a clean stop."""
    world = seed_world(fake_discord)
    engine = engine_for()
    async with bot_in_own_process(fake_discord, world, tmp_path) as bot:
        events = plan_events(
            fake_discord, world, engine, messages=MESSAGES, commands=COMMANDS, seed=9
        )
        mark = fake_discord.mark()
        await drive(fake_discord, events, rate=None)
        await wait_settled(fake_discord, events, since=mark, timeout=90.0)
    report = check_burst(fake_discord, events, since=mark)
    print(report.summary())
    assert_exactly_once(report)
    assert report.late_acks == [], report.summary()
    assert bot.exit_code == 0, bot.log[-3000:]
    assert "stopped cleanly" in bot.log and "Traceback" not in bot.log, bot.log[-3000:]
    assert "storage unavailable" not in bot.log, bot.log[-3000:]  # no store call timed out
    assert not fake_discord.unknown_requests()
    recorded = {"/optout", "/ask"}  # /topics and /sources are not answer events
    want = sum(1 for e in events if e.expect_reply and e.category != "mention-bare")
    want += sum(1 for e in events if e.category in recorded)
    assert await recorded_answers(bot.database) == want + bot.ready_answers, report.summary()


async def test_real_cooldowns_keep_a_flood_bounded_and_never_silent(fake_discord, caplog):
    """Default cooldowns (10 s per person and channel): a flood of 200 mentions from the same
    people in 5 channels gets at most one answer and one short "one at a time" note per person
    and channel within the cooldown; a second question waits its turn under a ⏳ instead of
    being dropped (issue 12: a member addressing the bot is never met with silence)."""
    caplog.set_level(logging.WARNING)
    defaults = Settings()
    settings = dataclasses.replace(defaults, message_content=True, watch_knowledge=False)
    assert settings.user_cooldown_seconds == 10.0
    world = seed_world(fake_discord, guilds=1, channels_per_guild=5, answer_channels_per_guild=0)
    store = new_store()
    await seed_store(store, world)
    bot_id = fake_discord.bot_user["id"]
    people = world.members[world.guilds[0]["id"]]
    bot = build_bot(settings, engine_for(), store)
    async with running_bot(bot, fake_discord, timeout=15.0):
        firsts = []
        for user, channel in zip(people[:5], world.channels, strict=True):
            firsts.append(
                await fake_discord.send_message_create(
                    channel["id"], f"<@{bot_id}> how do i opt out", author=user
                )
            )
        await fake_discord.wait_for(lambda: len(bot_posts(fake_discord)) >= 5, timeout=10.0)
        first_replies = bot_posts(fake_discord)
        mark = fake_discord.mark()
        keys = []
        for n in range(200):
            author = people[n % len(people)]
            channel = world.channels[n % 5]["id"]
            keys.append((author["id"], channel))
            await fake_discord.send_message_create(
                channel, f"<@{bot_id}> are my private messages used {n}", author=author
            )
        # the flood's time to settle; the bot must stay up all along, not only at the end
        await nothing_within(1.0, lambda: not bot.is_ready() or bot.is_closed())
        assert bot.is_ready() and not bot.is_closed()
    assert sorted(int(r.json["message_reference"]["message_id"]) for r in first_replies) == sorted(
        int(m["id"]) for m in firsts
    )
    flood = bot_posts(fake_discord, mark)
    per_channel: dict[str, int] = {}
    for post in flood:
        channel = post.path.split("/")[2]
        per_channel[channel] = per_channel.get(channel, 0) + 1
    distinct = len(set(keys))
    assert len(flood) <= 2 * distinct, (len(flood), distinct)
    notes = [p.json.get("content") for p in flood if not p.json.get("embeds")]
    short = ("⏳", REPEAT_TEXT.split("{")[0])  # "one at a time", or a link to the last answer
    assert all(note and note.startswith(short) for note in notes), notes[:5]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_repeat_window_points_back_instead_of_answering_again(fake_discord):
    """Short cooldowns, the default 300 s repeat window: the same answer links back."""
    settings = dataclasses.replace(
        Settings(message_content=True, watch_knowledge=False),
        user_cooldown_seconds=0.2,
        channel_cooldown_seconds=0.1,
    )
    world = seed_world(fake_discord, guilds=1, channels_per_guild=2, answer_channels_per_guild=0)
    store = new_store()
    await seed_store(store, world)
    bot_id = fake_discord.bot_user["id"]
    user = world.members[world.guilds[0]["id"]][0]
    channel = world.channels[0]["id"]
    async with running_bot(build_bot(settings, engine_for(), store), fake_discord, timeout=15.0):
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> how do i opt out", author=user
        )
        first = await fake_discord.wait_for_message(channel)
        await hold_for(0.3)  # past both cooldowns, inside the repeat window
        mark = fake_discord.mark()
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> turn off ai training", author=user
        )
        second = await fake_discord.wait_for_message(channel, since=mark)
    link = f"https://discord.com/channels/{world.guilds[0]['id']}/{channel}/{first.response['id']}"
    assert second.json["content"] == REPEAT_TEXT.format(link=link)
    assert len(bot_posts(fake_discord)) == 2
