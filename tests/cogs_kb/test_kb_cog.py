"""/kb commands: who is refused, what maintainers and moderators see, and what is posted where."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import discord
import pytest

from bot.cogs.kb import NOT_MAINTAINER, NOT_MODERATOR, Knowledge
from bot.outcome import Outcome
from tests.cogs_kb.conftest import (
    GUILD_ID,
    OTHER_GUILD_ID,
    OWNER_ID,
    make_interaction,
    make_member,
    reply_text,
)
from tests.kb_copy import TOPICS, replace_in

OLD = "Switch off **Data for Generative AI Improvement**."
NEW = "Version two, switch it off."


@pytest.fixture
async def cog(bot) -> Knowledge:
    await bot.load_extension("bot.cogs.kb")
    return bot.get_cog("Knowledge")


def _call(cog: Knowledge, name: str):
    return getattr(Knowledge, name).callback


async def _run(cog, name: str, user, *args, guild_id=GUILD_ID, **kwargs):
    interaction = make_interaction(cog.bot, user, guild_id=guild_id)
    await _call(cog, name)(cog, interaction, *args, **kwargs)
    return interaction


MAINTAINER_COMMANDS = [
    ("reload", (), {}),
    ("check", (), {}),
    ("teach", ("turn-off", "a brand new phrasing"), {}),
]


def test_commands_are_hidden_from_members_and_server_only() -> None:
    """Moderators get /kb gaps and stats; the maintainers' commands are a group of their own
    (issue 12: registered in the home server only, see test_admin_group_lives_in_home)."""
    assert {c.name for c in Knowledge.kb.commands} == {"gaps", "stats"}
    assert {c.name for c in Knowledge.kb_admin.commands} == {"reload", "check", "teach"}
    for group in (Knowledge.kb, Knowledge.kb_admin):
        assert group.default_permissions.manage_guild and group.guild_only
        for command in group.commands:
            assert 1 <= len(command.description) <= 100 and command.description[0].isupper()
            for param in command.parameters:
                assert param.description and len(param.description) <= 100


async def test_admin_group_lives_in_home_and_kb_everywhere(bot, cog) -> None:
    home = bot.settings.home_guild_id
    assert [c.name for c in bot.tree.get_commands(guild=discord.Object(home))] == ["kb-admin"]
    names = {c.name for c in bot.tree.get_commands()}
    assert "kb" in names and "kb-admin" not in names


@pytest.mark.parametrize(("name", "args", "kwargs"), MAINTAINER_COMMANDS)
@pytest.mark.parametrize("who", ["member", "moderator"])
async def test_non_maintainers_cannot_change_shared_knowledge(
    cog, kb_dir, log_channel, request, who, name, args, kwargs
) -> None:
    user = request.getfixturevalue(who)
    before = (kb_dir / TOPICS).read_bytes()
    replace_in(kb_dir / TOPICS, OLD, NEW)  # an edit on disk a refused reload must not load
    version = cog.bot.engine.kb.version

    interaction = await _run(cog, name, user, *args, **kwargs)

    assert reply_text(interaction) == NOT_MAINTAINER
    assert cog.bot.engine.kb.version == version
    assert "a brand new phrasing" not in (kb_dir / TOPICS).read_text(encoding="utf-8")
    assert before != (kb_dir / TOPICS).read_bytes()  # only our own edit
    log_channel.send.assert_not_awaited()


@pytest.mark.parametrize("name", ["gaps", "stats"])
async def test_members_cannot_see_gaps_or_stats(cog, member, name) -> None:
    interaction = await _run(cog, name, member)
    assert reply_text(interaction) == NOT_MODERATOR


@pytest.mark.parametrize("name", ["gaps", "stats"])
async def test_server_moderator_cannot_see_all_servers(cog, moderator, name) -> None:
    interaction = await _run(cog, name, moderator, scope="all")
    assert reply_text(interaction) == NOT_MAINTAINER


async def test_moderator_role_holder_sees_gaps(cog, store) -> None:
    from tests.cogs_kb.conftest import MOD_ROLE_ID, make_member

    await store.update_settings(GUILD_ID, moderator_role_id=MOD_ROLE_ID)
    holder = make_member(5, role_ids=(MOD_ROLE_ID,))
    interaction = await _run(cog, "gaps", holder)
    assert reply_text(interaction).startswith("**Unanswered questions** in this server")


async def test_gaps_show_this_server_only_most_asked_first(cog, store, moderator) -> None:
    """Issue 12: sorted by count (was newest first), so what most people missed comes first."""
    now = datetime.now(UTC)
    await store.record_gap(GUILD_ID, "how do i delete my account", Outcome.DECLINE, at=now)
    await store.record_gap(GUILD_ID, "how do i delete my account", Outcome.DECLINE, at=now)
    await store.record_gap(
        GUILD_ID,
        "is copilot trained",
        Outcome.ANSWER,
        "turn-off",
        0.41,
        at=now.replace(year=2020),
    )
    await store.record_gap(GUILD_ID, "what about threads", Outcome.DECLINE)
    await store.record_gap(OTHER_GUILD_ID, "secret other server question", Outcome.DECLINE)

    text = reply_text(await _run(cog, "gaps", moderator, period="week"))

    assert "**2×** `how do i delete my account`" in text
    assert "what about threads" in text
    assert "secret other server" not in text
    assert "is copilot trained" not in text  # outside the period
    assert text.index("how do i delete my account") < text.index("what about threads")


async def test_maintainer_sees_gaps_of_all_servers(cog, store, owner) -> None:
    await store.record_gap(OTHER_GUILD_ID, "question from elsewhere", Outcome.DECLINE)
    text = reply_text(await _run(cog, "gaps", owner, scope="all"))
    assert "all servers" in text and "question from elsewhere" in text


async def test_stats_per_entry_feedback_and_decline_rate(cog, store, moderator) -> None:
    for outcome, entry in [(Outcome.ANSWER, "turn-off")] * 3 + [(Outcome.DECLINE, None)]:
        await store.record_answer(GUILD_ID, entry, outcome)
    await store.record_feedback(GUILD_ID, "a1", b"k" * 32, "turn-off", True)
    await store.record_feedback(GUILD_ID, "a1", b"j" * 32, "turn-off", False)
    await store.record_answer(OTHER_GUILD_ID, "regions", Outcome.ANSWER)

    text = reply_text(await _run(cog, "stats", moderator, period="month"))

    assert "4 questions, 3 answered" in text and "decline rate 25%" in text
    assert "`   3` Turn off AI training on your data · 1 👍 1 👎" in text
    assert "Does it apply where I live" not in text


async def test_reload_by_maintainer_swaps_and_bad_edit_is_posted(
    cog, kb_dir, owner, log_channel
) -> None:
    replace_in(kb_dir / TOPICS, OLD, NEW)
    text = reply_text(await _run(cog, "reload", owner))
    assert text.startswith("✅") and "now answering" in text
    assert cog.bot.engine.answer("how do i opt out").body == NEW

    version = cog.bot.engine.kb.version
    replace_in(kb_dir / TOPICS, "  - id: regions", "  - id: turn-off")
    text = reply_text(await _run(cog, "reload", owner))
    assert text.startswith("❌") and "knowledge/entries/topics.yaml:" in text
    assert cog.bot.engine.kb.version == version
    posts = [c.args[0] for c in log_channel.send.await_args_list]
    assert any("duplicate entry id 'turn-off'" in p for p in posts)
    assert all("Owner" not in p for p in posts)  # reload posts say what, not who


async def test_check_reports_without_loading(cog, kb_dir, role_maintainer) -> None:
    replace_in(kb_dir / TOPICS, OLD, NEW)
    text = reply_text(await _run(cog, "check", role_maintainer))
    assert "valid" in text and "/kb-admin reload" in text
    assert cog.bot.engine.answer("how do i opt out").body == OLD


async def test_teach_round_trip_posts_who_only_to_log_channel(
    cog, kb_dir, owner, log_channel, store
) -> None:
    question = "pls make linkedin forget me for robots"
    assert cog.bot.engine.answer(question).entry_id != "turn-off"

    text = reply_text(await _run(cog, "teach", owner, "turn-off", question))

    assert "Added “pls make linkedin forget me for robots”" in text and "from now on" in text
    assert cog.bot.engine.answer(question).entry_id == "turn-off"
    yaml_text = (kb_dir / TOPICS).read_text(encoding="utf-8")
    assert question in yaml_text and "Owner" not in yaml_text and str(owner.id) not in yaml_text
    (post,) = [c.args[0] for c in log_channel.send.await_args_list]
    assert post.startswith("📝 **Owner** taught") and "<t:" in post and "turn-off" in post
    assert log_channel.send.await_args.kwargs["allowed_mentions"].users is False
    assert await store.gaps() == []  # teaching stores nothing in the database


async def test_teach_refusal_explains_and_posts_nothing(cog, owner, log_channel) -> None:
    text = reply_text(await _run(cog, "teach", owner, "turn-off", "How do I opt out?"))
    assert text.startswith("Not added:") and "already an example" in text
    log_channel.send.assert_not_awaited()


async def test_teach_accepts_a_typed_title(cog, owner) -> None:
    title = "Are private messages used?"
    text = reply_text(await _run(cog, "teach", owner, title, "do they scan my inbox"))
    assert "(`private-messages`" in text


async def test_entry_autocomplete(cog, owner) -> None:
    interaction = make_interaction(cog.bot, owner)
    choices = await cog.entry_autocomplete(interaction, "password")
    assert choices[0].value == "offtopic-account"
    assert choices[0].name.startswith("Off-topic: ")
    everything = await cog.entry_autocomplete(interaction, "")
    assert {c.value for c in everything} == set(cog.bot.engine.kb.entries)
    assert all(len(c.name) <= 100 for c in everything)


async def test_question_autocomplete_offers_gaps_to_maintainers_only(
    cog, store, owner, moderator
) -> None:
    await store.record_gap(OTHER_GUILD_ID, "can i opt out of copilot", Outcome.DECLINE)
    mine = await cog.question_autocomplete(make_interaction(cog.bot, owner), "copilot")
    assert [c.value for c in mine] == ["copilot", "can i opt out of copilot"]
    theirs = await cog.question_autocomplete(make_interaction(cog.bot, moderator), "copilot")
    assert theirs == []


async def test_log_channel_fetched_when_not_cached(bot, owner, log_channel) -> None:
    from unittest.mock import AsyncMock

    from bot.cogs.kb import post_to_maintainers

    bot.get_channel = lambda cid: None
    bot.fetch_channel = AsyncMock(return_value=log_channel)
    assert await post_to_maintainers(bot, "x" * 5000)
    assert len(log_channel.send.await_args.args[0]) == 2000


async def test_watcher_runs_while_started(bot, kb_dir) -> None:
    """The composition root starts the knowledge watcher with the services (no cog does)."""
    bot.settings = bot.settings.__class__(**{**bot.settings.__dict__, "watch_knowledge": True})
    bot.knowledge_service.debounce_ms = 50
    await bot.services.start()
    task = bot.services.watcher
    assert task is not None and not task.done()
    await asyncio.sleep(0.3)
    replace_in(kb_dir / TOPICS, OLD, NEW)
    async with asyncio.timeout(5):
        while bot.engine.answer("how do i opt out").body != NEW:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    await bot.services.stop()
    assert task.cancelled()


async def test_teach_escapes_markdown_from_people(cog, kb_dir, log_channel) -> None:
    """Issue 14.9: the maintainer's display name (a masked link rendered) and the taught
    question land in the log post and the reply as literal text."""
    owner = make_member(OWNER_ID, name="[free nitro](https://evil.example) **Boss**")
    text = reply_text(await _run(cog, "teach", owner, "turn-off", "can i ||opt out|| __now__"))
    assert r"Added “can i \|\|opt out\|\| \_\_now\_\_”" in text
    (post,) = [c.args[0] for c in log_channel.send.await_args_list]
    assert post.startswith(r"📝 **\[free nitro\](https://evil.example) \*\*Boss\*\*** taught")
    assert "[free nitro](" not in post and "||opt" not in post

    refused = reply_text(await _run(cog, "teach", owner, "turn-off", "can i ||opt out|| __now__"))
    assert refused.startswith("Not added:") and "||opt" not in refused
