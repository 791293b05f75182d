"""End to end, issue 12: long lists page, and /kb gaps has actions, through the real client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.answering import Engine
from bot.cogs.kb import SENT_TO_MAINTAINERS
from bot.discord_ui.pager import NOT_YOUR_LIST
from bot.knowledge import load_knowledge
from bot.outcome import Outcome
from tests.e2e.fake_discord import EPHEMERAL, Perm
from tests.testkit import component_ids as ids


@pytest.fixture
def engine() -> Engine:
    """The shipped knowledge: 45 sources, enough to page."""
    return Engine(load_knowledge(None).kb)


async def test_sources_page_for_the_invoker_only(fake_discord, world, make_bot, run_bot, engine):
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "sources", {}, user=world.user, channel_id=world.channel["id"]
        )
        first = await fake_discord.wait_for_interaction_response(inter)
        message = fake_discord.original_response(inter)
        refused = await fake_discord.send_component(message, "ob:pg:sources::1", user=bob)
        refusal = await fake_discord.wait_for_interaction_response(refused)
        turned = await fake_discord.send_component(message, "ob:pg:sources::1", user=world.user)
        second = await fake_discord.wait_for_interaction_response(turned)
    pages = -(-len(engine.kb.sources) // 10)
    embed = first["data"]["embeds"][0]
    assert embed["footer"]["text"] == f"Page 1 of {pages} · {len(engine.kb.sources)} sources"
    assert embed["description"].count("\n• ") == 10 and "more" not in embed["description"]
    previous, following = first["data"]["components"][0]["components"]
    assert previous["disabled"] and not following["disabled"]
    assert refusal["data"] == {
        "tts": False,
        "content": NOT_YOUR_LIST,
        "flags": EPHEMERAL,
        "allowed_mentions": {"parse": []},
    }
    assert second["type"] == 7
    assert second["data"]["embeds"][0]["footer"]["text"].startswith(f"Page 2 of {pages}")
    assert ids(second["data"]) == ["ob:pg:sources::0", "ob:pg:sources::2"]


async def test_gaps_most_asked_first_paged_with_actions(
    fake_discord, world, make_bot, run_bot, store
):
    guild_id = world.guild["id"]
    mods = fake_discord.add_role(guild_id, "mods", Perm.MANAGE_GUILD)
    moderator = fake_discord.make_user("mod")
    fake_discord.add_member(guild_id, moderator, roles=[mods["id"]])
    owner = fake_discord.application_owner
    fake_discord.add_member(guild_id, owner)
    now = datetime.now(UTC)
    for _ in range(3):
        await store.record_gap(int(guild_id), "can my boss see my data", Outcome.DECLINE, at=now)
    await store.record_gap(int(guild_id), "how do i turn off ai training", Outcome.DECLINE, at=now)
    for n in range(7):
        when = now - timedelta(minutes=n)
        await store.record_gap(
            int(guild_id), f"question number {n} about zebras", Outcome.DECLINE, at=when
        )
    async with run_bot(make_bot(maintainer_log_channel_id=int(world.other_channel["id"]))):
        inter = await fake_discord.send_slash_command(
            "kb gaps", {}, user=moderator, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for(lambda: fake_discord.webhook_requests(inter))
        (listing,) = fake_discord.webhook_requests(inter)
        send_id = ids(listing.json)[0]
        message = {"id": listing.response["id"], "channel_id": world.channel["id"]}
        fake_discord.messages.setdefault(listing.response["id"], listing.response)
        click = await fake_discord.send_component(message, send_id, user=moderator)
        sent_reply = await fake_discord.wait_for_interaction_response(click)
        posted = await fake_discord.wait_for_message(world.other_channel["id"])

        as_owner = await fake_discord.send_slash_command(
            "kb gaps", {}, user=owner, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for(lambda: fake_discord.webhook_requests(as_owner))
        (owners,) = fake_discord.webhook_requests(as_owner)
        fake_discord.messages.setdefault(owners.response["id"], owners.response)
        teach = await fake_discord.send_component(owners.response, ids(owners.json)[0], user=owner)
        form = await fake_discord.wait_for_interaction_response(teach)
    text = listing.json["content"]
    assert text.index("**3×** `can my boss see my data`") < text.index("zebras")
    assert "how do i turn off ai training" not in text  # the knowledge answers it now
    assert "Page 1 of 2 · 8 questions, most asked first" in text
    assert listing.json["flags"] == EPHEMERAL
    assert send_id.startswith("ob:g:s:") and ids(listing.json)[-1] == "ob:pg:gaps:week-server:1"
    assert sent_reply["data"]["content"] == SENT_TO_MAINTAINERS
    assert "can my boss see my data" in posted.json["content"]
    assert ids(owners.json)[0].startswith("ob:g:t:")
    assert form["type"] == 9  # the Teach form, prefilled with the question
    fields = [c["components"][0] for c in form["data"]["components"]]
    assert fields[1]["value"] == "can my boss see my data"


async def test_a_one_page_list_has_no_pager(fake_discord, world, make_bot, run_bot, fixture_kb):
    """The fixture knowledge has a handful of sources: one page, sent without a view (this
    failed with discord.py's send_message refusing view=None, found by the load tests)."""
    async with run_bot(make_bot()) as bot:
        bot.engine.swap(fixture_kb)
        inter = await fake_discord.send_slash_command(
            "sources", {}, user=world.user, channel_id=world.channel["id"]
        )
        reply = await fake_discord.wait_for_interaction_response(inter)
    assert reply["type"] == 4
    assert reply["data"].get("components", []) == []
    assert reply["data"]["embeds"][0]["description"].count("• ") == len(fixture_kb.sources)
