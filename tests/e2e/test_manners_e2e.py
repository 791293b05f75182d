"""End to end, issue 12: phone-first answers and Discord manners, through the real client.

Each journey drives the real OptoutBot against the local fake Discord and asserts on what
the bot sends back: private copies for a second member's clicks, Details privately,
removing an answer, answering someone else's question, follow-ups in context, the message
menu, `for:` without a ping, /ask's cooldown and the user-install declarations.
"""

from __future__ import annotations

from typing import Any

from bot.cogs.optout import ASK_BUSY
from bot.cogs.questions import CANT_READ_TEXT, MENU_DONE, MENU_NAME
from bot.discord_ui.views import NOT_YOURS_TO_REMOVE
from tests.e2e.fake_discord import EPHEMERAL
from tests.e2e.test_bot_e2e import NO_PINGS, reply_body

Json = dict[str, Any]


def custom_ids(message: Json) -> list[str]:
    return [c["custom_id"] for row in message["components"] for c in row["components"]]


async def optout(fake, world, user=None, **options) -> tuple[Any, Json]:
    inter = await fake.send_slash_command(
        "optout", options, user=user or world.user, channel_id=world.channel["id"]
    )
    body = await fake.wait_for_interaction_response(inter)
    return inter, body


async def test_details_are_private_and_the_answer_is_short(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        inter, body = await optout(fake_discord, world, platform="ios", region="eu")
        message = fake_discord.original_response(inter)
        bob = fake_discord.make_user("bob")
        fake_discord.add_member(world.guild["id"], bob)
        click = await fake_discord.send_component(message, "ob:d:turn-off:ios:eu", user=bob)
        details = await fake_discord.wait_for_interaction_response(click)
    embed = body["data"]["embeds"][0]
    visible = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    visible += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert visible <= 1500
    assert "ob:d:turn-off:ios:eu" in custom_ids(body["data"])
    assert details["type"] == 4 and details["data"]["flags"] == EPHEMERAL
    names = [f["name"] for f in details["data"]["embeds"][0]["fields"]]
    assert names[-1] == "Sources" and "What this covers" in names
    assert fake_discord.messages[message["id"]]["embeds"] == [embed]  # unchanged


async def test_remove_by_the_asker_not_by_another_member(fake_discord, world, make_bot, run_bot):
    async with run_bot(make_bot()):
        inter, _ = await optout(fake_discord, world)
        message = fake_discord.original_response(inter)
        bob = fake_discord.make_user("bob")
        fake_discord.add_member(world.guild["id"], bob)
        refused = await fake_discord.send_component(message, "ob:x:answer", user=bob)
        refusal = await fake_discord.wait_for_interaction_response(refused)
        assert message["id"] in fake_discord.messages
        removed = await fake_discord.send_component(message, "ob:x:answer", user=world.user)
        await fake_discord.wait_for_interaction_response(removed)
        await fake_discord.wait_for(lambda: message["id"] not in fake_discord.messages)
    assert refusal["data"]["content"] == NOT_YOURS_TO_REMOVE
    assert refusal["data"]["flags"] == EPHEMERAL


async def test_a_second_members_quick_mention_is_answered(fake_discord, world, make_bot, run_bot):
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot(user_cooldown_seconds=30.0, channel_cooldown_seconds=30.0)):
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> are my dms used?", author=world.user
        )
        await fake_discord.wait_for_message(channel)
        second = await fake_discord.exchange(channel, f"<@{bot_id}> how do i opt out", author=bob)
        dm = fake_discord.dm_channel(world.user)
        await fake_discord.send_message_create(dm["id"], "how do i opt out", author=world.user)
        in_dm = await fake_discord.wait_for_message(dm["id"])
    assert reply_body(second.json)["embeds"][0]["title"] == "Turn off AI training on your data"
    assert reply_body(in_dm.json)["embeds"][0]["title"] == "Turn off AI training on your data"


async def test_mention_replying_to_a_members_question_answers_it(
    fake_discord, world, make_bot, run_bot
):
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot()):
        question = await fake_discord.send_message_create(
            channel, "do they train on my messages?", author=bob
        )
        await fake_discord.send_message_create(
            channel, f"<@{bot_id}> can you answer this?", author=world.user, reply_to=question
        )
        answer = await fake_discord.wait_for_message(channel)
        bare = await fake_discord.send_message_create(channel, "", author=bob)
        note = await fake_discord.exchange(
            channel, f"<@{bot_id}>", author=world.user, reply_to=bare
        )
    body = reply_body(answer.json)
    assert body["message_reference"]["message_id"] == int(question["id"])  # a reply to bob
    assert body["embeds"][0]["title"] == "Are private messages used?"
    assert body["allowed_mentions"] == NO_PINGS
    assert reply_body(note.json)["content"] == CANT_READ_TEXT


async def test_follow_up_reply_keeps_the_answers_topic_and_platform(
    fake_discord, world, make_bot, run_bot
):
    bot_id = fake_discord.bot_user["id"]
    channel = world.channel["id"]
    async with run_bot(make_bot()):
        first = await fake_discord.exchange(
            channel, f"<@{bot_id}> how do i opt out on the web", author=world.user
        )
        answer = fake_discord.messages[first.response["id"]]
        android = await fake_discord.exchange(
            channel, "what about android?", author=world.user, reply_to=answer
        )
        mark = fake_discord.mark()
        follow = fake_discord.messages[android.response["id"]]
        await fake_discord.send_message_create(
            channel, "and in the UK?", author=world.user, reply_to=follow
        )
        uk = await fake_discord.wait_for_message(channel, since=mark)
    assert "**Android app**" in reply_body(android.json)["embeds"][0]["description"]
    embed = reply_body(uk.json)["embeds"][0]
    assert "**Android app**" in embed["description"]
    assert embed["fields"][0]["name"] == "Where you are: United Kingdom"


async def test_a_catchers_name_is_never_shown(fake_discord, world, make_bot, run_bot):
    bot_id = fake_discord.bot_user["id"]
    async with run_bot(make_bot()):
        await fake_discord.send_message_create(
            world.channel["id"], f"<@{bot_id}> i forgot my password", author=world.user
        )
        reply = await fake_discord.wait_for_message(world.channel["id"])
    embed = reply_body(reply.json)["embeds"][0]
    assert "title" not in embed
    assert embed["description"] == "For account problems, see LinkedIn Help."


async def test_message_menu_answers_that_message(fake_discord, world, make_bot, run_bot):
    channel = world.channel["id"]
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot()):
        menu = next(
            c
            for c in fake_discord.guild_commands[world.guild["id"]]
            if c["name"] == MENU_NAME and c["type"] == 3
        )
        question = await fake_discord.send_message_create(
            channel, "are my private messages used?", author=bob
        )
        data = {
            "id": menu["id"],
            "name": MENU_NAME,
            "type": 3,
            "target_id": question["id"],
            "resolved": {"messages": {question["id"]: question}},
            "guild_id": world.guild["id"],
        }
        inter = await fake_discord.send_interaction(2, data, user=world.user, channel_id=channel)
        reply = await fake_discord.wait_for_message(channel)
        await fake_discord.wait_for(lambda: fake_discord.webhook_requests(inter))
    body = reply_body(reply.json)
    assert body["message_reference"]["message_id"] == int(question["id"])
    assert body["embeds"][0]["title"] == "Are private messages used?"
    (ack,) = fake_discord.interaction_responses(inter.id)
    assert ack["type"] == 5 and ack["data"]["flags"] == EPHEMERAL
    (done,) = fake_discord.webhook_requests(inter)
    assert done.json["content"] == MENU_DONE
    assert menu["integration_types"] == [0, 1] and sorted(menu["contexts"]) == [0, 1, 2]


async def test_for_names_a_member_without_a_ping_and_ask_has_a_cooldown(
    fake_discord, world, make_bot, run_bot
):
    bob = fake_discord.make_user("bob")
    fake_discord.add_member(world.guild["id"], bob)
    async with run_bot(make_bot(user_cooldown_seconds=30.0)):
        _, body = await optout(fake_discord, world, platform="mobile", **{"for": bob["id"]})
        inter = await fake_discord.send_slash_command(
            "ask", {"question": "are my dms used"}, user=world.user, channel_id=world.channel["id"]
        )
        first = await fake_discord.wait_for_interaction_response(inter)
        inter = await fake_discord.send_slash_command(
            "ask", {"question": "how do i opt out"}, user=world.user, channel_id=world.channel["id"]
        )
        busy = await fake_discord.wait_for_interaction_response(inter)
        commands = {c["name"]: c for c in fake_discord.guild_commands[world.guild["id"]]}
    assert body["data"]["content"] == f"For <@{bob['id']}>"
    assert body["data"]["allowed_mentions"] == NO_PINGS
    assert first["data"]["embeds"][0]["title"] == "Are private messages used?"
    assert busy["data"]["flags"] == EPHEMERAL
    assert busy["data"]["content"].startswith(ASK_BUSY.split("{")[0])
    for name in ("optout", "ask", "topics", "sources"):
        assert commands[name]["integration_types"] == [0, 1]
        assert sorted(commands[name]["contexts"]) == [0, 1, 2]
    assert "for" in {o["name"] for o in commands["optout"]["options"]}


async def test_a_quick_dm_follow_up_is_answered_at_once(fake_discord, world, make_bot, run_bot):
    """DMs are a conversation: the relaxed cooldown lets a follow-up through without a wait."""
    dm = fake_discord.dm_channel(world.user)
    async with run_bot(make_bot(user_cooldown_seconds=30.0)):
        await fake_discord.send_message_create(dm["id"], "how do i opt out", author=world.user)
        await fake_discord.wait_for_message(dm["id"])
        second = await fake_discord.exchange(dm["id"], "are my dms used?", author=world.user)
    assert reply_body(second.json)["embeds"][0]["title"] == "Are private messages used?"
    assert not fake_discord.requests_matching("PUT", r".*/reactions/.*")
