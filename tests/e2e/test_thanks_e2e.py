"""End to end, issue 12: a member thanks the bot after an answer, by mention or by reply.

Why: small talk must get one short friendly line (no title, no topic list, no controls) and
must not land in `/kb gaps` as a question the bot could not answer. Uses the shipped
knowledge, whose small-talk entries are what members actually meet.
"""

from __future__ import annotations

import pytest

from bot.answering import Engine
from bot.knowledge import load_knowledge
from tests.e2e.test_bot_e2e import reply_body

GLAD = "Glad it helped! If anything else about the setting comes up, just ask."


@pytest.fixture
def engine() -> Engine:
    return Engine(load_knowledge(None).kb)


def assert_one_friendly_line(body: dict) -> None:
    """One short line: no title, no fields, no topic or feedback buttons (only 🗑)."""
    text = body.get("content") or ""
    embeds = body.get("embeds") or []
    if embeds:
        (embed,) = embeds
        assert "title" not in embed and not embed.get("fields")
        text = embed["description"]
    assert text == GLAD
    assert "\n" not in text
    ids = [c["custom_id"] for row in body.get("components", []) for c in row["components"]]
    assert ids in ([], ["ob:x:answer"])


async def test_thanks_by_mention_and_by_reply_gets_one_line_and_no_gap(
    fake_discord, world, make_bot, run_bot, store
):
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    async with run_bot(make_bot()):
        first = await fake_discord.exchange(
            channel, f"<@{bot_id}> how do i opt out on the web", author=world.user
        )
        answer = fake_discord.messages[first.response["id"]]
        by_reply = await fake_discord.exchange(
            channel, "thanks, that worked", author=world.user, reply_to=answer
        )
        by_mention = await fake_discord.exchange(
            channel, f"<@{bot_id}> thank you!", author=world.user
        )
    assert reply_body(first.json)["embeds"][0].get("title")  # a real answer came first
    assert_one_friendly_line(reply_body(by_reply.json))
    assert_one_friendly_line(reply_body(by_mention.json))
    await store.open()  # the bot closed it after flushing its records; memory keeps them
    assert await store.gaps(int(world.guild["id"])) == []
    stats = await store.stats(int(world.guild["id"]))
    assert stats.total == 3  # all three were recorded as answers, none as a gap
