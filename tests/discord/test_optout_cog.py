"""Slash command callbacks called directly with spec'd interactions."""

from __future__ import annotations

import discord
import pytest

from bot.cogs.catalogue import Catalogue
from bot.cogs.optout import Optout
from bot.outcome import Outcome

from .conftest import GUILD_ID, make_interaction


@pytest.fixture
def cog(bot) -> Optout:
    return Optout(bot)


@pytest.fixture
def catalogue(bot) -> Catalogue:
    return Catalogue(bot)


async def test_optout_mobile_is_public_with_steps_and_controls(cog, interaction, store):
    await cog.optout.callback(cog, interaction, platform="mobile")
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is False
    embed = kwargs["embed"]
    assert embed.title == "Turn off AI training on your data"
    assert "**In the app**\n1. Tap your photo\n2. Tap Settings" in embed.description
    assert "**Direct link:** https://www.linkedin.com/mypreferences" in embed.description
    assert embed.fields[0].name == "Regions"  # region-neutral overview
    assert embed.footer.text.startswith("Last checked 2026-11-01")
    ids = [i.item.custom_id for i in kwargs["view"].children]
    assert "ob:r:turn-off:mobile" in ids  # the region menu under a region-neutral answer
    assert (await store.stats(GUILD_ID)).answers_per_entry == {"turn-off": 1}


async def test_optout_private_is_ephemeral(cog, interaction):
    await cog.optout.callback(cog, interaction, platform="desktop", region="eu", private=True)
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True
    assert kwargs["embed"].fields[0].name == "Where you are: EU and EEA"


async def test_optout_uses_the_server_default_region(cog, interaction, store):
    await store.update_settings(GUILD_ID, default_region="ch")
    await cog.optout.callback(cog, interaction)
    embed = interaction.response.send_message.await_args.kwargs["embed"]
    assert embed.fields[0].name == "Where you are: Switzerland"


async def test_optout_in_dm_is_region_neutral(cog, bot):
    interaction = make_interaction(bot, guild_id=None)
    await cog.optout.callback(cog, interaction)
    assert interaction.response.send_message.await_args.kwargs["embed"].fields[0].name == "Regions"


async def test_ask_free_text_goes_through_the_matcher_and_records_gaps(cog, interaction, store):
    await cog.ask.callback(cog, interaction, question="recipe for banana bread")
    embed = interaction.response.send_message.await_args.kwargs["embed"]
    assert embed.title == "I don't know that one"
    gaps = await store.gaps(GUILD_ID)
    assert [(g.text, g.outcome) for g in gaps] == [("recipe for banana bread", Outcome.DECLINE)]


async def test_ask_with_a_picked_topic_answers_that_topic(cog, interaction, store):
    await cog.ask.callback(cog, interaction, question="Are private messages used?")
    embed = interaction.response.send_message.await_args.kwargs["embed"]
    assert embed.title == "Are private messages used?"
    assert await store.gaps(GUILD_ID) == []


async def test_ask_autocomplete_offers_typed_text_then_topics(cog, interaction):
    choices = await cog.ask_autocomplete(interaction, "messages")
    assert choices[0] == discord.app_commands.Choice(name="Ask: messages", value="messages")
    assert choices[1].value == "Are private messages used?"
    assert len(choices) <= 25


async def test_ask_autocomplete_never_exceeds_25(cog, interaction, monkeypatch):
    from bot.answering.answer import Suggestion

    many = [Suggestion(f"t-{i}", f"Topic {i}") for i in range(40)]
    monkeypatch.setattr(cog.bot.engine, "search_topics", lambda text, limit=25: many[:limit])
    choices = await cog.ask_autocomplete(interaction, "x" * 150)
    assert len(choices) == 25 and all(len(c.name) <= 100 for c in choices)
    choices = await cog.ask_autocomplete(interaction, "topic")
    assert len(choices) == 25 and choices[0].name == "Ask: topic"


async def test_topics_lists_answerable_entries_with_a_menu(catalogue, interaction):
    await catalogue.topics.callback(catalogue, interaction)
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["embed"].description.splitlines()[2:] == [
        "1. Turn off AI training on your data",
        "2. Are private messages used?",
        "3. Does it apply where I live?",
    ]
    (menu,) = kwargs["view"].children
    assert menu.item.custom_id == "ob:t"
    assert [o.value for o in menu.item.options] == ["turn-off", "private-messages", "regions"]


async def test_sources_lists_every_source_with_links(catalogue, interaction):
    await catalogue.sources.callback(catalogue, interaction, private=True)
    kwargs = interaction.response.send_message.await_args.kwargs
    assert kwargs["ephemeral"] is True
    lines = kwargs["embed"].description.splitlines()
    assert lines[2] == (
        "• [Control whether LinkedIn uses your data to improve generative AI — LinkedIn Help, "
        "2025-10](https://www.linkedin.com/help/linkedin/answer/a6278444)"
    )
    assert len(lines) == 4


async def test_ask_passes_the_asker_to_the_gap_limits(cog, bot, monkeypatch):
    """Issue 14.5: the per-person gap cap needs who asked (used in memory, never stored)."""
    seen = []
    real = bot.answer_log.limits.allow_gap
    monkeypatch.setattr(
        bot.answer_log.limits, "allow_gap", lambda g, u: seen.append((g, u)) or real(g, u)
    )
    interaction = make_interaction(bot, user_id=77)
    await cog.ask.callback(cog, interaction, question="recipe for banana bread")
    assert seen == [(GUILD_ID, 77)]
