"""End to end, issue 12: Dismiss under /kb gaps, a 👎's question in /kb stats, and the
maintainers' commands registered in their home server only, through the real client."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cogs.kb import ADMIN_GROUP
from bot.outcome import Outcome
from tests.e2e.fake_discord import EPHEMERAL, Perm
from tests.testkit import component_ids as ids


def subcommands(command: dict | None) -> set[str]:
    return {o["name"] for o in (command or {}).get("options", [])}


def add_moderator(fake, guild_id: str) -> dict:
    mods = fake.add_role(guild_id, "mods", Perm.MANAGE_GUILD)
    moderator = fake.make_user("mod")
    fake.add_member(guild_id, moderator, roles=[mods["id"]])
    return moderator


async def test_maintainer_commands_are_registered_in_the_home_server_only(
    fake_discord, world, make_bot, run_bot
):
    home = fake_discord.add_guild("Maintainers", channels=("team",))
    owner = fake_discord.application_owner
    fake_discord.add_member(home["id"], owner)
    team = next(c for c in fake_discord.channels.values() if c.get("guild_id") == home["id"])
    bot = make_bot(dev_guild_id=None, home_guild_id=int(home["id"]))
    async with run_bot(bot):
        check = await fake_discord.send_slash_command(
            f"{ADMIN_GROUP} check", {}, user=owner, channel_id=team["id"]
        )
        await fake_discord.wait_for(lambda: fake_discord.webhook_requests(check))
        (reply,) = fake_discord.webhook_requests(check)
    global_names = {c["name"] for c in fake_discord.global_commands}
    assert "kb" in global_names and ADMIN_GROUP not in global_names
    assert subcommands(fake_discord.find_command("kb")) == {"gaps", "stats"}
    home_commands = fake_discord.guild_commands[home["id"]]
    assert [c["name"] for c in home_commands] == [ADMIN_GROUP]
    assert subcommands(home_commands[0]) == {"reload", "check", "teach"}
    # another server's admins see /kb (gaps, stats) and nothing that would refuse them
    assert fake_discord.find_command(ADMIN_GROUP, world.guild["id"]) is None
    assert fake_discord.guild_commands.get(world.guild["id"], []) == []
    assert "valid" in reply.json["content"] and reply.json["flags"] == EPHEMERAL


async def test_dismiss_removes_the_gap_for_this_server_and_redraws_the_list(
    fake_discord, world, make_bot, run_bot, store
):
    guild_id = world.guild["id"]
    moderator = add_moderator(fake_discord, guild_id)
    now = datetime.now(UTC)
    for _ in range(2):
        await store.record_gap(int(guild_id), "can my boss see my data", Outcome.DECLINE, at=now)
    await store.record_gap(int(guild_id), "question about zebras", Outcome.DECLINE, at=now)
    await store.record_gap(999, "can my boss see my data", Outcome.DECLINE, at=now)  # elsewhere
    async with run_bot(make_bot()):
        inter = await fake_discord.send_slash_command(
            "kb gaps", {}, user=moderator, channel_id=world.channel["id"]
        )
        await fake_discord.wait_for(lambda: fake_discord.webhook_requests(inter))
        (listing,) = fake_discord.webhook_requests(inter)
        fake_discord.messages.setdefault(listing.response["id"], listing.response)
        dismiss = [i for i in ids(listing.json) if i.startswith("ob:g:d:")]
        click = await fake_discord.send_component(listing.response, dismiss[0], user=moderator)
        redrawn = await fake_discord.wait_for_interaction_response(click)
        left = [g.text for g in await store.gaps(int(guild_id))]
        elsewhere = [g.text for g in await store.gaps(999)]
    assert listing.json["content"].index("can my boss") < listing.json["content"].index("zebras")
    assert len(dismiss) == 2 and all(i.endswith(":week-server:0") for i in dismiss)
    assert redrawn["type"] == 7  # the list itself is updated
    content = redrawn["data"]["content"]
    assert content.startswith("Dismissed “can my boss see my data”.")
    assert "**2×**" not in content and "zebras" in content
    assert [i for i in ids(redrawn["data"]) if i.startswith("ob:g:d:")] == dismiss[1:]
    assert left == ["question about zebras"]
    assert elsewhere == ["can my boss see my data"]


async def test_a_thumbs_down_keeps_the_question_for_the_moderators(
    fake_discord, world, make_bot, run_bot, store
):
    guild_id = world.guild["id"]
    moderator = add_moderator(fake_discord, guild_id)
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    async with run_bot(make_bot()):
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> How do I opt out on the WEB?!", author=world.user
        )
        answered = await fake_discord.wait_for_message(channel)
        answer = fake_discord.messages[answered.response["id"]]
        down = next(i for i in ids(answer) if i.startswith("ob:f:") and i.endswith(":n"))
        vote = await fake_discord.send_component(answer, down, user=world.user)
        await fake_discord.wait_for_interaction_response(vote)
        stats = await fake_discord.send_slash_command(
            "kb stats", {}, user=moderator, channel_id=channel
        )
        await fake_discord.wait_for(lambda: len(fake_discord.webhook_requests(stats)) >= 2)
        summary, disliked = fake_discord.webhook_requests(stats)
    assert "1 👎" in summary.json["content"]
    text = disliked.json["content"]
    assert text.startswith("**Disliked answers (👎)** in this server")
    assert "**1×** `how do i opt out on the web`" in text  # normalised like a gap
    assert world.user["id"] not in text and "alice" not in text
    assert disliked.json["flags"] == EPHEMERAL
