"""/setup: members are refused; moderators change only their own server's settings."""

from __future__ import annotations

from unittest.mock import create_autospec

import discord
import pytest

from bot.cogs.setup import NEEDS_MANAGE_SERVER, NOT_MODERATOR, ServerSettings
from bot.outcome import Outcome
from bot.store import GuildSettings
from tests.cogs_kb.conftest import (
    GUILD_ID,
    MOD_ROLE_ID,
    OTHER_GUILD_ID,
    make_interaction,
    make_member,
    reply_text,
)

CHANNEL_ID = 5_001


@pytest.fixture
async def cog(bot) -> ServerSettings:
    await bot.load_extension("bot.cogs.setup")
    return bot.get_cog("ServerSettings")


def make_channel(cls=discord.TextChannel, channel_id: int = CHANNEL_ID, **allowed: bool):
    channel = create_autospec(cls, instance=True)
    channel.id = channel_id
    channel.mention = f"<#{channel_id}>"
    perms = discord.Permissions(
        view_channel=True, send_messages=True, send_messages_in_threads=True, embed_links=True
    )
    for name, value in allowed.items():
        setattr(perms, name, value)
    channel.permissions_for.return_value = perms
    return channel


def make_role(role_id: int = MOD_ROLE_ID, *, default: bool = False, managed: bool = False):
    role = create_autospec(discord.Role, instance=True)
    role.id = role_id
    role.managed = managed
    role.is_default.return_value = default
    return role


async def _run(cog, name: str, user, *args, **kwargs):
    interaction = make_interaction(cog.bot, user)
    await getattr(ServerSettings, name).callback(cog, interaction, *args, **kwargs)
    return interaction


CHANGES = [
    ("show", (), {}),
    ("channel_add", (make_channel(),), {}),
    ("channel_remove", (make_channel(),), {}),
    ("moderator_role", (make_role(),), {}),
    ("log_channel", (make_channel(),), {}),
    ("region", ("eu",), {}),
    ("auto_answer", (False,), {}),
]


def test_setup_is_hidden_from_members_and_server_only() -> None:
    assert (
        ServerSettings.setup_group.default_permissions.manage_guild
        and ServerSettings.setup_group.guild_only
    )
    names = {c.qualified_name for c in ServerSettings.setup_group.walk_commands()}
    assert names >= {
        "setup show",
        "setup channel add",
        "setup channel remove",
        "setup moderator-role",
        "setup log-channel",
        "setup region",
        "setup auto-answer",
    }
    for command in ServerSettings.setup_group.walk_commands():
        assert 1 <= len(command.description) <= 100 and command.description[0].isupper()


@pytest.mark.parametrize(("name", "args", "kwargs"), CHANGES)
async def test_members_are_refused_and_nothing_changes(cog, store, member, name, args, kwargs):
    interaction = await _run(cog, name, member, *args, **kwargs)
    assert reply_text(interaction) == NOT_MODERATOR
    assert await store.get_settings(GUILD_ID) == GuildSettings(GUILD_ID)


async def test_moderator_of_another_server_is_refused(cog, store) -> None:
    elsewhere = make_member(8, guild_id=OTHER_GUILD_ID, manage_guild=True)
    interaction = await _run(cog, "region", elsewhere, "eu")
    assert reply_text(interaction) == NOT_MODERATOR
    assert (await store.get_settings(GUILD_ID)).default_region is None


async def test_moderator_configures_everything(cog, store, moderator) -> None:
    await _run(cog, "channel_add", moderator, make_channel())
    forum = make_channel(discord.ForumChannel, channel_id=5_002)
    await _run(cog, "channel_add", moderator, forum)
    await _run(cog, "log_channel", moderator, make_channel(channel_id=5_003))
    await _run(cog, "region", moderator, "uk")
    await _run(cog, "auto_answer", moderator, False)
    await _run(cog, "moderator_role", moderator, make_role())
    gs = await store.get_settings(GUILD_ID)
    assert gs == GuildSettings(
        GUILD_ID,
        answer_channel_ids=frozenset({CHANNEL_ID, 5_002}),
        moderator_role_id=MOD_ROLE_ID,
        log_channel_id=5_003,
        default_region="uk",
        auto_answer=False,
    )
    text = reply_text(await _run(cog, "show", moderator))
    assert f"<#{CHANNEL_ID}>, <#5002>" in text and "<@&1001>" in text and "uk" in text
    assert await store.get_settings(OTHER_GUILD_ID) == GuildSettings(OTHER_GUILD_ID)

    await _run(cog, "channel_remove", moderator, make_channel())
    await _run(cog, "region", moderator, "none")
    await _run(cog, "log_channel", moderator, None)
    gs = await store.get_settings(GUILD_ID)
    assert gs.answer_channel_ids == {5_002} and gs.default_region is None
    assert gs.log_channel_id is None


async def test_role_holder_can_configure_but_not_change_the_role(cog, store) -> None:
    await store.update_settings(GUILD_ID, moderator_role_id=MOD_ROLE_ID)
    holder = make_member(6, role_ids=(MOD_ROLE_ID,))
    await _run(cog, "region", holder, "eu")
    assert (await store.get_settings(GUILD_ID)).default_region == "eu"
    interaction = await _run(cog, "moderator_role", holder, None)
    assert reply_text(interaction) == NEEDS_MANAGE_SERVER
    assert (await store.get_settings(GUILD_ID)).moderator_role_id == MOD_ROLE_ID


async def test_missing_channel_permissions_are_named(cog, moderator) -> None:
    text = reply_text(await _run(cog, "channel_add", moderator, make_channel(send_messages=False)))
    assert "missing these permissions there: Send Messages" in text


async def test_message_content_hint(cog, moderator) -> None:
    text = reply_text(await _run(cog, "channel_add", moderator, make_channel()))
    assert "Message Content intent" in text  # the fixture bot runs without it


async def test_everyone_role_is_not_a_moderator_role(cog, store, moderator) -> None:
    text = reply_text(await _run(cog, "moderator_role", moderator, make_role(default=True)))
    assert "@everyone" in text
    assert (await store.get_settings(GUILD_ID)).moderator_role_id is None


async def test_removing_unknown_channel_says_so(cog, moderator) -> None:
    text = reply_text(await _run(cog, "channel_remove", moderator, make_channel()))
    assert "is not an answer channel" in text


async def test_removed_from_server_forgets_it(bot, store) -> None:
    await store.update_settings(GUILD_ID, default_region="eu")
    await store.record_gap(GUILD_ID, "a question", Outcome.DECLINE)
    await store.update_settings(OTHER_GUILD_ID, default_region="uk")
    guild = create_autospec(discord.Guild, instance=True)
    guild.id = GUILD_ID
    await bot.on_guild_remove(guild)
    assert await store.get_settings(GUILD_ID) == GuildSettings(GUILD_ID)
    assert await store.gaps(GUILD_ID) == []
    assert (await store.get_settings(OTHER_GUILD_ID)).default_region == "uk"


async def test_purge_task_runs_while_started_and_stops_on_stop(bot) -> None:
    """The composition root owns the retention job: started with the services, stopped
    with them (no cog starts it)."""
    await bot.services.start()
    task = bot.services.retention.loop.get_task()
    assert task is not None and not task.done()
    await bot.services.stop()
    assert task.cancelled()


async def test_changes_apply_to_answers_at_once(bot, cog, store, moderator) -> None:
    """The bot keeps a short-lived copy of the settings; /setup replaces it immediately."""
    assert await bot.settings_cache.default_region(GUILD_ID) is None  # now held in memory
    await _run(cog, "region", moderator, "uk")
    await _run(cog, "channel_add", moderator, make_channel())
    held = await bot.settings_cache.settings(GUILD_ID)
    assert held.default_region == "uk" and held.answer_channel_ids == {CHANNEL_ID}
    await _run(cog, "channel_remove", moderator, make_channel())
    assert (await bot.settings_cache.settings(GUILD_ID)).answer_channel_ids == frozenset()


async def test_settings_are_read_when_a_server_becomes_available(bot, store) -> None:
    await store.update_settings(GUILD_ID, default_region="eu")
    guild = create_autospec(discord.Guild, instance=True)
    guild.id = GUILD_ID
    await bot.on_guild_available(guild)
    await store.update_settings(GUILD_ID, default_region="uk")  # not through /setup
    assert await bot.settings_cache.default_region(GUILD_ID) == "eu"  # read at availability


def test_settings_are_described_in_the_moderators_language() -> None:
    """/setup replies follow the moderator's Discord language, from knowledge/locales/."""
    from pathlib import Path

    from bot.cogs.setup import describe_settings
    from bot.knowledge import load_knowledge
    from bot.knowledge.locales import ui_text

    kb = load_knowledge(Path(__file__).resolve().parents[2] / "knowledge").kb
    gs = GuildSettings(GUILD_ID, answer_channel_ids=frozenset({CHANNEL_ID}), auto_answer=True)
    german = describe_settings(
        gs, message_content=False, words=lambda key, **v: ui_text(kb.locales, "de", key, **v)
    )
    english = describe_settings(gs, message_content=False)
    assert german.splitlines()[0] == ui_text(kb.locales, "de", "setup_title")
    assert german.splitlines()[0] != english.splitlines()[0] == "**Settings for this server**"
    assert f"<#{CHANNEL_ID}>" in german and "Message Content" in german
    for lang in ("fr", "de", "nl", "es", "it"):
        assert kb.locales[lang].ui.get("setup_not_moderator"), lang
